/* SPDX-License-Identifier: MIT */
/*
 * IOMMU DMA ops (Linux's drivers/iommu/dma-iommu.c, reduced to what a
 * guest needs): every mapping gets IOVA pages of its own, the platform
 * programs the IOMMU's page tables, and the device emits IOVAs.
 *
 * IOVA allocation is a bitmap of pages with a next-fit cursor.  Ranges
 * are a power of two in pages and aligned to their size, as Linux's
 * "size aligned" IOVA allocations are: it keeps large mappings from
 * fragmenting the space and lets the IOMMU use large block entries.
 * A shadow array remembers, per IOVA page, the guest-physical page it
 * maps (iommu_iova_to_phys), so that unmap and sync need no search; it
 * is calloc'd, so the untouched part of a large window costs nothing.
 *
 * Coherent allocations are Linux's iommu_dma_alloc: chunks of the
 * IOMMU's page sizes wherever the page allocator finds them, behind one
 * IOVA range, and one CPU range over them made by the platform's vmap
 * with dma_pgprot's memory type (iommu_dma_alloc_remap); one physically
 * contiguous block with DMK_ATTR_FORCE_CONTIGUOUS or on a platform
 * without vmap (iommu_dma_alloc_pages).  A byte per IOVA page records
 * the chunks of a remapped buffer (Linux keeps its page array in the
 * vm_struct), so that free gives back exactly what alloc took.
 *
 * Under Xen the SMMU shares dom0's stage-2 and a device behind it keeps
 * dma-direct with guest-physical bus addresses (dev->stage2_iommu): that
 * is not this file.
 */
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "ops-helpers.h"
#include "remap.h"

/* The part of a window the domain manages: 2^24 pages, 64 GiB. */
#define IOVA_MAX_PAGES (1UL << 24)
#define IOVA_NO_PHYS DMK_PHYS_ERROR
/* Shadow entries hold pfn + 1, so that calloc's zero means "unmapped". */
#define SHADOW_NONE 0
#define BITS_PER_WORD 64
/* Linux's MAX_PAGE_ORDER (its default): no chunk is asked for above it. */
#define MAX_CHUNK_ORDER 10

struct dmk_iommu_domain {
	struct dmk_system *sys;
	void *platform_iommu;
	uint64_t base; /* first IOVA, page aligned */
	size_t npages;

	dmk_mutex_t lock; /* bitmap and cursor */
	uint64_t *used;	  /* one bit per IOVA page */
	size_t cursor;	  /* next-fit start, in pages */
	uint64_t *shadow; /* page -> guest pfn + 1, or SHADOW_NONE */
	/* page -> order + 1 of the remapped buffer's chunk that starts
	 * there, 0 elsewhere (calloc'd like the shadow) */
	uint8_t *chunk;
	uint64_t pgsize_bitmap; /* the IOMMU's page sizes */
};

/* ---- the IOVA allocator ---- */

static bool page_used(const struct dmk_iommu_domain *dom, size_t pg)
{
	return dom->used[pg / BITS_PER_WORD] >> (pg % BITS_PER_WORD) & 1;
}

static void mark_pages(struct dmk_iommu_domain *dom, size_t first, size_t n,
		       bool used)
{
	for (size_t pg = first; pg < first + n; pg++) {
		uint64_t bit = 1ULL << (pg % BITS_PER_WORD);

		if (used)
			dom->used[pg / BITS_PER_WORD] |= bit;
		else
			dom->used[pg / BITS_PER_WORD] &= ~bit;
	}
}

/* First used page in [first, first + n), or first + n. */
static size_t first_used(const struct dmk_iommu_domain *dom, size_t first,
			 size_t n)
{
	for (size_t pg = first; pg < first + n; pg++) {
		if (pg % BITS_PER_WORD == 0 &&
		    pg + BITS_PER_WORD <= first + n &&
		    dom->used[pg / BITS_PER_WORD] == 0) {
			pg += BITS_PER_WORD - 1;
			continue;
		}
		if (page_used(dom, pg))
			return pg;
	}
	return first + n;
}

