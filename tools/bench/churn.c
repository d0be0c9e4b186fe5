/* SPDX-License-Identifier: MIT */
/*
 * Fragmentation churn, the same protocol for both allocators: how full
 * a pool gets under maps of log-uniform sizes and random unmaps before
 * the first map fails, and how often maps of each size class fail while
 * the pool is held at 80, 90 and 95 %.
 */
#include "bench.h"

#include <string.h>

const char *const bench_class_names[NR_CLASSES] = {"<=4KiB", "4-64KiB",
						   ">64KiB"};
const double bench_churn_levels[CHURN_LEVELS] = {80, 90, 95};

static unsigned int size_class(size_t size)
{
	return size <= 4096    ? CLASS_SMALL
	       : size <= 65536 ? CLASS_MEDIUM
			       : CLASS_LARGE;
}

static void churn_unmap_random(struct bench_env *e, enum impl im,
			       struct held_list *l, uint64_t *seed)
{
	size_t k = rnd(seed) % l->n;

	bench_unmap_one(e, im, &l->v[k]);
	l->v[k] = l->v[--l->n];
}

/*
 * First failure: maps of log-uniform sizes (64 B .. 256 KiB) with random
 * unmaps in between (3 maps for 2 unmaps), from an empty pool, until a
 * map fails; the occupancy just before it.  Failure rates: at each level,
 * hold the pool at that occupancy (unmap random mappings until at or
 * below it) and count the maps that fail, by size class.
 */
void bench_churn(struct bench_env *e, enum impl im, unsigned int seeds,
		 unsigned int attempts, struct churn_result *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned int s = 0; s < seeds; s++) {
		struct held_list l = {0};
		uint64_t seed = 0x9e3779b97f4a7c15ULL * (s + 1);

		for (unsigned long op = 0; op < 10000000; op++) {
			struct held h;
			double occ = bench_occupancy(e, im);

			if (l.n && rnd(&seed) % 5 < 2) {
				churn_unmap_random(e, im, &l, &seed);
				continue;
			}
			if (!bench_map_one(e, im, 0, env_buf(e, 0),
					   log_uniform(&seed, 64, SEG_BYTES),
					   &h)) {
				r->first_failure_pct += occ / seeds;
				break;
			}
			bench_held_push(&l, &h);
		}
		bench_held_release(e, im, &l);
	}
	for (unsigned int lv = 0; lv < CHURN_LEVELS; lv++) {
		struct held_list l = {0};
		uint64_t seed = 0x1234567ULL + lv;
		unsigned long fails[NR_CLASSES] = {0};
		unsigned int misses = 0;

		/* Fill up to the level; give up after 1000 misses in a row. */
		while (bench_occupancy(e, im) < bench_churn_levels[lv] &&
		       misses < 1000) {
			struct held h;

			if (bench_map_one(e, im, 0, env_buf(e, 0),
					  log_uniform(&seed, 64, SEG_BYTES),
					  &h)) {
				bench_held_push(&l, &h);
				misses = 0;
			} else {
				misses++;
			}
		}
		r->reached_pct[lv] = bench_occupancy(e, im);
		for (unsigned int i = 0; i < attempts; i++) {
			struct held h;
			size_t size = log_uniform(&seed, 64, SEG_BYTES);
			unsigned int c = size_class(size);

			while (l.n &&
			       bench_occupancy(e, im) > bench_churn_levels[lv])
				churn_unmap_random(e, im, &l, &seed);
			r->attempts[lv][c]++;
			if (bench_map_one(e, im, 0, env_buf(e, 0), size, &h))
				bench_held_push(&l, &h);
			else
				fails[c]++;
		}
		for (unsigned int c = 0; c < NR_CLASSES; c++)
			r->fail_rate[lv][c] =
				r->attempts[lv][c]
					? 100.0 * (double)fails[c] /
						  (double)r->attempts[lv][c]
					: 0;
		bench_held_release(e, im, &l);
	}
}
