// SPDX-License-Identifier: MIT
/*
 * GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref
 * (common/grant_table.c, map_grant_ref / unmap_common, and ARM's
 * create_grant_host_mapping / replace_grant_host_mapping).
 *
 * The grants are dom0's own pages granted to dom0 itself through the
 * world's gntalloc (Linux's drivers/xen/gntalloc.c; the model writes
 * the entry as it does), writable or read-only; a real dom0 has nobody
 * else to be granted by.  Statuses are per element; the call itself
 * answers for the array.
 *
 * ARM (translated): a host mapping puts the granted frame at a
 * guest-physical address, over whatever was there; device mappings are
 * refused.  x86 PV: device mappings are fine (dev_bus_addr is the
 * machine address); host mappings name page-table entries of the
 * caller, which user space may not touch, so only their refusals run.
 */
#include "xc.h"

#include <string.h>
#include <sys/mman.h>
#include <xen/errno.h>

static uint64_t gaddr(uint64_t gfn)
{
	return gfn << XC_PAGE_SHIFT;
}

/* Map with flags at host_addr, record status and dev_bus_addr, unmap
 * when it worked (with the addresses it was mapped with). */
static void map_unmap(struct xc_case *c, struct xc_grant *g, uint32_t flags,
		      uint64_t host)
{
	grant_handle_t h = 0;
	uint64_t dev = 0;
	int16_t st = xc_map(c, flags, g->ref, 0, host, &h, &dev);

	xc_put_gntst(c, "status", st);
	if (st != GNTST_okay)
		return;
	xc_put_maddr(c, "dev_bus_addr", dev);
	xc_put_gntst(c, "unmap",
		     xc_unmap(c, h, (flags & GNTMAP_host_map) ? host : 0,
			      (flags & GNTMAP_device_map) ? dev : 0));
	xc_put_gntst(c, "unmap_again",
		     xc_unmap(c, h, (flags & GNTMAP_host_map) ? host : 0,
			      (flags & GNTMAP_device_map) ? dev : 0));
}

/* The usual map of each arch: ARM host, PV device. */
static uint32_t usual(const struct xc_case *c)
{
	return xc_arm(c) ? GNTMAP_host_map : GNTMAP_device_map;
}

static uint64_t usual_host(struct xc_case *c)
{
	return xc_arm(c) ? gaddr(xc_hole_gfn(c, 6)) : 0;
}

static void with_grant(struct xc_case *c, bool writable, uint32_t flags,
		       bool at_hole)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 0, writable, &g))
		return;
	map_unmap(c, &g, flags, at_hole ? usual_host(c) : 0);
	xc_grant_put(c, &g);
}

static void rw_grant(struct xc_case *c)
{
	with_grant(c, true, usual(c), true);
}

static void ro_map_of_rw_grant(struct xc_case *c)
{
	with_grant(c, true, usual(c) | GNTMAP_readonly, true);
}

static void ro_map_of_ro_grant(struct xc_case *c)
{
	with_grant(c, false, usual(c) | GNTMAP_readonly, true);
}

static void rw_map_of_ro_grant(struct xc_case *c)
{
	with_grant(c, false, usual(c), true);
}

static void flags_none(struct xc_case *c)
{
	with_grant(c, true, 0, true);
}

static void device_map(struct xc_case *c)
{
	with_grant(c, true, GNTMAP_device_map, false);
}

static void host_and_device(struct xc_case *c)
{
	with_grant(c, true, GNTMAP_host_map | GNTMAP_device_map, true);
}

static void contains_pte(struct xc_case *c)
{
	with_grant(c, true, GNTMAP_host_map | GNTMAP_contains_pte, false);
}

static void application_map(struct xc_case *c)
{
	with_grant(c, true, GNTMAP_host_map | GNTMAP_application_map, true);
}

/* x86: a host mapping at a linear address with no page table. */
static void pv_host_map_va0(struct xc_case *c)
{
	with_grant(c, true, GNTMAP_host_map, false);
}

/* ARM: the host address's offset in the page is ignored. */
static void host_addr_offset(struct xc_case *c)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	map_unmap(c, &g, GNTMAP_host_map, gaddr(xc_hole_gfn(c, 6)) + 0x123);
	xc_grant_put(c, &g);
}

