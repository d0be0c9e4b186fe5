/* SPDX-License-Identifier: MIT */
/*
 * dmakit run: build a simulated world (a built-in platform or a device
 * tree), probe the drivers, run the workloads with every byte checked,
 * and report what the DMA layer did and whether integrity held.
 */
#include "commands.h"
#include "report/run.h"
#include "scenarios/naive.h"

#include "workload.h"
#include "world.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RUN_DEFAULT_PLATFORM "arm64-dom0"
#define RUN_DEFAULT_OPS 2000
#define RUN_MAX_OPS 100000000ULL
/*
 * Linux's default pool is 64 MiB.  Under Xen every one of its pages is
 * exchanged for machine-contiguous memory at boot, which dominates a
 * short run; a default run's high-water mark is under 1 MiB, so runs on
 * built-in platforms default to 16 MiB (--swiotlb 64M gives Linux's
 * size).  A device tree is a real board: it gets Linux's own sizing
 * (DMK_SWIOTLB_SIZE_AUTO), which on a small board is far smaller.
 */
#define RUN_DEFAULT_SWIOTLB (16ULL << 20)

static const char run_usage[] =
	"usage: dmakit run [options]\n"
	"\n"
	"Run drivers (workloads) on a simulated platform through the DMA layer;\n"
	"the oracle checks every byte each DMA delivers, and counts faults and\n"
	"leaks.\n"
	"\n"
	"  --platform NAME|FILE.dtb  a built-in platform (default " RUN_DEFAULT_PLATFORM
	")\n"
	"                            or a flattened device tree\n"
	"  --mem SIZE[@BASE]         RAM for a tree whose /memory is empty\n"
	"  --arch arm32|arm64        override the tree's CPUs (a 32-bit kernel\n"
	"                            on an ARMv8 board)\n"
	"  --device PATH             run on this DMA master of the tree (repeatable)\n"
	"  --xen-dom0                run the tree as a Xen dom0 (as if it had\n"
	"                            a /hypervisor node)\n"
	"  --list                    list the built-in platforms and workloads\n"
	"  --workload LIST           comma-separated: nic,blk,coherent,netback,\n"
	"                            virtio\n"
	"                            (default: all that apply)\n"
	"  --ops N                   transactions in all (default 2000)\n"
	"  --seed S                  seed of every random choice (default 1)\n"
	"  --adversarial             caches evict dirty lines over device writes\n"
	"  --relocation              the hypervisor moves unpinned pages\n"
	"  --swiotlb SIZE            bounce pool size (default 16M; a .dtb:\n"
	"                            Linux's size for its RAM and reach)\n"
	"  --force-bounce            bounce every streaming mapping (swiotlb=force)\n"
	"  --no-swiotlb              no bounce pool at all\n"
	"  --swiotlb-dynamic         transient pools and growth when the pool\n"
	"                            fills (Linux 6.6's CONFIG_SWIOTLB_DYNAMIC)\n"
	"  --xen-ops MODE            per-device (default), default-only (2013),\n"
	"                            device-first (2017)\n"
	"  --driver-bug NAME         skip-sync, cacheable-coherent, no-swiotlb,\n"
	"                            sg-count-mismatch, map-stack, seg-too-long,\n"
	"                            free-wrong-size, sync-wrong-dir: a buggy\n"
	"                            driver the oracle or the checker must catch\n"
	"  --verbose                 print the guests' kernel log on stderr\n"
	"  --json                    one JSON object instead of the report\n"
	"  --report FILE.html        also write the run as one self-contained\n"
	"                            HTML page (address map, ops chains, pool)\n"
	"\n"
	"exit status: 0 integrity holds, 1 it does not, 2 bad usage or input\n";

struct run_args {
	const char *platform;
	bool dtb;
	struct sim_dt_options dt;
	bool mem_given;
	const char *devices[SIM_DESC_MAX_DEVS];
	unsigned int nr_devices;
	unsigned int workload_mask;
	const char *workloads;
	unsigned long long ops, seed, swiotlb;
	bool swiotlb_given, adversarial, relocation, force_bounce, no_swiotlb;
	bool swiotlb_dynamic;
	bool json, verbose, list;
	const char *report; /* --report FILE.html, or NULL */
	enum xen_ops_design xen_ops;
	enum wl_bug bug;
};

