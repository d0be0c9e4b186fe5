/* SPDX-License-Identifier: MIT */
/*
 * Machine RAM: banks of frames backed by two memfds (C, what the CPU sees
 * through cacheable mappings, and D, DRAM) plus an anonymous S image (each
 * line as last filled or cleaned).  Pages are only allocated by the host
 * when touched, so a machine may describe GiBs of RAM cheaply.
 *
 * Frames are numbered two ways: the machine frame number (mfn, the
 * address / 4096) and the frame index (the position of the frame across
 * the banks in ascending address order, i.e. the offset in the images).
 *
 * The owner array doubles as the hypervisor's heap: a frame is free when
 * its owner is SIM_DOMID_FREE.
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct sim_machine_priv {
	struct sim_machine m;
	pthread_mutex_t lock; /* owner[], cursor, nr_free */
	uint64_t cursor;      /* next-fit start index of the extent search */
	uint64_t nr_free;
	size_t image_len;
};

static struct sim_machine_priv *priv_of(const struct sim_machine *m)
{
	return (struct sim_machine_priv *)((const char *)m -
					   offsetof(struct sim_machine_priv,
						    m));
}

static int bank_cmp(const void *a, const void *b)
{
	const struct sim_bank *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Sort the banks by address and refuse empty, unaligned or overlapping
 * ones: frame index order must be address order so that the allocator's
 * max_mfn limit is a prefix of the index space. */
static int check_banks(struct sim_bank *banks, unsigned int nbanks)
{
	unsigned int i;

	if (nbanks == 0 || nbanks > SIM_MAX_BANKS)
		return -EINVAL;
	qsort(banks, nbanks, sizeof(*banks), bank_cmp);
	for (i = 0; i < nbanks; i++) {
		const struct sim_bank *b = &banks[i];

		if (b->size == 0 || (b->base | b->size) & (SIM_PAGE_SIZE - 1))
			return -EINVAL;
		if (b->base + b->size < b->base)
			return -EINVAL;
		if (i && banks[i - 1].base + banks[i - 1].size > b->base)
			return -EINVAL;
	}
	return 0;
}

static void *map_memfd(const char *name, size_t len, int *fd)
{
	void *p;

	*fd = memfd_create(name, MFD_CLOEXEC);
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, (off_t)len) == 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
		if (p != MAP_FAILED)
			return p;
	}
	close(*fd);
	*fd = -1;
	return NULL;
}

int sim_machine_create(struct sim_machine **out, const struct sim_bank *banks,
		       unsigned int nbanks, uint64_t seed)
{
	struct sim_machine_priv *mp;
	struct sim_machine *m;
	uint64_t i;
	int ret;

	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return -ENOMEM;
	m = &mp->m;
	m->fd_c = m->fd_d = -1;
	if (nbanks <= SIM_MAX_BANKS)
		memcpy(m->banks, banks, nbanks * sizeof(*banks));
	ret = check_banks(m->banks, nbanks);
	if (ret) {
		free(mp);
		return ret;
	}
	m->nbanks = nbanks;
	for (i = 0; i < nbanks; i++)
		m->nr_frames += m->banks[i].size >> SIM_PAGE_SHIFT;
	mp->image_len = m->nr_frames << SIM_PAGE_SHIFT;

	ret = -ENOMEM;
	m->c = map_memfd("dmakit-C", mp->image_len, &m->fd_c);
	m->d = map_memfd("dmakit-D", mp->image_len, &m->fd_d);
	m->s = mmap(NULL, mp->image_len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->s == MAP_FAILED)
		m->s = NULL;
	m->owner = malloc(m->nr_frames * sizeof(*m->owner));
	if (!m->c || !m->d || !m->s || !m->owner)
		goto fail;
	for (i = 0; i < m->nr_frames; i++)
		m->owner[i] = SIM_DOMID_FREE;
	mp->nr_free = m->nr_frames;
	m->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	atomic_init(&m->clean_lines, 0);
	atomic_init(&m->inval_lines, 0);
	atomic_init(&m->evictions, 0);
	if (pthread_mutex_init(&mp->lock, NULL))
		goto fail;
	*out = m;
	return 0;
fail:
	sim_machine_destroy(m);
	return ret;
}

void sim_machine_destroy(struct sim_machine *m)
{
	struct sim_machine_priv *mp;

	if (!m)
		return;
	mp = priv_of(m);
	if (m->c)
		munmap(m->c, mp->image_len);
	if (m->d)
		munmap(m->d, mp->image_len);
	if (m->s)
		munmap(m->s, mp->image_len);
	if (m->fd_c >= 0)
		close(m->fd_c);
	if (m->fd_d >= 0)
		close(m->fd_d);
	free(m->owner);
	pthread_mutex_destroy(&mp->lock);
	free(mp);
}

