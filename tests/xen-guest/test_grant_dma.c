/* SPDX-License-Identifier: MIT */
/*
 * Grant DMA ops (src/xen/grant-dma.c) on the simulated hypervisor: what
 * the library grants is checked in the domU's grant table as the
 * hypervisor model reads it, and what the backend in dom0 can do with a
 * bus address is checked by letting the device's DMA engine (a backend
 * mapping grants through map_grant_ref) try it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv.h"
#include "world.h"
#include "xen-internal.h"

#define PLATFORM "arm64-domU-virtio-grant"

static struct sim_world *build(struct sim_world_desc *desc)
{
	struct sim_world_options o;
	struct sim_world *w = NULL;
	char err[256];

	sim_world_options_default(&o);
	o.seed = 7;
	o.cfg.swiotlb_bytes = 1UL << 20;
	o.cfg.debug = true;
	if (sim_world_build(desc, &o, &w, err, sizeof(err)))
		fail_msg("world: %s", err);
	return w;
}

static struct sim_world *world(void)
{
	struct sim_world_desc desc;
	char err[256];

	assert_int_equal(sim_platform_desc(PLATFORM, &desc, err, sizeof(err)),
			 0);
	return build(&desc);
}

static struct sim_world_device *find_dev(struct sim_world *w, const char *n)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (!strcmp(w->devs[i].desc->path, n))
			return &w->devs[i];
	fail_msg("no device %s", n);
	return NULL;
}

static void *page(struct sim_world_guest *g, unsigned int order,
		  dmk_phys_t *phys)
{
	const struct dmk_platform *plat = &g->pd.plat;
	void *va = plat->ops->alloc_pages(plat->ctx, order, ~0ULL, phys);

	assert_non_null(va);
	return va;
}

static void page_free(struct sim_world_guest *g, dmk_phys_t phys,
		      unsigned int order)
{
	g->pd.plat.ops->free_pages(g->pd.plat.ctx, phys, order);
}

static uint64_t faults(struct sim_world_device *wd, enum sim_fault_kind k)
{
	return atomic_load(&wd->sd.faults[k]);
}

static uint64_t live(struct sim_world_guest *g)
{
	struct dmk_xen_stats st;

	assert_int_equal(dmk_xen_stats(g->sys, &st), 0);
	return st.grants_live;
}

/* Entries of g's table the hypervisor sees in use (any flag set). */
static unsigned int entries_in_use(struct sim_world_guest *g)
{
	unsigned int n = 0, nr = sim_xen_grant_nr_entries(g->dom);

	for (grant_ref_t ref = 0; ref < nr; ref++)
		if (sim_xen_grant_entry(g->dom, ref)->flags)
			n++;
	return n;
}

/* ---- selection ---- */

static void test_selection(void **state)
{
	struct sim_world *w = world();
	struct sim_world_desc desc;
	char chain[128], err[256];

	(void)state;
	/* The binding, and a virtio device the platform forces. */
	assert_int_equal(
		dmk_xen_grant_dma_backend(&find_dev(w, "virtio-net0")->dev), 0);
	assert_int_equal(
		dmk_xen_grant_dma_backend(&find_dev(w, "virtio-blk0")->dev), 0);
	assert_ptr_equal(dmk_get_dma_ops(&find_dev(w, "virtio-net0")->dev),
			 &dmk_xen_grant_dma_ops);
	dmk_dma_ops_chain(&find_dev(w, "virtio-blk0")->dev, chain,
			  sizeof(chain));
	assert_non_null(strstr(chain, "xen-grant-dma"));
	/* dom0's own NIC: swiotlb-xen, no grants. */
	assert_int_equal(dmk_xen_grant_dma_backend(&find_dev(w, "eth0")->dev),
			 -DMK_ENODEV);
	assert_ptr_equal(dmk_get_dma_ops(&find_dev(w, "eth0")->dev),
			 &dmk_xen_swiotlb_dma_ops);
	/* Only all-64-bit masks (Linux's xen_grant_dma_supported). */
	assert_false(dmk_dma_supported(&find_dev(w, "virtio-net0")->dev,
				       DMK_BIT_MASK(32)));
	assert_true(dmk_dma_supported(&find_dev(w, "virtio-net0")->dev,
				      DMK_BIT_MASK(64)));
	sim_world_destroy(w);

	/* Without CONFIG_XEN_VIRTIO_FORCE_GRANT the unbound device stays
	 * on dma-direct (the domU has no swiotlb-xen). */
	assert_int_equal(sim_platform_desc(PLATFORM, &desc, err, sizeof(err)),
			 0);
	desc.virtio_force_grant = false;
	w = build(&desc);
	assert_int_equal(
		dmk_xen_grant_dma_backend(&find_dev(w, "virtio-blk0")->dev),
		-DMK_ENODEV);
	assert_ptr_equal(dmk_get_dma_ops(&find_dev(w, "virtio-blk0")->dev),
			 &dmk_direct_coherent_ops);
	assert_int_equal(
		dmk_xen_grant_dma_backend(&find_dev(w, "virtio-net0")->dev), 0);
	sim_world_destroy(w);
}

