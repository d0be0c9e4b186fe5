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

/*
 * Back to RAM and to the allocator; a frame Xen refuses twice stays out.
 * Once more after a refusal: populate_physmap may do fewer extents than
 * asked when Xen is short of memory for a moment, and a frame left out
 * is a page the guest never gets back (`dmakit faults` found that).
 */
static int return_page(struct dmk_xen *xen, dmk_phys_t phys)
{
	int rc = balloon(xen, phys, false);

	if (rc)
		rc = balloon(xen, phys, false);

	if (rc) {
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: cannot repopulate pfn %#llx (%d); it stays ballooned",
			(unsigned long long)(phys >> DMK_PAGE_SHIFT), rc);
		return rc;
	}
	table_page_free(xen, phys);
	return 0;
}

/* Frame idx of the table at the emptied guest frame phys. */
static int frame_place_auto(struct dmk_xen *xen, unsigned int idx,
			    dmk_phys_t phys)
{
	struct xen_add_to_physmap xatp;

	memset(&xatp, 0, sizeof(xatp));
	xatp.domid = DOMID_SELF;
	xatp.space = XENMAPSPACE_grant_table;
	xatp.idx = idx;
	xatp.gpfn = phys >> DMK_PAGE_SHIFT;
	return dmk_xen_error(
		dmk_xen_memory_op(xen, XENMEM_add_to_physmap, &xatp));
}

/* PV: setup_table for nr frames names every frame's MFN; the new ones
 * (from xen->gnttab_frames on) are mapped at their ballooned pages. */
static int frames_place_pv(struct dmk_xen *xen, unsigned int nr,
			   const dmk_phys_t *phys)
{
	struct gnttab_setup_table st;
	xen_pfn_t frames[DMK_XEN_GRANT_MAX_FRAMES];
	unsigned int cur = xen->gnttab_frames;
	long rc;
	int err = 0;

	memset(&st, 0, sizeof(st));
	memset(frames, 0, sizeof(frames));
	st.dom = DOMID_SELF;
	st.nr_frames = nr;
	set_xen_guest_handle(st.frame_list, frames);
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_setup_table, &st, 1);
	if (rc || st.status != GNTST_okay)
		return rc ? dmk_xen_error(rc) : -DMK_EIO;
	for (unsigned int i = cur; i < nr && !err; i++) {
		err = dmk_xen_pv_map_frame(xen, phys[i - cur] >> DMK_PAGE_SHIFT,
					   frames[i]);
		if (err)
			for (unsigned int j = cur; j < i; j++)
				dmk_xen_pv_unmap_frame(
					xen, phys[j - cur] >> DMK_PAGE_SHIFT);
	}
	return err;
}

static int frame_remove(struct dmk_xen *xen, dmk_phys_t phys)
{
	struct xen_remove_from_physmap xrfp;

	if (xen->mode == DMK_XEN_MODE_PV)
		return dmk_xen_pv_unmap_frame(xen, phys >> DMK_PAGE_SHIFT);
	memset(&xrfp, 0, sizeof(xrfp));
	xrfp.domid = DOMID_SELF;
	xrfp.gpfn = phys >> DMK_PAGE_SHIFT;
	return dmk_xen_error(
		dmk_xen_memory_op(xen, XENMEM_remove_from_physmap, &xrfp));
}

/* The frame goes back to Xen, its guest frame to RAM; a hypervisor that
 * cannot take the frame back keeps the page out. */
static void frame_release(struct dmk_xen *xen, dmk_phys_t phys)
{
	if (!frame_remove(xen, phys))
		return_page(xen, phys);
}

/*
 * GNTTABOP_query_size once: how far the table may grow (Linux's
 * gnttab_max_grant_frames, bounded by what this layer keeps).
 */
