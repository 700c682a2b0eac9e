/* lru.h - a bounded map from fixed-size keys to fixed-size values (the
 * TUI's ingress handshakes by client, rate snapshots by tunnel peer), built
 * on the one map and list (fsc/hmap.h, fsc/ilist.h). When it is full, the
 * entry touched least recently makes room for a new one. Every operation
 * is O(1); memory is allocated once, at creation.
 *
 * Keys are compared and hashed as bytes: callers zero them before filling
 * (struct padding, the unused tail of a name). The hash is seeded per table
 * so that addresses an attacker picks cannot be made to collide on purpose.
 *
 * Entries live in slots 0..cap-1 that do not move while the entry lives, so
 * a slot number is a stable handle (until that entry is evicted); iteration
 * goes by slot or from the most recent to the least recent.
 */
#ifndef TUI_LRU_H
#define TUI_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_LRU_NONE UINT32_MAX

struct tui_lru;

/* cap entries of key_size + val_size bytes; NULL when out of memory or a
 * size is 0 or cap exceeds 2^30. */
struct tui_lru *tui_lru_new(size_t cap, size_t key_size, size_t val_size, uint64_t seed);
void tui_lru_free(struct tui_lru *l);

/* The value stored under key, or NULL. With touch, it becomes the most
 * recent entry. */
void *tui_lru_get(struct tui_lru *l, const void *key, bool touch);

/*
 * The value under key, created (zeroed) when absent, and made the most
 * recent. When the table is full the least recent entry is evicted first:
 * its key and value are copied to old_key/old_val when those are not NULL
 * and *evicted is set (evicted may be NULL). *created (may be NULL) says
 * whether the entry is new.
 */
void *tui_lru_put(struct tui_lru *l, const void *key, bool *created, bool *evicted,
		  void *old_key, void *old_val);

/* Removes key; false when absent. */
bool tui_lru_del(struct tui_lru *l, const void *key);

size_t tui_lru_count(const struct tui_lru *l);
uint64_t tui_lru_evictions(const struct tui_lru *l);

/* Slot access: the value in slot i (i < cap) and its key, or NULL when the
 * slot is empty. */
void *tui_lru_slot(const struct tui_lru *l, uint32_t i, const void **key);

/* Recency order: the most recent slot, then each next older one;
 * TUI_LRU_NONE at the end. */
uint32_t tui_lru_newest(const struct tui_lru *l);
uint32_t tui_lru_older(const struct tui_lru *l, uint32_t slot);

#endif
