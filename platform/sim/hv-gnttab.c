// SPDX-License-Identifier: MIT
/*
 * Grant tables of the hypervisor model, after Xen 4.17's
 * common/grant_table.c (version 1 entries only) and the arch hooks of
 * arch/arm/mm.c and arch/x86/pv/grant_table.c.
 *
 * A domain's table is frames of grant_entry_v1_t in machine RAM, owned
 * by Xen, one at first and more as the guest asks (setup_table,
 * add_to_physmap of a higher index) up to max_frames.  The guest reaches
 * them as on real Xen (ARM: add_to_physmap of XENMAPSPACE_grant_table;
 * x86 PV: setup_table then update_va_mapping) and writes entries with
 * CPU stores, so the model reads them from the machine's C image,
 * exactly as the CPU left them, and changes the GTF_reading /
 * GTF_writing bits with atomic compare-and-swap as Xen does: the
 * granting guest may be clearing the entry at the same time.
 *
 * Operation arrays are copied in and out element by element where Xen
 * copies them (hv-guest.c), so a bad handle fails at the element Xen's
 * copy fails at, with the elements before it done.
 *
 * Called with the hypervisor lock held (hv.c).
 */
#include "hv.h"

#include <stdlib.h>
#include <string.h>

/* Xen's command encoding: a continuation's argument sits above the
 * command (internal to Xen, not in the public header). */
#define GNTTABOP_CMD_MASK ((1U << SIM_GNT_CONT_SHIFT) - 1)

/* Xen's GNTTAB_UNMAP_BATCH_SIZE. */
#define UNMAP_BATCH 32

/* The GNTMAP_* parts a maptrack entry keeps. */
#define MAP_KEPT (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly)

static unsigned int nr_entries(const struct sim_grant_table *gt)
{
	return gt->nr_frames * SIM_GNT_PER_FRAME;
}

static grant_entry_v1_t *entry(const struct sim_grant_table *gt,
			       const struct sim_machine *m, grant_ref_t ref)
{
	int64_t idx = sim_mfn_index(m, gt->mfn[ref / SIM_GNT_PER_FRAME]);
	grant_entry_v1_t *frame =
		(grant_entry_v1_t *)(m->c + (uint64_t)idx * SIM_PAGE_SIZE);

	return &frame[ref % SIM_GNT_PER_FRAME];
}

void *sim_xen_grant_entries(struct sim_domain *d, unsigned int *nr)
{
	if (!d->grants) {
		if (nr)
			*nr = 0;
		return NULL;
	}
	if (nr)
		*nr = SIM_GNT_PER_FRAME;
	return entry(d->grants, d->m, 0);
}

grant_entry_v1_t *sim_xen_grant_entry(struct sim_domain *d, grant_ref_t ref)
{
	struct sim_grant_table *gt = d->grants;

	if (!gt || ref >= nr_entries(gt))
		return NULL;
	return entry(gt, d->m, ref);
}

unsigned int sim_xen_grant_nr_entries(const struct sim_domain *d)
{
	return d->grants ? nr_entries(d->grants) : 0;
}

/* gnttab_grow_table(): new frames, zeroed, up to nr (<= max_frames). */
static int grow_table(struct sim_xen *x, struct sim_grant_table *gt,
		      unsigned int nr)
{
	while (gt->nr_frames < nr) {
		uint64_t mfn =
			sim_machine_alloc_extent(x->m, 0, 0, SIM_DOMID_XEN);

		if (mfn == SIM_INVALID_MFN)
			return -XEN_ENOMEM;
		sim_mem_fill(x->m, mfn << SIM_PAGE_SHIFT, 0, SIM_PAGE_SIZE);
		gt->mfn[gt->nr_frames] = mfn;
		gt->gfn[gt->nr_frames] = SIM_INVALID_MFN;
		gt->nr_frames++;
	}
	return 0;
}

