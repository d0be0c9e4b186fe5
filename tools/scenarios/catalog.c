/* SPDX-License-Identifier: MIT */
/*
 * The scenarios: the claims of the xen-devel/LKML thread "[PATCH v5
 * 11/13] xen: introduce xen_alloc/free_coherent_pages" (Stefano
 * Stabellini, Catalin Marinas, Konrad Wilk, 2013) and of the series it
 * belongs to ("enable swiotlb-xen on ARM and ARM64", v5), each with the
 * naive design it warns against and dmakit's design, on the same
 * platform and seed (docs/scenarios.md).
 */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dmakit's own design on a platform: every default. */
#define DMAKIT_ON(label, fn, wls)                                              \
	{                                                                      \
		.platform = label, .describe = fn, .workloads = wls,           \
	}

const struct scenario scen_catalog[SCEN_COUNT] = {
	{
		.id = 1,
		.slug = "x86-free-pages",
		.claim =
			"\"On native x86 [...] is sufficient to call "
			"__get_free_pages in order to get a coherent buffer\": "
			"every x86 device snoops, on native x86 and in a PV dom0",
		.short_claim = "x86: free pages are coherent",
		.platform =
			"x86-native and x86-pv-dom0 (every device coherent)",
		.kind = SCEN_BOTH_CLEAN,
		.nr_naive = 1,
		.naive = {{
			.name = "free pages as coherent memory: a driver's own "
				"pages natively, xen_alloc_coherent_pages = "
				"__get_free_pages under Xen",
			.nr_worlds = 2,
			.worlds =
				{
					{.platform = "x86-native",
					 .describe = scen_desc_x86_native,
					 .bug = WL_BUG_CACHEABLE_COHERENT,
					 .workloads = "coherent"},
					{.platform = "x86-pv-dom0",
					 .describe = scen_desc_x86_pv_dom0,
					 .naive = NAIVE_XEN_FREE_PAGES,
					 .workloads = "coherent"},
				},
		}},
		.dmakit =
			{
				.name = "dmk_alloc_coherent: dma-direct natively, "
					"swiotlb-xen over the x86 hook under Xen",
				.nr_worlds = 2,
				.worlds =
					{
						DMAKIT_ON("x86-native",
							  scen_desc_x86_native,
							  "coherent"),
						DMAKIT_ON("x86-pv-dom0",
							  scen_desc_x86_pv_dom0,
							  "coherent"),
					},
			},
	},
	{
		.id = 2,
		.slug = "arm-free-pages",
		.claim = "\"while on ARM we need to call arm_dma_ops.alloc\": "
			 "free pages are not a coherent buffer for a "
			 "non-coherent device",
		.short_claim = "ARM: free pages are not coherent",
		.platform =
			"arm32-dom0 (LPAE, not 1:1, two non-coherent devices)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "xen_alloc_coherent_pages = __get_free_pages "
				"(cacheable) on ARM",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm32-dom0",
				    .describe = scen_desc_arm32_dom0,
				    .naive = NAIVE_XEN_FREE_PAGES,
				    .workloads = "coherent"}},
		}},
		.dmakit =
			{
				.name = "xen_alloc_coherent_pages = the device's ARM "
					"allocator (non-cacheable when not coherent)",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("arm32-dom0",
						     scen_desc_arm32_dom0,
						     "coherent")},
			},
	},
	{
		.id = 3,
		.slug = "armv8-dont-bet",
		.claim = "\"Don't bet on this for ARMv8. It's not mandated for "
			 "the architecture, so at some point some SoC will "
			 "require non-cacheable buffers for coherency.\"",
		.short_claim = "ARMv8: don't bet on free pages",
		.platform =
			"arm64-dom0-1to1 (Xen 4.17, two non-coherent devices)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "xen_alloc_coherent_pages = __get_free_pages "
				"(cacheable) on ARMv8",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-dom0-1to1",
				    .describe = scen_desc_arm64_dom0_1to1,
				    .naive = NAIVE_XEN_FREE_PAGES,
				    .workloads = "coherent"}},
		}},
		.dmakit =
			{
				.name = "xen_alloc_coherent_pages = the alloc of the "
					"ops underneath swiotlb-xen, per device",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("arm64-dom0-1to1",
						     scen_desc_arm64_dom0_1to1,
						     "coherent")},
			},
	},
	{
		.id = 4,
		.slug = "stage2-contiguity",
		.claim = "\"what dom0 thinks is a contiguous buffer, it's "
			 "actually only contiguous in the intermediate "
			 "physical address space\"",
		.short_claim = "stage-2: IPA-contiguous only",
		.platform = "arm64-dom0 (Xen on ARM64, dom0 not 1:1, no SMMU)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "plain dma-direct: the IPA is the bus address",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-dom0",
				    .describe = scen_desc_arm64_dom0,
				    .no_xen = true,
				    .workloads = "nic,blk,coherent"}},
		}},
		.dmakit =
			{
				.name = "swiotlb-xen: machine-contiguous regions and a "
					"machine-contiguous bounce pool",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("arm64-dom0",
						     scen_desc_arm64_dom0,
						     "nic,blk,coherent")},
			},
	},
	{
		.id = 5,
		.slug = "per-device-ops",
		.claim = "\"even if you set the default dma_ops to Xen ops, "
			 "you may not get them via dma_alloc_coherent()\"; "
			 "and in 2017 a consolidated get_dma_ops let "
			 "dev->dma_ops win",
		.short_claim = "set_dma_ops bypasses Xen (2013)",
		.platform =
			"arm64-dom0 (eth1's driver installs its own dma_ops)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 2,
		.naive =
			{
				{
					.name = "2013: Xen ops only as the default "
						"(DEFAULT_ONLY)",
					.label =
						"2013: Xen ops as the default only",
					.nr_worlds = 1,
					.worlds =
						{{.platform = "arm64-dom0",
						  .describe =
							  scen_desc_arm64_dom0,
						  .ops_mode =
							  XEN_OPS_DEFAULT_ONLY}},
				},
				{
					.name = "2017: the device's own ops first "
						"(DEVICE_FIRST)",
					.label = "2017: the device's ops first",
					.nr_worlds = 1,
					.worlds =
						{{.platform = "arm64-dom0",
						  .describe =
							  scen_desc_arm64_dom0,
						  .ops_mode =
							  XEN_OPS_DEVICE_FIRST}},
				},
			},
		.dmakit =
			{
				.name = "Xen ops on every device, its own ops inside "
					"(PER_DEVICE)",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("arm64-dom0",
						     scen_desc_arm64_dom0,
						     NULL)},
			},
	},
	{
		.id = 6,
		.slug = "smmu",
		.claim = "\"The above calls would happen in Dom0 (when an "
			 "SMMU is not available)\": with an SMMU sharing "
			 "dom0's stage-2 the direct path is right",
		.short_claim = "an SMMU makes the direct path right",
		.platform = "arm64-dom0 without an SMMU, and with one that Xen "
			    "programs with dom0's stage-2",
		.kind = SCEN_NAIVE_CAUGHT,
		.dmakit_no_exchange = true,
		.nr_naive = 1,
		.naive = {{
			.name = "plain dma-direct without an SMMU",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-dom0",
				    .describe = scen_desc_arm64_dom0,
				    .no_xen = true,
				    .no_swiotlb = true,
				    .workloads = "nic,blk,coherent"}},
		}},
		.dmakit =
			{
				.name = "behind the SMMU: Xen leaves the devices on "
					"dma-direct, no bounce pool",
				.nr_worlds = 1,
				.worlds = {{.platform = "arm64-dom0+smmu",
					    .describe =
						    scen_desc_arm64_dom0_smmu,
					    .no_swiotlb = true,
					    .workloads = "nic,blk,coherent"}},
			},
	},
	{
		.id = 7,
		.slug = "domu-passthrough",
		.claim = "\"They could also happen in a DomU if we assign a "
			 "physical device to it (and an SMMU is not "
			 "available)\"",
		.short_claim = "a domU with an assigned device",
		.platform =
			"arm64-domU-passthrough (the domU's two devices, no "
			"SMMU)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "plain dma-direct in the domU",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-domU-passthrough",
				    .describe = scen_desc_arm64_domu,
				    .no_xen = true,
				    .workloads = "nic,blk,coherent"}},
		}},
		.dmakit =
			{
				.name = "swiotlb-xen in the domU, as in a non-1:1 dom0",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("arm64-domU-passthrough",
						     scen_desc_arm64_domu,
						     "nic,blk,coherent")},
			},
	},
	{
		.id = 8,
		.slug = "bounce-not-coherent",
		.claim = "series patch 13, \"swiotlb: don't assume that "
			 "io_tlb_start-io_tlb_end is coherent\"",
		.short_claim = "the bounce pool is not coherent",
		.platform =
			"arm64-dom0 and arm64-native, every mapping bounced",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "bounce slots without cache maintenance",
			.nr_worlds = 2,
			.worlds =
				{
					{.platform = "arm64-dom0",
					 .describe = scen_desc_arm64_dom0,
					 .naive = NAIVE_BOUNCE_COHERENT,
					 .force_bounce = true,
					 .workloads = "nic,blk"},
					{.platform = "arm64-native",
					 .describe = scen_desc_arm64_native,
					 .naive = NAIVE_BOUNCE_COHERENT,
					 .force_bounce = true,
					 .workloads = "nic,blk"},
				},
		}},
		.dmakit =
			{
				.name = "the slot the device uses gets the maintenance",
				.nr_worlds = 2,
				.worlds =
					{
						{.platform = "arm64-dom0",
						 .describe =
							 scen_desc_arm64_dom0,
						 .force_bounce = true,
						 .workloads = "nic,blk"},
						{.platform = "arm64-native",
						 .describe =
							 scen_desc_arm64_native,
						 .force_bounce = true,
						 .workloads = "nic,blk"},
					},
			},
	},
	{
		.id = 9,
		.slug = "pool-full",
		.claim = "series patch 10, \"swiotlb-xen: print a warning when "
			 "the swiotlb is full\": the error value and one "
			 "warning, never a silent corruption",
		.short_claim = "a full pool: error + one warning",
		.platform =
			"arm64-dom0 (blk0 only), a 1 MiB bounce pool, every "
			"mapping bounced",
		.kind = SCEN_NAIVE_CAUGHT,
		.dmakit_one_warning = true,
		.nr_naive = 1,
		.naive = {{
			.name = "a driver that never tests dmk_mapping_error",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-dom0 (blk0)",
				    .describe = scen_desc_arm64_dom0_one_dev,
				    .swiotlb_bytes = SCEN_SMALL_POOL_BYTES,
				    .force_bounce = true,
				    .driver = SCEN_DRV_POOL_IGNORES}},
		}},
		.dmakit =
			{
				.name = "the driver tests dmk_mapping_error and backs "
					"off",
				.nr_worlds = 1,
				.worlds =
					{{.platform = "arm64-dom0 (blk0)",
					  .describe =
						  scen_desc_arm64_dom0_one_dev,
					  .swiotlb_bytes =
						  SCEN_SMALL_POOL_BYTES,
					  .force_bounce = true,
					  .driver = SCEN_DRV_POOL_CHECKS}},
			},
	},
	{
		.id = 10,
		.slug = "pinning",
		.claim = "series patch 6, XENMEM_exchange_and_pin: a "
			 "contiguous region the hypervisor may move is not "
			 "one a device can keep using",
		.short_claim = "relocation: pin contiguous regions",
		.platform = "arm64-dom0 (32 MiB, one NIC), hypervisor "
			    "relocation on",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "contiguous regions from plain XENMEM_exchange "
				"(unpinned)",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-dom0 (32 MiB)",
				    .describe = scen_desc_arm64_dom0_small,
				    .naive = NAIVE_XEN_NO_PIN,
				    .no_swiotlb = true,
				    .relocation = true,
				    .steal_page = true,
				    .driver = SCEN_DRV_REGIONS}},
		}},
		.dmakit =
			{
				.name = "contiguous regions from exchange-and-pin",
				.nr_worlds = 1,
				.worlds = {{.platform = "arm64-dom0 (32 MiB)",
					    .describe =
						    scen_desc_arm64_dom0_small,
					    .no_swiotlb = true,
					    .relocation = true,
					    .steal_page = true,
					    .driver = SCEN_DRV_REGIONS}},
			},
	},
	{
		.id = 11,
		.slug = "x86-pv-real",
		.claim =
			"a PV dom0's pseudo-physical frames are not machine "
			"frames: a device reaching 28 bits needs swiotlb-xen's "
			"pool exchanged below its reach and coherent buffers "
			"made contiguous (xen_create_contiguous_region)",
		.short_claim = "x86 PV: pfn is not mfn",
		.platform = "x86-pv-edu: 512 MiB PV dom0, one coherent 28-bit "
			    "DMA engine (QEMU's edu)",
		.real = "make real-dma: the same claim in a real Linux dom0 on "
			"real Xen 4.17, QEMU's edu doing the DMA "
			"(docs/real-dma.md)",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "dma-direct with the guest-physical address as "
				"the bus address (no Xen layer)",
			.nr_worlds = 1,
			.worlds = {{.platform = "x86-pv-edu",
				    .describe = scen_desc_x86_pv_edu,
				    .no_xen = true}},
		}},
		.dmakit =
			{
				.name = "swiotlb-xen: exchanged bounce pool, "
					"contiguous coherent regions",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("x86-pv-edu",
						     scen_desc_x86_pv_edu,
						     NULL)},
			},
	},
	{
		.id = 12,
		.slug = "virtio-grant",
		.claim = "Linux's grant-dma-ops.c (2022): a domU's virtio "
			 "device whose backend runs in dom0 cannot be given "
			 "guest frames, which the backend does not own; its "
			 "bus addresses must be grant references",
		.short_claim = "virtio domU: grants, not frames",
		.platform = "arm64-domU-virtio-grant: domU with virtio-net "
			    "(DT binding) and virtio-blk (forced), backends "
			    "in dom0",
		.kind = SCEN_NAIVE_CAUGHT,
		.nr_naive = 1,
		.naive = {{
			.name = "dma-direct for the virtio devices: guest "
				"frames as DMA addresses",
			.nr_worlds = 1,
			.worlds = {{.platform = "arm64-domU-virtio-grant",
				    .describe = scen_desc_arm64_domu_virtio,
				    .naive = NAIVE_GUEST_FRAMES,
				    .workloads = "virtio"}},
		}},
		.dmakit =
			{
				.name = "grant DMA ops: each page granted to the "
					"backend at map, revoked at unmap",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON(
					"arm64-domU-virtio-grant",
					scen_desc_arm64_domu_virtio, "virtio")},
			},
	},
	{
		.id = 13,
		.slug = "pvh-swiotlb-xen",
		.claim = "Linux's xen_swiotlb_detect: swiotlb-xen is for PV "
			 "guests and direct-mapped ARM guests; an x86 PVH "
			 "guest's device sits behind Xen's IOMMU, which "
			 "translates its guest frames, and Xen refuses it "
			 "XENMEM_exchange",
		.short_claim = "x86 PVH: no swiotlb-xen",
		.platform = "x86-pvh-domU: a 192 MiB PVH domU whose 32-bit "
			    "NIC sits behind the IOMMU (dom0 PV)",
		.kind = SCEN_NAIVE_NO_BOOT,
		.nr_naive = 1,
		.naive = {{
			.name = "swiotlb-xen in the PVH guest: pfns taken for "
				"machine frames, exchanges against an "
				"autotranslated guest",
			.nr_worlds = 1,
			.worlds = {{.platform = "x86-pvh-domU",
				    .describe = scen_desc_x86_pvh_domu,
				    .naive = NAIVE_PVH_AS_PV,
				    .workloads = "nic"}},
		}},
		.dmakit =
			{
				.name = "dma-direct: the guest-physical address is "
					"the bus address the IOMMU translates",
				.nr_worlds = 1,
				.worlds = {DMAKIT_ON("x86-pvh-domU",
						     scen_desc_x86_pvh_domu,
						     "nic")},
			},
	},
};

