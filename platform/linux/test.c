// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * The edu driver's workloads, on dmakit's DMA API only: no call of
 * Linux's DMA API touches the data path.  The buffers are ordinary
 * kernel pages (alloc_pages), mapped with dmk_map_single / dmk_map_sg and
 * allocated with dmk_alloc_coherent; the device is told the bus addresses
 * dmakit returns, after check.c has verified them against the real p2m.
 *
 * Every operation moves bytes the CPU wrote with a pattern that depends on
 * the seed, a stream number and the byte's position, through the device's
 * 4 KiB buffer, and compares what arrives: a byte from the wrong place,
 * the wrong time or the wrong stream is counted wrong.  Around every
 * region the rest of its 16 KiB arena holds a guard pattern, checked
 * after the operation: a device or a bounce copy that wrote outside the
 * mapping is a fault.
 *
 *   round trip   a TO_DEVICE map read by the device, a FROM_DEVICE map
 *                written by it (1 byte to 4 KiB, random offsets, so most
 *                cross a page)
 *   bidir        one BIDIRECTIONAL map read and then written, with CPU
 *                writes between sync_for_cpu and sync_for_device that the
 *                device's write must win over
 *   partial cpu  a FROM_DEVICE map written in pieces, each synced for the
 *                CPU with sync_single_range_for_cpu and checked at once
 *   partial dev  a TO_DEVICE map changed in part and synced for the device
 *                with sync_single_range_for_device before the device reads
 *   coherent     dmk_alloc_coherent of 1 to 8 pages, the device moving
 *                pieces of it around inside it
 *   sg           a scatterlist gathered into the device's buffer entry by
 *                entry, then scattered into another with other cuts
 *
 * "checked" counts every byte the device read from RAM and every byte it
 * wrote to RAM, each verified (a byte read is verified when its copy
 * arrives back).  Everything is deterministic from the seed.
 */
#include "dmk-linux.h"

#include <linux/gfp.h>
#include <linux/math64.h>
#include <linux/sched.h>

#define ARENA_ORDER 2
#define ARENA_BYTES (PAGE_SIZE << ARENA_ORDER)
#define NARENAS 6
#define MAX_MAP 4096
#define MAX_SG 6
#define MAX_COHERENT_PAGES 8
/* Stop early rather than report the same breakage a thousand times. */
#define MAX_FAULTS 64

struct ctx {
	struct dmk_edu_run *r;
	uint8_t *arena[NARENAS];
	uint8_t *expect; /* MAX_COHERENT_PAGES pages */
	uint64_t stream;
};

/* ---- randomness and patterns ---- */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t dmk_edu_rand(struct dmk_edu_run *r)
{
	r->rng = splitmix(r->rng);
	return r->rng;
}

/* Uniform in [lo, hi].  div64_u64_rem: a 32-bit kernel has no 64-bit
 * '%' (it would be a call to libgcc's __aeabi_uldivmod on arm32). */
unsigned int dmk_edu_rand_range(struct dmk_edu_run *r, unsigned int lo,
				unsigned int hi)
{
	u64 rem;

	div64_u64_rem(dmk_edu_rand(r), (u64)hi - lo + 1, &rem);
	return lo + (unsigned int)rem;
}

static uint8_t pattern(uint64_t stream, size_t pos)
{
	uint64_t w = splitmix(stream * 0x100000001b3ULL + (pos >> 3));

	return (uint8_t)(w >> ((pos & 7) * 8));
}

void dmk_edu_fill(uint8_t *p, size_t len, uint64_t stream, size_t pos0)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pattern(stream, pos0 + i);
}

size_t dmk_edu_mismatch(const uint8_t *p, size_t len, uint64_t stream,
			size_t pos0)
{
	size_t bad = 0;

	for (size_t i = 0; i < len; i++)
		bad += p[i] != pattern(stream, pos0 + i);
	return bad;
}

static uint64_t new_stream(struct ctx *c)
{
	return c->r->seed * 1000003ULL + ++c->stream;
}

/* ---- helpers ---- */

