/* SPDX-License-Identifier: MIT */
/*
 * The simulated platform: machine RAM, CPU caches, domains with their
 * p2m, a Xen hypervisor on Xen's public ABI, an SMMU, DMA-capable
 * devices, and the dmk_platform that the library runs on.
 *
 * It stands on the library's public headers only.  Files:
 *   machine.c   RAM banks backed by memfds: the C (cache) and D (DRAM)
 *               images, the S (last filled/cleaned) image, frame owners
 *   cache.c     the cache model: clean, invalidate, device access
 *   domain.c    a domain's p2m and its linear map of real host mappings
 *   pagealloc.c the guest's page allocator (a buddy over guest frames)
 *   device.c    the DMA engine: reads and writes by bus address, faults
 *   smmu.c      SMMU streams and page tables
 *   hv.c        the hypervisor: memory_op, xen_version, PV MMU ops
 *   hv-gnttab.c grant tables: map, unmap, cache_flush
 *   platform.c  struct dmk_platform over a domain
 *   platforms.c the built-in platforms by name
 *   dt.c        platforms from device trees (libfdt)
 */
#ifndef DMAKIT_SIM_H
#define DMAKIT_SIM_H

#include <dmakit/dmakit.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE 4096UL
#define SIM_LINE 64
#define SIM_MAX_BANKS 8
#define SIM_INVALID_MFN (~0ULL)
#define SIM_DOMID_FREE 0x7FF0 /* DOMID_FREE-like owner of a free frame */
#define SIM_DOMID_XEN 0x7FF2  /* frames the hypervisor keeps */

/* ---- machine.c ---- */

struct sim_bank {
	uint64_t base; /* machine address, page aligned */
	uint64_t size;
};

struct sim_machine {
	struct sim_bank banks[SIM_MAX_BANKS];
	unsigned int nbanks;
	uint64_t nr_frames; /* frames in all banks */
	int fd_c;	  /* memfd: the C image, what cacheable mappings see */
	int fd_d;	  /* memfd: the D image, DRAM */
	uint8_t *c;	  /* whole C image, indexed by frame index */
	uint8_t *d;	  /* whole D image */
	uint8_t *s;	  /* S image: each line as last filled or cleaned */
	uint16_t *owner;  /* owning domid per frame index */
	bool adversarial; /* evict dirty lines over device writes */
	uint64_t rng;	  /* xorshift state for adversarial choices */
	/* counters */
	atomic_uint_fast64_t clean_lines, inval_lines, evictions;
};

int sim_machine_create(struct sim_machine **out, const struct sim_bank *banks,
		       unsigned int nbanks, uint64_t seed);
void sim_machine_destroy(struct sim_machine *m);
/* Frame index in the images of a machine frame, or -1 if not RAM. */
int64_t sim_mfn_index(const struct sim_machine *m, uint64_t mfn);
uint64_t sim_index_mfn(const struct sim_machine *m, uint64_t idx);
bool sim_ma_is_ram(const struct sim_machine *m, uint64_t ma, size_t len);
/*
 * The hypervisor's frame allocator (thread-safe).  alloc_extent: 2^order
 * free frames, machine-contiguous, aligned to their size, every frame
 * below max_mfn (0: no limit), now owned by domid; returns the first mfn
 * or SIM_INVALID_MFN.  free_frame aborts on a free frame or a non-RAM
 * mfn: that is a bug in the caller.
 */
uint64_t sim_machine_alloc_extent(struct sim_machine *m, unsigned int order,
				  uint64_t max_mfn, uint16_t domid);
void sim_machine_free_frame(struct sim_machine *m, uint64_t mfn);
uint64_t sim_machine_free_frames(const struct sim_machine *m);
/* Take one given free frame for domid; false if not RAM or not free. */
bool sim_machine_claim_frame(struct sim_machine *m, uint64_t mfn,
			     uint16_t domid);
/* Free every frame domid owns; returns how many. */
uint64_t sim_machine_release_owned(struct sim_machine *m, uint16_t domid);
/*
 * Machine RAM saved and restored around a fork: the C and D images are
 * MAP_SHARED memfds (each guest's view maps them page by page), which
 * fork leaves shared, so a child that writes RAM writes its parent's.
 * A parent that forks a child to run on from its present state saves
 * the images first, waits for the child, and restores them: then it goes
 * on from the state it forked at (the rest of the process is private to
 * each side, copy-on-write, as fork makes it).  Giving the child images
 * of its own instead would mean remapping each of the views' thousands
 * of mappings in every child.  A save is kept for the next: copying
 * again writes over its pages.  Only the images' data is copied (a
 * frame never touched is a hole, and stays one).  Save and restore
 * return 0 or -errno; sim_machine_save_new NULL when out of memory.
 */
