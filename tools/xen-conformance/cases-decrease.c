// SPDX-License-Identifier: MIT
/*
 * XENMEM_decrease_reservation (common/memory.c, decrease_reservation,
 * guest_remove_page).
 *
 * ARM, a 1:1 dom0: whatever the gfn maps (own RAM, a grant mapping of
 * dom0's own page, a grant-table frame) leaves the p2m if the frame
 * behind it is dom0's, and Xen keeps the frame allocated (tot_pages
 * does not move), so that populate_physmap can bring it back; every
 * case brings back what it took out.  x86 PV: the guest names machine
 * frames; a frame it got from increase_reservation is freed.
 */
#include "xc.h"

#include <string.h>
#include <xen/errno.h>

static long decrease(struct xc_case *c, unsigned long start, xen_pfn_t *list,
		     xen_ulong_t nr, unsigned int order, domid_t domid)
{
	return xc_reservation(c, XENMEM_decrease_reservation, start, list, nr,
			      order, 0, domid);
}

/* ---- ARM: 1:1 ---- */

static void arm_own_page(struct xc_case *c)
{
	struct xc_page pg;
	long before = xc_tot(c);

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0x77, XC_PAGE_SIZE);
	xc_put_rc(c, "rc", xc_decrease_one(c, pg.frame, 0));
	xc_put_dtot(c, "dtot", before);
	xc_put_rc(c, "again", xc_decrease_one(c, pg.frame, 0));
	xc_restore(c, pg.frame, 0);
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

/* Order 1 over two own pages; then with the second already out, the
 * extent stops there and is not counted, the first page being out. */
static void arm_order1(struct xc_case *c)
{
	struct xc_page pg;
	xen_pfn_t gfn;

	if (xc_page(c, "P", 1, &pg))
		return;
	xc_put_rc(c, "rc", xc_decrease_one(c, pg.frame, 1));
	xc_restore(c, pg.frame, 1);
	xc_put_rc(c, "second_out", xc_decrease_one(c, pg.frame + 1, 0));
	gfn = pg.frame;
	xc_put_rc(c, "rc_half", decrease(c, 0, &gfn, 1, 1, DOMID_SELF));
	/* The first page went: populating it alone brings it back. */
	xc_put_rc(c, "first_back", xc_populate_one(c, pg.frame, 0));
	xc_restore(c, pg.frame + 1, 0);
	xc_page_put(c, &pg, 1);
}

/* Three extents, the middle one a hole: the loop stops there. */
static void arm_stops_at_hole(struct xc_case *c)
{
	struct xc_page a, b;
	xen_pfn_t list[3];

	if (xc_page(c, "A", 0, &a) || xc_page(c, "B", 0, &b))
		return;
	list[0] = a.frame;
	list[1] = xc_hole_gfn(c, 0);
	list[2] = b.frame;
	xc_put_rc(c, "rc", decrease(c, 0, list, 3, 0, DOMID_SELF));
	xc_put_rc(c, "b_still_mapped", xc_decrease_one(c, b.frame, 0));
	xc_restore(c, a.frame, 0);
	xc_restore(c, b.frame, 0);
	xc_page_put(c, &a, 0);
	xc_page_put(c, &b, 0);
}

/* A continuation start skips the extents before it. */
static void arm_start(struct xc_case *c)
{
	struct xc_page a, b;
	xen_pfn_t list[2];

	if (xc_page(c, "A", 0, &a) || xc_page(c, "B", 0, &b))
		return;
	list[0] = a.frame;
	list[1] = b.frame;
	xc_put_rc(c, "rc", decrease(c, 1, list, 2, 0, DOMID_SELF));
	xc_put_rc(c, "a_still_mapped", xc_decrease_one(c, a.frame, 0));
	xc_restore(c, a.frame, 0);
	xc_restore(c, b.frame, 0);
	xc_page_put(c, &a, 0);
	xc_page_put(c, &b, 0);
}

