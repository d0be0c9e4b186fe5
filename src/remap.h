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
 * i at phys_at(arg, i), asked for i = 0, 1, ... in order (built into an
 * array here); NULL if the array cannot be had or the platform
 * refuses. */
void *dmk_common_pages_remap(const struct dmk_platform *plat, size_t npages,
			     dmk_phys_t (*phys_at)(void *arg, size_t i),
			     void *arg, enum dmk_vmap_prot prot);

/* The pages an sg entry touches, from its first byte's to its last's. */
static inline size_t dmk_sg_entry_pages(const struct dmk_sg *s)
{
	size_t end = (s->phys & (DMK_PAGE_SIZE - 1)) + s->length;

	return (end + DMK_PAGE_SIZE - 1) >> DMK_PAGE_SHIFT;
}

/* A walk over the pages of an sg table's entries, for phys_at: set sg
 * to the first entry and the rest to zero; the caller knows the entries
 * touch at least the pages asked for. */
struct dmk_sg_page_walk {
	const struct dmk_sg *sg;
	size_t page; /* in *sg */
};
static inline dmk_phys_t dmk_sg_walk_page(void *walk, size_t i)
{
	struct dmk_sg_page_walk *w = walk;
	dmk_phys_t phys;

	(void)i; /* asked in order: the walk knows where it is */
	while (w->page == dmk_sg_entry_pages(w->sg)) {
		w->sg++;
		w->page = 0;
	}
	phys = (w->sg->phys & ~(dmk_phys_t)(DMK_PAGE_SIZE - 1)) +
	       ((dmk_phys_t)w->page << DMK_PAGE_SHIFT);
	w->page++;
	return phys;
}

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
