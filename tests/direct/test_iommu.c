/* SPDX-License-Identifier: MIT */
/* IOMMU DMA ops against a recording iommu_map / iommu_unmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_platform.h"

#define IOVA_BASE 0x80000000ULL
#define IOVA_SIZE (1ULL << 30)

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;
static int handle_cookie; /* the platform's IOMMU handle */
static struct dmk_iommu_domain *dom_created;

static void setup_dev(bool coherent, uint64_t base, uint64_t size)
{
	fp = fake_platform_get();
	sys = fake_system(fp, 0, false);
	assert_int_equal(dmk_device_init(&dev, sys, "smmu-dev"), 0);
	dev.coherent = coherent;
	dev.dma_mask = ~0ULL;
	assert_int_equal(dmk_iommu_domain_create(sys, &handle_cookie, base,
						 size, &dom_created),
			 0);
	assert_int_equal(dmk_device_attach_iommu(&dev, dom_created), 0);
	dmk_device_setup_dma(&dev);
	fake_events_clear(fp);
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	/* The creator's job, not the device's. */
	dmk_iommu_domain_destroy(dom_created);
	dom_created = NULL;
	dmk_system_destroy(sys);
	return 0;
}

static void expect(int i, enum fake_event_kind kind, uint64_t addr,
		   uint64_t size)
{
	assert_true(i < fp->nev);
	assert_int_equal(fp->ev[i].kind, kind);
	assert_int_equal(fp->ev[i].addr, addr);
	assert_int_equal(fp->ev[i].size, size);
}

static void test_map_unmap_coherent(void **state)
{
	dmk_addr_t a;
	uint64_t iova;

	(void)state;
	setup_dev(true, IOVA_BASE, IOVA_SIZE);
	a = dmk_map_page(&dev, 0x500123, 100, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	assert_int_equal(fp->nev, 1);
	iova = fp->ev[0].addr;
	expect(0, EV_IOMMU_MAP, iova, 4096);
	assert_int_equal(fp->ev[0].arg, 0x500000);
	assert_int_equal(fp->ev[0].prot, DMK_IOMMU_READ);
	assert_true(iova >= IOVA_BASE && iova < IOVA_BASE + IOVA_SIZE);
	assert_int_equal(a, iova + 0x123); /* the in-page offset survives */

	dmk_unmap_page(&dev, a, 100, DMK_DMA_TO_DEVICE);
	assert_int_equal(fp->nev, 2);
	expect(1, EV_IOMMU_UNMAP, iova, 4096);
}

static void test_prot_from_direction(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(true, IOVA_BASE, IOVA_SIZE);
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->ev[0].prot, DMK_IOMMU_WRITE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_FROM_DEVICE);
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(fp->ev[2].prot, DMK_IOMMU_READ | DMK_IOMMU_WRITE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_BIDIRECTIONAL);
}

/* Behind an IOMMU a non-coherent device still needs its caches kept. */
static void test_noncoherent_maintenance(void **state)
{
	dmk_addr_t a;
	uint64_t iova;

	(void)state;
	setup_dev(false, IOVA_BASE, IOVA_SIZE);
	a = dmk_map_page(&dev, 0x500f00, 0x200, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 2);
	expect(0, EV_CLEAN, 0x500f00, 0x200);
	iova = fp->ev[1].addr;
	expect(1, EV_IOMMU_MAP, iova, 8192); /* crosses a page */
	assert_int_equal(fp->ev[1].arg, 0x500000);

	/* Syncs translate page by page through the IOMMU mapping. */
	fake_events_clear(fp);
	dmk_sync_single_for_cpu(&dev, a, 0x200, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 2);
	expect(0, EV_INVAL, 0x500f00, 0x100);
	expect(1, EV_INVAL, 0x501000, 0x100);
	fake_events_clear(fp);
	dmk_sync_single_for_device(&dev, a + 0x10, 0x20, DMK_DMA_FROM_DEVICE);
	expect(0, EV_CLEAN, 0x500f10, 0x20);

	fake_events_clear(fp);
	dmk_unmap_page(&dev, a, 0x200, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 2);
	expect(0, EV_INVAL, 0x500f00, 0x200);
	expect(1, EV_IOMMU_UNMAP, iova, 8192);

	/* SKIP_CPU_SYNC and TO_DEVICE: no invalidate. */
	fake_events_clear(fp);
	a = dmk_map_page_attrs(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_SKIP_CPU_SYNC);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(fp->nev, 2);
	assert_int_equal(fp->ev[0].kind, EV_IOMMU_MAP);
	assert_int_equal(fp->ev[1].kind, EV_IOMMU_UNMAP);
}

