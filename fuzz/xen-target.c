/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor model under fuzzing: a small machine with a privileged
 * dom0 and an unprivileged domU (ARM with dom0 1:1 or not, or x86 PV;
 * with or without the exchange-and-pin extension), driven through
 * sim_xen_hypercall by a sequence of memory_op and grant_table_op calls
 * whose argument structures come from the input.
 *
 * After every call the world must still add up:
 *   - every machine frame is free, one registered domain's, or Xen's
 *     and then a page Xen shares with a domain (grant-table frames,
 *     shared_info), and the free count agrees;
 *   - a domain's own-RAM p2m entries point at frames it owns, distinct
 *     ones when the domain is translated, 1:1 when it is direct-mapped;
 *     any other entry points at a frame some domain owns or shares;
 *   - the return value is one Xen can give for that call, and a call
 *     that reports no progress changed nothing (owners, p2m, pins),
 *     except that asking for grant frames grows the table (as Xen's
 *     gnttab_grow_table() does whatever happens next);
 *   - an exchange conserves every domain's page count, and the
 *     reservation calls change it by the progress they report (plus,
 *     at most, the one extent Xen allocated and could not map or tell);
 *   - a handle that points nowhere (NULL, unmapped, read-only where Xen
 *     writes, too short, in Xen's range on x86) is an -EFAULT (or, for
 *     ballooning, no progress) and changes nothing; never a crash.
 */
#include "target.h"

#include <stdarg.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/version.h>

#include <dmakit/xen-ext.h>

#include "sim.h"

const char fuzz_target_name[] = "xen";

#define XF_RAM_BYTES (8UL << 20) /* 2048 frames */
#define XF_ARM_BASE 0x40000000UL
#define XF_DOM0_PAGES 512
#define XF_DOMU_PAGES 256
#define XF_LIST_CAP 512 /* extents a list holds: 2^9 covers order 0 -> 9 */
#define XF_MAX_OPS 96
#define XF_MAX_MAPS 32
#define XF_REFS 8	  /* grant refs the fuzzer writes, so maps meet them */
#define XF_PTE_FLAGS 0x63 /* present, rw, accessed, dirty */

struct xf_snap_entry {
	uint64_t mfn;
	uint8_t type;
	bool pinned;
};

struct xf_snap {
	uint16_t *owner;
	struct xf_snap_entry *p2m[2];
	uint64_t free_frames;
	uint64_t owned[2];
};

struct xf_map {
	unsigned int dom; /* index of the mapping domain */
	grant_handle_t handle;
	uint64_t host_addr, dev_bus_addr;
};

struct xf {
	struct sim_machine *m;
	struct sim_xen *x;
	struct sim_domain *dom[2];
	bool arm, pin_ext, steal;
	struct fuzz_in in;
	xen_pfn_t list_in[XF_LIST_CAP], list_out[XF_LIST_CAP];
	xen_pfn_t saved_out[XF_LIST_CAP]; /* list_out before the call */
	xen_pfn_t saved_in[XF_LIST_CAP];  /* list_in before the call */
	struct xf_map maps[XF_MAX_MAPS];
	unsigned int nr_maps;
	uint64_t recent[2][8];	      /* frames a PV domain was handed lately */
	uint64_t gfn_in[XF_LIST_CAP]; /* the gfns behind the last list */
	uint64_t gfn_unmap[XF_LIST_CAP]; /* an exchange's input gfns */
	uint64_t pinned[8]; /* gfns exchange_and_pin returned lately */
	unsigned int last_granter, last_ref; /* the last entry written */
	struct xf_snap snap;
	const char *op;
	/* Memory bad handles point at: a PROT_NONE page, a read-only page
	 * (zeros), and a RW page followed by a PROT_NONE one. */
	uint8_t *bad_none, *bad_ro, *bad_tail;
};

