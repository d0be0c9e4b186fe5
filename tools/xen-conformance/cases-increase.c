// SPDX-License-Identifier: MIT
/*
 * XENMEM_increase_reservation (common/memory.c: do_memory_op's checks,
 * construct_memop_from_reservation, increase_reservation): what it
 * answers (extents done, never an errno), what it does to tot_pages,
 * and, for a PV guest, what it writes in the list.
 *
 * A real ARM dom0 starts with tot_pages == max_pages, so every
 * allocation is an over-allocation until max_pages is raised (the
 * max_mem cases do, with XEN_DOMCTL_max_mem, and put it back).  A page
 * a translated guest gets this way is its own but mapped nowhere and
 * cannot be given back; a PV guest is told the frame and gives it back.
 */
#include "xc.h"

#include <string.h>
#include <xen/errno.h>

/* PV: give back frames the list names (those Xen wrote). */
static void give_back(struct xc_case *c, const xen_pfn_t *list, unsigned int n,
		      unsigned int order)
{
	if (xc_arm(c))
		return;
	for (unsigned int i = 0; i < n; i++)
		if (list[i] != (xen_pfn_t)~0ULL &&
		    xc_decrease_one(c, list[i], order) != 1)
			xc_put(c, "give_back", "failed");
}

/* The list after the call: "w" for an entry Xen wrote, "-" for one it
 * left (the guest prefilled ~0). */
static void put_list(struct xc_case *c, const xen_pfn_t *list, unsigned int n)
{
	char s[64];

	for (unsigned int i = 0; i < n && i < sizeof(s) - 1; i++)
		s[i] = list[i] == (xen_pfn_t)~0ULL ? '-' : 'w';
	s[n < sizeof(s) - 1 ? n : sizeof(s) - 1] = 0;
	xc_put(c, "list", "%s", s);
}

static void increase(struct xc_case *c, unsigned long start, unsigned int n,
		     xen_ulong_t nr, unsigned int order, unsigned int flags,
		     domid_t domid, bool with_list)
{
	xen_pfn_t list[8];
	long before = xc_tot(c), rc;

	memset(list, 0xff, sizeof(list));
	rc = xc_reservation(c, XENMEM_increase_reservation, start,
			    with_list ? list : NULL, nr, order, flags, domid);
	xc_put_rc(c, "rc", rc);
	xc_put_dtot(c, "dtot", before);
	if (with_list) {
		put_list(c, list, n);
		give_back(c, list, n, order);
	}
}

static void one_no_list(struct xc_case *c)
{
	increase(c, 0, 0, 1, 0, 0, DOMID_SELF, false);
}

static void one(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, 0, DOMID_SELF, true);
}

static void three(struct xc_case *c)
{
	increase(c, 0, 3, 3, 0, 0, DOMID_SELF, true);
}

static void order2(struct xc_case *c)
{
	increase(c, 0, 1, 1, 2, 0, DOMID_SELF, true);
}

static void order_max_plus_one(struct xc_case *c)
{
	increase(c, 0, 1, 1, (unsigned int)c->env->facts.max_order + 1, 0,
		 DOMID_SELF, true);
}

static void nr_zero(struct xc_case *c)
{
	increase(c, 0, 1, 0, 0, 0, DOMID_SELF, true);
}

/* More extents than a continuation can encode. */
static void nr_too_big(struct xc_case *c)
{
	increase(c, 0, 1, (UINT32_MAX >> 6) + 1, 0, 0, DOMID_SELF, true);
}

static void start_beyond(struct xc_case *c)
{
	increase(c, 5, 3, 3, 0, 0, DOMID_SELF, true);
}

/* A continuation: extents before the start are not touched. */
static void start_one_of_two(struct xc_case *c)
{
	increase(c, 1, 2, 2, 0, 0, DOMID_SELF, true);
}

static void domid_one(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, 0, 1, true);
}

static void domid_xen(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, 0, DOMID_XEN, true);
}

static void domid_zero(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, 0, 0, true);
}

static void bits_12(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, XENMEMF_address_bits(12), DOMID_SELF, true);
}

static void bits_13(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, XENMEMF_address_bits(13), DOMID_SELF, true);
}

/* Below 2 GiB: PV gets a frame under 2^19. */
static void bits_31(struct xc_case *c)
{
	xen_pfn_t mfn = ~(xen_pfn_t)0;
	long before = xc_tot(c);

	xc_put_rc(c, "rc",
		  xc_reservation(c, XENMEM_increase_reservation, 0, &mfn, 1, 0,
				 XENMEMF_address_bits(31), DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
	if (mfn != (xen_pfn_t)~0ULL)
		xc_put(c, "below", "%d", mfn < (1ULL << 19));
	give_back(c, &mfn, 1, 0);
}

static void node_5(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, XENMEMF_node(5), DOMID_SELF, true);
}

static void node_5_exact(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, XENMEMF_node(5) | XENMEMF_exact_node_request,
		 DOMID_SELF, true);
}

static void node_0_exact(struct xc_case *c)
{
	increase(c, 0, 1, 1, 0, XENMEMF_node(0) | XENMEMF_exact_node_request,
		 DOMID_SELF, true);
}

static void arg_at(struct xc_case *c, const void *arg)
{
	long before = xc_tot(c);

	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op,
			  XENMEM_increase_reservation, arg, 0));
	xc_put_dtot(c, "dtot", before);
}

static void arg_null(struct xc_case *c)
{
	arg_at(c, NULL);
}

