// SPDX-License-Identifier: MIT
/*
 * The hypervisor model's view of frames, shared by the files that
 * allocate, free, steal or map them: the p2m with the machine-to-phys
 * table kept in step, freeing and scrubbing, x86 PV's "still mapped"
 * rule, and address_bits.  Called with the hypervisor lock held.
 */
#include "hv.h"
/* ---- small helpers ---- */

void sim_xen_m2p_set(struct sim_xen_impl *xi, uint64_t mfn, uint64_t gfn)
{
	int64_t idx = sim_mfn_index(xi->x.m, mfn);

	if (idx >= 0 && (uint64_t)idx < xi->nr_frames)
		xi->m2p[idx] = gfn;
}

uint64_t sim_xen_m2p_get(struct sim_xen_impl *xi, uint64_t mfn)
{
	int64_t idx = sim_mfn_index(xi->x.m, mfn);

	if (idx < 0 || (uint64_t)idx >= xi->nr_frames)
		return SIM_INVALID_MFN;
	return xi->m2p[idx];
}

bool sim_xen_gfn_in_span(const struct sim_domain *d, uint64_t gfn)
{
	return gfn >= d->gfn_base && gfn - d->gfn_base < d->nr_gfns;
}

uint64_t sim_xen_pv_va_to_gfn(const struct sim_domain *d, uint64_t va)
{
	uint64_t base = (uint64_t)(uintptr_t)d->linear;
	uint64_t gfn;

	if (va < base || va - base >= d->linear_len)
		return SIM_INVALID_MFN;
	gfn = (va - base) >> SIM_PAGE_SHIFT;
	return sim_xen_gfn_in_span(d, gfn) ? gfn : SIM_INVALID_MFN;
}

/* Change d's p2m and keep the machine-to-phys table in step. */
int sim_xen_set_p2m(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
		    uint64_t mfn, enum sim_p2m_type type)
{
	int rc = sim_domain_set_p2m(d, gfn, mfn, type);

	if (!rc && type == SIM_P2M_RAM)
		sim_xen_m2p_set(sim_xen_impl(x), mfn, gfn);
	return rc;
}

void sim_xen_free_frame(struct sim_xen *x, uint64_t mfn)
{
	sim_xen_m2p_set(sim_xen_impl(x), mfn, SIM_INVALID_MFN);
	sim_machine_free_frame(x->m, mfn);
}

void sim_xen_free_extent(struct sim_xen *x, uint64_t mfn, unsigned int order)
{
	for (uint64_t k = 0; k < (1ULL << order); k++)
		sim_xen_free_frame(x, mfn + k);
}

/* Scrub an extent as Xen does before handing it to a guest. */
void sim_xen_scrub_extent(struct sim_xen *x, uint64_t mfn, unsigned int order)
{
	sim_mem_fill(x->m, mfn << SIM_PAGE_SHIFT, 0, SIM_PAGE_SIZE << order);
}

/*
 * A PV guest's frame is referenced while its kernel maps it: Xen's
 * steal_page() refuses such a page, so a guest must unmap before it
 * exchanges or gives a frame back (Linux does, in
 * xen_create_contiguous_region and the balloon driver).
 */
bool sim_xen_pv_frame_mapped(struct sim_xen *x, const struct sim_domain *d,
			     uint64_t mfn)
{
	uint64_t gfn = sim_xen_m2p_get(sim_xen_impl(x), mfn);
	enum sim_p2m_type type;

	if (gfn == SIM_INVALID_MFN || !sim_xen_gfn_in_span(d, gfn))
		return false;
	return sim_domain_gfn_to_mfn(d, gfn, &type) == mfn;
}

/* The highest machine frame + 1 an allocation below address_bits may
 * use: 0 for no limit; *none when not even one frame fits. */
uint64_t sim_xen_address_bits_limit(unsigned int bits, bool *none)
{
	*none = false;
	if (bits == 0 || bits - SIM_PAGE_SHIFT >= 64)
		return 0;
	if (bits <= SIM_PAGE_SHIFT) {
		*none = true;
		return 0;
	}
	return 1ULL << (bits - SIM_PAGE_SHIFT);
}

uint64_t sim_xen_max_page(const struct sim_xen *x)
{
	const struct sim_machine *m = x->m;
	const struct sim_bank *last = &m->banks[m->nbanks - 1];

	return (last->base + last->size) >> SIM_PAGE_SHIFT;
}

uint16_t sim_xen_page_owner(struct sim_xen *x, uint64_t mfn)
{
	int64_t idx = sim_mfn_index(x->m, mfn);
	uint16_t owner;

	if (idx < 0)
		return SIM_DOMID_FREE;
	owner = x->m->owner[idx];
	if (owner != SIM_DOMID_XEN)
		return owner;
	for (unsigned int i = 0; i < x->nr_domains; i++) {
		struct sim_domain *d = x->domains[i];

		if (sim_grant_is_table_frame(d, mfn) ||
		    (d->grants && d->grants->shared_info_mfn == mfn))
			return d->domid;
	}
	return owner;
}

int sim_xen_p2m_replace(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
			uint64_t mfn, uint64_t n, enum sim_p2m_type type)
{
	int rc;

	if (n == 0 || gfn + n < gfn || gfn + n > d->p2m_end)
		return -XEN_EINVAL;
	for (uint64_t k = 0; k < n; k++) {
		enum sim_p2m_type t;
		uint64_t old = sim_domain_gfn_to_mfn(d, gfn + k, &t);

		if (t != SIM_P2M_FOREIGN_RW || !d->grants)
			continue;
		if (old == d->grants->shared_info_mfn)
			d->shared_info_gfn = SIM_INVALID_MFN;
		else
			sim_grant_table_unmapped(d, old);
	}
	rc = sim_domain_set_p2m_range(d, gfn, mfn, n, type);
	if (!rc && type == SIM_P2M_RAM)
		for (uint64_t k = 0; k < n; k++)
			sim_xen_m2p_set(sim_xen_impl(x), mfn + k, gfn + k);
	return rc ? -XEN_EINVAL : 0;
}

int sim_xen_unmap_gfn(struct sim_xen *x, struct sim_domain *d, uint64_t gfn)
{
	return sim_xen_p2m_replace(x, d, gfn, SIM_INVALID_MFN, 1,
				   SIM_P2M_INVALID);
}
