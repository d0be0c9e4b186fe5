// SPDX-License-Identifier: MIT
/*
 * What a guest asks about its grant table (common/grant_table.c):
 * GNTTABOP_query_size (frames now and at most), GNTTABOP_get_version,
 * and GNTTABOP_setup_table (which also grows the table and says where
 * its frames are: machine frames to a PV guest, the gfns they are
 * mapped at, or INVALID_GFN, to a translated one).  Statuses go in the
 * structure; the call's own answer is for the count and the handle.
 */
#include "xc.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/errno.h>

static long gop(struct xc_case *c, unsigned int cmd, void *op,
		unsigned int count)
{
	return xc_call(c, __HYPERVISOR_grant_table_op, cmd, op, count);
}

/* A value no frame list entry has before Xen writes it. */
#define UNTOUCHED ((xen_pfn_t)0x5a5a5a5a5a5aULL)

/* ---- query_size ---- */

static void query(struct xc_case *c, domid_t dom, unsigned int count)
{
	struct gnttab_query_size qs = {
		.dom = dom,
		.nr_frames = 0xaaaa,
		.max_nr_frames = 0xbbbb,
		.status = 99,
	};
	const struct xc_facts *f = &c->env->facts;

	xc_put_rc(c, "rc", gop(c, GNTTABOP_query_size, &qs, count));
	xc_put_gntst(c, "status", qs.status);
	if (qs.nr_frames == 0xaaaa)
		xc_put(c, "nr_frames", "untouched");
	else
		xc_put(c, "nr_frames", "%+ld",
		       (long)qs.nr_frames - f->gnt_frames);
	if (qs.max_nr_frames == 0xbbbb)
		xc_put(c, "max", "untouched");
	else
		xc_put(c, "max", "%+ld",
		       (long)qs.max_nr_frames - f->gnt_max_frames);
}

static void query_self(struct xc_case *c)
{
	query(c, DOMID_SELF, 1);
}

static void query_dom0(struct xc_case *c)
{
	query(c, 0, 1);
}

static void query_dom1(struct xc_case *c)
{
	query(c, 1, 1);
}

static void query_domid_xen(struct xc_case *c)
{
	query(c, DOMID_XEN, 1);
}

static void query_count0(struct xc_case *c)
{
	query(c, DOMID_SELF, 0);
}

static void query_count2(struct xc_case *c)
{
	query(c, DOMID_SELF, 2);
}

static void query_count_negative(struct xc_case *c)
{
	query(c, DOMID_SELF, 0x80000000U);
}

static void query_at(struct xc_case *c, void *p)
{
	xc_put_rc(c, "rc", gop(c, GNTTABOP_query_size, p, 1));
}

static void query_null(struct xc_case *c)
{
	query_at(c, NULL);
}

static void query_unmapped(struct xc_case *c)
{
	query_at(c, c->env->bad.unmapped);
}

/* Read (dom 0 from a zero page), answered, not written: -EFAULT. */
static void query_readonly(struct xc_case *c)
{
	query_at(c, c->env->bad.readonly);
}

/* The status, the last field, past the end of the mapping. */
static void query_short(struct xc_case *c)
{
	struct gnttab_query_size *qs =
		xc_tail(c->env, offsetof(struct gnttab_query_size, status));

	memset(qs, 0, offsetof(struct gnttab_query_size, status));
	qs->dom = DOMID_SELF;
	query_at(c, qs);
}

/* ---- get_version ---- */

static void version(struct xc_case *c, domid_t dom, unsigned int count)
{
	struct gnttab_get_version gv = {.dom = dom, .version = 77};

	xc_put_rc(c, "rc", gop(c, GNTTABOP_get_version, &gv, count));
	xc_put(c, "version", "%u", gv.version);
}

static void version_self(struct xc_case *c)
{
	version(c, DOMID_SELF, 1);
}

static void version_dom0(struct xc_case *c)
{
	version(c, 0, 1);
}

static void version_dom1(struct xc_case *c)
{
	version(c, 1, 1);
}

/* get_version takes no count. */
static void version_count0(struct xc_case *c)
{
	version(c, DOMID_SELF, 0);
}

