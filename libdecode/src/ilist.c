/* ilist.c - the intrusive recently-used list (ilist.h). */
#include "ilist.h"

void ilist_init(struct ilist *l, struct ilink *first, size_t stride)
{
	l->head = l->tail = ILIST_NONE;
	l->base = (char *)first;
	l->stride = stride;
}
