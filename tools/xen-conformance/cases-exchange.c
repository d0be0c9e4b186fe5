// SPDX-License-Identifier: MIT
/*
 * XENMEM_exchange (common/memory.c, memory_exchange): the argument
 * checks in their order, the handles (x86 checks them up front, ARM
 * only when it copies), partial progress and continuation through
 * nr_exchanged, and what an exchange leaves behind.
 *
 * On ARM every exchange that gets past its checks ends at the first
 * input page Xen can find: ARM has no steal_page() (-EOPNOTSUPP).  On
 * x86 PV it really exchanges: the inputs are frames the case got from
 * increase_reservation (mapped nowhere, so Xen can steal them), the
 * outputs come back as new machine frames in the out list, and the case
 * gives back whatever is dom0's at the end.
 */
#include "xc.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <xen/errno.h>

#define NOT_TOLD (~(xen_pfn_t)0)

struct xch {
	struct xen_memory_exchange x;
	xen_pfn_t in[8], out[8];
	xen_pfn_t out_before[8];
};

static void setup(struct xch *e, xen_ulong_t nr_in, unsigned int in_order,
		  xen_ulong_t nr_out, unsigned int out_order)
{
	memset(e, 0, sizeof(*e));
	e->x.in.nr_extents = nr_in;
	e->x.in.extent_order = in_order;
	e->x.in.domid = DOMID_SELF;
	e->x.out.nr_extents = nr_out;
	e->x.out.extent_order = out_order;
	e->x.out.domid = DOMID_SELF;
	set_xen_guest_handle(e->x.in.extent_start, e->in);
	set_xen_guest_handle(e->x.out.extent_start, e->out);
	for (unsigned int i = 0; i < 8; i++)
		e->out[i] = 0x12340 + i; /* gpfns for a PV guest's m2p */
}

/* Call, and record rc, nr_exchanged and which out entries changed. */
static long call(struct xc_case *c, struct xch *e, unsigned int n_out)
{
	char s[9];
	long rc;

	memcpy(e->out_before, e->out, sizeof(e->out));
	rc = xc_call(c, __HYPERVISOR_memory_op, XENMEM_exchange, &e->x, 0);
	xc_put_rc(c, "rc", rc);
	xc_put(c, "nr_exchanged", "%llu",
	       (unsigned long long)e->x.nr_exchanged);
	for (unsigned int i = 0; i < n_out && i < 8; i++)
		s[i] = e->out[i] == e->out_before[i] ? '-' : 'w';
	s[n_out < 8 ? n_out : 8] = 0;
	if (n_out)
		xc_put(c, "out", "%s", s);
	return rc;
}

/* An input that exists: a page of dom0's (ARM) or a frame of dom0's
 * nothing maps (PV). */
static int input(struct xc_case *c, struct xc_page *pg, xen_pfn_t *frame)
{
	if (xc_arm(c)) {
		if (xc_page(c, "P", 0, pg))
			return -1;
		*frame = pg->frame;
		return 0;
	}
	pg->va = NULL;
	*frame = xc_pv_frame(c, 0);
	if (*frame == NOT_TOLD) {
		xc_put(c, "setup", "no-frame");
		return -1;
	}
	return 0;
}

/* Give back a PV input frame if it is still dom0's; say whether. */
static void input_done(struct xc_case *c, struct xc_page *pg, xen_pfn_t frame)
{
	if (xc_arm(c)) {
		xc_page_put(c, pg, 0);
		return;
	}
	xc_put_rc(c, "input_still_ours", xc_decrease_one(c, frame, 0));
}

/* Give back the frames an exchange told a PV guest about. */
static void outputs_done(struct xc_case *c, struct xch *e, unsigned int n,
			 unsigned int order)
{
	if (xc_arm(c))
		return;
	for (unsigned int i = 0; i < n; i++)
		if (e->out[i] != e->out_before[i] &&
		    xc_decrease_one(c, e->out[i], order) != 1)
			xc_put(c, "give_back", "failed");
}