static void fault(struct ctx *c, const char *what)
{
	if (c->r->faults++ < 8)
		pr_err("dmakit-edu: %s: fault: %s\n", c->r->name, what);
}

static void wrong(struct ctx *c, size_t n, const char *what)
{
	if (!n)
		return;
	if (c->r->wrong == 0)
		pr_err("dmakit-edu: %s: %zu wrong bytes in %s\n", c->r->name, n,
		       what);
	c->r->wrong += n;
}

/* 1/8 tiny, 1/8 a whole page's worth, the rest anything up to 4095. */
static size_t pick_len(struct ctx *c, size_t max)
{
	unsigned int k = dmk_edu_rand_range(c->r, 0, 7);
	size_t len;

	if (k == 0)
		len = dmk_edu_rand_range(c->r, 1, 64);
	else if (k == 1)
		len = MAX_MAP;
	else
		len = dmk_edu_rand_range(c->r, 65, MAX_MAP - 1);
	return len < max ? len : max;
}

static unsigned int pick_off(struct ctx *c, size_t len)
{
	return dmk_edu_rand_range(c->r, 0, ARENA_BYTES - len);
}

/* An arena all guard, then the region [off, off + len) from stream s. */
static void prepare(struct ctx *c, unsigned int a, uint64_t g, size_t off,
		    size_t len, uint64_t s)
{
	dmk_edu_fill(c->arena[a], ARENA_BYTES, g, 0);
	if (len)
		dmk_edu_fill(c->arena[a] + off, len, s, 0);
}

static void check_guard(struct ctx *c, unsigned int a, uint64_t g, size_t off,
			size_t len)
{
	uint8_t *p = c->arena[a];

	if (dmk_edu_mismatch(p, off, g, 0) ||
	    dmk_edu_mismatch(p + off + len, ARENA_BYTES - off - len, g,
			     off + len))
		fault(c, "bytes outside the mapping changed (guard)");
}

static dmk_addr_t map_checked(struct ctx *c, void *va, size_t len,
			      enum dmk_data_direction dir)
{
	struct dmk_device *dev = c->r->dev;
	dmk_addr_t a = dmk_map_single(dev, va, len, dir);

	if (dmk_mapping_error(dev, a)) {
		fault(c, "dmk_map_single failed");
		return DMK_MAPPING_ERROR;
	}
	if (!dmk_linux_bus_range_ok(c->r->mask, a, len)) {
		fault(c, "dmakit handed out a bus range the device cannot use");
		dmk_unmap_single(dev, a, len, dir);
		return DMK_MAPPING_ERROR;
	}
	c->r->maps++;
	return a;
}

static int to_dev(struct ctx *c, dmk_addr_t a, unsigned int boff, size_t n)
{
	int rc = dmk_edu_to_device(c->r->edu, a, boff, n);

	if (rc)
		fault(c, "device read did not complete");
	return rc;
}

static int from_dev(struct ctx *c, dmk_addr_t a, unsigned int boff, size_t n)
{
	int rc = dmk_edu_from_device(c->r->edu, a, boff, n);

	if (rc)
		fault(c, "device write did not complete");
	return rc;
}

/* RAM at src -> RAM at dst through the device, in chunks the buffer
 * holds, each at a random place in it. */
static int through_device(struct ctx *c, dmk_addr_t src, dmk_addr_t dst,
			  size_t len)
{
	for (size_t pos = 0; pos < len;) {
		size_t n = min_t(size_t, len - pos, DMK_EDU_XFER_MAX);
		unsigned int b =
			dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - n);

		if (to_dev(c, src + pos, b, n) || from_dev(c, dst + pos, b, n))
			return -EIO;
		pos += n;
	}
	return 0;
}

static void two_arenas(struct ctx *c, unsigned int *a, unsigned int *b)
{
	*a = dmk_edu_rand_range(c->r, 0, NARENAS - 1);
	*b = (*a + dmk_edu_rand_range(c->r, 1, NARENAS - 1)) % NARENAS;
}

/* ---- the operations ---- */

