/* SPDX-License-Identifier: MIT */
/*
 * The out-of-line part of the user-space environment (dmk_env.h):
 * POSIX mutexes and reader-writer locks behind opaque storage, thread
 * tokens (a bitmap and a pthread key whose destructor gives a token
 * back when its thread exits), and the report of a broken invariant.
 * The kernel's counterparts are mutex_lock, read_lock and
 * smp_processor_id() under get_cpu().
 */
#include "dmk_env.h"

#include <pthread.h>

_Static_assert(sizeof(pthread_mutex_t) <= sizeof(dmk_mutex_t) &&
		       _Alignof(pthread_mutex_t) <= 8,
	       "dmk_mutex_t holds a pthread_mutex_t");
_Static_assert(sizeof(pthread_rwlock_t) <= sizeof(dmk_rwlock_t) &&
		       _Alignof(pthread_rwlock_t) <= 8,
	       "dmk_rwlock_t holds a pthread_rwlock_t");

/*
 * Failing to take or release a lock the library initialised itself can
 * only be a bug of the library (EDEADLK, EPERM, EINVAL): report it, do
 * not carry on with the data unprotected.
 */
#define MUST(call)                                                             \
	do {                                                                   \
		if ((call) != 0)                                               \
			DMK_ENV_BUG(#call);                                    \
	} while (0)

static pthread_mutex_t *as_mutex(dmk_mutex_t *m)
{
	return (pthread_mutex_t *)(void *)m->opaque;
}

static pthread_rwlock_t *as_rwlock(dmk_rwlock_t *l)
{
	return (pthread_rwlock_t *)(void *)l->opaque;
}

void dmk_mutex_init(dmk_mutex_t *m)
{
	MUST(pthread_mutex_init(as_mutex(m), NULL));
}

void dmk_mutex_destroy(dmk_mutex_t *m)
{
	MUST(pthread_mutex_destroy(as_mutex(m)));
}

void dmk_mutex_lock(dmk_mutex_t *m)
{
	MUST(pthread_mutex_lock(as_mutex(m)));
}

void dmk_mutex_unlock(dmk_mutex_t *m)
{
	MUST(pthread_mutex_unlock(as_mutex(m)));
}

void dmk_rwlock_init(dmk_rwlock_t *l)
{
	MUST(pthread_rwlock_init(as_rwlock(l), NULL));
}

void dmk_rwlock_destroy(dmk_rwlock_t *l)
{
	MUST(pthread_rwlock_destroy(as_rwlock(l)));
}

void dmk_read_lock(dmk_rwlock_t *l)
{
	MUST(pthread_rwlock_rdlock(as_rwlock(l)));
}

void dmk_read_unlock(dmk_rwlock_t *l)
{
	MUST(pthread_rwlock_unlock(as_rwlock(l)));
}

/* Write locks the thread holds (dmk_env_write_locks_held). */
static __thread unsigned int write_locks_held
	__attribute__((tls_model("initial-exec")));

void dmk_write_lock(dmk_rwlock_t *l)
{
	MUST(pthread_rwlock_wrlock(as_rwlock(l)));
	write_locks_held++;
}

void dmk_write_unlock(dmk_rwlock_t *l)
{
	write_locks_held--;
	MUST(pthread_rwlock_unlock(as_rwlock(l)));
}

unsigned int dmk_env_write_locks_held(void)
{
	return write_locks_held;
}

/* ---- thread tokens ---- */

__thread unsigned int dmk_env_token_tls
	__attribute__((tls_model("initial-exec")));
__thread unsigned int dmk_env_token_gen_tls
	__attribute__((tls_model("initial-exec")));

/* Tokens handed out so far: a new holder's generation. */
static unsigned int token_takes;

static unsigned int free_tokens = (1u << DMK_ENV_TOKENS) - 1;
static pthread_key_t token_key;
static pthread_once_t token_key_once = PTHREAD_ONCE_INIT;
static bool token_key_ok;

void dmk_env_token_put(unsigned int token)
{
	__atomic_fetch_or(&free_tokens, 1u << (token - 1), __ATOMIC_RELEASE);
}

static void token_exit(void *v)
{
	dmk_env_token_put((unsigned int)(uintptr_t)v);
}

static void token_key_create(void)
{
	token_key_ok = pthread_key_create(&token_key, token_exit) == 0;
}

bool dmk_env_token_claim(unsigned int token)
{
	unsigned int bit = 1u << (token - 1);
	unsigned int free = __atomic_load_n(&free_tokens, __ATOMIC_RELAXED);

	while (free & bit)
		if (__atomic_compare_exchange_n(
			    &free_tokens, &free, free & ~bit, true,
			    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	return false;
}

static unsigned int token_take(void)
{
	unsigned int free;

	pthread_once(&token_key_once, token_key_create);
	if (!token_key_ok)
		return DMK_ENV_TOKEN_SHARED;
	free = __atomic_load_n(&free_tokens, __ATOMIC_RELAXED);
	while (free) {
		unsigned int token = (unsigned int)__builtin_ctz(free) + 1;

		if (!dmk_env_token_claim(token)) {
			free = __atomic_load_n(&free_tokens, __ATOMIC_RELAXED);
			continue;
		}
		/* The destructor runs only for a non-NULL value. */
		if (pthread_setspecific(token_key, (void *)(uintptr_t)token)) {
			dmk_env_token_put(token);
			return DMK_ENV_TOKEN_SHARED;
		}
		return token;
	}
	return DMK_ENV_TOKEN_SHARED;
}

unsigned int dmk_env_token_slow(void)
{
	if (!dmk_env_token_tls) {
		dmk_env_token_gen_tls =
			__atomic_fetch_add(&token_takes, 1, __ATOMIC_RELAXED) +
			1;
		dmk_env_token_tls = token_take();
	}
	return dmk_env_token_tls;
}

/* ---- fault injection ---- */

bool (*dmk_env_alloc_fault)(void *arg, size_t size);
void *dmk_env_alloc_fault_arg;

/* ---- checks ---- */

void dmk_env_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "dmakit: BUG at %s:%d: %s\n", file, line, what);
	abort();
}
