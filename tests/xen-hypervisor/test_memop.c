// SPDX-License-Identifier: MIT
/*
 * Ballooning (populate_physmap / decrease_reservation return the number
 * of extents done, never an errno), xen_version features per domain
 * kind, the PV MMU calls, unknown operations, and the counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static long reservation(struct hv *h, struct sim_domain *caller,
			unsigned long cmd, xen_pfn_t *list, unsigned long n,
			unsigned int order, domid_t domid)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = order,
		.domid = domid,
	};

	set_xen_guest_handle(r.extent_start, list);
	return hv_call(h, caller, __HYPERVISOR_memory_op, cmd, &r, 0);
}

static void test_arm_balloon(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t g = u->gfn_base + 40;
	xen_pfn_t list[4] = {g, g + 1, g + 2, g + 3};
	uint64_t old[4], free0 = sim_machine_free_frames(h->m);
	uint64_t pages0 = u->nr_pages;

	for (int i = 0; i < 4; i++)
		old[i] = hv_mfn(u, g + i);
	assert_int_equal(reservation(h, u, XENMEM_decrease_reservation, list, 4,
				     0, DOMID_SELF),
			 4);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(hv_mfn(u, g + i), SIM_INVALID_MFN);
		assert_int_equal(hv_owner(h, old[i]), SIM_DOMID_FREE);
	}
	assert_int_equal(sim_machine_free_frames(h->m), free0 + 4);
	assert_int_equal(u->nr_pages, pages0 - 4);

	/* Stops at the first page that is not the domain's RAM. */
	list[0] = g + 8;
	list[1] = g;
	list[2] = g + 9;
	assert_int_equal(reservation(h, u, XENMEM_decrease_reservation, list, 3,
				     0, DOMID_SELF),
			 1);
	/* Failures report progress, never an errno. */
	assert_int_equal(reservation(h, u, XENMEM_decrease_reservation, list, 3,
				     10, DOMID_SELF),
			 0);
	assert_int_equal(reservation(h, u, XENMEM_decrease_reservation, NULL, 3,
				     0, DOMID_SELF),
			 0);
	assert_int_equal(
		reservation(h, u, XENMEM_decrease_reservation, list, 3, 0, 0),
		0);
	assert_int_equal(
		reservation(h, u, XENMEM_decrease_reservation, list, 3, 0, 42),
		0);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_decrease_reservation, NULL, 0),
			 0);
	/* A continuation's progress in the command is honoured (start 2:
	 * above MEMOP_CMD_MASK, clear of the extension's numbers 40/41). */
	list[0] = g + 1;
	list[1] = g + 1;
	list[2] = g + 20;
	assert_int_equal(reservation(h, u,
				     XENMEM_decrease_reservation | (2UL << 6),
				     list, 3, 0, DOMID_SELF),
			 3);
	assert_int_equal(hv_mfn(u, g + 20), SIM_INVALID_MFN);

	/* Populate the holes back (fresh, scrubbed frames). */
	list[0] = g;
	list[1] = g + 2;
	assert_int_equal(reservation(h, u, XENMEM_populate_physmap, list, 2, 0,
				     DOMID_SELF),
			 2);
	assert_int_equal(list[0], g); /* translated: list untouched */
	assert_int_equal(hv_owner(h, hv_mfn(u, g)), 1);
	assert_int_equal(hv_page(u, g + 2)[7], 0);
	/* Over RAM too, as Xen's guest_physmap_add_page() does: the page
	 * mapped there before stays the domain's, mapped nowhere. */
	{
		uint64_t was = hv_mfn(u, g + 4);

		assert_int_not_equal(was, SIM_INVALID_MFN);
		list[0] = g + 3;
		list[1] = g + 4;
		assert_int_equal(reservation(h, u, XENMEM_populate_physmap,
					     list, 2, 0, DOMID_SELF),
				 2);
		assert_int_not_equal(hv_mfn(u, g + 4), was);
		assert_int_equal(hv_owner(h, was), 1);
	}
	/* address_bits too small, orders above the limit: nothing done. */
	{
		struct xen_memory_reservation r = {
			.nr_extents = 1,
			.mem_flags = XENMEMF_address_bits(12),
			.domid = DOMID_SELF,
		};

		list[0] = g + 8;
		set_xen_guest_handle(r.extent_start, list);
		assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
					 XENMEM_populate_physmap, &r, 0),
				 0);
	}
	assert_int_equal(reservation(h, u, XENMEM_populate_physmap, list, 1, 10,
				     DOMID_SELF),
			 0);
	assert_int_equal(hv_counter(h->x, "memory_op:decrease_reservation"), 8);
	assert_int_equal(hv_counter(h->x, "memory_op:populate_physmap"), 4);
}

