// SPDX-License-Identifier: MIT
/*
 * XENMEM_exchange and the exchange-and-pin extension: validation in
 * Xen's order (each refused call changes nothing), x86 PV success,
 * partial progress and the caller's recovery, ARM's -EOPNOTSUPP, and
 * pinning under relocation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixture.h"

static void set_exch(struct xen_memory_exchange *e, xen_pfn_t *in,
		     unsigned long nin, unsigned int in_order, xen_pfn_t *out,
		     unsigned long nout, unsigned int out_order,
		     unsigned int bits)
{
	memset(e, 0, sizeof(*e));
	set_xen_guest_handle(e->in.extent_start, in);
	e->in.nr_extents = nin;
	e->in.extent_order = in_order;
	e->in.domid = DOMID_SELF;
	set_xen_guest_handle(e->out.extent_start, out);
	e->out.nr_extents = nout;
	e->out.extent_order = out_order;
	e->out.mem_flags = XENMEMF_address_bits(bits);
	e->out.domid = DOMID_SELF;
}

static long exchange(struct hv *h, struct sim_domain *caller,
		     struct xen_memory_exchange *e)
{
	return hv_call(h, caller, __HYPERVISOR_memory_op, XENMEM_exchange, e,
		       0);
}

static long exchange_and_pin(struct hv *h, struct sim_domain *caller,
			     struct xen_memory_exchange *e)
{
	return hv_call(h, caller, __HYPERVISOR_memory_op,
		       DMK_XENMEM_exchange_and_pin, e, 0);
}

/* A PV guest's preparation (Linux's xen_zap_pfn_range): note the
 * machine frames of n pages from gfn, then unmap them. */
static void pv_take(struct hv *h, struct sim_domain *d, uint64_t gfn,
		    xen_pfn_t *mfns, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		mfns[i] = hv_mfn(d, gfn + i);
		assert_int_not_equal(mfns[i], SIM_INVALID_MFN);
		assert_int_equal(hv_pv_unmap(h, d, gfn + i), 0);
	}
}

static bool frame_is_zero(struct hv *h, uint64_t mfn)
{
	static const uint8_t zero[SIM_PAGE_SIZE];

	return memcmp(hv_frame(h, mfn), zero, SIM_PAGE_SIZE) == 0;
}

/* ---- x86 PV ---- */

static void test_pv_exchange_success(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t free_before = sim_machine_free_frames(h->m);
	xen_pfn_t in[8], out[1] = {96};
	struct xen_memory_exchange e;
	uint64_t mfn;

	/* Dirty every free frame below 16 MiB: Xen must scrub. */
	for (uint64_t f = 0; f < 4096; f++)
		if (hv_owner(h, f) == SIM_DOMID_FREE)
			sim_mem_fill(h->m, f << 12, 0xaa, SIM_PAGE_SIZE);
	pv_take(h, d, 96, in, 8);
	set_exch(&e, in, 8, 0, out, 1, 3, 24);
	assert_int_equal(exchange(h, d, &e), 0);
	assert_int_equal(e.nr_exchanged, 8);

	mfn = out[0];
	assert_int_equal(mfn % 8, 0);
	assert_true(mfn + 7 < (1UL << (24 - 12)));
	for (unsigned int k = 0; k < 8; k++) {
		assert_int_equal(hv_owner(h, mfn + k), 0);
		assert_true(frame_is_zero(h, mfn + k));
		assert_int_equal(hv_owner(h, in[k]), SIM_DOMID_FREE);
	}
	assert_int_equal(h->x->pages_exchanged, 8);
	assert_int_equal(hv_counter(h->x, "memory_op:exchange"), 1);
	assert_int_equal(sim_machine_free_frames(h->m), free_before);

	/* The guest rewires its kernel mapping and its m2p. */
	for (unsigned int k = 0; k < 8; k++) {
		struct mmu_update u = {((mfn + k) << 12) | MMU_MACHPHYS_UPDATE,
				       96 + k};
		unsigned int done = 0;

		assert_int_equal(hv_pv_map(h, d, 96 + k, mfn + k), 0);
		assert_int_equal(hv_call(h, d, __HYPERVISOR_mmu_update,
					 (unsigned long)&u, (void *)1,
					 (unsigned long)&done),
				 0);
		assert_int_equal(done, 1);
		memset(hv_page(d, 96 + k), 0x5a + k, SIM_PAGE_SIZE);
		assert_int_equal(hv_frame(h, mfn + k)[100], 0x5a + k);
	}
	assert_int_equal(hv_counter(h->x, "update_va_mapping"), 16);
	assert_int_equal(hv_counter(h->x, "mmu_update"), 8);
}

