/* ilist.h - one intrusive list for libdecode's bounded tables: the
 * recently-used order that picks what to evict (flow.c's live, closed and
 * buffering flows; wgsess.c's sessions and peers). Records live in an
 * array and are named by slot number; each holds its own links, so the
 * list allocates nothing. head is the most recent, tail the next to go.
 * Internal to libdecode.
 *
 *   head                                   tail
 *    [7] <-> [2] <-> [9] <-> ... <-> [4]       (ILIST_NONE past each end)
 */
#ifndef FSC_ILIST_H
#define FSC_ILIST_H

#include <stddef.h>
#include <stdint.h>

#define ILIST_NONE UINT32_MAX

struct ilink {
	uint32_t prev, next;	/* towards head, towards tail */
};

struct ilist {
	uint32_t head, tail;
	char *base;		/* slot i's links: base + i * stride */
	size_t stride;
};

/* An empty list whose records keep their links at first (slot 0's) and
 * every stride bytes after; the array must not move. */
void ilist_init(struct ilist *l, struct ilink *first, size_t stride);

static inline struct ilink *ilist_link(const struct ilist *l, uint32_t i)
{
	return (struct ilink *)(void *)(l->base + (size_t)i * l->stride);
}

/* The three moves are inline: a flow's every packet touches its record
 * (make bench: an out-of-line call cost 1% of fdecode --summary). */

/* Takes slot i out (it must be on l). */
static inline void ilist_unlink(struct ilist *l, uint32_t i)
{
	struct ilink *k = ilist_link(l, i);

	if (k->prev != ILIST_NONE)
		ilist_link(l, k->prev)->next = k->next;
	else
		l->head = k->next;
	if (k->next != ILIST_NONE)
		ilist_link(l, k->next)->prev = k->prev;
	else
		l->tail = k->prev;
}

/* Puts slot i (on no list) at the head. */
static inline void ilist_push(struct ilist *l, uint32_t i)
{
	struct ilink *k = ilist_link(l, i);

	k->prev = ILIST_NONE;
	k->next = l->head;
	if (l->head != ILIST_NONE)
		ilist_link(l, l->head)->prev = i;
	l->head = i;
	if (l->tail == ILIST_NONE)
		l->tail = i;
}

/* Moves slot i (on l) to the head. */
static inline void ilist_touch(struct ilist *l, uint32_t i)
{
	if (l->head == i)
		return;
	ilist_unlink(l, i);
	ilist_push(l, i);
}

#endif