struct sim_machine_save;
struct sim_machine_save *sim_machine_save_new(const struct sim_machine *m);
int sim_machine_save(const struct sim_machine *m, struct sim_machine_save *s);
int sim_machine_restore(struct sim_machine *m,
			const struct sim_machine_save *s);
void sim_machine_save_free(struct sim_machine_save *s);

/* ---- cache.c: every address here is a machine address ---- */

void sim_cache_clean(struct sim_machine *m, uint64_t ma, size_t len);
void sim_cache_inval(struct sim_machine *m, uint64_t ma, size_t len);
void sim_cache_clean_inval(struct sim_machine *m, uint64_t ma, size_t len);
/* A device access within one page of RAM.  A coherent device reads C and
 * writes C, D and S; a non-coherent one reads and writes D (and in
 * adversarial mode a dirty line it wrote under may be evicted over it). */
void sim_mem_dev_read(struct sim_machine *m, uint64_t ma, void *buf, size_t len,
		      bool coherent);
void sim_mem_dev_write(struct sim_machine *m, uint64_t ma, const void *buf,
		       size_t len, bool coherent);
/* The hypervisor's view (copying, scrubbing): write C, D and S alike. */
void sim_mem_fill(struct sim_machine *m, uint64_t ma, int byte, size_t len);
void sim_mem_copy_frame(struct sim_machine *m, uint64_t dst_mfn,
			uint64_t src_mfn);

/* ---- domain.c ---- */

/* p2m entry types (stage-2 / PV p2m). */
enum sim_p2m_type {
	SIM_P2M_INVALID = 0, /* hole, ballooned out */
	SIM_P2M_RAM,	     /* the domain's own RAM */
	SIM_P2M_FOREIGN_RW,  /* a grant mapping */
	SIM_P2M_FOREIGN_RO,
};

struct sim_p2m_entry {
	uint64_t mfn;
	uint8_t type; /* enum sim_p2m_type */
	bool pinned;  /* exchanged-and-pinned: never relocated */
};

struct sim_grant_table; /* hv-gnttab.c */

struct sim_domain {
	uint16_t domid;
	bool pv;		/* x86 PV: the guest keeps its own p2m */
	bool direct_mapped;	/* ARM 1:1: gfn == mfn for own RAM */
	bool privileged;	/* dom0 */
	unsigned int max_order; /* XENMEM_exchange extent order limit */
	struct sim_machine *m;
	struct sim_xen *xen;	    /* NULL natively */
	uint64_t gfn_base, nr_gfns; /* guest-physical span [base, base+nr) */
	/* The p2m may hold any gfn below p2m_end (the RAM span's end, or
	 * more after sim_domain_set_p2m_end); the linear map covers
	 * [0, p2m_end). */
	uint64_t p2m_end;
	/* Sparse two-level p2m (chunks allocated on first use), so domains
	 * whose banks lie far apart cost nothing for the hole. */
	struct sim_p2m_entry **p2m_chunks;
	uint64_t p2m_nr_chunks;
	uint8_t *linear; /* host range: linear + gfn*4096 is the guest page */
	size_t linear_len;
	uint64_t nr_pages;	     /* populated own-RAM pages */
	struct sim_pagealloc *alloc; /* the guest OS's page allocator */
	struct sim_grant_table *grants;
	uint64_t *pv_p2m; /* PV: the start_info mfn_list handed to the guest */
	uint64_t host_mappings; /* mmap calls alive in the linear map */

	/* What Xen keeps in struct domain (hv.c maintains these):
	 * tot_pages is domain_tot_pages(), the pages allocated to the
	 * domain; max_pages the limit assign_pages() enforces. */
	uint64_t tot_pages;
	uint32_t max_pages;
	/* Translated guests: the p2m's max_mapped_gfn, which
	 * XENMEM_maximum_gpfn answers on ARM; it never goes down. */
	uint64_t max_mapped_gfn;
	/* x86 PV: shared_info's arch.max_pfn, the p2m size the guest
	 * wrote there (XENMEM_maximum_gpfn answers it - 1). */
	uint64_t pv_max_pfn;
	/* VMASST_TYPE_* bits the guest switched on (vm_assist). */
	uint64_t vm_assist;
	/* Where XENMAPSPACE_shared_info is mapped, SIM_INVALID_MFN if
	 * nowhere (ARM guests map it once at boot). */
	uint64_t shared_info_gfn;
};

