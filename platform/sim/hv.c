// SPDX-License-Identifier: MIT
/*
 * The hypervisor model: a Xen that takes the argument structures of
 * Xen's public headers and answers as Xen 4.17 does.
 *
 * This file has the hypercall entry, xen_version, memory_op (exchange,
 * the exchange-and-pin extension, ballooning, add_to_physmap), the two
 * x86 PV MMU calls a DMA layer needs, and relocation (fault injection).
 * Grant tables are in hv-gnttab.c.  docs/hypervisor.md lists every modelled
 * call with its order of checks; the comments here say where the model
 * follows Xen's common/memory.c and where it is deliberately stricter.
 *
 * One lock serialises all hypercalls, as if Xen ran them on one CPU.
 */
#include "hv.h"

#include <dmakit/xen-ext.h>

#include <stdlib.h>
#include <string.h>
#include <xen/features.h>
#include <xen/version.h>

/*
 * Xen encodes a preempted memory_op's progress above the command
 * (common/memory.c); the constants are internal to Xen, not public.
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1UL << MEMOP_EXTENT_SHIFT) - 1)

/* Xen's MAX_ORDER: max_order() is clamped to it. */
#define SIM_XEN_MAX_ORDER 20U

/* Extent-order limits when the world gave none (Xen's defaults:
 * CONFIG_HWDOM_MAX_ORDER 12 is raised for dom0 by memop-max-order in
 * the dom0 ANCHORS measured; CONFIG_DOMU_MAX_ORDER 9). */
#define SIM_DOM0_MAX_ORDER 18U
#define SIM_DOMU_MAX_ORDER 9U

/* ---- small helpers ---- */

static bool translated(const struct sim_domain *d)
{
	return !d->pv;
}

static unsigned int max_order(const struct sim_domain *d)
{
	return d->max_order < SIM_XEN_MAX_ORDER ? d->max_order
						: SIM_XEN_MAX_ORDER;
}

/* Xen's XSM_TARGET default: a domain acts on itself, dom0 on anyone. */
static bool may_act_on(const struct sim_domain *caller,
		       const struct sim_domain *d)
{
	return caller == d || caller->privileged;
}

static bool owned_by(const struct sim_machine *m, uint64_t mfn, uint16_t domid)
{
	int64_t idx = sim_mfn_index(m, mfn);

	return idx >= 0 && m->owner[idx] == domid;
}

static void set_owner(struct sim_machine *m, uint64_t mfn, uint16_t domid)
{
	int64_t idx = sim_mfn_index(m, mfn);

	if (idx >= 0)
		m->owner[idx] = domid;
}

static void m2p_set(struct sim_xen_impl *xi, uint64_t mfn, uint64_t gfn)
{
	int64_t idx = sim_mfn_index(xi->x.m, mfn);

	if (idx >= 0 && (uint64_t)idx < xi->nr_frames)
		xi->m2p[idx] = gfn;
}

static uint64_t m2p_get(struct sim_xen_impl *xi, uint64_t mfn)
{
	int64_t idx = sim_mfn_index(xi->x.m, mfn);

	if (idx < 0 || (uint64_t)idx >= xi->nr_frames)
		return SIM_INVALID_MFN;
	return xi->m2p[idx];
}

static uint64_t xen_rand(struct sim_xen *x)
{
	uint64_t v = x->rng;

	v ^= v << 13;
	v ^= v >> 7;
	v ^= v << 17;
	x->rng = v;
	return v;
}

bool sim_xen_gfn_in_span(const struct sim_domain *d, uint64_t gfn)
{
	return gfn >= d->gfn_base && gfn - d->gfn_base < d->nr_gfns;
}

uint64_t sim_xen_pv_va_to_gfn(const struct sim_domain *d, uint64_t va)
{
	uint64_t base = (uint64_t)(uintptr_t)d->linear;
	uint64_t gfn;

	if (va < base || va - base >= d->linear_len)
		return SIM_INVALID_MFN;
	gfn = (va - base) >> SIM_PAGE_SHIFT;
	return sim_xen_gfn_in_span(d, gfn) ? gfn : SIM_INVALID_MFN;
}

/* Change d's p2m and keep the machine-to-phys table in step. */
static int xen_set_p2m(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
		       uint64_t mfn, enum sim_p2m_type type)
{
	int rc = sim_domain_set_p2m(d, gfn, mfn, type);

	if (!rc && type == SIM_P2M_RAM)
		m2p_set(sim_xen_impl(x), mfn, gfn);
	return rc;
}

static void xen_free_frame(struct sim_xen *x, uint64_t mfn)
{
	m2p_set(sim_xen_impl(x), mfn, SIM_INVALID_MFN);
	sim_machine_free_frame(x->m, mfn);
}

static void xen_free_extent(struct sim_xen *x, uint64_t mfn, unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++)
		xen_free_frame(x, mfn + k);
}

/* Scrub an extent as Xen does before handing it to a guest. */
static void xen_scrub_extent(struct sim_xen *x, uint64_t mfn,
			     unsigned int order)
{
	sim_mem_fill(x->m, mfn << SIM_PAGE_SHIFT, 0, SIM_PAGE_SIZE << order);
}

/*
 * A PV guest's frame is referenced while its kernel maps it: Xen's
 * steal_page() refuses such a page, so a guest must unmap before it
 * exchanges or gives a frame back (Linux does, in
 * xen_create_contiguous_region and the balloon driver).
 */
static bool pv_frame_mapped(struct sim_xen *x, const struct sim_domain *d,
			    uint64_t mfn)
{
	uint64_t gfn = m2p_get(sim_xen_impl(x), mfn);
	enum sim_p2m_type type;

	if (gfn == SIM_INVALID_MFN || !sim_xen_gfn_in_span(d, gfn))
		return false;
	return sim_domain_gfn_to_mfn(d, gfn, &type) == mfn;
}

/* The highest machine frame + 1 an allocation below address_bits may
 * use: 0 for no limit; *none when not even one frame fits. */
static uint64_t address_bits_limit(unsigned int bits, bool *none)
{
	*none = false;
	if (bits == 0 || bits - SIM_PAGE_SHIFT >= 64)
		return 0;
	if (bits <= SIM_PAGE_SHIFT) {
		*none = true;
		return 0;
	}
	return 1ULL << (bits - SIM_PAGE_SHIFT);
}

/* ---- counters ---- */

