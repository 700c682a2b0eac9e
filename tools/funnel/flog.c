/* flog.c - log lines. */
#include "flog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fsc/escape.h"

static int log_fd = 2;
static bool log_json;

void fsc_log_fd(int fd)
{
	log_fd = fd;
}

void fsc_log_json(bool on)
{
	log_json = on;
}

static void add(struct fsc_line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 2 - l->n;	/* keep room for "}" and "\n" */

	if (n > room)
		n = room;
	memcpy(l->buf + l->n, s, n);
	l->n += n;
}

void fsc_line_begin(struct fsc_line *l, const char *event)
{
	struct timeval tv;
	struct tm tm;
	char ts[40];
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ ", (int)(tv.tv_usec / 1000));
	l->n = 0;
	if (log_json) {
		ts[strlen(ts) - 1] = '\0';
		add(l, "{\"ts\":\"", 7);
		add(l, ts, strlen(ts));
		add(l, "\",\"event\":\"", 11);
		add(l, event, strlen(event));
		add(l, "\"", 1);
		return;
	}
	add(l, ts, strlen(ts));
	add(l, event, strlen(event));
}

/* ,"key": */
static void json_key(struct fsc_line *l, const char *key)
{
	add(l, ",\"", 2);
	add(l, key, strlen(key));
	add(l, "\":", 2);
}

void fsc_line_str(struct fsc_line *l, const char *key, const void *p, size_t len)
{
	char esc[1024];
	size_t n;

	if (log_json) {
		if (len > 160)
			len = 160;	/* 6 bytes each at most, escaped */
		n = fsc_escape_json(p, len, esc, sizeof(esc));
		json_key(l, key);
		add(l, "\"", 1);
		add(l, esc, n);
		add(l, "\"", 1);
		return;
	}
	add(l, " ", 1);
	add(l, key, strlen(key));
	add(l, "=", 1);
	if (fsc_escape_text_bare(p, len)) {
		if (len > 512)
			len = 512;
		add(l, p, len);
		return;
	}
	n = fsc_escape_text(p, len, esc, sizeof(esc));
	add(l, "\"", 1);
	add(l, esc, n);
	add(l, "\"", 1);
}

void fsc_line_cstr(struct fsc_line *l, const char *key, const char *s)
{
	fsc_line_str(l, key, s ? s : "-", s ? strlen(s) : 1);
}

void fsc_line_u64(struct fsc_line *l, const char *key, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	if (log_json) {
		json_key(l, key);
		add(l, b, strlen(b));
		return;
	}
	fsc_line_str(l, key, b, strlen(b));
}

void fsc_line_ep(struct fsc_line *l, const char *key, const struct fsc_addr *a, uint16_t port)
{
	char b[FSC_ENDPOINT_STRLEN];

	fsc_endpoint_str(a, port, b);
	fsc_line_str(l, key, b, strlen(b));
}

void fsc_line_end(struct fsc_line *l)
{
	ssize_t r;

	if (log_json)
		l->buf[l->n++] = '}';	/* add() kept 2 bytes for this and the \n */
	l->buf[l->n++] = '\n';
	r = write(log_fd, l->buf, l->n);
	(void)r;
}
