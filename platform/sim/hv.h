/* SPDX-License-Identifier: MIT */
/*
 * Private state of the hypervisor model, shared by its files (hv.c
 * lists them).  Nothing outside the model includes this.
 *
 * struct sim_xen (sim.h) is what the world sees; the model keeps the
 * rest in struct sim_xen_impl, which embeds it (container_of), so that
 * sim.h need not grow fields nobody else should touch.
 */
#ifndef DMAKIT_SIM_XEN_INTERNAL_H
#define DMAKIT_SIM_XEN_INTERNAL_H

#include "sim.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

/* Xen 4.17, as XENVER_version reports it: major << 16 | minor. */
#define SIM_XEN_VERSION ((4 << 16) | 17)

/* Grant tables (version 1): 512 grant_entry_v1_t per frame, one frame
 * at first (Xen's INITIAL_NR_GRANT_FRAMES), growing on demand up to
 * max_frames (Xen's gnttab_max_frames, 64 by default). */
#define SIM_GNT_PER_FRAME (SIM_PAGE_SIZE / sizeof(grant_entry_v1_t))
#define SIM_GNT_MAX_FRAMES 64U
#define SIM_GNT_ENTRIES (SIM_GNT_MAX_FRAMES * SIM_GNT_PER_FRAME)
/* Maptrack handles per domain (Xen grows its maptrack; 1024 is plenty
 * for the workloads and makes GNTST_no_space reachable). */
#define SIM_GNT_MAPTRACK 1024
/* Xen's GNTTABOP_CONTINUATION_ARG_SHIFT: how many entries a cache flush
 * looks at before it asks to be continued. */
#define SIM_GNT_CONT_SHIFT 12

/* x86 page-table entry bits a PV guest hands to update_va_mapping.
 * They are the processor's, not Xen's, so no public header has them. */
#define SIM_PTE_PRESENT 0x1ULL
#define SIM_PTE_MFN_MASK 0x000ffffffffff000ULL

/* Xen's active grant entry: who maps a ref and how often. */
struct sim_grant_active {
	uint32_t pin;	    /* live mappings (host and device parts counted) */
	uint32_t pin_write; /* of which writable */
	uint16_t domid;	    /* the mapping domain, valid while pin != 0 */
	uint64_t mfn;	    /* the granted machine frame */
};

/* Xen's maptrack entry: one mapping made by this domain. */
struct sim_grant_maptrack {
	uint32_t flags; /* GNTMAP_* parts still held; 0 = free handle */
	uint16_t domid; /* the granting domain */
	grant_ref_t ref;
	uint64_t gfn; /* where host_map put it in this domain */
	uint64_t mfn;
};

struct sim_grant_table {
	struct sim_domain *d;
	unsigned int nr_frames, max_frames;
	/* The shared frames, owned by SIM_DOMID_XEN (Xen shares them with
	 * the guest: Xen's get_page sees the guest as their owner), and
	 * where a translated guest mapped each (SIM_INVALID_MFN if not). */
	uint64_t mfn[SIM_GNT_MAX_FRAMES];
	uint64_t gfn[SIM_GNT_MAX_FRAMES];
	/* The domain's shared_info page, a Xen page shared the same way,
	 * allocated when the guest first maps it (SIM_INVALID_MFN until). */
	uint64_t shared_info_mfn;
	struct sim_grant_active active[SIM_GNT_ENTRIES];
	struct sim_grant_maptrack maptrack[SIM_GNT_MAPTRACK];
	unsigned int maptrack_hw; /* handles below this were ever used */
	unsigned int nr_maps;	  /* live maptrack entries */
};

struct sim_xen_impl {
	struct sim_xen x;
	pthread_mutex_t lock;
	/* x86 PV's machine-to-phys table, by frame index (SIM_INVALID_MFN
	 * where nothing is recorded). */
	uint64_t *m2p;
	uint64_t nr_frames;
	uint64_t ticks; /* maybe_relocate calls, for relocation_rate */
	/* The grant tables, by registration order: the domains may be
	 * destroyed before the hypervisor, the tables are ours. */
	struct sim_grant_table *tables[16];
};

static inline struct sim_xen_impl *sim_xen_impl(struct sim_xen *x)
{
	return (struct sim_xen_impl *)((char *)x -
				       offsetof(struct sim_xen_impl, x));
}

/*
 * Xen encodes a preempted memory_op's progress above the command
 * (common/memory.c); the constants are internal to Xen, not public.
 */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1UL << MEMOP_EXTENT_SHIFT) - 1)

/* Xen's MAX_ORDER: max_order() is clamped to it. */
#define SIM_XEN_MAX_ORDER 20U

