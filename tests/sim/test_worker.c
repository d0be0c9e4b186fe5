// SPDX-License-Identifier: MIT
/* The guest's worker thread: the platform's defer_work/flush_work. */
#include "simtest.h"

#include <pthread.h>
#include <stdatomic.h>

/* Items record the order they ran in and the thread that ran them. */
struct trace {
	atomic_uint next;
	unsigned int order[64];
	pthread_t ran_on[64];
	/* A gate the first item waits at, so that the test can queue more
	 * behind a running one. */
	pthread_mutex_t gate;
};

struct item {
	struct trace *t;
	unsigned int id;
	bool wait_at_gate;
};

static void run_item(void *arg)
{
	struct item *it = arg;
	unsigned int slot;

	if (it->wait_at_gate) {
		pthread_mutex_lock(&it->t->gate);
		pthread_mutex_unlock(&it->t->gate);
	}
	slot = atomic_fetch_add(&it->t->next, 1);
	it->t->order[slot] = it->id;
	it->t->ran_on[slot] = pthread_self();
}

static void trace_init(struct trace *t)
{
	memset(t, 0, sizeof(*t));
	atomic_init(&t->next, 0);
	pthread_mutex_init(&t->gate, NULL);
}

/* Items run on the worker's thread, one at a time, in the order queued;
 * flush returns only when all of them have. */
static void test_fifo_and_flush(void **state)
{
	struct sim_worker *w;
	struct trace t;
	struct item items[32];

	(void)state;
	trace_init(&t);
	assert_int_equal(sim_worker_create(&w), 0);
	pthread_mutex_lock(&t.gate);
	for (unsigned int i = 0; i < 32; i++) {
		items[i] = (struct item){.t = &t, .id = i, .wait_at_gate = !i};
		assert_int_equal(sim_worker_queue(w, run_item, &items[i]), 0);
	}
	/* The first item is held at the gate: nothing has run yet. */
	assert_int_equal(atomic_load(&t.next), 0);
	pthread_mutex_unlock(&t.gate);
	sim_worker_flush(w);
	assert_int_equal(atomic_load(&t.next), 32);
	assert_int_equal(sim_worker_done(w), 32);
	for (unsigned int i = 0; i < 32; i++) {
		assert_int_equal(t.order[i], i);
		assert_false(pthread_equal(t.ran_on[i], pthread_self()));
		assert_true(pthread_equal(t.ran_on[i], t.ran_on[0]));
	}
	/* A flush with nothing queued returns at once. */
	sim_worker_flush(w);
	sim_worker_destroy(w);
	pthread_mutex_destroy(&t.gate);
}

/* Destroy runs what is still queued before the thread goes. */
static void test_destroy_runs_queued(void **state)
{
	struct sim_worker *w;
	struct trace t;
	struct item items[8];

	(void)state;
	trace_init(&t);
	assert_int_equal(sim_worker_create(&w), 0);
	pthread_mutex_lock(&t.gate);
	for (unsigned int i = 0; i < 8; i++) {
		items[i] = (struct item){.t = &t, .id = i, .wait_at_gate = !i};
		assert_int_equal(sim_worker_queue(w, run_item, &items[i]), 0);
	}
	pthread_mutex_unlock(&t.gate);
	sim_worker_destroy(w);
	assert_int_equal(atomic_load(&t.next), 8);
	pthread_mutex_destroy(&t.gate);
}

/* Bad arguments are refused; a NULL worker is "no worker". */
static void test_arguments(void **state)
{
	struct sim_worker *w;
	struct item it = {0};

	(void)state;
	assert_int_equal(sim_worker_create(&w), 0);
	assert_int_equal(sim_worker_queue(w, NULL, &it), -DMK_EINVAL);
	assert_int_equal(sim_worker_queue(NULL, run_item, &it), -DMK_EINVAL);
	sim_worker_flush(NULL);
	assert_int_equal(sim_worker_done(NULL), 0);
	sim_worker_destroy(NULL);
	sim_worker_destroy(w);
}

/* Several threads queue at once (maps on several CPUs crossing the
 * threshold); every item runs exactly once. */
struct producer {
	struct sim_worker *w;
	struct item items[16];
	unsigned int refused;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	/* cmocka's asserts belong to the test's thread: count here. */
	for (unsigned int i = 0; i < 16; i++)
		if (sim_worker_queue(p->w, run_item, &p->items[i]))
			p->refused++;
	return NULL;
}

static void test_concurrent_producers(void **state)
{
	struct sim_worker *w;
	struct trace t;
	struct producer p[4];
	pthread_t th[4];
	bool seen[64] = {false};

	(void)state;
	trace_init(&t);
	assert_int_equal(sim_worker_create(&w), 0);
	for (unsigned int i = 0; i < 4; i++) {
		p[i].w = w;
		p[i].refused = 0;
		for (unsigned int j = 0; j < 16; j++)
			p[i].items[j] =
				(struct item){.t = &t, .id = i * 16 + j};
		assert_int_equal(pthread_create(&th[i], NULL, produce, &p[i]),
				 0);
	}
	for (unsigned int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].refused, 0);
	}
	sim_worker_flush(w);
	assert_int_equal(atomic_load(&t.next), 64);
	for (unsigned int i = 0; i < 64; i++) {
		assert_false(seen[t.order[i]]);
		seen[t.order[i]] = true;
	}
	sim_worker_destroy(w);
	pthread_mutex_destroy(&t.gate);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_and_flush),
		cmocka_unit_test(test_destroy_runs_queued),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_concurrent_producers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
