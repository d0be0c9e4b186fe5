/* SPDX-License-Identifier: MIT */
/* libFuzzer entry point: clang -fsanitize=fuzzer,address (fuzz/meson.build). */
#include "dt-target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dt_fuzz_one(data, size);
	return 0;
}