const struct scenario *scen_find(const char *id)
{
	char *end;
	unsigned long n = strtoul(id, &end, 10);

	for (unsigned int i = 0; i < SCEN_COUNT; i++) {
		const struct scenario *s = &scen_catalog[i];

		if ((*id && !*end && n == s->id) || !strcmp(id, s->slug))
			return s;
	}
	return NULL;
}

bool scen_caught(const struct scen_result *r)
{
	return !r->error && (r->wrong_bytes || r->faults);
}

static bool clean(const struct scen_result *r)
{
	return !r->error && !r->wrong_bytes && !r->faults;
}

static const char *judge(const struct scen_outcome *o)
{
	const struct scenario *s = o->s;

	if (o->dmakit.error)
		return "dmakit's design did not run";
	for (unsigned int i = 0; i < s->nr_naive; i++) {
		bool no_boot = s->kind == SCEN_NAIVE_NO_BOOT;

		if (no_boot && o->naive[i].error && o->naive[i].pool_refused)
			continue;
		if (o->naive[i].error)
			return "a naive design did not run";
		if (no_boot && !scen_caught(&o->naive[i]))
			return "the naive design came up and was not caught";
		if (s->kind == SCEN_NAIVE_CAUGHT && !scen_caught(&o->naive[i]))
			return "the naive design was not caught";
		if (s->kind == SCEN_BOTH_CLEAN && !clean(&o->naive[i]))
			return "the naive design is not clean on x86";
	}
	if (!clean(&o->dmakit))
		return "dmakit's design moved wrong bytes or faulted";
	if (!o->dmakit.checked_bytes)
		return "dmakit's design checked no byte";
	if (s->dmakit_no_exchange && (o->dmakit.exchanges || o->dmakit.bounces))
		return "dmakit exchanged or bounced behind the SMMU";
	if (s->dmakit_one_warning &&
	    (o->dmakit.full_warnings != 1 || !o->dmakit.full))
		return "dmakit's full pool did not warn exactly once";
	return NULL;
}

void scen_run_scenario(const struct scenario *s, uint64_t seed,
		       unsigned long ops, struct scen_outcome *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	out->s = s;
	for (unsigned int i = 0; i < s->nr_naive; i++)
		scen_run_design(&s->naive[i], seed, ops, &out->naive[i]);
	scen_run_design(&s->dmakit, seed, ops, &out->dmakit);
	why = judge(out);
	out->pass = !why;
	snprintf(out->why, sizeof(out->why), "%s", why ? why : "");
}
