/* SPDX-License-Identifier: MIT */
/*
 * The write locks a thread holds (dmk_env_write_locks_held): counted per
 * thread, read locks not at all.  The fault sweep's fork server must
 * not fork while one is held (glibc's rwlock knows its writer by thread
 * id, and the child's thread has another).  Compiled with env.c alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dmk_env.h"

#include <pthread.h>

static void *other_thread(void *arg)
{
	/* Another thread's count is its own. */
	*(unsigned int *)arg = dmk_env_write_locks_held();
	return NULL;
}

static void test_write_locks_counted(void **state)
{
	dmk_rwlock_t a, b;
	unsigned int seen = 99;
	pthread_t t;

	(void)state;
	dmk_rwlock_init(&a);
	dmk_rwlock_init(&b);
	assert_int_equal(dmk_env_write_locks_held(), 0);
	dmk_read_lock(&a);
	assert_int_equal(dmk_env_write_locks_held(), 0);
	dmk_read_unlock(&a);
	dmk_write_lock(&a);
	assert_int_equal(dmk_env_write_locks_held(), 1);
	dmk_write_lock(&b);
	assert_int_equal(dmk_env_write_locks_held(), 2);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &seen), 0);
	pthread_join(t, NULL);
	assert_int_equal(seen, 0);
	dmk_write_unlock(&b);
	assert_int_equal(dmk_env_write_locks_held(), 1);
	dmk_write_unlock(&a);
	assert_int_equal(dmk_env_write_locks_held(), 0);
	dmk_rwlock_destroy(&a);
	dmk_rwlock_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_locks_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
