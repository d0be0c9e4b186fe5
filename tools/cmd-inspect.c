/* SPDX-License-Identifier: MIT */
/*
 * dmakit inspect FILE.dtb [--json] [--mem SIZE[@BASE]] [--dom0]
 *
 * What dmakit reads from a device tree and decides for each DMA master:
 * the platform (RAM, Xen or not, IOMMUs, reserved pools) and one row per
 * master with its coherence, bus offset, reach, IOMMU, pool and the
 * chain of dma_map_ops it would get.
 *
 * The chain is the library's own answer on the platform built from the
 * tree (dmk_dma_ops_chain), not a second copy of its rules.
 */
#include "commands.h"

#include "world.h"

#include <jansson.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char inspect_usage[] =
	"usage: dmakit inspect FILE.dtb [--json] [--mem SIZE[@BASE]] [--dom0]\n"
	"                      [--arch arm32|arm64] [--all]\n"
	"\n"
	"  --json              one JSON object instead of the table\n"
	"  --mem SIZE[@BASE]   RAM instead of /memory (needed when the tree\n"
	"                      leaves the size to firmware, as the RPi 4's)\n"
	"  --dom0              as if a Xen /hypervisor node were present\n"
	"  --arch arm32|arm64  instead of what the tree's CPUs run\n"
	"  --all               also every device node Linux would configure\n"
	"                      for DMA (of_dma_configure), masters or not\n";

/* Every device node of the tree with what Linux configures (--all). */
struct inspect_node {
	struct sim_desc_device d;
	enum sim_dt_verdict v;
};

struct inspect_all {
	struct inspect_node *node;
	unsigned int n, cap;
	bool oom;
};

struct inspect_args {
	const char *file;
	bool json;
	struct sim_dt_options dt;
	struct inspect_all all;
};

static void inspect_collect(void *ctx, const struct sim_desc_device *d,
			    enum sim_dt_verdict v)
{
	struct inspect_all *all = ctx;

	if (all->n == all->cap) {
		unsigned int cap = all->cap ? 2 * all->cap : 64;
		struct inspect_node *nn = realloc(all->node, cap * sizeof(*nn));

		if (!nn) {
			all->oom = true;
			return;
		}
		all->node = nn;
		all->cap = cap;
	}
	all->node[all->n++] = (struct inspect_node){.d = *d, .v = v};
}

static const char *verdict_name(enum sim_dt_verdict v)
{
	switch (v) {
	case SIM_DT_MASTER:
		return "master";
	case SIM_DT_NO_EVIDENCE:
		return "no-evidence";
	case SIM_DT_UNCONFIGURED:
		return "unconfigured";
	}
	return "?";
}

static int parse_mem(const char *arg, struct sim_dt_options *o)
{
	char size[64];
	const char *at = strchr(arg, '@');
	unsigned long long v;
	size_t n = at ? (size_t)(at - arg) : strlen(arg);

	if (n == 0 || n >= sizeof(size))
		return -1;
	memcpy(size, arg, n);
	size[n] = '\0';
	if (dmk_parse_size(size, &v) || !v)
		return -1;
	o->mem_size = v;
	if (at) {
		if (dmk_parse_u64(at + 1, &v))
			return -1;
		o->mem_base = v;
	}
	return 0;
}

/* 0 to go on, or the exit code (help, usage errors). */
static int parse_args(int argc, char **argv, struct inspect_args *a)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(inspect_usage, stdout);
			return -DMK_EXIT_OK - 1;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--all")) {
			a->dt.each = inspect_collect;
			a->dt.each_ctx = &a->all;
		} else if (!strcmp(argv[i], "--dom0")) {
			a->dt.force_xen_dom0 = true;
		} else if (!strcmp(argv[i], "--arch")) {
			if (i + 1 >= argc ||
			    dmk_parse_dt_arch(argv[++i], &a->dt.arch))
				return dmk_usage_error(
					"inspect: --arch wants arm32 or arm64");
		} else if (!strcmp(argv[i], "--mem")) {
			if (i + 1 >= argc || parse_mem(argv[++i], &a->dt))
				return dmk_usage_error(
					"inspect: --mem wants SIZE[@BASE], "
					"e.g. 2G or 1G@0x80000000");
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return dmk_usage_error("inspect: unknown option '%s'",
					       argv[i]);
		} else if (a->file) {
			return dmk_usage_error("inspect: one FILE.dtb only");
		} else {
			a->file = argv[i];
		}
	}
	if (!a->file)
		return dmk_usage_error("inspect: which FILE.dtb? "
				       "(dmakit inspect --help)");
	return 0;
}

