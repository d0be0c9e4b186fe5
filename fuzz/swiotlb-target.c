/* SPDX-License-Identifier: MIT */
/*
 * The bounce pool under fuzzing, against a reference model.
 *
 * A small pool (one to four segments, maybe a partial last one, one to
 * four areas) over the host platform gets a sequence of maps (size,
 * original offset, direction, alloc_align_mask, min_align_mask,
 * segment boundary, bus offset), unmaps (right, with the wrong size,
 * from inside, of a free slot), partial syncs either way, device writes
 * into a bounce buffer, CPU writes into originals, and coherent
 * allocations.  The model keeps which slots are used and what every
 * byte of every bounce buffer and original must hold, and checks after
 * each operation:
 *   - bounce slots of live mappings never overlap nor cross a segment,
 *     lie in the pool, and honour the alignment rules: every bit of the
 *     original under min_align_mask kept in the bounce address; the
 *     run aligned to alloc_align_mask and its end rounded up to it, the
 *     bits under both masks kept by starting that far into the run
 *     (Linux 6.10's padding slots, swiotlb_align_offset); page
 *     alignment for a page or more; the segment boundary over the
 *     whole run, padding included;
 *   - bytes move exactly as the direction says: map copies in every
 *     direction, sync_for_device TO/BIDI, sync_for_cpu and unmap
 *     FROM/BIDI (not with SKIP_CPU_SYNC), clipped to the mapping;
 *   - the pool's used and full counts match the model (so an unmap
 *     releases the padding slots too);
 *   - a map fails for lack of space only when the model finds no slot
 *     run that satisfies the rules (checked when the masks are
 *     contiguous, the rule the pool implements exactly);
 *   - correct calls log no warning.
 */
#include "target.h"

#include <dmakit/host.h>

#include "debug.h"
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "swiotlb.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char fuzz_target_name[] = "swiotlb";

#define SF_RAM (8UL << 20)
#define SF_ORIG_ORDER 7 /* 512 KiB of originals */
#define SF_ORIG_BYTES (DMK_PAGE_SIZE << SF_ORIG_ORDER)
#define SF_MAX_LIVE 48
#define SF_MAX_OPS 160
#define SLOT DMK_IO_TLB_SIZE
#define SEG_SLOTS DMK_IO_TLB_SEGSIZE
#define MAX_MAPPING (SEG_SLOTS * SLOT)

struct sf_live {
	dmk_phys_t tlb; /* first byte of the bounce (alloc: its start) */
	dmk_phys_t orig;
	size_t size;
	size_t head; /* first slot */
	unsigned int nslots;
	bool alloc;
	uint8_t *bounce; /* what the bounce buffer must hold */
};

struct sf {
	struct dmk_host_platform *hp;
	struct dmk_platform plat;
	struct dmk_platform_ops ops;
	struct dmk_swiotlb *pool;
	struct dmk_device dev;
	dmk_phys_t start, end;
	uint8_t *pool_va;
	size_t nslabs;
	dmk_phys_t orig_phys;
	uint8_t *orig_va;
	uint8_t *orig_model; /* what the originals must hold */
	bool *used;	     /* model: slot in use */
	size_t used_slots;
	uint64_t full;
	struct sf_live live[SF_MAX_LIVE];
	unsigned int nr_live;
	unsigned int cpu;
	unsigned long warnings;
	struct fuzz_in in;
	const char *op;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
broken(const struct sf *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "swiotlb-fuzz: after %s (%zu slots): ", f->op,
		f->nslabs);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the platform: the host's, with our CPU number and log ---- */

static unsigned int sf_cpu_id(void *ctx)
{
	return ((struct sf *)ctx)->cpu;
}

static void sf_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	(void)msg;
	if (level != DMK_LOG_INFO)
		((struct sf *)ctx)->warnings++;
}

static void *sf_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			    dmk_phys_t *phys)
{
	const struct dmk_platform *host =
		dmk_host_platform(((struct sf *)ctx)->hp);

	return host->ops->alloc_pages(host->ctx, order, limit, phys);
}

static void sf_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	const struct dmk_platform *host =
		dmk_host_platform(((struct sf *)ctx)->hp);

	host->ops->free_pages(host->ctx, phys, order);
}