static int table_query(struct dmk_xen *xen)
{
	struct gnttab_query_size q;
	long rc;

	memset(&q, 0, sizeof(q));
	q.dom = DOMID_SELF;
	rc = dmk_xen_grant_table_op(xen, GNTTABOP_query_size, &q, 1);
	if (rc || q.status != GNTST_okay)
		return rc ? dmk_xen_error(rc) : -DMK_EIO;
	xen->gnttab_max_frames = q.max_nr_frames < DMK_XEN_GRANT_MAX_FRAMES
					 ? q.max_nr_frames
					 : DMK_XEN_GRANT_MAX_FRAMES;
	if (!xen->gnttab_max_frames)
		return -DMK_EIO;
	xen->gref_used = dmk_env_calloc(
		(size_t)xen->gnttab_max_frames * DMK_XEN_GREFS_PER_FRAME, 1);
	if (!xen->gref_used)
		return -DMK_ENOMEM;
	/* Xen's reserved entries (xenstore, console) are never handed out. */
	memset(xen->gref_used, 1, GNTTAB_NR_RESERVED_ENTRIES);
	return 0;
}

/*
 * Linux's gnttab_expand: enough new frames for want more references,
 * mapped where the guest reaches them; -DMK_ENOMEM with one line when
 * the hypervisor's limit (max_nr_frames) is in the way, an error with
 * one line when a call to it failed; no line when !warn.  The caller
 * holds grant_lock.
 */
static int table_grow(struct dmk_xen *xen, unsigned int want, bool warn)
{
	unsigned int cur = xen->gnttab_frames;
	unsigned int extra =
		(want + DMK_XEN_GREFS_PER_FRAME - 1) / DMK_XEN_GREFS_PER_FRAME;
	dmk_phys_t phys[DMK_XEN_GRANT_MAX_FRAMES];
	unsigned int got = 0;
	int rc = 0;

	if (!xen->gref_used) {
		rc = table_query(xen);
		if (rc) {
			if (warn)
				dmk_log(xen->plat, DMK_LOG_ERR,
					"xen: GNTTABOP_query_size failed (%d)",
					rc);
			return rc;
		}
	}
	if (cur + extra > xen->gnttab_max_frames) {
		if (warn)
			dmk_log(xen->plat, DMK_LOG_WARN,
				"xen: grant table full: %u references wanted, %u frames of %u in use, the hypervisor allows no more",
				want, cur, xen->gnttab_max_frames);
		return -DMK_ENOMEM;
	}
	for (; got < extra && !rc; got++)
		rc = ballooned_page(xen, &phys[got]);
	if (rc)
		got--;
	if (!rc && xen->mode == DMK_XEN_MODE_PV)
		rc = frames_place_pv(xen, cur + extra, phys);
	for (unsigned int i = 0;
	     !rc && xen->mode != DMK_XEN_MODE_PV && i < extra; i++) {
		rc = frame_place_auto(xen, cur + i, phys[i]);
		if (rc)
			for (unsigned int j = 0; j < i; j++)
				frame_remove(xen, phys[j]);
	}
	if (rc) {
		if (warn)
			dmk_log(xen->plat, DMK_LOG_ERR,
				"xen: cannot map grant-table frames %u-%u (%d)",
				cur, cur + extra - 1, rc);
		for (unsigned int i = 0; i < got; i++)
			return_page(xen, phys[i]);
		return rc;
	}
	for (unsigned int i = 0; i < extra; i++) {
		xen->gnttab_phys[cur + i] = phys[i];
		xen->gnttab[cur + i] = (grant_entry_v1_t *)dmk_phys_to_virt(
			xen->plat, phys[i]);
	}
	xen->gnttab_frames = cur + extra;
	xen->gnttab_nr = xen->gnttab_frames * DMK_XEN_GREFS_PER_FRAME;
	return 0;
}

void dmk_xen_grant_exit(struct dmk_xen *xen)
{
	unsigned int live = xen->gref_live;

	if (live)
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: %u grant references still in use at exit", live);
	for (unsigned int i = 0; i < xen->gnttab_frames; i++)
		frame_release(xen, xen->gnttab_phys[i]);
	xen->gnttab_frames = 0;
	xen->gnttab_nr = 0;
	dmk_env_free(xen->gref_used);
	xen->gref_used = NULL;
}