int sim_grant_table_create(struct sim_xen *x, struct sim_domain *d)
{
	struct sim_grant_table *gt = calloc(1, sizeof(*gt));

	if (!gt)
		return -XEN_ENOMEM;
	gt->d = d;
	gt->max_frames = SIM_GNT_MAX_FRAMES;
	gt->shared_info_mfn = SIM_INVALID_MFN;
	if (grow_table(x, gt, 1)) {
		free(gt);
		return -XEN_ENOMEM;
	}
	d->grants = gt;
	return 0;
}

void sim_grant_table_destroy(struct sim_xen *x, struct sim_grant_table *gt)
{
	if (!gt)
		return;
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		sim_machine_free_frame(x->m, gt->mfn[i]);
	if (gt->shared_info_mfn != SIM_INVALID_MFN)
		sim_machine_free_frame(x->m, gt->shared_info_mfn);
	free(gt);
}

int sim_xen_grant_set_frames(struct sim_xen *x, struct sim_domain *d,
			     unsigned int nr, unsigned int max)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	struct sim_grant_table *gt = d->grants;
	int rc;

	if (!gt || max < 1 || max > SIM_GNT_MAX_FRAMES || nr > max ||
	    nr < gt->nr_frames)
		return -XEN_EINVAL;
	pthread_mutex_lock(&xi->lock);
	gt->max_frames = max;
	rc = grow_table(x, gt, nr);
	pthread_mutex_unlock(&xi->lock);
	return rc;
}

int sim_grant_table_frame(const struct sim_domain *d, uint64_t mfn)
{
	const struct sim_grant_table *gt = d->grants;

	if (!gt)
		return -1;
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		if (gt->mfn[i] == mfn)
			return (int)i;
	return -1;
}

bool sim_grant_is_table_frame(const struct sim_domain *d, uint64_t mfn)
{
	return sim_grant_table_frame(d, mfn) >= 0;
}

void sim_grant_table_unmapped(struct sim_domain *d, uint64_t mfn)
{
	int i = sim_grant_table_frame(d, mfn);

	if (i >= 0)
		d->grants->gfn[i] = SIM_INVALID_MFN;
}

bool sim_grant_frame_in_use(const struct sim_domain *d, uint64_t mfn)
{
	const struct sim_grant_table *gt = d->grants;

	if (!gt)
		return false;
	for (unsigned int ref = 0; ref < nr_entries(gt); ref++)
		if (gt->active[ref].pin && gt->active[ref].mfn == mfn)
			return true;
	return false;
}

unsigned int sim_xen_grant_maps(const struct sim_domain *d)
{
	const struct sim_grant_table *gt = d->grants;
	unsigned int n = 0;

	for (unsigned int h = 0; gt && h < gt->maptrack_hw; h++)
		n += gt->maptrack[h].flags != 0;
	return n;
}

bool sim_grant_mapped_by(const struct sim_domain *d, uint64_t mfn, bool write)
{
	const struct sim_grant_table *gt = d->grants;

	if (!gt)
		return false;
	for (unsigned int h = 0; h < gt->maptrack_hw; h++) {
		const struct sim_grant_maptrack *mt = &gt->maptrack[h];

		if (mt->flags && mt->mfn == mfn &&
		    (!write || !(mt->flags & GNTMAP_readonly)))
			return true;
	}
	return false;
}

/* ---- the shared entry: flags and domid as one 32-bit word ---- */

static uint32_t *entry_word(grant_entry_v1_t *e)
{
	/* flags (16 bits) then domid (16 bits): one aligned word, so the
	 * pair can be checked and updated in one compare-and-swap. */
	return (uint32_t *)(void *)e;
}

/*
 * Xen's _set_status_v1: on first use the entry must permit access to
 * the mapping domain; a writable mapping needs a writable grant.  Set
 * GTF_reading (and GTF_writing) atomically against the guest's own
 * updates; give up after five tries like Xen.
 */
