/* SPDX-License-Identifier: MIT */
/*
 * The page of one `dmakit bench sweep` (tools/report/bench.h): the
 * numbers of struct sweep as charts, each with the table it was drawn
 * from.  Latencies are the best batch of each cell (the code's cost);
 * the text report and docs/benchmarks.md say why.
 */
#include "bench.h"

#include "html.h"

#include <string.h>

static void latency_by_size(struct rp *r, const struct sweep *sw, int d)
{
	static double xs[NR_SIZES];
	double y[NR_OCCS][2][NR_SIZES], floor_[NR_SIZES], direct[NR_SIZES];
	char title[NR_OCCS][96], names[NR_OCCS][2][64];

	for (int s = 0; s < NR_SIZES; s++) {
		xs[s] = (double)bench_sweep_sizes[s];
		floor_[s] = sw->memcpy_ns[s][d];
		direct[s] = sw->direct_ns[s];
	}
	rp_raw(r, "<div class=\"grid3\">");
	for (int o = 0; o < NR_OCCS; o++) {
		struct rp_chart c = {.xlabel = "buffer size",
				     .ylabel = "map + unmap, ns",
				     .xlog = true,
				     .ylog = true,
				     .width = 390,
				     .height = 300};

		snprintf(title[o], sizeof(title[o]), "%s at %.0f%% occupancy",
			 dir_name(bench_sweep_dirs[d]), bench_sweep_occs[o]);
		c.title = title[o];
		for (int im = 0; im < 2; im++) {
			for (int s = 0; s < NR_SIZES; s++)
				y[o][im][s] = sw->bounce_ns[im][s][d][o];
			snprintf(names[o][im], sizeof(names[o][im]), "%s",
				 bench_impl_names[im]);
			c.s[c.nr++] = (struct rp_series){.name = names[o][im],
							 .x = xs,
							 .y = y[o][im],
							 .n = NR_SIZES,
							 .colour = im,
							 .points = true,
							 .dashed = im == 1};
		}
		c.s[c.nr++] = (struct rp_series){.name = "memcpy floor",
						 .x = xs,
						 .y = floor_,
						 .n = NR_SIZES,
						 .colour = 7,
						 .dashed = true};
		c.s[c.nr++] = (struct rp_series){.name = "direct (no bounce)",
						 .x = xs,
						 .y = direct,
						 .n = NR_SIZES,
						 .colour = 2,
						 .dashed = true};
		rp_raw(r, "<div>");
		rp_chart(r, &c);
		rp_raw(r, "</div>");
	}
	rp_raw(r, "</div>");
}

static void latency_by_occupancy(struct rp *r, const struct sweep *sw)
{
	double xs[2][NR_OCCS], y[NR_SIZES][2][NR_OCCS];
	char names[NR_SIZES][2][80], b[32];
	struct rp_chart c = {
		.title = "TO_DEVICE map + unmap against the pool's occupancy",
		.xlabel = "occupancy reached, %",
		.ylabel = "ns",
		.ylog = true,
		.width = 760,
		.height = 360};

	for (int im = 0; im < 2; im++)
		for (int o = 0; o < NR_OCCS; o++)
			xs[im][o] = sw->occ_reached[im][o];
	for (int s = 0; s < NR_SIZES; s++)
		for (int im = 0; im < 2; im++) {
			for (int o = 0; o < NR_OCCS; o++)
				y[s][im][o] = sw->bounce_ns[im][s][0][o];
			snprintf(names[s][im], sizeof(names[s][im]), "%s, %s",
				 bench_impl_names[im],
				 rp_bytes(bench_sweep_sizes[s], b, sizeof(b)));
			c.s[c.nr++] = (struct rp_series){.name = names[s][im],
							 .x = xs[im],
							 .y = y[s][im],
							 .n = NR_OCCS,
							 .colour = s,
							 .points = true,
							 .dashed = im == 1};
		}
	rp_chart(r, &c);
}

static void table(struct rp *r, const struct sweep *sw)
{
	char b[32];

	rp_raw(r,
	       "<table><tr><th>size</th><th>direction</th><th>occupancy</th><th>dmakit ns</th><th>Linux model ns</th><th>memcpy floor ns</th></tr>");
	for (int s = 0; s < NR_SIZES; s++)
		for (int d = 0; d < NR_DIRS; d++)
			for (int o = 0; o < NR_OCCS; o++)
				rp_raw(r,
				       "<tr><td class=\"n\">%s</td><td>%s</td><td class=\"n\">%.0f%%</td><td class=\"n\">%.1f</td><td class=\"n\">%.1f</td><td class=\"n\">%.1f</td></tr>",
				       rp_bytes(bench_sweep_sizes[s], b,
						sizeof(b)),
				       dir_name(bench_sweep_dirs[d]),
				       bench_sweep_occs[o],
				       sw->bounce_ns[0][s][d][o],
				       sw->bounce_ns[1][s][d][o],
				       sw->memcpy_ns[s][d]);
	rp_raw(r, "</table>");
}

