// SPDX-License-Identifier: MIT
/*
 * Grant tables: reaching the table as a guest does, map/unmap with
 * Xen's statuses, GTF_reading/GTF_writing, device access through a
 * grant, and GNTTABOP_cache_flush's validation and effect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

/* The domU's page it grants, and the dom0 page it maps it at. */
#define GRANTED 10
#define MAP_AT 20

/* The front end writes an entry, flags last (as Linux does). */
static void grant(grant_entry_v1_t *table, unsigned int ref, domid_t to,
		  uint32_t frame, bool readonly)
{
	table[ref].domid = to;
	table[ref].frame = frame;
	__atomic_store_n(&table[ref].flags,
			 GTF_permit_access | (readonly ? GTF_readonly : 0),
			 __ATOMIC_RELEASE);
}

static long grant_op(struct hv *h, struct sim_domain *caller, unsigned int cmd,
		     void *ops, unsigned int count)
{
	return hv_call(h, caller, __HYPERVISOR_grant_table_op, cmd, ops, count);
}

static int16_t map(struct hv *h, struct gnttab_map_grant_ref *op,
		   uint64_t host_addr, uint32_t flags, grant_ref_t ref,
		   domid_t dom)
{
	memset(op, 0, sizeof(*op));
	op->host_addr = host_addr;
	op->flags = flags;
	op->ref = ref;
	op->dom = dom;
	op->handle = 0xffff;
	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_map_grant_ref, op, 1),
			 0);
	return op->status;
}

static int16_t unmap(struct hv *h, uint64_t host_addr, uint64_t dev_bus_addr,
		     grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = host_addr,
		.dev_bus_addr = dev_bus_addr,
		.handle = handle,
	};

	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_unmap_grant_ref, &op, 1),
			 0);
	return op.status;
}

/* ARM: the domU maps its table with add_to_physmap at a ballooned gfn
 * and sees the very frame the hypervisor reads. */
static grant_entry_v1_t *arm_map_table(struct hv *h, struct sim_domain *d)
{
	uint64_t gfn = d->gfn_base + d->nr_gfns - 1;
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = 0,
		.gpfn = gfn,
	};
	unsigned int nr;
	grant_entry_v1_t *mine, *xens;

	/* Over a hole (a ballooned page, as Linux maps it); an index past
	 * the table's maximum is refused; mapped once, the frame cannot be
	 * mapped again anywhere (-EBUSY: unmap it first). */
	assert_int_equal(hv_balloon_out(h, d, gfn), 1);
	xatp.idx = 64; /* Xen's gnttab_max_frames: indexes 0..63 */
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_add_to_physmap, &xatp, 0),
			 -XEN_EINVAL);
	xatp.idx = 0;
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_add_to_physmap, &xatp, 0),
			 0);
	xatp.gpfn = gfn - 1;
	assert_int_equal(hv_call(h, d, __HYPERVISOR_memory_op,
				 XENMEM_add_to_physmap, &xatp, 0),
			 -XEN_EBUSY);
	xatp.gpfn = gfn;
	mine = (grant_entry_v1_t *)hv_page(d, gfn);
	xens = sim_xen_grant_entries(d, &nr);
	assert_int_equal(nr, 512);
	mine[511].frame = 0x1234;
	assert_int_equal(xens[511].frame, 0x1234);
	mine[511].frame = 0;
	return mine;
}

/* ARM: the table leaves the physmap with remove_from_physmap, and the
 * ballooned page can be populated again. */
static void test_arm_table_remove(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu;
	uint64_t gfn = u->gfn_base + u->nr_gfns - 1;
	struct xen_remove_from_physmap xrfp = {.domid = DOMID_SELF,
					       .gpfn = gfn};
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .domid = DOMID_SELF};
	xen_pfn_t frame = gfn;

	arm_map_table(h, u);
	xrfp.domid = 0;
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_remove_from_physmap, &xrfp, 0),
			 -XEN_EPERM);
	xrfp.domid = 4;
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_remove_from_physmap, &xrfp, 0),
			 -XEN_ESRCH);
	xrfp.domid = DOMID_SELF;
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_remove_from_physmap, &xrfp, 0),
			 0);
	assert_int_equal(hv_mfn(u, gfn), SIM_INVALID_MFN);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_remove_from_physmap, &xrfp, 0),
			 -XEN_ENOENT);
	set_xen_guest_handle(r.extent_start, &frame);
	assert_int_equal(hv_call(h, u, __HYPERVISOR_memory_op,
				 XENMEM_populate_physmap, &r, 0),
			 1);
	assert_int_equal(hv_owner(h, hv_mfn(u, gfn)), 1);
}

