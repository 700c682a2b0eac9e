/* flog.c - log lines: text, or JSON through the one writer. */
#include "flog.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fsc/escape.h"
#include "logfile.h"

static int log_fd = 2;
static struct fsc_logfile log_file; /* path NULL: lines go to log_fd */
static bool log_json;

void fsc_log_fd(int fd)
{
	log_fd = fd;
}

bool fsc_log_open(const char *path, char *err, size_t cap)
{
	return fsc_logfile_open(&log_file, path, true, true, err, cap);
}

bool fsc_log_reopen(char *err, size_t cap)
{
	return !log_file.path || fsc_logfile_reopen(&log_file, err, cap);
}

void fsc_log_json(bool on)
{
	log_json = on;
}

static void add(struct fsc_line *l, const char *s, size_t n)
{
	size_t room = sizeof(l->buf) - 1 - l->n;	/* keep room for the "\n" */

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
	l->n = 0;
	if (log_json) {
		/* The array keeps two bytes for the '}' and the '\n'. A line's
		 * values are cut at 160 bytes, so a few fields never fill it. */
		fsc_outbuf_init_fixed(&l->ob, l->buf, sizeof(l->buf) - 2, NULL);
		fsc_jsonw_init(&l->w, &l->ob);
		fsc_jsonw_object_begin(&l->w);
		fsc_jsonw_time(&l->w, "ts", (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000);
		fsc_jsonw_token(&l->w, "event", event);
		return;
	}
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03dZ ", (int)(tv.tv_usec / 1000));
	add(l, ts, strlen(ts));
	add(l, event, strlen(event));
}

void fsc_line_str(struct fsc_line *l, const char *key, const void *p, size_t len)
{
	char esc[1024];
	size_t n;

	if (log_json) {
		fsc_jsonw_str_cap(&l->w, key, p, len < 160 ? len : 160, FSC_ESCAPE_JSON_CAP(160));
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
	if (log_json && !s)
		return; /* absent */
	fsc_line_str(l, key, s ? s : "-", s ? strlen(s) : 1);
}

void fsc_line_u64(struct fsc_line *l, const char *key, uint64_t v)
{
	char b[32];

	if (log_json) {
		fsc_jsonw_u64(&l->w, key, v);
		return;
	}
	snprintf(b, sizeof(b), "%" PRIu64, v);
	fsc_line_str(l, key, b, strlen(b));
}

/* Text: key=ADDR:PORT; JSON the same "key":"ADDR:PORT" (as before the
 * endpoint rule), then the rule's "key_addr":"ADDR","key_port":PORT. */
void fsc_line_ep(struct fsc_line *l, const char *key, const struct fsc_addr *a, uint16_t port)
{
	char b[FSC_ENDPOINT_STRLEN];

	if (log_json) {
		char addr_key[64], port_key[64];
		snprintf(addr_key, sizeof(addr_key), "%s_addr", key);
		snprintf(port_key, sizeof(port_key), "%s_port", key);
		fsc_jsonw_endpoint_text(&l->w, key, a, port);
		fsc_jsonw_endpoint(&l->w, addr_key, port_key, a, port);
		return;
	}
	fsc_endpoint_str(a, port, b);
	fsc_line_str(l, key, b, strlen(b));
}

void fsc_line_time(struct fsc_line *l, const char *key, int64_t ns)
{
	char b[32];

	if (ns <= 0)
		return;
	if (log_json) {
		fsc_jsonw_time(&l->w, key, ns);
		return;
	}
	snprintf(b, sizeof(b), "%" PRId64 ".%06" PRId64, ns / 1000000000, ns % 1000000000 / 1000);
	fsc_line_str(l, key, b, strlen(b));
}

int64_t fsc_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void fsc_line_end(struct fsc_line *l)
{
	ssize_t r;

	if (log_json) {
		l->n = l->ob.len;
		l->buf[l->n++] = '}';
	}
	l->buf[l->n++] = '\n';
	if (log_file.path) {
		fsc_logfile_write(&log_file, l->buf, l->n);
		return;
	}
	r = write(log_fd, l->buf, l->n);
	(void)r;
}
