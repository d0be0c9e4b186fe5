/* SPDX-License-Identifier: MIT */
/*
 * coherent: a driver that churns coherent buffers of 64 bytes to 1 MiB
 * (command queues, firmware mailboxes, frame buffers).  Up to eight are
 * alive at a time; each step allocates one, frees one or exchanges data
 * through one in both directions: the CPU writes and the device reads,
 * the device writes and the CPU reads, with no sync in between (none is
 * allowed to be needed: that is the contract of coherent memory).
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define COH_LIVE 8
#define COH_MIN_SHIFT 6	 /* 64 bytes */
#define COH_MAX_SHIFT 20 /* 1 MiB */
#define COH_MAX_XFER (64 * 1024)

struct coh {
	struct wl_env *env;
	struct sim_world_device *wd;
	uint64_t rng;
	struct wl_coherent live[COH_LIVE];
	uint8_t *expect, *seen;
};

static bool coh_applies(const struct sim_world *w,
			const struct sim_world_device *wd)
{
	(void)w;
	(void)wd;
	return true;
}

static void *coh_init(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t seed)
{
	struct coh *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->env = env;
	c->wd = wd;
	c->rng = seed;
	c->expect = malloc(COH_MAX_XFER);
	c->seen = malloc(COH_MAX_XFER);
	if (!c->expect || !c->seen) {
		free(c->expect);
		free(c->seen);
		free(c);
		return NULL;
	}
	return c;
}

/*
 * Log-uniform sizes: as many small buffers as large ones.  A device
 * confined to a restricted pool gets its coherent memory in bounce slots,
 * never more than one segment (256 KiB) at a time, as in Linux; its
 * driver asks for no more.
 */
static size_t coh_size(struct coh *c)
{
	unsigned int shift = (unsigned int)wl_rand_range(&c->rng, COH_MIN_SHIFT,
							 COH_MAX_SHIFT);
	size_t size = (size_t)1 << shift;
	size_t max = (size_t)1 << COH_MAX_SHIFT, used, total;

	if (shift < COH_MAX_SHIFT)
		size += wl_rand(&c->rng) % size;
	if (c->wd->restricted_pool && dmk_max_mapping_size(&c->wd->dev) < max)
		max = dmk_max_mapping_size(&c->wd->dev);
	/* A device with its own coherent region (a frame buffer's few
	 * MiB) gets nothing else: its driver asks for what fits. */
	if (!dmk_coherent_memory_stats(&c->wd->dev, &used, &total) &&
	    total / 32 < max)
		max = total / 32;
	return size < max ? size : max;
}

static void coh_exchange(struct coh *c, struct wl_coherent *b)
{
	const char *name = c->wd->dev.name;
	size_t len = wl_rand_range(
		&c->rng, 1, b->size < COH_MAX_XFER ? b->size : COH_MAX_XFER);
	size_t off = wl_rand_range(&c->rng, 0, b->size - len);
	uint8_t *cpu = (uint8_t *)b->cpu + off;
	struct wl_at at =
		wl_at_run(b->phys == WL_NO_ADDR ? WL_NO_ADDR : b->phys + off,
			  b->dma + off);

	/* CPU to device. */
	wl_fill_pattern(&c->rng, c->expect, len);
	memcpy(cpu, c->expect, len);
	memset(c->seen, 0, len);
	sim_dev_dma_read(&c->wd->sd, b->dma + off, c->seen, len);
	wl_oracle_check_at(c->env->oracle, name, "coherent-read", c->expect,
			   c->seen, len, &at);

	/* Device to CPU. */
	wl_fill_pattern(&c->rng, c->expect, len);
	sim_dev_dma_write(&c->wd->sd, b->dma + off, c->expect, len);
	memcpy(c->seen, cpu, len);
	wl_oracle_check_at(c->env->oracle, name, "coherent-write", c->expect,
			   c->seen, len, &at);
}

static void coh_step(void *state)
{
	struct coh *c = state;
	unsigned int slot = (unsigned int)(wl_rand(&c->rng) % COH_LIVE);
	struct wl_coherent *b = &c->live[slot];
	unsigned int action = (unsigned int)(wl_rand(&c->rng) % 4);

	if (!b->cpu) {
		if (wl_coherent_alloc(c->env, c->wd, &c->rng, coh_size(c), b))
			return;
		coh_exchange(c, b);
		return;
	}
	if (action == 0)
		wl_coherent_free(c->env, c->wd, b);
	else
		coh_exchange(c, b);
}

static void coh_fini(void *state)
{
	struct coh *c = state;

	for (unsigned int i = 0; i < COH_LIVE; i++)
		wl_coherent_free(c->env, c->wd, &c->live[i]);
	free(c->expect);
	free(c->seen);
	free(c);
}

const struct wl_workload wl_coherent = {
	.name = "coherent",
	.summary =
		"alloc/free churn of coherent buffers of 64 B..1 MiB, data both ways",
	.applies = coh_applies,
	.init = coh_init,
	.step = coh_step,
	.fini = coh_fini,
};
