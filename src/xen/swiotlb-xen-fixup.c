/* SPDX-License-Identifier: MIT */
/*
 * The bounce pool made machine-contiguous: Linux's xen_swiotlb_fixup,
 * the remap callback swiotlb-xen hands to swiotlb_init_remap.
 *
 * The core allocates the pool below its limit and calls this on it;
 * when it fails, the core frees the pages and tries half the size, as
 * Linux does.  Every 128-slot segment (256 KiB, the largest single
 * bounce) becomes machine-contiguous, first asking for the fewest
 * address bits that can hold it and then for more, up to the pool's
 * limit.  A 1:1 guest's pool is machine-contiguous already.  A failure
 * undoes the segments already made, so the core gets back exactly the
 * frames it gave.
 *
 * Also here, the check a restricted-dma-pool must pass under
 * swiotlb-xen: it is never remapped, so it must be machine memory at the
 * address the tree names.
 */
#include "xen-internal.h"

#define SEG_SLABS ((size_t)DMK_IO_TLB_SEGSIZE)
#define SEG_BYTES (SEG_SLABS << DMK_IO_TLB_SHIFT)

static size_t nr_segs(size_t nslabs)
{
	return (nslabs + SEG_SLABS - 1) / SEG_SLABS;
}

static unsigned int seg_order(size_t nslabs, size_t i)
{
	size_t left = (nslabs - i * SEG_SLABS) << DMK_IO_TLB_SHIFT;

	return dmk_get_order(left < SEG_BYTES ? left : SEG_BYTES);
}

static int make_segment_contiguous(struct dmk_xen *xen, dmk_phys_t phys,
				   unsigned int order, dmk_phys_t limit)
{
	unsigned int bits = order + DMK_PAGE_SHIFT;
	unsigned int max_bits = dmk_fls64(limit);
	dmk_maddr_t ma;
	int rc;

	if (max_bits < bits)
		max_bits = bits;
	do {
		rc = dmk_xen_contig_create(xen, phys, order, bits, &ma);
	} while (rc && rc != -DMK_ENOTSUP && bits++ < max_bits);
	return rc;
}

static void unfix(struct dmk_xen *xen, dmk_phys_t phys, size_t nslabs,
		  size_t nsegs)
{
	for (size_t i = 0; i < nsegs; i++)
		dmk_xen_contig_destroy(xen, phys + i * SEG_BYTES,
				       seg_order(nslabs, i));
}

static void log_cannot_pin(struct dmk_xen *xen)
{
	dmk_log(xen->plat, DMK_LOG_ERR,
		"swiotlb-xen: %s is not direct-mapped and the hypervisor cannot pin contiguous memory",
		xen->dom0 ? "dom0" : "domU");
}

int dmk_xen_pool_remap(struct dmk_system *sys, dmk_phys_t phys, size_t nslabs,
		       dmk_phys_t limit, bool transient)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	size_t nsegs = nr_segs(nslabs);

	if (xen->mode == DMK_XEN_MODE_1TO1)
		return 0;
	for (size_t i = 0; i < nsegs; i++) {
		int rc = make_segment_contiguous(xen, phys + i * SEG_BYTES,
						 seg_order(nslabs, i), limit);

		if (rc) {
			if (rc == -DMK_ENOTSUP &&
			    xen->mode == DMK_XEN_MODE_PINNED)
				log_cannot_pin(xen);
			else
				/* The cause, as detail: the pool halves and
				 * says so (the one warning), or goes without
				 * (one line too), as Linux's
				 * swiotlb_init_remap, silent on each retry. */
				dmk_log(xen->plat, DMK_LOG_INFO,
					"swiotlb-xen: segment %zu of the bounce pool at %#llx cannot be made machine-contiguous below %#llx (%s)",
					i, (unsigned long long)phys,
					(unsigned long long)limit,
					dmk_strerror(rc));
			unfix(xen, phys, nslabs, i);
			return rc;
		}
	}
	/* A transient pool lives for one mapping: a line each would
	 * drown the log (Linux logs none; it never makes them here). */
	if (!transient)
		dmk_log(xen->plat, DMK_LOG_INFO,
			"swiotlb-xen: bounce pool [mem %#llx-%#llx] (%zuKB), %zu segments made machine-contiguous",
			(unsigned long long)phys,
			(unsigned long long)(phys +
					     (nslabs << DMK_IO_TLB_SHIFT) - 1),
			(nslabs << DMK_IO_TLB_SHIFT) >> 10, nsegs);
	return 0;
}

void dmk_xen_pool_unremap(struct dmk_system *sys, dmk_phys_t phys,
			  size_t nslabs)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (xen->mode != DMK_XEN_MODE_1TO1)
		unfix(xen, phys, nslabs, nr_segs(nslabs));
}

/*
 * A restricted-dma-pool names physical memory that its devices, and only
 * they, may reach: the binding's purpose is a hardware lock-down (an MPU
 * or firewall) set up by firmware at those addresses.  Under swiotlb-xen
 * its bounces reach the device as machine addresses, so the pool is
 * usable only where its guest frames are those machine frames: always in
 * a direct-mapped guest, never in a dom0 that is not (its frames are
 * wherever Xen put them, and making them contiguous with exchange-and-pin
 * would pick new frames, outside the region the device is confined to).
 */
int dmk_xen_restricted_pool_check(struct dmk_system *sys, dmk_phys_t phys,
				  size_t size)
{
	struct dmk_xen *xen = dmk_xen_of(sys);
	uint64_t first = phys >> DMK_PAGE_SHIFT;
	uint64_t last = (phys + size - 1) >> DMK_PAGE_SHIFT;

	for (uint64_t pfn = first; pfn <= last; pfn++) {
		uint64_t bfn = dmk_xen_p2m_pfn_to_bfn(xen, pfn);

		if (bfn == pfn && !dmk_xen_pfn_is_foreign(xen, pfn))
			continue;
		if (bfn == DMK_INVALID_BFN)
			dmk_log(xen->plat, DMK_LOG_ERR,
				"swiotlb-xen: restricted-dma-pool %#llx+%#zx refused: %s is not direct-mapped, so the machine memory behind %#llx is not the memory the tree names, the only memory its devices may reach",
				(unsigned long long)phys, size,
				xen->dom0 ? "dom0" : "this domU",
				(unsigned long long)(pfn << DMK_PAGE_SHIFT));
		else
			dmk_log(xen->plat, DMK_LOG_ERR,
				"swiotlb-xen: restricted-dma-pool %#llx+%#zx refused: guest frame %#llx is machine frame %#llx, not the memory the tree names, the only memory its devices may reach",
				(unsigned long long)phys, size,
				(unsigned long long)pfn,
				(unsigned long long)bfn);
		return -DMK_ENOTSUP;
	}
	return 0;
}
