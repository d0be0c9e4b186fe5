/* SPDX-License-Identifier: MIT */
/*
 * A whole simulated world: a description (what firmware would tell: RAM
 * banks, devices, IOMMUs, hypervisor) and the built thing (machine,
 * hypervisor, guests with their dmk_system, devices).
 *
 * Built-in platforms (platforms.c) and device trees (dt.c) both produce
 * a struct sim_world_desc; world.c builds any description.  The DT
 * loader is thus pure parsing, with no side effects, and easy to fuzz.
 */
#ifndef DMAKIT_SIM_WORLD_H
#define DMAKIT_SIM_WORLD_H

#include "sim.h"

#define SIM_DESC_MAX_DEVS 64
#define SIM_DESC_MAX_SMMUS 8
#define SIM_DESC_MAX_POOLS 16
#define SIM_DESC_MAX_REGIONS 8 /* dma-ranges regions kept per master */

enum sim_hyp {
	SIM_HYP_NONE,	      /* native: the OS owns the machine */
	SIM_HYP_XEN_ARM_1TO1, /* Xen on ARM, dom0 direct-mapped (Xen >= 4.4) */
	SIM_HYP_XEN_ARM,    /* Xen on ARM, dom0 not 1:1 (the 2013 situation) */
	SIM_HYP_XEN_X86_PV, /* x86 PV dom0 */
};

/* Where a master's mask comes from (the tree loader's mask rule). */
enum sim_mask_from {
	SIM_MASK_DEFAULT, /* of_dma_configure's 32 bits, kept by the driver */
	SIM_MASK_BUS,	  /* 64: PCI host, virtio, behind an IOMMU */
	SIM_MASK_DRIVER,  /* the driver's probe sets its own width */
	SIM_MASK_CAPABILITY, /* the driver reads the width from the controller */
	SIM_MASK_BUILTIN,    /* a built-in platform's device, as it is built */
};
const char *sim_mask_from_name(enum sim_mask_from f);

/* A reserved-memory region a device may be bound to. */
struct sim_desc_pool {
	char name[64];
	uint64_t base, size;
	bool restricted; /* restricted-dma-pool; else shared-dma-pool */
	bool no_map;
	/* shared-dma-pool + reusable: a CMA area (linux,cma-default: the
	 * system's), else per-device coherent memory (rmem_dma). */
	bool reusable, cma_default;
};

struct sim_desc_smmu {
	char name[96]; /* node path */
	bool coherent;
};

struct sim_desc_device {
	char path[128]; /* DT node path, or a built-in name */
	char compatible[64];
	bool coherent;
	unsigned int reach_bits; /* the device's own addressing (mask) */
	/* Who set reach_bits (docs/device-tree.md, the mask rule) and, for
	 * a driver's width, which Linux driver ("" otherwise). */
	enum sim_mask_from mask_from;
	char mask_driver[24];
	uint64_t bus_offset; /* bus = cpu address + bus_offset */
	uint64_t dma_limit; /* highest CPU address reachable (dma-ranges), ~0 */
	/* Firmware's dma_range_map (every dma-ranges region of the path,
	 * sorted by CPU address); 0 regions: bus_offset and dma_limit say
	 * it all.  With regions, bus_offset and dma_limit are the first
	 * region's offset and its reach, for display and pool placement. */
	struct dmk_bus_dma_region regions[SIM_DESC_MAX_REGIONS];
	unsigned int nr_regions;
	int smmu; /* index into smmus, -1 for none */
	uint32_t stream_id;
	int pool; /* index into pools (memory-region), -1 for none */
	/* Its dma-ranges reach no RAM outside the tree's reserved pools (a
	 * remote processor that sees only its own carve-outs): it is never
	 * run against system RAM (sim_desc_device_reaches_ram). */
	bool no_ram;
	/* Its dma-ranges reach RAM, but its mask (the default its driver
	 * keeps) does not: no_ram is set too, and this says why. */
	bool no_ram_by_mask;
	bool own_ops;  /* its driver installs its own dma_ops (set_dma_ops) */
	bool pci_host; /* a PCI host bridge: the masters behind it */
	/* Why the tree loader took it for a DMA master: "dma-ranges",
	 * "iommus", "dma-coherent", "memory-region", "pci-host", "dmas",
	 * or "class:<node name>"; "" for a built-in device. */
	char evidence[32];
	unsigned int guest; /* 0: dom0 or the native OS, 1: the domU */
	/* Grant DMA (docs/grant-dma.md): the tree's `iommus =
	 * <&xen_grant_dma DOMID>` (grant_dma, grant_backend), and whether
	 * the device is a virtio device (virtio,mmio or a built-in's). */
	bool grant_dma;
	uint16_t grant_backend;
	bool virtio;
};

