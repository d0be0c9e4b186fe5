/* SPDX-License-Identifier: MIT */
/*
 * The CPU cache model (docs/architecture.md, "The models").
 *
 * Three images of machine RAM, indexed by frame index: C is what the CPU
 * sees through cacheable mappings, D is DRAM, S holds each 64-byte line as
 * it was last filled or cleaned.  A line is dirty when C differs from S.
 *
 *   clean:       if dirty, D = C and S = C
 *   invalidate:  C = D and S = D (dirty data is lost, as on hardware)
 *   device read:  non-coherent D, coherent (snooping) C
 *   device write: non-coherent D, coherent C, D and S
 *
 * Speculative refill needs no extra mechanism: after a non-coherent device
 * writes D, C keeps whatever it held until an invalidate, which is exactly
 * what a CPU sees when a line was (re)filled speculatively before the
 * device's write landed.  A driver that skips the invalidate for the CPU
 * reads stale bytes in every run, not only in unlucky ones.
 *
 * Adversarial mode adds the other thing real caches may do at any time:
 * evict a dirty line.  When a non-coherent device writes into a line the
 * CPU left dirty, the line is written back after the device's data landed
 * (D = C, S = C for the whole line), so a driver that did not clean before
 * handing the buffer to the device loses the device's bytes.
 *
 * What the model cannot see: a CPU store is a plain store into C, so a
 * store of exactly the bytes a line already holds leaves it clean.  That
 * matters only for a stale clean line (C == S while D changed under it:
 * a non-coherent device's write, a store through a non-cacheable view),
 * where hardware would write the stored line back and the model does
 * not.  The workloads fill every buffer from a random stream; a test that
 * rewrites a reused page through the cacheable alias must too
 * (tests/integration/test-api.c, fill_unique).
 *
 * The functions may run concurrently on disjoint ranges: there is no lock
 * on the data, and the counters are atomics.
 */
#include "sim.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

static inline uint64_t line_down(uint64_t a)
{
	return a & ~(uint64_t)(SIM_LINE - 1);
}

/* Offset in the images of machine address ma, or -1 if not RAM. */
static int64_t image_offset(const struct sim_machine *m, uint64_t ma)
{
	int64_t idx = sim_mfn_index(m, ma >> SIM_PAGE_SHIFT);

	if (idx < 0)
		return -1;
	return (idx << SIM_PAGE_SHIFT) | (int64_t)(ma & (SIM_PAGE_SIZE - 1));
}

static inline bool line_dirty(const struct sim_machine *m, uint64_t off)
{
	return memcmp(m->c + off, m->s + off, SIM_LINE) != 0;
}

static bool clean_line(struct sim_machine *m, uint64_t off)
{
	if (!line_dirty(m, off))
		return false;
	memcpy(m->d + off, m->c + off, SIM_LINE);
	memcpy(m->s + off, m->c + off, SIM_LINE);
	return true;
}

static void inval_line(struct sim_machine *m, uint64_t off)
{
	memcpy(m->c + off, m->d + off, SIM_LINE);
	memcpy(m->s + off, m->d + off, SIM_LINE);
}

enum maint { MAINT_CLEAN = 1, MAINT_INVAL = 2 };

/*
 * Maintenance by range covers every line the range touches, partial lines
 * at both ends included, as DC CVAC / DC IVAC by VA do.  Pages that are
 * not RAM are skipped: maintenance of a device window is a no-op.
 */
static void maintain(struct sim_machine *m, uint64_t ma, size_t len, int what)
{
	uint64_t a, end, cleaned = 0, inval = 0;

	if (len == 0)
		return;
	a = line_down(ma);
	end = ma + len < ma ? ~0ULL : ma + len; /* saturate on wrap */
	while (a < end) {
		uint64_t page_end = (a | (SIM_PAGE_SIZE - 1)) + 1;
		int64_t off = image_offset(m, a);
		uint64_t stop =
			page_end < end || page_end == 0 ? page_end : end;

		if (off >= 0) {
			for (; a < stop; a += SIM_LINE, off += SIM_LINE) {
				if (what & MAINT_CLEAN) {
					clean_line(m, (uint64_t)off);
					cleaned++;
				}
				if (what & MAINT_INVAL) {
					inval_line(m, (uint64_t)off);
					inval++;
				}
			}
		}
		if (page_end == 0)
			break;
		a = page_end;
	}
	/* Lines maintained (the work a CPU does), dirty or not. */
	if (cleaned)
		atomic_fetch_add(&m->clean_lines, cleaned);
	if (inval)
		atomic_fetch_add(&m->inval_lines, inval);
}

void sim_cache_clean(struct sim_machine *m, uint64_t ma, size_t len)
{
	maintain(m, ma, len, MAINT_CLEAN);
}

void sim_cache_inval(struct sim_machine *m, uint64_t ma, size_t len)
{
	maintain(m, ma, len, MAINT_INVAL);
}

