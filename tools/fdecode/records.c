/* records.c - fdecode's request records: the builder fed from the events,
 * and each record handed to what asked for it (JSON or text lines among the
 * events, an access log, HAR, curl, replay). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "fdecode.h"
#include "fsc/span.h"
#include "logfile.h"
#include "records.h"

#define HEAD_CAP 16384	/* header lines kept per head for HAR, curl, replay */

struct records {
	const struct rec_opts *o;
	struct printer *pr;
	struct fsc_requests *rq;
	struct fsc_logfile log;	/* --access-log (path NULL without one) */
	struct har *har;
	struct fsc_request *kept;	/* --curl / --replay: the one asked for */
	char *kept_heads;
	bool have_kept;
	char line[FSC_ACCESSLOG_LINE_MAX];
};

/* ---- options ---- */

static bool add_field(struct rec_opts *o, const char *arg)
{
	bool response = strncmp(arg, "response:", 9) == 0;
	const char *name = response ? arg + 9 : arg;

	if (strncmp(arg, "request:", 8) == 0)
		name = arg + 8;
	if (!fsc_logopt_header_name(name)) {
		fsc_cli_bad("fdecode", 0, "--record-field", arg,
			    "not a header name (optionally after request: or response:)");
		return false;
	}
	if (o->n_fields == FSC_REQ_FIELDS_MAX) {
		fprintf(stderr, "fdecode: at most %d --record-field\n", FSC_REQ_FIELDS_MAX);
		return false;
	}
	o->fields[o->n_fields++] = (struct fsc_req_field_spec){ name, response };
	return true;
}

bool records_option(int c, const char *arg, struct rec_opts *o)
{
	int applied = fsc_logopt_apply("fdecode", c, arg, &o->log);

	if (applied)
		return applied > 0;
	switch (c) {
	case OPT_RECORDS:
		o->records = true;
		return true;
	case OPT_RECORD_FIELD:
		return add_field(o, arg);
	case OPT_ACCESS_LOG:
		o->access_log = arg;
		return true;
	case OPT_HAR:
		o->har = arg;
		return true;
	case OPT_CURL:
	case OPT_REPLAY:
		/* a request's "seq" in --records */
		return fsc_cli_u64("fdecode", c == OPT_CURL ? "--curl" : "--replay", arg, 1,
				   UINT64_MAX, c == OPT_CURL ? &o->curl : &o->replay);
	case OPT_REPLAY_TO:
		o->replay_to = arg;
		return true;
	default:
		return false;
	}
}

bool records_check(const struct rec_opts *o)
{
	if (o->curl && o->replay) {
		fputs("fdecode: --curl and --replay together; give one\n", stderr);
		return false;
	}
	if (o->replay_to && !o->replay) {
		fputs("fdecode: --to needs --replay\n", stderr);
		return false;
	}
	if (o->replay_to && !replay_target_ok(o->replay_to, NULL))
		return false;
	return true;
}

bool records_wanted(const struct rec_opts *o)
{
	return o->records || o->access_log || o->har || o->curl || o->replay;
}

static bool is_stdout(const char *f)
{
	return f && strcmp(f, "-") == 0;
}

bool records_own_stdout(const struct rec_opts *o)
{
	return is_stdout(o->access_log) || is_stdout(o->har) || o->curl || o->replay;
}

/* ---- records as lines among the events ---- */

static void text_record(struct printer *pr, const struct fsc_request *r)
{
	struct fsc_outbuf *ob = pr->ob;
	struct fsc_addr c = fsc_accesslog_client(r, &pr->opt->rec.log);

	print_time(pr, r->req.ts_ns);
	fsc_outbuf_lit(ob, "request ");
	fsc_outbuf_u64(ob, r->seq);
	fsc_outbuf_char(ob, ' ');
	fsc_outbuf_str(ob, fsc_req_state_name(r->state));
	fsc_outbuf_char(ob, ' ');
	fsc_outbuf_addr(ob, &c);
	fsc_outbuf_lit(ob, " (");
	fsc_outbuf_str(ob, fsc_client_rule_name(r->client.rule));
	fsc_outbuf_lit(ob, ") ");
	fsc_outbuf_text_escaped(ob, r->method, r->method_len, FSC_ESCAPE_TEXT_CAP(FSC_REQ_METHOD_MAX));
	fsc_outbuf_char(ob, ' ');
	if (r->host_len) {
		fsc_outbuf_text_escaped(ob, r->host, r->host_len, FSC_ESCAPE_TEXT_CAP(FSC_REQ_HOST_MAX));
		fsc_outbuf_char(ob, ' ');
	}
	char t[FSC_REQ_TARGET_MAX * 2];
	size_t n = fsc_accesslog_redact_target(r->target, r->target_len, &pr->opt->rec.log, t,
					       sizeof(t));
	fsc_outbuf_text_escaped(ob, t, n < sizeof(t) ? n : 0, FSC_ESCAPE_TEXT_CAP(sizeof(t)));
	if (r->status) {
		fsc_outbuf_lit(ob, " -> ");
		fsc_outbuf_i64(ob, r->status);
	}
	if (r->first_ns >= 0) {
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_ms(ob, r->first_ns);
		fsc_outbuf_lit(ob, "ms");
		if (r->last_ns >= 0) {
			fsc_outbuf_char(ob, '/');
			fsc_outbuf_ms(ob, r->last_ns);
			fsc_outbuf_lit(ob, "ms");
		}
	}
	if (r->status && r->resp_body_known) {
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_u64(ob, r->resp_body_len);
		fsc_outbuf_lit(ob, " bytes");
	}
	fsc_outbuf_end_line(ob);
}