void sim_xen_count_locked(struct sim_xen *x, const char *name)
{
	unsigned int i;

	for (i = 0; i < x->nr_counters; i++) {
		if (strcmp(x->counters[i].name, name) == 0) {
			atomic_fetch_add(&x->counters[i].n, 1);
			return;
		}
	}
	/* The last slot is kept for whatever does not fit. */
	if (i == SIM_XEN_MAX_COUNTERS - 1 && strcmp(name, "other") != 0) {
		sim_xen_count_locked(x, "other");
		return;
	}
	x->counters[i].name = name;
	atomic_store(&x->counters[i].n, 1);
	x->nr_counters = i + 1;
}

void sim_xen_count(struct sim_xen *x, const char *name)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);

	pthread_mutex_lock(&xi->lock);
	sim_xen_count_locked(x, name);
	pthread_mutex_unlock(&xi->lock);
}

/* ---- life cycle and domains ---- */

int sim_xen_create(struct sim_xen **out, struct sim_machine *m,
		   enum sim_xen_arch arch, uint64_t seed)
{
	struct sim_xen_impl *xi = calloc(1, sizeof(*xi));

	if (!xi)
		return -XEN_ENOMEM;
	xi->nr_frames = m->nr_frames;
	xi->m2p = malloc(xi->nr_frames * sizeof(*xi->m2p) + 1);
	if (!xi->m2p) {
		free(xi);
		return -XEN_ENOMEM;
	}
	memset(xi->m2p, 0xff, xi->nr_frames * sizeof(*xi->m2p));
	pthread_mutex_init(&xi->lock, NULL);
	xi->x.arch = arch;
	xi->x.m = m;
	xi->x.rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	xi->x.relocation_rate = 1;
	xi->x.lock = &xi->lock;
	*out = &xi->x;
	return 0;
}

void sim_xen_destroy(struct sim_xen *x)
{
	struct sim_xen_impl *xi;

	if (!x)
		return;
	xi = sim_xen_impl(x);
	/* The domains may already be gone: touch only our own tables. */
	for (unsigned int i = 0; i < x->nr_domains; i++)
		sim_grant_table_destroy(x, xi->tables[i]);
	pthread_mutex_destroy(&xi->lock);
	free(xi->m2p);
	free(xi);
}

struct sim_domain *sim_xen_find_domain(struct sim_xen *x,
				       struct sim_domain *caller, domid_t domid)
{
	if (domid == DOMID_SELF)
		return caller;
	for (unsigned int i = 0; i < x->nr_domains; i++)
		if (x->domains[i]->domid == domid)
			return x->domains[i];
	return NULL;
}

struct sim_domain *sim_xen_domain(struct sim_xen *x, uint16_t domid)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	struct sim_domain *d = NULL;

	pthread_mutex_lock(&xi->lock);
	for (unsigned int i = 0; i < x->nr_domains; i++)
		if (x->domains[i]->domid == domid)
			d = x->domains[i];
	pthread_mutex_unlock(&xi->lock);
	return d;
}

/* Record every own-RAM frame of d in the machine-to-phys table. */
static void m2p_record_domain(struct sim_xen *x, struct sim_domain *d)
{
	for (uint64_t gfn = d->gfn_base; gfn < d->gfn_base + d->nr_gfns;
	     gfn++) {
		enum sim_p2m_type type;
		uint64_t mfn = sim_domain_gfn_to_mfn(d, gfn, &type);

		if (type == SIM_P2M_RAM && owned_by(x->m, mfn, d->domid))
			m2p_set(sim_xen_impl(x), mfn, gfn);
	}
}

int sim_xen_add_domain(struct sim_xen *x, struct sim_domain *d, bool privileged)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	unsigned int nmax = sizeof(x->domains) / sizeof(x->domains[0]);
	int rc;

	pthread_mutex_lock(&xi->lock);
	if (x->nr_domains == nmax) {
		rc = -XEN_ENOSPC;
		goto out;
	}
	if (d->domid >= DOMID_FIRST_RESERVED ||
	    sim_xen_find_domain(x, NULL, d->domid)) {
		rc = -XEN_EEXIST;
		goto out;
	}
	rc = sim_grant_table_create(x, d);
	if (rc)
		goto out;
	d->xen = x;
	d->privileged = privileged;
	if (!d->max_order)
		d->max_order =
			privileged ? SIM_DOM0_MAX_ORDER : SIM_DOMU_MAX_ORDER;
	xi->tables[x->nr_domains] = d->grants;
	x->domains[x->nr_domains++] = d;
	m2p_record_domain(x, d);
out:
	pthread_mutex_unlock(&xi->lock);
	return rc;
}

/* ---- relocation: a hypervisor that compacts or pages memory ---- */

/*
 * Could Xen move this page of d?  Only ordinary own RAM nobody else
 * holds a reference to: not pinned, not granted-and-mapped, and never
 * in a direct-mapped domain (1:1 is a promise) or a PV one (a PV
 * guest's p2m is its own; Xen cannot rewrite it behind its back).
 */
static bool relocatable(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
			uint64_t *mfn)
{
	enum sim_p2m_type type;

	*mfn = sim_domain_gfn_to_mfn(d, gfn, &type);
	return type == SIM_P2M_RAM && owned_by(x->m, *mfn, d->domid) &&
	       !sim_domain_is_pinned(d, gfn) &&
	       !sim_grant_frame_in_use(d, *mfn);
}

static void relocate_one(struct sim_xen *x)
{
	struct sim_domain *cand[16];
	unsigned int n = 0;
	struct sim_domain *d;

	for (unsigned int i = 0; i < x->nr_domains; i++) {
		d = x->domains[i];
		if (!d->pv && !d->direct_mapped && d->nr_gfns)
			cand[n++] = d;
	}
	if (!n)
		return;
	d = cand[xen_rand(x) % n];
	/* A few random probes; a sparse domain may need more than one. */
	for (int tries = 0; tries < 32; tries++) {
		uint64_t gfn = d->gfn_base + xen_rand(x) % d->nr_gfns;
		uint64_t old, new;

		if (!relocatable(x, d, gfn, &old))
			continue;
		new = sim_machine_alloc_extent(x->m, 0, 0, d->domid);
		if (new == SIM_INVALID_MFN)
			return;
		sim_mem_copy_frame(x->m, new, old);
		if (xen_set_p2m(x, d, gfn, new, SIM_P2M_RAM)) {
			xen_free_frame(x, new);
			return;
		}
		xen_free_frame(x, old);
		x->pages_relocated++;
		return;
	}
}

