/* SPDX-License-Identifier: MIT */
/*
 * Grant DMA ops: Linux's drivers/xen/grant-dma-ops.c (Juergen Gross,
 * 2022), for devices whose "DMA" is done by a backend in another domain,
 * a virtio device emulated in dom0 for a domU.  The backend owns none of
 * the domU's frames, so a guest frame as bus address (what dma-direct or
 * swiotlb-xen hands out) means nothing to it; a grant reference does.
 *
 * A bus address is XEN_GRANT_DMA_ADDR_OFF (bit 63) | ref << 12 | the
 * offset in the page.  A mapping of n pages takes n consecutive
 * references (gnttab_alloc_grant_reference_seq), grants each page to the
 * backend (read-only for DMA_TO_DEVICE) and revokes them at unmap.  A
 * reference the backend still maps cannot be revoked: the device is then
 * "broken" as Linux marks it, the references and pages are leaked rather
 * than reused under the backend's feet, and every later map fails.
 * Coherent allocations are ordinary pages granted whole, writable, and
 * so are dma_alloc_pages' (Linux 6.x's xen_grant_dma_alloc_pages calls
 * the coherent allocator; dma_alloc_noncontiguous falls back to it as
 * one chunk, since the ops have no alloc_noncontiguous).  Their pages
 * are found from the CPU address (dma_common_get_sgtable).  Linux's ops
 * have no map_resource: dma_map_resource on such a device returns
 * DMA_MAPPING_ERROR, and here the dispatch refuses it with one log line
 * (a backend cannot be granted MMIO it does not own as RAM anyway).
 * There is no cache maintenance: the backend's CPU reaches the pages
 * through its own cacheable mapping, so a grant DMA device is coherent.
 *
 * Which devices: those firmware binds with `iommus = <&xen_grant_dma
 * DOMID>` (xen_is_grant_dma_device, of_parse_phandle_with_args on a node
 * compatible "xen,grant-dma"), and virtio devices without a binding when
 * the platform forces grants (CONFIG_XEN_VIRTIO_FORCE_GRANT) or the guest
 * is PV: their backend is dom0 (xen_grant_init_backend_domid).  The ops
 * go on top of the device's own (dmk_dma_wrap), before swiotlb-xen could,
 * as Linux's xen_setup_dma_ops prefers grants.
 */
#include "xen-internal.h"

/* What the layer keeps of a device (Linux's struct xen_grant_dma_data). */
struct grant_dev {
	bool bound;	  /* firmware named a backend */
	bool virtio;	  /* a virtio device */
	bool active;	  /* the grant ops are on the device */
	bool broken;	  /* a revoke failed: no more mappings (atomic) */
	uint16_t backend; /* the backend domain, when bound or active */
};

static struct grant_dev *grant_dev(struct dmk_device *dev)
{
	return dev->dma ? dev->dma->layer_dev : NULL;
}

static struct grant_dev *grant_dev_get(struct dmk_device *dev, int *rc)
{
	struct grant_dev *gd;

	*rc = 0;
	if (!dev || !dev->dma || !dev->sys) {
		*rc = -DMK_EINVAL;
		return NULL;
	}
	if (!dev_xen(dev)) {
		*rc = -DMK_ENODEV;
		return NULL;
	}
	gd = dev->dma->layer_dev;
	if (!gd) {
		gd = dmk_env_zalloc(sizeof(*gd));
		if (!gd)
			*rc = -DMK_ENOMEM;
		dev->dma->layer_dev = gd;
	}
	return gd;
}

int dmk_xen_grant_dma_bind(struct dmk_device *dev, uint16_t backend_domid)
{
	int rc;
	struct grant_dev *gd = grant_dev_get(dev, &rc);

	if (!gd)
		return rc;
	gd->bound = true;
	gd->backend = backend_domid;
	return 0;
}

