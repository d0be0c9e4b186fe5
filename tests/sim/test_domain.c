// SPDX-License-Identifier: MIT
/* Domains: p2m, the linear map of real host mappings, uncached aliases. */
#include "simtest.h"

#define GFN_BASE 0x40000ULL

static struct sim_machine *machine(void)
{
	return two_bank_machine(32 * MiB, 32 * MiB);
}

static void test_fragmentation_really_fragments(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t pages = 4096, g, breaks = 0, backwards = 0, prev = 0;
	uint8_t *seen = calloc(m->nr_frames, 1);

	(void)state;
	assert_int_equal(
		sim_domain_create(&d, m, 1, GFN_BASE, pages, false, 8, 7), 0);
	assert_int_equal(d->nr_gfns, pages);
	assert_int_equal(d->nr_pages, pages);
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames - pages);
	for (g = GFN_BASE; g < GFN_BASE + pages; g++) {
		enum sim_p2m_type t;
		uint64_t mfn = sim_domain_gfn_to_mfn(d, g, &t);
		int64_t idx = sim_mfn_index(m, mfn);

		assert_int_equal(t, SIM_P2M_RAM);
		assert_true(idx >= 0);
		assert_int_equal(m->owner[idx], 1);
		assert_int_equal(seen[idx]++, 0); /* every frame once */
		if (g > GFN_BASE && mfn != prev + 1)
			breaks++;
		if (g > GFN_BASE && mfn < prev)
			backwards++;
		prev = mfn;
	}
	/* Runs of 1..8 frames: at least pages/8 discontinuities, and the
	 * runs are shuffled, not merely spaced. */
	assert_true(breaks >= pages / 8);
	assert_true(backwards >= pages / 32);
	/* Memory came from the top of the machine (Xen's heap order). */
	assert_int_equal(m->owner[m->nr_frames - 1], 1);
	assert_int_equal(m->owner[0], SIM_DOMID_FREE);
	/* Outside the span: no frame. */
	assert_int_equal(sim_domain_gfn_to_mfn(d, GFN_BASE - 1, NULL),
			 SIM_INVALID_MFN);
	assert_int_equal(sim_domain_gfn_to_mfn(d, GFN_BASE + pages, NULL),
			 SIM_INVALID_MFN);
	/* One host mapping per run, far fewer than pages. */
	assert_true(d->host_mappings <= breaks + 1);
	assert_true(d->host_mappings > pages / 8);
	assert_int_equal(sim_pagealloc_free_pages(d->alloc), pages);
	sim_domain_destroy(d);
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames);
	free(seen);
	sim_machine_destroy(m);
}

static void test_seed_is_deterministic(void **state)
{
	struct sim_machine *m1 = machine(), *m2 = machine();
	struct sim_domain *a, *b;
	uint64_t g;

	(void)state;
	assert_int_equal(sim_domain_create(&a, m1, 1, 0, 1000, false, 16, 9),
			 0);
	assert_int_equal(sim_domain_create(&b, m2, 1, 0, 1000, false, 16, 9),
			 0);
	for (g = 0; g < 1000; g++)
		assert_int_equal(sim_domain_gfn_to_mfn(a, g, NULL),
				 sim_domain_gfn_to_mfn(b, g, NULL));
	sim_domain_destroy(a);
	sim_domain_destroy(b);
	sim_machine_destroy(m1);
	sim_machine_destroy(m2);
}

