/* wsel.h - which frames -w writes from inputs that can be read twice: those
 * of shown events, and every frame of a TCP connection that showed one. */
#ifndef FDECODE_WSEL_H
#define FDECODE_WSEL_H

#include <stdbool.h>

#include "fsc/pipeline.h"

struct wsel;

struct wsel *wsel_new(unsigned n_files);
void wsel_free(struct wsel *w);
/* A shown event: remembers its frame and, from a stream, its connection.
 * False when out of memory. */
bool wsel_event(struct wsel *w, const struct fsc_event *ev);
/* On the second reading, in the same order: whether f is to be written. */
bool wsel_wanted(struct wsel *w, const struct fsc_frame *f);
/* More connections than it could remember: some were written partly. */
bool wsel_full(const struct wsel *w);

#endif