static void op_round_trip(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t len = pick_len(c, MAX_MAP);
	unsigned int sa, da;
	size_t so, dof;
	uint64_t s = new_stream(c), gs = new_stream(c), gd = new_stream(c);
	dmk_addr_t src, dst;

	two_arenas(c, &sa, &da);
	so = pick_off(c, len);
	dof = pick_off(c, len);
	prepare(c, sa, gs, so, len, s);
	prepare(c, da, gd, 0, 0, 0);
	src = map_checked(c, c->arena[sa] + so, len, DMK_DMA_TO_DEVICE);
	if (src == DMK_MAPPING_ERROR)
		return;
	dst = map_checked(c, c->arena[da] + dof, len, DMK_DMA_FROM_DEVICE);
	if (dst == DMK_MAPPING_ERROR) {
		dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
		return;
	}
	through_device(c, src, dst, len);
	dmk_unmap_single(dev, dst, len, DMK_DMA_FROM_DEVICE);
	dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
	wrong(c, dmk_edu_mismatch(c->arena[da] + dof, len, s, 0),
	      "a round trip");
	/* TO_DEVICE never writes back. */
	wrong(c, dmk_edu_mismatch(c->arena[sa] + so, len, s, 0),
	      "a TO_DEVICE source after unmap");
	check_guard(c, sa, gs, so, len);
	check_guard(c, da, gd, dof, len);
	c->r->checked += 2 * len;
}

static void op_bidir(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t len = pick_len(c, DMK_EDU_XFER_MAX);
	unsigned int a = dmk_edu_rand_range(c->r, 0, NARENAS - 1);
	unsigned int b = dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - len);
	size_t off = pick_off(c, len);
	uint64_t s1 = new_stream(c), s2 = new_stream(c), g = new_stream(c);
	uint8_t *va = c->arena[a] + off;
	dmk_addr_t bus;

	prepare(c, a, g, off, len, s1);
	bus = map_checked(c, va, len, DMK_DMA_BIDIRECTIONAL);
	if (bus == DMK_MAPPING_ERROR)
		return;
	if (to_dev(c, bus, b, len))
		goto out;
	dmk_sync_single_for_cpu(dev, bus, len, DMK_DMA_BIDIRECTIONAL);
	wrong(c, dmk_edu_mismatch(va, len, s1, 0),
	      "a bidirectional buffer the device only read");
	dmk_edu_fill(va, len, s2, 0);
	dmk_sync_single_for_device(dev, bus, len, DMK_DMA_BIDIRECTIONAL);
	from_dev(c, bus, b, len);
out:
	dmk_unmap_single(dev, bus, len, DMK_DMA_BIDIRECTIONAL);
	wrong(c, dmk_edu_mismatch(va, len, s1, 0),
	      "a bidirectional buffer after the device wrote it");
	check_guard(c, a, g, off, len);
	c->r->checked += 2 * len;
}

/* Cut [0, len) at n - 1 random points, sorted: cuts[0] = 0, cuts[n] = len. */
static unsigned int cut(struct ctx *c, size_t len, unsigned int max_n,
			size_t *cuts)
{
	unsigned int n = dmk_edu_rand_range(c->r, 2, min_t(size_t, max_n, len));

	cuts[0] = 0;
	cuts[n] = len;
	for (unsigned int i = 1; i < n; i++)
		cuts[i] = dmk_edu_rand_range(c->r, 1, len - 1);
	/* Insertion sort, then make the cuts distinct so no piece is empty. */
	for (unsigned int i = 2; i < n; i++)
		for (unsigned int j = i; j > 1 && cuts[j - 1] > cuts[j]; j--)
			swap(cuts[j - 1], cuts[j]);
	for (unsigned int i = 1; i < n; i++)
		if (cuts[i] <= cuts[i - 1])
			cuts[i] = cuts[i - 1] + 1;
	for (unsigned int i = n - 1; i >= 1; i--)
		if (cuts[i] >= cuts[i + 1])
			cuts[i] = cuts[i + 1] - 1;
	return n;
}