struct sim_world_desc {
	char name[64];
	enum dmk_arch arch;
	enum sim_hyp hyp;
	struct sim_bank banks[SIM_MAX_BANKS];
	unsigned int nbanks;
	uint64_t dom0_pages;   /* Xen: dom0's RAM in pages (0: half the RAM) */
	uint64_t domu_pages;   /* Xen: a domU's pages (0: no domU) */
	bool domu_passthrough; /* a device is assigned to the domU */
	/* x86: the domU is autotranslated (HVM/PVH), not PV; its assigned
	 * devices sit behind Xen's IOMMU, which shares its p2m. */
	bool domu_hvm;
	/* Linux's CONFIG_XEN_VIRTIO_FORCE_GRANT: virtio devices without a
	 * grant binding use grant DMA with dom0 as their backend. */
	bool virtio_force_grant;
	uint64_t grant_table_base, grant_table_size; /* /hypervisor reg[0] */
	struct sim_desc_device devs[SIM_DESC_MAX_DEVS];
	unsigned int nr_devs;
	struct sim_desc_smmu smmus[SIM_DESC_MAX_SMMUS];
	unsigned int nr_smmus;
	struct sim_desc_pool pools[SIM_DESC_MAX_POOLS];
	unsigned int nr_pools;
	char chosen_bootargs[256];
	/* dt.c: what the loader simplified or left out (more masters or
	 * pools than fit, ...), "" when nothing; tools print it. */
	char notes[192];
};

struct sim_world_guest;
struct sim_faults;

/*
 * Designs other than dmakit's (the scenarios' naive and historical ones,
 * `dmakit run --xen-ops`) change the world at two points of a boot:
 * interposers on each guest's platform, and a call once a guest's DMA
 * layer is up and before any device is set up.  All NULL is dmakit.
 */
struct sim_world_hooks {
	void *arg;
	const struct sim_platform_hooks *platform;
	/* The guest's platform is filled in (what it learns at boot) and
	 * its DMA layer not yet started: a design that misreads the boot
	 * information changes it here.  0, or non-zero to stop the build. */
	int (*guest_boot)(void *arg, struct sim_world_guest *g);
	/* 0, or non-zero to stop the build. */
	int (*system_up)(void *arg, struct sim_world_guest *g);
};

struct sim_world_options {
	uint64_t seed;
	bool adversarial; /* adversarial cache mode */
	bool relocation;  /* the hypervisor relocates unpinned pages */
	/* Each guest gets a worker thread for the library's deferred work
	 * (a dynamic swiotlb's growth), as Linux's system workqueue.  Off:
	 * that work runs in the call that asked for it, so the order of
	 * platform calls depends on the seed alone (fault sweeps, fuzzing,
	 * reproducible runs). */
	bool background_work;
	/* For every guest's dmk_system.  swiotlb_limit 0 places each
	 * guest's pool below the most limited reach of its devices. */
	struct dmk_system_config cfg;
	FILE *log; /* guests' kernel log lines (NULL: discarded) */
	struct sim_world_hooks hooks;
	/* Fault injection from each guest's boot on (faults.h): every call
	 * its DMA layer makes while the system and the devices are set up.
	 * The guests keep it afterwards; NULL: none. */
	struct sim_faults *faults;
};

