// SPDX-License-Identifier: MIT
/*
 * GNTTABOP_cache_flush (common/grant_table.c, _cache_flush and
 * grant_map_exists): the argument checks, whose frame may be flushed
 * (the caller's own; another domain's only through a grant the caller
 * maps), the operations per architecture (x86 has no invalidate without
 * a clean), arrays and the continuation argument in the command.
 *
 * The frame is a machine address: on ARM's 1:1 dom0 a page's gfn; on
 * x86 PV a frame from increase_reservation or a grant-table frame.
 * What memory reads afterwards is recorded after a clean (QEMU's TCG
 * caches are coherent, so an invalidate alone shows nothing a model
 * with caches would agree on).
 */
#include "xc.h"

#include <string.h>
#include <xen/errno.h>

#define CLEAN GNTTAB_CACHE_CLEAN
#define INVAL GNTTAB_CACHE_INVAL

/* A frame of dom0's own, and its page when the case can read it. */
struct own {
	struct xc_page pg; /* ARM */
	uint64_t mfn;
};

static int own_get(struct xc_case *c, struct own *o)
{
	memset(o, 0, sizeof(*o));
	if (xc_arm(c)) {
		if (xc_page(c, "P", 0, &o->pg))
			return -1;
		o->mfn = o->pg.frame;
		memset(o->pg.va, 0x9d, XC_PAGE_SIZE);
		return 0;
	}
	o->mfn = xc_pv_frame(c, 0);
	if (o->mfn == ~0ULL) {
		xc_put(c, "setup", "no-frame");
		return -1;
	}
	return 0;
}

/* Read the page back (not after an invalidate alone: QEMU's caches are
 * coherent and lose nothing, a model of real caches loses the CPU's
 * dirty lines, and neither is Xen's doing). */
static void own_put_read(struct xc_case *c, struct own *o, bool read)
{
	if (xc_arm(c)) {
		if (read)
			xc_put_bytes(c, "reads", o->pg.va, XC_PAGE_SIZE);
		xc_page_put(c, &o->pg, 0);
	} else {
		xc_decrease_one(c, o->mfn, 0);
	}
}

static void own_put(struct xc_case *c, struct own *o)
{
	own_put_read(c, o, true);
}

static void own_op(struct xc_case *c, uint16_t off, uint16_t len, uint32_t op)
{
	struct own o;

	if (own_get(c, &o))
		return;
	xc_put_rc(c, "rc", xc_flush(c, o.mfn << XC_PAGE_SHIFT, off, len, op));
	own_put_read(c, &o, op != INVAL);
}

static void clean(struct xc_case *c)
{
	own_op(c, 0, XC_PAGE_SIZE, CLEAN);
}

static void inval(struct xc_case *c)
{
	own_op(c, 0, XC_PAGE_SIZE, INVAL);
}

static void clean_inval(struct xc_case *c)
{
	own_op(c, 0, XC_PAGE_SIZE, CLEAN | INVAL);
}

static void last_byte(struct xc_case *c)
{
	own_op(c, XC_PAGE_SIZE - 1, 1, CLEAN);
}

static void zero_length(struct xc_case *c)
{
	own_op(c, 0, 0, CLEAN);
}

static void op_zero(struct xc_case *c)
{
	own_op(c, 0, 64, 0);
}

static void offset_page(struct xc_case *c)
{
	own_op(c, XC_PAGE_SIZE, 0, CLEAN);
}

static void length_too_big(struct xc_case *c)
{
	own_op(c, 0, XC_PAGE_SIZE + 1, CLEAN);
}

static void past_page_end(struct xc_case *c)
{
	own_op(c, 1, XC_PAGE_SIZE, CLEAN);
}

static void op_unknown_bit(struct xc_case *c)
{
	own_op(c, 0, 64, CLEAN | 4);
}

/* Flushing by grant reference was never implemented. */
static void op_source_gref(struct xc_case *c)
{
	own_op(c, 0, 64, CLEAN | GNTTAB_CACHE_SOURCE_GREF);
}

