/* SPDX-License-Identifier: MIT */
/*
 * alloc_align_mask together with min_align_mask (Linux 6.10's padding
 * slots, kernel/dma/swiotlb.c: swiotlb_align_offset, pad_slots): the
 * bounce address keeps every bit of the original under min_align_mask,
 * also those under alloc_align_mask, by starting that far into a run
 * aligned to alloc_align_mask; the run's end is rounded up to the
 * alignment; unmap releases the whole run, padding included.  Partial
 * syncs, misuse checks, segment boundaries, parked runs and transient
 * pools keep working on such runs; a device without alloc_align_mask
 * (NVMe: min_align_mask 0xfff) is placed as before.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <stdlib.h>
#include <string.h>

#define SLOT DMK_IO_TLB_SIZE
#define SEG_BYTES (DMK_IO_TLB_SEGSIZE * DMK_IO_TLB_SIZE)

/* 1 MiB of originals, aligned to it. */
static struct test_fix *fix_new(size_t pool_bytes)
{
	struct test_fix *f = test_fix_new(false);

	test_fix_pool(f, pool_bytes, 1, 8);
	assert_int_equal(f->buf & 0xfffff, 0);
	return f;
}

static dmk_phys_t map(struct test_fix *f, dmk_phys_t orig, size_t size,
		      unsigned int align, enum dmk_data_direction dir)
{
	return dmk_swiotlb_tbl_map_single(f->pool, &f->dev, orig, size, align,
					  dir, 0);
}

static void unmap(struct test_fix *f, dmk_phys_t tlb, size_t size,
		  enum dmk_data_direction dir)
{
	dmk_swiotlb_tbl_unmap_single(f->pool, &f->dev, tlb, size, dir, 0);
}

static uint8_t *slotp(struct test_fix *f, dmk_phys_t tlb)
{
	return f->va + (tlb - f->start);
}

/*
 * Linux 6.10's rule for contiguous masks (swiotlb_tbl_map_single):
 * offset = orig & min_align_mask & (alloc_align_mask | (IO_TLB_SIZE - 1)),
 * size = ALIGN(mapping_size + offset, alloc_align_mask + 1), in slots.
 */
static unsigned int run_slots(dmk_phys_t orig, size_t size, uint64_t min,
			      uint64_t align)
{
	uint64_t offset = orig & min & (align | (SLOT - 1));
	uint64_t unit = align + 1;
	uint64_t bytes = (offset + size + unit - 1) / unit * unit;

	return (unsigned int)((bytes + SLOT - 1) / SLOT);
}

/* ---- the low bits ---- */

/* min_align_mask 0xfff, alloc_align_mask 0xfff: bit 11 and the bits
 * below it kept, one padding slot when bit 11 is set, the run's start
 * and end on 4 KiB, the bytes exact, nothing left after unmap. */
