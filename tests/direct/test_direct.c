/* SPDX-License-Identifier: MIT */
/*
 * dma-direct: the maintenance table, bouncing and its order, reach,
 * coherent allocations, masks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_platform.h"

#define BUF 0x500040ULL	  /* a buffer inside RAM, within every mask here */
#define HIGH 0x1400000ULL /* 20 MiB: beyond a 24-bit mask */

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;

static void setup_dev(bool coherent, size_t pool_bytes)
{
	fp = fake_platform_get();
	sys = fake_system(fp, pool_bytes, false);
	fake_device(fp, &dev, sys, coherent, 0, NULL);
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	dmk_system_destroy(sys);
	sys = NULL;
	return 0;
}

static void expect_event(int i, enum fake_event_kind kind, uint64_t addr,
			 uint64_t size)
{
	assert_true(i < fp->nev);
	assert_int_equal(fp->ev[i].kind, kind);
	assert_int_equal(fp->ev[i].addr, addr);
	assert_int_equal(fp->ev[i].size, size);
}

/* ---- the maintenance table ---- */

enum op { MAP, UNMAP, SYNC_CPU, SYNC_DEV };
#define NONE (-1)
#define C true
#define NC false
#define TO DMK_DMA_TO_DEVICE
#define FROM DMK_DMA_FROM_DEVICE
#define BI DMK_DMA_BIDIRECTIONAL
#define SKIP DMK_ATTR_SKIP_CPU_SYNC

struct row {
	bool coherent;
	enum op op;
	enum dmk_data_direction dir;
	unsigned long attrs;
	int expect; /* enum fake_event_kind, or NONE */
};

/*
 * Written out by hand from arm64 (arch_sync_dma_for_device cleans in
 * every direction, arch_sync_dma_for_cpu invalidates unless TO_DEVICE)
 * and dma-direct (a coherent device gets nothing; SKIP_CPU_SYNC skips
 * map/unmap maintenance, syncs ignore attributes).
 */
static const struct row table[] = {
	{C, MAP, TO, 0, NONE},
	{C, MAP, TO, SKIP, NONE},
	{C, MAP, FROM, 0, NONE},
	{C, MAP, FROM, SKIP, NONE},
	{C, MAP, BI, 0, NONE},
	{C, MAP, BI, SKIP, NONE},
	{C, UNMAP, TO, 0, NONE},
	{C, UNMAP, TO, SKIP, NONE},
	{C, UNMAP, FROM, 0, NONE},
	{C, UNMAP, FROM, SKIP, NONE},
	{C, UNMAP, BI, 0, NONE},
	{C, UNMAP, BI, SKIP, NONE},
	{C, SYNC_CPU, TO, 0, NONE},
	{C, SYNC_CPU, TO, SKIP, NONE},
	{C, SYNC_CPU, FROM, 0, NONE},
	{C, SYNC_CPU, FROM, SKIP, NONE},
	{C, SYNC_CPU, BI, 0, NONE},
	{C, SYNC_CPU, BI, SKIP, NONE},
	{C, SYNC_DEV, TO, 0, NONE},
	{C, SYNC_DEV, TO, SKIP, NONE},
	{C, SYNC_DEV, FROM, 0, NONE},
	{C, SYNC_DEV, FROM, SKIP, NONE},
	{C, SYNC_DEV, BI, 0, NONE},
	{C, SYNC_DEV, BI, SKIP, NONE},
	{NC, MAP, TO, 0, EV_CLEAN},
	{NC, MAP, TO, SKIP, NONE},
	{NC, MAP, FROM, 0, EV_CLEAN},
	{NC, MAP, FROM, SKIP, NONE},
	{NC, MAP, BI, 0, EV_CLEAN},
	{NC, MAP, BI, SKIP, NONE},
	{NC, UNMAP, TO, 0, NONE},
	{NC, UNMAP, TO, SKIP, NONE},
	{NC, UNMAP, FROM, 0, EV_INVAL},
	{NC, UNMAP, FROM, SKIP, NONE},
	{NC, UNMAP, BI, 0, EV_INVAL},
	{NC, UNMAP, BI, SKIP, NONE},
	{NC, SYNC_CPU, TO, 0, NONE},
	{NC, SYNC_CPU, TO, SKIP, NONE},
	{NC, SYNC_CPU, FROM, 0, EV_INVAL},
	{NC, SYNC_CPU, FROM, SKIP, EV_INVAL},
	{NC, SYNC_CPU, BI, 0, EV_INVAL},
	{NC, SYNC_CPU, BI, SKIP, EV_INVAL},
	{NC, SYNC_DEV, TO, 0, EV_CLEAN},
	{NC, SYNC_DEV, TO, SKIP, EV_CLEAN},
	{NC, SYNC_DEV, FROM, 0, EV_CLEAN},
	{NC, SYNC_DEV, FROM, SKIP, EV_CLEAN},
	{NC, SYNC_DEV, BI, 0, EV_CLEAN},
	{NC, SYNC_DEV, BI, SKIP, EV_CLEAN},
};

