/* SPDX-License-Identifier: MIT */
/*
 * Test scaffolding for tests/swiotlb: the host platform with its log,
 * CPU number and clock replaced by ones a test controls.
 */
#ifndef DMAKIT_TESTS_SWIOTLB_HELPERS_H
#define DMAKIT_TESTS_SWIOTLB_HELPERS_H

#include <dmakit/host.h>

#include "debug.h"
#include "direct.h"
#include "internal.h"
#include "iommu.h"
#include "swiotlb.h"

struct test_plat {
	struct dmk_host_platform *hp;
	struct dmk_platform plat; /* the host platform, hooks replaced */
	struct dmk_platform_ops ops;
};

/* What the hooks saw and answer. */
extern unsigned int test_warnings;
extern char test_last_warning[512];
extern unsigned int test_cpu;
extern bool test_cpu_from_host; /* use sched_getcpu instead of test_cpu */
extern uint64_t test_now;

/* ram_bytes of host RAM; clock: give the platform a now_ns hook. */
void test_plat_init(struct test_plat *tp, size_t ram_bytes, bool clock);
void test_plat_fini(struct test_plat *tp);

/* A device as dmk_device_init leaves it, without needing mapping.c. */
void test_device(struct dmk_device *dev);

/*
 * One bounce pool on 64 MiB of host RAM, as the pool's own tests use it:
 * a system that holds only what stats.c and growth read, a device as
 * test_device leaves it, and 2^buf_order pages of ordinary RAM for
 * originals.  test_fix_new makes the platform (a test may replace its
 * hooks before the pool exists); test_fix_pool makes the pool, its span
 * and the rest; test_fix_free undoes both.
 */
struct test_fix {
	struct test_plat tp;
	struct dmk_system sys;
	struct dmk_swiotlb *pool;
	dmk_phys_t start, end;
	uint8_t *va;
	struct dmk_device dev;
	dmk_phys_t buf;
};

struct test_fix *test_fix_new(bool clock);
void test_fix_pool(struct test_fix *f, size_t pool_bytes, unsigned int nareas,
		   unsigned int buf_order);
void test_fix_free(struct test_fix *f);
/* The system's counters (every pool of it), or the one pool's. */
struct dmk_swiotlb_stats test_fix_stats(struct test_fix *f);
struct dmk_swiotlb_stats test_fix_pool_stats(struct test_fix *f);

/* Fill a guest buffer with a pattern derived from seed. */
void test_fill(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
	       uint32_t seed);
/* True when the buffer holds that pattern. */
bool test_check(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
		uint32_t seed);

#endif
