/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer's life: what the guest learns at boot (XENVER features,
 * whether it is PV, 1:1 or neither, whether GNTTABOP_cache_flush
 * exists), the per-architecture rules it then follows, and the hooks it
 * registers on the system (Linux: xen_swiotlb_detect, the remap
 * callback of swiotlb_init_remap, xen_setup_dma_ops).
 */
#include "layer.h"
#include "xen-internal.h"

static void layer_exit(struct dmk_system *sys);
static int layer_pool_ready(struct dmk_system *sys);

static const struct dmk_layer xen_layer = {
	.name = "xen",
	.pool_remap = dmk_xen_pool_remap,
	.pool_unremap = dmk_xen_pool_unremap,
	.restricted_pool = dmk_xen_restricted_pool_check,
	.pool_ready = layer_pool_ready,
	.setup_dev = dmk_xen_setup_dev,
	.release_dev = dmk_xen_grant_dma_release_dev,
	.exit = layer_exit,
};

/* Linux's xen_swiotlb_detect said no: grants and the p2m, no pool remap,
 * no default ops; devices are set up only for grant DMA. */
static const struct dmk_layer xen_layer_direct = {
	.name = "xen",
	.setup_dev = dmk_xen_setup_dev,
	.release_dev = dmk_xen_grant_dma_release_dev,
	.exit = layer_exit,
};

struct dmk_xen *dmk_xen_of(const struct dmk_system *sys)
{
	return sys && (sys->layer == &xen_layer ||
		       sys->layer == &xen_layer_direct)
		       ? sys->layer_data
		       : NULL;
}

/* ---- what the guest learns at boot ---- */

static bool has_feature(const struct dmk_xen *xen, unsigned int f)
{
	return xen->features & (1U << f);
}

static int read_features(struct dmk_xen *xen)
{
	struct xen_feature_info fi = {.submap_idx = 0};
	long rc;

	rc = dmk_xen_hypercall(xen, __HYPERVISOR_xen_version,
			       XENVER_get_features, (unsigned long)&fi, 0);
	if (rc < 0) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"xen: XENVER_get_features failed (%ld)", rc);
		return dmk_xen_error(rc);
	}
	xen->features = fi.submap;
	return 0;
}

/*
 * PV, 1:1 or neither.  Linux's xen_swiotlb_detect: a guest told
 * XENFEAT_direct_mapped is 1:1; an ARM dom0 told neither that nor
 * XENFEAT_not_direct_mapped runs on a Xen older than the flags, where
 * dom0 was always 1:1.
 */
static void choose_mode(struct dmk_xen *xen)
{
	bool arm = xen->plat->arch == DMK_ARCH_ARM32 ||
		   xen->plat->arch == DMK_ARCH_ARM64;

	xen->dom0 =
		has_feature(xen, XENFEAT_dom0) || xen->plat->xen_initial_domain;
	if (!has_feature(xen, XENFEAT_auto_translated_physmap))
		xen->mode = DMK_XEN_MODE_PV;
	else if (has_feature(xen, XENFEAT_direct_mapped) ||
		 (arm && xen->dom0 &&
		  !has_feature(xen, XENFEAT_not_direct_mapped)))
		xen->mode = DMK_XEN_MODE_1TO1;
	else
		xen->mode = DMK_XEN_MODE_PINNED;
}

/* Linux's probe: a zero-length flush answers 0 where the op exists. */
static void probe_cache_flush(struct dmk_xen *xen)
{
	struct gnttab_cache_flush cf;

	memset(&cf, 0, sizeof(cf));
	xen->cache_flush =
		dmk_xen_grant_table_op(xen, GNTTABOP_cache_flush, &cf, 1) == 0;
}

static const char *mode_name(enum dmk_xen_mode mode)
{
	switch (mode) {
	case DMK_XEN_MODE_PV:
		return "PV";
	case DMK_XEN_MODE_1TO1:
		return "direct-mapped";
	default:
		return "not direct-mapped, exchange-and-pin";
	}
}

/* ---- the rules of this architecture ---- */

static const struct dmk_xen_arch *arch_rules(const struct dmk_platform *plat)
{
	switch (plat->arch) {
	case DMK_ARCH_X86_64:
		return &dmk_xen_arch_x86;
	case DMK_ARCH_ARM32:
		return &dmk_xen_arch_arm;
	case DMK_ARCH_ARM64:
		return &dmk_xen_arch_arm64;
	default:
		return NULL;
	}
}

int dmk_xen_set_arch(struct dmk_system *sys, const struct dmk_xen_arch *arch)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (!xen || !arch || !arch->alloc_coherent_pages ||
	    !arch->free_coherent_pages || !arch->need_swiotlb)
		return -DMK_EINVAL;
	xen->arch = arch;
	return 0;
}

void *dmk_xen_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				   dmk_addr_t *dma_handle, unsigned long attrs)
{
	struct dmk_xen *xen = dev_xen(dev);

	if (!xen)
		return NULL;
	return xen->arch->alloc_coherent_pages(dev, size, dma_handle, attrs);
}

void dmk_xen_free_coherent_pages(struct dmk_device *dev, size_t size,
				 void *cpu_addr, dmk_addr_t dma_handle,
				 unsigned long attrs)
{
	struct dmk_xen *xen = dev_xen(dev);

	if (xen)
		xen->arch->free_coherent_pages(dev, size, cpu_addr, dma_handle,
					       attrs);
}

/* ---- attach and exit ---- */

static int check_platform(const struct dmk_platform *plat)
{
	if (!plat->ops->hypercall) {
		dmk_log(plat, DMK_LOG_ERR,
			"xen: the platform says Xen but has no hypercall hook");
		return -DMK_EINVAL;
	}
	if (!arch_rules(plat)) {
		dmk_log(plat, DMK_LOG_ERR,
			"xen: no Xen support for this architecture");
		return -DMK_ENOTSUP;
	}
	return 0;
}

