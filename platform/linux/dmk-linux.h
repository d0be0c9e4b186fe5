/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * dmakit hosted in a Linux kernel: what the module's files share.
 *
 *   platform.c   struct dmk_platform over the kernel (pages, hypercalls,
 *                the x86 PV p2m kept in step, cache maintenance, printk)
 *   cache-arm.c  cache maintenance to the point of coherency by VA (arm64
 *                and arm32 do not export theirs to modules)
 *   edu.c        QEMU's edu DMA engine: registers, one transfer at a time
 *   check.c      what the device was given, checked against the real p2m
 *   test.c       the driver's workloads on dmakit's DMA API, every byte
 *                checked
 *   naive.c      the designs that must fail on the real system
 *   foreign.c    a self-granted page mapped back: GNTTABOP_cache_flush (ARM)
 *   dynamic.c    a dynamic swiotlb growing on the kernel's workqueue
 *   main.c       the module: platform, system, device, the runs, the report
 *
 * Linux counterparts: arch/x86/xen/mmu_pv.c and p2m.c (what the platform
 * mirrors), arch/arm64/mm/cache.S (dcache_clean_poc & co), and any PCI
 * driver's probe for edu.c.
 */
#ifndef DMK_LINUX_H
#define DMK_LINUX_H

#include "dmk_env.h"

#include <dmakit/dma.h>
#include <dmakit/platform.h>
#include <dmakit/system.h>

#include <linux/pci.h>

/* ---- platform.c ---- */

struct dmk_linux_platform {
	struct dmk_platform plat;
	struct dmk_platform_ops ops;
	/* x86 PV: the p2m as the kernel had it when the library started. */
	uint64_t *pv_p2m;
	/* What the platform did for the library, for the report. */
	atomic64_t hypercalls;
	atomic64_t exchanges;	 /* XENMEM_exchange calls */
	atomic64_t p2m_updates;	 /* kernel p2m entries changed after them */
	atomic64_t p2m_failures; /* entries the kernel's p2m refused */
	atomic64_t cache_ops;
	/* defer_work: the library's background work (a dynamic swiotlb's
	 * growth) on a workqueue of the module's, and how many items ran. */
	struct workqueue_struct *wq;
	atomic64_t deferred;
	/* XENMEM_exchange calls by the address bits asked for, and those
	 * that exchanged everything: what Xen could find below each limit. */
	atomic64_t exchange_tries[65];
	atomic64_t exchange_done[65];
};

int dmk_linux_platform_init(struct dmk_linux_platform *lp);
void dmk_linux_platform_exit(struct dmk_linux_platform *lp);
const char *dmk_linux_arch_name(void);
/* The exchanges by address bits, to the kernel log. */
void dmk_linux_exchange_summary(const struct dmk_linux_platform *lp);
/* x86 PV: how dom0's RAM lies in machine memory, to the kernel log. */
void dmk_linux_p2m_summary(const struct dmk_linux_platform *lp, uint64_t mask);

/* ---- cache-arm.c (arm64 and arm32 only) ---- */

void dmk_linux_dcache_clean(void *va, size_t size);
void dmk_linux_dcache_inval(void *va, size_t size);
void dmk_linux_dcache_clean_inval(void *va, size_t size);

/* ---- edu.c ---- */

#define DMK_EDU_VENDOR 0x1234
#define DMK_EDU_DEVICE 0x11e8
#define DMK_EDU_BUF_SIZE 4096
/* What one transfer may use of the buffer under QEMU 7.2 (edu.c). */
#define DMK_EDU_XFER_MAX (DMK_EDU_BUF_SIZE - 1)

struct dmk_edu {
	struct pci_dev *pdev;
	void __iomem *regs;
	uint64_t transfers;
	uint64_t timeouts;
};

/* Takes its own reference to pdev. */
int dmk_edu_open(struct dmk_edu *edu, struct pci_dev *pdev);
void dmk_edu_close(struct dmk_edu *edu);
/* The device reads len bytes at bus address addr into its buffer at
 * buf_off (RAM -> device), or writes them from there (device -> RAM).
 * 0, or -ETIMEDOUT when the engine never finished; -EINVAL unless len
 * >= 1 and buf_off + len <= DMK_EDU_XFER_MAX (QEMU would stop). */
