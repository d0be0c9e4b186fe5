/* SPDX-License-Identifier: MIT */
/*
 * dmakit: the Xen layer (swiotlb-xen, contiguous regions, grants).
 *
 * Names follow Linux so a reader of the 2013 thread finds their way:
 * xen_alloc_coherent_pages is dmk_xen_alloc_coherent_pages, pfn_to_bfn
 * is dmk_xen_pfn_to_bfn, and so on.  A "bfn" is a bus frame: the
 * machine frame a device sees (before the device's dma-ranges offset).
 *
 * Three kinds of address meet here, and each has its own type: a
 * guest-physical address (dmk_phys_t: IPA on ARM, pseudo-physical on x86
 * PV), a machine address (dmk_maddr_t, a struct as Linux's xmaddr_t so
 * that the compiler refuses to mix it up with the other two) and a bus
 * address (dmk_addr_t: the machine address plus the device's offset).
 */
#ifndef DMAKIT_XEN_H
#define DMAKIT_XEN_H

#include <dmakit/dma-map-ops.h>
#include <dmakit/system.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMK_INVALID_BFN (~0ULL)

/* A machine address: what indexes the machine's RAM under Xen. */
typedef struct {
	uint64_t maddr;
} dmk_maddr_t;
#define DMK_MADDR_INVALID ((dmk_maddr_t){~0ULL})

/* The ops swiotlb-xen installs on each device it wraps. */
extern const struct dmk_dma_map_ops dmk_xen_swiotlb_dma_ops;

/* Guest frame to bus frame as this guest knows it; DMK_INVALID_BFN when
 * the guest cannot know (a non-1:1 ARM guest's ordinary RAM).  Identity
 * on a system without the Xen layer. */
uint64_t dmk_xen_pfn_to_bfn(struct dmk_system *sys, uint64_t pfn);
uint64_t dmk_xen_bfn_to_pfn(struct dmk_system *sys, uint64_t bfn);

/*
 * Make [pstart, pstart + 2^order pages) machine-contiguous below
 * 2^address_bits (XENMEM_exchange, order <= 9) and return its machine
 * address in *ma.  Identity on a 1:1 ARM dom0.  On failure the old
 * frames are back in place and -DMK_E* is returned: -DMK_EINVAL (no Xen
 * layer, order above 9, pstart not page aligned), -DMK_ERANGE (a 1:1
 * region beyond address_bits), -DMK_ENOMEM (Xen had no such memory),
 * -DMK_ENOTSUP (the hypervisor cannot exchange for this guest).
 */
int dmk_xen_create_contiguous_region(struct dmk_system *sys, dmk_phys_t pstart,
				     unsigned int order,
				     unsigned int address_bits,
				     dmk_maddr_t *ma);
void dmk_xen_destroy_contiguous_region(struct dmk_system *sys,
				       dmk_phys_t pstart, unsigned int order);

/*
 * The per-architecture rules of the thread: xen_alloc_coherent_pages,
 * xen_free_coherent_pages and xen_arch_need_swiotlb.  The layer takes
 * the table of the platform's architecture when it attaches: x86 (free
 * pages: every device snoops), 32-bit ARM (the device's arm_dma_ops,
 * non-cacheable for a non-coherent device), ARM64 (the alloc of the
 * device's own ops underneath swiotlb-xen).  A port whose rules differ
 * sets its own table once, before any device is set up; the scenarios
 * use it to run the thread's naive design (x86's rule on ARM).
 * Returns 0, or -DMK_EINVAL when sys has no Xen layer.
 */
struct dmk_xen_arch;
extern const struct dmk_xen_arch dmk_xen_arch_x86;
extern const struct dmk_xen_arch dmk_xen_arch_arm;
extern const struct dmk_xen_arch dmk_xen_arch_arm64;
int dmk_xen_set_arch(struct dmk_system *sys, const struct dmk_xen_arch *arch);

void *dmk_xen_alloc_coherent_pages(struct dmk_device *dev, size_t size,
				   dmk_addr_t *dma_handle, unsigned long attrs);
void dmk_xen_free_coherent_pages(struct dmk_device *dev, size_t size,
				 void *cpu_addr, dmk_addr_t dma_handle,
				 unsigned long attrs);

/* ---- Grants (front end grants, back end maps) ---- */

