/* SPDX-License-Identifier: MIT */
/*
 * Workloads: ordinary drivers on the public DMA API, and the oracle that
 * checks every byte they move.
 *
 * A driver sees only include/dmakit/ (the DMA API, the platform's page
 * allocator as its kmalloc) and the DMA engine of its device
 * (sim_dev_dma_read / _write with the bus address the API returned).
 * Each workload knows what every DMA must deliver and tells the oracle;
 * the oracle counts bytes checked and wrong, faults and leaks, and keeps
 * the first few mismatches for the report.
 *
 * Everything is deterministic from the seed: each (workload, device)
 * instance has its own xorshift state.
 */
#ifndef DMAKIT_WORKLOADS_WORKLOAD_H
#define DMAKIT_WORKLOADS_WORKLOAD_H

#include "world.h"

#include <stdbool.h>
#include <stdint.h>

/* Driver bugs, selected on purpose to prove that the oracle can fail. */
enum wl_bug {
	WL_BUG_NONE = 0,
	/* Reads a FROM_DEVICE buffer before unmap / sync_for_cpu. */
	WL_BUG_SKIP_SYNC,
	/* Takes "coherent" memory from cacheable free pages. */
	WL_BUG_CACHEABLE_COHERENT,
	/* No swiotlb on the platform: buffers beyond reach cannot map. */
	WL_BUG_NO_SWIOTLB,
	/* Misuses only the DMA-API debug checker sees (misuse.c). */
	WL_BUG_SG_COUNT_MISMATCH, /* unmaps a list with another nents */
	WL_BUG_MAP_STACK,	  /* maps memory on the stack */
	WL_BUG_SEG_TOO_LONG,	  /* a segment beyond max_seg_size */
	WL_BUG_FREE_WRONG_SIZE,	  /* frees coherent memory, wrong size */
	WL_BUG_SYNC_WRONG_DIR,	  /* syncs in the wrong direction */
	WL_BUG_NR
};

const char *wl_bug_name(enum wl_bug bug);
/* Returns the bug named name, or -1. */
int wl_bug_parse(const char *name);

/* ---- the oracle ---- */

#define WL_MAX_MISMATCHES 4

struct wl_mismatch {
	char device[64];
	char op[32];
	uint64_t offset; /* first wrong byte within the transfer */
	uint64_t wrong;	 /* wrong bytes in that transfer */
	uint8_t expected, got;
};

/*
 * Where a byte of a transfer is, for the reports: the guest-physical
 * address of its buffer as the CPU side has it, and the bus address the
 * device was handed for it (which may be DMK_MAPPING_ERROR itself, from
 * a driver that never checks); known says which of the two are.
 */
#define WL_NO_ADDR UINT64_MAX /* a guest-physical address not known */
#define WL_KNOWN_PHYS 1U
#define WL_KNOWN_BUS 2U
struct wl_where {
	uint64_t phys, bus;
	unsigned int known;
};

/* A transfer's bytes: byte 0 at `first`, the rest following it, or a
 * locate function that answers for any offset (a scatterlist). */
struct wl_at {
	struct wl_where first;
	void (*locate)(const struct wl_at *at, uint64_t offset,
		       struct wl_where *out);
	const void *ctx;
};

/* Wrong bytes by device, over every transfer (not only the first few
 * mismatches kept): where the damage fell, for the reports.  The first
 * wrong transfer of each device is kept with where its first wrong byte
 * lay. */
#define WL_MAX_TALLY 16
struct wl_device_tally {
	char device[64];
	uint64_t wrong_bytes, wrong_transfers;
	struct wl_mismatch first;
	struct wl_where first_at; /* its first wrong byte */
};

struct wl_oracle {
	uint64_t checked_bytes;
	uint64_t corrupted_bytes;
	/* Maps or allocations the driver could not recover from. */
	uint64_t map_errors;
	/* Coherent allocations refused (the driver skipped that buffer). */
	uint64_t alloc_failures;
	/* Set at the end by wl_oracle_finish(). */
	uint64_t faults;
	uint64_t leaks;
	uint64_t api_errors; /* DMA-API debug checker reports */
	uint64_t pages_out;  /* pages the drivers took and did not give back */
	uint64_t foreign_maps;	    /* grant mappings the back end made */
	unsigned int workloads_ran; /* bit i: wl_workloads[i] ran */
	struct wl_mismatch mismatches[WL_MAX_MISMATCHES];
	unsigned int nr_mismatches;
	char leak_detail[160]; /* what leaked first, for the report */
	char api_detail[256];  /* the checker's first report, "" if none */
	/* Coherent buffers outside the device's own region or CMA area
	 * (its memory-region), and the first of them. */
	uint64_t misplaced;
	char misplaced_detail[160];
	struct wl_device_tally tally[WL_MAX_TALLY];
	unsigned int nr_tally; /* devices beyond WL_MAX_TALLY are not kept */
};

