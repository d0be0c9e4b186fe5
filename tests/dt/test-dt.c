/* SPDX-License-Identifier: MIT */
/*
 * The device-tree loader on the real fixtures (what Linux decides for
 * them), on small synthetic trees that pin down one rule each, and on
 * hostile blobs: truncated, bit-flipped, too deep, absurd cell counts.
 */
#include "world.h"

#include <libfdt.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef DT_FIXTURES
#error "DT_FIXTURES must name the fixture directory"
#endif

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)

static char err[256];
static struct sim_world_desc desc;

static int load(const char *name, const struct sim_dt_options *o)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", DT_FIXTURES, name);
	return sim_dt_load_file(path, o, &desc, err, sizeof(err));
}

static void *read_fixture(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	void *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", DT_FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static const struct sim_desc_device *dev_by_path(const char *path)
{
	for (unsigned int i = 0; i < desc.nr_devs; i++)
		if (!strcmp(desc.devs[i].path, path))
			return &desc.devs[i];
	fail_msg("no DMA master %s", path);
	return NULL;
}

static const struct sim_desc_pool *pool_by_name(const char *name)
{
	for (unsigned int i = 0; i < desc.nr_pools; i++)
		if (!strcmp(desc.pools[i].name, name))
			return &desc.pools[i];
	fail_msg("no pool %s", name);
	return NULL;
}

static bool in_ram(uint64_t base, uint64_t size)
{
	for (unsigned int i = 0; i < desc.nbanks; i++)
		if (base >= desc.banks[i].base &&
		    base + size <= desc.banks[i].base + desc.banks[i].size)
			return true;
	return false;
}

/* ---- the real trees ---- */

/*
 * Two of Debian's armmp trees: STM32F429-DISCO has no cpu node (a
 * Cortex-M4): arm32.  STM32MP157C-DK2 (Cortex-A7) has an M4 coprocessor
 * whose bus maps only MCU SRAM: no_ram, and the one master that cannot
 * run; every other master reaches RAM.
 */
static void test_debian_arm32_trees(void **state)
{
	unsigned int no_ram = 0;

	(void)state;
	if (load("stm32f429-disco.dtb", NULL))
		fail_msg("stm32f429-disco: %s", err);
	assert_int_equal(desc.arch, DMK_ARCH_ARM32);
	for (unsigned int d = 0; d < desc.nr_devs; d++)
		assert_false(desc.devs[d].no_ram);

	if (load("stm32mp157c-dk2.dtb", NULL))
		fail_msg("stm32mp157c-dk2: %s", err);
	assert_int_equal(desc.arch, DMK_ARCH_ARM32);
	for (unsigned int d = 0; d < desc.nr_devs; d++) {
		const struct sim_desc_device *dv = &desc.devs[d];
		bool m4 = !strcmp(dv->path, "/ahb/m4@10000000");

		assert_int_equal(dv->no_ram, m4);
		assert_int_equal(sim_desc_device_reaches_ram(&desc, dv), !m4);
		no_ram += dv->no_ram;
	}
	assert_int_equal(no_ram, 1);
}

/*
 * Debian's dove-d2plug (Marvell Dove, PJ4): its controllers have the
 * names from before the generic ones.  Before, the tree had no DMA
 * master at all; now every enabled USB, SDIO, SATA, Ethernet, XOR and
 * CESA controller is one, by class, and the SATA PHY and the UART are
 * not.
 */
static void test_dove_old_names(void **state)
{
	static const struct {
		const char *path, *evidence;
	} want[] = {
		{"crypto-engine@30000", "class:crypto"},
		{"usb-host@50000", "class:usb"},
		{"usb-host@51000", "class:usb"},
		{"dma-engine@60800", "class:dma-controller"},
		{"dma-engine@60900", "class:dma-controller"},
		{"sdio-host@90000", "class:mmc"},
		{"ethernet-ctrl@72000", "class:ethernet"},
		{"sdio-host@92000", "class:mmc"},
		{"sata-host@a0000", "class:sata"},
	};
	char path[96];

	(void)state;
	if (load("dove-d2plug.dtb", NULL))
		fail_msg("dove-d2plug: %s", err);
	assert_int_equal(desc.arch, DMK_ARCH_ARM32);
	assert_int_equal(desc.nr_devs, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct sim_desc_device *d;

		snprintf(path, sizeof(path), "/mbus/internal-regs/%s",
			 want[i].path);
		d = dev_by_path(path);
		assert_string_equal(d->evidence, want[i].evidence);
		assert_false(d->coherent);
		assert_int_equal(d->reach_bits, 32);
		assert_int_equal(d->bus_offset, 0);
	}
}

/*
 * The mask rule on two Debian arm64 trees whose RAM lies wholly above
 * 4 GiB.  Before it, every master kept 32 bits and every mapping of
 * both boards failed.  APM X-Gene Mustang: its Ethernet drivers set 64
 * bits, xgene-dma 42, and the AHCI and Arasan SDHCI drivers read 64
 * from their controllers (taken, as 32 bits would reach no RAM there);
 * the UART and the clock controller, masters only because /soc has
 * dma-ranges, keep 32 and are listed as unable to reach RAM.  Marvell
 * AC5: the controllers behind the 32-bit bus reach RAM through its
 * offset with 32 bits (orion-ehci sets 32 itself, mvneta keeps the
 * default); pinctrl and SPI outside it reach nothing.
 */
struct mask_want {
	const char *path;
	unsigned int bits;
	enum sim_mask_from from;
	const char *driver;
	bool no_ram;
};

static void check_masks(const struct mask_want *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sim_desc_device *d = dev_by_path(want[i].path);

		assert_int_equal(d->reach_bits, want[i].bits);
		assert_int_equal(d->mask_from, want[i].from);
		assert_string_equal(d->mask_driver, want[i].driver);
		assert_int_equal(d->no_ram, want[i].no_ram);
		assert_int_equal(d->no_ram_by_mask, want[i].no_ram);
		assert_int_equal(sim_desc_device_reaches_ram(&desc, d),
				 !want[i].no_ram);
	}
}

