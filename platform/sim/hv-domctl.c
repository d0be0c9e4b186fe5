// SPDX-License-Identifier: MIT
/*
 * __HYPERVISOR_domctl in the hypervisor model: only XEN_DOMCTL_max_mem,
 * the toolstack's call that sets how much memory a domain may have
 * (Xen's common/domctl.c).  It is what makes reservation accounting
 * reachable: increase_reservation and populate_physmap allocate until
 * tot_pages would pass max_pages (assign_pages(), hv-memop.c), and a
 * real dom0 on ARM starts with tot_pages == max_pages.
 *
 * Everything else answers -ENOSYS, after the checks every domctl makes:
 * the argument is read (-EFAULT), its interface version must be this
 * Xen's (-EACCES), the domain must exist by its real id (DOMID_SELF is
 * not one: -ESRCH), and only a privileged caller may act (-EPERM).
 */
/* domctl.h is the toolstack's interface: it wants __XEN_TOOLS__ before
 * xen.h, and refuses strict ISO C for the anonymous unions C11 has. */
#define __XEN_TOOLS__ 1
#undef __STRICT_ANSI__
#include "hv.h"

#include <xen/domctl.h>

long sim_xen_domctl(struct sim_xen *x, struct sim_domain *caller,
		    const void *arg)
{
	struct xen_domctl op;
	struct sim_domain *d;
	uint64_t new_max;

	sim_xen_count_locked(x, "domctl");
	if (sim_xen_copy_from_guest(&op, arg, sizeof(op)))
		return -XEN_EFAULT;
	if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return -XEN_EACCES;
	d = op.domain == DOMID_SELF ? NULL
				    : sim_xen_find_domain(x, caller, op.domain);
	if (!d)
		return -XEN_ESRCH;
	if (!caller->privileged)
		return -XEN_EPERM;
	if (op.cmd != XEN_DOMCTL_max_mem)
		return -XEN_ENOSYS;
	new_max = op.u.max_mem.max_memkb >> (SIM_PAGE_SHIFT - 10);
	d->max_pages = new_max < UINT32_MAX ? (uint32_t)new_max : UINT32_MAX;
	return 0;
}