static void run_row(const struct row *r)
{
	dmk_addr_t addr;

	setup_dev(r->coherent, 0);
	if (r->op == MAP) {
		addr = dmk_map_page_attrs(&dev, BUF, 100, r->dir, r->attrs);
	} else {
		/* Set up silently, then observe only the operation. */
		addr = dmk_map_page_attrs(&dev, BUF, 100, r->dir, SKIP);
		fake_events_clear(fp);
		if (r->op == UNMAP)
			dmk_unmap_page_attrs(&dev, addr, 100, r->dir, r->attrs);
		else if (r->op == SYNC_CPU)
			dmk_sync_single_for_cpu(&dev, addr, 100, r->dir);
		else
			dmk_sync_single_for_device(&dev, addr, 100, r->dir);
	}
	assert_int_equal(addr, BUF);
	if (r->expect == NONE) {
		assert_int_equal(fp->nev, 0);
	} else {
		assert_int_equal(fp->nev, 1);
		expect_event(0, r->expect, BUF, 100);
	}
	teardown(NULL);
}

static void test_maintenance_table(void **state)
{
	(void)state;
	assert_int_equal(sizeof(table) / sizeof(table[0]), 2 * 4 * 3 * 2);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		print_message("row %zu\n", i);
		run_row(&table[i]);
	}
}

/* The table decides, not dev->coherent: a non-coherent device given
 * the coherent table gets no maintenance at all (the naive design). */
static void test_table_not_flag_decides(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, 0);
	dmk_set_dma_ops(&dev, &dmk_direct_coherent_ops);
	a = dmk_map_page(&dev, BUF, 100, DMK_DMA_BIDIRECTIONAL);
	dmk_unmap_page(&dev, a, 100, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(fp->nev, 0);
	assert_ptr_equal(dmk_direct_ops_for(&dev), &dmk_direct_noncoherent_ops);
}

