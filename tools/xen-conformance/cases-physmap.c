// SPDX-License-Identifier: MIT
/*
 * XENMEM_add_to_physmap and XENMEM_remove_from_physmap (common/memory.c,
 * ARM's xenmem_add_to_physmap_one, gnttab_map_frame_begin): where a
 * translated guest puts its grant-table frames and its shared_info
 * page, and how it takes a page out of its physmap.  A PV guest has no
 * physmap (-EACCES).
 *
 * Xen maps a frame of its own (grant table, shared_info) at one gfn at
 * a time (-EBUSY until the guest unmaps it), over whatever the gfn
 * held; asking for a grant frame past the table's size grows the table
 * (up to its maximum), whatever happens next.  Cases that map over a
 * page of dom0's RAM bring it back with populate_physmap.
 */
#include "xc.h"

#include <string.h>
#include <xen/errno.h>

static long add(struct xc_case *c, unsigned int space, xen_ulong_t idx,
		xen_pfn_t gpfn, domid_t domid, unsigned long start)
{
	struct xen_add_to_physmap xatp = {
		.domid = domid,
		.space = space,
		.idx = idx,
		.gpfn = gpfn,
	};

	return xc_call(c, __HYPERVISOR_memory_op,
		       XENMEM_add_to_physmap | (start << 6), &xatp, 0);
}

static long removal(struct xc_case *c, xen_pfn_t gpfn, domid_t domid,
		    unsigned long start)
{
	struct xen_remove_from_physmap xrfp = {.domid = domid, .gpfn = gpfn};

	return xc_call(c, __HYPERVISOR_memory_op,
		       XENMEM_remove_from_physmap | (start << 6), &xrfp, 0);
}

static uint64_t gntr(struct xc_case *c, unsigned int i)
{
	return c->env->facts.gnt_region.start + i;
}

/* ---- the grant table (ARM) ---- */

/* Frame 0 is where Linux mapped it: mapping it anywhere is -EBUSY. */
static void gnt_frame0_again(struct xc_case *c)
{
	xc_put_rc(
		c, "same_gfn",
		add(c, XENMAPSPACE_grant_table, 0, gntr(c, 0), DOMID_SELF, 0));
	xc_put_rc(c, "other_gfn",
		  add(c, XENMAPSPACE_grant_table, 0, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
}

/* The next index grows the table and maps at the hole; again is -EBUSY;
 * out and in again; out for good. */
static void gnt_next_frame(struct xc_case *c)
{
	unsigned int n = xc_gnt_frames(c);
	uint64_t gfn = gntr(c, n);

	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, n, gfn, DOMID_SELF, 0));
	xc_put(c, "frames", "%+d", (int)xc_gnt_frames(c) - (int)n);
	xc_put_rc(c, "again",
		  add(c, XENMAPSPACE_grant_table, n, gfn, DOMID_SELF, 0));
	xc_put_rc(c, "remove", removal(c, gfn, DOMID_SELF, 0));
	xc_put_rc(c, "remove_again", removal(c, gfn, DOMID_SELF, 0));
	xc_put_rc(c, "elsewhere",
		  add(c, XENMAPSPACE_grant_table, n, xc_hole_gfn(c, 1),
		      DOMID_SELF, 0));
	xc_put_rc(c, "remove_elsewhere",
		  removal(c, xc_hole_gfn(c, 1), DOMID_SELF, 0));
}

/* An index two past the end grows the table by two. */
static void gnt_skip_one(struct xc_case *c)
{
	unsigned int n = xc_gnt_frames(c);
	uint64_t gfn = xc_hole_gfn(c, 2);

	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, n + 1, gfn, DOMID_SELF, 0));
	xc_put(c, "frames", "%+d", (int)xc_gnt_frames(c) - (int)n);
	xc_put_rc(c, "remove", removal(c, gfn, DOMID_SELF, 0));
}

/* The last index there can be; one more is -EINVAL and grows nothing. */
static void gnt_max(struct xc_case *c)
{
	unsigned int max = (unsigned int)c->env->facts.gnt_max_frames;
	uint64_t gfn = xc_hole_gfn(c, 4);

	xc_put_rc(c, "beyond",
		  add(c, XENMAPSPACE_grant_table, max, gfn, DOMID_SELF, 0));
	xc_put_rc(c, "last",
		  add(c, XENMAPSPACE_grant_table, max - 1, gfn, DOMID_SELF, 0));
	xc_put(c, "frames_now_max", "%d", xc_gnt_frames(c) == max);
	xc_put_rc(c, "remove", removal(c, gfn, DOMID_SELF, 0));
}

