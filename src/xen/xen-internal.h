/* SPDX-License-Identifier: MIT */
/*
 * Private interfaces of the Xen layer (src/xen/), the guest side of Xen:
 * what Linux keeps in drivers/xen/swiotlb-xen.c, arch/{x86,arm}/xen and
 * drivers/xen/grant-table.c.  One job per file:
 *
 *   layer.c              attach and exit: features, mode, arch rules,
 *                        the hooks registered on the system, stats
 *   hypercall.c          the hypercall entry and Xen's errors
 *   dma-ops.c            per-device ops wrapping (xen_setup_dma_ops)
 *   swiotlb-xen.c        the dma_map_ops
 *   swiotlb-xen-fixup.c  the bounce pool made machine-contiguous
 *   p2m.c                what this guest knows of its frames (pfn <-> bfn)
 *   frame-tables.c       the lookup structures p2m.c keeps
 *   contig.c             xen_create/destroy_contiguous_region
 *   grant.c              grant tables: front end grants, back end maps
 *   grant-dma.c          grant DMA ops: grant references as bus addresses
 *   arch-x86.c           the x86 rules: xen_alloc_coherent_pages = free
 *   arch-arm.c           the 32-bit ARM rules: the device's arm_dma_ops
 *   arch-arm64.c         the ARM64 rules: the device's own ops' alloc
 *
 * The hypervisor is reached only through plat->ops->hypercall, with Xen's
 * numbers and the argument structures of Xen's installed public headers
 * (xen-abi.h).
 */
#ifndef DMAKIT_XEN_INTERNAL_H
#define DMAKIT_XEN_INTERNAL_H

#include "../direct.h"
#include "../internal.h"
#include "../swiotlb.h"
#include "xen-abi.h"

#include <dmakit/xen.h>

/* Linux's MAX_CONTIG_ORDER: 2 MiB regions at most. */
#define DMK_XEN_MAX_CONTIG_ORDER 9
#define DMK_XEN_MAX_CONTIG_PAGES (1U << DMK_XEN_MAX_CONTIG_ORDER)

/* x86 PTE bits of a kernel data page: present, writable, accessed, dirty. */
#define DMK_XEN_PTE_KERNEL 0x63ULL

/* A grant-table frame holds 512 grant_entry_v1_t; the table grows a
 * frame at a time up to what GNTTABOP_query_size allows, and never past
 * Xen's default gnttab_max_frames (64: 32768 references). */
#define DMK_XEN_GREFS_PER_FRAME (DMK_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define DMK_XEN_GRANT_MAX_FRAMES 64U

/* Offset of an address in its 4 KiB Xen page, and the page itself. */
#define DMK_XEN_PAGE_MASK (~(uint64_t)(DMK_PAGE_SIZE - 1))

/* How this guest's frames relate to machine frames. */
enum dmk_xen_mode {
	DMK_XEN_MODE_PV,     /* x86 PV: the guest keeps its own p2m */
	DMK_XEN_MODE_1TO1,   /* autotranslated, own RAM direct-mapped */
	DMK_XEN_MODE_PINNED, /* autotranslated, not 1:1: exchange-and-pin */
};

/*
 * The per-architecture rules of the thread, chosen once when the layer
 * attaches (Linux's arch/<arch>/include/asm/xen/page-coherent.h and
 * xen_arch_need_swiotlb).
 */
struct dmk_xen_arch {
	const char *name;
	/* xen_alloc_coherent_pages: pages the device may use as coherent
	 * memory, with their native bus address (phys + bus_offset). */
	void *(*alloc_coherent_pages)(struct dmk_device *dev, size_t size,
				      dmk_addr_t *dma_handle,
				      unsigned long attrs);
	void (*free_coherent_pages)(struct dmk_device *dev, size_t size,
				    void *cpu_addr, dmk_addr_t dma_handle,
				    unsigned long attrs);
	/* An arch reason to bounce [phys, phys + size) for this device. */
	bool (*need_swiotlb)(struct dmk_device *dev, dmk_phys_t phys,
			     size_t size);
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

struct dmk_xen {
	struct dmk_system *sys;
	const struct dmk_platform *plat;
	const struct dmk_xen_arch *arch;

	/* What XENVER_get_features said. */
	uint32_t features;
	enum dmk_xen_mode mode;
	bool dom0;
	bool cache_flush; /* GNTTABOP_cache_flush answered the probe */
	bool swiotlb_xen; /* xen_swiotlb_detect said yes */

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

	/* grant.c: the table's frames, each at a ballooned guest frame,
	 * mapped on demand (none until the first grant). */
	dmk_mutex_t grant_lock;
	grant_entry_v1_t *gnttab[DMK_XEN_GRANT_MAX_FRAMES];
	dmk_phys_t gnttab_phys[DMK_XEN_GRANT_MAX_FRAMES];
	unsigned int gnttab_frames;	/* mapped */
	unsigned int gnttab_max_frames; /* query_size's limit, once asked */
	unsigned int gnttab_nr;		/* references in the mapped frames */
	uint8_t *gref_used;	/* one byte per reference up to the limit */
	unsigned int gref_hint; /* where the next search starts */
	uint64_t gref_live;	/* references handed out */