static void test_mask_rule_above_4g(void **state)
{
	static const struct mask_want mustang[] = {
		{"/soc/ethernet@17020000", 64, SIM_MASK_DRIVER, "xgene-enet",
		 false},
		{"/soc/ethernet@1f610000", 64, SIM_MASK_DRIVER, "xgene-enet",
		 false},
		{"/soc/dma@1f270000", 42, SIM_MASK_DRIVER, "xgene-dma", false},
		{"/soc/sata@1a400000", 64, SIM_MASK_CAPABILITY, "ahci-xgene",
		 false},
		{"/soc/mmc@1c000000", 64, SIM_MASK_CAPABILITY, "sdhci-arasan",
		 false},
		{"/soc/pcie@1f2b0000", 64, SIM_MASK_BUS, "", false},
		{"/soc/serial@1c020000", 32, SIM_MASK_DEFAULT, "", true},
		{"/soc/system-clk-controller@17000000", 32, SIM_MASK_DEFAULT,
		 "", true},
	};
	static const struct mask_want ac5[] = {
		{"/soc/behind-32bit-controller@7f000000/ethernet@20000", 32,
		 SIM_MASK_DEFAULT, "", false},
		{"/soc/behind-32bit-controller@7f000000/usb@80000", 32,
		 SIM_MASK_DRIVER, "orion-ehci", false},
		{"/soc/spi@805a0000", 32, SIM_MASK_DEFAULT, "", true},
	};

	(void)state;
	if (load("apm-mustang.dtb", NULL))
		fail_msg("apm-mustang: %s", err);
	assert_true(desc.banks[0].base >= 4 * GIB);
	check_masks(mustang, sizeof(mustang) / sizeof(mustang[0]));
	if (load("ac5-98dx35xx-rd.dtb", NULL))
		fail_msg("ac5-98dx35xx-rd: %s", err);
	check_masks(ac5, sizeof(ac5) / sizeof(ac5[0]));
}

static void test_every_fixture_loads(void **state)
{
	static const char *const all[] = {
		"armada-8040-clearfog-gt-8k.dtb",
		"bcm2711-rpi-4-b.dtb",
		"fvp-base-revc.dtb",
		"hi6220-hikey.dtb",
		"imx8mq-evk.dtb",
		"juno-r2.dtb",
		"qemu-virt-smmu.dtb",
		"qemu-virt.dtb",
		"sm8250-hdk.dtb",
		"xen-dom0-qemu-virt.dtb",
	};
	struct sim_dt_options o = {.mem_size = 2 * GIB};

	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		bool needs_mem =
			strstr(all[i], "rpi") || strstr(all[i], "sm8250");

		if (load(all[i], needs_mem ? &o : NULL))
			fail_msg("%s: %s", all[i], err);
		assert_int_equal(desc.arch, DMK_ARCH_ARM64);
		assert_true(desc.nbanks >= 1 && desc.nbanks <= SIM_MAX_BANKS);
		assert_true(desc.nr_devs >= 1);
		for (unsigned int d = 0; d < desc.nr_devs; d++) {
			const struct sim_desc_device *dv = &desc.devs[d];

			assert_true(dv->path[0] == '/');
			assert_true(dv->reach_bits == 32 ||
				    dv->reach_bits == 64);
			assert_true(dv->smmu < (int)desc.nr_smmus);
			assert_true(dv->pool < (int)desc.nr_pools);
		}
		/* every fixture also loads as a dom0 */
		o.force_xen_dom0 = true;
		if (load(all[i], needs_mem ? &o
					   : &(struct sim_dt_options){
						     .force_xen_dom0 = true}))
			fail_msg("%s as dom0: %s", all[i], err);
		assert_int_equal(desc.hyp, SIM_HYP_XEN_ARM_1TO1);
		assert_true(desc.grant_table_size > 0);
		assert_false(in_ram(desc.grant_table_base, 1) &&
			     !strstr(all[i], "xen-dom0"));
		o.force_xen_dom0 = false;
	}
}

static void test_rpi4_needs_mem(void **state)
{
	(void)state;
	assert_int_equal(load("bcm2711-rpi-4-b.dtb", NULL), -1);
	assert_non_null(strstr(err, "--mem"));
	assert_non_null(strstr(err, "/memory@0"));
	assert_null(strchr(err, '\n'));
}

