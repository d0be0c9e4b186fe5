/* SPDX-License-Identifier: MIT */
/*
 * The sweep's report: the text of `dmakit bench sweep` and the JSON of
 * `dmakit bench sweep --json` (what bench/ab.py reads), from one
 * struct sweep.  Their form is what docs/benchmarks.md and ab.py rely
 * on: change it with them.
 */
#include "bench.h"

#include <stdio.h>

void bench_print_sweep(const struct sweep *sw, bool quick)
{
	printf("dmakit bench sweep%s: host platform, %lu MiB pools, %u areas, %u online CPUs\n",
	       quick ? " (quick: numbers are indicative only)" : "",
	       BENCH_POOL >> 20, sw->nareas, bench_online_cpus());
	printf("\nmap+unmap through a bounce buffer, ns: best of %u batches (the machine is shared;\n"
	       "medians are in --json); floors measured in the same run\n",
	       sw->reps);
	printf("indirect-call floor (two empty calls through an ops table): %.1f ns\n",
	       sw->indirect_ns);
	printf("%-14s %7s %-16s %9s %9s %9s %12s\n", "dir", "size", "impl",
	       "0%", "50%", "90%", "memcpy floor");
	for (int d = 0; d < NR_DIRS; d++)
		for (int s = 0; s < NR_SIZES; s++)
			for (int im = 0; im < 2; im++) {
				printf("%-14s %7zu %-16s",
				       dir_name(bench_sweep_dirs[d]),
				       bench_sweep_sizes[s],
				       bench_impl_names[im]);
				for (int o = 0; o < NR_OCCS; o++)
					printf(" %9.1f",
					       sw->bounce_ns[im][s][d][o]);
				if (im == 0)
					printf(" %12.1f", sw->memcpy_ns[s][d]);
				printf("\n");
			}
	printf("occupancy reached (dmakit / linux):");
	for (int o = 0; o < NR_OCCS; o++)
		printf(" %.1f/%.1f%%", sw->occ_reached[0][o],
		       sw->occ_reached[1][o]);
	printf("\n\ndirect map+unmap (coherent device, no bounce), TO_DEVICE:");
	for (int s = 0; s < NR_SIZES; s++)
		printf(" %zu B %.1f ns%s", bench_sweep_sizes[s],
		       sw->direct_ns[s], s + 1 < NR_SIZES ? "," : "\n");

	printf("\nfragmentation churn, log-uniform 64 B..256 KiB\n");
	for (int im = 0; im < 2; im++)
		printf("  %-16s first failure at %.1f%% occupancy\n",
		       bench_impl_names[im], sw->churn[im].first_failure_pct);
	printf("  failure rate %% at a held occupancy, by size class:\n");
	printf("  %-16s %6s %9s %9s %9s\n", "impl", "level",
	       bench_class_names[0], bench_class_names[1],
	       bench_class_names[2]);
	for (int im = 0; im < 2; im++)
		for (int lv = 0; lv < CHURN_LEVELS; lv++)
			printf("  %-16s %5.0f%% %9.1f %9.1f %9.1f%s\n",
			       bench_impl_names[im], bench_churn_levels[lv],
			       sw->churn[im].fail_rate[lv][0],
			       sw->churn[im].fail_rate[lv][1],
			       sw->churn[im].fail_rate[lv][2],
			       sw->churn[im].reached_pct[lv] <
					       bench_churn_levels[lv] - 0.5
				       ? "  (level not reached)"
				       : "");

	printf("\nthread scaling, 1500 B TO_DEVICE, 2 threads vs 1 (median)\n");
	printf("  calibration loop: %.2fx\n", sw->scale.calib_ratio);
	for (int im = 0; im < 2; im++)
		printf("  %-16s %.2fx  -> %.2f of twice one thread (normalised)\n",
		       bench_impl_names[im], sw->scale.map_ratio[im],
		       sw->scale.fraction[im]);

	printf("\ndynamic swiotlb (--swiotlb-dynamic), 4 KiB map+unmap, median\n");
	printf("  default pool: %.1f ns; every pool full (%llu), a transient pool per map: %.1f ns%s\n",
	       sw->dyn.steady_ns, (unsigned long long)sw->dyn.pools,
	       sw->dyn.transient_ns,
	       sw->dyn.transient_ok ? "" : "  (NOT through transient pools)");
	printf("  p99 of one 1500 B map: %.0f ns alone, %.0f ns while a thread adds %u pools (%.2fx; %u and %u samples)\n",
	       sw->dyn.p99_steady_ns, sw->dyn.p99_growing_ns, sw->dyn.grown,
	       sw->dyn.p99_steady_ns > 0
		       ? sw->dyn.p99_growing_ns / sw->dyn.p99_steady_ns
		       : 0,
	       sw->dyn.steady_samples, sw->dyn.growing_samples);
	printf("  churn on a 1 MiB pool, 64 MiB RAM: %lu maps, %s; then %llu KiB in %llu pools + %llu transient\n",
	       sw->dyn.churn_maps,
	       !sw->dyn.churn_failed ? "no failure"
	       : sw->dyn.churn_memory_out
		       ? "first failure when platform memory ran out"
		       : "FAILED with platform memory left",
	       (unsigned long long)sw->dyn.churn_pool_bytes >> 10,
	       (unsigned long long)sw->dyn.churn_pools,
	       (unsigned long long)sw->dyn.churn_transient);

	printf("\nXen grant DMA (arm64-domU-virtio-grant, %s), map+unmap TO_DEVICE\n",
	       sw->grant.ran ? sw->grant.device : "-");
	if (sw->grant.ran)
		for (int s = 0; s < GRANT_SIZES; s++)
			printf("  %6zu B (%2zu grant refs): best %.1f ns, median %.1f ns\n",
			       sw->grant.size[s],
			       (sw->grant.size[s] + DMK_PAGE_SIZE - 1) /
				       DMK_PAGE_SIZE,
			       sw->grant.grant_ns[s], sw->grant.grant_med[s]);
	else
		printf("  not measured: %s\n", sw->grant.why);

	printf("\nsimulator speed (dmakit run, arm64-native, oracle on): ");
	if (sw->sim.ran)
		printf("%.0f map/unmap ops/s (%llu ops in %.2f s, integrity %s)\n",
		       sw->sim.ops_per_s, (unsigned long long)sw->sim.dma_ops,
		       sw->sim.seconds, sw->sim.integrity_ok ? "OK" : "FAILED");
	else
		printf("not measured: %s\n", sw->sim.why);
}