/* ---- small helpers (the lock is held) ---- */

/* Autotranslated: not PV (ARM, or x86 HVM). */
static inline bool sim_xen_translated(const struct sim_domain *d)
{
	return !d->pv;
}

/* Xen's max_order(): the extent-order limit of a caller. */
static inline unsigned int sim_xen_max_order(const struct sim_domain *d)
{
	return d->max_order < SIM_XEN_MAX_ORDER ? d->max_order
						: SIM_XEN_MAX_ORDER;
}

/* Xen's XSM_TARGET default: a domain acts on itself, dom0 on anyone. */
static inline bool sim_xen_may_act_on(const struct sim_domain *caller,
				      const struct sim_domain *d)
{
	return caller == d || caller->privileged;
}

static inline bool sim_xen_owned_by(const struct sim_machine *m, uint64_t mfn,
				    uint16_t domid)
{
	int64_t idx = sim_mfn_index(m, mfn);

	return idx >= 0 && m->owner[idx] == domid;
}

static inline void sim_xen_set_owner(struct sim_machine *m, uint64_t mfn,
				     uint16_t domid)
{
	int64_t idx = sim_mfn_index(m, mfn);

	if (idx >= 0)
		m->owner[idx] = domid;
}

/* Xen's gfn_t / mfn_t hold an unsigned long: Xen on 32-bit ARM keeps
 * the low word of the ABI's 64-bit frame numbers (and of an address's
 * frame), so frame 2^32 + n is frame n there. */
static inline uint64_t sim_xen_frame(const struct sim_xen *x, uint64_t frame)
{
	return x->long_bits == 32 ? (uint32_t)frame : frame;
}

/* Xen's INVALID_GFN / INVALID_MFN as a guest sees it in a 64-bit
 * field: ~0UL, so 0xffffffff from 32-bit ARM. */
static inline uint64_t sim_xen_invalid_frame(const struct sim_xen *x)
{
	return x->long_bits == 32 ? UINT32_MAX : UINT64_MAX;
}

/* ---- hv-mm.c (the lock is held) ---- */

void sim_xen_m2p_set(struct sim_xen_impl *xi, uint64_t mfn, uint64_t gfn);
uint64_t sim_xen_m2p_get(struct sim_xen_impl *xi, uint64_t mfn);
/* Change d's p2m and keep the machine-to-phys table in step. */
int sim_xen_set_p2m(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
		    uint64_t mfn, enum sim_p2m_type type);
void sim_xen_free_frame(struct sim_xen *x, uint64_t mfn);
void sim_xen_free_extent(struct sim_xen *x, uint64_t mfn, unsigned int order);
/* Scrub an extent as Xen does before handing it to a guest. */
void sim_xen_scrub_extent(struct sim_xen *x, uint64_t mfn, unsigned int order);
/* Is a PV guest's frame still in its page tables (so Xen holds a
 * reference and refuses to steal or free it)? */
bool sim_xen_pv_frame_mapped(struct sim_xen *x, const struct sim_domain *d,
			     uint64_t mfn);
/* The highest machine frame + 1 an allocation below address_bits may
 * use: 0 for no limit; *none when not even one frame fits. */
uint64_t sim_xen_address_bits_limit(unsigned int bits, bool *none);
/* Xen's max_page: the highest RAM frame + 1. */
uint64_t sim_xen_max_page(const struct sim_xen *x);
/* p2m_set_entry() over whatever was there, for a translated domain: a
 * Xen page (grant table, shared_info) mapped there forgets its gfn, a
 * grant mapping loses its p2m entry (its maptrack entry stays), an own
 * page stays allocated.  RAM entries update the m2p. */
int sim_xen_p2m_replace(struct sim_xen *x, struct sim_domain *d, uint64_t gfn,
			uint64_t mfn, uint64_t n, enum sim_p2m_type type);
/* The same with a hole. */
int sim_xen_unmap_gfn(struct sim_xen *x, struct sim_domain *d, uint64_t gfn);
/* Must an allocation with these flags come from a node the machine
 * does not have? */
bool sim_xen_node_empty(unsigned int mem_flags);
/* propagate_node(): is the node in mem_flags acceptable from caller? */
bool sim_xen_node_okay(const struct sim_xen *x, const struct sim_domain *caller,
		       unsigned int mem_flags);

/* ---- hv-guest.c: guest memory (never dereferenced directly) ---- */

/* Xen's copy_from_guest / copy_to_guest: 0 or -XEN_EFAULT.  A write
 * that cannot complete leaves what fitted before the bad page. */
