/* SPDX-License-Identifier: MIT */
/*
 * A swiotlb that is not one fixed pool (Linux 6.6's
 * CONFIG_SWIOTLB_DYNAMIC in kernel/dma/swiotlb.c): when the default
 * pool cannot serve a map, the grown pools are tried, then a transient
 * pool is made for that one mapping from platform pages below the
 * device's reach and freed when the mapping goes (swiotlb_find_slots'
 * fallback to swiotlb_alloc_pool, swiotlb_del_transient); when the
 * newest pool passes 3/4 used, or every pool failed a map, the list
 * grows by a pool the size of the default one (swiotlb_dyn_alloc).
 *
 * Background.  Linux grows from a work item (schedule_work).  The
 * library has no threads: a platform that has a worker gives
 * defer_work/flush_work (include/dmakit/platform.h) and the growth runs
 * there; on any other, the map that crossed the threshold runs it
 * before it returns.  Either way one growth at a time.
 *
 * Under swiotlb-xen.  Linux sets can_grow only without a remap hook, so
 * a Xen guest's swiotlb never grows.  Here every new pool goes through
 * the same hook as the default one (xen_swiotlb_fixup: machine-
 * contiguous segments below the limit); when the hypervisor cannot do
 * it the pool is refused, the reason logged once, and the map fails as
 * it would have without a dynamic swiotlb.
 *
 * The list and its lock-free lookup are in dynamic.h.
 */
#include "dynamic.h"
#include "park.h"
#include "slots.h"

/* ---- the address table (writers, under d->lock) ---- */

static void table_begin(struct swiotlb_dyn *d)
{
	dmk_atomic_store(&d->seq, d->seq + 1, DMK_ORDER_RELAXED);
}

static void table_end(struct swiotlb_dyn *d)
{
	dmk_atomic_store(&d->seq, d->seq + 1, DMK_ORDER_RELEASE);
}

static void ent_set(struct swiotlb_pool_ent *e, dmk_phys_t start,
		    dmk_phys_t end, struct dmk_swiotlb *pool)
{
	dmk_atomic_store(&e->start, start, DMK_ORDER_RELEASE);
	dmk_atomic_store(&e->end, end, DMK_ORDER_RELEASE);
	dmk_atomic_store(&e->pool, pool, DMK_ORDER_RELEASE);
}

static struct swiotlb_pool_table *table_new(unsigned int cap)
{
	struct swiotlb_pool_table *t = dmk_env_zalloc(
		sizeof(*t) + (size_t)cap * sizeof(struct swiotlb_pool_ent));

	if (t)
		t->cap = cap;
	return t;
}

/* Room for one more entry: a table twice the size when full, the old
 * one kept for readers that may still hold it. */
static int table_reserve(struct swiotlb_dyn *d)
{
	struct swiotlb_pool_table *old = d->table, *t;

	if (d->nents < old->cap)
		return 0;
	t = table_new(old->cap * 2);
	if (!t)
		return -DMK_ENOMEM;
	for (unsigned int i = 0; i < d->nents; i++)
		ent_set(&t->ents[i], old->ents[i].start, old->ents[i].end,
			old->ents[i].pool);
	t->retired = old;
	dmk_atomic_store(&d->table, t, DMK_ORDER_RELEASE);
	return 0;
}

static int table_insert(struct swiotlb_dyn *d, struct dmk_swiotlb *pool)
{
	struct swiotlb_pool_ent *e;
	unsigned int at;
	int ret;

	table_begin(d);
	ret = table_reserve(d);
	if (!ret) {
		e = d->table->ents;
		at = d->nents;
		while (at && e[at - 1].start > pool->start) {
			ent_set(&e[at], e[at - 1].start, e[at - 1].end,
				e[at - 1].pool);
			at--;
		}
		ent_set(&e[at], pool->start, pool->end, pool);
		dmk_atomic_store(&d->nents, d->nents + 1, DMK_ORDER_RELEASE);
	}
	table_end(d);
	return ret;
}

