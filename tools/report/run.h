/* SPDX-License-Identifier: MIT */
/*
 * dmakit run --report FILE.html (tools/report/run.c): what the run did,
 * drawn.  A collector rides along with the run through the workloads'
 * observer (struct wl_run_config): it samples the bounce pools'
 * occupancy and takes one snapshot of every guest's p2m half-way, when
 * the drivers' buffers, exchanged regions and grant maps are alive.  It
 * reads only what the library and the simulator publish (the dmk_*
 * statistics calls, the world, the p2m accessors).
 */
#ifndef DMAKIT_TOOLS_REPORT_RUN_H
#define DMAKIT_TOOLS_REPORT_RUN_H

#include "workload.h"
#include "world.h"

struct rp_run;

/* What the command knows that the world does not. */
struct rp_run_info {
	const char *platform, *summary; /* summary may be NULL */
	unsigned long long seed, ops;
	const char *workloads;
	bool adversarial, relocation;
	const char *driver_bug; /* NULL: none */
	const char *xen_ops;	/* NULL: per-device (dmakit's) */
};

/* Hooks the collector into rc (its observer).  NULL when out of memory. */
struct rp_run *rp_run_start(struct sim_world *w, struct wl_run_config *rc);
/* Write the report; 0, or -1 with errno (the file could not be written). */
int rp_run_write(struct rp_run *c, const char *path,
		 const struct rp_run_info *info, struct sim_world *w,
		 const struct wl_oracle *o);
void rp_run_free(struct rp_run *c);

#endif
