/* SPDX-License-Identifier: MIT */
/*
 * dmakit scenarios run --report FILE.html (tools/report/scenarios.c):
 * one panel per claim of the 2013 thread, with the thread's words, the
 * naive design and dmakit's side by side, and for the naive runs which
 * device went wrong and where (its last fault's bus address, the first
 * wrong transfer).
 */
#ifndef DMAKIT_TOOLS_REPORT_SCENARIOS_H
#define DMAKIT_TOOLS_REPORT_SCENARIOS_H

#include "scenarios/scenario.h"

/* 0, or -1 with errno. */
int rp_scen_write(const char *path, const struct scen_outcome *o,
		  unsigned int n, unsigned long long seed,
		  unsigned long long ops);

#endif