int64_t sim_mfn_index(const struct sim_machine *m, uint64_t mfn)
{
	uint64_t idx = 0;
	unsigned int i;

	for (i = 0; i < m->nbanks; i++) {
		uint64_t first = m->banks[i].base >> SIM_PAGE_SHIFT;
		uint64_t n = m->banks[i].size >> SIM_PAGE_SHIFT;

		if (mfn < first)
			return -1; /* banks are sorted: a hole */
		if (mfn - first < n)
			return (int64_t)(idx + (mfn - first));
		idx += n;
	}
	return -1;
}

uint64_t sim_index_mfn(const struct sim_machine *m, uint64_t idx)
{
	unsigned int i;

	for (i = 0; i < m->nbanks; i++) {
		uint64_t n = m->banks[i].size >> SIM_PAGE_SHIFT;

		if (idx < n)
			return (m->banks[i].base >> SIM_PAGE_SHIFT) + idx;
		idx -= n;
	}
	return SIM_INVALID_MFN;
}

bool sim_ma_is_ram(const struct sim_machine *m, uint64_t ma, size_t len)
{
	unsigned int i;

	if (len == 0)
		len = 1;
	if (ma + len - 1 < ma)
		return false;
	for (i = 0; i < m->nbanks; i++) {
		const struct sim_bank *b = &m->banks[i];

		/* Banks never touch each other's ranges, so a range is RAM
		 * when one bank holds all of it. */
		if (ma >= b->base && ma + len - 1 <= b->base + b->size - 1)
			return true;
	}
	return false;
}

/* Is [idx, idx + n) free and inside one bank (i.e. mfn-contiguous)?
 * Returns 0 if so, else the index of a frame to restart after. */
static uint64_t first_busy(const struct sim_machine *m, uint64_t idx,
			   uint64_t n)
{
	uint64_t i;

	for (i = n; i-- > 0;)
		if (m->owner[idx + i] != SIM_DOMID_FREE)
			return idx + i + 1;
	return 0;
}

/* Search one bank [first, end) (mfns) for an aligned free extent. */
static uint64_t search_bank(struct sim_machine *m, uint64_t bank_idx,
			    const struct sim_bank *b, uint64_t from_mfn,
			    uint64_t end_mfn, uint64_t n)
{
	uint64_t first = b->base >> SIM_PAGE_SHIFT;
	uint64_t mfn = (from_mfn + n - 1) & ~(n - 1);

	while (mfn >= from_mfn && mfn + n <= end_mfn) {
		uint64_t idx = bank_idx + (mfn - first);
		uint64_t busy = first_busy(m, idx, n);

		if (!busy)
			return mfn;
		/* Skip past the busy frame, to the next aligned start. */
		mfn = first + (busy - bank_idx);
		mfn = (mfn + n - 1) & ~(n - 1);
	}
	return SIM_INVALID_MFN;
}

/* One pass over the banks from index 'start' to 'stop' (exclusive). */
static uint64_t search_range(struct sim_machine *m, uint64_t start,
			     uint64_t stop, uint64_t n, uint64_t max_mfn)
{
	uint64_t bank_idx = 0;
	unsigned int i;

	for (i = 0; i < m->nbanks; i++) {
		const struct sim_bank *b = &m->banks[i];
		uint64_t nr = b->size >> SIM_PAGE_SHIFT;
		uint64_t first = b->base >> SIM_PAGE_SHIFT;
		uint64_t lo, hi, mfn;

		lo = start > bank_idx ? start - bank_idx : 0;
		hi = stop < bank_idx + nr ? stop - bank_idx : nr;
		if (stop > bank_idx && lo < hi) {
			uint64_t end = first + hi;

			if (max_mfn && end > max_mfn)
				end = max_mfn;
			mfn = search_bank(m, bank_idx, b, first + lo, end, n);
			if (mfn != SIM_INVALID_MFN)
				return mfn;
		}
		bank_idx += nr;
	}
	return SIM_INVALID_MFN;
}

uint64_t sim_machine_alloc_extent(struct sim_machine *m, unsigned int order,
				  uint64_t max_mfn, uint16_t domid)
{
	struct sim_machine_priv *mp = priv_of(m);
	uint64_t n, mfn, idx, i;

	if (order >= 40 || domid == SIM_DOMID_FREE)
		return SIM_INVALID_MFN;
	n = 1ULL << order;
	pthread_mutex_lock(&mp->lock);
	if (mp->nr_free < n) {
		pthread_mutex_unlock(&mp->lock);
		return SIM_INVALID_MFN;
	}
	/* Next fit: from the cursor to the end, then from the start. */
	mfn = search_range(m, mp->cursor, m->nr_frames, n, max_mfn);
	if (mfn == SIM_INVALID_MFN && mp->cursor)
		mfn = search_range(m, 0, mp->cursor + n, n, max_mfn);
	if (mfn != SIM_INVALID_MFN) {
		idx = (uint64_t)sim_mfn_index(m, mfn);
		for (i = 0; i < n; i++)
			m->owner[idx + i] = domid;
		mp->nr_free -= n;
		mp->cursor = idx + n < m->nr_frames ? idx + n : 0;
	}
	pthread_mutex_unlock(&mp->lock);
	return mfn;
}