static void maybe_relocate_locked(struct sim_xen *x)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	unsigned int rate = x->relocation_rate ? x->relocation_rate : 1;

	if (!x->relocation)
		return;
	if (++xi->ticks % rate)
		return;
	relocate_one(x);
}

void sim_xen_maybe_relocate(struct sim_xen *x)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);

	pthread_mutex_lock(&xi->lock);
	maybe_relocate_locked(x);
	pthread_mutex_unlock(&xi->lock);
}

bool sim_xen_dev_may_access(struct sim_xen *x, struct sim_domain *d,
			    uint64_t mfn, bool write)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	bool ok;

	pthread_mutex_lock(&xi->lock);
	ok = owned_by(x->m, mfn, d->domid) ||
	     sim_grant_mapped_by(d, mfn, write);
	pthread_mutex_unlock(&xi->lock);
	return ok;
}

/* ---- __HYPERVISOR_xen_version ---- */

static uint32_t feature_submap0(const struct sim_xen *x,
				const struct sim_domain *d)
{
	uint32_t map = 1U << XENFEAT_memory_op_vnode_supported;

	if (translated(d))
		map |= (1U << XENFEAT_writable_page_tables) |
		       (1U << XENFEAT_auto_translated_physmap);
	if (d->privileged)
		map |= 1U << XENFEAT_dom0;
	if (x->arch == SIM_XEN_ARM)
		map |= 1U << XENFEAT_ARM_SMCCC_supported;
	if (x->arch == SIM_XEN_X86 && d->pv)
		map |= (1U << XENFEAT_mmu_pt_update_preserve_ad) |
		       (1U << XENFEAT_highmem_assist) |
		       (1U << XENFEAT_gnttab_map_avail_bits);
	/* As common/kernel.c: a PV guest counts as direct-mapped. */
	if (!translated(d) || d->direct_mapped)
		map |= 1U << XENFEAT_direct_mapped;
	else
		map |= 1U << XENFEAT_not_direct_mapped;
	return map;
}

static long do_xen_version(struct sim_xen *x, struct sim_domain *caller,
			   unsigned long cmd, void *arg)
{
	struct xen_feature_info *fi = arg;

	switch (cmd) {
	case XENVER_version:
		sim_xen_count_locked(x, "xen_version:version");
		return SIM_XEN_VERSION;
	case XENVER_get_features:
		sim_xen_count_locked(x, "xen_version:get_features");
		if (!fi)
			return -XEN_EFAULT;
		if (fi->submap_idx >= XENFEAT_NR_SUBMAPS)
			return -XEN_EINVAL;
		fi->submap = feature_submap0(x, caller);
		return 0;
	default:
		sim_xen_count_locked(x, "xen_version:unknown");
		return -XEN_ENOSYS;
	}
}

/* ---- XENMEM_exchange and the exchange-and-pin extension ---- */

struct exchange {
	struct sim_xen *x;
	struct sim_domain *d;
	struct xen_memory_exchange exch;
	bool pin; /* DMK_XENMEM_exchange_and_pin */
	unsigned int in_chunk_order, out_chunk_order;
	uint64_t max_mfn;   /* allocation limit from address_bits, 0: none */
	bool no_frame_fits; /* address_bits below one page */
	/* One chunk's work: stolen inputs (mfn, and gfn where it was) and
	 * allocated output extents. */
	uint64_t *in_mfn, *in_gfn;
	uint64_t nr_in;
	uint64_t *out_mfn;
	uint64_t nr_out;
};

/*
 * Xen on ARM has no steal_page(): a plain exchange ends at the first
 * valid page.  The scenarios' hypervisor with the series' ARM side
 * (exchange_and_pin and arm_steal_page) has one.
 */
static bool arm_can_steal(const struct sim_xen *x, const struct exchange *e)
{
	/* A direct-mapped domain promises gfn == mfn: no exchange, pinned
	 * or not, may break that promise. */
	if (e->d->direct_mapped)
		return false;
	return e->pin || (x->exchange_and_pin && x->arm_steal_page);
}

/*
 * Take one input page from the domain, as Xen's steal_page() does, but
 * only provisionally: the frame is marked as Xen's and handed back by
 * give_back_inputs() if the chunk fails.
 */
static long steal_input_page(struct exchange *e, xen_pfn_t gmfn)
{
	struct sim_xen *x = e->x;
	struct sim_domain *d = e->d;
	enum sim_p2m_type type = SIM_P2M_RAM;
	uint64_t mfn;

	/* A PV guest names machine frames; others name guest frames. */
	mfn = translated(d) ? sim_domain_gfn_to_mfn(d, gmfn, &type) : gmfn;
	if (mfn == SIM_INVALID_MFN || sim_mfn_index(x->m, mfn) < 0)
		return -XEN_EINVAL;
	if (x->arch == SIM_XEN_ARM && !arm_can_steal(x, e))
		return -XEN_EOPNOTSUPP;
	if (type != SIM_P2M_RAM || !owned_by(x->m, mfn, d->domid))
		return -XEN_EINVAL;
	if (translated(d) && sim_domain_is_pinned(d, gmfn))
		return -XEN_EINVAL;
	if (!translated(d) && pv_frame_mapped(x, d, mfn))
		return -XEN_EINVAL;
	if (sim_grant_frame_in_use(d, mfn))
		return -XEN_EINVAL;
	set_owner(x->m, mfn, SIM_DOMID_XEN);
	e->in_mfn[e->nr_in] = mfn;
	e->in_gfn[e->nr_in] = translated(d) ? gmfn : SIM_INVALID_MFN;
	e->nr_in++;
	return 0;
}

static void give_back_inputs(struct exchange *e)
{
	for (uint64_t k = 0; k < e->nr_in; k++)
		set_owner(e->x->m, e->in_mfn[k], e->d->domid);
	e->nr_in = 0;
}

static void free_outputs(struct exchange *e)
{
	for (uint64_t j = 0; j < e->nr_out; j++)
		xen_free_extent(e->x, e->out_mfn[j], e->exch.out.extent_order);
	e->nr_out = 0;
}

