// SPDX-License-Identifier: MIT
/*
 * Memory that handles may point at to make Xen's copies fail: the same
 * three mappings in both worlds.  In a real dom0 Xen copies through the
 * calling process's page tables (ARM: the guest's stage 1, then its p2m;
 * x86 PV: the guest's linear address), so PROT_NONE is a fault and
 * PROT_READ a fault for writes; the model copies as the host process
 * would (process_vm_readv / writev), which faults on the same pages.
 */
#include "xc.h"

#include <sys/mman.h>

static void *map(size_t pages, int prot)
{
	void *p = mmap(NULL, pages * XC_PAGE_SIZE, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int xc_bad_mem_init(struct xc_bad_mem *b)
{
	b->unmapped = map(2, PROT_NONE);
	b->readonly = map(1, PROT_READ);
	b->tail = map(2, PROT_READ | PROT_WRITE);
	if (!b->unmapped || !b->readonly || !b->tail)
		return -1;
	/* A read-only page Xen can read: fault it in (the zero page). */
	(void)*(volatile uint8_t *)b->readonly;
	return mprotect(b->tail + XC_PAGE_SIZE, XC_PAGE_SIZE, PROT_NONE);
}

void *xc_tail(const struct xc_env *e, size_t n)
{
	return e->bad.tail + XC_PAGE_SIZE - n;
}
