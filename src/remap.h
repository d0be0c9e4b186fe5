/* SPDX-License-Identifier: MIT */
/*
 * The CPU's view of coherent memory for a device that does not snoop
 * (remap.c): Linux's dma_pgprot and kernel/dma/remap.c.
 */
#ifndef DMAKIT_REMAP_H
#define DMAKIT_REMAP_H

#include "internal.h"

/* dma_pgprot(): the memory type of the CPU's view of a coherent buffer:
 * cacheable when it is coherent (the device snoops; for dma-direct,
 * the table says), else write-combining when attrs asks for it, else
 * the DMA-coherent type. */
enum dmk_vmap_prot dmk_dma_pgprot(bool coherent, unsigned long attrs);

/* dma_common_pages_remap(): the platform's vmap of npages pages, page
 * i at phys_at(arg, i) (built into an array here); NULL if the array
 * cannot be had or the platform refuses. */
void *dmk_common_pages_remap(const struct dmk_platform *plat, size_t npages,
			     dmk_phys_t (*phys_at)(const void *arg, size_t i),
			     const void *arg, enum dmk_vmap_prot prot);

/*
 * dma_common_contiguous_remap(): the view of [phys, phys + size) (page
 * aligned) a device that does not snoop is given: the platform's vmap
 * with the type prot, or on a platform without vmap its non-cacheable
 * alias (map_uncached, the DMA-coherent type whatever prot says).
 * NULL if the platform has neither or refuses.  dmk_common_free_remap
 * undoes it.
 */
void *dmk_common_contiguous_remap(struct dmk_device *dev, dmk_phys_t phys,
				  size_t size, enum dmk_vmap_prot prot);
void dmk_common_free_remap(struct dmk_device *dev, void *va, size_t size);

#endif /* DMAKIT_REMAP_H */
