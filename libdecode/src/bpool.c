/* bpool.c - binary buddy allocation: a block of order k splits into two
 * buddies of order k-1 whose unit numbers differ in bit k-1, and two free
 * buddies merge back, so a stream buffer can grow by doubling and every
 * byte returns to the arena when a flow lets go of it. */
#include "bpool.h"

#include <stdlib.h>
#include <sys/mman.h>

#define BPOOL_FREE 0x80
/* Larger reservations are mapped, not malloc'd (below). */
#define MAP_FROM ((size_t)1 << 30)

/* n bytes, zeroed, that cost nothing until touched. Past MAP_FROM the
 * reservation is an anonymous mapping without swap accounting, so a large
 * --flow-memory is honoured on a machine with less memory than it names
 * (malloc refuses what the kernel thinks it could not back); below it,
 * calloc, where the sanitizers see every byte. */
static void *reserve(size_t n)
{
	if (n < MAP_FROM)
		return calloc(n ? n : 1, 1);
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void release(void *p, size_t n)
{
	if (!p)
		return;
	if (n < MAP_FROM)
		free(p);
	else
		munmap(p, n);
}

unsigned bpool_order_for(size_t bytes)
{
	unsigned k = 0;

	while (k + 1 < BPOOL_MAX_ORDERS && bpool_block_size(k) < bytes)
		k++;
	return k;
}

static size_t arena_bytes(size_t bytes, unsigned max_order)
{
	size_t blk = bpool_block_size(max_order);
	size_t n = bytes / blk;

	return (n ? n : 1) * blk;
}

size_t bpool_footprint(size_t bytes, unsigned max_order)
{
	size_t a = arena_bytes(bytes, max_order);

	return a + (a >> BPOOL_MIN_SHIFT) * (2 * sizeof(uint32_t) + 1);
}

bool bpool_init(struct bpool *bp, size_t bytes, unsigned max_order)
{
	size_t a;

	if (max_order >= BPOOL_MAX_ORDERS)
		max_order = BPOOL_MAX_ORDERS - 1;
	a = arena_bytes(bytes, max_order);
	if ((a >> BPOOL_MIN_SHIFT) >= UINT32_MAX)
		return false;
	bp->units = (uint32_t)(a >> BPOOL_MIN_SHIFT);
	bp->top = 0;
	bp->max_order = max_order;
	bp->in_use = bp->peak = 0;
	for (unsigned k = 0; k < BPOOL_MAX_ORDERS; k++)
		bp->free_head[k] = BPOOL_NONE;
	/* Fresh zero pages: nothing is resident until a block is used. */
	bp->mem = reserve(a);
	bp->fnext = reserve((size_t)bp->units * sizeof(uint32_t));
	bp->fprev = reserve((size_t)bp->units * sizeof(uint32_t));
	bp->tag = reserve(bp->units);
	if (!bp->mem || !bp->fnext || !bp->fprev || !bp->tag) {
		bpool_free_all(bp);
		return false;
	}
	return true;
}

void bpool_free_all(struct bpool *bp)
{
	release(bp->mem, (size_t)bp->units << BPOOL_MIN_SHIFT);
	release(bp->fnext, (size_t)bp->units * sizeof(uint32_t));
	release(bp->fprev, (size_t)bp->units * sizeof(uint32_t));
	release(bp->tag, bp->units);
	bp->mem = NULL;
	bp->fnext = bp->fprev = NULL;
	bp->tag = NULL;
}

static void push_free(struct bpool *bp, uint32_t u, unsigned k)
{
	uint32_t h = bp->free_head[k];

	bp->tag[u] = (uint8_t)(BPOOL_FREE | k);
	bp->fprev[u] = BPOOL_NONE;
	bp->fnext[u] = h;
	if (h != BPOOL_NONE)
		bp->fprev[h] = u;
	bp->free_head[k] = u;
}

static void unlink_free(struct bpool *bp, uint32_t u, unsigned k)
{
	uint32_t p = bp->fprev[u], n = bp->fnext[u];

	if (p != BPOOL_NONE)
		bp->fnext[p] = n;
	else
		bp->free_head[k] = n;
	if (n != BPOOL_NONE)
		bp->fprev[n] = p;
	bp->tag[u] = (uint8_t)k;
}

uint32_t bpool_alloc(struct bpool *bp, unsigned order)
{
	unsigned k = order;
	uint32_t u;

	if (order > bp->max_order)
		return BPOOL_NONE;
	while (k <= bp->max_order && bp->free_head[k] == BPOOL_NONE)
		k++;
	if (k > bp->max_order) {
		/* Carve a fresh max block from the untouched part. */
		uint32_t blk = (uint32_t)1 << bp->max_order;
		if (bp->units - bp->top < blk)
			return BPOOL_NONE;
		u = bp->top;
		bp->top += blk;
		k = bp->max_order;
	} else {
		u = bp->free_head[k];
		unlink_free(bp, u, k);
	}
	/* Split down, keeping the low half and freeing the high buddies. */
	while (k > order) {
		k--;
		push_free(bp, u + ((uint32_t)1 << k), k);
	}
	bp->tag[u] = (uint8_t)order;
	bp->in_use += bpool_block_size(order);
	if (bp->in_use > bp->peak)
		bp->peak = bp->in_use;
	return u;
}

void bpool_release(struct bpool *bp, uint32_t u)
{
	unsigned k = bp->tag[u] & ~BPOOL_FREE;

	bp->in_use -= bpool_block_size(k);
	while (k < bp->max_order) {
		uint32_t b = u ^ ((uint32_t)1 << k);
		if (b >= bp->top || bp->tag[b] != (BPOOL_FREE | k))
			break;
		unlink_free(bp, b, k);
		bp->tag[b] = 0;	/* no longer a block head */
		bp->tag[u] = 0;
		u &= ~((uint32_t)1 << k);
		k++;
	}
	push_free(bp, u, k);
}
