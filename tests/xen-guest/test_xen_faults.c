/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer when the hypervisor fails part-way, one test per bug
 * `dmakit faults` found (docs/faults.md): the failure is injected by
 * the simulated platform (platform/sim/faults.h) exactly where the sweep
 * put it, and the world is checked for what the bug broke.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "faults.h"
#include "world.h"
#include "xen-internal.h"

static struct sim_world *world(const char *name)
{
	struct sim_world_options o;
	struct sim_world_desc desc;
	struct sim_world *w = NULL;
	char err[256];

	assert_int_equal(sim_platform_desc(name, &desc, err, sizeof(err)), 0);
	sim_world_options_default(&o);
	o.seed = 42;
	o.cfg.swiotlb_bytes = 4UL << 20;
	if (sim_world_build(&desc, &o, &w, err, sizeof(err)))
		fail_msg("world %s: %s", name, err);
	return w;
}

static uint64_t mfn_of(struct sim_domain *d, dmk_phys_t phys)
{
	return sim_domain_gfn_to_mfn(d, phys >> DMK_PAGE_SHIFT, NULL);
}

/*
 * x86 PV, xen_create_contiguous_region: zap (multicall), exchange,
 * remap (multicall), m2p (mmu_update).  The remap's multicall fails one
 * entry: that page was left unmapped from the linear map, and the first
 * touch of the new region faulted (the sweep's crash).  Each failed
 * entry is now retried on its own.
 */
static void test_pv_remap_multicall_entry_fails(void **state)
{
	for (uint64_t seed = 0; seed < 4; seed++) {
		struct sim_world *w = world("x86-pv-dom0");
		struct sim_world_guest *g = &w->guests[0];
		const struct dmk_platform *plat = &g->pd.plat;
		struct sim_faults f;
		dmk_phys_t phys;
		dmk_maddr_t ma;
		uint8_t *va;
		int rc;

		(void)state;
		va = plat->ops->alloc_pages(plat->ctx, 3, ~0ULL, &phys);
		assert_non_null(va);
		/* Call 3 is the remap; the seed picks the failing entry. */
		sim_faults_init(&f, SIM_FAULTS_NTH, 3, seed);
		g->pd.faults = &f;
		rc = dmk_xen_create_contiguous_region(g->sys, phys, 3, 32, &ma);
		g->pd.faults = NULL;
		assert_int_equal(f.injected, 1);
		assert_string_equal(f.first.what, "multicall");
		assert_int_equal(rc, 0);
		/* Every page mapped, at the frame the library believes. */
		memset(va, 0x5a, 8 * DMK_PAGE_SIZE);
		for (int i = 0; i < 8; i++) {
			dmk_phys_t p = phys + ((uint64_t)i << 12);

			assert_int_equal(va[i * DMK_PAGE_SIZE + 9], 0x5a);
			assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12),
					 mfn_of(g->dom, p));
			assert_int_equal(mfn_of(g->dom, p),
					 (ma.maddr >> 12) + (uint64_t)i);
		}
		dmk_xen_destroy_contiguous_region(g->sys, phys, 3);
		plat->ops->free_pages(plat->ctx, phys, 3);
		sim_faults_destroy(&f);
		sim_world_destroy(w);
	}
}

/*
 * x86 PV, xen_destroy_contiguous_region: zap (multicall, call 1), the
 * exchange back to order-0 frames anywhere (call 2), remap, m2p.  The
 * exchange failing once left the region contiguous and counted for
 * good (the sweep's leak); it is now tried once more.
 */
