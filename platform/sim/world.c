/* SPDX-License-Identifier: MIT */
/*
 * Build a simulated world from its description: the machine, the
 * hypervisor (if any), each guest with its page allocator, its platform
 * and its DMA layer (dmk_system), then the devices as firmware describes
 * them, set up as Linux's arch_setup_dma_ops would.
 *
 * The order matters and follows a real boot: RAM, hypervisor, dom0, a
 * domU, reserved-memory taken out of the page allocator before the OS
 * starts allocating, then the DMA layer (swiotlb, swiotlb-xen), then the
 * devices.  A driver's own set_dma_ops comes later still, in its probe
 * (workloads/), which is exactly the ordering the 2013 thread is about.
 */
#include "world.h"
#include "faults.h"

#include <dmakit/xen.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOM0_MAX_ORDER 18 /* Xen's limit for the hardware domain */
#define DOMU_MAX_ORDER 9  /* and a domU's (2 MiB extents) */
#define FRAG_MAX_RUN 16	  /* longest machine-contiguous run of a guest */
#define DOM0_DEFAULT_CAP (256ULL << 20)	 /* default dom0 RAM, at most */
#define XEN_RESERVE_PAGES 4096		 /* frames a DT dom0 leaves to Xen */
#define ARM_GUEST_RAM_BASE 0x40000000ULL /* Xen's GUEST_RAM0_BASE */
#define IOVA_BASE 0x100000ULL		 /* IOVAs start above the first MiB */
#define IOVA_MAX_SIZE (1ULL << 32)

static int world_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int world_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void sim_world_options_default(struct sim_world_options *o)
{
	memset(o, 0, sizeof(*o));
	o->seed = 1;
	dmk_system_config_default(&o->cfg);
}

static uint64_t ram_frames(const struct sim_world_desc *desc)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < desc->nbanks; i++)
		n += desc->banks[i].size >> SIM_PAGE_SHIFT;
	return n;
}

static bool desc_is_xen(const struct sim_world_desc *desc)
{
	return desc->hyp != SIM_HYP_NONE;
}

static bool desc_is_arm_xen(const struct sim_world_desc *desc)
{
	return desc->hyp == SIM_HYP_XEN_ARM ||
	       desc->hyp == SIM_HYP_XEN_ARM_1TO1;
}

/*
 * dom0's share of RAM.  A 1:1 dom0 described by firmware (a device tree
 * with a /hypervisor node) is given all RAM but a slice for Xen, since the
 * tree describes dom0's own memory; a built-in platform says how much.
 */
static uint64_t dom0_pages(const struct sim_world_desc *desc)
{
	uint64_t total = ram_frames(desc);
	uint64_t pages = desc->dom0_pages;

	if (!pages && desc->hyp == SIM_HYP_XEN_ARM_1TO1 && !desc->domu_pages)
		pages = total > 2 * XEN_RESERVE_PAGES
				? total - XEN_RESERVE_PAGES
				: total / 2;
	if (!pages) {
		pages = total / 2;
		if (pages > (DOM0_DEFAULT_CAP >> SIM_PAGE_SHIFT))
			pages = DOM0_DEFAULT_CAP >> SIM_PAGE_SHIFT;
	}
	return pages;
}

/* ---- guests ---- */

/* Take reserved-memory regions out of the guest's page allocator before
 * anything allocates, as the kernel does with memblock reservations. */
static int reserve_pools(struct sim_world *w, struct sim_world_guest *g,
			 char *err, size_t errlen)
{
	const struct sim_world_desc *desc = &w->desc;

	for (unsigned int i = 0; i < desc->nr_pools; i++) {
		const struct sim_desc_pool *p = &desc->pools[i];
		uint64_t first = p->base >> SIM_PAGE_SHIFT;
		uint64_t last = (p->base + p->size - 1) >> SIM_PAGE_SHIFT;

		if (!p->size)
			continue;
		/* A restricted pool: the library decides whether it can
		 * serve a guest that is not 1:1 (swiotlb-xen refuses). */
		if (!g->dom->direct_mapped && !p->restricted)
			return world_err(
				err, errlen,
				"reserved-memory %s needs a guest whose RAM is mapped 1:1",
				p->name);
		if (first < g->dom->gfn_base ||
		    last >= g->dom->gfn_base + g->dom->nr_gfns)
			continue; /* not in this guest's RAM: nothing to take */
		sim_pagealloc_reserve(g->dom->alloc, first, last - first + 1);
	}
	return 0;
}

