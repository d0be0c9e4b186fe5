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

/* Where the default bounce pool's last byte goes when the configuration
 * does not say: below 4 GiB, as Linux's swiotlb_init. */
#define DMK_SWIOTLB_DEFAULT_LIMIT 0xffffffffULL

/*
 * swiotlb_bytes = DMK_SWIOTLB_SIZE_AUTO sizes the default pool as Linux
 * does: 64 MiB (IO_TLB_DEFAULT_SIZE) when the pool is there for
 * addressing (RAM reaches above the pool's limit, Linux's arm64 test
 * max_pfn > arm64_dma_phys_limit), under swiotlb-xen, or when forced;
 * otherwise the pool only serves odd cases (arm64 since 6.5 keeps it for
 * kmalloc bouncing) and gets 1 MiB per GiB of RAM, in whole 256 KiB
 * segments, at most 64 MiB.  A 32 MiB board thus gets 256 KiB, not half
 * its memory.  The platform's RAM span stands for memblock's total.
 */
#define DMK_SWIOTLB_SIZE_AUTO ((size_t)-1)

struct dmk_system_config {
	size_t swiotlb_bytes; /* default pool; 0 = no swiotlb; or _AUTO */
	unsigned int swiotlb_nareas; /* 0 = nr_cpus rounded up to 2^n */
	dmk_phys_t swiotlb_limit; /* pool's last byte at or below; 0 = 4 GiB */
	bool swiotlb_force; /* bounce every streaming map (swiotlb=force) */
	/* Linux 6.6's CONFIG_SWIOTLB_DYNAMIC: transient pools for maps the
	 * default pool cannot serve, more pools as it fills (swiotlb.md). */
	bool swiotlb_dynamic;
	/* Bring up swiotlb-xen when the platform is on Xen (it then decides
	 * per guest mode what it needs, as Linux's xen_swiotlb_detect). */
	bool xen;
	/* The hypervisor has the 2013 series' exchange-and-pin (xen-ext.h),
	 * which a dom0 that is not mapped 1:1 needs for machine-contiguous
	 * memory.  Real Xen has not: leave it off for Xen 4.17. */
	bool xen_exchange_and_pin;
	/* Linux's CONFIG_XEN_VIRTIO_FORCE_GRANT: every virtio device
	 * (dmk_xen_virtio_device) that firmware gives no grant binding uses
	 * grant DMA with dom0 as its backend (docs/grant-dma.md). */
	bool xen_virtio_force_grant;
	bool debug; /* the DMA-API debug checker */
};

void dmk_system_config_default(struct dmk_system_config *cfg);

/* Returns 0 and *out, or -DMK_E*; the only allocating constructor. */
int dmk_system_create(struct dmk_system **out, const struct dmk_platform *plat,
		      const struct dmk_system_config *cfg);
void dmk_system_destroy(struct dmk_system *sys);
const struct dmk_platform *dmk_system_platform(const struct dmk_system *sys);

/* ---- swiotlb ---- */

struct dmk_swiotlb;

struct dmk_swiotlb_stats {
	dmk_phys_t start, end; /* the pool's guest-physical span */
	uint64_t nslabs;       /* io_tlb_nslabs: 2 KiB slots */
	uint64_t used;	       /* io_tlb_used */
	uint64_t used_hiwater; /* io_tlb_used_hiwater */
	uint64_t bounced_maps;
	uint64_t bounced_bytes;
	uint64_t full; /* maps refused for lack of slots */
	uint64_t nareas;
	/* A dynamic swiotlb (dmk_swiotlb_stats only; else pools = 1 and
	 * the rest 0).  nslabs, used, used_hiwater, bounced_* and full
	 * above are then summed over the default and the grown pools, used
	 * with the transient pools' slots too. */
	uint64_t pools;		     /* the default one and grown ones */
	uint64_t grow_failed;	     /* growths that could not be made */
	uint64_t transient_pools;    /* alive now */
	uint64_t transient_total;    /* made since the start */
	uint64_t transient_failed;   /* could not be made (map failed) */
	uint64_t transient_slots;    /* slots of the live ones */
	uint64_t pool_bytes;	     /* every pool's memory now */
	uint64_t pool_bytes_hiwater; /* the most pool memory held at once */
	uint64_t pools_hiwater;	     /* the most pools at once */
};

/* The default pool's numbers; -DMK_ENODEV when there is none. */
int dmk_swiotlb_stats(struct dmk_system *sys, struct dmk_swiotlb_stats *st);
int dmk_swiotlb_pool_stats(struct dmk_swiotlb *pool,
			   struct dmk_swiotlb_stats *st);
void dmk_swiotlb_reset_hiwater(struct dmk_system *sys);
/*
 * Add a pool to a dynamic swiotlb now: what the growth work does
 * (Linux's swiotlb_dyn_alloc), for a platform worker or a test.
 * 0; -DMK_ENODEV without a dynamic swiotlb; -DMK_ENOMEM without
 * pages below the limit or at the most pools (32 grown); or what the
 * remap hook (swiotlb-xen) refused with.
 */
int dmk_swiotlb_grow(struct dmk_system *sys);

/*
 * A restricted-dma-pool: a per-device swiotlb over [phys, phys+size)
 * that every mapping and coherent allocation of the device uses, under
 * swiotlb-xen too.  0; -DMK_EINVAL for a range outside RAM or smaller
 * than a slot; -DMK_ENOMEM; -DMK_ENOTSUP under swiotlb-xen when the
 * guest's frames there are not the machine frames of the same address
 * (a dom0 that is not direct-mapped, a PV guest): the pool is the
 * machine memory the tree names, the only memory its devices may reach
 * (docs/swiotlb-xen.md).
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

/*
 * The page sizes the platform's IOMMU maps (Linux's
 * domain->pgsize_bitmap: bit n set, 2^n bytes).  Coherent and
 * non-contiguous allocations are built from chunks of these sizes, the
 * largest that fit first (never above 4 MiB, Linux's MAX_PAGE_ORDER),
 * sizes below a page counting as a page.  A new domain has
 * DMK_IOMMU_PGSIZES_4K, an ARM LPAE or x86 table with 4 KiB granules.
 * 0, or -DMK_EINVAL for no domain or no size.
 */
#define DMK_IOMMU_PGSIZES_4K ((1ULL << 12) | (1ULL << 21) | (1ULL << 30))
int dmk_iommu_domain_set_pgsize_bitmap(struct dmk_iommu_domain *dom,
				       uint64_t pgsize_bitmap);

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
