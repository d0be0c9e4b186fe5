/* SPDX-License-Identifier: MIT */
#include "fake_platform.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_PAGES (FAKE_RAM_BYTES / DMK_PAGE_SIZE)
/* Pages below this are never handed out: the fake pool lives there. */
#define FAKE_FIRST_FREE_PAGE ((4UL << 20) / DMK_PAGE_SIZE)

static _Alignas(4096) uint8_t ram[FAKE_RAM_BYTES];
/* The "DRAM view" map_uncached hands out: only identity matters here. */
static _Alignas(4096) uint8_t uncached[FAKE_RAM_BYTES];
static bool page_used[FAKE_PAGES];
/* The addresses fake vmaps hand out, one after the other. */
static _Alignas(4096) uint8_t vmap_area[FAKE_RAM_BYTES];
static size_t vmap_next;
static struct fake_platform fake;

/* Knobs of fake_swiotlb.c, here so that a test may use the real one. */
dmk_phys_t fake_pool_phys = FAKE_POOL_PHYS;
int fake_swiotlb_fail_in;

uint8_t *fake_uncached_base(void)
{
	return uncached;
}

static void record(struct fake_platform *fp, struct fake_event ev)
{
	if (fp->nev < FAKE_MAX_EVENTS)
		fp->ev[fp->nev++] = ev;
}

static bool run_free(size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		if (page_used[i])
			return false;
	return true;
}

static void *fake_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			      dmk_phys_t *phys)
{
	struct fake_platform *fp = ctx;
	size_t n = 1UL << order;

	for (size_t pg = FAKE_FIRST_FREE_PAGE; pg + n <= FAKE_PAGES; pg += n) {
		dmk_phys_t p = (dmk_phys_t)pg * DMK_PAGE_SIZE;

		if (p + n * DMK_PAGE_SIZE - 1 > limit)
			break;
		if (!run_free(pg, n))
			continue;
		memset(&page_used[pg], 1, n);
		*phys = p;
		fp->outstanding_pages += n;
		record(fp, (struct fake_event){.kind = EV_ALLOC_PAGES,
					       .addr = p,
					       .size = n * DMK_PAGE_SIZE});
		return ram + p;
	}
	return NULL;
}

static void fake_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	struct fake_platform *fp = ctx;
	size_t n = 1UL << order;

	memset(&page_used[phys / DMK_PAGE_SIZE], 0, n);
	fp->outstanding_pages -= n;
	record(fp, (struct fake_event){.kind = EV_FREE_PAGES,
				       .addr = phys,
				       .size = n * DMK_PAGE_SIZE});
}

static void fake_cache_maint(void *ctx, dmk_phys_t phys, size_t size,
			     enum dmk_cache_op op)
{
	record(ctx, (struct fake_event){.kind = (enum fake_event_kind)op,
					.addr = phys,
					.size = size});
}

static void *fake_map_uncached(void *ctx, dmk_phys_t phys, size_t size)
{
	struct fake_platform *fp = ctx;

	fp->outstanding_uncached++;
	record(fp, (struct fake_event){.kind = EV_MAP_UNCACHED,
				       .addr = phys,
				       .size = size});
	return uncached + phys;
}

static void fake_unmap_uncached(void *ctx, void *va, size_t size)
{
	struct fake_platform *fp = ctx;

	fp->outstanding_uncached--;
	record(fp, (struct fake_event){.kind = EV_UNMAP_UNCACHED,
				       .addr = (uint8_t *)va - uncached,
				       .size = size});
}

static int fake_iommu_map(void *ctx, void *iommu, uint64_t iova,
			  dmk_phys_t phys, size_t size, int prot)
{
	struct fake_platform *fp = ctx;

	(void)iommu;
	if (fp->iommu_fail_in > 0 && --fp->iommu_fail_in == 0)
		return -DMK_EIO;
	record(fp, (struct fake_event){.kind = EV_IOMMU_MAP,
				       .addr = iova,
				       .size = size,
				       .arg = phys,
				       .prot = prot});
	return 0;
}

static void fake_iommu_unmap(void *ctx, void *iommu, uint64_t iova, size_t size)
{
	(void)iommu;
	record(ctx, (struct fake_event){.kind = EV_IOMMU_UNMAP,
					.addr = iova,
					.size = size});
}

static void *fake_vmap(void *ctx, const dmk_phys_t *pages, size_t npages,
		       enum dmk_vmap_prot prot)
{
	struct fake_platform *fp = ctx;
	size_t bytes = npages * DMK_PAGE_SIZE;
	void *va;

