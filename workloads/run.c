/* SPDX-License-Identifier: MIT */
/*
 * Run the selected workloads on every device they apply to.  Instances
 * (one per workload and device) are interleaved in a seeded order, so
 * buffers of several drivers are alive at once as on a busy machine, and
 * the same seed always gives the same run.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

const struct wl_workload *const wl_workloads[] = {
	&wl_nic, &wl_blk, &wl_coherent, &wl_netback, &wl_virtio, NULL,
};

const struct wl_workload *wl_workload_find(const char *name)
{
	for (unsigned int i = 0; wl_workloads[i]; i++)
		if (!strcmp(wl_workloads[i]->name, name))
			return wl_workloads[i];
	return NULL;
}

struct wl_instance {
	const struct wl_workload *wl;
	void *state;
};

static unsigned int start_instances(struct wl_env *env,
				    const struct wl_run_config *cfg,
				    struct wl_instance *inst)
{
	struct sim_world *w = env->w;
	unsigned int n = 0;

	for (unsigned int i = 0; wl_workloads[i]; i++) {
		const struct wl_workload *wl = wl_workloads[i];

		if (cfg->workload_mask && !(cfg->workload_mask & (1U << i)))
			continue;
		for (unsigned int d = 0; d < w->nr_devs; d++) {
			struct sim_world_device *wd = &w->devs[d];
			void *st;

			/* Nothing in system RAM is reachable: not run. */
			if (!sim_desc_device_reaches_ram(&w->desc, wd->desc))
				continue;
			if (!wl->applies(w, wd))
				continue;
			st = wl->init(env, wd, wl_seed_mix(cfg->seed, i, d));
			if (!st) {
				wl_oracle_map_error(env->oracle, wd->dev.name,
						    wl->name, 0);
				continue;
			}
			env->oracle->workloads_ran |= 1U << i;
			inst[n].wl = wl;
			inst[n].state = st;
			n++;
		}
	}
	return n;
}

unsigned int wl_run(struct sim_world *w, const struct wl_run_config *cfg,
		    struct wl_oracle *o)
{
	struct wl_env env = {
		.w = w,
		.oracle = o,
		.seed = cfg->seed,
		.bug = cfg->bug,
	};
	unsigned int max = 4 * (w->nr_devs + 1), n;
	struct wl_instance *inst = calloc(max, sizeof(*inst));
	uint64_t rng = wl_seed_mix(cfg->seed, 0x5eed, 0);

	if (!inst) {
		wl_oracle_map_error(o, "-", "out-of-memory", 0);
		return 0;
	}
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		if (wl_arena_create(&w->guests[g], &env.arenas[g]))
			env.arenas[g] = NULL; /* plain pages, then */
	n = start_instances(&env, cfg, inst);
	wl_misuse(&env);
	for (unsigned long op = 0; n && op < cfg->ops; op++) {
		struct wl_instance *in = &inst[wl_rand(&rng) % n];

		/* Between operations a hypervisor may move unpinned pages
		 * (relocation on): nothing a guest assumed may break. */
		if (w->xen && w->opts.relocation)
			sim_xen_maybe_relocate(w->xen);
		in->wl->step(in->state);
		if (cfg->observe && (op + 1 == cfg->ops ||
				     (cfg->observe_every &&
				      (op + 1) % cfg->observe_every == 0)))
			cfg->observe(cfg->observe_arg, op + 1, cfg->ops);
	}
	for (unsigned int i = n; i-- > 0;)
		inst[i].wl->fini(inst[i].state);
	free(inst);
	for (unsigned int g = 0; g < 2; g++)
		wl_arena_destroy(env.arenas[g]);
	wl_oracle_finish(o, w);
	return n;
}
