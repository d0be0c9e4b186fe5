/* SPDX-License-Identifier: MIT */
/*
 * The Xen layer as the core's composition root sees it: one call, made
 * by system.c when the platform is on Xen and the configuration wants
 * it (Linux's xen_swiotlb_detect at boot).  Everything else the layer
 * adds reaches the core through the struct dmk_layer it registers.
 */
#ifndef DMAKIT_XEN_LAYER_H
#define DMAKIT_XEN_LAYER_H

struct dmk_system;

/*
 * Learn what the hypervisor says of this guest, choose the
 * per-architecture rules, and register the layer's hooks on sys (its
 * remap of the bounce pool, its per-device setup).  A guest that needs
 * no swiotlb-xen (Linux's xen_swiotlb_detect: an autotranslated guest
 * that is not direct-mapped) gets the layer without those hooks: grants
 * and the p2m only, its devices on dma-direct.  Returns 0, or -DMK_E*
 * with one log line and nothing registered.
 */
int dmk_xen_layer_attach(struct dmk_system *sys);

#endif /* DMAKIT_XEN_LAYER_H */
