/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API debug checker (Linux's kernel/dma/debug.h): mapping.c
 * tells it of every operation; system.c creates it.
 */
#ifndef DMAKIT_DEBUG_H
#define DMAKIT_DEBUG_H

#include "internal.h"

int dmk_debug_create(struct dmk_system *sys, struct dmk_debug **out);
void dmk_debug_destroy(struct dmk_debug *dbg);
void dmk_debug_map(struct dmk_device *dev, dmk_phys_t phys, size_t size,
		   enum dmk_data_direction dir, dmk_addr_t addr, bool single,
		   unsigned long attrs);
void dmk_debug_unmap(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		     enum dmk_data_direction dir, bool single);
/* A scatterlist of nents entries the ops mapped into `mapped` segments. */
void dmk_debug_map_sg(struct dmk_device *dev, const struct dmk_sg *sg,
		      int nents, int mapped, enum dmk_data_direction dir,
		      unsigned long attrs);
/* Unmap and sync of a list: mapped_hint is how many leading entries
 * carry a DMA length, used when the checker never saw the list. */
void dmk_debug_unmap_sg(struct dmk_device *dev, const struct dmk_sg *sg,
			int nents, int mapped_hint,
			enum dmk_data_direction dir);
void dmk_debug_sync_sg(struct dmk_device *dev, const struct dmk_sg *sg,
		       int nents, int mapped_hint, enum dmk_data_direction dir,
		       bool for_cpu);
/* map_single of a CPU address outside the linear map (vmap: in the
 * vmalloc area; otherwise in none). */
void dmk_debug_map_single_area(struct dmk_device *dev, const void *va,
			       size_t len, bool vmap);
void dmk_debug_resource_ram(struct dmk_device *dev, dmk_phys_t phys,
			    size_t size);
void dmk_debug_mapping_error(struct dmk_device *dev, dmk_addr_t addr);
void dmk_debug_sync(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		    enum dmk_data_direction dir, bool for_cpu);
void dmk_debug_alloc(struct dmk_device *dev, void *cpu, size_t size,
		     dmk_addr_t addr);
void dmk_debug_free(struct dmk_device *dev, void *cpu, size_t size,
		    dmk_addr_t addr);
/* A misuse found elsewhere (a DMA pool): one line, one counted error. */
void dmk_debug_report(struct dmk_device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A device goes away: every mapping it still holds is reported. */
void dmk_debug_device_gone(struct dmk_device *dev);

#endif /* DMAKIT_DEBUG_H */
