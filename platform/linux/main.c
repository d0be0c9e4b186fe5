// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * dmakit-edu.ko: dmakit hosted in a real Linux kernel, driving QEMU's edu
 * DMA engines through its own DMA API, on whatever that kernel runs on
 * (real Xen 4.17 in `make real-dma`).
 *
 * At load time: the platform (platform.c), one dmakit system with the
 * DMA-API debug checker on and swiotlb-xen under Xen, one dmakit device
 * per edu found (reach from the dma_bits parameter: edu cannot tell its
 * own), then every device's workload (test.c) in a kernel thread of its
 * own, all at once, then (ARM, foreign=N) DMA through a page dom0 granted
 * to itself on device N (foreign.c), then (dynamic=1) more bounced
 * mappings at once than the pool holds on the first device (dynamic.c),
 * then the naive designs (naive.c) on the first device.
 * The verdict goes to the kernel log as two "dmakit-edu: result" lines
 * that `make real-dma` reads; the module then stays loaded with nothing
 * left mapped, and unloads cleanly.  A failure to set up is the load's
 * error.
 *
 * Linux counterpart: any PCI driver's probe, with dma_set_mask and the
 * DMA API replaced by dmakit's.
 */
#include "dmk-linux.h"

#include <dmakit/xen.h>

#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/module.h>

static ulong seed = 1;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "workload seed (everything is deterministic from it)");

static ulong min_bytes = 1100000;
module_param(min_bytes, ulong, 0444);
MODULE_PARM_DESC(min_bytes, "bytes to check in all, shared by the devices");

static uint dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "the edu devices' reach (QEMU's dma_mask property)");

static uint noncoherent_mask;
module_param(noncoherent_mask, uint, 0444);
MODULE_PARM_DESC(noncoherent_mask,
		 "devices (bit i: the i-th edu) treated as not cache-coherent");

static uint swiotlb_kib = 4096;
module_param(swiotlb_kib, uint, 0444);
MODULE_PARM_DESC(swiotlb_kib, "bounce pool size (at most 4 MiB: MAX_ORDER)");

static int foreign = -1;
module_param(foreign, int, 0444);
MODULE_PARM_DESC(
	foreign,
	"ARM: also DMA through a self-granted page with this device (-1: no)");

static bool dynamic;
module_param(dynamic, bool, 0444);
MODULE_PARM_DESC(dynamic,
		 "a dynamic swiotlb, and a run that makes it grow (dynamic.c)");

static uint dynamic_stride = 8;
module_param(dynamic_stride, uint, 0444);
MODULE_PARM_DESC(dynamic_stride,
		 "dynamic: the device checks every n-th held mapping (1: all)");

static bool naive = true;
module_param(naive, bool, 0444);
MODULE_PARM_DESC(naive, "also run the naive designs");

#define MAX_EDU 8

struct worker {
	struct dmk_device dev;
	struct dmk_edu edu;
	struct dmk_edu_run run;
	char name[16];
	struct completion done;
	int rc;
};

static struct dmk_linux_platform lp;
static struct dmk_system *sys;
static struct worker *workers;
static unsigned int nworkers;

static int worker_fn(void *arg)
{
	struct worker *w = arg;

	w->rc = dmk_edu_test(&w->run, min_bytes / nworkers + 1);
	complete(&w->done);
	return 0;
}

/* The i-th edu: its registers, then a dmakit device for it.  Once the
 * registers are open the worker counts, so that close_devices() undoes
 * whatever part of the rest was done. */
static int open_one(struct worker *w, struct pci_dev *pdev, unsigned int i)
{
	uint64_t mask = DMA_BIT_MASK(dma_bits);
	int rc = dmk_edu_open(&w->edu, pdev);

	if (rc)
		return rc;
	nworkers++;
	snprintf(w->name, sizeof(w->name), "edu%u", i);
	rc = dmk_device_init(&w->dev, sys, w->name);
	if (rc) {
		pr_err("dmakit-edu: %s: dmk_device_init: %d\n", w->name, rc);
		return -ENOMEM;
	}
	w->dev.coherent = !(noncoherent_mask & (1U << i));
	rc = dmk_device_setup_dma(&w->dev);
	if (!rc)
		rc = dmk_set_mask_and_coherent(&w->dev, mask);
	if (rc) {
		pr_err("dmakit-edu: %s: dmakit refused the device: %d\n",
		       w->name, rc);
		return -EINVAL;
	}
	w->run = (struct dmk_edu_run){
		.name = w->name,
		.dev = &w->dev,
		.edu = &w->edu,
		.mask = mask,
		.seed = seed,
		.rng = seed * 0x9e3779b97f4a7c15ULL + i,
	};
	init_completion(&w->done);
	return 0;
}

