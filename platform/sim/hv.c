// SPDX-License-Identifier: MIT
/*
 * The hypervisor model: a Xen that takes the argument structures of
 * Xen's public headers and answers as Xen 4.17 does.
 *
 * This file has the hypercall entry and dispatch, the domains, the
 * counters, xen_version and relocation (fault injection).  The rest:
 *   hv-mm.c        frames: p2m and m2p in step, freeing, scrubbing
 *   hv-memop.c     memory_op: ballooning, physmap
 *   hv-exchange.c  XENMEM_exchange and the exchange-and-pin extension
 *   hv-pv.c        x86 PV: update_va_mapping, mmu_update, multicall
 *   hv-gnttab.c    grant_table_op
 * docs/hypervisor.md lists every modelled call with its order of
 * checks; the comments say where the model follows Xen's
 * common/memory.c and where it is deliberately stricter.
 *
 * One lock serialises all hypercalls, as if Xen ran them on one CPU.
 */
#include "hv.h"

#include <stdlib.h>
#include <string.h>
#include <xen/features.h>
#include <xen/version.h>

/* Extent-order limits when the world gave none (Xen's defaults:
 * CONFIG_HWDOM_MAX_ORDER 12, which a dom0 command line raises with
 * memop-max-order; CONFIG_DOMU_MAX_ORDER 9). */
#define SIM_DOM0_MAX_ORDER 18U
#define SIM_DOMU_MAX_ORDER 9U

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
	xi->x.long_bits = 64;
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

		if (type == SIM_P2M_RAM &&
		    sim_xen_owned_by(x->m, mfn, d->domid))
			sim_xen_m2p_set(sim_xen_impl(x), mfn, gfn);
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
	/* Xen's accounting starts with what the domain was built with; a
	 * world that wants Xen's dom0 or domU limit sets max_pages. */
	d->tot_pages = 0;
	for (uint64_t i = 0; i < x->m->nr_frames; i++)
		d->tot_pages += x->m->owner[i] == d->domid;
	if (!d->max_pages)
		d->max_pages = UINT32_MAX;
out:
	pthread_mutex_unlock(&xi->lock);
	return rc;
}

/* ---- relocation: a hypervisor that compacts or pages memory ---- */

static uint64_t xen_rand(struct sim_xen *x)
{
	uint64_t v = x->rng;

	v ^= v << 13;
	v ^= v >> 7;
	v ^= v << 17;
	x->rng = v;
	return v;
}

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
	return type == SIM_P2M_RAM && sim_xen_owned_by(x->m, *mfn, d->domid) &&
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
		if (sim_xen_set_p2m(x, d, gfn, new, SIM_P2M_RAM)) {
			sim_xen_free_frame(x, new);
			return;
		}
		sim_xen_free_frame(x, old);
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
	ok = sim_xen_owned_by(x->m, mfn, d->domid) ||
	     sim_grant_mapped_by(d, mfn, write);
	pthread_mutex_unlock(&xi->lock);
	return ok;
}

/* ---- __HYPERVISOR_xen_version ---- */

static uint32_t feature_submap0(const struct sim_xen *x,
				const struct sim_domain *d)
{
	uint32_t map = 1U << XENFEAT_memory_op_vnode_supported;

	if (d->vm_assist & (1ULL << VMASST_TYPE_pae_extended_cr3))
		map |= 1U << XENFEAT_pae_pgdir_above_4gb;

	if (sim_xen_translated(d))
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
	if (!sim_xen_translated(d) || d->direct_mapped)
		map |= 1U << XENFEAT_direct_mapped;
	else
		map |= 1U << XENFEAT_not_direct_mapped;
	return map;
}

static long do_xen_version(struct sim_xen *x, struct sim_domain *caller,
			   unsigned long cmd, void *arg)
{
	struct xen_feature_info fi;

	switch (cmd) {
	case XENVER_version:
		sim_xen_count_locked(x, "xen_version:version");
		return SIM_XEN_VERSION;
	case XENVER_get_features:
		sim_xen_count_locked(x, "xen_version:get_features");
		if (sim_xen_copy_from_guest(&fi, arg, sizeof(fi)))
			return -XEN_EFAULT;
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -XEN_EINVAL;
		fi.submap = feature_submap0(x, caller);
		if (sim_xen_copy_to_guest(arg, &fi, sizeof(fi)))
			return -XEN_EFAULT;
		return 0;
	case XENVER_pagesize:
		sim_xen_count_locked(x, "xen_version:pagesize");
		return arg ? -XEN_EINVAL : (long)SIM_PAGE_SIZE;
	default:
		sim_xen_count_locked(x, "xen_version:unknown");
		return -XEN_ENOSYS;
	}
}

long sim_xen_dispatch_locked(struct sim_xen *x, struct sim_domain *caller,
			     unsigned int op, unsigned long a1,
			     unsigned long a2, unsigned long a3)
{
	switch (op) {
	case __HYPERVISOR_xen_version:
		return do_xen_version(x, caller, a1, (void *)a2);
	case __HYPERVISOR_memory_op:
		return sim_xen_memory_op(x, caller, a1, (void *)a2);
	case __HYPERVISOR_grant_table_op:
		return sim_grant_table_op(x, caller, (unsigned int)a1,
					  (void *)a2, (unsigned int)a3);
	case __HYPERVISOR_update_va_mapping:
		return sim_xen_pv_update_va_mapping(x, caller, a1, a2);
	case __HYPERVISOR_mmu_update:
		return sim_xen_pv_mmu_update(x, caller,
					     (const struct mmu_update *)a1, a2,
					     (unsigned int *)a3);
	case __HYPERVISOR_domctl:
		return sim_xen_domctl(x, caller, (const void *)a1);
	case __HYPERVISOR_vm_assist:
		return sim_xen_vm_assist(x, caller, a1, a2);
	case __HYPERVISOR_multicall:
		return sim_xen_do_multicall(x, caller,
					    (struct multicall_entry *)a1, a2);
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
	rc = sim_xen_dispatch_locked(x, caller, op, a1, a2, a3);
out:
	pthread_mutex_unlock(&xi->lock);
	return rc;
}
