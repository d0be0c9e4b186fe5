// SPDX-License-Identifier: MIT
/*
 * Running cases: each gets a fresh record and the world as the cases
 * before it left it, and prints "case NAME RECORD" at once (the real
 * run flushes every line, so a dom0 that dies mid-way still leaves the
 * cases it finished).
 */
#include "xc.h"

#include <string.h>

long xc_call(struct xc_case *c, unsigned int op, unsigned long a1,
	     const void *a2, unsigned long a3)
{
	return c->env->ops->hypercall(c->env, op, a1, (unsigned long)a2, a3);
}

void xc_run_case(struct xc_env *e, const struct xc_case_def *def,
		 struct xc_case *c)
{
	memset(c, 0, sizeof(*c));
	c->env = e;
	c->def = def;
	def->run(c);
	if (c->overflow)
		xc_put(c, "record", "overflow");
}

size_t xc_run_all(struct xc_env *e, FILE *out, bool extension_world)
{
	const struct xc_case_def *defs[1024];
	size_t n = xc_catalog(e->facts.arch, defs, 1024), ran = 0;
	struct xc_case c;

	for (size_t i = 0; i < n; i++) {
		/* The model's extension world runs the extension cases only;
		 * the plain world and real Xen run every case. */
		if (extension_world && !defs[i]->extension)
			continue;
		xc_run_case(e, defs[i], &c);
		fprintf(out, "case %s %s\n", defs[i]->name, c.rec);
		fflush(out);
		ran++;
	}
	return ran;
}
