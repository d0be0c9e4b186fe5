// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * The designs the 2013 thread warns about, run on the real system so that
 * their failure is the hardware's verdict and not the simulator's:
 *
 *   pfn as bus address   the driver hands the device its guest-physical
 *                        address (what dma-direct does when nobody told it
 *                        about Xen).  On x86 PV that address is a
 *                        pseudo-physical one: the device reads whatever
 *                        machine frame has that number, or, beyond its
 *                        reach, the frame its address lines wrap to.
 *   no contiguous region a two-page buffer addressed from its first page's
 *                        true machine frame (the driver knows about the p2m
 *                        but assumes the buffer is machine-contiguous, as
 *                        free pages without xen_create_contiguous_region
 *                        would be taken): the device runs on into the
 *                        machine frame after the first, which is not the
 *                        buffer's second page.
 *
 * Only the device's reads use the naive addresses: a naive write would
 * land in memory that is not ours (another page of dom0's, or Xen's).  What
 * the device read is brought back through a correct dmakit FROM_DEVICE
 * mapping and compared with what the buffer holds; a byte from anywhere
 * else is wrong.  On a 1:1 dom0 (ARM) the second design is right, and the
 * first fails only beyond the device's reach: that is reported as it is.
 */
#include "dmk-linux.h"

#include <linux/gfp.h>

#define NAIVE_XFERS 8
#define NAIVE_TRIES 128

/* The device reads len bytes at the naive address; a correct mapping
 * brings them back into out; the count of bytes that are not the
 * buffer's. */
static size_t naive_read(struct dmk_edu_run *r, dmk_addr_t naive_bus,
			 size_t len, uint64_t s, size_t pos0, uint8_t *out)
{
	dmk_addr_t dst;
	size_t bad;

	if (dmk_edu_to_device(r->edu, naive_bus, 0, len)) {
		r->faults++;
		return 0;
	}
	dst = dmk_map_single(r->dev, out, len, DMK_DMA_FROM_DEVICE);
	if (dmk_mapping_error(r->dev, dst) ||
	    !dmk_linux_bus_range_ok(r->mask, dst, len)) {
		r->faults++;
		return 0;
	}
	if (dmk_edu_from_device(r->edu, dst, 0, len))
		r->faults++;
	dmk_unmap_single(r->dev, dst, len, DMK_DMA_FROM_DEVICE);
	bad = dmk_edu_mismatch(out, len, s, pos0);
	return bad;
}

static void naive_pfn_bus(struct dmk_edu_run *r, uint8_t *buf, uint8_t *out,
			  struct dmk_edu_naive *res)
{
	size_t len = DMK_EDU_XFER_MAX;

	for (unsigned int i = 0; i < NAIVE_XFERS; i++) {
		size_t off = dmk_edu_rand_range(r, 0, 4 * PAGE_SIZE - len);
		uint64_t s = r->seed * 7919 + i;
		dmk_addr_t bus = virt_to_phys(buf + off);
		size_t bad;

		dmk_edu_fill(buf + off, len, s, 0);
		if (bus + len - 1 > r->mask)
			res->pfn_bus_beyond++;
		bad = naive_read(r, bus, len, s, 0, out);
		if (i == 0)
			pr_info("dmakit-edu: naive: guest-physical %#llx as bus address (the page's machine frame is %#llx): %zu of %zu bytes wrong\n",
				(unsigned long long)bus,
				(unsigned long long)dmk_linux_pfn_to_mfn(
					PHYS_PFN(bus)),
				bad, len);
		res->pfn_bus_wrong += bad;
		res->pfn_bus_bytes += len;
	}
}

/*
 * Two guest-contiguous pages, preferring a pair whose second page is not
 * on the machine frame after the first's (what the design gets wrong) and
 * whose first frame the device reaches (so that reach does not hide it).
 * A freshly booted PV dom0 is built from large extents (a few hundred
 * machine-contiguous runs), so the pairs are taken from inside blocks of
 * PAIR_ORDER pages, many of them; if no such pair turns up, the best one
 * found is used and the report says why its bytes are wrong.
 */
#define PAIR_ORDER 3

struct pair {
	struct page *block;
	unsigned long pfn; /* the first page of the pair */
	unsigned int score;
};

