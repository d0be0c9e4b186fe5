// SPDX-License-Identifier: MIT
/*
 * memory_op in the hypervisor model (common/memory.c, do_memory_op):
 * the dispatch, ballooning (increase_reservation, populate_physmap,
 * decrease_reservation) and the physmap (add_to_physmap,
 * remove_from_physmap).  The exchange is in hv-exchange.c.
 */
#include "hv.h"

#include <dmakit/xen-ext.h>

/* ---- ballooning: increase/decrease_reservation, populate_physmap ---- */

struct reservation {
	struct sim_xen *x;
	struct sim_domain *d;
	struct xen_memory_reservation r;
	uint64_t max_mfn;
	bool no_frame_fits;
};

/* Are all 2^order gfns from gpfn holes of d (model check, not Xen)? */
static bool gfns_are_holes(const struct sim_domain *d, xen_pfn_t gpfn,
			   unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;

		if (!sim_xen_gfn_in_span(d, gpfn + k))
			return false;
		sim_domain_gfn_to_mfn(d, gpfn + k, &type);
		if (type != SIM_P2M_INVALID)
			return false;
	}
	return true;
}

/* A direct-mapped domain gets back the very frames it gave up, which
 * Xen kept allocated to it (guest_remove_page()). */
static bool populate_direct(struct reservation *rv, xen_pfn_t gpfn)
{
	unsigned int order = rv->r.extent_order;

	for (uint64_t k = 0; k < (1ULL << order); k++)
		if (!sim_xen_owned_by(rv->x->m, gpfn + k, rv->d->domid))
			return false;
	if (!gfns_are_holes(rv->d, gpfn, order))
		return false;
	for (uint64_t k = 0; k < (1ULL << order); k++)
		sim_xen_set_p2m(rv->x, rv->d, gpfn + k, gpfn + k, SIM_P2M_RAM);
	return true;
}

static bool populate_one(struct reservation *rv, xen_pfn_t *slot)
{
	struct sim_domain *d = rv->d;
	unsigned int order = rv->r.extent_order;
	xen_pfn_t gpfn = *slot;
	uint64_t mfn;

	if (sim_xen_translated(d) && d->direct_mapped)
		return populate_direct(rv, gpfn);
	if (sim_xen_translated(d) && !gfns_are_holes(d, gpfn, order))
		return false;
	if (rv->no_frame_fits)
		return false;
	mfn = sim_machine_alloc_extent(rv->x->m, order, rv->max_mfn, d->domid);
	if (mfn == SIM_INVALID_MFN)
		return false;
	sim_xen_scrub_extent(rv->x, mfn, order);
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		if (sim_xen_translated(d))
			sim_xen_set_p2m(rv->x, d, gpfn + k, mfn + k,
					SIM_P2M_RAM);
		else
			sim_xen_m2p_set(sim_xen_impl(rv->x), mfn + k, gpfn + k);
	}
	/* A PV guest is told its new machine frame. */
	if (!sim_xen_translated(d))
		*slot = mfn;
	return true;
}

/*
 * increase_reservation(): an extent for d, mapped nowhere.  A PV guest
 * is told its machine frame when it passed a list (it maps the frame
 * itself and records it in the m2p with MMU_MACHPHYS_UPDATE); a
 * translated guest is told nothing, so the frames are its own but
 * unreachable until it gives up the domain (populate_physmap is what
 * such a guest uses, as Linux's balloon driver does for every guest).
 */
static bool increase_one(struct reservation *rv, xen_pfn_t *slot)
{
	unsigned int order = rv->r.extent_order;
	uint64_t mfn;

	if (rv->no_frame_fits)
		return false;
	mfn = sim_machine_alloc_extent(rv->x->m, order, rv->max_mfn,
				       rv->d->domid);
	if (mfn == SIM_INVALID_MFN)
		return false;
	sim_xen_scrub_extent(rv->x, mfn, order);
	if (!sim_xen_translated(rv->d) && slot)
		*slot = mfn;
	return true;
}

/*
 * guest_remove_page(): the page must be d's own RAM.  The model also
 * stops at pages Xen would keep referenced (pinned, mapped by a grant,
 * a PV page still in the guest's page tables) rather than free them
 * later behind the guest's back.
 */
static bool remove_page(struct reservation *rv, xen_pfn_t gmfn)
{
	struct sim_xen *x = rv->x;
	struct sim_domain *d = rv->d;
	enum sim_p2m_type type = SIM_P2M_RAM;
	uint64_t mfn;

	mfn = sim_xen_translated(d) ? sim_domain_gfn_to_mfn(d, gmfn, &type)
				    : gmfn;
	if (type != SIM_P2M_RAM || !sim_xen_owned_by(x->m, mfn, d->domid))
		return false;
	if (sim_grant_frame_in_use(d, mfn))
		return false;
	if (sim_xen_translated(d)) {
		if (sim_domain_is_pinned(d, gmfn))
			return false;
		if (sim_xen_set_p2m(x, d, gmfn, SIM_INVALID_MFN,
				    SIM_P2M_INVALID))
			return false;
		if (d->direct_mapped)
			return true;
	} else if (sim_xen_pv_frame_mapped(x, d, mfn)) {
		return false;
	}
	sim_xen_free_frame(x, mfn);
	return true;
}

static long memop_reservation(struct sim_xen *x, struct sim_domain *caller,
			      unsigned int op, unsigned long start,
			      struct xen_memory_reservation *arg)
{
	struct reservation rv = {.x = x};
	unsigned int bits;
	unsigned long i;

