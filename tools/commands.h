/* SPDX-License-Identifier: MIT */
/* The subcommands of the dmakit command.  Each returns the exit code:
 * 0 success, 1 the run found wrong bytes, faults or leaks (or a verdict
 * failed), 2 bad usage or bad input (after one line on stderr). */
#ifndef DMAKIT_TOOLS_COMMANDS_H
#define DMAKIT_TOOLS_COMMANDS_H

#define DMK_EXIT_OK 0
#define DMK_EXIT_FAIL 1
#define DMK_EXIT_USAGE 2

int dmk_cmd_run(int argc, char **argv);
int dmk_cmd_inspect(int argc, char **argv);
int dmk_cmd_bench(int argc, char **argv);
int dmk_cmd_scenarios(int argc, char **argv);
int dmk_cmd_faults(int argc, char **argv);

/* One line "dmakit: <what>" on stderr; returns DMK_EXIT_USAGE. */
int dmk_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse "64", "4K", "1M", "2G" (powers of 1024); 0 on success. */
int dmk_parse_size(const char *s, unsigned long long *out);
/* Parse a decimal or 0x number, whole string; 0 on success. */
int dmk_parse_u64(const char *s, unsigned long long *out);
/* Parse --arch for a device tree: "arm32" or "arm64" into the
 * DMK_ARCH_* value; 0 on success. */
int dmk_parse_dt_arch(const char *s, int *out);

#endif
