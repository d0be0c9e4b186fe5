/* SPDX-License-Identifier: MIT */
/*
 * p2m.c alone: the sorted range map, the PV reverse hash, and what
 * pfn_to_bfn / bfn_to_pfn answer in each mode.  No hypervisor needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "xen-internal.h"

/* ---- the range map ---- */

static void test_rangemap_lookup_and_overlap(void **state)
{
	struct dmk_xen_rangemap m;
	enum dmk_xen_frame_kind kind;
	uint64_t t;

	(void)state;
	dmk_xen_rangemap_init(&m, false);
	assert_int_equal(dmk_xen_rangemap_insert(&m, 100, 64, 5000,
						 DMK_XEN_FRAME_PINNED),
			 0);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 10, 1, 77, DMK_XEN_FRAME_FOREIGN),
		0);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 300, 1, 78, DMK_XEN_FRAME_FOREIGN),
		0);
	/* Overlaps on either side and zero-length ranges are refused. */
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 163, 2, 1, DMK_XEN_FRAME_FOREIGN),
		-DMK_EINVAL);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 90, 11, 1, DMK_XEN_FRAME_FOREIGN),
		-DMK_EINVAL);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 200, 0, 1, DMK_XEN_FRAME_FOREIGN),
		-DMK_EINVAL);
	assert_int_equal(dmk_xen_rangemap_count(&m), 3);

	assert_true(dmk_xen_rangemap_lookup(&m, 100, &t, &kind));
	assert_int_equal(t, 5000);
	assert_int_equal(kind, DMK_XEN_FRAME_PINNED);
	assert_true(dmk_xen_rangemap_lookup(&m, 163, &t, NULL));
	assert_int_equal(t, 5063);
	assert_false(dmk_xen_rangemap_lookup(&m, 164, &t, NULL));
	assert_false(dmk_xen_rangemap_lookup(&m, 99, &t, NULL));
	assert_false(dmk_xen_rangemap_lookup(&m, 0, &t, NULL));
	assert_true(dmk_xen_rangemap_lookup(&m, 10, &t, &kind));
	assert_int_equal(t, 77);
	assert_int_equal(kind, DMK_XEN_FRAME_FOREIGN);

	/* Removal needs the exact start and target. */
	assert_int_equal(dmk_xen_rangemap_remove(&m, 101, 5001), -DMK_EINVAL);
	assert_int_equal(dmk_xen_rangemap_remove(&m, 100, 4999), -DMK_EINVAL);
	assert_int_equal(dmk_xen_rangemap_remove(&m, 100, 5000), 0);
	assert_false(dmk_xen_rangemap_lookup(&m, 120, &t, NULL));
	assert_true(dmk_xen_rangemap_lookup(&m, 300, &t, NULL));
	assert_int_equal(dmk_xen_rangemap_count(&m), 2);
	dmk_xen_rangemap_destroy(&m);
}

/* One machine frame mapped at two guest frames: the reverse map keeps
 * both and forgets exactly the one unmapped. */
static void test_rangemap_duplicate_starts(void **state)
{
	struct dmk_xen_rangemap m;
	uint64_t t;

	(void)state;
	dmk_xen_rangemap_init(&m, true);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 9000, 1, 10, DMK_XEN_FRAME_FOREIGN),
		0);
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 9000, 1, 20, DMK_XEN_FRAME_FOREIGN),
		0);
	/* A different length at the same start is an overlap. */
	assert_int_equal(
		dmk_xen_rangemap_insert(&m, 9000, 2, 30, DMK_XEN_FRAME_FOREIGN),
		-DMK_EINVAL);
	assert_int_equal(dmk_xen_rangemap_remove(&m, 9000, 20), 0);
	assert_true(dmk_xen_rangemap_lookup(&m, 9000, &t, NULL));
	assert_int_equal(t, 10);
	assert_int_equal(dmk_xen_rangemap_remove(&m, 9000, 10), 0);
	assert_false(dmk_xen_rangemap_lookup(&m, 9000, &t, NULL));
	dmk_xen_rangemap_destroy(&m);
}

/* Many ranges inserted out of order stay sorted and searchable. */
static void test_rangemap_many(void **state)
{
	struct dmk_xen_rangemap m;
	uint64_t t;

	(void)state;
	dmk_xen_rangemap_init(&m, false);
	for (uint64_t i = 0; i < 2000; i++) {
		uint64_t k = (i * 7919) % 2000; /* a permutation */

		assert_int_equal(dmk_xen_rangemap_insert(&m, k * 4, 2, k * 100,
							 DMK_XEN_FRAME_FOREIGN),
				 0);
	}
	for (uint64_t k = 0; k < 2000; k++) {
		assert_true(dmk_xen_rangemap_lookup(&m, k * 4 + 1, &t, NULL));
		assert_int_equal(t, k * 100 + 1);
		assert_false(dmk_xen_rangemap_lookup(&m, k * 4 + 2, &t, NULL));
	}
	dmk_xen_rangemap_destroy(&m);
}

/* ---- the PV reverse map ---- */

