/* SPDX-License-Identifier: MIT */
/*
 * What every driver here shares: its kmalloc (pages of the guest's page
 * allocator), its coherent memory (dmk_alloc_coherent, or the naive
 * design a buggy driver uses), deterministic data, and the names of the
 * driver bugs the oracle must catch.
 */
#include "workload.h"
#include "faults.h"

#include <string.h>

static const char *const bug_names[WL_BUG_NR] = {
	[WL_BUG_NONE] = "none",
	[WL_BUG_SKIP_SYNC] = "skip-sync",
	[WL_BUG_CACHEABLE_COHERENT] = "cacheable-coherent",
	[WL_BUG_NO_SWIOTLB] = "no-swiotlb",
	[WL_BUG_SG_COUNT_MISMATCH] = "sg-count-mismatch",
	[WL_BUG_MAP_STACK] = "map-stack",
	[WL_BUG_SEG_TOO_LONG] = "seg-too-long",
	[WL_BUG_FREE_WRONG_SIZE] = "free-wrong-size",
	[WL_BUG_SYNC_WRONG_DIR] = "sync-wrong-dir",
};

const char *wl_bug_name(enum wl_bug bug)
{
	return (unsigned int)bug < WL_BUG_NR ? bug_names[bug] : "?";
}

int wl_bug_parse(const char *name)
{
	for (int i = 0; i < WL_BUG_NR; i++)
		if (!strcmp(bug_names[i], name))
			return i;
	return -1;
}

/* splitmix64 of the inputs: independent streams per instance. */
uint64_t wl_seed_mix(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (a + 1) +
		     0xBF58476D1CE4E5B9ULL * (b + 1);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return z ? z : 0x2545F4914F6CDD1DULL; /* xorshift needs non-zero */
}

void wl_fill_pattern(uint64_t *s, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t v = wl_rand(s);

		memcpy(p + i, &v, 8);
	}
	if (i < len) {
		uint64_t v = wl_rand(s);

		memcpy(p + i, &v, len - i);
	}
}

