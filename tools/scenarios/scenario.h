/* SPDX-License-Identifier: MIT */
/*
 * The claims of the 2013 thread ("xen: introduce xen_alloc/free_coherent
 * _pages") and of the swiotlb-xen-on-ARM series, as scenarios: each runs
 * the naive design a claim warns against and dmakit's design on the same
 * simulated platform with the same seed, and the oracle says which one
 * moved wrong bytes or faulted.
 *
 *   catalog.c    the thirteen scenarios and their verdicts
 *   platforms.c  the platform descriptions the scenarios need
 *   drivers.c    two small drivers of the scenarios' own (a pool that
 *                fills up, contiguous regions under relocation)
 *   run.c        build one world, run it, count what happened
 */
#ifndef DMAKIT_TOOLS_SCENARIO_H
#define DMAKIT_TOOLS_SCENARIO_H

#include "naive.h"
#include "workload.h"
#include "world.h"

#include <stdbool.h>
#include <stdint.h>

#define SCEN_COUNT 13
#define SCEN_MAX_RUNS 2	 /* worlds one design runs on */
#define SCEN_MAX_NAIVE 2 /* naive designs of one scenario */
#define SCEN_DEFAULT_OPS 300

/* What runs on the devices of a world. */
enum scen_driver {
	SCEN_DRV_WORKLOADS,    /* wl_run: nic, blk, coherent, netback */
	SCEN_DRV_POOL_IGNORES, /* fills the pool, ignores mapping errors */
	SCEN_DRV_POOL_CHECKS,  /* fills the pool, checks and backs off */
	SCEN_DRV_REGIONS,      /* contiguous coherent regions, relocation */
};

/* One world of a design: a platform and how the OS on it is set up. */
struct scen_world {
	const char *platform; /* the label shown */
	/* Fill the description; 0, or -1 with one line in err. */
	int (*describe)(struct sim_world_desc *d, char *err, size_t errlen);
	unsigned int naive; /* NAIVE_* (naive.h) */
	bool no_xen;	    /* cfg.xen = false: plain dma-direct */
	enum xen_ops_design ops_mode;
	size_t swiotlb_bytes; /* 0: SCEN_SWIOTLB_BYTES */
	bool no_swiotlb;
	bool force_bounce;
	bool relocation;
	bool steal_page; /* the series' ARM steal_page (sim arm_steal_page) */
	enum wl_bug bug;
	const char *workloads; /* comma-separated names; NULL: all */
	enum scen_driver driver;
};

struct scen_design {
	const char *name;  /* one line: what this design does */
	const char *label; /* a few words, for the table */
	struct scen_world worlds[SCEN_MAX_RUNS];
	unsigned int nr_worlds;
};

/* What makes a scenario pass besides "naive caught, dmakit clean". */
enum scen_kind {
	SCEN_NAIVE_CAUGHT, /* naive: wrong or faults; dmakit: neither */
	SCEN_BOTH_CLEAN,   /* the claim is that the simple design works */
	/* naive: its DMA layer cannot even start, because the hypervisor
	 * refuses to make its bounce pool machine-contiguous (or, had it
	 * started, wrong or faults); dmakit: neither. */
	SCEN_NAIVE_NO_BOOT,
};

struct scenario {
	unsigned int id;
	const char *slug;
	const char *claim;	 /* one line, quoting the thread or series */
	const char *short_claim; /* for the table */
	const char *platform;	 /* one line */
	/* Where the same claim is also judged on a real machine (a command
	 * and its page), or NULL: the simulator is the only judge. */
	const char *real;
	enum scen_kind kind;
	bool dmakit_no_exchange; /* dmakit: zero exchanges and bounces */
	bool dmakit_one_warning; /* dmakit: exactly one "full" warning */
	struct scen_design naive[SCEN_MAX_NAIVE];
	unsigned int nr_naive;
	struct scen_design dmakit;
};