/* A direct-mapped dom0 gets its very frames back (Xen keeps them). */
static void test_arm_1to1_balloon(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t g = d->gfn_base + 77;

	assert_int_equal(hv_balloon_out(h, d, g), 1);
	assert_int_equal(hv_mfn(d, g), SIM_INVALID_MFN);
	assert_int_equal(hv_owner(h, g), 0);
	assert_int_equal(reservation(h, d, XENMEM_populate_physmap, &g, 1, 0,
				     DOMID_SELF),
			 1);
	assert_int_equal(hv_mfn(d, g), g);
	/* A frame that is not its own cannot be populated 1:1. */
	g = hv_mfn(h->domu, h->domu->gfn_base);
	assert_int_equal(reservation(h, d, XENMEM_populate_physmap, &g, 1, 0,
				     DOMID_SELF),
			 0);
}

static void test_pv_balloon(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t g = 50, mfn = hv_mfn(d, g);

	/* Still in the guest's page tables: Xen keeps it referenced. */
	assert_int_equal(reservation(h, d, XENMEM_decrease_reservation, &mfn, 1,
				     0, DOMID_SELF),
			 0);
	assert_int_equal(hv_owner(h, mfn), 0);
	assert_int_equal(hv_balloon_out(h, d, g), 1);
	assert_int_equal(hv_owner(h, mfn), SIM_DOMID_FREE);
	/* PV populate returns the machine frame for the guest to map. */
	mfn = g;
	assert_int_equal(reservation(h, d, XENMEM_populate_physmap, &mfn, 1, 2,
				     DOMID_SELF),
			 1);
	assert_int_equal(mfn % 4, 0);
	for (int k = 0; k < 4; k++)
		assert_int_equal(hv_owner(h, mfn + k), 0);
	assert_int_equal(hv_pv_map(h, d, g, mfn), 0);
	hv_page(d, g)[1] = 9;
	assert_int_equal(hv_frame(h, mfn)[1], 9);
	/* The domU cannot balloon dom0. */
	mfn = hv_mfn(d, 60);
	assert_int_equal(reservation(h, h->domu, XENMEM_decrease_reservation,
				     &mfn, 1, 0, 0),
			 0);
}

/*
 * increase_reservation: extents for the domain, mapped nowhere.  PV is
 * told the machine frames (below address_bits); without a list, or for
 * a translated guest, nothing is told and nothing is mapped.
 */
static void test_pv_increase_reservation(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t list[3] = {0, 0, 0};
	uint64_t free0 = sim_machine_free_frames(h->m);
	struct xen_memory_reservation r = {
		.nr_extents = 3,
		.extent_order = 1,
		.domid = DOMID_SELF,
		.mem_flags = XENMEMF_address_bits(24),
	};

	set_xen_guest_handle(r.extent_start, list);
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_increase_reservation, &r, 0),
			 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(list[i] % 2, 0);
		assert_true(list[i] + 1 < (1ULL << (24 - 12)));
		assert_int_equal(hv_owner(h, list[i]), 0);
		assert_int_equal(hv_owner(h, list[i] + 1), 0);
	}
	assert_int_equal(sim_machine_free_frames(h->m), free0 - 6);
	/* The guest maps one and writes through it. */
	assert_int_equal(hv_balloon_out(h, d, 70), 1);
	assert_int_equal(hv_pv_map(h, d, 70, list[0]), 0);
	hv_page(d, 70)[5] = 7;
	assert_int_equal(hv_frame(h, list[0])[5], 7);
	/* No list: allocated all the same, nothing told. */
	assert_int_equal(reservation(h, d, XENMEM_increase_reservation, NULL, 2,
				     0, DOMID_SELF),
			 2);
	assert_int_equal(sim_machine_free_frames(h->m), free0 - 6 - 2 + 1);
	/* Failures report progress: order too large, no such domain,
	 * address_bits no frame fits, someone else's domain. */
	assert_int_equal(reservation(h, d, XENMEM_increase_reservation, list, 1,
				     30, DOMID_SELF),
			 0);
	assert_int_equal(
		reservation(h, d, XENMEM_increase_reservation, list, 1, 0, 42),
		0);
	r.nr_extents = 1;
	r.extent_order = 0;
	r.mem_flags = XENMEMF_address_bits(12);
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_increase_reservation, &r, 0),
			 0);
	assert_int_equal(reservation(h, h->domu, XENMEM_increase_reservation,
				     list, 1, 0, 0),
			 0);
	assert_int_equal(hv_counter(h->x, "memory_op:increase_reservation"), 6);
}