static void op_partial_cpu(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t len = max_t(size_t, pick_len(c, DMK_EDU_XFER_MAX), 2);
	unsigned int b = dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - len);
	size_t cuts[MAX_SG + 1], so, dof, bad_piece = 0, bad_end;
	uint64_t s = new_stream(c), gs = new_stream(c), gd = new_stream(c);
	unsigned int sa, da, n;
	dmk_addr_t src, dst;

	two_arenas(c, &sa, &da);
	so = pick_off(c, len);
	dof = pick_off(c, len);
	prepare(c, sa, gs, so, len, s);
	prepare(c, da, gd, 0, 0, 0);
	src = map_checked(c, c->arena[sa] + so, len, DMK_DMA_TO_DEVICE);
	if (src == DMK_MAPPING_ERROR)
		return;
	if (to_dev(c, src, b, len)) {
		dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
		return;
	}
	dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
	dst = map_checked(c, c->arena[da] + dof, len, DMK_DMA_FROM_DEVICE);
	if (dst == DMK_MAPPING_ERROR)
		return;
	n = cut(c, len, 4, cuts);
	for (unsigned int i = 0; i < n; i++) {
		size_t p = cuts[i], m = cuts[i + 1] - cuts[i];

		if (from_dev(c, dst + p, b + p, m))
			break;
		dmk_sync_single_range_for_cpu(dev, dst, p, m,
					      DMK_DMA_FROM_DEVICE);
		bad_piece += dmk_edu_mismatch(c->arena[da] + dof + p, m, s, p);
		dmk_sync_single_range_for_device(dev, dst, p, m,
						 DMK_DMA_FROM_DEVICE);
		c->r->partial_syncs++;
	}
	dmk_unmap_single(dev, dst, len, DMK_DMA_FROM_DEVICE);
	bad_end = dmk_edu_mismatch(c->arena[da] + dof, len, s, 0);
	wrong(c, max(bad_piece, bad_end), "pieces synced for the CPU");
	check_guard(c, sa, gs, so, len);
	check_guard(c, da, gd, dof, len);
	c->r->checked += 2 * len;
}

static void op_partial_dev(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t len = max_t(size_t, pick_len(c, DMK_EDU_XFER_MAX), 2);
	unsigned int b = dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - len);
	size_t p = dmk_edu_rand_range(c->r, 0, len - 1);
	size_t m = dmk_edu_rand_range(c->r, 1, len - p);
	uint64_t s1 = new_stream(c), s2 = new_stream(c);
	uint64_t gs = new_stream(c), gd = new_stream(c);
	unsigned int sa, da;
	size_t so, dof;
	dmk_addr_t src, dst;

	two_arenas(c, &sa, &da);
	so = pick_off(c, len);
	dof = pick_off(c, len);
	prepare(c, sa, gs, so, len, s1);
	prepare(c, da, gd, 0, 0, 0);
	dmk_edu_fill(c->expect, len, s1, 0);
	dmk_edu_fill(c->expect + p, m, s2, p);
	src = map_checked(c, c->arena[sa] + so, len, DMK_DMA_TO_DEVICE);
	if (src == DMK_MAPPING_ERROR)
		return;
	dmk_sync_single_range_for_cpu(dev, src, p, m, DMK_DMA_TO_DEVICE);
	dmk_edu_fill(c->arena[sa] + so + p, m, s2, p);
	dmk_sync_single_range_for_device(dev, src, p, m, DMK_DMA_TO_DEVICE);
	c->r->partial_syncs++;
	dst = map_checked(c, c->arena[da] + dof, len, DMK_DMA_FROM_DEVICE);
	if (dst == DMK_MAPPING_ERROR) {
		dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
		return;
	}
	if (!to_dev(c, src, b, len))
		from_dev(c, dst, b, len);
	dmk_unmap_single(dev, dst, len, DMK_DMA_FROM_DEVICE);
	dmk_unmap_single(dev, src, len, DMK_DMA_TO_DEVICE);
	{
		const uint8_t *got = c->arena[da] + dof;
		size_t bad = 0;

		for (size_t i = 0; i < len; i++)
			bad += got[i] != c->expect[i];
		wrong(c, bad, "a buffer partly synced for the device");
	}
	check_guard(c, sa, gs, so, len);
	check_guard(c, da, gd, dof, len);
	c->r->checked += 2 * len;
}

