/* SPDX-License-Identifier: MIT */
/*
 * dmakit: what whoever provides DMA ops includes (Linux's
 * <linux/dma-map-ops.h>, apart from the <linux/dma-mapping.h> that
 * drivers include, which is dma.h here).
 *
 * A device's calls go to one table of ops.  The library's own are
 * dma-direct (coherent and non-coherent), the IOMMU ops and
 * swiotlb-xen; a driver may install its own (set_dma_ops); firmware code
 * attaches a restricted pool or an IOMMU domain before the device is set
 * up.  A layer that must see every call of a device whatever ops it has
 * (swiotlb-xen, the 2013 thread's question) *wraps* it: its ops go on
 * top and the device's own stay underneath as the native ops, where a
 * later set_dma_ops also lands.
 */
#ifndef DMAKIT_DMA_MAP_OPS_H
#define DMAKIT_DMA_MAP_OPS_H

#include <dmakit/dma.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmk_swiotlb;
struct dmk_iommu_domain;

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

	/*
	 * The rest of Linux's hooks, each optional; the library's own
	 * dma-direct tables are called through dma-direct itself, as
	 * Linux's dma_map_direct() does.  alloc_pages_op returns the
	 * cacheable CPU address of zeroed pages the device reaches at
	 * *dma_handle (dmk_alloc_pages).
	 */
	void *(*alloc_pages_op)(struct dmk_device *dev, size_t size,
				dmk_addr_t *dma_handle,
				enum dmk_data_direction dir);
	void (*free_pages)(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, enum dmk_data_direction dir);
	/* Fills sgt (sgl allocated with dmk_env_zalloc) and maps it; 0 or
	 * -DMK_E*.  free_noncontiguous unmaps and frees the pages, not
	 * the table. */
	int (*alloc_noncontiguous)(struct dmk_device *dev, size_t size,
				   struct dmk_sg_table *sgt,
				   enum dmk_data_direction dir,
				   unsigned long attrs);
	void (*free_noncontiguous)(struct dmk_device *dev, size_t size,
				   struct dmk_sg_table *sgt,
				   enum dmk_data_direction dir);
	dmk_addr_t (*map_resource)(struct dmk_device *dev, dmk_phys_t phys,
				   size_t size, enum dmk_data_direction dir,
				   unsigned long attrs);
	void (*unmap_resource)(struct dmk_device *dev, dmk_addr_t addr,
			       size_t size, enum dmk_data_direction dir,
			       unsigned long attrs);
	/* The pages of a coherent buffer as a table (sgl allocated with
	 * dmk_env_zalloc, nents == orig_nents); 0 or -DMK_E*. */
	int (*get_sgtable)(struct dmk_device *dev, struct dmk_sg_table *sgt,
			   void *cpu_addr, dmk_addr_t dma_addr, size_t size,
			   unsigned long attrs);
	uint64_t (*get_required_mask)(struct dmk_device *dev);
	size_t (*opt_mapping_size)(void);
};

/* The ops the device's calls go to: a wrapping layer's, the device's
 * own, the system's default (dmk_system_set_default_ops), or dma-direct
 * for the device's coherency. */
const struct dmk_dma_map_ops *dmk_get_dma_ops(struct dmk_device *dev);

/*
 * A driver installs its own ops.  When a layer wraps the device (Xen),
 * the new ops become the native ops underneath and the wrapper stays on
 * top: a later set_dma_ops can never bypass it.
 */
void dmk_set_dma_ops(struct dmk_device *dev, const struct dmk_dma_map_ops *ops);

/* The device's own ops: those under a wrapping layer, else what
 * dmk_get_dma_ops returns.  Never the wrapper itself. */
const struct dmk_dma_map_ops *dmk_get_native_dma_ops(struct dmk_device *dev);

/* A layer puts its ops on top of the device's, which it keeps as the
 * native ops; unwrap takes them off again (the native ops become the
 * device's ops).  Both return 0 or -DMK_EINVAL (no such state). */
int dmk_dma_wrap(struct dmk_device *dev, const struct dmk_dma_map_ops *ops);
int dmk_dma_unwrap(struct dmk_device *dev);

/* "xen-swiotlb>direct-noncoherent": the chain a call really takes. */
int dmk_dma_ops_chain(struct dmk_device *dev, char *buf, size_t len);

