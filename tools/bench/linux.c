/* SPDX-License-Identifier: MIT */
/*
 * Linux 6.6's slot allocator as the bench drives it: its model
 * (bench/linux-swiotlb.h, static functions: this is the one file that
 * includes it) on a pool of the same size as dmakit's, one map, one
 * unmap, and the timed loop, which stays here so that the model's
 * functions are compiled beside it as they always were.
 */
#include "bench.h"

#include "../../bench/linux-swiotlb.h"

#include <stdlib.h>

int bench_linux_create(struct bench_env *e)
{
	unsigned int order = 0, n = 1;
	dmk_phys_t phys;
	void *va;

	while ((DMK_PAGE_SIZE << order) < BENCH_POOL)
		order++;
	va = e->plat->ops->alloc_pages(e->plat->ctx, order, 0xffffffffULL,
				       &phys);
	if (!va)
		return -1;
	/* Its lines are aligned as they were inside struct bench_env. */
	e->lx = aligned_alloc(64, sizeof(*e->lx));
	if (!e->lx)
		return -1;
	/* Linux: one area per possible CPU, rounded up to 2^n. */
	while (n < e->plat->nr_cpus)
		n <<= 1;
	return lx_pool_init(e->lx, va, BENCH_POOL >> LX_SHIFT, n);
}

void bench_linux_destroy(struct bench_env *e)
{
	if (!e->lx)
		return;
	lx_pool_fini(e->lx);
	free(e->lx);
	e->lx = NULL;
}

unsigned long bench_linux_used(const struct bench_env *e)
{
	return lx_used(e->lx);
}

unsigned long bench_linux_nslabs(const struct bench_env *e)
{
	return e->lx->nslabs;
}

void *bench_linux_map(struct bench_env *e, unsigned int cpu, void *va,
		      size_t size)
{
	return lx_map(e->lx, cpu, va, size);
}

void bench_linux_unmap(struct bench_env *e, void *tlb, size_t size)
{
	lx_unmap(e->lx, tlb, size, false);
}

void bench_loop_linux(struct bench_env *e, unsigned int cpu, void *va,
		      size_t size, enum dmk_data_direction dir,
		      unsigned long iters)
{
	struct lx_pool *p = e->lx;
	bool back = dir_copies_back(dir);

	for (unsigned long i = 0; i < iters; i++) {
		void *t = lx_map(p, cpu, va, size);

		if (t)
			lx_unmap(p, t, size, back);
	}
}