static void version_null(struct xc_case *c)
{
	xc_put_rc(c, "rc", gop(c, GNTTABOP_get_version, NULL, 1));
}

static void version_unmapped(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  gop(c, GNTTABOP_get_version, c->env->bad.unmapped, 1));
}

static void version_readonly(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  gop(c, GNTTABOP_get_version, c->env->bad.readonly, 1));
}

/* ---- setup_table ---- */

/* The first frame as setup_table tells it: where the facts say it is
 * mapped (ARM), or a machine frame (PV: named "mfn", checked against a
 * second call). */
static void setup_at(struct xc_case *c, domid_t dom, uint32_t nr,
		     unsigned int count, bool given, xen_pfn_t *list)
{
	struct gnttab_setup_table st = {
		.dom = dom, .nr_frames = nr, .status = 99};
	xen_pfn_t frames[4] = {UNTOUCHED, UNTOUCHED, UNTOUCHED, UNTOUCHED};

	set_xen_guest_handle(st.frame_list, given ? list : frames);
	xc_put_rc(c, "rc", gop(c, GNTTABOP_setup_table, &st, count));
	xc_put_gntst(c, "status", st.status);
	if (given)
		return;
	for (uint32_t i = 0; i < nr && i < 4; i++) {
		char key[16];

		snprintf(key, sizeof(key), "frame%u", i);
		if (frames[i] == UNTOUCHED)
			xc_put(c, key, "untouched");
		else if (frames[i] == ~(xen_pfn_t)0)
			xc_put(c, key, "invalid");
		else if (frames[i] == 0xffffffffULL)
			xc_put(c, key, "invalid32");
		else if (xc_arm(c))
			xc_put_frame(c, key, frames[i]);
		else
			xc_put(c, key, "mfn");
	}
}

static void setup(struct xc_case *c, domid_t dom, uint32_t nr,
		  unsigned int count)
{
	setup_at(c, dom, nr, count, false, NULL);
}

static void setup_none(struct xc_case *c)
{
	setup(c, DOMID_SELF, 0, 1);
}

static void setup_one(struct xc_case *c)
{
	setup(c, DOMID_SELF, 1, 1);
}

/* PV: the same machine frame each time. */
static void setup_pv_stable(struct xc_case *c)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	xen_pfn_t a = 0, b = 1;

	set_xen_guest_handle(st.frame_list, &a);
	gop(c, GNTTABOP_setup_table, &st, 1);
	set_xen_guest_handle(st.frame_list, &b);
	gop(c, GNTTABOP_setup_table, &st, 1);
	xc_put(c, "same", "%d", a == b);
	xc_put(c, "below_max_ram", "%d",
	       a < (uint64_t)c->env->facts.max_ram_page);
}

/* One frame more than the table has: it grows (ARM: the new frame is
 * mapped nowhere yet). */
static void setup_grow(struct xc_case *c)
{
	unsigned int n = xc_gnt_frames(c);

	setup(c, DOMID_SELF, n + 1 > 4 ? 4 : n + 1, 1);
	xc_put(c, "frames", "%+d", (int)xc_gnt_frames(c) - (int)n);
}

static void setup_too_many(struct xc_case *c)
{
	setup(c, DOMID_SELF, (uint32_t)c->env->facts.gnt_max_frames + 1, 1);
}

static void setup_dom1(struct xc_case *c)
{
	setup(c, 1, 1, 1);
}

static void setup_dom0(struct xc_case *c)
{
	setup(c, 0, 1, 1);
}

static void setup_count0(struct xc_case *c)
{
	setup(c, DOMID_SELF, 1, 0);
}

static void setup_count2(struct xc_case *c)
{
	setup(c, DOMID_SELF, 1, 2);
}

/* A frame list Xen cannot write: the status says so, not the call. */
static void setup_list_null(struct xc_case *c)
{
	setup_at(c, DOMID_SELF, 1, 1, true, NULL);
}

static void setup_list_unmapped(struct xc_case *c)
{
	setup_at(c, DOMID_SELF, 1, 1, true, (xen_pfn_t *)c->env->bad.unmapped);
}

