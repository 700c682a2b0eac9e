/* accesslog.c - fwatch --access-log: the request records (fsc/request.h)
 * built beside the model from the same events, each written as one line
 * of fdecode's access log format (fsc/accesslog.h) and flushed at once, so
 * a log reader tailing the file sees a request when it ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwatch.h"

struct fw_log {
	struct fsc_requests *rq;
	struct fsc_accesslog_opts opts;
	FILE *f;
	bool failed;
	char line[FSC_ACCESSLOG_LINE_MAX];
};

struct fw_log *fw_log_open(const struct options *o, char *err, size_t cap)
{
	struct fw_log *l = calloc(1, sizeof(*l));

	if (!l || !(l->rq = fsc_requests_new(NULL))) {
		snprintf(err, cap, "out of memory");
		free(l);
		return NULL;
	}
	l->opts = o->access;
	if (!(l->f = fopen(o->access_log, "a"))) {
		snprintf(err, cap, "--access-log: '%s': %s", o->access_log, strerror(errno));
		fsc_requests_free(l->rq);
		free(l);
		return NULL;
	}
	return l;
}

static void on_record(const struct fsc_request *r, void *ctx)
{
	struct fw_log *l = ctx;
	size_t n = fsc_accesslog_format(r, &l->opts, l->line, sizeof(l->line));

	if (n && (fwrite(l->line, 1, n, l->f) != n || fflush(l->f) != 0))
		l->failed = true;
}

void fw_log_event(struct fw_log *l, const struct fsc_event *ev)
{
	if (l)
		fsc_requests_event(l->rq, ev, on_record, l);
}

bool fw_log_close(struct fw_log *l)
{
	if (!l)
		return true;
	fsc_requests_flush(l->rq, on_record, l);
	bool ok = !l->failed && fclose(l->f) == 0;
	fsc_requests_free(l->rq);
	free(l);
	return ok;
}