static long steal_chunk(struct exchange *e, uint64_t i)
{
	const struct xen_memory_reservation *in = &e->exch.in;

	for (uint64_t j = 0; j < (1ULL << e->in_chunk_order); j++) {
		xen_pfn_t gmfn =
			in->extent_start.p[(i << e->in_chunk_order) + j];

		for (uint64_t k = 0; k < (1ULL << in->extent_order); k++) {
			long rc = steal_input_page(e, gmfn + k);

			if (rc)
				return rc;
		}
	}
	return 0;
}

static long alloc_chunk(struct exchange *e)
{
	unsigned int order = e->exch.out.extent_order;

	for (uint64_t j = 0; j < (1ULL << e->out_chunk_order); j++) {
		uint64_t mfn = SIM_INVALID_MFN;

		if (!e->no_frame_fits)
			mfn = sim_machine_alloc_extent(e->x->m, order,
						       e->max_mfn, e->d->domid);
		if (mfn == SIM_INVALID_MFN)
			return -XEN_ENOMEM;
		e->out_mfn[e->nr_out++] = mfn;
	}
	return 0;
}

/*
 * Model check, not in Xen: for an autotranslated guest every output gfn
 * must be a hole or one of the pages this chunk takes away.  Xen would
 * silently drop whatever was mapped there; the model refuses (-EINVAL,
 * chunk not done) so such a guest bug shows instead of leaking a page.
 */
static long check_output_gfns(struct exchange *e, uint64_t i)
{
	const struct xen_memory_reservation *out = &e->exch.out;

	if (!translated(e->d))
		return 0;
	for (uint64_t j = 0; j < (1ULL << e->out_chunk_order); j++) {
		xen_pfn_t gpfn =
			out->extent_start.p[(i << e->out_chunk_order) + j];

		for (uint64_t k = 0; k < (1ULL << out->extent_order); k++) {
			enum sim_p2m_type type;
			uint64_t mfn;

			if (!sim_xen_gfn_in_span(e->d, gpfn + k))
				return -XEN_EINVAL;
			mfn = sim_domain_gfn_to_mfn(e->d, gpfn + k, &type);
			if (type == SIM_P2M_INVALID)
				continue;
			if (type != SIM_P2M_RAM ||
			    !owned_by(e->x->m, mfn, SIM_DOMID_XEN))
				return -XEN_EINVAL;
		}
	}
	return 0;
}

/* Past the point of no return: the inputs go, the outputs come. */
/* Punch holes where the inputs were mapped, one host mapping per run of
 * consecutive gfns (an exchange of a 2 MiB region is one call, not 512). */
static void unmap_inputs(struct exchange *e)
{
	uint64_t k = 0;

	while (k < e->nr_in) {
		uint64_t gfn = e->in_gfn[k], n = 1;

		if (gfn == SIM_INVALID_MFN) {
			k++;
			continue;
		}
		while (k + n < e->nr_in && e->in_gfn[k + n] == gfn + n)
			n++;
		sim_domain_set_p2m_range(e->d, gfn, SIM_INVALID_MFN, n,
					 SIM_P2M_INVALID);
		k += n;
	}
}

static void commit_chunk(struct exchange *e, uint64_t i)
{
	struct sim_xen *x = e->x;
	struct sim_domain *d = e->d;
	struct xen_memory_reservation *out = &e->exch.out;
	unsigned int order = out->extent_order;

	unmap_inputs(e);
	for (uint64_t k = 0; k < e->nr_in; k++)
		xen_free_frame(x, e->in_mfn[k]);
	x->pages_exchanged += e->nr_in;
	e->nr_in = 0;

	for (uint64_t j = 0; j < e->nr_out; j++) {
		uint64_t slot = (i << e->out_chunk_order) + j;
		xen_pfn_t gpfn = out->extent_start.p[slot];
		uint64_t mfn = e->out_mfn[j];

		xen_scrub_extent(x, mfn, order);
		/* An extent is machine-contiguous: one remap for all of it. */
		if (translated(d))
			sim_domain_set_p2m_range(d, gpfn, mfn, 1ULL << order,
						 SIM_P2M_RAM);
		for (uint64_t k = 0; k < (1ULL << order); k++) {
			m2p_set(sim_xen_impl(x), mfn + k, gpfn + k);
			if (translated(d) && e->pin)
				sim_domain_set_pinned(d, gpfn + k, true);
		}
		/* PV learns its new machine frames; so does a guest of
		 * the series' ARM hypervisor (pinned or not); others do
		 * not. */
		if (!translated(d) || arm_can_steal(x, e))
			out->extent_start.p[slot] = mfn;
	}
	e->nr_out = 0;
}

static uintptr_t list_start(const struct xen_memory_reservation *r)
{
	return (uintptr_t)r->extent_start.p;
}

/* Only once list_okay() said the list does not wrap. */
static uintptr_t list_end(const struct xen_memory_reservation *r)
{
	return list_start(r) + r->nr_extents * sizeof(xen_pfn_t);
}

/* A guest list is usable: NULL only when nothing is left to do from
 * entry first on, and never running past the top of the address space. */
static bool list_okay(const xen_pfn_t *list, uint64_t first, uint64_t nr)
{
	uintptr_t room = UINTPTR_MAX - (uintptr_t)list;

	if (!list)
		return first >= nr;
	return nr <= room / sizeof(*list);
}

/* The checks memory_exchange() makes before touching any page, in
 * Xen's order.  Returns 0 and fills e, or the error. */
static long exchange_check_args(struct exchange *e, struct sim_domain *caller)
{
	const struct xen_memory_reservation *in = &e->exch.in;
	const struct xen_memory_reservation *out = &e->exch.out;
	uint64_t in_first, out_first;

	if (in->extent_order > max_order(caller) ||
	    out->extent_order > max_order(caller))
		return -XEN_EPERM;
	if (e->exch.nr_exchanged > in->nr_extents || in->domid != out->domid ||
	    (~0UL >> in->extent_order) < in->nr_extents ||
	    (~0UL >> out->extent_order) < out->nr_extents ||
	    (in->nr_extents << in->extent_order) !=
		    (out->nr_extents << out->extent_order))
		return -XEN_EINVAL;

	if (in->extent_order <= out->extent_order) {
		e->in_chunk_order = out->extent_order - in->extent_order;
		e->out_chunk_order = 0;
		out_first = e->exch.nr_exchanged >> e->in_chunk_order;
	} else {
		e->in_chunk_order = 0;
		e->out_chunk_order = in->extent_order - out->extent_order;
		out_first = e->exch.nr_exchanged << e->out_chunk_order;
	}
	/* Guest handles that point nowhere, for what is left to do, or
	 * run off the end of the address space (Xen's guest_handle_okay). */
	in_first = e->exch.nr_exchanged;
	if (!list_okay(in->extent_start.p, in_first, in->nr_extents) ||
	    !list_okay(out->extent_start.p, out_first, out->nr_extents))
		return -XEN_EFAULT;
	/*
	 * Model check, not in Xen (the ABI says the lists "must not
	 * overlap"; Xen trusts it and would read back frames it wrote).
	 * Addresses, not pointers: the lists are known not to wrap.
	 */
	if (list_start(in) && list_start(out) && in->nr_extents &&
	    out->nr_extents && list_start(in) < list_end(out) &&
	    list_start(out) < list_end(in))
		return -XEN_EINVAL;
	return 0;
}

