/* SPDX-License-Identifier: MIT */
/* One fuzz input through the device-tree loader, with its invariants. */
#ifndef DMAKIT_FUZZ_DT_TARGET_H
#define DMAKIT_FUZZ_DT_TARGET_H

#include <stddef.h>
#include <stdint.h>

/* Loads data as a blob (plain, then with --mem and as a forced dom0);
 * returns 1 when accepted, 0 when refused, and aborts when the loader
 * breaks a promise (a refusal without its one line, an index out of
 * range, a bank that is not page aligned). */
int dt_fuzz_one(const uint8_t *data, size_t len);

#endif
