/* SPDX-License-Identifier: MIT */
/*
 * A dynamic swiotlb (Linux 6.6's CONFIG_SWIOTLB_DYNAMIC) on the host
 * platform: transient pools for maps the default pool cannot serve,
 * freed with their mapping and at teardown; growth past 3/4 used, run
 * at once or through a platform's deferred work; lookups of every
 * pool's addresses; concurrent map/unmap while the list grows (this
 * test runs under ThreadSanitizer in `make check-tsan`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KIB 1024UL
#define POOL_BYTES (256 * KIB) /* one segment: 128 slots */

/* Deferred work the test runs when it says (a platform's worker). */
static struct {
	void (*fn)(void *);
	void *arg;
	unsigned int queued, flushed;
} work;

static int test_defer(void *ctx, void (*fn)(void *), void *arg)
{
	(void)ctx;
	assert_null(work.fn); /* one growth at a time */
	work.fn = fn;
	work.arg = arg;
	work.queued++;
	return 0;
}

static void test_flush(void *ctx)
{
	(void)ctx;
	if (work.fn) {
		void (*fn)(void *) = work.fn;

		work.fn = NULL;
		fn(work.arg);
		work.flushed++;
	}
}

/* The growable pool: one segment, 4 MiB of originals, a 64-bit device. */
static struct test_fix *fix_new(dmk_phys_t grow_limit, bool deferred)
{
	struct test_fix *f = test_fix_new(false);

	memset(&work, 0, sizeof(work));
	if (deferred) {
		f->tp.ops.defer_work = test_defer;
		f->tp.ops.flush_work = test_flush;
	}
	test_fix_pool(f, POOL_BYTES, 1, 10);
	assert_int_equal(dmk_swiotlb_dyn_init(f->pool, grow_limit), 0);
	f->dev.dma_mask = ~0ULL;
	return f;
}

static void fix_free(struct test_fix *f)
{
	dmk_swiotlb_dyn_exit(f->pool);
	test_fix_free(f);
}

static dmk_phys_t map(struct test_fix *f, dmk_phys_t orig, size_t size)
{
	return dmk_swiotlb_tbl_map_single(f->pool, &f->dev, orig, size, 0,
					  DMK_DMA_BIDIRECTIONAL, 0);
}

static void unmap(struct test_fix *f, dmk_phys_t tlb, size_t size)
{
	dmk_swiotlb_tbl_unmap_single(f->pool, &f->dev, tlb, size,
				     DMK_DMA_BIDIRECTIONAL, 0);
}

static bool in_default(struct test_fix *f, dmk_phys_t tlb)
{
	return tlb >= f->start && tlb < f->end;
}

/* Fill the default pool with 2 KiB maps; growth is refused (limit 1),
 * so nothing else can serve them.  Returns how many. */
static unsigned int fill_default(struct test_fix *f, dmk_phys_t *tlb)
{
	unsigned int n = 0;

	for (;; n++) {
		test_fill(&f->tp.plat, f->buf + n * 2048, 2048, n);
		tlb[n] = map(f, f->buf + n * 2048, 2048);
		assert_true(tlb[n] != DMK_PHYS_ERROR);
		if (!in_default(f, tlb[n]))
			return n;
	}
}

/* ---- transient pools ---- */