static void test_iova_size_aligned(void **state)
{
	dmk_addr_t a, b;

	(void)state;
	setup_dev(true, IOVA_BASE, IOVA_SIZE);
	a = dmk_map_page(&dev, 0x500000, 4096, DMK_DMA_TO_DEVICE);
	b = dmk_map_page(&dev, 0x600000, 3 * 4096, DMK_DMA_TO_DEVICE);
	/* Three pages take a 4-page range aligned to 16 KiB. */
	assert_int_equal((b - IOVA_BASE) % (4 * 4096), 0);
	assert_int_equal(fp->ev[1].size, 3 * 4096);
	assert_true(b >= a + 4096);
	dmk_unmap_page(&dev, a, 4096, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, b, 3 * 4096, DMK_DMA_TO_DEVICE);
}

static void test_iova_within_mask_and_exhaustion(void **state)
{
	dmk_addr_t a, b, c;

	(void)state;
	/* Window at 0: page 0 is never handed out (a NULL-looking IOVA). */
	setup_dev(true, 0, IOVA_SIZE);
	dev.dma_mask = 0x2fff; /* pages 1 and 2 only */
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	b = dmk_map_page(&dev, 0x510000, 64, DMK_DMA_TO_DEVICE);
	c = dmk_map_page(&dev, 0x520000, 64, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	assert_false(dmk_mapping_error(&dev, b));
	assert_true(dmk_mapping_error(&dev, c));
	assert_true(a >= 0x1000 && a <= 0x2fff);
	assert_true(b >= 0x1000 && b <= 0x2fff);
	assert_true(fake_logged(fp, "no IOVA space"));
	/* Freed space is found again, wherever the cursor is. */
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	c = dmk_map_page(&dev, 0x520000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(c, a);
	dmk_unmap_page(&dev, b, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, c, 64, DMK_DMA_TO_DEVICE);
}

static void test_iommu_map_failure(void **state)
{
	dmk_addr_t a, b;

	(void)state;
	setup_dev(true, IOVA_BASE, 2 * 4096);
	fp->iommu_fail_in = 1;
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_int_equal(dev.dma->stats.s.errors, 1);
	/* The IOVA was given back: both pages are still usable. */
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	b = dmk_map_page(&dev, 0x510000, 64, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	assert_false(dmk_mapping_error(&dev, b));
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, b, 64, DMK_DMA_TO_DEVICE);
}

/* A list takes one IOVA range; entries that end mid-page stay segments
 * of their own; a failure part way gives the whole range back. */
static void test_sg_and_undo(void **state)
{
	struct dmk_sg sg[3] = {{.phys = 0x500000, .length = 100},
			       {.phys = 0x600000, .length = 200},
			       {.phys = 0x700000, .length = 300}};
	uint64_t base;

	(void)state;
	setup_dev(true, IOVA_BASE, IOVA_SIZE);
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL), 3);
	assert_int_equal(fp->nev, 3);
	base = fp->ev[0].addr;
	for (int i = 0; i < 3; i++) {
		expect(i, EV_IOMMU_MAP, base + i * 4096, 4096);
		assert_int_equal(fp->ev[i].arg, sg[i].phys);
		assert_int_equal(sg[i].dma_address, base + i * 4096);
		assert_int_equal(sg[i].dma_length, sg[i].length);
	}
	dmk_unmap_sg(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(fp->nev, 4);
	expect(3, EV_IOMMU_UNMAP, base, 3 * 4096);

	fake_events_clear(fp);
	fp->iommu_fail_in = 3;
	assert_int_equal(dmk_map_sg(&dev, sg, 3, DMK_DMA_BIDIRECTIONAL), 0);
	assert_int_equal(fp->nev, 3);
	assert_int_equal(fp->ev[2].kind, EV_IOMMU_UNMAP);
	assert_int_equal(fp->ev[2].size, 3 * 4096);
}

static void test_alloc_free(void **state)
{
	dmk_addr_t h;
	uint64_t phys;
	void *cpu;

	(void)state;
	setup_dev(false, IOVA_BASE, IOVA_SIZE);
	cpu = dmk_alloc_coherent(&dev, 6000, &h);
	assert_non_null(cpu);
	assert_int_equal(fp->nev, 4);
	phys = fp->ev[0].addr;
	expect(0, EV_ALLOC_PAGES, phys, 8192);
	expect(1, EV_CLEAN_INVAL, phys, 8192);
	expect(2, EV_MAP_UNCACHED, phys, 8192);
	expect(3, EV_IOMMU_MAP, h, 8192);
	assert_int_equal(fp->ev[3].prot, DMK_IOMMU_READ | DMK_IOMMU_WRITE);
	assert_ptr_equal(cpu, fake_uncached_base() + phys);

	fake_events_clear(fp);
	dmk_free_coherent(&dev, 6000, cpu, h);
	assert_int_equal(fp->nev, 3);
	expect(0, EV_IOMMU_UNMAP, h, 8192);
	expect(1, EV_UNMAP_UNCACHED, phys, 8192);
	expect(2, EV_FREE_PAGES, phys, 8192);
	assert_int_equal(fp->outstanding_pages, 0);

	/* A failed IOMMU mapping gives everything back. */
	fp->iommu_fail_in = 1;
	assert_null(dmk_alloc_coherent(&dev, 4096, &h));
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(fp->outstanding_uncached, 0);
}

/* The IOMMU's page sizes of the coherent tests: 4, 16 and 64 KiB. */
#define PGSIZES_SMALL ((1ULL << 12) | (1ULL << 14) | (1ULL << 16))

/* setup_dev on a platform that can vmap, with the IOMMU's page sizes
 * (0 keeps the domain's default). */
static void setup_remap(bool coherent, uint64_t window, uint64_t pgsizes)
{
	setup_dev(coherent, IOVA_BASE, window);
	fake_enable_vmap(fp);
	if (pgsizes)
		assert_int_equal(dmk_iommu_domain_set_pgsize_bitmap(dom_created,
								    pgsizes),
				 0);
}

/* The events of one kind, in order, into ev[]; their number. */
static int events_of(enum fake_event_kind kind, struct fake_event *out, int max)
{
	int n = 0;

	for (int i = 0; i < fp->nev; i++)
		if (fp->ev[i].kind == kind) {
			assert_true(n < max);
			out[n++] = fp->ev[i];
		}
	return n;
}

/*
 * iommu_dma_alloc_remap: chunks of the IOMMU's page sizes, the largest
 * that fit what is left first (13 pages: three of 16 KiB, since 64 KiB
 * does not fit, then one page), each prepared for a device that does
 * not snoop, mapped READ|WRITE one after the other from the handle,
 * and one vmap of every page in order with the DMA-coherent type.
 * Free gives back each chunk at its own order, after the vunmap and
 * the IOMMU unmap.
 */
static void test_alloc_remap_chunks(void **state)
{
	struct fake_event a[8], m[8], f[8];
	size_t size = 13 * 4096 - 100, k = 0;
	uint64_t off = 0;
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup_remap(false, IOVA_SIZE, PGSIZES_SMALL);
	cpu = dmk_alloc_coherent(&dev, size, &h);
	assert_non_null(cpu);
	assert_int_equal(events_of(EV_ALLOC_PAGES, a, 8), 4);
	assert_int_equal(a[0].size, 16384);
	assert_int_equal(a[1].size, 16384);
	assert_int_equal(a[2].size, 16384);
	assert_int_equal(a[3].size, 4096);
	assert_int_equal(events_of(EV_IOMMU_MAP, m, 8), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(fp->ev[4 + i].kind, EV_CLEAN_INVAL);
		assert_int_equal(fp->ev[4 + i].addr, a[i].addr);
		assert_int_equal(fp->ev[4 + i].size, a[i].size);
		assert_int_equal(m[i].addr, h + off);
		assert_int_equal(m[i].arg, a[i].addr);
		assert_int_equal(m[i].size, a[i].size);
		assert_int_equal(m[i].prot, DMK_IOMMU_READ | DMK_IOMMU_WRITE);
		off += a[i].size;
	}
	assert_int_equal(fp->nev, 13);
	assert_int_equal(fp->ev[12].kind, EV_VMAP);
	assert_int_equal(fp->ev[12].prot, DMK_VMAP_DMA_COHERENT);
	assert_ptr_equal(cpu, fp->vmap_va[0]);
	assert_int_equal(fp->vmap_npages, 13);
	for (int i = 0; i < 4; i++)
		for (uint64_t p = 0; p < a[i].size; p += 4096)
			assert_int_equal(fp->vmap_pages[k++], a[i].addr + p);

	fake_events_clear(fp);
	dmk_free_coherent(&dev, size, cpu, h);
	assert_int_equal(fp->nev, 6);
	assert_int_equal(fp->ev[0].kind, EV_VUNMAP);
	expect(1, EV_IOMMU_UNMAP, h, 13 * 4096);
	assert_int_equal(events_of(EV_FREE_PAGES, f, 8), 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f[i].addr, a[i].addr);
		assert_int_equal(f[i].size, a[i].size);
	}
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(fp->outstanding_vmaps, 0);
}

