/* SPDX-License-Identifier: MIT */
/*
 * Private interfaces of the Xen layer (src/xen/).
 *
 *   xen.c          life cycle, features, the swiotlb pool fix-up, per-device
 *                  ops, the per-arch dispatch
 *   p2m.c          what this guest knows of its frames: pfn <-> bfn
 *   contig.c       xen_create/destroy_contiguous_region (XENMEM_exchange,
 *                  or the exchange-and-pin extension)
 *   grant.c        grant tables: front end grants, back end foreign maps
 *   swiotlb-xen.c  the dma_map_ops
 *   arch-*.c       xen_alloc/free_coherent_pages and xen_arch_need_swiotlb
 *
 * The hypervisor is reached only through plat->ops->hypercall, with Xen's
 * numbers and the argument structures of Xen's installed public headers.
 */
#ifndef DMAKIT_XEN_INTERNAL_H
#define DMAKIT_XEN_INTERNAL_H

#include "../internal.h"

#include <dmakit/xen.h>

#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/grant_table.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/errno.h>
#include <dmakit/xen-ext.h>

/* Linux's MAX_CONTIG_ORDER: 2 MiB regions at most. */
#define DMK_XEN_MAX_CONTIG_ORDER 9
#define DMK_XEN_MAX_CONTIG_PAGES (1U << DMK_XEN_MAX_CONTIG_ORDER)

/* Linux's MAX_DMA_BITS for the swiotlb fix-up. */
#define DMK_XEN_MAX_DMA_BITS 32

/* x86 PTE bits of a kernel data page: present, writable, accessed, dirty. */
#define DMK_XEN_PTE_KERNEL 0x63ULL

/* One grant-table frame: 512 grant_entry_v1_t. */
#define DMK_XEN_GRANT_FRAMES 1

/* How this guest's frames relate to machine frames. */
enum dmk_xen_mode {
	DMK_XEN_MODE_PV,     /* x86 PV: the guest keeps its own p2m */
	DMK_XEN_MODE_1TO1,   /* autotranslated, own RAM direct-mapped */
	DMK_XEN_MODE_PINNED, /* autotranslated, not 1:1: exchange-and-pin */
};

/* What a frame recorded in the lookup structure is. */
enum dmk_xen_frame_kind {
	DMK_XEN_FRAME_FOREIGN, /* a grant mapping of another domain's page */
	DMK_XEN_FRAME_PINNED,  /* own RAM made contiguous and pinned */
};

/*
 * A sorted array of disjoint ranges [start, start + nr) -> target, kind.
 * Lookups are binary searches under a read lock; inserts and removals
 * move the tail under the write lock.  The ranges are few (regions and
 * foreign pages), so a sorted array beats a tree in memory and locality.
 * A map built with allow_dup_start accepts several ranges with the same
 * start (one machine frame mapped at two guest frames).
 */
struct dmk_xen_range {
	uint64_t start, nr, target;
	uint8_t kind; /* enum dmk_xen_frame_kind */
};

struct dmk_xen_rangemap {
	struct dmk_xen_range *v;
	size_t n, cap;
	bool allow_dup_start;
	dmk_rwlock_t lock;
};

void dmk_xen_rangemap_init(struct dmk_xen_rangemap *m, bool allow_dup_start);
void dmk_xen_rangemap_destroy(struct dmk_xen_rangemap *m);
/* 0, -DMK_EINVAL on overlap (or nr 0), -DMK_ENOMEM. */
int dmk_xen_rangemap_insert(struct dmk_xen_rangemap *m, uint64_t start,
			    uint64_t nr, uint64_t target,
			    enum dmk_xen_frame_kind kind);
/* Remove the range that starts at start and maps to target; 0 or
 * -DMK_EINVAL when there is none. */
int dmk_xen_rangemap_remove(struct dmk_xen_rangemap *m, uint64_t start,
			    uint64_t target);
/* key's target (target + key - start) and kind; false when unmapped. */
bool dmk_xen_rangemap_lookup(struct dmk_xen_rangemap *m, uint64_t key,
			     uint64_t *target, enum dmk_xen_frame_kind *kind);