static void table_remove(struct swiotlb_dyn *d, struct dmk_swiotlb *pool)
{
	struct swiotlb_pool_ent *e = d->table->ents;
	unsigned int at = 0;

	while (at < d->nents && e[at].pool != pool)
		at++;
	if (at == d->nents)
		return;
	table_begin(d);
	for (; at + 1 < d->nents; at++)
		ent_set(&e[at], e[at + 1].start, e[at + 1].end, e[at + 1].pool);
	dmk_atomic_store(&d->nents, d->nents - 1, DMK_ORDER_RELEASE);
	table_end(d);
}

static uint64_t pool_bytes(const struct dmk_swiotlb *pool)
{
	return (uint64_t)pool->nslabs << DMK_IO_TLB_SHIFT;
}

/* A pool joined (+1) or left (-1) the set: its bytes and the marks. */
static void account(struct swiotlb_dyn *d, const struct dmk_swiotlb *pool,
		    int delta)
{
	uint64_t pools = 1 + d->ngrown + d->transient_live;

	if (delta > 0)
		d->pool_bytes += pool_bytes(pool);
	else
		d->pool_bytes -= pool_bytes(pool);
	if (d->pool_bytes > d->pool_bytes_hiwater)
		d->pool_bytes_hiwater = d->pool_bytes;
	if (pools > d->pools_hiwater)
		d->pools_hiwater = pools;
}

/* ---- growth ---- */

static int grow_now(struct swiotlb_dyn *d)
{
	const struct dmk_swiotlb_remap *remap =
		d->remap.remap ? &d->remap : NULL;
	struct dmk_swiotlb *pool = NULL, *newest;
	unsigned int added;
	int ret;

	if (dmk_atomic_load(&d->ngrown, DMK_ORDER_ACQUIRE) >= DYN_MAX_GROWN)
		return -DMK_ENOMEM;
	ret = dmk_swiotlb_init_remap(d->plat, d->grow_bytes, d->phys_limit,
				     d->nareas, remap, &pool);
	dmk_spin_lock(&d->lock);
	if (!ret && d->ngrown >= DYN_MAX_GROWN)
		ret = -DMK_ENOMEM;
	if (!ret)
		ret = table_insert(d, pool);
	if (ret) {
		bool say = !d->grow_refused_said;

		d->grow_failed++;
		d->grow_error = ret;
		d->grow_refused_said = true;
		if (ret == -DMK_ENOTSUP)
			dmk_atomic_store(&d->refused, true, DMK_ORDER_RELAXED);
		/* Not again before 64 more transient pools were needed. */
		dmk_atomic_store(&d->grow_after, d->transient_total + 64,
				 DMK_ORDER_RELAXED);
		dmk_spin_unlock(&d->lock);
		if (pool)
			dmk_swiotlb_free(pool);
		if (say)
			dmk_log(d->plat, DMK_LOG_WARN,
				remap ? "swiotlb: cannot grow: no new pool made usable by devices below 0x%llx (%s)"
				      : "swiotlb: cannot grow: no new pool below 0x%llx (%s)",
				(unsigned long long)d->phys_limit,
				dmk_strerror(ret));
		return ret;
	}
	newest = d->ngrown ? d->grown[d->ngrown - 1] : d->root;
	dmk_atomic_store(&pool->watch, d, DMK_ORDER_RELAXED);
	d->grown[d->ngrown] = pool;
	added = d->ngrown + 1;
	dmk_atomic_store(&d->ngrown, added, DMK_ORDER_RELEASE);
	dmk_atomic_store(&newest->watch, (struct swiotlb_dyn *)NULL,
			 DMK_ORDER_RELAXED);
	d->grown_total++;
	d->grow_error = 0;
	account(d, pool, 1);
	dmk_spin_unlock(&d->lock);
	dmk_log(d->plat, DMK_LOG_INFO,
		"swiotlb: grew by a %zu KiB pool at 0x%llx (%u added)",
		(size_t)(pool_bytes(pool) >> 10),
		(unsigned long long)pool->start, added);
	return 0;
}