static size_t round_up_pow2(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * Size-aligned run of 'span' pages (a power of two) ending at or below
 * page 'limit' (exclusive), next-fit from the cursor and then wrapping.
 * Returns the first page or SIZE_MAX.
 */
static size_t find_run(struct dmk_iommu_domain *dom, size_t span, size_t limit)
{
	size_t start = (dom->cursor + span - 1) & ~(span - 1);

	for (int pass = 0; pass < 2; pass++) {
		size_t pg = pass ? 0 : start;

		while (pg + span <= limit) {
			size_t busy = first_used(dom, pg, span);

			if (busy == pg + span)
				return pg;
			/* Skip past the page in the way, keeping alignment. */
			pg = (busy + span) & ~(span - 1);
		}
	}
	return SIZE_MAX;
}

/* Pages below the device's reach: mask (its dma_mask, or for coherent
 * memory its coherent_dma_mask, as Linux's iommu_dma_alloc_iova is
 * given) and dma-ranges. */
static size_t reachable_pages(struct dmk_iommu_domain *dom,
			      struct dmk_device *dev, uint64_t mask)
{
	if (dev->bus_dma_limit && dev->bus_dma_limit < mask)
		mask = dev->bus_dma_limit;
	if (mask < dom->base)
		return 0;
	if ((mask - dom->base) >> DMK_PAGE_SHIFT >= dom->npages)
		return dom->npages;
	return ((mask - dom->base) + 1) >> DMK_PAGE_SHIFT;
}

static uint64_t iova_alloc(struct dmk_iommu_domain *dom, struct dmk_device *dev,
			   uint64_t mask, size_t npages)
{
	size_t span = round_up_pow2(npages), pg;

	dmk_mutex_lock(&dom->lock);
	pg = find_run(dom, span, reachable_pages(dom, dev, mask));
	if (pg != SIZE_MAX) {
		mark_pages(dom, pg, span, true);
		dom->cursor = pg + span;
	}
	dmk_mutex_unlock(&dom->lock);
	if (pg == SIZE_MAX)
		return DMK_MAPPING_ERROR;
	return dom->base + ((uint64_t)pg << DMK_PAGE_SHIFT);
}

static void iova_free(struct dmk_iommu_domain *dom, uint64_t iova,
		      size_t npages)
{
	size_t pg = (iova - dom->base) >> DMK_PAGE_SHIFT;

	dmk_mutex_lock(&dom->lock);
	mark_pages(dom, pg, round_up_pow2(npages), false);
	dmk_mutex_unlock(&dom->lock);
}

/* ---- domains ---- */

int dmk_iommu_domain_create(struct dmk_system *sys, void *platform_iommu,
			    uint64_t iova_base, uint64_t iova_size,
			    struct dmk_iommu_domain **out)
{
	const struct dmk_platform *plat;
	struct dmk_iommu_domain *dom;
	uint64_t npages;

	if (!out)
		return -DMK_EINVAL;
	*out = NULL;
	if (!sys || (iova_base & (DMK_PAGE_SIZE - 1)) ||
	    iova_size < DMK_PAGE_SIZE || iova_base + iova_size - 1 < iova_base)
		return -DMK_EINVAL;
	plat = sys->plat;
	if (!plat->ops->iommu_map || !plat->ops->iommu_unmap) {
		dmk_log(plat, DMK_LOG_ERR,
			"iommu: platform cannot program an IOMMU");
		return -DMK_ENOTSUP;
	}

	npages = iova_size >> DMK_PAGE_SHIFT;
	if (npages > IOVA_MAX_PAGES) {
		dmk_log(plat, DMK_LOG_INFO,
			"iommu: using the first %lu MiB of a 0x%llx-byte IOVA window",
			(IOVA_MAX_PAGES << DMK_PAGE_SHIFT) >> 20,
			(unsigned long long)iova_size);
		npages = IOVA_MAX_PAGES;
	}

	dom = dmk_env_calloc(1, sizeof(*dom));
	if (!dom)
		return -DMK_ENOMEM;
	dom->sys = sys;
	dom->platform_iommu = platform_iommu;
	dom->base = iova_base;
	dom->npages = npages;
	dom->used = dmk_env_calloc((npages + BITS_PER_WORD - 1) / BITS_PER_WORD,
				   sizeof(*dom->used));
	dom->shadow = dmk_env_calloc(npages, sizeof(*dom->shadow));
	dom->chunk = dmk_env_calloc(npages, sizeof(*dom->chunk));
	if (!dom->used || !dom->shadow || !dom->chunk) {
		dmk_env_free(dom->used);
		dmk_env_free(dom->shadow);
		dmk_env_free(dom->chunk);
		dmk_env_free(dom);
		return -DMK_ENOMEM;
	}
	dom->pgsize_bitmap = DMK_IOMMU_PGSIZES_4K;
	dmk_mutex_init(&dom->lock);
	/* IOVA 0 looks like a NULL handle to drivers: never hand it out. */
	if (iova_base == 0)
		mark_pages(dom, 0, 1, true);
	*out = dom;
	return 0;
}

void dmk_iommu_domain_destroy(struct dmk_iommu_domain *dom)
{
	if (!dom)
		return;
	dmk_mutex_destroy(&dom->lock);
	dmk_env_free(dom->used);
	dmk_env_free(dom->shadow);
	dmk_env_free(dom->chunk);
	dmk_env_free(dom);
}

int dmk_iommu_domain_set_pgsize_bitmap(struct dmk_iommu_domain *dom,
				       uint64_t pgsize_bitmap)
{
	if (!dom || !pgsize_bitmap)
		return -DMK_EINVAL;
	dom->pgsize_bitmap = pgsize_bitmap;
	return 0;
}

/* ---- mapping ---- */

/* dma_info_to_prot(): the device reads for TO_DEVICE, writes for FROM;
 * DMK_ATTR_PRIVILEGED makes the pages privileged-only. */
static int dir_to_prot(enum dmk_data_direction dir, unsigned long attrs)
{
	int prot = (attrs & DMK_ATTR_PRIVILEGED) ? DMK_IOMMU_PRIV : 0;

	switch (dir) {
	case DMK_DMA_TO_DEVICE:
		return prot | DMK_IOMMU_READ;
	case DMK_DMA_FROM_DEVICE:
		return prot | DMK_IOMMU_WRITE;
	default:
		return prot | DMK_IOMMU_READ | DMK_IOMMU_WRITE;
	}
}

static size_t pages_spanned(dmk_phys_t phys, size_t size)
{
	dmk_phys_t first = phys >> DMK_PAGE_SHIFT;
	dmk_phys_t last = (phys + size - 1) >> DMK_PAGE_SHIFT;

	return last - first + 1;
}

static bool iova_in_domain(struct dmk_iommu_domain *dom, dmk_addr_t iova)
{
	return iova >= dom->base &&
	       (iova - dom->base) >> DMK_PAGE_SHIFT < dom->npages;
}

/* iommu_iova_to_phys() from the shadow of what we programmed. */
static dmk_phys_t iova_to_phys(struct dmk_iommu_domain *dom, dmk_addr_t iova)
{
	size_t pg;

	if (!iova_in_domain(dom, iova))
		return IOVA_NO_PHYS;
	pg = (iova - dom->base) >> DMK_PAGE_SHIFT;
	if (dom->shadow[pg] == SHADOW_NONE)
		return IOVA_NO_PHYS;
	return ((dom->shadow[pg] - 1) << DMK_PAGE_SHIFT) |
	       (iova & (DMK_PAGE_SIZE - 1));
}

/*
 * __iommu_dma_map(): IOVA pages for [phys, phys + size) below mask,
 * page tables programmed, the in-page offset kept.  A failure logs one
 * line, none with DMK_ATTR_NO_WARN.
 */
static dmk_addr_t iommu_map_range(struct dmk_device *dev, dmk_phys_t phys,
				  size_t size, int prot, uint64_t mask,
				  unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	dmk_phys_t page = phys & ~(dmk_phys_t)(DMK_PAGE_SIZE - 1);
	size_t npages = pages_spanned(phys, size);
	size_t len = npages << DMK_PAGE_SHIFT;
	uint64_t iova;
	size_t pg;

	iova = iova_alloc(dom, dev, mask, npages);
	if (iova == DMK_MAPPING_ERROR) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"%s: iommu: no IOVA space for %zu pages",
				dev->name, npages);
		return DMK_MAPPING_ERROR;
	}
	if (plat->ops->iommu_map(plat->ctx, dom->platform_iommu, iova, page,
				 len, prot)) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"%s: iommu: mapping 0x%llx+%zu at IOVA 0x%llx failed",
				dev->name, (unsigned long long)page, len,
				(unsigned long long)iova);
		iova_free(dom, iova, npages);
		return DMK_MAPPING_ERROR;
	}
	pg = (iova - dom->base) >> DMK_PAGE_SHIFT;
	for (size_t i = 0; i < npages; i++)
		dom->shadow[pg + i] = (page >> DMK_PAGE_SHIFT) + i + 1;
	return iova + (phys & (DMK_PAGE_SIZE - 1));
}

