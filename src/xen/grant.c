/* SPDX-License-Identifier: MIT */
/*
 * Grant tables: a front end grants a page of its own to a peer, a back
 * end maps a peer's grant into a ballooned frame of its own.
 *
 * The table is one frame of grant_entry_v1_t that the guest writes and
 * the hypervisor reads.  An autotranslated guest asks Xen to place it
 * (XENMEM_add_to_physmap, XENMAPSPACE_grant_table) at a guest frame
 * emptied by ballooning; a PV guest learns its machine frame from
 * GNTTABOP_setup_table and maps it at a ballooned page's address.
 *
 * A foreign page mapped by the back end has a machine frame that the
 * guest learns from map_grant_ref's dev_bus_addr: p2m.c records it so
 * that swiotlb-xen can hand the device that address and knows the page
 * needs GNTTABOP_cache_flush rather than the guest's own maintenance.
 */
#include "xen-internal.h"

/* ---- the table ---- */

static void *table_page_alloc(struct dmk_xen *xen, dmk_phys_t *phys)
{
	const struct dmk_platform *plat = xen->plat;

	return plat->ops->alloc_pages(plat->ctx, 0, ~(dmk_phys_t)0, phys);
}

static void table_page_free(struct dmk_xen *xen, dmk_phys_t phys)
{
	const struct dmk_platform *plat = xen->plat;

	plat->ops->free_pages(plat->ctx, phys, 0);
}

static int balloon(struct dmk_xen *xen, dmk_phys_t phys, bool out)
{
	int rc;

	dmk_mutex_lock(&xen->reservation_lock);
	rc = out ? dmk_xen_balloon_out(xen, phys)
		 : dmk_xen_balloon_in(xen, phys);
	dmk_mutex_unlock(&xen->reservation_lock);
	return rc;
}

/* An emptied guest frame, for the table or a foreign page. */
static int ballooned_page(struct dmk_xen *xen, dmk_phys_t *phys)
{
	int rc;

	if (!table_page_alloc(xen, phys))
		return -DMK_ENOMEM;
	rc = balloon(xen, *phys, true);
	if (rc)
		table_page_free(xen, *phys);
	return rc;
}

/* Back to RAM and to the allocator; a frame Xen refuses stays out. */
static int return_page(struct dmk_xen *xen, dmk_phys_t phys)
{
	int rc = balloon(xen, phys, false);

	if (rc) {
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: cannot repopulate pfn %#llx (%d); it stays ballooned",
			(unsigned long long)(phys >> DMK_PAGE_SHIFT), rc);
		return rc;
	}
	table_page_free(xen, phys);
	return 0;
}

static int table_place_auto(struct dmk_xen *xen, dmk_phys_t phys)
{
	struct xen_add_to_physmap xatp;

	memset(&xatp, 0, sizeof(xatp));
	xatp.domid = DOMID_SELF;
	xatp.space = XENMAPSPACE_grant_table;
	xatp.idx = 0;
	xatp.gpfn = phys >> DMK_PAGE_SHIFT;
	return dmk_xen_error(
		dmk_xen_memory_op(xen, XENMEM_add_to_physmap, &xatp));
}

static int table_place_pv(struct dmk_xen *xen, dmk_phys_t phys)
{
	struct gnttab_setup_table st;
	xen_pfn_t frame = 0;
	long rc;

	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.nr_frames = DMK_XEN_GRANT_FRAMES;
	set_xen_guest_handle(st.frame_list, &frame);
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_setup_table, &st, 1);
	if (rc || st.status != GNTST_okay)
		return rc ? dmk_xen_error(rc) : -DMK_EIO;
	return dmk_xen_pv_map_frame(xen, phys >> DMK_PAGE_SHIFT, frame);
}

static int table_setup(struct dmk_xen *xen)
{
	dmk_phys_t phys;
	int rc;

	rc = ballooned_page(xen, &phys);
	if (rc)
		return rc;
	if (xen->mode == DMK_XEN_MODE_PV)
		rc = table_place_pv(xen, phys);
	else
		rc = table_place_auto(xen, phys);
	if (rc) {
		dmk_log(xen->plat, DMK_LOG_ERR,
			"xen: cannot map the grant table (%d)", rc);
		return_page(xen, phys);
		return rc;
	}
	xen->gnttab_nr =
		DMK_XEN_GRANT_FRAMES * DMK_PAGE_SIZE / sizeof(grant_entry_v1_t);
	xen->gref_used = dmk_env_calloc(xen->gnttab_nr, 1);
	if (!xen->gref_used) {
		xen->gnttab_nr = 0;
		return -DMK_ENOMEM;
	}
	xen->gnttab_phys = phys;
	xen->gnttab = dmk_phys_to_virt(xen->plat, phys);
	return 0;
}