static int16_t set_status(grant_entry_v1_t *e, bool first, domid_t ldomid,
			  bool readonly)
{
	uint32_t *word = entry_word(e);

	for (int tries = 0;; tries++) {
		uint32_t old = __atomic_load_n(word, __ATOMIC_ACQUIRE);
		uint16_t flags = old & 0xffff;
		uint16_t domid = old >> 16;
		uint32_t new;

		if (first && ((flags & (GTF_type_mask | GTF_sub_page)) !=
				      GTF_permit_access ||
			      domid != ldomid))
			return GNTST_general_error;
		new = old | GTF_reading;
		if (!readonly) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			new |= GTF_writing;
		}
		if (__atomic_compare_exchange_n(word, &old, new, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return GNTST_okay;
		if (tries == 4)
			return GNTST_general_error;
	}
}

static void clear_status(grant_entry_v1_t *e, uint16_t bits)
{
	if (bits)
		__atomic_fetch_and(&e->flags, (uint16_t)~bits,
				   __ATOMIC_ACQ_REL);
}

/* GTF_writing goes with the last writable pin, GTF_reading with the
 * last pin of all (Xen's reduce_status_for_pin). */
static void reduce_status(grant_entry_v1_t *e,
			  const struct sim_grant_active *act, bool readonly)
{
	uint16_t bits = 0;

	if (!readonly && !act->pin_write)
		bits |= GTF_writing;
	if (!act->pin)
		bits |= GTF_reading;
	clear_status(e, bits);
}

/* ---- GNTTABOP_map_grant_ref ---- */

static int get_maptrack_handle(struct sim_grant_table *lgt)
{
	for (unsigned int h = 0; h < SIM_GNT_MAPTRACK; h++) {
		if (!lgt->maptrack[h].flags) {
			if (h >= lgt->maptrack_hw)
				lgt->maptrack_hw = h + 1;
			return (int)h;
		}
	}
	return -1;
}

/*
 * Xen's get_paged_frame(): the frame the granter named must be RAM it
 * owns (a GFN for an autotranslated granter, looked up in its p2m and
 * not a foreign mapping; an MFN for a PV one).
 */
static int16_t granted_frame(struct sim_xen *x, struct sim_domain *rd,
			     uint32_t frame, uint64_t *mfn)
{
	enum sim_p2m_type type = SIM_P2M_RAM;

	*mfn = rd->pv ? frame : sim_domain_gfn_to_mfn(rd, frame, &type);
	if (*mfn == SIM_INVALID_MFN || sim_mfn_index(x->m, *mfn) < 0 ||
	    type == SIM_P2M_FOREIGN_RO ||
	    (type == SIM_P2M_FOREIGN_RW &&
	     !sim_grant_is_table_frame(rd, *mfn)) ||
	    sim_xen_page_owner(x, *mfn) != rd->domid)
		return GNTST_bad_page;
	return GNTST_okay;
}

/*
 * The host mapping, create_grant_host_mapping():
 *   ARM: host_addr is a guest-physical address in the caller, and the
 *   foreign frame is mapped there over whatever was there
 *   (guest_physmap_add_entry); a gfn the p2m cannot hold fails.
 *   x86 PV: host_addr is a linear-map virtual address of the caller.
 *   The model wants a hole there (a ballooned page, as Linux uses):
 *   Xen would replace the PTE and drop its reference to the old page.
 */
static int16_t create_host_mapping(struct sim_xen *x, struct sim_domain *ld,
				   uint64_t host_addr, uint64_t mfn,
				   bool readonly, uint64_t *gfn)
{
	enum sim_p2m_type type =
		readonly ? SIM_P2M_FOREIGN_RO : SIM_P2M_FOREIGN_RW;

	if (ld->pv) {
		*gfn = sim_xen_pv_va_to_gfn(ld, host_addr);
		if (*gfn == SIM_INVALID_MFN)
			return GNTST_general_error;
		sim_domain_gfn_to_mfn(ld, *gfn, &type);
		if (type != SIM_P2M_INVALID)
			return GNTST_general_error;
		type = readonly ? SIM_P2M_FOREIGN_RO : SIM_P2M_FOREIGN_RW;
		return sim_domain_set_p2m(ld, *gfn, mfn, type)
			       ? GNTST_general_error
			       : GNTST_okay;
	}
	*gfn = sim_xen_frame(x, host_addr >> SIM_PAGE_SHIFT);
	return sim_xen_p2m_replace(x, ld, *gfn, mfn, 1, type)
		       ? GNTST_general_error
		       : GNTST_okay;
}

static unsigned int map_parts(uint32_t flags)
{
	return !!(flags & GNTMAP_host_map) + !!(flags & GNTMAP_device_map);
}

static int16_t map_grant_ref(struct sim_xen *x, struct sim_domain *ld,
			     struct gnttab_map_grant_ref *op)
{
	bool readonly = op->flags & GNTMAP_readonly;
	struct sim_grant_table *lgt = ld->grants, *rgt;
	struct sim_grant_active *act;
	struct sim_domain *rd;
	grant_entry_v1_t *e;
	uint64_t mfn, gfn = SIM_INVALID_MFN;
	unsigned int parts;
	int16_t rc;
	int handle;

	if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map)))
		return GNTST_bad_gntref;
	/* An autotranslated guest (ARM) gets no device mapping: its
	 * devices see guest-physical addresses. */
	if (!ld->pv &&
	    (op->flags & (GNTMAP_device_map | GNTMAP_application_map |
			  GNTMAP_contains_pte)))
		return GNTST_general_error;
	/* rcu_lock_domain_by_id(): DOMID_SELF names nobody here. */
	rd = op->dom == DOMID_SELF ? NULL : sim_xen_find_domain(x, ld, op->dom);
	if (!rd)
		return GNTST_bad_domain;
	handle = get_maptrack_handle(lgt);
	if (handle < 0)
		return GNTST_no_space;
	rgt = rd->grants;
	if (op->ref >= nr_entries(rgt))
		return GNTST_bad_gntref;
	act = &rgt->active[op->ref];
	e = entry(rgt, x->m, op->ref);
	if (act->pin && act->domid != ld->domid)
		return GNTST_general_error;

	if (!act->pin || (!readonly && !act->pin_write)) {
		rc = set_status(e, !act->pin, ld->domid, readonly);
		if (rc != GNTST_okay)
			return rc;
		if (!act->pin) {
			uint32_t frame =
				__atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);

			rc = granted_frame(x, rd, frame, &act->mfn);
			if (rc != GNTST_okay) {
				reduce_status(e, act, readonly);
				return rc;
			}
			act->domid = ld->domid;
		}
	}
	mfn = act->mfn;

	if (op->flags & GNTMAP_host_map) {
		/* ARM's create_grant_host_mapping() takes nothing but
		 * host_map and readonly. */
		if (!ld->pv &&
		    (op->flags & ~GNTMAP_readonly) != GNTMAP_host_map)
			rc = GNTST_general_error;
		else
			rc = create_host_mapping(x, ld, op->host_addr, mfn,
						 readonly, &gfn);
		if (rc != GNTST_okay) {
			reduce_status(e, act, readonly);
			return rc;
		}
	}
	parts = map_parts(op->flags);
	act->pin += parts;
	if (!readonly)
		act->pin_write += parts;

	lgt->maptrack[handle] = (struct sim_grant_maptrack){
		.flags = op->flags & MAP_KEPT,
		.domid = rd->domid,
		.ref = op->ref,
		.gfn = gfn,
		.mfn = mfn,
	};
	lgt->nr_maps++;
	op->dev_bus_addr = mfn << SIM_PAGE_SHIFT;
	op->handle = (grant_handle_t)handle;
	return GNTST_okay;
}

