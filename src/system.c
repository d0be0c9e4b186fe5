/* SPDX-License-Identifier: MIT */
/*
 * struct dmk_system: what Linux keeps in globals (io_tlb_default_mem,
 * the Xen layer's state, dma-debug's hash), bound to one platform so
 * that several operating systems can share a process.
 */
#include "internal.h"

#define DMK_SWIOTLB_DEFAULT_BYTES (64UL << 20) /* Linux's IO_TLB_DEFAULT_SIZE */
#define DMK_SWIOTLB_DEFAULT_LIMIT 0xffffffffULL /* below 4 GiB, like Linux */

void dmk_system_config_default(struct dmk_system_config *cfg)
{
	*cfg = (struct dmk_system_config){
		.swiotlb_bytes = DMK_SWIOTLB_DEFAULT_BYTES,
		.swiotlb_nareas = 0,
		.swiotlb_limit = 0,
		.swiotlb_force = false,
		.xen = true,
		.xen_ops_mode = DMK_XEN_OPS_PER_DEVICE,
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
	if (cfg->xen_ops_mode != DMK_XEN_OPS_PER_DEVICE &&
	    cfg->xen_ops_mode != DMK_XEN_OPS_DEFAULT_ONLY &&
	    cfg->xen_ops_mode != DMK_XEN_OPS_DEVICE_FIRST) {
		dmk_log(plat, DMK_LOG_ERR, "dmakit: unknown Xen ops mode %d",
			(int)cfg->xen_ops_mode);
		return -DMK_EINVAL;
	}
	if (cfg->swiotlb_force && cfg->swiotlb_bytes == 0) {
		dmk_log(plat, DMK_LOG_ERR,
			"dmakit: swiotlb forced but no swiotlb pool configured");
		return -DMK_EINVAL;
	}
	return 0;
}

/*
 * On Xen the bounce pool must be machine-contiguous segment by segment,
 * which only the Xen layer can arrange (xen_swiotlb_init): it creates
 * sys->swiotlb itself.  Everywhere else the pool is ordinary pages.
 */
static bool xen_layer_wanted(const struct dmk_system *sys)
{
	return sys->plat->xen && sys->cfg.xen;
}

static int create_bounce_pool(struct dmk_system *sys)
{
	const struct dmk_system_config *cfg = &sys->cfg;
	dmk_phys_t limit = cfg->swiotlb_limit ? cfg->swiotlb_limit
					      : DMK_SWIOTLB_DEFAULT_LIMIT;

	if (xen_layer_wanted(sys))
		return dmk_xen_init(sys);
	if (cfg->swiotlb_bytes == 0)
		return 0;
	return dmk_swiotlb_init_alloc(sys->plat, cfg->swiotlb_bytes, limit,
				      cfg->swiotlb_nareas, &sys->swiotlb);
}

/* The Xen layer owns the pool it made machine-contiguous. */
static void destroy_bounce_pool(struct dmk_system *sys)
{
	if (xen_layer_wanted(sys))
		dmk_xen_exit(sys);
	else if (sys->swiotlb)
		dmk_swiotlb_free(sys->swiotlb);
	sys->swiotlb = NULL;
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

	sys = dmk_env_calloc(1, sizeof(*sys));
	if (!sys)
		return -DMK_ENOMEM;
	sys->plat = plat;
	sys->cfg = *cfg;

	ret = create_bounce_pool(sys);
	if (ret)
		goto err_free;

	if (cfg->debug) {
		ret = dmk_debug_create(sys, &sys->debug);
		if (ret)
			goto err_pool;
	}

	*out = sys;
	return 0;

err_pool:
	destroy_bounce_pool(sys);
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
	destroy_bounce_pool(sys);
	dmk_env_free(sys);
}

const struct dmk_platform *dmk_system_platform(const struct dmk_system *sys)
{
	return sys ? sys->plat : NULL;
}
