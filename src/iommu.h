/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU dma ops (Linux's drivers/iommu/dma-iommu.c): IOVAs from the
 * device's domain, page tables through the platform.
 */
#ifndef DMAKIT_IOMMU_H
#define DMAKIT_IOMMU_H

#include "internal.h"

extern const struct dmk_dma_map_ops dmk_iommu_dma_ops;

#endif /* DMAKIT_IOMMU_H */