static void op_coherent(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t size =
		PAGE_SIZE * dmk_edu_rand_range(c->r, 1, MAX_COHERENT_PAGES);
	uint64_t s = new_stream(c);
	dmk_addr_t handle;
	uint8_t *cpu;

	cpu = dmk_alloc_coherent(dev, size, &handle);
	if (!cpu) {
		fault(c, "dmk_alloc_coherent failed");
		return;
	}
	c->r->coherent++;
	if (!dmk_linux_bus_range_ok(c->r->mask, handle, size)) {
		fault(c, "a coherent buffer the device cannot use");
		goto out;
	}
	dmk_edu_fill(cpu, size, s, 0);
	memcpy(c->expect, cpu, size);
	for (unsigned int k = 0; k < 2; k++) {
		size_t len = pick_len(c, DMK_EDU_XFER_MAX);
		size_t from = dmk_edu_rand_range(c->r, 0, size - len);
		size_t to = dmk_edu_rand_range(c->r, 0, size - len);
		unsigned int b =
			dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - len);
		size_t bad = 0;

		if (to_dev(c, handle + from, b, len) ||
		    from_dev(c, handle + to, b, len))
			break;
		memmove(c->expect + to, c->expect + from, len);
		for (size_t i = 0; i < size; i++)
			bad += cpu[i] != c->expect[i];
		wrong(c, bad, "a coherent buffer");
		c->r->checked += 2 * len;
	}
out:
	dmk_free_coherent(dev, size, cpu, handle);
}

static void op_sg(struct ctx *c)
{
	struct dmk_device *dev = c->r->dev;
	size_t total = max_t(size_t, pick_len(c, DMK_EDU_XFER_MAX), 2);
	unsigned int b = dmk_edu_rand_range(c->r, 0, DMK_EDU_XFER_MAX - total);
	uint64_t s = new_stream(c), g[NARENAS];
	struct dmk_sg sg[MAX_SG];
	size_t cuts[MAX_SG + 1], off[MAX_SG];
	unsigned int n, i;
	size_t bad;

	for (i = 0; i < NARENAS; i++)
		g[i] = new_stream(c);
	/* Gather: entry i lives in arena i, holding stream s at cuts[i]. */
	n = cut(c, total, MAX_SG, cuts);
	for (i = 0; i < n; i++) {
		size_t m = cuts[i + 1] - cuts[i];

		off[i] = pick_off(c, m);
		prepare(c, i, g[i], off[i], 0, 0);
		dmk_edu_fill(c->arena[i] + off[i], m, s, cuts[i]);
		sg[i].phys = virt_to_phys(c->arena[i] + off[i]);
		sg[i].length = m;
	}
	if (dmk_map_sg(dev, sg, n, DMK_DMA_TO_DEVICE) != (int)n) {
		fault(c, "dmk_map_sg (to device) failed");
		return;
	}
	for (i = 0; i < n; i++) {
		c->r->maps++;
		if (!dmk_linux_bus_range_ok(c->r->mask, sg[i].dma_address,
					    sg[i].dma_length)) {
			fault(c, "an sg entry the device cannot use");
			break;
		}
		if (to_dev(c, sg[i].dma_address, b + cuts[i], sg[i].dma_length))
			break;
	}
	dmk_unmap_sg(dev, sg, n, DMK_DMA_TO_DEVICE);
	if (i < n)
		return;
	for (i = 0; i < n; i++)
		check_guard(c, i, g[i], off[i], cuts[i + 1] - cuts[i]);
	c->r->sg_entries += n;

	/* Scatter into other arenas' regions with other cuts. */
	n = cut(c, total, MAX_SG, cuts);
	for (i = 0; i < n; i++) {
		unsigned int a = NARENAS - 1 - i;
		size_t m = cuts[i + 1] - cuts[i];

		off[i] = pick_off(c, m);
		prepare(c, a, g[a], 0, 0, 0);
		sg[i].phys = virt_to_phys(c->arena[a] + off[i]);
		sg[i].length = m;
	}
	if (dmk_map_sg(dev, sg, n, DMK_DMA_FROM_DEVICE) != (int)n) {
		fault(c, "dmk_map_sg (from device) failed");
		return;
	}
	for (i = 0; i < n; i++) {
		c->r->maps++;
		if (!dmk_linux_bus_range_ok(c->r->mask, sg[i].dma_address,
					    sg[i].dma_length)) {
			fault(c, "an sg entry the device cannot use");
			break;
		}
		if (from_dev(c, sg[i].dma_address, b + cuts[i],
			     sg[i].dma_length))
			break;
	}
	dmk_sync_sg_for_cpu(dev, sg, n, DMK_DMA_FROM_DEVICE);
	bad = 0;
	for (unsigned int j = 0; j < n; j++)
		bad += dmk_edu_mismatch(c->arena[NARENAS - 1 - j] + off[j],
					cuts[j + 1] - cuts[j], s, cuts[j]);
	dmk_unmap_sg(dev, sg, n, DMK_DMA_FROM_DEVICE);
	for (unsigned int j = 0; j < n; j++) {
		unsigned int a = NARENAS - 1 - j;
		size_t m = cuts[j + 1] - cuts[j];

		bad = max(bad, dmk_edu_mismatch(c->arena[a] + off[j], m, s,
						cuts[j]));
		check_guard(c, a, g[a], off[j], m);
	}
	wrong(c, bad, "a scatter-gather transfer");
	c->r->sg_entries += n;
	c->r->checked += 2 * total;
}

