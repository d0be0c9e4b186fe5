// SPDX-License-Identifier: MIT
/* The guest's buddy allocator. */
#include "simtest.h"

#include <pthread.h>

#define BASE 0x40000ULL /* guest frame of 1 GiB */

static struct sim_pagealloc *make(uint64_t nr)
{
	struct sim_pagealloc *pa = NULL;

	assert_int_equal(sim_pagealloc_create(&pa, BASE, nr), 0);
	sim_pagealloc_add(pa, BASE, nr);
	assert_int_equal(sim_pagealloc_free_pages(pa), nr);
	return pa;
}

static void test_alignment(void **state)
{
	struct sim_pagealloc *pa = make(4096);
	unsigned int o;

	(void)state;
	for (o = 0; o <= 10; o++) {
		uint64_t g = sim_pagealloc_alloc(pa, o, ~0ULL);

		assert_int_not_equal(g, ~0ULL);
		assert_int_equal(g % (1ULL << o), 0);
		assert_true(g >= BASE && g + (1ULL << o) <= BASE + 4096);
	}
	assert_int_equal(sim_pagealloc_free_pages(pa), 4096 - 2047);
	sim_pagealloc_destroy(pa);
}

static void test_unaligned_range(void **state)
{
	struct sim_pagealloc *pa = NULL;
	uint64_t g, n = 0;

	(void)state;
	/* Frames [BASE+3, BASE+128): blocks stay aligned in absolute
	 * frame numbers, so an order-6 block fits only at BASE+64. */
	assert_int_equal(sim_pagealloc_create(&pa, BASE, 200), 0);
	sim_pagealloc_add(pa, BASE + 3, 125);
	assert_int_equal(sim_pagealloc_free_pages(pa), 125);
	assert_int_equal(sim_pagealloc_alloc(pa, 6, ~0ULL), BASE + 64);
	assert_int_equal(sim_pagealloc_alloc(pa, 6, ~0ULL), ~0ULL);
	while ((g = sim_pagealloc_alloc(pa, 0, ~0ULL)) != ~0ULL) {
		assert_true(g >= BASE + 3 && g < BASE + 64);
		n++;
	}
	assert_int_equal(n, 61);
	sim_pagealloc_destroy(pa);
}

static void test_limits(void **state)
{
	struct sim_pagealloc *pa = make(1024);
	uint64_t g, limit = BASE + 100;
	int n = 0;

	(void)state;
	/* Everything below the limit, then nothing more. */
	while ((g = sim_pagealloc_alloc(pa, 2, limit)) != ~0ULL) {
		assert_true(g + 3 <= limit);
		n++;
	}
	assert_int_equal(n, 25); /* blocks at 0..96 fit, 100 would end at 103 */
	assert_int_equal(sim_pagealloc_alloc(pa, 0, BASE + 99), ~0ULL);
	assert_int_not_equal(sim_pagealloc_alloc(pa, 0, BASE + 100), ~0ULL);
	/* A limit below the allocator's frames can never be met. */
	assert_int_equal(sim_pagealloc_alloc(pa, 0, BASE - 1), ~0ULL);
	/* Above the limit there is plenty. */
	g = sim_pagealloc_alloc(pa, 9, ~0ULL);
	assert_int_equal(g, BASE + 512);
	sim_pagealloc_destroy(pa);
}

static void test_exhaustion_and_reuse(void **state)
{
	struct sim_pagealloc *pa = make(512);
	uint64_t g[512], i;

	(void)state;
	for (i = 0; i < 512; i++) {
		g[i] = sim_pagealloc_alloc(pa, 0, ~0ULL);
		assert_int_not_equal(g[i], ~0ULL);
	}
	assert_int_equal(sim_pagealloc_alloc(pa, 0, ~0ULL), ~0ULL);
	assert_int_equal(sim_pagealloc_free_pages(pa), 0);
	/* Freeing one frame makes exactly that frame available again. */
	sim_pagealloc_free(pa, g[77], 0);
	assert_int_equal(sim_pagealloc_alloc(pa, 0, ~0ULL), g[77]);
	/* Freeing everything coalesces back into one order-9 block. */
	for (i = 0; i < 512; i++)
		sim_pagealloc_free(pa, g[i], 0);
	assert_int_equal(sim_pagealloc_free_pages(pa), 512);
	assert_int_equal(sim_pagealloc_alloc(pa, 9, ~0ULL), BASE);
	assert_int_equal(sim_pagealloc_alloc(pa, 0, ~0ULL), ~0ULL);
	sim_pagealloc_free(pa, BASE, 9);
	sim_pagealloc_destroy(pa);
}

