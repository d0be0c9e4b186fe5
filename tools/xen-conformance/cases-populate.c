// SPDX-License-Identifier: MIT
/*
 * XENMEM_populate_physmap (common/memory.c, populate_physmap).
 *
 * ARM, a 1:1 dom0 (is_domain_direct_mapped): the frame is gpfn itself,
 * which must still be dom0's, and it is mapped at gpfn over whatever is
 * there; nothing is allocated, so address_bits do not matter and a page
 * taken out of the p2m comes back with its contents.  x86 PV: a fresh
 * extent, its machine frame written into the list and recorded in the
 * m2p against the gpfn the guest named (any value: a PV guest keeps its
 * own p2m); the case gives it back.
 */
#include "xc.h"

#include <string.h>
#include <xen/errno.h>

static long populate(struct xc_case *c, unsigned long start, xen_pfn_t *list,
		     xen_ulong_t nr, unsigned int order, unsigned int flags,
		     domid_t domid)
{
	return xc_reservation(c, XENMEM_populate_physmap, start, list, nr,
			      order, flags, domid);
}

/* ---- ARM: 1:1 ---- */

/* Populating a page that is mapped maps it again: a no-op. */
static void arm_mapped_page(struct xc_case *c)
{
	struct xc_page pg;
	xen_pfn_t gpfn;
	long before = xc_tot(c);

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0xa5, XC_PAGE_SIZE);
	gpfn = pg.frame;
	xc_put_rc(c, "rc", populate(c, 0, &gpfn, 1, 0, 0, DOMID_SELF));
	xc_put_frame(c, "list", gpfn);
	xc_put_dtot(c, "dtot", before);
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

/* Out of the p2m and back: the same frame, its contents kept. */
static void arm_after_decrease(struct xc_case *c)
{
	struct xc_page pg;
	long before = xc_tot(c);

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0x3c, XC_PAGE_SIZE);
	xc_put_rc(c, "decrease", xc_decrease_one(c, pg.frame, 0));
	xc_put_dtot(c, "dtot_out", before);
	xc_put_rc(c, "rc", xc_populate_one(c, pg.frame, 0));
	xc_put_dtot(c, "dtot", before);
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

/* Two frames of dom0's, order 1: the extent is both or neither. */
static void arm_order1(struct xc_case *c)
{
	struct xc_page pg;
	xen_pfn_t gpfn;

	if (xc_page(c, "P", 1, &pg))
		return;
	memset(pg.va, 0x11, 2 * XC_PAGE_SIZE);
	xc_put_rc(c, "decrease", xc_decrease_one(c, pg.frame, 1));
	gpfn = pg.frame;
	xc_put_rc(c, "rc", populate(c, 0, &gpfn, 1, 1, 0, DOMID_SELF));
	xc_put_bytes(c, "reads", pg.va, 2 * XC_PAGE_SIZE);
	xc_page_put(c, &pg, 1);
}

/* dom0's last frame and the first frame past its RAM, order 1. */
static void arm_order1_past_ram(struct xc_case *c)
{
	xen_pfn_t gpfn = c->env->facts.ram[0].end - 2;

	xc_name(c, "ram_end-2", gpfn);
	xc_put_rc(c, "rc", populate(c, 0, &gpfn, 1, 1, 0, DOMID_SELF));
	gpfn = c->env->facts.ram[0].end - 1;
	xc_put_rc(c, "rc_misaligned",
		  populate(c, 0, &gpfn, 1, 1, 0, DOMID_SELF));
}

