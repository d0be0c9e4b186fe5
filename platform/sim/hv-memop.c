// SPDX-License-Identifier: MIT
/*
 * memory_op in the hypervisor model (Xen 4.17's common/memory.c,
 * do_memory_op): the dispatch, ballooning (increase_reservation,
 * populate_physmap, decrease_reservation), the limits a guest asks for
 * (maximum_ram_page, current/maximum_reservation, maximum_gpfn) and the
 * physmap (add_to_physmap, remove_from_physmap).  The exchange is in
 * hv-exchange.c.
 *
 * Every guest structure is copied in and out (hv-guest.c) at the point
 * where Xen copies it, so a bad handle fails where Xen's fails and what
 * was done before it stays done.  Where the model stops earlier than
 * Xen, the comment says so; docs/hypervisor.md lists the cases.
 */
#include "hv.h"

#include <dmakit/xen-ext.h>

/* Xen's MAX_NUMNODES: ARM 4.17 has no NUMA (one node), x86 has 64. */
static unsigned int max_numnodes(const struct sim_xen *x)
{
	return x->arch == SIM_XEN_X86 ? 64 : 1;
}

/*
 * propagate_node(): a node in mem_flags is fine for dom0 (hardware or
 * control domain) when it exists, and for anyone else unless an exact
 * node is asked for.  Allocation ignores nodes: the model has one.
 */
bool sim_xen_node_okay(const struct sim_xen *x, const struct sim_domain *caller,
		       unsigned int mem_flags)
{
	unsigned int node = XENMEMF_get_node(mem_flags);

	if (node == 0xff) /* NUMA_NO_NODE */
		return true;
	if (caller->privileged)
		return node < max_numnodes(x);
	return !(mem_flags & XENMEMF_exact_node_request);
}

/*
 * The model's machine is one NUMA node (node 0).  An allocation that
 * must come from another node exactly (XENMEMF_exact_node_request)
 * finds nothing, as alloc_heap_pages() finds nothing on a node that is
 * not online; a node asked for without "exact" is a preference.
 */
bool sim_xen_node_empty(unsigned int mem_flags)
{
	unsigned int node = XENMEMF_get_node(mem_flags);

	return (mem_flags & XENMEMF_exact_node_request) && node != 0xff &&
	       node != 0;
}

/* ---- ballooning: increase/decrease_reservation, populate_physmap ---- */

struct reservation {
	struct sim_xen *x;
	struct sim_domain *caller, *d;
	struct xen_memory_reservation r;
	bool pod; /* populate_physmap with XENMEMF_populate_on_demand */
	uint64_t max_mfn;
	bool no_frame_fits;
};

/*
 * alloc_domheap_pages(d, order, bits): a fresh extent assigned to d, or
 * none when d would go over max_pages (assign_pages(): "Over-allocation")
 * or nothing fits below address_bits.
 */
static uint64_t alloc_for(struct reservation *rv, unsigned int order)
{
	struct sim_domain *d = rv->d;
	uint64_t n = 1ULL << order, mfn;

	if (rv->no_frame_fits || d->tot_pages > d->max_pages ||
	    n > d->max_pages - d->tot_pages)
		return SIM_INVALID_MFN;
	mfn = sim_machine_alloc_extent(rv->x->m, order, rv->max_mfn, d->domid);
	if (mfn == SIM_INVALID_MFN)
		return SIM_INVALID_MFN;
	d->tot_pages += n;
	sim_xen_scrub_extent(rv->x, mfn, order);
	return mfn;
}

/*
 * increase_reservation(): an extent for d, mapped nowhere.  A PV guest
 * that passed a list is told the machine frame (it maps the frame and
 * records it in the m2p itself); a translated guest is told nothing, so
 * the frames are its own but unreachable (Linux's balloon driver uses
 * populate_physmap on every kind of guest for that reason).  A list
 * Xen cannot write to stops the loop with the extent allocated and not
 * counted, as in Xen.
 */
static bool increase_one(struct reservation *rv, unsigned long i)
{
	uint64_t mfn = alloc_for(rv, rv->r.extent_order);
	xen_pfn_t out = mfn;

	if (mfn == SIM_INVALID_MFN)
		return false;
	if (!sim_xen_translated(rv->d) && rv->r.extent_start.p &&
	    sim_xen_copy_to_guest_offset(rv->r.extent_start.p, i, &out,
					 sizeof(out)))
		return false;
	return true;
}

/*
 * populate_physmap(), one extent.  A direct-mapped domain gets back the
 * frames at gfn == mfn, which must still be its own (Xen kept them
 * allocated when they left the p2m); others get a fresh extent.  The
 * extent is then mapped at gpfn over whatever was there, as
 * guest_physmap_add_page() does: an own page mapped there before stays
 * allocated but unreachable, a foreign mapping loses its p2m entry.
 */
