/* SPDX-License-Identifier: MIT */
/*
 * ARM64: xen_alloc_coherent_pages is the device's own ops' alloc.
 *
 * Stefano's first answer was free pages, as on x86; Catalin's was
 * "don't bet on this for ARMv8": coherency is not mandated, some SoC
 * will need non-cacheable buffers, and which one a device needs is
 * known per device (DT or ACPI), even per driver (set_dma_ops).  So the
 * allocation goes to whatever ops the device has underneath swiotlb-xen
 * -- the platform's coherent or non-coherent dma-direct, or a driver's
 * own -- and Xen only adds contiguity afterwards.
 */
#include "xen-internal.h"

static void *arm64_alloc_coherent_pages(struct dmk_device *dev, size_t size,
					dmk_addr_t *dma_handle,
					unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_xen_native_ops(dev);

	if (!ops->alloc)
		return NULL;
	return ops->alloc(dev, size, dma_handle, attrs);
}

static void arm64_free_coherent_pages(struct dmk_device *dev, size_t size,
				      void *cpu_addr, dmk_addr_t dma_handle,
				      unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_xen_native_ops(dev);

	if (ops->free)
		ops->free(dev, size, cpu_addr, dma_handle, attrs);
}

/* ARM64 bounces for the same reason 32-bit ARM does (arch/arm/xen/mm.c
 * serves both). */
const struct dmk_xen_arch dmk_xen_arch_arm64 = {
	.name = "arm64",
	.alloc_coherent_pages = arm64_alloc_coherent_pages,
	.free_coherent_pages = arm64_free_coherent_pages,
	.need_swiotlb = dmk_xen_arm_need_swiotlb,
};
