/* SPDX-License-Identifier: MIT */
/*
 * DMA pools against the recording platform: Linux's argument rules,
 * blocks aligned and never across the boundary, pages reused, zalloc,
 * and the misuses reported (bad dma, double free, destroy busy).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_platform.h"

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;

static void setup(bool coherent)
{
	fp = fake_platform_get();
	sys = fake_system(fp, 0, true);
	fake_device(fp, &dev, sys, coherent, 0, NULL);
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	dmk_system_destroy(sys);
	return 0;
}

static uint64_t dbg_errors(void)
{
	return fake_debug_errors(sys);
}

static void test_create_rules(void **state)
{
	(void)state;
	setup(true);
	assert_null(dmk_pool_create("p", &dev, 0, 8, 0));
	assert_null(dmk_pool_create("p", &dev, 64, 24, 0)); /* align */
	assert_null(dmk_pool_create("p", &dev, 64, 8, 32)); /* < size */
	assert_null(dmk_pool_create("p", &dev, 64, 8, 96)); /* not pow2 */
	assert_null(dmk_pool_create("p", NULL, 64, 8, 0));
	dmk_pool_destroy(dmk_pool_create("p", &dev, 64, 0, 0));
	assert_int_equal(fp->nev, 0); /* no page until the first block */
}

/* 48-byte blocks aligned to 16 (so 48) in a 4 KiB page with a 256-byte
 * boundary: five blocks per 256 bytes, none across. */
static void test_blocks_respect_boundary(void **state)
{
	struct dmk_dma_pool *pool;
	dmk_addr_t h[100];
	uint8_t *v[100];

	(void)state;
	setup(false);
	pool = dmk_pool_create("desc", &dev, 40, 16, 256);
	assert_non_null(pool);
	for (int i = 0; i < 100; i++) {
		v[i] = dmk_pool_alloc(pool, &h[i]);
		assert_non_null(v[i]);
		assert_int_equal(h[i] % 16, 0);
		assert_true(h[i] / 256 == (h[i] + 48 - 1) / 256);
		for (int j = 0; j < i; j++)
			assert_true(h[j] + 48 <= h[i] || h[i] + 48 <= h[j]);
	}
	/* 16 pages of 256 bytes, five blocks each: 80 per page. */
	assert_int_equal(h[1] - h[0], 48);
	assert_int_equal(h[5] - h[0], 256);
	/* A non-coherent device: blocks in the non-cacheable view. */
	assert_ptr_equal(v[0] - (h[0] & 0xfff),
			 fake_uncached_base() + (h[0] & ~0xfffULL));
	for (int i = 0; i < 100; i++)
		dmk_pool_free(pool, v[i], h[i]);
	dmk_pool_destroy(pool);
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(dbg_errors(), 0);
}

/* A freed block is handed out again; zalloc zeroes what alloc left. */
static void test_reuse_and_zalloc(void **state)
{
	struct dmk_dma_pool *pool;
	dmk_addr_t h, h2;
	uint8_t *v, *v2;

	(void)state;
	setup(true);
	pool = dmk_pool_create("buf", &dev, 6000, 0, 0);
	assert_non_null(pool);
	v = dmk_pool_alloc(pool, &h);
	assert_non_null(v);
	memset(v, 0xab, 6000);
	dmk_pool_free(pool, v, h);
	v2 = dmk_pool_zalloc(pool, &h2);
	assert_ptr_equal(v2, v);
	assert_int_equal(h2, h);
	for (int i = 0; i < 6000; i++)
		assert_int_equal(v2[i], 0);
	dmk_pool_free(pool, v2, h2);
	dmk_pool_destroy(pool);
	assert_int_equal(fp->outstanding_pages, 0);
}

static void test_misuse_reported(void **state)
{
	struct dmk_dma_pool *pool;
	dmk_addr_t h;
	uint8_t *v;

	(void)state;
	setup(true);
	pool = dmk_pool_create("ring", &dev, 64, 64, 0);
	v = dmk_pool_alloc(pool, &h);
	assert_non_null(v);
	dmk_pool_free(pool, v, h + 64);
	assert_true(fake_logged(fp, "dma_pool_free ring"));
	assert_true(fake_logged(fp, "(bad dma)"));
	assert_int_equal(dbg_errors(), 1);
	dmk_pool_free(pool, v + 8, h + 8); /* not a block's start */
	assert_int_equal(dbg_errors(), 2);
	dmk_pool_free(pool, v, h);
	dmk_pool_free(pool, v, h);
	assert_true(fake_logged(fp, "already free"));
	assert_int_equal(dbg_errors(), 3);

	/* Destroyed busy: reported, the page left to the device. */
	v = dmk_pool_alloc(pool, &h);
	dmk_pool_destroy(pool);
	assert_true(fake_logged(fp, "dma_pool_destroy ring busy"));
	assert_int_equal(dbg_errors(), 4);
	assert_int_equal(fp->outstanding_pages, 1);
	/* ...and reported again, as a live buffer, when the device goes. */
	dmk_device_fini(&dev);
	assert_int_equal(dbg_errors(), 5);
	assert_true(fake_logged(fp, "pending DMA allocations"));
	fp->outstanding_pages = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_create_rules, teardown),
		cmocka_unit_test_teardown(test_blocks_respect_boundary,
					  teardown),
		cmocka_unit_test_teardown(test_reuse_and_zalloc, teardown),
		cmocka_unit_test_teardown(test_misuse_reported, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
