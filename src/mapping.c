/* SPDX-License-Identifier: MIT */
/*
 * The DMA API a driver calls, dispatched as Linux's kernel/dma/mapping.c
 * does: validate, pick the device's ops with dmk_get_dma_ops(), call
 * them, keep the per-device counters and tell the DMA-API debug checker.
 *
 * Ops selection, in one place:
 *   dev->dma_ops     (set by dmk_device_setup_dma, a driver, or the Xen
 *                     layer's per-device wrapper)
 *   sys->default_ops (the Xen layer's historical "default only" and
 *                     "device first" designs set it)
 *   dma-direct       (the table matching dev->coherent)
 * The Xen designs differ only in how they fill those two pointers, so
 * get_dma_ops stays the three lines Linux has.
 */
#include "internal.h"

#include <dmakit/xen.h>

#define STAT_ADD(dev, field, n)                                                \
	do {                                                                   \
		bool shared_;                                                  \
		struct dmk_dma_stats *st_ = my_stats(dev, &shared_);           \
		stat_add(&st_->field, (n), shared_);                           \
	} while (0)

static const char *const dir_names[] = {
	[DMK_DMA_BIDIRECTIONAL] = "DMA_BIDIRECTIONAL",
	[DMK_DMA_TO_DEVICE] = "DMA_TO_DEVICE",
	[DMK_DMA_FROM_DEVICE] = "DMA_FROM_DEVICE",
	[DMK_DMA_NONE] = "DMA_NONE",
};

/* ---- per-device counters ---- */

/*
 * Counting must not cost lock-prefixed read-modify-writes on every map
 * and unmap (a profile of the bounce benchmark showed three or four per
 * map+unmap as one of its largest costs).  So each counter is written
 * by one thread only, with a relaxed load and store:
 *
 *   - every live thread has a token (thread.c), one thread at a time;
 *   - the first thread to count on a device (its "owner") counts into
 *     dev->stats, which is therefore exact for a single-threaded
 *     program that reads it directly, as the tools and tests do;
 *   - other threads count into stat_shards[token - 1];
 *   - threads beyond the tokens share the last shard with atomic adds.
 *
 * dmk_device_stats() sums them.  The owner is recorded by token, so a
 * token given back and taken again inherits its devices, which is
 * sound because the previous thread has exited.
 */
#define PRIVATE_SLOTS (DMK_STAT_SHARDS - 1)
_Static_assert(PRIVATE_SLOTS == DMK_ENV_TOKENS,
	       "one private stat shard per thread token");
_Static_assert(sizeof(struct dmk_dma_stat_shard) == 128 &&
		       sizeof(struct dmk_dma_stats) <= 64,
	       "counter blocks at least 64 bytes apart");

static __attribute__((noinline)) struct dmk_dma_stats *
my_stats_slow(struct dmk_device *dev, bool *shared)
{
	uintptr_t owner = 0;
	unsigned int my_slot = dmk_env_token();

	if (my_slot == DMK_ENV_TOKEN_SHARED) {
		*shared = true;
		return &dev->stat_shards[PRIVATE_SLOTS].s;
	}
	if (dmk_atomic_cmpxchg(&dev->stats_owner, &owner, my_slot,
			       DMK_ORDER_RELAXED, DMK_ORDER_RELAXED) ||
	    owner == my_slot)
		return &dev->stats;
	return &dev->stat_shards[my_slot - 1].s;
}

/* The counters this thread may write to, and whether others write too. */
static inline struct dmk_dma_stats *my_stats(struct dmk_device *dev,
					     bool *shared)
{
	uintptr_t owner = dmk_atomic_load(&dev->stats_owner, DMK_ORDER_RELAXED);
	unsigned int my_slot = dmk_env_token_peek();

	*shared = false;
	if (__builtin_expect(owner == my_slot && owner != 0, 1))
		return &dev->stats;
	if (owner != 0 && my_slot != 0 && my_slot != DMK_ENV_TOKEN_SHARED)
		return &dev->stat_shards[my_slot - 1].s;
	return my_stats_slow(dev, shared);
}

static inline void stat_add(uint64_t *ctr, uint64_t n, bool shared)
{
	if (shared)
		dmk_atomic_fetch_add(ctr, n, DMK_ORDER_RELAXED);
	else
		dmk_atomic_store(ctr,
				 dmk_atomic_load(ctr, DMK_ORDER_RELAXED) + n,
				 DMK_ORDER_RELAXED);
}

