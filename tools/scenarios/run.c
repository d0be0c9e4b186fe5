/* SPDX-License-Identifier: MIT */
/*
 * One design of a scenario: build each of its worlds as `dmakit run`
 * would (the same world builder, drivers and oracle), run the driver it
 * names, and count what the oracle, the devices, the bounce pools and
 * the hypervisor saw.  The guests' kernel log is kept in memory to count
 * the "swiotlb buffer is full" warnings.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line for the report; longer ones are cut, which is fine. */
static void set_detail(struct scen_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_detail(struct scen_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static void set_options(const struct scen_world *sw, uint64_t seed, FILE *log,
			struct naive_design *nd, struct sim_world_options *o)
{
	sim_world_options_default(o);
	o->seed = seed;
	o->relocation = sw->relocation;
	o->log = log;
	o->cfg.debug = true;
	o->cfg.xen = !sw->no_xen;
	*nd = (struct naive_design){.naive = sw->naive,
				    .xen_ops = sw->ops_mode};
	naive_hooks(nd, o);
	o->cfg.swiotlb_force = sw->force_bounce;
	o->cfg.swiotlb_bytes =
		sw->swiotlb_bytes ? sw->swiotlb_bytes : SCEN_SWIOTLB_BYTES;
	if (sw->no_swiotlb)
		o->cfg.swiotlb_bytes = 0;
}

/* Names to wl_run's mask; 0 (all) for NULL, -1 for an unknown name. */
static int workload_mask(const char *list, unsigned int *mask)
{
	char buf[128], *save = NULL;

	*mask = 0;
	if (!list)
		return 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		for (i = 0; wl_workloads[i]; i++)
			if (!strcmp(wl_workloads[i]->name, t))
				break;
		if (!wl_workloads[i])
			return -1;
		*mask |= 1U << i;
	}
	return 0;
}

static uint64_t counter(const struct sim_xen *x, const char *name)
{
	for (unsigned int i = 0; i < x->nr_counters; i++)
		if (!strcmp(x->counters[i].name, name))
			return x->counters[i].n;
	return 0;
}

static void add_pool(struct scen_result *r, struct dmk_swiotlb_stats *st)
{
	r->bounces += st->bounced_maps;
	r->full += st->full;
}

static void gather(struct sim_world *w, const struct wl_oracle *o,
		   struct scen_result *r)
{
	struct dmk_swiotlb_stats st;

	r->checked_bytes += o->checked_bytes;
	r->wrong_bytes += o->corrupted_bytes;
	r->faults += o->faults;
	r->map_errors += o->map_errors + o->alloc_failures;
	for (unsigned int i = 0; i < w->nr_guests; i++)
		if (!dmk_swiotlb_stats(w->guests[i].sys, &st))
			add_pool(r, &st);
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++)
		if (w->pools[i] && !dmk_swiotlb_pool_stats(w->pools[i], &st))
			add_pool(r, &st);
	if (w->xen) {
		r->exchanges += counter(w->xen, "memory_op:exchange") +
				counter(w->xen, "memory_op:exchange_and_pin");
		r->pages_exchanged += w->xen->pages_exchanged;
		r->pages_relocated += w->xen->pages_relocated;
	}
}

/* The first thing that went wrong, for the report. */
static void note_detail(struct sim_world *w, const struct wl_oracle *o,
			struct scen_result *r)
{
	if (r->detail[0])
		return;
	if (o->nr_mismatches) {
		const struct wl_mismatch *mm = &o->mismatches[0];

		if (mm->wrong)
			set_detail(
				r,
				"%s: %s %s: %llu bytes wrong from offset %llu",
				w->desc.name, mm->device, mm->op,
				(unsigned long long)mm->wrong,
				(unsigned long long)mm->offset);
		else
			set_detail(r, "%s: %s %s of %llu bytes failed",
				   w->desc.name, mm->device, mm->op,
				   (unsigned long long)mm->offset);
		return;
	}
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		if (!sim_device_faults(&w->devs[i].sd))
			continue;
		set_detail(r, "%s: %s: %s", w->desc.name, w->devs[i].dev.name,
			   w->devs[i].sd.last_fault);
		return;
	}
}

