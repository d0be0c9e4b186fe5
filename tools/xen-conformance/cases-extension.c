// SPDX-License-Identifier: MIT
/*
 * What the model has and the real setup lacks: the exchange-and-pin
 * extension (include/dmakit/xen-ext.h, the 2013 series' calls that Xen
 * never merged) and a domU.  These cases run against real Xen like any
 * other (its answers are the ones docs/hypervisor.md lists) and against
 * the model's extension world (dom0 plus a domU, the extension on);
 * `compare` shows both answers and counts them apart, as "extension".
 * The model's plain world, the one every other case is compared with,
 * has neither, and answers these as Xen does (the memop/ext_* cases in
 * the plain catalogue check that).
 */
#include "xc.h"

#include <dmakit/xen-ext.h>
#include <string.h>

/* The domU's first guest frame in the extension world (env-model.c
 * builds it from the first machine frame up); real Xen has no domU. */
static uint64_t domu_gfn(const struct xc_case *c)
{
	return xc_arm(c) ? c->env->facts.machine[0].start : 0;
}

static long pin_for(struct xc_case *c, domid_t domid, uint64_t gfn)
{
	struct xen_memory_exchange x;
	xen_pfn_t in = gfn, out = gfn;
	long rc;

	memset(&x, 0, sizeof(x));
	x.in.nr_extents = x.out.nr_extents = 1;
	x.in.domid = x.out.domid = domid;
	set_xen_guest_handle(x.in.extent_start, &in);
	set_xen_guest_handle(x.out.extent_start, &out);
	rc = xc_call(c, __HYPERVISOR_memory_op, DMK_XENMEM_exchange_and_pin, &x,
		     0);
	xc_put_rc(c, "rc", rc);
	xc_put(c, "nr_exchanged", "%llu", (unsigned long long)x.nr_exchanged);
	xc_put(c, "out", "%s", out == gfn ? "-" : "w");
	return rc;
}

static long unpin_for(struct xc_case *c, domid_t domid, uint64_t gfn)
{
	struct dmk_xen_unpin u;
	xen_pfn_t g = gfn;
	long rc;

	memset(&u, 0, sizeof(u));
	u.in.nr_extents = 1;
	u.in.domid = domid;
	set_xen_guest_handle(u.in.extent_start, &g);
	rc = xc_call(c, __HYPERVISOR_memory_op, DMK_XENMEM_unpin, &u, 0);
	xc_put_rc(c, "unpin", rc);
	return rc;
}

/* dom0 on its own page: real Xen has no such call; a 1:1 dom0 keeps
 * gfn == mfn, so the extension refuses it (-EOPNOTSUPP) too. */
static void pin(struct xc_case *c)
{
	struct xc_page pg;

	if (xc_page(c, "P", 0, &pg))
		return;
	pin_for(c, DOMID_SELF, pg.frame);
	xc_page_put(c, &pg, 0);
}

static void unpin(struct xc_case *c)
{
	unpin_for(c, DOMID_SELF, xc_hole_gfn(c, 0));
}

/* dom0 pins a page of the domU for it (the 2013 series' use: a guest
 * that is not 1:1 and has a device), then unpins it. */
static void pin_domu(struct xc_case *c)
{
	pin_for(c, 1, domu_gfn(c));
	unpin_for(c, 1, domu_gfn(c));
}

static void domu_reservation(struct xc_case *c)
{
	domid_t d = 1;

	xc_put_rc(c, "current",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_current_reservation,
			  &d, 0));
}

static void domu_query_size(struct xc_case *c)
{
	struct gnttab_query_size qs = {.dom = 1};

	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_query_size,
			  &qs, 1));
	xc_put_gntst(c, "status", qs.status);
}

/* dom0 maps a grant of the domU's, the usual way for the arch (the
 * domU granted nothing: a grant error where real Xen has no domain). */
static void domu_map(struct xc_case *c)
{
	uint32_t flags = xc_arm(c) ? GNTMAP_host_map : GNTMAP_device_map;
	uint64_t at = xc_arm(c) ? xc_hole_gfn(c, 0) << XC_PAGE_SHIFT : 0;

	xc_put_gntst(c, "status", xc_map(c, flags, 8, 1, at, NULL, NULL));
}

/* Named by the operation they exercise, so the per-operation table
 * (compare -t) counts them beside that operation's plain cases. */
const struct xc_case_def xc_cases_extension[] = {
	{"exchange_and_pin/ext_dom0_1to1", XC_ARM, XC_EXTENSION_PIN, pin},
	{"unpin/ext_not_pinned", XC_ARM, XC_EXTENSION_PIN, unpin},
	{"exchange_and_pin/ext_domu", XC_ARM,
	 XC_EXTENSION_PIN | XC_EXTENSION_DOMU, pin_domu},
	{"current_reservation/ext_domu", XC_ALL, XC_EXTENSION_DOMU,
	 domu_reservation},
	{"query_size/ext_domu", XC_ALL, XC_EXTENSION_DOMU, domu_query_size},
	{"map_grant_ref/ext_domu", XC_ALL, XC_EXTENSION_DOMU, domu_map},
	{NULL, 0, 0, NULL},
};

/* The same calls in the plain world: the model answers as Xen. */
const struct xc_case_def xc_cases_ext_off[] = {
	{"exchange_and_pin/off", XC_ALL, 0, pin},
	{"unpin/off", XC_ALL, 0, unpin},
	{NULL, 0, 0, NULL},
};