static void test_pv_destroy_exchange_fails_once(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");
	struct sim_world_guest *g = &w->guests[0];
	const struct dmk_platform *plat = &g->pd.plat;
	struct dmk_xen_stats st0, st;
	struct sim_faults f;
	dmk_phys_t phys;
	dmk_maddr_t ma;
	uint8_t *va;

	(void)state;
	va = plat->ops->alloc_pages(plat->ctx, 3, ~0ULL, &phys);
	assert_non_null(va);
	assert_int_equal(dmk_xen_stats(g->sys, &st0), 0);
	assert_int_equal(
		dmk_xen_create_contiguous_region(g->sys, phys, 3, 32, &ma), 0);
	sim_faults_init(&f, SIM_FAULTS_NTH, 2, 1);
	g->pd.faults = &f;
	dmk_xen_destroy_contiguous_region(g->sys, phys, 3);
	g->pd.faults = NULL;
	assert_int_equal(f.injected, 1);
	assert_string_equal(f.first.what, "memory_op exchange");
	assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
	assert_int_equal(st.contig_regions, st0.contig_regions);
	memset(va, 0x33, 8 * DMK_PAGE_SIZE);
	for (int i = 0; i < 8; i++) {
		dmk_phys_t p = phys + ((uint64_t)i << 12);

		assert_int_equal(va[i * DMK_PAGE_SIZE], 0x33);
		assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12),
				 mfn_of(g->dom, p));
	}
	plat->ops->free_pages(plat->ctx, phys, 3);
	sim_faults_destroy(&f);
	sim_world_destroy(w);
}

/*
 * ARM, not 1:1: a contiguous region is exchanged and pinned; destroying
 * it unpins.  An unpin that stops part-way (nr_unpinned = j) left the
 * rest pinned for good (the sweep's leak); it is now tried again from
 * where it stopped.
 */
static void test_unpin_stops_part_way(void **state)
{
	for (uint64_t seed = 0; seed < 4; seed++) {
		struct sim_world *w = world("arm64-dom0");
		struct sim_world_guest *g = &w->guests[0];
		const struct dmk_platform *plat = &g->pd.plat;
		uint64_t pinned0 = sim_domain_pinned_pages(g->dom);
		struct dmk_xen_stats st0, st;
		struct sim_faults f;
		dmk_phys_t phys;
		dmk_maddr_t ma;

		(void)state;
		assert_non_null(
			plat->ops->alloc_pages(plat->ctx, 4, ~0ULL, &phys));
		assert_int_equal(dmk_xen_stats(g->sys, &st0), 0);
		assert_int_equal(dmk_xen_create_contiguous_region(g->sys, phys,
								  4, 40, &ma),
				 0);
		assert_int_equal(sim_domain_pinned_pages(g->dom), pinned0 + 16);
		sim_faults_init(&f, SIM_FAULTS_NTH, 1, seed);
		g->pd.faults = &f;
		dmk_xen_destroy_contiguous_region(g->sys, phys, 4);
		g->pd.faults = NULL;
		assert_int_equal(f.injected, 1);
		assert_string_equal(f.first.what, "memory_op unpin");
		assert_int_equal(sim_domain_pinned_pages(g->dom), pinned0);
		assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
		assert_int_equal(st.contig_regions, st0.contig_regions);
		plat->ops->free_pages(plat->ctx, phys, 4);
		sim_faults_destroy(&f);
		sim_world_destroy(w);
	}
}

/*
 * A back end unmaps a foreign page: GNTTABOP_unmap_grant_ref (call 1),
 * then the frame is repopulated (populate_physmap, call 2) and freed.
 * Either failing once left the mapping, or the ballooned frame, behind
 * for good (the sweep's leaks); each is now tried once more.
 */
