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

/* ---- restricted-dma-pool: a device that must see nothing else ---- */

#define RPOOL_SIZE (4ULL << 20)

/* A Wi-Fi device bound to a restricted-dma-pool at base, as Chromebooks
 * confine theirs; 32-bit, non-coherent, nothing else limits its reach. */
static void add_restricted_wifi(struct sim_world_desc *d, uint64_t base)
{
	struct sim_desc_pool *p = &d->pools[d->nr_pools];
	struct sim_desc_device *wifi;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "wifi-restricted");
	p->base = base;
	p->size = RPOOL_SIZE;
	p->restricted = true;
	wifi = sim_desc_add_device(d, "wifi-rp", "dmakit,wifi-restricted-pool",
				   false, 32);
	assert_non_null(wifi);
	wifi->pool = (int)d->nr_pools++;
}

static struct sim_world_device *find_dev(struct sim_world *w, const char *name)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (!strcmp(w->devs[i].dev.name, name))
			return &w->devs[i];
	fail_msg("no device %s", name);
	return NULL;
}

/*
 * One page outside the pool goes to the device and one comes back, both
 * through the DMA API: the device sees only pool addresses, and the
 * bytes arrive.  Then the broken path, the page's own bus address
 * handed to the device past the pool: the firewall faults it.
 */
static void check_confined(struct sim_world *w, const char *platform)
{
	struct sim_world_device *wd = find_dev(w, "wifi-rp");
	const struct sim_desc_pool *p = &w->desc.pools[wd->desc->pool];
	const struct dmk_platform *plat = &wd->guest->pd.plat;
	uint8_t out[4096], in[4096];
	dmk_phys_t phys;
	dmk_addr_t addr;
	uint8_t *buf;

	buf = plat->ops->alloc_pages(plat->ctx, 0, 0xffffffffULL, &phys);
	assert_non_null(buf);
	assert_true(phys + sizeof(out) <= p->base || phys >= p->base + p->size);
	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + 3);
	memcpy(buf, out, sizeof(out));

	addr = dmk_map_single(&wd->dev, buf, sizeof(out), DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, addr));
	if (addr - wd->sd.bus_offset - p->base >= p->size)
		fail_msg("%s: bus address %#llx is outside the pool", platform,
			 (unsigned long long)addr);
	memset(in, 0, sizeof(in));
	assert_int_equal(sim_dev_dma_read(&wd->sd, addr, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(out));
	dmk_unmap_single(&wd->dev, addr, sizeof(out), DMK_DMA_TO_DEVICE);

	memset(buf, 0, sizeof(out));
	addr = dmk_map_single(&wd->dev, buf, sizeof(out), DMK_DMA_FROM_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, addr));
	assert_true(addr - wd->sd.bus_offset - p->base < p->size);
	assert_int_equal(sim_dev_dma_write(&wd->sd, addr, out, sizeof(out)), 0);
	dmk_unmap_single(&wd->dev, addr, sizeof(out), DMK_DMA_FROM_DEVICE);
	assert_memory_equal(buf, out, sizeof(out));
	assert_int_equal(sim_device_faults(&wd->sd), 0);

	/* A path that bypasses the pool: the firewall stops the device. */
	assert_int_equal(sim_dev_dma_write(&wd->sd, phys + wd->sd.bus_offset,
					   out, sizeof(out)),
			 -1);
	assert_int_equal(sim_dev_dma_read(&wd->sd, phys + wd->sd.bus_offset, in,
					  sizeof(in)),
			 -1);
	assert_int_equal(atomic_load(&wd->sd.faults[SIM_FAULT_FIREWALL]), 2);
	assert_int_equal(sim_device_faults(&wd->sd), 2);
	plat->ops->free_pages(plat->ctx, phys, 0);
}

/* Natively, and under swiotlb-xen in a 1:1 dom0 with the arm64 and the
 * 32-bit ARM rules: every bounce goes through the device's own pool. */
static void test_restricted_pool_confines(void **state)
{
	static const struct {
		const char *platform;
		enum dmk_arch arch;
		uint64_t base;
	} cases[] = {
		{"arm64-native", DMK_ARCH_ARM64, 0x50000000ULL},
		{"arm64-dom0-1to1", DMK_ARCH_ARM64, 0x50000000ULL},
		{"arm64-dom0-1to1", DMK_ARCH_ARM32, 0x50000000ULL},
	};
	struct sim_world_options o;

	(void)state;
	sim_world_options_default(&o);
	o.cfg.swiotlb_bytes = 4 << 20;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_world_desc d;
		struct sim_world *w = NULL;
		char err[256] = "", chain[128];

		assert_int_equal(sim_platform_desc(cases[i].platform, &d, err,
						   sizeof(err)),
				 0);
		d.arch = cases[i].arch;
		add_restricted_wifi(&d, cases[i].base);
		if (sim_world_build(&d, &o, &w, err, sizeof(err)))
			fail_msg("%s: %s", cases[i].platform, err);
		assert_int_equal(dmk_dma_ops_chain(&find_dev(w, "wifi-rp")->dev,
						   chain, sizeof(chain)),
				 0);
		assert_true((strstr(chain, "xen-swiotlb>") != NULL) ==
			    (w->xen != NULL));
		check_confined(w, cases[i].platform);
		sim_world_destroy(w);
	}
}

/* Where the guest's frames are not the machine frames the tree names (a
 * dom0 not mapped 1:1, x86 PV), swiotlb-xen refuses the pool, saying why. */
static void test_restricted_pool_refused(void **state)
{
	static const struct {
		const char *platform;
		uint64_t base;
		const char *why;
	} cases[] = {
		{"arm64-dom0", 0x48000000ULL, "dom0 is not direct-mapped"},
		{"x86-pv-dom0", 0x8000000ULL, "is machine frame"},
	};
	struct sim_world_options o;

	(void)state;
	sim_world_options_default(&o);
	o.cfg.swiotlb_bytes = 4 << 20;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_world_desc d;
		struct sim_world *w = NULL;
		char err[512] = "";

		assert_int_equal(sim_platform_desc(cases[i].platform, &d, err,
						   sizeof(err)),
				 0);
		add_restricted_wifi(&d, cases[i].base);
		assert_int_equal(sim_world_build(&d, &o, &w, err, sizeof(err)),
				 -1);
		assert_null(w);
		if (!strstr(err, "restricted-dma-pool") ||
		    !strstr(err, cases[i].why))
			fail_msg("%s: %s", cases[i].platform, err);
	}
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
		cmocka_unit_test(test_restricted_pool_confines),
		cmocka_unit_test(test_restricted_pool_refused),
		cmocka_unit_test(test_oracle_check),
		cmocka_unit_test(test_oracle_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
