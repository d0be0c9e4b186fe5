/* SPDX-License-Identifier: MIT */
/*
 * A hypercall that fails as Xen's fail: not all-or-nothing, but with the
 * progress Xen's public headers promise to report.
 *
 *   XENMEM_exchange (and exchange-and-pin): the first j chunks are
 *     exchanged, nr_exchanged says how many input extents, -ENOMEM.
 *   XENMEM_populate_physmap, increase/decrease_reservation: j < n
 *     extents done, and the return value is j (not an error code).
 *   XENMEM_unpin (xen-ext.h): j unpinned, nr_unpinned = j, -EINVAL.
 *   GNTTABOP_map/unmap_grant_ref, a batch of n: every op is tried and
 *     exactly one gets a failing status; the hypercall returns 0.
 *   GNTTABOP_setup_table: status GNTST_general_error.
 *   GNTTABOP_cache_flush: the first j done, then -EINVAL.
 *   multicall: one entry's result is -ENOMEM, the others run.
 *   mmu_update: j of n done (*done = j), -ENOMEM.
 *   anything else: -ENOMEM, nothing done.
 *
 * The j of each failure comes from the injector (sim_fault_progress), so
 * an exhaustive sweep meets every shape of partial progress.
 */
#include "hv.h"
#include "faults.h"

#include <dmakit/xen-ext.h>

#include <stdio.h>

static long real(struct sim_platform_dom *pd, unsigned int op, unsigned long a1,
		 unsigned long a2, unsigned long a3)
{
	return sim_platform_hypercall(pd, op, a1, a2, a3);
}

static long fail_exchange(struct sim_platform_dom *pd, struct sim_faults *f,
			  unsigned long cmd, struct xen_memory_exchange *ex)
{
	unsigned int oi = ex->in.extent_order, oo = ex->out.extent_order;
	uint64_t in_per = oi <= oo ? 1ULL << (oo - oi) : 1;
	uint64_t out_per = oi <= oo ? 1 : 1ULL << (oi - oo);
	xen_ulong_t nin = ex->in.nr_extents, nout = ex->out.nr_extents;
	uint64_t chunks = in_per && oo < 64 && oi < 64 ? nin / in_per : 0;
	uint64_t j = sim_fault_progress(f, chunks);
	long rc;

	if (ex->nr_exchanged)
		return -XEN_ENOMEM; /* a continuation: nothing more done */
	if (j) {
		ex->in.nr_extents = j * in_per;
		ex->out.nr_extents = j * out_per;
		rc = real(pd, __HYPERVISOR_memory_op, cmd, (unsigned long)ex,
			  0);
		ex->in.nr_extents = nin;
		ex->out.nr_extents = nout;
		if (rc)
			return rc;
	}
	sim_fault_note_progress(f, ex->nr_exchanged);
	return -XEN_ENOMEM;
}

static long fail_reservation(struct sim_platform_dom *pd, struct sim_faults *f,
			     unsigned long cmd,
			     struct xen_memory_reservation *r)
{
	xen_ulong_t n = r->nr_extents;
	uint64_t j = sim_fault_progress(f, n);
	long rc = 0;

	if (j) {
		r->nr_extents = j;
		rc = real(pd, __HYPERVISOR_memory_op, cmd, (unsigned long)r, 0);
		r->nr_extents = n;
	}
	sim_fault_note_progress(f, rc > 0 ? (uint64_t)rc : 0);
	return rc;
}

static long fail_unpin(struct sim_platform_dom *pd, struct sim_faults *f,
		       unsigned long cmd, struct dmk_xen_unpin *up)
{
	xen_ulong_t n = up->in.nr_extents;
	uint64_t j = sim_fault_progress(f, n);
	long rc;

	up->nr_unpinned = 0;
	if (j) {
		up->in.nr_extents = j;
		rc = real(pd, __HYPERVISOR_memory_op, cmd, (unsigned long)up,
			  0);
		up->in.nr_extents = n;
		if (rc)
			return rc;
	}
	sim_fault_note_progress(f, up->nr_unpinned);
	return -XEN_EINVAL;
}

static long fail_memory_op(struct sim_platform_dom *pd, struct sim_faults *f,
			   unsigned long cmd, unsigned long arg)
{
	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_exchange:
	case DMK_XENMEM_exchange_and_pin:
		return fail_exchange(pd, f, cmd, (void *)arg);
	case XENMEM_populate_physmap:
	case XENMEM_increase_reservation:
	case XENMEM_decrease_reservation:
		return fail_reservation(pd, f, cmd, (void *)arg);
	case DMK_XENMEM_unpin:
		return fail_unpin(pd, f, cmd, (void *)arg);
	default:
		return -XEN_ENOMEM;
	}
}

/* One op of a map or unmap batch fails; the others are done. */
static long fail_grant_batch(struct sim_platform_dom *pd, struct sim_faults *f,
			     unsigned long cmd, void *ops, unsigned long count,
			     size_t size, int16_t *(*status)(void *op))
{
	uint64_t i = sim_fault_progress(f, count);
	uint8_t *base = ops;
	long rc = 0;

	if (!count)
		return -XEN_EINVAL;
	if (i)
		rc = real(pd, __HYPERVISOR_grant_table_op, cmd,
			  (unsigned long)base, i);
	if (!rc && i + 1 < count)
		rc = real(pd, __HYPERVISOR_grant_table_op, cmd,
			  (unsigned long)(base + (i + 1) * size),
			  count - i - 1);
	*status(base + i * size) = GNTST_general_error;
	sim_fault_note_progress(f, i);
	return rc;
}

