/* SPDX-License-Identifier: MIT */
/*
 * dmakit in dom0 (or domU) user space: the privcmd platform.
 *
 * Hypercalls go through Linux's /dev/xen/privcmd (IOCTL_PRIVCMD_HYPERCALL,
 * drivers/xen/privcmd.c), which hands Xen's return value back unchanged.
 * Guest memory is ordinary user memory that is locked and populated, and
 * whose guest frame numbers come from /proc/self/pagemap.  That is what
 * user space can know, and no more:
 *
 *   - ARM (arm64, arm32): pagemap gives the IPA frame; for a 1:1 dom0
 *     (XENFEAT_direct_mapped) that is also the machine frame.
 *   - x86 PV: pagemap gives the pseudo-physical frame.  The machine frame
 *     behind it is in the kernel's p2m, which user space cannot read;
 *     hypercalls that name machine frames (decrease_reservation,
 *     XENMEM_exchange, GNTTABOP_cache_flush) cannot be aimed at user
 *     pages without help from the kernel: the small dmk_p2m module
 *     (kmod/) reads the p2m for us.  Without it, dmk_privcmd_mfn()
 *     answers DMK_PRIVCMD_NO_FRAME and the platform has no xen_pv_p2m.
 *   - A page's frame holds only while Linux does not migrate it: mlock
 *     keeps it in RAM, and vm.compact_unevictable_allowed = 0 keeps
 *     compaction off locked pages.  Linux's own drivers pin pages in the
 *     kernel (pin_user_pages); user space has no such call.
 *
 * The Linux counterpart of the whole is libxencall + libxenforeignmemory
 * over privcmd; the Xen side is every hypervisor entry point reached with
 * guest handles that are user addresses (Xen copies through the current
 * page tables: ARM translates with the guest's stage 1, x86 PV uses the
 * guest's linear address).
 */
#ifndef DMAKIT_PRIVCMD_H
#define DMAKIT_PRIVCMD_H

#include <dmakit/platform.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* No frame: the page is not present (or pagemap hides frame numbers,
 * which it does to a process without CAP_SYS_ADMIN). */
#define DMK_PRIVCMD_NO_FRAME (~0ULL)

struct dmk_privcmd;

struct dmk_privcmd_config {
	const char *path; /* NULL: /dev/xen/privcmd */
	/* The dmk_p2m kernel module's device (kmod/), for x86 PV machine
	 * frames; NULL: /dev/dmk_p2m, used when it is there. */
	const char *p2m_path;
	/* Locked pages the platform's alloc_pages hands out; 0: none (the
	 * hypercall and frame calls still work). */
	size_t pool_pages;
};

/* Returns 0, or a negative errno (-ENOENT when there is no privcmd
 * device: not on Xen, or xen-privcmd not loaded). */
int dmk_privcmd_open(const struct dmk_privcmd_config *cfg,
		     struct dmk_privcmd **out);
void dmk_privcmd_close(struct dmk_privcmd *pc);

/* One hypercall, Xen's number and arguments; Xen's return value as it
 * came (a negative Xen errno, a count, a frame number ...). */
long dmk_privcmd_hypercall(struct dmk_privcmd *pc, unsigned int op,
			   unsigned long a1, unsigned long a2,
			   unsigned long a3);

/* Lock [va, va + len) in RAM and fault every page in for writing (or
 * reading, for a read-only mapping).  0 or a negative errno. */
int dmk_privcmd_lock(void *va, size_t len);

/* The guest frame behind the page of va (see above for what "guest
 * frame" means per architecture), or DMK_PRIVCMD_NO_FRAME. */
uint64_t dmk_privcmd_frame(struct dmk_privcmd *pc, const void *va);

/* The machine frame behind a guest frame: through dmk_p2m on x86 PV
 * (DMK_PRIVCMD_NO_FRAME without the module, or for a hole); the frame
 * itself on a translated guest, whose frames are gfns to itself (and
 * machine frames on a 1:1 dom0). */
uint64_t dmk_privcmd_mfn(struct dmk_privcmd *pc, uint64_t frame);

/* The platform over this privcmd: hypercalls, and pages from the pool
 * (guest-physically contiguous runs of it for order > 0). */
const struct dmk_platform *dmk_privcmd_platform(struct dmk_privcmd *pc);

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_PRIVCMD_H */