/* The plain forms: one page for one page. */
static void one_for_one(struct xc_case *c, unsigned int out_flags)
{
	struct xc_page pg;
	struct xch e;
	long before;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	e.x.out.mem_flags = out_flags;
	before = xc_tot(c);
	if (call(c, &e, 1) == 0 && !xc_arm(c)) {
		xc_put(c, "new", "%d", e.out[0] != e.in[0]);
		xc_put(c, "below_max_ram", "%d",
		       e.out[0] < (uint64_t)c->env->facts.max_ram_page);
		if (out_flags)
			xc_put(c, "below_bits", "%d",
			       e.out[0] < (1ULL << (XENMEMF_get_address_bits(
							    out_flags) -
						    12)));
	}
	xc_put_dtot(c, "dtot", before);
	input_done(c, &pg, e.in[0]);
	outputs_done(c, &e, 1, 0);
}

static void one(struct xc_case *c)
{
	one_for_one(c, 0);
}

static void bits_32(struct xc_case *c)
{
	one_for_one(c, XENMEMF_address_bits(32));
}

static void bits_31(struct xc_case *c)
{
	one_for_one(c, XENMEMF_address_bits(31));
}

/* No frame fits below 2^13: -ENOMEM, the input handed back. */
static void bits_13(struct xc_case *c)
{
	one_for_one(c, XENMEMF_address_bits(13));
}

static void bits_12(struct xc_case *c)
{
	one_for_one(c, XENMEMF_address_bits(12));
}

static void node_5(struct xc_case *c)
{
	one_for_one(c, XENMEMF_node(5));
}

/* Four order-0 pages for one order-2 extent (Linux's
 * xen_create_contiguous_region), below 4 GiB. */
static void four_for_order2(struct xc_case *c)
{
	struct xc_page pg[4];
	struct xch e;
	long rc;

	setup(&e, 4, 0, 1, 2);
	for (unsigned int i = 0; i < 4; i++)
		if (input(c, &pg[i], &e.in[i]))
			return;
	e.x.out.mem_flags = XENMEMF_address_bits(32);
	rc = call(c, &e, 1);
	if (!rc && !xc_arm(c))
		xc_put(c, "aligned", "%d", !(e.out[0] & 3));
	for (unsigned int i = 0; i < 4; i++)
		input_done(c, &pg[i], e.in[i]);
	outputs_done(c, &e, 1, 2);
}

/* And back: one order-2 extent for four pages. */
static void order2_for_four(struct xc_case *c)
{
	struct xch e;
	xen_pfn_t mfn;
	struct xc_page pg;

	setup(&e, 1, 2, 4, 0);
	if (xc_arm(c)) {
		if (xc_page(c, "P", 2, &pg))
			return;
		mfn = pg.frame;
	} else {
		pg.va = NULL;
		mfn = xc_pv_frame(c, 2);
	}
	e.in[0] = mfn;
	call(c, &e, 4);
	if (xc_arm(c))
		xc_page_put(c, &pg, 2);
	else
		xc_put_rc(c, "input_still_ours", xc_decrease_one(c, mfn, 2));
	outputs_done(c, &e, 4, 0);
}

/* Two inputs, the second not dom0's: the first chunk is done, the call
 * fails with nr_exchanged 1 (ARM: the first already fails). */
static void partial(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 2, 0, 2, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	e.in[1] = xc_arm(c) ? xc_hole_gfn(c, 0)
			    : (xen_pfn_t)c->env->facts.max_ram_page;
	call(c, &e, 2);
	input_done(c, &pg, e.in[0]);
	outputs_done(c, &e, 2, 0);
}

/* Resuming at nr_exchanged 1: entry 0 (a hole) is not looked at. */
static void resume(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 2, 0, 2, 0);
	if (input(c, &pg, &e.in[1]))
		return;
	e.in[0] = xc_arm(c) ? xc_hole_gfn(c, 0)
			    : (xen_pfn_t)c->env->facts.max_ram_page;
	e.x.nr_exchanged = 1;
	call(c, &e, 2);
	input_done(c, &pg, e.in[1]);
	outputs_done(c, &e, 2, 0);
}

/* nr_exchanged == nr: done, whatever the rest says (even a domain
 * that does not exist); nothing is written back. */