/*
 * Give a domain 'pages' frames of its owner's RAM at guest frames
 * [gfn_base, gfn_base + pages): 1:1 when direct_mapped, else in random
 * runs of 1..max_run frames (seeded) so guest-contiguous is not
 * machine-contiguous.  Maps them into a fresh linear map.
 */
int sim_domain_create(struct sim_domain **out, struct sim_machine *m,
		      uint16_t domid, uint64_t gfn_base, uint64_t pages,
		      bool direct_mapped, unsigned int max_run, uint64_t seed);
void sim_domain_destroy(struct sim_domain *d);
/* Point gfn at mfn (type) in the p2m and remap the linear map page;
 * mfn SIM_INVALID_MFN makes a hole (PROT_NONE). */
int sim_domain_set_p2m(struct sim_domain *d, uint64_t gfn, uint64_t mfn,
		       enum sim_p2m_type type);
/* The same for n gfns onto the machine-contiguous frames [mfn, mfn + n)
 * (or n holes): one host mmap instead of n, for exchanges of extents. */
int sim_domain_set_p2m_range(struct sim_domain *d, uint64_t gfn, uint64_t mfn,
			     uint64_t n, enum sim_p2m_type type);
/* gfn -> mfn through the p2m, SIM_INVALID_MFN for a hole. */
uint64_t sim_domain_gfn_to_mfn(const struct sim_domain *d, uint64_t gfn,
			       enum sim_p2m_type *type);
/* A non-cacheable alias: D pages of the frames behind [gpa, gpa+len). */
void *sim_domain_map_uncached(struct sim_domain *d, uint64_t gpa, size_t len);
void sim_domain_unmap_uncached(struct sim_domain *d, void *va, size_t len);
/* Whether va lies in a live non-cacheable alias or vmap. */
bool sim_domain_is_uncached(struct sim_domain *d, const void *va);
/*
 * Linux's vmap: guest frames gfns[0..n), in any order, at one new range
 * of CPU addresses, page i on gfns[i]; type is an enum dmk_vmap_prot
 * (DMK_VMAP_CACHED maps the C image, as the linear map does; the others
 * the D image).  It follows later p2m changes as the linear map does.
 * NULL if a frame is a hole or the host has no room.  vunmap takes
 * what vmap returned (anything else aborts).
 */
void *sim_domain_vmap(struct sim_domain *d, const uint64_t *gfns, size_t n,
		      int type);
void sim_domain_vunmap(struct sim_domain *d, void *va);
/* The guest's vmap area: the enum dmk_vmap_prot of the live alias or
 * vmap that holds va (a map_uncached alias is DMK_VMAP_DMA_COHERENT),
 * or -1 when va is in none. */
int sim_domain_vmap_type(struct sim_domain *d, const void *va);
/* x86 PV: set d->pv and build d->pv_p2m (indexed by pfn from 0, entries
 * SIM_INVALID_MFN for holes) from the p2m.  Returns 0 or -ENOMEM. */
int sim_domain_make_pv(struct sim_domain *d);
/* Let the p2m hold gfns up to end (exclusive): guest-physical space
 * beyond RAM, where a guest maps its grant table and foreign pages.
 * The linear map is rebuilt at a new address: call it before anything
 * keeps pointers into it. */
int sim_domain_set_p2m_end(struct sim_domain *d, uint64_t end);
/* p2m_chunks[gfn / SIM_P2M_CHUNK][gfn % SIM_P2M_CHUNK], gfn counted from 0. */
#define SIM_P2M_CHUNK 512
/* Mark an own-RAM gfn pinned (never relocated) or not; -EINVAL if the gfn
 * is a hole or out of the domain's span. */
int sim_domain_set_pinned(struct sim_domain *d, uint64_t gfn, bool pinned);
bool sim_domain_is_pinned(const struct sim_domain *d, uint64_t gfn);
/* Own-RAM pages pinned now (a leak check's count). */
uint64_t sim_domain_pinned_pages(const struct sim_domain *d);

/* ---- pagealloc.c: a buddy allocator over a domain's guest frames ---- */

struct sim_pagealloc;
int sim_pagealloc_create(struct sim_pagealloc **out, uint64_t gfn_base,
			 uint64_t nr);