/* Each malformed exchange gives Xen's error and changes nothing. */
static void expect_refused(struct hv *h, struct sim_domain *caller,
			   struct xen_memory_exchange *e, long err)
{
	struct hv_snapshot s;
	xen_ulong_t before = e->nr_exchanged;

	hv_snapshot_take(h, h->dom0, &s);
	assert_int_equal(exchange(h, caller, e), err);
	assert_int_equal(e->nr_exchanged, before);
	assert_true(hv_snapshot_same(h, h->dom0, &s));
}

static void test_pv_exchange_refused(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t in[8], out[1] = {200}, saved[8];
	struct xen_memory_exchange e;

	pv_take(h, d, 200, in, 8);
	memcpy(saved, in, sizeof(in));

	/* Extent order above the caller's limit: -EPERM (checked first). */
	set_exch(&e, in, 1, 19, out, 1, 19, 32);
	expect_refused(h, d, &e, -XEN_EPERM);
	set_exch(&e, in, 8, 0, out, 1, 10, 32);
	expect_refused(h, h->domu, &e, -XEN_EPERM);
	/* Sizes that do not match. */
	set_exch(&e, in, 8, 0, out, 1, 2, 32);
	expect_refused(h, d, &e, -XEN_EINVAL);
	/* in.domid != out.domid. */
	set_exch(&e, in, 8, 0, out, 1, 3, 32);
	e.out.domid = 0;
	expect_refused(h, d, &e, -XEN_EINVAL);
	/* Progress beyond the request. */
	set_exch(&e, in, 8, 0, out, 1, 3, 32);
	e.nr_exchanged = 9;
	expect_refused(h, d, &e, -XEN_EINVAL);
	/* Guest handles that point nowhere. */
	set_exch(&e, NULL, 8, 0, out, 1, 3, 32);
	expect_refused(h, d, &e, -XEN_EFAULT);
	assert_int_equal(
		hv_call(h, d, __HYPERVISOR_memory_op, XENMEM_exchange, NULL, 0),
		-XEN_EFAULT);
	/* Lists that would run past the top of the address space (found by
	 * the fuzzer: the overlap check once did that pointer arithmetic). */
	set_exch(&e, in, 1UL << 62, 0, in, 1UL << 62, 0, 32);
	expect_refused(h, d, &e, -XEN_EFAULT);
	set_exch(&e, in, 8, 0, out, ~0UL >> 3, 0, 32);
	e.in.nr_extents = ~0UL >> 3;
	expect_refused(h, d, &e, -XEN_EFAULT);
	/* An unknown domain, and someone else's without privilege. */
	set_exch(&e, in, 8, 0, out, 1, 3, 32);
	e.in.domid = e.out.domid = 7;
	expect_refused(h, d, &e, -XEN_ESRCH);
	e.in.domid = e.out.domid = 0;
	expect_refused(h, h->domu, &e, -XEN_EPERM);
	/* address_bits too small for any frame, or for this extent. */
	set_exch(&e, in, 8, 0, out, 1, 3, 12);
	expect_refused(h, d, &e, -XEN_ENOMEM);
	set_exch(&e, in, 8, 0, out, 1, 3, 14);
	expect_refused(h, d, &e, -XEN_ENOMEM);
	/* Frames the domain does not own: a free one, the domU's. */
	in[3] = 5;
	assert_int_equal(hv_owner(h, 5), SIM_DOMID_FREE);
	set_exch(&e, in, 8, 0, out, 1, 3, 32);
	expect_refused(h, d, &e, -XEN_EINVAL);
	in[3] = hv_mfn(h->domu, h->domu->gfn_base + 1);
	expect_refused(h, d, &e, -XEN_EINVAL);
	in[3] = 1ULL << 40; /* not RAM at all */
	expect_refused(h, d, &e, -XEN_EINVAL);
	/* A frame still mapped by the guest's page tables. */
	memcpy(in, saved, sizeof(in));
	in[3] = hv_mfn(d, 300);
	expect_refused(h, d, &e, -XEN_EINVAL);

	memcpy(in, saved, sizeof(in));
	assert_int_equal(out[0], 200);
	assert_int_equal(h->x->pages_exchanged, 0);
	/* The valid request still works after all that. */
	assert_int_equal(exchange(h, d, &e), 0);
	assert_int_equal(e.nr_exchanged, 8);
}

