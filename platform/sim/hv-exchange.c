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

static long steal_chunk(struct exchange *e, uint64_t i)
{
	const struct xen_memory_reservation *in = &e->exch.in;

	for (uint64_t j = 0; j < (1ULL << e->in_chunk_order); j++) {
		xen_pfn_t gmfn =
			in->extent_start.p[(i << e->in_chunk_order) + j];

		for (uint64_t k = 0; k < (1ULL << in->extent_order); k++) {
			long rc = steal_input_page(e, gmfn + k);

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

/*
 * Model check, not in Xen: for an autotranslated guest every output gfn
 * must be a hole or one of the pages this chunk takes away.  Xen would
 * silently drop whatever was mapped there; the model refuses (-EINVAL,
 * chunk not done) so such a guest bug shows instead of leaking a page.
 */
static long check_output_gfns(struct exchange *e, uint64_t i)
{
	const struct xen_memory_reservation *out = &e->exch.out;

	if (!sim_xen_translated(e->d))
		return 0;
	for (uint64_t j = 0; j < (1ULL << e->out_chunk_order); j++) {
		xen_pfn_t gpfn =
			out->extent_start.p[(i << e->out_chunk_order) + j];

		for (uint64_t k = 0; k < (1ULL << out->extent_order); k++) {
			enum sim_p2m_type type;
			uint64_t mfn;

			if (!sim_xen_gfn_in_span(e->d, gpfn + k))
				return -XEN_EINVAL;
			mfn = sim_domain_gfn_to_mfn(e->d, gpfn + k, &type);
			if (type == SIM_P2M_INVALID)
				continue;
			if (type != SIM_P2M_RAM ||
			    !sim_xen_owned_by(e->x->m, mfn, SIM_DOMID_XEN))
				return -XEN_EINVAL;
		}
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
		sim_domain_set_p2m_range(e->d, gfn, SIM_INVALID_MFN, n,
					 SIM_P2M_INVALID);
		k += n;
	}
}

static void commit_chunk(struct exchange *e, uint64_t i)
{
	struct sim_xen *x = e->x;
	struct sim_domain *d = e->d;
	struct xen_memory_reservation *out = &e->exch.out;
	unsigned int order = out->extent_order;

	unmap_inputs(e);
	for (uint64_t k = 0; k < e->nr_in; k++)
		sim_xen_free_frame(x, e->in_mfn[k]);
	x->pages_exchanged += e->nr_in;
	e->nr_in = 0;

	for (uint64_t j = 0; j < e->nr_out; j++) {
		uint64_t slot = (i << e->out_chunk_order) + j;
		xen_pfn_t gpfn = out->extent_start.p[slot];
		uint64_t mfn = e->out_mfn[j];

		sim_xen_scrub_extent(x, mfn, order);
		/* An extent is machine-contiguous: one remap for all of it. */
		if (sim_xen_translated(d))
			sim_domain_set_p2m_range(d, gpfn, mfn, 1ULL << order,
						 SIM_P2M_RAM);
		for (uint64_t k = 0; k < (1ULL << order); k++) {
			sim_xen_m2p_set(sim_xen_impl(x), mfn + k, gpfn + k);
			if (sim_xen_translated(d) && e->pin)
				sim_domain_set_pinned(d, gpfn + k, true);
		}
		/* PV learns its new machine frames; so does a guest of
		 * the series' ARM hypervisor (pinned or not); others do
		 * not. */
		if (!sim_xen_translated(d) || arm_can_steal(x, e))
			out->extent_start.p[slot] = mfn;
	}
	e->nr_out = 0;
}

static uintptr_t list_start(const struct xen_memory_reservation *r)
{
	return (uintptr_t)r->extent_start.p;
}

/* Only once list_okay() said the list does not wrap. */
static uintptr_t list_end(const struct xen_memory_reservation *r)
{
	return list_start(r) + r->nr_extents * sizeof(xen_pfn_t);
}

/* A guest list is usable: NULL only when nothing is left to do from
 * entry first on, and never running past the top of the address space. */
static bool list_okay(const xen_pfn_t *list, uint64_t first, uint64_t nr)
{
	uintptr_t room = UINTPTR_MAX - (uintptr_t)list;

	if (!list)
		return first >= nr;
	return nr <= room / sizeof(*list);
}

/* The checks memory_exchange() makes before touching any page, in
 * Xen's order.  Returns 0 and fills e, or the error. */
static long exchange_check_args(struct exchange *e, struct sim_domain *caller)
{
	const struct xen_memory_reservation *in = &e->exch.in;
	const struct xen_memory_reservation *out = &e->exch.out;
	uint64_t in_first, out_first;

	if (in->extent_order > sim_xen_max_order(caller) ||
	    out->extent_order > sim_xen_max_order(caller))
		return -XEN_EPERM;
	if (e->exch.nr_exchanged > in->nr_extents || in->domid != out->domid ||
	    (~0UL >> in->extent_order) < in->nr_extents ||
	    (~0UL >> out->extent_order) < out->nr_extents ||
	    (in->nr_extents << in->extent_order) !=
		    (out->nr_extents << out->extent_order))
		return -XEN_EINVAL;

	if (in->extent_order <= out->extent_order) {
		e->in_chunk_order = out->extent_order - in->extent_order;
		e->out_chunk_order = 0;
		out_first = e->exch.nr_exchanged >> e->in_chunk_order;
	} else {
		e->in_chunk_order = 0;
		e->out_chunk_order = in->extent_order - out->extent_order;
		out_first = e->exch.nr_exchanged << e->out_chunk_order;
	}
	/* Guest handles that point nowhere, for what is left to do, or
	 * run off the end of the address space (Xen's guest_handle_okay). */
	in_first = e->exch.nr_exchanged;
	if (!list_okay(in->extent_start.p, in_first, in->nr_extents) ||
	    !list_okay(out->extent_start.p, out_first, out->nr_extents))
		return -XEN_EFAULT;
	/*
	 * Model check, not in Xen (the ABI says the lists "must not
	 * overlap"; Xen trusts it and would read back frames it wrote).
	 * Addresses, not pointers: the lists are known not to wrap.
	 */
	if (list_start(in) && list_start(out) && in->nr_extents &&
	    out->nr_extents && list_start(in) < list_end(out) &&
	    list_start(out) < list_end(in))
		return -XEN_EINVAL;
	return 0;
}

long sim_xen_memory_exchange(struct sim_xen *x, struct sim_domain *caller,
			     struct xen_memory_exchange *arg, bool pin)
{
	struct exchange e = {.x = x, .pin = pin};
	uint64_t chunk_pages, i;
	long rc;

	if (!arg)
		return -XEN_EFAULT;
	e.exch = *arg;
	rc = exchange_check_args(&e, caller);
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
	e.max_mfn = sim_xen_address_bits_limit(
		XENMEMF_get_address_bits(e.exch.out.mem_flags),
		&e.no_frame_fits);

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
			rc = check_output_gfns(&e, i);
		if (!rc)
			rc = alloc_chunk(&e);
		if (rc)
			goto fail;
		commit_chunk(&e, i);
	}
	e.exch.nr_exchanged = e.exch.in.nr_extents;
	arg->nr_exchanged = e.exch.nr_exchanged;
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	return 0;

fail:
	/* The failed chunk is undone; earlier chunks stay done. */
	give_back_inputs(&e);
	free_outputs(&e);
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	e.exch.nr_exchanged = i << e.in_chunk_order;
fail_early:
	arg->nr_exchanged = e.exch.nr_exchanged;
	return rc;
}

/* DMK_XENMEM_unpin: every page of an extent must be pinned own RAM. */
static long unpin_extent(struct sim_xen *x, struct sim_domain *d,
			 xen_pfn_t gpfn, unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;
		uint64_t mfn;

		if (!sim_xen_gfn_in_span(d, gpfn + k))
			return -XEN_EINVAL;
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

	if (!arg)
		return -XEN_EFAULT;
	u = *arg;
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
		rc = unpin_extent(x, d, u.in.extent_start.p[u.nr_unpinned],
				  u.in.extent_order);
		if (rc)
			break;
	}
	arg->nr_unpinned = u.nr_unpinned;
	return rc;
}
