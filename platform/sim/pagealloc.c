/* SPDX-License-Identifier: MIT */
/*
 * The guest OS's page allocator: a binary buddy over guest frames.
 *
 * Blocks are naturally aligned in absolute guest frame numbers (a block
 * of order k starts at a multiple of 2^k), so a caller asking for 2^k
 * pages also gets 2^k-page alignment of the guest-physical address.
 *
 * Per-frame state lives in chunks allocated only for frames handed to
 * the allocator, so a span with a large hole (RAM banks far apart) costs
 * nothing for the hole.  Each frame records whether it is absent, free or
 * allocated; the head of a block also records the block's order.  That
 * lets a double free, a free of the wrong order or of a frame inside a
 * block be caught at once: these are bugs in the caller, so they abort.
 */
#include "sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#define PA_MAX_ORDER 20 /* 4 GiB blocks */
#define PA_CHUNK_SHIFT 12
#define PA_CHUNK (1U << PA_CHUNK_SHIFT)
#define PA_NIL UINT32_MAX

enum frame_state {
	FS_ABSENT = 0, /* not RAM of this allocator, or reserved */
	FS_FREE = 1,
	FS_ALLOC = 2,
};
#define FS_STATE_MASK 0x3
#define FS_HEAD 0x4 /* first frame of a block; order in the high bits */
#define FS_ORDER_SHIFT 3

struct pa_chunk {
	uint32_t next[PA_CHUNK]; /* free list links of free heads */
	uint32_t prev[PA_CHUNK];
	uint8_t st[PA_CHUNK];
};

struct sim_pagealloc {
	pthread_mutex_t lock;
	uint64_t base, nr;	  /* frames [base, base + nr) */
	struct pa_chunk **chunks; /* by (gfn - base) >> PA_CHUNK_SHIFT */
	uint64_t nr_chunks;
	uint32_t head[PA_MAX_ORDER + 1]; /* free lists, relative frames */
	uint64_t nr_free;
};

int sim_pagealloc_create(struct sim_pagealloc **out, uint64_t gfn_base,
			 uint64_t nr)
{
	struct sim_pagealloc *pa;
	unsigned int o;

	/* Relative frame numbers are 32-bit: 16 TiB of guest memory. */
	if (nr == 0 || nr >= PA_NIL || gfn_base + nr < gfn_base)
		return -EINVAL;
	pa = calloc(1, sizeof(*pa));
	if (!pa)
		return -ENOMEM;
	pa->base = gfn_base;
	pa->nr = nr;
	pa->nr_chunks = (nr + PA_CHUNK - 1) >> PA_CHUNK_SHIFT;
	pa->chunks = calloc(pa->nr_chunks, sizeof(*pa->chunks));
	if (!pa->chunks || pthread_mutex_init(&pa->lock, NULL)) {
		free(pa->chunks);
		free(pa);
		return -ENOMEM;
	}
	for (o = 0; o <= PA_MAX_ORDER; o++)
		pa->head[o] = PA_NIL;
	*out = pa;
	return 0;
}

void sim_pagealloc_destroy(struct sim_pagealloc *pa)
{
	uint64_t i;

	if (!pa)
		return;
	for (i = 0; i < pa->nr_chunks; i++)
		free(pa->chunks[i]);
	free(pa->chunks);
	pthread_mutex_destroy(&pa->lock);
	free(pa);
}

static struct pa_chunk *chunk_of(const struct sim_pagealloc *pa, uint64_t rel)
{
	return pa->chunks[rel >> PA_CHUNK_SHIFT];
}

static uint8_t *st_of(const struct sim_pagealloc *pa, uint64_t rel)
{
	return &chunk_of(pa, rel)->st[rel & (PA_CHUNK - 1)];
}

/* State of relative frame rel; absent when its chunk was never added. */
static uint8_t state(const struct sim_pagealloc *pa, uint64_t rel)
{
	if (rel >= pa->nr || !chunk_of(pa, rel))
		return FS_ABSENT;
	return *st_of(pa, rel);
}

static void set_range(struct sim_pagealloc *pa, uint64_t rel, uint64_t n,
		      enum frame_state s)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		*st_of(pa, rel + i) = s;
}

static void list_add(struct sim_pagealloc *pa, uint64_t rel, unsigned int o)
{
	struct pa_chunk *c = chunk_of(pa, rel);
	uint32_t old = pa->head[o];

	c->next[rel & (PA_CHUNK - 1)] = old;
	c->prev[rel & (PA_CHUNK - 1)] = PA_NIL;
	if (old != PA_NIL)
		chunk_of(pa, old)->prev[old & (PA_CHUNK - 1)] = (uint32_t)rel;
	pa->head[o] = (uint32_t)rel;
	*st_of(pa, rel) = FS_FREE | FS_HEAD | (o << FS_ORDER_SHIFT);
}