static void test_bit11_kept(void **state)
{
	struct test_fix *f = fix_new(2 << 20);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t orig = f->buf + 0x3000 + 0x923, t;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	/* One case by hand: 0x923 + 100 bytes is one padding slot and one
	 * slot of data. */
	test_fill(p, orig, 100, 1);
	t = map(f, orig, 100, 0xfff, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(t & 0xfff, 0x923);
	assert_int_equal(test_fix_stats(f).used, 2);
	assert_true(test_check(p, t, 100, 1));
	unmap(f, t, 100, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);

	for (unsigned int i = 0; i < 300; i++) {
		dmk_phys_t o = f->buf + (i * 2311 % 200000);
		size_t size = 1 + i * 977 % 20000;
		unsigned int n = run_slots(o, size, 0xfff, 0xfff);
		uint8_t *ov = dmk_phys_to_virt(p, o);
		uint8_t before = ov[-1], after = ov[size];

		test_fill(p, o, size, i);
		t = map(f, o, size, 0xfff, DMK_DMA_FROM_DEVICE);
		assert_true(t != DMK_PHYS_ERROR);
		assert_int_equal(t & 0xfff, o & 0xfff);
		assert_int_equal(test_fix_stats(f).used, n);
		/* The run: from t's 4 KiB line, n slots, a whole number of
		 * 4 KiB units, inside the pool. */
		assert_int_equal(n % 2, 0);
		assert_true((t & ~0xfffULL) >= f->start);
		assert_true((t & ~0xfffULL) + (uint64_t)n * SLOT <= f->end);
		assert_true(test_check(p, t, size, i));
		/* The device's bytes come back, and no others. */
		test_fill(p, t, size, i + 1000);
		unmap(f, t, size, DMK_DMA_FROM_DEVICE);
		assert_true(test_check(p, o, size, i + 1000));
		assert_int_equal(ov[-1], before);
		assert_int_equal(ov[size], after);
		assert_int_equal(test_fix_stats(f).used, 0);
	}
	assert_int_equal(test_warnings, 0);
	test_fix_free(f);
}

/* Larger masks: every bit under min_align_mask kept, whichever of the
 * two masks is the larger; the run aligned to alloc_align_mask. */
static void test_other_masks(void **state)
{
	static const struct {
		uint64_t min, align;
	} cases[] = {
		{0xffff, 0xffff}, /* up to 31 padding slots */
		{0x3fff, 0xfff},  /* bits 12-13 by the slot, 11 by a pad */
		{0xfff, 0x3fff},  /* run on 16 KiB, end rounded to it */
		{0x7ff, 0xfff},	  /* nothing above a slot: no pad */
		{0x1ff, 0x7ff},
	};
	struct test_fix *f = fix_new(4 << 20);
	const struct dmk_platform *p = &f->tp.plat;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint64_t min = cases[c].min, align = cases[c].align;

		f->dev.min_align_mask = min;
		for (unsigned int i = 0; i < 60; i++) {
			dmk_phys_t o = f->buf + (i * 7919 % 300000);
			size_t size = 1 + i * 3331 % 60000;
			uint64_t offset = o & min & (align | (SLOT - 1));
			dmk_phys_t t;

			test_fill(p, o, size, i);
			t = map(f, o, size, (unsigned int)align,
				DMK_DMA_TO_DEVICE);
			assert_true(t != DMK_PHYS_ERROR);
			assert_int_equal(t & min, o & min);
			assert_int_equal((t - offset) & align, 0);
			assert_int_equal(test_fix_stats(f).used,
					 run_slots(o, size, min, align));
			assert_true(test_check(p, t, size, i));
			unmap(f, t, size, DMK_DMA_TO_DEVICE);
			assert_int_equal(test_fix_stats(f).used, 0);
		}
	}
	assert_int_equal(test_warnings, 0);
	test_fix_free(f);
}

/* ---- padding slots go back ---- */

/* 256 mappings of one padding slot and one data slot fill a 1 MiB pool
 * exactly; after their unmaps every slot is free again: four whole
 * segments map. */