static bool populate_one(struct reservation *rv, unsigned long i)
{
	struct sim_domain *d = rv->d;
	unsigned int order = rv->r.extent_order;
	uint64_t n = 1ULL << order, mfn;
	xen_pfn_t gpfn, out;

	if (sim_xen_copy_from_guest_offset(&gpfn, rv->r.extent_start.p, i,
					   sizeof(gpfn)))
		return false;
	gpfn = sim_xen_frame(rv->x, gpfn);
	if (rv->pod) {
		/* Not on oneself; on anyone else only HVM guests have
		 * populate-on-demand, and the model has none: the extent
		 * counts as done and nothing happens, as in Xen. */
		return d != rv->caller;
	}
	if (d->direct_mapped) {
		for (uint64_t k = 0; k < n; k++)
			if (!sim_xen_owned_by(rv->x->m, gpfn + k, d->domid))
				return false;
		mfn = gpfn;
	} else {
		mfn = alloc_for(rv, order);
		if (mfn == SIM_INVALID_MFN)
			return false;
	}
	if (sim_xen_translated(d)) {
		/* A gfn the p2m cannot hold fails the mapping; the extent
		 * stays allocated to d, as in Xen. */
		return !sim_xen_p2m_replace(rv->x, d, gpfn, mfn, n,
					    SIM_P2M_RAM);
	}
	for (uint64_t k = 0; k < n; k++)
		sim_xen_m2p_set(sim_xen_impl(rv->x), mfn + k, gpfn + k);
	out = mfn;
	return !sim_xen_copy_to_guest_offset(rv->r.extent_start.p, i, &out,
					     sizeof(out));
}

/*
 * guest_remove_page(): the frame behind gmfn (the p2m's, whatever its
 * type, on a translated guest; gmfn itself on PV) must be RAM and owned
 * by d; it leaves the p2m and, unless d is direct-mapped, is freed.
 * The model stops, where Xen would keep a reference and free the page
 * later behind the guest's back, at a page that is pinned, mapped by a
 * grant, a foreign page of d's own in a domain that is not 1:1, (PV)
 * still in the guest's page tables, or a Xen page shared with d (a
 * grant-table frame: Xen would detach it from d and keep using it)
 * anywhere but in a 1:1 domain, which only unmaps it.
 */
static bool remove_page(struct reservation *rv, xen_pfn_t gmfn)
{
	struct sim_xen *x = rv->x;
	struct sim_domain *d = rv->d;
	enum sim_p2m_type type = SIM_P2M_RAM;
	uint64_t mfn;

	mfn = sim_xen_translated(d) ? sim_domain_gfn_to_mfn(d, gmfn, &type)
				    : gmfn;
	if (mfn == SIM_INVALID_MFN || sim_mfn_index(x->m, mfn) < 0 ||
	    sim_xen_page_owner(x, mfn) != d->domid)
		return false;
	if (!d->direct_mapped && !sim_xen_owned_by(x->m, mfn, d->domid))
		return false;
	if (!sim_xen_translated(d)) {
		if (sim_xen_pv_frame_mapped(x, d, mfn) ||
		    sim_grant_frame_in_use(d, mfn))
			return false;
		sim_xen_free_frame(x, mfn);
		d->tot_pages--;
		return true;
	}
	if (type == SIM_P2M_RAM && sim_domain_is_pinned(d, gmfn))
		return false;
	if (!d->direct_mapped &&
	    (type != SIM_P2M_RAM || sim_grant_frame_in_use(d, mfn)))
		return false;
	if (sim_xen_unmap_gfn(x, d, gmfn))
		return false;
	if (d->direct_mapped)
		return true;
	sim_xen_free_frame(x, mfn);
	d->tot_pages--;
	return true;
}

static bool decrease_one(struct reservation *rv, unsigned long i)
{
	xen_pfn_t gmfn;

	if (sim_xen_copy_from_guest_offset(&gmfn, rv->r.extent_start.p, i,
					   sizeof(gmfn)))
		return false;
	for (uint64_t k = 0; k < (1ULL << rv->r.extent_order); k++)
		if (!remove_page(rv, sim_xen_frame(rv->x, gmfn + k)))
			return false;
	return true;
}

/* The order of the smallest power of two >= n (get_order_from_pages). */
static unsigned int order_of_pages(uint64_t n)
{
	unsigned int order = 0;

	while ((1ULL << order) < n)
		order++;
	return order;
}

/*
 * The three ballooning calls answer every failure with the progress so
 * far (the start extent when nothing was done), never an errno, and
 * check in do_memory_op()'s order.
 */
