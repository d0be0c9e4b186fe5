/* SPDX-License-Identifier: MIT */
/*
 * How swiotlb-xen meets each device's own dma_ops: Linux's
 * xen_setup_dma_ops, run at the end of arch_setup_dma_ops once the
 * device's coherency and IOMMU are known (docs/xen-dma-ops.md).
 *
 * dmakit wraps every device that needs Xen: swiotlb-xen's ops go on top
 * and the device's own (the platform's dma-direct for its coherency, or
 * whatever a driver installs later with set_dma_ops) stay underneath,
 * where allocation and cache maintenance go.  A driver's set_dma_ops
 * can then never bypass Xen, which is the question Catalin Marinas asked
 * in the 2013 thread.  The historical designs that did let it bypass
 * (2013's default ops only, 2017's device-first get_dma_ops) are not
 * here: the scenarios express them by unwrapping devices themselves.
 */
#include "xen-internal.h"

/*
 * Devices a stage-2 IOMMU translates (their bus addresses are guest
 * frames) and devices behind the guest's own IOMMU (IOVAs) need none of
 * this: pfn_to_bfn would hand them machine addresses they cannot use.
 */
static bool xen_leaves_alone(struct dmk_device *dev)
{
	return dev->stage2_iommu || dev->dma->iommu;
}

void dmk_xen_setup_dev(struct dmk_device *dev)
{
	/* Grants first, as Linux's xen_setup_dma_ops: a device whose
	 * backend is another domain never sees machine frames. */
	if (dmk_xen_grant_dma_setup_dev(dev) || !dev_xen(dev)->swiotlb_xen)
		return;
	if (xen_leaves_alone(dev) ||
	    dmk_get_dma_ops(dev) == &dmk_xen_swiotlb_dma_ops)
		return;
	dmk_dma_wrap(dev, &dmk_xen_swiotlb_dma_ops);
}

const struct dmk_dma_map_ops *dmk_xen_native_ops(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops = dmk_get_native_dma_ops(dev);

	if (ops == &dmk_xen_swiotlb_dma_ops)
		return dmk_direct_ops_for(dev);
	return ops;
}
