/* flog.h - log lines of fnode and fedge: one line an event,
 *   2026-12-06T15:40:01.123Z EVENT key=value key="escaped value" ...
 * written with one write(2) to the log fd (stderr unless --log). Untrusted
 * text (SNI, Host, target, bodies) goes through fsc_escape_text, quoted
 * when it is not a bare token. */
#ifndef FSC_FLOG_H
#define FSC_FLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/jsonw.h"

struct fsc_line {
	char buf[4096];
	size_t n;
	struct fsc_outbuf ob;	/* JSON: the one writer, over buf */
	struct fsc_jsonw w;
};

/* Where lines go (default 2). */
void fsc_log_fd(int fd);
/* JSON lines instead, through the one JSON writer (fsc/jsonw.h) and its
 * rules: {"ts":1795591826.171992,"event":"...","key":"value","n":1}, the
 * same keys; numbers stay numbers, an endpoint KEY ("ADDR:PORT" as in the
 * text) has KEY_addr and KEY_port beside it, a value that is absent is left
 * out (--log-json). */
void fsc_log_json(bool on);
void fsc_line_begin(struct fsc_line *l, const char *event);
void fsc_line_str(struct fsc_line *l, const char *key, const void *p, size_t len);
void fsc_line_cstr(struct fsc_line *l, const char *key, const char *s);
void fsc_line_u64(struct fsc_line *l, const char *key, uint64_t v);
void fsc_line_ep(struct fsc_line *l, const char *key, const struct fsc_addr *a, uint16_t port);
void fsc_line_end(struct fsc_line *l);

#endif
