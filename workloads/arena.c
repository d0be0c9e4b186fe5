/* SPDX-License-Identifier: MIT */
/*
 * The drivers' arena (workload.h): chunks of 2 MiB taken from the guest's
 * page allocator across all of its RAM, and a small page allocator over
 * them (a bitmap per chunk, naturally aligned blocks).
 */
#include "workload.h"
#include "faults.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_ORDER 9
#define ARENA_PAGES (1U << ARENA_ORDER)
#define ARENA_CHUNKS 32
#define ARENA_WORDS (ARENA_PAGES / 64)

struct wl_chunk {
	dmk_phys_t phys;
	uint8_t *va;
	uint64_t used[ARENA_WORDS];
};

struct wl_arena {
	const struct dmk_platform *plat;
	unsigned int nr;
	uint64_t pages_out;
	struct wl_chunk chunks[ARENA_CHUNKS];
};

struct grabbed {
	dmk_phys_t phys;
	void *va;
};

static int by_phys(const void *a, const void *b)
{
	const struct grabbed *x = a, *y = b;

	return x->phys < y->phys ? -1 : x->phys > y->phys;
}

/* Every free 2 MiB block of the guest, sorted by address. */
static struct grabbed *grab_all(const struct dmk_platform *plat, size_t *n)
{
	struct grabbed *g = NULL, *ng;
	size_t cap = 0;
	dmk_phys_t phys;
	void *va;

	*n = 0;
	while ((va = plat->ops->alloc_pages(plat->ctx, ARENA_ORDER,
					    ~(dmk_phys_t)0, &phys))) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			ng = realloc(g, cap * sizeof(*g));
			if (!ng) {
				plat->ops->free_pages(plat->ctx, phys,
						      ARENA_ORDER);
				break;
			}
			g = ng;
		}
		g[*n].phys = phys;
		g[*n].va = va;
		(*n)++;
	}
	if (*n)
		qsort(g, *n, sizeof(*g), by_phys);
	return g;
}

int wl_arena_create(struct sim_world_guest *g, struct wl_arena **out)
{
	const struct dmk_platform *plat = &g->pd.plat;
	struct wl_arena *a = calloc(1, sizeof(*a));
	struct grabbed *all;
	size_t n, keep;

	if (!a)
		return -DMK_ENOMEM;
	a->plat = plat;
	/* The drivers' memory, not the DMA layer's calls: no faults. */
	sim_faults_pause(g->pd.faults);
	all = grab_all(plat, &n);
	sim_faults_resume(g->pd.faults);
	keep = n < ARENA_CHUNKS ? n : ARENA_CHUNKS;
	/* Keep evenly spaced chunks, from the bottom to the top of RAM. */
	for (size_t i = 0, k = 0; i < n; i++) {
		if (k < keep && i == (2 * k + 1) * n / (2 * keep)) {
			a->chunks[k].phys = all[i].phys;
			a->chunks[k].va = all[i].va;
			k++;
			a->nr = (unsigned int)k;
			continue;
		}
		plat->ops->free_pages(plat->ctx, all[i].phys, ARENA_ORDER);
	}
	free(all);
	if (!a->nr) {
		free(a);
		return -DMK_ENOMEM;
	}
	*out = a;
	return 0;
}

static bool run_free(const struct wl_chunk *c, unsigned int first,
		     unsigned int n)
{
	for (unsigned int p = first; p < first + n; p++)
		if (c->used[p / 64] & (1ULL << (p % 64)))
			return false;
	return true;
}

static void run_mark(struct wl_chunk *c, unsigned int first, unsigned int n,
		     bool used)
{
	for (unsigned int p = first; p < first + n; p++) {
		if (used)
			c->used[p / 64] |= 1ULL << (p % 64);
		else
			c->used[p / 64] &= ~(1ULL << (p % 64));
	}
}

void *wl_arena_alloc(struct wl_arena *a, unsigned int order, uint64_t hint,
		     dmk_phys_t *phys)
{
	unsigned int n = 1U << order;
	unsigned int start;

	if (order > ARENA_ORDER)
		return NULL;
	start = (unsigned int)(hint % a->nr);
	for (unsigned int i = 0; i < a->nr; i++) {
		struct wl_chunk *c = &a->chunks[(start + i) % a->nr];

		for (unsigned int p = 0; p < ARENA_PAGES; p += n) {
			if (!run_free(c, p, n))
				continue;
			run_mark(c, p, n, true);
			a->pages_out += n;
			*phys = c->phys + (dmk_phys_t)p * DMK_PAGE_SIZE;
			return c->va + (size_t)p * DMK_PAGE_SIZE;
		}
	}
	return NULL;
}

void wl_arena_free(struct wl_arena *a, dmk_phys_t phys, unsigned int order)
{
	for (unsigned int i = 0; i < a->nr; i++) {
		struct wl_chunk *c = &a->chunks[i];

		if (phys < c->phys ||
		    phys >= c->phys + (dmk_phys_t)ARENA_PAGES * DMK_PAGE_SIZE)
			continue;
		run_mark(c, (unsigned int)((phys - c->phys) / DMK_PAGE_SIZE),
			 1U << order, false);
		a->pages_out -= 1U << order;
		return;
	}
}

uint64_t wl_arena_destroy(struct wl_arena *a)
{
	uint64_t out;

	if (!a)
		return 0;
	out = a->pages_out;
	for (unsigned int i = 0; i < a->nr; i++)
		a->plat->ops->free_pages(a->plat->ctx, a->chunks[i].phys,
					 ARENA_ORDER);
	free(a);
	return out;
}
