/* SPDX-License-Identifier: MIT */
/*
 * A recording platform for the DMA core's unit tests: RAM is a static
 * arena at guest-physical 0, every cache maintenance call, non-cacheable
 * mapping and IOMMU call is appended to one event log, together with the
 * bounce events of the fake swiotlb, so that a test can check not only
 * which calls happen but in which order.
 */
#ifndef DMAKIT_TESTS_FAKE_PLATFORM_H
#define DMAKIT_TESTS_FAKE_PLATFORM_H

#include "debug.h"
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "swiotlb.h"

#define FAKE_RAM_BYTES (32UL << 20)
#define FAKE_POOL_PHYS (1UL << 20) /* the fake swiotlb: [1 MiB, 2 MiB) */
#define FAKE_POOL_BYTES (1UL << 20)
#define FAKE_MAX_EVENTS 256
#define FAKE_MAX_LOG 64
#define FAKE_MAX_VMAP_PAGES 4096
#define FAKE_MAX_VMAPS 64

enum fake_event_kind {
	EV_CLEAN = DMK_CACHE_CLEAN,
	EV_INVAL = DMK_CACHE_INVAL,
	EV_CLEAN_INVAL = DMK_CACHE_CLEAN_INVAL,
	EV_MAP_UNCACHED,
	EV_UNMAP_UNCACHED,
	EV_ALLOC_PAGES,
	EV_FREE_PAGES,
	EV_IOMMU_MAP,
	EV_IOMMU_UNMAP,
	EV_BOUNCE_MAP,	 /* swiotlb: reserve + copy in */
	EV_BOUNCE_UNMAP, /* swiotlb: copy back (per its rules) + release */
	EV_BOUNCE_SYNC_DEV,
	EV_BOUNCE_SYNC_CPU,
	EV_VMAP,   /* addr: first page, size: bytes, prot: the type */
	EV_VUNMAP, /* addr: the vmap's index in vmap_va[] */
};

struct fake_event {
	enum fake_event_kind kind;
	uint64_t addr; /* phys, or IOVA for IOMMU events */
	uint64_t size;
	uint64_t arg;	     /* IOMMU: phys mapped; bounce: orig address */
	int prot;	     /* IOMMU prot, bounce direction */
	unsigned long attrs; /* bounce attrs */
};

struct fake_platform {
	struct dmk_platform plat;
	struct dmk_platform_ops ops;
	struct fake_event ev[FAKE_MAX_EVENTS];
	int nev;
	char log[FAKE_MAX_LOG][512];
	int nlog;
	int nwarn;
	int iommu_fail_in;     /* 1: the next iommu_map fails; n: the n-th */
	int outstanding_pages; /* allocated minus freed, in pages */
	int outstanding_uncached;
	/* vmap, when a test gives the platform one (fake_enable_vmap):
	 * the pages of the last vmap, every address handed out */
	int vmap_fail_in; /* 1: the next vmap fails; n: the n-th */
	int outstanding_vmaps;
	dmk_phys_t vmap_pages[FAKE_MAX_VMAP_PAGES];
	size_t vmap_npages;
	void *vmap_va[FAKE_MAX_VMAPS];
	int nvmaps;
};

/* A fresh platform: arena cleared, page allocator empty, log empty. */
struct fake_platform *fake_platform_get(void);
void fake_events_clear(struct fake_platform *fp);
/* A system over the fake platform; pool_bytes 0 = no swiotlb. */
struct dmk_system *fake_system(struct fake_platform *fp, size_t pool_bytes,
			       bool debug);
/* Where the fake swiotlb pool starts (tests may move it out of reach). */
extern dmk_phys_t fake_pool_phys;
/* 1: the next bounce fails (full pool); n: the n-th next one. */
extern int fake_swiotlb_fail_in;
/* What the system last asked the fake swiotlb for (fake_swiotlb.c). */
extern size_t fake_swiotlb_asked;
extern dmk_phys_t fake_swiotlb_asked_limit;
/* A device "dev" of sys made ready as most tests want it: initialised,
 * with its coherence and dma_mask (0: the default 32 bits), attached to
 * dom when dom is not NULL, set up for DMA, and the event log cleared of
 * what the set-up did. */
void fake_device(struct fake_platform *fp, struct dmk_device *dev,
		 struct dmk_system *sys, bool coherent, uint64_t dma_mask,
		 struct dmk_iommu_domain *dom);
/* How many events of one kind the log holds. */
int fake_event_count(const struct fake_platform *fp, enum fake_event_kind kind);
/* The debug checker's error count on sys (which must have one). */
uint64_t fake_debug_errors(struct dmk_system *sys);
/* True when a log line contains needle. */
bool fake_logged(struct fake_platform *fp, const char *needle);
uint8_t *fake_uncached_base(void);
/* Give the platform vmap / vunmap: each vmap is a fresh range of a
 * reserved area (its bytes are not the pages', only addresses count),
 * recorded as EV_VMAP with the pages in vmap_pages. */
void fake_enable_vmap(struct fake_platform *fp);

#endif
