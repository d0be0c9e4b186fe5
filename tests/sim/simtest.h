/* SPDX-License-Identifier: MIT */
/* Shared helpers of the simulator core's unit tests. */
#ifndef SIM_TEST_H
#define SIM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

/* Does fn(arg) end the process with signal sig?  For the checks that
 * abort on caller bugs and for accesses that must fault. */
static inline bool dies_with(void (*fn)(void *), void *arg, int sig)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* Keep the expected abort's message out of the test log. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		signal(sig, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return false;
	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Two banks with a hole between them, as on most ARM64 boards. */
static inline struct sim_machine *two_bank_machine(uint64_t lo_size,
						   uint64_t hi_size)
{
	struct sim_bank banks[2] = {
		{.base = 0x100000000ULL, .size = hi_size},
		{.base = 0x40000000ULL, .size = lo_size},
	};
	struct sim_machine *m = NULL;

	assert_int_equal(sim_machine_create(&m, banks, 2, 42), 0);
	return m;
}

/* The image offset of machine address ma (the test knows it is RAM). */
static inline uint64_t img(const struct sim_machine *m, uint64_t ma)
{
	int64_t idx = sim_mfn_index(m, ma >> SIM_PAGE_SHIFT);

	assert_true(idx >= 0);
	return ((uint64_t)idx << SIM_PAGE_SHIFT) | (ma & (SIM_PAGE_SIZE - 1));
}

#endif /* SIM_TEST_H */
