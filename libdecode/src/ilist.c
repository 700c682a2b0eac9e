/* ilist.c - the intrusive recently-used list (ilist.h). */
#include "ilist.h"

void ilist_init(struct ilist *l, struct ilink *first, size_t stride)
{
	l->head = l->tail = ILIST_NONE;
	l->base = (char *)first;
	l->stride = stride;
}

void ilist_unlink(struct ilist *l, uint32_t i)
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

void ilist_push(struct ilist *l, uint32_t i)
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

void ilist_touch(struct ilist *l, uint32_t i)
{
	if (l->head == i)
		return;
	ilist_unlink(l, i);
	ilist_push(l, i);
}
