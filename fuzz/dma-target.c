/* SPDX-License-Identifier: MIT */
/*
 * The public DMA API under fuzzing: random sequences of what a driver
 * calls, on random devices of a random built-in platform, with the
 * DMA-API debug checker on, every transfer checked byte for byte by
 * the oracle, and the world's calls failed by the injector
 * (platform/sim/faults.h).  Linux's counterpart: a driver stress test
 * run with CONFIG_DMA_API_DEBUG and fail_page_alloc / fail_function.
 *
 * The first bytes pick the world: the platform, adversarial caches,
 * relocation, swiotlb=force, a dynamic swiotlb, the pool's size, and
 * the injector's mode (off, fail call k, every k-th, 1/k by seed).
 * Then each operation is one byte and its arguments:
 *   - map a buffer (map_page, map_single, or an sg list of 1..6
 *     entries) for a device in a direction, the CPU having filled it;
 *     the device reads it back when the direction lets it;
 *   - the CPU gives a mapping to the device (sync_for_cpu, write,
 *     sync_for_device, each over the whole mapping or a part of it,
 *     or the sg list) and the device reads what it wrote;
 *   - the device gives it to the CPU (device write, sync_for_cpu over
 *     the whole or a part, CPU read, sync_for_device);
 *   - unmap, after a device write the CPU must then see;
 *   - alloc and free coherent buffers, and data both ways through one;
 *   - a device's masks narrowed (never wider than its bus reaches) or
 *     put back.
 * An operation may deliberately be a misuse the checker must name: an
 * unmap in the wrong direction, with a smaller size, twice, of the
 * error value, or of a mapping whose error was never checked; a sync
 * in the wrong direction or past the end; a free with another size.
 *
 * Invariants (any break aborts with one line on stderr):
 *   - no crash and no sanitizer report (the libFuzzer build runs under
 *     ASan and UBSan), whatever the sequence;
 *   - every misuse is reported: the checker's error count rises at it
 *     (unless the checker turned itself off for lack of memory, which
 *     it says in the log);
 *   - as long as the sequence is correct: no report at all, every byte
 *     a device or the CPU reads is what the other side wrote, no device
 *     fault, and at the end, everything given back, no live mapping or
 *     buffer in the checker and no swiotlb slot used (default and
 *     restricted pools).
 * A failed map or allocation is never a break: with the injector, a
 * narrowed mask or a full pool, the driver sees the error and carries
 * on, as the issue asks of every caller.
 *
 * Bounds, so that no input is slow (a world's build and teardown cost
 * grows with its RAM's pages; the rest is bounded by the op count,
 * DF_MAX_OPS, and the sizes below): a Xen guest has at most 48 MiB
 * (DF_GUEST_PAGES), a native board keeps of its RAM only windows around
 * its banks' starts, its reserved pools and its devices' reach
 * boundaries (bound_native_ram: 64 MiB of arm64-native's 2 GiB, the
 * restricted pool and the 1 and 4 GiB limits kept), and the bounce pool
 * is 256 KiB to 2 MiB.  Before the native bound, the 128 variants of
 * arm64-native's first seed (every flags byte, faults off and by seed)
 * cost up to 0.24 s of CPU each in the plain replayer (mean 0.18), the
 * other boards' seeds at most 0.07 s; with it, at most 0.11 s (mean
 * 0.09).
 */
#include "target.h"

#include "faults.h"
#include "workload.h"
#include "world.h"

#include <dmakit/dma.h>
#include <dmakit/system.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char fuzz_target_name[] = "dma";

#define DF_MAX_LIVE 12
#define DF_MAX_OPS 48
#define DF_SG_MAX 6
#define DF_GUEST_PAGES (48UL << 20 >> SIM_PAGE_SHIFT)
#define DF_MAX_BYTES (5 * DMK_PAGE_SIZE)
#define DF_XFER_MAX (DF_SG_MAX * DF_MAX_BYTES)

enum df_kind { DF_PAGE, DF_SINGLE, DF_SG, DF_COHERENT };

struct df_pages {
	void *cpu;
	dmk_phys_t phys;
	unsigned int order;
};

struct df_map {
	bool live;
	enum df_kind kind;
	unsigned int dev;
	enum dmk_data_direction dir;
	size_t size; /* bytes the device sees (sg: the sum) */
	dmk_addr_t dma;
	bool checked; /* dmk_mapping_error asked */
	/* single, page: one run of pages, the buffer at off in it */
	struct df_pages pages[DF_SG_MAX];
	size_t off[DF_SG_MAX];
	struct dmk_sg sg[DF_SG_MAX];
	int nents, mapped;
	void *coh;	     /* coherent */
	dmk_addr_t last_dma; /* after unmap: for a double unmap */
	size_t last_size;
};

