// SPDX-License-Identifier: MIT
/* The machine: banks, frame numbering and the hypervisor's allocator. */
#include "simtest.h"

#include <pthread.h>

static void test_banks_and_indices(void **state)
{
	struct sim_machine *m = two_bank_machine(16 * MiB, 8 * MiB);
	uint64_t lo = 0x40000000ULL >> 12, hi = 0x100000000ULL >> 12;

	(void)state;
	/* Banks are put in address order: index follows address. */
	assert_int_equal(m->nbanks, 2);
	assert_int_equal(m->banks[0].base, 0x40000000ULL);
	assert_int_equal(m->nr_frames, (24 * MiB) >> 12);
	assert_int_equal(sim_mfn_index(m, lo), 0);
	assert_int_equal(sim_mfn_index(m, lo + 4095), 4095);
	assert_int_equal(sim_mfn_index(m, lo + 4096), -1);
	assert_int_equal(sim_mfn_index(m, hi), 4096);
	assert_int_equal(sim_mfn_index(m, 0), -1);
	assert_int_equal(sim_index_mfn(m, 4096), hi);
	assert_int_equal(sim_index_mfn(m, 4095), lo + 4095);
	assert_int_equal(sim_index_mfn(m, m->nr_frames), SIM_INVALID_MFN);

	assert_true(sim_ma_is_ram(m, 0x40000000ULL, 16 * MiB));
	assert_false(sim_ma_is_ram(m, 0x40000000ULL, 16 * MiB + 1));
	assert_false(sim_ma_is_ram(m, 0x3fffffffULL, 2));
	assert_true(sim_ma_is_ram(m, 0x100000000ULL + 8 * MiB - 1, 1));
	assert_false(sim_ma_is_ram(m, ~0ULL, 2));

	/* Every frame starts free and zero in all three images. */
	assert_int_equal(sim_machine_free_frames(m), m->nr_frames);
	assert_int_equal(m->owner[123], SIM_DOMID_FREE);
	assert_int_equal(m->c[5000] | m->d[5000] | m->s[5000], 0);
	sim_machine_destroy(m);
}

static void test_bad_banks(void **state)
{
	struct sim_bank overlap[2] = {{0x1000, 0x4000}, {0x3000, 0x1000}};
	struct sim_bank unaligned[1] = {{0x1000, 0x1800}};
	struct sim_bank empty[1] = {{0x1000, 0}};
	struct sim_machine *m = NULL;

	(void)state;
	assert_int_equal(sim_machine_create(&m, overlap, 2, 1), -EINVAL);
	assert_int_equal(sim_machine_create(&m, unaligned, 1, 1), -EINVAL);
	assert_int_equal(sim_machine_create(&m, empty, 1, 1), -EINVAL);
	assert_int_equal(sim_machine_create(&m, overlap, 0, 1), -EINVAL);
	assert_null(m);
}

static void test_extent_alignment(void **state)
{
	struct sim_machine *m = two_bank_machine(4 * MiB, 4 * MiB);
	uint64_t a, b, i;

	(void)state;
	/* Make the first frame busy so an aligned extent must skip. */
	assert_true(sim_machine_claim_frame(m, 0x40000, 7));
	assert_false(sim_machine_claim_frame(m, 0x40000, 8));
	a = sim_machine_alloc_extent(m, 3, 0, 1);
	assert_int_not_equal(a, SIM_INVALID_MFN);
	assert_int_equal(a % 8, 0);
	assert_int_not_equal(a, 0x40000);
	for (i = 0; i < 8; i++)
		assert_int_equal(m->owner[sim_mfn_index(m, a + i)], 1);
	b = sim_machine_alloc_extent(m, 9, 0, 1);
	assert_int_equal(b % 512, 0);
	assert_true(b >= a + 8 || b + 512 <= a);
	assert_int_equal(sim_machine_free_frames(m),
			 m->nr_frames - 1 - 8 - 512);
	sim_machine_destroy(m);
}

