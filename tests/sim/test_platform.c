// SPDX-License-Identifier: MIT
/* The dmk_platform of a simulated domain. */
#include "simtest.h"

/* The hypervisor is another unit: record what the platform forwards. */
static struct {
	struct sim_xen *x;
	struct sim_domain *caller;
	unsigned int op;
	unsigned long a1, a2, a3;
} last_call;

long sim_xen_hypercall(struct sim_xen *x, struct sim_domain *caller,
		       unsigned int op, unsigned long a1, unsigned long a2,
		       unsigned long a3)
{
	last_call.x = x;
	last_call.caller = caller;
	last_call.op = op;
	last_call.a1 = a1;
	last_call.a2 = a2;
	last_call.a3 = a3;
	return -38;
}

struct fx {
	struct sim_machine *m;
	struct sim_domain *d;
	struct sim_platform_dom pd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->m = two_bank_machine(16 * MiB, 16 * MiB);
	assert_int_equal(
		sim_domain_create(&f->d, f->m, 0, 0x40000, 2048, false, 1, 5),
		0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sim_domain_destroy(f->d);
	sim_machine_destroy(f->m);
	free(f);
	return 0;
}

static void test_fields(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 2);
	assert_ptr_equal(p->linear_base, f->d->linear);
	assert_int_equal(p->ram_start, 0x40000000ULL);
	assert_int_equal(p->ram_end, 0x40000000ULL + 2048 * 4096);
	assert_int_equal(p->nr_cpus, 2);
	assert_false(p->xen);
	assert_null(p->ops->hypercall);
	assert_non_null(p->ops->cache_maint);
	assert_true(p->ops->cpu_id(p->ctx) < 2);
	assert_true(p->ops->now_ns(p->ctx) > 0);

	/* x86: every device snoops, no cache maintenance at all. */
	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_X86_64, 1);
	assert_null(p->ops->cache_maint);

	/* Under Xen the hypercall goes to the domain's hypervisor. */
	f->d->xen = (struct sim_xen *)0x1000;
	f->d->privileged = true;
	assert_int_equal(sim_domain_make_pv(f->d), 0);
	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_X86_64, 1);
	assert_true(p->xen && p->xen_pv && p->xen_initial_domain);
	assert_ptr_equal(p->xen_pv_p2m, f->d->pv_p2m);
	assert_int_equal(p->xen_pv_nr_pages, 0x40000 + 2048);
	assert_int_equal(p->ops->hypercall(p->ctx, 12, 1, 2, 3), -38);
	assert_ptr_equal(last_call.x, f->d->xen);
	assert_ptr_equal(last_call.caller, f->d);
	assert_int_equal(last_call.op, 12);
	assert_int_equal(last_call.a3, 3);
	f->d->xen = NULL;
}

static void test_pages(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	dmk_phys_t phys, low_limit = 0x40000000ULL + 64 * 4096 - 1;
	uint8_t *va;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	va = p->ops->alloc_pages(p->ctx, 3, ~0ULL, &phys);
	assert_non_null(va);
	assert_ptr_equal(va, dmk_phys_to_virt(p, phys));
	assert_int_equal(phys % (8 * 4096), 0);
	memset(va, 1, 8 * 4096); /* the pages are really there */
	p->ops->free_pages(p->ctx, phys, 3);
	/* The limit is the last byte: 64 pages fit below it, not 65. */
	while ((va = p->ops->alloc_pages(p->ctx, 0, low_limit, &phys)))
		assert_true(phys + 4095 <= low_limit);
	assert_int_equal(sim_pagealloc_free_pages(f->d->alloc), 2048 - 64);
	assert_null(p->ops->alloc_pages(p->ctx, 0, 100, &phys));
}

static void test_cache_maint_follows_p2m(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	dmk_phys_t phys = 0x40000000ULL + 10 * 4096 + 4000;
	uint64_t m0, m1;
	uint8_t *va;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	m0 = sim_domain_gfn_to_mfn(f->d, phys >> 12, NULL);
	m1 = sim_domain_gfn_to_mfn(f->d, (phys >> 12) + 1, NULL);
	assert_int_not_equal(m1, m0 + 1); /* runs of one frame */
	va = dmk_phys_to_virt(p, phys);
	memset(va, 0x6b, 200); /* crosses into the next guest page */
	p->ops->cache_maint(p->ctx, phys, 200, DMK_CACHE_CLEAN);
	assert_int_equal(f->m->d[img(f->m, (m0 << 12) + 4000)], 0x6b);
	assert_int_equal(f->m->d[img(f->m, (m1 << 12) + 103)], 0x6b);
	/* Invalidate drops what the CPU wrote since. */
	va[0] = 0;
	p->ops->cache_maint(p->ctx, phys, 1, DMK_CACHE_INVAL);
	assert_int_equal(va[0], 0x6b);
	va[1] = 2;
	p->ops->cache_maint(p->ctx, phys, 2, DMK_CACHE_CLEAN_INVAL);
	assert_int_equal(f->m->d[img(f->m, (m0 << 12) + 4001)], 2);
}

