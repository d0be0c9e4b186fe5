/* SPDX-License-Identifier: MIT */
/*
 * Drivers that misuse the DMA API in ways only Linux's dma-debug sees:
 * the bytes they move arrive, and the checker must still say what they
 * did wrong (`dmakit run --driver-bug NAME`).  Each commits its misuse
 * once, on the first device, in a transfer the oracle checks:
 *
 *  - sg-count-mismatch: unmaps a three-entry list with nents 2, then
 *    the last entry alone (both counts differ from the map's 3);
 *  - map-stack: maps a command block on the running task's stack;
 *  - seg-too-long: maps one segment longer than the device's
 *    max_seg_size (the list was never split for the device);
 *  - free-wrong-size: frees a coherent buffer with another size;
 *  - sync-wrong-dir: syncs a TO_DEVICE mapping for the CPU as
 *    FROM_DEVICE before it rewrites it.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

static bool mapped(struct wl_env *env, struct dmk_device *dev, dmk_addr_t a,
		   const char *op, size_t len)
{
	if (!dmk_mapping_error(dev, a))
		return true;
	wl_oracle_map_error(env->oracle, dev->name, op, len);
	return false;
}

/* The device reads len bytes at bus address a; they must be want. */
static void device_reads(struct wl_env *env, struct sim_world_device *wd,
			 dmk_addr_t a, const void *want, size_t len,
			 const char *op)
{
	uint8_t seen[512];

	for (size_t off = 0; off < len; off += sizeof(seen)) {
		size_t n = len - off < sizeof(seen) ? len - off : sizeof(seen);

		memset(seen, 0, n);
		sim_dev_dma_read(&wd->sd, a + off, seen, n);
		wl_oracle_check(env->oracle, wd->dev.name, op,
				(const uint8_t *)want + off, seen, n);
	}
}

/* The device reads every mapped segment of a list of nbufs buffers:
 * the stream is the buffers one after the other. */
static void device_reads_sg(struct wl_env *env, struct sim_world_device *wd,
			    const struct dmk_sg *sg, int mapped_n,
			    const struct wl_buf *bufs, int nbufs,
			    const char *op)
{
	size_t total = 0, off = 0;
	uint8_t *want;

	for (int i = 0; i < nbufs; i++)
		total += bufs[i].len;
	want = malloc(total);
	if (!want)
		return;
	for (int i = 0; i < nbufs; i++) {
		memcpy(want + off, bufs[i].cpu, bufs[i].len);
		off += bufs[i].len;
	}
	off = 0;
	for (int i = 0; i < mapped_n && off + sg[i].dma_length <= total; i++) {
		device_reads(env, wd, sg[i].dma_address, want + off,
			     sg[i].dma_length, op);
		off += sg[i].dma_length;
	}
	free(want);
}

static void sg_count_mismatch(struct wl_env *env, struct sim_world_device *wd,
			      uint64_t *rng)
{
	struct dmk_device *dev = &wd->dev;
	static const size_t lens[3] = {3000, 700, 1500};
	struct wl_buf bufs[3];
	struct dmk_sg sg[3];
	int i, n;

	memset(sg, 0, sizeof(sg));
	for (i = 0; i < 3; i++) {
		if (wl_buf_alloc(env, wd->guest, rng, lens[i], 64, &bufs[i]))
			break;
		wl_fill_pattern(rng, bufs[i].cpu, lens[i]);
		sg[i].phys = bufs[i].phys;
		sg[i].length = (uint32_t)lens[i];
	}
	if (i == 3) {
		n = dmk_map_sg(dev, sg, 3, DMK_DMA_TO_DEVICE);
		if (n > 0) {
			device_reads_sg(env, wd, sg, n, bufs, 3, "sg-count");
			/* The bug: nents 2 where the map had 3. */
			dmk_unmap_sg(dev, sg, 2, DMK_DMA_TO_DEVICE);
			dmk_unmap_sg(dev, &sg[2], 1, DMK_DMA_TO_DEVICE);
		} else {
			wl_oracle_map_error(env->oracle, dev->name, "map-sg",
					    4200);
		}
	}
	while (i-- > 0)
		wl_buf_free(env, wd->guest, &bufs[i]);
}

