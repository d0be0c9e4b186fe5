/* SPDX-License-Identifier: MIT */
/*
 * dmakit: the DMA mapping API a driver sees.
 *
 * This is the interface of Linux's <linux/dma-mapping.h>, made portable:
 * a device carries its DMA constraints, and every call dispatches to the
 * ops the device was set up with.  Who provides ops (dma-direct,
 * swiotlb-xen, an IOMMU, a driver's own) includes dma-map-ops.h; what
 * the world underneath provides (pages, caches, hypercalls) is
 * platform.h.
 *
 * Conventions (as in libfdt): functions that can fail return a negative
 * DMK_E* code (dmk_strerror() names it) or, for mappings,
 * DMK_MAPPING_ERROR.  Nothing here allocates behind the caller's back
 * except where a function says so.
 */
#ifndef DMAKIT_DMA_H
#define DMAKIT_DMA_H

/* The library's whole environment: types, locks, allocation (env/). */
#include "dmk_env.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DMK_VERSION "0.1.0"

/* An address a device emits on its bus (after dma-ranges, or an IOVA). */
typedef uint64_t dmk_addr_t;
/* A guest-physical address: IPA on ARM, pseudo-physical on x86 PV. */
typedef uint64_t dmk_phys_t;

/* What every failed mapping returns; test it with dmk_mapping_error(). */
#define DMK_MAPPING_ERROR (~(dmk_addr_t)0)

#define DMK_BIT_MASK(n) ((n) >= 64 ? ~0ULL : ((1ULL << (n)) - 1))

/* Error codes: negative returns, stable, named after their errno twins. */
#define DMK_EINVAL 1  /* bad argument */
#define DMK_ENOMEM 2  /* out of pages, slots or IOVA space */
#define DMK_EIO 3     /* the device or the hypervisor refused */
#define DMK_ENODEV 4  /* the device cannot do DMA at all */
#define DMK_ENOTSUP 5 /* not possible on this platform */
#define DMK_ERANGE 6  /* address beyond the device's reach */
#define DMK_EMAX 6

/* A short description of -DMK_E* (or DMK_E*), as libfdt's fdt_strerror. */
const char *dmk_strerror(int err);

/* Same values as Linux's enum dma_data_direction. */
enum dmk_data_direction {
	DMK_DMA_BIDIRECTIONAL = 0,
	DMK_DMA_TO_DEVICE = 1,
	DMK_DMA_FROM_DEVICE = 2,
	DMK_DMA_NONE = 3,
};

/* Same bits as Linux's DMA_ATTR_*. */
#define DMK_ATTR_WEAK_ORDERING (1UL << 1)
#define DMK_ATTR_WRITE_COMBINE (1UL << 2)
#define DMK_ATTR_NO_KERNEL_MAPPING (1UL << 4)
#define DMK_ATTR_SKIP_CPU_SYNC (1UL << 5)
#define DMK_ATTR_FORCE_CONTIGUOUS (1UL << 6)
#define DMK_ATTR_ALLOC_SINGLE_PAGES (1UL << 7)
#define DMK_ATTR_NO_WARN (1UL << 8)
#define DMK_ATTR_PRIVILEGED (1UL << 9)
/* The newer ones, with Linux's bits: memory that is not RAM (a BAR, a
 * peer's MMIO): translated, never bounced, no cache maintenance; */
#define DMK_ATTR_MMIO (1UL << 10)
/* the CPU keeps the cache lines this buffer shares with others clean
 * while it is mapped (Linux 6.19's name; later
 * DMA_ATTR_DEBUGGING_IGNORE_CACHELINES, the same bit): the checker
 * accepts the overlap when every mapping of the line says so; */
#define DMK_ATTR_CPU_CACHE_CLEAN (1UL << 11)
/* the mapping must be coherent as it is: fail rather than bounce or
 * maintain caches (a non-coherent device, a bounce). */
#define DMK_ATTR_REQUIRE_COHERENT (1UL << 12)

/* One scatter-gather entry: guest-physical in, bus address out. */
struct dmk_sg {
	dmk_phys_t phys;
	uint32_t length;
	dmk_addr_t dma_address;
	uint32_t dma_length;
};

