/* SPDX-License-Identifier: MIT */
/*
 * x86: xen_alloc_coherent_pages is free pages (arch/x86/include/asm/
 * xen/page-coherent.h).  Every x86 device snoops the CPU caches, so any
 * cacheable page is coherent for it; what Xen adds is only machine
 * contiguity and reach, which swiotlb-xen obtains afterwards with
 * xen_create_contiguous_region.
 */
#include "xen-internal.h"

static void *x86_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				      dmk_addr_t *dma_handle,
				      unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	dmk_phys_t phys;
	void *va;

	va = plat->ops->alloc_pages(plat->ctx, dmk_get_order(size),
				    ~(dmk_phys_t)0, &phys);
	if (!va) {
		/* The page allocator's warning, which NO_WARN silences. */
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"swiotlb-xen: %s: no free block of %zu bytes for a coherent buffer",
				dev->name, size);
		return NULL;
	}
	/* The native view, as every arch hook answers: phys + bus_offset. */
	*dma_handle = dmk_phys_to_dma(dev, phys);
	return va;
}

static void x86_free_coherent_pages(struct dmk_device *dev, size_t size,
				    void *cpu_addr, dmk_addr_t dma_handle,
				    unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);

	(void)cpu_addr;
	(void)attrs;
	plat->ops->free_pages(plat->ctx, dmk_dma_to_phys(dev, dma_handle),
			      dmk_get_order(size));
}

/* x86 has no reason of its own to bounce: its devices are coherent. */
static bool x86_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			     size_t size)
{
	(void)dev;
	(void)phys;
	(void)size;
	return false;
}

const struct dmk_xen_arch dmk_xen_arch_x86 = {
	.name = "x86",
	.alloc_coherent_pages = x86_alloc_coherent_pages,
	.free_coherent_pages = x86_free_coherent_pages,
	.need_swiotlb = x86_need_swiotlb,
};
