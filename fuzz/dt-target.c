/* SPDX-License-Identifier: MIT */
/*
 * The invariants every fuzz input must keep, shared by the libFuzzer
 * target and the replay driver: a refusal is -1 with exactly one line
 * of reason; an acceptance gives a description whose counts and
 * indices are in range and whose banks are page aligned and sorted, and
 * whose masters each have a mask the world can build (12 to 64 bits)
 * with a source the mask rule knows, a mask below the default only
 * from a driver's row, and no_ram_by_mask only with no_ram.
 */
#include "dt-target.h"

#include "world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void broken(const char *what, const char *err)
{
	fprintf(stderr, "dt-fuzz: loader broke a promise: %s (%s)\n", what,
		err);
	abort();
}

static void check_desc(const struct sim_world_desc *d)
{
	if (!d->nbanks || d->nbanks > SIM_MAX_BANKS)
		broken("bank count", "");
	for (unsigned int i = 0; i < d->nbanks; i++) {
		if ((d->banks[i].base | d->banks[i].size) &
			    (SIM_PAGE_SIZE - 1) ||
		    !d->banks[i].size)
			broken("bank not page aligned or empty", "");
		if (i && d->banks[i].base <= d->banks[i - 1].base +
						     d->banks[i - 1].size - 1)
			broken("banks overlap or unsorted", "");
	}
	if (d->nr_devs > SIM_DESC_MAX_DEVS ||
	    d->nr_smmus > SIM_DESC_MAX_SMMUS ||
	    d->nr_pools > SIM_DESC_MAX_POOLS)
		broken("a count beyond its array", "");
	for (unsigned int i = 0; i < d->nr_devs; i++) {
		const struct sim_desc_device *v = &d->devs[i];

		if (v->smmu >= (int)d->nr_smmus || v->smmu < -1 ||
		    v->pool >= (int)d->nr_pools || v->pool < -1)
			broken("device index out of range", v->path);
		if (v->path[0] != '/' ||
		    !memchr(v->path, '\0', sizeof(v->path)) ||
		    !memchr(v->compatible, '\0', sizeof(v->compatible)))
			broken("device strings", "");
		if (v->reach_bits < 12 || v->reach_bits > 64 ||
		    v->mask_from > SIM_MASK_CAPABILITY ||
		    (v->reach_bits < 32 && v->mask_from != SIM_MASK_DRIVER) ||
		    !memchr(v->mask_driver, '\0', sizeof(v->mask_driver)))
			broken("device mask", v->path);
		if (v->no_ram_by_mask && !v->no_ram)
			broken("no_ram_by_mask without no_ram", v->path);
	}
	if (!memchr(d->notes, '\0', sizeof(d->notes)))
		broken("notes not terminated", "");
}

static int load_once(const uint8_t *data, size_t len,
		     const struct sim_dt_options *o)
{
	static struct sim_world_desc desc;
	char err[256];
	int ret;

	memset(err, 0x5a, sizeof(err));
	err[sizeof(err) - 1] = '\0';
	ret = sim_dt_load(data, len, o, &desc, err, sizeof(err));
	if (ret == 0) {
		check_desc(&desc);
		return 1;
	}
	if (ret != -1)
		broken("return value neither 0 nor -1", "");
	if (!err[0] || strchr(err, '\n') || err[0] == 0x5a)
		broken("refusal without one line of reason", err);
	return 0;
}

int dt_fuzz_one(const uint8_t *data, size_t len)
{
	static const struct sim_dt_options forced = {
		.mem_size = 256ULL << 20,
		.force_xen_dom0 = true,
	};
	int plain = load_once(data, len, NULL);
	int with_mem = load_once(data, len, &forced);

	return plain | with_mem;
}
