/* SPDX-License-Identifier: MIT */
/*
 * swiotlb-xen: the dma_map_ops of a guest whose "physical" addresses
 * are not the machine addresses its devices need (Linux's
 * drivers/xen/swiotlb-xen.c).
 *
 * A device gets bfn << 12 plus the offset in the 4 KiB Xen page plus its
 * own dma-ranges offset.  A buffer goes to the device directly when the
 * guest knows its frames, they are machine-contiguous, within the
 * device's reach, the architecture has no reason to bounce, and the
 * device is not forced to; otherwise it goes through the device's bounce
 * pool: the system's, whose segments swiotlb-xen-fixup.c made
 * machine-contiguous, or the device's restricted-dma-pool, which is
 * machine memory at the address the tree names (Linux's
 * swiotlb_tbl_map_single takes dev->dma_io_tlb_mem, and
 * is_swiotlb_force_bounce is true for such a device).  A restricted
 * pool is accepted only where its guest frames are those machine frames
 * (dmk_xen_restricted_pool_check).
 *
 * Cache maintenance for a non-coherent device is done page by page on
 * the bus range: the guest's own pages (bounce slots included, the pool
 * is ordinary cacheable memory) by the arch's maintenance on their
 * guest-physical address, foreign pages by GNTTABOP_cache_flush since
 * the guest cannot clean what it does not map cacheably as its own.
 */
#include "xen-internal.h"
#include "../ops-helpers.h"

#define XEN_PAGE_MASK DMK_XEN_PAGE_MASK

/* ---- addresses ---- */

dmk_maddr_t dmk_xen_phys_to_maddr(struct dmk_xen *xen, dmk_phys_t phys)
{
	uint64_t bfn = dmk_xen_p2m_pfn_to_bfn(xen, phys >> DMK_PAGE_SHIFT);

	if (bfn == DMK_INVALID_BFN)
		return DMK_MADDR_INVALID;
	return (dmk_maddr_t){(bfn << DMK_PAGE_SHIFT) | (phys & ~XEN_PAGE_MASK)};
}

dmk_phys_t dmk_xen_maddr_to_phys(struct dmk_xen *xen, dmk_maddr_t ma)
{
	uint64_t pfn = dmk_xen_p2m_bfn_to_pfn(xen, ma.maddr >> DMK_PAGE_SHIFT);

	if (pfn == DMK_INVALID_BFN)
		return DMK_PHYS_ERROR;
	return (pfn << DMK_PAGE_SHIFT) | (ma.maddr & ~XEN_PAGE_MASK);
}

/* xen_phys_to_dma / xen_dma_to_phys. */
dmk_addr_t dmk_xen_phys_to_dma(struct dmk_device *dev, dmk_phys_t phys)
{
	return dmk_xen_maddr_to_dma(dev,
				    dmk_xen_phys_to_maddr(dev_xen(dev), phys));
}

dmk_phys_t dmk_xen_dma_to_phys(struct dmk_device *dev, dmk_addr_t addr)
{
	return dmk_xen_maddr_to_phys(dev_xen(dev),
				     dmk_xen_dma_to_maddr(dev, addr));
}

/*
 * range_straddles_page_boundary: the Xen pages of [phys, phys + size)
 * are not machine-contiguous, or the guest does not know where they are.
 */
bool dmk_xen_range_straddles(struct dmk_xen *xen, dmk_phys_t phys, size_t size)
{
	uint64_t pfn = phys >> DMK_PAGE_SHIFT;
	uint64_t nr = ((phys & ~XEN_PAGE_MASK) + size + DMK_PAGE_SIZE - 1) >>
		      DMK_PAGE_SHIFT;
	uint64_t bfn = dmk_xen_p2m_pfn_to_bfn(xen, pfn);

	if (bfn == DMK_INVALID_BFN)
		return true;
	for (uint64_t i = 1; i < nr; i++)
		if (dmk_xen_p2m_pfn_to_bfn(xen, pfn + i) != bfn + i)
			return true;
	return false;
}

static bool is_xen_swiotlb_buffer(struct dmk_device *dev, dmk_addr_t addr)
{
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);
	dmk_phys_t phys;

	if (!pool)
		return false;
	phys = dmk_xen_dma_to_phys(dev, addr);
	return phys != DMK_PHYS_ERROR && dmk_is_swiotlb_buffer(pool, phys);
}

/* ---- cache maintenance ---- */