static void test_arm_increase_reservation(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t g = u->gfn_base + 40;
	xen_pfn_t list[2] = {g, g + 1};
	struct hv_snapshot s;
	uint64_t free0 = sim_machine_free_frames(h->m);
	uint64_t mfn0 = hv_mfn(u, g);

	/* A translated guest's list is not read or written, its p2m not
	 * touched: the frames are its own, reachable from nowhere. */
	assert_int_equal(reservation(h, u, XENMEM_increase_reservation, list, 2,
				     0, DOMID_SELF),
			 2);
	assert_int_equal(list[0], g);
	assert_int_equal(list[1], g + 1);
	assert_int_equal(hv_mfn(u, g), mfn0);
	assert_int_equal(sim_machine_free_frames(h->m), free0 - 2);
	/* And a call that can do nothing changes nothing. */
	hv_snapshot_take(h, u, &s);
	assert_int_equal(reservation(h, u, XENMEM_increase_reservation, list, 2,
				     12, DOMID_SELF),
			 0);
	assert_true(hv_snapshot_same(h, u, &s));
}

static uint32_t features(struct hv *h, struct sim_domain *d)
{
	struct xen_feature_info fi = {.submap_idx = 0};

	assert_int_equal(hv_call(h, d, __HYPERVISOR_xen_version,
				 XENVER_get_features, &fi, 0),
			 0);
	return fi.submap;
}

#define F(x) (1U << XENFEAT_##x)

static void test_arm_features(void **state)
{
	struct hv *h = *state;
	uint32_t f0 = features(h, h->dom0), fu = features(h, h->domu);
	struct xen_feature_info fi = {.submap_idx = 1};

	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_xen_version,
				 XENVER_version, NULL, 0),
			 (4 << 16) | 17);
	assert_true(f0 & F(auto_translated_physmap));
	assert_true(f0 & F(dom0));
	assert_true(f0 & F(not_direct_mapped));
	assert_false(f0 & F(direct_mapped));
	assert_true(fu & F(auto_translated_physmap));
	assert_false(fu & F(dom0));
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_xen_version,
				 XENVER_get_features, &fi, 0),
			 -XEN_EINVAL);
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_xen_version,
				 XENVER_get_features, NULL, 0),
			 -XEN_EFAULT);
	/* PV-only calls on ARM; unknown calls anywhere. */
	assert_int_equal(
		hv_call(h, h->dom0, __HYPERVISOR_update_va_mapping, 0, NULL, 0),
		-XEN_ENOSYS);
	assert_int_equal(
		hv_call(h, h->dom0, __HYPERVISOR_mmu_update, 0, NULL, 0),
		-XEN_ENOSYS);
	assert_int_equal(hv_call(h, h->dom0, __HYPERVISOR_sched_op, 0, NULL, 0),
			 -XEN_ENOSYS);
	assert_int_equal(
		hv_call(h, h->dom0, __HYPERVISOR_memory_op, 63, NULL, 0),
		-XEN_ENOSYS);
	assert_int_equal(hv_counter(h->x, "xen_version:get_features"), 4);
	assert_int_equal(hv_counter(h->x, "xen_version:version"), 1);
	assert_int_equal(hv_counter(h->x, "unknown"), 1);
	assert_int_equal(hv_counter(h->x, "memory_op:unknown"), 1);
}

static void test_arm_1to1_features(void **state)
{
	struct hv *h = *state;
	uint32_t f0 = features(h, h->dom0), fu = features(h, h->domu);

	assert_true(f0 & F(direct_mapped));
	assert_false(f0 & F(not_direct_mapped));
	assert_true(fu & F(not_direct_mapped));
}

