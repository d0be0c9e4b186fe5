/* SPDX-License-Identifier: MIT */
/*
 * The privcmd platform's private state, shared by its files:
 *   privcmd.c   the device and the hypercall
 *   pagemap.c   frame numbers from /proc/self/pagemap
 *   pool.c      the locked pages alloc_pages hands out
 *   platform.c  struct dmk_platform over the rest
 */
#ifndef DMAKIT_PRIVCMD_INTERNAL_H
#define DMAKIT_PRIVCMD_INTERNAL_H

#include "privcmd.h"

#include <pthread.h>
#include <stdbool.h>

/* One page of the pool, kept sorted by frame. */
struct dmk_privcmd_page {
	uint64_t frame;
	uint8_t *va;
	bool used;
};

struct dmk_privcmd_pool {
	uint8_t *base; /* the locked mapping */
	size_t npages;
	struct dmk_privcmd_page *pages; /* by ascending frame */
	uint64_t *slot_frame; /* the frame of the mapping's i-th page */
	pthread_mutex_t lock;
};

struct dmk_privcmd {
	int fd;		  /* /dev/xen/privcmd */
	int pagemap_fd;	  /* /proc/self/pagemap */
	int p2m_fd;	  /* the dmk_p2m module's device, -1 without it */
	uint64_t *pv_p2m; /* x86 PV: the pool's frames' mfns, by pfn */
	struct dmk_privcmd_pool pool;
	struct dmk_platform plat;
};

/* pool.c */
int dmk_privcmd_pool_init(struct dmk_privcmd *pc, size_t npages);
void dmk_privcmd_pool_fini(struct dmk_privcmd_pool *pool);
void *dmk_privcmd_pool_alloc(struct dmk_privcmd_pool *pool, unsigned int order,
			     uint64_t limit, uint64_t *frame);
void dmk_privcmd_pool_free(struct dmk_privcmd_pool *pool, uint64_t frame,
			   unsigned int order);
void *dmk_privcmd_pool_frame_to_va(struct dmk_privcmd_pool *pool,
				   uint64_t frame);
uint64_t dmk_privcmd_pool_va_to_frame(struct dmk_privcmd_pool *pool,
				      const void *va);

/* pagemap.c */
void dmk_privcmd_p2m_open(struct dmk_privcmd *pc, const char *path);

/* platform.c */
void dmk_privcmd_platform_init(struct dmk_privcmd *pc);

#endif /* DMAKIT_PRIVCMD_INTERNAL_H */