/*
 * Linux's struct sg_table: sgl[0..orig_nents) the CPU's entries, and
 * after a mapping the first nents of them also carry the device's
 * segments (dma_address, dma_length), which may be fewer.
 */
struct dmk_sg_table {
	struct dmk_sg *sgl;
	unsigned int nents;	 /* mapped segments */
	unsigned int orig_nents; /* CPU entries */
};

struct dmk_system;

/* Counters of one device, summed over every thread (dmk_device_stats). */
struct dmk_dma_stats {
	uint64_t maps; /* map_page + mapped sg entries */
	uint64_t unmaps;
	/* Bounce slots handed out, counted by the ops as they bounce (an
	 * sg map that fails part way gives its slots back, still counted). */
	uint64_t bounced;
	uint64_t bounced_bytes;
	uint64_t allocs;
	uint64_t frees;
	uint64_t errors; /* maps and allocs that failed */
};

/* The library's state of a device: its ops, pools and counters. */
struct dmk_device_dma;

/*
 * A device that does DMA, as firmware describes it and as its driver
 * may narrow it: Linux's struct device with the fields kernel/dma reads.
 * A driver embeds it, fills it with dmk_device_init() (which allocates
 * the library's state behind dev->dma) and dmk_device_setup_dma(), may
 * then change the masks and install its own ops (dma-map-ops.h), and
 * ends it with dmk_device_fini().  Nothing here changes when the
 * library's bookkeeping does: that is all behind dev->dma.
 */
struct dmk_device {
	const char *name;
	struct dmk_system *sys;

	uint64_t dma_mask; /* streaming reach, as a mask of bus addresses */
	uint64_t coherent_dma_mask; /* reach of coherent allocations */
	/* Highest bus address from dma-ranges, 0 = none. */
	uint64_t bus_dma_limit;
	uint64_t bus_offset; /* bus = machine address + bus_offset (mod 2^64) */
	uint64_t min_align_mask;    /* low bits a bounce must preserve */
	uint64_t seg_boundary_mask; /* a mapping never crosses such a line */
	uint32_t max_seg_size;
	bool coherent; /* snoops CPU caches (dma-coherent) */
	/*
	 * The hypervisor's IOMMU translates this device with the guest's own
	 * stage-2 (Xen programs the SMMU with the domain's p2m): its bus
	 * addresses are guest-physical, so it needs neither bounce nor
	 * exchange, and a hypervisor layer leaves it on its native ops.
	 */
	bool stage2_iommu;

	void *platform_data; /* the platform's handle for this device */

	struct dmk_device_dma *dma; /* the library's; never touch it */
};

/* ---- Devices ---- */

/*
 * Defaults as Linux: 32-bit masks, 64 KiB segments, no boundary; no
 * ops yet.  Allocates the library's state of the device: returns 0, or
 * -DMK_EINVAL (no device or system) or -DMK_ENOMEM; then dev->dma is
 * NULL and every other call on the device fails cleanly.
 */
int dmk_device_init(struct dmk_device *dev, struct dmk_system *sys,
		    const char *name);

/*
 * What Linux's arch_setup_dma_ops() does once firmware has described the
 * device (its coherency, and through dma-map-ops.h a restricted pool or
 * an IOMMU domain): choose the native ops, then let the system's
 * hypervisor layer (if any) wrap them.  Returns 0 or -DMK_E*.
 */
int dmk_device_setup_dma(struct dmk_device *dev);

/*
 * The device goes away: every mapping and coherent buffer it still holds
 * is reported to the DMA-API checker, its IOMMU domain is detached (not
 * destroyed: whoever created it owns it) and the library's state freed.
 */
void dmk_device_fini(struct dmk_device *dev);

/* Every thread's counts of dev summed (relaxed reads: a snapshot). */
void dmk_device_stats(const struct dmk_device *dev, struct dmk_dma_stats *out);

int dmk_set_mask(struct dmk_device *dev, uint64_t mask);
int dmk_set_coherent_mask(struct dmk_device *dev, uint64_t mask);
int dmk_set_mask_and_coherent(struct dmk_device *dev, uint64_t mask);
int dmk_dma_supported(struct dmk_device *dev, uint64_t mask);
size_t dmk_max_mapping_size(struct dmk_device *dev);

/* ---- Coherent allocations ---- */