static void test_linear_map_is_the_machine(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g = GFN_BASE + 10, mfn;
	uint8_t *va;

	(void)state;
	assert_int_equal(sim_domain_create(&d, m, 1, GFN_BASE, 64, false, 2, 3),
			 0);
	mfn = sim_domain_gfn_to_mfn(d, g, NULL);
	va = d->linear + (g << 12);
	/* A CPU store through the linear map lands in C. */
	va[100] = 0xab;
	assert_int_equal(m->c[img(m, (mfn << 12) + 100)], 0xab);
	assert_int_equal(m->d[img(m, (mfn << 12) + 100)], 0);
	/* And C is what the CPU reads. */
	m->c[img(m, (mfn << 12) + 200)] = 0xcd;
	assert_int_equal(va[200], 0xcd);
	/* Guest-contiguous is CPU-contiguous across machine fragments. */
	memset(d->linear + (GFN_BASE << 12), 0x5e, 64 * 4096);
	for (g = GFN_BASE; g < GFN_BASE + 64; g++) {
		mfn = sim_domain_gfn_to_mfn(d, g, NULL);
		assert_int_equal(m->c[img(m, (mfn << 12) + 4095)], 0x5e);
	}
	sim_domain_destroy(d);
	sim_machine_destroy(m);
}

static void test_direct_mapped_with_holes(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t lo = 0x40000, hi = 0x100000, lo_frames = (32 * MiB) >> 12;

	(void)state;
	/* Take the low bank (one frame already gone) and 100 high frames. */
	assert_true(sim_machine_claim_frame(m, lo + 5, SIM_DOMID_XEN));
	assert_int_equal(
		sim_domain_create(&d, m, 0, lo, lo_frames + 99, true, 0, 0), 0);
	assert_int_equal(d->gfn_base, lo);
	assert_int_equal(d->nr_gfns, hi + 100 - lo);
	assert_int_equal(sim_domain_gfn_to_mfn(d, lo + 4, NULL), lo + 4);
	assert_int_equal(sim_domain_gfn_to_mfn(d, lo + 5, NULL),
			 SIM_INVALID_MFN);
	assert_int_equal(sim_domain_gfn_to_mfn(d, lo + lo_frames, NULL),
			 SIM_INVALID_MFN); /* the hole between the banks */
	assert_int_equal(sim_domain_gfn_to_mfn(d, hi + 99, NULL), hi + 99);
	assert_int_equal(sim_domain_gfn_to_mfn(d, hi + 100, NULL),
			 SIM_INVALID_MFN);
	/* Two runs in the low bank, one in the high one. */
	assert_int_equal(d->host_mappings, 3);
	/* The allocator only has RAM. */
	assert_int_equal(sim_pagealloc_free_pages(d->alloc), lo_frames + 99);
	d->linear[((hi + 99) << 12) + 4095] = 1;
	assert_int_equal(m->c[img(m, ((hi + 99) << 12) + 4095)], 1);
	sim_domain_destroy(d);
	/* The frame the hypervisor holds is not the domain's to free. */
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames - 1);
	sim_machine_destroy(m);
}

static void touch(void *p)
{
	*(volatile uint8_t *)p = 1;
}

