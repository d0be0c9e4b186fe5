// SPDX-License-Identifier: MIT
/*
 * XENMEM_exchange in the hypervisor model, after Xen's
 * common/memory.c:memory_exchange(), and the exchange-and-pin extension
 * (include/dmakit/xen-ext.h), which shares its checks.
 */
#include "hv.h"

#include <dmakit/xen-ext.h>

#include <stdlib.h>

/* ---- XENMEM_exchange and the exchange-and-pin extension ---- */

struct exchange {
	struct sim_xen *x;
	struct sim_domain *d;
	struct xen_memory_exchange exch;
	bool pin; /* DMK_XENMEM_exchange_and_pin */
	unsigned int in_chunk_order, out_chunk_order;
	uint64_t max_mfn;   /* allocation limit from address_bits, 0: none */
	bool no_frame_fits; /* address_bits below one page */
	/* One chunk's work: stolen inputs (mfn, and gfn where it was) and
	 * allocated output extents. */
	uint64_t *in_mfn, *in_gfn;
	uint64_t nr_in;
	uint64_t *out_mfn;
	uint64_t nr_out;
};

/*
 * Xen on ARM has no steal_page(): a plain exchange ends at the first
 * valid page.  The scenarios' hypervisor with the series' ARM side
 * (exchange_and_pin and arm_steal_page) has one.
 */
static bool arm_can_steal(const struct sim_xen *x, const struct exchange *e)
{
	/* A direct-mapped domain promises gfn == mfn: no exchange, pinned
	 * or not, may break that promise. */
	if (e->d->direct_mapped)
		return false;
	return e->pin || (x->exchange_and_pin && x->arm_steal_page);
}

/*
 * Take one input page from the domain, as Xen's steal_page() does, but
 * only provisionally: the frame is marked as Xen's and handed back by
 * give_back_inputs() if the chunk fails.
 */
static long steal_input_page(struct exchange *e, xen_pfn_t gmfn)
{
	struct sim_xen *x = e->x;
	struct sim_domain *d = e->d;
	enum sim_p2m_type type = SIM_P2M_RAM;
	uint64_t mfn;

	/* A PV guest names machine frames; others name guest frames. */
	mfn = sim_xen_translated(d) ? sim_domain_gfn_to_mfn(d, gmfn, &type)
				    : gmfn;
	if (mfn == SIM_INVALID_MFN || sim_mfn_index(x->m, mfn) < 0)
		return -XEN_EINVAL;
	if (x->arch == SIM_XEN_ARM && !arm_can_steal(x, e))
		return -XEN_EOPNOTSUPP;
	/* x86's steal_page() refuses a domain in external paging mode, HVM
	 * or PVH (Xen 4.10's fae7d5be8b "x86/mm: disallow page stealing
	 * from HVM domains"): its device model may map any of its pages. */
	if (x->arch == SIM_XEN_X86 && sim_xen_translated(d))
		return -XEN_EOPNOTSUPP;
	if (type != SIM_P2M_RAM || !sim_xen_owned_by(x->m, mfn, d->domid))
		return -XEN_EINVAL;
	if (sim_xen_translated(d) && sim_domain_is_pinned(d, gmfn))
		return -XEN_EINVAL;
	if (!sim_xen_translated(d) && sim_xen_pv_frame_mapped(x, d, mfn))
		return -XEN_EINVAL;
	if (sim_grant_frame_in_use(d, mfn))
		return -XEN_EINVAL;
	sim_xen_set_owner(x->m, mfn, SIM_DOMID_XEN);
	e->in_mfn[e->nr_in] = mfn;
	e->in_gfn[e->nr_in] = sim_xen_translated(d) ? gmfn : SIM_INVALID_MFN;
	e->nr_in++;
	return 0;
}

static void give_back_inputs(struct exchange *e)
{
	for (uint64_t k = 0; k < e->nr_in; k++)
		sim_xen_set_owner(e->x->m, e->in_mfn[k], e->d->domid);
	e->nr_in = 0;
}

static void free_outputs(struct exchange *e)
{
	for (uint64_t j = 0; j < e->nr_out; j++)
		sim_xen_free_extent(e->x, e->out_mfn[j],
				    e->exch.out.extent_order);
	e->nr_out = 0;
}

