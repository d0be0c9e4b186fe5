/* SPDX-License-Identifier: MIT */
/*
 * Platforms from flattened device trees (libfdt).
 *
 * sim_dt_load() reads a blob the way Linux reads it at boot and fills a
 * struct sim_world_desc: RAM banks from /memory, reserved DMA pools,
 * /chosen, a Xen /hypervisor node, and one entry per DMA master with
 * what Linux's of_dma_configure() would decide for it (bus offset and
 * reach from dma-ranges, coherence, IOMMU stream, restricted pool).
 *
 * It is pure parsing: no allocation survives the call, nothing outside
 * *desc and err is touched.  The blob is hostile until proven otherwise:
 * fdt_check_full() first, then every loop is bounded by the node count
 * or the tree depth, every property length is checked before it is
 * read, and phandles are followed one hop at a time, never in chains.
 * A refusal is -1 and one line in err.  docs/device-tree.md has the
 * rules and the simplifications.
 */
#include "dt-drivers.h"
#include "world.h"

#include <libfdt.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DT_MAX_DEPTH 32 /* deeper nesting is refused as hostile */
#define DT_MAX_NODES 65536
#define DT_MAX_FILE (16U << 20) /* a real tree is well under 1 MiB */
#define DT_MAX_RANGES 64	/* reg entries, dma-ranges entries per node */
#define DT_MAX_BUSY 256		/* reserved regions a dynamic pool must avoid */
#define DT_NO_LIMIT (~0ULL)
#define DT_PAGE (SIM_PAGE_SIZE)
#define DT_CMA_ALIGN (4ULL << 20) /* arm64 pageblock: CMA's minimum */
#define DT_GNTTAB_SIZE 0x40000ULL /* what Xen 4.17 gave its ARM dom0 */
#define DT_GNTTAB_ALIGN (2ULL << 20)
#define DT_PCI_SPACE 0x03000000U /* phys.hi bits: the PCI address space */

struct dt_node {
	int off;    /* structure offset */
	int parent; /* index in nodes[], -1 for the root */
};

struct dt_phandle {
	uint32_t ph;
	int node;
};

struct dt_range {
	uint64_t base, size;
};

/* A DMA master found in the tree, before selection. */
struct dt_master {
	int node;
	int smmu_node;	   /* IOMMU node index, -1 for none */
	unsigned int kind; /* bit set of what makes it different */
	struct sim_desc_device d;
};

struct dt {
	const void *fdt;
	const struct sim_dt_options *o;
	struct sim_world_desc *desc;
	char *err;
	size_t errlen;
	bool failed;

	struct dt_node *nodes;
	int nr_nodes;
	struct dt_phandle *ph;
	int nr_ph;

	int pool_node[SIM_DESC_MAX_POOLS]; /* node index of each pool */
	struct dt_range busy[DT_MAX_BUSY]; /* reserved: pools avoid them */
	unsigned int nr_busy;
};

/* ---- errors and notes ---- */

