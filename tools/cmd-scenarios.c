/* SPDX-License-Identifier: MIT */
/*
 * dmakit scenarios: the claims of the 2013 thread and of its series,
 * each run twice on the simulator with the same seed, once with the
 * naive design the claim warns against and once with dmakit's, and the
 * oracle's verdict on both (tools/scenarios/, docs/scenarios.md).
 */
#include "commands.h"
#include "progress.h"

#include "report/scenarios.h"
#include "scenarios/scenario.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scen_usage[] =
	"usage: dmakit scenarios [list]\n"
	"       dmakit scenarios run [ID|SLUG...] [--seed S] [--ops N] [--json]\n"
	"                            [--report FILE.html]\n"
	"\n"
	"The thread's claims as executable scenarios.  Each runs the naive\n"
	"design a claim warns against and dmakit's design on the same\n"
	"simulated platform with the same seed; it passes when the naive\n"
	"design moves wrong bytes or faults and dmakit's does neither (in\n"
	"scenario 1, the claim that free pages suffice on x86: both clean).\n"
	"\n"
	"  --seed S     seed of every random choice (default 1)\n"
	"  --ops N      operations per world (default 300)\n"
	"  --json       an array of objects instead of the table\n"
	"  --report FILE.html  also write one self-contained HTML page: a panel\n"
	"               per claim, naive and dmakit side by side\n"
	"\n"
	"exit status: 0 every scenario passed, 1 one did not, 2 bad usage\n";

struct scen_args {
	bool run, json;
	const char *report; /* --report FILE.html, or NULL */
	unsigned long long seed, ops;
	const struct scenario *sel[SCEN_COUNT];
	unsigned int nr_sel;
};

enum { OPT_SEED = 256, OPT_OPS, OPT_JSON, OPT_REPORT, OPT_HELP };