/* The low bits of the address are not looked at: offset says where. */
static void addr_low_bits(struct xc_case *c)
{
	struct own o;

	if (own_get(c, &o))
		return;
	xc_put_rc(c, "rc",
		  xc_flush(c, (o.mfn << XC_PAGE_SHIFT) | 0xabc, 0, 64, CLEAN));
	own_put(c, &o);
}

/* Frames that are not dom0's. */
static void frame(struct xc_case *c, uint64_t mfn)
{
	xc_put_rc(c, "rc", xc_flush(c, mfn << XC_PAGE_SHIFT, 0, 64, CLEAN));
}

/* ARM: a frame of RAM in an extended region (free, or Xen's). */
static void arm_not_ours(struct xc_case *c)
{
	frame(c, xc_hole_gfn(c, 0));
}

static void max_ram_page(struct xc_case *c)
{
	frame(c, (uint64_t)c->env->facts.max_ram_page);
}

static void mmio(struct xc_case *c)
{
	frame(c, c->env->facts.mmio_frame);
}

static void far(struct xc_case *c)
{
	frame(c, 1ULL << 40);
}

/* x86: a frame dom0 gave back is nobody's now. */
static void pv_given_back(struct xc_case *c)
{
	uint64_t mfn = xc_pv_frame(c, 0);

	xc_put_rc(c, "given_back", xc_decrease_one(c, mfn, 0));
	frame(c, mfn);
}

/* A grant-table frame: Xen's, shared with dom0, so dom0's to flush.
 * (x86 learns its machine frame from setup_table; ARM cannot.) */
static void pv_grant_table_frame(struct xc_case *c)
{
	struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 1};
	xen_pfn_t f = 0;

	set_xen_guest_handle(st.frame_list, &f);
	xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, 1);
	frame(c, f);
}

/* A page dom0 granted itself and maps: still its own. */
static void own_granted(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t dev = 0;
	uint64_t at = xc_arm(c) ? xc_hole_gfn(c, 9) << XC_PAGE_SHIFT : 0;
	uint32_t flags = xc_arm(c) ? GNTMAP_host_map : GNTMAP_device_map;
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, flags, g.ref, 0, at, &h, &dev);
	xc_put_gntst(c, "map", st);
	if (st != GNTST_okay)
		goto out;
	xc_put_rc(c, "rc", xc_flush(c, dev, 0, 64, CLEAN | INVAL));
	xc_unmap(c, h, at, xc_arm(c) ? 0 : dev);
out:
	xc_grant_put(c, &g);
}

/* x86: a page dom0's kernel maps for us, by its machine frame (from
 * dmk_p2m): dom0's own, so it may be flushed; no invalidate alone. */
static void pv_user_page(struct xc_case *c)
{
	struct xc_page pg;
	uint64_t mfn;

	if (xc_page(c, "P", 0, &pg))
		return;
	memset(pg.va, 0x71, XC_PAGE_SIZE);
	mfn = xc_mfn(c, pg.frame);
	xc_name(c, "P_mfn", mfn);
	xc_put_frame(c, "frame", mfn);
	xc_put_rc(c, "clean",
		  xc_flush(c, mfn << XC_PAGE_SHIFT, 0, XC_PAGE_SIZE, CLEAN));
	xc_put_rc(c, "inval", xc_flush(c, mfn << XC_PAGE_SHIFT, 0, 64, INVAL));
	xc_put_rc(c, "both",
		  xc_flush(c, mfn << XC_PAGE_SHIFT, 64, 128, CLEAN | INVAL));
	xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
}

/* ---- arrays and the command ---- */

/* Good, bad, good: the call stops at the bad one with its error. */
static void batch(struct xc_case *c)
{
	struct gnttab_cache_flush cf[3];
	struct own o;

	if (own_get(c, &o))
		return;
	memset(cf, 0, sizeof(cf));
	for (int i = 0; i < 3; i++) {
		cf[i].a.dev_bus_addr = o.mfn << XC_PAGE_SHIFT;
		cf[i].length = 64;
		cf[i].op = CLEAN;
	}
	cf[1].a.dev_bus_addr = (uint64_t)c->env->facts.max_ram_page
			       << XC_PAGE_SHIFT;
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_cache_flush,
			  cf, 3));
	own_put(c, &o);
}