static void cache_flush_page(struct dmk_xen *xen, dmk_maddr_t ma,
			     unsigned int offset, unsigned int len, uint32_t op)
{
	struct gnttab_cache_flush cf;
	long rc;

	memset(&cf, 0, sizeof(cf));
	cf.a.dev_bus_addr = ma.maddr & XEN_PAGE_MASK;
	cf.offset = (uint16_t)offset;
	cf.length = (uint16_t)len;
	cf.op = op;
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_cache_flush, &cf, 1);
	dmk_atomic_fetch_add(&xen->cache_flush_calls, 1, DMK_ORDER_RELAXED);
	if (rc)
		dmk_log(xen->plat, DMK_LOG_WARN,
			"swiotlb-xen: GNTTABOP_cache_flush of %#llx+%u failed (%ld)",
			(unsigned long long)ma.maddr, len, rc);
}

struct maint {
	struct dmk_device *dev;
	struct dmk_xen *xen;
	enum dmk_data_direction dir;
	bool for_device;
	dmk_phys_t run; /* pending run of local guest-physical bytes */
	size_t run_len;
};

static void maint_flush_run(struct maint *m)
{
	const struct dmk_platform *plat = m->xen->plat;

	if (!m->run_len)
		return;
	if (m->for_device)
		dmk_arch_sync_for_device(plat, m->run, m->run_len, m->dir);
	else
		dmk_arch_sync_for_cpu(plat, m->run, m->run_len, m->dir);
	m->run_len = 0;
}

static void maint_local(struct maint *m, dmk_phys_t phys, size_t len)
{
	if (m->run_len && m->run + m->run_len == phys) {
		m->run_len += len;
		return;
	}
	maint_flush_run(m);
	m->run = phys;
	m->run_len = len;
}

/* Linux's xen_dma_sync_for_cpu / _for_device, one call per Xen page. */
static void maint_foreign(struct maint *m, dmk_maddr_t ma, size_t len)
{
	uint32_t op;

	maint_flush_run(m);
	if (!m->xen->cache_flush)
		return;
	if (m->for_device)
		op = m->dir == DMK_DMA_FROM_DEVICE ? GNTTAB_CACHE_INVAL
						   : GNTTAB_CACHE_CLEAN;
	else
		op = GNTTAB_CACHE_INVAL;
	cache_flush_page(m->xen, ma, (unsigned int)(ma.maddr & ~XEN_PAGE_MASK),
			 (unsigned int)len, op);
}

static void xen_maint(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		      enum dmk_data_direction dir, bool for_device)
{
	struct maint m = {.dev = dev,
			  .xen = dev_xen(dev),
			  .dir = dir,
			  .for_device = for_device};

	if (dev->coherent)
		return;
	/* For the CPU, a buffer the device only read needs nothing. */
	if (!for_device && dir == DMK_DMA_TO_DEVICE)
		return;
	while (size) {
		dmk_maddr_t ma = dmk_xen_dma_to_maddr(dev, addr);
		size_t len = DMK_PAGE_SIZE - (ma.maddr & ~XEN_PAGE_MASK);
		dmk_phys_t phys = dmk_xen_maddr_to_phys(m.xen, ma);

		if (len > size)
			len = size;
		if (phys != DMK_PHYS_ERROR &&
		    !dmk_xen_pfn_is_foreign(m.xen, phys >> DMK_PAGE_SHIFT))
			maint_local(&m, phys, len);
		else
			maint_foreign(&m, ma, len);
		addr += len;
		size -= len;
	}
	maint_flush_run(&m);
}

/* ---- streaming ---- */

static bool reachable(struct dmk_device *dev, dmk_addr_t addr, size_t size)
{
	return addr != DMK_MAPPING_ERROR &&
	       dmk_dma_capable(dev, addr, size, true);
}