static void arm_gfn(struct xc_case *c, uint64_t gfn)
{
	xen_pfn_t g = gfn;
	long before = xc_tot(c);

	xc_put_rc(c, "rc", decrease(c, 0, &g, 1, 0, DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
}

static void arm_hole(struct xc_case *c)
{
	arm_gfn(c, xc_hole_gfn(c, 0));
}

static void arm_mmio(struct xc_case *c)
{
	arm_gfn(c, c->env->facts.mmio_frame);
}

static void arm_max_ram_page(struct xc_case *c)
{
	arm_gfn(c, (uint64_t)c->env->facts.max_ram_page);
}

static void arm_far(struct xc_case *c)
{
	arm_gfn(c, 1ULL << 40);
}

/* A grant of dom0's own page, host-mapped at a hole: the frame behind
 * the gfn is dom0's, so the mapping goes; the grant handle stays and
 * its unmap then finds nothing there. */
static void arm_grant_mapping(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t gfn = xc_hole_gfn(c, 3);
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, gfn << XC_PAGE_SHIFT, &h,
		    NULL);
	xc_put_gntst(c, "map", st);
	xc_put_rc(c, "rc", xc_decrease_one(c, gfn, 0));
	xc_put_rc(c, "again", xc_decrease_one(c, gfn, 0));
	if (st == GNTST_okay)
		xc_put_gntst(c, "unmap",
			     xc_unmap(c, h, gfn << XC_PAGE_SHIFT, 0));
	xc_grant_put(c, &g);
}

/* A grant-table frame dom0 mapped itself (a new index, grown for the
 * case): it is dom0's (Xen shares it), so it leaves the p2m, and can
 * be mapped again afterwards. */
static void arm_grant_table_frame(struct xc_case *c)
{
	unsigned int idx = xc_gnt_frames(c);
	uint64_t gfn = c->env->facts.gnt_region.start + idx;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = idx,
		.gpfn = gfn,
	};

	xc_put_rc(c, "map",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
			  &xatp, 0));
	xc_put_rc(c, "rc", xc_decrease_one(c, gfn, 0));
	xc_put_rc(c, "map_again",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap,
			  &xatp, 0));
	/* Leave the region as Linux left it: it maps its frames there
	 * itself when it grows its table. */
	{
		struct xen_remove_from_physmap xrfp = {.domid = DOMID_SELF,
						       .gpfn = gfn};

		xc_put_rc(c, "unmap",
			  xc_call(c, __HYPERVISOR_memory_op,
				  XENMEM_remove_from_physmap, &xrfp, 0));
	}
}

/* ---- both ---- */

static void arg(struct xc_case *c, const void *a)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op,
			  XENMEM_decrease_reservation, a, 0));
}

static void arg_null(struct xc_case *c)
{
	arg(c, NULL);
}

static void arg_unmapped(struct xc_case *c)
{
	arg(c, c->env->bad.unmapped);
}

static void list_null(struct xc_case *c)
{
	xc_put_rc(c, "rc", decrease(c, 0, NULL, 1, 0, DOMID_SELF));
}

static void list_unmapped(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  decrease(c, 0, (xen_pfn_t *)c->env->bad.unmapped, 1, 0,
			   DOMID_SELF));
}

static void list_xen_range(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  decrease(c, 0, (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL,
			   1, 0, DOMID_SELF));
}

static void nr_zero(struct xc_case *c)
{
	xen_pfn_t g = xc_hole_gfn(c, 0);

	xc_put_rc(c, "rc", decrease(c, 0, &g, 0, 0, DOMID_SELF));
}

static void order_max_plus_one(struct xc_case *c)
{
	xen_pfn_t g = xc_hole_gfn(c, 0);

	xc_put_rc(c, "rc",
		  decrease(c, 0, &g, 1,
			   (unsigned int)c->env->facts.max_order + 1,
			   DOMID_SELF));
}

static void domid_one(struct xc_case *c)
{
	xen_pfn_t g = xc_hole_gfn(c, 0);

	xc_put_rc(c, "rc", decrease(c, 0, &g, 1, 0, 1));
}

/* ---- x86 PV ---- */