/* ---- front end ---- */

static grant_entry_v1_t *gref_entry(struct dmk_xen *xen, unsigned int ref)
{
	return &xen->gnttab[ref / DMK_XEN_GREFS_PER_FRAME]
			   [ref % DMK_XEN_GREFS_PER_FRAME];
}

/* A run of n free references at or after from, or -1. */
static long gref_find(struct dmk_xen *xen, unsigned int from, unsigned int n)
{
	unsigned int run = 0;

	for (unsigned int i = from; i < xen->gnttab_nr; i++) {
		run = xen->gref_used[i] ? 0 : run + 1;
		if (run == n)
			return (long)(i + 1 - n);
	}
	return -1;
}

/*
 * Linux's gnttab_alloc_grant_reference_seq: n consecutive references
 * (a coherent buffer's pages get consecutive bus addresses), the table
 * grown as gnttab_expand does when there is no such run.
 */
int dmk_xen_gref_get_seq(struct dmk_xen *xen, unsigned int n, bool warn)
{
	long ref;
	int rc;

	if (!n || n > DMK_XEN_GRANT_MAX_FRAMES * DMK_XEN_GREFS_PER_FRAME)
		return -DMK_EINVAL;
	dmk_mutex_lock(&xen->grant_lock);
	ref = gref_find(xen, xen->gref_hint, n);
	if (ref < 0)
		ref = gref_find(xen, GNTTAB_NR_RESERVED_ENTRIES, n);
	while (ref < 0) {
		/* Free references at the table's end start the new run. */
		unsigned int nr = xen->gnttab_nr, tail = 0;

		while (tail < nr && !xen->gref_used[nr - 1 - tail])
			tail++;
		rc = table_grow(xen,
				nr ? n - tail : n + GNTTAB_NR_RESERVED_ENTRIES,
				warn);
		if (rc) {
			dmk_mutex_unlock(&xen->grant_lock);
			return rc;
		}
		ref = gref_find(xen,
				nr ? nr - tail : GNTTAB_NR_RESERVED_ENTRIES, n);
	}
	for (unsigned int i = 0; i < n; i++)
		xen->gref_used[ref + i] = 1;
	xen->gref_live += n;
	xen->gref_hint = (unsigned int)ref + n;
	dmk_mutex_unlock(&xen->grant_lock);
	return (int)ref;
}

void dmk_xen_gref_put_seq(struct dmk_xen *xen, unsigned int ref, unsigned int n)
{
	dmk_mutex_lock(&xen->grant_lock);
	for (unsigned int i = 0; i < n; i++)
		xen->gref_used[ref + i] = 0;
	xen->gref_live -= n;
	if (ref < xen->gref_hint)
		xen->gref_hint = ref;
	dmk_mutex_unlock(&xen->grant_lock);
}

static bool gref_in_use(struct dmk_xen *xen, int ref)
{
	bool used;

	dmk_mutex_lock(&xen->grant_lock);
	used = ref >= GNTTAB_NR_RESERVED_ENTRIES &&
	       (unsigned int)ref < xen->gnttab_nr && xen->gref_used[ref];
	dmk_mutex_unlock(&xen->grant_lock);
	return used;
}

bool dmk_xen_gref_held(struct dmk_xen *xen, unsigned int ref, unsigned int n)
{
	bool held = ref >= GNTTAB_NR_RESERVED_ENTRIES && ref <= UINT32_MAX - n;

	dmk_mutex_lock(&xen->grant_lock);
	held = held && ref + n <= xen->gnttab_nr;
	for (unsigned int i = 0; held && i < n; i++)
		held = xen->gref_used[ref + i];
	dmk_mutex_unlock(&xen->grant_lock);
	return held;
}

