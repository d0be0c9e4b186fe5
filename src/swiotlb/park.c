/* SPDX-License-Identifier: MIT */
/*
 * Parked runs going back to the allocator: a thread's own run before it
 * allocates anything else, every thread's when the pool is full, and
 * the count of what is parked for the pool's numbers.  What a park is,
 * and the inline take and put of map and unmap, are in park.h.
 */
#include "park.h"

void dmk_swiotlb_park_flush(struct dmk_swiotlb *pool, struct swiotlb_park *p)
{
	int64_t run = park_get(p);

	p->holder = dmk_env_token_gen();
	p->epoch = dmk_atomic_load(&pool->drain_epoch, DMK_ORDER_RELAXED);
	if (run == PARK_NONE)
		return;
	park_set(p, PARK_NONE);
	dmk_swiotlb_release_slots(pool, run_slot(run), run_nslots(run));
}

unsigned int dmk_swiotlb_park_drain(struct dmk_swiotlb *pool)
{
	unsigned int freed = 0;

	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++) {
		struct swiotlb_park *p = &pool->park[t - 1];
		int64_t run;

		if (park_get(p) == PARK_NONE || !dmk_env_token_claim(t))
			continue;
		run = park_get(p);
		if (run != PARK_NONE) {
			park_set(p, PARK_NONE);
			dmk_swiotlb_release_slots(pool, run_slot(run),
						  run_nslots(run));
			freed += run_nslots(run);
		}
		dmk_env_token_put(t);
	}
	dmk_atomic_fetch_add(&pool->drain_epoch, 1, DMK_ORDER_RELAXED);
	return freed;
}

uint64_t dmk_swiotlb_parked(struct dmk_swiotlb *pool,
			    const struct swiotlb_area *a)
{
	uint64_t n = 0;

	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++) {
		int64_t run = park_get(&pool->park[t - 1]);

		if (run != PARK_NONE &&
		    (!a || area_of(pool, run_slot(run)) == a))
			n += run_nslots(run);
	}
	return n;
}
