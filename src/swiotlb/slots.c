/* SPDX-License-Identifier: MIT */
/*
 * The slot allocator: which slots a mapping gets and how they come back
 * (Linux's swiotlb_find_slots, swiotlb_search_area and
 * swiotlb_release_slots in kernel/dma/swiotlb.c; the algorithm is not
 * theirs, docs/swiotlb.md compares the two).
 *
 * Areas.  Segments are split into nareas areas, each with its own
 * spinlock, counters and hints on its own cache line.  A search starts
 * in the area of the current CPU and tries the others; it fails only
 * when all fail.
 *
 * Free space.  One bit per slot (1 = free), 128 bits per segment
 * (bits128.h).  A fit of n slots is found with word operations: the
 * run-start mask m = w & w>>1 & ... (log2 n steps) has bit i set iff
 * slots i..i+n-1 are free; AND it with the alignment pattern, take the
 * lowest bit.  Per segment a free count, per area a bitmap of partly
 * used and of empty segments, so the search skips what cannot fit
 * without looking at it.  Policy: the segment of the last free first
 * (LIFO: the slots just released are warm in the cache), then partly
 * used segments from a next-fit cursor, then empty ones; keeping empty
 * segments whole is what lets a 256 KiB request succeed late under
 * churn.  Nothing is renumbered on map or unmap: only the mapping's own
 * bits change.
 *
 * Map and unmap reach this file only when their thread's parked run
 * (park.h) does not serve them.
 */
#include "slots.h"
#include "park.h"

/* First fit of req in segment seg, or -1. */
static int seg_find(const struct dmk_swiotlb *pool, unsigned int seg,
		    const struct swiotlb_req *req)
{
	dmk_phys_t seg_phys = slot_phys(pool, (size_t)seg * SEG_SLOTS);
	uint64_t seg_bus = seg_phys + req->bus_offset;
	struct bits128 m = b128_run_starts(seg_bits(pool, seg), req->nslots);

	if (req->stride > 1) {
		uint64_t first = seg_bus >> DMK_IO_TLB_SHIFT;
		uint64_t phase = (req->residue - first) & (req->stride - 1);

		m = b128_and(m, b128_pattern(req->stride, phase));
	}
	if (b128_empty(m))
		return -1;
	if (req->boundary == ~0ULL ||
	    !crosses_boundary(seg_bus, SEG_BYTES, req->boundary))
		return (int)b128_ctz(m);
	while (!b128_empty(m)) {
		unsigned int pos = b128_ctz(m);
		uint64_t bus = seg_bus + ((uint64_t)pos << DMK_IO_TLB_SHIFT);

		if (!crosses_boundary(bus,
				      (size_t)req->nslots << DMK_IO_TLB_SHIFT,
				      req->boundary))
			return (int)pos;
		m = b128_and(m,
			     (struct bits128){pos < 64 ? ~(1ULL << pos) : ~0ULL,
					      pos >= 64 ? ~(1ULL << (pos - 64))
							: ~0ULL});
	}
	return -1;
}

static inline void bit_assign(uint64_t *map, unsigned int i, bool v)
{
	if (v)
		map[i / 64] |= 1ULL << (i % 64);
	else
		map[i / 64] &= ~(1ULL << (i % 64));
}

static inline bool seg_is(const uint64_t *map, unsigned int rel)
{
	return map[rel / 64] >> (rel % 64) & 1;
}

/* Keep the area's partial/empty segment bitmaps in step with a count. */
static inline void seg_classify(struct dmk_swiotlb *pool,
				struct swiotlb_area *a, unsigned int rel)
{
	unsigned int seg = a->seg_first + rel;
	unsigned int cap =
		(unsigned int)(pool->nslabs - (size_t)seg * SEG_SLOTS);
	unsigned int f = pool->seg_free[seg];

	bool was_partial = seg_is(a->partial, rel);
	bool partial;

