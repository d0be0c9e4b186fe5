/* SPDX-License-Identifier: MIT */
/*
 * The slot allocator as the other files of the pool see it (Linux's
 * swiotlb_find_slots and swiotlb_release_slots): what a request asks
 * of its slots, which area a slot is in, find and release.  slots.c
 * says how the search goes.
 */
#ifndef DMAKIT_SWIOTLB_SLOTS_H
#define DMAKIT_SWIOTLB_SLOTS_H

#include "pool.h"

/* What a mapping needs from the slots it gets. */
struct swiotlb_req {
	unsigned int nslots;
	uint64_t stride;     /* in slots, a power of two */
	uint64_t residue;    /* wanted (bus slot number) mod stride */
	uint64_t bus_offset; /* bus = phys + bus_offset */
	uint64_t boundary;   /* seg_boundary_mask; ~0 for none */
	size_t bytes;	     /* counted as bounced when > 0 */
	/* Out: the area the slots came from is past the growth threshold
	 * of a watched pool (pool.h: watch). */
	bool crowded;
};

static inline bool crosses_boundary(uint64_t bus, size_t bytes, uint64_t mask)
{
	return ((bus ^ (bus + bytes - 1)) & ~mask) != 0;
}

static inline struct swiotlb_area *area_of(struct dmk_swiotlb *pool,
					   size_t slot)
{
	size_t seg = slot / SEG_SLOTS;

	/*
	 * Area k holds segments [k * nsegs / nareas, (k + 1) * nsegs /
	 * nareas) (dmk_swiotlb_areas_init), so k is the largest with
	 * k * nsegs < (seg + 1) * nareas.  Computed, not searched: a
	 * search reads other areas' first lines, where their locks are,
	 * and would bounce them between CPUs on every unmap.
	 */
	return &pool->areas[((seg + 1) * pool->nareas - 1) / pool->nsegs];
}

/*
 * Reserve req's slots: this thread's parked run goes back first, then
 * the search starts in this CPU's area and tries the others.  Returns
 * the first slot's pool index, or -1 when no area holds a fit even
 * after the other threads' parks were asked back.
 */
long dmk_swiotlb_find_slots(struct dmk_swiotlb *pool, struct swiotlb_req *req);

/* Release a mapping's slots; false (nothing changed) if any is free. */
bool dmk_swiotlb_release_slots(struct dmk_swiotlb *pool, size_t head,
			       unsigned int nslots);

/* Give each area its run of segments and classify them (at creation,
 * after the free bits and counts are set); 0 or -DMK_ENOMEM. */
int dmk_swiotlb_areas_init(struct dmk_swiotlb *pool);

#endif /* DMAKIT_SWIOTLB_SLOTS_H */