static unsigned int pair_score(struct dmk_edu_run *r, unsigned long pfn)
{
	uint64_t m0 = dmk_linux_pfn_to_mfn(pfn);
	uint64_t m1 = dmk_linux_pfn_to_mfn(pfn + 1);

	return 1 + (m1 != m0 + 1) * 2 +
	       (((m0 + 1) << PAGE_SHIFT) - 1 <= r->mask);
}

static void find_pair(struct dmk_edu_run *r, struct pair *best)
{
	struct page **tried;
	unsigned int n = 0;

	memset(best, 0, sizeof(*best));
	tried = kcalloc(NAIVE_TRIES, sizeof(*tried), GFP_KERNEL);
	if (!tried)
		return;
	while (n < NAIVE_TRIES && best->score < 4) {
		struct page *pg = alloc_pages(GFP_KERNEL, PAIR_ORDER);
		unsigned long pfn;

		if (!pg)
			break;
		tried[n++] = pg;
		pfn = page_to_pfn(pg);
		for (unsigned int i = 0; i + 1 < (1U << PAIR_ORDER); i++) {
			unsigned int sc = pair_score(r, pfn + i);

			if (sc > best->score) {
				best->block = pg;
				best->pfn = pfn + i;
				best->score = sc;
			}
		}
	}
	for (unsigned int i = 0; i < n; i++)
		if (tried[i] != best->block)
			__free_pages(tried[i], PAIR_ORDER);
	kfree(tried);
}

static void naive_noncontig(struct dmk_edu_run *r, uint8_t *out,
			    struct dmk_edu_naive *res)
{
	size_t len = DMK_EDU_XFER_MAX, half = PAGE_SIZE / 2;
	uint64_t s = r->seed * 104729;
	unsigned long pfn, m0, m1, owner;
	struct pair pr;
	dmk_addr_t bus;
	size_t bad_first, bad_second;
	uint8_t *buf;

	find_pair(r, &pr);
	if (!pr.block) {
		r->faults++;
		return;
	}
	pfn = pr.pfn;
	buf = pfn_to_kaddr(pfn);
	m0 = dmk_linux_pfn_to_mfn(pfn);
	m1 = dmk_linux_pfn_to_mfn(pfn + 1);
	dmk_edu_fill(buf, 2 * PAGE_SIZE, s, 0);
	/* From the middle of the first page into the second. */
	bus = ((dmk_addr_t)m0 << PAGE_SHIFT) + half;
	if (bus + len - 1 > r->mask)
		res->noncontig_beyond++;
	naive_read(r, bus, len, s, half, out);
	bad_first = dmk_edu_mismatch(out, PAGE_SIZE - half, s, half);
	bad_second = dmk_edu_mismatch(out + PAGE_SIZE - half,
				      len - (PAGE_SIZE - half), s, PAGE_SIZE);
	owner = dmk_linux_frame_owner(m0 + 1);
	pr_info("dmakit-edu: naive: pages %#lx,%#lx on machine frames %#lx,%#lx (%s, %s); for the second page the device read frame %#lx (%s): %zu of %zu bytes wrong, %zu of them in the first page\n",
		pfn, pfn + 1, m0, m1,
		m1 == m0 + 1 ? "machine-contiguous" : "not machine-contiguous",
		bus + len - 1 <= r->mask ? "within reach"
					 : "beyond the device's reach",
		m0 + 1,
		owner == pfn + 1 ? "the buffer's"
		: owner == ~0UL	 ? "no frame of this guest"
				 : "another page of this guest",
		bad_first + bad_second, len, bad_first);
	res->noncontig_wrong += bad_first + bad_second;
	res->noncontig_bytes += len;
	__free_pages(pr.block, PAIR_ORDER);
}

int dmk_edu_naive(struct dmk_edu_run *r, struct dmk_edu_naive *out)
{
	struct page *bufp = alloc_pages(GFP_KERNEL, 2);
	uint8_t *back = kmalloc(DMK_EDU_BUF_SIZE, GFP_KERNEL);

	memset(out, 0, sizeof(*out));
	if (!bufp || !back) {
		if (bufp)
			__free_pages(bufp, 2);
		kfree(back);
		return -ENOMEM;
	}
	naive_pfn_bus(r, page_address(bufp), back, out);
	naive_noncontig(r, back, out);
	__free_pages(bufp, 2);
	kfree(back);
	return 0;
}