static int sf_setup(struct sf *f)
{
	uint8_t geo = fuzz_u8(&f->in), tail = fuzz_u8(&f->in);
	uint8_t dev = fuzz_u8(&f->in);
	unsigned int order = 0;
	dmk_phys_t pool_phys;
	void *va;

	if (dmk_host_platform_create(SF_RAM, &f->hp))
		return -1;
	f->plat = *dmk_host_platform(f->hp);
	f->ops = *f->plat.ops;
	f->ops.cpu_id = sf_cpu_id;
	f->ops.log = sf_log;
	f->ops.now_ns = NULL;
	f->ops.alloc_pages = sf_alloc_pages;
	f->ops.free_pages = sf_free_pages;
	/* The pool needs none of these; with our ctx they must not run. */
	f->ops.cache_maint = NULL;
	f->ops.map_uncached = NULL;
	f->ops.unmap_uncached = NULL;
	f->ops.hypercall = NULL;
	f->ops.iommu_map = NULL;
	f->ops.iommu_unmap = NULL;
	f->plat.ops = &f->ops;
	f->plat.ctx = f;

	f->nslabs =
		SEG_SLOTS * (1 + geo % 4) + (tail < 64 ? tail % SEG_SLOTS : 0);
	while ((DMK_PAGE_SIZE << order) < f->nslabs * SLOT)
		order++;
	va = f->ops.alloc_pages(f, order, ~0ULL, &pool_phys);
	f->orig_va = f->ops.alloc_pages(f, SF_ORIG_ORDER, ~0ULL, &f->orig_phys);
	if (!va || !f->orig_va ||
	    dmk_swiotlb_init_with_buffer(&f->plat, va, pool_phys, f->nslabs,
					 1U << (geo / 4 % 3), &f->pool))
		return -1;
	dmk_swiotlb_span(f->pool, &f->start, &f->end, &va);
	f->pool_va = va;
	f->used = calloc(f->nslabs, sizeof(bool));
	f->orig_model = malloc(SF_ORIG_BYTES);
	if (!f->used || !f->orig_model)
		return -1;
	for (size_t i = 0; i < SF_ORIG_BYTES; i++)
		f->orig_va[i] = (uint8_t)(i * 131 + (i >> 11));
	memcpy(f->orig_model, f->orig_va, SF_ORIG_BYTES);

	memset(&f->dev, 0, sizeof(f->dev));
	f->dev.name = "fuzz";
	f->dev.dma_mask = ~0ULL;
	f->dev.coherent_dma_mask = ~0ULL;
	f->dev.max_seg_size = 65536;
	f->dev.coherent = true;
	f->dev.seg_boundary_mask = ~0ULL;
	/* A bus offset in whole slots keeps the low bits meaningful. */
	f->dev.bus_offset = dev < 200 ? 0 : (uint64_t)(dev % 16) << 11;
	return 0;
}

static void sf_teardown(struct sf *f)
{
	for (unsigned int i = 0; i < f->nr_live; i++)
		free(f->live[i].bounce);
	dmk_swiotlb_free(f->pool);
	dmk_host_platform_destroy(f->hp);
	free(f->used);
	free(f->orig_model);
}

/* ---- the model's checks ---- */

static void check_bytes(const struct sf *f)
{
	struct dmk_swiotlb_stats st;

	if (memcmp(f->orig_va, f->orig_model, SF_ORIG_BYTES))
		broken(f, "the originals differ from the model");
	for (unsigned int i = 0; i < f->nr_live; i++) {
		const struct sf_live *l = &f->live[i];

		if (!l->alloc && memcmp(f->pool_va + (l->tlb - f->start),
					l->bounce, l->size))
			broken(f, "bounce 0x%llx+%zu differs from the model",
			       (unsigned long long)l->tlb, l->size);
	}
	if (dmk_swiotlb_pool_stats(f->pool, &st))
		broken(f, "no stats");
	if (st.used != f->used_slots || st.full != f->full)
		broken(f, "pool says %llu used, %llu full; model %zu, %llu",
		       (unsigned long long)st.used, (unsigned long long)st.full,
		       f->used_slots, (unsigned long long)f->full);
}

