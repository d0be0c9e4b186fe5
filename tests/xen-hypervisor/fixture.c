// SPDX-License-Identifier: MIT
#include "fixture.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int setup(struct hv *h, enum sim_xen_arch arch, bool dom0_direct,
		 bool domu_pv)
{
	bool arm = arch == SIM_XEN_ARM;
	struct sim_bank bank = {arm ? HV_ARM_BASE : 0, HV_RAM_BYTES};
	uint64_t base = bank.base >> SIM_PAGE_SHIFT;
	int rc;

	memset(h, 0, sizeof(*h));
	h->arch = arch;
	rc = sim_machine_create(&h->m, &bank, 1, 7);
	if (!rc)
		rc = sim_xen_create(&h->x, h->m, arch, 11);
	if (!rc)
		rc = sim_domain_create(&h->dom0, h->m, 0, base, HV_DOM0_PAGES,
				       arm && dom0_direct, 4, 3);
	if (!rc)
		rc = sim_domain_create(&h->domu, h->m, 1, base, HV_DOMU_PAGES,
				       false, 4, 5);
	if (!rc && !arm)
		rc = sim_domain_make_pv(h->dom0);
	if (!rc && domu_pv)
		rc = sim_domain_make_pv(h->domu);
	if (rc)
		return rc;
	h->dom0->max_order = 18;
	h->domu->max_order = 9;
	rc = sim_xen_add_domain(h->x, h->dom0, true);
	if (!rc)
		rc = sim_xen_add_domain(h->x, h->domu, false);
	return rc;
}

int hv_setup(struct hv *h, enum sim_xen_arch arch, bool dom0_direct)
{
	return setup(h, arch, dom0_direct, arch != SIM_XEN_ARM);
}

void hv_teardown(struct hv *h)
{
	sim_domain_destroy(h->domu);
	sim_domain_destroy(h->dom0);
	sim_xen_destroy(h->x);
	sim_machine_destroy(h->m);
}

static int fx_setup(void **state, enum sim_xen_arch arch, bool dom0_direct)
{
	struct hv *h = calloc(1, sizeof(*h));

	if (!h || hv_setup(h, arch, dom0_direct)) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

int hv_fx_setup_x86_hvm_domu(void **state)
{
	struct hv *h = calloc(1, sizeof(*h));

	if (!h || setup(h, SIM_XEN_X86, false, false)) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

int hv_fx_setup_arm(void **state)
{
	return fx_setup(state, SIM_XEN_ARM, false);
}

int hv_fx_setup_arm_1to1(void **state)
{
	return fx_setup(state, SIM_XEN_ARM, true);
}

int hv_fx_setup_x86(void **state)
{
	return fx_setup(state, SIM_XEN_X86, false);
}

int hv_fx_teardown(void **state)
{
	hv_teardown(*state);
	free(*state);
	return 0;
}

long hv_call(struct hv *h, struct sim_domain *caller, unsigned int op,
	     unsigned long a1, const void *a2, unsigned long a3)
{
	return sim_xen_hypercall(h->x, caller, op, a1, (unsigned long)a2, a3);
}

uint64_t hv_counter(const struct sim_xen *x, const char *name)
{
	for (unsigned int i = 0; i < x->nr_counters; i++)
		if (strcmp(x->counters[i].name, name) == 0)
			return atomic_load(&x->counters[i].n);
	return 0;
}

uint16_t hv_owner(const struct hv *h, uint64_t mfn)
{
	int64_t idx = sim_mfn_index(h->m, mfn);

	return idx < 0 ? 0xffff : h->m->owner[idx];
}

uint64_t hv_mfn(const struct sim_domain *d, uint64_t gfn)
{
	return sim_domain_gfn_to_mfn(d, gfn, NULL);
}

uint8_t *hv_page(const struct sim_domain *d, uint64_t gfn)
{
	return d->linear + (gfn << SIM_PAGE_SHIFT);
}

uint8_t *hv_frame(const struct hv *h, uint64_t mfn)
{
	return h->m->c + (uint64_t)sim_mfn_index(h->m, mfn) * SIM_PAGE_SIZE;
}

long hv_pv_unmap(struct hv *h, struct sim_domain *d, uint64_t gfn)
{
	return hv_call(h, d, __HYPERVISOR_update_va_mapping,
		       (unsigned long)hv_page(d, gfn), (void *)0, 0);
}

long hv_pv_map(struct hv *h, struct sim_domain *d, uint64_t gfn, uint64_t mfn)
{
	return hv_call(h, d, __HYPERVISOR_update_va_mapping,
		       (unsigned long)hv_page(d, gfn),
		       (void *)(uintptr_t)((mfn << 12) | 0x63), 0);
}

long hv_balloon_out(struct hv *h, struct sim_domain *d, uint64_t gfn)
{
	xen_pfn_t frame = gfn;
	struct xen_memory_reservation r = {
		.nr_extents = 1,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	if (d->pv) {
		frame = hv_mfn(d, gfn);
		if (hv_pv_unmap(h, d, gfn))
			return -1;
	}
	set_xen_guest_handle(r.extent_start, &frame);
	return hv_call(h, d, __HYPERVISOR_memory_op,
		       XENMEM_decrease_reservation, &r, 0);
}

void hv_snapshot_take(const struct hv *h, const struct sim_domain *d,
		      struct hv_snapshot *s)
{
	s->nr_frames = h->m->nr_frames;
	s->nr_gfns = d->nr_gfns;
	s->owner = malloc(s->nr_frames * sizeof(*s->owner));
	s->p2m = malloc(s->nr_gfns * sizeof(*s->p2m));
	memcpy(s->owner, h->m->owner, s->nr_frames * sizeof(*s->owner));
	for (uint64_t i = 0; i < s->nr_gfns; i++)
		s->p2m[i] = hv_mfn(d, d->gfn_base + i);
	s->free_frames = sim_machine_free_frames(h->m);
}

bool hv_snapshot_same(const struct hv *h, const struct sim_domain *d,
		      struct hv_snapshot *s)
{
	bool same = s->free_frames == sim_machine_free_frames(h->m) &&
		    memcmp(s->owner, h->m->owner,
			   s->nr_frames * sizeof(*s->owner)) == 0;

	for (uint64_t i = 0; same && i < s->nr_gfns; i++)
		same = s->p2m[i] == hv_mfn(d, d->gfn_base + i);
	free(s->owner);
	free(s->p2m);
	return same;
}
