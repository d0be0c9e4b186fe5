/* SPDX-License-Identifier: MIT */
/*
 * The environment every measurement runs in: the host platform, a
 * system that bounces every map (swiotlb_force) and one that never does,
 * a device on each, the originals, and Linux's model pool beside
 * dmakit's (linux.c); and what fills a pool to a level: one map or unmap
 * of either implementation, the list of what is held, the prefill.
 */
#include "bench.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const bench_impl_names[2] = {"dmakit", "linux-6.6-model"};

void bench_pin_to_cpu(unsigned int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)(n > 0 ? n : 1), &set);
	/* Best effort: a container may forbid it; the numbers say so. */
	(void)sched_setaffinity(0, sizeof(set), &set);
}

void bench_unpin(void)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (long i = 0; i < (n > 0 ? n : 1) && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

unsigned int bench_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

int bench_env_create(struct bench_env *e, unsigned int dma_bits, bool with_lx,
		     unsigned int nbufs)
{
	struct dmk_system_config cfg;
	dmk_phys_t phys;
	void *va;

	memset(e, 0, sizeof(*e));
	if (dmk_host_platform_create(BENCH_RAM, &e->hp))
		return -1;
	e->plat = dmk_host_platform(e->hp);

	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = BENCH_POOL;
	cfg.swiotlb_force = true;
	cfg.xen = false;
	if (dmk_system_create(&e->sys, e->plat, &cfg))
		return -1;
	cfg.swiotlb_bytes = 0;
	cfg.swiotlb_force = false;
	if (dmk_system_create(&e->direct_sys, e->plat, &cfg))
		return -1;

	if (dmk_device_init(&e->dev, e->sys, "bench") ||
	    dmk_device_init(&e->direct_dev, e->direct_sys, "bench-direct"))
		return -1;
	e->dev.coherent = true;
	e->direct_dev.coherent = true;
	if (dmk_device_setup_dma(&e->dev) ||
	    dmk_device_setup_dma(&e->direct_dev))
		return -1;
	if (dmk_set_mask_and_coherent(&e->dev, DMK_BIT_MASK(dma_bits)) ||
	    dmk_set_mask_and_coherent(&e->direct_dev, DMK_BIT_MASK(64)))
		return -1;

	/* Originals: one contiguous run of buffers above the pools. */
	e->nr_bufs = nbufs;
	{
		unsigned int order = 0;

		order = dmk_get_order((size_t)nbufs * BENCH_BUF);
		va = e->plat->ops->alloc_pages(e->plat->ctx, order, ~0ULL,
					       &phys);
		if (!va)
			return -1;
		e->bufs = va;
		for (size_t i = 0; i < (size_t)nbufs * BENCH_BUF; i++)
			e->bufs[i] = (uint8_t)(i * 7);
	}
	if (with_lx && bench_linux_create(e))
		return -1;
	return 0;
}

void bench_env_destroy(struct bench_env *e)
{
	bench_linux_destroy(e);
	if (e->sys) {
		dmk_device_fini(&e->dev);
		dmk_system_destroy(e->sys);
	}
	if (e->direct_sys) {
		dmk_device_fini(&e->direct_dev);
		dmk_system_destroy(e->direct_sys);
	}
	dmk_host_platform_destroy(e->hp);
}

double bench_occupancy(struct bench_env *e, enum impl im)
{
	struct dmk_swiotlb_stats st;

	if (im == IMPL_LINUX)
		return 100.0 * (double)bench_linux_used(e) /
		       (double)bench_linux_nslabs(e);
	if (dmk_swiotlb_stats(e->sys, &st) || !st.nslabs)
		return 0;
	return 100.0 * (double)st.used / (double)st.nslabs;
}

bool bench_map_one(struct bench_env *e, enum impl im, unsigned int cpu,
		   void *va, size_t size, struct held *h)
{
	h->size = size;
	if (im == IMPL_LINUX) {
		h->lx = bench_linux_map(e, cpu, va, size);
		return h->lx != NULL;
	}
	h->addr = dmk_map_single_attrs(&e->dev, va, size, DMK_DMA_TO_DEVICE,
				       DMK_ATTR_NO_WARN);
	return !dmk_mapping_error(&e->dev, h->addr);
}

void bench_unmap_one(struct bench_env *e, enum impl im, struct held *h)
{
	if (im == IMPL_LINUX)
		bench_linux_unmap(e, h->lx, h->size);
	else
		dmk_unmap_single(&e->dev, h->addr, h->size, DMK_DMA_TO_DEVICE);
}

bool bench_held_push(struct held_list *l, const struct held *h)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		struct held *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return false;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *h;
	return true;
}

void bench_held_release(struct bench_env *e, enum impl im, struct held_list *l)
{
	while (l->n)
		bench_unmap_one(e, im, &l->v[--l->n]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Fill the pool to pct % with long-lived mappings of log-uniform sizes
 * (64 B .. 64 KiB), spread over the CPUs so every area holds its share,
 * as a busy system's would.  Where fragmentation stops a size, smaller
 * ones finish the job.
 */
void bench_prefill(struct bench_env *e, enum impl im, double pct,
		   struct held_list *l)
{
	uint64_t seed = 0x5eed;
	unsigned int ncpu = bench_online_cpus();
	size_t cap = 64 << 10;

	for (unsigned int i = 0; bench_occupancy(e, im) < pct; i++) {
		struct held h;
		size_t size = log_uniform(&seed, 64, cap);
		unsigned int cpu = i % ncpu;

		if (im == IMPL_DMAKIT && ncpu > 1)
			bench_pin_to_cpu(cpu);
		if (!bench_map_one(e, im, cpu, env_buf(e, 0), size, &h)) {
			if (cap <= 2048)
				break;
			cap /= 2;
			continue;
		}
		if (!bench_held_push(l, &h)) {
			bench_unmap_one(e, im, &h);
			break;
		}
	}
	bench_unpin();
}