static void __attribute__((noreturn, format(printf, 2, 3)))
broken(const struct xf *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xen-fuzz: after %s (%s%s%s): ", f->op,
		f->arm ? "arm" : "x86-pv",
		f->pin_ext ? ", exchange-and-pin" : "",
		f->steal ? ", steal" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- the world ---- */

/*
 * Give the top XF_HOLES pages of d back, as a guest's balloon driver
 * does to make room for grant mappings: the world starts with holes.
 */
#define XF_HOLES 8
static int balloon_out_top(struct xf *f, struct sim_domain *d)
{
	xen_pfn_t frames[XF_HOLES];
	struct xen_memory_reservation r = {
		.nr_extents = XF_HOLES,
		.domid = DOMID_SELF,
	};
	uint64_t top = d->gfn_base + d->nr_gfns - XF_HOLES;

	for (unsigned int k = 0; k < XF_HOLES; k++) {
		uint64_t va = (uint64_t)(uintptr_t)d->linear +
			      ((top + k) << SIM_PAGE_SHIFT);

		frames[k] = d->pv ? sim_domain_gfn_to_mfn(d, top + k, NULL)
				  : top + k;
		if (d->pv &&
		    sim_xen_hypercall(f->x, d, __HYPERVISOR_update_va_mapping,
				      (unsigned long)va, 0, 0))
			return -1;
	}
	set_xen_guest_handle(r.extent_start, frames);
	return sim_xen_hypercall(f->x, d, __HYPERVISOR_memory_op,
				 XENMEM_decrease_reservation, (unsigned long)&r,
				 0) == XF_HOLES
		       ? 0
		       : -1;
}

static uint8_t *map_pages(size_t n, int prot)
{
	void *p = mmap(NULL, n * SIM_PAGE_SIZE, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int bad_memory_setup(struct xf *f)
{
	f->bad_none = map_pages(1, PROT_NONE);
	f->bad_ro = map_pages(1, PROT_READ);
	f->bad_tail = map_pages(2, PROT_READ | PROT_WRITE);
	if (!f->bad_none || !f->bad_ro || !f->bad_tail)
		return -1;
	return mprotect(f->bad_tail + SIM_PAGE_SIZE, SIM_PAGE_SIZE, PROT_NONE);
}

static int xf_setup(struct xf *f, uint8_t config)
{
	struct sim_bank bank;
	uint64_t base;
	bool direct;
	int rc;

	f->arm = !(config & 1);
	f->pin_ext = config & 2;
	direct = f->arm && (config & 4);
	f->steal = f->arm && f->pin_ext && (config & 8);
	bank.base = f->arm ? XF_ARM_BASE : 0;
	bank.size = XF_RAM_BYTES;
	base = bank.base >> SIM_PAGE_SHIFT;
	rc = sim_machine_create(&f->m, &bank, 1, 7);
	if (!rc)
		rc = sim_xen_create(&f->x, f->m,
				    f->arm ? SIM_XEN_ARM : SIM_XEN_X86, 11);
	if (!rc)
		rc = sim_domain_create(&f->dom[0], f->m, 0, base, XF_DOM0_PAGES,
				       direct, 4, 3);
	if (!rc)
		rc = sim_domain_create(&f->dom[1], f->m, 1, base, XF_DOMU_PAGES,
				       false, 4, 5);
	if (!rc && !f->arm)
		rc = sim_domain_make_pv(f->dom[0]);
	if (!rc && !f->arm)
		rc = sim_domain_make_pv(f->dom[1]);
	if (rc)
		return rc;
	f->x->exchange_and_pin = f->pin_ext;
	f->x->arm_steal_page = f->steal;
	f->dom[0]->max_order = 10;
	f->dom[1]->max_order = 9;
	rc = sim_xen_add_domain(f->x, f->dom[0], true);
	if (!rc)
		rc = sim_xen_add_domain(f->x, f->dom[1], false);
	for (int i = 0; !rc && i < 2; i++)
		rc = balloon_out_top(f, f->dom[i]);
	if (!rc)
		rc = bad_memory_setup(f);
	return rc;
}

static void xf_teardown(struct xf *f)
{
	if (f->bad_none)
		munmap(f->bad_none, SIM_PAGE_SIZE);
	if (f->bad_ro)
		munmap(f->bad_ro, SIM_PAGE_SIZE);
	if (f->bad_tail)
		munmap(f->bad_tail, 2 * SIM_PAGE_SIZE);
	sim_domain_destroy(f->dom[1]);
	sim_domain_destroy(f->dom[0]);
	sim_xen_destroy(f->x);
	sim_machine_destroy(f->m);
}

static uint16_t owner_of(const struct xf *f, uint64_t mfn)
{
	int64_t idx = sim_mfn_index(f->m, mfn);

	return idx < 0 ? 0xffff : f->m->owner[idx];
}

static uint64_t owned_count(const struct xf *f, uint16_t domid)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < f->m->nr_frames; i++)
		n += f->m->owner[i] == domid;
	return n;
}

/* The machine frame of d's grant table (the model keeps it in C). */
static uint64_t table_mfn(const struct xf *f, struct sim_domain *d)
{
	uint8_t *e = sim_xen_grant_entries(d, NULL);

	return sim_index_mfn(f->m, (uint64_t)(e - f->m->c) / SIM_PAGE_SIZE);
}

static bool is_domid(const struct xf *f, uint16_t id)
{
	return id == f->dom[0]->domid || id == f->dom[1]->domid;
}

/* ---- invariants that hold between any two calls ---- */

static void check_frames(const struct xf *f)
{
	uint64_t free_frames = 0, xen = 0, xen_all = 0;

	for (uint64_t i = 0; i < f->m->nr_frames; i++) {
		xen_all += f->m->owner[i] == SIM_DOMID_XEN;
		uint16_t o = f->m->owner[i];

		if (o == SIM_DOMID_FREE)
			free_frames++;
		else if (o == SIM_DOMID_XEN)
			xen += is_domid(
				f, sim_xen_page_owner(f->x,
						      sim_index_mfn(f->m, i)));
		else if (!is_domid(f, o))
			broken(f, "frame %#llx owned by unknown domain %u",
			       (unsigned long long)sim_index_mfn(f->m, i), o);
	}
	if (free_frames != sim_machine_free_frames(f->m))
		broken(f, "%llu frames free, the allocator counts %llu",
		       (unsigned long long)free_frames,
		       (unsigned long long)sim_machine_free_frames(f->m));
	if (xen != xen_all)
		broken(f, "Xen holds %llu frames it shares with no domain",
		       (unsigned long long)(xen_all - xen));
}

static void check_p2m(const struct xf *f, struct sim_domain *d, uint8_t *seen)
{
	memset(seen, 0, f->m->nr_frames);
	for (uint64_t g = d->gfn_base; g < d->gfn_base + d->nr_gfns; g++) {
		enum sim_p2m_type type;
		uint64_t mfn = sim_domain_gfn_to_mfn(d, g, &type);
		int64_t idx = sim_mfn_index(f->m, mfn);
		uint16_t o = owner_of(f, mfn);

		if (type == SIM_P2M_INVALID)
			continue;
		if (idx < 0)
			broken(f, "dom%u gfn %#llx -> %#llx, not RAM", d->domid,
			       (unsigned long long)g, (unsigned long long)mfn);
		if (type == SIM_P2M_RAM) {
			if (o != d->domid)
				broken(f,
				       "dom%u gfn %#llx -> own-RAM %#llx owned by %u",
				       d->domid, (unsigned long long)g,
				       (unsigned long long)mfn, o);
			if (!d->pv && seen[idx]++)
				broken(f, "dom%u maps %#llx at two gfns",
				       d->domid, (unsigned long long)mfn);
			if (d->direct_mapped && mfn != g)
				broken(f, "dom%u is 1:1 but gfn %#llx -> %#llx",
				       d->domid, (unsigned long long)g,
				       (unsigned long long)mfn);
			continue;
		}
		if (!is_domid(f, sim_xen_page_owner(f->x, mfn)))
			broken(f,
			       "dom%u gfn %#llx -> foreign %#llx owned by %u",
			       d->domid, (unsigned long long)g,
			       (unsigned long long)mfn, o);
	}
}

static void check_world(const struct xf *f)
{
	uint8_t *seen = malloc(f->m->nr_frames);

	if (!seen)
		abort();
	check_frames(f);
	check_p2m(f, f->dom[0], seen);
	check_p2m(f, f->dom[1], seen);
	free(seen);
}

/* ---- snapshots: a call that did nothing changed nothing ---- */

static void snap_take(struct xf *f)
{
	struct xf_snap *s = &f->snap;

	memcpy(s->owner, f->m->owner, f->m->nr_frames * sizeof(*s->owner));
	s->free_frames = sim_machine_free_frames(f->m);
	for (int i = 0; i < 2; i++) {
		struct sim_domain *d = f->dom[i];

		for (uint64_t k = 0; k < d->nr_gfns; k++) {
			enum sim_p2m_type type;
			uint64_t g = d->gfn_base + k;

			s->p2m[i][k].mfn = sim_domain_gfn_to_mfn(d, g, &type);
			s->p2m[i][k].type = (uint8_t)type;
			s->p2m[i][k].pinned = sim_domain_is_pinned(d, g);
		}
		s->owned[i] = owned_count(f, d->domid);
	}
}

/* Frame owners as in the snapshot, but for free frames that became
 * pages Xen shares with a domain (a grown grant table, shared_info)
 * when growth is allowed. */
static void owners_same(const struct xf *f, bool growth, const char *why)
{
	const struct xf_snap *s = &f->snap;
	uint64_t grown = 0;

	for (uint64_t i = 0; i < f->m->nr_frames; i++) {
		if (s->owner[i] == f->m->owner[i])
			continue;
		if (growth && s->owner[i] == SIM_DOMID_FREE &&
		    f->m->owner[i] == SIM_DOMID_XEN) {
			grown++;
			continue;
		}
		broken(f, "%s, yet frame owners changed", why);
	}
	if (s->free_frames != sim_machine_free_frames(f->m) + grown)
		broken(f, "%s, yet the free count changed", why);
}

static void snap_compare(const struct xf *f, bool with_pins, bool growth,
			 const char *why);

/* Compare with the snapshot; pins too when with_pins. */
static void snap_same(const struct xf *f, bool with_pins, const char *why)
{
	snap_compare(f, with_pins, false, why);
}

/* The same, but a grant table may have grown. */
static void snap_same_but_growth(const struct xf *f, const char *why)
{
	snap_compare(f, true, true, why);
}

static void snap_compare(const struct xf *f, bool with_pins, bool growth,
			 const char *why)
{
	const struct xf_snap *s = &f->snap;

	owners_same(f, growth, why);
	for (int i = 0; i < 2; i++) {
		struct sim_domain *d = f->dom[i];

		for (uint64_t k = 0; k < d->nr_gfns; k++) {
			enum sim_p2m_type type;
			uint64_t g = d->gfn_base + k;
			uint64_t mfn = sim_domain_gfn_to_mfn(d, g, &type);

			if (mfn != s->p2m[i][k].mfn ||
			    type != s->p2m[i][k].type)
				broken(f, "%s, yet dom%u gfn %#llx changed",
				       why, d->domid, (unsigned long long)g);
			if (with_pins &&
			    sim_domain_is_pinned(d, g) != s->p2m[i][k].pinned)
				broken(f, "%s, yet dom%u gfn %#llx (un)pinned",
				       why, d->domid, (unsigned long long)g);
		}
	}
}

static void snap_owned_delta(const struct xf *f, int64_t delta0, int64_t delta1)
{
	int64_t want[2] = {delta0, delta1};

	for (int i = 0; i < 2; i++) {
		int64_t now = (int64_t)owned_count(f, f->dom[i]->domid);

		if (now - (int64_t)f->snap.owned[i] != want[i])
			broken(f, "dom%u owns %lld frames, expected %lld",
			       f->dom[i]->domid, (long long)now,
			       (long long)f->snap.owned[i] + want[i]);
	}
}

/* Domain i's page count moved by lo..hi frames, the other's not at all. */
static void owned_delta_between(const struct xf *f, unsigned int i, int64_t lo,
				int64_t hi)
{
	int64_t now = (int64_t)owned_count(f, f->dom[i]->domid);
	int64_t other = (int64_t)owned_count(f, f->dom[!i]->domid);

	if (now - (int64_t)f->snap.owned[i] < lo ||
	    now - (int64_t)f->snap.owned[i] > hi ||
	    other != (int64_t)f->snap.owned[!i])
		broken(f, "dom%u owns %lld frames, expected %lld..%lld",
		       f->dom[i]->domid, (long long)now,
		       (long long)f->snap.owned[i] + lo,
		       (long long)f->snap.owned[i] + hi);
}

static void check_rc(const struct xf *f, long rc, const int *allowed)
{
	if (rc == 0)
		return;
	for (; *allowed; allowed++)
		if (rc == -*allowed)
			return;
	broken(f, "returned %ld, not in Xen's error set for the call", rc);
}

/* ---- picking arguments ---- */

static struct sim_domain *pick_dom(struct xf *f, unsigned int *idx)
{
	unsigned int i = fuzz_u8(&f->in) & 1;

	if (idx)
		*idx = i;
	return f->dom[i];
}

static domid_t pick_domid(struct xf *f)
{
	uint8_t v = fuzz_u8(&f->in);

	if (v < 160)
		return DOMID_SELF;
	if (v < 200)
		return 0;
	if (v < 240)
		return 1;
	if (v < 248)
		return 2; /* nobody */
	if (v < 252)
		return DOMID_XEN;
	return fuzz_u16(&f->in);
}

static unsigned int pick_order(struct xf *f)
{
	uint8_t v = fuzz_u8(&f->in);

	if (v < 192)
		return v % 3;
	if (v < 250)
		return v % 11;
	return fuzz_u8(&f->in);
}

/* A hole of d at or after a gfn the input picks, or any gfn. */
static uint64_t find_hole(const struct sim_domain *d, uint64_t from)
{
	for (uint64_t k = 0; k < d->nr_gfns; k++) {
		uint64_t g = d->gfn_base + (from + k) % d->nr_gfns;
		enum sim_p2m_type type;

		sim_domain_gfn_to_mfn(d, g, &type);
		if (type == SIM_P2M_INVALID)
			return g;
	}
	return d->gfn_base + from % d->nr_gfns;
}

static uint64_t pick_gfn(struct xf *f, struct sim_domain *d)
{
	uint8_t v = fuzz_u8(&f->in);
	uint64_t r = fuzz_u16(&f->in);

	if (v < 200)
		return d->gfn_base + r % d->nr_gfns;
	if (v < 245)
		return find_hole(d, r);
	return fuzz_u64(&f->in);
}

/* What d names a frame of its own by: a gfn, or for PV the mfn. */
static uint64_t gmfn_of(struct xf *f, struct sim_domain *d, uint64_t gfn)
{
	uint64_t mfn;
	unsigned int i = d == f->dom[1];
	uint8_t v;

	if (!d->pv)
		return gfn;
	v = fuzz_u8(&f->in);
	if (v >= 224)
		return f->recent[i][v % 8];
	mfn = sim_domain_gfn_to_mfn(d, gfn, NULL);
	return mfn == SIM_INVALID_MFN ? gfn : mfn;
}

/* The domain a call's domid names, as Xen would resolve it. */
static struct sim_domain *target_of(struct xf *f, struct sim_domain *caller,
				    domid_t id)
{
	if (id == DOMID_SELF)
		return caller;
	for (int i = 0; i < 2; i++)
		if (f->dom[i]->domid == id)
			return f->dom[i];
	return NULL;
}

static void remember_frame(struct xf *f, struct sim_domain *d, uint64_t mfn)
{
	unsigned int i = d == f->dom[1];

	memmove(&f->recent[i][1], &f->recent[i][0], 7 * sizeof(uint64_t));
	f->recent[i][0] = mfn;
}

/*
 * Fill an extent list: a run from one start (what Linux's contiguous
 * region code passes), or a scatter of picks.  Entries name frames as
 * the target domain does.
 */
static void fill_list(struct xf *f, struct sim_domain *d, xen_pfn_t *list,
		      uint64_t n, unsigned int order, uint64_t start)
{
	bool run = fuzz_u8(&f->in) < 170;

	if (n > XF_LIST_CAP)
		n = XF_LIST_CAP;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t gfn =
			run ? start + (i << (order & 31)) : pick_gfn(f, d);

		f->gfn_in[i] = gfn;
		list[i] = gmfn_of(f, d, gfn);
	}
}