int sim_xen_copy_from_guest(void *dst, const void *src, size_t len);
int sim_xen_copy_to_guest(void *dst, const void *src, size_t len);
/* Element index of a guest array (address arithmetic, no pointer
 * arithmetic on what may be NULL). */
void *sim_xen_guest_offset(const void *hnd, uint64_t index, size_t size);
int sim_xen_copy_from_guest_offset(void *dst, const void *hnd, uint64_t index,
				   size_t size);
int sim_xen_copy_to_guest_offset(void *hnd, uint64_t index, const void *src,
				 size_t size);
/* Xen's guest_handle_okay / guest_handle_subrange_okay (elements
 * [first, last] of size bytes): always true on ARM, a range check for
 * x86 PV. */
bool sim_xen_handle_okay(const struct sim_xen *x,
			 const struct sim_domain *caller, const void *hnd,
			 uint64_t nr, size_t size);
bool sim_xen_handle_subrange_okay(const struct sim_xen *x,
				  const struct sim_domain *caller,
				  const void *hnd, uint64_t first,
				  uint64_t last, size_t size);

/* ---- hv.c, for the others (the lock is held) ---- */

long sim_xen_dispatch_locked(struct sim_xen *x, struct sim_domain *caller,
			     unsigned int op, unsigned long a1,
			     unsigned long a2, unsigned long a3);

/* The domain called domid; DOMID_SELF means the caller.  NULL if none. */
struct sim_domain *sim_xen_find_domain(struct sim_xen *x,
				       struct sim_domain *caller,
				       domid_t domid);
void sim_xen_count_locked(struct sim_xen *x, const char *name);
/* The gfn behind a PV guest's linear-map virtual address, or
 * SIM_INVALID_MFN when va is not inside its guest-physical span. */
uint64_t sim_xen_pv_va_to_gfn(const struct sim_domain *d, uint64_t va);
/* Is gfn inside d's guest-physical span? */
bool sim_xen_gfn_in_span(const struct sim_domain *d, uint64_t gfn);

/* ---- hv-memop.c, hv-exchange.c, hv-pv.c (the lock is held) ---- */

long sim_xen_memory_op(struct sim_xen *x, struct sim_domain *caller,
		       unsigned long cmd, void *arg);
long sim_xen_memory_exchange(struct sim_xen *x, struct sim_domain *caller,
			     struct xen_memory_exchange *arg, bool pin);
struct dmk_xen_unpin;
long sim_xen_memory_unpin(struct sim_xen *x, struct sim_domain *caller,
			  struct dmk_xen_unpin *arg);
long sim_xen_pv_update_va_mapping(struct sim_xen *x, struct sim_domain *caller,
				  unsigned long va, uint64_t pte);
long sim_xen_pv_mmu_update(struct sim_xen *x, struct sim_domain *caller,
			   const struct mmu_update *req, unsigned long count,
			   unsigned int *done);
long sim_xen_vm_assist(struct sim_xen *x, struct sim_domain *caller,
		       unsigned long cmd, unsigned long type);
long sim_xen_domctl(struct sim_xen *x, struct sim_domain *caller,
		    const void *arg);
long sim_xen_do_multicall(struct sim_xen *x, struct sim_domain *caller,
			  struct multicall_entry *e, unsigned long count);

/* ---- hv-gnttab.c (the lock is held) ---- */

int sim_grant_table_create(struct sim_xen *x, struct sim_domain *d);
void sim_grant_table_destroy(struct sim_xen *x, struct sim_grant_table *gt);
long sim_grant_table_op(struct sim_xen *x, struct sim_domain *caller,
			unsigned int cmd, void *uop, unsigned int count);
/* Which frame of d's table mfn is, or -1. */
int sim_grant_table_frame(const struct sim_domain *d, uint64_t mfn);
/* d's Xen page mfn left the p2m: forget where it was mapped. */
void sim_grant_table_unmapped(struct sim_domain *d, uint64_t mfn);
/* XENMEM_add_to_physmap with XENMAPSPACE_grant_table. */
long sim_grant_add_to_physmap(struct sim_xen *x, struct sim_domain *d,
			      xen_ulong_t idx, xen_pfn_t gpfn);
/* Does some domain hold a grant mapping of d's frame mfn?  Such a frame
 * is referenced: Xen can neither steal (exchange) nor move it. */
bool sim_grant_frame_in_use(const struct sim_domain *d, uint64_t mfn);
/* Is mfn d's own grant-table frame? */
bool sim_grant_is_table_frame(const struct sim_domain *d, uint64_t mfn);
/* Did d map mfn through a grant (with write access if write)? */
bool sim_grant_mapped_by(const struct sim_domain *d, uint64_t mfn, bool write);

#endif /* DMAKIT_SIM_XEN_INTERNAL_H */