static void iommu_unmap_range(struct dmk_device *dev, dmk_addr_t addr,
			      size_t size)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	uint64_t iova = addr & ~(uint64_t)(DMK_PAGE_SIZE - 1);
	size_t npages = pages_spanned(addr, size);
	size_t pg = (iova - dom->base) >> DMK_PAGE_SHIFT;

	plat->ops->iommu_unmap(plat->ctx, dom->platform_iommu, iova,
			       npages << DMK_PAGE_SHIFT);
	for (size_t i = 0; i < npages; i++)
		dom->shadow[pg + i] = SHADOW_NONE;
	iova_free(dom, iova, npages);
}

/* An IOVA we did not hand out: report it rather than unmap at random. */
static bool iova_known(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		       const char *what)
{
	struct dmk_iommu_domain *dom = dev->dma->iommu;

	if (dom && iova_to_phys(dom, addr) != IOVA_NO_PHYS &&
	    iova_to_phys(dom, addr + size - 1) != IOVA_NO_PHYS)
		return true;
	dmk_log(dev_plat(dev), DMK_LOG_WARN,
		"%s: iommu: %s of unmapped IOVA 0x%llx+%zu", dev->name, what,
		(unsigned long long)addr, size);
	return false;
}

static dmk_addr_t iommu_dma_map_page(struct dmk_device *dev, dmk_phys_t phys,
				     size_t size, enum dmk_data_direction dir,
				     unsigned long attrs)
{
	if (!dev->dma->iommu) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: iommu ops on a device without an IOMMU domain",
			dev->name);
		return DMK_MAPPING_ERROR;
	}
	/* The IOMMU translates addresses, not caches. */
	if (!dev->coherent && !(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		dmk_arch_sync_for_device(dev_plat(dev), phys, size, dir);
	return iommu_map_range(dev, phys, size, dir_to_prot(dir, attrs),
			       dev->dma_mask, attrs);
}

static void iommu_dma_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
				 size_t size, enum dmk_data_direction dir,
				 unsigned long attrs)
{
	if (!iova_known(dev, addr, size, "unmap"))
		return;
	if (!dev->coherent && !(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		dmk_arch_sync_for_cpu(dev_plat(dev),
				      iova_to_phys(dev->dma->iommu, addr), size,
				      dir);
	iommu_unmap_range(dev, addr, size);
}

/*
 * A mapping is contiguous in IOVA space but its pages may not be in
 * guest-physical space (an alloc is; a map is too here, since each
 * maps one physically contiguous range): walk page by page anyway so
 * a sync never depends on that.
 */
static void iommu_sync(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		       enum dmk_data_direction dir, bool for_cpu)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (dev->coherent || size == 0 || !iova_known(dev, addr, size, "sync"))
		return;
	while (size) {
		size_t in_page = DMK_PAGE_SIZE - (addr & (DMK_PAGE_SIZE - 1));
		size_t chunk = size < in_page ? size : in_page;
		dmk_phys_t phys = iova_to_phys(dev->dma->iommu, addr);

		if (for_cpu)
			dmk_arch_sync_for_cpu(plat, phys, chunk, dir);
		else
			dmk_arch_sync_for_device(plat, phys, chunk, dir);
		addr += chunk;
		size -= chunk;
	}
}

static void iommu_dma_sync_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
				   size_t size, enum dmk_data_direction dir)
{
	iommu_sync(dev, addr, size, dir, true);
}

static void iommu_dma_sync_for_device(struct dmk_device *dev, dmk_addr_t addr,
				      size_t size, enum dmk_data_direction dir)
{
	iommu_sync(dev, addr, size, dir, false);
}

/* ---- scatterlists: one IOVA range, merged segments ---- */

/*
 * Where each entry goes in the list's IOVA range, as Linux's
 * iommu_dma_map_sg lays it out: every entry takes whole pages from its
 * in-page offset on, and an entry that would cross a segment boundary
 * where it falls is moved to the next boundary (the pad belongs to the
 * gap) unless it is too long to fit between two boundaries anyway.
 */
