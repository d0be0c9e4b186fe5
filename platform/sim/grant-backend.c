// SPDX-License-Identifier: MIT
/*
 * The backend of a virtio device over grant DMA, as QEMU or a vhost
 * daemon in dom0 serves a domU's virtio-net or virtio-blk (Linux's
 * drivers/xen/grant-dma-ops.c on the front end's side; on the backend's,
 * what xen-foreignmemory / gntdev do).
 *
 * The front end's bus addresses are grant references.  For each
 * page-bounded piece of a transfer the backend maps the grant into a
 * ballooned frame of its own (GNTTABOP_map_grant_ref with a host mapping,
 * through the backend guest's own Xen layer), copies with its CPU and
 * unmaps.  What the hypervisor model refuses is the device's fault: a
 * reference that was never granted to the backend or is already revoked
 * (SIM_FAULT_GRANT), or a write through a read-only grant, which the
 * backend finds out when its writable mapping is refused while a
 * read-only one would be allowed (SIM_FAULT_READ_ONLY).
 *
 * The backend is the device: its own calls into the world (the frame
 * it maps a grant into, its hypercalls) are not the front end's DMA
 * layer, so fault injection (faults.h) leaves them alone, as it leaves
 * the drivers' own allocations.
 */
#include "faults.h"
#include "world.h"

#include <dmakit/xen.h>
#include <string.h>

static int copy(struct sim_world_device *wd, uint32_t ref, uint32_t offset,
		void *buf, size_t len, bool write)
{
	struct dmk_system *bsys = wd->backend->sys;
	uint16_t front = wd->guest->dom->domid;
	struct dmk_xen_foreign_page fp;

	if (ref > INT32_MAX)
		return SIM_FAULT_GRANT;
	if (dmk_xen_map_foreign(bsys, front, (int)ref, !write, &fp)) {
		if (write &&
		    !dmk_xen_map_foreign(bsys, front, (int)ref, true, &fp)) {
			dmk_xen_unmap_foreign(bsys, &fp);
			return SIM_FAULT_READ_ONLY;
		}
		return SIM_FAULT_GRANT;
	}
	if (write)
		memcpy((uint8_t *)fp.va + offset, buf, len);
	else
		memcpy(buf, (const uint8_t *)fp.va + offset, len);
	/* A backend that cannot unmap leaves the grant pinned: the front
	 * end's revoke then fails and its device goes broken, as in Linux. */
	dmk_xen_unmap_foreign(bsys, &fp);
	return -1;
}

static int backend_copy(void *ctx, uint32_t ref, uint32_t offset, void *buf,
			size_t len, bool write)
{
	struct sim_world_device *wd = ctx;
	struct sim_faults *f = wd->backend->pd.faults;
	int ret;

	sim_faults_pause(f);
	ret = copy(wd, ref, offset, buf, len, write);
	sim_faults_resume(f);
	return ret;
}

void sim_grant_backend_attach(struct sim_world_device *wd,
			      struct sim_world_guest *backend)
{
	wd->backend = backend;
	wd->sd.grant_copy = backend_copy;
	wd->sd.grant_ctx = wd;
	/* Ownership checks are the grant table's now. */
	wd->sd.may_access = NULL;
}
