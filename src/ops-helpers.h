/* SPDX-License-Identifier: MIT */
/*
 * Helpers an ops table may put in its alloc_pages_op / free_pages slots
 * (Linux's dma_common_alloc_pages / dma_common_free_pages, in
 * <linux/dma-map-ops.h>): the IOMMU ops and swiotlb-xen do.
 */
#ifndef DMAKIT_OPS_HELPERS_H
#define DMAKIT_OPS_HELPERS_H

#include "internal.h"

void *dmk_common_alloc_pages(struct dmk_device *dev, size_t size,
			     dmk_addr_t *dma_handle,
			     enum dmk_data_direction dir);
void dmk_common_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, enum dmk_data_direction dir);

#endif /* DMAKIT_OPS_HELPERS_H */
