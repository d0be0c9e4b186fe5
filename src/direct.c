/* SPDX-License-Identifier: MIT */
/*
 * dma-direct, arm64 flavour (Linux's kernel/dma/direct.c together with
 * arch/arm64/mm/dma-mapping.c).
 *
 * Two tables share one implementation.  The TABLE, not dev->coherent,
 * decides whether caches are maintained: the table is the device's own
 * ops, so a device given the wrong one really gets wrong bytes.
 *
 * The bounce pool (swiotlb) is ordinary cacheable RAM.  For a
 * non-coherent device the slot the device really reads and writes gets
 * the maintenance, not the original buffer (2013 series, patch 13).
 */
#include "contiguous.h"
#include "direct.h"
#include "internal.h"
#include "remap.h"
#include "swiotlb.h"

static inline uint64_t dmk_min_not_zero(uint64_t a, uint64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

static inline size_t page_align(size_t size)
{
	return (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
}

/* ---- the primitives other files share ---- */

dmk_addr_t dmk_translate_phys_to_dma(struct dmk_device *dev, dmk_phys_t phys)
{
	const struct dmk_bus_dma_region *r = dev->dma->range_map;

	for (unsigned int i = 0; i < dev->dma->nr_ranges; i++)
		if (phys - r[i].cpu_start < r[i].size)
			return r[i].dma_start + (phys - r[i].cpu_start);
	return DMK_MAPPING_ERROR;
}

dmk_phys_t dmk_translate_dma_to_phys(struct dmk_device *dev, dmk_addr_t addr)
{
	const struct dmk_bus_dma_region *r = dev->dma->range_map;

	for (unsigned int i = 0; i < dev->dma->nr_ranges; i++)
		if (addr - r[i].dma_start < r[i].size)
			return r[i].cpu_start + (addr - r[i].dma_start);
	return DMK_PHYS_ERROR;
}

bool dmk_dma_capable(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		     bool is_ram)
{
	dmk_addr_t end = addr + size - 1;

	/* Linux uses is_ram only where dma_addr_t is 32-bit: never here. */
	(void)is_ram;
	if (addr == DMK_MAPPING_ERROR || size == 0 || end < addr)
		return false;
	return end <= dmk_min_not_zero(dev->dma_mask, dev->bus_dma_limit);
}

static void cache_maint(const struct dmk_platform *plat, dmk_phys_t phys,
			size_t size, enum dmk_cache_op op)
{
	if (plat->ops->cache_maint)
		plat->ops->cache_maint(plat->ctx, phys, size, op);
}

/*
 * arm64 cleans for the device whatever the direction: a FROM_DEVICE
 * buffer may hold dirty lines that would otherwise be evicted over what
 * the device writes.
 */
void dmk_arch_sync_for_device(const struct dmk_platform *plat, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir)
{
	(void)dir;
	cache_maint(plat, phys, size, DMK_CACHE_CLEAN);
}

/* What the device only read cannot be stale: nothing to drop. */
void dmk_arch_sync_for_cpu(const struct dmk_platform *plat, dmk_phys_t phys,
			   size_t size, enum dmk_data_direction dir)
{
	if (dir == DMK_DMA_TO_DEVICE)
		return;
	cache_maint(plat, phys, size, DMK_CACHE_INVAL);
}

const struct dmk_dma_map_ops *dmk_direct_ops_for(struct dmk_device *dev)
{
	return dev->coherent ? &dmk_direct_coherent_ops
			     : &dmk_direct_noncoherent_ops;
}

/* ---- streaming ---- */

/* The pool a bus address of this device lies in, or NULL. */
static struct dmk_swiotlb *bounce_pool_of(struct dmk_device *dev,
					  dmk_phys_t phys)
{
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);

	return pool && dmk_is_swiotlb_buffer(pool, phys) ? pool : NULL;
}

static void warn_overflow(struct dmk_device *dev, const char *what,
			  dmk_addr_t addr, size_t size, unsigned long attrs)
{
	if (attrs & DMK_ATTR_NO_WARN)
		return;
	dmk_log(dev_plat(dev), DMK_LOG_WARN,
		"%s: %s addr 0x%llx+%zu overflow (mask %llx, bus limit %llx)",
		dev->name, what, (unsigned long long)addr, size,
		(unsigned long long)dev->dma_mask,
		(unsigned long long)dev->bus_dma_limit);
}

/* swiotlb_map(): bounce, then make sure the device can reach the slot. */
static dmk_addr_t bounce_map(struct dmk_device *dev, struct dmk_swiotlb *pool,
			     dmk_phys_t phys, size_t size,
			     enum dmk_data_direction dir, unsigned long attrs,
			     bool coherent)
{
	dmk_phys_t tlb;
	dmk_addr_t dma;

	tlb = dmk_swiotlb_tbl_map_single(pool, dev, phys, size, 0, dir, attrs);
	if (tlb == DMK_PHYS_ERROR)
		return DMK_MAPPING_ERROR;

	dma = dmk_phys_to_dma(dev, tlb);
	if (!dmk_dma_capable(dev, dma, size, true) ||
	    !dmk_dma_range_contiguous(dev, tlb, dma, size)) {
		dmk_swiotlb_tbl_unmap_single(pool, dev, tlb, size, dir,
					     attrs | DMK_ATTR_SKIP_CPU_SYNC);
		warn_overflow(dev, "swiotlb", dma, size, attrs);
		return DMK_MAPPING_ERROR;
	}
	if (!coherent && !(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		dmk_arch_sync_for_device(dev_plat(dev), tlb, size, dir);
	dmk_count_bounce(dev, size);
	return dma;
}

/*
 * DMK_ATTR_REQUIRE_COHERENT: the buffer must be the device's own, so a
 * mapping that would bounce fails instead (Linux 7.0's dma-direct).
 */
static bool require_coherent(struct dmk_device *dev, dmk_phys_t phys,
			     size_t size, unsigned long attrs)
{
	if (!(attrs & DMK_ATTR_REQUIRE_COHERENT))
		return false;
	dmk_log(dev_plat(dev), DMK_LOG_WARN,
		"%s: 0x%llx+%zu would bounce and is mapped with REQUIRE_COHERENT",
		dev->name, (unsigned long long)phys, size);
	return true;
}

static dmk_addr_t direct_map(struct dmk_device *dev, dmk_phys_t phys,
			     size_t size, enum dmk_data_direction dir,
			     unsigned long attrs, bool coherent)
{
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);
	dmk_addr_t dma = dmk_phys_to_dma(dev, phys);

	if (pool && dmk_is_swiotlb_force_bounce(dev))
		return require_coherent(dev, phys, size, attrs)
			       ? DMK_MAPPING_ERROR
			       : bounce_map(dev, pool, phys, size, dir, attrs,
					    coherent);

	if (!dmk_dma_capable(dev, dma, size, true) ||
	    !dmk_dma_range_contiguous(dev, phys, dma, size)) {
		if (pool && !require_coherent(dev, phys, size, attrs))
			return bounce_map(dev, pool, phys, size, dir, attrs,
					  coherent);
		if (pool)
			return DMK_MAPPING_ERROR;
		warn_overflow(dev, "DMA", dma, size, attrs);
		return DMK_MAPPING_ERROR;
	}

	if (!coherent && !(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		dmk_arch_sync_for_device(dev_plat(dev), phys, size, dir);
	return dma;
}

/* Invalidate before copying back, so the copy reads what the device
 * wrote and not a stale line of the slot. */
static void direct_sync_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
				size_t size, enum dmk_data_direction dir,
				bool coherent)
{
	dmk_phys_t phys = dmk_dma_to_phys(dev, addr);
	struct dmk_swiotlb *pool = bounce_pool_of(dev, phys);

	if (!coherent)
		dmk_arch_sync_for_cpu(dev_plat(dev), phys, size, dir);
	if (pool)
		dmk_swiotlb_sync_single_for_cpu(pool, phys, size, dir);
}

/* Copy into the slot first, then clean what the copy dirtied. */
static void direct_sync_for_device(struct dmk_device *dev, dmk_addr_t addr,
				   size_t size, enum dmk_data_direction dir,
				   bool coherent)
{
	dmk_phys_t phys = dmk_dma_to_phys(dev, addr);
	struct dmk_swiotlb *pool = bounce_pool_of(dev, phys);

	if (pool)
		dmk_swiotlb_sync_single_for_device(pool, phys, size, dir);
	if (!coherent)
		dmk_arch_sync_for_device(dev_plat(dev), phys, size, dir);
}

static void direct_sync_sg_for_cpu(struct dmk_device *dev, struct dmk_sg *sg,
				   int nents, enum dmk_data_direction dir,
				   bool coherent)
{
	for (int i = 0; i < nents; i++)
		direct_sync_for_cpu(dev, sg[i].dma_address, sg[i].dma_length,
				    dir, coherent);
}

static void direct_sync_sg_for_device(struct dmk_device *dev, struct dmk_sg *sg,
				      int nents, enum dmk_data_direction dir,
				      bool coherent)
{
	for (int i = 0; i < nents; i++)
		direct_sync_for_device(dev, sg[i].dma_address, sg[i].dma_length,
				       dir, coherent);
}

static void direct_unmap(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			 enum dmk_data_direction dir, unsigned long attrs,
			 bool coherent)
{
	dmk_phys_t phys = dmk_dma_to_phys(dev, addr);
	struct dmk_swiotlb *pool = bounce_pool_of(dev, phys);

	if (!coherent && !(attrs & DMK_ATTR_SKIP_CPU_SYNC))
		dmk_arch_sync_for_cpu(dev_plat(dev), phys, size, dir);
	/* The pool copies back unless SKIP_CPU_SYNC, after the invalidate. */
	if (pool)
		dmk_swiotlb_tbl_unmap_single(pool, dev, phys, size, dir, attrs);
}

static void direct_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir,
			    unsigned long attrs, bool coherent)
{
	for (int i = 0; i < nents; i++)
		direct_unmap(dev, sg[i].dma_address, sg[i].dma_length, dir,
			     attrs, coherent);
}

static int direct_map_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			 enum dmk_data_direction dir, unsigned long attrs,
			 bool coherent)
{
	for (int i = 0; i < nents; i++) {
		sg[i].dma_address = direct_map(dev, sg[i].phys, sg[i].length,
					       dir, attrs, coherent);
		if (sg[i].dma_address == DMK_MAPPING_ERROR) {
			/* The CPU never touched these: no sync, no copy. */
			direct_unmap_sg(dev, sg, i, dir,
					attrs | DMK_ATTR_SKIP_CPU_SYNC,
					coherent);
			return 0;
		}
		sg[i].dma_length = sg[i].length;
	}
	return nents;
}

/* ---- coherent allocations ---- */

/*
 * The highest CPU address whose bus address is at or below bus_limit, in
 * the region r (or with bus_offset when r is NULL); 0 with *none set
 * when no CPU address of it is.  Unsigned throughout: a bus below the
 * CPU address (a "negative" offset) is as valid as one above.
 */
static dmk_phys_t phys_top(struct dmk_device *dev,
			   const struct dmk_bus_dma_region *r,
			   uint64_t bus_limit, bool *none)
{
	int64_t off = (int64_t)dev->bus_offset;
	uint64_t span;

	*none = false;
	if (!r) {
		/* bus = cpu + bus_offset, the offset signed. */
		if (off >= 0) {
			*none = bus_limit < (uint64_t)off;
			return *none ? 0 : bus_limit - (uint64_t)off;
		}
		return bus_limit + (uint64_t)-off < bus_limit
			       ? ~0ULL
			       : bus_limit + (uint64_t)-off;
	}
	*none = bus_limit < r->dma_start;
	if (*none)
		return 0;
	span = r->size - 1;
	if (bus_limit - r->dma_start < span)
		span = bus_limit - r->dma_start;
	return r->cpu_start + span;
}

/* Linux's dma_coherent_ok(): the whole buffer is reachable. */
static bool coherent_ok(struct dmk_device *dev, dmk_phys_t phys, size_t size,
			uint64_t bus_limit)
{
	dmk_addr_t dma = dmk_phys_to_dma(dev, phys);

	return dma != DMK_MAPPING_ERROR && dma + size - 1 >= dma &&
	       dma + size - 1 <= bus_limit &&
	       dmk_dma_range_contiguous(dev, phys, dma, size);
}

/*
 * Pages the device can reach with its coherent mask: from its
 * restricted pool if it has one, else from the platform below the CPU
 * address the mask and dma-ranges give.  With a dma_range_map that has
 * holes, the pages below one region's top may land in a hole: like
 * __dma_direct_alloc_pages retrying in a lower zone, each region's top
 * is tried in turn, highest first, until the pages are reachable.
 *
 * A failure says so in one line, none with DMK_ATTR_NO_WARN: the page
 * allocator's warning that Linux's __GFP_NOWARN silences, and for a
 * restricted pool the line swiotlb_alloc leaves to its caller.
 */
static void *alloc_reachable_pages(struct dmk_device *dev, size_t size,
				   dmk_phys_t *phys, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	const struct dmk_bus_dma_region *map = dev->dma->range_map;
	unsigned int nr = map ? dev->dma->nr_ranges : 1;
	bool warn = !(attrs & DMK_ATTR_NO_WARN);
	uint64_t bus_limit;
	dmk_phys_t tried = 0;
	bool first = true;

	if (dev->dma->restricted_pool) {
		void *va = dmk_swiotlb_alloc(dev->dma->restricted_pool, size,
					     phys);

		if (!va && warn)
			dmk_log(plat, DMK_LOG_WARN,
				"%s: restricted pool: no room for a coherent buffer of %zu bytes",
				dev->name, size);
		return va;
	}

	bus_limit =
		dmk_min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit);
	/* __dma_direct_alloc_pages: a contiguous area first, if the device
	 * reaches the block; else the page allocator. */
	if (dmk_alloc_contiguous(dev, size, phys)) {
		if (coherent_ok(dev, *phys, size, bus_limit))
			return dmk_phys_to_virt(plat, *phys);
		dmk_free_contiguous(dev, *phys, size);
	}
	for (unsigned int n = 0; n < nr; n++) {
		dmk_phys_t best = 0;
		bool found = false, none;

		/* The highest region top not tried yet. */
		for (unsigned int i = 0; i < nr; i++) {
			dmk_phys_t top = phys_top(dev, map ? &map[i] : NULL,
						  bus_limit, &none);

			if (!none && (first || top < tried) &&
			    (!found || top > best)) {
				best = top;
				found = true;
			}
		}
		if (!found)
			break;
		tried = best;
		first = false;
		void *cpu = plat->ops->alloc_pages(
			plat->ctx, dmk_get_order(size), best, phys);
		if (!cpu)
			continue;
		if (coherent_ok(dev, *phys, size, bus_limit))
			return cpu;
		plat->ops->free_pages(plat->ctx, *phys, dmk_get_order(size));
	}
	if (!warn)
		return NULL;
	if (first)
		dmk_log(plat, DMK_LOG_WARN,
			"%s: coherent mask 0x%llx reaches no memory (bus limit 0x%llx)",
			dev->name, (unsigned long long)dev->coherent_dma_mask,
			(unsigned long long)dev->bus_dma_limit);
	else
		dmk_log(plat, DMK_LOG_WARN,
			"%s: no free block of %zu bytes within the coherent mask 0x%llx",
			dev->name, size,
			(unsigned long long)dev->coherent_dma_mask);
	return NULL;
}