static void test_transient_serves_and_goes(void **state)
{
	struct test_fix *f = fix_new(1, false);
	dmk_phys_t tlb[200];
	unsigned int n;
	struct dmk_swiotlb_stats st;
	uint8_t *slot;

	(void)state;
	n = fill_default(f, tlb);
	assert_int_equal(n, 128); /* every slot of the default pool */
	/* The 129th came from a transient pool, with the bytes in it. */
	assert_true(dmk_is_swiotlb_buffer(f->pool, tlb[n]));
	slot = dmk_phys_to_virt(&f->tp.plat, tlb[n]);
	assert_memory_equal(
		slot, dmk_phys_to_virt(&f->tp.plat, f->buf + n * 2048), 2048);
	st = test_fix_stats(f);
	assert_int_equal(st.transient_pools, 1);
	assert_int_equal(st.transient_total, 1);
	assert_int_equal(st.pools, 1); /* growth was refused */
	assert_true(st.grow_failed >= 1);
	assert_int_equal(st.full, 0);
	assert_int_equal(st.used, 129);

	/* The device writes the bounce; sync and unmap copy it back. */
	memset(slot, 0xa5, 2048);
	dmk_swiotlb_sync_single_for_cpu(f->pool, tlb[n] + 100, 10,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(((uint8_t *)dmk_phys_to_virt(&f->tp.plat,
						      f->buf + n * 2048))[100],
			 0xa5);
	unmap(f, tlb[n], 2048);
	assert_int_equal(((uint8_t *)dmk_phys_to_virt(&f->tp.plat,
						      f->buf + n * 2048))[2047],
			 0xa5);
	st = test_fix_stats(f);
	assert_int_equal(st.transient_pools, 0);
	assert_int_equal(st.pool_bytes, POOL_BYTES);
	assert_true(st.pool_bytes_hiwater > POOL_BYTES);
	assert_false(dmk_is_swiotlb_buffer(f->pool, tlb[n]));
	/* A second unmap of it is refused, not a crash. */
	test_warnings = 0;
	unmap(f, tlb[n], 2048);
	assert_int_equal(test_warnings, 1);
	for (unsigned int i = 0; i < n; i++)
		unmap(f, tlb[i], 2048);
	assert_int_equal(test_fix_stats(f).used, 0);
	fix_free(f);
}

/* Many transient pools at once: each address finds its own (the
 * bisection over the sorted table), freed in a scrambled order. */
static void test_many_transients_lookup(void **state)
{
	struct test_fix *f = fix_new(1, false);
	dmk_phys_t tlb[128 + 300];
	unsigned int n = fill_default(f, tlb);
	unsigned int total = n + 300;

	(void)state;
	for (unsigned int i = n + 1; i < total; i++) {
		size_t len = 100 + i % 3000;

		test_fill(&f->tp.plat, f->buf + i * 4096, len, i);
		tlb[i] = map(f, f->buf + i * 4096, len);
		assert_true(tlb[i] != DMK_PHYS_ERROR);
		assert_false(in_default(f, tlb[i]));
	}
	assert_int_equal(test_fix_stats(f).transient_pools, 300);
	for (unsigned int i = n + 1; i < total; i++) {
		size_t len = 100 + i % 3000;

		memset(dmk_phys_to_virt(&f->tp.plat, f->buf + i * 4096), 0,
		       len);
		dmk_swiotlb_sync_single_for_cpu(f->pool, tlb[i], len,
						DMK_DMA_FROM_DEVICE);
		assert_true(test_check(&f->tp.plat, f->buf + i * 4096, len, i));
	}
	for (unsigned int k = 0; k < 300; k++) {
		unsigned int i = n + 1 + (k * 7919) % 299;

		if (k == 299)
			i = n;
		unmap(f, tlb[i], i == n ? 2048 : 100 + i % 3000);
	}
	/* k * 7919 mod 299 visits every residue: all gone. */
	assert_int_equal(test_fix_stats(f).transient_pools, 0);
	assert_int_equal(test_fix_stats(f).transient_total, 300);
	for (unsigned int i = 0; i < n; i++)
		unmap(f, tlb[i], 2048);
	fix_free(f);
}

/* Pools still mapped at teardown are freed (ASan would see a leak). */
static void test_transient_freed_at_teardown(void **state)
{
	struct test_fix *f = fix_new(1, false);
	dmk_phys_t tlb[140];
	unsigned int n = fill_default(f, tlb);

	(void)state;
	for (unsigned int i = n + 1; i < 140; i++)
		assert_false(in_default(f, tlb[i] = map(f, f->buf, 64)));
	assert_int_equal(test_fix_stats(f).transient_pools, 140 - n);
	test_warnings = 0;
	fix_free(f);
	assert_int_equal(test_warnings, 1); /* "still mapped at teardown" */
}

/* A transient pool lies below the device's reach. */
static void test_transient_below_reach(void **state)
{
	struct test_fix *f = fix_new(1, false);
	dmk_phys_t tlb[130];
	unsigned int n = fill_default(f, tlb);
	dmk_phys_t t;

	(void)state;
	f->dev.dma_mask = DMK_BIT_MASK(23); /* the first 8 MiB */
	t = map(f, f->buf, 4096);
	if (t != DMK_PHYS_ERROR) {
		assert_true(t + 4096 - 1 <= DMK_BIT_MASK(23));
		unmap(f, t, 4096);
	}
	/* Below what no RAM is: refused, counted as full. */
	f->dev.dma_mask = 0xfff;
	assert_true(map(f, f->buf, 64) == DMK_PHYS_ERROR);
	assert_int_equal(test_fix_stats(f).full, 1);
	assert_true(test_fix_stats(f).transient_failed >= 1);
	for (unsigned int i = 0; i <= n; i++)
		unmap(f, tlb[i], 2048);
	fix_free(f);
}

/* ---- growth ---- */

static void test_growth_at_threshold(void **state)
{
	struct test_fix *f = fix_new(~0ULL, false);
	dmk_phys_t tlb[230];
	struct dmk_swiotlb_stats st;

	(void)state;
	/* Up to 3/4 of the default pool: no growth. */
	for (unsigned int i = 0; i < 96; i++)
		assert_true(in_default(f, tlb[i] = map(f, f->buf, 2048)));
	assert_int_equal(test_fix_stats(f).pools, 1);
	/* Past it: one pool more, the size of the default one. */
	assert_true(in_default(f, tlb[96] = map(f, f->buf, 2048)));
	st = test_fix_stats(f);
	assert_int_equal(st.pools, 2);
	assert_int_equal(st.nslabs, 256);
	/* The rest of the default pool, then the new one serves. */
	for (unsigned int i = 97; i < 128; i++)
		assert_true(in_default(f, tlb[i] = map(f, f->buf, 2048)));
	for (unsigned int i = 128; i < 230; i++) {
		tlb[i] = map(f, f->buf + i * 2048, 2048);
		assert_false(in_default(f, tlb[i]));
		assert_true(dmk_is_swiotlb_buffer(f->pool, tlb[i]));
	}
	st = test_fix_stats(f);
	assert_int_equal(st.transient_total, 0);
	assert_int_equal(st.used, 230);
	/* 102 in the new pool: it passed 3/4, a third one came. */
	assert_int_equal(st.pools, 3);
	assert_int_equal(st.nslabs, 384);
	for (unsigned int i = 0; i < 230; i++)
		unmap(f, tlb[i], 2048);
	st = test_fix_stats(f);
	assert_int_equal(st.used, 0);
	/* Grown pools stay (Linux frees only transient ones). */
	assert_int_equal(st.pools, 3);
	assert_int_equal(st.pool_bytes, 3 * POOL_BYTES);
	assert_int_equal(st.pool_bytes_hiwater, 3 * POOL_BYTES);
	fix_free(f);
}

static void test_growth_deferred(void **state)
{
	struct test_fix *f = fix_new(~0ULL, true);
	dmk_phys_t tlb[130];

	(void)state;
	for (unsigned int i = 0; i < 100; i++)
		tlb[i] = map(f, f->buf, 2048);
	/* Queued once, not run: the map did not wait for it. */
	assert_int_equal(work.queued, 1);
	assert_int_equal(test_fix_stats(f).pools, 1);
	test_flush(NULL);
	assert_int_equal(test_fix_stats(f).pools, 2);
	for (unsigned int i = 100; i < 130; i++)
		tlb[i] = map(f, f->buf, 2048);
	assert_int_equal(test_fix_stats(f).transient_total, 0);
	for (unsigned int i = 0; i < 130; i++)
		unmap(f, tlb[i], 2048);
	fix_free(f);
}

/* Teardown waits for a growth still queued (flush_work), then frees
 * what it added. */
static void test_growth_flushed_at_teardown(void **state)
{
	struct test_fix *f = fix_new(~0ULL, true);
	dmk_phys_t tlb[100];

	(void)state;
	for (unsigned int i = 0; i < 100; i++)
		tlb[i] = map(f, f->buf, 2048);
	assert_int_equal(work.queued, 1);
	for (unsigned int i = 0; i < 100; i++)
		unmap(f, tlb[i], 2048);
	fix_free(f);
	assert_int_equal(work.flushed, 1);
}

static void test_grow_api(void **state)
{
	struct test_fix *f = fix_new(~0ULL, false);
	struct dmk_system none = {0};
	unsigned int n = 0;

	(void)state;
	assert_int_equal(dmk_swiotlb_grow(&none), -DMK_ENODEV);
	while (dmk_swiotlb_grow(&f->sys) == 0)
		n++;
	assert_int_equal(n, 32); /* DYN_MAX_GROWN */
	assert_int_equal(test_fix_stats(f).pools, 33);
	fix_free(f);
}

/* A remap hook (swiotlb-xen's fix-up) that makes the default pool and
 * refuses any other: no pool is added, the reason is said once, the
 * map fails as without a dynamic swiotlb, and what was made is undone. */
static unsigned int remaps, unremaps;

static int remap_first_only(void *ctx, dmk_phys_t phys, size_t nslabs,
			    dmk_phys_t limit, bool transient)
{
	(void)ctx;
	(void)transient;
	(void)phys;
	(void)nslabs;
	(void)limit;
	return remaps++ ? -DMK_ENOTSUP : 0;
}

static void unremap_count(void *ctx, dmk_phys_t phys, size_t nslabs)
{
	(void)ctx;
	(void)phys;
	(void)nslabs;
	unremaps++;
}

static void test_remap_refused(void **state)
{
	struct test_plat tp;
	struct dmk_swiotlb_remap hook = {remap_first_only, unremap_count, NULL};
	struct dmk_system sys = {0};
	struct dmk_swiotlb_stats st;
	struct dmk_swiotlb *pool;
	struct dmk_device dev;
	dmk_phys_t buf, tlb[129];

	(void)state;
	remaps = unremaps = 0;
	test_plat_init(&tp, 16 << 20, false);
	assert_non_null(tp.plat.ops->alloc_pages(tp.plat.ctx, 0, ~0ULL, &buf));
	assert_int_equal(dmk_swiotlb_init_remap(&tp.plat, POOL_BYTES, 0, 1,
						&hook, &pool),
			 0);
	assert_int_equal(dmk_swiotlb_dyn_init(pool, ~0ULL), 0);
	sys.plat = &tp.plat;
	sys.swiotlb = pool;
	test_device(&dev);
	for (unsigned int i = 0; i < 128; i++)
		tlb[i] = dmk_swiotlb_tbl_map_single(pool, &dev, buf, 64, 0,
						    DMK_DMA_TO_DEVICE, 0);
	/* Growth at 3/4 was refused, with the reason; the 129th map too. */
	assert_non_null(strstr(test_last_warning, "cannot grow"));
	assert_non_null(strstr(test_last_warning, dmk_strerror(-DMK_ENOTSUP)));
	test_warnings = 0;
	tlb[128] = dmk_swiotlb_tbl_map_single(pool, &dev, buf, 64, 0,
					      DMK_DMA_TO_DEVICE, 0);
	assert_true(tlb[128] == DMK_PHYS_ERROR);
	assert_int_equal(dmk_swiotlb_stats(&sys, &st), 0);
	assert_int_equal(st.pools, 1);
	assert_int_equal(st.transient_total, 0);
	assert_int_equal(st.full, 1);
	assert_true(st.grow_failed >= 1);
	assert_non_null(strstr(test_last_warning, "buffer is full"));
	/* Once refused, never asked again: the default pool's remap and
	 * the one refused growth. */
	assert_int_equal(remaps, 2);
	assert_true(dmk_swiotlb_tbl_map_single(pool, &dev, buf, 64, 0,
					       DMK_DMA_TO_DEVICE,
					       0) == DMK_PHYS_ERROR);
	assert_int_equal(remaps, 2);
	for (unsigned int i = 0; i < 128; i++)
		dmk_swiotlb_tbl_unmap_single(pool, &dev, tlb[i], 64,
					     DMK_DMA_TO_DEVICE, 0);
	dmk_swiotlb_dyn_exit(pool);
	dmk_swiotlb_free(pool);
	assert_int_equal(unremaps, 1);
	test_plat_fini(&tp);
}

/* ---- concurrency (ThreadSanitizer in check-tsan) ---- */

struct worker {
	struct test_fix *f;
	unsigned int id;
	unsigned int bad;
};

static void *mapper(void *arg)
{
	struct worker *w = arg;
	struct test_fix *f = w->f;
	dmk_phys_t held[64];
	dmk_phys_t orig = f->buf + w->id * (1 << 20);

	for (unsigned int round = 0; round < 300; round++) {
		unsigned int n = 8 + (round * 13 + w->id) % 56;

		for (unsigned int i = 0; i < n; i++) {
			size_t len = 64 + (i * 577) % 6000;

			held[i] = map(f, orig + i * 8192, len);
			if (held[i] == DMK_PHYS_ERROR ||
			    !dmk_is_swiotlb_buffer(f->pool, held[i]))
				w->bad++;
		}
		for (unsigned int i = 0; i < n; i++)
			if (held[i] != DMK_PHYS_ERROR)
				unmap(f, held[i], 64 + (i * 577) % 6000);
	}
	return NULL;
}

static void *grower(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < 8; i++)
		dmk_swiotlb_grow(&w->f->sys);
	return NULL;
}

static void test_concurrent_map_while_growing(void **state)
{
	struct test_fix *f = fix_new(~0ULL, false);
	struct worker w[3];
	pthread_t t[3];

	(void)state;
	test_cpu_from_host = true;
	for (unsigned int i = 0; i < 3; i++) {
		w[i] = (struct worker){.f = f, .id = i};
		assert_int_equal(pthread_create(&t[i], NULL,
						i == 2 ? grower : mapper,
						&w[i]),
				 0);
	}
	for (unsigned int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(w[0].bad + w[1].bad, 0);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_fix_stats(f).transient_pools, 0);
	fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transient_serves_and_goes),
		cmocka_unit_test(test_many_transients_lookup),
		cmocka_unit_test(test_transient_freed_at_teardown),
		cmocka_unit_test(test_transient_below_reach),
		cmocka_unit_test(test_growth_at_threshold),
		cmocka_unit_test(test_growth_deferred),
		cmocka_unit_test(test_growth_flushed_at_teardown),
		cmocka_unit_test(test_grow_api),
		cmocka_unit_test(test_remap_refused),
		cmocka_unit_test(test_concurrent_map_while_growing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
