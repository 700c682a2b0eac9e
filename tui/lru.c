/* lru.c - bounded map with least-recently-used eviction: slots with an
 * intrusive recency list, and an open-addressing index over them (linear
 * probing, backward-shift deletion, so no tombstones pile up). */
#include "lru.h"

#include <stdlib.h>
#include <string.h>

struct tui_lru {
	size_t cap, ksz, vsz, voff, esz;
	uint8_t *ent;		/* cap entries: key, then value at voff */
	uint32_t *prev, *next;	/* recency list; next[] chains free slots */
	uint32_t *home;		/* hash of the key in each used slot */
	uint8_t *used;
	uint32_t *tab;		/* index: slot + 1, 0 empty */
	uint32_t mask;
	uint32_t newest, oldest, free_head;
	uint32_t fresh;		/* slots never used: fresh .. cap-1 (no list
				 * to build, so a big table starts at once) */
	size_t n;
	uint64_t seed, evictions;
};

static uint64_t fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A keyed hash: every 8 bytes mixed fully with the running state. */
static uint32_t hash(const struct tui_lru *l, const void *key)
{
	const uint8_t *p = key;
	uint64_t h = l->seed ^ l->ksz;
	size_t i = 0;

	for (; i + 8 <= l->ksz; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h = fmix(h ^ w) + 0x9e3779b97f4a7c15ull;
	}
	if (i < l->ksz) {
		uint64_t w = 0;
		memcpy(&w, p + i, l->ksz - i);
		h = fmix(h ^ w ^ 0xa5);
	}
	h = fmix(h);
	return (uint32_t)(h ^ (h >> 32));
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct tui_lru *tui_lru_new(size_t cap, size_t key_size, size_t val_size, uint64_t seed)
{
	struct tui_lru *l;
	size_t tsize = 16;

	if (cap == 0 || key_size == 0 || val_size == 0 || cap > (1u << 30))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	while (tsize < 2 * cap)
		tsize <<= 1;
	l->cap = cap;
	l->ksz = key_size;
	l->vsz = val_size;
	l->voff = round8(key_size);
	l->esz = round8(l->voff + val_size);
	l->mask = (uint32_t)(tsize - 1);
	l->seed = fmix(seed ^ 0x6a09e667f3bcc908ull);
	l->ent = calloc(cap, l->esz);
	l->prev = calloc(cap, sizeof(*l->prev));
	l->next = calloc(cap, sizeof(*l->next));
	l->home = calloc(cap, sizeof(*l->home));
	l->used = calloc(cap, 1);
	l->tab = calloc(tsize, sizeof(*l->tab));
	if (!l->ent || !l->prev || !l->next || !l->home || !l->used || !l->tab) {
		tui_lru_free(l);
		return NULL;
	}
	l->free_head = TUI_LRU_NONE;
	l->fresh = 0;
	l->newest = l->oldest = TUI_LRU_NONE;
	return l;
}

void tui_lru_free(struct tui_lru *l)
{
	if (!l)
		return;
	free(l->ent);
	free(l->prev);
	free(l->next);
	free(l->home);
	free(l->used);
	free(l->tab);
	free(l);
}

static uint8_t *key_at(const struct tui_lru *l, uint32_t s)
{
	return l->ent + (size_t)s * l->esz;
}

static void *val_at(const struct tui_lru *l, uint32_t s)
{
	return l->ent + (size_t)s * l->esz + l->voff;
}

/* Recency list. */
static void unlink_slot(struct tui_lru *l, uint32_t s)
{
	uint32_t p = l->prev[s], n = l->next[s];

	if (p != TUI_LRU_NONE)
		l->next[p] = n;
	else
		l->newest = n;
	if (n != TUI_LRU_NONE)
		l->prev[n] = p;
	else
		l->oldest = p;
}

static void push_newest(struct tui_lru *l, uint32_t s)
{
	l->prev[s] = TUI_LRU_NONE;
	l->next[s] = l->newest;
	if (l->newest != TUI_LRU_NONE)
		l->prev[l->newest] = s;
	l->newest = s;
	if (l->oldest == TUI_LRU_NONE)
		l->oldest = s;
}

/* The index position holding key, or the empty one where it would go. */
static uint32_t find(const struct tui_lru *l, const void *key, uint32_t h, bool *found)
{
	for (uint32_t i = h & l->mask;; i = (i + 1) & l->mask) {
		uint32_t k = l->tab[i];
		if (k == 0) {
			*found = false;
			return i;
		}
		if (l->home[k - 1] == h && memcmp(key_at(l, k - 1), key, l->ksz) == 0) {
			*found = true;
			return i;
		}
	}
}

/* Backward-shift deletion at index position i. */
static void tab_remove(struct tui_lru *l, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		j = (j + 1) & l->mask;
		uint32_t k = l->tab[j];
		if (k == 0)
			break;
		uint32_t want = l->home[k - 1] & l->mask;
		/* k may move back to i unless its home lies in (i, j]. */
		bool stays = i <= j ? (i < want && want <= j) : (i < want || want <= j);
		if (!stays) {
			l->tab[i] = k;
			i = j;
		}
	}
	l->tab[i] = 0;
}