struct df {
	struct sim_world *w;
	struct sim_faults faults;
	bool faulting;
	struct df_map live[DF_MAX_LIVE];
	uint64_t orig_mask[SIM_DESC_MAX_DEVS], orig_cmask[SIM_DESC_MAX_DEVS];
	uint64_t rng;
	bool tainted; /* a misuse was committed: bytes are not judged */
	const char *op;
	char platform[64];
	FILE *log;
	char *logbuf;
	size_t loglen;
	uint8_t expect[DF_XFER_MAX], seen[DF_XFER_MAX];
};

static void __attribute__((noreturn, format(printf, 2, 3)))
broken(struct df *f, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dma-fuzz: %s, after %s: ", f->platform, f->op);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (f->log) {
		fflush(f->log);
		fprintf(stderr, "guests' log:\n%s", f->logbuf ? f->logbuf : "");
	}
	abort();
}

static uint64_t df_rand(struct df *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 7;
	f->rng ^= f->rng << 17;
	return f->rng;
}

static void pattern(struct df *f, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(df_rand(f) >> 24);
}

static struct sim_world_device *wdev(struct df *f, unsigned int d)
{
	return &f->w->devs[d];
}

static const struct dmk_platform *guest_plat(struct df *f, unsigned int d)
{
	return &wdev(f, d)->guest->pd.plat;
}

/* ---- the checker's view ---- */

static uint64_t reports(struct df *f)
{
	uint64_t n = 0;

	for (unsigned int g = 0; g < f->w->nr_guests; g++) {
		struct dmk_debug_stats st;

		if (!dmk_debug_stats(f->w->guests[g].sys, &st))
			n += st.errors;
	}
	return n;
}

/* The checker says in the log when it gives up for lack of memory. */
static bool checker_off(struct df *f)
{
	fflush(f->log);
	return f->logbuf && strstr(f->logbuf, "out of memory - disabling");
}

static void expect_report(struct df *f, uint64_t before, const char *what)
{
	f->tainted = true;
	if (reports(f) <= before && !checker_off(f))
		broken(f, "the misuse (%s) was not reported", what);
}

static void expect_quiet(struct df *f, uint64_t before)
{
	if (!f->tainted && reports(f) != before)
		broken(f, "a correct call was reported as a misuse");
}

static void judge(struct df *f, const char *what, const uint8_t *want,
		  const uint8_t *got, size_t len)
{
	if (f->tainted)
		return;
	for (size_t i = 0; i < len; i++)
		if (want[i] != got[i])
			broken(f, "%s: byte %zu of %zu is 0x%02x, not 0x%02x",
			       what, i, len, got[i], want[i]);
}

/* ---- the driver's memory (its kmalloc, not the DMA layer's call) ---- */

static int pages_alloc(struct df *f, unsigned int d, size_t bytes,
		       struct df_pages *p)
{
	const struct dmk_platform *plat = guest_plat(f, d);
	unsigned int order = 0;

	while ((DMK_PAGE_SIZE << order) < bytes)
		order++;
	sim_faults_pause(&f->faults);
	p->cpu = plat->ops->alloc_pages(plat->ctx, order, ~(dmk_phys_t)0,
					&p->phys);
	sim_faults_resume(&f->faults);
	p->order = order;
	return p->cpu ? 0 : -1;
}

static void pages_free(struct df *f, unsigned int d, struct df_pages *p)
{
	const struct dmk_platform *plat = guest_plat(f, d);

	if (!p->cpu)
		return;
	sim_faults_pause(&f->faults);
	plat->ops->free_pages(plat->ctx, p->phys, p->order);
	sim_faults_resume(&f->faults);
	p->cpu = NULL;
}

/* ---- bytes at an offset of a mapping, for the CPU and the device ---- */

/* The CPU's bytes [off, off + len) of m, through its entries. */
static void cpu_rw(struct df_map *m, size_t off, void *buf, size_t len,
		   bool write)
{
	uint8_t *b = buf;

	if (m->kind == DF_COHERENT) {
		if (write)
			memcpy((uint8_t *)m->coh + off, b, len);
		else
			memcpy(b, (uint8_t *)m->coh + off, len);
		return;
	}
	for (int i = 0; i < m->nents && len; i++) {
		uint8_t *cpu = (uint8_t *)m->pages[i].cpu + m->off[i];
		size_t n = m->sg[i].length;

		if (off >= n) {
			off -= n;
			continue;
		}
		n -= off;
		if (n > len)
			n = len;
		if (write)
			memcpy(cpu + off, b, n);
		else
			memcpy(b, cpu + off, n);
		b += n;
		len -= n;
		off = 0;
	}
}

