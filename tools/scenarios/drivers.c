/* SPDX-License-Identifier: MIT */
/*
 * Two drivers of the scenarios' own, on the public DMA API and the
 * device's DMA engine like every workload, checked by the same oracle.
 *
 * The pool driver (scenario 9) keeps streaming mappings alive until the
 * bounce pool is full, as a driver with a deep queue and a small pool
 * does.  The careful one tests dmk_mapping_error and backs off: it
 * completes what it has in flight, which frees slots, and tries again.
 * The naive one never looks and hands the error value to its device.
 *
 * The region driver (scenario 10) keeps a few coherent buffers, each a
 * machine-contiguous region on a guest that is not mapped 1:1, and moves
 * data through them while the hypervisor relocates pages.
 */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

/* ---- the pool driver ---- */

#define POOL_BUF_BYTES (32 * 1024)
#define POOL_LIVE_MAX 48

struct pool_req {
	struct wl_buf buf;
	dmk_addr_t dma;
	enum dmk_data_direction dir;
	uint8_t *expect;
};

struct pool_drv {
	struct wl_env env;
	struct sim_world_device *wd;
	uint64_t rng;
	bool checks_errors;
	struct pool_req live[POOL_LIVE_MAX];
	unsigned int nr_live;
	uint8_t *seen;
};

/* The device does its part, the CPU takes the buffer back and checks. */
static void pool_complete(struct pool_drv *p, struct pool_req *r)
{
	struct dmk_device *dev = &p->wd->dev;
	struct wl_oracle *o = p->env.oracle;
	size_t len = r->buf.len;

	if (r->dir == DMK_DMA_TO_DEVICE) {
		memset(p->seen, 0, len);
		struct wl_at at = wl_at_run(r->buf.phys, r->dma);

		sim_dev_dma_read(&p->wd->sd, r->dma, p->seen, len);
		wl_oracle_check_at(o, dev->name, "pool-to-device", r->expect,
				   p->seen, len, &at);
	} else {
		sim_dev_dma_write(&p->wd->sd, r->dma, r->expect, len);
	}
	dmk_unmap_single(dev, r->dma, len, r->dir);
	if (r->dir == DMK_DMA_FROM_DEVICE) {
		struct wl_at at = wl_at_run(r->buf.phys, r->dma);

		wl_oracle_check_at(o, dev->name, "pool-from-device", r->expect,
				   r->buf.cpu, len, &at);
	}
	wl_buf_free(&p->env, p->wd->guest, &r->buf);
}

static void pool_complete_all(struct pool_drv *p)
{
	for (unsigned int i = 0; i < p->nr_live; i++)
		pool_complete(p, &p->live[i]);
	p->nr_live = 0;
}

static bool pool_prepare(struct pool_drv *p, struct pool_req *r)
{
	size_t offset = wl_rand(&p->rng) % DMK_PAGE_SIZE;

	if (wl_buf_alloc(&p->env, p->wd->guest, &p->rng, POOL_BUF_BYTES, offset,
			 &r->buf))
		return false;
	r->dir = wl_rand(&p->rng) & 1 ? DMK_DMA_TO_DEVICE : DMK_DMA_FROM_DEVICE;
	wl_fill_pattern(&p->rng, r->expect, POOL_BUF_BYTES);
	if (r->dir == DMK_DMA_TO_DEVICE)
		memcpy(r->buf.cpu, r->expect, POOL_BUF_BYTES);
	else
		memset(r->buf.cpu, 0, POOL_BUF_BYTES);
	return true;
}

static dmk_addr_t pool_map(struct pool_drv *p, struct pool_req *r)
{
	return dmk_map_single(&p->wd->dev, r->buf.cpu, r->buf.len, r->dir);
}

/*
 * The careful driver: on a failed mapping, complete everything in
 * flight and try once more; if even an empty queue cannot map, drop the
 * request (a real driver returns busy to its caller).
 */
static bool pool_map_checked(struct pool_drv *p, struct pool_req *r)
{
	struct pool_req tmp;

	r->dma = pool_map(p, r);
	if (!dmk_mapping_error(&p->wd->dev, r->dma))
		return true;
	pool_complete_all(p);
	/* The queue is empty: the request moves to its head. */
	tmp = p->live[0];
	p->live[0] = *r;
	*r = tmp;
	r = &p->live[0];
	r->dma = pool_map(p, r);
	if (!dmk_mapping_error(&p->wd->dev, r->dma))
		return true;
	wl_oracle_map_error(p->env.oracle, p->wd->dev.name, "pool-map",
			    r->buf.len);
	wl_buf_free(&p->env, p->wd->guest, &r->buf);
	return false;
}

static void pool_step(struct pool_drv *p)
{
	struct pool_req *r;

	if (p->nr_live == POOL_LIVE_MAX)
		pool_complete_all(p);
	r = &p->live[p->nr_live];
	if (!pool_prepare(p, r)) {
		p->env.oracle->alloc_failures++;
		return;
	}
	if (p->checks_errors) {
		if (!pool_map_checked(p, r))
			return;
	} else {
		/* Whatever came back goes to the device. */
		r->dma = pool_map(p, r);
	}
	p->nr_live++;
}

