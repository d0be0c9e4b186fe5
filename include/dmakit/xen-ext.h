/* SPDX-License-Identifier: MIT */
/*
 * A named extension to Xen's public ABI: exchange-and-pin.
 *
 * The 2013 "swiotlb-xen on ARM" series (patch 6) proposed
 * XENMEM_exchange_and_pin and XENMEM_unpin so that a dom0 that is not
 * mapped 1:1 could obtain machine-contiguous memory that the hypervisor
 * promises never to move.  Xen never merged them: real Xen on ARM
 * answers XENMEM_exchange with -EOPNOTSUPP and maps dom0 1:1 instead.
 * dmakit keeps them as an extension that a platform must switch on;
 * a platform that claims to be Xen 4.17 leaves it off.
 *
 * The series numbered them 26 and 27; Xen has since given those to
 * XENMEM_get_vnumainfo and XENMEM_reserved_device_memory_map, so dmakit
 * uses numbers no Xen release has used.  They stay below 64: Xen keeps
 * a continuation's start extent in the bits above MEMOP_CMD_MASK (0x3f),
 * so 0x40 would read as "increase_reservation resumed at extent 1".
 *
 * Include <stdint.h> and <xen/memory.h> first.
 */
#ifndef DMAKIT_XEN_EXT_H
#define DMAKIT_XEN_EXT_H

/*
 * Same argument and semantics as XENMEM_exchange, and every output extent
 * is pinned: never relocated, paged or shared until XENMEM_unpin.  For an
 * autotranslated guest out.extent_start returns the machine frames.
 */
#define DMK_XENMEM_exchange_and_pin 40

/*
 * Unpin the extents listed in 'in' (GPFNs, in.extent_order).  Returns 0,
 * or -EINVAL with nr_unpinned telling how many were unpinned first.
 */
#define DMK_XENMEM_unpin 41

struct dmk_xen_unpin {
	struct xen_memory_reservation in;
	xen_ulong_t nr_unpinned;
};

#endif /* DMAKIT_XEN_EXT_H */
