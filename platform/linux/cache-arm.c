// SPDX-License-Identifier: MIT OR GPL-2.0
/*
 * Data cache maintenance to the point of coherency, by virtual address,
 * for the library's non-coherent DMA paths on ARM.
 *
 * Linux does this in arch/arm64/mm/cache.S (dcache_clean_poc,
 * dcache_inval_poc, dcache_clean_inval_poc) and arch/arm/mm/cache-v7.S,
 * and reaches it through arch_sync_dma_for_device/_for_cpu; none of them
 * is exported to modules in Debian's 6.1 kernels (checked against their
 * Module.symvers), so the module issues the same instructions itself: one
 * per line of the smallest data cache line (CTR's DminLine), then a DSB
 * so that the maintenance is complete before the device is told to go.
 *
 * Invalidation would discard a neighbour's dirty bytes in a partial line
 * at either end, so those lines are cleaned and invalidated instead, as
 * dcache_inval_poc does.
 */
#include "dmk-linux.h"

#if defined(CONFIG_ARM64) || defined(CONFIG_ARM)

#include <asm/barrier.h>
#include <asm/cputype.h>

static unsigned long dline(void)
{
	/* CTR.DminLine: log2 of the line in 4-byte words, bits 19:16. */
	return 4UL << ((read_cpuid_cachetype() >> 16) & 0xf);
}

#ifdef CONFIG_ARM64
static inline void dc_cvac(unsigned long a)
{
	asm volatile("dc cvac, %0" : : "r"(a) : "memory");
}

static inline void dc_ivac(unsigned long a)
{
	asm volatile("dc ivac, %0" : : "r"(a) : "memory");
}

static inline void dc_civac(unsigned long a)
{
	asm volatile("dc civac, %0" : : "r"(a) : "memory");
}
#else
static inline void dc_cvac(unsigned long a)
{
	asm volatile("mcr p15, 0, %0, c7, c10, 1" : : "r"(a) : "memory");
}

static inline void dc_ivac(unsigned long a)
{
	asm volatile("mcr p15, 0, %0, c7, c6, 1" : : "r"(a) : "memory");
}

static inline void dc_civac(unsigned long a)
{
	asm volatile("mcr p15, 0, %0, c7, c14, 1" : : "r"(a) : "memory");
}
#endif

void dmk_linux_dcache_clean(void *va, size_t size)
{
	unsigned long line = dline();
	unsigned long a = (unsigned long)va & ~(line - 1);
	unsigned long end = (unsigned long)va + size;

	for (; a < end; a += line)
		dc_cvac(a);
	dsb(sy);
}

void dmk_linux_dcache_inval(void *va, size_t size)
{
	unsigned long line = dline();
	unsigned long start = (unsigned long)va;
	unsigned long end = start + size;
	unsigned long a = start & ~(line - 1);

	for (; a < end; a += line) {
		if (a < start || a + line > end)
			dc_civac(a);
		else
			dc_ivac(a);
	}
	dsb(sy);
}

void dmk_linux_dcache_clean_inval(void *va, size_t size)
{
	unsigned long line = dline();
	unsigned long a = (unsigned long)va & ~(line - 1);
	unsigned long end = (unsigned long)va + size;

	for (; a < end; a += line)
		dc_civac(a);
	dsb(sy);
}

#endif