/* ---- memory_op ---- */

static const int exchange_errors[] = {XEN_EPERM,  XEN_EINVAL, XEN_EFAULT,
				      XEN_ESRCH,  XEN_ENOMEM, XEN_EOPNOTSUPP,
				      XEN_ENOSYS, 0};

/* nr_extents for a list of order 'order' covering 'pages' pages. */
static uint64_t extents_for(uint64_t pages, unsigned int order)
{
	uint64_t n = order < 64 ? pages >> order : 0;

	return n ? n : 1;
}

static void exchange_lists(struct xf *f, struct sim_domain *d,
			   struct xen_memory_exchange *e)
{
	unsigned int in_o = e->in.extent_order, out_o = e->out.extent_order;
	unsigned int hi = in_o > out_o ? in_o : out_o;
	uint8_t mode = fuzz_u8(&f->in) % 8;
	uint64_t start = d ? pick_gfn(f, d) : 0, pages;

	if (mode < 6 && hi <= 9) {
		pages = (1ULL << hi) * (1 + (mode & 1));
		e->in.nr_extents = extents_for(pages, in_o);
		e->out.nr_extents = extents_for(pages, out_o);
	} else if (mode == 6 || in_o == 0) {
		e->in.nr_extents = fuzz_u16(&f->in) % XF_LIST_CAP;
		e->out.nr_extents = fuzz_u16(&f->in) % XF_LIST_CAP;
	} else {
		/* Past what nr << order can hold: Xen must refuse it before
		 * reading a list (so the lists need not be that long). */
		e->in.nr_extents = in_o < 64 ? (~0UL >> in_o) + 1 : ~0UL;
		e->out.nr_extents = 1;
	}
	if (e->in.nr_extents > XF_LIST_CAP && mode < 7)
		e->in.nr_extents = XF_LIST_CAP;
	if (e->out.nr_extents > XF_LIST_CAP)
		e->out.nr_extents = XF_LIST_CAP;
	if (d) {
		fill_list(f, d, f->list_in, e->in.nr_extents, in_o, start);
		memcpy(f->gfn_unmap, f->gfn_in, sizeof(f->gfn_unmap));
		/* Translated: the outputs go where the inputs were. */
		fill_list(f, d, f->list_out, e->out.nr_extents, out_o,
			  fuzz_u8(&f->in) < 200 ? start : pick_gfn(f, d));
		/* PV: the outputs are pfns, for Xen's m2p. */
		if (d->pv && fuzz_u8(&f->in) < 200)
			memcpy(f->list_out, f->gfn_in, sizeof(f->list_out));
	}
	set_xen_guest_handle(e->in.extent_start, f->list_in);
	set_xen_guest_handle(e->out.extent_start, f->list_out);
	switch (fuzz_u8(&f->in) % 16) {
	case 0:
		set_xen_guest_handle(e->in.extent_start, NULL);
		break;
	case 1: /* overlapping lists: Xen reads each chunk's inputs first */
		set_xen_guest_handle(e->out.extent_start, f->list_in);
		break;
	default:
		break;
	}
}

/*
 * Is gfn, which output extent j of a translated guest mapped, named
 * again by the rest of the exchange?  Xen works chunk by chunk in list
 * order: a later output extent naming gfn maps it over (the earlier
 * frames stay the guest's, unmapped), and a later chunk naming it as an
 * input exchanges the new frames away.  Either way there is nothing of
 * extent j left to check there.
 */
static bool renamed_later(const struct xf *f,
			  const struct xen_memory_exchange *e, uint64_t j,
			  uint64_t gfn)
{
	unsigned int in_o = e->in.extent_order, out_o = e->out.extent_order;
	/* Both lists in chunks of the larger extent (memory_exchange). */
	unsigned int in_chunk = out_o > in_o ? out_o - in_o : 0;
	unsigned int out_chunk = in_o > out_o ? in_o - out_o : 0;
	uint64_t chunk = j >> out_chunk;

	for (uint64_t l = j + 1; l < e->out.nr_extents; l++)
		if (gfn - f->saved_out[l] < (1ULL << out_o))
			return true;
	for (uint64_t i = (chunk + 1) << in_chunk;
	     i < e->in.nr_extents && i < XF_LIST_CAP; i++)
		if (gfn - f->list_in[i] < (1ULL << in_o))
			return true;
	return false;
}

