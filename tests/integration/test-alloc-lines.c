/* SPDX-License-Identifier: MIT */
/*
 * A coherent allocation that fails says so in exactly one line, in
 * every back end, and in none when the caller passed DMK_ATTR_NO_WARN
 * (Linux's __GFP_NOWARN / DMA_ATTR_NO_WARN).  Issue 17: "the failing
 * call's caller returns its documented error ... with one log line";
 * before, a failure in the pages (x86's xen_alloc_coherent_pages, the
 * IOMMU ops, grant DMA), the exchange (swiotlb-xen) or a full
 * restricted pool returned NULL with none, and NO_WARN silenced nothing.
 *
 * Each back end is swept as `dmakit faults` sweeps a run: one
 * allocation with the injector counting gives K, the calls it makes
 * into the world; then for each k = 1..K a fresh world whose k-th call
 * fails (platform/sim/faults.h).  Where the allocation then fails, the
 * guest's warnings and errors are counted: one, or none with NO_WARN.
 * A failure the layer absorbs (the allocation succeeds) may log at
 * most one line.  Each back end must fail at the site named, so that
 * the sweep reaches the path it is about.
 */
#include "faults.h"
#include "world.h"

#include <dmakit/dma-map-ops.h>
#include <dmakit/system.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* The guests smaller than the boards' (as the DMA-API fuzzer has them):
 * a world builds in a fraction of the time, its devices stay. */
#define GUEST_PAGES (48UL << 20 >> DMK_PAGE_SHIFT)

enum pick { NONCOHERENT, ANY, IOMMU, GRANT, RESTRICTED };

struct backend {
	const char *platform; /* a built-in name, or a tree in DTB_DIR */
	enum pick pick;
	size_t size;
	const char *ops; /* the outermost ops' name */
	/* A failure at each of these must make the allocation fail: the
	 * sweep reaches the paths the back end is about. */
	const char *sites[3];
};

struct outcome {
	unsigned int failed, absorbed;
	bool site_failed[3];
};

static struct sim_world *build(const char *name)
{
	struct sim_world_options o;
	struct sim_world_desc d;
	struct sim_world *w = NULL;
	char err[256], path[512];