void sim_world_options_default(struct sim_world_options *o);

/* The one spelling of each name: "arm64", "arm32", "x86_64", "host". */
const char *sim_arch_name(enum dmk_arch a);
/* "none", "xen-arm-dom0-1to1", "xen-arm-dom0", "xen-x86-pv". */
const char *sim_hyp_name(enum sim_hyp h);
/* The same, as a person reads it: "xen-arm (dom0 1:1)" ... */
const char *sim_hyp_summary(enum sim_hyp h);

/*
 * What makes a DMA master a different case for the DMA layer, as bits:
 * coherent, limited (a reach below 64 bits, a bus offset or a dma-ranges
 * limit), behind an IOMMU, bound to a restricted pool, bound to a shared
 * pool, a PCI host bridge.  `dmakit run` on a device tree keeps one
 * master of each kind; the tree loader keeps each kind first when a tree
 * has more masters than fit.
 */
unsigned int sim_desc_device_kind(const struct sim_world_desc *desc,
				  const struct sim_desc_device *d);
#define SIM_DESC_KINDS 128 /* kinds are below this */

/*
 * Can the workloads run on this master?  Yes unless its dma-ranges
 * reach no RAM (no_ram); then only through a restricted-dma-pool of its
 * own, which every bounce of it goes through.  A master that cannot is
 * listed as "unable to reach RAM", never run and so never counted as a
 * failure of the DMA layer.
 */
bool sim_desc_device_reaches_ram(const struct sim_world_desc *desc,
				 const struct sim_desc_device *d);

/* Why a master reaches no RAM (no_ram), in one phrase for inspect and
 * run: its dma-ranges, or its mask and who set it.  Returns buf. */
const char *sim_desc_no_ram_why(const struct sim_desc_device *d, char *buf,
				size_t len);

/* What the world made of a master's memory-region pool (attach_pool),
 * so that dmakit inspect shows what is configured, not what is named. */
enum sim_pool_use {
	SIM_POOL_NONE,	       /* the tree names none */
	SIM_POOL_COHERENT,     /* shared-dma-pool: its coherent memory */
	SIM_POOL_CMA,	       /* reusable shared-dma-pool: its CMA area */
	SIM_POOL_RESTRICTED,   /* restricted-dma-pool: its bounce pool */
	SIM_POOL_BEHIND_IOMMU, /* shared, not bound: the device has an IOMMU */
	SIM_POOL_NOT_RAM,      /* shared, not bound: not this guest's RAM */
};

/* "coherent", "cma", "restricted", "not bound: behind an IOMMU"... */
const char *sim_pool_use_name(enum sim_pool_use u);

struct sim_world_device {
	struct dmk_device dev; /* the library's view */
	enum sim_pool_use pool_use;
	/* The IOMMU domain of its group; the group's first master owns it. */
	struct dmk_iommu_domain *iommu;
	bool owns_iommu;
	/* Its restricted-dma-pool (the world's), or NULL. */
	struct dmk_swiotlb *restricted_pool;
	struct sim_device sd; /* the DMA engine */
	const struct sim_desc_device *desc;
	struct sim_world_guest *guest;
	/* Grant DMA: the backend domain's guest that serves the device's
	 * grant references (grant-backend.c), or NULL. */
	struct sim_world_guest *backend;
};

struct sim_world_guest {
	struct sim_domain *dom;
	struct sim_platform_dom pd;
	struct dmk_system *sys;
};

struct sim_world {
	struct sim_world_desc desc;
	struct sim_world_options opts;
	struct sim_machine *m;
	struct sim_xen *xen; /* NULL natively */
	struct sim_world_guest guests[2];
	unsigned int nr_guests;
	struct sim_smmu *smmus[SIM_DESC_MAX_SMMUS];
	struct dmk_swiotlb *pools[SIM_DESC_MAX_POOLS];
	struct dmk_cma *cmas[SIM_DESC_MAX_POOLS]; /* reusable pools */
	struct sim_world_device *devs;
	unsigned int nr_devs;
};

