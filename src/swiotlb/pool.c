/* SPDX-License-Identifier: MIT */
/*
 * A pool's life: create it over memory (the caller's, platform pages
 * below a limit made usable by a remap hook, or a restricted-dma-pool
 * range), answer where it is, free it (Linux's swiotlb_init_remap,
 * swiotlb_init_io_tlb_pool, swiotlb_exit and rmem_swiotlb_device_init
 * in kernel/dma/swiotlb.c), and the pools a dynamic swiotlb adds
 * (swiotlb_alloc_pool, dynamic.c).  Nothing here runs per mapping.
 */
#include "dynamic.h"
#include "park.h"
#include "records.h"
#include "slots.h"

static unsigned int pick_nareas(const struct dmk_platform *plat,
				unsigned int nareas, unsigned int nsegs)
{
	unsigned int n = 1;

	if (!nareas)
		nareas = plat->nr_cpus ? plat->nr_cpus : 1;
	while (n < nareas && n < (1U << 16))
		n <<= 1;
	/* Each area at least one segment, as Linux's limit_nareas. */
	while (n > nsegs)
		n >>= 1;
	return n;
}

static void pool_release_meta(struct dmk_swiotlb *pool)
{
	/* Every area's bitmaps are one block (dmk_swiotlb_areas_init). */
	if (pool->areas)
		dmk_free_aligned(pool->areas[0].partial);
	dmk_free_aligned(pool->areas);
	dmk_free_aligned(pool->park);
	dmk_env_free(pool->freemap);
	dmk_env_free(pool->seg_free);
	dmk_env_free(pool->rec);
	dmk_env_free(pool);
}

/* At most 2^40 slots, and a byte size that fits size_t.  Widened into a
 * variable first, so that on a 32-bit size_t, where the first bound can
 * never bite, the compiler does not call the test useless. */
static bool pool_nslabs_ok(size_t nslabs)
{
	uint64_t n = nslabs;

	return n && n <= (1ULL << 40) && nslabs <= SIZE_MAX >> DMK_IO_TLB_SHIFT;
}

static int pool_create(const struct dmk_platform *plat, void *va,
		       dmk_phys_t phys, size_t nslabs, unsigned int nareas,
		       struct dmk_swiotlb **out)
{
	struct dmk_swiotlb *pool;
	size_t bytes = nslabs << DMK_IO_TLB_SHIFT;

	if (!plat || !plat->ops || !va || !out || !pool_nslabs_ok(nslabs) ||
	    (phys & SLOT_MASK) || phys + bytes < phys)
		return -DMK_EINVAL;
	pool = dmk_env_calloc(1, sizeof(*pool));
	if (!pool)
		return -DMK_ENOMEM;
	pool->plat = plat;
	pool->va = va;
	pool->start = phys;
	pool->end = phys + bytes;
	pool->nslabs = nslabs;
	pool->nsegs = (unsigned int)((nslabs + SEG_SLOTS - 1) / SEG_SLOTS);
	pool->nareas = pick_nareas(plat, nareas, pool->nsegs);

	pool->areas = dmk_zalloc_aligned(pool->nareas * sizeof(*pool->areas));
	pool->freemap =
		dmk_env_calloc(2 * (size_t)pool->nsegs, sizeof(*pool->freemap));
	pool->seg_free = dmk_env_calloc(pool->nsegs, 1);
	pool->rec = dmk_env_calloc(nslabs, REC_BYTES);
	pool->park = dmk_zalloc_aligned(DMK_ENV_TOKENS * sizeof(*pool->park));
	if (!pool->areas || !pool->freemap || !pool->seg_free || !pool->rec ||
	    !pool->park)
		goto nomem;
	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++)
		pool->park[t - 1].run = PARK_NONE;

	for (unsigned int seg = 0; seg < pool->nsegs; seg++) {
		size_t left = nslabs - (size_t)seg * SEG_SLOTS;
		unsigned int cap =
			left < SEG_SLOTS ? (unsigned int)left : SEG_SLOTS;

		seg_set_bits(pool, seg, b128_run(0, cap));
		pool->seg_free[seg] = (uint8_t)cap;
	}
	if (dmk_swiotlb_areas_init(pool))
		goto nomem;
	memset(va, 0, bytes);
	*out = pool;
	return 0;