/* nr_exchanged is progress already made: only the rest is done. */
static void test_pv_exchange_resumes(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	xen_pfn_t in[4], out[4] = {400, 401, 402, 403};
	struct xen_memory_exchange e;

	pv_take(h, d, 400, in, 4);
	set_exch(&e, in, 4, 0, out, 4, 0, 0);
	e.nr_exchanged = 2;
	assert_int_equal(exchange(h, d, &e), 0);
	assert_int_equal(e.nr_exchanged, 4);
	assert_int_equal(out[0], 400);
	assert_int_equal(out[1], 401);
	assert_int_equal(hv_owner(h, in[0]), 0);
	assert_int_equal(hv_owner(h, in[1]), 0);
	assert_int_equal(hv_owner(h, in[2]), SIM_DOMID_FREE);
	assert_int_equal(hv_owner(h, out[2]), 0);
	assert_int_equal(h->x->pages_exchanged, 2);
}

/*
 * Memory below address_bits runs out midway: the first chunks are done
 * and reported, the rest untouched.  Then the caller recovers as
 * NetBSD/Mini-OS do: exchange the contiguous extents it got back for
 * ordinary frames and remap every page.
 */
static void test_pv_partial_progress_and_recovery(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	const uint64_t gfn = 512, limit = 256; /* address_bits 20 */
	xen_pfn_t in[16], out[4] = {gfn, gfn + 4, gfn + 8, gfn + 12};
	xen_pfn_t back_in[2], back_out[8];
	struct xen_memory_exchange e;
	uint64_t hogged[256];
	unsigned int nr_hogged = 0;
	uint64_t free_before;

	/* Leave exactly two aligned order-2 extents free below 1 MiB. */
	for (uint64_t f = 0; f < limit; f++)
		if ((f < 64 || f >= 72) && sim_machine_claim_frame(h->m, f, 9))
			hogged[nr_hogged++] = f;
	free_before = sim_machine_free_frames(h->m);

	pv_take(h, d, gfn, in, 16);
	set_exch(&e, in, 16, 0, out, 4, 2, 20);
	assert_int_equal(exchange(h, d, &e), -XEN_ENOMEM);
	assert_int_equal(e.nr_exchanged, 8);
	for (unsigned int j = 0; j < 2; j++) {
		assert_true(out[j] >= 64 && out[j] < 72);
		assert_int_equal(out[j] % 4, 0);
	}
	assert_int_equal(out[2], gfn + 8);
	assert_int_equal(out[3], gfn + 12);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(hv_owner(h, in[i]),
				 i < 8 ? SIM_DOMID_FREE : 0);
	assert_int_equal(h->x->pages_exchanged, 8);

	/* Recovery: the two extents back into eight ordinary frames. */
	back_in[0] = out[0];
	back_in[1] = out[1];
	for (unsigned int i = 0; i < 8; i++)
		back_out[i] = gfn + i;
	set_exch(&e, back_in, 2, 2, back_out, 8, 0, 0);
	assert_int_equal(exchange(h, d, &e), 0);
	assert_int_equal(e.nr_exchanged, 2);
	for (unsigned int i = 0; i < 16; i++) {
		uint64_t mfn = i < 8 ? back_out[i] : in[i];

		assert_int_equal(hv_owner(h, mfn), 0);
		assert_int_equal(hv_pv_map(h, d, gfn + i, mfn), 0);
		hv_page(d, gfn + i)[0] = (uint8_t)i;
		assert_int_equal(hv_frame(h, mfn)[0], i);
	}
	assert_int_equal(sim_machine_free_frames(h->m), free_before);
	for (unsigned int i = 0; i < nr_hogged; i++)
		sim_machine_free_frame(h->m, hogged[i]);
}

/* ---- ARM ---- */

static void expect_arm_refused(struct hv *h, struct sim_domain *caller,
			       struct xen_memory_exchange *e, long err)
{
	struct hv_snapshot s;
	xen_pfn_t out0 = e->out.extent_start.p ? e->out.extent_start.p[0] : 0;