size_t dmk_xen_rangemap_count(struct dmk_xen_rangemap *m);

/*
 * x86 PV's reverse map, machine frame -> pseudo-physical frame (what
 * Linux reads from Xen's M2P table).  Open addressing, linear probing,
 * deletion by backward shift; a frame list of a few hundred thousand
 * entries updated page by page during exchanges needs O(1) updates.
 */
struct dmk_xen_m2p {
	uint64_t *keys; /* mfn, or DMK_INVALID_BFN for an empty slot */
	uint64_t *vals;
	size_t cap; /* a power of two */
	size_t n;
	dmk_rwlock_t lock;
};

int dmk_xen_m2p_init(struct dmk_xen_m2p *h, size_t expected);
void dmk_xen_m2p_destroy(struct dmk_xen_m2p *h);
int dmk_xen_m2p_set(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn);
void dmk_xen_m2p_del(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn);
uint64_t dmk_xen_m2p_get(struct dmk_xen_m2p *h, uint64_t mfn);

struct dmk_xen {
	struct dmk_system *sys;
	const struct dmk_platform *plat;

	/* What XENVER_get_features said. */
	uint32_t features;
	enum dmk_xen_mode mode;
	bool dom0;
	bool cache_flush; /* GNTTABOP_cache_flush answered the probe */

	/* p2m.c */
	struct dmk_xen_rangemap by_pfn; /* foreign pages and pinned regions */
	struct dmk_xen_rangemap by_bfn; /* the same, keyed by machine frame */
	uint64_t *pv_p2m; /* PV: pfn -> mfn, DMK_INVALID_BFN for a hole */
	uint64_t pv_nr;
	struct dmk_xen_m2p m2p;

	/*
	 * Linux's xen_reservation_lock and discontig_frames: every
	 * exchange and balloon operation runs under it with these arrays.
	 */
	dmk_mutex_t reservation_lock;
	xen_pfn_t frames[DMK_XEN_MAX_CONTIG_PAGES];
	uint64_t old_mfns[DMK_XEN_MAX_CONTIG_PAGES];
	struct mmu_update mmu[DMK_XEN_MAX_CONTIG_PAGES];
	struct multicall_entry mc[DMK_XEN_MAX_CONTIG_PAGES];

	/* Coherent buffers that were made contiguous (PageXenRemapped). */
	struct dmk_xen_rangemap remapped;

	/* The swiotlb pool and which of its segments were exchanged. */
	bool own_pool;
	void *pool_va;
	dmk_phys_t pool_phys;
	size_t pool_bytes;
	unsigned int pool_order;
	size_t pool_nsegs;
	bool *seg_made;

	/* grant.c */
	dmk_mutex_t grant_lock;
	grant_entry_v1_t *gnttab; /* NULL until the first grant */
	dmk_phys_t gnttab_phys;
	unsigned int gnttab_nr;
	uint8_t *gref_used;

	uint64_t pages_exchanged;
	uint64_t contig_regions;
	uint64_t foreign_maps;
	uint64_t cache_flush_calls;
	uint64_t bounced;
};

static inline struct dmk_xen *dev_xen(struct dmk_device *dev)
{
	return dev->sys->xen;
}

/* ---- xen.c ---- */

long dmk_xen_hypercall(struct dmk_xen *xen, unsigned int op, unsigned long a1,
		       unsigned long a2, unsigned long a3);
static inline long dmk_xen_memory_op(struct dmk_xen *xen, unsigned int cmd,
				     void *arg)
{
	return dmk_xen_hypercall(xen, __HYPERVISOR_memory_op, cmd,
				 (unsigned long)arg, 0);
}
static inline long dmk_xen_grant_table_op(struct dmk_xen *xen, unsigned int cmd,
					  void *uop, unsigned int count)
{
	return dmk_xen_hypercall(xen, __HYPERVISOR_grant_table_op, cmd,
				 (unsigned long)uop, count);
}
/* A Xen error (negative XEN_E*) as a -DMK_E* code. */
int dmk_xen_error(long rc);
unsigned int dmk_xen_get_order(size_t size);
unsigned int dmk_xen_fls64(uint64_t x);

/* ---- p2m.c ---- */

