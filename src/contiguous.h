/* SPDX-License-Identifier: MIT */
/*
 * Contiguous memory areas (Linux's kernel/dma/contiguous.c): what
 * dma-direct asks before the page allocator.
 */
#ifndef DMAKIT_CONTIGUOUS_H
#define DMAKIT_CONTIGUOUS_H

#include "internal.h"

/* dma_alloc_contiguous(): a block of the device's area, or of the
 * default one for more than a page; false when neither has one. */
bool dmk_alloc_contiguous(struct dmk_device *dev, size_t size,
			  dmk_phys_t *phys);
/* dma_free_contiguous(): true when phys was an area's. */
bool dmk_free_contiguous(struct dmk_device *dev, dmk_phys_t phys, size_t size);

#endif /* DMAKIT_CONTIGUOUS_H */