/* ---- GNTTABOP_unmap_grant_ref ---- */

/*
 * replace_grant_host_mapping(): ARM removes whatever is at host_addr's
 * gfn unless it is RAM of some kind other than the granted frame
 * (p2m_remove_mapping's -EILSEQ); a gfn that holds nothing unmaps
 * nothing and succeeds, so the mapping made elsewhere stays in the p2m,
 * as in Xen.  x86 PV: the page at host_addr must map the frame.
 */
static int16_t remove_host_mapping(struct sim_xen *x, struct sim_domain *ld,
				   const struct sim_grant_maptrack *mt,
				   uint64_t host_addr)
{
	enum sim_p2m_type type;
	uint64_t gfn, cur;

	if (ld->pv) {
		gfn = sim_xen_pv_va_to_gfn(ld, host_addr);
		if (gfn == SIM_INVALID_MFN ||
		    sim_domain_gfn_to_mfn(ld, gfn, &type) != mt->mfn)
			return GNTST_general_error;
		return sim_domain_set_p2m(ld, gfn, SIM_INVALID_MFN,
					  SIM_P2M_INVALID)
			       ? GNTST_general_error
			       : GNTST_okay;
	}
	gfn = sim_xen_frame(x, host_addr >> SIM_PAGE_SHIFT);
	if (gfn >= ld->p2m_end)
		return GNTST_okay;
	cur = sim_domain_gfn_to_mfn(ld, gfn, &type);
	if (type == SIM_P2M_INVALID)
		return GNTST_okay;
	if (cur != mt->mfn)
		return GNTST_general_error;
	return sim_xen_unmap_gfn(x, ld, gfn) ? GNTST_general_error : GNTST_okay;
}

