/* SPDX-License-Identifier: MIT */
/*
 * The DMA API a driver calls, dispatched as Linux's kernel/dma/mapping.c
 * does: validate, pick the device's ops with dmk_get_dma_ops(), call
 * them, keep the per-device counters and tell the DMA-API debug checker.
 * Also the device's life (init, setup, fini) and its ops.
 *
 * Ops selection, in one place:
 *   dev->dma->ops    (set by dmk_device_setup_dma, a driver's
 *                     set_dma_ops, or a layer that wraps the device)
 *   sys->default_ops (a layer's default for devices never set up)
 *   dma-direct       (the table matching dev->coherent)
 * so get_dma_ops stays the three lines Linux has.  A wrapping layer
 * keeps the device's own ops in dev->dma->native; set_dma_ops on a
 * wrapped device lands there.
 */
#include "coherent.h"
#include "debug.h"
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "ops-helpers.h"
#include "remap.h"

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
 *   - every live thread has a token (dmk_env_token), one at a time;
 *   - the first thread to count on a device (its "owner") counts into
 *     dev->dma->stats;
 *   - other threads count into shards[token - 1];
 *   - threads beyond the tokens (or every thread, in an environment
 *     without tokens) share the last shard with atomic adds.
 *
 * dmk_device_stats() sums them.  The owner is recorded by token, so a
 * token given back and taken again inherits its devices, which is
 * sound because the previous thread has exited.
 */
#define PRIVATE_SLOTS (DMK_STAT_SHARDS - 1)
_Static_assert(PRIVATE_SLOTS == DMK_ENV_TOKENS,
	       "one private stat shard per thread token");
_Static_assert(sizeof(struct dmk_dma_stats) <= DMK_CACHELINE_BYTES,
	       "one counter block per cache line");

static __attribute__((__noinline__)) struct dmk_dma_stats *
my_stats_slow(struct dmk_device_dma *st, bool *shared)
{
	unsigned int owner = 0;
	unsigned int my_slot = dmk_env_token();

	if (my_slot == DMK_ENV_TOKEN_SHARED) {
		*shared = true;
		return &st->shards[PRIVATE_SLOTS].s;
	}
	if (dmk_atomic_cmpxchg(&st->stats_owner, &owner, my_slot,
			       DMK_ORDER_RELAXED, DMK_ORDER_RELAXED) ||
	    owner == my_slot)
		return &st->stats.s;
	return &st->shards[my_slot - 1].s;
}

/* The counters this thread may write to, and whether others write too. */
static inline struct dmk_dma_stats *my_stats(struct dmk_device *dev,
					     bool *shared)
{
	struct dmk_device_dma *st = dev->dma;
	unsigned int owner =
		dmk_atomic_load(&st->stats_owner, DMK_ORDER_RELAXED);
	unsigned int my_slot = dmk_env_token_peek();

	*shared = false;
	if (__builtin_expect(owner == my_slot && owner != 0, 1))
		return &st->stats.s;
	if (owner != 0 && my_slot != 0 && my_slot != DMK_ENV_TOKEN_SHARED)
		return &st->shards[my_slot - 1].s;
	return my_stats_slow(st, shared);
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
	if (!dev || !dev->dma)
		return;
	stats_accumulate(out, &dev->dma->stats.s);
	for (unsigned int i = 0; i < DMK_STAT_SHARDS; i++)
		stats_accumulate(out, &dev->dma->shards[i].s);
}

/* ---- devices and their ops ---- */

int dmk_device_init(struct dmk_device *dev, struct dmk_system *sys,
		    const char *name)
{
	struct dmk_device_dma *st;

	if (!dev)
		return -DMK_EINVAL;
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
	if (!sys)
		return -DMK_EINVAL;
	st = dmk_zalloc_aligned(sizeof(*st));
	if (!st)
		return -DMK_ENOMEM;
	st->debug = sys->debug;
	st->pool = sys->swiotlb;
	dev->dma = st;
	return 0;
}

/*
 * arch_setup_dma_ops(): the native ops follow from the IOMMU and the
 * coherency firmware described; the layer comes last, once all of that
 * is known (Linux 6.x calls xen_setup_dma_ops at the end).
 */
int dmk_device_setup_dma(struct dmk_device *dev)
{
	struct dmk_system *sys;

	if (!dev || !dev->dma || !dev->sys)
		return -DMK_EINVAL;
	sys = dev->sys;
	dev->dma->native = NULL;
	dev->dma->ops =
		dev->dma->iommu ? &dmk_iommu_dma_ops : dmk_direct_ops_for(dev);
	if (sys->layer && sys->layer->setup_dev)
		sys->layer->setup_dev(dev);
	return 0;
}

void dmk_device_fini(struct dmk_device *dev)
{
	if (!dev || !dev->dma)
		return;
	if (dev->dma->debug)
		dmk_debug_device_gone(dev);
	if (dev->dma->layer_dev && dev->sys->layer &&
	    dev->sys->layer->release_dev)
		dev->sys->layer->release_dev(dev);
	dmk_release_coherent_memory(dev);
	dmk_env_free(dev->dma->range_map);
	dmk_free_aligned(dev->dma);
	dev->dma = NULL;
}

