// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * struct dmk_platform over a real Linux kernel: what dmakit needs from
 * the world, given by the kernel that hosts it.
 *
 *   pages        alloc_pages from the zone a limit calls for (GFP_DMA,
 *                GFP_DMA32), checked and retried as dma-direct's
 *                __dma_direct_alloc_pages does
 *   hypercalls   the kernel's HYPERVISOR_* calls, only those the library
 *                makes; anything else is -ENOSYS
 *   x86 PV p2m   the library exchanges frames with its own hypercalls
 *                (XENMEM_exchange, update_va_mapping, MMU_MACHPHYS_UPDATE,
 *                as arch/x86/xen/mmu_pv.c's xen_create_contiguous_region);
 *                the kernel's p2m must follow, or the next page table the
 *                kernel builds for such a page names a frame the guest no
 *                longer owns.  set_phys_to_machine is not exported, so the
 *                platform writes the entry as __set_phys_to_machine does:
 *                a store to xen_p2m_addr[pfn] that may fault on a shared
 *                read-only leaf, then xen_alloc_p2m_entry and again.
 *   caches       arm64/arm32: by VA to the point of coherency (cache-arm.c);
 *                x86: none, its devices snoop
 *   uncached     vmap with pgprot_dmacoherent, as dma-direct remaps a
 *                non-coherent device's buffer (ARM only)
 *   vmap         vmap of the pages with the type dma_pgprot would give:
 *                PAGE_KERNEL, pgprot_dmacoherent, pgprot_writecombine
 *   log          printk
 *   deferred     queue_work on the module's own unbound workqueue (a
 *                dynamic swiotlb grows there, as Linux's swiotlb_dyn_alloc
 *                from schedule_work); flush_workqueue waits for it
 *
 * Uses the GPL-only exports xen_p2m_addr, xen_p2m_size, xen_start_info,
 * xen_features, xen_domain_type and (ARM) HYPERVISOR_*_op, so the module
 * is dual MIT/GPL (main.c's MODULE_LICENSE).
 */
#include "dmk-linux.h"

#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/smp.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include <xen/xen.h>
#include <xen/features.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/version.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

static struct dmk_linux_platform *to_lp(void *ctx)
{
	return ctx;
}

const char *dmk_linux_arch_name(void)
{
#if defined(CONFIG_X86_64)
	return "x86_64";
#elif defined(CONFIG_ARM64)
	return "arm64";
#elif defined(CONFIG_ARM)
	return "arm32";
#else
	return "unknown";
#endif
}

/* ---- pages ---- */

/*
 * The highest address each zone flag guarantees.  ZONE_DMA is 16 MiB on
 * x86 and the first 4 GiB on arm64 (zone_dma_bits, from the firmware's
 * dma-ranges, is not exported; 32 is what QEMU's virt board gives).  The
 * allocation is checked against the limit anyway.
 */
#if defined(CONFIG_X86)
#define DMK_ZONE_DMA_LIMIT DMA_BIT_MASK(24)
#else
#define DMK_ZONE_DMA_LIMIT DMA_BIT_MASK(32)
#endif

static bool fits(struct page *page, unsigned int order, dmk_phys_t limit)
{
	dmk_phys_t last = page_to_phys(page) + (PAGE_SIZE << order) - 1;

	return last <= limit;
}

/* The widest zone that still promises the limit, as dma-direct's
 * dma_direct_optimal_gfp_mask. */
static gfp_t zone_for(dmk_phys_t limit)
{
	if (IS_ENABLED(CONFIG_ZONE_DMA) && limit <= DMK_ZONE_DMA_LIMIT)
		return GFP_DMA;
	if (IS_ENABLED(CONFIG_ZONE_DMA32) && limit <= DMA_BIT_MASK(32))
		return GFP_DMA32;
	return 0;
}

/* Pages that came back above the limit, kept aside while retrying so
 * that the allocator does not hand them out again. */
#define DMK_ALLOC_TRIES 16

static void *linux_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			       dmk_phys_t *phys)
{
	struct page *rejected[DMK_ALLOC_TRIES];
	unsigned int nrej = 0, i;
	struct page *page = NULL;
	gfp_t zone = zone_for(limit);

	(void)ctx;
	if (order > MAX_ORDER - 1)
		return NULL;
	while (nrej < DMK_ALLOC_TRIES) {
		page = alloc_pages(GFP_KERNEL | zone | __GFP_NOWARN, order);
		if (!page)
			break;
		if (fits(page, order, limit))
			break;
		rejected[nrej++] = page;
		page = NULL;
		/* As dma-direct: try the next narrower zone once. */
		if (zone == 0 && IS_ENABLED(CONFIG_ZONE_DMA32) &&
		    limit <= DMA_BIT_MASK(32))
			zone = GFP_DMA32;
		else if (zone == GFP_DMA32 && IS_ENABLED(CONFIG_ZONE_DMA) &&
			 limit <= DMK_ZONE_DMA_LIMIT)
			zone = GFP_DMA;
	}
	for (i = 0; i < nrej; i++)
		__free_pages(rejected[i], order);
	if (!page)
		return NULL;
	*phys = page_to_phys(page);
	return page_address(page);
}

