/* SPDX-License-Identifier: MIT */
/*
 * dmakit: the DMA mapping API a driver sees.
 *
 * This is the interface of Linux's <linux/dma-mapping.h>, made portable:
 * a device carries its DMA constraints and, optionally, its own
 * dma_map_ops; every call dispatches through dmk_get_dma_ops().  What the
 * world underneath provides (pages, caches, hypercalls) is in platform.h.
 *
 * Conventions (as in libfdt): functions that can fail return a negative
 * DMK_E* code or, for mappings, DMK_MAPPING_ERROR.  Nothing here allocates
 * behind the caller's back except where a function says so.
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

/* One scatter-gather entry: guest-physical in, bus address out. */
struct dmk_sg {
	dmk_phys_t phys;
	uint32_t length;
	dmk_addr_t dma_address;
	uint32_t dma_length;
};

struct dmk_device;
struct dmk_system;

/*
 * A DMA implementation.  The same hooks as Linux's struct dma_map_ops;
 * map_page takes a guest-physical address (page + offset) instead of a
 * struct page, which is what the hook always needed.
 */
struct dmk_dma_map_ops {
	const char *name; /* shown in the ops chain, e.g. "xen-swiotlb" */
	void *(*alloc)(struct dmk_device *dev, size_t size,
		       dmk_addr_t *dma_handle, unsigned long attrs);
	void (*free)(struct dmk_device *dev, size_t size, void *cpu_addr,
		     dmk_addr_t dma_handle, unsigned long attrs);
	dmk_addr_t (*map_page)(struct dmk_device *dev, dmk_phys_t phys,
			       size_t size, enum dmk_data_direction dir,
			       unsigned long attrs);
	void (*unmap_page)(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			   enum dmk_data_direction dir, unsigned long attrs);
	/* Returns the number of entries mapped, 0 on failure, never < 0. */
	int (*map_sg)(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		      enum dmk_data_direction dir, unsigned long attrs);
	void (*unmap_sg)(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			 enum dmk_data_direction dir, unsigned long attrs);
	void (*sync_single_for_cpu)(struct dmk_device *dev, dmk_addr_t addr,
				    size_t size, enum dmk_data_direction dir);
	void (*sync_single_for_device)(struct dmk_device *dev, dmk_addr_t addr,
				       size_t size,
				       enum dmk_data_direction dir);
	void (*sync_sg_for_cpu)(struct dmk_device *dev, struct dmk_sg *sg,
				int nents, enum dmk_data_direction dir);
	void (*sync_sg_for_device)(struct dmk_device *dev, struct dmk_sg *sg,
				   int nents, enum dmk_data_direction dir);
	int (*dma_supported)(struct dmk_device *dev, uint64_t mask);
	size_t (*max_mapping_size)(struct dmk_device *dev);
};

/* Per-device counters, kept by mapping.c (relaxed atomics). */
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

/*
 * Where threads other than a device's first user count (mapping.c): one
 * shard per thread token, written only by its thread, so no counter
 * update is a lock-prefixed read-modify-write; the last shard is shared
 * (atomic adds) by threads beyond the tokens.  dev->stats holds the
 * first user's counts, so a single-threaded program can read it
 * directly; dmk_device_stats() returns the sum over every thread.
 *
 * Every block of counters is 56 bytes followed by 72 of padding: a
 * device is not cache-line aligned (it may sit in a malloc'ed driver
 * structure), and at least 64 bytes between two blocks is what keeps
 * them off each other's lines wherever it sits.  Without it two
 * threads mapping for one device ran slower than one.
 */
#define DMK_STAT_SHARDS (DMK_ENV_TOKENS + 1)
struct dmk_dma_stat_shard {
	struct dmk_dma_stats s;
	uint64_t pad[9];
};

/*
 * A device that does DMA.  Fill it with dmk_device_init() and
 * dmk_device_setup_dma(); a driver may then change the masks and call
 * dmk_set_dma_ops(), exactly as in Linux.
 */
struct dmk_device {
	const char *name;
	struct dmk_system *sys;

