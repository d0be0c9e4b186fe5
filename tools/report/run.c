/* SPDX-License-Identifier: MIT */
/*
 * The report of one `dmakit run` (tools/report/run.h): the platform, an
 * address map of each guest's guest-physical memory against machine
 * memory with its p2m runs, the bounce pools and the regions exchanged
 * and pinned for them, foreign grant maps, each device's ops chain and
 * counts, the pools' occupancy over the run, cache maintenance,
 * hypercalls, and the oracle's verdict.
 */
#include "run.h"

#include "html.h"

#include <stdlib.h>
#include <string.h>

#define RP_MAX_SAMPLES 600
#define RP_POOLS 3 /* dom0 (or native), domU, the restricted pools */

struct rp_p2m_run {
	uint64_t gfn, mfn, n;
	uint8_t type;
	bool pinned, pool;
};

struct rp_guest_map {
	struct rp_p2m_run *runs;
	size_t nr, cap;
	uint64_t frames;	   /* populated frames */
	uint64_t pool_lo, pool_hi; /* the default pool's gfns, [lo, hi) */
};

struct rp_run {
	struct sim_world *w;
	double x[RP_MAX_SAMPLES];
	double used[RP_POOLS][RP_MAX_SAMPLES];
	double hiwater[RP_POOLS][RP_MAX_SAMPLES];
	double bounced[RP_POOLS]
		      [RP_MAX_SAMPLES]; /* maps since the sample before */
	uint64_t last_bounced[RP_POOLS];
	unsigned int nr_samples;
	bool have_pool[RP_POOLS];
	struct rp_guest_map maps[2];
	bool snapped;
	unsigned long snapped_at;
};

/* ---- collecting ---- */

static void sample(struct rp_run *c, unsigned long done)
{
	struct sim_world *w = c->w;
	struct dmk_swiotlb_stats st;
	unsigned int k = c->nr_samples;

	if (k >= RP_MAX_SAMPLES)
		return;
	c->x[k] = (double)done;
	for (unsigned int p = 0; p < RP_POOLS; p++)
		c->used[p][k] = c->hiwater[p][k] = c->bounced[p][k] = 0;
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		if (!dmk_swiotlb_stats(w->guests[g].sys, &st)) {
			c->have_pool[g] = true;
			c->used[g][k] = (double)st.used;
			c->hiwater[g][k] = (double)st.used_hiwater;
			c->bounced[g][k] =
				(double)(st.bounced_maps - c->last_bounced[g]);
			c->last_bounced[g] = st.bounced_maps;
		}
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++)
		if (w->pools[i] && !dmk_swiotlb_pool_stats(w->pools[i], &st)) {
			c->have_pool[2] = true;
			c->used[2][k] += (double)st.used;
			c->hiwater[2][k] += (double)st.used_hiwater;
			c->bounced[2][k] += (double)st.bounced_maps;
		}
	/* The restricted pools' maps were summed: keep the difference. */
	{
		uint64_t sum = (uint64_t)c->bounced[2][k];

		c->bounced[2][k] = (double)(sum - c->last_bounced[2]);
		c->last_bounced[2] = sum;
	}
	if (k == 0)
		for (unsigned int p = 0; p < RP_POOLS; p++)
			c->bounced[p][0] = 0;
	c->nr_samples++;
}

static int add_run(struct rp_guest_map *m, const struct rp_p2m_run *r)
{
	if (m->nr == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		struct rp_p2m_run *n = realloc(m->runs, cap * sizeof(*n));

		if (!n)
			return -1;
		m->runs = n;
		m->cap = cap;
	}
	m->runs[m->nr++] = *r;
	return 0;
}

/* Every populated gfn of the guest, merged into runs that are
 * contiguous on both sides and alike (type, pinned, in the pool). */