enum {
	OPT_PLATFORM = 256,
	OPT_MEM,
	OPT_ARCH,
	OPT_DEVICE,
	OPT_XEN_DOM0,
	OPT_LIST,
	OPT_WORKLOAD,
	OPT_OPS,
	OPT_SEED,
	OPT_ADVERSARIAL,
	OPT_RELOCATION,
	OPT_SWIOTLB,
	OPT_FORCE_BOUNCE,
	OPT_NO_SWIOTLB,
	OPT_SWIOTLB_DYNAMIC,
	OPT_XEN_OPS,
	OPT_DRIVER_BUG,
	OPT_VERBOSE,
	OPT_JSON,
	OPT_REPORT,
	OPT_HELP,
};

static const struct option run_options[] = {
	{"platform", required_argument, NULL, OPT_PLATFORM},
	{"mem", required_argument, NULL, OPT_MEM},
	{"arch", required_argument, NULL, OPT_ARCH},
	{"device", required_argument, NULL, OPT_DEVICE},
	{"xen-dom0", no_argument, NULL, OPT_XEN_DOM0},
	{"list", no_argument, NULL, OPT_LIST},
	{"workload", required_argument, NULL, OPT_WORKLOAD},
	{"ops", required_argument, NULL, OPT_OPS},
	{"seed", required_argument, NULL, OPT_SEED},
	{"adversarial", no_argument, NULL, OPT_ADVERSARIAL},
	{"relocation", no_argument, NULL, OPT_RELOCATION},
	{"swiotlb", required_argument, NULL, OPT_SWIOTLB},
	{"force-bounce", no_argument, NULL, OPT_FORCE_BOUNCE},
	{"no-swiotlb", no_argument, NULL, OPT_NO_SWIOTLB},
	{"swiotlb-dynamic", no_argument, NULL, OPT_SWIOTLB_DYNAMIC},
	{"xen-ops", required_argument, NULL, OPT_XEN_OPS},
	{"driver-bug", required_argument, NULL, OPT_DRIVER_BUG},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"json", no_argument, NULL, OPT_JSON},
	{"report", required_argument, NULL, OPT_REPORT},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* ---- parsing ---- */

static int parse_mem(struct run_args *a, const char *s)
{
	char buf[64], *at;
	unsigned long long size, base = 0;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return dmk_usage_error("--mem: '%s' is too long", s);
	at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	if (dmk_parse_size(buf, &size) || !size ||
	    (at && dmk_parse_u64(at, &base)))
		return dmk_usage_error("--mem: expected SIZE[@BASE], got '%s'",
				       s);
	if ((size | base) & (DMK_PAGE_SIZE - 1))
		return dmk_usage_error("--mem: '%s' is not page aligned", s);
	a->dt.mem_size = size;
	a->dt.mem_base = base;
	a->mem_given = true;
	return 0;
}

static int parse_workloads(struct run_args *a, const char *list)
{
	char buf[256], *save = NULL, *tok;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		return dmk_usage_error("--workload: list too long");
	a->workload_mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		unsigned int i;

		if (!strcmp(tok, "all")) {
			a->workload_mask = 0;
			return 0;
		}
		for (i = 0; wl_workloads[i]; i++)
			if (!strcmp(wl_workloads[i]->name, tok))
				break;
		if (!wl_workloads[i])
			return dmk_usage_error(
				"--workload: unknown workload '%s' (nic, blk, coherent, netback)",
				tok);
		a->workload_mask |= 1U << i;
	}
	if (!a->workload_mask)
		return dmk_usage_error("--workload: empty list");
	a->workloads = list;
	return 0;
}

static int parse_xen_ops(struct run_args *a, const char *s)
{
	if (xen_ops_design_parse(s, &a->xen_ops))
		return dmk_usage_error(
			"--xen-ops: expected per-device, default-only or device-first, got '%s'",
			s);
	return 0;
}

static int parse_number(const char *opt, const char *s, bool size,
			unsigned long long *out)
{
	if (size ? dmk_parse_size(s, out) : dmk_parse_u64(s, out))
		return dmk_usage_error("%s: not a %s: '%s'", opt,
				       size ? "size" : "number", s);
	return 0;
}