static void grow_work(void *arg)
{
	struct swiotlb_dyn *d = arg;

	grow_now(d);
	dmk_atomic_store(&d->grow_state, DYN_IDLE, DMK_ORDER_RELEASE);
}

void dmk_swiotlb_dyn_kick(struct swiotlb_dyn *d)
{
	const struct dmk_platform_ops *ops;
	unsigned int idle = DYN_IDLE;

	if (!d ||
	    dmk_atomic_load(&d->ngrown, DMK_ORDER_RELAXED) >= DYN_MAX_GROWN ||
	    dmk_atomic_load(&d->refused, DMK_ORDER_RELAXED) ||
	    dmk_atomic_load(&d->transient_total, DMK_ORDER_RELAXED) <
		    dmk_atomic_load(&d->grow_after, DMK_ORDER_RELAXED) ||
	    !dmk_atomic_cmpxchg(&d->grow_state, &idle, DYN_GROWING,
				DMK_ORDER_ACQUIRE, DMK_ORDER_RELAXED))
		return;
	ops = d->plat->ops;
	if (ops->defer_work && ops->flush_work &&
	    !ops->defer_work(d->plat->ctx, grow_work, d))
		return;
	grow_work(d);
}

/* ---- transient pools ---- */

/* Where a pool for dev must end: its reach (mask and dma-ranges limit)
 * in guest-physical terms; the grown pools' limit without a device. */
static dmk_phys_t dev_phys_limit(const struct swiotlb_dyn *d,
				 const struct dmk_device *dev)
{
	uint64_t reach;

	if (!dev || !dev->dma_mask)
		return d->phys_limit;
	reach = dev->dma_mask;
	if (dev->bus_dma_limit && dev->bus_dma_limit < reach)
		reach = dev->bus_dma_limit;
	if (reach < dev->bus_offset)
		return 0;
	return reach - dev->bus_offset;
}

static struct dmk_swiotlb *transient_new(struct swiotlb_dyn *d,
					 struct dmk_device *dev,
					 struct swiotlb_req *req, long *slot)
{
	const struct dmk_swiotlb_remap *remap =
		d->remap.remap ? &d->remap : NULL;
	/* Room for the run wherever its alignment puts it. */
	size_t nslots = req->nslots + (size_t)(req->stride - 1);
	dmk_phys_t limit = dev_phys_limit(d, dev);
	struct dmk_swiotlb *pool = NULL;
	int ret = -DMK_ENOMEM;

	if (dmk_atomic_load(&d->refused, DMK_ORDER_RELAXED))
		return NULL;
	if (req->stride <= DMK_IO_TLB_SEGSIZE && limit)
		ret = dmk_swiotlb_pool_transient(d->plat,
						 nslots << DMK_IO_TLB_SHIFT,
						 limit, remap, &pool);
	if (!ret) {
		*slot = dmk_swiotlb_find_slots(pool, req);
		if (*slot < 0)
			ret = -DMK_ENOMEM;
	}
	dmk_spin_lock(&d->lock);
	if (!ret)
		ret = table_insert(d, pool);
	if (ret) {
		d->transient_failed++;
		if (ret == -DMK_ENOTSUP &&
		    !dmk_atomic_exchange(&d->refused, true, DMK_ORDER_RELAXED))
			dmk_log(d->plat, DMK_LOG_WARN,
				"swiotlb: no transient pools: the hypervisor cannot make new pools usable by devices (%s)",
				dmk_strerror(ret));
		dmk_spin_unlock(&d->lock);
		if (pool)
			dmk_swiotlb_free(pool);
		return NULL;
	}
	d->transient_live++;
	dmk_atomic_store(&d->transient_total, d->transient_total + 1,
			 DMK_ORDER_RELAXED);
	account(d, pool, 1);
	dmk_spin_unlock(&d->lock);
	return pool;
}