/*
 * After a successful exchange every output page is d's own RAM: for PV
 * the list now holds its machine frames; for a translated guest the
 * gfns it named map them (pinned for exchange-and-pin), and when Xen
 * told the machine frames they are the ones mapped.
 */
static void check_exchanged(struct xf *f, struct sim_domain *d,
			    const struct xen_memory_exchange *e, bool pin)
{
	unsigned int order = e->out.extent_order;
	bool told = d->pv || pin || f->steal;

	if (e->out.extent_start.p != f->list_out)
		return;
	for (uint64_t j = 0; j < e->out.nr_extents; j++) {
		for (uint64_t k = 0; k < (1ULL << order); k++) {
			uint64_t mfn = f->list_out[j] + k;
			uint64_t gfn = f->saved_out[j] + k;
			enum sim_p2m_type type = SIM_P2M_RAM;

			if (!d->pv && renamed_later(f, e, j, gfn))
				continue;
			if (!d->pv) {
				uint64_t at =
					sim_domain_gfn_to_mfn(d, gfn, &type);

				if (type != SIM_P2M_RAM || (told && at != mfn))
					broken(f,
					       "exchanged gfn %#llx -> %#llx, told %#llx",
					       (unsigned long long)gfn,
					       (unsigned long long)at,
					       (unsigned long long)mfn);
				if (pin && !sim_domain_is_pinned(d, gfn))
					broken(f,
					       "exchanged gfn %#llx not pinned",
					       (unsigned long long)gfn);
				if (pin && !k) {
					memmove(&f->pinned[1], &f->pinned[0],
						7 * sizeof(uint64_t));
					f->pinned[0] = gfn;
				}
				mfn = at;
			}
			if (owner_of(f, mfn) != d->domid)
				broken(f, "exchange output %#llx not dom%u's",
				       (unsigned long long)mfn, d->domid);
		}
		if (d->pv)
			remember_frame(f, d, f->list_out[j]);
	}
}

/* What Linux's xen_create_contiguous_region does around the exchange on
 * x86 PV: unmap the input pages first (Xen cannot steal a mapped page),
 * map the new frames at the output pfns after. */
static void pv_update(struct xf *f, struct sim_domain *d, uint64_t gfn,
		      uint64_t pte)
{
	static const int errors[] = {XEN_EINVAL, 0};
	uint64_t va = (uint64_t)(uintptr_t)d->linear + (gfn << SIM_PAGE_SHIFT);

	check_rc(f,
		 sim_xen_hypercall(f->x, d, __HYPERVISOR_update_va_mapping,
				   (unsigned long)va, (unsigned long)pte, 0),
		 errors);
}

static void pv_unmap_inputs(struct xf *f, struct sim_domain *d,
			    const struct xen_memory_exchange *e)
{
	uint64_t n =
		e->in.nr_extents < XF_LIST_CAP ? e->in.nr_extents : XF_LIST_CAP;
	unsigned int order = e->in.extent_order < 10 ? e->in.extent_order : 0;

	/* Far more pages than the domain has would only cost time. */
	if ((n << order) > XF_DOM0_PAGES)
		return;
	for (uint64_t i = 0; i < n; i++)
		for (uint64_t k = 0; k < (1ULL << order); k++)
			pv_update(f, d, f->gfn_unmap[i] + k, 0);
}

static void pv_map_outputs(struct xf *f, struct sim_domain *d,
			   const struct xen_memory_exchange *e)
{
	unsigned int order = e->out.extent_order;

	if (e->out.extent_start.p != f->list_out)
		return;
	for (uint64_t j = 0; j < e->out.nr_extents; j++)
		for (uint64_t k = 0; k < (1ULL << order); k++)
			pv_update(f, d, f->saved_out[j] + k,
				  ((f->list_out[j] + k) << SIM_PAGE_SHIFT) |
					  XF_PTE_FLAGS);
}

/* Does the out list name a gfn d's p2m cannot hold? */
static bool outputs_past_p2m(const struct xf *f, const struct sim_domain *d,
			     const struct xen_memory_exchange *e)
{
	unsigned int order =
		e->out.extent_order < 20 ? e->out.extent_order : 20;

	if (e->out.extent_start.p != f->list_out &&
	    e->out.extent_start.p != f->list_in)
		return false;
	for (uint64_t j = 0; j < e->out.nr_extents && j < XF_LIST_CAP; j++) {
		uint64_t g = e->out.extent_start.p == f->list_out
				     ? f->saved_out[j]
				     : f->saved_in[j];

		if (g + (1ULL << order) > d->p2m_end || g + (1ULL << order) < g)
			return true;
	}
	return false;
}

/* Input extents per chunk, as Xen counts them (log2). */
static unsigned int chunk_order(const struct xen_memory_exchange *e)
{
	unsigned int in = e->in.extent_order, out = e->out.extent_order;

	return in < out && out - in < 64 ? out - in : 0;
}

static long op_exchange(struct xf *f, struct sim_domain *caller, bool pin)
{
	struct xen_memory_exchange e = {0};
	struct sim_domain *d;
	unsigned int cmd = pin ? DMK_XENMEM_exchange_and_pin : XENMEM_exchange;
	xen_ulong_t first, first_chunk;
	long rc;

	f->op = pin ? "memory_op(exchange_and_pin)" : "memory_op(exchange)";
	e.in.domid = pick_domid(f);
	e.out.domid = fuzz_u8(&f->in) < 240 ? e.in.domid : pick_domid(f);
	e.in.extent_order = pick_order(f);
	e.out.extent_order =
		fuzz_u8(&f->in) < 64 ? e.in.extent_order : pick_order(f);
	e.out.mem_flags = fuzz_u8(&f->in) < 200
				  ? 0
				  : XENMEMF_address_bits(fuzz_u8(&f->in) % 48);
	d = target_of(f, caller, e.in.domid);
	exchange_lists(f, d ? d : caller, &e);
	first = fuzz_u8(&f->in) < 230 ? 0 : fuzz_u8(&f->in) % 4;
	e.nr_exchanged = first;
	memcpy(f->saved_out, f->list_out, sizeof(f->saved_out));
	memcpy(f->saved_in, f->list_in, sizeof(f->saved_in));
	if (d && d->pv && fuzz_u8(&f->in) < 200)
		pv_unmap_inputs(f, d, &e);

	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op, cmd,
			       (unsigned long)&e, 0);
	check_rc(f, rc, exchange_errors);
	if (pin && !f->pin_ext && rc != -XEN_ENOSYS)
		broken(f, "the extension is off, yet %ld", rc);
	/*
	 * Xen resumes at the chunk nr_exchanged falls in and, on failure,
	 * reports the chunks done from there: a guest that passes a count
	 * inside a chunk sees it rounded down (common/memory.c does the
	 * same), so progress is measured from the rounded start.
	 */
	first_chunk = first & ~((1UL << chunk_order(&e)) - 1);
	if (e.nr_exchanged < first_chunk ||
	    (e.nr_exchanged > e.in.nr_extents && e.nr_exchanged != first))
		broken(f, "nr_exchanged %llu of %llu (started at %llu)",
		       (unsigned long long)e.nr_exchanged,
		       (unsigned long long)e.in.nr_extents,
		       (unsigned long long)first);
	if (rc == 0 && e.nr_exchanged != e.in.nr_extents)
		broken(f, "success with nr_exchanged %llu of %llu",
		       (unsigned long long)e.nr_exchanged,
		       (unsigned long long)e.in.nr_extents);
	/* A chunk whose output gfn the p2m cannot hold is committed before
	 * the mapping fails (Xen's memory_exchange: the chunk is done but
	 * not counted); any other failure leaves nothing changed. */
	if (rc && (e.nr_exchanged == first || e.nr_exchanged == first_chunk) &&
	    !(d && !d->pv && outputs_past_p2m(f, d, &e)))
		snap_same(f, true, "failed with nothing exchanged");
	snap_owned_delta(f, 0, 0);
	if (rc == 0 && d && first == 0) {
		check_exchanged(f, d, &e, pin);
		if (d->pv)
			pv_map_outputs(f, d, &e);
	}
	return rc;
}

