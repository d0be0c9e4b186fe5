// SPDX-License-Identifier: MIT
/*
 * `xen-conformance compare REAL-OUTPUT`: read what real Xen answered,
 * build the model's world from the same facts, run the same cases on the
 * model and compare the records case by case.
 *
 * The real output is whatever the dom0 run printed (run-in-dom0.sh wraps
 * it in its own lines, which are ignored): "xc-begin ARCH", the facts,
 * one "case NAME RECORD" per case and "xc-end N".  A run without its end
 * did not finish, and nothing is compared.
 *
 * Extension cases (xc.h) run on a second model world that has what the
 * real setup lacks (a domU, exchange-and-pin); they are counted apart
 * and shown with both answers, never compared.
 */
#include "xc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CASES 1024

struct result {
	char name[96];
	char *rec;
};

struct run {
	struct result r[MAX_CASES];
	size_t n;
};

/* The library's checks in the same dom0 (library.c). */
#define MAX_LIB_FAILS 32
struct lib_result {
	bool ran; /* its "xc-library" line was there */
	unsigned long checks, failed;
	char fails[MAX_LIB_FAILS][XC_REC_MAX];
	size_t nfails;
};

static void add_result(struct run *run, const char *name, const char *rec)
{
	size_t n;

	if (run->n == MAX_CASES)
		return;
	n = strlen(name);

	if (n >= sizeof(run->r[run->n].name))
		n = sizeof(run->r[run->n].name) - 1;
	memcpy(run->r[run->n].name, name, n);
	run->r[run->n].name[n] = 0;
	run->r[run->n].rec = strdup(rec);
	run->n++;
}

static const char *find(const struct run *run, const char *name)
{
	for (size_t i = 0; i < run->n; i++)
		if (!strcmp(run->r[i].name, name))
			return run->r[i].rec;
	return NULL;
}

static void free_run(struct run *run)
{
	for (size_t i = 0; i < run->n; i++)
		free(run->r[i].rec);
}

/* Parse the real output; 0, or the exit code after one line. */
static int read_real(const char *path, struct xc_facts *f, struct run *real,
		     struct lib_result *lib)
{
	FILE *fp = fopen(path, "r");
	char line[XC_REC_MAX + 256];
	bool begun = false, ended = false;
	unsigned long lineno = 0;

	if (!fp) {
		fprintf(stderr, "xen-conformance: %s: cannot read\n", path);
		return XC_EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *nl = strchr(line, '\n');

		lineno++;
		if (nl)
			*nl = 0;
		if (!strncmp(line, "xc-begin ", 9)) {
			begun = !xc_arch_parse(line + 9, &f->arch);
		} else if (!strncmp(line, "xc-end ", 7)) {
			ended = true;
		} else if (begun && !strncmp(line, "fact ", 5)) {
			if (xc_facts_parse_line(f, line + 5)) {
				fprintf(stderr,
					"xen-conformance: %s:%lu: bad fact\n",
					path, lineno);
				fclose(fp);
				return XC_EXIT_USAGE;
			}
		} else if (begun && !strncmp(line, "case ", 5)) {
			char *name = line + 5, *sp = strchr(name, ' ');

			if (sp)
				*sp = 0;
			add_result(real, name, sp ? sp + 1 : "");
		} else if (ended && !strncmp(line, "lib ", 4)) {
			size_t len = strlen(line + 4);

			if (len > 3 && strcmp(line + 4 + len - 3, " ok") &&
			    lib->nfails < MAX_LIB_FAILS) {
				/* A longer line is cut, which is fine for a
				 * report; the precision tells the compiler so. */
				snprintf(lib->fails[lib->nfails],
					 sizeof(lib->fails[0]), "%.*s",
					 (int)sizeof(lib->fails[0]) - 1,
					 line + 4);
				lib->nfails++;
			}
		} else if (ended && !strncmp(line, "xc-library ", 11)) {
			lib->ran = sscanf(line + 11, "%lu %lu", &lib->checks,
					  &lib->failed) == 2;
		}
	}
	fclose(fp);
	if (!begun) {
		fprintf(stderr, "xen-conformance: %s: no real run in it\n",
			path);
		return XC_EXIT_ENV;
	}
	if (!ended) {
		fprintf(stderr,
			"xen-conformance: %s: the real run did not finish "
			"(last case: %s)\n",
			path, real->n ? real->r[real->n - 1].name : "none");
		return XC_EXIT_ENV;
	}
	return 0;
}

/* Run the model's cases (extension world: only those) into run. */
static int run_model(const struct xc_facts *f, bool extension, struct run *run,
		     bool print)
{
	const struct xc_case_def *defs[MAX_CASES];
	struct xc_env e = {0};
	struct xc_facts mf;
	const char *differ;
	char err[256];
	size_t n;

	if (xc_env_model_open(&e, f, extension, err, sizeof(err))) {
		fprintf(stderr, "xen-conformance: model world: %s\n", err);
		return XC_EXIT_ENV;
	}
	/* The model re-asks what real Xen told; a world that answers
	 * otherwise is reported, the cases show where. */
	mf = e.facts;
	xc_discover_hypercall_facts(&e, &mf);
	differ = xc_facts_differ(f, &mf);
	if (differ && !extension)
		printf("model world: fact %s differs from real Xen's\n",
		       differ);
	n = xc_catalog(f->arch, defs, MAX_CASES);
	for (size_t i = 0; i < n; i++) {
		struct xc_case c;

		if (!!defs[i]->extension != extension)
			continue;
		xc_run_case(&e, defs[i], &c);
		add_result(run, defs[i]->name, c.rec);
		if (print)
			printf("case %s %s\n", defs[i]->name, c.rec);
	}
	xc_env_model_close(&e);
	return 0;
}