static void test_sg_syncs_each_entry(void **state)
{
	struct dmk_sg sg[2] = {{.phys = BUF, .length = 100},
			       {.phys = 0x600000, .length = 5000}};

	(void)state;
	setup_dev(false, 0);
	assert_int_equal(dmk_map_sg(&dev, sg, 2, DMK_DMA_FROM_DEVICE), 2);
	assert_int_equal(fp->nev, 2);
	expect_event(0, EV_CLEAN, BUF, 100);
	expect_event(1, EV_CLEAN, 0x600000, 5000);
	assert_int_equal(sg[1].dma_address, 0x600000);
	assert_int_equal(sg[1].dma_length, 5000);
	fake_events_clear(fp);
	dmk_sync_sg_for_cpu(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	dmk_sync_sg_for_device(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 6);
	expect_event(0, EV_INVAL, BUF, 100);
	expect_event(1, EV_INVAL, 0x600000, 5000);
	expect_event(2, EV_CLEAN, BUF, 100);
	expect_event(3, EV_CLEAN, 0x600000, 5000);
	expect_event(4, EV_INVAL, BUF, 100);
	expect_event(5, EV_INVAL, 0x600000, 5000);
}

/* ---- reach and bouncing ---- */

static void test_beyond_reach_without_swiotlb(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, 0);
	dev.dma_mask = DMK_BIT_MASK(24);
	a = dmk_map_page(&dev, HIGH, 100, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nev, 0); /* no maintenance for a failed map */
	assert_int_equal(fp->nwarn, 1);
	assert_true(fake_logged(
		fp,
		"dev: DMA addr 0x1400000+100 overflow (mask ffffff, bus limit 0)"));
	assert_int_equal(dev.dma->stats.s.errors, 1);
	assert_int_equal(dev.dma->stats.s.maps, 0);

	/* NO_WARN silences it, the failure stays. */
	a = dmk_map_page_attrs(&dev, HIGH, 100, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_NO_WARN);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nwarn, 1);

	/* dma-ranges limit counts as much as the mask. */
	dev.dma_mask = DMK_BIT_MASK(32);
	dev.bus_dma_limit = 0xffffff;
	a = dmk_map_page(&dev, HIGH, 100, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	/* The last byte decides: a buffer that ends exactly at the limit. */
	a = dmk_map_page(&dev, 0x1000000 - 100, 100, DMK_DMA_TO_DEVICE);
	assert_int_equal(a, 0x1000000 - 100);
	a = dmk_map_page(&dev, 0x1000000 - 100, 101, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
}

static void test_bounce_noncoherent_order(void **state)
{
	dmk_addr_t a;
	dmk_phys_t tlb;

	(void)state;
	setup_dev(false, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);

	a = dmk_map_page(&dev, HIGH + 8, 300, DMK_DMA_FROM_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	tlb = a;
	assert_true(tlb >= FAKE_POOL_PHYS &&
		    tlb < FAKE_POOL_PHYS + FAKE_POOL_BYTES);
	/* Copy into the slot, then clean the slot (not the original). */
	assert_int_equal(fp->nev, 2);
	expect_event(0, EV_BOUNCE_MAP, tlb, 300);
	assert_int_equal(fp->ev[0].arg, HIGH + 8);
	expect_event(1, EV_CLEAN, tlb, 300);
	assert_int_equal(dev.dma->stats.s.bounced, 1);
	assert_int_equal(dev.dma->stats.s.bounced_bytes, 300);

	fake_events_clear(fp);
	dmk_sync_single_for_cpu(&dev, a + 16, 32, DMK_DMA_FROM_DEVICE);
	expect_event(0, EV_INVAL, tlb + 16, 32);
	expect_event(1, EV_BOUNCE_SYNC_CPU, tlb + 16, 32);
	dmk_sync_single_for_device(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	expect_event(2, EV_BOUNCE_SYNC_DEV, tlb, 300);
	expect_event(3, EV_CLEAN, tlb, 300);

	/* Invalidate the slot before the copy back reads it. */
	fake_events_clear(fp);
	dmk_unmap_page(&dev, a, 300, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 2);
	expect_event(0, EV_INVAL, tlb, 300);
	expect_event(1, EV_BOUNCE_UNMAP, tlb, 300);
	assert_int_equal(fp->ev[1].attrs, 0);
}

static void test_bounce_coherent_and_skip(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(true, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);
	a = dmk_map_page(&dev, HIGH, 64, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(fp->nev, 1);
	expect_event(0, EV_BOUNCE_MAP, a, 64);
	dmk_unmap_page_attrs(&dev, a, 64, DMK_DMA_BIDIRECTIONAL,
			     DMK_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(fp->nev, 2);
	expect_event(1, EV_BOUNCE_UNMAP, a, 64);
	/* The pool, not dma-direct, skips its copy back. */
	assert_int_equal(fp->ev[1].attrs, DMK_ATTR_SKIP_CPU_SYNC);
}

static void test_forced_bounce(void **state)
{
	struct dmk_system_config cfg;
	dmk_addr_t a;

	(void)state;
	fp = fake_platform_get();
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = FAKE_POOL_BYTES;
	cfg.swiotlb_force = true;
	assert_int_equal(dmk_system_create(&sys, &fp->plat, &cfg), 0);
	dmk_device_init(&dev, sys, "dev");
	dev.coherent = true;
	dmk_device_setup_dma(&dev);
	a = dmk_map_page(&dev, BUF, 64, DMK_DMA_TO_DEVICE);
	assert_true(dmk_is_swiotlb_buffer(sys->swiotlb, a));
	assert_int_equal(dev.dma->stats.s.bounced, 1);
	assert_int_equal(dmk_max_mapping_size(&dev), 256 * 1024);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);

	/* Forcing a bounce with no pool is refused up front. */
	cfg.swiotlb_bytes = 0;
	{
		struct dmk_system *bad = (void *)1;

		assert_int_equal(dmk_system_create(&bad, &fp->plat, &cfg),
				 -DMK_EINVAL);
		assert_null(bad);
	}
}

static void test_bounce_slot_out_of_reach(void **state)
{
	dmk_addr_t a;

	(void)state;
	fp = fake_platform_get();
	fake_pool_phys = 0x1800000; /* 24 MiB: the pool itself is too high */
	sys = fake_system(fp, FAKE_POOL_BYTES, false);
	dmk_device_init(&dev, sys, "dev");
	dmk_device_setup_dma(&dev);
	dev.dma_mask = DMK_BIT_MASK(24);
	fake_events_clear(fp);

	a = dmk_map_page(&dev, HIGH, 100, DMK_DMA_FROM_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nev, 2);
	expect_event(0, EV_BOUNCE_MAP, 0x1800000, 100);
	/* Undone without a copy back, and without touching caches. */
	expect_event(1, EV_BOUNCE_UNMAP, 0x1800000, 100);
	assert_true(fp->ev[1].attrs & DMK_ATTR_SKIP_CPU_SYNC);
	assert_true(fake_logged(fp, "swiotlb addr 0x1800000+100 overflow"));
}

static void test_full_pool(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);
	fake_swiotlb_fail_in = 1;
	a = dmk_map_page(&dev, HIGH, 100, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nev, 0);
	assert_int_equal(dev.dma->stats.s.errors, 1);
}

static void test_map_sg_failure_undoes(void **state)
{
	struct dmk_sg sg[3] = {{.phys = HIGH, .length = 100},
			       {.phys = BUF, .length = 200},
			       {.phys = HIGH + 4096, .length = 300}};

	(void)state;
	setup_dev(false, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);
	fake_swiotlb_fail_in = 2; /* the third entry finds the pool full */
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_FROM_DEVICE), 0);
	/* bounce+clean, clean, (fail), then undo 0 and 1 silently */
	assert_int_equal(fp->nev, 4);
	expect_event(0, EV_BOUNCE_MAP, sg[0].dma_address, 100);
	expect_event(1, EV_CLEAN, sg[0].dma_address, 100);
	expect_event(2, EV_CLEAN, BUF, 200);
	expect_event(3, EV_BOUNCE_UNMAP, sg[0].dma_address, 100);
	assert_true(fp->ev[3].attrs & DMK_ATTR_SKIP_CPU_SYNC);
	assert_int_equal(dev.dma->stats.s.errors, 1);
	assert_int_equal(dev.dma->stats.s.maps, 0);

	/* Without a pool an unreachable entry fails the same way. */
	teardown(NULL);
	setup_dev(false, 0);
	dev.dma_mask = DMK_BIT_MASK(24);
	sg[0].phys = BUF;
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_TO_DEVICE), 0);
	assert_int_equal(fp->nev, 2); /* the two cleans; undo is silent */
}