void sim_machine_free_frame(struct sim_machine *m, uint64_t mfn)
{
	struct sim_machine_priv *mp = priv_of(m);
	int64_t idx = sim_mfn_index(m, mfn);

	if (idx < 0) {
		fprintf(stderr, "sim: freeing mfn 0x%llx that is not RAM\n",
			(unsigned long long)mfn);
		abort();
	}
	pthread_mutex_lock(&mp->lock);
	if (m->owner[idx] == SIM_DOMID_FREE) {
		pthread_mutex_unlock(&mp->lock);
		fprintf(stderr, "sim: double free of mfn 0x%llx\n",
			(unsigned long long)mfn);
		abort();
	}
	m->owner[idx] = SIM_DOMID_FREE;
	mp->nr_free++;
	pthread_mutex_unlock(&mp->lock);
}

uint64_t sim_machine_free_frames(const struct sim_machine *m)
{
	struct sim_machine_priv *mp = priv_of(m);
	uint64_t n;

	pthread_mutex_lock(&mp->lock);
	n = mp->nr_free;
	pthread_mutex_unlock(&mp->lock);
	return n;
}

bool sim_machine_claim_frame(struct sim_machine *m, uint64_t mfn,
			     uint16_t domid)
{
	struct sim_machine_priv *mp = priv_of(m);
	int64_t idx = sim_mfn_index(m, mfn);
	bool ok = false;

	if (idx < 0 || domid == SIM_DOMID_FREE)
		return false;
	pthread_mutex_lock(&mp->lock);
	if (m->owner[idx] == SIM_DOMID_FREE) {
		m->owner[idx] = domid;
		mp->nr_free--;
		ok = true;
	}
	pthread_mutex_unlock(&mp->lock);
	return ok;
}

uint64_t sim_machine_release_owned(struct sim_machine *m, uint16_t domid)
{
	struct sim_machine_priv *mp = priv_of(m);
	uint64_t i, n = 0;

	if (domid == SIM_DOMID_FREE)
		return 0;
	pthread_mutex_lock(&mp->lock);
	for (i = 0; i < m->nr_frames; i++) {
		if (m->owner[i] == domid) {
			m->owner[i] = SIM_DOMID_FREE;
			n++;
		}
	}
	mp->nr_free += n;
	pthread_mutex_unlock(&mp->lock);
	return n;
}

/* ---- saving and restoring the images around a fork ---- */

struct sim_machine_save {
	int fd[2];	/* copies of the C and D images */
	uint8_t *at[2]; /* mapped whole */
	size_t len;
};

void sim_machine_save_free(struct sim_machine_save *s)
{
	if (!s)
		return;
	for (int i = 0; i < 2; i++) {
		if (s->at[i])
			munmap(s->at[i], s->len);
		if (s->fd[i] >= 0)
			close(s->fd[i]);
	}
	free(s);
}

struct sim_machine_save *sim_machine_save_new(const struct sim_machine *m)
{
	struct sim_machine_save *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->len = priv_of(m)->image_len;
	s->fd[0] = s->fd[1] = -1;
	for (int i = 0; i < 2; i++) {
		s->at[i] = map_memfd("dmakit-saved", s->len, &s->fd[i]);
		if (!s->at[i]) {
			sim_machine_save_free(s);
			return NULL;
		}
	}
	return s;
}

/*
 * Make image dst (its fd and its mapping) hold what src holds: src's
 * pages copied, and what is a hole in src made a hole in dst (a frame
 * nobody touched costs nothing in either).  The pages dst already has
 * are written over, not given back, so a copy made again and again
 * costs the bytes, not page faults.
 */
static int sync_image(int dst_fd, uint8_t *dst, int src_fd, const uint8_t *src,
		      size_t len)
{
	const int punch = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	off_t off = 0;

	while ((size_t)off < len) {
		off_t data = lseek(src_fd, off, SEEK_DATA), hole, busy;

		if (data < 0 && errno != ENXIO)
			return -errno;
		if (data < 0)
			data = (off_t)len; /* no data after off */
		/* [off, data) is a hole in src: make it one in dst. */
		busy = off < data ? lseek(dst_fd, off, SEEK_DATA) : data;
		if (busy < 0 && errno != ENXIO)
			return -errno;
		if (busy >= 0 && busy < data &&
		    fallocate(dst_fd, punch, busy, data - busy))
			return -errno;
		if ((size_t)data >= len)
			break;
		hole = lseek(src_fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		memcpy(dst + data, src + data, (size_t)(hole - data));
		off = hole;
	}
	return 0;
}

int sim_machine_save(const struct sim_machine *m, struct sim_machine_save *s)
{
	int err = sync_image(s->fd[0], s->at[0], m->fd_c, m->c, s->len);

	return err ? err
		   : sync_image(s->fd[1], s->at[1], m->fd_d, m->d, s->len);
}

int sim_machine_restore(struct sim_machine *m, const struct sim_machine_save *s)
{
	int err = sync_image(m->fd_c, m->c, s->fd[0], s->at[0], s->len);

	return err ? err
		   : sync_image(m->fd_d, m->d, s->fd[1], s->at[1], s->len);
}