	uint64_t dma_mask; /* streaming reach, as a mask of bus addresses */
	uint64_t coherent_dma_mask; /* reach of coherent allocations */
	uint64_t
		bus_dma_limit; /* highest bus address from dma-ranges, 0 = none */
	uint64_t bus_offset; /* bus = machine address + bus_offset (mod 2^64) */
	uint64_t min_align_mask;    /* low bits a bounce must preserve */
	uint64_t seg_boundary_mask; /* a mapping never crosses such a line */
	uint32_t max_seg_size;
	bool coherent; /* snoops CPU caches (dma-coherent) */
	/*
	 * The hypervisor's IOMMU translates this device with the guest's own
	 * stage-2 (Xen programs the SMMU with the domain's p2m): its bus
	 * addresses are guest-physical, so it needs neither bounce nor
	 * exchange, and the Xen layer leaves it on its native ops.
	 */
	bool stage2_iommu;

	/*
	 * dma_ops is what dmk_get_dma_ops() returns when set (set_dma_ops).
	 * native_ops is the device's own implementation underneath a layer
	 * that wraps it (Xen): allocation and cache maintenance go there.
	 */
	const struct dmk_dma_map_ops *dma_ops;
	const struct dmk_dma_map_ops *native_ops;

	struct dmk_swiotlb *restricted_pool; /* restricted-dma-pool, or NULL */
	struct dmk_iommu_domain *iommu;	     /* behind an IOMMU, or NULL */
	void *platform_data; /* the platform's handle for this device */

	uintptr_t stats_owner; /* token of the thread counting into stats */

	/* Counters, each block on lines of its own (see above). */
	uint64_t pad_before_stats[8];
	struct dmk_dma_stats stats;
	uint64_t pad_after_stats[9];
	struct dmk_dma_stat_shard stat_shards[DMK_STAT_SHARDS];
};

/* Every thread's counts of dev summed (relaxed reads: a snapshot). */
void dmk_device_stats(const struct dmk_device *dev, struct dmk_dma_stats *out);

/* ---- Devices ---- */

/* Defaults as Linux: 32-bit masks, 64 KiB segments, no boundary. */
void dmk_device_init(struct dmk_device *dev, struct dmk_system *sys,
		     const char *name);

/*
 * What Linux's arch_setup_dma_ops() does once firmware has described the
 * device: choose the native ops from its coherency and IOMMU, then let
 * the hypervisor layer (if any) wrap them.  Returns 0 or -DMK_E*.
 */
int dmk_device_setup_dma(struct dmk_device *dev);

/* Releases what setup took (IOMMU domain); reports leaks to the checker. */
/* (The domain is detached, not destroyed: its creator destroys it.) */
void dmk_device_teardown_dma(struct dmk_device *dev);

/* The device's own ops if set, else the system default (dma-direct). */
const struct dmk_dma_map_ops *dmk_get_dma_ops(struct dmk_device *dev);

/*
 * A driver installs its own ops.  When a layer wraps the device (Xen),
 * the new ops become the inner native ops and the wrapper stays on top:
 * a later set_dma_ops can never bypass it (the 2013 thread's question).
 */
void dmk_set_dma_ops(struct dmk_device *dev, const struct dmk_dma_map_ops *ops);

/* "xen-swiotlb>direct-noncoherent": the chain a call really takes. */
int dmk_dma_ops_chain(struct dmk_device *dev, char *buf, size_t len);

int dmk_set_mask(struct dmk_device *dev, uint64_t mask);
int dmk_set_coherent_mask(struct dmk_device *dev, uint64_t mask);
int dmk_set_mask_and_coherent(struct dmk_device *dev, uint64_t mask);
int dmk_dma_supported(struct dmk_device *dev, uint64_t mask);
size_t dmk_max_mapping_size(struct dmk_device *dev);

/* ---- Coherent allocations ---- */

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

/* ---- Streaming mappings ---- */

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

/* Returns non-zero when addr is the error value (and tells the checker
 * that the driver did look). */
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

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_DMA_H */
