/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces between the files of the library's core.  Nothing
 * outside src/ includes this.  One concept per file, as in Linux's
 * kernel/dma:
 *   mapping.c  dispatch, devices and their ops, masks, counters
 *   direct.c   dma-direct: coherent and non-coherent, arm64 maintenance
 *   swiotlb.c  the bounce pool
 *   iommu.c    IOMMU dma ops (IOVA allocation, page tables via platform)
 *   debug.c    the DMA-API debug checker
 *   dmapool.c  DMA pools: small coherent blocks (mm/dmapool.c)
 *   ops-helpers.c  what non-direct ops borrow (dma_common_alloc_pages)
 *   system.c   struct dmk_system: the pool, the checker, the layer
 *   log.c      printk, snprintf and strerror over the environment
 * The core knows no hypervisor.  A layer between it and the world (the
 * Xen layer in xen/ is the one the library has) adds itself through
 * struct dmk_layer below; only system.c, which composes a system, names
 * it.
 */
#ifndef DMAKIT_INTERNAL_H
#define DMAKIT_INTERNAL_H

#define DMK_CACHELINE_BYTES 64

#include <dmakit/dma.h>
#include <dmakit/dma-map-ops.h>
#include <dmakit/platform.h>
#include <dmakit/system.h>

struct dmk_debug;
struct dmk_system;

/*
 * What a layer between the core and the world adds to a system, at the
 * points Linux gives Xen: the remap callback of swiotlb_init_remap
 * (xen_swiotlb_fixup), the end of arch_setup_dma_ops (xen_setup_dma_ops)
 * and the arch's default dma ops.  Every hook may be NULL.
 */
struct dmk_layer {
	const char *name;
	/* Make [phys, phys + nslabs * 2 KiB), the default bounce pool,
	 * usable by every device (machine-contiguous segments below
	 * limit); 0, or -DMK_E* after undoing what it did.  Also for a
	 * dynamic swiotlb's new pools; transient: one mapping's, logged
	 * only when it fails. */
	int (*pool_remap)(struct dmk_system *sys, dmk_phys_t phys,
			  size_t nslabs, dmk_phys_t limit, bool transient);
	void (*pool_unremap)(struct dmk_system *sys, dmk_phys_t phys,
			     size_t nslabs);
	/* A restricted-dma-pool over [phys, phys + size) is about to be
	 * created: 0 if its devices reach it at the addresses firmware
	 * named, else -DMK_E* after one line saying why not. */
	int (*restricted_pool)(struct dmk_system *sys, dmk_phys_t phys,
			       size_t size);
	/* The default pool exists (or the system has none): the rest of
	 * the layer's boot.  0 or -DMK_E*. */
	int (*pool_ready)(struct dmk_system *sys);
	/* The device's native ops are chosen: wrap them if need be. */
	void (*setup_dev)(struct dmk_device *dev);
	/* The device goes away: free what the layer keeps in
	 * dev->dma->layer_dev. */
	void (*release_dev)(struct dmk_device *dev);
	/* The system goes away (after its pool). */
	void (*exit)(struct dmk_system *sys);
};

/* Where the default bounce pool's last byte may be (swiotlb_limit, else
 * below 4 GiB): the one place that decides it. */
dmk_phys_t dmk_system_pool_limit(const struct dmk_system *sys);

struct dmk_system {
	const struct dmk_platform *plat;
	struct dmk_system_config cfg;
	struct dmk_swiotlb *swiotlb; /* default pool, NULL when disabled */
	struct dmk_debug *debug;     /* NULL unless cfg.debug */
	/* The ops of a device that was never set up (get_arch_dma_ops);
	 * NULL: dma-direct for its coherency. */
	const struct dmk_dma_map_ops *default_ops;
	const struct dmk_layer *layer; /* NULL: nothing between */
	void *layer_data;
	struct dmk_cma *default_cma; /* linux,cma-default, or NULL */
};

/*
 * The library's state of a device (dev->dma).  The first line is what
 * every call reads; the counters follow on lines of their own, one block
 * per thread token plus one shared by threads beyond the tokens, so that
 * no counter update is a lock-prefixed read-modify-write and no two
 * threads write one line.
 */
#define DMK_STAT_SHARDS (DMK_ENV_TOKENS + 1)

struct dmk_dma_stat_block {
	struct dmk_dma_stats s;
} __attribute__((aligned(DMK_CACHELINE_BYTES)));

struct dmk_device_dma {
	/* What get_dma_ops returns; NULL before setup. */
	const struct dmk_dma_map_ops *ops;
	/* The device's own ops under a wrapping layer, or NULL. */
	const struct dmk_dma_map_ops *native;
	struct dmk_debug *debug;	     /* the system's checker, or NULL */
	struct dmk_swiotlb *pool;	     /* restricted, else the default */
	struct dmk_swiotlb *restricted_pool; /* restricted-dma-pool, or NULL */
	struct dmk_iommu_domain *iommu;	     /* behind an IOMMU, or NULL */
	/* Its own coherent memory (coherent.c) and contiguous area
	 * (contiguous.c), or NULL. */
	struct dmk_coherent_mem *coherent_mem;
	struct dmk_cma *cma;
	/* Firmware's dma_range_map, or NULL: bus = phys + bus_offset. */
	struct dmk_bus_dma_region *range_map;
	unsigned int nr_ranges;
	/* Token of the thread counting into stats (the first one to). */
	unsigned int stats_owner;

