// SPDX-License-Identifier: MIT
/*
 * x86 PV in the hypervisor model: the two MMU calls a DMA layer needs
 * (update_va_mapping to remap its kernel pages after an exchange,
 * mmu_update for the machine-to-phys table) and multicall, which Linux
 * batches them in (Xen's arch/x86/mm.c and common/multicall.c).  ARM
 * domains get -ENOSYS.
 */
#include "hv.h"

/* ---- x86 PV: the guest's page tables and its m2p ---- */

/*
 * update_va_mapping(va, pte, flags): point the caller's linear-map page
 * at va to the frame in pte (or unmap it).  The frame must be the
 * caller's own or one of its grant-table frames; grant mappings are
 * undone with GNTTABOP_unmap_grant_ref, not here.  The TLB flags need
 * no model.
 */
long sim_xen_pv_update_va_mapping(struct sim_xen *x, struct sim_domain *caller,
				  unsigned long va, uint64_t pte)
{
	uint64_t gfn = sim_xen_pv_va_to_gfn(caller, va);
	struct sim_grant_table *gt = caller->grants;
	enum sim_p2m_type type;
	uint64_t cur, mfn;
	int frame;

	sim_xen_count_locked(x, "update_va_mapping");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (gfn == SIM_INVALID_MFN)
		return -XEN_EINVAL;
	cur = sim_domain_gfn_to_mfn(caller, gfn, &type);
	if ((type == SIM_P2M_FOREIGN_RW || type == SIM_P2M_FOREIGN_RO) &&
	    !sim_grant_is_table_frame(caller, cur))
		return -XEN_EINVAL;
	if (!(pte & SIM_PTE_PRESENT)) {
		sim_grant_table_unmapped(caller, cur);
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
	frame = sim_grant_table_frame(caller, mfn);
	if (frame >= 0) {
		if (sim_domain_set_p2m(caller, gfn, mfn, SIM_P2M_FOREIGN_RW))
			return -XEN_EINVAL;
		gt->gfn[frame] = gfn;
		return 0;
	}
	return -XEN_EINVAL;
}

/* mmu_update: only MMU_MACHPHYS_UPDATE (the m2p) is modelled; the
 * model's PV page tables change through update_va_mapping.  Requests
 * are copied one by one; done is written when given, as in Xen. */
long sim_xen_pv_mmu_update(struct sim_xen *x, struct sim_domain *caller,
			   const struct mmu_update *ureq, unsigned long count,
			   unsigned int *pdone)
{
	unsigned long i;
	unsigned int done;
	long rc = 0;

	sim_xen_count_locked(x, "mmu_update");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (!sim_xen_handle_okay(x, caller, ureq, count, sizeof(*ureq)))
		return -XEN_EFAULT;
	for (i = 0; i < count; i++) {
		struct mmu_update req;
		uint64_t mfn;

		if (sim_xen_copy_from_guest_offset(&req, ureq, i,
						   sizeof(req))) {
			rc = -XEN_EFAULT;
			break;
		}
		mfn = req.ptr >> SIM_PAGE_SHIFT;
		if ((req.ptr & 7) != MMU_MACHPHYS_UPDATE) {
			rc = -XEN_ENOSYS;
			break;
		}
		if (!sim_xen_owned_by(x->m, mfn, caller->domid)) {
			rc = -XEN_EINVAL;
			break;
		}
		sim_xen_m2p_set(sim_xen_impl(x), mfn, req.val);
	}
	done = (unsigned int)i;
	if (pdone)
		(void)sim_xen_copy_to_guest(pdone, &done, sizeof(done));
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

/*
 * How many entries from index i form one run (0 when entry i is not
 * simple).  Entries are read ahead from the guest, a side-effect-free
 * copy; the run ends before the first that cannot be read, which the
 * caller then meets (and fails on) as Xen would.
 */
static unsigned long uva_run(struct sim_xen *x, struct sim_domain *caller,
			     const struct multicall_entry *ue, unsigned long i,
			     unsigned long count, struct uva_run *run)
{
	struct multicall_entry e;
	uint64_t gfn, mfn;

	if (sim_xen_copy_from_guest_offset(&e, ue, i, sizeof(e)) ||
	    !uva_simple(x, caller, &e, &run->gfn, &run->mfn))
		return 0;
	for (run->n = 1; i + run->n < count; run->n++) {
		if (sim_xen_copy_from_guest_offset(&e, ue, i + run->n,
						   sizeof(e)) ||
		    !uva_simple(x, caller, &e, &gfn, &mfn) ||
		    gfn != run->gfn + run->n)
			break;
		if (run->mfn == SIM_INVALID_MFN ? mfn != SIM_INVALID_MFN
						: mfn != run->mfn + run->n)
			break;
	}
	return run->n;
}

/* Apply a run; the results go back one by one (-EFAULT if one cannot). */
static long apply_uva_run(struct sim_xen *x, struct sim_domain *caller,
			  const struct uva_run *run, struct multicall_entry *ue,
			  unsigned long i)
{
	bool unmap = run->mfn == SIM_INVALID_MFN;
	xen_ulong_t rc =
		sim_domain_set_p2m_range(caller, run->gfn, run->mfn, run->n,
					 unmap ? SIM_P2M_INVALID : SIM_P2M_RAM)
			? (xen_ulong_t)-XEN_EINVAL
			: 0;

	for (unsigned long k = 0; k < run->n; k++) {
		struct multicall_entry *u =
			sim_xen_guest_offset(ue, i + k, sizeof(*u));

		sim_xen_count_locked(x, "update_va_mapping");
		if (!rc && !unmap)
			sim_xen_m2p_set(sim_xen_impl(x), run->mfn + k,
					run->gfn + k);
		if (sim_xen_copy_to_guest(&u->result, &rc, sizeof(rc)))
			return -XEN_EFAULT;
	}
	return 0;
}

/* __HYPERVISOR_multicall(entries, count): each entry's result in place;
 * the call itself returns 0, as Xen's does.  No nesting. */
long sim_xen_do_multicall(struct sim_xen *x, struct sim_domain *caller,
			  struct multicall_entry *ue, unsigned long count)
{
	unsigned long i = 0;

	sim_xen_count_locked(x, "multicall");
	if (!sim_xen_handle_okay(x, caller, ue, count, sizeof(*ue)))
		return -XEN_EFAULT;
	while (i < count) {
		struct multicall_entry e;
		struct multicall_entry *u;
		struct uva_run run;
		xen_ulong_t result;

		if (uva_run(x, caller, ue, i, count, &run) > 1) {
			if (apply_uva_run(x, caller, &run, ue, i))
				return -XEN_EFAULT;
			i += run.n;
			continue;
		}
		u = sim_xen_guest_offset(ue, i, sizeof(e));
		if (sim_xen_copy_from_guest(&e, u, sizeof(e)))
			return -XEN_EFAULT;
		if (e.op == __HYPERVISOR_multicall)
			result = (xen_ulong_t)-XEN_EINVAL;
		else
			result = (xen_ulong_t)sim_xen_dispatch_locked(
				x, caller, (unsigned int)e.op, e.args[0],
				e.args[1], e.args[2]);
		if (sim_xen_copy_to_guest(&u->result, &result, sizeof(result)))
			return -XEN_EFAULT;
		i++;
	}
	return 0;
}

/* ---- vm_assist ---- */

/* arch_vm_assist_valid_mask(): what a guest may switch on. */
static uint64_t vm_assist_valid(const struct sim_xen *x,
				const struct sim_domain *d)
{
	uint64_t pv32 = (1ULL << VMASST_TYPE_4gb_segments) |
			(1ULL << VMASST_TYPE_4gb_segments_notify) |
			(1ULL << VMASST_TYPE_writable_pagetables) |
			(1ULL << VMASST_TYPE_pae_extended_cr3) |
			(1ULL << VMASST_TYPE_architectural_iopl) |
			(1ULL << VMASST_TYPE_runstate_update_flag);

	if (x->arch == SIM_XEN_X86 && d->pv)
		return pv32 | (1ULL << VMASST_TYPE_m2p_strict);
	return 1ULL << VMASST_TYPE_runstate_update_flag;
}

/*
 * Xen's do_vm_assist(cmd, type): the guest switches an assist on or
 * off for itself.  The model keeps the bits; pae_extended_cr3 shows in
 * the feature submap (XENFEAT_pae_pgdir_above_4gb), which is how Linux
 * on x86 PV, which switches it on at boot, sees it.
 */
long sim_xen_vm_assist(struct sim_xen *x, struct sim_domain *caller,
		       unsigned long cmd, unsigned long type)
{
	sim_xen_count_locked(x, "vm_assist");
	if ((unsigned int)type >= 64 ||
	    !(vm_assist_valid(x, caller) & (1ULL << (unsigned int)type)))
		return -XEN_EINVAL;
	switch ((unsigned int)cmd) {
	case VMASST_CMD_enable:
		caller->vm_assist |= 1ULL << (unsigned int)type;
		return 0;
	case VMASST_CMD_disable:
		caller->vm_assist &= ~(1ULL << (unsigned int)type);
		return 0;
	default:
		return -XEN_ENOSYS;
	}
}
