/* SPDX-License-Identifier: MIT */
/*
 * swiotlb: the software IO TLB, a pool of bounce buffers for devices
 * that cannot reach a buffer (or must not see it, with a restricted
 * pool).  The semantics are Linux's kernel/dma/swiotlb.c; the allocator
 * is not (docs/swiotlb.md says why and how much faster it is).
 *
 * Geometry.  2 KiB slots in segments of 128; no mapping crosses a
 * segment, so the largest mapping is 256 KiB.  Segments are split into
 * nareas areas (a power of two), each with its own spinlock, counters
 * and hints, on its own cache line.  A search starts in the area of the
 * current CPU and tries the others; it fails only when all fail.
 *
 * Free space.  One bit per slot (1 = free), 128 bits per segment.  A
 * fit of n slots is found with word operations: the run-start mask
 * m = w & w>>1 & ... (log2 n steps) has bit i set iff slots i..i+n-1 are
 * free; AND it with the alignment pattern, take the lowest bit.  Per
 * segment a free count, per area a bitmap of partly used and of empty
 * segments, so the search skips what cannot fit without looking at it.
 * Policy: the segment of the last free first (LIFO: the slots just
 * released are warm in the cache), then partly used segments from a
 * next-fit cursor, then empty ones; keeping empty segments whole is
 * what lets a 256 KiB request succeed late under churn.  Nothing is
 * renumbered on map or unmap: only the mapping's own bits change.
 *
 * Records.  One 56-bit (7-byte) record per slot (Linux keeps 24 bytes),
 * so that record and free bit together stay under 8 bytes per slot.  The
 * head slot of a mapping holds the original address; every other slot
 * holds its distance back to the head, and the second slot also holds
 * the bounce offset and size.  A one-slot mapping packs all three into
 * its head record (original below 2^40; above, the mapping takes two
 * slots).
 * So any address inside a mapping finds its record in O(1), which is
 * what partial syncs and bounds checks need.
 */
#include "internal.h"
#include "swiotlb.h"

#define SEG_SLOTS DMK_IO_TLB_SEGSIZE
#define SEG_BYTES (SEG_SLOTS * DMK_IO_TLB_SIZE)
#define SLOT_MASK (DMK_IO_TLB_SIZE - 1)
#define MAX_MAPPING ((size_t)SEG_BYTES)

/* At most one "buffer is full" line per this many ns (Linux: ratelimit). */
#define FULL_WARN_INTERVAL_NS 5000000000ULL

/* ---- 128-bit segment bitmaps ---- */

struct bits128 {
	uint64_t lo, hi;
};

static inline struct bits128 b128_shr(struct bits128 x, unsigned int s)
{
	struct bits128 r;

	if (s == 0)
		return x;
	if (s >= 64) {
		r.lo = s >= 128 ? 0 : x.hi >> (s - 64);
		r.hi = 0;
	} else {
		r.lo = (x.lo >> s) | (x.hi << (64 - s));
		r.hi = x.hi >> s;
	}
	return r;
}

static inline struct bits128 b128_shl(struct bits128 x, unsigned int s)
{
	struct bits128 r;

	if (s == 0)
		return x;
	if (s >= 64) {
		r.hi = s >= 128 ? 0 : x.lo << (s - 64);
		r.lo = 0;
	} else {
		r.hi = (x.hi << s) | (x.lo >> (64 - s));
		r.lo = x.lo << s;
	}
	return r;
}

static inline struct bits128 b128_and(struct bits128 a, struct bits128 b)
{
	return (struct bits128){a.lo & b.lo, a.hi & b.hi};
}

static inline bool b128_empty(struct bits128 x)
{
	return !(x.lo | x.hi);
}

static inline unsigned int b128_ctz(struct bits128 x)
{
	return x.lo ? (unsigned int)__builtin_ctzll(x.lo)
		    : 64 + (unsigned int)__builtin_ctzll(x.hi);
}

/* n consecutive ones starting at bit pos (n <= 128, pos + n <= 128). */
static inline struct bits128 b128_run(unsigned int pos, unsigned int n)
{
	struct bits128 ones = {~0ULL, ~0ULL};

	return b128_shl(b128_shr(ones, 128 - n), pos);
}

