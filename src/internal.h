/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces between the files of the library.  Nothing outside
 * src/ includes this.  One concept per file, as in Linux's kernel/dma:
 *   mapping.c  dispatch, masks, stats, the debug hooks
 *   direct.c   dma-direct: coherent and non-coherent, arm64 maintenance
 *   swiotlb.c  the bounce pool
 *   iommu.c    IOMMU dma ops (IOVA allocation, page tables via platform)
 *   debug.c    the DMA-API debug checker
 *   system.c   struct dmk_system life cycle
 *   host.c     the host platform
 *   xen/       swiotlb-xen and its helpers
 */
#ifndef DMAKIT_INTERNAL_H
#define DMAKIT_INTERNAL_H

#include <dmakit/dma.h>
#include <dmakit/platform.h>
#include <dmakit/system.h>

struct dmk_xen;
struct dmk_debug;

struct dmk_system {
	const struct dmk_platform *plat;
	struct dmk_system_config cfg;
	struct dmk_swiotlb *swiotlb; /* default pool, NULL when disabled */
	struct dmk_xen *xen;	     /* NULL unless on Xen with cfg.xen */
	struct dmk_debug *debug;     /* NULL unless cfg.debug */
	/* Installed as the default ops (only DMK_XEN_OPS_DEFAULT_ONLY). */
	const struct dmk_dma_map_ops *default_ops;
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
#define DMK_CACHELINE_BYTES 64
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

/* ---- direct.c ---- */

/* dma-direct, choosing maintenance from the table (coherent or not),
 * not from dev->coherent: the table is the device's "own ops". */
extern const struct dmk_dma_map_ops dmk_direct_coherent_ops;
extern const struct dmk_dma_map_ops dmk_direct_noncoherent_ops;

/* The ops matching dev->coherent. */
const struct dmk_dma_map_ops *dmk_direct_ops_for(struct dmk_device *dev);

/* Bus address of a machine/guest-physical address for this device
 * (adds bus_offset) and back.  On Xen the caller translates pfn->bfn
 * first. */
static inline dmk_addr_t dmk_phys_to_dma(struct dmk_device *dev,
					 dmk_phys_t phys)
{
	return phys + dev->bus_offset;
}
static inline dmk_phys_t dmk_dma_to_phys(struct dmk_device *dev,
					 dmk_addr_t addr)
{
	return addr - dev->bus_offset;
}

/* Linux's dma_capable(): [addr, addr+size) within mask and bus limit. */
bool dmk_dma_capable(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		     bool is_ram);

/*
 * arm64's arch_sync_dma_for_device / _for_cpu on guest-physical ranges:
 * for the device, clean in every direction; for the CPU, invalidate
 * unless TO_DEVICE.  No-ops when the platform has no cache_maint.
 */
void dmk_arch_sync_for_device(const struct dmk_platform *plat, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir);
void dmk_arch_sync_for_cpu(const struct dmk_platform *plat, dmk_phys_t phys,
			   size_t size, enum dmk_data_direction dir);

/* ---- swiotlb.c (bounce copies; the caller does cache maintenance) ---- */

/* A pool over caller-provided guest-physically contiguous memory whose
 * every 128-slot segment is machine-contiguous.  Does not own it. */
int dmk_swiotlb_init_with_buffer(const struct dmk_platform *plat, void *va,
				 dmk_phys_t phys, size_t nslabs,
				 unsigned int nareas, struct dmk_swiotlb **out);
/* A pool from platform pages below limit (halving down to 1 MiB on
 * failure, as Linux does).  Owns them. */
int dmk_swiotlb_init_alloc(const struct dmk_platform *plat, size_t bytes,
			   dmk_phys_t limit, unsigned int nareas,
			   struct dmk_swiotlb **out);
void dmk_swiotlb_free(struct dmk_swiotlb *pool);

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
	return dev->restricted_pool ? dev->restricted_pool : dev->sys->swiotlb;
}

bool dmk_is_swiotlb_buffer(const struct dmk_swiotlb *pool, dmk_phys_t phys);

/* ---- iommu.c ---- */

extern const struct dmk_dma_map_ops dmk_iommu_dma_ops;

/* ---- debug.c: called by mapping.c around every operation ---- */

int dmk_debug_create(struct dmk_system *sys, struct dmk_debug **out);
void dmk_debug_destroy(struct dmk_debug *dbg);
void dmk_debug_map(struct dmk_device *dev, dmk_phys_t phys, size_t size,
		   enum dmk_data_direction dir, dmk_addr_t addr, bool single,
		   unsigned long attrs);
void dmk_debug_unmap(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		     enum dmk_data_direction dir, bool single);
void dmk_debug_mapping_error(struct dmk_device *dev, dmk_addr_t addr);
void dmk_debug_sync(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		    enum dmk_data_direction dir, bool for_cpu);
void dmk_debug_alloc(struct dmk_device *dev, void *cpu, size_t size,
		     dmk_addr_t addr);
void dmk_debug_free(struct dmk_device *dev, void *cpu, size_t size,
		    dmk_addr_t addr);
/* A device goes away: every mapping it still holds is reported. */
void dmk_debug_device_gone(struct dmk_device *dev);

/* ---- xen/ (called by mapping.c and system.c) ---- */

int dmk_xen_init(struct dmk_system *sys);
void dmk_xen_exit(struct dmk_system *sys);
/* At the end of dmk_device_setup_dma: wrap the device (per ops mode). */
void dmk_xen_setup_dma_ops(struct dmk_device *dev);
/* dmk_set_dma_ops on a wrapped device: the new ops go inside. */
bool dmk_xen_wraps(struct dmk_device *dev);

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