static void unmap_foreign_with_fault(uint64_t k, const char *what)
{
	struct sim_world *w = world("arm64-domU-passthrough");
	struct sim_world_guest *dom0 = &w->guests[0], *domu = &w->guests[1];
	const struct dmk_platform *uplat = &domu->pd.plat;
	struct dmk_xen_foreign_page fp;
	struct dmk_xen_stats st;
	struct sim_faults f;
	uint64_t free0;
	dmk_phys_t uphys;
	int ref;

	assert_non_null(uplat->ops->alloc_pages(uplat->ctx, 0, ~0ULL, &uphys));
	ref = dmk_xen_grant_access(domu->sys, dom0->dom->domid, uphys, false);
	assert_true(ref >= 0);
	/* The first map sets the grant table up for good; measure after. */
	assert_int_equal(dmk_xen_map_foreign(dom0->sys, domu->dom->domid, ref,
					     false, &fp),
			 0);
	assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp), 0);
	free0 = sim_pagealloc_free_pages(dom0->dom->alloc);
	assert_int_equal(dmk_xen_map_foreign(dom0->sys, domu->dom->domid, ref,
					     false, &fp),
			 0);
	sim_faults_init(&f, SIM_FAULTS_NTH, k, 7);
	dom0->pd.faults = &f;
	assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp), 0);
	dom0->pd.faults = NULL;
	assert_int_equal(f.injected, 1);
	assert_string_equal(f.first.what, what);
	assert_int_equal(dmk_xen_stats(dom0->sys, &st), 0);
	assert_int_equal(st.foreign_maps, 0);
	assert_int_equal(sim_xen_grant_maps(dom0->dom), 0);
	assert_int_equal(sim_pagealloc_free_pages(dom0->dom->alloc), free0);
	assert_int_equal(dmk_xen_end_access(domu->sys, ref), 0);
	uplat->ops->free_pages(uplat->ctx, uphys, 0);
	sim_faults_destroy(&f);
	sim_world_destroy(w);
}

static void test_grant_unmap_fails_once(void **state)
{
	(void)state;
	unmap_foreign_with_fault(1, "grant_table_op unmap_grant_ref x1");
}

static void test_repopulate_fails_once(void **state)
{
	(void)state;
	unmap_foreign_with_fault(2, "memory_op populate_physmap");
}

/*
 * A back end maps a foreign page: a ballooned frame (its allocation,
 * the balloon's hypercalls), GNTTABOP_map_grant_ref, the frame's record
 * (an allocation).  On x86 PV the frame's unmapping from the linear map
 * is a call too.  Each failing makes the map fail with its error and
 * one line (the sweep found it silent on x86-pvh-domU's netback), and
 * leaves nothing behind.
 */
static void map_foreign_fails_once(const char *platform)
{
	unsigned int failed = 0, calls = 0;

	for (uint64_t k = 1; !calls || k <= calls; k++) {
		struct sim_world *w = world(platform);
		struct sim_world_guest *dom0 = &w->guests[0];
		struct sim_world_guest *domu = &w->guests[1];
		const struct dmk_platform *uplat = &domu->pd.plat;
		struct dmk_xen_foreign_page fp;
		struct sim_faults f;
		uint64_t free0, lines;
		dmk_phys_t uphys;
		int ref, rc;

		assert_non_null(
			uplat->ops->alloc_pages(uplat->ctx, 0, ~0ULL, &uphys));
		ref = dmk_xen_grant_access(domu->sys, dom0->dom->domid, uphys,
					   false);
		assert_true(ref >= 0);
		/* The first map sets the table up; the count is after. */
		assert_int_equal(dmk_xen_map_foreign(dom0->sys,
						     domu->dom->domid, ref,
						     false, &fp),
				 0);
		assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp), 0);
		free0 = sim_pagealloc_free_pages(dom0->dom->alloc);
		sim_faults_init(&f, calls ? SIM_FAULTS_NTH : SIM_FAULTS_COUNT,
				k, 3);
		dom0->pd.faults = &f;
		sim_faults_attach_env(&f);
		lines = atomic_load(&dom0->pd.warnings);
		rc = dmk_xen_map_foreign(dom0->sys, domu->dom->domid, ref,
					 false, &fp);
		sim_faults_attach_env(NULL);
		dom0->pd.faults = NULL;
		lines = atomic_load(&dom0->pd.warnings) - lines;
		if (!calls) {
			assert_int_equal(rc, 0);
			assert_int_equal(lines, 0);
			calls = (unsigned int)f.calls;
			k = 0;
		} else if (rc) {
			assert_int_equal(f.injected, 1);
			if (lines != 1)
				fail_msg(
					"%s: %s failed the map with %llu lines",
					platform, f.first.what,
					(unsigned long long)lines);
			assert_int_equal(
				sim_pagealloc_free_pages(dom0->dom->alloc),
				free0);
			assert_int_equal(sim_xen_grant_maps(dom0->dom), 0);
			failed++;
		}
		if (!rc)
			assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp),
					 0);
		assert_int_equal(dmk_xen_end_access(domu->sys, ref), 0);
		uplat->ops->free_pages(uplat->ctx, uphys, 0);
		sim_faults_destroy(&f);
		sim_world_destroy(w);
	}
	/* The frame, the balloon and the grant map each failed it. */
	assert_true(failed >= 3);
}