static void list_del(struct sim_pagealloc *pa, uint64_t rel, unsigned int o)
{
	struct pa_chunk *c = chunk_of(pa, rel);
	uint32_t next = c->next[rel & (PA_CHUNK - 1)];
	uint32_t prev = c->prev[rel & (PA_CHUNK - 1)];

	if (prev != PA_NIL)
		chunk_of(pa, prev)->next[prev & (PA_CHUNK - 1)] = next;
	else
		pa->head[o] = next;
	if (next != PA_NIL)
		chunk_of(pa, next)->prev[next & (PA_CHUNK - 1)] = prev;
	*st_of(pa, rel) = FS_FREE;
}

static bool is_free_head(const struct sim_pagealloc *pa, uint64_t rel,
			 unsigned int o)
{
	return state(pa, rel) == (FS_FREE | FS_HEAD | (o << FS_ORDER_SHIFT));
}

/* Put a block on the free lists, merging with its buddies. */
static void free_block(struct sim_pagealloc *pa, uint64_t gfn, unsigned int o)
{
	set_range(pa, gfn - pa->base, 1ULL << o, FS_FREE);
	pa->nr_free += 1ULL << o;
	while (o < PA_MAX_ORDER) {
		uint64_t buddy = gfn ^ (1ULL << o);

		if (buddy < pa->base || !is_free_head(pa, buddy - pa->base, o))
			break;
		list_del(pa, buddy - pa->base, o);
		gfn &= ~(1ULL << o);
		o++;
	}
	list_add(pa, gfn - pa->base, o);
}

static unsigned int largest_order(uint64_t gfn, uint64_t n)
{
	unsigned int o = 0;

	while (o < PA_MAX_ORDER && !(gfn & (1ULL << o)) && (2ULL << o) <= n)
		o++;
	return o;
}

void sim_pagealloc_add(struct sim_pagealloc *pa, uint64_t gfn, uint64_t n)
{
	uint64_t end = gfn + n, i;

	if (gfn < pa->base)
		gfn = pa->base;
	if (end > pa->base + pa->nr || end < gfn)
		end = pa->base + pa->nr;
	if (gfn >= end)
		return;
	pthread_mutex_lock(&pa->lock);
	for (i = (gfn - pa->base) >> PA_CHUNK_SHIFT;
	     i <= (end - 1 - pa->base) >> PA_CHUNK_SHIFT; i++) {
		if (!pa->chunks[i])
			pa->chunks[i] = calloc(1, sizeof(struct pa_chunk));
		if (!pa->chunks[i]) {
			fprintf(stderr, "sim: pagealloc: out of host memory\n");
			abort();
		}
	}
	for (i = gfn; i < end; i++) {
		if (state(pa, i - pa->base) != FS_ABSENT) {
			fprintf(stderr,
				"sim: pagealloc: gfn 0x%llx added twice\n",
				(unsigned long long)i);
			abort();
		}
	}
	while (gfn < end) {
		unsigned int o = largest_order(gfn, end - gfn);

		free_block(pa, gfn, o);
		gfn += 1ULL << o;
	}
	pthread_mutex_unlock(&pa->lock);
}

/* First block on list o whose first 2^order frames end at or below limit. */
static uint64_t find_block(const struct sim_pagealloc *pa, unsigned int o,
			   unsigned int order, uint64_t limit_rel)
{
	uint32_t rel = pa->head[o];

	while (rel != PA_NIL) {
		if (rel + (1ULL << order) - 1 <= limit_rel)
			return rel;
		rel = chunk_of(pa, rel)->next[rel & (PA_CHUNK - 1)];
	}
	return PA_NIL;
}

uint64_t sim_pagealloc_alloc(struct sim_pagealloc *pa, unsigned int order,
			     uint64_t limit_gfn)
{
	uint64_t rel = PA_NIL, limit_rel;
	unsigned int o;

	if (order > PA_MAX_ORDER || limit_gfn < pa->base)
		return ~0ULL;
	limit_rel = limit_gfn - pa->base;
	pthread_mutex_lock(&pa->lock);
	for (o = order; o <= PA_MAX_ORDER; o++) {
		rel = find_block(pa, o, order, limit_rel);
		if (rel != PA_NIL)
			break;
	}
	if (rel == PA_NIL) {
		pthread_mutex_unlock(&pa->lock);
		return ~0ULL;
	}
	list_del(pa, rel, o);
	/* Split, keeping the lower half: it is the part below the limit. */
	while (o > order) {
		o--;
		list_add(pa, rel + (1ULL << o), o);
	}
	set_range(pa, rel, 1ULL << order, FS_ALLOC);
	*st_of(pa, rel) = FS_ALLOC | FS_HEAD | (order << FS_ORDER_SHIFT);
	pa->nr_free -= 1ULL << order;
	pthread_mutex_unlock(&pa->lock);
	return pa->base + rel;
}

