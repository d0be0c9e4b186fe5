/* SPDX-License-Identifier: MIT */
/*
 * Threads mapping, syncing and unmapping at once on one pool with two
 * areas (the CPU hook answers sched_getcpu, so threads really spread).
 * Every byte is checked both ways.  Built for TSan as well: the only
 * shared state is the pool, so any report is the pool's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ITERS 20000

struct worker {
	const struct dmk_platform *plat;
	struct dmk_swiotlb *pool;
	struct dmk_device dev;
	dmk_phys_t buf; /* this thread's 256 KiB of originals */
	unsigned int seed;
	unsigned long errors, fails;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t *o = dmk_phys_to_virt(w->plat, w->buf);

	for (unsigned int i = 0; i < ITERS; i++) {
		size_t size = 1 + (size_t)rand_r(&w->seed) % 20000;
		size_t off = (size_t)rand_r(&w->seed) % 4096;
		uint8_t a = (uint8_t)rand_r(&w->seed), b = (uint8_t)(a + 1);
		dmk_phys_t t;
		uint8_t *s;

		memset(o + off, a, size);
		t = dmk_swiotlb_tbl_map_single(w->pool, &w->dev, w->buf + off,
					       size, 0, DMK_DMA_BIDIRECTIONAL,
					       DMK_ATTR_NO_WARN);
		if (t == DMK_PHYS_ERROR) {
			w->fails++;
			continue;
		}
		s = dmk_phys_to_virt(w->plat, t);
		if (s[0] != a || s[size - 1] != a)
			w->errors++;
		/* The device answers; the CPU looks at the middle first. */
		memset(s, b, size);
		dmk_swiotlb_sync_single_for_cpu(w->pool, t + size / 2,
						size - size / 2,
						DMK_DMA_FROM_DEVICE);
		if (o[off + size - 1] != b || (size > 1 && o[off] != a))
			w->errors++;
		dmk_swiotlb_tbl_unmap_single(w->pool, &w->dev, t, size,
					     DMK_DMA_BIDIRECTIONAL, 0);
		for (size_t k = 0; k < size; k += 97)
			if (o[off + k] != b)
				w->errors++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	struct test_plat tp;
	struct dmk_swiotlb *pool;
	struct worker w[THREADS];
	pthread_t th[THREADS];
	struct dmk_swiotlb_stats st;

	(void)state;
	test_plat_init(&tp, 64 << 20, false);
	test_cpu_from_host = true;
	assert_int_equal(dmk_swiotlb_init_alloc(&tp.plat, 2 << 20, 0, 2, &pool),
			 0);
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.plat = &tp.plat,
				       .pool = pool,
				       .seed = 1234u + (unsigned)i};
		test_device(&w[i].dev);
		w[i].dev.min_align_mask = i % 2 ? 63 : 0;
		assert_non_null(tp.plat.ops->alloc_pages(tp.plat.ctx, 6, ~0ULL,
							 &w[i].buf));
		assert_int_equal(
			pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	dmk_swiotlb_pool_stats(pool, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(st.bounced_maps + st.full, THREADS * ITERS);
	assert_true(st.used_hiwater > 0 && st.used_hiwater <= st.nslabs);
	dmk_swiotlb_free(pool);
	test_plat_fini(&tp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