static void array_at(struct xc_case *c, const void *a, unsigned int count)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_cache_flush,
			  a, count));
}

static void null_array(struct xc_case *c)
{
	array_at(c, NULL, 1);
}

static void null_count0(struct xc_case *c)
{
	array_at(c, NULL, 0);
}

static void unmapped_array(struct xc_case *c)
{
	array_at(c, c->env->bad.unmapped, 1);
}

/* All zero: length 0, the probe. */
static void readonly_array(struct xc_case *c)
{
	array_at(c, c->env->bad.readonly, 1);
}

static void xen_range_array(struct xc_case *c)
{
	array_at(c, (const void *)(uintptr_t)0xffff800000000000ULL, 1);
}

/* Two probes, the second past the end of the mapping. */
static void short_array(struct xc_case *c)
{
	struct gnttab_cache_flush *cf =
		xc_tail(c->env, sizeof(struct gnttab_cache_flush));

	memset(cf, 0, sizeof(*cf));
	array_at(c, cf, 2);
}

/* The continuation argument is where a foreign search resumes; a probe
 * must not be continued. */
static void cont_probe(struct xc_case *c)
{
	struct gnttab_cache_flush cf = {.op = CLEAN};

	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_cache_flush | (5U << 12), &cf, 1));
}

/* ... and is not needed for the caller's own frame. */
static void cont_own(struct xc_case *c)
{
	struct gnttab_cache_flush cf = {.length = 64, .op = CLEAN};
	struct own o;

	if (own_get(c, &o))
		return;
	cf.a.dev_bus_addr = o.mfn << XC_PAGE_SHIFT;
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_cache_flush | (5U << 12), &cf, 1));
	own_put(c, &o);
}

const struct xc_case_def xc_cases_cache_flush[] = {
	{"cache_flush/clean", XC_ALL, 0, clean},
	{"cache_flush/inval", XC_ALL, 0, inval},
	{"cache_flush/clean_inval", XC_ALL, 0, clean_inval},
	{"cache_flush/last_byte", XC_ALL, 0, last_byte},
	{"cache_flush/zero_length", XC_ALL, 0, zero_length},
	{"cache_flush/op_zero", XC_ALL, 0, op_zero},
	{"cache_flush/offset_page", XC_ALL, 0, offset_page},
	{"cache_flush/length_too_big", XC_ALL, 0, length_too_big},
	{"cache_flush/past_page_end", XC_ALL, 0, past_page_end},
	{"cache_flush/op_unknown_bit", XC_ALL, 0, op_unknown_bit},
	{"cache_flush/op_source_gref", XC_ALL, 0, op_source_gref},
	{"cache_flush/addr_low_bits", XC_ALL, 0, addr_low_bits},
	{"cache_flush/arm_not_ours", XC_ARM, 0, arm_not_ours},
	{"cache_flush/max_ram_page", XC_ALL, 0, max_ram_page},
	{"cache_flush/mmio", XC_ALL, 0, mmio},
	{"cache_flush/far", XC_ALL, 0, far},
	{"cache_flush/pv_given_back", XC_X86, 0, pv_given_back},
	{"cache_flush/pv_grant_table_frame", XC_X86, 0, pv_grant_table_frame},
	{"cache_flush/pv_user_page", XC_X86, 0, pv_user_page},
	{"cache_flush/own_granted", XC_ALL, 0, own_granted},
	{"cache_flush/batch", XC_ALL, 0, batch},
	{"cache_flush/null_array", XC_ALL, 0, null_array},
	{"cache_flush/null_count0", XC_ALL, 0, null_count0},
	{"cache_flush/unmapped_array", XC_ALL, 0, unmapped_array},
	{"cache_flush/readonly_array", XC_ALL, 0, readonly_array},
	{"cache_flush/xen_range_array", XC_X86, 0, xen_range_array},
	{"cache_flush/short_array", XC_ALL, 0, short_array},
	{"cache_flush/cont_probe", XC_ALL, 0, cont_probe},
	{"cache_flush/cont_own", XC_ALL, 0, cont_own},
	{NULL, 0, 0, NULL},
};