void sim_pagealloc_free(struct sim_pagealloc *pa, uint64_t gfn,
			unsigned int order)
{
	uint8_t want = FS_ALLOC | FS_HEAD | (order << FS_ORDER_SHIFT);
	uint8_t got;

	pthread_mutex_lock(&pa->lock);
	got = gfn >= pa->base ? state(pa, gfn - pa->base) : FS_ABSENT;
	if (order > PA_MAX_ORDER || got != want) {
		pthread_mutex_unlock(&pa->lock);
		if ((got & FS_STATE_MASK) == FS_FREE)
			fprintf(stderr,
				"sim: pagealloc: double free of gfn 0x%llx\n",
				(unsigned long long)gfn);
		else if (got & FS_HEAD)
			fprintf(stderr,
				"sim: pagealloc: gfn 0x%llx freed with order "
				"%u, allocated with order %u\n",
				(unsigned long long)gfn, order,
				got >> FS_ORDER_SHIFT);
		else
			fprintf(stderr,
				"sim: pagealloc: free of gfn 0x%llx that was "
				"never allocated as a block\n",
				(unsigned long long)gfn);
		abort();
	}
	free_block(pa, gfn, order);
	pthread_mutex_unlock(&pa->lock);
}

uint64_t sim_pagealloc_free_pages(const struct sim_pagealloc *pa)
{
	struct sim_pagealloc *p = (struct sim_pagealloc *)pa;
	uint64_t n;

	pthread_mutex_lock(&p->lock);
	n = p->nr_free;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* The free block containing relative frame rel, or PA_NIL. */
static uint64_t containing_free_block(const struct sim_pagealloc *pa,
				      uint64_t rel, unsigned int *order)
{
	uint64_t gfn = pa->base + rel;
	unsigned int o;

	for (o = 0; o <= PA_MAX_ORDER; o++) {
		uint64_t head = gfn & ~((1ULL << o) - 1);

		if (head >= pa->base && is_free_head(pa, head - pa->base, o)) {
			*order = o;
			return head - pa->base;
		}
	}
	return PA_NIL;
}

/* Give back to the free lists the parts of free block [rel, 2^o) outside
 * the reserved range [lo, hi) (relative frames). */
static void split_around(struct sim_pagealloc *pa, uint64_t rel, unsigned int o,
			 uint64_t lo, uint64_t hi)
{
	uint64_t end = rel + (1ULL << o);

	if (end <= lo || rel >= hi) {
		list_add(pa, rel, o);
		return;
	}
	if (rel >= lo && end <= hi) {
		set_range(pa, rel, 1ULL << o, FS_ABSENT);
		pa->nr_free -= 1ULL << o;
		return;
	}
	/* o > 0 here: an order-0 block is either inside or outside. */
	split_around(pa, rel, o - 1, lo, hi);
	split_around(pa, rel + (1ULL << (o - 1)), o - 1, lo, hi);
}

void sim_pagealloc_reserve(struct sim_pagealloc *pa, uint64_t gfn, uint64_t n)
{
	uint64_t lo, hi, rel;

	if (gfn >= pa->base + pa->nr || gfn + n <= pa->base || n == 0)
		return;
	lo = gfn > pa->base ? gfn - pa->base : 0;
	hi = gfn + n - pa->base;
	if (hi > pa->nr || gfn + n < gfn)
		hi = pa->nr;
	pthread_mutex_lock(&pa->lock);
	for (rel = lo; rel < hi; rel++) {
		unsigned int o;
		uint64_t head;

		if ((state(pa, rel) & FS_STATE_MASK) != FS_FREE)
			continue;
		head = containing_free_block(pa, rel, &o);
		if (head == PA_NIL)
			continue;
		list_del(pa, head, o);
		split_around(pa, head, o, lo, hi);
		/* The whole block is settled: continue after it. */
		if (head + (1ULL << o) > rel + 1)
			rel = head + (1ULL << o) - 1;
	}
	pthread_mutex_unlock(&pa->lock);
}