/*
 * Memory the CPU and the device see alike (Linux's dma_alloc_attrs),
 * zeroed; the CPU address, or NULL with one log line saying why (none
 * with DMK_ATTR_NO_WARN, Linux's __GFP_NOWARN).  Behind an IOMMU, on a
 * platform with vmap, it is made of chunks that need not be physically
 * contiguous (single pages with DMK_ATTR_ALLOC_SINGLE_PAGES) at one
 * IOVA range and one CPU range; DMK_ATTR_FORCE_CONTIGUOUS asks for one
 * physically contiguous block, as every allocation elsewhere is.  For a
 * device that does not snoop, DMK_ATTR_WRITE_COMBINE asks for a
 * write-combining CPU view instead of the DMA-coherent type where the
 * platform maps one with its own type (enum dmk_vmap_prot in
 * platform.h).  Free with the same size, handle and attributes.
 */
void *dmk_alloc_attrs(struct dmk_device *dev, size_t size,
		      dmk_addr_t *dma_handle, unsigned long attrs);
void dmk_free_attrs(struct dmk_device *dev, size_t size, void *cpu_addr,
		    dmk_addr_t dma_handle, unsigned long attrs);
static inline void *dmk_alloc_coherent(struct dmk_device *dev, size_t size,
				       dmk_addr_t *dma_handle)
{
	return dmk_alloc_attrs(dev, size, dma_handle, 0);
}
static inline void dmk_free_coherent(struct dmk_device *dev, size_t size,
				     void *cpu_addr, dmk_addr_t dma_handle)
{
	dmk_free_attrs(dev, size, cpu_addr, dma_handle, 0);
}

/*
 * Pages the driver owns and syncs itself (Linux's dma_alloc_pages):
 * cacheable memory reachable by the device, mapped for dir, its CPU
 * address returned (NULL on failure, *dma_handle = DMK_MAPPING_ERROR).
 * Ownership starts with the device as after a map: write, then
 * dmk_sync_single_for_device() before the device reads.  The memory is
 * zeroed.  Free with the same size, handle and direction.
 */
void *dmk_alloc_pages(struct dmk_device *dev, size_t size,
		      dmk_addr_t *dma_handle, enum dmk_data_direction dir);
void dmk_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
		    dmk_addr_t dma_handle, enum dmk_data_direction dir);
/* Linux's dma_alloc_noncoherent: dmk_alloc_pages under another name. */
void *dmk_alloc_noncoherent(struct dmk_device *dev, size_t size,
			    dmk_addr_t *dma_handle,
			    enum dmk_data_direction dir);
void dmk_free_noncoherent(struct dmk_device *dev, size_t size, void *cpu_addr,
			  dmk_addr_t dma_handle, enum dmk_data_direction dir);

/*
 * Linux's dma_alloc_noncontiguous: pages that need not be contiguous
 * for the CPU, mapped for dir.  Behind an IOMMU one IOVA range over
 * every chunk (sgt->nents == 1, orig_nents chunks, each of a page size
 * of the IOMMU's, the largest that fit first; with
 * DMK_ATTR_ALLOC_SINGLE_PAGES each chunk one page), else one
 * contiguous run (nents == orig_nents == 1).  Returns the table
 * (allocated by the library) or NULL.  Synced as a mapping
 * (dmk_sync_sgtable_*); free with the same size and direction.
 */
struct dmk_sg_table *dmk_alloc_noncontiguous(struct dmk_device *dev,
					     size_t size,
					     enum dmk_data_direction dir,
					     unsigned long attrs);
void dmk_free_noncontiguous(struct dmk_device *dev, size_t size,
			    struct dmk_sg_table *sgt,
			    enum dmk_data_direction dir);
/*
 * A CPU-contiguous, cacheable view of the first size bytes of such a
 * table (Linux's dma_vmap_noncontiguous): behind an IOMMU the
 * platform's vmap of its pages; elsewhere, or on a platform without
 * vmap, the linear map when the chunks follow each other
 * guest-physically (always for one chunk).  NULL, with a log line, when
 * neither can be had or the table holds fewer pages.  Undo it with
 * dmk_vunmap_noncontiguous before the free.
 */
void *dmk_vmap_noncontiguous(struct dmk_device *dev, size_t size,
			     struct dmk_sg_table *sgt);
void dmk_vunmap_noncontiguous(struct dmk_device *dev, void *vaddr);

