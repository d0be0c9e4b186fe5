/* SPDX-License-Identifier: MIT */
/*
 * xen_create_contiguous_region / xen_destroy_contiguous_region.
 *
 * x86 PV (arch/x86/xen/mmu_pv.c, Mini-OS's alloc_contig_pages): zero the
 * region, unmap its pages, XENMEM_exchange the 2^order order-0 frames
 * for one order-N extent below address_bits, then map the new frames
 * (or, when Xen refused, the old ones) and record them in the guest's
 * p2m and in the M2P.  Destroy is the same dance backwards: one order-N
 * extent for 2^order order-0 ones.
 *
 * An autotranslated guest mapped 1:1 (ARM dom0 since Xen 4.4) is
 * machine-contiguous already: the region is its own bus address.  One
 * that is not 1:1 cannot exchange at all (Xen on ARM answers
 * -EOPNOTSUPP, it cannot steal a page of a translated guest) and needs
 * the 2013 series' exchange-and-pin (include/dmakit/xen-ext.h): the same
 * guest frames come back on new, contiguous, pinned machine frames.
 *
 * Every exchange and balloon runs under reservation_lock, which also
 * guards the frame arrays in struct dmk_xen (Linux's discontig_frames).
 */
#include "xen-internal.h"

/* ---- PV page tables ---- */

static unsigned long linear_va(struct dmk_xen *xen, uint64_t pfn)
{
	return (unsigned long)dmk_phys_to_virt(xen->plat,
					       pfn << DMK_PAGE_SHIFT);
}

int dmk_xen_pv_map_frame(struct dmk_xen *xen, uint64_t pfn, uint64_t mfn)
{
	uint64_t pte = (mfn << DMK_PAGE_SHIFT) | DMK_XEN_PTE_KERNEL;
	long rc = dmk_xen_hypercall(xen, __HYPERVISOR_update_va_mapping,
				    linear_va(xen, pfn), pte, UVMF_INVLPG);

	return dmk_xen_error(rc);
}

int dmk_xen_pv_unmap_frame(struct dmk_xen *xen, uint64_t pfn)
{
	long rc = dmk_xen_hypercall(xen, __HYPERVISOR_update_va_mapping,
				    linear_va(xen, pfn), 0, UVMF_INVLPG);

	return dmk_xen_error(rc);
}

/* The platform's hook carries three arguments: foreigndom is DOMID_SELF. */
int dmk_xen_pv_set_m2p(struct dmk_xen *xen, const uint64_t *mfns, uint64_t pfn,
		       unsigned int n)
{
	unsigned int done = 0;
	long rc;

	for (unsigned int i = 0; i < n; i++) {
		xen->mmu[i].ptr =
			(mfns[i] << DMK_PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
		xen->mmu[i].val = pfn + i;
	}
	rc = dmk_xen_hypercall(xen, __HYPERVISOR_mmu_update,
			       (unsigned long)xen->mmu, n,
			       (unsigned long)&done);
	if (rc == 0 && done != n)
		rc = -XEN_EINVAL;
	return dmk_xen_error(rc);
}

/*
 * Point the linear map of [pfn, pfn + n) at mfns[] (NULL: unmap), one
 * update_va_mapping per page batched in a multicall, as Linux's
 * xen_remap_exchanged_ptes does.  Where Linux BUG()s on a failed entry,
 * each failed entry is tried once more on its own: a page left unmapped
 * after its exchange would fault the first time the kernel touched it
 * (`dmakit faults` found that).  Returns the first error that stayed.
 */
static int pv_update_range(struct dmk_xen *xen, uint64_t pfn,
			   const uint64_t *mfns, unsigned int n)
{
	int err = 0;
	long rc;

	for (unsigned int i = 0; i < n; i++) {
		struct multicall_entry *mc = &xen->mc[i];

		memset(mc, 0, sizeof(*mc));
		mc->op = __HYPERVISOR_update_va_mapping;
		mc->args[0] = linear_va(xen, pfn + i);
		mc->args[1] =
			mfns ? (mfns[i] << DMK_PAGE_SHIFT) | DMK_XEN_PTE_KERNEL
			     : 0;
		mc->args[2] = UVMF_INVLPG;
	}
	rc = dmk_xen_hypercall(xen, __HYPERVISOR_multicall,
			       (unsigned long)xen->mc, n, 0);
	for (unsigned int i = 0; i < n; i++) {
		struct multicall_entry *mc = &xen->mc[i];
		long one;

		if (!rc && !mc->result)
			continue;
		one = dmk_xen_hypercall(xen, __HYPERVISOR_update_va_mapping,
					mc->args[0], mc->args[1], mc->args[2]);
		if (one && !err)
			err = dmk_xen_error(one);
	}
	return err;
}

/* Unmap [pfn, pfn + n), remembering the frames in xen->old_mfns. */
static void pv_zap(struct dmk_xen *xen, uint64_t pfn, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		xen->old_mfns[i] = dmk_xen_pv_get(xen, pfn + i);
		dmk_xen_pv_set(xen, pfn + i, DMK_INVALID_BFN);
	}
	pv_update_range(xen, pfn, NULL, n);
}

