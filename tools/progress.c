/* SPDX-License-Identifier: MIT */
/*
 * Progress lines on a terminal (tools/progress.h).  The estimate of the
 * time left is the mean time per finished item so far times the items
 * left: the long commands run items of similar cost (sweep cells,
 * scenarios, seeds), and a plain mean does not jump around.
 */
#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_NS 100000000ULL /* at most ten lines a second */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *dmk_progress_eta(double s, char *buf, size_t len)
{
	unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;

	if (t >= 3600)
		snprintf(buf, len, "%lu h %02lu min", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%lu min %02lu s", t / 60, t % 60);
	else
		snprintf(buf, len, "%lu s", t);
	return buf;
}

void dmk_progress_start_on(struct dmk_progress *p, FILE *out, const char *what,
			   unsigned long total)
{
	memset(p, 0, sizeof(*p));
	p->out = out;
	p->total = total;
	snprintf(p->what, sizeof(p->what), "%s", what);
	p->start_ns = mono_ns();
}

void dmk_progress_start(struct dmk_progress *p, const char *what,
			unsigned long total, bool quiet)
{
	dmk_progress_start_on(p,
			      !quiet && isatty(STDERR_FILENO) ? stderr : NULL,
			      what, total);
}

void dmk_progress_update(struct dmk_progress *p, unsigned long done,
			 const char *item)
{
	uint64_t now;
	char line[160], eta[32];
	int n;

	if (!p->out)
		return;
	p->done = done;
	now = mono_ns();
	if (p->drawn && done < p->total && now - p->drawn_ns < REDRAW_NS)
		return;
	n = snprintf(line, sizeof(line), "%s: %s%s%lu/%lu (%lu%%)", p->what,
		     item ? item : "", item ? "  " : "", done, p->total,
		     p->total ? done * 100 / p->total : 100);
	if (done && done < p->total) {
		double per = (double)(now - p->start_ns) / 1e9 / (double)done;

		n += snprintf(line + n, sizeof(line) - (size_t)n,
			      ", about %s left",
			      dmk_progress_eta(per * (double)(p->total - done),
					       eta, sizeof(eta)));
	}
	if (n >= (int)sizeof(line))
		n = (int)sizeof(line) - 1;
	/* Back to the line's start, the new text, blanks over the rest. */
	fprintf(p->out, "\r%s%*s", line, p->drawn > n ? p->drawn - n : 0, "");
	fflush(p->out);
	p->drawn = n;
	p->drawn_ns = now;
}

void dmk_progress_end(struct dmk_progress *p)
{
	if (!p->out || !p->drawn)
		return;
	fprintf(p->out, "\r%*s\r", p->drawn, "");
	fflush(p->out);
	p->drawn = 0;
}