static void test_arm_map_unmap(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu, *d0 = h->dom0;
	uint64_t granted = u->gfn_base + GRANTED, at = d0->gfn_base + MAP_AT;
	uint64_t mfn = hv_mfn(u, granted);
	grant_entry_v1_t *table = arm_map_table(h, u);
	struct gnttab_map_grant_ref op;
	grant_handle_t handle;

	grant(table, 5, 0, granted, false);
	memset(hv_page(u, granted), 0x77, SIM_PAGE_SIZE);
	assert_int_equal(hv_balloon_out(h, d0, at), 1);

	/* What real Xen on ARM refuses. */
	assert_int_equal(map(h, &op, at << 12,
			     GNTMAP_host_map | GNTMAP_device_map, 5, 1),
			 GNTST_general_error);
	assert_int_equal(map(h, &op, 0, GNTMAP_device_map, 5, 1),
			 GNTST_general_error);
	assert_int_equal(map(h, &op, at << 12, 0, 5, 1), GNTST_bad_gntref);
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 512, 1),
			 GNTST_bad_gntref);
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 5, 9),
			 GNTST_bad_domain);
	/* A grant not granted (empty entry, or granted to someone else). */
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 6, 1),
			 GNTST_general_error);
	grant(table, 7, 3, granted, false);
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 7, 1),
			 GNTST_general_error);
	/* Host address over RAM: mapped over it (Xen's p2m_set_entry), the
	 * page that was there still dom0's; unmapped, it leaves a hole,
	 * which populate fills again. */
	{
		uint64_t was = hv_mfn(d0, at + 1);
		struct gnttab_unmap_grant_ref un = {.host_addr = (at + 1)
								 << 12};
		xen_pfn_t back = at + 1;
		struct xen_memory_reservation r = {.nr_extents = 1,
						   .domid = DOMID_SELF};

		assert_int_equal(
			map(h, &op, (at + 1) << 12, GNTMAP_host_map, 5, 1),
			GNTST_okay);
		assert_int_equal(hv_mfn(d0, at + 1), mfn);
		assert_int_equal(hv_owner(h, was), 0);
		un.handle = op.handle;
		assert_int_equal(
			grant_op(h, d0, GNTTABOP_unmap_grant_ref, &un, 1), 0);
		assert_int_equal(un.status, GNTST_okay);
		set_xen_guest_handle(r.extent_start, &back);
		assert_int_equal(hv_call(h, d0, __HYPERVISOR_memory_op,
					 XENMEM_populate_physmap, &r, 0),
				 1);
	}
	/* A frame that is not the granter's RAM. */
	grant(table, 8, 0, u->gfn_base + u->nr_gfns + 5, false);
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 8, 1),
			 GNTST_bad_page);
	assert_int_equal(table[8].flags, GTF_permit_access);
	assert_int_equal(table[5].flags, GTF_permit_access);
	assert_int_equal(hv_mfn(d0, at), SIM_INVALID_MFN);

	/* The host mapping. */
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 5, 1),
			 GNTST_okay);
	handle = op.handle;
	assert_int_equal(op.dev_bus_addr, mfn << 12);
	assert_int_equal(hv_mfn(d0, at), mfn);
	assert_int_equal(hv_page(d0, at)[123], 0x77);
	assert_int_equal(table[5].flags,
			 GTF_permit_access | GTF_reading | GTF_writing);
	assert_true(sim_xen_dev_may_access(h->x, d0, mfn, true));
	/* The granted page is referenced: not stolen, not relocated. */
	h->x->relocation = true;
	for (int i = 0; i < 2000; i++)
		sim_xen_maybe_relocate(h->x);
	assert_int_equal(hv_mfn(u, granted), mfn);

	/* Unmap: wrong handle, wrong address, then the real thing. */
	assert_int_equal(unmap(h, at << 12, 0, 1000), GNTST_bad_handle);
	assert_int_equal(unmap(h, at << 12, 0, 4000), GNTST_bad_handle);
	assert_int_equal(unmap(h, (at + 2) << 12, 0, handle),
			 GNTST_general_error);
	/* A bus address is looked at only for a mapping with a device part
	 * (Xen's unmap_common); this one has none, so the unmap goes
	 * through. */
	assert_int_equal(unmap(h, at << 12, (mfn + 1) << 12, handle),
			 GNTST_okay);
	assert_int_equal(unmap(h, at << 12, 0, handle), GNTST_bad_handle);
	assert_int_equal(hv_mfn(d0, at), SIM_INVALID_MFN);
	assert_int_equal(table[5].flags, GTF_permit_access);
	assert_false(sim_xen_dev_may_access(h->x, d0, mfn, false));
	assert_int_equal(unmap(h, at << 12, 0, handle), GNTST_bad_handle);
	assert_int_equal(hv_counter(h->x, "grant_table_op:map_grant_ref"), 10);
	assert_int_equal(hv_counter(h->x, "grant_table_op:unmap_grant_ref"), 7);
}