/* Steal a chunk's worth of input pages, reading the in list entry by
 * entry as Xen does (a list Xen cannot read is -EFAULT there). */
static long steal_chunk(struct exchange *e, uint64_t i)
{
	const struct xen_memory_reservation *in = &e->exch.in;

	for (uint64_t j = 0; j < (1ULL << e->in_chunk_order); j++) {
		xen_pfn_t gmfn;

		if (sim_xen_copy_from_guest_offset(&gmfn, in->extent_start.p,
						   (i << e->in_chunk_order) + j,
						   sizeof(gmfn)))
			return -XEN_EFAULT;
		for (uint64_t k = 0; k < (1ULL << in->extent_order); k++) {
			long rc = steal_input_page(
				e, sim_xen_frame(e->x, gmfn + k));

			if (rc)
				return rc;
		}
	}
	return 0;
}

static long alloc_chunk(struct exchange *e)
{
	unsigned int order = e->exch.out.extent_order;

	for (uint64_t j = 0; j < (1ULL << e->out_chunk_order); j++) {
		uint64_t mfn = SIM_INVALID_MFN;

		if (!e->no_frame_fits)
			mfn = sim_machine_alloc_extent(e->x->m, order,
						       e->max_mfn, e->d->domid);
		if (mfn == SIM_INVALID_MFN)
			return -XEN_ENOMEM;
		e->out_mfn[e->nr_out++] = mfn;
	}
	return 0;
}

/* Past the point of no return: the inputs go, the outputs come. */
/* Punch holes where the inputs were mapped, one host mapping per run of
 * consecutive gfns (an exchange of a 2 MiB region is one call, not 512). */
static void unmap_inputs(struct exchange *e)
{
	uint64_t k = 0;

	while (k < e->nr_in) {
		uint64_t gfn = e->in_gfn[k], n = 1;

		if (gfn == SIM_INVALID_MFN) {
			k++;
			continue;
		}
		while (k + n < e->nr_in && e->in_gfn[k + n] == gfn + n)
			n++;
		sim_xen_p2m_replace(e->x, e->d, gfn, SIM_INVALID_MFN, n,
				    SIM_P2M_INVALID);
		k += n;
	}
}

/*
 * The chunk's inputs are freed and its outputs assigned, in Xen's
 * order: each output's gpfn is read from the out list (a list Xen
 * cannot read leaves that extent the domain's but mapped nowhere and
 * makes the call -EFAULT), mapped there over whatever was there (a
 * translated guest) or recorded in the m2p and written back (PV).  An
 * error here still commits the chunk, but the chunk is not counted.
 */
static long commit_chunk(struct exchange *e, uint64_t i)
{
	struct sim_xen *x = e->x;
	struct sim_domain *d = e->d;
	struct xen_memory_reservation *out = &e->exch.out;
	unsigned int order = out->extent_order;
	long rc = 0;

	unmap_inputs(e);
	for (uint64_t k = 0; k < e->nr_in; k++)
		sim_xen_free_frame(x, e->in_mfn[k]);
	x->pages_exchanged += e->nr_in;
	e->nr_in = 0;

	for (uint64_t j = 0; j < e->nr_out; j++) {
		uint64_t slot = (i << e->out_chunk_order) + j;
		uint64_t mfn = e->out_mfn[j];
		xen_pfn_t gpfn, told = mfn;

		sim_xen_scrub_extent(x, mfn, order);
		if (sim_xen_copy_from_guest_offset(&gpfn, out->extent_start.p,
						   slot, sizeof(gpfn))) {
			rc = -XEN_EFAULT;
			continue;
		}
		gpfn = sim_xen_frame(x, gpfn);
		/* An extent is machine-contiguous: one remap for all of it. */
		if (sim_xen_translated(d) &&
		    sim_xen_p2m_replace(x, d, gpfn, mfn, 1ULL << order,
					SIM_P2M_RAM))
			rc = -XEN_EINVAL;
		for (uint64_t k = 0; k < (1ULL << order); k++) {
			sim_xen_m2p_set(sim_xen_impl(x), mfn + k, gpfn + k);
			if (sim_xen_translated(d) && e->pin)
				sim_domain_set_pinned(d, gpfn + k, true);
		}
		/* PV learns its new machine frames; so does a guest of
		 * the series' ARM hypervisor (pinned or not); others do
		 * not. */
		if ((!sim_xen_translated(d) || arm_can_steal(x, e)) &&
		    sim_xen_copy_to_guest_offset(out->extent_start.p, slot,
						 &told, sizeof(told)))
			rc = -XEN_EFAULT;
	}
	e->nr_out = 0;
	return rc;
}