struct sg_layout {
	uint64_t pos;	/* next free offset in the range */
	uint64_t start; /* this entry's first page in the range */
	uint64_t span;	/* its pages, in bytes */
	bool padded;	/* a pad went before it */
};

static void layout_next(struct sg_layout *l, const struct dmk_sg *s,
			uint64_t mask)
{
	uint64_t off = s->phys & (DMK_PAGE_SIZE - 1);
	uint64_t pad = (mask - l->pos + 1) & mask;

	l->span = (off + s->length + DMK_PAGE_SIZE - 1) &
		  ~(uint64_t)(DMK_PAGE_SIZE - 1);
	l->padded = pad && pad < l->span - 1;
	if (l->padded)
		l->pos += pad;
	l->start = l->pos;
	l->pos += l->span;
}

/*
 * __finalise_sg(): the device's segments.  An entry joins the segment
 * before it when it starts a page, the one before ended its page and no
 * pad lies between, the join is not at a segment boundary and the
 * result stays within max_seg_size; otherwise it starts a new one.
 * Entries past the last segment get DMK_MAPPING_ERROR and length 0.
 */
static int finalise_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		       uint64_t iova)
{
	uint64_t mask = dev->seg_boundary_mask;
	struct sg_layout l = {0};
	uint64_t cur_len = 0;
	bool prev_ends_page = false;
	int cur = -1;

	for (int i = 0; i < nents; i++) {
		uint64_t off = sg[i].phys & (DMK_PAGE_SIZE - 1);
		uint64_t addr;

		layout_next(&l, &sg[i], mask);
		addr = iova + l.start;
		sg[i].dma_address = DMK_MAPPING_ERROR;
		sg[i].dma_length = 0;
		if (cur >= 0 && prev_ends_page && !l.padded && off == 0 &&
		    (addr & mask) != 0 &&
		    (uint64_t)dev->max_seg_size - cur_len >= sg[i].length) {
			cur_len += sg[i].length;
		} else {
			cur++;
			cur_len = sg[i].length;
			sg[cur].dma_address = addr + off;
		}
		sg[cur].dma_length = (uint32_t)cur_len;
		prev_ends_page = off + sg[i].length == l.span;
	}
	return cur + 1;
}

static void sync_sg_entries(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir,
			    bool for_cpu)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (dev->coherent)
		return;
	for (int i = 0; i < nents; i++) {
		if (for_cpu)
			dmk_arch_sync_for_cpu(plat, sg[i].phys, sg[i].length,
					      dir);
		else
			dmk_arch_sync_for_device(plat, sg[i].phys, sg[i].length,
						 dir);
	}
}

/* [first segment's start, last segment's end): what the list holds. */
static bool sg_range(const struct dmk_sg *sg, int nents, dmk_addr_t *start,
		     size_t *len)
{
	int last = -1;

	for (int i = 0; i < nents && sg[i].dma_length; i++)
		last = i;
	if (last < 0)
		return false;
	*start = sg[0].dma_address;
	*len = sg[last].dma_address + sg[last].dma_length - *start;
	return true;
}

static void iommu_dma_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg,
			       int nents, enum dmk_data_direction dir,
			       unsigned long attrs)
{
	dmk_addr_t start;
	size_t len;

	if (!sg_range(sg, nents, &start, &len) ||
	    !iova_known(dev, start, len, "unmap_sg"))
		return;
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		sync_sg_entries(dev, sg, nents, dir, true);
	iommu_unmap_range(dev, start, len);
}

/*
 * iommu_dma_map_sg(): the whole list in one IOVA range, each entry's
 * pages mapped at its place in the layout, then merged into as few
 * segments as max_seg_size and the segment boundary allow.
 */
static int iommu_dma_map_sg(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir,
			    unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	int prot = dir_to_prot(dir, attrs);
	struct sg_layout l = {0};
	uint64_t iova;
	size_t npages;
	int i;

	if (!dom)
		return 0;
	for (i = 0; i < nents; i++)
		layout_next(&l, &sg[i], dev->seg_boundary_mask);
	npages = l.pos >> DMK_PAGE_SHIFT;
	iova = iova_alloc(dom, dev, dev->dma_mask, npages);
	if (iova == DMK_MAPPING_ERROR) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"%s: iommu: no IOVA space for %zu pages",
				dev->name, npages);
		return 0;
	}
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		sync_sg_entries(dev, sg, nents, dir, false);
	l = (struct sg_layout){0};
	for (i = 0; i < nents; i++) {
		dmk_phys_t page = sg[i].phys & ~(dmk_phys_t)(DMK_PAGE_SIZE - 1);
		size_t pg;

		layout_next(&l, &sg[i], dev->seg_boundary_mask);
		if (plat->ops->iommu_map(plat->ctx, dom->platform_iommu,
					 iova + l.start, page, l.span, prot))
			break;
		pg = (iova + l.start - dom->base) >> DMK_PAGE_SHIFT;
		for (size_t p = 0; p < l.span >> DMK_PAGE_SHIFT; p++)
			dom->shadow[pg + p] = (page >> DMK_PAGE_SHIFT) + p + 1;
	}
	if (i < nents) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"%s: iommu: mapping entry %d of a scatterlist failed",
				dev->name, i);
		plat->ops->iommu_unmap(plat->ctx, dom->platform_iommu, iova,
				       npages << DMK_PAGE_SHIFT);
		for (size_t p = 0; p < npages; p++)
			dom->shadow[((iova - dom->base) >> DMK_PAGE_SHIFT) +
				    p] = SHADOW_NONE;
		iova_free(dom, iova, npages);
		return 0;
	}
	return finalise_sg(dev, sg, nents, iova);
}

