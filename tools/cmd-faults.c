/* SPDX-License-Identifier: MIT */
/*
 * dmakit faults: every call the DMA layer makes into the world, failed
 * once each (docs/faults.md).
 *
 * For each platform, a short run of every workload is made once with
 * the injector counting (platform/sim/faults.h), which gives K, the
 * number of calls into the world; then once per k = 1..K with call k
 * failing, each run in a child process so that a crash is caught and
 * counted with the k that reproduces it.  By default one process (the
 * fork server) makes the run without faults and forks at each call k a
 * child that fails call k and finishes the run from there, so the
 * world's build and the calls before k are made once, not once per
 * point; --fresh builds a new world for each point instead (the
 * reference: both give the same outcome for every point, which the
 * JSON's outcomes digest shows).  Each run is judged by the
 * oracle and by the world itself: no wrong byte, no device fault, no
 * DMA-API misuse, and nothing left behind at the end (swiotlb slots,
 * live mappings and coherent buffers, the guests' pages, pinned frames,
 * contiguous regions, grant mappings, IOMMU page-table entries).
 *
 * Linux's counterpart is running a driver under fail_page_alloc /
 * fail_function with an interval of 1 and a times of 1, k by k.
 */
#include "commands.h"
#include "faults.h"
#include "progress.h"
#include "workload.h"
#include "world.h"

#include <dmakit/xen.h>

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* LeakSanitizer judges a child at its exit: only a world freed whole
 * leaves it nothing but the library's own leaks to report. */
#if defined(__SANITIZE_ADDRESS__)
#define FAULTS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULTS_LSAN 1
#endif
#endif
#ifndef FAULTS_LSAN
#define FAULTS_LSAN 0
#endif

#define FAULTS_DEFAULT_OPS 6
#define FAULTS_SWIOTLB (4UL << 20)
#define FAULTS_MAX_JOBS 64

static const char usage[] =
	"usage: dmakit faults [options]\n"
	"\n"
	"Run every workload briefly, once per call the DMA layer makes into\n"
	"the world, with that call failing (Xen's partial progress for\n"
	"hypercalls); check every run with the oracle and for leaks.\n"
	"\n"
	"  --platform NAME|all  a built-in platform, all of them (default), or a\n"
	"                       device tree blob (every DMA master it has)\n"
	"  --ops N              transactions per run (default 6)\n"
	"  --seed S             the runs' seed (default 1)\n"
	"  --k K                only injection point K, with the guests' log on\n"
	"                       stderr (reproduces a failure the sweep reports)\n"
	"  --max K              at most K injection points per platform (and\n"
	"                       as many of its boot)\n"
	"  --boot               only the boot's calls (the DMA layer's set-up\n"
	"                       of each guest and device), each failed once\n"
	"  --no-boot            only the run's calls (default: both)\n"
	"  -j, --jobs N         runs at a time (default: the CPUs online)\n"
	"  --fresh              build a new world for every point instead of\n"
	"                       forking each from one run (slower; the same\n"
	"                       outcomes)\n"
	"  --json               one JSON object instead of the report\n"
	"  -v, --verbose        one line per failing injection point\n"
	"\n"
	"exit status: 0 no wrong byte, leak or crash; 1 otherwise; 2 bad usage\n";

enum faults_phases { FAULTS_BOTH, FAULTS_RUN_ONLY, FAULTS_BOOT_ONLY };

struct faults_args {
	const char *platform;
	unsigned long long ops, seed, k, max;
	unsigned int jobs;
	bool json, verbose;
	bool fresh; /* a new world per point, not the fork server */
	enum faults_phases phases; /* --boot, --no-boot */
};

/* The world's own resources, before and after the run. */
struct snapshot {
	uint64_t free_pages[2], pinned[2], grant_maps[2], contig[2];
	uint64_t grant_frames[2]; /* the grant table's, kept for good */
	uint64_t iommu_pages;
};

/* What one run found; a child writes it to its parent through a pipe. */
struct run_result {
	uint64_t calls; /* calls into the world counted */
	uint64_t calls_by_site[SIM_FAULT_NR_SITES];
	uint64_t injected; /* failures injected */
	uint64_t corrupted, device_faults, api_errors, leaks;
	uint64_t map_errors, alloc_failures;
	/* Warnings and errors the guests logged in the window of the fault
	 * (the run, or the boot); for a boot point also those of the run
	 * after it, where a smaller pool may make a driver's map fail. */
	uint64_t log_lines, run_lines;
	struct sim_fault_record first;
	char detail[160]; /* what leaked or went wrong first */
	struct snapshot before, after;
	bool built;	  /* the world was built and ran */
	bool boot_failed; /* a boot fault stopped the build, cleanly */
};

static void snap(struct sim_world *w, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned int g = 0; g < w->nr_guests && g < 2; g++) {
		struct sim_world_guest *wg = &w->guests[g];
		struct dmk_xen_stats xs;

		s->free_pages[g] = sim_pagealloc_free_pages(wg->dom->alloc);
		s->pinned[g] = sim_domain_pinned_pages(wg->dom);
		if (w->xen)
			s->grant_maps[g] = sim_xen_grant_maps(wg->dom);
		if (!dmk_xen_stats(wg->sys, &xs)) {
			s->contig[g] = xs.contig_regions;
			s->grant_frames[g] = xs.grant_frames;
		}
	}
	for (unsigned int i = 0; i < w->nr_devs; i++) {
		struct sim_smmu_stream *st = w->devs[i].sd.smmu;
		bool seen = false;

		for (unsigned int j = 0; st && j < i; j++)
			seen |= w->devs[j].sd.smmu == st;
		if (st && !seen)
			s->iommu_pages += sim_smmu_mapped_pages(st);
	}
}

