/* SPDX-License-Identifier: MIT */
/*
 * The report's document: head with the inline style sheet, escaping,
 * number formats and line charts drawn as inline SVG (tools/report/
 * html.h).  No script and no external resource: a browser opened on the
 * file needs nothing else, and the browser test (tests/report/) checks
 * that the page renders and logs no error.
 */
#include "html.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"margin:0;background:#f6f7f9;color:#1d2330}"
	"header{background:#1d2330;color:#fff;padding:18px 28px}"
	"header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d1e0}"
	"main{padding:12px 28px 40px;max-width:1280px}"
	"section{background:#fff;border:1px solid #dde1e8;border-radius:6px;"
	"padding:14px 18px;margin:16px 0}"
	"h2{font-size:17px;margin:0 0 10px}h3{font-size:15px;margin:12px 0 6px}"
	"table{border-collapse:collapse;margin:6px 0}"
	"td,th{padding:3px 10px;border-bottom:1px solid #e7e9ee;text-align:left;"
	"vertical-align:top}th{background:#f0f2f5;font-weight:600}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".ok{color:#fff;background:#1f883d}.bad{color:#fff;background:#cf222e}"
	".badge{display:inline-block;padding:2px 10px;border-radius:12px;"
	"font-weight:600}.muted{color:#6b7385}.mono{font-family:ui-monospace,"
	"'DejaVu Sans Mono',monospace;font-size:12.5px}"
	".grid{display:flex;flex-wrap:wrap;gap:16px}.grid>div{flex:1 1 520px}"
	".grid3{display:flex;flex-wrap:wrap;gap:12px}.grid3>div{flex:1 1 380px}"
	"svg{display:block;max-width:100%;height:auto}"
	"svg text{font:11px system-ui,sans-serif;fill:#333}"
	"svg .t{font-size:13px;font-weight:600}"
	"blockquote{margin:6px 0;padding:6px 12px;border-left:4px solid #8c959f;"
	"background:#f6f8fa;font-style:italic}";

static const char *const palette[] = {
	"#0969da", "#cf222e", "#1f883d", "#bf8700", "#8250df",
	"#1b7c83", "#d4571c", "#57606a", "#e85aad", "#4c9a2a",
};

const char *rp_colour(unsigned int i)
{
	return palette[i % (sizeof(palette) / sizeof(palette[0]))];
}

void rp_escape_to(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* Control characters have no business in a page. */
			if ((unsigned char)*s < 0x20 && *s != '\n' &&
			    *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

void rp_raw(struct rp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(r->f, fmt, ap) < 0)
		r->failed = true;
	va_end(ap);
}

void rp_esc(struct rp *r, const char *fmt, ...)
{
	va_list ap;
	char small[512], *buf = small;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		r->failed = true;
		return;
	}
	if ((size_t)n >= sizeof(small)) {
		buf = malloc((size_t)n + 1);
		if (!buf) {
			r->failed = true;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	rp_escape_to(r->f, buf);
	if (buf != small)
		free(buf);
}

int rp_open(struct rp *r, const char *path, const char *title)
{
	r->path = path;
	r->failed = false;
	r->f = fopen(path, "w");
	if (!r->f)
		return -1;
	rp_raw(r,
	       "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	       "<meta name=\"viewport\" content=\"width=device-width\">"
	       "<title>");
	rp_esc(r, "%s", title);
	rp_raw(r, "</title><style>%s</style></head><body>\n", style);
	return 0;
}

int rp_close(struct rp *r)
{
	int saved;

	rp_raw(r, "</body></html>\n");
	if (ferror(r->f))
		r->failed = true;
	saved = errno;
	if (fclose(r->f))
		r->failed = true;
	r->f = NULL;
	errno = saved;
	return r->failed ? -1 : 0;
}

const char *rp_num(uint64_t v, char *buf, size_t len)
{
	char digits[32];
	size_t n = (size_t)snprintf(digits, sizeof(digits), "%llu",
				    (unsigned long long)v),
	       o = 0;

	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0 && o + 3 < len)
			buf[o++] = ' ';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

const char *rp_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double x = (double)v;
	unsigned int u = 0;

	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	if (u == 0 || x == floor(x))
		snprintf(buf, len, "%.0f %s", x, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", x, unit[u]);
	return buf;
}

/* ---- charts ---- */

struct axis {
	double lo, hi;
	bool log;
	double p0, p1; /* pixels of lo and hi */
};

static double ax_pos(const struct axis *a, double v)
{
	double t;

	if (a->log) {
		double l = log(a->lo), h = log(a->hi);

		t = (log(v > a->lo ? v : a->lo) - l) / (h - l);
	} else {
		t = (v - a->lo) / (a->hi - a->lo);
	}
	return a->p0 + t * (a->p1 - a->p0);
}

static void ax_range(struct axis *a, const struct rp_chart *c, bool x)
{
	bool any = false;

	a->lo = 0;
	a->hi = 1;
	for (unsigned int i = 0; i < c->nr; i++)
		for (unsigned int j = 0; j < c->s[i].n; j++) {
			double v = x ? c->s[i].x[j] : c->s[i].y[j];

			if (!isfinite(v) || (a->log && v <= 0))
				continue;
			if (!any || v < a->lo)
				a->lo = v;
			if (!any || v > a->hi)
				a->hi = v;
			any = true;
		}
	if (!a->log && !x && a->lo > 0)
		a->lo = 0; /* quantities: from zero */
	if (a->log) {
		if (!any) {
			a->lo = 1;
			a->hi = 10;
		}
		a->lo = x ? pow(2, floor(log2(a->lo)))
			  : pow(10, floor(log10(a->lo)));
		a->hi = x ? pow(2, ceil(log2(a->hi)))
			  : pow(10, ceil(log10(a->hi)));
		if (a->hi <= a->lo)
			a->hi = a->lo * (x ? 2 : 10);
	} else {
		if (a->hi <= a->lo)
			a->hi = a->lo + 1;
		if (!x)
			a->hi *= 1.08;
	}
}

static void tick_label(char *buf, size_t len, double v, bool bytes)
{
	char b[32];

	if (bytes && v >= 1) {
		snprintf(buf, len, "%s", rp_bytes((uint64_t)v, b, sizeof(b)));
		return;
	}
	if (fabs(v) >= 1e6)
		snprintf(buf, len, "%.3gM", v / 1e6);
	else if (fabs(v) >= 1e4)
		snprintf(buf, len, "%.3gk", v / 1e3);
	else
		snprintf(buf, len, "%.4g", v);
}

/* One grid line across the plot at p on axis x (else y), and its label
 * beside the other axis o. */
static void draw_tick(struct rp *r, const struct axis *o, bool x, double p,
		      const char *lab)
{
	if (x) {
		rp_raw(r,
		       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6eb\"/>",
		       p, o->p0, p, o->p1);
		rp_raw(r,
		       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
		       p, o->p0 + 14, lab);
	} else {
		rp_raw(r,
		       "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e6eb\"/>",
		       o->p0, p, o->p1, p);
		rp_raw(r,
		       "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
		       o->p0 - 5, p + 4, lab);
	}
}

static void draw_ticks(struct rp *r, const struct axis *a, bool x,
		       const struct axis *o, bool bytes)
{
	double step, v;
	char lab[32];
	int n = 0;

	if (a->log) {
		double px = fabs(a->p1 - a->p0), steps = 0;
		int every;

		for (v = a->lo; v <= a->hi * 1.0001 && steps < 40;
		     v *= (x ? 2 : 10))
			steps++;
		/* A label needs about 44 pixels across, 14 up. */
		every = (int)ceil(steps * (x ? 44 : 14) / (px > 1 ? px : 1));
		if (every < 1)
			every = 1;
		for (v = a->lo; v <= a->hi * 1.0001 && n < 40;
		     v *= (x ? 2 : 10), n++) {
			double p = ax_pos(a, v);

			tick_label(lab, sizeof(lab), v, bytes);
			if (n % every)
				lab[0] = '\0';
			draw_tick(r, o, x, p, lab);
		}
		return;
	}
	step = pow(10, floor(log10((a->hi - a->lo) / 5)));
	if ((a->hi - a->lo) / step > 10)
		step *= 2;
	if ((a->hi - a->lo) / step > 10)
		step *= 2.5;
	for (v = ceil(a->lo / step) * step; v <= a->hi && n < 40;
	     v += step, n++) {
		double p = ax_pos(a, v);

		tick_label(lab, sizeof(lab), v, false);
		draw_tick(r, o, x, p, lab);
	}
}

void rp_chart(struct rp *r, const struct rp_chart *c)
{
	unsigned int w = c->width ? c->width : 640,
		     h = c->height ? c->height : 300;
	unsigned int per_row = w < 560 ? 2 : 3;
	unsigned int legend_h = 16 * ((c->nr + per_row - 1) / per_row);
	struct axis ax = {.log = c->xlog}, ay = {.log = c->ylog};
	int next = 0;

	ax_range(&ax, c, true);
	ax_range(&ay, c, false);
	if (c->ymax_fixed > c->ymin_fixed) {
		ay.lo = c->ymin_fixed;
		ay.hi = c->ymax_fixed;
	}
	ax.p0 = 62;
	ax.p1 = w - 16;
	ay.p0 = h - 52 - legend_h; /* bottom */
	ay.p1 = 28;
	rp_raw(r,
	       "<svg viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" role=\"img\">",
	       w, h, w, h);
	rp_raw(r, "<text class=\"t\" x=\"%u\" y=\"16\">", 8);
	rp_esc(r, "%s", c->title ? c->title : "");
	rp_raw(r, "</text>");
	draw_ticks(r, &ax, true, &ay, c->xlog);
	draw_ticks(r, &ay, false, &ax, false);
	rp_raw(r,
	       "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#8c959f\"/>",
	       ax.p0, ay.p1, ax.p1 - ax.p0, ay.p0 - ay.p1);
	rp_raw(r, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
	       (ax.p0 + ax.p1) / 2, ay.p0 + 30);
	rp_esc(r, "%s", c->xlabel ? c->xlabel : "");
	rp_raw(r,
	       "</text><text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">",
	       (ay.p0 + ay.p1) / 2);
	rp_esc(r, "%s", c->ylabel ? c->ylabel : "");
	rp_raw(r, "</text>");
	for (unsigned int i = 0; i < c->nr; i++) {
		const struct rp_series *s = &c->s[i];
		const char *col = rp_colour(s->colour >= 0 ? (unsigned)s->colour
							   : (unsigned)next++);
		unsigned int lx = 70 + (i % per_row) * ((w - 80) / per_row),
			     ly = (unsigned int)ay.p0 + 50 + 16 * (i / per_row);
		bool first = true;

		rp_raw(r,
		       "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s d=\"",
		       col, s->dashed ? "1.5" : "2",
		       s->dashed ? " stroke-dasharray=\"6 4\"" : "");
		for (unsigned int j = 0; j < s->n; j++) {
			if (!isfinite(s->y[j]) || !isfinite(s->x[j]) ||
			    (c->ylog && s->y[j] <= 0) ||
			    (c->xlog && s->x[j] <= 0)) {
				first = true;
				continue;
			}
			rp_raw(r, "%c%.1f %.1f", first ? 'M' : 'L',
			       ax_pos(&ax, s->x[j]), ax_pos(&ay, s->y[j]));
			first = false;
		}
		rp_raw(r, "\"/>");
		if (s->points)
			for (unsigned int j = 0; j < s->n; j++) {
				if (!isfinite(s->y[j]) ||
				    (c->ylog && s->y[j] <= 0) ||
				    (c->xlog && s->x[j] <= 0))
					continue;
				rp_raw(r,
				       "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"><title>",
				       ax_pos(&ax, s->x[j]),
				       ax_pos(&ay, s->y[j]), col);
				rp_esc(r, "%s: %g, %g", s->name ? s->name : "",
				       s->x[j], s->y[j]);
				rp_raw(r, "</title></circle>");
			}
		rp_raw(r,
		       "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"%s\" stroke-width=\"2\"%s/>",
		       lx, ly - 4, lx + 22, ly - 4, col,
		       s->dashed ? " stroke-dasharray=\"6 4\"" : "");
		rp_raw(r, "<text x=\"%u\" y=\"%u\">", lx + 28, ly);
		rp_esc(r, "%s", s->name ? s->name : "");
		rp_raw(r, "</text>");
	}
	rp_raw(r, "</svg>\n");
}