	hv_snapshot_take(h, h->dom0, &s);
	assert_int_equal(exchange(h, caller, e), err);
	assert_int_equal(e->nr_exchanged, 0);
	if (e->out.extent_start.p)
		assert_int_equal(e->out.extent_start.p[0], out0);
	assert_true(hv_snapshot_same(h, h->dom0, &s));
}

/* Xen 4.17 on ARM: argument errors first, then -EOPNOTSUPP. */
static void test_arm_exchange_refused(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t g = d->gfn_base + 16;
	xen_pfn_t in[4] = {g, g + 1, g + 2, g + 3}, out[1] = {g};
	struct xen_memory_exchange e;

	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	expect_arm_refused(h, d, &e, -XEN_EOPNOTSUPP);
	assert_int_equal(out[0], g);

	set_exch(&e, in, 4, 0, out, 1, 3, 32);
	expect_arm_refused(h, d, &e, -XEN_EINVAL);
	set_exch(&e, in, 1, 19, out, 1, 19, 32);
	expect_arm_refused(h, d, &e, -XEN_EPERM);
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	e.in.domid = e.out.domid = 3;
	expect_arm_refused(h, d, &e, -XEN_ESRCH);
	e.in.domid = e.out.domid = 0;
	expect_arm_refused(h, h->domu, &e, -XEN_EPERM);
	set_exch(&e, NULL, 4, 0, out, 1, 2, 32);
	expect_arm_refused(h, d, &e, -XEN_EFAULT);
	/* A hole where the first input should be: -EINVAL. */
	assert_int_equal(hv_balloon_out(h, d, g + 40), 1);
	in[0] = g + 40;
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	expect_arm_refused(h, d, &e, -XEN_EINVAL);

	/* The extension is off unless the platform enables it. */
	in[0] = g;
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	assert_int_equal(exchange_and_pin(h, d, &e), -XEN_ENOSYS);
	assert_int_equal(hv_counter(h->x, "memory_op:exchange"), 7);
	assert_int_equal(h->x->pages_exchanged, 0);
}

static void fill_pattern(struct sim_domain *d)
{
	for (uint64_t i = 0; i < d->nr_gfns; i++) {
		uint64_t gfn = d->gfn_base + i;

		if (hv_mfn(d, gfn) != SIM_INVALID_MFN)
			memcpy(hv_page(d, gfn), &gfn, sizeof(gfn));
	}
}

static bool pattern_holds(struct sim_domain *d, uint64_t skip_from,
			  uint64_t skip_n)
{
	for (uint64_t i = 0; i < d->nr_gfns; i++) {
		uint64_t gfn = d->gfn_base + i, v;

		if (gfn >= skip_from && gfn < skip_from + skip_n)
			continue;
		if (hv_mfn(d, gfn) == SIM_INVALID_MFN)
			continue;
		memcpy(&v, hv_page(d, gfn), sizeof(v));
		if (v != gfn)
			return false;
	}
	return true;
}

/*
 * Exchange-and-pin on a non-1:1 ARM dom0: the same gfns, backed by one
 * machine-contiguous pinned extent.  Relocation then moves unpinned
 * pages (the CPU view follows, the old machine address is gone) and
 * never the pinned ones.
 */