/* The default sizes (4 KiB, 2 MiB; 1 GiB is above MAX_PAGE_ORDER): a
 * buffer of 2 MiB and a page is a 2 MiB chunk and a page.  With
 * ALLOC_SINGLE_PAGES every chunk is a page even where 16 and 64 KiB
 * would fit. */
static void test_alloc_remap_orders(void **state)
{
	struct fake_event a[4];
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup_remap(true, IOVA_SIZE, 0);
	cpu = dmk_alloc_coherent(&dev, (2 << 20) + 4096, &h);
	assert_non_null(cpu);
	assert_int_equal(events_of(EV_ALLOC_PAGES, a, 4), 2);
	assert_int_equal(a[0].size, 2 << 20);
	assert_int_equal(a[1].size, 4096);
	/* A coherent device: no maintenance, a cacheable vmap. */
	assert_int_equal(fake_event_count(fp, EV_CLEAN_INVAL), 0);
	assert_int_equal(fp->ev[fp->nev - 1].kind, EV_VMAP);
	assert_int_equal(fp->ev[fp->nev - 1].prot, DMK_VMAP_CACHED);
	dmk_free_coherent(&dev, (2 << 20) + 4096, cpu, h);
	assert_int_equal(fp->outstanding_pages, 0);

	/* ALLOC_SINGLE_PAGES: only the smallest size, whatever fits. */
	assert_int_equal(
		dmk_iommu_domain_set_pgsize_bitmap(dom_created, PGSIZES_SMALL),
		0);
	fake_events_clear(fp);
	cpu = dmk_alloc_attrs(&dev, 40 * 4096, &h,
			      DMK_ATTR_ALLOC_SINGLE_PAGES |
				      DMK_ATTR_WRITE_COMBINE);
	assert_non_null(cpu);
	assert_int_equal(fake_event_count(fp, EV_ALLOC_PAGES), 40);
	assert_int_equal(fake_event_count(fp, EV_IOMMU_MAP), 40);
	for (int i = 0; i < fp->nev; i++)
		if (fp->ev[i].kind == EV_ALLOC_PAGES)
			assert_int_equal(fp->ev[i].size, 4096);
	/* dma_pgprot: a coherent device's view stays cacheable. */
	assert_int_equal(fp->ev[fp->nev - 1].kind, EV_VMAP);
	assert_int_equal(fp->ev[fp->nev - 1].prot, DMK_VMAP_CACHED);
	fake_events_clear(fp);
	dmk_free_attrs(&dev, 40 * 4096, cpu, h,
		       DMK_ATTR_ALLOC_SINGLE_PAGES | DMK_ATTR_WRITE_COMBINE);
	assert_int_equal(fake_event_count(fp, EV_FREE_PAGES), 40);
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(fp->outstanding_vmaps, 0);
}

