/* SPDX-License-Identifier: MIT */
/*
 * What an op-sequence fuzz target gives its two drivers: replay.c (gcc,
 * deterministic mutants of built-in seeds, runs in `make check`) and
 * fuzz-main.c (the libFuzzer entry, clang).  One target per program.
 */
#ifndef DMAKIT_FUZZ_TARGET_H
#define DMAKIT_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Short name, for messages and seed file names ("xen", "swiotlb"). */
extern const char fuzz_target_name[];

/*
 * Runs one input: decodes it into a sequence of operations and checks
 * the target's invariants after each; aborts with one line on stderr
 * when one breaks.  Returns how many operations succeeded.
 */
unsigned int fuzz_target_one(const uint8_t *data, size_t len);

/*
 * Seed i of the built-in corpus into buf (at most cap bytes); returns
 * its length, or 0 when there are no more seeds.  Deterministic.
 */
size_t fuzz_target_seed(unsigned int i, uint8_t *buf, size_t cap);

/* The byte reader the targets decode inputs with: past the end every
 * read is 0, so a short input is a valid (short) sequence. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	uint16_t lo = fuzz_u8(in);

	return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t lo = fuzz_u16(in);

	return lo | (uint32_t)fuzz_u16(in) << 16;
}

static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	uint64_t lo = fuzz_u32(in);

	return lo | (uint64_t)fuzz_u32(in) << 32;
}

/* Fill a seed with a xorshift stream started at rng: each target's
 * seeds are such streams, with a first byte that picks its set-up. */
static inline void fuzz_fill_stream(uint8_t *buf, size_t len, uint64_t rng,
				    unsigned int shift)
{
	for (size_t k = 0; k < len; k++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		buf[k] = (uint8_t)(rng >> shift);
	}
}

#endif /* DMAKIT_FUZZ_TARGET_H */
