/* SPDX-License-Identifier: MIT */
/*
 * A segment's free bits: 128 slots, two words, 1 = free.  The allocator
 * finds a run of n free slots with word operations instead of walking
 * slots (docs/swiotlb.md, "Free space").  Linux has no counterpart: its
 * kernel/dma/swiotlb.c keeps a per-slot count of free slots to the end
 * of the segment (io_tlb_slot.list) and walks it.
 *
 * All static inline: the search and the release call them inside the
 * area lock.
 */
#ifndef DMAKIT_SWIOTLB_BITS128_H
#define DMAKIT_SWIOTLB_BITS128_H

#include "../internal.h"

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
static inline struct bits128 b128_pattern(uint64_t stride, uint64_t phase)
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

	if (phase >= 128)
		return r;
	if (stride >= 128)
		return b128_shl((struct bits128){1, 0}, (unsigned int)phase);
	order = (unsigned int)__builtin_ctzll(stride);
	r.lo = r.hi = pat[order];
	return b128_shl(r, (unsigned int)phase);
}

#endif /* DMAKIT_SWIOTLB_BITS128_H */