static int table_remove_auto(struct dmk_xen *xen)
{
	struct xen_remove_from_physmap xrfp;

	memset(&xrfp, 0, sizeof(xrfp));
	xrfp.domid = DOMID_SELF;
	xrfp.gpfn = xen->gnttab_phys >> DMK_PAGE_SHIFT;
	return dmk_xen_error(
		dmk_xen_memory_op(xen, XENMEM_remove_from_physmap, &xrfp));
}

void dmk_xen_grant_exit(struct dmk_xen *xen)
{
	int rc;

	if (!xen->gnttab)
		return;
	if (xen->mode == DMK_XEN_MODE_PV)
		rc = dmk_xen_pv_unmap_frame(xen,
					    xen->gnttab_phys >> DMK_PAGE_SHIFT);
	else
		rc = table_remove_auto(xen);
	/* A hypervisor that cannot take the frame back keeps the page. */
	if (!rc)
		return_page(xen, xen->gnttab_phys);
	xen->gnttab = NULL;
	dmk_env_free(xen->gref_used);
	xen->gref_used = NULL;
}

/* ---- front end ---- */

static int gref_get(struct dmk_xen *xen)
{
	int ref = -DMK_ENOMEM;

	dmk_mutex_lock(&xen->grant_lock);
	if (!xen->gnttab) {
		int rc = table_setup(xen);

		if (rc) {
			dmk_mutex_unlock(&xen->grant_lock);
			return rc;
		}
	}
	for (unsigned int i = GNTTAB_NR_RESERVED_ENTRIES; i < xen->gnttab_nr;
	     i++) {
		if (!xen->gref_used[i]) {
			xen->gref_used[i] = 1;
			ref = (int)i;
			break;
		}
	}
	dmk_mutex_unlock(&xen->grant_lock);
	return ref;
}

static void gref_put(struct dmk_xen *xen, int ref)
{
	dmk_mutex_lock(&xen->grant_lock);
	xen->gref_used[ref] = 0;
	dmk_mutex_unlock(&xen->grant_lock);
}

static bool gref_in_use(struct dmk_xen *xen, int ref)
{
	bool used;

	dmk_mutex_lock(&xen->grant_lock);
	used = xen->gnttab && ref >= GNTTAB_NR_RESERVED_ENTRIES &&
	       (unsigned int)ref < xen->gnttab_nr && xen->gref_used[ref];
	dmk_mutex_unlock(&xen->grant_lock);
	return used;
}

int dmk_xen_grant_access(struct dmk_system *sys, uint16_t to, dmk_phys_t phys,
			 bool readonly)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	grant_entry_v1_t *e;
	uint64_t frame;
	int ref;

	if (!xen)
		return -DMK_ENODEV;
	/* The frame Xen knows the page by: MFN for PV, GFN otherwise. */
	frame = phys >> DMK_PAGE_SHIFT;
	if (xen->mode == DMK_XEN_MODE_PV)
		frame = dmk_xen_pv_get(xen, frame);
	if (frame == DMK_INVALID_BFN || frame > UINT32_MAX)
		return -DMK_EINVAL;
	ref = gref_get(xen);
	if (ref < 0)
		return ref;
	e = &xen->gnttab[ref];
	e->domid = to;
	e->frame = (uint32_t)frame;
	/* The peer may act as soon as flags say so: publish them last. */
	dmk_atomic_store(
		&e->flags,
		(uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
		DMK_ORDER_RELEASE);
	return ref;
}

int dmk_xen_end_access(struct dmk_system *sys, int ref)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	uint16_t flags;

	if (!xen)
		return -DMK_ENODEV;
	if (!gref_in_use(xen, ref))
		return -DMK_EINVAL;
	/* gnttab_end_foreign_access_ref: never while the peer maps it. */
	flags = dmk_atomic_load(&xen->gnttab[ref].flags, DMK_ORDER_ACQUIRE);
	do {
		if (flags & (GTF_reading | GTF_writing))
			return -DMK_EIO;
	} while (!dmk_atomic_cmpxchg(&xen->gnttab[ref].flags, &flags, 0,
				     DMK_ORDER_ACQ_REL, DMK_ORDER_ACQUIRE));
	gref_put(xen, ref);
	return 0;
}

/* ---- back end ---- */