static long memory_exchange(struct sim_xen *x, struct sim_domain *caller,
			    struct xen_memory_exchange *arg, bool pin)
{
	struct exchange e = {.x = x, .pin = pin};
	uint64_t chunk_pages, i;
	long rc;

	if (!arg)
		return -XEN_EFAULT;
	e.exch = *arg;
	rc = exchange_check_args(&e, caller);
	if (rc)
		goto fail_early;
	e.d = sim_xen_find_domain(x, caller, e.exch.in.domid);
	if (!e.d) {
		rc = -XEN_ESRCH;
		goto fail_early;
	}
	if (!may_act_on(caller, e.d)) {
		rc = -XEN_EPERM;
		goto fail_early;
	}
	/* The extension pins for autotranslated guests: a PV guest's p2m
	 * is its own and Xen never moves its pages anyway. */
	if (pin && !translated(e.d)) {
		rc = -XEN_EOPNOTSUPP;
		goto fail_early;
	}
	e.max_mfn = address_bits_limit(
		XENMEMF_get_address_bits(e.exch.out.mem_flags),
		&e.no_frame_fits);

	chunk_pages = 1ULL << (e.in_chunk_order + e.exch.in.extent_order);
	e.in_mfn = malloc(chunk_pages * sizeof(uint64_t));
	e.in_gfn = malloc(chunk_pages * sizeof(uint64_t));
	e.out_mfn = malloc((1ULL << e.out_chunk_order) * sizeof(uint64_t));
	if (!e.in_mfn || !e.in_gfn || !e.out_mfn) {
		rc = -XEN_ENOMEM;
		i = e.exch.nr_exchanged >> e.in_chunk_order;
		goto fail;
	}

	for (i = e.exch.nr_exchanged >> e.in_chunk_order;
	     i < (e.exch.in.nr_extents >> e.in_chunk_order); i++) {
		rc = steal_chunk(&e, i);
		if (!rc)
			rc = check_output_gfns(&e, i);
		if (!rc)
			rc = alloc_chunk(&e);
		if (rc)
			goto fail;
		commit_chunk(&e, i);
	}
	e.exch.nr_exchanged = e.exch.in.nr_extents;
	arg->nr_exchanged = e.exch.nr_exchanged;
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	return 0;

fail:
	/* The failed chunk is undone; earlier chunks stay done. */
	give_back_inputs(&e);
	free_outputs(&e);
	free(e.in_mfn);
	free(e.in_gfn);
	free(e.out_mfn);
	e.exch.nr_exchanged = i << e.in_chunk_order;
fail_early:
	arg->nr_exchanged = e.exch.nr_exchanged;
	return rc;
}

/* DMK_XENMEM_unpin: every page of an extent must be pinned own RAM. */
static long unpin_extent(struct sim_xen *x, struct sim_domain *d,
			 xen_pfn_t gpfn, unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;
		uint64_t mfn;

		if (!sim_xen_gfn_in_span(d, gpfn + k))
			return -XEN_EINVAL;
		mfn = sim_domain_gfn_to_mfn(d, gpfn + k, &type);
		if (type != SIM_P2M_RAM || !owned_by(x->m, mfn, d->domid) ||
		    !sim_domain_is_pinned(d, gpfn + k))
			return -XEN_EINVAL;
	}
	for (uint64_t k = 0; k < (1ULL << order); k++)
		sim_domain_set_pinned(d, gpfn + k, false);
	return 0;
}

static long memory_unpin(struct sim_xen *x, struct sim_domain *caller,
			 struct dmk_xen_unpin *arg)
{
	struct dmk_xen_unpin u;
	struct sim_domain *d;
	long rc = 0;

	if (!arg)
		return -XEN_EFAULT;
	u = *arg;
	if (u.in.extent_order > max_order(caller))
		return -XEN_EPERM;
	if (u.nr_unpinned > u.in.nr_extents)
		return -XEN_EINVAL;
	if (u.nr_unpinned < u.in.nr_extents && !u.in.extent_start.p)
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, u.in.domid);
	if (!d)
		return -XEN_ESRCH;
	if (!may_act_on(caller, d))
		return -XEN_EPERM;
	if (!translated(d))
		return -XEN_EOPNOTSUPP;
	for (; u.nr_unpinned < u.in.nr_extents; u.nr_unpinned++) {
		rc = unpin_extent(x, d, u.in.extent_start.p[u.nr_unpinned],
				  u.in.extent_order);
		if (rc)
			break;
	}
	arg->nr_unpinned = u.nr_unpinned;
	return rc;
}

/* ---- ballooning: increase/decrease_reservation, populate_physmap ---- */

struct reservation {
	struct sim_xen *x;
	struct sim_domain *d;
	struct xen_memory_reservation r;
	uint64_t max_mfn;
	bool no_frame_fits;
};

/* Are all 2^order gfns from gpfn holes of d (model check, not Xen)? */
static bool gfns_are_holes(const struct sim_domain *d, xen_pfn_t gpfn,
			   unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;

		if (!sim_xen_gfn_in_span(d, gpfn + k))
			return false;
		sim_domain_gfn_to_mfn(d, gpfn + k, &type);
		if (type != SIM_P2M_INVALID)
			return false;
	}
	return true;
}

/* A direct-mapped domain gets back the very frames it gave up, which
 * Xen kept allocated to it (guest_remove_page()). */