static const int unpin_errors[] = {XEN_EPERM, XEN_EINVAL,     XEN_EFAULT,
				   XEN_ESRCH, XEN_EOPNOTSUPP, XEN_ENOSYS,
				   0};

static long op_unpin(struct xf *f, struct sim_domain *caller)
{
	struct dmk_xen_unpin u = {0};
	struct sim_domain *d;
	xen_ulong_t first;
	long rc;

	f->op = "memory_op(unpin)";
	u.in.domid = pick_domid(f);
	u.in.extent_order = pick_order(f);
	u.in.nr_extents = fuzz_u8(&f->in) % 16;
	d = target_of(f, caller, u.in.domid);
	fill_list(f, d ? d : caller, f->list_in, u.in.nr_extents,
		  u.in.extent_order,
		  fuzz_u8(&f->in) < 160 ? f->pinned[fuzz_u8(&f->in) % 8]
					: pick_gfn(f, d ? d : caller));
	set_xen_guest_handle(u.in.extent_start,
			     fuzz_u8(&f->in) < 8 ? NULL : f->list_in);
	first = fuzz_u8(&f->in) < 230 ? 0 : fuzz_u8(&f->in) % 20;
	u.nr_unpinned = first;

	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
			       DMK_XENMEM_unpin, (unsigned long)&u, 0);
	check_rc(f, rc, unpin_errors);
	if (!f->pin_ext && rc != -XEN_ENOSYS)
		broken(f, "the extension is off, yet %ld", rc);
	snap_same(f, false, "unpin moves nothing");
	if (rc && u.nr_unpinned == first)
		snap_same(f, true, "failed with nothing unpinned");
	if (rc == 0 && u.nr_unpinned != u.in.nr_extents &&
	    first <= u.in.nr_extents)
		broken(f, "success with nr_unpinned %llu of %llu",
		       (unsigned long long)u.nr_unpinned,
		       (unsigned long long)u.in.nr_extents);
	return rc;
}

static void snap_p2m_same(const struct xf *f, const char *why);

/* populate_physmap / decrease_reservation: the result is progress. */
static long op_reservation(struct xf *f, struct sim_domain *caller,
			   bool populate)
{
	struct xen_memory_reservation r = {0};
	struct sim_domain *d;
	unsigned long start, cmd;
	unsigned int order;
	int64_t pages;
	long rc;

	f->op = populate ? "memory_op(populate_physmap)"
			 : "memory_op(decrease_reservation)";
	r.domid = pick_domid(f);
	r.extent_order = pick_order(f);
	r.nr_extents = fuzz_u8(&f->in) % 24;
	r.mem_flags = fuzz_u8(&f->in) < 220
			      ? 0
			      : XENMEMF_address_bits(fuzz_u8(&f->in) % 48);
	d = target_of(f, caller, r.domid);
	if (populate && (!d || !d->pv || d->direct_mapped)) {
		struct sim_domain *t = d ? d : caller;
		uint64_t g = fuzz_u8(&f->in) < 200
				     ? find_hole(t, fuzz_u16(&f->in))
				     : pick_gfn(f, t);

		fill_list(f, t, f->list_in, r.nr_extents, r.extent_order, g);
		if (!t->pv)
			for (uint64_t i = 0; i < r.nr_extents; i++)
				f->list_in[i] =
					fuzz_u8(&f->in) < 128
						? find_hole(t,
							    f->list_in[i] -
								    t->gfn_base)
						: f->list_in[i];
	} else {
		fill_list(f, d ? d : caller, f->list_in, r.nr_extents,
			  r.extent_order, pick_gfn(f, d ? d : caller));
	}
	set_xen_guest_handle(r.extent_start,
			     fuzz_u8(&f->in) < 8 ? NULL : f->list_in);
	start = fuzz_u8(&f->in) < 230 ? 0 : fuzz_u8(&f->in) % 8;
	cmd = (populate ? XENMEM_populate_physmap
			: XENMEM_decrease_reservation) |
	      start << 6;

	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op, cmd,
			       (unsigned long)&r, 0);
	if (rc < 0 || (unsigned long)rc < start ||
	    (rc > (long)r.nr_extents && (unsigned long)rc != start))
		broken(f, "returned %ld for %llu extents from %lu", rc,
		       (unsigned long long)r.nr_extents, start);
	/* Xen stops inside an extent at the first page it cannot remove
	 * and leaves the pages before it removed: that extent is not
	 * counted, so only an order-0 call that did nothing is a no-op. */
	if ((unsigned long)rc == start && populate && d && !d->pv &&
	    !d->direct_mapped) {
		/* Xen allocates before it maps: a gfn the p2m cannot hold
		 * leaves that extent the domain's, mapped nowhere. */
		snap_p2m_same(f, "no extent done");
		owned_delta_between(
			f, d == f->dom[1], 0,
			1LL << (r.extent_order < 40 ? r.extent_order : 40));
		return 0;
	}
	if ((unsigned long)rc == start && (populate || !r.extent_order || !d)) {
		snap_same(f, true, "no extent done");
		return 0;
	}
	if (!d)
		broken(f, "progress for a domain that does not exist");
	/* An order past any domain's limit makes no progress; 2^40 is as
	 * good as unbounded for the range below and cannot overflow. */
	order = r.extent_order < 40 ? r.extent_order : 40;
	pages = (int64_t)((rc - start) << order);
	if (d->direct_mapped && !d->pv) {
		snap_owned_delta(f, 0, 0);
	} else if (populate) {
		owned_delta_between(f, d == f->dom[1], pages,
				    pages + (d->pv ? 0 : (1LL << order)));
	} else {
		owned_delta_between(f, d == f->dom[1],
				    -pages - (1LL << order) + 1, -pages);
	}
	if (populate && d->pv)
		for (long i = (long)start; i < rc; i++)
			remember_frame(f, d, f->list_in[i]);
	return (unsigned long)rc > start ? 0 : -1;
}

/* p2ms and pins as in the snapshot (owners are checked apart). */
static void snap_p2m_same(const struct xf *f, const char *why)
{
	for (int i = 0; i < 2; i++) {
		struct sim_domain *d = f->dom[i];

		for (uint64_t k = 0; k < d->nr_gfns; k++) {
			enum sim_p2m_type type;
			uint64_t g = d->gfn_base + k;

			if (sim_domain_gfn_to_mfn(d, g, &type) !=
				    f->snap.p2m[i][k].mfn ||
			    type != f->snap.p2m[i][k].type)
				broken(f, "%s, yet dom%u gfn %#llx changed",
				       why, d->domid, (unsigned long long)g);
		}
	}
}

/*
 * increase_reservation: whole extents for the target, below
 * address_bits, mapped nowhere; a PV guest that passed a list learns
 * their machine frames, a translated guest's list stays as it was.
 */
