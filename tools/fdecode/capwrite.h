/* capwrite.h - -w FILE: frames written as pcapng, one interface block for
 * each input interface seen, nanosecond timestamps. */
#ifndef FDECODE_CAPWRITE_H
#define FDECODE_CAPWRITE_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "fsc/source.h"

struct capwrite;

/* "-" writes to standard output. NULL with a reason in err. */
struct capwrite *capwrite_open(const char *path, char *err, size_t errlen);
/* src names the interfaces (may be NULL). False on a write error. */
bool capwrite_frame(struct capwrite *w, const struct fsc_source *src,
		    const struct fsc_frame *f);
/* What is written so far out to the file (a reader at a pipe's end). */
void capwrite_flush(struct capwrite *w);
/* Flushes and closes; false if anything failed to be written. */
bool capwrite_close(struct capwrite *w);

#endif
