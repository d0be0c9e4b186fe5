/* SPDX-License-Identifier: MIT */
/*
 * What this guest knows of its own frames: pfn_to_bfn and bfn_to_pfn.
 *
 * An autotranslated guest (ARM) cannot read its stage-2 table.  When it
 * is mapped 1:1 its own RAM has bfn == pfn; the frames it learns about
 * otherwise (foreign grant mappings, whose machine address map_grant_ref
 * returns, and regions the hypervisor exchanged and pinned, whose frames
 * the exchange returns) live in a lookup structure, as Linux keeps its
 * foreign mappings in an rbtree (arch/arm/xen/p2m.c).  A guest that is
 * not 1:1 does not know where its ordinary RAM is in machine memory, and
 * the hypervisor may move it: such a page has no bus frame
 * (DMK_INVALID_BFN) and every DMA to it must bounce.
 *
 * An x86 PV guest owns its p2m (start_info's mfn_list) and keeps it
 * current after every exchange, balloon and foreign mapping; the
 * reverse direction is a hash standing in for Xen's M2P table.
 */
#include "xen-internal.h"

/* ---- the guest's knowledge ---- */

static int p2m_pv_init(struct dmk_xen *xen)
{
	const struct dmk_platform *plat = xen->plat;
	uint64_t nr = plat->xen_pv_nr_pages;
	uint64_t ram_pfns = plat->ram_end >> DMK_PAGE_SHIFT;
	int rc;

	if (!plat->xen_pv_p2m || !nr) {
		dmk_log(plat, DMK_LOG_ERR,
			"xen: PV guest without start_info's mfn_list");
		return -DMK_EINVAL;
	}
	/* Room for every frame of RAM, ballooned ones included. */
	xen->pv_nr = nr > ram_pfns ? nr : ram_pfns;
	xen->pv_p2m = dmk_env_calloc(xen->pv_nr, sizeof(*xen->pv_p2m));
	if (!xen->pv_p2m)
		return -DMK_ENOMEM;
	rc = dmk_xen_m2p_init(&xen->m2p, nr);
	if (rc)
		return rc;
	for (uint64_t pfn = 0; pfn < xen->pv_nr; pfn++) {
		uint64_t mfn =
			pfn < nr ? plat->xen_pv_p2m[pfn] : DMK_INVALID_BFN;

		xen->pv_p2m[pfn] = mfn;
		if (mfn == DMK_INVALID_BFN)
			continue;
		rc = dmk_xen_m2p_set(&xen->m2p, mfn, pfn);
		if (rc)
			return rc;
	}
	return 0;
}

int dmk_xen_p2m_init(struct dmk_xen *xen)
{
	dmk_xen_rangemap_init(&xen->by_pfn, false);
	dmk_xen_rangemap_init(&xen->by_bfn, true);
	if (xen->mode == DMK_XEN_MODE_PV)
		return p2m_pv_init(xen);
	return 0;
}

void dmk_xen_p2m_exit(struct dmk_xen *xen)
{
	dmk_xen_rangemap_destroy(&xen->by_pfn);
	dmk_xen_rangemap_destroy(&xen->by_bfn);
	dmk_xen_m2p_destroy(&xen->m2p);
	dmk_env_free(xen->pv_p2m);
	xen->pv_p2m = NULL;
}

int dmk_xen_p2m_add(struct dmk_xen *xen, uint64_t pfn, uint64_t bfn,
		    uint64_t nr, enum dmk_xen_frame_kind kind)
{
	int rc = dmk_xen_rangemap_insert(&xen->by_pfn, pfn, nr, bfn, kind);

	if (rc)
		return rc;
	rc = dmk_xen_rangemap_insert(&xen->by_bfn, bfn, nr, pfn, kind);
	if (rc)
		dmk_xen_rangemap_remove(&xen->by_pfn, pfn, bfn);
	return rc;
}

void dmk_xen_p2m_del(struct dmk_xen *xen, uint64_t pfn, uint64_t bfn)
{
	dmk_xen_rangemap_remove(&xen->by_pfn, pfn, bfn);
	dmk_xen_rangemap_remove(&xen->by_bfn, bfn, pfn);
}

bool dmk_xen_pfn_is_foreign(struct dmk_xen *xen, uint64_t pfn)
{
	enum dmk_xen_frame_kind kind;

	return dmk_xen_rangemap_lookup(&xen->by_pfn, pfn, NULL, &kind) &&
	       kind == DMK_XEN_FRAME_FOREIGN;
}

void dmk_xen_pv_set(struct dmk_xen *xen, uint64_t pfn, uint64_t mfn)
{
	uint64_t old;

	if (pfn >= xen->pv_nr)
		return;
	old = dmk_atomic_exchange(&xen->pv_p2m[pfn], mfn, DMK_ORDER_ACQ_REL);
	if (old != DMK_INVALID_BFN)
		dmk_xen_m2p_del(&xen->m2p, old, pfn);
	if (mfn != DMK_INVALID_BFN)
		dmk_xen_m2p_set(&xen->m2p, mfn, pfn);
}

uint64_t dmk_xen_pv_get(struct dmk_xen *xen, uint64_t pfn)
{
	if (pfn >= xen->pv_nr)
		return DMK_INVALID_BFN;
	return dmk_atomic_load(&xen->pv_p2m[pfn], DMK_ORDER_ACQUIRE);
}

uint64_t dmk_xen_p2m_pfn_to_bfn(struct dmk_xen *xen, uint64_t pfn)
{
	uint64_t bfn;

	if (xen->mode == DMK_XEN_MODE_PV)
		return dmk_xen_pv_get(xen, pfn);
	if (dmk_xen_rangemap_lookup(&xen->by_pfn, pfn, &bfn, NULL))
		return bfn;
	return xen->mode == DMK_XEN_MODE_1TO1 ? pfn : DMK_INVALID_BFN;
}

static bool pfn_is_ram(const struct dmk_platform *plat, uint64_t pfn)
{
	return pfn >= (plat->ram_start >> DMK_PAGE_SHIFT) &&
	       pfn < (plat->ram_end >> DMK_PAGE_SHIFT);
}

uint64_t dmk_xen_p2m_bfn_to_pfn(struct dmk_xen *xen, uint64_t bfn)
{
	uint64_t pfn;

	if (xen->mode == DMK_XEN_MODE_PV)
		return dmk_xen_m2p_get(&xen->m2p, bfn);
	if (dmk_xen_rangemap_lookup(&xen->by_bfn, bfn, &pfn, NULL))
		return pfn;
	if (xen->mode == DMK_XEN_MODE_1TO1 && pfn_is_ram(xen->plat, bfn))
		return bfn;
	return DMK_INVALID_BFN;
}
