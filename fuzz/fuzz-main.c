/* SPDX-License-Identifier: MIT */
/* libFuzzer entry for an op-sequence target (target.h). */
#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_target_one(data, size);
	return 0;
}
