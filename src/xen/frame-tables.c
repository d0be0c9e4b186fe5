/* SPDX-License-Identifier: MIT */
/*
 * The lookup structures behind p2m.c: a sorted array of frame ranges
 * (Linux keeps ARM's foreign mappings in an rbtree, arch/arm/xen/p2m.c;
 * the ranges here are few, so an array searched by bisection wins in
 * memory and locality) and x86 PV's reverse map, machine frame to
 * pseudo-physical frame (what Linux reads from Xen's M2P table), as an
 * open-addressed hash.
 */
#include "xen-internal.h"

/* ---- the sorted range array ---- */

void dmk_xen_rangemap_init(struct dmk_xen_rangemap *m, bool allow_dup_start)
{
	memset(m, 0, sizeof(*m));
	m->allow_dup_start = allow_dup_start;
	dmk_rwlock_init(&m->lock);
}

void dmk_xen_rangemap_destroy(struct dmk_xen_rangemap *m)
{
	dmk_env_free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	dmk_rwlock_destroy(&m->lock);
}

/* Index of the first range whose start is above key (0..n). */
static size_t rangemap_upper(const struct dmk_xen_rangemap *m, uint64_t key)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->v[mid].start <= key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int rangemap_grow(struct dmk_xen_rangemap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct dmk_xen_range *v = dmk_env_calloc(cap, sizeof(*v));

	if (!v)
		return -DMK_ENOMEM;
	if (m->n)
		memcpy(v, m->v, m->n * sizeof(*v));
	dmk_env_free(m->v);
	m->v = v;
	m->cap = cap;
	return 0;
}

static bool rangemap_fits(const struct dmk_xen_rangemap *m, size_t pos,
			  uint64_t start, uint64_t nr)
{
	if (pos > 0) {
		const struct dmk_xen_range *prev = &m->v[pos - 1];
		bool dup = m->allow_dup_start && prev->start == start &&
			   prev->nr == nr;

		if (!dup && prev->start + prev->nr > start)
			return false;
	}
	if (pos < m->n && start + nr > m->v[pos].start)
		return false;
	return true;
}

int dmk_xen_rangemap_insert(struct dmk_xen_rangemap *m, uint64_t start,
			    uint64_t nr, uint64_t target,
			    enum dmk_xen_frame_kind kind)
{
	size_t pos;
	int rc = 0;

	if (!nr || start + nr < start)
		return -DMK_EINVAL;
	dmk_write_lock(&m->lock);
	pos = rangemap_upper(m, start);
	if (!rangemap_fits(m, pos, start, nr)) {
		rc = -DMK_EINVAL;
		goto out;
	}
	if (m->n == m->cap) {
		rc = rangemap_grow(m);
		if (rc)
			goto out;
	}
	memmove(&m->v[pos + 1], &m->v[pos], (m->n - pos) * sizeof(m->v[0]));
	m->v[pos] = (struct dmk_xen_range){
		.start = start, .nr = nr, .target = target, .kind = kind};
	m->n++;
out:
	dmk_write_unlock(&m->lock);
	return rc;
}

int dmk_xen_rangemap_remove(struct dmk_xen_rangemap *m, uint64_t start,
			    uint64_t target)
{
	size_t pos;
	int rc = -DMK_EINVAL;

	dmk_write_lock(&m->lock);
	/* Ranges with this start sit just below the upper bound. */
	for (pos = rangemap_upper(m, start); pos > 0; pos--) {
		struct dmk_xen_range *r = &m->v[pos - 1];

		if (r->start != start)
			break;
		if (r->target != target)
			continue;
		memmove(r, r + 1, (m->n - pos) * sizeof(*r));
		m->n--;
		rc = 0;
		break;
	}
	dmk_write_unlock(&m->lock);
	return rc;
}

bool dmk_xen_rangemap_lookup(struct dmk_xen_rangemap *m, uint64_t key,
			     uint64_t *target, enum dmk_xen_frame_kind *kind)
{
	bool found = false;
	size_t pos;

	dmk_read_lock(&m->lock);
	pos = rangemap_upper(m, key);
	if (pos > 0) {
		const struct dmk_xen_range *r = &m->v[pos - 1];

		if (key - r->start < r->nr) {
			if (target)
				*target = r->target + (key - r->start);
			if (kind)
				*kind = r->kind;
			found = true;
		}
	}
	dmk_read_unlock(&m->lock);
	return found;
}

size_t dmk_xen_rangemap_count(struct dmk_xen_rangemap *m)
{
	size_t n;

	dmk_read_lock(&m->lock);
	n = m->n;
	dmk_read_unlock(&m->lock);
	return n;
}

/* ---- the PV reverse map ---- */

static size_t m2p_slot(const struct dmk_xen_m2p *h, uint64_t mfn)
{
	/* Fibonacci hashing: machine frames are often in long runs. */
	return (size_t)((mfn * 0x9E3779B97F4A7C15ULL) >> 20) & (h->cap - 1);
}