/* Bit i set iff bits i..i+n-1 of w are all set (1 <= n <= 128). */
static inline struct bits128 b128_run_starts(struct bits128 w, unsigned int n)
{
	unsigned int len = 1;

	while (len < n && !b128_empty(w)) {
		unsigned int s = len < n - len ? len : n - len;

		w = b128_and(w, b128_shr(w, s));
		len += s;
	}
	return w;
}

/* Bits phase, phase + stride, ... below 128 (stride a power of two). */
static struct bits128 b128_pattern(uint64_t stride, uint64_t phase)
{
	static const uint64_t pat[] = {
		~0ULL,
		0x5555555555555555ULL,
		0x1111111111111111ULL,
		0x0101010101010101ULL,
		0x0001000100010001ULL,
		0x0000000100000001ULL,
		0x0000000000000001ULL,
	};
	struct bits128 r = {0, 0};
	unsigned int order;

	if (phase >= SEG_SLOTS)
		return r;
	if (stride >= SEG_SLOTS)
		return b128_shl((struct bits128){1, 0}, (unsigned int)phase);
	order = (unsigned int)__builtin_ctzll(stride);
	r.lo = r.hi = pat[order];
	return b128_shl(r, (unsigned int)phase);
}

/* ---- pool structures ---- */

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

/*
 * A thread's parked run (one line per thread token, written by that
 * thread only): the slots of the last small mapping it unmapped, kept
 * for its next map of the same number of slots.  A map+unmap loop then
 * takes no lock at all, as Linux's per-CPU page lists spare the buddy
 * allocator's zone lock.  The slots stay taken in the free bitmap and
 * the head's record says "no mapping", so a stale unmap or sync is
 * refused as before; the pool's used count leaves them out.  The
 * thread gives them back before it allocates anything else, and a map
 * that finds the pool full takes back the runs of exited threads and
 * asks live ones to give theirs back (drain_epoch) at their next call.
 * Runs are at most PARK_MAX_SLOTS (16 KiB: a jumbo frame), so what
 * threads hold back is bounded by 7 x 16 KiB even before a drain.
 */
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

struct dmk_swiotlb {
	const struct dmk_platform *plat;
	uint8_t *va;
	dmk_phys_t start, end;
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
	uint8_t *rec;	   /* one REC_BYTES record per slot */

	struct swiotlb_park *park; /* [DMK_ENV_TOKENS] */
	unsigned int drain_epoch;  /* bumped when a map finds it full */

	uint64_t full;
	uint64_t warn_next_ns; /* with a clock: next allowed line */
	bool warned;	       /* without one: quiet until a map succeeds */
};

/* ---- records ---- */

/*
 * Record layout (56 bits, stored as 7 little-endian bytes):
 *   single head  [55]=1  [54:51] j  [50:40] size-1  [39:0] orig
 *                (bounce offset = orig & (2^j - 1))
 *   multi head   [55:54]=00  [53] coherent alloc  [52:0] orig
 *   tail         [55:54]=01  [6:0] distance back to the head;
 *                in the second slot also [17:7] offset, [36:18] size
 * Records are read and written with exact 7-byte copies, never a wider
 * access: a neighbour's record may be written at the same time by the
 * owner of another mapping.
 */
#define REC_BYTES 7
#define REC_SINGLE (1ULL << 55)
#define REC_TAIL (1ULL << 54)
#define REC_ALLOC (1ULL << 53)
/* A parked slot: a tail pointing at itself, which no lookup accepts. */
#define REC_NONE REC_TAIL
#define REC_SINGLE_ORIG_BITS 40
#define REC_MULTI_ORIG_MASK ((1ULL << 53) - 1)

static inline uint64_t rec_get(const struct dmk_swiotlb *pool, size_t i)
{
	const uint8_t *p = pool->rec + i * REC_BYTES;
	uint64_t w = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Pieces of 4, 2 and 1 bytes, the same as rec_set writes: a
	 * record written just before (map, then unmap) is forwarded from
	 * the store buffer only if each load matches one store. */
	uint32_t lo;
	uint16_t mid;

	memcpy(&lo, p, 4);
	memcpy(&mid, p + 4, 2);
	w = lo | (uint64_t)mid << 32 | (uint64_t)p[6] << 48;
#else
	for (unsigned int b = 0; b < REC_BYTES; b++)
		w |= (uint64_t)p[b] << (8 * b);
#endif
	return w;
}

