/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench (docs/benchmarks.md): what its files share.  Nothing
 * outside tools/bench/ includes this; the command's entry point,
 * dmk_cmd_bench, is in ../commands.h.
 *
 *   cmd.c      the command line: bench map and bench sweep options
 *   env.c      the environment: host platform, two systems, Linux's
 *              model pool, the originals; filling a pool to a level
 *   linux.c    Linux 6.6's allocator as the bench drives it (the model
 *              in bench/linux-swiotlb.h; the only file that includes it)
 *   loop.c     timed loops and batches: map+unmap, the memcpy and
 *              indirect-call floors
 *   map.c      bench map: Linux's dma_map_benchmark
 *   churn.c    fragmentation churn
 *   threads.c  thread scaling
 *   dynamic.c  a dynamic swiotlb: transient maps, growth, small-pool churn
 *   grant.c    Xen grant DMA: a virtio device's map and unmap by grants
 *   sim.c      the simulator's own speed
 *   sweep.c    bench sweep: all of the above in one run
 *   report.c   the sweep's report, text and JSON
 *
 * Everything runs on the host platform (plain memory, identity bus
 * addresses, coherent devices), so what is measured is the library.
 * dmakit is measured through the public API (dmk_map_single and
 * dmk_unmap_single on a device of a system with swiotlb_force); Linux
 * 6.6's slot allocator is measured through a model of it on a pool of
 * the same size in the same run.
 */
#ifndef DMAKIT_TOOLS_BENCH_H
#define DMAKIT_TOOLS_BENCH_H

#include "../commands.h"

#include <dmakit/host.h>
#include <dmakit/system.h>

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define BENCH_RAM (512UL << 20)
#define BENCH_POOL (64UL << 20) /* Linux's default swiotlb */
#define BENCH_MAX_THREADS 64
#define BENCH_BUF (1UL << 20) /* per thread: originals */
#define SEG_BYTES (128UL * 2048)

/* Inline: the timed loops read the clock around every call. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a cheap deterministic generator per thread. */
static inline uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static inline size_t log_uniform(uint64_t *s, size_t lo, size_t hi)
{
	double r = (double)(rnd(s) >> 11) / (double)(1ULL << 53);

	return (size_t)exp(log((double)lo) + r * (log((double)hi) - log(lo)));
}

static inline const char *dir_name(enum dmk_data_direction d)
{
	static const char *const n[] = {"BIDIRECTIONAL", "TO_DEVICE",
					"FROM_DEVICE", "NONE"};

	return (unsigned int)d < 4 ? n[d] : "?";
}

/* ---- env.c ---- */

enum impl { IMPL_DMAKIT, IMPL_LINUX };
extern const char *const bench_impl_names[2];

struct lx_pool;