static void remove_slot(struct tui_lru *l, uint32_t s)
{
	bool found;
	uint32_t i = find(l, key_at(l, s), l->home[s], &found);

	if (found)
		tab_remove(l, i);
	unlink_slot(l, s);
	l->used[s] = 0;
	l->next[s] = l->free_head;
	l->free_head = s;
	l->n--;
}

void *tui_lru_get(struct tui_lru *l, const void *key, bool touch)
{
	bool found;
	uint32_t i = find(l, key, hash(l, key), &found);

	if (!found)
		return NULL;
	uint32_t s = l->tab[i] - 1;
	if (touch && l->newest != s) {
		unlink_slot(l, s);
		push_newest(l, s);
	}
	return val_at(l, s);
}

void *tui_lru_put(struct tui_lru *l, const void *key, bool *created, bool *evicted,
		  void *old_key, void *old_val)
{
	uint32_t h = hash(l, key);
	bool found;
	uint32_t i = find(l, key, h, &found);

	if (evicted)
		*evicted = false;
	if (found) {
		uint32_t s = l->tab[i] - 1;
		if (l->newest != s) {
			unlink_slot(l, s);
			push_newest(l, s);
		}
		if (created)
			*created = false;
		return val_at(l, s);
	}
	if (l->n == l->cap) {
		uint32_t victim = l->oldest;
		if (old_key)
			memcpy(old_key, key_at(l, victim), l->ksz);
		if (old_val)
			memcpy(old_val, val_at(l, victim), l->vsz);
		if (evicted)
			*evicted = true;
		l->evictions++;
		remove_slot(l, victim);
		/* The index moved: find the empty position again. */
		i = find(l, key, h, &found);
	}
	uint32_t s = l->free_head;
	if (s != TUI_LRU_NONE)
		l->free_head = l->next[s];
	else
		s = l->fresh++; /* n < cap: a never-used slot remains */
	memcpy(key_at(l, s), key, l->ksz);
	memset(val_at(l, s), 0, l->vsz);
	l->home[s] = h;
	l->used[s] = 1;
	l->tab[i] = s + 1;
	l->n++;
	push_newest(l, s);
	if (created)
		*created = true;
	return val_at(l, s);
}

bool tui_lru_del(struct tui_lru *l, const void *key)
{
	bool found;
	uint32_t i = find(l, key, hash(l, key), &found);

	if (!found)
		return false;
	remove_slot(l, l->tab[i] - 1);
	return true;
}

size_t tui_lru_count(const struct tui_lru *l)
{
	return l->n;
}

size_t tui_lru_cap(const struct tui_lru *l)
{
	return l->cap;
}

uint64_t tui_lru_evictions(const struct tui_lru *l)
{
	return l->evictions;
}

void *tui_lru_slot(const struct tui_lru *l, uint32_t i, const void **key)
{
	if (i >= l->cap || !l->used[i])
		return NULL;
	if (key)
		*key = key_at(l, i);
	return val_at(l, i);
}

uint32_t tui_lru_slot_of(const struct tui_lru *l, const void *val)
{
	size_t off = (size_t)((const uint8_t *)val - l->ent);
	return (uint32_t)(off / l->esz);
}

uint32_t tui_lru_newest(const struct tui_lru *l)
{
	return l->newest;
}

uint32_t tui_lru_older(const struct tui_lru *l, uint32_t slot)
{
	return slot < l->cap ? l->next[slot] : TUI_LRU_NONE;
}