static uint64_t round_mask(uint64_t x)
{
	unsigned int k = x ? 64 - (unsigned int)__builtin_clzll(x) : 0;

	return k >= 64 ? ~0ULL : (1ULL << k) - 1;
}

static bool contiguous(uint64_t mask)
{
	return round_mask(mask) == mask;
}

/* What a map asks of its slot run, as the documented rules say. */
struct sf_rules {
	unsigned int nslots;
	uint64_t zero_mask; /* bus bits (>= 11) of the head that must be 0 */
	uint64_t keep_mask; /* bus bits of the head equal to the original's */
	dmk_phys_t orig;
	uint64_t bus_offset;
	uint64_t boundary;
};

static bool run_fits(const struct sf *f, const struct sf_rules *r, size_t s)
{
	uint64_t bus =
		f->start + ((uint64_t)s << DMK_IO_TLB_SHIFT) + r->bus_offset;
	uint64_t bytes = (uint64_t)r->nslots << DMK_IO_TLB_SHIFT;

	if (s + r->nslots > f->nslabs ||
	    s / SEG_SLOTS != (s + r->nslots - 1) / SEG_SLOTS)
		return false;
	if ((bus & r->zero_mask) || ((bus ^ r->orig) & r->keep_mask))
		return false;
	if ((bus ^ (bus + bytes - 1)) & ~r->boundary)
		return false;
	for (unsigned int k = 0; k < r->nslots; k++)
		if (f->used[s + k])
			return false;
	return true;
}

static bool some_run_fits(const struct sf *f, const struct sf_rules *r)
{
	for (size_t s = 0; s < f->nslabs; s++)
		if (run_fits(f, r, s))
			return true;
	return false;
}

static void take_slots(struct sf *f, size_t head, unsigned int n, bool use)
{
	for (unsigned int k = 0; k < n; k++) {
		if (f->used[head + k] == use)
			broken(f, "slot %zu %s twice", head + k,
			       use ? "handed out" : "released");
		f->used[head + k] = use;
	}
	f->used_slots += use ? n : -(size_t)n;
}

/* ---- operations ---- */

static uint64_t pick_mask(struct sf *f, unsigned int lo, unsigned int hi)
{
	uint8_t v = fuzz_u8(&f->in);

	if (v < 128)
		return 0;
	if (v < 240)
		return (1ULL << (lo + v % (hi - lo + 1))) - 1;
	return fuzz_u32(&f->in) & 0xfffff;
}

static size_t pick_size(struct sf *f)
{
	uint8_t v = fuzz_u8(&f->in);

	if (v < 100)
		return 1 + fuzz_u16(&f->in) % 4096;
	if (v < 180)
		return 1 + fuzz_u32(&f->in) % 65536;
	if (v < 236)
		return 1 + fuzz_u32(&f->in) % MAX_MAPPING;
	return MAX_MAPPING - 64 + fuzz_u8(&f->in);
}

