/* SPDX-License-Identifier: MIT */
/*
 * A user-space model of Linux 6.6's swiotlb slot allocator, for
 * `dmakit bench`: the same machine, the same run, the same bounce copies,
 * so docs/benchmarks.md compares designs and not machines.
 *
 * Written from the algorithm as kernel/dma/swiotlb.c (6.6) documents it,
 * not from the kernel's text:
 *   - 2 KiB slots, 128-slot segments, areas with a lock, a used count and
 *     a next-fit cursor; the search starts at the CPU's area;
 *   - per slot {orig_addr, alloc_size, list} (24 bytes), list[i] = free
 *     slots from i to the end of its segment, 0 when in use;
 *   - search: quick reject on the area's free count, then walk from the
 *     cursor with a stride (2 for a page or more), at most the area's
 *     slot count, wrapping; take a slot whose list >= nslots; renumber
 *     the free run before it;
 *   - release: renumber the freed slots from the following run, then the
 *     preceding run, within the segment;
 *   - a global atomic used count and high-water mark (debugfs), as with
 *     CONFIG_DEBUG_FS;
 *   - bounce copies: original -> slot at map in every direction, slot ->
 *     original at unmap for FROM_DEVICE / BIDIRECTIONAL.
 * min_align_mask and segment boundaries are left out: the benchmark's
 * device has neither, and leaving them out only makes the model faster.
 *
 * Header-only (static functions) so that it builds into the dmakit
 * command without another build target.
 */
#ifndef DMAKIT_BENCH_LINUX_SWIOTLB_H
#define DMAKIT_BENCH_LINUX_SWIOTLB_H

#include "dmk_env.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LX_SHIFT 11
#define LX_SLOT (1UL << LX_SHIFT)
#define LX_SEGSIZE 128
#define LX_INVALID (~(uint64_t)0)

struct lx_slot {
	uint64_t orig_addr; /* a host pointer here, as phys is in Linux */
	size_t alloc_size;
	unsigned int list;
};

struct lx_area {
	dmk_spinlock_t lock;
	unsigned long used;
	unsigned int index;
} __attribute__((aligned(64)));

struct lx_pool {
	uint8_t *vaddr;
	unsigned long nslabs, area_nslabs;
	unsigned int nareas;
	struct lx_slot *slots;
	struct lx_area *areas;
	atomic_ulong total_used __attribute__((aligned(64)));
	atomic_ulong used_hiwater;
};

static inline unsigned long lx_nr_slots(size_t bytes)
{
	return (bytes + LX_SLOT - 1) >> LX_SHIFT;
}

static inline unsigned int lx_wrap(const struct lx_pool *p, unsigned int index)
{
	return index >= p->area_nslabs ? 0 : index;
}

static int lx_pool_init(struct lx_pool *p, void *va, unsigned long nslabs,
			unsigned int nareas)
{
	memset(p, 0, sizeof(*p));
	p->vaddr = va;
	p->nslabs = nslabs;
	p->nareas = nareas;
	p->area_nslabs = nslabs / nareas;
	p->slots = calloc(nslabs, sizeof(*p->slots));
	p->areas = aligned_alloc(64, nareas * sizeof(*p->areas));
	if (!p->slots || !p->areas)
		return -1;
	memset(p->areas, 0, nareas * sizeof(*p->areas));
	for (unsigned int i = 0; i < nareas; i++)
		dmk_spin_init(&p->areas[i].lock);
	for (unsigned long i = 0; i < nslabs; i++) {
		p->slots[i].list = LX_SEGSIZE - (unsigned int)(i % LX_SEGSIZE);
		p->slots[i].orig_addr = LX_INVALID;
	}
	memset(va, 0, nslabs << LX_SHIFT);
	return 0;
}

static void lx_pool_fini(struct lx_pool *p)
{
	free(p->slots);
	free(p->areas);
}

static void lx_inc_used_and_hiwater(struct lx_pool *p, unsigned long n)
{
	unsigned long new_used = atomic_fetch_add(&p->total_used, n) + n;
	unsigned long old = atomic_load(&p->used_hiwater);

	while (new_used > old &&
	       !atomic_compare_exchange_weak(&p->used_hiwater, &old, new_used))
		;
}