static void test_uncached(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	dmk_phys_t phys = 0x40000000ULL + 4 * 4096;
	uint64_t mfn = sim_domain_gfn_to_mfn(f->d, phys >> 12, NULL);
	uint8_t *uc;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	uc = p->ops->map_uncached(p->ctx, phys, 4096);
	uc[9] = 0x90;
	assert_int_equal(f->m->d[img(f->m, (mfn << 12) + 9)], 0x90);
	/* The alias is the guest's vmap area; the linear map is not. */
	assert_true(p->ops->virt_is_vmap(p->ctx, uc + 4095));
	assert_false(p->ops->virt_is_vmap(p->ctx, uc + 4096));
	assert_false(p->ops->virt_is_vmap(p->ctx, dmk_phys_to_virt(p, phys)));
	p->ops->unmap_uncached(p->ctx, uc, 4096);
	assert_false(p->ops->virt_is_vmap(p->ctx, uc));
}

/* The kernel's text, rodata and stack: pages of RAM the allocator no
 * longer hands out, each reported as what it is, and nothing else. */
static void test_kernel_regions(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	const struct sim_kernel_region *k = f->pd.kernel;
	uint64_t before;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	assert_int_equal(p->ops->phys_regions(p->ctx, 0x40000000ULL, 1 << 20),
			 0);
	before = sim_pagealloc_free_pages(f->d->alloc);
	assert_int_equal(sim_platform_dom_load_kernel(&f->pd), 0);
	assert_int_equal(sim_pagealloc_free_pages(f->d->alloc), before - 10);
	assert_int_equal(k[SIM_KERNEL_STACK].size, 16384);
	assert_int_equal(
		p->ops->phys_regions(p->ctx, k[SIM_KERNEL_STACK].phys + 100, 1),
		DMK_REGION_STACK);
	assert_true(
		p->ops->phys_regions(p->ctx, k[SIM_KERNEL_TEXT].phys - 1, 2) &
		DMK_REGION_TEXT);
	assert_false(
		p->ops->phys_regions(p->ctx, k[SIM_KERNEL_TEXT].phys - 1, 1) &
		DMK_REGION_TEXT);
	assert_int_equal(p->ops->phys_regions(p->ctx,
					      k[SIM_KERNEL_RODATA].phys +
						      k[SIM_KERNEL_RODATA].size,
					      1) &
				 DMK_REGION_RODATA,
			 0);
	assert_int_equal(
		p->ops->phys_regions(p->ctx, k[SIM_KERNEL_RODATA].phys, 8192),
		DMK_REGION_RODATA);
}

static void test_iommu(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	struct sim_smmu *s = NULL;
	struct sim_smmu_stream *native, *s2;
	dmk_phys_t phys = 0x40000000ULL + 20 * 4096;
	uint64_t ma;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	assert_int_equal(sim_smmu_create(&s, "smmu"), 0);
	native = sim_smmu_add_stream(s, 1, NULL, false);
	s2 = sim_smmu_add_stream(s, 2, f->d, false);
	/* Native: the table gets machine addresses, page by page. */
	assert_int_equal(p->ops->iommu_map(p->ctx, native, 0x1000000, phys,
					   2 * 4096, DMK_IOMMU_READ),
			 0);
	assert_true(sim_smmu_translate(native, 0x1001008, false, &ma));
	assert_int_equal(
		ma,
		(sim_domain_gfn_to_mfn(f->d, (phys >> 12) + 1, NULL) << 12) +
			8);
	/* A failed map leaves nothing behind. */
	assert_int_not_equal(p->ops->iommu_map(p->ctx, native, 0x2000000,
					       0x40000000ULL + 2047 * 4096,
					       2 * 4096, DMK_IOMMU_READ),
			     0);
	assert_false(sim_smmu_translate(native, 0x2000000, false, &ma));
	/* Stage-2 stream: the table holds IPAs. */
	assert_int_equal(p->ops->iommu_map(p->ctx, s2, 0x5000, phys, 4096,
					   DMK_IOMMU_WRITE),
			 0);
	assert_true(sim_smmu_translate(s2, 0x5010, true, &ma));
	assert_int_equal(ma,
			 (sim_domain_gfn_to_mfn(f->d, phys >> 12, NULL) << 12) +
				 0x10);
	p->ops->iommu_unmap(p->ctx, native, 0x1000000, 2 * 4096);
	assert_false(sim_smmu_translate(native, 0x1001008, false, &ma));
	sim_smmu_destroy(s);
}

static void test_log(void **state)
{
	struct fx *f = *state;
	struct dmk_platform *p = &f->pd.plat;
	char buf[256] = "";
	FILE *mem;

	sim_platform_dom_init(&f->pd, f->d, DMK_ARCH_ARM64, 1);
	p->ops->log(p->ctx, DMK_LOG_INFO, "software IO TLB: mapped");
	assert_string_equal(f->pd.last_log, "software IO TLB: mapped");
	assert_int_equal(atomic_load(&f->pd.warnings), 0);
	mem = fmemopen(buf, sizeof(buf), "w");
	f->pd.log = mem;
	p->ops->log(p->ctx, DMK_LOG_WARN, "swiotlb buffer is full");
	p->ops->log(p->ctx, DMK_LOG_ERR, "DMA addr overflow");
	fclose(mem);
	assert_int_equal(atomic_load(&f->pd.warnings), 2);
	assert_string_equal(buf, "dom0 warn: swiotlb buffer is full\n"
				 "dom0 err: DMA addr overflow\n");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_fields),
		T(test_pages),
		T(test_cache_maint_follows_p2m),
		T(test_uncached),
		T(test_kernel_regions),
		T(test_iommu),
		T(test_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
