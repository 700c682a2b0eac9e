/* hmap.c - linear probing with backward-shift deletion (no tombstones, so
 * lookups stay short however long the table lives). */
#include "hmap.h"

#include <stdlib.h>

static uint32_t bucket(const struct hmap *h, uint64_t key)
{
	/* Keys are already mixed by their makers; fold the halves anyway so
	 * that a key whose entropy sits in the top bits still spreads. */
	uint64_t x = key ^ (key >> 29);
	x *= 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) & h->mask;
}

bool hmap_init(struct hmap *h, uint32_t entries)
{
	uint32_t size = 16;

	while (size / 2 < entries && size < (1u << 31))
		size <<= 1;
	h->keys = malloc((size_t)size * sizeof(*h->keys));
	h->vals = malloc((size_t)size * sizeof(*h->vals));
	if (!h->keys || !h->vals) {
		hmap_free(h);
		return false;
	}
	for (uint32_t i = 0; i < size; i++)
		h->vals[i] = HMAP_NONE;
	h->mask = size - 1;
	h->count = 0;
	h->limit = size / 2;
	return true;
}

void hmap_free(struct hmap *h)
{
	free(h->keys);
	free(h->vals);
	h->keys = NULL;
	h->vals = NULL;
	h->count = 0;
}

uint32_t hmap_get(const struct hmap *h, uint64_t key)
{
	for (uint32_t i = bucket(h, key);; i = (i + 1) & h->mask) {
		if (h->vals[i] == HMAP_NONE)
			return HMAP_NONE;
		if (h->keys[i] == key)
			return h->vals[i];
	}
}

bool hmap_put(struct hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key); h->vals[i] != HMAP_NONE; i = (i + 1) & h->mask) {
		if (h->keys[i] == key) {
			h->vals[i] = val;
			return true;
		}
	}
	if (h->count >= h->limit)
		return false;
	h->keys[i] = key;
	h->vals[i] = val;
	h->count++;
	return true;
}

void hmap_del(struct hmap *h, uint64_t key, uint32_t val)
{
	uint32_t i;

	for (i = bucket(h, key);; i = (i + 1) & h->mask) {
		if (h->vals[i] == HMAP_NONE)
			return;
		if (h->keys[i] == key)
			break;
	}
	if (h->vals[i] != val)
		return;
	/* Shift later members of the probe run back into the hole. */
	for (uint32_t j = i;;) {
		h->vals[i] = HMAP_NONE;
		for (;;) {
			j = (j + 1) & h->mask;
			if (h->vals[j] == HMAP_NONE) {
				h->count--;
				return;
			}
			uint32_t home = bucket(h, h->keys[j]);
			/* j may move to i only if its home is not in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		h->keys[i] = h->keys[j];
		h->vals[i] = h->vals[j];
		i = j;
	}
}
