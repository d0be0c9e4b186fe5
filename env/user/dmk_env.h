/* SPDX-License-Identifier: MIT */
/*
 * dmk_env.h for user space: the whole environment of the dmakit
 * library, over the C library, POSIX threads and GCC's __atomic
 * builtins.
 *
 * This is libfdt's libfdt_env.h for dmakit.  The library's sources and
 * its public headers include "dmk_env.h" and nothing else of the world
 * (the platform, struct dmk_platform, is the other way out, for what the
 * machine and the hypervisor provide).  A port supplies its own
 * dmk_env.h with the same names; env/freestanding/dmk_env.h is the one
 * for an environment with no C library at all, and `make freestanding`
 * proves that the library needs nothing beyond it.  The contract, name
 * by name, is docs/porting.md; in short:
 *
 *   types       uint8_t..uint64_t, int8_t..int64_t, uintptr_t, size_t,
 *               bool/true/false, NULL, va_list and va_start/va_arg/
 *               va_end/va_copy, offsetof, SIZE_MAX, UINT_MAX, INT_MAX,
 *               UINT64_MAX, CHAR_BIT
 *   memory      memcpy, memmove, memset, memcmp, strlen (builtins will do)
 *   format      dmk_env_vsnprintf: vsnprintf's contract, for %s %c %d %i
 *               %u %x %X %p %% with the l, ll, z and # modifiers
 *   allocation  dmk_env_zalloc(n), dmk_env_calloc(nmemb, size) (NULL on
 *               overflow), dmk_env_free(p): zeroed memory for the
 *               library's own bookkeeping, never for DMA
 *   locks       dmk_spinlock_t (short sections, no sleeping inside),
 *               dmk_mutex_t (may sleep; hypercalls are made under it),
 *               dmk_rwlock_t; each with _init and _destroy
 *   atomics     dmk_atomic_* on plain integer and pointer objects, with
 *               the DMK_ORDER_* memory orders, and dmk_cpu_relax()
 *   per-thread  thread tokens: small numbers 1..DMK_ENV_TOKENS naming
 *               the calling thread (or CPU), so that per-thread state
 *               lives in plain arrays written by one holder at a time;
 *               DMK_ENV_TOKENS may be 0 (no per-thread state)
 *   checks      DMK_ENV_BUG() for a broken invariant of the library
 *               itself (never for bad input, which gets an error code)
 */
#ifndef DMK_ENV_H
#define DMK_ENV_H

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- formatting ---- */