/* The checks memory_exchange() makes before touching any page, in
 * Xen's order, up to the handles.  Returns 0 and fills e, 1 when there
 * is nothing left to exchange (Xen returns 0 there and writes nothing
 * back), or the error. */
static long exchange_check_args(struct exchange *e, struct sim_domain *caller)
{
	const struct xen_memory_reservation *in = &e->exch.in;
	const struct xen_memory_reservation *out = &e->exch.out;
	/* Xen's ~0UL: 32 bits on 32-bit ARM, where nr_extents is still
	 * 64-bit in the ABI. */
	uint64_t all = e->x->long_bits == 32 ? UINT32_MAX : UINT64_MAX;
	uint64_t first = e->exch.nr_exchanged;

	if (in->extent_order > sim_xen_max_order(caller) ||
	    out->extent_order > sim_xen_max_order(caller))
		return -XEN_EPERM;
	if (e->exch.nr_exchanged > in->nr_extents || in->domid != out->domid ||
	    in->extent_order >= 64 || out->extent_order >= 64 ||
	    (all >> in->extent_order) < in->nr_extents ||
	    (all >> out->extent_order) < out->nr_extents ||
	    (in->nr_extents << in->extent_order) !=
		    (out->nr_extents << out->extent_order))
		return -XEN_EINVAL;
	if (e->exch.nr_exchanged == in->nr_extents)
		return 1;
	if (!sim_xen_handle_subrange_okay(e->x, caller, in->extent_start.p,
					  first, in->nr_extents - 1,
					  sizeof(xen_pfn_t)))
		return -XEN_EFAULT;
	if (in->extent_order <= out->extent_order) {
		e->in_chunk_order = out->extent_order - in->extent_order;
		e->out_chunk_order = 0;
		first = e->exch.nr_exchanged >> e->in_chunk_order;
	} else {
		e->in_chunk_order = 0;
		e->out_chunk_order = in->extent_order - out->extent_order;
		first = e->exch.nr_exchanged << e->out_chunk_order;
	}
	if (!sim_xen_handle_subrange_okay(e->x, caller, out->extent_start.p,
					  first, out->nr_extents - 1,
					  sizeof(xen_pfn_t)))
		return -XEN_EFAULT;
	if (!sim_xen_node_okay(e->x, caller, out->mem_flags))
		return -XEN_EINVAL;
	return 0;
}

/* Xen writes nr_exchanged back alone (__copy_field_to_guest). */
static long put_nr_exchanged(struct xen_memory_exchange *arg,
			     const struct exchange *e, long rc)
{
	if (sim_xen_copy_to_guest(&arg->nr_exchanged, &e->exch.nr_exchanged,
				  sizeof(e->exch.nr_exchanged)))
		return -XEN_EFAULT;
	return rc;
}

long sim_xen_memory_exchange(struct sim_xen *x, struct sim_domain *caller,
			     struct xen_memory_exchange *arg, bool pin)
{
	struct exchange e = {.x = x, .pin = pin};
	uint64_t chunk_pages, i;
	unsigned int bits;
	long rc;