void sim_pagealloc_destroy(struct sim_pagealloc *pa);
/* Hand [gfn, gfn + n) to the allocator (RAM not reserved). */
void sim_pagealloc_add(struct sim_pagealloc *pa, uint64_t gfn, uint64_t n);
/* 2^order frames, last frame <= limit_gfn; returns first gfn or ~0. */
uint64_t sim_pagealloc_alloc(struct sim_pagealloc *pa, unsigned int order,
			     uint64_t limit_gfn);
void sim_pagealloc_free(struct sim_pagealloc *pa, uint64_t gfn,
			unsigned int order);
uint64_t sim_pagealloc_free_pages(const struct sim_pagealloc *pa);
/* Take the free frames of [gfn, gfn + n) out of the allocator for good
 * (reserved-memory regions); frames that are not free are left alone. */
void sim_pagealloc_reserve(struct sim_pagealloc *pa, uint64_t gfn, uint64_t n);

/* ---- smmu.c ---- */

struct sim_smmu;
struct sim_smmu_stream; /* one per master (stream ID) */

int sim_smmu_create(struct sim_smmu **out, const char *name);
void sim_smmu_destroy(struct sim_smmu *s);
/* A stream whose output addresses are IPAs of 'dom' (Xen: the SMMU shares
 * the domain's stage-2) or, with dom NULL, machine addresses translated
 * by the stream's own page table (native IOMMU DMA). */
struct sim_smmu_stream *sim_smmu_add_stream(struct sim_smmu *s, uint32_t sid,
					    struct sim_domain *dom,
					    bool bypass_table);
int sim_smmu_map(struct sim_smmu_stream *st, uint64_t iova, uint64_t out,
		 size_t size, int prot);
void sim_smmu_unmap(struct sim_smmu_stream *st, uint64_t iova, size_t size);
/* iova -> output address (then stage-2 if the stream has a domain);
 * returns false and counts a fault on a miss or a permission error. */
bool sim_smmu_translate(struct sim_smmu_stream *st, uint64_t iova, bool write,
			uint64_t *ma);
uint64_t sim_smmu_faults(const struct sim_smmu_stream *st);
/* Pages the stream's tables map now (a leak check's count). */
uint64_t sim_smmu_mapped_pages(struct sim_smmu_stream *st);
/* The domain whose stage-2 follows the stream's table (NULL: the table's
 * output is a machine address). */
struct sim_domain *sim_smmu_stream_domain(const struct sim_smmu_stream *st);

/* ---- device.c: the DMA engine ---- */

enum sim_fault_kind {
	SIM_FAULT_REACH,     /* bus address beyond the device's reach */
	SIM_FAULT_NOT_RAM,   /* no RAM there */
	SIM_FAULT_IOMMU,     /* SMMU translation or permission fault */
	SIM_FAULT_NOT_OWNED, /* a frame the domain neither owns nor was granted */
	SIM_FAULT_READ_ONLY, /* a write to a read-only grant */
	SIM_FAULT_GRANT,     /* no such grant for the backend (or revoked) */
	SIM_FAULT_FIREWALL,  /* outside the only memory it may reach */
	SIM_FAULT_NR
};

struct sim_device {
	char name[96];
	bool coherent;
	unsigned int reach_bits; /* highest bus address 2^reach_bits - 1 */
	uint64_t bus_offset; /* bus = machine address + bus_offset (mod 2^64) */
	uint64_t bus_limit;  /* highest bus address (dma-ranges); 0 = reach */
	/* The same dma_range_map as the library's device, or none (then
	 * bus_offset): a bus address outside every region is no memory. */
	const struct dmk_bus_dma_region *map;
	unsigned int nr_map;
	struct sim_machine *m;
	struct sim_domain *dom; /* whose memory it may touch; NULL natively */
	struct sim_smmu_stream *smmu; /* NULL: no IOMMU */
	/* Under a hypervisor: may this device touch machine frame mfn?
	 * (own RAM of dom, or granted to it); NULL: any RAM. */
	bool (*may_access)(void *ctx, uint64_t mfn, bool write);
	void *may_access_ctx;
	/*
	 * A firewall between the device and memory (an MPU or TrustZone
	 * address-space controller that firmware programs from a
	 * restricted-dma-pool node): the device may reach machine addresses
	 * [fw_base, fw_base + fw_size) only.  fw_size 0: no firewall.
	 */
	uint64_t fw_base, fw_size;
	/*
	 * A device whose backend runs in another domain (virtio over grant
	 * DMA): its bus addresses are grant references (bit 63 | ref << 12
	 * | offset), and the backend moves each page-bounded piece through a
	 * grant mapping of its own.  Returns -1, or the fault kind.  NULL:
	 * an ordinary bus master.
	 */
	int (*grant_copy)(void *ctx, uint32_t ref, uint32_t offset, void *buf,
			  size_t len, bool write);
	void *grant_ctx;
	atomic_uint_fast64_t faults[SIM_FAULT_NR];
	atomic_uint_fast64_t bytes_read, bytes_written;
	char last_fault[160];
};