static bool populate_direct(struct reservation *rv, xen_pfn_t gpfn)
{
	unsigned int order = rv->r.extent_order;

	for (uint64_t k = 0; k < (1ULL << order); k++)
		if (!owned_by(rv->x->m, gpfn + k, rv->d->domid))
			return false;
	if (!gfns_are_holes(rv->d, gpfn, order))
		return false;
	for (uint64_t k = 0; k < (1ULL << order); k++)
		xen_set_p2m(rv->x, rv->d, gpfn + k, gpfn + k, SIM_P2M_RAM);
	return true;
}

static bool populate_one(struct reservation *rv, xen_pfn_t *slot)
{
	struct sim_domain *d = rv->d;
	unsigned int order = rv->r.extent_order;
	xen_pfn_t gpfn = *slot;
	uint64_t mfn;

	if (translated(d) && d->direct_mapped)
		return populate_direct(rv, gpfn);
	if (translated(d) && !gfns_are_holes(d, gpfn, order))
		return false;
	if (rv->no_frame_fits)
		return false;
	mfn = sim_machine_alloc_extent(rv->x->m, order, rv->max_mfn, d->domid);
	if (mfn == SIM_INVALID_MFN)
		return false;
	xen_scrub_extent(rv->x, mfn, order);
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		if (translated(d))
			xen_set_p2m(rv->x, d, gpfn + k, mfn + k, SIM_P2M_RAM);
		else
			m2p_set(sim_xen_impl(rv->x), mfn + k, gpfn + k);
	}
	/* A PV guest is told its new machine frame. */
	if (!translated(d))
		*slot = mfn;
	return true;
}

/*
 * increase_reservation(): an extent for d, mapped nowhere.  A PV guest
 * is told its machine frame when it passed a list (it maps the frame
 * itself and records it in the m2p with MMU_MACHPHYS_UPDATE); a
 * translated guest is told nothing, so the frames are its own but
 * unreachable until it gives up the domain (populate_physmap is what
 * such a guest uses, as Linux's balloon driver does for every guest).
 */
static bool increase_one(struct reservation *rv, xen_pfn_t *slot)
{
	unsigned int order = rv->r.extent_order;
	uint64_t mfn;

	if (rv->no_frame_fits)
		return false;
	mfn = sim_machine_alloc_extent(rv->x->m, order, rv->max_mfn,
				       rv->d->domid);
	if (mfn == SIM_INVALID_MFN)
		return false;
	xen_scrub_extent(rv->x, mfn, order);
	if (!translated(rv->d) && slot)
		*slot = mfn;
	return true;
}

/*
 * guest_remove_page(): the page must be d's own RAM.  The model also
 * stops at pages Xen would keep referenced (pinned, mapped by a grant,
 * a PV page still in the guest's page tables) rather than free them
 * later behind the guest's back.
 */
static bool remove_page(struct reservation *rv, xen_pfn_t gmfn)
{
	struct sim_xen *x = rv->x;
	struct sim_domain *d = rv->d;
	enum sim_p2m_type type = SIM_P2M_RAM;
	uint64_t mfn;

	mfn = translated(d) ? sim_domain_gfn_to_mfn(d, gmfn, &type) : gmfn;
	if (type != SIM_P2M_RAM || !owned_by(x->m, mfn, d->domid))
		return false;
	if (sim_grant_frame_in_use(d, mfn))
		return false;
	if (translated(d)) {
		if (sim_domain_is_pinned(d, gmfn))
			return false;
		if (xen_set_p2m(x, d, gmfn, SIM_INVALID_MFN, SIM_P2M_INVALID))
			return false;
		if (d->direct_mapped)
			return true;
	} else if (pv_frame_mapped(x, d, mfn)) {
		return false;
	}
	xen_free_frame(x, mfn);
	return true;
}

static long memop_reservation(struct sim_xen *x, struct sim_domain *caller,
			      unsigned int op, unsigned long start,
			      struct xen_memory_reservation *arg)
{
	struct reservation rv = {.x = x};
	unsigned int bits;
	unsigned long i;

	/* Xen answers every failure here with the progress so far. */
	if (!arg)
		return start;
	rv.r = *arg;
	if (rv.r.nr_extents > (UINT32_MAX >> MEMOP_EXTENT_SHIFT) ||
	    start >= rv.r.nr_extents)
		return start;
	rv.d = sim_xen_find_domain(x, caller, rv.r.domid);
	if (!rv.d)
		return start;
	bits = XENMEMF_get_address_bits(rv.r.mem_flags);
	if (bits && bits <= SIM_PAGE_SHIFT)
		return start;
	rv.max_mfn = address_bits_limit(bits, &rv.no_frame_fits);
	if (!may_act_on(caller, rv.d))
		return start;
	/* Only increase_reservation may go without a list (no output). */
	if (rv.r.extent_order > max_order(caller) ||
	    (!rv.r.extent_start.p && op != XENMEM_increase_reservation))
		return start;

	for (i = start; i < rv.r.nr_extents; i++) {
		xen_pfn_t *slot =
			rv.r.extent_start.p ? &rv.r.extent_start.p[i] : NULL;
		bool ok = true;

		if (op == XENMEM_increase_reservation) {
			ok = increase_one(&rv, slot);
		} else if (op == XENMEM_populate_physmap) {
			ok = populate_one(&rv, slot);
		} else {
			for (uint64_t k = 0;
			     ok && k < (1ULL << rv.r.extent_order); k++)
				ok = remove_page(&rv, *slot + k);
		}
		if (!ok)
			break;
	}
	return i;
}

/* XENMEM_add_to_physmap: only the grant-table space is modelled. */
static long memop_add_to_physmap(struct sim_xen *x, struct sim_domain *caller,
				 struct xen_add_to_physmap *arg)
{
	struct sim_domain *d;

	if (!arg)
		return -XEN_EFAULT;
	if (arg->space == XENMAPSPACE_gmfn_foreign)
		return -XEN_ENOSYS;
	d = sim_xen_find_domain(x, caller, arg->domid);
	if (!d)
		return -XEN_ESRCH;
	if (!may_act_on(caller, d))
		return -XEN_EPERM;
	/* A PV guest is not translated: there is no physmap to add to. */
	if (!translated(d))
		return -XEN_EACCES;
	if (arg->space != XENMAPSPACE_grant_table)
		return -XEN_ENOSYS;
	return sim_grant_add_to_physmap(x, d, arg->idx, arg->gpfn);
}

