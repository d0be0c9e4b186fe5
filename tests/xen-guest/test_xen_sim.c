/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer on the simulated hypervisor: every check compares what
 * the library believes (pfn_to_bfn, bus addresses) with what the
 * hypervisor model really did (the domain's p2m, frame owners, the DMA
 * engine's view of DRAM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "swiotlb/dynamic.h"
#include "world.h"
#include "xen-internal.h"

#define SMALL_POOL (4UL << 20)

static struct sim_world *world_domu(const char *name, uint64_t domu_pages)
{
	struct sim_world_options o;
	struct sim_world_desc desc;
	struct sim_world *w = NULL;
	char err[256];

	assert_int_equal(sim_platform_desc(name, &desc, err, sizeof(err)), 0);
	if (domu_pages)
		desc.domu_pages = domu_pages;
	sim_world_options_default(&o);
	o.seed = 42;
	o.cfg.swiotlb_bytes = SMALL_POOL;
	if (sim_world_build(&desc, &o, &w, err, sizeof(err)))
		fail_msg("world %s: %s", name, err);
	return w;
}

static struct sim_world *world(const char *name)
{
	return world_domu(name, 0);
}

static struct sim_world_device *find_dev(struct sim_world *w, const char *n)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (!strcmp(w->devs[i].desc->path, n))
			return &w->devs[i];
	fail_msg("no device %s", n);
	return NULL;
}

static uint64_t counter(struct sim_xen *x, const char *name)
{
	for (unsigned int i = 0; i < x->nr_counters; i++)
		if (!strcmp(x->counters[i].name, name))
			return atomic_load(&x->counters[i].n);
	return 0;
}

static uint64_t mfn_of(struct sim_domain *d, dmk_phys_t phys)
{
	enum sim_p2m_type type;

	return sim_domain_gfn_to_mfn(d, phys >> DMK_PAGE_SHIFT, &type);
}

/* Machine-contiguous from phys for n pages; returns the first frame. */
static uint64_t assert_machine_contiguous(struct sim_domain *d, dmk_phys_t phys,
					  uint64_t n)
{
	uint64_t mfn0 = mfn_of(d, phys);

	assert_true(mfn0 != SIM_INVALID_MFN);
	for (uint64_t i = 1; i < n; i++)
		assert_int_equal(mfn_of(d, phys + (i << DMK_PAGE_SHIFT)),
				 mfn0 + i);
	return mfn0;
}

static void *alloc_pages(struct sim_world_guest *g, unsigned int order,
			 dmk_phys_t *phys)
{
	const struct dmk_platform *plat = &g->pd.plat;
	void *va = plat->ops->alloc_pages(plat->ctx, order, ~0ULL, phys);

	assert_non_null(va);
	return va;
}

static void free_pages(struct sim_world_guest *g, dmk_phys_t phys,
		       unsigned int order)
{
	g->pd.plat.ops->free_pages(g->pd.plat.ctx, phys, order);
}

/* The bounce pool: every segment machine-contiguous below 4 GiB, and
 * the library's p2m agrees with the hypervisor's. */
static void check_pool(struct sim_world_guest *g)
{
	dmk_phys_t start, end;
	void *va;

	assert_non_null(g->sys->swiotlb);
	dmk_swiotlb_span(g->sys->swiotlb, &start, &end, &va);
	assert_int_equal((end - start) % (256 << 10), 0);
	for (dmk_phys_t seg = start; seg < end; seg += 256 << 10) {
		uint64_t mfn0 = assert_machine_contiguous(g->dom, seg, 64);

		assert_true(((mfn0 + 64) << DMK_PAGE_SHIFT) <= (1ULL << 32));
		for (uint64_t i = 0; i < 64; i++)
			assert_int_equal(
				dmk_xen_pfn_to_bfn(g->sys, (seg >> 12) + i),
				mfn0 + i);
	}
}

/* ---- x86 PV ---- */