static void test_bus_offset(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, 0);
	dev.bus_offset = 0xc0000000;
	dev.dma_mask = DMK_BIT_MASK(32);
	a = dmk_map_page(&dev, BUF, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(a, BUF + 0xc0000000);
	expect_event(0, EV_CLEAN, BUF, 64);
	fake_events_clear(fp);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_BIDIRECTIONAL);
	expect_event(0, EV_INVAL, BUF, 64);
}

static void test_invalid_requests(void **state)
{
	(void)state;
	setup_dev(false, 0);
	assert_true(dmk_mapping_error(
		&dev, dmk_map_page(&dev, BUF, 0, DMK_DMA_TO_DEVICE)));
	assert_true(dmk_mapping_error(
		&dev, dmk_map_page(&dev, BUF, 64, DMK_DMA_NONE)));
	assert_true(dmk_mapping_error(
		&dev, dmk_map_page(&dev, BUF, 64, (enum dmk_data_direction)7)));
	dmk_sync_single_for_cpu(&dev, BUF, 64, DMK_DMA_NONE);
	assert_int_equal(fp->nev, 0);
	assert_int_equal(dev.dma->stats.s.errors, 3);
	assert_true(fake_logged(fp, "invalid direction"));
}

/* ---- coherent allocations ---- */

static void test_alloc_noncoherent(void **state)
{
	dmk_addr_t handle;
	dmk_phys_t phys;
	uint8_t *cpu, *alias;

	(void)state;
	setup_dev(false, 0);
	dev.bus_offset = 0x1000;
	/* Dirty the memory the allocator will hand out, in both views. */
	memset(dmk_phys_to_virt(&fp->plat, 4UL << 20), 0xaa, 3 * 4096);
	memset(fake_uncached_base() + (4UL << 20), 0xaa, 3 * 4096);
	cpu = dmk_alloc_coherent(&dev, 5000, &handle);
	assert_non_null(cpu);
	phys = handle - 0x1000;
	assert_int_equal(fp->nev, 3);
	expect_event(0, EV_ALLOC_PAGES, phys, 8192);
	expect_event(1, EV_CLEAN_INVAL, phys, 8192);
	expect_event(2, EV_MAP_UNCACHED, phys, 8192);
	/* The non-cacheable view, never the cacheable alias, zeroed
	 * through that view after the clean, as Linux's dma_direct_alloc
	 * zeroes through the remapped address. */
	assert_ptr_equal(cpu, fake_uncached_base() + phys);
	alias = cpu;
	for (int i = 0; i < 8192; i++)
		assert_int_equal(alias[i], 0);

	fake_events_clear(fp);
	dmk_free_coherent(&dev, 5000, cpu, handle);
	assert_int_equal(fp->nev, 2);
	expect_event(0, EV_UNMAP_UNCACHED, phys, 8192);
	expect_event(1, EV_FREE_PAGES, phys, 8192);
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(fp->outstanding_uncached, 0);
	assert_int_equal(dev.dma->stats.s.allocs, 1);
	assert_int_equal(dev.dma->stats.s.frees, 1);
}

