// SPDX-License-Identifier: MIT
/*
 * __HYPERVISOR_xen_version: the version, the feature submap a guest
 * reads first (Linux's xen_setup_features), the page size, and every
 * way to hand them a bad argument (common/kernel.c, do_xen_version).
 */
#include "xc.h"

#include <string.h>
#include <xen/version.h>

static void version(struct xc_case *c)
{
	xc_put(c, "rc", "0x%lx",
	       xc_call(c, __HYPERVISOR_xen_version, XENVER_version, NULL, 0));
}

/* The argument is never read. */
static void version_bad_arg(struct xc_case *c)
{
	xc_put(c, "rc", "0x%lx",
	       xc_call(c, __HYPERVISOR_xen_version, XENVER_version,
		       c->env->bad.unmapped, 0));
}

static void features_at(struct xc_case *c, struct xen_feature_info *fi,
			uint32_t idx)
{
	long rc;

	fi->submap_idx = idx;
	fi->submap = 0x5a5a5a5a;
	rc = xc_call(c, __HYPERVISOR_xen_version, XENVER_get_features, fi, 0);
	xc_put_rc(c, "rc", rc);
	xc_put(c, "submap", "0x%x", fi->submap);
	xc_put(c, "idx", "%u", fi->submap_idx);
}

static void features(struct xc_case *c)
{
	struct xen_feature_info fi;

	features_at(c, &fi, 0);
}

static void features_submap1(struct xc_case *c)
{
	struct xen_feature_info fi;

	features_at(c, &fi, 1);
}

static void features_submap_max(struct xc_case *c)
{
	struct xen_feature_info fi;

	features_at(c, &fi, 0xffffffffU);
}

/* The struct at the end of a page, so that it ends in the guard. */
static void features_tail(struct xc_case *c)
{
	struct xen_feature_info *fi = xc_tail(c->env, 4);

	memset(fi, 0, 4);
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, XENVER_get_features, fi,
			  0));
	xc_put(c, "idx", "%u", fi->submap_idx);
}

static void features_null(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, XENVER_get_features,
			  NULL, 0));
}

static void features_unmapped(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, XENVER_get_features,
			  c->env->bad.unmapped, 0));
}

/* Readable (submap_idx 0 from a zero page), not writable: the copy back
 * fails. */
static void features_readonly(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, XENVER_get_features,
			  c->env->bad.readonly, 0));
}

static void pagesize(struct xc_case *c)
{
	xc_put_rc(
		c, "rc",
		xc_call(c, __HYPERVISOR_xen_version, XENVER_pagesize, NULL, 0));
}

/* A non-NULL argument is refused: the answer is the return value. */
static void pagesize_arg(struct xc_case *c)
{
	uint64_t dummy = 0;

	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, XENVER_pagesize, &dummy,
			  0));
}

static void unknown_cmd(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, 0x7ffe, NULL, 0));
}

static void negative_cmd(struct xc_case *c)
{
	xc_put_rc(c, "rc",
		  xc_call(c, __HYPERVISOR_xen_version, (unsigned long)-1, NULL,
			  0));
}

const struct xc_case_def xc_cases_version[] = {
	{"xen_version/version", XC_ALL, 0, version},
	{"xen_version/version_bad_arg", XC_ALL, 0, version_bad_arg},
	{"xen_version/features", XC_ALL, 0, features},
	{"xen_version/features_submap1", XC_ALL, 0, features_submap1},
	{"xen_version/features_submap_max", XC_ALL, 0, features_submap_max},
	{"xen_version/features_tail", XC_ALL, 0, features_tail},
	{"xen_version/features_null", XC_ALL, 0, features_null},
	{"xen_version/features_unmapped", XC_ALL, 0, features_unmapped},
	{"xen_version/features_readonly", XC_ALL, 0, features_readonly},
	{"xen_version/pagesize", XC_ALL, 0, pagesize},
	{"xen_version/pagesize_arg", XC_ALL, 0, pagesize_arg},
	{"xen_version/unknown_cmd", XC_ALL, 0, unknown_cmd},
	{"xen_version/negative_cmd", XC_ALL, 0, negative_cmd},
	{NULL, 0, 0, NULL},
};