static dmk_addr_t bounce(struct dmk_device *dev, dmk_phys_t phys, size_t size,
			 enum dmk_data_direction dir, unsigned long attrs)
{
	struct dmk_xen *xen = dev_xen(dev);
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);
	dmk_phys_t map;
	dmk_addr_t addr;

	/* DMK_ATTR_REQUIRE_COHERENT: the device must see the buffer itself. */
	if (attrs & DMK_ATTR_REQUIRE_COHERENT)
		return DMK_MAPPING_ERROR;
	if (!pool) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"swiotlb-xen: %s: %#llx+%zu needs a bounce and there is no pool",
			dev->name, (unsigned long long)phys, size);
		return DMK_MAPPING_ERROR;
	}
	map = dmk_swiotlb_tbl_map_single(pool, dev, phys, size, 0, dir, attrs);
	if (map == DMK_PHYS_ERROR)
		return DMK_MAPPING_ERROR;
	addr = dmk_xen_phys_to_dma(dev, map);
	if (!reachable(dev, addr, size)) {
		dmk_log(xen->plat, DMK_LOG_WARN,
			"swiotlb-xen: %s: bounce %#llx+%zu overflow (mask %#llx, bus limit %#llx)",
			dev->name, (unsigned long long)addr, size,
			(unsigned long long)dev->dma_mask,
			(unsigned long long)dev->bus_dma_limit);
		dmk_swiotlb_tbl_unmap_single(pool, dev, map, size, dir,
					     attrs | DMK_ATTR_SKIP_CPU_SYNC);
		return DMK_MAPPING_ERROR;
	}
	dmk_atomic_fetch_add(&xen->bounced, 1, DMK_ORDER_RELAXED);
	dmk_count_bounce(dev, size);
	return addr;
}

static bool map_direct(struct dmk_device *dev, dmk_phys_t phys, size_t size,
		       dmk_addr_t addr)
{
	struct dmk_xen *xen = dev_xen(dev);

	return reachable(dev, addr, size) &&
	       !dmk_xen_range_straddles(xen, phys, size) &&
	       !xen->arch->need_swiotlb(dev, phys, size) &&
	       !dmk_is_swiotlb_force_bounce(dev);
}

static dmk_addr_t xen_swiotlb_map_page(struct dmk_device *dev, dmk_phys_t phys,
				       size_t size, enum dmk_data_direction dir,
				       unsigned long attrs)
{
	dmk_addr_t addr;

	if (!dev_xen(dev) || !dmk_dir_valid(dir))
		return DMK_MAPPING_ERROR;
	addr = dmk_xen_phys_to_dma(dev, phys);
	if (!map_direct(dev, phys, size, addr)) {
		addr = bounce(dev, phys, size, dir, attrs);
		if (addr == DMK_MAPPING_ERROR)
			return addr;
	}
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		xen_maint(dev, addr, size, dir, true);
	return addr;
}

static void xen_swiotlb_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
				   size_t size, enum dmk_data_direction dir,
				   unsigned long attrs)
{
	if (!dev_xen(dev))
		return;
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		xen_maint(dev, addr, size, dir, false);
	if (is_xen_swiotlb_buffer(dev, addr))
		dmk_swiotlb_tbl_unmap_single(dmk_dev_swiotlb(dev), dev,
					     dmk_xen_dma_to_phys(dev, addr),
					     size, dir, attrs);
}

static void xen_swiotlb_sync_single_for_cpu(struct dmk_device *dev,
					    dmk_addr_t addr, size_t size,
					    enum dmk_data_direction dir)
{
	if (!dev_xen(dev))
		return;
	xen_maint(dev, addr, size, dir, false);
	if (is_xen_swiotlb_buffer(dev, addr))
		dmk_swiotlb_sync_single_for_cpu(dmk_dev_swiotlb(dev),
						dmk_xen_dma_to_phys(dev, addr),
						size, dir);
}

static void xen_swiotlb_sync_single_for_device(struct dmk_device *dev,
					       dmk_addr_t addr, size_t size,
					       enum dmk_data_direction dir)
{
	if (!dev_xen(dev))
		return;
	if (is_xen_swiotlb_buffer(dev, addr))
		dmk_swiotlb_sync_single_for_device(
			dmk_dev_swiotlb(dev), dmk_xen_dma_to_phys(dev, addr),
			size, dir);
	xen_maint(dev, addr, size, dir, true);
}

static void xen_swiotlb_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg,
				 int nents, enum dmk_data_direction dir,
				 unsigned long attrs)
{
	dmk_sg_unmap_each(dev, sg, nents, dir, attrs, xen_swiotlb_unmap_page);
}

static int xen_swiotlb_map_sg(struct dmk_device *dev, struct dmk_sg *sg,
			      int nents, enum dmk_data_direction dir,
			      unsigned long attrs)
{
	int mapped =
		dmk_sg_map_each(dev, sg, nents, dir, attrs,
				xen_swiotlb_map_page, xen_swiotlb_unmap_page);

	/* As Linux's xen_swiotlb_map_sg: a failed list has no DMA length. */
	if (mapped != nents)
		sg[0].dma_length = 0;
	return mapped;
}