static void free_reachable_pages(struct dmk_device *dev, dmk_phys_t phys,
				 size_t size)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (dev->dma->restricted_pool &&
	    dmk_swiotlb_free_alloc(dev->dma->restricted_pool, phys, size))
		return;
	if (dmk_free_contiguous(dev, phys, size))
		return;
	plat->ops->free_pages(plat->ctx, phys, dmk_get_order(size));
}

/*
 * A non-coherent device's coherent buffer is a non-cacheable view, as
 * Linux's dma_direct_alloc remaps it: the cacheable alias is cleaned
 * and invalidated, so that no dirty or stale line of it can later be
 * written back over what the device puts in DRAM (arm64's
 * arch_dma_prep_coherent only cleans; the invalidate costs nothing here
 * and removes the speculative-refill question altogether), then the
 * view is made with dma_pgprot's type (remap.c: the platform's vmap,
 * write-combining with DMK_ATTR_WRITE_COMBINE, or map_uncached) and
 * zeroed through it, as Linux zeroes through the remapped address.
 * Zeroing through the cacheable alias before the clean would only reach
 * DRAM for the lines the store made dirty.
 *
 * DMK_ATTR_NO_KERNEL_MAPPING returns the cacheable alias as a cookie the
 * driver must never dereference: 32-bit ARM Linux's swiotlb-xen once did,
 * and here that would read through the cache, which is exactly the bug.
 */
