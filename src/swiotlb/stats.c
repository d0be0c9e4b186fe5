/* SPDX-License-Identifier: MIT */
/*
 * What the pool tells: slots in use, the high-water mark, bounced maps
 * and bytes, failed maps, and the rate-limited "swiotlb buffer is full"
 * line (Linux's io_tlb_used / io_tlb_used_hiwater debugfs files and the
 * dev_warn_ratelimited of swiotlb_tbl_map_single).  The counters are
 * kept per area under its lock and per park line (park.h); here they
 * are summed, never on the hot path.  A dynamic swiotlb's numbers are
 * the sums over its pools, read under the list's lock (dynamic.h).
 */
#include "dynamic.h"
#include "park.h"

/* At most one "buffer is full" line per this many ns (Linux: ratelimit). */
#define FULL_WARN_INTERVAL_NS 5000000000ULL

static uint64_t pool_used(struct dmk_swiotlb *pool)
{
	uint64_t used = 0;

	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		used += a->nslots - a->free;
		dmk_spin_unlock(&a->lock);
	}
	return used - dmk_swiotlb_parked(pool, NULL);
}

static bool full_warning_allowed(struct dmk_swiotlb *pool)
{
	const struct dmk_platform *plat = pool->plat;

	if (plat->ops->now_ns) {
		uint64_t now = plat->ops->now_ns(plat->ctx);
		uint64_t next =
			dmk_atomic_load(&pool->warn_next_ns, DMK_ORDER_RELAXED);

		return now >= next &&
		       dmk_atomic_cmpxchg(&pool->warn_next_ns, &next,
					  now + FULL_WARN_INTERVAL_NS,
					  DMK_ORDER_RELAXED, DMK_ORDER_RELAXED);
	}
	return !dmk_atomic_exchange(&pool->warned, true, DMK_ORDER_RELAXED);
}

void dmk_swiotlb_report_full(struct dmk_swiotlb *pool, size_t size,
			     unsigned long attrs)
{
	dmk_atomic_fetch_add(&pool->full, 1, DMK_ORDER_RELAXED);
	if (attrs & DMK_ATTR_NO_WARN || !full_warning_allowed(pool))
		return;
	dmk_log(pool->plat, DMK_LOG_WARN,
		"swiotlb buffer is full (sz: %zu bytes), total %zu (slots), used %llu (slots)",
		size, pool->nslabs, (unsigned long long)pool_used(pool));
}

int dmk_swiotlb_pool_stats(struct dmk_swiotlb *pool,
			   struct dmk_swiotlb_stats *st)
{
	if (!pool || !st)
		return -DMK_EINVAL;
	memset(st, 0, sizeof(*st));
	st->start = pool->start;
	st->end = pool->end;
	st->nslabs = pool->nslabs;
	st->nareas = pool->nareas;
	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		st->used += a->nslots - a->free;
		st->used_hiwater += a->hiwater;
		st->bounced_maps += a->bounced_maps;
		st->bounced_bytes += a->bounced_bytes;
		dmk_spin_unlock(&a->lock);
	}
	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++) {
		struct swiotlb_park *p = &pool->park[t - 1];

		st->bounced_maps +=
			dmk_atomic_load(&p->bounced_maps, DMK_ORDER_RELAXED);
		st->bounced_bytes +=
			dmk_atomic_load(&p->bounced_bytes, DMK_ORDER_RELAXED);
	}
	st->used -= dmk_swiotlb_parked(pool, NULL);
	/* The sum of per-area peaks bounds the pool's peak from above and
	 * equals it when the peak was reached in one area at a time (one
	 * area, or one thread that fills areas in turn); never below the
	 * current use. */
	if (st->used_hiwater < st->used)
		st->used_hiwater = st->used;
	st->full = dmk_atomic_load(&pool->full, DMK_ORDER_RELAXED);
	st->pools = 1;
	st->pool_bytes = st->pool_bytes_hiwater = pool->end - pool->start;
	st->pools_hiwater = 1;
	return 0;
}

/* Add a grown pool's numbers (not its span: the default pool's stays). */
static void add_pool(struct dmk_swiotlb_stats *st,
		     const struct dmk_swiotlb_stats *g)
{
	st->nslabs += g->nslabs;
	st->used += g->used;
	st->used_hiwater += g->used_hiwater;
	st->bounced_maps += g->bounced_maps;
	st->bounced_bytes += g->bounced_bytes;
	st->full += g->full;
}

static void dyn_stats(struct swiotlb_dyn *d, struct dmk_swiotlb_stats *st)
{
	struct dmk_swiotlb_stats g;

	dmk_spin_lock(&d->lock);
	for (unsigned int i = 0; i < d->ngrown; i++) {
		dmk_swiotlb_pool_stats(d->grown[i], &g);
		add_pool(st, &g);
	}
	for (unsigned int i = 0; i < d->nents; i++) {
		struct dmk_swiotlb *p = d->table->ents[i].pool;

		if (!p->transient)
			continue;
		dmk_swiotlb_pool_stats(p, &g);
		st->used += g.used;
		st->bounced_maps += g.bounced_maps;
		st->bounced_bytes += g.bounced_bytes;
		st->transient_slots += g.nslabs;
	}
	st->pools += d->ngrown;
	st->grow_failed = d->grow_failed;
	st->transient_pools = d->transient_live;
	st->transient_total = d->transient_total;
	st->transient_failed = d->transient_failed;
	st->pool_bytes = d->pool_bytes;
	st->pool_bytes_hiwater = d->pool_bytes_hiwater;
	st->pools_hiwater = d->pools_hiwater;
	dmk_spin_unlock(&d->lock);
}

int dmk_swiotlb_stats(struct dmk_system *sys, struct dmk_swiotlb_stats *st)
{
	int ret;

	if (!sys || !st)
		return -DMK_EINVAL;
	if (!sys->swiotlb)
		return -DMK_ENODEV;
	ret = dmk_swiotlb_pool_stats(sys->swiotlb, st);
	if (!ret && sys->swiotlb->dyn)
		dyn_stats(sys->swiotlb->dyn, st);
	return ret;
}

/* Like writing 0 to io_tlb_used_hiwater: the mark restarts from now. */
static void pool_reset_hiwater(struct dmk_swiotlb *pool)
{
	for (unsigned int i = 0; i < pool->nareas; i++) {
		struct swiotlb_area *a = &pool->areas[i];

		dmk_spin_lock(&a->lock);
		a->hiwater = a->nslots - a->free - dmk_swiotlb_parked(pool, a);
		dmk_spin_unlock(&a->lock);
	}
}

void dmk_swiotlb_reset_hiwater(struct dmk_system *sys)
{
	struct swiotlb_dyn *d;

	if (!sys || !sys->swiotlb)
		return;
	pool_reset_hiwater(sys->swiotlb);
	d = sys->swiotlb->dyn;
	if (!d)
		return;
	dmk_spin_lock(&d->lock);
	for (unsigned int i = 0; i < d->ngrown; i++)
		pool_reset_hiwater(d->grown[i]);
	dmk_spin_unlock(&d->lock);
}