/* The CPU's entries are what caches hold: sync those. */
static void iommu_dma_sync_sg_for_cpu(struct dmk_device *dev, struct dmk_sg *sg,
				      int nents, enum dmk_data_direction dir)
{
	sync_sg_entries(dev, sg, nents, dir, true);
}

static void iommu_dma_sync_sg_for_device(struct dmk_device *dev,
					 struct dmk_sg *sg, int nents,
					 enum dmk_data_direction dir)
{
	sync_sg_entries(dev, sg, nents, dir, false);
}

/*
 * iommu_dma_get_sgtable(): the pages behind a coherent buffer's IOVAs,
 * one entry per guest-physically contiguous run.
 */
static int iommu_dma_get_sgtable(struct dmk_device *dev,
				 struct dmk_sg_table *sgt, void *cpu_addr,
				 dmk_addr_t dma_addr, size_t size,
				 unsigned long attrs)
{
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	size_t npages = (size + DMK_PAGE_SIZE - 1) >> DMK_PAGE_SHIFT;
	unsigned int n = 0;

	(void)cpu_addr;
	(void)attrs;
	if (!dom || npages > UINT32_MAX ||
	    !iova_known(dev, dma_addr, npages << DMK_PAGE_SHIFT, "get_sgtable"))
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(npages * sizeof(*sgt->sgl));
	if (!sgt->sgl)
		return -DMK_ENOMEM;
	for (size_t p = 0; p < npages; p++) {
		dmk_phys_t phys =
			iova_to_phys(dom, dma_addr + (p << DMK_PAGE_SHIFT)) &
			~(dmk_phys_t)(DMK_PAGE_SIZE - 1);

		if (n &&
		    sgt->sgl[n - 1].phys + sgt->sgl[n - 1].length == phys) {
			sgt->sgl[n - 1].length += DMK_PAGE_SIZE;
			continue;
		}
		sgt->sgl[n].phys = phys;
		sgt->sgl[n].length = DMK_PAGE_SIZE;
		n++;
	}
	sgt->orig_nents = sgt->nents = n;
	return 0;
}

/*
 * iommu_dma_map_resource(): a peer's MMIO behind IOVAs with MMIO
 * permissions; no cache maintenance, the pages are not RAM.
 */
static dmk_addr_t iommu_dma_map_resource(struct dmk_device *dev,
					 dmk_phys_t phys, size_t size,
					 enum dmk_data_direction dir,
					 unsigned long attrs)
{
	if (!dev->dma->iommu)
		return DMK_MAPPING_ERROR;
	return iommu_map_range(dev, phys, size,
			       dir_to_prot(dir, attrs) | DMK_IOMMU_MMIO,
			       dev->dma_mask, attrs);
}

static void iommu_dma_unmap_resource(struct dmk_device *dev, dmk_addr_t addr,
				     size_t size, enum dmk_data_direction dir,
				     unsigned long attrs)
{
	(void)dir;
	(void)attrs;
	if (iova_known(dev, addr, size, "unmap_resource"))
		iommu_unmap_range(dev, addr, size);
}

/* ---- chunks behind one IOVA range (coherent and non-contiguous) ---- */

/*
 * The page sizes __iommu_dma_alloc_noncontiguous builds a buffer of
 * *npages pages from, as a mask of orders: the IOMMU's page sizes, the
 * smallest raised to a CPU page (or else the buffer rounded up to it),
 * only the smallest with DMK_ATTR_ALLOC_SINGLE_PAGES, none above
 * MAX_CHUNK_ORDER.  0 when no size is left (the allocation fails).
 */
static uint64_t chunk_orders(const struct dmk_iommu_domain *dom, size_t *npages,
			     unsigned long attrs)
{
	uint64_t sizes = dom->pgsize_bitmap, min = sizes & -sizes;

	if (min < DMK_PAGE_SIZE) {
		min = DMK_PAGE_SIZE;
		sizes |= DMK_PAGE_SIZE;
	} else {
		size_t min_pages = min >> DMK_PAGE_SHIFT;

		*npages = (*npages + min_pages - 1) & ~(min_pages - 1);
	}
	if (attrs & DMK_ATTR_ALLOC_SINGLE_PAGES)
		sizes = min;
	return (sizes >> DMK_PAGE_SHIFT) & DMK_BIT_MASK(MAX_CHUNK_ORDER + 1);
}

/*
 * __iommu_dma_alloc_pages(): npages pages in chunks, each the largest
 * order of 'orders' that still fits what is left; an order the page
 * allocator refuses is not asked for again (Linux tries it with
 * __GFP_NORETRY and drops it).  The chunks land in sgl[0..n), zeroed
 * through the linear map when zero says so; returns n, or 0 with
 * everything given back.
 */
static unsigned int alloc_chunks(struct dmk_device *dev, size_t npages,
				 uint64_t orders, struct dmk_sg *sgl, bool zero)
{
	const struct dmk_platform *plat = dev_plat(dev);
	unsigned int n = 0;

	while (npages) {
		unsigned int order = 0;
		dmk_phys_t phys;
		void *cpu = NULL;

		for (orders &= DMK_BIT_MASK(dmk_fls64(npages)); orders;
		     orders &= ~(1ULL << order)) {
			order = dmk_fls64(orders) - 1;
			cpu = plat->ops->alloc_pages(plat->ctx, order,
						     ~(dmk_phys_t)0, &phys);
			if (cpu)
				break;
		}
		if (!cpu) {
			while (n--)
				plat->ops->free_pages(
					plat->ctx, sgl[n].phys,
					dmk_get_order(sgl[n].length));
			return 0;
		}
		if (zero)
			memset(cpu, 0, DMK_PAGE_SIZE << order);
		sgl[n].phys = phys;
		sgl[n].length = (uint32_t)(DMK_PAGE_SIZE << order);
		n++;
		npages -= (size_t)1 << order;
	}
	return n;
}