static void test_extent_max_mfn(void **state)
{
	struct sim_machine *m = two_bank_machine(1 * MiB, 1 * MiB);
	uint64_t lo_end = 0x40000 + 256, mfn, n = 0;

	(void)state;
	/* Only the low bank is below the limit: exactly its 256 frames. */
	while ((mfn = sim_machine_alloc_extent(m, 0, lo_end, 3)) !=
	       SIM_INVALID_MFN) {
		assert_true(mfn < lo_end);
		n++;
	}
	assert_int_equal(n, 256);
	/* Without a limit the high bank is still there. */
	mfn = sim_machine_alloc_extent(m, 4, 0, 3);
	assert_true(mfn >= 0x100000);
	/* An order that no bank can hold. */
	assert_int_equal(sim_machine_alloc_extent(m, 9, 0, 3), SIM_INVALID_MFN);
	sim_machine_destroy(m);
}

static void test_extent_exhaustion_and_reuse(void **state)
{
	struct sim_bank bank = {0x80000000ULL, 64 * 4096};
	struct sim_machine *m = NULL;
	uint64_t got[16], i;

	(void)state;
	assert_int_equal(sim_machine_create(&m, &bank, 1, 1), 0);
	for (i = 0; i < 16; i++) {
		got[i] = sim_machine_alloc_extent(m, 2, 0, 5);
		assert_int_not_equal(got[i], SIM_INVALID_MFN);
	}
	assert_int_equal(sim_machine_free_frames(m), 0);
	assert_int_equal(sim_machine_alloc_extent(m, 0, 0, 5), SIM_INVALID_MFN);
	/* Free a non-aligned pair: an order-1 extent fits only aligned. */
	sim_machine_free_frame(m, got[3] + 1);
	sim_machine_free_frame(m, got[3] + 2);
	assert_int_equal(sim_machine_alloc_extent(m, 1, 0, 5), SIM_INVALID_MFN);
	sim_machine_free_frame(m, got[3] + 3);
	assert_int_equal(sim_machine_alloc_extent(m, 1, 0, 5), got[3] + 2);
	assert_int_equal(sim_machine_alloc_extent(m, 0, 0, 6), got[3] + 1);
	/* Releasing by owner gives back everything domain 5 holds. */
	assert_int_equal(sim_machine_release_owned(m, 5), 63);
	assert_int_equal(sim_machine_free_frames(m), 63);
	sim_machine_destroy(m);
}

struct free_arg {
	struct sim_machine *m;
	uint64_t mfn;
};

static void free_it(void *p)
{
	struct free_arg *a = p;

	sim_machine_free_frame(a->m, a->mfn);
}

static void test_double_free_aborts(void **state)
{
	struct sim_bank bank = {0x80000000ULL, 16 * 4096};
	struct free_arg a;

	(void)state;
	assert_int_equal(sim_machine_create(&a.m, &bank, 1, 1), 0);
	a.mfn = 0x80003;
	assert_true(dies_with(free_it, &a, SIGABRT));
	a.mfn = 0x12345; /* not RAM */
	assert_true(dies_with(free_it, &a, SIGABRT));
	sim_machine_destroy(a.m);
}

static void test_large_sparse_machine(void **state)
{
	/* 8 GiB described costs nothing until touched. */
	struct sim_bank bank = {0x800000000ULL, 8 * GiB};
	struct sim_machine *m = NULL;
	uint64_t mfn;

	(void)state;
	assert_int_equal(sim_machine_create(&m, &bank, 1, 1), 0);
	mfn = sim_machine_alloc_extent(m, 18, 0, 1);
	assert_int_equal(mfn % (1 << 18), 0);
	sim_mem_fill(m, (mfn << 12) + 4096 * 5, 0xab, 10);
	assert_int_equal(m->c[img(m, (mfn << 12) + 4096 * 5 + 9)], 0xab);
	sim_machine_destroy(m);
}