	uint64_t pages_exchanged;
	uint64_t contig_regions;
	uint64_t foreign_maps;
	uint64_t cache_flush_calls;
	uint64_t bounced;
};

/* The Xen layer of a system, or NULL when the system has none. */
struct dmk_xen *dmk_xen_of(const struct dmk_system *sys);

static inline struct dmk_xen *dev_xen(struct dmk_device *dev)
{
	return dmk_xen_of(dev->sys);
}

/* ---- hypercall.c ---- */

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

/* ---- frame-tables.c ---- */

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

int dmk_xen_m2p_init(struct dmk_xen_m2p *h, size_t expected);
void dmk_xen_m2p_destroy(struct dmk_xen_m2p *h);
int dmk_xen_m2p_set(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn);
void dmk_xen_m2p_del(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn);
uint64_t dmk_xen_m2p_get(struct dmk_xen_m2p *h, uint64_t mfn);

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
/* This guest's frame translations on the layer's own state. */
uint64_t dmk_xen_p2m_pfn_to_bfn(struct dmk_xen *xen, uint64_t pfn);
uint64_t dmk_xen_p2m_bfn_to_pfn(struct dmk_xen *xen, uint64_t bfn);

/* ---- contig.c, and its PV page-table helpers shared with grant.c ---- */

int dmk_xen_contig_create(struct dmk_xen *xen, dmk_phys_t pstart,
			  unsigned int order, unsigned int address_bits,
			  dmk_maddr_t *ma);
void dmk_xen_contig_destroy(struct dmk_xen *xen, dmk_phys_t pstart,
			    unsigned int order);
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

/* ---- swiotlb-xen-fixup.c: the layer's pool hooks ---- */

int dmk_xen_pool_remap(struct dmk_system *sys, dmk_phys_t phys, size_t nslabs,
		       dmk_phys_t limit, bool transient);
void dmk_xen_pool_unremap(struct dmk_system *sys, dmk_phys_t phys,
			  size_t nslabs);
/* The layer's restricted_pool hook: every Xen page of the range must be
 * the machine frame of the same number (-DMK_ENOTSUP otherwise). */
int dmk_xen_restricted_pool_check(struct dmk_system *sys, dmk_phys_t phys,
				  size_t size);

/* ---- dma-ops.c ---- */

/* The layer's setup_dev hook: wrap the device when it needs Xen. */
void dmk_xen_setup_dev(struct dmk_device *dev);

/* ---- grant.c ---- */

void dmk_xen_grant_exit(struct dmk_xen *xen);
/* n consecutive free references (the table grown if need be): the
 * first, or a negative error: -DMK_ENOMEM when the hypervisor's limit
 * is reached or growing the table failed (one line, unless !warn: the
 * caller's DMK_ATTR_NO_WARN), -DMK_EINVAL for n 0 or beyond any table. */
int dmk_xen_gref_get_seq(struct dmk_xen *xen, unsigned int n, bool warn);
void dmk_xen_gref_put_seq(struct dmk_xen *xen, unsigned int ref,
			  unsigned int n);
/* Grant the page at phys to domain to through ref (held by the caller):
 * 0, or -DMK_EINVAL when the guest knows no frame for it. */
int dmk_xen_gref_grant(struct dmk_xen *xen, unsigned int ref, uint16_t to,
		       dmk_phys_t phys, bool readonly);
/* End access through ref; false while the peer still maps it. */
bool dmk_xen_gref_revoke(struct dmk_xen *xen, unsigned int ref);
/* Every reference of [ref, ref + n) is in the table and held: what a
 * bus address a driver hands back must name before it is revoked. */
bool dmk_xen_gref_held(struct dmk_xen *xen, unsigned int ref, unsigned int n);

/* ---- grant-dma.c ---- */

/* The device is on grant DMA (DT binding, or a virtio device the
 * platform forces): put the grant ops on top.  true when it did. */
bool dmk_xen_grant_dma_setup_dev(struct dmk_device *dev);
/* The layer's release_dev hook: the device's grant DMA state. */
void dmk_xen_grant_dma_release_dev(struct dmk_device *dev);

/* ---- swiotlb-xen.c ---- */

/* Machine address of a guest-physical one, as this guest knows it
 * (DMK_MADDR_INVALID when it does not), and back (DMK_PHYS_ERROR). */
dmk_maddr_t dmk_xen_phys_to_maddr(struct dmk_xen *xen, dmk_phys_t phys);
dmk_phys_t dmk_xen_maddr_to_phys(struct dmk_xen *xen, dmk_maddr_t ma);
/* What the device emits for a machine address: its dma-ranges offset. */
static inline dmk_addr_t dmk_xen_maddr_to_dma(struct dmk_device *dev,
					      dmk_maddr_t ma)
{
	if (ma.maddr == DMK_MADDR_INVALID.maddr)
		return DMK_MAPPING_ERROR;
	return dmk_phys_to_dma(dev, ma.maddr);
}
static inline dmk_maddr_t dmk_xen_dma_to_maddr(struct dmk_device *dev,
					       dmk_addr_t addr)
{
	dmk_phys_t ma = dmk_dma_to_phys(dev, addr);

	return ma == DMK_PHYS_ERROR ? DMK_MADDR_INVALID : (dmk_maddr_t){ma};
}
dmk_addr_t dmk_xen_phys_to_dma(struct dmk_device *dev, dmk_phys_t phys);
/* DMK_PHYS_ERROR when the guest does not know the frame. */
dmk_phys_t dmk_xen_dma_to_phys(struct dmk_device *dev, dmk_addr_t addr);
bool dmk_xen_range_straddles(struct dmk_xen *xen, dmk_phys_t phys, size_t size);

/* ---- arch-*.c: the tables (dmakit/xen.h names them for a port) ---- */

/* The device's ops underneath swiotlb-xen (never swiotlb-xen itself). */
const struct dmk_dma_map_ops *dmk_xen_native_ops(struct dmk_device *dev);
/* xen_arch_need_swiotlb of both ARM flavours (arch/arm/xen/mm.c). */
bool dmk_xen_arm_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size);

#endif /* DMAKIT_XEN_INTERNAL_H */
