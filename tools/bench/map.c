/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench map: Linux's dma_map_benchmark (kernel/dma/map_benchmark.c).
 * Per thread, pinned to a CPU, map and unmap one buffer repeatedly, each
 * call timed on its own; Linux's lines, the same in ns, or JSON.
 */
#include "bench.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

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

	bench_pin_to_cpu(w->id);
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
	qsort(v, 9, sizeof(v[0]), bench_cmp_double);
	return v[4];
}

int bench_map(const struct map_args *a)
{
	struct bench_env e;
	struct map_worker w[BENCH_MAX_THREADS];
	pthread_t th[BENCH_MAX_THREADS];
	pthread_barrier_t start;
	struct held_list held = {0};
	double ms = 0, mq = 0, us = 0, uq = 0, n = 0, mavg, msd, uavg, usd;
	uint64_t errors = 0;

	if (bench_env_create(&e, a->dma_bits, false, a->threads)) {
		fprintf(stderr, "dmakit: cannot set up the host platform\n");
		return DMK_EXIT_FAIL;
	}
	if (a->occupancy > 0)
		bench_prefill(&e, IMPL_DMAKIT, a->occupancy, &held);
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
			bench_occupancy(&e, IMPL_DMAKIT), "mode",
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
		       bench_occupancy(&e, IMPL_DMAKIT));
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
	bench_held_release(&e, IMPL_DMAKIT, &held);
	bench_env_destroy(&e);
	return errors && !n ? DMK_EXIT_FAIL : DMK_EXIT_OK;
}
