// SPDX-License-Identifier: MIT
/* The DMA engine: reach, memory map, bus offset, SMMU, coherency. */
#include "simtest.h"

#define LO 0x40000000ULL
#define HI 0x100000000ULL

struct fx {
	struct sim_machine *m;
	struct sim_device sd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->m = two_bank_machine(16 * MiB, 16 * MiB);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sim_machine_destroy(f->m);
	free(f);
	return 0;
}

static void test_reach_fault(void **state)
{
	struct fx *f = *state;
	uint8_t buf[1500];

	memset(buf, 0xa5, sizeof(buf));
	sim_device_init(&f->sd, f->m, "nic0", false, 32, 0);
	assert_int_equal(sim_dev_dma_write(&f->sd, HI + 100, buf, 1500), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_REACH]), 1);
	assert_string_equal(f->sd.last_fault,
			    "nic0: write of 1500 bytes at bus 0x100000064 "
			    "beyond 32-bit reach");
	assert_int_equal(f->m->d[img(f->m, HI + 100)], 0);
	assert_int_equal(atomic_load(&f->sd.bytes_written), 0);
	/* Below the reach it works. */
	assert_int_equal(sim_dev_dma_write(&f->sd, LO + 100, buf, 1500), 0);
	assert_int_equal(f->m->d[img(f->m, LO + 1599)], 0xa5);
	assert_int_equal(atomic_load(&f->sd.bytes_written), 1500);
	/* The interconnect's limit narrows the reach further. */
	f->sd.bus_limit = LO + 4095;
	assert_int_equal(sim_dev_dma_read(&f->sd, LO + 4000, buf, 200), -1);
	assert_int_equal(sim_device_faults(&f->sd), 2);
	/* A transfer that wraps the bus address space is beyond reach. */
	sim_device_init(&f->sd, f->m, "wide", true, 64, 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, ~0ULL - 10, buf, 100), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_REACH]), 1);
}

static void test_not_ram_and_partial_progress(void **state)
{
	struct fx *f = *state;
	uint64_t end = LO + 16 * MiB;
	uint8_t buf[8192];

	memset(buf, 0x3c, sizeof(buf));
	sim_device_init(&f->sd, f->m, "blk", false, 64, 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, 0x1000, buf, 16), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_NOT_RAM]), 1);
	/* Pages before the fault moved, the faulting page did not. */
	assert_int_equal(sim_dev_dma_write(&f->sd, end - 4096, buf, 8192), -1);
	assert_int_equal(f->m->d[img(f->m, end - 1)], 0x3c);
	assert_int_equal(atomic_load(&f->sd.bytes_written), 4096);
	assert_int_equal(sim_device_faults(&f->sd), 2);
	assert_non_null(strstr(f->sd.last_fault, "not RAM"));
}

static void test_bus_offset(void **state)
{
	struct fx *f = *state;
	uint64_t off = 0xc0000000ULL - LO; /* bus 0xc0000000 is RAM at LO */
	uint8_t b = 0x61;

	sim_device_init(&f->sd, f->m, "emmc", false, 32, off);
	assert_int_equal(sim_dev_dma_write(&f->sd, LO + off + 8, &b, 1), 0);
	assert_int_equal(f->m->d[img(f->m, LO + 8)], 0x61);
	/* The CPU address itself is not a bus address of this device. */
	assert_int_equal(sim_dev_dma_write(&f->sd, LO + 8, &b, 1), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_NOT_RAM]), 1);
	/* High RAM at bus HI + off is beyond a 32-bit reach. */
	assert_int_equal(sim_dev_dma_write(&f->sd, HI + off, &b, 1), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_REACH]), 1);
}

/*
 * A negative offset (mod 2^64, as dma.h says): a bus that sees RAM below
 * its CPU address.  Bus 0x10000000 is RAM at LO, and the high bank lies
 * within a 32-bit reach; what translates to no bank is still not RAM.
 */
