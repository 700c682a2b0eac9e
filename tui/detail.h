/* detail.h - the heads and X-Forwarded-For hops of recent requests, for
 * Detail: serialised into one byte ring of a fixed size, the newest
 * overwriting the oldest. Private to the model (model.c). */
#ifndef TUI_DETAIL_H
#define TUI_DETAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/streams.h"
#include "model.h"

#define TUI_DRING_BLOB 16384	/* one request's record at most */

struct tui_dring {
	uint8_t *buf;
	size_t cap;
	uint64_t w;			/* bytes written since the start */
	uint8_t blob[TUI_DRING_BLOB];	/* scratch: one record */
};

bool tui_dring_init(struct tui_dring *r, size_t cap);
void tui_dring_free(struct tui_dring *r);

/* Stores the head and hops of an HTTP request event (headers past
 * TUI_DETAIL_HEADERS or the record's size, hops past TUI_DETAIL_HOPS, and
 * long values are cut, and the record says so). *pos and *len say where;
 * false when the ring is smaller than the record. */
bool tui_dring_store(struct tui_dring *r, const struct fsc_stream_event *se, uint64_t *pos,
		     uint32_t *len);

/* Reads a record back into d (pointers into r->blob, valid until the next
 * call); false, d untouched, when newer records overwrote it. */
bool tui_dring_load(struct tui_dring *r, uint64_t pos, uint32_t len, struct tui_detail *d);

#endif