int dmk_xen_m2p_init(struct dmk_xen_m2p *h, size_t expected)
{
	size_t cap = 64;

	memset(h, 0, sizeof(*h));
	while (cap < expected * 2)
		cap *= 2;
	h->keys = dmk_env_calloc(cap, sizeof(*h->keys));
	h->vals = dmk_env_calloc(cap, sizeof(*h->vals));
	if (!h->keys || !h->vals) {
		/* Nothing kept: dmk_xen_m2p_destroy of a table whose init
		 * failed is then a no-op, not a second free. */
		dmk_env_free(h->keys);
		dmk_env_free(h->vals);
		h->keys = h->vals = NULL;
		return -DMK_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		h->keys[i] = DMK_INVALID_BFN;
	h->cap = cap;
	dmk_rwlock_init(&h->lock);
	return 0;
}

void dmk_xen_m2p_destroy(struct dmk_xen_m2p *h)
{
	if (!h->keys)
		return;
	dmk_env_free(h->keys);
	dmk_env_free(h->vals);
	h->keys = h->vals = NULL;
	dmk_rwlock_destroy(&h->lock);
}

static void m2p_put(uint64_t *keys, uint64_t *vals, size_t cap, size_t start,
		    uint64_t mfn, uint64_t pfn)
{
	size_t i = start;

	while (keys[i] != DMK_INVALID_BFN && keys[i] != mfn)
		i = (i + 1) & (cap - 1);
	keys[i] = mfn;
	vals[i] = pfn;
}

static int m2p_rehash(struct dmk_xen_m2p *h)
{
	size_t cap = h->cap * 2;
	uint64_t *keys = dmk_env_calloc(cap, sizeof(*keys));
	uint64_t *vals = dmk_env_calloc(cap, sizeof(*vals));
	struct dmk_xen_m2p tmp = {.cap = cap};

	if (!keys || !vals) {
		dmk_env_free(keys);
		dmk_env_free(vals);
		return -DMK_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		keys[i] = DMK_INVALID_BFN;
	for (size_t i = 0; i < h->cap; i++) {
		if (h->keys[i] == DMK_INVALID_BFN)
			continue;
		m2p_put(keys, vals, cap, m2p_slot(&tmp, h->keys[i]), h->keys[i],
			h->vals[i]);
	}
	dmk_env_free(h->keys);
	dmk_env_free(h->vals);
	h->keys = keys;
	h->vals = vals;
	h->cap = cap;
	return 0;
}

static size_t m2p_find(const struct dmk_xen_m2p *h, uint64_t mfn)
{
	size_t i = m2p_slot(h, mfn);

	while (h->keys[i] != DMK_INVALID_BFN) {
		if (h->keys[i] == mfn)
			return i;
		i = (i + 1) & (h->cap - 1);
	}
	return SIZE_MAX;
}

int dmk_xen_m2p_set(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn)
{
	int rc = 0;

	if (mfn == DMK_INVALID_BFN)
		return -DMK_EINVAL;
	dmk_write_lock(&h->lock);
	if (m2p_find(h, mfn) == SIZE_MAX) {
		if ((h->n + 1) * 2 > h->cap) {
			rc = m2p_rehash(h);
			if (rc)
				goto out;
		}
		h->n++;
	}
	m2p_put(h->keys, h->vals, h->cap, m2p_slot(h, mfn), mfn, pfn);
out:
	dmk_write_unlock(&h->lock);
	return rc;
}

/* Close the gap at hole so that every key stays reachable from its slot. */
static void m2p_backshift(struct dmk_xen_m2p *h, size_t hole)
{
	size_t i = hole;

	for (;;) {
		size_t home;

		i = (i + 1) & (h->cap - 1);
		if (h->keys[i] == DMK_INVALID_BFN)
			break;
		home = m2p_slot(h, h->keys[i]);
		/* Leave keys whose home lies cyclically in (hole, i]. */
		if (((i - home) & (h->cap - 1)) < ((i - hole) & (h->cap - 1)))
			continue;
		h->keys[hole] = h->keys[i];
		h->vals[hole] = h->vals[i];
		hole = i;
	}
	h->keys[hole] = DMK_INVALID_BFN;
}

void dmk_xen_m2p_del(struct dmk_xen_m2p *h, uint64_t mfn, uint64_t pfn)
{
	size_t i;

	dmk_write_lock(&h->lock);
	i = m2p_find(h, mfn);
	/* Only the pfn's own entry: the frame may be mapped elsewhere now. */
	if (i != SIZE_MAX && h->vals[i] == pfn) {
		m2p_backshift(h, i);
		h->n--;
	}
	dmk_write_unlock(&h->lock);
}

uint64_t dmk_xen_m2p_get(struct dmk_xen_m2p *h, uint64_t mfn)
{
	uint64_t pfn = DMK_INVALID_BFN;
	size_t i;

	dmk_read_lock(&h->lock);
	i = m2p_find(h, mfn);
	if (i != SIZE_MAX)
		pfn = h->vals[i];
	dmk_read_unlock(&h->lock);
	return pfn;
}