static int parse_one(struct run_args *a, int c, const char *arg)
{
	int bug;

	switch (c) {
	case OPT_PLATFORM:
		a->platform = arg;
		return 0;
	case OPT_MEM:
		return parse_mem(a, arg);
	case OPT_ARCH:
		if (dmk_parse_dt_arch(arg, &a->dt.arch))
			return dmk_usage_error(
				"--arch: expected arm32 or arm64, got '%s'",
				arg);
		return 0;
	case OPT_DEVICE:
		if (a->nr_devices >= SIM_DESC_MAX_DEVS)
			return dmk_usage_error("--device: at most %d devices",
					       SIM_DESC_MAX_DEVS);
		a->devices[a->nr_devices++] = arg;
		return 0;
	case OPT_XEN_DOM0:
		a->dt.force_xen_dom0 = true;
		return 0;
	case OPT_LIST:
		a->list = true;
		return 0;
	case OPT_WORKLOAD:
		return parse_workloads(a, arg);
	case OPT_OPS:
		if (parse_number("--ops", arg, false, &a->ops))
			return DMK_EXIT_USAGE;
		if (a->ops > RUN_MAX_OPS)
			return dmk_usage_error("--ops: at most %llu",
					       RUN_MAX_OPS);
		return 0;
	case OPT_SEED:
		return parse_number("--seed", arg, false, &a->seed);
	case OPT_ADVERSARIAL:
		a->adversarial = true;
		return 0;
	case OPT_RELOCATION:
		a->relocation = true;
		return 0;
	case OPT_SWIOTLB:
		a->swiotlb_given = true;
		return parse_number("--swiotlb", arg, true, &a->swiotlb);
	case OPT_FORCE_BOUNCE:
		a->force_bounce = true;
		return 0;
	case OPT_NO_SWIOTLB:
		a->no_swiotlb = true;
		return 0;
	case OPT_SWIOTLB_DYNAMIC:
		a->swiotlb_dynamic = true;
		return 0;
	case OPT_XEN_OPS:
		return parse_xen_ops(a, arg);
	case OPT_DRIVER_BUG:
		bug = wl_bug_parse(arg);
		if (bug <= 0)
			return dmk_usage_error(
				"--driver-bug: expected skip-sync, cacheable-coherent, no-swiotlb, sg-count-mismatch, map-stack, seg-too-long, free-wrong-size or sync-wrong-dir, got '%s'",
				arg);
		a->bug = bug;
		return 0;
	case OPT_VERBOSE:
		a->verbose = true;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_REPORT:
		if (!*arg)
			return dmk_usage_error(
				"--report: expected a file name");
		a->report = arg;
		return 0;
	default:
		return dmk_usage_error(
			"run: bad option (try dmakit run --help)");
	}
}

static bool looks_like_file(const char *name)
{
	size_t n = strlen(name);
	struct stat st;

	return strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".dtb")) ||
	       !stat(name, &st);
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct run_args *a, int argc, char **argv)
{
	int c, ret;

	memset(a, 0, sizeof(*a));
	a->platform = RUN_DEFAULT_PLATFORM;
	a->ops = RUN_DEFAULT_OPS;
	a->seed = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", run_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(run_usage, stdout);
			return DMK_EXIT_OK;
		}
		if (c == '?')
			return dmk_usage_error(
				"run: unknown option or missing value '%s' (try dmakit run --help)",
				argv[optind - 1]);
		ret = parse_one(a, c, optarg);
		if (ret)
			return ret;
	}
	if (optind < argc)
		return dmk_usage_error("run: unexpected argument '%s'",
				       argv[optind]);
	a->dtb = looks_like_file(a->platform);
	if (!a->dtb && (a->mem_given || a->dt.force_xen_dom0 || a->nr_devices ||
			a->dt.arch))
		return dmk_usage_error("run: --mem, --arch, --xen-dom0 and "
				       "--device apply to a .dtb platform");
	if (a->no_swiotlb &&
	    (a->swiotlb_given || a->force_bounce || a->swiotlb_dynamic))
		return dmk_usage_error(
			"run: --no-swiotlb contradicts --swiotlb, --force-bounce and --swiotlb-dynamic");
	if (a->seed == 0)
		return dmk_usage_error("--seed: must not be 0");
	return -1;
}

/* ---- the description ---- */