static void test_set_p2m_remaps(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g = GFN_BASE + 3, old, fresh;
	enum sim_p2m_type t;
	uint8_t *va;

	(void)state;
	assert_int_equal(sim_domain_create(&d, m, 1, GFN_BASE, 16, false, 4, 5),
			 0);
	va = d->linear + (g << 12);
	old = sim_domain_gfn_to_mfn(d, g, NULL);
	fresh = sim_machine_alloc_extent(m, 0, 0, 1);
	sim_mem_fill(m, fresh << 12, 0x3c, 4096);
	va[0] = 0x11;

	/* The hypervisor moves the page: the CPU sees the new frame. */
	assert_int_equal(sim_domain_set_p2m(d, g, fresh, SIM_P2M_RAM), 0);
	assert_int_equal(sim_domain_gfn_to_mfn(d, g, &t), fresh);
	assert_int_equal(va[0], 0x3c);
	va[1] = 0x22;
	assert_int_equal(m->c[img(m, (fresh << 12) + 1)], 0x22);
	assert_int_equal(m->c[img(m, old << 12)], 0x11);

	/* Pinning follows the entry and is dropped when the frame moves. */
	assert_int_equal(sim_domain_set_pinned(d, g, true), 0);
	assert_true(sim_domain_is_pinned(d, g));
	assert_int_equal(sim_domain_set_p2m(d, g, old, SIM_P2M_RAM), 0);
	assert_false(sim_domain_is_pinned(d, g));

	/* A hole: no frame, and a CPU access faults. */
	assert_int_equal(sim_domain_set_p2m(d, g, SIM_INVALID_MFN, SIM_P2M_RAM),
			 0);
	assert_int_equal(sim_domain_gfn_to_mfn(d, g, &t), SIM_INVALID_MFN);
	assert_int_equal(t, SIM_P2M_INVALID);
	assert_int_equal(d->nr_pages, 15);
	assert_true(dies_with(touch, va, SIGSEGV));
	assert_int_equal(sim_domain_set_pinned(d, g, true), -EINVAL);

	/* A read-only foreign page: readable, a store faults. */
	assert_int_equal(sim_domain_set_p2m(d, g, fresh, SIM_P2M_FOREIGN_RO),
			 0);
	assert_int_equal(va[1], 0x22);
	assert_true(dies_with(touch, va, SIGSEGV));
	assert_int_equal(d->nr_pages, 15);

	/* Bad arguments change nothing. */
	assert_int_equal(
		sim_domain_set_p2m(d, GFN_BASE + 16, fresh, SIM_P2M_RAM),
		-EINVAL);
	assert_int_equal(sim_domain_set_p2m(d, g, 0x12, SIM_P2M_RAM), -EINVAL);
	assert_int_equal(sim_domain_gfn_to_mfn(d, g, &t), fresh);
	assert_int_equal(t, SIM_P2M_FOREIGN_RO);
	sim_domain_destroy(d);
	/* old went back to the heap with the domain; fresh too (domid 1). */
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames);
	sim_machine_destroy(m);
}

static void test_uncached_alias(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g = GFN_BASE + 4, mfn0, mfn1, fresh;
	uint8_t *uc;

	(void)state;
	assert_int_equal(
		sim_domain_create(&d, m, 1, GFN_BASE, 32, false, 1, 11), 0);
	mfn0 = sim_domain_gfn_to_mfn(d, g, NULL);
	mfn1 = sim_domain_gfn_to_mfn(d, g + 1, NULL);
	uc = sim_domain_map_uncached(d, g << 12, 2 * 4096);
	assert_non_null(uc);
	/* Stores through the alias go straight to DRAM. */
	uc[4096 + 7] = 0x42;
	assert_int_equal(m->d[img(m, (mfn1 << 12) + 7)], 0x42);
	assert_int_equal(m->c[img(m, (mfn1 << 12) + 7)], 0);
	/* And the alias reads DRAM, not the CPU's dirty line. */
	d->linear[g << 12] = 0x99;
	assert_int_equal(uc[0], 0);
	assert_int_equal(m->d[img(m, mfn0 << 12)], 0);

	/* The alias follows stage-2 when the frame behind it changes. */
	fresh = sim_machine_alloc_extent(m, 0, 0, 1);
	sim_mem_fill(m, fresh << 12, 0x17, 4096);
	assert_int_equal(sim_domain_set_p2m(d, g + 1, fresh, SIM_P2M_RAM), 0);
	assert_int_equal(uc[4096 + 7], 0x17);
	uc[4096] = 0x18;
	assert_int_equal(m->d[img(m, fresh << 12)], 0x18);

	/* An alias with an offset, and one over a hole is refused. */
	assert_int_equal(
		*(uint8_t *)sim_domain_map_uncached(d, ((g + 1) << 12) + 7, 1),
		0x17);
	assert_int_equal(sim_domain_set_p2m(d, g + 8, SIM_INVALID_MFN, 0), 0);
	assert_null(sim_domain_map_uncached(d, (g + 7) << 12, 2 * 4096));
	sim_domain_unmap_uncached(d, uc, 2 * 4096);
	sim_domain_destroy(d); /* also drops the second alias */
	sim_machine_destroy(m);
}

/*
 * A vmap of guest frames in any order: page i reaches the frame behind
 * gfns[i], through the cache (C) for the cacheable type, to DRAM (D)
 * for the others, whose type it reports; it follows stage-2 as the
 * linear map does, and goes away with vunmap.
 */
