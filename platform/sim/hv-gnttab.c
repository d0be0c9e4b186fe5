// SPDX-License-Identifier: MIT
/*
 * Grant tables of the hypervisor model, after Xen's common/grant_table.c
 * (version 1 entries only).
 *
 * Each domain has one frame of grant_entry_v1_t in machine RAM, owned
 * by Xen.  The guest reaches it as on real Xen (ARM: add_to_physmap of
 * XENMAPSPACE_grant_table; x86 PV: setup_table then update_va_mapping)
 * and writes entries with CPU stores, so the model reads them from the
 * machine's C image, exactly as the CPU left them, and changes the
 * GTF_reading / GTF_writing bits with atomic compare-and-swap as Xen
 * does: the granting guest may be clearing the entry at the same time.
 *
 * Called with the hypervisor lock held (hv.c).
 */
#include "hv.h"

#include <stdlib.h>
#include <string.h>

/* Xen's command encoding: a continuation's argument sits above the
 * command (internal to Xen, not in the public header). */
#define GNTTABOP_CONTINUATION_ARG_SHIFT 12
#define GNTTABOP_CMD_MASK ((1U << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1)

/* The GNTMAP_* parts a maptrack entry keeps. */
#define MAP_KEPT (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly)

static grant_entry_v1_t *entries(const struct sim_grant_table *gt,
				 const struct sim_machine *m)
{
	int64_t idx = sim_mfn_index(m, gt->mfn);

	return (grant_entry_v1_t *)(m->c + (uint64_t)idx * SIM_PAGE_SIZE);
}

void *sim_xen_grant_entries(struct sim_domain *d, unsigned int *nr)
{
	if (!d->grants) {
		if (nr)
			*nr = 0;
		return NULL;
	}
	if (nr)
		*nr = SIM_GNT_ENTRIES;
	return entries(d->grants, d->m);
}

int sim_grant_table_create(struct sim_xen *x, struct sim_domain *d)
{
	struct sim_grant_table *gt = calloc(1, sizeof(*gt));

	if (!gt)
		return -XEN_ENOMEM;
	gt->mfn = sim_machine_alloc_extent(x->m, 0, 0, SIM_DOMID_XEN);
	if (gt->mfn == SIM_INVALID_MFN) {
		free(gt);
		return -XEN_ENOMEM;
	}
	sim_mem_fill(x->m, gt->mfn << SIM_PAGE_SHIFT, 0, SIM_PAGE_SIZE);
	gt->d = d;
	gt->gfn = SIM_INVALID_MFN;
	d->grants = gt;
	return 0;
}

void sim_grant_table_destroy(struct sim_xen *x, struct sim_grant_table *gt)
{
	if (!gt)
		return;
	sim_machine_free_frame(x->m, gt->mfn);
	free(gt);
}

bool sim_grant_is_table_frame(const struct sim_domain *d, uint64_t mfn)
{
	return d->grants && d->grants->mfn == mfn;
}

