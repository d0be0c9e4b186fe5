/* SPDX-License-Identifier: MIT */
/*
 * The simulator's own speed: `dmakit run` on arm64-native with the
 * DMA-API checker and the oracle on, in map/unmap operations per second
 * of the whole stack (library, cache model, devices, oracle).
 */
#include "bench.h"

#include "workload.h"
#include "world.h"

#include <stdio.h>
#include <string.h>

/*
 * Natively the pool must sit below the most limited device's reach, as
 * `dmakit run` places it (cmd-run.c); a device with a bus offset reaches
 * CPU addresses up to its mask minus the offset.
 */
static uint64_t sim_pool_limit(const struct sim_world_desc *d,
			       uint64_t pool_bytes)
{
	uint64_t limit = 0xffffffffULL;

	for (unsigned int i = 0; i < d->nr_devs; i++) {
		const struct sim_desc_device *dev = &d->devs[i];
		uint64_t mask = DMK_BIT_MASK(dev->reach_bits);
		int64_t off = (int64_t)dev->bus_offset;
		uint64_t top;

		if (off >= 0)
			top = mask >= (uint64_t)off ? mask - (uint64_t)off : 0;
		else
			top = mask + (uint64_t)-off < mask
				      ? ~0ULL
				      : mask + (uint64_t)-off;
		if (dev->dma_limit && dev->dma_limit < top)
			top = dev->dma_limit;
		if (dev->smmu < 0 && top < limit &&
		    top >= d->banks[0].base + pool_bytes)
			limit = top;
	}
	return limit;
}

void bench_sim_speed(unsigned long ops, struct sim_speed *s)
{
	struct sim_world_desc d;
	struct sim_world_options o;
	struct sim_world *w;
	struct wl_oracle orc;
	struct wl_run_config rc = {.seed = 1, .ops = ops};
	uint64_t t;

	memset(s, 0, sizeof(*s));
	if (sim_platform_desc("arm64-native", &d, s->why, sizeof(s->why)))
		return;
	sim_world_options_default(&o);
	o.cfg.debug = true; /* as dmakit run: the DMA-API checker is on */
	o.cfg.swiotlb_limit = sim_pool_limit(&d, o.cfg.swiotlb_bytes);
	if (sim_world_build(&d, &o, &w, s->why, sizeof(s->why)))
		return;
	memset(&orc, 0, sizeof(orc));
	if (wl_drivers_probe(w)) {
		snprintf(s->why, sizeof(s->why), "a driver failed to probe");
		sim_world_destroy(w);
		return;
	}
	t = now_ns();
	wl_run(w, &rc, &orc);
	s->seconds = (double)(now_ns() - t) / 1e9;
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct dmk_dma_stats st;

		dmk_device_stats(&w->devs[i].dev, &st);
		s->dma_ops += st.maps + st.unmaps;
	}
	s->ops_per_s = s->seconds > 0 ? (double)s->dma_ops / s->seconds : 0;
	s->integrity_ok = wl_oracle_ok(&orc);
	s->ran = true;
	wl_drivers_remove(w);
	sim_world_destroy(w);
}
