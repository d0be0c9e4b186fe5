/* SPDX-License-Identifier: MIT */
/*
 * Parked runs.  A thread's park (one line per thread token, written by
 * that thread only) holds the slots of the last small mapping it
 * unmapped, kept for its next map of the same number of slots.  A
 * map+unmap loop then takes no lock at all, as Linux's per-CPU page
 * lists spare the buddy allocator's zone lock (mm/page_alloc.c; Linux's
 * swiotlb has no counterpart).  The slots stay taken in the free bitmap
 * and the head's record says "no mapping", so a stale unmap or sync is
 * refused as before; the pool's used count leaves them out.  The thread
 * gives them back before it allocates anything else, and a map that
 * finds the pool full takes back the runs of exited threads and asks
 * live ones to give theirs back (drain_epoch) at their next call.  Runs
 * are at most PARK_MAX_SLOTS (16 KiB: a jumbo frame), so what threads
 * hold back is bounded by 7 x 16 KiB even before a drain.
 *
 * Taking and putting are static inline here: they are the whole of the
 * allocator's work on the common path of map and unmap.  Giving runs
 * back is in park.c.
 */
#ifndef DMAKIT_SWIOTLB_PARK_H
#define DMAKIT_SWIOTLB_PARK_H

#include "pool.h"
#include "slots.h"

#define PARK_NONE (-1)
#define PARK_MAX_SLOTS 8
#define PARK_SLOT_BITS 40 /* slot index | nslots << PARK_SLOT_BITS */
struct swiotlb_park {
	int64_t run;	       /* parked run, or PARK_NONE */
	unsigned int epoch;    /* the pool's drain_epoch last honoured */
	unsigned int holder;   /* dmk_env_token_gen() of who parked it */
	uint64_t bounced_maps; /* maps served from the park */
	uint64_t bounced_bytes;
} __attribute__((aligned(64)));

/* This thread's park line, or NULL when it has no token (yet). */
static inline struct swiotlb_park *my_park(struct dmk_swiotlb *pool)
{
	unsigned int t = dmk_env_token_peek();

	return t != 0 && t <= DMK_ENV_TOKENS ? &pool->park[t - 1] : NULL;
}

static inline int64_t park_get(const struct swiotlb_park *p)
{
	return dmk_atomic_load(&p->run, DMK_ORDER_RELAXED);
}

static inline void park_set(struct swiotlb_park *p, int64_t run)
{
	dmk_atomic_store(&p->run, run, DMK_ORDER_RELAXED);
}

/* 64 bits wherever long is 32: a slot index takes up to 40. */
static inline int64_t run_make(size_t slot, unsigned int nslots)
{
	return (int64_t)slot | (int64_t)nslots << PARK_SLOT_BITS;
}

static inline size_t run_slot(int64_t run)
{
	return (size_t)(run & (((int64_t)1 << PARK_SLOT_BITS) - 1));
}

static inline unsigned int run_nslots(int64_t run)
{
	return (unsigned int)(run >> PARK_SLOT_BITS);
}

/* Give this thread's parked run back to its area, honour any drain
 * request and make the park this thread's. */
void dmk_swiotlb_park_flush(struct dmk_swiotlb *pool, struct swiotlb_park *p);

/*
 * The pool is full: take back what threads that exited left parked
 * (borrowing their token, so no new thread can take it meanwhile) and
 * ask live threads to give theirs back.  Returns the slots freed.
 */
unsigned int dmk_swiotlb_park_drain(struct dmk_swiotlb *pool);

/* Parked slots in area a (all areas when a is NULL): a snapshot. */
uint64_t dmk_swiotlb_parked(struct dmk_swiotlb *pool,
			    const struct swiotlb_area *a);

/* Could the search (slots.c) have chosen this run for req?  Same
 * length, and the alignment and boundary rules hold at its place. */
static inline bool park_fits(const struct dmk_swiotlb *pool, int64_t run,
			     const struct swiotlb_req *req)
{
	uint64_t bus = slot_phys(pool, run_slot(run)) + req->bus_offset;

	if (run_nslots(run) != req->nslots ||
	    (((bus >> DMK_IO_TLB_SHIFT) - req->residue) & (req->stride - 1)))
		return false;
	return req->boundary == ~0ULL ||
	       !crosses_boundary(bus, (size_t)req->nslots << DMK_IO_TLB_SHIFT,
				 req->boundary);
}

static inline void add_relaxed(uint64_t *ctr, uint64_t n)
{
	dmk_atomic_store(ctr, dmk_atomic_load(ctr, DMK_ORDER_RELAXED) + n,
			 DMK_ORDER_RELAXED);
}

/*
 * May this thread use what its park holds?  Not after the pool asked
 * for parks back, and not when the run was parked by an earlier holder
 * of the token: that thread's CPU chose its area, and two threads
 * reusing neighbouring slots would share the records' cache lines.
 * Either way the run goes back through dmk_swiotlb_park_flush().
 */
static inline bool park_current(struct dmk_swiotlb *pool,
				const struct swiotlb_park *p)
{
	return p->holder == dmk_env_token_gen() &&
	       p->epoch ==
		       dmk_atomic_load(&pool->drain_epoch, DMK_ORDER_RELAXED);
}

/* The parked run for req, taken (its first slot), or -1. */
static inline long park_take(struct dmk_swiotlb *pool,
			     const struct swiotlb_req *req)
{
	struct swiotlb_park *p = my_park(pool);
	int64_t run;

	if (!p)
		return -1;
	run = park_get(p);
	if (run == PARK_NONE || !park_fits(pool, run, req) ||
	    !park_current(pool, p))
		return -1;
	park_set(p, PARK_NONE);
	add_relaxed(&p->bounced_maps, 1);
	add_relaxed(&p->bounced_bytes, req->bytes);
	return (long)run_slot(run);
}

/* Park the slots of a mapping being unmapped, if this thread may; the
 * head's record must already say "no mapping". */
static inline bool park_put(struct dmk_swiotlb *pool, size_t slot,
			    unsigned int nslots)
{
	struct swiotlb_park *p;

	(void)dmk_env_token(); /* unmap is where a thread first parks */
	p = my_park(pool);
	if (!p)
		return false;
	if (!park_current(pool, p)) {
		/* Give back what it holds; after a full pool, park
		 * nothing this time either. */
		bool drained = p->epoch != dmk_atomic_load(&pool->drain_epoch,
							   DMK_ORDER_RELAXED);

		dmk_swiotlb_park_flush(pool, p);
		if (drained)
			return false;
	}
	if (park_get(p) != PARK_NONE)
		return false;
	park_set(p, run_make(slot, nslots));
	return true;
}

#endif /* DMAKIT_SWIOTLB_PARK_H */
