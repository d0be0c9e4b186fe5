/* SPDX-License-Identifier: MIT */
/*
 * netback: a split driver across two guests.  The domU's front end puts
 * a packet in one of its pages and grants it to dom0; dom0's back end
 * maps the grant (a foreign page in dom0's physical space), maps that
 * page for DMA on one of dom0's devices and lets the device read it (TX),
 * or lets the device write into a writable grant (RX).  Then everything
 * is undone in order: DMA unmap, grant unmap, end of access, and the
 * domU checks what it sees in its own page.
 *
 * This is where swiotlb-xen meets foreign pages: their machine frames
 * are not dom0's, pfn_to_bfn must know them, and a non-coherent device
 * needs GNTTABOP_cache_flush for them since dom0 cannot maintain a
 * cache by a virtual address it does not own.
 */
#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define NB_MIN_PACKET 60

struct netback {
	struct wl_env *env;
	struct sim_world_device *wd;   /* dom0's device */
	struct sim_world_guest *front; /* the domU */
	uint64_t rng;
	uint8_t expect[DMK_PAGE_SIZE];
	uint8_t seen[DMK_PAGE_SIZE];
};

static bool nb_applies(const struct sim_world *w,
		       const struct sim_world_device *wd)
{
	return w->nr_guests > 1 && wd->guest == &w->guests[0];
}

static void *nb_init(struct wl_env *env, struct sim_world_device *wd,
		     uint64_t seed)
{
	struct netback *nb = calloc(1, sizeof(*nb));

	if (!nb)
		return NULL;
	nb->env = env;
	nb->wd = wd;
	nb->front = &env->w->guests[1];
	nb->rng = seed;
	return nb;
}

/* dom0's device moves len bytes at off of the foreign page. */
static void nb_backend_dma(struct netback *nb,
			   const struct dmk_xen_foreign_page *fp, size_t off,
			   size_t len, bool rx)
{
	struct dmk_device *dev = &nb->wd->dev;
	enum dmk_data_direction dir =
		rx ? DMK_DMA_FROM_DEVICE : DMK_DMA_TO_DEVICE;
	dmk_addr_t dma;

	dma = dmk_map_page(dev, fp->phys + off, len, dir);
	if (dmk_mapping_error(dev, dma)) {
		wl_oracle_map_error(nb->env->oracle, dev->name,
				    rx ? "netback-rx-map" : "netback-tx-map",
				    len);
		return;
	}
	if (rx) {
		sim_dev_dma_write(&nb->wd->sd, dma, nb->expect, len);
	} else {
		/* dom0's foreign page: its guest-physical address. */
		struct wl_at at = wl_at_run(fp->phys + off, dma);

		memset(nb->seen, 0, len);
		sim_dev_dma_read(&nb->wd->sd, dma, nb->seen, len);
		wl_oracle_check_at(nb->env->oracle, dev->name, "netback-tx",
				   nb->expect, nb->seen, len, &at);
	}
	dmk_unmap_page(dev, dma, len, dir);
}

static void nb_step(void *state)
{
	struct netback *nb = state;
	struct sim_world_guest *dom0 = nb->wd->guest;
	struct dmk_xen_foreign_page fp;
	bool rx = wl_rand(&nb->rng) & 1;
	size_t len = wl_rand_range(&nb->rng, NB_MIN_PACKET, DMK_PAGE_SIZE);
	size_t off = wl_rand_range(&nb->rng, 0, DMK_PAGE_SIZE - len);
	const char *name = nb->wd->dev.name;
	struct wl_buf page;
	int ref, ret;

	if (wl_buf_alloc(nb->env, nb->front, &nb->rng, DMK_PAGE_SIZE, 0,
			 &page)) {
		wl_oracle_map_error(nb->env->oracle, name, "netfront-page",
				    DMK_PAGE_SIZE);
		return;
	}
	/* The front end's packet (TX) or its stale page (RX). */
	wl_fill_pattern(&nb->rng, page.cpu, DMK_PAGE_SIZE);
	memcpy(nb->expect, (uint8_t *)page.cpu + off, len);
	if (rx)
		wl_fill_pattern(&nb->rng, nb->expect, len);

	ref = dmk_xen_grant_access(nb->front->sys, dom0->dom->domid, page.phys,
				   !rx);
	if (ref < 0) {
		wl_oracle_map_error(nb->env->oracle, name, "grant-access",
				    DMK_PAGE_SIZE);
		goto out_free;
	}
	ret = dmk_xen_map_foreign(dom0->sys, nb->front->dom->domid, ref, !rx,
				  &fp);
	if (ret) {
		wl_oracle_map_error(nb->env->oracle, name, "map-foreign",
				    DMK_PAGE_SIZE);
		goto out_end;
	}
	nb->env->oracle->foreign_maps++;
	nb_backend_dma(nb, &fp, off, len, rx);
	if (dmk_xen_unmap_foreign(dom0->sys, &fp))
		wl_oracle_map_error(nb->env->oracle, name, "unmap-foreign",
				    DMK_PAGE_SIZE);
out_end:
	if (dmk_xen_end_access(nb->front->sys, ref))
		wl_oracle_map_error(nb->env->oracle, name, "end-access",
				    DMK_PAGE_SIZE);
	if (rx && !ret) {
		/* The front end's page, as the domU has it; the bus
		 * address went with dom0's mapping. */
		struct wl_at at = wl_at_phys(page.phys + off);

		memcpy(nb->seen, (uint8_t *)page.cpu + off, len);
		wl_oracle_check_at(nb->env->oracle, name, "netback-rx",
				   nb->expect, nb->seen, len, &at);
	}
out_free:
	wl_buf_free(nb->env, nb->front, &page);
}

static void nb_fini(void *state)
{
	free(state);
}

const struct wl_workload wl_netback = {
	.name = "netback",
	.summary =
		"domU grants pages, dom0's back end maps them and moves them through a device",
	.applies = nb_applies,
	.init = nb_init,
	.step = nb_step,
	.fini = nb_fini,
};
