/* SPDX-License-Identifier: MIT */
/*
 * xen-conformance: the hypervisor model (platform/sim/hv*.c) against real
 * Xen, case by case.
 *
 * The same cases run twice: in a real dom0 through privcmd (env-privcmd.c,
 * a static binary booted under QEMU by `make real-xen`), and on the host
 * against the model (env-model.c), in a world built from what the real run
 * discovered first (facts.c: the RAM Xen reports, dom0's banks, its grant
 * table, its limits).  Each case writes one record of what Xen answered
 * (record.c): return values, every field Xen writes back, statuses, what
 * memory reads afterwards, with frames named relative to the case's own
 * pages and the discovered facts so that two worlds can be compared.
 * compare.c reads the real run's records and compares them with the
 * model's, line by line.
 *
 * A case never assumes an answer: it sets up, calls, observes and puts
 * back what it changed, the same way in both worlds.
 */
#ifndef DMAKIT_XEN_CONFORMANCE_H
#define DMAKIT_XEN_CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/memory.h>

#define XC_EXIT_AGREE 0
#define XC_EXIT_DISAGREE 1
#define XC_EXIT_USAGE 2
#define XC_EXIT_ENV                                                            \
	3 /* no privcmd, an incomplete real run, a world not built */

#define XC_PAGE_SHIFT 12
#define XC_PAGE_SIZE 4096UL

enum xc_arch { XC_ARM64, XC_ARM32, XC_X86_64, XC_NR_ARCH };
#define XC_ON(a) (1U << (a))
#define XC_ARM (XC_ON(XC_ARM64) | XC_ON(XC_ARM32))
#define XC_X86 XC_ON(XC_X86_64)
#define XC_ALL (XC_ARM | XC_X86)

const char *xc_arch_name(enum xc_arch a);
int xc_arch_parse(const char *s, enum xc_arch *a);

/* Frames [start, end). */
struct xc_range {
	uint64_t start, end;
};

#define XC_MAX_RANGES 16

/*
 * What the real dom0 tells about itself and its hypervisor before any
 * case runs; the model's world is built from these.  Hypercall answers
 * are Xen's raw values.
 */
struct xc_facts {
	enum xc_arch arch;
	long version;	   /* XENVER_version */
	long features;	   /* XENVER_get_features submap 0 */
	long max_ram_page; /* XENMEM_maximum_ram_page */
	long tot_pages;	   /* XENMEM_current_reservation, DOMID_SELF */
	long max_pages;	   /* XENMEM_maximum_reservation */
	long max_gpfn;	   /* XENMEM_maximum_gpfn */
	long max_order;	   /* highest extent order memory_op accepts */
	long gnt_frames, gnt_max_frames; /* GNTTABOP_query_size */
	long gnt_version;		 /* GNTTABOP_get_version */
	/* Machine RAM: x86 from XENMEM_machine_memory_map; ARM from the
	 * lowest frame cache_flush calls RAM up to maximum_ram_page. */
	struct xc_range machine[XC_MAX_RANGES];
	unsigned int nmachine;
	/* dom0's RAM in its guest frames ("System RAM" in /proc/iomem);
	 * on a 1:1 dom0 these are machine frames too. */
	struct xc_range ram[XC_MAX_RANGES];
	unsigned int nram;
	/* ARM: the /hypervisor node: the grant-table region and the
	 * extended regions (unused guest-physical space). */
	struct xc_range gnt_region;
	struct xc_range ext[XC_MAX_RANGES];
	unsigned int next;
	/* A device frame dom0 has (the first non-RAM /proc/iomem entry). */
	uint64_t mmio_frame;
};

/* Print the facts, one "fact KEY VALUE" line each; parse them back. */
void xc_facts_print(const struct xc_facts *f);
/* One "fact ..." line (without "fact "); 0, or -1 for a bad line. */
int xc_facts_parse_line(struct xc_facts *f, const char *line);
/* Are the facts complete enough to build a world?  NULL, or what is
 * missing. */
const char *xc_facts_missing(const struct xc_facts *f);

/* ---- the two worlds ---- */

struct xc_env;

/* A page of dom0's own RAM, locked, its frame as hypercalls name it on
 * this arch: a gfn on ARM; on x86 PV the pseudo-physical frame (which no
 * hypercall takes; see cases for how PV cases get machine frames). */
struct xc_page {
	uint8_t *va;
	uint64_t frame;
};

/* A page granted by dom0 (Linux's gntalloc; the model writes the entry
 * as the guest's CPU would). */
struct xc_grant {
	uint8_t *va;
	uint64_t frame; /* gfn (ARM) or pfn (PV) of the granted page */
	grant_ref_t ref;
	uint32_t index; /* gntalloc's mmap offset (real) */
};

