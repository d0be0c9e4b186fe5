/* SPDX-License-Identifier: MIT */
/*
 * <target>-replay [-n MUTATIONS] [-s SEED] [-w DIR] [FILE|DIR...]
 *
 * The gcc driver of an op-sequence target (target.h).  Without paths it
 * runs the target's built-in seeds and, for each, MUTATIONS
 * deterministic mutants (bit flips, byte sets, truncations, inserted
 * and duplicated chunks: an op stream grows, shrinks and repeats
 * itself).  With paths it runs those files and their mutants instead
 * (a libFuzzer corpus or a crash to reproduce).  -w DIR writes the
 * built-in seeds there as files and exits: the corpus `make fuzz`
 * starts from.  Every input is copied into a buffer of exactly its
 * size, so ASan sees any overread.  Exit 0, or abort on a broken
 * invariant.
 */
#include "target.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEED_CAP 4096

struct replay {
	unsigned long mutations;
	uint64_t rng;
	unsigned long inputs, ops;
};

static uint64_t next(struct replay *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror(fuzz_target_name);
		exit(2);
	}
	return p;
}

static void run(struct replay *r, const uint8_t *data, size_t len)
{
	uint8_t *copy = xmalloc(len);

	memcpy(copy, data, len);
	r->ops += fuzz_target_one(copy, len);
	r->inputs++;
	free(copy);
}

/* One mutation step on m (n bytes, room for cap); returns the new n. */
static size_t mutate_step(struct replay *r, uint8_t *m, size_t n, size_t cap)
{
	size_t at = n ? next(r) % n : 0, k;

	switch (next(r) % 6) {
	case 0: /* flip a bit */
		if (n)
			m[at] ^= (uint8_t)(1u << (next(r) & 7));
		return n;
	case 1: /* set a byte: small values pick ops and kinds */
		if (n)
			m[at] = (uint8_t)(next(r) & 1 ? next(r) % 16 : next(r));
		return n;
	case 2: /* truncate */
		return at;
	case 3: /* insert random bytes */
		k = 1 + next(r) % 16;
		if (k > cap - n)
			k = cap - n;
		memmove(m + at + k, m + at, n - at);
		for (size_t i = 0; i < k; i++)
			m[at + i] = (uint8_t)next(r);
		return n + k;
	case 4: /* duplicate a chunk: an op sequence repeated */
		if (!n)
			return n;
		k = 1 + next(r) % 64;
		if (k > n - at)
			k = n - at;
		if (k > cap - n)
			k = cap - n;
		memmove(m + at + k, m + at, n - at);
		return n + k;
	default: { /* copy a chunk over another place */
		size_t from = n ? next(r) % n : 0;

		if (!n)
			return n;
		k = 1 + next(r) % 32;
		if (k > n - at)
			k = n - at;
		if (k > n - from)
			k = n - from;
		memmove(m + at, m + from, k);
		return n;
	}
	}
}

static void run_with_mutants(struct replay *r, const uint8_t *data, size_t len)
{
	size_t cap = len + 256;
	uint8_t *m = xmalloc(cap);

	run(r, data, len);
	for (unsigned long i = 0; i < r->mutations; i++) {
		unsigned int steps = 1 + next(r) % 4;
		size_t n = len;

		memcpy(m, data, len);
		for (unsigned int s = 0; s < steps; s++)
			n = mutate_step(r, m, n, cap);
		run(r, m, n);
	}
	free(m);
}

static int replay_file(struct replay *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s-replay: %s: %s\n", fuzz_target_name, path,
			strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	data = xmalloc((size_t)n);
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "%s-replay: %s: cannot read\n",
			fuzz_target_name, path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	run_with_mutants(r, data, (size_t)n);
	free(data);
	return 0;
}

static int replay_path(struct replay *r, const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, ret = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "%s-replay: %s: %s\n", fuzz_target_name, path,
			strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(r, path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char sub[4096];

		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && !stat(sub, &st) &&
		    S_ISREG(st.st_mode))
			ret |= replay_file(r, sub);
		free(names[i]);
	}
	free(names);
	return ret;
}

static int write_seeds(const char *dir)
{
	uint8_t buf[SEED_CAP];
	size_t len;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "%s-replay: %s: %s\n", fuzz_target_name, dir,
			strerror(errno));
		return 1;
	}
	for (unsigned int i = 0; (len = fuzz_target_seed(i, buf, SEED_CAP));
	     i++) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%03u", dir, i);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			fprintf(stderr, "%s-replay: %s: cannot write\n",
				fuzz_target_name, path);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct replay r = {.mutations = 100, .rng = 0x2545f4914f6cdd1dULL};
	uint8_t buf[SEED_CAP];
	int i = 1, ret = 0;
	size_t len;

	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-n"))
			r.mutations = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "-s"))
			r.rng = strtoull(argv[i + 1], NULL, 0) | 1;
		else if (!strcmp(argv[i], "-w"))
			return write_seeds(argv[i + 1]);
		else
			break;
	}
	if (i < argc && argv[i][0] == '-') {
		fprintf(stderr,
			"usage: %s-replay [-n MUTATIONS] [-s SEED] [-w DIR] [FILE|DIR...]\n",
			fuzz_target_name);
		return 2;
	}
	if (i == argc)
		for (unsigned int k = 0;
		     (len = fuzz_target_seed(k, buf, SEED_CAP)); k++)
			run_with_mutants(&r, buf, len);
	for (; i < argc; i++)
		ret |= replay_path(&r, argv[i]);
	printf("%s-replay: %lu inputs, %lu operations succeeded\n",
	       fuzz_target_name, r.inputs, r.ops);
	return ret ? 1 : 0;
}