/*
 * Where the guest's bounce pool goes, as Linux decides it.  On ARM,
 * arm64's zone_sizes_init: zone_dma_bits = min(32, fls64(
 * of_dma_get_max_cpu_address())), the lowest of the highest CPU
 * addresses the tree's dma-ranges reach, and ZONE_DMA ends at
 * max_zone_phys(zone_dma_bits): that mask, unless RAM starts above it
 * (then 4 GiB) or above 4 GiB (then no limit), and never past the end
 * of RAM; swiotlb_init takes its pool from there (memblock_alloc_low).
 * A Raspberry Pi 4 style bus that reaches the first GiB puts it there;
 * a Keystone board whose RAM is all above 4 GiB has it anywhere.  A
 * master whose dma-ranges reach no RAM of the guest at all (a remote
 * processor's window) is left out: it bounces nothing.  On x86 the pool
 * is below 4 GiB.  Under Xen the limit also bounds the machine frames
 * swiotlb-xen asks for.
 */
static uint64_t guest_pool_limit(const struct sim_world *w,
				 const struct sim_world_guest *g)
{
	const struct sim_world_desc *desc = &w->desc;
	uint64_t ram_start = g->dom->gfn_base << SIM_PAGE_SHIFT;
	uint64_t ram_last = ram_start + (g->dom->nr_gfns << SIM_PAGE_SHIFT) - 1;
	unsigned int idx = (unsigned int)(g - w->guests);
	uint64_t max_cpu = ~0ULL, zone_mask;
	unsigned int bits;

	if (desc->arch != DMK_ARCH_ARM64 && desc->arch != DMK_ARCH_ARM32)
		return DMK_SWIOTLB_DEFAULT_LIMIT;
	for (unsigned int i = 0; i < desc->nr_devs; i++) {
		const struct sim_desc_device *d = &desc->devs[i];
		uint64_t top = d->dma_limit ? d->dma_limit : ~0ULL;

		for (unsigned int r = 0; r < d->nr_regions; r++)
			if (r == 0 ||
			    d->regions[r].cpu_start + d->regions[r].size - 1 >
				    top)
				top = d->regions[r].cpu_start +
				      d->regions[r].size - 1;
		if (d->guest == idx && top >= ram_start && top < max_cpu)
			max_cpu = top;
	}
	bits = dmk_fls64(max_cpu);
	zone_mask = DMK_BIT_MASK(bits < 32 ? bits : 32);
	if (ram_start > 0xffffffffULL)
		zone_mask = ~0ULL;
	else if (ram_start > zone_mask)
		zone_mask = 0xffffffffULL;
	return zone_mask < ram_last ? zone_mask : ram_last;
}

const char *sim_pool_use_name(enum sim_pool_use u)
{
	switch (u) {
	case SIM_POOL_NONE:
		return "none";
	case SIM_POOL_COHERENT:
		return "coherent";
	case SIM_POOL_CMA:
		return "cma";
	case SIM_POOL_RESTRICTED:
		return "restricted";
	case SIM_POOL_BEHIND_IOMMU:
		return "not bound: behind an IOMMU";
	case SIM_POOL_NOT_RAM:
		return "not bound: not RAM of the guest";
	}
	return "?";
}

bool sim_world_pool_in_ram(const struct sim_world_guest *g,
			   const struct sim_desc_pool *p)
{
	uint64_t start = g->dom->gfn_base << SIM_PAGE_SHIFT;
	uint64_t end = start + (g->dom->nr_gfns << SIM_PAGE_SHIFT);

	return p->size && p->base >= start && p->base < end &&
	       p->size <= end - p->base;
}

/* dma_contiguous_reserve's default area: the reusable region with
 * linux,cma-default in this guest's RAM, the system's CMA area. */
static int default_cma(struct sim_world *w, struct sim_world_guest *g,
		       char *err, size_t errlen)
{
	for (unsigned int i = 0; i < w->desc.nr_pools; i++) {
		const struct sim_desc_pool *p = &w->desc.pools[i];
		int ret;

		if (!p->cma_default || w->cmas[i] ||
		    !sim_world_pool_in_ram(g, p))
			continue;
		ret = dmk_cma_create(g->sys, p->base, p->size, &w->cmas[i]);
		if (!ret)
			ret = dmk_system_set_default_cma(g->sys, w->cmas[i]);
		if (ret)
			return world_err(err, errlen,
					 "%s: default CMA area %s refused (%s)",
					 w->desc.name, p->name,
					 dmk_strerror(ret));
		return 0;
	}
	return 0;
}