static inline void rec_set(struct dmk_swiotlb *pool, size_t i, uint64_t w)
{
	uint8_t *p = pool->rec + i * REC_BYTES;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t lo = (uint32_t)w;
	uint16_t mid = (uint16_t)(w >> 32);

	memcpy(p, &lo, 4);
	memcpy(p + 4, &mid, 2);
	p[6] = (uint8_t)(w >> 48);
#else
	for (unsigned int b = 0; b < REC_BYTES; b++)
		p[b] = (uint8_t)(w >> (8 * b));
#endif
}

struct swiotlb_mapping {
	size_t head; /* pool slot index */
	unsigned int nslots;
	unsigned int offset; /* of the first byte in the head slot */
	size_t size;
	dmk_phys_t orig;
	bool alloc; /* a coherent allocation, no original */
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

static inline __attribute__((always_inline)) void
write_records(struct dmk_swiotlb *pool, size_t head, unsigned int nslots,
	      dmk_phys_t orig, unsigned int offset, size_t size, unsigned int j,
	      bool alloc)
{
	if (nslots == 1) {
		rec_set(pool, head,
			REC_SINGLE | (uint64_t)j << 51 |
				(uint64_t)(size - 1) << 40 | orig);
		return;
	}
	rec_set(pool, head,
		(orig & REC_MULTI_ORIG_MASK) | (alloc ? REC_ALLOC : 0));
	rec_set(pool, head + 1,
		REC_TAIL | 1 | (uint64_t)offset << 7 | (uint64_t)size << 18);
	for (unsigned int i = 2; i < nslots; i++)
		rec_set(pool, head + i, REC_TAIL | i);
}

/* dmk_is_swiotlb_buffer for a pool known to exist, inline on hot paths. */
static inline bool in_pool(const struct dmk_swiotlb *pool, dmk_phys_t phys)
{
	return phys >= pool->start && phys < pool->end;
}

/* The mapping slot i belongs to; false when i is free or not a slot. */
static inline bool find_mapping(const struct dmk_swiotlb *pool, size_t i,
				struct swiotlb_mapping *m)
{
	uint64_t w, info;

	if (i >= pool->nslabs || slot_is_free(pool, i))
		return false;
	w = rec_get(pool, i);
	if (!(w & REC_SINGLE) && (w & REC_TAIL)) {
		size_t back = w & 0x7f;

		if (back > i || back > i % SEG_SLOTS)
			return false;
		i -= back;
		w = rec_get(pool, i);
	}
	m->head = i;
	if (w & REC_SINGLE) {
		unsigned int j = (w >> 51) & 0xf;

		m->orig = w & ((1ULL << REC_SINGLE_ORIG_BITS) - 1);
		m->size = ((w >> 40) & 0x7ff) + 1;
		m->offset = (unsigned int)(m->orig & ((1ULL << j) - 1));
		m->nslots = 1;
		m->alloc = false;
		return true;
	}
	if (w & REC_TAIL || i + 1 >= pool->nslabs)
		return false;
	info = rec_get(pool, i + 1);
	m->orig = w & REC_MULTI_ORIG_MASK;
	m->alloc = w & REC_ALLOC;
	m->offset = (info >> 7) & 0x7ff;
	m->size = (info >> 18) & 0x7ffff;
	m->nslots = (unsigned int)((m->offset + m->size + SLOT_MASK) >>
				   DMK_IO_TLB_SHIFT);
	/* The two-record form is never shorter than two slots, even for
	 * the bytes of one (an original the one-slot record cannot hold). */
	if (m->nslots < 2)
		m->nslots = 2;
	return true;
}

/* ---- slot search ---- */

/* What a mapping needs from the slots it gets. */
struct swiotlb_req {
	unsigned int nslots;
	uint64_t stride;     /* in slots, a power of two */
	uint64_t residue;    /* wanted (bus slot number) mod stride */
	uint64_t bus_offset; /* bus = phys + bus_offset */
	uint64_t boundary;   /* seg_boundary_mask; ~0 for none */
	size_t bytes;	     /* counted as bounced when > 0 */
};

static bool crosses_boundary(uint64_t bus, size_t bytes, uint64_t mask)
{
	return ((bus ^ (bus + bytes - 1)) & ~mask) != 0;
}

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
		       const struct swiotlb_req *req)
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
	if (req->bytes) {
		a->bounced_maps++;
		a->bounced_bytes += req->bytes;
	}
