/* SPDX-License-Identifier: MIT */
/*
 * The fault injector's counting and choosing (faults.h): which call
 * fails, and how far a batch gets before it does.  What a failure looks
 * like at each site is the site's business (platform.c, hv-faults.c).
 * Linux's counterpart: lib/fault-inject.c (should_fail with interval,
 * probability and times).
 */
#include "faults.h"

#include <dmk_env.h>
#include <string.h>

static const char *const site_names[SIM_FAULT_NR_SITES] = {
	[SIM_FAULT_ALLOC_PAGES] = "alloc_pages",
	[SIM_FAULT_MAP_UNCACHED] = "map_uncached",
	[SIM_FAULT_HYPERCALL] = "hypercall",
	[SIM_FAULT_IOMMU_MAP] = "iommu_map",
	[SIM_FAULT_ENV_ALLOC] = "env_alloc",
	[SIM_FAULT_VMAP] = "vmap",
};

const char *sim_fault_site_name(enum sim_fault_site site)
{
	return (unsigned int)site < SIM_FAULT_NR_SITES ? site_names[site] : "?";
}

static uint64_t next(uint64_t *s)
{
	/* splitmix64: any seed, including 0, gives a good stream. */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* The progress of call k's batch depends on k too: the exhaustive sweep
 * sees every partial outcome, not always the same one. */
static uint64_t stream_of(uint64_t seed, uint64_t k)
{
	return seed ^ (k * 0xD1B54A32D192ED03ULL);
}

void sim_faults_init(struct sim_faults *f, enum sim_fault_mode mode, uint64_t k,
		     uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->k = k;
	f->seed = seed;
	f->rng = stream_of(seed, k);
	pthread_mutex_init(&f->lock, NULL);
}

void sim_faults_destroy(struct sim_faults *f)
{
	pthread_mutex_destroy(&f->lock);
}

static bool should_fail(struct sim_faults *f)
{
	switch (f->mode) {
	case SIM_FAULTS_NTH:
		return f->calls == f->k;
	case SIM_FAULTS_EVERY:
		return f->k && f->calls % f->k == 0;
	case SIM_FAULTS_SEED:
		return f->k && next(&f->rng) % f->k == 0;
	default:
		return false;
	}
}

bool sim_fault_hit(struct sim_faults *f, enum sim_fault_site site,
		   const char *what)
{
	bool fail;

	if (!f || f->mode == SIM_FAULTS_OFF)
		return false;
	pthread_mutex_lock(&f->lock);
	if (f->paused) {
		pthread_mutex_unlock(&f->lock);
		return false;
	}
	f->calls++;
	f->calls_by_site[site]++;
	if (f->mode == SIM_FAULTS_COUNT && f->fork &&
	    f->fork(f->fork_arg, f, f->calls,
		    dmk_env_write_locks_held() != 0)) {
		/* The child: the run that fails call k, in the state
		 * sim_faults_init(NTH, k) would have reached by now (the
		 * stream is only drawn from once a call fails). */
		f->fork = NULL;
		f->mode = SIM_FAULTS_NTH;
		f->k = f->calls;
		f->rng = stream_of(f->seed, f->k);
	}
	fail = should_fail(f);
	if (fail && !f->injected++) {
		f->first.call = f->calls;
		f->first.site = site;
		f->first.progress = 0;
		snprintf(f->first.what, sizeof(f->first.what), "%s", what);
	}
	if (fail && f->trace)
		fprintf(f->trace, "fault: call %llu (%s) fails\n",
			(unsigned long long)f->calls, what);
	pthread_mutex_unlock(&f->lock);
	return fail;
}

void sim_faults_pause(struct sim_faults *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->paused++;
	pthread_mutex_unlock(&f->lock);
}

void sim_faults_resume(struct sim_faults *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->paused--;
	pthread_mutex_unlock(&f->lock);
}

uint64_t sim_fault_progress(struct sim_faults *f, uint64_t n)
{
	uint64_t r;

	if (n <= 1)
		return 0;
	pthread_mutex_lock(&f->lock);
	r = next(&f->rng) % n;
	pthread_mutex_unlock(&f->lock);
	return r;
}

void sim_fault_note_progress(struct sim_faults *f, uint64_t progress)
{
	pthread_mutex_lock(&f->lock);
	if (f->injected == 1)
		f->first.progress = progress;
	pthread_mutex_unlock(&f->lock);
}

static bool env_alloc_fault(void *arg, size_t size)
{
	char what[48];

	snprintf(what, sizeof(what), "env_alloc %zu bytes", size);
	return sim_fault_hit(arg, SIM_FAULT_ENV_ALLOC, what);
}

void sim_faults_attach_env(struct sim_faults *f)
{
	__atomic_store_n(&dmk_env_alloc_fault_arg, f, __ATOMIC_RELAXED);
	__atomic_store_n(&dmk_env_alloc_fault, f ? env_alloc_fault : NULL,
			 __ATOMIC_RELEASE);
}