static void op_map(struct sf *f)
{
	dmk_phys_t orig = f->orig_phys + fuzz_u32(&f->in) % (SF_ORIG_BYTES -
							     MAX_MAPPING - 256);
	size_t size = pick_size(f);
	enum dmk_data_direction dir = fuzz_u8(&f->in) % 4;
	unsigned int align = (unsigned int)pick_mask(f, 11, 16);
	unsigned long attrs = fuzz_u8(&f->in) < 64 ? DMK_ATTR_NO_WARN : 0;
	uint64_t min_align = pick_mask(f, 2, 15);
	uint64_t low = round_mask(min_align & (SLOT - 1)), head_bus;
	uint64_t high = min_align & ~(uint64_t)(SLOT - 1);
	/* Masks are taken as contiguous (docs/swiotlb.md). */
	uint64_t run_align = round_mask(align);
	unsigned long warned = f->warnings;
	struct sf_rules r = {0};
	struct sf_live *l;
	dmk_phys_t tlb;
	/* swiotlb_align_offset: the bits under min_align_mask within a
	 * slot or under alloc_align_mask; above a slot, padding slots. */
	size_t offset = orig & (low | (high & run_align));
	bool fits = run_align < MAX_MAPPING && size <= MAX_MAPPING - offset;

	f->op = "map";
	f->dev.min_align_mask = min_align;
	f->dev.seg_boundary_mask =
		fuzz_u8(&f->in) < 200
			? ~0ULL
			: (1ULL << (12 + fuzz_u8(&f->in) % 8)) - 1;
	if (f->nr_live == SF_MAX_LIVE)
		return;
	tlb = dmk_swiotlb_tbl_map_single(f->pool, &f->dev, orig, size, align,
					 dir, attrs);

	/* ALIGN(offset + size, alloc_align_mask + 1), in whole slots. */
	r.nslots = fits ? (unsigned int)((offset + size +
					  (run_align | (SLOT - 1))) /
					 ((run_align | (SLOT - 1)) + 1) *
					 ((run_align | (SLOT - 1)) + 1) / SLOT)
			: 0;
	r.orig = orig;
	r.bus_offset = f->dev.bus_offset;
	r.boundary = f->dev.seg_boundary_mask;
	if (!run_align && !high && size >= DMK_PAGE_SIZE)
		run_align = DMK_PAGE_SIZE - 1;
	r.zero_mask = run_align & ~(uint64_t)(SLOT - 1);
	r.keep_mask = high & ~run_align;

	if (dir == DMK_DMA_NONE) {
		if (tlb != DMK_PHYS_ERROR)
			broken(f, "mapped with DMA_NONE");
		return;
	}
	if (tlb == DMK_PHYS_ERROR) {
		f->full++;
		if (fits && contiguous(min_align) && contiguous(r.boundary) &&
		    some_run_fits(f, &r))
			broken(f,
			       "full for %zu bytes (align %#x, min_align %#llx) though a run fits",
			       size, align, (unsigned long long)min_align);
		if ((attrs & DMK_ATTR_NO_WARN) && f->warnings != warned)
			broken(f, "a NO_WARN map warned");
		return;
	}
	if (!fits)
		broken(f, "mapped %zu bytes at offset %zu, align %#x", size,
		       offset, align);
	if (tlb < f->start || tlb + size > f->end)
		broken(f, "bounce 0x%llx+%zu outside the pool",
		       (unsigned long long)tlb, size);
	/* On the bus: what the device sees (the offset is whole slots). */
	if (((tlb + f->dev.bus_offset) & min_align) != (orig & min_align) ||
	    ((tlb - f->start) & (SLOT - 1)) != (offset & (SLOT - 1)))
		broken(f, "bounce 0x%llx lost bits of 0x%llx under %#llx",
		       (unsigned long long)tlb, (unsigned long long)orig,
		       (unsigned long long)min_align);
	head_bus = tlb - offset + f->dev.bus_offset;
	if ((head_bus & r.zero_mask) || ((head_bus ^ orig) & r.keep_mask))
		broken(f,
		       "bounce 0x%llx breaks align %#x / min_align %#llx of 0x%llx",
		       (unsigned long long)tlb, align,
		       (unsigned long long)min_align, (unsigned long long)orig);
	if (!run_fits(f, &r, (tlb - offset - f->start) >> DMK_IO_TLB_SHIFT))
		broken(f,
		       "bounce 0x%llx+%zu overlaps, crosses a segment or the boundary",
		       (unsigned long long)tlb, size);
	if (f->warnings != warned)
		broken(f, "a good map warned");

	l = &f->live[f->nr_live++];
	*l = (struct sf_live){
		.tlb = tlb,
		.orig = orig,
		.size = size,
		.head = (tlb - offset - f->start) >> DMK_IO_TLB_SHIFT,
		.nslots = r.nslots,
		.bounce = malloc(size),
	};
	if (!l->bounce)
		abort();
	memcpy(l->bounce, f->orig_model + (orig - f->orig_phys), size);
	take_slots(f, l->head, l->nslots, true);
}

static void drop_live(struct sf *f, unsigned int i)
{
	take_slots(f, f->live[i].head, f->live[i].nslots, false);
	free(f->live[i].bounce);
	f->live[i] = f->live[--f->nr_live];
}

static struct sf_live *pick_live(struct sf *f, bool alloc, unsigned int *idx)
{
	unsigned int v = fuzz_u8(&f->in);

	for (unsigned int k = 0; k < f->nr_live; k++) {
		unsigned int i = (v + k) % f->nr_live;

		if (f->live[i].alloc == alloc) {
			*idx = i;
			return &f->live[i];
		}
	}
	return NULL;
}