static void already_done(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.in.domid = e.x.out.domid = 1;
	e.x.nr_exchanged = 1;
	call(c, &e, 1);
}

static void nr_exchanged_beyond(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.nr_exchanged = 2;
	call(c, &e, 1);
}

static void nothing(struct xc_case *c)
{
	struct xch e;

	setup(&e, 0, 0, 0, 0);
	call(c, &e, 0);
}

static void domid_mismatch(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.out.domid = 0;
	call(c, &e, 1);
}

static void size_mismatch(struct xc_case *c)
{
	struct xch e;

	setup(&e, 2, 0, 1, 0);
	call(c, &e, 1);
}

static void order_max(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, (unsigned int)c->env->facts.max_order, 1,
	      (unsigned int)c->env->facts.max_order);
	e.in[0] = xc_arm(c) ? xc_hole_gfn(c, 0)
			    : (xen_pfn_t)c->env->facts.max_ram_page;
	call(c, &e, 1);
}

static void in_order_too_big(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, (unsigned int)c->env->facts.max_order + 1, 2,
	      (unsigned int)c->env->facts.max_order);
	call(c, &e, 1);
}

static void out_order_too_big(struct xc_case *c)
{
	struct xch e;

	setup(&e, 2, 0, 1, (unsigned int)c->env->facts.max_order + 1);
	call(c, &e, 1);
}

/* nr_extents 2^32 of order 0: Xen's ~0UL is 32 bits on 32-bit ARM, so
 * the size check refuses it there and nowhere else. */
static void nr_2pow32(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	e.x.in.nr_extents = e.x.out.nr_extents = 1ULL << 32;
	call(c, &e, 1);
	input_done(c, &pg, e.in[0]);
	outputs_done(c, &e, 1, 0);
}

/* nr_extents << order overflows a long. */
static void size_overflow(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1ULL << 50, 18, 1ULL << 50, 18);
	call(c, &e, 1);
}

static void domid_one(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.in.domid = e.x.out.domid = 1;
	call(c, &e, 1);
}

static void domid_xen(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.in.domid = e.x.out.domid = DOMID_XEN;
	call(c, &e, 1);
}

/* Inputs that are not dom0's RAM. */
static void in_frame(struct xc_case *c, uint64_t frame)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.in[0] = frame;
	call(c, &e, 1);
}

static void in_hole(struct xc_case *c)
{
	in_frame(c, xc_arm(c) ? xc_hole_gfn(c, 0)
			      : (uint64_t)c->env->facts.max_ram_page);
}

static void in_mmio(struct xc_case *c)
{
	in_frame(c, c->env->facts.mmio_frame);
}

static void in_far(struct xc_case *c)
{
	in_frame(c, 1ULL << 40);
}

/* A frame dom0 gave back (PV: freed; ARM: out of the p2m). */
static void in_given_back(struct xc_case *c)
{
	struct xc_page pg;
	xen_pfn_t frame;

	if (input(c, &pg, &frame))
		return;
	xc_put_rc(c, "given_back", xc_decrease_one(c, frame, 0));
	in_frame(c, frame);
	if (xc_arm(c)) {
		xc_restore(c, frame, 0);
		xc_page_put(c, &pg, 0);
	}
}

/* Handles. */
static void arg_at(struct xc_case *c, void *arg)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_exchange, arg, 0));
}

static void arg_null(struct xc_case *c)
{
	arg_at(c, NULL);
}

static void arg_unmapped(struct xc_case *c)
{
	arg_at(c, c->env->bad.unmapped);
}

/* Readable, all zero: nothing to exchange, 0. */
static void arg_readonly(struct xc_case *c)
{
	arg_at(c, c->env->bad.readonly);
}

static void arg_short(struct xc_case *c)
{
	void *a = xc_tail(c->env, 40);

	memset(a, 0, 40);
	arg_at(c, a);
}

/* A request in memory Xen can read but not write: the answer is
 * written back last, and fails the call (here after -ESRCH). */
