/* ilist.c - the intrusive recently-used list (ilist.h). */
#include "fsc/ilist.h"

void fsc_ilist_init(struct fsc_ilist *l, struct fsc_ilink *first, size_t stride)
{
	l->head = l->tail = FSC_ILIST_NONE;
	l->_base = (char *)first;
	l->_stride = stride;
}
