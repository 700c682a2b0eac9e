/* accesslog.c - fwatch's request records (fsc/request.h), built beside
 * the model from the same events: for --access-log each is written as one
 * line of fdecode's access log format (fsc/accesslog.h) and flushed at
 * once, so a log reader tailing the file sees a request when it ends
 * (logfile.h; fw_log_reopen on SIGHUP, for logrotate); on
 * the screen the newest FW_RECORDS_KEEP are kept with their heads for the
 * Detail view's HAR and curl export (fsc/har.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwatch.h"
#include "logfile.h"

/* Header bytes kept per head of an exported request: fdecode's --har and
 * --curl keep as many, so both write the same entry. */
#define HEAD_CAP 16384

struct kept {
	struct fsc_request rec;
	char heads[2 * HEAD_CAP];
};

struct fw_log {
	struct fsc_requests *rq;
	struct fsc_accesslog_opts opts;
	struct fsc_logfile file;	/* --access-log (path NULL without one) */
	struct kept *keep;	/* a ring of n_keep, newest at (next - 1) */
	size_t n_keep, next, filled;
	char line[FSC_ACCESSLOG_LINE_MAX];
};

struct fw_log *fw_log_open(const struct options *o, size_t n_keep, char *err, size_t cap)
{
	struct fw_log *l = calloc(1, sizeof(*l));
	struct fsc_request_limits lim = { .head_cap = n_keep ? HEAD_CAP : 0 };

	if (!l || !(l->rq = fsc_requests_new(&lim)) ||
	    (n_keep && !(l->keep = calloc(n_keep, sizeof(*l->keep))))) {
		snprintf(err, cap, "out of memory");
		if (l)
			fsc_requests_free(l->rq);
		free(l);
		return NULL;
	}
	l->n_keep = n_keep;
	l->opts = o->access;
	if (n_keep && o->access_log && !fsc_logfile_is_file(o->access_log)) {
		snprintf(err, cap, "--access-log: '-': standard output is the screen here "
			 "(give a file, or --headless)");
		fw_log_close(l);
		return NULL;
	}
	char why[256];
	if (o->access_log && !fsc_logfile_open(&l->file, o->access_log, true, true, why, sizeof(why))) {
		snprintf(err, cap, "--access-log: '%s': %s", o->access_log, why);
		fsc_requests_free(l->rq);
		free(l->keep);
		free(l);
		return NULL;
	}
	return l;
}

static void keep(struct fw_log *l, const struct fsc_request *r)
{
	struct kept *k = &l->keep[l->next];

	k->rec = *r;
	memcpy(k->heads, r->req_headers, r->req_headers_len);
	memcpy(k->heads + HEAD_CAP, r->resp_headers, r->resp_headers_len);
	k->rec.req_headers = k->heads;
	k->rec.resp_headers = k->heads + HEAD_CAP;
	l->next = (l->next + 1) % l->n_keep;
	if (l->filled < l->n_keep)
		l->filled++;
}

static void on_record(const struct fsc_request *r, void *ctx)
{
	struct fw_log *l = ctx;

	if (l->file.path) {
		size_t n = fsc_accesslog_format(r, &l->opts, l->line, sizeof(l->line));
		if (n)
			fsc_logfile_write(&l->file, l->line, n);
	}
	if (l->n_keep)
		keep(l, r);
}

void fw_log_event(struct fw_log *l, const struct fsc_event *ev)
{
	if (l)
		fsc_requests_event(l->rq, ev, on_record, l);
}

const struct fsc_request *fw_log_find(const struct fw_log *l, uint64_t flow_id, unsigned index)
{
	for (size_t i = 0; l && i < l->filled; i++) {
		const struct kept *k = &l->keep[(l->next + l->n_keep - 1 - i) % l->n_keep];
		if (k->rec.flow_id == flow_id && k->rec.index == index)
			return &k->rec;
	}
	return NULL;
}

const struct fsc_accesslog_opts *fw_log_opts(const struct fw_log *l)
{
	return &l->opts;
}

bool fw_log_reopen(struct fw_log *l, char *err, size_t cap)
{
	return !l || !l->file.path || fsc_logfile_reopen(&l->file, err, cap);
}

bool fw_log_close(struct fw_log *l)
{
	if (!l)
		return true;
	fsc_requests_flush(l->rq, on_record, l);
	bool ok = fsc_logfile_close(&l->file);
	fsc_requests_free(l->rq);
	free(l->keep);
	free(l);
	return ok;
}