static int open_devices(void)
{
	struct pci_dev *pdev = NULL;

	workers = kcalloc(MAX_EDU, sizeof(*workers), GFP_KERNEL);
	if (!workers)
		return -ENOMEM;
	while (nworkers < MAX_EDU &&
	       (pdev = pci_get_device(DMK_EDU_VENDOR, DMK_EDU_DEVICE, pdev))) {
		int rc = open_one(&workers[nworkers], pdev, nworkers);

		if (rc) {
			pci_dev_put(pdev);
			return rc;
		}
	}
	if (!nworkers) {
		pr_err("dmakit-edu: no edu device (%04x:%04x); QEMU needs -device edu\n",
		       DMK_EDU_VENDOR, DMK_EDU_DEVICE);
		return -ENODEV;
	}
	return 0;
}

static void close_devices(void)
{
	for (unsigned int i = 0; i < nworkers; i++) {
		dmk_device_fini(&workers[i].dev);
		dmk_edu_close(&workers[i].edu);
	}
	kfree(workers);
	workers = NULL;
	nworkers = 0;
}

static int run_workers(void)
{
	unsigned int i;

	for (i = 0; i < nworkers; i++) {
		struct task_struct *t;

		t = kthread_run(worker_fn, &workers[i], "dmakit-%s",
				workers[i].name);
		if (IS_ERR(t)) {
			workers[i].rc = PTR_ERR(t);
			complete(&workers[i].done);
		}
	}
	for (i = 0; i < nworkers; i++)
		wait_for_completion(&workers[i].done);
	for (i = 0; i < nworkers; i++)
		if (workers[i].rc)
			return workers[i].rc;
	return 0;
}

static void report(const struct dmk_edu_naive *nv)
{
	struct dmk_edu_run sum = {0};
	struct dmk_debug_stats dbg = {0};
	struct dmk_swiotlb_stats sw = {0};
	struct dmk_xen_stats xs = {0};
	uint64_t transfers = 0, bounced = 0;

	for (unsigned int i = 0; i < nworkers; i++) {
		struct dmk_edu_run *r = &workers[i].run;
		struct dmk_dma_stats ds;

		dmk_device_stats(&workers[i].dev, &ds);
		sum.checked += r->checked;
		sum.wrong += r->wrong;
		sum.faults += r->faults;
		sum.maps += r->maps;
		sum.coherent += r->coherent;
		sum.sg_entries += r->sg_entries;
		sum.partial_syncs += r->partial_syncs;
		bounced += ds.bounced;
		transfers += workers[i].edu.transfers;
	}
	dmk_debug_stats(sys, &dbg);
	dmk_swiotlb_stats(sys, &sw);
	dmk_xen_stats(sys, &xs);
	/* Misuse the checker saw, and anything left behind, are faults. */
	sum.faults += dbg.errors + dbg.live_mappings + dbg.live_allocs;
	pr_info("dmakit-edu: result arch=%s devices=%u checked=%llu wrong=%llu faults=%llu transfers=%llu maps=%llu bounced=%llu coherent=%llu sg_entries=%llu partial_syncs=%llu debug_errors=%llu pool_slots=%llu pool_hiwater=%llu pages_exchanged=%llu exchanges=%lld p2m_updates=%lld p2m_failures=%lld hypercalls=%lld cache_ops=%lld\n",
		dmk_linux_arch_name(), nworkers, sum.checked, sum.wrong,
		sum.faults, transfers, sum.maps, bounced, sum.coherent,
		sum.sg_entries, sum.partial_syncs, dbg.errors, sw.nslabs,
		sw.used_hiwater, xs.pages_exchanged,
		atomic64_read(&lp.exchanges), atomic64_read(&lp.p2m_updates),
		atomic64_read(&lp.p2m_failures), atomic64_read(&lp.hypercalls),
		atomic64_read(&lp.cache_ops));
	if (nv)
		pr_info("dmakit-edu: naive arch=%s pfn_wrong=%llu pfn_bytes=%llu pfn_beyond=%llu noncontig_wrong=%llu noncontig_bytes=%llu noncontig_beyond=%llu\n",
			dmk_linux_arch_name(), nv->pfn_bus_wrong,
			nv->pfn_bus_bytes, nv->pfn_bus_beyond,
			nv->noncontig_wrong, nv->noncontig_bytes,
			nv->noncontig_beyond);
}

