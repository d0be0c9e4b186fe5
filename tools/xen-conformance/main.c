// SPDX-License-Identifier: MIT
/*
 * xen-conformance: run the hypervisor cases against real Xen (in dom0)
 * or against dmakit's model, and compare the two.  See xc.h.
 */
#include "xc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char usage[] =
	"usage: xen-conformance <command>\n"
	"\n"
	"  real                 in dom0 on Xen: discover the facts, run every\n"
	"                       case through /dev/xen/privcmd, print facts and\n"
	"                       records, then run the library on the privcmd\n"
	"                       platform and print its checks\n"
#ifdef XC_WITH_MODEL
	"  model REAL-OUTPUT    build the model's world from the facts in a real\n"
	"                       run's output and print the model's records\n"
	"  compare [-v|-t] REAL-OUTPUT\n"
	"                       the same, and compare with the real records case\n"
	"                       by case (-v: every extension case's answers too;\n"
	"                       -t: a markdown table of the counts per operation)\n"
#endif
	"  list ARCH            the cases that run on arm64, arm32 or x86_64\n"
	"\n"
	"exit status: 0 every case agrees and the library's checks pass (real:\n"
	"the run completed), 1 some case disagrees or a library check fails,\n"
	"2 bad usage or input, 3 no Xen here or an incomplete run\n";

static int usage_error(const char *what)
{
	fprintf(stderr, "xen-conformance: %s (try --help)\n", what);
	return XC_EXIT_USAGE;
}

static int cmd_real(void)
{
	struct xc_env e = {0};
	size_t n;
	int rc;

	/* Everything we touch stays in RAM, so handles to our stack and heap
	 * are memory Xen can copy from; our pages' frames stay put only if
	 * compaction leaves locked pages alone. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	{
		FILE *fp =
			fopen("/proc/sys/vm/compact_unevictable_allowed", "w");

		if (fp) {
			fputs("0\n", fp);
			fclose(fp);
		}
	}
	rc = xc_env_privcmd_open(&e);
	if (rc)
		return rc;
	xc_discover_hypercall_facts(&e, &e.facts);
	xc_discover_dom0_facts(&e, &e.facts);
	printf("xc-begin %s\n", xc_arch_name(e.facts.arch));
	xc_facts_print(&e.facts);
	fflush(stdout);
	n = xc_run_all(&e, stdout, false);
	printf("xc-end %zu\n", n);
	xc_env_privcmd_close(&e);
	/* Then the library itself on the privcmd platform; compare says
	 * whether its checks passed. */
	xc_library_run(stdout, e.facts.version);
	return XC_EXIT_AGREE;
}

static int cmd_list(const char *arch_name)
{
	const struct xc_case_def *defs[1024];
	enum xc_arch arch;
	size_t n;

	if (xc_arch_parse(arch_name, &arch))
		return usage_error("list: ARCH is arm64, arm32 or x86_64");
	n = xc_catalog(arch, defs, 1024);
	for (size_t i = 0; i < n; i++)
		printf("%s%s\n", defs[i]->name,
		       defs[i]->extension ? " (extension)" : "");
	return XC_EXIT_AGREE;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing command");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return XC_EXIT_AGREE;
	}
	if (!strcmp(argv[1], "real")) {
		if (argc != 2)
			return usage_error("real takes no arguments");
		return cmd_real();
	}
	if (!strcmp(argv[1], "list")) {
		if (argc != 3)
			return usage_error("list needs ARCH");
		return cmd_list(argv[2]);
	}
#ifdef XC_WITH_MODEL
	if (!strcmp(argv[1], "compare") || !strcmp(argv[1], "model")) {
		bool model = !strcmp(argv[1], "model");
		enum xc_compare_mode mode = model ? XC_MODEL_ONLY : XC_SUMMARY;
		const char *path = NULL;

		for (int i = 2; i < argc; i++) {
			if (!model && !strcmp(argv[i], "-v"))
				mode = XC_VERBOSE;
			else if (!model && !strcmp(argv[i], "-t"))
				mode = XC_TABLE;
			else if (!path && argv[i][0] != '-')
				path = argv[i];
			else
				return usage_error(
					model ? "model REAL-OUTPUT"
					      : "compare [-v|-t] REAL-OUTPUT");
		}
		if (!path)
			return usage_error("missing REAL-OUTPUT");
		return xc_compare(path, mode);
	}
#endif
	return usage_error("unknown command");
}
