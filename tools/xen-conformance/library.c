// SPDX-License-Identifier: MIT
/*
 * The library itself in dom0 user space on real Xen, over the privcmd
 * platform (platform/privcmd): the platform is a back end for dmakit,
 * not only a way to make hypercalls, and this is where that is run.
 *
 * The cases compare the model with Xen; these checks have no model
 * side.  They ask the library, as a dom0 driver would, for a coherent
 * buffer and streaming mappings of a device with the Xen layer on (the
 * layer attaches itself from what the platform learnt with
 * XENVER_get_features), and check every DMA address against the frame
 * the system really has behind the CPU address: pagemap's frame, and on
 * x86 PV the machine frame dmk_p2m reads from the kernel's p2m, the
 * frame a device would be given (Linux's xen_phys_to_dma).  On a 1:1
 * ARM dom0 the two are one.
 *
 * Each check prints "lib NAME ok" or "lib NAME fail DETAIL", and the
 * run ends with "xc-library CHECKS FAILED"; compare.c reports them.
 */
#include "xc.h"

#include "privcmd.h"

#include <dmakit/dmakit.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/version.h>

/* Small: the pool is locked memory, taken from a 512 MiB dom0. */
#define LIB_POOL_PAGES 64

struct lib {
	FILE *out;
	unsigned int checks, failed;
	struct dmk_privcmd *pc;
	const struct dmk_platform *p;
};

static bool check(struct lib *l, const char *name, bool ok, const char *fmt,
		  ...)
{
	l->checks++;
	if (ok) {
		fprintf(l->out, "lib %s ok\n", name);
		return true;
	}
	l->failed++;
	fprintf(l->out, "lib %s fail ", name);
	if (fmt) {
		va_list ap;

		va_start(ap, fmt);
		vfprintf(l->out, fmt, ap);
		va_end(ap);
	}
	fputc('\n', l->out);
	return false;
}

/* The bus address a device must be given for the byte at cpu: its
 * machine address (no IOMMU, no bus offset in these machines). */
static uint64_t machine_addr(struct lib *l, const void *cpu)
{
	uint64_t frame = dmk_privcmd_frame(l->pc, cpu), mfn;

	if (frame == DMK_PRIVCMD_NO_FRAME)
		return ~0ULL;
	mfn = dmk_privcmd_mfn(l->pc, frame);
	if (mfn == DMK_PRIVCMD_NO_FRAME)
		return ~0ULL;
	return (mfn << DMK_PAGE_SHIFT) | ((uintptr_t)cpu & (DMK_PAGE_SIZE - 1));
}

/* What the platform told the library about the hypervisor below. */
static void check_platform(struct lib *l, long version)
{
	const struct dmk_platform *p = l->p;
	bool arm = p->arch != DMK_ARCH_X86_64;
	long v = p->ops->hypercall(p->ctx, __HYPERVISOR_xen_version,
				   XENVER_version, 0, 0);

	check(l, "hypercall_hook", v == version, "XENVER_version %ld, %ld", v,
	      version);
	check(l, "xen_dom0", p->xen && p->xen_initial_domain && p->domid == 0,
	      "xen %d initial %d domid %u", p->xen, p->xen_initial_domain,
	      p->domid);
	check(l, "pv", p->xen_pv == !arm, "xen_pv %d on %s", p->xen_pv,
	      arm ? "ARM" : "x86");
	/* x86 PV: the pool's p2m, from dmk_p2m, is what lets the library
	 * name machine frames at all. */
	if (!arm)
		check(l, "pv_p2m", p->xen_pv_p2m && p->xen_pv_nr_pages,
		      "no p2m (is dmk_p2m loaded?)");
}

/* One device through the Xen layer: a coherent page and two streaming
 * mappings, every address checked. */