/* Keep the first DMA master of each kind: every case, few devices. */
static void select_distinct(struct sim_world_desc *desc)
{
	bool seen[SIM_DESC_KINDS] = {false};
	unsigned int n = 0;

	for (unsigned int i = 0; i < desc->nr_devs; i++) {
		unsigned int k = sim_desc_device_kind(desc, &desc->devs[i]);

		if (seen[k])
			continue;
		seen[k] = true;
		desc->devs[n++] = desc->devs[i];
	}
	desc->nr_devs = n;
}

static int select_named(struct sim_world_desc *desc, const struct run_args *a)
{
	struct sim_desc_device keep[SIM_DESC_MAX_DEVS];
	unsigned int n = 0;

	for (unsigned int j = 0; j < a->nr_devices; j++) {
		unsigned int i;

		for (i = 0; i < desc->nr_devs; i++)
			if (!strcmp(desc->devs[i].path, a->devices[j]))
				break;
		if (i == desc->nr_devs)
			return dmk_usage_error(
				"--device: %s is not a DMA master of %s (see dmakit inspect)",
				a->devices[j], a->platform);
		keep[n++] = desc->devs[i];
	}
	memcpy(desc->devs, keep, n * sizeof(keep[0]));
	desc->nr_devs = n;
	return 0;
}

static int load_desc(const struct run_args *a, struct sim_world_desc *desc)
{
	char err[256];
	int ret;

	if (!a->dtb) {
		if (sim_platform_desc(a->platform, desc, err, sizeof(err)))
			return dmk_usage_error("%s", err);
		return 0;
	}
	if (sim_dt_load_file(a->platform, &a->dt, desc, err, sizeof(err)))
		return dmk_usage_error("%s: %s", a->platform, err);
	if (a->nr_devices) {
		ret = select_named(desc, a);
		if (ret)
			return ret;
	} else {
		select_distinct(desc);
	}
	if (!desc->nr_devs)
		return dmk_usage_error("%s: no DMA masters to run on%s%s%s",
				       a->platform, desc->notes[0] ? " (" : "",
				       desc->notes, desc->notes[0] ? ")" : "");
	return 0;
}

static void set_options(const struct run_args *a, struct sim_world_options *o)
{
	sim_world_options_default(o);
	o->seed = a->seed;
	o->adversarial = a->adversarial;
	o->relocation = a->relocation;
	o->log = a->verbose ? stderr : NULL;
	o->cfg.debug = true;
	o->cfg.swiotlb_force = a->force_bounce;
	o->cfg.swiotlb_dynamic = a->swiotlb_dynamic;
	/* Growth in the background, as Linux's swiotlb_dyn_alloc. */
	o->background_work = a->swiotlb_dynamic;
	/* A built-in platform gets a test-sized pool; a real board's tree
	 * the size Linux would give it (DMK_SWIOTLB_SIZE_AUTO). */
	o->cfg.swiotlb_bytes = a->swiotlb_given ? a->swiotlb
			       : a->dtb		? DMK_SWIOTLB_SIZE_AUTO
						: RUN_DEFAULT_SWIOTLB;
	if (a->no_swiotlb || a->bug == WL_BUG_NO_SWIOTLB)
		o->cfg.swiotlb_bytes = 0;
}

/* ---- the report ---- */

struct run_totals {
	struct dmk_swiotlb_stats sw;
	uint64_t pools_grown; /* by the guests' dynamic swiotlbs */
	uint64_t pages_exchanged;
};

static void add_pool(struct dmk_swiotlb_stats *sum,
		     const struct dmk_swiotlb_stats *st)
{
	sum->nslabs += st->nslabs;
	sum->used += st->used;
	sum->used_hiwater += st->used_hiwater;
	sum->bounced_maps += st->bounced_maps;
	sum->bounced_bytes += st->bounced_bytes;
	sum->full += st->full;
	sum->pools += st->pools;
	sum->grow_failed += st->grow_failed;
	sum->transient_pools += st->transient_pools;
	sum->transient_total += st->transient_total;
	sum->transient_failed += st->transient_failed;
	sum->pool_bytes += st->pool_bytes;
	sum->pool_bytes_hiwater += st->pool_bytes_hiwater;
	sum->pools_hiwater += st->pools_hiwater;
}

