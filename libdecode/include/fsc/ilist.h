/* ilist.h - the one intrusive list for bounded tables: the recently-used
 * order that picks what to evict (flow.c's live, closed and buffering
 * flows; wgsess.c's sessions and peers; the aggregation's tables;
 * request.c's transactions and connections; the TUI's). Records live in
 * an array and are named by slot number; each holds its own links, so the
 * list allocates nothing. head is the most recent, tail the next to go.
 *
 *   head                                   tail
 *    [7] <-> [2] <-> [9] <-> ... <-> [4]       (FSC_ILIST_NONE past each end)
 */
#ifndef FSC_ILIST_H
#define FSC_ILIST_H

#include <stddef.h>
#include <stdint.h>

#define FSC_ILIST_NONE UINT32_MAX

struct fsc_ilink {
	uint32_t prev, next;	/* towards head, towards tail */
};

/* head and tail may be read; the rest is private. */
struct fsc_ilist {
	uint32_t head, tail;
	char *_base;		/* slot i's links: _base + i * _stride */
	size_t _stride;
};

/* An empty list whose records keep their links at first (slot 0's) and
 * every stride bytes after; the array must not move. */
void fsc_ilist_init(struct fsc_ilist *l, struct fsc_ilink *first, size_t stride);

static inline struct fsc_ilink *fsc_ilist_link(const struct fsc_ilist *l, uint32_t i)
{
	return (struct fsc_ilink *)(void *)(l->_base + (size_t)i * l->_stride);
}

/* The three moves are inline: a flow's every packet touches its record
 * (make bench: an out-of-line call cost 1% of fdecode --summary). */

/* Takes slot i out (it must be on l). */
static inline void fsc_ilist_unlink(struct fsc_ilist *l, uint32_t i)
{
	struct fsc_ilink *k = fsc_ilist_link(l, i);

	if (k->prev != FSC_ILIST_NONE)
		fsc_ilist_link(l, k->prev)->next = k->next;
	else
		l->head = k->next;
	if (k->next != FSC_ILIST_NONE)
		fsc_ilist_link(l, k->next)->prev = k->prev;
	else
		l->tail = k->prev;
}

/* Puts slot i (on no list) at the head. */
static inline void fsc_ilist_push(struct fsc_ilist *l, uint32_t i)
{
	struct fsc_ilink *k = fsc_ilist_link(l, i);

	k->prev = FSC_ILIST_NONE;
	k->next = l->head;
	if (l->head != FSC_ILIST_NONE)
		fsc_ilist_link(l, l->head)->prev = i;
	l->head = i;
	if (l->tail == FSC_ILIST_NONE)
		l->tail = i;
}

/* Moves slot i (on l) to the head. */
static inline void fsc_ilist_touch(struct fsc_ilist *l, uint32_t i)
{
	if (l->head == i)
		return;
	fsc_ilist_unlink(l, i);
	fsc_ilist_push(l, i);
}

#endif