/*
 * The ops chain each master really gets, and what became of the pool its
 * memory-region names: the platform is built (RAM is backed lazily, so
 * even Juno's 8 GiB cost nothing untouched) and the library and the
 * world are asked, so inspect can never disagree with run.  The bounce
 * pool's size does not change any chain; keep it small.
 */
struct inspect_dev {
	char chain[64];
	enum sim_pool_use pool;
};

static int inspect_chains(const struct sim_world_desc *desc,
			  struct inspect_dev *chains, char *err, size_t errlen)
{
	struct sim_world_options opts;
	struct sim_world *w;

	sim_world_options_default(&opts);
	opts.cfg.swiotlb_bytes = 1UL << 20;
	if (sim_world_build(desc, &opts, &w, err, errlen))
		return -1;
	for (unsigned int i = 0; i < desc->nr_devs; i++) {
		snprintf(chains[i].chain, sizeof(chains[i].chain), "-");
		for (unsigned int j = 0; j < w->nr_devs; j++) {
			if (strcmp(w->devs[j].desc->path, desc->devs[i].path))
				continue;
			dmk_dma_ops_chain(&w->devs[j].dev, chains[i].chain,
					  sizeof(chains[i].chain));
			chains[i].pool = w->devs[j].pool_use;
		}
	}
	sim_world_destroy(w);
	return 0;
}

/* The highest CPU address the device reaches without help: its
 * dma-ranges limit, and what its mask covers after the bus offset. */
static uint64_t inspect_reach(const struct sim_desc_device *d)
{
	uint64_t mask = DMK_BIT_MASK(d->reach_bits);
	uint64_t by_mask = mask - d->bus_offset;

	if ((int64_t)d->bus_offset > 0 && d->bus_offset > mask)
		by_mask = 0;
	else if ((int64_t)d->bus_offset < 0 && by_mask < mask)
		by_mask = ~0ULL; /* wrapped: the mask covers everything */
	return by_mask < d->dma_limit ? by_mask : d->dma_limit;
}

/* ---- text ---- */

static void print_platform(const struct sim_world_desc *desc)
{
	printf("platform  %s (%s)\n", desc->name, sim_arch_name(desc->arch));
	for (unsigned int i = 0; i < desc->nbanks; i++)
		printf("memory    0x%010" PRIx64 "-0x%010" PRIx64 " (%" PRIu64
		       " MiB)\n",
		       desc->banks[i].base,
		       desc->banks[i].base + desc->banks[i].size - 1,
		       desc->banks[i].size >> 20);
	if (desc->hyp == SIM_HYP_NONE)
		printf("xen       no (native)\n");
	else
		printf("xen       %s, %s; grant table 0x%" PRIx64 " +0x%" PRIx64
		       "\n",
		       desc->domu_pages ? "domU (dom0 beside it)" : "dom0",
		       sim_hyp_name(desc->hyp), desc->grant_table_base,
		       desc->grant_table_size);
	for (unsigned int i = 0; i < desc->nr_smmus; i++)
		printf("iommu     %u %s (%s)\n", i, desc->smmus[i].name,
		       desc->smmus[i].coherent ? "coherent" : "non-coherent");
	for (unsigned int i = 0; i < desc->nr_pools; i++)
		printf("pool      %u %s %s 0x%" PRIx64 " +%" PRIu64 " KiB%s\n",
		       i, desc->pools[i].name,
		       desc->pools[i].restricted ? "restricted-dma-pool"
						 : "shared-dma-pool",
		       desc->pools[i].base, desc->pools[i].size >> 10,
		       desc->pools[i].no_map ? " no-map" : "");
	if (desc->chosen_bootargs[0])
		printf("bootargs  %s\n", desc->chosen_bootargs);
	if (desc->notes[0])
		printf("notes     %s\n", desc->notes);
}

/* The POOL column: what the device got, not only what the tree names. */
static const char *pool_column(enum sim_pool_use u)
{
	switch (u) {
	case SIM_POOL_NONE:
		return "-";
	case SIM_POOL_COHERENT:
		return "shared";
	case SIM_POOL_CMA:
		return "cma";
	case SIM_POOL_RESTRICTED:
		return "restrict";
	case SIM_POOL_BEHIND_IOMMU:
	case SIM_POOL_NOT_RAM:
		break;
	}
	return "unbound";
}