static void snapshot_guest(struct rp_guest_map *m, struct sim_world_guest *g)
{
	struct sim_domain *d = g->dom;
	struct dmk_swiotlb_stats st;
	struct rp_p2m_run cur = {0};
	bool open = false;

	m->nr = 0;
	m->frames = 0;
	m->pool_lo = m->pool_hi = 0;
	if (!dmk_swiotlb_stats(g->sys, &st) && st.end > st.start) {
		m->pool_lo = st.start >> SIM_PAGE_SHIFT;
		m->pool_hi = (st.end + SIM_PAGE_SIZE - 1) >> SIM_PAGE_SHIFT;
	}
	for (uint64_t gfn = d->gfn_base; gfn < d->p2m_end; gfn++) {
		enum sim_p2m_type type;
		uint64_t mfn = sim_domain_gfn_to_mfn(d, gfn, &type);
		struct rp_p2m_run r;

		if (mfn == SIM_INVALID_MFN || type == SIM_P2M_INVALID) {
			if (open && add_run(m, &cur))
				return;
			open = false;
			continue;
		}
		r = (struct rp_p2m_run){
			.gfn = gfn,
			.mfn = mfn,
			.n = 1,
			.type = (uint8_t)type,
			.pinned = sim_domain_is_pinned(d, gfn),
			.pool = gfn >= m->pool_lo && gfn < m->pool_hi,
		};
		m->frames++;
		if (open && cur.gfn + cur.n == gfn && cur.mfn + cur.n == mfn &&
		    cur.type == r.type && cur.pinned == r.pinned &&
		    cur.pool == r.pool) {
			cur.n++;
			continue;
		}
		if (open && add_run(m, &cur))
			return;
		cur = r;
		open = true;
	}
	if (open)
		add_run(m, &cur);
}

static void snapshot(struct rp_run *c, unsigned long done)
{
	for (unsigned int g = 0; g < c->w->nr_guests && g < 2; g++)
		snapshot_guest(&c->maps[g], &c->w->guests[g]);
	c->snapped = true;
	c->snapped_at = done;
}

static void observe(void *arg, unsigned long done, unsigned long ops)
{
	struct rp_run *c = arg;

	sample(c, done);
	if (!c->snapped && done >= ops / 2)
		snapshot(c, done);
}

struct rp_run *rp_run_start(struct sim_world *w, struct wl_run_config *rc)
{
	struct rp_run *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->w = w;
	sample(c, 0);
	rc->observe = observe;
	rc->observe_arg = c;
	rc->observe_every = rc->ops / (RP_MAX_SAMPLES - 20) + 1;
	return c;
}

void rp_run_free(struct rp_run *c)
{
	if (!c)
		return;
	for (unsigned int g = 0; g < 2; g++)
		free(c->maps[g].runs);
	free(c);
}

/* ---- writing ---- */

static void head(struct rp *r, const struct rp_run_info *in,
		 struct sim_world *w, const struct wl_oracle *o)
{
	bool ok = wl_oracle_ok(o);
	char a[40], b[40];

	rp_raw(r, "<header><h1>dmakit run: ");
	rp_esc(r, "%s", in->platform);
	rp_raw(r, " <span class=\"badge %s\">integrity %s</span></h1><p>",
	       ok ? "ok" : "bad", ok ? "OK" : "FAILED");
	if (in->summary)
		rp_esc(r, "%s. ", in->summary);
	rp_esc(r, "%s, hypervisor %s; seed %llu, %llu ops, workloads %s",
	       sim_arch_name(w->desc.arch), sim_hyp_summary(w->desc.hyp),
	       in->seed, in->ops, in->workloads);
	if (in->adversarial)
		rp_raw(r, ", adversarial caches");
	if (in->relocation)
		rp_raw(r, ", relocation");
	if (in->xen_ops)
		rp_esc(r, ", Xen ops %s", in->xen_ops);
	if (in->driver_bug)
		rp_esc(r, ", driver bug %s", in->driver_bug);
	rp_raw(r, "</p></header><main>\n");