/* ---- map, grant entries, revocation ---- */

static void test_map_grants_and_revokes(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	dmk_phys_t phys;
	uint8_t *va = page(domu, 1, &phys);
	uint8_t got[300];
	uint32_t ref = 0, off = 0;
	dmk_addr_t a;
	grant_entry_v1_t *e;

	(void)state;
	memset(va, 0x5a, 2 * DMK_PAGE_SIZE);
	/* 300 bytes across the page boundary: two consecutive grants. */
	a = dmk_map_page(&wd->dev, phys + DMK_PAGE_SIZE - 100, sizeof(got),
			 DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_true(a & DMK_XEN_GRANT_DMA_ADDR_OFF);
	assert_true(dmk_xen_grant_dma_decode(a, &ref, &off));
	assert_int_equal(off, DMK_PAGE_SIZE - 100);
	assert_int_equal(live(domu), 2);
	for (unsigned int i = 0; i < 2; i++) {
		e = sim_xen_grant_entry(domu->dom, ref + i);
		assert_non_null(e);
		assert_int_equal(e->domid, 0);
		assert_int_equal(e->frame, (phys >> 12) + i);
		assert_int_equal(e->flags, GTF_permit_access | GTF_readonly);
	}
	assert_int_equal(sim_dev_dma_read(&wd->sd, a, got, sizeof(got)), 0);
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0x5a);
	/* The backend's mappings are gone: nothing pins the entries. */
	assert_int_equal(sim_xen_grant_entry(domu->dom, ref)->flags &
				 (GTF_reading | GTF_writing),
			 0);

	dmk_unmap_page(&wd->dev, a, sizeof(got), DMK_DMA_TO_DEVICE);
	assert_int_equal(live(domu), 0);
	assert_int_equal(sim_xen_grant_entry(domu->dom, ref)->flags, 0);
	assert_int_equal(sim_xen_grant_entry(domu->dom, ref + 1)->flags, 0);
	/* Revoked: the backend cannot reach the page any more. */
	assert_int_equal(sim_dev_dma_read(&wd->sd, a, got, 16), -1);
	assert_int_equal(faults(wd, SIM_FAULT_GRANT), 1);
	/* A guest frame as bus address (the naive design): no grant. */
	assert_int_equal(sim_dev_dma_read(&wd->sd, phys, got, 16), -1);
	assert_int_equal(faults(wd, SIM_FAULT_GRANT), 2);
	/* A reference never granted. */
	assert_int_equal(
		sim_dev_dma_read(&wd->sd,
				 DMK_XEN_GRANT_DMA_ADDR_OFF | (300ULL << 12),
				 got, 16),
		-1);
	assert_int_equal(faults(wd, SIM_FAULT_GRANT), 3);
	page_free(domu, phys, 1);
	sim_world_destroy(w);
}

/*
 * An unmap or free whose bus address no grant stands behind (found by
 * fuzz/dma-target.c: the unmap of DMK_MAPPING_ERROR read past the grant
 * table, SIGSEGV).  The checker names the misuse; the grant ops refuse
 * it and leave every other mapping's references alone.
 */