static void test_rpi4_soc_offset_and_reach(void **state)
{
	struct sim_dt_options o = {.mem_size = 4 * GIB};
	const struct sim_desc_device *d;
	const struct sim_desc_pool *cma;
	unsigned int soc = 0;

	(void)state;
	assert_int_equal(load("bcm2711-rpi-4-b.dtb", &o), 0);
	assert_int_equal(desc.nbanks, 1);
	assert_int_equal(desc.banks[0].base, 0);
	assert_int_equal(desc.banks[0].size, 4 * GIB);
	for (unsigned int i = 0; i < desc.nr_devs; i++) {
		d = &desc.devs[i];
		if (strncmp(d->path, "/soc/", 5) &&
		    strncmp(d->path, "/emmc2bus/", 10))
			continue;
		soc++;
		assert_int_equal(d->bus_offset, 0xc0000000ULL);
		assert_int_equal(d->dma_limit, 0x3fffffffULL);
		assert_false(d->coherent);
	}
	assert_true(soc >= 4);
	d = dev_by_path("/emmc2bus/mmc@7e340000");
	assert_int_equal(d->bus_offset, 0xc0000000ULL);
	/* PCIe: its own dma-ranges, PCI 0 = CPU 0 for 3 GiB */
	d = dev_by_path("/scb/pcie@7d500000");
	assert_int_equal(d->bus_offset, 0);
	assert_int_equal(d->dma_limit, 0xbfffffffULL);
	assert_int_equal(d->reach_bits, 64);
	/* the CMA pool lands at the top of its alloc-ranges (first GiB) */
	cma = pool_by_name("linux,cma");
	assert_int_equal(cma->size, 64 * MIB);
	assert_int_equal(cma->base, GIB - 64 * MIB);
	assert_false(cma->restricted);
}

static void test_juno_pcie_coherent_behind_smmu(void **state)
{
	const struct sim_desc_device *d;

	(void)state;
	assert_int_equal(load("juno-r2.dtb", NULL), 0);
	assert_int_equal(desc.nbanks, 2);
	d = dev_by_path("/pcie@40000000");
	assert_true(d->coherent);
	assert_true(d->smmu >= 0);
	assert_string_equal(desc.smmus[d->smmu].name, "/iommu@2b500000");
	assert_true(desc.smmus[d->smmu].coherent);
	assert_int_equal(d->stream_id, 0);
	assert_int_equal(d->reach_bits, 64);
	/* two identity regions with no RAM in the hole: one span */
	assert_int_equal(d->bus_offset, 0);
	assert_int_equal(d->dma_limit, 0x9ffffffffULL);
	/* a non-coherent master behind a non-coherent SMMU */
	d = dev_by_path("/hdlcd@7ff50000");
	assert_false(d->coherent);
	assert_true(d->smmu >= 0);
	assert_false(desc.smmus[d->smmu].coherent);
	assert_int_equal(d->dma_limit, ~0ULL);
}

static void test_qemu_virt_smmu(void **state)
{
	const struct sim_desc_device *d;
	unsigned int virtio = 0;

	(void)state;
	assert_int_equal(load("qemu-virt-smmu.dtb", NULL), 0);
	d = dev_by_path("/pcie@10000000");
	assert_true(d->coherent);
	assert_true(d->smmu >= 0);
	assert_string_equal(desc.smmus[d->smmu].name, "/smmuv3@9050000");
	assert_int_equal(d->stream_id, 0);
	for (unsigned int i = 0; i < desc.nr_devs; i++) {
		if (strcmp(desc.devs[i].compatible, "virtio,mmio"))
			continue;
		virtio++;
		assert_true(desc.devs[i].coherent);
		assert_int_equal(desc.devs[i].reach_bits, 64);
	}
	assert_true(virtio >= 8);
	/* the SMMU itself is not a master */
	for (unsigned int i = 0; i < desc.nr_devs; i++)
		assert_null(strstr(desc.devs[i].path, "smmuv3"));
	assert_int_equal(desc.hyp, SIM_HYP_NONE);
}

static void test_hikey_pools(void **state)
{
	const struct sim_desc_pool *cma;

	(void)state;
	assert_int_equal(load("hi6220-hikey.dtb", NULL), 0);
	assert_true(desc.nbanks >= 2);
	cma = pool_by_name("linux,cma");
	assert_int_equal(cma->size, 128 * MIB);
	assert_true(in_ram(cma->base, cma->size));
	assert_int_equal(cma->base % (4 * MIB), 0);
	/* clear of the static ramoops region */
	assert_true(cma->base >= 0x22000000ULL ||
		    cma->base + cma->size <= 0x21f00000ULL);
}

static void test_fvp_pool_bound(void **state)
{
	const struct sim_desc_device *d;

	(void)state;
	assert_int_equal(load("fvp-base-revc.dtb", NULL), 0);
	d = dev_by_path("/bus@8000000/motherboard-bus@8000000/"
			"iofpga-bus@300000000/clcd@1f0000");
	assert_true(d->pool >= 0);
	assert_string_equal(desc.pools[d->pool].name, "vram@18000000");
	assert_int_equal(desc.pools[d->pool].base, 0x18000000);
	assert_int_equal(desc.pools[d->pool].size, 0x800000);
	assert_true(desc.pools[d->pool].no_map);
}

static void test_xen_dom0(void **state)
{
	(void)state;
	assert_int_equal(load("xen-dom0-qemu-virt.dtb", NULL), 0);
	assert_int_equal(desc.hyp, SIM_HYP_XEN_ARM_1TO1);
	assert_int_equal(desc.grant_table_base, 0x40200000ULL);
	assert_int_equal(desc.grant_table_size, 0x40000ULL);
	assert_int_equal(desc.nbanks, 1);
	assert_int_equal(desc.banks[0].base, 0x60000000ULL);
	assert_int_equal(desc.banks[0].size, 512 * MIB);
	assert_non_null(strstr(desc.chosen_bootargs, "console=hvc0"));
}

