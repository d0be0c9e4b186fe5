/* SPDX-License-Identifier: MIT */
/*
 * The platforms of the scenarios.  Most start from a built-in platform
 * (sim/platforms.c) and change one thing the claim is about: an SMMU
 * added, the devices of one guest kept, one device only, a small dom0.
 * Native x86 is not a built-in platform: it is described here.
 */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

#define MiB (1ULL << 20)

/* Keep only the devices for which keep() says so. */
static void filter_devs(struct sim_world_desc *d,
			bool (*keep)(const struct sim_desc_device *dev))
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < d->nr_devs; i++)
		if (keep(&d->devs[i]))
			d->devs[n++] = d->devs[i];
	d->nr_devs = n;
}

/*
 * A PC without a hypervisor: every device snoops the caches, and all
 * RAM lies below 4 GiB, so __get_free_pages is all a coherent buffer
 * needs, even for the 32-bit controller (no GFP_DMA32 question).
 */
int scen_desc_x86_native(struct sim_world_desc *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "x86-native");
	d->arch = DMK_ARCH_X86_64;
	d->hyp = SIM_HYP_NONE;
	d->banks[0].base = 0;
	d->banks[0].size = 1024 * MiB;
	d->nbanks = 1;
	sim_desc_add_device(d, "eth0", "dmakit,nic-64", true, 64);
	sim_desc_add_device(d, "ahci0", "dmakit,blk-32", true, 32);
	sim_desc_add_device(d, "gpu0", "dmakit,gpu-40", true, 40);
	return 0;
}

int scen_desc_x86_pv_dom0(struct sim_world_desc *d, char *err, size_t errlen)
{
	return sim_platform_desc("x86-pv-dom0", d, err, errlen);
}

/*
 * The machine of `make real-dma` (docs/real-dma.md) as the simulator has
 * it: a 512 MiB x86 PV dom0 on 2 GiB and one coherent DMA engine that
 * reaches 28 bits, as QEMU's edu does by default.  The simulator
 * scatters dom0 in short runs where real Xen gave it a few hundred long
 * ones; either way its machine frames are not its pseudo-physical ones.
 */
int scen_desc_x86_pv_edu(struct sim_world_desc *d, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "x86-pv-edu");
	d->arch = DMK_ARCH_X86_64;
	d->hyp = SIM_HYP_XEN_X86_PV;
	d->banks[0].base = 0;
	d->banks[0].size = 2048 * MiB;
	d->nbanks = 1;
	d->dom0_pages = (512 * MiB) >> DMK_PAGE_SHIFT;
	sim_desc_add_device(d, "edu0", "dmakit,blk-32", true, 28);
	return 0;
}

int scen_desc_arm64_native(struct sim_world_desc *d, char *err, size_t errlen)
{
	return sim_platform_desc("arm64-native", d, err, errlen);
}

int scen_desc_arm32_dom0(struct sim_world_desc *d, char *err, size_t errlen)
{
	return sim_platform_desc("arm32-dom0", d, err, errlen);
}

int scen_desc_arm64_dom0(struct sim_world_desc *d, char *err, size_t errlen)
{
	return sim_platform_desc("arm64-dom0", d, err, errlen);
}

int scen_desc_arm64_dom0_1to1(struct sim_world_desc *d, char *err,
			      size_t errlen)
{
	return sim_platform_desc("arm64-dom0-1to1", d, err, errlen);
}

/*
 * arm64-dom0 (not 1:1) with every device behind an SMMU that Xen
 * programs with dom0's stage-2: bus addresses are IPAs, as the
 * devices' own dma-direct believes.
 */
int scen_desc_arm64_dom0_smmu(struct sim_world_desc *d, char *err,
			      size_t errlen)
{
	if (sim_platform_desc("arm64-dom0", d, err, errlen))
		return -1;
	snprintf(d->name, sizeof(d->name), "arm64-dom0+smmu");
	snprintf(d->smmus[0].name, sizeof(d->smmus[0].name), "/iommu@2b400000");
	d->smmus[0].coherent = true;
	d->nr_smmus = 1;
	for (unsigned int i = 0; i < d->nr_devs; i++) {
		d->devs[i].smmu = 0;
		d->devs[i].stream_id = 0x100 + i;
	}
	return 0;
}

static bool in_domu(const struct sim_desc_device *dev)
{
	return dev->guest == 1;
}

/* The domU with two assigned devices and no SMMU; dom0's own devices
 * are left out (the claim is about the domU). */
int scen_desc_arm64_domu(struct sim_world_desc *d, char *err, size_t errlen)
{
	if (sim_platform_desc("arm64-domU-passthrough", d, err, errlen))
		return -1;
	snprintf(d->name, sizeof(d->name), "arm64-domU-passthrough");
	filter_devs(d, in_domu);
	return 0;
}

static bool is_blk0(const struct sim_desc_device *dev)
{
	return !strcmp(dev->path, "blk0");
}

/* arm64-dom0 with only its 32-bit non-coherent block controller: one
 * device, one driver, one pool. */
int scen_desc_arm64_dom0_one_dev(struct sim_world_desc *d, char *err,
				 size_t errlen)
{
	if (sim_platform_desc("arm64-dom0", d, err, errlen))
		return -1;
	snprintf(d->name, sizeof(d->name), "arm64-dom0 (blk0 only)");
	filter_devs(d, is_blk0);
	return 0;
}

static bool is_eth0(const struct sim_desc_device *dev)
{
	return !strcmp(dev->path, "eth0");
}

/*
 * arm64-dom0 with 32 MiB of RAM and one coherent 64-bit NIC: relocation
 * moves one page per hypercall, so in a small dom0 it soon reaches the
 * pages of a contiguous region.
 */
int scen_desc_arm64_dom0_small(struct sim_world_desc *d, char *err,
			       size_t errlen)
{
	if (sim_platform_desc("arm64-dom0", d, err, errlen))
		return -1;
	snprintf(d->name, sizeof(d->name), "arm64-dom0 (32 MiB)");
	d->dom0_pages = (32 * MiB) >> SIM_PAGE_SHIFT;
	filter_devs(d, is_eth0);
	return 0;
}

int scen_desc_arm64_domu_virtio(struct sim_world_desc *d, char *err,
				size_t errlen)
{
	return sim_platform_desc("arm64-domU-virtio-grant", d, err, errlen);
}

/* x86-pvh-domU with the domU's device only: the PVH guest and its NIC
 * behind the IOMMU (dom0 still boots, PV, with swiotlb-xen). */
int scen_desc_x86_pvh_domu(struct sim_world_desc *d, char *err, size_t errlen)
{
	if (sim_platform_desc("x86-pvh-domU", d, err, errlen))
		return -1;
	snprintf(d->name, sizeof(d->name), "x86-pvh-domU");
	filter_devs(d, in_domu);
	return 0;
}