static void linux_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	(void)ctx;
	__free_pages(pfn_to_page(PHYS_PFN(phys)), order);
}

/* ---- vmap: dma_common_pages_remap's vmap with dma_pgprot's type ---- */

static pgprot_t linux_vmap_prot(enum dmk_vmap_prot prot)
{
	switch (prot) {
	case DMK_VMAP_WRITE_COMBINE:
		return pgprot_writecombine(PAGE_KERNEL);
	case DMK_VMAP_DMA_COHERENT:
		return pgprot_dmacoherent(PAGE_KERNEL);
	default:
		return PAGE_KERNEL;
	}
}

static void *linux_vmap(void *ctx, const dmk_phys_t *phys, size_t npages,
			enum dmk_vmap_prot prot)
{
	struct page **pages;
	void *va;

	(void)ctx;
	if (npages > UINT_MAX)
		return NULL;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (size_t i = 0; i < npages; i++)
		pages[i] = pfn_to_page(PHYS_PFN(phys[i]));
	va = vmap(pages, npages, VM_MAP, linux_vmap_prot(prot));
	kvfree(pages);
	return va;
}

static void linux_vunmap(void *ctx, void *va)
{
	(void)ctx;
	vunmap(va);
}

/* ---- caches and uncached views (ARM) ---- */

#if defined(CONFIG_ARM64) || defined(CONFIG_ARM)
static void linux_cache_maint(void *ctx, dmk_phys_t phys, size_t size,
			      enum dmk_cache_op op)
{
	struct dmk_linux_platform *lp = to_lp(ctx);
	void *va = phys_to_virt(phys);

	atomic64_inc(&lp->cache_ops);
	switch (op) {
	case DMK_CACHE_CLEAN:
		dmk_linux_dcache_clean(va, size);
		break;
	case DMK_CACHE_INVAL:
		dmk_linux_dcache_inval(va, size);
		break;
	case DMK_CACHE_CLEAN_INVAL:
		dmk_linux_dcache_clean_inval(va, size);
		break;
	}
}

static void *linux_map_uncached(void *ctx, dmk_phys_t phys, size_t size)
{
	unsigned int n = size >> PAGE_SHIFT, i;
	struct page **pages;
	void *va;

	(void)ctx;
	pages = kvmalloc_array(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++)
		pages[i] = pfn_to_page(PHYS_PFN(phys) + i);
	va = vmap(pages, n, VM_MAP, pgprot_dmacoherent(PAGE_KERNEL));
	kvfree(pages);
	return va;
}

static void linux_unmap_uncached(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)size;
	vunmap(va);
}
#endif

/* ---- the x86 PV p2m, kept in step with the library's hypercalls ---- */

#ifdef CONFIG_XEN_PV
/* __set_phys_to_machine + set_phys_to_machine, from exported symbols. */
static bool linux_set_p2m(unsigned long pfn, unsigned long mfn)
{
	if (pfn >= xen_p2m_size)
		return mfn == INVALID_P2M_ENTRY;
	if (!xen_safe_write_ulong(xen_p2m_addr + pfn, mfn))
		return true;
	if (xen_alloc_p2m_entry(pfn))
		return false;
	return !xen_safe_write_ulong(xen_p2m_addr + pfn, mfn);
}

static void mirror_p2m(struct dmk_linux_platform *lp, unsigned long pfn,
		       unsigned long mfn)
{
	if (linux_set_p2m(pfn, mfn))
		atomic64_inc(&lp->p2m_updates);
	else
		atomic64_inc(&lp->p2m_failures);
}

