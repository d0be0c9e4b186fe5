// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * What the device was handed, checked against the real system rather
 * than against dmakit's own bookkeeping.
 *
 * On x86 PV the judge is Xen's M2P table (machine_to_phys_mapping, which
 * XENMEM_exchange itself updates for a PV guest) read through the kernel's
 * mfn_to_pfn(), which also insists that the kernel's p2m maps the frame
 * back: a bus range is good when it lies within the device's mask and its
 * machine frames belong to guest frames that follow each other, so the
 * device's consecutive addresses are the CPU's consecutive bytes.  This is
 * what Linux's range_straddles_page_boundary() and dma_capable() promise
 * for swiotlb-xen.
 *
 * On ARM the dom0 is mapped 1:1: the bus frame of local RAM is its guest
 * frame (pfn_to_bfn is the identity outside foreign mappings).
 */
#include "dmk-linux.h"

#include <xen/page.h> /* and the arch's asm/xen/page.h */

/* Enough to see what went wrong without flooding the log. */
#define DMK_CHECK_LOG_MAX 8
static unsigned int logged;

uint64_t dmk_linux_pfn_to_mfn(unsigned long pfn)
{
#ifdef CONFIG_X86
	return pfn_to_mfn(pfn);
#else
	return pfn_to_bfn(pfn);
#endif
}

unsigned long dmk_linux_frame_owner(unsigned long mfn)
{
#ifdef CONFIG_X86
	return mfn_to_pfn(mfn);
#else
	if (!pfn_valid(mfn) || pfn_to_bfn(mfn) != mfn)
		return ~0UL;
	return mfn;
#endif
}

static void complain(dmk_addr_t addr, size_t len, const char *why,
		     unsigned long frame)
{
	if (logged++ >= DMK_CHECK_LOG_MAX)
		return;
	pr_err("dmakit-edu: bus range %#llx+%zu: %s (frame %#lx)\n",
	       (unsigned long long)addr, len, why, frame);
}

bool dmk_linux_bus_range_ok(uint64_t mask, dmk_addr_t addr, size_t len)
{
	unsigned long first = addr >> PAGE_SHIFT;
	unsigned long last = (addr + len - 1) >> PAGE_SHIFT;
	unsigned long pfn0, f;

	if (len == 0 || addr + len - 1 < addr || addr + len - 1 > mask) {
		complain(addr, len, "beyond the device's reach", first);
		return false;
	}
	pfn0 = dmk_linux_frame_owner(first);
	if (pfn0 == ~0UL) {
		complain(addr, len, "machine frame is no guest frame of ours",
			 first);
		return false;
	}
	for (f = first + 1; f <= last; f++) {
		if (dmk_linux_frame_owner(f) != pfn0 + (f - first)) {
			complain(addr, len,
				 "not machine-contiguous with its guest pages",
				 f);
			return false;
		}
	}
	return true;
}
