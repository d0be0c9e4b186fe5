// SPDX-License-Identifier: MIT
/*
 * The pages the privcmd platform hands to the library: one locked,
 * populated mapping, indexed by guest frame.
 *
 * User space cannot ask Linux for guest-physically contiguous memory
 * (the kernel's alloc_pages can; Linux's privcmd and gntalloc use it on
 * their side).  It can only look at what it got.  A fresh mapping's
 * pages mostly come from whole buddy blocks, handed out in descending
 * order (the per-CPU free lists are LIFO), so the pool faults its pages
 * in, reads their frames, and moves each page (mremap keeps the page,
 * its frame and its lock) to a new range in frame order: there, pages
 * with consecutive frames are consecutive in address too.  An order-n
 * allocation is 2^n pages whose frames are consecutive and aligned to
 * 2^n; when the pool has no such run, it fails (NULL), as alloc_pages
 * does when memory is fragmented.
 */
#include "privcmd-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

static int by_frame(const void *a, const void *b)
{
	const struct dmk_privcmd_page *x = a, *y = b;

	return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* Move the pool's pages into a fresh range, in the order of pages[]. */
static int reorder(struct dmk_privcmd_pool *pool)
{
	size_t len = pool->npages << DMK_PAGE_SHIFT;
	uint8_t *dst =
		mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (dst == MAP_FAILED)
		return -ENOMEM;
	for (size_t i = 0; i < pool->npages; i++) {
		void *to = dst + (i << DMK_PAGE_SHIFT);

		if (mremap(pool->pages[i].va, DMK_PAGE_SIZE, DMK_PAGE_SIZE,
			   MREMAP_MAYMOVE | MREMAP_FIXED, to) != to) {
			munmap(dst, len);
			return -errno;
		}
		pool->pages[i].va = to;
		pool->slot_frame[i] = pool->pages[i].frame;
	}
	munmap(pool->base, len); /* what is left of it: nothing */
	pool->base = dst;
	return 0;
}

int dmk_privcmd_pool_init(struct dmk_privcmd *pc, size_t npages)
{
	struct dmk_privcmd_pool *pool = &pc->pool;
	size_t i;
	int rc;

	pthread_mutex_init(&pool->lock, NULL);
	if (!npages)
		return 0;
	pool->base =
		mmap(NULL, npages << DMK_PAGE_SHIFT, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pool->base == MAP_FAILED) {
		pool->base = NULL;
		return -ENOMEM;
	}
	pool->npages = npages;
	rc = dmk_privcmd_lock(pool->base, npages << DMK_PAGE_SHIFT);
	if (rc)
		return rc;
	pool->pages = calloc(npages, sizeof(*pool->pages));
	pool->slot_frame = calloc(npages, sizeof(*pool->slot_frame));
	if (!pool->pages || !pool->slot_frame)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		uint8_t *va = pool->base + (i << DMK_PAGE_SHIFT);

		pool->pages[i].va = va;
		pool->pages[i].frame = dmk_privcmd_frame(pc, va);
		if (pool->pages[i].frame == DMK_PRIVCMD_NO_FRAME)
			return -EPERM; /* pagemap hides frames without root */
	}
	qsort(pool->pages, npages, sizeof(*pool->pages), by_frame);
	return reorder(pool);
}

void dmk_privcmd_pool_fini(struct dmk_privcmd_pool *pool)
{
	if (pool->base)
		munmap(pool->base, pool->npages << DMK_PAGE_SHIFT);
	free(pool->pages);
	free(pool->slot_frame);
	pthread_mutex_destroy(&pool->lock);
}

/* Index of the page with this frame, or -1. */
static long find(const struct dmk_privcmd_pool *pool, uint64_t frame)
{
	size_t lo = 0, hi = pool->npages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pool->pages[mid].frame == frame)
			return (long)mid;
		if (pool->pages[mid].frame < frame)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Does the run of 2^order pages from index i qualify? */
static bool run_ok(const struct dmk_privcmd_pool *pool, size_t i,
		   unsigned int order, uint64_t limit_frame)
{
	size_t n = (size_t)1 << order;
	uint64_t first = pool->pages[i].frame;

	if (first & (n - 1) || i + n > pool->npages ||
	    first + n - 1 > limit_frame)
		return false;
	for (size_t k = 0; k < n; k++)
		if (pool->pages[i + k].used ||
		    pool->pages[i + k].frame != first + k)
			return false;
	return true;
}

void *dmk_privcmd_pool_alloc(struct dmk_privcmd_pool *pool, unsigned int order,
			     uint64_t limit, uint64_t *frame)
{
	uint64_t limit_frame = limit >> DMK_PAGE_SHIFT;
	void *va = NULL;

	if (order >= 8 * sizeof(size_t) - DMK_PAGE_SHIFT)
		return NULL;
	pthread_mutex_lock(&pool->lock);
	for (size_t i = 0; i < pool->npages; i++) {
		if (!run_ok(pool, i, order, limit_frame))
			continue;
		for (size_t k = 0; k < (size_t)1 << order; k++)
			pool->pages[i + k].used = true;
		*frame = pool->pages[i].frame;
		va = pool->pages[i].va;
		break;
	}
	pthread_mutex_unlock(&pool->lock);
	return va;
}

void dmk_privcmd_pool_free(struct dmk_privcmd_pool *pool, uint64_t frame,
			   unsigned int order)
{
	pthread_mutex_lock(&pool->lock);
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		long i = find(pool, frame + k);

		if (i >= 0)
			pool->pages[i].used = false;
	}
	pthread_mutex_unlock(&pool->lock);
}

void *dmk_privcmd_pool_frame_to_va(struct dmk_privcmd_pool *pool,
				   uint64_t frame)
{
	long i = find(pool, frame);

	return i < 0 ? NULL : pool->pages[i].va;
}

uint64_t dmk_privcmd_pool_va_to_frame(struct dmk_privcmd_pool *pool,
				      const void *va)
{
	const uint8_t *p = va;

	if (!pool->base || p < pool->base ||
	    p >= pool->base + (pool->npages << DMK_PAGE_SHIFT))
		return DMK_PRIVCMD_NO_FRAME;
	return pool->slot_frame[(size_t)(p - pool->base) >> DMK_PAGE_SHIFT];
}
