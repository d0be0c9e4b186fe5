/* SPDX-License-Identifier: MIT */
/*
 * A small world for the hypervisor model's tests: one machine, the
 * hypervisor, a privileged dom0 and an unprivileged domU, on ARM (dom0
 * 1:1 or not) or x86 PV.  Real machine, cache, domain and page
 * allocator code underneath: nothing of the model is faked.
 */
#ifndef DMAKIT_TESTS_XEN_HV_FIXTURE_H
#define DMAKIT_TESTS_XEN_HV_FIXTURE_H

#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/version.h>

#include <dmakit/xen-ext.h>

#include "sim.h"

#define HV_RAM_BYTES (64UL << 20) /* 16384 frames */
#define HV_ARM_BASE 0x40000000UL
#define HV_DOM0_PAGES 4096
#define HV_DOMU_PAGES 1024

struct hv {
	struct sim_machine *m;
	struct sim_xen *x;
	struct sim_domain *dom0, *domu;
	enum sim_xen_arch arch;
};

/* Returns 0 or a negative errno; dom0_direct only matters on ARM. */
int hv_setup(struct hv *h, enum sim_xen_arch arch, bool dom0_direct);
void hv_teardown(struct hv *h);
/* cmocka setups and teardown: a struct hv of that flavour in *state. */
int hv_fx_setup_arm(void **state);
int hv_fx_setup_arm_1to1(void **state);
int hv_fx_setup_x86(void **state);
/* x86 with a PV dom0 and an autotranslated (HVM/PVH) domU. */
int hv_fx_setup_x86_hvm_domu(void **state);
int hv_fx_teardown(void **state);

long hv_call(struct hv *h, struct sim_domain *caller, unsigned int op,
	     unsigned long a1, const void *a2, unsigned long a3);
uint64_t hv_counter(const struct sim_xen *x, const char *name);

uint16_t hv_owner(const struct hv *h, uint64_t mfn);
uint64_t hv_mfn(const struct sim_domain *d, uint64_t gfn);
/* The guest's CPU view of its page gfn (through its linear map). */
uint8_t *hv_page(const struct sim_domain *d, uint64_t gfn);
/* The machine's C image of frame mfn. */
uint8_t *hv_frame(const struct hv *h, uint64_t mfn);

/* PV: unmap the linear-map page of gfn with update_va_mapping. */
long hv_pv_unmap(struct hv *h, struct sim_domain *d, uint64_t gfn);
long hv_pv_map(struct hv *h, struct sim_domain *d, uint64_t gfn, uint64_t mfn);
/* Give one page back (the guest's balloon driver): returns extents done. */
long hv_balloon_out(struct hv *h, struct sim_domain *d, uint64_t gfn);

/* A copy of what an exchange may touch: owners of every frame and the
 * p2m of a domain, to check that a refused call changed nothing. */
struct hv_snapshot {
	uint16_t *owner;
	uint64_t *p2m;
	uint64_t nr_frames, nr_gfns;
	uint64_t free_frames;
};

void hv_snapshot_take(const struct hv *h, const struct sim_domain *d,
		      struct hv_snapshot *s);
/* True when nothing changed since the snapshot (and frees it). */
bool hv_snapshot_same(const struct hv *h, const struct sim_domain *d,
		      struct hv_snapshot *s);

#endif /* DMAKIT_TESTS_XEN_HV_FIXTURE_H */