/*
 * With a platform vmap the non-coherent view is a vmap of the block's
 * pages with dma_pgprot's type: write-combining when asked, the
 * DMA-coherent type otherwise (Linux's dma_common_contiguous_remap
 * with dma_pgprot); free vunmaps it.  The coherent table needs none.
 */
static void test_alloc_noncoherent_vmap(void **state)
{
	static const unsigned long attrs[] = {0, DMK_ATTR_WRITE_COMBINE};
	dmk_addr_t handle;
	uint8_t *cpu;

	(void)state;
	setup_dev(false, 0);
	fake_enable_vmap(fp);
	for (int a = 0; a < 2; a++) {
		fake_events_clear(fp);
		cpu = dmk_alloc_attrs(&dev, 3 * 4096, &handle, attrs[a]);
		assert_non_null(cpu);
		/* A block of get_order(size); PAGE_ALIGN(size) of it is the
		 * buffer, prepared and mapped. */
		assert_int_equal(fp->nev, 3);
		expect_event(0, EV_ALLOC_PAGES, handle, 4 * 4096);
		expect_event(1, EV_CLEAN_INVAL, handle, 3 * 4096);
		expect_event(2, EV_VMAP, handle, 3 * 4096);
		assert_int_equal(fp->ev[2].prot, a ? DMK_VMAP_WRITE_COMBINE
						   : DMK_VMAP_DMA_COHERENT);
		assert_ptr_equal(cpu, fp->vmap_va[a]);
		for (int i = 0; i < 3; i++)
			assert_int_equal(fp->vmap_pages[i], handle + i * 4096);
		for (int i = 0; i < 3 * 4096; i++)
			assert_int_equal(cpu[i], 0);
		fake_events_clear(fp);
		dmk_free_attrs(&dev, 3 * 4096, cpu, handle, attrs[a]);
		assert_int_equal(fp->nev, 2);
		assert_int_equal(fp->ev[0].kind, EV_VUNMAP);
		expect_event(1, EV_FREE_PAGES, handle, 4 * 4096);
	}
	assert_int_equal(fp->outstanding_vmaps, 0);
	/* A failed vmap gives the pages back. */
	fp->vmap_fail_in = 1;
	assert_null(dmk_alloc_coherent(&dev, 4096, &handle));
	assert_int_equal(fp->outstanding_pages, 0);
	/* The coherent table: the linear map, whatever attrs say. */
	dev.coherent = true;
	dmk_set_dma_ops(&dev, dmk_direct_ops_for(&dev));
	fake_events_clear(fp);
	cpu = dmk_alloc_attrs(&dev, 4096, &handle, DMK_ATTR_WRITE_COMBINE);
	assert_ptr_equal(cpu, dmk_phys_to_virt(&fp->plat, handle));
	assert_int_equal(fake_event_count(fp, EV_VMAP), 0);
	dmk_free_attrs(&dev, 4096, cpu, handle, DMK_ATTR_WRITE_COMBINE);
	assert_int_equal(fp->outstanding_pages, 0);
}

static void test_alloc_coherent(void **state)
{
	dmk_addr_t handle;
	uint8_t *cpu;

	(void)state;
	setup_dev(true, 0);
	cpu = dmk_alloc_coherent(&dev, 100, &handle);
	assert_ptr_equal(cpu, dmk_phys_to_virt(&fp->plat, handle));
	assert_int_equal(fp->nev, 1);
	expect_event(0, EV_ALLOC_PAGES, handle, 4096);
	dmk_free_coherent(&dev, 100, cpu, handle);
	assert_int_equal(fp->outstanding_pages, 0);
}

