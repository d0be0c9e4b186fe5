// SPDX-License-Identifier: MIT
/*
 * The real world: dom0 user space on real Xen, through the privcmd
 * platform (platform/privcmd) and Linux's gntalloc for grants.
 *
 * Everything the process touches is locked (mlockall) before any case
 * runs, so a handle that points at our stack or heap is memory Xen can
 * copy from; a case's pages are mapped one by one and locked, their
 * frames from pagemap.  Pages whose p2m a case changed are never given
 * back to Linux: a case puts them back, and if it could not, Linux must
 * not reuse them.
 *
 * The dom0 facts (what only a real dom0 has) come from /proc/iomem, the
 * device tree's /hypervisor node (ARM), XENMEM_machine_memory_map (x86)
 * and, for the start of RAM on ARM, from cache_flush: it calls a frame
 * that is not RAM -EINVAL and a frame of someone else's -EPERM.
 */
#include "xc.h"

#include "privcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xen/errno.h>
#include <xen/sys/gntalloc.h>

struct real {
	struct dmk_privcmd *pc;
	int gntalloc_fd;
};

static long real_hypercall(struct xc_env *e, unsigned int op, unsigned long a1,
			   unsigned long a2, unsigned long a3)
{
	struct real *r = e->priv;

	return dmk_privcmd_hypercall(r->pc, op, a1, a2, a3);
}

/* One locked page. */
static int lock_page(struct real *r, uint8_t *va, uint64_t *frame)
{
	if (dmk_privcmd_lock(va, XC_PAGE_SIZE))
		return -ENOMEM;
	memset(va, 0, XC_PAGE_SIZE);
	*frame = dmk_privcmd_frame(r->pc, va);
	return *frame == DMK_PRIVCMD_NO_FRAME ? -EPERM : 0;
}

/* Is the page with frame f among frames[0..n)?  Its index, or -1. */
static long index_of(const uint64_t *frames, size_t n, uint64_t f)
{
	for (size_t i = 0; i < n; i++)
		if (frames[i] == f)
			return (long)i;
	return -1;
}

/*
 * 2^order guest-contiguous pages: user space cannot ask for them, only
 * look for them.  A fresh mapping's pages mostly come from one buddy
 * block, handed out in descending order (the per-CPU lists are LIFO),
 * so frames are contiguous but not in address order.  Map more than
 * needed, fault it in, find an aligned run of frames among its pages,
 * and move those pages (mremap keeps the frame and the lock) into a new
 * range in frame order; the rest goes back.
 */
static int real_page_alloc(struct xc_env *e, unsigned int order,
			   struct xc_page *pg)
{
	struct real *r = e->priv;
	size_t n = (size_t)1 << order, span = 4 * n + 64;
	uint8_t *base, *dst = MAP_FAILED;
	uint64_t *frames = NULL, first = 0;
	bool found = false;
	int rc = -ENOMEM;