static void test_mem_override(void **state)
{
	struct sim_dt_options o = {.mem_size = 256 * MIB,
				   .mem_base = 0x80000000ULL};

	(void)state;
	assert_int_equal(load("qemu-virt.dtb", &o), 0);
	assert_int_equal(desc.nbanks, 1);
	assert_int_equal(desc.banks[0].base, 0x80000000ULL);
	assert_int_equal(desc.banks[0].size, 256 * MIB);
	o.mem_size = 12345;
	assert_int_equal(load("qemu-virt.dtb", &o), -1);
	assert_non_null(strstr(err, "--mem"));
	/* too little RAM for the Raspberry Pi's 64 MiB CMA pool */
	o = (struct sim_dt_options){.mem_size = 32 * MIB};
	assert_int_equal(load("bcm2711-rpi-4-b.dtb", &o), -1);
	assert_non_null(strstr(err, "linux,cma"));
}

/* ---- synthetic trees (libfdt's sequential-write API) ---- */

static char tree[1 << 16];

static void t_begin(void)
{
	assert_int_equal(fdt_create(tree, sizeof(tree)), 0);
	assert_int_equal(fdt_finish_reservemap(tree), 0);
	assert_int_equal(fdt_begin_node(tree, ""), 0);
}

static void t_node(const char *name)
{
	assert_int_equal(fdt_begin_node(tree, name), 0);
}

static void t_end(void)
{
	assert_int_equal(fdt_end_node(tree), 0);
}

static void t_u32(const char *name, uint32_t v)
{
	assert_int_equal(fdt_property_u32(tree, name, v), 0);
}

static void t_cells(const char *name, int n, ...)
{
	fdt32_t v[16];
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	assert_int_equal(fdt_property(tree, name, v, n * 4), 0);
}

static void t_str(const char *name, const char *s)
{
	assert_int_equal(fdt_property_string(tree, name, s), 0);
}

static void t_flag(const char *name)
{
	assert_int_equal(fdt_property(tree, name, NULL, 0), 0);
}

/* Root with #address-cells 2, #size-cells 2 and 1 GiB at 0x40000000. */
static void t_root_with_memory(void)
{
	t_begin();
	t_u32("#address-cells", 2);
	t_u32("#size-cells", 2);
	t_str("compatible", "dmakit,test");
	t_node("memory@40000000");
	t_str("device_type", "memory");
	t_cells("reg", 4, 0, 0x40000000, 0, 0x40000000);
	t_end();
}

static int t_load(const struct sim_dt_options *o)
{
	assert_int_equal(fdt_end_node(tree), 0);
	assert_int_equal(fdt_finish(tree), 0);
	return sim_dt_load(tree, fdt_totalsize(tree), o, &desc, err,
			   sizeof(err));
}

static void t_device(const char *name, const char *compat)
{
	t_node(name);
	t_str("compatible", compat);
	t_end();
}

/* A simple-bus of one address and one size cell, its ranges an identity
 * map; left open for the caller's properties and children. */
static void t_simple_bus(const char *name)
{
	t_node(name);
	t_str("compatible", "simple-bus");
	t_u32("#address-cells", 1);
	t_u32("#size-cells", 1);
	t_flag("ranges");
}

/*
 * bus1 (1 cell) maps its bus 0x80000000 to CPU 0x40000000; bus2 below it
 * maps 0 to bus1's 0x80000000; a device under bus2 thus sees CPU
 * 0x40000000 at bus 0.  Under an empty dma-ranges the search goes up to
 * bus1; under two levels without dma-ranges there is no translation.
 */
static void test_nested_dma_ranges(void **state)
{
	const struct sim_desc_device *d;

	(void)state;
	t_root_with_memory();
	t_simple_bus("bus1");
	t_cells("dma-ranges", 4, 0x80000000, 0, 0x40000000, 0x40000000);
	t_simple_bus("bus2");
	t_cells("dma-ranges", 3, 0, 0x80000000, 0x10000000);
	t_device("dev2", "test,dev2");
	t_end();
	t_simple_bus("busE");
	t_flag("dma-ranges");
	t_device("devE", "test,devE");
	t_end();
	t_simple_bus("bus3");
	t_simple_bus("bus4");
	t_node("dev4");
	t_str("compatible", "test,dev4");
	t_flag("dma-coherent");
	t_end();
	t_end();
	t_end();
	t_end();
	assert_int_equal(t_load(NULL), 0);

	d = dev_by_path("/bus1/bus2/dev2");
	assert_int_equal(d->bus_offset, (uint64_t)-0x40000000LL);
	assert_int_equal(d->dma_limit, 0x4fffffffULL);
	assert_int_equal(d->reach_bits, 32);
	d = dev_by_path("/bus1/busE/devE");
	assert_int_equal(d->bus_offset, 0x40000000ULL);
	assert_int_equal(d->dma_limit, 0x7fffffffULL);
	d = dev_by_path("/bus1/bus3/bus4/dev4");
	assert_int_equal(d->bus_offset, 0);
	assert_int_equal(d->dma_limit, ~0ULL);
	assert_true(d->coherent);
	/* buses are not masters */
	for (unsigned int i = 0; i < desc.nr_devs; i++)
		assert_non_null(strstr(desc.devs[i].path, "/dev"));
}

