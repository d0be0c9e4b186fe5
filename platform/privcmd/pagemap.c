// SPDX-License-Identifier: MIT
/*
 * Frame numbers from /proc/self/pagemap (Linux's
 * Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per
 * virtual page, bit 63 "present", bits 0-54 the page frame number.  The
 * frame is hidden (zero) unless the reader has CAP_SYS_ADMIN.
 *
 * What the number is depends on where Linux runs (privcmd.h): the IPA
 * frame on ARM, the pseudo-physical frame on x86 PV.
 */
#include "privcmd-internal.h"

#include <unistd.h>

#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)

uint64_t dmk_privcmd_frame(struct dmk_privcmd *pc, const void *va)
{
	uint64_t entry, vpn = (uintptr_t)va >> DMK_PAGE_SHIFT;

	if (pread(pc->pagemap_fd, &entry, sizeof(entry),
		  (off_t)(vpn * sizeof(entry))) != sizeof(entry))
		return DMK_PRIVCMD_NO_FRAME;
	if (!(entry & PM_PRESENT) || !(entry & PM_PFN_MASK))
		return DMK_PRIVCMD_NO_FRAME;
	return entry & PM_PFN_MASK;
}