/* The chunks one after the other from iova, the shadow filled; on a
 * failure what was mapped is unmapped and -DMK_ENOMEM returned (the
 * caller says so). */
static int map_chunks(struct dmk_device *dev, uint64_t iova,
		      const struct dmk_sg *sgl, unsigned int n, int prot)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	size_t first = (iova - dom->base) >> DMK_PAGE_SHIFT, pg = first;

	for (unsigned int i = 0; i < n; i++) {
		if (plat->ops->iommu_map(
			    plat->ctx, dom->platform_iommu,
			    iova + ((uint64_t)(pg - first) << DMK_PAGE_SHIFT),
			    sgl[i].phys, sgl[i].length, prot)) {
			if (pg > first)
				plat->ops->iommu_unmap(
					plat->ctx, dom->platform_iommu, iova,
					(pg - first) << DMK_PAGE_SHIFT);
			while (pg > first)
				dom->shadow[--pg] = SHADOW_NONE;
			return -DMK_ENOMEM;
		}
		for (size_t p = 0; p < sgl[i].length >> DMK_PAGE_SHIFT; p++)
			dom->shadow[pg++] =
				(sgl[i].phys >> DMK_PAGE_SHIFT) + p + 1;
	}
	return 0;
}

/* arch_dma_prep_coherent(), and the invalidate dma-direct adds: no
 * line of the cacheable alias may later land over the device's data. */
static void prep_coherent(const struct dmk_platform *plat, dmk_phys_t phys,
			  size_t bytes)
{
	if (plat->ops->cache_maint)
		plat->ops->cache_maint(plat->ctx, phys, bytes,
				       DMK_CACHE_CLEAN_INVAL);
}

/*
 * The pages of a coherent buffer: PAGE_ALIGN(size), rounded up to the
 * IOMMU's smallest page when that is larger, as the allocation took.
 */
static size_t coherent_pages(const struct dmk_iommu_domain *dom, size_t size,
			     unsigned long attrs, uint64_t *orders)
{
	size_t npages = (size + DMK_PAGE_SIZE - 1) >> DMK_PAGE_SHIFT;
	uint64_t o = chunk_orders(dom, &npages, attrs);

	if (orders)
		*orders = o;
	return npages;
}

/*
 * __iommu_dma_alloc_noncontiguous(), shared by dma_alloc_noncontiguous
 * and the remapped coherent buffer built on it: npages pages in chunks
 * of 'orders' (zeroed through the linear map when zero says so),
 * prepared for a non-coherent device, mapped READ|WRITE at one IOVA
 * range below the coherent mask (Linux maps these BIDIRECTIONAL
 * whatever the caller's direction).  Returns the number of chunks in
 * sgl[] with *iova set, or 0 with everything given back and *why
 * saying what failed (the caller logs it).
 */
static unsigned int alloc_noncontiguous(struct dmk_device *dev, size_t npages,
					uint64_t orders, struct dmk_sg *sgl,
					bool zero, unsigned long attrs,
					uint64_t *iova, const char **why)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	unsigned int n = alloc_chunks(dev, npages, orders, sgl, zero);

	if (!n) {
		*why = "no free pages";
		return 0;
	}
	*iova = iova_alloc(dom, dev, dev->coherent_dma_mask, npages);
	if (*iova == DMK_MAPPING_ERROR) {
		*why = "no IOVA space";
		goto err_pages;
	}
	if (!dev->coherent)
		for (unsigned int i = 0; i < n; i++)
			prep_coherent(plat, sgl[i].phys, sgl[i].length);
	if (map_chunks(dev, *iova, sgl, n,
		       dir_to_prot(DMK_DMA_BIDIRECTIONAL, attrs))) {
		iova_free(dom, *iova, npages);
		*why = "the IOMMU refused a chunk";
		goto err_pages;
	}
	return n;

err_pages:
	while (n--)
		plat->ops->free_pages(plat->ctx, sgl[n].phys,
				      dmk_get_order(sgl[n].length));
	return 0;
}

/*
 * Undo a remapped buffer's IOMMU side, the reverse of alloc: unmap its
 * IOVA range, give each chunk back with the order it was allocated at
 * (the chunk bytes say which), then the IOVA pages.
 */
static void release_chunks(struct dmk_device *dev, uint64_t iova, size_t npages)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	size_t first = (iova - dom->base) >> DMK_PAGE_SHIFT, pg = first;

	plat->ops->iommu_unmap(plat->ctx, dom->platform_iommu, iova,
			       npages << DMK_PAGE_SHIFT);
	/* A chunk byte is set at every chunk's start: a free of another
	 * size stops where the buffer's chunks do. */
	while (pg < first + npages && dom->chunk[pg]) {
		unsigned int order = dom->chunk[pg] - 1u;
		size_t n = (size_t)1 << order;

		plat->ops->free_pages(plat->ctx,
				      (dom->shadow[pg] - 1) << DMK_PAGE_SHIFT,
				      order);
		dom->chunk[pg] = 0;
		for (size_t p = 0; p < n; p++)
			dom->shadow[pg + p] = SHADOW_NONE;
		pg += n;
	}
	iova_free(dom, iova, npages);
}

/*
 * iommu_dma_alloc_remap(): the chunks of alloc_noncontiguous (Linux's
 * is built on __iommu_dma_alloc_noncontiguous the same way) and one
 * CPU range over them with dma_pgprot's type, zeroed through it (Linux's pages come zeroed from
 * the allocator and are cleaned after: the same bytes reach DRAM; a
 * store through the view the CPU keeps needs no dirty line to get
 * there).  DMK_ATTR_NO_KERNEL_MAPPING: no CPU range, the chunks are
 * zeroed through the linear map before they are prepared, and the
 * cookie returned is the first chunk's linear address, never to be
 * dereferenced.
 */
