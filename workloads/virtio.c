/* SPDX-License-Identifier: MIT */
/*
 * virtio: a split virtqueue (virtio 1.x, section 2.7) driven as a
 * virtio-blk or virtio-net front end drives it.  The rings live in one
 * coherent allocation (descriptor table and available ring in its first
 * page, used ring in its second); each request is a chain of a 16-byte
 * header the device reads, one to three data buffers the device reads
 * (a write request, a TX packet) or writes (a read request, an RX
 * packet), and a status byte the device writes, each mapped with the
 * streaming API.
 *
 * The device side is the device's DMA engine and nothing else: it
 * fetches the available index, the ring entry and every descriptor by
 * bus address, then the buffers the descriptors name, and writes the
 * used element and index back.  On a device with grant DMA every one of
 * those addresses is a grant reference its backend in dom0 must map; on
 * one without, the backend is handed guest frames it does not own.  The
 * oracle checks every byte either side reads: the ring words and
 * descriptors the device fetched against what the driver wrote, the
 * buffers against their patterns, the used ring against what the device
 * reported.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define VQ_SIZE 16
#define VQ_CHAIN_MAX 5 /* header, up to three data buffers, status */
#define VQ_DESC_OFF 0
#define VQ_AVAIL_OFF (VQ_SIZE * 16)
#define VQ_USED_OFF DMK_PAGE_SIZE
#define VQ_RING_BYTES (2 * DMK_PAGE_SIZE)
#define VQ_MAX_DATA 9000 /* a jumbo frame */
#define VQ_HDR 16

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2

struct vq_buf {
	struct wl_buf b;
	dmk_addr_t dma;
	enum dmk_data_direction dir;
};

struct vq {
	struct wl_env *env;
	struct sim_world_device *wd;
	uint64_t rng;
	struct wl_coherent ring;
	uint16_t avail_idx;  /* driver: next available index */
	uint16_t last_avail; /* device: next entry it takes */
	uint16_t used_idx;   /* device: its used index */
	uint8_t *seen;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static bool vq_applies(const struct sim_world *w,
		       const struct sim_world_device *wd)
{
	(void)w;
	return wd->desc->virtio;
}

static void *vq_init(struct wl_env *env, struct sim_world_device *wd,
		     uint64_t seed)
{
	struct vq *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->env = env;
	q->wd = wd;
	q->rng = seed;
	q->seen = malloc(VQ_MAX_DATA);
	if (!q->seen ||
	    wl_coherent_alloc(env, wd, &q->rng, VQ_RING_BYTES, &q->ring)) {
		free(q->seen);
		free(q);
		return NULL;
	}
	memset(q->ring.cpu, 0, VQ_RING_BYTES);
	return q;
}

/* The guest-physical address of p, a byte of the rings. */
static uint64_t ring_phys(const struct vq *q, const void *p)
{
	if (q->ring.phys == WL_NO_ADDR)
		return WL_NO_ADDR;
	return q->ring.phys +
	       (uint64_t)((const uint8_t *)p - (const uint8_t *)q->ring.cpu);
}

/* The device fetches len bytes at bus address a and the oracle compares
 * them with what the driver put there (at guest-physical phys).  false
 * when the DMA faulted. */
static bool dev_fetch(struct vq *q, const char *op, dmk_addr_t a, uint64_t phys,
		      const void *expect, void *got, size_t len)
{
	struct wl_at at = wl_at_run(phys, a);
	int rc;

	memset(got, 0, len);
	rc = sim_dev_dma_read(&q->wd->sd, a, got, len);
	wl_oracle_check_at(q->env->oracle, q->wd->dev.name, op, expect, got,
			   len, &at);
	return rc == 0;
}

/*
 * The device's side of one request: available ring, descriptors,
 * buffers, used ring.  Patterns for the buffers it writes go to
 * written[i] (NULL for the ones it reads).  A descriptor that does not
 * match the driver's buffers stops it, as a device that finds a broken
 * chain marks itself broken.
 */
static void vq_device(struct vq *q, uint16_t head, unsigned int n,
		      struct vq_buf *bufs, uint8_t **written)
{
	const uint8_t *ring = q->ring.cpu;
	const uint8_t *slot =
		ring + VQ_AVAIL_OFF + 4 + 2 * (q->last_avail % VQ_SIZE);
	dmk_addr_t base = q->ring.dma;
	uint8_t word[16];
	uint32_t total = 0;
	uint16_t idx = head;