static void leak(struct run_result *r, int64_t base, int64_t now,
		 const char *what)
{
	/* More held than the run without faults held at its end. */
	uint64_t n = now > base ? (uint64_t)(now - base) : 0;

	if (!n)
		return;
	if (!r->leaks && !r->detail[0])
		snprintf(r->detail, sizeof(r->detail), "%llu %s",
			 (unsigned long long)n, what);
	r->leaks += n;
}

#define HELD(res, field)                                                       \
	((int64_t)(res)->after.field - (int64_t)(res)->before.field)

/*
 * What the world holds at the end, against what the run without faults
 * held: the library keeps a few things for good once it first needs
 * them (the grant table's frame), so the fault-free run is the measure.
 */
static void compare(struct run_result *r, const struct run_result *base)
{
	for (unsigned int g = 0; g < 2; g++) {
		/* A grant-table frame is a page the guest gives up for good
		 * when the table grows (gnttab_expand); a run whose workloads
		 * took another path may grow it once more than the run
		 * without faults: not a leak. */
		leak(r,
		     -HELD(base, free_pages[g]) - HELD(base, grant_frames[g]),
		     -HELD(r, free_pages[g]) - HELD(r, grant_frames[g]),
		     "guest pages not given back");
		leak(r, HELD(base, pinned[g]), HELD(r, pinned[g]),
		     "pinned frames left");
		leak(r, HELD(base, grant_maps[g]), HELD(r, grant_maps[g]),
		     "grant mappings left");
		leak(r, HELD(base, contig[g]), HELD(r, contig[g]),
		     "contiguous regions not destroyed");
	}
	leak(r, HELD(base, iommu_pages), HELD(r, iommu_pages),
	     "IOMMU pages still mapped");
}

static uint64_t warnings(struct sim_world *w)
{
	uint64_t n = 0;

	for (unsigned int g = 0; g < w->nr_guests; g++)
		n += atomic_load(&w->guests[g].pd.warnings);
	return n;
}

/* A child running one point, and its pipe. */
struct child {
	pid_t pid;
	int fd;
	uint64_t k;
};

/*
 * A fork server's state (serve()): its share of the points, and in a
 * child, the point it runs.
 */
struct fork_server {
	const struct faults_args *a;
	uint64_t first_k, last_k; /* the sweep's points */
	unsigned int nr, index; /* this server's: k - first_k = index mod nr */
	int out;		/* to the sweep: one struct point each */
	struct sim_machine_save *saved; /* the RAM at the fork, kept */
	uint64_t k; /* in a child: its point; 0 in the server */
	int fd;	    /* in a child: its pipe to the server */
};

static bool server_fork(void *arg, struct sim_faults *f, uint64_t call,
			bool locked);

/*
 * Build, run with the injector in mode/k, judge.  In a child.  With
 * boot, the injector counts and fails from each guest's boot on (the
 * system's creation, the bounce pool's exchange, the devices' set-up)
 * and stops once the world is built; the run then has no fault.  A
 * build a fault stopped must fail with its error; what it gives back
 * is LeakSanitizer's to judge (the child ends with exit(), so an ASan
 * build reports a leak there and the point fails).
 */
static void one_run(const struct sim_world_desc *desc,
		    const struct faults_args *a, enum sim_fault_mode mode,
		    uint64_t k, bool boot, struct fork_server *fs,
		    struct run_result *r)
{
	struct wl_run_config rc = {.seed = a->seed, .ops = a->ops};
	struct sim_world_options opts;
	struct sim_faults f;
	struct sim_world *w;
	struct wl_oracle o;
	uint64_t logs;
	char err[256];