/* The device's view: its segments in order; 0 or -1 (a device fault). */
static int dev_rw(struct df *f, struct df_map *m, size_t off, void *buf,
		  size_t len, bool write)
{
	struct sim_device *sd = &wdev(f, m->dev)->sd;
	uint8_t *b = buf;

	if (m->kind != DF_SG)
		return write ? sim_dev_dma_write(sd, m->dma + off, b, len)
			     : sim_dev_dma_read(sd, m->dma + off, b, len);
	for (int i = 0; i < m->mapped && len; i++) {
		size_t n = m->sg[i].dma_length;
		int ret;

		if (off >= n) {
			off -= n;
			continue;
		}
		n -= off;
		if (n > len)
			n = len;
		ret = write ? sim_dev_dma_write(sd, m->sg[i].dma_address + off,
						b, n)
			    : sim_dev_dma_read(sd, m->sg[i].dma_address + off,
					       b, n);
		if (ret)
			return ret;
		b += n;
		len -= n;
		off = 0;
	}
	return len ? -1 : 0;
}

static void device_reads(struct df *f, struct df_map *m, size_t off, size_t len,
			 const char *what)
{
	memset(f->seen, 0, len);
	if (dev_rw(f, m, off, f->seen, len, false) && !f->tainted)
		broken(f, "%s: the device faulted reading %zu bytes at %zu",
		       what, len, off);
	judge(f, what, f->expect, f->seen, len);
}

static void device_writes(struct df *f, struct df_map *m, size_t off,
			  size_t len, const char *what)
{
	pattern(f, f->expect, len);
	if (dev_rw(f, m, off, f->expect, len, true) && !f->tainted)
		broken(f, "%s: the device faulted writing %zu bytes at %zu",
		       what, len, off);
}

static void cpu_reads(struct df *f, struct df_map *m, size_t off, size_t len,
		      const char *what)
{
	cpu_rw(m, off, f->seen, len, false);
	judge(f, what, f->expect, f->seen, len);
}

/* ---- operations ---- */

static struct df_map *free_slot(struct df *f)
{
	for (unsigned int i = 0; i < DF_MAX_LIVE; i++)
		if (!f->live[i].live)
			return &f->live[i];
	return NULL;
}

static struct df_map *pick(struct df *f, struct fuzz_in *in, bool coherent)
{
	unsigned int at = fuzz_u8(in);

	for (unsigned int i = 0; i < DF_MAX_LIVE; i++) {
		struct df_map *m = &f->live[(at + i) % DF_MAX_LIVE];

		if (m->live && (m->kind == DF_COHERENT) == coherent)
			return m;
	}
	return NULL;
}

static void release_pages(struct df *f, struct df_map *m)
{
	for (int i = 0; i < m->nents; i++)
		pages_free(f, m->dev, &m->pages[i]);
}

static enum dmk_data_direction pick_dir(uint8_t b)
{
	static const enum dmk_data_direction dirs[] = {
		DMK_DMA_TO_DEVICE, DMK_DMA_FROM_DEVICE, DMK_DMA_BIDIRECTIONAL};

	return dirs[b % 3];
}

static bool dev_reads_ok(enum dmk_data_direction dir)
{
	return dir != DMK_DMA_FROM_DEVICE;
}

static bool dev_writes_ok(enum dmk_data_direction dir)
{
	return dir != DMK_DMA_TO_DEVICE;
}

static void op_map(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = free_slot(f);
	uint8_t how = fuzz_u8(in);
	unsigned int d = fuzz_u8(in) % f->w->nr_devs;
	struct dmk_device *dev = &wdev(f, d)->dev;
	bool unchecked = how >= 0xf8; /* a misuse, named at the unmap */
	size_t total = 0;
	uint64_t before;

	f->op = "map";
	if (!m)
		return;
	memset(m, 0, sizeof(*m));
	m->kind = how % 3 == 2 ? DF_SG : how % 3 == 1 ? DF_SINGLE : DF_PAGE;
	m->dir = pick_dir(how >> 2);
	m->dev = d;
	m->nents = m->kind == DF_SG ? 1 + fuzz_u8(in) % DF_SG_MAX : 1;
	for (int i = 0; i < m->nents; i++) {
		size_t len = 1 + fuzz_u16(in) % (DF_MAX_BYTES - 1);
		size_t off = fuzz_u16(in) % DMK_PAGE_SIZE;

		if (off + len > DF_MAX_BYTES)
			off = DF_MAX_BYTES - len;
		if (pages_alloc(f, d, off + len, &m->pages[i])) {
			m->nents = i;
			release_pages(f, m);
			return;
		}
		m->off[i] = off;
		m->sg[i].phys = m->pages[i].phys + off;
		m->sg[i].length = (uint32_t)len;
		total += len;
	}
	m->size = total;
	pattern(f, f->expect, total);
	cpu_rw(m, 0, f->expect, total, true);
	before = reports(f);
	if (m->kind == DF_SG) {
		m->mapped = dmk_map_sg(dev, m->sg, m->nents, m->dir);
		if (m->mapped <= 0) {
			release_pages(f, m);
			expect_quiet(f, before);
			return;
		}
		m->checked = true;
	} else {
		if (m->kind == DF_SINGLE)
			m->dma = dmk_map_single(
				dev, (uint8_t *)m->pages[0].cpu + m->off[0],
				total, m->dir);
		else
			m->dma =
				dmk_map_page(dev, m->sg[0].phys, total, m->dir);
		if (m->dma == DMK_MAPPING_ERROR || !unchecked) {
			m->checked = true;
			if (dmk_mapping_error(dev, m->dma)) {
				release_pages(f, m);
				expect_quiet(f, before);
				return;
			}
		}
	}
	expect_quiet(f, before);
	m->live = true;
	if (dev_reads_ok(m->dir)) {
		size_t off = fuzz_u16(in) % total;
		size_t len = 1 + fuzz_u16(in) % (total - off);

		memmove(f->expect, f->expect + off, len);
		device_reads(f, m, off, len, "map, then the device reads");
	}
}

