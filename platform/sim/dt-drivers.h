/* SPDX-License-Identifier: MIT */
/*
 * What a master's Linux driver does with its DMA mask at probe.
 *
 * of_dma_configure() gives every platform device 32-bit masks and only
 * ever narrows them (to the bus's dma-ranges); a wider mask is the
 * driver's doing: dma_set_mask_and_coherent() or
 * dma_coerce_mask_and_coherent() in its probe, with a width the driver
 * knows (xgene-dma: 42) or reads from the controller (AHCI's CAP.S64A,
 * SDHCI's 64-bit capability).  The tree loader (dt.c) asks this table
 * which of the two a master's driver does; a master whose driver is not
 * in it keeps the default, as a driver that never calls
 * dma_set_mask() does.  The rule, and why a register-read width is
 * taken only where the tree proves it, is in docs/device-tree.md ("The
 * mask rule").  Each row was read in Debian 12's linux-source-6.1
 * (6.1.192-3); a row is added the same way, with its driver's function.
 */
#ifndef DMAKIT_SIM_DT_DRIVERS_H
#define DMAKIT_SIM_DT_DRIVERS_H

#include <stdbool.h>

struct sim_dt_driver_mask {
	const char *compatible; /* an entry of the driver's of_match_table */
	const char *driver;	/* the Linux driver (module) */
	unsigned int bits;	/* the width the driver sets */
	/* The width is set only when a capability register of the
	 * controller says so (else the driver keeps 32 bits). */
	bool capability;
};

/*
 * The row for the first string of a node's compatible list (len bytes,
 * NUL-separated, as in the blob) that a driver in the table matches, in
 * the list's order as Linux's of_match_device() prefers; NULL when none
 * does.
 */
const struct sim_dt_driver_mask *sim_dt_driver_mask(const char *compatible,
						    int len);

#endif
