/* SPDX-License-Identifier: MIT */
/*
 * Bouncing: map a buffer through the pool, unmap it, sync part of it
 * (Linux's swiotlb_tbl_map_single, swiotlb_tbl_unmap_single,
 * swiotlb_sync_single_for_device/_for_cpu and swiotlb_bounce in
 * kernel/dma/swiotlb.c), and the largest mapping a device may ask for.
 * The caller does the cache maintenance; the pool only copies.
 *
 * This is the hot path (~28 ns per 64-byte map+unmap, docs/benchmarks.md):
 * the records (records.h) and a thread's parked run (park.h) are inline
 * here; the search and the release (slots.c) are called only when the
 * parked run does not serve.
 */
#include "dynamic.h"
#include "park.h"
#include "records.h"
#include "slots.h"

enum bounce_dir { BOUNCE_TO_SLOT, BOUNCE_TO_ORIG };

/*
 * Copy [tlb, tlb + size) between the bounce buffer and the original,
 * clipped to the mapping tlb lies in: a sync that runs past the end is
 * cut there with a warning, one outside any mapping copies nothing.
 */
static void bounce(struct dmk_swiotlb *root, dmk_phys_t tlb, size_t size,
		   enum bounce_dir dir)
{
	struct dmk_swiotlb *pool = dyn_pool_of(root, tlb);
	struct swiotlb_mapping m;
	dmk_phys_t first;
	size_t delta;
	uint8_t *slot, *orig;

	if (!pool ||
	    !find_mapping(pool, (tlb - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    m.alloc) {
		dmk_log(root->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu outside any mapping, ignored",
			(unsigned long long)tlb, size);
		return;
	}
	first = slot_phys(pool, m.head) + m.offset;
	if (tlb < first || tlb - first >= m.size) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu outside mapping 0x%llx+%zu, ignored",
			(unsigned long long)tlb, size,
			(unsigned long long)first, m.size);
		return;
	}
	delta = tlb - first;
	if (size > m.size - delta) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu runs past mapping 0x%llx+%zu, cut to %zu bytes",
			(unsigned long long)tlb, size,
			(unsigned long long)first, m.size, m.size - delta);
		size = m.size - delta;
	}
	slot = pool->va + (tlb - pool->start);
	orig = dmk_phys_to_virt(pool->plat, m.orig + delta);
	if (dir == BOUNCE_TO_SLOT)
		memcpy(slot, orig, size);
	else
		memcpy(orig, slot, size);
}

/* The smallest 2^k - 1 covering x (masks are treated as contiguous). */
static inline uint64_t round_mask(uint64_t x)
{
	unsigned int k = dmk_fls64(x);

	return k >= 64 ? ~0ULL : (1ULL << k) - 1;
}

/*
 * Alignment of the slot run: bits 11.. of the head's bus address must
 * be zero under the alloc alignment and equal the original's under the
 * high part of min_align_mask above it (Linux's iotlb_align_mask, the
 * bits not kept by the offset).  Both are taken as contiguous low masks.
 */
static void req_align(struct swiotlb_req *req, uint64_t align_mask,
		      uint64_t min_align_high, dmk_phys_t orig)
{
	uint64_t mask =
		round_mask(align_mask | min_align_high) >> DMK_IO_TLB_SHIFT;

	if (mask >= (1ULL << 52))
		mask = (1ULL << 52) - 1;
	req->stride = mask + 1;
	req->residue =
		((orig & min_align_high & ~align_mask) >> DMK_IO_TLB_SHIFT) &
		mask;
}

/*
 * Can the CPU copy [orig, orig + size) into a slot?  Only if every page
 * is RAM with a struct page (pfn_valid): MMIO, a peer device's BAR or
 * an address outside the linear map has nothing to copy from, and Linux
 * (dma_direct_map_phys since 6.18: an MMIO address is never bounced)
 * refuses the mapping.  dmk_map_resource is the way to map MMIO.
 */
static __attribute__((__noinline__)) bool
orig_pages_are_ram(const struct dmk_swiotlb *pool, dmk_phys_t orig, size_t size,
		   unsigned long attrs)
{
	dmk_phys_t last = (orig + size - 1) >> DMK_PAGE_SHIFT;

	for (dmk_phys_t pfn = orig >> DMK_PAGE_SHIFT; pfn <= last; pfn++) {
		if (dmk_plat_page_is_ram(pool->plat, pfn << DMK_PAGE_SHIFT))
			continue;
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(pool->plat, DMK_LOG_WARN,
				"swiotlb: 0x%llx+%zu is not RAM (page 0x%llx): not bounced; map MMIO with dmk_map_resource",
				(unsigned long long)orig, size,
				(unsigned long long)(pfn << DMK_PAGE_SHIFT));
		return false;
	}
	return true;
}