out:
	dmk_spin_unlock(&a->lock);
	return slot;
}

static struct swiotlb_area *area_of(struct dmk_swiotlb *pool, size_t slot)
{
	size_t seg = slot / SEG_SLOTS;

	/*
	 * Area k holds segments [k * nsegs / nareas, (k + 1) * nsegs /
	 * nareas) (pool_init_areas), so k is the largest with k * nsegs <
	 * (seg + 1) * nareas.  Computed, not searched: a search reads
	 * other areas' first lines, where their locks are, and would
	 * bounce them between CPUs on every unmap.
	 */
	return &pool->areas[((seg + 1) * pool->nareas - 1) / pool->nsegs];
}

/* Release a mapping's slots; false (nothing changed) if any is free. */
static bool area_release(struct dmk_swiotlb *pool, size_t head,
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

/* ---- parked slots ---- */

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

/* Could seg_find() have chosen this run for req?  Same length, and
 * the alignment and boundary rules hold at its place. */
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
 * Either way the run goes back through park_flush().
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

/* Give this thread's parked run back to its area, honour any drain
 * request and make the park this thread's. */
static void park_flush(struct dmk_swiotlb *pool, struct swiotlb_park *p)
{
	int64_t run = park_get(p);

	p->holder = dmk_env_token_gen();
	p->epoch = dmk_atomic_load(&pool->drain_epoch, DMK_ORDER_RELAXED);
	if (run == PARK_NONE)
		return;
	park_set(p, PARK_NONE);
	area_release(pool, run_slot(run), run_nslots(run));
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

		park_flush(pool, p);
		if (drained)
			return false;
	}
	if (park_get(p) != PARK_NONE)
		return false;
	park_set(p, run_make(slot, nslots));
	return true;
}

/*
 * The pool is full: take back what threads that exited left parked
 * (borrowing their token, so no new thread can take it meanwhile) and
 * ask live threads to give theirs back.  Returns the slots freed.
 */
static unsigned int park_drain(struct dmk_swiotlb *pool)
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
			area_release(pool, run_slot(run), run_nslots(run));
			freed += run_nslots(run);
		}
		dmk_env_token_put(t);
	}
	dmk_atomic_fetch_add(&pool->drain_epoch, 1, DMK_ORDER_RELAXED);
	return freed;
}

/* Parked slots in area a (all areas when a is NULL): a snapshot. */
static uint64_t parked_in(struct dmk_swiotlb *pool,
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

/*
 * Start in this CPU's area, then the others in turn.  This thread's
 * parked slot goes back first, so that what the search sees is exactly
 * what is free; a search that fails everywhere drains the other parks
 * and tries once more.
 */
static long pool_alloc(struct dmk_swiotlb *pool, const struct swiotlb_req *req)
{
	unsigned int first = this_area(pool);
	struct swiotlb_park *p = my_park(pool);

	if (p)
		park_flush(pool, p);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned int k = 0; k < pool->nareas; k++) {
			unsigned int ai = (first + k) & (pool->nareas - 1);
			long slot = area_alloc(pool, &pool->areas[ai], req);

			if (slot >= 0)
				return slot;
		}
		if (pass || !park_drain(pool))
			break;
	}
	return -1;
}

/* ---- warnings and stats ---- */

static uint64_t pool_used(struct dmk_swiotlb *pool)
{
	uint64_t used = 0;

	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		used += a->nslots - a->free;
		dmk_spin_unlock(&a->lock);
	}
	return used - parked_in(pool, NULL);
}

static bool full_warning_allowed(struct dmk_swiotlb *pool)
{
	const struct dmk_platform *plat = pool->plat;

	if (plat->ops->now_ns) {
		uint64_t now = plat->ops->now_ns(plat->ctx);
		uint64_t next =
			dmk_atomic_load(&pool->warn_next_ns, DMK_ORDER_RELAXED);

		return now >= next &&
		       dmk_atomic_cmpxchg(&pool->warn_next_ns, &next,
					  now + FULL_WARN_INTERVAL_NS,
					  DMK_ORDER_RELAXED, DMK_ORDER_RELAXED);
	}
	return !dmk_atomic_exchange(&pool->warned, true, DMK_ORDER_RELAXED);
}