/*
 * update_va_mapping of a page of the linear map: the page is unmapped
 * before an exchange (xen_zap_pfn_range sets its p2m entry invalid) and
 * mapped at its new frame after it (xen_remap_exchanged_ptes sets it).
 */
static void mirror_va_mapping(struct dmk_linux_platform *lp, unsigned long va,
			      uint64_t pte)
{
	unsigned long pfn;

	if (va < PAGE_OFFSET || va >= (unsigned long)high_memory)
		return;
	pfn = PHYS_PFN(__pa(va));
	if (pte & _PAGE_PRESENT)
		mirror_p2m(lp, pfn, (pte & XEN_PTE_MFN_MASK) >> PAGE_SHIFT);
	else
		mirror_p2m(lp, pfn, INVALID_P2M_ENTRY);
}

static void mirror_multicall(struct dmk_linux_platform *lp,
			     struct multicall_entry *mc, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (mc[i].op == __HYPERVISOR_update_va_mapping &&
		    mc[i].result == 0)
			mirror_va_mapping(lp, mc[i].args[0], mc[i].args[1]);
}

/* MMU_MACHPHYS_UPDATE: the M2P says mfn is pfn's now; so does the p2m. */
static void mirror_mmu_update(struct dmk_linux_platform *lp,
			      struct mmu_update *req, unsigned int done)
{
	for (unsigned int i = 0; i < done; i++)
		if ((req[i].ptr & 7) == MMU_MACHPHYS_UPDATE)
			mirror_p2m(lp, req[i].val, req[i].ptr >> PAGE_SHIFT);
}
#endif

/* ---- hypercalls ---- */

static void count_exchange(struct dmk_linux_platform *lp,
			   const struct xen_memory_exchange *ex, long rc)
{
	/* The out reservation's mem_flags: XENMEMF_address_bits in 0..7. */
	unsigned int bits = min(ex->out.address_bits & 0xffU, 64U);

	atomic64_inc(&lp->exchanges);
	atomic64_inc(&lp->exchange_tries[bits]);
	if (rc == 0 && ex->nr_exchanged == ex->in.nr_extents)
		atomic64_inc(&lp->exchange_done[bits]);
}

void dmk_linux_exchange_summary(const struct dmk_linux_platform *lp)
{
	char line[512];
	size_t n = 0;

	for (unsigned int b = 0; b <= 64 && n < sizeof(line) - 32; b++) {
		long long tries = atomic64_read(&lp->exchange_tries[b]);

		if (tries)
			n += scnprintf(
				line + n, sizeof(line) - n, " %u:%lld/%lld", b,
				atomic64_read(&lp->exchange_done[b]), tries);
	}
	if (n)
		pr_info("dmakit-edu: XENMEM_exchange by address bits (bits:done/tried):%s\n",
			line);
}

static long linux_hypercall(void *ctx, unsigned int op, unsigned long a1,
			    unsigned long a2, unsigned long a3)
{
	struct dmk_linux_platform *lp = to_lp(ctx);

	atomic64_inc(&lp->hypercalls);
	switch (op) {
	case __HYPERVISOR_memory_op: {
		long rc = HYPERVISOR_memory_op(a1, (void *)a2);

		if (a1 == XENMEM_exchange)
			count_exchange(lp, (struct xen_memory_exchange *)a2,
				       rc);
		return rc;
	}
	case __HYPERVISOR_grant_table_op:
		return HYPERVISOR_grant_table_op(a1, (void *)a2, a3);
	case __HYPERVISOR_xen_version:
		return HYPERVISOR_xen_version(a1, (void *)a2);
#ifdef CONFIG_XEN_PV
	case __HYPERVISOR_update_va_mapping: {
		/* The library builds machine PTEs: no pfn-to-mfn massaging. */
		long rc = HYPERVISOR_update_va_mapping(a1, __pte_ma(a2), a3);

		if (rc == 0)
			mirror_va_mapping(lp, a1, a2);
		return rc;
	}
	case __HYPERVISOR_multicall: {
		long rc = HYPERVISOR_multicall((void *)a1, a2);

		if (rc == 0)
			mirror_multicall(lp, (struct multicall_entry *)a1, a2);
		return rc;
	}
	case __HYPERVISOR_mmu_update: {
		int done = 0;
		long rc;

		rc = HYPERVISOR_mmu_update((struct mmu_update *)a1, a2, &done,
					   DOMID_SELF);
		if (a3)
			*(unsigned int *)a3 = done;
		mirror_mmu_update(lp, (struct mmu_update *)a1, done);
		return rc;
	}
#endif
	default:
		return -ENOSYS;
	}
}