int dmk_xen_virtio_device(struct dmk_device *dev)
{
	int rc;
	struct grant_dev *gd = grant_dev_get(dev, &rc);

	if (!gd)
		return rc;
	gd->virtio = true;
	return 0;
}

int dmk_xen_grant_dma_backend(struct dmk_device *dev)
{
	struct grant_dev *gd = dev ? grant_dev(dev) : NULL;

	return gd && gd->active ? gd->backend : -DMK_ENODEV;
}

bool dmk_xen_grant_dma_setup_dev(struct dmk_device *dev)
{
	struct dmk_xen *xen = dev_xen(dev);
	struct grant_dev *gd = grant_dev(dev);

	if (!gd)
		return false;
	gd->active = false;
	if (!gd->bound) {
		if (!gd->virtio || !(xen->sys->cfg.xen_virtio_force_grant ||
				     xen->mode == DMK_XEN_MODE_PV))
			return false;
		/* xen_grant_init_backend_domid: "Using dom0 as backend". */
		gd->backend = 0;
	}
	dmk_dma_wrap(dev, &dmk_xen_grant_dma_ops);
	gd->active = true;
	dmk_log(xen->plat, DMK_LOG_INFO,
		"xen-grant-dma: %s: backend domain %u%s", dev->name,
		gd->backend, gd->bound ? "" : " (virtio, forced)");
	return true;
}

void dmk_xen_grant_dma_release_dev(struct dmk_device *dev)
{
	dmk_env_free(dev->dma->layer_dev);
	dev->dma->layer_dev = NULL;
}

/* ---- addresses ---- */

static dmk_addr_t grant_to_dma(unsigned int ref)
{
	return DMK_XEN_GRANT_DMA_ADDR_OFF | ((dmk_addr_t)ref << DMK_PAGE_SHIFT);
}

static unsigned int dma_to_grant(dmk_addr_t addr)
{
	return (unsigned int)((addr & ~DMK_XEN_GRANT_DMA_ADDR_OFF) >>
			      DMK_PAGE_SHIFT);
}

static size_t pages_of(size_t bytes)
{
	return (bytes + DMK_PAGE_SIZE - 1) >> DMK_PAGE_SHIFT;
}

static unsigned int order_of(size_t pages)
{
	unsigned int order = 0;

	while (((size_t)1 << order) < pages)
		order++;
	return order;
}

/*
 * Revoke n references from ref.  One the backend still maps makes the
 * device broken (Linux's dev_alert "Grant still in use by backend
 * domain, disabled for further use"): nothing is given back.
 */
static bool revoke_all(struct dmk_device *dev, struct grant_dev *gd,
		       unsigned int ref, size_t n)
{
	struct dmk_xen *xen = dev_xen(dev);

	/* A bus address no grant of ours stands behind (the error value,
	 * an unmap of something never mapped: the DMA-API checker names
	 * it) would revoke references outside the table or another
	 * mapping's.  Linux's ops trust the driver; here the call is
	 * refused with one line and nothing changes. */
	if (n > UINT32_MAX || !dmk_xen_gref_held(xen, ref, (unsigned int)n)) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"xen-grant-dma: %s: grants %u+%zu were never given, nothing revoked",
			dev->name, ref, n);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!dmk_xen_gref_revoke(xen, ref + (unsigned int)i)) {
			dmk_atomic_store(&gd->broken, true, DMK_ORDER_RELAXED);
			dmk_log(xen->plat, DMK_LOG_ERR,
				"xen-grant-dma: %s: grant %u still in use by backend domain %u, device disabled",
				dev->name, ref + (unsigned int)i, gd->backend);
			return false;
		}
	}
	dmk_xen_gref_put_seq(xen, ref, (unsigned int)n);
	return true;
}

/* Grant n pages from phys (page aligned) through n references.  Out of
 * references, the table's growth said why in one line (none with
 * DMK_ATTR_NO_WARN in attrs). */
