/* SPDX-License-Identifier: MIT */
/*
 * The historical and naive designs of tools/scenarios/naive.c, on the
 * simulated platform: what each one changes, and that it changes nothing
 * else.  (Whether each is caught by the oracle is test_scenarios'.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scenarios/naive.h"

static const struct dmk_dma_map_ops driver_ops = {.name = "driver"};

static struct sim_world *build(const char *name, struct naive_design *nd)
{
	struct sim_world_options o;
	struct sim_world_desc desc;
	struct sim_world *w = NULL;
	char err[256];

	assert_int_equal(sim_platform_desc(name, &desc, err, sizeof(err)), 0);
	sim_world_options_default(&o);
	o.cfg.swiotlb_bytes = 4 << 20;
	naive_hooks(nd, &o);
	if (sim_world_build(&desc, &o, &w, err, sizeof(err)))
		fail_msg("world %s: %s", name, err);
	return w;
}

static struct dmk_device *dev_named(struct sim_world *w, const char *n)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (!strcmp(w->devs[i].desc->path, n))
			return &w->devs[i].dev;
	fail_msg("no device %s", n);
	return NULL;
}

/* 2013: only the coherent arch default gives way to the Xen default;
 * the _noncoherent variant and a driver's own ops bypass Xen. */
static void test_default_only(void **state)
{
	struct naive_design nd = {.xen_ops = XEN_OPS_DEFAULT_ONLY};
	struct sim_world *w = build("arm64-dom0-1to1", &nd);
	struct dmk_device *coh = dev_named(w, "eth0");
	struct dmk_device *nc = dev_named(w, "blk0");

	(void)state;
	assert_int_equal(naive_after_probe(&nd, w), 0);
	assert_ptr_equal(dmk_get_dma_ops(coh), &dmk_xen_swiotlb_dma_ops);
	assert_ptr_equal(dmk_get_dma_ops(nc), &dmk_direct_noncoherent_ops);
	sim_world_destroy(w);

	/* A driver's own ops, installed at probe: they bypass it too. */
	w = build("arm64-dom0-1to1", &nd);
	coh = dev_named(w, "eth0");
	dmk_set_dma_ops(coh, &driver_ops);
	assert_int_equal(naive_after_probe(&nd, w), 0);
	assert_ptr_equal(dmk_get_dma_ops(coh), &driver_ops);
	sim_world_destroy(w);
}

/* 2017: the device's own ops always win. */
static void test_device_first(void **state)
{
	struct naive_design nd = {.xen_ops = XEN_OPS_DEVICE_FIRST};
	struct sim_world *w = build("arm64-dom0-1to1", &nd);
	struct dmk_device *coh = dev_named(w, "eth0");

	(void)state;
	assert_int_equal(naive_after_probe(&nd, w), 0);
	assert_ptr_equal(dmk_get_dma_ops(coh), &dmk_direct_coherent_ops);
	sim_world_destroy(w);
}

/* dmakit's own: nothing unwrapped, no hooks installed. */
static void test_per_device_changes_nothing(void **state)
{
	struct naive_design nd = {.xen_ops = XEN_OPS_PER_DEVICE};
	struct sim_world *w = build("arm64-dom0-1to1", &nd);

	(void)state;
	assert_null(w->guests[0].pd.hooks);
	assert_int_equal(naive_after_probe(&nd, w), 0);
	for (unsigned int i = 0; i < w->nr_devs; i++)
		assert_ptr_equal(dmk_get_dma_ops(&w->devs[i].dev),
				 &dmk_xen_swiotlb_dma_ops);
	sim_world_destroy(w);
}

/* The bounce pool taken for coherent memory: maintenance on it is
 * dropped, maintenance elsewhere goes through. */
static void test_bounce_coherent_drops_pool_maintenance(void **state)
{
	struct naive_design nd = {.naive = NAIVE_BOUNCE_COHERENT};
	struct sim_world *w = build("arm64-native", &nd);
	struct sim_world_guest *g = &w->guests[0];
	struct dmk_swiotlb_stats st;

	(void)state;
	assert_int_equal(dmk_swiotlb_stats(g->sys, &st), 0);
	assert_int_equal(nd.nr_pools, 1);
	assert_int_equal(nd.pools[0].start, st.start);
	assert_false(g->pd.hooks->cache_maint(&nd, &g->pd, st.start, 64,
					      DMK_CACHE_CLEAN));
	assert_false(g->pd.hooks->cache_maint(&nd, &g->pd, st.end - 64, 64,
					      DMK_CACHE_INVAL));
	assert_true(g->pd.hooks->cache_maint(&nd, &g->pd, st.end, 64,
					     DMK_CACHE_CLEAN));
	sim_world_destroy(w);
}

/* Free pages everywhere: x86's rule on an ARM guest. */
static void test_free_pages_takes_x86_rule(void **state)
{
	struct naive_design nd = {.naive = NAIVE_XEN_FREE_PAGES};
	struct sim_world *w = build("arm64-dom0-1to1", &nd);
	struct dmk_device *nc = dev_named(w, "blk0");
	dmk_addr_t h;
	void *cpu;

	(void)state;
	/* A non-coherent device's "coherent" buffer is now a cacheable
	 * linear-map page, not a non-cacheable view. */
	cpu = dmk_alloc_coherent(nc, 4096, &h);
	assert_non_null(cpu);
	assert_true((uint8_t *)cpu >= w->guests[0].pd.plat.linear_base);
	assert_int_equal(dmk_virt_to_phys(&w->guests[0].pd.plat, cpu), h);
	dmk_free_coherent(nc, 4096, cpu, h);
	sim_world_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_only),
		cmocka_unit_test(test_device_first),
		cmocka_unit_test(test_per_device_changes_nothing),
		cmocka_unit_test(test_bounce_coherent_drops_pool_maintenance),
		cmocka_unit_test(test_free_pages_takes_x86_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