struct xc_env_ops {
	const char *name; /* "xen" or "model" */
	long (*hypercall)(struct xc_env *e, unsigned int op, unsigned long a1,
			  unsigned long a2, unsigned long a3);
	/* 2^order pages, contiguous and aligned in guest frames and
	 * contiguous in va; pg is the first. */
	int (*page_alloc)(struct xc_env *e, unsigned int order,
			  struct xc_page *pg);
	/* Give pages back to the guest's allocator; only pages whose p2m
	 * entries are as they were (cases put back what they change). */
	void (*page_free)(struct xc_env *e, struct xc_page *pg,
			  unsigned int order);
	/* The machine frame behind a guest frame (the frame itself on a
	 * translated guest; on x86 PV through the dmk_p2m module), ~0 when
	 * the world cannot tell. */
	uint64_t (*mfn)(struct xc_env *e, uint64_t frame);
	int (*grant_alloc)(struct xc_env *e, domid_t to, bool writable,
			   struct xc_grant *g);
	void (*grant_free)(struct xc_env *e, struct xc_grant *g);
};

/* Memory every case may point handles at, the same in both worlds. */
struct xc_bad_mem {
	uint8_t *unmapped; /* two PROT_NONE pages */
	uint8_t *readonly; /* one PROT_READ page (reads zero) */
	uint8_t *tail;	   /* a RW page followed by a PROT_NONE one */
};

struct xc_env {
	const struct xc_env_ops *ops;
	struct xc_facts facts;
	struct xc_bad_mem bad;
	bool extension; /* the model world has the extensions on */
	void *priv;
};

int xc_bad_mem_init(struct xc_bad_mem *b);
/* The last n bytes of the RW page before the guard page. */
void *xc_tail(const struct xc_env *e, size_t n);

/* ---- a case ---- */

#define XC_REC_MAX 1024
#define XC_MAX_NAMES 16

struct xc_case_def;

struct xc_case {
	struct xc_env *env;
	const struct xc_case_def *def;
	char rec[XC_REC_MAX];
	size_t len;
	bool overflow;
	/* Frames with a name for this case (its own pages). */
	struct {
		const char *name;
		uint64_t frame;
	} names[XC_MAX_NAMES];
	unsigned int nnames;
};

/* The case's world changed a way it could not put back: say so in the
 * record (both worlds then carry the same note). */
#define XC_EXTENSION_DOMU (1U << 0) /* needs a domU the real dom0 lacks */
#define XC_EXTENSION_PIN (1U << 1)  /* exchange-and-pin (xen-ext.h) */

struct xc_case_def {
	const char *name; /* "group/case" */
	unsigned int arches;
	unsigned int extension; /* XC_EXTENSION_*, 0 for a plain case */
	void (*run)(struct xc_case *c);
};

/* The catalogue, in run order; NULL-terminated groups (catalog.c). */
extern const struct xc_case_def *const xc_groups[];
size_t xc_catalog(enum xc_arch arch, const struct xc_case_def **out,
		  size_t max);

/* ---- records (record.c) ---- */