	rp_raw(r,
	       "<section><h2>Integrity</h2><p><span class=\"badge %s\">%s</span> ",
	       ok ? "ok" : "bad", ok ? "OK" : "FAILED");
	rp_raw(r, "%s bytes checked, %s wrong, %llu device faults, %llu leaks",
	       rp_num(o->checked_bytes, a, sizeof(a)),
	       rp_num(o->corrupted_bytes, b, sizeof(b)),
	       (unsigned long long)o->faults, (unsigned long long)o->leaks);
	if (o->map_errors)
		rp_raw(r, ", %llu failed mappings",
		       (unsigned long long)o->map_errors);
	if (o->api_errors)
		rp_raw(r, ", %llu DMA-API misuse reports",
		       (unsigned long long)o->api_errors);
	if (o->alloc_failures)
		rp_raw(r, ", %llu coherent allocations refused",
		       (unsigned long long)o->alloc_failures);
	rp_raw(r, ".</p>");
	if (o->nr_mismatches) {
		rp_raw(r,
		       "<table><tr><th>device</th><th>operation</th><th>what</th></tr>");
		for (unsigned int i = 0; i < o->nr_mismatches; i++) {
			const struct wl_mismatch *mm = &o->mismatches[i];

			rp_raw(r, "<tr><td>");
			rp_esc(r, "%s", mm->device);
			rp_raw(r, "</td><td>");
			rp_esc(r, "%s", mm->op);
			if (mm->wrong)
				rp_raw(r,
				       "</td><td>%llu bytes wrong from offset %llu (expected 0x%02x, got 0x%02x)</td></tr>",
				       (unsigned long long)mm->wrong,
				       (unsigned long long)mm->offset,
				       mm->expected, mm->got);
			else
				rp_raw(r,
				       "</td><td>failed, %llu bytes</td></tr>",
				       (unsigned long long)mm->offset);
		}
		rp_raw(r, "</table>");
	}
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (sim_device_faults(&w->devs[i].sd) &&
		    w->devs[i].sd.last_fault[0]) {
			rp_raw(r, "<p class=\"mono\">last fault of ");
			rp_esc(r, "%s: %s", w->devs[i].dev.name,
			       w->devs[i].sd.last_fault);
			rp_raw(r, "</p>");
		}
	if (o->leaks && o->leak_detail[0]) {
		rp_raw(r, "<p class=\"mono\">leaked: ");
		rp_esc(r, "%s", o->leak_detail);
		rp_raw(r, "</p>");
	}
	rp_raw(r, "</section>\n");
}

static void platform_section(struct rp *r, struct sim_world *w)
{
	const struct sim_world_desc *d = &w->desc;
	char a[40], b[40];

	rp_raw(r,
	       "<section><h2>Platform</h2><div class=\"grid\"><div><h3>RAM banks (machine addresses)</h3><table><tr><th>bank</th><th>base</th><th>size</th></tr>");
	for (unsigned int i = 0; i < d->nbanks; i++)
		rp_raw(r,
		       "<tr><td>%u</td><td class=\"mono\">%#llx</td><td class=\"n\">%s</td></tr>",
		       i, (unsigned long long)d->banks[i].base,
		       rp_bytes(d->banks[i].size, a, sizeof(a)));
	rp_raw(r,
	       "</table></div><div><h3>Domains</h3><table><tr><th>domain</th><th>pages</th><th>guest-physical span</th><th>mapping</th></tr>");
	for (unsigned int g = 0; g < w->nr_guests; g++) {
		const struct sim_domain *dom = w->guests[g].dom;

		rp_raw(r,
		       "<tr><td>%s%u</td><td class=\"n\">%s</td><td class=\"mono\">%#llx&#8211;%#llx</td><td>%s</td></tr>",
		       w->xen ? "dom" : "native OS, domain ", dom->domid,
		       rp_num(dom->nr_pages, a, sizeof(a)),
		       (unsigned long long)(dom->gfn_base << SIM_PAGE_SHIFT),
		       (unsigned long long)(dom->p2m_end << SIM_PAGE_SHIFT),
		       !w->xen		    ? "identity (no hypervisor)"
		       : dom->pv	    ? "x86 PV: pfn is not mfn"
		       : dom->direct_mapped ? "1:1"
					    : "stage-2, not 1:1");
	}
	rp_raw(r,
	       "</table></div></div><h3>Devices</h3><table><tr><th>device</th><th>guest</th><th>coherent</th><th>reach</th><th>bus offset</th><th>dma-ranges limit</th><th>IOMMU</th><th>restricted pool</th></tr>");
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		const struct sim_desc_device *dd = w->devs[i].desc;

		rp_raw(r, "<tr><td>");
		rp_esc(r, "%s", w->devs[i].dev.name);
		rp_raw(r,
		       "</td><td>%s</td><td>%s</td><td>%u bits</td><td class=\"mono\">%#llx</td><td class=\"mono\">",
		       dd->guest ? "domU" : (w->xen ? "dom0" : "native"),
		       dd->coherent ? "yes" : "no", dd->reach_bits,
		       (unsigned long long)dd->bus_offset);
		if (dd->dma_limit && dd->dma_limit != ~0ULL)
			rp_raw(r, "%#llx", (unsigned long long)dd->dma_limit);
		else
			rp_raw(r, "none");
		rp_raw(r, "</td><td>");
		if (dd->smmu >= 0 && (unsigned)dd->smmu < d->nr_smmus)
			rp_esc(r, "%s (stream %u)", d->smmus[dd->smmu].name,
			       dd->stream_id);
		else
			rp_raw(r, "none");
		rp_raw(r, "</td><td>");
		if (dd->pool >= 0 && (unsigned)dd->pool < d->nr_pools)
			rp_esc(r, "%s, %s", d->pools[dd->pool].name,
			       rp_bytes(d->pools[dd->pool].size, b, sizeof(b)));
		else
			rp_raw(r, "none");
		rp_raw(r, "</td></tr>");
	}
	rp_raw(r, "</table></section>\n");
}