static void report_full(struct dmk_swiotlb *pool, size_t size,
			unsigned long attrs)
{
	dmk_atomic_fetch_add(&pool->full, 1, DMK_ORDER_RELAXED);
	if (attrs & DMK_ATTR_NO_WARN || !full_warning_allowed(pool))
		return;
	dmk_log(pool->plat, DMK_LOG_WARN,
		"swiotlb buffer is full (sz: %zu bytes), total %zu (slots), used %llu (slots)",
		size, pool->nslabs, (unsigned long long)pool_used(pool));
}

int dmk_swiotlb_pool_stats(struct dmk_swiotlb *pool,
			   struct dmk_swiotlb_stats *st)
{
	if (!pool || !st)
		return -DMK_EINVAL;
	memset(st, 0, sizeof(*st));
	st->start = pool->start;
	st->end = pool->end;
	st->nslabs = pool->nslabs;
	st->nareas = pool->nareas;
	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		st->used += a->nslots - a->free;
		st->used_hiwater += a->hiwater;
		st->bounced_maps += a->bounced_maps;
		st->bounced_bytes += a->bounced_bytes;
		dmk_spin_unlock(&a->lock);
	}
	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++) {
		struct swiotlb_park *p = &pool->park[t - 1];

		st->bounced_maps +=
			dmk_atomic_load(&p->bounced_maps, DMK_ORDER_RELAXED);
		st->bounced_bytes +=
			dmk_atomic_load(&p->bounced_bytes, DMK_ORDER_RELAXED);
	}
	st->used -= parked_in(pool, NULL);
	/* The sum of per-area peaks bounds the pool's peak from above and
	 * equals it when the peak was reached in one area at a time (one
	 * area, or one thread that fills areas in turn); never below the
	 * current use. */
	if (st->used_hiwater < st->used)
		st->used_hiwater = st->used;
	st->full = dmk_atomic_load(&pool->full, DMK_ORDER_RELAXED);
	return 0;
}

int dmk_swiotlb_stats(struct dmk_system *sys, struct dmk_swiotlb_stats *st)
{
	if (!sys || !st)
		return -DMK_EINVAL;
	if (!sys->swiotlb)
		return -DMK_ENODEV;
	return dmk_swiotlb_pool_stats(sys->swiotlb, st);
}

/* Like writing 0 to io_tlb_used_hiwater: the mark restarts from now. */
static void pool_reset_hiwater(struct dmk_swiotlb *pool)
{
	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		a->hiwater = a->nslots - a->free - parked_in(pool, a);
		dmk_spin_unlock(&a->lock);
	}
}

void dmk_swiotlb_reset_hiwater(struct dmk_system *sys)
{
	if (sys && sys->swiotlb)
		pool_reset_hiwater(sys->swiotlb);
}

/* ---- bounce copies ---- */

enum bounce_dir { BOUNCE_TO_SLOT, BOUNCE_TO_ORIG };

/*
 * Copy [tlb, tlb + size) between the bounce buffer and the original,
 * clipped to the mapping tlb lies in: a sync that runs past the end is
 * cut there with a warning, one outside any mapping copies nothing.
 */
static void bounce(struct dmk_swiotlb *pool, dmk_phys_t tlb, size_t size,
		   enum bounce_dir dir)
{
	struct swiotlb_mapping m;
	dmk_phys_t first;
	size_t delta;
	uint8_t *slot, *orig;

	if (!in_pool(pool, tlb) ||
	    !find_mapping(pool, (tlb - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    m.alloc) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu outside any mapping, ignored",
			(unsigned long long)tlb, size);
		return;
	}
	first = slot_phys(pool, m.head) + m.offset;
	if (tlb < first || tlb - first >= m.size) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu outside mapping 0x%llx+%zu, ignored",
			(unsigned long long)tlb, size,
			(unsigned long long)first, m.size);
		return;
	}
	delta = tlb - first;
	if (size > m.size - delta) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx+%zu runs past mapping 0x%llx+%zu, cut to %zu bytes",
			(unsigned long long)tlb, size,
			(unsigned long long)first, m.size, m.size - delta);
		size = m.size - delta;
	}
	slot = pool->va + (tlb - pool->start);
	orig = dmk_phys_to_virt(pool->plat, m.orig + delta);
	if (dir == BOUNCE_TO_SLOT)
		memcpy(slot, orig, size);
	else
		memcpy(orig, slot, size);
}