/* A part [*off, *off + *len) of a mapping of size bytes. */
static void range(struct fuzz_in *in, size_t size, size_t *off, size_t *len)
{
	*off = fuzz_u16(in) % size;
	*len = 1 + fuzz_u16(in) % (size - *off);
}

static void sync_cpu(struct df_map *m, struct dmk_device *dev, size_t off,
		     size_t len, bool whole, enum dmk_data_direction dir)
{
	if (m->kind == DF_SG)
		dmk_sync_sg_for_cpu(dev, m->sg, m->nents, dir);
	else if (whole)
		dmk_sync_single_for_cpu(dev, m->dma, m->size, dir);
	else
		dmk_sync_single_range_for_cpu(dev, m->dma, off, len, dir);
}

static void sync_device(struct df_map *m, struct dmk_device *dev, size_t off,
			size_t len, bool whole, enum dmk_data_direction dir)
{
	if (m->kind == DF_SG)
		dmk_sync_sg_for_device(dev, m->sg, m->nents, dir);
	else if (whole)
		dmk_sync_single_for_device(dev, m->dma, m->size, dir);
	else
		dmk_sync_single_range_for_device(dev, m->dma, off, len, dir);
}

/* The CPU writes a part and hands it to the device, which reads it. */
static void op_to_device(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, false);
	uint8_t how = fuzz_u8(in);
	struct dmk_device *dev;
	size_t off, len;
	uint64_t before;

	f->op = "cpu to device";
	if (!m || !dev_reads_ok(m->dir) || m->kind == DF_COHERENT)
		return;
	dev = &wdev(f, m->dev)->dev;
	range(in, m->size, &off, &len);
	before = reports(f);
	sync_cpu(m, dev, off, len, how & 1, m->dir);
	pattern(f, f->expect, len);
	cpu_rw(m, off, f->expect, len, true);
	sync_device(m, dev, off, len, how & 2, m->dir);
	expect_quiet(f, before);
	device_reads(f, m, off, len, "sync for the device, then it reads");
}

/* The device writes a part and hands it to the CPU, which reads it. */
static void op_from_device(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, false);
	uint8_t how = fuzz_u8(in);
	struct dmk_device *dev;
	size_t off, len;
	uint64_t before;

	f->op = "device to cpu";
	if (!m || !dev_writes_ok(m->dir))
		return;
	dev = &wdev(f, m->dev)->dev;
	range(in, m->size, &off, &len);
	before = reports(f);
	device_writes(f, m, off, len, "device write");
	sync_cpu(m, dev, off, len, how & 1, m->dir);
	cpu_reads(f, m, off, len, "sync for the CPU, then it reads");
	sync_device(m, dev, off, len, how & 2, m->dir);
	expect_quiet(f, before);
}

static void unmap(struct dmk_device *dev, struct df_map *m, size_t size,
		  enum dmk_data_direction dir)
{
	if (m->kind == DF_SG)
		dmk_unmap_sg(dev, m->sg, m->nents, dir);
	else if (m->kind == DF_SINGLE)
		dmk_unmap_single(dev, m->dma, size, dir);
	else
		dmk_unmap_page(dev, m->dma, size, dir);
}

static enum dmk_data_direction other_dir(enum dmk_data_direction dir)
{
	return dir == DMK_DMA_TO_DEVICE ? DMK_DMA_FROM_DEVICE
					: DMK_DMA_TO_DEVICE;
}