struct bench_env {
	struct dmk_host_platform *hp;
	const struct dmk_platform *plat;
	struct dmk_system *sys;	       /* swiotlb_force: every map bounces */
	struct dmk_system *direct_sys; /* no swiotlb: dma-direct */
	struct dmk_device dev, direct_dev;
	struct lx_pool *lx; /* Linux's model (linux.c), or NULL */
	uint8_t *bufs;	    /* BENCH_MAX_THREADS * BENCH_BUF of originals */
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

void bench_pin_to_cpu(unsigned int cpu);
void bench_unpin(void);
unsigned int bench_online_cpus(void);

/* The host platform, a bouncing and a direct system with one device
 * each (dma_bits of reach for the bouncing one), nbufs originals and,
 * with_lx, Linux's model pool; 0 or -1. */
int bench_env_create(struct bench_env *e, unsigned int dma_bits, bool with_lx,
		     unsigned int nbufs);
void bench_env_destroy(struct bench_env *e);

static inline uint8_t *env_buf(struct bench_env *e, unsigned int i)
{
	return e->bufs + (size_t)(i % e->nr_bufs) * BENCH_BUF;
}

/* The pool's use, in % of its slots. */
double bench_occupancy(struct bench_env *e, enum impl im);
/* One map (TO_DEVICE, no warning) of the chosen implementation; false
 * when it failed. */
bool bench_map_one(struct bench_env *e, enum impl im, unsigned int cpu,
		   void *va, size_t size, struct held *h);
void bench_unmap_one(struct bench_env *e, enum impl im, struct held *h);
bool bench_held_push(struct held_list *l, const struct held *h);
void bench_held_release(struct bench_env *e, enum impl im, struct held_list *l);
/* Fill the pool to pct % with long-lived mappings. */
void bench_prefill(struct bench_env *e, enum impl im, double pct,
		   struct held_list *l);

/* ---- linux.c ---- */

/* Linux's model pool of BENCH_POOL bytes below 4 GiB in e->lx; 0 or
 * -1 (then e->lx may hold a pool to destroy). */
int bench_linux_create(struct bench_env *e);
void bench_linux_destroy(struct bench_env *e);
/* Slots in use, and in all. */
unsigned long bench_linux_used(const struct bench_env *e);
unsigned long bench_linux_nslabs(const struct bench_env *e);
/* The bounce slot's address, or NULL when the pool is full; unmap
 * copies nothing back (what a held mapping needs). */
void *bench_linux_map(struct bench_env *e, unsigned int cpu, void *va,
		      size_t size);
void bench_linux_unmap(struct bench_env *e, void *tlb, size_t size);

/* ---- loop.c ---- */

static inline bool dir_copies_back(enum dmk_data_direction dir)
{
	return dir == DMK_DMA_FROM_DEVICE || dir == DMK_DMA_BIDIRECTIONAL;
}

/* iters map+unmap pairs of one buffer: dmakit through the public API,
 * Linux's model with its copies (linux.c). */
void bench_loop_dmakit(struct dmk_device *dev, void *va, size_t size,
		       enum dmk_data_direction dir, unsigned long iters);
void bench_loop_linux(struct bench_env *e, unsigned int cpu, void *va,
		      size_t size, enum dmk_data_direction dir,
		      unsigned long iters);

enum cell_kind { CELL_DMAKIT, CELL_LINUX, CELL_DIRECT, CELL_MEMCPY };

struct cell {
	enum cell_kind kind;
	size_t size;
	enum dmk_data_direction dir;
};

int bench_cmp_double(const void *a, const void *b);
/* ns per map+unmap over reps batches of about budget_ns / reps each:
 * the median, and the best batch in *best. */
double bench_time_cell(struct bench_env *e, const struct cell *c,
		       unsigned int reps, uint64_t budget_ns, double *best);
/* ns per map+unmap pair (TO_DEVICE) of one buffer on any device, over
 * reps batches of iters: the median batch, and the best in *best (may
 * be NULL); 0 when a map failed. */
double bench_time_pairs(struct dmk_device *dev, void *va, size_t size,
			unsigned int reps, unsigned long iters, double *best);
/* The same for two empty calls through an ops table. */
double bench_time_indirect(unsigned int reps, unsigned long iters,
			   double *best);

/* ---- map.c ---- */

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

int bench_map(const struct map_args *a);

/* ---- churn.c ---- */

enum { CLASS_SMALL, CLASS_MEDIUM, CLASS_LARGE, NR_CLASSES };
extern const char *const bench_class_names[NR_CLASSES];

#define CHURN_LEVELS 3
extern const double bench_churn_levels[CHURN_LEVELS];

struct churn_result {
	double first_failure_pct;	  /* mean over seeds */
	double reached_pct[CHURN_LEVELS]; /* where the fill-up stopped */
	double fail_rate[CHURN_LEVELS][NR_CLASSES];
	unsigned long attempts[CHURN_LEVELS][NR_CLASSES];
};

void bench_churn(struct bench_env *e, enum impl im, unsigned int seeds,
		 unsigned int attempts, struct churn_result *r);

/* ---- threads.c ---- */

struct scale_result {
	double calib_ratio;  /* 2-thread / 1-thread arithmetic throughput */
	double map_ratio[2]; /* the same for map+unmap, per impl */
	double fraction[2];  /* map_ratio / calib_ratio: 1.0 is perfect */
};

void bench_thread_scaling(struct bench_env *e, unsigned int reps,
			  unsigned long iters, struct scale_result *r);

/* ---- dynamic.c ---- */

struct dyn_result {
	/* 4 KiB map+unmap, median ns: default pool; every pool full, so
	 * each pair makes and frees a transient pool. */
	double steady_ns, transient_ns;
	uint64_t pools, transient_made;
	bool transient_ok;
	/* p99 of one 1500 B map, ns: alone; while a thread grows. */
	double p99_steady_ns, p99_growing_ns;
	unsigned int steady_samples, growing_samples, grown;
	/* Churn on a 1 MiB pool over 64 MiB of RAM. */
	unsigned long churn_maps;
	bool churn_failed, churn_memory_out;
	uint64_t churn_pool_bytes, churn_pools, churn_transient;
};

void bench_dynamic(bool quick, struct dyn_result *r);

/* ---- grant.c ---- */

#define GRANT_SIZES 2

/* Map+unmap TO_DEVICE of 4 KiB and 64 KiB (one grant per page) by a
 * virtio device of arm64-domU-virtio-grant, ns: the best batch and the
 * median. */
struct grant_result {
	bool ran;
	char why[160];
	char device[32];
	size_t size[GRANT_SIZES];
	double grant_ns[GRANT_SIZES], grant_med[GRANT_SIZES];
};

void bench_grant(bool quick, struct grant_result *r);

/* ---- sim.c ---- */

struct sim_speed {
	bool ran;
	char why[160];
	double seconds;
	uint64_t dma_ops; /* maps + unmaps of every device */
	double ops_per_s;
	bool integrity_ok;
};

void bench_sim_speed(unsigned long ops, struct sim_speed *s);

/* ---- sweep.c ---- */

#define NR_SIZES 4
#define NR_DIRS 3
#define NR_OCCS 3
extern const size_t bench_sweep_sizes[NR_SIZES];
extern const enum dmk_data_direction bench_sweep_dirs[NR_DIRS];
extern const double bench_sweep_occs[NR_OCCS];

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
	struct dyn_result dyn;
	struct grant_result grant;
	unsigned int nareas;
};

/* report: also write the sweep as an HTML page there (NULL: no). */
int bench_sweep(bool json, bool quick, const char *report);

/* ---- report.c ---- */

void bench_print_sweep(const struct sweep *sw, bool quick);
/* A new JSON object (the caller decrefs it). */
json_t *bench_sweep_json(const struct sweep *sw, bool quick);

#endif /* DMAKIT_TOOLS_BENCH_H */
