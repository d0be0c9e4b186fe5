// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * A dynamic swiotlb on a real kernel: more bounced mappings alive at once
 * than the default pool holds, so that the pool list grows on the
 * kernel's workqueue (platform.c's defer_work, as Linux's
 * swiotlb_dyn_alloc runs from schedule_work) while the maps go on, and
 * what does not fit meanwhile goes to transient pools.  Under Xen every
 * new pool is exchanged machine-contiguous below the device's reach like
 * the first (xen_swiotlb_fixup), with real XENMEM_exchange on x86 PV.
 *
 * Every mapping is held until all are made; then the device reads every
 * stride-th one (all with stride 1) into its buffer and writes it to a
 * coherent buffer the CPU checks: a bounce slot with the wrong bytes, or
 * a bus address that is not the slot's machine frame, is a wrong byte.
 * Each edu transfer takes 100 ms of QEMU's clock, so checking all 1,536
 * mappings costs five minutes per boot; `make real-dma` checks every
 * eighth.  Every bus address is checked against the real p2m as the
 * workloads' are (check.c).
 *
 * Linux counterpart: kernel/dma/swiotlb.c with CONFIG_SWIOTLB_DYNAMIC,
 * which no Xen guest enables (its swiotlb has a remap hook, so
 * can_grow is false); this is dmakit's extension, run for real.
 */
#include "dmk-linux.h"

#include <linux/mm.h>
#include <linux/slab.h>

/* Two 2 KiB slots and one edu transfer each (edu stops at 4095). */
#define DYN_LEN 4000

int dmk_edu_dynamic(struct dmk_edu_run *r, struct dmk_system *sys,
		    const struct dmk_linux_platform *lp, unsigned int stride,
		    struct dmk_edu_dynamic *out)
{
	struct dmk_device *dev = r->dev;
	struct dmk_swiotlb_stats st;
	struct page **pages = NULL;
	dmk_addr_t *addr = NULL, dst;
	uint64_t *stream = NULL;
	uint8_t *check;
	unsigned int n, made = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (dmk_swiotlb_stats(sys, &st) || !st.nslabs || !stride)
		return -EINVAL;
	/* Half again what the default pool holds: it must grow. */
	n = st.nslabs / 2 * 3 / 2;
	out->held = n;
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	addr = kvcalloc(n, sizeof(*addr), GFP_KERNEL);
	stream = kvcalloc(n, sizeof(*stream), GFP_KERNEL);
	check = dmk_alloc_coherent(dev, PAGE_SIZE, &dst);
	if (!pages || !addr || !stream || !check) {
		rc = -ENOMEM;
		goto out;
	}
	/* Only mappings that bounce count: a page the device reaches as it
	 * is (below 4 GiB on arm64, a low machine frame on x86 PV) is
	 * given back and another one tried. */
	for (unsigned int tries = 0; made < n && tries < 4 * n; tries++) {
		struct dmk_dma_stats before, after;
		struct page *pg = alloc_page(GFP_KERNEL);
		uint8_t *va;
		dmk_addr_t a;

		if (!pg) {
			rc = -ENOMEM;
			goto out;
		}
		va = page_address(pg);
		stream[made] = r->seed * 1000003ULL + 0x10000000ULL + tries;
		dmk_edu_fill(va, DYN_LEN, stream[made], 0);
		dmk_device_stats(dev, &before);
		a = dmk_map_single(dev, va, DYN_LEN, DMK_DMA_TO_DEVICE);
		if (dmk_mapping_error(dev, a)) {
			if (!out->map_failed++)
				pr_err("dmakit-edu: dynamic: map %u of %u failed\n",
				       made, n);
			__free_page(pg);
			continue;
		}
		dmk_device_stats(dev, &after);
		if (after.bounced == before.bounced) {
			dmk_unmap_single(dev, a, DYN_LEN, DMK_DMA_TO_DEVICE);
			__free_page(pg);
			out->direct++;
			continue;
		}
		if (!dmk_linux_bus_range_ok(r->mask, a, DYN_LEN))
			out->faults++;
		pages[made] = pg;
		addr[made++] = a;
	}
	if (made < n) {
		pr_err("dmakit-edu: dynamic: only %u of %u mappings bounced\n",
		       made, n);
		out->faults++;
	}
	/* Everything is mapped at once now: the pools as they stand. */
	dmk_swiotlb_stats(sys, &st);
	out->pools = st.pools;
	out->transient_live = st.transient_pools;
	for (unsigned int i = 0; i < made; i += stride) {
		memset(check, 0, DYN_LEN);
		if (dmk_edu_to_device(r->edu, addr[i], 0, DYN_LEN) ||
		    dmk_edu_from_device(r->edu, dst, 0, DYN_LEN)) {
			out->faults++;
			continue;
		}
		out->wrong += dmk_edu_mismatch(check, DYN_LEN, stream[i], 0);
		out->checked += 2 * DYN_LEN;
	}
out:
	for (unsigned int i = 0; i < made; i++) {
		dmk_unmap_single(dev, addr[i], DYN_LEN, DMK_DMA_TO_DEVICE);
		__free_page(pages[i]);
	}
	if (check)
		dmk_free_coherent(dev, PAGE_SIZE, check, dst);
	kvfree(stream);
	kvfree(addr);
	kvfree(pages);
	/* The growth may still be queued; what it did counts once done. */
	flush_workqueue(lp->wq);
	dmk_swiotlb_stats(sys, &st);
	out->transient_total = st.transient_total;
	out->transient_left = st.transient_pools;
	out->pools_after = st.pools;
	out->deferred = atomic64_read(&lp->deferred);
	return rc;
}