	if (sim_xen_copy_from_guest(&e.exch, arg, sizeof(e.exch)))
		return -XEN_EFAULT;
	rc = exchange_check_args(&e, caller);
	if (rc == 1)
		return 0;
	if (rc)
		goto fail_early;
	e.d = sim_xen_find_domain(x, caller, e.exch.in.domid);
	if (!e.d) {
		rc = -XEN_ESRCH;
		goto fail_early;
	}
	if (!sim_xen_may_act_on(caller, e.d)) {
		rc = -XEN_EPERM;
		goto fail_early;
	}
	/* The extension pins for autotranslated guests: a PV guest's p2m
	 * is its own and Xen never moves its pages anyway. */
	if (pin && !sim_xen_translated(e.d)) {
		rc = -XEN_EOPNOTSUPP;
		goto fail_early;
	}
	bits = XENMEMF_get_address_bits(e.exch.out.mem_flags);
	e.max_mfn = sim_xen_address_bits_limit(bits, &e.no_frame_fits);
	if (sim_xen_node_empty(e.exch.out.mem_flags))
		e.no_frame_fits = true;

	chunk_pages = 1ULL << (e.in_chunk_order + e.exch.in.extent_order);
	e.in_mfn = malloc(chunk_pages * sizeof(uint64_t));
	e.in_gfn = malloc(chunk_pages * sizeof(uint64_t));
	e.out_mfn = malloc((1ULL << e.out_chunk_order) * sizeof(uint64_t));
	if (!e.in_mfn || !e.in_gfn || !e.out_mfn) {
		rc = -XEN_ENOMEM;
		i = e.exch.nr_exchanged >> e.in_chunk_order;
		goto fail;
	}

	for (i = e.exch.nr_exchanged >> e.in_chunk_order;
	     i < (e.exch.in.nr_extents >> e.in_chunk_order); i++) {
		rc = steal_chunk(&e, i);
		if (!rc)
			rc = alloc_chunk(&e);
		if (!rc)
			rc = commit_chunk(&e, i);
		if (rc)
			goto fail;
	}
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	e.exch.nr_exchanged = e.exch.in.nr_extents;
	return put_nr_exchanged(arg, &e, 0);

fail:
	/* The failed chunk is undone unless it was committed; earlier
	 * chunks stay done. */
	give_back_inputs(&e);
	free_outputs(&e);
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	e.exch.nr_exchanged = i << e.in_chunk_order;
fail_early:
	return put_nr_exchanged(arg, &e, rc);
}

/* DMK_XENMEM_unpin: every page of an extent must be pinned own RAM. */
static long unpin_extent(struct sim_xen *x, struct sim_domain *d,
			 xen_pfn_t gpfn, unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;
		uint64_t mfn;

		mfn = sim_domain_gfn_to_mfn(d, gpfn + k, &type);
		if (type != SIM_P2M_RAM ||
		    !sim_xen_owned_by(x->m, mfn, d->domid) ||
		    !sim_domain_is_pinned(d, gpfn + k))
			return -XEN_EINVAL;
	}
	for (uint64_t k = 0; k < (1ULL << order); k++)
		sim_domain_set_pinned(d, gpfn + k, false);
	return 0;
}

long sim_xen_memory_unpin(struct sim_xen *x, struct sim_domain *caller,
			  struct dmk_xen_unpin *arg)
{
	struct dmk_xen_unpin u;
	struct sim_domain *d;
	long rc = 0;

	if (sim_xen_copy_from_guest(&u, arg, sizeof(u)))
		return -XEN_EFAULT;
	if (u.in.extent_order > sim_xen_max_order(caller))
		return -XEN_EPERM;
	if (u.nr_unpinned > u.in.nr_extents)
		return -XEN_EINVAL;
	if (u.nr_unpinned < u.in.nr_extents && !u.in.extent_start.p)
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, u.in.domid);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	if (!sim_xen_translated(d))
		return -XEN_EOPNOTSUPP;
	for (; u.nr_unpinned < u.in.nr_extents; u.nr_unpinned++) {
		xen_pfn_t gpfn;

		if (sim_xen_copy_from_guest_offset(&gpfn, u.in.extent_start.p,
						   u.nr_unpinned,
						   sizeof(gpfn))) {
			rc = -XEN_EFAULT;
			break;
		}
		rc = unpin_extent(x, d, gpfn, u.in.extent_order);
		if (rc)
			break;
	}
	if (sim_xen_copy_to_guest(&arg->nr_unpinned, &u.nr_unpinned,
				  sizeof(u.nr_unpinned)))
		return -XEN_EFAULT;
	return rc;
}