static void *iommu_dma_alloc_remap(struct dmk_device *dev, size_t size,
				   dmk_addr_t *dma_handle, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	uint64_t orders, iova = 0;
	size_t npages = coherent_pages(dom, size, attrs, &orders), pg;
	struct dmk_sg *chunks = NULL;
	unsigned int n;
	const char *why;
	void *va = NULL;

	if (npages > UINT32_MAX) {
		why = "too large";
		goto out;
	}
	chunks = dmk_env_calloc(npages, sizeof(*chunks));
	if (!chunks) {
		why = "no memory for its chunk table";
		goto out;
	}
	n = alloc_noncontiguous(dev, npages, orders, chunks,
				attrs & DMK_ATTR_NO_KERNEL_MAPPING, attrs,
				&iova, &why);
	if (!n)
		goto out;
	pg = (iova - dom->base) >> DMK_PAGE_SHIFT;
	for (unsigned int i = 0; i < n; i++) {
		dom->chunk[pg] = (uint8_t)(dmk_get_order(chunks[i].length) + 1);
		pg += chunks[i].length >> DMK_PAGE_SHIFT;
	}
	if (attrs & DMK_ATTR_NO_KERNEL_MAPPING) {
		va = dmk_phys_to_virt(plat, chunks[0].phys);
	} else {
		struct dmk_sg_page_walk walk = {.sg = chunks};

		va = dmk_common_pages_remap(
			plat, npages, dmk_sg_walk_page, &walk,
			dmk_dma_pgprot(dev->coherent, attrs));
		if (!va) {
			release_chunks(dev, iova, npages);
			why = "no CPU mapping (vmap)";
			goto out;
		}
		memset(va, 0, npages << DMK_PAGE_SHIFT);
	}
	*dma_handle = iova;
	dmk_env_free(chunks);
	return va;

out:
	dmk_env_free(chunks);
	/* One line for the caller's one failure, none with NO_WARN. */
	if (!(attrs & DMK_ATTR_NO_WARN))
		dmk_log(plat, DMK_LOG_WARN,
			"%s: iommu: coherent allocation of %zu bytes in %zu pages failed: %s",
			dev->name, size, npages, why);
	return NULL;
}

/*
 * iommu_dma_alloc_pages() and the map after it: one physically
 * contiguous block, its CPU view the linear map for a coherent device,
 * else the platform's vmap with dma_pgprot's type (Linux's
 * dma_common_contiguous_remap) or, on a platform without vmap, its
 * non-cacheable alias, zeroed through that view after the block was
 * prepared, as Linux's.  The IOVA range covers PAGE_ALIGN(size).
 */
static void *iommu_dma_alloc_contiguous(struct dmk_device *dev, size_t size,
					dmk_addr_t *dma_handle,
					unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	size_t npages = coherent_pages(dev->dma->iommu, size, attrs, NULL);
	size_t len = npages << DMK_PAGE_SHIFT;
	unsigned int order = dmk_get_order(len);
	bool warn = !(attrs & DMK_ATTR_NO_WARN);
	dmk_phys_t phys;
	void *cpu, *va;

	cpu = plat->ops->alloc_pages(plat->ctx, order, ~(dmk_phys_t)0, &phys);
	if (!cpu) {
		if (warn)
			dmk_log(plat, DMK_LOG_WARN,
				"%s: iommu: no free block of %zu bytes for a coherent buffer",
				dev->name, (size_t)(DMK_PAGE_SIZE << order));
		return NULL;
	}
	va = cpu;
	if (dev->coherent || (attrs & DMK_ATTR_NO_KERNEL_MAPPING))
		memset(cpu, 0, len);
	if (!dev->coherent) {
		prep_coherent(plat, phys, DMK_PAGE_SIZE << order);
		if (!(attrs & DMK_ATTR_NO_KERNEL_MAPPING))
			va = dmk_common_contiguous_remap(
				dev, phys, len, dmk_dma_pgprot(false, attrs));
		if (!va) {
			if (warn)
				dmk_log(plat, DMK_LOG_ERR,
					"%s: iommu: no non-cacheable mapping for a non-coherent device",
					dev->name);
			goto err_free;
		}
		if (va != cpu)
			memset(va, 0, len);
	}
	*dma_handle = iommu_map_range(dev, phys, len,
				      dir_to_prot(DMK_DMA_BIDIRECTIONAL, attrs),
				      dev->coherent_dma_mask, attrs);
	if (*dma_handle != DMK_MAPPING_ERROR)
		return va;
	if (va != cpu)
		dmk_common_free_remap(dev, va, len);
err_free:
	plat->ops->free_pages(plat->ctx, phys, order);
	return NULL;
}

/*
 * iommu_dma_alloc(): remapped chunks unless the caller forces one
 * block or the platform cannot remap (Linux without CONFIG_DMA_REMAP
 * had only the block).  Each failure logs one line, none with
 * DMK_ATTR_NO_WARN.
 */
static void *iommu_dma_alloc(struct dmk_device *dev, size_t size,
			     dmk_addr_t *dma_handle, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (!dev->dma->iommu)
		return NULL;
	if (plat->ops->vmap && !(attrs & DMK_ATTR_FORCE_CONTIGUOUS))
		return iommu_dma_alloc_remap(dev, size, dma_handle, attrs);
	return iommu_dma_alloc_contiguous(dev, size, dma_handle, attrs);
}