static void drop_part(struct sim_grant_active *act, bool readonly)
{
	act->pin--;
	if (!readonly)
		act->pin_write--;
}

static int16_t unmap_grant_ref(struct sim_xen *x, struct sim_domain *ld,
			       struct gnttab_unmap_grant_ref *op)
{
	struct sim_grant_table *lgt = ld->grants;
	struct sim_grant_maptrack *mt;
	struct sim_grant_active *act;
	struct sim_domain *rd;
	bool readonly;
	int16_t rc;

	if (op->handle >= SIM_GNT_MAPTRACK)
		return GNTST_bad_handle;
	mt = &lgt->maptrack[op->handle];
	if (!mt->flags)
		return GNTST_bad_handle;
	rd = sim_xen_find_domain(x, ld, mt->domid);
	if (!rd)
		return GNTST_bad_domain;
	act = &rd->grants->active[mt->ref];
	readonly = mt->flags & GNTMAP_readonly;
	if (op->dev_bus_addr && (mt->flags & GNTMAP_device_map) &&
	    op->dev_bus_addr != mt->mfn << SIM_PAGE_SHIFT)
		return GNTST_bad_dev_addr;

	if (op->host_addr && (mt->flags & GNTMAP_host_map)) {
		rc = remove_host_mapping(x, ld, mt, op->host_addr);
		if (rc != GNTST_okay)
			return rc;
		mt->flags &= ~GNTMAP_host_map;
		drop_part(act, readonly);
	}
	if (op->dev_bus_addr && (mt->flags & GNTMAP_device_map)) {
		mt->flags &= ~GNTMAP_device_map;
		drop_part(act, readonly);
	}
	if (!(mt->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
		mt->flags = 0;
		lgt->nr_maps--;
	}
	reduce_status(entry(rd->grants, x->m, mt->ref), act, readonly);
	return GNTST_okay;
}

/* ---- GNTTABOP_setup_table, query_size, get_version ---- */

/* gnttab_shared_gfn(): a PV guest is told the machine frame, a
 * translated one where the frame is mapped (INVALID_GFN if nowhere). */
static xen_pfn_t shared_gfn(const struct sim_xen *x, const struct sim_domain *d,
			    unsigned int i)
{
	if (d->pv)
		return d->grants->mfn[i];
	if (d->grants->gfn[i] == SIM_INVALID_MFN)
		return sim_xen_invalid_frame(x);
	return d->grants->gfn[i];
}

static long setup_table(struct sim_xen *x, struct sim_domain *caller,
			struct gnttab_setup_table *uop, unsigned int count)
{
	struct gnttab_setup_table op;
	struct sim_domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (sim_xen_copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	if (!sim_xen_handle_okay(x, caller, op.frame_list.p, op.nr_frames,
				 sizeof(xen_pfn_t)))
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, op.dom);
	if (!d) {
		op.status = GNTST_bad_domain;
	} else if (!sim_xen_may_act_on(caller, d)) {
		op.status = GNTST_permission_denied;
	} else if (op.nr_frames > d->grants->max_frames ||
		   (op.nr_frames > d->grants->nr_frames &&
		    grow_table(x, d->grants, op.nr_frames))) {
		op.status = GNTST_general_error;
	} else {
		op.status = GNTST_okay;
		for (uint32_t i = 0; i < op.nr_frames; i++) {
			xen_pfn_t gmfn = shared_gfn(x, d, i);

			if (sim_xen_copy_to_guest_offset(op.frame_list.p, i,
							 &gmfn, sizeof(gmfn)))
				op.status = GNTST_bad_virt_addr;
		}
	}
	if (sim_xen_copy_to_guest(&uop->status, &op.status, sizeof(op.status)))
		return -XEN_EFAULT;
	return 0;
}

static long query_size(struct sim_xen *x, struct sim_domain *caller,
		       struct gnttab_query_size *uop, unsigned int count)
{
	struct gnttab_query_size op;
	struct sim_domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (sim_xen_copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, op.dom);
	if (!d) {
		op.status = GNTST_bad_domain;
	} else if (!sim_xen_may_act_on(caller, d)) {
		op.status = GNTST_permission_denied;
	} else {
		op.nr_frames = d->grants->nr_frames;
		op.max_nr_frames = d->grants->max_frames;
		op.status = GNTST_okay;
	}
	if (sim_xen_copy_to_guest(uop, &op, sizeof(op)))
		return -XEN_EFAULT;
	return 0;
}

static long get_version(struct sim_xen *x, struct sim_domain *caller,
			struct gnttab_get_version *uop)
{
	struct gnttab_get_version op;
	struct sim_domain *d;