/* Version 1 has no status frames: the bit is part of the index. */
static void gnt_status_frame(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, XENMAPIDX_grant_table_status,
		      xc_hole_gfn(c, 0), DOMID_SELF, 0));
}

/* Xen keeps the index in an unsigned int: 2^32 is frame 0. */
static void gnt_idx_2pow32(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, 1ULL << 32, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
}

/* A grant-table frame over a page of dom0's RAM: the page reads the
 * table's frame; taking it out leaves a hole; populate brings the page
 * back with its contents. */
static void gnt_over_own_page(struct xc_case *c)
{
	unsigned int n = xc_gnt_frames(c) + 1;
	struct xc_page pg;

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0xee, XC_PAGE_SIZE);
	/* A fresh frame (zeroed by Xen) well past Linux's. */
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, n, pg.frame, DOMID_SELF, 0));
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_put_rc(c, "remove", removal(c, pg.frame, DOMID_SELF, 0));
	xc_restore(c, pg.frame, 0);
	xc_put_bytes(c, "reads_after", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

static void gnt_far(struct xc_case *c)
{
	unsigned int n = xc_gnt_frames(c);

	xc_put_rc(
		c, "rc",
		add(c, XENMAPSPACE_grant_table, n, 1ULL << 40, DOMID_SELF, 0));
}

static void gnt_invalid_gfn(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, 0, ~(xen_pfn_t)0, DOMID_SELF,
		      0));
}

/* ---- other spaces ---- */

/* Linux mapped shared_info at boot. */
static void shared_info_again(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_shared_info, 0, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
	xc_put_rc(c, "idx1",
		  add(c, XENMAPSPACE_shared_info, 1, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
}

static void space_gmfn(struct xc_case *c)
{
	xc_put_rc(
		c, "rc",
		add(c, XENMAPSPACE_gmfn, 0, xc_hole_gfn(c, 0), DOMID_SELF, 0));
}

static void space_gmfn_foreign(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_gmfn_foreign, 0, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
}

/* gmfn_range: size 0 from start 0 is nothing to do. */
static void space_gmfn_range_empty(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_gmfn_range, 0, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0));
}

static void space_unknown(struct xc_case *c)
{
	xc_put_rc(c, "rc", add(c, 99, 0, xc_hole_gfn(c, 0), DOMID_SELF, 0));
}

/* ---- both: arguments ---- */

static void add_domid_one(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, 0, xc_hole_gfn(c, 0), 1, 0));
}

/* A start the command cannot carry for a 16-bit size. */
static void add_start_too_big(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  add(c, XENMAPSPACE_grant_table, 0, xc_hole_gfn(c, 0),
		      DOMID_SELF, 0x10000));
}

/* A start is ignored outside gmfn_range. */
static void add_start_ignored(struct xc_case *c)
{
	xc_put_rc(
		c, "rc",
		add(c, XENMAPSPACE_grant_table, 0, gntr(c, 0), DOMID_SELF, 1));
}

static void add_arg(struct xc_case *c, const void *a)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, a,
			  0));
}

static void add_null(struct xc_case *c)
{
	add_arg(c, NULL);
}

static void add_unmapped(struct xc_case *c)
{
	add_arg(c, c->env->bad.unmapped);
}

static void add_short(struct xc_case *c)
{
	void *a = xc_tail(c->env, 8);

	memset(a, 0, 8);
	add_arg(c, a);
}

/* PV has no physmap; a foreign space is refused before that. */
static void pv_add(struct xc_case *c)
{
	xc_put_rc(c, "grant_table",
		  add(c, XENMAPSPACE_grant_table, 0, 0x1000, DOMID_SELF, 0));
	xc_put_rc(c, "shared_info",
		  add(c, XENMAPSPACE_shared_info, 0, 0x1000, DOMID_SELF, 0));
	xc_put_rc(c, "gmfn_foreign",
		  add(c, XENMAPSPACE_gmfn_foreign, 0, 0x1000, DOMID_SELF, 0));
}

/* ---- remove_from_physmap ---- */

static void remove_hole(struct xc_case *c)
{
	xc_put_rc(c, "rc", removal(c, xc_hole_gfn(c, 0), DOMID_SELF, 0));
}

static void remove_mmio(struct xc_case *c)
{
	xc_put_rc(c, "rc", removal(c, c->env->facts.mmio_frame, DOMID_SELF, 0));
}

/* Own RAM leaves the physmap but stays dom0's (tot_pages unchanged);
 * populate brings it back. */