	if (!dev_fetch(q, "virtio-avail-idx", base + VQ_AVAIL_OFF + 2,
		       ring_phys(q, ring + VQ_AVAIL_OFF + 2),
		       ring + VQ_AVAIL_OFF + 2, word, 2) ||
	    !dev_fetch(q, "virtio-avail-ring",
		       base + VQ_AVAIL_OFF + 4 + 2 * (q->last_avail % VQ_SIZE),
		       ring_phys(q, slot), slot, word, 2))
		return;
	q->last_avail++;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *d = ring + VQ_DESC_OFF + 16 * idx;
		dmk_addr_t addr;
		uint32_t len;
		uint16_t flags;

		if (!dev_fetch(q, "virtio-desc", base + VQ_DESC_OFF + 16 * idx,
			       ring_phys(q, d), d, word, 16))
			return;
		addr = get64(word);
		len = get32(word + 8);
		flags = get16(word + 12);
		if (len != bufs[i].b.len ||
		    !(flags & VRING_DESC_F_WRITE) != !written[i])
			return;
		if (flags & VRING_DESC_F_WRITE) {
			wl_fill_pattern(&q->rng, written[i], len);
			if (sim_dev_dma_write(&q->wd->sd, addr, written[i],
					      len))
				return;
			total += len;
		} else {
			dev_fetch(q, "virtio-out", addr, bufs[i].b.phys,
				  bufs[i].b.cpu, q->seen, len);
		}
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = get16(word + 14);
		if (idx >= VQ_SIZE)
			return;
	}
	/* The used element, then the index that publishes it. */
	put32(word, head);
	put32(word + 4, total);
	if (sim_dev_dma_write(&q->wd->sd,
			      base + VQ_USED_OFF + 4 +
				      8 * (q->used_idx % VQ_SIZE),
			      word, 8))
		return;
	q->used_idx++;
	put16(word, q->used_idx);
	sim_dev_dma_write(&q->wd->sd, base + VQ_USED_OFF + 2, word, 2);
}