static void arm_gfn(struct xc_case *c, uint64_t gfn)
{
	xen_pfn_t gpfn = gfn;
	long before = xc_tot(c);

	xc_put_rc(c, "rc", populate(c, 0, &gpfn, 1, 0, 0, DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
}

/* Frames that are not dom0's: a hole (extended region), the machine
 * frame past RAM, a device, the grant-table region, far away. */
static void arm_hole(struct xc_case *c)
{
	arm_gfn(c, xc_hole_gfn(c, 0));
}

static void arm_max_ram_page(struct xc_case *c)
{
	arm_gfn(c, (uint64_t)c->env->facts.max_ram_page);
}

static void arm_mmio(struct xc_case *c)
{
	arm_gfn(c, c->env->facts.mmio_frame);
}

static void arm_grant_region(struct xc_case *c)
{
	arm_gfn(c, c->env->facts.gnt_region.start);
}

static void arm_far(struct xc_case *c)
{
	arm_gfn(c, 1ULL << 40);
}

/* The whole of dom0's RAM in one extent (order 17 of 512 MiB): mapped
 * over itself.  Whatever Xen page was mapped over dom0's RAM goes too:
 * Linux's shared_info (mapped over a kernel page at boot; Linux on ARM
 * no longer reads it after boot, FIFO events and vcpu_info live
 * elsewhere), as p2m_set_entry forgets a replaced Xen page's gfn. */
static void arm_all_ram(struct xc_case *c)
{
	const struct xc_range *r = &c->env->facts.ram[0];
	unsigned int order = 0;
	xen_pfn_t gpfn = r->start;

	while ((1ULL << (order + 1)) <= r->end - r->start &&
	       order + 1 <= (unsigned int)c->env->facts.max_order)
		order++;
	xc_put(c, "order", "%u", order);
	xc_put_rc(c, "rc", populate(c, 0, &gpfn, 1, order, 0, DOMID_SELF));
}

/* address_bits mean nothing when nothing is allocated; a page or less
 * is still refused up front. */
static void arm_bits(struct xc_case *c, unsigned int bits)
{
	struct xc_page pg;
	xen_pfn_t gpfn;

	if (xc_page(c, "P", 0, &pg))
		return;
	gpfn = pg.frame;
	xc_put_rc(c, "rc",
		  populate(c, 0, &gpfn, 1, 0, XENMEMF_address_bits(bits),
			   DOMID_SELF));
	xc_page_put(c, &pg, 0);
}

static void arm_bits_12(struct xc_case *c)
{
	arm_bits(c, 12);
}

static void arm_bits_13(struct xc_case *c)
{
	arm_bits(c, 13);
}

/* ---- both ---- */

static void with_page(struct xc_case *c, unsigned long start, xen_ulong_t nr,
		      unsigned int order, unsigned int flags, domid_t domid)
{
	struct xc_page pg;
	xen_pfn_t list[4];
	long before = xc_tot(c), rc;

	if (xc_page(c, "P", 0, &pg))
		return;
	for (unsigned int i = 0; i < 4; i++)
		list[i] = pg.frame;
	rc = populate(c, start, list, nr, order, flags, domid);
	xc_put_rc(c, "rc", rc);
	xc_put_dtot(c, "dtot", before);
	if (!xc_arm(c)) {
		/* A PV guest was told frames: give them back. */
		for (unsigned int i = 0; i < 4 && i < nr; i++) {
			if (list[i] == pg.frame)
				continue;
			xc_put(c, "told", "%u", i);
			if (xc_decrease_one(c, list[i], order) != 1)
				xc_put(c, "give_back", "failed");
		}
	}
	xc_page_put(c, &pg, 0);
}

static void order_max_plus_one(struct xc_case *c)
{
	with_page(c, 0, 1, (unsigned int)c->env->facts.max_order + 1, 0,
		  DOMID_SELF);
}

static void nr_zero(struct xc_case *c)
{
	with_page(c, 0, 0, 0, 0, DOMID_SELF);
}

static void start_beyond(struct xc_case *c)
{
	with_page(c, 3, 2, 0, 0, DOMID_SELF);
}

static void start_one_of_two(struct xc_case *c)
{
	with_page(c, 1, 2, 0, 0, DOMID_SELF);
}

static void domid_one(struct xc_case *c)
{
	with_page(c, 0, 1, 0, 0, 1);
}

static void domid_io(struct xc_case *c)
{
	with_page(c, 0, 1, 0, 0, DOMID_IO);
}

static void node_5(struct xc_case *c)
{
	with_page(c, 0, 1, 0, XENMEMF_node(5), DOMID_SELF);
}

/* Populate-on-demand on oneself is refused at the first extent. */
static void pod_self(struct xc_case *c)
{
	with_page(c, 0, 1, 0, XENMEMF_populate_on_demand, DOMID_SELF);
}

/* ... and its order limit is MAX_ORDER, not the caller's. */
static void pod_self_order_max_plus_one(struct xc_case *c)
{
	with_page(c, 0, 1, (unsigned int)c->env->facts.max_order + 1,
		  XENMEMF_populate_on_demand, DOMID_SELF);
}

static void arg(struct xc_case *c, const void *a)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_populate_physmap, a,
			  0));
}

static void arg_null(struct xc_case *c)
{
	arg(c, NULL);
}

static void arg_unmapped(struct xc_case *c)
{
	arg(c, c->env->bad.unmapped);
}

static void arg_short(struct xc_case *c)
{
	void *a = xc_tail(c->env, 16);

	memset(a, 0, 16);
	arg(c, a);
}

static void list_null(struct xc_case *c)
{
	xc_put_rc(c, "rc", populate(c, 0, NULL, 1, 0, 0, DOMID_SELF));
}

static void list_unmapped(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  populate(c, 0, (xen_pfn_t *)c->env->bad.unmapped, 1, 0, 0,
			   DOMID_SELF));
}

static void list_xen_range(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  populate(c, 0, (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL,
			   1, 0, 0, DOMID_SELF));
}

