/* SPDX-License-Identifier: MIT */
/*
 * dmakit: one operating system's DMA layer (what Linux keeps in globals).
 *
 * A system binds a platform, the default swiotlb pool, the Xen layer
 * and the DMA-API debug checker.  Several systems can live in one
 * process (dom0 and a domU, or the same machine under two designs).
 */
#ifndef DMAKIT_SYSTEM_H
#define DMAKIT_SYSTEM_H

#include <dmakit/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * How the Xen layer meets a device's own dma_ops (the 2013 thread).
 * PER_DEVICE is dmakit's design and the default; the others are the
 * historical designs, kept so that scenarios can show why they fail.
 */
enum dmk_xen_ops_mode {
	DMK_XEN_OPS_PER_DEVICE = 0, /* wrap every device, keep its ops inside */
	DMK_XEN_OPS_DEFAULT_ONLY,   /* Xen ops only as the default (2013) */
	DMK_XEN_OPS_DEVICE_FIRST, /* consolidated get_dma_ops: dev ops win (2017) */
};

struct dmk_system_config {
	size_t swiotlb_bytes;	     /* default pool; 0 = no swiotlb */
	unsigned int swiotlb_nareas; /* 0 = nr_cpus rounded up to 2^n */
	dmk_phys_t swiotlb_limit; /* pool's last byte at or below; 0 = 4 GiB */
	bool swiotlb_force; /* bounce every streaming map (swiotlb=force) */
	bool xen; /* bring up swiotlb-xen when the platform is on Xen */
	enum dmk_xen_ops_mode xen_ops_mode;
	bool xen_exchange_and_pin; /* use the 2013 series' extension */
	bool debug;		   /* the DMA-API debug checker */
	/*
	 * Historical or naive designs (DMK_NAIVE_*), for the scenarios
	 * only (dmakit scenarios); never set in production.  0 = dmakit.
	 */
	unsigned int naive;
};

/* xen_alloc_coherent_pages takes free (cacheable) pages on every arch,
 * as x86 does ("On native x86 and ARMv8 is sufficient to call
 * __get_free_pages"). */
#define DMK_NAIVE_XEN_FREE_PAGES (1U << 0)
/* The bounce pool is assumed coherent: no cache maintenance on bounce
 * slots for a non-coherent device (what series patch 13 fixed). */
#define DMK_NAIVE_BOUNCE_COHERENT (1U << 1)
/* Contiguous regions of a non-1:1 ARM guest come from plain
 * XENMEM_exchange, unpinned, instead of exchange-and-pin. */
#define DMK_NAIVE_XEN_NO_PIN (1U << 2)

void dmk_system_config_default(struct dmk_system_config *cfg);

/* Returns 0 and *out, or -DMK_E*; the only allocating constructor. */
int dmk_system_create(struct dmk_system **out, const struct dmk_platform *plat,
		      const struct dmk_system_config *cfg);
void dmk_system_destroy(struct dmk_system *sys);
const struct dmk_platform *dmk_system_platform(const struct dmk_system *sys);

/* ---- swiotlb ---- */

struct dmk_swiotlb;

struct dmk_swiotlb_stats {
	uint64_t nslabs;       /* io_tlb_nslabs: 2 KiB slots */
	uint64_t used;	       /* io_tlb_used */
	uint64_t used_hiwater; /* io_tlb_used_hiwater */
	uint64_t bounced_maps;
	uint64_t bounced_bytes;
	uint64_t full; /* maps refused for lack of slots */
	uint64_t nareas;
};

/* The default pool's numbers; -DMK_ENODEV when there is none. */
int dmk_swiotlb_stats(struct dmk_system *sys, struct dmk_swiotlb_stats *st);
int dmk_swiotlb_pool_stats(struct dmk_swiotlb *pool,
			   struct dmk_swiotlb_stats *st);
void dmk_swiotlb_reset_hiwater(struct dmk_system *sys);

/*
 * A restricted-dma-pool: a per-device swiotlb over [phys, phys+size)
 * that every mapping and coherent allocation of the device uses.
 */
int dmk_swiotlb_create_restricted(struct dmk_system *sys, dmk_phys_t phys,
				  size_t size, struct dmk_swiotlb **out);
void dmk_swiotlb_destroy_restricted(struct dmk_swiotlb *pool);

/* ---- IOMMU ---- */

struct dmk_iommu_domain;

/* A DMA domain over the platform IOMMU handle, IOVAs in [base, base+size). */
int dmk_iommu_domain_create(struct dmk_system *sys, void *platform_iommu,
			    uint64_t iova_base, uint64_t iova_size,
			    struct dmk_iommu_domain **out);
void dmk_iommu_domain_destroy(struct dmk_iommu_domain *dom);

/* ---- DMA-API debug ---- */

struct dmk_debug_stats {
	uint64_t errors;	/* misuse reports */
	uint64_t live_mappings; /* streaming mappings not unmapped */
	uint64_t live_allocs;	/* coherent buffers not freed */
	uint64_t unchecked;	/* mappings whose error was never tested */
};

int dmk_debug_stats(struct dmk_system *sys, struct dmk_debug_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_SYSTEM_H */