static void test_x86_pv_pool(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");

	(void)state;
	check_pool(&w->guests[0]);
	assert_true(counter(w->xen, "memory_op:exchange") >=
		    SMALL_POOL / (256 << 10));
	sim_world_destroy(w);
}

static void test_x86_pv_contiguous_region(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");
	struct sim_world_guest *g = &w->guests[0];
	struct dmk_xen_stats st0, st;
	uint64_t old[8], mfn0;
	dmk_phys_t phys;
	dmk_maddr_t ma;
	uint8_t *va = alloc_pages(g, 3, &phys);

	(void)state;
	assert_int_equal(dmk_xen_stats(g->sys, &st0), 0);
	for (int i = 0; i < 8; i++)
		old[i] = mfn_of(g->dom, phys + ((uint64_t)i << 12));
	memset(va, 0xa5, 8 * DMK_PAGE_SIZE);

	assert_int_equal(
		dmk_xen_create_contiguous_region(g->sys, phys, 3, 32, &ma), 0);
	mfn0 = assert_machine_contiguous(g->dom, phys, 8);
	assert_int_equal(ma.maddr, mfn0 << DMK_PAGE_SHIFT);
	assert_true(ma.maddr + 8 * DMK_PAGE_SIZE <= (1ULL << 32));
	assert_int_equal(mfn0 & 7, 0); /* aligned to its size */
	for (int i = 0; i < 8; i++) {
		dmk_phys_t p = phys + ((uint64_t)i << 12);

		assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12),
				 mfn_of(g->dom, p));
		assert_int_equal(dmk_xen_bfn_to_pfn(g->sys, mfn0 + i), p >> 12);
		/* The old frames went back to the hypervisor. */
		if (old[i] < mfn0 || old[i] >= mfn0 + 8)
			assert_int_not_equal(
				w->m->owner[sim_mfn_index(w->m, old[i])],
				g->dom->domid);
	}
	/* Zeroed, and the CPU reaches the new frames. */
	for (size_t i = 0; i < 8 * DMK_PAGE_SIZE; i++)
		assert_int_equal(va[i], 0);
	va[5000] = 0x3c;
	assert_int_equal(va[5000], 0x3c);
	assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
	assert_int_equal(st.contig_regions, st0.contig_regions + 1);
	assert_int_equal(st.pages_exchanged, st0.pages_exchanged + 8);

	dmk_xen_destroy_contiguous_region(g->sys, phys, 3);
	assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
	assert_int_equal(st.contig_regions, st0.contig_regions);
	for (int i = 0; i < 8; i++) {
		dmk_phys_t p = phys + ((uint64_t)i << 12);

		assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12),
				 mfn_of(g->dom, p));
	}
	va[100] = 1;
	free_pages(g, phys, 3);
	sim_world_destroy(w);
}

/* Xen cannot satisfy the request: the old frames are back in place. */
static void test_x86_pv_contiguous_failure_restores(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");
	struct sim_world_guest *g = &w->guests[0];
	uint64_t old[4];
	dmk_phys_t phys;
	dmk_maddr_t ma = {0};
	uint8_t *va = alloc_pages(g, 2, &phys);

	(void)state;
	for (int i = 0; i < 4; i++)
		old[i] = mfn_of(g->dom, phys + ((uint64_t)i << 12));
	/* No frame fits in 12 address bits. */
	assert_int_not_equal(
		dmk_xen_create_contiguous_region(g->sys, phys, 2, 12, &ma), 0);
	for (int i = 0; i < 4; i++) {
		dmk_phys_t p = phys + ((uint64_t)i << 12);

		assert_int_equal(mfn_of(g->dom, p), old[i]);
		assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12), old[i]);
	}
	va[3 * DMK_PAGE_SIZE + 7] = 0x5a; /* mapped again */
	assert_int_equal(va[3 * DMK_PAGE_SIZE + 7], 0x5a);
	/* Larger than Linux's MAX_CONTIG_ORDER. */
	assert_int_equal(
		dmk_xen_create_contiguous_region(g->sys, phys, 10, 32, &ma),
		-DMK_EINVAL);
	free_pages(g, phys, 2);
	sim_world_destroy(w);
}

