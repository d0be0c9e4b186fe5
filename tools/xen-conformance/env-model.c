// SPDX-License-Identifier: MIT
/*
 * The model's world, built from what a real dom0 discovered, so that
 * the same cases meet the same situation:
 *
 *   - machine RAM as Xen reported it (x86: its E820; ARM: one bank from
 *     the first RAM frame to maximum_ram_page);
 *   - dom0 with the real dom0's RAM: on ARM mapped 1:1 at the banks
 *     /proc/iomem listed, its guest-physical space reaching over the
 *     grant-table and extended regions; on x86 a PV guest with as many
 *     pages as Xen counted (which machine frames is Xen's business and
 *     no case depends on it);
 *   - dom0's limits as Xen reported them: max_pages, the highest extent
 *     order, maximum_gpfn (ARM: the p2m's highest mapping, devices
 *     included, which the model does not map; x86: what Linux wrote in
 *     shared_info);
 *   - the grant table with as many frames as real dom0's, and, on ARM,
 *     mapped where Linux mapped them (the grant-table region), and the
 *     shared_info page mapped over a page of dom0's RAM, as Linux's
 *     xen_guest_init does.
 *
 * dom0 "user space" here is the host process: a case's page is a page
 * of dom0's linear map (so a p2m change shows in it as it does in the
 * real dom0's user mapping), and its other memory is the host's.  A
 * grant is an entry written into dom0's table as Linux's gntalloc
 * writes it.
 *
 * The extension world adds what the real setup lacks: a domU, and on
 * ARM the exchange-and-pin extension.
 */
#include "xc.h"

#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>

#define DOMU_PAGES 4096

struct model {
	struct sim_machine *m;
	struct sim_xen *x;
	struct sim_domain *dom0, *domu;
	uint8_t ref_used[65536 / 8]; /* refs the model's "gntalloc" holds */
};

static long model_hypercall(struct xc_env *e, unsigned int op, unsigned long a1,
			    unsigned long a2, unsigned long a3)
{
	struct model *w = e->priv;

	return sim_xen_hypercall(w->x, w->dom0, op, a1, a2, a3);
}

static int model_page_alloc(struct xc_env *e, unsigned int order,
			    struct xc_page *pg)
{
	struct model *w = e->priv;
	uint64_t gfn = sim_pagealloc_alloc(w->dom0->alloc, order, ~0ULL);

	if (gfn == ~0ULL)
		return -1;
	pg->va = w->dom0->linear + (gfn << SIM_PAGE_SHIFT);
	pg->frame = gfn;
	memset(pg->va, 0, XC_PAGE_SIZE << order);
	return 0;
}

static void model_page_free(struct xc_env *e, struct xc_page *pg,
			    unsigned int order)
{
	struct model *w = e->priv;

	/* Pages a case could not put back are not the guest's to reuse. */
	for (uint64_t k = 0; k < (1ULL << order); k++) {
		enum sim_p2m_type type;

		sim_domain_gfn_to_mfn(w->dom0, pg->frame + k, &type);
		if (type != SIM_P2M_RAM)
			return;
	}
	sim_pagealloc_free(w->dom0->alloc, pg->frame, order);
	pg->va = NULL;
}

static uint64_t model_mfn(struct xc_env *e, uint64_t frame)
{
	struct model *w = e->priv;

	if (!w->dom0->pv)
		return frame;
	return sim_domain_gfn_to_mfn(w->dom0, frame, NULL);
}

/* Linux's gnttab_grant_foreign_access_ref(): frame and domid first,
 * then the flags that make the entry live. */
static int model_grant_alloc(struct xc_env *e, domid_t to, bool writable,
			     struct xc_grant *g)
{
	struct model *w = e->priv;
	unsigned int nr = sim_xen_grant_nr_entries(w->dom0);
	struct xc_page pg;
	grant_entry_v1_t *ent = NULL;
	grant_ref_t ref;

	for (ref = 8; ref < nr; ref++) {
		ent = sim_xen_grant_entry(w->dom0, ref);
		if (!(w->ref_used[ref / 8] & (1U << (ref % 8))) &&
		    !__atomic_load_n(&ent->flags, __ATOMIC_ACQUIRE))
			break;
	}
	if (ref >= nr || model_page_alloc(e, 0, &pg))
		return -1;
	g->va = pg.va;
	g->frame = pg.frame;
	g->ref = ref;
	w->ref_used[ref / 8] |= (uint8_t)(1U << (ref % 8));
	ent->frame = (uint32_t)(w->dom0->pv ? sim_domain_gfn_to_mfn(
						      w->dom0, pg.frame, NULL)
					    : pg.frame);
	ent->domid = to;
	__atomic_store_n(
		&ent->flags,
		(uint16_t)(GTF_permit_access | (writable ? 0 : GTF_readonly)),
		__ATOMIC_RELEASE);
	return 0;
}

