// SPDX-License-Identifier: MIT
/*
 * x86 PV in the hypervisor model: the two MMU calls a DMA layer needs
 * (update_va_mapping to remap its kernel pages after an exchange,
 * mmu_update for the machine-to-phys table) and multicall, which Linux
 * batches them in.  ARM domains get -ENOSYS.
 */
#include "hv.h"

/* ---- x86 PV: the guest's page tables and its m2p ---- */

/*
 * update_va_mapping(va, pte, flags): point the caller's linear-map page
 * at va to the frame in pte (or unmap it).  The frame must be the
 * caller's own or its grant-table frame; grant mappings are undone with
 * GNTTABOP_unmap_grant_ref, not here.  The TLB flags need no model.
 */
long sim_xen_pv_update_va_mapping(struct sim_xen *x, struct sim_domain *caller,
				  unsigned long va, uint64_t pte)
{
	uint64_t gfn = sim_xen_pv_va_to_gfn(caller, va);
	struct sim_grant_table *gt = caller->grants;
	enum sim_p2m_type type;
	uint64_t cur, mfn;

	sim_xen_count_locked(x, "update_va_mapping");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (gfn == SIM_INVALID_MFN)
		return -XEN_EINVAL;
	cur = sim_domain_gfn_to_mfn(caller, gfn, &type);
	if ((type == SIM_P2M_FOREIGN_RW || type == SIM_P2M_FOREIGN_RO) &&
	    cur != gt->mfn)
		return -XEN_EINVAL;
	if (!(pte & SIM_PTE_PRESENT)) {
		if (cur == gt->mfn)
			gt->gfn = SIM_INVALID_MFN;
		return sim_xen_set_p2m(x, caller, gfn, SIM_INVALID_MFN,
				       SIM_P2M_INVALID)
			       ? -XEN_EINVAL
			       : 0;
	}
	mfn = (pte & SIM_PTE_MFN_MASK) >> SIM_PAGE_SHIFT;
	if (sim_xen_owned_by(x->m, mfn, caller->domid))
		return sim_xen_set_p2m(x, caller, gfn, mfn, SIM_P2M_RAM)
			       ? -XEN_EINVAL
			       : 0;
	if (mfn == gt->mfn) {
		if (sim_domain_set_p2m(caller, gfn, mfn, SIM_P2M_FOREIGN_RW))
			return -XEN_EINVAL;
		gt->gfn = gfn;
		return 0;
	}
	return -XEN_EINVAL;
}

/* mmu_update: only MMU_MACHPHYS_UPDATE (the m2p) is modelled; the
 * model's PV page tables change through update_va_mapping. */
long sim_xen_pv_mmu_update(struct sim_xen *x, struct sim_domain *caller,
			   const struct mmu_update *req, unsigned long count,
			   unsigned int *done)
{
	unsigned long i;
	long rc = 0;

	sim_xen_count_locked(x, "mmu_update");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (count && !req)
		return -XEN_EFAULT;
	for (i = 0; i < count; i++) {
		uint64_t mfn = req[i].ptr >> SIM_PAGE_SHIFT;

		if ((req[i].ptr & 7) != MMU_MACHPHYS_UPDATE) {
			rc = -XEN_ENOSYS;
			break;
		}
		if (!sim_xen_owned_by(x->m, mfn, caller->domid)) {
			rc = -XEN_EINVAL;
			break;
		}
		sim_xen_m2p_set(sim_xen_impl(x), mfn, req[i].val);
	}
	if (done)
		*done = (unsigned int)i;
	return rc;
}

/* ---- multicall ---- */

/*
 * A run of update_va_mapping entries that remap consecutive pages of
 * own RAM onto consecutive frames (or unmap them): what a PV guest
 * sends after an exchange.  Xen applies them one by one; the model
 * applies the run with one host mapping, which gives the same p2m.
 */
struct uva_run {
	uint64_t gfn, mfn; /* first page; mfn SIM_INVALID_MFN to unmap */
	unsigned long n;
};

static bool uva_simple(struct sim_xen *x, struct sim_domain *caller,
		       const struct multicall_entry *e, uint64_t *gfn,
		       uint64_t *mfn)
{
	enum sim_p2m_type type;

	if (e->op != __HYPERVISOR_update_va_mapping || !caller->pv)
		return false;
	*gfn = sim_xen_pv_va_to_gfn(caller, e->args[0]);
	if (*gfn == SIM_INVALID_MFN)
		return false;
	sim_domain_gfn_to_mfn(caller, *gfn, &type);
	if (type != SIM_P2M_RAM && type != SIM_P2M_INVALID)
		return false;
	if (!(e->args[1] & SIM_PTE_PRESENT)) {
		*mfn = SIM_INVALID_MFN;
		return true;
	}
	*mfn = (e->args[1] & SIM_PTE_MFN_MASK) >> SIM_PAGE_SHIFT;
	return sim_xen_owned_by(x->m, *mfn, caller->domid);
}

/* How many entries from e[0] form one run (0 when e[0] is not simple). */
static unsigned long uva_run(struct sim_xen *x, struct sim_domain *caller,
			     const struct multicall_entry *e,
			     unsigned long count, struct uva_run *run)
{
	uint64_t gfn, mfn;

	if (!uva_simple(x, caller, &e[0], &run->gfn, &run->mfn))
		return 0;
	for (run->n = 1; run->n < count; run->n++) {
		if (!uva_simple(x, caller, &e[run->n], &gfn, &mfn) ||
		    gfn != run->gfn + run->n)
			break;
		if (run->mfn == SIM_INVALID_MFN ? mfn != SIM_INVALID_MFN
						: mfn != run->mfn + run->n)
			break;
	}
	return run->n;
}

static void apply_uva_run(struct sim_xen *x, struct sim_domain *caller,
			  const struct uva_run *run, struct multicall_entry *e)
{
	bool unmap = run->mfn == SIM_INVALID_MFN;
	long rc =
		sim_domain_set_p2m_range(caller, run->gfn, run->mfn, run->n,
					 unmap ? SIM_P2M_INVALID : SIM_P2M_RAM)
			? -XEN_EINVAL
			: 0;

	for (unsigned long k = 0; k < run->n; k++) {
		sim_xen_count_locked(x, "update_va_mapping");
		if (!rc && !unmap)
			sim_xen_m2p_set(sim_xen_impl(x), run->mfn + k,
					run->gfn + k);
		e[k].result = (xen_ulong_t)rc;
	}
}

/* __HYPERVISOR_multicall(entries, count): each entry's result in place;
 * the call itself returns 0, as Xen's does.  No nesting. */
long sim_xen_do_multicall(struct sim_xen *x, struct sim_domain *caller,
			  struct multicall_entry *e, unsigned long count)
{
	unsigned long i = 0;

	sim_xen_count_locked(x, "multicall");
	if (count && !e)
		return -XEN_EFAULT;
	while (i < count) {
		struct uva_run run;

		if (uva_run(x, caller, &e[i], count - i, &run) > 1) {
			apply_uva_run(x, caller, &run, &e[i]);
			i += run.n;
			continue;
		}
		if (e[i].op == __HYPERVISOR_multicall)
			e[i].result = (xen_ulong_t)-XEN_EINVAL;
		else
			e[i].result = (xen_ulong_t)sim_xen_dispatch_locked(
				x, caller, (unsigned int)e[i].op, e[i].args[0],
				e[i].args[1], e[i].args[2]);
		i++;
	}
	return 0;
}