static void test_large_orders(void **state)
{
	struct sim_pagealloc *pa = NULL;
	uint64_t g;

	(void)state;
	/* 2 GiB of frames: order 18 (1 GiB) blocks exist and align. */
	assert_int_equal(sim_pagealloc_create(&pa, 0x80000, 1 << 19), 0);
	sim_pagealloc_add(pa, 0x80000, 1 << 19);
	g = sim_pagealloc_alloc(pa, 18, ~0ULL);
	assert_int_equal(g % (1 << 18), 0);
	assert_int_not_equal(sim_pagealloc_alloc(pa, 18, ~0ULL), ~0ULL);
	assert_int_equal(sim_pagealloc_alloc(pa, 18, ~0ULL), ~0ULL);
	sim_pagealloc_free(pa, g, 18);
	assert_int_equal(sim_pagealloc_alloc(pa, 18, ~0ULL), g);
	sim_pagealloc_destroy(pa);
}

static void test_reserve(void **state)
{
	struct sim_pagealloc *pa = make(1024);
	uint64_t g, held;

	(void)state;
	held = sim_pagealloc_alloc(pa, 0, ~0ULL); /* BASE itself */
	assert_int_equal(held, BASE);
	/* A reserved-memory region in the middle of a big block. */
	sim_pagealloc_reserve(pa, BASE + 100, 50);
	assert_int_equal(sim_pagealloc_free_pages(pa), 1024 - 1 - 50);
	while ((g = sim_pagealloc_alloc(pa, 0, ~0ULL)) != ~0ULL)
		assert_false(g >= BASE + 100 && g < BASE + 150);
	/* Reserving what is allocated leaves it allocated: it can be
	 * freed as usual. */
	sim_pagealloc_reserve(pa, BASE, 1);
	sim_pagealloc_free(pa, held, 0);
	assert_int_equal(sim_pagealloc_free_pages(pa), 1);
	sim_pagealloc_destroy(pa);
}

struct racer {
	struct sim_pagealloc *pa;
	_Atomic uint8_t *owner; /* per frame: which racer holds it */
	uint8_t id;
	int clashes;
};

static void *race(void *p)
{
	struct racer *r = p;
	uint64_t held[64];
	int round, i;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < 64; i++) {
			uint8_t none = 0;

			held[i] = sim_pagealloc_alloc(r->pa, i % 3, ~0ULL);
			if (held[i] == ~0ULL)
				continue;
			if (!atomic_compare_exchange_strong(
				    &r->owner[held[i] - BASE], &none, r->id))
				r->clashes++;
		}
		for (i = 0; i < 64; i++) {
			if (held[i] == ~0ULL)
				continue;
			atomic_store(&r->owner[held[i] - BASE], 0);
			sim_pagealloc_free(r->pa, held[i], i % 3);
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	static _Atomic uint8_t owner[1024];
	struct racer r[2];
	pthread_t t[2];
	int i;

	(void)state;
	r[0] = (struct racer){make(1024), owner, 1, 0};
	r[1] = r[0];
	r[1].id = 2;
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* No block was ever handed to both, and everything came back. */
	assert_int_equal(r[0].clashes + r[1].clashes, 0);
	assert_int_equal(sim_pagealloc_free_pages(r[0].pa), 1024);
	assert_int_equal(sim_pagealloc_alloc(r[0].pa, 10, ~0ULL), BASE);
	sim_pagealloc_destroy(r[0].pa);
}

struct bad_free {
	struct sim_pagealloc *pa;
	uint64_t gfn;
	unsigned int order;
};

static void do_free(void *p)
{
	struct bad_free *b = p;

	sim_pagealloc_free(b->pa, b->gfn, b->order);
}

static void test_caller_bugs_abort(void **state)
{
	struct bad_free b = {.pa = make(64)};
	uint64_t g = sim_pagealloc_alloc(b.pa, 2, ~0ULL);
	uint64_t h = sim_pagealloc_alloc(b.pa, 0, ~0ULL);

	(void)state;
	b.gfn = g;
	b.order = 1; /* wrong order */
	assert_true(dies_with(do_free, &b, SIGABRT));
	b.gfn = g + 1; /* inside a block */
	b.order = 0;
	assert_true(dies_with(do_free, &b, SIGABRT));
	sim_pagealloc_free(b.pa, h, 0);
	b.gfn = h; /* double free */
	assert_true(dies_with(do_free, &b, SIGABRT));
	b.gfn = BASE + 1000; /* not this allocator's */
	assert_true(dies_with(do_free, &b, SIGABRT));
	/* The right free still works after all that. */
	sim_pagealloc_free(b.pa, g, 2);
	assert_int_equal(sim_pagealloc_free_pages(b.pa), 64);
	sim_pagealloc_destroy(b.pa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_unaligned_range),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_large_orders),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_caller_bugs_abort),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
