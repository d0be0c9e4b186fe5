/* SPDX-License-Identifier: MIT */
#include "helpers.h"

#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

unsigned int test_warnings;
char test_last_warning[512];
unsigned int test_cpu;
bool test_cpu_from_host;
uint64_t test_now;

static void test_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	(void)ctx;
	if (level == DMK_LOG_WARN) {
		__atomic_fetch_add(&test_warnings, 1, __ATOMIC_RELAXED);
		snprintf(test_last_warning, sizeof(test_last_warning), "%s",
			 msg);
	}
}

static unsigned int test_cpu_id(void *ctx)
{
	(void)ctx;
	return test_cpu_from_host ? (unsigned int)sched_getcpu() : test_cpu;
}

static uint64_t test_clock(void *ctx)
{
	(void)ctx;
	return test_now;
}

void test_plat_init(struct test_plat *tp, size_t ram_bytes, bool clock)
{
	memset(tp, 0, sizeof(*tp));
	if (dmk_host_platform_create(ram_bytes, &tp->hp)) {
		fprintf(stderr, "cannot create the host platform\n");
		abort();
	}
	tp->plat = *dmk_host_platform(tp->hp);
	tp->ops = *tp->plat.ops;
	tp->ops.log = test_log;
	tp->ops.cpu_id = test_cpu_id;
	tp->ops.now_ns = clock ? test_clock : NULL;
	tp->plat.ops = &tp->ops;
	test_warnings = 0;
	test_last_warning[0] = 0;
	test_cpu = 0;
	test_cpu_from_host = false;
	test_now = 1000;
}

void test_plat_fini(struct test_plat *tp)
{
	dmk_host_platform_destroy(tp->hp);
}

void test_device(struct dmk_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->name = "test";
	dev->dma_mask = DMK_BIT_MASK(32);
	dev->coherent_dma_mask = DMK_BIT_MASK(32);
	dev->seg_boundary_mask = ~0ULL;
	dev->max_seg_size = 65536;
	dev->coherent = true;
}

static inline uint8_t pattern_byte(size_t i, uint32_t seed)
{
	uint32_t x = (uint32_t)i * 2654435761u ^ seed * 40503u;

	return (uint8_t)(x >> 13 ^ x);
}

void test_fill(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
	       uint32_t seed)
{
	uint8_t *b = dmk_phys_to_virt(p, phys);

	for (size_t i = 0; i < size; i++)
		b[i] = pattern_byte(i, seed);
}

bool test_check(const struct dmk_platform *p, dmk_phys_t phys, size_t size,
		uint32_t seed)
{
	const uint8_t *b = dmk_phys_to_virt(p, phys);

	for (size_t i = 0; i < size; i++)
		if (b[i] != pattern_byte(i, seed))
			return false;
	return true;
}

struct test_fix *test_fix_new(bool clock)
{
	struct test_fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_plat_init(&f->tp, 64 << 20, clock);
	return f;
}

void test_fix_pool(struct test_fix *f, size_t pool_bytes, unsigned int nareas,
		   unsigned int buf_order)
{
	void *va;

	assert_int_equal(dmk_swiotlb_init_alloc(&f->tp.plat, pool_bytes, 0,
						nareas, &f->pool),
			 0);
	dmk_swiotlb_span(f->pool, &f->start, &f->end, &va);
	f->va = va;
	f->sys.plat = &f->tp.plat;
	f->sys.swiotlb = f->pool;
	test_device(&f->dev);
	va = f->tp.plat.ops->alloc_pages(f->tp.plat.ctx, buf_order, ~0ULL,
					 &f->buf);
	assert_non_null(va);
}

void test_fix_free(struct test_fix *f)
{
	dmk_swiotlb_free(f->pool);
	test_plat_fini(&f->tp);
	free(f);
}

struct dmk_swiotlb_stats test_fix_stats(struct test_fix *f)
{
	struct dmk_swiotlb_stats st;

	assert_int_equal(dmk_swiotlb_stats(&f->sys, &st), 0);
	return st;
}

struct dmk_swiotlb_stats test_fix_pool_stats(struct test_fix *f)
{
	struct dmk_swiotlb_stats st;

	assert_int_equal(dmk_swiotlb_pool_stats(f->pool, &st), 0);
	return st;
}