const struct dmk_dma_map_ops *dmk_get_dma_ops(struct dmk_device *dev)
{
	if (dev->dma && dev->dma->ops)
		return dev->dma->ops;
	if (dev->sys->default_ops)
		return dev->sys->default_ops;
	return dmk_direct_ops_for(dev);
}

void dmk_set_dma_ops(struct dmk_device *dev, const struct dmk_dma_map_ops *ops)
{
	if (!dev || !dev->dma)
		return;
	/* A wrapper that stays on top is what makes set_dma_ops safe. */
	if (dev->dma->native)
		dev->dma->native = ops;
	else
		dev->dma->ops = ops;
}

const struct dmk_dma_map_ops *dmk_get_native_dma_ops(struct dmk_device *dev)
{
	if (dev->dma && dev->dma->native)
		return dev->dma->native;
	return dmk_get_dma_ops(dev);
}

int dmk_dma_wrap(struct dmk_device *dev, const struct dmk_dma_map_ops *ops)
{
	if (!dev || !dev->dma || !ops || dev->dma->native)
		return -DMK_EINVAL;
	dev->dma->native = dmk_get_dma_ops(dev);
	dev->dma->ops = ops;
	return 0;
}

int dmk_dma_unwrap(struct dmk_device *dev)
{
	if (!dev || !dev->dma || !dev->dma->native)
		return -DMK_EINVAL;
	dev->dma->ops = dev->dma->native;
	dev->dma->native = NULL;
	return 0;
}

int dmk_dma_ops_chain(struct dmk_device *dev, char *buf, size_t len)
{
	const struct dmk_dma_map_ops *outer;
	int n;

	if (!dev || !dev->dma || !buf || len == 0)
		return -DMK_EINVAL;
	outer = dmk_get_dma_ops(dev);
	if (dev->dma->native)
		n = dmk_snprintf(buf, len, "%s>%s", outer->name,
				 dev->dma->native->name);
	else
		n = dmk_snprintf(buf, len, "%s", outer->name);
	return n < 0 || (size_t)n >= len ? -DMK_EINVAL : 0;
}

/* ---- what firmware describes ---- */

int dmk_device_set_restricted_pool(struct dmk_device *dev,
				   struct dmk_swiotlb *pool)
{
	if (!dev || !dev->dma)
		return -DMK_EINVAL;
	dev->dma->restricted_pool = pool;
	dev->dma->pool = pool ? pool : dev->sys->swiotlb;
	return 0;
}

int dmk_device_set_dma_range_map(struct dmk_device *dev,
				 const struct dmk_bus_dma_region *map,
				 unsigned int nr)
{
	struct dmk_bus_dma_region *copy = NULL;
	uint64_t limit = 0;

	if (!dev || !dev->dma || nr > DMK_MAX_DMA_RANGES)
		return -DMK_EINVAL;
	if (!map)
		nr = 0;
	for (unsigned int i = 0; i < nr; i++) {
		if (!map[i].size ||
		    map[i].cpu_start + map[i].size - 1 < map[i].cpu_start ||
		    map[i].dma_start + map[i].size - 1 < map[i].dma_start)
			return -DMK_EINVAL;
		if (map[i].dma_start + map[i].size - 1 > limit)
			limit = map[i].dma_start + map[i].size - 1;
	}
	if (nr) {
		copy = dmk_env_zalloc(nr * sizeof(*copy));
		if (!copy)
			return -DMK_ENOMEM;
		memcpy(copy, map, nr * sizeof(*copy));
	}
	dmk_env_free(dev->dma->range_map);
	dev->dma->range_map = copy;
	dev->dma->nr_ranges = nr;
	/* of_dma_configure_id: the bus limit is the map's last bus byte. */
	if (nr)
		dev->bus_dma_limit = limit;
	return 0;
}

int dmk_device_attach_iommu(struct dmk_device *dev,
			    struct dmk_iommu_domain *dom)
{
	if (!dev || !dev->dma)
		return -DMK_EINVAL;
	dev->dma->iommu = dom;
	return 0;
}

/* ---- masks ---- */

/*
 * A device whose dmk_device_init failed (or never ran) has no state:
 * every call on it fails cleanly instead of dereferencing it.
 */
static inline bool dev_ready(const struct dmk_device *dev)
{
	return __builtin_expect(dev && dev->dma && dev->sys, 1);
}

int dmk_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	const struct dmk_dma_map_ops *ops;

	if (!dev_ready(dev))
		return 0;
	ops = dmk_get_dma_ops(dev);
	if (ops->dma_supported)
		return ops->dma_supported(dev, mask);
	/* An implementation with no opinion gets dma-direct's rule. */
	return dmk_direct_ops_for(dev)->dma_supported(dev, mask);
}