static void stats_accumulate(struct dmk_dma_stats *sum,
			     const struct dmk_dma_stats *s)
{
	sum->maps += dmk_atomic_load(&s->maps, DMK_ORDER_RELAXED);
	sum->unmaps += dmk_atomic_load(&s->unmaps, DMK_ORDER_RELAXED);
	sum->bounced += dmk_atomic_load(&s->bounced, DMK_ORDER_RELAXED);
	sum->bounced_bytes +=
		dmk_atomic_load(&s->bounced_bytes, DMK_ORDER_RELAXED);
	sum->allocs += dmk_atomic_load(&s->allocs, DMK_ORDER_RELAXED);
	sum->frees += dmk_atomic_load(&s->frees, DMK_ORDER_RELAXED);
	sum->errors += dmk_atomic_load(&s->errors, DMK_ORDER_RELAXED);
}

void dmk_device_stats(const struct dmk_device *dev, struct dmk_dma_stats *out)
{
	*out = (struct dmk_dma_stats){0};
	stats_accumulate(out, &dev->stats);
	for (unsigned int i = 0; i < DMK_STAT_SHARDS; i++)
		stats_accumulate(out, &dev->stat_shards[i].s);
}

/* ---- devices and their ops ---- */

void dmk_device_init(struct dmk_device *dev, struct dmk_system *sys,
		     const char *name)
{
	*dev = (struct dmk_device){
		.name = name,
		.sys = sys,
		/* What Linux gives a platform device that asked nothing. */
		.dma_mask = DMK_BIT_MASK(32),
		.coherent_dma_mask = DMK_BIT_MASK(32),
		.bus_dma_limit = 0,
		.bus_offset = 0,
		.min_align_mask = 0,
		/* dma_get_seg_boundary() when nothing was set: ULONG_MAX. */
		.seg_boundary_mask = ~0ULL,
		.max_seg_size = 65536,
		.coherent = false,
	};
}

/*
 * arch_setup_dma_ops(): the native ops follow from the IOMMU and the
 * coherency firmware described; the hypervisor layer comes last, once
 * all of that is known (Linux 6.x calls xen_setup_dma_ops at the end).
 */
int dmk_device_setup_dma(struct dmk_device *dev)
{
	if (!dev || !dev->sys)
		return -DMK_EINVAL;

	dev->native_ops = NULL;
	dev->dma_ops =
		dev->iommu ? &dmk_iommu_dma_ops : dmk_direct_ops_for(dev);
	if (dev->sys->xen)
		dmk_xen_setup_dma_ops(dev);
	return 0;
}

void dmk_device_teardown_dma(struct dmk_device *dev)
{
	if (!dev || !dev->sys)
		return;
	if (dev->sys->debug)
		dmk_debug_device_gone(dev);
	/* Detached, not destroyed: whoever created the domain owns it. */
	dev->iommu = NULL;
	dev->dma_ops = NULL;
	dev->native_ops = NULL;
}

const struct dmk_dma_map_ops *dmk_get_dma_ops(struct dmk_device *dev)
{
	if (dev->dma_ops)
		return dev->dma_ops;
	if (dev->sys->default_ops)
		return dev->sys->default_ops;
	return dmk_direct_ops_for(dev);
}

void dmk_set_dma_ops(struct dmk_device *dev, const struct dmk_dma_map_ops *ops)
{
	/* A wrapper that stays on top is what makes set_dma_ops safe. */
	if (dev->sys->xen && dmk_xen_wraps(dev))
		dev->native_ops = ops;
	else
		dev->dma_ops = ops;
}

int dmk_dma_ops_chain(struct dmk_device *dev, char *buf, size_t len)
{
	const struct dmk_dma_map_ops *outer;
	int n;

	if (!dev || !buf || len == 0)
		return -DMK_EINVAL;
	outer = dmk_get_dma_ops(dev);
	if (dev->native_ops && outer != dev->native_ops)
		n = dmk_snprintf(buf, len, "%s>%s", outer->name,
				 dev->native_ops->name);
	else
		n = dmk_snprintf(buf, len, "%s", outer->name);
	return n < 0 || (size_t)n >= len ? -DMK_EINVAL : 0;
}

/* ---- masks ---- */

int dmk_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (ops->dma_supported)
		return ops->dma_supported(dev, mask);
	/* An implementation with no opinion gets dma-direct's rule. */
	return dmk_direct_ops_for(dev)->dma_supported(dev, mask);
}

int dmk_set_mask(struct dmk_device *dev, uint64_t mask)
{
	if (!dmk_dma_supported(dev, mask))
		return -DMK_EIO;
	dev->dma_mask = mask;
	return 0;
}

int dmk_set_coherent_mask(struct dmk_device *dev, uint64_t mask)
{
	if (!dmk_dma_supported(dev, mask))
		return -DMK_EIO;
	dev->coherent_dma_mask = mask;
	return 0;
}