static void *direct_alloc(struct dmk_device *dev, size_t size,
			  dmk_addr_t *dma_handle, unsigned long attrs,
			  bool coherent)
{
	const struct dmk_platform *plat = dev_plat(dev);
	size_t bytes = page_align(size);
	dmk_phys_t phys;
	void *cpu, *uncached;

	cpu = alloc_reachable_pages(dev, bytes, &phys, attrs);
	if (!cpu)
		return NULL;
	*dma_handle = dmk_phys_to_dma(dev, phys);
	if (coherent || (attrs & DMK_ATTR_NO_KERNEL_MAPPING))
		memset(cpu, 0, bytes);
	if (coherent)
		return cpu;

	cache_maint(plat, phys, bytes, DMK_CACHE_CLEAN_INVAL);
	if (attrs & DMK_ATTR_NO_KERNEL_MAPPING)
		return cpu;
	if (!plat->ops->vmap && !plat->ops->map_uncached) {
		dmk_log(plat, DMK_LOG_ERR,
			"%s: platform has no non-cacheable mappings for a non-coherent device",
			dev->name);
		goto err_free;
	}
	uncached = dmk_common_contiguous_remap(dev, phys, bytes,
					       dmk_dma_pgprot(false, attrs));
	if (!uncached) {
		/* vmap's "allocation failed", which __GFP_NOWARN silences. */
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_ERR,
				"%s: cannot map %zu bytes at 0x%llx non-cacheable",
				dev->name, bytes, (unsigned long long)phys);
		goto err_free;
	}
	memset(uncached, 0, bytes);
	return uncached;