static const struct option scen_options[] = {
	{"seed", required_argument, NULL, OPT_SEED},
	{"ops", required_argument, NULL, OPT_OPS},
	{"json", no_argument, NULL, OPT_JSON},
	{"report", required_argument, NULL, OPT_REPORT},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

#define SCEN_MAX_OPS 100000ULL

static int parse_one(struct scen_args *a, int c, const char *arg)
{
	switch (c) {
	case OPT_SEED:
		if (dmk_parse_u64(arg, &a->seed) || !a->seed)
			return dmk_usage_error(
				"--seed: expected a non-zero number, got '%s'",
				arg);
		return 0;
	case OPT_OPS:
		if (dmk_parse_u64(arg, &a->ops) || !a->ops ||
		    a->ops > SCEN_MAX_OPS)
			return dmk_usage_error(
				"--ops: expected 1..%llu, got '%s'",
				SCEN_MAX_OPS, arg);
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case OPT_REPORT: {
		/* Bad input before the runs, not after them. */
		FILE *f = *arg ? fopen(arg, "w") : NULL;

		if (!f)
			return dmk_usage_error(
				"--report: cannot write '%s': %s", arg,
				*arg ? strerror(errno) : "no file name");
		fclose(f);
		a->report = arg;
		return 0;
	}
	default:
		return dmk_usage_error(
			"scenarios: bad option (try dmakit scenarios --help)");
	}
}

static int select_ids(struct scen_args *a, int argc, char **argv, int first)
{
	for (int i = first; i < argc; i++) {
		const struct scenario *s = scen_find(argv[i]);
		bool dup = false;

		if (!s)
			return dmk_usage_error(
				"scenarios: unknown scenario '%s' (1..%d or a slug; dmakit scenarios lists them)",
				argv[i], SCEN_COUNT);
		for (unsigned int j = 0; j < a->nr_sel; j++)
			dup |= a->sel[j] == s;
		if (!dup)
			a->sel[a->nr_sel++] = s;
	}
	if (!a->nr_sel)
		for (unsigned int i = 0; i < SCEN_COUNT; i++)
			a->sel[a->nr_sel++] = &scen_catalog[i];
	return 0;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(struct scen_args *a, int argc, char **argv)
{
	int c, ret, first;

	memset(a, 0, sizeof(*a));
	a->seed = 1;
	a->ops = SCEN_DEFAULT_OPS;
	optind = 1;
	opterr = 0;
	/* "+": options only before the first word, then run's own. */
	while ((c = getopt_long(argc, argv, "+", scen_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(scen_usage, stdout);
			return DMK_EXIT_OK;
		}
		return dmk_usage_error(
			"scenarios: options go after 'run' (try dmakit scenarios --help)");
	}
	if (optind >= argc || !strcmp(argv[optind], "list")) {
		if (optind < argc && optind + 1 < argc)
			return dmk_usage_error(
				"scenarios list: unexpected argument '%s'",
				argv[optind + 1]);
		return -1;
	}
	if (strcmp(argv[optind], "run"))
		return dmk_usage_error(
			"scenarios: unknown subcommand '%s' (list or run)",
			argv[optind]);
	a->run = true;
	/*
	 * Options and ids may mix after "run": scan its words as a command
	 * line of their own (optind 0 makes getopt start afresh, in its
	 * permuting mode, after the "+" scan above).
	 */
	first = optind;
	argc -= first;
	argv += first;
	optind = 0;
	while ((c = getopt_long(argc, argv, "", scen_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(scen_usage, stdout);
			return DMK_EXIT_OK;
		}
		if (c == '?')
			return dmk_usage_error(
				"scenarios: unknown option or missing value '%s' (try dmakit scenarios --help)",
				argv[optind - 1]);
		ret = parse_one(a, c, optarg);
		if (ret)
			return ret;
	}
	ret = select_ids(a, argc, argv, optind);
	return ret ? ret : -1;
}

/* ---- list ---- */

static void print_list(void)
{
	for (unsigned int i = 0; i < SCEN_COUNT; i++) {
		const struct scenario *s = &scen_catalog[i];

		printf("%2u  %-20s %s\n", s->id, s->slug, s->claim);
		printf("    %-20s platform: %s\n", "", s->platform);
		for (unsigned int j = 0; j < s->nr_naive; j++)
			printf("    %-20s naive:    %s\n", "",
			       s->naive[j].name);
		printf("    %-20s dmakit:   %s\n", "", s->dmakit.name);
		if (s->real)
			printf("    %-20s real:     %s\n", "", s->real);
	}
}

/* ---- the table ---- */

static void print_notes(const struct scen_outcome *o)
{
	const struct scenario *s = o->s;
	const struct scen_result *d = &o->dmakit;

	if (s->dmakit_no_exchange)
		printf("  dmakit: %llu exchanges, %llu bounces",
		       (unsigned long long)d->exchanges,
		       (unsigned long long)d->bounces);
	else if (s->dmakit_one_warning)
		printf("  dmakit: %llu warning%s, %llu maps refused",
		       (unsigned long long)d->full_warnings,
		       d->full_warnings == 1 ? "" : "s",
		       (unsigned long long)d->full);
	else if (s->kind == SCEN_NAIVE_NO_BOOT && o->naive[0].error)
		printf("  naive: did not boot, %llu pool segment%s refused",
		       (unsigned long long)o->naive[0].pool_refused,
		       o->naive[0].pool_refused == 1 ? "" : "s");
	else if (s->id == 10)
		printf("  %llu/%llu pages relocated",
		       (unsigned long long)o->naive[0].pages_relocated,
		       (unsigned long long)d->pages_relocated);
}

static void print_row(const struct scen_outcome *o)
{
	const struct scenario *s = o->s;

	printf("%2u  %-20s %-35s %12llu %7llu %12llu %7llu  %s", s->id, s->slug,
	       s->short_claim, (unsigned long long)o->naive[0].wrong_bytes,
	       (unsigned long long)o->naive[0].faults,
	       (unsigned long long)o->dmakit.wrong_bytes,
	       (unsigned long long)o->dmakit.faults, o->pass ? "pass" : "FAIL");
	print_notes(o);
	putchar('\n');
	for (unsigned int i = 1; i < s->nr_naive; i++)
		printf("    %-20s %-35s %12llu %7llu\n", "",
		       s->naive[i].label ? s->naive[i].label : "",
		       (unsigned long long)o->naive[i].wrong_bytes,
		       (unsigned long long)o->naive[i].faults);
	if (!o->pass)
		printf("    why: %s%s%s\n", o->why,
		       o->dmakit.detail[0] ? "; dmakit: " : "",
		       o->dmakit.detail);
}

static void print_header(const struct scen_args *a)
{
	printf("dmakit scenarios: seed %llu, %llu ops per world\n\n", a->seed,
	       a->ops);
	printf("%2s  %-20s %-35s %20s %20s\n", "", "", "", "---- naive ----",
	       "---- dmakit ----");
	printf("%2s  %-20s %-35s %12s %7s %12s %7s  %s\n", "id", "scenario",
	       "claim", "wrong bytes", "faults", "wrong bytes", "faults",
	       "verdict");
}

/* ---- JSON ---- */

/* An address as "0x..." (a grant address has bit 63 set: no JSON
 * integer reader keeps it), null when not known. */
static json_t *json_addr(bool known, uint64_t a)
{
	char buf[24];

	if (!known)
		return json_null();
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)a);
	return json_string(buf);
}

/* Each device that went wrong, and where (struct scen_where). */
static json_t *json_where(const struct scen_result *r)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; i < r->nr_where; i++) {
		const struct scen_where *w = &r->where[i];

		json_array_append_new(
			arr,
			json_pack(
				"{s:s, s:s, s:I, s:I, s:I, s:s, s:o, s:o, s:s}",
				"world", w->world, "device", w->device,
				"wrong_bytes", (json_int_t)w->wrong_bytes,
				"wrong_transfers",
				(json_int_t)w->wrong_transfers, "faults",
				(json_int_t)w->faults, "first_wrong", w->first,
				"first_wrong_phys",
				json_addr(w->first_at.known & WL_KNOWN_PHYS,
					  w->first_at.phys),
				"first_wrong_bus",
				json_addr(w->first_at.known & WL_KNOWN_BUS,
					  w->first_at.bus),
				"last_fault", w->fault));
	}
	return arr;
}

