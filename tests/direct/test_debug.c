/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API debug checker: silent for correct use, one report for
 * each misuse Linux's dma-debug catches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "fake_platform.h"

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev, other;

static int setup(void **state)
{
	(void)state;
	fp = fake_platform_get();
	sys = fake_system(fp, 0, true);
	assert_int_equal(dmk_device_init(&dev, sys, "dev"), 0);
	assert_int_equal(dmk_device_init(&other, sys, "other"), 0);
	dmk_device_setup_dma(&dev);
	dmk_device_setup_dma(&other);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	dmk_device_fini(&other);
	dmk_system_destroy(sys);
	return 0;
}

static struct dmk_debug_stats stats(void)
{
	struct dmk_debug_stats st;

	assert_int_equal(dmk_debug_stats(sys, &st), 0);
	return st;
}

static dmk_addr_t map_checked(struct dmk_device *d, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir)
{
	dmk_addr_t a = dmk_map_page(d, phys, size, dir);

	assert_false(dmk_mapping_error(d, a));
	return a;
}

static void assert_errors(uint64_t n, const char *needle)
{
	assert_int_equal(stats().errors, n);
	assert_int_equal(fp->nwarn, n);
	if (needle)
		assert_true(fake_logged(fp, needle));
}

static void test_correct_use_is_silent(void **state)
{
	struct dmk_sg sg[2] = {{.phys = 0x600000, .length = 4096},
			       {.phys = 0x700000, .length = 100}};
	dmk_addr_t a, b, h;
	void *cpu;

	(void)state;
	a = map_checked(&dev, 0x500000, 300, DMK_DMA_FROM_DEVICE);
	/* The same buffer mapped twice for the device to read is fine. */
	b = map_checked(&dev, 0x580000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(map_checked(&other, 0x580000, 64, DMK_DMA_TO_DEVICE),
			 b);
	dmk_sync_single_for_cpu(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	dmk_sync_single_range_for_cpu(&dev, a, 100, 200, DMK_DMA_FROM_DEVICE);
	/* Handing a FROM_DEVICE buffer back to the device is allowed. */
	dmk_sync_single_for_device(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	assert_int_equal(dmk_map_sg(&dev, sg, 2, DMK_DMA_BIDIRECTIONAL), 2);
	/* A BIDIRECTIONAL mapping may be synced in any direction. */
	dmk_sync_sg_for_cpu(&dev, sg, 2, DMK_DMA_TO_DEVICE);
	dmk_sync_sg_for_device(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	cpu = dmk_alloc_coherent(&dev, 5000, &h);
	assert_non_null(cpu);
	assert_int_equal(stats().live_mappings, 5);
	assert_int_equal(stats().live_allocs, 1);

	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_BIDIRECTIONAL);
	dmk_unmap_page(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, b, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&other, b, 64, DMK_DMA_TO_DEVICE);
	dmk_free_coherent(&dev, 5000, cpu, h);
	dmk_debug_device_gone(&dev);
	assert_errors(0, NULL);
	assert_int_equal(stats().live_mappings, 0);
	assert_int_equal(stats().live_allocs, 0);
	assert_int_equal(stats().unchecked, 0);
}

static void test_unmap_never_mapped(void **state)
{
	dmk_addr_t a;

	(void)state;
	dmk_unmap_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_errors(1, "tries to unmap DMA memory it has not allocated");
	/* Another device's mapping is not this device's. */
	a = map_checked(&other, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(2, NULL);
	dmk_unmap_page(&dev, DMK_MAPPING_ERROR, 64, DMK_DMA_TO_DEVICE);
	assert_errors(3, "invalid DMA memory address");
	dmk_unmap_page(&other, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(3, NULL);
}

static void test_unmap_mismatches(void **state)
{
	struct dmk_sg sg = {.phys = 0x540000, .length = 64};
	dmk_addr_t a;

	(void)state;
	a = map_checked(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 128, DMK_DMA_TO_DEVICE);
	assert_errors(
		1,
		"with different size [device address=0x0000000000500000] [map size=64 bytes] [unmap size=128 bytes]");

	a = map_checked(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_FROM_DEVICE);
	assert_errors(
		2,
		"[mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]");

	/* Mapped as a scatterlist, unmapped as a single: wrong function. */
	assert_int_equal(dmk_map_sg(&dev, &sg, 1, DMK_DMA_TO_DEVICE), 1);
	dmk_unmap_page(&dev, sg.dma_address, 64, DMK_DMA_TO_DEVICE);
	assert_errors(3, "[mapped as scatter-gather] [unmapped as single]");
	assert_int_equal(stats().live_mappings, 0);
}

static void test_mapping_error_not_checked(void **state)
{
	dmk_addr_t a, b;

	(void)state;
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(1, "failed to check map error");
	assert_int_equal(stats().unchecked, 1);

	/* Two identical mappings, one checked: exactly one report. */
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	b = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, b, 64, DMK_DMA_TO_DEVICE);
	assert_errors(2, NULL);
	assert_int_equal(stats().unchecked, 2);
}

static void test_sync_misuse(void **state)
{
	dmk_addr_t a;

	(void)state;
	dmk_sync_single_for_cpu(&dev, 0x500000, 64, DMK_DMA_FROM_DEVICE);
	assert_errors(1, "tries to sync DMA memory it has not allocated");

	a = map_checked(&dev, 0x500000, 8192, DMK_DMA_FROM_DEVICE);
	/* From inside the mapping, several hash buckets past its start. */
	dmk_sync_single_range_for_cpu(&dev, a, 8000, 192, DMK_DMA_FROM_DEVICE);
	assert_errors(1, NULL);
	dmk_sync_single_range_for_cpu(&dev, a, 8000, 193, DMK_DMA_FROM_DEVICE);
	assert_errors(2, "syncs DMA memory outside allocated range");

	/* A FROM_DEVICE mapping synced as TO_DEVICE for the device. */
	dmk_sync_single_for_device(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(4, "syncs device write-only DMA memory to device");
	assert_true(
		fake_logged(fp, "syncs DMA memory with different direction"));
	dmk_unmap_page(&dev, a, 8192, DMK_DMA_FROM_DEVICE);

	/* A TO_DEVICE mapping: its own direction for the CPU is allowed... */
	a = map_checked(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_sync_single_for_cpu(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(4, NULL);
	/* ...reading it back as FROM_DEVICE is not. */
	dmk_sync_single_for_cpu(&dev, a, 64, DMK_DMA_FROM_DEVICE);
	assert_errors(6, "syncs device read-only DMA memory for cpu");
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	/* After unmap the range is gone. */
	dmk_sync_single_for_cpu(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(7, NULL);
}

static void test_overlapping_cachelines(void **state)
{
	dmk_addr_t a, b, c;

	(void)state;
	/* Two writable mappings sharing the line 0x500000..0x50003f. */
	a = map_checked(&dev, 0x500000, 32, DMK_DMA_FROM_DEVICE);
	b = map_checked(&dev, 0x500020, 32, DMK_DMA_BIDIRECTIONAL);
	assert_errors(
		1,
		"cacheline tracking EEXIST, overlapping mappings aren't supported");
	dmk_unmap_page(&dev, b, 32, DMK_DMA_BIDIRECTIONAL);

	/* With SKIP_CPU_SYNC the new mapping takes the syncs on itself:
	 * sharing lines is allowed (Linux's add_dma_entry). */
	b = dmk_map_page_attrs(&dev, 0x500020, 32, DMK_DMA_BIDIRECTIONAL,
			       DMK_ATTR_SKIP_CPU_SYNC);
	assert_false(dmk_mapping_error(&dev, b));
	assert_errors(1, NULL);
	dmk_unmap_page_attrs(&dev, b, 32, DMK_DMA_BIDIRECTIONAL,
			     DMK_ATTR_SKIP_CPU_SYNC);

	/* Adjacent lines do not overlap; TO_DEVICE never counts. */
	b = map_checked(&dev, 0x500040, 64, DMK_DMA_FROM_DEVICE);
	c = map_checked(&dev, 0x500010, 16, DMK_DMA_TO_DEVICE);
	assert_errors(1, NULL);
	dmk_unmap_page(&dev, c, 16, DMK_DMA_TO_DEVICE);

	/* A big mapping whose last line is another's first, pages later. */
	c = map_checked(&dev, 0x4ff000, 0x1041, DMK_DMA_FROM_DEVICE);
	assert_errors(2, NULL);
	dmk_unmap_page(&dev, c, 0x1041, DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, a, 32, DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, b, 64, DMK_DMA_FROM_DEVICE);

	/* Once unmapped the lines are free again. */
	a = map_checked(&dev, 0x500000, 128, DMK_DMA_FROM_DEVICE);
	assert_errors(2, NULL);
	dmk_unmap_page(&dev, a, 128, DMK_DMA_FROM_DEVICE);
}

/* On x86 DMA snoops and dma_get_cache_alignment() is 1: Linux's
 * add_dma_entry() reports no shared line there. */
static void test_overlap_silent_on_x86(void **state)
{
	dmk_addr_t a, b;

	(void)state;
	fp->plat.arch = DMK_ARCH_X86_64;
	a = map_checked(&dev, 0x500000, 32, DMK_DMA_FROM_DEVICE);
	b = map_checked(&dev, 0x500020, 32, DMK_DMA_BIDIRECTIONAL);
	assert_errors(0, NULL);
	dmk_unmap_page(&dev, b, 32, DMK_DMA_BIDIRECTIONAL);
	dmk_unmap_page(&dev, a, 32, DMK_DMA_FROM_DEVICE);
	assert_errors(0, NULL);
	fp->plat.arch = DMK_ARCH_ARM64;
}

static void test_coherent_free_misuse(void **state)
{
	dmk_addr_t h;
	uint8_t *cpu;

	(void)state;
	cpu = dmk_alloc_coherent(&dev, 4096, &h);
	dmk_free_coherent(&dev, 8192, cpu, h);
	assert_errors(1, "frees DMA memory with different size");

	cpu = dmk_alloc_coherent(&dev, 4096, &h);
	dmk_free_coherent(&dev, 4096, cpu + 64, h);
	assert_errors(2, "frees DMA memory with different CPU address");

	dmk_free_coherent(&dev, 4096, cpu, h); /* freed twice */
	assert_errors(3, "tries to free DMA memory it has not allocated");

	/* Given back through another device: not that device's memory,
	 * and still the first device's at its teardown. */
	cpu = dmk_alloc_coherent(&dev, 4096, &h);
	dmk_free_coherent(&other, 4096, cpu, h);
	assert_errors(
		4,
		"other: device driver tries to free DMA memory it has not allocated");
	assert_int_equal(stats().live_allocs, 1);
	dmk_free_coherent(&dev, 4096, cpu, h);
	assert_int_equal(stats().live_allocs, 0);

	/* A streaming mapping given back as coherent memory. */
	h = map_checked(&dev, 0x500000, 64, DMK_DMA_BIDIRECTIONAL);
	dmk_debug_free(&dev, dmk_phys_to_virt(&fp->plat, 0x500000), 64, h);
	assert_errors(5, "[mapped as single] [unmapped as coherent]");
}

/* A list unmapped or synced with another nents than it was mapped with:
 * one report per call, whatever the number of segments. */
static void test_sg_entry_count(void **state)
{
	struct dmk_sg sg[3] = {{.phys = 0x600000, .length = 4096},
			       {.phys = 0x700000, .length = 512},
			       {.phys = 0x800000, .length = 100}};

	(void)state;
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_FROM_DEVICE), 3);
	dmk_sync_sg_for_cpu(&dev, sg, 3, DMK_DMA_FROM_DEVICE);
	assert_errors(0, NULL);
	dmk_sync_sg_for_cpu(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	assert_errors(
		1,
		"dev: device driver syncs DMA sg list with different entry count [map count=3] [sync count=2]");
	dmk_sync_sg_for_device(&dev, &sg[1], 1, DMK_DMA_FROM_DEVICE);
	assert_errors(2, "[map count=3] [sync count=1]");
	/* A part is synced by its bus address, as a single range. */
	dmk_sync_single_for_cpu(&dev, sg[1].dma_address, sg[1].dma_length,
				DMK_DMA_FROM_DEVICE);
	assert_errors(2, NULL);
	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	assert_errors(
		3,
		"device driver frees DMA sg list with different entry count [map count=3] [unmap count=2]");
	/* The third segment was never unmapped. */
	assert_int_equal(stats().live_mappings, 1);
	dmk_debug_device_gone(&dev);
	assert_errors(4, "has pending DMA allocations");
}

/* The platform's kernel regions: a stack, text and rodata in RAM. */
#define STACK_PHYS 0x400000UL
#define TEXT_PHYS 0x300000UL
#define RODATA_PHYS 0x310000UL

static unsigned int fake_regions(void *ctx, dmk_phys_t phys, size_t size)
{
	static const struct {
		dmk_phys_t start, size;
		unsigned int bit;
	} r[] = {{STACK_PHYS, 0x4000, DMK_REGION_STACK},
		 {TEXT_PHYS, 0x10000, DMK_REGION_TEXT},
		 {RODATA_PHYS, 0x8000, DMK_REGION_RODATA}};
	unsigned int found = 0;

	(void)ctx;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (phys < r[i].start + r[i].size && r[i].start < phys + size)
			found |= r[i].bit;
	return found;
}

static void test_map_forbidden_areas(void **state)
{
	struct dmk_sg sg[2] = {{.phys = 0x600000, .length = 4096},
			       {.phys = RODATA_PHYS + 0x7000, .length = 8192}};
	char msg[128];
	dmk_addr_t a;

	(void)state;
	fp->ops.phys_regions = fake_regions;
	/* Next to each region, and a resource: silent. */
	a = map_checked(&dev, STACK_PHYS + 0x4000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	a = map_checked(&dev, TEXT_PHYS - 64, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(0, NULL);

	a = map_checked(&dev, STACK_PHYS + 0x100, 64, DMK_DMA_FROM_DEVICE);
	snprintf(msg, sizeof(msg),
		 "dev: device driver maps memory from stack [addr=%p]",
		 dmk_phys_to_virt(&fp->plat, STACK_PHYS + 0x100));
	assert_errors(1, msg);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_FROM_DEVICE);

	/* A range that ends in text. */
	a = map_checked(&dev, TEXT_PHYS - 64, 128, DMK_DMA_TO_DEVICE);
	snprintf(
		msg, sizeof(msg),
		"device driver maps memory from kernel text or rodata [addr=%p] [len=128]",
		dmk_phys_to_virt(&fp->plat, TEXT_PHYS - 64));
	assert_errors(2, msg);
	dmk_unmap_page(&dev, a, 64 * 2, DMK_DMA_TO_DEVICE);

	/* Every entry of a list is looked at. */
	assert_int_equal(dmk_map_sg(&dev, sg, 2, DMK_DMA_TO_DEVICE), 2);
	assert_errors(3, "kernel text or rodata");
	assert_true(fake_logged(fp, "[len=8192]"));
	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_TO_DEVICE);
	assert_errors(3, NULL);
	assert_int_equal(stats().live_mappings, 0);
}

static bool fake_is_vmap(void *ctx, const void *va)
{
	const uint8_t *p = va, *base = fake_uncached_base();

	(void)ctx;
	return p >= base && p < base + FAKE_RAM_BYTES;
}

/* map_single of a CPU address the linear map does not hold: reported,
 * and refused. */
static void test_map_outside_linear_map(void **state)
{
	uint8_t *ram = dmk_phys_to_virt(&fp->plat, 0);
	uint8_t *uc = fake_uncached_base() + 0x5000;
	dmk_addr_t a;
	char msg[128];

	(void)state;
	fp->ops.virt_is_vmap = fake_is_vmap;
	a = dmk_map_single(&dev, ram + 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	dmk_unmap_single(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_errors(0, NULL);

	a = dmk_map_single(&dev, uc, 64, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	snprintf(
		msg, sizeof(msg),
		"dev: device driver maps memory from vmalloc area [addr=%p] [len=64]",
		(void *)uc);
	assert_errors(1, msg);

	/* Below the linear map (and below either fake array). */
	a = dmk_map_single(&dev, (void *)(uintptr_t)0x10000, 32,
			   DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_errors(2, "device driver maps memory from invalid area [addr=");
	assert_true(fake_logged(fp, "[len=32]"));
	assert_int_equal(stats().live_mappings, 0);
}

/* check_sg_segment(): a list built without regard to the device. */
static void test_sg_segment_limits(void **state)
{
	struct dmk_sg sg[2] = {{.phys = 0x600000, .length = 8192},
			       {.phys = 0x70f000, .length = 0x2000}};
	struct dmk_sg ok[2] = {{.phys = 0x600000, .length = 4096},
			       {.phys = 0x70e000, .length = 0x2000}};

	(void)state;
	dev.max_seg_size = 0x2000;
	dev.seg_boundary_mask = 0xffff;
	assert_int_equal(dmk_map_sg(&dev, ok, 2, DMK_DMA_TO_DEVICE), 2);
	dmk_unmap_sg(&dev, ok, 2, DMK_DMA_TO_DEVICE);
	assert_errors(0, NULL);

	dev.max_seg_size = 4096;
	assert_int_equal(dmk_map_sg(&dev, sg, 2, DMK_DMA_TO_DEVICE), 2);
	assert_true(fake_logged(
		fp,
		"dev: mapping sg segment longer than device claims to support [len=8192] [max=4096]"));
	assert_true(fake_logged(
		fp,
		"dev: mapping sg segment across boundary [start=0x000000000070f000] [end=0x0000000000710fff] [boundary=0x000000000000ffff]"));
	/* The second segment is both too long and across the line. */
	assert_errors(3, NULL);
	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_TO_DEVICE);
	assert_errors(3, NULL);
}

static void test_leaks_at_device_gone(void **state)
{
	dmk_addr_t h;
	void *cpu;

	(void)state;
	map_checked(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	map_checked(&other, 0x500000, 64, DMK_DMA_TO_DEVICE);
	cpu = dmk_alloc_coherent(&dev, 4096, &h);
	assert_non_null(cpu);
	dmk_device_fini(&dev);
	assert_errors(2,
		      "has pending DMA allocations while released from device");
	assert_int_equal(stats().live_mappings, 1); /* other's */
	assert_int_equal(stats().live_allocs, 0);
	dmk_debug_device_gone(&other);
	assert_errors(3, NULL);
	assert_int_equal(stats().live_mappings, 0);
}

/* The environment's allocations fail from the n-th on (0: none fail). */
static unsigned int allocs_until_failure;

static bool fail_alloc(void *arg, size_t size)
{
	(void)arg;
	(void)size;
	return allocs_until_failure && --allocs_until_failure == 0;
}

/*
 * Found by `dmakit faults`: an entry the checker could not allocate made
 * the driver's correct unmap of that mapping a "never mapped" report.
 * Out of memory, the checker turns itself off with one line, as Linux's
 * does, and forgets what it knew.
 */
static void test_out_of_memory_disables(void **state)
{
	dmk_addr_t a, b;
	int logs;

	(void)state;
	a = map_checked(&dev, 0x500000, 300, DMK_DMA_FROM_DEVICE);
	logs = fp->nlog;
	allocs_until_failure = 1;
	dmk_env_alloc_fault = fail_alloc;
	b = map_checked(&dev, 0x600000, 300, DMK_DMA_TO_DEVICE);
	dmk_env_alloc_fault = NULL;
	assert_int_equal(allocs_until_failure, 0);
	assert_int_equal(fp->nlog, logs + 1);
	assert_true(fake_logged(fp, "debugging out of memory - disabling"));
	assert_int_equal(stats().live_mappings, 0);
	/* Correct use after that: silent, whatever the checker lost. */
	dmk_unmap_page(&dev, b, 300, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	/* And misuse goes unseen: the checker is off. */
	dmk_unmap_page(&dev, 0x900000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(stats().errors, 0);
	assert_int_equal(fp->nwarn, 0);
	assert_int_equal(fp->nlog, logs + 1);
}

static void test_stats_without_debug(void **state)
{
	struct dmk_system *plain;
	struct dmk_debug_stats st;

	(void)state;
	plain = fake_system(fp, 0, false);
	assert_int_equal(dmk_debug_stats(plain, &st), -DMK_ENODEV);
	dmk_system_destroy(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_correct_use_is_silent,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_never_mapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unmap_mismatches, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mapping_error_not_checked,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_misuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_cachelines,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlap_silent_on_x86,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_coherent_free_misuse,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_entry_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_forbidden_areas, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_map_outside_linear_map,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_sg_segment_limits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_leaks_at_device_gone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_memory_disables,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_without_debug, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