static long memop_reservation(struct sim_xen *x, struct sim_domain *caller,
			      unsigned int op, unsigned long start,
			      const void *arg)
{
	struct reservation rv = {.x = x, .caller = caller};
	const void *list;
	unsigned int bits, order;
	unsigned long i;

	if (sim_xen_copy_from_guest(&rv.r, arg, sizeof(rv.r)))
		return start;
	if (rv.r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
	    start >= rv.r.nr_extents)
		return start;
	rv.d = sim_xen_find_domain(x, caller, rv.r.domid);
	if (!rv.d)
		return start;
	/* construct_memop_from_reservation(): address_bits at or above
	 * what covers all RAM mean no limit; a page or less is -EINVAL. */
	bits = XENMEMF_get_address_bits(rv.r.mem_flags);
	if (bits &&
	    bits < order_of_pages(sim_xen_max_page(x)) + SIM_PAGE_SHIFT) {
		if (bits <= SIM_PAGE_SHIFT)
			return start;
		rv.max_mfn =
			sim_xen_address_bits_limit(bits, &rv.no_frame_fits);
	}
	if (!(rv.r.mem_flags & XENMEMF_vnode) &&
	    !sim_xen_node_okay(x, caller, rv.r.mem_flags))
		return start;
	if (sim_xen_node_empty(rv.r.mem_flags))
		rv.no_frame_fits = true;
	rv.pod = op == XENMEM_populate_physmap &&
		 (rv.r.mem_flags & XENMEMF_populate_on_demand);
	if (!sim_xen_may_act_on(caller, rv.d))
		return start;

	list = rv.r.extent_start.p;
	order = rv.r.extent_order;
	switch (op) {
	case XENMEM_increase_reservation:
		if ((list && !sim_xen_handle_subrange_okay(
				     x, caller, list, start,
				     rv.r.nr_extents - 1, sizeof(xen_pfn_t))) ||
		    order > sim_xen_max_order(caller))
			return start;
		for (i = start; i < rv.r.nr_extents; i++)
			if (!increase_one(&rv, i))
				break;
		return (long)i;
	case XENMEM_populate_physmap:
		if (!sim_xen_handle_subrange_okay(x, caller, list, start,
						  rv.r.nr_extents - 1,
						  sizeof(xen_pfn_t)) ||
		    order > (rv.pod ? SIM_XEN_MAX_ORDER
				    : sim_xen_max_order(caller)))
			return start;
		for (i = start; i < rv.r.nr_extents; i++)
			if (!populate_one(&rv, i))
				break;
		return (long)i;
	default:
		if (!sim_xen_handle_subrange_okay(x, caller, list, start,
						  rv.r.nr_extents - 1,
						  sizeof(xen_pfn_t)) ||
		    order > sim_xen_max_order(caller))
			return start;
		for (i = start; i < rv.r.nr_extents; i++)
			if (!decrease_one(&rv, i))
				break;
		return (long)i;
	}
}

/* ---- the limits: XENMEM_current/maximum_reservation, maximum_gpfn ---- */

/* domain_get_maximum_gpfn(): ARM's p2m max_mapped_gfn; for a PV guest
 * what it wrote in shared_info (a page count, hence - 1). */
static long maximum_gpfn(const struct sim_domain *d)
{
	if (sim_xen_translated(d))
		return (long)d->max_mapped_gfn;
	return (long)((d->pv_max_pfn ? d->pv_max_pfn : 1) - 1);
}

static long memop_domain_query(struct sim_xen *x, struct sim_domain *caller,
			       unsigned int op, const void *arg)
{
	struct xen_memory_domain md;
	struct sim_domain *d;

	if (sim_xen_copy_from_guest(&md, arg, sizeof(md)))
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, md.domid);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	switch (op) {
	case XENMEM_current_reservation:
		return (long)d->tot_pages;
	case XENMEM_maximum_reservation:
		/* Measured on Xen 4.17 (x86 PV dom0, max_pages set with
		 * XEN_DOMCTL_max_mem): the answer is max_pages sign-extended
		 * from 32 bits, 0x80000001 coming back as
		 * 0xffffffff80000001 and dom0's ~0U as -1. */
		return (long)(int32_t)d->max_pages;
	default:
		return maximum_gpfn(d);
	}
}

/* ---- the physmap ---- */

/* XENMAPSPACE_shared_info: one Xen page per domain (allocated when
 * first mapped), mapped at one gfn at a time. */
