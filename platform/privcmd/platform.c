// SPDX-License-Identifier: MIT
/*
 * struct dmk_platform over privcmd: what the library gets in dom0 user
 * space, and what it does not.
 *
 *   - hypercall: privcmd.
 *   - pages: the locked pool (pool.c); no linear map, so phys_to_virt
 *     and virt_to_phys go through the pool's index (platform.h allows a
 *     platform without one since the privcmd platform needs it).
 *   - cache maintenance: arm64 user space may clean and clean+invalidate
 *     to the point of coherency (DC CVAC / DC CIVAC; Linux sets
 *     SCTLR_EL1.UCI), but not invalidate alone (DC IVAC is EL1 only), so
 *     an invalidate is done as clean+invalidate, which is what Linux's
 *     dcache_inval_poc does at partial lines too.  arm32 user space has
 *     no maintenance to the point of coherency (the cacheflush syscall
 *     reaches the point of unification only), and x86 caches are
 *     coherent: cache_maint is NULL there, which tells the library that
 *     only coherent devices are right.
 *   - no non-cacheable mapping of RAM, no IOMMU.
 *   - x86 PV: the pool's part of the p2m (xen_pv_p2m) when the dmk_p2m
 *     module is loaded, none without it: user space cannot read the
 *     kernel's pfn -> mfn table itself (privcmd.h).
 */
#include "privcmd-internal.h"

#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/features.h>
#include <xen/version.h>

static void *pc_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			    dmk_phys_t *phys)
{
	struct dmk_privcmd *pc = ctx;
	uint64_t frame;
	void *va = dmk_privcmd_pool_alloc(&pc->pool, order, limit, &frame);

	if (va)
		*phys = frame << DMK_PAGE_SHIFT;
	return va;
}

static void pc_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	struct dmk_privcmd *pc = ctx;

	dmk_privcmd_pool_free(&pc->pool, phys >> DMK_PAGE_SHIFT, order);
}

#if defined(__aarch64__)
static void pc_cache_maint(void *ctx, dmk_phys_t phys, size_t size,
			   enum dmk_cache_op op)
{
	struct dmk_privcmd *pc = ctx;
	uint64_t ctr;
	size_t line;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = (size_t)4 << ((ctr >> 16) & 0xf); /* DminLine, in bytes */
	for (dmk_phys_t p = phys & ~(dmk_phys_t)(line - 1); p < phys + size;
	     p += line) {
		uint8_t *va = dmk_privcmd_pool_frame_to_va(&pc->pool,
							   p >> DMK_PAGE_SHIFT);

		if (!va)
			continue;
		va += p & (DMK_PAGE_SIZE - 1);
		if (op == DMK_CACHE_CLEAN)
			__asm__ volatile("dc cvac, %0" : : "r"(va) : "memory");
		else
			__asm__ volatile("dc civac, %0" : : "r"(va) : "memory");
	}
	__asm__ volatile("dsb sy" : : : "memory");
}
#endif

static long pc_hypercall(void *ctx, unsigned int op, unsigned long a1,
			 unsigned long a2, unsigned long a3)
{
	return dmk_privcmd_hypercall(ctx, op, a1, a2, a3);
}

static unsigned int pc_cpu_id(void *ctx)
{
	int cpu = sched_getcpu();

	(void)ctx;
	return cpu < 0 ? 0 : (unsigned int)cpu;
}

static uint64_t pc_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pc_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	static const char *const tag[] = {"error", "warning", "info"};

	(void)ctx;
	fprintf(stderr, "dmakit: %s: %s\n",
		(unsigned int)level < 3 ? tag[level] : "log", msg);
}

static void *pc_phys_to_virt(void *ctx, dmk_phys_t phys)
{
	struct dmk_privcmd *pc = ctx;
	uint8_t *va =
		dmk_privcmd_pool_frame_to_va(&pc->pool, phys >> DMK_PAGE_SHIFT);

	return va ? va + (phys & (DMK_PAGE_SIZE - 1)) : NULL;
}