/* Compare what a DMA delivered with what it had to deliver. */
void wl_oracle_check(struct wl_oracle *o, const char *device, const char *op,
		     const void *expected, const void *got, size_t len);
/* The same, telling where the transfer's bytes are (struct wl_at). */
void wl_oracle_check_at(struct wl_oracle *o, const char *device, const char *op,
			const void *expected, const void *got, size_t len,
			const struct wl_at *at);
/* One run: the guest-physical address of its first byte (WL_NO_ADDR
 * when not known) and the bus address the device was given. */
static inline struct wl_at wl_at_run(uint64_t phys, uint64_t bus)
{
	return (struct wl_at){
		.first = {.phys = phys,
			  .bus = bus,
			  .known = WL_KNOWN_BUS |
				   (phys != WL_NO_ADDR ? WL_KNOWN_PHYS : 0)}};
}

/* One run the CPU checked at phys, no bus address of this device's. */
static inline struct wl_at wl_at_phys(uint64_t phys)
{
	return (struct wl_at){
		.first = {.phys = phys,
			  .known = phys != WL_NO_ADDR ? WL_KNOWN_PHYS : 0}};
}
/* A mapping or allocation failed and the driver cannot carry on. */
void wl_oracle_map_error(struct wl_oracle *o, const char *device,
			 const char *op, size_t size);
/* Count faults and leaks of the whole world after the workloads ended. */
void wl_oracle_finish(struct wl_oracle *o, struct sim_world *w);
/* True when nothing was wrong: no wrong byte, fault, leak or error. */
bool wl_oracle_ok(const struct wl_oracle *o);

/* ---- what a workload runs in ---- */

struct wl_arena;

struct wl_env {
	struct sim_world *w;
	struct wl_oracle *oracle;
	uint64_t seed;
	enum wl_bug bug;
	struct wl_arena *arenas[2]; /* the drivers' memory, per guest */
};

/* xorshift64*: small, fast, deterministic. */
static inline uint64_t wl_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static inline uint64_t wl_rand_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + wl_rand(s) % (hi - lo + 1);
}

uint64_t wl_seed_mix(uint64_t seed, uint64_t a, uint64_t b);
/* Fill buf with bytes from the stream s (the data a party writes). */
void wl_fill_pattern(uint64_t *s, void *buf, size_t len);

/*
 * The drivers' memory: 2 MiB chunks of the guest's page allocator spread
 * evenly over all of its RAM.  A freshly booted buddy allocator hands out
 * its lowest blocks first, so drivers on a quiet simulated machine would
 * never see memory above 4 GiB; on a loaded real machine a driver's
 * buffers come from every zone.  The arena gives them that: pages from
 * anywhere, including above a device's reach, where they must bounce.
 */
int wl_arena_create(struct sim_world_guest *g, struct wl_arena **out);
/* Gives every chunk back; returns pages still handed out (leaks). */
uint64_t wl_arena_destroy(struct wl_arena *a);
/* 2^order pages, from chunk hint % chunks on (the caller's random
 * choice); NULL when no chunk has room. */
void *wl_arena_alloc(struct wl_arena *a, unsigned int order, uint64_t hint,
		     dmk_phys_t *phys);
void wl_arena_free(struct wl_arena *a, dmk_phys_t phys, unsigned int order);

/*
 * A driver's kmalloc: a buffer of len bytes at byte offset 'offset' into
 * fresh pages of the drivers' arena (or, when it is full, of the guest's
 * page allocator directly).
 */
struct wl_buf {
	void *cpu; /* start of the buffer (cpu of the pages + offset) */
	dmk_phys_t phys;
	size_t len;
	/* private */
	dmk_phys_t page_phys;
	unsigned int order;
	bool from_arena;
};

