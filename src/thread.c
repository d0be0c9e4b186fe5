/* SPDX-License-Identifier: MIT */
/*
 * Thread tokens: a small number per live thread, so that per-thread
 * state (a device's counter shard, a pool's parked slot) lives in plain
 * arrays indexed by it and is written by one thread only, without a
 * lock-prefixed read-modify-write.  The kernel has smp_processor_id()
 * with preemption off; user space has no such thing, so a thread keeps
 * its token for life instead of a CPU keeping it.
 *
 * Tokens are taken lazily from a bitmap and given back when the thread
 * exits, so a token has one thread at a time: the bitmap's acquire and
 * release order everything the old holder wrote before the new holder
 * reads it.  Threads beyond DMK_THREAD_TOKENS get DMK_THREAD_SHARED and
 * must use atomics (or no per-thread state at all).
 */
#include "internal.h"

#include <pthread.h>

__thread unsigned int dmk_thread_token_tls
	__attribute__((tls_model("initial-exec")));
__thread unsigned int dmk_thread_gen_tls
	__attribute__((tls_model("initial-exec")));

/* Tokens handed out so far: a new holder's generation. */
static _Atomic unsigned int token_takes;

static _Atomic unsigned int free_tokens = (1u << DMK_THREAD_TOKENS) - 1;
static pthread_key_t token_key;
static pthread_once_t token_key_once = PTHREAD_ONCE_INIT;
static bool token_key_ok;

void dmk_thread_token_put(unsigned int token)
{
	atomic_fetch_or_explicit(&free_tokens, 1u << (token - 1),
				 memory_order_release);
}

static void token_exit(void *v)
{
	dmk_thread_token_put((unsigned int)(uintptr_t)v);
}

static void token_key_create(void)
{
	token_key_ok = pthread_key_create(&token_key, token_exit) == 0;
}

bool dmk_thread_token_claim(unsigned int token)
{
	unsigned int bit = 1u << (token - 1);
	unsigned int free =
		atomic_load_explicit(&free_tokens, memory_order_relaxed);

	while (free & bit)
		if (atomic_compare_exchange_weak_explicit(
			    &free_tokens, &free, free & ~bit,
			    memory_order_acquire, memory_order_relaxed))
			return true;
	return false;
}

static unsigned int token_take(void)
{
	unsigned int free;

	pthread_once(&token_key_once, token_key_create);
	if (!token_key_ok)
		return DMK_THREAD_SHARED;
	free = atomic_load_explicit(&free_tokens, memory_order_relaxed);
	while (free) {
		unsigned int token = (unsigned int)__builtin_ctz(free) + 1;

		if (!dmk_thread_token_claim(token)) {
			free = atomic_load_explicit(&free_tokens,
						    memory_order_relaxed);
			continue;
		}
		/* The destructor runs only for a non-NULL value. */
		if (pthread_setspecific(token_key, (void *)(uintptr_t)token)) {
			dmk_thread_token_put(token);
			return DMK_THREAD_SHARED;
		}
		return token;
	}
	return DMK_THREAD_SHARED;
}

unsigned int dmk_thread_token_slow(void)
{
	if (!dmk_thread_token_tls) {
		dmk_thread_gen_tls =
			atomic_fetch_add_explicit(&token_takes, 1,
						  memory_order_relaxed) +
			1;
		dmk_thread_token_tls = token_take();
	}
	return dmk_thread_token_tls;
}
