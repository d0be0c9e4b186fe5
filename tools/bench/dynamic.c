/* SPDX-License-Identifier: MIT */
/*
 * A dynamic swiotlb (Linux 6.6's CONFIG_SWIOTLB_DYNAMIC) measured: a
 * map that only a transient pool can serve, map latency while another
 * thread grows the pool list, and the fragmentation churn on a small
 * pool, which must not fail before the platform's memory runs out.
 * Each part runs on a host platform of its own (a system with
 * swiotlb_force and swiotlb_dynamic, one coherent 64-bit device),
 * through the public API.
 */
#include "bench.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct dyn_env {
	struct dmk_host_platform *hp;
	const struct dmk_platform *plat;
	struct dmk_system *sys;
	struct dmk_device dev;
	uint8_t *buf; /* 1 MiB of originals */
};

static int dyn_env_create(struct dyn_env *e, size_t ram, size_t pool)
{
	struct dmk_system_config cfg;
	dmk_phys_t phys;

	memset(e, 0, sizeof(*e));
	if (dmk_host_platform_create(ram, &e->hp))
		return -1;
	e->plat = dmk_host_platform(e->hp);
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = pool;
	cfg.swiotlb_force = true;
	cfg.swiotlb_dynamic = true;
	cfg.xen = false;
	if (dmk_system_create(&e->sys, e->plat, &cfg) ||
	    dmk_device_init(&e->dev, e->sys, "bench-dyn"))
		return -1;
	e->dev.coherent = true;
	if (dmk_device_setup_dma(&e->dev) ||
	    dmk_set_mask_and_coherent(&e->dev, DMK_BIT_MASK(64)))
		return -1;
	e->buf = e->plat->ops->alloc_pages(e->plat->ctx, 8, ~0ULL, &phys);
	return e->buf ? 0 : -1;
}

static void dyn_env_destroy(struct dyn_env *e)
{
	if (e->sys) {
		dmk_device_fini(&e->dev);
		dmk_system_destroy(e->sys);
	}
	dmk_host_platform_destroy(e->hp);
}

static struct dmk_swiotlb_stats dyn_stats(struct dyn_env *e)
{
	struct dmk_swiotlb_stats st;

	memset(&st, 0, sizeof(st));
	dmk_swiotlb_stats(e->sys, &st);
	return st;
}

static bool map_held(struct dyn_env *e, size_t size, struct held *h)
{
	h->size = size;
	h->addr = dmk_map_single_attrs(&e->dev, e->buf, size, DMK_DMA_TO_DEVICE,
				       DMK_ATTR_NO_WARN);
	return !dmk_mapping_error(&e->dev, h->addr);
}

