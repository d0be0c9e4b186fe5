// SPDX-License-Identifier: MIT
/*
 * What a guest learns about its limits and how Xen holds it to them,
 * as real Xen 4.17 answered tools/xen-conformance's cases: the
 * maximum_ram_page / current_reservation / maximum_reservation /
 * maximum_gpfn queries, tot_pages and max_pages (assign_pages()'s
 * over-allocation), XEN_DOMCTL_max_mem, the feature submap's
 * vm_assist bit, XENVER_pagesize, and NUMA nodes in mem_flags.  The
 * model had none of the queries (-ENOSYS), allocated without limit and
 * ignored nodes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* domctl.h is the toolstack's: __XEN_TOOLS__ before xen.h, and the
 * anonymous unions C11 has. */
#undef __STRICT_ANSI__
#define __XEN_TOOLS__ 1
#include "fixture.h"

#include <xen/domctl.h>

static long memop(struct hv *h, struct sim_domain *d, unsigned long cmd,
		  const void *arg)
{
	return hv_call(h, d, __HYPERVISOR_memory_op, cmd, arg, 0);
}

static long query(struct hv *h, struct sim_domain *d, unsigned int cmd,
		  domid_t domid)
{
	return memop(h, d, cmd, &domid);
}

static long increase(struct hv *h, struct sim_domain *d, unsigned long n,
		     unsigned int flags, xen_pfn_t *list)
{
	struct xen_memory_reservation r = {
		.nr_extents = n, .mem_flags = flags, .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, list);
	return memop(h, d, XENMEM_increase_reservation, &r);
}

static long max_mem(struct hv *h, struct sim_domain *caller, domid_t domid,
		    uint64_t pages)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_max_mem;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = domid;
	dc.u.max_mem.max_memkb = pages << 2;
	return hv_call(h, caller, __HYPERVISOR_domctl, (unsigned long)&dc, NULL,
		       0);
}

static void test_limits_queries(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;

	assert_int_equal(memop(h, u, XENMEM_maximum_ram_page, NULL),
			 (HV_ARM_BASE + HV_RAM_BYTES) >> 12);
	assert_int_equal(
		memop(h, u, XENMEM_maximum_ram_page | (1UL << 6), NULL),
		-XEN_EINVAL);
	assert_int_equal(query(h, u, XENMEM_current_reservation, DOMID_SELF),
			 HV_DOMU_PAGES);
	assert_int_equal(query(h, h->dom0, XENMEM_current_reservation, 1),
			 HV_DOMU_PAGES);
	/* The domU may not ask about dom0; nobody about a domain that is
	 * not there. */
	assert_int_equal(query(h, u, XENMEM_current_reservation, 0),
			 -XEN_EPERM);
	assert_int_equal(query(h, u, XENMEM_maximum_reservation, 9),
			 -XEN_ESRCH);
	/* ARM: the highest gfn the p2m ever mapped. */
	assert_int_equal(query(h, u, XENMEM_maximum_gpfn, DOMID_SELF),
			 u->gfn_base + HV_DOMU_PAGES - 1);
	assert_int_equal(memop(h, u, XENMEM_maximum_gpfn, NULL), -XEN_EFAULT);
}

/* x86 PV: maximum_gpfn is what the guest wrote in shared_info, - 1. */
static void test_pv_maximum_gpfn(void **state)
{
	struct hv *h = *state;

	h->dom0->pv_max_pfn = 0x7ffdf;
	assert_int_equal(query(h, h->dom0, XENMEM_maximum_gpfn, DOMID_SELF),
			 0x7ffde);
	h->dom0->pv_max_pfn = 0;
	assert_int_equal(query(h, h->dom0, XENMEM_maximum_gpfn, DOMID_SELF), 0);
}

/*
 * assign_pages(): with max_pages one above tot_pages, one extent fits
 * and the next is an over-allocation; what increase returns says so,
 * and tot_pages follows.  dom0 sets max_pages with XEN_DOMCTL_max_mem.
 */