/* Each device that moved wrong bytes or faulted, with where. */
static void note_where(struct sim_world *w, const struct scen_world *sw,
		       const struct wl_oracle *o, struct scen_result *r)
{
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		const char *name = w->devs[i].dev.name;
		uint64_t faults = sim_device_faults(&w->devs[i].sd);
		const struct wl_device_tally *t = NULL;
		struct scen_where *x;

		for (unsigned int k = 0; k < o->nr_tally; k++)
			if (!strcmp(o->tally[k].device, name))
				t = &o->tally[k];
		if ((!t || !t->wrong_bytes) && !faults)
			continue;
		if (r->nr_where == SCEN_MAX_WHERE)
			return;
		x = &r->where[r->nr_where++];
		memset(x, 0, sizeof(*x));
		snprintf(x->world, sizeof(x->world), "%s", sw->platform);
		snprintf(x->device, sizeof(x->device), "%s", name);
		x->faults = faults;
		if (faults)
			snprintf(x->fault, sizeof(x->fault), "%s",
				 w->devs[i].sd.last_fault);
		if (t && t->wrong_bytes) {
			const struct wl_mismatch *mm = &t->first;

			x->wrong_bytes = t->wrong_bytes;
			x->wrong_transfers = t->wrong_transfers;
			x->first_at = t->first_at;
			snprintf(
				x->first, sizeof(x->first),
				"%s: %llu bytes wrong from offset %llu (expected 0x%02x, got 0x%02x)",
				mm->op, (unsigned long long)mm->wrong,
				(unsigned long long)mm->offset, mm->expected,
				mm->got);
		}
	}
}

static uint64_t count_lines(const char *text, const char *needle)
{
	uint64_t n = 0;

	for (const char *p = text; p && (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void drive(struct sim_world *w, const struct scen_world *sw,
		  uint64_t seed, unsigned long ops, struct wl_oracle *o)
{
	struct wl_run_config rc = {
		.seed = seed,
		.ops = ops,
		.bug = sw->bug,
	};

	switch (sw->driver) {
	case SCEN_DRV_WORKLOADS:
		if (workload_mask(sw->workloads, &rc.workload_mask))
			wl_oracle_map_error(o, w->desc.name, "bad-workload", 0);
		else if (!wl_run(w, &rc, o))
			wl_oracle_map_error(o, w->desc.name, "no-workload", 0);
		break;
	case SCEN_DRV_POOL_IGNORES:
	case SCEN_DRV_POOL_CHECKS:
		scen_drive_pool(w, o, seed, ops,
				sw->driver == SCEN_DRV_POOL_CHECKS);
		break;
	case SCEN_DRV_REGIONS:
		scen_drive_regions(w, o, seed, ops);
		break;
	}
}

static void fail(struct scen_result *r, const char *platform, const char *what)
{
	r->error = true;
	if (!r->detail[0])
		set_detail(r, "%s: %s", platform, what);
}

static void run_world(const struct scen_world *sw, uint64_t seed,
		      unsigned long ops, struct scen_result *r)
{
	struct sim_world_options opts;
	struct naive_design nd;
	struct sim_world_desc *desc = calloc(1, sizeof(*desc));
	struct sim_world *w = NULL;
	struct wl_oracle o;
	char err[256], *logbuf = NULL;
	size_t loglen = 0;
	FILE *log = open_memstream(&logbuf, &loglen);

	memset(&o, 0, sizeof(o));
	memset(&nd, 0, sizeof(nd));
	if (!desc || !log) {
		fail(r, sw->platform, "out of memory");
		goto out;
	}
	if (sw->describe(desc, err, sizeof(err))) {
		fail(r, sw->platform, err);
		goto out;
	}
	/* swiotlb_limit stays 0: the world places a native pool. */
	set_options(sw, seed, log, &nd, &opts);
	if (sim_world_build(desc, &opts, &w, err, sizeof(err))) {
		fail(r, sw->platform, err);
		goto out;
	}
	/*
	 * The world builder boots every Xen as 4.17 plus the extension; the
	 * series' ARM steal_page comes on before the drivers start.  The
	 * scenario that needs it has no bounce pool, so nothing is
	 * exchanged at boot either way.
	 */
	if (w->xen)
		w->xen->arm_steal_page = sw->steal_page;
	if (wl_drivers_probe(w) || naive_after_probe(&nd, w)) {
		fail(r, sw->platform, "a driver failed to probe");
		goto out;
	}
	drive(w, sw, seed, ops, &o);
	wl_drivers_remove(w);
	gather(w, &o, r);
	note_detail(w, &o, r);
	note_where(w, sw, &o, r);
out:
	if (w)
		sim_world_destroy(w);
	naive_release(&nd);
	free(desc);
	if (log) {
		fclose(log);
		r->full_warnings +=
			count_lines(logbuf, "swiotlb buffer is full");
		r->pool_refused += count_lines(
			logbuf, "cannot be made machine-contiguous");
	}
	free(logbuf);
}

void scen_run_design(const struct scen_design *d, uint64_t seed,
		     unsigned long ops, struct scen_result *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned int i = 0; i < d->nr_worlds; i++)
		run_world(&d->worlds[i], seed, ops, r);
}
