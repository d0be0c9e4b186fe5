/* SPDX-License-Identifier: MIT */
/*
 * The host platform: dmakit over anonymous host memory.  A platform
 * beside the library, not part of it: it stands on the public headers
 * alone (platform.h), as a kernel's would.
 *
 * Guest-physical [0, ram_bytes) is one private anonymous mapping, so the
 * linear map is that mapping and bus addresses are identity.  Every
 * device is coherent (no cache_maint), there is no hypervisor and no
 * IOMMU.  Pages come from a binary buddy allocator under a mutex; page 0
 * is never handed out, so no buffer has the physical address 0.
 *
 * Free blocks are linked through their first bytes (the memory is ours,
 * and a free page has no other use), and a byte per page records the
 * order of the free block it starts, which is what merging needs.
 */
#include <dmakit/host.h>

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define HOST_MAX_ORDER 18 /* 1 GiB blocks */
#define NIL UINT64_MAX

struct free_link {
	uint64_t next, prev; /* page frame numbers, NIL at the ends */
};

struct dmk_host_platform {
	struct dmk_platform plat;
	uint8_t *mem;
	size_t bytes;
	uint64_t npages;
	pthread_mutex_t lock;
	uint64_t head[HOST_MAX_ORDER + 1];
	uint8_t *free_order; /* order + 1 at the first page of a free block */
};

static inline struct free_link *link_of(struct dmk_host_platform *hp,
					uint64_t pfn)
{
	return (struct free_link *)(hp->mem + (pfn << DMK_PAGE_SHIFT));
}

static void list_add(struct dmk_host_platform *hp, uint64_t pfn,
		     unsigned int order)
{
	struct free_link *l = link_of(hp, pfn);

	l->prev = NIL;
	l->next = hp->head[order];
	if (l->next != NIL)
		link_of(hp, l->next)->prev = pfn;
	hp->head[order] = pfn;
	hp->free_order[pfn] = (uint8_t)(order + 1);
}

static void list_del(struct dmk_host_platform *hp, uint64_t pfn,
		     unsigned int order)
{
	struct free_link *l = link_of(hp, pfn);

	if (l->prev != NIL)
		link_of(hp, l->prev)->next = l->next;
	else
		hp->head[order] = l->next;
	if (l->next != NIL)
		link_of(hp, l->next)->prev = l->prev;
	hp->free_order[pfn] = 0;
}

static void *host_alloc_pages(void *ctx, unsigned int order, dmk_phys_t limit,
			      dmk_phys_t *phys)
{
	struct dmk_host_platform *hp = ctx;
	uint64_t want = 1ULL << order;
	uint64_t pfn = NIL;
	unsigned int o;

	if (order > HOST_MAX_ORDER || !phys)
		return NULL;
	pthread_mutex_lock(&hp->lock);
	for (o = order; o <= HOST_MAX_ORDER && pfn == NIL; o++) {
		for (uint64_t p = hp->head[o]; p != NIL;
		     p = link_of(hp, p)->next) {
			if (((p + want) << DMK_PAGE_SHIFT) - 1 <= limit) {
				pfn = p;
				break;
			}
		}
	}
	if (pfn != NIL) {
		o--; /* the order the block was found at */
		list_del(hp, pfn, o);
		/* Keep the low half, give the high halves back. */
		while (o > order) {
			o--;
			list_add(hp, pfn + (1ULL << o), o);
		}
	}
	pthread_mutex_unlock(&hp->lock);
	if (pfn == NIL)
		return NULL;
	*phys = pfn << DMK_PAGE_SHIFT;
	return hp->mem + *phys;
}