static void test_alloc_respects_coherent_mask(void **state)
{
	dmk_addr_t handle;
	void *cpu;

	(void)state;
	setup_dev(true, 0);
	/* The fake allocator has nothing below 4 MiB. */
	dev.coherent_dma_mask = DMK_BIT_MASK(22);
	assert_null(dmk_alloc_coherent(&dev, 4096, &handle));
	assert_int_equal(handle, DMK_MAPPING_ERROR);
	assert_int_equal(dev.dma->stats.s.errors, 1);

	dev.coherent_dma_mask = DMK_BIT_MASK(23);
	cpu = dmk_alloc_coherent(&dev, 65536, &handle);
	assert_non_null(cpu);
	assert_true(handle + 65536 - 1 <= DMK_BIT_MASK(23));
	dmk_free_coherent(&dev, 65536, cpu, handle);

	/* The bus offset moves the limit down in physical terms. */
	dev.coherent_dma_mask = DMK_BIT_MASK(32);
	dev.bus_offset = 0xc0000000;
	dev.bus_dma_limit = 0xc07fffff; /* phys [0, 8 MiB) */
	cpu = dmk_alloc_coherent(&dev, 4096, &handle);
	assert_non_null(cpu);
	assert_true(handle - 0xc0000000 < 0x800000);
	dmk_free_coherent(&dev, 4096, cpu, handle);

	dev.bus_dma_limit = 0xbfffffff; /* below the offset: no RAM at all */
	assert_null(dmk_alloc_coherent(&dev, 4096, &handle));
	assert_true(fake_logged(fp, "reaches no memory"));
	assert_int_equal(fp->outstanding_pages, 0);
}

static void test_alloc_no_kernel_mapping(void **state)
{
	dmk_addr_t handle;
	void *cookie;

	(void)state;
	setup_dev(false, 0);
	cookie = dmk_alloc_attrs(&dev, 4096, &handle,
				 DMK_ATTR_NO_KERNEL_MAPPING);
	assert_non_null(cookie);
	assert_int_equal(fp->nev, 2);
	expect_event(1, EV_CLEAN_INVAL, handle, 4096);
	fake_events_clear(fp);
	dmk_free_attrs(&dev, 4096, cookie, handle, DMK_ATTR_NO_KERNEL_MAPPING);
	assert_int_equal(fp->nev, 1);
	expect_event(0, EV_FREE_PAGES, handle, 4096);
}

static void test_alloc_without_uncached_mappings(void **state)
{
	dmk_addr_t handle;

	(void)state;
	setup_dev(false, 0);
	fp->ops.map_uncached = NULL;
	assert_null(dmk_alloc_coherent(&dev, 4096, &handle));
	assert_true(fake_logged(fp, "no non-cacheable mappings"));
	assert_int_equal(fp->outstanding_pages, 0);
	/* A coherent device does not need them. */
	dev.coherent = true;
	dmk_set_dma_ops(&dev, dmk_direct_ops_for(&dev));
	assert_non_null(dmk_alloc_coherent(&dev, 4096, &handle));
}

static void test_restricted_pool(void **state)
{
	dmk_addr_t handle, a;
	void *cpu;

	(void)state;
	setup_dev(false, FAKE_POOL_BYTES);
	dmk_device_set_restricted_pool(&dev, sys->swiotlb);
	cpu = dmk_alloc_coherent(&dev, 4096, &handle);
	assert_non_null(cpu);
	assert_true(dmk_is_swiotlb_buffer(sys->swiotlb, handle));
	/* Still non-cacheable for a non-coherent device. */
	expect_event(0, EV_CLEAN_INVAL, handle, 4096);
	expect_event(1, EV_MAP_UNCACHED, handle, 4096);
	dmk_free_coherent(&dev, 4096, cpu, handle);
	assert_int_equal(fp->outstanding_pages, 0);

	/* Every streaming map bounces, even one within reach. */
	a = dmk_map_page(&dev, BUF, 64, DMK_DMA_TO_DEVICE);
	assert_true(dmk_is_swiotlb_buffer(sys->swiotlb, a));
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_max_mapping_size(&dev), 256 * 1024);
}

/* ---- masks ---- */

static void test_masks(void **state)
{
	(void)state;
	setup_dev(false, 0);
	assert_int_equal(dev.dma_mask, DMK_BIT_MASK(32));
	assert_int_equal(dmk_set_mask_and_coherent(&dev, DMK_BIT_MASK(64)), 0);
	assert_int_equal(dev.dma_mask, DMK_BIT_MASK(64));
	assert_int_equal(dev.coherent_dma_mask, DMK_BIT_MASK(64));
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(32)), 0);
	/* 32 MiB of RAM: 25 bits reach all of it. */
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(25)), 0);
	/* 24 bits leave RAM unreachable and there is no swiotlb. */
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(24)), -DMK_EIO);
	assert_int_equal(dmk_set_coherent_mask(&dev, DMK_BIT_MASK(24)),
			 -DMK_EIO);
	assert_int_equal(dev.dma_mask, DMK_BIT_MASK(25));
	assert_int_equal(dmk_max_mapping_size(&dev), SIZE_MAX);
	teardown(NULL);

	/* With a reachable pool, the same mask is fine. */
	setup_dev(false, FAKE_POOL_BYTES);
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(24)), 0);
	assert_int_equal(dmk_max_mapping_size(&dev), 256 * 1024);
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(20)), -DMK_EIO);
	assert_int_equal(dmk_set_mask(&dev, 0xfff), -DMK_EIO);
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(32)), 0);
	assert_int_equal(dmk_max_mapping_size(&dev), SIZE_MAX);

	/* A bus offset beyond a small mask: nothing reachable. */
	dev.bus_offset = 0xc0000000;
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(30)), -DMK_EIO);
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(32)), 0);
}