	if (order == 0) {
		uint8_t *va = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (va == MAP_FAILED)
			return -errno;
		pg->va = va;
		return lock_page(r, va, &pg->frame);
	}
	base = mmap(NULL, span * XC_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	frames = calloc(span, sizeof(*frames));
	if (base == MAP_FAILED || !frames ||
	    dmk_privcmd_lock(base, span * XC_PAGE_SIZE))
		goto out;
	for (size_t i = 0; i < span; i++) {
		frames[i] = dmk_privcmd_frame(r->pc, base + i * XC_PAGE_SIZE);
		if (frames[i] == DMK_PRIVCMD_NO_FRAME)
			goto out;
	}
	for (size_t i = 0; i < span && !found; i++) {
		uint64_t f = frames[i] & ~(uint64_t)(n - 1);

		found = true;
		for (size_t k = 0; k < n && found; k++)
			found = index_of(frames, span, f + k) >= 0;
		first = f;
	}
	if (!found)
		goto out;
	dst = mmap(NULL, n * XC_PAGE_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (dst == MAP_FAILED)
		goto out;
	for (size_t k = 0; k < n; k++) {
		long i = index_of(frames, span, first + k);
		void *to = dst + k * XC_PAGE_SIZE;

		if (mremap(base + (size_t)i * XC_PAGE_SIZE, XC_PAGE_SIZE,
			   XC_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED,
			   to) != to)
			goto out;
	}
	pg->va = dst;
	pg->frame = first;
	memset(dst, 0, n * XC_PAGE_SIZE);
	rc = 0;
out:
	if (rc && dst != MAP_FAILED)
		munmap(dst, n * XC_PAGE_SIZE);
	/* What was not moved goes back to Linux: a case never named those
	 * frames to Xen. */
	if (base != MAP_FAILED)
		munmap(base, span * XC_PAGE_SIZE);
	free(frames);
	return rc;
}

static void real_page_free(struct xc_env *e, struct xc_page *pg,
			   unsigned int order)
{
	(void)e;
	munmap(pg->va, XC_PAGE_SIZE << order);
	pg->va = NULL;
}

static int real_grant_alloc(struct xc_env *e, domid_t to, bool writable,
			    struct xc_grant *g)
{
	struct real *r = e->priv;
	struct ioctl_gntalloc_alloc_gref op = {
		.domid = to,
		.flags = writable ? GNTALLOC_FLAG_WRITABLE : 0,
		.count = 1,
	};
	void *va;

	if (r->gntalloc_fd < 0)
		return -ENODEV;
	if (ioctl(r->gntalloc_fd, IOCTL_GNTALLOC_ALLOC_GREF, &op))
		return -errno;
	va = mmap(NULL, XC_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		  r->gntalloc_fd, (off_t)op.index);
	if (va == MAP_FAILED)
		return -errno;
	g->va = va;
	g->ref = op.gref_ids[0];
	g->index = (uint32_t)op.index;
	g->frame = dmk_privcmd_frame(r->pc, va);
	return g->frame == DMK_PRIVCMD_NO_FRAME ? -EPERM : 0;
}

static uint64_t real_mfn(struct xc_env *e, uint64_t frame)
{
	struct real *r = e->priv;

	return dmk_privcmd_mfn(r->pc, frame);
}

static void real_grant_free(struct xc_env *e, struct xc_grant *g)
{
	struct real *r = e->priv;
	struct ioctl_gntalloc_dealloc_gref op = {.index = g->index, .count = 1};

	munmap(g->va, XC_PAGE_SIZE);
	ioctl(r->gntalloc_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op);
	g->va = NULL;
}

static const struct xc_env_ops real_ops = {
	.name = "xen",
	.hypercall = real_hypercall,
	.page_alloc = real_page_alloc,
	.page_free = real_page_free,
	.mfn = real_mfn,
	.grant_alloc = real_grant_alloc,
	.grant_free = real_grant_free,
};

int xc_env_privcmd_open(struct xc_env *e)
{
	struct dmk_privcmd_config cfg = {0};
	struct real *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return XC_EXIT_ENV;
	rc = dmk_privcmd_open(&cfg, &r->pc);
	if (rc) {
		fprintf(stderr, "xen-conformance: /dev/xen/privcmd: %s\n",
			strerror(-rc));
		free(r);
		return XC_EXIT_ENV;
	}
	r->gntalloc_fd = open("/dev/xen/gntalloc", O_RDWR | O_CLOEXEC);
	e->ops = &real_ops;
	e->priv = r;
	if (xc_bad_mem_init(&e->bad)) {
		fprintf(stderr, "xen-conformance: cannot map test memory\n");
		return XC_EXIT_ENV;
	}
#if defined(__aarch64__)
	e->facts.arch = XC_ARM64;
#elif defined(__arm__)
	e->facts.arch = XC_ARM32;
#else
	e->facts.arch = XC_X86_64;
#endif
	return 0;
}

void xc_env_privcmd_close(struct xc_env *e)
{
	struct real *r = e->priv;

	if (!r)
		return;
	if (r->gntalloc_fd >= 0)
		close(r->gntalloc_fd);
	dmk_privcmd_close(r->pc);
	free(r);
	e->priv = NULL;
}

/* ---- dom0 facts ---- */

static int add(struct xc_range *r, unsigned int *n, uint64_t start,
	       uint64_t end)
{
	if (*n == XC_MAX_RANGES || start >= end)
		return -1;
	r[*n].start = start;
	r[*n].end = end;
	(*n)++;
	return 0;
}

/* Top-level /proc/iomem entries: "System RAM" is dom0's RAM; the first
 * entry that names a device gives a device frame. */
static void read_iomem(struct xc_facts *f)
{
	FILE *fp = fopen("/proc/iomem", "r");
	char line[256];

	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		unsigned long long a, b;
		char name[200];

		if (line[0] == ' ')
			continue;
		if (sscanf(line, "%llx-%llx : %199[^\n]", &a, &b, name) != 3)
			continue;
		if (strcmp(name, "System RAM") == 0) {
			add(f->ram, &f->nram, a >> XC_PAGE_SHIFT,
			    (b + 1) >> XC_PAGE_SHIFT);
		} else if (!f->mmio_frame && strcmp(name, "Reserved") &&
			   strcmp(name, "reserved") &&
			   strcmp(name, "RAM buffer") &&
			   strncmp(name, "PCI", 3) &&
			   strncmp(name, "pcie", 4)) {
			f->mmio_frame = a >> XC_PAGE_SHIFT;
		}
	}
	fclose(fp);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ARM: /hypervisor reg = the grant-table region, then the extended
 * regions (two address and two size cells on QEMU's virt board). */
static void read_hypervisor_node(struct xc_facts *f)
{
	FILE *fp = fopen("/proc/device-tree/hypervisor/reg", "rb");
	uint8_t buf[16 * (XC_MAX_RANGES + 1)];
	size_t n;

	if (!fp)
		return;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	for (size_t off = 0; off + 16 <= n; off += 16) {
		uint64_t base = be64(buf + off), size = be64(buf + off + 8);
		uint64_t s = base >> XC_PAGE_SHIFT;
		uint64_t e = (base + size) >> XC_PAGE_SHIFT;

		if (off == 0) {
			f->gnt_region.start = s;
			f->gnt_region.end = e;
		} else {
			add(f->ext, &f->next, s, e);
		}
	}
}

/* x86: the host's E820 (Xen's), RAM entries only. */
struct e820entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static void read_machine_map(struct xc_env *e, struct xc_facts *f)
{
	struct e820entry map[64];
	struct xen_memory_map mm = {.nr_entries = 64};

	set_xen_guest_handle(mm.buffer, map);
	if (e->ops->hypercall(e, __HYPERVISOR_memory_op,
			      XENMEM_machine_memory_map, (unsigned long)&mm, 0))
		return;
	for (unsigned int i = 0; i < mm.nr_entries && i < 64; i++)
		if (map[i].type == 1)
			add(f->machine, &f->nmachine,
			    (map[i].addr + XC_PAGE_SIZE - 1) >> XC_PAGE_SHIFT,
			    (map[i].addr + map[i].size) >> XC_PAGE_SHIFT);
}

static long flush_probe(struct xc_env *e, uint64_t frame)
{
	struct gnttab_cache_flush cf = {
		.a.dev_bus_addr = frame << XC_PAGE_SHIFT,
		.length = 64,
		.op = GNTTAB_CACHE_CLEAN,
	};

	return e->ops->hypercall(e, __HYPERVISOR_grant_table_op,
				 GNTTABOP_cache_flush, (unsigned long)&cf, 1);
}

/* ARM: machine RAM is one bank from the lowest frame (at 1 MiB steps
 * below dom0's RAM) that cache_flush does not call invalid, up to
 * maximum_ram_page. */
static void probe_machine_ram(struct xc_env *e, struct xc_facts *f)
{
	uint64_t low = f->nram ? f->ram[0].start : 0, step = 256;

	while (low >= step && flush_probe(e, low - step) != -XEN_EINVAL)
		low -= step;
	add(f->machine, &f->nmachine, low, (uint64_t)f->max_ram_page);
}

int xc_discover_dom0_facts(struct xc_env *e, struct xc_facts *f)
{
	read_iomem(f);
	if (f->arch == XC_X86_64) {
		read_machine_map(e, f);
	} else {
		read_hypervisor_node(f);
		probe_machine_ram(e, f);
	}
	return 0;
}