static int grant_pages(struct dmk_device *dev, struct grant_dev *gd,
		       dmk_phys_t phys, size_t n, bool readonly,
		       unsigned long attrs, unsigned int *first)
{
	struct dmk_xen *xen = dev_xen(dev);
	int ref, rc = 0;
	size_t i;

	if (n > UINT32_MAX)
		return -DMK_EINVAL;
	ref = dmk_xen_gref_get_seq(xen, (unsigned int)n,
				   !(attrs & DMK_ATTR_NO_WARN));
	if (ref < 0)
		return ref;
	for (i = 0; i < n && !rc; i++)
		rc = dmk_xen_gref_grant(
			xen, (unsigned int)ref + (unsigned int)i, gd->backend,
			phys + ((dmk_phys_t)i << DMK_PAGE_SHIFT), readonly);
	if (rc) {
		/* Nobody was told these references: they revoke at once. */
		revoke_all(dev, gd, (unsigned int)ref, i);
		if (i < n)
			dmk_xen_gref_put_seq(
				xen, (unsigned int)ref + (unsigned int)i,
				(unsigned int)(n - i));
		return rc;
	}
	*first = (unsigned int)ref;
	return 0;
}

/* ---- the ops ---- */

/* The device's state, NULL when it may not map: the ops were put on a
 * device the layer never set up, or the device is broken. */
static struct grant_dev *usable(struct dmk_device *dev)
{
	struct grant_dev *gd = grant_dev(dev);

	if (!gd || !gd->active ||
	    dmk_atomic_load(&gd->broken, DMK_ORDER_RELAXED))
		return NULL;
	return gd;
}

static void *grant_alloc(struct dmk_device *dev, size_t size,
			 dmk_addr_t *dma_handle, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct grant_dev *gd = usable(dev);
	size_t n = pages_of(size);
	unsigned int order = order_of(n), ref;
	dmk_phys_t phys;
	void *va;

	if (!n || !gd)
		return NULL;
	va = plat->ops->alloc_pages(plat->ctx, order, ~(dmk_phys_t)0, &phys);
	if (!va) {
		/* The page allocator's warning, none with NO_WARN. */
		if (!(attrs & DMK_ATTR_NO_WARN))
			dmk_log(plat, DMK_LOG_WARN,
				"xen-grant-dma: %s: no free block of %zu pages",
				dev->name, (size_t)1 << order);
		return NULL;
	}
	memset(va, 0, n << DMK_PAGE_SHIFT);
	if (grant_pages(dev, gd, phys, n, false, attrs, &ref)) {
		plat->ops->free_pages(plat->ctx, phys, order);
		return NULL;
	}
	*dma_handle = grant_to_dma(ref);
	return va;
}

static void grant_free(struct dmk_device *dev, size_t size, void *cpu_addr,
		       dmk_addr_t dma_handle, unsigned long attrs)
{
	const struct dmk_platform *plat = dev_plat(dev);
	struct grant_dev *gd = grant_dev(dev);
	size_t n = pages_of(size);

	(void)attrs;
	if (!gd || !n)
		return;
	if (!revoke_all(dev, gd, dma_to_grant(dma_handle), n)) {
		dmk_log(plat, DMK_LOG_ERR,
			"xen-grant-dma: %s: %zu pages at %p leaked, the backend still maps them",
			dev->name, n, cpu_addr);
		return;
	}
	plat->ops->free_pages(plat->ctx, dmk_virt_to_phys(plat, cpu_addr),
			      order_of(n));
}

/*
 * Linux's xen_grant_dma_alloc_pages / _free_pages: the coherent
 * allocation, whatever the direction, so the pages are granted
 * writable and the device may write them even for DMA_TO_DEVICE.
 */
static void *grant_alloc_pages(struct dmk_device *dev, size_t size,
			       dmk_addr_t *dma_handle,
			       enum dmk_data_direction dir)
{
	void *va;

