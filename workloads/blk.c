/* SPDX-License-Identifier: MIT */
/*
 * blk: a block driver.  Each request is a scatter-gather list of 1..64
 * segments, each in its own buffer at a random offset, in one of the
 * three directions.  The device moves the request as one stream over the
 * mapped entries.  In the middle of a transfer the driver takes one
 * segment back with an sg sync: a write request has a segment rewritten
 * by the CPU (sync_for_cpu, write, sync_for_device) before the device
 * reads it; a read request has a finished segment checked by the CPU
 * while the device is still writing the rest.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define BLK_MAX_SEGS 64
#define BLK_MAX_SEG_BYTES 8192
#define BLK_MAX_BYTES (BLK_MAX_SEGS * BLK_MAX_SEG_BYTES)

struct blk {
	struct wl_env *env;
	struct sim_world_device *wd;
	uint64_t rng;
	struct wl_buf bufs[BLK_MAX_SEGS];
	struct dmk_sg sg[BLK_MAX_SEGS];
	int nsegs, mapped;
	size_t total;
	uint8_t *expect; /* the stream as it must arrive */
	uint8_t *seen;
};

static bool blk_applies(const struct sim_world *w,
			const struct sim_world_device *wd)
{
	(void)w;
	(void)wd;
	return true;
}

static void *blk_init(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t seed)
{
	struct blk *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->env = env;
	b->wd = wd;
	b->rng = seed;
	b->expect = malloc(BLK_MAX_BYTES);
	b->seen = malloc(BLK_MAX_BYTES);
	if (!b->expect || !b->seen) {
		free(b->expect);
		free(b->seen);
		free(b);
		return NULL;
	}
	return b;
}

static const char *blk_name(struct blk *b)
{
	return b->wd->dev.name;
}

/* Offset of segment k in the stream. */
static size_t seg_start(const struct blk *b, int k)
{
	size_t off = 0;

	for (int i = 0; i < k; i++)
		off += b->sg[i].length;
	return off;
}

/* Where byte base + offset of the request lies: its CPU entry's page
 * (guest-physical) and its device segment (bus), which differ once an
 * IOMMU merged entries. */
struct blk_at {
	const struct blk *b;
	size_t base;
};

static void blk_locate(const struct wl_at *at, uint64_t offset,
		       struct wl_where *out)
{
	const struct blk_at *ba = at->ctx;
	const struct blk *b = ba->b;
	uint64_t pos = ba->base + offset, off = 0;

	for (int i = 0; i < b->nsegs; off += b->sg[i].length, i++)
		if (pos - off < b->sg[i].length) {
			out->phys = b->bufs[i].phys + (pos - off);
			out->known |= WL_KNOWN_PHYS;
			break;
		}
	off = 0;
	for (int i = 0; i < b->mapped; off += b->sg[i].dma_length, i++)
		if (pos - off < b->sg[i].dma_length) {
			out->bus = b->sg[i].dma_address + (pos - off);
			out->known |= WL_KNOWN_BUS;
			break;
		}
}

static struct wl_at blk_at(const struct blk_at *ba)
{
	return (struct wl_at){.locate = blk_locate, .ctx = ba};
}

/* The device reads or writes mapped entries [from, to) of the stream. */
static void dev_stream(struct blk *b, int from, int to, bool write,
		       uint8_t *data)
{
	size_t off = 0;

	for (int i = 0; i < to; i++) {
		uint32_t len = b->sg[i].dma_length;

		if (i >= from && off + len <= b->total) {
			if (write)
				sim_dev_dma_write(&b->wd->sd,
						  b->sg[i].dma_address,
						  data + off, len);
			else
				sim_dev_dma_read(&b->wd->sd,
						 b->sg[i].dma_address,
						 data + off, len);
		}
		off += len;
	}
}

static bool blk_prepare(struct blk *b, enum dmk_data_direction dir)
{
	b->nsegs = (int)wl_rand_range(&b->rng, 1, BLK_MAX_SEGS);
	b->total = 0;
	for (int i = 0; i < b->nsegs; i++) {
		size_t len = wl_rand_range(&b->rng, 1, BLK_MAX_SEG_BYTES);
		size_t off = wl_rand_range(&b->rng, 0, DMK_PAGE_SIZE - 1);
		struct wl_buf *buf = &b->bufs[i];

		if (wl_buf_alloc(b->env, b->wd->guest, &b->rng, len, off,
				 buf)) {
			b->nsegs = i;
			wl_oracle_map_error(b->env->oracle, blk_name(b),
					    "kmalloc", len);
			return false;
		}
		/* TO_DEVICE data, or stale data a read will overwrite. */
		wl_fill_pattern(&b->rng, buf->cpu, len);
		if (dir != DMK_DMA_FROM_DEVICE)
			memcpy(b->expect + b->total, buf->cpu, len);
		memset(&b->sg[i], 0, sizeof(b->sg[i]));
		b->sg[i].phys = buf->phys;
		b->sg[i].length = (uint32_t)len;
		b->total += len;
	}
	return true;
}

static void blk_release(struct blk *b)
{
	for (int i = 0; i < b->nsegs; i++)
		wl_buf_free(b->env, b->wd->guest, &b->bufs[i]);
	b->nsegs = 0;
}