static void op_unmap(struct sf *f)
{
	uint8_t how = fuzz_u8(&f->in);
	enum dmk_data_direction dir = fuzz_u8(&f->in) % 4;
	unsigned long attrs = fuzz_u8(&f->in) < 48 ? DMK_ATTR_SKIP_CPU_SYNC : 0;
	unsigned long warned = f->warnings;
	size_t size, copy;
	struct sf_live *l;
	unsigned int i;

	f->op = "unmap";
	l = pick_live(f, false, &i);
	if (!l)
		return;
	size = l->size;
	if (how >= 240 && l->size > 1) {
		f->op = "unmap from inside a mapping";
		dmk_swiotlb_tbl_unmap_single(f->pool, &f->dev,
					     l->tlb + 1 + how % (l->size - 1),
					     l->size, dir, attrs);
		if (f->warnings == warned)
			broken(f, "no warning");
		return;
	}
	if (how >= 200)
		size = 1 + fuzz_u32(&f->in) % (2 * l->size);
	dmk_swiotlb_tbl_unmap_single(f->pool, &f->dev, l->tlb, size, dir,
				     attrs);
	copy = size < l->size ? size : l->size;
	if (!(attrs & DMK_ATTR_SKIP_CPU_SYNC) &&
	    (dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL))
		memcpy(f->orig_model + (l->orig - f->orig_phys), l->bounce,
		       copy);
	if (size == l->size && f->warnings != warned)
		broken(f, "a good unmap warned");
	drop_live(f, i);
}

/* The live mapping whose bytes hold addr, or NULL. */
static struct sf_live *mapping_at(struct sf *f, dmk_phys_t addr)
{
	for (unsigned int i = 0; i < f->nr_live; i++) {
		struct sf_live *l = &f->live[i];

		if (!l->alloc && addr >= l->tlb && addr - l->tlb < l->size)
			return l;
	}
	return NULL;
}

static void op_sync(struct sf *f, bool for_cpu)
{
	enum dmk_data_direction dir = fuzz_u8(&f->in) % 4;
	unsigned long warned = f->warnings;
	struct sf_live *l, *at;
	dmk_phys_t addr;
	size_t len, delta;
	unsigned int i;

	f->op = for_cpu ? "sync_for_cpu" : "sync_for_device";
	l = pick_live(f, false, &i);
	if (!l)
		return;
	addr = l->tlb - 64 + fuzz_u32(&f->in) % (l->size + 128);
	len = 1 + fuzz_u32(&f->in) % (l->size + 64);
	if (for_cpu)
		dmk_swiotlb_sync_single_for_cpu(f->pool, addr, len, dir);
	else
		dmk_swiotlb_sync_single_for_device(f->pool, addr, len, dir);
	at = mapping_at(f, addr);
	if (!at || dir == DMK_DMA_NONE)
		return;
	delta = addr - at->tlb;
	if (len > at->size - delta)
		len = at->size - delta;
	else if (f->warnings != warned)
		broken(f, "a sync inside its mapping warned");
	if (for_cpu && dir != DMK_DMA_TO_DEVICE)
		memcpy(f->orig_model + (at->orig - f->orig_phys) + delta,
		       at->bounce + delta, len);
	if (!for_cpu && dir != DMK_DMA_FROM_DEVICE)
		memcpy(at->bounce + delta,
		       f->orig_model + (at->orig - f->orig_phys) + delta, len);
}

/* The device writes into a bounce buffer; the CPU into an original. */
static void op_write(struct sf *f, bool device)
{
	uint8_t byte = fuzz_u8(&f->in);
	struct sf_live *l;
	unsigned int i;
	size_t at, len;

	f->op = device ? "device write" : "CPU write";
	if (device) {
		l = pick_live(f, false, &i);
		if (!l)
			return;
		at = fuzz_u32(&f->in) % l->size;
		len = 1 + fuzz_u32(&f->in) % (l->size - at);
		memset(f->pool_va + (l->tlb - f->start) + at, byte, len);
		memset(l->bounce + at, byte, len);
		return;
	}
	at = fuzz_u32(&f->in) % SF_ORIG_BYTES;
	len = 1 + fuzz_u16(&f->in) % (SF_ORIG_BYTES - at);
	memset(f->orig_va + at, byte, len);
	memset(f->orig_model + at, byte, len);
}