static void test_vmap(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g = GFN_BASE + 4, fresh;
	uint64_t gfns[3] = {g + 5, g, g + 9};
	uint8_t *c, *nc;

	(void)state;
	assert_int_equal(
		sim_domain_create(&d, m, 1, GFN_BASE, 32, false, 1, 17), 0);
	c = sim_domain_vmap(d, gfns, 3, DMK_VMAP_CACHED);
	nc = sim_domain_vmap(d, gfns, 3, DMK_VMAP_WRITE_COMBINE);
	assert_non_null(c);
	assert_non_null(nc);
	assert_int_equal(sim_domain_vmap_type(d, c + 3 * 4096 - 1),
			 DMK_VMAP_CACHED);
	assert_int_equal(sim_domain_vmap_type(d, nc), DMK_VMAP_WRITE_COMBINE);
	assert_int_equal(sim_domain_vmap_type(d, d->linear + (g << 12)), -1);
	assert_false(sim_domain_is_uncached(d, c));
	assert_true(sim_domain_is_uncached(d, nc + 4096));
	for (int i = 0; i < 3; i++) {
		uint64_t ma = sim_domain_gfn_to_mfn(d, gfns[i], NULL) << 12;

		/* Cacheable: the linear map's bytes, the cache's line. */
		c[i * 4096 + 5] = (uint8_t)(0x30 + i);
		assert_int_equal(d->linear[(gfns[i] << 12) + 5], 0x30 + i);
		assert_int_equal(m->c[img(m, ma + 5)], 0x30 + i);
		assert_int_equal(m->d[img(m, ma + 5)], 0);
		/* Non-cacheable: DRAM, past the cache. */
		nc[i * 4096 + 9] = (uint8_t)(0x40 + i);
		assert_int_equal(m->d[img(m, ma + 9)], 0x40 + i);
		assert_int_equal(m->c[img(m, ma + 9)], 0);
	}
	/* Both follow stage-2 when the frame behind page 1 changes. */
	fresh = sim_machine_alloc_extent(m, 0, 0, 1);
	sim_mem_fill(m, fresh << 12, 0x17, 4096);
	assert_int_equal(sim_domain_set_p2m(d, g, fresh, SIM_P2M_RAM), 0);
	assert_int_equal(c[4096 + 100], 0x17);
	assert_int_equal(nc[4096 + 100], 0x17);
	assert_int_equal(c[100], 0); /* page 0's frame did not move */
	/* A hole is refused; vunmap ends a vmap. */
	assert_int_equal(sim_domain_set_p2m(d, g + 9, SIM_INVALID_MFN, 0), 0);
	assert_null(sim_domain_vmap(d, gfns, 3, DMK_VMAP_DMA_COHERENT));
	sim_domain_vunmap(d, c);
	assert_int_equal(sim_domain_vmap_type(d, c), -1);
	sim_domain_destroy(d); /* also drops nc */
	sim_machine_destroy(m);
}