/* Map mfns[i] at pfn + i and record them in both directions. */
static int pv_remap(struct dmk_xen *xen, uint64_t pfn, const uint64_t *mfns,
		    unsigned int n)
{
	int rc = pv_update_range(xen, pfn, mfns, n);

	for (unsigned int i = 0; i < n; i++)
		dmk_xen_pv_set(xen, pfn + i, mfns[i]);
	if (!rc)
		rc = dmk_xen_pv_set_m2p(xen, mfns, pfn, n);
	if (rc)
		dmk_log(xen->plat, DMK_LOG_ERR,
			"xen: remapping %u frames at pfn %#llx failed (%d)", n,
			(unsigned long long)pfn, rc);
	return rc;
}

/* ---- XENMEM_exchange ---- */

static void reservation(struct xen_memory_reservation *r, xen_pfn_t *list,
			xen_ulong_t nr, unsigned int order,
			unsigned int address_bits)
{
	memset(r, 0, sizeof(*r));
	set_xen_guest_handle(r->extent_start, list);
	r->nr_extents = nr;
	r->extent_order = order;
	r->mem_flags = XENMEMF_address_bits(address_bits);
	r->domid = DOMID_SELF;
}

/*
 * One exchange; returns the number of input extents exchanged (Xen's
 * nr_exchanged, zeroed first as the ABI demands) and the return code.
 */
static xen_ulong_t exchange(struct dmk_xen *xen, unsigned int cmd,
			    xen_pfn_t *in, xen_ulong_t nr_in,
			    unsigned int order_in, xen_pfn_t *out,
			    xen_ulong_t nr_out, unsigned int order_out,
			    unsigned int address_bits, long *rc)
{
	struct xen_memory_exchange ex;

	reservation(&ex.in, in, nr_in, order_in, 0);
	reservation(&ex.out, out, nr_out, order_out, address_bits);
	ex.nr_exchanged = 0;
	*rc = dmk_xen_memory_op(xen, cmd, &ex);
	if (*rc == 0 && ex.nr_exchanged != nr_in)
		*rc = -XEN_EINVAL;
	return ex.nr_exchanged;
}

static int pv_create(struct dmk_xen *xen, uint64_t pfn, unsigned int order,
		     unsigned int address_bits, uint64_t *bfn)
{
	unsigned int n = 1U << order;
	xen_pfn_t out = pfn;
	xen_ulong_t done;
	long rc;

	pv_zap(xen, pfn, n);
	for (unsigned int i = 0; i < n; i++)
		xen->frames[i] = xen->old_mfns[i];
	done = exchange(xen, XENMEM_exchange, xen->frames, n, 0, &out, 1, order,
			address_bits, &rc);
	/*
	 * As Mini-OS: the first nr_exchanged frames were traded for the
	 * start of the new extent, the rest are still ours.  On complete
	 * success that is the whole new extent.
	 */
	for (unsigned int i = 0; i < done && i < n; i++)
		xen->old_mfns[i] = out + i;
	pv_remap(xen, pfn, xen->old_mfns, n);
	if (done)
		dmk_atomic_fetch_add(&xen->pages_exchanged, done < n ? done : n,
				     DMK_ORDER_RELAXED);
	if (rc)
		return rc < 0 ? dmk_xen_error(rc) : -DMK_ENOMEM;
	*bfn = out;
	return 0;
}

static int pv_destroy(struct dmk_xen *xen, uint64_t pfn, unsigned int order)
{
	unsigned int n = 1U << order;
	xen_pfn_t in;
	xen_ulong_t done;
	long rc;

	pv_zap(xen, pfn, n);
	in = xen->old_mfns[0];
	for (unsigned int i = 0; i < n; i++)
		xen->frames[i] = pfn + i;
	/* Linux: back to order-0 extents anywhere (address_bits 0). */
	done = exchange(xen, XENMEM_exchange, &in, 1, order, xen->frames, n, 0,
			0, &rc);
	if (done == 1) {
		for (unsigned int i = 0; i < n; i++)
			xen->old_mfns[i] = xen->frames[i];
		dmk_atomic_fetch_add(&xen->pages_exchanged, n,
				     DMK_ORDER_RELAXED);
	}
	pv_remap(xen, pfn, xen->old_mfns, n);
	return done == 1 ? 0 : dmk_xen_error(rc ? rc : -XEN_EINVAL);
}