/* ---- the rest ---- */

static unsigned int linux_cpu_id(void *ctx)
{
	(void)ctx;
	return raw_smp_processor_id();
}

static uint64_t linux_now_ns(void *ctx)
{
	(void)ctx;
	return ktime_get_ns();
}

static void linux_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	(void)ctx;
	switch (level) {
	case DMK_LOG_ERR:
		pr_err("dmakit: %s\n", msg);
		break;
	case DMK_LOG_WARN:
		pr_warn("dmakit: %s\n", msg);
		break;
	default:
		pr_info("dmakit: %s\n", msg);
		break;
	}
}

struct dmk_linux_work {
	struct work_struct work;
	void (*fn)(void *arg);
	void *arg;
	struct dmk_linux_platform *lp;
};

static void linux_work_fn(struct work_struct *work)
{
	struct dmk_linux_work *w =
		container_of(work, struct dmk_linux_work, work);

	w->fn(w->arg);
	atomic64_inc(&w->lp->deferred);
	kfree(w);
}

/* The library may ask from a map, under its own spinning locks: no
 * sleeping allocation here. */
static int linux_defer_work(void *ctx, void (*fn)(void *arg), void *arg)
{
	struct dmk_linux_platform *lp = to_lp(ctx);
	struct dmk_linux_work *w = kmalloc(sizeof(*w), GFP_ATOMIC);

	if (!w)
		return -ENOMEM;
	*w = (struct dmk_linux_work){.fn = fn, .arg = arg, .lp = lp};
	INIT_WORK(&w->work, linux_work_fn);
	queue_work(lp->wq, &w->work);
	return 0;
}

static void linux_flush_work(void *ctx)
{
	flush_workqueue(to_lp(ctx)->wq);
}

#ifdef CONFIG_XEN_PV
/*
 * start_info's mfn_list as the library wants it: one machine frame per
 * guest frame of RAM, DMK_INVALID_BFN (~0) for a hole.  The kernel's p2m
 * also marks MMIO and other non-RAM frames as identity-mapped; those are
 * not RAM the library may bounce through, so they are holes here.
 */
static int pv_p2m_copy(struct dmk_linux_platform *lp, uint64_t nr)
{
	uint64_t pfn;

	lp->pv_p2m = kvmalloc_array(nr, sizeof(*lp->pv_p2m), GFP_KERNEL);
	if (!lp->pv_p2m)
		return -ENOMEM;
	for (pfn = 0; pfn < nr; pfn++) {
		unsigned long mfn = __pfn_to_mfn(pfn);

		if (mfn == INVALID_P2M_ENTRY ||
		    (mfn & (IDENTITY_FRAME_BIT | FOREIGN_FRAME_BIT)))
			lp->pv_p2m[pfn] = ~0ULL;
		else
			lp->pv_p2m[pfn] = mfn;
	}
	lp->plat.xen_pv_p2m = lp->pv_p2m;
	lp->plat.xen_pv_nr_pages = nr;
	return 0;
}
#endif

void dmk_linux_p2m_summary(const struct dmk_linux_platform *lp, uint64_t mask)
{
	uint64_t nr = lp->plat.xen_pv_nr_pages, frames = 0, runs = 0;
	uint64_t longest = 0, run = 0, low = ~0ULL, reach = 0, prev = ~0ULL;
	uint64_t breaks = 0; /* reachable frames whose next page is elsewhere */

	if (!lp->pv_p2m)
		return;
	for (uint64_t pfn = 0; pfn < nr; pfn++) {
		uint64_t mfn = lp->pv_p2m[pfn];

		if (mfn == ~0ULL) {
			prev = ~0ULL;
			continue;
		}
		frames++;
		low = min(low, mfn);
		reach += ((mfn + 1) << PAGE_SHIFT) - 1 <= mask;
		if (prev != ~0ULL && mfn == prev + 1) {
			run++;
		} else {
			runs++;
			run = 1;
			breaks += prev != ~0ULL &&
				  ((prev + 1) << PAGE_SHIFT) - 1 <= mask;
		}
		longest = max(longest, run);
		prev = mfn;
	}
	pr_info("dmakit-edu: p2m: %llu frames of RAM in %llu machine-contiguous runs (longest %llu), lowest machine frame %#llx, %llu frames within the device's reach, %llu of them followed by a page on another frame\n",
		frames, runs, longest, low, reach, breaks);
}