/* FORCE_CONTIGUOUS: one block of get_order(size), prepared, vmapped
 * with WRITE_COMBINE's type (Linux's dma_common_contiguous_remap), its
 * PAGE_ALIGN(size) mapped at one IOVA; free undoes that. */
static void test_alloc_force_contiguous(void **state)
{
	unsigned long attrs =
		DMK_ATTR_FORCE_CONTIGUOUS | DMK_ATTR_WRITE_COMBINE;
	uint64_t phys;
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup_remap(false, IOVA_SIZE, 0);
	cpu = dmk_alloc_attrs(&dev, 5 * 4096, &h, attrs);
	assert_non_null(cpu);
	assert_int_equal(fp->nev, 4);
	phys = fp->ev[0].addr;
	expect(0, EV_ALLOC_PAGES, phys, 8 * 4096);
	expect(1, EV_CLEAN_INVAL, phys, 8 * 4096);
	expect(2, EV_VMAP, phys, 5 * 4096);
	assert_int_equal(fp->ev[2].prot, DMK_VMAP_WRITE_COMBINE);
	for (int i = 0; i < 5; i++)
		assert_int_equal(fp->vmap_pages[i], phys + i * 4096);
	expect(3, EV_IOMMU_MAP, h, 5 * 4096);
	assert_int_equal(fp->ev[3].arg, phys);
	assert_ptr_equal(cpu, fp->vmap_va[0]);

	fake_events_clear(fp);
	dmk_free_attrs(&dev, 5 * 4096, cpu, h, attrs);
	assert_int_equal(fp->nev, 3);
	expect(0, EV_IOMMU_UNMAP, h, 5 * 4096);
	assert_int_equal(fp->ev[1].kind, EV_VUNMAP);
	expect(2, EV_FREE_PAGES, phys, 8 * 4096);
	assert_int_equal(fp->outstanding_vmaps, 0);
	assert_int_equal(fp->outstanding_pages, 0);
}

