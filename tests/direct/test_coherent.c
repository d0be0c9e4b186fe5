/* SPDX-License-Identifier: MIT */
/*
 * Per-device coherent memory (coherent.c) and contiguous memory areas
 * (contiguous.c): where each coherent allocation comes from, and what
 * happens when the region is full or out of reach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_platform.h"

#define REGION 0x1800000UL /* 24 MiB: far above what the fake hands out */
#define REGION_BYTES (1UL << 20)
#define AREA 0x1400000UL
#define AREA_BYTES (2UL << 20)

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;

static int setup(void **state)
{
	(void)state;
	fp = fake_platform_get();
	sys = fake_system(fp, 0, true);
	assert_int_equal(dmk_device_init(&dev, sys, "dev"), 0);
	return 0;
}

static int teardown(void **state)
{
	struct dmk_debug_stats st;

	(void)state;
	dmk_device_fini(&dev);
	assert_int_equal(dmk_debug_stats(sys, &st), 0);
	dmk_system_destroy(sys);
	assert_int_equal(fp->outstanding_uncached, 0);
	return 0;
}

static int count(enum fake_event_kind kind)
{
	return fake_event_count(fp, kind);
}

static size_t region_used(void)
{
	size_t used, total;

	assert_int_equal(dmk_coherent_memory_stats(&dev, &used, &total), 0);
	assert_int_equal(total, REGION_BYTES);
	return used;
}

/* A non-coherent device: blocks of the region through a non-cacheable
 * view, zeroed, aligned to their order, and never the page allocator. */
static void test_region_serves_noncoherent(void **state)
{
	uint8_t *uc = fake_uncached_base();
	dmk_addr_t h1, h2;
	uint8_t *a, *b;

	(void)state;
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_declare_coherent_memory(
				 &dev, REGION, DMK_MAPPING_ERROR, REGION_BYTES),
			 0);
	fake_events_clear(fp);
	a = dmk_alloc_coherent(&dev, 3 * DMK_PAGE_SIZE, &h1);
	b = dmk_alloc_coherent(&dev, 100, &h2);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(h1, REGION); /* 4 pages at a multiple of 4 */
	assert_int_equal(h2, REGION + 4 * DMK_PAGE_SIZE);
	assert_ptr_equal(a, uc + REGION);
	assert_int_equal(b[99], 0);
	assert_int_equal(count(EV_ALLOC_PAGES), 0);
	assert_int_equal(region_used(), 5 * DMK_PAGE_SIZE);
	dmk_free_coherent(&dev, 3 * DMK_PAGE_SIZE, a, h1);
	dmk_free_coherent(&dev, 100, b, h2);
	assert_int_equal(region_used(), 0);
	assert_int_equal(count(EV_FREE_PAGES), 0);
}

/* A full region fails the allocation: no fallback (Linux >= 4.13). */
static void test_full_region_fails(void **state)
{
	dmk_addr_t h, h2;
	int warned;
	void *a;

	(void)state;
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_declare_coherent_memory(
				 &dev, REGION, DMK_MAPPING_ERROR, REGION_BYTES),
			 0);
	fake_events_clear(fp);
	warned = fp->nwarn;
	assert_null(dmk_alloc_coherent(&dev, 2 * REGION_BYTES, &h));
	a = dmk_alloc_coherent(&dev, REGION_BYTES, &h);
	assert_non_null(a);
	assert_null(dmk_alloc_coherent(&dev, 64, &h2));
	assert_int_equal(h2, DMK_MAPPING_ERROR);
	assert_int_equal(count(EV_ALLOC_PAGES), 0);
	/* Each failure said so in one line; none with NO_WARN. */
	assert_int_equal(fp->nwarn - warned, 2);
	assert_true(fake_logged(fp, "coherent memory region has no room"));
	assert_null(dmk_alloc_attrs(&dev, 64, &h2, DMK_ATTR_NO_WARN));
	assert_int_equal(fp->nwarn - warned, 2);
	dmk_free_coherent(&dev, REGION_BYTES, a, h);
}

/* A coherent device's view is the linear map; a wrong size is still the
 * checker's business. */
static void test_region_coherent_and_checked(void **state)
{
	dmk_addr_t h;
	void *a;

	(void)state;
	dev.coherent = true;
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_declare_coherent_memory(
				 &dev, REGION, DMK_MAPPING_ERROR, REGION_BYTES),
			 0);
	a = dmk_alloc_coherent(&dev, 8192, &h);
	assert_ptr_equal(a, dmk_phys_to_virt(&fp->plat, REGION));
	dmk_free_coherent(&dev, 4096, a, h);
	assert_true(fake_logged(fp, "frees DMA memory with different size"));
	/* The region's block went back whole: the order of 4096 is 0, but
	 * the pages are the region's to take again. */
	assert_non_null(dmk_alloc_coherent(&dev, 4096, &h));
}