	struct dmk_dma_stat_block stats;
	struct dmk_dma_stat_block shards[DMK_STAT_SHARDS];

	/* The system's layer's own state of the device, or NULL; the
	 * layer's release_dev frees it.  Off the first line: only a
	 * layer's own ops read it. */
	void *layer_dev;
};

#define DMK_PHYS_ERROR (~(dmk_phys_t)0)

static inline bool dmk_dir_valid(enum dmk_data_direction dir)
{
	return dir == DMK_DMA_BIDIRECTIONAL || dir == DMK_DMA_TO_DEVICE ||
	       dir == DMK_DMA_FROM_DEVICE;
}

static inline const struct dmk_platform *dev_plat(struct dmk_device *dev)
{
	return dev->sys->plat;
}

/*
 * Linux's pfn_valid() for the page at phys: the platform's phys_is_ram
 * where it has one, else the span of its RAM.
 */
static inline bool dmk_plat_page_is_ram(const struct dmk_platform *plat,
					dmk_phys_t phys)
{
	return plat->ops->phys_is_ram
		       ? plat->ops->phys_is_ram(plat->ctx, phys)
		       : phys >= plat->ram_start && phys < plat->ram_end;
}

/* Logging through the platform, printf style, one line. */
void dmk_log(const struct dmk_platform *plat, enum dmk_log_level level,
	     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* snprintf over the environment's dmk_env_vsnprintf. */
int dmk_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Zeroed memory that starts a cache line (what per-area and per-thread
 * state needs so that two CPUs never share a line), carved from the
 * environment's allocator: the raw pointer sits in the word before the
 * returned one.  Free with dmk_free_aligned.
 */
static inline void *dmk_zalloc_aligned(size_t size)
{
	uint8_t *raw, *p;

	if (size > SIZE_MAX - DMK_CACHELINE_BYTES)
		return NULL;
	raw = (uint8_t *)dmk_env_zalloc(size + DMK_CACHELINE_BYTES);
	if (!raw)
		return NULL;
	/* The environment's allocations are at least 8-byte aligned, so a
	 * whole word fits between raw and the next line boundary. */
	p = (uint8_t *)(((uintptr_t)raw + DMK_CACHELINE_BYTES) &
			~(uintptr_t)(DMK_CACHELINE_BYTES - 1));
	((void **)(void *)p)[-1] = raw;
	return p;
}

static inline void dmk_free_aligned(void *p)
{
	if (p)
		dmk_env_free(((void **)p)[-1]);
}

/* ---- mapping.c ---- */

/*
 * The ops that bounce count it when they hand out the slot (dma-direct,
 * swiotlb-xen): they know, where mapping.c would have to work it back
 * out of the bus address on every map.
 */
void dmk_count_bounce(struct dmk_device *dev, size_t size);

/* ---- scatterlists one entry at a time (iommu.c, xen/swiotlb-xen.c) ---- */

typedef dmk_addr_t (*dmk_map_page_fn)(struct dmk_device *dev, dmk_phys_t phys,
				      size_t size, enum dmk_data_direction dir,
				      unsigned long attrs);
typedef void (*dmk_unmap_page_fn)(struct dmk_device *dev, dmk_addr_t addr,
				  size_t size, enum dmk_data_direction dir,
				  unsigned long attrs);
typedef void (*dmk_sync_single_fn)(struct dmk_device *dev, dmk_addr_t addr,
				   size_t size, enum dmk_data_direction dir);

static inline void dmk_sg_unmap_each(struct dmk_device *dev, struct dmk_sg *sg,
				     int nents, enum dmk_data_direction dir,
				     unsigned long attrs,
				     dmk_unmap_page_fn unmap_page)
{
	for (int i = 0; i < nents; i++)
		unmap_page(dev, sg[i].dma_address, sg[i].dma_length, dir,
			   attrs);
}

/* Map every entry on its own (no merging); when one fails, undo the
 * entries before it without CPU syncs (no transfer happened) and
 * return 0, else nents. */
static inline int dmk_sg_map_each(struct dmk_device *dev, struct dmk_sg *sg,
				  int nents, enum dmk_data_direction dir,
				  unsigned long attrs, dmk_map_page_fn map_page,
				  dmk_unmap_page_fn unmap_page)
{
	for (int i = 0; i < nents; i++) {
		sg[i].dma_address =
			map_page(dev, sg[i].phys, sg[i].length, dir, attrs);
		if (sg[i].dma_address == DMK_MAPPING_ERROR) {
			dmk_sg_unmap_each(dev, sg, i, dir,
					  attrs | DMK_ATTR_SKIP_CPU_SYNC,
					  unmap_page);
			return 0;
		}
		sg[i].dma_length = sg[i].length;
	}
	return nents;
}

static inline void dmk_sg_sync_each(struct dmk_device *dev, struct dmk_sg *sg,
				    int nents, enum dmk_data_direction dir,
				    dmk_sync_single_fn sync)
{
	for (int i = 0; i < nents; i++)
		sync(dev, sg[i].dma_address, sg[i].dma_length, dir);
}

#endif /* DMAKIT_INTERNAL_H */
