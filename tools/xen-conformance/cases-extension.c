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

static void pin(struct xc_case *c)
{
	struct xen_memory_exchange x;
	struct xc_page pg;
	xen_pfn_t in, out;

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(&x, 0, sizeof(x));
	in = out = pg.frame;
	x.in.nr_extents = x.out.nr_extents = 1;
	x.in.domid = x.out.domid = DOMID_SELF;
	set_xen_guest_handle(x.in.extent_start, &in);
	set_xen_guest_handle(x.out.extent_start, &out);
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op,
			  DMK_XENMEM_exchange_and_pin, &x, 0));
	xc_put(c, "nr_exchanged", "%llu", (unsigned long long)x.nr_exchanged);
	xc_page_put(c, &pg, 0);
}

static void unpin(struct xc_case *c)
{
	struct dmk_xen_unpin u;
	xen_pfn_t gfn = xc_hole_gfn(c, 0);

	memset(&u, 0, sizeof(u));
	u.in.nr_extents = 1;
	u.in.domid = DOMID_SELF;
	set_xen_guest_handle(u.in.extent_start, &gfn);
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op, DMK_XENMEM_unpin, &u, 0));
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

/* dom0 maps the domU's grant (the domU has none: a bad reference if
 * it exists, a bad domain if it does not). */
static void domu_map(struct xc_case *c)
{
	xc_put_gntst(c, "status",
		     xc_map(c, GNTMAP_device_map | GNTMAP_host_map, 8, 1,
			    xc_hole_gfn(c, 0) << XC_PAGE_SHIFT, NULL, NULL));
}

const struct xc_case_def xc_cases_extension[] = {
	{"extension/exchange_and_pin", XC_ARM, XC_EXTENSION_PIN, pin},
	{"extension/unpin", XC_ARM, XC_EXTENSION_PIN, unpin},
	{"extension/domu_reservation", XC_ALL, XC_EXTENSION_DOMU,
	 domu_reservation},
	{"extension/domu_query_size", XC_ALL, XC_EXTENSION_DOMU,
	 domu_query_size},
	{"extension/domu_map", XC_ALL, XC_EXTENSION_DOMU, domu_map},
	{NULL, 0, 0, NULL},
};

/* The same calls in the plain world: the model answers as Xen. */
const struct xc_case_def xc_cases_ext_off[] = {
	{"exchange_and_pin/off", XC_ALL, 0, pin},
	{"unpin/off", XC_ALL, 0, unpin},
	{NULL, 0, 0, NULL},
};
