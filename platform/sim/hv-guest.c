// SPDX-License-Identifier: MIT
/*
 * Guest memory as the hypervisor model reaches it: Xen's
 * copy_from_guest / copy_to_guest and guest_handle_okay
 * (xen/include/xen/guest_access.h, arch/{arm,x86}/include/asm/
 * guest_access.h).
 *
 * The model never dereferences a guest pointer.  A guest's address
 * space is the host process's: guest code runs as host code, and a
 * domain's linear map is made of real host mappings with its p2m holes
 * PROT_NONE (domain.c).  So "could Xen copy through this handle" is
 * "could this process read (or write) these bytes", and
 * process_vm_readv / process_vm_writev on ourselves answer that without
 * a fault: they stop at the first page that is not mapped (or not
 * writable) and say how far they got.  That is what Xen's copies do
 * (ARM walks the guest's stage 1 and p2m page by page; x86 PV copies
 * under exception fixup): a copy that does not complete is -EFAULT, and
 * a write copies what fits before the bad page.
 *
 * guest_handle_okay is per architecture, as in Xen: on ARM every guest
 * is paging-mode external and the check is always true (the copy is
 * what fails); x86 PV checks the range up front, before any work:
 * the element count must not overflow and the start must lie outside
 * Xen's own part of the address space ([2^47, HYPERVISOR_VIRT_END)).
 */
#include "hv.h"

#include <sys/uio.h>
#include <unistd.h>

/* x86-64's HYPERVISOR_VIRT_END: PML4 slot 256 plus 16 slots. */
#define X86_XEN_VIRT_START 0xffff800000000000ULL
#define X86_XEN_VIRT_END 0xffff880000000000ULL

int sim_xen_copy_from_guest(void *dst, const void *src, size_t len)
{
	struct iovec local = {dst, len}, remote = {(void *)src, len};

	if (!len)
		return 0;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) ==
			       (ssize_t)len
		       ? 0
		       : -XEN_EFAULT;
}

int sim_xen_copy_to_guest(void *dst, const void *src, size_t len)
{
	struct iovec local = {(void *)src, len}, remote = {dst, len};

	if (!len)
		return 0;
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) ==
			       (ssize_t)len
		       ? 0
		       : -XEN_EFAULT;
}

void *sim_xen_guest_offset(const void *hnd, uint64_t index, size_t size)
{
	return (void *)((uintptr_t)hnd + (uintptr_t)(index * size));
}

int sim_xen_copy_from_guest_offset(void *dst, const void *hnd, uint64_t index,
				   size_t size)
{
	return sim_xen_copy_from_guest(
		dst, sim_xen_guest_offset(hnd, index, size), size);
}

int sim_xen_copy_to_guest_offset(void *hnd, uint64_t index, const void *src,
				 size_t size)
{
	return sim_xen_copy_to_guest(sim_xen_guest_offset(hnd, index, size),
				     src, size);
}

bool sim_xen_handle_subrange_okay(const struct sim_xen *x,
				  const struct sim_domain *caller,
				  const void *hnd, uint64_t first,
				  uint64_t last, size_t size)
{
	uint64_t count = last - first + 1;
	uint64_t addr = (uint64_t)(uintptr_t)hnd + first * size;

	if (x->arch != SIM_XEN_X86 || !caller->pv)
		return true;
	if (count >= UINT64_MAX / size)
		return false;
	return addr < X86_XEN_VIRT_START || addr >= X86_XEN_VIRT_END;
}

bool sim_xen_handle_okay(const struct sim_xen *x,
			 const struct sim_domain *caller, const void *hnd,
			 uint64_t nr, size_t size)
{
	return sim_xen_handle_subrange_okay(x, caller, hnd, 0, nr - 1, size);
}