int dmk_edu_to_device(struct dmk_edu *edu, dmk_addr_t addr,
		      unsigned int buf_off, unsigned int len);
int dmk_edu_from_device(struct dmk_edu *edu, dmk_addr_t addr,
			unsigned int buf_off, unsigned int len);

/* ---- check.c ---- */

/* Whether [addr, addr + len) is a range the device may be handed: within
 * mask, and backed by guest frames that follow each other, as the real
 * p2m (and on x86 PV Xen's M2P) says.  Logs the first few failures. */
bool dmk_linux_bus_range_ok(uint64_t mask, dmk_addr_t addr, size_t len);
/* The machine frame behind a guest frame, from the kernel's p2m, and the
 * guest frame behind a machine frame (~0 when it is none of this
 * guest's), from Xen's M2P checked against the p2m. */
uint64_t dmk_linux_pfn_to_mfn(unsigned long pfn);
unsigned long dmk_linux_frame_owner(unsigned long mfn);

/* ---- test.c and naive.c ---- */

struct dmk_edu_run {
	const char *name;
	struct dmk_device *dev;
	struct dmk_edu *edu;
	uint64_t mask;
	uint64_t seed;
	uint64_t rng;
	/* The verdict. */
	uint64_t checked; /* bytes the device moved whose value was checked */
	uint64_t wrong;	  /* of which wrong */
	uint64_t faults;  /* failed maps, bad bus ranges, guard hits, hangs */
	uint64_t maps, bounced, coherent, sg_entries, partial_syncs;
};

uint64_t dmk_edu_rand(struct dmk_edu_run *r);
unsigned int dmk_edu_rand_range(struct dmk_edu_run *r, unsigned int lo,
				unsigned int hi);
/* Bytes that depend on a stream number (drawn from the seed) and their
 * position pos0 + i, so that a byte from the wrong place is wrong; the
 * count of bytes of p that differ from them. */
void dmk_edu_fill(uint8_t *p, size_t len, uint64_t stream, size_t pos0);
size_t dmk_edu_mismatch(const uint8_t *p, size_t len, uint64_t stream,
			size_t pos0);

int dmk_edu_test(struct dmk_edu_run *r, uint64_t min_bytes);

struct dmk_edu_naive {
	uint64_t pfn_bus_wrong, pfn_bus_bytes, pfn_bus_beyond;
	uint64_t noncontig_wrong, noncontig_bytes, noncontig_beyond;
};

int dmk_edu_naive(struct dmk_edu_run *r, struct dmk_edu_naive *out);

/* ---- foreign.c (ARM) ---- */

struct dmk_edu_foreign {
	int map_error;	 /* dmk_xen_map_foreign's, 0 when it mapped */
	int unmap_error; /* dmk_xen_unmap_foreign's */
	uint64_t bytes, wrong;
	uint64_t flushes; /* GNTTABOP_cache_flush calls swiotlb-xen made */
};

int dmk_edu_foreign(struct dmk_edu_run *r, struct dmk_system *sys,
		    struct dmk_edu_foreign *out);

/* ---- dynamic.c ---- */

struct dmk_edu_dynamic {
	uint64_t held;	     /* bounced mappings alive at once */
	uint64_t direct;     /* pages tried that did not bounce */
	uint64_t map_failed; /* maps that failed: none may */
	uint64_t checked, wrong, faults;
	uint64_t pools;		  /* default + grown, all maps alive */
	uint64_t transient_live;  /* transient pools, all maps alive */
	uint64_t transient_total; /* made in the whole run */
	uint64_t transient_left;  /* after the unmaps: must be 0 */
	uint64_t pools_after;
	uint64_t deferred; /* work items the workqueue ran */
};

/* Every stride-th held mapping goes through the device (1: all). */
int dmk_edu_dynamic(struct dmk_edu_run *r, struct dmk_system *sys,
		    const struct dmk_linux_platform *lp, unsigned int stride,
		    struct dmk_edu_dynamic *out);

#endif /* DMK_LINUX_H */
