/* SPDX-License-Identifier: MIT */
/*
 * Dispatch: device defaults, ops selection, set_dma_ops under a
 * wrapping layer, the chain string, counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "fake_platform.h"

#include <dmakit/xen.h>

static struct fake_platform *fp;
static struct dmk_system *sys;
static struct dmk_device dev;
static struct dmk_iommu_domain *dom_created;
extern const struct dmk_layer fake_wrap_layer; /* fake_xen.c */

static void setup_dev(bool coherent, bool xen, size_t pool)
{
	fp = fake_platform_get();
	sys = fake_system(fp, pool, false);
	if (xen)
		sys->layer = &fake_wrap_layer;
	fake_device(fp, &dev, sys, coherent, 0, NULL);
}

static int teardown(void **state)
{
	(void)state;
	dmk_device_fini(&dev);
	/* The creator's job, not the device's. */
	dmk_iommu_domain_destroy(dom_created);
	dom_created = NULL;
	sys->layer = NULL;
	dmk_system_destroy(sys);
	return 0;
}

/* A driver's own ops: record that they were used, map 1:1. */
static int custom_maps;

static dmk_addr_t custom_map_page(struct dmk_device *d, dmk_phys_t phys,
				  size_t size, enum dmk_data_direction dir,
				  unsigned long attrs)
{
	(void)d;
	(void)size;
	(void)dir;
	(void)attrs;
	custom_maps++;
	return phys;
}

static const struct dmk_dma_map_ops custom_ops = {
	.name = "custom",
	.map_page = custom_map_page,
};