int dmk_set_mask(struct dmk_device *dev, uint64_t mask)
{
	if (!dev_ready(dev))
		return -DMK_EINVAL;
	if (!dmk_dma_supported(dev, mask))
		return -DMK_EIO;
	dev->dma_mask = mask;
	return 0;
}

int dmk_set_coherent_mask(struct dmk_device *dev, uint64_t mask)
{
	if (!dev_ready(dev))
		return -DMK_EINVAL;
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
	const struct dmk_dma_map_ops *ops;

	if (!dev_ready(dev))
		return 0;
	ops = dmk_get_dma_ops(dev);
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
	const struct dmk_dma_map_ops *ops;
	void *cpu = NULL;

	*dma_handle = DMK_MAPPING_ERROR;
	if (!dev_ready(dev))
		return NULL;
	ops = dmk_get_dma_ops(dev);
	if (size == 0) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR, "%s: alloc of size 0",
			dev->name);
	} else if (dmk_alloc_from_dev_coherent(dev, size, dma_handle, &cpu)) {
		/* Its own region, full or not: Linux never falls back.  The
		 * back ends say why they failed; a full region says it here
		 * (Linux is silent: a driver would see a bare NULL). */
		if (!cpu && !(attrs & DMK_ATTR_NO_WARN))
			dmk_log(dev_plat(dev), DMK_LOG_WARN,
				"%s: its coherent memory region has no room for %zu bytes",
				dev->name, size);
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
	if (dev->dma->debug)
		dmk_debug_alloc(dev, cpu, size, *dma_handle);
	return cpu;
}

void dmk_free_attrs(struct dmk_device *dev, size_t size, void *cpu_addr,
		    dmk_addr_t dma_handle, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;

	/* Like Linux: freeing NULL is a no-op, whatever the handle says. */
	if (!cpu_addr || !dev_ready(dev))
		return;
	ops = dmk_get_dma_ops(dev);
	if (dev->dma->debug)
		dmk_debug_free(dev, cpu_addr, size, dma_handle);
	if (!dmk_release_from_dev_coherent(dev, size, cpu_addr) && ops->free)
		ops->free(dev, size, cpu_addr, dma_handle, attrs);
	STAT_ADD(dev, frees, 1);
}

/* ---- streaming mappings ---- */

/* Linux's dma_map_direct(): the library's dma-direct tables are called
 * through dma-direct itself for the hooks they do not carry. */
static bool map_direct(const struct dmk_dma_map_ops *ops)
{
	return ops == &dmk_direct_coherent_ops ||
	       ops == &dmk_direct_noncoherent_ops;
}

/* DMK_ATTR_REQUIRE_COHERENT on a device that needs cache maintenance:
 * refused before any ops see it (each ops refuses a bounce itself). */
static bool coherent_if_required(struct dmk_device *dev, unsigned long attrs,
				 const char *what)
{
	if (!(attrs & DMK_ATTR_REQUIRE_COHERENT) || dev->coherent)
		return true;
	dmk_log(dev_plat(dev), DMK_LOG_WARN,
		"%s: %s with REQUIRE_COHERENT on a non-coherent device",
		dev->name, what);
	return false;
}

/*
 * MMIO by physical address (dma_map_resource, or a map with
 * DMK_ATTR_MMIO as Linux 6.18's dma_map_phys): dma-direct's rule or the
 * ops' map_resource; an ops table without one cannot map MMIO.
 */
static dmk_addr_t map_mmio(struct dmk_device *dev, dmk_phys_t phys, size_t size,
			   enum dmk_data_direction dir, unsigned long attrs,
			   const char *what)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	dmk_addr_t addr = DMK_MAPPING_ERROR;

	attrs |= DMK_ATTR_MMIO;
	if (!request_valid(dev, size, dir, what)) {
		/* counted below */
	} else if (map_direct(ops)) {
		addr = dmk_direct_map_resource(dev, phys, size, dir, attrs);
	} else if (ops_can(dev, ops, ops->map_resource != NULL,
			   "map_resource")) {
		addr = ops->map_resource(dev, phys, size, dir, attrs);
	}
	if (addr == DMK_MAPPING_ERROR) {
		STAT_ADD(dev, errors, 1);
		return addr;
	}
	count_map(dev);
	if (dev->dma->debug)
		dmk_debug_map(dev, phys, size, dir, addr, true, attrs);
	return addr;
}

static void unmap_mmio(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		       enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	if (dev->dma->debug)
		dmk_debug_unmap(dev, addr, size, dir, true);
	if (!map_direct(ops) && ops->unmap_resource)
		ops->unmap_resource(dev, addr, size, dir,
				    attrs | DMK_ATTR_MMIO);
	STAT_ADD(dev, unmaps, 1);
}

