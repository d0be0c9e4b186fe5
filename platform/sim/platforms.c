/* SPDX-License-Identifier: MIT */
/*
 * The built-in platforms: descriptions written by hand, as a board file
 * would be, each chosen to exercise one situation of the 2013 thread.
 *
 * Sizes are modest (about 1 GiB of machine RAM, a few hundred MiB per
 * guest) so that a run takes a second; memory that is described but
 * never touched costs nothing (memfds are sparse).
 */
#include "world.h"

#include <stdio.h>
#include <string.h>

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define PAGES(bytes) ((bytes) >> SIM_PAGE_SHIFT)
#define NO_LIMIT (~0ULL)

struct builtin {
	const char *name;
	const char *summary;
	void (*fill)(struct sim_world_desc *d);
};

static void add_bank(struct sim_world_desc *d, uint64_t base, uint64_t size)
{
	d->banks[d->nbanks].base = base;
	d->banks[d->nbanks].size = size;
	d->nbanks++;
}

struct sim_desc_device *sim_desc_add_device(struct sim_world_desc *d,
					    const char *name,
					    const char *compatible,
					    bool coherent,
					    unsigned int reach_bits)
{
	struct sim_desc_device *dev = &d->devs[d->nr_devs++];

	memset(dev, 0, sizeof(*dev));
	snprintf(dev->path, sizeof(dev->path), "%s", name);
	snprintf(dev->compatible, sizeof(dev->compatible), "%s", compatible);
	dev->coherent = coherent;
	dev->reach_bits = reach_bits;
	dev->mask_from = SIM_MASK_BUILTIN;
	dev->dma_limit = NO_LIMIT;
	dev->smmu = -1;
	dev->pool = -1;
	return dev;
}

/*
 * RAM below and above 4 GiB.  The block controller sits on a bus like the
 * Raspberry Pi 4's: dma-ranges put CPU address 0 at bus 0xc0000000 and
 * cover only the first GiB, so its buffers above 1 GiB bounce, and the
 * swiotlb pool must lie below 1 GiB.  The 32-bit NIC bounces whatever
 * lies above 4 GiB.
 */
