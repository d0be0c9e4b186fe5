// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * QEMU's edu device (hw/misc/edu.c, docs/specs/edu.rst): a DMA engine
 * that copies between RAM and a 4 KiB buffer of its own, one transfer at
 * a time.  This file only drives the registers; which bus addresses it
 * is given is dmakit's business (test.c, naive.c).
 *
 * BAR 0, 1 MiB of registers:
 *   0x00 identification 0x010000ed     0x04 liveness: reads ~ what was written
 *   0x80 DMA source (8 bytes)          0x88 DMA destination (8 bytes)
 *   0x90 DMA count                     0x98 DMA command: bit 0 run,
 *        bit 1 direction (0: RAM -> buffer, 1: buffer -> RAM), bit 2 IRQ
 * The buffer is at 0x40000 in the engine's own address space.  A transfer
 * starts 100 ms of QEMU's virtual clock after the command and clears the
 * run bit when done; registers written meanwhile are ignored.  The RAM
 * address is ANDed with the device's dma_mask (28 bits by default; QEMU
 * logs "EDU: clamping DMA" under -d guest_errors).  The buffer side is
 * checked, and QEMU 7.2 (Debian 12's) stops the whole machine with
 * hw_error when the check fails; its check wants the end of the transfer
 * strictly inside the buffer, so a transfer may use offsets 0..4094 only
 * (DMK_EDU_XFER_MAX bytes at most), and never 0 bytes.  edu_xfer()
 * refuses anything else before the device sees it.
 *
 * Completion is polled, not interrupt-driven: the transfers are strictly
 * one at a time and the 100 ms dominate anyway.
 */
#include "dmk-linux.h"

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/jiffies.h>

#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98

#define EDU_CMD_RUN 0x1
#define EDU_CMD_TO_RAM 0x2

#define EDU_BUF_BASE 0x40000

/* Generous: the engine waits 100 ms, TCG may be slow to get there. */
#define EDU_TIMEOUT_MS 10000

static void edu_write64(struct dmk_edu *edu, unsigned int reg, uint64_t v)
{
#ifdef CONFIG_64BIT
	writeq(v, edu->regs + reg);
#else
	/* A 4-byte write sets the whole register; addresses are 32-bit. */
	writel((u32)v, edu->regs + reg);
#endif
}

int dmk_edu_open(struct dmk_edu *edu, struct pci_dev *pdev)
{
	u32 id, live;
	int rc;

	memset(edu, 0, sizeof(*edu));
	pci_dev_get(pdev);
	rc = pci_enable_device_mem(pdev);
	if (rc) {
		pr_err("dmakit-edu: %s: cannot enable: %d\n", pci_name(pdev),
		       rc);
		goto err_put;
	}
	/* Without bus mastering QEMU drops the engine's accesses. */
	pci_set_master(pdev);
	edu->regs = pci_iomap(pdev, 0, 0);
	if (!edu->regs) {
		pr_err("dmakit-edu: %s: cannot map BAR 0\n", pci_name(pdev));
		rc = -ENOMEM;
		goto err_disable;
	}
	id = readl(edu->regs + EDU_ID);
	writel(0x12345678, edu->regs + EDU_LIVENESS);
	live = readl(edu->regs + EDU_LIVENESS);
	if ((id & 0xff) != 0xed || live != ~0x12345678U) {
		pr_err("dmakit-edu: %s: not an edu (id %#x, liveness %#x)\n",
		       pci_name(pdev), id, live);
		rc = -ENODEV;
		goto err_unmap;
	}
	edu->pdev = pdev;
	pr_info("dmakit-edu: %s: edu %u.%u, BAR 0 at %pR\n", pci_name(pdev),
		id >> 24, (id >> 16) & 0xff, &pdev->resource[0]);
	return 0;

err_unmap:
	pci_iounmap(pdev, edu->regs);
err_disable:
	pci_disable_device(pdev);
err_put:
	pci_dev_put(pdev);
	return rc;
}

void dmk_edu_close(struct dmk_edu *edu)
{
	if (!edu->pdev)
		return;
	pci_clear_master(edu->pdev);
	pci_iounmap(edu->pdev, edu->regs);
	pci_disable_device(edu->pdev);
	pci_dev_put(edu->pdev);
	edu->pdev = NULL;
}

static int edu_wait(struct dmk_edu *edu)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(EDU_TIMEOUT_MS);

	/* Nothing can happen before the engine's 100 ms timer fires. */
	msleep(95);
	while (readl(edu->regs + EDU_DMA_CMD) & EDU_CMD_RUN) {
		if (time_after(jiffies, deadline)) {
			edu->timeouts++;
			return -ETIMEDOUT;
		}
		usleep_range(500, 1000);
	}
	return 0;
}

static int edu_xfer(struct dmk_edu *edu, uint64_t src, uint64_t dst,
		    unsigned int buf_off, unsigned int len, u32 cmd)
{
	if (len == 0 || len > DMK_EDU_XFER_MAX ||
	    buf_off > DMK_EDU_XFER_MAX - len) {
		pr_err("dmakit-edu: refusing a transfer of %u bytes at buffer offset %u\n",
		       len, buf_off);
		return -EINVAL;
	}
	edu_write64(edu, EDU_DMA_SRC, src);
	edu_write64(edu, EDU_DMA_DST, dst);
	edu_write64(edu, EDU_DMA_CNT, len);
	/* The command register is the doorbell: every byte the CPU wrote to
	 * the buffer must be visible before the device is told to go. */
	wmb();
	writel(cmd | EDU_CMD_RUN, edu->regs + EDU_DMA_CMD);
	edu->transfers++;
	return edu_wait(edu);
}

int dmk_edu_to_device(struct dmk_edu *edu, dmk_addr_t addr,
		      unsigned int buf_off, unsigned int len)
{
	return edu_xfer(edu, addr, EDU_BUF_BASE + buf_off, buf_off, len, 0);
}

int dmk_edu_from_device(struct dmk_edu *edu, dmk_addr_t addr,
			unsigned int buf_off, unsigned int len)
{
	int rc = edu_xfer(edu, EDU_BUF_BASE + buf_off, addr, buf_off, len,
			  EDU_CMD_TO_RAM);

	/* The device's writes before the CPU reads what it wrote. */
	rmb();
	return rc;
}
