/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench sweep (`make bench`): the table of docs/benchmarks.md,
 * sizes x directions x occupancies for dmakit and Linux's model against
 * the floors, then the churn, thread scaling, a dynamic swiotlb
 * (dynamic.c) and the simulator's speed,
 * all in one run; report.c prints it.
 */
#include "bench.h"
#include "progress.h"
#include "report/bench.h"

#include <errno.h>
#include <string.h>

#include <stdio.h>
#include <stdlib.h>

const size_t bench_sweep_sizes[NR_SIZES] = {64, 1500, 4096, 65536};
const enum dmk_data_direction bench_sweep_dirs[NR_DIRS] = {
	DMK_DMA_TO_DEVICE, DMK_DMA_FROM_DEVICE, DMK_DMA_BIDIRECTIONAL};
const double bench_sweep_occs[NR_OCCS] = {0, 50, 90};

/* Cells of the latency sweep, then churn (2), scaling, the dynamic
 * swiotlb, grant DMA and the simulator: what the progress line counts. */
#define SWEEP_STEPS                                                            \
	(NR_SIZES * (1 + NR_DIRS) + NR_OCCS * NR_SIZES * NR_DIRS + 6)

static void step(struct dmk_progress *p, const char *fmt, size_t size,
		 enum dmk_data_direction dir, double occ)
{
	char item[64];

	snprintf(item, sizeof(item), fmt, size, dir_name(dir), occ);
	dmk_progress_update(p, p->done + 1, item);
}

static void sweep_latency(struct bench_env *e, bool quick, struct sweep *sw,
			  struct dmk_progress *p)
{
	unsigned int reps = quick ? 3 : 31;
	uint64_t budget = quick ? 2000000 : 60000000;

	sw->reps = reps;
	sw->indirect_med = bench_time_indirect(reps, quick ? 100000 : 1000000,
					       &sw->indirect_ns);
	for (int s = 0; s < NR_SIZES; s++) {
		struct cell c = {CELL_DIRECT, bench_sweep_sizes[s],
				 DMK_DMA_TO_DEVICE};

		sw->direct_med[s] =
			bench_time_cell(e, &c, reps, budget, &sw->direct_ns[s]);
		step(p, "direct %zu B %s", bench_sweep_sizes[s],
		     DMK_DMA_TO_DEVICE, 0);
		for (int d = 0; d < NR_DIRS; d++) {
			c = (struct cell){CELL_MEMCPY, bench_sweep_sizes[s],
					  bench_sweep_dirs[d]};
			sw->memcpy_med[s][d] = bench_time_cell(
				e, &c, reps, budget, &sw->memcpy_ns[s][d]);
			step(p, "memcpy %zu B %s", bench_sweep_sizes[s],
			     bench_sweep_dirs[d], 0);
		}
	}
	for (int o = 0; o < NR_OCCS; o++) {
		struct held_list held[2] = {{0}, {0}};

		for (int im = 0; im < 2; im++) {
			bench_prefill(e, (enum impl)im, bench_sweep_occs[o],
				      &held[im]);
			sw->occ_reached[im][o] =
				bench_occupancy(e, (enum impl)im);
		}
		bench_pin_to_cpu(0);
		for (int s = 0; s < NR_SIZES; s++)
			for (int d = 0; d < NR_DIRS; d++) {
				step(p, "bounce %zu B %s at %.0f%%",
				     bench_sweep_sizes[s], bench_sweep_dirs[d],
				     bench_sweep_occs[o]);
				for (int im = 0; im < 2; im++) {
					struct cell c = {im ? CELL_LINUX
							    : CELL_DMAKIT,
							 bench_sweep_sizes[s],
							 bench_sweep_dirs[d]};

					sw->bounce_med[im][s][d]
						      [o] = bench_time_cell(
						e, &c, reps, budget,
						&sw->bounce_ns[im][s][d][o]);
				}
			}
		bench_unpin();
		for (int im = 0; im < 2; im++)
			bench_held_release(e, (enum impl)im, &held[im]);
	}
}

int bench_sweep(bool json, bool quick, const char *report)
{
	struct bench_env e;
	struct sweep *sw = calloc(1, sizeof(*sw));
	struct dmk_swiotlb_stats st;
	struct dmk_progress pr;

	if (!sw || bench_env_create(&e, 32, true, 2)) {
		free(sw);
		fprintf(stderr, "dmakit: cannot set up the host platform\n");
		return DMK_EXIT_FAIL;
	}
	dmk_swiotlb_stats(e.sys, &st);
	sw->nareas = (unsigned int)st.nareas;
	dmk_progress_start(&pr, "bench sweep", SWEEP_STEPS, json);
	sweep_latency(&e, quick, sw, &pr);
	for (int im = 0; im < 2; im++) {
		dmk_progress_update(&pr, pr.done + 1,
				    im ? "churn (Linux model)" : "churn");
		bench_churn(&e, (enum impl)im, quick ? 1 : 5,
			    quick ? 200 : 3000, &sw->churn[im]);
	}
	dmk_progress_update(&pr, pr.done + 1, "thread scaling");
	bench_thread_scaling(&e, quick ? 1 : 7, quick ? 20000 : 400000,
			     &sw->scale);
	bench_env_destroy(&e);
	dmk_progress_update(&pr, pr.done + 1, "the dynamic swiotlb");
	bench_dynamic(quick, &sw->dyn);
	dmk_progress_update(&pr, pr.done + 1, "grant DMA");
	bench_grant(quick, &sw->grant);
	dmk_progress_update(&pr, pr.done + 1, "the simulator's speed");
	bench_sim_speed(quick ? 2000 : 50000, &sw->sim);
	dmk_progress_end(&pr);

	if (json) {
		json_t *o = bench_sweep_json(sw, quick);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		bench_print_sweep(sw, quick);
	}
	if (report && rp_bench_write(report, sw, quick)) {
		free(sw);
		return dmk_usage_error("--report: cannot write %s: %s", report,
				       strerror(errno));
	}
	free(sw);
	return DMK_EXIT_OK;
}