static void assert_chain(const char *want)
{
	char buf[64];

	assert_int_equal(dmk_dma_ops_chain(&dev, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_device_defaults(void **state)
{
	(void)state;
	fp = fake_platform_get();
	sys = fake_system(fp, 0, false);
	memset(&dev, 0x5a, sizeof(dev));
	assert_int_equal(dmk_device_init(&dev, sys, "eth0"), 0);
	assert_string_equal(dev.name, "eth0");
	assert_ptr_equal(dev.sys, sys);
	assert_int_equal(dev.dma_mask, 0xffffffffULL);
	assert_int_equal(dev.coherent_dma_mask, 0xffffffffULL);
	assert_int_equal(dev.bus_dma_limit, 0);
	assert_int_equal(dev.bus_offset, 0);
	assert_int_equal(dev.min_align_mask, 0);
	assert_int_equal(dev.seg_boundary_mask, ~0ULL);
	assert_int_equal(dev.max_seg_size, 65536);
	assert_false(dev.coherent);
	assert_false(dev.stage2_iommu);
	assert_null(dev.platform_data);
	/* The library's state, zeroed: no ops, pools or counts yet. */
	assert_non_null(dev.dma);
	assert_null(dev.dma->ops);
	assert_null(dev.dma->native);
	assert_null(dev.dma->restricted_pool);
	assert_null(dev.dma->iommu);
	assert_ptr_equal(dev.dma->pool, sys->swiotlb);
	assert_int_equal(dev.dma->stats.s.maps, 0);
	assert_int_equal((uintptr_t)dev.dma % 64, 0); /* its own lines */
	/* No ops yet: dma-direct by coherency. */
	assert_ptr_equal(dmk_get_dma_ops(&dev), &dmk_direct_noncoherent_ops);
}

static void test_setup_picks_native_ops(void **state)
{
	(void)state;
	setup_dev(true, false, 0);
	assert_ptr_equal(dev.dma->ops, &dmk_direct_coherent_ops);
	assert_chain("direct-coherent");
	dev.coherent = false;
	dmk_device_setup_dma(&dev);
	assert_chain("direct-noncoherent");
	assert_int_equal(dmk_iommu_domain_create(sys, NULL, 0x100000, 1 << 20,
						 &dom_created),
			 0);
	assert_int_equal(dmk_device_attach_iommu(&dev, dom_created), 0);
	dmk_device_setup_dma(&dev);
	assert_chain("iommu");
}

static void test_get_dma_ops_order(void **state)
{
	(void)state;
	setup_dev(false, false, 0);
	dev.dma->ops = NULL;
	assert_ptr_equal(dmk_get_dma_ops(&dev), &dmk_direct_noncoherent_ops);
	sys->default_ops = &custom_ops;
	assert_ptr_equal(dmk_get_dma_ops(&dev), &custom_ops);
	dev.dma->ops = &dmk_direct_coherent_ops;
	assert_ptr_equal(dmk_get_dma_ops(&dev), &dmk_direct_coherent_ops);
	sys->default_ops = NULL;
}

static void test_set_dma_ops_native(void **state)
{
	(void)state;
	setup_dev(false, false, 0);
	dmk_set_dma_ops(&dev, &custom_ops);
	assert_chain("custom");
	custom_maps = 0;
	assert_int_equal(dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE),
			 0x500000);
	assert_int_equal(custom_maps, 1);
	assert_int_equal(fp->nev, 0); /* dma-direct was bypassed */
}

/* Under a wrapping layer set_dma_ops goes inside: it cannot bypass it. */
static void test_set_dma_ops_wrapped(void **state)
{
	(void)state;
	setup_dev(false, true, 0);
	assert_chain("xen-swiotlb>direct-noncoherent");
	dmk_set_dma_ops(&dev, &custom_ops);
	assert_chain("xen-swiotlb>custom");
	assert_ptr_equal(dmk_get_dma_ops(&dev), &dmk_xen_swiotlb_dma_ops);
	custom_maps = 0;
	dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(custom_maps, 1);

	/* A device the hypervisor's IOMMU translates stays native. */
	dev.stage2_iommu = true;
	dev.coherent = true;
	dmk_device_setup_dma(&dev);
	assert_chain("direct-coherent");
	dmk_set_dma_ops(&dev, &custom_ops);
	assert_chain("custom");
}

static void test_chain_buffer_too_small(void **state)
{
	char buf[8];

	(void)state;
	setup_dev(false, true, 0);
	assert_int_equal(dmk_dma_ops_chain(&dev, buf, sizeof(buf)),
			 -DMK_EINVAL);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(dmk_dma_ops_chain(&dev, NULL, 8), -DMK_EINVAL);
}

static void test_stats_and_bounce_counting(void **state)
{
	struct dmk_sg sg[2] = {{.phys = 0x500000, .length = 64},
			       {.phys = 0x1400000, .length = 128}};
	dmk_addr_t a, h;
	void *cpu;

	(void)state;
	setup_dev(true, false, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);
	a = dmk_map_page(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_map_sg(&dev, sg, 2, DMK_DMA_FROM_DEVICE), 2);
	dmk_unmap_sg(&dev, sg, 2, DMK_DMA_FROM_DEVICE);
	cpu = dmk_alloc_coherent(&dev, 4096, &h);
	dmk_free_coherent(&dev, 4096, cpu, h);
	assert_int_equal(dev.dma->stats.s.maps, 3);
	assert_int_equal(dev.dma->stats.s.unmaps, 3);
	assert_int_equal(dev.dma->stats.s.bounced,
			 1); /* only the high sg entry */
	assert_int_equal(dev.dma->stats.s.bounced_bytes, 128);
	assert_int_equal(dev.dma->stats.s.allocs, 1);
	assert_int_equal(dev.dma->stats.s.frees, 1);
	assert_int_equal(dev.dma->stats.s.errors, 0);
	teardown(NULL);

	/* Through the Xen wrapper the bus frame is translated back. */
	setup_dev(true, true, FAKE_POOL_BYTES);
	dev.dma_mask = DMK_BIT_MASK(24);
	a = dmk_map_page(&dev, 0x1400000, 64, DMK_DMA_TO_DEVICE);
	assert_true(dmk_is_swiotlb_buffer(sys->swiotlb, a));
	assert_int_equal(dev.dma->stats.s.bounced, 1);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
}

/* Threads that map and unmap on dev, counted without atomic adds. */
#define STAT_ITERS 2000

/* When set, every thread counts once and then waits for all the others,
 * so that they all hold a slot at the same time. */
static pthread_barrier_t *all_counting;

static void *map_unmap_loop(void *arg)
{
	dmk_phys_t phys = (dmk_phys_t)(uintptr_t)arg;

	for (int i = 0; i < STAT_ITERS; i++) {
		dmk_addr_t a = dmk_map_page(&dev, phys, 64, DMK_DMA_TO_DEVICE);

		dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
		if (i == 0 && all_counting)
			pthread_barrier_wait(all_counting);
	}
	return NULL;
}

static void run_threads(unsigned int n)
{
	pthread_t t[16];

	assert_true(n <= 16);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(
			pthread_create(&t[i], NULL, map_unmap_loop,
				       (void *)(uintptr_t)(0x100000 * (i + 1))),
			0);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
}

static void test_stats_many_threads(void **state)
{
	struct dmk_dma_stats st;
	const struct dmk_dma_stats *shared;

	(void)state;
	setup_dev(true, false, 0);
	shared = &dev.dma->shards[DMK_STAT_SHARDS - 1].s;
	dev.dma_mask = DMK_BIT_MASK(64);
	/* This thread counts first: its counts are dev.stats, exactly. */
	map_unmap_loop((void *)(uintptr_t)0x100000);
	assert_int_equal(dev.dma->stats.s.maps, STAT_ITERS);

	/* Rounds of as many helpers as there are private shards left: the
	 * slots of exited threads are reused, nobody needs the shared one. */
	for (int round = 0; round < 4; round++)
		run_threads(DMK_STAT_SHARDS - 2);
	assert_int_equal(shared->maps, 0);
	assert_int_equal(dev.dma->stats.s.maps, STAT_ITERS);

	/* More threads at once than shards: the extra ones share. */
	{
		pthread_barrier_t b;

		pthread_barrier_init(&b, NULL, DMK_STAT_SHARDS + 4);
		all_counting = &b;
		run_threads(DMK_STAT_SHARDS + 4);
		all_counting = NULL;
		pthread_barrier_destroy(&b);
	}
	/* Six private slots were free: six threads shared the last. */
	assert_int_equal(shared->maps, STAT_ITERS * 6);

	dmk_device_stats(&dev, &st);
	assert_int_equal(st.maps, STAT_ITERS * (1 + 4 * (DMK_STAT_SHARDS - 2) +
						DMK_STAT_SHARDS + 4));
	assert_int_equal(st.unmaps, st.maps);
	assert_int_equal(st.bounced, 0);
	assert_int_equal(st.errors, 0);
	/* The owner's own counters never saw another thread's maps. */
	assert_int_equal(dev.dma->stats.s.maps, STAT_ITERS);
}

static void test_map_single_and_ranges(void **state)
{
	uint8_t *va;
	dmk_addr_t a;

	(void)state;
	setup_dev(false, false, 0);
	va = dmk_phys_to_virt(&fp->plat, 0x600000);
	a = dmk_map_single(&dev, va + 10, 500, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(a, 0x60000a);
	fake_events_clear(fp);
	dmk_sync_single_range_for_cpu(&dev, a, 100, 50, DMK_DMA_BIDIRECTIONAL);
	dmk_sync_single_range_for_device(&dev, a, 200, 60,
					 DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(fp->nev, 2);
	assert_int_equal(fp->ev[0].kind, EV_INVAL);
	assert_int_equal(fp->ev[0].addr, 0x60000a + 100);
	assert_int_equal(fp->ev[0].size, 50);
	assert_int_equal(fp->ev[1].kind, EV_CLEAN);
	assert_int_equal(fp->ev[1].addr, 0x60000a + 200);
	assert_int_equal(fp->ev[1].size, 60);
	dmk_unmap_single(&dev, a, 500, DMK_DMA_BIDIRECTIONAL);

	/* Not in the linear map: refused, not translated into nonsense. */
	a = dmk_map_single(&dev, (void *)(fp->plat.linear_base - 4096), 64,
			   DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&dev, a));
	assert_true(fake_logged(fp, "outside the linear map"));
}

/* Linux's dma_mapping_error() returns -ENOMEM, which a ported driver
 * returns from its probe or xmit as it is. */
static void test_mapping_error_is_enomem(void **state)
{
	dmk_addr_t a;

	(void)state;
	setup_dev(false, false, 0);
	a = dmk_map_page(&dev, 0x600000, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_mapping_error(&dev, a), 0);
	dmk_unmap_page(&dev, a, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_mapping_error(&dev, DMK_MAPPING_ERROR),
			 -DMK_ENOMEM);
	assert_string_equal(
		dmk_strerror(dmk_mapping_error(&dev, DMK_MAPPING_ERROR)),
		dmk_strerror(-DMK_ENOMEM));
}

static void test_ops_without_hooks(void **state)
{
	struct dmk_sg sg = {.phys = 0x500000, .length = 64};
	dmk_addr_t h;

	(void)state;
	setup_dev(false, false, 0);
	dmk_set_dma_ops(&dev, &custom_ops);
	assert_int_equal(dmk_map_sg(&dev, &sg, 1, DMK_DMA_TO_DEVICE), 0);
	assert_null(dmk_alloc_coherent(&dev, 4096, &h));
	assert_int_equal(dev.dma->stats.s.errors, 2);
	/* No dma_supported hook: dma-direct's rule answers. */
	assert_int_equal(dmk_set_mask(&dev, DMK_BIT_MASK(24)), -DMK_EIO);
	assert_int_equal(dmk_max_mapping_size(&dev), SIZE_MAX);
	/* Syncs and unmaps with no hook are simply nothing to do. */
	dmk_sync_single_for_cpu(&dev, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_unmap_sg(&dev, &sg, 1, DMK_DMA_TO_DEVICE);
}

static void test_fini_releases(void **state)
{
	struct dmk_device other;

	(void)state;
	setup_dev(false, false, 0);
	assert_int_equal(dmk_iommu_domain_create(sys, NULL, 0x100000, 1 << 20,
						 &dom_created),
			 0);
	assert_int_equal(dmk_device_attach_iommu(&dev, dom_created), 0);
	dmk_device_setup_dma(&dev);
	dmk_device_fini(&dev);
	/* The state is gone (ASan sees a leak or a double free), the
	 * domain only detached: its creator destroys it in teardown. */
	assert_null(dev.dma);
	dmk_device_fini(&dev);

	/* A device whose init failed, or that never had one: every call
	 * fails cleanly, none dereferences the missing state. */
	memset(&other, 0, sizeof(other));
	assert_int_equal(dmk_device_init(&other, NULL, "orphan"), -DMK_EINVAL);
	assert_null(other.dma);
	assert_int_equal(dmk_device_setup_dma(&other), -DMK_EINVAL);
	assert_true(dmk_mapping_error(
		&other, dmk_map_page(&other, 0x500000, 64, DMK_DMA_TO_DEVICE)));
	assert_int_equal(
		dmk_map_sg(&other,
			   &(struct dmk_sg){.phys = 0x500000, .length = 64}, 1,
			   DMK_DMA_TO_DEVICE),
		0);
	assert_int_equal(dmk_set_mask(&other, DMK_BIT_MASK(64)), -DMK_EINVAL);
	assert_int_equal(dmk_device_set_restricted_pool(&other, NULL),
			 -DMK_EINVAL);
	assert_int_equal(dmk_device_attach_iommu(&other, NULL), -DMK_EINVAL);
	assert_int_equal(dmk_dma_wrap(&other, &custom_ops), -DMK_EINVAL);
	dmk_unmap_page(&other, 0x500000, 64, DMK_DMA_TO_DEVICE);
	dmk_sync_single_for_cpu(&other, 0x500000, 64, DMK_DMA_FROM_DEVICE);
	dmk_free_coherent(&other, 4096, &other, 0);
	dmk_device_fini(&other);
	assert_int_equal(dmk_device_init(NULL, sys, "x"), -DMK_EINVAL);
	/* Back to a live device for teardown. */
	assert_int_equal(dmk_device_init(&dev, sys, "dev"), 0);
}

/* A layer wraps and unwraps; the native ops follow set_dma_ops. */
static void test_wrap_unwrap(void **state)
{
	(void)state;
	setup_dev(false, false, 0);
	assert_int_equal(dmk_dma_unwrap(&dev), -DMK_EINVAL); /* nothing on */
	assert_ptr_equal(dmk_get_native_dma_ops(&dev),
			 &dmk_direct_noncoherent_ops);
	assert_int_equal(dmk_dma_wrap(&dev, &dmk_xen_swiotlb_dma_ops), 0);
	assert_int_equal(dmk_dma_wrap(&dev, &custom_ops), -DMK_EINVAL);
	assert_chain("xen-swiotlb>direct-noncoherent");
	dmk_set_dma_ops(&dev, &custom_ops);
	assert_ptr_equal(dmk_get_native_dma_ops(&dev), &custom_ops);
	assert_int_equal(dmk_dma_unwrap(&dev), 0);
	assert_chain("custom");
	assert_ptr_equal(dmk_get_native_dma_ops(&dev), &custom_ops);
}

static void test_system_config(void **state)
{
	struct dmk_system_config cfg;
	struct dmk_system *s;

	(void)state;
	dmk_system_config_default(&cfg);
	assert_int_equal(cfg.swiotlb_bytes, 64UL << 20);
	assert_int_equal(cfg.swiotlb_nareas, 0);
	assert_int_equal(cfg.swiotlb_limit, 0);
	assert_false(cfg.swiotlb_force);
	assert_true(cfg.xen);
	assert_false(cfg.xen_exchange_and_pin);
	assert_false(cfg.debug);

	fp = fake_platform_get();
	assert_int_equal(dmk_system_create(&s, NULL, &cfg), -DMK_EINVAL);
	cfg.swiotlb_bytes = 0;
	cfg.swiotlb_force = true; /* forced bouncing with nowhere to bounce */
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), -DMK_EINVAL);
	assert_true(fake_logged(fp, "swiotlb forced but no swiotlb pool"));
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = 0;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	assert_null(s->swiotlb);
	assert_ptr_equal(dmk_system_platform(s), &fp->plat);
	dmk_system_destroy(s);

	/* On Xen the Xen layer makes the pool; its failure is the result. */
	fp->plat.xen = true;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), -DMK_ENOTSUP);
	cfg.xen = false;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	dmk_system_destroy(s);
	fp->plat.xen = false;
	dmk_system_destroy(NULL);
}

