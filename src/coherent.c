/* SPDX-License-Identifier: MIT */
/*
 * Per-device coherent memory, after Linux's kernel/dma/coherent.c: a
 * region declared for one device (dma_declare_coherent_memory; what a
 * shared-dma-pool reserved-memory region its memory-region names
 * becomes through rmem_dma_device_init) serves every coherent
 * allocation of that device, before its dma_map_ops are asked: a block
 * of 2^order pages at a multiple of its size (bitmap_find_free_region),
 * zeroed.  A full region fails the allocation: since Linux 4.13 a
 * device with a region never falls back to ordinary memory
 * (dma_alloc_from_dev_coherent returns 1 whenever it has one).
 *
 * The CPU's view: Linux memremaps the region MEMREMAP_WC, which is
 * non-cacheable on ARM.  Here a non-coherent device's region is the
 * platform's non-cacheable mapping of it; a coherent device's is the
 * linear map (its accesses snoop the caches, so that is the view it
 * shares with the CPU).
 */
#include "coherent.h"
#include "direct.h"
#include "page-bitmap.h"

struct dmk_coherent_mem {
	dmk_phys_t phys;
	dmk_addr_t dma;
	uint8_t *virt;
	size_t size;
	bool uncached;
	dmk_mutex_t lock;
	struct dmk_page_bitmap pages;
};

int dmk_declare_coherent_memory(struct dmk_device *dev, dmk_phys_t phys,
				dmk_addr_t dma, size_t size)
{
	const struct dmk_platform *plat;
	struct dmk_coherent_mem *mem;

	if (!dev || !dev->dma || !size || (phys | size) % DMK_PAGE_SIZE ||
	    phys + size < phys || dev->dma->coherent_mem)
		return -DMK_EINVAL;
	plat = dev_plat(dev);
	mem = dmk_env_zalloc(sizeof(*mem));
	if (!mem)
		return -DMK_ENOMEM;
	*mem = (struct dmk_coherent_mem){
		.phys = phys,
		/* rmem_dma_device_init: the device sees it through its own
		 * dma-ranges (use_dev_dma_pfn_offset). */
		.dma = dma == DMK_MAPPING_ERROR ? dmk_phys_to_dma(dev, phys)
						: dma,
		.size = size,
		.uncached = !dev->coherent && plat->ops->map_uncached,
	};
	if (mem->dma == DMK_MAPPING_ERROR) {
		dmk_env_free(mem);
		return -DMK_EINVAL;
	}
	if (dmk_page_bitmap_init(&mem->pages, size / DMK_PAGE_SIZE)) {
		dmk_env_free(mem);
		return -DMK_ENOMEM;
	}
	mem->virt = mem->uncached
			    ? plat->ops->map_uncached(plat->ctx, phys, size)
			    : dmk_phys_to_virt(plat, phys);
	if (!mem->virt) {
		dmk_page_bitmap_fini(&mem->pages);
		dmk_env_free(mem);
		return -DMK_ENOMEM;
	}
	dmk_mutex_init(&mem->lock);
	dev->dma->coherent_mem = mem;
	return 0;
}

void dmk_release_coherent_memory(struct dmk_device *dev)
{
	struct dmk_coherent_mem *mem;
	const struct dmk_platform *plat;

	if (!dev || !dev->dma || !dev->dma->coherent_mem)
		return;
	mem = dev->dma->coherent_mem;
	plat = dev_plat(dev);
	if (mem->uncached)
		plat->ops->unmap_uncached(plat->ctx, mem->virt, mem->size);
	dmk_mutex_destroy(&mem->lock);
	dmk_page_bitmap_fini(&mem->pages);
	dmk_env_free(mem);
	dev->dma->coherent_mem = NULL;
}

bool dmk_alloc_from_dev_coherent(struct dmk_device *dev, size_t size,
				 dmk_addr_t *dma_handle, void **ret)
{
	struct dmk_coherent_mem *mem = dev->dma->coherent_mem;
	unsigned int order;
	long page = -1;

	if (!mem)
		return false;
	*ret = NULL;
	order = dmk_get_order(size);
	if (size <= mem->size) {
		dmk_mutex_lock(&mem->lock);
		page = dmk_page_bitmap_take(&mem->pages, order);
		dmk_mutex_unlock(&mem->lock);
	}
	if (page < 0)
		return true; /* the device's region is full: no fallback */
	*dma_handle = mem->dma + ((dmk_addr_t)page << DMK_PAGE_SHIFT);
	*ret = mem->virt + ((size_t)page << DMK_PAGE_SHIFT);
	memset(*ret, 0, size);
	return true;
}

bool dmk_release_from_dev_coherent(struct dmk_device *dev, size_t size,
				   void *vaddr)
{
	struct dmk_coherent_mem *mem = dev->dma->coherent_mem;
	uint8_t *p = vaddr;
	size_t page;

	if (!mem || p < mem->virt || p >= mem->virt + mem->size)
		return false;
	page = (size_t)(p - mem->virt) >> DMK_PAGE_SHIFT;
	dmk_mutex_lock(&mem->lock);
	dmk_page_bitmap_set(&mem->pages, page, (size_t)1 << dmk_get_order(size),
			    false);
	dmk_mutex_unlock(&mem->lock);
	return true;
}

int dmk_coherent_memory_stats(struct dmk_device *dev, size_t *used,
			      size_t *total)
{
	struct dmk_coherent_mem *mem =
		dev && dev->dma ? dev->dma->coherent_mem : NULL;

	if (!mem)
		return -DMK_ENODEV;
	dmk_mutex_lock(&mem->lock);
	*used = mem->pages.used * DMK_PAGE_SIZE;
	dmk_mutex_unlock(&mem->lock);
	*total = mem->size;
	return 0;
}
