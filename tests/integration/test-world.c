/* SPDX-License-Identifier: MIT */
/*
 * The world and the built-in platforms, linked directly: every platform
 * builds and tears down, its devices are set up as described, bad
 * descriptions are refused with one line, and a short run through the
 * workloads is clean while a buggy driver is not.
 */
#include "workload.h"
#include "world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct sim_world *build(const char *name, struct sim_world_desc *d)
{
	struct sim_world_options o;
	struct sim_world *w = NULL;
	char err[256] = "";

	assert_int_equal(sim_platform_desc(name, d, err, sizeof(err)), 0);
	sim_world_options_default(&o);
	o.cfg.debug = true;
	o.cfg.swiotlb_bytes = 4 << 20;
	if (sim_world_build(d, &o, &w, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	return w;
}

static void test_names_and_summaries(void **state)
{
	const char *const *names = sim_platform_names();
	struct sim_world_desc d;
	char err[256];
	unsigned int n = 0;

	(void)state;
	for (; names[n]; n++) {
		assert_non_null(sim_platform_summary(names[n]));
		assert_int_equal(
			sim_platform_desc(names[n], &d, err, sizeof(err)), 0);
		assert_string_equal(d.name, names[n]);
		assert_true(d.nbanks > 0 && d.nr_devs > 0);
	}
	assert_int_equal(n, 8);
	assert_int_equal(sim_platform_desc("vax", &d, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown platform 'vax'"));
	assert_null(sim_platform_summary("vax"));
}

/* Every platform builds; every device is set up as its description says
 * and carries an ops chain. */
static void test_every_platform_builds(void **state)
{
	const char *const *names = sim_platform_names();

	(void)state;
	for (unsigned int i = 0; names[i]; i++) {
		struct sim_world_desc d;
		struct sim_world *w = build(names[i], &d);
		char chain[128];

		assert_int_equal(w->nr_devs, d.nr_devs);
		assert_int_equal(w->nr_guests, d.domu_pages ? 2 : 1);
		assert_true((w->xen != NULL) == (d.hyp != SIM_HYP_NONE));
		for (unsigned int j = 0; j < w->nr_devs; j++) {
			struct sim_world_device *wd = &w->devs[j];

			assert_int_equal(wd->dev.coherent, d.devs[j].coherent);
			assert_int_equal(wd->sd.coherent, d.devs[j].coherent);
			assert_true(wd->dev.dma_mask ==
				    DMK_BIT_MASK(d.devs[j].reach_bits));
			assert_ptr_equal(wd->dev.platform_data, wd);
			assert_ptr_equal(wd->guest,
					 &w->guests[d.devs[j].guest]);
			assert_int_equal(dmk_dma_ops_chain(&wd->dev, chain,
							   sizeof(chain)),
					 0);
			/* Under Xen every device is wrapped by swiotlb-xen,
			 * but for one behind Xen's IOMMU (x86-pvh-domU's
			 * assigned NIC: dma-direct, as Linux) and one on
			 * grant DMA (arm64-domU-virtio-grant's virtio). */
			if (d.devs[j].virtio)
				assert_non_null(
					strstr(chain, "xen-grant-dma>"));
			else if (w->xen && !wd->dev.stage2_iommu)
				assert_non_null(strstr(chain, "xen-swiotlb>"));
			if (wd->dev.stage2_iommu)
				assert_null(strstr(chain, "xen-swiotlb"));
		}
		sim_world_destroy(w);
	}
}

static void test_native_blk_window(void **state)
{
	struct sim_world_desc d;
	struct sim_world *w = build("arm64-native", &d);
	struct sim_world_device *blk = NULL, *wifi = NULL;

	(void)state;
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		if (!strcmp(w->devs[i].dev.name, "blk0"))
			blk = &w->devs[i];
		if (!strcmp(w->devs[i].dev.name, "wifi0"))
			wifi = &w->devs[i];
	}
	assert_non_null(blk);
	assert_non_null(wifi);
	/* bus = cpu + 0xc0000000, CPU addresses up to the first GiB. */
	assert_true(blk->dev.bus_offset == 0xc0000000ULL);
	assert_true(blk->dev.bus_dma_limit == 0xffffffffULL);
	assert_true(blk->sd.bus_limit == blk->dev.bus_dma_limit);
	assert_non_null(wifi->restricted_pool);
	assert_ptr_equal(wifi->restricted_pool, w->pools[0]);
	sim_world_destroy(w);
}

static void test_bad_descriptions(void **state)
{
	struct sim_world_options o;
	struct sim_world_desc d;
	struct sim_world *w;
	char err[256];

	(void)state;
	sim_world_options_default(&o);

	assert_int_equal(
		sim_platform_desc("arm64-native", &d, err, sizeof(err)), 0);
	d.domu_pages = 1024;
	assert_int_equal(sim_world_build(&d, &o, &w, err, sizeof(err)), -1);
	assert_null(w);
	assert_non_null(strstr(err, "a domU needs a hypervisor"));

	assert_int_equal(sim_platform_desc("arm64-dom0", &d, err, sizeof(err)),
			 0);
	d.dom0_pages = 1ULL << 30;
	assert_int_equal(sim_world_build(&d, &o, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more RAM than the machine has"));

	assert_int_equal(
		sim_platform_desc("arm64-native", &d, err, sizeof(err)), 0);
	d.devs[0].reach_bits = 3;
	assert_int_equal(sim_world_build(&d, &o, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reach of 3 bits"));

	assert_int_equal(
		sim_platform_desc("arm64-native", &d, err, sizeof(err)), 0);
	d.devs[0].guest = 1;
	assert_int_equal(sim_world_build(&d, &o, &w, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "guest that does not exist"));
}

static bool run_clean(const char *name, enum wl_bug bug)
{
	struct wl_run_config rc = {.seed = 3, .ops = 200, .bug = bug};
	struct sim_world_desc d;
	struct sim_world *w = build(name, &d);
	struct wl_oracle o;
	bool ok;

	memset(&o, 0, sizeof(o));
	assert_int_equal(wl_drivers_probe(w), 0);
	assert_true(wl_run(w, &rc, &o) > 0);
	assert_true(o.checked_bytes > 0);
	ok = wl_oracle_ok(&o);
	wl_drivers_remove(w);
	sim_world_destroy(w);
	return ok;
}

static void test_oracle_verdicts(void **state)
{
	(void)state;
	assert_true(run_clean("arm64-native", WL_BUG_NONE));
	assert_true(run_clean("arm64-dom0", WL_BUG_NONE));
	assert_false(run_clean("arm64-native", WL_BUG_SKIP_SYNC));
	assert_false(run_clean("arm64-native", WL_BUG_CACHEABLE_COHERENT));
}

/* The oracle itself: counts, first mismatch, verdict. */
static void test_oracle_check(void **state)
{
	struct wl_oracle o;
	uint8_t a[64], b[64];

	(void)state;
	memset(&o, 0, sizeof(o));
	memset(a, 0x11, sizeof(a));
	memcpy(b, a, sizeof(b));
	wl_oracle_check(&o, "dev", "op", a, b, sizeof(a));
	assert_true(wl_oracle_ok(&o));
	b[10] = 0x22;
	b[40] = 0x33;
	wl_oracle_check(&o, "dev", "rx", a, b, sizeof(a));
	assert_false(wl_oracle_ok(&o));
	assert_int_equal(o.checked_bytes, 128);
	assert_int_equal(o.corrupted_bytes, 2);
	assert_int_equal(o.nr_mismatches, 1);
	assert_int_equal(o.mismatches[0].offset, 10);
	assert_int_equal(o.mismatches[0].expected, 0x11);
	assert_int_equal(o.mismatches[0].got, 0x22);
	assert_string_equal(o.mismatches[0].op, "rx");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_summaries),
		cmocka_unit_test(test_every_platform_builds),
		cmocka_unit_test(test_native_blk_window),
		cmocka_unit_test(test_bad_descriptions),
		cmocka_unit_test(test_oracle_check),
		cmocka_unit_test(test_oracle_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
