/* SPDX-License-Identifier: MIT */
/*
 * The calls a porter expects beyond map/unmap/sync, against the
 * recording platform: which maintenance, bounce and IOMMU calls each
 * makes (map_resource and DMK_ATTR_MMIO none, REQUIRE_COHERENT no
 * bounce, PRIVILEGED and MMIO in the IOMMU's permissions), the pages
 * calls, the queries' exact answers, and the checker's CPU_CACHE_CLEAN
 * rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fake_platform.h"

#define IOVA_BASE 0x80000000ULL
#define IOVA_SIZE (1ULL << 30)
#define MMIO 0x40000000ULL /* beyond the fake's 32 MiB of RAM */

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;
static struct dmk_iommu_domain *dom;
static int cookie;

static void setup(bool coherent, size_t pool, bool debug, bool iommu)
{
	fp = fake_platform_get();
	sys = fake_system(fp, pool, debug);
	if (iommu)
		assert_int_equal(dmk_iommu_domain_create(sys, &cookie,
							 IOVA_BASE, IOVA_SIZE,
							 &dom),
				 0);
	fake_device(fp, &dev, sys, coherent, ~0ULL, dom);
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	dmk_iommu_domain_destroy(dom);
	dom = NULL;
	dmk_system_destroy(sys);
	assert_int_equal(fp->outstanding_pages, 0);
	return 0;
}

static int count(enum fake_event_kind kind)
{
	return fake_event_count(fp, kind);
}

static uint64_t dbg_errors(void)
{
	return fake_debug_errors(sys);
}

/* dma-direct: the bus address of the MMIO, no cache maintenance, no
 * bounce even where RAM at that address would bounce. */