static void op_alloc(struct sf *f)
{
	size_t size =
		1 + fuzz_u32(&f->in) % (fuzz_u8(&f->in) < 200 ? 16384 : 300000);
	size_t bytes = (size + DMK_PAGE_SIZE - 1) & ~(DMK_PAGE_SIZE - 1);
	unsigned int order = 0;
	struct sf_rules r = {0};
	struct sf_live *l;
	dmk_phys_t phys;
	uint8_t *va;

	f->op = "alloc";
	if (f->nr_live == SF_MAX_LIVE)
		return;
	while ((DMK_PAGE_SIZE << order) < bytes)
		order++;
	r.nslots = (unsigned int)(bytes / SLOT);
	r.zero_mask = ((DMK_PAGE_SIZE << order) - 1) & ~(uint64_t)(SLOT - 1);
	r.boundary = ~0ULL;
	va = dmk_swiotlb_alloc(f->pool, size, &phys);
	if (!va) {
		if (bytes <= MAX_MAPPING && some_run_fits(f, &r))
			broken(f, "no coherent %zu bytes though a run fits",
			       size);
		return;
	}
	if (phys & ((DMK_PAGE_SIZE << order) - 1) || phys < f->start ||
	    phys + bytes > f->end)
		broken(f, "coherent 0x%llx+%zu misplaced",
		       (unsigned long long)phys, bytes);
	for (size_t k = 0; k < bytes; k++)
		if (va[k])
			broken(f, "coherent memory not zeroed");
	l = &f->live[f->nr_live++];
	*l = (struct sf_live){
		.tlb = phys,
		.size = bytes,
		.head = (phys - f->start) >> DMK_IO_TLB_SHIFT,
		.nslots = r.nslots,
		.alloc = true,
	};
	take_slots(f, l->head, l->nslots, true);
}

static void op_free_alloc(struct sf *f)
{
	unsigned long warned = f->warnings;
	struct sf_live *l;
	unsigned int i;

	f->op = "free of a coherent allocation";
	l = pick_live(f, true, &i);
	if (!l)
		return;
	if (fuzz_u8(&f->in) < 32) {
		f->op = "free inside a coherent allocation";
		if (!dmk_swiotlb_free_alloc(f->pool, l->tlb + SLOT, l->size) ||
		    f->warnings == warned)
			broken(f, "wrong free not refused with a warning");
		return;
	}
	if (!dmk_swiotlb_free_alloc(f->pool, l->tlb, l->size) ||
	    f->warnings != warned)
		broken(f, "a good free failed or warned");
	drop_live(f, i);
}

unsigned int fuzz_target_one(const uint8_t *data, size_t len)
{
	static struct sf f;
	unsigned int done = 0;

	memset(&f, 0, sizeof(f));
	f.in = (struct fuzz_in){data, len};
	f.op = "setup";
	if (sf_setup(&f)) {
		fprintf(stderr, "swiotlb-fuzz: cannot build the pool\n");
		abort();
	}
	for (unsigned int n = 0; n < SF_MAX_OPS && f.in.left; n++) {
		uint8_t op = fuzz_u8(&f.in);

		f.cpu = op >> 4;
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
			op_map(&f);
			break;
		case 3:
			op_unmap(&f);
			break;
		case 4:
			op_sync(&f, false);
			break;
		case 5:
			op_sync(&f, true);
			break;
		case 6:
			op_write(&f, true);
			break;
		case 7:
			op_write(&f, false);
			break;
		case 8:
			op_alloc(&f);
			break;
		default:
			op_free_alloc(&f);
			break;
		}
		check_bytes(&f);
		done++;
	}
	sf_teardown(&f);
	return done;
}

size_t fuzz_target_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	uint64_t rng = 0xd1b54a32d192ed03ULL * (i + 1);
	size_t len;

	if (i >= 32 || cap < 4)
		return 0;
	len = 48 + (i * 53) % 900;
	if (len > cap)
		len = cap;
	fuzz_fill_stream(buf, len, rng, 29);
	buf[0] = (uint8_t)i; /* geometry: segments and areas */
	return len;
}