/* {"measured", "device", "cells": [{"size", "grants", "ns", "median_ns"}]}
 * or {"measured": false, "why"}. */
static json_t *bench_grant_json(const struct grant_result *g)
{
	json_t *o = json_object(), *cells = json_array();

	json_object_set_new(o, "measured", json_boolean(g->ran));
	if (!g->ran) {
		json_decref(cells);
		json_object_set_new(o, "why", json_string(g->why));
		return o;
	}
	json_object_set_new(o, "device", json_string(g->device));
	for (int s = 0; s < GRANT_SIZES; s++)
		json_array_append_new(
			cells, json_pack("{s:I, s:I, s:f, s:f}", "size",
					 (json_int_t)g->size[s], "grants",
					 (json_int_t)((g->size[s] +
						       DMK_PAGE_SIZE - 1) /
						      DMK_PAGE_SIZE),
					 "ns", g->grant_ns[s], "median_ns",
					 g->grant_med[s]));
	json_object_set_new(o, "cells", cells);
	return o;
}

json_t *bench_sweep_json(const struct sweep *sw, bool quick)
{
	json_t *root = json_object(), *table = json_array(),
	       *direct = json_array(), *floors = json_object(),
	       *mem = json_array(), *churn = json_object(),
	       *scale = json_object(), *sim = json_object();

	json_object_set_new(root, "platform", json_string("host"));
	json_object_set_new(root, "quick", json_boolean(quick));
	json_object_set_new(root, "pool_bytes", json_integer(BENCH_POOL));
	json_object_set_new(root, "nareas", json_integer(sw->nareas));
	json_object_set_new(root, "cpus", json_integer(bench_online_cpus()));
	json_object_set_new(floors, "indirect_call_ns",
			    json_real(sw->indirect_ns));
	json_object_set_new(floors, "indirect_call_ns_median",
			    json_real(sw->indirect_med));
	json_object_set_new(root, "batches", json_integer(sw->reps));
	for (int s = 0; s < NR_SIZES; s++)
		for (int d = 0; d < NR_DIRS; d++)
			json_array_append_new(
				mem,
				json_pack("{s:I, s:s, s:f, s:f}", "size",
					  (json_int_t)bench_sweep_sizes[s],
					  "dir", dir_name(bench_sweep_dirs[d]),
					  "ns", sw->memcpy_ns[s][d],
					  "ns_median", sw->memcpy_med[s][d]));
	json_object_set_new(floors, "memcpy", mem);
	json_object_set_new(root, "floors", floors);
	for (int im = 0; im < 2; im++)
		for (int s = 0; s < NR_SIZES; s++)
			for (int d = 0; d < NR_DIRS; d++)
				for (int o = 0; o < NR_OCCS; o++)
					json_array_append_new(
						table,
						json_pack(
							"{s:s, s:I, s:s, s:f, s:f, s:f, s:f}",
							"impl",
							bench_impl_names[im],
							"size",
							(json_int_t)
								bench_sweep_sizes
									[s],
							"dir",
							dir_name(
								bench_sweep_dirs
									[d]),
							"occupancy",
							bench_sweep_occs[o],
							"occupancy_reached",
							sw->occ_reached[im][o],
							"ns",
							sw->bounce_ns[im][s][d]
								     [o],
							"ns_median",
							sw->bounce_med[im][s][d]
								      [o]));
	json_object_set_new(root, "bounce", table);
	for (int s = 0; s < NR_SIZES; s++)
		json_array_append_new(
			direct, json_pack("{s:I, s:f, s:f}", "size",
					  (json_int_t)bench_sweep_sizes[s],
					  "ns", sw->direct_ns[s], "ns_median",
					  sw->direct_med[s]));
	json_object_set_new(root, "direct", direct);
	for (int im = 0; im < 2; im++) {
		json_t *c = json_object(), *rates = json_array();

		json_object_set_new(c, "first_failure_pct",
				    json_real(sw->churn[im].first_failure_pct));
		for (int lv = 0; lv < CHURN_LEVELS; lv++) {
			json_t *x = json_pack("{s:f, s:f}", "level",
					      bench_churn_levels[lv], "reached",
					      sw->churn[im].reached_pct[lv]);

			for (int c2 = 0; c2 < NR_CLASSES; c2++)
				json_object_set_new(
					x, bench_class_names[c2],
					json_real(sw->churn[im]
							  .fail_rate[lv][c2]));
			json_array_append_new(rates, x);
		}
		json_object_set_new(c, "fail_rates", rates);
		json_object_set_new(churn, bench_impl_names[im], c);
	}
	json_object_set_new(root, "churn", churn);
	json_object_set_new(scale, "calibration_ratio",
			    json_real(sw->scale.calib_ratio));
	for (int im = 0; im < 2; im++)
		json_object_set_new(scale, bench_impl_names[im],
				    json_pack("{s:f, s:f}", "ratio",
					      sw->scale.map_ratio[im],
					      "normalised_fraction",
					      sw->scale.fraction[im]));
	json_object_set_new(root, "threads", scale);
	json_object_set_new(
		root, "dynamic",
		json_pack("{s:f, s:f, s:I, s:I, s:b, s:f, s:f, s:i, s:i, s:i, "
			  "s:{s:I, s:b, s:b, s:I, s:I, s:I}}",
			  "steady_ns", sw->dyn.steady_ns, "transient_ns",
			  sw->dyn.transient_ns, "pools",
			  (json_int_t)sw->dyn.pools, "transient_pools",
			  (json_int_t)sw->dyn.transient_made, "transient_ok",
			  (int)sw->dyn.transient_ok, "p99_map_ns",
			  sw->dyn.p99_steady_ns, "p99_map_growing_ns",
			  sw->dyn.p99_growing_ns, "grown", (int)sw->dyn.grown,
			  "steady_samples", (int)sw->dyn.steady_samples,
			  "growing_samples", (int)sw->dyn.growing_samples,
			  "churn", "maps", (json_int_t)sw->dyn.churn_maps,
			  "failed", (int)sw->dyn.churn_failed,
			  "failed_memory_out", (int)sw->dyn.churn_memory_out,
			  "pool_bytes", (json_int_t)sw->dyn.churn_pool_bytes,
			  "pools", (json_int_t)sw->dyn.churn_pools,
			  "transient_pools",
			  (json_int_t)sw->dyn.churn_transient));
	json_object_set_new(root, "grant", bench_grant_json(&sw->grant));
	json_object_set_new(sim, "measured", json_boolean(sw->sim.ran));
	if (sw->sim.ran) {
		json_object_set_new(sim, "ops_per_s",
				    json_real(sw->sim.ops_per_s));
		json_object_set_new(sim, "dma_ops",
				    json_integer((json_int_t)sw->sim.dma_ops));
		json_object_set_new(sim, "integrity_ok",
				    json_boolean(sw->sim.integrity_ok));
	} else {
		json_object_set_new(sim, "why", json_string(sw->sim.why));
	}
	json_object_set_new(root, "simulator", sim);
	return root;
}