/* ARM: a guest-physical address no p2m can hold. */
static void host_addr_far(struct xc_case *c)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	map_unmap(c, &g, GNTMAP_host_map, 1ULL << 52);
	xc_grant_put(c, &g);
}

/* Grant references and domains that do not work. */
static void ref_dom(struct xc_case *c, grant_ref_t ref, domid_t dom)
{
	xc_put_gntst(c, "status",
		     xc_map(c, usual(c), ref, dom, usual_host(c), NULL, NULL));
}

static void ref_beyond_table(struct xc_case *c)
{
	ref_dom(c, xc_gnt_frames(c) * 512, 0);
}

static void ref_huge(struct xc_case *c)
{
	ref_dom(c, 0xffffffffU, 0);
}

/* The table's last entry, which nobody granted. */
static void ref_not_granted(struct xc_case *c)
{
	ref_dom(c, xc_gnt_frames(c) * 512 - 1, 0);
}

static void dom_self(struct xc_case *c)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	ref_dom(c, g.ref, DOMID_SELF);
	xc_grant_put(c, &g);
}

static void dom_one(struct xc_case *c)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	ref_dom(c, g.ref, 1);
	xc_grant_put(c, &g);
}

static void dom_xen(struct xc_case *c)
{
	ref_dom(c, 8, DOMID_XEN);
}

/* A grant made to domain 1: dom0 may not map it. */
static void granted_to_other(struct xc_case *c)
{
	struct xc_grant g;

	if (xc_grant(c, "G", 1, true, &g))
		return;
	ref_dom(c, g.ref, 0);
	xc_grant_put(c, &g);
}

/* Twice: two mappings, two handles, the same frame. */
static void twice(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h1 = 0, h2 = 0;
	uint64_t d1 = 0, d2 = 0;
	uint64_t a1 = usual_host(c),
		 a2 = xc_arm(c) ? gaddr(xc_hole_gfn(c, 7)) : 0;
	int16_t s1, s2;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	s1 = xc_map(c, usual(c), g.ref, 0, a1, &h1, &d1);
	s2 = xc_map(c, usual(c) | GNTMAP_readonly, g.ref, 0, a2, &h2, &d2);
	xc_put_gntst(c, "first", s1);
	xc_put_gntst(c, "second", s2);
	xc_put(c, "handles_differ", "%d", h1 != h2);
	xc_put(c, "same_frame", "%d", d1 == d2);
	if (s1 == GNTST_okay)
		xc_put_gntst(c, "unmap1",
			     xc_unmap(c, h1, xc_arm(c) ? a1 : 0,
				      xc_arm(c) ? 0 : d1));
	if (s2 == GNTST_okay)
		xc_put_gntst(c, "unmap2",
			     xc_unmap(c, h2, xc_arm(c) ? a2 : 0,
				      xc_arm(c) ? 0 : d2));
	xc_grant_put(c, &g);
}

/* ARM: the grant over a page of dom0's: the page reads the granted
 * page; unmapping leaves a hole; populate brings the page back. */
static void arm_over_own_page(struct xc_case *c)
{
	struct xc_grant g;
	struct xc_page pg;
	grant_handle_t h = 0;
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g) || xc_page(c, "P", 0, &pg))
		return;
	memset(g.va, 0xb2, XC_PAGE_SIZE);
	memset(pg.va, 0x4e, XC_PAGE_SIZE);
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, gaddr(pg.frame), &h, NULL);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay) {
		xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
		memset(pg.va, 0x19, 64);
		xc_put_bytes(c, "grant_reads", g.va, 64);
		xc_put_gntst(c, "unmap", xc_unmap(c, h, gaddr(pg.frame), 0));
	}
	xc_restore(c, pg.frame, 0);
	xc_put_bytes(c, "reads_after", pg.va, XC_PAGE_SIZE);
	xc_page_put(c, &pg, 0);
	xc_grant_put(c, &g);
}

/* ARM: read-only over a page of dom0's: writes fault, so none here;
 * the page reads the grant. */