/* x86: free pages, made contiguous below a 32-bit device's mask. */
static void test_x86_alloc_coherent(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");
	struct sim_world_device *d = find_dev(w, "ahci0");
	struct sim_world_guest *g = &w->guests[0];
	uint8_t pattern[4 * 4096], got[4 * 4096];
	dmk_addr_t handle;
	dmk_phys_t phys;
	uint8_t *cpu;

	(void)state;
	cpu = dmk_alloc_coherent(&d->dev, sizeof(pattern), &handle);
	assert_non_null(cpu);
	phys = dmk_virt_to_phys(&g->pd.plat, cpu);
	assert_int_equal(handle, assert_machine_contiguous(g->dom, phys, 4)
					 << DMK_PAGE_SHIFT);
	assert_true(handle + sizeof(pattern) - 1 <= d->dev.coherent_dma_mask);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 13 + 1);
	memcpy(cpu, pattern, sizeof(pattern));
	assert_int_equal(sim_dev_dma_read(&d->sd, handle, got, sizeof(got)), 0);
	assert_memory_equal(got, pattern, sizeof(got));
	dmk_free_coherent(&d->dev, sizeof(pattern), cpu, handle);
	sim_world_destroy(w);
}

/*
 * dma_alloc_coherent promises a buffer naturally aligned to its order in
 * bus space; on x86 PV the guest frames are aligned but the machine
 * frames behind them need not be (Linux's range_requires_alignment
 * exchanges those).  The 64-bit device needs no exchange for reach.
 */
static void test_x86_alloc_coherent_aligned(void **state)
{
	struct sim_world *w = world("x86-pv-dom0");
	struct sim_world_device *d = find_dev(w, "eth0");
	enum { N = 48 };
	void *cpu[N];
	dmk_addr_t handle[N];
	size_t size[N];
	unsigned int misaligned = 0;

	(void)state;
	for (int i = 0; i < N; i++) {
		size[i] = (size_t)(1 + i % 4) << (DMK_PAGE_SHIFT + i % 3);
		cpu[i] = dmk_alloc_coherent(&d->dev, size[i], &handle[i]);
		assert_non_null(cpu[i]);
		if (handle[i] & ((DMK_PAGE_SIZE << dmk_get_order(size[i])) - 1))
			misaligned++;
	}
	assert_int_equal(misaligned, 0);
	for (int i = 0; i < N; i++)
		dmk_free_coherent(&d->dev, size[i], cpu[i], handle[i]);
	sim_world_destroy(w);
}

/* ---- ARM 1:1 ---- */

static void test_arm_1to1_identity(void **state)
{
	struct sim_world *w = world("arm64-dom0-1to1");
	struct sim_world_guest *g = &w->guests[0];
	dmk_phys_t phys;
	dmk_maddr_t ma;

	(void)state;
	alloc_pages(g, 4, &phys);
	for (int i = 0; i < 16; i++) {
		dmk_phys_t p = phys + ((uint64_t)i << 12);

		assert_int_equal(mfn_of(g->dom, p), p >> 12);
		assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, p >> 12), p >> 12);
	}
	assert_int_equal(
		dmk_xen_create_contiguous_region(g->sys, phys, 4, 40, &ma), 0);
	assert_int_equal(ma.maddr, phys);
	/* Nothing to exchange, and Xen on ARM would refuse anyway. */
	assert_int_equal(counter(w->xen, "memory_op:exchange"), 0);
	assert_int_equal(counter(w->xen, "memory_op:exchange_and_pin"), 0);
	dmk_xen_destroy_contiguous_region(g->sys, phys, 4);
	free_pages(g, phys, 4);
	sim_world_destroy(w);
}

/* ---- ARM not 1:1 ---- */

