/* SPDX-License-Identifier: MIT */
/*
 * The DMA-API debug checker, after Linux's kernel/dma/debug.c: every
 * live streaming mapping and coherent buffer is kept in a hash by
 * (device, bus address); each unmap, free and sync is checked against
 * it, and every misuse becomes one warning line and one counted error.
 *
 * Checks (the wording follows Linux so that a reader can grep both):
 *  - unmap or free of something never mapped, or of the error value;
 *  - unmap or free with another size, direction or type (single, sg,
 *    coherent), a coherent free with another CPU address;
 *  - a single mapping unmapped without dmk_mapping_error() ever having
 *    been asked about it ("failed to check map error");
 *  - a sync outside any mapping, past its end, or in another direction
 *    (Linux's check_sync(): anything goes for a BIDIRECTIONAL mapping;
 *    otherwise the sync's direction must be the mapping's);
 *  - two live mappings the device may write (not TO_DEVICE) sharing a
 *    CPU cache line: an invalidate for one destroys the other's data
 *    (not on x86, whose DMA is coherent: Linux stays silent there);
 *    Linux tracks only each mapping's first line; this tracks them all;
 *  - mappings and buffers still live when the device goes away;
 *  - a scatterlist unmapped or synced with another entry count than it
 *    was mapped with (Linux compares the nents of both calls);
 *  - a mapping of the running task's stack, of kernel text or rodata
 *    (the platform's phys_regions says which ranges are which), or by
 *    CPU address of memory outside the linear map (an address of the
 *    vmalloc area, or of none: Linux's debug_dma_map_single);
 *  - a mapped scatterlist segment longer than the device's
 *    max_seg_size, or crossing its segment boundary (check_sg_segment).
 *
 * Out of memory for an entry, the checker turns itself off for good,
 * with one line, as Linux's does ("debugging out of memory -
 * disabling"): a mapping it could not record would otherwise make its
 * correct unmap look like the unmap of something never mapped.
 *
 * Locking: one mutex per hash bucket, as Linux's hash_bucket locks, and
 * one per bucket of the cache-line table.  Never two at once.
 */
#include "debug.h"
#include "internal.h"

#define HASH_SIZE 16384	 /* Linux's HASH_SIZE */
#define HASH_FN_SHIFT 13 /* one bucket per 8 KiB of bus addresses */
#define LINE_HASH_SIZE 4096

enum map_type { TYPE_SINGLE, TYPE_SG, TYPE_COHERENT };

static const char *const type_names[] = {
	[TYPE_SINGLE] = "single",
	[TYPE_SG] = "scatter-gather",
	[TYPE_COHERENT] = "coherent",
};

static const char *const dir_names[] = {
	[DMK_DMA_BIDIRECTIONAL] = "DMA_BIDIRECTIONAL",
	[DMK_DMA_TO_DEVICE] = "DMA_TO_DEVICE",
	[DMK_DMA_FROM_DEVICE] = "DMA_FROM_DEVICE",
	[DMK_DMA_NONE] = "DMA_NONE",
};

enum map_err_state {
	MAP_ERR_NOT_APPLICABLE,
	MAP_ERR_NOT_CHECKED,
	MAP_ERR_CHECKED
};

struct debug_entry {
	struct debug_entry *next;
	struct dmk_device *dev;
	enum map_type type;
	dmk_addr_t addr;
	size_t size;
	dmk_phys_t phys;
	void *cpu; /* coherent buffers only */
	enum dmk_data_direction dir;
	enum map_err_state map_err;
	unsigned long attrs; /* of the map call */
	/* Scatterlists: the nents the driver passed, the segments the map
	 * returned (Linux's sg_call_ents, sg_mapped_ents); 0 otherwise. */
	int sg_call_ents, sg_mapped_ents;
};

/* A page of CPU memory some writable mapping covers, lines [first, last]. */
struct line_node {
	struct line_node *next;
	uint64_t pfn;
	unsigned int first, last;
	const struct debug_entry *owner;
};

struct bucket {
	dmk_mutex_t lock;
	struct debug_entry *head;
};

struct line_bucket {
	dmk_mutex_t lock;
	struct line_node *head;
};