static void test_unmap_of_no_grant_is_refused(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	struct dmk_debug_stats st;
	dmk_phys_t phys;
	uint8_t *va = page(domu, 0, &phys);
	uint32_t ref = 0, off = 0;
	uint8_t got[64];
	dmk_addr_t a;

	(void)state;
	memset(va, 0x3c, DMK_PAGE_SIZE);
	a = dmk_map_page(&wd->dev, phys, sizeof(got), DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_true(dmk_xen_grant_dma_decode(a, &ref, &off));
	/* The error value, a reference past the table, one never given,
	 * and the live one's neighbour. */
	dmk_unmap_page(&wd->dev, DMK_MAPPING_ERROR, DMK_PAGE_SIZE,
		       DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&wd->dev, DMK_XEN_GRANT_DMA_ADDR_OFF | (1ULL << 40),
		       DMK_PAGE_SIZE, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&wd->dev, DMK_XEN_GRANT_DMA_ADDR_OFF | (300ULL << 12),
		       DMK_PAGE_SIZE, DMK_DMA_TO_DEVICE);
	dmk_unmap_page(&wd->dev, a, 2 * DMK_PAGE_SIZE, DMK_DMA_TO_DEVICE);
	assert_int_equal(dmk_debug_stats(domu->sys, &st), 0);
	assert_true(st.errors >= 4);
	/* The live mapping's grant is still there and the device reads. */
	assert_int_equal(live(domu), 1);
	assert_int_equal(sim_xen_grant_entry(domu->dom, ref)->flags,
			 GTF_permit_access | GTF_readonly);
	assert_int_equal(sim_dev_dma_read(&wd->sd, a, got, sizeof(got)), 0);
	assert_int_equal(got[0], 0x3c);
	page_free(domu, phys, 0);
	sim_world_destroy(w);
}

/* ---- read-only grants ---- */

static void test_read_only_grant(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-blk0");
	dmk_phys_t phys;
	uint8_t *va = page(domu, 0, &phys);
	uint8_t data[64];
	dmk_addr_t a;

	(void)state;
	memset(va, 0x11, DMK_PAGE_SIZE);
	memset(data, 0xee, sizeof(data));
	a = dmk_map_page(&wd->dev, phys + 64, sizeof(data), DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_int_equal(sim_dev_dma_write(&wd->sd, a, data, sizeof(data)), -1);
	assert_int_equal(faults(wd, SIM_FAULT_READ_ONLY), 1);
	assert_int_equal(va[64], 0x11);
	dmk_unmap_page(&wd->dev, a, sizeof(data), DMK_DMA_TO_DEVICE);

	/* FROM_DEVICE grants are writable: the write lands. */
	a = dmk_map_page(&wd->dev, phys + 64, sizeof(data),
			 DMK_DMA_FROM_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_int_equal(
		sim_xen_grant_entry(domu->dom, (a >> 12) & 0xffffff)->flags,
		GTF_permit_access);
	assert_int_equal(sim_dev_dma_write(&wd->sd, a, data, sizeof(data)), 0);
	dmk_unmap_page(&wd->dev, a, sizeof(data), DMK_DMA_FROM_DEVICE);
	for (size_t i = 0; i < sizeof(data); i++)
		assert_int_equal(va[64 + i], 0xee);
	assert_int_equal(va[63], 0x11);
	page_free(domu, phys, 0);
	sim_world_destroy(w);
}

/* ---- coherent allocations and scatterlists ---- */

static void test_alloc_and_sg(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	size_t size = 3 * DMK_PAGE_SIZE - 8;
	uint8_t buf[DMK_PAGE_SIZE];
	struct dmk_sg sg[3];
	dmk_phys_t phys;
	uint8_t *va = page(domu, 2, &phys);
	dmk_addr_t h;
	uint8_t *cpu;
	uint32_t ref = 0, off = 0;

	(void)state;
	cpu = dmk_alloc_coherent(&wd->dev, size, &h);
	assert_non_null(cpu);
	assert_true(dmk_xen_grant_dma_decode(h, &ref, &off));
	assert_int_equal(off, 0);
	/* Granted whole, writable, on consecutive references. */
	assert_int_equal(live(domu), 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(sim_xen_grant_entry(domu->dom, ref + i)->flags,
				 GTF_permit_access);
	/* The device writes across all three pages; the CPU sees it. */
	for (size_t at = 0; at < size; at += sizeof(buf)) {
		size_t n = size - at < sizeof(buf) ? size - at : sizeof(buf);

		memset(buf, (int)(at >> 12) + 1, n);
		assert_int_equal(sim_dev_dma_write(&wd->sd, h + at, buf, n), 0);
	}
	assert_int_equal(cpu[0], 1);
	assert_int_equal(cpu[DMK_PAGE_SIZE], 2);
	assert_int_equal(cpu[size - 1], 3);
	dmk_free_coherent(&wd->dev, size, cpu, h);
	assert_int_equal(live(domu), 0);

	/* A scatterlist: every entry granted, bytes through each. */
	for (unsigned int i = 0; i < 3; i++) {
		sg[i].phys = phys + i * DMK_PAGE_SIZE + 32 * i;
		sg[i].length = 200 + i;
		memset(va + i * DMK_PAGE_SIZE + 32 * i, 0x40 + i, 200 + i);
	}
	assert_int_equal(dmk_map_sg(&wd->dev, sg, 3, DMK_DMA_TO_DEVICE), 3);
	assert_int_equal(live(domu), 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(sim_dev_dma_read(&wd->sd, sg[i].dma_address,
						  buf, sg[i].dma_length),
				 0);
		assert_int_equal(buf[0], 0x40 + i);
		assert_int_equal(buf[sg[i].dma_length - 1], 0x40 + i);
	}
	dmk_unmap_sg(&wd->dev, sg, 3, DMK_DMA_TO_DEVICE);
	assert_int_equal(live(domu), 0);
	assert_int_equal(entries_in_use(domu), 0);
	page_free(domu, phys, 2);
	sim_world_destroy(w);
}

/* ---- a backend that does not let go ---- */

static void test_revoke_while_mapped_breaks_device(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *dom0 = &w->guests[0], *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-blk0");
	struct dmk_xen_foreign_page fp;
	dmk_phys_t phys;
	uint32_t ref = 0, off = 0;
	dmk_addr_t a;

	(void)state;
	page(domu, 0, &phys);
	a = dmk_map_page(&wd->dev, phys, 128, DMK_DMA_FROM_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_true(dmk_xen_grant_dma_decode(a, &ref, &off));
	/* The backend keeps a mapping of its own across the unmap. */
	assert_int_equal(dmk_xen_map_foreign(dom0->sys, domu->dom->domid,
					     (int)ref, false, &fp),
			 0);
	dmk_unmap_page(&wd->dev, a, 128, DMK_DMA_FROM_DEVICE);
	/* Not revoked, not reused: the reference stays the backend's. */
	assert_int_equal(live(domu), 1);
	assert_true(sim_xen_grant_entry(domu->dom, ref)->flags &
		    GTF_permit_access);
	/* Linux's "disabled for further use". */
	a = dmk_map_page(&wd->dev, phys, 128, DMK_DMA_FROM_DEVICE);
	assert_true(dmk_mapping_error(&wd->dev, a));
	assert_int_equal(dmk_xen_unmap_foreign(dom0->sys, &fp), 0);
	page_free(domu, phys, 0);
	sim_world_destroy(w);
}

/* ---- growth and exhaustion ---- */

static uint64_t counter(struct sim_xen *x, const char *name)
{
	for (unsigned int i = 0; i < x->nr_counters; i++)
		if (!strcmp(x->counters[i].name, name))
			return atomic_load(&x->counters[i].n);
	return 0;
}

#define MANY 1100 /* more than two frames' worth of references */

static void test_table_grows(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	dmk_addr_t *a = calloc(MANY, sizeof(*a));
	struct dmk_xen_stats st;
	dmk_phys_t phys;
	uint8_t b;

	(void)state;
	assert_non_null(a);
	page(domu, 0, &phys);
	assert_int_equal(dmk_xen_stats(domu->sys, &st), 0);
	assert_int_equal(st.grant_frames, 0);
	for (unsigned int i = 0; i < MANY; i++) {
		a[i] = dmk_map_page(&wd->dev, phys + (i % 4096), 1,
				    DMK_DMA_TO_DEVICE);
		assert_false(dmk_mapping_error(&wd->dev, a[i]));
	}
	assert_int_equal(dmk_xen_stats(domu->sys, &st), 0);
	assert_int_equal(st.grants_live, MANY);
	/* 8 reserved + 1100 references: three frames, asked one by one
	 * with add_to_physmap as Linux's gnttab_expand does. */
	assert_int_equal(st.grant_frames, 3);
	assert_int_equal(st.grant_max_frames, SIM_GNT_MAX_FRAMES);
	assert_int_equal(sim_xen_grant_nr_entries(domu->dom),
			 3 * SIM_GNT_PER_FRAME);
	assert_true(counter(w->xen, "grant_table_op:query_size") >= 1);
	/* The last reference, in the third frame, really works. */
	assert_int_equal(sim_dev_dma_read(&wd->sd, a[MANY - 1], &b, 1), 0);
	for (unsigned int i = 0; i < MANY; i++)
		dmk_unmap_page(&wd->dev, a[i], 1, DMK_DMA_TO_DEVICE);
	assert_int_equal(live(domu), 0);
	assert_int_equal(entries_in_use(domu), 0);
	free(a);
	page_free(domu, phys, 0);
	sim_world_destroy(w);
}

static void test_refs_run_out(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	unsigned int cap = 2 * SIM_GNT_PER_FRAME - GNTTAB_NR_RESERVED_ENTRIES;
	dmk_addr_t *a = calloc(cap, sizeof(*a));
	struct dmk_xen_stats st;
	dmk_phys_t phys;
	dmk_addr_t x;

	(void)state;
	assert_non_null(a);
	/* The toolstack's max_grant_frames for this domU: 2. */
	assert_int_equal(sim_xen_grant_set_frames(w->xen, domu->dom, 1, 2), 0);
	page(domu, 0, &phys);
	for (unsigned int i = 0; i < cap; i++) {
		a[i] = dmk_map_page(&wd->dev, phys, 8, DMK_DMA_TO_DEVICE);
		assert_false(dmk_mapping_error(&wd->dev, a[i]));
	}
	/* One more: the table may not grow, the map fails cleanly. */
	x = dmk_map_page(&wd->dev, phys, 8, DMK_DMA_TO_DEVICE);
	assert_true(dmk_mapping_error(&wd->dev, x));
	assert_non_null(strstr(domu->pd.last_log, "grant table full"));
	/* A two-page coherent buffer neither. */
	assert_null(dmk_alloc_coherent(&wd->dev, 2 * DMK_PAGE_SIZE, &x));
	assert_int_equal(dmk_xen_stats(domu->sys, &st), 0);
	assert_int_equal(st.grant_frames, 2);
	assert_int_equal(st.grants_live, cap);
	/* Freeing one makes room again: the device is not broken. */
	dmk_unmap_page(&wd->dev, a[17], 8, DMK_DMA_TO_DEVICE);
	a[17] = dmk_map_page(&wd->dev, phys, 8, DMK_DMA_TO_DEVICE);
	assert_false(dmk_mapping_error(&wd->dev, a[17]));
	for (unsigned int i = 0; i < cap; i++)
		dmk_unmap_page(&wd->dev, a[i], 8, DMK_DMA_TO_DEVICE);
	assert_int_equal(live(domu), 0);
	free(a);
	page_free(domu, phys, 0);
	sim_world_destroy(w);
}

/* ---- teardown ---- */

static void test_teardown_releases_grants(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	struct sim_grant_table *gt = domu->dom->grants;
	dmk_addr_t h, a;
	dmk_phys_t phys;
	void *cpu;

	(void)state;
	page(domu, 0, &phys);
	cpu = dmk_alloc_coherent(&wd->dev, 5 * DMK_PAGE_SIZE, &h);
	assert_non_null(cpu);
	a = dmk_map_page(&wd->dev, phys, 100, DMK_DMA_BIDIRECTIONAL);
	assert_false(dmk_mapping_error(&wd->dev, a));
	assert_int_equal(live(domu), 6);
	dmk_unmap_page(&wd->dev, a, 100, DMK_DMA_BIDIRECTIONAL);
	dmk_free_coherent(&wd->dev, 5 * DMK_PAGE_SIZE, cpu, h);
	assert_int_equal(entries_in_use(domu), 0);
	page_free(domu, phys, 0);
	assert_true(gt->gfn[0] != SIM_INVALID_MFN);

	/* The domU's devices, then its DMA layer: the table's frames leave
	 * its p2m and the guest frames under them come back as RAM. */
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (w->devs[i].guest == domu)
			dmk_device_fini(&w->devs[i].dev);
	dmk_system_destroy(domu->sys);
	domu->sys = NULL;
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		assert_true(gt->gfn[i] == SIM_INVALID_MFN);
	assert_int_equal(gt->nr_maps, 0);
	assert_int_equal(entries_in_use(domu), 0);
	sim_world_destroy(w);
}

/* ---- the newer API: alloc_pages, noncontiguous, sgtable, resources ---- */

/* The device writes `pattern` over [h, h + size) through the grant
 * backend and reads it back: the pages are granted writable whole. */
static void device_round_trip(struct sim_world_device *wd, dmk_addr_t h,
			      size_t size, uint8_t pattern)
{
	uint8_t buf[DMK_PAGE_SIZE];

	for (size_t at = 0; at < size; at += sizeof(buf)) {
		size_t n = size - at < sizeof(buf) ? size - at : sizeof(buf);

		memset(buf, pattern ^ (uint8_t)(at >> 12), n);
		assert_int_equal(sim_dev_dma_write(&wd->sd, h + at, buf, n), 0);
	}
}

static void test_alloc_pages_and_noncontiguous(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-blk0");
	struct dmk_device *dev = &wd->dev;
	size_t size = 2 * DMK_PAGE_SIZE + 100;
	struct dmk_sg_table sgt, *nc;
	uint32_t ref = 0, off = 0;
	uint8_t got[DMK_PAGE_SIZE];
	dmk_addr_t h;
	uint8_t *cpu;

	(void)state;
	/* dma_alloc_pages for DMA_TO_DEVICE: three references, writable
	 * as Linux's (it is the coherent allocator), zeroed. */
	cpu = dmk_alloc_pages(dev, size, &h, DMK_DMA_TO_DEVICE);
	assert_non_null(cpu);
	assert_true(dmk_xen_grant_dma_decode(h, &ref, &off));
	assert_int_equal(off, 0);
	assert_int_equal(live(domu), 3);
	for (unsigned int i = 0; i < 3; i++) {
		grant_entry_v1_t *e = sim_xen_grant_entry(domu->dom, ref + i);

		assert_int_equal(e->flags, GTF_permit_access);
		assert_int_equal(e->domid, 0);
		assert_int_equal(e->frame,
				 (dmk_virt_to_phys(&domu->pd.plat, cpu) >> 12) +
					 i);
	}
	for (size_t i = 0; i < size; i++)
		assert_int_equal(cpu[i], 0);
	/* The CPU fills it, the backend reads every byte by grant. */
	for (size_t i = 0; i < size; i++)
		cpu[i] = (uint8_t)(i * 7 + 3);
	dmk_sync_single_for_device(dev, h, size, DMK_DMA_TO_DEVICE);
	for (size_t at = 0; at < size; at += sizeof(got)) {
		size_t n = size - at < sizeof(got) ? size - at : sizeof(got);

		assert_int_equal(sim_dev_dma_read(&wd->sd, h + at, got, n), 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(got[i], (uint8_t)((at + i) * 7 + 3));
	}
	/* Its pages as a table: the linear pages behind the grants. */
	assert_int_equal(dmk_get_sgtable(dev, &sgt, cpu, h, size), 0);
	assert_int_equal(sgt.nents, 1);
	assert_int_equal(sgt.sgl[0].phys,
			 dmk_virt_to_phys(&domu->pd.plat, cpu));
	assert_int_equal(sgt.sgl[0].length, 3 * DMK_PAGE_SIZE);
	dmk_sg_free_table(&sgt);
	/* Not a grant address: refused. */
	assert_int_equal(dmk_get_sgtable(dev, &sgt, cpu,
					 dmk_virt_to_phys(&domu->pd.plat, cpu),
					 size),
			 -DMK_EINVAL);
	dmk_free_pages(dev, size, cpu, h, DMK_DMA_TO_DEVICE);
	assert_int_equal(live(domu), 0);
	assert_int_equal(entries_in_use(domu), 0);
	/* Revoked with the free: the backend faults on the old reference. */
	assert_int_equal(sim_dev_dma_read(&wd->sd, h, got, 8), -1);
	assert_int_equal(faults(wd, SIM_FAULT_GRANT), 1);

	/* dma_alloc_noncoherent for DMA_FROM_DEVICE: the device writes,
	 * the CPU reads after the sync. */
	cpu = dmk_alloc_noncoherent(dev, size, &h, DMK_DMA_FROM_DEVICE);
	assert_non_null(cpu);
	device_round_trip(wd, h, size, 0xa5);
	dmk_sync_single_for_cpu(dev, h, size, DMK_DMA_FROM_DEVICE);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(cpu[i], 0xa5 ^ (uint8_t)(i >> 12));
	dmk_free_noncoherent(dev, size, cpu, h, DMK_DMA_FROM_DEVICE);
	assert_int_equal(live(domu), 0);

	/* dma_alloc_noncontiguous: no hook of its own in Linux's grant
	 * ops, so one granted run through alloc_pages. */
	nc = dmk_alloc_noncontiguous(dev, size, DMK_DMA_BIDIRECTIONAL, 0);
	assert_non_null(nc);
	assert_int_equal(nc->nents, 1);
	assert_int_equal(nc->orig_nents, 1);
	assert_true(nc->sgl[0].dma_address & DMK_XEN_GRANT_DMA_ADDR_OFF);
	assert_int_equal(live(domu), 3);
	cpu = dmk_vmap_noncontiguous(dev, size, nc);
	assert_non_null(cpu);
	device_round_trip(wd, nc->sgl[0].dma_address, size, 0x3c);
	dmk_sync_sgtable_for_cpu(dev, nc, DMK_DMA_BIDIRECTIONAL);
	for (size_t i = 0; i < size; i++)
		assert_int_equal(cpu[i], 0x3c ^ (uint8_t)(i >> 12));
	dmk_vunmap_noncontiguous(dev, cpu);
	dmk_free_noncontiguous(dev, size, nc, DMK_DMA_BIDIRECTIONAL);
	assert_int_equal(live(domu), 0);
	assert_int_equal(entries_in_use(domu), 0);
	assert_int_equal(faults(wd, SIM_FAULT_GRANT), 1);
	assert_int_equal(faults(wd, SIM_FAULT_READ_ONLY), 0);
	sim_world_destroy(w);
}

/* Linux's grant ops have no map_resource: DMA_MAPPING_ERROR. */
static void test_map_resource_refused(void **state)
{
	struct sim_world *w = world();
	struct sim_world_guest *domu = &w->guests[1];
	struct sim_world_device *wd = find_dev(w, "virtio-net0");
	const struct dmk_platform *plat = &domu->pd.plat;
	struct dmk_dma_stats st0, st1;
	dmk_phys_t mmio = 0;
	dmk_addr_t a;

	(void)state;
	for (dmk_phys_t p = 0x10000000; p < 0x100000000ULL && !mmio;
	     p += 0x10000000)
		if (!plat->ops->phys_is_ram(plat->ctx, p))
			mmio = p;
	assert_true(mmio != 0);
	dmk_device_stats(&wd->dev, &st0);
	domu->pd.last_log[0] = '\0';
	a = dmk_map_resource(&wd->dev, mmio, DMK_PAGE_SIZE, DMK_DMA_FROM_DEVICE,
			     0);
	assert_true(dmk_mapping_error(&wd->dev, a));
	assert_non_null(strstr(domu->pd.last_log,
			       "ops xen-grant-dma have no map_resource"));
	/* The same for MMIO through map_page_attrs (dma_map_phys). */
	a = dmk_map_page_attrs(&wd->dev, mmio, 64, DMK_DMA_TO_DEVICE,
			       DMK_ATTR_MMIO);
	assert_true(dmk_mapping_error(&wd->dev, a));
	dmk_device_stats(&wd->dev, &st1);
	assert_int_equal(st1.errors, st0.errors + 2);
	assert_int_equal(st1.maps, st0.maps);
	assert_int_equal(live(domu), 0);
	sim_world_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selection),
		cmocka_unit_test(test_map_grants_and_revokes),
		cmocka_unit_test(test_unmap_of_no_grant_is_refused),
		cmocka_unit_test(test_read_only_grant),
		cmocka_unit_test(test_alloc_and_sg),
		cmocka_unit_test(test_revoke_while_mapped_breaks_device),
		cmocka_unit_test(test_table_grows),
		cmocka_unit_test(test_refs_run_out),
		cmocka_unit_test(test_teardown_releases_grants),
		cmocka_unit_test(test_alloc_pages_and_noncontiguous),
		cmocka_unit_test(test_map_resource_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