static void print_record(struct records *rs, const struct fsc_request *r)
{
	struct printer *pr = rs->pr;

	if (!pr->opt->json) {
		text_record(pr, r);
		return;
	}
	struct fsc_accesslog_opts jo = pr->opt->rec.log;
	jo.format = FSC_ACCESSLOG_JSON;
	jo.keys = 0;
	jo.type_key = true;
	size_t n = fsc_accesslog_format(r, &jo, rs->line, sizeof(rs->line));
	if (n) {
		fsc_outbuf_mem(pr->ob, rs->line, n - 1); /* without its '\n' */
		fsc_outbuf_end_line(pr->ob);
	}
}

/* ---- the record, handed over ---- */

static void keep(struct records *rs, const struct fsc_request *r)
{
	*rs->kept = *r;
	char *h = rs->kept_heads;
	memcpy(h, r->req_headers, r->req_headers_len);
	memcpy(h + HEAD_CAP, r->resp_headers, r->resp_headers_len);
	rs->kept->req_headers = h;
	rs->kept->resp_headers = h + HEAD_CAP;
	rs->have_kept = true;
}

static void on_record(const struct fsc_request *r, void *ctx)
{
	struct records *rs = ctx;
	const struct rec_opts *o = rs->o;

	if (o->records && !rs->pr->opt->summary && !records_own_stdout(o))
		print_record(rs, r);
	if (rs->log.path) {
		size_t n = fsc_accesslog_format(r, &o->log, rs->line, sizeof(rs->line));
		if (n)
			fsc_logfile_write(&rs->log, rs->line, n);
	}
	if (rs->har)
		har_entry(rs->har, r, &o->log);
	if ((o->curl && r->seq == o->curl) || (o->replay && r->seq == o->replay))
		keep(rs, r);
}

void records_event(struct records *rs, const struct fsc_event *ev)
{
	if (rs)
		fsc_requests_event(rs->rq, ev, on_record, rs);
}

/* ---- setup ---- */

struct records *records_new(const struct rec_opts *o, struct printer *pr, int *status)
{
	if (!records_wanted(o))
		return NULL;
	struct records *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		fputs("fdecode: out of memory\n", stderr);
		*status = EXIT_INPUT;
		return NULL;
	}
	rs->o = o;
	rs->pr = pr;
	bool heads = o->har || o->curl || o->replay;
	struct fsc_request_limits lim = { .fields = o->fields, .n_fields = o->n_fields,
					  .head_cap = heads ? HEAD_CAP : 0 };
	rs->rq = fsc_requests_new(&lim);
	if (o->curl || o->replay) {
		rs->kept = malloc(sizeof(*rs->kept));
		rs->kept_heads = malloc(2 * HEAD_CAP);
	}
	if (!rs->rq || ((o->curl || o->replay) && (!rs->kept || !rs->kept_heads))) {
		fputs("fdecode: out of memory\n", stderr);
		*status = EXIT_INPUT;
		records_free(rs);
		return NULL;
	}
	char err[256];
	if (o->access_log && !fsc_logfile_open(&rs->log, o->access_log, false,
					       pr->opt->line_buffered, err, sizeof(err))) {
		fprintf(stderr, "fdecode: --access-log: '%s': %s\n", o->access_log, err);
		*status = EXIT_INPUT;
		records_free(rs);
		return NULL;
	}
	if (o->har && !(rs->har = har_open(o->har, status))) {
		records_free(rs);
		return NULL;
	}
	return rs;
}

bool records_finish(struct records *rs)
{
	bool ok = true;

	if (!rs)
		return true;
	fsc_requests_flush(rs->rq, on_record, rs);
	if (!fsc_logfile_close(&rs->log)) {
		fprintf(stderr, "fdecode: --access-log: '%s': write failed\n", rs->o->access_log);
		ok = false;
	}
	if (rs->har && !har_close(rs->har, rs->o->har))
		ok = false;
	rs->har = NULL;
	uint64_t want = rs->o->curl ? rs->o->curl : rs->o->replay;
	if (want && !rs->have_kept) {
		uint64_t seen = 0;
		for (int i = 0; i < FSC_REQ_STATE_COUNT; i++)
			seen += fsc_requests_stats(rs->rq)->records[i];
		fprintf(stderr, "fdecode: %s %" PRIu64 ": no such request (%" PRIu64 " seen)\n",
			rs->o->curl ? "--curl" : "--replay", want, seen);
		ok = false;
	} else if (rs->o->curl) {
		fsc_curl_print(stdout, rs->kept, &rs->o->log, "fdecode");
	} else if (rs->o->replay) {
		ok &= replay_run(stdout, rs->kept, &rs->o->log, rs->o->replay_to);
	}
	return ok;
}

bool records_log_is_file(const struct rec_opts *o)
{
	return fsc_logfile_is_file(o->access_log);
}

bool records_reopen(struct records *rs)
{
	char err[256];

	if (!rs || !rs->log.path || fsc_logfile_reopen(&rs->log, err, sizeof(err)))
		return true;
	fprintf(stderr, "fdecode: --access-log: '%s': %s\n", rs->o->access_log, err);
	return false;
}

void records_free(struct records *rs)
{
	if (!rs)
		return;
	fsc_logfile_close(&rs->log);
	if (rs->har)
		har_close(rs->har, rs->o->har);
	fsc_requests_free(rs->rq);
	free(rs->kept);
	free(rs->kept_heads);
	free(rs);
}