/* A frame of dom0's that nothing maps: freed, and gone for good. */
static void pv_own_frame(struct xc_case *c)
{
	uint64_t mfn = xc_pv_frame(c, 0);
	long before = xc_tot(c);

	xc_put(c, "got", "%d", mfn != ~0ULL);
	xc_put_rc(c, "rc", xc_decrease_one(c, mfn, 0));
	xc_put_dtot(c, "dtot", before);
	xc_put_rc(c, "again", xc_decrease_one(c, mfn, 0));
}

static void pv_order2(struct xc_case *c)
{
	uint64_t mfn = xc_pv_frame(c, 2);
	long before = xc_tot(c);

	xc_put_rc(c, "rc", xc_decrease_one(c, mfn, 2));
	xc_put_dtot(c, "dtot", before);
}

/* Order 2 over an order-0 frame of ours followed by frames that are
 * not: the first page goes, the extent is not counted. */
static void pv_order2_partial(struct xc_case *c)
{
	uint64_t mfn = xc_pv_frame(c, 2);
	long before;

	xc_put_rc(c, "free_tail", xc_decrease_one(c, mfn + 1, 0));
	xc_decrease_one(c, mfn + 2, 0);
	xc_decrease_one(c, mfn + 3, 0);
	before = xc_tot(c);
	xc_put_rc(c, "rc", xc_decrease_one(c, mfn, 2));
	xc_put_dtot(c, "dtot", before);
}

static void pv_mfn(struct xc_case *c, uint64_t mfn)
{
	long before = xc_tot(c);

	xc_put_rc(c, "rc", xc_decrease_one(c, mfn, 0));
	xc_put_dtot(c, "dtot", before);
}

static void pv_max_ram_page(struct xc_case *c)
{
	pv_mfn(c, (uint64_t)c->env->facts.max_ram_page);
}

static void pv_mmio(struct xc_case *c)
{
	pv_mfn(c, c->env->facts.mmio_frame);
}

static void pv_far(struct xc_case *c)
{
	pv_mfn(c, 1ULL << 40);
}

const struct xc_case_def xc_cases_decrease[] = {
	{"decrease_reservation/arm_own_page", XC_ARM, 0, arm_own_page},
	{"decrease_reservation/arm_order1", XC_ARM, 0, arm_order1},
	{"decrease_reservation/arm_stops_at_hole", XC_ARM, 0,
	 arm_stops_at_hole},
	{"decrease_reservation/arm_start", XC_ARM, 0, arm_start},
	{"decrease_reservation/arm_hole", XC_ARM, 0, arm_hole},
	{"decrease_reservation/arm_mmio", XC_ARM, 0, arm_mmio},
	{"decrease_reservation/arm_max_ram_page", XC_ARM, 0, arm_max_ram_page},
	{"decrease_reservation/arm_far", XC_ARM, 0, arm_far},
	{"decrease_reservation/arm_grant_mapping", XC_ARM, 0,
	 arm_grant_mapping},
	{"decrease_reservation/arm_grant_table_frame", XC_ARM, 0,
	 arm_grant_table_frame},
	{"decrease_reservation/arg_null", XC_ALL, 0, arg_null},
	{"decrease_reservation/arg_unmapped", XC_ALL, 0, arg_unmapped},
	{"decrease_reservation/list_null", XC_ALL, 0, list_null},
	{"decrease_reservation/list_unmapped", XC_ALL, 0, list_unmapped},
	{"decrease_reservation/list_xen_range", XC_X86, 0, list_xen_range},
	{"decrease_reservation/nr_zero", XC_ALL, 0, nr_zero},
	{"decrease_reservation/order_max_plus_one", XC_ALL, 0,
	 order_max_plus_one},
	{"decrease_reservation/domid_one", XC_ALL, 0, domid_one},
	{"decrease_reservation/pv_own_frame", XC_X86, 0, pv_own_frame},
	{"decrease_reservation/pv_order2", XC_X86, 0, pv_order2},
	{"decrease_reservation/pv_order2_partial", XC_X86, 0,
	 pv_order2_partial},
	{"decrease_reservation/pv_max_ram_page", XC_X86, 0, pv_max_ram_page},
	{"decrease_reservation/pv_mmio", XC_X86, 0, pv_mmio},
	{"decrease_reservation/pv_far", XC_X86, 0, pv_far},
	{NULL, 0, 0, NULL},
};
