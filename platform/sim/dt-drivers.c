/* SPDX-License-Identifier: MIT */
/*
 * The DMA mask each known Linux driver sets at probe (dt-drivers.h).
 *
 * Linux's counterpart is spread over the drivers: a platform device
 * starts at 32 bits (of_dma_configure) and its probe raises the mask.
 * One row per of_match_table entry, with the function that does it, as
 * read in Debian 12's linux-source-6.1 (6.1.192-3).  A driver that keeps
 * the default needs no row; a row that says 32 records a driver that
 * sets it explicitly (so a reader of `dmakit inspect` sees it was
 * looked at).
 */
#include "dt-drivers.h"

#include <stddef.h>
#include <string.h>

static const struct sim_dt_driver_mask rows[] = {
	/* drivers/net/ethernet/apm/xgene/xgene_enet_main.c, xgene_enet_probe:
	 * dma_coerce_mask_and_coherent(dev, DMA_BIT_MASK(64)) */
	{"apm,xgene-enet", "xgene-enet", 64, false},
	{"apm,xgene1-sgenet", "xgene-enet", 64, false},
	{"apm,xgene1-xgenet", "xgene-enet", 64, false},
	{"apm,xgene2-sgenet", "xgene-enet", 64, false},
	{"apm,xgene2-xgenet", "xgene-enet", 64, false},
	/* drivers/dma/xgene-dma.c, xgene_dma_probe:
	 * dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(42)) */
	{"apm,xgene-storm-dma", "xgene-dma", 42, false},
	/* drivers/ata/ahci_xgene.c probes through ahci_platform_init_host
	 * (libahci_platform.c): dma_coerce_mask_and_coherent(64) only when
	 * the controller's CAP register has S64A (HOST_CAP_64). */
	{"apm,xgene-ahci", "ahci-xgene", 64, true},
	{"apm,xgene-ahci-v2", "ahci-xgene", 64, true},
	/* drivers/mmc/host/sdhci-of-arasan.c probes through
	 * sdhci_setup_host (sdhci.c): sdhci_set_dma_mask sets 64 when
	 * sdhci_can_64bit_dma() reads the 64-bit capability, else 32; the
	 * generic Arasan data has no SDHCI_QUIRK2_BROKEN_64_BIT_DMA. */
	{"arasan,sdhci-4.9a", "sdhci-arasan", 64, true},
	/* drivers/usb/host/ehci-orion.c, ehci_orion_drv_probe:
	 * dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32)) */
	{"marvell,orion-ehci", "orion-ehci", 32, false},
	{"marvell,armada-3700-ehci", "orion-ehci", 32, false},
};

const struct sim_dt_driver_mask *sim_dt_driver_mask(const char *compatible,
						    int len)
{
	const char *p = compatible, *end = compatible + (len > 0 ? len : 0);

	while (compatible && p < end) {
		size_t n = strnlen(p, (size_t)(end - p));

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			if (strlen(rows[i].compatible) == n &&
			    !memcmp(rows[i].compatible, p, n))
				return &rows[i];
		p += n + 1;
	}
	return NULL;
}