static void arm_ro_over_own_page(struct xc_case *c)
{
	struct xc_grant g;
	struct xc_page pg;
	grant_handle_t h = 0;
	int16_t st;

	if (xc_grant(c, "G", 0, false, &g) || xc_page(c, "P", 0, &pg))
		return;
	memset(g.va, 0x6a, XC_PAGE_SIZE);
	st = xc_map(c, GNTMAP_host_map | GNTMAP_readonly, g.ref, 0,
		    gaddr(pg.frame), &h, NULL);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay) {
		xc_put_bytes(c, "reads", pg.va, XC_PAGE_SIZE);
		xc_put_gntst(c, "unmap", xc_unmap(c, h, gaddr(pg.frame), 0));
	}
	xc_restore(c, pg.frame, 0);
	xc_page_put(c, &pg, 0);
	xc_grant_put(c, &g);
}

/* ARM: unmapping at an address that holds nothing removes nothing and
 * succeeds; the mapping stays where it was (taken out by hand after). */
static void arm_unmap_elsewhere(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t at = gaddr(xc_hole_gfn(c, 6));
	struct xen_remove_from_physmap xrfp = {.domid = DOMID_SELF,
					       .gpfn = xc_hole_gfn(c, 6)};
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, at, &h, NULL);
	xc_put_gntst(c, "status", st);
	if (st != GNTST_okay)
		goto out;
	xc_put_gntst(c, "unmap_hole",
		     xc_unmap(c, h, gaddr(xc_hole_gfn(c, 8)), 0));
	xc_put_gntst(c, "unmap_again", xc_unmap(c, h, at, 0));
	xc_put_rc(c, "left_mapped",
		  xc_call(c, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
			  &xrfp, 0));
out:
	xc_grant_put(c, &g);
}

/* ARM: unmapping at a page of dom0's RAM (another frame): refused, the
 * handle stays; then the right unmap. */
static void arm_unmap_at_ram(struct xc_case *c)
{
	struct xc_grant g;
	struct xc_page pg;
	grant_handle_t h = 0;
	uint64_t at = gaddr(xc_hole_gfn(c, 6));
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g) || xc_page(c, "P", 0, &pg))
		return;
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, at, &h, NULL);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay) {
		xc_put_gntst(c, "unmap_ram",
			     xc_unmap(c, h, gaddr(pg.frame), 0));
		xc_put_gntst(c, "unmap", xc_unmap(c, h, at, 0));
	}
	xc_page_put(c, &pg, 0);
	xc_grant_put(c, &g);
}

/* Unmapping nothing (both addresses 0): done, the handle stays. */
static void unmap_nothing(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t dev = 0, at = usual_host(c);
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, usual(c), g.ref, 0, at, &h, &dev);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay) {
		xc_put_gntst(c, "unmap_nothing", xc_unmap(c, h, 0, 0));
		xc_put_gntst(c, "unmap",
			     xc_unmap(c, h, xc_arm(c) ? at : 0,
				      xc_arm(c) ? 0 : dev));
	}
	xc_grant_put(c, &g);
}

/* x86: a device mapping unmapped at another bus address. */
static void pv_unmap_wrong_dev(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t dev = 0;
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, GNTMAP_device_map, g.ref, 0, 0, &h, &dev);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay) {
		xc_put_gntst(c, "wrong", xc_unmap(c, h, 0, dev + XC_PAGE_SIZE));
		xc_put_gntst(c, "unmap", xc_unmap(c, h, 0, dev));
	}
	xc_grant_put(c, &g);
}

/* ARM: a bus address with a host mapping only is not looked at. */
static void arm_unmap_dev_ignored(struct xc_case *c)
{
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t at = gaddr(xc_hole_gfn(c, 6));
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, GNTMAP_host_map, g.ref, 0, at, &h, NULL);
	xc_put_gntst(c, "status", st);
	if (st == GNTST_okay)
		xc_put_gntst(c, "unmap", xc_unmap(c, h, at, 0x1000));
	xc_grant_put(c, &g);
}