/*
 * Linux's xen_swiotlb_detect: swiotlb-xen for x86 PV guests and for ARM
 * guests that are direct-mapped; an x86 HVM/PVH guest or an ARM guest
 * that is not stays on dma-direct (its devices are emulated, or behind
 * Xen's IOMMU sharing its p2m).  dmakit adds one case, strictly an
 * extension: an ARM guest that is not 1:1 on a hypervisor with the 2013
 * series' exchange-and-pin (cfg.xen_exchange_and_pin).
 */
static bool needs_swiotlb_xen(const struct dmk_xen *xen)
{
	if (xen->mode != DMK_XEN_MODE_PINNED)
		return true;
	if (xen->plat->arch == DMK_ARCH_X86_64)
		return false;
	return xen->sys->cfg.xen_exchange_and_pin;
}

static int mode_supported(struct dmk_xen *xen)
{
	if (xen->mode == DMK_XEN_MODE_PV &&
	    xen->plat->arch != DMK_ARCH_X86_64) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"xen: a guest that is not autotranslated on ARM");
		return -DMK_ENOTSUP;
	}
	if (xen->mode == DMK_XEN_MODE_PINNED &&
	    !xen->sys->cfg.xen_exchange_and_pin) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"swiotlb-xen: %s is not direct-mapped and the hypervisor cannot pin contiguous memory",
			xen->dom0 ? "dom0" : "domU");
		return -DMK_ENOTSUP;
	}
	return 0;
}

static void xen_free(struct dmk_xen *xen)
{
	dmk_xen_p2m_exit(xen);
	dmk_xen_rangemap_destroy(&xen->remapped);
	dmk_mutex_destroy(&xen->reservation_lock);
	dmk_mutex_destroy(&xen->grant_lock);
	dmk_env_free(xen);
}

int dmk_xen_layer_attach(struct dmk_system *sys)
{
	struct dmk_xen *xen;
	bool direct = false;
	int rc = check_platform(sys->plat);

	if (rc)
		return rc;
	xen = dmk_env_zalloc(sizeof(*xen));
	if (!xen)
		return -DMK_ENOMEM;
	xen->sys = sys;
	xen->plat = sys->plat;
	xen->arch = arch_rules(sys->plat);
	dmk_mutex_init(&xen->reservation_lock);
	dmk_mutex_init(&xen->grant_lock);
	dmk_xen_rangemap_init(&xen->remapped, false);
	rc = read_features(xen);
	if (!rc) {
		choose_mode(xen);
		direct = !needs_swiotlb_xen(xen);
		if (!direct)
			rc = mode_supported(xen);
	}
	if (!rc)
		rc = dmk_xen_p2m_init(xen);
	if (rc) {
		xen_free(xen);
		return rc;
	}
	/* Without swiotlb-xen the layer keeps grants and the p2m only. */
	xen->swiotlb_xen = !direct;
	sys->layer = direct ? &xen_layer_direct : &xen_layer;
	sys->layer_data = xen;
	if (direct)
		dmk_log(sys->plat, DMK_LOG_INFO,
			"xen: %s autotranslated and not direct-mapped: dma-direct, no swiotlb-xen",
			xen->dom0 ? "dom0" : "domU");
	return 0;
}

/* The pool is in place (or there is none): the rest of boot. */
static int layer_pool_ready(struct dmk_system *sys)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	probe_cache_flush(xen);
	/* Devices that were never set up still reach Xen. */
	sys->default_ops = &dmk_xen_swiotlb_dma_ops;
	dmk_log(sys->plat, DMK_LOG_INFO,
		"swiotlb-xen: %s %s, GNTTABOP_cache_flush %s, %s rules",
		xen->dom0 ? "dom0" : "domU", mode_name(xen->mode),
		xen->cache_flush ? "present" : "absent", xen->arch->name);
	return 0;
}

static void layer_exit(struct dmk_system *sys)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (!xen)
		return;
	dmk_xen_grant_exit(xen);
	if (sys->default_ops == &dmk_xen_swiotlb_dma_ops)
		sys->default_ops = NULL;
	xen_free(xen);
}

int dmk_xen_stats(struct dmk_system *sys, struct dmk_xen_stats *st)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (!xen || !st)
		return -DMK_ENODEV;
	st->pages_exchanged =
		dmk_atomic_load(&xen->pages_exchanged, DMK_ORDER_RELAXED);
	st->contig_regions =
		dmk_atomic_load(&xen->contig_regions, DMK_ORDER_RELAXED);
	st->foreign_maps =
		dmk_atomic_load(&xen->foreign_maps, DMK_ORDER_RELAXED);
	st->cache_flush_calls =
		dmk_atomic_load(&xen->cache_flush_calls, DMK_ORDER_RELAXED);
	st->bounced = dmk_atomic_load(&xen->bounced, DMK_ORDER_RELAXED);
	dmk_mutex_lock(&xen->grant_lock);
	st->grants_live = xen->gref_live;
	st->grant_frames = xen->gnttab_frames;
	st->grant_max_frames = xen->gnttab_max_frames;
	dmk_mutex_unlock(&xen->grant_lock);
	return 0;
}

/* ---- what the guest knows of its frames, from outside ---- */

uint64_t dmk_xen_pfn_to_bfn(struct dmk_system *sys, uint64_t pfn)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	return xen ? dmk_xen_p2m_pfn_to_bfn(xen, pfn) : pfn;
}

uint64_t dmk_xen_bfn_to_pfn(struct dmk_system *sys, uint64_t bfn)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	return xen ? dmk_xen_p2m_bfn_to_pfn(xen, bfn) : bfn;
}
