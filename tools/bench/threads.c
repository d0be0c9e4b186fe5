/* SPDX-License-Identifier: MIT */
/*
 * Thread scaling: 1500 B TO_DEVICE map+unmap on two threads pinned to
 * two CPUs against one thread, for each implementation, normalised by a
 * pure-arithmetic loop run the same way in the same repetition (on a
 * shared machine the second CPU is not always a whole one).
 */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

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

	bench_pin_to_cpu(w->id);
	pthread_barrier_wait(w->start);
	t = now_ns();
	if (w->calib)
		w->sink = calibration_loop(w->iters, w->id + 1);
	else if (w->im == IMPL_LINUX)
		bench_loop_linux(w->e, (unsigned int)sched_getcpu(), va, 1500,
				 DMK_DMA_TO_DEVICE, w->iters);
	else
		bench_loop_dmakit(&w->e->dev, va, 1500, DMK_DMA_TO_DEVICE,
				  w->iters);
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
	bench_unpin();
	return (double)n * (double)iters * 1e9 / (double)worst;
}

void bench_thread_scaling(struct bench_env *e, unsigned int reps,
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
	qsort(cal, reps, sizeof(double), bench_cmp_double);
	r->calib_ratio = cal[reps / 2];
	for (int im = 0; im < 2; im++) {
		qsort(mr[im], reps, sizeof(double), bench_cmp_double);
		qsort(frac[im], reps, sizeof(double), bench_cmp_double);
		r->map_ratio[im] = mr[im][reps / 2];
		r->fraction[im] = frac[im][reps / 2];
	}
}