static void test_arm_pin_and_relocation(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t g = d->gfn_base + 64, moved = 0, mfn;
	xen_pfn_t in[16], out[1] = {g};
	struct xen_memory_exchange e;
	struct dmk_xen_unpin u;
	uint64_t *before;

	h->x->exchange_and_pin = true;
	fill_pattern(d);
	for (unsigned int i = 0; i < 16; i++)
		in[i] = g + i;
	set_exch(&e, in, 16, 0, out, 1, 4, 32);
	/* Plain exchange stays refused on ARM even with the extension. */
	assert_int_equal(exchange(h, d, &e), -XEN_EOPNOTSUPP);
	assert_int_equal(exchange_and_pin(h, d, &e), 0);
	assert_int_equal(e.nr_exchanged, 16);
	mfn = out[0];
	assert_int_equal(mfn % 16, 0);
	for (unsigned int k = 0; k < 16; k++) {
		assert_int_equal(hv_mfn(d, g + k), mfn + k);
		assert_true(sim_domain_is_pinned(d, g + k));
		assert_true(frame_is_zero(h, mfn + k));
		memset(hv_page(d, g + k), 0x33, SIM_PAGE_SIZE);
		assert_int_equal(hv_frame(h, mfn + k)[4095], 0x33);
	}
	assert_int_equal(hv_counter(h->x, "memory_op:exchange_and_pin"), 1);

	before = malloc(d->nr_gfns * sizeof(*before));
	for (uint64_t i = 0; i < d->nr_gfns; i++)
		before[i] = hv_mfn(d, d->gfn_base + i);
	h->x->relocation = true;
	h->x->relocation_rate = 1;
	for (int i = 0; i < 3000; i++)
		sim_xen_maybe_relocate(h->x);
	assert_true(h->x->pages_relocated > 0);
	for (uint64_t i = 0; i < d->nr_gfns; i++) {
		uint64_t gfn = d->gfn_base + i;

		if (gfn >= g && gfn < g + 16) {
			assert_int_equal(hv_mfn(d, gfn), before[i]);
		} else if (hv_mfn(d, gfn) != before[i]) {
			moved++;
			assert_int_equal(hv_owner(h, hv_mfn(d, gfn)), 0);
		}
	}
	assert_true(moved > 0);
	assert_true(pattern_holds(d, g, 16));
	for (unsigned int k = 0; k < 16; k++)
		assert_true(sim_xen_dev_may_access(h->x, d, mfn + k, true));
	free(before);

	/* Unpin: then the extent is ordinary memory again. */
	memset(&u, 0, sizeof(u));
	set_xen_guest_handle(u.in.extent_start, out);
	out[0] = g;
	u.in.nr_extents = 1;
	u.in.extent_order = 4;
	u.in.domid = DOMID_SELF;
	assert_int_equal(
		hv_call(h, d, __HYPERVISOR_memory_op, DMK_XENMEM_unpin, &u, 0),
		0);
	assert_int_equal(u.nr_unpinned, 1);
	assert_false(sim_domain_is_pinned(d, g));
	u.nr_unpinned = 0;
	assert_int_equal(
		hv_call(h, d, __HYPERVISOR_memory_op, DMK_XENMEM_unpin, &u, 0),
		-XEN_EINVAL);
	assert_int_equal(u.nr_unpinned, 0);
	u.in.domid = 0;
	assert_int_equal(hv_call(h, h->domu, __HYPERVISOR_memory_op,
				 DMK_XENMEM_unpin, &u, 0),
			 -XEN_EPERM);
}

/* A pinned or grant-mapped page cannot be stolen by a later exchange;
 * the output gfns must be holes or the inputs (model check). */
static void test_arm_pin_refusals(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t g = d->gfn_base + 128;
	xen_pfn_t in[4] = {g, g + 1, g + 2, g + 3}, out[1] = {g};
	struct xen_memory_exchange e;

	h->x->exchange_and_pin = true;
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	assert_int_equal(exchange_and_pin(h, d, &e), 0);
	/* Exchanging pinned pages again: steal fails, -EINVAL. */
	out[0] = g;
	e.nr_exchanged = 0;
	assert_int_equal(exchange_and_pin(h, d, &e), -XEN_EINVAL);
	assert_int_equal(e.nr_exchanged, 0);
	/* Output over RAM that is not being exchanged: mapped over it, as
	 * Xen's guest_physmap_add_page() does; the frame that was there
	 * stays the guest's, mapped nowhere. */
	for (unsigned int i = 0; i < 4; i++)
		in[i] = g + 8 + i;
	out[0] = g + 16;
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	{
		uint64_t was = hv_mfn(d, g + 17);

		assert_int_equal(exchange_and_pin(h, d, &e), 0);
		assert_int_not_equal(hv_mfn(d, g + 17), was);
		assert_true(sim_domain_is_pinned(d, g + 17));
		assert_int_equal(hv_owner(h, was), 0);
	}
	/* A PV-only concern does not apply; pinning a domU's own pages by
	 * itself is allowed. */
	in[0] = h->domu->gfn_base;
	out[0] = h->domu->gfn_base;
	set_exch(&e, in, 1, 0, out, 1, 0, 32);
	assert_int_equal(exchange_and_pin(h, h->domu, &e), 0);
	assert_true(sim_domain_is_pinned(h->domu, h->domu->gfn_base));
}

/*
 * A direct-mapped dom0 promises gfn == mfn: with the extension on it
 * still cannot exchange (pinned or not), and nothing changes; its domU,
 * not direct-mapped, can.
 */
