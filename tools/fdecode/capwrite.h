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
/* SIGHUP (log rotation): the file closed and created again by its name,
 * starting a new capture; standard output goes on. False, with a reason in
 * err, when the new file cannot be made: writing goes on to the old one. */
bool capwrite_reopen(struct capwrite *w, char *err, size_t errlen);
/* Flushes and closes; false if anything failed to be written. */
bool capwrite_close(struct capwrite *w);

#endif