static void test_coherence_inheritance(void **state)
{
	(void)state;
	t_root_with_memory();
	t_simple_bus("bus");
	t_flag("dma-ranges");
	t_flag("dma-coherent");
	t_device("a", "test,a");
	t_node("b");
	t_str("compatible", "test,b");
	t_flag("dma-noncoherent");
	t_end();
	t_node("c");
	t_str("compatible", "test,c");
	t_str("status", "disabled");
	t_end();
	t_end();
	assert_int_equal(t_load(NULL), 0);
	assert_true(dev_by_path("/bus/a")->coherent);
	assert_false(dev_by_path("/bus/b")->coherent);
	assert_int_equal(desc.nr_devs, 2);
}

static void test_restricted_pool_and_iommu(void **state)
{
	const struct sim_desc_device *d;

	(void)state;
	t_root_with_memory();
	t_node("reserved-memory");
	t_u32("#address-cells", 2);
	t_u32("#size-cells", 2);
	t_flag("ranges");
	t_node("restricted@50000000");
	t_str("compatible", "restricted-dma-pool");
	t_cells("reg", 4, 0, 0x50000000, 0, 0x400000);
	t_u32("phandle", 7);
	t_end();
	t_end();
	t_node("iommu@1000");
	t_str("compatible", "arm,smmu-v3");
	t_u32("#iommu-cells", 1);
	t_u32("phandle", 9);
	t_end();
	t_node("nic");
	t_str("compatible", "test,nic");
	t_u32("memory-region", 7);
	t_end();
	t_node("gpu");
	t_str("compatible", "test,gpu");
	t_cells("iommus", 2, 9, 0x42);
	t_end();
	t_node("pcie");
	t_str("compatible", "pci-host-ecam-generic");
	t_str("device_type", "pci");
	t_u32("#address-cells", 3);
	t_u32("#size-cells", 2);
	t_cells("iommu-map", 4, 0x0, 9, 0x100, 0x10000);
	t_end();
	assert_int_equal(t_load(NULL), 0);

	assert_int_equal(desc.nr_pools, 1);
	assert_true(desc.pools[0].restricted);
	d = dev_by_path("/nic");
	assert_int_equal(d->pool, 0);
	assert_int_equal(d->smmu, -1);
	assert_int_equal(d->reach_bits, 32);
	d = dev_by_path("/gpu");
	assert_int_equal(d->smmu, 0);
	assert_int_equal(d->stream_id, 0x42);
	assert_int_equal(d->reach_bits, 64);
	d = dev_by_path("/pcie");
	assert_int_equal(d->smmu, 0);
	assert_int_equal(d->stream_id, 0x100);
	assert_int_equal(desc.nr_smmus, 1);
	assert_string_equal(desc.smmus[0].name, "/iommu@1000");
}

/* 100 alike masters and one different at the end: the odd one is kept. */
static void test_too_many_masters(void **state)
{
	char name[32];

	(void)state;
	t_root_with_memory();
	t_simple_bus("soc");
	t_flag("dma-ranges");
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "dev@%x", i);
		t_device(name, "test,plain");
	}
	t_node("odd");
	t_str("compatible", "test,odd");
	t_flag("dma-coherent");
	t_end();
	t_end();
	assert_int_equal(t_load(NULL), 0);
	assert_int_equal(desc.nr_devs, SIM_DESC_MAX_DEVS);
	assert_true(dev_by_path("/soc/odd")->coherent);
	assert_non_null(strstr(desc.notes, "kept 64"));
}

/* ---- hostile blobs ---- */

static void assert_refused(void)
{
	assert_true(err[0] != '\0');
	assert_null(strchr(err, '\n'));
}

static void test_bad_magic_and_tiny(void **state)
{
	size_t len;
	uint8_t *blob = read_fixture("qemu-virt.dtb", &len);

	(void)state;
	blob[0] ^= 0xff;
	assert_int_equal(sim_dt_load(blob, len, NULL, &desc, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "magic"));
	assert_int_equal(sim_dt_load(blob, 3, NULL, &desc, err, sizeof(err)),
			 -1);
	assert_refused();
	assert_int_equal(sim_dt_load(NULL, 0, NULL, &desc, err, sizeof(err)),
			 -1);
	assert_refused();
	free(blob);
}

static void test_truncated_everywhere(void **state)
{
	size_t len;
	uint8_t *blob = read_fixture("qemu-virt-smmu.dtb", &len);

	(void)state;
	for (size_t cut = 0; cut < len; cut += 13) {
		/* a fresh copy of exactly cut bytes, so ASan sees overreads */
		uint8_t *b = malloc(cut ? cut : 1);

		memcpy(b, blob, cut);
		err[0] = '\0';
		assert_int_equal(
			sim_dt_load(b, cut, NULL, &desc, err, sizeof(err)), -1);
		assert_refused();
		free(b);
	}
	free(blob);
}

static void test_bit_flips(void **state)
{
	static const char *const names[] = {
		"bcm2711-rpi-4-b.dtb", "juno-r2.dtb", "xen-dom0-qemu-virt.dtb"};
	struct sim_dt_options o = {.mem_size = GIB};
	uint64_t rng = 0x9e3779b97f4a7c15ULL;

	(void)state;
	for (size_t f = 0; f < 3; f++) {
		size_t len;
		uint8_t *blob = read_fixture(names[f], &len);
		unsigned int refused = 0;

		for (int i = 0; i < 1500; i++) {
			size_t at;
			uint8_t bit;
			int ret;

			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			/* the header and the first structure bytes matter
			 * most: half the flips land in the first 256 bytes */
			at = (i & 1) ? rng % len : rng % 256;
			bit = (uint8_t)(1u << ((rng >> 32) & 7));
			blob[at] ^= bit;
			err[0] = '\0';
			ret = sim_dt_load(blob, len, &o, &desc, err,
					  sizeof(err));
			if (ret) {
				assert_int_equal(ret, -1);
				assert_refused();
				refused++;
			} else {
				assert_true(desc.nr_devs <= SIM_DESC_MAX_DEVS);
			}
			blob[at] ^= bit;
		}
		assert_true(refused > 0);
		free(blob);
	}
}