static void setup_list_readonly(struct xc_case *c)
{
	setup_at(c, DOMID_SELF, 1, 1, true, (xen_pfn_t *)c->env->bad.readonly);
}

/* x86 checks the list's range first: -EFAULT for the call. */
static void setup_list_xen_range(struct xc_case *c)
{
	setup_at(c, DOMID_SELF, 1, 1, true,
		 (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL);
}

static void setup_null(struct xc_case *c)
{
	xc_put_rc(c, "rc", gop(c, GNTTABOP_setup_table, NULL, 1));
}

/* The request readable, its status not writable. */
static void setup_readonly(struct xc_case *c)
{
	struct gnttab_setup_table *st;

	st = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		xc_put(c, "setup", "no-memory");
		return;
	}
	st->dom = DOMID_SELF;
	st->nr_frames = 0;
	mprotect(st, XC_PAGE_SIZE, PROT_READ);
	xc_put_rc(c, "rc", gop(c, GNTTABOP_setup_table, st, 1));
	munmap(st, XC_PAGE_SIZE);
}

/* ---- the command itself ---- */

static void unknown_op(struct xc_case *c)
{
	xc_put_rc(c, "rc", gop(c, 99, NULL, 0));
}

/* A continuation argument on anything but cache_flush. */
static void query_cont_bits(struct xc_case *c)
{
	struct gnttab_query_size qs = {.dom = DOMID_SELF};

	xc_put_rc(c, "rc", gop(c, GNTTABOP_query_size | (1U << 12), &qs, 1));
}

const struct xc_case_def xc_cases_gnt_query[] = {
	{"query_size/self", XC_ALL, 0, query_self},
	{"query_size/dom0", XC_ALL, 0, query_dom0},
	{"query_size/dom1", XC_ALL, 0, query_dom1},
	{"query_size/domid_xen", XC_ALL, 0, query_domid_xen},
	{"query_size/count0", XC_ALL, 0, query_count0},
	{"query_size/count2", XC_ALL, 0, query_count2},
	{"query_size/count_negative", XC_ALL, 0, query_count_negative},
	{"query_size/null", XC_ALL, 0, query_null},
	{"query_size/unmapped", XC_ALL, 0, query_unmapped},
	{"query_size/readonly", XC_ALL, 0, query_readonly},
	{"query_size/short", XC_ALL, 0, query_short},
	{"get_version/self", XC_ALL, 0, version_self},
	{"get_version/dom0", XC_ALL, 0, version_dom0},
	{"get_version/dom1", XC_ALL, 0, version_dom1},
	{"get_version/count0", XC_ALL, 0, version_count0},
	{"get_version/null", XC_ALL, 0, version_null},
	{"get_version/unmapped", XC_ALL, 0, version_unmapped},
	{"get_version/readonly", XC_ALL, 0, version_readonly},
	{"setup_table/none", XC_ALL, 0, setup_none},
	{"setup_table/one", XC_ALL, 0, setup_one},
	{"setup_table/pv_stable", XC_X86, 0, setup_pv_stable},
	{"setup_table/grow", XC_ALL, 0, setup_grow},
	{"setup_table/too_many", XC_ALL, 0, setup_too_many},
	{"setup_table/dom1", XC_ALL, 0, setup_dom1},
	{"setup_table/dom0", XC_ALL, 0, setup_dom0},
	{"setup_table/count0", XC_ALL, 0, setup_count0},
	{"setup_table/count2", XC_ALL, 0, setup_count2},
	{"setup_table/list_null", XC_ALL, 0, setup_list_null},
	{"setup_table/list_unmapped", XC_ALL, 0, setup_list_unmapped},
	{"setup_table/list_readonly", XC_ALL, 0, setup_list_readonly},
	{"setup_table/list_xen_range", XC_X86, 0, setup_list_xen_range},
	{"setup_table/null", XC_ALL, 0, setup_null},
	{"setup_table/readonly", XC_ALL, 0, setup_readonly},
	{"grant_table_op/unknown_op", XC_ALL, 0, unknown_op},
	{"grant_table_op/cont_bits_query", XC_ALL, 0, query_cont_bits},
	{NULL, 0, 0, NULL},
};
