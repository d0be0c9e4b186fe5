/* SPDX-License-Identifier: MIT */
/*
 * dmk_env.h for a freestanding environment: no C library, no threads
 * package, not even the compiler's own headers (`-ffreestanding
 * -nostdinc`).  Everything here is the compiler's (predefined macros,
 * __builtin_*, __atomic_*) or a function the embedding kernel provides,
 * named dmk_env_* and declared below.  `make freestanding` compiles
 * every library source against this header alone, for x86_64 and
 * aarch64, and checks that the objects need no other symbol.
 *
 * The names and their contract are those of env/user/dmk_env.h
 * (docs/porting.md).  What an embedder must write is four functions:
 * dmk_env_vsnprintf, dmk_env_zalloc, dmk_env_free and dmk_env_bug.
 * Locks are spinlocks on the builtins (a kernel that can sleep will map
 * dmk_mutex_t to its own mutex instead); there are no thread tokens, so
 * the library keeps no per-thread state and counts with atomic adds.
 */
#ifndef DMK_ENV_H
#define DMK_ENV_H

/* ---- types, from the compiler's predefined macros ---- */

typedef __INT8_TYPE__ int8_t;
typedef __INT16_TYPE__ int16_t;
typedef __INT32_TYPE__ int32_t;
typedef __INT64_TYPE__ int64_t;
typedef __UINT8_TYPE__ uint8_t;
typedef __UINT16_TYPE__ uint16_t;
typedef __UINT32_TYPE__ uint32_t;
typedef __UINT64_TYPE__ uint64_t;
typedef __INTPTR_TYPE__ intptr_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;

#ifndef __cplusplus
#define bool _Bool
#define true 1
#define false 0
#endif

#define NULL ((void *)0)
#define offsetof(type, member) __builtin_offsetof(type, member)

#define CHAR_BIT __CHAR_BIT__
#define INT_MAX __INT_MAX__
#define UINT_MAX (__INT_MAX__ * 2U + 1U)
#define LONG_MAX __LONG_MAX__
#define ULONG_MAX (__LONG_MAX__ * 2UL + 1UL)
#define SIZE_MAX __SIZE_MAX__
#define INT64_MAX __INT64_MAX__
#define UINT32_MAX __UINT32_MAX__
#define UINT64_MAX __UINT64_MAX__
#define UINTPTR_MAX __UINTPTR_MAX__

typedef __builtin_va_list va_list;
#define va_start(ap, last) __builtin_va_start(ap, last)
#define va_arg(ap, type) __builtin_va_arg(ap, type)
#define va_end(ap) __builtin_va_end(ap)
#define va_copy(dst, src) __builtin_va_copy(dst, src)

/* ---- memory: the compiler's builtins (it may still emit the calls) ---- */

#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memmove(d, s, n) __builtin_memmove(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)
#define strlen(s) __builtin_strlen(s)

/* ---- what the embedding kernel provides ---- */

/* vsnprintf's contract for %s %c %d %i %u %x %X %p %% with l, ll, z, #. */
int dmk_env_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Zeroed memory for the library's bookkeeping, NULL when there is none. */
void *dmk_env_zalloc(size_t size);
void dmk_env_free(void *p);
/* A broken invariant of the library itself: stop. */
void dmk_env_bug(const char *file, int line, const char *what)
	__attribute__((noreturn));
#define DMK_ENV_BUG(what) dmk_env_bug(__FILE__, __LINE__, what)

static inline void *dmk_env_calloc(size_t nmemb, size_t size)
{
	size_t bytes;

	if (__builtin_mul_overflow(nmemb, size, &bytes))
		return NULL;
	return dmk_env_zalloc(bytes);
}

/* ---- atomics ---- */

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

/* ---- locks: all spinning, on the builtins ---- */

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

typedef dmk_spinlock_t dmk_mutex_t;
#define dmk_mutex_init dmk_spin_init
#define dmk_mutex_destroy dmk_spin_destroy
#define dmk_mutex_lock dmk_spin_lock
#define dmk_mutex_unlock dmk_spin_unlock

/*
 * A reader-writer spinlock: the count of readers, or WRITER.  Writers
 * are not preferred (the library's writers are rare: a foreign map, a
 * contiguous region made), so a stream of readers can delay one.
 */
typedef struct {
	unsigned int state;
} dmk_rwlock_t;
#define DMK_RW_WRITER (~0U)

static inline void dmk_rwlock_init(dmk_rwlock_t *l)
{
	__atomic_store_n(&l->state, 0U, __ATOMIC_RELAXED);
}

static inline void dmk_rwlock_destroy(dmk_rwlock_t *l)
{
	(void)l;
}

static inline void dmk_read_lock(dmk_rwlock_t *l)
{
	unsigned int s = __atomic_load_n(&l->state, __ATOMIC_RELAXED);

	for (;;) {
		if (s == DMK_RW_WRITER) {
			dmk_cpu_relax();
			s = __atomic_load_n(&l->state, __ATOMIC_RELAXED);
		} else if (__atomic_compare_exchange_n(&l->state, &s, s + 1,
						       true, __ATOMIC_ACQUIRE,
						       __ATOMIC_RELAXED)) {
			return;
		}
	}
}

static inline void dmk_read_unlock(dmk_rwlock_t *l)
{
	__atomic_fetch_sub(&l->state, 1U, __ATOMIC_RELEASE);
}

static inline void dmk_write_lock(dmk_rwlock_t *l)
{
	unsigned int s = 0;

	while (!__atomic_compare_exchange_n(&l->state, &s, DMK_RW_WRITER, true,
					    __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		dmk_cpu_relax();
		s = 0;
	}
}

static inline void dmk_write_unlock(dmk_rwlock_t *l)
{
	__atomic_store_n(&l->state, 0U, __ATOMIC_RELEASE);
}

/* ---- no thread tokens: no per-thread state ---- */

#define DMK_ENV_TOKENS 0
#define DMK_ENV_TOKEN_SHARED UINT_MAX

static inline unsigned int dmk_env_token(void)
{
	return DMK_ENV_TOKEN_SHARED;
}

static inline unsigned int dmk_env_token_peek(void)
{
	return DMK_ENV_TOKEN_SHARED;
}

static inline unsigned int dmk_env_token_gen(void)
{
	return 1;
}

static inline bool dmk_env_token_claim(unsigned int token)
{
	(void)token;
	return false;
}

static inline void dmk_env_token_put(unsigned int token)
{
	(void)token;
}

#endif /* DMK_ENV_H */
