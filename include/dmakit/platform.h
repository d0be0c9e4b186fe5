/* SPDX-License-Identifier: MIT */
/*
 * dmakit: what a platform provides to the DMA layer.
 *
 * The library needs a few things from the world: guest pages, cache
 * maintenance, a non-cacheable view of memory, hypercalls and IOMMU page
 * tables.  A platform (the simulator in sim/, the host platform in
 * host.h, or a real kernel) fills struct dmk_platform; the library
 * reaches the world only through it.  This is NetBSD's split between
 * bus_dma(9) as drivers see it and the machine-dependent back end.
 *
 * Addresses here are guest-physical (dmk_phys_t) unless named otherwise.
 * Pages are 4 KiB (DMK_PAGE_SIZE), the Xen page size on every arch.
 */
#ifndef DMAKIT_PLATFORM_H
#define DMAKIT_PLATFORM_H

#include <dmakit/dma.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DMK_PAGE_SHIFT 12
#define DMK_PAGE_SIZE (1UL << DMK_PAGE_SHIFT)
#define DMK_CACHE_LINE 64

enum dmk_arch {
	DMK_ARCH_HOST = 0, /* plain host memory, coherent, no hypervisor */
	DMK_ARCH_X86_64,
	DMK_ARCH_ARM32,
	DMK_ARCH_ARM64,
};

enum dmk_cache_op {
	DMK_CACHE_CLEAN, /* write dirty lines back to DRAM (dcache_clean_poc) */
	DMK_CACHE_INVAL, /* drop lines, dirty data lost (dcache_inval_poc) */
	DMK_CACHE_CLEAN_INVAL,
};

enum dmk_log_level { DMK_LOG_ERR, DMK_LOG_WARN, DMK_LOG_INFO };

/*
 * The memory type of a vmap, as Linux's dma_pgprot() picks it for a
 * coherent allocation (kernel/dma/mapping.c): PAGE_KERNEL for a device
 * that snoops the CPU's caches, else pgprot_writecombine with
 * DMK_ATTR_WRITE_COMBINE, else pgprot_dmacoherent.  A platform maps
 * each to what its architecture has: on arm64 WRITE_COMBINE and
 * DMA_COHERENT are both Normal Non-cacheable (which is why arm64 Linux
 * does not even select ARCH_HAS_DMA_WRITE_COMBINE); they differ on
 * 32-bit ARM without ARM_DMA_MEM_BUFFERABLE (Strongly-ordered against
 * bufferable) and on architectures whose uncached type forbids write
 * gathering.
 */
enum dmk_vmap_prot {
	DMK_VMAP_CACHED = 0,	    /* PAGE_KERNEL: the linear map's type */
	DMK_VMAP_DMA_COHERENT = 1,  /* pgprot_dmacoherent */
	DMK_VMAP_WRITE_COMBINE = 2, /* pgprot_writecombine */
};

/* IOMMU mapping permissions. */
#define DMK_IOMMU_READ (1 << 0)
#define DMK_IOMMU_WRITE (1 << 1)
/* Linux's IOMMU_MMIO and IOMMU_PRIV bits: the page is a device's MMIO
 * (map_resource), the access is privileged (DMK_ATTR_PRIVILEGED).  A
 * platform whose IOMMU has no such distinction may ignore them. */
#define DMK_IOMMU_MMIO (1 << 4)
#define DMK_IOMMU_PRIV (1 << 5)

struct dmk_platform_ops {
	/*
	 * 2^order guest-physically contiguous pages whose last byte is at or
	 * below limit (a GFP_DMA32-like constraint; ~0 for any).  Returns the
	 * cacheable linear-map address and stores the guest-physical one, or
	 * returns NULL.  Contents are undefined.
	 */
	void *(*alloc_pages)(void *ctx, unsigned int order, dmk_phys_t limit,
			     dmk_phys_t *phys);
	void (*free_pages)(void *ctx, dmk_phys_t phys, unsigned int order);

	/* Cache maintenance to the point of coherency, by guest-physical range.
	 * NULL on a platform whose CPU caches every device snoops. */
	void (*cache_maint)(void *ctx, dmk_phys_t phys, size_t size,
			    enum dmk_cache_op op);

	/* A non-cacheable view of [phys, phys + size) (page aligned): what the
	 * ARM allocators hand out for a non-coherent device.  NULL if the
	 * platform cannot (then non-coherent devices cannot get coherent
	 * memory). */
	void *(*map_uncached)(void *ctx, dmk_phys_t phys, size_t size);
	void (*unmap_uncached)(void *ctx, void *va, size_t size);

	/*
	 * One entry for every hypercall, with Xen's numbers
	 * (__HYPERVISOR_memory_op, ...) and argument structures from Xen's
	 * public headers.  Returns what Xen returns.  NULL when not on Xen.
	 */
	long (*hypercall)(void *ctx, unsigned int op, unsigned long a1,
			  unsigned long a2, unsigned long a3);

	/* IOMMU page tables of the domain that handle names (see iommu.c). */
	int (*iommu_map)(void *ctx, void *iommu, uint64_t iova, dmk_phys_t phys,
			 size_t size, int prot);
	void (*iommu_unmap)(void *ctx, void *iommu, uint64_t iova, size_t size);

