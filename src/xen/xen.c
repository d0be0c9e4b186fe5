/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer's life cycle: what the guest learns at boot, the bounce
 * pool made machine-contiguous segment by segment (Linux's
 * xen_swiotlb_fixup), and how swiotlb-xen meets each device's own
 * dma_ops (docs/xen-dma-ops.md).
 */
#include "xen-internal.h"

long dmk_xen_hypercall(struct dmk_xen *xen, unsigned int op, unsigned long a1,
		       unsigned long a2, unsigned long a3)
{
	const struct dmk_platform *plat = xen->plat;

	return plat->ops->hypercall(plat->ctx, op, a1, a2, a3);
}

int dmk_xen_error(long rc)
{
	switch (rc) {
	case 0:
		return 0;
	case -XEN_ENOMEM:
		return -DMK_ENOMEM;
	case -XEN_EINVAL:
	case -XEN_EFAULT:
		return -DMK_EINVAL;
	case -XEN_ENOSYS:
	case -XEN_EOPNOTSUPP:
		return -DMK_ENOTSUP;
	default:
		return -DMK_EIO;
	}
}

unsigned int dmk_xen_get_order(size_t size)
{
	unsigned int order = 0;

	while ((DMK_PAGE_SIZE << order) < size)
		order++;
	return order;
}

