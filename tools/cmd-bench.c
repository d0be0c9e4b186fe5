/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench: map/unmap latency in the shape of Linux's
 * dma_map_benchmark, and the sweep of issue 6 (docs/benchmarks.md).
 *
 * Everything runs on the host platform (plain memory, identity bus
 * addresses, coherent devices), so what is measured is the library.
 * dmakit is measured through the public API (dmk_map_single and
 * dmk_unmap_single on a device of a system with swiotlb_force); Linux
 * 6.6's slot allocator is measured through a model of it
 * (bench/linux-swiotlb.h) on a pool of the same size in the same run.
 */
#include "commands.h"

#include "../bench/linux-swiotlb.h"
#include "workload.h"
#include "world.h"

#include <dmakit/host.h>
#include <dmakit/system.h>

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_RAM (512UL << 20)
#define BENCH_POOL (64UL << 20) /* Linux's default swiotlb */
#define BENCH_MAX_THREADS 64
#define BENCH_BUF (1UL << 20) /* per thread: originals */
#define SEG_BYTES (128UL * 2048)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void pin_to_cpu(unsigned int cpu)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)(n > 0 ? n : 1), &set);
	/* Best effort: a container may forbid it; the numbers say so. */
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	cpu_set_t set;
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	for (long i = 0; i < (n > 0 ? n : 1) && i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/* xorshift64*: a cheap deterministic generator per thread. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static size_t log_uniform(uint64_t *s, size_t lo, size_t hi)
{
	double r = (double)(rnd(s) >> 11) / (double)(1ULL << 53);

	return (size_t)exp(log((double)lo) + r * (log((double)hi) - log(lo)));
}

/* ---- the environment: host platform, two systems, Linux's model ---- */

enum impl { IMPL_DMAKIT, IMPL_LINUX };
static const char *const impl_names[] = {"dmakit", "linux-6.6-model"};

struct bench_env {
	struct dmk_host_platform *hp;
	const struct dmk_platform *plat;
	struct dmk_system *sys;	       /* swiotlb_force: every map bounces */
	struct dmk_system *direct_sys; /* no swiotlb: dma-direct */
	struct dmk_device dev, direct_dev;
	struct lx_pool lx;
	bool have_lx;
	uint8_t *bufs; /* BENCH_MAX_THREADS * BENCH_BUF of originals */
	unsigned int nr_bufs;
};

/* What a prefill left mapped, to be unmapped at the end. */
struct held {
	dmk_addr_t addr;
	void *lx;
	size_t size;
};

struct held_list {
	struct held *v;
	size_t n, cap;
};

static int env_create(struct bench_env *e, unsigned int dma_bits, bool with_lx,
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
	if (with_lx) {
		unsigned int order = 0;

		while ((DMK_PAGE_SIZE << order) < BENCH_POOL)
			order++;
		va = e->plat->ops->alloc_pages(e->plat->ctx, order,
					       0xffffffffULL, &phys);
		if (!va)
			return -1;
		/* Linux: one area per possible CPU, rounded up to 2^n. */
		{
			unsigned int n = 1;

			while (n < e->plat->nr_cpus)
				n <<= 1;
			if (lx_pool_init(&e->lx, va, BENCH_POOL >> LX_SHIFT, n))
				return -1;
		}
		e->have_lx = true;
	}
	return 0;
}

static void env_destroy(struct bench_env *e)
{
	if (e->have_lx)
		lx_pool_fini(&e->lx);
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

static uint8_t *env_buf(struct bench_env *e, unsigned int i)
{
	return e->bufs + (size_t)(i % e->nr_bufs) * BENCH_BUF;
}

static double occupancy(struct bench_env *e, enum impl im)
{
	struct dmk_swiotlb_stats st;

	if (im == IMPL_LINUX)
		return 100.0 * (double)lx_used(&e->lx) / (double)e->lx.nslabs;
	if (dmk_swiotlb_stats(e->sys, &st) || !st.nslabs)
		return 0;
	return 100.0 * (double)st.used / (double)st.nslabs;
}

/* One map of the chosen implementation; false when it failed. */
static bool map_one(struct bench_env *e, enum impl im, unsigned int cpu,
		    void *va, size_t size, struct held *h)
{
	h->size = size;
	if (im == IMPL_LINUX) {
		h->lx = lx_map(&e->lx, cpu, va, size);
		return h->lx != NULL;
	}
	h->addr = dmk_map_single_attrs(&e->dev, va, size, DMK_DMA_TO_DEVICE,
				       DMK_ATTR_NO_WARN);
	return !dmk_mapping_error(&e->dev, h->addr);
}

static void unmap_one(struct bench_env *e, enum impl im, struct held *h)
{
	if (im == IMPL_LINUX)
		lx_unmap(&e->lx, h->lx, h->size, false);
	else
		dmk_unmap_single(&e->dev, h->addr, h->size, DMK_DMA_TO_DEVICE);
}

static bool held_push(struct held_list *l, const struct held *h)
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

static void held_release(struct bench_env *e, enum impl im, struct held_list *l)
{
	while (l->n)
		unmap_one(e, im, &l->v[--l->n]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/*
 * Fill the pool to pct % with long-lived mappings of log-uniform sizes
 * (64 B .. 64 KiB), spread over the CPUs so every area holds its share,
 * as a busy system's would.  Where fragmentation stops a size, smaller
 * ones finish the job.
 */
static void prefill(struct bench_env *e, enum impl im, double pct,
		    struct held_list *l)
{
	uint64_t seed = 0x5eed;
	unsigned int ncpu = online_cpus();
	size_t cap = 64 << 10;

	for (unsigned int i = 0; occupancy(e, im) < pct; i++) {
		struct held h;
		size_t size = log_uniform(&seed, 64, cap);
		unsigned int cpu = i % ncpu;

		if (im == IMPL_DMAKIT && ncpu > 1)
			pin_to_cpu(cpu);
		if (!map_one(e, im, cpu, env_buf(e, 0), size, &h)) {
			if (cap <= 2048)
				break;
			cap /= 2;
			continue;
		}
		if (!held_push(l, &h)) {
			unmap_one(e, im, &h);
			break;
		}
	}
	unpin();
}

/* ---- timed loops ---- */

static bool dir_copies_back(enum dmk_data_direction dir)
{
	return dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL;
}

static void loop_dmakit(struct dmk_device *dev, void *va, size_t size,
			enum dmk_data_direction dir, unsigned long iters)
{
	for (unsigned long i = 0; i < iters; i++) {
		dmk_addr_t a = dmk_map_single(dev, va, size, dir);

		if (dmk_mapping_error(dev, a))
			continue;
		dmk_unmap_single(dev, a, size, dir);
	}
}

static void loop_linux(struct lx_pool *p, unsigned int cpu, void *va,
		       size_t size, enum dmk_data_direction dir,
		       unsigned long iters)
{
	bool back = dir_copies_back(dir);

	for (unsigned long i = 0; i < iters; i++) {
		void *t = lx_map(p, cpu, va, size);

		if (t)
			lx_unmap(p, t, size, back);
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

enum cell_kind { CELL_DMAKIT, CELL_LINUX, CELL_DIRECT, CELL_MEMCPY };

struct cell {
	enum cell_kind kind;
	size_t size;
	enum dmk_data_direction dir;
};

static void run_cell(struct bench_env *e, const struct cell *c,
		     unsigned long iters)
{
	void *va = env_buf(e, 0);

	switch (c->kind) {
	case CELL_DMAKIT:
		loop_dmakit(&e->dev, va, c->size, c->dir, iters);
		break;
	case CELL_LINUX:
		loop_linux(&e->lx, (unsigned int)sched_getcpu(), va, c->size,
			   c->dir, iters);
		break;
	case CELL_DIRECT:
		loop_dmakit(&e->direct_dev, va, c->size, c->dir, iters);
		break;
	case CELL_MEMCPY:
		loop_memcpy(env_buf(e, 1), va, c->size,
			    dir_copies_back(c->dir) ? 2 : 1, iters);
		break;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * ns per map+unmap over reps batches (after a warm-up batch): returns
 * the median and stores the best batch in *best.  On a shared machine
 * the best batch is the one nobody preempted: the cost of the code; the
 * median also carries the neighbours' load.
 */
static double time_cell(struct bench_env *e, const struct cell *c,
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
	qsort(v, reps, sizeof(v[0]), cmp_double);
	*best = v[0];
	return v[reps / 2];
}

static double time_indirect(unsigned int reps, unsigned long iters,
			    double *best)
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
	qsort(v, reps, sizeof(v[0]), cmp_double);
	*best = v[0];
	return v[reps / 2];
}

/* ---- bench map: Linux's dma_map_benchmark ---- */

struct map_args {
	unsigned int threads;
	double seconds;
	size_t size;
	enum dmk_data_direction dir;
	unsigned int dma_bits;
	uint64_t transfer_ns;
	double occupancy;
	bool direct;
	bool json;
};

/* Each worker's sums on lines of their own: they are written on every
 * iteration, and neighbours sharing a line measured the harness. */
struct map_worker {
	struct bench_env *e;
	const struct map_args *a;
	unsigned int id;
	pthread_barrier_t *start;
	uint64_t ops, errors;
	double map_sum, map_sq, unmap_sum, unmap_sq;
} __attribute__((aligned(64)));

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void *map_worker_main(void *arg)
{
	struct map_worker *w = arg;
	struct dmk_device *dev = w->a->direct ? &w->e->direct_dev : &w->e->dev;
	void *va = env_buf(w->e, w->id);
	uint64_t end;

	pin_to_cpu(w->id);
	pthread_barrier_wait(w->start);
	end = now_ns() + (uint64_t)(w->a->seconds * 1e9);
	while (now_ns() < end) {
		uint64_t t0 = now_ns(), t1, t2, t3;
		dmk_addr_t addr =
			dmk_map_single(dev, va, w->a->size, w->a->dir);

		t1 = now_ns();
		if (dmk_mapping_error(dev, addr)) {
			w->errors++;
			continue;
		}
		if (w->a->transfer_ns)
			spin_ns(w->a->transfer_ns);
		t2 = now_ns();
		dmk_unmap_single(dev, addr, w->a->size, w->a->dir);
		t3 = now_ns();
		w->map_sum += (double)(t1 - t0);
		w->map_sq += (double)(t1 - t0) * (double)(t1 - t0);
		w->unmap_sum += (double)(t3 - t2);
		w->unmap_sq += (double)(t3 - t2) * (double)(t3 - t2);
		w->ops++;
	}
	return NULL;
}

static double timer_overhead_ns(void)
{
	double v[9];

	for (int r = 0; r < 9; r++) {
		uint64_t t = now_ns();

		for (int i = 0; i < 10000; i++)
			(void)now_ns();
		v[r] = (double)(now_ns() - t) / 10000.0;
	}
	qsort(v, 9, sizeof(v[0]), cmp_double);
	return v[4];
}

static const char *dir_name(enum dmk_data_direction d)
{
	static const char *const n[] = {"BIDIRECTIONAL", "TO_DEVICE",
					"FROM_DEVICE", "NONE"};

	return (unsigned int)d < 4 ? n[d] : "?";
}

static int bench_map(const struct map_args *a)
{
	struct bench_env e;
	struct map_worker w[BENCH_MAX_THREADS];
	pthread_t th[BENCH_MAX_THREADS];
	pthread_barrier_t start;
	struct held_list held = {0};
	double ms = 0, mq = 0, us = 0, uq = 0, n = 0, mavg, msd, uavg, usd;
	uint64_t errors = 0;

	if (env_create(&e, a->dma_bits, false, a->threads)) {
		fprintf(stderr, "dmakit: cannot set up the host platform\n");
		return DMK_EXIT_FAIL;
	}
	if (a->occupancy > 0)
		prefill(&e, IMPL_DMAKIT, a->occupancy, &held);
	pthread_barrier_init(&start, NULL, a->threads);
	for (unsigned int i = 0; i < a->threads; i++) {
		w[i] = (struct map_worker){
			.e = &e, .a = a, .id = i, .start = &start};
		pthread_create(&th[i], NULL, map_worker_main, &w[i]);
	}
	for (unsigned int i = 0; i < a->threads; i++) {
		pthread_join(th[i], NULL);
		ms += w[i].map_sum;
		mq += w[i].map_sq;
		us += w[i].unmap_sum;
		uq += w[i].unmap_sq;
		n += (double)w[i].ops;
		errors += w[i].errors;
	}
	pthread_barrier_destroy(&start);
	if (n < 1)
		n = 1;
	mavg = ms / n;
	msd = sqrt(fmax(mq / n - mavg * mavg, 0));
	uavg = us / n;
	usd = sqrt(fmax(uq / n - uavg * uavg, 0));

	if (a->json) {
		json_t *o = json_pack(
			"{s:f, s:f, s:f, s:f, s:I, s:I, s:i, s:I, s:s, s:f, s:s, s:i, s:I, s:f, s:f}",
			"map_ns_avg", mavg, "map_ns_sd", msd, "unmap_ns_avg",
			uavg, "unmap_ns_sd", usd, "ops", (json_int_t)n,
			"errors", (json_int_t)errors, "threads",
			(int)a->threads, "size", (json_int_t)a->size, "dir",
			dir_name(a->dir), "occupancy",
			occupancy(&e, IMPL_DMAKIT), "mode",
			a->direct ? "direct" : "bounce", "dma_bits",
			(int)a->dma_bits, "transfer_ns",
			(json_int_t)a->transfer_ns, "seconds", a->seconds,
			"timer_overhead_ns", timer_overhead_ns());

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		printf("dma mapping benchmark: threads:%u seconds:%g size:%zu dir:%s mode:%s occupancy:%.1f%% platform:host\n",
		       a->threads, a->seconds, a->size, dir_name(a->dir),
		       a->direct ? "direct" : "bounce",
		       occupancy(&e, IMPL_DMAKIT));
		printf("average map latency(us):%.1f standard deviation:%.1f\n",
		       mavg / 1000, msd / 1000);
		printf("average unmap latency(us):%.1f standard deviation:%.1f\n",
		       uavg / 1000, usd / 1000);
		printf("average map latency(ns):%.1f standard deviation:%.1f\n",
		       mavg, msd);
		printf("average unmap latency(ns):%.1f standard deviation:%.1f\n",
		       uavg, usd);
		printf("ops:%.0f errors:%llu (each latency includes one clock read, ~%.0f ns)\n",
		       n, (unsigned long long)errors, timer_overhead_ns());
	}
	held_release(&e, IMPL_DMAKIT, &held);
	env_destroy(&e);
	return errors && !n ? DMK_EXIT_FAIL : DMK_EXIT_OK;
}

/* ---- fragmentation churn ---- */

enum { CLASS_SMALL, CLASS_MEDIUM, CLASS_LARGE, NR_CLASSES };
static const char *const class_names[] = {"<=4KiB", "4-64KiB", ">64KiB"};

static unsigned int size_class(size_t size)
{
	return size <= 4096    ? CLASS_SMALL
	       : size <= 65536 ? CLASS_MEDIUM
			       : CLASS_LARGE;
}

#define CHURN_LEVELS 3
static const double churn_levels[CHURN_LEVELS] = {80, 90, 95};

struct churn_result {
	double first_failure_pct;	  /* mean over seeds */
	double reached_pct[CHURN_LEVELS]; /* where the fill-up stopped */
	double fail_rate[CHURN_LEVELS][NR_CLASSES];
	unsigned long attempts[CHURN_LEVELS][NR_CLASSES];
};

static void churn_unmap_random(struct bench_env *e, enum impl im,
			       struct held_list *l, uint64_t *seed)
{
	size_t k = rnd(seed) % l->n;

	unmap_one(e, im, &l->v[k]);
	l->v[k] = l->v[--l->n];
}

/*
 * First failure: maps of log-uniform sizes (64 B .. 256 KiB) with random
 * unmaps in between (3 maps for 2 unmaps), from an empty pool, until a
 * map fails; the occupancy just before it.  Failure rates: at each level,
 * hold the pool at that occupancy (unmap random mappings until at or
 * below it) and count the maps that fail, by size class.
 */
static void churn(struct bench_env *e, enum impl im, unsigned int seeds,
		  unsigned int attempts, struct churn_result *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned int s = 0; s < seeds; s++) {
		struct held_list l = {0};
		uint64_t seed = 0x9e3779b97f4a7c15ULL * (s + 1);

		for (unsigned long op = 0; op < 10000000; op++) {
			struct held h;
			double occ = occupancy(e, im);

			if (l.n && rnd(&seed) % 5 < 2) {
				churn_unmap_random(e, im, &l, &seed);
				continue;
			}
			if (!map_one(e, im, 0, env_buf(e, 0),
				     log_uniform(&seed, 64, SEG_BYTES), &h)) {
				r->first_failure_pct += occ / seeds;
				break;
			}
			held_push(&l, &h);
		}
		held_release(e, im, &l);
	}
	for (unsigned int lv = 0; lv < CHURN_LEVELS; lv++) {
		struct held_list l = {0};
		uint64_t seed = 0x1234567ULL + lv;
		unsigned long fails[NR_CLASSES] = {0};
		unsigned int misses = 0;

		/* Fill up to the level; give up after 1000 misses in a row. */
		while (occupancy(e, im) < churn_levels[lv] && misses < 1000) {
			struct held h;

			if (map_one(e, im, 0, env_buf(e, 0),
				    log_uniform(&seed, 64, SEG_BYTES), &h)) {
				held_push(&l, &h);
				misses = 0;
			} else {
				misses++;
			}
		}
		r->reached_pct[lv] = occupancy(e, im);
		for (unsigned int i = 0; i < attempts; i++) {
			struct held h;
			size_t size = log_uniform(&seed, 64, SEG_BYTES);
			unsigned int c = size_class(size);

			while (l.n && occupancy(e, im) > churn_levels[lv])
				churn_unmap_random(e, im, &l, &seed);
			r->attempts[lv][c]++;
			if (map_one(e, im, 0, env_buf(e, 0), size, &h))
				held_push(&l, &h);
			else
				fails[c]++;
		}
		for (unsigned int c = 0; c < NR_CLASSES; c++)
			r->fail_rate[lv][c] =
				r->attempts[lv][c]
					? 100.0 * (double)fails[c] /
						  (double)r->attempts[lv][c]
					: 0;
		held_release(e, im, &l);
	}
}

/* ---- thread scaling ---- */

struct scale_worker {
	struct bench_env *e;
	enum impl im;
	bool calib;
	unsigned int id;
	unsigned long iters;
	pthread_barrier_t *start;
	uint64_t ns;
	uint64_t sink;
};

/* Pure arithmetic: what the machine gives two threads when nothing is
 * shared (the normaliser for a shared, noisy machine). */
static uint64_t calibration_loop(unsigned long iters, uint64_t x)
{
	for (unsigned long i = 0; i < iters; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
	}
	return x;
}

static void *scale_main(void *arg)
{
	struct scale_worker *w = arg;
	void *va = env_buf(w->e, w->id);
	uint64_t t;

	pin_to_cpu(w->id);
	pthread_barrier_wait(w->start);
	t = now_ns();
	if (w->calib)
		w->sink = calibration_loop(w->iters, w->id + 1);
	else if (w->im == IMPL_LINUX)
		loop_linux(&w->e->lx, (unsigned int)sched_getcpu(), va, 1500,
			   DMK_DMA_TO_DEVICE, w->iters);
	else
		loop_dmakit(&w->e->dev, va, 1500, DMK_DMA_TO_DEVICE, w->iters);
	w->ns = now_ns() - t;
	return NULL;
}

/* Operations per second of n threads doing iters each. */
static double run_parallel(struct bench_env *e, enum impl im, bool calib,
			   unsigned int n, unsigned long iters)
{
	struct scale_worker w[2];
	pthread_t th[2];
	pthread_barrier_t start;
	uint64_t worst = 1;

	pthread_barrier_init(&start, NULL, n);
	for (unsigned int i = 0; i < n; i++) {
		w[i] = (struct scale_worker){.e = e,
					     .im = im,
					     .calib = calib,
					     .id = i,
					     .iters = iters,
					     .start = &start};
		pthread_create(&th[i], NULL, scale_main, &w[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		if (w[i].ns > worst)
			worst = w[i].ns;
	}
	pthread_barrier_destroy(&start);
	unpin();
	return (double)n * (double)iters * 1e9 / (double)worst;
}

struct scale_result {
	double calib_ratio;  /* 2-thread / 1-thread arithmetic throughput */
	double map_ratio[2]; /* the same for map+unmap, per impl */
	double fraction[2];  /* map_ratio / calib_ratio: 1.0 is perfect */
};

static void thread_scaling(struct bench_env *e, unsigned int reps,
			   unsigned long iters, struct scale_result *r)
{
	double cal[16], frac[2][16], mr[2][16];

	if (reps > 16)
		reps = 16;
	for (unsigned int k = 0; k < reps; k++) {
		double c1 = run_parallel(e, IMPL_DMAKIT, true, 1, iters * 20);
		double c2 = run_parallel(e, IMPL_DMAKIT, true, 2, iters * 20);

		cal[k] = c2 / c1;
		for (int im = 0; im < 2; im++) {
			double m1 =
				run_parallel(e, (enum impl)im, false, 1, iters);
			double m2 =
				run_parallel(e, (enum impl)im, false, 2, iters);

			mr[im][k] = m2 / m1;
			frac[im][k] = mr[im][k] / cal[k];
		}
	}
	qsort(cal, reps, sizeof(double), cmp_double);
	r->calib_ratio = cal[reps / 2];
	for (int im = 0; im < 2; im++) {
		qsort(mr[im], reps, sizeof(double), cmp_double);
		qsort(frac[im], reps, sizeof(double), cmp_double);
		r->map_ratio[im] = mr[im][reps / 2];
		r->fraction[im] = frac[im][reps / 2];
	}
}

/* ---- the simulator's own speed ---- */

struct sim_speed {
	bool ran;
	char why[160];
	double seconds;
	uint64_t dma_ops; /* maps + unmaps of every device */
	double ops_per_s;
	bool integrity_ok;
};

/*
 * Natively the pool must sit below the most limited device's reach, as
 * `dmakit run` places it (cmd-run.c); a device with a bus offset reaches
 * CPU addresses up to its mask minus the offset.
 */
static uint64_t sim_pool_limit(const struct sim_world_desc *d,
			       uint64_t pool_bytes)
{
	uint64_t limit = 0xffffffffULL;

	for (unsigned int i = 0; i < d->nr_devs; i++) {
		const struct sim_desc_device *dev = &d->devs[i];
		uint64_t mask = DMK_BIT_MASK(dev->reach_bits);
		int64_t off = (int64_t)dev->bus_offset;
		uint64_t top;

		if (off >= 0)
			top = mask >= (uint64_t)off ? mask - (uint64_t)off : 0;
		else
			top = mask + (uint64_t)-off < mask
				      ? ~0ULL
				      : mask + (uint64_t)-off;
		if (dev->dma_limit && dev->dma_limit < top)
			top = dev->dma_limit;
		if (dev->smmu < 0 && top < limit &&
		    top >= d->banks[0].base + pool_bytes)
			limit = top;
	}
	return limit;
}

/*
 * `dmakit run` on arm64-native with the oracle on: the map/unmap
 * operations per second the whole stack (library, cache model, devices,
 * oracle) sustains.
 */
static void measure_sim_speed(unsigned long ops, struct sim_speed *s)
{
	struct sim_world_desc d;
	struct sim_world_options o;
	struct sim_world *w;
	struct wl_oracle orc;
	struct wl_run_config rc = {.seed = 1, .ops = ops};
	uint64_t t;

	memset(s, 0, sizeof(*s));
	if (sim_platform_desc("arm64-native", &d, s->why, sizeof(s->why)))
		return;
	sim_world_options_default(&o);
	o.cfg.debug = true; /* as dmakit run: the DMA-API checker is on */
	o.cfg.swiotlb_limit = sim_pool_limit(&d, o.cfg.swiotlb_bytes);
	if (sim_world_build(&d, &o, &w, s->why, sizeof(s->why)))
		return;
	memset(&orc, 0, sizeof(orc));
	if (wl_drivers_probe(w)) {
		snprintf(s->why, sizeof(s->why), "a driver failed to probe");
		sim_world_destroy(w);
		return;
	}
	t = now_ns();
	wl_run(w, &rc, &orc);
	s->seconds = (double)(now_ns() - t) / 1e9;
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct dmk_dma_stats st;

		dmk_device_stats(&w->devs[i].dev, &st);
		s->dma_ops += st.maps + st.unmaps;
	}
	s->ops_per_s = s->seconds > 0 ? (double)s->dma_ops / s->seconds : 0;
	s->integrity_ok = wl_oracle_ok(&orc);
	s->ran = true;
	wl_drivers_remove(w);
	sim_world_destroy(w);
}

/* ---- bench sweep ---- */

#define NR_SIZES 4
#define NR_DIRS 3
#define NR_OCCS 3
static const size_t sweep_sizes[NR_SIZES] = {64, 1500, 4096, 65536};
static const enum dmk_data_direction sweep_dirs[NR_DIRS] = {
	DMK_DMA_TO_DEVICE, DMK_DMA_FROM_DEVICE, DMK_DMA_BIDIRECTIONAL};
static const double sweep_occs[NR_OCCS] = {0, 50, 90};

struct sweep {
	/* Best batch (the code's cost); *_med: the median batch. */
	double indirect_ns, indirect_med;
	double memcpy_ns[NR_SIZES][NR_DIRS], memcpy_med[NR_SIZES][NR_DIRS];
	double direct_ns[NR_SIZES], direct_med[NR_SIZES];
	double bounce_ns[2][NR_SIZES][NR_DIRS][NR_OCCS];
	double bounce_med[2][NR_SIZES][NR_DIRS][NR_OCCS];
	unsigned int reps;
	double occ_reached[2][NR_OCCS];
	struct churn_result churn[2];
	struct scale_result scale;
	struct sim_speed sim;
	unsigned int nareas;
};

static void sweep_latency(struct bench_env *e, bool quick, struct sweep *sw)
{
	unsigned int reps = quick ? 3 : 31;
	uint64_t budget = quick ? 2000000 : 60000000;

	sw->reps = reps;
	sw->indirect_med =
		time_indirect(reps, quick ? 100000 : 1000000, &sw->indirect_ns);
	for (int s = 0; s < NR_SIZES; s++) {
		struct cell c = {CELL_DIRECT, sweep_sizes[s],
				 DMK_DMA_TO_DEVICE};

		sw->direct_med[s] =
			time_cell(e, &c, reps, budget, &sw->direct_ns[s]);
		for (int d = 0; d < NR_DIRS; d++) {
			c = (struct cell){CELL_MEMCPY, sweep_sizes[s],
					  sweep_dirs[d]};
			sw->memcpy_med[s][d] = time_cell(e, &c, reps, budget,
							 &sw->memcpy_ns[s][d]);
		}
	}
	for (int o = 0; o < NR_OCCS; o++) {
		struct held_list held[2] = {{0}, {0}};

		for (int im = 0; im < 2; im++) {
			prefill(e, (enum impl)im, sweep_occs[o], &held[im]);
			sw->occ_reached[im][o] = occupancy(e, (enum impl)im);
		}
		pin_to_cpu(0);
		for (int s = 0; s < NR_SIZES; s++)
			for (int d = 0; d < NR_DIRS; d++)
				for (int im = 0; im < 2; im++) {
					struct cell c = {
						im ? CELL_LINUX : CELL_DMAKIT,
						sweep_sizes[s], sweep_dirs[d]};

					sw->bounce_med[im][s][d][o] = time_cell(
						e, &c, reps, budget,
						&sw->bounce_ns[im][s][d][o]);
				}
		unpin();
		for (int im = 0; im < 2; im++)
			held_release(e, (enum impl)im, &held[im]);
	}
}

static void print_sweep(const struct sweep *sw, bool quick)
{
	printf("dmakit bench sweep%s: host platform, %lu MiB pools, %u areas, %u online CPUs\n",
	       quick ? " (quick: numbers are indicative only)" : "",
	       BENCH_POOL >> 20, sw->nareas, online_cpus());
	printf("\nmap+unmap through a bounce buffer, ns: best of %u batches (the machine is shared;\n"
	       "medians are in --json); floors measured in the same run\n",
	       sw->reps);
	printf("indirect-call floor (two empty calls through an ops table): %.1f ns\n",
	       sw->indirect_ns);
	printf("%-14s %7s %-16s %9s %9s %9s %12s\n", "dir", "size", "impl",
	       "0%", "50%", "90%", "memcpy floor");
	for (int d = 0; d < NR_DIRS; d++)
		for (int s = 0; s < NR_SIZES; s++)
			for (int im = 0; im < 2; im++) {
				printf("%-14s %7zu %-16s",
				       dir_name(sweep_dirs[d]), sweep_sizes[s],
				       impl_names[im]);
				for (int o = 0; o < NR_OCCS; o++)
					printf(" %9.1f",
					       sw->bounce_ns[im][s][d][o]);
				if (im == 0)
					printf(" %12.1f", sw->memcpy_ns[s][d]);
				printf("\n");
			}
	printf("occupancy reached (dmakit / linux):");
	for (int o = 0; o < NR_OCCS; o++)
		printf(" %.1f/%.1f%%", sw->occ_reached[0][o],
		       sw->occ_reached[1][o]);
	printf("\n\ndirect map+unmap (coherent device, no bounce), TO_DEVICE:");
	for (int s = 0; s < NR_SIZES; s++)
		printf(" %zu B %.1f ns%s", sweep_sizes[s], sw->direct_ns[s],
		       s + 1 < NR_SIZES ? "," : "\n");

	printf("\nfragmentation churn, log-uniform 64 B..256 KiB\n");
	for (int im = 0; im < 2; im++)
		printf("  %-16s first failure at %.1f%% occupancy\n",
		       impl_names[im], sw->churn[im].first_failure_pct);
	printf("  failure rate %% at a held occupancy, by size class:\n");
	printf("  %-16s %6s %9s %9s %9s\n", "impl", "level", class_names[0],
	       class_names[1], class_names[2]);
	for (int im = 0; im < 2; im++)
		for (int lv = 0; lv < CHURN_LEVELS; lv++)
			printf("  %-16s %5.0f%% %9.1f %9.1f %9.1f%s\n",
			       impl_names[im], churn_levels[lv],
			       sw->churn[im].fail_rate[lv][0],
			       sw->churn[im].fail_rate[lv][1],
			       sw->churn[im].fail_rate[lv][2],
			       sw->churn[im].reached_pct[lv] <
					       churn_levels[lv] - 0.5
				       ? "  (level not reached)"
				       : "");

	printf("\nthread scaling, 1500 B TO_DEVICE, 2 threads vs 1 (median)\n");
	printf("  calibration loop: %.2fx\n", sw->scale.calib_ratio);
	for (int im = 0; im < 2; im++)
		printf("  %-16s %.2fx  -> %.2f of twice one thread (normalised)\n",
		       impl_names[im], sw->scale.map_ratio[im],
		       sw->scale.fraction[im]);

	printf("\nsimulator speed (dmakit run, arm64-native, oracle on): ");
	if (sw->sim.ran)
		printf("%.0f map/unmap ops/s (%llu ops in %.2f s, integrity %s)\n",
		       sw->sim.ops_per_s, (unsigned long long)sw->sim.dma_ops,
		       sw->sim.seconds, sw->sim.integrity_ok ? "OK" : "FAILED");
	else
		printf("not measured: %s\n", sw->sim.why);
}

static json_t *sweep_json(const struct sweep *sw, bool quick)
{
	json_t *root = json_object(), *table = json_array(),
	       *direct = json_array(), *floors = json_object(),
	       *mem = json_array(), *churn = json_object(),
	       *scale = json_object(), *sim = json_object();

	json_object_set_new(root, "platform", json_string("host"));
	json_object_set_new(root, "quick", json_boolean(quick));
	json_object_set_new(root, "pool_bytes", json_integer(BENCH_POOL));
	json_object_set_new(root, "nareas", json_integer(sw->nareas));
	json_object_set_new(root, "cpus", json_integer(online_cpus()));
	json_object_set_new(floors, "indirect_call_ns",
			    json_real(sw->indirect_ns));
	json_object_set_new(floors, "indirect_call_ns_median",
			    json_real(sw->indirect_med));
	json_object_set_new(root, "batches", json_integer(sw->reps));
	for (int s = 0; s < NR_SIZES; s++)
		for (int d = 0; d < NR_DIRS; d++)
			json_array_append_new(
				mem,
				json_pack("{s:I, s:s, s:f, s:f}", "size",
					  (json_int_t)sweep_sizes[s], "dir",
					  dir_name(sweep_dirs[d]), "ns",
					  sw->memcpy_ns[s][d], "ns_median",
					  sw->memcpy_med[s][d]));
	json_object_set_new(floors, "memcpy", mem);
	json_object_set_new(root, "floors", floors);
	for (int im = 0; im < 2; im++)
		for (int s = 0; s < NR_SIZES; s++)
			for (int d = 0; d < NR_DIRS; d++)
				for (int o = 0; o < NR_OCCS; o++)
					json_array_append_new(
						table,
						json_pack(
							"{s:s, s:I, s:s, s:f, s:f, s:f, s:f}",
							"impl", impl_names[im],
							"size",
							(json_int_t)
								sweep_sizes[s],
							"dir",
							dir_name(sweep_dirs[d]),
							"occupancy",
							sweep_occs[o],
							"occupancy_reached",
							sw->occ_reached[im][o],
							"ns",
							sw->bounce_ns[im][s][d]
								     [o],
							"ns_median",
							sw->bounce_med[im][s][d]
								      [o]));
	json_object_set_new(root, "bounce", table);
	for (int s = 0; s < NR_SIZES; s++)
		json_array_append_new(
			direct, json_pack("{s:I, s:f, s:f}", "size",
					  (json_int_t)sweep_sizes[s], "ns",
					  sw->direct_ns[s], "ns_median",
					  sw->direct_med[s]));
	json_object_set_new(root, "direct", direct);
	for (int im = 0; im < 2; im++) {
		json_t *c = json_object(), *rates = json_array();

		json_object_set_new(c, "first_failure_pct",
				    json_real(sw->churn[im].first_failure_pct));
		for (int lv = 0; lv < CHURN_LEVELS; lv++) {
			json_t *x = json_pack("{s:f, s:f}", "level",
					      churn_levels[lv], "reached",
					      sw->churn[im].reached_pct[lv]);

			for (int c2 = 0; c2 < NR_CLASSES; c2++)
				json_object_set_new(
					x, class_names[c2],
					json_real(sw->churn[im]
							  .fail_rate[lv][c2]));
			json_array_append_new(rates, x);
		}
		json_object_set_new(c, "fail_rates", rates);
		json_object_set_new(churn, impl_names[im], c);
	}
	json_object_set_new(root, "churn", churn);
	json_object_set_new(scale, "calibration_ratio",
			    json_real(sw->scale.calib_ratio));
	for (int im = 0; im < 2; im++)
		json_object_set_new(scale, impl_names[im],
				    json_pack("{s:f, s:f}", "ratio",
					      sw->scale.map_ratio[im],
					      "normalised_fraction",
					      sw->scale.fraction[im]));
	json_object_set_new(root, "threads", scale);
	json_object_set_new(sim, "measured", json_boolean(sw->sim.ran));
	if (sw->sim.ran) {
		json_object_set_new(sim, "ops_per_s",
				    json_real(sw->sim.ops_per_s));
		json_object_set_new(sim, "dma_ops",
				    json_integer((json_int_t)sw->sim.dma_ops));
		json_object_set_new(sim, "integrity_ok",
				    json_boolean(sw->sim.integrity_ok));
	} else {
		json_object_set_new(sim, "why", json_string(sw->sim.why));
	}
	json_object_set_new(root, "simulator", sim);
	return root;
}

static int bench_sweep(bool json, bool quick)
{
	struct bench_env e;
	struct sweep *sw = calloc(1, sizeof(*sw));
	struct dmk_swiotlb_stats st;

	if (!sw || env_create(&e, 32, true, 2)) {
		free(sw);
		fprintf(stderr, "dmakit: cannot set up the host platform\n");
		return DMK_EXIT_FAIL;
	}
	dmk_swiotlb_stats(e.sys, &st);
	sw->nareas = (unsigned int)st.nareas;
	sweep_latency(&e, quick, sw);
	for (int im = 0; im < 2; im++)
		churn(&e, (enum impl)im, quick ? 1 : 5, quick ? 200 : 3000,
		      &sw->churn[im]);
	thread_scaling(&e, quick ? 1 : 7, quick ? 20000 : 400000, &sw->scale);
	env_destroy(&e);
	measure_sim_speed(quick ? 2000 : 50000, &sw->sim);

	if (json) {
		json_t *o = sweep_json(sw, quick);

		json_dumpf(o, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(o);
	} else {
		print_sweep(sw, quick);
	}
	free(sw);
	return DMK_EXIT_OK;
}

/* ---- command line ---- */

static const char bench_usage[] =
	"usage: dmakit bench map [-t threads] [-s seconds] [-g granule_pages] [-d dir]\n"
	"                        [-b dma_bits] [-x transfer_ns] [--size BYTES]\n"
	"                        [--occupancy PCT] [--direct] [--platform host] [--json]\n"
	"       dmakit bench sweep [--json] [--quick]\n"
	"\n"
	"map: per thread, map and unmap one buffer repeatedly (Linux's\n"
	"dma_map_benchmark); bounces through swiotlb unless --direct.\n"
	"  -d 0|1|2 (or bidi|to|from): BIDIRECTIONAL, TO_DEVICE, FROM_DEVICE\n"
	"  --occupancy: fill the pool to PCT %% with other mappings first\n"
	"sweep: the table of docs/benchmarks.md (sizes x directions x\n"
	"occupancies against Linux 6.6's allocator and the memcpy floor),\n"
	"fragmentation churn, thread scaling and the simulator's speed.\n";

static int parse_dir(const char *s, enum dmk_data_direction *d)
{
	if (!strcmp(s, "0") || !strcmp(s, "bidi") ||
	    !strcmp(s, "bidirectional"))
		*d = DMK_DMA_BIDIRECTIONAL;
	else if (!strcmp(s, "1") || !strcmp(s, "to") || !strcmp(s, "to_device"))
		*d = DMK_DMA_TO_DEVICE;
	else if (!strcmp(s, "2") || !strcmp(s, "from") ||
		 !strcmp(s, "from_device"))
		*d = DMK_DMA_FROM_DEVICE;
	else
		return -1;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return (*end || !(*out > 0) || *out > 3600) ? -1 : 0;
}

static int cmd_bench_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 'S'},
		{"occupancy", required_argument, NULL, 'O'},
		{"platform", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},
		{"direct", no_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct map_args a = {.threads = 1,
			     .seconds = 20,
			     .size = 4096,
			     .dir = DMK_DMA_BIDIRECTIONAL,
			     .dma_bits = 32};
	unsigned long long v;
	bool have_size = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:s:g:d:b:x:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			if (dmk_parse_u64(optarg, &v) || !v ||
			    v > BENCH_MAX_THREADS)
				return dmk_usage_error(
					"bench: -t wants 1..%d threads",
					BENCH_MAX_THREADS);
			a.threads = (unsigned int)v;
			break;
		case 's':
			if (parse_seconds(optarg, &a.seconds))
				return dmk_usage_error(
					"bench: -s wants seconds in (0, 3600]");
			break;
		case 'g':
			if (dmk_parse_u64(optarg, &v) || !v || v > 64)
				return dmk_usage_error(
					"bench: -g wants 1..64 pages");
			if (!have_size)
				a.size = (size_t)v * DMK_PAGE_SIZE;
			break;
		case 'd':
			if (parse_dir(optarg, &a.dir))
				return dmk_usage_error(
					"bench: -d wants 0 (bidi), 1 (to) or 2 (from)");
			break;
		case 'b':
			if (dmk_parse_u64(optarg, &v) || v < 20 || v > 64)
				return dmk_usage_error(
					"bench: -b wants 20..64 bits");
			a.dma_bits = (unsigned int)v;
			break;
		case 'x':
			if (dmk_parse_u64(optarg, &v) || v > 1000000000ULL)
				return dmk_usage_error(
					"bench: -x wants 0..1000000000 ns");
			a.transfer_ns = v;
			break;
		case 'S':
			if (dmk_parse_size(optarg, &v) || !v || v > SEG_BYTES)
				return dmk_usage_error(
					"bench: --size wants 1..262144 bytes");
			a.size = (size_t)v;
			have_size = true;
			break;
		case 'O':
			if (dmk_parse_u64(optarg, &v) || v > 95)
				return dmk_usage_error(
					"bench: --occupancy wants 0..95 (%%)");
			a.occupancy = (double)v;
			break;
		case 'P':
			if (strcmp(optarg, "host"))
				return dmk_usage_error(
					"bench: platform '%s' unknown (only 'host' is measured)",
					optarg);
			break;
		case 'J':
			a.json = true;
			break;
		case 'D':
			a.direct = true;
			break;
		case 'h':
			fputs(bench_usage, stdout);
			return DMK_EXIT_OK;
		default:
			return dmk_usage_error("bench map: bad option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return dmk_usage_error("bench map: unexpected '%s'",
				       argv[optind]);
	return bench_map(&a);
}

static int cmd_bench_sweep(int argc, char **argv)
{
	bool json = false, quick = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(bench_usage, stdout);
			return DMK_EXIT_OK;
		} else
			return dmk_usage_error("bench sweep: bad option '%s'",
					       argv[i]);
	}
	return bench_sweep(json, quick);
}

int dmk_cmd_bench(int argc, char **argv)
{
	if (argc < 2)
		return dmk_usage_error(
			"bench: want 'map' or 'sweep' (dmakit bench --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(bench_usage, stdout);
		return DMK_EXIT_OK;
	}
	if (!strcmp(argv[1], "map"))
		return cmd_bench_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return cmd_bench_sweep(argc - 1, argv + 1);
	return dmk_usage_error("bench: unknown mode '%s' (map or sweep)",
			       argv[1]);
}