err_free:
	free_reachable_pages(dev, phys, bytes);
	*dma_handle = DMK_MAPPING_ERROR;
	return NULL;
}

static void direct_free(struct dmk_device *dev, size_t size, void *cpu_addr,
			dmk_addr_t dma_handle, unsigned long attrs,
			bool coherent)
{
	size_t bytes = page_align(size);

	if (!coherent && !(attrs & DMK_ATTR_NO_KERNEL_MAPPING))
		dmk_common_free_remap(dev, cpu_addr, bytes);
	free_reachable_pages(dev, dmk_dma_to_phys(dev, dma_handle), bytes);
}

/* ---- pages the driver syncs, and MMIO ---- */

/*
 * dma_direct_alloc_pages(): pages the device reaches with its coherent
 * mask (or from its restricted pool), cacheable, zeroed; the caller
 * maintains them with syncs, so there is no non-cacheable view here.
 */
void *dmk_direct_alloc_pages(struct dmk_device *dev, size_t size,
			     dmk_addr_t *dma_handle,
			     enum dmk_data_direction dir, unsigned long attrs)
{
	size_t bytes = page_align(size);
	dmk_phys_t phys;
	void *cpu;

	(void)dir;
	cpu = alloc_reachable_pages(dev, bytes, &phys, attrs);
	if (!cpu)
		return NULL;
	memset(cpu, 0, bytes);
	*dma_handle = dmk_phys_to_dma(dev, phys);
	return cpu;
}

