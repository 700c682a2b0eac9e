/* bpool.h - a bounded buddy allocator over one preallocated arena, for the
 * byte buffers of TCP streams. Internal to libdecode.
 *
 * Blocks are BPOOL_MIN << order bytes (order 0 .. max_order). The arena is
 * reserved once (virtual memory: pages count in RSS only once written) and
 * carved lazily, so a pool that is never used costs no resident memory; no
 * block ever comes from malloc after bpool_init. Bookkeeping lives beside
 * the arena (9 bytes per BPOOL_MIN-byte unit), never inside free blocks, so
 * free memory stays untouched. */
#ifndef FSC_BPOOL_H
#define FSC_BPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BPOOL_MIN_SHIFT 9
#define BPOOL_MIN ((size_t)1 << BPOOL_MIN_SHIFT) /* 512 bytes */
#define BPOOL_MAX_ORDERS 16			 /* up to 16 MiB blocks */
#define BPOOL_NONE UINT32_MAX

struct bpool {
	uint8_t *mem;
	uint32_t units;		/* arena size in BPOOL_MIN units */
	uint32_t top;		/* units carved so far (multiple of a max block) */
	unsigned max_order;
	uint32_t free_head[BPOOL_MAX_ORDERS];
	/* Free-list links, per unit (block heads only); doubly linked, unlike
	 * flow.c's free stack, as a merge unlinks a buddy from the middle. */
	uint32_t *fnext, *fprev;
	uint8_t *tag;		/* per unit: order, | BPOOL_FREE for a free head */
	size_t in_use, peak;	/* bytes in allocated blocks */
};

/* The order whose blocks hold `bytes` (0 for 0). */
unsigned bpool_order_for(size_t bytes);
static inline size_t bpool_block_size(unsigned order)
{
	return BPOOL_MIN << order;
}

/* An arena of `bytes` (rounded down to whole blocks of max_order, at least
 * one) with blocks up to BPOOL_MIN << max_order. False when out of memory. */
bool bpool_init(struct bpool *bp, size_t bytes, unsigned max_order);
void bpool_free_all(struct bpool *bp);

/* A block of `order`, as a unit number, or BPOOL_NONE when the arena has no
 * free block that large. */
uint32_t bpool_alloc(struct bpool *bp, unsigned order);
void bpool_release(struct bpool *bp, uint32_t unit);
static inline uint8_t *bpool_ptr(const struct bpool *bp, uint32_t unit)
{
	return bp->mem + ((size_t)unit << BPOOL_MIN_SHIFT);
}
/* Total arena bytes, bookkeeping included. */
size_t bpool_footprint(size_t bytes, unsigned max_order);

#endif