/* ---- Streaming mappings ---- */

/*
 * MMIO of a peer (a BAR, a FIFO) by its physical address (Linux's
 * dma_map_resource): translated for the device (dma-ranges, or an IOVA
 * with MMIO permissions), never bounced, no cache maintenance.  RAM is
 * refused (DMK_MAPPING_ERROR, and the checker reports it), and so is
 * any resource on ops without map_resource (grant DMA, as Linux's),
 * with one log line.  Test the result with dmk_mapping_error().
 */
dmk_addr_t dmk_map_resource(struct dmk_device *dev, dmk_phys_t phys_addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs);
void dmk_unmap_resource(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			enum dmk_data_direction dir, unsigned long attrs);

dmk_addr_t dmk_map_page_attrs(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir,
			      unsigned long attrs);
void dmk_unmap_page_attrs(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			  enum dmk_data_direction dir, unsigned long attrs);
/* cpu_addr must be in the platform's linear map (dmk_virt_to_phys). */
dmk_addr_t dmk_map_single_attrs(struct dmk_device *dev, void *cpu_addr,
				size_t size, enum dmk_data_direction dir,
				unsigned long attrs);
void dmk_unmap_single_attrs(struct dmk_device *dev, dmk_addr_t addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs);
int dmk_map_sg_attrs(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		     enum dmk_data_direction dir, unsigned long attrs);
void dmk_unmap_sg_attrs(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			enum dmk_data_direction dir, unsigned long attrs);

static inline dmk_addr_t dmk_map_single(struct dmk_device *dev, void *cpu,
					size_t size,
					enum dmk_data_direction dir)
{
	return dmk_map_single_attrs(dev, cpu, size, dir, 0);
}
static inline void dmk_unmap_single(struct dmk_device *dev, dmk_addr_t addr,
				    size_t size, enum dmk_data_direction dir)
{
	dmk_unmap_single_attrs(dev, addr, size, dir, 0);
}
static inline dmk_addr_t dmk_map_page(struct dmk_device *dev, dmk_phys_t phys,
				      size_t size, enum dmk_data_direction dir)
{
	return dmk_map_page_attrs(dev, phys, size, dir, 0);
}
static inline void dmk_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
				  size_t size, enum dmk_data_direction dir)
{
	dmk_unmap_page_attrs(dev, addr, size, dir, 0);
}
static inline int dmk_map_sg(struct dmk_device *dev, struct dmk_sg *sg,
			     int nents, enum dmk_data_direction dir)
{
	return dmk_map_sg_attrs(dev, sg, nents, dir, 0);
}
static inline void dmk_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg,
				int nents, enum dmk_data_direction dir)
{
	dmk_unmap_sg_attrs(dev, sg, nents, dir, 0);
}

/* -DMK_ENOMEM when addr is the error value, else 0, as Linux's
 * dma_mapping_error() (so `if (dmk_mapping_error(...))` still reads as
 * before and a driver may return the value); it also tells the checker
 * that the driver did look. */
int dmk_mapping_error(struct dmk_device *dev, dmk_addr_t addr);

void dmk_sync_single_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
			     size_t size, enum dmk_data_direction dir);
void dmk_sync_single_for_device(struct dmk_device *dev, dmk_addr_t addr,
				size_t size, enum dmk_data_direction dir);
/* A part of a mapping: [addr + offset, addr + offset + size). */
void dmk_sync_single_range_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
				   size_t offset, size_t size,
				   enum dmk_data_direction dir);
void dmk_sync_single_range_for_device(struct dmk_device *dev, dmk_addr_t addr,
				      size_t offset, size_t size,
				      enum dmk_data_direction dir);
void dmk_sync_sg_for_cpu(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			 enum dmk_data_direction dir);
void dmk_sync_sg_for_device(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir);

/* ---- Scatter-gather tables ---- */

/*
 * The pages of a coherent buffer as a table (Linux's
 * dma_get_sgtable_attrs), for another device to map: one entry of
 * whole pages for dma-direct and swiotlb-xen, one per contiguous run
 * behind an IOMMU.  The library allocates sgt->sgl; dmk_sg_free_table
 * frees it.  0, -DMK_EINVAL, -DMK_ENOMEM, or -DMK_ENOTSUP for ops that
 * cannot tell (Linux's -ENXIO).
 */
