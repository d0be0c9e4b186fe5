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

/* Fill a guest buffer with a pattern derived from seed. */
void test_fill(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
	       uint32_t seed);
/* True when the buffer holds that pattern. */
bool test_check(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
		uint32_t seed);

#endif
