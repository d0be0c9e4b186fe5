/* SPDX-License-Identifier: MIT */
/*
 * A recording stand-in for src/swiotlb.c (written in parallel): slots
 * come from a bump pointer over [fake_pool_phys, +FAKE_POOL_BYTES), and
 * each bounce operation is appended to the fake platform's event log so
 * the tests can check its order against the cache maintenance around
 * it.  The real allocator has its own tests (tests/swiotlb).
 */
#include "fake_platform.h"

#include <stdlib.h>

struct dmk_swiotlb {
	const struct dmk_platform *plat;
	dmk_phys_t start, end, next;
};

static void record(const struct dmk_swiotlb *pool, struct fake_event ev)
{
	struct fake_platform *fp = pool->plat->ctx;

	if (fp->nev < FAKE_MAX_EVENTS)
		fp->ev[fp->nev++] = ev;
}

size_t fake_swiotlb_asked;
dmk_phys_t fake_swiotlb_asked_limit;

int dmk_swiotlb_init_remap(const struct dmk_platform *plat, size_t bytes,
			   dmk_phys_t limit, unsigned int nareas,
			   const struct dmk_swiotlb_remap *remap,
			   struct dmk_swiotlb **out)
{
	struct dmk_swiotlb *pool = calloc(1, sizeof(*pool));

	fake_swiotlb_asked = bytes;
	fake_swiotlb_asked_limit = limit;
	(void)nareas;
	(void)remap; /* the core's tests have no layer that remaps */
	if (!pool)
		return -DMK_ENOMEM;
	if (bytes > FAKE_POOL_BYTES)
		bytes = FAKE_POOL_BYTES;
	pool->plat = plat;
	pool->start = pool->next = fake_pool_phys;
	pool->end = fake_pool_phys + bytes;
	*out = pool;
	return 0;
}

/* The fake pool never grows: a dynamic configuration is refused. */
int dmk_swiotlb_dyn_init(struct dmk_swiotlb *pool, dmk_phys_t phys_limit)
{
	(void)pool;
	(void)phys_limit;
	return -DMK_ENOTSUP;
}

void dmk_swiotlb_dyn_exit(struct dmk_swiotlb *pool)
{
	(void)pool;
}

void dmk_swiotlb_free(struct dmk_swiotlb *pool)
{
	free(pool);
}

void dmk_swiotlb_span(const struct dmk_swiotlb *pool, dmk_phys_t *start,
		      dmk_phys_t *end, void **va)
{
	*start = pool->start;
	*end = pool->end;
	*va = dmk_phys_to_virt(pool->plat, pool->start);
}

bool dmk_is_swiotlb_buffer(const struct dmk_swiotlb *pool, dmk_phys_t phys)
{
	return phys >= pool->start && phys < pool->end;
}

static dmk_phys_t take_slots(struct dmk_swiotlb *pool, size_t size)
{
	size_t bytes = (size + DMK_IO_TLB_SIZE - 1) & ~(DMK_IO_TLB_SIZE - 1);
	dmk_phys_t tlb;

	if (pool->next + bytes > pool->end)
		pool->next = pool->start;
	tlb = pool->next;
	pool->next += bytes;
	return tlb;
}

dmk_phys_t dmk_swiotlb_tbl_map_single(struct dmk_swiotlb *pool,
				      struct dmk_device *dev, dmk_phys_t orig,
				      size_t mapping_size,
				      unsigned int alloc_align_mask,
				      enum dmk_data_direction dir,
				      unsigned long attrs)
{
	dmk_phys_t tlb;

	(void)dev;
	(void)alloc_align_mask;
	if (fake_swiotlb_fail_in > 0 && --fake_swiotlb_fail_in == 0)
		return DMK_PHYS_ERROR;
	tlb = take_slots(pool, mapping_size);
	record(pool, (struct fake_event){.kind = EV_BOUNCE_MAP,
					 .addr = tlb,
					 .size = mapping_size,
					 .arg = orig,
					 .prot = dir,
					 .attrs = attrs});
	return tlb;
}

void dmk_swiotlb_tbl_unmap_single(struct dmk_swiotlb *pool,
				  struct dmk_device *dev, dmk_phys_t tlb,
				  size_t mapping_size,
				  enum dmk_data_direction dir,
				  unsigned long attrs)
{
	(void)dev;
	record(pool, (struct fake_event){.kind = EV_BOUNCE_UNMAP,
					 .addr = tlb,
					 .size = mapping_size,
					 .prot = dir,
					 .attrs = attrs});
}

void dmk_swiotlb_sync_single_for_device(struct dmk_swiotlb *pool,
					dmk_phys_t tlb, size_t size,
					enum dmk_data_direction dir)
{
	record(pool, (struct fake_event){.kind = EV_BOUNCE_SYNC_DEV,
					 .addr = tlb,
					 .size = size,
					 .prot = dir});
}

void dmk_swiotlb_sync_single_for_cpu(struct dmk_swiotlb *pool, dmk_phys_t tlb,
				     size_t size, enum dmk_data_direction dir)
{
	record(pool, (struct fake_event){.kind = EV_BOUNCE_SYNC_CPU,
					 .addr = tlb,
					 .size = size,
					 .prot = dir});
}

void *dmk_swiotlb_alloc(struct dmk_swiotlb *pool, size_t size, dmk_phys_t *phys)
{
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);

	pool->next = (pool->next + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	if (pool->next + bytes > pool->end)
		return NULL;
	*phys = pool->next;
	pool->next += bytes;
	return dmk_phys_to_virt(pool->plat, *phys);
}

bool dmk_swiotlb_free_alloc(struct dmk_swiotlb *pool, dmk_phys_t phys,
			    size_t size)
{
	(void)size;
	return dmk_is_swiotlb_buffer(pool, phys);
}

size_t dmk_swiotlb_max_mapping_size(struct dmk_device *dev)
{
	(void)dev;
	return DMK_IO_TLB_SIZE * DMK_IO_TLB_SEGSIZE;
}
