/* SPDX-License-Identifier: MIT */
/*
 * The rest of Linux's DMA API (dmk_alloc_pages, _noncoherent,
 * _noncontiguous, map_resource, the queries, REQUIRE_COHERENT, DMA
 * pools) on every device of simulated worlds: dma-direct coherent and
 * not, swiotlb (a bus that reaches the first GiB, a restricted pool,
 * swiotlb=force),
 * swiotlb-xen (ARM64 dom0 not 1:1, x86 PV dom0) and the IOMMU ops (QEMU
 * virt with an SMMUv3).  Bytes are checked through each device's own
 * DMA engine, and the DMA-API checker must stay silent on correct use.
 */
#include "world.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define PG 4096UL

static struct sim_world *build_opts(const char *name, bool force)
{
	struct sim_world_options o;
	struct sim_world_desc d;
	struct sim_world *w = NULL;
	char err[256] = "";

	assert_int_equal(sim_platform_desc(name, &d, err, sizeof(err)), 0);
	sim_world_options_default(&o);
	o.cfg.debug = true;
	o.cfg.swiotlb_bytes = 4 << 20;
	o.cfg.swiotlb_force = force;
	if (sim_world_build(&d, &o, &w, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	return w;
}

static struct sim_world *build(const char *name)
{
	return build_opts(name, false);
}

static struct sim_world *build_dtb(const char *file)
{
	struct sim_dt_options dto = {0};
	struct sim_world_options o;
	struct sim_world_desc d;
	struct sim_world *w = NULL;
	char err[256] = "", path[512];

	snprintf(path, sizeof(path), "%s/%s", DTB_DIR, file);
	if (sim_dt_load_file(path, &dto, &d, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	sim_world_options_default(&o);
	o.cfg.debug = true;
	o.cfg.swiotlb_bytes = 4 << 20;
	if (sim_world_build(&d, &o, &w, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	return w;
}

static struct sim_world_device *find(struct sim_world *w, const char *name)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (!strcmp(w->devs[i].dev.name, name))
			return &w->devs[i];
	fail_msg("no device %s", name);
	return NULL;
}

static const struct dmk_platform *plat_of(struct sim_world_device *wd)
{
	return dmk_system_platform(wd->dev.sys);
}

static uint64_t dbg_errors(struct sim_world_device *wd)
{
	struct dmk_debug_stats st;

	assert_int_equal(dmk_debug_stats(wd->dev.sys, &st), 0);
	return st.errors;
}

static uint64_t bounced(struct sim_world_device *wd)
{
	struct dmk_dma_stats st;

	dmk_device_stats(&wd->dev, &st);
	return st.bounced;
}

static bool chain_has(struct sim_world_device *wd, const char *what)
{
	char chain[128];

	assert_int_equal(dmk_dma_ops_chain(&wd->dev, chain, sizeof(chain)), 0);
	return strstr(chain, what) != NULL;
}

/*
 * Bytes no earlier call wrote.  The simulated cache tells a dirty line
 * by its bytes (C differs from S, platform/sim/cache.c), so a CPU store
 * through the cacheable alias of exactly what a stale clean line holds
 * is invisible to it: a page reused by the next check with the same
 * pattern, after DRAM changed under the line (a non-cacheable view's
 * zeroing, a device's write), would lose its write-back.  Every check
 * writes a stream that never repeats.
 */
static void fill_unique(uint8_t *p, size_t n)
{
	static uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)(x >> 32);
	}
}

/* Pages the driver syncs: the CPU's bytes reach the device and back. */
static void check_pages(struct sim_world_device *wd, bool noncoherent_name)
{
	struct dmk_device *dev = &wd->dev;
	size_t size = 3 * PG + 100;
	static uint8_t want[4 * PG], got[4 * PG];
	dmk_addr_t h;
	uint8_t *cpu;

	cpu = noncoherent_name
		      ? dmk_alloc_noncoherent(dev, size, &h,
					      DMK_DMA_BIDIRECTIONAL)
		      : dmk_alloc_pages(dev, size, &h, DMK_DMA_BIDIRECTIONAL);
	assert_non_null(cpu);
	assert_false(dmk_mapping_error(dev, h));
	for (size_t i = 0; i < size; i++)
		assert_int_equal(cpu[i], 0);
	/* Cacheable memory: the CPU's view is the linear map. */
	assert_true(dmk_virt_to_phys(plat_of(wd), cpu) != ~0ULL);

	fill_unique(cpu, size);
	dmk_sync_single_for_device(dev, h, size, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(sim_dev_dma_read(&wd->sd, h, got, size), 0);
	assert_memory_equal(got, cpu, size);

	fill_unique(want, size);
	assert_int_equal(sim_dev_dma_write(&wd->sd, h, want, size), 0);
	dmk_sync_single_for_cpu(dev, h, size, DMK_DMA_BIDIRECTIONAL);
	assert_memory_equal(cpu, want, size);
	if (noncoherent_name)
		dmk_free_noncoherent(dev, size, cpu, h, DMK_DMA_BIDIRECTIONAL);
	else
		dmk_free_pages(dev, size, cpu, h, DMK_DMA_BIDIRECTIONAL);
}

/* A non-contiguous buffer: one device segment behind an IOMMU, one run
 * elsewhere; the bytes of every chunk reach the device in order. */
static void check_noncontiguous(struct sim_world_device *wd,
				unsigned long attrs)
{
	struct dmk_device *dev = &wd->dev;
	const struct dmk_platform *plat = plat_of(wd);
	size_t size = 5 * PG, off = 0;
	static uint8_t want[5 * PG], got[5 * PG];
	struct dmk_sg_table *sgt;
	uint8_t *va;

	sgt = dmk_alloc_noncontiguous(dev, size, DMK_DMA_BIDIRECTIONAL, attrs);
	assert_non_null(sgt);
	assert_true(sgt->nents >= 1 && sgt->nents <= sgt->orig_nents);
	if (chain_has(wd, "iommu")) {
		assert_int_equal(sgt->nents, 1);
		if (attrs & DMK_ATTR_ALLOC_SINGLE_PAGES)
			assert_int_equal(sgt->orig_nents, 5);
	} else {
		assert_int_equal(sgt->orig_nents, 1);
	}
	fill_unique(want, size);
	for (unsigned int i = 0; i < sgt->orig_nents && off < size; i++) {
		size_t n = sgt->sgl[i].length < size - off ? sgt->sgl[i].length
							   : size - off;

		memcpy(dmk_phys_to_virt(plat, sgt->sgl[i].phys), want + off, n);
		off += n;
	}
	va = dmk_vmap_noncontiguous(dev, size, sgt);
	if (sgt->orig_nents == 1)
		assert_non_null(va);
	if (va)
		assert_memory_equal(va, want, size);

	dmk_sync_sgtable_for_device(dev, sgt, DMK_DMA_BIDIRECTIONAL);
	off = 0;
	for (unsigned int i = 0; i < sgt->nents; i++) {
		size_t n = sgt->sgl[i].dma_length < size - off
				   ? sgt->sgl[i].dma_length
				   : size - off;

		assert_int_equal(sim_dev_dma_read(&wd->sd,
						  sgt->sgl[i].dma_address,
						  got + off, n),
				 0);
		off += n;
	}
	assert_int_equal(off, size);
	assert_memory_equal(got, want, size);
	if (va)
		dmk_vunmap_noncontiguous(dev, va);
	dmk_free_noncontiguous(dev, size, sgt, DMK_DMA_BIDIRECTIONAL);
}

/* A coherent buffer's pages as a table, mapped again by the same
 * device through map_sgtable: the device reads what the CPU wrote. */
static void check_sgtable(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	size_t size = 3 * PG, off = 0;
	static uint8_t got[3 * PG], want[3 * PG];
	struct dmk_sg_table sgt;
	dmk_addr_t h;
	uint8_t *cpu;

	cpu = dmk_alloc_coherent(dev, size, &h);
	assert_non_null(cpu);
	assert_int_equal(dmk_get_sgtable(dev, &sgt, cpu, h, size), 0);
	assert_true(sgt.orig_nents >= 1);
	/* As an importer would: the pages through their cacheable view, a
	 * streaming mapping then makes them the device's (a bounce copies
	 * through the cache, so the non-cacheable alias is not used). */
	fill_unique(want, size);
	for (unsigned int i = 0; i < sgt.orig_nents; i++) {
		size_t n = sgt.sgl[i].length;

		memcpy(dmk_phys_to_virt(plat_of(wd), sgt.sgl[i].phys),
		       want + off, n);
		off += n;
	}
	assert_int_equal(off, size);
	off = 0;
	assert_int_equal(dmk_map_sgtable(dev, &sgt, DMK_DMA_TO_DEVICE, 0), 0);
	assert_true(sgt.nents >= 1 && sgt.nents <= sgt.orig_nents);
	for (unsigned int i = 0; i < sgt.nents; i++) {
		assert_true(sgt.sgl[i].dma_length <= dev->max_seg_size ||
			    !chain_has(wd, "iommu"));
		assert_int_equal(
			sim_dev_dma_read(&wd->sd, sgt.sgl[i].dma_address,
					 got + off, sgt.sgl[i].dma_length),
			0);
		off += sgt.sgl[i].dma_length;
	}
	assert_int_equal(off, size);
	if (memcmp(got, want, size))
		fail_msg("%s: the device read other bytes", dev->name);
	dmk_sync_sgtable_for_cpu(dev, &sgt, DMK_DMA_TO_DEVICE);
	dmk_unmap_sgtable(dev, &sgt, DMK_DMA_TO_DEVICE, 0);
	dmk_sg_free_table(&sgt);
	dmk_free_coherent(dev, size, cpu, h);
}

/* The first 256 MiB step below 4 GiB that is not the guest's RAM. */
static dmk_phys_t mmio_phys(struct sim_world_device *wd)
{
	const struct dmk_platform *plat = plat_of(wd);

	for (dmk_phys_t p = 0x10000000; p < 0x100000000ULL; p += 0x10000000)
		if (!plat->ops->phys_is_ram(plat->ctx, p))
			return p;
	fail_msg("no hole below 4 GiB");
	return 0;
}

/* A resource is translated or refused, never bounced; RAM is refused
 * and reported. */
static void check_resource(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	const struct dmk_platform *plat = plat_of(wd);
	dmk_phys_t mmio = mmio_phys(wd), ram;
	uint64_t b0 = bounced(wd), e0 = dbg_errors(wd);
	dmk_addr_t a;
	void *page;

	a = dmk_map_resource(dev, mmio, PG, DMK_DMA_FROM_DEVICE, 0);
	if (chain_has(wd, "iommu")) {
		assert_false(dmk_mapping_error(dev, a));
		assert_true(a != mmio);
	} else if (!dmk_mapping_error(dev, a)) {
		assert_true(a == mmio + dev->bus_offset);
	} else {
		/* Only a device that cannot reach it refuses it. */
		assert_true(
			mmio + PG - 1 + dev->bus_offset > dev->dma_mask ||
			(dev->bus_dma_limit &&
			 mmio + PG - 1 + dev->bus_offset > dev->bus_dma_limit));
	}
	if (!dmk_mapping_error(dev, a))
		dmk_unmap_resource(dev, a, PG, DMK_DMA_FROM_DEVICE, 0);
	assert_int_equal(bounced(wd), b0);
	assert_int_equal(dbg_errors(wd), e0);

	page = plat->ops->alloc_pages(plat->ctx, 0, ~0ULL, &ram);
	assert_non_null(page);
	a = dmk_map_resource(dev, ram, PG, DMK_DMA_TO_DEVICE, 0);
	assert_int_equal(dmk_mapping_error(dev, a), -DMK_ENOMEM);
	assert_int_equal(dbg_errors(wd), e0 + 1);
	plat->ops->free_pages(plat->ctx, ram, 0);
}

/* REQUIRE_COHERENT: refused on a non-coherent device; never a bounce. */
static void check_require_coherent(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	const struct dmk_platform *plat = plat_of(wd);
	uint64_t b0 = bounced(wd);
	dmk_phys_t phys;
	dmk_addr_t a;
	void *page;

	page = plat->ops->alloc_pages(plat->ctx, 1, ~0ULL, &phys);
	assert_non_null(page);
	a = dmk_map_page_attrs(dev, phys, 2 * PG, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_REQUIRE_COHERENT);
	if (!dev->coherent)
		assert_int_equal(dmk_mapping_error(dev, a), -DMK_ENOMEM);
	if (!dmk_mapping_error(dev, a)) {
		assert_false(dmk_need_sync(dev, a) && !chain_has(wd, "xen"));
		dmk_unmap_page_attrs(dev, a, 2 * PG, DMK_DMA_TO_DEVICE,
				     DMK_ATTR_REQUIRE_COHERENT);
	}
	assert_int_equal(bounced(wd), b0);
	plat->ops->free_pages(plat->ctx, phys, 1);
}

static void check_queries(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	const struct dmk_platform *plat = plat_of(wd);
	uint64_t req = dmk_get_required_mask(dev);
	size_t opt = dmk_opt_mapping_size(dev);

	/* An all-ones mask. */
	assert_true(req != 0 && (req & (req + 1)) == 0);
	/* Only dma-direct knows better than Linux's 32-bit default. */
	if (!chain_has(wd, "direct") || chain_has(wd, ">"))
		assert_true(req == DMK_BIT_MASK(32));
	assert_true(opt <= dmk_max_mapping_size(dev));
	if (chain_has(wd, "iommu"))
		assert_int_equal(opt, 128 * 1024);
	if (dmk_addressing_limited(dev))
		assert_true(chain_has(wd, "direct") || dev->dma_mask < req);
	switch (plat->arch) {
	case DMK_ARCH_ARM64:
		assert_int_equal(dmk_get_cache_alignment(dev), 128);
		break;
	case DMK_ARCH_ARM32:
		assert_int_equal(dmk_get_cache_alignment(dev), 64);
		break;
	default:
		assert_int_equal(dmk_get_cache_alignment(dev), 1);
	}
}

/*
 * A coherent buffer is zeroed as the CPU sees it even when its pages
 * come back from an earlier buffer the device wrote: for a device that
 * does not snoop, DRAM must be zero, not only the CPU's cache.
 */
static void check_coherent_reuse(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	size_t size = 3 * PG;
	static uint8_t junk[3 * PG];
	dmk_addr_t h;
	uint8_t *cpu;

	cpu = dmk_alloc_coherent(dev, size, &h);
	assert_non_null(cpu);
	memset(junk, 0x5a, size);
	assert_int_equal(sim_dev_dma_write(&wd->sd, h, junk, size), 0);
	dmk_free_coherent(dev, size, cpu, h);
	cpu = dmk_alloc_coherent(dev, size, &h);
	assert_non_null(cpu);
	for (size_t i = 0; i < size; i++)
		if (cpu[i])
			fail_msg(
				"%s: byte %zu of a new coherent buffer is 0x%02x",
				dev->name, i, cpu[i]);
	dmk_free_coherent(dev, size, cpu, h);
}

/*
 * A DMA pool of 96-byte descriptors, 32-byte aligned, never crossing
 * 256 bytes (two fit in each 256, so every third would cross): blocks
 * from several coherent pages,
 * each reachable by the device at its handle with no sync in either
 * direction, zalloc'd ones zero, and every page back after destroy.
 */
#define POOL_BLOCKS 200

static void check_dma_pool(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	static uint8_t want[POOL_BLOCKS][96];
	struct dmk_dma_pool *pool;
	uint8_t *blk[POOL_BLOCKS], got[96];
	dmk_addr_t h[POOL_BLOCKS];

	pool = dmk_pool_create("desc", dev, 96, 32, 256);
	assert_non_null(pool);
	for (unsigned int i = 0; i < POOL_BLOCKS; i++) {
		blk[i] = i & 1 ? dmk_pool_zalloc(pool, &h[i])
			       : dmk_pool_alloc(pool, &h[i]);
		assert_non_null(blk[i]);
		assert_int_equal(h[i] & 31, 0);
		if (h[i] >> 8 != (h[i] + 95) >> 8)
			fail_msg("%s: pool block at 0x%llx crosses 256 bytes",
				 dev->name, (unsigned long long)h[i]);
		if (i & 1)
			for (unsigned int b = 0; b < 96; b++)
				assert_int_equal(blk[i][b], 0);
		fill_unique(want[i], 96);
		memcpy(blk[i], want[i], 96);
	}
	for (unsigned int i = 0; i < POOL_BLOCKS; i++) {
		assert_int_equal(sim_dev_dma_read(&wd->sd, h[i], got, 96), 0);
		if (memcmp(got, want[i], 96))
			fail_msg("%s: the device read other bytes in block %u",
				 dev->name, i);
		fill_unique(want[i], 96);
		assert_int_equal(sim_dev_dma_write(&wd->sd, h[i], want[i], 96),
				 0);
		if (memcmp(blk[i], want[i], 96))
			fail_msg("%s: block %u lost the device's bytes",
				 dev->name, i);
	}
	/* Every other block back, then reused, then all of them. */
	for (unsigned int i = 0; i < POOL_BLOCKS; i += 2)
		dmk_pool_free(pool, blk[i], h[i]);
	for (unsigned int i = 0; i < POOL_BLOCKS; i += 2)
		assert_non_null(blk[i] = dmk_pool_alloc(pool, &h[i]));
	for (unsigned int i = 0; i < POOL_BLOCKS; i++)
		dmk_pool_free(pool, blk[i], h[i]);
	dmk_pool_destroy(pool);
}

/* Every call on every device, the checker silent throughout. */
static void check_world(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *wd = &w->devs[i];
		uint64_t e0 = dbg_errors(wd);

		check_pages(wd, false);
		check_pages(wd, true);
		check_noncontiguous(wd, 0);
		check_noncontiguous(wd, DMK_ATTR_ALLOC_SINGLE_PAGES);
		check_require_coherent(wd);
		check_coherent_reuse(wd);
		check_dma_pool(wd);
		check_sgtable(wd);
		check_queries(wd);
		assert_int_equal(dbg_errors(wd), e0);
		check_resource(wd); /* one report: RAM as a resource */
		assert_int_equal(sim_device_faults(&wd->sd), 0);
	}
}

static void test_native(void **state)
{
	struct sim_world *w = build("arm64-native");

	(void)state;
	check_world(w);
	/* The direct answers, device by device. */
	assert_false(dmk_addressing_limited(&find(w, "nic0")->dev));
	assert_true(dmk_addressing_limited(&find(w, "nic1")->dev));
	assert_true(dmk_addressing_limited(&find(w, "blk0")->dev));
	assert_true(dmk_get_required_mask(&find(w, "nic0")->dev) ==
		    DMK_BIT_MASK(33));
	sim_world_destroy(w);
}

static void test_native_force_bounce(void **state)
{
	struct sim_world *w = build_opts("arm64-native", true);
	struct sim_world_device *nic0 = find(w, "nic0");
	const struct dmk_platform *plat = plat_of(nic0);
	dmk_phys_t phys;
	dmk_addr_t a;
	void *page;

	(void)state;
	check_world(w);
	/* A coherent device's bounced mapping needs syncs (the copy). */
	page = plat->ops->alloc_pages(plat->ctx, 0, ~0ULL, &phys);
	assert_non_null(page);
	a = dmk_map_page(&nic0->dev, phys, PG, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&nic0->dev, a));
	assert_true(dmk_need_sync(&nic0->dev, a));
	dmk_unmap_page(&nic0->dev, a, PG, DMK_DMA_TO_DEVICE);
	plat->ops->free_pages(plat->ctx, phys, 0);
	sim_world_destroy(w);
}

static void test_xen_arm64_dom0(void **state)
{
	struct sim_world *w = build("arm64-dom0");

	(void)state;
	check_world(w);
	sim_world_destroy(w);
}

static void test_xen_x86_pv_dom0(void **state)
{
	struct sim_world *w = build("x86-pv-dom0");

	(void)state;
	check_world(w);
	sim_world_destroy(w);
}

static void test_iommu(void **state)
{
	struct sim_world *w = build_dtb("qemu-virt-smmu.dtb");
	unsigned int behind = 0;

	(void)state;
	for (unsigned int i = 0; i < w->nr_devs; i++)
		behind += chain_has(&w->devs[i], "iommu");
	assert_true(behind > 0);
	check_world(w);
	sim_world_destroy(w);
}

/* ---- coherent memory behind the SMMU (iommu_dma_alloc) ---- */

#define FRAG_PAGES 32

/* Take 2n single pages and give every other one back: the guest's
 * next single pages are then scattered holes.  kept[] gets the rest. */
static void fragment(const struct dmk_platform *plat, dmk_phys_t *kept,
		     unsigned int n)
{
	dmk_phys_t taken[2 * FRAG_PAGES];

	assert_true(n <= FRAG_PAGES);
	for (unsigned int i = 0; i < 2 * n; i++)
		assert_non_null(
			plat->ops->alloc_pages(plat->ctx, 0, ~0ULL, &taken[i]));
	for (unsigned int i = 0; i < 2 * n; i++) {
		if (i % 2)
			plat->ops->free_pages(plat->ctx, taken[i], 0);
		else
			kept[i / 2] = taken[i];
	}
}

/* The CPU's bytes at cpu are the device's at h, both ways, with no
 * sync: the memory is coherent for both. */
static void check_bytes_both_ways(struct sim_world_device *wd, uint8_t *cpu,
				  dmk_addr_t h, size_t size)
{
	static uint8_t want[64 * PG], got[64 * PG];

	assert_true(size <= sizeof(want));
	for (size_t i = 0; i < size; i++)
		assert_int_equal(cpu[i], 0);
	fill_unique(cpu, size);
	assert_int_equal(sim_dev_dma_read(&wd->sd, h, got, size), 0);
	if (memcmp(got, cpu, size))
		fail_msg("%s: the device read other bytes at 0x%llx",
			 wd->dev.name, (unsigned long long)h);
	fill_unique(want, size);
	assert_int_equal(sim_dev_dma_write(&wd->sd, h, want, size), 0);
	if (memcmp(cpu, want, size))
		fail_msg("%s: the CPU read other bytes than the device wrote",
			 wd->dev.name);
}

/* How many physically contiguous runs the buffer's pages make. */
static unsigned int runs_of(struct sim_world_device *wd, void *cpu,
			    dmk_addr_t h, size_t size, dmk_phys_t *first)
{
	struct dmk_sg_table sgt;
	unsigned int n;

	assert_int_equal(dmk_get_sgtable(&wd->dev, &sgt, cpu, h, size), 0);
	n = sgt.orig_nents;
	*first = sgt.sgl[0].phys;
	dmk_sg_free_table(&sgt);
	return n;
}

/*
 * One device behind the SMMU, coherent or not: a coherent buffer is
 * made of scattered pages that the CPU reaches through one range (the
 * platform's vmap, with dma_pgprot's type) and the device through one
 * IOVA range; FORCE_CONTIGUOUS is one block; ALLOC_SINGLE_PAGES
 * works the same; every free gives back every page and IOMMU entry.
 */
static void check_iommu_coherent(struct sim_world_device *wd)
{
	struct dmk_device *dev = &wd->dev;
	const struct dmk_platform *plat = plat_of(wd);
	struct sim_domain *dom = wd->guest->dom;
	size_t size = 8 * PG - 100;
	uint64_t free0 = sim_pagealloc_free_pages(dom->alloc);
	uint64_t mapped0 = sim_smmu_mapped_pages(wd->sd.smmu);
	dmk_phys_t kept[FRAG_PAGES], phys;
	dmk_addr_t h;
	uint8_t *cpu;

	fragment(plat, kept, FRAG_PAGES);

	/* The default: pages from the holes, not contiguous. */
	cpu = dmk_alloc_coherent(dev, size, &h);
	assert_non_null(cpu);
	assert_int_equal(sim_domain_vmap_type(dom, cpu),
			 dev->coherent ? DMK_VMAP_CACHED
				       : DMK_VMAP_DMA_COHERENT);
	assert_true(runs_of(wd, cpu, h, size, &phys) > 1);
	check_bytes_both_ways(wd, cpu, h, size);
	dmk_free_coherent(dev, size, cpu, h);
	assert_int_equal(sim_domain_vmap_type(dom, cpu), -1);

	/* FORCE_CONTIGUOUS: one block; the linear map for a coherent
	 * device, else a vmap of WRITE_COMBINE's type. */
	cpu = dmk_alloc_attrs(dev, size, &h,
			      DMK_ATTR_FORCE_CONTIGUOUS |
				      DMK_ATTR_WRITE_COMBINE);
	assert_non_null(cpu);
	assert_int_equal(runs_of(wd, cpu, h, size, &phys), 1);
	if (dev->coherent)
		assert_ptr_equal(cpu, dmk_phys_to_virt(plat, phys));
	else
		assert_int_equal(sim_domain_vmap_type(dom, cpu),
				 DMK_VMAP_WRITE_COMBINE);
	check_bytes_both_ways(wd, cpu, h, size);
	dmk_free_attrs(dev, size, cpu, h,
		       DMK_ATTR_FORCE_CONTIGUOUS | DMK_ATTR_WRITE_COMBINE);

	/* ALLOC_SINGLE_PAGES, and a size that is not a page multiple. */
	cpu = dmk_alloc_attrs(dev, 40 * PG + 1, &h,
			      DMK_ATTR_ALLOC_SINGLE_PAGES);
	assert_non_null(cpu);
	assert_true(runs_of(wd, cpu, h, 40 * PG + 1, &phys) > 1);
	check_bytes_both_ways(wd, cpu, h, 40 * PG + 1);
	dmk_free_attrs(dev, 40 * PG + 1, cpu, h, DMK_ATTR_ALLOC_SINGLE_PAGES);

	for (unsigned int i = 0; i < FRAG_PAGES; i++)
		plat->ops->free_pages(plat->ctx, kept[i], 0);
	/* Nothing kept: every page, IOMMU entry and CPU range is back. */
	assert_int_equal(sim_pagealloc_free_pages(dom->alloc), free0);
	assert_int_equal(sim_smmu_mapped_pages(wd->sd.smmu), mapped0);
	assert_int_equal(sim_device_faults(&wd->sd), 0);
}

/* On the SMMU tree: every device behind it, as it is and with the
 * other coherency (a master that does not snoop behind an SMMU is
 * common on SoCs; this tree's are all dma-coherent). */
static void test_iommu_coherent_alloc(void **state)
{
	struct sim_world *w = build_dtb("qemu-virt-smmu.dtb");
	unsigned int checked = 0;

	(void)state;
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *wd = &w->devs[i];
		bool dev_coherent = wd->dev.coherent;
		bool sd_coherent = wd->sd.coherent;
		uint64_t e0 = dbg_errors(wd);

		if (!chain_has(wd, "iommu"))
			continue;
		check_iommu_coherent(wd);
		wd->dev.coherent = wd->sd.coherent = !dev_coherent;
		check_iommu_coherent(wd);
		wd->dev.coherent = dev_coherent;
		wd->sd.coherent = sd_coherent;
		assert_int_equal(dbg_errors(wd), e0);
		checked++;
	}
	assert_true(checked > 0);
	sim_world_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native),
		cmocka_unit_test(test_native_force_bounce),
		cmocka_unit_test(test_xen_arm64_dom0),
		cmocka_unit_test(test_xen_x86_pv_dom0),
		cmocka_unit_test(test_iommu),
		cmocka_unit_test(test_iommu_coherent_alloc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