static void arg_unmapped(struct xc_case *c)
{
	arg_at(c, c->env->bad.unmapped);
}

/* The reservation itself read-only: all zero, nr_extents 0. */
static void arg_readonly(struct xc_case *c)
{
	arg_at(c, c->env->bad.readonly);
}

/* A list Xen cannot write to: PV's frame is allocated, not counted. */
static void list_at(struct xc_case *c, xen_pfn_t *list, xen_ulong_t nr)
{
	long before = xc_tot(c);

	xc_put_rc(c, "rc",
		  xc_reservation(c, XENMEM_increase_reservation, 0, list, nr, 0,
				 0, DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
}

static void list_unmapped(struct xc_case *c)
{
	list_at(c, (xen_pfn_t *)c->env->bad.unmapped, 1);
}

static void list_readonly(struct xc_case *c)
{
	list_at(c, (xen_pfn_t *)c->env->bad.readonly, 1);
}

/* Two extents, the second entry past the end of the mapping. */
static void list_short(struct xc_case *c)
{
	xen_pfn_t *list = xc_tail(c->env, sizeof(xen_pfn_t));
	long before = xc_tot(c), rc;

	*list = ~(xen_pfn_t)0;
	rc = xc_reservation(c, XENMEM_increase_reservation, 0, list, 2, 0, 0,
			    DOMID_SELF);
	xc_put_rc(c, "rc", rc);
	xc_put_dtot(c, "dtot", before);
	put_list(c, list, 1);
	give_back(c, list, 1, 0);
}

/* An address in Xen's own part of an x86 guest's address space. */
static void list_xen_range(struct xc_case *c)
{
	list_at(c, (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL, 1);
}

/*
 * Reservation accounting: with max_pages raised by one page, the first
 * extent fits and the second is an over-allocation; then max_pages goes
 * back to what it was (a PV guest gives its page back first).
 */
static void max_mem_plus_one(struct xc_case *c)
{
	const struct xc_facts *f = &c->env->facts;
	xen_pfn_t list[2] = {~(xen_pfn_t)0, ~(xen_pfn_t)0};
	long before = xc_tot(c);

	xc_put_rc(c, "max_mem", xc_set_max_pages(c, (uint64_t)before + 1));
	xc_put_rc(c, "rc",
		  xc_reservation(c, XENMEM_increase_reservation, 0, list, 2, 0,
				 0, DOMID_SELF));
	xc_put_dtot(c, "dtot", before);
	put_list(c, list, 2);
	give_back(c, list, 2, 0);
	xc_set_max_pages(c, (uint32_t)f->max_pages);
}

/* max_pages below tot_pages: nothing is allocated ("ratchet down"). */
static void max_mem_below_tot(struct xc_case *c)
{
	const struct xc_facts *f = &c->env->facts;
	long before = xc_tot(c);

	xc_put_rc(c, "max_mem", xc_set_max_pages(c, (uint64_t)before - 1));
	increase(c, 0, 1, 1, 0, 0, DOMID_SELF, true);
	xc_put_dtot(c, "dtot_all", before);
	xc_set_max_pages(c, (uint32_t)f->max_pages);
}

const struct xc_case_def xc_cases_increase[] = {
	{"increase_reservation/one_no_list", XC_ALL, 0, one_no_list},
	{"increase_reservation/one", XC_ALL, 0, one},
	{"increase_reservation/three", XC_ALL, 0, three},
	{"increase_reservation/order2", XC_ALL, 0, order2},
	{"increase_reservation/order_max_plus_one", XC_ALL, 0,
	 order_max_plus_one},
	{"increase_reservation/nr_zero", XC_ALL, 0, nr_zero},
	{"increase_reservation/nr_too_big", XC_ALL, 0, nr_too_big},
	{"increase_reservation/start_beyond", XC_ALL, 0, start_beyond},
	{"increase_reservation/start_one_of_two", XC_ALL, 0, start_one_of_two},
	{"increase_reservation/domid_one", XC_ALL, 0, domid_one},
	{"increase_reservation/domid_xen", XC_ALL, 0, domid_xen},
	{"increase_reservation/domid_zero", XC_ALL, 0, domid_zero},
	{"increase_reservation/bits_12", XC_ALL, 0, bits_12},
	{"increase_reservation/bits_13", XC_ALL, 0, bits_13},
	{"increase_reservation/bits_31", XC_ALL, 0, bits_31},
	{"increase_reservation/node_5", XC_ALL, 0, node_5},
	{"increase_reservation/node_5_exact", XC_ALL, 0, node_5_exact},
	{"increase_reservation/node_0_exact", XC_ALL, 0, node_0_exact},
	{"increase_reservation/arg_null", XC_ALL, 0, arg_null},
	{"increase_reservation/arg_unmapped", XC_ALL, 0, arg_unmapped},
	{"increase_reservation/arg_readonly", XC_ALL, 0, arg_readonly},
	{"increase_reservation/list_unmapped", XC_ALL, 0, list_unmapped},
	{"increase_reservation/list_readonly", XC_ALL, 0, list_readonly},
	{"increase_reservation/list_short", XC_ALL, 0, list_short},
	{"increase_reservation/list_xen_range", XC_X86, 0, list_xen_range},
	{"increase_reservation/max_mem_plus_one", XC_ALL, 0, max_mem_plus_one},
	{"increase_reservation/max_mem_below_tot", XC_ALL, 0,
	 max_mem_below_tot},
	{NULL, 0, 0, NULL},
};