struct dmk_debug {
	struct dmk_system *sys;
	struct bucket buckets[HASH_SIZE];
	struct line_bucket lines[LINE_HASH_SIZE];
	size_t max_size; /* largest mapping seen: how far back a sync looks */
	bool disabled;	 /* out of memory once: no more checks (atomic) */
	struct dmk_debug_stats stats; /* relaxed atomics */
};

#define DBG_ADD(dbg, field, n)                                                 \
	dmk_atomic_fetch_add(&(dbg)->stats.field, (uint64_t)(n),               \
			     DMK_ORDER_RELAXED)

/* ---- life cycle ---- */

int dmk_debug_create(struct dmk_system *sys, struct dmk_debug **out)
{
	struct dmk_debug *dbg = dmk_env_calloc(1, sizeof(*dbg));

	if (!dbg)
		return -DMK_ENOMEM;
	dbg->sys = sys;
	for (size_t i = 0; i < HASH_SIZE; i++)
		dmk_mutex_init(&dbg->buckets[i].lock);
	for (size_t i = 0; i < LINE_HASH_SIZE; i++)
		dmk_mutex_init(&dbg->lines[i].lock);
	*out = dbg;
	return 0;
}

void dmk_debug_destroy(struct dmk_debug *dbg)
{
	if (!dbg)
		return;
	for (size_t i = 0; i < HASH_SIZE; i++) {
		struct debug_entry *e = dbg->buckets[i].head, *next;

		for (; e; e = next) {
			next = e->next;
			dmk_env_free(e);
		}
		dmk_mutex_destroy(&dbg->buckets[i].lock);
	}
	for (size_t i = 0; i < LINE_HASH_SIZE; i++) {
		struct line_node *n = dbg->lines[i].head, *next;

		for (; n; n = next) {
			next = n->next;
			dmk_env_free(n);
		}
		dmk_mutex_destroy(&dbg->lines[i].lock);
	}
	dmk_env_free(dbg);
}

int dmk_debug_stats(struct dmk_system *sys, struct dmk_debug_stats *st)
{
	struct dmk_debug *dbg = sys ? sys->debug : NULL;

	if (!dbg || !st)
		return -DMK_ENODEV;
	st->errors = dmk_atomic_load(&dbg->stats.errors, DMK_ORDER_RELAXED);
	st->live_mappings =
		dmk_atomic_load(&dbg->stats.live_mappings, DMK_ORDER_RELAXED);
	st->live_allocs =
		dmk_atomic_load(&dbg->stats.live_allocs, DMK_ORDER_RELAXED);
	st->unchecked =
		dmk_atomic_load(&dbg->stats.unchecked, DMK_ORDER_RELAXED);
	return 0;
}

/* ---- reports ---- */