static void test_pv_features_and_mmu(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint32_t f0 = features(h, d);
	uint64_t mine = hv_mfn(d, 3),
		 theirs = hv_mfn(h->domu, h->domu->gfn_base);
	struct mmu_update req[2] = {
		{(mine << 12) | MMU_MACHPHYS_UPDATE, 3},
		{(theirs << 12) | MMU_MACHPHYS_UPDATE, 4},
	};
	unsigned int done = 99;

	assert_false(f0 & F(auto_translated_physmap));
	/* common/kernel.c: a PV guest is reported direct-mapped. */
	assert_true(f0 & F(direct_mapped));
	assert_true(f0 & F(dom0));
	assert_int_equal(hv_call(h, d, __HYPERVISOR_mmu_update,
				 (unsigned long)req, (void *)2,
				 (unsigned long)&done),
			 -XEN_EINVAL);
	assert_int_equal(done, 1);
	req[0].ptr = (mine << 12) | MMU_NORMAL_PT_UPDATE;
	assert_int_equal(hv_call(h, d, __HYPERVISOR_mmu_update,
				 (unsigned long)req, (void *)1,
				 (unsigned long)&done),
			 -XEN_ENOSYS);
	/* update_va_mapping outside the linear map, or with a frame the
	 * caller does not own. */
	assert_int_equal(hv_call(h, d, __HYPERVISOR_update_va_mapping, 4096,
				 (void *)((mine << 12) | 1), 0),
			 -XEN_EINVAL);
	assert_int_equal(hv_pv_map(h, d, 3, theirs), -XEN_EINVAL);
	assert_int_equal(hv_mfn(d, 3), mine);
	/* add_to_physmap means nothing to a PV guest. */
	{
		struct xen_add_to_physmap xatp = {
			.domid = DOMID_SELF,
			.space = XENMAPSPACE_grant_table,
		};

		assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
					 XENMEM_add_to_physmap, &xatp, 0),
				 -XEN_EACCES);
	}
}

/*
 * A multicall of update_va_mapping entries (how a PV guest remaps after
 * an exchange): each entry's own result, the same p2m as one call per
 * page, the page really reachable again, and no nesting.
 */
static void test_pv_multicall(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	const uint64_t gfn = 10, n = 4;
	uint64_t mfn[4], theirs = hv_mfn(h->domu, h->domu->gfn_base);
	struct multicall_entry mc[10];
	uint64_t before = hv_counter(h->x, "update_va_mapping");
	uint64_t untouched = hv_mfn(d, gfn + n);

	memset(mc, 0, sizeof(mc));
	for (uint64_t i = 0; i < n; i++) {
		unsigned long va = (unsigned long)hv_page(d, gfn + i);

		mfn[i] = hv_mfn(d, gfn + i);
		mc[i].op = __HYPERVISOR_update_va_mapping;
		mc[i].args[0] = va;
		mc[n + i].op = __HYPERVISOR_update_va_mapping;
		mc[n + i].args[0] = va;
		mc[n + i].args[1] = (mfn[i] << 12) | 0x63;
	}
	/* A frame the caller does not own, and a nested multicall. */
	mc[8].op = __HYPERVISOR_update_va_mapping;
	mc[8].args[0] = (unsigned long)hv_page(d, gfn + n);
	mc[8].args[1] = (theirs << 12) | 0x63;
	mc[9].op = __HYPERVISOR_multicall;

	assert_int_equal(hv_call(h, d, __HYPERVISOR_multicall,
				 (unsigned long)mc, (void *)10, 0),
			 0);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal((long)mc[i].result, 0);
	assert_int_equal((long)mc[8].result, -XEN_EINVAL);
	assert_int_equal((long)mc[9].result, -XEN_EINVAL);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(hv_mfn(d, gfn + i), mfn[i]);
		hv_page(d, gfn + i)[7] = 0x5a;
		assert_int_equal(hv_frame(h, mfn[i])[7], 0x5a);
	}
	assert_int_equal(hv_mfn(d, gfn + n), untouched);
	assert_int_equal(hv_counter(h->x, "update_va_mapping") - before, 9);
	assert_int_equal(hv_counter(h->x, "multicall"), 1);
}

/* A domain the hypervisor does not know cannot call it. */
static void test_unregistered_caller(void **state)
{
	struct hv *h = *state;
	struct sim_domain *stranger;

	assert_int_equal(
		sim_domain_create(&stranger, h->m, 5, 0x40000, 16, false, 4, 1),
		0);
	assert_int_equal(hv_call(h, stranger, __HYPERVISOR_xen_version,
				 XENVER_version, NULL, 0),
			 -XEN_ESRCH);
	assert_null(sim_xen_domain(h->x, 5));
	assert_ptr_equal(sim_xen_domain(h->x, 1), h->domu);
	assert_int_equal(sim_xen_add_domain(h->x, h->domu, false), -XEN_EEXIST);
	sim_domain_destroy(stranger);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_arm_balloon, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_1to1_balloon,
						hv_fx_setup_arm_1to1,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_pv_balloon, hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm_features, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_1to1_features,
						hv_fx_setup_arm_1to1,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_features_and_mmu,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_pv_multicall, hv_fx_setup_x86, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_increase_reservation,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_increase_reservation,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_unregistered_caller,
						hv_fx_setup_arm,
						hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
