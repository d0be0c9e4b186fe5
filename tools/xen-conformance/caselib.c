// SPDX-License-Identifier: MIT
/*
 * What cases share: the calls they all make, each in the form Linux
 * makes it, and the put-back helpers that keep the two worlds in step
 * (a case that changes dom0's p2m restores it before it ends).
 */
/* domctl.h (XEN_DOMCTL_max_mem) is the toolstack's interface: it wants
 * __XEN_TOOLS__ before xen.h, and refuses strict ISO C for the anonymous
 * unions C11 has. */
#define __XEN_TOOLS__ 1
#undef __STRICT_ANSI__
#include "xc.h"

#include <string.h>
#include <xen/errno.h>
#include <xen/domctl.h>

bool xc_arm(const struct xc_case *c)
{
	return c->env->facts.arch != XC_X86_64;
}

long xc_tot(struct xc_case *c)
{
	domid_t self = DOMID_SELF;

	return xc_call(c, __HYPERVISOR_memory_op, XENMEM_current_reservation,
		       &self, 0);
}

void xc_put_dtot(struct xc_case *c, const char *key, long before)
{
	xc_put(c, key, "%+ld", xc_tot(c) - before);
}

int xc_page(struct xc_case *c, const char *name, unsigned int order,
	    struct xc_page *pg)
{
	if (c->env->ops->page_alloc(c->env, order, pg)) {
		xc_put(c, "setup", "no-page");
		return -1;
	}
	xc_name(c, name, pg->frame);
	return 0;
}

void xc_page_put(struct xc_case *c, struct xc_page *pg, unsigned int order)
{
	if (pg->va)
		c->env->ops->page_free(c->env, pg, order);
}

long xc_reservation(struct xc_case *c, unsigned int cmd, unsigned long start,
		    xen_pfn_t *list, xen_ulong_t nr, unsigned int order,
		    unsigned int mem_flags, domid_t domid)
{
	struct xen_memory_reservation r = {
		.nr_extents = nr,
		.extent_order = order,
		.mem_flags = mem_flags,
		.domid = domid,
	};

	set_xen_guest_handle(r.extent_start, list);
	return xc_call(c, __HYPERVISOR_memory_op, cmd | (start << 6), &r, 0);
}

long xc_decrease_one(struct xc_case *c, xen_pfn_t gmfn, unsigned int order)
{
	xen_pfn_t list = gmfn;

	return xc_reservation(c, XENMEM_decrease_reservation, 0, &list, 1,
			      order, 0, DOMID_SELF);
}

long xc_populate_one(struct xc_case *c, xen_pfn_t gpfn, unsigned int order)
{
	xen_pfn_t list = gpfn;

	return xc_reservation(c, XENMEM_populate_physmap, 0, &list, 1, order, 0,
			      DOMID_SELF);
}

void xc_restore(struct xc_case *c, uint64_t gfn, unsigned int order)
{
	long rc = xc_populate_one(c, gfn, order);

	if (rc != 1)
		xc_put_rc(c, "restore", rc);
}

uint64_t xc_pv_frame(struct xc_case *c, unsigned int order)
{
	xen_pfn_t mfn = ~(xen_pfn_t)0;

	if (xc_reservation(c, XENMEM_increase_reservation, 0, &mfn, 1, order, 0,
			   DOMID_SELF) != 1)
		return ~0ULL;
	return mfn;
}

uint64_t xc_mfn(struct xc_case *c, uint64_t frame)
{
	return c->env->ops->mfn(c->env, frame);
}

/* A grant's page is named by its machine frame, which is what Xen
 * reports (dev_bus_addr); on ARM's 1:1 dom0 that is its gfn. */
int xc_grant(struct xc_case *c, const char *name, domid_t to, bool writable,
	     struct xc_grant *g)
{
	if (c->env->ops->grant_alloc(c->env, to, writable, g)) {
		xc_put(c, "setup", "no-grant");
		return -1;
	}
	xc_name(c, name, xc_mfn(c, g->frame));
	return 0;
}

void xc_grant_put(struct xc_case *c, struct xc_grant *g)
{
	if (g->va)
		c->env->ops->grant_free(c->env, g);
}

int16_t xc_map(struct xc_case *c, uint32_t flags, grant_ref_t ref, domid_t dom,
	       uint64_t host_addr, grant_handle_t *handle,
	       uint64_t *dev_bus_addr)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = host_addr,
		.flags = flags,
		.ref = ref,
		.dom = dom,
		.status = 99,
		.handle = 0xbeef,
		.dev_bus_addr = 0x5a5a5000,
	};
	long rc = xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_map_grant_ref, &op, 1);

	if (rc)
		return (int16_t)rc;
	if (handle)
		*handle = op.handle;
	if (dev_bus_addr)
		*dev_bus_addr = op.dev_bus_addr;
	return op.status;
}

int16_t xc_unmap(struct xc_case *c, grant_handle_t handle, uint64_t host_addr,
		 uint64_t dev_bus_addr)
{
	struct gnttab_unmap_grant_ref op = {
		.host_addr = host_addr,
		.dev_bus_addr = dev_bus_addr,
		.handle = handle,
		.status = 99,
	};
	long rc = xc_call(c, __HYPERVISOR_grant_table_op,
			  GNTTABOP_unmap_grant_ref, &op, 1);

	return rc ? (int16_t)rc : op.status;
}

long xc_flush(struct xc_case *c, uint64_t addr, uint16_t offset,
	      uint16_t length, uint32_t op)
{
	struct gnttab_cache_flush cf = {
		.a.dev_bus_addr = addr,
		.offset = offset,
		.length = length,
		.op = op,
	};

	return xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_cache_flush,
		       &cf, 1);
}

unsigned int xc_gnt_frames(struct xc_case *c)
{
	struct gnttab_query_size qs = {.dom = DOMID_SELF};

	if (xc_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_query_size, &qs,
		    1) ||
	    qs.status)
		return 0;
	return qs.nr_frames;
}

uint64_t xc_hole_gfn(struct xc_case *c, unsigned int k)
{
	const struct xc_facts *f = &c->env->facts;

	if (f->next)
		return f->ext[0].start + k;
	return f->ram[0].start - 1 - k;
}

long xc_set_max_pages(struct xc_case *c, uint64_t pages)
{
	struct xen_domctl dc;

	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_max_mem;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = 0;
	dc.u.max_mem.max_memkb = pages << 2;
	return xc_call(c, __HYPERVISOR_domctl, (unsigned long)&dc, NULL, 0);
}