void sim_cache_clean_inval(struct sim_machine *m, uint64_t ma, size_t len)
{
	maintain(m, ma, len, MAINT_CLEAN | MAINT_INVAL);
}

/* The image offset of a device access, which must stay within one page
 * of RAM: the DMA engine splits at page boundaries and checks RAM. */
static int64_t dev_offset(const struct sim_machine *m, uint64_t ma, size_t len)
{
	if (len == 0 || (ma & (SIM_PAGE_SIZE - 1)) + len > SIM_PAGE_SIZE)
		return -1;
	return image_offset(m, ma);
}

void sim_mem_dev_read(struct sim_machine *m, uint64_t ma, void *buf, size_t len,
		      bool coherent)
{
	int64_t off = dev_offset(m, ma, len);

	if (off < 0)
		return;
	memcpy(buf, (coherent ? m->c : m->d) + off, len);
}

/* Adversarial: write back every dirty line the device's write touched. */
static void evict_dirty(struct sim_machine *m, uint64_t off, size_t len)
{
	uint64_t a, evicted = 0;

	for (a = line_down(off); a < off + len; a += SIM_LINE)
		evicted += clean_line(m, a);
	if (evicted)
		atomic_fetch_add(&m->evictions, evicted);
}

void sim_mem_dev_write(struct sim_machine *m, uint64_t ma, const void *buf,
		       size_t len, bool coherent)
{
	int64_t off = dev_offset(m, ma, len);

	if (off < 0)
		return;
	if (coherent) {
		/* A snooping write updates the CPU's copy and leaves the
		 * written bytes clean. */
		memcpy(m->c + off, buf, len);
		memcpy(m->d + off, buf, len);
		memcpy(m->s + off, buf, len);
		return;
	}
	memcpy(m->d + off, buf, len);
	if (m->adversarial)
		evict_dirty(m, (uint64_t)off, len);
}

/*
 * Zeroing whole frames (the hypervisor's scrub) gives their pages back to
 * the host instead of writing zeros: the images read as zero afterwards,
 * every mapping of them included, and a frame nobody touched again costs
 * no memory and no page fault.  Returns false if the host refused.
 */
static bool zero_frames(struct sim_machine *m, uint64_t off, size_t len)
{
	const int mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	return fallocate(m->fd_c, mode, (off_t)off, (off_t)len) == 0 &&
	       fallocate(m->fd_d, mode, (off_t)off, (off_t)len) == 0 &&
	       madvise(m->s + off, len, MADV_DONTNEED) == 0;
}

/* Whole pages from ma that are consecutive in the images (one bank),
 * at most len bytes: what one zero_frames call can cover. */
static size_t image_run(struct sim_machine *m, uint64_t ma, int64_t off,
			size_t len)
{
	size_t run = SIM_PAGE_SIZE;

	while (run + SIM_PAGE_SIZE <= len &&
	       image_offset(m, ma + run) == off + (int64_t)run)
		run += SIM_PAGE_SIZE;
	return run;
}

void sim_mem_fill(struct sim_machine *m, uint64_t ma, int byte, size_t len)
{
	while (len) {
		size_t chunk = SIM_PAGE_SIZE - (ma & (SIM_PAGE_SIZE - 1));
		int64_t off = image_offset(m, ma);

		if (chunk > len)
			chunk = len;
		if (off >= 0 && byte == 0 && chunk == SIM_PAGE_SIZE) {
			chunk = image_run(m, ma, off, len);
			if (zero_frames(m, (uint64_t)off, chunk))
				goto next; /* done without touching the pages */
		}
		if (off >= 0) {
			memset(m->c + off, byte, chunk);
			memset(m->d + off, byte, chunk);
			memset(m->s + off, byte, chunk);
		}
	next:
		ma += chunk;
		len -= chunk;
	}
}

/*
 * The hypervisor copies a frame (relocation) as real Xen would: with the
 * source cleaned and invalidated first, so each line's current content is
 * C where the CPU holds it dirty and D otherwise (a device or an uncached
 * alias may have written D under a clean line).  The copy lands in C, D
 * and S of the destination alike: the new frame starts clean.
 */
void sim_mem_copy_frame(struct sim_machine *m, uint64_t dst_mfn,
			uint64_t src_mfn)
{
	int64_t di = sim_mfn_index(m, dst_mfn), si = sim_mfn_index(m, src_mfn);
	uint64_t dst, src, l;

	if (di < 0 || si < 0 || di == si)
		return;
	dst = (uint64_t)di << SIM_PAGE_SHIFT;
	src = (uint64_t)si << SIM_PAGE_SHIFT;
	for (l = 0; l < SIM_PAGE_SIZE; l += SIM_LINE) {
		const uint8_t *v = line_dirty(m, src + l) ? m->c : m->d;

		memcpy(m->c + dst + l, v + src + l, SIM_LINE);
		memcpy(m->d + dst + l, v + src + l, SIM_LINE);
		memcpy(m->s + dst + l, v + src + l, SIM_LINE);
	}
}