	if (cap > SEG_SLOTS)
		cap = SEG_SLOTS;
	partial = f != 0 && f != cap;
	bit_assign(a->empty, rel, f == cap);
	bit_assign(a->partial, rel, partial);
	a->npartial += (unsigned int)partial - (unsigned int)was_partial;
	/* A run is never longer than the segment's free count; with no
	 * partly used segment left, no request needs to look at them. */
	if (partial && f > a->partial_run_max)
		a->partial_run_max = f;
	else if (!a->npartial)
		a->partial_run_max = 0;
}

/* Next set bit of map at or after from (wrapping), or -1. */
static int next_bit_wrap(const uint64_t *map, unsigned int nbits,
			 unsigned int from)
{
	unsigned int nwords = (nbits + 63) / 64;
	unsigned int w = from / 64;
	uint64_t word = map[w] & (~0ULL << (from % 64));

	for (unsigned int k = 0; k <= nwords; k++) {
		if (word) {
			unsigned int bit =
				w * 64 + (unsigned int)__builtin_ctzll(word);

			if (bit < nbits)
				return (int)bit;
		}
		w = (w + 1) % nwords;
		word = map[w];
	}
	return -1;
}

/*
 * An upper bound of the longest free run of a segment in which req did
 * not fit: its free count, or less than req when no run is that long.
 */
static unsigned int run_bound_after_miss(const struct dmk_swiotlb *pool,
					 unsigned int seg,
					 const struct swiotlb_req *req)
{
	unsigned int f = pool->seg_free[seg];

	if (f < req->nslots)
		return f;
	if (b128_empty(b128_run_starts(seg_bits(pool, seg), req->nslots)))
		return req->nslots - 1;
	return f;
}

/*
 * Walk the segments whose bit is set in map, from segment from on and
 * wrapping once, until one holds a fit.  Returns the pool slot index
 * (and the segment in *found) or -1; then, if run_max is given, it is
 * set to a bound of the longest free run of the segments visited.
 */
static long scan_segments(struct dmk_swiotlb *pool, struct swiotlb_area *a,
			  const uint64_t *map, unsigned int from,
			  const struct swiotlb_req *req, unsigned int *found,
			  unsigned int *run_max)
{
	int rel = next_bit_wrap(map, a->nsegs, from);
	int first = rel;
	unsigned int bound = 0;

	while (rel >= 0) {
		unsigned int seg = a->seg_first + (unsigned int)rel;
		unsigned int miss;
		int pos;

		if (pool->seg_free[seg] >= req->nslots) {
			pos = seg_find(pool, seg, req);
			if (pos >= 0) {
				*found = (unsigned int)rel;
				return (long)seg * SEG_SLOTS + pos;
			}
		}
		if (run_max) {
			miss = run_bound_after_miss(pool, seg, req);
			if (miss > bound)
				bound = miss;
		}
		rel = next_bit_wrap(map, a->nsegs,
				    ((unsigned int)rel + 1) % a->nsegs);
		if (rel == first)
			break;
	}
	if (run_max)
		*run_max = bound;
	return -1;
}

#define MISS_NONE UINT_MAX

/* Does the recorded miss prove req cannot fit a partly used segment
 * (apart from the dirty one)?  A longer run of the same shape cannot
 * fit where a shorter one did not. */
static bool miss_covers(const struct swiotlb_area *a,
			const struct swiotlb_req *req)
{
	return a->miss_valid && req->nslots >= a->miss_nslots &&
	       req->stride == a->miss_stride &&
	       req->residue == a->miss_residue &&
	       req->bus_offset == a->miss_bus_offset &&
	       req->boundary == a->miss_boundary;
}

static void miss_record(struct swiotlb_area *a, const struct swiotlb_req *req)
{
	a->miss_valid = true;
	a->miss_dirty = MISS_NONE;
	a->miss_nslots = req->nslots;
	a->miss_stride = req->stride;
	a->miss_residue = req->residue;
	a->miss_bus_offset = req->bus_offset;
	a->miss_boundary = req->boundary;
}

