/* SPDX-License-Identifier: MIT */
/*
 * Parked slots: a thread keeps the one slot it last unmapped for its
 * next one-slot map (src/swiotlb.c).  What must not change because of
 * it: a stale unmap or sync is still refused, the used count and the
 * high-water mark are still exact for one thread, a full pool still
 * gets back every slot nobody maps, including those parked by threads
 * that exited or are still alive.  Built for TSan as well.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOT DMK_IO_TLB_SIZE

/* 64 KiB of originals. */
static struct test_fix *fix_new(size_t pool_bytes)
{
	struct test_fix *f = test_fix_new(false);

	test_fix_pool(f, pool_bytes, 1, 4);
	test_warnings = 0;
	return f;
}

static dmk_phys_t map(struct test_fix *f, size_t size)
{
	return dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf, size, 0,
					  DMK_DMA_BIDIRECTIONAL,
					  DMK_ATTR_NO_WARN);
}

static void unmap(struct test_fix *f, dmk_phys_t tlb, size_t size)
{
	dmk_swiotlb_tbl_unmap_single(f->pool, &f->dev, tlb, size,
				     DMK_DMA_BIDIRECTIONAL, 0);
}

/* The parked slot comes back to the same thread, and only as a slot
 * that is not mapped: stale calls on it are refused. */
static void test_park_reuse_and_stale_calls(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	uint8_t *orig = dmk_phys_to_virt(&f->tp.plat, f->buf);
	dmk_phys_t t, u;

	(void)state;
	t = map(f, 64);
	assert_true(t != DMK_PHYS_ERROR);
	unmap(f, t, 64);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	assert_int_equal(test_warnings, 0);

	/* Parked, not mapped: an unmap or a sync of it is refused and
	 * copies nothing into the original. */
	memset(orig, 0x5a, 64);
	unmap(f, t, 64);
	assert_int_equal(test_warnings, 1);
	assert_non_null(strstr(test_last_warning, "not mapped"));
	dmk_swiotlb_sync_single_for_cpu(f->pool, t, 64, DMK_DMA_FROM_DEVICE);
	assert_int_equal(test_warnings, 2);
	assert_non_null(strstr(test_last_warning, "outside any mapping"));
	assert_int_equal(orig[0], 0x5a);

	/* The next one-slot map takes it (warm), with its own bytes. */
	u = map(f, 100);
	assert_true(u == t);
	assert_memory_equal(dmk_phys_to_virt(&f->tp.plat, u), orig, 100);
	assert_int_equal(test_fix_pool_stats(f).used, 1);
	unmap(f, u, 100);
	test_fix_free(f);
}

/* A page (two slots) parks too; a stale sync of its second slot is
 * refused, and a request of another length does not get the run. */
static void test_park_runs(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	struct dmk_swiotlb_stats st;
	dmk_phys_t t, u, v;

	(void)state;
	t = map(f, 4096);
	assert_true(t != DMK_PHYS_ERROR);
	unmap(f, t, 4096);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + SLOT + 8, 16,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(test_warnings, 1);
	assert_non_null(strstr(test_last_warning, "outside any mapping"));
	/* Three slots: not the parked two (which go back first). */
	u = map(f, 3 * SLOT);
	assert_true(u != DMK_PHYS_ERROR);
	assert_int_equal(test_fix_pool_stats(f).used, 3);
	unmap(f, u, 3 * SLOT);
	/* The same length again: the run just parked. */
	v = map(f, 3 * SLOT);
	assert_true(v == u);
	unmap(f, v, 3 * SLOT);
	/* 32 KiB is beyond what parks: back to its area, counted once. */
	t = map(f, 32768);
	unmap(f, t, 32768);
	st = test_fix_pool_stats(f);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.used_hiwater, 16);
	assert_int_equal(test_warnings, 1);
	test_fix_free(f);
}

/* A request the parked slot cannot serve gives it back first, so the
 * high-water mark counts only what is mapped. */
static void test_park_exact_counts(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	struct dmk_swiotlb_stats st;
	dmk_phys_t t, big;

	(void)state;
	t = map(f, 64);
	unmap(f, t, 64);
	big = map(f, 3 * SLOT);
	assert_true(big != DMK_PHYS_ERROR);
	st = test_fix_pool_stats(f);
	assert_int_equal(st.used, 3);
	assert_int_equal(st.used_hiwater, 3);
	assert_int_equal(st.bounced_maps, 2);
	unmap(f, big, 3 * SLOT);
	/* Served from the park: still counted as a bounce. */
	t = map(f, 64);
	unmap(f, t, 64);
	st = test_fix_pool_stats(f);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.bounced_maps, 3);
	assert_int_equal(st.bounced_bytes, 64 + 3 * SLOT + 64);
	test_fix_free(f);
}