/*
 * XENMEM_remove_from_physmap: whatever is at gpfn leaves the physmap.
 * Own RAM stays allocated to the domain (as in Xen: only
 * decrease_reservation frees it); the grant-table frame becomes
 * unmapped.  The model refuses grant mappings (they go with
 * GNTTABOP_unmap_grant_ref) and pinned pages (the extension's promise).
 */
static long memop_remove_from_physmap(struct sim_xen *x,
				      struct sim_domain *caller,
				      struct xen_remove_from_physmap *arg)
{
	struct sim_domain *d;
	enum sim_p2m_type type;
	uint64_t mfn;

	if (!arg)
		return -XEN_EFAULT;
	d = sim_xen_find_domain(x, caller, arg->domid);
	if (!d)
		return -XEN_ESRCH;
	if (!translated(d))
		return -XEN_EACCES;
	if (!may_act_on(caller, d))
		return -XEN_EPERM;
	mfn = sim_domain_gfn_to_mfn(d, arg->gpfn, &type);
	if (type == SIM_P2M_INVALID)
		return -XEN_ENOENT;
	if (sim_grant_is_table_frame(d, mfn)) {
		d->grants->gfn = SIM_INVALID_MFN;
	} else if (type != SIM_P2M_RAM) {
		return -XEN_EINVAL;
	} else if (sim_domain_is_pinned(d, arg->gpfn)) {
		return -XEN_EBUSY;
	}
	return sim_domain_set_p2m(d, arg->gpfn, SIM_INVALID_MFN,
				  SIM_P2M_INVALID)
		       ? -XEN_EINVAL
		       : 0;
}

static long do_memory_op(struct sim_xen *x, struct sim_domain *caller,
			 unsigned long cmd, void *arg)
{
	unsigned long op = cmd & MEMOP_CMD_MASK;
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT;

	/* The extension (xen-ext.h) uses command numbers no Xen release
	 * has given out; it has no continuations, so match them whole. */
	if (cmd == DMK_XENMEM_exchange_and_pin || cmd == DMK_XENMEM_unpin) {
		if (!x->exchange_and_pin) {
			sim_xen_count_locked(x, "memory_op:unknown");
			return -XEN_ENOSYS;
		}
		if (cmd == DMK_XENMEM_unpin) {
			sim_xen_count_locked(x, "memory_op:unpin");
			return memory_unpin(x, caller, arg);
		}
		sim_xen_count_locked(x, "memory_op:exchange_and_pin");
		return memory_exchange(x, caller, arg, true);
	}

	switch (op) {
	case XENMEM_increase_reservation:
		sim_xen_count_locked(x, "memory_op:increase_reservation");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_populate_physmap:
		sim_xen_count_locked(x, "memory_op:populate_physmap");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_decrease_reservation:
		sim_xen_count_locked(x, "memory_op:decrease_reservation");
		return memop_reservation(x, caller, op, start, arg);
	case XENMEM_exchange:
		sim_xen_count_locked(x, "memory_op:exchange");
		if (start)
			return -XEN_EINVAL;
		return memory_exchange(x, caller, arg, false);
	case XENMEM_add_to_physmap:
		sim_xen_count_locked(x, "memory_op:add_to_physmap");
		return memop_add_to_physmap(x, caller, arg);
	case XENMEM_remove_from_physmap:
		sim_xen_count_locked(x, "memory_op:remove_from_physmap");
		if (start)
			return -XEN_EINVAL;
		return memop_remove_from_physmap(x, caller, arg);
	default:
		sim_xen_count_locked(x, "memory_op:unknown");
		return -XEN_ENOSYS;
	}
}

/* ---- x86 PV: the guest's page tables and its m2p ---- */

/*
 * update_va_mapping(va, pte, flags): point the caller's linear-map page
 * at va to the frame in pte (or unmap it).  The frame must be the
 * caller's own or its grant-table frame; grant mappings are undone with
 * GNTTABOP_unmap_grant_ref, not here.  The TLB flags need no model.
 */
static long pv_update_va_mapping(struct sim_xen *x, struct sim_domain *caller,
				 unsigned long va, uint64_t pte)
{
	uint64_t gfn = sim_xen_pv_va_to_gfn(caller, va);
	struct sim_grant_table *gt = caller->grants;
	enum sim_p2m_type type;
	uint64_t cur, mfn;

	sim_xen_count_locked(x, "update_va_mapping");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (gfn == SIM_INVALID_MFN)
		return -XEN_EINVAL;
	cur = sim_domain_gfn_to_mfn(caller, gfn, &type);
	if ((type == SIM_P2M_FOREIGN_RW || type == SIM_P2M_FOREIGN_RO) &&
	    cur != gt->mfn)
		return -XEN_EINVAL;
	if (!(pte & SIM_PTE_PRESENT)) {
		if (cur == gt->mfn)
			gt->gfn = SIM_INVALID_MFN;
		return xen_set_p2m(x, caller, gfn, SIM_INVALID_MFN,
				   SIM_P2M_INVALID)
			       ? -XEN_EINVAL
			       : 0;
	}
	mfn = (pte & SIM_PTE_MFN_MASK) >> SIM_PAGE_SHIFT;
	if (owned_by(x->m, mfn, caller->domid))
		return xen_set_p2m(x, caller, gfn, mfn, SIM_P2M_RAM)
			       ? -XEN_EINVAL
			       : 0;
	if (mfn == gt->mfn) {
		if (sim_domain_set_p2m(caller, gfn, mfn, SIM_P2M_FOREIGN_RW))
			return -XEN_EINVAL;
		gt->gfn = gfn;
		return 0;
	}
	return -XEN_EINVAL;
}

/* mmu_update: only MMU_MACHPHYS_UPDATE (the m2p) is modelled; the
 * model's PV page tables change through update_va_mapping. */
static long pv_mmu_update(struct sim_xen *x, struct sim_domain *caller,
			  const struct mmu_update *req, unsigned long count,
			  unsigned int *done)
{
	unsigned long i;
	long rc = 0;

	sim_xen_count_locked(x, "mmu_update");
	if (!caller->pv)
		return -XEN_ENOSYS;
	if (count && !req)
		return -XEN_EFAULT;
	for (i = 0; i < count; i++) {
		uint64_t mfn = req[i].ptr >> SIM_PAGE_SHIFT;

		if ((req[i].ptr & 7) != MMU_MACHPHYS_UPDATE) {
			rc = -XEN_ENOSYS;
			break;
		}
		if (!owned_by(x->m, mfn, caller->domid)) {
			rc = -XEN_EINVAL;
			break;
		}
		m2p_set(sim_xen_impl(x), mfn, req[i].val);
	}
	if (done)
		*done = (unsigned int)i;
	return rc;
}