/* ---- exchange-and-pin (autotranslated, not 1:1) ---- */

/* One XENMEM_unpin of [pfn, pfn + n); returns how many were unpinned. */
static xen_ulong_t unpin_once(struct dmk_xen *xen, uint64_t pfn, unsigned int n,
			      long *rc)
{
	struct dmk_xen_unpin up;

	for (unsigned int i = 0; i < n; i++)
		xen->frames[i] = pfn + i;
	reservation(&up.in, xen->frames, n, 0, 0);
	up.nr_unpinned = 0;
	*rc = dmk_xen_memory_op(xen, DMK_XENMEM_unpin, &up);
	return *rc ? up.nr_unpinned : n;
}

/*
 * Unpin [pfn, pfn + n).  An unpin that stops part-way (nr_unpinned
 * says where) is tried once more from there: a frame left pinned is
 * one the hypervisor may never move again (`dmakit faults` found that).
 */
static void unpin(struct dmk_xen *xen, uint64_t pfn, unsigned int n)
{
	xen_ulong_t done;
	long rc;

	done = unpin_once(xen, pfn, n, &rc);
	if (rc && done < n)
		done += unpin_once(xen, pfn + done, n - (unsigned int)done,
				   &rc);
	if (rc)
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: XENMEM_unpin of pfn %#llx: %ld (%lu of %u unpinned)",
			(unsigned long long)pfn, rc, (unsigned long)done, n);
}

static int pin_create(struct dmk_xen *xen, uint64_t pfn, unsigned int order,
		      unsigned int address_bits, uint64_t *bfn)
{
	unsigned int cmd = DMK_XENMEM_exchange_and_pin;
	unsigned int n = 1U << order;
	xen_pfn_t out = pfn;
	xen_ulong_t done;
	long rc;
	int err;

	/* An autotranslated guest names its frames by GPFN. */
	for (unsigned int i = 0; i < n; i++)
		xen->frames[i] = pfn + i;
	done = exchange(xen, cmd, xen->frames, n, 0, &out, 1, order,
			address_bits, &rc);
	if (rc) {
		/* Partial progress: give back the pins it did take. */
		if (done)
			unpin(xen, pfn, done < n ? done : n);
		return rc < 0 ? dmk_xen_error(rc) : -DMK_ENOMEM;
	}
	dmk_atomic_fetch_add(&xen->pages_exchanged, n, DMK_ORDER_RELAXED);
	err = dmk_xen_p2m_add(xen, pfn, out, n, DMK_XEN_FRAME_PINNED);
	if (err) {
		unpin(xen, pfn, n);
		return err;
	}
	*bfn = out;
	return 0;
}

static int pin_destroy(struct dmk_xen *xen, uint64_t pfn, unsigned int order)
{
	uint64_t bfn;
	enum dmk_xen_frame_kind kind;

	if (!dmk_xen_rangemap_lookup(&xen->by_pfn, pfn, &bfn, &kind) ||
	    kind != DMK_XEN_FRAME_PINNED)
		return -DMK_EINVAL;
	dmk_xen_p2m_del(xen, pfn, bfn);
	unpin(xen, pfn, 1U << order);
	return 0;
}

/* ---- the interface ---- */

int dmk_xen_contig_create(struct dmk_xen *xen, dmk_phys_t pstart,
			  unsigned int order, unsigned int address_bits,
			  dmk_maddr_t *ma)
{
	uint64_t pfn = pstart >> DMK_PAGE_SHIFT;
	size_t size = DMK_PAGE_SIZE << order;
	uint64_t bfn = pfn;
	int rc;

	if (order > DMK_XEN_MAX_CONTIG_ORDER || (pstart & (DMK_PAGE_SIZE - 1)))
		return -DMK_EINVAL;
	if (xen->mode == DMK_XEN_MODE_1TO1) {
		/* Nothing to exchange; but say so when it cannot reach. */
		if (address_bits < 64 &&
		    pstart + size - 1 > DMK_BIT_MASK(address_bits))
			return -DMK_ERANGE;
		*ma = (dmk_maddr_t){pstart};
		return 0;
	}
	/* Old contents must not leak to the hypervisor's free pool. */
	memset(dmk_phys_to_virt(xen->plat, pstart), 0, size);
	dmk_mutex_lock(&xen->reservation_lock);
	if (xen->mode == DMK_XEN_MODE_PV)
		rc = pv_create(xen, pfn, order, address_bits, &bfn);
	else
		rc = pin_create(xen, pfn, order, address_bits, &bfn);
	dmk_mutex_unlock(&xen->reservation_lock);
	if (rc)
		return rc;
	dmk_atomic_fetch_add(&xen->contig_regions, 1, DMK_ORDER_RELAXED);
	*ma = (dmk_maddr_t){bfn << DMK_PAGE_SHIFT};
	return 0;
}