static void test_arm_1to1_refuses_exchange(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	uint64_t g = d->gfn_base + 64;
	xen_pfn_t in[4] = {g, g + 1, g + 2, g + 3}, out[1] = {g};
	struct xen_memory_exchange e;
	struct hv_snapshot s;

	h->x->exchange_and_pin = true;
	h->x->arm_steal_page = true;
	hv_snapshot_take(h, d, &s);
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	assert_int_equal(exchange_and_pin(h, d, &e), -XEN_EOPNOTSUPP);
	assert_int_equal(e.nr_exchanged, 0);
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	assert_int_equal(exchange(h, d, &e), -XEN_EOPNOTSUPP);
	assert_int_equal(e.nr_exchanged, 0);
	assert_int_equal(out[0], g);
	assert_true(hv_snapshot_same(h, d, &s));
	in[0] = h->domu->gfn_base;
	out[0] = h->domu->gfn_base;
	set_exch(&e, in, 1, 0, out, 1, 0, 32);
	assert_int_equal(exchange_and_pin(h, h->domu, &e), 0);
}

/* Relocation never touches a direct-mapped dom0. */
static void test_arm_1to1_never_relocated(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->dom0;
	bool moved_u = false;
	uint64_t *before_u = malloc(h->domu->nr_gfns * sizeof(uint64_t));

	for (uint64_t i = 0; i < h->domu->nr_gfns; i++)
		before_u[i] = hv_mfn(h->domu, h->domu->gfn_base + i);
	h->x->relocation = true;
	for (int i = 0; i < 500; i++)
		sim_xen_maybe_relocate(h->x);
	for (uint64_t i = 0; i < d->nr_gfns; i++) {
		uint64_t gfn = d->gfn_base + i, mfn = hv_mfn(d, gfn);

		assert_true(mfn == gfn || mfn == SIM_INVALID_MFN);
	}
	for (uint64_t i = 0; i < h->domu->nr_gfns; i++)
		moved_u |=
			hv_mfn(h->domu, h->domu->gfn_base + i) != before_u[i];
	assert_true(moved_u);
	free(before_u);
}

/* x86: an HVM/PVH guest cannot exchange (steal_page refuses a domain in
 * external paging mode): -EOPNOTSUPP, nothing exchanged, nothing moved,
 * while a PV dom0 on the same hypervisor still can. */
static void test_x86_hvm_exchange_refused(void **state)
{
	struct hv *h = *state;
	struct sim_domain *d = h->domu;
	uint64_t g = d->gfn_base + 16, mfn[4];
	xen_pfn_t in[4] = {g, g + 1, g + 2, g + 3}, out[1] = {g};
	struct xen_memory_exchange e;
	struct hv_snapshot s;

	for (unsigned int k = 0; k < 4; k++)
		mfn[k] = hv_mfn(d, g + k);
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	hv_snapshot_take(h, d, &s);
	assert_int_equal(exchange(h, d, &e), -XEN_EOPNOTSUPP);
	assert_int_equal(e.nr_exchanged, 0);
	assert_int_equal(out[0], g);
	assert_true(hv_snapshot_same(h, d, &s));
	for (unsigned int k = 0; k < 4; k++)
		assert_int_equal(hv_mfn(d, g + k), mfn[k]);
	assert_int_equal(h->x->pages_exchanged, 0);
	/* Argument errors still come first, as in Xen. */
	set_exch(&e, in, 4, 0, out, 1, 3, 32);
	assert_int_equal(exchange(h, d, &e), -XEN_EINVAL);

	/* The PV dom0 beside it exchanges as ever. */
	pv_take(h, h->dom0, 96, in, 4);
	set_exch(&e, in, 4, 0, out, 1, 2, 32);
	assert_int_equal(exchange(h, h->dom0, &e), 0);
	assert_int_equal(e.nr_exchanged, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arm_1to1_refuses_exchange,
						hv_fx_setup_arm_1to1,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_exchange_success,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_exchange_refused,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_pv_exchange_resumes,
						hv_fx_setup_x86,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_pv_partial_progress_and_recovery, hv_fx_setup_x86,
			hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_x86_hvm_exchange_refused,
						hv_fx_setup_x86_hvm_domu,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_exchange_refused,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_pin_and_relocation,
						hv_fx_setup_arm,
						hv_fx_teardown),
		cmocka_unit_test_setup_teardown(
			test_arm_pin_refusals, hv_fx_setup_arm, hv_fx_teardown),
		cmocka_unit_test_setup_teardown(test_arm_1to1_never_relocated,
						hv_fx_setup_arm_1to1,
						hv_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
