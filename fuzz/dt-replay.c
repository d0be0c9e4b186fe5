/* SPDX-License-Identifier: MIT */
/*
 * dt-replay [-n MUTATIONS] [-s SEED] FILE|DIR...
 *
 * Replays a corpus through the device-tree loader and, for each input,
 * MUTATIONS deterministic mutants of it (bit flips, header flips,
 * truncations, "interesting" 32-bit words such as cell counts, chunk
 * copies), each in a buffer of exactly its size so that ASan sees any
 * overread.  Built with gcc, so a short CI run needs no clang; the same
 * checks run under libFuzzer in dt-fuzz.  Exit 0, or abort on a broken
 * promise.
 */
#include "dt-target.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct replay {
	unsigned long mutations;
	uint64_t rng;
	unsigned long inputs, accepted, refused;
};

static uint64_t next(struct replay *r)
{
	r->rng ^= r->rng << 13;
	r->rng ^= r->rng >> 7;
	r->rng ^= r->rng << 17;
	return r->rng;
}

static void run(struct replay *r, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		perror("dt-replay");
		exit(2);
	}
	memcpy(copy, data, len);
	if (dt_fuzz_one(copy, len))
		r->accepted++;
	else
		r->refused++;
	r->inputs++;
	free(copy);
}

/* One mutant of data in a fresh buffer of its own length. */
static uint8_t *mutate(struct replay *r, const uint8_t *data, size_t len,
		       size_t *out_len)
{
	static const uint32_t words[] = {
		0, 1, 2, 3, 5, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff};
	uint8_t *m = malloc(len ? len : 1);
	unsigned int steps = 1 + next(r) % 3;

	if (!m) {
		perror("dt-replay");
		exit(2);
	}
	memcpy(m, data, len);
	*out_len = len;
	for (unsigned int s = 0; s < steps && *out_len; s++) {
		size_t n = *out_len, at = next(r) % n;

		switch (next(r) % 5) {
		case 0:
			m[at] ^= (uint8_t)(1u << (next(r) & 7));
			break;
		case 1:
			at %= n < 64 ? n : 64;
			m[at] ^= (uint8_t)(1u << (next(r) & 7));
			break;
		case 2:
			*out_len = at;
			break;
		case 3: {
			uint32_t w = words[next(r) % 9];

			at &= ~(size_t)3;
			if (at + 4 <= n) {
				m[at] = (uint8_t)(w >> 24);
				m[at + 1] = (uint8_t)(w >> 16);
				m[at + 2] = (uint8_t)(w >> 8);
				m[at + 3] = (uint8_t)w;
			}
			break;
		}
		default: {
			size_t from = next(r) % n, k = 1 + next(r) % 64;

			if (k > n - at)
				k = n - at;
			if (k > n - from)
				k = n - from;
			memmove(m + at, m + from, k);
			break;
		}
		}
	}
	return m;
}

static int replay_file(struct replay *r, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "dt-replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	data = malloc(n ? n : 1);
	if (!data || fread(data, 1, n, f) != (size_t)n) {
		fprintf(stderr, "dt-replay: %s: cannot read\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	run(r, data, n);
	for (unsigned long i = 0; i < r->mutations; i++) {
		size_t len;
		uint8_t *m = mutate(r, data, n, &len);

		run(r, m, len);
		free(m);
	}
	free(data);
	return 0;
}

static int replay_path(struct replay *r, const char *path, int depth)
{
	struct stat st;
	struct dirent **names;
	int n, ret = 0;

	if (stat(path, &st)) {
		fprintf(stderr, "dt-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return strstr(path, ".dtb") || depth == 0 ? replay_file(r, path)
							  : 0;
	if (depth > 4)
		return 0;
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path,
				 names[i]->d_name);
			ret |= replay_path(r, sub, depth + 1);
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	struct replay r = {.mutations = 300, .rng = 0x2545f4914f6cdd1dULL};
	int i = 1, ret = 0;

	for (; i < argc && argv[i][0] == '-'; i += 2) {
		if (i + 1 >= argc)
			break;
		if (!strcmp(argv[i], "-n"))
			r.mutations = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "-s"))
			r.rng = strtoull(argv[i + 1], NULL, 0) | 1;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr,
			"usage: dt-replay [-n MUTATIONS] [-s SEED] FILE|DIR...\n");
		return 2;
	}
	for (; i < argc; i++)
		ret |= replay_path(&r, argv[i], 0);
	printf("dt-replay: %lu inputs, %lu accepted, %lu refused\n", r.inputs,
	       r.accepted, r.refused);
	return ret ? 1 : 0;
}