void dmk_direct_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, enum dmk_data_direction dir)
{
	(void)cpu_addr;
	(void)dir;
	free_reachable_pages(dev, dmk_dma_to_phys(dev, dma_handle),
			     page_align(size));
}

/*
 * dma_direct_map_resource(): the address as the device's bus sees it,
 * if within its reach; no bounce (a bounce buffer is RAM, the
 * resource is not), no cache maintenance.  Linux passes the physical
 * address through untranslated; dmakit translates it through the
 * device's dma-ranges as it does RAM (Serge Semin's 2022 proposal),
 * since a peer's BAR sits behind the same bus windows.
 */
dmk_addr_t dmk_direct_map_resource(struct dmk_device *dev, dmk_phys_t phys,
				   size_t size, enum dmk_data_direction dir,
				   unsigned long attrs)
{
	dmk_addr_t dma = dmk_phys_to_dma(dev, phys);

	(void)dir;
	if (!dmk_dma_capable(dev, dma, size, false) ||
	    !dmk_dma_range_contiguous(dev, phys, dma, size)) {
		warn_overflow(dev, "resource", dma, size, attrs);
		return DMK_MAPPING_ERROR;
	}
	return dma;
}

/* dma_direct_need_sync(): caches to maintain, or a bounce slot to copy. */
bool dmk_direct_need_sync(struct dmk_device *dev, dmk_addr_t addr,
			  bool coherent)
{
	return !coherent ||
	       bounce_pool_of(dev, dmk_dma_to_phys(dev, addr)) != NULL;
}