/* DMK_SWIOTLB_SIZE_AUTO: Linux's sizing.  The fake board has 32 MiB, all
 * below the pool's limit: 1 MiB per GiB is 32 KiB, one 256 KiB segment,
 * not half the board.  RAM above the limit, or forced bouncing: Linux's
 * 64 MiB (which swiotlb_init_remap halves until it fits). */
static void test_pool_size_auto(void **state)
{
	struct dmk_system_config cfg;
	struct dmk_system *s;

	(void)state;
	fp = fake_platform_get();
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = DMK_SWIOTLB_SIZE_AUTO;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	assert_int_equal(fake_swiotlb_asked, 256 << 10);
	assert_int_equal(fake_swiotlb_asked_limit, DMK_SWIOTLB_DEFAULT_LIMIT);
	dmk_system_destroy(s);

	/* the zone ends at 16 MiB: RAM above it, the pool is for reach */
	cfg.swiotlb_limit = (16UL << 20) - 1;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	assert_int_equal(fake_swiotlb_asked, 64UL << 20);
	assert_int_equal(fake_swiotlb_asked_limit, cfg.swiotlb_limit);
	dmk_system_destroy(s);

	cfg.swiotlb_limit = 0;
	cfg.swiotlb_force = true;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	assert_int_equal(fake_swiotlb_asked, 64UL << 20);
	dmk_system_destroy(s);

	/* a size given is a size taken */
	cfg.swiotlb_bytes = 1UL << 20;
	assert_int_equal(dmk_system_create(&s, &fp->plat, &cfg), 0);
	assert_int_equal(fake_swiotlb_asked, 1UL << 20);
	dmk_system_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_size_auto),
		cmocka_unit_test_teardown(test_device_defaults, teardown),
		cmocka_unit_test_teardown(test_setup_picks_native_ops,
					  teardown),
		cmocka_unit_test_teardown(test_get_dma_ops_order, teardown),
		cmocka_unit_test_teardown(test_set_dma_ops_native, teardown),
		cmocka_unit_test_teardown(test_set_dma_ops_wrapped, teardown),
		cmocka_unit_test_teardown(test_chain_buffer_too_small,
					  teardown),
		cmocka_unit_test_teardown(test_stats_and_bounce_counting,
					  teardown),
		cmocka_unit_test_teardown(test_stats_many_threads, teardown),
		cmocka_unit_test_teardown(test_map_single_and_ranges, teardown),
		cmocka_unit_test_teardown(test_mapping_error_is_enomem,
					  teardown),
		cmocka_unit_test_teardown(test_ops_without_hooks, teardown),
		cmocka_unit_test_teardown(test_fini_releases, teardown),
		cmocka_unit_test_teardown(test_wrap_unwrap, teardown),
		cmocka_unit_test(test_system_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
