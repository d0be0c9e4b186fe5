/* SPDX-License-Identifier: MIT */
/*
 * A bitmap of pages handing out naturally aligned blocks of 2^order,
 * Linux's bitmap_find_free_region() / bitmap_release_region(), for the
 * regions the library owns outright: per-device coherent memory
 * (coherent.c) and contiguous memory areas (contiguous.c).  The caller
 * holds its own lock.
 */
#ifndef DMAKIT_PAGE_BITMAP_H
#define DMAKIT_PAGE_BITMAP_H

#include "internal.h"

struct dmk_page_bitmap {
	uint64_t *words;
	size_t pages;
	size_t used; /* pages handed out */
};

static inline int dmk_page_bitmap_init(struct dmk_page_bitmap *b, size_t pages)
{
	b->words = dmk_env_calloc((pages + 63) / 64, sizeof(uint64_t));
	b->pages = pages;
	b->used = 0;
	return b->words ? 0 : -DMK_ENOMEM;
}

static inline void dmk_page_bitmap_fini(struct dmk_page_bitmap *b)
{
	dmk_env_free(b->words);
	b->words = NULL;
}

static inline bool dmk_page_bitmap_test(const struct dmk_page_bitmap *b,
					size_t i)
{
	return b->words[i / 64] >> (i % 64) & 1;
}

static inline void dmk_page_bitmap_set(struct dmk_page_bitmap *b, size_t first,
				       size_t n, bool on)
{
	for (size_t i = first; i < first + n; i++) {
		if (on)
			b->words[i / 64] |= 1ULL << (i % 64);
		else
			b->words[i / 64] &= ~(1ULL << (i % 64));
	}
	b->used = on ? b->used + n : b->used - n;
}

/* The first free block of 2^order pages at a multiple of 2^order, taken;
 * its first page, or -1. */
static inline long dmk_page_bitmap_take(struct dmk_page_bitmap *b,
					unsigned int order)
{
	size_t n = (size_t)1 << order;

	for (size_t pos = 0; pos + n <= b->pages; pos += n) {
		size_t i = 0;

		while (i < n && !dmk_page_bitmap_test(b, pos + i))
			i++;
		if (i == n) {
			dmk_page_bitmap_set(b, pos, n, true);
			return (long)pos;
		}
	}
	return -1;
}

#endif /* DMAKIT_PAGE_BITMAP_H */
