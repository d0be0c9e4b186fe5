// SPDX-License-Identifier: MIT
/* The cases, in the order they run (one group per cases-*.c file). */
#include "xc.h"

extern const struct xc_case_def xc_cases_version[];
extern const struct xc_case_def xc_cases_limits[];
extern const struct xc_case_def xc_cases_gnt_query[];
extern const struct xc_case_def xc_cases_increase[];
extern const struct xc_case_def xc_cases_populate[];
extern const struct xc_case_def xc_cases_decrease[];
extern const struct xc_case_def xc_cases_exchange[];
extern const struct xc_case_def xc_cases_physmap[];
extern const struct xc_case_def xc_cases_gnt_map[];
extern const struct xc_case_def xc_cases_cache_flush[];
extern const struct xc_case_def xc_cases_ext_off[];
extern const struct xc_case_def xc_cases_extension[];

const struct xc_case_def *const xc_groups[] = {
	xc_cases_version,
	xc_cases_limits,
	xc_cases_gnt_query,
	xc_cases_increase,
	xc_cases_populate,
	xc_cases_decrease,
	xc_cases_exchange,
	xc_cases_physmap,
	xc_cases_gnt_map,
	xc_cases_cache_flush,
	xc_cases_ext_off,
	xc_cases_extension,
	NULL,
};

size_t xc_catalog(enum xc_arch arch, const struct xc_case_def **out, size_t max)
{
	size_t n = 0;

	for (unsigned int g = 0; xc_groups[g]; g++)
		for (const struct xc_case_def *d = xc_groups[g]; d->name; d++)
			if ((d->arches & XC_ON(arch)) && n < max)
				out[n++] = d;
	return n;
}