	if (fp->vmap_fail_in > 0 && --fp->vmap_fail_in == 0)
		return NULL;
	assert_true(npages <= FAKE_MAX_VMAP_PAGES);
	assert_true(fp->nvmaps < FAKE_MAX_VMAPS);
	if (vmap_next + bytes > sizeof(vmap_area))
		return NULL;
	memcpy(fp->vmap_pages, pages, npages * sizeof(*pages));
	fp->vmap_npages = npages;
	va = vmap_area + vmap_next;
	vmap_next += bytes;
	fp->vmap_va[fp->nvmaps++] = va;
	fp->outstanding_vmaps++;
	record(fp, (struct fake_event){.kind = EV_VMAP,
				       .addr = pages[0],
				       .size = bytes,
				       .prot = prot});
	return va;
}

static void fake_vunmap(void *ctx, void *va)
{
	struct fake_platform *fp = ctx;
	int i;

	for (i = 0; i < fp->nvmaps && fp->vmap_va[i] != va; i++)
		;
	assert_true(i < fp->nvmaps); /* only what vmap handed out */
	fp->vmap_va[i] = NULL;
	fp->outstanding_vmaps--;
	record(fp, (struct fake_event){.kind = EV_VUNMAP, .addr = i});
}

void fake_enable_vmap(struct fake_platform *fp)
{
	fp->ops.vmap = fake_vmap;
	fp->ops.vunmap = fake_vunmap;
}

static void fake_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	struct fake_platform *fp = ctx;

	if (level == DMK_LOG_WARN)
		fp->nwarn++;
	if (fp->nlog < FAKE_MAX_LOG)
		strncpy(fp->log[fp->nlog++], msg, sizeof(fp->log[0]) - 1);
}

struct fake_platform *fake_platform_get(void)
{
	memset(&fake, 0, sizeof(fake));
	memset(page_used, 0, sizeof(page_used));
	fake.ops = (struct dmk_platform_ops){
		.alloc_pages = fake_alloc_pages,
		.free_pages = fake_free_pages,
		.cache_maint = fake_cache_maint,
		.map_uncached = fake_map_uncached,
		.unmap_uncached = fake_unmap_uncached,
		.iommu_map = fake_iommu_map,
		.iommu_unmap = fake_iommu_unmap,
		.log = fake_log,
	};
	fake.plat = (struct dmk_platform){
		.ops = &fake.ops,
		.ctx = &fake,
		.arch = DMK_ARCH_ARM64,
		.nr_cpus = 1,
		.linear_base = ram,
		.ram_start = 0,
		.ram_end = FAKE_RAM_BYTES,
	};
	fake_pool_phys = FAKE_POOL_PHYS;
	fake_swiotlb_fail_in = 0;
	vmap_next = 0;
	return &fake;
}

void fake_events_clear(struct fake_platform *fp)
{
	fp->nev = 0;
}

struct dmk_system *fake_system(struct fake_platform *fp, size_t pool_bytes,
			       bool debug)
{
	struct dmk_system_config cfg;
	struct dmk_system *sys;

	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = pool_bytes;
	cfg.debug = debug;
	if (dmk_system_create(&sys, &fp->plat, &cfg))
		abort();
	return sys;
}

void fake_device(struct fake_platform *fp, struct dmk_device *dev,
		 struct dmk_system *sys, bool coherent, uint64_t dma_mask,
		 struct dmk_iommu_domain *dom)
{
	assert_int_equal(dmk_device_init(dev, sys, "dev"), 0);
	dev->coherent = coherent;
	if (dma_mask)
		dev->dma_mask = dma_mask;
	if (dom)
		assert_int_equal(dmk_device_attach_iommu(dev, dom), 0);
	assert_int_equal(dmk_device_setup_dma(dev), 0);
	fake_events_clear(fp);
}

int fake_event_count(const struct fake_platform *fp, enum fake_event_kind kind)
{
	int n = 0;

	for (int i = 0; i < fp->nev; i++)
		n += fp->ev[i].kind == kind;
	return n;
}

uint64_t fake_debug_errors(struct dmk_system *sys)
{
	struct dmk_debug_stats st;

	assert_int_equal(dmk_debug_stats(sys, &st), 0);
	return st.errors;
}

bool fake_logged(struct fake_platform *fp, const char *needle)
{
	for (int i = 0; i < fp->nlog; i++)
		if (strstr(fp->log[i], needle))
			return true;
	return false;
}
