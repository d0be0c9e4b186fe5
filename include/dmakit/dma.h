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

/* One scatter-gather entry: guest-physical in, bus address out. */
struct dmk_sg {
	dmk_phys_t phys;
	uint32_t length;
	dmk_addr_t dma_address;
	uint32_t dma_length;
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

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_DMA_H */
