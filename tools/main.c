/* SPDX-License-Identifier: MIT */
/* dmakit: run, inspect and measure the DMA layer on a simulated machine. */
#include "commands.h"

#include <dmakit/dma.h>
#include <dmakit/platform.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: dmakit <command> [options]\n"
	"\n"
	"commands:\n"
	"  run        run workloads on a simulated platform, every byte checked\n"
	"  inspect    show what dmakit decides for each DMA master of a device tree\n"
	"  bench      measure map/unmap latency (Linux dma_map_benchmark's shape)\n"
	"  scenarios  the 2013 thread's claims: naive design vs dmakit's, checked\n"
	"  faults     every call into the world failed once: no wrong byte, no leak\n"
	"\n"
	"  dmakit <command> --help    options of a command\n"
	"  dmakit --version\n"
	"\n"
	"exit status: 0 ok, 1 integrity or verdict failed, 2 bad usage or input\n";

int dmk_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dmakit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return DMK_EXIT_USAGE;
}

int dmk_parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || *end) ? -1 : 0;
}

int dmk_parse_dt_arch(const char *s, int *out)
{
	if (!strcmp(s, "arm32") || !strcmp(s, "arm"))
		*out = DMK_ARCH_ARM32;
	else if (!strcmp(s, "arm64") || !strcmp(s, "aarch64"))
		*out = DMK_ARCH_ARM64;
	else
		return -1;
	return 0;
}

int dmk_parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mul = 1ULL << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ULL << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ULL << 30;
		end++;
		break;
	default:
		return -1;
	}
	if (*end == 'i' || *end == 'B')
		end += (*end == 'i' && end[1] == 'B') ? 2 : 1;
	if (*end || (v && mul > ~0ULL / v))
		return -1;
	*out = v * mul;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"run", dmk_cmd_run},
	{"inspect", dmk_cmd_inspect},
	{"bench", dmk_cmd_bench},
	{"scenarios", dmk_cmd_scenarios},
	{"faults", dmk_cmd_faults},
};

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return DMK_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return DMK_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("dmakit %s\n", DMK_VERSION);
		return DMK_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return dmk_usage_error("unknown command '%s' (try dmakit --help)",
			       argv[1]);
}