static void check_device(struct lib *l, struct dmk_system *sys, bool coherent)
{
	const char *tag = coherent ? "coherent" : "noncoherent";
	struct dmk_device dev;
	dmk_addr_t handle = 0, bus;
	dmk_phys_t phys = 0;
	char name[64];
	uint8_t *cpu;
	uint64_t ma;

	snprintf(name, sizeof(name), "%s_setup", tag);
	memset(&dev, 0, sizeof(dev));
	if (!check(l, name, dmk_device_init(&dev, sys, tag) == 0, NULL))
		return;
	dev.coherent = coherent;
	dmk_set_mask_and_coherent(&dev, ~0ULL);
	snprintf(name, sizeof(name), "%s_setup_dma", tag);
	if (!check(l, name, dmk_device_setup_dma(&dev) == 0, NULL))
		goto out;

	/* A coherent buffer for a snooping device: ordinary RAM, and the
	 * handle is its machine address (xen_swiotlb_alloc_coherent).  A
	 * device that does not snoop needs an uncached mapping, which user
	 * space cannot make: the library must say no, not hand out a
	 * cacheable buffer. */
	cpu = dmk_alloc_coherent(&dev, DMK_PAGE_SIZE, &handle);
	snprintf(name, sizeof(name), "%s_alloc", tag);
	if (!coherent) {
		check(l, name, cpu == NULL,
		      "a cacheable buffer for a "
		      "non-coherent device");
		if (cpu)
			dmk_free_coherent(&dev, DMK_PAGE_SIZE, cpu, handle);
		/* Streaming needs a page of RAM: take one from the pool. */
		cpu = l->p->ops->alloc_pages(l->p->ctx, 0, ~0ULL, &phys);
		if (!check(l, "noncoherent_page", cpu != NULL, NULL))
			goto out;
	} else {
		ma = machine_addr(l, cpu);
		if (!check(l, name, cpu && handle == ma,
			   "cpu %p handle %#llx machine %#llx", (void *)cpu,
			   (unsigned long long)handle, (unsigned long long)ma))
			goto out;
	}

	/* Streaming both ways, at an offset: the bus address is the
	 * machine address of that byte, no bounce needed (dom0's RAM is
	 * within a 64-bit mask, and on ARM 1:1). */
	memset(cpu, 0x5a, DMK_PAGE_SIZE);
	ma = machine_addr(l, cpu + 8);
	bus = dmk_map_single(&dev, cpu + 8, 64, DMK_DMA_TO_DEVICE);
	snprintf(name, sizeof(name), "%s_map_to_device", tag);
	check(l, name, bus == ma, "bus %#llx machine %#llx",
	      (unsigned long long)bus, (unsigned long long)ma);
	if (bus != DMK_MAPPING_ERROR)
		dmk_unmap_single(&dev, bus, 64, DMK_DMA_TO_DEVICE);
	bus = dmk_map_single(&dev, cpu + 128, 256, DMK_DMA_FROM_DEVICE);
	snprintf(name, sizeof(name), "%s_map_from_device", tag);
	check(l, name, bus == machine_addr(l, cpu + 128),
	      "bus %#llx machine %#llx", (unsigned long long)bus,
	      (unsigned long long)machine_addr(l, cpu + 128));
	if (bus != DMK_MAPPING_ERROR)
		dmk_unmap_single(&dev, bus, 256, DMK_DMA_FROM_DEVICE);
	/* The CPU's bytes survive the maintenance (on arm64 a "to device"
	 * clean and a "from device" clean+invalidate: nothing wrote DRAM
	 * behind the cache, so the data must read back). */
	snprintf(name, sizeof(name), "%s_bytes_kept", tag);
	check(l, name, cpu[8] == 0x5a && cpu[383] == 0x5a, NULL);

	if (coherent)
		dmk_free_coherent(&dev, DMK_PAGE_SIZE, cpu, handle);
	else
		l->p->ops->free_pages(l->p->ctx, phys, 0);
out:
	dmk_device_fini(&dev);
}

unsigned int xc_library_run(FILE *out, long version)
{
	struct dmk_privcmd_config cfg = {.pool_pages = LIB_POOL_PAGES};
	struct lib l = {.out = out};
	struct dmk_system_config scfg;
	struct dmk_system *sys;
	int rc;

	rc = dmk_privcmd_open(&cfg, &l.pc);
	if (check(&l, "open", rc == 0, "dmk_privcmd_open: %d", rc)) {
		l.p = dmk_privcmd_platform(l.pc);
		check_platform(&l, version);
		dmk_system_config_default(&scfg);
		scfg.xen = true;
		scfg.swiotlb_bytes =
			0; /* no bounce pool: see docs/privcmd.md */
		rc = dmk_system_create(&sys, l.p, &scfg);
		if (check(&l, "system", rc == 0, "dmk_system_create: %d", rc)) {
			check_device(&l, sys, true);
			/* Only arm64 user space can keep a non-coherent
			 * device right (platform.c): there the library
			 * cleans and invalidates from user space. */
			if (l.p->arch == DMK_ARCH_ARM64)
				check_device(&l, sys, false);
			dmk_system_destroy(sys);
		}
		dmk_privcmd_close(l.pc);
	}
	fprintf(out, "xc-library %u %u\n", l.checks, l.failed);
	return l.failed;
}