static long op_increase(struct xf *f, struct sim_domain *caller)
{
	struct xen_memory_reservation r = {0};
	struct sim_domain *d;
	unsigned int bits;
	unsigned long start;
	int64_t delta[2] = {0, 0};
	long rc;

	f->op = "memory_op(increase_reservation)";
	r.domid = pick_domid(f);
	r.extent_order = pick_order(f);
	r.nr_extents = fuzz_u8(&f->in) % 24;
	bits = fuzz_u8(&f->in) < 200 ? 0 : fuzz_u8(&f->in) % 48;
	r.mem_flags = XENMEMF_address_bits(bits);
	for (uint64_t i = 0; i < r.nr_extents; i++)
		f->list_in[i] = f->saved_out[i] = fuzz_u16(&f->in);
	set_xen_guest_handle(r.extent_start,
			     fuzz_u8(&f->in) < 64 ? NULL : f->list_in);
	start = fuzz_u8(&f->in) < 230 ? 0 : fuzz_u8(&f->in) % 8;
	d = target_of(f, caller, r.domid);

	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
			       XENMEM_increase_reservation | start << 6,
			       (unsigned long)&r, 0);
	if (rc < 0 || (unsigned long)rc < start ||
	    (rc > (long)r.nr_extents && (unsigned long)rc != start))
		broken(f, "returned %ld for %llu extents from %lu", rc,
		       (unsigned long long)r.nr_extents, start);
	if ((unsigned long)rc <= start) {
		snap_same(f, true, "no extent done");
		return 0;
	}
	if (!d)
		broken(f, "progress for a domain that does not exist");
	snap_p2m_same(f, "increase_reservation");
	delta[d == f->dom[1]] = (int64_t)((rc - start) << r.extent_order);
	snap_owned_delta(f, delta[0], delta[1]);
	for (uint64_t i = 0; r.extent_start.p && i < r.nr_extents; i++) {
		bool told = d->pv && i >= start && i < (uint64_t)rc;
		uint64_t mfn = f->list_in[i];

		if (!told) {
			if (mfn != f->saved_out[i])
				broken(f, "list entry %llu written",
				       (unsigned long long)i);
			continue;
		}
		if (mfn & ((1ULL << r.extent_order) - 1) ||
		    (bits && (mfn + (1ULL << r.extent_order)) >
				     (1ULL << (bits - SIM_PAGE_SHIFT))))
			broken(f, "extent %#llx misaligned or above %u bits",
			       (unsigned long long)mfn, bits);
		for (uint64_t k = 0; k < (1ULL << r.extent_order); k++)
			if (owner_of(f, mfn + k) != d->domid)
				broken(f, "extent frame %#llx not dom%u's",
				       (unsigned long long)(mfn + k), d->domid);
		remember_frame(f, d, mfn);
	}
	return 0;
}

static const int physmap_errors[] = {
	XEN_EFAULT, XEN_ENOSYS, XEN_ESRCH,  XEN_EPERM,	XEN_EACCES, XEN_EINVAL,
	XEN_EBUSY,  XEN_ENOENT, XEN_ENOMEM, XEN_EILSEQ, 0};

static long op_add_to_physmap(struct xf *f, struct sim_domain *caller)
{
	struct xen_add_to_physmap a = {0};
	struct sim_domain *d;
	uint8_t v;
	long rc;

	f->op = "memory_op(add_to_physmap)";
	a.domid = pick_domid(f);
	v = fuzz_u8(&f->in);
	a.space = v < 220 ? XENMAPSPACE_grant_table : v % 8;
	a.idx = fuzz_u8(&f->in) < 230 ? 0 : fuzz_u32(&f->in);
	d = target_of(f, caller, a.domid);
	a.gpfn = fuzz_u8(&f->in) < 200
			 ? find_hole(d ? d : caller, fuzz_u16(&f->in))
			 : pick_gfn(f, d ? d : caller);
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
			       XENMEM_add_to_physmap, (unsigned long)&a, 0);
	check_rc(f, rc, physmap_errors);
	if (rc)
		snap_same_but_growth(f, "add_to_physmap failed");
	snap_owned_delta(f, 0, 0);
	return rc;
}

static long op_remove_from_physmap(struct xf *f, struct sim_domain *caller)
{
	struct xen_remove_from_physmap r = {0};
	struct sim_domain *d;
	long rc;

	f->op = "memory_op(remove_from_physmap)";
	r.domid = pick_domid(f);
	d = target_of(f, caller, r.domid);
	r.gpfn = pick_gfn(f, d ? d : caller);
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
			       XENMEM_remove_from_physmap, (unsigned long)&r,
			       0);
	check_rc(f, rc, physmap_errors);
	if (rc)
		snap_same(f, true, "remove_from_physmap failed");
	snap_owned_delta(f, 0, 0);
	return rc;
}

/* ---- x86 PV: the guest maps and unmaps its own frames ---- */

static long op_update_va_mapping(struct xf *f, struct sim_domain *caller)
{
	static const int errors[] = {XEN_ENOSYS, XEN_EINVAL, 0};
	uint64_t gfn = pick_gfn(f, caller), pte = 0, va;
	unsigned int i = caller == f->dom[1];
	uint8_t v = fuzz_u8(&f->in);
	long rc;

	f->op = "update_va_mapping";
	va = (uint64_t)(uintptr_t)caller->linear + (gfn << SIM_PAGE_SHIFT);
	if (v >= 96) {
		uint64_t mfn =
			v < 200 ? f->recent[i][v % 8]
				: sim_domain_gfn_to_mfn(
					  caller, pick_gfn(f, caller), NULL);

		if (v >= 250)
			mfn = table_mfn(f, caller);
		pte = (mfn << SIM_PAGE_SHIFT) | XF_PTE_FLAGS;
	}
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_update_va_mapping,
			       (unsigned long)va, (unsigned long)pte, 0);
	check_rc(f, rc, errors);
	if (rc)
		snap_same(f, true, "update_va_mapping failed");
	snap_owned_delta(f, 0, 0);
	return rc;
}

/* ---- grant_table_op ---- */

static const int grant_errors[] = {XEN_EINVAL, XEN_EFAULT,     XEN_ENOSYS,
				   XEN_EPERM,  XEN_EOPNOTSUPP, XEN_EILSEQ,
				   0};

static void check_status(const struct xf *f, int16_t st)
{
	if (st > GNTST_okay || st < GNTST_no_space)
		broken(f, "grant status %d is no GNTST_*", st);
}

/* A guest writes one of its grant entries with CPU stores. */
static long op_grant_write(struct xf *f)
{
	unsigned int idx;
	struct sim_domain *d = pick_dom(f, &idx);
	grant_entry_v1_t *e = sim_xen_grant_entries(d, NULL);
	unsigned int ref = fuzz_u8(&f->in) % XF_REFS;
	uint8_t v = fuzz_u8(&f->in);

	f->op = "grant entry write";
	f->last_granter = idx;
	f->last_ref = ref;
	e[ref].domid =
		fuzz_u8(&f->in) < 230 ? f->dom[!idx]->domid : fuzz_u16(&f->in);
	e[ref].frame = (uint32_t)gmfn_of(f, d, pick_gfn(f, d));
	if (v < 140)
		e[ref].flags = GTF_permit_access;
	else if (v < 200)
		e[ref].flags = GTF_permit_access | GTF_readonly;
	else if (v < 230)
		e[ref].flags = 0;
	else
		e[ref].flags = fuzz_u16(&f->in);
	return 0;
}

static uint64_t host_addr_for(struct xf *f, struct sim_domain *d)
{
	uint64_t gfn = fuzz_u8(&f->in) < 200 ? find_hole(d, fuzz_u16(&f->in))
					     : pick_gfn(f, d);

	if (d->pv)
		return (uint64_t)(uintptr_t)d->linear + (gfn << SIM_PAGE_SHIFT);
	return gfn << SIM_PAGE_SHIFT;
}

static long op_grant_map(struct xf *f, struct sim_domain *caller)
{
	static const uint32_t flag_sets[] = {
		GNTMAP_host_map,
		GNTMAP_host_map | GNTMAP_readonly,
		GNTMAP_device_map,
		GNTMAP_device_map | GNTMAP_readonly,
		GNTMAP_host_map | GNTMAP_device_map,
		GNTMAP_host_map | GNTMAP_device_map | GNTMAP_readonly,
	};
	struct gnttab_map_grant_ref op[3];
	unsigned int count = 1 + fuzz_u8(&f->in) % 3, ok = 0;
	long rc;

	f->op = "grant_table_op(map_grant_ref)";
	memset(op, 0, sizeof(op));
	for (unsigned int i = 0; i < count; i++) {
		uint8_t v = fuzz_u8(&f->in);

		op[i].flags = v < 240 ? flag_sets[v % 6] : fuzz_u32(&f->in);
		v = fuzz_u8(&f->in);
		if (v < 128) { /* the entry written last */
			op[i].ref = f->last_ref;
			op[i].dom = f->dom[f->last_granter]->domid;
		} else {
			op[i].ref = v < 240 ? v % XF_REFS : fuzz_u32(&f->in);
			op[i].dom = fuzz_u8(&f->in) < 220
					    ? f->dom[caller == f->dom[0]]->domid
					    : pick_domid(f);
		}
		op[i].host_addr = host_addr_for(f, caller);
		op[i].status = 0x5a5a;
	}
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_grant_table_op,
			       GNTTABOP_map_grant_ref, (unsigned long)op,
			       count);
	check_rc(f, rc, grant_errors);
	for (unsigned int i = 0; !rc && i < count; i++) {
		check_status(f, op[i].status);
		if (op[i].status != GNTST_okay)
			continue;
		ok++;
		if (f->nr_maps < XF_MAX_MAPS)
			f->maps[f->nr_maps++] = (struct xf_map){
				.dom = caller == f->dom[1],
				.handle = op[i].handle,
				.host_addr = op[i].flags & GNTMAP_host_map
						     ? op[i].host_addr
						     : 0,
				.dev_bus_addr = op[i].flags & GNTMAP_device_map
							? op[i].dev_bus_addr
							: 0,
			};
	}
	snap_owned_delta(f, 0, 0);
	if (!ok)
		snap_same(f, true, "no grant mapped");
	return ok ? 0 : -1;
}

