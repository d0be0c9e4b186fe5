/* SPDX-License-Identifier: MIT */
/*
 * Contiguous memory areas, after Linux's kernel/dma/contiguous.c over
 * mm/cma.c: a reusable shared-dma-pool region (compatible
 * "shared-dma-pool" with "reusable") is an area large physically
 * contiguous allocations are carved from.  One with linux,cma-default
 * is the system's (dma_contiguous_default_area); one a device's
 * memory-region names is that device's (dev->cma_area).
 *
 * dma_alloc_contiguous(): a device's own area serves every size; the
 * default area serves only more than a page (a single page comes from
 * the page allocator, where it is cheapest); blocks are aligned to
 * their order up to CONFIG_CMA_ALIGNMENT (8).  dma-direct takes the
 * block only if the device reaches it (dma_coherent_ok), and otherwise,
 * or when the area is full, falls back to the page allocator.
 *
 * Linux lends an area's free pages to movable allocations until a
 * contiguous allocation migrates them out; here the platform keeps the
 * area out of its page allocator altogether (the simulator reserves
 * it), which changes nothing a device can see.
 */
#include "contiguous.h"
#include "page-bitmap.h"

#define CMA_ALIGNMENT 8 /* CONFIG_CMA_ALIGNMENT: orders above align less */

struct dmk_cma {
	struct dmk_system *sys;
	dmk_phys_t base;
	size_t size;
	dmk_mutex_t lock;
	struct dmk_page_bitmap pages;
};

int dmk_cma_create(struct dmk_system *sys, dmk_phys_t base, size_t size,
		   struct dmk_cma **out)
{
	struct dmk_cma *cma;

	if (!sys || !out || !size || (base | size) % DMK_PAGE_SIZE ||
	    base + size < base)
		return -DMK_EINVAL;
	cma = dmk_env_zalloc(sizeof(*cma));
	if (!cma)
		return -DMK_ENOMEM;
	*cma = (struct dmk_cma){.sys = sys, .base = base, .size = size};
	if (dmk_page_bitmap_init(&cma->pages, size / DMK_PAGE_SIZE)) {
		dmk_env_free(cma);
		return -DMK_ENOMEM;
	}
	dmk_mutex_init(&cma->lock);
	*out = cma;
	return 0;
}

void dmk_cma_destroy(struct dmk_cma *cma)
{
	if (!cma)
		return;
	if (cma->sys->default_cma == cma)
		cma->sys->default_cma = NULL;
	dmk_mutex_destroy(&cma->lock);
	dmk_page_bitmap_fini(&cma->pages);
	dmk_env_free(cma);
}

int dmk_system_set_default_cma(struct dmk_system *sys, struct dmk_cma *cma)
{
	if (!sys || (cma && cma->sys != sys))
		return -DMK_EINVAL;
	sys->default_cma = cma;
	return 0;
}

int dmk_device_set_cma(struct dmk_device *dev, struct dmk_cma *cma)
{
	if (!dev || !dev->dma || (cma && cma->sys != dev->sys))
		return -DMK_EINVAL;
	dev->dma->cma = cma;
	return 0;
}

int dmk_cma_stats(const struct dmk_cma *cma, size_t *used, size_t *total)
{
	if (!cma)
		return -DMK_ENODEV;
	dmk_mutex_lock((dmk_mutex_t *)&cma->lock);
	*used = cma->pages.used * DMK_PAGE_SIZE;
	dmk_mutex_unlock((dmk_mutex_t *)&cma->lock);
	*total = cma->size;
	return 0;
}

/* cma_alloc(): 2^order pages aligned to min(order, CMA_ALIGNMENT). */
static bool cma_take(struct dmk_cma *cma, size_t size, dmk_phys_t *phys)
{
	unsigned int order = dmk_get_order(size);
	size_t n = (size_t)1 << order;
	size_t step = (size_t)1
		      << (order < CMA_ALIGNMENT ? order : CMA_ALIGNMENT);
	bool found = false;

	dmk_mutex_lock(&cma->lock);
	for (size_t pos = 0; pos + n <= cma->pages.pages && !found;
	     pos += step) {
		size_t i = 0;

		while (i < n && !dmk_page_bitmap_test(&cma->pages, pos + i))
			i++;
		if (i == n) {
			dmk_page_bitmap_set(&cma->pages, pos, n, true);
			*phys = cma->base + ((dmk_phys_t)pos << DMK_PAGE_SHIFT);
			found = true;
		}
	}
	dmk_mutex_unlock(&cma->lock);
	return found;
}

bool dmk_alloc_contiguous(struct dmk_device *dev, size_t size, dmk_phys_t *phys)
{
	struct dmk_cma *cma = dev->dma->cma;

	if (!cma) {
		if (size <= DMK_PAGE_SIZE)
			return false;
		cma = dev->sys->default_cma;
	}
	return cma && cma_take(cma, size, phys);
}

static bool cma_release(struct dmk_cma *cma, dmk_phys_t phys, size_t size)
{
	if (!cma || phys < cma->base || phys - cma->base >= cma->size)
		return false;
	dmk_mutex_lock(&cma->lock);
	dmk_page_bitmap_set(&cma->pages,
			    (size_t)((phys - cma->base) >> DMK_PAGE_SHIFT),
			    (size_t)1 << dmk_get_order(size), false);
	dmk_mutex_unlock(&cma->lock);
	return true;
}

bool dmk_free_contiguous(struct dmk_device *dev, dmk_phys_t phys, size_t size)
{
	return cma_release(dev->dma->cma, phys, size) ||
	       cma_release(dev->sys->default_cma, phys, size);
}