static void *grab(void *p)
{
	struct sim_machine *m = p;
	uint64_t n;

	/* Pairs and single frames, until not even one frame is left. */
	for (n = 0;; n++)
		if (sim_machine_alloc_extent(m, n % 2, 0, 1) ==
			    SIM_INVALID_MFN &&
		    sim_machine_alloc_extent(m, 0, 0, 2) == SIM_INVALID_MFN)
			break;
	return NULL;
}

static void test_threads(void **state)
{
	struct sim_bank bank = {0x80000000ULL, 8 * MiB};
	struct sim_machine *m = NULL;
	pthread_t t[2];
	uint64_t owned, i;

	(void)state;
	assert_int_equal(sim_machine_create(&m, &bank, 1, 1), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, grab, m), 0);
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	/* Every frame went to exactly one owner, the count agrees. */
	owned = 0;
	for (i = 0; i < m->nr_frames; i++)
		owned += m->owner[i] != SIM_DOMID_FREE;
	assert_int_equal(owned + sim_machine_free_frames(m), m->nr_frames);
	assert_int_equal(sim_machine_free_frames(m), 0);
	sim_machine_destroy(m);
}

/* Is the page at image offset off a hole (no page behind it)? */
static bool is_hole(int fd, uint64_t off)
{
	off_t data = lseek(fd, (off_t)off, SEEK_DATA);

	return data < 0 || (uint64_t)data >= off + 4096;
}

/* A parent that saves RAM, forks a child that writes it (over pages
 * that held data, into holes, through C and D), and restores it finds
 * its RAM as it was, holes included; a second save over the first
 * copies again (the fault sweep's fork server, tools/cmd-faults.c). */
static void test_save_fork_restore(void **state)
{
	struct sim_machine *m = two_bank_machine(8 * MiB, 4 * MiB);
	uint64_t busy = 100 * 4096, hole = 200 * 4096, late = 300 * 4096;
	struct sim_machine_save *s;
	int status;
	pid_t pid;

	(void)state;
	memset(m->c + busy, 0x11, 4096);
	memset(m->d + busy, 0x22, 4096);
	s = sim_machine_save_new(m);
	assert_non_null(s);
	assert_int_equal(sim_machine_save(m, s), 0);
	/* What the parent does after a first save is in the next one. */
	memset(m->c + late, 0x33, 10);
	assert_int_equal(sim_machine_save(m, s), 0);

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* MAP_SHARED memfds: the parent's RAM, written here. */
		memset(m->c + busy, 0xee, 4096);
		memset(m->d + busy + 7, 0xdd, 9);
		memset(m->c + hole, 0xcc, 4096);
		memset(m->d + hole + 4096, 0xbb, 1);
		memset(m->c + late, 0, 10);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Shared indeed: the child's writes are here. */
	assert_int_equal(m->c[busy], 0xee);
	assert_int_equal(m->c[hole], 0xcc);

	assert_int_equal(sim_machine_restore(m, s), 0);
	for (uint64_t i = 0; i < 4096; i++) {
		assert_int_equal(m->c[busy + i], 0x11);
		assert_int_equal(m->d[busy + i], 0x22);
	}
	assert_int_equal(m->c[late + 9], 0x33);
	/* The child's new pages are holes again, reading zero. */
	assert_true(is_hole(m->fd_c, hole));
	assert_true(is_hole(m->fd_d, hole + 4096));
	assert_false(is_hole(m->fd_c, busy));
	assert_int_equal(m->c[hole] | m->d[hole + 4096], 0);
	sim_machine_save_free(s);
	sim_machine_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_banks_and_indices),
		cmocka_unit_test(test_bad_banks),
		cmocka_unit_test(test_extent_alignment),
		cmocka_unit_test(test_extent_max_mfn),
		cmocka_unit_test(test_extent_exhaustion_and_reuse),
		cmocka_unit_test(test_double_free_aborts),
		cmocka_unit_test(test_large_sparse_machine),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_save_fork_restore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
