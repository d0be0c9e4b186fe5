/* SPDX-License-Identifier: MIT */
/*
 * nic: a network driver.  A descriptor ring in coherent memory (the CPU
 * writes descriptors, the device reads them and writes its status back,
 * no syncs: that is what coherent memory is for), and streaming buffers:
 * TX (the CPU writes a frame, maps it TO_DEVICE, the device reads it) and
 * RX (mapped FROM_DEVICE, the device writes a frame, the CPU reads it
 * after unmap).  Frames are 60..9018 bytes (minimum Ethernet frame to a
 * jumbo frame) at random offsets, so many cross pages.  An RX of a large
 * frame is checked twice: its header right after the device wrote it
 * (a partial sync for the CPU, as drivers peek at headers), then whole.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define NIC_RING_ENTRIES 64
#define NIC_MIN_FRAME 60
#define NIC_MAX_FRAME 9018
#define NIC_HDR_BYTES 128

#define NIC_DESC_OWN 0x1 /* the device owns the descriptor */
#define NIC_DESC_RX 0x2
#define NIC_STATUS_DONE 0xd0e5

struct nic_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t status;
};

struct nic {
	struct wl_env *env;
	struct sim_world_device *wd;
	uint64_t rng;
	struct wl_coherent ring;
	unsigned int next;
	uint8_t *expect; /* what the frame must contain */
	uint8_t *seen;	 /* what the device or the CPU found */
};

static bool nic_applies(const struct sim_world *w,
			const struct sim_world_device *wd)
{
	(void)w;
	(void)wd;
	return true;
}

static void *nic_init(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t seed)
{
	struct nic *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->env = env;
	n->wd = wd;
	n->rng = seed;
	n->expect = malloc(NIC_MAX_FRAME);
	n->seen = malloc(NIC_MAX_FRAME);
	if (!n->expect || !n->seen ||
	    wl_coherent_alloc(env, wd, &n->rng,
			      NIC_RING_ENTRIES * sizeof(struct nic_desc),
			      &n->ring)) {
		free(n->expect);
		free(n->seen);
		free(n);
		return NULL;
	}
	return n;
}

static const char *nic_name(struct nic *n)
{
	return n->wd->dev.name;
}

/* Where descriptor slot lies, for the oracle. */
static struct wl_at ring_at(struct nic *n, unsigned int slot)
{
	uint64_t off = slot * sizeof(struct nic_desc);

	return wl_at_run(n->ring.phys == WL_NO_ADDR ? WL_NO_ADDR
						    : n->ring.phys + off,
			 n->ring.dma + off);
}

/* The CPU posts a descriptor; the device fetches it.  Returns the
 * descriptor as the device saw it, after the oracle compared both. */
static struct nic_desc nic_post(struct nic *n, unsigned int slot,
				dmk_addr_t dma, uint32_t len, uint16_t flags)
{
	struct nic_desc cpu = {.addr = dma, .len = len, .flags = flags};
	struct nic_desc dev = {0};
	struct nic_desc *ring = n->ring.cpu;
	struct wl_at at;

	memcpy(&ring[slot], &cpu, sizeof(cpu));
	sim_dev_dma_read(&n->wd->sd, n->ring.dma + slot * sizeof(cpu), &dev,
			 sizeof(dev));
	at = ring_at(n, slot);
	wl_oracle_check_at(n->env->oracle, nic_name(n), "ring-fetch", &cpu,
			   &dev, sizeof(cpu), &at);
	return dev;
}

/* The device completes a descriptor; the CPU reads the status back. */
static void nic_complete(struct nic *n, unsigned int slot, struct nic_desc dev)
{
	struct nic_desc *ring = n->ring.cpu;
	struct wl_at at = ring_at(n, slot);
	struct nic_desc cpu;

	dev.flags &= ~NIC_DESC_OWN;
	dev.status = NIC_STATUS_DONE;
	sim_dev_dma_write(&n->wd->sd, n->ring.dma + slot * sizeof(dev), &dev,
			  sizeof(dev));
	memcpy(&cpu, &ring[slot], sizeof(cpu));
	wl_oracle_check_at(n->env->oracle, nic_name(n), "ring-status", &dev,
			   &cpu, sizeof(cpu), &at);
}

static void nic_tx(struct nic *n, struct wl_buf *b, unsigned int slot)
{
	struct dmk_device *dev = &n->wd->dev;
	struct nic_desc d;
	dmk_addr_t dma;

	wl_fill_pattern(&n->rng, n->expect, b->len);
	memcpy(b->cpu, n->expect, b->len);
	dma = dmk_map_single(dev, b->cpu, b->len, DMK_DMA_TO_DEVICE);
	if (dmk_mapping_error(dev, dma)) {
		wl_oracle_map_error(n->env->oracle, nic_name(n), "tx-map",
				    b->len);
		return;
	}
	d = nic_post(n, slot, dma, (uint32_t)b->len, NIC_DESC_OWN);
	memset(n->seen, 0, b->len);
	if (d.len == b->len)
		sim_dev_dma_read(&n->wd->sd, d.addr, n->seen, d.len);
	{
		struct wl_at at = wl_at_run(b->phys, d.addr);

		wl_oracle_check_at(n->env->oracle, nic_name(n), "tx", n->expect,
				   n->seen, b->len, &at);
	}
	nic_complete(n, slot, d);
	dmk_unmap_single(dev, dma, b->len, DMK_DMA_TO_DEVICE);
}