/* Position of a machine frame on the machine bar: by frame index, so
 * the holes between banks take no room. */
static double m_pos(const struct sim_machine *m, uint64_t mfn)
{
	int64_t i = sim_mfn_index(m, mfn);

	return i < 0 ? 0 : (double)i / (double)m->nr_frames;
}

/* 0 own RAM, 1 the bounce pool, 2 exchanged and pinned, 3 foreign. */
static unsigned int run_kind(const struct rp_p2m_run *x)
{
	if (x->type == SIM_P2M_FOREIGN_RW || x->type == SIM_P2M_FOREIGN_RO)
		return 3;
	if (x->pool)
		return 1;
	return x->pinned ? 2 : 0;
}

/* guest-physical (left) against machine (right), holes squeezed out on
 * both sides; one band per p2m run. */
static void address_map(struct rp *r, struct sim_world *w, unsigned int g,
			const struct rp_guest_map *m)
{
	const double top = 30, hgt = 460, L = 150, R = 560, bw = 26;
	static const char *const kinds[] = {"#0969da", "#cf222e", "#bf8700",
					    "#1f883d"};
	static const char *const names[] = {"own RAM", "bounce pool",
					    "exchanged and pinned",
					    "foreign (grant map)"};
	uint64_t done = 0;
	char a[40];

	rp_raw(r,
	       "<svg viewBox=\"0 0 760 540\" width=\"760\" height=\"540\" role=\"img\">");
	rp_raw(r,
	       "<text class=\"t\" x=\"8\" y=\"16\">dom%u: guest-physical &#8594; machine, %zu p2m runs over %s frames</text>",
	       w->guests[g].dom->domid, m->nr, rp_num(m->frames, a, sizeof(a)));
	rp_raw(r,
	       "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#eef1f5\" stroke=\"#8c959f\"/>",
	       L - bw, top, bw, hgt);
	rp_raw(r,
	       "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#eef1f5\" stroke=\"#8c959f\"/>",
	       R, top, bw, hgt);
	rp_raw(r,
	       "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">guest-physical</text>",
	       L - bw / 2, top + hgt + 16);
	rp_raw(r,
	       "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">machine (all banks)</text>",
	       R + bw / 2, top + hgt + 16);
	for (unsigned int k = 0; k < 4; k++) {
		bool first = true;

		done = 0;
		for (size_t i = 0; i < m->nr; i++) {
			const struct rp_p2m_run *x = &m->runs[i];
			double y0 = top +
				    hgt * (double)done / (double)m->frames,
			       y1 = top + hgt * (double)(done + x->n) /
						  (double)m->frames,
			       z0 = top + hgt * m_pos(w->m, x->mfn),
			       z1 = z0 + hgt * (double)x->n /
						 (double)w->m->nr_frames;

			done += x->n;
			if (run_kind(x) != k)
				continue;
			if (first)
				rp_raw(r,
				       "<path fill=\"%s\" fill-opacity=\"0.55\" stroke=\"%s\" stroke-width=\"0.3\" d=\"",
				       kinds[k], kinds[k]);
			first = false;
			if (z1 - z0 < 0.4)
				z1 = z0 + 0.4;
			rp_raw(r, "M%.0f %.1fL%.0f %.1fL%.0f %.1fL%.0f %.1fZ",
			       L, y0, L, y1 < y0 + 0.4 ? y0 + 0.4 : y1, R, z1,
			       R, z0);
		}
		if (!first)
			rp_raw(r, "\"/>");
	}
	/* Where the guest's frames sit among the banks, as labels. */
	for (unsigned int b = 0; b < w->m->nbanks; b++) {
		double y = top + hgt * m_pos(w->m, w->m->banks[b].base >>
							   SIM_PAGE_SHIFT);

		rp_raw(r,
		       "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#1d2330\"/>",
		       R, y, R + bw + 6, y);
		rp_raw(r, "<text x=\"%.0f\" y=\"%.1f\">bank %u at %#llx</text>",
		       R + bw + 9, y + 4, b,
		       (unsigned long long)w->m->banks[b].base);
	}
	if (m->nr) {
		rp_raw(r,
		       "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%#llx</text>",
		       L - bw - 4, top + 4,
		       (unsigned long long)(m->runs[0].gfn << SIM_PAGE_SHIFT));
		rp_raw(r,
		       "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%#llx</text>",
		       L - bw - 4, top + hgt,
		       (unsigned long long)((m->runs[m->nr - 1].gfn +
					     m->runs[m->nr - 1].n)
					    << SIM_PAGE_SHIFT));
	}
	for (unsigned int k = 0; k < 4; k++) {
		rp_raw(r,
		       "<rect x=\"%u\" y=\"522\" width=\"12\" height=\"10\" fill=\"%s\" fill-opacity=\"0.7\"/><text x=\"%u\" y=\"531\">%s</text>",
		       20 + k * 180, kinds[k], 36 + k * 180, names[k]);
	}
	rp_raw(r, "</svg>\n");
}