/* pfn_valid() for any page of [phys, phys + size). */
static bool range_has_ram(struct dmk_device *dev, dmk_phys_t phys, size_t size)
{
	const struct dmk_platform *plat = dev_plat(dev);
	dmk_phys_t first = phys >> DMK_PAGE_SHIFT;
	dmk_phys_t last = (phys + size - 1) >> DMK_PAGE_SHIFT;

	if (phys + size - 1 < phys)
		return true; /* wraps: refused as RAM would be */
	for (dmk_phys_t pfn = first; pfn <= last; pfn++)
		if (dmk_plat_page_is_ram(plat, pfn << DMK_PAGE_SHIFT))
			return true;
	return false;
}

dmk_addr_t dmk_map_resource(struct dmk_device *dev, dmk_phys_t phys_addr,
			    size_t size, enum dmk_data_direction dir,
			    unsigned long attrs)
{
	if (!dev_ready(dev))
		return DMK_MAPPING_ERROR;
	/* Linux WARNs and refuses: RAM goes through map_page. */
	if (size && range_has_ram(dev, phys_addr, size)) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: map_resource of RAM at 0x%llx+%zu", dev->name,
			(unsigned long long)phys_addr, size);
		if (dev->dma->debug)
			dmk_debug_resource_ram(dev, phys_addr, size);
		STAT_ADD(dev, errors, 1);
		return DMK_MAPPING_ERROR;
	}
	return map_mmio(dev, phys_addr, size, dir, attrs, "map_resource");
}

void dmk_unmap_resource(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			enum dmk_data_direction dir, unsigned long attrs)
{
	if (!dev_ready(dev) || !request_valid(dev, size, dir, "unmap_resource"))
		return;
	unmap_mmio(dev, addr, size, dir, attrs);
}

/* ---- pages the driver syncs (dma_alloc_pages, _noncoherent) ---- */