static void test_arm_non1to1_pinned_pool_and_bounce(void **state)
{
	struct sim_world *w = world("arm64-dom0");
	struct sim_world_guest *g = &w->guests[0];
	struct sim_world_device *d = find_dev(w, "eth0");
	struct dmk_xen_stats st0, st;
	dmk_phys_t phys, start, end, bphys;
	dmk_addr_t addr;
	void *pva;
	uint8_t *va = alloc_pages(g, 2, &phys);

	(void)state;
	check_pool(g);
	dmk_swiotlb_span(g->sys->swiotlb, &start, &end, &pva);
	assert_true(sim_domain_is_pinned(g->dom, start >> DMK_PAGE_SHIFT));
	assert_true(counter(w->xen, "memory_op:exchange_and_pin") > 0);
	/* The guest cannot know where its ordinary RAM is. */
	assert_int_equal(dmk_xen_pfn_to_bfn(g->sys, phys >> 12),
			 DMK_INVALID_BFN);

	/* So even a 64-bit coherent device gets a bounce, and the bytes. */
	assert_int_equal(dmk_xen_stats(g->sys, &st0), 0);
	for (int i = 0; i < 3 * 4096; i++)
		va[i] = (uint8_t)(i ^ 0x5c);
	addr = dmk_map_page(&d->dev, phys + 100, 3 * 4096 - 200,
			    DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&d->dev, addr));
	bphys = dmk_xen_dma_to_phys(&d->dev, addr);
	assert_true(bphys >= start && bphys < end);
	{
		uint8_t got[3 * 4096 - 200];

		assert_int_equal(
			sim_dev_dma_read(&d->sd, addr, got, sizeof(got)), 0);
		assert_memory_equal(got, va + 100, sizeof(got));
	}
	dmk_unmap_page(&d->dev, addr, 3 * 4096 - 200, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
	assert_int_equal(st.bounced, st0.bounced + 1);
	free_pages(g, phys, 2);
	sim_world_destroy(w);
}

/*
 * Without the extension, a guest that is not 1:1 is what Linux's
 * xen_swiotlb_detect says no to: the system comes up on dma-direct (no
 * swiotlb-xen, no wrapping), it is not refused.
 */
static void test_arm_non1to1_without_pin_is_direct(void **state)
{
	struct sim_world *w = world("arm64-dom0");
	struct sim_world_guest *g = &w->guests[0];
	struct dmk_system_config cfg;
	struct dmk_system *sys = NULL;
	struct dmk_device dev;
	char chain[64];

	(void)state;
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = SMALL_POOL;
	cfg.xen_exchange_and_pin = false;
	assert_int_equal(dmk_system_create(&sys, &g->pd.plat, &cfg), 0);
	assert_int_equal(dmk_device_init(&dev, sys, "dev"), 0);
	assert_int_equal(dmk_device_setup_dma(&dev), 0);
	assert_int_equal(dmk_dma_ops_chain(&dev, chain, sizeof(chain)), 0);
	assert_string_equal(chain, "direct-noncoherent");
	dmk_device_fini(&dev);
	dmk_system_destroy(sys);
	sim_world_destroy(w);
}

/* A non-coherent device's coherent buffer: machine-contiguous, pinned,
 * and what the CPU writes through it is what the device reads. */