int dmk_set_mask_and_coherent(struct dmk_device *dev, uint64_t mask)
{
	int ret = dmk_set_mask(dev, mask);

	if (ret == 0)
		ret = dmk_set_coherent_mask(dev, mask);
	return ret;
}

size_t dmk_max_mapping_size(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	return ops->max_mapping_size ? ops->max_mapping_size(dev) : SIZE_MAX;
}

/* ---- argument checks ---- */

static bool request_valid(struct dmk_device *dev, size_t size,
			  enum dmk_data_direction dir, const char *what)
{
	if (!dmk_dir_valid(dir)) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: %s with invalid direction %d", dev->name, what,
			(int)dir);
		return false;
	}
	if (size == 0) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR, "%s: %s of size 0",
			dev->name, what);
		return false;
	}
	return true;
}

static bool sg_valid(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		     enum dmk_data_direction dir, const char *what)
{
	if (!sg || nents <= 0) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: %s with an empty scatterlist (%d entries)",
			dev->name, what, nents);
		return false;
	}
	for (int i = 0; i < nents; i++)
		if (!request_valid(dev, sg[i].length, dir, what))
			return false;
	return true;
}

/* A driver's own ops may lack a hook; say so instead of crashing. */
static bool ops_can(struct dmk_device *dev, const struct dmk_dma_map_ops *ops,
		    bool has_hook, const char *what)
{
	if (has_hook)
		return true;
	dmk_log(dev_plat(dev), DMK_LOG_ERR, "%s: ops %s have no %s", dev->name,
		ops->name, what);
	return false;
}

static void count_map(struct dmk_device *dev)
{
	bool shared;
	struct dmk_dma_stats *st = my_stats(dev, &shared);

	stat_add(&st->maps, 1, shared);
}

void dmk_count_bounce(struct dmk_device *dev, size_t size)
{
	bool shared;
	struct dmk_dma_stats *st = my_stats(dev, &shared);

	stat_add(&st->bounced, 1, shared);
	stat_add(&st->bounced_bytes, size, shared);
}

/* ---- coherent allocations ---- */

void *dmk_alloc_attrs(struct dmk_device *dev, size_t size,
		      dmk_addr_t *dma_handle, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	void *cpu = NULL;

	*dma_handle = DMK_MAPPING_ERROR;
	if (size == 0) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR, "%s: alloc of size 0",
			dev->name);
	} else if (!ops->alloc) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: ops %s cannot allocate coherent memory", dev->name,
			ops->name);
	} else {
		cpu = ops->alloc(dev, size, dma_handle, attrs);
	}
	if (!cpu) {
		*dma_handle = DMK_MAPPING_ERROR;
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	STAT_ADD(dev, allocs, 1);
	if (dev->sys->debug)
		dmk_debug_alloc(dev, cpu, size, *dma_handle);
	return cpu;
}

void dmk_free_attrs(struct dmk_device *dev, size_t size, void *cpu_addr,
		    dmk_addr_t dma_handle, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	/* Like Linux: freeing NULL is a no-op, whatever the handle says. */
	if (!cpu_addr)
		return;
	if (dev->sys->debug)
		dmk_debug_free(dev, cpu_addr, size, dma_handle);
	if (ops->free)
		ops->free(dev, size, cpu_addr, dma_handle, attrs);
	STAT_ADD(dev, frees, 1);
}

/* ---- streaming mappings ---- */

dmk_addr_t dmk_map_page_attrs(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir,
			      unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	dmk_addr_t addr;

	if (!request_valid(dev, size, dir, "map") ||
	    !ops_can(dev, ops, ops->map_page != NULL, "map_page")) {
		STAT_ADD(dev, errors, 1);
		return DMK_MAPPING_ERROR;
	}
	addr = ops->map_page(dev, phys, size, dir, attrs);
	if (addr == DMK_MAPPING_ERROR) {
		STAT_ADD(dev, errors, 1);
		return addr;
	}
	count_map(dev);
	if (dev->sys->debug)
		dmk_debug_map(dev, phys, size, dir, addr, true, attrs);
	return addr;
}

void dmk_unmap_page_attrs(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			  enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!request_valid(dev, size, dir, "unmap"))
		return;
	if (dev->sys->debug)
		dmk_debug_unmap(dev, addr, size, dir, true);
	if (ops->unmap_page)
		ops->unmap_page(dev, addr, size, dir, attrs);
	STAT_ADD(dev, unmaps, 1);
}