static void test_m2p_set_get_delete(void **state)
{
	struct dmk_xen_m2p h;
	const uint64_t n = 20000;

	(void)state;
	assert_int_equal(dmk_xen_m2p_init(&h, 16), 0);
	/* Grows past its first size; keys chosen to collide in runs. */
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(dmk_xen_m2p_set(&h, 0x80000 + i * 3, i), 0);
	assert_int_equal(h.n, n);
	for (uint64_t i = 0; i < n; i += 2)
		dmk_xen_m2p_del(&h, 0x80000 + i * 3, i);
	/* A delete naming another pfn leaves the entry alone. */
	dmk_xen_m2p_del(&h, 0x80000 + 1 * 3, 12345);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t want = (i & 1) ? i : DMK_INVALID_BFN;

		assert_int_equal(dmk_xen_m2p_get(&h, 0x80000 + i * 3), want);
	}
	/* Re-setting a frame moves it to its new pfn. */
	assert_int_equal(dmk_xen_m2p_set(&h, 0x80003, 777), 0);
	assert_int_equal(dmk_xen_m2p_get(&h, 0x80003), 777);
	assert_int_equal(dmk_xen_m2p_set(&h, DMK_INVALID_BFN, 1), -DMK_EINVAL);
	dmk_xen_m2p_destroy(&h);
}

/* ---- pfn_to_bfn / bfn_to_pfn per mode ---- */

struct fixture {
	struct dmk_platform_ops ops;
	struct dmk_platform plat;
	struct dmk_system sys;
	struct dmk_xen xen;
	uint64_t mfn_list[256];
};

static struct fixture *fixture_new(enum dmk_xen_mode mode)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->plat.ops = &f->ops;
	f->plat.xen = true;
	f->plat.ram_start = 0x40000000;
	f->plat.ram_end = 0x40000000 + (256UL << DMK_PAGE_SHIFT);
	f->sys.plat = &f->plat;
	f->xen.sys = &f->sys;
	f->xen.plat = &f->plat;
	f->xen.mode = mode;
	if (mode == DMK_XEN_MODE_PV) {
		f->plat.ram_start = 0;
		f->plat.ram_end = 256UL << DMK_PAGE_SHIFT;
		/* Pseudo-physical frames scattered backwards in machine RAM. */
		for (unsigned int i = 0; i < 256; i++)
			f->mfn_list[i] = 0x9000 - i;
		f->mfn_list[17] = DMK_INVALID_BFN; /* ballooned */
		f->plat.xen_pv = true;
		f->plat.xen_pv_p2m = f->mfn_list;
		f->plat.xen_pv_nr_pages = 256;
	}
	assert_int_equal(dmk_xen_p2m_init(&f->xen), 0);
	return f;
}

static void fixture_free(struct fixture *f)
{
	dmk_xen_p2m_exit(&f->xen);
	free(f);
}

static void test_1to1_identity_plus_foreign(void **state)
{
	struct fixture *f = fixture_new(DMK_XEN_MODE_1TO1);
	uint64_t pfn = 0x40010;

	(void)state;
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn), pfn);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, pfn), pfn);
	/* A foreign page: its machine frame, and back. */
	assert_int_equal(dmk_xen_p2m_add(&f->xen, pfn, 0x77777, 1,
					 DMK_XEN_FRAME_FOREIGN),
			 0);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn), 0x77777);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x77777), pfn);
	assert_true(dmk_xen_pfn_is_foreign(&f->xen, pfn));
	assert_false(dmk_xen_pfn_is_foreign(&f->xen, pfn + 1));
	/* A frame outside our RAM that we do not map is nobody we know. */
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x77778),
			 DMK_INVALID_BFN);
	/* The same gfn cannot hold two foreign pages. */
	assert_int_equal(dmk_xen_p2m_add(&f->xen, pfn, 0x88888, 1,
					 DMK_XEN_FRAME_FOREIGN),
			 -DMK_EINVAL);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x88888),
			 DMK_INVALID_BFN);
	dmk_xen_p2m_del(&f->xen, pfn, 0x77777);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn), pfn);
	fixture_free(f);
}

static void test_pinned_mode_knows_only_recorded_frames(void **state)
{
	struct fixture *f = fixture_new(DMK_XEN_MODE_PINNED);
	uint64_t pfn = 0x40040;

	(void)state;
	/* Ordinary RAM of a guest that is not 1:1: unknown. */
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn), DMK_INVALID_BFN);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, pfn), DMK_INVALID_BFN);
	assert_int_equal(dmk_xen_p2m_add(&f->xen, pfn, 0x12000, 64,
					 DMK_XEN_FRAME_PINNED),
			 0);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn + 63), 0x1203f);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, pfn + 64),
			 DMK_INVALID_BFN);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x12010), pfn + 16);
	assert_false(dmk_xen_pfn_is_foreign(&f->xen, pfn));
	fixture_free(f);
}

static void test_pv_own_p2m(void **state)
{
	struct fixture *f = fixture_new(DMK_XEN_MODE_PV);

	(void)state;
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, 5), 0x9000 - 5);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x9000 - 5), 5);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, 17), DMK_INVALID_BFN);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, 4096),
			 DMK_INVALID_BFN);
	/* An exchange gave pfn 5 a new frame: both directions follow. */
	dmk_xen_pv_set(&f->xen, 5, 0x20000);
	assert_int_equal(dmk_xen_p2m_pfn_to_bfn(&f->xen, 5), 0x20000);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x20000), 5);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x9000 - 5),
			 DMK_INVALID_BFN);
	dmk_xen_pv_set(&f->xen, 5, DMK_INVALID_BFN);
	assert_int_equal(dmk_xen_p2m_bfn_to_pfn(&f->xen, 0x20000),
			 DMK_INVALID_BFN);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rangemap_lookup_and_overlap),
		cmocka_unit_test(test_rangemap_duplicate_starts),
		cmocka_unit_test(test_rangemap_many),
		cmocka_unit_test(test_m2p_set_get_delete),
		cmocka_unit_test(test_1to1_identity_plus_foreign),
		cmocka_unit_test(test_pinned_mode_knows_only_recorded_frames),
		cmocka_unit_test(test_pv_own_p2m),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
