/* SPDX-License-Identifier: MIT */
/*
 * The page of `dmakit scenarios run` (tools/report/scenarios.h): a
 * summary bar per claim, then a panel each: the claim as the thread put
 * it, the naive design(s) and dmakit's with what the oracle counted, and
 * the devices where the naive design's wrong bytes and faults fell.
 */
#include "scenarios.h"

#include "html.h"

#include <math.h>

/* Where the first wrong byte lay: the buffer's guest-physical address
 * (the CPU's side) and the bus address the device was handed. */
static void addr_cell(struct rp *r, const char *what, bool known, uint64_t a)
{
	if (!known)
		rp_raw(r, "%s not known", what);
	else
		rp_raw(r, "%s 0x%llx", what, (unsigned long long)a);
}

static void where_row(struct rp *r, const struct scen_where *w)
{
	const struct wl_where *at = &w->first_at;

	rp_raw(r,
	       "<tr><td></td><td colspan=\"3\" class=\"mono\">first wrong byte at ");
	addr_cell(r, "guest-physical", at->known & WL_KNOWN_PHYS, at->phys);
	rp_raw(r, ", ");
	addr_cell(r, "bus", at->known & WL_KNOWN_BUS, at->bus);
	rp_raw(r, "</td></tr>");
}

static void result_card(struct rp *r, const char *title, const char *design,
			const struct scen_result *x, bool naive)
{
	char a[40], b[40];
	bool wrong = x->wrong_bytes || x->faults;

	rp_raw(r, "<div><h3>");
	rp_esc(r, "%s", title);
	rp_raw(r, " <span class=\"badge %s\">%s</span></h3><p>",
	       wrong ? "bad" : "ok", wrong ? "caught" : "clean");
	rp_esc(r, "%s", design);
	rp_raw(r,
	       "</p><table><tr><td>bytes checked</td><td class=\"n\">%s</td></tr><tr><td>wrong bytes</td><td class=\"n\">%s</td></tr><tr><td>device faults</td><td class=\"n\">%llu</td></tr><tr><td>failed maps or allocations</td><td class=\"n\">%llu</td></tr><tr><td>exchanges (pages)</td><td class=\"n\">%llu (%llu)</td></tr><tr><td>bounced maps</td><td class=\"n\">%llu</td></tr>",
	       rp_num(x->checked_bytes, a, sizeof(a)),
	       rp_num(x->wrong_bytes, b, sizeof(b)),
	       (unsigned long long)x->faults, (unsigned long long)x->map_errors,
	       (unsigned long long)x->exchanges,
	       (unsigned long long)x->pages_exchanged,
	       (unsigned long long)x->bounces);
	if (x->full || x->full_warnings)
		rp_raw(r,
		       "<tr><td>maps refused, pool full (warnings)</td><td class=\"n\">%llu (%llu)</td></tr>",
		       (unsigned long long)x->full,
		       (unsigned long long)x->full_warnings);
	if (x->pages_relocated)
		rp_raw(r,
		       "<tr><td>pages relocated by the hypervisor</td><td class=\"n\">%llu</td></tr>",
		       (unsigned long long)x->pages_relocated);
	rp_raw(r, "</table>");
	if (x->error) {
		rp_raw(r, "<p class=\"mono\">error: ");
		rp_esc(r, "%s", x->detail);
		rp_raw(r, "</p>");
	}
	if (naive && x->nr_where) {
		rp_raw(r,
		       "<h3>Where it went wrong</h3><table><tr><th>world</th><th>device</th><th>wrong bytes (transfers)</th><th>faults</th></tr>");
		for (unsigned int i = 0; i < x->nr_where; i++) {
			const struct scen_where *w = &x->where[i];

			rp_raw(r, "<tr><td>");
			rp_esc(r, "%s", w->world);
			rp_raw(r, "</td><td>");
			rp_esc(r, "%s", w->device);
			rp_raw(r,
			       "</td><td class=\"n\">%s (%llu)</td><td class=\"n\">%llu</td></tr>",
			       rp_num(w->wrong_bytes, a, sizeof(a)),
			       (unsigned long long)w->wrong_transfers,
			       (unsigned long long)w->faults);
			if (w->first[0]) {
				rp_raw(r,
				       "<tr><td></td><td colspan=\"3\" class=\"mono\">first wrong transfer: ");
				rp_esc(r, "%s", w->first);
				rp_raw(r, "</td></tr>");
				where_row(r, w);
			}
			if (w->fault[0]) {
				rp_raw(r,
				       "<tr><td></td><td colspan=\"3\" class=\"mono\">last fault: ");
				rp_esc(r, "%s", w->fault);
				rp_raw(r, "</td></tr>");
			}
		}
		rp_raw(r, "</table>");
	}
	rp_raw(r, "</div>");
}