static void test_arm_readonly_grant(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu, *d0 = h->dom0;
	uint64_t granted = u->gfn_base + GRANTED, at = d0->gfn_base + MAP_AT;
	uint64_t mfn = hv_mfn(u, granted);
	grant_entry_v1_t *table = sim_xen_grant_entries(u, NULL);
	struct gnttab_map_grant_ref op;
	enum sim_p2m_type type;

	grant(table, 9, 0, granted, true);
	assert_int_equal(hv_balloon_out(h, d0, at), 1);
	/* A write through a read-only grant. */
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 9, 1),
			 GNTST_general_error);
	assert_int_equal(table[9].flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(hv_mfn(d0, at), SIM_INVALID_MFN);

	assert_int_equal(
		map(h, &op, at << 12, GNTMAP_host_map | GNTMAP_readonly, 9, 1),
		GNTST_okay);
	assert_int_equal(sim_domain_gfn_to_mfn(d0, at, &type), mfn);
	assert_int_equal(type, SIM_P2M_FOREIGN_RO);
	assert_int_equal(table[9].flags,
			 GTF_permit_access | GTF_readonly | GTF_reading);
	assert_true(sim_xen_dev_may_access(h->x, d0, mfn, false));
	assert_false(sim_xen_dev_may_access(h->x, d0, mfn, true));
	/* The granter cannot revoke a writable pin it never gave, and a
	 * second read-only mapping is accepted at another page. */
	assert_int_equal(hv_balloon_out(h, d0, at + 1), 1);
	assert_int_equal(map(h, &op, (at + 1) << 12,
			     GNTMAP_host_map | GNTMAP_readonly, 9, 1),
			 GNTST_okay);
	assert_int_equal(unmap(h, (at + 1) << 12, 0, op.handle), GNTST_okay);
	assert_int_equal(table[9].flags,
			 GTF_permit_access | GTF_readonly | GTF_reading);
}

static long flush(struct hv *h, struct sim_domain *caller, uint64_t ma,
		  uint16_t offset, uint16_t length, uint32_t op)
{
	struct gnttab_cache_flush c = {
		.a.dev_bus_addr = ma,
		.offset = offset,
		.length = length,
		.op = op,
	};

	return grant_op(h, caller, GNTTABOP_cache_flush, &c, 1);
}