/* Two entries, the second past the end of the mapping. */
static void list_short(struct xc_case *c)
{
	struct xc_page pg;
	xen_pfn_t *list = xc_tail(c->env, sizeof(xen_pfn_t));
	long before = xc_tot(c);

	if (xc_page(c, "P", 0, &pg))
		return;
	*list = pg.frame;
	xc_put_rc(c, "rc", populate(c, 0, list, 2, 0, 0, DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
	if (!xc_arm(c) && *list != pg.frame &&
	    xc_decrease_one(c, *list, 0) != 1)
		xc_put(c, "give_back", "failed");
	xc_page_put(c, &pg, 0);
}

/* ---- x86 PV ---- */

/* A fresh frame recorded against any gpfn; the list gets the mfn. */
static void pv_told(struct xc_case *c, unsigned int order, unsigned int flags)
{
	xen_pfn_t mfn = 0x7fff0;
	long before = xc_tot(c), rc;

	rc = populate(c, 0, &mfn, 1, order, flags, DOMID_SELF);
	xc_put_rc(c, "rc", rc);
	xc_put_dtot(c, "dtot", before);
	if (rc != 1)
		return;
	xc_put(c, "aligned", "%d", !(mfn & ((1ULL << order) - 1)));
	xc_put(c, "below_max_ram", "%d",
	       mfn + (1ULL << order) <= (uint64_t)c->env->facts.max_ram_page);
	if (flags)
		xc_put(c, "below_bits", "%d",
		       (mfn + (1ULL << order)) <=
			       (1ULL
				<< (XENMEMF_get_address_bits(flags) - 12)));
	xc_put_rc(c, "give_back", xc_decrease_one(c, mfn, order));
	xc_put_dtot(c, "dtot_after", before);
}

static void pv_one(struct xc_case *c)
{
	pv_told(c, 0, 0);
}

static void pv_order3(struct xc_case *c)
{
	pv_told(c, 3, 0);
}

static void pv_bits_31(struct xc_case *c)
{
	pv_told(c, 0, XENMEMF_address_bits(31));
}

static void pv_bits_13(struct xc_case *c)
{
	pv_told(c, 0, XENMEMF_address_bits(13));
}

/* The list can be read (gpfn 0) but not written: the frame is the
 * guest's, recorded, and not counted. */
static void pv_list_readonly(struct xc_case *c)
{
	long before = xc_tot(c);

	xc_put_rc(c, "rc",
		  populate(c, 0, (xen_pfn_t *)c->env->bad.readonly, 1, 0, 0,
			   DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
}

const struct xc_case_def xc_cases_populate[] = {
	{"populate_physmap/arm_mapped_page", XC_ARM, 0, arm_mapped_page},
	{"populate_physmap/arm_after_decrease", XC_ARM, 0, arm_after_decrease},
	{"populate_physmap/arm_order1", XC_ARM, 0, arm_order1},
	{"populate_physmap/arm_order1_past_ram", XC_ARM, 0,
	 arm_order1_past_ram},
	{"populate_physmap/arm_hole", XC_ARM, 0, arm_hole},
	{"populate_physmap/arm_max_ram_page", XC_ARM, 0, arm_max_ram_page},
	{"populate_physmap/arm_mmio", XC_ARM, 0, arm_mmio},
	{"populate_physmap/arm_grant_region", XC_ARM, 0, arm_grant_region},
	{"populate_physmap/arm_far", XC_ARM, 0, arm_far},
	{"populate_physmap/arm_all_ram", XC_ARM, 0, arm_all_ram},
	{"populate_physmap/arm_bits_12", XC_ARM, 0, arm_bits_12},
	{"populate_physmap/arm_bits_13", XC_ARM, 0, arm_bits_13},
	{"populate_physmap/order_max_plus_one", XC_ALL, 0, order_max_plus_one},
	{"populate_physmap/nr_zero", XC_ALL, 0, nr_zero},
	{"populate_physmap/start_beyond", XC_ALL, 0, start_beyond},
	{"populate_physmap/start_one_of_two", XC_ALL, 0, start_one_of_two},
	{"populate_physmap/domid_one", XC_ALL, 0, domid_one},
	{"populate_physmap/domid_io", XC_ALL, 0, domid_io},
	{"populate_physmap/node_5", XC_ALL, 0, node_5},
	{"populate_physmap/pod_self", XC_ALL, 0, pod_self},
	{"populate_physmap/pod_self_order_max_plus_one", XC_ALL, 0,
	 pod_self_order_max_plus_one},
	{"populate_physmap/arg_null", XC_ALL, 0, arg_null},
	{"populate_physmap/arg_unmapped", XC_ALL, 0, arg_unmapped},
	{"populate_physmap/arg_short", XC_ALL, 0, arg_short},
	{"populate_physmap/list_null", XC_ALL, 0, list_null},
	{"populate_physmap/list_unmapped", XC_ALL, 0, list_unmapped},
	{"populate_physmap/list_xen_range", XC_X86, 0, list_xen_range},
	{"populate_physmap/list_short", XC_ALL, 0, list_short},
	{"populate_physmap/pv_one", XC_X86, 0, pv_one},
	{"populate_physmap/pv_order3", XC_X86, 0, pv_order3},
	{"populate_physmap/pv_bits_31", XC_X86, 0, pv_bits_31},
	{"populate_physmap/pv_bits_13", XC_X86, 0, pv_bits_13},
	{"populate_physmap/pv_list_readonly", XC_X86, 0, pv_list_readonly},
	{NULL, 0, 0, NULL},
};