static void host_free_pages(void *ctx, dmk_phys_t phys, unsigned int order)
{
	struct dmk_host_platform *hp = ctx;
	uint64_t pfn = phys >> DMK_PAGE_SHIFT;

	if (order > HOST_MAX_ORDER || (phys & (DMK_PAGE_SIZE - 1)) || !pfn ||
	    (pfn & ((1ULL << order) - 1)) ||
	    pfn + (1ULL << order) > hp->npages) {
		fprintf(stderr,
			"dmakit: error: host: free of 0x%llx order %u: not a block of RAM\n",
			(unsigned long long)phys, order);
		return;
	}
	pthread_mutex_lock(&hp->lock);
	if (hp->free_order[pfn]) {
		pthread_mutex_unlock(&hp->lock);
		fprintf(stderr,
			"dmakit: error: host: double free of 0x%llx order %u\n",
			(unsigned long long)phys, order);
		return;
	}
	while (order < HOST_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ULL << order);

		if (buddy == 0 || buddy + (1ULL << order) > hp->npages ||
		    hp->free_order[buddy] != order + 1)
			break;
		list_del(hp, buddy, order);
		pfn &= ~(1ULL << order);
		order++;
	}
	list_add(hp, pfn, order);
	pthread_mutex_unlock(&hp->lock);
}

static unsigned int host_cpu_id(void *ctx)
{
	int cpu = sched_getcpu();

	(void)ctx;
	return cpu < 0 ? 0 : (unsigned int)cpu;
}

static uint64_t host_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void host_log(void *ctx, enum dmk_log_level level, const char *msg)
{
	static const char *const names[] = {"error", "warning", "info"};

	(void)ctx;
	fprintf(stderr, "dmakit: %s: %s\n",
		(unsigned int)level < 3 ? names[level] : "log", msg);
}

static const struct dmk_platform_ops host_ops = {
	.alloc_pages = host_alloc_pages,
	.free_pages = host_free_pages,
	.cpu_id = host_cpu_id,
	.now_ns = host_now_ns,
	.log = host_log,
};

/* Cut [1, npages) into the largest aligned blocks that fit. */
static void host_seed_free_lists(struct dmk_host_platform *hp)
{
	uint64_t pfn = 1;

	for (unsigned int o = 0; o <= HOST_MAX_ORDER; o++)
		hp->head[o] = NIL;
	while (pfn < hp->npages) {
		unsigned int o = HOST_MAX_ORDER;

		while ((pfn & ((1ULL << o) - 1)) ||
		       pfn + (1ULL << o) > hp->npages)
			o--;
		list_add(hp, pfn, o);
		pfn += 1ULL << o;
	}
}

int dmk_host_platform_create(size_t ram_bytes, struct dmk_host_platform **out)
{
	struct dmk_host_platform *hp;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	ram_bytes &= ~(DMK_PAGE_SIZE - 1);
	if (!out || ram_bytes < 2 * DMK_PAGE_SIZE)
		return -DMK_EINVAL;
	hp = calloc(1, sizeof(*hp));
	if (!hp)
		return -DMK_ENOMEM;
	hp->bytes = ram_bytes;
	hp->npages = ram_bytes >> DMK_PAGE_SHIFT;
	hp->free_order = calloc(hp->npages, 1);
	hp->mem = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!hp->free_order || hp->mem == MAP_FAILED) {
		if (hp->mem != MAP_FAILED && hp->mem)
			munmap(hp->mem, ram_bytes);
		free(hp->free_order);
		free(hp);
		return -DMK_ENOMEM;
	}
	pthread_mutex_init(&hp->lock, NULL);
	host_seed_free_lists(hp);

	hp->plat.ops = &host_ops;
	hp->plat.ctx = hp;
	hp->plat.arch = DMK_ARCH_HOST;
	hp->plat.nr_cpus = ncpu > 0 ? (unsigned int)ncpu : 1;
	hp->plat.linear_base = hp->mem;
	hp->plat.ram_start = 0;
	hp->plat.ram_end = ram_bytes;
	*out = hp;
	return 0;
}

void dmk_host_platform_destroy(struct dmk_host_platform *hp)
{
	if (!hp)
		return;
	munmap(hp->mem, hp->bytes);
	pthread_mutex_destroy(&hp->lock);
	free(hp->free_order);
	free(hp);
}

const struct dmk_platform *dmk_host_platform(struct dmk_host_platform *hp)
{
	return hp ? &hp->plat : NULL;
}
