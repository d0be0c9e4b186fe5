/* SPDX-License-Identifier: MIT */
/*
 * The naive and historical designs as hooks around the library (see
 * naive.h).  Each is the smallest change that makes the simulated
 * system behave as that design did:
 *
 *   free pages everywhere  x86's xen_alloc_coherent_pages rule on ARM
 *                          (dmk_xen_set_arch), so a non-coherent device
 *                          gets cacheable pages as "coherent" memory;
 *   bounce pool coherent   the platform drops cache maintenance on the
 *                          bounce pools' memory, whoever asks for it;
 *   no pin                 exchange-and-pin goes to the hypervisor as a
 *                          plain XENMEM_exchange and unpin is dropped;
 *   2013 default ops only  after probe, a device whose own ops are not
 *                          the arch's coherent default is unwrapped: it
 *                          bypasses Xen, as Catalin Marinas warned;
 *   2017 device first      every device is unwrapped;
 *   guest frames           after probe, every device on grant DMA is
 *                          unwrapped: a virtio backend in dom0 is handed
 *                          the domU's guest-physical addresses;
 *   PVH as PV              an autotranslated x86 guest is told it is PV
 *                          (the feature bit dropped) and given its pfns
 *                          as its mfn_list: swiotlb-xen where Linux
 *                          would never bring it up.
 */
#include "naive.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/features.h>
#include <xen/memory.h>
#include <xen/version.h>
#include <dmakit/xen-ext.h>

static bool in_pool(const struct naive_design *d,
		    const struct sim_platform_dom *pd, dmk_phys_t phys,
		    size_t size)
{
	struct dmk_swiotlb_stats st;

	for (unsigned int i = 0; i < d->nr_pools; i++)
		if (d->pools[i].pd == pd && phys >= d->pools[i].start &&
		    phys + size <= d->pools[i].end)
			return true;
	if (!d->world)
		return false;
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++)
		if (d->world->pools[i] &&
		    !dmk_swiotlb_pool_stats(d->world->pools[i], &st) &&
		    phys >= st.start && phys + size <= st.end)
			return true;
	return false;
}

static bool naive_cache_maint(void *arg, struct sim_platform_dom *pd,
			      dmk_phys_t phys, size_t size,
			      enum dmk_cache_op op)
{
	const struct naive_design *d = arg;

	(void)op;
	return !(d->naive & NAIVE_BOUNCE_COHERENT) ||
	       !in_pool(d, pd, phys, size);
}

/* NAIVE_PVH_AS_PV: the guest reads its features and ignores that it
 * is autotranslated. */
static bool pvh_as_pv_features(struct sim_platform_dom *pd, unsigned int op,
			       unsigned long a1, unsigned long a2,
			       unsigned long a3, long *ret)
{
	struct xen_feature_info *fi = (struct xen_feature_info *)a2;

	if (op != __HYPERVISOR_xen_version || a1 != XENVER_get_features)
		return false;
	*ret = sim_platform_hypercall(pd, op, a1, a2, a3);
	if (*ret >= 0 && fi->submap_idx == 0)
		fi->submap &= ~(1U << XENFEAT_auto_translated_physmap);
	return true;
}

static bool naive_hypercall(void *arg, struct sim_platform_dom *pd,
			    unsigned int op, unsigned long a1, unsigned long a2,
			    unsigned long a3, long *ret)
{
	const struct naive_design *d = arg;

	if ((d->naive & NAIVE_PVH_AS_PV) &&
	    pvh_as_pv_features(pd, op, a1, a2, a3, ret))
		return true;
	if (!(d->naive & NAIVE_XEN_NO_PIN) || op != __HYPERVISOR_memory_op)
		return false;
	if (a1 == DMK_XENMEM_exchange_and_pin) {
		*ret = sim_platform_hypercall(pd, op, XENMEM_exchange, a2, a3);
		return true;
	}
	if (a1 == DMK_XENMEM_unpin) {
		*ret = 0; /* nothing was pinned */
		return true;
	}
	return false;
}

static const struct sim_platform_hooks naive_platform = {
	.cache_maint = naive_cache_maint,
	.hypercall = naive_hypercall,
};

/*
 * NAIVE_PVH_AS_PV: an autotranslated x86 guest gets a start_info
 * mfn_list that says every pfn is its own machine frame, which is what
 * a guest that takes itself for PV and knows no p2m would believe.
 */
