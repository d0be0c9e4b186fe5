/* SPDX-License-Identifier: MIT */
/*
 * DMA pools (Linux's mm/dmapool.c): small coherent blocks of one size
 * for descriptors and the like, carved from coherent pages of the
 * device, each aligned as asked and never crossing the boundary the
 * device gives (a block that would is moved to the next boundary).
 *
 * The same rules as Linux's dma_pool_create: align 0 means 1 and must
 * be a power of two; the size is rounded up to the alignment; a page is
 * max(size, 4 KiB); the boundary must be a power of two no smaller than
 * the size, and is capped at the page.  A pool destroyed with blocks
 * still in use says so ("dma_pool_destroy <name> busy") and, as Linux,
 * leaves their pages allocated: the device may still be using them, and
 * the DMA-API checker reports them when the device goes away.
 *
 * Bookkeeping is kept apart from the blocks (Linux threads its free list
 * through the free blocks themselves): one bit per block per page.
 */
#include "debug.h"
#include "internal.h"

struct pool_page {
	struct pool_page *next;
	uint8_t *vaddr;
	dmk_addr_t dma;
	unsigned int in_use;
	uint8_t used[]; /* one byte per block */
};

struct dmk_dma_pool {
	char name[32];
	struct dmk_device *dev;
	size_t size;	   /* of a block, aligned */
	size_t allocation; /* of a page */
	size_t boundary;
	unsigned int nr_blocks; /* per page */
	size_t *offsets;	/* of each block in a page */
	dmk_mutex_t lock;
	struct pool_page *pages;
	size_t nr_active;
};

static bool is_pow2(size_t x)
{
	return x && !(x & (x - 1));
}

/* pool_initialise_page(): where each block starts in a page. */
static unsigned int block_offsets(size_t size, size_t allocation,
				  size_t boundary, size_t *out)
{
	size_t next_boundary = boundary, offset = 0;
	unsigned int n = 0;

	while (offset + size <= allocation) {
		if (offset + size > next_boundary) {
			offset = next_boundary;
			next_boundary += boundary;
			continue;
		}
		if (out)
			out[n] = offset;
		n++;
		offset += size;
	}
	return n;
}

struct dmk_dma_pool *dmk_pool_create(const char *name, struct dmk_device *dev,
				     size_t size, size_t align, size_t boundary)
{
	struct dmk_dma_pool *pool;

	if (!dev || !dev->dma || !dev->sys || !name)
		return NULL;
	if (align == 0)
		align = 1;
	if (!is_pow2(align) || size == 0 || size > __INT_MAX__ ||
	    align > __INT_MAX__) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: dma_pool_create %s: size %zu, align %zu refused",
			dev->name, name, size, align);
		return NULL;
	}
	size = (size + align - 1) & ~(align - 1);
	pool = dmk_env_zalloc(sizeof(*pool));
	if (!pool)
		return NULL;
	pool->size = size;
	pool->allocation = size > DMK_PAGE_SIZE ? size : DMK_PAGE_SIZE;
	if (!boundary) {
		boundary = pool->allocation;
	} else if (boundary < size || !is_pow2(boundary)) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: dma_pool_create %s: boundary %zu refused for %zu-byte blocks",
			dev->name, name, boundary, size);
		dmk_env_free(pool);
		return NULL;
	}
	pool->boundary =
		boundary < pool->allocation ? boundary : pool->allocation;
	pool->nr_blocks =
		block_offsets(size, pool->allocation, pool->boundary, NULL);
	pool->offsets = dmk_env_zalloc(pool->nr_blocks * sizeof(size_t));
	if (!pool->offsets) {
		dmk_env_free(pool);
		return NULL;
	}
	block_offsets(size, pool->allocation, pool->boundary, pool->offsets);
	dmk_snprintf(pool->name, sizeof(pool->name), "%s", name);
	pool->dev = dev;
	dmk_mutex_init(&pool->lock);
	return pool;
}

