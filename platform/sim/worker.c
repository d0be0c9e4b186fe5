/* SPDX-License-Identifier: MIT */
/*
 * A guest OS's worker thread: what the simulated platform gives the
 * library as defer_work/flush_work (include/dmakit/platform.h), so that
 * a dynamic swiotlb grows in the background as Linux's does from
 * swiotlb_dyn_alloc on the system workqueue.  Linux's counterparts:
 * schedule_work() and flush_work()/flush_scheduled_work().
 *
 * One thread per guest, started with the guest's DMA layer, serving a
 * FIFO of work items one at a time.  Items are kept in the order they
 * were queued; flush waits until every item queued before the call (and
 * any queued meanwhile) has returned.  Destroying the worker runs what
 * is still queued first: nothing handed to it is dropped.
 */
#include "sim.h"

#include <pthread.h>
#include <stdlib.h>

struct sim_work_item {
	void (*fn)(void *arg);
	void *arg;
	struct sim_work_item *next;
};

struct sim_worker {
	pthread_mutex_t lock;
	pthread_cond_t more; /* an item was queued, or stop was set */
	pthread_cond_t idle; /* the queue is empty and nothing runs */
	struct sim_work_item *head, **tail;
	bool running; /* an item is being run outside the lock */
	bool stop;
	uint64_t done; /* items run, for tests */
	pthread_t thread;
};

static void *worker_main(void *arg)
{
	struct sim_worker *w = arg;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct sim_work_item *it = w->head;

		if (!it) {
			pthread_cond_broadcast(&w->idle);
			if (w->stop)
				break;
			pthread_cond_wait(&w->more, &w->lock);
			continue;
		}
		w->head = it->next;
		if (!w->head)
			w->tail = &w->head;
		w->running = true;
		pthread_mutex_unlock(&w->lock);
		it->fn(it->arg);
		free(it);
		pthread_mutex_lock(&w->lock);
		w->running = false;
		w->done++;
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int sim_worker_create(struct sim_worker **out)
{
	struct sim_worker *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return -DMK_ENOMEM;
	w->tail = &w->head;
	if (pthread_mutex_init(&w->lock, NULL))
		goto err_free;
	if (pthread_cond_init(&w->more, NULL))
		goto err_lock;
	if (pthread_cond_init(&w->idle, NULL))
		goto err_more;
	if (pthread_create(&w->thread, NULL, worker_main, w))
		goto err_idle;
	*out = w;
	return 0;

err_idle:
	pthread_cond_destroy(&w->idle);
err_more:
	pthread_cond_destroy(&w->more);
err_lock:
	pthread_mutex_destroy(&w->lock);
err_free:
	free(w);
	return -DMK_ENOMEM;
}

int sim_worker_queue(struct sim_worker *w, void (*fn)(void *arg), void *arg)
{
	struct sim_work_item *it;

	if (!w || !fn)
		return -DMK_EINVAL;
	it = malloc(sizeof(*it));
	if (!it)
		return -DMK_ENOMEM;
	*it = (struct sim_work_item){.fn = fn, .arg = arg};
	pthread_mutex_lock(&w->lock);
	if (w->stop) {
		pthread_mutex_unlock(&w->lock);
		free(it);
		return -DMK_EIO;
	}
	*w->tail = it;
	w->tail = &it->next;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void sim_worker_flush(struct sim_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	while (w->head || w->running)
		pthread_cond_wait(&w->idle, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

uint64_t sim_worker_done(struct sim_worker *w)
{
	uint64_t n;

	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = w->done;
	pthread_mutex_unlock(&w->lock);
	return n;
}

void sim_worker_destroy(struct sim_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->idle);
	pthread_cond_destroy(&w->more);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