static void test_too_deep(void **state)
{
	char name[16];

	(void)state;
	t_root_with_memory();
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		t_node(name);
	}
	for (int i = 0; i < 40; i++)
		t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "deeper"));
}

static void test_absurd_cells(void **state)
{
	(void)state;
	t_begin();
	t_u32("#address-cells", 0x10000);
	t_u32("#size-cells", 2);
	t_node("memory@0");
	t_str("device_type", "memory");
	t_cells("reg", 4, 0, 0, 0, 0x40000000);
	t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "#address-cells"));

	t_begin();
	t_u32("#address-cells", 2);
	t_u32("#size-cells", 0);
	t_node("memory@0");
	t_str("device_type", "memory");
	t_cells("reg", 2, 0, 0);
	t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "#size-cells"));

	/* a bus whose dma-ranges need sizes but has #size-cells 5 */
	t_root_with_memory();
	t_node("bus");
	t_str("compatible", "simple-bus");
	t_u32("#address-cells", 1);
	t_u32("#size-cells", 5);
	t_cells("dma-ranges", 3, 0, 0, 0);
	t_device("dev", "test,dev");
	t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "#size-cells"));
}

/*
 * A width read from a controller's capability register is taken only
 * where the tree proves it: with RAM below 4 GiB an X-Gene AHCI keeps
 * 32 bits (and bounces above them; never a device model that reaches
 * more than the real one might), while a driver's fixed width stands
 * everywhere.  The compatible list is searched in order (a fallback
 * string finds its driver).  A master with dma-ranges that reach RAM
 * but a mask that does not is no_ram_by_mask; one whose dma-ranges
 * reach nothing is no_ram by its ranges alone.
 */
static void test_mask_rule_synthetic(void **state)
{
	static const char fallback[] = "vendor,soc-ahci\0apm,xgene-ahci";
	const struct sim_desc_device *d;

	(void)state;
	for (int high = 0; high < 2; high++) {
		t_begin();
		t_u32("#address-cells", 2);
		t_u32("#size-cells", 2);
		t_str("compatible", "dmakit,test");
		t_node("memory@0");
		t_str("device_type", "memory");
		t_cells("reg", 4, high, 0x40000000, 0, 0x40000000);
		t_end();
		t_simple_bus("soc");
		t_flag("dma-ranges");
		t_node("sata@1000");
		assert_int_equal(fdt_property(tree, "compatible", fallback,
					      sizeof(fallback)),
				 0);
		t_end();
		t_device("dma@2000", "apm,xgene-storm-dma");
		t_device("serial@3000", "ns16550a");
		t_end();
		assert_int_equal(t_load(NULL), 0);

		d = dev_by_path("/soc/sata@1000");
		assert_string_equal(d->mask_driver, "ahci-xgene");
		assert_int_equal(d->reach_bits, high ? 64 : 32);
		assert_int_equal(d->mask_from,
				 high ? SIM_MASK_CAPABILITY : SIM_MASK_DEFAULT);
		assert_false(d->no_ram);
		d = dev_by_path("/soc/dma@2000");
		assert_int_equal(d->reach_bits, 42);
		assert_int_equal(d->mask_from, SIM_MASK_DRIVER);
		assert_false(d->no_ram);
		d = dev_by_path("/soc/serial@3000");
		assert_int_equal(d->reach_bits, 32);
		assert_int_equal(d->no_ram, high);
		assert_int_equal(d->no_ram_by_mask, high);
	}
}

/* Linux configures every platform device; dmakit runs those the tree
 * shows to move data, also on buses without dma-ranges (most real
 * boards), and says why. */
static void test_masters_by_evidence(void **state)
{
	(void)state;
	t_root_with_memory();
	t_simple_bus("soc");
	t_device("ethernet@1000", "vendor,gmac");
	t_device("mmc@2000", "vendor,sdhci");
	t_node("spi@3000");
	t_str("compatible", "vendor,spi");
	t_cells("dmas", 2, 0x10, 1);
	t_end();
	t_device("serial@4000", "vendor,uart");
	/* older class names are classes; a PHY named after one is not */
	t_device("usb-host@5000", "vendor,ehci");
	t_device("usb-phy@5800", "vendor,usb-phy");
	t_device("sata-phy@6000", "vendor,sata-phy");
	t_device("xor@7000", "vendor,xor");
	t_device("lcd-controller@8000", "vendor,lcd");
	t_device("ethernet-phy-clock@9000", "vendor,clock");
	t_end();
	assert_int_equal(t_load(NULL), 0);
	assert_int_equal(desc.nr_devs, 6);
	assert_string_equal(desc.devs[3].path, "/soc/usb-host@5000");
	assert_string_equal(desc.devs[3].evidence, "class:usb");
	assert_string_equal(desc.devs[4].path, "/soc/xor@7000");
	assert_string_equal(desc.devs[4].evidence, "class:dma-controller");
	assert_string_equal(desc.devs[5].path, "/soc/lcd-controller@8000");
	assert_string_equal(desc.devs[5].evidence, "class:display");
	assert_string_equal(desc.devs[0].path, "/soc/ethernet@1000");
	assert_string_equal(desc.devs[0].evidence, "class:ethernet");
	assert_false(desc.devs[0].coherent);
	assert_int_equal(desc.devs[0].reach_bits, 32);
	assert_int_equal(desc.devs[0].bus_offset, 0);
	assert_string_equal(desc.devs[1].evidence, "class:mmc");
	assert_string_equal(desc.devs[2].path, "/soc/spi@3000");
	assert_string_equal(desc.devs[2].evidence, "dmas");
}