void sim_device_init(struct sim_device *sd, struct sim_machine *m,
		     const char *name, bool coherent, unsigned int reach_bits,
		     uint64_t bus_offset);
/* Read or write len bytes at bus address bus, page by page.  Returns 0,
 * or -1 after recording a fault (no byte moves on a faulting page). */
int sim_dev_dma_read(struct sim_device *sd, dmk_addr_t bus, void *buf,
		     size_t len);
int sim_dev_dma_write(struct sim_device *sd, dmk_addr_t bus, const void *buf,
		      size_t len);
uint64_t sim_device_faults(const struct sim_device *sd);

/* ---- hv.c / hv-gnttab.c: the hypervisor ---- */

enum sim_xen_arch { SIM_XEN_ARM, SIM_XEN_X86 };

/* Every hypercall counted by name ("memory_op:exchange", ...). */
#define SIM_XEN_MAX_COUNTERS 32
struct sim_xen_counter {
	const char *name;
	atomic_uint_fast64_t n;
};

struct sim_xen {
	enum sim_xen_arch arch;
	/* Xen's BITS_PER_LONG: 64, or 32 for Xen on 32-bit ARM, whose
	 * unsigned long arithmetic shows in memory_op's checks. */
	unsigned int long_bits;
	struct sim_machine *m;
	struct sim_domain *domains[16];
	unsigned int nr_domains;
	bool exchange_and_pin; /* dmakit extension: the 2013 series' op */
	/*
	 * With exchange_and_pin: the series' hypervisor side also gave ARM
	 * a steal_page, so a plain XENMEM_exchange from an autotranslated
	 * guest succeeds and returns machine frames, unpinned.  For the
	 * scenarios (DMK_NAIVE_XEN_NO_PIN) only; Xen 4.17 refuses.
	 */
	bool arm_steal_page;
	bool relocation;	      /* fault injection: move unpinned pages */
	unsigned int relocation_rate; /* one relocation per N hypercalls */
	uint64_t rng;
	uint64_t pages_exchanged, pages_relocated;
	struct sim_xen_counter counters[SIM_XEN_MAX_COUNTERS];
	unsigned int nr_counters;
	void *lock; /* the hypervisor's big lock (pthread_mutex_t) */
};

int sim_xen_create(struct sim_xen **out, struct sim_machine *m,
		   enum sim_xen_arch arch, uint64_t seed);
void sim_xen_destroy(struct sim_xen *x);
/* Register a domain (after sim_domain_create); it gets a grant table. */
int sim_xen_add_domain(struct sim_xen *x, struct sim_domain *d,
		       bool privileged);
struct sim_domain *sim_xen_domain(struct sim_xen *x, uint16_t domid);
/* The hypercall entry: Xen's numbers and argument structures. */
long sim_xen_hypercall(struct sim_xen *x, struct sim_domain *caller,
		       unsigned int op, unsigned long a1, unsigned long a2,
		       unsigned long a3);
/* Move some unpinned own-RAM page of a domain (relocation on). */
void sim_xen_maybe_relocate(struct sim_xen *x);
/* The owner Xen's get_page() sees: a domain's grant-table and
 * shared_info pages are Xen's (SIM_DOMID_XEN in the machine) but shared
 * with it (share_xen_page_with_guest), so they count as the domain's.
 * Unlocked: for the model itself and single-threaded checkers. */
uint16_t sim_xen_page_owner(struct sim_xen *x, uint64_t mfn);
/* Is mfn accessible to devices of domain d (own, or granted to it)? */
bool sim_xen_dev_may_access(struct sim_xen *x, struct sim_domain *d,
			    uint64_t mfn, bool write);
void sim_xen_count(struct sim_xen *x, const char *name);

/* The grant table a domain writes its grant_entry_v1_t into: the first
 * frame's entries (*nr of them), or any entry by reference (NULL beyond
 * the table's current size). */
