/* SPDX-License-Identifier: MIT */
/*
 * Per-device coherent memory (Linux's kernel/dma/coherent.c): what
 * mapping.c asks before a device's ops allocate or free.
 */
#ifndef DMAKIT_COHERENT_H
#define DMAKIT_COHERENT_H

#include "internal.h"

/* dma_alloc_from_dev_coherent(): false when the device has no region;
 * true otherwise, with *ret the block or NULL (a full region). */
bool dmk_alloc_from_dev_coherent(struct dmk_device *dev, size_t size,
				 dmk_addr_t *dma_handle, void **ret);
/* dma_release_from_dev_coherent(): true when vaddr was the region's. */
bool dmk_release_from_dev_coherent(struct dmk_device *dev, size_t size,
				   void *vaddr);

#endif /* DMAKIT_COHERENT_H */
