/* SPDX-License-Identifier: MIT */
/*
 * Xen grant DMA (Linux's drivers/xen/grant-dma-ops.c) measured: map and
 * unmap of one buffer by a virtio device of the built-in
 * arm64-domU-virtio-grant platform, whose DMA addresses are grant
 * references to its backend in dom0.  A map claims a grant reference per
 * page and writes each entry of the domU's grant table (Linux's
 * gnttab_alloc_grant_reference_seq and gnttab_grant_foreign_access_ref);
 * an unmap ends each grant and frees the references.  Measured through
 * the public API on the simulator's hypervisor model, the grant table
 * being the same memory a real Xen reads; the devices' own DMA engines
 * stay idle, so what is timed is the ops alone.
 */
#include "bench.h"

#include "world.h"

#include <dmakit/dma-map-ops.h>

#include <stdio.h>
#include <string.h>

/* A device of the world whose ops chain has the grant DMA ops. */
static struct sim_world_device *grant_device(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		char chain[128];

		if (dmk_dma_ops_chain(&w->devs[i].dev, chain, sizeof(chain)) ==
			    0 &&
		    strstr(chain, "xen-grant-dma"))
			return &w->devs[i];
	}
	return NULL;
}

void bench_grant(bool quick, struct grant_result *r)
{
	static const size_t sizes[GRANT_SIZES] = {4096, 65536};
	struct sim_world_desc d;
	struct sim_world_options o;
	struct sim_world *w;
	struct sim_world_device *wd;
	const struct dmk_platform *plat;
	dmk_phys_t phys;
	uint8_t *va;
	unsigned int reps = quick ? 5 : 15;

	memset(r, 0, sizeof(*r));
	if (sim_platform_desc("arm64-domU-virtio-grant", &d, r->why,
			      sizeof(r->why)))
		return;
	sim_world_options_default(&o);
	if (sim_world_build(&d, &o, &w, r->why, sizeof(r->why)))
		return;
	wd = grant_device(w);
	if (!wd) {
		snprintf(
			r->why, sizeof(r->why),
			"no device on xen-grant-dma in arm64-domU-virtio-grant");
		sim_world_destroy(w);
		return;
	}
	plat = &wd->guest->pd.plat;
	/* 64 KiB of the domU's RAM, page aligned: one grant per page. */
	va = plat->ops->alloc_pages(plat->ctx, 4, ~(dmk_phys_t)0, &phys);
	if (!va) {
		snprintf(r->why, sizeof(r->why), "no 64 KiB of domU memory");
		sim_world_destroy(w);
		return;
	}
	memset(va, 0x5a, 65536);
	for (unsigned int s = 0; s < GRANT_SIZES; s++) {
		unsigned long iters =
			(quick ? 2000UL : 20000UL) * 4096 / sizes[s];

		r->size[s] = sizes[s];
		r->grant_med[s] = bench_time_pairs(&wd->dev, va, sizes[s], reps,
						   iters, &r->grant_ns[s]);
	}
	snprintf(r->device, sizeof(r->device), "%s", wd->dev.name);
	r->ran = r->grant_med[0] > 0 && r->grant_med[1] > 0;
	if (!r->ran)
		snprintf(r->why, sizeof(r->why), "a grant DMA map failed");
	plat->ops->free_pages(plat->ctx, phys, 4);
	sim_world_destroy(w);
}