/* gntalloc's release: the entry goes when nobody maps it (Linux defers
 * the rest); the page goes back. */
static void model_grant_free(struct xc_env *e, struct xc_grant *g)
{
	struct model *w = e->priv;
	grant_entry_v1_t *ent = sim_xen_grant_entry(w->dom0, g->ref);
	struct xc_page pg = {.va = g->va, .frame = g->frame};
	uint16_t flags = __atomic_load_n(&ent->flags, __ATOMIC_ACQUIRE);

	if (!(flags & (GTF_reading | GTF_writing))) {
		__atomic_store_n(&ent->flags, 0, __ATOMIC_RELEASE);
		w->ref_used[g->ref / 8] &= (uint8_t) ~(1U << (g->ref % 8));
		model_page_free(e, &pg, 0);
	}
	g->va = NULL;
}

static const struct xc_env_ops model_ops = {
	.name = "model",
	.hypercall = model_hypercall,
	.page_alloc = model_page_alloc,
	.page_free = model_page_free,
	.mfn = model_mfn,
	.grant_alloc = model_grant_alloc,
	.grant_free = model_grant_free,
};

/* ---- building the world ---- */

static uint64_t max_end(const struct xc_range *r, unsigned int n, uint64_t v)
{
	for (unsigned int i = 0; i < n; i++)
		if (r[i].end > v)
			v = r[i].end;
	return v;
}

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, errlen, __VA_ARGS__);                            \
		return -1;                                                     \
	} while (0)

static int add_to_physmap(struct model *w, unsigned int space,
			  unsigned long idx, uint64_t gfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = space,
		.idx = idx,
		.gpfn = gfn,
	};

	return (int)sim_xen_hypercall(w->x, w->dom0, __HYPERVISOR_memory_op,
				      XENMEM_add_to_physmap,
				      (unsigned long)&xatp, 0);
}

static int build_dom0(struct model *w, const struct xc_facts *f, char *err,
		      size_t errlen)
{
	bool arm = f->arch != XC_X86_64;
	int rc;

	if (arm) {
		uint64_t end;

		if (f->nram != 1)
			FAIL("dom0 has %u RAM banks; the world builds one",
			     f->nram);
		rc = sim_domain_create(&w->dom0, w->m, 0, f->ram[0].start,
				       f->ram[0].end - f->ram[0].start, true, 1,
				       1);
		if (rc)
			FAIL("dom0 at frames 0x%llx-0x%llx: %d",
			     (unsigned long long)f->ram[0].start,
			     (unsigned long long)f->ram[0].end, rc);
		end = max_end(f->ext, f->next, f->gnt_region.end);
		end = max_end(f->machine, f->nmachine, end);
		if (sim_domain_set_p2m_end(w->dom0, end))
			FAIL("cannot extend dom0's guest-physical space");
	} else {
		rc = sim_domain_create(&w->dom0, w->m, 0, 0,
				       (uint64_t)f->tot_pages, false, 1U << 20,
				       1);
		if (!rc)
			rc = sim_domain_make_pv(w->dom0);
		if (rc)
			FAIL("a PV dom0 of %ld pages: %d", f->tot_pages, rc);
		w->dom0->pv_max_pfn = (uint64_t)f->max_gpfn + 1;
	}
	w->dom0->max_order = (unsigned int)f->max_order;
	w->dom0->max_pages = (uint32_t)f->max_pages;
	if (sim_xen_add_domain(w->x, w->dom0, true))
		FAIL("cannot register dom0");
	if ((long)w->dom0->tot_pages != f->tot_pages)
		FAIL("dom0 has %llu pages, real dom0 %ld",
		     (unsigned long long)w->dom0->tot_pages, f->tot_pages);
	if (arm && f->max_gpfn > 0)
		w->dom0->max_mapped_gfn = (uint64_t)f->max_gpfn;
	/* Linux on x86 PV switches this assist on at boot
	 * (xen_start_kernel); Xen shows it in the feature submap. */
	if (!arm && sim_xen_hypercall(w->x, w->dom0, __HYPERVISOR_vm_assist,
				      VMASST_CMD_enable,
				      VMASST_TYPE_pae_extended_cr3, 0))
		FAIL("vm_assist refused");
	return 0;
}