/* " key=value" appended to the record. */
void xc_put(struct xc_case *c, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A hypercall's answer: an errno name for -1..-133, else the number. */
void xc_put_rc(struct xc_case *c, const char *key, long rc);
/* A GNTST_* status by name. */
void xc_put_gntst(struct xc_case *c, const char *key, long st);
/* Name a frame for the rest of the case. */
void xc_name(struct xc_case *c, const char *name, uint64_t frame);
/* A frame: a name of the case's, a fact-relative token, or "other". */
void xc_put_frame(struct xc_case *c, const char *key, uint64_t frame);
/* An address: the frame as above, and the offset in it. */
void xc_put_maddr(struct xc_case *c, const char *key, uint64_t addr);
/* What a page reads: "pat:<byte>" when every byte is one value, else
 * "mixed". */
void xc_put_bytes(struct xc_case *c, const char *key, const uint8_t *p,
		  size_t n);
const char *xc_errno_name(long rc);

/* ---- running (run.c) ---- */

long xc_call(struct xc_case *c, unsigned int op, unsigned long a1,
	     const void *a2, unsigned long a3);
/* Run every case of the catalogue for env's arch, print each record as
 * "case NAME RECORD" to out.  Returns the number of cases run. */
size_t xc_run_all(struct xc_env *e, FILE *out, bool extension_world);
/* Run one case into c (the record). */
void xc_run_case(struct xc_env *e, const struct xc_case_def *def,
		 struct xc_case *c);

/* ---- the library on the privcmd platform (library.c), real side ---- */

/* Run the library's checks in this dom0, print "lib ..." lines and
 * "xc-library CHECKS FAILED" to out; returns the number failed. */
unsigned int xc_library_run(FILE *out, long version);

/* ---- facts (facts.c) ---- */

/* What every world can ask Xen (hypercalls only). */
int xc_discover_hypercall_facts(struct xc_env *e, struct xc_facts *f);

/* ---- worlds ---- */

/* env-privcmd.c: dom0 user space; 0, or prints why not and returns
 * XC_EXIT_ENV. */
int xc_env_privcmd_open(struct xc_env *e);
void xc_env_privcmd_close(struct xc_env *e);
/* The facts only real dom0 has (/proc/iomem, the device tree). */
int xc_discover_dom0_facts(struct xc_env *e, struct xc_facts *f);

/* env-model.c: the model in a world built from facts. */
int xc_env_model_open(struct xc_env *e, const struct xc_facts *f,
		      bool extension, char *err, size_t errlen);
void xc_env_model_close(struct xc_env *e);

/* compare.c: `xen-conformance compare REAL-OUTPUT`. */
/* How compare prints: the summary and disagreements, every extension
 * case's answers too, or a markdown table per operation (the
 * docs/hypervisor.md table), or only the model's records. */
enum xc_compare_mode { XC_SUMMARY, XC_VERBOSE, XC_TABLE, XC_MODEL_ONLY };
int xc_compare(const char *path, enum xc_compare_mode mode);

/* NULL, or the first hypercall fact on which a and b differ. */
const char *xc_facts_differ(const struct xc_facts *a, const struct xc_facts *b);

#endif /* DMAKIT_XEN_CONFORMANCE_H */

/* ---- what cases share (caselib.c) ---- */

/* XENMEM_current_reservation of dom0 itself. */
long xc_tot(struct xc_case *c);
/* " key=N" for tot_pages now minus before. */
void xc_put_dtot(struct xc_case *c, const char *key, long before);
/* A page (or 2^order) of dom0's, named for the record; 0 or -1 (then
 * the record says why and the case stops). */
int xc_page(struct xc_case *c, const char *name, unsigned int order,
	    struct xc_page *pg);
void xc_page_put(struct xc_case *c, struct xc_page *pg, unsigned int order);
/* A ballooning call: cmd with start << 6, the reservation's fields. */
long xc_reservation(struct xc_case *c, unsigned int cmd, unsigned long start,
		    xen_pfn_t *list, xen_ulong_t nr, unsigned int order,
		    unsigned int mem_flags, domid_t domid);
/* One-extent shorthands on dom0 itself. */
long xc_decrease_one(struct xc_case *c, xen_pfn_t gmfn, unsigned int order);
long xc_populate_one(struct xc_case *c, xen_pfn_t gpfn, unsigned int order);
/* ARM: put a 1:1 page back into the p2m after a case took it out (or
 * mapped something over it); records "restore=N" only if it fails. */
void xc_restore(struct xc_case *c, uint64_t gfn, unsigned int order);
/* x86 PV: a fresh machine frame of dom0's (increase_reservation with
 * a list), which nothing maps; ~0 if Xen gave none. */
uint64_t xc_pv_frame(struct xc_case *c, unsigned int order);
/* Grants of dom0 to itself (or to) through the world's gntalloc. */
int xc_grant(struct xc_case *c, const char *name, domid_t to, bool writable,
	     struct xc_grant *g);
void xc_grant_put(struct xc_case *c, struct xc_grant *g);
/* The machine frame behind a frame of dom0's (xc_env_ops.mfn). */
uint64_t xc_mfn(struct xc_case *c, uint64_t frame);
/* One map_grant_ref: status, and handle / dev_bus_addr when okay. */
int16_t xc_map(struct xc_case *c, uint32_t flags, grant_ref_t ref, domid_t dom,
	       uint64_t host_addr, grant_handle_t *handle,
	       uint64_t *dev_bus_addr);
int16_t xc_unmap(struct xc_case *c, grant_handle_t handle, uint64_t host_addr,
		 uint64_t dev_bus_addr);
/* One cache_flush element; the hypercall's answer. */
long xc_flush(struct xc_case *c, uint64_t addr, uint16_t offset,
	      uint16_t length, uint32_t op);
/* The grant table's current size (query_size). */
unsigned int xc_gnt_frames(struct xc_case *c);
/* A guest-physical frame of dom0's that maps nothing and that a host
 * mapping may use (ARM): the first extended region's first frame, or on
 * 32-bit ARM (no extended regions) the frame below dom0's RAM. */
uint64_t xc_hole_gfn(struct xc_case *c, unsigned int k);
/* The domctl that sets dom0's max_pages (XEN_DOMCTL_max_mem). */
long xc_set_max_pages(struct xc_case *c, uint64_t pages);
bool xc_arm(const struct xc_case *c);