void scen_drive_pool(struct sim_world *w, struct wl_oracle *o, uint64_t seed,
		     unsigned long ops, bool checks_errors)
{
	struct pool_drv *p = calloc(1, sizeof(*p));

	if (!p || !w->nr_devs)
		goto fail;
	p->env.w = w;
	p->env.oracle = o;
	p->env.seed = seed;
	p->wd = &w->devs[0];
	p->rng = wl_seed_mix(seed, 0x9001, 0);
	p->checks_errors = checks_errors;
	p->seen = malloc(POOL_BUF_BYTES);
	if (!p->seen)
		goto fail;
	for (unsigned int i = 0; i < POOL_LIVE_MAX; i++) {
		p->live[i].expect = malloc(POOL_BUF_BYTES);
		if (!p->live[i].expect)
			goto fail;
	}
	for (unsigned long op = 0; op < ops; op++)
		pool_step(p);
	pool_complete_all(p);
	wl_oracle_finish(o, w);
	goto out;
fail:
	wl_oracle_map_error(o, w->desc.name, "out-of-memory", 0);
out:
	if (p) {
		for (unsigned int i = 0; i < POOL_LIVE_MAX; i++)
			free(p->live[i].expect);
		free(p->seen);
	}
	free(p);
}

/* ---- the region driver ---- */

#define REG_LIVE 6
#define REG_MIN_SHIFT 16 /* 64 KiB */
#define REG_MAX_SHIFT 18 /* 256 KiB */
#define REG_MAX_XFER (16 * 1024)
/* Relocations between two transfers: the hypervisor is busy. */
#define REG_RELOCATIONS 8

struct region {
	void *cpu;
	dmk_addr_t dma;
	size_t size;
	uint64_t phys; /* guest-physical, or WL_NO_ADDR */
};

struct region_drv {
	struct sim_world *w;
	struct sim_world_device *wd;
	struct wl_oracle *o;
	uint64_t rng;
	struct region live[REG_LIVE];
	uint8_t expect[REG_MAX_XFER], seen[REG_MAX_XFER];
};

static void region_alloc(struct region_drv *d, struct region *r)
{
	unsigned int shift = (unsigned int)wl_rand_range(&d->rng, REG_MIN_SHIFT,
							 REG_MAX_SHIFT);

	r->size = (size_t)1 << shift;
	r->cpu = dmk_alloc_coherent(&d->wd->dev, r->size, &r->dma);
	if (!r->cpu)
		d->o->alloc_failures++;
	else
		r->phys = wl_coherent_phys(d->wd, r->cpu, r->dma, r->size);
}

static void region_free(struct region_drv *d, struct region *r)
{
	if (!r->cpu)
		return;
	dmk_free_coherent(&d->wd->dev, r->size, r->cpu, r->dma);
	r->cpu = NULL;
}

/* CPU to device and device to CPU, no sync: coherent memory. */
static void region_transfer(struct region_drv *d, struct region *r)
{
	const char *name = d->wd->dev.name;
	size_t len = wl_rand_range(&d->rng, 1, REG_MAX_XFER);
	size_t off = wl_rand_range(&d->rng, 0, r->size - len);
	uint8_t *cpu = (uint8_t *)r->cpu + off;
	struct wl_at at =
		wl_at_run(r->phys == WL_NO_ADDR ? WL_NO_ADDR : r->phys + off,
			  r->dma + off);

	wl_fill_pattern(&d->rng, d->expect, len);
	memcpy(cpu, d->expect, len);
	memset(d->seen, 0, len);
	sim_dev_dma_read(&d->wd->sd, r->dma + off, d->seen, len);
	wl_oracle_check_at(d->o, name, "region-read", d->expect, d->seen, len,
			   &at);

	wl_fill_pattern(&d->rng, d->expect, len);
	sim_dev_dma_write(&d->wd->sd, r->dma + off, d->expect, len);
	memcpy(d->seen, cpu, len);
	wl_oracle_check_at(d->o, name, "region-write", d->expect, d->seen, len,
			   &at);
}

static void region_step(struct region_drv *d)
{
	struct region *r = &d->live[wl_rand(&d->rng) % REG_LIVE];

	if (!r->cpu) {
		region_alloc(d, r);
		return;
	}
	if (wl_rand(&d->rng) % 16 == 0) {
		region_free(d, r);
		return;
	}
	if (d->w->xen && d->w->opts.relocation)
		for (int i = 0; i < REG_RELOCATIONS; i++)
			sim_xen_maybe_relocate(d->w->xen);
	region_transfer(d, r);
}

void scen_drive_regions(struct sim_world *w, struct wl_oracle *o, uint64_t seed,
			unsigned long ops)
{
	struct region_drv *d = calloc(1, sizeof(*d));

	if (!d || !w->nr_devs) {
		wl_oracle_map_error(o, w->desc.name, "out-of-memory", 0);
		free(d);
		return;
	}
	d->w = w;
	d->wd = &w->devs[0];
	d->o = o;
	d->rng = wl_seed_mix(seed, 0x9002, 0);
	for (unsigned long op = 0; op < ops; op++)
		region_step(d);
	for (unsigned int i = 0; i < REG_LIVE; i++)
		region_free(d, &d->live[i]);
	wl_oracle_finish(o, w);
	free(d);
}