void dmk_pool_destroy(struct dmk_dma_pool *pool)
{
	struct pool_page *page, *next;
	bool busy;

	if (!pool)
		return;
	busy = pool->nr_active != 0;
	if (busy) {
		dmk_log(dev_plat(pool->dev), DMK_LOG_ERR,
			"%s: dma_pool_destroy %s busy (%zu blocks in use)",
			pool->dev->name, pool->name, pool->nr_active);
		if (pool->dev->dma->debug)
			dmk_debug_report(
				pool->dev,
				"dma_pool_destroy %s busy [%zu blocks]",
				pool->name, pool->nr_active);
	}
	for (page = pool->pages; page; page = next) {
		next = page->next;
		if (!busy)
			dmk_free_coherent(pool->dev, pool->allocation,
					  page->vaddr, page->dma);
		dmk_env_free(page);
	}
	dmk_mutex_destroy(&pool->lock);
	dmk_env_free(pool->offsets);
	dmk_env_free(pool);
}

/* pool_alloc_page(): a coherent page of the device; NULL when none. */
static struct pool_page *pool_alloc_page(struct dmk_dma_pool *pool)
{
	struct pool_page *page =
		dmk_env_zalloc(sizeof(*page) + pool->nr_blocks);

	if (!page)
		return NULL;
	page->vaddr =
		dmk_alloc_coherent(pool->dev, pool->allocation, &page->dma);
	if (!page->vaddr) {
		dmk_env_free(page);
		return NULL;
	}
	return page;
}

void *dmk_pool_alloc(struct dmk_dma_pool *pool, dmk_addr_t *handle)
{
	struct pool_page *page;
	unsigned int i = 0;

	if (!pool || !handle)
		return NULL;
	*handle = DMK_MAPPING_ERROR;
	dmk_mutex_lock(&pool->lock);
	for (page = pool->pages; page; page = page->next)
		if (page->in_use < pool->nr_blocks)
			break;
	if (!page) {
		/* Allocating under the lock keeps the list simple; the
		 * coherent allocator never calls back into a pool. */
		page = pool_alloc_page(pool);
		if (!page) {
			dmk_mutex_unlock(&pool->lock);
			return NULL;
		}
		page->next = pool->pages;
		pool->pages = page;
	}
	while (page->used[i])
		i++;
	page->used[i] = 1;
	page->in_use++;
	pool->nr_active++;
	dmk_mutex_unlock(&pool->lock);
	*handle = page->dma + pool->offsets[i];
	return page->vaddr + pool->offsets[i];
}

void *dmk_pool_zalloc(struct dmk_dma_pool *pool, dmk_addr_t *handle)
{
	void *p = dmk_pool_alloc(pool, handle);

	if (p)
		memset(p, 0, pool->size);
	return p;
}

/* The block of page at vaddr, or -1 when vaddr starts none. */
static int block_of(const struct dmk_dma_pool *pool,
		    const struct pool_page *page, const uint8_t *vaddr)
{
	size_t off = (size_t)(vaddr - page->vaddr);

	for (unsigned int i = 0; i < pool->nr_blocks; i++)
		if (pool->offsets[i] == off)
			return (int)i;
	return -1;
}

void dmk_pool_free(struct dmk_dma_pool *pool, void *vaddr, dmk_addr_t dma)
{
	struct dmk_device *dev;
	struct pool_page *page;
	uint8_t *p = vaddr;
	int i = -1;

	if (!pool || !vaddr)
		return;
	dev = pool->dev;
	dmk_mutex_lock(&pool->lock);
	for (page = pool->pages; page; page = page->next)
		if (p >= page->vaddr && p < page->vaddr + pool->allocation)
			break;
	if (page)
		i = block_of(pool, page, p);
	if (!page || i < 0 || page->dma + pool->offsets[i] != dma) {
		dmk_mutex_unlock(&pool->lock);
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: dma_pool_free %s, %p/0x%llx (bad dma)", dev->name,
			pool->name, vaddr, (unsigned long long)dma);
		if (dev->dma->debug)
			dmk_debug_report(
				dev, "dma_pool_free %s, %p/0x%llx (bad dma)",
				pool->name, vaddr, (unsigned long long)dma);
		return;
	}
	if (!page->used[i]) {
		dmk_mutex_unlock(&pool->lock);
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: dma_pool_free %s, dma 0x%llx already free",
			dev->name, pool->name, (unsigned long long)dma);
		if (dev->dma->debug)
			dmk_debug_report(
				dev,
				"dma_pool_free %s, dma 0x%llx already free",
				pool->name, (unsigned long long)dma);
		return;
	}
	page->used[i] = 0;
	page->in_use--;
	pool->nr_active--;
	dmk_mutex_unlock(&pool->lock);
}