dmk_addr_t dmk_map_single_attrs(struct dmk_device *dev, void *cpu_addr,
				size_t size, enum dmk_data_direction dir,
				unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	dmk_phys_t phys = dmk_virt_to_phys(plat, cpu_addr);

	/* Only the linear map has a guest-physical address behind it. */
	if (phys == DMK_PHYS_ERROR) {
		dmk_log(plat, DMK_LOG_ERR,
			"%s: map_single of %p, outside the linear map",
			dev->name, cpu_addr);
		STAT_ADD(dev, errors, 1);
		return DMK_MAPPING_ERROR;
	}
	return dmk_map_page_attrs(dev, phys, size, dir, attrs);
}

void dmk_unmap_single_attrs(struct dmk_device *dev, dmk_addr_t addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs)
{
	dmk_unmap_page_attrs(dev, addr, size, dir, attrs);
}

int dmk_map_sg_attrs(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		     enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	int mapped;

	if (!sg_valid(dev, sg, nents, dir, "map_sg") ||
	    !ops_can(dev, ops, ops->map_sg != NULL, "map_sg")) {
		STAT_ADD(dev, errors, 1);
		return 0;
	}
	mapped = ops->map_sg(dev, sg, nents, dir, attrs);
	if (mapped <= 0) {
		STAT_ADD(dev, errors, 1);
		return 0;
	}
	for (int i = 0; i < mapped; i++) {
		count_map(dev);
		if (dev->sys->debug)
			dmk_debug_map(dev, sg[i].phys, sg[i].dma_length, dir,
				      sg[i].dma_address, false, attrs);
	}
	return mapped;
}

void dmk_unmap_sg_attrs(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!sg_valid(dev, sg, nents, dir, "unmap_sg"))
		return;
	if (dev->sys->debug)
		for (int i = 0; i < nents; i++)
			dmk_debug_unmap(dev, sg[i].dma_address,
					sg[i].dma_length, dir, false);
	if (ops->unmap_sg)
		ops->unmap_sg(dev, sg, nents, dir, attrs);
	STAT_ADD(dev, unmaps, nents);
}

int dmk_mapping_error(struct dmk_device *dev, dmk_addr_t addr)
{
	if (dev->sys->debug)
		dmk_debug_mapping_error(dev, addr);
	return addr == DMK_MAPPING_ERROR;
}

/* ---- syncs ---- */

static bool sync_valid(struct dmk_device *dev, size_t size,
		       enum dmk_data_direction dir, const char *what)
{
	/* Linux accepts a zero-length sync; only the direction is checked. */
	if (dmk_dir_valid(dir))
		return true;
	dmk_log(dev_plat(dev), DMK_LOG_ERR,
		"%s: %s of %zu bytes with invalid direction %s", dev->name,
		what, size, dir <= DMK_DMA_NONE ? dir_names[dir] : "?");
	return false;
}

void dmk_sync_single_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
			     size_t size, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!sync_valid(dev, size, dir, "sync_single_for_cpu"))
		return;
	if (ops->sync_single_for_cpu)
		ops->sync_single_for_cpu(dev, addr, size, dir);
	if (dev->sys->debug)
		dmk_debug_sync(dev, addr, size, dir, true);
}

void dmk_sync_single_for_device(struct dmk_device *dev, dmk_addr_t addr,
				size_t size, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!sync_valid(dev, size, dir, "sync_single_for_device"))
		return;
	if (ops->sync_single_for_device)
		ops->sync_single_for_device(dev, addr, size, dir);
	if (dev->sys->debug)
		dmk_debug_sync(dev, addr, size, dir, false);
}

void dmk_sync_single_range_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
				   size_t offset, size_t size,
				   enum dmk_data_direction dir)
{
	dmk_sync_single_for_cpu(dev, addr + offset, size, dir);
}

void dmk_sync_single_range_for_device(struct dmk_device *dev, dmk_addr_t addr,
				      size_t offset, size_t size,
				      enum dmk_data_direction dir)
{
	dmk_sync_single_for_device(dev, addr + offset, size, dir);
}

void dmk_sync_sg_for_cpu(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			 enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!sg || nents <= 0 || !sync_valid(dev, 0, dir, "sync_sg_for_cpu"))
		return;
	if (ops->sync_sg_for_cpu)
		ops->sync_sg_for_cpu(dev, sg, nents, dir);
	if (dev->sys->debug)
		for (int i = 0; i < nents; i++)
			dmk_debug_sync(dev, sg[i].dma_address, sg[i].dma_length,
				       dir, true);
}

void dmk_sync_sg_for_device(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (!sg || nents <= 0 || !sync_valid(dev, 0, dir, "sync_sg_for_device"))
		return;
	if (ops->sync_sg_for_device)
		ops->sync_sg_for_device(dev, sg, nents, dir);
	if (dev->sys->debug)
		for (int i = 0; i < nents; i++)
			dmk_debug_sync(dev, sg[i].dma_address, sg[i].dma_length,
				       dir, false);
}
