// SPDX-License-Identifier: MIT
/*
 * The model never trusts a guest pointer (platform/sim/hv-guest.c): a
 * handle that is NULL, unmapped, read-only where Xen writes, or too
 * short gives -EFAULT (or, for ballooning, the progress so far) at the
 * point Xen's copy_from_guest / copy_to_guest would, what was done
 * before it stays done, and nothing crashes.  Before, the model
 * dereferenced guest handles: each of these crashed the test binary.
 *
 * Handle ranges per architecture, as in Xen: x86 PV checks a list's
 * range up front (guest_handle_okay), ARM only fails when it copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "fixture.h"

/* A mapping whose first page is RW and second PROT_NONE. */
struct guard {
	uint8_t *p;
};

static void *tail_of(struct guard *g, size_t n)
{
	if (!g->p) {
		g->p = mmap(NULL, 2 * SIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		assert_true(g->p != MAP_FAILED);
		assert_int_equal(mprotect(g->p + SIM_PAGE_SIZE, SIM_PAGE_SIZE,
					  PROT_NONE),
				 0);
	}
	memset(g->p, 0, SIM_PAGE_SIZE);
	return g->p + SIM_PAGE_SIZE - n;
}

static void *unmapped(void)
{
	void *p = mmap(NULL, SIM_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void *readonly(const void *content, size_t n)
{
	void *p = mmap(NULL, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	memcpy(p, content, n);
	assert_int_equal(mprotect(p, SIM_PAGE_SIZE, PROT_READ), 0);
	return p;
}

/* xen_version, memory_op and grant_table_op with arguments that point
 * nowhere: errors, never a crash. */
static void test_bad_arguments_fault(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	void *bad = unmapped();
	unsigned int cmds[] = {XENMEM_exchange, XENMEM_add_to_physmap,
			       XENMEM_remove_from_physmap,
			       XENMEM_current_reservation};

	assert_int_equal(hv_call(h, d, __HYPERVISOR_xen_version,
				 XENVER_get_features, bad, 0),
			 -XEN_EFAULT);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(
			hv_call(h, d, __HYPERVISOR_memory_op, cmds[i], bad, 0),
			-XEN_EFAULT);
	/* Ballooning answers with the progress: none. */
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_populate_physmap, bad, 0),
			 0);
	for (unsigned int op = GNTTABOP_map_grant_ref;
	     op <= GNTTABOP_unmap_grant_ref; op++)
		assert_int_equal(
			hv_call(h, d, __HYPERVISOR_grant_table_op, op, bad, 1),
			-XEN_EFAULT);
	assert_int_equal(hv_call(h, d, __HYPERVISOR_grant_table_op,
				 GNTTABOP_cache_flush, bad, 1),
			 -XEN_EFAULT);
	assert_int_equal(hv_call(h, d, __HYPERVISOR_grant_table_op,
				 GNTTABOP_setup_table, bad, 1),
			 -XEN_EFAULT);
	munmap(bad, SIM_PAGE_SIZE);
}

/* Xen reads the features request, answers, and cannot write back. */
static void test_readonly_write_back_faults(void **state)
{
	struct hv *h = *state;
	struct xen_feature_info fi = {.submap_idx = 0, .submap = 0x55};
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	void *ro = readonly(&fi, sizeof(fi));
	void *ro2 = readonly(&qs, sizeof(qs));

	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_xen_version,
				 XENVER_get_features, ro, 0),
			 -XEN_EFAULT);
	assert_int_equal(((struct xen_feature_info *)ro)->submap, 0x55);
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_grant_table_op,
				 GNTTABOP_query_size, ro2, 1),
			 -XEN_EFAULT);
	munmap(ro, SIM_PAGE_SIZE);
	munmap(ro2, SIM_PAGE_SIZE);
}

/* Two cache flushes, the second past the end of the mapping: the first
 * is done (here, a probe), then -EFAULT. */
static void test_short_array_does_what_fits(void **state)
{
	struct hv *h = *state;
	struct guard g = {0};
	struct gnttab_cache_flush *cf = tail_of(&g, sizeof(*cf));
	struct gnttab_map_grant_ref *op;

	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_grant_table_op,
				 GNTTABOP_cache_flush, cf, 2),
			 -XEN_EFAULT);
	/* A map whose status is written back before the second element
	 * faults. */
	op = tail_of(&g, sizeof(*op));
	op->flags = 0;
	op->status = 99;
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_grant_table_op,
				 GNTTABOP_map_grant_ref, op, 2),
			 -XEN_EFAULT);
	assert_int_equal(op->status, GNTST_bad_gntref);
	munmap(g.p, 2 * SIM_PAGE_SIZE);
}

