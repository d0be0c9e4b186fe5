/* SPDX-License-Identifier: MIT */
/*
 * The one way to the hypervisor: the platform's hypercall hook, with
 * Xen's numbers and public argument structures (Linux's
 * HYPERVISOR_memory_op & co.), and what Xen's errors mean to a caller
 * of the library.
 */
#include "xen-internal.h"

long dmk_xen_hypercall(struct dmk_xen *xen, unsigned int op, unsigned long a1,
		       unsigned long a2, unsigned long a3)
{
	const struct dmk_platform *plat = xen->plat;

	return plat->ops->hypercall(plat->ctx, op, a1, a2, a3);
}

int dmk_xen_error(long rc)
{
	switch (rc) {
	case 0:
		return 0;
	case -XEN_ENOMEM:
		return -DMK_ENOMEM;
	case -XEN_EINVAL:
	case -XEN_EFAULT:
		return -DMK_EINVAL;
	case -XEN_ENOSYS:
	case -XEN_EOPNOTSUPP:
		return -DMK_ENOTSUP;
	default:
		return -DMK_EIO;
	}
}