nomem:
	pool_release_meta(pool);
	return -DMK_ENOMEM;
}

int dmk_swiotlb_init_with_buffer(const struct dmk_platform *plat, void *va,
				 dmk_phys_t phys, size_t nslabs,
				 unsigned int nareas, struct dmk_swiotlb **out)
{
	return pool_create(plat, va, phys, nslabs, nareas, out);
}

#define SWIOTLB_MIN_ORDER 8 /* 1 MiB, Linux's floor when halving */

/*
 * Linux's swiotlb_init_remap(): pages below limit, made usable by the
 * remap hook; when either fails, the next smaller power of two, down to
 * 1 MiB (or the request, if smaller).  A remap failure says why itself;
 * here only the size that was finally taken is told.
 */
static int pool_alloc_remapped(const struct dmk_platform *plat, size_t bytes,
			       dmk_phys_t limit,
			       const struct dmk_swiotlb_remap *remap,
			       bool transient, unsigned int *order_out,
			       dmk_phys_t *phys, void **va)
{
	/* The order of the pages, but not dmk_get_order(bytes): that does
	 * not end for sizes above 2^63, which a configuration may ask for
	 * (and then gets what fits). */
	size_t pages = (bytes + DMK_PAGE_SIZE - 1) / DMK_PAGE_SIZE;
	unsigned int want = pages > 1 ? dmk_fls64(pages - 1) : 0;
	unsigned int floor = want < SWIOTLB_MIN_ORDER || transient
				     ? want
				     : SWIOTLB_MIN_ORDER;
	int ret = -DMK_ENOMEM;

	for (unsigned int order = want;; order--) {
		*va = plat->ops->alloc_pages(plat->ctx, order, limit, phys);
		if (*va) {
			size_t nslabs =
				(DMK_PAGE_SIZE << order) >> DMK_IO_TLB_SHIFT;

			ret = remap && remap->remap
				      ? remap->remap(remap->ctx, *phys, nslabs,
						     limit, transient)
				      : 0;
			if (!ret) {
				*order_out = order;
				if (order != want)
					dmk_log(plat, DMK_LOG_WARN,
						"swiotlb: pool of %zu bytes instead of %zu",
						(size_t)DMK_PAGE_SIZE << order,
						(size_t)DMK_PAGE_SIZE << want);
				return 0;
			}
			if (plat->ops->free_pages)
				plat->ops->free_pages(plat->ctx, *phys, order);
			*va = NULL;
			/* A hypervisor that cannot do it at all will not
			 * do it for a smaller pool either. */
			if (ret == -DMK_ENOTSUP)
				return ret;
		}
		if (order == floor)
			break;
	}
	if (ret == -DMK_ENOMEM && !transient)
		dmk_log(plat, DMK_LOG_ERR,
			"swiotlb: cannot allocate a %zu-byte pool below 0x%llx",
			(size_t)DMK_PAGE_SIZE << floor,
			(unsigned long long)limit);
	return ret;
}

static int pool_new(const struct dmk_platform *plat, size_t bytes,
		    dmk_phys_t limit, unsigned int nareas,
		    const struct dmk_swiotlb_remap *remap, bool transient,
		    struct dmk_swiotlb **out)
{
	unsigned int order = 0;
	dmk_phys_t phys = 0;
	void *va = NULL;
	int ret;

