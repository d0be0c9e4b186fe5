/* SPDX-License-Identifier: MIT */
/*
 * Coherent allocations from a pool: what a device behind a restricted
 * pool (DT restricted-dma-pool) gets from dma_alloc_coherent, whole
 * pages that are never bounced (Linux's swiotlb_alloc and swiotlb_free
 * in kernel/dma/swiotlb.c, CONFIG_DMA_RESTRICTED_POOL).  The slots come
 * from the same allocator as bounce mappings; the head record says
 * "allocation", so an unmap or sync of one is refused.
 */
#include "records.h"
#include "slots.h"

/*
 * Whole pages, aligned to the allocation's power-of-two size as Linux's
 * swiotlb_alloc does, zeroed: a pool shared by devices must not hand one
 * device's old bounce data to another.
 */
void *dmk_swiotlb_alloc(struct dmk_swiotlb *pool, size_t size, dmk_phys_t *phys)
{
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	struct swiotlb_req req = {0};
	unsigned int order;
	long slot;
	uint8_t *va;

	if (!pool || !size || !phys || bytes > MAX_MAPPING)
		return NULL;
	order = dmk_get_order(bytes);
	req.nslots = (unsigned int)(bytes >> DMK_IO_TLB_SHIFT);
	req.stride = (uint64_t)DMK_PAGE_SIZE / DMK_IO_TLB_SIZE << order;
	req.boundary = ~0ULL;
	slot = dmk_swiotlb_find_slots(pool, &req);
	if (slot < 0)
		return NULL;
	write_records(pool, (size_t)slot, req.nslots, 0, 0, bytes, 0, true);
	*phys = slot_phys(pool, (size_t)slot);
	va = pool->va + ((size_t)slot << DMK_IO_TLB_SHIFT);
	memset(va, 0, bytes);
	return va;
}

bool dmk_swiotlb_free_alloc(struct dmk_swiotlb *pool, dmk_phys_t phys,
			    size_t size)
{
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	struct swiotlb_mapping m;

	if (!pool || !dmk_is_swiotlb_buffer(pool, phys))
		return false;
	/* From here on it is the pool's memory: never let the caller free
	 * it elsewhere, even when the call is wrong. */
	if (!find_mapping(pool, (phys - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    !m.alloc || slot_phys(pool, m.head) != phys) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: free of 0x%llx which is not an allocation of the pool, ignored",
			(unsigned long long)phys);
		return true;
	}
	if (bytes != m.size)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: free of 0x%llx with size %zu, allocated with %zu",
			(unsigned long long)phys, size, m.size);
	dmk_swiotlb_release_slots(pool, m.head, m.nslots);
	return true;
}
