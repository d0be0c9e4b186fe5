// SPDX-License-Identifier: MIT
/*
 * The privcmd platform (platform/privcmd) on the host: everything but the
 * hypercall itself, which only a dom0 can answer (tools/xen-conformance
 * runs it there).  The device is /dev/null here, so a hypercall is an
 * ioctl that fails (-ENOTTY) and the platform sees no Xen features.
 *
 * Frame numbers come from /proc/self/pagemap, which shows them to
 * CAP_SYS_ADMIN only (CI runs as root); without it the platform refuses
 * to open (-EPERM) and this test fails, as it should: a platform that
 * cannot name its frames cannot do DMA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "privcmd.h"

#include <dmakit/dmakit.h>

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <unistd.h>
#include <xen/xen.h>

#define POOL_PAGES 256

static int setup(void **state)
{
	struct dmk_privcmd_config cfg = {.path = "/dev/null",
					 .pool_pages = POOL_PAGES};
	struct dmk_privcmd *pc;
	int rc = dmk_privcmd_open(&cfg, &pc);

	if (rc) {
		print_error("dmk_privcmd_open: %s (pagemap frames need "
			    "CAP_SYS_ADMIN)\n",
			    strerror(-rc));
		return -1;
	}
	*state = pc;
	return 0;
}

static int teardown(void **state)
{
	dmk_privcmd_close(*state);
	return 0;
}

static void test_no_device(void **state)
{
	struct dmk_privcmd_config cfg = {.path = "/nonexistent/privcmd"};
	struct dmk_privcmd *pc;

	(void)state;
	assert_int_equal(dmk_privcmd_open(&cfg, &pc), -ENOENT);
}

/* The hypercall's answer is what the ioctl gave, as a negative errno. */
static void test_hypercall_passes_errors(void **state)
{
	struct dmk_privcmd *pc = *state;
	const struct dmk_platform *p = dmk_privcmd_platform(pc);

	assert_int_equal(
		dmk_privcmd_hypercall(pc, __HYPERVISOR_xen_version, 0, 0, 0),
		-ENOTTY);
	assert_int_equal(
		p->ops->hypercall(p->ctx, __HYPERVISOR_memory_op, 0, 0, 0),
		-ENOTTY);
}

static void test_platform_fields(void **state)
{
	const struct dmk_platform *p = dmk_privcmd_platform(*state);

	assert_true(p->xen);
	assert_null(p->linear_base);
	assert_non_null(p->ops->phys_to_virt);
	assert_non_null(p->ops->virt_to_phys);
	assert_null(p->ops->map_uncached);
	assert_null(p->xen_pv_p2m);
	/* No features answered: not dom0, not translated (PV's way). */
	assert_false(p->xen_initial_domain);
	assert_int_equal(p->domid, DOMID_SELF);
#if defined(__x86_64__)
	assert_int_equal(p->arch, DMK_ARCH_X86_64);
	assert_null(p->ops->cache_maint);
#endif
	assert_true(p->ram_start < p->ram_end);
}

/* A page's frame is what pagemap says, and the platform translates
 * both ways; addresses outside the pool are not its RAM. */
static void test_frames_and_translation(void **state)
{
	struct dmk_privcmd *pc = *state;
	const struct dmk_platform *p = dmk_privcmd_platform(pc);
	dmk_phys_t phys;
	uint8_t *va = p->ops->alloc_pages(p->ctx, 0, ~0ULL, &phys);
	uint8_t local[64];

	assert_non_null(va);
	assert_int_equal(phys % DMK_PAGE_SIZE, 0);
	assert_int_equal(phys >> DMK_PAGE_SHIFT, dmk_privcmd_frame(pc, va));
	assert_ptr_equal(dmk_phys_to_virt(p, phys + 100), va + 100);
	assert_int_equal(dmk_virt_to_phys(p, va + 100), phys + 100);
	assert_int_equal(dmk_virt_to_phys(p, local), ~(dmk_phys_t)0);
	assert_null(dmk_phys_to_virt(p, p->ram_end + DMK_PAGE_SIZE));
	memset(va, 0x5a, DMK_PAGE_SIZE);
	p->ops->free_pages(p->ctx, phys, 0);
}

/* Higher orders are consecutive, aligned frames at consecutive
 * addresses; the pool runs out and comes back. */