/* The table as Linux left it: as many frames, mapped (ARM) one after
 * the other from the grant-table region's start (gnttab_init). */
static int build_grants(struct model *w, const struct xc_facts *f, char *err,
			size_t errlen)
{
	if (sim_xen_grant_set_frames(w->x, w->dom0, (unsigned int)f->gnt_frames,
				     (unsigned int)f->gnt_max_frames))
		FAIL("a grant table of %ld frames (at most %ld)", f->gnt_frames,
		     f->gnt_max_frames);
	if (f->arch == XC_X86_64)
		return 0;
	for (long i = 0; i < f->gnt_frames; i++)
		if (add_to_physmap(w, XENMAPSPACE_grant_table, (unsigned long)i,
				   f->gnt_region.start + (uint64_t)i))
			FAIL("cannot map grant frame %ld", i);
	return 0;
}

/* Linux on ARM maps shared_info over a page of its own RAM at boot; that
 * page is the kernel's, so the allocator never hands it out. */
static int build_shared_info(struct model *w, char *err, size_t errlen)
{
	uint64_t gfn = sim_pagealloc_alloc(w->dom0->alloc, 0, ~0ULL);

	if (gfn == ~0ULL || add_to_physmap(w, XENMAPSPACE_shared_info, 0, gfn))
		FAIL("cannot map shared_info");
	return 0;
}

static int build_domu(struct model *w, const struct xc_facts *f, char *err,
		      size_t errlen)
{
	uint64_t base = f->arch == XC_X86_64 ? 0 : f->machine[0].start;
	int rc = sim_domain_create(&w->domu, w->m, 1, base, DOMU_PAGES, false,
				   4, 2);

	if (!rc && f->arch == XC_X86_64)
		rc = sim_domain_make_pv(w->domu);
	if (!rc)
		rc = sim_xen_add_domain(w->x, w->domu, false);
	if (rc)
		FAIL("cannot build the domU: %d", rc);
	return 0;
}

static int build(struct model *w, const struct xc_facts *f, bool extension,
		 char *err, size_t errlen)
{
	struct sim_bank banks[SIM_MAX_BANKS];
	bool arm = f->arch != XC_X86_64;

	if (f->nmachine > SIM_MAX_BANKS)
		FAIL("%u RAM ranges; the machine takes %d", f->nmachine,
		     SIM_MAX_BANKS);
	for (unsigned int i = 0; i < f->nmachine; i++) {
		banks[i].base = f->machine[i].start << SIM_PAGE_SHIFT;
		banks[i].size = (f->machine[i].end - f->machine[i].start)
				<< SIM_PAGE_SHIFT;
	}
	if (sim_machine_create(&w->m, banks, f->nmachine, 1))
		FAIL("cannot build the machine's RAM");
	if (sim_xen_create(&w->x, w->m, arm ? SIM_XEN_ARM : SIM_XEN_X86, 1))
		FAIL("cannot build the hypervisor");
	w->x->long_bits = f->arch == XC_ARM32 ? 32 : 64;
	w->x->exchange_and_pin = extension && arm;
	if (build_dom0(w, f, err, errlen) || build_grants(w, f, err, errlen))
		return -1;
	if (arm && build_shared_info(w, err, errlen))
		return -1;
	if (extension && build_domu(w, f, err, errlen))
		return -1;
	return 0;
}

static void teardown(struct model *w)
{
	sim_domain_destroy(w->domu);
	sim_domain_destroy(w->dom0);
	sim_xen_destroy(w->x);
	sim_machine_destroy(w->m);
	free(w);
}

int xc_env_model_open(struct xc_env *e, const struct xc_facts *f,
		      bool extension, char *err, size_t errlen)
{
	struct model *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (build(w, f, extension, err, errlen)) {
		teardown(w);
		return -1;
	}
	if (xc_bad_mem_init(&e->bad)) {
		snprintf(err, errlen, "cannot map test memory");
		teardown(w);
		return -1;
	}
	e->ops = &model_ops;
	e->facts = *f;
	e->extension = extension;
	e->priv = w;
	return 0;
}

void xc_env_model_close(struct xc_env *e)
{
	if (e->priv)
		teardown(e->priv);
	e->priv = NULL;
}
