/* SPDX-License-Identifier: MIT */
/*
 * dma-direct over the real swiotlb (src/swiotlb.c): the bytes a
 * non-coherent device sees through a bounce slot, and the maintenance
 * of the slot itself (it is ordinary cacheable RAM, 2013 patch 13).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_platform.h"

#define HIGH 0x1400000ULL /* beyond a 24-bit mask */

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;

static int setup(void **state)
{
	(void)state;
	fp = fake_platform_get();
	sys = fake_system(fp, 1UL << 20, true);
	dmk_device_init(&dev, sys, "nc");
	dmk_device_setup_dma(&dev);
	assert_int_equal(dmk_set_mask_and_coherent(&dev, DMK_BIT_MASK(24)), 0);
	fake_events_clear(fp);
	return 0;
}

static int teardown(void **state)
{
	struct dmk_debug_stats st;

	(void)state;
	dmk_device_fini(&dev);
	assert_int_equal(dmk_debug_stats(sys, &st), 0);
	assert_int_equal(st.errors, 0);
	dmk_system_destroy(sys);
	assert_int_equal(fp->outstanding_pages, 0);
	return 0;
}

static uint8_t *va(dmk_phys_t phys)
{
	return dmk_phys_to_virt(&fp->plat, phys);
}

static int find_event(enum fake_event_kind kind, int from)
{
	for (int i = from; i < fp->nev; i++)
		if (fp->ev[i].kind == kind)
			return i;
	return -1;
}

static void test_to_device(void **state)
{
	dmk_addr_t a;
	int i;

	(void)state;
	for (int b = 0; b < 3000; b++)
		va(HIGH)[b] = (uint8_t)(b * 7);
	a = dmk_map_page(&dev, HIGH, 3000, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	assert_true(a + 3000 - 1 <= DMK_BIT_MASK(24));
	/* The slot holds the data, and the slot was cleaned. */
	assert_memory_equal(va(a), va(HIGH), 3000);
	i = find_event(EV_CLEAN, 0);
	assert_true(i >= 0);
	assert_int_equal(fp->ev[i].addr, a);
	assert_int_equal(fp->ev[i].size, 3000);
	assert_int_equal(dev.dma->stats.s.bounced, 1);

	/* CPU updates, sync for the device: copied, then cleaned. */
	va(HIGH)[5] = 0xee;
	fake_events_clear(fp);
	dmk_sync_single_for_device(&dev, a, 3000, DMK_DMA_TO_DEVICE);
	assert_int_equal(va(a)[5], 0xee);
	assert_int_equal(fp->ev[0].kind, EV_CLEAN);
	dmk_unmap_page(&dev, a, 3000, DMK_DMA_TO_DEVICE);
}

static void test_from_device(void **state)
{
	dmk_addr_t a;

	(void)state;
	memset(va(HIGH), 0x11, 8192);
	a = dmk_map_page(&dev, HIGH + 100, 5000, DMK_DMA_FROM_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	/* The 2022 rule: the slot starts as a copy, nothing stale leaks. */
	assert_memory_equal(va(a), va(HIGH + 100), 5000);

	/* The device writes into the slot; a partial sync brings part. */
	memset(va(a), 0x77, 5000);
	fake_events_clear(fp);
	dmk_sync_single_range_for_cpu(&dev, a, 1000, 100, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->ev[0].kind, EV_INVAL);
	assert_int_equal(fp->ev[0].addr, a + 1000);
	assert_int_equal(va(HIGH + 100)[1000], 0x77);
	assert_int_equal(va(HIGH + 100)[1099], 0x77);
	assert_int_equal(va(HIGH + 100)[999], 0x11);
	assert_int_equal(va(HIGH + 100)[1100], 0x11);

	fake_events_clear(fp);
	dmk_unmap_page(&dev, a, 5000, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->ev[0].kind, EV_INVAL);
	assert_int_equal(fp->ev[0].addr, a);
	for (int b = 0; b < 5000; b++)
		assert_int_equal(va(HIGH + 100)[b], 0x77);
	assert_int_equal(va(HIGH + 99)[0], 0x11); /* nothing outside */
	assert_int_equal(va(HIGH + 5100)[0], 0x11);
}

static void test_sg_mixed(void **state)
{
	struct dmk_sg sg[3] = {{.phys = 0x600000, .length = 512},
			       {.phys = HIGH, .length = 2048},
			       {.phys = HIGH + 65536, .length = 100}};
	struct dmk_swiotlb_stats st;

	(void)state;
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL), 3);
	assert_int_equal(sg[0].dma_address, 0x600000); /* reachable: direct */
	assert_int_equal(dmk_swiotlb_stats(sys, &st), 0);
	assert_int_equal(st.used, 2);
	assert_int_equal(dev.dma->stats.s.bounced, 2);
	dmk_sync_sg_for_cpu(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL);
	dmk_sync_sg_for_device(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL);
	dmk_unmap_sg(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(dmk_swiotlb_stats(sys, &st), 0);
	assert_int_equal(st.used, 0);
}

static void test_mapping_too_big_for_swiotlb(void **state)
{
	dmk_addr_t a;

	(void)state;
	assert_int_equal(dmk_max_mapping_size(&dev), 256 * 1024);
	a = dmk_map_page_attrs(&dev, HIGH, 300 * 1024, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_NO_WARN);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(dev.dma->stats.s.errors, 1);
}

/*
 * A non-RAM address that would need a bounce (beyond the device's mask
 * and beyond RAM: a peer's BAR, MMIO) is refused with a warning, as
 * Linux's dma_direct_map_phys refuses to bounce MMIO, instead of being
 * copied through a linear map that has nothing there.  One page of it
 * in RAM and the next outside is refused as well; RAM still bounces.
 */
static void test_non_ram_not_bounced(void **state)
{
	struct dmk_swiotlb_stats st;
	dmk_addr_t a;

	(void)state;
	a = dmk_map_page_attrs(&dev, FAKE_RAM_BYTES + 0x10000, 512,
			       DMK_DMA_TO_DEVICE, 0);
	assert_true(dmk_mapping_error(&dev, a));
	assert_true(fake_logged(fp, "is not RAM"));
	a = dmk_map_page_attrs(&dev, FAKE_RAM_BYTES - 256, 512,
			       DMK_DMA_FROM_DEVICE, DMK_ATTR_NO_WARN);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(dmk_swiotlb_stats(sys, &st), 0);
	assert_int_equal(st.used, 0);

	a = dmk_map_page_attrs(&dev, HIGH, 512, DMK_DMA_TO_DEVICE, 0);
	assert_false(dmk_mapping_error(&dev, a));
	dmk_unmap_page_attrs(&dev, a, 512, DMK_DMA_TO_DEVICE, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_to_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_from_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sg_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_mapping_too_big_for_swiotlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_non_ram_not_bounced, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
