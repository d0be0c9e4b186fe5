/* SPDX-License-Identifier: MIT */
/* The swiotlb pool on the host platform: Linux's semantics, checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <stdlib.h>
#include <string.h>

#define SLOT DMK_IO_TLB_SIZE
#define SEG_BYTES (DMK_IO_TLB_SEGSIZE * DMK_IO_TLB_SIZE)

/* 1 MiB of originals. */
static struct test_fix *fix_new(size_t pool_bytes, unsigned int nareas,
				bool clock)
{
	struct test_fix *f = test_fix_new(clock);

	test_fix_pool(f, pool_bytes, nareas, 8);
	return f;
}

static dmk_phys_t map(struct test_fix *f, dmk_phys_t orig, size_t size,
		      enum dmk_data_direction dir)
{
	return dmk_swiotlb_tbl_map_single(f->pool, &f->dev, orig, size, 0, dir,
					  0);
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

/* ---- geometry ---- */

static void test_init_geometry(void **state)
{
	struct test_fix *f = fix_new(4 << 20, 2, false);
	struct dmk_swiotlb_stats st = test_fix_pool_stats(f);

	(void)state;
	assert_int_equal(st.nslabs, (4 << 20) / SLOT);
	assert_int_equal(st.nareas, 2);
	assert_int_equal(st.used, 0);
	assert_true(f->end - f->start == 4 << 20);
	assert_true(f->end - 1 <= 0xffffffffULL);
	assert_true(dmk_is_swiotlb_buffer(f->pool, f->start));
	assert_true(dmk_is_swiotlb_buffer(f->pool, f->end - 1));
	assert_false(dmk_is_swiotlb_buffer(f->pool, f->end));
	assert_false(dmk_is_swiotlb_buffer(NULL, f->start));
	/* Zeroed at init. */
	for (size_t i = 0; i < 4 << 20; i += 4093)
		assert_int_equal(f->va[i], 0);
	test_fix_free(f);
}

static void test_init_halves(void **state)
{
	struct test_plat tp;
	struct dmk_swiotlb *pool;
	struct dmk_swiotlb_stats st;
	dmk_phys_t s, e;

	(void)state;
	/* 8 MiB of RAM minus page 0: 64 MiB halves down to 4 MiB. */
	test_plat_init(&tp, 8 << 20, false);
	assert_int_equal(
		dmk_swiotlb_init_alloc(&tp.plat, 64 << 20, 0, 1, &pool), 0);
	dmk_swiotlb_pool_stats(pool, &st);
	assert_int_equal(st.nslabs, (4 << 20) / SLOT);
	assert_int_equal(test_warnings, 1);
	dmk_swiotlb_free(pool);
	/* Below a limit. */
	assert_int_equal(dmk_swiotlb_init_alloc(&tp.plat, 1 << 20,
						(4 << 20) - 1, 1, &pool),
			 0);
	dmk_swiotlb_span(pool, &s, &e, NULL);
	assert_true(e - 1 <= (4 << 20) - 1);
	dmk_swiotlb_free(pool);
	/* Nothing fits below 1 MiB: no pool. */
	assert_int_equal(dmk_swiotlb_init_alloc(&tp.plat, 1 << 20,
						(1 << 20) - 1, 1, &pool),
			 -DMK_ENOMEM);
	assert_int_equal(dmk_swiotlb_init_alloc(&tp.plat, 0, 0, 1, &pool),
			 -DMK_EINVAL);
	test_plat_fini(&tp);
}

/*
 * A remap hook standing for swiotlb-xen's: it cannot make more than
 * 2 MiB machine-contiguous (-DMK_ENOMEM above), or cannot do it at all
 * (-DMK_ENOTSUP, a hypervisor without the operation).
 */
struct remap_probe {
	size_t max_bytes;
	int fail_with;
	unsigned int calls;
	size_t remapped, unremapped; /* nslabs of the last success / undo */
};

static int probe_remap(void *ctx, dmk_phys_t phys, size_t nslabs,
		       dmk_phys_t limit, bool transient)
{
	struct remap_probe *r = ctx;

	(void)phys;
	(void)limit;
	(void)transient;
	r->calls++;
	if (nslabs * SLOT > r->max_bytes)
		return r->fail_with;
	r->remapped = nslabs;
	return 0;
}

static void probe_unremap(void *ctx, dmk_phys_t phys, size_t nslabs)
{
	(void)phys;
	((struct remap_probe *)ctx)->unremapped = nslabs;
}

/* swiotlb_init_remap: a remap that fails makes the pool half as big and
 * tries again, down to what remaps (one warning for the size taken); a
 * hypervisor that cannot remap at all is not asked again. */
static void test_init_remap_halves(void **state)
{
	struct test_plat tp;
	struct remap_probe r = {.max_bytes = 2 << 20, .fail_with = -DMK_ENOMEM};
	struct dmk_swiotlb_remap hook = {probe_remap, probe_unremap, &r};
	struct dmk_swiotlb *pool;
	struct dmk_swiotlb_stats st;

	(void)state;
	test_plat_init(&tp, 64 << 20, false);
	assert_int_equal(
		dmk_swiotlb_init_remap(&tp.plat, 8 << 20, 0, 1, &hook, &pool),
		0);
	dmk_swiotlb_pool_stats(pool, &st);
	assert_int_equal(st.nslabs, (2 << 20) / SLOT);
	assert_int_equal(r.calls, 3); /* 8, 4, then 2 MiB */
	assert_int_equal(r.remapped, (2 << 20) / SLOT);
	assert_int_equal(test_warnings, 1);
	dmk_swiotlb_free(pool);
	assert_int_equal(r.unremapped, (2 << 20) / SLOT);

	r = (struct remap_probe){.max_bytes = 0, .fail_with = -DMK_ENOTSUP};
	assert_int_equal(
		dmk_swiotlb_init_remap(&tp.plat, 8 << 20, 0, 1, &hook, &pool),
		-DMK_ENOTSUP);
	assert_int_equal(r.calls, 1);
	test_plat_fini(&tp);
}

/* ---- alignment ---- */

static void test_page_alignment(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	dmk_phys_t a, b, c;

	(void)state;
	/* One slot taken, so a page-aligned fit must skip one. */
	a = map(f, f->buf + 100, 300, DMK_DMA_TO_DEVICE);
	assert_int_equal((a - f->start) % SLOT, 0);
	b = map(f, f->buf + 8192, 4096, DMK_DMA_TO_DEVICE);
	assert_int_equal(b % DMK_PAGE_SIZE, 0);
	c = map(f, f->buf + 20000, 2048, DMK_DMA_TO_DEVICE);
	assert_int_equal(c % SLOT, 0);
	assert_true(c != a && c != b);
	unmap(f, a, 300, DMK_DMA_TO_DEVICE);
	unmap(f, b, 4096, DMK_DMA_TO_DEVICE);
	unmap(f, c, 2048, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

static void test_alloc_align_mask(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	dmk_phys_t a, b, c;

	(void)state;
	a = map(f, f->buf, 100, DMK_DMA_TO_DEVICE);
	b = dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf + 4096, 5000,
				       0xffff, DMK_DMA_TO_DEVICE, 0);
	assert_true(b != DMK_PHYS_ERROR);
	assert_int_equal(b & 0xffff, 0);
	/* An explicit small mask replaces page alignment: the first fit is
	 * the slot right after a, not the next page. */
	c = dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf + 4096, 5000,
				       SLOT - 1, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(c - a, SLOT);
	unmap(f, c, 5000, DMK_DMA_TO_DEVICE);
	unmap(f, b, 5000, DMK_DMA_TO_DEVICE);
	unmap(f, a, 100, DMK_DMA_TO_DEVICE);
	test_fix_free(f);
}

static void test_min_align_mask(void **state)
{
	static const uint64_t masks[] = {63, 511, 2047, 4095, 0x3fff};
	struct test_fix *f = fix_new(2 << 20, 1, false);

	(void)state;
	for (size_t k = 0; k < sizeof(masks) / sizeof(masks[0]); k++) {
		f->dev.min_align_mask = masks[k];
		for (unsigned int i = 0; i < 40; i++) {
			dmk_phys_t orig = f->buf + i * 1237 % 60000;
			size_t size = 1 + i * 977 % 9000;
			dmk_phys_t t;

			test_fill(&f->tp.plat, orig, size, i);
			t = map(f, orig, size, DMK_DMA_TO_DEVICE);
			assert_true(t != DMK_PHYS_ERROR);
			assert_int_equal(t & masks[k], orig & masks[k]);
			assert_true(test_check(&f->tp.plat, t, size, i));
			unmap(f, t, size, DMK_DMA_TO_DEVICE);
		}
	}
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	/* Room is kept for the worst offset. */
	f->dev.min_align_mask = 4095;
	assert_int_equal(dmk_swiotlb_max_mapping_size(&f->dev),
			 SEG_BYTES - 4096);
	f->dev.min_align_mask = 0;
	assert_int_equal(dmk_swiotlb_max_mapping_size(&f->dev), SEG_BYTES);
	test_fix_free(f);
}

/* ---- segments and boundaries ---- */

static void test_no_segment_crossing(void **state)
{
	struct test_fix *f = fix_new(2 << 20, 1, false);
	dmk_phys_t live[64];
	size_t sizes[64];
	unsigned int n = 0;

	(void)state;
	srand(7);
	for (unsigned int i = 0; i < 2000; i++) {
		if (n == 64 || (n && rand() % 2)) {
			unsigned int k = (unsigned int)rand() % n;

			unmap(f, live[k], sizes[k], DMK_DMA_TO_DEVICE);
			live[k] = live[--n];
			sizes[k] = sizes[n];
			continue;
		}
		sizes[n] = 1 + (size_t)rand() % (100 * SLOT);
		live[n] = map(f, f->buf + (size_t)rand() % 4096, sizes[n],
			      DMK_DMA_TO_DEVICE);
		if (live[n] == DMK_PHYS_ERROR)
			continue;
		assert_int_equal((live[n] - f->start) / SEG_BYTES,
				 (live[n] + sizes[n] - 1 - f->start) /
					 SEG_BYTES);
		n++;
	}
	while (n--)
		unmap(f, live[n], sizes[n], DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

static void test_seg_boundary_mask(void **state)
{
	struct test_fix *f = fix_new(2 << 20, 1, false);
	dmk_phys_t t[40];

	(void)state;
	f->dev.seg_boundary_mask = 0xffff; /* 64 KiB lines */
	for (unsigned int i = 0; i < 40; i++) {
		size_t size = 3000 + i * 1531 % 30000;

		t[i] = map(f, f->buf, size, DMK_DMA_TO_DEVICE);
		assert_true(t[i] != DMK_PHYS_ERROR);
		assert_int_equal(t[i] >> 16, (t[i] + size - 1) >> 16);
	}
	for (unsigned int i = 0; i < 40; i++)
		unmap(f, t[i], 3000 + i * 1531 % 30000, DMK_DMA_TO_DEVICE);
	/* With a bus offset the line is in bus addresses. */
	f->dev.bus_offset = 0x8000;
	for (unsigned int i = 0; i < 40; i++) {
		size_t size = 3000 + i * 1531 % 30000;

		t[i] = map(f, f->buf, size, DMK_DMA_TO_DEVICE);
		assert_true(t[i] != DMK_PHYS_ERROR);
		assert_int_equal((t[i] + 0x8000) >> 16,
				 (t[i] + 0x8000 + size - 1) >> 16);
	}
	for (unsigned int i = 0; i < 40; i++)
		unmap(f, t[i], 3000 + i * 1531 % 30000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

/* ---- full pool ---- */

/*
 * The search remembers a request shape that no partly used segment
 * could hold; free space appearing afterwards, in one segment or in
 * several, must still be found (never a false "full").
 */
static void test_partial_miss_record(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	dmk_phys_t one[2 * DMK_IO_TLB_SEGSIZE], whole[2], t;

	(void)state;
	/* Segments 0 and 1 in single slots, 2 and 3 whole: full. */
	for (unsigned int i = 0; i < 2 * DMK_IO_TLB_SEGSIZE; i++) {
		one[i] = map(f, f->buf, SLOT, DMK_DMA_TO_DEVICE);
		assert_int_equal((one[i] - f->start) / SLOT, i);
	}
	for (int i = 0; i < 2; i++) {
		whole[i] = map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE);
		assert_true(whole[i] != DMK_PHYS_ERROR);
	}
	/* Every other slot of 0 and 1 free: half free, no two in a row. */
	for (unsigned int i = 0; i < 2 * DMK_IO_TLB_SEGSIZE; i += 2)
		unmap(f, one[i], SLOT, DMK_DMA_TO_DEVICE);
	assert_true(map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);

	/* A run appears in segment 1 alone: found. */
	for (unsigned int i = 129; i < 144; i += 2)
		unmap(f, one[i], SLOT, DMK_DMA_TO_DEVICE);
	t = map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal((t - f->start) / SEG_BYTES, 1);

	/* Then one in segment 0 too (two segments changed): found. */
	for (unsigned int i = 17; i < 32; i += 2)
		unmap(f, one[i], SLOT, DMK_DMA_TO_DEVICE);
	t = map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal((t - f->start) / SLOT, 16);

	/* The other halves of both runs, then nothing. */
	assert_true(map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE) !=
		    DMK_PHYS_ERROR);
	assert_true(map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE) !=
		    DMK_PHYS_ERROR);
	assert_true(map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);

	/* And a whole segment freed while the record says "miss". */
	unmap(f, whole[1], SEG_BYTES, DMK_DMA_TO_DEVICE);
	t = map(f, f->buf, 8 * SLOT, DMK_DMA_TO_DEVICE);
	assert_int_equal(t, whole[1]);
	test_fix_free(f);
}

static void test_full_pool(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	dmk_phys_t t[4];
	struct dmk_swiotlb_stats st;

	(void)state;
	for (int i = 0; i < 4; i++) {
		t[i] = map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE);
		assert_true(t[i] != DMK_PHYS_ERROR);
	}
	assert_int_equal(test_warnings, 0);
	assert_true(map(f, f->buf, 64, DMK_DMA_TO_DEVICE) == DMK_PHYS_ERROR);
	assert_int_equal(test_warnings, 1);
	assert_string_equal(
		test_last_warning,
		"swiotlb buffer is full (sz: 64 bytes), total 512 (slots), used 512 (slots)");
	/* No clock: quiet until a map succeeds. */
	assert_true(map(f, f->buf, 64, DMK_DMA_TO_DEVICE) == DMK_PHYS_ERROR);
	assert_int_equal(test_warnings, 1);
	/* NO_WARN: counted, not logged. */
	assert_true(dmk_swiotlb_tbl_map_single(
			    f->pool, &f->dev, f->buf, 64, 0, DMK_DMA_TO_DEVICE,
			    DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
	st = test_fix_pool_stats(f);
	assert_int_equal(st.full, 3);
	unmap(f, t[0], SEG_BYTES, DMK_DMA_TO_DEVICE);
	t[0] = map(f, f->buf, 100, DMK_DMA_TO_DEVICE);
	assert_true(t[0] != DMK_PHYS_ERROR);
	/* Larger than a segment: full, whatever is free. */
	assert_true(map(f, f->buf, SEG_BYTES + 1, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);
	assert_int_equal(test_warnings, 2);
	assert_int_equal(test_fix_pool_stats(f).full, 4);
	test_fix_free(f);
}

static void test_full_ratelimit_clock(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, true);

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_true(map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE) !=
			    DMK_PHYS_ERROR);
	for (int i = 0; i < 10; i++)
		map(f, f->buf, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_warnings, 1);
	test_now += 6000000000ULL;
	for (int i = 0; i < 10; i++)
		map(f, f->buf, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_warnings, 2);
	assert_int_equal(test_fix_pool_stats(f).full, 20);
	test_fix_free(f);
}

/* ---- bounce copies ---- */

static void test_bounce_directions(void **state)
{
	static const enum dmk_data_direction dirs[] = {
		DMK_DMA_TO_DEVICE, DMK_DMA_FROM_DEVICE, DMK_DMA_BIDIRECTIONAL};
	struct test_fix *f = fix_new(1 << 20, 1, false);
	const struct dmk_platform *p = &f->tp.plat;

	(void)state;
	for (int d = 0; d < 3; d++) {
		for (int skip = 0; skip < 2; skip++) {
			size_t size = 5000;
			dmk_phys_t t;
			bool back = dirs[d] != DMK_DMA_TO_DEVICE && !skip;

			test_fill(p, f->buf, size, 1);
			t = map(f, f->buf, size, dirs[d]);
			/* At map, every direction copies the original. */
			assert_true(test_check(p, t, size, 1));
			test_fill(p, t, size, 2); /* the device writes */
			dmk_swiotlb_tbl_unmap_single(
				f->pool, &f->dev, t, size, dirs[d],
				skip ? DMK_ATTR_SKIP_CPU_SYNC : 0);
			assert_true(test_check(p, f->buf, size, back ? 2 : 1));
		}
	}
	assert_int_equal(test_warnings, 0);
	test_fix_free(f);
}

/* A device that writes less than the buffer must not leak old data. */
static void test_no_info_leak(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t t, u;

	(void)state;
	test_fill(p, f->buf, 3000, 99); /* a secret */
	t = map(f, f->buf, 3000, DMK_DMA_TO_DEVICE);
	unmap(f, t, 3000, DMK_DMA_TO_DEVICE);
	memset(dmk_phys_to_virt(p, f->buf + 8192), 0x5a, 3000);
	u = map(f, f->buf + 8192, 3000, DMK_DMA_FROM_DEVICE);
	assert_true(u == t);		/* the same, warm slots */
	memset(slotp(f, u), 0x11, 100); /* a short device write */
	unmap(f, u, 3000, DMK_DMA_FROM_DEVICE);
	{
		uint8_t *b = dmk_phys_to_virt(p, f->buf + 8192);

		for (int i = 0; i < 3000; i++)
			assert_int_equal(b[i], i < 100 ? 0x11 : 0x5a);
	}
	test_fix_free(f);
}

static void test_partial_sync(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	const struct dmk_platform *p = &f->tp.plat;
	size_t size = 10000;
	dmk_phys_t orig = f->buf + 777, t;
	uint8_t *o = dmk_phys_to_virt(p, orig);

	(void)state;
	memset(o, 0xaa, size);
	t = map(f, orig, size, DMK_DMA_BIDIRECTIONAL);
	/* Device writes everywhere; the CPU pulls in pieces from any slot. */
	memset(slotp(f, t), 0xbb, size);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + 5000, 100,
					DMK_DMA_FROM_DEVICE);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(o[i], i >= 5000 && i < 5100 ? 0xbb : 0xaa);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + 9999, 1,
					DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(o[9999], 0xbb);
	/* TO_DEVICE syncs copy nothing back. */
	dmk_swiotlb_sync_single_for_cpu(f->pool, t, size, DMK_DMA_TO_DEVICE);
	assert_int_equal(o[0], 0xaa);
	/* CPU writes a piece and pushes it. */
	memset(o + 2048, 0xcc, 10);
	dmk_swiotlb_sync_single_for_device(f->pool, t + 2048, 10,
					   DMK_DMA_TO_DEVICE);
	assert_int_equal(slotp(f, t)[2048], 0xcc);
	assert_int_equal(slotp(f, t)[2058], 0xbb);
	dmk_swiotlb_sync_single_for_device(f->pool, t, 10, DMK_DMA_FROM_DEVICE);
	assert_int_equal(slotp(f, t)[0], 0xbb);
	assert_int_equal(test_warnings, 0);

	/* Past the end: cut to the mapping, with a warning. */
	o[size] = 0x77;
	slotp(f, t)[size] = 0x66;
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + size - 10, 100,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(o[size - 1], 0xbb);
	assert_int_equal(o[size], 0x77);
	assert_int_equal(test_warnings, 1);
	/* Outside any mapping: nothing at all. */
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + size + 4096, 10,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(test_warnings, 2);
	unmap(f, t, size, DMK_DMA_BIDIRECTIONAL);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t, 10, DMK_DMA_FROM_DEVICE);
	assert_int_equal(test_warnings, 3);
	test_fix_free(f);
}

/*
 * Originals the one-slot record cannot hold (at or above 2^40) take the
 * two-slot form: still exact bytes, offsets and partial syncs, both
 * slots in use until the unmap; beyond 53 bits the map is refused.
 */
static void test_high_original(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	const uint64_t high = 1ULL << 41;
	uint8_t *base = f->tp.plat.linear_base;
	dmk_phys_t ram_start = f->tp.plat.ram_start;
	dmk_phys_t ram_end = f->tp.plat.ram_end;
	dmk_phys_t orig, t;
	uint8_t *o;

	(void)state;
	f->dev.min_align_mask = 0x3f;
	/* Shift the linear map: phys high + x is host RAM x (and RAM, for
	 * the bounce's pfn_valid check, is there too). */
	f->tp.plat.linear_base = base - high;
	f->tp.plat.ram_start = ram_start + high;
	f->tp.plat.ram_end = ram_end + high;
	orig = f->buf + high + 0x125;
	o = dmk_phys_to_virt(&f->tp.plat, orig);
	memset(o, 0x5a, 100);
	t = map(f, orig, 100, DMK_DMA_BIDIRECTIONAL);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(t & 0x3f, orig & 0x3f);
	assert_int_equal(test_fix_pool_stats(f).used, 2);
	assert_int_equal(slotp(f, t)[99], 0x5a);
	memset(slotp(f, t), 0xc3, 100);
	dmk_swiotlb_sync_single_for_cpu(f->pool, t + 40, 10,
					DMK_DMA_FROM_DEVICE);
	assert_int_equal(o[39], 0x5a);
	assert_int_equal(o[40], 0xc3);
	assert_int_equal(o[50], 0x5a);
	assert_int_equal(test_warnings, 0);
	unmap(f, t, 100, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(o[99], 0xc3);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	assert_int_equal(test_warnings, 0);

	/* Just below 2^40: one slot. */
	orig = (1ULL << 40) - 4096;
	f->tp.plat.linear_base = base + f->buf - orig;
	f->tp.plat.ram_start = orig - f->buf + ram_start;
	f->tp.plat.ram_end = orig - f->buf + ram_end;
	t = map(f, orig, 64, DMK_DMA_TO_DEVICE);
	assert_true(t != DMK_PHYS_ERROR);
	assert_int_equal(test_fix_pool_stats(f).used, 1);
	unmap(f, t, 64, DMK_DMA_TO_DEVICE);

	f->tp.plat.linear_base = base;
	f->tp.plat.ram_start = ram_start;
	f->tp.plat.ram_end = ram_end;
	assert_true(map(f, 1ULL << 53, 64, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

/* Before the first byte of a mapping, inside its head slot. */
static void test_sync_before_start(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	const struct dmk_platform *p = &f->tp.plat;
	dmk_phys_t orig = f->buf + 4096 + 1000, t;
	uint8_t *o = dmk_phys_to_virt(p, orig);

	(void)state;
	f->dev.min_align_mask = 2047;
	o[-1] = 0x42;
	for (int multi = 0; multi < 2; multi++) {
		size_t size = multi ? 6000 : 500;

		t = map(f, orig, size, DMK_DMA_FROM_DEVICE);
		assert_int_equal(t & 2047, 1000);
		memset(slotp(f, t) - 1000, 0x99, 1000 + size);
		dmk_swiotlb_sync_single_for_cpu(f->pool, t - 1, 2,
						DMK_DMA_FROM_DEVICE);
		assert_int_equal(o[-1], 0x42);
		assert_int_equal(test_warnings, (unsigned)multi + 1);
		unmap(f, t, size, DMK_DMA_FROM_DEVICE);
	}
	test_fix_free(f);
}

static void test_unmap_misuse(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	dmk_phys_t t;

	(void)state;
	t = map(f, f->buf, 8000, DMK_DMA_TO_DEVICE);
	unmap(f, t + 2048, 8000, DMK_DMA_TO_DEVICE); /* not the start */
	assert_int_equal(test_warnings, 1);
	assert_int_equal(test_fix_pool_stats(f).used, 4);
	unmap(f, t, 8000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	unmap(f, t, 8000, DMK_DMA_TO_DEVICE); /* double */
	assert_int_equal(test_warnings, 2);
	unmap(f, f->end + 4096, 10, DMK_DMA_TO_DEVICE); /* not the pool */
	assert_int_equal(test_warnings, 3);
	/* Size differs: warned, everything freed. */
	t = map(f, f->buf, 8000, DMK_DMA_TO_DEVICE);
	unmap(f, t, 7000, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_warnings, 4);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

/* ---- stats ---- */

static void test_stats_hiwater(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 1, false);
	struct dmk_swiotlb_stats st;
	dmk_phys_t a, b;

	(void)state;
	a = map(f, f->buf, 5000, DMK_DMA_TO_DEVICE); /* 3 slots */
	b = map(f, f->buf, 64, DMK_DMA_TO_DEVICE);   /* 1 slot */
	st = test_fix_pool_stats(f);
	assert_int_equal(st.used, 4);
	assert_int_equal(st.used_hiwater, 4);
	assert_int_equal(st.bounced_maps, 2);
	assert_int_equal(st.bounced_bytes, 5064);
	unmap(f, a, 5000, DMK_DMA_TO_DEVICE);
	st = test_fix_pool_stats(f);
	assert_int_equal(st.used, 1);
	assert_int_equal(st.used_hiwater, 4);
	f->tp.plat.ops = &f->tp.ops; /* reset needs a system */
	{
		struct dmk_system sys = {.plat = &f->tp.plat,
					 .swiotlb = f->pool};

		dmk_swiotlb_reset_hiwater(&sys);
		assert_int_equal(dmk_swiotlb_stats(&sys, &st), 0);
		assert_int_equal(st.used_hiwater, 1);
		sys.swiotlb = NULL;
		assert_int_equal(dmk_swiotlb_stats(&sys, &st), -DMK_ENODEV);
	}
	unmap(f, b, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	test_fix_free(f);
}

/* ---- areas ---- */

static void test_areas(void **state)
{
	struct test_fix *f = fix_new(1 << 20, 2, false);
	dmk_phys_t mid, t[5];

	(void)state;
	mid = f->start + (f->end - f->start) / 2;
	test_cpu = 1;
	t[0] = map(f, f->buf, 100, DMK_DMA_TO_DEVICE);
	assert_true(t[0] >= mid); /* area 1 */
	unmap(f, t[0], 100, DMK_DMA_TO_DEVICE);
	test_cpu = 0;
	t[0] = map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE);
	t[1] = map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE);
	assert_true(t[0] < mid && t[1] < mid);
	/* Area 0 full: the next one comes from area 1. */
	t[2] = map(f, f->buf, 100, DMK_DMA_TO_DEVICE);
	assert_true(t[2] != DMK_PHYS_ERROR && t[2] >= mid);
	/* Slot-aligned only, so it can share t[2]'s segment. */
	t[3] = dmk_swiotlb_tbl_map_single(f->pool, &f->dev, f->buf,
					  SEG_BYTES - SLOT, SLOT - 1,
					  DMK_DMA_TO_DEVICE, 0);
	assert_true(t[3] != DMK_PHYS_ERROR && t[3] >= mid);
	assert_int_equal(t[3], t[2] + SLOT);
	t[4] = map(f, f->buf, SEG_BYTES, DMK_DMA_TO_DEVICE);
	assert_true(t[4] != DMK_PHYS_ERROR && t[4] >= mid);
	/* Both full now: only then does a map fail. */
	assert_true(map(f, f->buf, 2 * SLOT, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);
	assert_int_equal(test_warnings, 1);
	test_cpu = 1;
	assert_true(map(f, f->buf, 2 * SLOT, DMK_DMA_TO_DEVICE) ==
		    DMK_PHYS_ERROR);
	unmap(f, t[0], SEG_BYTES, DMK_DMA_TO_DEVICE);
	t[0] = map(f, f->buf, 2 * SLOT, DMK_DMA_TO_DEVICE);
	assert_true(t[0] != DMK_PHYS_ERROR && t[0] < mid);
	assert_int_equal(test_fix_pool_stats(f).nareas, 2);
	test_fix_free(f);
}

static void test_nareas_limited(void **state)
{
	struct test_plat tp;
	struct dmk_swiotlb *pool;
	struct dmk_swiotlb_stats st;

	(void)state;
	/* 3 segments: 8 areas asked, 2 possible (power of two <= 3). */
	test_plat_init(&tp, 16 << 20, false);
	{
		dmk_phys_t phys;
		void *va =
			tp.plat.ops->alloc_pages(tp.plat.ctx, 8, ~0ULL, &phys);

		assert_int_equal(dmk_swiotlb_init_with_buffer(
					 &tp.plat, va, phys,
					 3 * DMK_IO_TLB_SEGSIZE, 8, &pool),
				 0);
		dmk_swiotlb_pool_stats(pool, &st);
		assert_int_equal(st.nareas, 2);
		dmk_swiotlb_free(pool);
		/* A partial last segment is usable up to its end only. */
		assert_int_equal(dmk_swiotlb_init_with_buffer(
					 &tp.plat, va, phys, 130, 1, &pool),
				 0);
		assert_true(dmk_swiotlb_tbl_map_single(
				    pool, NULL, phys, SEG_BYTES, 0,
				    DMK_DMA_TO_DEVICE, 0) == phys);
		assert_true(dmk_swiotlb_tbl_map_single(
				    pool, NULL, phys, 3 * SLOT, 0,
				    DMK_DMA_TO_DEVICE,
				    DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
		assert_true(dmk_swiotlb_tbl_map_single(
				    pool, NULL, phys, 2 * SLOT, 0,
				    DMK_DMA_TO_DEVICE, 0) == phys + SEG_BYTES);
		assert_true(dmk_swiotlb_tbl_map_single(
				    pool, NULL, phys, 1, 0, DMK_DMA_TO_DEVICE,
				    DMK_ATTR_NO_WARN) == DMK_PHYS_ERROR);
		dmk_swiotlb_free(pool);
		assert_int_equal(dmk_swiotlb_init_with_buffer(&tp.plat, va,
							      phys + 100, 128,
							      1, &pool),
				 -DMK_EINVAL);
	}
	test_plat_fini(&tp);
}

/* ---- restricted pools and coherent allocations ---- */

static void test_restricted(void **state)
{
	struct test_plat tp;
	struct dmk_system sys;
	struct dmk_swiotlb *pool;
	struct dmk_device dev;
	dmk_phys_t base, phys, phys2, buf, t;
	struct dmk_device_dma dstate;
	uint8_t *va, *va2;

	(void)state;
	test_plat_init(&tp, 16 << 20, false);
	memset(&sys, 0, sizeof(sys));
	sys.plat = &tp.plat;
	assert_non_null(tp.plat.ops->alloc_pages(tp.plat.ctx, 8, ~0ULL, &base));
	assert_non_null(tp.plat.ops->alloc_pages(tp.plat.ctx, 4, ~0ULL, &buf));
	memset(dmk_phys_to_virt(&tp.plat, base), 0xee, 1 << 20);
	assert_int_equal(
		dmk_swiotlb_create_restricted(&sys, base, 1 << 20, &pool), 0);
	test_device(&dev);
	dev.sys = &sys;
	/* What dmk_device_set_restricted_pool records (mapping.c). */
	dstate = (struct dmk_device_dma){.pool = pool, .restricted_pool = pool};
	dev.dma = &dstate;
	assert_ptr_equal(dmk_dev_swiotlb(&dev), pool);

	va = dmk_swiotlb_alloc(pool, 5000, &phys);
	assert_non_null(va);
	assert_int_equal(phys % 8192, 0); /* 2 pages, aligned to 2 pages */
	assert_ptr_equal(va, dmk_phys_to_virt(&tp.plat, phys));
	for (int i = 0; i < 8192; i++)
		assert_int_equal(va[i], 0);
	va2 = dmk_swiotlb_alloc(pool, 4096, &phys2);
	assert_non_null(va2);
	assert_true(phys2 >= phys + 8192 || phys2 + 4096 <= phys);
	/* A streaming map of the same device shares the pool. */
	test_fill(&tp.plat, buf, 3000, 5);
	t = dmk_swiotlb_tbl_map_single(pool, &dev, buf, 3000, 0,
				       DMK_DMA_TO_DEVICE, 0);
	assert_true(dmk_is_swiotlb_buffer(pool, t));
	assert_true(test_check(&tp.plat, t, 3000, 5));
	/* An allocation is not a mapping, and the reverse. */
	dmk_swiotlb_tbl_unmap_single(pool, &dev, phys, 5000, DMK_DMA_TO_DEVICE,
				     0);
	assert_int_equal(test_warnings, 1);
	assert_true(dmk_swiotlb_free_alloc(pool, t, 3000));
	assert_int_equal(test_warnings, 2);
	dmk_swiotlb_tbl_unmap_single(pool, &dev, t, 3000, DMK_DMA_TO_DEVICE, 0);
	assert_false(dmk_swiotlb_free_alloc(pool, buf, 4096));
	assert_true(dmk_swiotlb_free_alloc(pool, phys, 5000));
	assert_true(dmk_swiotlb_free_alloc(pool, phys2, 4096));
	assert_int_equal(test_warnings, 2);
	assert_null(dmk_swiotlb_alloc(pool, SEG_BYTES + 1, &phys));
	{
		struct dmk_swiotlb_stats st;

		dmk_swiotlb_pool_stats(pool, &st);
		assert_int_equal(st.used, 0);
	}
	dmk_swiotlb_destroy_restricted(pool);
	/* Not RAM. */
	assert_int_equal(
		dmk_swiotlb_create_restricted(&sys, 15 << 20, 2 << 20, &pool),
		-DMK_EINVAL);
	test_plat_fini(&tp);
}

/* ---- churn ---- */

struct live {
	dmk_phys_t orig, tlb;
	size_t size;
	uint32_t seed;
};

static size_t log_uniform(size_t lo, size_t hi)
{
	double r = (double)rand() / RAND_MAX;
	double l = __builtin_log((double)lo), h = __builtin_log((double)hi);

	return (size_t)__builtin_exp(l + r * (h - l));
}

/* Log-uniform sizes 64 B..256 KiB at ~70 % occupancy: the pool keeps
 * every byte and every count right and ends empty. */
static void test_churn(void **state)
{
	enum { MAXLIVE = 4096 };
	struct test_fix *f = fix_new(4 << 20, 2, false);
	const struct dmk_platform *p = &f->tp.plat;
	struct live *live = calloc(MAXLIVE, sizeof(*live));
	dmk_phys_t src;
	unsigned int n = 0, fails = 0;
	uint64_t used_slots = 0;

	(void)state;
	/* 512 KiB + a page of originals, the last one at a random offset. */
	assert_non_null(
		f->tp.plat.ops->alloc_pages(f->tp.plat.ctx, 8, ~0ULL, &src));
	srand(11);
	for (unsigned int i = 0; i < 20000; i++) {
		bool do_map =
			n < MAXLIVE &&
			used_slots * 100 < 70 * test_fix_pool_stats(f).nslabs;

		test_cpu = (unsigned int)rand() % 2;
		if (!do_map && n) {
			unsigned int k = (unsigned int)rand() % n;
			struct live *l = &live[k];

			assert_true(test_check(p, l->tlb, l->size, l->seed));
			unmap(f, l->tlb, l->size, DMK_DMA_TO_DEVICE);
			used_slots -= (l->size + SLOT - 1) / SLOT;
			*l = live[--n];
			continue;
		}
		live[n].size = log_uniform(64, SEG_BYTES);
		live[n].orig = src + (size_t)rand() % 4096;
		live[n].seed = i;
		test_fill(p, live[n].orig, live[n].size, i);
		live[n].tlb = dmk_swiotlb_tbl_map_single(
			f->pool, &f->dev, live[n].orig, live[n].size, 0,
			DMK_DMA_TO_DEVICE, DMK_ATTR_NO_WARN);
		if (live[n].tlb == DMK_PHYS_ERROR) {
			fails++;
			continue;
		}
		used_slots += (live[n].size + SLOT - 1) / SLOT;
		n++;
		assert_int_equal(test_fix_pool_stats(f).used, used_slots);
	}
	/* Contents of every live bounce are intact (no overlap). */
	for (unsigned int k = 0; k < n; k++)
		assert_true(
			test_check(p, live[k].tlb, live[k].size, live[k].seed));
	while (n--)
		unmap(f, live[n].tlb, live[n].size, DMK_DMA_TO_DEVICE);
	assert_int_equal(test_fix_pool_stats(f).used, 0);
	assert_int_equal(test_fix_pool_stats(f).full, fails);
	free(live);
	test_fix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_geometry),
		cmocka_unit_test(test_init_halves),
		cmocka_unit_test(test_init_remap_halves),
		cmocka_unit_test(test_page_alignment),
		cmocka_unit_test(test_alloc_align_mask),
		cmocka_unit_test(test_min_align_mask),
		cmocka_unit_test(test_no_segment_crossing),
		cmocka_unit_test(test_seg_boundary_mask),
		cmocka_unit_test(test_full_pool),
		cmocka_unit_test(test_full_ratelimit_clock),
		cmocka_unit_test(test_bounce_directions),
		cmocka_unit_test(test_no_info_leak),
		cmocka_unit_test(test_partial_sync),
		cmocka_unit_test(test_sync_before_start),
		cmocka_unit_test(test_high_original),
		cmocka_unit_test(test_unmap_misuse),
		cmocka_unit_test(test_stats_hiwater),
		cmocka_unit_test(test_areas),
		cmocka_unit_test(test_nareas_limited),
		cmocka_unit_test(test_restricted),
		cmocka_unit_test(test_partial_miss_record),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