	(void)dir;
	va = grant_alloc(dev, size, dma_handle, 0);
	if (!va)
		*dma_handle = DMK_MAPPING_ERROR;
	return va;
}

static void grant_free_pages(struct dmk_device *dev, size_t size,
			     void *cpu_addr, dmk_addr_t dma_handle,
			     enum dmk_data_direction dir)
{
	(void)dir;
	grant_free(dev, size, cpu_addr, dma_handle, 0);
}

/*
 * dma_common_get_sgtable(): the pages behind the CPU address, which for
 * grant DMA is the linear one (the allocation is ordinary pages).  The
 * bus address is only checked to be a grant.
 */
static int grant_get_sgtable(struct dmk_device *dev, struct dmk_sg_table *sgt,
			     void *cpu_addr, dmk_addr_t dma_addr, size_t size,
			     unsigned long attrs)
{
	size_t bytes = pages_of(size) << DMK_PAGE_SHIFT;

	(void)attrs;
	if (!(dma_addr & DMK_XEN_GRANT_DMA_ADDR_OFF) ||
	    (dma_addr & (DMK_PAGE_SIZE - 1)) || bytes > UINT32_MAX)
		return -DMK_EINVAL;
	sgt->sgl = dmk_env_zalloc(sizeof(*sgt->sgl));
	if (!sgt->sgl)
		return -DMK_ENOMEM;
	sgt->sgl[0].phys = dmk_virt_to_phys(dev_plat(dev), cpu_addr);
	sgt->sgl[0].length = (uint32_t)bytes;
	sgt->nents = sgt->orig_nents = 1;
	return 0;
}

static dmk_addr_t grant_map_page(struct dmk_device *dev, dmk_phys_t phys,
				 size_t size, enum dmk_data_direction dir,
				 unsigned long attrs)
{
	struct grant_dev *gd = usable(dev);
	size_t off = phys & (DMK_PAGE_SIZE - 1);
	unsigned int ref;

	if (!dmk_dir_valid(dir) || !gd || !size)
		return DMK_MAPPING_ERROR;
	if (grant_pages(dev, gd, phys - off, pages_of(off + size),
			dir == DMK_DMA_TO_DEVICE, attrs, &ref))
		return DMK_MAPPING_ERROR;
	return grant_to_dma(ref) + off;
}

static void grant_unmap_page(struct dmk_device *dev, dmk_addr_t addr,
			     size_t size, enum dmk_data_direction dir,
			     unsigned long attrs)
{
	struct grant_dev *gd = grant_dev(dev);
	size_t off = addr & (DMK_PAGE_SIZE - 1);

	(void)dir;
	(void)attrs;
	if (gd && size)
		revoke_all(dev, gd, dma_to_grant(addr), pages_of(off + size));
}

static int grant_map_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			enum dmk_data_direction dir, unsigned long attrs)
{
	return dmk_sg_map_each(dev, sg, nents, dir, attrs, grant_map_page,
			       grant_unmap_page);
}

static void grant_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			   enum dmk_data_direction dir, unsigned long attrs)
{
	dmk_sg_unmap_each(dev, sg, nents, dir, attrs, grant_unmap_page);
}

/* Linux's xen_grant_dma_supported: grant addresses need all 64 bits. */
static int grant_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	(void)dev;
	return mask == DMK_BIT_MASK(64);
}

const struct dmk_dma_map_ops dmk_xen_grant_dma_ops = {
	.name = "xen-grant-dma",
	.alloc = grant_alloc,
	.free = grant_free,
	.map_page = grant_map_page,
	.unmap_page = grant_unmap_page,
	.map_sg = grant_map_sg,
	.unmap_sg = grant_unmap_sg,
	.dma_supported = grant_dma_supported,
	.alloc_pages_op = grant_alloc_pages,
	.free_pages = grant_free_pages,
	.get_sgtable = grant_get_sgtable,
};