/* ---- multicall ---- */

/*
 * A run of update_va_mapping entries that remap consecutive pages of
 * own RAM onto consecutive frames (or unmap them): what a PV guest
 * sends after an exchange.  Xen applies them one by one; the model
 * applies the run with one host mapping, which gives the same p2m.
 */
struct uva_run {
	uint64_t gfn, mfn; /* first page; mfn SIM_INVALID_MFN to unmap */
	unsigned long n;
};

static bool uva_simple(struct sim_xen *x, struct sim_domain *caller,
		       const struct multicall_entry *e, uint64_t *gfn,
		       uint64_t *mfn)
{
	enum sim_p2m_type type;

	if (e->op != __HYPERVISOR_update_va_mapping || !caller->pv)
		return false;
	*gfn = sim_xen_pv_va_to_gfn(caller, e->args[0]);
	if (*gfn == SIM_INVALID_MFN)
		return false;
	sim_domain_gfn_to_mfn(caller, *gfn, &type);
	if (type != SIM_P2M_RAM && type != SIM_P2M_INVALID)
		return false;
	if (!(e->args[1] & SIM_PTE_PRESENT)) {
		*mfn = SIM_INVALID_MFN;
		return true;
	}
	*mfn = (e->args[1] & SIM_PTE_MFN_MASK) >> SIM_PAGE_SHIFT;
	return owned_by(x->m, *mfn, caller->domid);
}

/* How many entries from e[0] form one run (0 when e[0] is not simple). */
static unsigned long uva_run(struct sim_xen *x, struct sim_domain *caller,
			     const struct multicall_entry *e,
			     unsigned long count, struct uva_run *run)
{
	uint64_t gfn, mfn;

	if (!uva_simple(x, caller, &e[0], &run->gfn, &run->mfn))
		return 0;
	for (run->n = 1; run->n < count; run->n++) {
		if (!uva_simple(x, caller, &e[run->n], &gfn, &mfn) ||
		    gfn != run->gfn + run->n)
			break;
		if (run->mfn == SIM_INVALID_MFN ? mfn != SIM_INVALID_MFN
						: mfn != run->mfn + run->n)
			break;
	}
	return run->n;
}

static void apply_uva_run(struct sim_xen *x, struct sim_domain *caller,
			  const struct uva_run *run, struct multicall_entry *e)
{
	bool unmap = run->mfn == SIM_INVALID_MFN;
	long rc =
		sim_domain_set_p2m_range(caller, run->gfn, run->mfn, run->n,
					 unmap ? SIM_P2M_INVALID : SIM_P2M_RAM)
			? -XEN_EINVAL
			: 0;

	for (unsigned long k = 0; k < run->n; k++) {
		sim_xen_count_locked(x, "update_va_mapping");
		if (!rc && !unmap)
			m2p_set(sim_xen_impl(x), run->mfn + k, run->gfn + k);
		e[k].result = (xen_ulong_t)rc;
	}
}

static long dispatch_locked(struct sim_xen *x, struct sim_domain *caller,
			    unsigned int op, unsigned long a1, unsigned long a2,
			    unsigned long a3);

/* __HYPERVISOR_multicall(entries, count): each entry's result in place;
 * the call itself returns 0, as Xen's does.  No nesting. */
static long do_multicall(struct sim_xen *x, struct sim_domain *caller,
			 struct multicall_entry *e, unsigned long count)
{
	unsigned long i = 0;

	sim_xen_count_locked(x, "multicall");
	if (count && !e)
		return -XEN_EFAULT;
	while (i < count) {
		struct uva_run run;

		if (uva_run(x, caller, &e[i], count - i, &run) > 1) {
			apply_uva_run(x, caller, &run, &e[i]);
			i += run.n;
			continue;
		}
		if (e[i].op == __HYPERVISOR_multicall)
			e[i].result = (xen_ulong_t)-XEN_EINVAL;
		else
			e[i].result = (xen_ulong_t)dispatch_locked(
				x, caller, (unsigned int)e[i].op, e[i].args[0],
				e[i].args[1], e[i].args[2]);
		i++;
	}
	return 0;
}

static long dispatch_locked(struct sim_xen *x, struct sim_domain *caller,
			    unsigned int op, unsigned long a1, unsigned long a2,
			    unsigned long a3)
{
	switch (op) {
	case __HYPERVISOR_xen_version:
		return do_xen_version(x, caller, a1, (void *)a2);
	case __HYPERVISOR_memory_op:
		return do_memory_op(x, caller, a1, (void *)a2);
	case __HYPERVISOR_grant_table_op:
		return sim_grant_table_op(x, caller, (unsigned int)a1,
					  (void *)a2, (unsigned int)a3);
	case __HYPERVISOR_update_va_mapping:
		return pv_update_va_mapping(x, caller, a1, a2);
	case __HYPERVISOR_mmu_update:
		return pv_mmu_update(x, caller, (const struct mmu_update *)a1,
				     a2, (unsigned int *)a3);
	case __HYPERVISOR_multicall:
		return do_multicall(x, caller, (struct multicall_entry *)a1,
				    a2);
	default:
		sim_xen_count_locked(x, "unknown");
		return -XEN_ENOSYS;
	}
}

/* ---- the entry ---- */

static bool registered(struct sim_xen *x, const struct sim_domain *d)
{
	for (unsigned int i = 0; i < x->nr_domains; i++)
		if (x->domains[i] == d)
			return true;
	return false;
}

long sim_xen_hypercall(struct sim_xen *x, struct sim_domain *caller,
		       unsigned int op, unsigned long a1, unsigned long a2,
		       unsigned long a3)
{
	struct sim_xen_impl *xi = sim_xen_impl(x);
	long rc;

	pthread_mutex_lock(&xi->lock);
	if (!caller || !registered(x, caller)) {
		rc = -XEN_ESRCH;
		goto out;
	}
	maybe_relocate_locked(x);
	rc = dispatch_locked(x, caller, op, a1, a2, a3);
out:
	pthread_mutex_unlock(&xi->lock);
	return rc;
}
