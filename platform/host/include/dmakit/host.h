/* SPDX-License-Identifier: MIT */
/*
 * dmakit: the host platform.  Plain host memory, identity bus addresses,
 * every device coherent, no hypervisor: dmakit as a bounce-buffer
 * library in ordinary user space, and the platform the benchmarks use
 * so that they measure the library and not the simulator.
 */
#ifndef DMAKIT_HOST_H
#define DMAKIT_HOST_H

#include <dmakit/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dmk_host_platform;

/* ram_bytes of anonymous memory seen as guest-physical [0, ram_bytes). */
int dmk_host_platform_create(size_t ram_bytes, struct dmk_host_platform **out);
void dmk_host_platform_destroy(struct dmk_host_platform *hp);
const struct dmk_platform *dmk_host_platform(struct dmk_host_platform *hp);

#ifdef __cplusplus
}
#endif

#endif /* DMAKIT_HOST_H */