static void op_unmap(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, false);
	uint8_t how = fuzz_u8(in), misuse = fuzz_u8(in);
	struct dmk_device *dev;
	size_t off = 0, len = 0;
	uint64_t before;

	f->op = "unmap";
	if (!m)
		return;
	dev = &wdev(f, m->dev)->dev;
	if (!m->checked) {
		/* Mapped without asking dmk_mapping_error: the checker
		 * names it at the unmap. */
		f->op = "unmap of a mapping whose error was never checked";
		before = reports(f);
		unmap(dev, m, m->size, m->dir);
		expect_report(f, before, "unchecked map error");
	} else if (misuse % 16 == 1 && m->dir != DMK_DMA_BIDIRECTIONAL) {
		f->op = "unmap in the wrong direction";
		before = reports(f);
		unmap(dev, m, m->size, other_dir(m->dir));
		expect_report(f, before, "wrong direction");
	} else if (misuse % 16 == 2 && m->kind != DF_SG && m->size > 1) {
		f->op = "unmap with a smaller size";
		before = reports(f);
		unmap(dev, m, 1 + misuse % (m->size - 1), m->dir);
		expect_report(f, before, "wrong size");
	} else {
		if (dev_writes_ok(m->dir) && how & 1) {
			range(in, m->size, &off, &len);
			device_writes(f, m, off, len, "device write");
		}
		before = reports(f);
		unmap(dev, m, m->size, m->dir);
		expect_quiet(f, before);
		if (len)
			cpu_reads(f, m, off, len, "unmap, then the CPU reads");
		if (misuse % 16 == 3 && m->kind != DF_SG) {
			/* Nothing mapped since: the address is not reused. */
			f->op = "the same unmap twice";
			before = reports(f);
			unmap(dev, m, m->size, m->dir);
			expect_report(f, before, "double unmap");
		}
	}
	release_pages(f, m);
	m->live = false;
}

static void op_sync_misuse(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, false);
	uint8_t how = fuzz_u8(in);
	struct dmk_device *dev;
	uint64_t before;

	f->op = "sync misuse";
	if (!m || m->kind == DF_SG)
		return;
	dev = &wdev(f, m->dev)->dev;
	before = reports(f);
	if (how & 1 && m->dir != DMK_DMA_BIDIRECTIONAL) {
		f->op = "sync in the wrong direction";
		if (how & 2)
			dmk_sync_single_for_cpu(dev, m->dma, m->size,
						other_dir(m->dir));
		else
			dmk_sync_single_for_device(dev, m->dma, m->size,
						   other_dir(m->dir));
		expect_report(f, before, "sync direction");
	} else {
		/* Past the end, but within the mapping's last page. */
		size_t over = 1 + how % 16, off = fuzz_u16(in) % m->size;

		f->op = "sync past the end";
		if (how & 2)
			dmk_sync_single_range_for_cpu(
				dev, m->dma, off, m->size - off + over, m->dir);
		else
			dmk_sync_single_range_for_device(
				dev, m->dma, off, m->size - off + over, m->dir);
		expect_report(f, before, "sync past the end");
	}
}

static void op_unmap_error(struct df *f, struct fuzz_in *in)
{
	unsigned int d = fuzz_u8(in) % f->w->nr_devs;
	uint64_t before = reports(f);

	f->op = "unmap of the error value";
	dmk_unmap_page(&wdev(f, d)->dev, DMK_MAPPING_ERROR, DMK_PAGE_SIZE,
		       DMK_DMA_TO_DEVICE);
	expect_report(f, before, "unmap of DMK_MAPPING_ERROR");
}

static void coherent_exchange(struct df *f, struct df_map *m,
			      struct fuzz_in *in)
{
	size_t off, len;

	range(in, m->size, &off, &len);
	pattern(f, f->expect, len);
	cpu_rw(m, off, f->expect, len, true);
	device_reads(f, m, off, len, "coherent, the device reads");
	range(in, m->size, &off, &len);
	device_writes(f, m, off, len, "coherent write");
	cpu_reads(f, m, off, len, "coherent, the CPU reads");
}

static void op_alloc(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = free_slot(f);
	unsigned int d = fuzz_u8(in) % f->w->nr_devs;
	size_t size = 1 + fuzz_u16(in) % (4 * DF_MAX_BYTES);
	uint64_t before;

	f->op = "alloc coherent";
	if (!m)
		return;
	memset(m, 0, sizeof(*m));
	before = reports(f);
	m->coh = dmk_alloc_coherent(&wdev(f, d)->dev, size, &m->dma);
	expect_quiet(f, before);
	if (!m->coh)
		return;
	m->kind = DF_COHERENT;
	m->dev = d;
	m->size = size;
	m->dir = DMK_DMA_BIDIRECTIONAL;
	m->live = true;
	coherent_exchange(f, m, in);
}

static void op_coherent(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, true);

	f->op = "coherent exchange";
	if (m)
		coherent_exchange(f, m, in);
}