static int __attribute__((format(printf, 2, 3)))
dt_fail(struct dt *dt, const char *fmt, ...)
{
	va_list ap;

	if (dt->failed)
		return -1;
	dt->failed = true;
	if (dt->err && dt->errlen) {
		va_start(ap, fmt);
		vsnprintf(dt->err, dt->errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Appends to desc->notes, "; " separated, silently cut at its size. */
static void __attribute__((format(printf, 2, 3)))
dt_note(struct dt *dt, const char *fmt, ...)
{
	char *notes = dt->desc->notes;
	size_t used = strlen(notes), room = sizeof(dt->desc->notes);
	va_list ap;

	if (used + 3 >= room)
		return;
	if (used) {
		memcpy(notes + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(notes + used, room - used, fmt, ap);
	va_end(ap);
}

/* The node's path for messages; "?" when it does not fit. */
static const char *dt_path(struct dt *dt, int node, char *buf, size_t len)
{
	if (fdt_get_path(dt->fdt, dt->nodes[node].off, buf, (int)len) < 0)
		snprintf(buf, len, "%s",
			 fdt_get_name(dt->fdt, dt->nodes[node].off, NULL)
				 ?: "?");
	return buf;
}

#define DT_PATH(dt, node) dt_path((dt), (node), (char[160]){0}, 160)

/* ---- the blob and its node table ---- */

static int dt_check_blob(struct dt *dt, const void *blob, size_t len)
{
	int ret;

	if (!blob || len < FDT_V1_SIZE)
		return dt_fail(dt,
			       "truncated: %zu bytes, smaller than a "
			       "device-tree header",
			       len);
	if (fdt_magic(blob) != FDT_MAGIC)
		return dt_fail(dt,
			       "bad magic 0x%08x: not a flattened device "
			       "tree",
			       fdt_magic(blob));
	if (fdt_totalsize(blob) > len)
		return dt_fail(dt,
			       "truncated: header says %u bytes, only %zu "
			       "present",
			       fdt_totalsize(blob), len);
	/*
	 * Versions before 16 keep full paths as node names and pad
	 * properties differently; libfdt 1.6.1's fdt_check_full() reads
	 * through a NULL name on some such blobs (found by the fuzzer:
	 * tests/data/dtb/hostile/old-version.dtb).  dtc has written version
	 * 17 since 2008, so refuse the old ones before libfdt looks.
	 */
	if (fdt_version(blob) < 16)
		return dt_fail(dt,
			       "device-tree version %u is too old (dmakit "
			       "reads version 16 and later)",
			       fdt_version(blob));
	ret = fdt_check_full(blob, len);
	if (ret < 0)
		return dt_fail(dt, "malformed device tree: %s",
			       fdt_strerror(ret));
	return 0;
}

/*
 * One walk over the structure: every node with its parent, refusing
 * trees nested deeper than DT_MAX_DEPTH or with too many nodes.  Later
 * parent lookups are O(1) instead of libfdt's O(size) walk.
 */
static int dt_index_nodes(struct dt *dt)
{
	int stack[DT_MAX_DEPTH + 1];
	int off = 0, depth = 0, cap = 64;

	dt->nodes = malloc(cap * sizeof(*dt->nodes));
	if (!dt->nodes)
		return dt_fail(dt, "out of memory");
	dt->nodes[0] = (struct dt_node){.off = 0, .parent = -1};
	dt->nr_nodes = 1;
	stack[0] = 0;
	for (;;) {
		off = fdt_next_node(dt->fdt, off, &depth);
		if (off == -FDT_ERR_NOTFOUND || (off >= 0 && depth <= 0))
			break;
		if (off < 0)
			return dt_fail(dt, "malformed device tree: %s",
				       fdt_strerror(off));
		if (depth > DT_MAX_DEPTH)
			return dt_fail(dt, "nodes nested deeper than %d levels",
				       DT_MAX_DEPTH);
		if (dt->nr_nodes >= DT_MAX_NODES)
			return dt_fail(dt, "more than %d nodes", DT_MAX_NODES);
		if (dt->nr_nodes == cap) {
			struct dt_node *n;

			cap *= 2;
			n = realloc(dt->nodes, cap * sizeof(*n));
			if (!n)
				return dt_fail(dt, "out of memory");
			dt->nodes = n;
		}
		dt->nodes[dt->nr_nodes] = (struct dt_node){
			.off = off,
			.parent = stack[depth - 1],
		};
		stack[depth] = dt->nr_nodes++;
	}
	return 0;
}

static int dt_node_at(const struct dt *dt, int off)
{
	int lo = 0, hi = dt->nr_nodes - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (dt->nodes[mid].off == off)
			return mid;
		if (dt->nodes[mid].off < off)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int dt_cmp_phandle(const void *a, const void *b)
{
	const struct dt_phandle *x = a, *y = b;

	return x->ph < y->ph ? -1 : x->ph > y->ph;
}

/* A sorted phandle table; two nodes claiming one phandle are refused,
 * since every reference to it would be ambiguous. */
static int dt_index_phandles(struct dt *dt)
{
	dt->ph = calloc(dt->nr_nodes, sizeof(*dt->ph));
	if (!dt->ph)
		return dt_fail(dt, "out of memory");
	for (int i = 0; i < dt->nr_nodes; i++) {
		uint32_t ph = fdt_get_phandle(dt->fdt, dt->nodes[i].off);

		if (ph && ph != (uint32_t)-1)
			dt->ph[dt->nr_ph++] = (struct dt_phandle){ph, i};
	}
	qsort(dt->ph, dt->nr_ph, sizeof(*dt->ph), dt_cmp_phandle);
	for (int i = 1; i < dt->nr_ph; i++)
		if (dt->ph[i].ph == dt->ph[i - 1].ph)
			return dt_fail(dt,
				       "phandle 0x%x is claimed by %s and "
				       "another node",
				       dt->ph[i].ph,
				       DT_PATH(dt, dt->ph[i].node));
	return 0;
}

static int dt_by_phandle(const struct dt *dt, uint32_t ph)
{
	struct dt_phandle key = {.ph = ph}, *hit;

	hit = bsearch(&key, dt->ph, dt->nr_ph, sizeof(*dt->ph), dt_cmp_phandle);
	return hit ? hit->node : -1;
}

/* ---- properties ---- */

static const void *dt_prop(const struct dt *dt, int node, const char *name,
			   int *len)
{
	int l;
	const void *p = fdt_getprop(dt->fdt, dt->nodes[node].off, name, &l);

	if (len)
		*len = p ? l : 0;
	return p;
}

static bool dt_has(const struct dt *dt, int node, const char *name)
{
	return dt_prop(dt, node, name, NULL) != NULL;
}

static bool dt_compatible(const struct dt *dt, int node, const char *compat)
{
	return fdt_node_check_compatible(dt->fdt, dt->nodes[node].off,
					 compat) == 0;
}

/* A string property equal to s (NUL-terminated within its length). */
static bool dt_prop_is(const struct dt *dt, int node, const char *name,
		       const char *s)
{
	int len;
	const char *p = dt_prop(dt, node, name, &len);
	size_t n = strlen(s);

	return p && (size_t)len >= n + 1 && !memcmp(p, s, n + 1);
}

static bool dt_is_pci(const struct dt *dt, int node)
{
	return node >= 0 && (dt_prop_is(dt, node, "device_type", "pci") ||
			     dt_prop_is(dt, node, "device_type", "pciex"));
}

/* status absent, "okay" or "ok" (Linux's of_device_is_available). */
static bool dt_enabled(const struct dt *dt, int node)
{
	int len;

	if (!dt_prop(dt, node, "status", &len))
		return true;
	return dt_prop_is(dt, node, "status", "okay") ||
	       dt_prop_is(dt, node, "status", "ok");
}

/* Enabled, and so is every ancestor: Linux never creates devices below
 * a disabled node. */
static bool dt_available(const struct dt *dt, int node)
{
	for (int d = 0; node >= 0 && d <= DT_MAX_DEPTH; d++) {
		if (!dt_enabled(dt, node))
			return false;
		node = dt->nodes[node].parent;
	}
	return true;
}

/* The number held in n big-endian cells; like Linux's of_read_number,
 * the low 64 bits of wider numbers. */
static uint64_t dt_read(const fdt32_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = (v << 32) | fdt32_ld(p + i);
	return v;
}

/*
 * #address-cells / #size-cells a node gives its children, checked: 1..4
 * address cells, 0..4 size cells, and a non-zero size where sizes are
 * read.  Missing properties take the spec's defaults (2 and 1).
 */
static int dt_cells(struct dt *dt, int node, int *ac, int *sc, bool need_size)
{
	int a = fdt_address_cells(dt->fdt, dt->nodes[node].off);
	int s = fdt_size_cells(dt->fdt, dt->nodes[node].off);

	if (a < 0)
		return dt_fail(dt, "%s: #address-cells must be 1..4",
			       DT_PATH(dt, node));
	if (s < 0)
		return dt_fail(dt, "%s: #size-cells must be 0..4",
			       DT_PATH(dt, node));
	if (need_size && s == 0)
		return dt_fail(dt,
			       "%s: #size-cells is 0 where sizes are "
			       "needed",
			       DT_PATH(dt, node));
	*ac = a;
	if (sc)
		*sc = s;
	return 0;
}

/* A property of fixed-size entries: returns the entry count, or -1
 * (with the reason) when the length is not a whole number of them. */
static int dt_entries(struct dt *dt, int node, const char *name, int cells,
		      const fdt32_t **out)
{
	int len;
	const fdt32_t *p = dt_prop(dt, node, name, &len);

	*out = p;
	if (!p)
		return 0;
	if (cells <= 0 || len % (cells * 4))
		return dt_fail(dt,
			       "%s: %s is %d bytes, not a whole number of "
			       "%d-cell entries",
			       DT_PATH(dt, node), name, len, cells);
	return len / (cells * 4);
}

/* reg (or another address/size list) of a node whose parent's cells
 * apply: up to max entries into r[]; returns the count or -1. */
static int dt_reg(struct dt *dt, int node, const char *name, struct dt_range *r,
		  int max)
{
	const fdt32_t *p;
	int ac, sc, n, parent = dt->nodes[node].parent;

	if (parent < 0 || dt_cells(dt, parent, &ac, &sc, true))
		return -1;
	n = dt_entries(dt, node, name, ac + sc, &p);
	if (n < 0)
		return -1;
	if (n > max)
		return dt_fail(dt, "%s: more than %d %s entries",
			       DT_PATH(dt, node), max, name);
	for (int i = 0; i < n; i++, p += ac + sc) {
		r[i].base = dt_read(p, ac);
		r[i].size = dt_read(p + ac, sc);
		if (r[i].size && r[i].base + r[i].size - 1 < r[i].base)
			return dt_fail(dt,
				       "%s: %s entry %d wraps around the "
				       "address space",
				       DT_PATH(dt, node), name, i);
	}
	return n;
}

/* ---- memory ---- */

static int dt_cmp_range(const void *a, const void *b)
{
	const struct dt_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Page-align, sort and merge RAM ranges into desc->banks. */
static int dt_set_banks(struct dt *dt, struct dt_range *r, int n)
{
	struct sim_world_desc *desc = dt->desc;
	int kept = 0;

	for (int i = 0; i < n; i++) {
		uint64_t base = (r[i].base + DT_PAGE - 1) & ~(DT_PAGE - 1);
		uint64_t end = (r[i].base + r[i].size) & ~(DT_PAGE - 1);

		if (base < r[i].base || end <= base)
			continue;
		r[kept++] = (struct dt_range){base, end - base};
	}
	if (!kept)
		return dt_fail(dt, "no whole page of RAM in /memory");
	qsort(r, kept, sizeof(*r), dt_cmp_range);
	desc->nbanks = 0;
	for (int i = 0; i < kept; i++) {
		struct sim_bank *last =
			desc->nbanks ? &desc->banks[desc->nbanks - 1] : NULL;

		if (last && r[i].base <= last->base + last->size) {
			uint64_t end = r[i].base + r[i].size;

			if (end > last->base + last->size)
				last->size = end - last->base;
			continue;
		}
		if (desc->nbanks == SIM_MAX_BANKS)
			return dt_fail(dt,
				       "more than %d RAM banks in /memory "
				       "(give one with --mem SIZE[@BASE])",
				       SIM_MAX_BANKS);
		desc->banks[desc->nbanks++] =
			(struct sim_bank){r[i].base, r[i].size};
	}
	return 0;
}

static int dt_mem_override(struct dt *dt, uint64_t first_base)
{
	uint64_t base = dt->o->mem_base ? dt->o->mem_base : first_base;
	uint64_t size = dt->o->mem_size;
	struct dt_range r = {base, size};

	if ((base | size) & (DT_PAGE - 1))
		return dt_fail(dt, "--mem 0x%llx@0x%llx is not page aligned",
			       (unsigned long long)size,
			       (unsigned long long)base);
	if (base + size - 1 < base)
		return dt_fail(dt, "--mem 0x%llx@0x%llx wraps around",
			       (unsigned long long)size,
			       (unsigned long long)base);
	return dt_set_banks(dt, &r, 1);
}

/*
 * RAM from the root's device_type "memory" children (every reg entry of
 * every node), or from --mem, which replaces them.  A size of 0 is the
 * firmware's to fill in (Raspberry Pi 4): without --mem it is refused.
 */
static int dt_load_memory(struct dt *dt)
{
	struct dt_range r[DT_MAX_RANGES], one[DT_MAX_RANGES];
	int n = 0, zero_node = -1;
	bool have_first = false;
	uint64_t first_base = 0;

	for (int i = 1; i < dt->nr_nodes; i++) {
		int k;

		if (dt->nodes[i].parent != 0 || !dt_enabled(dt, i) ||
		    !dt_prop_is(dt, i, "device_type", "memory"))
			continue;
		k = dt_reg(dt, i, "reg", one, DT_MAX_RANGES);
		if (k < 0)
			return -1;
		for (int j = 0; j < k; j++) {
			if (!have_first) {
				first_base = one[j].base;
				have_first = true;
			}
			if (!one[j].size) {
				zero_node = zero_node < 0 ? i : zero_node;
				continue;
			}
			if (n == DT_MAX_RANGES)
				return dt_fail(dt,
					       "more than %d /memory "
					       "ranges",
					       DT_MAX_RANGES);
			r[n++] = one[j];
		}
	}
	if (dt->o && dt->o->mem_size)
		return dt_mem_override(dt, first_base);
	if (zero_node >= 0)
		return dt_fail(dt,
			       "%s: RAM size is 0 (firmware fills it in); "
			       "give it with --mem SIZE[@BASE]",
			       DT_PATH(dt, zero_node));
	if (!n)
		return dt_fail(dt, "no /memory node; give the RAM with --mem "
				   "SIZE[@BASE]");
	return dt_set_banks(dt, r, n);
}

/* ---- reserved memory ---- */

static int dt_busy_add(struct dt *dt, uint64_t base, uint64_t size)
{
	if (!size)
		return 0;
	if (dt->nr_busy == DT_MAX_BUSY)
		return dt_fail(dt, "more than %d reserved memory regions",
			       DT_MAX_BUSY);
	dt->busy[dt->nr_busy++] = (struct dt_range){base, size};
	return 0;
}

static bool dt_overlap(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	return a < b + bsize && b < a + asize;
}

/*
 * Top-down first fit of [base, base + size) inside RAM within one
 * window, aligned, clear of every busy region: memblock's default
 * direction, which is where Linux puts dynamic reserved-memory pools.
 * Each retry moves below one busy region, so the loop is bounded.
 */
static bool dt_fit_window(const struct dt *dt, struct dt_range win,
			  uint64_t size, uint64_t align, uint64_t *out)
{
	const struct sim_world_desc *desc = dt->desc;
	uint64_t wend = win.size ? win.base + win.size : 0; /* 0: to 2^64 */

	for (int b = (int)desc->nbanks - 1; b >= 0; b--) {
		uint64_t lo = desc->banks[b].base;
		uint64_t hi = desc->banks[b].base + desc->banks[b].size;

		if (lo < win.base)
			lo = win.base;
		if (wend && hi > wend)
			hi = wend;
		for (unsigned int t = 0; t <= dt->nr_busy && hi > lo; t++) {
			uint64_t base, clash = 0;
			bool hit = false;

			if (hi - lo < size)
				break;
			base = (hi - size) & ~(align - 1);
			if (base < lo)
				break;
			for (unsigned int k = 0; k < dt->nr_busy; k++)
				if (dt_overlap(base, size, dt->busy[k].base,
					       dt->busy[k].size) &&
				    (!hit || dt->busy[k].base < clash)) {
					clash = dt->busy[k].base;
					hit = true;
				}
			if (!hit) {
				*out = base;
				return true;
			}
			hi = clash;
		}
	}
	return false;
}

/* A pool given by size: placed in RAM (within alloc-ranges if any). */
static int dt_place_pool(struct dt *dt, int node, struct sim_desc_pool *p)
{
	struct dt_range win[DT_MAX_RANGES];
	int nwin, len;
	uint64_t align = DT_PAGE;
	const fdt32_t *a = dt_prop(dt, node, "alignment", &len);

	if (a) {
		uint64_t v = dt_read(a, len / 4 > 2 ? 2 : len / 4);

		if (len < 4 || len % 4 || !v || (v & (v - 1)))
			return dt_fail(dt,
				       "%s: alignment must be a power of "
				       "two",
				       DT_PATH(dt, node));
		align = v > align ? v : align;
	}
	if (dt_has(dt, node, "reusable") && align < DT_CMA_ALIGN)
		align = DT_CMA_ALIGN;
	p->size = (p->size + DT_PAGE - 1) & ~(DT_PAGE - 1);
	nwin = dt_reg(dt, node, "alloc-ranges", win, DT_MAX_RANGES);
	if (nwin < 0)
		return -1;
	if (!nwin) {
		win[0] = (struct dt_range){0, 0};
		nwin = 1;
	}
	for (int i = 0; i < nwin; i++)
		if (dt_fit_window(dt, win[i], p->size, align, &p->base))
			return dt_busy_add(dt, p->base, p->size);
	return dt_fail(dt,
		       "%s: no room for its %llu KiB in RAM (more with "
		       "--mem SIZE[@BASE])",
		       DT_PATH(dt, node), (unsigned long long)(p->size >> 10));
}

/* The size property of a dynamic region, in the parent's size cells. */
static int dt_pool_size(struct dt *dt, int node, uint64_t *size)
{
	int ac, sc, len, rm = dt->nodes[node].parent;
	const fdt32_t *s = dt_prop(dt, node, "size", &len);

	if (dt_cells(dt, rm, &ac, &sc, true))
		return -1;
	if (!s || len != sc * 4)
		return dt_fail(dt, "%s: size must be %d cells",
			       DT_PATH(dt, node), sc);
	*size = dt_read(s, sc);
	if (!*size)
		return dt_fail(dt, "%s: size is 0", DT_PATH(dt, node));
	return 0;
}

/* One reserved-memory child: busy ranges, and a pool if it is one. */
static int dt_reserved_child(struct dt *dt, int node, int *dynamic,
			     int *nr_dynamic)
{
	struct sim_world_desc *desc = dt->desc;
	bool restricted = dt_compatible(dt, node, "restricted-dma-pool");
	bool pool = restricted || dt_compatible(dt, node, "shared-dma-pool");
	struct dt_range reg[DT_MAX_RANGES];
	struct sim_desc_pool *p;
	int n = dt_reg(dt, node, "reg", reg, DT_MAX_RANGES);

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (dt_busy_add(dt, reg[i].base, reg[i].size))
			return -1;
	if (!pool || (!n && !dt_has(dt, node, "size")))
		return 0;
	if (desc->nr_pools == SIM_DESC_MAX_POOLS) {
		dt_note(dt, "%s: more than %d DMA pools, left out",
			fdt_get_name(dt->fdt, dt->nodes[node].off, NULL),
			SIM_DESC_MAX_POOLS);
		return 0;
	}
	p = &desc->pools[desc->nr_pools];
	snprintf(p->name, sizeof(p->name), "%s",
		 fdt_get_name(dt->fdt, dt->nodes[node].off, NULL) ?: "?");
	p->restricted = restricted;
	p->no_map = dt_has(dt, node, "no-map");
	p->reusable = !restricted && dt_has(dt, node, "reusable");
	p->cma_default = p->reusable && dt_has(dt, node, "linux,cma-default");
	if (n) {
		p->base = reg[0].base;
		p->size = reg[0].size;
		if (!p->size)
			return dt_fail(dt, "%s: reg size is 0",
				       DT_PATH(dt, node));
	} else {
		if (dt_pool_size(dt, node, &p->size))
			return -1;
		dynamic[(*nr_dynamic)++] = (int)desc->nr_pools;
	}
	dt->pool_node[desc->nr_pools++] = node;
	return 0;
}

/*
 * /reserved-memory: shared-dma-pool and restricted-dma-pool children
 * become desc->pools.  Static regions (reg) are taken as they are; the
 * dynamic ones (size, alloc-ranges, alignment) are placed afterwards,
 * as Linux does, clear of every static region and /memreserve/.
 */
static int dt_load_reserved(struct dt *dt)
{
	int dynamic[SIM_DESC_MAX_POOLS], nr_dynamic = 0, rm, nrsv;
	uint64_t addr, size;

	nrsv = fdt_num_mem_rsv(dt->fdt);
	if (nrsv < 0)
		return dt_fail(dt, "memory reservation map: %s",
			       fdt_strerror(nrsv));
	for (int i = 0; i < nrsv; i++) {
		if (fdt_get_mem_rsv(dt->fdt, i, &addr, &size) < 0)
			return dt_fail(dt, "memory reservation map: bad entry");
		if (dt_busy_add(dt, addr, size))
			return -1;
	}
	rm = dt_node_at(dt, fdt_path_offset(dt->fdt, "/reserved-memory"));
	if (rm < 0 || !dt_enabled(dt, rm))
		return 0;
	for (int i = rm + 1; i < dt->nr_nodes; i++) {
		if (dt->nodes[i].parent != rm || !dt_enabled(dt, i))
			continue;
		if (dt_reserved_child(dt, i, dynamic, &nr_dynamic))
			return -1;
	}
	for (int i = 0; i < nr_dynamic; i++) {
		int k = dynamic[i];

		if (dt_place_pool(dt, dt->pool_node[k], &dt->desc->pools[k]))
			return -1;
	}
	return 0;
}

/* ---- /chosen, /hypervisor, arch, name ---- */

static void dt_load_chosen(struct dt *dt)
{
	int node = dt_node_at(dt, fdt_path_offset(dt->fdt, "/chosen"));
	const char *args;
	int len;

	if (node < 0)
		return;
	args = dt_prop(dt, node, "bootargs", &len);
	if (args && len > 0)
		snprintf(dt->desc->chosen_bootargs,
			 sizeof(dt->desc->chosen_bootargs), "%.*s",
			 (int)strnlen(args, len), args);
}

/*
 * A /hypervisor node compatible "xen,xen" means this tree is what Xen
 * gave its dom0: on ARM, dom0 is direct-mapped (1:1).  reg[0] is the
 * region where dom0 maps the grant table.  Forced without the node, the
 * region goes just above RAM, where Xen's own image would be (Xen 4.17
 * uses its text section's addresses, which dom0's RAM never covers).
 */
static int dt_load_hypervisor(struct dt *dt)
{
	struct sim_world_desc *desc = dt->desc;
	int node = dt_node_at(dt, fdt_path_offset(dt->fdt, "/hypervisor"));
	struct dt_range reg[DT_MAX_RANGES];
	int n;

	if (node >= 0 && dt_enabled(dt, node) &&
	    dt_compatible(dt, node, "xen,xen")) {
		n = dt_reg(dt, node, "reg", reg, DT_MAX_RANGES);
		if (n < 0)
			return -1;
		if (!n || !reg[0].size)
			return dt_fail(dt, "/hypervisor: no reg for the grant "
					   "table region");
		desc->hyp = SIM_HYP_XEN_ARM_1TO1;
		desc->grant_table_base = reg[0].base;
		desc->grant_table_size = reg[0].size;
		return 0;
	}
	if (dt->o && dt->o->force_xen_dom0) {
		const struct sim_bank *last = &desc->banks[desc->nbanks - 1];
		uint64_t end = last->base + last->size;

		desc->hyp = SIM_HYP_XEN_ARM_1TO1;
		desc->grant_table_base =
			(end + DT_GNTTAB_ALIGN - 1) & ~(DT_GNTTAB_ALIGN - 1);
		desc->grant_table_size = DT_GNTTAB_SIZE;
		if (desc->grant_table_base < end)
			return dt_fail(dt, "no room above RAM for the grant "
					   "table region");
	}
	return 0;
}

/*
 * Does this compatible name a core that runs AArch64 (ARMv8-A or later)?
 * Arm's own cores by number: Cortex-A34/A35, A53/A55/A57, A65, A72 to
 * A78 and the three-digit v9 cores (A510, A710, ...), the Cortex-X and
 * Neoverse lines and the generic "arm,armv8"; Cortex-A32 is ARMv8 but
 * AArch32 only.  Then the vendors' own AArch64 cores in Linux's cpus.yaml.
 */
static bool dt_compat_is_aarch64(const char *c)
{
	static const char *const prefixes[] = {
		"arm,cortex-x",
		"arm,neoverse-",
		"arm,armv8",
		"arm,kryo",
		"qcom,kryo",
		"qcom,falkor",
		"qcom,oryon",
		"apple,",
		"nvidia,tegra132-denver",
		"nvidia,tegra186-denver",
		"nvidia,carmel",
		"cavium,thunder",
		"brcm,brahma-b53",
		"brcm,vulcan",
		"apm,potenza",
		"apm,strega",
		"fujitsu,a64fx",
		"hisilicon,tsv110",
		"phytium,",
		"samsung,mongoose",
	};
	const char *a = "arm,cortex-a";
	unsigned long n = 0;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(c, prefixes[i], strlen(prefixes[i])))
			return true;
	if (strncmp(c, a, strlen(a)))
		return false;
	c += strlen(a);
	if (*c < '0' || *c > '9')
		return false;
	while (*c >= '0' && *c <= '9' && n < 10000)
		n = n * 10 + (unsigned long)(*c++ - '0');
	return n == 34 || n == 35 || n == 53 || n == 55 || n == 57 || n == 65 ||
	       (n >= 72 && n <= 79) || n >= 100;
}

/* Does any compatible string of a cpu node name an AArch64 core? */
static bool dt_cpu_is_aarch64(const struct dt *dt, int node)
{
	int len;
	const char *p = dt_prop(dt, node, "compatible", &len);

	while (p && len > 0) {
		size_t n = strnlen(p, (size_t)len);

		if (n < (size_t)len && dt_compat_is_aarch64(p))
			return true;
		p += n + 1;
		len -= (int)n + 1;
	}
	return false;
}

static void dt_load_arch(struct dt *dt)
{
	int cpus = 0, v8 = 0;
	const char *s;
	int len;

	/* Only AArch64 cores make an arm64 platform; ARMv7 and older (and
	 * any core not known to be AArch64) are arm32, whose rule
	 * (invalidate FROM_DEVICE buffers at map time as well) is the
	 * stricter.  A tree without cpu nodes (STM32 Cortex-M, MMP2, PXA
	 * boards whose cpus live in an include Linux never needs) is arm32
	 * too: nothing proves AArch64, and the stricter rule is the safe
	 * guess.  The caller's --arch overrides either (a 32-bit kernel on
	 * ARMv8, or a cpu-less test tree meant for arm64). */
	for (int i = 1; i < dt->nr_nodes; i++) {
		if (!dt_prop_is(dt, i, "device_type", "cpu"))
			continue;
		cpus++;
		v8 += dt_cpu_is_aarch64(dt, i);
	}
	dt->desc->arch = cpus && v8 == cpus ? DMK_ARCH_ARM64 : DMK_ARCH_ARM32;
	if (dt->o && dt->o->arch)
		dt->desc->arch = (enum dmk_arch)dt->o->arch;

	s = dt_prop(dt, 0, "model", &len);
	if (!s || len <= 0)
		s = dt_prop(dt, 0, "compatible", &len);
	if (s && len > 0)
		snprintf(dt->desc->name, sizeof(dt->desc->name), "%.*s",
			 (int)strnlen(s, len), s);
	else
		snprintf(dt->desc->name, sizeof(dt->desc->name), "dt");
}

/* ---- dma-ranges ---- */

/* An address of 1..4 cells, host order, as Linux handles it. */
struct dt_addr {
	uint32_t c[4];
	int n;
};

static void dt_addr_load(struct dt_addr *a, const fdt32_t *p, int n)
{
	a->n = n;
	for (int i = 0; i < n; i++)
		a->c[i] = fdt32_ld(p + i);
}

/* The number part: a PCI address (3 cells on a PCI bus) skips phys.hi. */
static uint64_t dt_addr_num(const struct dt_addr *a, bool pci)
{
	uint64_t v = 0;

	for (int i = (pci && a->n == 3) ? 1 : 0; i < a->n; i++)
		v = (v << 32) | a->c[i];
	return v;
}

/* a = base + offset in the parent's space (Linux's bus translate: the
 * low two cells carry the number, phys.hi of a PCI address stays). */
static void dt_addr_add(struct dt_addr *a, uint64_t offset, bool pci)
{
	uint64_t v = dt_addr_num(a, pci) + offset;
	int first = (pci && a->n == 3) ? 1 : 0;

	for (int i = first; i < a->n; i++)
		a->c[i] = 0;
	a->c[a->n - 1] = (uint32_t)v;
	if (a->n - 2 >= first)
		a->c[a->n - 2] = (uint32_t)(v >> 32);
}

/*
 * One level up: the address is in bus b's child space; b's dma-ranges
 * (missing or empty: 1:1, as Linux treats dma-ranges on the way up)
 * take it to the parent's space.  Returns 0, 1 when no entry covers it.
 */
static int dt_translate_one(struct dt *dt, int b, int p, struct dt_addr *a)
{
	int na, ns, pna, n, len;
	bool pci = dt_is_pci(dt, b), ppci = dt_is_pci(dt, p);
	const fdt32_t *r = dt_prop(dt, b, "dma-ranges", &len);
	struct dt_addr out;

	if (dt_cells(dt, b, &na, &ns, true) ||
	    dt_cells(dt, p, &pna, NULL, false))
		return -1;
	if (na != a->n)
		return dt_fail(dt, "%s: address cells change under it",
			       DT_PATH(dt, b));
	if (!r || !len) {
		out = (struct dt_addr){.n = pna};
		dt_addr_add(&out, dt_addr_num(a, false), ppci);
		*a = out;
		return 0;
	}
	n = dt_entries(dt, b, "dma-ranges", na + pna + ns, &r);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++, r += na + pna + ns) {
		struct dt_addr child;
		uint64_t cp, s, da;

		dt_addr_load(&child, r, na);
		if (pci && na == 3 && ((child.c[0] ^ a->c[0]) & DT_PCI_SPACE))
			continue;
		cp = dt_addr_num(&child, pci);
		da = dt_addr_num(a, pci);
		s = dt_read(r + na + pna, ns);
		if (da < cp || da - cp >= s)
			continue;
		dt_addr_load(&out, r + na, pna);
		dt_addr_add(&out, da - cp, ppci);
		*a = out;
		return 0;
	}
	return 1;
}

/*
 * The CPU address of an address in the parent space of node x (Linux's
 * of_translate_dma_address): up through every bus to the root.  Returns
 * 0 and *cpu, 1 when untranslatable, -1 on a malformed tree.
 */
static int dt_translate_dma(struct dt *dt, int x, const fdt32_t *in,
			    uint64_t *cpu)
{
	struct dt_addr a;
	int b = dt->nodes[x].parent, na;

	if (b < 0)
		return 1; /* dma-ranges on the root: Linux cannot use them */
	if (dt_cells(dt, b, &na, NULL, true))
		return -1;
	dt_addr_load(&a, in, na);
	for (int d = 0; d <= DT_MAX_DEPTH; d++) {
		int p = dt->nodes[b].parent, ret;

		if (p < 0) {
			*cpu = dt_addr_num(&a, false);
			return 0;
		}
		ret = dt_translate_one(dt, b, p, &a);
		if (ret)
			return ret;
		b = p;
	}
	return dt_fail(dt, "dma-ranges: deeper than %d levels", DT_MAX_DEPTH);
}

/* One usable dma-ranges entry (Linux's struct bus_dma_region). */
struct dt_dma_region {
	uint64_t cpu, bus, size;
};

static int dt_cmp_region(const void *a, const void *b)
{
	const struct dt_dma_region *x = a, *y = b;

	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

static bool dt_ram_between(const struct dt *dt, uint64_t lo, uint64_t hi)
{
	for (unsigned int i = 0; i < dt->desc->nbanks; i++) {
		const struct sim_bank *bk = &dt->desc->banks[i];

		if (lo < hi && dt_overlap(lo, hi - lo, bk->base, bk->size))
			return true;
	}
	return false;
}

/*
 * What the device keeps of its regions: the lowest one's offset, and a
 * limit that runs on through later regions of the same offset as long
 * as no RAM lies in the gaps between them (a hole without RAM costs
 * nothing).  Linux keeps every region; dmakit's device has one offset.
 */
static void dt_pick_region(const struct dt *dt, struct dt_dma_region *rg, int n,
			   uint64_t *offset, uint64_t *limit)
{
	uint64_t end;

	qsort(rg, n, sizeof(*rg), dt_cmp_region);
	*offset = rg[0].bus - rg[0].cpu;
	end = rg[0].cpu + rg[0].size - 1;
	for (int i = 1; i < n; i++) {
		if (rg[i].bus - rg[i].cpu != *offset || rg[i].cpu <= end ||
		    dt_ram_between(dt, end + 1, rg[i].cpu))
			break;
		end = rg[i].cpu + rg[i].size - 1;
	}
	*limit = end;
}

/* Parse node x's non-empty dma-ranges into regions (of_dma_get_range:
 * consecutive contiguous entries merge, untranslatable ones drop). */
static int dt_dma_regions(struct dt *dt, int x, struct dt_dma_region *rg)
{
	int na, ns, pna, n, k = 0, parent = dt->nodes[x].parent;
	bool pci = dt_is_pci(dt, x);
	uint32_t flags = 0;
	const fdt32_t *r;

	if (dt_cells(dt, x, &na, &ns, true) ||
	    dt_cells(dt, parent < 0 ? x : parent, &pna, NULL, false))
		return -1;
	n = dt_entries(dt, x, "dma-ranges", na + pna + ns, &r);
	if (n < 0)
		return -1;
	if (n > DT_MAX_RANGES)
		return dt_fail(dt, "%s: more than %d dma-ranges entries",
			       DT_PATH(dt, x), DT_MAX_RANGES);
	for (int i = 0; i < n; i++, r += na + pna + ns) {
		struct dt_addr child;
		uint64_t cpu = 0, size = dt_read(r + na + pna, ns);
		struct dt_dma_region *last = k ? &rg[k - 1] : NULL;
		uint32_t f = pci && na == 3 ? fdt32_ld(r) : 0;
		int ret = dt_translate_dma(dt, x, r + na, &cpu);

		if (ret < 0)
			return -1;
		if (ret || !size)
			continue;
		dt_addr_load(&child, r, na);
		if (last && f == flags &&
		    dt_addr_num(&child, pci) == last->bus + last->size &&
		    cpu == last->cpu + last->size) {
			last->size += size;
			continue;
		}
		flags = f;
		rg[k++] = (struct dt_dma_region){
			.cpu = cpu,
			.bus = dt_addr_num(&child, pci),
			.size = size,
		};
	}
	if (!k)
		return dt_fail(dt,
			       "%s: no dma-ranges entry translates to a "
			       "CPU address",
			       DT_PATH(dt, x));
	return k;
}

/*
 * Linux's of_dma_get_range() from the device's bus (a PCI host is its
 * own bus: Linux configures PCI devices from the host bridge's node).
 * Up from there, empty dma-ranges mean "no translation here, look
 * higher"; a missing one ends the search with no DMA constraint, except
 * on the first node, which Linux lets pass.  Returns 0, -1 on error.
 */
static int dt_dma_range(struct dt *dt, int dev, bool pci_host,
			struct sim_desc_device *d)
{
	uint64_t *offset = &d->bus_offset, *limit = &d->dma_limit;
	struct dt_dma_region rg[DT_MAX_RANGES];
	int node = pci_host ? dev : dt->nodes[dev].parent, n;
	bool found = false;

	*offset = 0;
	*limit = DT_NO_LIMIT;
	for (int d = 0; node >= 0 && d <= DT_MAX_DEPTH; d++) {
		int len;
		const void *r = dt_prop(dt, node, "dma-ranges", &len);

		if (r && len > 0)
			break;
		if (found && !r)
			return 0;
		found = true;
		node = dt->nodes[node].parent;
	}
	if (node < 0)
		return 0;
	n = dt_dma_regions(dt, node, rg);
	if (n < 0)
		return -1;
	dt_pick_region(dt, rg, n, offset, limit);
	/* Every region, sorted by CPU address (dt_pick_region sorted
	 * them); more than fit are left out, so they bounce: safe. */
	if (n > SIM_DESC_MAX_REGIONS) {
		dt_note(dt, "%s: %d dma-ranges regions, first %d kept",
			DT_PATH(dt, dev), n, SIM_DESC_MAX_REGIONS);
		n = SIM_DESC_MAX_REGIONS;
	}
	for (int i = 0; i < n; i++)
		d->regions[i] = (struct dmk_bus_dma_region){
			.cpu_start = rg[i].cpu,
			.dma_start = rg[i].bus,
			.size = rg[i].size,
		};
	d->nr_regions = (unsigned int)n;
	return 0;
}

/* Bytes of [lo, lo + size) that lie in RAM banks, and in reserved
 * pools (which lie in RAM and do not overlap). */
static uint64_t dt_overlap_bytes(uint64_t lo, uint64_t size, uint64_t base,
				 uint64_t len)
{
	uint64_t a = lo > base ? lo : base;
	uint64_t b1 = lo + size - 1, b2 = base + len - 1;
	uint64_t b = b1 < b2 ? b1 : b2;

	return size && len && a <= b ? b - a + 1 : 0;
}

/*
 * Does the master reach RAM that is not a reserved pool, through its
 * dma-ranges regions (none: bus == CPU address) and at bus addresses
 * its mask covers?  A remote processor whose windows cover only on-chip
 * SRAM or its own carve-outs does not (Linux gives it a dma_range_map
 * that no page of system RAM fits, so a driver never hands it one);
 * nor does a 32-bit master on a board whose RAM lies above 4 GiB.
 */
static bool dt_reaches_ram(const struct dt *dt, const struct sim_desc_device *d,
			   uint64_t mask)
{
	const struct sim_world_desc *desc = dt->desc;
	const struct dmk_bus_dma_region whole = {0, 0, DT_NO_LIMIT};
	const struct dmk_bus_dma_region *rs =
		d->nr_regions ? d->regions : &whole;
	unsigned int n = d->nr_regions ? d->nr_regions : 1;

	for (unsigned int i = 0; i < n; i++) {
		const struct dmk_bus_dma_region *r = &rs[i];
		uint64_t ram = 0, pools = 0, size = r->size;

		if (r->dma_start > mask)
			continue;
		if (size - 1 > mask - r->dma_start)
			size = mask - r->dma_start + 1; /* mask < ~0 here */
		for (unsigned int b = 0; b < desc->nbanks; b++)
			ram += dt_overlap_bytes(r->cpu_start, size,
						desc->banks[b].base,
						desc->banks[b].size);
		for (unsigned int p = 0; p < desc->nr_pools; p++)
			pools += dt_overlap_bytes(r->cpu_start, size,
						  desc->pools[p].base,
						  desc->pools[p].size);
		if (ram > pools)
			return true;
	}
	return false;
}

/* of_dma_is_coherent: the node, then its parents; arm64 default no. */
static bool dt_coherent(const struct dt *dt, int node)
{
	for (int d = 0; node >= 0 && d <= DT_MAX_DEPTH; d++) {
		if (dt_has(dt, node, "dma-coherent"))
			return true;
		if (dt_has(dt, node, "dma-noncoherent"))
			return false;
		node = dt->nodes[node].parent;
	}
	return false;
}

/* ---- IOMMUs ---- */

/* The IOMMU node a phandle names, -1 when it is disabled (Linux then
 * leaves the device on direct DMA), -2 on a broken reference. */
static int dt_iommu_node(struct dt *dt, int dev, uint32_t ph, int *cells)
{
	int node = dt_by_phandle(dt, ph), len;
	const fdt32_t *c;

	if (node < 0) {
		/* Linux defers this device's probe for ever: it alone stays
		 * unconfigured, the rest of the tree boots. */
		dt_note(dt,
			"%s: IOMMU phandle 0x%x names no node, left unconfigured",
			DT_PATH(dt, dev), ph);
		return -3;
	}
	c = dt_prop(dt, node, "#iommu-cells", &len);
	if (!c || len != 4 || fdt32_ld(c) > 4)
		return dt_fail(dt, "%s: #iommu-cells missing or not 0..4",
			       DT_PATH(dt, node)),
		       -2;
	*cells = (int)fdt32_ld(c);
	return dt_available(dt, node) ? node : -1;
}

/* Xen's DOMID_FIRST_RESERVED: domain IDs from here on name no guest. */
#define DT_DOMID_FIRST_RESERVED 0x7ff0U

/* A grant DMA backend named by the binding: a guest's domain ID. */
static int dt_grant_backend(struct dt *dt, int dev, uint32_t domid,
			    struct dt_master *m)
{
	if (domid >= DT_DOMID_FIRST_RESERVED)
		return dt_fail(
			dt,
			"%s: xen,grant-dma wants one cell, a backend domain below 0x7ff0",
			DT_PATH(dt, dev));
	m->d.grant_dma = true;
	m->d.grant_backend = (uint16_t)domid;
	return 0;
}

/* iommus = <&smmu sid ...>: the first specifier is the device's. */
static int dt_iommus(struct dt *dt, int dev, struct dt_master *m)
{
	int len, cells, node;
	const fdt32_t *p = dt_prop(dt, dev, "iommus", &len);

	if (!p)
		return 0;
	if (len < 4 || len % 4)
		return dt_fail(dt, "%s: iommus is %d bytes", DT_PATH(dt, dev),
			       len);
	node = dt_iommu_node(dt, dev, fdt32_ld(p), &cells);
	if (node == -2)
		return -1;
	if (node == -3)
		return 1;
	if (len < 4 * (1 + cells))
		return dt_fail(dt, "%s: iommus shorter than #iommu-cells",
			       DT_PATH(dt, dev));
	/* Xen's grant DMA binding (Linux's xen_dt_grant_init_backend_domid):
	 * no IOMMU, the specifier is the backend's domain. */
	if (node >= 0 && dt_compatible(dt, node, "xen,grant-dma"))
		return dt_grant_backend(
			dt, dev, cells == 1 ? fdt32_ld(p + 1) : UINT32_MAX, m);
	m->smmu_node = node;
	m->d.stream_id = cells ? fdt32_ld(p + 1) : 0;
	return 0;
}

/*
 * iommu-map = <rid-base &smmu sid-base length ...> of a PCI host: the
 * stream of requester ID 0 (bus 0, device 0, function 0) after
 * iommu-map-mask, or of the first entry's base when none covers it.
 *
 * The same map may name Xen's grant DMA node instead of an SMMU
 * (`iommu-map = <rid-base &xen_grant_dma domid length>`): Linux's
 * xen_dt_grant_init_backend_domid translates the device's requester ID
 * through the host bridge's map with of_map_id, and the ID out
 * (domid + rid - rid-base) is the backend's domain.  A requester ID no
 * entry covers is not translated (of_map_id finds no target): no grant
 * DMA, and no fallback to the first entry either.
 */
static int dt_iommu_map(struct dt *dt, int dev, struct dt_master *m)
{
	const fdt32_t *p, *mask_p, *hit;
	int n, len, cells, node;
	uint32_t rid = 0;
	bool covered = false;

	n = dt_entries(dt, dev, "iommu-map", 4, &p);
	if (n <= 0)
		return n;
	mask_p = dt_prop(dt, dev, "iommu-map-mask", &len);
	if (mask_p && len == 4)
		rid &= fdt32_ld(mask_p);
	hit = p;
	for (int i = 0; i < n; i++) {
		const fdt32_t *e = p + 4 * i;
		uint32_t base = fdt32_ld(e), count = fdt32_ld(e + 3);

		if (rid >= base && rid - base < count) {
			hit = e;
			covered = true;
			break;
		}
	}
	node = dt_iommu_node(dt, dev, fdt32_ld(hit + 1), &cells);
	if (node == -2)
		return -1;
	if (node == -3)
		return 1;
	if (node >= 0 && dt_compatible(dt, node, "xen,grant-dma")) {
		if (!covered) {
			dt_note(dt,
				"%s: iommu-map has no entry for requester ID 0x%x: no grant DMA",
				DT_PATH(dt, dev), rid);
			return 0;
		}
		return dt_grant_backend(
			dt, dev, fdt32_ld(hit + 2) + (rid - fdt32_ld(hit)), m);
	}
	m->smmu_node = node;
	m->d.stream_id = fdt32_ld(hit + 2) +
			 (rid >= fdt32_ld(hit) ? rid - fdt32_ld(hit) : 0);
	return 0;
}

static int dt_smmu_index(struct dt *dt, int node)
{
	struct sim_world_desc *desc = dt->desc;
	struct sim_desc_smmu *s;

	for (unsigned int i = 0; i < desc->nr_smmus; i++)
		if (!strcmp(desc->smmus[i].name, DT_PATH(dt, node)))
			return (int)i;
	if (desc->nr_smmus == SIM_DESC_MAX_SMMUS)
		return -1;
	s = &desc->smmus[desc->nr_smmus];
	dt_path(dt, node, s->name, sizeof(s->name));
	s->coherent = dt_coherent(dt, node);
	return (int)desc->nr_smmus++;
}

/* ---- DMA masters ---- */

static int dt_pool_of(struct dt *dt, int dev)
{
	const fdt32_t *p;
	int len, first = -1;

	p = dt_prop(dt, dev, "memory-region", &len);
	for (int i = 0; p && i < len / 4; i++) {
		int node = dt_by_phandle(dt, fdt32_ld(p + i));

		for (unsigned int k = 0; node >= 0 && k < dt->desc->nr_pools;
		     k++) {
			if (dt->pool_node[k] != node)
				continue;
			if (dt->desc->pools[k].restricted)
				return (int)k;
			if (i == 0)
				first = (int)k;
		}
	}
	return first;
}

/* Buses and containers: their children are the devices. */
static bool dt_is_container(const struct dt *dt, int node)
{
	static const char *const buses[] = {
		"simple-bus",	"simple-mfd", "simple-pm-bus",
		"arm,amba-bus", "isa",
	};

	if (dt_has(dt, node, "ranges"))
		return true;
	for (size_t i = 0; i < sizeof(buses) / sizeof(buses[0]); i++)
		if (dt_compatible(dt, node, buses[i]))
			return true;
	return false;
}

static bool dt_is_virtio(const struct dt *dt, int node)
{
	int len;
	const char *c = dt_prop(dt, node, "compatible", &len);

	return (c && len >= 7 && !strncmp(c, "virtio,", 7)) ||
	       dt_compatible(dt, node, "virtio,mmio");
}

/*
 * Node names of device classes that are bus masters on every board that
 * has them: the devicetree specification's generic names, and the older
 * names Linux's own trees still give the same controllers (Marvell's
 * Dove and Orion `usb-host`, `sdio-host`, `sata-host`, `ethernet-ctrl`,
 * `dma-engine`, `crypto-engine`; Armada's `xor` and `sdhci`; VIA's
 * `ehci`; MMP2's `usb-otg`; Calxeda's `dma`), each bound by a driver
 * that does DMA itself (ehci-orion, sdhci-dove, sata_mv, mv643xx_eth,
 * mv_xor, marvell-cesa with TDMA, ehci-platform, sdhci-pxav3, pl330).
 * Display controllers (`lcd-controller`, `display-controller`) read
 * their scan-out buffers by DMA (mxsfb and stm32's ltdc allocate them
 * with drm_gem_dma, i.e. dma_alloc_wc).  A PHY, a regulator or a power
 * sequencer named after its controller (`sata-phy`, `usb-phy`) is not
 * one: the whole name must match.
 */
static const char *dt_dma_class(const struct dt *dt, int node)
{
	static const struct {
		const char *name, *cls;
	} classes[] = {
		{"ethernet", "ethernet"},
		{"ethernet-ctrl", "ethernet"},
		{"mmc", "mmc"},
		{"sdio-host", "mmc"},
		{"sdhci", "mmc"},
		{"usb", "usb"},
		{"usb-host", "usb"},
		{"usb-otg", "usb"},
		{"ehci", "usb"},
		{"sata", "sata"},
		{"sata-host", "sata"},
		{"dma-controller", "dma-controller"},
		{"dma-engine", "dma-controller"},
		{"dma", "dma-controller"},
		{"xor", "dma-controller"},
		{"gpu", "gpu"},
		{"crypto", "crypto"},
		{"crypto-engine", "crypto"},
		{"video-codec", "video-codec"},
		{"nand-controller", "nand-controller"},
		{"lcd-controller", "display"},
		{"display-controller", "display"},
	};
	const char *name = fdt_get_name(dt->fdt, dt->nodes[node].off, NULL);
	size_t len;

	if (!name)
		return NULL;
	len = strcspn(name, "@");
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i].name) == len &&
		    !strncmp(name, classes[i].name, len))
			return classes[i].cls;
	return NULL;
}

/*
 * The rule (docs/device-tree.md).  Linux configures DMA for every
 * platform device it creates (of_dma_configure with force_dma), so every
 * available node with a compatible that is not an IOMMU, interrupt
 * controller, CPU or memory node may be one; dmakit runs those for which
 * the tree gives evidence that they really move data, and says which:
 * a PCI host bridge, or a non-container whose bus has dma-ranges, or
 * which has iommus, dma-coherent, a memory-region pool, a DMA-capable
 * class name or dmas; or a container with iommus of its own.  Returns
 * DT_MASTER for those, DT_CANDIDATE for a non-container Linux would
 * configure all the same (no evidence: inspect --all shows it), and
 * DT_NOT_A_DEVICE otherwise.
 */
enum { DT_NOT_A_DEVICE, DT_CANDIDATE, DT_MASTER };

/* Does of_platform_populate create platform devices for this node's
 * children?  The root's, and those of a bus in Linux's
 * of_default_bus_match_table (simple-bus, simple-mfd, isa, arm,amba-bus),
 * if that bus is itself one. */
static bool dt_populated_bus(const struct dt *dt, int node)
{
	static const char *const buses[] = {"simple-bus", "simple-mfd", "isa",
					    "arm,amba-bus"};
	int depth = 0;

	for (; node > 0 && depth < 64; node = dt->nodes[node].parent, depth++) {
		bool bus = false;

		for (size_t i = 0; i < sizeof(buses) / sizeof(buses[0]); i++)
			bus = bus || dt_compatible(dt, node, buses[i]);
		if (!bus)
			return false;
	}
	return node == 0;
}

static int dt_is_master(struct dt *dt, int node, bool *pci_host, int *pool,
			char *evidence, size_t elen)
{
	int parent = dt->nodes[node].parent;
	const char *cls;

	*pci_host = false;
	*pool = -1;
	evidence[0] = '\0';
	if (parent < 0 || !dt_has(dt, node, "compatible") ||
	    dt_has(dt, node, "#iommu-cells") ||
	    dt_has(dt, node, "interrupt-controller") ||
	    dt_prop_is(dt, node, "device_type", "memory") ||
	    dt_prop_is(dt, node, "device_type", "cpu") ||
	    dt_is_pci(dt, parent) || !dt_available(dt, node))
		return DT_NOT_A_DEVICE;
	if (dt_is_pci(dt, node)) {
		*pci_host = true;
		snprintf(evidence, elen, "pci-host");
		return DT_MASTER;
	}
	if (dt_is_container(dt, node)) {
		if (!dt_has(dt, node, "iommus"))
			return DT_NOT_A_DEVICE;
		snprintf(evidence, elen, "iommus");
		return DT_MASTER;
	}
	*pool = dt_pool_of(dt, node);
	cls = dt_dma_class(dt, node);
	if (dt_has(dt, node, "iommus"))
		snprintf(evidence, elen, "iommus");
	else if (dt_has(dt, parent, "dma-ranges"))
		snprintf(evidence, elen, "dma-ranges");
	else if (dt_has(dt, node, "dma-coherent"))
		snprintf(evidence, elen, "dma-coherent");
	else if (*pool >= 0)
		snprintf(evidence, elen, "memory-region");
	else if (cls)
		snprintf(evidence, elen, "class:%s", cls);
	else if (dt_has(dt, node, "dmas"))
		snprintf(evidence, elen, "dmas");
	if (evidence[0])
		return DT_MASTER;
	return dt_populated_bus(dt, parent) ? DT_CANDIDATE : DT_NOT_A_DEVICE;
}

/*
 * The mask rule: the mask the master's Linux driver leaves it with.
 * PCI hosts (their PCIe functions), virtio devices (their drivers set
 * 64 with VIRTIO_F_ACCESS_PLATFORM) and masters behind an IOMMU (the
 * IOVA space is the limit) get 64 bits.  Else a driver in
 * dt-drivers.c's table sets its width; one that reads the width from a
 * capability register of the controller (AHCI's S64A, SDHCI's 64-bit
 * DMA) is taken to have it only where the tree proves it: the default
 * 32 bits would reach no RAM at all, so the SoC must carry the wide
 * controller; otherwise the narrower, stricter width stands.  Every
 * other master keeps of_dma_configure's 32 bits; when those reach no
 * RAM, it is listed as unable to reach RAM (no_ram_by_mask), as its
 * Linux driver's every mapping would fail there.
 */
static void dt_mask(const struct dt *dt, int node, bool wide,
		    struct sim_desc_device *d)
{
	int len;
	const char *c = dt_prop(dt, node, "compatible", &len);
	const struct sim_dt_driver_mask *drv = sim_dt_driver_mask(c, len);
	/* A register-read width is proven when 32 bits reach no RAM and
	 * the wide width does (dma-ranges that reach none prove nothing). */
	bool proven = drv && drv->capability &&
		      !dt_reaches_ram(dt, d, DMK_BIT_MASK(32)) &&
		      dt_reaches_ram(dt, d, DMK_BIT_MASK(drv->bits));

	d->reach_bits = 32;
	d->mask_from = SIM_MASK_DEFAULT;
	if (wide) {
		d->reach_bits = 64;
		d->mask_from = SIM_MASK_BUS;
	} else if (drv && (!drv->capability || proven)) {
		d->reach_bits = drv->bits;
		d->mask_from =
			drv->capability ? SIM_MASK_CAPABILITY : SIM_MASK_DRIVER;
	}
	if (drv && !wide)
		snprintf(d->mask_driver, sizeof(d->mask_driver), "%s",
			 drv->driver);
	if (!d->no_ram && !dt_reaches_ram(dt, d, DMK_BIT_MASK(d->reach_bits)))
		d->no_ram = d->no_ram_by_mask = true;
}

static int dt_fill_master(struct dt *dt, int node, bool pci_host, int pool,
			  struct dt_master *m)
{
	struct sim_desc_device *d = &m->d;
	int len, ret;
	const char *c = dt_prop(dt, node, "compatible", &len);

	memset(m, 0, sizeof(*m));
	m->node = node;
	m->smmu_node = -1;
	d->smmu = -1;
	d->pool = pool;
	snprintf(d->compatible, sizeof(d->compatible), "%.*s",
		 (int)strnlen(c, len), c);
	d->coherent = dt_coherent(dt, node);
	if (dt_dma_range(dt, node, pci_host, d))
		return -1;
	d->no_ram = !dt_reaches_ram(dt, d, DT_NO_LIMIT);
	if (pci_host && dt_has(dt, node, "iommu-map"))
		ret = dt_iommu_map(dt, node, m);
	else
		ret = dt_iommus(dt, node, m);
	if (ret)
		return ret; /* -1 refused, 1 left unconfigured */
	dt_mask(dt, node,
		pci_host || dt_is_virtio(dt, node) || m->smmu_node >= 0, d);
	d->pci_host = pci_host;
	d->virtio = dt_is_virtio(dt, node);
	m->kind = sim_desc_device_kind(dt->desc, d);
	return 0;
}

/* Which masters to keep when there are more than fit: one of each kind
 * first, then the rest in tree order. */
static void dt_select(struct dt_master *m, int n, bool *keep)
{
	bool seen[SIM_DESC_KINDS] = {false};
	int kept = 0;

	for (int i = 0; i < n && kept < SIM_DESC_MAX_DEVS; i++) {
		if (seen[m[i].kind])
			continue;
		seen[m[i].kind] = true;
		keep[i] = true;
		kept++;
	}
	for (int i = 0; i < n && kept < SIM_DESC_MAX_DEVS; i++)
		if (!keep[i]) {
			keep[i] = true;
			kept++;
		}
}

static int dt_emit_masters(struct dt *dt, struct dt_master *m, int n,
			   const bool *keep)
{
	struct sim_world_desc *desc = dt->desc;
	int no_smmu = 0, long_path = 0;

	for (int i = 0; i < n; i++) {
		struct sim_desc_device *d = &m[i].d;

		if (!keep[i])
			continue;
		if (fdt_get_path(dt->fdt, dt->nodes[m[i].node].off, d->path,
				 sizeof(d->path)) < 0) {
			long_path++;
			continue;
		}
		if (m[i].smmu_node >= 0) {
			d->smmu = dt_smmu_index(dt, m[i].smmu_node);
			if (d->smmu < 0) {
				no_smmu++;
				continue;
			}
		}
		desc->devs[desc->nr_devs++] = *d;
	}
	if (n > SIM_DESC_MAX_DEVS)
		dt_note(dt, "%d DMA masters, kept %d (one of each kind first)",
			n, SIM_DESC_MAX_DEVS);
	if (no_smmu)
		dt_note(dt, "%d masters behind a 9th IOMMU left out", no_smmu);
	if (long_path)
		dt_note(dt,
			"%d masters with paths over %zu characters left "
			"out",
			long_path, sizeof(desc->devs[0].path) - 1);
	return 0;
}

/*
 * A Xen guest's tree whose masters use grant DMA with a backend in
 * dom0 is a domU's (what libxl writes for virtio-mmio devices): the
 * world then runs a 1:1 dom0 as the backend and the tree's masters in a
 * domU beside it, the tree's RAM shared between them.  Natively the
 * binding means nothing (Linux: not a Xen guest).
 */
static void dt_grant_guest(struct dt *dt)
{
	struct sim_world_desc *desc = dt->desc;
	uint64_t frames = 0;
	bool grant = false;

	for (unsigned int i = 0; i < desc->nr_devs; i++)
		grant = grant || desc->devs[i].grant_dma;
	if (!grant)
		return;
	if (desc->hyp == SIM_HYP_NONE) {
		dt_note(dt, "xen,grant-dma bindings ignored: not a Xen guest");
		return;
	}
	for (unsigned int i = 0; i < desc->nbanks; i++)
		frames += desc->banks[i].size >> SIM_PAGE_SHIFT;
	desc->dom0_pages = frames / 4;
	desc->domu_pages = frames / 2;
	for (unsigned int i = 0; i < desc->nr_devs; i++)
		desc->devs[i].guest = 1;
	dt_note(dt,
		"a domU's tree: its masters run in a domU, dom0 is the grant backend");
}

/* Tell the caller's visitor (inspect --all) what Linux's
 * of_dma_configure gives this device, and what dmakit does with it. */
static void dt_visit(struct dt *dt, int node, const struct sim_desc_device *d,
		     bool master, bool unconfigured)
{
	struct sim_desc_device v = *d;

	if (fdt_get_path(dt->fdt, dt->nodes[node].off, v.path, sizeof(v.path)) <
	    0)
		snprintf(v.path, sizeof(v.path), "(path too long)");
	dt->o->each(dt->o->each_ctx, &v,
		    unconfigured ? SIM_DT_UNCONFIGURED
		    : master	 ? SIM_DT_MASTER
				 : SIM_DT_NO_EVIDENCE);
}

/*
 * No master: say whether the tree has DMA-capable controllers that are
 * all disabled (Debian's mmp2-brownstone leaves every MMC, USB and DMA
 * controller of mmp2.dtsi at "disabled"), so that "no DMA masters" is
 * not mistaken for a rule that missed them.  Linux creates no device
 * for them either (of_platform_bus_create skips unavailable nodes).
 */
static void dt_note_disabled(struct dt *dt)
{
	int off = 0;

	for (int i = 1; i < dt->nr_nodes; i++)
		if (!dt_available(dt, i) && dt_has(dt, i, "compatible") &&
		    (dt_dma_class(dt, i) || dt_has(dt, i, "dmas") ||
		     dt_has(dt, i, "iommus")))
			off++;
	if (off)
		dt_note(dt, "%d DMA-capable nodes, every one disabled", off);
}

static int dt_load_masters(struct dt *dt)
{
	struct dt_master *m = calloc(dt->nr_nodes, sizeof(*m));
	bool *keep = calloc(dt->nr_nodes, sizeof(*keep));
	int n = 0, ret = -1;

	if (!m || !keep) {
		dt_fail(dt, "out of memory");
		goto out;
	}
	for (int i = 1; i < dt->nr_nodes; i++) {
		bool pci_host;
		int pool;
		char evidence[32];
		int kind, r;

		kind = dt_is_master(dt, i, &pci_host, &pool, evidence,
				    sizeof(evidence));
		if (kind == DT_NOT_A_DEVICE ||
		    (kind == DT_CANDIDATE && !dt->o->each))
			continue;
		r = dt_fill_master(dt, i, pci_host, pool, &m[n]);
		if (r < 0)
			goto out;
		snprintf(m[n].d.evidence, sizeof(m[n].d.evidence), "%s",
			 evidence);
		if (dt->o->each)
			dt_visit(dt, i, &m[n].d, kind == DT_MASTER, r > 0);
		if (r > 0 || kind != DT_MASTER)
			continue; /* unconfigured (dt_note says why), or
				   * no evidence of DMA */
		n++;
	}
	if (!n)
		dt_note_disabled(dt);
	dt_select(m, n, keep);
	ret = dt_emit_masters(dt, m, n, keep);
	if (!ret)
		dt_grant_guest(dt);
out:
	free(m);
	free(keep);
	return ret;
}

/* ---- entry points ---- */

int sim_dt_load(const void *blob, size_t len, const struct sim_dt_options *o,
		struct sim_world_desc *desc, char *err, size_t errlen)
{
	static const struct sim_dt_options none;
	struct dt dt = {
		.fdt = blob,
		.o = o ? o : &none,
		.desc = desc,
		.err = err,
		.errlen = errlen,
	};
	int ret = -1;

	if (err && errlen)
		err[0] = '\0';
	if (!desc)
		return dt_fail(&dt, "no description to fill");
	memset(desc, 0, sizeof(*desc));
	if (dt_check_blob(&dt, blob, len) || dt_index_nodes(&dt) ||
	    dt_index_phandles(&dt))
		goto out;
	dt_load_arch(&dt);
	if (dt_load_memory(&dt) || dt_load_reserved(&dt) ||
	    dt_load_hypervisor(&dt))
		goto out;
	dt_load_chosen(&dt);
	ret = dt_load_masters(&dt);
out:
	free(dt.nodes);
	free(dt.ph);
	return ret;
}

int sim_dt_load_file(const char *path, const struct sim_dt_options *o,
		     struct sim_world_desc *desc, char *err, size_t errlen)
{
	struct stat st;
	size_t got = 0;
	void *blob;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)DT_MAX_FILE) {
		snprintf(err, errlen, "not a regular file of at most %u MiB",
			 DT_MAX_FILE >> 20);
		close(fd);
		return -1;
	}
	blob = malloc(st.st_size ? st.st_size : 1);
	while (blob && got < (size_t)st.st_size) {
		ssize_t r = read(fd, (char *)blob + got, st.st_size - got);

		if (r <= 0)
			break;
		got += r;
	}
	close(fd);
	if (!blob) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = sim_dt_load(blob, got, o, desc, err, errlen);
	free(blob);
	return ret;
}
