// SPDX-License-Identifier: MIT
/*
 * The physmap as real Xen 4.17 keeps it (tools/xen-conformance measured
 * every case below on arm64, arm32 and x86 PV):
 *
 *   - p2m_set_entry() maps over whatever a gfn held: populate_physmap,
 *     a grant host mapping and add_to_physmap replace RAM (which stays
 *     the domain's) and forget a Xen page that was there;
 *   - a Xen page (grant-table frame, shared_info) is mapped at one gfn
 *     at a time: -EBUSY until it is unmapped; asking for a grant frame
 *     past the table grows it;
 *   - a 1:1 domain gives up gfns with decrease_reservation or
 *     remove_from_physmap whatever is mapped there, if the frame is its
 *     own, and gets its own frames back with populate_physmap;
 *   - Xen on 32-bit ARM keeps frame numbers in an unsigned long.
 *
 * The model refused all of these ("model checks") or did not know them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static long memop(struct hv *h, struct sim_domain *d, unsigned long cmd,
		  const void *arg)
{
	return hv_call(h, d, __HYPERVISOR_memory_op, cmd, arg, 0);
}

static long one(struct hv *h, struct sim_domain *d, unsigned int cmd,
		xen_pfn_t gfn, unsigned int order, unsigned int flags)
{
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .extent_order = order,
					   .mem_flags = flags,
					   .domid = DOMID_SELF};

	set_xen_guest_handle(r.extent_start, &gfn);
	return memop(h, d, cmd, &r);
}

static long add(struct hv *h, struct sim_domain *d, unsigned int space,
		xen_ulong_t idx, xen_pfn_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gpfn};

	return memop(h, d, XENMEM_add_to_physmap, &xatp);
}

static long removal(struct hv *h, struct sim_domain *d, xen_pfn_t gpfn)
{
	struct xen_remove_from_physmap xrfp = {.domid = DOMID_SELF,
					       .gpfn = gpfn};

	return memop(h, d, XENMEM_remove_from_physmap, &xrfp);
}

/* 1:1: populating a mapped own page maps it again; a hole or someone
 * else's frame is refused; populate-on-demand on oneself is refused. */
static void test_1to1_populate_over_itself(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t g = d->gfn_base + 10;

	memset(hv_page(d, g), 0x42, SIM_PAGE_SIZE);
	assert_int_equal(one(h, d, XENMEM_populate_physmap, g, 0, 0), 1);
	assert_int_equal(hv_mfn(d, g), g);
	assert_int_equal(hv_page(d, g)[100], 0x42);
	/* No allocation, so address bits do not matter... */
	assert_int_equal(one(h, d, XENMEM_populate_physmap, g, 0,
			     XENMEMF_address_bits(13)),
			 1);
	/* ...but a page or less is refused up front. */
	assert_int_equal(one(h, d, XENMEM_populate_physmap, g, 0,
			     XENMEMF_address_bits(12)),
			 0);
	assert_int_equal(one(h, d, XENMEM_populate_physmap, g, 0,
			     XENMEMF_populate_on_demand),
			 0);
}

/* 1:1: a grant-table frame and a grant mapping leave the p2m with
 * decrease_reservation (the frames behind them are the domain's own). */
static void test_1to1_decrease_whatever_is_mapped(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t hole = d->gfn_base + d->nr_gfns - 1;
	uint64_t tot = d->tot_pages;

	assert_int_equal(hv_balloon_out(h, d, hole), 1);
	assert_int_equal(d->tot_pages, tot); /* 1:1 keeps the frame */
	assert_int_equal(add(h, d, XENMAPSPACE_grant_table, 0, hole), 0);
	assert_int_equal(one(h, d, XENMEM_decrease_reservation, hole, 0, 0), 1);
	assert_int_equal(hv_mfn(d, hole), SIM_INVALID_MFN);
	/* The frame forgot where it was: it maps again. */
	assert_int_equal(add(h, d, XENMAPSPACE_grant_table, 0, hole), 0);
	assert_int_equal(removal(h, d, hole), 0);
	assert_int_equal(one(h, d, XENMEM_populate_physmap, hole, 0, 0), 1);
}

/* A Xen page maps at one gfn at a time; an index past the table grows
 * it; over RAM it replaces the page (still the domain's); an index is
 * an unsigned int inside Xen. */
