/* SPDX-License-Identifier: MIT */
/*
 * One self-contained HTML file: the writer the --report options share
 * (dmakit run, scenarios run, bench sweep).  Inline CSS and SVG, no
 * script, nothing fetched: the file reads the same from a disk, a mail
 * or an archive.  Every string that comes from data (names, paths, a
 * device tree's strings, messages) goes through rp_esc; markup the
 * report writes itself goes through rp_raw, with numbers only.
 *
 * Files: html.c (document, escaping, tables, charts), run.c (dmakit
 * run), scenarios.c, bench.c.
 */
#ifndef DMAKIT_TOOLS_REPORT_HTML_H
#define DMAKIT_TOOLS_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rp {
	FILE *f;
	const char *path;
	bool failed; /* a write failed: rp_close reports it */
};

/* Create path and write the head (title escaped).  0, or -1 with errno. */
int rp_open(struct rp *r, const char *path, const char *title);
/* Write the tail and close; 0, or -1 when any write failed. */
int rp_close(struct rp *r);

/* Markup: fmt and its arguments are the writer's own, never data. */
void rp_raw(struct rp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Formatted, then escaped for text and attribute values (& < > " '). */
void rp_esc(struct rp *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The escaping alone, into a caller's stream (tests use it). */
void rp_escape_to(FILE *f, const char *s);

/* A colour of the report's palette, by index (wraps). */
const char *rp_colour(unsigned int i);

/* ---- charts: x/y lines with points, axes, a legend ---- */

#define RP_MAX_SERIES 12

struct rp_series {
	const char *name;
	const double *x, *y;
	unsigned int n;
	int colour;  /* palette index; -1: next */
	bool dashed; /* a reference (a floor, a model), not a measurement */
	bool points; /* draw a dot at each point */
};

struct rp_chart {
	const char *title, *xlabel, *ylabel;
	bool xlog, ylog;   /* log2 x axis, log10 y axis */
	double ymin_fixed; /* used when ymax_fixed > ymin_fixed */
	double ymax_fixed;
	struct rp_series s[RP_MAX_SERIES];
	unsigned int nr;
	unsigned int width, height; /* 0: 640 x 300 */
};

void rp_chart(struct rp *r, const struct rp_chart *c);

/* A number with thousands separated by thin spaces: "1 234 567". */
const char *rp_num(uint64_t v, char *buf, size_t len);
/* 4096 -> "4 KiB", 1536 -> "1.5 KiB". */
const char *rp_bytes(uint64_t v, char *buf, size_t len);

#endif