/* No master because every DMA-capable node is disabled (Debian's
 * mmp2-brownstone): the notes say so. */
static void test_all_disabled_noted(void **state)
{
	(void)state;
	t_root_with_memory();
	t_simple_bus("soc");
	t_node("usb-otg@1000");
	t_str("compatible", "vendor,ehci");
	t_str("status", "disabled");
	t_end();
	t_node("mmc@2000");
	t_str("compatible", "vendor,sdhci");
	t_str("status", "disabled");
	t_end();
	t_device("serial@4000", "vendor,uart");
	t_end();
	assert_int_equal(t_load(NULL), 0);
	assert_int_equal(desc.nr_devs, 0);
	assert_string_equal(desc.notes,
			    "2 DMA-capable nodes, every one disabled");
}

/* A tree whose cpu nodes name these cores, loaded with o. */
static enum dmk_arch arch_of(const char *const *cores, int n,
			     const struct sim_dt_options *o)
{
	t_root_with_memory();
	t_node("cpus");
	t_u32("#address-cells", 1);
	t_u32("#size-cells", 0);
	for (int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cpu@%d", i);
		t_node(name);
		t_str("device_type", "cpu");
		t_str("compatible", cores[i]);
		t_cells("reg", 1, i);
		t_end();
	}
	t_end();
	assert_int_equal(t_load(o), 0);
	return desc.arch;
}

/* Only AArch64 cores make arm64; v7 and older, Cortex-A32 (AArch32
 * only) and cores nobody knows are arm32; --arch overrides. */
static void test_arch_from_cpus(void **state)
{
	static const char *const v8[] = {"arm,cortex-a53", "arm,cortex-a72",
					 "qcom,kryo468", "arm,cortex-a510"};
	static const char *const v7[] = {"arm,cortex-a15", "arm,cortex-a7"};
	static const char *const old[] = {"arm,arm926ej-s"};
	static const char *const a32[] = {"arm,cortex-a32"};
	static const char *const a7x[] = {"arm,cortex-a7", "arm,cortex-a73"};
	static const char *const odd[] = {"vendor,mystery-core"};
	struct sim_dt_options o = {.arch = DMK_ARCH_ARM32};

	(void)state;
	assert_int_equal(arch_of(v8, 4, NULL), DMK_ARCH_ARM64);
	assert_int_equal(arch_of(v7, 2, NULL), DMK_ARCH_ARM32);
	assert_int_equal(arch_of(old, 1, NULL), DMK_ARCH_ARM32);
	assert_int_equal(arch_of(a32, 1, NULL), DMK_ARCH_ARM32);
	/* "arm,cortex-a7" is not a prefix match for A7x */
	assert_int_equal(arch_of(a7x, 1, NULL), DMK_ARCH_ARM32);
	assert_int_equal(arch_of(a7x + 1, 1, NULL), DMK_ARCH_ARM64);
	assert_int_equal(arch_of(odd, 1, NULL), DMK_ARCH_ARM32);
	/* no cpu nodes: nothing proves AArch64, so the stricter arm32 */
	assert_int_equal(arch_of(NULL, 0, NULL), DMK_ARCH_ARM32);
	o.arch = DMK_ARCH_ARM64;
	assert_int_equal(arch_of(NULL, 0, &o), DMK_ARCH_ARM64);
	o.arch = DMK_ARCH_ARM32;
	assert_int_equal(arch_of(v8, 4, &o), DMK_ARCH_ARM32);
	o.arch = DMK_ARCH_ARM64;
	assert_int_equal(arch_of(v7, 2, &o), DMK_ARCH_ARM64);
}

struct seen {
	char path[8][sizeof(((struct sim_desc_device *)0)->path)];
	enum sim_dt_verdict v[8];
	int n;
};

static void see(void *ctx, const struct sim_desc_device *d,
		enum sim_dt_verdict v)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->path[s->n], sizeof(s->path[0]), "%s", d->path);
		s->v[s->n++] = v;
	}
}

/* inspect --all: every device of_platform_populate would create, with
 * dmakit's verdict; a device under a non-bus (an MDIO PHY) is none. */
static void test_every_platform_device(void **state)
{
	struct seen s = {0};
	struct sim_dt_options o = {.each = see, .each_ctx = &s};

	(void)state;
	t_root_with_memory();
	t_simple_bus("soc");
	t_node("ethernet@1000");
	t_str("compatible", "vendor,gmac");
	t_node("mdio");
	t_str("compatible", "snps,dwmac-mdio");
	t_device("ethernet-phy@0", "ethernet-phy-ieee802.3-c22");
	t_end();
	t_end();
	t_device("serial@4000", "vendor,uart");
	t_end();
	t_device("clock-25m", "fixed-clock");
	assert_int_equal(t_load(&o), 0);
	assert_int_equal(desc.nr_devs, 1);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.path[0], "/soc/ethernet@1000");
	assert_int_equal(s.v[0], SIM_DT_MASTER);
	assert_string_equal(s.path[1], "/soc/serial@4000");
	assert_int_equal(s.v[1], SIM_DT_NO_EVIDENCE);
	assert_string_equal(s.path[2], "/clock-25m");
	assert_int_equal(s.v[2], SIM_DT_NO_EVIDENCE);
}