static int guest_start_os(struct sim_world *w, struct sim_world_guest *g,
			  struct dmk_system_config *cfg, char *err,
			  size_t errlen)
{
	int ret;

	sim_platform_dom_init(&g->pd, g->dom, w->desc.arch, 2);
	g->pd.log = w->opts.log;
	g->pd.hooks = w->opts.hooks.platform;
	g->pd.hooks_arg = w->opts.hooks.arg;
	if (w->opts.background_work && sim_worker_create(&g->pd.worker))
		return world_err(err, errlen,
				 "%s: domain %u: cannot start a worker thread",
				 w->desc.name, g->dom->domid);
	if (!cfg->swiotlb_limit)
		cfg->swiotlb_limit = guest_pool_limit(w, g);
	ret = reserve_pools(w, g, err, errlen);
	if (ret)
		return ret;
	if (sim_platform_dom_load_kernel(&g->pd))
		return world_err(err, errlen,
				 "%s: domain %u has no room for its kernel",
				 w->desc.name, g->dom->domid);
	if (w->opts.hooks.guest_boot &&
	    w->opts.hooks.guest_boot(w->opts.hooks.arg, g))
		return world_err(err, errlen,
				 "%s: domain %u: the design's boot failed",
				 w->desc.name, g->dom->domid);
	g->pd.faults = w->opts.faults;
	ret = dmk_system_create(&g->sys, &g->pd.plat, cfg);
	if (ret)
		return world_err(
			err, errlen,
			"%s: the DMA layer of domain %u did not start (%s%s%s)",
			w->desc.name, g->dom->domid, dmk_strerror(ret),
			g->pd.last_log[0] ? ": " : "", g->pd.last_log);
	ret = default_cma(w, g, err, errlen);
	if (ret)
		return ret;
	if (w->opts.hooks.system_up &&
	    w->opts.hooks.system_up(w->opts.hooks.arg, g))
		return world_err(err, errlen,
				 "%s: domain %u: the design's set-up failed",
				 w->desc.name, g->dom->domid);
	return 0;
}

static int build_native(struct sim_world *w, char *err, size_t errlen)
{
	const struct sim_world_desc *desc = &w->desc;
	struct sim_world_guest *g = &w->guests[0];
	uint64_t base = desc->banks[0].base >> SIM_PAGE_SHIFT;
	struct dmk_system_config cfg = w->opts.cfg;
	int ret;

	/* The OS owns the machine: one domain, 1:1 over every bank. */
	ret = sim_domain_create(&g->dom, w->m, 0, base, ram_frames(desc), true,
				0, w->opts.seed);
	if (ret)
		return world_err(err, errlen, "%s: cannot map RAM (error %d)",
				 desc->name, ret);
	g->dom->privileged = true;
	w->nr_guests = 1;
	return guest_start_os(w, g, &cfg, err, errlen);
}

static bool frame_in_pool(const struct sim_world_desc *desc, uint64_t mfn)
{
	uint64_t ma = mfn << SIM_PAGE_SHIFT;

	for (unsigned int i = 0; i < desc->nr_pools; i++)
		if (ma - desc->pools[i].base < desc->pools[i].size)
			return true;
	return false;
}

/*
 * Xen keeps /reserved-memory regions out of its heap and maps them 1:1
 * into dom0 (Xen 4.13's "xen/arm: map reserved-memory regions as normal
 * memory in dom0"), so the frames a 1:1 dom0 leaves to Xen are never a
 * pool's.  A 1:1 dom0 takes the lowest free frames; when the highest
 * ones it would leave hold a pool (Linux places pools top-down), hold
 * the highest frames outside every pool for Xen while dom0 is made,
 * then give them back to Xen's heap (release_held).  NULL: nothing to
 * hold (or no memory for the list, and dom0 is made as before).
 */
