/* SPDX-License-Identifier: MIT */
/*
 * An SMMU: per-stream translation of device addresses (IOVAs).
 *
 * Each stream (master) has its own page table, a four-level radix of 512
 * entries per level over a 48-bit IOVA space like an ARM LPAE table with
 * 4 KiB granules, allocated on demand.  A leaf holds the output page and
 * its permissions.
 *
 * A stream bound to a domain outputs IPAs that go through that domain's
 * stage-2 (its p2m).  With bypass_table the stream has no stage-1 at all:
 * the IOVA is the IPA, which is how Xen on ARM programs an SMMU for a
 * guest (the SMMU shares the guest's stage-2), so such a device can reach
 * exactly what the guest's p2m maps, foreign grants included, and cannot
 * write through a read-only grant.
 */
#include "sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PT_BITS 9
#define PT_ENTRIES (1U << PT_BITS)
#define PT_LEVELS 4
#define IOVA_BITS (SIM_PAGE_SHIFT + PT_BITS * PT_LEVELS) /* 48 */

/* Leaf entry: output page address | permissions | valid. */
#define PTE_VALID (1ULL << 2)
#define PTE_PROT (DMK_IOMMU_READ | DMK_IOMMU_WRITE)
#define PTE_ADDR (~(uint64_t)(SIM_PAGE_SIZE - 1))

struct pt_node {
	void *slot[PT_ENTRIES]; /* next level; uint64_t leaves at the last */
};

struct sim_smmu_stream {
	struct sim_smmu *smmu;
	uint32_t sid;
	struct sim_domain *dom;
	bool bypass_table;
	pthread_mutex_t lock;
	struct pt_node *root;
	atomic_uint_fast64_t faults;
	uint64_t mapped; /* valid leaf entries, under lock */
};

struct sim_smmu {
	char name[96];
	pthread_mutex_t lock; /* the stream list */
	struct sim_smmu_stream **streams;
	unsigned int nr_streams, cap;
};