/* Every failure of a remapped allocation gives everything back: the
 * second chunk's IOMMU mapping, the vmap, the IOVA space. */
static void test_alloc_remap_failures(void **state)
{
	dmk_addr_t h, first;
	void *cpu;

	(void)state;
	setup_remap(false, IOVA_SIZE, PGSIZES_SMALL);
	fp->iommu_fail_in = 2;
	assert_null(dmk_alloc_coherent(&dev, 5 * 4096, &h));
	assert_int_equal(h, DMK_MAPPING_ERROR);
	assert_int_equal(fake_event_count(fp, EV_IOMMU_UNMAP), 1);
	assert_int_equal(fp->outstanding_pages, 0);
	assert_true(fake_logged(fp, "failed: the IOMMU refused a chunk"));

	fake_events_clear(fp);
	fp->vmap_fail_in = 1;
	assert_null(dmk_alloc_coherent(&dev, 5 * 4096, &h));
	assert_int_equal(fake_event_count(fp, EV_IOMMU_UNMAP), 1);
	assert_int_equal(fake_event_count(fp, EV_FREE_PAGES), 2);
	assert_int_equal(fp->outstanding_pages, 0);
	assert_int_equal(fp->outstanding_vmaps, 0);
	assert_true(fake_logged(fp, "5 pages failed: no CPU mapping"));

	/* The IOVA space came back too: a full window still serves. */
	dmk_device_fini(&dev);
	dmk_iommu_domain_destroy(dom_created);
	dmk_system_destroy(sys);
	setup_remap(false, 8 * 4096, 0);
	fp->vmap_fail_in = 1;
	assert_null(dmk_alloc_coherent(&dev, 8 * 4096, &h));
	cpu = dmk_alloc_coherent(&dev, 8 * 4096, &first);
	assert_non_null(cpu);
	assert_int_equal(first, IOVA_BASE);
	dmk_free_coherent(&dev, 8 * 4096, cpu, first);
	assert_int_equal(fp->outstanding_pages, 0);
}

/* DMK_ATTR_PRIVILEGED reaches every IOMMU mapping of a coherent
 * buffer, chunk by chunk or as one block (Linux's IOMMU_PRIV from
 * dma_info_to_prot). */
static void test_alloc_privileged(void **state)
{
	const int rw_priv = DMK_IOMMU_READ | DMK_IOMMU_WRITE | DMK_IOMMU_PRIV;
	struct fake_event m[4];
	dmk_addr_t h;
	void *cpu;

	(void)state;
	setup_remap(true, IOVA_SIZE, PGSIZES_SMALL);
	cpu = dmk_alloc_attrs(&dev, 5 * 4096, &h, DMK_ATTR_PRIVILEGED);
	assert_non_null(cpu);
	assert_int_equal(events_of(EV_IOMMU_MAP, m, 4), 2);
	assert_int_equal(m[0].prot, rw_priv);
	assert_int_equal(m[1].prot, rw_priv);
	dmk_free_attrs(&dev, 5 * 4096, cpu, h, DMK_ATTR_PRIVILEGED);

	fake_events_clear(fp);
	cpu = dmk_alloc_attrs(&dev, 5 * 4096, &h,
			      DMK_ATTR_PRIVILEGED | DMK_ATTR_FORCE_CONTIGUOUS);
	assert_non_null(cpu);
	assert_int_equal(events_of(EV_IOMMU_MAP, m, 4), 1);
	assert_int_equal(m[0].prot, rw_priv);
	dmk_free_attrs(&dev, 5 * 4096, cpu, h,
		       DMK_ATTR_PRIVILEGED | DMK_ATTR_FORCE_CONTIGUOUS);
	assert_int_equal(fp->outstanding_pages, 0);
}

/* Coherent memory's IOVAs lie below the coherent mask, as Linux's
 * __iommu_dma_alloc_noncontiguous and iommu_dma_alloc ask for them;
 * streaming mappings keep dma_mask. */
