/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the Xen layer (src/xen/, written in parallel) with just
 * what mapping.c relies on: the per-device wrapper of the PER_DEVICE
 * design, dmk_xen_wraps, and an identity bfn_to_pfn (a 1:1 dom0).  The
 * wrapper forwards to the device's native ops, as swiotlb-xen does for
 * allocation and cache maintenance.
 */
#include "internal.h"

#include <dmakit/xen.h>

static dmk_addr_t wrap_map_page(struct dmk_device *dev, dmk_phys_t phys,
				size_t size, enum dmk_data_direction dir,
				unsigned long attrs)
{
	return dev->native_ops->map_page(dev, phys, size, dir, attrs);
}

static void wrap_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs)
{
	dev->native_ops->unmap_page(dev, addr, size, dir, attrs);
}

const struct dmk_dma_map_ops dmk_xen_swiotlb_dma_ops = {
	.name = "xen-swiotlb",
	.map_page = wrap_map_page,
	.unmap_page = wrap_unmap_page,
};

int dmk_xen_init(struct dmk_system *sys)
{
	(void)sys;
	return -DMK_ENOTSUP;
}

void dmk_xen_exit(struct dmk_system *sys)
{
	(void)sys;
}

void dmk_xen_setup_dma_ops(struct dmk_device *dev)
{
	if (dev->stage2_iommu)
		return;
	dev->native_ops = dev->dma_ops ? dev->dma_ops : dmk_direct_ops_for(dev);
	dev->dma_ops = &dmk_xen_swiotlb_dma_ops;
}

bool dmk_xen_wraps(struct dmk_device *dev)
{
	return dev->dma_ops == &dmk_xen_swiotlb_dma_ops && dev->native_ops;
}

uint64_t dmk_xen_bfn_to_pfn(struct dmk_system *sys, uint64_t bfn)
{
	(void)sys;
	return bfn;
}