static void op_free(struct df *f, struct fuzz_in *in)
{
	struct df_map *m = pick(f, in, true);
	uint8_t misuse = fuzz_u8(in);
	struct dmk_device *dev;
	uint64_t before;
	size_t size;

	f->op = "free coherent";
	if (!m)
		return;
	dev = &wdev(f, m->dev)->dev;
	size = m->size;
	/* Another size in the same pages: the checker names it, the
	 * pages freed are the same. */
	if (misuse % 16 == 1 && size % DMK_PAGE_SIZE != 1)
		size--;
	else if (misuse % 16 == 1)
		size++;
	before = reports(f);
	dmk_free_coherent(dev, size, m->coh, m->dma);
	if (size != m->size) {
		f->op = "free coherent with another size";
		expect_report(f, before, "free size");
	} else {
		expect_quiet(f, before);
	}
	m->live = false;
}

static void op_mask(struct df *f, struct fuzz_in *in)
{
	unsigned int d = fuzz_u8(in) % f->w->nr_devs;
	uint8_t how = fuzz_u8(in);
	struct dmk_device *dev = &wdev(f, d)->dev;
	uint64_t before = reports(f);

	f->op = "mask change";
	if (how & 1) {
		dmk_set_mask(dev, f->orig_mask[d]);
		dmk_set_coherent_mask(dev, f->orig_cmask[d]);
	} else {
		/* Narrower than the bus reaches, never wider. */
		unsigned int bits = 24 + how % 41;
		uint64_t mask = DMK_BIT_MASK(bits);

		if (how & 2)
			dmk_set_mask(dev, mask & f->orig_mask[d]);
		else
			dmk_set_coherent_mask(dev, mask & f->orig_cmask[d]);
	}
	expect_quiet(f, before);
}

/* ---- the world ---- */

/* A window of RAM this wide is kept on each side of what a native
 * board's drivers can tell apart (bound_native_ram). */
#define DF_NATIVE_WINDOW (8UL << 20)
#define DF_MAX_WINDOWS                                                         \
	(2 * (SIM_MAX_BANKS + SIM_DESC_MAX_POOLS +                             \
	      3 * SIM_DESC_MAX_DEVS * (SIM_DESC_MAX_REGIONS + 1)))

struct df_range {
	uint64_t lo, hi; /* [lo, hi) */
};