static void check_noncoherent_alloc(const char *platform, const char *dev)
{
	struct sim_world *w = world(platform);
	struct sim_world_device *d = find_dev(w, dev);
	struct sim_world_guest *g = &w->guests[0];
	uint8_t pattern[2 * 4096], got[2 * 4096];
	dmk_addr_t handle;
	uint64_t pfn;
	uint8_t *cpu;

	assert_false(d->dev.coherent);
	cpu = dmk_alloc_coherent(&d->dev, sizeof(pattern), &handle);
	assert_non_null(cpu);
	pfn = dmk_xen_bfn_to_pfn(g->sys, (handle - d->dev.bus_offset) >> 12);
	assert_int_not_equal(pfn, DMK_INVALID_BFN);
	/* Not the cacheable linear map. */
	assert_ptr_not_equal(cpu, dmk_phys_to_virt(&g->pd.plat, pfn << 12));
	assert_int_equal(assert_machine_contiguous(g->dom, pfn << 12, 2)
				 << DMK_PAGE_SHIFT,
			 handle - d->dev.bus_offset);
	assert_true(handle + sizeof(pattern) - 1 <= d->dev.coherent_dma_mask);
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	memcpy(cpu, pattern, sizeof(pattern));
	assert_int_equal(sim_dev_dma_read(&d->sd, handle, got, sizeof(got)), 0);
	assert_memory_equal(got, pattern, sizeof(got));
	dmk_free_coherent(&d->dev, sizeof(pattern), cpu, handle);
	/* Unpinned on free. */
	assert_false(sim_domain_is_pinned(g->dom, pfn));
	sim_world_destroy(w);
}

static void test_arm64_alloc_noncoherent(void **state)
{
	(void)state;
	check_noncoherent_alloc("arm64-dom0", "blk0");
}

static void test_arm32_alloc_noncoherent(void **state)
{
	(void)state;
	check_noncoherent_alloc("arm32-dom0", "eth1");
}

/* ARM64 allocates with the device's own ops, whatever they are. */
static unsigned int own_allocs;
static const struct dmk_dma_map_ops *own_inner;

static void *own_alloc(struct dmk_device *dev, size_t size, dmk_addr_t *h,
		       unsigned long attrs)
{
	own_allocs++;
	return own_inner->alloc(dev, size, h, attrs);
}

static void own_free(struct dmk_device *dev, size_t size, void *cpu,
		     dmk_addr_t h, unsigned long attrs)
{
	own_inner->free(dev, size, cpu, h, attrs);
}

static const struct dmk_dma_map_ops own_ops = {
	.name = "test-own",
	.alloc = own_alloc,
	.free = own_free,
};

static void test_arm64_alloc_uses_own_ops(void **state)
{
	struct sim_world *w = world("arm64-dom0");
	struct sim_world_device *d = find_dev(w, "eth0");
	dmk_addr_t handle;
	void *cpu;
	char chain[64];

	(void)state;
	own_inner = &dmk_direct_coherent_ops;
	own_allocs = 0;
	dmk_set_dma_ops(&d->dev, &own_ops);
	/* Wrapped: Xen stays on top, the driver's ops go inside. */
	assert_ptr_equal(dmk_get_dma_ops(&d->dev), &dmk_xen_swiotlb_dma_ops);
	assert_int_equal(dmk_dma_ops_chain(&d->dev, chain, sizeof(chain)), 0);
	assert_string_equal(chain, "xen-swiotlb>test-own");
	cpu = dmk_alloc_coherent(&d->dev, 8192, &handle);
	assert_non_null(cpu);
	assert_int_equal(own_allocs, 1);
	dmk_free_coherent(&d->dev, 8192, cpu, handle);
	sim_world_destroy(w);
}

/* ---- grants: a domU's page in dom0, through a device ---- */