static void test_grant_frames(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t g = u->gfn_base + 50, was = hv_mfn(u, g);
	struct gnttab_query_size qs = {.dom = DOMID_SELF};

	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 0, g), 0);
	assert_int_not_equal(hv_mfn(u, g), was);
	assert_int_equal(hv_owner(h, was), 1);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 0, g + 1),
			 -XEN_EBUSY);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 1ULL << 32, g + 1),
			 -XEN_EBUSY);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 3, g + 1), 0);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_grant_table_op,
				 GNTTABOP_query_size, &qs, 1),
			 0);
	assert_int_equal(qs.nr_frames, 4);
	assert_int_equal(qs.max_nr_frames, 64);
	/* Populating over it forgets its gfn too. */
	assert_int_equal(one(h, u, XENMEM_populate_physmap, g + 1, 0, 0), 1);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 3, g + 2), 0);
}

/* shared_info: one page, mapped once; the other spaces' answers. */
static void test_other_spaces(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t g = u->gfn_base + 60;

	assert_int_equal(add(h, u, XENMAPSPACE_shared_info, 1, g), -XEN_EINVAL);
	assert_int_equal(add(h, u, XENMAPSPACE_shared_info, 0, g), 0);
	assert_int_equal(add(h, u, XENMAPSPACE_shared_info, 0, g + 1),
			 -XEN_EBUSY);
	assert_int_equal(removal(h, u, g), 0);
	assert_int_equal(add(h, u, XENMAPSPACE_shared_info, 0, g + 1), 0);
	assert_int_equal(add(h, u, XENMAPSPACE_gmfn_range, 0, g), 0);
	assert_int_equal(add(h, u, XENMAPSPACE_gmfn, 0, g), -XEN_ENOSYS);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 0, ~0ULL),
			 -XEN_EINVAL);
	{
		struct xen_add_to_physmap xatp = {.domid = DOMID_SELF};

		assert_int_equal(memop(h, u,
				       XENMEM_add_to_physmap | (0x10000UL << 6),
				       &xatp),
				 -XEN_EDOM);
	}
}

/* A grant mapping leaves the physmap with remove_from_physmap; its
 * unmap then finds a hole and succeeds. */
static void test_remove_grant_mapping(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0, *u = h->domu;
	uint64_t hole = d->gfn_base + d->nr_gfns - 2;
	grant_entry_v1_t *e;
	struct gnttab_map_grant_ref map = {0};
	struct gnttab_unmap_grant_ref unmap = {0};

	e = sim_xen_grant_entry(u, 9);
	e->frame = (uint32_t)(u->gfn_base + 7);
	e->domid = 0;
	e->flags = GTF_permit_access;
	assert_int_equal(hv_balloon_out(h, d, hole), 1);
	map.host_addr = hole << 12;
	map.flags = GNTMAP_host_map;
	map.ref = 9;
	map.dom = 1;
	assert_int_equal(hv_call(h, d, __HYPERVISOR_grant_table_op,
				 GNTTABOP_map_grant_ref, &map, 1),
			 0);
	assert_int_equal(map.status, GNTST_okay);
	assert_int_equal(removal(h, d, hole), 0);
	assert_int_equal(hv_mfn(d, hole), SIM_INVALID_MFN);
	unmap.host_addr = hole << 12;
	unmap.handle = map.handle;
	assert_int_equal(hv_call(h, d, __HYPERVISOR_grant_table_op,
				 GNTTABOP_unmap_grant_ref, &unmap, 1),
			 0);
	assert_int_equal(unmap.status, GNTST_okay);
	assert_int_equal(e->flags, GTF_permit_access);
}

/* Xen on 32-bit ARM: a frame number keeps its low 32 bits, and its
 * INVALID_GFN is 0xffffffff. */
static void test_arm32_frames(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t g = u->gfn_base + 70;
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 2};
	xen_pfn_t frames[2] = {0, 0};

	h->x->long_bits = 32;
	assert_int_equal(
		add(h, u, XENMAPSPACE_grant_table, 0, (1ULL << 32) + g), 0);
	assert_int_equal(hv_owner(h, hv_mfn(u, g)), SIM_DOMID_XEN);
	assert_int_equal(add(h, u, XENMAPSPACE_grant_table, 1, 0xffffffffULL),
			 -XEN_EINVAL);
	set_xen_guest_handle(st.frame_list, frames);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_grant_table_op,
				 GNTTABOP_setup_table, &st, 1),
			 0);
	assert_int_equal(st.status, GNTST_okay);
	assert_int_equal(frames[0], g);
	assert_int_equal(frames[1], 0xffffffffULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_1to1_populate_over_itself,
						hv_fx_setup_arm_1to1,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_1to1_decrease_whatever_is_mapped,
			hv_fx_setup_arm_1to1, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_grant_frames, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_other_spaces, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_remove_grant_mapping,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm32_frames, hv_fx_setup_arm, hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