/* ---- map and unmap ---- */

static inline unsigned int fls64_(uint64_t x)
{
	return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
}

/* The smallest 2^k - 1 covering x (masks are treated as contiguous). */
static inline uint64_t round_mask(uint64_t x)
{
	unsigned int k = fls64_(x);

	return k >= 64 ? ~0ULL : (1ULL << k) - 1;
}

/*
 * Alignment of the slot run: bits 11.. of the bounce's bus address must
 * be zero under the alloc alignment and equal the original's under the
 * high part of min_align_mask.  Both are taken as contiguous low masks.
 */
static void req_align(struct swiotlb_req *req, uint64_t align_mask,
		      uint64_t min_align_high, dmk_phys_t orig)
{
	uint64_t mask =
		round_mask(align_mask | min_align_high) >> DMK_IO_TLB_SHIFT;

	if (mask >= (1ULL << 52))
		mask = (1ULL << 52) - 1;
	req->stride = mask + 1;
	req->residue =
		((orig & min_align_high & ~align_mask) >> DMK_IO_TLB_SHIFT) &
		mask;
}

dmk_phys_t dmk_swiotlb_tbl_map_single(struct dmk_swiotlb *pool,
				      struct dmk_device *dev, dmk_phys_t orig,
				      size_t mapping_size,
				      unsigned int alloc_align_mask,
				      enum dmk_data_direction dir,
				      unsigned long attrs)
{
	uint64_t min_align = dev ? dev->min_align_mask : 0;
	uint64_t low = round_mask(min_align & SLOT_MASK);
	unsigned int j = fls64_(low);
	unsigned int offset = (unsigned int)(orig & low);
	uint64_t align = alloc_align_mask;
	struct swiotlb_req req;
	unsigned int nslots;
	long slot;
	dmk_phys_t tlb;

	if (!pool || !mapping_size || !dmk_dir_valid(dir))
		return DMK_PHYS_ERROR;
	if (mapping_size > MAX_MAPPING - offset) {
		report_full(pool, mapping_size, attrs);
		return DMK_PHYS_ERROR;
	}
	nslots = (unsigned int)((offset + mapping_size + SLOT_MASK) >>
				DMK_IO_TLB_SHIFT);
	/* The one-record form holds originals below 2^40 only. */
	if (nslots == 1 && orig >> REC_SINGLE_ORIG_BITS)
		nslots = 2;
	if (orig > REC_MULTI_ORIG_MASK) {
		dmk_log(pool->plat, DMK_LOG_ERR,
			"swiotlb: original 0x%llx beyond 53 bits, not bounced",
			(unsigned long long)orig);
		return DMK_PHYS_ERROR;
	}
	/* Page alignment for a page or more when nothing else is asked
	 * (Linux since 6.9: it must not fight the min_align_mask bits). */
	if (!align && !(min_align & ~(uint64_t)SLOT_MASK) &&
	    mapping_size >= DMK_PAGE_SIZE)
		align = DMK_PAGE_SIZE - 1;

	req.nslots = nslots;
	req.bus_offset = dev ? dev->bus_offset : 0;
	req.boundary = dev ? dev->seg_boundary_mask : ~0ULL;
	req.bytes = mapping_size;
	req_align(&req, align, min_align & ~(uint64_t)SLOT_MASK, orig);

	slot = park_take(pool, &req);
	if (slot < 0)
		slot = pool_alloc(pool, &req);
	if (slot < 0) {
		report_full(pool, mapping_size, attrs);
		return DMK_PHYS_ERROR;
	}
	if (dmk_atomic_load(&pool->warned, DMK_ORDER_RELAXED))
		dmk_atomic_store(&pool->warned, false, DMK_ORDER_RELAXED);

	write_records(pool, (size_t)slot, nslots, orig, offset, mapping_size, j,
		      false);
	tlb = slot_phys(pool, (size_t)slot) + offset;
	/* Every direction: a device that writes less than the whole
	 * buffer must not expose what the slot held before (CVE-2022-0854
	 * was the leak of stale bounce data). */
	memcpy(pool->va + (tlb - pool->start),
	       dmk_phys_to_virt(pool->plat, orig), mapping_size);
	return tlb;
}