void dmk_xen_contig_destroy(struct dmk_xen *xen, dmk_phys_t pstart,
			    unsigned int order)
{
	uint64_t pfn = pstart >> DMK_PAGE_SHIFT;
	int rc;

	if (order > DMK_XEN_MAX_CONTIG_ORDER || xen->mode == DMK_XEN_MODE_1TO1)
		return;
	memset(dmk_phys_to_virt(xen->plat, pstart), 0, DMK_PAGE_SIZE << order);
	dmk_mutex_lock(&xen->reservation_lock);
	if (xen->mode == DMK_XEN_MODE_PV) {
		rc = pv_destroy(xen, pfn, order);
		/* A failed exchange back left the region mapped as it was:
		 * once more, or it stays machine-contiguous for good
		 * (`dmakit faults` found that). */
		if (rc)
			rc = pv_destroy(xen, pfn, order);
	} else {
		rc = pin_destroy(xen, pfn, order);
	}
	dmk_mutex_unlock(&xen->reservation_lock);
	if (rc) {
		dmk_log(xen->plat, DMK_LOG_WARN,
			"xen: destroying the contiguous region at %#llx (order %u) failed (%d)",
			(unsigned long long)pstart, order, rc);
		return;
	}
	dmk_atomic_fetch_sub(&xen->contig_regions, 1, DMK_ORDER_RELAXED);
}

int dmk_xen_create_contiguous_region(struct dmk_system *sys, dmk_phys_t pstart,
				     unsigned int order,
				     unsigned int address_bits, dmk_maddr_t *ma)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (!xen || !ma)
		return -DMK_EINVAL;
	return dmk_xen_contig_create(xen, pstart, order, address_bits, ma);
}

void dmk_xen_destroy_contiguous_region(struct dmk_system *sys,
				       dmk_phys_t pstart, unsigned int order)
{
	struct dmk_xen *xen = dmk_xen_of(sys);

	if (xen)
		dmk_xen_contig_destroy(xen, pstart, order);
}

/* ---- ballooning (grant.c's pages) ---- */

int dmk_xen_balloon_out(struct dmk_xen *xen, dmk_phys_t phys)
{
	uint64_t pfn = phys >> DMK_PAGE_SHIFT;
	struct xen_memory_reservation r;
	xen_pfn_t frame = pfn;
	long rc;

	if (xen->mode == DMK_XEN_MODE_PV) {
		/* A PV guest names its frames by MFN and unmaps them first. */
		frame = dmk_xen_pv_get(xen, pfn);
		if (frame == DMK_INVALID_BFN)
			return -DMK_EINVAL;
		dmk_xen_pv_unmap_frame(xen, pfn);
		dmk_xen_pv_set(xen, pfn, DMK_INVALID_BFN);
	}
	reservation(&r, &frame, 1, 0, 0);
	rc = dmk_xen_memory_op(xen, XENMEM_decrease_reservation, &r);
	if (rc == 1)
		return 0;
	if (xen->mode == DMK_XEN_MODE_PV) {
		dmk_xen_pv_map_frame(xen, pfn, frame);
		dmk_xen_pv_set(xen, pfn, frame);
	}
	return rc < 0 ? dmk_xen_error(rc) : -DMK_EIO;
}

int dmk_xen_balloon_in(struct dmk_xen *xen, dmk_phys_t phys)
{
	uint64_t pfn = phys >> DMK_PAGE_SHIFT;
	struct xen_memory_reservation r;
	xen_pfn_t frame = pfn;
	uint64_t mfn;
	long rc;
	int err;

	reservation(&r, &frame, 1, 0, 0);
	rc = dmk_xen_memory_op(xen, XENMEM_populate_physmap, &r);
	if (rc != 1)
		return rc < 0 ? dmk_xen_error(rc) : -DMK_ENOMEM;
	if (xen->mode != DMK_XEN_MODE_PV)
		return 0;
	/* PV: Xen returned the new frame; map it and record it. */
	mfn = frame;
	dmk_xen_pv_set(xen, pfn, mfn);
	err = dmk_xen_pv_map_frame(xen, pfn, mfn);
	if (!err)
		err = dmk_xen_pv_set_m2p(xen, &mfn, pfn, 1);
	return err;
}
