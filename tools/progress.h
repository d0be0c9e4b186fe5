/* SPDX-License-Identifier: MIT */
/*
 * Progress of a long command on stderr: what runs, done/total and the
 * time left, redrawn in place at most ten times a second.  Shown only
 * when stderr is a terminal and the command was not asked for --json;
 * otherwise every call is a no-op, so a pipe or a log file never sees
 * it.  Any command may use it (bench sweep, scenarios run, and the
 * long-running commands to come): start, update per item, end.
 */
#ifndef DMAKIT_TOOLS_PROGRESS_H
#define DMAKIT_TOOLS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct dmk_progress {
	FILE *out; /* NULL: quiet */
	char what[48];
	unsigned long total, done;
	uint64_t start_ns, drawn_ns;
	int drawn; /* characters of the line on screen */
};

/* On stderr if it is a terminal and !quiet; else quiet. */
void dmk_progress_start(struct dmk_progress *p, const char *what,
			unsigned long total, bool quiet);
/* On out, terminal or not (out NULL: quiet); tests use it. */
void dmk_progress_start_on(struct dmk_progress *p, FILE *out, const char *what,
			   unsigned long total);
/* done of total finished; item is what runs now (NULL: none). */
void dmk_progress_update(struct dmk_progress *p, unsigned long done,
			 const char *item);
/* Clear the line: the command's own output follows on a clean screen. */
void dmk_progress_end(struct dmk_progress *p);

/* "1 h 02 min", "3 min 05 s", "42 s" */
const char *dmk_progress_eta(double seconds, char *buf, size_t len);

#endif