static uint64_t *hold_for_xen(struct sim_world *w, uint64_t pages,
			      uint64_t *nheld)
{
	uint64_t left = ram_frames(&w->desc) - pages, idx, *held;
	bool hit = false;

	*nheld = 0;
	for (idx = w->m->nr_frames; idx-- > w->m->nr_frames - left;)
		hit = hit || frame_in_pool(&w->desc, sim_index_mfn(w->m, idx));
	if (!hit || !(held = malloc(left * sizeof(*held))))
		return NULL;
	for (idx = w->m->nr_frames; idx-- > 0 && *nheld < left;) {
		uint64_t mfn = sim_index_mfn(w->m, idx);

		if (!frame_in_pool(&w->desc, mfn) &&
		    sim_machine_claim_frame(w->m, mfn, SIM_DOMID_XEN))
			held[(*nheld)++] = mfn;
	}
	return held;
}

static void release_held(struct sim_world *w, uint64_t *held, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		sim_machine_free_frame(w->m, held[i]);
	free(held);
}

static int create_xen_guest(struct sim_world *w, unsigned int idx,
			    uint16_t domid, uint64_t gfn_base, uint64_t pages,
			    bool direct, bool privileged, char *err,
			    size_t errlen)
{
	struct sim_world_guest *g = &w->guests[idx];
	uint64_t seed = w->opts.seed * 0x9E3779B97F4A7C15ULL + domid + 1;
	uint64_t *held = NULL, nheld = 0;
	int ret;

	if (idx == 0 && direct && w->desc.nr_pools)
		held = hold_for_xen(w, pages, &nheld);
	ret = sim_domain_create(&g->dom, w->m, domid, gfn_base, pages, direct,
				FRAG_MAX_RUN, seed);
	release_held(w, held, nheld);
	if (ret)
		return world_err(
			err, errlen,
			"%s: cannot give domain %u %llu pages (error %d)",
			w->desc.name, domid, (unsigned long long)pages, ret);
	w->nr_guests = idx + 1;
	g->dom->privileged = privileged;
	g->dom->max_order = privileged ? DOM0_MAX_ORDER : DOMU_MAX_ORDER;
	if (w->desc.hyp == SIM_HYP_XEN_X86_PV &&
	    !(idx == 1 && w->desc.domu_hvm)) {
		ret = sim_domain_make_pv(g->dom);
		if (ret)
			return world_err(
				err, errlen,
				"%s: domain %u cannot become PV (error %d)",
				w->desc.name, domid, ret);
	}
	ret = sim_xen_add_domain(w->xen, g->dom, privileged);
	if (ret)
		return world_err(
			err, errlen,
			"%s: the hypervisor refused domain %u (error %d)",
			w->desc.name, domid, ret);
	return 0;
}