static long add_shared_info(struct sim_xen *x, struct sim_domain *d,
			    xen_ulong_t idx, xen_pfn_t gpfn)
{
	struct sim_grant_table *gt = d->grants;

	if (idx != 0)
		return -XEN_EINVAL;
	if (gt->shared_info_mfn == SIM_INVALID_MFN) {
		gt->shared_info_mfn =
			sim_machine_alloc_extent(x->m, 0, 0, SIM_DOMID_XEN);
		if (gt->shared_info_mfn == SIM_INVALID_MFN)
			return -XEN_ENOMEM;
		sim_xen_scrub_extent(x, gt->shared_info_mfn, 0);
	}
	/* A Xen page is mapped at one gfn at a time: unmap it first. */
	if (d->shared_info_gfn != SIM_INVALID_MFN)
		return -XEN_EBUSY;
	if (sim_xen_p2m_replace(x, d, gpfn, gt->shared_info_mfn, 1,
				SIM_P2M_FOREIGN_RW))
		return -XEN_EINVAL;
	d->shared_info_gfn = gpfn;
	return 0;
}

/*
 * XENMEM_add_to_physmap (xenmem_add_to_physmap() and ARM's
 * xenmem_add_to_physmap_one()): the grant table's frames and the
 * shared_info page are modelled; gmfn_range of nothing is 0; every
 * other space gives -ENOSYS (ARM's answer for the spaces it lacks).
 */
static long memop_add_to_physmap(struct sim_xen *x, struct sim_domain *caller,
				 unsigned long start, const void *arg)
{
	struct xen_add_to_physmap xatp;
	struct sim_domain *d;
	uint64_t gpfn;

	if (start > UINT16_MAX)
		return -XEN_EDOM;
	if (sim_xen_copy_from_guest(&xatp, arg, sizeof(xatp)))
		return -XEN_EFAULT;
	if (xatp.space == XENMAPSPACE_gmfn_foreign)
		return -XEN_ENOSYS;
	d = sim_xen_find_domain(x, caller, xatp.domid);
	if (!d)
		return -XEN_ESRCH;
	/* xatp_permission_check(): no physmap on PV; device MMIO only for
	 * dom0 on itself; then XSM. */
	if (!sim_xen_translated(d))
		return -XEN_EACCES;
	if (xatp.space == XENMAPSPACE_dev_mmio &&
	    (!caller->privileged || d != caller))
		return -XEN_EACCES;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	gpfn = sim_xen_frame(x, xatp.gpfn);
	if (gpfn == sim_xen_invalid_frame(x))
		return -XEN_EINVAL;
	switch (xatp.space) {
	case XENMAPSPACE_grant_table:
		return sim_grant_add_to_physmap(x, d, xatp.idx, gpfn);
	case XENMAPSPACE_shared_info:
		return add_shared_info(x, d, xatp.idx, gpfn);
	case XENMAPSPACE_gmfn_range:
		if (xatp.size < start)
			return -XEN_EILSEQ;
		return xatp.size > start ? -XEN_ENOSYS : 0;
	default:
		return -XEN_ENOSYS;
	}
}

/*
 * XENMEM_remove_from_physmap: get_page_from_gfn() wants RAM of some
 * kind at gpfn (own RAM, a foreign or grant mapping, the grant table or
 * shared_info page), and what is there leaves the p2m: own RAM stays
 * allocated (only decrease_reservation frees), a grant mapping's page
 * stays mapped in the maptrack until it is unmapped.  The model refuses
 * a pinned page (-EBUSY: the extension's promise).
 */
static long memop_remove_from_physmap(struct sim_xen *x,
				      struct sim_domain *caller,
				      const void *arg)
{
	struct xen_remove_from_physmap xrfp;
	struct sim_domain *d;
	enum sim_p2m_type type;
	uint64_t gpfn;

	if (sim_xen_copy_from_guest(&xrfp, arg, sizeof(xrfp)))
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, xrfp.domid);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_translated(d))
		return -XEN_EACCES;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	gpfn = sim_xen_frame(x, xrfp.gpfn);
	sim_domain_gfn_to_mfn(d, gpfn, &type);
	if (type == SIM_P2M_INVALID)
		return -XEN_ENOENT;
	if (type == SIM_P2M_RAM && sim_domain_is_pinned(d, gpfn))
		return -XEN_EBUSY;
	return sim_xen_unmap_gfn(x, d, gpfn) ? -XEN_EINVAL : 0;
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
	case XENMEM_maximum_ram_page:
		sim_xen_count_locked(x, "memory_op:maximum_ram_page");
		if (start)
			return -XEN_EINVAL;
		return (long)sim_xen_max_page(x);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		sim_xen_count_locked(x,
				     op == XENMEM_current_reservation
					     ? "memory_op:current_reservation"
				     : op == XENMEM_maximum_reservation
					     ? "memory_op:maximum_reservation"
					     : "memory_op:maximum_gpfn");
		if (start)
			return -XEN_EINVAL;
		return memop_domain_query(x, caller, op, arg);
	case XENMEM_add_to_physmap:
		sim_xen_count_locked(x, "memory_op:add_to_physmap");
		return memop_add_to_physmap(x, caller, start, arg);
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