static int grant_status_error(int16_t status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_bad_domain:
	case GNTST_bad_gntref:
	case GNTST_bad_handle:
	case GNTST_bad_virt_addr:
		return -DMK_EINVAL;
	default:
		return -DMK_EIO;
	}
}

/*
 * Where the mapping goes.  PV: the page's virtual address, with a device
 * mapping for dev_bus_addr.  ARM: the guest-physical address (Xen on ARM
 * refuses GNTMAP_device_map and returns the machine address anyway).
 */
static uint64_t host_addr(struct dmk_xen *xen, dmk_phys_t phys)
{
	if (xen->mode == DMK_XEN_MODE_PV)
		return (uint64_t)(uintptr_t)dmk_phys_to_virt(xen->plat, phys);
	return phys;
}

static int map_grant(struct dmk_xen *xen, uint16_t domid, int ref,
		     bool readonly, dmk_phys_t phys,
		     struct gnttab_map_grant_ref *op)
{
	long rc;

	memset(op, 0, sizeof(*op));
	op->host_addr = host_addr(xen, phys);
	op->flags = GNTMAP_host_map;
	if (xen->mode == DMK_XEN_MODE_PV)
		op->flags |= GNTMAP_device_map;
	if (readonly)
		op->flags |= GNTMAP_readonly;
	op->ref = (grant_ref_t)ref;
	op->dom = domid;
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_map_grant_ref, op, 1);
	if (rc)
		return dmk_xen_error(rc);
	return grant_status_error(op->status);
}

static int unmap_grant(struct dmk_xen *xen,
		       const struct dmk_xen_foreign_page *page)
{
	struct gnttab_unmap_grant_ref op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.host_addr = host_addr(xen, page->phys);
	if (xen->mode == DMK_XEN_MODE_PV)
		op.dev_bus_addr = page->bfn << DMK_PAGE_SHIFT;
	op.handle = page->handle;
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_unmap_grant_ref, &op, 1);
	if (rc)
		return dmk_xen_error(rc);
	return grant_status_error(op.status);
}

int dmk_xen_map_foreign(struct dmk_system *sys, uint16_t domid, int ref,
			bool readonly, struct dmk_xen_foreign_page *out)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	struct gnttab_map_grant_ref op;
	dmk_phys_t phys;
	uint64_t pfn, bfn;
	int rc;

	if (!xen)
		return -DMK_ENODEV;
	if (ref < 0)
		return -DMK_EINVAL;
	rc = ballooned_page(xen, &phys);
	if (rc)
		return rc;
	rc = map_grant(xen, domid, ref, readonly, phys, &op);
	if (rc)
		goto fail;
	pfn = phys >> DMK_PAGE_SHIFT;
	bfn = op.dev_bus_addr >> DMK_PAGE_SHIFT;
	if (xen->mode == DMK_XEN_MODE_PV)
		dmk_xen_pv_set(xen, pfn, bfn);
	rc = dmk_xen_p2m_add(xen, pfn, bfn, 1, DMK_XEN_FRAME_FOREIGN);
	if (rc) {
		struct dmk_xen_foreign_page undo = {
			.phys = phys, .bfn = bfn, .handle = op.handle};

		unmap_grant(xen, &undo);
		if (xen->mode == DMK_XEN_MODE_PV)
			dmk_xen_pv_set(xen, pfn, DMK_INVALID_BFN);
		goto fail;
	}
	out->phys = phys;
	out->va = dmk_phys_to_virt(sys->plat, phys);
	out->bfn = bfn;
	out->handle = op.handle;
	dmk_atomic_fetch_add(&xen->foreign_maps, 1, DMK_ORDER_RELAXED);
	return 0;
fail:
	return_page(xen, phys);
	return rc;
}

int dmk_xen_unmap_foreign(struct dmk_system *sys,
			  struct dmk_xen_foreign_page *page)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	uint64_t pfn;
	int rc;

	if (!xen)
		return -DMK_ENODEV;
	pfn = page->phys >> DMK_PAGE_SHIFT;
	if (!dmk_xen_pfn_is_foreign(xen, pfn))
		return -DMK_EINVAL;
	rc = unmap_grant(xen, page);
	if (rc)
		return rc;
	dmk_xen_p2m_del(xen, pfn, page->bfn);
	if (xen->mode == DMK_XEN_MODE_PV)
		dmk_xen_pv_set(xen, pfn, DMK_INVALID_BFN);
	dmk_atomic_fetch_sub(&xen->foreign_maps, 1, DMK_ORDER_RELAXED);
	page->va = NULL;
	return return_page(xen, page->phys);
}
