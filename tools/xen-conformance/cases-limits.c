// SPDX-License-Identifier: MIT
/*
 * What a guest asks to learn its limits (common/memory.c, do_memory_op):
 * XENMEM_maximum_ram_page, and XENMEM_current_reservation /
 * maximum_reservation / maximum_gpfn for each kind of domain id and
 * each kind of bad argument.  The three take a domid_t through the
 * argument and answer with the return value.
 *
 * Counts are printed relative to the facts discovered before the cases
 * ran ("tot", "tot-1"): the values themselves are the world's.
 */
#include "xc.h"

#include <xen/errno.h>

/* An answer relative to a fact: "fact", "fact+N", or an errno. */
static void put_rel(struct xc_case *c, const char *fact, long base, long rc)
{
	if (rc < 0 && xc_errno_name(rc)) {
		xc_put_rc(c, "rc", rc);
		return;
	}
	if (rc == base)
		xc_put(c, "rc", "%s", fact);
	else
		xc_put(c, "rc", "%s%+ld", fact, rc - base);
}

static void max_ram_page(struct xc_case *c)
{
	long rc = xc_call(c, __HYPERVISOR_memory_op, XENMEM_maximum_ram_page,
			  NULL, 0);

	put_rel(c, "max_ram_page", c->env->facts.max_ram_page, rc);
}

/* The argument is not read. */
static void max_ram_page_bad_arg(struct xc_case *c)
{
	long rc = xc_call(c, __HYPERVISOR_memory_op, XENMEM_maximum_ram_page,
			  c->env->bad.unmapped, 0);

	put_rel(c, "max_ram_page", c->env->facts.max_ram_page, rc);
}

/* A continuation start (cmd >> 6) is refused where none is possible. */
static void max_ram_page_start(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_memory_op,
			  XENMEM_maximum_ram_page | (1UL << 6), NULL, 0));
}

struct query {
	unsigned int cmd;
	const char *fact;
};

static long fact_of(const struct xc_case *c, unsigned int cmd)
{
	const struct xc_facts *f = &c->env->facts;

	return cmd == XENMEM_current_reservation   ? f->tot_pages
	       : cmd == XENMEM_maximum_reservation ? f->max_pages
						   : f->max_gpfn;
}

static const char *fact_name(unsigned int cmd)
{
	return cmd == XENMEM_current_reservation   ? "tot"
	       : cmd == XENMEM_maximum_reservation ? "max"
						   : "max_gpfn";
}

static void ask(struct xc_case *c, unsigned int cmd, unsigned long start,
		const void *arg)
{
	long rc =
		xc_call(c, __HYPERVISOR_memory_op, cmd | (start << 6), arg, 0);

	put_rel(c, fact_name(cmd), fact_of(c, cmd), rc);
}

static void ask_domid(struct xc_case *c, unsigned int cmd, domid_t domid)
{
	domid_t d = domid;

	ask(c, cmd, 0, &d);
}

/* Each query, one function per argument form and command. */
#define QUERY_CASES(cmdname, CMD)                                              \
	static void cmdname##_self(struct xc_case *c)                          \
	{                                                                      \
		ask_domid(c, CMD, DOMID_SELF);                                 \
	}                                                                      \
	static void cmdname##_dom0(struct xc_case *c)                          \
	{                                                                      \
		ask_domid(c, CMD, 0);                                          \
	}                                                                      \
	static void cmdname##_dom1(struct xc_case *c)                          \
	{                                                                      \
		ask_domid(c, CMD, 1);                                          \
	}                                                                      \
	static void cmdname##_domid_xen(struct xc_case *c)                     \
	{                                                                      \
		ask_domid(c, CMD, DOMID_XEN);                                  \
	}                                                                      \
	static void cmdname##_domid_io(struct xc_case *c)                      \
	{                                                                      \
		ask_domid(c, CMD, DOMID_IO);                                   \
	}                                                                      \
	static void cmdname##_domid_invalid(struct xc_case *c)                 \
	{                                                                      \
		ask_domid(c, CMD, DOMID_INVALID);                              \
	}                                                                      \
	static void cmdname##_null(struct xc_case *c)                          \
	{                                                                      \
		ask(c, CMD, 0, NULL);                                          \
	}                                                                      \
	static void cmdname##_unmapped(struct xc_case *c)                      \
	{                                                                      \
		ask(c, CMD, 0, c->env->bad.unmapped);                          \
	}                                                                      \
	static void cmdname##_tail(struct xc_case *c)                          \
	{                                                                      \
		uint8_t *p = xc_tail(c->env, 1);                               \
		*p = 0;                                                        \
		ask(c, CMD, 0, p);                                             \
	}                                                                      \
	static void cmdname##_start(struct xc_case *c)                         \
	{                                                                      \
		domid_t d = DOMID_SELF;                                        \
		ask(c, CMD, 1, &d);                                            \
	}

QUERY_CASES(cur, XENMEM_current_reservation)
QUERY_CASES(max, XENMEM_maximum_reservation)
QUERY_CASES(gpfn, XENMEM_maximum_gpfn)

#define QUERY_DEFS(group, cmdname)                                             \
	{group "/self", XC_ALL, 0, cmdname##_self},                            \
		{group "/dom0", XC_ALL, 0, cmdname##_dom0},                    \
		{group "/dom1", XC_ALL, 0, cmdname##_dom1},                    \
		{group "/domid_xen", XC_ALL, 0, cmdname##_domid_xen},          \
		{group "/domid_io", XC_ALL, 0, cmdname##_domid_io},            \
		{group "/domid_invalid", XC_ALL, 0, cmdname##_domid_invalid},  \
		{group "/null", XC_ALL, 0, cmdname##_null},                    \
		{group "/unmapped", XC_ALL, 0, cmdname##_unmapped},            \
		{group "/tail", XC_ALL, 0, cmdname##_tail},                    \
	{                                                                      \
		group "/start", XC_ALL, 0, cmdname##_start                     \
	}

const struct xc_case_def xc_cases_limits[] = {
	{"maximum_ram_page/max_ram_page", XC_ALL, 0, max_ram_page},
	{"maximum_ram_page/max_ram_page_bad_arg", XC_ALL, 0,
	 max_ram_page_bad_arg},
	{"maximum_ram_page/max_ram_page_start", XC_ALL, 0, max_ram_page_start},
	QUERY_DEFS("current_reservation", cur),
	QUERY_DEFS("maximum_reservation", max),
	QUERY_DEFS("maximum_gpfn", gpfn),
	{NULL, 0, 0, NULL},
};