static int build_xen(struct sim_world *w, char *err, size_t errlen)
{
	const struct sim_world_desc *desc = &w->desc;
	bool arm = desc_is_arm_xen(desc);
	uint64_t gfn0 = arm ? desc->banks[0].base >> SIM_PAGE_SHIFT : 0;
	struct dmk_system_config cfg;
	int ret;

	ret = sim_xen_create(&w->xen, w->m, arm ? SIM_XEN_ARM : SIM_XEN_X86,
			     w->opts.seed);
	if (ret)
		return world_err(err, errlen,
				 "%s: the hypervisor did not start (error %d)",
				 desc->name, ret);
	/*
	 * A guest on ARM that is not mapped 1:1 (a non-1:1 dom0, or a domU
	 * with an assigned device and no SMMU) can only get machine-
	 * contiguous memory through the 2013 series' exchange-and-pin: a
	 * named extension, switched on for exactly these platforms.
	 */
	w->xen->exchange_and_pin =
		arm && (desc->hyp == SIM_HYP_XEN_ARM || desc->domu_passthrough);
	w->xen->relocation = w->opts.relocation;

	ret = create_xen_guest(w, 0, 0, gfn0, dom0_pages(desc),
			       desc->hyp == SIM_HYP_XEN_ARM_1TO1, true, err,
			       errlen);
	if (ret)
		return ret;
	if (desc->domu_pages) {
		uint64_t gfnu = arm ? ARM_GUEST_RAM_BASE >> SIM_PAGE_SHIFT : 0;

		ret = create_xen_guest(w, 1, 1, gfnu, desc->domu_pages, false,
				       false, err, errlen);
		if (ret)
			return ret;
	}

	for (unsigned int i = 0; i < w->nr_guests; i++) {
		cfg = w->opts.cfg;
		/* Only where the hypervisor has the extension: an ARM domU
		 * with nothing assigned has no swiotlb-xen at all (Linux's
		 * xen_swiotlb_detect), its virtio devices use grants. */
		cfg.xen_exchange_and_pin =
			cfg.xen_exchange_and_pin ||
			(arm && !w->guests[i].dom->direct_mapped &&
			 w->xen->exchange_and_pin);
		cfg.xen_virtio_force_grant =
			cfg.xen_virtio_force_grant || desc->virtio_force_grant;
		ret = guest_start_os(w, &w->guests[i], &cfg, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- devices ---- */

/* The DMA engine may touch a frame only if the hypervisor lets the
 * owning guest's devices do so (own RAM, or a grant mapped into it). */
static bool xen_dev_may_access(void *ctx, uint64_t mfn, bool write)
{
	struct sim_domain *d = ctx;

	return sim_xen_dev_may_access(d->xen, d, mfn, write);
}

static uint64_t device_bus_limit(const struct sim_desc_device *dd)
{
	if (dd->dma_limit == ~0ULL || !dd->dma_limit)
		return 0;
	return dd->dma_limit + dd->bus_offset;
}

/* The IOVA window a native IOMMU domain hands out: inside the device's
 * mask and bus limit, at most 4 GiB. */
static void iova_window(const struct dmk_device *dev, uint64_t *base,
			uint64_t *size)
{
	uint64_t top = dev->dma_mask;

	if (dev->bus_dma_limit && dev->bus_dma_limit < top)
		top = dev->bus_dma_limit;
	*base = IOVA_BASE;
	*size = top - IOVA_BASE + 1;
	if (top < IOVA_BASE || !*size || *size > IOVA_MAX_SIZE)
		*size = top < IOVA_BASE ? 0 : IOVA_MAX_SIZE;
}

/* The IOMMU domain of an earlier master with the same SMMU stream. */
static struct dmk_iommu_domain *group_domain(struct sim_world *w,
					     const struct sim_world_device *wd)
{
	for (struct sim_world_device *o = w->devs; o < wd; o++)
		if (o->sd.smmu == wd->sd.smmu && o->iommu)
			return o->iommu;
	return NULL;
}

static int attach_iommu(struct sim_world *w, struct sim_world_device *wd,
			char *err, size_t errlen)
{
	const struct sim_desc_device *dd = wd->desc;
	struct sim_smmu *smmu = w->smmus[dd->smmu];
	struct sim_smmu_stream *st;
	uint64_t base, size;
	int ret;

	if (w->xen) {
		/* Xen programs the SMMU with the guest's own stage-2: the
		 * device's bus addresses are guest-physical. */
		st = sim_smmu_add_stream(smmu, dd->stream_id, wd->guest->dom,
					 true);
		if (!st)
			return world_err(err, errlen,
					 "%s: stream %u refused by the SMMU",
					 dd->path, dd->stream_id);
		wd->sd.smmu = st;
		wd->dev.stage2_iommu = true;
		dmk_device_set_dma_range_map(&wd->dev, NULL, 0);
		wd->dev.bus_offset = 0;
		wd->dev.bus_dma_limit = 0;
		wd->sd.bus_offset = 0;
		wd->sd.bus_limit = 0;
		wd->sd.nr_map = 0;
		return 0;
	}
	st = sim_smmu_add_stream(smmu, dd->stream_id, NULL, false);
	if (!st)
		return world_err(err, errlen,
				 "%s: stream %u refused by the SMMU", dd->path,
				 dd->stream_id);
	wd->sd.smmu = st;
	/* Masters behind one stream ID are one IOMMU group: they share a
	 * page table, so they share the DMA domain that owns its IOVAs. */
	wd->iommu = group_domain(w, wd);
	if (!wd->iommu) {
		iova_window(&wd->dev, &base, &size);
		if (!size)
			return world_err(err, errlen,
					 "%s: no IOVA space below its reach",
					 dd->path);
		ret = dmk_iommu_domain_create(wd->guest->sys, st, base, size,
					      &wd->iommu);
		if (ret)
			return world_err(err, errlen,
					 "%s: IOMMU domain refused (%s)",
					 dd->path, dmk_strerror(ret));
		wd->owns_iommu = true;
	}
	return dmk_device_attach_iommu(&wd->dev, wd->iommu);
}

static int attach_pool(struct sim_world *w, struct sim_world_device *wd,
		       char *err, size_t errlen)
{
	const struct sim_desc_device *dd = wd->desc;
	const struct sim_desc_pool *p = &w->desc.pools[dd->pool];
	int ret;

	if (!p->restricted && !sim_world_pool_in_ram(wd->guest, p)) {
		/* not the guest's RAM (a frame buffer's VRAM): nothing here
		 * backs it; ordinary memory serves */
		wd->pool_use = SIM_POOL_NOT_RAM;
		return 0;
	}
	if (p->reusable) {
		wd->pool_use = SIM_POOL_CMA;
		/* rmem_cma_device_init: the area is the device's own. */
		if (!w->cmas[dd->pool]) {
			ret = dmk_cma_create(wd->guest->sys, p->base, p->size,
					     &w->cmas[dd->pool]);
			if (ret)
				return world_err(err, errlen,
						 "%s: CMA area %s refused (%s)",
						 dd->path, p->name,
						 dmk_strerror(ret));
		}
		return dmk_device_set_cma(&wd->dev, w->cmas[dd->pool]);
	}
	if (!p->restricted && dd->smmu >= 0) {
		/* A shared-dma-pool is physical addresses; behind an IOMMU
		 * the device reaches only what the IOMMU maps, and the pool
		 * is not mapped.  Linux binds the region only when the driver
		 * calls of_reserved_mem_device_init, and the drivers whose
		 * device has both (s5p-mfc on Exynos4) call it only without
		 * an IOMMU; coherent memory then comes from the IOMMU ops. */
		wd->pool_use = SIM_POOL_BEHIND_IOMMU;
		return 0;
	}
	if (!p->restricted) {
		wd->pool_use = SIM_POOL_COHERENT;
		/* rmem_dma_device_init: the device's coherent memory. */
		ret = dmk_declare_coherent_memory(&wd->dev, p->base,
						  DMK_MAPPING_ERROR, p->size);
		if (ret)
			return world_err(err, errlen,
					 "%s: shared-dma-pool %s refused (%s)",
					 dd->path, p->name, dmk_strerror(ret));
		return 0;
	}
	if (!w->pools[dd->pool]) {
		wd->guest->pd.last_log[0] = 0;
		ret = dmk_swiotlb_create_restricted(
			wd->guest->sys, p->base, p->size, &w->pools[dd->pool]);
		if (ret)
			return world_err(
				err, errlen,
				"%s: restricted-dma-pool %s refused (%s%s%s)",
				dd->path, p->name, dmk_strerror(ret),
				wd->guest->pd.last_log[0] ? ": " : "",
				wd->guest->pd.last_log);
	}
	/* The firewall firmware sets up from the same node: the device
	 * reaches the pool's physical range and nothing else.  Natively
	 * and in a 1:1 dom0 that is the machine memory the tree names;
	 * elsewhere the library refused the pool above. */
	wd->sd.fw_base = p->base;
	wd->sd.fw_size = p->size;
	wd->restricted_pool = w->pools[dd->pool];
	wd->pool_use = SIM_POOL_RESTRICTED;
	return dmk_device_set_restricted_pool(&wd->dev, wd->restricted_pool);
}

/*
 * of_dma_configure_id with a dma_range_map: the map is attached (which
 * sets the bus limit to its last bus byte) and both masks are narrowed
 * to DMA_BIT_MASK(ilog2(end) + 1).
 */
static int set_range_map(struct dmk_device *dev,
			 const struct sim_desc_device *dd)
{
	uint64_t mask;
	int ret;

	ret = dmk_device_set_dma_range_map(dev, dd->regions, dd->nr_regions);
	if (ret)
		return ret;
	mask = DMK_BIT_MASK(dmk_fls64(dev->bus_dma_limit));
	dev->dma_mask &= mask;
	dev->coherent_dma_mask &= mask;
	return 0;
}

/* Firmware's grant binding and the virtio bus, before set-up. */
static int describe_grant_dma(struct sim_world *w, struct sim_world_device *wd,
			      char *err, size_t errlen)
{
	const struct sim_desc_device *dd = wd->desc;
	int ret = 0;

	(void)w;
	if (dd->grant_dma)
		ret = dmk_xen_grant_dma_bind(&wd->dev, dd->grant_backend);
	if (!ret && dd->virtio)
		ret = dmk_xen_virtio_device(&wd->dev);
	if (ret)
		return world_err(err, errlen, "%s: grant DMA refused (%s)",
				 dd->path, dmk_strerror(ret));
	return 0;
}

/* A device the Xen layer put on grant DMA gets its backend. */
static int attach_grant_backend(struct sim_world *w,
				struct sim_world_device *wd, char *err,
				size_t errlen)
{
	int backend = dmk_xen_grant_dma_backend(&wd->dev);

	if (backend < 0)
		return 0;
	for (unsigned int i = 0; i < w->nr_guests; i++) {
		if (w->guests[i].dom->domid == backend &&
		    &w->guests[i] != wd->guest) {
			sim_grant_backend_attach(wd, &w->guests[i]);
			return 0;
		}
	}
	return world_err(
		err, errlen,
		"%s: grant DMA backend domain %d is not another guest of this machine",
		wd->desc->path, backend);
}

static int build_device(struct sim_world *w, struct sim_world_device *wd,
			const struct sim_desc_device *dd, char *err,
			size_t errlen)
{
	struct dmk_device *dev = &wd->dev;
	int ret;

	if (dd->guest >= w->nr_guests)
		return world_err(err, errlen,
				 "%s: assigned to a guest that does not exist",
				 dd->path);
	if (dd->reach_bits < 12 || dd->reach_bits > 64)
		return world_err(err, errlen, "%s: reach of %u bits", dd->path,
				 dd->reach_bits);
	wd->desc = dd;
	wd->guest = &w->guests[dd->guest];

	ret = dmk_device_init(dev, wd->guest->sys, dd->path);
	if (ret)
		return world_err(err, errlen, "%s: %s", dd->path,
				 dmk_strerror(ret));
	dev->dma_mask = DMK_BIT_MASK(dd->reach_bits);
	dev->coherent_dma_mask = DMK_BIT_MASK(dd->reach_bits);
	dev->bus_offset = dd->bus_offset;
	dev->bus_dma_limit = device_bus_limit(dd);
	dev->coherent = dd->coherent;
	dev->platform_data = wd;

	if (dd->nr_regions) {
		ret = set_range_map(dev, dd);
		if (ret)
			return world_err(err, errlen,
					 "%s: dma-ranges refused (%s)",
					 dd->path, dmk_strerror(ret));
	}

	sim_device_init(&wd->sd, w->m, dd->path, dd->coherent, dd->reach_bits,
			dd->bus_offset);
	wd->sd.bus_limit = dev->bus_dma_limit;
	wd->sd.map = dd->nr_regions ? dd->regions : NULL;
	wd->sd.nr_map = dd->nr_regions;
	if (w->xen) {
		wd->sd.dom = wd->guest->dom;
		wd->sd.may_access = xen_dev_may_access;
		wd->sd.may_access_ctx = wd->guest->dom;
	}

	if (dd->pool >= 0 && (unsigned int)dd->pool < w->desc.nr_pools) {
		ret = attach_pool(w, wd, err, errlen);
		if (ret)
			return ret;
	}
	if (dd->smmu >= 0) {
		if ((unsigned int)dd->smmu >= w->desc.nr_smmus)
			return world_err(err, errlen, "%s: no such SMMU (%d)",
					 dd->path, dd->smmu);
		ret = attach_iommu(w, wd, err, errlen);
		if (ret)
			return ret;
	}

	if (w->xen) {
		ret = describe_grant_dma(w, wd, err, errlen);
		if (ret)
			return ret;
	}

	ret = dmk_device_setup_dma(dev);
	if (ret)
		return world_err(err, errlen,
				 "%s: DMA set-up failed (error %d)", dd->path,
				 ret);
	if (w->xen)
		return attach_grant_backend(w, wd, err, errlen);
	return 0;
}

static int build_devices(struct sim_world *w, char *err, size_t errlen)
{
	int ret;

	for (unsigned int i = 0; i < w->desc.nr_smmus; i++) {
		ret = sim_smmu_create(&w->smmus[i], w->desc.smmus[i].name);
		if (ret)
			return world_err(err, errlen, "%s: SMMU refused (%d)",
					 w->desc.smmus[i].name, ret);
	}
	if (!w->desc.nr_devs)
		return 0;
	w->devs = calloc(w->desc.nr_devs, sizeof(*w->devs));
	if (!w->devs)
		return world_err(err, errlen, "out of memory");
	for (unsigned int i = 0; i < w->desc.nr_devs; i++) {
		ret = build_device(w, &w->devs[i], &w->desc.devs[i], err,
				   errlen);
		w->nr_devs = i + 1;
		if (ret)
			return ret;
	}
	return 0;
}

static int check_desc(const struct sim_world_desc *desc, char *err,
		      size_t errlen)
{
	if (!desc->nbanks || desc->nbanks > SIM_MAX_BANKS)
		return world_err(err, errlen, "%s: no memory banks",
				 desc->name);
	if (desc->nr_devs > SIM_DESC_MAX_DEVS ||
	    desc->nr_smmus > SIM_DESC_MAX_SMMUS ||
	    desc->nr_pools > SIM_DESC_MAX_POOLS)
		return world_err(err, errlen, "%s: description out of bounds",
				 desc->name);
	if (desc->domu_pages && !desc_is_xen(desc))
		return world_err(err, errlen, "%s: a domU needs a hypervisor",
				 desc->name);
	if (dom0_pages(desc) + desc->domu_pages > ram_frames(desc))
		return world_err(
			err, errlen,
			"%s: dom0 and domU need more RAM than the machine has",
			desc->name);
	return 0;
}

int sim_world_build(const struct sim_world_desc *desc,
		    const struct sim_world_options *opts,
		    struct sim_world **out, char *err, size_t errlen)
{
	struct sim_world *w;
	int ret;

	*out = NULL;
	ret = check_desc(desc, err, errlen);
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w)
		return world_err(err, errlen, "out of memory");
	w->desc = *desc;
	w->opts = *opts;

	ret = sim_machine_create(&w->m, desc->banks, desc->nbanks, opts->seed);
	if (ret) {
		free(w);
		return world_err(err, errlen,
				 "%s: cannot create machine RAM (error %d)",
				 desc->name, ret);
	}
	w->m->adversarial = opts->adversarial;
	if (opts->faults)
		opts->faults->machine = w->m;

	ret = desc_is_xen(desc) ? build_xen(w, err, errlen)
				: build_native(w, err, errlen);
	if (!ret)
		ret = build_devices(w, err, errlen);
	if (ret) {
		sim_world_destroy(w);
		return -1;
	}
	*out = w;
	return 0;
}

void sim_world_quiesce(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_guests; i++)
		sim_worker_flush(w->guests[i].pd.worker);
}

void sim_world_shutdown(struct sim_world *w)
{
	if (!w)
		return;
	for (unsigned int i = w->nr_devs; i-- > 0;) {
		dmk_device_fini(&w->devs[i].dev);
		/* The device detaches the domain; the world created it, once
		 * per group, for the group's first master (later masters
		 * went first). */
		if (w->devs[i].owns_iommu)
			dmk_iommu_domain_destroy(w->devs[i].iommu);
	}
	free(w->devs);
	w->devs = NULL;
	w->nr_devs = 0;
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++) {
		if (w->pools[i])
			dmk_swiotlb_destroy_restricted(w->pools[i]);
		w->pools[i] = NULL;
		dmk_cma_destroy(w->cmas[i]);
		w->cmas[i] = NULL;
	}
	for (unsigned int i = w->nr_guests; i-- > 0;) {
		/* The system waits for its queued work; the worker goes
		 * after it. */
		if (w->guests[i].sys)
			dmk_system_destroy(w->guests[i].sys);
		w->guests[i].sys = NULL;
		sim_worker_destroy(w->guests[i].pd.worker);
		w->guests[i].pd.worker = NULL;
	}
}

void sim_world_destroy(struct sim_world *w)
{
	if (!w)
		return;
	sim_world_shutdown(w);
	for (unsigned int i = 0; i < SIM_DESC_MAX_SMMUS; i++)
		if (w->smmus[i])
			sim_smmu_destroy(w->smmus[i]);
	for (unsigned int i = w->nr_guests; i-- > 0;)
		if (w->guests[i].dom)
			sim_domain_destroy(w->guests[i].dom);
	if (w->xen)
		sim_xen_destroy(w->xen);
	if (w->m)
		sim_machine_destroy(w->m);
	free(w);
}