static void map_stack(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t *rng)
{
	const struct sim_kernel_region *stack =
		&wd->guest->pd.kernel[SIM_KERNEL_STACK];
	struct dmk_device *dev = &wd->dev;
	uint8_t *cmd;
	dmk_addr_t a;

	if (!stack->size)
		return;
	/* A command block in a local variable of the probe function. */
	cmd = (uint8_t *)dmk_phys_to_virt(&wd->guest->pd.plat, stack->phys) +
	      stack->size - 256;
	wl_fill_pattern(rng, cmd, 64);
	a = dmk_map_single(dev, cmd, 64, DMK_DMA_TO_DEVICE);
	if (!mapped(env, dev, a, "map-stack", 64))
		return;
	device_reads(env, wd, a, cmd, 64, "stack-cmd");
	dmk_unmap_single(dev, a, 64, DMK_DMA_TO_DEVICE);
}

static void seg_too_long(struct wl_env *env, struct sim_world_device *wd,
			 uint64_t *rng)
{
	struct dmk_device *dev = &wd->dev;
	size_t len = (size_t)dev->max_seg_size + DMK_PAGE_SIZE;
	struct dmk_sg sg;
	struct wl_buf buf;
	int n;

	if (wl_buf_alloc(env, wd->guest, rng, len, 0, &buf))
		return;
	wl_fill_pattern(rng, buf.cpu, len);
	memset(&sg, 0, sizeof(sg));
	sg.phys = buf.phys;
	sg.length = (uint32_t)len;
	n = dmk_map_sg(dev, &sg, 1, DMK_DMA_TO_DEVICE);
	if (n > 0) {
		device_reads_sg(env, wd, &sg, n, &buf, 1, "long-seg");
		dmk_unmap_sg(dev, &sg, 1, DMK_DMA_TO_DEVICE);
	} else {
		wl_oracle_map_error(env->oracle, dev->name, "map-sg", len);
	}
	wl_buf_free(env, wd->guest, &buf);
}

/* A size whose page count and order are the buffer's: what the
 * allocator gives back is the same, only the checker sees the lie. */
static size_t wrong_size(size_t size)
{
	return size % DMK_PAGE_SIZE == 1 ? size + 1 : size - 1;
}

static void free_wrong_size(struct wl_env *env, struct sim_world_device *wd,
			    uint64_t *rng)
{
	struct dmk_device *dev = &wd->dev;
	size_t size = 3 * DMK_PAGE_SIZE + 100;
	dmk_addr_t h;
	uint8_t *cpu = dmk_alloc_coherent(dev, size, &h);

	if (!cpu) {
		env->oracle->alloc_failures++;
		return;
	}
	wl_fill_pattern(rng, cpu, size);
	device_reads(env, wd, h, cpu, size, "coherent-read");
	dmk_free_coherent(dev, wrong_size(size), cpu, h);
}

static void sync_wrong_dir(struct wl_env *env, struct sim_world_device *wd,
			   uint64_t *rng)
{
	struct dmk_device *dev = &wd->dev;
	struct wl_buf buf;
	dmk_addr_t a;

	if (wl_buf_alloc(env, wd->guest, rng, 256, 128, &buf))
		return;
	wl_fill_pattern(rng, buf.cpu, 256);
	a = dmk_map_single(dev, buf.cpu, 256, DMK_DMA_TO_DEVICE);
	if (mapped(env, dev, a, "map", 256)) {
		device_reads(env, wd, a, buf.cpu, 256, "sync-dir-1");
		/* The bug: the buffer is the device's to read, not to
		 * write; the CPU takes it back as if the device wrote. */
		dmk_sync_single_for_cpu(dev, a, 256, DMK_DMA_FROM_DEVICE);
		wl_fill_pattern(rng, buf.cpu, 256);
		dmk_sync_single_for_device(dev, a, 256, DMK_DMA_TO_DEVICE);
		device_reads(env, wd, a, buf.cpu, 256, "sync-dir-2");
		dmk_unmap_single(dev, a, 256, DMK_DMA_TO_DEVICE);
	}
	wl_buf_free(env, wd->guest, &buf);
}

void wl_misuse(struct wl_env *env)
{
	struct sim_world_device *wd;
	uint64_t rng = wl_seed_mix(env->seed, 0x3d5e, 0);

	if (!env->w->nr_devs)
		return;
	wd = &env->w->devs[0];
	switch (env->bug) {
	case WL_BUG_SG_COUNT_MISMATCH:
		sg_count_mismatch(env, wd, &rng);
		break;
	case WL_BUG_MAP_STACK:
		map_stack(env, wd, &rng);
		break;
	case WL_BUG_SEG_TOO_LONG:
		seg_too_long(env, wd, &rng);
		break;
	case WL_BUG_FREE_WRONG_SIZE:
		free_wrong_size(env, wd, &rng);
		break;
	case WL_BUG_SYNC_WRONG_DIR:
		sync_wrong_dir(env, wd, &rng);
		break;
	default:
		break;
	}
}
