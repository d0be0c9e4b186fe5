/* SPDX-License-Identifier: MIT */
/*
 * struct dmk_platform over a simulated domain: what the guest OS gives the
 * DMA layer.  Pages come from the domain's buddy allocator and are reached
 * through its linear map; cache maintenance goes page by page through the
 * p2m to the machine's cache model; hypercalls go to the hypervisor the
 * domain runs on.
 */
#include "sim.h"
#include "faults.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sim_platform_dom *pd_of(void *ctx)
{
	return ctx;
}

/* The last frame whose last byte is at or below limit, or ~0 if none. */
static uint64_t limit_to_gfn(dmk_phys_t limit)
{
	if (limit < SIM_PAGE_SIZE - 1)
		return ~0ULL;
	return (limit - (SIM_PAGE_SIZE - 1)) >> SIM_PAGE_SHIFT;
}

static void *plat_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			      dmk_phys_t *phys)
{
	struct sim_domain *d = pd_of(ctx)->dom;
	uint64_t limit_gfn = limit_to_gfn(limit), gfn;

	if (limit_gfn == ~0ULL)
		return NULL;
	if (pd_of(ctx)->faults) {
		char what[48];

		snprintf(what, sizeof(what), "alloc_pages order %u", order);
		if (sim_fault_hit(pd_of(ctx)->faults, SIM_FAULT_ALLOC_PAGES,
				  what))
			return NULL;
	}
	gfn = sim_pagealloc_alloc(d->alloc, order, limit_gfn);
	if (gfn == ~0ULL)
		return NULL;
	*phys = gfn << SIM_PAGE_SHIFT;
	return d->linear + *phys;
}

static void plat_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	sim_pagealloc_free(pd_of(ctx)->dom->alloc, phys >> SIM_PAGE_SHIFT,
			   order);
}

/* By guest-physical range: the CPU maintains by VA, and each VA page
 * resolves through stage-2 to its own machine frame. */
static void plat_cache_maint(void *ctx, dmk_phys_t phys, size_t size,
			     enum dmk_cache_op op)
{
	struct sim_platform_dom *pd = pd_of(ctx);
	struct sim_domain *d = pd->dom;

	if (pd->hooks && pd->hooks->cache_maint &&
	    !pd->hooks->cache_maint(pd->hooks_arg, pd, phys, size, op))
		return;

	while (size) {
		size_t chunk = SIM_PAGE_SIZE - (phys & (SIM_PAGE_SIZE - 1));
		uint64_t mfn =
			sim_domain_gfn_to_mfn(d, phys >> SIM_PAGE_SHIFT, NULL);
		uint64_t ma;

		if (chunk > size)
			chunk = size;
		ma = (mfn << SIM_PAGE_SHIFT) | (phys & (SIM_PAGE_SIZE - 1));
		if (mfn != SIM_INVALID_MFN) {
			if (op == DMK_CACHE_CLEAN)
				sim_cache_clean(d->m, ma, chunk);
			else if (op == DMK_CACHE_INVAL)
				sim_cache_inval(d->m, ma, chunk);
			else
				sim_cache_clean_inval(d->m, ma, chunk);
		}
		phys += chunk;
		size -= chunk;
	}
}

static void *plat_map_uncached(void *ctx, dmk_phys_t phys, size_t size)
{
	if (sim_fault_hit(pd_of(ctx)->faults, SIM_FAULT_MAP_UNCACHED,
			  "map_uncached"))
		return NULL;
	return sim_domain_map_uncached(pd_of(ctx)->dom, phys, size);
}

static void plat_unmap_uncached(void *ctx, void *va, size_t size)
{
	sim_domain_unmap_uncached(pd_of(ctx)->dom, va, size);
}

/* vmap(): the guest's frames, as its pages are its frames here. */
static void *plat_vmap(void *ctx, const dmk_phys_t *pages, size_t npages,
		       enum dmk_vmap_prot prot)
{
	struct sim_platform_dom *pd = pd_of(ctx);
	uint64_t *gfns;
	void *va;

	if (sim_fault_hit(pd->faults, SIM_FAULT_VMAP, "vmap"))
		return NULL;
	if (npages == 0 || npages > SIZE_MAX / sizeof(*gfns))
		return NULL;
	gfns = malloc(npages * sizeof(*gfns));
	if (!gfns)
		return NULL;
	for (size_t i = 0; i < npages; i++)
		gfns[i] = pages[i] >> SIM_PAGE_SHIFT;
	va = sim_domain_vmap(pd->dom, gfns, npages, prot);
	free(gfns);
	return va;
}

static void plat_vunmap(void *ctx, void *va)
{
	sim_domain_vunmap(pd_of(ctx)->dom, va);
}

/* pfn_valid: what the p2m backs with a page, the domain's own or a
 * foreign one mapped over a ballooned page (Linux gives both a struct
 * page; dom0 bounces a foreign page for a device that cannot reach
 * it).  A hole is not. */
