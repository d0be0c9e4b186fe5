/* SPDX-License-Identifier: MIT */
/*
 * The DMA engine of a simulated device: it reads and writes memory by bus
 * address, page by page, as a bus master does.  Each page goes through
 * the checks a real system would apply, in the order hardware applies
 * them: the device's own addressing reach (and the interconnect's
 * dma-ranges limit), the IOMMU, the memory map, a firewall confining the
 * device to its restricted-dma-pool, and under a hypervisor the frame's
 * ownership.  A page that fails moves no byte; the fault is
 * counted by kind and described in last_fault.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

static const char *const fault_names[SIM_FAULT_NR] = {
	[SIM_FAULT_REACH] = "beyond",
	[SIM_FAULT_NOT_RAM] = "not RAM",
	[SIM_FAULT_IOMMU] = "IOMMU fault",
	[SIM_FAULT_NOT_OWNED] = "frame not owned or granted",
	[SIM_FAULT_READ_ONLY] = "read-only grant",
	[SIM_FAULT_GRANT] = "no such grant",
	[SIM_FAULT_FIREWALL] = "outside its restricted pool",
};

/* Bit 63 of a grant DMA address (Linux's XEN_GRANT_DMA_ADDR_OFF). */
#define GRANT_ADDR_OFF (1ULL << 63)

void sim_device_init(struct sim_device *sd, struct sim_machine *m,
		     const char *name, bool coherent, unsigned int reach_bits,
		     uint64_t bus_offset)
{
	unsigned int k;

	memset(sd, 0, sizeof(*sd));
	snprintf(sd->name, sizeof(sd->name), "%s", name ? name : "dev");
	sd->m = m;
	sd->coherent = coherent;
	sd->reach_bits = reach_bits > 64 ? 64 : reach_bits;
	sd->bus_offset = bus_offset;
	for (k = 0; k < SIM_FAULT_NR; k++)
		atomic_init(&sd->faults[k], 0);
	atomic_init(&sd->bytes_read, 0);
	atomic_init(&sd->bytes_written, 0);
}

/* The message is for humans: a long device name may truncate it. */
__attribute__((format(printf, 2, 3))) static void
describe(struct sim_device *sd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sd->last_fault, sizeof(sd->last_fault), fmt, ap);
	va_end(ap);
}

/* Record a fault of the whole transfer (bus, len) at page address pbus.
 * last_fault is for humans: with concurrent faults the last one wins. */
static int fault(struct sim_device *sd, enum sim_fault_kind kind, bool write,
		 dmk_addr_t bus, size_t len, dmk_addr_t pbus)
{
	atomic_fetch_add(&sd->faults[kind], 1);
	if (kind == SIM_FAULT_REACH)
		describe(sd,
			 "%s: %s of %zu bytes at bus 0x%" PRIx64
			 " beyond %u-bit reach",
			 sd->name, write ? "write" : "read", len, bus,
			 sd->reach_bits);
	else
		describe(sd,
			 "%s: %s of %zu bytes at bus 0x%" PRIx64
			 ": %s at bus 0x%" PRIx64,
			 sd->name, write ? "write" : "read", len, bus,
			 fault_names[kind], pbus);
	return -1;
}