/* Segment rel is partly used and has more free slots than before. */
static void partial_grew(struct swiotlb_area *a, unsigned int rel)
{
	if (!a->miss_valid || a->miss_dirty == rel)
		return;
	if (a->miss_dirty == MISS_NONE)
		a->miss_dirty = rel;
	else
		a->miss_valid = false;
}

/* The partly used segments for req: all of them, or only the one that
 * changed since the same shape missed them all. */
static long search_partial(struct dmk_swiotlb *pool, struct swiotlb_area *a,
			   const struct swiotlb_req *req, unsigned int *found)
{
	unsigned int d = a->miss_dirty;
	long slot;
	int pos;

	if (req->nslots > a->partial_run_max)
		return -1;
	if (!miss_covers(a, req)) {
		slot = scan_segments(pool, a, a->partial, a->cursor, req, found,
				     &a->partial_run_max);
		if (slot < 0)
			miss_record(a, req);
		return slot;
	}
	if (d == MISS_NONE || !seg_is(a->partial, d) ||
	    pool->seg_free[a->seg_first + d] < req->nslots)
		return -1;
	pos = seg_find(pool, a->seg_first + d, req);
	if (pos < 0)
		return -1;
	*found = d;
	return (long)(a->seg_first + d) * SEG_SLOTS + pos;
}

/* Reserve req in area a; returns the pool slot index or -1. */
static long area_alloc(struct dmk_swiotlb *pool, struct swiotlb_area *a,
		       struct swiotlb_req *req)
{
	unsigned int rel;
	long slot = -1;
	unsigned int seg;
	struct bits128 bits;
	uint64_t used;
	bool was_empty;

	dmk_spin_lock(&a->lock);
	rel = a->hint;
	if (a->free < req->nslots)
		goto out;

	/* The segment of the last free, unless that left it empty: then
	 * a partly used one is a better home (keep empties whole). */
	seg = a->seg_first + rel;
	if (!seg_is(a->empty, rel) && pool->seg_free[seg] >= req->nslots) {
		int pos = seg_find(pool, seg, req);

		if (pos >= 0)
			slot = (long)seg * SEG_SLOTS + pos;
	}
	if (slot < 0)
		slot = search_partial(pool, a, req, &rel);
	if (slot >= 0) {
		a->cursor = rel;
	} else if (seg_is(a->empty, rel)) {
		/* The segment of the last free emptied: the first empty
		 * one the scan below would visit, so try it directly. */
		int pos = seg_find(pool, seg, req);

		if (pos >= 0)
			slot = (long)seg * SEG_SLOTS + pos;
	}
	if (slot < 0)
		slot = scan_segments(pool, a, a->empty, a->hint, req, &rel,
				     NULL);
	if (slot < 0)
		goto out;

	seg = (unsigned int)(slot / SEG_SLOTS);
	bits = seg_bits(pool, seg);
	{
		struct bits128 run =
			b128_run((unsigned int)(slot % SEG_SLOTS), req->nslots);

		bits.lo &= ~run.lo;
		bits.hi &= ~run.hi;
	}
	seg_set_bits(pool, seg, bits);
	pool->seg_free[seg] -= req->nslots;
	a->hint = seg - a->seg_first;
	was_empty = seg_is(a->empty, a->hint);
	seg_classify(pool, a, a->hint);
	if (was_empty && seg_is(a->partial, a->hint))
		partial_grew(a, a->hint);
	a->free -= req->nslots;
	used = a->nslots - a->free;
	if (used > a->hiwater)
		a->hiwater = used;
	/* A dynamic swiotlb grows when its newest pool passes 3/4 used
	 * (measured per area, the unit the allocator fills). */
	if (__builtin_expect(dmk_atomic_load(&pool->watch, DMK_ORDER_RELAXED) !=
				     NULL,
			     0) &&
	    used * 4 > (uint64_t)a->nslots * 3)
		req->crowded = true;
	if (req->bytes) {
		a->bounced_maps++;
		a->bounced_bytes += req->bytes;
	}
out:
	dmk_spin_unlock(&a->lock);
	return slot;
}