static bool plat_phys_is_ram(void *ctx, dmk_phys_t phys)
{
	enum sim_p2m_type type = SIM_P2M_INVALID;

	sim_domain_gfn_to_mfn(pd_of(ctx)->dom, phys >> SIM_PAGE_SHIFT, &type);
	return type != SIM_P2M_INVALID;
}

/* Which of the kernel's regions [phys, phys + size) meets. */
static unsigned int plat_phys_regions(void *ctx, dmk_phys_t phys, size_t size)
{
	static const unsigned int bit[SIM_KERNEL_NR] = {
		[SIM_KERNEL_TEXT] = DMK_REGION_TEXT,
		[SIM_KERNEL_RODATA] = DMK_REGION_RODATA,
		[SIM_KERNEL_STACK] = DMK_REGION_STACK,
	};
	struct sim_platform_dom *pd = pd_of(ctx);
	unsigned int found = 0;

	for (int i = 0; i < SIM_KERNEL_NR; i++) {
		const struct sim_kernel_region *r = &pd->kernel[i];

		if (r->size && phys < r->phys + r->size &&
		    r->phys < phys + size)
			found |= bit[i];
	}
	return found;
}

/* The guest's vmap area: its non-cacheable aliases and its vmaps. */
static bool plat_virt_is_vmap(void *ctx, const void *va)
{
	return sim_domain_vmap_type(pd_of(ctx)->dom, va) >= 0;
}

int sim_platform_dom_load_kernel(struct sim_platform_dom *pd)
{
	static const unsigned int order[SIM_KERNEL_NR] = {
		[SIM_KERNEL_TEXT] = 2,
		[SIM_KERNEL_RODATA] = 1,
		[SIM_KERNEL_STACK] = 2,
	};
	struct sim_domain *d = pd->dom;

	for (int i = 0; i < SIM_KERNEL_NR; i++) {
		uint64_t gfn = sim_pagealloc_alloc(d->alloc, order[i], ~0ULL);

		if (gfn == ~0ULL)
			return -ENOMEM;
		pd->kernel[i].phys = gfn << SIM_PAGE_SHIFT;
		pd->kernel[i].size = SIM_PAGE_SIZE << order[i];
	}
	return 0;
}

long sim_platform_hypercall(struct sim_platform_dom *pd, unsigned int op,
			    unsigned long a1, unsigned long a2,
			    unsigned long a3)
{
	return sim_xen_hypercall(pd->dom->xen, pd->dom, op, a1, a2, a3);
}

static long plat_hypercall(void *ctx, unsigned int op, unsigned long a1,
			   unsigned long a2, unsigned long a3)
{
	struct sim_platform_dom *pd = pd_of(ctx);
	long ret;

	if (pd->hooks && pd->hooks->hypercall &&
	    pd->hooks->hypercall(pd->hooks_arg, pd, op, a1, a2, a3, &ret))
		return ret;
	if (pd->faults && sim_fault_hypercall(pd, op, a1, a2, a3, &ret))
		return ret;
	return sim_platform_hypercall(pd, op, a1, a2, a3);
}

/*
 * The IOMMU handle is a struct sim_smmu_stream.  A stream that feeds a
 * domain's stage-2 takes guest-physical output addresses as they are; a
 * native stream outputs machine addresses, so each page is translated.
 */
static int plat_iommu_map(void *ctx, void *iommu, uint64_t iova,
			  dmk_phys_t phys, size_t size, int prot)
{
	struct sim_smmu_stream *st = iommu;
	struct sim_domain *d = pd_of(ctx)->dom;
	size_t off;
	int ret;

	if (sim_fault_hit(pd_of(ctx)->faults, SIM_FAULT_IOMMU_MAP, "iommu_map"))
		return -DMK_ENOMEM;
	/* MMIO is outside the p2m of RAM: its address is the bus's own. */
	if (sim_smmu_stream_domain(st) || (prot & DMK_IOMMU_MMIO))
		return sim_smmu_map(st, iova, phys, size, prot);
	if ((iova | phys | size) & (SIM_PAGE_SIZE - 1))
		return -DMK_EINVAL;
	for (off = 0; off < size; off += SIM_PAGE_SIZE) {
		uint64_t mfn = sim_domain_gfn_to_mfn(
			d, (phys + off) >> SIM_PAGE_SHIFT, NULL);

		ret = mfn == SIM_INVALID_MFN
			      ? -DMK_EINVAL
			      : sim_smmu_map(st, iova + off,
					     mfn << SIM_PAGE_SHIFT,
					     SIM_PAGE_SIZE, prot);
		if (ret) {
			if (off)
				sim_smmu_unmap(st, iova, off);
			return ret == -DMK_EINVAL ? ret : -DMK_ENOMEM;
		}
	}
	return 0;
}

static void plat_iommu_unmap(void *ctx, void *iommu, uint64_t iova, size_t size)
{
	(void)ctx;
	sim_smmu_unmap(iommu, iova, size);
}