/* Where one device of one world went wrong (dmakit scenarios --report). */
#define SCEN_MAX_WHERE 8
struct scen_where {
	char world[48]; /* the world's platform label */
	char device[48];
	uint64_t wrong_bytes, wrong_transfers, faults;
	char first[128]; /* the first wrong transfer recorded, or "" */
	/* Where its first wrong byte lay, as the oracle found it: the
	 * buffer's guest-physical address and the bus address the device
	 * was given, each when the workload could tell. */
	struct wl_where first_at;
	char fault[160]; /* the device's last fault (bus address, why), or "" */
};

/* What one design did, summed over its worlds. */
struct scen_result {
	uint64_t checked_bytes;
	uint64_t wrong_bytes;
	uint64_t faults;
	uint64_t map_errors; /* mappings or allocations that failed */
	uint64_t exchanges;  /* XENMEM_exchange(+_and_pin) hypercalls */
	uint64_t pages_exchanged;
	uint64_t bounces;	/* swiotlb bounced maps */
	uint64_t full;		/* maps refused for a full pool */
	uint64_t full_warnings; /* "swiotlb buffer is full" lines logged */
	uint64_t pages_relocated;
	/* Bounce pool segments the hypervisor would not make
	 * machine-contiguous (the guests' "cannot be made
	 * machine-contiguous" lines). */
	uint64_t pool_refused;
	bool error;	  /* a world did not build or run */
	char detail[192]; /* the first wrong transfer or fault, or error */
	struct scen_where where[SCEN_MAX_WHERE]; /* devices that went wrong */
	unsigned int nr_where;
};

struct scen_outcome {
	const struct scenario *s;
	struct scen_result naive[SCEN_MAX_NAIVE];
	struct scen_result dmakit;
	bool pass;
	char why[160]; /* why it failed, "" when it passed */
};

/* catalog.c */
extern const struct scenario scen_catalog[SCEN_COUNT];
/* By number ("4") or slug ("stage2-contiguity"); NULL when unknown. */
const struct scenario *scen_find(const char *id);
/* Run both designs and decide. */
void scen_run_scenario(const struct scenario *s, uint64_t seed,
		       unsigned long ops, struct scen_outcome *out);
/* A design's result counts as caught: wrong bytes or faults. */
bool scen_caught(const struct scen_result *r);

/* run.c: one design, every world of it, results summed into r. */
void scen_run_design(const struct scen_design *d, uint64_t seed,
		     unsigned long ops, struct scen_result *r);

/* drivers.c */
void scen_drive_pool(struct sim_world *w, struct wl_oracle *o, uint64_t seed,
		     unsigned long ops, bool checks_errors);
void scen_drive_regions(struct sim_world *w, struct wl_oracle *o, uint64_t seed,
			unsigned long ops);

/* platforms.c */
int scen_desc_x86_native(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_x86_pv_dom0(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_x86_pv_edu(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_arm32_dom0(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_arm64_dom0(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_arm64_dom0_1to1(struct sim_world_desc *d, char *err,
			      size_t errlen);
int scen_desc_arm64_dom0_smmu(struct sim_world_desc *d, char *err,
			      size_t errlen);
int scen_desc_arm64_domu(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_arm64_dom0_one_dev(struct sim_world_desc *d, char *err,
				 size_t errlen);
int scen_desc_arm64_dom0_small(struct sim_world_desc *d, char *err,
			       size_t errlen);
int scen_desc_arm64_native(struct sim_world_desc *d, char *err, size_t errlen);
int scen_desc_arm64_domu_virtio(struct sim_world_desc *d, char *err,
				size_t errlen);
int scen_desc_x86_pvh_domu(struct sim_world_desc *d, char *err, size_t errlen);

/* Default pool of the scenarios: small, so that boots are quick. */
#define SCEN_SWIOTLB_BYTES ((size_t)4 << 20)
/* Scenario 9's pool: 512 slots, full after a few dozen mappings. */
#define SCEN_SMALL_POOL_BYTES ((size_t)1 << 20)

#endif /* DMAKIT_TOOLS_SCENARIO_H */
