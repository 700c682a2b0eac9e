/* hmap.h - a fixed-capacity open-addressing map from 64-bit keys to 32-bit
 * slot numbers. Internal to libdecode: the tables that own records (sessions,
 * flows, the aggregation's hosts and clients) keep the records in their own
 * arrays and use this as the index. */
#ifndef FSC_HMAP_H
#define FSC_HMAP_H

#include <stdbool.h>
#include <stdint.h>

#define HMAP_NONE UINT32_MAX

/* A key's halves beside its value: a probe touches one cache line, where
 * separate key and value arrays cost a miss each. 12 bytes, as before. */
struct hmap_bucket {
	uint32_t key_lo, key_hi;
	uint32_t val; /* value + 1; 0 (EMPTY) marks an empty bucket */
};

struct hmap {
	struct hmap_bucket *b;
	uint32_t mask;
	uint32_t count;
	uint32_t limit; /* at most this many entries: load stays <= 1/2 */
};

/* Room for at least `entries`; false when out of memory. Takes no time and
 * no resident memory up front (zeroed pages), whatever the size. Values are
 * below HMAP_NONE. */
bool hmap_init(struct hmap *h, uint32_t entries);
void hmap_free(struct hmap *h);
uint32_t hmap_get(const struct hmap *h, uint64_t key);
/* Inserts or replaces; false when full. */
bool hmap_put(struct hmap *h, uint64_t key, uint32_t val);
/* Removes key if it maps to val (a newer record may own the key now). */
void hmap_del(struct hmap *h, uint64_t key, uint32_t val);

/*
 * For keys that are hashes of longer keys (names, addresses), where two
 * records may share one: hmap_add inserts beside any entries of the same
 * key (false when full), hmap_next gives the values under key one by one
 * (*pos 0 to start; HMAP_NONE at the end) for the caller to compare, and
 * hmap_del removes the one with its value.
 */
bool hmap_add(struct hmap *h, uint64_t key, uint32_t val);
uint32_t hmap_next(const struct hmap *h, uint64_t key, uint32_t *pos);

#endif