unsigned int dmk_xen_fls64(uint64_t x)
{
	return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
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

/* ---- the bounce pool ---- */

#define SEG_BYTES ((size_t)DMK_IO_TLB_SEGSIZE << DMK_IO_TLB_SHIFT)
#define MIN_POOL_BYTES ((size_t)1 << 20)

static dmk_phys_t pool_limit(const struct dmk_xen *xen)
{
	dmk_phys_t limit = xen->sys->cfg.swiotlb_limit;

	return limit ? limit : DMK_BIT_MASK(32);
}

/* Pages below the limit, halving down to 1 MiB as Linux does. */
static int pool_alloc(struct dmk_xen *xen)
{
	const struct dmk_platform *plat = xen->plat;
	size_t bytes = xen->sys->cfg.swiotlb_bytes;

	bytes = (bytes + SEG_BYTES - 1) / SEG_BYTES * SEG_BYTES;
	for (;;) {
		unsigned int order = dmk_xen_get_order(bytes);
		dmk_phys_t phys;
		void *va = plat->ops->alloc_pages(plat->ctx, order,
						  pool_limit(xen), &phys);

		if (va) {
			xen->own_pool = true;
			xen->pool_va = va;
			xen->pool_phys = phys;
			xen->pool_bytes = bytes;
			xen->pool_order = order;
			return 0;
		}
		if (bytes <= MIN_POOL_BYTES)
			break;
		bytes = bytes / 2 / SEG_BYTES * SEG_BYTES;
		if (bytes < MIN_POOL_BYTES)
			bytes = MIN_POOL_BYTES;
	}
	dmk_log(plat, DMK_LOG_ERR,
		"swiotlb-xen: cannot allocate a bounce pool below %#llx",
		(unsigned long long)pool_limit(xen));
	return -DMK_ENOMEM;
}

static size_t seg_len(const struct dmk_xen *xen, size_t i)
{
	size_t left = xen->pool_bytes - i * SEG_BYTES;

	return left < SEG_BYTES ? left : SEG_BYTES;
}

/*
 * xen_swiotlb_fixup: every segment (the largest single bounce) made
 * machine-contiguous, first asking for the fewest address bits that can
 * hold it and then for more, up to the pool's limit.
 */
static int make_segment_contiguous(struct dmk_xen *xen, size_t i)
{
	dmk_phys_t phys = xen->pool_phys + i * SEG_BYTES;
	unsigned int order = dmk_xen_get_order(seg_len(xen, i));
	unsigned int bits = order + DMK_PAGE_SHIFT;
	unsigned int max_bits = dmk_xen_fls64(pool_limit(xen));
	dmk_addr_t dma;
	int rc;

	if (max_bits > 64 || max_bits < bits)
		max_bits = bits;
	do {
		rc = dmk_xen_create_contiguous_region(xen->sys, phys, order,
						      bits, &dma);
	} while (rc && rc != -DMK_ENOTSUP && bits++ < max_bits);
	return rc;
}

static void pool_unfix(struct dmk_xen *xen)
{
	for (size_t i = 0; i < xen->pool_nsegs; i++) {
		if (!xen->seg_made[i])
			continue;
		dmk_xen_destroy_contiguous_region(
			xen->sys, xen->pool_phys + i * SEG_BYTES,
			dmk_xen_get_order(seg_len(xen, i)));
		xen->seg_made[i] = false;
	}
}

static void log_cannot_pin(struct dmk_xen *xen)
{
	dmk_log(xen->plat, DMK_LOG_ERR,
		"swiotlb-xen: %s is not direct-mapped and the hypervisor cannot pin contiguous memory",
		xen->dom0 ? "dom0" : "domU");
}

static int pool_fixup(struct dmk_xen *xen)
{
	xen->pool_nsegs = (xen->pool_bytes + SEG_BYTES - 1) / SEG_BYTES;
	xen->seg_made = dmk_env_calloc(xen->pool_nsegs, sizeof(*xen->seg_made));
	if (!xen->seg_made)
		return -DMK_ENOMEM;
	/* A 1:1 guest's pool is machine-contiguous already. */
	if (xen->mode == DMK_XEN_MODE_1TO1)
		return 0;
	for (size_t i = 0; i < xen->pool_nsegs; i++) {
		int rc = make_segment_contiguous(xen, i);

		if (rc) {
			if (rc == -DMK_ENOTSUP &&
			    xen->mode == DMK_XEN_MODE_PINNED)
				log_cannot_pin(xen);
			else
				dmk_log(xen->plat, DMK_LOG_ERR,
					"swiotlb-xen: segment %zu of the bounce pool cannot be made machine-contiguous (%d)",
					i, rc);
			pool_unfix(xen);
			return rc;
		}
		xen->seg_made[i] = true;
	}
	return 0;
}

/* Adopt a pool the system made before us (its span), or make our own. */
static int pool_take(struct dmk_xen *xen)
{
	struct dmk_system *sys = xen->sys;
	dmk_phys_t start, end;
	void *va;

	if (!sys->swiotlb)
		return pool_alloc(xen);
	dmk_swiotlb_span(sys->swiotlb, &start, &end, &va);
	xen->own_pool = false;
	xen->pool_va = va;
	xen->pool_phys = start;
	xen->pool_bytes =
		(end - start + DMK_IO_TLB_SIZE - 1) & ~(DMK_IO_TLB_SIZE - 1);
	return 0;
}

static void pool_release(struct dmk_xen *xen)
{
	const struct dmk_platform *plat = xen->plat;

	if (xen->own_pool && xen->pool_va)
		plat->ops->free_pages(plat->ctx, xen->pool_phys,
				      xen->pool_order);
	xen->pool_va = NULL;
	dmk_env_free(xen->seg_made);
	xen->seg_made = NULL;
}

int dmk_xen_pool_init(struct dmk_xen *xen)
{
	struct dmk_system *sys = xen->sys;
	int rc;

	if (!sys->cfg.swiotlb_bytes && !sys->swiotlb)
		return 0;
	rc = pool_take(xen);
	if (rc)
		return rc;
	rc = pool_fixup(xen);
	if (rc)
		goto fail;
	if (!xen->own_pool)
		return 0;
	rc = dmk_swiotlb_init_with_buffer(
		xen->plat, xen->pool_va, xen->pool_phys,
		xen->pool_bytes >> DMK_IO_TLB_SHIFT, sys->cfg.swiotlb_nareas,
		&sys->swiotlb);
	if (rc) {
		pool_unfix(xen);
		goto fail;
	}
	dmk_log(xen->plat, DMK_LOG_INFO,
		"swiotlb-xen: bounce pool [mem %#llx-%#llx] (%zuKB), %zu segments made machine-contiguous",
		(unsigned long long)xen->pool_phys,
		(unsigned long long)(xen->pool_phys + xen->pool_bytes - 1),
		xen->pool_bytes >> 10,
		xen->mode == DMK_XEN_MODE_1TO1 ? 0 : xen->pool_nsegs);
	return 0;
fail:
	pool_release(xen);
	return rc;
}

void dmk_xen_pool_exit(struct dmk_xen *xen)
{
	struct dmk_system *sys = xen->sys;

	if (!xen->seg_made)
		return;
	if (xen->own_pool && sys->swiotlb) {
		dmk_swiotlb_free(sys->swiotlb);
		sys->swiotlb = NULL;
	}
	pool_unfix(xen);
	pool_release(xen);
}

/* ---- life cycle ---- */

static struct dmk_xen *xen_alloc(struct dmk_system *sys)
{
	struct dmk_xen *xen = dmk_env_calloc(1, sizeof(*xen));

	if (!xen)
		return NULL;
	xen->sys = sys;
	xen->plat = sys->plat;
	dmk_mutex_init(&xen->reservation_lock);
	dmk_mutex_init(&xen->grant_lock);
	dmk_xen_rangemap_init(&xen->remapped, false);
	return xen;
}

static void xen_free(struct dmk_xen *xen)
{
	dmk_xen_p2m_exit(xen);
	dmk_xen_rangemap_destroy(&xen->remapped);
	dmk_mutex_destroy(&xen->reservation_lock);
	dmk_mutex_destroy(&xen->grant_lock);
	dmk_env_free(xen);
}

static int check_platform(const struct dmk_platform *plat)
{
	if (!plat->xen || !plat->ops->hypercall)
		return -DMK_ENODEV;
	switch (plat->arch) {
	case DMK_ARCH_X86_64:
	case DMK_ARCH_ARM32:
	case DMK_ARCH_ARM64:
		return 0;
	default:
		dmk_log(plat, DMK_LOG_ERR,
			"xen: no Xen support for this architecture");
		return -DMK_ENOTSUP;
	}
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
		log_cannot_pin(xen);
		return -DMK_ENOTSUP;
	}
	return 0;
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

int dmk_xen_init(struct dmk_system *sys)
{
	struct dmk_xen *xen;
	int rc = check_platform(sys->plat);

	if (rc)
		return rc;
	xen = xen_alloc(sys);
	if (!xen)
		return -DMK_ENOMEM;
	rc = read_features(xen);
	if (rc)
		goto fail;
	choose_mode(xen);
	rc = mode_supported(xen);
	if (rc)
		goto fail;
	rc = dmk_xen_p2m_init(xen);
	if (rc)
		goto fail;
	sys->xen = xen;
	rc = dmk_xen_pool_init(xen);
	if (rc) {
		sys->xen = NULL;
		goto fail;
	}
	probe_cache_flush(xen);
	/* Devices that were never set up still reach Xen, in every mode. */
	sys->default_ops = &dmk_xen_swiotlb_dma_ops;
	dmk_log(sys->plat, DMK_LOG_INFO,
		"swiotlb-xen: %s %s, GNTTABOP_cache_flush %s",
		xen->dom0 ? "dom0" : "domU", mode_name(xen->mode),
		xen->cache_flush ? "present" : "absent");
	return 0;
fail:
	xen_free(xen);
	return rc;
}

void dmk_xen_exit(struct dmk_system *sys)
{
	struct dmk_xen *xen = sys->xen;

	if (!xen)
		return;
	dmk_xen_grant_exit(xen);
	dmk_xen_pool_exit(xen);
	if (sys->default_ops == &dmk_xen_swiotlb_dma_ops)
		sys->default_ops = NULL;
	sys->xen = NULL;
	xen_free(xen);
}

/* ---- how swiotlb-xen meets the device's own ops ---- */

/*
 * Devices a stage-2 IOMMU translates (their bus addresses are guest
 * frames) and devices behind the guest's own IOMMU (IOVAs) need none of
 * this: pfn_to_bfn would hand them machine addresses they cannot use.
 */
static bool xen_leaves_alone(struct dmk_device *dev)
{
	return dev->stage2_iommu || dev->iommu;
}

void dmk_xen_setup_dma_ops(struct dmk_device *dev)
{
	struct dmk_xen *xen = dev_xen(dev);

	if (!xen || xen_leaves_alone(dev) ||
	    dev->dma_ops == &dmk_xen_swiotlb_dma_ops)
		return;
	switch (xen->sys->cfg.xen_ops_mode) {
	case DMK_XEN_OPS_PER_DEVICE:
		/* dmakit: Xen on top of every device, its ops inside. */
		dev->native_ops =
			dev->dma_ops ? dev->dma_ops : dmk_direct_ops_for(dev);
		dev->dma_ops = &dmk_xen_swiotlb_dma_ops;
		break;
	case DMK_XEN_OPS_DEFAULT_ONLY:
		/*
		 * 2013: the coherent arch default gives way to the Xen
		 * default; the _noncoherent variant and any set_dma_ops
		 * stay and bypass Xen, as Catalin warned.
		 */
		if (dev->dma_ops == &dmk_direct_coherent_ops)
			dev->dma_ops = NULL;
		break;
	case DMK_XEN_OPS_DEVICE_FIRST:
		/* 2017: the device's own ops always win over the default. */
		break;
	}
}

bool dmk_xen_wraps(struct dmk_device *dev)
{
	return dev_xen(dev) && dev->dma_ops == &dmk_xen_swiotlb_dma_ops &&
	       dev->sys->cfg.xen_ops_mode == DMK_XEN_OPS_PER_DEVICE;
}

const struct dmk_dma_map_ops *dmk_xen_native_ops(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *ops = dev->native_ops;

	if (!ops || ops == &dmk_xen_swiotlb_dma_ops)
		return dmk_direct_ops_for(dev);
	return ops;
}

/* ---- the per-architecture hooks of the thread ---- */

/*
 * The scenarios' naive design (DMK_NAIVE_XEN_FREE_PAGES): the x86 hook
 * everywhere, cacheable free pages whatever the device's coherency.
 */
static enum dmk_arch coherent_pages_arch(struct dmk_device *dev)
{
	if (dev->sys->cfg.naive & DMK_NAIVE_XEN_FREE_PAGES)
		return DMK_ARCH_X86_64;
	return dev_plat(dev)->arch;
}

void *dmk_xen_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				   dmk_addr_t *dma_handle, unsigned long attrs)
{
	switch (coherent_pages_arch(dev)) {
	case DMK_ARCH_X86_64:
		return dmk_xen_x86_alloc_coherent_pages(dev, size, dma_handle,
							attrs);
	case DMK_ARCH_ARM32:
		return dmk_xen_arm_alloc_coherent_pages(dev, size, dma_handle,
							attrs);
	case DMK_ARCH_ARM64:
		return dmk_xen_arm64_alloc_coherent_pages(dev, size, dma_handle,
							  attrs);
	default:
		return NULL;
	}
}

