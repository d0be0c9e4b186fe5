/* SPDX-License-Identifier: MIT */
/* The host platform: its page allocator and its hooks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dmakit/host.h>

#include <string.h>

static void test_create(void **state)
{
	struct dmk_host_platform *hp;
	const struct dmk_platform *p;

	(void)state;
	assert_int_equal(dmk_host_platform_create(4096, &hp), -DMK_EINVAL);
	assert_int_equal(dmk_host_platform_create(16 << 20, &hp), 0);
	p = dmk_host_platform(hp);
	assert_int_equal(p->arch, DMK_ARCH_HOST);
	assert_int_equal(p->ram_start, 0);
	assert_int_equal(p->ram_end, 16 << 20);
	assert_null(p->ops->cache_maint);
	assert_null(p->ops->map_uncached);
	assert_null(p->ops->hypercall);
	assert_non_null(p->ops->cpu_id);
	assert_true(p->ops->now_ns(p->ctx) <= p->ops->now_ns(p->ctx));
	assert_true(p->nr_cpus >= 1);
	assert_false(p->xen);
	dmk_host_platform_destroy(hp);
}

static void test_alloc_free_merge(void **state)
{
	struct dmk_host_platform *hp;
	const struct dmk_platform *p;
	dmk_phys_t phys[4096];
	unsigned int n = 0;

	(void)state;
	assert_int_equal(dmk_host_platform_create(4 << 20, &hp), 0);
	p = dmk_host_platform(hp);
	/* Every page but page 0, each once, each where the linear map says. */
	for (;;) {
		uint8_t *va = p->ops->alloc_pages(p->ctx, 0, ~0ULL, &phys[n]);

		if (!va)
			break;
		assert_ptr_equal(va, dmk_phys_to_virt(p, phys[n]));
		assert_true(phys[n] != 0);
		assert_int_equal(phys[n] % 4096, 0);
		memset(va, (int)n, 4096);
		n++;
	}
	assert_int_equal(n, 1023);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(*(uint8_t *)dmk_phys_to_virt(p, phys[i]),
				 (uint8_t)i);
	for (unsigned int i = 0; i < n; i++)
		p->ops->free_pages(p->ctx, phys[i], 0);
	/* Merged back: a 2 MiB block exists again, aligned. */
	{
		dmk_phys_t big;

		assert_non_null(p->ops->alloc_pages(p->ctx, 9, ~0ULL, &big));
		assert_int_equal(big % (2 << 20), 0);
		assert_null(p->ops->alloc_pages(p->ctx, 9, ~0ULL, &phys[0]));
		p->ops->free_pages(p->ctx, big, 9);
	}
	dmk_host_platform_destroy(hp);
}

static void test_limit(void **state)
{
	struct dmk_host_platform *hp;
	const struct dmk_platform *p;
	dmk_phys_t a, b;

	(void)state;
	assert_int_equal(dmk_host_platform_create(64 << 20, &hp), 0);
	p = dmk_host_platform(hp);
	assert_non_null(p->ops->alloc_pages(p->ctx, 4, (1 << 20) - 1, &a));
	assert_true(a + (64 << 10) - 1 <= (1 << 20) - 1);
	assert_non_null(p->ops->alloc_pages(p->ctx, 12, ~0ULL, &b));
	assert_int_equal(b % (16 << 20), 0);
	/* Nothing of 1 MiB fits below 1 MiB once page 0 is reserved. */
	assert_null(p->ops->alloc_pages(p->ctx, 8, (1 << 20) - 1, &b));
	p->ops->free_pages(p->ctx, a, 4);
	dmk_host_platform_destroy(hp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_alloc_free_merge),
		cmocka_unit_test(test_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