/* Machine address of one page-bounded piece, or a fault kind. */
static int translate(struct sim_device *sd, dmk_addr_t bus, size_t len,
		     bool write, uint64_t *ma)
{
	uint64_t last = bus + len - 1;

	if (last < bus || last > DMK_BIT_MASK(sd->reach_bits) ||
	    (sd->bus_limit && last > sd->bus_limit))
		return SIM_FAULT_REACH;
	if (sd->smmu) {
		if (!sim_smmu_translate(sd->smmu, bus, write, ma))
			return SIM_FAULT_IOMMU;
	} else if (sd->nr_map) {
		/* The interconnect decodes dma-ranges windows: an address in
		 * none of them (or running out of one) reaches nothing. */
		unsigned int i;

		for (i = 0; i < sd->nr_map; i++) {
			const struct dmk_bus_dma_region *r = &sd->map[i];

			if (bus - r->dma_start < r->size &&
			    last - r->dma_start < r->size)
				break;
		}
		if (i == sd->nr_map)
			return SIM_FAULT_REACH;
		*ma = sd->map[i].cpu_start + (bus - sd->map[i].dma_start);
	} else {
		/* The offset wraps mod 2^64 (dma.h): a negative one is a bus
		 * that sees RAM below its CPU address.  Whatever the
		 * subtraction gives, only the memory map says it is RAM. */
		*ma = bus - sd->bus_offset;
	}
	if (!sim_ma_is_ram(sd->m, *ma, len))
		return SIM_FAULT_NOT_RAM;
	if (sd->fw_size && (*ma - sd->fw_base >= sd->fw_size ||
			    *ma + len - 1 - sd->fw_base >= sd->fw_size))
		return SIM_FAULT_FIREWALL;
	if (sd->may_access &&
	    !sd->may_access(sd->may_access_ctx, *ma >> SIM_PAGE_SHIFT, write)) {
		/* A frame it could read but not write: a read-only grant. */
		if (write && sd->may_access(sd->may_access_ctx,
					    *ma >> SIM_PAGE_SHIFT, false))
			return SIM_FAULT_READ_ONLY;
		return SIM_FAULT_NOT_OWNED;
	}
	return -1;
}

static int dma(struct sim_device *sd, bool write, dmk_addr_t bus, uint8_t *rbuf,
	       const uint8_t *wbuf, size_t len)
{
	size_t done = 0;

	/* A transfer that wraps the bus address space reaches beyond any
	 * device's reach, whatever its first pages would do. */
	if (len && bus + len - 1 < bus)
		return fault(sd, SIM_FAULT_REACH, write, bus, len, bus);
	while (done < len) {
		dmk_addr_t pbus = bus + done;
		size_t chunk = SIM_PAGE_SIZE - (pbus & (SIM_PAGE_SIZE - 1));
		uint64_t ma;
		int kind;

		if (chunk > len - done)
			chunk = len - done;
		if (sd->grant_copy) {
			/* The backend's CPU copies: no bus, no cache model
			 * beyond its own cacheable mapping. */
			uint64_t ref =
				(pbus & ~GRANT_ADDR_OFF) >> SIM_PAGE_SHIFT;

			kind = SIM_FAULT_GRANT;
			if ((pbus & GRANT_ADDR_OFF) && ref <= UINT32_MAX)
				kind = sd->grant_copy(
					sd->grant_ctx, (uint32_t)ref,
					(uint32_t)(pbus & (SIM_PAGE_SIZE - 1)),
					write ? (void *)(uintptr_t)(wbuf + done)
					      : rbuf + done,
					chunk, write);
			if (kind >= 0)
				return fault(sd, kind, write, bus, len, pbus);
			atomic_fetch_add(write ? &sd->bytes_written
					       : &sd->bytes_read,
					 chunk);
			done += chunk;
			continue;
		}
		kind = translate(sd, pbus, chunk, write, &ma);
		if (kind >= 0)
			return fault(sd, kind, write, bus, len, pbus);
		if (write) {
			sim_mem_dev_write(sd->m, ma, wbuf + done, chunk,
					  sd->coherent);
			atomic_fetch_add(&sd->bytes_written, chunk);
		} else {
			sim_mem_dev_read(sd->m, ma, rbuf + done, chunk,
					 sd->coherent);
			atomic_fetch_add(&sd->bytes_read, chunk);
		}
		done += chunk;
	}
	return 0;
}

int sim_dev_dma_read(struct sim_device *sd, dmk_addr_t bus, void *buf,
		     size_t len)
{
	return dma(sd, false, bus, buf, NULL, len);
}

int sim_dev_dma_write(struct sim_device *sd, dmk_addr_t bus, const void *buf,
		      size_t len)
{
	return dma(sd, true, bus, NULL, buf, len);
}

uint64_t sim_device_faults(const struct sim_device *sd)
{
	uint64_t n = 0;
	unsigned int k;

	for (k = 0; k < SIM_FAULT_NR; k++)
		n += atomic_load(&sd->faults[k]);
	return n;
}