static json_t *json_result(const char *design, const struct scen_result *r)
{
	json_t *o = json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}",
		"design", design, "wrong_bytes", (json_int_t)r->wrong_bytes,
		"faults", (json_int_t)r->faults, "checked_bytes",
		(json_int_t)r->checked_bytes, "map_errors",
		(json_int_t)r->map_errors, "exchanges",
		(json_int_t)r->exchanges, "pages_exchanged",
		(json_int_t)r->pages_exchanged, "bounces",
		(json_int_t)r->bounces, "pool_full", (json_int_t)r->full,
		"warnings", (json_int_t)r->full_warnings, "pages_relocated",
		(json_int_t)r->pages_relocated, "error", r->error);

	json_object_set_new(o, "pool_refused",
			    json_integer((json_int_t)r->pool_refused));
	if (r->detail[0])
		json_object_set_new(o, "detail", json_string(r->detail));
	json_object_set_new(o, "where", json_where(r));
	return o;
}

static json_t *json_outcome(const struct scen_outcome *o)
{
	const struct scenario *s = o->s;
	json_t *variants = json_array();
	json_t *obj;

	for (unsigned int i = 0; i < s->nr_naive; i++)
		json_array_append_new(
			variants, json_result(s->naive[i].name, &o->naive[i]));
	obj = json_pack(
		"{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "id", (int)s->id,
		"slug", s->slug, "claim", s->claim, "platform", s->platform,
		"naive", json_result(s->naive[0].name, &o->naive[0]),
		"naive_variants", variants, "dmakit",
		json_result(s->dmakit.name, &o->dmakit), "pass", o->pass);
	if (!o->pass)
		json_object_set_new(obj, "why", json_string(o->why));
	if (s->real)
		json_object_set_new(obj, "real", json_string(s->real));
	return obj;
}

/* ---- the command ---- */

static int run_selected(const struct scen_args *a)
{
	json_t *arr = a->json ? json_array() : NULL;
	struct scen_outcome *all =
		a->report ? calloc(a->nr_sel, sizeof(*all)) : NULL;
	unsigned int passed = 0;
	struct dmk_progress pr;

	if (a->report && !all) {
		json_decref(arr);
		return dmk_usage_error("--report: out of memory");
	}

	if (!a->json)
		print_header(a);
	dmk_progress_start(&pr, "scenarios", a->nr_sel, a->json);
	for (unsigned int i = 0; i < a->nr_sel; i++) {
		struct scen_outcome o;

		dmk_progress_update(&pr, i, a->sel[i]->slug);
		scen_run_scenario(a->sel[i], a->seed, a->ops, &o);
		dmk_progress_end(&pr);
		passed += o.pass;
		if (all)
			all[i] = o;
		if (arr)
			json_array_append_new(arr, json_outcome(&o));
		else
			print_row(&o);
		fflush(stdout);
	}
	if (arr) {
		json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(arr);
	} else {
		printf("\n%u passed, %u failed\n", passed, a->nr_sel - passed);
	}
	if (all) {
		int err = rp_scen_write(a->report, all, a->nr_sel, a->seed,
					a->ops);

		free(all);
		if (err)
			return dmk_usage_error("--report: cannot write %s: %s",
					       a->report, strerror(errno));
	}
	return passed == a->nr_sel ? DMK_EXIT_OK : DMK_EXIT_FAIL;
}

int dmk_cmd_scenarios(int argc, char **argv)
{
	struct scen_args a;
	int ret = parse_args(&a, argc, argv);

	if (ret >= 0)
		return ret;
	if (!a.run) {
		print_list();
		return DMK_EXIT_OK;
	}
	return run_selected(&a);
}