static void test_dma_capable(void **state)
{
	(void)state;
	setup_dev(true, 0);
	dev.dma_mask = 0xffff;
	assert_true(dmk_dma_capable(&dev, 0xff00, 0x100, true));
	assert_false(dmk_dma_capable(&dev, 0xff00, 0x101, true));
	assert_false(dmk_dma_capable(&dev, DMK_MAPPING_ERROR, 1, true));
	dev.dma_mask = ~0ULL;
	assert_false(dmk_dma_capable(&dev, ~0ULL - 10, 100, true)); /* wraps */
	dev.bus_dma_limit = 0xfff;
	assert_false(dmk_dma_capable(&dev, 0xf00, 0x101, true));
}

static void test_arch_sync_without_cache_maint(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, 0);
	fp->ops.cache_maint = NULL; /* a platform whose caches all snoop */
	a = dmk_map_page(&dev, BUF, 64, DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 0);
}

/* ---- dma_range_map ---- */

/*
 * Firmware's dma_range_map on the fake RAM [0, 32 MiB):
 *   B: CPU [0, 2 MiB)      -> bus 0x40000000 (holds the fake pool)
 *   C: CPU [4, 12 MiB)     -> bus [1 MiB, 9 MiB): below the CPU address
 *   A: CPU [16, 32 MiB)    -> bus 0x801000000 (above 4 GiB)
 * and holes at [2, 4) and [12, 16) MiB.
 */
static const struct dmk_bus_dma_region test_map[] = {
	{.cpu_start = 0x1000000, .dma_start = 0x801000000ULL, .size = 16 << 20},
	{.cpu_start = 0x400000, .dma_start = 0x100000, .size = 8 << 20},
	{.cpu_start = 0x0, .dma_start = 0x40000000, .size = 2 << 20},
};

static void setup_map(size_t pool_bytes)
{
	setup_dev(true, pool_bytes);
	dmk_set_mask_and_coherent(&dev, DMK_BIT_MASK(64));
	assert_int_equal(dmk_device_set_dma_range_map(&dev, test_map, 3), 0);
	assert_int_equal(dev.bus_dma_limit, 0x801000000ULL + (16 << 20) - 1);
}

static void test_range_map_translates(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_map(0);
	/* Each region with its own offset, below the CPU address too. */
	a = dmk_map_page(&dev, 0x500040, 64, BI);
	assert_int_equal(a, 0x100000 + 0x100040);
	dmk_unmap_page(&dev, a, 64, BI);
	a = dmk_map_page(&dev, 0x1800000, 64, BI);
	assert_int_equal(a, 0x801800000ULL);
	dmk_unmap_page(&dev, a, 64, BI);
	/* A hole is no region: without a pool the map fails, it is never
	 * translated with a neighbour's offset. */
	a = dmk_map_page(&dev, 0xd00000, 64, BI);
	assert_true(dmk_mapping_error(&dev, a));
	/* Nor may a buffer run from a region into a hole. */
	a = dmk_map_page(&dev, 0xbfffe0, 64, BI);
	assert_true(dmk_mapping_error(&dev, a));
	/* Bad maps are refused whole. */
	struct dmk_bus_dma_region bad = {
		.cpu_start = 0, .dma_start = ~0ULL, .size = 2};
	assert_int_equal(dmk_device_set_dma_range_map(&dev, &bad, 1),
			 -DMK_EINVAL);
	assert_int_equal(dmk_device_set_dma_range_map(&dev, test_map,
						      DMK_MAX_DMA_RANGES + 1),
			 -DMK_EINVAL);
}

static void test_range_map_bounces_holes(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_map(FAKE_POOL_BYTES);
	/* The hole bounces into the pool, which region B reaches. */
	a = dmk_map_page(&dev, 0xd00000, 64, BI);
	assert_false(dmk_mapping_error(&dev, a));
	assert_int_equal(a, 0x40000000 + FAKE_POOL_PHYS);
	dmk_unmap_page(&dev, a, 64, BI);
	a = dmk_map_page(&dev, 0xbfffe0, 64, BI);
	assert_false(dmk_mapping_error(&dev, a));
	assert_true(a >= 0x40000000 + FAKE_POOL_PHYS);
	dmk_unmap_page(&dev, a, 64, BI);
	/* Inside a region: no bounce. */
	a = dmk_map_page(&dev, 0x500040, 64, BI);
	assert_int_equal(a, 0x200040);
	dmk_unmap_page(&dev, a, 64, BI);
}

