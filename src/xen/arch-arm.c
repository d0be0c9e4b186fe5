/* SPDX-License-Identifier: MIT */
/*
 * 32-bit ARM: xen_alloc_coherent_pages is the native ARM allocator for
 * the device, chosen by its coherency (Linux's arm_dma_ops.alloc or
 * arm_coherent_dma_ops.alloc): a non-coherent device gets pages it sees
 * through a non-cacheable mapping, because free pages are cacheable and
 * its DMA never meets the CPU's cache.
 *
 * Also here, for both ARM flavours (arch/arm/xen/mm.c): the reason ARM
 * has to bounce.
 */
#include "xen-internal.h"

static void *arm_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				      dmk_addr_t *dma_handle,
				      unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_direct_ops_for(dev);

	if (!ops->alloc)
		return NULL;
	return ops->alloc(dev, size, dma_handle, attrs);
}

static void arm_free_coherent_pages(struct dmk_device *dev, size_t size,
				    void *cpu_addr, dmk_addr_t dma_handle,
				    unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_direct_ops_for(dev);

	if (ops->free)
		ops->free(dev, size, cpu_addr, dma_handle, attrs);
}

/*
 * xen_arch_need_swiotlb: a foreign page cannot be cleaned or invalidated
 * by the guest for a non-coherent device; without GNTTABOP_cache_flush
 * the only safe way is a bounce through local memory.
 */
bool dmk_xen_arm_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size)
{
	struct dmk_xen *xen = dev_xen(dev);
	uint64_t first = phys >> DMK_PAGE_SHIFT;
	uint64_t last = (phys + (size ? size - 1 : 0)) >> DMK_PAGE_SHIFT;

	if (xen->cache_flush || dev->coherent)
		return false;
	for (uint64_t pfn = first; pfn <= last; pfn++)
		if (dmk_xen_pfn_is_foreign(xen, pfn))
			return true;
	return false;
}

const struct dmk_xen_arch dmk_xen_arch_arm = {
	.name = "arm",
	.alloc_coherent_pages = arm_alloc_coherent_pages,
	.free_coherent_pages = arm_free_coherent_pages,
	.need_swiotlb = dmk_xen_arm_need_swiotlb,
};