static void test_foreign_map_and_cache_flush(void **state)
{
	struct sim_world *w = world_domu("arm64-domU-passthrough", 0);
	struct sim_world_guest *dom0 = &w->guests[0], *domu = &w->guests[1];
	struct sim_world_device *d = find_dev(w, "eth0");
	struct dmk_xen_foreign_page fp;
	struct dmk_xen_stats st0, st;
	dmk_phys_t uphys;
	dmk_addr_t addr;
	uint8_t got[512];
	uint8_t *uva = alloc_pages(domu, 0, &uphys);
	int ref;

	(void)state;
	assert_int_equal(w->nr_guests, 2);
	assert_false(d->dev.coherent);
	memset(uva, 0x6b, DMK_PAGE_SIZE);
	ref = dmk_xen_grant_access(domu->sys, dom0->dom->domid, uphys, false);
	assert_true(ref >= 0);
	assert_int_equal(dmk_xen_map_foreign(dom0->sys, domu->dom->domid, ref,
					     false, &fp),
			 0);
	assert_int_equal(fp.bfn, mfn_of(domu->dom, uphys));
	assert_int_equal(dmk_xen_pfn_to_bfn(dom0->sys, fp.phys >> 12), fp.bfn);
	assert_int_equal(((uint8_t *)fp.va)[17], 0x6b);

	/* dom0's non-coherent device reads the foreign page directly. */
	assert_int_equal(dmk_xen_stats(dom0->sys, &st0), 0);
	assert_int_equal(st0.foreign_maps, 1);
	memset((uint8_t *)fp.va + 1024, 0x2d, sizeof(got));
	addr = dmk_map_page(&d->dev, fp.phys + 1024, sizeof(got),
			    DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&d->dev, addr));
	assert_int_equal(addr, (fp.bfn << 12) + 1024 + d->dev.bus_offset);
	assert_int_equal(dmk_xen_stats(dom0->sys, &st), 0);
	assert_int_equal(st.cache_flush_calls, st0.cache_flush_calls + 1);
	assert_int_equal(st.bounced, st0.bounced);
	assert_int_equal(sim_dev_dma_read(&d->sd, addr, got, sizeof(got)), 0);
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0x2d);
	dmk_unmap_page(&d->dev, addr, sizeof(got), DMK_DMA_TO_DEVICE);

	/* The granter cannot take it back while dom0 maps it. */
	assert_int_equal(dmk_xen_end_access(domu->sys, ref), -DMK_EIO);
	assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp), 0);
	assert_int_equal(dmk_xen_pfn_to_bfn(dom0->sys, fp.phys >> 12),
			 fp.phys >> 12);
	assert_int_equal(dmk_xen_end_access(domu->sys, ref), 0);
	assert_int_equal(dmk_xen_end_access(domu->sys, ref), -DMK_EINVAL);
	assert_int_equal(dmk_xen_stats(dom0->sys, &st), 0);
	assert_int_equal(st.foreign_maps, 0);
	/* A reference nobody granted. */
	assert_int_not_equal(dmk_xen_map_foreign(dom0->sys, domu->dom->domid,
						 ref, false, &fp),
			     0);
	free_pages(domu, uphys, 0);
	sim_world_destroy(w);
}

/* Not on Xen at all: frames are what they are, and no Xen layer. */
static void test_no_xen_identity(void **state)
{
	struct sim_world *w = world("arm64-native");
	struct dmk_xen_stats st;
	dmk_maddr_t ma;

	(void)state;
	assert_int_equal(dmk_xen_pfn_to_bfn(w->guests[0].sys, 1234), 1234);
	assert_int_equal(dmk_xen_bfn_to_pfn(w->guests[0].sys, 1234), 1234);
	assert_int_equal(dmk_xen_stats(w->guests[0].sys, &st), -DMK_ENODEV);
	assert_int_equal(dmk_xen_create_contiguous_region(w->guests[0].sys,
							  0x100000, 0, 32, &ma),
			 -DMK_EINVAL);
	assert_int_equal(dmk_xen_set_arch(w->guests[0].sys, &dmk_xen_arch_x86),
			 -DMK_EINVAL);
	sim_world_destroy(w);
}

/* ---- per-device ops ---- */

static const struct dmk_dma_map_ops driver_ops = {.name = "driver"};