/* iommu_dma_free(): what the allocation took, by how it was built. */
static void iommu_dma_free(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	size_t npages, len;
	dmk_phys_t phys;

	if (!dom)
		return;
	npages = coherent_pages(dom, size, attrs, NULL);
	len = npages << DMK_PAGE_SHIFT;
	if (!iova_known(dev, dma_handle, len, "free"))
		return;
	if (dom->chunk[(dma_handle - dom->base) >> DMK_PAGE_SHIFT]) {
		if (!(attrs & DMK_ATTR_NO_KERNEL_MAPPING))
			plat->ops->vunmap(plat->ctx, cpu_addr);
		release_chunks(dev, dma_handle, npages);
		return;
	}
	phys = iova_to_phys(dom, dma_handle);
	iommu_unmap_range(dev, dma_handle, len);
	if (!dev->coherent && !(attrs & DMK_ATTR_NO_KERNEL_MAPPING))
		dmk_common_free_remap(dev, cpu_addr, len);
	plat->ops->free_pages(plat->ctx, phys, dmk_get_order(len));
}

/*
 * iommu_dma_alloc_noncontiguous(): the chunks of a remapped buffer
 * without the CPU range, zeroed; one device segment, one CPU entry per
 * chunk (Linux's sg_alloc_table_from_pages
 * also joins chunks that happen to be adjacent).
 */
static int iommu_dma_alloc_noncontiguous(struct dmk_device *dev, size_t size,
					 struct dmk_sg_table *sgt,
					 enum dmk_data_direction dir,
					 unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_iommu_domain *dom = dev->dma->iommu;
	uint64_t orders, iova = 0;
	unsigned int n;
	const char *why;
	size_t npages;

	(void)dir;
	if (!dom)
		return -DMK_EINVAL;
	npages = coherent_pages(dom, size, attrs, &orders);
	if (npages == 0 || npages > UINT32_MAX)
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(npages * sizeof(*sgt->sgl));
	if (!sgt->sgl) {
		why = "no memory for its table";
		goto err_log;
	}
	n = alloc_noncontiguous(dev, npages, orders, sgt->sgl, true, attrs,
				&iova, &why);
	if (!n) {
		dmk_env_free(sgt->sgl);
		sgt->sgl = NULL;
		goto err_log;
	}
	/* One segment for the device; the CPU's entries stay as they are. */
	sgt->orig_nents = n;
	sgt->nents = 1;
	sgt->sgl[0].dma_address = iova;
	sgt->sgl[0].dma_length = (uint32_t)(npages << DMK_PAGE_SHIFT);
	for (unsigned int i = 1; i < n; i++) {
		sgt->sgl[i].dma_address = DMK_MAPPING_ERROR;
		sgt->sgl[i].dma_length = 0;
	}
	return 0;

err_log:
	/* One line for the caller's one failure, none with NO_WARN. */
	if (!(attrs & DMK_ATTR_NO_WARN))
		dmk_log(plat, DMK_LOG_WARN,
			"%s: iommu: non-contiguous allocation of %zu bytes failed: %s",
			dev->name, size, why);
	return -DMK_ENOMEM;
}

static void iommu_dma_free_noncontiguous(struct dmk_device *dev, size_t size,
					 struct dmk_sg_table *sgt,
					 enum dmk_data_direction dir)
{
	const struct dmk_platform *plat = dev_plat(dev);
	size_t len;

	(void)dir;
	if (!dev->dma->iommu)
		return;
	len = coherent_pages(dev->dma->iommu, size, 0, NULL) << DMK_PAGE_SHIFT;
	if (iova_known(dev, sgt->sgl[0].dma_address, len, "free_noncontiguous"))
		iommu_unmap_range(dev, sgt->sgl[0].dma_address, len);
	for (unsigned int i = 0; i < sgt->orig_nents; i++)
		plat->ops->free_pages(plat->ctx, sgt->sgl[i].phys,
				      dmk_get_order(sgt->sgl[i].length));
}

/* iommu_dma_opt_mapping_size(): the largest size Linux's IOVA range
 * caches keep (PAGE_SIZE << (IOVA_RANGE_CACHE_MAX_SIZE - 1)); dmakit's
 * allocator has no caches, but a driver tuned on Linux expects it. */
static size_t iommu_dma_opt_mapping_size(void)
{
	return DMK_PAGE_SIZE << 5;
}

/* Any mask works: the IOVA allocator honours it (iommu-dma has no hook). */
static int iommu_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	(void)dev;
	return mask >= DMK_PAGE_SIZE - 1;
}

static size_t iommu_dma_max_mapping_size(struct dmk_device *dev)
{
	(void)dev;
	return SIZE_MAX;
}

const struct dmk_dma_map_ops dmk_iommu_dma_ops = {
	.name = "iommu",
	.alloc = iommu_dma_alloc,
	.free = iommu_dma_free,
	.map_page = iommu_dma_map_page,
	.unmap_page = iommu_dma_unmap_page,
	.map_sg = iommu_dma_map_sg,
	.unmap_sg = iommu_dma_unmap_sg,
	.sync_single_for_cpu = iommu_dma_sync_for_cpu,
	.sync_single_for_device = iommu_dma_sync_for_device,
	.sync_sg_for_cpu = iommu_dma_sync_sg_for_cpu,
	.sync_sg_for_device = iommu_dma_sync_sg_for_device,
	.dma_supported = iommu_dma_supported,
	.max_mapping_size = iommu_dma_max_mapping_size,
	.alloc_pages_op = dmk_common_alloc_pages,
	.free_pages = dmk_common_free_pages,
	.alloc_noncontiguous = iommu_dma_alloc_noncontiguous,
	.free_noncontiguous = iommu_dma_free_noncontiguous,
	.map_resource = iommu_dma_map_resource,
	.unmap_resource = iommu_dma_unmap_resource,
	.opt_mapping_size = iommu_dma_opt_mapping_size,
	.get_sgtable = iommu_dma_get_sgtable,
};