static inline int dmk_env_vsnprintf(char *buf, size_t size, const char *fmt,
				    va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

/* ---- the library's own allocations ---- */

/*
 * Fault injection (`dmakit faults`, docs/faults.md): when a test sets
 * dmk_env_alloc_fault, it is asked before each of the library's
 * allocations and a true answer makes that allocation fail as if memory
 * had run out.  NULL (always, outside tests) costs one predicted branch.
 * It is the environment's, not the library's: a kernel's env has its own
 * (Linux: fail_page_alloc / failslab).
 */
extern bool (*dmk_env_alloc_fault)(void *arg, size_t size);
extern void *dmk_env_alloc_fault_arg;

static inline bool dmk_env_alloc_fails(size_t size)
{
	bool (*fault)(void *, size_t) =
		__atomic_load_n(&dmk_env_alloc_fault, __ATOMIC_RELAXED);

	return __builtin_expect(fault != NULL, 0) &&
	       fault(dmk_env_alloc_fault_arg, size);
}

static inline void *dmk_env_zalloc(size_t size)
{
	if (dmk_env_alloc_fails(size))
		return NULL;
	return calloc(1, size);
}

static inline void *dmk_env_calloc(size_t nmemb, size_t size)
{
	if (dmk_env_alloc_fails(nmemb * size))
		return NULL;
	return calloc(nmemb, size);
}

static inline void dmk_env_free(void *p)
{
	free(p);
}

/* ---- atomics: GCC's __atomic builtins on plain objects ---- */

#define DMK_ORDER_RELAXED __ATOMIC_RELAXED
#define DMK_ORDER_ACQUIRE __ATOMIC_ACQUIRE
#define DMK_ORDER_RELEASE __ATOMIC_RELEASE
#define DMK_ORDER_ACQ_REL __ATOMIC_ACQ_REL
#define DMK_ORDER_SEQ_CST __ATOMIC_SEQ_CST

#define dmk_atomic_load(p, order) __atomic_load_n(p, order)
#define dmk_atomic_store(p, v, order) __atomic_store_n(p, v, order)
#define dmk_atomic_exchange(p, v, order) __atomic_exchange_n(p, v, order)
#define dmk_atomic_fetch_add(p, v, order) __atomic_fetch_add(p, v, order)
#define dmk_atomic_fetch_sub(p, v, order) __atomic_fetch_sub(p, v, order)
#define dmk_atomic_fetch_or(p, v, order) __atomic_fetch_or(p, v, order)
#define dmk_atomic_fetch_and(p, v, order) __atomic_fetch_and(p, v, order)
/* Strong compare-and-swap: true when *p was *expected and is now v;
 * otherwise *expected is what *p held. */
#define dmk_atomic_cmpxchg(p, expected, v, success, failure)                   \
	__atomic_compare_exchange_n(p, expected, v, false, success, failure)

static inline void dmk_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* ---- locks ---- */

/*
 * A test-and-test-and-set spinlock for the library's short critical
 * sections (a swiotlb area's bitmap update, a few dozen instructions):
 * waiters spin on a plain load, so the line stays shared until the
 * holder releases it.  A user-space thread cannot disable preemption;
 * the sections are short enough that a preempted holder is rare and
 * only delays, never deadlocks.
 */
typedef struct {
	bool locked;
} dmk_spinlock_t;

static inline void dmk_spin_init(dmk_spinlock_t *l)
{
	__atomic_store_n(&l->locked, false, __ATOMIC_RELAXED);
}

static inline void dmk_spin_destroy(dmk_spinlock_t *l)
{
	(void)l;
}

static inline bool dmk_spin_trylock(dmk_spinlock_t *l)
{
	return !__atomic_load_n(&l->locked, __ATOMIC_RELAXED) &&
	       !__atomic_exchange_n(&l->locked, true, __ATOMIC_ACQUIRE);
}

static inline void dmk_spin_lock(dmk_spinlock_t *l)
{
	while (!dmk_spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			dmk_cpu_relax();
}

static inline void dmk_spin_unlock(dmk_spinlock_t *l)
{
	__atomic_store_n(&l->locked, false, __ATOMIC_RELEASE);
}

/*
 * Mutexes and reader-writer locks are POSIX's; they live out of line
 * (env/user/env.c) so that <pthread.h> stays out of every file that
 * includes a dmakit header.  The storage is opaque here and checked
 * against the real types there.
 */
typedef struct {
	unsigned char opaque[64] __attribute__((aligned(8)));
} dmk_mutex_t;
typedef struct {
	unsigned char opaque[64] __attribute__((aligned(8)));
} dmk_rwlock_t;

void dmk_mutex_init(dmk_mutex_t *m);
void dmk_mutex_destroy(dmk_mutex_t *m);
void dmk_mutex_lock(dmk_mutex_t *m);
void dmk_mutex_unlock(dmk_mutex_t *m);

void dmk_rwlock_init(dmk_rwlock_t *l);
void dmk_rwlock_destroy(dmk_rwlock_t *l);
void dmk_read_lock(dmk_rwlock_t *l);
void dmk_read_unlock(dmk_rwlock_t *l);
void dmk_write_lock(dmk_rwlock_t *l);
void dmk_write_unlock(dmk_rwlock_t *l);
/*
 * How many of these write locks the calling thread holds now.  A
 * process that forks must not do it while it holds one: glibc's rwlock
 * knows its writer by thread id, which the child's thread does not
 * share, so the child's unlock would be taken for a reader's and the
 * lock would stay held for good (the fault sweep's fork server asks).
 */
unsigned int dmk_env_write_locks_held(void);

/* ---- thread tokens ---- */

/*
 * The kernel has smp_processor_id() with preemption off; user space
 * has no such thing, so a thread keeps its token for life instead of a
 * CPU keeping it.  Tokens are taken lazily and given back when the
 * thread exits (a pthread key's destructor), so a token has one holder
 * at a time: the bitmap's acquire and release order everything the old
 * holder wrote before the new one reads it.  Threads beyond the tokens
 * get DMK_ENV_TOKEN_SHARED and must use atomic read-modify-writes (or
 * keep no per-thread state).
 */
#define DMK_ENV_TOKENS 7
#define DMK_ENV_TOKEN_SHARED UINT_MAX

/* 0 until the thread first asks for its token, then the token. */
extern __thread unsigned int dmk_env_token_tls
	__attribute__((tls_model("initial-exec")));
/* Which holder of its token this thread is (never 0 once asked): state
 * kept under a token may want to know it changed hands. */
extern __thread unsigned int dmk_env_token_gen_tls
	__attribute__((tls_model("initial-exec")));
unsigned int dmk_env_token_slow(void);

/* This thread's token, taken on first use. */
static inline unsigned int dmk_env_token(void)
{
	unsigned int t = dmk_env_token_tls;

	return __builtin_expect(t != 0, 1) ? t : dmk_env_token_slow();
}

/* The token if this thread has asked before, else 0; never takes one. */
static inline unsigned int dmk_env_token_peek(void)
{
	return dmk_env_token_tls;
}

static inline unsigned int dmk_env_token_gen(void)
{
	return dmk_env_token_gen_tls;
}

/* Take a token no thread holds (to tidy up after one that exited), and
 * give one back. */
bool dmk_env_token_claim(unsigned int token);
void dmk_env_token_put(unsigned int token);

/* ---- checks ---- */

void dmk_env_bug(const char *file, int line, const char *what)
	__attribute__((noreturn));
#define DMK_ENV_BUG(what) dmk_env_bug(__FILE__, __LINE__, what)

#ifdef __cplusplus
}
#endif

#endif /* DMK_ENV_H */