static void gather(struct sim_world *w, struct run_totals *t)
{
	struct dmk_swiotlb_stats st;

	memset(t, 0, sizeof(*t));
	for (unsigned int i = 0; i < w->nr_guests; i++)
		if (!dmk_swiotlb_stats(w->guests[i].sys, &st)) {
			add_pool(&t->sw, &st);
			t->pools_grown += st.pools - 1;
		}
	for (unsigned int i = 0; i < SIM_DESC_MAX_POOLS; i++)
		if (w->pools[i] && !dmk_swiotlb_pool_stats(w->pools[i], &st))
			add_pool(&t->sw, &st);
	if (w->xen)
		t->pages_exchanged = w->xen->pages_exchanged;
}

static const char *workload_list(unsigned int mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; wl_workloads[i]; i++) {
		if (!(mask & (1U << i)))
			continue;
		used += snprintf(buf + used, len - used, "%s%s",
				 used ? "," : "", wl_workloads[i]->name);
		if (used >= len)
			break;
	}
	return buf;
}

static void print_mismatches(const struct wl_oracle *o)
{
	for (unsigned int i = 0; i < o->nr_mismatches; i++) {
		const struct wl_mismatch *mm = &o->mismatches[i];

		if (mm->wrong)
			printf("  wrong: %s %s: %llu bytes wrong from offset %llu (expected 0x%02x, got 0x%02x)\n",
			       mm->device, mm->op,
			       (unsigned long long)mm->wrong,
			       (unsigned long long)mm->offset, mm->expected,
			       mm->got);
		else
			printf("  failed: %s %s of %llu bytes\n", mm->device,
			       mm->op, (unsigned long long)mm->offset);
	}
	if (o->leaks)
		printf("  leaked: %s\n", o->leak_detail);
	if (o->api_detail[0])
		printf("  misuse: %s\n", o->api_detail);
	if (o->misplaced)
		printf("  misplaced: %llu coherent buffers, first %s\n",
		       (unsigned long long)o->misplaced, o->misplaced_detail);
}

static void print_devices(struct sim_world *w)
{
	char chains[SIM_DESC_MAX_DEVS][160], why[128];
	int width = 8, cwidth = 3;

	for (unsigned int i = 0; i < w->nr_devs; i++) {
		if (wl_ops_chain(&w->devs[i].dev, chains[i],
				 sizeof(chains[i])) < 0)
			snprintf(chains[i], sizeof(chains[i]), "?");
		if ((int)strlen(w->devs[i].dev.name) > width)
			width = (int)strlen(w->devs[i].dev.name);
		if ((int)strlen(chains[i]) > cwidth)
			cwidth = (int)strlen(chains[i]);
	}
	printf("%-*s %-8s %5s  %-*s %8s %8s %7s\n", width, "device", "coherent",
	       "reach", cwidth, "ops", "maps", "bounced", "faults");
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *wd = &w->devs[i];
		struct dmk_dma_stats st;

		dmk_device_stats(&wd->dev, &st);
		printf("%-*s %-8s %5u  %-*s %8llu %8llu %7llu\n", width,
		       wd->dev.name, wd->desc->coherent ? "yes" : "no",
		       wd->desc->reach_bits, cwidth, chains[i],
		       (unsigned long long)st.maps,
		       (unsigned long long)st.bounced,
		       (unsigned long long)sim_device_faults(&wd->sd));
		if (sim_device_faults(&wd->sd) && wd->sd.last_fault[0])
			printf("  last fault: %s\n", wd->sd.last_fault);
		if (!sim_desc_device_reaches_ram(&w->desc, wd->desc))
			printf("  unable to reach RAM: %s; not run\n",
			       sim_desc_no_ram_why(wd->desc, why, sizeof(why)));
	}
}