static void print_devices(const struct sim_world_desc *desc,
			  const struct inspect_dev *chains)
{
	char iommu[32], why[128];

	printf("\n%-44s %-26s %-3s %-10s %-18s %-10s %-8s %-18s %s\n",
	       "DMA MASTER", "COMPATIBLE", "COH", "BUS-OFFSET", "REACH",
	       "IOMMU", "POOL", "EVIDENCE", "OPS");
	for (unsigned int i = 0; i < desc->nr_devs; i++) {
		const struct sim_desc_device *d = &desc->devs[i];

		if (d->smmu >= 0)
			snprintf(iommu, sizeof(iommu), "%d:0x%x", d->smmu,
				 d->stream_id);
		else if (d->grant_dma)
			snprintf(iommu, sizeof(iommu), "grant:%u",
				 d->grant_backend);
		else
			snprintf(iommu, sizeof(iommu), "-");
		printf("%-44s %-26s %-3s 0x%-8" PRIx64 " 0x%-16" PRIx64
		       " %-10s %-8s %-18s %s\n",
		       d->path, d->compatible, d->coherent ? "yes" : "no",
		       d->bus_offset, inspect_reach(d), iommu,
		       pool_column(chains[i].pool),
		       d->evidence[0] ? d->evidence : "-", chains[i].chain);
		if (chains[i].pool == SIM_POOL_BEHIND_IOMMU)
			printf("  pool %s %s (its coherent memory comes from the IOMMU ops)\n",
			       desc->pools[d->pool].name,
			       sim_pool_use_name(chains[i].pool));
		else if (chains[i].pool == SIM_POOL_NOT_RAM)
			printf("  pool %s %s (ordinary memory serves)\n",
			       desc->pools[d->pool].name,
			       sim_pool_use_name(chains[i].pool));
		if (d->mask_from == SIM_MASK_DRIVER)
			printf("  mask %u bits: set by its driver %s\n",
			       d->reach_bits, d->mask_driver);
		else if (d->mask_from == SIM_MASK_CAPABILITY)
			printf("  mask %u bits: set by its driver %s from the "
			       "controller's capability (32 bits would reach "
			       "no RAM here)\n",
			       d->reach_bits, d->mask_driver);
		if (!sim_desc_device_reaches_ram(desc, d))
			printf("  unable to reach RAM: %s\n",
			       sim_desc_no_ram_why(d, why, sizeof(why)));
		else if (d->no_ram)
			printf("  reaches no system RAM: runs through its restricted pool only\n");
	}
}

static void print_all(const struct inspect_all *all)
{
	printf("\n%-52s %-30s %-3s %-4s %-12s %s\n", "DEVICE NODE (--all)",
	       "COMPATIBLE", "COH", "MASK", "BUS-OFFSET", "DMAKIT");
	for (unsigned int i = 0; i < all->n; i++) {
		const struct sim_desc_device *d = &all->node[i].d;

		printf("%-52s %-30s %-3s %-4u 0x%-10" PRIx64 " %s%s%s\n",
		       d->path, d->compatible, d->coherent ? "yes" : "no",
		       (unsigned int)d->reach_bits, d->bus_offset,
		       verdict_name(all->node[i].v), d->evidence[0] ? " " : "",
		       d->evidence);
	}
}

/* ---- JSON ---- */

static json_t *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static json_t *json_platform(const char *file,
			     const struct sim_world_desc *desc)
{
	json_t *o = json_object(), *mem = json_array(), *smmus = json_array();
	json_t *pools = json_array(), *xen = json_null();

	for (unsigned int i = 0; i < desc->nbanks; i++)
		json_array_append_new(mem, json_pack("{s:o,s:o}", "base",
						     hex(desc->banks[i].base),
						     "size",
						     hex(desc->banks[i].size)));
	for (unsigned int i = 0; i < desc->nr_smmus; i++)
		json_array_append_new(smmus,
				      json_pack("{s:s,s:b}", "path",
						desc->smmus[i].name, "coherent",
						desc->smmus[i].coherent));
	for (unsigned int i = 0; i < desc->nr_pools; i++)
		json_array_append_new(
			pools, json_pack("{s:s,s:o,s:o,s:b,s:b}", "name",
					 desc->pools[i].name, "base",
					 hex(desc->pools[i].base), "size",
					 hex(desc->pools[i].size), "restricted",
					 desc->pools[i].restricted, "no_map",
					 desc->pools[i].no_map));
	if (desc->hyp != SIM_HYP_NONE)
		xen = json_pack("{s:s,s:o,s:o}", "mode",
				sim_hyp_name(desc->hyp), "grant_table_base",
				hex(desc->grant_table_base), "grant_table_size",
				hex(desc->grant_table_size));
	json_object_set_new(o, "file", json_string(file));
	json_object_set_new(o, "name", json_string(desc->name));
	json_object_set_new(o, "arch", json_string(sim_arch_name(desc->arch)));
	json_object_set_new(o, "memory", mem);
	json_object_set_new(o, "xen", xen);
	json_object_set_new(o, "iommus", smmus);
	json_object_set_new(o, "pools", pools);
	json_object_set_new(o, "bootargs", json_string(desc->chosen_bootargs));
	json_object_set_new(o, "notes", json_string(desc->notes));
	return o;
}