static void report(struct dmk_device *dev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line, "DMA-API: <device>: <what>", and one counted error. */
static void report(struct dmk_device *dev, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	dmk_env_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	DBG_ADD(dev->dma->debug, errors, 1);
	dmk_log(dev_plat(dev), DMK_LOG_WARN, "DMA-API: %s: %s", dev->name, msg);
}

void dmk_debug_report(struct dmk_device *dev, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	dmk_env_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(dev, "%s", msg);
}

static const char *dir_name(enum dmk_data_direction dir)
{
	return (unsigned int)dir <= DMK_DMA_NONE ? dir_names[dir] : "invalid";
}

/* ---- the mapping hash ---- */

static struct bucket *bucket_of(struct dmk_debug *dbg, dmk_addr_t addr)
{
	return &dbg->buckets[(addr >> HASH_FN_SHIFT) & (HASH_SIZE - 1)];
}

static void entry_insert(struct dmk_debug *dbg, struct debug_entry *e)
{
	struct bucket *b = bucket_of(dbg, e->addr);
	size_t max = dmk_atomic_load(&dbg->max_size, DMK_ORDER_RELAXED);

	while (e->size > max &&
	       !dmk_atomic_cmpxchg(&dbg->max_size, &max, e->size,
				   DMK_ORDER_RELAXED, DMK_ORDER_RELAXED))
		;
	dmk_mutex_lock(&b->lock);
	e->next = b->head;
	b->head = e;
	dmk_mutex_unlock(&b->lock);
}

/* How well a live entry matches what the caller says it is releasing. */
static int match_score(const struct debug_entry *e,
		       const struct debug_entry *ref)
{
	return (e->size == ref->size) + (e->type == ref->type) +
	       (e->dir == ref->dir);
}

/*
 * bucket_find_exact(): the entry of this device at this bus address,
 * unlinked.  The same buffer mapped twice for reading has two entries
 * at one address: take the one that fits the request best.
 */
static struct debug_entry *entry_take(struct dmk_debug *dbg,
				      const struct debug_entry *ref)
{
	struct bucket *b = bucket_of(dbg, ref->addr);
	struct debug_entry **pp, **best = NULL;
	struct debug_entry *e = NULL;

	dmk_mutex_lock(&b->lock);
	for (pp = &b->head; *pp; pp = &(*pp)->next) {
		if ((*pp)->dev != ref->dev || (*pp)->addr != ref->addr)
			continue;
		if (!best || match_score(*pp, ref) > match_score(*best, ref))
			best = pp;
	}
	if (best) {
		e = *best;
		*best = e->next;
	}
	dmk_mutex_unlock(&b->lock);
	return e;
}

/* ---- cache-line tracking for writable streaming mappings ---- */

#define LINES_PER_PAGE (DMK_PAGE_SIZE / DMK_CACHE_LINE)

static struct line_bucket *line_bucket_of(struct dmk_debug *dbg, uint64_t pfn)
{
	return &dbg->lines[pfn & (LINE_HASH_SIZE - 1)];
}

static bool tracks_lines(const struct debug_entry *e)
{
	/* A device that only reads cannot make the CPU see stale data;
	 * MMIO has no cache lines. */
	return e->type != TYPE_COHERENT && e->dir != DMK_DMA_TO_DEVICE &&
	       !(e->attrs & DMK_ATTR_MMIO);
}

/* Calls fn for each page of e's CPU buffer with the lines it covers. */
static void for_each_page_lines(const struct debug_entry *e,
				void (*fn)(struct dmk_debug *,
					   const struct debug_entry *, uint64_t,
					   unsigned int, unsigned int, bool *),
				struct dmk_debug *dbg, bool *flag)
{
	uint64_t first_line = e->phys / DMK_CACHE_LINE;
	uint64_t last_line = (e->phys + e->size - 1) / DMK_CACHE_LINE;

	for (uint64_t line = first_line; line <= last_line;) {
		uint64_t pfn = line / LINES_PER_PAGE;
		uint64_t page_last = (pfn + 1) * LINES_PER_PAGE - 1;
		uint64_t end = last_line < page_last ? last_line : page_last;

		fn(dbg, e, pfn, line % LINES_PER_PAGE, end % LINES_PER_PAGE,
		   flag);
		line = end + 1;
	}
}

static void lines_add_page(struct dmk_debug *dbg, const struct debug_entry *e,
			   uint64_t pfn, unsigned int first, unsigned int last,
			   bool *overlap)
{
	struct line_bucket *b = line_bucket_of(dbg, pfn);
	struct line_node *n = dmk_env_zalloc(sizeof(*n));

	dmk_mutex_lock(&b->lock);
	for (struct line_node *o = b->head; o; o = o->next)
		/* Lines every sharer promises to keep clean are safe
		 * (DMK_ATTR_CPU_CACHE_CLEAN on both, as Linux 6.19). */
		if (o->pfn == pfn && o->first <= last && first <= o->last &&
		    !(e->attrs & o->owner->attrs & DMK_ATTR_CPU_CACHE_CLEAN))
			*overlap = true;
	if (n) {
		*n = (struct line_node){.next = b->head,
					.pfn = pfn,
					.first = first,
					.last = last,
					.owner = e};
		b->head = n;
	}
	dmk_mutex_unlock(&b->lock);
}

static void lines_del_page(struct dmk_debug *dbg, const struct debug_entry *e,
			   uint64_t pfn, unsigned int first, unsigned int last,
			   bool *unused)
{
	struct line_bucket *b = line_bucket_of(dbg, pfn);

	(void)first;
	(void)last;
	(void)unused;
	dmk_mutex_lock(&b->lock);
	for (struct line_node **pp = &b->head; *pp; pp = &(*pp)->next) {
		struct line_node *n = *pp;

		if (n->owner == e && n->pfn == pfn) {
			*pp = n->next;
			dmk_env_free(n);
			break;
		}
	}
	dmk_mutex_unlock(&b->lock);
}

/* Linux's dma_get_cache_alignment(): ARCH_DMA_MINALIGN where DMA may be
 * non-coherent (ARM), 1 where the architecture's DMA is coherent (x86,
 * and the host platform). */
static unsigned int dma_cache_alignment(struct dmk_device *dev)
{
	return dmk_get_cache_alignment(dev);
}

static void lines_track(struct dmk_debug *dbg, struct debug_entry *e)
{
	bool overlap = false;

	if (!tracks_lines(e))
		return;
	for_each_page_lines(e, lines_add_page, dbg, &overlap);
	/* A mapping that promises to do its own syncs (SKIP_CPU_SYNC, as
	 * page pools map one page for many buffers) may share lines:
	 * Linux's add_dma_entry() excuses it too, and so it does where
	 * dma_get_cache_alignment() is below a cache line (x86, whose DMA
	 * snoops: no line is ever invalidated under another mapping). */
	if (overlap && !(e->attrs & DMK_ATTR_SKIP_CPU_SYNC) &&
	    dma_cache_alignment(e->dev) >= DMK_CACHELINE_BYTES)
		report(e->dev,
		       "cacheline tracking EEXIST, overlapping mappings aren't supported [device address=0x%016llx] [phys=0x%llx] [size=%zu bytes] [%s]",
		       (unsigned long long)e->addr, (unsigned long long)e->phys,
		       e->size, dir_name(e->dir));
}

static void lines_untrack(struct dmk_debug *dbg, const struct debug_entry *e)
{
	if (tracks_lines(e))
		for_each_page_lines(e, lines_del_page, dbg, NULL);
}

/* ---- removal: the checks of check_unmap() ---- */

static void account_removed(struct dmk_debug *dbg, const struct debug_entry *e)
{
	if (e->type == TYPE_COHERENT)
		DBG_ADD(dbg, live_allocs, -1);
	else
		DBG_ADD(dbg, live_mappings, -1);
}

static void check_release(struct dmk_device *dev, const struct debug_entry *e,
			  const struct debug_entry *ref, const char *verb)
{
	if (e->size != ref->size)
		report(dev,
		       "device driver %s DMA memory with different size [device address=0x%016llx] [map size=%zu bytes] [unmap size=%zu bytes]",
		       verb, (unsigned long long)ref->addr, e->size, ref->size);
	if (e->type != ref->type)
		report(dev,
		       "device driver %s DMA memory with wrong function [device address=0x%016llx] [size=%zu bytes] [mapped as %s] [unmapped as %s]",
		       verb, (unsigned long long)ref->addr, ref->size,
		       type_names[e->type], type_names[ref->type]);
	if (ref->type == TYPE_COHERENT && e->type == TYPE_COHERENT &&
	    e->cpu != ref->cpu)
		report(dev,
		       "device driver frees DMA memory with different CPU address [device address=0x%016llx] [size=%zu bytes] [cpu alloc address=%p] [cpu free address=%p]",
		       (unsigned long long)ref->addr, ref->size, e->cpu,
		       ref->cpu);
	if (e->dir != ref->dir)
		report(dev,
		       "device driver %s DMA memory with different direction [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [unmapped with %s]",
		       verb, (unsigned long long)ref->addr, ref->size,
		       dir_name(e->dir), dir_name(ref->dir));
	if (e->map_err == MAP_ERR_NOT_CHECKED) {
		DBG_ADD(dev->dma->debug, unchecked, 1);
		report(dev,
		       "device driver failed to check map error [device address=0x%016llx] [size=%zu bytes] [mapped as %s]",
		       (unsigned long long)e->addr, e->size,
		       type_names[e->type]);
	}
}

static bool disabled(const struct dmk_device *dev)
{
	return dmk_atomic_load(&dev->dma->debug->disabled, DMK_ORDER_ACQUIRE);
}

static void release(struct dmk_device *dev, const struct debug_entry *ref,
		    const char *verb)
{
	struct dmk_debug *dbg = dev->dma->debug;
	struct debug_entry *e;

	if (ref->addr == DMK_MAPPING_ERROR) {
		report(dev,
		       "device driver tries to %s an invalid DMA memory address",
		       verb[0] == 'u' ? "unmap" : "free");
		return;
	}
	e = entry_take(dbg, ref);
	if (!e && !disabled(dev)) {
		report(dev,
		       "device driver tries to %s DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes]",
		       verb[0] == 'u' ? "unmap" : "free",
		       (unsigned long long)ref->addr, ref->size);
		return;
	}
	if (!e)
		return;
	check_release(dev, e, ref, verb);
	lines_untrack(dbg, e);
	account_removed(dbg, e);
	dmk_env_free(e);
}

/* ---- the hooks mapping.c calls ---- */

static void add_entry(struct dmk_device *dev, struct debug_entry *e)
{
	struct dmk_debug *dbg = dev->dma->debug;

	if (e->type == TYPE_COHERENT)
		DBG_ADD(dbg, live_allocs, 1);
	else
		DBG_ADD(dbg, live_mappings, 1);
	entry_insert(dbg, e);
	lines_track(dbg, e);
}

/* What the checker knew goes: it no longer knows every live mapping. */
static void drop_all(struct dmk_debug *dbg)
{
	for (size_t i = 0; i < HASH_SIZE; i++) {
		struct bucket *b = &dbg->buckets[i];
		struct debug_entry *e, *next;

		dmk_mutex_lock(&b->lock);
		e = b->head;
		b->head = NULL;
		dmk_mutex_unlock(&b->lock);
		for (; e; e = next) {
			next = e->next;
			lines_untrack(dbg, e);
			account_removed(dbg, e);
			dmk_env_free(e);
		}
	}
}

static void out_of_memory(struct dmk_device *dev)
{
	struct dmk_debug *dbg = dev->dma->debug;

	if (dmk_atomic_exchange(&dbg->disabled, true, DMK_ORDER_ACQ_REL))
		return;
	dmk_log(dev_plat(dev), DMK_LOG_ERR,
		"DMA-API: %s: debugging out of memory - disabling", dev->name);
	drop_all(dbg);
}

/*
 * check_for_stack() and check_for_illegal_area(): memory a device must
 * never reach.  Linux asks whether the first byte is on the current
 * task's stack, and whether the range meets text or rodata.
 */
static void check_area(struct dmk_device *dev, dmk_phys_t phys, size_t size)
{
	const struct dmk_platform *plat = dev_plat(dev);
	unsigned int regions;

	if (!plat->ops->phys_regions)
		return;
	regions = plat->ops->phys_regions(plat->ctx, phys, 1);
	if (regions & DMK_REGION_STACK)
		report(dev, "device driver maps memory from stack [addr=%p]",
		       dmk_phys_to_virt(plat, phys));
	regions = plat->ops->phys_regions(plat->ctx, phys, size);
	if (regions & (DMK_REGION_TEXT | DMK_REGION_RODATA))
		report(dev,
		       "device driver maps memory from kernel text or rodata [addr=%p] [len=%zu]",
		       dmk_phys_to_virt(plat, phys), size);
}

static struct debug_entry *new_entry(struct dmk_device *dev,
				     const struct debug_entry *init)
{
	struct debug_entry *e = dmk_env_zalloc(sizeof(*e));

	if (!e) {
		out_of_memory(dev);
		return NULL;
	}
	*e = *init;
	return e;
}

void dmk_debug_map(struct dmk_device *dev, dmk_phys_t phys, size_t size,
		   enum dmk_data_direction dir, dmk_addr_t addr, bool single,
		   unsigned long attrs)
{
	struct debug_entry *e;

	if (disabled(dev))
		return;
	if (addr == DMK_MAPPING_ERROR)
		return;
	/* map_resource's MMIO is no CPU memory (debug_dma_map_phys). */
	if (single && !(attrs & DMK_ATTR_MMIO))
		check_area(dev, phys, size);
	/* A scatterlist's result is a count: there is no error to check. */
	e = new_entry(dev, &(struct debug_entry){
				   .dev = dev,
				   .type = single ? TYPE_SINGLE : TYPE_SG,
				   .addr = addr,
				   .size = size,
				   .phys = phys,
				   .dir = dir,
				   .map_err = single ? MAP_ERR_NOT_CHECKED
						     : MAP_ERR_NOT_APPLICABLE,
				   .attrs = attrs,
			   });
	if (e)
		add_entry(dev, e);
}

/* debug_dma_map_single(): a CPU address must be the linear map's. */
void dmk_debug_map_single_area(struct dmk_device *dev, const void *va,
			       size_t len, bool vmap)
{
	if (disabled(dev))
		return;
	if (vmap)
		report(dev,
		       "device driver maps memory from vmalloc area [addr=%p] [len=%zu]",
		       va, len);
	else
		report(dev,
		       "device driver maps memory from invalid area [addr=%p] [len=%zu]",
		       va, len);
}

/*
 * check_sg_segment(): the list was built for this device, so no segment
 * may be longer than its max_seg_size (Linux looks at the CPU entry's
 * length) nor cross its segment boundary (at the bus address).
 */
static void check_sg_segment(struct dmk_device *dev, const struct dmk_sg *s)
{
	uint64_t boundary = dev->seg_boundary_mask;
	uint64_t start = s->dma_address, end = start + s->dma_length - 1;

	if (s->length > dev->max_seg_size)
		report(dev,
		       "mapping sg segment longer than device claims to support [len=%u] [max=%u]",
		       (unsigned int)s->length,
		       (unsigned int)dev->max_seg_size);
	if ((start ^ end) & ~boundary)
		report(dev,
		       "mapping sg segment across boundary [start=0x%016llx] [end=0x%016llx] [boundary=0x%016llx]",
		       (unsigned long long)start, (unsigned long long)end,
		       (unsigned long long)boundary);
}

void dmk_debug_map_sg(struct dmk_device *dev, const struct dmk_sg *sg,
		      int nents, int mapped, enum dmk_data_direction dir,
		      unsigned long attrs)
{
	if (disabled(dev))
		return;
	for (int i = 0; i < nents; i++)
		check_area(dev, sg[i].phys, sg[i].length);
	for (int i = 0; i < mapped; i++) {
		struct debug_entry *e;

		e = new_entry(dev, &(struct debug_entry){
					   .dev = dev,
					   .type = TYPE_SG,
					   .addr = sg[i].dma_address,
					   .size = sg[i].dma_length,
					   .phys = sg[i].phys,
					   .dir = dir,
					   .map_err = MAP_ERR_NOT_APPLICABLE,
					   .attrs = attrs,
					   .sg_call_ents = nents,
					   .sg_mapped_ents = mapped,
				   });
		if (!e)
			return;
		check_sg_segment(dev, &sg[i]);
		add_entry(dev, e);
	}
}

void dmk_debug_unmap(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		     enum dmk_data_direction dir, bool single)
{
	struct debug_entry ref = {
		.dev = dev,
		.type = single ? TYPE_SINGLE : TYPE_SG,
		.addr = addr,
		.size = size,
		.dir = dir,
	};

	if (disabled(dev))
		return;
	release(dev, &ref, "unmaps");
}

/*
 * The live scatterlist entry of dev at exactly addr, copied out: what a
 * list's first entry was mapped with (get_nr_mapped_entries()).
 */
static bool find_exact(struct dmk_debug *dbg, struct dmk_device *dev,
		       dmk_addr_t addr, struct debug_entry *out)
{
	struct bucket *b = bucket_of(dbg, addr);
	bool found = false;

	dmk_mutex_lock(&b->lock);
	for (struct debug_entry *e = b->head; e; e = e->next) {
		if (e->dev == dev && e->addr == addr && e->type == TYPE_SG) {
			*out = *e;
			found = true;
			break;
		}
	}
	dmk_mutex_unlock(&b->lock);
	return found;
}

/*
 * How many segments of a list to check, and the list's own entry count
 * compared once per call (Linux compares it at every segment and so may
 * say it several times; one misuse is one report here).
 */
static int sg_segments(struct dmk_device *dev, const struct dmk_sg *sg,
		       int nents, int mapped_hint, const char *verb,
		       const char *what)
{
	struct debug_entry first;

	if (!find_exact(dev->dma->debug, dev, sg[0].dma_address, &first) ||
	    !first.sg_call_ents)
		return mapped_hint;
	if (first.sg_call_ents != nents)
		report(dev,
		       "device driver %s DMA sg list with different entry count [map count=%d] [%s count=%d]",
		       verb, first.sg_call_ents, what, nents);
	return nents < first.sg_mapped_ents ? nents : first.sg_mapped_ents;
}

void dmk_debug_unmap_sg(struct dmk_device *dev, const struct dmk_sg *sg,
			int nents, int mapped_hint, enum dmk_data_direction dir)
{
	int n;

	if (disabled(dev) || nents <= 0)
		return;
	n = sg_segments(dev, sg, nents, mapped_hint, "frees", "unmap");
	for (int i = 0; i < n; i++)
		release(dev,
			&(struct debug_entry){
				.dev = dev,
				.type = TYPE_SG,
				.addr = sg[i].dma_address,
				.size = sg[i].dma_length,
				.dir = dir,
			},
			"unmaps");
}

void dmk_debug_sync_sg(struct dmk_device *dev, const struct dmk_sg *sg,
		       int nents, int mapped_hint, enum dmk_data_direction dir,
		       bool for_cpu)
{
	int n;

	if (disabled(dev) || nents <= 0)
		return;
	n = sg_segments(dev, sg, nents, mapped_hint, "syncs", "sync");
	for (int i = 0; i < n; i++)
		dmk_debug_sync(dev, sg[i].dma_address, sg[i].dma_length, dir,
			       for_cpu);
}

/* debug_dma_map_resource()'s first check: a resource is never RAM. */
void dmk_debug_resource_ram(struct dmk_device *dev, dmk_phys_t phys,
			    size_t size)
{
	report(dev,
	       "device driver maps RAM as a resource (map_resource) [phys=0x%llx] [size=%zu bytes]",
	       (unsigned long long)phys, size);
}

void dmk_debug_mapping_error(struct dmk_device *dev, dmk_addr_t addr)
{
	struct bucket *b = bucket_of(dev->dma->debug, addr);

	if (disabled(dev))
		return;
	if (addr == DMK_MAPPING_ERROR)
		return;
	dmk_mutex_lock(&b->lock);
	for (struct debug_entry *e = b->head; e; e = e->next) {
		/* Of several identical mappings, the one not yet checked. */
		if (e->dev == dev && e->addr == addr &&
		    e->map_err == MAP_ERR_NOT_CHECKED) {
			e->map_err = MAP_ERR_CHECKED;
			break;
		}
	}
	dmk_mutex_unlock(&b->lock);
}

/*
 * bucket_find_contain(): the live mapping of dev that contains addr.  A
 * sync of a part may start buckets after the mapping's first byte, so
 * look back as far as the largest mapping ever made.  Copies it out.
 */
static bool find_containing(struct dmk_debug *dbg, struct dmk_device *dev,
			    dmk_addr_t addr, struct debug_entry *out)
{
	size_t max = dmk_atomic_load(&dbg->max_size, DMK_ORDER_RELAXED);
	uint64_t back = (max >> HASH_FN_SHIFT) + 1;
	bool found = false;

	if (back > HASH_SIZE)
		back = HASH_SIZE;
	for (uint64_t i = 0; i <= back && !found; i++) {
		dmk_addr_t probe = addr - (i << HASH_FN_SHIFT);
		struct bucket *b;

		if (i && probe > addr)
			break; /* wrapped below zero */
		b = bucket_of(dbg, probe);
		dmk_mutex_lock(&b->lock);
		for (struct debug_entry *e = b->head; e; e = e->next) {
			if (e->dev == dev && e->type != TYPE_COHERENT &&
			    addr >= e->addr && addr - e->addr < e->size) {
				*out = *e;
				found = true;
				break;
			}
		}
		dmk_mutex_unlock(&b->lock);
	}
	return found;
}

void dmk_debug_sync(struct dmk_device *dev, dmk_addr_t addr, size_t size,
		    enum dmk_data_direction dir, bool for_cpu)
{
	struct debug_entry e;

	if (disabled(dev))
		return;
	if (!find_containing(dev->dma->debug, dev, addr, &e)) {
		report(dev,
		       "device driver tries to sync DMA memory it has not allocated [device address=0x%016llx] [size=%zu bytes]",
		       (unsigned long long)addr, size);
		return;
	}
	if (size > e.size - (addr - e.addr))
		report(dev,
		       "device driver syncs DMA memory outside allocated range [device address=0x%016llx] [allocation size=%zu bytes] [sync offset+size=%llu]",
		       (unsigned long long)e.addr, e.size,
		       (unsigned long long)(addr - e.addr + size));
	if (e.dir == DMK_DMA_BIDIRECTIONAL)
		return;
	if (dir != e.dir)
		report(dev,
		       "device driver syncs DMA memory with different direction [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
		       (unsigned long long)addr, size, dir_name(e.dir),
		       dir_name(dir));
	if (for_cpu && e.dir != DMK_DMA_FROM_DEVICE && dir != DMK_DMA_TO_DEVICE)
		report(dev,
		       "device driver syncs device read-only DMA memory for cpu [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
		       (unsigned long long)addr, size, dir_name(e.dir),
		       dir_name(dir));
	if (!for_cpu && e.dir != DMK_DMA_TO_DEVICE &&
	    dir != DMK_DMA_FROM_DEVICE)
		report(dev,
		       "device driver syncs device write-only DMA memory to device [device address=0x%016llx] [size=%zu bytes] [mapped with %s] [synced with %s]",
		       (unsigned long long)addr, size, dir_name(e.dir),
		       dir_name(dir));
}

void dmk_debug_alloc(struct dmk_device *dev, void *cpu, size_t size,
		     dmk_addr_t addr)
{
	struct debug_entry *e;

	if (disabled(dev))
		return;
	if (!cpu)
		return;
	e = dmk_env_zalloc(sizeof(*e));
	if (!e) {
		out_of_memory(dev);
		return;
	}
	*e = (struct debug_entry){
		.dev = dev,
		.type = TYPE_COHERENT,
		.addr = addr,
		.size = size,
		.phys = DMK_PHYS_ERROR,
		.cpu = cpu,
		.dir = DMK_DMA_BIDIRECTIONAL,
		.map_err = MAP_ERR_NOT_APPLICABLE,
	};
	add_entry(dev, e);
}

void dmk_debug_free(struct dmk_device *dev, void *cpu, size_t size,
		    dmk_addr_t addr)
{
	struct debug_entry ref = {
		.dev = dev,
		.type = TYPE_COHERENT,
		.addr = addr,
		.size = size,
		.cpu = cpu,
		.dir = DMK_DMA_BIDIRECTIONAL,
	};

	if (disabled(dev))
		return;
	release(dev, &ref, "frees");
}

/* Unlinks every entry of dev from one bucket into *leaked. */
static void take_device_entries(struct bucket *b, struct dmk_device *dev,
				struct debug_entry **leaked)
{
	dmk_mutex_lock(&b->lock);
	for (struct debug_entry **pp = &b->head; *pp;) {
		struct debug_entry *e = *pp;

		if (e->dev != dev) {
			pp = &e->next;
			continue;
		}
		*pp = e->next;
		e->next = *leaked;
		*leaked = e;
	}
	dmk_mutex_unlock(&b->lock);
}

void dmk_debug_device_gone(struct dmk_device *dev)
{
	struct dmk_debug *dbg = dev->dma->debug;
	struct debug_entry *leaked = NULL, *next;

	for (size_t i = 0; i < HASH_SIZE; i++)
		take_device_entries(&dbg->buckets[i], dev, &leaked);
	for (struct debug_entry *e = leaked; e; e = next) {
		next = e->next;
		report(dev,
		       "device driver has pending DMA allocations while released from device [device address=0x%016llx] [size=%zu bytes] [mapped as %s] [%s]",
		       (unsigned long long)e->addr, e->size,
		       type_names[e->type], dir_name(e->dir));
		lines_untrack(dbg, e);
		account_removed(dbg, e);
		dmk_env_free(e);
	}
}