static void test_coherent_iova_below_coherent_mask(void **state)
{
	dmk_addr_t h, h2, a;
	void *cpu;

	(void)state;
	setup_dev(true, 0xffff0000ULL, IOVA_SIZE);
	dev.coherent_dma_mask = DMK_BIT_MASK(32);
	cpu = dmk_alloc_coherent(&dev, 16 * 4096, &h);
	assert_non_null(cpu);
	assert_int_equal(h, 0xffff0000ULL);
	/* Nothing is left below 4 GiB for coherent memory... */
	assert_null(dmk_alloc_coherent(&dev, 4096, &h2));
	assert_null(dmk_alloc_noncontiguous(&dev, 4096, DMK_DMA_TO_DEVICE, 0));
	/* ...while a streaming mapping goes above. */
	a = dmk_map_page(&dev, 0x500000, 4096, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&dev, a));
	assert_true(a > DMK_BIT_MASK(32));
	dmk_unmap_page(&dev, a, 4096, DMK_DMA_TO_DEVICE);
	dmk_free_coherent(&dev, 16 * 4096, cpu, h);
}

static void test_unknown_iova(void **state)
{
	(void)state;
	setup_dev(false, IOVA_BASE, IOVA_SIZE);
	dmk_unmap_page(&dev, IOVA_BASE + 0x5000, 64, DMK_DMA_FROM_DEVICE);
	dmk_sync_single_for_cpu(&dev, IOVA_BASE + 0x5000, 64,
				DMK_DMA_FROM_DEVICE);
	dmk_unmap_page(&dev, 0x1234, 64, DMK_DMA_FROM_DEVICE);
	assert_int_equal(fp->nev, 0);
	assert_true(fake_logged(fp, "unmap of unmapped IOVA"));
	assert_true(fake_logged(fp, "sync of unmapped IOVA"));
}

static void test_domain_create_errors(void **state)
{
	struct dmk_iommu_domain *dom = (void *)1;

	(void)state;
	fp = fake_platform_get();
	sys = fake_system(fp, 0, false);
	dmk_device_init(&dev, sys, "x");
	assert_int_equal(
		dmk_iommu_domain_create(sys, NULL, 0x800, 1 << 20, &dom),
		-DMK_EINVAL);
	assert_null(dom);
	assert_int_equal(dmk_iommu_domain_create(sys, NULL, 0, 100, &dom),
			 -DMK_EINVAL);
	assert_int_equal(
		dmk_iommu_domain_create(sys, NULL, ~0xfffULL, 1 << 20, &dom),
		-DMK_EINVAL);
	/* A huge window is clamped, and says so. */
	assert_int_equal(
		dmk_iommu_domain_create(sys, NULL, 0, 1ULL << 48, &dom), 0);
	assert_true(fake_logged(fp, "using the first"));
	dmk_iommu_domain_destroy(dom);
	fp->ops.iommu_map = NULL;
	assert_int_equal(dmk_iommu_domain_create(sys, NULL, 0, 1 << 20, &dom),
			 -DMK_ENOTSUP);
	/* Every mask is supported: the allocator honours it. */
	assert_int_equal(dmk_iommu_dma_ops.dma_supported(&dev, 0xffff), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_map_unmap_coherent, teardown),
		cmocka_unit_test_teardown(test_prot_from_direction, teardown),
		cmocka_unit_test_teardown(test_noncoherent_maintenance,
					  teardown),
		cmocka_unit_test_teardown(test_iova_size_aligned, teardown),
		cmocka_unit_test_teardown(test_iova_within_mask_and_exhaustion,
					  teardown),
		cmocka_unit_test_teardown(test_iommu_map_failure, teardown),
		cmocka_unit_test_teardown(test_sg_and_undo, teardown),
		cmocka_unit_test_teardown(test_alloc_free, teardown),
		cmocka_unit_test_teardown(test_alloc_remap_chunks, teardown),
		cmocka_unit_test_teardown(test_alloc_remap_orders, teardown),
		cmocka_unit_test_teardown(test_alloc_force_contiguous,
					  teardown),
		cmocka_unit_test_teardown(test_alloc_remap_failures, teardown),
		cmocka_unit_test_teardown(test_alloc_privileged, teardown),
		cmocka_unit_test_teardown(
			test_coherent_iova_below_coherent_mask, teardown),
		cmocka_unit_test_teardown(test_unknown_iova, teardown),
		cmocka_unit_test_teardown(test_domain_create_errors, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