static void print_human(const struct run_args *a, struct sim_world *w,
			const struct wl_oracle *o)
{
	const struct sim_world_desc *d = &w->desc;
	const char *summary = sim_platform_summary(d->name);
	struct run_totals t;
	char wls[128];
	uint64_t ram = 0;

	gather(w, &t);
	for (unsigned int i = 0; i < d->nbanks; i++)
		ram += d->banks[i].size;
	printf("platform: %s%s%s\n", d->name, summary ? " - " : "",
	       summary ? summary : "");
	printf("  %s, hypervisor %s, %llu MiB RAM in %u bank%s",
	       sim_arch_name(d->arch), sim_hyp_summary(d->hyp),
	       (unsigned long long)(ram >> 20), d->nbanks,
	       d->nbanks == 1 ? "" : "s");
	for (unsigned int i = 0; i < w->nr_guests && w->xen; i++)
		printf(", dom%u %llu MiB", w->guests[i].dom->domid,
		       (unsigned long long)(w->guests[i].dom->nr_pages >> 8));
	printf("\nrun: seed %llu, %llu ops, workloads %s%s%s%s%s\n", a->seed,
	       a->ops, workload_list(o->workloads_ran, wls, sizeof(wls)),
	       a->adversarial ? ", adversarial caches" : "",
	       a->relocation ? ", relocation" : "",
	       a->bug ? ", driver bug " : "",
	       a->bug ? wl_bug_name(a->bug) : "");
	print_devices(w);
	printf("swiotlb: %llu slots, %llu used at most, %llu bounced maps (%llu bytes), %llu full\n",
	       (unsigned long long)t.sw.nslabs,
	       (unsigned long long)t.sw.used_hiwater,
	       (unsigned long long)t.sw.bounced_maps,
	       (unsigned long long)t.sw.bounced_bytes,
	       (unsigned long long)t.sw.full);
	if (a->swiotlb_dynamic)
		printf("swiotlb dynamic: %llu pools, %llu transient pools (%llu failed), at most %llu KiB of pools\n",
		       (unsigned long long)t.sw.pools,
		       (unsigned long long)t.sw.transient_total,
		       (unsigned long long)t.sw.transient_failed,
		       (unsigned long long)t.sw.pool_bytes_hiwater >> 10);
	printf("cache: %llu lines cleaned, %llu invalidated, %llu dirty evictions\n",
	       (unsigned long long)w->m->clean_lines,
	       (unsigned long long)w->m->inval_lines,
	       (unsigned long long)w->m->evictions);
	if (w->xen) {
		printf("hypercalls:");
		for (unsigned int i = 0; i < w->xen->nr_counters; i++)
			printf("%s %s %llu", i ? "," : "",
			       w->xen->counters[i].name,
			       (unsigned long long)w->xen->counters[i].n);
		printf("%s\n", w->xen->nr_counters ? "" : " none");
		printf("xen: %llu pages exchanged, %llu foreign maps, %llu pages relocated\n",
		       (unsigned long long)t.pages_exchanged,
		       (unsigned long long)o->foreign_maps,
		       (unsigned long long)w->xen->pages_relocated);
	}
	if (o->alloc_failures)
		printf("coherent allocations refused: %llu\n",
		       (unsigned long long)o->alloc_failures);
	print_mismatches(o);
	printf("integrity: %s (%llu bytes checked, %llu wrong, %llu faults, %llu leaks",
	       wl_oracle_ok(o) ? "OK" : "FAILED",
	       (unsigned long long)o->checked_bytes,
	       (unsigned long long)o->corrupted_bytes,
	       (unsigned long long)o->faults, (unsigned long long)o->leaks);
	if (o->map_errors)
		printf(", %llu failed mappings",
		       (unsigned long long)o->map_errors);
	if (o->api_errors)
		printf(", %llu DMA-API misuse reports",
		       (unsigned long long)o->api_errors);
	printf(")\n");
}

static json_t *json_devices(struct sim_world *w)
{
	json_t *arr = json_array();
	char chain[160];

	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_world_device *wd = &w->devs[i];
		struct dmk_dma_stats st;

		dmk_device_stats(&wd->dev, &st);
		if (wl_ops_chain(&wd->dev, chain, sizeof(chain)) < 0)
			snprintf(chain, sizeof(chain), "?");
		json_array_append_new(
			arr,
			json_pack(
				"{s:s, s:b, s:i, s:s, s:I, s:I, s:I, s:I, s:i}",
				"name", wd->dev.name, "coherent",
				wd->desc->coherent, "reach_bits",
				(int)wd->desc->reach_bits, "ops", chain, "maps",
				(json_int_t)st.maps, "bounced",
				(json_int_t)st.bounced, "bounced_bytes",
				(json_int_t)st.bounced_bytes, "faults",
				(json_int_t)sim_device_faults(&wd->sd), "guest",
				(int)wd->desc->guest));
		json_object_set_new(
			json_array_get(arr, json_array_size(arr) - 1),
			"unable_to_reach_ram",
			json_boolean(!sim_desc_device_reaches_ram(&w->desc,
								  wd->desc)));
	}
	return arr;
}