/* ---- the run ---- */

static int ctx_init(struct ctx *c, struct dmk_edu_run *r)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	for (unsigned int i = 0; i < NARENAS; i++) {
		/*
		 * Half the arenas from the lowest zone: on arm64 that is RAM
		 * below 4 GiB, which a 32-bit device reaches directly, so the
		 * direct path runs beside the bounces; on x86 PV the zone is
		 * pseudo-physical and says nothing of the machine frames.
		 */
		gfp_t zone = i % 2 && IS_ENABLED(CONFIG_ZONE_DMA) ? GFP_DMA : 0;
		struct page *pg = alloc_pages(GFP_KERNEL | zone, ARENA_ORDER);

		if (!pg)
			return -ENOMEM;
		c->arena[i] = page_address(pg);
	}
	c->expect = kmalloc(MAX_COHERENT_PAGES * PAGE_SIZE, GFP_KERNEL);
	return c->expect ? 0 : -ENOMEM;
}

static void ctx_exit(struct ctx *c)
{
	for (unsigned int i = 0; i < NARENAS; i++)
		if (c->arena[i])
			free_pages((unsigned long)c->arena[i], ARENA_ORDER);
	kfree(c->expect);
}

int dmk_edu_test(struct dmk_edu_run *r, uint64_t min_bytes)
{
	/* Weights out of 20: round trips dominate, every kind recurs. */
	static const struct {
		unsigned int weight;
		void (*op)(struct ctx *c);
	} ops[] = {
		{8, op_round_trip},  {2, op_bidir},    {3, op_partial_cpu},
		{2, op_partial_dev}, {2, op_coherent}, {3, op_sg},
	};
	struct ctx c;
	int rc;

	rc = ctx_init(&c, r);
	if (rc) {
		ctx_exit(&c);
		return rc;
	}
	while (r->checked < min_bytes && r->faults < MAX_FAULTS) {
		unsigned int k = dmk_edu_rand_range(r, 0, 19);
		unsigned int i = 0;

		while (k >= ops[i].weight)
			k -= ops[i++].weight;
		ops[i].op(&c);
		cond_resched();
	}
	ctx_exit(&c);
	return 0;
}
