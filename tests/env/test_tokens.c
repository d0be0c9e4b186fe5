/* SPDX-License-Identifier: MIT */
/*
 * Thread tokens of the user-space environment (env/user/env.c): one per
 * live thread, at most DMK_ENV_TOKENS, then DMK_ENV_TOKEN_SHARED; given
 * back when the thread exits; a new holder has a new generation;
 * claim/put for tidying up after a thread that exited.  Compiled with
 * env.c alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dmk_env.h"

#include <pthread.h>

#define WORKERS (DMK_ENV_TOKENS + 2)

struct worker {
	pthread_barrier_t *held, *release;
	unsigned int token, gen;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->token = dmk_env_token();
	w->gen = dmk_env_token_gen();
	/* Asking again gives the same answer. */
	if (dmk_env_token() != w->token)
		w->token = 0;
	pthread_barrier_wait(w->held);
	pthread_barrier_wait(w->release);
	return NULL;
}

/* n workers hold their tokens at once; returns how many got SHARED. */
static unsigned int run_workers(struct worker *w, unsigned int n,
				unsigned int *mask)
{
	pthread_barrier_t held, release;
	pthread_t th[WORKERS];
	unsigned int shared = 0;

	pthread_barrier_init(&held, NULL, n + 1);
	pthread_barrier_init(&release, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		w[i] = (struct worker){.held = &held, .release = &release};
		assert_int_equal(
			pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	pthread_barrier_wait(&held);
	*mask = 0;
	for (unsigned int i = 0; i < n; i++) {
		assert_int_not_equal(w[i].token, 0);
		assert_int_not_equal(w[i].gen, 0);
		if (w[i].token == DMK_ENV_TOKEN_SHARED) {
			shared++;
			continue;
		}
		assert_in_range(w[i].token, 1, DMK_ENV_TOKENS);
		/* Never two live holders of one token. */
		assert_false(*mask & (1u << w[i].token));
		*mask |= 1u << w[i].token;
		/* A held token cannot be claimed. */
		assert_false(dmk_env_token_claim(w[i].token));
	}
	pthread_barrier_wait(&release);
	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	pthread_barrier_destroy(&held);
	pthread_barrier_destroy(&release);
	return shared;
}

static void test_tokens(void **state)
{
	struct worker w[WORKERS], again[WORKERS];
	unsigned int mine = dmk_env_token(), mask, mask2;

	(void)state;
	assert_in_range(mine, 1, DMK_ENV_TOKENS);
	assert_int_equal(dmk_env_token(), mine);

	/* Six tokens are left for nine workers: three share. */
	assert_int_equal(run_workers(w, WORKERS, &mask), 3);
	assert_false(mask & (1u << mine));
	/* They were given back at exit: the same six again, each with a
	 * generation no earlier holder had. */
	assert_int_equal(run_workers(again, WORKERS, &mask2), 3);
	assert_int_equal(mask2, mask);
	for (unsigned int i = 0; i < WORKERS; i++)
		for (unsigned int j = 0; j < WORKERS; j++)
			assert_int_not_equal(again[i].gen, w[j].gen);

	/* A free token can be borrowed, once, and given back. */
	for (unsigned int t = 1; t <= DMK_ENV_TOKENS; t++) {
		if (t == mine)
			continue;
		assert_true(dmk_env_token_claim(t));
		assert_false(dmk_env_token_claim(t));
		dmk_env_token_put(t);
	}
	assert_false(dmk_env_token_claim(mine));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