bool sim_grant_frame_in_use(const struct sim_domain *d, uint64_t mfn)
{
	const struct sim_grant_table *gt = d->grants;

	if (!gt)
		return false;
	for (unsigned int ref = 0; ref < SIM_GNT_ENTRIES; ref++)
		if (gt->active[ref].pin && gt->active[ref].mfn == mfn)
			return true;
	return false;
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

/* Xen's get_paged_frame(): the frame the granter named must be its own
 * RAM (a GFN for an autotranslated granter, an MFN for a PV one). */
static int16_t granted_frame(struct sim_xen *x, struct sim_domain *rd,
			     uint32_t frame, uint64_t *mfn)
{
	enum sim_p2m_type type = SIM_P2M_RAM;
	int64_t idx;

	*mfn = rd->pv ? frame : sim_domain_gfn_to_mfn(rd, frame, &type);
	idx = sim_mfn_index(x->m, *mfn);
	if (*mfn == SIM_INVALID_MFN || type != SIM_P2M_RAM || idx < 0 ||
	    x->m->owner[idx] != rd->domid)
		return GNTST_bad_page;
	return GNTST_okay;
}

/* The gfn a host_addr names: a guest-physical address when translated,
 * a linear-map virtual address for x86 PV. */
static uint64_t host_addr_gfn(const struct sim_domain *ld, uint64_t addr)
{
	uint64_t gfn;

	if (ld->pv)
		return sim_xen_pv_va_to_gfn(ld, addr);
	gfn = addr >> SIM_PAGE_SHIFT;
	return sim_xen_gfn_in_span(ld, gfn) ? gfn : SIM_INVALID_MFN;
}

/*
 * The host mapping: the foreign frame appears at host_addr in the
 * caller.  The model wants a hole there (a ballooned-out page, as Linux
 * uses); Xen would drop whatever was mapped.
 */
static int16_t create_host_mapping(struct sim_domain *ld, uint64_t host_addr,
				   uint64_t mfn, bool readonly, uint64_t *gfn)
{
	enum sim_p2m_type type;

	*gfn = host_addr_gfn(ld, host_addr);
	if (*gfn == SIM_INVALID_MFN)
		return GNTST_general_error;
	sim_domain_gfn_to_mfn(ld, *gfn, &type);
	if (type != SIM_P2M_INVALID)
		return GNTST_general_error;
	if (sim_domain_set_p2m(ld, *gfn, mfn,
			       readonly ? SIM_P2M_FOREIGN_RO
					: SIM_P2M_FOREIGN_RW))
		return GNTST_general_error;
	return GNTST_okay;
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
	rd = op->dom == DOMID_SELF ? NULL : sim_xen_find_domain(x, ld, op->dom);
	if (!rd)
		return GNTST_bad_domain;
	handle = get_maptrack_handle(lgt);
	if (handle < 0)
		return GNTST_no_device_space;
	rgt = rd->grants;
	if (op->ref >= SIM_GNT_ENTRIES)
		return GNTST_bad_gntref;
	act = &rgt->active[op->ref];
	e = &entries(rgt, x->m)[op->ref];
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
		rc = create_host_mapping(ld, op->host_addr, mfn, readonly,
					 &gfn);
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

static int16_t remove_host_mapping(struct sim_domain *ld,
				   const struct sim_grant_maptrack *mt,
				   uint64_t host_addr)
{
	enum sim_p2m_type type;
	uint64_t gfn = host_addr_gfn(ld, host_addr);

	if (gfn == SIM_INVALID_MFN || gfn != mt->gfn ||
	    sim_domain_gfn_to_mfn(ld, gfn, &type) != mt->mfn)
		return GNTST_general_error;
	if (sim_domain_set_p2m(ld, gfn, SIM_INVALID_MFN, SIM_P2M_INVALID))
		return GNTST_general_error;
	return GNTST_okay;
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
	if (op->dev_bus_addr && op->dev_bus_addr != mt->mfn << SIM_PAGE_SHIFT)
		return GNTST_general_error;

	if (op->host_addr && (mt->flags & GNTMAP_host_map)) {
		rc = remove_host_mapping(ld, mt, op->host_addr);
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
	reduce_status(&entries(rd->grants, x->m)[mt->ref], act, readonly);
	return GNTST_okay;
}

/* ---- GNTTABOP_setup_table ---- */

static long setup_table(struct sim_xen *x, struct sim_domain *caller,
			struct gnttab_setup_table *op, unsigned int count)
{
	struct sim_domain *d;

	if (count != 1)
		return -XEN_EINVAL;
	if (!op)
		return -XEN_EFAULT;
	if (op->nr_frames > SIM_GNT_FRAMES) {
		op->status = GNTST_general_error;
		return 0;
	}
	d = sim_xen_find_domain(x, caller, op->dom);
	if (!d) {
		op->status = GNTST_bad_domain;
		return 0;
	}
	if (d != caller && !caller->privileged) {
		op->status = GNTST_permission_denied;
		return 0;
	}
	if (op->nr_frames && !op->frame_list.p)
		return -XEN_EFAULT;
	/* PV guests map machine frames; a translated guest is told where
	 * the table sits in its physmap (INVALID_GFN if nowhere yet). */
	for (uint32_t i = 0; i < op->nr_frames; i++)
		op->frame_list.p[i] = d->pv ? d->grants->mfn : d->grants->gfn;
	op->status = GNTST_okay;
	return 0;
}

/* ---- GNTTABOP_cache_flush ---- */

/* Does ld map a grant of rd's frame mfn (Xen's grant_map_exists)? */
static bool grant_map_exists(const struct sim_domain *rd,
			     const struct sim_domain *ld, uint64_t mfn)
{
	const struct sim_grant_table *rgt = rd->grants;

	for (unsigned int ref = 0; ref < SIM_GNT_ENTRIES; ref++) {
		const struct sim_grant_active *act = &rgt->active[ref];

		if (act->pin && act->domid == ld->domid && act->mfn == mfn)
			return true;
	}
	return false;
}

static long cache_flush(struct sim_xen *x, struct sim_domain *ld,
			const struct gnttab_cache_flush *c)
{
	uint32_t both = GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL;
	struct sim_domain *owner;
	uint64_t mfn, ma;
	int64_t idx;

	/* SOURCE_GREF is among the bits refused here: Xen has never
	 * implemented flushing by grant reference. */
	if (c->offset >= SIM_PAGE_SIZE || c->length > SIM_PAGE_SIZE ||
	    c->offset + c->length > SIM_PAGE_SIZE || (c->op & ~both))
		return -XEN_EINVAL;
	/* Zero length is how Linux probes for the call. */
	if (c->length == 0 || c->op == 0)
		return 0;
	mfn = c->a.dev_bus_addr >> SIM_PAGE_SHIFT;
	idx = sim_mfn_index(x->m, mfn);
	if (idx < 0)
		return -XEN_EINVAL;
	/* Free frames and Xen's own have no owner with a grant table. */
	if (x->m->owner[idx] >= DOMID_FIRST_RESERVED)
		return -XEN_EPERM;
	owner = sim_xen_find_domain(x, NULL, x->m->owner[idx]);
	if (!owner)
		return -XEN_EPERM;
	if (owner != ld && !grant_map_exists(owner, ld, mfn))
		return -XEN_EINVAL;

	ma = (mfn << SIM_PAGE_SHIFT) + c->offset;
	if ((c->op & both) == both)
		sim_cache_clean_inval(x->m, ma, c->length);
	else if (c->op & GNTTAB_CACHE_INVAL)
		sim_cache_inval(x->m, ma, c->length);
	else
		sim_cache_clean(x->m, ma, c->length);
	return 0;
}

/* ---- the grant_table_op entry ---- */

long sim_grant_table_op(struct sim_xen *x, struct sim_domain *caller,
			unsigned int cmd, void *uop, unsigned int count)
{
	unsigned int op = cmd & GNTTABOP_CMD_MASK;

	if ((int)count < 0)
		return -XEN_EINVAL;
	if (op != GNTTABOP_cache_flush && op != cmd)
		return -XEN_EINVAL;

	switch (op) {
	case GNTTABOP_map_grant_ref: {
		struct gnttab_map_grant_ref *m = uop;

		sim_xen_count_locked(x, "grant_table_op:map_grant_ref");
		if (count && !m)
			return -XEN_EFAULT;
		for (unsigned int i = 0; i < count; i++)
			m[i].status = map_grant_ref(x, caller, &m[i]);
		return 0;
	}
	case GNTTABOP_unmap_grant_ref: {
		struct gnttab_unmap_grant_ref *u = uop;

		sim_xen_count_locked(x, "grant_table_op:unmap_grant_ref");
		if (count && !u)
			return -XEN_EFAULT;
		for (unsigned int i = 0; i < count; i++)
			u[i].status = unmap_grant_ref(x, caller, &u[i]);
		return 0;
	}
	case GNTTABOP_setup_table:
		sim_xen_count_locked(x, "grant_table_op:setup_table");
		return setup_table(x, caller, uop, count);
	case GNTTABOP_cache_flush: {
		const struct gnttab_cache_flush *c = uop;

		sim_xen_count_locked(x, "grant_table_op:cache_flush");
		if (count && !c)
			return -XEN_EFAULT;
		for (unsigned int i = 0; i < count; i++) {
			long rc = cache_flush(x, caller, &c[i]);

			if (rc)
				return rc;
		}
		return 0;
	}
	default:
		sim_xen_count_locked(x, "grant_table_op:unknown");
		return -XEN_ENOSYS;
	}
}

/* ---- XENMEM_add_to_physmap, XENMAPSPACE_grant_table (from hv.c) ---- */

long sim_grant_add_to_physmap(struct sim_xen *x, struct sim_domain *d,
			      xen_ulong_t idx, xen_pfn_t gpfn)
{
	struct sim_grant_table *gt = d->grants;
	enum sim_p2m_type type;
	uint64_t cur;

	(void)x;
	/* Status frames exist only with version 2 tables. */
	if (idx & XENMAPIDX_grant_table_status)
		return -XEN_EINVAL;
	if (idx >= SIM_GNT_FRAMES || !sim_xen_gfn_in_span(d, gpfn))
		return -XEN_EINVAL;
	cur = sim_domain_gfn_to_mfn(d, gpfn, &type);
	if (cur == gt->mfn)
		return 0;
	/* Model check: the guest picks a hole (a ballooned-out page). */
	if (type != SIM_P2M_INVALID)
		return -XEN_EBUSY;
	/* Like Xen, a table frame lives at one gfn at a time. */
	if (gt->gfn != SIM_INVALID_MFN)
		sim_domain_set_p2m(d, gt->gfn, SIM_INVALID_MFN,
				   SIM_P2M_INVALID);
	gt->gfn = SIM_INVALID_MFN;
	if (sim_domain_set_p2m(d, gpfn, gt->mfn, SIM_P2M_FOREIGN_RW))
		return -XEN_EINVAL;
	gt->gfn = gpfn;
	return 0;
}