static void pool_section(struct rp *r, struct sim_world *w,
			 const struct rp_guest_map *m, unsigned int g)
{
	uint64_t nseg = 0, smallest = ~0ULL, largest = 0, pinned = 0;
	const double W = 720, X = 20;
	char a[40], b[40];
	double span;

	if (m->pool_hi <= m->pool_lo)
		return;
	span = (double)(m->pool_hi - m->pool_lo);
	for (size_t i = 0; i < m->nr; i++)
		if (m->runs[i].pool) {
			nseg++;
			if (m->runs[i].n < smallest)
				smallest = m->runs[i].n;
			if (m->runs[i].n > largest)
				largest = m->runs[i].n;
			if (m->runs[i].pinned)
				pinned += m->runs[i].n;
		}
	rp_raw(r,
	       "<h3>dom%u's bounce pool: guest-physical %#llx&#8211;%#llx (%s)</h3>",
	       w->guests[g].dom->domid,
	       (unsigned long long)(m->pool_lo << SIM_PAGE_SHIFT),
	       (unsigned long long)(m->pool_hi << SIM_PAGE_SHIFT),
	       rp_bytes((m->pool_hi - m->pool_lo) << SIM_PAGE_SHIFT, a,
			sizeof(a)));
	rp_raw(r,
	       "<p>%llu machine-contiguous segment%s (smallest %s, largest %s)%s%s frames exchanged and pinned.</p>",
	       (unsigned long long)nseg, nseg == 1 ? "" : "s",
	       rp_bytes(nseg ? smallest << SIM_PAGE_SHIFT : 0, a, sizeof(a)),
	       rp_bytes(largest << SIM_PAGE_SHIFT, b, sizeof(b)),
	       pinned ? "; " : "; no",
	       pinned ? rp_num(pinned, a, sizeof(a)) : "");
	rp_raw(r,
	       "<svg viewBox=\"0 0 760 64\" width=\"760\" height=\"64\" role=\"img\">");
	for (size_t i = 0, k = 0; i < m->nr; i++) {
		const struct rp_p2m_run *x = &m->runs[i];
		double x0, x1;

		if (!x->pool)
			continue;
		x0 = X + W * (double)(x->gfn - m->pool_lo) / span;
		x1 = X + W * (double)(x->gfn + x->n - m->pool_lo) / span;
		rp_raw(r,
		       "<rect x=\"%.2f\" y=\"8\" width=\"%.2f\" height=\"30\" fill=\"%s\"><title>gfn %#llx&#8211;%#llx at machine %#llx (%llu frames)%s</title></rect>",
		       x0, x1 - x0 > 0.3 ? x1 - x0 : 0.3,
		       k++ % 2 ? "#cf222e" : "#f08c8c",
		       (unsigned long long)x->gfn,
		       (unsigned long long)(x->gfn + x->n - 1),
		       (unsigned long long)(x->mfn << SIM_PAGE_SHIFT),
		       (unsigned long long)x->n, x->pinned ? ", pinned" : "");
	}
	rp_raw(r,
	       "<text x=\"%.0f\" y=\"54\">each band: one machine-contiguous segment, alternately shaded</text></svg>\n",
	       X);
}