static void test_negative_bus_offset(void **state)
{
	struct fx *f = *state;
	uint64_t below = 0x30000000ULL;
	uint64_t off = (uint64_t)0 - below; /* bus = machine - 0x30000000 */
	uint8_t b = 0x5e, got = 0;

	sim_device_init(&f->sd, f->m, "pcie", false, 32, off);
	assert_int_equal(sim_dev_dma_write(&f->sd, LO - below + 8, &b, 1), 0);
	assert_int_equal(f->m->d[img(f->m, LO + 8)], 0x5e);
	assert_int_equal(sim_dev_dma_write(&f->sd, HI - below, &b, 1), 0);
	assert_int_equal(f->m->d[img(f->m, HI)], 0x5e);
	assert_int_equal(sim_dev_dma_read(&f->sd, HI - below, &got, 1), 0);
	assert_int_equal(got, 0x5e);
	assert_int_equal(sim_device_faults(&f->sd), 0);
	/* Below LO's bus address: machine 0x3fff0000 is in the hole. */
	assert_int_equal(sim_dev_dma_write(&f->sd, LO - below - 0x10000, &b, 1),
			 -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_NOT_RAM]), 1);
	/* A wide device whose translation wraps past 2^64 reaches address
	 * 0x10000000, which no bank holds. */
	sim_device_init(&f->sd, f->m, "wide", false, 64, off);
	assert_int_equal(
		sim_dev_dma_read(&f->sd, (uint64_t)0 - 0x20000000ULL, &got, 1),
		-1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_NOT_RAM]), 1);
	assert_int_equal(atomic_load(&f->sd.bytes_read), 0);
}

static void test_coherent_vs_noncoherent(void **state)
{
	struct fx *f = *state;
	struct sim_device coh;
	uint8_t got[64];

	/* The CPU wrote a line it did not clean. */
	memset(f->m->c + img(f->m, LO), 0x77, 64);
	sim_device_init(&f->sd, f->m, "nc", false, 64, 0);
	sim_device_init(&coh, f->m, "coh", true, 64, 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, LO, got, 64), 0);
	assert_int_equal(got[0], 0);
	assert_int_equal(sim_dev_dma_read(&coh, LO, got, 64), 0);
	assert_int_equal(got[63], 0x77);
	sim_cache_clean(f->m, LO, 64);
	assert_int_equal(sim_dev_dma_read(&f->sd, LO, got, 64), 0);
	assert_int_equal(got[63], 0x77);
	assert_int_equal(atomic_load(&coh.bytes_read), 64);
}

struct owner_ctx {
	uint64_t rw_mfn, ro_mfn;
};

static bool may_access(void *ctx, uint64_t mfn, bool write)
{
	struct owner_ctx *o = ctx;

	return mfn == o->rw_mfn || (mfn == o->ro_mfn && !write);
}

static void test_may_access(void **state)
{
	struct fx *f = *state;
	struct owner_ctx o = {LO >> 12, (LO >> 12) + 1};
	uint8_t b = 1;

	sim_device_init(&f->sd, f->m, "dom0-nic", true, 64, 0);
	f->sd.may_access = may_access;
	f->sd.may_access_ctx = &o;
	assert_int_equal(sim_dev_dma_write(&f->sd, LO, &b, 1), 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, LO + 4096, &b, 1), 0);
	assert_int_equal(sim_dev_dma_write(&f->sd, LO + 4096, &b, 1), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_READ_ONLY]), 1);
	assert_int_equal(sim_dev_dma_read(&f->sd, LO + 8192, &b, 1), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_NOT_OWNED]), 1);
}

