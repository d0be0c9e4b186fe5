/* SPDX-License-Identifier: MIT */
/*
 * A dynamic swiotlb's pool list (Linux 6.6's CONFIG_SWIOTLB_DYNAMIC:
 * io_tlb_mem.pools, dev->dma_io_tlb_pools and swiotlb_find_pool in
 * kernel/dma/swiotlb.c), hung on the default pool (pool.h: dyn).
 *
 * Two kinds of pool join the default one: grown pools, added when the
 * newest pool passes 3/4 used (swiotlb_dyn_alloc), kept until the
 * system goes; and transient pools, one per mapping that no other pool
 * could serve, freed with it (swiotlb_alloc_pool from
 * swiotlb_find_slots, swiotlb_del_transient).
 *
 * Finding the pool of an address.  Linux walks RCU lists, O(pools).
 * Here every pool but the default one has an entry in one array sorted
 * by address, searched by bisection, O(log pools), without a lock: a
 * writer (under lock, on the slow paths that add or drop a pool) makes
 * the sequence count odd, edits the array in place, makes it even; a
 * reader retries while the count is odd or changed under it.  An array
 * that runs out of room is replaced by one twice its size and the old
 * one is kept until the end, so a reader holding it reads memory that
 * still exists (the kept arrays sum to less than the live one).  The
 * default pool is never in the array: its mappings are told by two
 * compares (in_pool) before any of this is looked at.
 *
 * The lookup is static inline: unmap and sync of a mapping outside the
 * default pool call it on every operation.
 */
#ifndef DMAKIT_SWIOTLB_DYNAMIC_H
#define DMAKIT_SWIOTLB_DYNAMIC_H

#include "pool.h"
#include "slots.h"

/* Grown pools at most (each the size of the default pool): beyond
 * them, transient pools serve what no pool can. */
#define DYN_MAX_GROWN 32

struct swiotlb_pool_ent {
	dmk_phys_t start, end;
	struct dmk_swiotlb *pool;
};

/* An array of entries; the ones outgrown are kept on a list. */
struct swiotlb_pool_table {
	struct swiotlb_pool_table *retired;
	unsigned int cap;
	struct swiotlb_pool_ent ents[];
};

enum { DYN_IDLE, DYN_GROWING };

struct swiotlb_dyn {
	struct dmk_swiotlb *root; /* the default pool */
	const struct dmk_platform *plat;
	/* What made the default pool usable (swiotlb-xen's fix-up): every
	 * new pool gets the same, or is refused. */
	struct dmk_swiotlb_remap remap;
	dmk_phys_t phys_limit; /* of grown pools (io_tlb_mem.phys_limit) */
	size_t grow_bytes;     /* a grown pool: the default pool's size */
	unsigned int nareas;

	/* The address table.  seq odd while a writer edits it. */
	dmk_spinlock_t lock; /* writers of the table and of grown[] */
	unsigned int seq;
	struct swiotlb_pool_table *table;
	unsigned int nents;

	/* Non-transient pools after the default one, oldest first:
	 * append-only, ngrown published after the entry (release). */
	struct dmk_swiotlb *grown[DYN_MAX_GROWN];
	unsigned int ngrown;

	/* Growth: DYN_GROWING from the kick until the work has run. */
	unsigned int grow_state;
	int grow_error; /* the last growth's -DMK_E*, 0 */
	bool grow_refused_said;
	/* After a failed growth, none before transient_total reaches it. */
	uint64_t grow_after;
	/* The remap hook said never (-DMK_ENOTSUP): no new pools at all. */
	bool refused;

	/* Numbers (under lock, read under it by stats.c). */
	uint64_t transient_live, transient_total, transient_failed;
	uint64_t grown_total, grow_failed;
	uint64_t pool_bytes, pool_bytes_hiwater; /* every pool, default too */
	uint64_t pools_hiwater; /* pools at once, default too */
};

/* The pool of the list that holds phys, or NULL (never the default
 * pool: the caller has checked it first). */
static inline struct dmk_swiotlb *dyn_lookup(struct swiotlb_dyn *d,
					     dmk_phys_t phys)
{
	for (;;) {
		unsigned int s = dmk_atomic_load(&d->seq, DMK_ORDER_ACQUIRE);
		struct swiotlb_pool_table *t;
		struct dmk_swiotlb *found = NULL;
		unsigned int lo = 0, hi;

		if (s & 1) {
			dmk_cpu_relax();
			continue;
		}
		t = dmk_atomic_load(&d->table, DMK_ORDER_ACQUIRE);
		hi = dmk_atomic_load(&d->nents, DMK_ORDER_ACQUIRE);
		/* The last entry starting at or below phys. */
		while (lo < hi) {
			unsigned int mid = lo + (hi - lo) / 2;

			if (dmk_atomic_load(&t->ents[mid].start,
					    DMK_ORDER_ACQUIRE) <= phys)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* Acquire loads: the recheck below cannot pass them. */
		if (lo && phys < dmk_atomic_load(&t->ents[lo - 1].end,
						 DMK_ORDER_ACQUIRE))
			found = dmk_atomic_load(&t->ents[lo - 1].pool,
						DMK_ORDER_ACQUIRE);
		if (dmk_atomic_load(&d->seq, DMK_ORDER_RELAXED) == s)
			return found;
	}
}

/* The pool of the set rooted at root that holds phys, or NULL. */
static inline struct dmk_swiotlb *dyn_pool_of(struct dmk_swiotlb *root,
					      dmk_phys_t phys)
{
	if (in_pool(root, phys))
		return root;
	return root->dyn ? dyn_lookup(root->dyn, phys) : NULL;
}

/* ---- dynamic.c ---- */

/*
 * The default pool could not serve req (dev may be NULL): try the
 * grown pools, then make a transient pool below the device's reach.
 * Returns the pool and stores the first slot in *slot, or NULL.
 */
struct dmk_swiotlb *dmk_swiotlb_dyn_find(struct swiotlb_dyn *d,
					 struct dmk_device *dev,
					 struct swiotlb_req *req, long *slot);

/* An area of a watched pool passed the threshold: grow, once at a time,
 * through the platform's deferred work or right now. */
void dmk_swiotlb_dyn_kick(struct swiotlb_dyn *d);

/* A transient pool's mapping is gone: drop it from the list, free it. */
void dmk_swiotlb_dyn_free_transient(struct swiotlb_dyn *d,
				    struct dmk_swiotlb *pool);

#endif /* DMAKIT_SWIOTLB_DYNAMIC_H */