	/* Which CPU runs this (for swiotlb areas); NULL means 0. */
	unsigned int (*cpu_id)(void *ctx);
	/* Monotonic nanoseconds, for rate-limited warnings; NULL means none. */
	uint64_t (*now_ns)(void *ctx);
	/*
	 * Deferred work (Linux's schedule_work), for a dynamic swiotlb's
	 * growth: run fn(arg) soon on a thread of the platform's, return 0;
	 * nonzero when it cannot (the library then runs it at once).
	 * flush_work waits until every fn queued has returned.  Both or
	 * neither; NULL: the work runs in the call that asked for it.
	 */
	int (*defer_work)(void *ctx, void (*fn)(void *arg), void *arg);
	void (*flush_work)(void *ctx);
	/* One line of kernel log, without a newline. */
	void (*log)(void *ctx, enum dmk_log_level level, const char *msg);

	/*
	 * Only for a platform without a linear map (linear_base NULL), such
	 * as dom0 user space over privcmd, whose pages sit wherever mmap put
	 * them: the CPU address of a guest-physical address and back.
	 * virt_to_phys returns DMK_PHYS_ERROR (~0) for an address that is not
	 * the platform's RAM.
	 */
	void *(*phys_to_virt)(void *ctx, dmk_phys_t phys);
	dmk_phys_t (*virt_to_phys)(void *ctx, const void *va);

	/* Whether the page at phys is the guest's RAM (Linux's pfn_valid),
	 * for dmk_map_resource, which refuses RAM.  NULL: RAM is every
	 * address in [ram_start, ram_end). */
	bool (*phys_is_ram)(void *ctx, dmk_phys_t phys);

	/*
	 * For the debug checker, what a mapping must never cover (Linux's
	 * check_for_stack, check_for_illegal_area): the DMK_REGION_* bits
	 * of the kernel regions [phys, phys + size) meets.  NULL: none.
	 */
	unsigned int (*phys_regions)(void *ctx, dmk_phys_t phys, size_t size);
	/* Whether va is in the kernel's vmalloc / vmap area, where CPU
	 * addresses are not the linear map's (is_vmalloc_addr): a
	 * non-cacheable alias, a remapped buffer.  NULL: there is none. */
	bool (*virt_is_vmap)(void *ctx, const void *va);

	/*
	 * Linux's vmap() / vunmap(), as dma_common_pages_remap uses them:
	 * the npages pages at pages[0..npages) (guest-physical, page
	 * aligned, in any order, none twice) made one contiguous range of
	 * CPU virtual addresses of the memory type prot.  Returns its start
	 * or NULL; the pages' contents are untouched.  vunmap takes what
	 * vmap returned and undoes exactly that mapping (the platform keeps
	 * its size, as Linux's vm_struct does).  Both or neither.
	 *
	 * Optional.  Without it the CPU sees only what the linear map and
	 * map_uncached show: a coherent allocation behind an IOMMU is one
	 * physically contiguous block (Linux's iommu_dma_alloc without
	 * remapping), and dmk_vmap_noncontiguous works only for chunks
	 * that follow each other guest-physically.
	 */
	void *(*vmap)(void *ctx, const dmk_phys_t *pages, size_t npages,
		      enum dmk_vmap_prot prot);
	void (*vunmap)(void *ctx, void *va);
};

/* What phys_regions reports. */
#define DMK_REGION_STACK (1U << 0)  /* the running task's stack */
#define DMK_REGION_TEXT (1U << 1)   /* kernel text (_stext.._etext) */
#define DMK_REGION_RODATA (1U << 2) /* kernel rodata */

struct dmk_platform {
	const struct dmk_platform_ops *ops;
	void *ctx;
	enum dmk_arch arch;
	unsigned int nr_cpus;

	/* The linear map: the CPU address of guest-physical p is
	 * linear_base + p, for every page of RAM the guest has.  NULL when
	 * the platform has none: ops->phys_to_virt and virt_to_phys then
	 * translate. */
	uint8_t *linear_base;
	dmk_phys_t ram_start, ram_end; /* guest-physical span of RAM */

	/*
	 * Xen.  xen is set when a hypervisor is below; the rest is what a
	 * guest learns at boot (XENVER_get_features tells the same).
	 * xen_pv_p2m is x86 PV's start_info mfn_list: the guest's own p2m.
	 */
	bool xen;
	bool xen_pv;
	bool xen_initial_domain;
	uint16_t domid;
	const uint64_t *xen_pv_p2m;
	uint64_t xen_pv_nr_pages;
};

/* Linux's get_order(): the order of the block that holds size bytes. */
static inline unsigned int dmk_get_order(size_t size)
{
	unsigned int order = 0;

	while ((DMK_PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Linux's fls64(): the 1-based index of the highest set bit, 0 for 0. */
static inline unsigned int dmk_fls64(uint64_t x)
{
	return x ? 64 - (unsigned int)__builtin_clzll(x) : 0;
}

static inline void *dmk_phys_to_virt(const struct dmk_platform *p,
				     dmk_phys_t phys)
{
	if (__builtin_expect(p->linear_base == NULL, 0))
		return p->ops->phys_to_virt(p->ctx, phys);
	return p->linear_base + phys;
}

/* ~0 for an address outside the linear map (below its base). */
static inline dmk_phys_t dmk_virt_to_phys(const struct dmk_platform *p,
					  const void *va)
{
	if (__builtin_expect(p->linear_base == NULL, 0))
		return p->ops->virt_to_phys(p->ctx, va);
	if ((const uint8_t *)va < p->linear_base)
		return ~(dmk_phys_t)0;
	return (dmk_phys_t)((const uint8_t *)va - p->linear_base);
}

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_PLATFORM_H */