	/* Xen answers every failure here with the progress so far. */
	if (!arg)
		return start;
	rv.r = *arg;
	if (rv.r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
	    start >= rv.r.nr_extents)
		return start;
	rv.d = sim_xen_find_domain(x, caller, rv.r.domid);
	if (!rv.d)
		return start;
	bits = XENMEMF_get_address_bits(rv.r.mem_flags);
	if (bits && bits <= SIM_PAGE_SHIFT)
		return start;
	rv.max_mfn = sim_xen_address_bits_limit(bits, &rv.no_frame_fits);
	if (!sim_xen_may_act_on(caller, rv.d))
		return start;
	/* Only increase_reservation may go without a list (no output). */
	if (rv.r.extent_order > sim_xen_max_order(caller) ||
	    (!rv.r.extent_start.p && op != XENMEM_increase_reservation))
		return start;

	for (i = start; i < rv.r.nr_extents; i++) {
		xen_pfn_t *slot =
			rv.r.extent_start.p ? &rv.r.extent_start.p[i] : NULL;
		bool ok = true;

		if (op == XENMEM_increase_reservation) {
			ok = increase_one(&rv, slot);
		} else if (op == XENMEM_populate_physmap) {
			ok = populate_one(&rv, slot);
		} else {
			for (uint64_t k = 0;
			     ok && k < (1ULL << rv.r.extent_order); k++)
				ok = remove_page(&rv, *slot + k);
		}
		if (!ok)
			break;
	}
	return i;
}

/* XENMEM_add_to_physmap: only the grant-table space is modelled. */
static long memop_add_to_physmap(struct sim_xen *x, struct sim_domain *caller,
				 struct xen_add_to_physmap *arg)
{
	struct sim_domain *d;

	if (!arg)
		return -XEN_EFAULT;
	if (arg->space == XENMAPSPACE_gmfn_foreign)
		return -XEN_ENOSYS;
	d = sim_xen_find_domain(x, caller, arg->domid);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	/* A PV guest is not translated: there is no physmap to add to. */
	if (!sim_xen_translated(d))
		return -XEN_EACCES;
	if (arg->space != XENMAPSPACE_grant_table)
		return -XEN_ENOSYS;
	return sim_grant_add_to_physmap(x, d, arg->idx, arg->gpfn);
}

/*
 * XENMEM_remove_from_physmap: whatever is at gpfn leaves the physmap.
 * Own RAM stays allocated to the domain (as in Xen: only
 * decrease_reservation frees it); the grant-table frame becomes
 * unmapped.  The model refuses grant mappings (they go with
 * GNTTABOP_unmap_grant_ref) and pinned pages (the extension's promise).
 */
static long memop_remove_from_physmap(struct sim_xen *x,
				      struct sim_domain *caller,
				      struct xen_remove_from_physmap *arg)
{
	struct sim_domain *d;
	enum sim_p2m_type type;
	uint64_t mfn;

	if (!arg)
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, arg->domid);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_translated(d))
		return -XEN_EACCES;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	mfn = sim_domain_gfn_to_mfn(d, arg->gpfn, &type);
	if (type == SIM_P2M_INVALID)
		return -XEN_ENOENT;
	if (sim_grant_is_table_frame(d, mfn)) {
		d->grants->gfn = SIM_INVALID_MFN;
	} else if (type != SIM_P2M_RAM) {
		return -XEN_EINVAL;
	} else if (sim_domain_is_pinned(d, arg->gpfn)) {
		return -XEN_EBUSY;
	}
	return sim_domain_set_p2m(d, arg->gpfn, SIM_INVALID_MFN,
				  SIM_P2M_INVALID)
		       ? -XEN_EINVAL
		       : 0;
}

long sim_xen_memory_op(struct sim_xen *x, struct sim_domain *caller,
		       unsigned long cmd, void *arg)
{
	unsigned long op = cmd & MEMOP_CMD_MASK;
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;

	/* The extension (xen-ext.h) uses command numbers no Xen release
	 * has given out; it has no continuations, so match them whole. */
	if (cmd == DMK_XENMEM_exchange_and_pin || cmd == DMK_XENMEM_unpin) {
		if (!x->exchange_and_pin) {
			sim_xen_count_locked(x, "memory_op:unknown");
			return -XEN_ENOSYS;
		}
		if (cmd == DMK_XENMEM_unpin) {
			sim_xen_count_locked(x, "memory_op:unpin");
			return sim_xen_memory_unpin(x, caller, arg);
		}
		sim_xen_count_locked(x, "memory_op:exchange_and_pin");
		return sim_xen_memory_exchange(x, caller, arg, true);
	}

	switch (op) {
	case XENMEM_increase_reservation:
		sim_xen_count_locked(x, "memory_op:increase_reservation");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_populate_physmap:
		sim_xen_count_locked(x, "memory_op:populate_physmap");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_decrease_reservation:
		sim_xen_count_locked(x, "memory_op:decrease_reservation");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_exchange:
		sim_xen_count_locked(x, "memory_op:exchange");
		if (start)
			return -XEN_EINVAL;
		return sim_xen_memory_exchange(x, caller, arg, false);
	case XENMEM_add_to_physmap:
		sim_xen_count_locked(x, "memory_op:add_to_physmap");
		return memop_add_to_physmap(x, caller, arg);
	case XENMEM_remove_from_physmap:
		sim_xen_count_locked(x, "memory_op:remove_from_physmap");
		if (start)
			return -XEN_EINVAL;
		return memop_remove_from_physmap(x, caller, arg);
	default:
		sim_xen_count_locked(x, "memory_op:unknown");
		return -XEN_ENOSYS;
	}
}
