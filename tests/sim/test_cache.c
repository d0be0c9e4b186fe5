// SPDX-License-Identifier: MIT
/* The cache model, rule by rule (docs/architecture.md, "The models"). */
#include "simtest.h"

#define MA 0x40010000ULL /* a page in the low bank */

struct fx {
	struct sim_machine *m;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->m = two_bank_machine(4 * MiB, 4 * MiB);
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

/* A CPU store through a cacheable mapping lands in C only. */
static void cpu_store(struct sim_machine *m, uint64_t ma, int byte, size_t len)
{
	memset(m->c + img(m, ma), byte, len);
}

static uint8_t C(struct sim_machine *m, uint64_t ma)
{
	return m->c[img(m, ma)];
}

static uint8_t D(struct sim_machine *m, uint64_t ma)
{
	return m->d[img(m, ma)];
}

static void test_clean_writes_back_dirty_lines(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;

	cpu_store(m, MA + 3, 0x11, 1);
	assert_int_equal(D(m, MA + 3), 0);
	sim_cache_clean(m, MA, 64);
	assert_int_equal(D(m, MA + 3), 0x11);
	assert_int_equal(m->s[img(m, MA + 3)], 0x11);
	assert_int_equal(atomic_load(&m->clean_lines), 1);
	/* The CPU keeps its copy. */
	assert_int_equal(C(m, MA + 3), 0x11);
}

static void test_clean_of_clean_line_keeps_dram(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint8_t dev = 0x77;

	/* A device wrote DRAM under a clean line: a clean must not write
	 * the CPU's stale copy over it. */
	sim_mem_dev_write(m, MA + 8, &dev, 1, false);
	sim_cache_clean(m, MA, 64);
	assert_int_equal(D(m, MA + 8), 0x77);
	assert_int_equal(C(m, MA + 8), 0);
}

static void test_inval_drops_dirty_data(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint8_t dev = 0x55;

	cpu_store(m, MA, 0x22, 64);
	sim_mem_dev_write(m, MA + 1, &dev, 1, false);
	sim_cache_inval(m, MA, 64);
	/* C = D: the CPU's dirty bytes are gone, the device's visible. */
	assert_int_equal(C(m, MA), 0);
	assert_int_equal(C(m, MA + 1), 0x55);
	assert_int_equal(m->s[img(m, MA + 1)], 0x55);
	assert_int_equal(atomic_load(&m->inval_lines), 1);
}

static void test_clean_inval(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;

	cpu_store(m, MA + 64, 0x33, 64);
	sim_cache_clean_inval(m, MA + 64, 64);
	assert_int_equal(D(m, MA + 100), 0x33);
	assert_int_equal(C(m, MA + 100), 0x33);
}

static void test_partial_lines_are_whole_lines(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;

	/* Dirty two lines, clean one byte of the first and the last byte
	 * of a range ending just inside the second. */
	cpu_store(m, MA, 0x44, 128);
	sim_cache_clean(m, MA + 10, 1);
	assert_int_equal(D(m, MA), 0x44);
	assert_int_equal(D(m, MA + 63), 0x44);
	assert_int_equal(D(m, MA + 64), 0);
	sim_cache_clean(m, MA + 60, 5); /* touches lines 0 and 1 */
	assert_int_equal(D(m, MA + 127), 0x44);
	assert_int_equal(atomic_load(&m->clean_lines), 3);
	/* Zero length is no maintenance at all. */
	cpu_store(m, MA + 128, 0x45, 1);
	sim_cache_clean(m, MA + 128, 0);
	assert_int_equal(D(m, MA + 128), 0);
}

static void test_noncoherent_device_sees_dram(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint8_t buf[16], dev[16];

	cpu_store(m, MA, 0x66, 16);
	sim_mem_dev_read(m, MA, buf, 16, false);
	assert_int_equal(buf[0], 0); /* not cleaned: the device reads DRAM */
	memset(dev, 0x99, sizeof(dev));
	sim_mem_dev_write(m, MA + 256, dev, 16, false);
	assert_int_equal(D(m, MA + 256), 0x99);
	/* The CPU still sees its (speculatively refilled) old line. */
	assert_int_equal(C(m, MA + 256), 0);
	sim_cache_inval(m, MA + 256, 16);
	assert_int_equal(C(m, MA + 256), 0x99);
}

static void test_coherent_device_snoops(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint8_t buf[16], dev[8];

	cpu_store(m, MA, 0x66, 16);
	sim_mem_dev_read(m, MA, buf, 16, true);
	assert_int_equal(buf[15], 0x66);
	memset(dev, 0x5a, sizeof(dev));
	sim_mem_dev_write(m, MA + 4, dev, 8, true);
	assert_int_equal(C(m, MA + 4), 0x5a);
	assert_int_equal(D(m, MA + 11), 0x5a);
	assert_int_equal(m->s[img(m, MA + 11)], 0x5a);
	/* Bytes the device did not write stay dirty in C only. */
	assert_int_equal(D(m, MA), 0);
	assert_int_equal(C(m, MA), 0x66);
}

static void test_adversarial_eviction(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint8_t dev[64];

	memset(dev, 0xee, sizeof(dev));
	/* Not adversarial: the dirty line stays in the cache. */
	cpu_store(m, MA, 0x12, 1);
	sim_mem_dev_write(m, MA, dev, 64, false);
	assert_int_equal(D(m, MA + 1), 0xee);
	assert_int_equal(atomic_load(&m->evictions), 0);

	/* Adversarial: the dirty line is written back over the device's
	 * data, the whole line, and only the dirty line. */
	m->adversarial = true;
	cpu_store(m, MA + 4096, 0x12, 1);
	sim_mem_dev_write(m, MA + 4096, dev, 64, false);
	sim_mem_dev_write(m, MA + 4096 + 64, dev, 64, false);
	assert_int_equal(D(m, MA + 4096), 0x12);
	assert_int_equal(D(m, MA + 4096 + 1), 0);
	assert_int_equal(D(m, MA + 4096 + 64), 0xee);
	assert_int_equal(atomic_load(&m->evictions), 1);

	/* A driver that cleaned first loses nothing. */
	cpu_store(m, MA + 8192, 0x12, 1);
	sim_cache_clean(m, MA + 8192, 64);
	sim_mem_dev_write(m, MA + 8192, dev, 64, false);
	assert_int_equal(D(m, MA + 8192), 0xee);
	assert_int_equal(atomic_load(&m->evictions), 1);

	/* Coherent writes are never evicted over. */
	cpu_store(m, MA + 12288, 0x12, 1);
	sim_mem_dev_write(m, MA + 12288, dev, 64, true);
	assert_int_equal(D(m, MA + 12288), 0xee);
	assert_int_equal(C(m, MA + 12288), 0xee);
}

static void test_fill_and_copy_frame(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint64_t src = MA >> 12, dst = 0x100000;
	uint8_t dev = 0xd0;

	sim_mem_fill(m, MA, 0x01, 4096);
	assert_int_equal(C(m, MA + 4095), 1);
	assert_int_equal(D(m, MA + 4095), 1);
	assert_int_equal(m->s[img(m, MA + 4095)], 1);
	/* Line 0 dirty in C, line 1 written by a device under a clean line:
	 * the copy takes each line's current content. */
	cpu_store(m, MA, 0xc0, 1);
	sim_mem_dev_write(m, MA + 64, &dev, 1, false);
	sim_mem_copy_frame(m, dst, src);
	assert_int_equal(C(m, 0x100000000ULL), 0xc0);
	assert_int_equal(D(m, 0x100000000ULL), 0xc0);
	assert_int_equal(C(m, 0x100000000ULL + 64), 0xd0);
	assert_int_equal(D(m, 0x100000000ULL + 65), 1);
	assert_int_equal(m->s[img(m, 0x100000000ULL + 64)], 0xd0);
}

static void test_large_range_and_non_ram(void **state)
{
	struct sim_machine *m = ((struct fx *)*state)->m;
	uint64_t end_lo = 0x40000000ULL + 4 * MiB;

	/* 64 KiB straddling the end of the low bank: the RAM part is
	 * maintained, the hole silently skipped. */
	cpu_store(m, end_lo - 4096, 0x7e, 4096);
	sim_cache_clean_inval(m, end_lo - 4096, 64 * 1024);
	assert_int_equal(D(m, end_lo - 1), 0x7e);
	assert_int_equal(atomic_load(&m->clean_lines), 64);
	assert_int_equal(atomic_load(&m->inval_lines), 64);
	/* A device access outside RAM or across a page moves nothing. */
	sim_mem_fill(m, MA, 0, 8192);
	sim_mem_dev_write(m, MA + 4090, "0123456789", 10, false);
	assert_int_equal(D(m, MA + 4090), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_clean_writes_back_dirty_lines),
		T(test_clean_of_clean_line_keeps_dram),
		T(test_inval_drops_dirty_data),
		T(test_clean_inval),
		T(test_partial_lines_are_whole_lines),
		T(test_noncoherent_device_sees_dram),
		T(test_coherent_device_snoops),
		T(test_adversarial_eviction),
		T(test_fill_and_copy_frame),
		T(test_large_range_and_non_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
