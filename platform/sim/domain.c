/* SPDX-License-Identifier: MIT */
/*
 * A domain: its p2m (stage-2 on ARM, the pseudo-physical map on x86) and
 * the linear map through which its CPU code reaches its memory.
 *
 * The linear map is made of real host mappings of the machine's C image:
 * guest frame g lives at linear + g * 4096 and is a MAP_SHARED mapping of
 * the frame behind it.  So guest-contiguous memory is contiguous for the
 * CPU while scattered in machine RAM, and changing the p2m (a grant
 * mapping, an exchange, a relocation) really changes what the CPU sees.
 *
 * Non-cacheable aliases (map_uncached) map the D image instead.  On
 * hardware such an alias is a stage-1 mapping of IPAs, so it follows
 * stage-2: set_p2m remaps the alias pages of a gfn whose frame changed.
 *
 * A vmap (Linux's vmap, dma_common_pages_remap) is such an alias of
 * guest frames in any order: page i of it maps gfns[i], through the D
 * image for a non-cacheable type and through the C image for a
 * cacheable one, so a CPU access through it reaches the very frame (and
 * cache state) the linear map's access to that page would.  The
 * simulated CPU has no write buffer: write-combining and the
 * DMA-coherent type both map the D image and differ only in the type
 * recorded (sim_domain_vmap_type).
 */
#include "sim.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A live alias of guest frames: [gfn, gfn + npages) for map_uncached,
 * gfns[0..npages) for a vmap. */
struct uc_alias {
	uint8_t *va;
	uint64_t gfn, npages;
	uint64_t *gfns; /* a vmap's frames, page by page; NULL: from gfn */
	bool cached;	/* maps the C image (a cacheable vmap) */
	int type;	/* enum dmk_vmap_prot */
	struct uc_alias *next;
};

static uint64_t alias_gfn(const struct uc_alias *a, uint64_t i)
{
	return a->gfns ? a->gfns[i] : a->gfn + i;
}

static int alias_fd(const struct sim_domain *d, const struct uc_alias *a)
{
	return a->cached ? d->m->fd_c : d->m->fd_d;
}

static void alias_free(struct uc_alias *a)
{
	munmap(a->va, a->npages << SIM_PAGE_SHIFT);
	free(a->gfns);
	free(a);
}

struct sim_domain_priv {
	struct sim_domain d;
	pthread_mutex_t lock; /* p2m, linear map, aliases */
	struct uc_alias *aliases;
	uint64_t span; /* gfns covered by the linear map, from gfn 0 */
};

static struct sim_domain_priv *priv_of(const struct sim_domain *d)
{
	return (struct sim_domain_priv *)((const char *)d -
					  offsetof(struct sim_domain_priv, d));
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* ---- the p2m ---- */

static struct sim_p2m_entry *p2m_entry(const struct sim_domain *d, uint64_t gfn)
{
	struct sim_p2m_entry *chunk;

	if (gfn / SIM_P2M_CHUNK >= d->p2m_nr_chunks)
		return NULL;
	chunk = d->p2m_chunks[gfn / SIM_P2M_CHUNK];
	return chunk ? &chunk[gfn % SIM_P2M_CHUNK] : NULL;
}

static struct sim_p2m_entry *p2m_entry_alloc(struct sim_domain *d, uint64_t gfn)
{
	struct sim_p2m_entry **slot = &d->p2m_chunks[gfn / SIM_P2M_CHUNK];