/*
 * Inline, only the common answer: on a platform without phys_is_ram the
 * RAM is one span, two compares.  The page walk (and the warning) is out
 * of line: inlined, it cost every bounce about 35 instructions, most of
 * them spills around the call.
 */
static inline bool orig_is_ram(const struct dmk_swiotlb *pool, dmk_phys_t orig,
			       size_t size, unsigned long attrs)
{
	const struct dmk_platform *plat = pool->plat;

	if (__builtin_expect(!plat->ops->phys_is_ram, 1) &&
	    orig >= plat->ram_start && orig < plat->ram_end &&
	    size <= plat->ram_end - orig)
		return true;
	return orig_pages_are_ram(pool, orig, size, attrs);
}

/*
 * The run a mapping needs, in slots, and where its first byte goes from
 * the run's start (Linux 6.10's swiotlb_align_offset and
 * swiotlb_tbl_map_single): the offset is the original's bits under
 * min_align_mask that are within a slot (low, rounded up to 2^j - 1:
 * the one-slot record keeps j) or also under alloc_align_mask (*align,
 * taken as its contiguous cover).  Bits of it above a slot are whole
 * padding slots at the head of the run; without them the run's
 * alignment would zero those bits of the bounce address (bit 11 with
 * both masks 0xfff).  The run is ALIGN(size + offset, alloc_align_mask
 * + 1): its end is rounded up too, so that an IOMMU granule holds
 * nothing but this mapping.  0 when no segment can hold it (an
 * alignment of a segment or more leaves no room for anything else).
 * Without alloc_align_mask (every caller on the hot path) this is the
 * offset within the slot and the slots it covers, as before.
 */
static inline unsigned int run_slots(dmk_phys_t orig, size_t mapping_size,
				     uint64_t low, uint64_t high,
				     unsigned int alloc_align_mask,
				     uint64_t *align, size_t *offset)
{
	size_t off = (size_t)(orig & low);
	size_t unit;

	if (__builtin_expect(!alloc_align_mask, 1)) {
		*offset = off;
		*align = 0;
		if (mapping_size > MAX_MAPPING - off)
			return 0;
		return (unsigned int)((off + mapping_size + SLOT_MASK) >>
				      DMK_IO_TLB_SHIFT);
	}
	*align = round_mask(alloc_align_mask);
	if (*align >= MAX_MAPPING)
		return 0;
	off |= (size_t)(orig & high & *align);
	*offset = off;
	if (mapping_size > MAX_MAPPING - off)
		return 0;
	unit = (size_t)*align | SLOT_MASK;
	return (unsigned int)(((off + mapping_size + unit) & ~unit) >>
			      DMK_IO_TLB_SHIFT);
}

dmk_phys_t dmk_swiotlb_tbl_map_single(struct dmk_swiotlb *pool,
				      struct dmk_device *dev, dmk_phys_t orig,
				      size_t mapping_size,
				      unsigned int alloc_align_mask,
				      enum dmk_data_direction dir,
				      unsigned long attrs)
{
	uint64_t min_align = dev ? dev->min_align_mask : 0;
	uint64_t low = round_mask(min_align & SLOT_MASK);
	uint64_t high = min_align & ~(uint64_t)SLOT_MASK;
	unsigned int j = dmk_fls64(low);
	uint64_t align;
	size_t offset;
	struct swiotlb_req req;
	unsigned int nslots;
	long slot;
	dmk_phys_t tlb;

	if (!pool || !mapping_size || !dmk_dir_valid(dir))
		return DMK_PHYS_ERROR;
	nslots = run_slots(orig, mapping_size, low, high, alloc_align_mask,
			   &align, &offset);
	if (!nslots) {
		dmk_swiotlb_report_full(pool, mapping_size, attrs);
		return DMK_PHYS_ERROR;
	}
	/* The one-record form holds originals below 2^40 only. */
	if (nslots == 1 && orig >> REC_SINGLE_ORIG_BITS)
		nslots = 2;
	if (orig > REC_MULTI_ORIG_MASK) {
		dmk_log(pool->plat, DMK_LOG_ERR,
			"swiotlb: original 0x%llx beyond 53 bits, not bounced",
			(unsigned long long)orig);
		return DMK_PHYS_ERROR;
	}
	if (!orig_is_ram(pool, orig, mapping_size, attrs))
		return DMK_PHYS_ERROR;
	/* Page alignment for a page or more when nothing else is asked
	 * (Linux since 6.9: it must not fight the min_align_mask bits). */
	if (!align && !high && mapping_size >= DMK_PAGE_SIZE)
		align = DMK_PAGE_SIZE - 1;

	req.nslots = nslots;
	req.bus_offset = dev ? dev->bus_offset : 0;
	req.boundary = dev ? dev->seg_boundary_mask : ~0ULL;
	req.bytes = mapping_size;
	req.crowded = false;
	req_align(&req, align, high, orig);

	slot = park_take(pool, &req);
	if (slot < 0)
		slot = dmk_swiotlb_find_slots(pool, &req);
	if (__builtin_expect(slot < 0, 0)) {
		/* A dynamic swiotlb's other pools, or a transient one. */
		struct dmk_swiotlb *root = pool;

		pool = root->dyn ? dmk_swiotlb_dyn_find(root->dyn, dev, &req,
							&slot)
				 : NULL;
		if (!pool) {
			dmk_swiotlb_report_full(root, mapping_size, attrs);
			return DMK_PHYS_ERROR;
		}
	} else if (__builtin_expect(req.crowded, 0)) {
		struct swiotlb_dyn *w =
			dmk_atomic_load(&pool->watch, DMK_ORDER_RELAXED);

		if (w)
			dmk_swiotlb_dyn_kick(w);
	}
	if (dmk_atomic_load(&pool->warned, DMK_ORDER_RELAXED))
		dmk_atomic_store(&pool->warned, false, DMK_ORDER_RELAXED);

	write_records(pool, (size_t)slot, nslots, orig, (unsigned int)offset,
		      mapping_size, j, false);
	tlb = slot_phys(pool, (size_t)slot) + offset;
	/* Every direction: a device that writes less than the whole
	 * buffer must not expose what the slot held before (CVE-2022-0854
	 * was the leak of stale bounce data). */
	memcpy(pool->va + (tlb - pool->start),
	       dmk_phys_to_virt(pool->plat, orig), mapping_size);
	return tlb;
}

