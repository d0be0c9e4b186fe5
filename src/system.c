/* SPDX-License-Identifier: MIT */
/*
 * struct dmk_system: what Linux keeps in globals (io_tlb_default_mem,
 * the arch's dma ops, dma-debug's hash), bound to one platform so that
 * several operating systems can share a process.
 *
 * This file composes a system, the way Linux's arch code does at boot:
 * it asks the hypervisor layer whether it applies (xen_swiotlb_detect),
 * then creates the default bounce pool with the layer's remap hook
 * (swiotlb_init_remap with xen_swiotlb_fixup) and the DMA-API checker.
 * It is the only file of the core that names a layer; the rest of the
 * core reaches it through struct dmk_layer.
 */
#include "debug.h"
#include "internal.h"
#include "swiotlb.h"
#include "xen/layer.h"

#define DMK_SWIOTLB_DEFAULT_BYTES (64UL << 20) /* Linux's IO_TLB_DEFAULT_SIZE */

void dmk_system_config_default(struct dmk_system_config *cfg)
{
	*cfg = (struct dmk_system_config){
		.swiotlb_bytes = DMK_SWIOTLB_DEFAULT_BYTES,
		.swiotlb_nareas = 0,
		.swiotlb_limit = 0,
		.swiotlb_force = false,
		.swiotlb_dynamic = false,
		.xen = true,
		.xen_exchange_and_pin = false,
		.debug = false,
	};
}

static int validate_config(const struct dmk_platform *plat,
			   const struct dmk_system_config *cfg)
{
	if (!plat || !plat->ops || !cfg)
		return -DMK_EINVAL;
	if (!plat->ops->alloc_pages || !plat->ops->free_pages) {
		dmk_log(plat, DMK_LOG_ERR,
			"dmakit: platform cannot allocate pages");
		return -DMK_EINVAL;
	}
	if (!plat->linear_base &&
	    (!plat->ops->phys_to_virt || !plat->ops->virt_to_phys)) {
		dmk_log(plat, DMK_LOG_ERR,
			"dmakit: platform has neither a linear map nor phys_to_virt/virt_to_phys");
		return -DMK_EINVAL;
	}
	if (cfg->swiotlb_force && cfg->swiotlb_bytes == 0) {
		dmk_log(plat, DMK_LOG_ERR,
			"dmakit: swiotlb forced but no swiotlb pool configured");
		return -DMK_EINVAL;
	}
	return 0;
}

/* The pool's last byte; the one place its default is decided. */
dmk_phys_t dmk_system_pool_limit(const struct dmk_system *sys)
{
	return sys->cfg.swiotlb_limit ? sys->cfg.swiotlb_limit
				      : DMK_SWIOTLB_DEFAULT_LIMIT;
}

static int layer_pool_remap(void *ctx, dmk_phys_t phys, size_t nslabs,
			    dmk_phys_t limit, bool transient)
{
	struct dmk_system *sys = ctx;

	return sys->layer->pool_remap(sys, phys, nslabs, limit, transient);
}

static void layer_pool_unremap(void *ctx, dmk_phys_t phys, size_t nslabs)
{
	struct dmk_system *sys = ctx;

	sys->layer->pool_unremap(sys, phys, nslabs);
}

/* The default pool's size (DMK_SWIOTLB_SIZE_AUTO in system.h). */
static size_t bounce_pool_bytes(const struct dmk_system *sys, bool remapped)
{
	const struct dmk_platform *plat = sys->plat;
	const uint64_t seg = (uint64_t)DMK_IO_TLB_SEGSIZE << DMK_IO_TLB_SHIFT;
	uint64_t ram = plat->ram_end - plat->ram_start, bytes;

	if (sys->cfg.swiotlb_bytes != DMK_SWIOTLB_SIZE_AUTO)
		return sys->cfg.swiotlb_bytes;
	if (remapped || sys->cfg.swiotlb_force || !plat->ram_end ||
	    plat->ram_end - 1 > dmk_system_pool_limit(sys))
		return DMK_SWIOTLB_DEFAULT_BYTES;
	bytes = (ram + 1023) >> 10;		/* 1 MiB per GiB */
	bytes = (bytes + seg - 1) & ~(seg - 1); /* whole segments */
	return bytes < DMK_SWIOTLB_DEFAULT_BYTES ? (size_t)bytes
						 : DMK_SWIOTLB_DEFAULT_BYTES;
}