void *dmk_alloc_pages(struct dmk_device *dev, size_t size,
		      dmk_addr_t *dma_handle, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops;
	void *cpu = NULL;

	if (!dma_handle)
		return NULL;
	*dma_handle = DMK_MAPPING_ERROR;
	if (!dev_ready(dev))
		return NULL;
	ops = dmk_get_dma_ops(dev);
	if (!request_valid(dev, size, dir, "alloc_pages")) {
		/* counted below */
	} else if (map_direct(ops)) {
		cpu = dmk_direct_alloc_pages(dev, size, dma_handle, dir, 0);
	} else if (ops_can(dev, ops, ops->alloc_pages_op != NULL,
			   "alloc_pages_op")) {
		cpu = ops->alloc_pages_op(dev, size, dma_handle, dir);
	}
	if (!cpu) {
		*dma_handle = DMK_MAPPING_ERROR;
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	STAT_ADD(dev, allocs, 1);
	/* Tracked as a mapping (debug_dma_map_phys), whose error was
	 * checked: a NULL return is how it fails. */
	if (dev->dma->debug) {
		dmk_debug_map(dev, dmk_virt_to_phys(dev_plat(dev), cpu), size,
			      dir, *dma_handle, true, 0);
		dmk_debug_mapping_error(dev, *dma_handle);
	}
	return cpu;
}

void dmk_free_pages(struct dmk_device *dev, size_t size, void *cpu_addr,
		    dmk_addr_t dma_handle, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops;

	if (!cpu_addr || !dev_ready(dev) ||
	    !request_valid(dev, size, dir, "free_pages"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (dev->dma->debug)
		dmk_debug_unmap(dev, dma_handle, size, dir, true);
	if (map_direct(ops))
		dmk_direct_free_pages(dev, size, cpu_addr, dma_handle, dir);
	else if (ops->free_pages)
		ops->free_pages(dev, size, cpu_addr, dma_handle, dir);
	STAT_ADD(dev, frees, 1);
}

void *dmk_alloc_noncoherent(struct dmk_device *dev, size_t size,
			    dmk_addr_t *dma_handle, enum dmk_data_direction dir)
{
	return dmk_alloc_pages(dev, size, dma_handle, dir);
}

void dmk_free_noncoherent(struct dmk_device *dev, size_t size, void *cpu_addr,
			  dmk_addr_t dma_handle, enum dmk_data_direction dir)
{
	dmk_free_pages(dev, size, cpu_addr, dma_handle, dir);
}

/* ---- non-contiguous allocations ---- */

/*
 * alloc_single_sgt(): one run of pages from dmk_alloc_pages' path.  Its
 * failure logs one line: the pages' (dma-direct's, or the ops' own
 * alloc_pages_op's, which has no attrs, as Linux's takes the gfp) or,
 * unless NO_WARN, the table's.
 */
static int alloc_single_sgt(struct dmk_device *dev, size_t size,
			    struct dmk_sg_table *sgt,
			    enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);
	dmk_addr_t handle = DMK_MAPPING_ERROR;
	void *cpu = NULL;

	if (size > UINT32_MAX)
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(sizeof(*sgt->sgl));
	if (!sgt->sgl) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(dev_plat(dev), DMK_LOG_WARN,
				"%s: alloc_noncontiguous: no memory for the table",
				dev->name);
		return -DMK_ENOMEM;
	}
	if (map_direct(ops))
		cpu = dmk_direct_alloc_pages(dev, size, &handle, dir, attrs);
	else if (ops->alloc_pages_op)
		cpu = ops->alloc_pages_op(dev, size, &handle, dir);
	if (!cpu) {
		dmk_env_free(sgt->sgl);
		sgt->sgl = NULL;
		return -DMK_ENOMEM;
	}
	sgt->sgl[0] = (struct dmk_sg){
		.phys = dmk_virt_to_phys(dev_plat(dev), cpu),
		.length = (uint32_t)size,
		.dma_address = handle,
		.dma_length = (uint32_t)size,
	};
	sgt->nents = sgt->orig_nents = 1;
	return 0;
}

struct dmk_sg_table *dmk_alloc_noncontiguous(struct dmk_device *dev,
					     size_t size,
					     enum dmk_data_direction dir,
					     unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;
	struct dmk_sg_table *sgt;
	int ret;

	if (!dev_ready(dev))
		return NULL;
	if (!request_valid(dev, size, dir, "alloc_noncontiguous")) {
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	/* Linux: only NO_WARN and ALLOC_SINGLE_PAGES mean anything here. */
	if (attrs & ~(DMK_ATTR_NO_WARN | DMK_ATTR_ALLOC_SINGLE_PAGES)) {
		dmk_log(dev_plat(dev), DMK_LOG_ERR,
			"%s: alloc_noncontiguous with attrs 0x%lx", dev->name,
			attrs);
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	sgt = dmk_env_zalloc(sizeof(*sgt));
	if (!sgt) {
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(dev_plat(dev), DMK_LOG_WARN,
				"%s: alloc_noncontiguous: no memory for the table",
				dev->name);
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	ops = dmk_get_dma_ops(dev);
	if (!map_direct(ops) && ops->alloc_noncontiguous)
		ret = ops->alloc_noncontiguous(dev, size, sgt, dir, attrs);
	else
		ret = alloc_single_sgt(dev, size, sgt, dir, attrs);
	if (ret) {
		dmk_env_free(sgt);
		STAT_ADD(dev, errors, 1);
		return NULL;
	}
	STAT_ADD(dev, allocs, 1);
	/* debug_dma_map_sg(): each device segment is a tracked mapping. */
	if (dev->dma->debug)
		for (unsigned int i = 0; i < sgt->nents; i++)
			dmk_debug_map(dev, sgt->sgl[i].phys,
				      sgt->sgl[i].dma_length, dir,
				      sgt->sgl[i].dma_address, false, 0);
	return sgt;
}

void dmk_free_noncontiguous(struct dmk_device *dev, size_t size,
			    struct dmk_sg_table *sgt,
			    enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops;

	if (!sgt || !dev_ready(dev) ||
	    !request_valid(dev, size, dir, "free_noncontiguous"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (dev->dma->debug)
		for (unsigned int i = 0; i < sgt->nents; i++)
			dmk_debug_unmap(dev, sgt->sgl[i].dma_address,
					sgt->sgl[i].dma_length, dir, false);
	if (!map_direct(ops) && ops->free_noncontiguous)
		ops->free_noncontiguous(dev, size, sgt, dir);
	else if (map_direct(ops))
		dmk_direct_free_pages(
			dev, size,
			dmk_phys_to_virt(dev_plat(dev), sgt->sgl[0].phys),
			sgt->sgl[0].dma_address, dir);
	else if (ops->free_pages)
		ops->free_pages(
			dev, size,
			dmk_phys_to_virt(dev_plat(dev), sgt->sgl[0].phys),
			sgt->sgl[0].dma_address, dir);
	dmk_env_free(sgt->sgl);
	dmk_env_free(sgt);
	STAT_ADD(dev, frees, 1);
}

/* Whether a non-contiguous buffer of dev is the IOMMU's chunks, which
 * Linux's dma_vmap_noncontiguous hands to vmap(). */
static bool noncontig_vmaps(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops = dmk_get_dma_ops(dev);

	return !map_direct(ops) && ops->alloc_noncontiguous &&
	       dev_plat(dev)->ops->vmap;
}

/*
 * dma_vmap_noncontiguous(): the table's pages, PAGE_ALIGN(size) of
 * them, at one cacheable CPU range (the driver syncs, as with any
 * streaming buffer).  Without a platform vmap (or for a one-run table
 * of other ops, as Linux's page_address) the linear map, when the
 * chunks follow each other guest-physically.
 */
void *dmk_vmap_noncontiguous(struct dmk_device *dev, size_t size,
			     struct dmk_sg_table *sgt)
{
	const struct dmk_platform *plat;
	size_t npages, have = 0;
	dmk_phys_t next;
	void *va;

	if (!sgt || !sgt->orig_nents || !dev_ready(dev))
		return NULL;
	plat = dev_plat(dev);
	npages = (size + DMK_PAGE_SIZE - 1) >> DMK_PAGE_SHIFT;
	for (unsigned int i = 0; i < sgt->orig_nents; i++)
		have += dmk_sg_entry_pages(&sgt->sgl[i]);
	if (size == 0 || npages > have) {
		dmk_log(plat, DMK_LOG_ERR,
			"%s: vmap_noncontiguous of %zu bytes over a table of %zu pages",
			dev->name, size, have);
		return NULL;
	}
	if (noncontig_vmaps(dev)) {
		struct dmk_sg_page_walk walk = {.sg = sgt->sgl};

		va = dmk_common_pages_remap(plat, npages, dmk_sg_walk_page,
					    &walk, DMK_VMAP_CACHED);
		if (!va)
			dmk_log(plat, DMK_LOG_WARN,
				"%s: vmap_noncontiguous of %zu pages failed",
				dev->name, npages);
		return va;
	}
	next = sgt->sgl[0].phys;
	for (unsigned int i = 0; i < sgt->orig_nents; i++) {
		if (sgt->sgl[i].phys != next) {
			dmk_log(plat, DMK_LOG_WARN,
				"%s: vmap_noncontiguous of %zu bytes in %u scattered chunks: the platform has no vmap",
				dev->name, size, sgt->orig_nents);
			return NULL;
		}
		next += sgt->sgl[i].length;
	}
	return dmk_phys_to_virt(plat, sgt->sgl[0].phys);
}

/* vunmap() of what the platform mapped; the linear map needs nothing. */
void dmk_vunmap_noncontiguous(struct dmk_device *dev, void *vaddr)
{
	if (!vaddr || !dev_ready(dev) || !noncontig_vmaps(dev))
		return;
	dev_plat(dev)->ops->vunmap(dev_plat(dev)->ctx, vaddr);
}

dmk_addr_t dmk_map_page_attrs(struct dmk_device *dev, dmk_phys_t phys,
			      size_t size, enum dmk_data_direction dir,
			      unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;
	dmk_addr_t addr;

	if (!dev_ready(dev))
		return DMK_MAPPING_ERROR;
	if (attrs & DMK_ATTR_MMIO)
		return map_mmio(dev, phys, size, dir, attrs, "map");
	ops = dmk_get_dma_ops(dev);
	if (!request_valid(dev, size, dir, "map") ||
	    !coherent_if_required(dev, attrs, "map") ||
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
	if (dev->dma->debug)
		dmk_debug_map(dev, phys, size, dir, addr, true, attrs);
	return addr;
}

void dmk_unmap_page_attrs(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			  enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;

	if (!dev_ready(dev) || !request_valid(dev, size, dir, "unmap"))
		return;
	if (attrs & DMK_ATTR_MMIO) {
		unmap_mmio(dev, addr, size, dir, attrs);
		return;
	}
	ops = dmk_get_dma_ops(dev);
	if (dev->dma->debug)
		dmk_debug_unmap(dev, addr, size, dir, true);
	if (ops->unmap_page)
		ops->unmap_page(dev, addr, size, dir, attrs);
	STAT_ADD(dev, unmaps, 1);
}

/*
 * map_single of an address the checker must look at, or that has no
 * guest-physical address: only the linear map has one.  Linux maps
 * whatever page virt_to_page() makes up; the debug checker says so, and
 * the mapping is refused here.  Out of line, so the common path is a
 * subtraction and a call.
 */
static __attribute__((__noinline__)) dmk_addr_t
map_single_slow(struct dmk_device *dev, void *cpu_addr, size_t size,
		enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	/* Asked only of a checked system: the hot path stays as it was. */
	bool vmap = dev->dma->debug && plat->ops->virt_is_vmap &&
		    plat->ops->virt_is_vmap(plat->ctx, cpu_addr);
	dmk_phys_t phys =
		vmap ? DMK_PHYS_ERROR : dmk_virt_to_phys(plat, cpu_addr);

	if (phys != DMK_PHYS_ERROR)
		return dmk_map_page_attrs(dev, phys, size, dir, attrs);
	if (dev->dma->debug)
		dmk_debug_map_single_area(dev, cpu_addr, size, vmap);
	else
		dmk_log(plat, DMK_LOG_ERR,
			"%s: map_single of %p, outside the linear map",
			dev->name, cpu_addr);
	STAT_ADD(dev, errors, 1);
	return DMK_MAPPING_ERROR;
}

dmk_addr_t dmk_map_single_attrs(struct dmk_device *dev, void *cpu_addr,
				size_t size, enum dmk_data_direction dir,
				unsigned long attrs)
{
	dmk_phys_t phys;

	if (!dev_ready(dev))
		return DMK_MAPPING_ERROR;
	phys = dmk_virt_to_phys(dev_plat(dev), cpu_addr);
	if (__builtin_expect(dev->dma->debug || phys == DMK_PHYS_ERROR, 0))
		return map_single_slow(dev, cpu_addr, size, dir, attrs);
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
	const struct dmk_dma_map_ops *ops;
	int mapped;

	if (!dev_ready(dev))
		return 0;
	ops = dmk_get_dma_ops(dev);
	if (!sg_valid(dev, sg, nents, dir, "map_sg") ||
	    !coherent_if_required(dev, attrs, "map_sg") ||
	    !ops_can(dev, ops, ops->map_sg != NULL, "map_sg")) {
		STAT_ADD(dev, errors, 1);
		return 0;
	}
	mapped = ops->map_sg(dev, sg, nents, dir, attrs);
	if (mapped <= 0) {
		STAT_ADD(dev, errors, 1);
		return 0;
	}
	for (int i = 0; i < mapped; i++)
		count_map(dev);
	if (dev->dma->debug)
		dmk_debug_map_sg(dev, sg, nents, mapped, dir, attrs);
	return mapped;
}

/*
 * The device's segments of a mapped list: the leading entries with a
 * DMA length (an IOMMU merges entries; the rest get length 0), as
 * Linux's debug code keeps sg_mapped_ents.
 */
static int sg_mapped(const struct dmk_sg *sg, int nents)
{
	int n = 0;

	while (n < nents && sg[n].dma_length)
		n++;
	return n;
}

void dmk_unmap_sg_attrs(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;
	int mapped;

	if (!dev_ready(dev) || !sg_valid(dev, sg, nents, dir, "unmap_sg"))
		return;
	ops = dmk_get_dma_ops(dev);
	mapped = sg_mapped(sg, nents);
	if (dev->dma->debug)
		dmk_debug_unmap_sg(dev, sg, nents, mapped, dir);
	if (ops->unmap_sg)
		ops->unmap_sg(dev, sg, nents, dir, attrs);
	STAT_ADD(dev, unmaps, mapped);
}

/* Linux's dma_mapping_error(): -ENOMEM for the error value, so that a
 * ported driver can return what it got. */
int dmk_mapping_error(struct dmk_device *dev, dmk_addr_t addr)
{
	if (dev_ready(dev) && dev->dma->debug)
		dmk_debug_mapping_error(dev, addr);
	return addr == DMK_MAPPING_ERROR ? -DMK_ENOMEM : 0;
}

/* ---- syncs ---- */

static bool sync_valid(struct dmk_device *dev, size_t size,
		       enum dmk_data_direction dir, const char *what)
{
	if (!dev_ready(dev))
		return false;
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
	const struct dmk_dma_map_ops *ops;

	if (!sync_valid(dev, size, dir, "sync_single_for_cpu"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (ops->sync_single_for_cpu)
		ops->sync_single_for_cpu(dev, addr, size, dir);
	if (dev->dma->debug)
		dmk_debug_sync(dev, addr, size, dir, true);
}

void dmk_sync_single_for_device(struct dmk_device *dev, dmk_addr_t addr,
				size_t size, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops;

	if (!sync_valid(dev, size, dir, "sync_single_for_device"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (ops->sync_single_for_device)
		ops->sync_single_for_device(dev, addr, size, dir);
	if (dev->dma->debug)
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
	const struct dmk_dma_map_ops *ops;

	if (!sg || nents <= 0 || !sync_valid(dev, 0, dir, "sync_sg_for_cpu"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (ops->sync_sg_for_cpu)
		ops->sync_sg_for_cpu(dev, sg, nents, dir);
	if (dev->dma->debug)
		dmk_debug_sync_sg(dev, sg, nents, sg_mapped(sg, nents), dir,
				  true);
}

void dmk_sync_sg_for_device(struct dmk_device *dev, struct dmk_sg *sg,
			    int nents, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *ops;

	if (!sg || nents <= 0 || !sync_valid(dev, 0, dir, "sync_sg_for_device"))
		return;
	ops = dmk_get_dma_ops(dev);
	if (ops->sync_sg_for_device)
		ops->sync_sg_for_device(dev, sg, nents, dir);
	if (dev->dma->debug)
		dmk_debug_sync_sg(dev, sg, nents, sg_mapped(sg, nents), dir,
				  false);
}

/* ---- queries ---- */

bool dmk_need_sync(struct dmk_device *dev, dmk_addr_t dma_addr)
{
	const struct dmk_dma_map_ops *ops;

	if (!dev_ready(dev))
		return true;
	ops = dmk_get_dma_ops(dev);
	if (map_direct(ops))
		return dmk_direct_need_sync(dev, dma_addr,
					    ops == &dmk_direct_coherent_ops);
	/* iommu_dma_need_sync(): the IOMMU ops never bounce. */
	if (ops == &dmk_iommu_dma_ops)
		return !dev->coherent;
	return ops->sync_single_for_cpu || ops->sync_single_for_device ||
	       ops->sync_sg_for_cpu || ops->sync_sg_for_device;
}

size_t dmk_opt_mapping_size(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops;
	size_t size = SIZE_MAX, max;

	if (!dev_ready(dev))
		return 0;
	ops = dmk_get_dma_ops(dev);
	if (!map_direct(ops) && ops->opt_mapping_size)
		size = ops->opt_mapping_size();
	max = dmk_max_mapping_size(dev);
	return size < max ? size : max;
}

uint64_t dmk_get_required_mask(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops;

	if (!dev_ready(dev))
		return 0;
	ops = dmk_get_dma_ops(dev);
	if (map_direct(ops))
		return dmk_direct_get_required_mask(dev);
	if (ops->get_required_mask)
		return ops->get_required_mask(dev);
	/* Every ops must take a 32-bit mask: Linux's default answer. */
	return DMK_BIT_MASK(32);
}

bool dmk_addressing_limited(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops;
	uint64_t reach;

	if (!dev_ready(dev))
		return false;
	ops = dmk_get_dma_ops(dev);
	reach = dev->dma_mask;
	if (dev->bus_dma_limit && dev->bus_dma_limit < reach)
		reach = dev->bus_dma_limit;
	if (reach < dmk_get_required_mask(dev))
		return true;
	if (!map_direct(ops))
		return false;
	return dmk_direct_addressing_limited(dev);
}

unsigned int dmk_get_cache_alignment(struct dmk_device *dev)
{
	if (!dev || !dev->sys)
		return 1;
	switch (dev_plat(dev)->arch) {
	case DMK_ARCH_ARM64:
		return 128; /* arm64's ARCH_DMA_MINALIGN */
	case DMK_ARCH_ARM32:
		return DMK_CACHE_LINE; /* L1_CACHE_BYTES */
	default:
		return 1; /* no ARCH_HAS_DMA_MINALIGN: DMA snoops */
	}
}

/* ---- sg tables ---- */

/*
 * dma_get_sgtable_attrs(): the pages of a coherent buffer.  dma-direct
 * finds them from the bus address (the CPU address may be a
 * non-cacheable alias), one entry of whole pages.
 */
int dmk_get_sgtable_attrs(struct dmk_device *dev, struct dmk_sg_table *sgt,
			  void *cpu_addr, dmk_addr_t dma_addr, size_t size,
			  unsigned long attrs)
{
	const struct dmk_dma_map_ops *ops;
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	dmk_phys_t phys;

	if (!sgt)
		return -DMK_EINVAL;
	*sgt = (struct dmk_sg_table){0};
	if (!dev_ready(dev) || !cpu_addr || size == 0 || bytes > UINT32_MAX)
		return -DMK_EINVAL;
	ops = dmk_get_dma_ops(dev);
	if (!map_direct(ops)) {
		if (!ops->get_sgtable)
			return -DMK_ENOTSUP; /* Linux: -ENXIO */
		return ops->get_sgtable(dev, sgt, cpu_addr, dma_addr, size,
					attrs);
	}
	phys = dmk_dma_to_phys(dev, dma_addr);
	if (phys == DMK_PHYS_ERROR)
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(sizeof(*sgt->sgl));
	if (!sgt->sgl)
		return -DMK_ENOMEM;
	sgt->sgl[0].phys = phys;
	sgt->sgl[0].length = (uint32_t)bytes;
	sgt->nents = sgt->orig_nents = 1;
	return 0;
}

void dmk_sg_free_table(struct dmk_sg_table *sgt)
{
	if (!sgt)
		return;
	dmk_env_free(sgt->sgl);
	*sgt = (struct dmk_sg_table){0};
}

/* dma_map_sgtable(): every CPU entry; nents becomes the segments. */
int dmk_map_sgtable(struct dmk_device *dev, struct dmk_sg_table *sgt,
		    enum dmk_data_direction dir, unsigned long attrs)
{
	int n;

	if (!dev_ready(dev) || !sgt || !sgt->sgl || !sgt->orig_nents ||
	    sgt->orig_nents > __INT_MAX__ || !dmk_dir_valid(dir))
		return -DMK_EINVAL;
	n = dmk_map_sg_attrs(dev, sgt->sgl, (int)sgt->orig_nents, dir, attrs);
	if (n <= 0)
		return -DMK_ENOMEM;
	sgt->nents = (unsigned int)n;
	return 0;
}

void dmk_unmap_sgtable(struct dmk_device *dev, struct dmk_sg_table *sgt,
		       enum dmk_data_direction dir, unsigned long attrs)
{
	if (sgt && sgt->orig_nents <= __INT_MAX__)
		dmk_unmap_sg_attrs(dev, sgt->sgl, (int)sgt->orig_nents, dir,
				   attrs);
}

void dmk_sync_sgtable_for_cpu(struct dmk_device *dev, struct dmk_sg_table *sgt,
			      enum dmk_data_direction dir)
{
	if (sgt && sgt->orig_nents <= __INT_MAX__)
		dmk_sync_sg_for_cpu(dev, sgt->sgl, (int)sgt->orig_nents, dir);
}

void dmk_sync_sgtable_for_device(struct dmk_device *dev,
				 struct dmk_sg_table *sgt,
				 enum dmk_data_direction dir)
{
	if (sgt && sgt->orig_nents <= __INT_MAX__)
		dmk_sync_sg_for_device(dev, sgt->sgl, (int)sgt->orig_nents,
				       dir);
}
