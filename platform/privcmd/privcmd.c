// SPDX-License-Identifier: MIT
/*
 * The privcmd device and the hypercall through it.
 *
 * Linux's IOCTL_PRIVCMD_HYPERCALL (drivers/xen/privcmd.c,
 * privcmd_ioctl_hypercall) makes the hypercall with the caller's user
 * pages reachable and returns Xen's value as the ioctl's.  glibc's
 * ioctl() returns an int, which would cut a 64-bit answer such as a
 * frame number; syscall() keeps the long, and its error convention is
 * lossless: the kernel's [-4095, -1] comes back as -1 with errno set to
 * its negation, and every other value as it is.  So Xen's raw value is
 * r, or -errno when r is -1.
 */
#include "privcmd-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/sys/privcmd.h>

int dmk_privcmd_open(const struct dmk_privcmd_config *cfg,
		     struct dmk_privcmd **out)
{
	const char *path = cfg && cfg->path ? cfg->path : "/dev/xen/privcmd";
	struct dmk_privcmd *pc = calloc(1, sizeof(*pc));
	int rc;

	if (!pc)
		return -ENOMEM;
	pc->pagemap_fd = -1;
	pc->p2m_fd = -1;
	pc->fd = open(path, O_RDWR | O_CLOEXEC);
	if (pc->fd < 0) {
		rc = -errno;
		free(pc);
		return rc;
	}
	pc->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pc->pagemap_fd < 0) {
		rc = -errno;
		dmk_privcmd_close(pc);
		return rc;
	}
	dmk_privcmd_p2m_open(pc, cfg ? cfg->p2m_path : NULL);
	rc = dmk_privcmd_pool_init(pc, cfg ? cfg->pool_pages : 0);
	if (rc) {
		dmk_privcmd_close(pc);
		return rc;
	}
	dmk_privcmd_platform_init(pc);
	*out = pc;
	return 0;
}

void dmk_privcmd_close(struct dmk_privcmd *pc)
{
	if (!pc)
		return;
	dmk_privcmd_pool_fini(&pc->pool);
	free(pc->pv_p2m);
	if (pc->p2m_fd >= 0)
		close(pc->p2m_fd);
	if (pc->pagemap_fd >= 0)
		close(pc->pagemap_fd);
	if (pc->fd >= 0)
		close(pc->fd);
	free(pc);
}

long dmk_privcmd_hypercall(struct dmk_privcmd *pc, unsigned int op,
			   unsigned long a1, unsigned long a2, unsigned long a3)
{
	privcmd_hypercall_t h = {
		.op = op,
		.arg = {a1, a2, a3, 0, 0},
	};
	long r = syscall(SYS_ioctl, pc->fd, IOCTL_PRIVCMD_HYPERCALL, &h);

	return r == -1 ? -errno : r;
}

int dmk_privcmd_lock(void *va, size_t len)
{
	uintptr_t start = (uintptr_t)va & ~(uintptr_t)(DMK_PAGE_SIZE - 1);
	size_t span = (uintptr_t)va + len - start;

	if (mlock((void *)start, span))
		return -errno;
	/* MADV_POPULATE_WRITE (Linux 5.14) faults every page in for writing
	 * without touching it; a read-only mapping takes the read form. */
	if (madvise((void *)start, span, MADV_POPULATE_WRITE) &&
	    madvise((void *)start, span, MADV_POPULATE_READ))
		return -errno;
	return 0;
}
