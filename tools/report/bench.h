/* SPDX-License-Identifier: MIT */
/*
 * dmakit bench sweep --report FILE.html (tools/report/bench.c): the
 * sweep drawn: latency against size at each occupancy, and against
 * occupancy at each size, with the memcpy floor and the model of
 * Linux's allocator on the same axes; the fragmentation curve; the
 * thread scaling.
 */
#ifndef DMAKIT_TOOLS_REPORT_BENCH_H
#define DMAKIT_TOOLS_REPORT_BENCH_H

#include "bench/bench.h"

/* 0, or -1 with errno. */
int rp_bench_write(const char *path, const struct sweep *sw, bool quick);

#endif
