/* SPDX-License-Identifier: MIT */
/* dmakit: everything a user of the library includes. */
#ifndef DMAKIT_DMAKIT_H
#define DMAKIT_DMAKIT_H

#include <dmakit/dma.h>
#include <dmakit/dma-map-ops.h>
#include <dmakit/platform.h>
#include <dmakit/system.h>
#include <dmakit/xen.h>

#endif /* DMAKIT_DMAKIT_H */