static void test_resource_direct(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup(false, FAKE_POOL_BYTES, true, false);
	dev.bus_offset = 0x1000;
	a = dmk_map_resource(&dev, MMIO, 8192, DMK_DMA_FROM_DEVICE, 0);
	assert_int_equal(a, MMIO + 0x1000);
	assert_false(dmk_mapping_error(&dev, a));
	dmk_unmap_resource(&dev, a, 8192, DMK_DMA_FROM_DEVICE, 0);
	assert_int_equal(fp->nev, 0);

	/* Beyond the mask: refused, not bounced. */
	dev.dma_mask = DMK_BIT_MASK(30);
	a = dmk_map_resource(&dev, MMIO, 4096, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(a, DMK_MAPPING_ERROR);
	assert_int_equal(fp->nev, 0);

	/* The same call with DMK_ATTR_MMIO on map_page. */
	dev.dma_mask = ~0ULL;
	a = dmk_map_page_attrs(&dev, MMIO, 4096, DMK_DMA_BIDIRECTIONAL,
			       DMK_ATTR_MMIO);
	assert_int_equal(a, MMIO + 0x1000);
	assert_false(dmk_mapping_error(&dev, a));
	dmk_unmap_page_attrs(&dev, a, 4096, DMK_DMA_BIDIRECTIONAL,
			     DMK_ATTR_MMIO);
	assert_int_equal(fp->nev, 0);
	assert_int_equal(dbg_errors(), 0);
}

/* RAM is refused and the checker says so. */
static void test_resource_ram_refused(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup(true, 0, true, false);
	a = dmk_map_resource(&dev, 0x500000, 4096, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(a, DMK_MAPPING_ERROR);
	assert_int_equal(dbg_errors(), 1);
	assert_true(fake_logged(fp, "maps RAM as a resource"));
	/* The last page of a run that starts outside RAM is RAM too. */
	a = dmk_map_resource(&dev, FAKE_RAM_BYTES - 4096, 8192,
			     DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(a, DMK_MAPPING_ERROR);
	assert_int_equal(dbg_errors(), 2);
}

/* Behind an IOMMU: an IOVA with MMIO permission, no maintenance. */
static void test_resource_iommu(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup(false, 0, true, true);
	a = dmk_map_resource(&dev, MMIO + 0x10, 100, DMK_DMA_FROM_DEVICE,
			     DMK_ATTR_PRIVILEGED);
	assert_false(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nev, 1);
	assert_int_equal(fp->ev[0].kind, EV_IOMMU_MAP);
	assert_int_equal(fp->ev[0].arg, MMIO);
	assert_int_equal(fp->ev[0].prot,
			 DMK_IOMMU_WRITE | DMK_IOMMU_MMIO | DMK_IOMMU_PRIV);
	assert_int_equal(a & 0xfff, 0x10);
	dmk_unmap_resource(&dev, a, 100, DMK_DMA_FROM_DEVICE, 0);
	assert_int_equal(fp->nev, 2);
	assert_int_equal(fp->ev[1].kind, EV_IOMMU_UNMAP);
	assert_int_equal(dbg_errors(), 0);
}

/* PRIVILEGED reaches the IOMMU's permissions on maps and allocations. */
static void test_privileged(void **state)
{
	dmk_addr_t a;
	void *cpu;

	(void)state;
	setup(true, 0, false, true);
	a = dmk_map_page_attrs(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_PRIVILEGED);
	assert_int_equal(fp->ev[0].prot, DMK_IOMMU_READ | DMK_IOMMU_PRIV);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	fake_events_clear(fp);
	cpu = dmk_alloc_attrs(&dev, 4096, &a, DMK_ATTR_PRIVILEGED);
	assert_non_null(cpu);
	assert_int_equal(fp->ev[count(EV_ALLOC_PAGES)].prot,
			 DMK_IOMMU_READ | DMK_IOMMU_WRITE | DMK_IOMMU_PRIV);
	dmk_free_attrs(&dev, 4096, cpu, a, DMK_ATTR_PRIVILEGED);
}

/* REQUIRE_COHERENT: refused on a non-coherent device before any work,
 * and where dma-direct would bounce; allowed where nothing is needed. */
static void test_require_coherent(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup(false, FAKE_POOL_BYTES, false, false);
	a = dmk_map_page_attrs(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_REQUIRE_COHERENT);
	assert_int_equal(a, DMK_MAPPING_ERROR);
	assert_int_equal(fp->nev, 0);

	dev.coherent = true;
	dmk_device_setup_dma(&dev);
	a = dmk_map_page_attrs(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_REQUIRE_COHERENT);
	assert_int_equal(a, 0x500000);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	/* Out of reach: it would bounce, so it fails instead. */
	dev.dma_mask = DMK_BIT_MASK(22);
	a = dmk_map_page_attrs(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_REQUIRE_COHERENT);
	assert_int_equal(a, DMK_MAPPING_ERROR);
	assert_int_equal(count(EV_BOUNCE_MAP), 0);
	/* Without the attribute the same map bounces. */
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(count(EV_BOUNCE_MAP), 1);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
}

/* dma-direct's pages: reachable, zeroed, cacheable (no uncached view,
 * no maintenance at all: the driver syncs). */
static void test_alloc_pages_direct(void **state)
{
	dmk_addr_t h;
	uint8_t *cpu;

	(void)state;
	setup(false, 0, true, false);
	dev.bus_offset = 0x10000000;
	dev.coherent_dma_mask = DMK_BIT_MASK(28) + 0x10000000;
	cpu = dmk_alloc_pages(&dev, 5000, &h, DMK_DMA_FROM_DEVICE);
	assert_non_null(cpu);
	assert_int_equal(count(EV_ALLOC_PAGES), 1);
	assert_int_equal(fp->ev[0].size, 8192);
	assert_int_equal(h, fp->ev[0].addr + 0x10000000);
	assert_ptr_equal(cpu, dmk_phys_to_virt(&fp->plat, fp->ev[0].addr));
	for (int i = 0; i < 5000; i++)
		assert_int_equal(cpu[i], 0);
	assert_int_equal(count(EV_MAP_UNCACHED), 0);
	assert_int_equal(count(EV_CLEAN) + count(EV_CLEAN_INVAL), 0);
	dmk_free_noncoherent(&dev, 5000, cpu, h, DMK_DMA_FROM_DEVICE);
	assert_int_equal(count(EV_FREE_PAGES), 1);
	assert_int_equal(dbg_errors(), 0);

	/* Free with the wrong direction: the checker's usual report. */
	cpu = dmk_alloc_noncoherent(&dev, 4096, &h, DMK_DMA_TO_DEVICE);
	assert_non_null(cpu);
	dmk_free_pages(&dev, 4096, cpu, h, DMK_DMA_FROM_DEVICE);
	assert_int_equal(dbg_errors(), 1);
}

/* Behind an IOMMU: any pages, one IOVA mapping made without syncs. */
static void test_alloc_pages_iommu(void **state)
{
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup(false, 0, true, true);
	cpu = dmk_alloc_pages(&dev, 4096, &h, DMK_DMA_TO_DEVICE);
	assert_non_null(cpu);
	assert_int_equal(fp->nev, 2);
	assert_int_equal(fp->ev[0].kind, EV_ALLOC_PAGES);
	assert_int_equal(fp->ev[1].kind, EV_IOMMU_MAP);
	assert_int_equal(fp->ev[1].arg, fp->ev[0].addr);
	assert_int_equal(h, fp->ev[1].addr);
	dmk_free_pages(&dev, 4096, cpu, h, DMK_DMA_TO_DEVICE);
	assert_int_equal(count(EV_IOMMU_UNMAP), 1);
	assert_int_equal(count(EV_FREE_PAGES), 1);
	assert_int_equal(count(EV_INVAL), 0);
	assert_int_equal(dbg_errors(), 0);
}

/* Non-contiguous behind an IOMMU: chunks in one IOVA range; single
 * pages when asked; the syncs walk every page. */
static void test_noncontiguous_iommu(void **state)
{
	struct dmk_sg_table *sgt;
	uint64_t iova;

	(void)state;
	setup(false, 0, true, true);
	sgt = dmk_alloc_noncontiguous(&dev, 3 * 4096, DMK_DMA_FROM_DEVICE,
				      DMK_ATTR_ALLOC_SINGLE_PAGES);
	assert_non_null(sgt);
	assert_int_equal(sgt->orig_nents, 3);
	assert_int_equal(sgt->nents, 1);
	assert_int_equal(count(EV_ALLOC_PAGES), 3);
	assert_int_equal(count(EV_IOMMU_MAP), 3);
	iova = sgt->sgl[0].dma_address;
	assert_int_equal(sgt->sgl[0].dma_length, 3 * 4096);
	for (int i = 0; i < 3; i++) {
		/* Prepared for a device that does not snoop, as Linux's
		 * arch_dma_prep_coherent, then mapped READ|WRITE whatever
		 * the direction (Linux maps these BIDIRECTIONAL). */
		assert_int_equal(fp->ev[3 + i].kind, EV_CLEAN_INVAL);
		assert_int_equal(fp->ev[3 + i].addr, sgt->sgl[i].phys);
		assert_int_equal(fp->ev[6 + i].kind, EV_IOMMU_MAP);
		assert_int_equal(fp->ev[6 + i].addr, iova + i * 4096);
		assert_int_equal(fp->ev[6 + i].arg, sgt->sgl[i].phys);
		assert_int_equal(fp->ev[6 + i].prot,
				 DMK_IOMMU_READ | DMK_IOMMU_WRITE);
	}
	/* The fake hands out consecutive pages: one linear view. */
	assert_ptr_equal(dmk_vmap_noncontiguous(&dev, 3 * 4096, sgt),
			 dmk_phys_to_virt(&fp->plat, sgt->sgl[0].phys));
	fake_events_clear(fp);
	dmk_sync_sgtable_for_cpu(&dev, sgt, DMK_DMA_FROM_DEVICE);
	assert_int_equal(count(EV_INVAL), 3);
	dmk_free_noncontiguous(&dev, 3 * 4096, sgt, DMK_DMA_FROM_DEVICE);
	assert_int_equal(count(EV_IOMMU_UNMAP), 1);
	assert_int_equal(count(EV_FREE_PAGES), 3);
	assert_int_equal(dbg_errors(), 0);

	/* Without the attribute: the largest of the IOMMU's page sizes
	 * that fit, here 4 KiB pages (the next size is 2 MiB)... */
	fake_events_clear(fp);
	sgt = dmk_alloc_noncontiguous(&dev, 4 * 4096, DMK_DMA_FROM_DEVICE, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->orig_nents, 4);
	dmk_free_noncontiguous(&dev, 4 * 4096, sgt, DMK_DMA_FROM_DEVICE);
	/* ...and with 16 KiB pages a 16 KiB chunk and a page. */
	assert_int_equal(dmk_iommu_domain_set_pgsize_bitmap(dom, 0x5000), 0);
	sgt = dmk_alloc_noncontiguous(&dev, 5 * 4096, DMK_DMA_FROM_DEVICE, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->orig_nents, 2);
	assert_int_equal(sgt->sgl[0].length, 4 * 4096);
	assert_int_equal(sgt->sgl[1].length, 4096);
	dmk_free_noncontiguous(&dev, 5 * 4096, sgt, DMK_DMA_FROM_DEVICE);
	/* Attributes Linux does not take here are refused. */
	assert_null(dmk_alloc_noncontiguous(&dev, 4096, DMK_DMA_TO_DEVICE,
					    DMK_ATTR_WRITE_COMBINE));
}

/* With a platform vmap the chunks are vmapped cacheable, page by page,
 * as Linux's iommu_dma_vmap_noncontiguous; vunmap undoes it. */
static void test_vmap_noncontiguous_iommu(void **state)
{
	struct dmk_sg_table *sgt;
	size_t k = 0;
	void *va;

	(void)state;
	setup(false, 0, true, true);
	fake_enable_vmap(fp);
	assert_int_equal(dmk_iommu_domain_set_pgsize_bitmap(dom, 0x5000), 0);
	sgt = dmk_alloc_noncontiguous(&dev, 8 * 4096 + 1, DMK_DMA_TO_DEVICE, 0);
	assert_non_null(sgt);
	assert_int_equal(sgt->orig_nents, 3); /* 16 KiB, 16 KiB, 4 KiB */
	fake_events_clear(fp);
	va = dmk_vmap_noncontiguous(&dev, 8 * 4096 + 1, sgt);
	assert_non_null(va);
	assert_int_equal(fp->nev, 1);
	assert_int_equal(fp->ev[0].kind, EV_VMAP);
	assert_int_equal(fp->ev[0].prot, DMK_VMAP_CACHED);
	assert_ptr_equal(va, fp->vmap_va[0]);
	assert_int_equal(fp->vmap_npages, 9);
	for (unsigned int i = 0; i < sgt->orig_nents; i++)
		for (uint32_t off = 0; off < sgt->sgl[i].length; off += 4096)
			assert_int_equal(fp->vmap_pages[k++],
					 sgt->sgl[i].phys + off);
	assert_int_equal(k, 9);
	dmk_vunmap_noncontiguous(&dev, va);
	assert_int_equal(fp->outstanding_vmaps, 0);
	/* A size beyond the table is refused. */
	assert_null(dmk_vmap_noncontiguous(&dev, 10 * 4096, sgt));
	dmk_free_noncontiguous(&dev, 8 * 4096 + 1, sgt, DMK_DMA_TO_DEVICE);
	assert_int_equal(dbg_errors(), 0);
}

/* Scattered chunks have no CPU-contiguous view without a vmap. */
static void test_vmap_scattered(void **state)
{
	struct dmk_sg ents[2] = {{.phys = 0x500000, .length = 4096},
				 {.phys = 0x700000, .length = 4096}};
	struct dmk_sg_table sgt = {ents, 1, 2};

	(void)state;
	setup(true, 0, false, false);
	assert_null(dmk_vmap_noncontiguous(&dev, 8192, &sgt));
	assert_true(fake_logged(fp, "no vmap"));
	ents[1].phys = 0x501000;
	assert_ptr_equal(dmk_vmap_noncontiguous(&dev, 8192, &sgt),
			 dmk_phys_to_virt(&fp->plat, 0x500000));
}

static void test_queries(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup(true, FAKE_POOL_BYTES, false, false);
	/* RAM ends at 32 MiB: 25 bits, plus the bus offset's. */
	assert_true(dmk_get_required_mask(&dev) == DMK_BIT_MASK(25));
	dev.bus_offset = 0x80000000;
	assert_true(dmk_get_required_mask(&dev) == DMK_BIT_MASK(32));
	dev.bus_offset = 0;
	assert_false(dmk_addressing_limited(&dev));
	dev.dma_mask = DMK_BIT_MASK(24);
	assert_true(dmk_addressing_limited(&dev));
	/* Coherent and direct: no sync, unless the mapping bounced. */
	a = dmk_map_page(&dev, 0x200000, 64, DMK_DMA_TO_DEVICE);
	assert_false(dmk_need_sync(&dev, a));
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	a = dmk_map_page(&dev, 0x1800000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(count(EV_BOUNCE_MAP), 1);
	assert_true(dmk_need_sync(&dev, a));
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	/* Limited, with a pool: the pool's limit is also the optimum. */
	assert_int_equal(dmk_opt_mapping_size(&dev),
			 dmk_max_mapping_size(&dev));
	assert_true(dmk_opt_mapping_size(&dev) < SIZE_MAX);
	dev.coherent = false;
	dmk_device_setup_dma(&dev);
	assert_true(dmk_need_sync(&dev, 0x200000));
	assert_int_equal(dmk_get_cache_alignment(&dev), 128);
	fp->plat.arch = DMK_ARCH_ARM32;
	assert_int_equal(dmk_get_cache_alignment(&dev), 64);
	fp->plat.arch = DMK_ARCH_X86_64;
	assert_int_equal(dmk_get_cache_alignment(&dev), 1);
	fp->plat.arch = DMK_ARCH_ARM64;
}

static void test_queries_iommu(void **state)
{
	(void)state;
	setup(true, 0, false, true);
	assert_false(dmk_need_sync(&dev, IOVA_BASE));
	assert_true(dmk_get_required_mask(&dev) == DMK_BIT_MASK(32));
	assert_int_equal(dmk_opt_mapping_size(&dev), 128 * 1024);
	dev.dma_mask = DMK_BIT_MASK(24);
	assert_true(dmk_addressing_limited(&dev));
	dev.dma_mask = DMK_BIT_MASK(32);
	assert_false(dmk_addressing_limited(&dev));
	dev.coherent = false;
	assert_true(dmk_need_sync(&dev, IOVA_BASE));
}

/* Two device-writable mappings in one cache line: reported, unless
 * both promise DMK_ATTR_CPU_CACHE_CLEAN. */
static void test_cpu_cache_clean(void **state)
{
	dmk_addr_t a, b;

	(void)state;
	setup(false, 0, true, false);
	a = dmk_map_page_attrs(&dev, 0x500000, 32, DMK_DMA_FROM_DEVICE,
			       DMK_ATTR_CPU_CACHE_CLEAN);
	b = dmk_map_page_attrs(&dev, 0x500020, 32, DMK_DMA_FROM_DEVICE,
			       DMK_ATTR_CPU_CACHE_CLEAN);
	assert_int_equal(dbg_errors(), 0);
	dmk_mapping_error(&dev, a);
	dmk_mapping_error(&dev, b);
	dmk_unmap_page(&dev, b, 32, DMK_DMA_FROM_DEVICE);
	b = dmk_map_page(&dev, 0x500020, 32, DMK_DMA_FROM_DEVICE);
	assert_int_equal(dbg_errors(), 1);
	dmk_mapping_error(&dev, b);
	dmk_unmap_page(&dev, a, 32, DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, b, 32, DMK_DMA_FROM_DEVICE);
}

/* Four whole pages anywhere: one IOVA range, merged into segments no
 * longer than max_seg_size and never across the segment boundary. */
static void test_sgtable_merge_iommu(void **state)
{
	struct dmk_sg ents[4] = {{.phys = 0x500000, .length = 4096},
				 {.phys = 0x700000, .length = 4096},
				 {.phys = 0x300000, .length = 4096},
				 {.phys = 0x900000, .length = 4096}};
	struct dmk_sg_table sgt = {ents, 0, 4};

	(void)state;
	setup(true, 0, true, true);
	assert_int_equal(dmk_map_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 1);
	assert_int_equal(ents[0].dma_length, 4 * 4096);
	assert_int_equal(ents[1].dma_length, 0);
	assert_int_equal(ents[1].dma_address, DMK_MAPPING_ERROR);
	dmk_sync_sgtable_for_device(&dev, &sgt, DMK_DMA_TO_DEVICE);
	dmk_unmap_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(count(EV_IOMMU_UNMAP), 1);

	dev.max_seg_size = 8192;
	assert_int_equal(dmk_map_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0), 0);
	assert_int_equal(sgt.nents, 2);
	assert_int_equal(ents[0].dma_length, 8192);
	assert_int_equal(ents[1].dma_address, ents[0].dma_address + 8192);
	assert_int_equal(ents[1].dma_length, 8192);
	dmk_unmap_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0);

	/* A 16 KiB boundary splits what 64 KiB segments would join. */
	dev.max_seg_size = 65536;
	dev.seg_boundary_mask = 0x3fff;
	ents[0].length = 8192;
	ents[1].length = 4096;
	ents[2].length = 8192;
	sgt.orig_nents = 3;
	assert_int_equal(dmk_map_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0), 0);
	/* Entry 2 would cross at 16 KiB: a pad moves it there. */
	assert_int_equal(sgt.nents, 2);
	assert_int_equal(ents[0].dma_length, 12288);
	assert_int_equal(ents[1].dma_address, ents[0].dma_address + 16384);
	assert_int_equal(ents[1].dma_length, 8192);
	for (unsigned int i = 0; i < sgt.nents; i++)
		assert_true((ents[i].dma_address & ~0x3fffULL) ==
			    ((ents[i].dma_address + ents[i].dma_length - 1) &
			     ~0x3fffULL));
	dmk_unmap_sgtable(&dev, &sgt, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(dbg_errors(), 0);
}

/* dma-direct maps entry by entry; the table's nents says so. */
static void test_sgtable_direct(void **state)
{
	struct dmk_sg ents[2] = {{.phys = 0x500000, .length = 4096},
				 {.phys = 0x501000, .length = 4096}};
	struct dmk_sg_table sgt = {ents, 0, 2};
	struct dmk_sg_table got;
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup(false, 0, true, false);
	assert_int_equal(dmk_map_sgtable(&dev, &sgt, DMK_DMA_FROM_DEVICE, 0),
			 0);
	assert_int_equal(sgt.nents, 2);
	fake_events_clear(fp);
	dmk_sync_sgtable_for_cpu(&dev, &sgt, DMK_DMA_FROM_DEVICE);
	assert_int_equal(count(EV_INVAL), 2);
	dmk_unmap_sgtable(&dev, &sgt, DMK_DMA_FROM_DEVICE, 0);
	assert_int_equal(dmk_map_sgtable(&dev, &sgt, DMK_DMA_NONE, 0),
			 -DMK_EINVAL);

	/* get_sgtable: the pages behind the handle, not the alias. */
	dev.bus_offset = 0x40000000;
	dev.coherent_dma_mask = ~0ULL;
	cpu = dmk_alloc_coherent(&dev, 5000, &h);
	assert_non_null(cpu);
	assert_int_equal(dmk_get_sgtable(&dev, &got, cpu, h, 5000), 0);
	assert_int_equal(got.orig_nents, 1);
	assert_int_equal(got.sgl[0].phys, h - 0x40000000);
	assert_int_equal(got.sgl[0].length, 8192);
	dmk_sg_free_table(&got);
	assert_null(got.sgl);
	dmk_free_coherent(&dev, 5000, cpu, h);
	assert_int_equal(dbg_errors(), 0);
}

static void test_get_sgtable_iommu(void **state)
{
	struct dmk_sg_table got;
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup(true, 0, false, true);
	cpu = dmk_alloc_coherent(&dev, 3 * 4096, &h);
	assert_non_null(cpu);
	assert_int_equal(dmk_get_sgtable(&dev, &got, cpu, h, 3 * 4096), 0);
	assert_int_equal(got.orig_nents, 1);
	assert_int_equal(got.sgl[0].phys, dmk_virt_to_phys(&fp->plat, cpu));
	assert_int_equal(got.sgl[0].length, 3 * 4096);
	dmk_sg_free_table(&got);
	dmk_free_coherent(&dev, 3 * 4096, cpu, h);
	/* Ops without the hook cannot tell. */
	assert_int_equal(
		dmk_get_sgtable(&dev, &got, cpu, IOVA_BASE + 0x100000, 4096),
		-DMK_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_resource_direct, teardown),
		cmocka_unit_test_teardown(test_resource_ram_refused, teardown),
		cmocka_unit_test_teardown(test_resource_iommu, teardown),
		cmocka_unit_test_teardown(test_privileged, teardown),
		cmocka_unit_test_teardown(test_require_coherent, teardown),
		cmocka_unit_test_teardown(test_alloc_pages_direct, teardown),
		cmocka_unit_test_teardown(test_alloc_pages_iommu, teardown),
		cmocka_unit_test_teardown(test_noncontiguous_iommu, teardown),
		cmocka_unit_test_teardown(test_vmap_noncontiguous_iommu,
					  teardown),
		cmocka_unit_test_teardown(test_vmap_scattered, teardown),
		cmocka_unit_test_teardown(test_queries, teardown),
		cmocka_unit_test_teardown(test_queries_iommu, teardown),
		cmocka_unit_test_teardown(test_cpu_cache_clean, teardown),
		cmocka_unit_test_teardown(test_sgtable_merge_iommu, teardown),
		cmocka_unit_test_teardown(test_sgtable_direct, teardown),
		cmocka_unit_test_teardown(test_get_sgtable_iommu, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
