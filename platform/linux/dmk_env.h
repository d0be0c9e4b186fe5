/* SPDX-License-Identifier: MIT OR GPL-2.0 */
/*
 * dmk_env.h for the Linux kernel: the dmakit library's whole environment
 * over the kernel's own primitives, so that the library's sources build
 * unchanged as part of a module (platform/linux/Kbuild).
 *
 * The names and their contract are env/user/dmk_env.h's (docs/porting.md);
 * this file only says what each one is in the kernel:
 *
 *   types, memcpy & co   <linux/types.h>, <linux/string.h>, <linux/stdarg.h>
 *   dmk_env_vsnprintf    vsnprintf (the kernel's %p prints a hashed pointer)
 *   dmk_env_zalloc/free  kvzalloc/kvfree where the caller may sleep,
 *                        kzalloc(GFP_ATOMIC) where it may not or where
 *                        the kernel cannot tell (see below)
 *   dmk_spinlock_t       spinlock_t, taken with interrupts off
 *   dmk_mutex_t          struct mutex (the library makes hypercalls under it)
 *   dmk_rwlock_t         rwlock_t; writers with interrupts off
 *   dmk_atomic_*         GCC's __atomic builtins on plain objects, as in user
 *                        space: the kernel's atomic_t API is typed, the
 *                        library's counters are plain integers (arm64
 *                        builds with -mno-outline-atomics: see Kbuild)
 *   thread tokens        none (DMK_ENV_TOKENS 0), see below
 *   DMK_ENV_BUG          pr_crit + BUG()
 *
 * Licence: dual MIT/GPL-2.0 like the rest of platform/linux/, so that the
 * module may use the GPL-only symbols it needs (docs/real-dma.md).
 */
#ifndef DMK_ENV_H
#define DMK_ENV_H

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/limits.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/rwlock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stdarg.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/processor.h>

/* What <stdint.h> and <limits.h> have and the kernel spells otherwise. */
#ifndef CHAR_BIT
#define CHAR_BIT 8
#endif
#ifndef INT64_MAX
#define INT64_MAX S64_MAX
#endif
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif
#ifndef UINTPTR_MAX
#define UINTPTR_MAX ULONG_MAX
#endif

/* ---- formatting ---- */

static inline int dmk_env_vsnprintf(char *buf, size_t size, const char *fmt,
				    va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

/* ---- the library's own allocations ---- */

/*
 * The contract does not say whether the caller may sleep, and the library
 * does allocate under its reader-writer locks (a range array growing under
 * the write lock, an M2P hash rehashing), which are spinning locks here.
 * So the context decides: where sleeping is allowed, kvzalloc (large
 * tables such as the PV p2m copy fall back to vmalloc); where it is not,
 * an atomic kzalloc, which fails rather than sleeps.  kvfree frees both.
 */
static inline void *dmk_env_zalloc(size_t size)
{
#ifdef CONFIG_PREEMPT_COUNT
	if (preemptible())
		return kvzalloc(size, GFP_KERNEL);
#endif
	/* Without the preemption count (Debian's arm64 kernel) the context
	 * cannot be known: always atomic, which large tables may fail. */
	return kzalloc(size, GFP_ATOMIC);
}

static inline void *dmk_env_calloc(size_t nmemb, size_t size)
{
	size_t bytes;

	if (check_mul_overflow(nmemb, size, &bytes))
		return NULL;
	return dmk_env_zalloc(bytes);
}

static inline void dmk_env_free(void *p)
{
	kvfree(p);
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
	cpu_relax();
}

/* ---- locks ---- */

/*
 * A swiotlb area lock may be taken by a map in process context and by one
 * in an interrupt handler on the same CPU, as Linux's swiotlb takes
 * io_tlb_area.lock with spin_lock_irqsave.  The contract's lock call has
 * no flags argument, so the flags live in the lock: only the holder
 * writes them, after taking it, and reads them before releasing it.
 */
typedef struct {
	spinlock_t lock;
	unsigned long flags;
} dmk_spinlock_t;

static inline void dmk_spin_init(dmk_spinlock_t *l)
{
	spin_lock_init(&l->lock);
}

static inline void dmk_spin_destroy(dmk_spinlock_t *l)
{
}

static inline bool dmk_spin_trylock(dmk_spinlock_t *l)
{
	unsigned long flags;

	if (!spin_trylock_irqsave(&l->lock, flags))
		return false;
	l->flags = flags;
	return true;
}

static inline void dmk_spin_lock(dmk_spinlock_t *l)
{
	unsigned long flags;

	spin_lock_irqsave(&l->lock, flags);
	l->flags = flags;
}

static inline void dmk_spin_unlock(dmk_spinlock_t *l)
{
	spin_unlock_irqrestore(&l->lock, l->flags);
}

typedef struct mutex dmk_mutex_t;

static inline void dmk_mutex_init(dmk_mutex_t *m)
{
	mutex_init(m);
}

static inline void dmk_mutex_destroy(dmk_mutex_t *m)
{
	mutex_destroy(m);
}

static inline void dmk_mutex_lock(dmk_mutex_t *m)
{
	mutex_lock(m);
}

static inline void dmk_mutex_unlock(dmk_mutex_t *m)
{
	mutex_unlock(m);
}

/*
 * Readers (pfn_to_bfn on every map) may run in interrupt context; the
 * kernel's rwlock lets an interrupt's reader in even past a waiting
 * writer, so readers need no more.  A writer (a foreign map, a region
 * made contiguous) keeps interrupts off so that no reader on its own CPU
 * spins on it forever; one writer at a time owns the saved flags.
 */
typedef struct {
	rwlock_t lock;
	unsigned long flags;
} dmk_rwlock_t;

static inline void dmk_rwlock_init(dmk_rwlock_t *l)
{
	rwlock_init(&l->lock);
}

static inline void dmk_rwlock_destroy(dmk_rwlock_t *l)
{
}

static inline void dmk_read_lock(dmk_rwlock_t *l)
{
	read_lock(&l->lock);
}

static inline void dmk_read_unlock(dmk_rwlock_t *l)
{
	read_unlock(&l->lock);
}

static inline void dmk_write_lock(dmk_rwlock_t *l)
{
	unsigned long flags;

	write_lock_irqsave(&l->lock, flags);
	l->flags = flags;
}

static inline void dmk_write_unlock(dmk_rwlock_t *l)
{
	write_unlock_irqrestore(&l->lock, l->flags);
}

/* ---- no thread tokens ---- */

/*
 * A kernel's natural token is smp_processor_id(), but it names the
 * caller only while preemption stays off, and the contract has no call
 * that tells the environment when the library is done with its token:
 * the library takes one and writes per-token state afterwards.  With
 * preemption on, two tasks could then hold the same CPU's token.  So
 * this environment offers none: the library keeps no per-thread state
 * and counts with atomic adds, which is correct under preemption and
 * migration, at the price of a shared cache line per counter.
 */
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
	return false;
}

static inline void dmk_env_token_put(unsigned int token)
{
}

/* ---- checks ---- */

static inline void __noreturn dmk_env_bug(const char *file, int line,
					  const char *what)
{
	pr_crit("dmakit: %s:%d: %s\n", file, line, what);
	BUG();
}

#define DMK_ENV_BUG(what) dmk_env_bug(__FILE__, __LINE__, what)

#endif /* DMK_ENV_H */
