// SPDX-License-Identifier: MIT
/*
 * Frame numbers: guest frames from /proc/self/pagemap, and on x86 PV the
 * machine frames behind them from the dmk_p2m module (kmod/).
 *
 * /proc/self/pagemap (Linux's
 * Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per
 * virtual page, bit 63 "present", bits 0-54 the page frame number.  The
 * frame is hidden (zero) unless the reader has CAP_SYS_ADMIN.
 *
 * What the number is depends on where Linux runs (privcmd.h): the IPA
 * frame on ARM, the pseudo-physical frame on x86 PV.
 */
#include "privcmd-internal.h"

#include <fcntl.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/features.h>
#include <xen/version.h>

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

void dmk_privcmd_p2m_open(struct dmk_privcmd *pc, const char *path)
{
	pc->p2m_fd = open(path ? path : "/dev/dmk_p2m", O_RDONLY | O_CLOEXEC);
}

/* Is the guest translated (ARM, HVM): its frames are gfns? */
static bool translated(struct dmk_privcmd *pc)
{
	struct xen_feature_info fi = {.submap_idx = 0};

	return !dmk_privcmd_hypercall(pc, __HYPERVISOR_xen_version,
				      XENVER_get_features, (unsigned long)&fi,
				      0) &&
	       (fi.submap & (1U << XENFEAT_auto_translated_physmap));
}

uint64_t dmk_privcmd_mfn(struct dmk_privcmd *pc, uint64_t frame)
{
	uint64_t mfn;

	if (frame == DMK_PRIVCMD_NO_FRAME)
		return DMK_PRIVCMD_NO_FRAME;
	if (translated(pc))
		return frame;
	if (pc->p2m_fd < 0 ||
	    pread(pc->p2m_fd, &mfn, sizeof(mfn), (off_t)(frame * 8)) !=
		    sizeof(mfn) ||
	    mfn == ~0ULL)
		return DMK_PRIVCMD_NO_FRAME;
	return mfn;
}