/* Every mapped entry must carry exactly the bytes of the request. */
static bool blk_lengths_ok(struct blk *b)
{
	size_t sum = 0;

	for (int i = 0; i < b->mapped; i++)
		sum += b->sg[i].dma_length;
	if (sum == b->total)
		return true;
	wl_oracle_map_error(b->env->oracle, blk_name(b), "sg-length", sum);
	return false;
}

/* A write request: the CPU rewrites one segment after mapping it, giving
 * it back to the device with sync_for_device; then the device reads. */
/*
 * One segment of a mapped list, synced alone: Linux's dma_sync_sg_*
 * take the list's own nents (dma-debug reports any other count), so a
 * driver syncs a part by its bus address, as a single range.
 */
static void sync_segment(struct dmk_device *dev, const struct dmk_sg *s,
			 enum dmk_data_direction dir, bool for_cpu)
{
	if (for_cpu)
		dmk_sync_single_for_cpu(dev, s->dma_address, s->dma_length,
					dir);
	else
		dmk_sync_single_for_device(dev, s->dma_address, s->dma_length,
					   dir);
}

static void blk_to_device(struct blk *b, enum dmk_data_direction dir)
{
	struct dmk_device *dev = &b->wd->dev;

	if (b->mapped == b->nsegs && dir == DMK_DMA_TO_DEVICE) {
		int k = (int)wl_rand_range(&b->rng, 0, b->nsegs - 1);
		uint8_t *e = b->expect + seg_start(b, k);

		sync_segment(dev, &b->sg[k], dir, true);
		wl_fill_pattern(&b->rng, e, b->sg[k].length);
		memcpy(b->bufs[k].cpu, e, b->sg[k].length);
		sync_segment(dev, &b->sg[k], dir, false);
	}
	memset(b->seen, 0, b->total);
	dev_stream(b, 0, b->mapped, false, b->seen);
	{
		struct blk_at ba = {b, 0};
		struct wl_at at = blk_at(&ba);

		wl_oracle_check_at(b->env->oracle, blk_name(b), "blk-read",
				   b->expect, b->seen, b->total, &at);
	}
}

static void cpu_check_segments(struct blk *b, int from, int to, const char *op)
{
	size_t off = seg_start(b, from);

	for (int i = from; i < to; i++) {
		struct blk_at ba = {b, off};
		struct wl_at at = blk_at(&ba);

		wl_oracle_check_at(b->env->oracle, blk_name(b), op,
				   b->expect + off, b->bufs[i].cpu,
				   b->sg[i].length, &at);
		off += b->sg[i].length;
	}
}

/* A read request: the device writes the first half, the CPU checks one
 * finished segment through a partial sync, the device writes the rest. */
static void blk_from_device(struct blk *b, enum dmk_data_direction dir)
{
	struct dmk_device *dev = &b->wd->dev;
	int half = (b->mapped + 1) / 2;

	wl_fill_pattern(&b->rng, b->expect, b->total);
	dev_stream(b, 0, half, true, b->expect);
	if (b->mapped == b->nsegs && b->env->bug != WL_BUG_SKIP_SYNC) {
		int k = (int)wl_rand_range(&b->rng, 0, half - 1);

		sync_segment(dev, &b->sg[k], dir, true);
		cpu_check_segments(b, k, k + 1, "blk-partial");
		sync_segment(dev, &b->sg[k], dir, false);
	}
	dev_stream(b, half, b->mapped, true, b->expect);
}

static void blk_step(void *state)
{
	static const enum dmk_data_direction dirs[] = {
		DMK_DMA_TO_DEVICE,
		DMK_DMA_FROM_DEVICE,
		DMK_DMA_BIDIRECTIONAL,
	};
	struct blk *b = state;
	struct dmk_device *dev = &b->wd->dev;
	enum dmk_data_direction dir = dirs[wl_rand(&b->rng) % 3];
	bool reads = dir != DMK_DMA_TO_DEVICE;

	if (!blk_prepare(b, dir)) {
		blk_release(b);
		return;
	}
	b->mapped = dmk_map_sg(dev, b->sg, b->nsegs, dir);
	if (b->mapped <= 0) {
		wl_oracle_map_error(b->env->oracle, blk_name(b), "map-sg",
				    b->total);
		blk_release(b);
		return;
	}
	if (blk_lengths_ok(b)) {
		if (dir != DMK_DMA_FROM_DEVICE)
			blk_to_device(b, dir);
		if (reads)
			blk_from_device(b, dir);
		if (reads && b->env->bug == WL_BUG_SKIP_SYNC)
			/* The bug: the data is used before unmap. */
			cpu_check_segments(b, 0, b->nsegs, "blk-write");
	}
	dmk_unmap_sg(dev, b->sg, b->nsegs, dir);
	if (reads && b->env->bug != WL_BUG_SKIP_SYNC)
		cpu_check_segments(b, 0, b->nsegs, "blk-write");
	blk_release(b);
}

static void blk_fini(void *state)
{
	struct blk *b = state;

	free(b->expect);
	free(b->seen);
	free(b);
}

const struct wl_workload wl_blk = {
	.name = "blk",
	.summary =
		"scatter-gather requests of 1..64 segments, every direction, partial syncs",
	.applies = blk_applies,
	.init = blk_init,
	.step = blk_step,
	.fini = blk_fini,
};