static long lx_search_area(struct lx_pool *p, unsigned int ai, size_t size)
{
	struct lx_area *a = &p->areas[ai];
	unsigned long nslots = lx_nr_slots(size);
	unsigned int stride = size >= 4096 ? 2 : 1;
	unsigned long slot_base = (unsigned long)ai * p->area_nslabs;
	unsigned int index, count = 0;
	unsigned long checked, slot = 0;

	dmk_spin_lock(&a->lock);
	if (nslots > p->area_nslabs - a->used)
		goto not_found;
	index = a->index;
	for (checked = 0; checked < p->area_nslabs;) {
		slot = slot_base + index;
		if ((slot & (stride - 1)) != 0) {
			index = lx_wrap(p, index + 1);
			checked++;
			continue;
		}
		if (p->slots[slot].list >= nslots)
			goto found;
		index = lx_wrap(p, index + stride);
		checked += stride;
	}
not_found:
	dmk_spin_unlock(&a->lock);
	return -1;
found:
	for (unsigned long i = slot; i < slot + nslots; i++) {
		p->slots[i].list = 0;
		p->slots[i].alloc_size = size - ((i - slot) << LX_SHIFT);
	}
	for (long i = (long)slot - 1;
	     i >= 0 && (i % LX_SEGSIZE) != LX_SEGSIZE - 1 && p->slots[i].list;
	     i--)
		p->slots[i].list = ++count;
	a->index = lx_wrap(p, index + (unsigned int)nslots);
	a->used += nslots;
	dmk_spin_unlock(&a->lock);
	lx_inc_used_and_hiwater(p, nslots);
	return (long)slot;
}

/* swiotlb_tbl_map_single: NULL when full. */
static void *lx_map(struct lx_pool *p, unsigned int cpu, void *orig,
		    size_t size)
{
	unsigned int start = cpu & (p->nareas - 1);
	long slot = -1;

	if (lx_nr_slots(size) > LX_SEGSIZE)
		return NULL;
	for (unsigned int i = 0; i < p->nareas && slot < 0; i++)
		slot = lx_search_area(p, (start + i) & (p->nareas - 1), size);
	if (slot < 0)
		return NULL;
	for (unsigned long i = 0; i < lx_nr_slots(size); i++)
		p->slots[slot + (long)i].orig_addr =
			(uint64_t)(uintptr_t)orig + (i << LX_SHIFT);
	memcpy(p->vaddr + ((size_t)slot << LX_SHIFT), orig, size);
	return p->vaddr + ((size_t)slot << LX_SHIFT);
}

static void lx_release(struct lx_pool *p, unsigned long index)
{
	unsigned long nslots = lx_nr_slots(p->slots[index].alloc_size);
	struct lx_area *a = &p->areas[index / p->area_nslabs];
	unsigned int count;
	long i;

	dmk_spin_lock(&a->lock);
	if ((index + nslots) % LX_SEGSIZE != 0)
		count = p->slots[index + nslots].list;
	else
		count = 0;
	for (i = (long)(index + nslots - 1); i >= (long)index; i--) {
		p->slots[i].list = ++count;
		p->slots[i].orig_addr = LX_INVALID;
		p->slots[i].alloc_size = 0;
	}
	for (i = (long)index - 1;
	     i >= 0 && (i % LX_SEGSIZE) != LX_SEGSIZE - 1 && p->slots[i].list;
	     i--)
		p->slots[i].list = ++count;
	a->used -= nslots;
	dmk_spin_unlock(&a->lock);
	atomic_fetch_sub(&p->total_used, nslots);
}

/* swiotlb_tbl_unmap_single; from_device: FROM_DEVICE or BIDIRECTIONAL. */
static void lx_unmap(struct lx_pool *p, void *tlb, size_t size,
		     bool from_device)
{
	unsigned long index =
		(unsigned long)((uint8_t *)tlb - p->vaddr) >> LX_SHIFT;

	if (from_device) {
		size_t n = p->slots[index].alloc_size;

		memcpy((void *)(uintptr_t)p->slots[index].orig_addr, tlb,
		       size < n ? size : n);
	}
	lx_release(p, index);
}

static unsigned long lx_used(struct lx_pool *p)
{
	return atomic_load(&p->total_used);
}

#endif /* DMAKIT_BENCH_LINUX_SWIOTLB_H */