static void arg_readonly_nr(struct xc_case *c)
{
	struct xen_memory_exchange *x;
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	e.x.in.domid = e.x.out.domid = 1;
	x = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (x == MAP_FAILED) {
		xc_put(c, "setup", "no-memory");
		return;
	}
	*x = e.x;
	mprotect(x, XC_PAGE_SIZE, PROT_READ);
	arg_at(c, x);
	xc_put(c, "nr_exchanged", "%llu", (unsigned long long)x->nr_exchanged);
	munmap(x, XC_PAGE_SIZE);
}

/* An in list that is not there, with work to do. */
static void in_list_at(struct xc_case *c, xen_pfn_t *in)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	set_xen_guest_handle(e.x.in.extent_start, in);
	call(c, &e, 1);
	input_done(c, &pg, e.in[0]);
	outputs_done(c, &e, 1, 0);
}

static void in_list_null(struct xc_case *c)
{
	in_list_at(c, NULL);
}

static void in_list_unmapped(struct xc_case *c)
{
	in_list_at(c, (xen_pfn_t *)c->env->bad.unmapped);
}

/* x86 refuses the out list up front; ARM steals the input first. */
static void out_list_null(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	set_xen_guest_handle(e.x.out.extent_start, (xen_pfn_t *)NULL);
	call(c, &e, 0);
	input_done(c, &pg, e.in[0]);
}

static void out_list_xen_range(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	set_xen_guest_handle(e.x.out.extent_start,
			     (xen_pfn_t *)(uintptr_t)0xffff800000000000ULL);
	call(c, &e, 0);
	input_done(c, &pg, e.in[0]);
}

/*
 * x86: an out list in range but not mapped.  The input is stolen and
 * freed, the output allocated and assigned, then the gpfn cannot be
 * read: the chunk is done but not counted, and dom0 holds a frame it was
 * never told about.
 */
static void out_list_unmapped(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;
	long before = xc_tot(c);

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	before = xc_tot(c);
	set_xen_guest_handle(e.x.out.extent_start,
			     (xen_pfn_t *)c->env->bad.unmapped);
	call(c, &e, 0);
	xc_put_dtot(c, "dtot", before);
	input_done(c, &pg, e.in[0]);
}

/* x86: the gpfn can be read (0), the machine frame not written back. */
static void out_list_readonly(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;
	long before;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &e.in[0]))
		return;
	before = xc_tot(c);
	set_xen_guest_handle(e.x.out.extent_start,
			     (xen_pfn_t *)c->env->bad.readonly);
	call(c, &e, 0);
	xc_put_dtot(c, "dtot", before);
	input_done(c, &pg, e.in[0]);
}

/* The in list's second entry past the end of the mapping. */
static void in_list_short(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;
	xen_pfn_t *in = xc_tail(c->env, sizeof(xen_pfn_t));

	setup(&e, 2, 0, 2, 0);
	if (input(c, &pg, in))
		return;
	set_xen_guest_handle(e.x.in.extent_start, in);
	call(c, &e, 2);
	input_done(c, &pg, *in);
	outputs_done(c, &e, 2, 0);
}

/* The in and out lists are the same memory: Xen reads each input
 * before it writes the matching output. */
static void lists_overlap(struct xc_case *c)
{
	struct xc_page pg;
	struct xch e;
	xen_pfn_t frame;

	setup(&e, 1, 0, 1, 0);
	if (input(c, &pg, &frame))
		return;
	e.in[0] = frame;
	set_xen_guest_handle(e.x.out.extent_start, e.in);
	call(c, &e, 0);
	xc_put(c, "list_changed", "%d", e.in[0] != frame);
	if (!xc_arm(c) && e.in[0] != frame &&
	    xc_decrease_one(c, e.in[0], 0) != 1)
		xc_put(c, "give_back", "failed");
	input_done(c, &pg, frame);
}

/* A continuation start in the command: exchange takes none. */
static void cmd_start(struct xc_case *c)
{
	struct xch e;

	setup(&e, 1, 0, 1, 0);
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op,
			  XENMEM_exchange | (1UL << 6), &e.x, 0));
	xc_put(c, "nr_exchanged", "%llu", (unsigned long long)e.x.nr_exchanged);
}

/* x86: a frame of dom0's that the guest still maps (a grant-table
 * frame: Xen's, shared with dom0) cannot be stolen. */