static void test_range_map_coherent(void **state)
{
	dmk_addr_t handle;
	uint8_t *cpu;

	(void)state;
	setup_map(0);
	cpu = dmk_alloc_coherent(&dev, 8192, &handle);
	assert_non_null(cpu);
	assert_int_equal(dmk_virt_to_phys(&fp->plat, cpu),
			 dmk_dma_to_phys(&dev, handle));
	assert_int_equal(
		handle,
		dmk_phys_to_dma(&dev, dmk_virt_to_phys(&fp->plat, cpu)));
	dmk_free_coherent(&dev, 8192, cpu, handle);
	/* A 32-bit coherent mask reaches regions B and C only. */
	dev.coherent_dma_mask = DMK_BIT_MASK(32);
	cpu = dmk_alloc_coherent(&dev, 4096, &handle);
	assert_non_null(cpu);
	assert_true(handle < (1ULL << 32));
	dmk_free_coherent(&dev, 4096, cpu, handle);
	assert_int_equal(fp->outstanding_pages, 0);
}

/* A bus below the CPU address with a plain offset (Keystone): bus =
 * CPU - 3 MiB.  Coherent allocations used to fail on an unsigned
 * compare of the limit with the offset. */
static void test_negative_offset_coherent(void **state)
{
	dmk_addr_t handle, a;
	uint8_t *cpu;

	(void)state;
	setup_dev(false, 0);
	dev.bus_offset = (uint64_t) - (int64_t)0x300000;
	cpu = dmk_alloc_coherent(&dev, 4096, &handle);
	assert_non_null(cpu);
	/* The pages came from RAM above the first free 4 MiB. */
	assert_true(handle + 0x300000 >= (4U << 20));
	assert_true(handle + 0x300000 < FAKE_RAM_BYTES);
	dmk_free_coherent(&dev, 4096, cpu, handle);
	a = dmk_map_page(&dev, 0x500000, 64, TO);
	assert_int_equal(a, 0x200000);
	dmk_unmap_page(&dev, a, 64, TO);
	assert_int_equal(fp->outstanding_pages, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maintenance_table),
		cmocka_unit_test_teardown(test_table_not_flag_decides,
					  teardown),
		cmocka_unit_test_teardown(test_sg_syncs_each_entry, teardown),
		cmocka_unit_test_teardown(test_beyond_reach_without_swiotlb,
					  teardown),
		cmocka_unit_test_teardown(test_bounce_noncoherent_order,
					  teardown),
		cmocka_unit_test_teardown(test_bounce_coherent_and_skip,
					  teardown),
		cmocka_unit_test_teardown(test_forced_bounce, teardown),
		cmocka_unit_test_teardown(test_bounce_slot_out_of_reach,
					  teardown),
		cmocka_unit_test_teardown(test_full_pool, teardown),
		cmocka_unit_test_teardown(test_map_sg_failure_undoes, teardown),
		cmocka_unit_test_teardown(test_bus_offset, teardown),
		cmocka_unit_test_teardown(test_invalid_requests, teardown),
		cmocka_unit_test_teardown(test_alloc_noncoherent, teardown),
		cmocka_unit_test_teardown(test_alloc_noncoherent_vmap,
					  teardown),
		cmocka_unit_test_teardown(test_alloc_coherent, teardown),
		cmocka_unit_test_teardown(test_alloc_respects_coherent_mask,
					  teardown),
		cmocka_unit_test_teardown(test_alloc_no_kernel_mapping,
					  teardown),
		cmocka_unit_test_teardown(test_alloc_without_uncached_mappings,
					  teardown),
		cmocka_unit_test_teardown(test_restricted_pool, teardown),
		cmocka_unit_test_teardown(test_masks, teardown),
		cmocka_unit_test_teardown(test_dma_capable, teardown),
		cmocka_unit_test_teardown(test_range_map_translates, teardown),
		cmocka_unit_test_teardown(test_range_map_bounces_holes,
					  teardown),
		cmocka_unit_test_teardown(test_range_map_coherent, teardown),
		cmocka_unit_test_teardown(test_negative_offset_coherent,
					  teardown),
		cmocka_unit_test_teardown(test_arch_sync_without_cache_maint,
					  teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