	if (sim_xen_copy_from_guest(&op, uop, sizeof(op)))
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, op.dom);
	if (!d)
		return -XEN_ESRCH;
	if (!sim_xen_may_act_on(caller, d))
		return -XEN_EPERM;
	op.version = 1;
	if (sim_xen_copy_to_guest(&uop->version, &op.version,
				  sizeof(op.version)))
		return -XEN_EFAULT;
	return 0;
}

/* ---- GNTTABOP_cache_flush ---- */

/*
 * Xen's grant_map_exists(): does ld map a grant of rgt's frame mfn?
 * It looks at 2^12 entries from *cur_ref per call; 1 means "look
 * further" (Xen continues the hypercall there), 0 found, -EINVAL none.
 */
static int grant_map_exists(const struct sim_domain *ld,
			    const struct sim_grant_table *rgt, uint64_t mfn,
			    unsigned int *cur_ref)
{
	unsigned int nr = nr_entries(rgt), ref;
	unsigned int max_iter = *cur_ref + (1U << SIM_GNT_CONT_SHIFT);

	if (max_iter > nr)
		max_iter = nr;
	for (ref = *cur_ref; ref < max_iter; ref++) {
		const struct sim_grant_active *act = &rgt->active[ref];

		if (act->pin && act->domid == ld->domid && act->mfn == mfn)
			return 0;
	}
	if (ref < nr) {
		*cur_ref = ref;
		return 1;
	}
	return -XEN_EINVAL;
}