void dmk_swiotlb_tbl_unmap_single(struct dmk_swiotlb *pool,
				  struct dmk_device *dev, dmk_phys_t tlb,
				  size_t mapping_size,
				  enum dmk_data_direction dir,
				  unsigned long attrs)
{
	struct swiotlb_mapping m;
	dmk_phys_t first;
	size_t copy;

	(void)dev;
	if (!pool)
		return;
	if (!in_pool(pool, tlb) ||
	    !find_mapping(pool, (tlb - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    m.alloc) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx+%zu which is not mapped, ignored",
			(unsigned long long)tlb, mapping_size);
		return;
	}
	first = slot_phys(pool, m.head) + m.offset;
	if (tlb != first) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx is inside mapping 0x%llx+%zu, not its start; ignored",
			(unsigned long long)tlb, (unsigned long long)first,
			m.size);
		return;
	}
	copy = mapping_size < m.size ? mapping_size : m.size;
	if (mapping_size != m.size)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx with size %zu, mapped with %zu",
			(unsigned long long)tlb, mapping_size, m.size);
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL))
		memcpy(dmk_phys_to_virt(pool->plat, m.orig),
		       pool->va + (tlb - pool->start), copy);
	if (m.nslots <= PARK_MAX_SLOTS) {
		/* No mapping from here on, parked or freed (the tails
		 * lead to the head, and the head now says so). */
		rec_set(pool, m.head, REC_NONE);
		if (park_put(pool, m.head, m.nslots))
			return;
	}
	if (!area_release(pool, m.head, m.nslots))
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: unmap of 0x%llx raced with another unmap",
			(unsigned long long)tlb);
}

void dmk_swiotlb_sync_single_for_device(struct dmk_swiotlb *pool,
					dmk_phys_t tlb, size_t size,
					enum dmk_data_direction dir)
{
	if (!pool)
		return;
	if (dir == DMK_DMA_TO_DEVICE || dir == DMK_DMA_BIDIRECTIONAL)
		bounce(pool, tlb, size, BOUNCE_TO_SLOT);
	else if (dir != DMK_DMA_FROM_DEVICE)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx with direction %d",
			(unsigned long long)tlb, (int)dir);
}

void dmk_swiotlb_sync_single_for_cpu(struct dmk_swiotlb *pool, dmk_phys_t tlb,
				     size_t size, enum dmk_data_direction dir)
{
	if (!pool)
		return;
	if (dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL)
		bounce(pool, tlb, size, BOUNCE_TO_ORIG);
	else if (dir != DMK_DMA_TO_DEVICE)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: sync of 0x%llx with direction %d",
			(unsigned long long)tlb, (int)dir);
}

/* ---- coherent allocations from a (restricted) pool ---- */

static unsigned int order_of_pages(size_t pages)
{
	unsigned int order = 0;

	while (((size_t)1 << order) < pages)
		order++;
	return order;
}

/*
 * Whole pages, aligned to the allocation's power-of-two size as Linux's
 * swiotlb_alloc does, zeroed: a pool shared by devices must not hand one
 * device's old bounce data to another.
 */
void *dmk_swiotlb_alloc(struct dmk_swiotlb *pool, size_t size, dmk_phys_t *phys)
{
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	struct swiotlb_req req = {0};
	unsigned int order;
	long slot;
	uint8_t *va;

	if (!pool || !size || !phys || bytes > MAX_MAPPING)
		return NULL;
	order = order_of_pages(bytes / DMK_PAGE_SIZE);
	req.nslots = (unsigned int)(bytes >> DMK_IO_TLB_SHIFT);
	req.stride = (uint64_t)DMK_PAGE_SIZE / DMK_IO_TLB_SIZE << order;
	req.boundary = ~0ULL;
	slot = pool_alloc(pool, &req);
	if (slot < 0)
		return NULL;
	write_records(pool, (size_t)slot, req.nslots, 0, 0, bytes, 0, true);
	*phys = slot_phys(pool, (size_t)slot);
	va = pool->va + ((size_t)slot << DMK_IO_TLB_SHIFT);
	memset(va, 0, bytes);
	return va;
}