static json_t *json_mismatches(const struct wl_oracle *o)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < o->nr_mismatches; i++) {
		const struct wl_mismatch *mm = &o->mismatches[i];

		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:I, s:I, s:i, s:i}", "device",
				  mm->device, "op", mm->op, "offset",
				  (json_int_t)mm->offset, "wrong",
				  (json_int_t)mm->wrong, "expected",
				  mm->expected, "got", mm->got));
	}
	return arr;
}

static void print_json(const struct run_args *a, struct sim_world *w,
		       const struct wl_oracle *o)
{
	struct run_totals t;
	json_t *root, *hc = json_object();
	char wls[128];

	gather(w, &t);
	if (w->xen)
		for (unsigned int i = 0; i < w->xen->nr_counters; i++)
			json_object_set_new(
				hc, w->xen->counters[i].name,
				json_integer(
					(json_int_t)w->xen->counters[i].n));
	root = json_pack(
		"{s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:s?}", "platform",
		w->desc.name, "arch", sim_arch_name(w->desc.arch), "hypervisor",
		sim_hyp_summary(w->desc.hyp), "seed", (json_int_t)a->seed,
		"ops", (json_int_t)a->ops, "workloads",
		workload_list(o->workloads_ran, wls, sizeof(wls)),
		"adversarial", a->adversarial, "driver_bug",
		a->bug ? wl_bug_name(a->bug) : NULL);
	json_object_set_new(
		root, "integrity",
		json_pack(
			"{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s?}",
			"ok", wl_oracle_ok(o), "checked_bytes",
			(json_int_t)o->checked_bytes, "corrupted_bytes",
			(json_int_t)o->corrupted_bytes, "faults",
			(json_int_t)o->faults, "leaks", (json_int_t)o->leaks,
			"map_errors", (json_int_t)o->map_errors, "api_errors",
			(json_int_t)o->api_errors, "alloc_failures",
			(json_int_t)o->alloc_failures, "misplaced",
			(json_int_t)o->misplaced, "mismatches",
			json_mismatches(o), "api_report",
			o->api_detail[0] ? o->api_detail : NULL));
	json_object_set_new(
		root, "swiotlb",
		json_pack("{s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I, s:I, "
			  "s:I, s:I, s:I}",
			  "slots", (json_int_t)t.sw.nslabs, "used_hiwater",
			  (json_int_t)t.sw.used_hiwater, "bounced_maps",
			  (json_int_t)t.sw.bounced_maps, "bounced_bytes",
			  (json_int_t)t.sw.bounced_bytes, "full",
			  (json_int_t)t.sw.full, "dynamic",
			  (int)a->swiotlb_dynamic, "pools",
			  (json_int_t)t.sw.pools, "pools_grown",
			  (json_int_t)t.pools_grown, "transient_pools",
			  (json_int_t)t.sw.transient_total, "transient_live",
			  (json_int_t)t.sw.transient_pools, "transient_failed",
			  (json_int_t)t.sw.transient_failed,
			  "pool_bytes_hiwater",
			  (json_int_t)t.sw.pool_bytes_hiwater, "pools_hiwater",
			  (json_int_t)t.sw.pools_hiwater));
	json_object_set_new(
		root, "cache",
		json_pack("{s:I, s:I, s:I}", "clean_lines",
			  (json_int_t)w->m->clean_lines, "invalidate_lines",
			  (json_int_t)w->m->inval_lines, "evictions",
			  (json_int_t)w->m->evictions));
	json_object_set_new(root, "hypercalls", hc);
	json_object_set_new(root, "pages_exchanged",
			    json_integer((json_int_t)t.pages_exchanged));
	json_object_set_new(root, "foreign_maps",
			    json_integer((json_int_t)o->foreign_maps));
	json_object_set_new(
		root, "pages_relocated",
		json_integer(w->xen ? (json_int_t)w->xen->pages_relocated : 0));
	json_object_set_new(root, "devices", json_devices(w));
	json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(root);
}

static void print_list(void)
{
	const char *const *names = sim_platform_names();

	printf("platforms:\n");
	for (unsigned int i = 0; names[i]; i++)
		printf("  %-24s %s\n", names[i],
		       sim_platform_summary(names[i]));
	printf("workloads:\n");
	for (unsigned int i = 0; wl_workloads[i]; i++)
		printf("  %-24s %s\n", wl_workloads[i]->name,
		       wl_workloads[i]->summary);
}