static void fill_arm64_native(struct sim_world_desc *d)
{
	struct sim_desc_device *blk, *wifi;

	d->arch = DMK_ARCH_ARM64;
	d->hyp = SIM_HYP_NONE;
	add_bank(d, 0x0ULL, 1536 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	sim_desc_add_device(d, "nic0", "dmakit,nic-64-coherent", true, 64);
	sim_desc_add_device(d, "nic1", "dmakit,nic-32-noncoherent", false, 32);
	blk = sim_desc_add_device(d, "blk0", "dmakit,blk-dma-ranges", false,
				  32);
	blk->bus_offset = 0xc0000000ULL;
	blk->dma_limit = 0x3fffffffULL;
	sim_desc_add_device(d, "accel0", "dmakit,accel-64-coherent", true, 64);
	/* A device confined to its own bounce pool (restricted-dma-pool),
	 * as Chromebooks confine their Wi-Fi: it can reach nothing else. */
	snprintf(d->pools[0].name, sizeof(d->pools[0].name), "wifi-pool");
	d->pools[0].base = 0x3e000000ULL;
	d->pools[0].size = 16 * MiB;
	d->pools[0].restricted = true;
	d->nr_pools = 1;
	wifi = sim_desc_add_device(d, "wifi0", "dmakit,wifi-restricted-pool",
				   false, 32);
	wifi->pool = 0;
}

/* The devices of the Xen dom0 platforms: coherent and not, one whose
 * driver installs its own dma_ops, one that reaches only 32 bits. */
static void add_dom0_devices(struct sim_world_desc *d)
{
	struct sim_desc_device *own;

	sim_desc_add_device(d, "eth0", "dmakit,nic-64-coherent", true, 64);
	own = sim_desc_add_device(d, "eth1", "dmakit,nic-own-ops", false, 64);
	own->own_ops = true;
	sim_desc_add_device(d, "blk0", "dmakit,blk-32-noncoherent", false, 32);
	sim_desc_add_device(d, "gpu0", "dmakit,gpu-40-coherent", true, 40);
}

/* The ARM64 Xen board: RAM below and above 4 GiB, the dom0 devices. */
static void fill_arm64_xen(struct sim_world_desc *d, enum sim_hyp hyp,
			   uint64_t dom0_bytes)
{
	d->arch = DMK_ARCH_ARM64;
	d->hyp = hyp;
	add_bank(d, 0x40000000ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(dom0_bytes);
	add_dom0_devices(d);
}

/* Xen on ARM64 with dom0 NOT mapped 1:1: the situation of the thread.
 * Guest-contiguous is not machine-contiguous; exchange-and-pin on. */
static void fill_arm64_dom0(struct sim_world_desc *d)
{
	fill_arm64_xen(d, SIM_HYP_XEN_ARM, 256 * MiB);
}

/* Xen on ARM64 as Xen has done it since 4.4: dom0 mapped 1:1. */
static void fill_arm64_dom0_1to1(struct sim_world_desc *d)
{
	fill_arm64_xen(d, SIM_HYP_XEN_ARM_1TO1, 384 * MiB);
}

/* 32-bit ARM (LPAE) dom0, not 1:1, with RAM above 4 GiB: the native
 * ARM allocator (arm_dma_ops.alloc) behind xen_alloc_coherent_pages. */
static void fill_arm32_dom0(struct sim_world_desc *d)
{
	d->arch = DMK_ARCH_ARM32;
	d->hyp = SIM_HYP_XEN_ARM;
	add_bank(d, 0x80000000ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(256 * MiB);
	sim_desc_add_device(d, "eth0", "dmakit,nic-32-coherent", true, 32);
	sim_desc_add_device(d, "eth1", "dmakit,nic-32-noncoherent", false, 32);
	sim_desc_add_device(d, "blk0", "dmakit,blk-32-noncoherent", false, 32);
}

/* x86 PV dom0: every device snoops; free pages are coherent, but a
 * 32-bit device needs machine frames below 4 GiB (XENMEM_exchange). */
static void fill_x86_pv_dom0(struct sim_world_desc *d)
{
	d->arch = DMK_ARCH_X86_64;
	d->hyp = SIM_HYP_XEN_X86_PV;
	add_bank(d, 0x0ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(256 * MiB);
	sim_desc_add_device(d, "eth0", "dmakit,nic-64", true, 64);
	sim_desc_add_device(d, "ahci0", "dmakit,blk-32", true, 32);
	sim_desc_add_device(d, "gpu0", "dmakit,gpu-40", true, 40);
}

/*
 * A domU with an assigned device and no SMMU ("they could also happen
 * in a DomU if we assign a physical device to it"): the domU needs the
 * same treatment as a non-1:1 dom0.  dom0 is 1:1 and runs a netback
 * over its own NIC for the domU's front end.
 */
static void fill_arm64_domu_passthrough(struct sim_world_desc *d)
{
	struct sim_desc_device *pt;

	d->arch = DMK_ARCH_ARM64;
	d->hyp = SIM_HYP_XEN_ARM_1TO1;
	add_bank(d, 0x40000000ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(256 * MiB);
	d->domu_pages = PAGES(192 * MiB);
	d->domu_passthrough = true;
	sim_desc_add_device(d, "eth0", "dmakit,nic-64-noncoherent", false, 64);
	sim_desc_add_device(d, "eth1", "dmakit,nic-32-coherent", true, 32);
	pt = sim_desc_add_device(d, "pt-nic0", "dmakit,nic-32-noncoherent",
				 false, 32);
	pt->guest = 1;
	pt = sim_desc_add_device(d, "pt-blk0", "dmakit,blk-64-coherent", true,
				 64);
	pt->guest = 1;
}

/*
 * An x86 PVH (or HVM) domU next to a PV dom0: the domU is autotranslated
 * and its assigned NIC sits behind Xen's IOMMU (VT-d / AMD-Vi), which
 * translates with the domU's own p2m.  Linux brings up no swiotlb-xen
 * there (xen_swiotlb_detect is for PV, and for 1:1 ARM guests): plain
 * dma-direct, no exchange, bus address = guest-physical.
 */
static void fill_x86_pvh_domu(struct sim_world_desc *d)
{
	struct sim_desc_device *pt;

	d->arch = DMK_ARCH_X86_64;
	d->hyp = SIM_HYP_XEN_X86_PV;
	add_bank(d, 0x0ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(256 * MiB);
	d->domu_pages = PAGES(192 * MiB);
	d->domu_hvm = true;
	snprintf(d->smmus[0].name, sizeof(d->smmus[0].name), "iommu@vtd");
	d->smmus[0].coherent = true;
	d->nr_smmus = 1;
	sim_desc_add_device(d, "eth0", "dmakit,nic-64", true, 64);
	sim_desc_add_device(d, "ahci0", "dmakit,blk-32", true, 32);
	pt = sim_desc_add_device(d, "pt-nic0", "dmakit,nic-32", true, 32);
	pt->guest = 1;
	pt->smmu = 0;
	pt->stream_id = 1;
}

/*
 * A domU whose devices are virtio, served by backends in dom0 (QEMU or
 * vhost there), as on every current Xen-on-ARM deployment without
 * passthrough.  The domU is not 1:1 and has no swiotlb-xen (Linux's
 * xen_swiotlb_detect); the backend owns none of its frames, so each
 * device gets grant DMA: virtio-net through the device tree binding
 * `iommus = <&xen_grant_dma 0>`, virtio-blk without one, because the
 * platform forces grants for every virtio device
 * (CONFIG_XEN_VIRTIO_FORCE_GRANT).  dom0 keeps a NIC of its own.
 */
static void fill_arm64_domu_virtio_grant(struct sim_world_desc *d)
{
	struct sim_desc_device *v;

	d->arch = DMK_ARCH_ARM64;
	d->hyp = SIM_HYP_XEN_ARM_1TO1;
	add_bank(d, 0x40000000ULL, 512 * MiB);
	add_bank(d, 0x100000000ULL, 512 * MiB);
	d->dom0_pages = PAGES(256 * MiB);
	d->domu_pages = PAGES(192 * MiB);
	d->virtio_force_grant = true;
	sim_desc_add_device(d, "eth0", "dmakit,nic-64-coherent", true, 64);
	v = sim_desc_add_device(d, "virtio-net0", "virtio,mmio", true, 64);
	v->guest = 1;
	v->virtio = true;
	v->grant_dma = true;
	v->grant_backend = 0;
	v = sim_desc_add_device(d, "virtio-blk0", "virtio,mmio", true, 64);
	v->guest = 1;
	v->virtio = true;
}

static const struct builtin builtins[] = {
	{"arm64-dom0",
	 "Xen on ARM64, dom0 not 1:1 (exchange-and-pin), no SMMU; the default",
	 fill_arm64_dom0},
	{"arm64-dom0-1to1", "Xen 4.17 on ARM64, dom0 mapped 1:1, no SMMU",
	 fill_arm64_dom0_1to1},
	{"arm32-dom0",
	 "Xen on 32-bit ARM (LPAE), dom0 not 1:1, RAM above 4 GiB",
	 fill_arm32_dom0},
	{"x86-pv-dom0",
	 "Xen x86 PV dom0, every device coherent, a 32-bit device",
	 fill_x86_pv_dom0},
	{"arm64-domU-passthrough",
	 "Xen on ARM64, 1:1 dom0 with netback, a domU with assigned devices",
	 fill_arm64_domu_passthrough},
	{"arm64-native",
	 "ARM64 without a hypervisor, RAM above 4 GiB, limited and offset buses",
	 fill_arm64_native},
	{"x86-pvh-domU",
	 "Xen x86: PV dom0, a PVH domU whose assigned NIC is behind the IOMMU",
	 fill_x86_pvh_domu},
	{"arm64-domU-virtio-grant",
	 "Xen on ARM64, a domU with virtio-net and virtio-blk on grant DMA, backends in dom0",
	 fill_arm64_domu_virtio_grant},
};

#define NR_BUILTINS (sizeof(builtins) / sizeof(builtins[0]))

static const struct builtin *find_builtin(const char *name)
{
	for (size_t i = 0; i < NR_BUILTINS; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

int sim_platform_desc(const char *name, struct sim_world_desc *desc, char *err,
		      size_t errlen)
{
	const struct builtin *b = name ? find_builtin(name) : NULL;

	if (!b) {
		if (err && errlen)
			snprintf(
				err, errlen,
				"unknown platform '%s' (known: arm64-dom0, arm64-dom0-1to1, arm32-dom0, x86-pv-dom0, arm64-domU-passthrough, arm64-native, x86-pvh-domU, arm64-domU-virtio-grant, or a .dtb file)",
				name ? name : "");
		return -1;
	}
	memset(desc, 0, sizeof(*desc));
	snprintf(desc->name, sizeof(desc->name), "%s", b->name);
	b->fill(desc);
	return 0;
}

/* The same order as builtins[]; checked at compile time by count and by
 * the integration tests by name. */
static const char *const builtin_names[] = {
	"arm64-dom0",	"arm64-dom0-1to1",	   "arm32-dom0",
	"x86-pv-dom0",	"arm64-domU-passthrough",  "arm64-native",
	"x86-pvh-domU", "arm64-domU-virtio-grant", NULL,
};

_Static_assert(sizeof(builtin_names) / sizeof(builtin_names[0]) ==
		       NR_BUILTINS + 1,
	       "every built-in platform is listed by name");

const char *const *sim_platform_names(void)
{
	return builtin_names;
}

const char *sim_platform_summary(const char *name)
{
	const struct builtin *b = name ? find_builtin(name) : NULL;

	return b ? b->summary : NULL;
}
