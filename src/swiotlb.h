/* SPDX-License-Identifier: MIT */
/*
 * The bounce pool as the rest of the library sees it (Linux's
 * <linux/swiotlb.h>): pools, bounce copies and partial syncs.  The
 * caller does the cache maintenance; the pool only copies.
 */
#ifndef DMAKIT_SWIOTLB_H
#define DMAKIT_SWIOTLB_H

#include "internal.h"

/* A pool over caller-provided guest-physically contiguous memory whose
 * every 128-slot segment is machine-contiguous.  Does not own it. */
int dmk_swiotlb_init_with_buffer(const struct dmk_platform *plat, void *va,
				 dmk_phys_t phys, size_t nslabs,
				 unsigned int nareas, struct dmk_swiotlb **out);

/*
 * What makes a pool's memory usable by every device, and its undoing:
 * Linux's remap callback of swiotlb_init_remap (xen_swiotlb_fixup).
 * remap returns 0, or -DMK_E* after undoing its own work; transient says
 * the pool serves one mapping (a dynamic swiotlb's), so it is not worth a
 * line of kernel log.
 */
struct dmk_swiotlb_remap {
	int (*remap)(void *ctx, dmk_phys_t phys, size_t nslabs,
		     dmk_phys_t limit, bool transient);
	void (*unremap)(void *ctx, dmk_phys_t phys, size_t nslabs);
	void *ctx;
};

/*
 * A pool of bytes from platform pages below limit (0: the default),
 * remapped by remap (NULL: nothing to do); when the allocation or the
 * remap fails, the next smaller power of two down to 1 MiB, as Linux's
 * swiotlb_init_remap.  The pool owns the pages and unremaps them before
 * it gives them back.
 */
int dmk_swiotlb_init_remap(const struct dmk_platform *plat, size_t bytes,
			   dmk_phys_t limit, unsigned int nareas,
			   const struct dmk_swiotlb_remap *remap,
			   struct dmk_swiotlb **out);
static inline int dmk_swiotlb_init_alloc(const struct dmk_platform *plat,
					 size_t bytes, dmk_phys_t limit,
					 unsigned int nareas,
					 struct dmk_swiotlb **out)
{
	return dmk_swiotlb_init_remap(plat, bytes, limit, nareas, NULL, out);
}
void dmk_swiotlb_free(struct dmk_swiotlb *pool);

/*
 * Make pool (a default pool) dynamic: a list of pools that grows below
 * phys_limit and transient pools (swiotlb/dynamic.c); 0 or -DMK_E*.
 * dmk_swiotlb_dyn_exit frees every pool it added (before the pool's
 * own dmk_swiotlb_free) and waits for a queued growth.
 */
int dmk_swiotlb_dyn_init(struct dmk_swiotlb *pool, dmk_phys_t phys_limit);
void dmk_swiotlb_dyn_exit(struct dmk_swiotlb *pool);

#define DMK_IO_TLB_SHIFT 11
#define DMK_IO_TLB_SIZE (1UL << DMK_IO_TLB_SHIFT)
#define DMK_IO_TLB_SEGSIZE 128

/* The pool's guest-physical span (for is_swiotlb_buffer and Xen fixup). */
void dmk_swiotlb_span(const struct dmk_swiotlb *pool, dmk_phys_t *start,
		      dmk_phys_t *end, void **va);

/*
 * Bounce orig: reserve slots (honouring dev's min_align_mask, segment
 * boundary and alloc_align_mask), copy orig -> bounce in every
 * direction, return the bounce's guest-physical address or
 * DMK_PHYS_ERROR (with one rate-limited warning unless NO_WARN).
 * As Linux 6.10: the run starts aligned to alloc_align_mask and ends
 * rounded up to it; the bounce address keeps every bit of orig under
 * min_align_mask, those also under alloc_align_mask by starting that
 * far into the run (whole padding slots, released with the mapping).
 */
dmk_phys_t dmk_swiotlb_tbl_map_single(struct dmk_swiotlb *pool,
				      struct dmk_device *dev, dmk_phys_t orig,
				      size_t mapping_size,
				      unsigned int alloc_align_mask,
				      enum dmk_data_direction dir,
				      unsigned long attrs);
/* Copy back for FROM_DEVICE/BIDIRECTIONAL unless SKIP_CPU_SYNC; release. */
void dmk_swiotlb_tbl_unmap_single(struct dmk_swiotlb *pool,
				  struct dmk_device *dev, dmk_phys_t tlb,
				  size_t mapping_size,
				  enum dmk_data_direction dir,
				  unsigned long attrs);
/* Partial syncs from any address inside a mapping. */
void dmk_swiotlb_sync_single_for_device(struct dmk_swiotlb *pool,
					dmk_phys_t tlb, size_t size,
					enum dmk_data_direction dir);
void dmk_swiotlb_sync_single_for_cpu(struct dmk_swiotlb *pool, dmk_phys_t tlb,
				     size_t size, enum dmk_data_direction dir);
/* Coherent allocation from a (restricted) pool: whole pages, no bounce. */
void *dmk_swiotlb_alloc(struct dmk_swiotlb *pool, size_t size,
			dmk_phys_t *phys);
bool dmk_swiotlb_free_alloc(struct dmk_swiotlb *pool, dmk_phys_t phys,
			    size_t size);
size_t dmk_swiotlb_max_mapping_size(struct dmk_device *dev);

/* The pool a device bounces through: its restricted pool, else the
 * system's default, else NULL. */
static inline struct dmk_swiotlb *dmk_dev_swiotlb(struct dmk_device *dev)
{
	return dev->dma->pool;
}

/* Linux's is_swiotlb_force_bounce(): swiotlb=force, or a device bound to
 * a restricted-dma-pool, which must never see memory outside it. */
static inline bool dmk_is_swiotlb_force_bounce(const struct dmk_device *dev)
{
	return dev->dma->restricted_pool || dev->sys->cfg.swiotlb_force;
}

bool dmk_is_swiotlb_buffer(const struct dmk_swiotlb *pool, dmk_phys_t phys);

#endif /* DMAKIT_SWIOTLB_H */
