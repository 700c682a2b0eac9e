/* hmap.c - linear probing with backward-shift deletion (no tombstones, so
 * lookups stay short however long the table lives). */
#include "fsc/hmap.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY 0u /* a bucket's val: values are stored + 1 */

static uint32_t bucket(const struct fsc_hmap *h, uint64_t key)
{
	/* Keys are already mixed by their makers; fold the halves anyway so
	 * that a key whose entropy sits in the top bits still spreads. */
	uint64_t x = key ^ (key >> 29);
	x *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) & h->mask;
}

static uint64_t key_of(const struct fsc_hmap_bucket *b)
{
	return (uint64_t)b->key_hi << 32 | b->key_lo;
}

static void set_key(struct fsc_hmap_bucket *b, uint64_t key)
{
	b->key_lo = (uint32_t)key;
	b->key_hi = (uint32_t)(key >> 32);
}

bool fsc_hmap_init(struct fsc_hmap *h, uint32_t entries)
{
	uint32_t size = 16;

	while (size / 2 < entries && size < (1u << 31))
		size <<= 1;
	/* Zeroed is empty: the pages cost nothing until a key lands in them,
	 * so a table sized for millions starts at once. */
	h->b = calloc(size, sizeof(*h->b));
	if (!h->b)
		return false;
	h->mask = size - 1;
	h->count = 0;
	h->limit = size / 2;
	return true;
}

void fsc_hmap_free(struct fsc_hmap *h)
{
	free(h->b);
	h->b = NULL;
	h->count = 0;
}

void fsc_hmap_clear(struct fsc_hmap *h)
{
	memset(h->b, 0, ((size_t)h->mask + 1) * sizeof(*h->b));
	h->count = 0;
}

uint32_t fsc_hmap_get(const struct fsc_hmap *h, uint64_t key)
{
	for (uint32_t i = bucket(h, key);; i = (i + 1) & h->mask) {
		if (h->b[i].val == EMPTY)
			return FSC_HMAP_NONE;
		if (key_of(&h->b[i]) == key)
			return h->b[i].val - 1;
	}
}

bool fsc_hmap_put(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key); h->b[i].val != EMPTY; i = (i + 1) & h->mask) {
		if (key_of(&h->b[i]) == key) {
			h->b[i].val = val + 1;
			return true;
		}
	}
	if (h->count >= h->limit)
		return false;
	set_key(&h->b[i], key);
	h->b[i].val = val + 1;
	h->count++;
	return true;
}

void fsc_hmap_del(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key);; i = (i + 1) & h->mask) {
		if (h->b[i].val == EMPTY)
			return;
		if (key_of(&h->b[i]) == key && h->b[i].val == val + 1)
			break;
	}
	/* Shift later members of the probe run back into the hole. */
	for (uint32_t j = i;;) {
		h->b[i].val = EMPTY;
		for (;;) {
			j = (j + 1) & h->mask;
			if (h->b[j].val == EMPTY) {
				h->count--;
				return;
			}
			uint32_t home = bucket(h, key_of(&h->b[j]));
			/* j may move to i only if its home is not in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		h->b[i] = h->b[j];
		i = j;
	}
}

bool fsc_hmap_add(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (h->count >= h->limit)
		return false;
	for (i = bucket(h, key); h->b[i].val != EMPTY; i = (i + 1) & h->mask)
		;
	set_key(&h->b[i], key);
	h->b[i].val = val + 1;
	h->count++;
	return true;
}

uint32_t fsc_hmap_next(const struct fsc_hmap *h, uint64_t key, uint32_t *pos)
{
	/* *pos counts the buckets probed so far, so 0 starts at the home. */
	for (uint32_t i = (bucket(h, key) + *pos) & h->mask;; i = (i + 1) & h->mask) {
		++*pos;
		if (h->b[i].val == EMPTY || *pos > h->mask + 1)
			return FSC_HMAP_NONE;
		if (key_of(&h->b[i]) == key)
			return h->b[i].val - 1;
	}
}
