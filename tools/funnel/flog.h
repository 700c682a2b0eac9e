/* flog.h - log lines of fnode and fedge: one line an event,
 *   2026-12-06T15:40:01.123Z EVENT key=value key="escaped value" ...
 * The line's own time has millisecond resolution (when it was written);
 * the moments a request's stages happened ride along as t_STAGE keys in
 * Unix seconds with six decimals (fsc_line_time), taken where the program
 * did the stage's system call, so they can be held against a capture.
 * written with one write(2) to the log fd (stderr), or to the --log file
 * (flushed a line at a time: one write(2) too). Untrusted
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
/* --log FILE: lines appended to FILE ("-": standard output) instead, a log
 * file (tools/common/logfile.h) that fsc_log_reopen opens again by its name
 * (log rotation, on SIGHUP). False with strerror in err. */
bool fsc_log_open(const char *path, char *err, size_t cap);
/* True without --log; else as fsc_logfile_reopen (err says why not). */
bool fsc_log_reopen(char *err, size_t cap);
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
/* KEY=1795591826.171992 (a JSON number the same); nothing when ns is 0
 * (the moment did not happen). */
void fsc_line_time(struct fsc_line *l, const char *key, int64_t ns);
/* CLOCK_REALTIME in ns: the clock of the lines and of a capture. */
int64_t fsc_wall_ns(void);
void fsc_line_end(struct fsc_line *l);

#endif
