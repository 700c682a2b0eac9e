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
	return (uint32_t)(x >> 32) & h->_mask;
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
	h->_b = calloc(size, sizeof(*h->_b));
	if (!h->_b)
		return false;
	h->_mask = size - 1;
	h->count = 0;
	h->_limit = size / 2;
	return true;
}

void fsc_hmap_free(struct fsc_hmap *h)
{
	free(h->_b);
	h->_b = NULL;
	h->count = 0;
}

void fsc_hmap_clear(struct fsc_hmap *h)
{
	memset(h->_b, 0, ((size_t)h->_mask + 1) * sizeof(*h->_b));
	h->count = 0;
}

uint32_t fsc_hmap_get(const struct fsc_hmap *h, uint64_t key)
{
	for (uint32_t i = bucket(h, key);; i = (i + 1) & h->_mask) {
		if (h->_b[i].val == EMPTY)
			return FSC_HMAP_NONE;
		if (key_of(&h->_b[i]) == key)
			return h->_b[i].val - 1;
	}
}

bool fsc_hmap_put(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key); h->_b[i].val != EMPTY; i = (i + 1) & h->_mask) {
		if (key_of(&h->_b[i]) == key) {
			h->_b[i].val = val + 1;
			return true;
		}
	}
	if (h->count >= h->_limit)
		return false;
	set_key(&h->_b[i], key);
	h->_b[i].val = val + 1;
	h->count++;
	return true;
}

void fsc_hmap_del(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key);; i = (i + 1) & h->_mask) {
		if (h->_b[i].val == EMPTY)
			return;
		if (key_of(&h->_b[i]) == key && h->_b[i].val == val + 1)
			break;
	}
	/* Shift later members of the probe run back into the hole. */
	for (uint32_t j = i;;) {
		h->_b[i].val = EMPTY;
		for (;;) {
			j = (j + 1) & h->_mask;
			if (h->_b[j].val == EMPTY) {
				h->count--;
				return;
			}
			uint32_t home = bucket(h, key_of(&h->_b[j]));
			/* j may move to i only if its home is not in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		h->_b[i] = h->_b[j];
		i = j;
	}
}

bool fsc_hmap_add(struct fsc_hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (h->count >= h->_limit)
		return false;
	for (i = bucket(h, key); h->_b[i].val != EMPTY; i = (i + 1) & h->_mask)
		;
	set_key(&h->_b[i], key);
	h->_b[i].val = val + 1;
	h->count++;
	return true;
}

uint32_t fsc_hmap_next(const struct fsc_hmap *h, uint64_t key, uint32_t *pos)
{
	/* *pos counts the buckets probed so far, so 0 starts at the home. */
	for (uint32_t i = (bucket(h, key) + *pos) & h->_mask;; i = (i + 1) & h->_mask) {
		++*pos;
		if (h->_b[i].val == EMPTY || *pos > h->_mask + 1)
			return FSC_HMAP_NONE;
		if (key_of(&h->_b[i]) == key)
			return h->_b[i].val - 1;
	}
}