/*
 * What firmware describes before dmk_device_setup_dma (Linux's
 * of_dma_configure): a restricted-dma-pool that every mapping and
 * coherent allocation of the device goes through (NULL to detach), and
 * an IOMMU domain that translates the device's IOVAs.  0 or -DMK_EINVAL.
 */
int dmk_device_set_restricted_pool(struct dmk_device *dev,
				   struct dmk_swiotlb *pool);

/*
 * One window of a device's dma-ranges (Linux's struct bus_dma_region):
 * CPU addresses [cpu_start, cpu_start + size) appear on the device's bus
 * at [dma_start, dma_start + size).  dma_start may lie below cpu_start
 * (Keystone, PCIe inbound windows).
 */
struct dmk_bus_dma_region {
	dmk_phys_t cpu_start;
	dmk_addr_t dma_start;
	uint64_t size;
};

/*
 * Firmware's dma_range_map (of_dma_configure_id): every region of the
 * device's path.  The library copies the nr regions; from then on a CPU
 * address outside all of them is not reachable (it bounces, or the map
 * fails), never translated with a neighbour's offset, and bus_offset is
 * not used.  Sets bus_dma_limit to the map's highest bus address, as
 * of_dma_configure_id does; the masks stay the caller's.  nr 0 (or a
 * NULL map) removes it.  0, or -DMK_EINVAL for an empty or wrapping
 * region or more than DMK_MAX_DMA_RANGES, -DMK_ENOMEM.
 */
#define DMK_MAX_DMA_RANGES 64
int dmk_device_set_dma_range_map(struct dmk_device *dev,
				 const struct dmk_bus_dma_region *map,
				 unsigned int nr);
int dmk_device_attach_iommu(struct dmk_device *dev,
			    struct dmk_iommu_domain *dom);

/*
 * Per-device coherent memory (Linux's dma_declare_coherent_memory; what
 * a no-map shared-dma-pool region the device's memory-region names
 * becomes): [phys, phys + size), page aligned, seen by the device at
 * dma (DMK_MAPPING_ERROR: where its dma-ranges put phys).  Every
 * coherent allocation of the device is a block of it, and only of it: a
 * full region fails the allocation, as Linux's does.  The platform keeps
 * the region out of its page allocator.  0, -DMK_EINVAL (not page
 * aligned, unreachable, already declared), -DMK_ENOMEM.  Released at
 * dmk_device_fini or by dmk_release_coherent_memory.  Stats: bytes
 * handed out and the region's size; -DMK_ENODEV without a region.
 */
int dmk_declare_coherent_memory(struct dmk_device *dev, dmk_phys_t phys,
				dmk_addr_t dma, size_t size);
void dmk_release_coherent_memory(struct dmk_device *dev);
int dmk_coherent_memory_stats(struct dmk_device *dev, size_t *used,
			      size_t *total);

/*
 * A contiguous memory area (Linux's CMA: a reusable shared-dma-pool
 * region) over [base, base + size), page aligned, kept out of the
 * platform's page allocator.  The system's default area (the region
 * with linux,cma-default) serves dma-direct's allocations of more than
 * a page; a device's own area (its memory-region) serves all of its
 * allocations.  A block the device cannot reach, or a full area, falls
 * back to the page allocator, as Linux's dma_alloc_contiguous callers
 * do.  0, -DMK_EINVAL, -DMK_ENOMEM; set_* take NULL to detach.
 */
struct dmk_cma;
int dmk_cma_create(struct dmk_system *sys, dmk_phys_t base, size_t size,
		   struct dmk_cma **out);
void dmk_cma_destroy(struct dmk_cma *cma);
int dmk_system_set_default_cma(struct dmk_system *sys, struct dmk_cma *cma);
int dmk_device_set_cma(struct dmk_device *dev, struct dmk_cma *cma);
int dmk_cma_stats(const struct dmk_cma *cma, size_t *used, size_t *total);

/* The library's dma-direct tables, for ops that build on them. */
extern const struct dmk_dma_map_ops dmk_direct_coherent_ops;
extern const struct dmk_dma_map_ops dmk_direct_noncoherent_ops;

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_DMA_MAP_OPS_H */