/* ---- the command ---- */

static int write_report(const struct run_args *a, struct sim_world *w,
			const struct wl_oracle *o, struct rp_run *report)
{
	char wls[128];
	struct rp_run_info info = {
		.platform = w->desc.name,
		.summary = a->dtb ? NULL : sim_platform_summary(w->desc.name),
		.seed = a->seed,
		.ops = a->ops,
		.workloads = workload_list(o->workloads_ran, wls, sizeof(wls)),
		.adversarial = a->adversarial,
		.relocation = a->relocation,
		.driver_bug = a->bug ? wl_bug_name(a->bug) : NULL,
		.xen_ops = a->xen_ops ? xen_ops_design_name(a->xen_ops) : NULL,
	};

	if (rp_run_write(report, a->report, &info, w, o))
		return dmk_usage_error("--report: cannot write %s: %s",
				       a->report, strerror(errno));
	return 0;
}

static int run_world(const struct run_args *a, struct sim_world *w,
		     struct naive_design *nd)
{
	struct wl_run_config rc = {
		.seed = a->seed,
		.ops = a->ops,
		.workload_mask = a->workload_mask,
		.bug = a->bug,
	};
	struct rp_run *report = NULL;
	struct wl_oracle o;
	unsigned int n;

	memset(&o, 0, sizeof(o));
	if (wl_drivers_probe(w) || naive_after_probe(nd, w))
		return dmk_usage_error("%s: a driver failed to probe",
				       w->desc.name);
	if (a->report && !(report = rp_run_start(w, &rc))) {
		wl_drivers_remove(w);
		return dmk_usage_error("--report: out of memory");
	}
	n = wl_run(w, &rc, &o);
	sim_world_quiesce(w);
	if (!n) {
		unsigned int reach = 0;
		char why[128] = "";

		for (unsigned int i = 0; i < w->nr_devs; i++)
			if (sim_desc_device_reaches_ram(&w->desc,
							w->devs[i].desc))
				reach++;
			else if (!why[0])
				sim_desc_no_ram_why(w->devs[i].desc, why,
						    sizeof(why));
		wl_drivers_remove(w);
		rp_run_free(report);
		if (!reach)
			return dmk_usage_error(
				"%s: no master to run: none of the %u chosen "
				"reaches RAM: %s",
				w->desc.name, w->nr_devs, why);
		return dmk_usage_error(
			"%s: none of the workloads applies to this platform (netback needs a domU)",
			w->desc.name);
	}
	if (a->json)
		print_json(a, w, &o);
	else
		print_human(a, w, &o);
	if (report) {
		int err = write_report(a, w, &o, report);

		rp_run_free(report);
		if (err) {
			wl_drivers_remove(w);
			return err;
		}
	}
	wl_drivers_remove(w);
	return wl_oracle_ok(&o) ? DMK_EXIT_OK : DMK_EXIT_FAIL;
}

int dmk_cmd_run(int argc, char **argv)
{
	struct sim_world_options opts;
	struct naive_design nd;
	struct sim_world_desc *desc;
	struct sim_world *w;
	struct run_args a;
	char err[256];
	int ret;

	ret = parse_args(&a, argc, argv);
	if (ret >= 0)
		return ret;
	if (a.list) {
		print_list();
		return DMK_EXIT_OK;
	}
	if (a.report) {
		/* Bad input before the run, not after it. */
		FILE *f = fopen(a.report, "w");

		if (!f)
			return dmk_usage_error("--report: cannot write %s: %s",
					       a.report, strerror(errno));
		fclose(f);
	}
	desc = calloc(1, sizeof(*desc));
	if (!desc)
		return dmk_usage_error("out of memory");
	ret = load_desc(&a, desc);
	if (ret) {
		free(desc);
		return ret;
	}
	set_options(&a, &opts);
	nd = (struct naive_design){.xen_ops = a.xen_ops};
	if (sim_world_build(desc, &opts, &w, err, sizeof(err))) {
		free(desc);
		return dmk_usage_error("%s", err);
	}
	free(desc);
	ret = run_world(&a, w, &nd);
	sim_world_destroy(w);
	return ret;
}