	if (!plat || !plat->ops || !plat->ops->alloc_pages || !bytes || !out)
		return -DMK_EINVAL;
	if (!limit)
		limit = DMK_SWIOTLB_DEFAULT_LIMIT;
	ret = pool_alloc_remapped(plat, bytes, limit, remap, transient, &order,
				  &phys, &va);
	if (ret)
		return ret;
	ret = pool_create(plat, va, phys,
			  (DMK_PAGE_SIZE << order) >> DMK_IO_TLB_SHIFT, nareas,
			  out);
	if (ret) {
		if (remap && remap->unremap)
			remap->unremap(remap->ctx, phys,
				       (DMK_PAGE_SIZE << order) >>
					       DMK_IO_TLB_SHIFT);
		if (plat->ops->free_pages)
			plat->ops->free_pages(plat->ctx, phys, order);
		return ret;
	}
	(*out)->owns_pages = true;
	(*out)->order = order;
	(*out)->transient = transient;
	if (remap)
		(*out)->remap = *remap;
	if (!transient)
		dmk_log(plat, DMK_LOG_INFO,
			"software IO TLB: mapped [mem 0x%016llx-0x%016llx] (%zuMB)",
			(unsigned long long)phys,
			(unsigned long long)(phys + (DMK_PAGE_SIZE << order) -
					     1),
			(size_t)(DMK_PAGE_SIZE << order) >> 20);
	return 0;
}

int dmk_swiotlb_init_remap(const struct dmk_platform *plat, size_t bytes,
			   dmk_phys_t limit, unsigned int nareas,
			   const struct dmk_swiotlb_remap *remap,
			   struct dmk_swiotlb **out)
{
	return pool_new(plat, bytes, limit, nareas, remap, false, out);
}

int dmk_swiotlb_pool_transient(const struct dmk_platform *plat, size_t bytes,
			       dmk_phys_t limit,
			       const struct dmk_swiotlb_remap *remap,
			       struct dmk_swiotlb **out)
{
	return pool_new(plat, bytes, limit, 1, remap, true, out);
}

void dmk_swiotlb_free(struct dmk_swiotlb *pool)
{
	if (!pool)
		return;
	if (pool->remap.unremap)
		pool->remap.unremap(pool->remap.ctx, pool->start, pool->nslabs);
	if (pool->owns_pages && pool->plat->ops->free_pages)
		pool->plat->ops->free_pages(pool->plat->ctx, pool->start,
					    pool->order);
	pool_release_meta(pool);
}

bool dmk_is_swiotlb_buffer(const struct dmk_swiotlb *pool, dmk_phys_t phys)
{
	if (!pool)
		return false;
	if (phys >= pool->start && phys < pool->end)
		return true;
	return pool->dyn && dyn_lookup(pool->dyn, phys);
}

void dmk_swiotlb_span(const struct dmk_swiotlb *pool, dmk_phys_t *start,
		      dmk_phys_t *end, void **va)
{
	if (start)
		*start = pool ? pool->start : 0;
	if (end)
		*end = pool ? pool->end : 0;
	if (va)
		*va = pool ? pool->va : NULL;
}

/* ---- restricted pools (DT restricted-dma-pool) ---- */

int dmk_swiotlb_create_restricted(struct dmk_system *sys, dmk_phys_t phys,
				  size_t size, struct dmk_swiotlb **out)
{
	const struct dmk_platform *plat;
	int ret;

	if (!sys || !out || size < DMK_IO_TLB_SIZE)
		return -DMK_EINVAL;
	plat = sys->plat;
	if (phys < plat->ram_start || phys + size < phys ||
	    phys + size > plat->ram_end) {
		dmk_log(plat, DMK_LOG_ERR,
			"swiotlb: restricted pool 0x%llx+%zu is not in RAM",
			(unsigned long long)phys, size);
		return -DMK_EINVAL;
	}
	if (sys->layer && sys->layer->restricted_pool) {
		ret = sys->layer->restricted_pool(sys, phys, size);
		if (ret)
			return ret;
	}
	ret = pool_create(plat, dmk_phys_to_virt(plat, phys), phys,
			  size >> DMK_IO_TLB_SHIFT, sys->cfg.swiotlb_nareas,
			  out);
	if (!ret)
		dmk_log(plat, DMK_LOG_INFO,
			"Reserved memory: created restricted DMA pool at 0x%llx, size %zu KiB",
			(unsigned long long)phys, size >> 10);
	return ret;
}

void dmk_swiotlb_destroy_restricted(struct dmk_swiotlb *pool)
{
	dmk_swiotlb_free(pool);
}
