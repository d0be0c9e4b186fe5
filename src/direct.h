/* SPDX-License-Identifier: MIT */
/*
 * dma-direct's helpers for the other ops (Linux's kernel/dma/direct.h and
 * <linux/dma-direct.h>): bus addresses, reach, and the arch's cache
 * maintenance.  The two tables themselves (coherent and non-coherent:
 * the TABLE decides whether caches are maintained, not dev->coherent)
 * are in dma-map-ops.h.
 */
#ifndef DMAKIT_DIRECT_H
#define DMAKIT_DIRECT_H

#include "internal.h"

/* The ops matching dev->coherent. */
const struct dmk_dma_map_ops *dmk_direct_ops_for(struct dmk_device *dev);

/* Linux's translate_phys_to_dma / translate_dma_to_phys: through the
 * device's dma_range_map; DMK_MAPPING_ERROR / DMK_PHYS_ERROR outside
 * every region. */
dmk_addr_t dmk_translate_phys_to_dma(struct dmk_device *dev, dmk_phys_t phys);
dmk_phys_t dmk_translate_dma_to_phys(struct dmk_device *dev, dmk_addr_t addr);

/* Bus address of a machine/guest-physical address for this device and
 * back: through the dma_range_map when firmware gave one, else with
 * bus_offset.  On Xen the caller translates pfn->bfn first. */
static inline dmk_addr_t dmk_phys_to_dma(struct dmk_device *dev,
					 dmk_phys_t phys)
{
	if (__builtin_expect(dev->dma && dev->dma->range_map, 0))
		return dmk_translate_phys_to_dma(dev, phys);
	return phys + dev->bus_offset;
}
static inline dmk_phys_t dmk_dma_to_phys(struct dmk_device *dev,
					 dmk_addr_t addr)
{
	if (__builtin_expect(dev->dma && dev->dma->range_map, 0))
		return dmk_translate_dma_to_phys(dev, addr);
	return addr - dev->bus_offset;
}

/*
 * [phys, phys + size) appears on the bus as one run at addr: with a
 * dma_range_map a buffer that runs past its region's end (into a hole or
 * another region with another offset) does not.  Linux checks only the
 * first byte's translation; this is stricter.
 */
static inline bool dmk_dma_range_contiguous(struct dmk_device *dev,
					    dmk_phys_t phys, dmk_addr_t addr,
					    size_t size)
{
	if (__builtin_expect(!dev->dma || !dev->dma->range_map, 1))
		return true;
	return dmk_translate_phys_to_dma(dev, phys + size - 1) ==
	       addr + size - 1;
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

/* dma-direct's answers to the calls that have no hook in its tables
 * (mapping.c calls them directly, as Linux's dma_map_direct()).  attrs
 * of alloc_pages: DMK_ATTR_NO_WARN or 0 (Linux's __GFP_NOWARN). */
void *dmk_direct_alloc_pages(struct dmk_device *dev, size_t size,
			     dmk_addr_t *dma_handle,
			     enum dmk_data_direction dir, unsigned long attrs);
void dmk_direct_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
			   dmk_addr_t dma_handle, enum dmk_data_direction dir);
dmk_addr_t dmk_direct_map_resource(struct dmk_device *dev, dmk_phys_t phys,
				   size_t size, enum dmk_data_direction dir,
				   unsigned long attrs);
bool dmk_direct_need_sync(struct dmk_device *dev, dmk_addr_t addr,
			  bool coherent);
uint64_t dmk_direct_get_required_mask(struct dmk_device *dev);
/* Some RAM is beyond the device's mask or bus limit. */
bool dmk_direct_addressing_limited(struct dmk_device *dev);

#endif /* DMAKIT_DIRECT_H */