static void test_ops_per_device(void **state)
{
	struct sim_world *w = world("arm64-dom0-1to1");
	struct sim_world_device *coh = find_dev(w, "eth0");
	struct sim_world_device *nc = find_dev(w, "blk0");

	(void)state;
	assert_ptr_equal(dmk_get_dma_ops(&coh->dev), &dmk_xen_swiotlb_dma_ops);
	assert_ptr_equal(dmk_get_native_dma_ops(&coh->dev),
			 &dmk_direct_coherent_ops);
	assert_ptr_equal(dmk_get_dma_ops(&nc->dev), &dmk_xen_swiotlb_dma_ops);
	assert_ptr_equal(dmk_get_native_dma_ops(&nc->dev),
			 &dmk_direct_noncoherent_ops);
	dmk_set_dma_ops(&coh->dev, &driver_ops);
	assert_ptr_equal(dmk_get_dma_ops(&coh->dev), &dmk_xen_swiotlb_dma_ops);
	assert_ptr_equal(dmk_get_native_dma_ops(&coh->dev), &driver_ops);
	sim_world_destroy(w);
}

/* A device Xen's SMMU translates with the guest's stage 2 needs none of
 * swiotlb-xen. */
static void test_ops_stage2_iommu_left_alone(void **state)
{
	struct sim_world *w = world("arm64-dom0-1to1");
	struct dmk_device dev;

	(void)state;
	assert_int_equal(dmk_device_init(&dev, w->guests[0].sys, "smmu-master"),
			 0);
	dev.coherent = true;
	dev.stage2_iommu = true;
	assert_int_equal(dmk_device_setup_dma(&dev), 0);
	assert_ptr_equal(dmk_get_dma_ops(&dev), &dmk_direct_coherent_ops);
	assert_ptr_equal(dmk_get_native_dma_ops(&dev),
			 &dmk_direct_coherent_ops);
	dmk_device_fini(&dev);
	sim_world_destroy(w);
}

/*
 * A dynamic swiotlb under swiotlb-xen: every pool it adds, grown or
 * transient, is made machine-contiguous below the limit by the same
 * hook as the default pool, and the device reads the bounced bytes
 * through machine addresses.
 */
/* background: the guest has a worker thread (Linux's system workqueue)
 * and the growth runs there, while the maps go on. */
static void check_dynamic_pools(const char *platform, bool background)
{
	enum { LEN = 64 << 10, MAPS = 33 * 16 + 4 };
	struct sim_world_options o;
	struct sim_world_desc desc;
	struct sim_world *w = NULL;
	struct sim_world_guest *g;
	struct sim_world_device *d;
	struct dmk_swiotlb_stats st;
	struct swiotlb_dyn *dyn;
	static dmk_addr_t addr[MAPS];
	static uint8_t got[LEN];
	dmk_phys_t phys;
	uint8_t *va;
	char err[256], *log = NULL;
	size_t loglen = 0;
	unsigned int remap_lines = 0;

	assert_int_equal(sim_platform_desc(platform, &desc, err, sizeof(err)),
			 0);
	sim_world_options_default(&o);
	o.seed = 42;
	o.log = open_memstream(&log, &loglen);
	assert_non_null(o.log);
	o.cfg.swiotlb_bytes = 1 << 20;
	o.cfg.swiotlb_dynamic = true;
	o.background_work = background;
	if (sim_world_build(&desc, &o, &w, err, sizeof(err)))
		fail_msg("world %s: %s", platform, err);
	g = &w->guests[0];
	assert_int_equal(g->pd.worker != NULL, background);
	d = find_dev(w, "eth0");
	va = alloc_pages(g, 4, &phys);
	for (size_t i = 0; i < LEN; i++)
		va[i] = (uint8_t)(i * 7 + 3);
	for (unsigned int i = 0; i < MAPS; i++) {
		addr[i] = dmk_map_page(&d->dev, phys, LEN, DMK_DMA_TO_DEVICE);
		assert_false(dmk_mapping_error(&d->dev, addr[i]));
		if (i % 16 && i < MAPS - 8)
			continue;
		assert_int_equal(sim_dev_dma_read(&d->sd, addr[i], got, LEN),
				 0);
		assert_memory_equal(got, va, LEN);
	}
	sim_world_quiesce(w);
	assert_int_equal(dmk_swiotlb_stats(g->sys, &st), 0);
	if (background) {
		/* When each growth lands depends on the scheduler; that
		 * they ran, on the worker, does not. */
		assert_true(st.pools >= 2);
		assert_true(sim_worker_done(g->pd.worker) >= st.pools - 1);
	} else {
		assert_int_equal(st.pools, 33); /* the default and 32 grown */
		assert_true(st.transient_pools >= 4);
		assert_int_equal(sim_worker_done(g->pd.worker), 0);
	}
	/* Grown pools: every segment machine-contiguous below 4 GiB. */
	dyn = g->sys->swiotlb->dyn;
	for (unsigned int p = 0; p < dyn->ngrown; p++) {
		struct dmk_swiotlb *pool = dyn->grown[p];

		for (dmk_phys_t seg = pool->start; seg < pool->end;
		     seg += 256 << 10) {
			uint64_t mfn0 =
				assert_machine_contiguous(g->dom, seg, 64);

			assert_true(((mfn0 + 64) << DMK_PAGE_SHIFT) <=
				    (1ULL << 32));
		}
	}
	/* The transient ones too (the last maps went there). */
	for (unsigned int i = MAPS - 4; i < MAPS; i++) {
		dmk_phys_t b = dmk_xen_dma_to_phys(&d->dev, addr[i]);

		assert_true(b != DMK_PHYS_ERROR);
		assert_machine_contiguous(g->dom, b & ~(dmk_phys_t)0xfff, 16);
	}
	for (unsigned int i = 0; i < MAPS; i++)
		dmk_unmap_page(&d->dev, addr[i], LEN, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_swiotlb_stats(g->sys, &st), 0);
	assert_int_equal(st.transient_pools, 0);
	assert_int_equal(st.used, 0);
	free_pages(g, phys, 4);
	sim_world_destroy(w);
	/* One line for the default pool and each grown one; none for a
	 * transient pool (hundreds here), which would drown the log. */
	fclose(o.log);
	for (const char *p = log; (p = strstr(p, "bounce pool [mem")); p++)
		remap_lines++;
	assert_true(st.transient_total > 0);
	assert_int_equal(remap_lines, st.pools);
	free(log);
}