	if (strstr(name, ".dtb")) {
		struct sim_dt_options dto = {0};

		snprintf(path, sizeof(path), "%s/%s", DTB_DIR, name);
		if (sim_dt_load_file(path, &dto, &d, err, sizeof(err)))
			fail_msg("%s: %s", path, err);
	} else if (sim_platform_desc(name, &d, err, sizeof(err))) {
		fail_msg("%s: %s", name, err);
	}
	if (d.dom0_pages > GUEST_PAGES)
		d.dom0_pages = GUEST_PAGES;
	if (d.domu_pages > GUEST_PAGES)
		d.domu_pages = GUEST_PAGES;
	sim_world_options_default(&o);
	o.seed = 1;
	o.cfg.debug = true;
	o.cfg.swiotlb_bytes = 1UL << 20;
	if (sim_world_build(&d, &o, &w, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	return w;
}

/* A restricted pool of 16 pages carved from the guest's own memory, and
 * a device of its own behind it (what rmem_swiotlb_device_init does for
 * a tree's restricted-dma-pool). */
struct restricted {
	struct dmk_device dev;
	struct dmk_swiotlb *pool;
	dmk_phys_t phys;
};

static struct restricted rp;

static struct dmk_device *restricted_device(struct sim_world *w)
{
	const struct dmk_platform *plat = &w->guests[0].pd.plat;

	assert_non_null(plat->ops->alloc_pages(plat->ctx, 4, ~0ULL, &rp.phys));
	assert_int_equal(dmk_swiotlb_create_restricted(w->guests[0].sys,
						       rp.phys, 16 * 4096,
						       &rp.pool),
			 0);
	assert_int_equal(dmk_device_init(&rp.dev, w->guests[0].sys, "rp0"), 0);
	rp.dev.coherent = true;
	assert_int_equal(dmk_device_set_restricted_pool(&rp.dev, rp.pool), 0);
	assert_int_equal(dmk_device_setup_dma(&rp.dev), 0);
	return &rp.dev;
}

static void restricted_done(struct sim_world *w)
{
	const struct dmk_platform *plat = &w->guests[0].pd.plat;

	dmk_device_fini(&rp.dev);
	dmk_swiotlb_destroy_restricted(rp.pool);
	plat->ops->free_pages(plat->ctx, rp.phys, 4);
}

static struct dmk_device *pick(struct sim_world *w, enum pick how,
			       struct sim_world_guest **g)
{
	if (how == RESTRICTED) {
		*g = &w->guests[0];
		return restricted_device(w);
	}
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *d = &w->devs[i];
		const char *name = dmk_get_dma_ops(&d->dev)->name;

		if ((how == NONCOHERENT && !d->dev.coherent) || how == ANY ||
		    (how == IOMMU && d->iommu) ||
		    (how == GRANT && !strcmp(name, "xen-grant-dma"))) {
			*g = d->guest;
			return &d->dev;
		}
	}
	fail_msg("no device to pick");
	return NULL;
}

static uint64_t lines(struct sim_world_guest *g)
{
	return atomic_load(&g->pd.warnings);
}

/* One allocation in a fresh world, with f injecting; the lines it made
 * the guest log, and whether it failed. */
static bool alloc_once(const struct backend *b, struct sim_faults *f,
		       unsigned long attrs, uint64_t *logged)
{
	struct sim_world *w = build(b->platform);
	struct sim_world_guest *g;
	struct dmk_device *dev = pick(w, b->pick, &g);
	uint64_t before;
	dmk_addr_t dma;
	void *cpu;

	assert_string_equal(dmk_get_dma_ops(dev)->name, b->ops);
	before = lines(g);
	for (unsigned int i = 0; i < w->nr_guests; i++)
		w->guests[i].pd.faults = f;
	sim_faults_attach_env(f);
	cpu = dmk_alloc_attrs(dev, b->size, &dma, attrs);
	sim_faults_attach_env(NULL);
	for (unsigned int i = 0; i < w->nr_guests; i++)
		w->guests[i].pd.faults = NULL;
	*logged = lines(g) - before;
	if (cpu)
		dmk_free_attrs(dev, b->size, cpu, dma, attrs);
	sim_world_destroy(w);
	return cpu == NULL;
}

static void sweep(const struct backend *b, unsigned long attrs,
		  struct outcome *out)
{
	struct sim_faults f;
	uint64_t calls, logged;