static dmk_phys_t pc_virt_to_phys(void *ctx, const void *va)
{
	struct dmk_privcmd *pc = ctx;
	uint64_t frame = dmk_privcmd_pool_va_to_frame(&pc->pool, va);

	if (frame == DMK_PRIVCMD_NO_FRAME)
		return ~(dmk_phys_t)0;
	return (frame << DMK_PAGE_SHIFT) |
	       ((uintptr_t)va & (DMK_PAGE_SIZE - 1));
}

static const struct dmk_platform_ops pc_ops = {
	.alloc_pages = pc_alloc_pages,
	.free_pages = pc_free_pages,
#if defined(__aarch64__)
	.cache_maint = pc_cache_maint,
#endif
	.hypercall = pc_hypercall,
	.cpu_id = pc_cpu_id,
	.now_ns = pc_now_ns,
	.log = pc_log,
	.phys_to_virt = pc_phys_to_virt,
	.virt_to_phys = pc_virt_to_phys,
};

/* XENVER_get_features submap 0, or 0 when Xen does not answer. */
static uint32_t features(struct dmk_privcmd *pc)
{
	struct xen_feature_info fi = {.submap_idx = 0};

	if (dmk_privcmd_hypercall(pc, __HYPERVISOR_xen_version,
				  XENVER_get_features, (unsigned long)&fi, 0))
		return 0;
	return fi.submap;
}

/* x86 PV: a p2m the library can index by pfn, holding the pool's
 * machine frames (~0 for every other pfn: not ours to name). */
static void pv_p2m_init(struct dmk_privcmd *pc)
{
	struct dmk_privcmd_pool *pool = &pc->pool;
	uint64_t n = pool->pages[pool->npages - 1].frame + 1;

	pc->pv_p2m = malloc(n * sizeof(*pc->pv_p2m));
	if (!pc->pv_p2m)
		return;
	for (uint64_t i = 0; i < n; i++)
		pc->pv_p2m[i] = ~0ULL;
	for (size_t i = 0; i < pool->npages; i++)
		pc->pv_p2m[pool->pages[i].frame] =
			dmk_privcmd_mfn(pc, pool->pages[i].frame);
	pc->plat.xen_pv_p2m = pc->pv_p2m;
	pc->plat.xen_pv_nr_pages = n;
}

void dmk_privcmd_platform_init(struct dmk_privcmd *pc)
{
	struct dmk_platform *p = &pc->plat;
	uint32_t f = features(pc);
	struct dmk_privcmd_pool *pool = &pc->pool;

	p->ops = &pc_ops;
	p->ctx = pc;
#if defined(__aarch64__)
	p->arch = DMK_ARCH_ARM64;
#elif defined(__arm__)
	p->arch = DMK_ARCH_ARM32;
#elif defined(__x86_64__)
	p->arch = DMK_ARCH_X86_64;
#else
	p->arch = DMK_ARCH_HOST;
#endif
	p->nr_cpus = (unsigned int)(sysconf(_SC_NPROCESSORS_ONLN) > 0
					    ? sysconf(_SC_NPROCESSORS_ONLN)
					    : 1);
	p->linear_base = NULL;
	if (pool->npages) {
		p->ram_start = pool->pages[0].frame << DMK_PAGE_SHIFT;
		p->ram_end = (pool->pages[pool->npages - 1].frame + 1)
			     << DMK_PAGE_SHIFT;
	}
	p->xen = true;
	p->xen_pv = !(f & (1U << XENFEAT_auto_translated_physmap));
	p->xen_initial_domain = f & (1U << XENFEAT_dom0);
	/* A domU's own id is in xenstore, not in any hypercall answer. */
	p->domid = p->xen_initial_domain ? 0 : DOMID_SELF;
	p->xen_pv_p2m = NULL;
	p->xen_pv_nr_pages = 0;
	if (p->xen_pv && pc->p2m_fd >= 0 && pool->npages)
		pv_p2m_init(pc);
}

const struct dmk_platform *dmk_privcmd_platform(struct dmk_privcmd *pc)
{
	return &pc->plat;
}