/* Grant domain 'to' access to the page at phys; returns ref >= 0. */
int dmk_xen_grant_access(struct dmk_system *sys, uint16_t to, dmk_phys_t phys,
			 bool readonly);
/* Revoke; -DMK_EIO while the peer still maps it. */
int dmk_xen_end_access(struct dmk_system *sys, int ref);

struct dmk_xen_foreign_page {
	dmk_phys_t phys; /* where the page appears in this guest */
	void *va;	 /* its linear-map address */
	uint64_t bfn;	 /* the machine frame behind it */
	uint32_t handle; /* grant handle, for unmap */
};

/* Map (domid, ref) into this guest: a ballooned frame gets the foreign
 * page and pfn_to_bfn learns it.  Returns 0 or -DMK_E*. */
int dmk_xen_map_foreign(struct dmk_system *sys, uint16_t domid, int ref,
			bool readonly, struct dmk_xen_foreign_page *out);
int dmk_xen_unmap_foreign(struct dmk_system *sys,
			  struct dmk_xen_foreign_page *page);

/* ---- Grant DMA (Linux's drivers/xen/grant-dma-ops.c) ---- */

/*
 * A device whose DMA is done by a backend in another domain (a virtio
 * device emulated in dom0) cannot be handed guest frames: the backend
 * owns none of them.  Its bus addresses are grant references instead:
 * bit 63 set, the reference above the 4 KiB page offset (Linux's
 * XEN_GRANT_DMA_ADDR_OFF), each page granted to the backend domain when
 * mapped and revoked when unmapped.  docs/grant-dma.md.
 */
#define DMK_XEN_GRANT_DMA_ADDR_OFF (1ULL << 63)

static inline bool dmk_xen_grant_dma_decode(dmk_addr_t addr, uint32_t *ref,
					    uint32_t *offset)
{
	if (!(addr & DMK_XEN_GRANT_DMA_ADDR_OFF) ||
	    ((addr & ~DMK_XEN_GRANT_DMA_ADDR_OFF) >> 12) > UINT32_MAX)
		return false;
	*ref = (uint32_t)((addr & ~DMK_XEN_GRANT_DMA_ADDR_OFF) >> 12);
	*offset = (uint32_t)(addr & 0xfff);
	return true;
}

/* The ops of a device on grant DMA (the chain shows "xen-grant-dma"). */
extern const struct dmk_dma_map_ops dmk_xen_grant_dma_ops;

/*
 * What firmware tells before dmk_device_setup_dma.  bind: the device
 * tree's `iommus = <&xen_grant_dma DOMID>` with the node compatible
 * "xen,grant-dma": the device's backend is domain backend_domid.
 * virtio_device: the device is a virtio device; without a binding it
 * uses grant DMA with dom0 as its backend when the system says so
 * (cfg.xen_virtio_force_grant, Linux's CONFIG_XEN_VIRTIO_FORCE_GRANT) or
 * the guest is x86 PV (Linux's xen_pv_domain()).  Both return 0,
 * -DMK_ENODEV (the system has no Xen layer), -DMK_EINVAL (no device
 * state) or -DMK_ENOMEM.
 */
int dmk_xen_grant_dma_bind(struct dmk_device *dev, uint16_t backend_domid);
int dmk_xen_virtio_device(struct dmk_device *dev);

/* The backend domain of a device on grant DMA, or -DMK_ENODEV. */
int dmk_xen_grant_dma_backend(struct dmk_device *dev);

struct dmk_xen_stats {
	uint64_t pages_exchanged;   /* frames moved by XENMEM_exchange */
	uint64_t contig_regions;    /* live contiguous regions */
	uint64_t foreign_maps;	    /* live foreign mappings */
	uint64_t cache_flush_calls; /* GNTTABOP_cache_flush issued */
	uint64_t bounced;	    /* maps swiotlb-xen bounced */
	uint64_t grants_live;	    /* grant references handed out */
	uint64_t grant_frames;	    /* grant-table frames mapped */
	uint64_t grant_max_frames;  /* the hypervisor's limit (0: not asked) */
};

/* -DMK_ENODEV when the system has no Xen layer. */
int dmk_xen_stats(struct dmk_system *sys, struct dmk_xen_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_XEN_H */