static void test_pads_released(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	dmk_phys_t t[256], whole[4];

	(void)state;
	f->dev.min_align_mask = 0xfff;
	for (unsigned int i = 0; i < 256; i++) {
		t[i] = map(f, f->buf + 0x800 + i * 7, 100, 0xfff,
			   DMK_DMA_TO_DEVICE);
		assert_true(t[i] != DMK_PHYS_ERROR);
		assert_int_equal(t[i] & 0xfff, 0x800 + i * 7);
	}
	assert_int_equal(test_fix_stats(f).used, 512);
	assert_true(dmk_swiotlb_tbl_map_single(
			    f->pool, &f->dev, f->buf, 1, 0, DMK_DMA_TO_DEVICE,
			    DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
	for (unsigned int i = 0; i < 256; i++)
		unmap(f, t[i], 100, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	f->dev.min_align_mask = 0;
	for (int i = 0; i < 4; i++) {
		whole[i] = map(f, f->buf, SEG_BYTES, 0, DMK_DMA_TO_DEVICE);
		assert_true(whole[i] != DMK_PHYS_ERROR);
	}
	assert_int_equal(test_fix_stats(f).used, 512);
	for (int i = 0; i < 4; i++)
		unmap(f, whole[i], SEG_BYTES, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_fix_stats(f).full, 1);
	test_fix_free(f);
}

/* The largest mapping the rule allows fills a segment exactly; one byte
 * more, or an alignment larger than a segment, is "full". */
static void test_limits(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	dmk_phys_t o = f->buf + 0xfff, t;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	t = map(f, o, SEG_BYTES - 0xfff, 0xfff, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(t & 0xfff, 0xfff);
	assert_int_equal((t - 0xfff - f->start) % SEG_BYTES, 0);
	assert_int_equal(test_fix_stats(f).used, DMK_IO_TLB_SEGSIZE);
	unmap(f, t, SEG_BYTES - 0xfff, DMK_DMA_TO_DEVICE);
	assert_true(dmk_swiotlb_tbl_map_single(
			    f->pool, &f->dev, o, SEG_BYTES - 0xfff + 1, 0xfff,
			    DMK_DMA_TO_DEVICE,
			    DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
	f->dev.min_align_mask = 0;
	assert_true(
		dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf, 64,
					   2 * SEG_BYTES - 1, DMK_DMA_TO_DEVICE,
					   DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
	/* A segment's alignment is still possible. */
	t = map(f, f->buf, 64, SEG_BYTES - 1, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal((t - f->start) % SEG_BYTES, 0);
	assert_int_equal(test_fix_stats(f).used, DMK_IO_TLB_SEGSIZE);
	unmap(f, t, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_fix_stats(f).full, 2);
	test_fix_free(f);
}

/* ---- with a segment boundary ---- */

/* seg_boundary_mask 0x3fff: the whole run, padding included, stays in
 * one 16 KiB line of bus addresses; a run longer than a line cannot be
 * placed, as in Linux (iommu_is_span_boundary over all its slots). */
static void test_boundary(void **state)
{
	struct test_fix *f = fix_new(2 << 20);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t live[64];
	size_t sizes[64];
	unsigned int n = 0;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	f->dev.seg_boundary_mask = 0x3fff;
	for (int off = 0; off < 2; off++) {
		f->dev.bus_offset = off ? 0x800 : 0; /* one slot */
		for (unsigned int i = 0; i < 32; i++) {
			dmk_phys_t o = f->buf + (i * 4909 % 100000);
			size_t size = 1 + i * 1531 % 12000;
			unsigned int slots = run_slots(o, size, 0xfff, 0xfff);
			uint64_t offset = o & 0xfff;
			dmk_phys_t t;
			uint64_t head;

			if (slots * SLOT > 0x4000)
				continue;
			test_fill(p, o, size, i);
			t = map(f, o, size, 0xfff, DMK_DMA_TO_DEVICE);
			assert_true(t != DMK_PHYS_ERROR);
			head = t - offset + f->dev.bus_offset;
			/* In bus addresses the device sees the bits. */
			assert_int_equal((t + f->dev.bus_offset) & 0xfff,
					 offset);
			assert_int_equal(head & 0xfff, 0);
			assert_int_equal(head >> 14,
					 (head + slots * SLOT - 1) >> 14);
			assert_true(test_check(p, t, size, i));
			live[n] = t;
			sizes[n++] = size;
		}
		assert_int_equal(test_warnings, 0);
		while (n) {
			n--;
			unmap(f, live[n], sizes[n], DMK_DMA_TO_DEVICE);
		}
		assert_int_equal(test_fix_stats(f).used, 0);
	}
	/* 0xf00 + 0x3000 bytes is exactly one line: placed on a line. */
	f->dev.bus_offset = 0;
	live[0] = map(f, f->buf + 0xf00, 0x3000, 0xfff, DMK_DMA_TO_DEVICE);
	assert_true(live[0] != DMK_PHYS_ERROR);
	assert_int_equal((live[0] - 0xf00) & 0x3fff, 0);
	assert_int_equal(test_fix_stats(f).used, 8);
	/* 0xf00 + 0x3200 bytes is five 4 KiB units: no line holds it. */
	assert_true(dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf + 0xf00,
					       0x3200, 0xfff, DMK_DMA_TO_DEVICE,
					       DMK_ATTR_NO_WARN) ==
		    DMK_PHYS_ERROR);
	unmap(f, live[0], 0x3000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	test_fix_free(f);
}

/* ---- syncs and misuse inside a padded mapping ---- */

static void test_partial_sync_padded(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t orig = f->buf + 0x3000 + 0xc40, t, head;
	uint8_t *o = dmk_phys_to_virt(p, orig);
	size_t size = 7000;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	memset(o - 16, 0xaa, size + 32);
	t = map(f, orig, size, 0xfff, DMK_DMA_BIDIRECTIONAL);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(t & 0xfff, 0xc40);
	/* 0xc40 + 7000 bytes: 12 KiB, six slots, the first a pad. */
	head = t - 0xc40;
	assert_int_equal(test_fix_stats(f).used, 6);
	memset(slotp(f, t), 0xbb, size);

	/* From any slot, any length. */
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + 3000, 2000,
					DMK_DMA_FROM_DEVICE);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(o[i], i >= 3000 && i < 5000 ? 0xbb : 0xaa);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t, 1, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(o[0], 0xbb);
	assert_int_equal(o[1], 0xaa);
	memset(o + 6000, 0xcc, 10);
	dmk_swiotlb_sync_single_for_device(f->pool, t + 6000, 10,
					   DMK_DMA_TO_DEVICE);
	assert_int_equal(slotp(f, t)[5999], 0xbb);
	assert_int_equal(slotp(f, t)[6000], 0xcc);
	assert_int_equal(slotp(f, t)[6010], 0xbb);
	assert_int_equal(test_warnings, 0);

	/* In the padding slot, or before the first byte: nothing, warned. */
	dmk_swiotlb_sync_single_for_cpu(f->pool, head + 100, 200,
					DMK_DMA_FROM_DEVICE);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t - 1, 2, DMK_DMA_FROM_DEVICE);
	assert_int_equal(o[-1], 0xaa);
	assert_int_equal(test_warnings, 2);
	/* Past the end: cut at the end, warned. */
	slotp(f, t)[size] = 0x66;
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + size - 10, 100,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(o[size - 1], 0xbb);
	assert_int_equal(o[size], 0xaa);
	assert_int_equal(test_warnings, 3);

	/* Unmap at the run's start or inside: refused, nothing freed. */
	unmap(f, head, size, DMK_DMA_BIDIRECTIONAL);
	unmap(f, t + SLOT, size, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(test_warnings, 5);
	assert_int_equal(test_fix_stats(f).used, 6);
	assert_int_equal(o[2000], 0xaa);
	unmap(f, t, size, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(test_fix_stats(f).used, 0);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(o[i], i >= 6000 && i < 6010 ? 0xcc : 0xbb);
	assert_int_equal(o[-1], 0xaa);
	assert_int_equal(o[size], 0xaa);
	/* A second unmap, or a sync after it: warned, nothing copied. */
	unmap(f, t, size, DMK_DMA_BIDIRECTIONAL);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t, 10, DMK_DMA_FROM_DEVICE);
	assert_int_equal(test_warnings, 7);
	test_fix_free(f);
}

/* ---- a device without alloc_align_mask ---- */

/* NVMe: min_align_mask 0xfff, no alloc_align_mask.  Bit 11 comes from
 * the slot the run starts in, no padding slot, no page alignment of
 * the run (it would fight bit 11); the largest mapping is 256 KiB less
 * 4 KiB, at the worst offset too. */
static void test_nvme_unchanged(void **state)
{
	struct test_fix *f = fix_new(2 << 20);
	const struct dmk_platform *p = &f->tp.plat;
	size_t max;
	dmk_phys_t t;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	for (unsigned int i = 0; i < 200; i++) {
		dmk_phys_t o = f->buf + (i * 2311 % 200000);
		size_t size = 1 + i * 1777 % 70000;

		test_fill(p, o, size, i);
		t = map(f, o, size, 0, DMK_DMA_TO_DEVICE);
		assert_true(t != DMK_PHYS_ERROR);
		assert_int_equal(t & 0xfff, o & 0xfff);
		assert_int_equal(test_fix_stats(f).used,
				 ((o & 0x7ff) + size + SLOT - 1) / SLOT);
		assert_true(test_check(p, t, size, i));
		unmap(f, t, size, DMK_DMA_TO_DEVICE);
	}
	max = dmk_swiotlb_max_mapping_size(&f->dev);
	assert_int_equal(max, SEG_BYTES - 4096);
	t = map(f, f->buf + 0xfff, max, 0, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(t & 0xfff, 0xfff);
	unmap(f, t, max, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_warnings, 0);
	test_fix_free(f);
}

/* ---- parked runs ---- */

/* A padded run is parked like any other (at most 8 slots) and serves
 * the next map of the same shape: same place, bits kept, not counted
 * as used while parked. */
static void test_parked_padded(void **state)
{
	struct test_fix *f = fix_new(1 << 20);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t t, u;

	(void)state;
	f->dev.min_align_mask = 0xfff;
	t = map(f, f->buf + 0x900, 3000, 0xfff, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(test_fix_stats(f).used, 4);
	unmap(f, t, 3000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	for (unsigned int i = 0; i < 20; i++) {
		dmk_phys_t o = f->buf + 0x10000 * i + 0x800 + i;

		test_fill(p, o, 3000, i);
		u = map(f, o, 3000, 0xfff, DMK_DMA_TO_DEVICE);
		assert_int_equal(u - (u & 0xfff), t - (t & 0xfff));
		assert_int_equal(u & 0xfff, 0x800 + i);
		assert_int_equal(test_fix_stats(f).used, 4);
		assert_true(test_check(p, u, 3000, i));
		unmap(f, u, 3000, DMK_DMA_TO_DEVICE);
		assert_int_equal(test_fix_stats(f).used, 0);
	}
	/* The parked run (4 slots) also serves an unpadded map of 4 slots
	 * with the same alignment. */
	u = map(f, f->buf + 0x100, 6000, 0xfff, DMK_DMA_TO_DEVICE);
	assert_int_equal(u, (t & ~0xfffULL) + 0x100);
	unmap(f, u, 6000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_warnings, 0);
	test_fix_free(f);
}

/* ---- a transient pool of a dynamic swiotlb ---- */

static void test_transient_padded(void **state)
{
	struct test_fix *f = calloc(1, sizeof(*f));
	const struct dmk_platform *p;
	dmk_phys_t tlb[DMK_IO_TLB_SEGSIZE], t, o;
	struct dmk_swiotlb_stats st;

	(void)state;
	assert_non_null(f);
	test_plat_init(&f->tp, 64 << 20, false);
	p = &f->tp.plat;
	assert_int_equal(dmk_swiotlb_init_alloc(p, SEG_BYTES, 0, 1, &f->pool),
			 0);
	/* Growth refused (limit 1): only a transient pool can serve. */
	assert_int_equal(dmk_swiotlb_dyn_init(f->pool, 1), 0);
	dmk_swiotlb_span(f->pool, &f->start, &f->end, NULL);
	f->sys.plat = p;
	f->sys.swiotlb = f->pool;
	test_device(&f->dev);
	f->dev.dma_mask = ~0ULL;
	assert_non_null(p->ops->alloc_pages(p->ctx, 8, ~0ULL, &f->buf));
	for (unsigned int i = 0; i < DMK_IO_TLB_SEGSIZE; i++) {
		tlb[i] = map(f, f->buf, SLOT, 0, DMK_DMA_TO_DEVICE);
		assert_true(tlb[i] >= f->start && tlb[i] < f->end);
	}
	test_warnings = 0; /* the refused growth said so, once */
	f->dev.min_align_mask = 0xfff;
	o = f->buf + 0x5000 + 0xa10;
	test_fill(p, o, 5000, 7);
	t = map(f, o, 5000, 0xfff, DMK_DMA_BIDIRECTIONAL);
	assert_true(t != DMK_PHYS_ERROR);
	assert_false(t >= f->start && t < f->end);
	assert_int_equal(t & 0xfff, 0xa10);
	assert_true(test_check(p, t, 5000, 7));
	st = test_fix_stats(f);
	assert_int_equal(st.transient_pools, 1);
	assert_int_equal(st.used, DMK_IO_TLB_SEGSIZE + 4);
	test_fill(p, t + 1000, 100, 8);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + 1000, 100,
					DMK_DMA_FROM_DEVICE);
	assert_true(test_check(p, o + 1000, 100, 8));
	unmap(f, t, 5000, DMK_DMA_BIDIRECTIONAL);
	st = test_fix_stats(f);
	assert_int_equal(st.transient_pools, 0);
	assert_int_equal(st.used, DMK_IO_TLB_SEGSIZE);
	for (unsigned int i = 0; i < DMK_IO_TLB_SEGSIZE; i++)
		unmap(f, tlb[i], SLOT, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_stats(f).used, 0);
	assert_int_equal(test_warnings, 0);
	dmk_swiotlb_dyn_exit(f->pool);
	test_fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit11_kept),
		cmocka_unit_test(test_other_masks),
		cmocka_unit_test(test_pads_released),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_partial_sync_padded),
		cmocka_unit_test(test_nvme_unchanged),
		cmocka_unit_test(test_parked_padded),
		cmocka_unit_test(test_transient_padded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