int dmk_xen_p2m_init(struct dmk_xen *xen);
void dmk_xen_p2m_exit(struct dmk_xen *xen);
/* Foreign pages and pinned regions (both arches' lookup structure). */
int dmk_xen_p2m_add(struct dmk_xen *xen, uint64_t pfn, uint64_t bfn,
		    uint64_t nr, enum dmk_xen_frame_kind kind);
void dmk_xen_p2m_del(struct dmk_xen *xen, uint64_t pfn, uint64_t bfn);
bool dmk_xen_pfn_is_foreign(struct dmk_xen *xen, uint64_t pfn);
/* PV: the guest's own p2m entry and its reverse (mfn DMK_INVALID_BFN:
 * the pfn has no frame). */
void dmk_xen_pv_set(struct dmk_xen *xen, uint64_t pfn, uint64_t mfn);
uint64_t dmk_xen_pv_get(struct dmk_xen *xen, uint64_t pfn);

/* ---- contig.c: PV page-table helpers shared with grant.c ---- */

/* update_va_mapping of the linear-map page of pfn: mfn, or unmap. */
int dmk_xen_pv_map_frame(struct dmk_xen *xen, uint64_t pfn, uint64_t mfn);
int dmk_xen_pv_unmap_frame(struct dmk_xen *xen, uint64_t pfn);
/* MMU_MACHPHYS_UPDATE for n frames mfn[i] -> pfn + i (uses xen->mmu). */
int dmk_xen_pv_set_m2p(struct dmk_xen *xen, const uint64_t *mfns, uint64_t pfn,
		       unsigned int n);
/* Balloon one page out (its frame goes back to Xen) or in again.  The
 * caller holds reservation_lock. */
int dmk_xen_balloon_out(struct dmk_xen *xen, dmk_phys_t phys);
int dmk_xen_balloon_in(struct dmk_xen *xen, dmk_phys_t phys);

/* ---- xen.c: the swiotlb pool fix-up ---- */

int dmk_xen_pool_init(struct dmk_xen *xen);
void dmk_xen_pool_exit(struct dmk_xen *xen);

/* ---- grant.c ---- */

void dmk_xen_grant_exit(struct dmk_xen *xen);

/* ---- swiotlb-xen.c ---- */

dmk_addr_t dmk_xen_phys_to_dma(struct dmk_device *dev, dmk_phys_t phys);
/* DMK_PHYS_ERROR when the guest does not know the frame. */
dmk_phys_t dmk_xen_dma_to_phys(struct dmk_device *dev, dmk_addr_t addr);
bool dmk_xen_range_straddles(struct dmk_xen *xen, dmk_phys_t phys, size_t size);

/* ---- arch-*.c ---- */

void *dmk_xen_x86_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				       dmk_addr_t *dma_handle,
				       unsigned long attrs);
void dmk_xen_x86_free_coherent_pages(struct dmk_device *dev, size_t size,
				     void *cpu_addr, dmk_addr_t dma_handle,
				     unsigned long attrs);
void *dmk_xen_arm_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				       dmk_addr_t *dma_handle,
				       unsigned long attrs);
void dmk_xen_arm_free_coherent_pages(struct dmk_device *dev, size_t size,
				     void *cpu_addr, dmk_addr_t dma_handle,
				     unsigned long attrs);
void *dmk_xen_arm64_alloc_coherent_pages(struct dmk_device *dev, size_t size,
					 dmk_addr_t *dma_handle,
					 unsigned long attrs);
void dmk_xen_arm64_free_coherent_pages(struct dmk_device *dev, size_t size,
				       void *cpu_addr, dmk_addr_t dma_handle,
				       unsigned long attrs);
/* The device's own ops underneath swiotlb-xen (never swiotlb-xen). */
const struct dmk_dma_map_ops *dmk_xen_native_ops(struct dmk_device *dev);

/* xen_arch_need_swiotlb: an arch reason to bounce [phys, phys + size). */
bool dmk_xen_x86_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size);
bool dmk_xen_arm_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size);
bool dmk_xen_arch_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			       size_t size);

#endif /* DMAKIT_XEN_INTERNAL_H */