static int range_cmp(const void *a, const void *b)
{
	const struct df_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void window(struct df_range *w, unsigned int *n, uint64_t lo,
		   uint64_t hi)
{
	uint64_t mask = SIM_PAGE_SIZE - 1;

	lo = lo > DF_NATIVE_WINDOW ? (lo - DF_NATIVE_WINDOW) & ~mask : 0;
	hi = hi + DF_NATIVE_WINDOW < hi
		     ? ~mask
		     : (hi + DF_NATIVE_WINDOW + mask) & ~mask;
	if (*n < DF_MAX_WINDOWS)
		w[(*n)++] = (struct df_range){lo, hi};
}

/*
 * The windows w[0..n) (sorted) within bank b, merged where they touch:
 * how many; each into out if not NULL; *span from the first to the
 * last if span is not NULL.
 */
static unsigned int bank_windows(const struct sim_bank *b,
				 const struct df_range *w, unsigned int n,
				 struct sim_bank *out, struct sim_bank *span)
{
	uint64_t end = b->base + b->size, last = 0, first = 0;
	unsigned int c = 0;

	for (unsigned int j = 0; j < n; j++) {
		uint64_t lo = w[j].lo > b->base ? w[j].lo : b->base;
		uint64_t hi = w[j].hi < end ? w[j].hi : end;

		if (lo >= hi)
			continue;
		if (c && lo <= last) {
			/* Touches the one before: it grows. */
			if (hi > last) {
				last = hi;
				if (out)
					out[c - 1].size = hi - out[c - 1].base;
			}
			continue;
		}
		if (!c)
			first = lo;
		if (out)
			out[c] = (struct sim_bank){lo, hi - lo};
		c++;
		last = hi;
	}
	if (span)
		*span = (struct sim_bank){first, last - first};
	return c;
}

/*
 * A native OS owns its whole board (2 GiB on arm64-native), and the
 * world's build and teardown cost grows with every page of it (the
 * domain's p2m, its page allocator and the host mappings of each run of
 * pages): such inputs ran three to four times as long as any other.  Keep
 * of the board's RAM only windows around what a driver can tell apart:
 * the start of each bank, each reserved pool whole (a restricted pool
 * must stay RAM), and each boundary of a device's reach (its dma-ranges
 * limit and regions, the top of its mask).  RAM stays on both sides of
 * each boundary, so a device still meets memory it cannot reach and
 * bounces it, the bounce pool still goes below the lowest limit, and the
 * restricted pool is where the board has it.  The banks stay at most as
 * many as the board had: the windows of one bank merge into its span.
 */
static void bound_native_ram(struct sim_world_desc *d)
{
	static struct df_range w[DF_MAX_WINDOWS];
	struct sim_bank banks[SIM_MAX_BANKS], span[SIM_MAX_BANKS];
	unsigned int count[SIM_MAX_BANKS];
	bool whole[SIM_MAX_BANKS];
	unsigned int n = 0, nb = 0, total = 0;

	for (unsigned int i = 0; i < d->nbanks; i++)
		window(w, &n, d->banks[i].base, d->banks[i].base);
	for (unsigned int i = 0; i < d->nr_pools; i++)
		window(w, &n, d->pools[i].base,
		       d->pools[i].base + d->pools[i].size);
	for (unsigned int i = 0; i < d->nr_devs; i++) {
		const struct sim_desc_device *dev = &d->devs[i];

		if (dev->dma_limit != ~0ULL)
			window(w, &n, dev->dma_limit + 1, dev->dma_limit + 1);
		if (dev->reach_bits < 64)
			window(w, &n, 1ULL << dev->reach_bits,
			       1ULL << dev->reach_bits);
		for (unsigned int r = 0; r < dev->nr_regions; r++) {
			uint64_t lo = dev->regions[r].cpu_start;

			window(w, &n, lo, lo);
			window(w, &n, lo + dev->regions[r].size,
			       lo + dev->regions[r].size);
		}
	}
	qsort(w, n, sizeof(w[0]), range_cmp);
	for (unsigned int i = 0; i < d->nbanks; i++) {
		count[i] = bank_windows(&d->banks[i], w, n, NULL, &span[i]);
		total += count[i];
	}
	/* Too many windows for the banks a board may have: the first banks
	 * kept whole from their first window to their last. */
	for (unsigned int i = 0; i < d->nbanks; i++) {
		whole[i] = total > SIM_MAX_BANKS && count[i] > 1;
		if (whole[i])
			total -= count[i] - 1;
	}
	for (unsigned int i = 0; i < d->nbanks; i++) {
		if (whole[i])
			banks[nb++] = span[i];
		else
			nb += bank_windows(&d->banks[i], w, n, &banks[nb],
					   NULL);
	}
	memcpy(d->banks, banks, nb * sizeof(banks[0]));
	d->nbanks = nb;
}

static const char *const *platforms(unsigned int *n)
{
	const char *const *names = sim_platform_names();

	for (*n = 0; names[*n]; (*n)++)
		;
	return names;
}

static int world_up(struct df *f, struct fuzz_in *in)
{
	struct sim_world_options opts;
	struct sim_world_desc desc;
	unsigned int n;
	const char *const *names = platforms(&n);
	uint8_t which = fuzz_u8(in), flags = fuzz_u8(in), fault = fuzz_u8(in);
	uint16_t k = fuzz_u16(in);
	char err[256];

	snprintf(f->platform, sizeof(f->platform), "%s", names[which % n]);
	if (sim_platform_desc(f->platform, &desc, err, sizeof(err)))
		broken(f, "no platform: %s", err);
	/* The guests smaller than the board's (a world builds in a tenth of
	 * the time): what a driver sees of the platform stays, its RAM
	 * layout, devices, reach, hypervisor and pools. */
	if (desc.dom0_pages > DF_GUEST_PAGES)
		desc.dom0_pages = DF_GUEST_PAGES;
	if (desc.domu_pages > DF_GUEST_PAGES)
		desc.domu_pages = DF_GUEST_PAGES;
	if (desc.hyp == SIM_HYP_NONE)
		bound_native_ram(&desc);
	sim_world_options_default(&opts);
	opts.seed = 1 + (which >> 4);
	opts.adversarial = flags & 1;
	opts.relocation = flags & 2;
	opts.cfg.debug = true;
	opts.cfg.swiotlb_force = flags & 4;
	opts.cfg.swiotlb_dynamic = flags & 8;
	/* A small pool fills: the full pool's error path runs too. */
	opts.cfg.swiotlb_bytes = (256UL << 10) << ((flags >> 4) % 4);
	f->log = open_memstream(&f->logbuf, &f->loglen);
	opts.log = f->log;
	f->op = "world build";
	if (sim_world_build(&desc, &opts, &f->w, err, sizeof(err)))
		broken(f, "the world did not build: %s", err);
	if (wl_drivers_probe(f->w))
		broken(f, "a driver did not probe");
	for (unsigned int d = 0; d < f->w->nr_devs; d++) {
		f->orig_mask[d] = f->w->devs[d].dev.dma_mask;
		f->orig_cmask[d] = f->w->devs[d].dev.coherent_dma_mask;
	}
	/* The injector: mostly off, else call k, every k-th, or 1/k. */
	switch (fault % 8) {
	case 4:
		sim_faults_init(&f->faults, SIM_FAULTS_NTH, 1 + k % 64, k);
		break;
	case 5:
		sim_faults_init(&f->faults, SIM_FAULTS_EVERY, 2 + k % 32, k);
		break;
	case 6:
	case 7:
		sim_faults_init(&f->faults, SIM_FAULTS_SEED, 2 + k % 16, k);
		break;
	default:
		sim_faults_init(&f->faults, SIM_FAULTS_OFF, 0, 0);
		break;
	}
	f->faulting = f->faults.mode != SIM_FAULTS_OFF;
	/* DMA_FUZZ_TRACE=1: a line per injected failure, to reproduce. */
	if (getenv("DMA_FUZZ_TRACE"))
		f->faults.trace = stderr;
	for (unsigned int g = 0; g < f->w->nr_guests; g++)
		f->w->guests[g].pd.faults = &f->faults;
	sim_faults_attach_env(&f->faults);
	f->rng = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)k << 8 | which);
	return 0;
}

