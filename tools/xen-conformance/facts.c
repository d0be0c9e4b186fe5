// SPDX-License-Identifier: MIT
/*
 * Facts: what dom0 can learn about its hypervisor and itself before the
 * cases run, printed as "fact KEY VALUE" lines by the real run and read
 * back by the model's side to build a world that matches.
 *
 * The hypercall half (this file) is asked in both worlds: the model's
 * world must answer it as the real one did, or the world is wrong (and
 * `compare` says which fact differs before running any case).
 */
#include "xc.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/errno.h>
#include <xen/version.h>
#include <xen/features.h>

static const char *const arch_names[XC_NR_ARCH] = {"arm64", "arm32", "x86_64"};

const char *xc_arch_name(enum xc_arch a)
{
	return (unsigned int)a < XC_NR_ARCH ? arch_names[a] : "?";
}

int xc_arch_parse(const char *s, enum xc_arch *a)
{
	for (unsigned int i = 0; i < XC_NR_ARCH; i++) {
		if (strcmp(s, arch_names[i]) == 0) {
			*a = (enum xc_arch)i;
			return 0;
		}
	}
	return -1;
}

static long hc(struct xc_env *e, unsigned int op, unsigned long a1,
	       const void *a2)
{
	return e->ops->hypercall(e, op, a1, (unsigned long)a2, 0);
}

/* The highest extent order memory_op takes from dom0: an exchange of
 * nothing answers -EPERM above it and 0 up to it (memory.c checks the
 * order first and returns early when nothing is left to exchange). */
static long discover_max_order(struct xc_env *e)
{
	long last = -1;

	for (unsigned int order = 0; order < 64; order++) {
		struct xen_memory_exchange x = {
			.in = {.extent_order = order, .domid = DOMID_SELF},
			.out = {.extent_order = order, .domid = DOMID_SELF},
		};
		long rc = hc(e, __HYPERVISOR_memory_op, XENMEM_exchange, &x);

		if (rc == -XEN_EPERM)
			break;
		if (rc)
			return rc < 0 ? rc : -1;
		last = order;
	}
	return last;
}

int xc_discover_hypercall_facts(struct xc_env *e, struct xc_facts *f)
{
	struct xen_feature_info fi = {.submap_idx = 0};
	struct gnttab_query_size qs = {.dom = DOMID_SELF};
	struct gnttab_get_version gv = {.dom = DOMID_SELF};
	domid_t self = DOMID_SELF;
	long rc;

	f->version = hc(e, __HYPERVISOR_xen_version, XENVER_version, NULL);
	rc = hc(e, __HYPERVISOR_xen_version, XENVER_get_features, &fi);
	f->features = rc ? rc : (long)fi.submap;
	f->max_ram_page =
		hc(e, __HYPERVISOR_memory_op, XENMEM_maximum_ram_page, NULL);
	f->tot_pages = hc(e, __HYPERVISOR_memory_op, XENMEM_current_reservation,
			  &self);
	f->max_pages = hc(e, __HYPERVISOR_memory_op, XENMEM_maximum_reservation,
			  &self);
	f->max_gpfn = hc(e, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, &self);
	f->max_order = discover_max_order(e);
	rc = e->ops->hypercall(e, __HYPERVISOR_grant_table_op,
			       GNTTABOP_query_size, (unsigned long)&qs, 1);
	f->gnt_frames = rc ? rc : qs.status ? qs.status : (long)qs.nr_frames;
	f->gnt_max_frames = rc || qs.status ? -1 : (long)qs.max_nr_frames;
	rc = e->ops->hypercall(e, __HYPERVISOR_grant_table_op,
			       GNTTABOP_get_version, (unsigned long)&gv, 1);
	f->gnt_version = rc ? rc : (long)gv.version;
	return 0;
}

/* The facts the model's world reproduces and re-asks. */
#define HC_FACTS(X)                                                            \
	X(version)                                                             \
	X(features)                                                            \
	X(max_ram_page)                                                        \
	X(tot_pages)                                                           \
	X(max_pages)                                                           \
	X(max_gpfn)                                                            \
	X(max_order)                                                           \
	X(gnt_frames)                                                          \
	X(gnt_max_frames)                                                      \
	X(gnt_version)

static void print_ranges(const char *key, const struct xc_range *r,
			 unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		printf("fact %s 0x%" PRIx64 "-0x%" PRIx64 "\n", key, r[i].start,
		       r[i].end);
}

void xc_facts_print(const struct xc_facts *f)
{
	printf("fact arch %s\n", xc_arch_name(f->arch));
#define P(k) printf("fact " #k " %ld\n", f->k);
	HC_FACTS(P)
#undef P
	print_ranges("machine", f->machine, f->nmachine);
	print_ranges("ram", f->ram, f->nram);
	if (f->gnt_region.end)
		print_ranges("gnt_region", &f->gnt_region, 1);
	print_ranges("ext", f->ext, f->next);
	printf("fact mmio_frame 0x%" PRIx64 "\n", f->mmio_frame);
}

static int parse_range(const char *v, struct xc_range *r)
{
	unsigned long long a, b;
	char tail;

	if (sscanf(v, "%llx-%llx%c", &a, &b, &tail) != 2 || a >= b)
		return -1;
	r->start = a;
	r->end = b;
	return 0;
}

static int add_range(const char *v, struct xc_range *r, unsigned int *n)
{
	if (*n == XC_MAX_RANGES || parse_range(v, &r[*n]))
		return -1;
	(*n)++;
	return 0;
}

int xc_facts_parse_line(struct xc_facts *f, const char *line)
{
	char key[32], val[128], tail;
	char *end;

	if (sscanf(line, "%31s %127s %c", key, val, &tail) != 2)
		return -1;
	if (strcmp(key, "arch") == 0)
		return xc_arch_parse(val, &f->arch);
	if (strcmp(key, "machine") == 0)
		return add_range(val, f->machine, &f->nmachine);
	if (strcmp(key, "ram") == 0)
		return add_range(val, f->ram, &f->nram);
	if (strcmp(key, "ext") == 0)
		return add_range(val, f->ext, &f->next);
	if (strcmp(key, "gnt_region") == 0)
		return parse_range(val, &f->gnt_region);
	if (strcmp(key, "mmio_frame") == 0) {
		f->mmio_frame = strtoull(val, &end, 0);
		return *end ? -1 : 0;
	}
#define K(k)                                                                   \
	if (strcmp(key, #k) == 0) {                                            \
		f->k = strtol(val, &end, 0);                                   \
		return *end ? -1 : 0;                                          \
	}
	HC_FACTS(K)
#undef K
	return -1;
}

const char *xc_facts_missing(const struct xc_facts *f)
{
	if (f->max_ram_page <= 0)
		return "max_ram_page";
	if (f->tot_pages <= 0)
		return "tot_pages";
	if (f->max_order < 0)
		return "max_order";
	if (!f->nmachine)
		return "machine";
	if (f->arch != XC_X86_64 && !f->nram)
		return "ram";
	if (f->arch != XC_X86_64 && !f->gnt_region.end)
		return "gnt_region";
	if (f->gnt_frames <= 0 || f->gnt_max_frames <= 0)
		return "gnt_frames";
	return NULL;
}

/* Do two fact sets agree on what hypercalls answer?  NULL, or the first
 * key that differs. */
const char *xc_facts_differ(const struct xc_facts *a, const struct xc_facts *b)
{
#define D(k)                                                                   \
	if (a->k != b->k)                                                      \
		return #k;
	HC_FACTS(D)
#undef D
	return NULL;
}