static void unmap_bad_handle(struct xc_case *c)
{
	xc_put_gntst(c, "huge", xc_unmap(c, 0xffffffffU, 0, 0));
	xc_put_gntst(c, "unused", xc_unmap(c, 1000, 0x1000, 0x1000));
}

/* ---- arrays ---- */

/* Three at once: good, bad reference, no flags. */
static void batch(struct xc_case *c)
{
	struct gnttab_map_grant_ref ops[3];
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 3; i++) {
		ops[i].flags = usual(c);
		ops[i].ref = g.ref;
		ops[i].host_addr = usual_host(c);
		ops[i].status = 99;
	}
	ops[1].ref = 0xffffff;
	ops[2].flags = 0;
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_map_grant_ref, ops, 3));
	for (int i = 0; i < 3; i++)
		xc_put_gntst(c, "status", ops[i].status);
	if (ops[0].status == GNTST_okay)
		xc_put_gntst(c, "unmap",
			     xc_unmap(c, ops[0].handle, ops[0].host_addr,
				      xc_arm(c) ? 0 : ops[0].dev_bus_addr));
	xc_grant_put(c, &g);
}

static void map_array(struct xc_case *c, void *a, unsigned int count)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_map_grant_ref, a, count));
}

static void map_null(struct xc_case *c)
{
	map_array(c, NULL, 1);
}

static void map_null_count0(struct xc_case *c)
{
	map_array(c, NULL, 0);
}

static void map_unmapped(struct xc_case *c)
{
	map_array(c, c->env->bad.unmapped, 1);
}

/* A negative count (as an int). */
static void map_count_negative(struct xc_case *c)
{
	map_array(c, NULL, 0x80000000U);
}

/* Zero flags from a read-only page: processed (bad_gntref), not
 * written back. */
static void map_readonly(struct xc_case *c)
{
	map_array(c, c->env->bad.readonly, 1);
}

/* Two elements, the second past the end of the mapping: the first is
 * mapped and written back, then -EFAULT. */
static void map_short(struct xc_case *c)
{
	struct gnttab_map_grant_ref *op =
		xc_tail(c->env, sizeof(struct gnttab_map_grant_ref));
	struct xc_grant g;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	memset(op, 0, sizeof(*op));
	op->flags = usual(c);
	op->ref = g.ref;
	op->host_addr = usual_host(c);
	op->status = 99;
	map_array(c, op, 2);
	xc_put_gntst(c, "status0", op->status);
	if (op->status == GNTST_okay)
		xc_put_gntst(c, "unmap",
			     xc_unmap(c, op->handle, op->host_addr,
				      xc_arm(c) ? 0 : op->dev_bus_addr));
	xc_grant_put(c, &g);
}

static void map_cont_bits(struct xc_case *c)
{
	struct gnttab_map_grant_ref op = {0};

	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_map_grant_ref | (1U << 12), &op, 1));
}

static void unmap_array(struct xc_case *c, void *a, unsigned int count)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_unmap_grant_ref, a, count));
}

static void unmap_null(struct xc_case *c)
{
	unmap_array(c, NULL, 1);
}

static void unmap_unmapped(struct xc_case *c)
{
	unmap_array(c, c->env->bad.unmapped, 1);
}

/* Only the status is written back: bad_handle for handle 0 (nobody's)
 * cannot be written to a read-only page. */
static void unmap_readonly(struct xc_case *c)
{
	unmap_array(c, c->env->bad.readonly, 1);
}

/* Two unmaps, the second past the end of the mapping. */
static void unmap_short(struct xc_case *c)
{
	struct gnttab_unmap_grant_ref *op =
		xc_tail(c->env, sizeof(struct gnttab_unmap_grant_ref));
	struct xc_grant g;
	grant_handle_t h = 0;
	uint64_t dev = 0, at = usual_host(c);
	int16_t st;

	if (xc_grant(c, "G", 0, true, &g))
		return;
	st = xc_map(c, usual(c), g.ref, 0, at, &h, &dev);
	xc_put_gntst(c, "map", st);
	memset(op, 0, sizeof(*op));
	op->handle = h;
	op->host_addr = xc_arm(c) ? at : 0;
	op->dev_bus_addr = xc_arm(c) ? 0 : dev;
	op->status = 99;
	unmap_array(c, op, 2);
	xc_put_gntst(c, "status0", op->status);
	xc_put_gntst(c, "unmap_again",
		     xc_unmap(c, h, xc_arm(c) ? at : 0, xc_arm(c) ? 0 : dev));
	xc_grant_put(c, &g);
}