/* ---- masks and limits ---- */

/*
 * Linux's dma_direct_supported(): a 32-bit mask is always fine (every
 * platform is expected to have memory there); a smaller one must at
 * least reach the lowest page of RAM, where coherent allocations can
 * come from, and either all of RAM or the bounce pool for streaming.
 */
static int direct_supported(struct dmk_device *dev, uint64_t mask)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct dmk_swiotlb *pool = dmk_dev_swiotlb(dev);
	dmk_phys_t last_ram = plat->ram_end > plat->ram_start
				      ? plat->ram_end - 1
				      : plat->ram_start;
	dmk_phys_t pool_start, pool_end;
	void *va;

	dmk_addr_t first =
		dmk_phys_to_dma(dev, plat->ram_start + DMK_PAGE_SIZE - 1);
	dmk_addr_t last = dmk_phys_to_dma(dev, last_ram);

	if (mask >= DMK_BIT_MASK(32))
		return 1;
	/* A first page no region reaches: as translate_phys_to_dma's
	 * error value, no mask is enough. */
	if (first == DMK_MAPPING_ERROR || mask < first)
		return 0;
	if (last != DMK_MAPPING_ERROR && mask >= last)
		return 1;
	if (!pool)
		return 0;
	dmk_swiotlb_span(pool, &pool_start, &pool_end, &va);
	return mask >= dmk_phys_to_dma(dev, pool_end - 1);
}

/* dma_addressing_limited(): some RAM lies beyond the device's reach. */
static bool addressing_limited(struct dmk_device *dev)
{
	const struct dmk_platform *plat = dev_plat(dev);
	dmk_phys_t last_ram = plat->ram_end > plat->ram_start
				      ? plat->ram_end - 1
				      : plat->ram_start;

	dmk_addr_t last = dmk_phys_to_dma(dev, last_ram);

	return last == DMK_MAPPING_ERROR ||
	       dmk_min_not_zero(dev->dma_mask, dev->bus_dma_limit) < last;
}

bool dmk_direct_addressing_limited(struct dmk_device *dev)
{
	return addressing_limited(dev);
}

/*
 * dma_direct_get_required_mask(): the all-ones mask that covers the bus
 * address of the last byte of RAM.
 */
uint64_t dmk_direct_get_required_mask(struct dmk_device *dev)
{
	const struct dmk_platform *plat = dev_plat(dev);
	dmk_phys_t last_ram = plat->ram_end > plat->ram_start
				      ? plat->ram_end - 1
				      : plat->ram_start;
	dmk_addr_t max = dmk_phys_to_dma(dev, last_ram);

	if (max == DMK_MAPPING_ERROR)
		return ~0ULL;
	return DMK_BIT_MASK(dmk_fls64(max));
}

static size_t direct_max_mapping_size(struct dmk_device *dev)
{
	if (dmk_dev_swiotlb(dev) &&
	    (dmk_is_swiotlb_force_bounce(dev) || addressing_limited(dev)))
		return dmk_swiotlb_max_mapping_size(dev);
	return SIZE_MAX;
}

/*
 * The two tables.  Each hook only says which flavour it is and the
 * shared code above does the work, so one macro writes both sets: the
 * flavour is part of the table, not read from the device.
 */
