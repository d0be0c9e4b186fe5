/* SPDX-License-Identifier: MIT */
/*
 * Timed loops: map+unmap of one buffer back to back, the floors any
 * bounce pays (the copies, two indirect calls through an ops table),
 * and the batches that time them.  On a shared machine the best batch
 * is the one nobody preempted: the cost of the code; the median also
 * carries the neighbours' load.
 */
#include "bench.h"

#include <dmakit/dma-map-ops.h>

#include <sched.h>
#include <stdlib.h>
#include <string.h>

void bench_loop_dmakit(struct dmk_device *dev, void *va, size_t size,
		       enum dmk_data_direction dir, unsigned long iters)
{
	for (unsigned long i = 0; i < iters; i++) {
		dmk_addr_t a = dmk_map_single(dev, va, size, dir);

		if (dmk_mapping_error(dev, a))
			continue;
		dmk_unmap_single(dev, a, size, dir);
	}
}

/* The floor of the copies: what any bounce must pay. */
static void loop_memcpy(void *dst, void *src, size_t size, unsigned int n,
			unsigned long iters)
{
	for (unsigned long i = 0; i < iters; i++) {
		for (unsigned int k = 0; k < n; k++)
			memcpy(k ? src : dst, k ? dst : src, size);
		__asm__ __volatile__("" ::"r"(dst) : "memory");
	}
}

/* The floor of dispatch: two indirect calls that do nothing. */
static __attribute__((noinline)) dmk_addr_t
noop_map(struct dmk_device *d, dmk_phys_t p, size_t s,
	 enum dmk_data_direction dir, unsigned long a)
{
	(void)d;
	(void)s;
	(void)dir;
	(void)a;
	__asm__ __volatile__("" ::: "memory");
	return p;
}

static __attribute__((noinline)) void noop_unmap(struct dmk_device *d,
						 dmk_addr_t x, size_t s,
						 enum dmk_data_direction dir,
						 unsigned long a)
{
	(void)d;
	(void)x;
	(void)s;
	(void)dir;
	(void)a;
	__asm__ __volatile__("" ::: "memory");
}

static const struct dmk_dma_map_ops noop_ops = {
	.name = "noop",
	.map_page = noop_map,
	.unmap_page = noop_unmap,
};

static void loop_indirect(const struct dmk_dma_map_ops *volatile *opsp,
			  unsigned long iters)
{
	for (unsigned long i = 0; i < iters; i++) {
		const struct dmk_dma_map_ops *ops = *opsp;
		dmk_addr_t a = ops->map_page(NULL, i, 64, DMK_DMA_TO_DEVICE, 0);

		ops->unmap_page(NULL, a, 64, DMK_DMA_TO_DEVICE, 0);
	}
}

static void run_cell(struct bench_env *e, const struct cell *c,
		     unsigned long iters)
{
	void *va = env_buf(e, 0);

	switch (c->kind) {
	case CELL_DMAKIT:
		bench_loop_dmakit(&e->dev, va, c->size, c->dir, iters);
		break;
	case CELL_LINUX:
		bench_loop_linux(e, (unsigned int)sched_getcpu(), va, c->size,
				 c->dir, iters);
		break;
	case CELL_DIRECT:
		bench_loop_dmakit(&e->direct_dev, va, c->size, c->dir, iters);
		break;
	case CELL_MEMCPY:
		loop_memcpy(env_buf(e, 1), va, c->size,
			    dir_copies_back(c->dir) ? 2 : 1, iters);
		break;
	}
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_time_cell(struct bench_env *e, const struct cell *c,
		       unsigned int reps, uint64_t budget_ns, double *best)
{
	double v[64];
	unsigned long iters = 64;
	uint64_t t;

	if (reps > 64)
		reps = 64;
	/* Size the batch to ~budget/reps, measured on a warm-up. */
	t = now_ns();
	run_cell(e, c, iters);
	t = now_ns() - t;
	if (t == 0)
		t = 1;
	iters = (unsigned long)((double)iters * (double)(budget_ns / reps) /
				(double)t);
	if (iters < 16)
		iters = 16;
	for (unsigned int r = 0; r < reps; r++) {
		t = now_ns();
		run_cell(e, c, iters);
		v[r] = (double)(now_ns() - t) / (double)iters;
	}
	qsort(v, reps, sizeof(v[0]), bench_cmp_double);
	*best = v[0];
	return v[reps / 2];
}

double bench_time_pairs(struct dmk_device *dev, void *va, size_t size,
			unsigned int reps, unsigned long iters, double *best)
{
	double v[64];

	if (reps > 64)
		reps = 64;
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t = now_ns();

		for (unsigned long i = 0; i < iters; i++) {
			dmk_addr_t a = dmk_map_single(dev, va, size,
						      DMK_DMA_TO_DEVICE);

			if (dmk_mapping_error(dev, a))
				return 0;
			dmk_unmap_single(dev, a, size, DMK_DMA_TO_DEVICE);
		}
		v[r] = (double)(now_ns() - t) / (double)iters;
	}
	qsort(v, reps, sizeof(v[0]), bench_cmp_double);
	if (best)
		*best = v[0];
	return v[reps / 2];
}

double bench_time_indirect(unsigned int reps, unsigned long iters, double *best)
{
	const struct dmk_dma_map_ops *volatile ops = &noop_ops;
	double v[64];

	if (reps > 64)
		reps = 64;
	for (unsigned int r = 0; r < reps; r++) {
		uint64_t t = now_ns();

		loop_indirect(&ops, iters);
		v[r] = (double)(now_ns() - t) / (double)iters;
	}
	qsort(v, reps, sizeof(v[0]), bench_cmp_double);
	*best = v[0];
	return v[reps / 2];
}
