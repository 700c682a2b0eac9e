/* hmap.h - the one bounded map: a fixed-capacity open-addressing map from
 * 64-bit keys to 32-bit slot numbers. Every table that owns records (flows,
 * WireGuard sessions and decryption keys, the aggregation, requests, the
 * TUI's indexes, the tallies of tools) keeps them in its own array and uses
 * this as the index. Sized once; no allocation after fsc_hmap_init. */
#ifndef FSC_HMAP_H
#define FSC_HMAP_H

#include <stdbool.h>
#include <stdint.h>

#define FSC_HMAP_NONE UINT32_MAX

/* A key's halves beside its value: a probe touches one cache line, where
 * separate key and value arrays cost a miss each. 12 bytes. */
struct fsc_hmap_bucket {
	uint32_t key_lo, key_hi;
	uint32_t val; /* value + 1; 0 (EMPTY) marks an empty bucket */
};

/* Embedded by its owner; count may be read, the rest is private. */
struct fsc_hmap {
	uint32_t count;
	struct fsc_hmap_bucket *_b;
	uint32_t _mask;
	uint32_t _limit; /* at most this many entries: load stays <= 1/2 */
};

/* Room for at least `entries`; false when out of memory. Takes no time and
 * no resident memory up front (zeroed pages), whatever the size. Values are
 * below FSC_HMAP_NONE. */
bool fsc_hmap_init(struct fsc_hmap *h, uint32_t entries);
void fsc_hmap_free(struct fsc_hmap *h);
/* Empties the map (for a table rebuilt whole); touches every bucket. */
void fsc_hmap_clear(struct fsc_hmap *h);
uint32_t fsc_hmap_get(const struct fsc_hmap *h, uint64_t key);
/* Inserts or replaces; false when full. */
bool fsc_hmap_put(struct fsc_hmap *h, uint64_t key, uint32_t val);
/* Removes key if it maps to val (a newer record may own the key now). */
void fsc_hmap_del(struct fsc_hmap *h, uint64_t key, uint32_t val);

/*
 * For keys that are hashes of longer keys (names, addresses), where two
 * records may share one: fsc_hmap_add inserts beside any entries of the
 * same key (false when full), fsc_hmap_next gives the values under key one
 * by one (*pos 0 to start; FSC_HMAP_NONE at the end) for the caller to
 * compare, and fsc_hmap_del removes the one with its value.
 */
bool fsc_hmap_add(struct fsc_hmap *h, uint64_t key, uint32_t val);
uint32_t fsc_hmap_next(const struct fsc_hmap *h, uint64_t key, uint32_t *pos);

#endif