static void test_orders(void **state)
{
	struct dmk_privcmd *pc = *state;
	const struct dmk_platform *p = dmk_privcmd_platform(pc);
	dmk_phys_t all[POOL_PAGES];
	unsigned int n = 0;

	for (unsigned int order = 1; order <= 3; order++) {
		dmk_phys_t phys;
		uint8_t *va = p->ops->alloc_pages(p->ctx, order, ~0ULL, &phys);

		if (!va)
			continue; /* fragmentation is an honest answer */
		assert_int_equal(phys % (DMK_PAGE_SIZE << order), 0);
		for (unsigned int k = 0; k < (1U << order); k++)
			assert_int_equal(
				dmk_privcmd_frame(pc, va + k * DMK_PAGE_SIZE),
				(phys >> DMK_PAGE_SHIFT) + k);
		p->ops->free_pages(p->ctx, phys, order);
	}
	while (n < POOL_PAGES && p->ops->alloc_pages(p->ctx, 0, ~0ULL, &all[n]))
		n++;
	assert_int_equal(n, POOL_PAGES);
	assert_null(p->ops->alloc_pages(p->ctx, 0, ~0ULL, &all[0]));
	for (unsigned int i = 0; i < n; i++)
		p->ops->free_pages(p->ctx, all[i], 0);
	assert_non_null(p->ops->alloc_pages(p->ctx, 0, ~0ULL, &all[0]));
	p->ops->free_pages(p->ctx, all[0], 0);
	/* A limit below every frame: nothing. */
	assert_null(p->ops->alloc_pages(p->ctx, 0, 0, &all[0]));
}

/*
 * Machine frames on x86 PV come from the dmk_p2m module's device: read
 * at pfn * 8.  Here a sparse file stands in for it (every entry 0 but
 * one); without the device there is no answer at all.
 */
static void test_machine_frames(void **state)
{
	char path[] = "/tmp/dmk-p2m-XXXXXX";
	int fd = mkstemp(path);
	uint64_t mfn = 0x1234;
	struct dmk_privcmd_config cfg = {.path = "/dev/null", .pool_pages = 16};
	struct dmk_privcmd *pc;
	const struct dmk_platform *p;

	assert_int_equal(dmk_privcmd_mfn(*state, 5), DMK_PRIVCMD_NO_FRAME);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)8 << 24), 0);
	assert_int_equal(pwrite(fd, &mfn, sizeof(mfn), 5 * 8), sizeof(mfn));
	cfg.p2m_path = path;
	assert_int_equal(dmk_privcmd_open(&cfg, &pc), 0);
	assert_int_equal(dmk_privcmd_mfn(pc, 5), 0x1234);
	assert_int_equal(dmk_privcmd_mfn(pc, 6), 0);
	/* The platform's p2m: the pool's pfns, each with its entry. */
	p = dmk_privcmd_platform(pc);
	assert_true(p->xen_pv);
	assert_non_null(p->xen_pv_p2m);
	assert_int_equal(p->xen_pv_nr_pages, p->ram_end >> DMK_PAGE_SHIFT);
	assert_int_equal(p->xen_pv_p2m[(p->ram_end >> DMK_PAGE_SHIFT) - 1], 0);
	dmk_privcmd_close(pc);
	close(fd);
	unlink(path);
}

/* The library on it: a coherent allocation and a streaming mapping of a
 * device with no Xen layer (a dom0 user-space driver). */
static void test_library_on_privcmd(void **state)
{
	const struct dmk_platform *p = dmk_privcmd_platform(*state);
	struct dmk_system_config cfg;
	struct dmk_system *sys;
	struct dmk_device dev;
	dmk_addr_t handle, bus;
	void *cpu;

	dmk_system_config_default(&cfg);
	cfg.xen = false;
	cfg.swiotlb_bytes = 0;
	assert_int_equal(dmk_system_create(&sys, p, &cfg), 0);
	assert_int_equal(dmk_device_init(&dev, sys, "user-dev"), 0);
	dev.coherent = true;
	dmk_set_mask_and_coherent(&dev, ~0ULL);
	assert_int_equal(dmk_device_setup_dma(&dev), 0);
	cpu = dmk_alloc_coherent(&dev, DMK_PAGE_SIZE, &handle);
	assert_non_null(cpu);
	assert_int_equal(handle, dmk_virt_to_phys(p, cpu));
	bus = dmk_map_single(&dev, (uint8_t *)cpu + 8, 64, DMK_DMA_TO_DEVICE);
	assert_int_equal(bus, handle + 8);
	dmk_unmap_single(&dev, bus, 64, DMK_DMA_TO_DEVICE);
	dmk_free_coherent(&dev, DMK_PAGE_SIZE, cpu, handle);
	dmk_device_fini(&dev);
	dmk_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_device),
		cmocka_unit_test(test_hypercall_passes_errors),
		cmocka_unit_test(test_platform_fields),
		cmocka_unit_test(test_frames_and_translation),
		cmocka_unit_test(test_orders),
		cmocka_unit_test(test_machine_frames),
		cmocka_unit_test(test_library_on_privcmd),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