/* Linux's own pfn_valid(): whether the page has a struct page, which is
 * what swiotlb needs to copy from it and dmk_map_resource refuses. */
static bool linux_phys_is_ram(void *ctx, dmk_phys_t phys)
{
	(void)ctx;
	return pfn_valid(PHYS_PFN(phys));
}

/* For the debug checker's map_single of a vmalloc or vmap address
 * (Linux's check_for_illegal_area asks is_vmalloc_addr too). */
static bool linux_virt_is_vmap(void *ctx, const void *va)
{
	(void)ctx;
	return is_vmalloc_addr(va);
}

int dmk_linux_platform_init(struct dmk_linux_platform *lp)
{
	struct dmk_platform *p = &lp->plat;
	struct dmk_platform_ops *o = &lp->ops;

	memset(lp, 0, sizeof(*lp));
	o->alloc_pages = linux_alloc_pages;
	o->free_pages = linux_free_pages;
#if defined(CONFIG_ARM64) || defined(CONFIG_ARM)
	o->cache_maint = linux_cache_maint;
	o->map_uncached = linux_map_uncached;
	o->unmap_uncached = linux_unmap_uncached;
#endif
	o->vmap = linux_vmap;
	o->vunmap = linux_vunmap;
	o->hypercall = linux_hypercall;
	o->cpu_id = linux_cpu_id;
	o->now_ns = linux_now_ns;
	o->log = linux_log;
	o->phys_is_ram = linux_phys_is_ram;
	o->virt_is_vmap = linux_virt_is_vmap;
	lp->wq = alloc_workqueue("dmakit", WQ_UNBOUND, 0);
	if (!lp->wq)
		return -ENOMEM;
	o->defer_work = linux_defer_work;
	o->flush_work = linux_flush_work;

	p->ops = o;
	p->ctx = lp;
	p->nr_cpus = num_possible_cpus();
#if defined(CONFIG_X86_64)
	p->arch = DMK_ARCH_X86_64;
	/* x86 PV: the p2m is indexed from pfn 0. */
	p->ram_start = 0;
	p->ram_end = __pa(high_memory - 1) + 1;
#else
	p->arch = IS_ENABLED(CONFIG_ARM64) ? DMK_ARCH_ARM64 : DMK_ARCH_ARM32;
	/*
	 * Not PHYS_OFFSET: arm64's memstart_addr may lie far below RAM (it
	 * is aligned to the linear map's granule, and is even negative
	 * with a randomised linear map).  The nodes tell where RAM is.
	 */
	{
		unsigned long lo = ULONG_MAX, hi = 0;
		int nid;

		for_each_online_node(nid)
		{
			lo = min(lo, NODE_DATA(nid)->node_start_pfn);
			hi = max(hi, pgdat_end_pfn(NODE_DATA(nid)));
		}
		p->ram_start = PFN_PHYS(lo);
		p->ram_end = PFN_PHYS(hi);
	}
#endif
	/* The linear map: __va(x) is x plus a constant over all of RAM. */
	p->linear_base = (uint8_t *)__va(p->ram_start) - p->ram_start;

	p->xen = xen_domain();
	p->xen_initial_domain = xen_initial_domain();
	p->domid = 0; /* only dom0 is asked for; DOMID_SELF everywhere else */
#ifdef CONFIG_XEN_PV
	if (xen_pv_domain()) {
		int rc;

		p->xen_pv = true;
		rc = pv_p2m_copy(lp, PHYS_PFN(p->ram_end));
		if (rc) {
			dmk_linux_platform_exit(lp);
			return rc;
		}
	}
#endif
	return 0;
}

void dmk_linux_platform_exit(struct dmk_linux_platform *lp)
{
	if (lp->wq)
		destroy_workqueue(lp->wq);
	lp->wq = NULL;
	kvfree(lp->pv_p2m);
	lp->pv_p2m = NULL;
}