static void test_smmu_native(void **state)
{
	struct fx *f = *state;
	struct sim_smmu *s = NULL;
	struct sim_smmu_stream *st, *other;
	uint64_t iova = 0x10000000ULL, ma;
	uint8_t buf[8192];

	assert_int_equal(sim_smmu_create(&s, "smmu0"), 0);
	st = sim_smmu_add_stream(s, 0x10, NULL, false);
	assert_non_null(st);
	assert_ptr_equal(sim_smmu_add_stream(s, 0x10, NULL, false), st);
	other = sim_smmu_add_stream(s, 0x11, NULL, false);
	/* Two pages: iova -> high RAM, iova + 4K -> low RAM, read-only. */
	assert_int_equal(sim_smmu_map(st, iova, HI, 4096,
				      DMK_IOMMU_READ | DMK_IOMMU_WRITE),
			 0);
	assert_int_equal(
		sim_smmu_map(st, iova + 4096, LO, 4096, DMK_IOMMU_READ), 0);
	assert_int_equal(sim_smmu_map(st, iova, LO, 4096, DMK_IOMMU_READ),
			 -EEXIST);
	assert_int_equal(sim_smmu_map(st, iova + 1, LO, 4096, DMK_IOMMU_READ),
			 -EINVAL);
	assert_true(sim_smmu_translate(st, iova + 5, true, &ma));
	assert_int_equal(ma, HI + 5);
	assert_false(sim_smmu_translate(st, iova + 4096, true, &ma));
	assert_false(sim_smmu_translate(other, iova, false, &ma));
	assert_int_equal(sim_smmu_faults(st), 1);
	assert_int_equal(sim_smmu_faults(other), 1);

	/* A 32-bit device reaches high RAM through the SMMU. */
	sim_device_init(&f->sd, f->m, "dev", false, 32, 0);
	f->sd.smmu = st;
	memset(buf, 0x4d, sizeof(buf));
	assert_int_equal(sim_dev_dma_write(&f->sd, iova + 4000, buf, 96), 0);
	assert_int_equal(f->m->d[img(f->m, HI + 4000)], 0x4d);
	/* Writing on into the read-only page is an IOMMU fault. */
	assert_int_equal(sim_dev_dma_write(&f->sd, iova + 4000, buf, 200), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_IOMMU]), 1);
	assert_int_equal(sim_dev_dma_read(&f->sd, iova + 4000, buf, 200), 0);
	sim_smmu_unmap(st, iova, 8192);
	assert_int_equal(sim_dev_dma_read(&f->sd, iova, buf, 1), -1);
	assert_int_equal(sim_smmu_faults(st), 3);
	sim_smmu_destroy(s);
}

static void test_smmu_stage2(void **state)
{
	struct fx *f = *state;
	struct sim_domain *d = NULL;
	struct sim_smmu *s = NULL;
	struct sim_smmu_stream *st;
	uint64_t g = 0x40005, mfn, foreign;
	uint8_t b = 0x21;

	assert_int_equal(
		sim_domain_create(&d, f->m, 0, 0x40000, 64, false, 4, 3), 0);
	assert_int_equal(sim_smmu_create(&s, "smmu"), 0);
	st = sim_smmu_add_stream(s, 1, d, true);
	assert_null(sim_smmu_add_stream(s, 1, NULL, false)); /* conflict */
	assert_ptr_equal(sim_smmu_stream_domain(st), d);
	sim_device_init(&f->sd, f->m, "passthrough", false, 40, 0);
	f->sd.smmu = st;
	/* The bus address is the IPA; stage-2 finds the machine frame. */
	mfn = sim_domain_gfn_to_mfn(d, g, NULL);
	assert_int_equal(sim_dev_dma_write(&f->sd, (g << 12) + 3, &b, 1), 0);
	assert_int_equal(f->m->d[img(f->m, (mfn << 12) + 3)], 0x21);
	/* A hole in the p2m is a fault; so is a write to a read-only
	 * foreign page, which can still be read. */
	assert_int_equal(sim_domain_set_p2m(d, g, SIM_INVALID_MFN, 0), 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, g << 12, &b, 1), -1);
	foreign = sim_machine_alloc_extent(f->m, 0, 0, 9);
	assert_int_equal(sim_domain_set_p2m(d, g, foreign, SIM_P2M_FOREIGN_RO),
			 0);
	assert_int_equal(sim_dev_dma_read(&f->sd, g << 12, &b, 1), 0);
	assert_int_equal(sim_dev_dma_write(&f->sd, g << 12, &b, 1), -1);
	assert_int_equal(atomic_load(&f->sd.faults[SIM_FAULT_IOMMU]), 2);
	assert_int_equal(sim_smmu_faults(st), 2);
	sim_smmu_destroy(s);
	sim_domain_destroy(d);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reach_fault),
		T(test_not_ram_and_partial_progress),
		T(test_bus_offset),
		T(test_negative_bus_offset),
		T(test_coherent_vs_noncoherent),
		T(test_may_access),
		T(test_smmu_native),
		T(test_smmu_stage2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