	memset(out, 0, sizeof(*out));
	sim_faults_init(&f, SIM_FAULTS_COUNT, 0, 1);
	assert_false(alloc_once(b, &f, attrs, &logged));
	assert_int_equal(logged, 0);
	calls = f.calls;
	sim_faults_destroy(&f);
	assert_true(calls > 0);
	for (uint64_t k = 1; k <= calls; k++) {
		bool failed;

		sim_faults_init(&f, SIM_FAULTS_NTH, k, 1);
		failed = alloc_once(b, &f, attrs, &logged);
		assert_int_equal(f.injected, 1);
		if (failed) {
			if (logged != (attrs & DMK_ATTR_NO_WARN ? 0 : 1))
				fail_msg(
					"%s, %s: call %llu (%s) failed the allocation with %llu lines%s",
					b->platform, b->ops,
					(unsigned long long)k, f.first.what,
					(unsigned long long)logged,
					attrs ? " under NO_WARN" : "");
			out->failed++;
			for (int i = 0; i < 3 && b->sites[i]; i++)
				out->site_failed[i] |=
					!!strstr(f.first.what, b->sites[i]);
		} else {
			if (logged > 1)
				fail_msg(
					"%s: call %llu (%s) absorbed with %llu lines",
					b->platform, (unsigned long long)k,
					f.first.what,
					(unsigned long long)logged);
			out->absorbed++;
		}
		sim_faults_destroy(&f);
	}
	for (int i = 0; i < 3 && b->sites[i]; i++)
		if (!out->site_failed[i])
			fail_msg(
				"%s: no failure at %s made the allocation fail",
				b->platform, b->sites[i]);
}

static void check(const struct backend *b)
{
	struct outcome warn, quiet;

	sweep(b, 0, &warn);
	sweep(b, DMK_ATTR_NO_WARN, &quiet);
	assert_int_equal(warn.failed, quiet.failed);
	print_message("%s (%s): %u of %u calls failed the allocation\n",
		      b->platform, b->ops, warn.failed,
		      warn.failed + warn.absorbed);
}

/*
 * The swiotlb back end: a restricted pool (its coherent allocations are
 * swiotlb_alloc's) that has no room.  No call into the world fails, the
 * pool does: 17 pages never fit in its 16, 8 do.
 */
static void test_restricted_pool_full(void **state)
{
	(void)state;
	for (int quiet = 0; quiet < 2; quiet++) {
		unsigned long attrs = quiet ? DMK_ATTR_NO_WARN : 0;
		struct sim_world *w = build("arm64-native");
		struct sim_world_guest *g;
		struct dmk_device *dev = pick(w, RESTRICTED, &g);
		uint64_t before = lines(g);
		dmk_addr_t dma;
		void *cpu;

		assert_null(dmk_alloc_attrs(dev, 17 * 4096, &dma, attrs));
		assert_int_equal(lines(g) - before, quiet ? 0 : 1);
		if (!quiet)
			assert_non_null(
				strstr(g->pd.last_log, "restricted pool"));
		before = lines(g);
		cpu = dmk_alloc_attrs(dev, 8 * 4096, &dma, attrs);
		assert_non_null(cpu);
		assert_int_equal(lines(g) - before, 0);
		dmk_free_attrs(dev, 8 * 4096, cpu, dma, attrs);
		restricted_done(w);
		sim_world_destroy(w);
	}
}

/* dma-direct: a non-coherent device's pages and their non-cacheable
 * view, the simulator's vmap (the line was there; NO_WARN did not
 * silence it). */
static void test_direct(void **state)
{
	const struct backend b = {"arm64-native",
				  NONCOHERENT,
				  16384,
				  "direct-noncoherent",
				  {"alloc_pages", "vmap"}};

	(void)state;
	check(&b);
}

/* The IOMMU ops: the chunks, their IOVA mappings, the CPU's vmap. */
static void test_iommu(void **state)
{
	const struct backend b = {"qemu-virt-smmu.dtb",
				  IOMMU,
				  16384,
				  "iommu",
				  {"alloc_pages", "iommu_map", "vmap"}};

	(void)state;
	check(&b);
}

/* swiotlb-xen on x86 PV: free pages, then XENMEM_exchange for a
 * machine-contiguous region below the coherent mask. */
static void test_swiotlb_xen_x86(void **state)
{
	const struct backend b = {"x86-pv-dom0",
				  ANY,
				  32768,
				  "xen-swiotlb",
				  {"alloc_pages", "memory_op exchange"}};

	(void)state;
	check(&b);
}

/* swiotlb-xen on ARM not 1:1: the device's own ops' pages, then the
 * series' exchange-and-pin. */
static void test_swiotlb_xen_arm64(void **state)
{
	const struct backend b = {"arm64-dom0",
				  NONCOHERENT,
				  32768,
				  "xen-swiotlb",
				  {"alloc_pages", "vmap", "exchange_and_pin"}};

	(void)state;
	check(&b);
}

/* Grant DMA: pages, then 96 grants; the domU's table is set up at the
 * first need (query_size, a ballooned frame, add_to_physmap). */
static void test_grant_dma(void **state)
{
	const struct backend b = {"arm64-domU-virtio-grant",
				  GRANT,
				  96 * 4096,
				  "xen-grant-dma",
				  {"alloc_pages", "add_to_physmap"}};

	(void)state;
	check(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restricted_pool_full),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_iommu),
		cmocka_unit_test(test_swiotlb_xen_x86),
		cmocka_unit_test(test_swiotlb_xen_arm64),
		cmocka_unit_test(test_grant_dma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
