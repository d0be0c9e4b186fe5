/* SPDX-License-Identifier: MIT */
/*
 * Fault injection in the simulated world: every call the DMA layer makes
 * into it (a guest's page allocator, the non-cacheable mapping, each
 * hypercall, the IOMMU page tables, the environment's allocations) can
 * be made to fail, deterministically.  Linux's counterpart is the
 * fault-injection framework (fail_page_alloc, failslab, fail_function);
 * the hypercalls fail as Xen's do, with partial progress (faults.c).
 *
 * One struct sim_faults serves a whole world: each guest's platform
 * (struct sim_platform_dom) points at it, so the k-th call is counted
 * over every guest in the order the calls happen.  The library's
 * production paths know nothing of it.
 */
#ifndef DMAKIT_SIM_FAULTS_H
#define DMAKIT_SIM_FAULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sim_machine;

enum sim_fault_site {
	SIM_FAULT_ALLOC_PAGES, /* dmk_platform_ops.alloc_pages */
	SIM_FAULT_MAP_UNCACHED,
	SIM_FAULT_HYPERCALL, /* every sub-op, with Xen's partial progress */
	SIM_FAULT_IOMMU_MAP,
	SIM_FAULT_ENV_ALLOC, /* dmk_env_zalloc / dmk_env_calloc */
	SIM_FAULT_VMAP,	     /* dmk_platform_ops.vmap */
	SIM_FAULT_NR_SITES
};

enum sim_fault_mode {
	SIM_FAULTS_OFF,	  /* nothing counted, nothing fails */
	SIM_FAULTS_COUNT, /* count the calls, fail none */
	SIM_FAULTS_NTH,	  /* fail call number k (1-based) only */
	SIM_FAULTS_EVERY, /* fail every k-th call */
	SIM_FAULTS_SEED,  /* fail each call with probability 1/k, seeded */
};

/* What the first injected failure was, for the report. */
struct sim_fault_record {
	uint64_t call; /* its number among all calls counted */
	enum sim_fault_site site;
	char what[48]; /* "alloc_pages order 2", "memory_op exchange" ... */
	/* For a batch or a multi-extent op: how many entries succeeded
	 * before the failing one (Xen's nr_exchanged, a populate's count,
	 * the index of the failing grant op). */
	uint64_t progress;
};

struct sim_faults {
	enum sim_fault_mode mode;
	uint64_t k;
	uint64_t rng; /* SIM_FAULTS_SEED, and partial progress choices */
	pthread_mutex_t lock;
	uint64_t calls;
	uint64_t calls_by_site[SIM_FAULT_NR_SITES];
	uint64_t injected;
	struct sim_fault_record first;
	unsigned int paused; /* sim_faults_pause depth */
	FILE *trace;	     /* a line per injected failure, or NULL */
	uint64_t seed;
	/*
	 * A fork server (dmakit faults): with fork set, a SIM_FAULTS_COUNT
	 * injector calls fork(fork_arg, f, call, locked) at each call it
	 * counts, with its lock held.  fork returns true in a child
	 * process, which from there on is the run of SIM_FAULTS_NTH with
	 * k = call (it fails this very call, with the same progress
	 * stream); the parent goes on counting.  So the calls before k are
	 * made once for all the points instead of once per point.  locked:
	 * the caller holds one of the environment's write locks, which a
	 * child could not release (dmk_env_write_locks_held); fork must
	 * not fork then, and the point is run another way.
	 */
	bool (*fork)(void *fork_arg, struct sim_faults *f, uint64_t call,
		     bool locked);
	void *fork_arg;
	/* The world's machine, whose RAM a fork server saves and restores
	 * (sim_machine_save): set by sim_world_build for an injector in
	 * its options, by the caller for one attached after the build. */
	struct sim_machine *machine;
};

void sim_faults_init(struct sim_faults *f, enum sim_fault_mode mode, uint64_t k,
		     uint64_t seed);
void sim_faults_destroy(struct sim_faults *f);

/*
 * Count one call at site; true when it must fail.  what names it for the
 * record (only read when it fails).  A NULL f never fails.
 */
bool sim_fault_hit(struct sim_faults *f, enum sim_fault_site site,
		   const char *what);
/*
 * The drivers' own calls to the platform (their kmalloc, workloads/)
 * are not the DMA layer's: between pause and resume nothing is counted
 * and nothing fails.  NULL f is fine.
 */
void sim_faults_pause(struct sim_faults *f);
void sim_faults_resume(struct sim_faults *f);

/* A number in [0, n) from the injector's stream: how far a batch gets. */
uint64_t sim_fault_progress(struct sim_faults *f, uint64_t n);
/* Note the progress of the failure just injected. */
void sim_fault_note_progress(struct sim_faults *f, uint64_t progress);

/* Route the environment's allocations (env/user) through f; NULL stops. */
void sim_faults_attach_env(struct sim_faults *f);

const char *sim_fault_site_name(enum sim_fault_site site);

/* faults-xen.c: when pd's injector fails this hypercall, do what Xen
 * does on such a failure (partial progress), store its return value in
 * *ret and return true. */
struct sim_platform_dom;
bool sim_fault_hypercall(struct sim_platform_dom *pd, unsigned int op,
			 unsigned long a1, unsigned long a2, unsigned long a3,
			 long *ret);

#endif /* DMAKIT_SIM_FAULTS_H */
