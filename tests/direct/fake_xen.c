/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the Xen layer (src/xen/) with just what the core's
 * tests need: a layer that wraps each device as swiotlb-xen does (its
 * ops forward to the device's native ops), and an attach that refuses,
 * as on a platform without a hypervisor.  A test puts fake_wrap_layer
 * on a system by hand to see how the core treats a wrapping layer.
 */
#include "debug.h"
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "swiotlb.h"
#include "xen/layer.h"

#include <dmakit/xen.h>

static dmk_addr_t wrap_map_page(struct dmk_device *dev, dmk_phys_t phys,
				size_t size, enum dmk_data_direction dir,
				unsigned long attrs)
{
	return dmk_get_native_dma_ops(dev)->map_page(dev, phys, size, dir,
						     attrs);
}

static void wrap_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs)
{
	dmk_get_native_dma_ops(dev)->unmap_page(dev, addr, size, dir, attrs);
}

const struct dmk_dma_map_ops dmk_xen_swiotlb_dma_ops = {
	.name = "xen-swiotlb",
	.map_page = wrap_map_page,
	.unmap_page = wrap_unmap_page,
};

static void wrap_setup_dev(struct dmk_device *dev)
{
	if (!dev->stage2_iommu)
		dmk_dma_wrap(dev, &dmk_xen_swiotlb_dma_ops);
}

const struct dmk_layer fake_wrap_layer = {
	.name = "fake-xen",
	.setup_dev = wrap_setup_dev,
};

int dmk_xen_layer_attach(struct dmk_system *sys)
{
	(void)sys;
	return -DMK_ENOTSUP;
}