bool dmk_swiotlb_free_alloc(struct dmk_swiotlb *pool, dmk_phys_t phys,
			    size_t size)
{
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	struct swiotlb_mapping m;

	if (!pool || !dmk_is_swiotlb_buffer(pool, phys))
		return false;
	/* From here on it is the pool's memory: never let the caller free
	 * it elsewhere, even when the call is wrong. */
	if (!find_mapping(pool, (phys - pool->start) >> DMK_IO_TLB_SHIFT, &m) ||
	    !m.alloc || slot_phys(pool, m.head) != phys) {
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: free of 0x%llx which is not an allocation of the pool, ignored",
			(unsigned long long)phys);
		return true;
	}
	if (bytes != m.size)
		dmk_log(pool->plat, DMK_LOG_WARN,
			"swiotlb: free of 0x%llx with size %zu, allocated with %zu",
			(unsigned long long)phys, size, m.size);
	area_release(pool, m.head, m.nslots);
	return true;
}

/* ---- limits and queries ---- */

size_t dmk_swiotlb_max_mapping_size(struct dmk_device *dev)
{
	uint64_t mask = dev ? dev->min_align_mask : 0;
	size_t min_align = 0;

	/* As Linux: room for the worst offset min_align_mask can ask for. */
	if (mask)
		min_align = (size_t)((mask + DMK_IO_TLB_SIZE) & ~SLOT_MASK);
	if (min_align >= MAX_MAPPING)
		return 0;
	return MAX_MAPPING - min_align;
}

bool dmk_is_swiotlb_buffer(const struct dmk_swiotlb *pool, dmk_phys_t phys)
{
	return pool && phys >= pool->start && phys < pool->end;
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

/* ---- life cycle ---- */

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
	if (pool->areas)
		dmk_free_aligned(pool->areas[0].partial);
	dmk_free_aligned(pool->areas);
	dmk_free_aligned(pool->park);
	dmk_env_free(pool->freemap);
	dmk_env_free(pool->seg_free);
	dmk_env_free(pool->rec);
	dmk_env_free(pool);
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

static int pool_init_areas(struct dmk_swiotlb *pool)
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

static int pool_create(const struct dmk_platform *plat, void *va,
		       dmk_phys_t phys, size_t nslabs, unsigned int nareas,
		       struct dmk_swiotlb **out)
{
	struct dmk_swiotlb *pool;
	size_t bytes = nslabs << DMK_IO_TLB_SHIFT;

	if (!plat || !plat->ops || !va || !out || !nslabs ||
	    (uint64_t)nslabs > (1ULL << 40) ||
	    nslabs > SIZE_MAX >> DMK_IO_TLB_SHIFT || (phys & SLOT_MASK) ||
	    phys + bytes < phys)
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
	if (pool_init_areas(pool))
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
			       unsigned int *order_out, dmk_phys_t *phys,
			       void **va)
{
	unsigned int want =
		order_of_pages((bytes + DMK_PAGE_SIZE - 1) / DMK_PAGE_SIZE);
	unsigned int floor =
		want < SWIOTLB_MIN_ORDER ? want : SWIOTLB_MIN_ORDER;
	int ret = -DMK_ENOMEM;

	for (unsigned int order = want;; order--) {
		*va = plat->ops->alloc_pages(plat->ctx, order, limit, phys);
		if (*va) {
			size_t nslabs =
				(DMK_PAGE_SIZE << order) >> DMK_IO_TLB_SHIFT;

			ret = remap && remap->remap
				      ? remap->remap(remap->ctx, *phys, nslabs,
						     limit)
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
	if (ret == -DMK_ENOMEM)
		dmk_log(plat, DMK_LOG_ERR,
			"swiotlb: cannot allocate a %zu-byte pool below 0x%llx",
			(size_t)DMK_PAGE_SIZE << floor,
			(unsigned long long)limit);
	return ret;
}

int dmk_swiotlb_init_remap(const struct dmk_platform *plat, size_t bytes,
			   dmk_phys_t limit, unsigned int nareas,
			   const struct dmk_swiotlb_remap *remap,
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
	ret = pool_alloc_remapped(plat, bytes, limit, remap, &order, &phys,
				  &va);
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
	if (remap)
		(*out)->remap = *remap;
	dmk_log(plat, DMK_LOG_INFO,
		"software IO TLB: mapped [mem 0x%016llx-0x%016llx] (%zuMB)",
		(unsigned long long)phys,
		(unsigned long long)(phys + (DMK_PAGE_SIZE << order) - 1),
		(size_t)(DMK_PAGE_SIZE << order) >> 20);
	return 0;
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