int wl_buf_alloc(struct wl_env *env, struct sim_world_guest *g, uint64_t *rng,
		 size_t len, size_t offset, struct wl_buf *b);
void wl_buf_free(struct wl_env *env, struct sim_world_guest *g,
		 struct wl_buf *b);

/*
 * Coherent memory as the driver gets it: dmk_alloc_coherent, or under
 * WL_BUG_CACHEABLE_COHERENT the naive "free pages are coherent" design
 * (cacheable pages mapped once, never synced).
 */
struct wl_coherent {
	void *cpu;
	dmk_addr_t dma;
	size_t size;
	uint64_t phys; /* guest-physical of cpu, or WL_NO_ADDR */
	bool naive;
	struct wl_buf naive_buf;
};

int wl_coherent_alloc(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t *rng, size_t size, struct wl_coherent *c);
void wl_coherent_free(struct wl_env *env, struct sim_world_device *wd,
		      struct wl_coherent *c);
/* The guest-physical address of a coherent buffer from the DMA API
 * (dmk_get_sgtable: the CPU address may be a non-cacheable alias), or
 * WL_NO_ADDR when the ops cannot tell or the pages are not one run. */
uint64_t wl_coherent_phys(struct sim_world_device *wd, void *cpu,
			  dmk_addr_t dma, size_t size);

/* ---- workloads ---- */

struct wl_workload {
	const char *name;
	const char *summary;
	/* Does it run on this device of this world? */
	bool (*applies)(const struct sim_world *w,
			const struct sim_world_device *wd);
	/* Set up per-device state (rings...); returns NULL on failure
	 * after telling the oracle. */
	void *(*init)(struct wl_env *env, struct sim_world_device *wd,
		      uint64_t seed);
	/* One transaction: a packet, a request, an alloc/exchange/free. */
	void (*step)(void *state);
	/* Give everything back. */
	void (*fini)(void *state);
};

extern const struct wl_workload wl_nic;
extern const struct wl_workload wl_blk;
extern const struct wl_workload wl_coherent;
extern const struct wl_workload wl_netback;
extern const struct wl_workload wl_virtio;

/* NULL-terminated, in the order they run. */
extern const struct wl_workload *const wl_workloads[];
const struct wl_workload *wl_workload_find(const char *name);

/* ---- the driver with its own dma_ops ---- */

/*
 * "nic-own-ops": a NIC driver that installs its own dma_map_ops after the
 * platform set the device up (set_dma_ops in its probe), as drivers with
 * their own allocator policy do.  It implements its ops on the arch's
 * dma-direct for the device's coherency.  Correct on native hardware;
 * under Xen it is only safe when Xen wraps it (the 2013 thread).
 */
extern const struct dmk_dma_map_ops wl_nic_own_ops;
/* Install it on every device whose description says own_ops. */
int wl_drivers_probe(struct sim_world *w);
void wl_drivers_remove(struct sim_world *w);
/* dmk_dma_ops_chain, followed by what a driver's own ops build on:
 * "xen-swiotlb>nic-own-ops>direct-noncoherent". */
int wl_ops_chain(struct dmk_device *dev, char *buf, size_t len);

/* The misuse env->bug names, committed once on the first device (no-op
 * for the other bugs). */
void wl_misuse(struct wl_env *env);

/* ---- a whole run ---- */

struct wl_run_config {
	uint64_t seed;
	unsigned long ops;	    /* transactions over all instances */
	unsigned int workload_mask; /* bit i: wl_workloads[i]; 0 = all */
	enum wl_bug bug;
	/* Called after every observe_every operations and after the last
	 * one, with how many ran, out of ops (a report samples the bounce
	 * pool, a terminal shows progress); NULL: nothing. */
	void (*observe)(void *arg, unsigned long done, unsigned long ops);
	void *observe_arg;
	unsigned long observe_every;
};

/* Run the selected workloads on every device they apply to, interleaved
 * (seeded), then let the oracle count faults and leaks.  Returns the
 * number of (workload, device) instances that ran. */
unsigned int wl_run(struct sim_world *w, const struct wl_run_config *cfg,
		    struct wl_oracle *o);

#endif /* DMAKIT_WORKLOADS_WORKLOAD_H */