void dmk_xen_free_coherent_pages(struct dmk_device *dev, size_t size,
				 void *cpu_addr, dmk_addr_t dma_handle,
				 unsigned long attrs)
{
	switch (coherent_pages_arch(dev)) {
	case DMK_ARCH_X86_64:
		dmk_xen_x86_free_coherent_pages(dev, size, cpu_addr, dma_handle,
						attrs);
		break;
	case DMK_ARCH_ARM32:
		dmk_xen_arm_free_coherent_pages(dev, size, cpu_addr, dma_handle,
						attrs);
		break;
	case DMK_ARCH_ARM64:
		dmk_xen_arm64_free_coherent_pages(dev, size, cpu_addr,
						  dma_handle, attrs);
		break;
	default:
		break;
	}
}

bool dmk_xen_arch_need_swiotlb(struct dmk_device *dev, dmk_phys_t phys,
			       size_t size)
{
	if (dev_plat(dev)->arch == DMK_ARCH_X86_64)
		return dmk_xen_x86_need_swiotlb(dev, phys, size);
	return dmk_xen_arm_need_swiotlb(dev, phys, size);
}

int dmk_xen_stats(struct dmk_system *sys, struct dmk_xen_stats *st)
{
	struct dmk_xen *xen = sys->xen;

	if (!xen)
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
	return 0;
}