static void unmap_all(struct dyn_env *e, struct held_list *l)
{
	while (l->n) {
		struct held *h = &l->v[--l->n];

		dmk_unmap_single(&e->dev, h->addr, h->size, DMK_DMA_TO_DEVICE);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * A map no pool can serve: a 256 KiB default pool and its 32 grown
 * pools held full with 2 KiB maps, then 4 KiB map+unmap pairs, each
 * through a transient pool made and freed for it.
 */
static void transient_row(bool quick, struct dyn_result *r)
{
	struct dyn_env e;
	struct held_list l = {0};
	struct dmk_swiotlb_stats st;
	struct held h;

	if (dyn_env_create(&e, 64UL << 20, 256UL << 10))
		goto out;
	r->steady_ns = bench_time_pairs(&e.dev, e.buf, 4096, quick ? 3 : 15,
					quick ? 2000 : 20000, NULL);
	for (;;) {
		st = dyn_stats(&e);
		if (st.transient_pools || !map_held(&e, 2048, &h))
			break;
		bench_held_push(&l, &h);
	}
	/* The last map took the first transient pool: hold it too. */
	if (st.transient_pools == 1) {
		bench_held_push(&l, &h);
		r->pools = st.pools;
		r->transient_ns =
			bench_time_pairs(&e.dev, e.buf, 4096, quick ? 3 : 15,
					 quick ? 200 : 2000, NULL);
		st = dyn_stats(&e);
		r->transient_made = st.transient_total;
		r->transient_ok = st.transient_pools == 1 && st.full == 0;
	}
	unmap_all(&e, &l);
out:
	dyn_env_destroy(&e);
}

/* ---- map latency while the list grows ---- */

struct grower {
	struct dyn_env *e;
	unsigned int grown;
	int stop;
};

static void *grow_thread(void *arg)
{
	struct grower *g = arg;

	bench_pin_to_cpu(1);
	while (dmk_swiotlb_grow(g->e->sys) == 0)
		g->grown++;
	__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* p99 of single 1500 B map latencies (each timed alone), n samples or
 * until *stop. */
static double map_p99(struct dyn_env *e, unsigned int n, const int *stop,
		      unsigned int *got)
{
	double *v = calloc(n, sizeof(*v));
	unsigned int k = 0;
	double p99 = 0;

	if (!v)
		return 0;
	while (k < n && !(stop && __atomic_load_n(stop, __ATOMIC_ACQUIRE))) {
		uint64_t t0 = now_ns();
		dmk_addr_t a = dmk_map_single(&e->dev, e->buf, 1500,
					      DMK_DMA_TO_DEVICE);

		v[k++] = (double)(now_ns() - t0);
		dmk_unmap_single(&e->dev, a, 1500, DMK_DMA_TO_DEVICE);
	}
	if (k) {
		qsort(v, k, sizeof(v[0]), bench_cmp_double);
		p99 = v[(size_t)((double)(k - 1) * 0.99)];
	}
	*got = k;
	free(v);
	return p99;
}

/* A 4 MiB default pool at 50 %, then the same maps while a second
 * thread adds its 32 pools of 4 MiB (dmk_swiotlb_grow). */
static void growth_row(bool quick, struct dyn_result *r)
{
	struct dyn_env e;
	struct held_list l = {0};
	struct grower g = {0};
	pthread_t t;
	struct held h;

	if (dyn_env_create(&e, 256UL << 20, 4UL << 20))
		goto out;
	while (dyn_stats(&e).used < 1024 && map_held(&e, 2048, &h))
		bench_held_push(&l, &h);
	bench_pin_to_cpu(0);
	r->p99_steady_ns =
		map_p99(&e, quick ? 20000 : 200000, NULL, &r->steady_samples);
	g.e = &e;
	if (pthread_create(&t, NULL, grow_thread, &g) == 0) {
		r->p99_growing_ns =
			map_p99(&e, 4000000, &g.stop, &r->growing_samples);
		pthread_join(t, NULL);
		r->grown = g.grown;
	}
	bench_unpin();
	unmap_all(&e, &l);
out:
	dyn_env_destroy(&e);
}

/* ---- fragmentation churn on a small pool ---- */

/*
 * The churn of churn.c (log-uniform 64 B..256 KiB, 3 maps for 2
 * unmaps) on a 1 MiB dynamic pool over 64 MiB of RAM, until a map
 * fails; then whether the platform could still give the largest block
 * a transient pool needs (256 KiB + alignment: order 7).  If it could
 * not, the failure is the platform's memory running out.
 */
static void churn_row(bool quick, struct dyn_result *r)
{
	struct dyn_env e;
	struct held_list l = {0};
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	struct dmk_swiotlb_stats st;
	dmk_phys_t phys;
	void *va;

	(void)quick;
	if (dyn_env_create(&e, 64UL << 20, 1UL << 20))
		goto out;
	for (unsigned long op = 0; op < 10000000; op++) {
		struct held h;

		if (l.n && rnd(&seed) % 5 < 2) {
			size_t k = rnd(&seed) % l.n;

			dmk_unmap_single(&e.dev, l.v[k].addr, l.v[k].size,
					 DMK_DMA_TO_DEVICE);
			l.v[k] = l.v[--l.n];
			continue;
		}
		if (!map_held(&e, log_uniform(&seed, 64, SEG_BYTES), &h)) {
			r->churn_failed = true;
			break;
		}
		bench_held_push(&l, &h);
		r->churn_maps++;
	}
	st = dyn_stats(&e);
	r->churn_pool_bytes = st.pool_bytes;
	r->churn_pools = st.pools;
	r->churn_transient = st.transient_pools;
	va = e.plat->ops->alloc_pages(e.plat->ctx, 7, ~0ULL, &phys);
	r->churn_memory_out = va == NULL;
	if (va)
		e.plat->ops->free_pages(e.plat->ctx, phys, 7);
	unmap_all(&e, &l);
out:
	dyn_env_destroy(&e);
}

void bench_dynamic(bool quick, struct dyn_result *r)
{
	memset(r, 0, sizeof(*r));
	transient_row(quick, r);
	growth_row(quick, r);
	churn_row(quick, r);
}
