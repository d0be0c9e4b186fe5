/* SPDX-License-Identifier: MIT */
/*
 * The oracle: every workload tells it what a DMA had to deliver and what
 * arrived; at the end it adds the world's faults and leaks.  Integrity
 * holds only when every checked byte is right, no device faulted, the
 * DMA-API checker saw no misuse and nothing was left behind.
 */
#include "workload.h"

#include <stdio.h>
#include <string.h>

static void note_mismatch(struct wl_oracle *o, const char *device,
			  const char *op, uint64_t offset, uint64_t wrong,
			  uint8_t expected, uint8_t got)
{
	struct wl_mismatch *mm;

	if (o->nr_mismatches >= WL_MAX_MISMATCHES)
		return;
	mm = &o->mismatches[o->nr_mismatches++];
	snprintf(mm->device, sizeof(mm->device), "%s", device);
	snprintf(mm->op, sizeof(mm->op), "%s", op);
	mm->offset = offset;
	mm->wrong = wrong;
	mm->expected = expected;
	mm->got = got;
}

/* Where the byte at offset off of a transfer lies. */
static void locate(const struct wl_at *at, uint64_t off, struct wl_where *out)
{
	memset(out, 0, sizeof(*out));
	if (!at)
		return;
	if (at->locate) {
		at->locate(at, off, out);
		return;
	}
	*out = at->first;
	out->phys += off;
	out->bus += off;
}

static void tally(struct wl_oracle *o, const char *device,
		  const struct wl_mismatch *mm, const struct wl_at *at)
{
	struct wl_device_tally *t;
	unsigned int i;

	for (i = 0; i < o->nr_tally; i++)
		if (!strcmp(o->tally[i].device, device))
			break;
	if (i == o->nr_tally) {
		if (i == WL_MAX_TALLY)
			return;
		t = &o->tally[i];
		snprintf(t->device, sizeof(t->device), "%s", device);
		t->first = *mm;
		locate(at, mm->offset, &t->first_at);
		o->nr_tally++;
	}
	t = &o->tally[i];
	t->wrong_bytes += mm->wrong;
	t->wrong_transfers++;
}

void wl_oracle_check(struct wl_oracle *o, const char *device, const char *op,
		     const void *expected, const void *got, size_t len)
{
	wl_oracle_check_at(o, device, op, expected, got, len, NULL);
}

void wl_oracle_check_at(struct wl_oracle *o, const char *device, const char *op,
			const void *expected, const void *got, size_t len,
			const struct wl_at *at)
{
	struct wl_mismatch mm;
	const uint8_t *e = expected, *g = got;
	uint64_t wrong = 0, first = 0;

	o->checked_bytes += len;
	if (!memcmp(e, g, len))
		return;
	for (size_t i = 0; i < len; i++) {
		if (e[i] == g[i])
			continue;
		if (!wrong)
			first = i;
		wrong++;
	}
	o->corrupted_bytes += wrong;
	note_mismatch(o, device, op, first, wrong, e[first], g[first]);
	memset(&mm, 0, sizeof(mm));
	snprintf(mm.device, sizeof(mm.device), "%s", device);
	snprintf(mm.op, sizeof(mm.op), "%s", op);
	mm.offset = first;
	mm.wrong = wrong;
	mm.expected = e[first];
	mm.got = g[first];
	tally(o, device, &mm, at);
}

void wl_oracle_map_error(struct wl_oracle *o, const char *device,
			 const char *op, size_t size)
{
	o->map_errors++;
	/* Offset carries the size: the report says what could not map. */
	note_mismatch(o, device, op, size, 0, 0, 0);
}

static void note_leak(struct wl_oracle *o, uint64_t n, const char *what)
{
	if (!n)
		return;
	if (!o->leaks)
		snprintf(o->leak_detail, sizeof(o->leak_detail), "%llu %s",
			 (unsigned long long)n, what);
	o->leaks += n;
}

static void count_pool(struct wl_oracle *o, struct dmk_swiotlb *pool,
		       const char *what)
{
	struct dmk_swiotlb_stats st;

	if (pool && !dmk_swiotlb_pool_stats(pool, &st))
		note_leak(o, st.used, what);
}

static void count_guest(struct wl_oracle *o, struct sim_world_guest *g)
{
	struct dmk_swiotlb_stats st;
	struct dmk_debug_stats dbg;
	struct dmk_xen_stats xs;

	if (!dmk_swiotlb_stats(g->sys, &st))
		note_leak(o, st.used, "swiotlb slots still used");
	if (!dmk_debug_stats(g->sys, &dbg)) {
		note_leak(o, dbg.live_mappings,
			  "streaming mappings not unmapped");
		note_leak(o, dbg.live_allocs, "coherent buffers not freed");
		o->api_errors += dbg.errors;
		if (dbg.errors && !o->api_detail[0])
			snprintf(o->api_detail, sizeof(o->api_detail), "%s",
				 g->pd.first_api);
	}
	if (g->pd.plat.xen && !dmk_xen_stats(g->sys, &xs))
		note_leak(o, xs.foreign_maps, "foreign pages still mapped");
}

void wl_oracle_finish(struct wl_oracle *o, struct sim_world *w)
{
	o->faults = 0;
	o->leaks = 0;
	o->api_errors = 0;
	o->leak_detail[0] = '\0';
	o->api_detail[0] = '\0';
	for (unsigned int i = 0; i < w->nr_devs; i++)
		o->faults += sim_device_faults(&w->devs[i].sd);
	for (unsigned int i = 0; i < w->nr_guests; i++)
		count_guest(o, &w->guests[i]);
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++)
		count_pool(o, w->pools[i], "restricted-pool slots still used");
	note_leak(o, o->pages_out, "pages the drivers did not give back");
}

bool wl_oracle_ok(const struct wl_oracle *o)
{
	return !o->corrupted_bytes && !o->map_errors && !o->faults &&
	       !o->leaks && !o->api_errors && !o->misplaced;
}