static int create_bounce_pool(struct dmk_system *sys)
{
	struct dmk_swiotlb_remap remap = {
		.remap = layer_pool_remap,
		.unremap = layer_pool_unremap,
		.ctx = sys,
	};
	bool remapped = sys->layer && sys->layer->pool_remap;
	size_t bytes = bounce_pool_bytes(sys, remapped);
	int ret;

	if (bytes == 0)
		return 0;
	ret = dmk_swiotlb_init_remap(sys->plat, bytes,
				     dmk_system_pool_limit(sys),
				     sys->cfg.swiotlb_nareas,
				     remapped ? &remap : NULL, &sys->swiotlb);
	/*
	 * No memory below the limit even for the smallest pool: Linux's
	 * swiotlb_init_remap warns and boots without one, and so does the
	 * system (mappings that would bounce fail instead).
	 */
	if (ret == -DMK_ENOMEM) {
		dmk_log(sys->plat, DMK_LOG_WARN,
			"swiotlb: no memory for a bounce pool below 0x%llx: running without one",
			(unsigned long long)dmk_system_pool_limit(sys));
		sys->swiotlb = NULL;
		return 0;
	}
	if (!ret && sys->cfg.swiotlb_dynamic) {
		ret = dmk_swiotlb_dyn_init(sys->swiotlb,
					   dmk_system_pool_limit(sys));
		if (ret) {
			dmk_swiotlb_free(sys->swiotlb);
			sys->swiotlb = NULL;
		}
	}
	return ret;
}

static void free_bounce_pool(struct dmk_system *sys)
{
	dmk_swiotlb_dyn_exit(sys->swiotlb);
	dmk_swiotlb_free(sys->swiotlb);
	sys->swiotlb = NULL;
}

static void layer_exit(struct dmk_system *sys)
{
	if (sys->layer && sys->layer->exit)
		sys->layer->exit(sys);
	sys->layer = NULL;
	sys->layer_data = NULL;
}

int dmk_system_create(struct dmk_system **out, const struct dmk_platform *plat,
		      const struct dmk_system_config *cfg)
{
	struct dmk_system *sys;
	int ret;

	if (!out)
		return -DMK_EINVAL;
	*out = NULL;
	ret = validate_config(plat, cfg);
	if (ret)
		return ret;

	sys = dmk_env_zalloc(sizeof(*sys));
	if (!sys)
		return -DMK_ENOMEM;
	sys->plat = plat;
	sys->cfg = *cfg;

	/* xen_swiotlb_detect(): the layer comes first, its pool after. */
	if (plat->xen && cfg->xen) {
		ret = dmk_xen_layer_attach(sys);
		if (ret)
			goto err_free;
	}
	ret = create_bounce_pool(sys);
	if (ret)
		goto err_layer;
	if (sys->layer && sys->layer->pool_ready) {
		ret = sys->layer->pool_ready(sys);
		if (ret)
			goto err_pool;
	}
	if (cfg->debug) {
		ret = dmk_debug_create(sys, &sys->debug);
		if (ret)
			goto err_pool;
	}

	*out = sys;
	return 0;

err_pool:
	free_bounce_pool(sys);
err_layer:
	layer_exit(sys);
err_free:
	dmk_env_free(sys);
	return ret;
}

void dmk_system_destroy(struct dmk_system *sys)
{
	if (!sys)
		return;
	if (sys->debug)
		dmk_debug_destroy(sys->debug);
	/* The pools first: their unremap needs the layer. */
	free_bounce_pool(sys);
	layer_exit(sys);
	dmk_env_free(sys);
}

const struct dmk_platform *dmk_system_platform(const struct dmk_system *sys)
{
	return sys ? sys->plat : NULL;
}