static void vq_step(void *state)
{
	struct vq *q = state;
	struct sim_world_guest *g = q->wd->guest;
	struct dmk_device *dev = &q->wd->dev;
	uint8_t *ring = q->ring.cpu;
	struct vq_buf bufs[VQ_CHAIN_MAX];
	uint8_t *written[VQ_CHAIN_MAX] = {0};
	unsigned int ndata = (unsigned int)wl_rand_range(&q->rng, 1, 3);
	unsigned int n = ndata + 2, mapped = 0;
	bool device_writes = wl_rand(&q->rng) & 1;
	uint16_t head = (uint16_t)((q->avail_idx % 3) * VQ_CHAIN_MAX);
	uint32_t want_len = 0;
	uint8_t used[8], expect_used[8];

	memset(bufs, 0, sizeof(bufs));
	for (unsigned int i = 0; i < n; i++) {
		size_t len = i == 0 ? VQ_HDR
			     : i == n - 1
				     ? 1
				     : wl_rand_range(&q->rng, 1, VQ_MAX_DATA);
		bool dw = i == n - 1 || (i > 0 && device_writes);

		bufs[i].dir = dw ? DMK_DMA_FROM_DEVICE : DMK_DMA_TO_DEVICE;
		if (wl_buf_alloc(q->env, g, &q->rng, len, wl_rand(&q->rng) % 64,
				 &bufs[i].b))
			goto out;
		if (dw) {
			written[i] = malloc(len);
			if (!written[i])
				goto out;
			memset(bufs[i].b.cpu, 0, len);
			want_len += (uint32_t)len;
		} else {
			wl_fill_pattern(&q->rng, bufs[i].b.cpu, len);
		}
		bufs[i].dma =
			dmk_map_page(dev, bufs[i].b.phys, len, bufs[i].dir);
		if (dmk_mapping_error(dev, bufs[i].dma)) {
			wl_oracle_map_error(q->env->oracle, dev->name,
					    "virtio-map", len);
			goto out;
		}
		mapped = i + 1;
		/* The descriptor, as the driver writes it. */
		{
			uint8_t *d = ring + VQ_DESC_OFF + 16 * (head + i);

			put64(d, bufs[i].dma);
			put32(d + 8, (uint32_t)len);
			put16(d + 12,
			      (uint16_t)((dw ? VRING_DESC_F_WRITE : 0) |
					 (i + 1 < n ? VRING_DESC_F_NEXT : 0)));
			put16(d + 14, (uint16_t)(head + i + 1));
		}
	}
	put16(ring + VQ_AVAIL_OFF + 4 + 2 * (q->avail_idx % VQ_SIZE), head);
	q->avail_idx++;
	put16(ring + VQ_AVAIL_OFF + 2, q->avail_idx);

	/* The kick: the device serves the request. */
	vq_device(q, head, n, bufs, written);

	/* The driver takes the used element (coherent: no sync). */
	put32(expect_used, head);
	put32(expect_used + 4, want_len);
	memcpy(used,
	       ring + VQ_USED_OFF + 4 + 8 * ((q->avail_idx - 1) % VQ_SIZE), 8);
	{
		const uint8_t *u = ring + VQ_USED_OFF + 4 +
				   8 * ((q->avail_idx - 1) % VQ_SIZE);
		struct wl_at at = wl_at_run(ring_phys(q, u),
					    q->ring.dma + (uint64_t)(u - ring));

		wl_oracle_check_at(q->env->oracle, dev->name, "virtio-used",
				   expect_used, used, 8, &at);
		put16(expect_used, q->avail_idx);
		at = wl_at_run(ring_phys(q, ring + VQ_USED_OFF + 2),
			       q->ring.dma + VQ_USED_OFF + 2);
		wl_oracle_check_at(q->env->oracle, dev->name, "virtio-used-idx",
				   expect_used, ring + VQ_USED_OFF + 2, 2, &at);
	}
out:
	for (unsigned int i = mapped; i-- > 0;) {
		dmk_unmap_page(dev, bufs[i].dma, bufs[i].b.len, bufs[i].dir);
		if (written[i]) {
			struct wl_at at =
				wl_at_run(bufs[i].b.phys, bufs[i].dma);

			wl_oracle_check_at(q->env->oracle, dev->name,
					   "virtio-in", written[i],
					   bufs[i].b.cpu, bufs[i].b.len, &at);
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		if (bufs[i].b.cpu)
			wl_buf_free(q->env, g, &bufs[i].b);
		free(written[i]);
	}
	/* A request the device never finished leaves the rings out of
	 * step: start both sides again from the driver's indices. */
	q->last_avail = q->avail_idx;
	q->used_idx = q->avail_idx;
	put16(ring + VQ_USED_OFF + 2, q->used_idx);
}

static void vq_fini(void *state)
{
	struct vq *q = state;

	wl_coherent_free(q->env, q->wd, &q->ring);
	free(q->seen);
	free(q);
}

const struct wl_workload wl_virtio = {
	.name = "virtio",
	.summary = "a split virtqueue: rings in coherent memory, chains of "
		   "header, data and status, every ring word checked",
	.applies = vq_applies,
	.init = vq_init,
	.step = vq_step,
	.fini = vq_fini,
};