/* Everything given back, correctly; then nothing may be held. */
static void teardown(struct df *f)
{
	struct wl_oracle o;

	f->op = "teardown";
	for (unsigned int i = 0; i < DF_MAX_LIVE; i++) {
		struct df_map *m = &f->live[i];
		struct dmk_device *dev;

		if (!m->live)
			continue;
		dev = &wdev(f, m->dev)->dev;
		if (m->kind == DF_COHERENT) {
			dmk_free_coherent(dev, m->size, m->coh, m->dma);
		} else {
			if (!m->checked)
				f->tainted = true; /* reported now */
			unmap(dev, m, m->size, m->dir);
			release_pages(f, m);
		}
		m->live = false;
	}
	sim_faults_attach_env(NULL);
	for (unsigned int g = 0; g < f->w->nr_guests; g++)
		f->w->guests[g].pd.faults = NULL;
	memset(&o, 0, sizeof(o));
	wl_oracle_finish(&o, f->w);
	if (!f->tainted && o.faults)
		broken(f, "%llu device faults", (unsigned long long)o.faults);
	if (!f->tainted && o.api_errors)
		broken(f, "%llu checker reports",
		       (unsigned long long)o.api_errors);
	/* A give-back Xen failed twice leaves a foreign mapping, by design
	 * (docs/faults.md); everything else goes back whatever failed. */
	if (!f->tainted && o.leaks && !checker_off(f) &&
	    !(f->faults.injected && strstr(o.leak_detail, "foreign")))
		broken(f, "left behind: %s", o.leak_detail);
	wl_drivers_remove(f->w);
	sim_world_destroy(f->w);
	sim_faults_destroy(&f->faults);
	fclose(f->log);
	free(f->logbuf);
}

unsigned int fuzz_target_one(const uint8_t *data, size_t len)
{
	struct fuzz_in in = {data, len};
	struct df *f = calloc(1, sizeof(*f));
	unsigned int ops = 0;

	if (!f)
		abort();
	world_up(f, &in);
	while (in.left && ops < DF_MAX_OPS) {
		/* Misuse is rare: after it, bytes are no longer judged. */
		switch (fuzz_u8(&in) % 32) {
		case 0 ... 7:
			op_map(f, &in);
			break;
		case 8 ... 11:
			op_to_device(f, &in);
			break;
		case 12 ... 15:
			op_from_device(f, &in);
			break;
		case 16 ... 21:
			op_unmap(f, &in);
			break;
		case 22 ... 23:
			op_alloc(f, &in);
			break;
		case 24 ... 25:
			op_coherent(f, &in);
			break;
		case 26 ... 27:
			op_free(f, &in);
			break;
		case 28 ... 29:
			op_mask(f, &in);
			break;
		case 30:
			op_sync_misuse(f, &in);
			break;
		default:
			op_unmap_error(f, &in);
			break;
		}
		ops++;
	}
	teardown(f);
	free(f);
	return ops;
}

/*
 * Seeds: each platform with faults off, then with the injector, then
 * with adversarial caches and a forced bounce; the ops of each an
 * xorshift stream.
 */
size_t fuzz_target_seed(unsigned int i, uint8_t *buf, size_t cap)
{
	unsigned int n;

	platforms(&n);
	if (i >= 3 * n || cap < 8)
		return 0;
	size_t len = 96 + (i * 53) % 160;

	if (len > cap)
		len = cap;
	fuzz_fill_stream(buf, len, 0x9e3779b97f4a7c15ULL * (i + 1), 24);
	buf[0] = (uint8_t)(i % n);
	buf[1] = (uint8_t)(i / n == 2 ? 0x05 : 0x00);
	buf[2] = (uint8_t)(i / n == 1 ? 6 : 0);
	return len;
}