static int naive_guest_boot(void *arg, struct sim_world_guest *g)
{
	struct naive_design *d = arg;
	struct dmk_platform *plat = &g->pd.plat;
	uint64_t nr = plat->ram_end >> DMK_PAGE_SHIFT;

	if (!(d->naive & NAIVE_PVH_AS_PV) || plat->arch != DMK_ARCH_X86_64 ||
	    plat->xen_pv || d->ident_p2m)
		return 0;
	d->ident_p2m = calloc(nr, sizeof(*d->ident_p2m));
	if (!d->ident_p2m)
		return -1;
	for (uint64_t pfn = 0; pfn < nr; pfn++)
		d->ident_p2m[pfn] = pfn;
	plat->xen_pv = true;
	plat->xen_pv_p2m = d->ident_p2m;
	plat->xen_pv_nr_pages = nr;
	return 0;
}

static int naive_system_up(void *arg, struct sim_world_guest *g)
{
	struct naive_design *d = arg;
	struct dmk_swiotlb_stats st;

	if (d->nr_pools < 2 && !dmk_swiotlb_stats(g->sys, &st))
		d->pools[d->nr_pools++] = (struct naive_pool){
			.pd = &g->pd, .start = st.start, .end = st.end};
	/* A guest without the Xen layer has no such rule to replace. */
	if ((d->naive & NAIVE_XEN_FREE_PAGES) &&
	    dmk_xen_stats(g->sys, &(struct dmk_xen_stats){0}) == 0)
		return dmk_xen_set_arch(g->sys, &dmk_xen_arch_x86);
	return 0;
}

void naive_hooks(struct naive_design *d, struct sim_world_options *opts)
{
	d->nr_pools = 0;
	d->world = NULL;
	d->ident_p2m = NULL;
	if (!d->naive)
		return;
	opts->hooks = (struct sim_world_hooks){
		.arg = d,
		.platform = &naive_platform,
		.guest_boot = naive_guest_boot,
		.system_up = naive_system_up,
	};
}

void naive_release(struct naive_design *d)
{
	free(d->ident_p2m);
	d->ident_p2m = NULL;
}

/* Would the 2013 design have left this device on its own ops? */
static bool bypasses_xen(const struct naive_design *d, struct dmk_device *dev)
{
	if (d->xen_ops == XEN_OPS_DEVICE_FIRST)
		return true;
	/* Only the coherent arch default gave way to the Xen default. */
	return dmk_get_native_dma_ops(dev) != &dmk_direct_coherent_ops;
}

/* Take grant DMA off every device that has it. */
static int unwrap_grants(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct dmk_device *dev = &w->devs[i].dev;

		if (dmk_get_dma_ops(dev) == &dmk_xen_grant_dma_ops &&
		    dmk_dma_unwrap(dev))
			return -1;
	}
	return 0;
}

int naive_after_probe(struct naive_design *d, struct sim_world *w)
{
	d->world = w;
	if ((d->naive & NAIVE_GUEST_FRAMES) && unwrap_grants(w))
		return -1;
	if (d->xen_ops == XEN_OPS_PER_DEVICE)
		return 0;
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct dmk_device *dev = &w->devs[i].dev;

		/* Only a device Xen wrapped has anything to bypass. */
		if (dmk_get_dma_ops(dev) != &dmk_xen_swiotlb_dma_ops ||
		    !bypasses_xen(d, dev))
			continue;
		if (dmk_dma_unwrap(dev))
			return -1;
	}
	return 0;
}

static const char *const xen_ops_names[] = {
	[XEN_OPS_PER_DEVICE] = "per-device",
	[XEN_OPS_DEFAULT_ONLY] = "default-only",
	[XEN_OPS_DEVICE_FIRST] = "device-first",
};

const char *xen_ops_design_name(enum xen_ops_design m)
{
	return (unsigned int)m < 3 ? xen_ops_names[m] : NULL;
}

int xen_ops_design_parse(const char *s, enum xen_ops_design *m)
{
	for (unsigned int i = 0; i < 3; i++)
		if (!strcmp(s, xen_ops_names[i])) {
			*m = (enum xen_ops_design)i;
			return 0;
		}
	return -1;
}