static void test_declare_refuses(void **state)
{
	(void)state;
	assert_int_equal(dmk_declare_coherent_memory(&dev, REGION + 1,
						     DMK_MAPPING_ERROR,
						     REGION_BYTES),
			 -DMK_EINVAL);
	assert_int_equal(
		dmk_declare_coherent_memory(&dev, REGION, DMK_MAPPING_ERROR, 0),
		-DMK_EINVAL);
	assert_int_equal(dmk_declare_coherent_memory(&dev, REGION, 0x40000000,
						     REGION_BYTES),
			 0);
	assert_int_equal(dmk_declare_coherent_memory(&dev, REGION, 0x40000000,
						     REGION_BYTES),
			 -DMK_EINVAL);
	dmk_release_coherent_memory(&dev);
	assert_int_equal(dmk_coherent_memory_stats(&dev, NULL, NULL),
			 -DMK_ENODEV);
}

/* The default area: more than a page comes from it, one page from the
 * page allocator; a device's own area serves every size. */
static void test_cma_default_and_own(void **state)
{
	struct dmk_cma *def, *own;
	dmk_addr_t h1, h2, h3;
	void *a, *b, *c;
	size_t used, total;

	(void)state;
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_cma_create(sys, AREA, AREA_BYTES, &def), 0);
	assert_int_equal(dmk_system_set_default_cma(sys, def), 0);
	fake_events_clear(fp);
	a = dmk_alloc_coherent(&dev, 3 * DMK_PAGE_SIZE, &h1);
	assert_int_equal(h1, AREA);
	assert_int_equal(count(EV_ALLOC_PAGES), 0);
	b = dmk_alloc_coherent(&dev, 64, &h2);
	assert_true(h2 < AREA || h2 >= AREA + AREA_BYTES);
	assert_int_equal(count(EV_ALLOC_PAGES), 1);
	assert_int_equal(dmk_cma_stats(def, &used, &total), 0);
	assert_int_equal(used, 4 * DMK_PAGE_SIZE);

	assert_int_equal(dmk_cma_create(sys, REGION, REGION_BYTES, &own), 0);
	assert_int_equal(dmk_device_set_cma(&dev, own), 0);
	c = dmk_alloc_coherent(&dev, 64, &h3);
	assert_int_equal(h3, REGION);
	dmk_free_coherent(&dev, 64, c, h3);
	dmk_free_coherent(&dev, 64, b, h2);
	dmk_free_coherent(&dev, 3 * DMK_PAGE_SIZE, a, h1);
	assert_int_equal(dmk_cma_stats(def, &used, &total), 0);
	assert_int_equal(used, 0);
	assert_int_equal(dmk_cma_stats(own, &used, &total), 0);
	assert_int_equal(used, 0);
	assert_int_equal(fp->outstanding_pages, 0);
	dmk_device_set_cma(&dev, NULL);
	dmk_cma_destroy(own);
	dmk_cma_destroy(def);
}

/* A full area, or one the device cannot reach, falls back to pages. */
static void test_cma_fallback(void **state)
{
	struct dmk_cma *own;
	dmk_addr_t h1, h2;
	void *a, *b;

	(void)state;
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_cma_create(sys, REGION, 2 * DMK_PAGE_SIZE, &own),
			 0);
	assert_int_equal(dmk_device_set_cma(&dev, own), 0);
	a = dmk_alloc_coherent(&dev, 2 * DMK_PAGE_SIZE, &h1);
	assert_int_equal(h1, REGION);
	fake_events_clear(fp);
	b = dmk_alloc_coherent(&dev, 2 * DMK_PAGE_SIZE, &h2);
	assert_non_null(b);
	assert_int_equal(count(EV_ALLOC_PAGES), 1);
	dmk_free_coherent(&dev, 2 * DMK_PAGE_SIZE, b, h2);
	dmk_free_coherent(&dev, 2 * DMK_PAGE_SIZE, a, h1);
	/* Out of reach: the coherent mask ends below the area. */
	dev.coherent_dma_mask = REGION - 1;
	fake_events_clear(fp);
	a = dmk_alloc_coherent(&dev, 2 * DMK_PAGE_SIZE, &h1);
	assert_non_null(a);
	assert_true(h1 < REGION);
	assert_int_equal(count(EV_ALLOC_PAGES), 1);
	dmk_free_coherent(&dev, 2 * DMK_PAGE_SIZE, a, h1);
	dmk_device_set_cma(&dev, NULL);
	dmk_cma_destroy(own);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_region_serves_noncoherent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_region_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_region_coherent_and_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declare_refuses, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cma_default_and_own, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cma_fallback, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