struct dmk_swiotlb *dmk_swiotlb_dyn_find(struct swiotlb_dyn *d,
					 struct dmk_device *dev,
					 struct swiotlb_req *req, long *slot)
{
	unsigned int tried = 0;

	for (int pass = 0; pass < 2; pass++) {
		unsigned int n = dmk_atomic_load(&d->ngrown, DMK_ORDER_ACQUIRE);

		for (unsigned int i = tried; i < n; i++) {
			struct dmk_swiotlb *pool = d->grown[i];
			struct swiotlb_dyn *w;

			*slot = park_take(pool, req);
			if (*slot < 0)
				*slot = dmk_swiotlb_find_slots(pool, req);
			if (*slot < 0)
				continue;
			w = dmk_atomic_load(&pool->watch, DMK_ORDER_RELAXED);
			if (req->crowded && w)
				dmk_swiotlb_dyn_kick(w);
			return pool;
		}
		tried = n;
		/* Every pool is full: grow (Linux schedules swiotlb_dyn_alloc
		 * here too); when that ran at once, its pool may serve. */
		if (!pass)
			dmk_swiotlb_dyn_kick(d);
	}
	return transient_new(d, dev, req, slot);
}

void dmk_swiotlb_dyn_free_transient(struct swiotlb_dyn *d,
				    struct dmk_swiotlb *pool)
{
	dmk_spin_lock(&d->lock);
	table_remove(d, pool);
	d->transient_live--;
	account(d, pool, -1);
	dmk_spin_unlock(&d->lock);
	dmk_swiotlb_free(pool);
}

/* ---- the set's life ---- */

int dmk_swiotlb_dyn_init(struct dmk_swiotlb *root, dmk_phys_t phys_limit)
{
	struct swiotlb_dyn *d;

	if (!root || root->dyn)
		return -DMK_EINVAL;
	d = dmk_env_zalloc(sizeof(*d));
	if (!d)
		return -DMK_ENOMEM;
	d->table = table_new(8);
	if (!d->table) {
		dmk_env_free(d);
		return -DMK_ENOMEM;
	}
	dmk_spin_init(&d->lock);
	d->root = root;
	d->plat = root->plat;
	d->remap = root->remap;
	d->phys_limit = phys_limit;
	d->grow_bytes = pool_bytes(root);
	d->nareas = root->nareas;
	d->pool_bytes = d->pool_bytes_hiwater = pool_bytes(root);
	d->pools_hiwater = 1;
	root->dyn = d;
	dmk_atomic_store(&root->watch, d, DMK_ORDER_RELAXED);
	return 0;
}

int dmk_swiotlb_grow(struct dmk_system *sys)
{
	if (!sys || !sys->swiotlb || !sys->swiotlb->dyn)
		return -DMK_ENODEV;
	return grow_now(sys->swiotlb->dyn);
}

void dmk_swiotlb_dyn_exit(struct dmk_swiotlb *root)
{
	struct swiotlb_dyn *d = root ? root->dyn : NULL;
	struct swiotlb_pool_table *t;
	const struct dmk_platform_ops *ops;

	if (!d)
		return;
	ops = d->plat->ops;
	/* A growth still queued on the platform's worker ends first. */
	if (dmk_atomic_load(&d->grow_state, DMK_ORDER_ACQUIRE) != DYN_IDLE &&
	    ops->flush_work)
		ops->flush_work(d->plat->ctx);
	if (d->transient_live)
		dmk_log(d->plat, DMK_LOG_WARN,
			"swiotlb: %llu transient pools still mapped at teardown, freed",
			(unsigned long long)d->transient_live);
	for (unsigned int i = 0; i < d->nents; i++)
		dmk_swiotlb_free(d->table->ents[i].pool);
	for (t = d->table; t;) {
		struct swiotlb_pool_table *next = t->retired;

		dmk_env_free(t);
		t = next;
	}
	root->dyn = NULL;
	root->watch = NULL;
	dmk_env_free(d);
}