static void foreign_section(struct rp *r, const struct rp_run *c,
			    struct sim_world *w, const struct wl_oracle *o)
{
	unsigned int shown = 0;
	uint64_t total = 0;

	rp_raw(r, "<section><h2>Foreign grant maps</h2>");
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		for (size_t i = 0; i < c->maps[g].nr; i++)
			if (c->maps[g].runs[i].type == SIM_P2M_FOREIGN_RW ||
			    c->maps[g].runs[i].type == SIM_P2M_FOREIGN_RO)
				total += c->maps[g].runs[i].n;
	rp_raw(r,
	       "<p>%llu grant mappings made by back ends over the run; %llu foreign frames mapped at the snapshot (operation %lu).</p>",
	       (unsigned long long)o->foreign_maps, (unsigned long long)total,
	       c->snapped_at);
	if (!total) {
		rp_raw(r, "</section>\n");
		return;
	}
	rp_raw(r,
	       "<table><tr><th>guest</th><th>guest-physical</th><th>machine frame</th><th>owner</th><th>access</th></tr>");
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		for (size_t i = 0; i < c->maps[g].nr && shown < 24; i++) {
			const struct rp_p2m_run *x = &c->maps[g].runs[i];
			int64_t idx;

			if (x->type != SIM_P2M_FOREIGN_RW &&
			    x->type != SIM_P2M_FOREIGN_RO)
				continue;
			idx = sim_mfn_index(w->m, x->mfn);
			rp_raw(r,
			       "<tr><td>dom%u</td><td class=\"mono\">%#llx</td><td class=\"mono\">%#llx</td><td>",
			       w->guests[g].dom->domid,
			       (unsigned long long)(x->gfn << SIM_PAGE_SHIFT),
			       (unsigned long long)x->mfn);
			if (idx < 0)
				rp_raw(r, "not RAM");
			else if (w->m->owner[idx] == SIM_DOMID_XEN)
				rp_raw(r, "Xen");
			else if (w->m->owner[idx] == SIM_DOMID_FREE)
				rp_raw(r, "free");
			else
				rp_raw(r, "dom%u", w->m->owner[idx]);
			rp_raw(r, "</td><td>%s</td></tr>",
			       x->type == SIM_P2M_FOREIGN_RO ? "read-only"
							     : "read-write");
			shown++;
		}
	rp_raw(r, "</table></section>\n");
}

/* driver -> ops -> ... -> bus, boxes and arrows. */
static void chain_diagram(struct rp *r, const char *chain)
{
	char buf[256], *save = NULL, *tok;
	const char *items[12];
	unsigned int n = 0, x = 4;

	snprintf(buf, sizeof(buf), "%s", chain);
	items[n++] = "driver";
	for (tok = strtok_r(buf, ">", &save); tok && n < 11;
	     tok = strtok_r(NULL, ">", &save))
		items[n++] = tok;
	items[n++] = "bus";
	rp_raw(r,
	       "<svg viewBox=\"0 0 760 40\" width=\"760\" height=\"40\" role=\"img\">");
	for (unsigned int i = 0; i < n; i++) {
		unsigned int w = 18 + 7 * (unsigned int)strlen(items[i]);
		const char *fill = i == 0 || i == n - 1	     ? "#eef1f5"
				   : strstr(items[i], "xen") ? "#fff1d6"
				   : strstr(items[i], "own") ? "#fde2e1"
							     : "#ddf4ff";

		rp_raw(r,
		       "<rect x=\"%u\" y=\"6\" rx=\"5\" width=\"%u\" height=\"26\" fill=\"%s\" stroke=\"#57606a\"/><text x=\"%u\" y=\"23\" text-anchor=\"middle\">",
		       x, w, fill, x + w / 2);
		rp_esc(r, "%s", items[i]);
		rp_raw(r, "</text>");
		x += w;
		if (i + 1 < n) {
			rp_raw(r,
			       "<path d=\"M%u 19h16\" stroke=\"#57606a\" stroke-width=\"1.5\"/><path d=\"M%u 15l6 4-6 4z\" fill=\"#57606a\"/>",
			       x + 2, x + 13);
			x += 24;
		}
	}
	rp_raw(r, "</svg>");
}

