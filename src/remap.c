/* SPDX-License-Identifier: MIT */
/*
 * The CPU's view of coherent memory for a device that does not snoop:
 * Linux's dma_pgprot (kernel/dma/mapping.c) picks its memory type and
 * kernel/dma/remap.c builds it with vmap.  Here the platform's vmap
 * does, when it has one; a platform without it offers map_uncached,
 * one non-cacheable type for a contiguous range.  dma-direct and the
 * IOMMU ops take their non-coherent views from here, so that
 * DMK_ATTR_WRITE_COMBINE reaches the platform in both, as in Linux.
 */
#include "remap.h"

enum dmk_vmap_prot dmk_dma_pgprot(bool coherent, unsigned long attrs)
{
	if (coherent)
		return DMK_VMAP_CACHED;
	if (attrs & DMK_ATTR_WRITE_COMBINE)
		return DMK_VMAP_WRITE_COMBINE;
	return DMK_VMAP_DMA_COHERENT;
}

void *dmk_common_pages_remap(const struct dmk_platform *plat, size_t npages,
			     dmk_phys_t (*phys_at)(void *arg, size_t i),
			     void *arg, enum dmk_vmap_prot prot)
{
	dmk_phys_t *pages = dmk_env_calloc(npages, sizeof(*pages));
	void *va;

	if (!pages)
		return NULL;
	for (size_t i = 0; i < npages; i++)
		pages[i] = phys_at(arg, i);
	va = plat->ops->vmap(plat->ctx, pages, npages, prot);
	dmk_env_free(pages);
	return va;
}

/* Page i of the block that starts at *arg. */
static dmk_phys_t block_page(void *arg, size_t i)
{
	return *(const dmk_phys_t *)arg + ((dmk_phys_t)i << DMK_PAGE_SHIFT);
}

void *dmk_common_contiguous_remap(struct dmk_device *dev, dmk_phys_t phys,
				  size_t size, enum dmk_vmap_prot prot)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (plat->ops->vmap)
		return dmk_common_pages_remap(plat, size >> DMK_PAGE_SHIFT,
					      block_page, &phys, prot);
	if (plat->ops->map_uncached)
		return plat->ops->map_uncached(plat->ctx, phys, size);
	return NULL;
}

void dmk_common_free_remap(struct dmk_device *dev, void *va, size_t size)
{
	const struct dmk_platform *plat = dev_plat(dev);

	if (plat->ops->vmap)
		plat->ops->vunmap(plat->ctx, va);
	else if (plat->ops->unmap_uncached)
		plat->ops->unmap_uncached(plat->ctx, va, size);
}