/* The device writes the frame; a large one has its header checked by
 * the CPU first, through a partial sync, while the rest is in flight. */
static void nic_rx_transfer(struct nic *n, struct nic_desc d, dmk_addr_t dma,
			    struct wl_buf *b)
{
	struct dmk_device *dev = &n->wd->dev;
	bool peek =
		b->len >= 2 * NIC_HDR_BYTES && n->env->bug != WL_BUG_SKIP_SYNC;
	size_t first = peek ? NIC_HDR_BYTES : b->len;

	if (d.len != b->len)
		return;
	sim_dev_dma_write(&n->wd->sd, d.addr, n->expect, first);
	if (peek) {
		dmk_sync_single_range_for_cpu(dev, dma, 0, NIC_HDR_BYTES,
					      DMK_DMA_FROM_DEVICE);
		struct wl_at at = wl_at_run(b->phys, d.addr);

		wl_oracle_check_at(n->env->oracle, nic_name(n), "rx-header",
				   n->expect, b->cpu, NIC_HDR_BYTES, &at);
		dmk_sync_single_range_for_device(dev, dma, 0, NIC_HDR_BYTES,
						 DMK_DMA_FROM_DEVICE);
		sim_dev_dma_write(&n->wd->sd, d.addr + first, n->expect + first,
				  b->len - first);
	}
}

static void nic_rx(struct nic *n, struct wl_buf *b, unsigned int slot)
{
	struct dmk_device *dev = &n->wd->dev;
	struct nic_desc d;
	struct wl_at at;
	dmk_addr_t dma;

	/* Stale data the CPU left in the buffer (and in its cache). */
	wl_fill_pattern(&n->rng, b->cpu, b->len);
	wl_fill_pattern(&n->rng, n->expect, b->len);
	dma = dmk_map_single(dev, b->cpu, b->len, DMK_DMA_FROM_DEVICE);
	if (dmk_mapping_error(dev, dma)) {
		wl_oracle_map_error(n->env->oracle, nic_name(n), "rx-map",
				    b->len);
		return;
	}
	d = nic_post(n, slot, dma, (uint32_t)b->len,
		     NIC_DESC_OWN | NIC_DESC_RX);
	at = wl_at_run(b->phys, d.addr);
	nic_rx_transfer(n, d, dma, b);
	nic_complete(n, slot, d);
	if (n->env->bug == WL_BUG_SKIP_SYNC) {
		/* The bug: the frame is read before the buffer is handed
		 * back to the CPU (no unmap, no sync_for_cpu yet). */
		wl_oracle_check_at(n->env->oracle, nic_name(n), "rx", n->expect,
				   b->cpu, b->len, &at);
		dmk_unmap_single(dev, dma, b->len, DMK_DMA_FROM_DEVICE);
		return;
	}
	dmk_unmap_single(dev, dma, b->len, DMK_DMA_FROM_DEVICE);
	wl_oracle_check_at(n->env->oracle, nic_name(n), "rx", n->expect, b->cpu,
			   b->len, &at);
}

static void nic_step(void *state)
{
	struct nic *n = state;
	size_t len = wl_rand_range(&n->rng, NIC_MIN_FRAME, NIC_MAX_FRAME);
	size_t off = wl_rand_range(&n->rng, 0, DMK_PAGE_SIZE - 1);
	unsigned int slot = n->next++ % NIC_RING_ENTRIES;
	bool rx = wl_rand(&n->rng) & 1;
	struct wl_buf b;

	if (wl_buf_alloc(n->env, n->wd->guest, &n->rng, len, off, &b)) {
		wl_oracle_map_error(n->env->oracle, nic_name(n), "kmalloc",
				    len);
		return;
	}
	if (rx)
		nic_rx(n, &b, slot);
	else
		nic_tx(n, &b, slot);
	wl_buf_free(n->env, n->wd->guest, &b);
}

static void nic_fini(void *state)
{
	struct nic *n = state;

	wl_coherent_free(n->env, n->wd, &n->ring);
	free(n->expect);
	free(n->seen);
	free(n);
}

const struct wl_workload wl_nic = {
	.name = "nic",
	.summary =
		"descriptor ring in coherent memory, TX and RX frames of 60..9018 bytes",
	.applies = nic_applies,
	.init = nic_init,
	.step = nic_step,
	.fini = nic_fini,
};