static void xen_swiotlb_sync_sg_for_cpu(struct dmk_device *dev,
					struct dmk_sg *sg, int nents,
					enum dmk_data_direction dir)
{
	dmk_sg_sync_each(dev, sg, nents, dir, xen_swiotlb_sync_single_for_cpu);
}

static void xen_swiotlb_sync_sg_for_device(struct dmk_device *dev,
					   struct dmk_sg *sg, int nents,
					   enum dmk_data_direction dir)
{
	dmk_sg_sync_each(dev, sg, nents, dir,
			 xen_swiotlb_sync_single_for_device);
}

/* ---- coherent ---- */

static bool coherent_reachable(struct dmk_device *dev, dmk_addr_t addr,
			       size_t size)
{
	dmk_addr_t last = addr + size - 1;

	if (addr == DMK_MAPPING_ERROR || last > dev->coherent_dma_mask)
		return false;
	return !dev->bus_dma_limit || last <= dev->bus_dma_limit;
}

/*
 * Linux's range_requires_alignment(): the guest gave a buffer aligned to
 * its order, as dma_alloc_coherent promises, but the bus frames behind
 * it are not, so the bus address would not be.  An exchange returns an
 * extent of that order, which Xen aligns naturally.
 */
static bool range_requires_alignment(dmk_phys_t phys, dmk_addr_t addr,
				     size_t size)
{
	uint64_t align = (uint64_t)DMK_PAGE_SIZE << dmk_get_order(size);

	return !(phys & (align - 1)) && (addr & (align - 1));
}

/*
 * Make the buffer at phys machine-contiguous within the coherent mask
 * and remember that it was (Linux's PageXenRemapped) so that free
 * reverses it.  Returns the bus address or DMK_MAPPING_ERROR.
 */
static dmk_addr_t remap_coherent(struct dmk_device *dev, dmk_phys_t phys,
				 size_t size, unsigned int order)
{
	struct dmk_xen *xen = dev_xen(dev);
	unsigned int bits = dmk_fls64(dev->coherent_dma_mask);
	dmk_maddr_t ma;
	dmk_addr_t addr;

	if (dmk_xen_contig_create(xen, phys, order, bits, &ma))
		return DMK_MAPPING_ERROR;
	addr = dmk_xen_maddr_to_dma(dev, ma);
	if (!coherent_reachable(dev, addr, size) ||
	    dmk_xen_rangemap_insert(&xen->remapped, phys >> DMK_PAGE_SHIFT,
				    1ULL << order, order,
				    DMK_XEN_FRAME_PINNED)) {
		dmk_xen_contig_destroy(xen, phys, order);
		return DMK_MAPPING_ERROR;
	}
	return addr;
}

static void unremap_coherent(struct dmk_device *dev, dmk_phys_t phys)
{
	struct dmk_xen *xen = dev_xen(dev);
	uint64_t pfn = phys >> DMK_PAGE_SHIFT;
	uint64_t order;

	if (!dmk_xen_rangemap_lookup(&xen->remapped, pfn, &order, NULL) ||
	    dmk_xen_rangemap_remove(&xen->remapped, pfn, order))
		return;
	dmk_xen_contig_destroy(xen, phys, (unsigned int)order);
}

static void *xen_swiotlb_alloc(struct dmk_device *dev, size_t size,
			       dmk_addr_t *dma_handle, unsigned long attrs)
{
	unsigned int order;
	dmk_addr_t native, addr;
	dmk_phys_t phys;
	void *cpu;

	if (!dev_xen(dev) || !size)
		return NULL;
	size = (size + DMK_PAGE_SIZE - 1) & XEN_PAGE_MASK;
	order = dmk_get_order(size);
	cpu = dmk_xen_alloc_coherent_pages(dev, size, &native, attrs);
	if (!cpu)
		return NULL;
	/* The native allocators speak phys + bus_offset (IPA for PA). */
	phys = dmk_dma_to_phys(dev, native);
	addr = dmk_xen_phys_to_dma(dev, phys);
	/*
	 * A non-cacheable alias the native allocator made names guest
	 * frames (platform.h), so it follows the exchange like stage 2.
	 * A restricted pool's slots (where dma-direct takes such a
	 * device's coherent memory) are machine memory where they are
	 * (dmk_xen_restricted_pool_check): the exchange is never needed.
	 */
	if (!coherent_reachable(dev, addr, size) ||
	    dmk_xen_range_straddles(dev_xen(dev), phys, size) ||
	    range_requires_alignment(phys, addr, size)) {
		addr = remap_coherent(dev, phys, size, order);
		if (addr == DMK_MAPPING_ERROR) {
			/* Linux returns NULL silently here; the exchange
			 * (or its bookkeeping) failed, so say it once. */
			if (!(attrs & DMK_ATTR_NO_WARN))
				dmk_log(dev_plat(dev), DMK_LOG_WARN,
					"swiotlb-xen: %s: cannot make %zu bytes at %#llx machine-contiguous within mask %#llx",
					dev->name, size,
					(unsigned long long)phys,
					(unsigned long long)
						dev->coherent_dma_mask);
			goto fail;
		}
	}
	if (!(attrs & DMK_ATTR_NO_KERNEL_MAPPING))
		memset(cpu, 0, size);
	*dma_handle = addr;
	return cpu;
fail:
	dmk_xen_free_coherent_pages(dev, size, cpu, native, attrs);
	return NULL;
}

