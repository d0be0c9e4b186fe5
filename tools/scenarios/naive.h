/* SPDX-License-Identifier: MIT */
/*
 * The designs the 2013 thread and its aftermath warn against, expressed
 * outside the library: as interposers on the simulated platform, a
 * replaced table of per-architecture rules, and devices unwrapped after
 * their drivers probed.  The library only has dmakit's design; these
 * are what `dmakit scenarios` runs against it, and what `dmakit run
 * --xen-ops` offers.
 */
#ifndef DMAKIT_TOOLS_NAIVE_H
#define DMAKIT_TOOLS_NAIVE_H

#include "world.h"

/* How the Xen layer meets a device's own dma_ops. */
enum xen_ops_design {
	XEN_OPS_PER_DEVICE = 0, /* dmakit: Xen wraps every device */
	XEN_OPS_DEFAULT_ONLY,	/* 2013: Xen ops only as the default */
	XEN_OPS_DEVICE_FIRST,	/* 2017: the device's own ops always win */
};

/* xen_alloc_coherent_pages takes free (cacheable) pages on every arch,
 * as x86 does ("On native x86 and ARMv8 is sufficient to call
 * __get_free_pages"): x86's rule table on ARM. */
#define NAIVE_XEN_FREE_PAGES (1U << 0)
/* The bounce pool is taken for coherent memory: no cache maintenance on
 * its slots for a non-coherent device (what series patch 13 fixed). */
#define NAIVE_BOUNCE_COHERENT (1U << 1)
/* Contiguous regions of a non-1:1 ARM guest from plain XENMEM_exchange,
 * unpinned, instead of exchange-and-pin. */
#define NAIVE_XEN_NO_PIN (1U << 2)
/* A domU's virtio devices on dma-direct: guest frames as bus addresses
 * for a backend in dom0 that owns none of them (no grant DMA ops). */
#define NAIVE_GUEST_FRAMES (1U << 3)
/* swiotlb-xen in an x86 HVM/PVH guest: the guest takes itself for PV
 * (XENFEAT_auto_translated_physmap ignored) and its pfns for machine
 * frames (an identity mfn_list), so it exchanges against an
 * autotranslated guest. */
#define NAIVE_PVH_AS_PV (1U << 4)

struct naive_design {
	unsigned int naive; /* NAIVE_* */
	enum xen_ops_design xen_ops;

	/* Filled as the world boots: each guest's bounce pool. */
	struct naive_pool {
		const struct sim_platform_dom *pd;
		dmk_phys_t start, end;
	} pools[2];
	unsigned int nr_pools;
	struct sim_world *world; /* once built: its restricted pools too */
	/* NAIVE_PVH_AS_PV: the identity mfn_list handed to the guest. */
	uint64_t *ident_p2m;
};

/* Set opts->hooks for d; d must live until the world is destroyed. */
void naive_hooks(struct naive_design *d, struct sim_world_options *opts);
/* The world is destroyed: free what the design allocated. */
void naive_release(struct naive_design *d);
/* The world is built and its drivers probed: the ops design.  0, or -1. */
int naive_after_probe(struct naive_design *d, struct sim_world *w);

/* "per-device", "default-only", "device-first"; NULL for another. */
const char *xen_ops_design_name(enum xen_ops_design m);
/* 0 and *m, or -1 for an unknown name. */
int xen_ops_design_parse(const char *s, enum xen_ops_design *m);

#endif /* DMAKIT_TOOLS_NAIVE_H */