static long op_grant_unmap(struct xf *f, struct sim_domain *caller)
{
	struct gnttab_unmap_grant_ref op = {0};
	unsigned int me = caller == f->dom[1];
	uint8_t v = fuzz_u8(&f->in);
	long rc;

	f->op = "grant_table_op(unmap_grant_ref)";
	op.handle = fuzz_u16(&f->in);
	op.host_addr = host_addr_for(f, caller);
	for (unsigned int k = 0; v < 220 && k < f->nr_maps; k++) {
		const struct xf_map *mp = &f->maps[(v + k) % f->nr_maps];

		if (mp->dom != me)
			continue;
		op.handle = mp->handle;
		op.host_addr = v & 1 ? mp->host_addr : 0;
		op.dev_bus_addr = v & 2 ? mp->dev_bus_addr : 0;
		if (!op.host_addr && !op.dev_bus_addr)
			op.host_addr = mp->host_addr,
			op.dev_bus_addr = mp->dev_bus_addr;
		break;
	}
	op.status = 0x5a5a;
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_grant_table_op,
			       GNTTABOP_unmap_grant_ref, (unsigned long)&op, 1);
	check_rc(f, rc, grant_errors);
	if (!rc)
		check_status(f, op.status);
	snap_owned_delta(f, 0, 0);
	if (rc || op.status != GNTST_okay)
		snap_same(f, true, "unmap failed");
	return rc ? rc : op.status;
}

static long op_cache_flush(struct xf *f, struct sim_domain *caller)
{
	struct gnttab_cache_flush c[2];
	unsigned int count = 1 + (fuzz_u8(&f->in) & 1);
	long rc;

	f->op = "grant_table_op(cache_flush)";
	memset(c, 0, sizeof(c));
	for (unsigned int i = 0; i < count; i++) {
		uint8_t v = fuzz_u8(&f->in);
		uint64_t mfn;

		if (v < 120)
			mfn = sim_domain_gfn_to_mfn(caller, pick_gfn(f, caller),
						    NULL);
		else if (v < 200 && f->nr_maps)
			mfn = f->maps[v % f->nr_maps].dev_bus_addr >>
			      SIM_PAGE_SHIFT;
		else
			mfn = fuzz_u64(&f->in) >> SIM_PAGE_SHIFT;
		c[i].a.dev_bus_addr = mfn << SIM_PAGE_SHIFT;
		c[i].offset = fuzz_u16(&f->in) % 4200;
		c[i].length = fuzz_u16(&f->in) % 4200;
		v = fuzz_u8(&f->in);
		c[i].op = v < 240 ? v % 4 : fuzz_u32(&f->in);
	}
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_grant_table_op,
			       GNTTABOP_cache_flush, (unsigned long)c, count);
	check_rc(f, rc, grant_errors);
	snap_same(f, true, "a cache flush moves no frame");
	return rc;
}

static long op_setup_table(struct xf *f, struct sim_domain *caller)
{
	struct gnttab_setup_table st = {0};
	xen_pfn_t frames[4] = {0};
	struct sim_domain *d;
	unsigned int count;
	uint8_t v = fuzz_u8(&f->in);
	long rc;

	f->op = "grant_table_op(setup_table)";
	count = v < 240 ? 1 : v % 3;
	st.dom = pick_domid(f);
	st.nr_frames = fuzz_u8(&f->in) % 3;
	set_xen_guest_handle(st.frame_list,
			     fuzz_u8(&f->in) < 8 ? NULL : frames);
	st.status = 0x5a5a;
	d = target_of(f, caller, st.dom);
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_grant_table_op,
			       GNTTABOP_setup_table, (unsigned long)&st, count);
	check_rc(f, rc, grant_errors);
	snap_same_but_growth(f, "setup_table moves no frame");
	if (rc)
		return rc;
	check_status(f, st.status);
	if (st.status == GNTST_okay && st.nr_frames && d && d->pv &&
	    frames[0] != table_mfn(f, d))
		broken(f, "setup_table gave %#llx, the table is %#llx",
		       (unsigned long long)frames[0],
		       (unsigned long long)table_mfn(f, d));
	return st.status;
}

static long op_unknown(struct xf *f, struct sim_domain *caller)
{
	static const int errors[] = {XEN_ENOSYS, XEN_EINVAL, 0};
	unsigned int hc = fuzz_u8(&f->in) & 1 ? __HYPERVISOR_memory_op
					      : __HYPERVISOR_grant_table_op;
	/* memory_op 42..63 and grant_table_op 13..76: numbers no call
	 * of the model (nor a continuation of one) answers to. */
	unsigned long cmd = fuzz_u8(&f->in) % 22 + 42;
	long rc;

	if (hc == __HYPERVISOR_grant_table_op)
		cmd -= 29;
	f->op = "an unknown command";
	snap_take(f);
	rc = sim_xen_hypercall(f->x, caller, hc, cmd, 0, 0);
	check_rc(f, rc, errors);
	snap_same(f, true, "an unknown command");
	return rc;
}

/* ---- bad handles ---- */

/*
 * A pointer Xen cannot copy through, of the kind the input picks:
 * NULL, an unmapped page, a read-only page (zeros: readable, not
 * writable), the last bytes of a mapping (the rest of the structure
 * past its end, the bytes there from the input), or an address in
 * x86's Xen range.  With readable false, only kinds whose first read
 * fails.
 */
static void *bad_pointer(struct xf *f, size_t size, bool readable)
{
	uint8_t v = fuzz_u8(&f->in) % (readable ? 5 : 4);
	size_t keep;

	switch (v) {
	case 0:
		return NULL;
	case 1:
		return f->bad_none + fuzz_u16(&f->in) % SIM_PAGE_SIZE;
	case 2:
		return (void *)(uintptr_t)(0xffff800000000000ULL +
					   (fuzz_u16(&f->in) & ~7U));
	case 3:
		/* Nothing of it readable when the first read must fail. */
		keep = readable ? fuzz_u8(&f->in) % size : 0;
		for (size_t i = 0; i < keep; i++)
			f->bad_tail[SIM_PAGE_SIZE - keep + i] = fuzz_u8(&f->in);
		return f->bad_tail + SIM_PAGE_SIZE - keep;
	default:
		return f->bad_ro;
	}
}

static void check_only(const struct xf *f, long rc, long a, long b, long c)
{
	if (rc != a && rc != b && rc != c)
		broken(f, "returned %ld with a bad handle", rc);
}

/*
 * One call with a bad handle, as its argument or as a list inside a
 * good argument.  Each is refused where Xen's copy fails, and changes
 * nothing (the checks above then find a world that still adds up).
 */