static int __init dmakit_edu_init(void)
{
	struct dmk_system_config cfg;
	struct dmk_edu_naive nv;
	bool naive_ok = false;
	int rc;

	if (dma_bits < 12 || dma_bits > 64 || swiotlb_kib < 1024 ||
	    swiotlb_kib > (PAGE_SIZE << (MAX_ORDER - 1)) / 1024) {
		pr_err("dmakit-edu: dma_bits must be 12..64 and swiotlb_kib 1024..%lu\n",
		       (PAGE_SIZE << (MAX_ORDER - 1)) / 1024);
		return -EINVAL;
	}
	rc = dmk_linux_platform_init(&lp);
	if (rc)
		return rc;
	pr_info("dmakit-edu: platform %s: RAM [%#llx, %#llx), linear map at %px%s\n",
		dmk_linux_arch_name(), (unsigned long long)lp.plat.ram_start,
		(unsigned long long)lp.plat.ram_end,
		lp.plat.linear_base + lp.plat.ram_start,
		lp.plat.xen ? (lp.plat.xen_pv ? ", Xen PV" : ", Xen") : "");
	dmk_linux_p2m_summary(&lp, DMA_BIT_MASK(dma_bits));
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = (size_t)swiotlb_kib << 10;
	/* Bounce through memory the devices reach, machine frames included. */
	cfg.swiotlb_limit = DMA_BIT_MASK(min(dma_bits, 32U));
	cfg.debug = true;
	cfg.swiotlb_dynamic = dynamic;
	rc = dmk_system_create(&sys, &lp.plat, &cfg);
	if (rc) {
		pr_err("dmakit-edu: dmk_system_create: %d\n", rc);
		rc = -ENOMEM;
		goto err_platform;
	}
	rc = open_devices();
	if (rc)
		goto err_devices;
	pr_info("dmakit-edu: %u edu devices, %u-bit reach, non-coherent mask %#x, %s; seed %lu, %lu bytes to check\n",
		nworkers, dma_bits, noncoherent_mask,
		lp.plat.xen ? (lp.plat.xen_pv ? "Xen PV" : "Xen")
			    : "no hypervisor",
		seed, min_bytes);
	rc = run_workers();
	if (rc)
		goto err_devices;
#if defined(CONFIG_ARM64) || defined(CONFIG_ARM)
	if (foreign >= 0) {
		struct dmk_edu_foreign fr;

		if (foreign >= nworkers) {
			pr_err("dmakit-edu: foreign=%d: there are %u devices\n",
			       foreign, nworkers);
			rc = -EINVAL;
			goto err_devices;
		}
		rc = dmk_edu_foreign(&workers[foreign].run, sys, &fr);
		if (rc)
			goto err_devices;
		pr_info("dmakit-edu: foreign arch=%s device=%d map_error=%d bytes=%llu wrong=%llu cache_flushes=%llu unmap_error=%d\n",
			dmk_linux_arch_name(), foreign, fr.map_error, fr.bytes,
			fr.wrong, fr.flushes, fr.unmap_error);
	}
#endif
	if (dynamic) {
		struct dmk_edu_dynamic dy;

		rc = dmk_edu_dynamic(&workers[0].run, sys, &lp, dynamic_stride,
				     &dy);
		if (rc)
			goto err_devices;
		pr_info("dmakit-edu: dynamic arch=%s stride=%u held=%llu direct=%llu map_failed=%llu checked=%llu wrong=%llu faults=%llu pools=%llu transient_live=%llu transient_total=%llu transient_left=%llu pools_after=%llu deferred=%llu\n",
			dmk_linux_arch_name(), dynamic_stride, dy.held,
			dy.direct, dy.map_failed, dy.checked, dy.wrong,
			dy.faults, dy.pools, dy.transient_live,
			dy.transient_total, dy.transient_left, dy.pools_after,
			dy.deferred);
	}
	if (naive) {
		rc = dmk_edu_naive(&workers[0].run, &nv);
		if (rc)
			goto err_devices;
		naive_ok = true;
	}
	report(naive_ok ? &nv : NULL);
	close_devices();
	dmk_system_destroy(sys);
	sys = NULL;
	dmk_linux_exchange_summary(&lp);
	pr_info("dmakit-edu: done; p2m_updates=%lld p2m_failures=%lld after teardown\n",
		atomic64_read(&lp.p2m_updates),
		atomic64_read(&lp.p2m_failures));
	dmk_linux_platform_exit(&lp);
	return 0;

err_devices:
	close_devices();
	dmk_system_destroy(sys);
	sys = NULL;
err_platform:
	dmk_linux_platform_exit(&lp);
	return rc;
}

static void __exit dmakit_edu_exit(void)
{
}

module_init(dmakit_edu_init);
module_exit(dmakit_edu_exit);

MODULE_DESCRIPTION("dmakit hosted in Linux, driving QEMU's edu DMA engines");
/* Dual: the library is MIT; GPL-only Xen symbols are needed (platform.c). */
MODULE_LICENSE("Dual MIT/GPL");