/* Alignment the parked slot does not have: not used for that map. */
static void test_park_respects_alignment(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	dmk_phys_t t, u;

	(void)state;
	/* Park an odd slot: map two, unmap the second. */
	t = map(f, 64);
	u = map(f, 64);
	assert_int_equal(u - t, SLOT);
	unmap(f, u, 64);
	/* min_align_mask 4 KiB - 1 with an original at offset 0 wants an
	 * even slot (bus bit 11 clear). */
	f->dev.min_align_mask = 4095;
	u = map(f, 64);
	assert_true(u != DMK_PHYS_ERROR);
	assert_int_equal(u & 4095, f->buf & 4095);
	unmap(f, u, 64);
	unmap(f, t, 64);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

struct parker {
	struct test_fix *f;
	pthread_barrier_t *parked, *go, *done; /* NULL: exit at once */
	dmk_phys_t slot, kept;
};

/*
 * Map and unmap one slot, so that it stays parked.  A live parker also
 * keeps a mapping, waits while the pool fills, then unmaps that: the
 * first call after the drain request, which gives the park back too.
 */
static void *parker_main(void *arg)
{
	struct parker *p = arg;

	if (p->parked)
		p->kept = map(p->f, 64);
	p->slot = map(p->f, 64);
	unmap(p->f, p->slot, 64);
	if (p->parked) {
		pthread_barrier_wait(p->parked);
		pthread_barrier_wait(p->go);
		unmap(p->f, p->kept, 64);
		/* Alive while the pool is checked: no exited-thread drain. */
		pthread_barrier_wait(p->done);
		pthread_barrier_wait(p->done);
	}
	return NULL;
}

static unsigned int fill(struct test_fix *f, dmk_phys_t *t, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && (t[n] = map(f, 64)) != DMK_PHYS_ERROR)
		n++;
	return n;
}

/* A thread that exited left a slot parked: a full pool takes it back. */
static void test_park_of_exited_thread(void **state)
{
	struct test_fix *f = fix_new(64 * SLOT);
	struct parker p = {.f = f};
	dmk_phys_t t[64];
	pthread_t th;
	unsigned int n;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, parker_main, &p), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	/* Every slot, including the parked one. */
	n = fill(f, t, 64);
	assert_int_equal(n, 64);
	assert_int_equal(test_fix_pool_stats(f).used, 64);
	for (unsigned int i = 0; i < n; i++)
		unmap(f, t[i], 64);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

/* A live thread holds a parked slot: the map that finds the pool full
 * fails, and the thread gives the slot back at its next call. */
static void test_park_of_live_thread(void **state)
{
	struct test_fix *f = fix_new(64 * SLOT);
	pthread_barrier_t parked, go, done;
	struct parker p = {.f = f, .parked = &parked, .go = &go, .done = &done};
	dmk_phys_t t[64];
	pthread_t th;
	unsigned int n;

	(void)state;
	pthread_barrier_init(&parked, NULL, 2);
	pthread_barrier_init(&go, NULL, 2);
	pthread_barrier_init(&done, NULL, 2);
	assert_int_equal(pthread_create(&th, NULL, parker_main, &p), 0);
	pthread_barrier_wait(&parked);
	n = fill(f, t, 64);
	assert_int_equal(n, 62);
	assert_int_equal(test_fix_pool_stats(f).used, 63);
	assert_int_equal(test_fix_pool_stats(f).full, 1);
	pthread_barrier_wait(&go);
	/* Its unmap (one call later) gave both its slots back, the parked
	 * one included, while it is still alive. */
	pthread_barrier_wait(&done);
	assert_int_equal(test_fix_pool_stats(f).used, 62);
	assert_int_equal(fill(f, t + n, 2), 2);
	n += 2;
	assert_true(t[n - 2] == p.slot || t[n - 1] == p.slot);
	assert_int_equal(test_fix_pool_stats(f).full, 1);
	pthread_barrier_wait(&done);
	assert_int_equal(pthread_join(th, NULL), 0);
	for (unsigned int i = 0; i < n; i++)
		unmap(f, t[i], 64);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	pthread_barrier_destroy(&parked);
	pthread_barrier_destroy(&go);
	pthread_barrier_destroy(&done);
	test_fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_park_reuse_and_stale_calls),
		cmocka_unit_test(test_park_exact_counts),
		cmocka_unit_test(test_park_runs),
		cmocka_unit_test(test_park_respects_alignment),
		cmocka_unit_test(test_park_of_exited_thread),
		cmocka_unit_test(test_park_of_live_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
