/* SPDX-License-Identifier: MIT */
/*
 * Xen's public ABI, in one place: the installed public headers of Xen
 * (libxen-dev's /usr/include/xen), never copies, with the latest
 * interface version (without it they give the old field layout and hide
 * GNTTABOP_cache_flush), and the one named extension dmakit adds
 * (include/dmakit/xen-ext.h).  A kernel port whose own include/xen/
 * would shadow them puts Xen's public headers on the path under another
 * directory and defines DMK_XEN_PUBLIC_PREFIX accordingly, e.g.
 * -DDMK_XEN_PUBLIC_PREFIX=xen-public.
 */
#ifndef DMAKIT_XEN_ABI_H
#define DMAKIT_XEN_ABI_H

#include "dmk_env.h"

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#endif

#ifdef DMK_XEN_PUBLIC_PREFIX
#define DMK_XEN_STR_(x) #x
#define DMK_XEN_STR(x) DMK_XEN_STR_(x)
/* No spaces around the slash: # keeps them, and the path would have them
 * ("xen-public / xen.h"). */
/* clang-format off */
#define DMK_XEN_PUBLIC(h) DMK_XEN_STR(DMK_XEN_PUBLIC_PREFIX/h)
/* clang-format on */
#include DMK_XEN_PUBLIC(xen.h)
#include DMK_XEN_PUBLIC(memory.h)
#include DMK_XEN_PUBLIC(grant_table.h)
#include DMK_XEN_PUBLIC(version.h)
#include DMK_XEN_PUBLIC(features.h)
#include DMK_XEN_PUBLIC(errno.h)
#else
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/grant_table.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/errno.h>
#endif

#include <dmakit/xen-ext.h>

#endif /* DMAKIT_XEN_ABI_H */