static void xen_swiotlb_free(struct dmk_device *dev, size_t size,
			     void *cpu_addr, dmk_addr_t dma_handle,
			     unsigned long attrs)
{
	dmk_phys_t phys;

	if (!dev_xen(dev))
		return;
	size = (size + DMK_PAGE_SIZE - 1) & XEN_PAGE_MASK;
	phys = dmk_xen_dma_to_phys(dev, dma_handle);
	if (phys == DMK_PHYS_ERROR) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"swiotlb-xen: %s: free of unknown buffer %#llx",
			dev->name, (unsigned long long)dma_handle);
		return;
	}
	unremap_coherent(dev, phys);
	dmk_xen_free_coherent_pages(dev, size, cpu_addr,
				    dmk_phys_to_dma(dev, phys), attrs);
}

/* ---- limits ---- */

static int xen_swiotlb_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);
	dmk_phys_t start, end;
	dmk_addr_t last;
	void *va;

	if (!dev_xen(dev))
		return 0;
	if (!pool)
		return 1;
	dmk_swiotlb_span(pool, &start, &end, &va);
	last = dmk_xen_phys_to_dma(dev, end - 1);
	return last != DMK_MAPPING_ERROR && last <= mask;
}

static size_t xen_swiotlb_max_mapping_size(struct dmk_device *dev)
{
	return dmk_swiotlb_max_mapping_size(dev);
}

/* dma_common_get_sgtable(), from the bus address: the CPU address of a
 * non-coherent device's buffer is a non-cacheable alias. */
static int xen_swiotlb_get_sgtable(struct dmk_device *dev,
				   struct dmk_sg_table *sgt, void *cpu_addr,
				   dmk_addr_t dma_addr, size_t size,
				   unsigned long attrs)
{
	dmk_phys_t phys = dmk_xen_dma_to_phys(dev, dma_addr);

	(void)cpu_addr;
	(void)attrs;
	if (phys == DMK_PHYS_ERROR)
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(sizeof(*sgt->sgl));
	if (!sgt->sgl)
		return -DMK_ENOMEM;
	sgt->sgl[0].phys = phys;
	sgt->sgl[0].length =
		(uint32_t)((size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1));
	sgt->nents = sgt->orig_nents = 1;
	return 0;
}

const struct dmk_dma_map_ops dmk_xen_swiotlb_dma_ops = {
	.name = "xen-swiotlb",
	.alloc = xen_swiotlb_alloc,
	.free = xen_swiotlb_free,
	.map_page = xen_swiotlb_map_page,
	.unmap_page = xen_swiotlb_unmap_page,
	.map_sg = xen_swiotlb_map_sg,
	.unmap_sg = xen_swiotlb_unmap_sg,
	.sync_single_for_cpu = xen_swiotlb_sync_single_for_cpu,
	.sync_single_for_device = xen_swiotlb_sync_single_for_device,
	.sync_sg_for_cpu = xen_swiotlb_sync_sg_for_cpu,
	.sync_sg_for_device = xen_swiotlb_sync_sg_for_device,
	.dma_supported = xen_swiotlb_dma_supported,
	.max_mapping_size = xen_swiotlb_max_mapping_size,
	/* As Linux's table: the common page allocator over map_page, and
	 * MMIO translated as dma-direct does (it is 1:1 in the p2m). */
	.alloc_pages_op = dmk_common_alloc_pages,
	.free_pages = dmk_common_free_pages,
	.map_resource = dmk_direct_map_resource,
	.get_sgtable = xen_swiotlb_get_sgtable,
};