static void test_arm_cache_flush(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu, *d0 = h->dom0;
	uint64_t granted = u->gfn_base + GRANTED, at = d0->gfn_base + MAP_AT;
	uint64_t mfn = hv_mfn(u, granted), free_mfn, ma = mfn << 12;
	uint64_t own = hv_mfn(d0, d0->gfn_base) << 12;
	grant_entry_v1_t *table = sim_xen_grant_entries(u, NULL);
	struct gnttab_map_grant_ref op;
	int64_t idx = sim_mfn_index(h->m, mfn);
	uint8_t *dram = h->m->d + idx * SIM_PAGE_SIZE;

	for (free_mfn = HV_ARM_BASE >> 12;
	     hv_owner(h, free_mfn) != SIM_DOMID_FREE; free_mfn++)
		;
	/* Argument checks come first: on the caller's own page, which it
	 * may otherwise flush, only the arguments are wrong. */
	assert_int_equal(flush(h, d0, own, 4000, 200, GNTTAB_CACHE_CLEAN),
			 -XEN_EINVAL);
	assert_int_equal(flush(h, d0, own, 4096, 0, GNTTAB_CACHE_CLEAN),
			 -XEN_EINVAL);
	assert_int_equal(flush(h, d0, own, 0, 64, 1U << 5), -XEN_EINVAL);
	assert_int_equal(flush(h, d0, own, 0, 64,
			       GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN),
			 -XEN_EINVAL);
	/* Linux's probe. */
	assert_int_equal(flush(h, d0, 0, 0, 0, GNTTAB_CACHE_CLEAN), 0);
	/* Not owned by anyone with a grant table; not RAM. */
	assert_int_equal(
		flush(h, d0, free_mfn << 12, 0, 64, GNTTAB_CACHE_CLEAN),
		-XEN_EPERM);
	assert_int_equal(flush(h, d0, 1ULL << 45, 0, 64, GNTTAB_CACHE_CLEAN),
			 -XEN_EINVAL);
	/* Another domain's page that was not granted and mapped to us. */
	assert_int_equal(flush(h, d0, ma, 0, 64, GNTTAB_CACHE_CLEAN),
			 -XEN_EINVAL);

	/* A mapping of that page by someone else does not count: the domU
	 * maps its own grant, dom0 still may not flush the page. */
	{
		struct gnttab_map_grant_ref self = {
			.flags = GNTMAP_host_map,
			.ref = 4,
			.dom = 1,
		};
		uint64_t hole = u->gfn_base + 30;

		grant(table, 4, 1, granted, false);
		assert_int_equal(hv_balloon_out(h, u, hole), 1);
		self.host_addr = hole << 12;
		assert_int_equal(
			grant_op(h, u, GNTTABOP_map_grant_ref, &self, 1), 0);
		assert_int_equal(self.status, GNTST_okay);
		assert_int_equal(flush(h, d0, ma, 0, 64, GNTTAB_CACHE_CLEAN),
				 -XEN_EINVAL);
		assert_int_equal(flush(h, u, ma, 0, 64, GNTTAB_CACHE_CLEAN), 0);
	}
	grant(table, 3, 0, granted, false);
	assert_int_equal(hv_balloon_out(h, d0, at), 1);
	assert_int_equal(map(h, &op, at << 12, GNTMAP_host_map, 3, 1),
			 GNTST_okay);
	/* CPU stores stay in the cache until cleaned. */
	memset(hv_page(d0, at), 0x42, 256);
	assert_int_not_equal(dram[0], 0x42);
	assert_int_equal(flush(h, d0, ma | 0x123, 0, 128, GNTTAB_CACHE_CLEAN),
			 0);
	assert_int_equal(dram[0], 0x42);
	assert_int_equal(dram[127], 0x42);
	assert_int_not_equal(dram[128], 0x42);
	/* A device writes DRAM; invalidate makes the CPU see it. */
	memset(dram + 1024, 0x99, 64);
	assert_int_not_equal(hv_page(d0, at)[1024], 0x99);
	assert_int_equal(flush(h, d0, ma, 1024, 64, GNTTAB_CACHE_INVAL), 0);
	assert_int_equal(hv_page(d0, at)[1024], 0x99);
	assert_int_equal(flush(h, d0, ma, 128, 128,
			       GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL),
			 0);
	assert_int_equal(dram[200], 0x42);
	/* One's own page needs no grant. */
	assert_int_equal(flush(h, d0, own, 0, 64, GNTTAB_CACHE_CLEAN), 0);
	assert_int_equal(hv_counter(h->x, "grant_table_op:cache_flush"), 14);
}

/* x86 PV: setup_table gives the table's machine frame; the guest maps
 * it with update_va_mapping at a ballooned pfn; dom0 maps a grant for
 * its device and at a linear-map address. */