int sim_smmu_create(struct sim_smmu **out, const char *name)
{
	struct sim_smmu *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", name ? name : "smmu");
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

static void free_table(void *node, unsigned int level)
{
	struct pt_node *n = node;
	unsigned int i;

	if (!n)
		return;
	if (level + 1 < PT_LEVELS)
		for (i = 0; i < PT_ENTRIES; i++)
			free_table(n->slot[i], level + 1);
	free(n);
}

void sim_smmu_destroy(struct sim_smmu *s)
{
	unsigned int i;

	if (!s)
		return;
	for (i = 0; i < s->nr_streams; i++) {
		free_table(s->streams[i]->root, 0);
		pthread_mutex_destroy(&s->streams[i]->lock);
		free(s->streams[i]);
	}
	free(s->streams);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* A stream ID names one master: adding it again returns the same stream
 * if it is bound the same way, and NULL if it would conflict. */
struct sim_smmu_stream *sim_smmu_add_stream(struct sim_smmu *s, uint32_t sid,
					    struct sim_domain *dom,
					    bool bypass_table)
{
	struct sim_smmu_stream *st = NULL, **grown;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->nr_streams; i++) {
		if (s->streams[i]->sid != sid)
			continue;
		if (s->streams[i]->dom == dom &&
		    s->streams[i]->bypass_table == bypass_table)
			st = s->streams[i];
		goto out;
	}
	if (s->nr_streams == s->cap) {
		unsigned int cap = s->cap ? s->cap * 2 : 8;

		grown = realloc(s->streams, cap * sizeof(*grown));
		if (!grown)
			goto out;
		s->streams = grown;
		s->cap = cap;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		goto out;
	if (pthread_mutex_init(&st->lock, NULL)) {
		free(st);
		st = NULL;
		goto out;
	}
	st->smmu = s;
	st->sid = sid;
	st->dom = dom;
	st->bypass_table = bypass_table;
	atomic_init(&st->faults, 0);
	s->streams[s->nr_streams++] = st;
out:
	pthread_mutex_unlock(&s->lock);
	return st;
}

static unsigned int pt_index(uint64_t iova, unsigned int level)
{
	unsigned int shift = SIM_PAGE_SHIFT + PT_BITS * (PT_LEVELS - 1 - level);

	return (iova >> shift) & (PT_ENTRIES - 1);
}

/* The leaf entry of iova, allocating tables on the way when asked. */
static uint64_t *pte_of(struct sim_smmu_stream *st, uint64_t iova, bool alloc)
{
	void **slot = (void **)&st->root;
	unsigned int level;

	for (level = 0; level < PT_LEVELS; level++) {
		if (!*slot) {
			if (!alloc)
				return NULL;
			/* A leaf table (512 uint64_t) has a node's size. */
			*slot = calloc(1, sizeof(struct pt_node));
			if (!*slot)
				return NULL;
		}
		if (level + 1 == PT_LEVELS)
			return &((uint64_t *)*slot)[pt_index(iova, level)];
		slot = &((struct pt_node *)*slot)->slot[pt_index(iova, level)];
	}
	return NULL;
}

int sim_smmu_map(struct sim_smmu_stream *st, uint64_t iova, uint64_t out,
		 size_t size, int prot)
{
	uint64_t off;
	int ret = 0;

	if (size == 0 || ((iova | out | size) & (SIM_PAGE_SIZE - 1)) ||
	    !(prot & PTE_PROT) ||
	    (prot & ~(PTE_PROT | DMK_IOMMU_MMIO | DMK_IOMMU_PRIV)) ||
	    iova + size > (1ULL << IOVA_BITS) || iova + size < iova ||
	    out + size < out)
		return -EINVAL;
	pthread_mutex_lock(&st->lock);
	/* All or nothing: check (and build the tables) before installing,
	 * and refuse to overwrite a live mapping as io-pgtable does. */
	for (off = 0; off < size; off += SIM_PAGE_SIZE) {
		uint64_t *pte = pte_of(st, iova + off, true);

		if (!pte) {
			ret = -ENOMEM;
			break;
		}
		if (*pte & PTE_VALID) {
			ret = -EEXIST;
			break;
		}
	}
	for (off = 0; !ret && off < size; off += SIM_PAGE_SIZE) {
		*pte_of(st, iova + off, false) = ((out + off) & PTE_ADDR) |
						 PTE_VALID |
						 (uint64_t)(prot & PTE_PROT);
		st->mapped++;
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

void sim_smmu_unmap(struct sim_smmu_stream *st, uint64_t iova, size_t size)
{
	uint64_t off, first = iova & PTE_ADDR;
	uint64_t end = iova + size;

	if (size == 0 || end > (1ULL << IOVA_BITS) || end < iova)
		return;
	pthread_mutex_lock(&st->lock);
	for (off = first; off < end; off += SIM_PAGE_SIZE) {
		uint64_t *pte = pte_of(st, off, false);

		if (pte && (*pte & PTE_VALID))
			st->mapped--;
		if (pte)
			*pte = 0;
	}
	pthread_mutex_unlock(&st->lock);
}

uint64_t sim_smmu_mapped_pages(struct sim_smmu_stream *st)
{
	uint64_t n;

	pthread_mutex_lock(&st->lock);
	n = st->mapped;
	pthread_mutex_unlock(&st->lock);
	return n;
}

static bool smmu_fault(struct sim_smmu_stream *st)
{
	atomic_fetch_add(&st->faults, 1);
	return false;
}

bool sim_smmu_translate(struct sim_smmu_stream *st, uint64_t iova, bool write,
			uint64_t *ma)
{
	int need = write ? DMK_IOMMU_WRITE : DMK_IOMMU_READ;
	uint64_t out = iova, pte = 0, mfn;
	enum sim_p2m_type type;

	if (!st->bypass_table) {
		uint64_t *p;

		if (iova >= (1ULL << IOVA_BITS))
			return smmu_fault(st);
		pthread_mutex_lock(&st->lock);
		p = pte_of(st, iova, false);
		if (p)
			pte = *p;
		pthread_mutex_unlock(&st->lock);
		if (!(pte & PTE_VALID) || !(pte & (uint64_t)need))
			return smmu_fault(st);
		out = (pte & PTE_ADDR) | (iova & (SIM_PAGE_SIZE - 1));
	}
	if (st->dom) {
		/* Stage 2: the output is an IPA of the domain. */
		mfn = sim_domain_gfn_to_mfn(st->dom, out >> SIM_PAGE_SHIFT,
					    &type);
		if (mfn == SIM_INVALID_MFN ||
		    (write && type == SIM_P2M_FOREIGN_RO))
			return smmu_fault(st);
		out = (mfn << SIM_PAGE_SHIFT) | (out & (SIM_PAGE_SIZE - 1));
	}
	*ma = out;
	return true;
}

uint64_t sim_smmu_faults(const struct sim_smmu_stream *st)
{
	return atomic_load(&st->faults);
}

struct sim_domain *sim_smmu_stream_domain(const struct sim_smmu_stream *st)
{
	return st->dom;
}