/* A list whose second entry is past the mapping: one extent done. */
static void test_short_list_counts_what_was_done(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	struct guard g = {0};
	xen_pfn_t *list = tail_of(&g, sizeof(xen_pfn_t));
	struct xen_memory_reservation r = {.nr_extents = 2,
					   .domid = DOMID_SELF};
	uint64_t gfn = u->gfn_base + 3;

	*list = gfn;
	set_xen_guest_handle(r.extent_start, list);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_decrease_reservation, &r, 0),
			 1);
	assert_int_equal(hv_mfn(u, gfn), SIM_INVALID_MFN);
	munmap(g.p, 2 * SIM_PAGE_SIZE);
}

/*
 * x86 PV: a list in Xen's part of the address space is refused before
 * any work (guest_handle_okay), so the input frames stay the guest's.
 */
static void test_x86_checks_list_range_first(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t in = hv_mfn(d, 500);
	struct xen_memory_exchange e = {0};
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .domid = DOMID_SELF};

	assert_int_equal(hv_pv_unmap(h, d, 500), 0);
	e.in.nr_extents = e.out.nr_extents = 1;
	e.in.domid = e.out.domid = DOMID_SELF;
	set_xen_guest_handle(e.in.extent_start, &in);
	set_xen_guest_handle(e.out.extent_start,
			     (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL);
	assert_int_equal(
		hv_call(h, d, __HYPERVISOR_memory_op, XENMEM_exchange, &e, 0),
		-XEN_EFAULT);
	assert_int_equal(hv_owner(h, in), 0);
	/* increase_reservation: nothing allocated. */
	set_xen_guest_handle(r.extent_start,
			     (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL);
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_increase_reservation, &r, 0),
			 0);
}

/*
 * x86 PV: an out list in range but unreadable.  Xen has stolen and
 * freed the input and assigned the output before it reads the gpfn:
 * -EFAULT, the chunk not counted, the input gone, the output the
 * guest's (it was never told which).
 */
static void test_x86_exchange_out_list_fault_after_commit(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t in = hv_mfn(d, 501);
	uint64_t owned = d->tot_pages;
	struct xen_memory_exchange e = {0};
	void *bad = unmapped();

	assert_int_equal(hv_pv_unmap(h, d, 501), 0);
	e.in.nr_extents = e.out.nr_extents = 1;
	e.in.domid = e.out.domid = DOMID_SELF;
	set_xen_guest_handle(e.in.extent_start, &in);
	set_xen_guest_handle(e.out.extent_start, (xen_pfn_t *)bad);
	assert_int_equal(
		hv_call(h, d, __HYPERVISOR_memory_op, XENMEM_exchange, &e, 0),
		-XEN_EFAULT);
	assert_int_equal(e.nr_exchanged, 0);
	assert_int_not_equal(hv_owner(h, in), 0);
	assert_int_equal(d->tot_pages, owned);
	munmap(bad, SIM_PAGE_SIZE);
}

/* ARM: no range check; with a NULL out list the input is looked at
 * first, and ARM cannot steal it (-EOPNOTSUPP, not -EFAULT). */
static void test_arm_steals_before_out_list(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	xen_pfn_t in = u->gfn_base + 9;
	struct xen_memory_exchange e = {0};

	e.in.nr_extents = e.out.nr_extents = 1;
	e.in.domid = e.out.domid = DOMID_SELF;
	set_xen_guest_handle(e.in.extent_start, &in);
	assert_int_equal(
		hv_call(h, u, __HYPERVISOR_memory_op, XENMEM_exchange, &e, 0),
		-XEN_EOPNOTSUPP);
	/* A NULL in list with work to do fails where it is copied. */
	set_xen_guest_handle(e.in.extent_start, (xen_pfn_t *)NULL);
	e.nr_exchanged = 0;
	assert_int_equal(
		hv_call(h, u, __HYPERVISOR_memory_op, XENMEM_exchange, &e, 0),
		-XEN_EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_arguments_fault,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments_fault,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_write_back_faults,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_short_array_does_what_fits,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_short_list_counts_what_was_done, hv_fx_setup_arm,
			hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_x86_checks_list_range_first, hv_fx_setup_x86,
			hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_x86_exchange_out_list_fault_after_commit,
			hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_steals_before_out_list,
						hv_fx_setup_arm,
						hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