	if (!*slot)
		*slot = calloc(SIM_P2M_CHUNK, sizeof(**slot));
	return *slot ? &(*slot)[gfn % SIM_P2M_CHUNK] : NULL;
}

/* Can the p2m hold gfn?  Any gfn below p2m_end: the RAM span, and
 * whatever guest-physical space above it sim_domain_set_p2m_end added
 * (where a guest maps grants and its grant table). */
static bool in_span(const struct sim_domain *d, uint64_t gfn)
{
	return gfn < d->p2m_end;
}

/* Frame index behind gfn, or -1 for a hole. */
static int64_t gfn_index(const struct sim_domain *d, uint64_t gfn)
{
	const struct sim_p2m_entry *e =
		in_span(d, gfn) ? p2m_entry(d, gfn) : NULL;

	if (!e || e->type == SIM_P2M_INVALID)
		return -1;
	return sim_mfn_index(d->m, e->mfn);
}

static int page_prot(const struct sim_domain *d, uint64_t gfn)
{
	const struct sim_p2m_entry *e = p2m_entry(d, gfn);

	/* A read-only grant is mapped read-only: a CPU store faults, as it
	 * would in a real guest. */
	return e && e->type == SIM_P2M_FOREIGN_RO ? PROT_READ
						  : PROT_READ | PROT_WRITE;
}

/*
 * Does a host mapping start at gfn?  It does when gfn is mapped and its
 * left neighbour is not the previous frame of the same image with the
 * same protection: one mmap covers each such run.
 */
static bool run_starts(const struct sim_domain *d, uint64_t gfn)
{
	int64_t idx = gfn_index(d, gfn), left;

	if (idx < 0)
		return false;
	if (gfn == 0)
		return true;
	left = gfn_index(d, gfn - 1);
	return left < 0 || left + 1 != idx ||
	       page_prot(d, gfn - 1) != page_prot(d, gfn);
}

/* ---- host mappings ---- */

static void *reserve_range(void *at, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

	if (at)
		flags |= MAP_FIXED;
	return mmap(at, len, PROT_NONE, flags, -1, 0);
}

static int map_frames(uint8_t *va, size_t npages, int fd, int64_t idx, int prot)
{
	void *p =
		mmap(va, npages << SIM_PAGE_SHIFT, prot, MAP_SHARED | MAP_FIXED,
		     fd, (off_t)idx << SIM_PAGE_SHIFT);

	return p == MAP_FAILED ? -ENOMEM : 0;
}

/* Map guest frames [gfn, gfn + n) of the image fd at va, one mmap per
 * run of consecutive frames; holes stay PROT_NONE.  -ENOENT if a hole
 * is not allowed. */
static int map_gfns(const struct sim_domain *d, uint8_t *va, uint64_t gfn,
		    uint64_t n, int fd, bool holes_ok)
{
	uint64_t i = 0;

	while (i < n) {
		int64_t idx = gfn_index(d, gfn + i);
		int prot;
		uint64_t len = 1;

		if (idx < 0) {
			if (!holes_ok)
				return -ENOENT;
			i++;
			continue;
		}
		prot = page_prot(d, gfn + i);
		while (i + len < n &&
		       gfn_index(d, gfn + i + len) == idx + (int64_t)len &&
		       page_prot(d, gfn + i + len) == prot)
			len++;
		if (map_frames(va + (i << SIM_PAGE_SHIFT), len, fd, idx, prot))
			return -ENOMEM;
		i += len;
	}
	return 0;
}

/* ---- building a domain ---- */

/* Claim the first 'pages' free frames at or above mfn 'from'. */
static int take_direct(struct sim_machine *m, uint16_t domid, uint64_t from,
		       uint64_t pages, uint64_t *mfns)
{
	uint64_t idx, got = 0;

	for (idx = 0; idx < m->nr_frames && got < pages; idx++) {
		uint64_t mfn = sim_index_mfn(m, idx);

		if (mfn >= from && sim_machine_claim_frame(m, mfn, domid))
			mfns[got++] = mfn;
	}
	return got == pages ? 0 : -ENOMEM;
}

/*
 * Claim 'pages' free frames from the top of the machine down, returned in
 * ascending order.  Xen's heap serves domain memory from the highest zone
 * first and keeps low memory for allocations with an address limit (the
 * exchanges of swiotlb-xen below 4 GiB); so does this.
 */
static int take_top_down(struct sim_machine *m, uint16_t domid, uint64_t pages,
			 uint64_t *mfns)
{
	uint64_t idx = m->nr_frames, got = 0, i;

	while (idx-- > 0 && got < pages) {
		uint64_t mfn = sim_index_mfn(m, idx);

		if (sim_machine_claim_frame(m, mfn, domid))
			mfns[got++] = mfn;
	}
	for (i = 0; i < got / 2; i++) {
		uint64_t t = mfns[i];

		mfns[i] = mfns[got - 1 - i];
		mfns[got - 1 - i] = t;
	}
	return got == pages ? 0 : -ENOMEM;
}

struct run {
	uint64_t first; /* index into the claimed frames */
	uint64_t len;
};

/*
 * Cut the ascending frames into runs of 1..max_run and shuffle the runs,
 * so guest frames are contiguous in machine memory only within a run:
 * the situation of a non-1:1 dom0 under stage-2.
 */
static int fragment(uint64_t *mfns, uint64_t pages, unsigned int max_run,
		    uint64_t seed)
{
	uint64_t rng = seed ? seed : 0x2545F4914F6CDD1DULL, nruns = 0, i, o;
	struct run *runs = malloc(pages * sizeof(*runs));
	uint64_t *out = malloc(pages * sizeof(*out));

	if (!runs || !out) {
		free(runs);
		free(out);
		return -ENOMEM;
	}
	for (i = 0; i < pages; nruns++) {
		uint64_t len = 1 + xorshift64(&rng) % max_run;

		if (len > pages - i)
			len = pages - i;
		runs[nruns] = (struct run){i, len};
		i += len;
	}
	for (i = nruns; i > 1; i--) {
		uint64_t j = xorshift64(&rng) % i;
		struct run t = runs[i - 1];

		runs[i - 1] = runs[j];
		runs[j] = t;
	}
	for (i = 0, o = 0; i < nruns; i++) {
		memcpy(&out[o], &mfns[runs[i].first],
		       runs[i].len * sizeof(*out));
		o += runs[i].len;
	}
	memcpy(mfns, out, pages * sizeof(*out));
	free(runs);
	free(out);
	return 0;
}

static int build_p2m(struct sim_domain *d, const uint64_t *mfns, uint64_t pages,
		     bool direct)
{
	uint64_t i;

	d->p2m_nr_chunks =
		(d->gfn_base + d->nr_gfns + SIM_P2M_CHUNK - 1) / SIM_P2M_CHUNK;
	d->p2m_chunks = calloc(d->p2m_nr_chunks, sizeof(*d->p2m_chunks));
	if (!d->p2m_chunks)
		return -ENOMEM;
	for (i = 0; i < pages; i++) {
		uint64_t gfn = direct ? mfns[i] : d->gfn_base + i;
		struct sim_p2m_entry *e = p2m_entry_alloc(d, gfn);

		if (!e)
			return -ENOMEM;
		e->mfn = mfns[i];
		e->type = SIM_P2M_RAM;
		if (gfn > d->max_mapped_gfn)
			d->max_mapped_gfn = gfn;
	}
	d->nr_pages = pages;
	return 0;
}

static uint64_t count_runs(const struct sim_domain *d)
{
	uint64_t g, n = 0;

	for (g = d->gfn_base; g < d->gfn_base + d->nr_gfns; g++)
		n += run_starts(d, g);
	return n;
}

static int build_linear(struct sim_domain_priv *dp)
{
	struct sim_domain *d = &dp->d;
	void *p;

	dp->span = d->gfn_base + d->nr_gfns;
	d->p2m_end = dp->span;
	d->linear_len = dp->span << SIM_PAGE_SHIFT;
	p = reserve_range(NULL, d->linear_len);
	if (p == MAP_FAILED)
		return -ENOMEM;
	d->linear = p;
	d->host_mappings = count_runs(d);
	return map_gfns(d, d->linear + (d->gfn_base << SIM_PAGE_SHIFT),
			d->gfn_base, d->nr_gfns, d->m->fd_c, true);
}

/* The guest's allocator starts with all its RAM free. */
static int build_alloc(struct sim_domain *d)
{
	uint64_t g = d->gfn_base, end = d->gfn_base + d->nr_gfns;
	int ret = sim_pagealloc_create(&d->alloc, d->gfn_base, d->nr_gfns);

	if (ret)
		return ret;
	while (g < end) {
		uint64_t n = 0;

		while (g + n < end && gfn_index(d, g + n) >= 0)
			n++;
		if (n)
			sim_pagealloc_add(d->alloc, g, n);
		g += n + 1;
	}
	return 0;
}

int sim_domain_create(struct sim_domain **out, struct sim_machine *m,
		      uint16_t domid, uint64_t gfn_base, uint64_t pages,
		      bool direct_mapped, unsigned int max_run, uint64_t seed)
{
	struct sim_domain_priv *dp;
	struct sim_domain *d;
	uint64_t *mfns;
	int ret;

	if (!m || pages == 0 || pages > m->nr_frames ||
	    domid == SIM_DOMID_FREE || domid == SIM_DOMID_XEN ||
	    (!direct_mapped && max_run == 0) || gfn_base >= (1ULL << 36))
		return -EINVAL;
	mfns = malloc(pages * sizeof(*mfns));
	dp = calloc(1, sizeof(*dp));
	if (!mfns || !dp || pthread_mutex_init(&dp->lock, NULL)) {
		free(mfns);
		free(dp);
		return -ENOMEM;
	}
	d = &dp->d;
	d->domid = domid;
	d->m = m;
	d->direct_mapped = direct_mapped;
	d->max_order = 9; /* Xen's default for a domU; dom0 gets more */
	d->gfn_base = gfn_base;
	d->shared_info_gfn = SIM_INVALID_MFN;

	if (direct_mapped) {
		ret = take_direct(m, domid, gfn_base, pages, mfns);
		if (!ret)
			d->nr_gfns = mfns[pages - 1] + 1 - gfn_base;
	} else {
		ret = take_top_down(m, domid, pages, mfns);
		if (!ret)
			ret = fragment(mfns, pages, max_run, seed);
		d->nr_gfns = pages;
	}
	if (ret) {
		/* Give back what was claimed: those frames are ours alone. */
		sim_machine_release_owned(m, domid);
		free(mfns);
		pthread_mutex_destroy(&dp->lock);
		free(dp);
		return ret;
	}
	ret = build_p2m(d, mfns, pages, direct_mapped);
	free(mfns);
	if (!ret)
		ret = build_linear(dp);
	if (!ret)
		ret = build_alloc(d);
	if (ret) {
		sim_domain_destroy(d);
		return ret;
	}
	*out = d;
	return 0;
}

void sim_domain_destroy(struct sim_domain *d)
{
	struct sim_domain_priv *dp;
	struct uc_alias *a, *next;
	uint64_t i;

	if (!d)
		return;
	dp = priv_of(d);
	for (a = dp->aliases; a; a = next) {
		next = a->next;
		alias_free(a);
	}
	if (d->linear)
		munmap(d->linear, d->linear_len);
	for (i = 0; i < d->p2m_nr_chunks; i++)
		free(d->p2m_chunks[i]);
	free(d->p2m_chunks);
	sim_pagealloc_destroy(d->alloc);
	free(d->pv_p2m);
	/* Own frames go back to the heap, wherever they are mapped (a PV
	 * guest's exchanged frames may not be in the p2m); foreign frames
	 * belong to their owners. */
	sim_machine_release_owned(d->m, d->domid);
	pthread_mutex_destroy(&dp->lock);
	free(dp);
}

/* ---- changing the p2m ---- */

/* Map [gfn, gfn + n) in a host range starting at va (the linear map or
 * an alias) afresh: runs with one mmap each, holes PROT_NONE. */
static int remap_range(const struct sim_domain *d, uint8_t *va, uint64_t gfn,
		       uint64_t n, int fd)
{
	uint64_t i = 0;

	while (i < n) {
		uint64_t len = 1;

		if (gfn_index(d, gfn + i) >= 0) {
			/* map_gfns makes one mmap per machine-contiguous run. */
			while (i + len < n && gfn_index(d, gfn + i + len) >= 0)
				len++;
			if (map_gfns(d, va + (i << SIM_PAGE_SHIFT), gfn + i,
				     len, fd, false))
				return -ENOMEM;
		} else {
			while (i + len < n && gfn_index(d, gfn + i + len) < 0)
				len++;
			if (reserve_range(va + (i << SIM_PAGE_SHIFT),
					  len << SIM_PAGE_SHIFT) == MAP_FAILED)
				return -ENOMEM;
		}
		i += len;
	}
	return 0;
}

static int remap_aliases(struct sim_domain_priv *dp, uint64_t gfn, uint64_t n)
{
	struct uc_alias *a;
	int ret = 0;

	for (a = dp->aliases; a; a = a->next) {
		uint64_t lo = gfn > a->gfn ? gfn : a->gfn;
		uint64_t hi = gfn + n < a->gfn + a->npages ? gfn + n
							   : a->gfn + a->npages;

		if (a->gfns) {
			/* A vmap: each of its pages that maps such a gfn. */
			for (uint64_t i = 0; i < a->npages; i++)
				if (a->gfns[i] >= gfn && a->gfns[i] < gfn + n)
					ret |= remap_range(
						&dp->d,
						a->va + (i << SIM_PAGE_SHIFT),
						a->gfns[i], 1,
						alias_fd(&dp->d, a));
		} else if (lo < hi) {
			ret |= remap_range(
				&dp->d,
				a->va + ((lo - a->gfn) << SIM_PAGE_SHIFT), lo,
				hi - lo, alias_fd(&dp->d, a));
		}
	}
	return ret ? -ENOMEM : 0;
}

static uint64_t runs_in(const struct sim_domain *d, uint64_t gfn, uint64_t n)
{
	uint64_t i, runs = 0;

	for (i = 0; i <= n; i++) /* the page after the range may join */
		runs += run_starts(d, gfn + i);
	return runs;
}

int sim_domain_set_p2m_range(struct sim_domain *d, uint64_t gfn, uint64_t mfn,
			     uint64_t n, enum sim_p2m_type type)
{
	struct sim_domain_priv *dp = priv_of(d);
	uint64_t runs_before, i;
	int ret;

	if (n == 0 || !in_span(d, gfn) || !in_span(d, gfn + n - 1))
		return -EINVAL;
	if (mfn == SIM_INVALID_MFN) {
		type = SIM_P2M_INVALID;
	} else if (type == SIM_P2M_INVALID || type > SIM_P2M_FOREIGN_RO ||
		   mfn + n < mfn ||
		   !sim_ma_is_ram(d->m, mfn << SIM_PAGE_SHIFT,
				  n << SIM_PAGE_SHIFT)) {
		/* Frames must be RAM and in one bank: machine-contiguous. */
		return -EINVAL;
	}

	pthread_mutex_lock(&dp->lock);
	for (i = 0; i < n; i++) {
		if (!p2m_entry_alloc(d, gfn + i)) {
			pthread_mutex_unlock(&dp->lock);
			return -ENOMEM;
		}
	}
	runs_before = runs_in(d, gfn, n);
	for (i = 0; i < n; i++) {
		struct sim_p2m_entry *e = p2m_entry(d, gfn + i);
		uint64_t new_mfn =
			type == SIM_P2M_INVALID ? SIM_INVALID_MFN : mfn + i;

		d->nr_pages -= e->type == SIM_P2M_RAM;
		d->nr_pages += type == SIM_P2M_RAM;
		/* Xen's p2m->max_mapped_gfn only ever grows. */
		if (type != SIM_P2M_INVALID && gfn + i > d->max_mapped_gfn)
			d->max_mapped_gfn = gfn + i;
		/* Pinning is a promise about a frame: a new frame (or a
		 * hole) starts unpinned. */
		if (e->mfn != new_mfn || type == SIM_P2M_INVALID)
			e->pinned = false;
		e->mfn = new_mfn;
		e->type = type;
	}
	d->host_mappings += runs_in(d, gfn, n);
	d->host_mappings -= runs_before;

	ret = remap_range(d, d->linear + (gfn << SIM_PAGE_SHIFT), gfn, n,
			  d->m->fd_c);
	if (!ret)
		ret = remap_aliases(dp, gfn, n);
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

int sim_domain_set_p2m(struct sim_domain *d, uint64_t gfn, uint64_t mfn,
		       enum sim_p2m_type type)
{
	return sim_domain_set_p2m_range(d, gfn, mfn, 1, type);
}

uint64_t sim_domain_gfn_to_mfn(const struct sim_domain *d, uint64_t gfn,
			       enum sim_p2m_type *type)
{
	struct sim_domain_priv *dp = priv_of(d);
	const struct sim_p2m_entry *e;
	uint64_t mfn = SIM_INVALID_MFN;
	enum sim_p2m_type t = SIM_P2M_INVALID;

	pthread_mutex_lock(&dp->lock);
	e = in_span(d, gfn) ? p2m_entry(d, gfn) : NULL;
	if (e && e->type != SIM_P2M_INVALID) {
		mfn = e->mfn;
		t = e->type;
	}
	pthread_mutex_unlock(&dp->lock);
	if (type)
		*type = t;
	return mfn;
}

int sim_domain_set_pinned(struct sim_domain *d, uint64_t gfn, bool pinned)
{
	struct sim_domain_priv *dp = priv_of(d);
	struct sim_p2m_entry *e;
	int ret = -EINVAL;

	pthread_mutex_lock(&dp->lock);
	e = in_span(d, gfn) ? p2m_entry(d, gfn) : NULL;
	if (e && e->type == SIM_P2M_RAM) {
		e->pinned = pinned;
		ret = 0;
	}
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

uint64_t sim_domain_pinned_pages(const struct sim_domain *d)
{
	struct sim_domain_priv *dp = priv_of(d);
	uint64_t n = 0;

	pthread_mutex_lock(&dp->lock);
	for (uint64_t c = 0; c < d->p2m_nr_chunks; c++) {
		const struct sim_p2m_entry *chunk = d->p2m_chunks[c];

		for (unsigned int i = 0; chunk && i < SIM_P2M_CHUNK; i++)
			n += chunk[i].type != SIM_P2M_INVALID &&
			     chunk[i].pinned;
	}
	pthread_mutex_unlock(&dp->lock);
	return n;
}

bool sim_domain_is_pinned(const struct sim_domain *d, uint64_t gfn)
{
	struct sim_domain_priv *dp = priv_of(d);
	const struct sim_p2m_entry *e;
	bool pinned;

	pthread_mutex_lock(&dp->lock);
	e = in_span(d, gfn) ? p2m_entry(d, gfn) : NULL;
	pinned = e && e->type != SIM_P2M_INVALID && e->pinned;
	pthread_mutex_unlock(&dp->lock);
	return pinned;
}

int sim_domain_set_p2m_end(struct sim_domain *d, uint64_t end)
{
	struct sim_domain_priv *dp = priv_of(d);
	uint64_t nr_chunks = (end + SIM_P2M_CHUNK - 1) / SIM_P2M_CHUNK;
	struct sim_p2m_entry **chunks;
	uint8_t *linear;
	int ret = 0;

	if (end <= dp->span)
		return 0;
	if (end >= (1ULL << 36))
		return -EINVAL;
	pthread_mutex_lock(&dp->lock);
	chunks = realloc(d->p2m_chunks, nr_chunks * sizeof(*chunks));
	if (!chunks) {
		ret = -ENOMEM;
		goto out;
	}
	memset(chunks + d->p2m_nr_chunks, 0,
	       (nr_chunks - d->p2m_nr_chunks) * sizeof(*chunks));
	d->p2m_chunks = chunks;
	d->p2m_nr_chunks = nr_chunks;
	linear = reserve_range(NULL, end << SIM_PAGE_SHIFT);
	if (linear == MAP_FAILED) {
		ret = -ENOMEM;
		goto out;
	}
	if (map_gfns(d, linear, 0, dp->span, d->m->fd_c, true)) {
		munmap(linear, end << SIM_PAGE_SHIFT);
		ret = -ENOMEM;
		goto out;
	}
	munmap(d->linear, d->linear_len);
	d->linear = linear;
	d->linear_len = end << SIM_PAGE_SHIFT;
	dp->span = end;
	d->p2m_end = end;
out:
	pthread_mutex_unlock(&dp->lock);
	return ret;
}

/* ---- non-cacheable aliases and vmaps ---- */

/* Map the alias a (its va reserved, its fields set) page run by page
 * run and put it on the list; false if a page has no frame. */
static bool alias_add(struct sim_domain_priv *dp, struct uc_alias *a)
{
	struct sim_domain *d = &dp->d;
	uint64_t i = 0;

	pthread_mutex_lock(&dp->lock);
	while (i < a->npages) {
		uint64_t len = 1;

		/* One map_gfns per run of consecutive gfns (it makes one
		 * mmap per machine-contiguous part of the run). */
		while (i + len < a->npages &&
		       alias_gfn(a, i + len) == alias_gfn(a, i) + len)
			len++;
		if (map_gfns(d, a->va + (i << SIM_PAGE_SHIFT), alias_gfn(a, i),
			     len, alias_fd(d, a), false)) {
			pthread_mutex_unlock(&dp->lock);
			return false;
		}
		i += len;
	}
	a->next = dp->aliases;
	dp->aliases = a;
	pthread_mutex_unlock(&dp->lock);
	return true;
}

/* Take the alias whose range holds va (exactly its start when
 * at_start) off the list; NULL if there is none. */
static struct uc_alias *alias_take(struct sim_domain_priv *dp, const void *va,
				   bool at_start)
{
	struct uc_alias **pp, *a = NULL;
	const uint8_t *p = va;

	pthread_mutex_lock(&dp->lock);
	for (pp = &dp->aliases; *pp; pp = &(*pp)->next) {
		a = *pp;
		if (at_start ? p == a->va
			     : p >= a->va && p < a->va + (a->npages
							  << SIM_PAGE_SHIFT)) {
			*pp = a->next;
			break;
		}
		a = NULL;
	}
	pthread_mutex_unlock(&dp->lock);
	return a;
}

/* The live alias holding va, or NULL (under the caller's lock). */
static const struct uc_alias *alias_at(const struct sim_domain_priv *dp,
				       const void *va)
{
	const uint8_t *p = va;

	for (const struct uc_alias *a = dp->aliases; a; a = a->next)
		if (p >= a->va && p < a->va + (a->npages << SIM_PAGE_SHIFT))
			return a;
	return NULL;
}

void *sim_domain_map_uncached(struct sim_domain *d, uint64_t gpa, size_t len)
{
	struct sim_domain_priv *dp = priv_of(d);
	uint64_t gfn = gpa >> SIM_PAGE_SHIFT, npages;
	struct uc_alias *a;
	void *va;

	if (len == 0 || gpa + len < gpa)
		return NULL;
	npages = ((gpa + len - 1) >> SIM_PAGE_SHIFT) - gfn + 1;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	va = reserve_range(NULL, npages << SIM_PAGE_SHIFT);
	if (va == MAP_FAILED) {
		free(a);
		return NULL;
	}
	*a = (struct uc_alias){.va = va,
			       .gfn = gfn,
			       .npages = npages,
			       .type = DMK_VMAP_DMA_COHERENT};
	if (!alias_add(dp, a)) {
		alias_free(a);
		return NULL;
	}
	return (uint8_t *)va + (gpa & (SIM_PAGE_SIZE - 1));
}

void sim_domain_unmap_uncached(struct sim_domain *d, void *va, size_t len)
{
	struct uc_alias *a = alias_take(priv_of(d), va, false);

	if (!a || a->gfns) {
		fprintf(stderr,
			"sim: dom%u: unmap_uncached of %p (%zu bytes) that is "
			"not a live uncached alias\n",
			d->domid, va, len);
		abort();
	}
	alias_free(a);
}

void *sim_domain_vmap(struct sim_domain *d, const uint64_t *gfns, size_t n,
		      int type)
{
	struct sim_domain_priv *dp = priv_of(d);
	struct uc_alias *a;
	void *va;

	if (n == 0 || n > (SIZE_MAX >> SIM_PAGE_SHIFT))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->gfns = malloc(n * sizeof(*a->gfns));
	va = reserve_range(NULL, n << SIM_PAGE_SHIFT);
	if (!a->gfns || va == MAP_FAILED) {
		if (va != MAP_FAILED)
			munmap(va, n << SIM_PAGE_SHIFT);
		free(a->gfns);
		free(a);
		return NULL;
	}
	memcpy(a->gfns, gfns, n * sizeof(*gfns));
	a->va = va;
	a->npages = n;
	a->gfn = ~0ULL; /* remap_aliases goes by gfns[] */
	a->cached = type == DMK_VMAP_CACHED;
	a->type = type;
	if (!alias_add(dp, a)) {
		alias_free(a);
		return NULL;
	}
	return va;
}

void sim_domain_vunmap(struct sim_domain *d, void *va)
{
	struct uc_alias *a = alias_take(priv_of(d), va, true);

	if (!a || !a->gfns) {
		fprintf(stderr, "sim: dom%u: vunmap of %p that is not a vmap\n",
			d->domid, va);
		abort();
	}
	alias_free(a);
}

bool sim_domain_is_uncached(struct sim_domain *d, const void *va)
{
	struct sim_domain_priv *dp = priv_of(d);
	const struct uc_alias *a;
	bool found;

	pthread_mutex_lock(&dp->lock);
	a = alias_at(dp, va);
	found = a && !a->cached;
	pthread_mutex_unlock(&dp->lock);
	return found;
}

int sim_domain_vmap_type(struct sim_domain *d, const void *va)
{
	struct sim_domain_priv *dp = priv_of(d);
	const struct uc_alias *a;
	int type;

	pthread_mutex_lock(&dp->lock);
	a = alias_at(dp, va);
	type = a ? a->type : -1;
	pthread_mutex_unlock(&dp->lock);
	return type;
}

/* ---- x86 PV ---- */

int sim_domain_make_pv(struct sim_domain *d)
{
	uint64_t n = d->gfn_base + d->nr_gfns, pfn;
	uint64_t *p2m = malloc(n * sizeof(*p2m));

	if (!p2m)
		return -ENOMEM;
	for (pfn = 0; pfn < n; pfn++)
		p2m[pfn] = sim_domain_gfn_to_mfn(d, pfn, NULL);
	free(d->pv_p2m);
	d->pv_p2m = p2m;
	d->pv = true;
	/* Linux writes the size of its p2m into shared_info at boot. */
	d->pv_max_pfn = n;
	return 0;
}