static void pv_grant_table_frame(struct xc_case *c)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	xen_pfn_t frame = NOT_TOLD;

	set_xen_guest_handle(st.frame_list, &frame);
	xc_put_rc(c, "setup",
		  xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
			  &st, 1));
	in_frame(c, frame);
}

/* x86: a page dom0's kernel maps for us (a user page, its machine
 * frame from dmk_p2m) is referenced: Xen cannot steal it. */
static void pv_mapped_page(struct xc_case *c)
{
	struct xc_page pg;
	uint64_t mfn;

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0x2e, XC_PAGE_SIZE);
	mfn = xc_mfn(c, pg.frame);
	xc_name(c, "P_mfn", mfn);
	xc_put_frame(c, "in", mfn);
	in_frame(c, mfn);
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

const struct xc_case_def xc_cases_exchange[] = {
	{"exchange/one", XC_ALL, 0, one},
	{"exchange/bits_32", XC_ALL, 0, bits_32},
	{"exchange/bits_31", XC_ALL, 0, bits_31},
	{"exchange/bits_13", XC_ALL, 0, bits_13},
	{"exchange/bits_12", XC_ALL, 0, bits_12},
	{"exchange/node_5", XC_ALL, 0, node_5},
	{"exchange/four_for_order2", XC_ALL, 0, four_for_order2},
	{"exchange/order2_for_four", XC_ALL, 0, order2_for_four},
	{"exchange/partial", XC_ALL, 0, partial},
	{"exchange/resume", XC_ALL, 0, resume},
	{"exchange/already_done", XC_ALL, 0, already_done},
	{"exchange/nr_exchanged_beyond", XC_ALL, 0, nr_exchanged_beyond},
	{"exchange/nothing", XC_ALL, 0, nothing},
	{"exchange/domid_mismatch", XC_ALL, 0, domid_mismatch},
	{"exchange/size_mismatch", XC_ALL, 0, size_mismatch},
	{"exchange/order_max", XC_ALL, 0, order_max},
	{"exchange/in_order_too_big", XC_ALL, 0, in_order_too_big},
	{"exchange/out_order_too_big", XC_ALL, 0, out_order_too_big},
	{"exchange/nr_2pow32", XC_ALL, 0, nr_2pow32},
	{"exchange/size_overflow", XC_ALL, 0, size_overflow},
	{"exchange/domid_one", XC_ALL, 0, domid_one},
	{"exchange/domid_xen", XC_ALL, 0, domid_xen},
	{"exchange/in_hole", XC_ALL, 0, in_hole},
	{"exchange/in_mmio", XC_ALL, 0, in_mmio},
	{"exchange/in_far", XC_ALL, 0, in_far},
	{"exchange/in_given_back", XC_ALL, 0, in_given_back},
	{"exchange/arg_null", XC_ALL, 0, arg_null},
	{"exchange/arg_unmapped", XC_ALL, 0, arg_unmapped},
	{"exchange/arg_readonly", XC_ALL, 0, arg_readonly},
	{"exchange/arg_short", XC_ALL, 0, arg_short},
	{"exchange/arg_readonly_nr", XC_ALL, 0, arg_readonly_nr},
	{"exchange/in_list_null", XC_ALL, 0, in_list_null},
	{"exchange/in_list_unmapped", XC_ALL, 0, in_list_unmapped},
	{"exchange/in_list_short", XC_ALL, 0, in_list_short},
	{"exchange/out_list_null", XC_ALL, 0, out_list_null},
	{"exchange/out_list_xen_range", XC_X86, 0, out_list_xen_range},
	{"exchange/out_list_unmapped", XC_ALL, 0, out_list_unmapped},
	{"exchange/out_list_readonly", XC_ALL, 0, out_list_readonly},
	{"exchange/lists_overlap", XC_ALL, 0, lists_overlap},
	{"exchange/cmd_start", XC_ALL, 0, cmd_start},
	{"exchange/pv_grant_table_frame", XC_X86, 0, pv_grant_table_frame},
	{"exchange/pv_mapped_page", XC_X86, 0, pv_mapped_page},
	{NULL, 0, 0, NULL},
};