static void test_map_foreign_fails_once_arm(void **state)
{
	(void)state;
	map_foreign_fails_once("arm64-domU-passthrough");
}

static void test_map_foreign_fails_once_x86(void **state)
{
	(void)state;
	map_foreign_fails_once("x86-pvh-domU");
}

/*
 * A virtio device on grant DMA: its backend (platform/sim/grant-backend.c)
 * is the device, mapping each grant into a frame of its own.  Found by
 * fuzz/dma-target.c: the injector failed the backend's allocation of
 * that frame, and a correct mapping read as a device fault.  The
 * backend's calls are the device's, not the front end's DMA layer's:
 * the injector leaves them alone, even when every call fails.
 */
static void test_grant_backend_is_not_injected(void **state)
{
	struct sim_world *w = world("arm64-domU-virtio-grant");
	struct sim_world_guest *g = &w->guests[1];
	const struct dmk_platform *plat = &g->pd.plat;
	struct sim_world_device *wd = NULL;
	struct sim_faults f;
	uint8_t got[256];
	dmk_phys_t phys;
	dmk_addr_t a;
	uint8_t *va;

	(void)state;
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (w->devs[i].backend)
			wd = &w->devs[i];
	assert_non_null(wd);
	va = plat->ops->alloc_pages(plat->ctx, 0, ~0ULL, &phys);
	assert_non_null(va);
	memset(va, 0x6b, DMK_PAGE_SIZE);
	a = dmk_map_page(&wd->dev, phys, sizeof(got), DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_mapping_error(&wd->dev, a), 0);
	sim_faults_init(&f, SIM_FAULTS_EVERY, 1, 1);
	for (unsigned int i = 0; i < w->nr_guests; i++)
		w->guests[i].pd.faults = &f;
	assert_int_equal(sim_dev_dma_read(&wd->sd, a, got, sizeof(got)), 0);
	for (unsigned int i = 0; i < w->nr_guests; i++)
		w->guests[i].pd.faults = NULL;
	assert_int_equal(f.injected, 0);
	assert_int_equal(got[0], 0x6b);
	assert_int_equal(got[sizeof(got) - 1], 0x6b);
	assert_int_equal(sim_device_faults(&wd->sd), 0);
	dmk_unmap_page(&wd->dev, a, sizeof(got), DMK_DMA_TO_DEVICE);
	sim_faults_destroy(&f);
	plat->ops->free_pages(plat->ctx, phys, 0);
	sim_world_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pv_remap_multicall_entry_fails),
		cmocka_unit_test(test_pv_destroy_exchange_fails_once),
		cmocka_unit_test(test_unpin_stops_part_way),
		cmocka_unit_test(test_grant_unmap_fails_once),
		cmocka_unit_test(test_repopulate_fails_once),
		cmocka_unit_test(test_grant_backend_is_not_injected),
		cmocka_unit_test(test_map_foreign_fails_once_arm),
		cmocka_unit_test(test_map_foreign_fails_once_x86),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