/* Xen's _cache_flush(): 0 done, 1 to be continued, or an error. */
static int cache_flush_one(struct sim_xen *x, struct sim_domain *ld,
			   const struct gnttab_cache_flush *c,
			   unsigned int *cur_ref)
{
	uint32_t both = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL;
	struct sim_domain *owner;
	uint64_t mfn, ma;
	int rc;

	/* SOURCE_GREF is among the bits refused here: Xen has never
	 * implemented flushing by grant reference. */
	if (c->offset >= SIM_PAGE_SIZE || c->length > SIM_PAGE_SIZE ||
	    c->offset + c->length > SIM_PAGE_SIZE || (c->op & ~both))
		return -XEN_EINVAL;
	/* Zero length is how Linux probes for the call; a continuation
	 * must not end on one. */
	if (c->length == 0 || c->op == 0)
		return *cur_ref ? -XEN_EILSEQ : 0;
	mfn = sim_xen_frame(x, c->a.dev_bus_addr >> SIM_PAGE_SHIFT);
	if (sim_mfn_index(x->m, mfn) < 0)
		return -XEN_EINVAL;
	/* Free frames and Xen's own have no owner with a grant table. */
	owner = sim_xen_find_domain(x, NULL, sim_xen_page_owner(x, mfn));
	if (!owner)
		return -XEN_EPERM;
	if (owner != ld) {
		rc = grant_map_exists(ld, owner->grants, mfn, cur_ref);
		if (rc)
			return rc;
	}
	ma = (mfn << SIM_PAGE_SHIFT) + c->offset;
	/* x86 has no invalidate without a clean (flushtlb.h), and cleans
	 * by cleaning and invalidating. */
	if (x->arch == SIM_XEN_X86) {
		if (c->op == GNTTAB_CACHE_INVAL)
			return -XEN_EOPNOTSUPP;
		sim_cache_clean_inval(x->m, ma, c->length);
	} else if ((c->op & both) == both) {
		sim_cache_clean_inval(x->m, ma, c->length);
	} else if (c->op & GNTTAB_CACHE_INVAL) {
		sim_cache_inval(x->m, ma, c->length);
	} else {
		sim_cache_clean(x->m, ma, c->length);
	}
	return 0;
}

/*
 * gnttab_cache_flush(): each element copied in, flushed; a continuation
 * within an element (grant_map_exists looking further) is followed here
 * at once, as Xen's preempted hypercall would be resumed.  cur_ref
 * starts at the continuation argument in the command.
 */
static long cache_flush(struct sim_xen *x, struct sim_domain *ld,
			const struct gnttab_cache_flush *uop,
			unsigned int count, unsigned int cur_ref)
{
	if (!sim_xen_handle_okay(x, ld, uop, count, sizeof(*uop)))
		return -XEN_EFAULT;
	for (unsigned int i = 0; i < count; i++) {
		struct gnttab_cache_flush c;
		int rc;

		if (sim_xen_copy_from_guest_offset(&c, uop, i, sizeof(c)))
			return -XEN_EFAULT;
		do {
			rc = cache_flush_one(x, ld, &c, &cur_ref);
		} while (rc == 1);
		if (rc < 0)
			return rc;
		cur_ref = 0;
	}
	return 0;
}

/* ---- the grant_table_op entry ---- */

static long map_array(struct sim_xen *x, struct sim_domain *caller,
		      struct gnttab_map_grant_ref *uop, unsigned int count)
{
	if (!sim_xen_handle_okay(x, caller, uop, count, sizeof(*uop)))
		return -XEN_EFAULT;
	for (unsigned int i = 0; i < count; i++) {
		struct gnttab_map_grant_ref op;

		if (sim_xen_copy_from_guest_offset(&op, uop, i, sizeof(op)))
			return -XEN_EFAULT;
		op.status = map_grant_ref(x, caller, &op);
		if (sim_xen_copy_to_guest_offset(uop, i, &op, sizeof(op)))
			return -XEN_EFAULT;
	}
	return 0;
}