static unsigned int plat_cpu_id(void *ctx)
{
	struct sim_platform_dom *pd = pd_of(ctx);
	int cpu = sched_getcpu();

	if (cpu < 0 || pd->plat.nr_cpus == 0)
		return 0;
	return (unsigned int)cpu % pd->plat.nr_cpus;
}

static uint64_t plat_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void plat_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	static const char *const prefix[] = {
		[DMK_LOG_ERR] = "err",
		[DMK_LOG_WARN] = "warn",
		[DMK_LOG_INFO] = "info",
	};
	struct sim_platform_dom *pd = pd_of(ctx);
	const char *p = level <= DMK_LOG_INFO ? prefix[level] : "?";

	if (level == DMK_LOG_ERR || level == DMK_LOG_WARN)
		atomic_fetch_add(&pd->warnings, 1);
	pthread_mutex_lock(&log_lock);
	snprintf(pd->last_log, sizeof(pd->last_log), "%s", msg);
	if (!pd->first_api[0] && level == DMK_LOG_WARN &&
	    !strncmp(msg, "DMA-API: ", 9))
		snprintf(pd->first_api, sizeof(pd->first_api), "%s", msg);
	if (pd->log)
		fprintf(pd->log, "dom%u %s: %s\n", pd->dom->domid, p, msg);
	pthread_mutex_unlock(&log_lock);
}

/* Background work goes to the guest's worker when it has one; without
 * one (the default: deterministic runs, fault sweeps) the library runs
 * the work itself, at once. */
static int plat_defer_work(void *ctx, void (*fn)(void *arg), void *arg)
{
	struct sim_platform_dom *pd = pd_of(ctx);

	return pd->worker ? sim_worker_queue(pd->worker, fn, arg)
			  : -DMK_ENOTSUP;
}

static void plat_flush_work(void *ctx)
{
	sim_worker_flush(pd_of(ctx)->worker);
}

/* x86 caches are snooped by every device: no cache_maint there.  Natively
 * there is no hypercall.  Hence four tables. */
#define COMMON_OPS                                                             \
	.alloc_pages = plat_alloc_pages, .free_pages = plat_free_pages,        \
	.map_uncached = plat_map_uncached,                                     \
	.unmap_uncached = plat_unmap_uncached, .iommu_map = plat_iommu_map,    \
	.iommu_unmap = plat_iommu_unmap, .cpu_id = plat_cpu_id,                \
	.now_ns = plat_now_ns, .log = plat_log,                                \
	.phys_is_ram = plat_phys_is_ram, .defer_work = plat_defer_work,        \
	.flush_work = plat_flush_work, .phys_regions = plat_phys_regions,      \
	.virt_is_vmap = plat_virt_is_vmap, .vmap = plat_vmap,                  \
	.vunmap = plat_vunmap

static const struct dmk_platform_ops ops_noncoherent = {
	COMMON_OPS,
	.cache_maint = plat_cache_maint,
};
static const struct dmk_platform_ops ops_noncoherent_xen = {
	COMMON_OPS,
	.cache_maint = plat_cache_maint,
	.hypercall = plat_hypercall,
};
static const struct dmk_platform_ops ops_coherent = {
	COMMON_OPS,
};
static const struct dmk_platform_ops ops_coherent_xen = {
	COMMON_OPS,
	.hypercall = plat_hypercall,
};

static bool arch_snoops_all(enum dmk_arch arch)
{
	return arch == DMK_ARCH_X86_64 || arch == DMK_ARCH_HOST;
}

void sim_platform_dom_init(struct sim_platform_dom *pd, struct sim_domain *d,
			   enum dmk_arch arch, unsigned int nr_cpus)
{
	bool xen = d->xen != NULL, coherent = arch_snoops_all(arch);

	memset(pd, 0, sizeof(*pd));
	pd->dom = d;
	pd->arch = arch;
	atomic_init(&pd->warnings, 0);
	if (coherent)
		pd->plat.ops = xen ? &ops_coherent_xen : &ops_coherent;
	else
		pd->plat.ops = xen ? &ops_noncoherent_xen : &ops_noncoherent;
	pd->plat.ctx = pd;
	pd->plat.arch = arch;
	pd->plat.nr_cpus = nr_cpus ? nr_cpus : 1;
	pd->plat.linear_base = d->linear;
	pd->plat.ram_start = d->gfn_base << SIM_PAGE_SHIFT;
	pd->plat.ram_end = (d->gfn_base + d->nr_gfns) << SIM_PAGE_SHIFT;
	pd->plat.xen = xen;
	pd->plat.xen_pv = d->pv;
	pd->plat.xen_initial_domain = d->privileged;
	pd->plat.domid = d->domid;
	if (d->pv) {
		pd->plat.xen_pv_p2m = d->pv_p2m;
		pd->plat.xen_pv_nr_pages = d->gfn_base + d->nr_gfns;
	}
}