#define DEFINE_DIRECT_OPS(flavour, is_coherent)                                \
	static dmk_addr_t flavour##_map_page(                                  \
		struct dmk_device *dev, dmk_phys_t phys, size_t size,          \
		enum dmk_data_direction dir, unsigned long attrs)              \
	{                                                                      \
		return direct_map(dev, phys, size, dir, attrs, is_coherent);   \
	}                                                                      \
	static void flavour##_unmap_page(                                      \
		struct dmk_device *dev, dmk_addr_t addr, size_t size,          \
		enum dmk_data_direction dir, unsigned long attrs)              \
	{                                                                      \
		direct_unmap(dev, addr, size, dir, attrs, is_coherent);        \
	}                                                                      \
	static int flavour##_map_sg(struct dmk_device *dev, struct dmk_sg *sg, \
				    int nents, enum dmk_data_direction dir,    \
				    unsigned long attrs)                       \
	{                                                                      \
		return direct_map_sg(dev, sg, nents, dir, attrs, is_coherent); \
	}                                                                      \
	static void flavour##_unmap_sg(                                        \
		struct dmk_device *dev, struct dmk_sg *sg, int nents,          \
		enum dmk_data_direction dir, unsigned long attrs)              \
	{                                                                      \
		direct_unmap_sg(dev, sg, nents, dir, attrs, is_coherent);      \
	}                                                                      \
	static void flavour##_sync_single_for_cpu(                             \
		struct dmk_device *dev, dmk_addr_t addr, size_t size,          \
		enum dmk_data_direction dir)                                   \
	{                                                                      \
		direct_sync_for_cpu(dev, addr, size, dir, is_coherent);        \
	}                                                                      \
	static void flavour##_sync_single_for_device(                          \
		struct dmk_device *dev, dmk_addr_t addr, size_t size,          \
		enum dmk_data_direction dir)                                   \
	{                                                                      \
		direct_sync_for_device(dev, addr, size, dir, is_coherent);     \
	}                                                                      \
	static void flavour##_sync_sg_for_cpu(struct dmk_device *dev,          \
					      struct dmk_sg *sg, int nents,    \
					      enum dmk_data_direction dir)     \
	{                                                                      \
		direct_sync_sg_for_cpu(dev, sg, nents, dir, is_coherent);      \
	}                                                                      \
	static void flavour##_sync_sg_for_device(struct dmk_device *dev,       \
						 struct dmk_sg *sg, int nents, \
						 enum dmk_data_direction dir)  \
	{                                                                      \
		direct_sync_sg_for_device(dev, sg, nents, dir, is_coherent);   \
	}                                                                      \
	static void *flavour##_alloc(struct dmk_device *dev, size_t size,      \
				     dmk_addr_t *dma_handle,                   \
				     unsigned long attrs)                      \
	{                                                                      \
		return direct_alloc(dev, size, dma_handle, attrs,              \
				    is_coherent);                              \
	}                                                                      \
	static void flavour##_free(struct dmk_device *dev, size_t size,        \
				   void *cpu_addr, dmk_addr_t dma_handle,      \
				   unsigned long attrs)                        \
	{                                                                      \
		direct_free(dev, size, cpu_addr, dma_handle, attrs,            \
			    is_coherent);                                      \
	}                                                                      \
	const struct dmk_dma_map_ops dmk_direct_##flavour##_ops = {            \
		.name = "direct-" #flavour,                                    \
		.map_page = flavour##_map_page,                                \
		.unmap_page = flavour##_unmap_page,                            \
		.map_sg = flavour##_map_sg,                                    \
		.unmap_sg = flavour##_unmap_sg,                                \
		.sync_single_for_cpu = flavour##_sync_single_for_cpu,          \
		.sync_single_for_device = flavour##_sync_single_for_device,    \
		.sync_sg_for_cpu = flavour##_sync_sg_for_cpu,                  \
		.sync_sg_for_device = flavour##_sync_sg_for_device,            \
		.alloc = flavour##_alloc,                                      \
		.free = flavour##_free,                                        \
		.dma_supported = direct_supported,                             \
		.max_mapping_size = direct_max_mapping_size,                   \
	}

DEFINE_DIRECT_OPS(coherent, true);
DEFINE_DIRECT_OPS(noncoherent, false);