void *sim_xen_grant_entries(struct sim_domain *d, unsigned int *nr);
grant_entry_v1_t *sim_xen_grant_entry(struct sim_domain *d, grant_ref_t ref);
unsigned int sim_xen_grant_nr_entries(const struct sim_domain *d);
/* Grant mappings d holds now (maptrack handles in use; a leak check). */
unsigned int sim_xen_grant_maps(const struct sim_domain *d);
/* Grow d's table to nr frames now and let it grow to max (Xen's
 * gnttab_max_frames, 64 at most here); a world that matches a real
 * guest's table sets it after sim_xen_add_domain. */
int sim_xen_grant_set_frames(struct sim_xen *x, struct sim_domain *d,
			     unsigned int nr, unsigned int max);

/* ---- platform.c: the dmk_platform of a domain ---- */

struct sim_platform_dom;

enum sim_kernel_part {
	SIM_KERNEL_TEXT,
	SIM_KERNEL_RODATA,
	SIM_KERNEL_STACK,
	SIM_KERNEL_NR
};

/*
 * Interposers on a guest's platform, for designs other than dmakit's
 * (the scenarios' naive ones): what the DMA layer asks of the world can
 * be dropped or rewritten on its way.  NULL hooks change nothing.
 */
struct sim_platform_hooks {
	/* Return false to drop this maintenance: a design that takes the
	 * range for coherent memory. */
	bool (*cache_maint)(void *arg, struct sim_platform_dom *pd,
			    dmk_phys_t phys, size_t size, enum dmk_cache_op op);
	/* Return true with *ret to answer a hypercall instead of the
	 * hypervisor; sim_platform_hypercall() passes a rewritten one on. */
	bool (*hypercall)(void *arg, struct sim_platform_dom *pd,
			  unsigned int op, unsigned long a1, unsigned long a2,
			  unsigned long a3, long *ret);
};

struct sim_platform_dom {
	struct dmk_platform plat;
	struct sim_domain *dom;
	enum dmk_arch arch;
	FILE *log; /* kernel log lines go here (NULL: kept in memory) */
	char last_log[256];
	char first_api[256]; /* the debug checker's first report, or "" */
	atomic_uint_fast64_t warnings;
	const struct sim_platform_hooks *hooks; /* NULL: none */
	void *hooks_arg;
	struct sim_faults *faults; /* fault injection (faults.h); NULL: none */
	/* The guest's worker thread (worker.c), behind defer_work; NULL:
	 * none, and deferred work runs in the call that asked for it. */
	struct sim_worker *worker;
	/* The guest kernel's text, rodata and the running task's stack:
	 * pages of its RAM sim_platform_dom_load_kernel() took, which the
	 * debug checker must see no device map (size 0: not loaded). */
	struct sim_kernel_region {
		dmk_phys_t phys;
		size_t size;
	} kernel[SIM_KERNEL_NR];
};

/*
 * A guest OS's worker thread (worker.c), Linux's schedule_work: items run
 * one at a time in the order queued.  queue: 0, -DMK_ENOMEM, or -DMK_EIO
 * once the worker is being destroyed.  flush returns when everything
 * queued has run; destroy runs what is still queued, then joins.
 */
struct sim_worker;
int sim_worker_create(struct sim_worker **out);
int sim_worker_queue(struct sim_worker *w, void (*fn)(void *arg), void *arg);
void sim_worker_flush(struct sim_worker *w);
uint64_t sim_worker_done(struct sim_worker *w); /* items that have run */
void sim_worker_destroy(struct sim_worker *w);

/* The hypervisor's answer to a hypercall of this guest, past any hook. */
long sim_platform_hypercall(struct sim_platform_dom *pd, unsigned int op,
			    unsigned long a1, unsigned long a2,
			    unsigned long a3);

/* Fills every field (log = NULL: set pd->log afterwards).  ram_end is
 * exclusive: the span is [ram_start, ram_end). */
void sim_platform_dom_init(struct sim_platform_dom *pd, struct sim_domain *d,
			   enum dmk_arch arch, unsigned int nr_cpus);
/* Takes the kernel's text (16 KiB), rodata (8 KiB) and a 16 KiB stack
 * (THREAD_SIZE) out of the domain's RAM, as a booted kernel occupies
 * them; returns 0 or -ENOMEM. */
int sim_platform_dom_load_kernel(struct sim_platform_dom *pd);
#endif /* DMAKIT_SIM_H */