	memset(r, 0, sizeof(*r));
	sim_world_options_default(&opts);
	opts.seed = a->seed;
	opts.cfg.debug = true;
	opts.cfg.swiotlb_bytes = FAULTS_SWIOTLB;
	opts.log = a->k ? stderr : NULL;
	sim_faults_init(&f, mode, k, a->seed);
	f.trace = a->k ? stderr : NULL;
	if (fs) {
		f.fork = server_fork;
		f.fork_arg = fs;
	}
	if (boot) {
		opts.faults = &f;
		sim_faults_attach_env(&f);
	}
	if (sim_world_build(desc, &opts, &w, err, sizeof(err))) {
		sim_faults_attach_env(NULL);
		r->calls = f.calls;
		memcpy(r->calls_by_site, f.calls_by_site,
		       sizeof(r->calls_by_site));
		r->injected = f.injected;
		r->first = f.first;
		sim_faults_destroy(&f);
		r->boot_failed = boot && f.injected && err[0];
		snprintf(r->detail, sizeof(r->detail), "build: %.140s", err);
		return;
	}
	if (boot) {
		sim_faults_attach_env(NULL);
		for (unsigned int g = 0; g < w->nr_guests; g++)
			w->guests[g].pd.faults = NULL;
		r->calls = f.calls;
		memcpy(r->calls_by_site, f.calls_by_site,
		       sizeof(r->calls_by_site));
		r->injected = f.injected;
		r->first = f.first;
		r->log_lines = warnings(w);
	}
	if (wl_drivers_probe(w)) {
		snprintf(r->detail, sizeof(r->detail),
			 "a driver failed to probe");
		sim_world_destroy(w);
		sim_faults_destroy(&f);
		return;
	}
	snap(w, &r->before);
	logs = warnings(w);
	if (!boot) {
		f.machine = w->m;
		for (unsigned int g = 0; g < w->nr_guests; g++)
			w->guests[g].pd.faults = &f;
		sim_faults_attach_env(&f);
	}
	memset(&o, 0, sizeof(o));
	wl_run(w, &rc, &o);
	if (!boot) {
		sim_faults_attach_env(NULL);
		for (unsigned int g = 0; g < w->nr_guests; g++)
			w->guests[g].pd.faults = NULL;
	}
	snap(w, &r->after);
	r->built = true;
	if (!boot) {
		r->calls = f.calls;
		memcpy(r->calls_by_site, f.calls_by_site,
		       sizeof(r->calls_by_site));
		r->injected = f.injected;
		r->first = f.first;
		r->log_lines = warnings(w) - logs;
	} else {
		r->run_lines = warnings(w) - logs;
	}
	r->corrupted = o.corrupted_bytes;
	r->device_faults = o.faults;
	r->api_errors = o.api_errors;
	r->map_errors = o.map_errors;
	r->alloc_failures = o.alloc_failures;
	r->leaks = o.leaks;
	if (o.leaks)
		snprintf(r->detail, sizeof(r->detail), "%s", o.leak_detail);
	wl_drivers_remove(w);
	sim_faults_destroy(&f);
	if (fs && fs->k && !FAULTS_LSAN) {
		/* A forked point about to exit: the library's teardown runs
		 * (a crash there is the point's), the simulator's host memory
		 * and mappings go with the process. */
		sim_world_shutdown(w);
	} else {
		sim_world_destroy(w);
	}
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* write_all's twin: 0 once len bytes came, -1 at an end or error first. */
static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* one_run in a child: a crash (a signal, an abort, an exit without an
 * answer) is caught and reported instead of ending the sweep. */
static int start_run(const struct sim_world_desc *desc,
		     const struct faults_args *a, enum sim_fault_mode mode,
		     uint64_t k, bool boot, struct child *c)
{
	int fds[2];

	if (pipe(fds))
		return -errno;
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (c->pid == 0) {
		struct run_result res;

		close(fds[0]);
		one_run(desc, a, mode, k, boot, NULL, &res);
		if (write_all(fds[1], &res, sizeof(res)))
			_exit(3);
		/* exit(), not _exit(): LeakSanitizer runs at exit. */
		exit(0);
	}
	close(fds[1]);
	c->fd = fds[0];
	c->k = k;
	return 0;
}

/* 0 with *r, or 1: the child crashed (*status says how). */
static int finish_run(struct child *c, struct run_result *r, int *status)
{
	bool answered;

	memset(r, 0, sizeof(*r));
	answered = !read_all(c->fd, r, sizeof(*r));
	close(c->fd);
	while (waitpid(c->pid, status, 0) < 0 && errno == EINTR)
		;
	return !(answered && WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

static int forked_run(const struct sim_world_desc *desc,
		      const struct faults_args *a, enum sim_fault_mode mode,
		      uint64_t k, bool boot, struct run_result *r, int *status)
{
	struct child c;
	int err = start_run(desc, a, mode, k, boot, &c);

	if (err)
		return err;
	return finish_run(&c, r, status);
}

/* One point's outcome, as the sweep judges it; the fork server sends
 * one per point, in order of k, then its own run's with k 0. */
struct point {
	uint64_t k;
	int status; /* the child's wait status */
	bool crashed;
	/* The server could not fork at this call (the library held a write
	 * lock): the sweep runs the point in a world of its own. */
	bool fresh;
	struct run_result r;
};

static void server_send(struct fork_server *fs, const struct point *p)
{
	if (write_all(fs->out, p, sizeof(*p)))
		_exit(3); /* the sweep is gone */
}

/*
 * sim_faults.fork, in a server at each call it counts: if the call is
 * one of its points, fork the child that fails it, wait for it and send
 * its outcome.  True in the child, which runs on from the call.  The
 * machine's RAM is shared with the child (sim_machine_save): it is
 * saved before and restored after, so the server goes on from the state
 * it forked at; the rest of the world is copied on write.
 */
static bool server_fork(void *arg, struct sim_faults *f, uint64_t call,
			bool locked)
{
	struct fork_server *fs = arg;
	struct point p;
	struct child c;
	int fds[2], err;

	if (call < fs->first_k || call > fs->last_k ||
	    (call - fs->first_k) % fs->nr != fs->index)
		return false;
	memset(&p, 0, sizeof(p));
	p.k = call;
	if (locked) {
		/* For the sweep to run in a world of its own. */
		p.fresh = true;
		server_send(fs, &p);
		return false;
	}
	if (!fs->saved)
		fs->saved = sim_machine_save_new(f->machine);
	err = fs->saved ? sim_machine_save(f->machine, fs->saved) : -ENOMEM;
	if (err || pipe(fds)) {
		fprintf(stderr,
			"dmakit: the fork server cannot save the RAM (%s)\n",
			strerror(err ? -err : errno));
		_exit(4);
	}
	fflush(NULL);
	c.pid = fork();
	if (c.pid == 0) {
		close(fds[0]);
		close(fs->out);
		fs->k = call;
		fs->fd = fds[1];
		return true;
	}
	close(fds[1]);
	if (c.pid < 0) {
		fprintf(stderr, "dmakit: fork: %s\n", strerror(errno));
		_exit(4);
	}
	c.fd = fds[0];
	c.k = call;
	p.crashed = finish_run(&c, &p.r, &p.status) != 0;
	err = sim_machine_restore(f->machine, fs->saved);
	if (err) {
		fprintf(stderr,
			"dmakit: the fork server cannot restore the RAM (%s)\n",
			strerror(-err));
		_exit(4);
	}
	server_send(fs, &p);
	return false;
}

/*
 * A fork server, in a process of its own: the run without faults,
 * forking its share of the points as it meets their calls and sending
 * each one's outcome to out, then its own run's (k 0).  Never returns.
 */
static void serve(const struct sim_world_desc *desc,
		  const struct faults_args *a, bool boot, uint64_t first_k,
		  uint64_t last_k, unsigned int nr, unsigned int index, int out)
{
	struct fork_server fs = {.a = a,
				 .first_k = first_k,
				 .last_k = last_k,
				 .nr = nr,
				 .index = index,
				 .out = out};
	struct point p;

	memset(&p, 0, sizeof(p));
	one_run(desc, a, SIM_FAULTS_COUNT, 0, boot, &fs, &p.r);
	sim_machine_save_free(fs.saved);
	if (fs.k) {
		/* A point's child, at the end of its run. */
		if (write_all(fs.fd, &p.r, sizeof(p.r)))
			_exit(3);
		exit(0); /* LeakSanitizer runs at exit */
	}
	server_send(&fs, &p);
	exit(0);
}

struct platform_totals {
	const char *name;
	uint64_t calls; /* calls into the world in the run without faults */
	uint64_t points, corrupted, leaks, crashes, device_faults, api_errors;
	uint64_t silent; /* the fault was not injected: the run diverged */
	/* Log lines: a point whose one failure logged more than one line
	 * (noisy), and one whose failure reached a driver as an error with
	 * no line at all (unlogged); either fails the point. */
	uint64_t noisy, unlogged;
	/* The boot's calls (the system's creation, the bounce pool's
	 * exchange, the devices' set-up): counted, points run, and points
	 * whose fault stopped the build with its error, nothing kept. */
	uint64_t boot_calls, boot_points, boot_failed_cleanly;
	bool in_boot, first_bad_boot; /* the phase now, and the first bad's */
	uint64_t by_site[SIM_FAULT_NR_SITES];	    /* injected */
	uint64_t calls_by_site[SIM_FAULT_NR_SITES]; /* counted */
	struct run_result base;			    /* the run without faults */
	uint64_t first_bad_k;			    /* 0: none */
	char first_bad[400];
	double seconds;
	uint64_t digest; /* of every point's outcome, in order (FNV-1a) */
	/* Points the fork server left to a world of their own (a write
	 * lock was held at their call). */
	uint64_t fresh_points;
};

static bool judge(const struct run_result *r)
{
	return r->built && r->injected == 1 && !r->corrupted &&
	       !r->device_faults && !r->api_errors && !r->leaks;
}

/* The lines one injected failure made the guests log (the run without
 * faults logs none in the window), and whether it reached a driver as
 * an error: more maps or allocations failed than without faults. */
static uint64_t fault_lines(const struct run_result *r,
			    const struct run_result *base)
{
	return r->log_lines > base->log_lines ? r->log_lines - base->log_lines
					      : 0;
}

/* Every line since the fault: a boot's fault may reach a driver only in
 * the run after it (a smaller bounce pool fills), with the run's line. */
static uint64_t lines_since(const struct run_result *r,
			    const struct run_result *base)
{
	uint64_t now = r->log_lines + r->run_lines;
	uint64_t then = base->log_lines + base->run_lines;

	return now > then ? now - then : 0;
}

static bool reached_driver(const struct run_result *r,
			   const struct run_result *base)
{
	return r->map_errors + r->alloc_failures >
	       base->map_errors + base->alloc_failures;
}

static void note_bad(struct platform_totals *t, uint64_t k, const char *fmt,
		     const char *a, const char *b)
{
	if (t->first_bad_k)
		return;
	t->first_bad_k = k;
	t->first_bad_boot = t->in_boot;
	snprintf(t->first_bad, sizeof(t->first_bad), fmt, a, b);
}

/* FNV-1a over one point's outcome: the digest of a sweep tells whether
 * two ways of running it (the fork server, --fresh) saw the same. */
static uint64_t fnv(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001B3ULL;
	return h;
}

static uint64_t digest_point(uint64_t h, const struct point *p)
{
	const struct run_result *r = &p->r;
	const uint64_t v[] = {
		p->k,
		p->crashed,
		(uint64_t)(p->crashed ? p->status : 0),
		r->calls,
		r->injected,
		r->first.call,
		r->first.site,
		r->first.progress,
		r->corrupted,
		r->device_faults,
		r->api_errors,
		r->leaks,
		r->map_errors,
		r->alloc_failures,
		r->log_lines,
		r->run_lines,
		r->built,
		r->boot_failed,
	};

	h = fnv(h, v, sizeof(v));
	h = fnv(h, r->first.what,
		strnlen(r->first.what, sizeof(r->first.what)));
	h = fnv(h, r->detail, strnlen(r->detail, sizeof(r->detail)));
	h = fnv(h, &r->before, sizeof(r->before));
	return fnv(h, &r->after, sizeof(r->after));
}

/* Judge point p against the run without faults (count). */
static void judge_point(const char *name, const struct faults_args *a,
			struct platform_totals *t, bool boot,
			const struct run_result *count, struct point *p)
{
	struct run_result *r = &p->r;
	uint64_t k = p->k;
	char what[160];
	bool bad = p->crashed; /* a line for it with --verbose */

	t->digest = digest_point(t->digest, p);
	t->points++;
	t->boot_points += boot;
	if (p->crashed) {
		t->crashes++;
		snprintf(what, sizeof(what), "%s %d",
			 WIFSIGNALED(p->status) ? "signal" : "exit",
			 WIFSIGNALED(p->status) ? WTERMSIG(p->status)
						: WEXITSTATUS(p->status));
		note_bad(t, k, "crash (%s)%s", what, "");
	} else {
		if (!r->boot_failed)
			compare(r, count);
		t->boot_failed_cleanly += r->boot_failed && !r->leaks;
		if (r->injected)
			t->by_site[r->first.site]++;
		t->corrupted += r->corrupted;
		t->leaks += r->leaks;
		t->device_faults += r->device_faults;
		t->api_errors += r->api_errors;
		if (!r->injected)
			t->silent++;
		if (r->injected && fault_lines(r, count) > 1) {
			bad = true;
			t->noisy++;
			snprintf(r->detail, sizeof(r->detail),
				 "%llu log lines for one failure",
				 (unsigned long long)fault_lines(r, count));
			note_bad(t, k, "%s (%s)", r->first.what, r->detail);
		}
		/* "The failing call's caller returns its documented error
		 * with one log line": an error that reached a driver with
		 * none is a failure too. */
		if (r->injected && !lines_since(r, count) &&
		    reached_driver(r, count)) {
			bad = true;
			t->unlogged++;
			snprintf(r->detail, sizeof(r->detail),
				 "an error reached a driver with no log line");
			note_bad(t, k, "%s (%s)", r->first.what, r->detail);
		}
		if (!(r->boot_failed || judge(r))) {
			bad = true;
			snprintf(what, sizeof(what),
				 "%s (progress %llu): ", r->first.what,
				 (unsigned long long)r->first.progress);
			note_bad(t, k, "%s%s", what,
				 r->detail[0]	    ? r->detail
				 : r->corrupted	    ? "wrong bytes"
				 : r->api_errors    ? "DMA-API errors"
				 : r->device_faults ? "device faults"
						    : "not injected");
		}
	}
	if (a->verbose && bad)
		fprintf(stderr,
			"%s k=%llu: %s wrong=%llu leaks=%llu api=%llu faults=%llu logs=%llu %s\n",
			name, (unsigned long long)k,
			p->crashed ? "CRASH" : r->first.what,
			(unsigned long long)r->corrupted,
			(unsigned long long)r->leaks,
			(unsigned long long)r->api_errors,
			(unsigned long long)r->device_faults,
			(unsigned long long)r->log_lines, r->detail);
}

/* Every point in a child of its own, each building its world: a->jobs
 * children at a time, judged in order. */
static int sweep_fresh(const char *name, const struct sim_world_desc *desc,
		       const struct faults_args *a, struct platform_totals *t,
		       bool boot, const struct run_result *count,
		       uint64_t first_k, uint64_t last_k,
		       struct dmk_progress *pr)
{
	struct child live[FAULTS_MAX_JOBS];
	unsigned int head = 0, nr_live = 0;

	for (uint64_t next_k = first_k; next_k <= last_k || nr_live;) {
		struct point p;
		struct child c;

		/* Keep a->jobs children running; judge them in order. */
		while (nr_live < a->jobs && next_k <= last_k) {
			if (start_run(desc, a, SIM_FAULTS_NTH, next_k, boot,
				      &live[(head + nr_live) %
					    FAULTS_MAX_JOBS])) {
				return dmk_usage_error("fork: %s",
						       strerror(errno));
			}
			nr_live++;
			next_k++;
		}
		c = live[head];
		head = (head + 1) % FAULTS_MAX_JOBS;
		nr_live--;
		memset(&p, 0, sizeof(p));
		p.k = c.k;
		p.crashed = finish_run(&c, &p.r, &p.status) != 0;
		if (a->verbose)
			dmk_progress_end(pr);
		judge_point(name, a, t, boot, count, &p);
		dmk_progress_update(pr, (unsigned long)t->points, NULL);
	}
	return DMK_EXIT_OK;
}

/*
 * The points forked by a->jobs fork servers (serve()), each making the
 * run without faults once and forking every a->jobs-th point from it;
 * judged in order of k as they come.  Each server's run must make the
 * calls the count made: its points stand on its prefix.  A point no
 * server delivered (one crashed, or could not fork) counts as a crash.
 */
static int sweep_forked(const char *name, const struct sim_world_desc *desc,
			const struct faults_args *a, struct platform_totals *t,
			bool boot, const struct run_result *count,
			uint64_t first_k, uint64_t last_k,
			struct dmk_progress *pr)
{
	uint64_t n = last_k - first_k + 1, next_k = first_k;
	unsigned int nr = n < a->jobs ? (unsigned int)n : a->jobs, open = 0;
	struct server {
		pid_t pid;
		int fd;
		bool done; /* its own run came, with the count's calls */
	} srv[FAULTS_MAX_JOBS];
	struct point *got = calloc(n, sizeof(*got)), p;
	bool *have = calloc(n, sizeof(*have));
	int ret = DMK_EXIT_OK;

	if (!got || !have) {
		free(got);
		free(have);
		return dmk_usage_error("out of memory");
	}
	fflush(NULL);
	for (unsigned int i = 0; i < nr; i++) {
		int fds[2];

		if (pipe(fds)) {
			ret = dmk_usage_error("pipe: %s", strerror(errno));
			break;
		}
		srv[i] = (struct server){.pid = fork(), .fd = fds[0]};
		if (srv[i].pid == 0) {
			for (unsigned int j = 0; j <= i; j++)
				close(srv[j].fd);
			serve(desc, a, boot, first_k, last_k, nr, i, fds[1]);
		}
		close(fds[1]);
		if (srv[i].pid < 0) {
			close(fds[0]);
			ret = dmk_usage_error("fork: %s", strerror(errno));
			break;
		}
		open++;
	}
	nr = open;
	while (open) {
		struct pollfd pfd[FAULTS_MAX_JOBS];
		unsigned int who[FAULTS_MAX_JOBS], np = 0;

		for (unsigned int i = 0; i < nr; i++) {
			if (srv[i].fd < 0)
				continue;
			pfd[np] = (struct pollfd){.fd = srv[i].fd,
						  .events = POLLIN};
			who[np++] = i;
		}
		if (poll(pfd, np, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = dmk_usage_error("poll: %s", strerror(errno));
			break;
		}
		for (unsigned int j = 0; j < np; j++) {
			struct server *s = &srv[who[j]];

			if (!pfd[j].revents)
				continue;
			if (read_all(s->fd, &p, sizeof(p))) {
				close(s->fd);
				s->fd = -1;
				open--;
				continue;
			}
			if (!p.k) {
				s->done = p.r.calls == count->calls;
				if (!s->done)
					fprintf(stderr,
						"dmakit: %s: a fork server's run made %llu calls, the count %llu\n",
						name,
						(unsigned long long)p.r.calls,
						(unsigned long long)
							count->calls);
				continue;
			}
			if (p.k < first_k || p.k > last_k ||
			    have[p.k - first_k])
				continue;
			if (p.fresh) {
				int rc = forked_run(desc, a, SIM_FAULTS_NTH,
						    p.k, boot, &p.r, &p.status);

				if (rc < 0) {
					ret = dmk_usage_error("fork: %s",
							      strerror(-rc));
					break;
				}
				p.crashed = rc != 0;
				t->fresh_points++;
			}
			got[p.k - first_k] = p;
			have[p.k - first_k] = true;
		}
		/* Judge what has come, in order. */
		for (; next_k <= last_k && have[next_k - first_k]; next_k++) {
			if (a->verbose)
				dmk_progress_end(pr);
			judge_point(name, a, t, boot, count,
				    &got[next_k - first_k]);
			dmk_progress_update(pr, (unsigned long)t->points, NULL);
		}
		if (ret != DMK_EXIT_OK)
			break;
	}
	for (unsigned int i = 0; i < nr; i++) {
		int status;

		if (srv[i].fd >= 0)
			close(srv[i].fd);
		while (waitpid(srv[i].pid, &status, 0) < 0 && errno == EINTR)
			;
		if (!srv[i].done || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr,
				"dmakit: %s: fork server %u of %u ended (%s %d)%s\n",
				name, i + 1, nr,
				WIFSIGNALED(status) ? "signal" : "exit",
				WIFSIGNALED(status) ? WTERMSIG(status)
						    : WEXITSTATUS(status),
				srv[i].done ? "" : " without its run's answer");
			t->crashes++;
			note_bad(t, first_k, "%s%s", "a fork server failed",
				 "");
		}
	}
	/* The points no server delivered, and what waits behind them. */
	for (; ret == DMK_EXIT_OK && next_k <= last_k; next_k++) {
		if (!have[next_k - first_k]) {
			memset(&p, 0, sizeof(p));
			p.k = next_k;
			p.crashed = true;
			got[next_k - first_k] = p;
		}
		judge_point(name, a, t, boot, count, &got[next_k - first_k]);
	}
	free(got);
	free(have);
	return ret;
}

/*
 * One phase of a platform's sweep: the run's calls (boot false) or the
 * boot's (true).  A count without faults gives K, then every k = 1..K
 * (or --k, or up to --max): forked from one run by the fork server, or
 * with --fresh (and --k, whose log goes to stderr) each in a world of
 * its own.
 */
static int sweep_phase(const char *name, const struct sim_world_desc *desc,
		       const struct faults_args *a, struct platform_totals *t,
		       bool boot)
{
	struct run_result count;
	uint64_t first_k = 1, last_k;
	struct dmk_progress pr;
	char what[160];
	int status, ret;

	t->in_boot = boot;
	if (forked_run(desc, a, SIM_FAULTS_COUNT, 0, boot, &count, &status) ||
	    !count.built ||
	    !judge(&(struct run_result){.built = true,
					.injected = 1,
					.corrupted = count.corrupted,
					.device_faults = count.device_faults,
					.api_errors = count.api_errors,
					.leaks = count.leaks})) {
		fprintf(stderr,
			"dmakit: %s: the run without faults is not clean (%s)\n",
			name, count.detail[0] ? count.detail : "crashed");
		t->crashes = 1;
		return DMK_EXIT_FAIL;
	}
	last_k = count.calls;
	if (boot) {
		t->boot_calls = count.calls;
	} else {
		t->calls = count.calls;
		t->base = count;
	}
	for (unsigned int i = 0; i < SIM_FAULT_NR_SITES; i++)
		t->calls_by_site[i] += count.calls_by_site[i];
	if (a->k) {
		first_k = a->k;
		last_k = a->k;
	} else if (a->max && last_k > a->max) {
		last_k = a->max;
	}
	if (first_k > last_k)
		return DMK_EXIT_OK;
	/* On a terminal, the points done of this platform and the time
	 * left; quiet with --json, on a pipe, and with --k (its log). */
	snprintf(what, sizeof(what), "%s%s", name, boot ? " (boot)" : "");
	dmk_progress_start(&pr, what, (unsigned long)(last_k - first_k + 1),
			   a->json || a->k);
	dmk_progress_update(&pr, 0, NULL);
	ret = a->fresh || a->k ? sweep_fresh(name, desc, a, t, boot, &count,
					     first_k, last_k, &pr)
			       : sweep_forked(name, desc, a, t, boot, &count,
					      first_k, last_k, &pr);
	dmk_progress_end(&pr);
	return ret;
}

static int sweep_platform(const char *name, const struct faults_args *a,
			  struct platform_totals *t)
{
	struct sim_world_desc *desc = calloc(1, sizeof(*desc));
	struct timespec t0, t1;
	char err[256];

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->digest = 0xCBF29CE484222325ULL; /* FNV-1a's offset basis */
	if (!desc)
		return dmk_usage_error("out of memory");
	if (strchr(name, '/') || strstr(name, ".dtb")) {
		struct sim_dt_options dto = {0};

		if (sim_dt_load_file(name, &dto, desc, err, sizeof(err))) {
			free(desc);
			return dmk_usage_error("%s", err);
		}
	} else if (sim_platform_desc(name, desc, err, sizeof(err))) {
		free(desc);
		return dmk_usage_error("%s", err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int phase = 0; phase < 2; phase++) {
		bool boot = phase == 1;
		int ret;

		if (boot ? a->phases == FAULTS_RUN_ONLY
			 : a->phases == FAULTS_BOOT_ONLY)
			continue;
		ret = sweep_phase(name, desc, a, t, boot);
		if (ret != DMK_EXIT_OK) {
			free(desc);
			return ret;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	t->seconds = (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(desc);
	return DMK_EXIT_OK;
}

static bool platform_ok(const struct platform_totals *t)
{
	return !t->corrupted && !t->leaks && !t->crashes && !t->device_faults &&
	       !t->api_errors && !t->silent && !t->noisy && !t->unlogged;
}

static json_t *json_platform(const struct platform_totals *t)
{
	json_t *sites = json_object();
	char digest[17];

	for (unsigned int s = 0; s < SIM_FAULT_NR_SITES; s++)
		json_object_set_new(
			sites, sim_fault_site_name(s),
			json_integer((json_int_t)t->calls_by_site[s]));
	snprintf(digest, sizeof(digest), "%016llx",
		 (unsigned long long)t->digest);
	return json_pack(
		"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:b, s:s, s:s, s:I, s:f}",
		"platform", t->name, "calls", (json_int_t)t->calls,
		"boot_calls", (json_int_t)t->boot_calls, "boot_points",
		(json_int_t)t->boot_points, "boot_failed_cleanly",
		(json_int_t)t->boot_failed_cleanly, "injection_points",
		(json_int_t)t->points, "corrupted_bytes",
		(json_int_t)t->corrupted, "leaks", (json_int_t)t->leaks,
		"crashes", (json_int_t)t->crashes, "device_faults",
		(json_int_t)t->device_faults, "api_errors",
		(json_int_t)t->api_errors, "not_injected",
		(json_int_t)t->silent, "noisy_points", (json_int_t)t->noisy,
		"unlogged_errors", (json_int_t)t->unlogged, "by_site", sites,
		"first_failing_k", (json_int_t)t->first_bad_k,
		"first_failure_at_boot", t->first_bad_boot, "first_failure",
		t->first_bad, "outcomes_digest", digest, "fresh_points",
		(json_int_t)t->fresh_points, "seconds", t->seconds);
}

static int parse_args(struct faults_args *a, int argc, char **argv)
{
	enum {
		OPT_PLATFORM = 256,
		OPT_OPS,
		OPT_SEED,
		OPT_K,
		OPT_MAX,
		OPT_JSON,
		OPT_BOOT,
		OPT_NO_BOOT,
		OPT_FRESH
	};
	static const struct option longopts[] = {
		{"platform", required_argument, NULL, OPT_PLATFORM},
		{"ops", required_argument, NULL, OPT_OPS},
		{"seed", required_argument, NULL, OPT_SEED},
		{"k", required_argument, NULL, OPT_K},
		{"max", required_argument, NULL, OPT_MAX},
		{"jobs", required_argument, NULL, 'j'},
		{"json", no_argument, NULL, OPT_JSON},
		{"boot", no_argument, NULL, OPT_BOOT},
		{"no-boot", no_argument, NULL, OPT_NO_BOOT},
		{"fresh", no_argument, NULL, OPT_FRESH},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->platform = "all";
	a->ops = FAULTS_DEFAULT_OPS;
	a->seed = 1;
	{
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		a->jobs = cpus < 1		   ? 1
			  : cpus > FAULTS_MAX_JOBS ? FAULTS_MAX_JOBS
						   : (unsigned int)cpus;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "vhj:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			a->platform = optarg;
			break;
		case OPT_OPS:
			if (dmk_parse_u64(optarg, &a->ops) || !a->ops ||
			    a->ops > 1000000)
				return dmk_usage_error(
					"--ops wants a number from 1 to 1000000, not '%s'",
					optarg);
			break;
		case OPT_SEED:
			if (dmk_parse_u64(optarg, &a->seed))
				return dmk_usage_error(
					"--seed wants a number, not '%s'",
					optarg);
			break;
		case OPT_K:
			if (dmk_parse_u64(optarg, &a->k) || !a->k)
				return dmk_usage_error(
					"--k wants a number from 1, not '%s'",
					optarg);
			break;
		case OPT_MAX:
			if (dmk_parse_u64(optarg, &a->max) || !a->max)
				return dmk_usage_error(
					"--max wants a number from 1, not '%s'",
					optarg);
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_BOOT:
			a->phases = FAULTS_BOOT_ONLY;
			break;
		case OPT_NO_BOOT:
			a->phases = FAULTS_RUN_ONLY;
			break;
		case OPT_FRESH:
			a->fresh = true;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'j': {
			unsigned long long j;

			if (dmk_parse_u64(optarg, &j) || !j ||
			    j > FAULTS_MAX_JOBS)
				return dmk_usage_error(
					"--jobs wants a number from 1 to %d, not '%s'",
					FAULTS_MAX_JOBS, optarg);
			a->jobs = (unsigned int)j;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return DMK_EXIT_OK;
		default:
			return dmk_usage_error(
				"faults: unknown option '%s' (try dmakit faults --help)",
				argv[optind - 1]);
		}
	}
	if (optind < argc)
		return dmk_usage_error("faults: unexpected argument '%s'",
				       argv[optind]);
	if (a->k && !strcmp(a->platform, "all"))
		return dmk_usage_error("faults: --k needs one --platform");
	/* --k K is a point of the run, or of the boot with --boot. */
	if (a->k && a->phases == FAULTS_BOTH)
		a->phases = FAULTS_RUN_ONLY;
	return -1;
}

int dmk_cmd_faults(int argc, char **argv)
{
	const char *const *names = sim_platform_names();
	const char *one[2] = {NULL, NULL};
	struct platform_totals t[32];
	struct faults_args a;
	uint64_t points = 0, corrupted = 0, leaks = 0, crashes = 0;
	unsigned int n = 0;
	bool ok = true;
	int ret;

	ret = parse_args(&a, argc, argv);
	if (ret >= 0)
		return ret;
	if (strcmp(a.platform, "all")) {
		if (!strchr(a.platform, '/') && !strstr(a.platform, ".dtb") &&
		    !sim_platform_summary(a.platform))
			return dmk_usage_error(
				"faults: unknown platform '%s' (dmakit run --list)",
				a.platform);
		one[0] = a.platform;
		names = one;
	}
	for (; names[n] && n < sizeof(t) / sizeof(t[0]); n++) {
		ret = sweep_platform(names[n], &a, &t[n]);
		if (ret == DMK_EXIT_USAGE)
			return ret;
		points += t[n].points;
		corrupted += t[n].corrupted;
		leaks += t[n].leaks;
		crashes += t[n].crashes;
		ok &= ret == DMK_EXIT_OK && platform_ok(&t[n]);
		if (!a.json) {
			printf("%-24s %5llu injection points (of %llu calls, %llu at boot), %llu wrong bytes, %llu leaks, %llu crashes (%.1f s)\n",
			       names[n], (unsigned long long)t[n].points,
			       (unsigned long long)t[n].calls,
			       (unsigned long long)t[n].boot_calls,
			       (unsigned long long)t[n].corrupted,
			       (unsigned long long)t[n].leaks,
			       (unsigned long long)t[n].crashes, t[n].seconds);
			if (t[n].first_bad_k)
				printf("  first failure at k=%llu%s: %s (dmakit faults --platform %s --ops %llu --seed %llu%s --k %llu)\n",
				       (unsigned long long)t[n].first_bad_k,
				       t[n].first_bad_boot ? " of the boot"
							   : "",
				       t[n].first_bad, names[n], a.ops, a.seed,
				       t[n].first_bad_boot ? " --boot" : "",
				       (unsigned long long)t[n].first_bad_k);
			fflush(stdout);
		}
	}
	if (a.json) {
		json_t *arr = json_array(), *root;

		for (unsigned int i = 0; i < n; i++)
			json_array_append_new(arr, json_platform(&t[i]));
		root = json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
				 "ok", ok, "ops", (json_int_t)a.ops, "seed",
				 (json_int_t)a.seed, "injection_points",
				 (json_int_t)points, "corrupted_bytes",
				 (json_int_t)corrupted, "leaks",
				 (json_int_t)leaks, "crashes",
				 (json_int_t)crashes, "platforms", arr);
		json_dumpf(root, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(root);
	} else {
		printf("fault sweep: %llu injection points, %llu wrong bytes, %llu leaks, %llu crashes\n",
		       (unsigned long long)points,
		       (unsigned long long)corrupted, (unsigned long long)leaks,
		       (unsigned long long)crashes);
	}
	return ok ? DMK_EXIT_OK : DMK_EXIT_FAIL;
}
