/* SPDX-License-Identifier: MIT */
/*
 * A small spinlock on C11 atomics for the library's short critical
 * sections (a swiotlb area's bitmap update, a few dozen instructions).
 *
 * Test-and-test-and-set: waiters spin on a plain load, so the cache line
 * stays shared until the holder releases it, and only then race for the
 * exchange.  Acquire on lock, release on unlock: everything written
 * inside the section is visible to the next holder.  Not fair and not
 * for long sections; a holder is never preempted for long in the
 * library (no sleeping, no allocation under a spinlock).
 */
#ifndef DMAKIT_LOCK_H
#define DMAKIT_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
	atomic_bool locked;
} dmk_spinlock_t;

#define DMK_SPINLOCK_INIT                                                      \
	{                                                                      \
		false                                                          \
	}

static inline void dmk_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static inline void dmk_spin_init(dmk_spinlock_t *l)
{
	atomic_init(&l->locked, false);
}

static inline bool dmk_spin_trylock(dmk_spinlock_t *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, true,
					 memory_order_acquire);
}

static inline void dmk_spin_lock(dmk_spinlock_t *l)
{
	while (!dmk_spin_trylock(l))
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			dmk_cpu_relax();
}

static inline void dmk_spin_unlock(dmk_spinlock_t *l)
{
	atomic_store_explicit(&l->locked, false, memory_order_release);
}

#endif /* DMAKIT_LOCK_H */