const struct xc_case_def xc_cases_gnt_map[] = {
	{"map_grant_ref/rw_grant", XC_ALL, 0, rw_grant},
	{"map_grant_ref/ro_map_of_rw_grant", XC_ALL, 0, ro_map_of_rw_grant},
	{"map_grant_ref/ro_map_of_ro_grant", XC_ALL, 0, ro_map_of_ro_grant},
	{"map_grant_ref/rw_map_of_ro_grant", XC_ALL, 0, rw_map_of_ro_grant},
	{"map_grant_ref/flags_none", XC_ALL, 0, flags_none},
	{"map_grant_ref/device_map", XC_ALL, 0, device_map},
	{"map_grant_ref/host_and_device", XC_ARM, 0, host_and_device},
	{"map_grant_ref/contains_pte", XC_ALL, 0, contains_pte},
	{"map_grant_ref/application_map", XC_ARM, 0, application_map},
	{"map_grant_ref/pv_host_map_va0", XC_X86, 0, pv_host_map_va0},
	{"map_grant_ref/host_addr_offset", XC_ARM, 0, host_addr_offset},
	{"map_grant_ref/host_addr_far", XC_ARM, 0, host_addr_far},
	{"map_grant_ref/ref_beyond_table", XC_ALL, 0, ref_beyond_table},
	{"map_grant_ref/ref_huge", XC_ALL, 0, ref_huge},
	{"map_grant_ref/ref_not_granted", XC_ALL, 0, ref_not_granted},
	{"map_grant_ref/dom_self", XC_ALL, 0, dom_self},
	{"map_grant_ref/dom_one", XC_ALL, 0, dom_one},
	{"map_grant_ref/dom_xen", XC_ALL, 0, dom_xen},
	{"map_grant_ref/granted_to_other", XC_ALL, 0, granted_to_other},
	{"map_grant_ref/twice", XC_ALL, 0, twice},
	{"map_grant_ref/arm_over_own_page", XC_ARM, 0, arm_over_own_page},
	{"map_grant_ref/arm_ro_over_own_page", XC_ARM, 0, arm_ro_over_own_page},
	{"unmap_grant_ref/arm_elsewhere", XC_ARM, 0, arm_unmap_elsewhere},
	{"unmap_grant_ref/arm_at_ram", XC_ARM, 0, arm_unmap_at_ram},
	{"unmap_grant_ref/nothing", XC_ALL, 0, unmap_nothing},
	{"unmap_grant_ref/pv_wrong_dev", XC_X86, 0, pv_unmap_wrong_dev},
	{"unmap_grant_ref/arm_dev_ignored", XC_ARM, 0, arm_unmap_dev_ignored},
	{"unmap_grant_ref/bad_handle", XC_ALL, 0, unmap_bad_handle},
	{"map_grant_ref/batch", XC_ALL, 0, batch},
	{"map_grant_ref/null", XC_ALL, 0, map_null},
	{"map_grant_ref/null_count0", XC_ALL, 0, map_null_count0},
	{"map_grant_ref/unmapped", XC_ALL, 0, map_unmapped},
	{"map_grant_ref/count_negative", XC_ALL, 0, map_count_negative},
	{"map_grant_ref/readonly", XC_ALL, 0, map_readonly},
	{"map_grant_ref/short", XC_ALL, 0, map_short},
	{"map_grant_ref/cont_bits", XC_ALL, 0, map_cont_bits},
	{"unmap_grant_ref/null", XC_ALL, 0, unmap_null},
	{"unmap_grant_ref/unmapped", XC_ALL, 0, unmap_unmapped},
	{"unmap_grant_ref/readonly", XC_ALL, 0, unmap_readonly},
	{"unmap_grant_ref/short", XC_ALL, 0, unmap_short},
	{NULL, 0, 0, NULL},
};