static void test_set_p2m_range_and_scrub(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g = GFN_BASE + 16, ext, mappings, i;
	uint8_t *va, *uc;

	(void)state;
	assert_int_equal(
		sim_domain_create(&d, m, 1, GFN_BASE, 64, false, 1, 13), 0);
	mappings = d->host_mappings;
	va = d->linear + (g << 12);
	uc = sim_domain_map_uncached(d, g << 12, 8 * 4096);
	memset(va, 0x77, 8 * 4096);
	/* An exchange: 8 guest frames onto one machine-contiguous extent. */
	ext = sim_machine_alloc_extent(m, 3, 0, 1);
	sim_mem_fill(m, ext << 12, 0x0f, 8 * 4096);
	assert_int_equal(sim_domain_set_p2m_range(d, g, SIM_INVALID_MFN, 8, 0),
			 0);
	assert_int_equal(d->nr_pages, 56);
	assert_int_equal(sim_domain_set_p2m_range(d, g, ext, 8, SIM_P2M_RAM),
			 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(sim_domain_gfn_to_mfn(d, g + i, NULL),
				 ext + i);
	assert_int_equal(d->nr_pages, 64);
	assert_int_equal(va[8 * 4096 - 1], 0x0f);
	assert_int_equal(uc[5 * 4096], 0x0f); /* the alias followed */
	/* Eight single-frame runs became one. */
	assert_int_equal(d->host_mappings, mappings - 7);

	/* The hypervisor's scrub of whole frames: every view reads zero,
	 * the linear map and the uncached alias included. */
	va[10] = 0x55;
	sim_cache_clean(m, (ext << 12) + 10, 1);
	sim_mem_fill(m, ext << 12, 0, 2 * 4096);
	assert_int_equal(va[10], 0);
	assert_int_equal(uc[10], 0);
	assert_int_equal(m->s[img(m, (ext << 12) + 10)], 0);
	assert_int_equal(va[2 * 4096], 0x0f);
	/* A partial zero fill writes zeros. */
	sim_mem_fill(m, (ext << 12) + 2 * 4096 + 1, 0, 10);
	assert_int_equal(va[2 * 4096], 0x0f);
	assert_int_equal(va[2 * 4096 + 10], 0);
	assert_int_equal(va[2 * 4096 + 11], 0x0f);

	/* Ranges past the span or over non-RAM frames are refused. */
	assert_int_equal(
		sim_domain_set_p2m_range(d, GFN_BASE + 60, ext, 8, SIM_P2M_RAM),
		-EINVAL);
	assert_int_equal(sim_domain_set_p2m_range(d, g, 0x40000 + 8192 - 4, 8,
						  SIM_P2M_RAM),
			 -EINVAL);
	assert_int_equal(sim_domain_gfn_to_mfn(d, g, NULL), ext);
	sim_domain_unmap_uncached(d, uc, 8 * 4096);
	sim_domain_destroy(d);
	sim_machine_destroy(m);
}

static void bad_unmap(void *p)
{
	struct sim_domain *d = p;

	sim_domain_unmap_uncached(d, d->linear, 4096);
}

static void test_pv_and_errors(void **state)
{
	struct sim_machine *m = machine();
	struct sim_domain *d = NULL;
	uint64_t g;

	(void)state;
	assert_int_equal(
		sim_domain_create(&d, m, 0, 0, m->nr_frames + 1, false, 4, 1),
		-EINVAL);
	assert_int_equal(sim_domain_create(&d, m, 1, 0, 10, false, 0, 1),
			 -EINVAL);
	assert_int_equal(
		sim_domain_create(&d, m, SIM_DOMID_FREE, 0, 10, false, 4, 1),
		-EINVAL);
	/* Not enough free frames above a 1:1 base: nothing is kept. */
	assert_int_equal(
		sim_domain_create(&d, m, 2, 0x100000, 9000, true, 0, 1),
		-ENOMEM);
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames);

	assert_int_equal(sim_domain_create(&d, m, 0, 0, 300, false, 16, 1), 0);
	assert_int_equal(sim_domain_make_pv(d), 0);
	assert_true(d->pv);
	for (g = 0; g < 300; g++)
		assert_int_equal(d->pv_p2m[g],
				 sim_domain_gfn_to_mfn(d, g, NULL));
	assert_true(dies_with(bad_unmap, d, SIGABRT));
	sim_domain_destroy(d);
	sim_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragmentation_really_fragments),
		cmocka_unit_test(test_seed_is_deterministic),
		cmocka_unit_test(test_linear_map_is_the_machine),
		cmocka_unit_test(test_direct_mapped_with_holes),
		cmocka_unit_test(test_set_p2m_remaps),
		cmocka_unit_test(test_uncached_alias),
		cmocka_unit_test(test_vmap),
		cmocka_unit_test(test_set_p2m_range_and_scrub),
		cmocka_unit_test(test_pv_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
