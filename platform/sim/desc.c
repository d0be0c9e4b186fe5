// SPDX-License-Identifier: MIT
/*
 * What a platform description says, in the one spelling the tools use:
 * the names of architectures and hypervisor modes, and what makes two
 * DMA masters different cases for the DMA layer (world.h).  The world
 * builder, the device-tree loader and the commands all ask here.
 */
#include "world.h"

#include <stdio.h>

const char *sim_arch_name(enum dmk_arch a)
{
	switch (a) {
	case DMK_ARCH_HOST:
		return "host";
	case DMK_ARCH_X86_64:
		return "x86_64";
	case DMK_ARCH_ARM32:
		return "arm32";
	case DMK_ARCH_ARM64:
		return "arm64";
	}
	return "?";
}

const char *sim_hyp_name(enum sim_hyp h)
{
	switch (h) {
	case SIM_HYP_NONE:
		return "none";
	case SIM_HYP_XEN_ARM_1TO1:
		return "xen-arm-dom0-1to1";
	case SIM_HYP_XEN_ARM:
		return "xen-arm-dom0";
	case SIM_HYP_XEN_X86_PV:
		return "xen-x86-pv";
	}
	return "?";
}

const char *sim_hyp_summary(enum sim_hyp h)
{
	switch (h) {
	case SIM_HYP_NONE:
		return "none";
	case SIM_HYP_XEN_ARM_1TO1:
		return "xen-arm (dom0 1:1)";
	case SIM_HYP_XEN_ARM:
		return "xen-arm (dom0 not 1:1, exchange-and-pin)";
	case SIM_HYP_XEN_X86_PV:
		return "xen-x86-pv";
	}
	return "?";
}

unsigned int sim_desc_device_kind(const struct sim_world_desc *desc,
				  const struct sim_desc_device *d)
{
	bool limited = d->reach_bits < 64 || d->bus_offset ||
		       (d->dma_limit && d->dma_limit != ~0ULL);
	bool pool = d->pool >= 0 && (unsigned int)d->pool < SIM_DESC_MAX_POOLS;
	bool restricted = pool && desc->pools[d->pool].restricted;

	return (d->coherent ? 1u : 0) | (limited ? 2u : 0) |
	       (d->smmu >= 0 ? 4u : 0) | (restricted ? 8u : 0) |
	       (pool && !restricted ? 16u : 0) | (d->pci_host ? 32u : 0) |
	       (d->no_ram ? 64u : 0);
}

const char *sim_mask_from_name(enum sim_mask_from f)
{
	switch (f) {
	case SIM_MASK_DEFAULT:
		return "default";
	case SIM_MASK_BUS:
		return "bus";
	case SIM_MASK_DRIVER:
		return "driver";
	case SIM_MASK_CAPABILITY:
		return "capability";
	case SIM_MASK_BUILTIN:
		return "built-in";
	}
	return "?";
}

const char *sim_desc_no_ram_why(const struct sim_desc_device *d, char *buf,
				size_t len)
{
	if (!d->no_ram_by_mask)
		snprintf(buf, len, "its dma-ranges cover no system RAM");
	else if (d->mask_driver[0])
		snprintf(buf, len,
			 "the %u-bit mask its driver %s sets covers no system "
			 "RAM",
			 d->reach_bits, d->mask_driver);
	else
		snprintf(buf, len,
			 "its %u-bit mask (Linux's default: no driver rule "
			 "raises it) covers no system RAM",
			 d->reach_bits);
	return buf;
}

bool sim_desc_device_reaches_ram(const struct sim_world_desc *desc,
				 const struct sim_desc_device *d)
{
	bool pool = d->pool >= 0 && (unsigned int)d->pool < desc->nr_pools;

	return !d->no_ram || (pool && desc->pools[d->pool].restricted);
}
