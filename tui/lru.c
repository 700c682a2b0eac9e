/* lru.c - bounded map with least-recently-used eviction, on the one map
 * and the one list: entries in slots that never move, fsc_hmap from a
 * seeded hash of the key to the slot (entries sharing a hash are told apart
 * by their keys), and fsc_ilist for recency. */
#include "lru.h"

#include <stdlib.h>
#include <string.h>

#include "fsc/hmap.h"
#include "fsc/ilist.h"

/* What leads each slot; the key follows at koff, the value at voff. */
struct head {
	struct fsc_ilink link;	/* recency; link.next chains free slots */
	uint64_t hash;		/* of the key */
	bool used;
};

struct tui_lru {
	size_t cap, ksz, vsz, koff, voff, esz;
	uint8_t *ent;		/* cap slots of esz bytes */
	struct fsc_hmap idx;
	struct fsc_ilist order;	/* head: the most recent */
	uint32_t free_head;
	uint32_t fresh;		/* slots never used: fresh .. cap-1 (no free
				 * list to build, so a big table starts at once) */
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
static uint64_t hash(const struct tui_lru *l, const void *key)
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
	return fmix(h);
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

struct tui_lru *tui_lru_new(size_t cap, size_t key_size, size_t val_size, uint64_t seed)
{
	struct tui_lru *l;

	if (cap == 0 || key_size == 0 || val_size == 0 || cap > (1u << 30))
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cap = cap;
	l->ksz = key_size;
	l->vsz = val_size;
	l->koff = round8(sizeof(struct head));
	l->voff = l->koff + round8(key_size);
	l->esz = round8(l->voff + val_size);
	l->seed = fmix(seed ^ 0x6a09e667f3bcc908ull);
	l->ent = calloc(cap, l->esz);
	if (!l->ent || !fsc_hmap_init(&l->idx, (uint32_t)cap)) {
		tui_lru_free(l);
		return NULL;
	}
	fsc_ilist_init(&l->order, &((struct head *)(void *)l->ent)->link, l->esz);
	l->free_head = TUI_LRU_NONE;
	return l;
}

void tui_lru_free(struct tui_lru *l)
{
	if (!l)
		return;
	free(l->ent);
	fsc_hmap_free(&l->idx);
	free(l);
}

static struct head *head_at(const struct tui_lru *l, uint32_t s)
{
	return (struct head *)(void *)(l->ent + (size_t)s * l->esz);
}

static uint8_t *key_at(const struct tui_lru *l, uint32_t s)
{
	return l->ent + (size_t)s * l->esz + l->koff;
}

static void *val_at(const struct tui_lru *l, uint32_t s)
{
	return l->ent + (size_t)s * l->esz + l->voff;
}

/* The slot holding key, or TUI_LRU_NONE. */
static uint32_t find(const struct tui_lru *l, const void *key, uint64_t h)
{
	uint32_t pos = 0, s;

	while ((s = fsc_hmap_next(&l->idx, h, &pos)) != FSC_HMAP_NONE)
		if (memcmp(key_at(l, s), key, l->ksz) == 0)
			return s;
	return TUI_LRU_NONE;
}

static void remove_slot(struct tui_lru *l, uint32_t s)
{
	struct head *e = head_at(l, s);

	fsc_hmap_del(&l->idx, e->hash, s);
	fsc_ilist_unlink(&l->order, s);
	e->used = false;
	e->link.next = l->free_head;
	l->free_head = s;
	l->n--;
}

void *tui_lru_get(struct tui_lru *l, const void *key, bool touch)
{
	uint32_t s = find(l, key, hash(l, key));

	if (s == TUI_LRU_NONE)
		return NULL;
	if (touch)
		fsc_ilist_touch(&l->order, s);
	return val_at(l, s);
}

void *tui_lru_put(struct tui_lru *l, const void *key, bool *created, bool *evicted,
		  void *old_key, void *old_val)
{
	uint64_t h = hash(l, key);
	uint32_t s = find(l, key, h);

	if (evicted)
		*evicted = false;
	if (created)
		*created = s == TUI_LRU_NONE;
	if (s != TUI_LRU_NONE) {
		fsc_ilist_touch(&l->order, s);
		return val_at(l, s);
	}
	if (l->n == l->cap) {
		uint32_t victim = l->order.tail;
		if (old_key)
			memcpy(old_key, key_at(l, victim), l->ksz);
		if (old_val)
			memcpy(old_val, val_at(l, victim), l->vsz);
		if (evicted)
			*evicted = true;
		l->evictions++;
		remove_slot(l, victim);
	}
	s = l->free_head;
	if (s != TUI_LRU_NONE)
		l->free_head = head_at(l, s)->link.next;
	else
		s = l->fresh++; /* n < cap: a never-used slot remains */
	struct head *e = head_at(l, s);
	e->hash = h;
	e->used = true;
	memcpy(key_at(l, s), key, l->ksz);
	memset(val_at(l, s), 0, l->vsz);
	fsc_hmap_add(&l->idx, h, s); /* room: one entry a slot at most */
	fsc_ilist_push(&l->order, s);
	l->n++;
	return val_at(l, s);
}

bool tui_lru_del(struct tui_lru *l, const void *key)
{
	uint32_t s = find(l, key, hash(l, key));

	if (s == TUI_LRU_NONE)
		return false;
	remove_slot(l, s);
	return true;
}

size_t tui_lru_count(const struct tui_lru *l)
{
	return l->n;
}

uint64_t tui_lru_evictions(const struct tui_lru *l)
{
	return l->evictions;
}

void *tui_lru_slot(const struct tui_lru *l, uint32_t i, const void **key)
{
	if (i >= l->cap || !head_at(l, i)->used)
		return NULL;
	if (key)
		*key = key_at(l, i);
	return val_at(l, i);
}

uint32_t tui_lru_newest(const struct tui_lru *l)
{
	return l->order.head;
}

uint32_t tui_lru_older(const struct tui_lru *l, uint32_t slot)
{
	return slot < l->cap ? fsc_ilist_link(&l->order, slot)->next : TUI_LRU_NONE;
}