static unsigned int order_for(size_t bytes)
{
	unsigned int order = 0;

	while ((DMK_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

static struct wl_arena *arena_of(struct wl_env *env, struct sim_world_guest *g)
{
	long idx = g - env->w->guests;

	return idx >= 0 && idx < 2 ? env->arenas[idx] : NULL;
}

int wl_buf_alloc(struct wl_env *env, struct sim_world_guest *g, uint64_t *rng,
		 size_t len, size_t offset, struct wl_buf *b)
{
	const struct dmk_platform *plat = &g->pd.plat;
	struct wl_arena *arena = arena_of(env, g);
	unsigned int order = order_for(offset + len);
	void *va = NULL;

	memset(b, 0, sizeof(*b));
	if (arena)
		va = wl_arena_alloc(arena, order, wl_rand(rng), &b->page_phys);
	b->from_arena = va != NULL;
	if (!va) {
		/* The driver's kmalloc, not the DMA layer's call. */
		sim_faults_pause(g->pd.faults);
		va = plat->ops->alloc_pages(plat->ctx, order, ~(dmk_phys_t)0,
					    &b->page_phys);
		sim_faults_resume(g->pd.faults);
	}
	if (!va)
		return -DMK_ENOMEM;
	b->order = order;
	b->cpu = (uint8_t *)va + offset;
	b->phys = b->page_phys + offset;
	b->len = len;
	env->oracle->pages_out += 1ULL << order;
	return 0;
}

void wl_buf_free(struct wl_env *env, struct sim_world_guest *g,
		 struct wl_buf *b)
{
	const struct dmk_platform *plat = &g->pd.plat;

	if (!b->cpu)
		return;
	if (b->from_arena)
		wl_arena_free(arena_of(env, g), b->page_phys, b->order);
	else
		plat->ops->free_pages(plat->ctx, b->page_phys, b->order);
	env->oracle->pages_out -= 1ULL << b->order;
	b->cpu = NULL;
}

/*
 * The naive design of the thread ("on native x86 and ARMv8 it is
 * sufficient to call __get_free_pages"): cacheable free pages, mapped
 * once for the device and then used as if coherent, with no maintenance.
 */
static int naive_coherent_alloc(struct wl_env *env, struct sim_world_device *wd,
				uint64_t *rng, size_t size,
				struct wl_coherent *c)
{
	if (wl_buf_alloc(env, wd->guest, rng, size, 0, &c->naive_buf))
		return -DMK_ENOMEM;
	memset(c->naive_buf.cpu, 0, size);
	c->dma = dmk_map_single(&wd->dev, c->naive_buf.cpu, size,
				DMK_DMA_BIDIRECTIONAL);
	if (dmk_mapping_error(&wd->dev, c->dma)) {
		wl_buf_free(env, wd->guest, &c->naive_buf);
		wl_oracle_map_error(env->oracle, wd->dev.name,
				    "naive-coherent-map", size);
		return -DMK_ENOMEM;
	}
	c->cpu = c->naive_buf.cpu;
	c->phys = c->naive_buf.phys;
	c->naive = true;
	return 0;
}

/* Where firmware put a device's pool, on its bus (no IOMMU between). */
static uint64_t pool_bus(const struct sim_desc_device *dd, uint64_t phys)
{
	for (unsigned int i = 0; i < dd->nr_regions; i++)
		if (phys >= dd->regions[i].cpu_start &&
		    phys - dd->regions[i].cpu_start < dd->regions[i].size)
			return phys - dd->regions[i].cpu_start +
			       dd->regions[i].dma_start;
	return phys + dd->bus_offset;
}

/*
 * The device's memory-region decides where its coherent buffers are: a
 * shared-dma-pool serves all of them (no fallback), its own CMA area
 * every one while it has room.  Natively and without an IOMMU, where
 * the handle is the block's bus address.
 */
static void check_placement(struct wl_env *env, struct sim_world_device *wd,
			    const struct wl_coherent *c)
{
	const struct sim_desc_device *dd = wd->desc;
	const struct sim_desc_pool *p;
	size_t used, total;
	uint64_t lo;

	if (!dd || dd->pool < 0 || wd->iommu || env->w->xen)
		return;
	p = &env->w->desc.pools[dd->pool];
	if (p->restricted || !sim_world_pool_in_ram(wd->guest, p))
		return;
	if (p->reusable &&
	    (dmk_cma_stats(env->w->cmas[dd->pool], &used, &total) ||
	     used > total / 2))
		return; /* a fuller area may fall back, as Linux's does */
	lo = pool_bus(dd, p->base);
	if (c->dma >= lo && c->dma - lo < p->size && c->size <= p->size &&
	    c->dma - lo <= p->size - c->size)
		return;
	if (!env->oracle->misplaced++)
		snprintf(env->oracle->misplaced_detail,
			 sizeof(env->oracle->misplaced_detail),
			 "%s: %zu bytes at 0x%llx, outside %s", wd->dev.name,
			 c->size, (unsigned long long)c->dma, p->name);
}

int wl_coherent_alloc(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t *rng, size_t size, struct wl_coherent *c)
{
	memset(c, 0, sizeof(*c));
	c->size = size;
	if (env->bug == WL_BUG_CACHEABLE_COHERENT)
		return naive_coherent_alloc(env, wd, rng, size, c);
	c->cpu = dmk_alloc_coherent(&wd->dev, size, &c->dma);
	if (!c->cpu) {
		env->oracle->alloc_failures++;
		return -DMK_ENOMEM;
	}
	check_placement(env, wd, c);
	c->phys = wl_coherent_phys(wd, c->cpu, c->dma, size);
	return 0;
}

uint64_t wl_coherent_phys(struct sim_world_device *wd, void *cpu,
			  dmk_addr_t dma, size_t size)
{
	struct dmk_sg_table sgt;
	uint64_t phys = WL_NO_ADDR;

	if (dmk_get_sgtable(&wd->dev, &sgt, cpu, dma, size))
		return WL_NO_ADDR;
	if (sgt.orig_nents == 1)
		phys = sgt.sgl[0].phys;
	dmk_sg_free_table(&sgt);
	return phys;
}

void wl_coherent_free(struct wl_env *env, struct sim_world_device *wd,
		      struct wl_coherent *c)
{
	if (!c->cpu)
		return;
	if (c->naive) {
		dmk_unmap_single(&wd->dev, c->dma, c->size,
				 DMK_DMA_BIDIRECTIONAL);
		wl_buf_free(env, wd->guest, &c->naive_buf);
	} else {
		dmk_free_coherent(&wd->dev, c->size, c->cpu, c->dma);
	}
	c->cpu = NULL;
}