/* The operation a case belongs to: its group, "gnt_map/..." -> gnt_map. */
static void group_of(const char *name, char *out, size_t len)
{
	size_t n = strcspn(name, "/");

	if (n >= len)
		n = len - 1;
	memcpy(out, name, n);
	out[n] = 0;
}

/* One markdown row per operation, in the order they first run. */
static void print_table(const char *arch, const struct run *real,
			const struct run *model, const struct run *ext)
{
	struct row {
		char group[32];
		size_t cases, agree, extension;
	} rows[64];
	size_t nrows = 0;

	for (size_t i = 0; i < real->n; i++) {
		const char *name = real->r[i].name, *m;
		struct row *row = NULL;
		char g[32];

		group_of(name, g, sizeof(g));
		for (size_t k = 0; k < nrows && !row; k++)
			if (!strcmp(rows[k].group, g))
				row = &rows[k];
		if (!row) {
			if (nrows == 64)
				continue;
			row = &rows[nrows++];
			memset(row, 0, sizeof(*row));
			memcpy(row->group, g, sizeof(row->group));
		}
		if (find(ext, name)) {
			row->extension++;
			continue;
		}
		row->cases++;
		m = find(model, name);
		row->agree += m && !strcmp(m, real->r[i].rec);
	}
	printf("| %s: operation | cases | agree | extension |\n", arch);
	printf("|---|---:|---:|---:|\n");
	for (size_t k = 0; k < nrows; k++)
		printf("| %s | %zu | %zu | %zu |\n", rows[k].group,
		       rows[k].cases, rows[k].agree, rows[k].extension);
}

int xc_compare(const char *path, enum xc_compare_mode mode)
{
	bool verbose = mode == XC_VERBOSE, model_only = mode == XC_MODEL_ONLY;
	static struct run real, model, ext;
	static struct lib_result lib;
	struct xc_facts f = {0};
	const char *missing, *arch;
	size_t agree = 0, disagree = 0, extensions = 0, cases = 0;
	int rc;

	memset(&lib, 0, sizeof(lib));
	rc = read_real(path, &f, &real, &lib);
	if (rc)
		return rc;
	missing = xc_facts_missing(&f);
	if (missing) {
		fprintf(stderr, "xen-conformance: %s: fact %s missing\n", path,
			missing);
		return XC_EXIT_ENV;
	}
	rc = run_model(&f, false, &model, model_only);
	if (!rc)
		rc = run_model(&f, true, &ext, model_only);
	if (rc || model_only)
		goto out;

	arch = xc_arch_name(f.arch);
	for (size_t i = 0; i < real.n; i++) {
		const char *name = real.r[i].name;
		const char *m = find(&model, name), *x = find(&ext, name);

		if (x) {
			extensions++;
			continue;
		}
		cases++;
		if (m && !strcmp(m, real.r[i].rec))
			agree++;
		else
			disagree++;
	}
	/* A case the model ran that real Xen never answered counts too. */
	for (size_t i = 0; i < model.n; i++) {
		if (!find(&real, model.r[i].name)) {
			cases++;
			disagree++;
		}
	}
	if (mode == XC_TABLE) {
		print_table(arch, &real, &model, &ext);
		rc = disagree ? XC_EXIT_DISAGREE : XC_EXIT_AGREE;
		goto out;
	}
	printf("real-xen %s: %zu cases, %zu agree, %zu disagree\n", arch, cases,
	       agree, disagree);
	if (extensions)
		printf("real-xen %s: %zu extension cases (the model differs by "
		       "design: docs/hypervisor.md)\n",
		       arch, extensions);
	/* The library on the privcmd platform in the same dom0: not a
	 * comparison, but a failure all the same. */
	if (!lib.ran)
		printf("real-xen %s: the library on privcmd did not run\n",
		       arch);
	else
		printf("real-xen %s: the library on privcmd: %lu checks, %lu "
		       "failed\n",
		       arch, lib.checks, lib.failed);
	for (size_t i = 0; i < lib.nfails; i++)
		printf("  library %s\n", lib.fails[i]);
	for (size_t i = 0; i < real.n; i++) {
		const char *name = real.r[i].name;
		const char *m = find(&model, name), *x = find(&ext, name);

		if (x) {
			if (verbose)
				printf("  extension %s\n    xen:   %s\n    model: "
				       "%s\n",
				       name, real.r[i].rec, x);
		} else if (!m || strcmp(m, real.r[i].rec)) {
			printf("  disagree %s\n    xen:   %s\n    model: %s\n",
			       name, real.r[i].rec, m ? m : "(not run)");
		}
	}
	for (size_t i = 0; i < model.n; i++)
		if (!find(&real, model.r[i].name))
			printf("  disagree %s\n    xen:   (not run)\n    model: "
			       "%s\n",
			       model.r[i].name, model.r[i].rec);
	rc = disagree || !lib.ran || lib.failed ? XC_EXIT_DISAGREE
						: XC_EXIT_AGREE;
out:
	free_run(&real);
	free_run(&model);
	free_run(&ext);
	return rc;
}