/* Whether the whole pool lies in the guest's RAM: only there does the
 * simulator have memory to back a shared-dma-pool or a CMA area. */
bool sim_world_pool_in_ram(const struct sim_world_guest *g,
			   const struct sim_desc_pool *p);

/* Returns 0, or -1 with a one-line reason in err. */
int sim_world_build(const struct sim_world_desc *desc,
		    const struct sim_world_options *opts,
		    struct sim_world **out, char *err, size_t errlen);
/* Waits until every guest's background work has run (see
 * background_work): before reading numbers that it changes. */
void sim_world_quiesce(struct sim_world *w);
/*
 * Every guest's DMA layer torn down (its devices, pools and system, as
 * an OS shutting down does), the simulated machine left as it is.
 * sim_world_destroy does this first, then frees the machine, the
 * hypervisor and the domains: host memory and mappings only, which a
 * process about to exit may leave to exit() (the fault sweep's forked
 * points, outside LeakSanitizer's builds).
 */
void sim_world_shutdown(struct sim_world *w);
void sim_world_destroy(struct sim_world *w);

/* grant-backend.c: the device's DMA engine becomes a backend in the
 * domain backend, reaching the front end's pages only through grant
 * mappings of its own (map_grant_ref, then a CPU copy). */
void sim_grant_backend_attach(struct sim_world_device *wd,
			      struct sim_world_guest *backend);

/* platforms.c: the built-in platforms. */
int sim_platform_desc(const char *name, struct sim_world_desc *desc, char *err,
		      size_t errlen);
/* NULL-terminated list of names, and a one-line summary of each. */
const char *const *sim_platform_names(void);
const char *sim_platform_summary(const char *name);
/* Append a device to d, as a board file would describe it: no dma-ranges
 * limit, no bus offset, no SMMU, no restricted pool, in dom0. */
struct sim_desc_device *sim_desc_add_device(struct sim_world_desc *d,
					    const char *name,
					    const char *compatible,
					    bool coherent,
					    unsigned int reach_bits);

/* dt.c: a description from a flattened device tree.  mem_override
 * (size, base) replaces /memory when size != 0.  Returns 0, or -1 with
 * one line in err (malformed or hostile blobs included). */
/* What sim_dt_load decided for one platform device (inspect --all). */
enum sim_dt_verdict {
	SIM_DT_MASTER,	     /* a DMA master by evidence: dmakit runs it */
	SIM_DT_NO_EVIDENCE,  /* configured by Linux, no sign it does DMA */
	SIM_DT_UNCONFIGURED, /* Linux would defer it (dangling iommus) */
};
typedef void (*sim_dt_each_fn)(void *ctx, const struct sim_desc_device *d,
			       enum sim_dt_verdict v);

struct sim_dt_options {
	uint64_t mem_size, mem_base; /* --mem SIZE[@BASE] */
	bool force_xen_dom0; /* behave as if a /hypervisor node were there */
	/* --arch: 0 takes the architecture from the tree's cpu nodes;
	 * DMK_ARCH_ARM32 or DMK_ARCH_ARM64 overrides it (a 32-bit kernel on
	 * an ARMv8 board). */
	int arch;
	/* If set, called for every device node Linux would create a
	 * platform device for, with the configuration of_dma_configure
	 * gives it (evidence empty unless a master), in tree order. */
	sim_dt_each_fn each;
	void *each_ctx;
};
int sim_dt_load(const void *blob, size_t len, const struct sim_dt_options *o,
		struct sim_world_desc *desc, char *err, size_t errlen);
int sim_dt_load_file(const char *path, const struct sim_dt_options *o,
		     struct sim_world_desc *desc, char *err, size_t errlen);

#endif /* DMAKIT_SIM_WORLD_H */