static void churn(struct rp *r, const struct sweep *sw)
{
	double xs[CHURN_LEVELS], y[2][NR_CLASSES][CHURN_LEVELS];
	char names[2][NR_CLASSES][64];
	struct rp_chart c = {
		.title = "Fragmentation: maps refused at a held occupancy",
		.xlabel = "occupancy held, %",
		.ylabel = "maps refused, %",
		.width = 760,
		.height = 340};

	for (int lv = 0; lv < CHURN_LEVELS; lv++)
		xs[lv] = bench_churn_levels[lv];
	for (int im = 0; im < 2; im++)
		for (int k = 0; k < NR_CLASSES; k++) {
			for (int lv = 0; lv < CHURN_LEVELS; lv++)
				y[im][k][lv] = sw->churn[im].fail_rate[lv][k];
			snprintf(names[im][k], sizeof(names[im][k]), "%s, %s",
				 bench_impl_names[im], bench_class_names[k]);
			c.s[c.nr++] = (struct rp_series){.name = names[im][k],
							 .x = xs,
							 .y = y[im][k],
							 .n = CHURN_LEVELS,
							 .colour = k,
							 .points = true,
							 .dashed = im == 1};
		}
	rp_raw(r,
	       "<section><h2>Fragmentation churn</h2><p>Log-uniform sizes from 64 B to 256 KiB mapped and unmapped at random; the first refusal came at %.1f%% occupancy for dmakit and %.1f%% for the Linux model (mean over seeds).</p>",
	       sw->churn[0].first_failure_pct, sw->churn[1].first_failure_pct);
	rp_chart(r, &c);
	rp_raw(r, "</section>\n");
}

static void scaling(struct rp *r, const struct sweep *sw)
{
	const double W = 560, X = 200;
	double max = sw->scale.calib_ratio;

	for (int im = 0; im < 2; im++)
		if (sw->scale.map_ratio[im] > max)
			max = sw->scale.map_ratio[im];
	if (max < 2)
		max = 2;
	rp_raw(r,
	       "<section><h2>Thread scaling</h2><p>1500 B TO_DEVICE map + unmap, two threads against one (median); the calibration loop is what this machine gives two threads of pure arithmetic, so 1.0 of it is perfect scaling.</p>");
	rp_raw(r,
	       "<svg viewBox=\"0 0 780 130\" width=\"780\" height=\"130\" role=\"img\">");
	for (int i = 0; i < 3; i++) {
		double v = i == 0 ? sw->scale.calib_ratio
				  : sw->scale.map_ratio[i - 1];
		const char *name =
			i == 0 ? "calibration loop" : bench_impl_names[i - 1];

		rp_raw(r, "<text x=\"%.0f\" y=\"%d\" text-anchor=\"end\">",
		       X - 8, 28 + 34 * i);
		rp_esc(r, "%s", name);
		rp_raw(r,
		       "</text><rect x=\"%.0f\" y=\"%d\" width=\"%.1f\" height=\"22\" fill=\"%s\"/><text x=\"%.1f\" y=\"%d\">%.2fx",
		       X, 12 + 34 * i, W * (v > 0 ? v : 0) / max,
		       rp_colour(i == 0 ? 7 : (unsigned)(i - 1)),
		       X + W * (v > 0 ? v : 0) / max + 6, 28 + 34 * i, v);
		if (i)
			rp_raw(r, " (%.2f of perfect)",
			       sw->scale.fraction[i - 1]);
		rp_raw(r, "</text>");
	}
	rp_raw(r,
	       "<line x1=\"%.1f\" y1=\"6\" x2=\"%.1f\" y2=\"112\" stroke=\"#1d2330\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"124\" text-anchor=\"middle\">2x</text></svg></section>\n",
	       X + W * 2 / max, X + W * 2 / max, X + W * 2 / max);
}

int rp_bench_write(const char *path, const struct sweep *sw, bool quick)
{
	struct rp r;

	if (rp_open(&r, path, "dmakit bench sweep"))
		return -1;
	rp_raw(&r,
	       "<header><h1>dmakit bench sweep%s</h1><p>swiotlb map + unmap on the host platform (every map bounces), %u areas, best of %u batches per cell; the Linux 6.6 allocator model (bench/) and the memcpy floor on the same axes.</p></header><main>\n",
	       quick ? " (quick)" : "", sw->nareas, sw->reps);
	rp_raw(&r,
	       "<section><h2>Latency against size</h2><p>Solid: dmakit; dashed: the Linux model, the memcpy floor (the copy a bounce cannot avoid) and dma-direct (no bounce at all).</p>");
	for (int d = 0; d < NR_DIRS; d++)
		latency_by_size(&r, sw, d);
	rp_raw(&r,
	       "</section><section><h2>Latency against occupancy</h2><p>The pool filled to each level with other mappings first; x is the occupancy reached. Solid: dmakit, dashed: the Linux model.</p>");
	latency_by_occupancy(&r, sw);
	table(&r, sw);
	rp_raw(&r, "</section>\n");
	churn(&r, sw);
	scaling(&r, sw);
	rp_raw(&r, "<section><h2>The simulator</h2><p>");
	if (sw->sim.ran)
		rp_raw(&r,
		       "dmakit run on arm64-native with the oracle on: %.0f map/unmap operations a second (%llu in %.2f s), integrity %s.",
		       sw->sim.ops_per_s, (unsigned long long)sw->sim.dma_ops,
		       sw->sim.seconds, sw->sim.integrity_ok ? "OK" : "FAILED");
	else
		rp_esc(&r, "not measured: %s", sw->sim.why);
	rp_raw(&r,
	       "</p></section><p class=\"muted\">Written by dmakit %s.</p></main>\n",
	       DMK_VERSION);
	return rp_close(&r);
}