static void remove_own_page(struct xc_case *c)
{
	struct xc_page pg;
	long before = xc_tot(c);

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0x5d, XC_PAGE_SIZE);
	xc_put_rc(c, "rc", removal(c, pg.frame, DOMID_SELF, 0));
	xc_put_dtot(c, "dtot", before);
	xc_put_rc(c, "again", removal(c, pg.frame, DOMID_SELF, 0));
	xc_restore(c, pg.frame, 0);
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

/* A grant mapping leaves the physmap; the grant stays mapped in the
 * maptrack, and its unmap finds a hole (and succeeds). */
static void remove_grant_mapping(struct xc_case *c)
{
	struct xc_grant g;
	uint64_t gfn = xc_hole_gfn(c, 5);
	grant_handle_t h = 0;
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, gfn << XC_PAGE_SHIFT, &h,
		    NULL);
	xc_put_gntst(c, "map", st);
	xc_put_rc(c, "rc", removal(c, gfn, DOMID_SELF, 0));
	if (st == GNTST_okay)
		xc_put_gntst(c, "unmap",
			     xc_unmap(c, h, gfn << XC_PAGE_SHIFT, 0));
	xc_grant_put(c, &g);
}

static void remove_start(struct xc_case *c)
{
	xc_put_rc(c, "rc", removal(c, xc_hole_gfn(c, 0), DOMID_SELF, 1));
}

static void remove_domid_one(struct xc_case *c)
{
	xc_put_rc(c, "rc", removal(c, xc_hole_gfn(c, 0), 1, 0));
}

static void remove_arg(struct xc_case *c, const void *a)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
			  a, 0));
}

static void remove_null(struct xc_case *c)
{
	remove_arg(c, NULL);
}

static void remove_unmapped(struct xc_case *c)
{
	remove_arg(c, c->env->bad.unmapped);
}

static void pv_remove(struct xc_case *c)
{
	xc_put_rc(c, "rc", removal(c, 0x1000, DOMID_SELF, 0));
}

const struct xc_case_def xc_cases_physmap[] = {
	{"add_to_physmap/gnt_frame0_again", XC_ARM, 0, gnt_frame0_again},
	{"add_to_physmap/gnt_next_frame", XC_ARM, 0, gnt_next_frame},
	{"add_to_physmap/gnt_skip_one", XC_ARM, 0, gnt_skip_one},
	{"add_to_physmap/gnt_over_own_page", XC_ARM, 0, gnt_over_own_page},
	{"add_to_physmap/gnt_far", XC_ARM, 0, gnt_far},
	{"add_to_physmap/gnt_status_frame", XC_ARM, 0, gnt_status_frame},
	{"add_to_physmap/gnt_idx_2pow32", XC_ARM, 0, gnt_idx_2pow32},
	{"add_to_physmap/gnt_invalid_gfn", XC_ARM, 0, gnt_invalid_gfn},
	{"add_to_physmap/gnt_max", XC_ARM, 0, gnt_max},
	{"add_to_physmap/shared_info_again", XC_ARM, 0, shared_info_again},
	{"add_to_physmap/space_gmfn", XC_ARM, 0, space_gmfn},
	{"add_to_physmap/space_gmfn_foreign", XC_ALL, 0, space_gmfn_foreign},
	{"add_to_physmap/space_gmfn_range_empty", XC_ARM, 0,
	 space_gmfn_range_empty},
	{"add_to_physmap/space_unknown", XC_ARM, 0, space_unknown},
	{"add_to_physmap/domid_one", XC_ALL, 0, add_domid_one},
	{"add_to_physmap/start_too_big", XC_ALL, 0, add_start_too_big},
	{"add_to_physmap/start_ignored", XC_ARM, 0, add_start_ignored},
	{"add_to_physmap/null", XC_ALL, 0, add_null},
	{"add_to_physmap/unmapped", XC_ALL, 0, add_unmapped},
	{"add_to_physmap/short", XC_ALL, 0, add_short},
	{"add_to_physmap/pv", XC_X86, 0, pv_add},
	{"remove_from_physmap/hole", XC_ARM, 0, remove_hole},
	{"remove_from_physmap/mmio", XC_ARM, 0, remove_mmio},
	{"remove_from_physmap/own_page", XC_ARM, 0, remove_own_page},
	{"remove_from_physmap/grant_mapping", XC_ARM, 0, remove_grant_mapping},
	{"remove_from_physmap/start", XC_ALL, 0, remove_start},
	{"remove_from_physmap/domid_one", XC_ALL, 0, remove_domid_one},
	{"remove_from_physmap/null", XC_ALL, 0, remove_null},
	{"remove_from_physmap/unmapped", XC_ALL, 0, remove_unmapped},
	{"remove_from_physmap/pv", XC_X86, 0, pv_remove},
	{NULL, 0, 0, NULL},
};