static json_t *json_device(const struct sim_world_desc *desc,
			   const struct sim_desc_device *d,
			   const struct inspect_dev *got)
{
	const char *ops = got->chain;
	json_t *o;

	o = json_pack("{s:s,s:s,s:b,s:o,s:o,s:o,s:i,s:s}", "path", d->path,
		      "compatible", d->compatible, "coherent", d->coherent,
		      "bus_offset", hex(d->bus_offset), "dma_limit",
		      hex(d->dma_limit), "reach", hex(inspect_reach(d)),
		      "reach_bits", (int)d->reach_bits, "ops", ops);
	if (!o)
		return NULL;
	json_object_set_new(o, "evidence", json_string(d->evidence));
	json_object_set_new(o, "grant_backend",
			    d->grant_dma ? json_integer(d->grant_backend)
					 : json_null());
	json_object_set_new(o, "iommu",
			    d->smmu < 0 ? json_null()
					: json_pack("{s:s,s:i}", "path",
						    desc->smmus[d->smmu].name,
						    "stream_id",
						    (int)d->stream_id));
	json_object_set_new(o, "pool",
			    d->pool < 0
				    ? json_null()
				    : json_string(desc->pools[d->pool].name));
	json_object_set_new(
		o, "pool_use",
		d->pool < 0 ? json_null()
			    : json_string(sim_pool_use_name(got->pool)));
	json_object_set_new(
		o, "restricted_pool",
		json_boolean(d->pool >= 0 && desc->pools[d->pool].restricted));
	json_object_set_new(o, "reaches_ram", json_boolean(!d->no_ram));
	json_object_set_new(o, "mask_from",
			    json_string(sim_mask_from_name(d->mask_from)));
	json_object_set_new(o, "mask_driver",
			    d->mask_driver[0] ? json_string(d->mask_driver)
					      : json_null());
	json_object_set_new(o, "no_ram_by_mask",
			    json_boolean(d->no_ram_by_mask));
	json_object_set_new(
		o, "unable_to_reach_ram",
		json_boolean(!sim_desc_device_reaches_ram(desc, d)));
	return o;
}

static int print_json(const char *file, const struct sim_world_desc *desc,
		      const struct inspect_dev *chains,
		      const struct inspect_all *all)
{
	json_t *o = json_platform(file, desc), *devs = json_array();
	int ret = DMK_EXIT_OK;

	for (unsigned int i = 0; i < desc->nr_devs; i++)
		json_array_append_new(
			devs, json_device(desc, &desc->devs[i], &chains[i]));
	json_object_set_new(o, "devices", devs);
	if (all) {
		json_t *arr = json_array();

		for (unsigned int i = 0; i < all->n; i++) {
			const struct sim_desc_device *d = &all->node[i].d;

			json_array_append_new(
				arr,
				json_pack("{s:s,s:s,s:b,s:i,s:o,s:o,s:s,s:s}",
					  "path", d->path, "compatible",
					  d->compatible, "coherent",
					  d->coherent, "mask_bits",
					  (int)d->reach_bits, "bus_offset",
					  hex(d->bus_offset), "dma_limit",
					  hex(d->dma_limit), "evidence",
					  d->evidence, "dmakit",
					  verdict_name(all->node[i].v)));
		}
		json_object_set_new(o, "all_devices", arr);
	}
	if (json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		ret = dmk_usage_error("inspect: cannot write JSON");
	else
		putchar('\n');
	json_decref(o);
	return ret;
}

int dmk_cmd_inspect(int argc, char **argv)
{
	struct inspect_args a = {0};
	struct sim_world_desc *desc;
	struct inspect_dev *chains;
	char err[256];
	int ret = parse_args(argc, argv, &a);

	if (ret)
		return ret < 0 ? DMK_EXIT_OK : ret;
	desc = malloc(sizeof(*desc));
	if (!desc)
		return dmk_usage_error("inspect: out of memory");
	if (sim_dt_load_file(a.file, &a.dt, desc, err, sizeof(err))) {
		free(desc);
		free(a.all.node);
		return dmk_usage_error("%s: %s", a.file, err);
	}
	chains = calloc(SIM_DESC_MAX_DEVS, sizeof(*chains));
	if (!chains || a.all.oom) {
		ret = dmk_usage_error("inspect: out of memory");
	} else if (inspect_chains(desc, chains, err, sizeof(err))) {
		ret = dmk_usage_error("%s: cannot build the platform: %s",
				      a.file, err);
	} else if (a.json) {
		ret = print_json(a.file, desc, chains,
				 a.dt.each ? &a.all : NULL);
	} else {
		print_platform(desc);
		print_devices(desc, chains);
		if (a.dt.each)
			print_all(&a.all);
	}
	free(a.all.node);
	free(chains);
	free(desc);
	return ret;
}
