/* SPDX-License-Identifier: MIT */
/*
 * A program outside the tree: only <dmakit/dmakit.h>, linked against the
 * shared library, on the host platform.  It bounces a buffer and checks
 * the bytes, as a user of dmakit as a bounce-buffer library would.
 */
#include <dmakit/dmakit.h>
#include <dmakit/host.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct dmk_host_platform *hp;
	struct dmk_system *sys;
	struct dmk_system_config cfg;
	struct dmk_device dev;
	dmk_phys_t phys;
	if (dmk_host_platform_create(64 << 20, &hp))
		return 1;
	const struct dmk_platform *p = dmk_host_platform(hp);
	dmk_system_config_default(&cfg);
	cfg.swiotlb_bytes = 4 << 20;
	cfg.swiotlb_force = true;
	if (dmk_system_create(&sys, p, &cfg))
		return 2;
	dmk_device_init(&dev, sys, "ext0");
	dev.coherent = true;
	if (dmk_device_setup_dma(&dev))
		return 3;
	void *buf = p->ops->alloc_pages(p->ctx, 0, ~0ULL, &phys);
	if (!buf)
		return 6;
	memset(buf, 0xab, 4096);
	dmk_addr_t a = dmk_map_single(&dev, buf, 1500, DMK_DMA_TO_DEVICE);
	if (dmk_mapping_error(&dev, a))
		return 4;
	const unsigned char *bounce = dmk_phys_to_virt(p, a);
	if (a == phys || bounce[0] != 0xab || bounce[1499] != 0xab)
		return 5;
	printf("bounced %#llx to %#llx\n", (unsigned long long)phys,
	       (unsigned long long)a);
	dmk_unmap_single(&dev, a, 1500, DMK_DMA_TO_DEVICE);
	dmk_device_fini(&dev);
	dmk_system_destroy(sys);
	dmk_host_platform_destroy(hp);
	return 0;
}