int dmk_get_sgtable_attrs(struct dmk_device *dev, struct dmk_sg_table *sgt,
			  void *cpu_addr, dmk_addr_t dma_addr, size_t size,
			  unsigned long attrs);
static inline int dmk_get_sgtable(struct dmk_device *dev,
				  struct dmk_sg_table *sgt, void *cpu_addr,
				  dmk_addr_t dma_addr, size_t size)
{
	return dmk_get_sgtable_attrs(dev, sgt, cpu_addr, dma_addr, size, 0);
}
void dmk_sg_free_table(struct dmk_sg_table *sgt);

/*
 * Linux's dma_map_sgtable: maps sgl[0..orig_nents) and sets nents to
 * the device's segments.  Behind an IOMMU entries are merged into one
 * IOVA range, each segment at most dev->max_seg_size and never across
 * dev->seg_boundary_mask, as Linux's iommu_dma_map_sg; elsewhere one
 * segment per entry.  0, -DMK_EINVAL or -DMK_ENOMEM.  Unmap and sync
 * with the same table (orig_nents entries, as Linux).
 */
int dmk_map_sgtable(struct dmk_device *dev, struct dmk_sg_table *sgt,
		    enum dmk_data_direction dir, unsigned long attrs);
void dmk_unmap_sgtable(struct dmk_device *dev, struct dmk_sg_table *sgt,
		       enum dmk_data_direction dir, unsigned long attrs);
void dmk_sync_sgtable_for_cpu(struct dmk_device *dev, struct dmk_sg_table *sgt,
			      enum dmk_data_direction dir);
void dmk_sync_sgtable_for_device(struct dmk_device *dev,
				 struct dmk_sg_table *sgt,
				 enum dmk_data_direction dir);

/* ---- DMA pools (Linux's mm/dmapool.c) ---- */

/*
 * Small coherent blocks of one size carved from the device's coherent
 * pages: each block aligned to align (a power of two, 0 = 1) and never
 * crossing a multiple of boundary (a power of two no smaller than the
 * size, 0 = none).  NULL on bad arguments (logged) or no memory.
 */
struct dmk_dma_pool;
struct dmk_dma_pool *dmk_pool_create(const char *name, struct dmk_device *dev,
				     size_t size, size_t align,
				     size_t boundary);
/* Blocks still in use are reported ("dma_pool_destroy NAME busy") and
 * their pages left allocated, as Linux. */
void dmk_pool_destroy(struct dmk_dma_pool *pool);
/* A block and its bus address, or NULL; zalloc zeroes it. */
void *dmk_pool_alloc(struct dmk_dma_pool *pool, dmk_addr_t *handle);
void *dmk_pool_zalloc(struct dmk_dma_pool *pool, dmk_addr_t *handle);
/* A block that is not the pool's, or whose bus address differs ("bad
 * dma"), or is already free, is reported and left alone. */
void dmk_pool_free(struct dmk_dma_pool *pool, void *vaddr, dmk_addr_t dma);

/* ---- Queries ---- */

/* Whether syncs of this mapping do anything (Linux's dma_need_sync):
 * false only for a coherent device's mapping that did not bounce. */
bool dmk_need_sync(struct dmk_device *dev, dmk_addr_t dma_addr);
/* The largest mapping that costs no more than smaller ones (Linux's
 * dma_opt_mapping_size), never above dmk_max_mapping_size(). */
size_t dmk_opt_mapping_size(struct dmk_device *dev);
/* The smallest mask that reaches all of RAM without bouncing (Linux's
 * dma_get_required_mask); 32 bits behind an IOMMU or foreign ops. */
uint64_t dmk_get_required_mask(struct dmk_device *dev);
/* Some RAM lies beyond the device's reach: its buffers there bounce
 * (Linux's dma_addressing_limited). */
bool dmk_addressing_limited(struct dmk_device *dev);
/* The alignment a buffer needs not to share cache lines with others
 * (Linux's dma_get_cache_alignment, ARCH_DMA_MINALIGN): 128 on arm64,
 * 64 on 32-bit ARM, 1 where DMA is coherent (x86, the host). */
unsigned int dmk_get_cache_alignment(struct dmk_device *dev);

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_DMA_H */