/* The frame Xen knows the page by: MFN for PV, GFN otherwise. */
static uint64_t grant_frame(struct dmk_xen *xen, dmk_phys_t phys)
{
	uint64_t frame = phys >> DMK_PAGE_SHIFT;

	if (xen->mode == DMK_XEN_MODE_PV)
		frame = dmk_xen_pv_get(xen, frame);
	if (frame == DMK_INVALID_BFN || frame > UINT32_MAX)
		return DMK_INVALID_BFN;
	return frame;
}

/* gnttab_grant_foreign_access_ref on a reference this guest holds. */
int dmk_xen_gref_grant(struct dmk_xen *xen, unsigned int ref, uint16_t to,
		       dmk_phys_t phys, bool readonly)
{
	uint64_t frame = grant_frame(xen, phys);
	grant_entry_v1_t *e;

	if (frame == DMK_INVALID_BFN)
		return -DMK_EINVAL;
	e = gref_entry(xen, ref);
	e->domid = to;
	e->frame = (uint32_t)frame;
	/* The peer may act as soon as flags say so: publish them last. */
	dmk_atomic_store(
		&e->flags,
		(uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
		DMK_ORDER_RELEASE);
	return 0;
}

/* gnttab_end_foreign_access_ref: never while the peer maps it. */
bool dmk_xen_gref_revoke(struct dmk_xen *xen, unsigned int ref)
{
	grant_entry_v1_t *e = gref_entry(xen, ref);
	uint16_t flags = dmk_atomic_load(&e->flags, DMK_ORDER_ACQUIRE);

	do {
		if (flags & (GTF_reading | GTF_writing))
			return false;
	} while (!dmk_atomic_cmpxchg(&e->flags, &flags, 0, DMK_ORDER_ACQ_REL,
				     DMK_ORDER_ACQUIRE));
	return true;
}

int dmk_xen_grant_access(struct dmk_system *sys, uint16_t to, dmk_phys_t phys,
			 bool readonly)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	int ref, rc;

	if (!xen)
		return -DMK_ENODEV;
	if (grant_frame(xen, phys) == DMK_INVALID_BFN)
		return -DMK_EINVAL;
	ref = dmk_xen_gref_get_seq(xen, 1, true);
	if (ref < 0)
		return ref;
	rc = dmk_xen_gref_grant(xen, (unsigned int)ref, to, phys, readonly);
	if (rc) {
		dmk_xen_gref_put_seq(xen, (unsigned int)ref, 1);
		return rc;
	}
	return ref;
}

int dmk_xen_end_access(struct dmk_system *sys, int ref)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (!xen)
		return -DMK_ENODEV;
	if (!gref_in_use(xen, ref))
		return -DMK_EINVAL;
	if (!dmk_xen_gref_revoke(xen, (unsigned int)ref))
		return -DMK_EIO;
	dmk_xen_gref_put_seq(xen, (unsigned int)ref, 1);
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

static int unmap_grant_once(struct dmk_xen *xen,
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

/*
 * A failed unmap leaves the mapping as it was, so it can be tried again;
 * the library does, once, before the caller hears of it: a mapping left
 * behind holds the peer's page and a frame of ours (`dmakit faults`).
 */
static int unmap_grant(struct dmk_xen *xen,
		       const struct dmk_xen_foreign_page *page)
{
	int rc = unmap_grant_once(xen, page);

	if (rc)
		rc = unmap_grant_once(xen, page);
	if (rc)
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: unmapping grant handle %u failed (%d)",
			(unsigned int)page->handle, rc);
	return rc;
}

/*
 * A back end maps a peer's grant: a ballooned frame of its own, the
 * grant mapped over it, the frame recorded as foreign.  A failure of
 * any of them is the caller's error with one line (Linux's
 * xenbus_map_ring_valloc says it through xenbus_dev_error).
 */
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
	if (rc) {
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: no frame to map grant %d of domain %u in (%d)",
			ref, domid, rc);
		return rc;
	}
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
	dmk_log(xen->plat, DMK_LOG_WARN,
		"xen: mapping grant %d of domain %u failed (%d)", ref, domid,
		rc);
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