static long op_bad_handle(struct xf *f, struct sim_domain *caller)
{
	struct xen_memory_reservation r = {.nr_extents = 1,
					   .domid = DOMID_SELF};
	struct xen_memory_exchange e = {0};
	struct gnttab_setup_table st = {.dom = DOMID_SELF};
	uint8_t which = fuzz_u8(&f->in) % 10;
	unsigned int cmds[] = {XENMEM_increase_reservation,
			       XENMEM_decrease_reservation,
			       XENMEM_populate_physmap};
	static const unsigned int gops[] = {
		GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref,
		GNTTABOP_cache_flush,	GNTTABOP_query_size,
		GNTTABOP_get_version,
	};
	static const size_t gsize[] = {
		sizeof(struct gnttab_map_grant_ref),
		sizeof(struct gnttab_unmap_grant_ref),
		sizeof(struct gnttab_cache_flush),
		sizeof(struct gnttab_query_size),
		sizeof(struct gnttab_get_version),
	};
	unsigned int g;
	long rc = 0;
	void *p;

	f->op = "a bad handle";
	snap_take(f);
	switch (which) {
	case 0:
		f->op = "xen_version(get_features) with a bad handle";
		rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_xen_version,
				       XENVER_get_features,
				       (unsigned long)bad_pointer(f, 8, true),
				       0);
		check_only(f, rc, -XEN_EFAULT, -XEN_EFAULT, -XEN_EFAULT);
		break;
	case 1:
		f->op = "memory_op(exchange) with a bad handle";
		p = bad_pointer(f, sizeof(e), true);
		rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
				       XENMEM_exchange, (unsigned long)p, 0);
		/* Zeros from the read-only page: nothing to exchange. */
		check_only(f, rc, -XEN_EFAULT, p == f->bad_ro ? 0 : -XEN_EFAULT,
			   -XEN_EFAULT);
		break;
	case 2:
		f->op = "memory_op(ballooning) with a bad handle";
		rc = sim_xen_hypercall(
			f->x, caller, __HYPERVISOR_memory_op,
			cmds[fuzz_u8(&f->in) % 3],
			(unsigned long)bad_pointer(f, sizeof(r), true), 0);
		check_only(f, rc, 0, 0, 0);
		break;
	case 3:
		f->op = "memory_op(decrease/populate) with a bad list";
		set_xen_guest_handle(r.extent_start,
				     (xen_pfn_t *)bad_pointer(f, 8, false));
		rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
				       cmds[1 + fuzz_u8(&f->in) % 2],
				       (unsigned long)&r, 0);
		check_only(f, rc, 0, 0, 0);
		break;
	case 4:
		f->op = "memory_op(exchange) with a bad in list";
		e.in.nr_extents = e.out.nr_extents = 1;
		e.in.domid = e.out.domid = DOMID_SELF;
		set_xen_guest_handle(e.in.extent_start,
				     (xen_pfn_t *)bad_pointer(f, 8, false));
		set_xen_guest_handle(e.out.extent_start, f->list_out);
		rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
				       XENMEM_exchange, (unsigned long)&e, 0);
		check_only(f, rc, -XEN_EFAULT, -XEN_EFAULT, -XEN_EFAULT);
		if (e.nr_exchanged)
			broken(f, "nr_exchanged %llu after a bad in list",
			       (unsigned long long)e.nr_exchanged);
		break;
	case 5:
	case 6:
		f->op = "grant_table_op with a bad handle";
		g = fuzz_u8(&f->in) % 5;
		p = bad_pointer(f, gsize[g], true);
		rc = sim_xen_hypercall(f->x, caller,
				       __HYPERVISOR_grant_table_op, gops[g],
				       (unsigned long)p, 1);
		/* A cache flush of zeros read from the read-only page is
		 * the probe: 0. */
		check_only(f, rc, -XEN_EFAULT, p == f->bad_ro ? 0 : -XEN_EFAULT,
			   -XEN_EFAULT);
		break;
	case 7:
		f->op = "grant_table_op(setup_table) with a bad frame list";
		st.nr_frames = 1;
		set_xen_guest_handle(st.frame_list,
				     (xen_pfn_t *)bad_pointer(f, 8, true));
		st.status = 0x5a5a;
		rc = sim_xen_hypercall(
			f->x, caller, __HYPERVISOR_grant_table_op,
			GNTTABOP_setup_table, (unsigned long)&st, 1);
		check_only(f, rc, 0, -XEN_EFAULT, 0);
		if (!rc && st.status != GNTST_bad_virt_addr)
			broken(f, "setup_table status %d with a bad list",
			       st.status);
		break;
	case 8:
		f->op = "memory_op(remove_from_physmap) with a bad handle";
		p = bad_pointer(f, 16, false);
		rc = sim_xen_hypercall(f->x, caller, __HYPERVISOR_memory_op,
				       XENMEM_remove_from_physmap,
				       (unsigned long)p, 0);
		check_only(f, rc, -XEN_EFAULT, -XEN_EFAULT, -XEN_EFAULT);
		break;
	default:
		f->op = "mmu_update / multicall with a bad handle";
		p = bad_pointer(f, 16, false);
		rc = sim_xen_hypercall(f->x, caller,
				       fuzz_u8(&f->in) & 1
					       ? __HYPERVISOR_mmu_update
					       : __HYPERVISOR_multicall,
				       (unsigned long)p, 1, 0);
		check_only(f, rc, -XEN_EFAULT, -XEN_ENOSYS, -XEN_EFAULT);
		break;
	}
	snap_same(f, true, "a call with a bad handle");
	return rc;
}

/* ---- the driver ---- */

static long run_op(struct xf *f)
{
	uint8_t op = fuzz_u8(&f->in);
	struct sim_domain *caller = pick_dom(f, NULL);

	switch (op % 15) {
	case 0:
	case 1:
		return op_exchange(f, caller, false);
	case 2:
		return op_exchange(f, caller, true);
	case 3:
		return op_unpin(f, caller);
	case 4:
		return op_reservation(f, caller, true);
	case 5:
		return op_reservation(f, caller, false);
	case 6:
		return op_add_to_physmap(f, caller);
	case 7:
		return op_remove_from_physmap(f, caller);
	case 8:
		return op_update_va_mapping(f, caller);
	case 9:
		return op_grant_write(f);
	case 10:
		return op_grant_map(f, caller);
	case 11:
		return op_grant_unmap(f, caller);
	case 12:
		return op_cache_flush(f, caller);
	case 13:
		return op_setup_table(f, caller);
	default:
		/* Later additions share the last case, keeping what the
		 * earlier op bytes mean for the corpus and the regressions:
		 * 14..89 unknown commands, 104 and 119 bad handles, 134 and
		 * up increase_reservation. */
		if (op >= 128)
			return op_increase(f, caller);
		return op >= 104 ? op_bad_handle(f, caller)
				 : op_unknown(f, caller);
	}
}

unsigned int fuzz_target_one(const uint8_t *data, size_t len)
{
	static struct xf f;
	unsigned int done = 0;

	memset(&f, 0, sizeof(f));
	f.in = (struct fuzz_in){data, len};
	f.op = "setup";
	if (xf_setup(&f, fuzz_u8(&f.in))) {
		fprintf(stderr, "xen-fuzz: cannot build the world\n");
		abort();
	}
	f.snap.owner = malloc(f.m->nr_frames * sizeof(uint16_t));
	f.snap.p2m[0] =
		malloc(f.dom[0]->nr_gfns * sizeof(struct xf_snap_entry));
	f.snap.p2m[1] =
		malloc(f.dom[1]->nr_gfns * sizeof(struct xf_snap_entry));
	if (!f.snap.owner || !f.snap.p2m[0] || !f.snap.p2m[1])
		abort();
	check_world(&f);
	for (unsigned int n = 0; n < XF_MAX_OPS && f.in.left; n++) {
		if (run_op(&f) >= 0)
			done++;
		check_world(&f);
	}
	free(f.snap.owner);
	free(f.snap.p2m[0]);
	free(f.snap.p2m[1]);
	xf_teardown(&f);
	return done;
}

/* ---- seeds: every configuration, a few op streams each ---- */

size_t fuzz_target_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	uint64_t rng = 0x9e3779b97f4a7c15ULL * (i + 1);
	size_t len;

	if (i >= 48 || cap < 2)
		return 0;
	len = 64 + (i * 37) % 448;
	if (len > cap)
		len = cap;
	fuzz_fill_stream(buf, len, rng, 24);
	buf[0] = (uint8_t)(i % 16); /* arch, extension, 1:1, steal */
	return len;
}
