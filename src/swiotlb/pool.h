/* SPDX-License-Identifier: MIT */
/*
 * The bounce pool's private layout (Linux's struct io_tlb_pool and
 * struct io_tlb_area in kernel/dma/swiotlb.c), shared by the files of
 * src/swiotlb/ and by nobody else: the rest of the library sees
 * src/swiotlb.h.  The semantics are Linux's; the allocator is not
 * (docs/swiotlb.md says why and how much faster it is).
 *
 *   bits128.h  a segment's 128 free bits
 *   records.h  the 7-byte record per slot, and finding a mapping by it
 *   slots.c    the slot allocator: areas, their locks, the search
 *   park.c     parked runs: a thread's last small unmap, kept for it
 *   bounce.c   map, unmap and syncs: the copies
 *   alloc.c    coherent allocations from a (restricted) pool
 *   stats.c    counters, the high-water mark, "buffer is full"
 *   pool.c     life cycle: create, init_remap, free, restricted pools
 *   dynamic.h  the pool list of a dynamic swiotlb and its lock-free
 *              lookup by address (CONFIG_SWIOTLB_DYNAMIC)
 *   dynamic.c  transient pools and growth
 *
 * Geometry.  2 KiB slots in segments of 128; no mapping crosses a
 * segment, so the largest mapping is 256 KiB.  Segments are split into
 * nareas areas (a power of two), each with its own spinlock, counters
 * and hints, on its own cache line.
 *
 * Everything here is static inline: map and unmap call it on every
 * operation, and a call into another file is a call the compiler
 * cannot inline.
 */
#ifndef DMAKIT_SWIOTLB_POOL_H
#define DMAKIT_SWIOTLB_POOL_H

#include "../internal.h"
#include "../swiotlb.h"
#include "bits128.h"

#define SEG_SLOTS DMK_IO_TLB_SEGSIZE
#define SEG_BYTES (SEG_SLOTS * DMK_IO_TLB_SIZE)
#define SLOT_MASK (DMK_IO_TLB_SIZE - 1)
#define MAX_MAPPING ((size_t)SEG_BYTES)

struct swiotlb_area {
	dmk_spinlock_t lock;
	unsigned int seg_first; /* first segment (pool index) */
	unsigned int nsegs;
	unsigned int hint;   /* area-relative segment of the last free */
	unsigned int cursor; /* next-fit cursor over partly used segments */
	/* No partly used segment has a free run longer than this (an
	 * upper bound, exact after a scan of them all failed): a request
	 * longer than it skips that scan, which at high occupancy would
	 * otherwise visit every segment on every large map. */
	unsigned int partial_run_max;
	unsigned int npartial; /* segments set in partial */
	/* The last request shape that no partly used segment could hold,
	 * still true until free space appears in them: in one segment
	 * (miss_dirty, checked alone) or in more (the record is dropped).
	 * It stops the 64 KiB-at-90 % loop (map into an empty segment,
	 * unmap empties it again) from rescanning every segment. */
	bool miss_valid;
	unsigned int miss_dirty;
	unsigned int miss_nslots;
	uint64_t miss_stride, miss_residue, miss_bus_offset, miss_boundary;
	size_t nslots;
	size_t free;
	/* Per area, counted under the lock: no global atomics on the
	 * hot path; the pool's numbers are sums read under each lock. */
	uint64_t hiwater;
	uint64_t bounced_maps;
	uint64_t bounced_bytes;
	uint64_t *partial; /* bit per segment: 0 < free < 128 */
	uint64_t *empty;   /* bit per segment: wholly free */
} __attribute__((aligned(64)));

struct swiotlb_park; /* park.h */
struct swiotlb_dyn;  /* dynamic.h */

struct dmk_swiotlb {
	const struct dmk_platform *plat;
	uint8_t *va;
	dmk_phys_t start, end;
	/* The pool list of a dynamic swiotlb, on its first (default) pool
	 * only; NULL otherwise.  A map that this pool cannot serve goes on
	 * to the list, an address outside it is looked up there. */
	struct swiotlb_dyn *dyn;
	/* One mapping's pool (Linux's io_tlb_pool.transient): never
	 * parked, freed with its mapping. */
	bool transient;
	size_t nslabs;
	unsigned int nsegs;
	unsigned int nareas;
	bool owns_pages;
	unsigned int order; /* of the platform block, when owned */
	/* What made the pool usable by devices, undone before the pages go
	 * back (swiotlb-xen's fix-up); remap.unremap NULL when nothing. */
	struct dmk_swiotlb_remap remap;

	struct swiotlb_area *areas;
	/* Free bits, two words per segment; written under the area's
	 * lock, read lock-free by the record lookup (atomics keep that
	 * well defined, and cost nothing on x86 or arm64). */
	uint64_t *freemap;
	uint8_t *seg_free; /* free slots per segment */
	uint8_t *rec;	   /* one REC_BYTES record per slot (records.h) */

	struct swiotlb_park *park; /* [DMK_ENV_TOKENS] */
	unsigned int drain_epoch;  /* bumped when a map finds it full */

	/* The set to grow when an area of this pool passes the threshold:
	 * set on the newest non-transient pool of a dynamic swiotlb only
	 * (atomic: growth moves it to the new pool). */
	struct swiotlb_dyn *watch;

	uint64_t full;
	uint64_t warn_next_ns; /* with a clock: next allowed line */
	bool warned;	       /* without one: quiet until a map succeeds */
};

static inline dmk_phys_t slot_phys(const struct dmk_swiotlb *pool, size_t i)
{
	return pool->start + ((dmk_phys_t)i << DMK_IO_TLB_SHIFT);
}

static inline struct bits128 seg_bits(const struct dmk_swiotlb *pool,
				      unsigned int seg)
{
	struct bits128 r;

	r.lo = dmk_atomic_load(&pool->freemap[2 * seg], DMK_ORDER_RELAXED);
	r.hi = dmk_atomic_load(&pool->freemap[2 * seg + 1], DMK_ORDER_RELAXED);
	return r;
}

static inline void seg_set_bits(struct dmk_swiotlb *pool, unsigned int seg,
				struct bits128 v)
{
	dmk_atomic_store(&pool->freemap[2 * seg], v.lo, DMK_ORDER_RELAXED);
	dmk_atomic_store(&pool->freemap[2 * seg + 1], v.hi, DMK_ORDER_RELAXED);
}

static inline bool slot_is_free(const struct dmk_swiotlb *pool, size_t i)
{
	uint64_t w = dmk_atomic_load(&pool->freemap[i / 64], DMK_ORDER_RELAXED);

	return (w >> (i % 64)) & 1;
}

/* dmk_is_swiotlb_buffer for a pool known to exist, inline on hot paths. */
static inline bool in_pool(const struct dmk_swiotlb *pool, dmk_phys_t phys)
{
	return phys >= pool->start && phys < pool->end;
}

/* ---- pool.c ---- */

/*
 * A pool for one mapping of a dynamic swiotlb (dynamic.c): the pages of
 * bytes rounded up to a power of two below limit, remapped as the
 * default pool was, one area; no halving and no log line.
 */
int dmk_swiotlb_pool_transient(const struct dmk_platform *plat, size_t bytes,
			       dmk_phys_t limit,
			       const struct dmk_swiotlb_remap *remap,
			       struct dmk_swiotlb **out);

/* ---- stats.c ---- */

/* A map failed: count it and, unless NO_WARN or too soon, say so. */
void dmk_swiotlb_report_full(struct dmk_swiotlb *pool, size_t size,
			     unsigned long attrs);

#endif /* DMAKIT_SWIOTLB_POOL_H */