static void test_arm_dynamic_pools_contiguous(void **state)
{
	(void)state;
	check_dynamic_pools("arm64-dom0", false);
}

static void test_arm_dynamic_pools_background(void **state)
{
	(void)state;
	check_dynamic_pools("arm64-dom0", true);
}

static void test_x86_pv_dynamic_pools_contiguous(void **state)
{
	(void)state;
	check_dynamic_pools("x86-pv-dom0", false);
}

static void test_x86_pv_dynamic_pools_background(void **state)
{
	(void)state;
	check_dynamic_pools("x86-pv-dom0", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_pv_pool),
		cmocka_unit_test(test_x86_pv_contiguous_region),
		cmocka_unit_test(test_x86_pv_contiguous_failure_restores),
		cmocka_unit_test(test_x86_alloc_coherent),
		cmocka_unit_test(test_x86_alloc_coherent_aligned),
		cmocka_unit_test(test_arm_1to1_identity),
		cmocka_unit_test(test_arm_non1to1_pinned_pool_and_bounce),
		cmocka_unit_test(test_arm_non1to1_without_pin_is_direct),
		cmocka_unit_test(test_arm64_alloc_noncoherent),
		cmocka_unit_test(test_arm32_alloc_noncoherent),
		cmocka_unit_test(test_arm64_alloc_uses_own_ops),
		cmocka_unit_test(test_foreign_map_and_cache_flush),
		cmocka_unit_test(test_no_xen_identity),
		cmocka_unit_test(test_ops_per_device),
		cmocka_unit_test(test_ops_stage2_iommu_left_alone),
		cmocka_unit_test(test_arm_dynamic_pools_contiguous),
		cmocka_unit_test(test_x86_pv_dynamic_pools_contiguous),
		cmocka_unit_test(test_arm_dynamic_pools_background),
		cmocka_unit_test(test_x86_pv_dynamic_pools_background),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