/* Wrong bytes, naive against dmakit, on a log scale: one row each. */
static void summary(struct rp *r, const struct scen_outcome *o, unsigned int n)
{
	const double X = 300, W = 340;
	double max = 1;
	unsigned int h = 34 + 30 * n;

	for (unsigned int i = 0; i < n; i++)
		if ((double)o[i].naive[0].wrong_bytes > max)
			max = (double)o[i].naive[0].wrong_bytes;
	rp_raw(r,
	       "<section><h2>The claims</h2><p>Wrong bytes of the naive design (red) and of dmakit (green) on the same platform and seed, log scale; a pass means the naive design was caught and dmakit stayed clean (scenario 1: both clean, as the thread says).</p>");
	rp_raw(r,
	       "<svg viewBox=\"0 0 900 %u\" width=\"900\" height=\"%u\" role=\"img\">",
	       h, h);
	for (unsigned int i = 0; i < n; i++) {
		const struct scen_outcome *x = &o[i];
		double y = 20 + 30 * i;
		double nv = (double)x->naive[0].wrong_bytes,
		       dv = (double)x->dmakit.wrong_bytes;
		double nw = nv > 0 ? W * log10(nv + 1) / log10(max + 1) : 0,
		       dw = dv > 0 ? W * log10(dv + 1) / log10(max + 1) : 0;

		rp_raw(r, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%u ",
		       X - 8, y + 12, x->s->id);
		rp_esc(r, "%s", x->s->short_claim);
		rp_raw(r,
		       "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"10\" fill=\"#cf222e\"/><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"10\" fill=\"#1f883d\"/>",
		       X, y, nw < 1 ? 1 : nw, X, y + 11, dw < 1 ? 1 : dw);
		rp_raw(r,
		       "<text x=\"%.0f\" y=\"%.0f\">%llu / %llu, %llu faults</text>",
		       X + (nw > dw ? nw : dw) + 6, y + 12,
		       (unsigned long long)x->naive[0].wrong_bytes,
		       (unsigned long long)x->dmakit.wrong_bytes,
		       (unsigned long long)x->naive[0].faults);
		rp_raw(r,
		       "<text x=\"880\" y=\"%.0f\" text-anchor=\"end\" fill=\"%s\" style=\"fill:%s;font-weight:600\">%s</text>",
		       y + 12, x->pass ? "#1f883d" : "#cf222e",
		       x->pass ? "#1f883d" : "#cf222e",
		       x->pass ? "pass" : "FAIL");
	}
	rp_raw(r, "</svg></section>\n");
}

int rp_scen_write(const char *path, const struct scen_outcome *o,
		  unsigned int n, unsigned long long seed,
		  unsigned long long ops)
{
	unsigned int passed = 0;
	struct rp r;

	for (unsigned int i = 0; i < n; i++)
		passed += o[i].pass;
	if (rp_open(&r, path, "dmakit scenarios"))
		return -1;
	rp_raw(&r,
	       "<header><h1>dmakit scenarios <span class=\"badge %s\">%u of %u passed</span></h1><p>The claims of the 2013 thread &#8220;xen: introduce xen_alloc/free_coherent_pages&#8221; and its series, each run with the naive design it warns against and with dmakit&#39;s, on the same simulated platform: seed %llu, %llu operations per world.</p></header><main>\n",
	       passed == n ? "ok" : "bad", passed, n, seed, ops);
	summary(&r, o, n);
	for (unsigned int i = 0; i < n; i++) {
		const struct scen_outcome *x = &o[i];
		const struct scenario *s = x->s;

		rp_raw(&r, "<section><h2>%u. ", s->id);
		rp_esc(&r, "%s", s->short_claim);
		rp_raw(&r,
		       " <span class=\"badge %s\">%s</span></h2><blockquote>",
		       x->pass ? "ok" : "bad", x->pass ? "pass" : "FAIL");
		rp_esc(&r, "%s", s->claim);
		rp_raw(&r, "</blockquote><p class=\"muted\">");
		rp_esc(&r, "%s (%s)", s->platform, s->slug);
		if (s->real)
			rp_esc(&r, "; also judged on real hardware: %s",
			       s->real);
		rp_raw(&r, "</p>");
		if (!x->pass) {
			rp_raw(&r, "<p><b>why it failed:</b> ");
			rp_esc(&r, "%s", x->why);
			rp_raw(&r, "</p>");
		}
		rp_raw(&r, "<div class=\"grid\">");
		for (unsigned int k = 0; k < s->nr_naive; k++)
			result_card(&r,
				    s->nr_naive > 1 && s->naive[k].label
					    ? s->naive[k].label
					    : "naive",
				    s->naive[k].name, &x->naive[k], true);
		result_card(&r, "dmakit", s->dmakit.name, &x->dmakit, false);
		rp_raw(&r, "</div></section>\n");
	}
	rp_raw(&r,
	       "<p class=\"muted\">Written by dmakit %s. Wrong bytes are counted by device over every transfer; a fault names the bus address the device was given; the first wrong transfer names the operation and the offset in its buffer.</p></main>\n",
	       DMK_VERSION);
	return rp_close(&r);
}