static void test_pv_setup_table_and_map(void **state)
{
	struct hv *h = *state;
	struct sim_domain *u = h->domu, *d0 = h->dom0;
	uint64_t tpfn = u->gfn_base + 100, granted = u->gfn_base + GRANTED;
	uint64_t mfn = hv_mfn(u, granted), at = d0->gfn_base + MAP_AT;
	xen_pfn_t frame = 0;
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	struct gnttab_map_grant_ref op;
	grant_entry_v1_t *table;

	set_xen_guest_handle(st.frame_list, &frame);
	assert_int_equal(grant_op(h, u, GNTTABOP_setup_table, &st, 2),
			 -XEN_EINVAL);
	st.nr_frames = 65; /* one past gnttab_max_frames */
	assert_int_equal(grant_op(h, u, GNTTABOP_setup_table, &st, 1), 0);
	assert_int_equal(st.status, GNTST_general_error);
	st.nr_frames = 1;
	st.dom = 0;
	assert_int_equal(grant_op(h, u, GNTTABOP_setup_table, &st, 1), 0);
	assert_int_equal(st.status, GNTST_permission_denied);
	st.dom = DOMID_SELF;
	assert_int_equal(grant_op(h, u, GNTTABOP_setup_table, &st, 1), 0);
	assert_int_equal(st.status, GNTST_okay);
	assert_int_equal(hv_owner(h, frame), SIM_DOMID_XEN);

	/* Someone else's frame cannot be mapped; the table can. */
	assert_int_equal(hv_balloon_out(h, u, tpfn), 1);
	assert_int_equal(hv_pv_map(h, u, tpfn, hv_mfn(d0, d0->gfn_base)),
			 -XEN_EINVAL);
	assert_int_equal(hv_pv_map(h, u, tpfn, frame), 0);
	table = (grant_entry_v1_t *)hv_page(u, tpfn);
	grant(table, 1, 0, mfn, false);
	assert_int_equal(
		((grant_entry_v1_t *)sim_xen_grant_entries(u, NULL))[1].frame,
		mfn);

	/* A device mapping alone gives the bus address. */
	assert_int_equal(map(h, &op, 0, GNTMAP_device_map, 1, 1), GNTST_okay);
	assert_int_equal(op.dev_bus_addr, mfn << 12);
	assert_true(sim_xen_dev_may_access(h->x, d0, mfn, true));
	assert_int_equal(unmap(h, 0, op.dev_bus_addr, op.handle), GNTST_okay);
	assert_false(sim_xen_dev_may_access(h->x, d0, mfn, true));
	/* A host mapping at a linear-map address, plus the device. */
	assert_int_equal(hv_balloon_out(h, d0, at), 1);
	assert_int_equal(map(h, &op, (uint64_t)(uintptr_t)hv_page(d0, at),
			     GNTMAP_host_map | GNTMAP_device_map, 1, 1),
			 GNTST_okay);
	assert_int_equal(hv_mfn(d0, at), mfn);
	memset(hv_page(d0, at), 0x61, 16);
	assert_int_equal(hv_page(u, granted)[15], 0x61);
	/* update_va_mapping does not undo a grant mapping. */
	assert_int_equal(hv_pv_unmap(h, d0, at), -XEN_EINVAL);
	assert_int_equal(unmap(h, (uint64_t)(uintptr_t)hv_page(d0, at),
			       op.dev_bus_addr, op.handle),
			 GNTST_okay);
	assert_int_equal(hv_mfn(d0, at), SIM_INVALID_MFN);
	assert_int_equal(table[1].flags, GTF_permit_access);
}

static void test_grant_op_misuse(void **state)
{
	struct hv *h = *state;

	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_map_grant_ref, NULL, 1),
			 -XEN_EFAULT);
	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_map_grant_ref, NULL, 0),
			 0);
	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_cache_flush, NULL, 1),
			 -XEN_EFAULT);
	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_copy, NULL, 0),
			 -XEN_ENOSYS);
	assert_int_equal(grant_op(h, h->dom0, GNTTABOP_unmap_grant_ref, NULL,
				  0x80000000U),
			 -XEN_EINVAL);
	assert_int_equal(grant_op(h, h->dom0,
				  GNTTABOP_map_grant_ref | (1U << 12), NULL, 0),
			 -XEN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_arm_map_unmap, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_readonly_grant,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm_cache_flush, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_setup_table_and_map,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm_table_remove, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_grant_op_misuse, hv_fx_setup_arm, hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