bool dmk_swiotlb_release_slots(struct dmk_swiotlb *pool, size_t head,
			       unsigned int nslots)
{
	struct swiotlb_area *a = area_of(pool, head);
	unsigned int seg = (unsigned int)(head / SEG_SLOTS);
	struct bits128 run = b128_run((unsigned int)(head % SEG_SLOTS), nslots);
	struct bits128 bits;
	bool ok;

	dmk_spin_lock(&a->lock);
	bits = seg_bits(pool, seg);
	ok = b128_empty(b128_and(bits, run));
	if (ok) {
		bits.lo |= run.lo;
		bits.hi |= run.hi;
		seg_set_bits(pool, seg, bits);
		pool->seg_free[seg] += nslots;
		a->free += nslots;
		a->hint = seg - a->seg_first;
		seg_classify(pool, a, a->hint);
		if (seg_is(a->partial, a->hint))
			partial_grew(a, a->hint);
	}
	dmk_spin_unlock(&a->lock);
	return ok;
}

static unsigned int this_area(const struct dmk_swiotlb *pool)
{
	const struct dmk_platform *plat = pool->plat;
	unsigned int cpu = plat->ops->cpu_id ? plat->ops->cpu_id(plat->ctx) : 0;

	return cpu & (pool->nareas - 1);
}

/*
 * Start in this CPU's area, then the others in turn.  This thread's
 * parked slot goes back first, so that what the search sees is exactly
 * what is free; a search that fails everywhere drains the other parks
 * and tries once more.
 */
long dmk_swiotlb_find_slots(struct dmk_swiotlb *pool, struct swiotlb_req *req)
{
	unsigned int first = this_area(pool);
	struct swiotlb_park *p = my_park(pool);

	if (p)
		dmk_swiotlb_park_flush(pool, p);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int k = 0; k < pool->nareas; k++) {
			unsigned int ai = (first + k) & (pool->nareas - 1);
			long slot = area_alloc(pool, &pool->areas[ai], req);

			if (slot >= 0)
				return slot;
		}
		if (pass || !dmk_swiotlb_park_drain(pool))
			break;
	}
	return -1;
}

/*
 * Words of an area's partial and empty bitmaps, rounded up to whole
 * cache lines: every map and unmap writes them, and two CPUs' areas
 * sharing a line would bounce it between them on every operation.
 */
static unsigned int area_map_words(unsigned int nsegs)
{
	unsigned int words = 2 * ((nsegs + 63) / 64);

	return (words + 7) & ~7u;
}

int dmk_swiotlb_areas_init(struct dmk_swiotlb *pool)
{
	unsigned int total_words = 0;
	uint64_t *words;

	for (unsigned int k = 0; k < pool->nareas; k++) {
		struct swiotlb_area *a = &pool->areas[k];
		/* size_t, not uint64_t: a 32-bit kernel has no 64-bit
		 * division, and there nslabs < 2^21 keeps k * nsegs small. */
		unsigned int lo =
			(unsigned int)((size_t)k * pool->nsegs / pool->nareas);
		unsigned int hi = (unsigned int)((size_t)(k + 1) * pool->nsegs /
						 pool->nareas);

		dmk_spin_init(&a->lock);
		a->seg_first = lo;
		a->nsegs = hi - lo;
		total_words += area_map_words(a->nsegs);
	}
	/* One block for every area's bitmaps, freed through the first
	 * area's (pool.c). */
	words = dmk_zalloc_aligned((size_t)total_words * sizeof(*words));
	if (!words)
		return -DMK_ENOMEM;
	for (unsigned int k = 0; k < pool->nareas; k++) {
		struct swiotlb_area *a = &pool->areas[k];
		unsigned int nw = (a->nsegs + 63) / 64;

		a->partial = words;
		a->empty = words + nw;
		words += area_map_words(a->nsegs);
		for (unsigned int rel = 0; rel < a->nsegs; rel++) {
			unsigned int seg = a->seg_first + rel;

			a->nslots += pool->seg_free[seg];
			seg_classify(pool, a, rel);
		}
		a->free = a->nslots;
	}
	return 0;
}
