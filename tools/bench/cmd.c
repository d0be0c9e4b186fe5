/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench: its command line (docs/benchmarks.md).  `bench map` is
 * Linux's dma_map_benchmark (map.c), `bench sweep` the allocator's
 * targets table (docs/benchmarks.md) with the churn, thread scaling and the simulator's speed (sweep.c).
 */
#include "bench.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char bench_usage[] =
	"usage: dmakit bench map [-t threads] [-s seconds] [-g granule_pages] [-d dir]\n"
	"                        [-b dma_bits] [-x transfer_ns] [--size BYTES]\n"
	"                        [--occupancy PCT] [--direct] [--platform host] [--json]\n"
	"       dmakit bench sweep [--json] [--quick] [--report FILE.html]\n"
	"\n"
	"map: per thread, map and unmap one buffer repeatedly (Linux's\n"
	"dma_map_benchmark); bounces through swiotlb unless --direct.\n"
	"  -d 0|1|2 (or bidi|to|from): BIDIRECTIONAL, TO_DEVICE, FROM_DEVICE\n"
	"  --occupancy: fill the pool to PCT % with other mappings first\n"
	"sweep: the table of docs/benchmarks.md (sizes x directions x\n"
	"occupancies against Linux 6.6's allocator and the memcpy floor),\n"
	"fragmentation churn, thread scaling and the simulator's speed;\n"
	"--report also writes it as one self-contained HTML page.\n";

static int parse_dir(const char *s, enum dmk_data_direction *d)
{
	if (!strcmp(s, "0") || !strcmp(s, "bidi") ||
	    !strcmp(s, "bidirectional"))
		*d = DMK_DMA_BIDIRECTIONAL;
	else if (!strcmp(s, "1") || !strcmp(s, "to") || !strcmp(s, "to_device"))
		*d = DMK_DMA_TO_DEVICE;
	else if (!strcmp(s, "2") || !strcmp(s, "from") ||
		 !strcmp(s, "from_device"))
		*d = DMK_DMA_FROM_DEVICE;
	else
		return -1;
	return 0;
}

static int parse_seconds(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return (*end || !(*out > 0) || *out > 3600) ? -1 : 0;
}

static int cmd_bench_map(int argc, char **argv)
{
	static const struct option opts[] = {
		{"size", required_argument, NULL, 'S'},
		{"occupancy", required_argument, NULL, 'O'},
		{"platform", required_argument, NULL, 'P'},
		{"json", no_argument, NULL, 'J'},
		{"direct", no_argument, NULL, 'D'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct map_args a = {.threads = 1,
			     .seconds = 20,
			     .size = 4096,
			     .dir = DMK_DMA_BIDIRECTIONAL,
			     .dma_bits = 32};
	unsigned long long v;
	bool have_size = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:s:g:d:b:x:h", opts, NULL)) !=
	       -1) {
		switch (c) {
		case 't':
			if (dmk_parse_u64(optarg, &v) || !v ||
			    v > BENCH_MAX_THREADS)
				return dmk_usage_error(
					"bench: -t wants 1..%d threads",
					BENCH_MAX_THREADS);
			a.threads = (unsigned int)v;
			break;
		case 's':
			if (parse_seconds(optarg, &a.seconds))
				return dmk_usage_error(
					"bench: -s wants seconds in (0, 3600]");
			break;
		case 'g':
			if (dmk_parse_u64(optarg, &v) || !v || v > 64)
				return dmk_usage_error(
					"bench: -g wants 1..64 pages");
			if (!have_size)
				a.size = (size_t)v * DMK_PAGE_SIZE;
			break;
		case 'd':
			if (parse_dir(optarg, &a.dir))
				return dmk_usage_error(
					"bench: -d wants 0 (bidi), 1 (to) or 2 (from)");
			break;
		case 'b':
			if (dmk_parse_u64(optarg, &v) || v < 20 || v > 64)
				return dmk_usage_error(
					"bench: -b wants 20..64 bits");
			a.dma_bits = (unsigned int)v;
			break;
		case 'x':
			if (dmk_parse_u64(optarg, &v) || v > 1000000000ULL)
				return dmk_usage_error(
					"bench: -x wants 0..1000000000 ns");
			a.transfer_ns = v;
			break;
		case 'S':
			if (dmk_parse_size(optarg, &v) || !v || v > SEG_BYTES)
				return dmk_usage_error(
					"bench: --size wants 1..262144 bytes");
			a.size = (size_t)v;
			have_size = true;
			break;
		case 'O':
			if (dmk_parse_u64(optarg, &v) || v > 95)
				return dmk_usage_error(
					"bench: --occupancy wants 0..95 (%%)");
			a.occupancy = (double)v;
			break;
		case 'P':
			if (strcmp(optarg, "host"))
				return dmk_usage_error(
					"bench: platform '%s' unknown (only 'host' is measured)",
					optarg);
			break;
		case 'J':
			a.json = true;
			break;
		case 'D':
			a.direct = true;
			break;
		case 'h':
			fputs(bench_usage, stdout);
			return DMK_EXIT_OK;
		default:
			return dmk_usage_error("bench map: bad option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return dmk_usage_error("bench map: unexpected '%s'",
				       argv[optind]);
	return bench_map(&a);
}

static int cmd_bench_sweep(int argc, char **argv)
{
	bool json = false, quick = false;
	const char *report = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--report") ||
			 !strncmp(argv[i], "--report=", 9)) {
			FILE *f;

			report = argv[i][8] == '=' ? argv[i] + 9
				 : i + 1 < argc	   ? argv[++i]
						   : "";
			if (!*report)
				return dmk_usage_error(
					"--report: expected a file name");
			/* Bad input before the sweep, not after it. */
			f = fopen(report, "w");
			if (!f)
				return dmk_usage_error(
					"--report: cannot write %s: %s", report,
					strerror(errno));
			fclose(f);
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			fputs(bench_usage, stdout);
			return DMK_EXIT_OK;
		} else
			return dmk_usage_error("bench sweep: bad option '%s'",
					       argv[i]);
	}
	return bench_sweep(json, quick, report);
}

int dmk_cmd_bench(int argc, char **argv)
{
	if (argc < 2)
		return dmk_usage_error(
			"bench: want 'map' or 'sweep' (dmakit bench --help)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(bench_usage, stdout);
		return DMK_EXIT_OK;
	}
	if (!strcmp(argv[1], "map"))
		return cmd_bench_map(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sweep"))
		return cmd_bench_sweep(argc - 1, argv + 1);
	return dmk_usage_error("bench: unknown mode '%s' (map or sweep)",
			       argv[1]);
}