static void devices_section(struct rp *r, struct sim_world *w)
{
	char a[40], b[40], c2[40];

	rp_raw(r, "<section><h2>Each device's DMA path</h2>");
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *wd = &w->devs[i];
		struct dmk_dma_stats st;
		char chain[160];

		dmk_device_stats(&wd->dev, &st);
		if (wl_ops_chain(&wd->dev, chain, sizeof(chain)) < 0)
			snprintf(chain, sizeof(chain), "?");
		rp_raw(r, "<h3>");
		rp_esc(r, "%s", wd->dev.name);
		rp_raw(r, " <span class=\"muted\">%s, %u-bit reach</span></h3>",
		       wd->desc->coherent ? "coherent" : "not coherent",
		       wd->desc->reach_bits);
		chain_diagram(r, chain);
		rp_raw(r,
		       "<table><tr><th>maps</th><th>unmaps</th><th>bounced</th><th>bounced bytes</th><th>coherent allocs</th><th>errors</th><th>device faults</th></tr>");
		rp_raw(r,
		       "<tr><td class=\"n\">%s</td><td class=\"n\">%llu</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr></table>",
		       rp_num(st.maps, a, sizeof(a)),
		       (unsigned long long)st.unmaps,
		       rp_num(st.bounced, b, sizeof(b)),
		       rp_num(st.bounced_bytes, c2, sizeof(c2)),
		       (unsigned long long)st.allocs,
		       (unsigned long long)st.errors,
		       (unsigned long long)sim_device_faults(&wd->sd));
	}
	rp_raw(r, "</section>\n");
}

static void occupancy_section(struct rp *r, const struct rp_run *c,
			      struct sim_world *w)
{
	static const char *const names[RP_POOLS] = {
		"dom0's pool", "domU's pool", "restricted pools"};
	struct rp_chart occ = {
		.title = "Bounce-pool occupancy over the run",
		.xlabel = "operations done",
		.ylabel = "slots (2 KiB each)",
		.width = 760,
		.height = 320,
	};
	struct rp_chart traffic = {
		.title = "Maps bounced between samples",
		.xlabel = "operations done",
		.ylabel = "bounced maps",
		.width = 760,
		.height = 300,
	};
	char label[RP_POOLS][2][64];
	struct dmk_swiotlb_stats st;

	rp_raw(r, "<section><h2>Bounce pools</h2>");
	for (unsigned int k = 0; k < RP_POOLS; k++) {
		const char *n = k == 0 && !w->xen ? "the pool" : names[k];

		if (!c->have_pool[k])
			continue;
		snprintf(label[k][0], sizeof(label[k][0]), "%s: in use", n);
		snprintf(label[k][1], sizeof(label[k][1]),
			 "%s: high-water mark", n);
		occ.s[occ.nr++] = (struct rp_series){
			.name = label[k][0],
			.x = c->x,
			.y = c->used[k],
			.n = c->nr_samples,
			.colour = (int)k,
		};
		occ.s[occ.nr++] = (struct rp_series){
			.name = label[k][1],
			.x = c->x,
			.y = c->hiwater[k],
			.n = c->nr_samples,
			.colour = (int)k,
			.dashed = true,
		};
		traffic.s[traffic.nr++] = (struct rp_series){
			.name = n,
			.x = c->x,
			.y = c->bounced[k],
			.n = c->nr_samples,
			.colour = (int)k,
		};
	}
	if (!occ.nr) {
		rp_raw(r, "<p>No bounce pool in this run.</p></section>\n");
		return;
	}
	rp_raw(r,
	       "<p>Sampled %u times, between operations: <i>in use</i> is what is mapped at that moment (drivers that unmap within an operation leave none), the high-water mark is the pool's peak so far.",
	       c->nr_samples);
	for (unsigned int g = 0; g < w->nr_guests; g++)
		if (!dmk_swiotlb_stats(w->guests[g].sys, &st))
			rp_raw(r,
			       " dom%u: %llu slots, %llu used at most, %llu bounced maps, %llu refused for lack of slots.",
			       w->guests[g].dom->domid,
			       (unsigned long long)st.nslabs,
			       (unsigned long long)st.used_hiwater,
			       (unsigned long long)st.bounced_maps,
			       (unsigned long long)st.full);
	rp_raw(r, "</p><div class=\"grid\"><div>");
	rp_chart(r, &occ);
	rp_raw(r, "</div><div>");
	rp_chart(r, &traffic);
	rp_raw(r, "</div></div>");
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		pool_section(r, w, &c->maps[g], g);
	rp_raw(r, "</section>\n");
}

