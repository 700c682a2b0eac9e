/* hmap.c - linear probing with backward-shift deletion (no tombstones, so
 * lookups stay short however long the table lives). */
#include "hmap.h"

#include <stdlib.h>

#define EMPTY 0u /* a bucket's val: values are stored + 1 */

static uint32_t bucket(const struct hmap *h, uint64_t key)
{
	/* Keys are already mixed by their makers; fold the halves anyway so
	 * that a key whose entropy sits in the top bits still spreads. */
	uint64_t x = key ^ (key >> 29);
	x *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) & h->mask;
}

static uint64_t key_of(const struct hmap_bucket *b)
{
	return (uint64_t)b->key_hi << 32 | b->key_lo;
}

static void set_key(struct hmap_bucket *b, uint64_t key)
{
	b->key_lo = (uint32_t)key;
	b->key_hi = (uint32_t)(key >> 32);
}

bool hmap_init(struct hmap *h, uint32_t entries)
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

void hmap_free(struct hmap *h)
{
	free(h->b);
	h->b = NULL;
	h->count = 0;
}

uint32_t hmap_get(const struct hmap *h, uint64_t key)
{
	for (uint32_t i = bucket(h, key);; i = (i + 1) & h->mask) {
		if (h->b[i].val == EMPTY)
			return HMAP_NONE;
		if (key_of(&h->b[i]) == key)
			return h->b[i].val - 1;
	}
}

bool hmap_put(struct hmap *h, uint64_t key, uint32_t val)
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

void hmap_del(struct hmap *h, uint64_t key, uint32_t val)
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

bool hmap_add(struct hmap *h, uint64_t key, uint32_t val)
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

uint32_t hmap_next(const struct hmap *h, uint64_t key, uint32_t *pos)
{
	/* *pos counts the buckets probed so far, so 0 starts at the home. */
	for (uint32_t i = (bucket(h, key) + *pos) & h->mask;; i = (i + 1) & h->mask) {
		++*pos;
		if (h->b[i].val == EMPTY || *pos > h->mask + 1)
			return HMAP_NONE;
		if (key_of(&h->b[i]) == key)
			return h->b[i].val - 1;
	}
}