/* Each element's status is written back, and nothing else. */
static long unmap_array(struct sim_xen *x, struct sim_domain *caller,
			struct gnttab_unmap_grant_ref *uop, unsigned int count)
{
	if (!sim_xen_handle_okay(x, caller, uop, count, sizeof(*uop)))
		return -XEN_EFAULT;
	for (unsigned int i = 0; i < count; i++) {
		struct gnttab_unmap_grant_ref op;
		struct gnttab_unmap_grant_ref *u =
			sim_xen_guest_offset(uop, i, sizeof(op));

		if (sim_xen_copy_from_guest(&op, u, sizeof(op)))
			return -XEN_EFAULT;
		op.status = unmap_grant_ref(x, caller, &op);
		if (sim_xen_copy_to_guest(&u->status, &op.status,
					  sizeof(op.status)))
			return -XEN_EFAULT;
	}
	return 0;
}

long sim_grant_table_op(struct sim_xen *x, struct sim_domain *caller,
			unsigned int cmd, void *uop, unsigned int count)
{
	unsigned int op = cmd & GNTTABOP_CMD_MASK;
	unsigned int opaque = cmd >> SIM_GNT_CONT_SHIFT;

	if ((int)count < 0)
		return -XEN_EINVAL;
	if (op != GNTTABOP_cache_flush && opaque)
		return -XEN_EINVAL;

	switch (op) {
	case GNTTABOP_map_grant_ref:
		sim_xen_count_locked(x, "grant_table_op:map_grant_ref");
		return map_array(x, caller, uop, count);
	case GNTTABOP_unmap_grant_ref:
		sim_xen_count_locked(x, "grant_table_op:unmap_grant_ref");
		return unmap_array(x, caller, uop, count);
	case GNTTABOP_setup_table:
		sim_xen_count_locked(x, "grant_table_op:setup_table");
		return setup_table(x, caller, uop, count);
	case GNTTABOP_query_size:
		sim_xen_count_locked(x, "grant_table_op:query_size");
		return query_size(x, caller, uop, count);
	case GNTTABOP_get_version:
		sim_xen_count_locked(x, "grant_table_op:get_version");
		return get_version(x, caller, uop);
	case GNTTABOP_cache_flush:
		sim_xen_count_locked(x, "grant_table_op:cache_flush");
		return cache_flush(x, caller, uop, count, opaque);
	default:
		sim_xen_count_locked(x, "grant_table_op:unknown");
		return -XEN_ENOSYS;
	}
}

/* ---- XENMEM_add_to_physmap, XENMAPSPACE_grant_table (hv-memop.c) ---- */

/*
 * gnttab_map_frame_begin() then ARM's xenmem_add_to_physmap_one():
 * an index at or beyond the table grows it (up to max_frames; the table
 * stays grown whatever happens next), and the frame is mapped at gpfn
 * over whatever was there, unless it is already mapped somewhere
 * (-EBUSY: Xen makes the guest unmap a Xen page first).  The index is
 * an unsigned int inside Xen: higher bits are dropped.
 */
long sim_grant_add_to_physmap(struct sim_xen *x, struct sim_domain *d,
			      xen_ulong_t idx, xen_pfn_t gpfn)
{
	struct sim_grant_table *gt = d->grants;
	uint32_t i = (uint32_t)idx;

	if (i >= gt->nr_frames) {
		if (i == UINT32_MAX)
			return -XEN_EINVAL;
		if (i + 1 <= gt->max_frames)
			grow_table(x, gt, i + 1);
		if (i >= gt->nr_frames)
			return -XEN_EINVAL;
	}
	if (gt->gfn[i] != SIM_INVALID_MFN)
		return -XEN_EBUSY;
	if (gpfn >= d->p2m_end ||
	    sim_xen_p2m_replace(x, d, gpfn, gt->mfn[i], 1, SIM_P2M_FOREIGN_RW))
		return -XEN_EINVAL;
	gt->gfn[i] = gpfn;
	return 0;
}