void dmk_swiotlb_tbl_unmap_single(struct dmk_swiotlb *pool,
				  struct dmk_device *dev, dmk_phys_t tlb,
				  size_t mapping_size,
				  enum dmk_data_direction dir,
				  unsigned long attrs)
{
	struct dmk_swiotlb *root = pool;
	struct swiotlb_mapping m;
	dmk_phys_t first;
	size_t copy;

	(void)dev;
	if (!pool)
		return;
	if (__builtin_expect(!in_pool(pool, tlb), 0))
		pool = pool->dyn ? dyn_lookup(pool->dyn, tlb) : NULL;
	if (!pool ||
	    !find_mapping(pool, (tlb - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    m.alloc) {
		dmk_log(root->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx+%zu which is not mapped, ignored",
			(unsigned long long)tlb, mapping_size);
		return;
	}
	first = slot_phys(pool, m.head) + m.offset;
	if (tlb != first) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx is inside mapping 0x%llx+%zu, not its start; ignored",
			(unsigned long long)tlb, (unsigned long long)first,
			m.size);
		return;
	}
	copy = mapping_size < m.size ? mapping_size : m.size;
	if (mapping_size != m.size)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx with size %zu, mapped with %zu",
			(unsigned long long)tlb, mapping_size, m.size);
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL))
		memcpy(dmk_phys_to_virt(pool->plat, m.orig),
		       pool->va + (tlb - pool->start), copy);
	if (m.nslots <= PARK_MAX_SLOTS && !pool->transient) {
		/* No mapping from here on, parked or freed (the tails
		 * lead to the head, and the head now says so). */
		rec_set(pool, m.head, REC_NONE);
		if (park_put(pool, m.head, m.nslots))
			return;
	}
	if (!dmk_swiotlb_release_slots(pool, m.head, m.nslots))
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx raced with another unmap",
			(unsigned long long)tlb);
	else if (pool->transient)
		dmk_swiotlb_dyn_free_transient(root->dyn, pool);
}

void dmk_swiotlb_sync_single_for_device(struct dmk_swiotlb *pool,
					dmk_phys_t tlb, size_t size,
					enum dmk_data_direction dir)
{
	if (!pool)
		return;
	if (dir == DMK_DMA_TO_DEVICE || dir == DMK_DMA_BIDIRECTIONAL)
		bounce(pool, tlb, size, BOUNCE_TO_SLOT);
	else if (dir != DMK_DMA_FROM_DEVICE)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx with direction %d",
			(unsigned long long)tlb, (int)dir);
}

void dmk_swiotlb_sync_single_for_cpu(struct dmk_swiotlb *pool, dmk_phys_t tlb,
				     size_t size, enum dmk_data_direction dir)
{
	if (!pool)
		return;
	if (dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL)
		bounce(pool, tlb, size, BOUNCE_TO_ORIG);
	else if (dir != DMK_DMA_TO_DEVICE)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx with direction %d",
			(unsigned long long)tlb, (int)dir);
}

size_t dmk_swiotlb_max_mapping_size(struct dmk_device *dev)
{
	uint64_t mask = dev ? dev->min_align_mask : 0;
	size_t min_align = 0;

	/* As Linux: room for the worst offset min_align_mask can ask for. */
	if (mask)
		min_align = (size_t)((mask + DMK_IO_TLB_SIZE) & ~SLOT_MASK);
	if (min_align >= MAX_MAPPING)
		return 0;
	return MAX_MAPPING - min_align;
}
