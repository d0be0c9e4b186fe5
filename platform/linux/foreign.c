// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * A foreign page on real Xen: GNTTABOP_cache_flush for real.
 *
 * swiotlb-xen cannot clean or invalidate a page another domain granted
 * by its own virtual address for a non-coherent device; it asks Xen with
 * GNTTABOP_cache_flush, one call per page (Linux's
 * xen_dma_sync_for_device).  Here a page of dom0's is granted to dom0
 * itself with the kernel's grant table (gnttab_grant_foreign_access, what
 * gntalloc does), mapped back through dmakit's foreign-page path
 * (dmk_xen_map_foreign: a ballooned frame and GNTTABOP_map_grant_ref, what
 * gntdev does), and moved through a non-coherent edu both ways: the
 * library must treat it as foreign, and the bytes must match through both
 * of the page's mappings.
 *
 * ARM only: there dom0 is 1:1 and the grant's machine frame is the page's
 * own.  The grant comes from the kernel's table, not dmakit's, because
 * Xen keeps one grant table per domain and the kernel's already is it.
 */
#include "dmk-linux.h"

#include <dmakit/xen.h>

#include <xen/grant_table.h>
#include <xen/page.h>

#define FOREIGN_XFERS 8

static size_t one_way(struct dmk_edu_run *r, uint8_t *from, uint8_t *to,
		      size_t len, uint64_t s)
{
	dmk_addr_t src, dst;
	size_t bad;

	dmk_edu_fill(from, len, s, 0);
	src = dmk_map_single(r->dev, from, len, DMK_DMA_TO_DEVICE);
	if (dmk_mapping_error(r->dev, src) ||
	    !dmk_linux_bus_range_ok(r->mask, src, len)) {
		r->faults++;
		return 0;
	}
	dst = dmk_map_single(r->dev, to, len, DMK_DMA_FROM_DEVICE);
	if (dmk_mapping_error(r->dev, dst) ||
	    !dmk_linux_bus_range_ok(r->mask, dst, len)) {
		r->faults++;
		dmk_unmap_single(r->dev, src, len, DMK_DMA_TO_DEVICE);
		return 0;
	}
	if (dmk_edu_to_device(r->edu, src, 0, len) ||
	    dmk_edu_from_device(r->edu, dst, 0, len))
		r->faults++;
	dmk_unmap_single(r->dev, dst, len, DMK_DMA_FROM_DEVICE);
	dmk_unmap_single(r->dev, src, len, DMK_DMA_TO_DEVICE);
	bad = dmk_edu_mismatch(to, len, s, 0);
	r->checked += 2 * len;
	r->wrong += bad;
	return bad;
}

int dmk_edu_foreign(struct dmk_edu_run *r, struct dmk_system *sys,
		    struct dmk_edu_foreign *out)
{
	struct dmk_xen_foreign_page fp;
	struct dmk_xen_stats before, after;
	struct page *page, *local;
	uint8_t *own, *back;
	int ref, rc;

	memset(out, 0, sizeof(*out));
	/* Within the device's reach (arm64's ZONE_DMA, below 4 GiB here), so
	 * that swiotlb-xen maps it directly rather than bounce it, and the
	 * maintenance of the foreign page itself is Xen's to do. */
	page = alloc_page(GFP_KERNEL | GFP_DMA);
	local = alloc_page(GFP_KERNEL);
	if (!page || !local) {
		rc = -ENOMEM;
		goto out_pages;
	}
	ref = gnttab_grant_foreign_access(0, xen_page_to_gfn(page), 0);
	if (ref < 0) {
		pr_err("dmakit-edu: foreign: cannot grant a page to dom0: %d\n",
		       ref);
		rc = ref;
		goto out_pages;
	}
	rc = dmk_xen_map_foreign(sys, 0, ref, false, &fp);
	if (rc) {
		pr_err("dmakit-edu: foreign: dmk_xen_map_foreign of grant %d: %d\n",
		       ref, rc);
		out->map_error = rc;
		gnttab_end_foreign_access(ref, NULL);
		goto out_pages;
	}
	own = page_address(page);
	back = page_address(local);
	pr_info("dmakit-edu: foreign: page %#lx granted to dom0 itself (ref %d), mapped at %#llx, machine frame %#llx\n",
		page_to_pfn(page), ref, (unsigned long long)fp.phys,
		(unsigned long long)fp.bfn);
	dmk_xen_stats(sys, &before);
	for (unsigned int i = 0; i < FOREIGN_XFERS; i++) {
		size_t len = dmk_edu_rand_range(r, 1, DMK_EDU_XFER_MAX);
		size_t off = dmk_edu_rand_range(r, 0, PAGE_SIZE - len);
		uint64_t s = r->seed * 15485863ULL + i;
		size_t bad;

		/* The device reads the foreign mapping... */
		out->wrong += one_way(r, (uint8_t *)fp.va + off, back, len, s);
		/* ...which is the granted page itself. */
		bad = dmk_edu_mismatch(own + off, len, s, 0);
		r->wrong += bad;
		out->wrong += bad;
		/* The device writes into the foreign mapping. */
		out->wrong +=
			one_way(r, back, (uint8_t *)fp.va + off, len, s + 1);
		out->bytes += 2 * len;
	}
	dmk_xen_stats(sys, &after);
	out->flushes = after.cache_flush_calls - before.cache_flush_calls;
	out->unmap_error = dmk_xen_unmap_foreign(sys, &fp);
	if (out->unmap_error)
		pr_warn("dmakit-edu: foreign: dmk_xen_unmap_foreign: %d (the ballooned frame stays out)\n",
			out->unmap_error);
	gnttab_end_foreign_access(ref, NULL);
	rc = 0;
out_pages:
	if (page)
		__free_page(page);
	if (local)
		__free_page(local);
	return rc;
}
