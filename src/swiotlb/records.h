/* SPDX-License-Identifier: MIT */
/*
 * Records: what the pool knows of a mapping, one 56-bit (7-byte) record
 * per slot (Linux keeps struct io_tlb_slot, 24 bytes: orig_addr,
 * alloc_size, list, pad_slots), so that record and free bit together
 * stay under 8 bytes per slot.  The head slot of a mapping (its first
 * slot, a padding slot if it has any) holds the original address; every
 * other slot holds its distance back to the head, and the second slot
 * also holds the offset of the first byte from the head slot's start,
 * the size and the number of slots.  A one-slot mapping packs the
 * original, offset and size into its head record (original below 2^40;
 * above, the mapping takes two slots).  So any address inside a mapping
 * finds its record in O(1), which is what partial syncs and bounds
 * checks need (Linux's swiotlb_bounce and swiotlb_release_slots read
 * orig_addr, alloc_size and pad_slots the same way).
 *
 * Padding slots (Linux 6.10): when alloc_align_mask covers bits of
 * min_align_mask above a slot, the bounce starts that many whole slots
 * into its run (swiotlb_align_offset).  Here they are simply part of
 * the run: the head is the first padding slot, the offset counts them
 * (offset >> DMK_IO_TLB_SHIFT of them), and the slot count includes
 * them and the rounding of the end to the alignment, so unmap releases
 * all of it from the one record.
 *
 * Static inline: map writes records and unmap reads them on every
 * operation (out of line, gcc spilled an argument as 32 bits and
 * reloaded it as 64: a store-forwarding stall worth 6-8 ns).
 */
#ifndef DMAKIT_SWIOTLB_RECORDS_H
#define DMAKIT_SWIOTLB_RECORDS_H

#include "pool.h"

/*
 * Record layout (56 bits, stored as 7 little-endian bytes):
 *   single head  [55]=1  [54:51] j  [50:40] size-1  [39:0] orig
 *                (bounce offset = orig & (2^j - 1))
 *   multi head   [55:54]=00  [53] coherent alloc  [52:0] orig
 *   tail         [55:54]=01  [6:0] distance back to the head;
 *                in the second slot also [24:7] offset of the first
 *                byte from the head slot (padding slots included),
 *                [43:25] size, [51:44] slots in the run
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
/* The second slot's fields: a mapping lies in one segment, so its
 * offset is below 2^18, its size at most 2^18, its slots at most 128. */
#define REC_OFF_SHIFT 7
#define REC_OFF_MASK 0x3ffffULL
#define REC_SIZE_SHIFT 25
#define REC_SIZE_MASK 0x7ffffULL
#define REC_NSLOTS_SHIFT 44
#define REC_NSLOTS_MASK 0xffULL

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
	size_t head;	     /* pool slot index */
	unsigned int nslots; /* padding slots and end rounding included */
	unsigned int offset; /* of the first byte from the head slot's start */
	size_t size;
	dmk_phys_t orig;
	bool alloc; /* a coherent allocation, no original */
};

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
		REC_TAIL | 1 | (uint64_t)offset << REC_OFF_SHIFT |
			(uint64_t)size << REC_SIZE_SHIFT |
			(uint64_t)nslots << REC_NSLOTS_SHIFT);
	for (unsigned int i = 2; i < nslots; i++)
		rec_set(pool, head + i, REC_TAIL | i);
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
	m->offset = (unsigned int)((info >> REC_OFF_SHIFT) & REC_OFF_MASK);
	m->size = (info >> REC_SIZE_SHIFT) & REC_SIZE_MASK;
	/* Stored, not derived from offset and size: the run may end in
	 * slots that round it up to alloc_align_mask, and the two-record
	 * form is never shorter than two slots, even for the bytes of one
	 * (an original the one-slot record cannot hold). */
	m->nslots =
		(unsigned int)((info >> REC_NSLOTS_SHIFT) & REC_NSLOTS_MASK);
	return true;
}

#endif /* DMAKIT_SWIOTLB_RECORDS_H */
