/* SPDX-License-Identifier: MIT */
/*
 * "nic-own-ops": a driver that installs its own dma_map_ops in its probe
 * (set_dma_ops), after the platform set the device up.  Its policy: it
 * keeps its coherent buffers in power-of-two sizes (so that it can
 * recycle them between rings of different lengths); everything else it
 * does through the arch's dma-direct ops for the device's coherency, the
 * ops the platform had installed when the driver probed.
 *
 * On native hardware this is a perfectly correct driver.  Under Xen it is
 * the case of the 2013 thread: a device's own ops that a hypervisor layer
 * installed only as the *default* ops never sees, so on a dom0 that is
 * not 1:1 its buffers go to the device by guest-physical address.
 * dmakit's per-device Xen ops wrap it instead (dmk_set_dma_ops puts it
 * inside), which is why the same driver is correct there.
 */
#include "workload.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

struct own_binding {
	const struct dmk_device *dev;
	const struct dmk_dma_map_ops *parent;
};

static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static struct own_binding own_bindings[SIM_DESC_MAX_DEVS * 4];

static const struct dmk_dma_map_ops *parent_of(const struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *p = NULL;

	pthread_mutex_lock(&own_lock);
	for (size_t i = 0; i < SIM_DESC_MAX_DEVS * 4; i++)
		if (own_bindings[i].dev == dev) {
			p = own_bindings[i].parent;
			break;
		}
	pthread_mutex_unlock(&own_lock);
	return p;
}

static int bind(const struct dmk_device *dev,
		const struct dmk_dma_map_ops *parent)
{
	int ret = -DMK_ENOMEM;

	pthread_mutex_lock(&own_lock);
	for (size_t i = 0; i < SIM_DESC_MAX_DEVS * 4; i++)
		if (!own_bindings[i].dev) {
			own_bindings[i].dev = dev;
			own_bindings[i].parent = parent;
			ret = 0;
			break;
		}
	pthread_mutex_unlock(&own_lock);
	return ret;
}

static void unbind(const struct dmk_device *dev)
{
	pthread_mutex_lock(&own_lock);
	for (size_t i = 0; i < SIM_DESC_MAX_DEVS * 4; i++)
		if (own_bindings[i].dev == dev)
			own_bindings[i].dev = NULL;
	pthread_mutex_unlock(&own_lock);
}

static size_t pow2_size(size_t size)
{
	size_t s = DMK_PAGE_SIZE;

	while (s < size)
		s <<= 1;
	return s;
}

static void *own_alloc(struct dmk_device *dev, size_t size,
		       dmk_addr_t *dma_handle, unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (!p || !p->alloc)
		return NULL;
	return p->alloc(dev, pow2_size(size), dma_handle, attrs);
}

static void own_free(struct dmk_device *dev, size_t size, void *cpu_addr,
		     dmk_addr_t dma_handle, unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->free)
		p->free(dev, pow2_size(size), cpu_addr, dma_handle, attrs);
}

static dmk_addr_t own_map_page(struct dmk_device *dev, dmk_phys_t phys,
			       size_t size, enum dmk_data_direction dir,
			       unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (!p || !p->map_page)
		return DMK_MAPPING_ERROR;
	return p->map_page(dev, phys, size, dir, attrs);
}

static void own_unmap_page(struct dmk_device *dev, dmk_addr_t addr, size_t size,
			   enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->unmap_page)
		p->unmap_page(dev, addr, size, dir, attrs);
}

static int own_map_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
		      enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (!p || !p->map_sg)
		return 0;
	return p->map_sg(dev, sg, nents, dir, attrs);
}

static void own_unmap_sg(struct dmk_device *dev, struct dmk_sg *sg, int nents,
			 enum dmk_data_direction dir, unsigned long attrs)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->unmap_sg)
		p->unmap_sg(dev, sg, nents, dir, attrs);
}

static void own_sync_single_for_cpu(struct dmk_device *dev, dmk_addr_t addr,
				    size_t size, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->sync_single_for_cpu)
		p->sync_single_for_cpu(dev, addr, size, dir);
}

static void own_sync_single_for_device(struct dmk_device *dev, dmk_addr_t addr,
				       size_t size, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->sync_single_for_device)
		p->sync_single_for_device(dev, addr, size, dir);
}

static void own_sync_sg_for_cpu(struct dmk_device *dev, struct dmk_sg *sg,
				int nents, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->sync_sg_for_cpu)
		p->sync_sg_for_cpu(dev, sg, nents, dir);
}

static void own_sync_sg_for_device(struct dmk_device *dev, struct dmk_sg *sg,
				   int nents, enum dmk_data_direction dir)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->sync_sg_for_device)
		p->sync_sg_for_device(dev, sg, nents, dir);
}

static int own_dma_supported(struct dmk_device *dev, uint64_t mask)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->dma_supported)
		return p->dma_supported(dev, mask);
	return 1;
}

static size_t own_max_mapping_size(struct dmk_device *dev)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);

	if (p && p->max_mapping_size)
		return p->max_mapping_size(dev);
	return SIZE_MAX;
}

const struct dmk_dma_map_ops wl_nic_own_ops = {
	.name = "nic-own-ops",
	.alloc = own_alloc,
	.free = own_free,
	.map_page = own_map_page,
	.unmap_page = own_unmap_page,
	.map_sg = own_map_sg,
	.unmap_sg = own_unmap_sg,
	.sync_single_for_cpu = own_sync_single_for_cpu,
	.sync_single_for_device = own_sync_single_for_device,
	.sync_sg_for_cpu = own_sync_sg_for_cpu,
	.sync_sg_for_device = own_sync_sg_for_device,
	.dma_supported = own_dma_supported,
	.max_mapping_size = own_max_mapping_size,
};

/*
 * The arch's ops for the device as the platform set it up: what
 * get_dma_ops returns, or, when a hypervisor layer wraps the device, the
 * native ops it keeps inside.
 */
static const struct dmk_dma_map_ops *arch_ops(struct dmk_device *dev)
{
	return dmk_get_native_dma_ops(dev);
}

int wl_drivers_probe(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct dmk_device *dev = &w->devs[i].dev;
		int ret;

		if (!w->devs[i].desc->own_ops)
			continue;
		ret = bind(dev, arch_ops(dev));
		if (ret)
			return ret;
		dmk_set_dma_ops(dev, &wl_nic_own_ops);
	}
	return 0;
}

void wl_drivers_remove(struct sim_world *w)
{
	for (unsigned int i = 0; i < w->nr_devs; i++)
		if (w->devs[i].desc->own_ops)
			unbind(&w->devs[i].dev);
}

/* The chain a call really takes, down to what the driver's ops use. */
int wl_ops_chain(struct dmk_device *dev, char *buf, size_t len)
{
	const struct dmk_dma_map_ops *p = parent_of(dev);
	size_t used;
	int ret = dmk_dma_ops_chain(dev, buf, len);

	if (ret < 0 || !p || !p->name)
		return ret;
	used = strlen(buf);
	if (used + 1 < len)
		snprintf(buf + used, len - used, ">%s", p->name);
	return 0;
}