static void test_broken_references(void **state)
{
	(void)state;
	/* two nodes claim one phandle */
	t_root_with_memory();
	t_node("a");
	t_u32("phandle", 5);
	t_end();
	t_node("b");
	t_u32("phandle", 5);
	t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "phandle 0x5"));

	/* iommus naming nothing: Linux defers that device's probe; the
	 * tree and its other masters are configured. */
	t_root_with_memory();
	t_node("dev");
	t_str("compatible", "test,dev");
	t_cells("iommus", 2, 0x77, 1);
	t_end();
	t_node("other");
	t_str("compatible", "test,other");
	t_flag("dma-coherent");
	t_end();
	assert_int_equal(t_load(NULL), 0);
	assert_int_equal(desc.nr_devs, 1);
	assert_string_equal(desc.devs[0].path, "/other");
	assert_non_null(strstr(desc.notes, "/dev: IOMMU phandle 0x77"));

	/* a ragged dma-ranges */
	t_root_with_memory();
	t_node("bus");
	t_u32("#address-cells", 1);
	t_u32("#size-cells", 1);
	t_cells("dma-ranges", 5, 0, 0, 0, 0x1000, 7);
	t_device("dev", "test,dev");
	t_end();
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "dma-ranges"));

	/* no memory at all */
	t_begin();
	t_device("dev", "test,dev");
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "--mem"));
}

/* A PCI host whose iommu-map names Xen's grant DMA node: the backend is
 * the ID out of the entry that covers requester ID 0 (Linux's
 * xen_dt_grant_init_backend_domid over of_map_id). */
static void t_grant_pci(int n, ...)
{
	fdt32_t v[16];
	va_list ap;

	t_root_with_memory();
	t_node("xen-grant-dma");
	t_str("compatible", "xen,grant-dma");
	t_u32("#iommu-cells", 1);
	t_u32("phandle", 3);
	t_end();
	t_node("pcie");
	t_str("compatible", "pci-host-ecam-generic");
	t_str("device_type", "pci");
	t_u32("#address-cells", 3);
	t_u32("#size-cells", 2);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		v[i] = cpu_to_fdt32(va_arg(ap, uint32_t));
	va_end(ap);
	assert_int_equal(fdt_property(tree, "iommu-map", v, n * 4), 0);
	t_end();
}

static void test_grant_dma_iommu_map(void **state)
{
	const struct sim_desc_device *d;

	(void)state;
	/* The second entry covers requester ID 0: domain 5, not 9. */
	t_grant_pci(8, 0x100, 3, 9, 0x100, 0x0, 3, 5, 0x100);
	assert_int_equal(t_load(NULL), 0);
	d = dev_by_path("/pcie");
	assert_true(d->grant_dma);
	assert_int_equal(d->grant_backend, 5);
	assert_int_equal(d->smmu, -1);
	assert_int_equal(desc.nr_smmus, 0);

	/* No entry covers it: of_map_id translates nothing, no grants
	 * (and no fallback to the first entry, as for an SMMU). */
	t_grant_pci(4, 0x100, 3, 9, 0x100);
	assert_int_equal(t_load(NULL), 0);
	d = dev_by_path("/pcie");
	assert_false(d->grant_dma);
	assert_int_equal(d->smmu, -1);
	assert_non_null(strstr(desc.notes, "no entry for requester ID 0x0"));

	/* A reserved domain ID is refused like the iommus form's. */
	t_grant_pci(4, 0x0, 3, 0x7ff0, 0x10);
	assert_int_equal(t_load(NULL), -1);
	assert_non_null(strstr(err, "backend domain below 0x7ff0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fixture_loads),
		cmocka_unit_test(test_rpi4_needs_mem),
		cmocka_unit_test(test_rpi4_soc_offset_and_reach),
		cmocka_unit_test(test_juno_pcie_coherent_behind_smmu),
		cmocka_unit_test(test_qemu_virt_smmu),
		cmocka_unit_test(test_hikey_pools),
		cmocka_unit_test(test_fvp_pool_bound),
		cmocka_unit_test(test_xen_dom0),
		cmocka_unit_test(test_mem_override),
		cmocka_unit_test(test_nested_dma_ranges),
		cmocka_unit_test(test_coherence_inheritance),
		cmocka_unit_test(test_restricted_pool_and_iommu),
		cmocka_unit_test(test_grant_dma_iommu_map),
		cmocka_unit_test(test_too_many_masters),
		cmocka_unit_test(test_bad_magic_and_tiny),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_absurd_cells),
		cmocka_unit_test(test_masters_by_evidence),
		cmocka_unit_test(test_all_disabled_noted),
		cmocka_unit_test(test_broken_references),
		cmocka_unit_test(test_arch_from_cpus),
		cmocka_unit_test(test_debian_arm32_trees),
		cmocka_unit_test(test_dove_old_names),
		cmocka_unit_test(test_mask_rule_above_4g),
		cmocka_unit_test(test_mask_rule_synthetic),
		cmocka_unit_test(test_every_platform_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
