// SPDX-License-Identifier: MIT
/*
 * Records: what a case saw, as "key=value" words, the same text in both
 * worlds when Xen and the model answer alike.
 *
 * Numbers that depend on the world (frame numbers, grant references,
 * maptrack handles) never appear raw.  A frame is named after the case's
 * own pages (xc_name) or after a fact ("max_ram_page+1", "ext0",
 * "gntr+2", "mmio"); anything else prints as "unnamed", which a case
 * avoids by naming what it expects.
 */
#include "xc.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xen/errno.h>

static void append(struct xc_case *c, const char *s)
{
	size_t n = strlen(s);

	if (c->len + n + 1 > sizeof(c->rec)) {
		c->overflow = true;
		return;
	}
	memcpy(c->rec + c->len, s, n + 1);
	c->len += n;
}

void xc_put(struct xc_case *c, const char *key, const char *fmt, ...)
{
	char val[256], word[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(word, sizeof(word), "%s%s=%s", c->len ? " " : "", key, val);
	append(c, word);
}

/* Xen's errno values (xen/errno.h), by name. */
static const struct {
	long v;
	const char *name;
} errnos[] = {
	{XEN_EPERM, "EPERM"},
	{XEN_ENOENT, "ENOENT"},
	{XEN_ESRCH, "ESRCH"},
	{XEN_EIO, "EIO"},
	{XEN_ENXIO, "ENXIO"},
	{XEN_E2BIG, "E2BIG"},
	{XEN_ENOEXEC, "ENOEXEC"},
	{XEN_EBADF, "EBADF"},
	{XEN_ECHILD, "ECHILD"},
	{XEN_EAGAIN, "EAGAIN"},
	{XEN_ENOMEM, "ENOMEM"},
	{XEN_EACCES, "EACCES"},
	{XEN_EFAULT, "EFAULT"},
	{XEN_EBUSY, "EBUSY"},
	{XEN_EEXIST, "EEXIST"},
	{XEN_EXDEV, "EXDEV"},
	{XEN_ENODEV, "ENODEV"},
	{XEN_EINVAL, "EINVAL"},
	{XEN_ENFILE, "ENFILE"},
	{XEN_EMFILE, "EMFILE"},
	{XEN_ENOSPC, "ENOSPC"},
	{XEN_EROFS, "EROFS"},
	{XEN_EMLINK, "EMLINK"},
	{XEN_EDOM, "EDOM"},
	{XEN_ERANGE, "ERANGE"},
	{XEN_EDEADLK, "EDEADLK"},
	{XEN_ENAMETOOLONG, "ENAMETOOLONG"},
	{XEN_ENOLCK, "ENOLCK"},
	{XEN_ENOSYS, "ENOSYS"},
	{XEN_ENODATA, "ENODATA"},
	{XEN_ETIME, "ETIME"},
	{XEN_EBADMSG, "EBADMSG"},
	{XEN_EOVERFLOW, "EOVERFLOW"},
	{XEN_EILSEQ, "EILSEQ"},
	{XEN_ENOTSOCK, "ENOTSOCK"},
	{XEN_EOPNOTSUPP, "EOPNOTSUPP"},
	{XEN_EADDRINUSE, "EADDRINUSE"},
	{XEN_EADDRNOTAVAIL, "EADDRNOTAVAIL"},
	{XEN_ENOBUFS, "ENOBUFS"},
	{XEN_EISCONN, "EISCONN"},
	{XEN_ENOTCONN, "ENOTCONN"},
	{XEN_ETIMEDOUT, "ETIMEDOUT"},
	{XEN_ECONNREFUSED, "ECONNREFUSED"},
};

const char *xc_errno_name(long rc)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].v == -rc)
			return errnos[i].name;
	return NULL;
}

void xc_put_rc(struct xc_case *c, const char *key, long rc)
{
	const char *name = rc < 0 ? xc_errno_name(rc) : NULL;

	if (name)
		xc_put(c, key, "-%s", name);
	else
		xc_put(c, key, "%ld", rc);
}

void xc_put_gntst(struct xc_case *c, const char *key, long st)
{
	static const char *const names[] = {
		"okay",		"general_error",   "bad_domain",
		"bad_gntref",	"bad_handle",	   "bad_virt_addr",
		"bad_dev_addr", "no_device_space", "permission_denied",
		"bad_page",	"bad_copy_arg",	   "address_too_big",
		"eagain",	"no_space",
	};

	if (st <= 0 && -st < (long)(sizeof(names) / sizeof(names[0])))
		xc_put(c, key, "%s", names[-st]);
	else
		xc_put(c, key, "%ld", st);
}

void xc_name(struct xc_case *c, const char *name, uint64_t frame)
{
	if (c->nnames < XC_MAX_NAMES) {
		c->names[c->nnames].name = name;
		c->names[c->nnames].frame = frame;
		c->nnames++;
	}
}

/* A frame near the start of a range, "name+k" for k < 16. */
static bool near(char *out, size_t len, const char *name, uint64_t base,
		 uint64_t frame)
{
	if (frame < base || frame - base >= 16)
		return false;
	if (frame == base)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%s+%llu", name,
			 (unsigned long long)(frame - base));
	return true;
}

static void frame_token(const struct xc_case *c, uint64_t frame, char *out,
			size_t len)
{
	const struct xc_facts *f = &c->env->facts;
	uint64_t top = (uint64_t)f->max_ram_page;
	char name[24];

	for (unsigned int i = 0; i < c->nnames; i++)
		if (near(out, len, c->names[i].name, c->names[i].frame, frame))
			return;
	if (frame + 16 > top && frame < top) {
		snprintf(out, len, "max_ram_page-%llu",
			 (unsigned long long)(top - frame));
		return;
	}
	if (near(out, len, "max_ram_page", top, frame))
		return;
	if (f->mmio_frame && frame == f->mmio_frame) {
		snprintf(out, len, "mmio");
		return;
	}
	if (f->gnt_region.end &&
	    near(out, len, "gntr", f->gnt_region.start, frame))
		return;
	for (unsigned int i = 0; i < f->next; i++) {
		snprintf(name, sizeof(name), "ext%u", i);
		if (near(out, len, name, f->ext[i].start, frame))
			return;
	}
	for (unsigned int i = 0; i < f->nram; i++) {
		snprintf(name, sizeof(name), "ram%u", i);
		if (near(out, len, name, f->ram[i].start, frame))
			return;
	}
	snprintf(out, len, "unnamed");
}

void xc_put_frame(struct xc_case *c, const char *key, uint64_t frame)
{
	char tok[64];

	frame_token(c, frame, tok, sizeof(tok));
	xc_put(c, key, "%s", tok);
}

void xc_put_maddr(struct xc_case *c, const char *key, uint64_t addr)
{
	char tok[64];

	frame_token(c, addr >> XC_PAGE_SHIFT, tok, sizeof(tok));
	if (addr & (XC_PAGE_SIZE - 1))
		xc_put(c, key, "%s:0x%llx", tok,
		       (unsigned long long)(addr & (XC_PAGE_SIZE - 1)));
	else
		xc_put(c, key, "%s", tok);
}

void xc_put_bytes(struct xc_case *c, const char *key, const uint8_t *p,
		  size_t n)
{
	for (size_t i = 1; i < n; i++) {
		if (p[i] != p[0]) {
			xc_put(c, key, "mixed");
			return;
		}
	}
	xc_put(c, key, "pat:%02x", n ? p[0] : 0);
}