static int16_t *map_status(void *op)
{
	return &((struct gnttab_map_grant_ref *)op)->status;
}

static int16_t *unmap_status(void *op)
{
	return &((struct gnttab_unmap_grant_ref *)op)->status;
}

static long fail_grant_op(struct sim_platform_dom *pd, struct sim_faults *f,
			  unsigned long cmd, unsigned long arg,
			  unsigned long count)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return fail_grant_batch(pd, f, cmd, (void *)arg, count,
					sizeof(struct gnttab_map_grant_ref),
					map_status);
	case GNTTABOP_unmap_grant_ref:
		return fail_grant_batch(pd, f, cmd, (void *)arg, count,
					sizeof(struct gnttab_unmap_grant_ref),
					unmap_status);
	case GNTTABOP_setup_table:
		((struct gnttab_setup_table *)arg)->status =
			GNTST_general_error;
		return 0;
	case GNTTABOP_cache_flush: {
		uint64_t j = sim_fault_progress(f, count);
		long rc = j ? real(pd, __HYPERVISOR_grant_table_op, cmd, arg, j)
			    : 0;

		sim_fault_note_progress(f, j);
		return rc ? rc : -XEN_EINVAL;
	}
	default:
		return -XEN_ENOMEM;
	}
}

static long fail_multicall(struct sim_platform_dom *pd, struct sim_faults *f,
			   struct multicall_entry *mc, unsigned long n)
{
	uint64_t i = sim_fault_progress(f, n);
	long rc = 0;

	if (!n)
		return -XEN_EINVAL;
	if (i)
		rc = real(pd, __HYPERVISOR_multicall, (unsigned long)mc, i, 0);
	if (!rc && i + 1 < n)
		rc = real(pd, __HYPERVISOR_multicall,
			  (unsigned long)(mc + i + 1), n - i - 1, 0);
	mc[i].result = (xen_ulong_t)(long)-XEN_ENOMEM;
	sim_fault_note_progress(f, i);
	return rc;
}

static long fail_mmu_update(struct sim_platform_dom *pd, struct sim_faults *f,
			    unsigned long reqs, unsigned long n,
			    unsigned long done)
{
	uint64_t j = sim_fault_progress(f, n);
	unsigned int *pdone = (unsigned int *)done;
	long rc;

	if (pdone)
		*pdone = 0;
	if (j) {
		rc = real(pd, __HYPERVISOR_mmu_update, reqs, j, done);
		if (rc)
			return rc;
	}
	sim_fault_note_progress(f, j);
	return -XEN_ENOMEM;
}

static const char *memop_name(unsigned long cmd)
{
	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_exchange:
		return "exchange";
	case DMK_XENMEM_exchange_and_pin:
		return "exchange_and_pin";
	case DMK_XENMEM_unpin:
		return "unpin";
	case XENMEM_populate_physmap:
		return "populate_physmap";
	case XENMEM_increase_reservation:
		return "increase_reservation";
	case XENMEM_decrease_reservation:
		return "decrease_reservation";
	case XENMEM_add_to_physmap:
		return "add_to_physmap";
	case XENMEM_remove_from_physmap:
		return "remove_from_physmap";
	default:
		return "other";
	}
}

static const char *gntop_name(unsigned long cmd)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return "map_grant_ref";
	case GNTTABOP_unmap_grant_ref:
		return "unmap_grant_ref";
	case GNTTABOP_setup_table:
		return "setup_table";
	case GNTTABOP_cache_flush:
		return "cache_flush";
	default:
		return "other";
	}
}

static void describe(char *buf, size_t len, unsigned int op, unsigned long a1,
		     unsigned long a3)
{
	switch (op) {
	case __HYPERVISOR_memory_op:
		snprintf(buf, len, "memory_op %s", memop_name(a1));
		break;
	case __HYPERVISOR_grant_table_op:
		snprintf(buf, len, "grant_table_op %s x%lu", gntop_name(a1),
			 a3);
		break;
	case __HYPERVISOR_multicall:
		snprintf(buf, len, "multicall");
		break;
	case __HYPERVISOR_mmu_update:
		snprintf(buf, len, "mmu_update");
		break;
	case __HYPERVISOR_update_va_mapping:
		snprintf(buf, len, "update_va_mapping");
		break;
	default:
		snprintf(buf, len, "hypercall %u", op);
		break;
	}
}

bool sim_fault_hypercall(struct sim_platform_dom *pd, unsigned int op,
			 unsigned long a1, unsigned long a2, unsigned long a3,
			 long *ret)
{
	struct sim_faults *f = pd->faults;
	char what[48];

	if (!f || f->mode == SIM_FAULTS_OFF)
		return false;
	describe(what, sizeof(what), op, a1, a3);
	if (!sim_fault_hit(f, SIM_FAULT_HYPERCALL, what))
		return false;
	switch (op) {
	case __HYPERVISOR_memory_op:
		*ret = fail_memory_op(pd, f, a1, a2);
		break;
	case __HYPERVISOR_grant_table_op:
		*ret = fail_grant_op(pd, f, a1, a2, a3);
		break;
	case __HYPERVISOR_multicall:
		*ret = fail_multicall(pd, f, (void *)a1, a2);
		break;
	case __HYPERVISOR_mmu_update:
		*ret = fail_mmu_update(pd, f, a1, a2, a3);
		break;
	default:
		*ret = -XEN_ENOMEM;
		break;
	}
	return true;
}