static void test_over_allocation(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	long tot = query(h, d, XENMEM_current_reservation, DOMID_SELF);
	xen_pfn_t list[2] = {~0UL, ~0UL};

	assert_int_equal(max_mem(h, d, 0, (uint64_t)tot + 1), 0);
	assert_int_equal(query(h, d, XENMEM_maximum_reservation, DOMID_SELF),
			 tot + 1);
	assert_int_equal(increase(h, d, 2, 0, list), 1);
	assert_int_equal(query(h, d, XENMEM_current_reservation, DOMID_SELF),
			 tot + 1);
	/* Below tot_pages: nothing more (Xen lets it "ratchet down"). */
	assert_int_equal(max_mem(h, d, 0, (uint64_t)tot - 5), 0);
	assert_int_equal(increase(h, d, 1, 0, list), 0);
	/* domctl: DOMID_SELF is no domain; the domU may not; a wrong
	 * interface version is -EACCES. */
	assert_int_equal(max_mem(h, d, DOMID_SELF, 10), -XEN_ESRCH);
	assert_int_equal(max_mem(h, h->domu, 1, 10), -XEN_EPERM);
	{
		struct xen_domctl dc = {.cmd = XEN_DOMCTL_max_mem,
					.interface_version = 1};

		assert_int_equal(hv_call(h, d, __HYPERVISOR_domctl,
					 (unsigned long)&dc, NULL, 0),
				 -XEN_EACCES);
	}
}

/* Measured on Xen 4.17 (x86 PV dom0): maximum_reservation is max_pages
 * sign-extended from 32 bits. */
static void test_maximum_reservation_sign_extends(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;

	assert_int_equal(max_mem(h, d, 0, 0x80000001ULL), 0);
	assert_int_equal(query(h, d, XENMEM_maximum_reservation, DOMID_SELF),
			 (long)(int32_t)0x80000001U);
	assert_int_equal(max_mem(h, d, 0, ~0ULL >> 2), 0);
	assert_int_equal(query(h, d, XENMEM_maximum_reservation, DOMID_SELF),
			 -1);
	assert_int_equal(max_mem(h, d, 0, 0x7fffffffULL), 0);
	assert_int_equal(query(h, d, XENMEM_maximum_reservation, DOMID_SELF),
			 0x7fffffffL);
}

/* NUMA: ARM has one node (a node in mem_flags beyond it is refused up
 * front); x86 takes any node below 64 as a preference, but an exact
 * request for a node the machine lacks finds nothing. */
static void test_arm_node_refused(void **state)
{
	struct hv *h = *state;
	xen_pfn_t g = h->domu->gfn_base + 5;
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .mem_flags = XENMEMF_node(1),
					   .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, &g);
	assert_int_equal(memop(h, h->dom0, XENMEM_decrease_reservation, &r), 0);
	assert_int_not_equal(hv_mfn(h->domu, g), SIM_INVALID_MFN);
}

static void test_x86_exact_node(void **state)
{
	struct hv *h = *state;
	xen_pfn_t list = ~0UL;

	assert_int_equal(increase(h, h->dom0, 1,
				  XENMEMF_node(5) | XENMEMF_exact_node_request,
				  &list),
			 0);
	assert_int_equal(increase(h, h->dom0, 1, XENMEMF_node(5), &list), 1);
	assert_int_equal(increase(h, h->dom0, 1,
				  XENMEMF_node(0) | XENMEMF_exact_node_request,
				  &list),
			 1);
}

/* x86 PV: Linux switches pae_extended_cr3 on at boot, and Xen reports
 * it as XENFEAT_pae_pgdir_above_4gb. */
static void test_vm_assist_feature(void **state)
{
	struct hv *h = *state;
	struct xen_feature_info fi = {.submap_idx = 0};

	assert_int_equal(
		hv_call(h, h->dom0, __HYPERVISOR_vm_assist, VMASST_CMD_enable,
			(void *)(uintptr_t)VMASST_TYPE_pae_extended_cr3, 0),
		0);
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_xen_version,
				 XENVER_get_features, &fi, 0),
			 0);
	assert_true(fi.submap & (1U << XENFEAT_pae_pgdir_above_4gb));
	assert_int_equal(
		hv_call(h, h->dom0, __HYPERVISOR_vm_assist, 7,
			(void *)(uintptr_t)VMASST_TYPE_pae_extended_cr3, 0),
		-XEN_ENOSYS);
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_vm_assist,
				 VMASST_CMD_enable, (void *)(uintptr_t)40, 0),
			 -XEN_EINVAL);
}

static void test_pagesize(void **state)
{
	struct hv *h = *state;
	uint64_t x = 0;

	assert_int_equal(hv_call(h, h->domu, __HYPERVISOR_xen_version,
				 XENVER_pagesize, NULL, 0),
			 4096);
	assert_int_equal(hv_call(h, h->domu, __HYPERVISOR_xen_version,
				 XENVER_pagesize, &x, 0),
			 -XEN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_limits_queries, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_pv_maximum_gpfn, hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_over_allocation, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_over_allocation, hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_maximum_reservation_sign_extends, hv_fx_setup_x86,
			hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm_node_refused, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_x86_exact_node, hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_vm_assist_feature,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pagesize, hv_fx_setup_arm,
						hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