static void maps_section(struct rp *r, const struct rp_run *c,
			 struct sim_world *w)
{
	rp_raw(r,
	       "<section><h2>Address map</h2><p>Each guest's p2m half-way through the run (after operation %lu): every band joins a run of guest frames to the machine frames behind it. Holes are squeezed out on both sides. On a 1:1 or native guest the bands are parallel; under stage-2 or x86 PV they cross.</p>",
	       c->snapped_at);
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++)
		address_map(r, w, g, &c->maps[g]);
	rp_raw(r, "</section>\n");
}

static void cache_section(struct rp *r, struct sim_world *w)
{
	uint64_t v[3] = {w->m->clean_lines, w->m->inval_lines, w->m->evictions},
		 max = 1;
	static const char *const names[3] = {
		"lines cleaned", "lines invalidated",
		"dirty lines evicted over device writes"};
	char a[40];

	for (unsigned int i = 0; i < 3; i++)
		if (v[i] > max)
			max = v[i];
	rp_raw(r,
	       "<section><h2>Cache maintenance</h2><svg viewBox=\"0 0 760 96\" width=\"760\" height=\"96\" role=\"img\">");
	for (unsigned int i = 0; i < 3; i++) {
		double wdt = 420.0 * (double)v[i] / (double)max;

		rp_raw(r,
		       "<text x=\"240\" y=\"%u\" text-anchor=\"end\">%s</text><rect x=\"250\" y=\"%u\" width=\"%.1f\" height=\"20\" fill=\"%s\"/><text x=\"%.1f\" y=\"%u\">%s</text>",
		       24 + 30 * i, names[i], 10 + 30 * i,
		       wdt < 1 && v[i] ? 1 : wdt, rp_colour(i), 256 + wdt,
		       24 + 30 * i, rp_num(v[i], a, sizeof(a)));
	}
	rp_raw(r, "</svg>");
	if (w->xen) {
		rp_raw(r,
		       "<h3>Hypercalls</h3><table><tr><th>call</th><th>count</th></tr>");
		for (unsigned int i = 0; i < w->xen->nr_counters; i++) {
			rp_raw(r, "<tr><td class=\"mono\">");
			rp_esc(r, "%s", w->xen->counters[i].name);
			rp_raw(r, "</td><td class=\"n\">%s</td></tr>",
			       rp_num(w->xen->counters[i].n, a, sizeof(a)));
		}
		rp_raw(r,
		       "</table><p>%s pages exchanged, %llu pages relocated.</p>",
		       rp_num(w->xen->pages_exchanged, a, sizeof(a)),
		       (unsigned long long)w->xen->pages_relocated);
	}
	rp_raw(r, "</section>\n");
}

int rp_run_write(struct rp_run *c, const char *path,
		 const struct rp_run_info *info, struct sim_world *w,
		 const struct wl_oracle *o)
{
	struct rp r;
	char title[160];

	if (!c->snapped)
		snapshot(c, c->nr_samples
				    ? (unsigned long)c->x[c->nr_samples - 1]
				    : 0);
	snprintf(title, sizeof(title), "dmakit run: %s", info->platform);
	if (rp_open(&r, path, title))
		return -1;
	head(&r, info, w, o);
	platform_section(&r, w);
	devices_section(&r, w);
	maps_section(&r, c, w);
	occupancy_section(&r, c, w);
	foreign_section(&r, c, w, o);
	cache_section(&r, w);
	rp_raw(&r, "<p class=\"muted\">Written by dmakit %s.</p></main>\n",
	       DMK_VERSION);
	return rp_close(&r);
}
