/* SPDX-License-Identifier: MIT */
/*
 * What an ops table that is not dma-direct may borrow (Linux's
 * kernel/dma/ops_helpers.c): pages for dmk_alloc_pages taken from the
 * platform wherever they are and made reachable by the table's own
 * map_page, which translates (IOMMU) or bounces (swiotlb-xen) as it
 * would for any buffer.  Linux's dma_common_alloc_pages and
 * dma_common_free_pages; the IOMMU ops and swiotlb-xen use them.
 */
#include "internal.h"
#include "ops-helpers.h"

void *dmk_common_alloc_pages(struct dmk_device *dev, size_t size,
			     dmk_addr_t *dma_handle,
			     enum dmk_data_direction dir)
{
	const struct dmk_platform *plat = dev_plat(dev);
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	unsigned int order = dmk_get_order(size);
	dmk_phys_t phys;
	void *cpu;

	*dma_handle = DMK_MAPPING_ERROR;
	if (!ops->map_page)
		return NULL;
	cpu = plat->ops->alloc_pages(plat->ctx, order, ~(dmk_phys_t)0, &phys);
	if (!cpu) {
		/* The page allocator's warning (no gfp here, so always);
		 * a failed map_page says why itself. */
		dmk_log(plat, DMK_LOG_WARN,
			"%s: alloc_pages: no free block of %zu bytes",
			dev->name, (size_t)DMK_PAGE_SIZE << order);
		return NULL;
	}
	memset(cpu, 0, DMK_PAGE_SIZE << order);
	/* The CPU owns the pages now: the driver syncs before a transfer. */
	*dma_handle =
		ops->map_page(dev, phys, size, dir, DMK_ATTR_SKIP_CPU_SYNC);
	if (*dma_handle == DMK_MAPPING_ERROR) {
		plat->ops->free_pages(plat->ctx, phys, order);
		return NULL;
	}
	return cpu;
}

void dmk_common_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, enum dmk_data_direction dir)
{
	const struct dmk_platform *plat = dev_plat(dev);
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (ops->unmap_page)
		ops->unmap_page(dev, dma_handle, size, dir,
				DMK_ATTR_SKIP_CPU_SYNC);
	plat->ops->free_pages(plat->ctx, dmk_virt_to_phys(plat, cpu_addr),
			      dmk_get_order(size));
}
