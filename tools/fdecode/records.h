/* records.h - fdecode's request records (fsc/request.h): JSON lines of type
 * request (--records), access logs (--access-log), HAR (--har), one request
 * as a curl command (--curl) or sent again (--replay). */
#ifndef FDECODE_RECORDS_H
#define FDECODE_RECORDS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "fsc/accesslog.h"
#include "fsc/request.h"
#include "logopts.h"

struct rec_opts {
	bool records;			/* --records */
	const char *access_log;		/* --access-log FILE, "-" stdout */
	struct fsc_accesslog_opts log;	/* format, keys, redaction */
	struct fsc_req_field_spec fields[FSC_REQ_FIELDS_MAX]; /* --record-field */
	size_t n_fields;
	const char *har;		/* --har FILE */
	uint64_t curl;			/* --curl N: the N-th request; 0 none */
	uint64_t replay;		/* --replay N */
	const char *replay_to;		/* --to HOST:PORT */
};

/* The options, for main.c's table and switch. */
enum {
	OPT_REC_FIRST = 512,
	OPT_RECORDS = OPT_REC_FIRST,
	OPT_RECORD_FIELD,
	OPT_ACCESS_LOG,
	OPT_HAR,
	OPT_CURL,
	OPT_REPLAY,
	OPT_REPLAY_TO,
	OPT_REC_LAST
};

#define RECORDS_LONGOPTS                                                          \
	{ "records", no_argument, NULL, OPT_RECORDS },                            \
	{ "record-field", required_argument, NULL, OPT_RECORD_FIELD },            \
	{ "access-log", required_argument, NULL, OPT_ACCESS_LOG },                \
	FSC_LOGOPTS_LONGOPTS,                                                     \
	{ "har", required_argument, NULL, OPT_HAR },                              \
	{ "curl", required_argument, NULL, OPT_CURL },                            \
	{ "replay", required_argument, NULL, OPT_REPLAY },                        \
	{ "to", required_argument, NULL, OPT_REPLAY_TO }

/* The --help section (main.c puts it after "Output"). */
#define RECORDS_HELP \
"Request records (one per HTTP transaction: request, answer, client, times;\n" \
"see fdecode(1), REQUEST RECORDS)\n" \
"      --records      also a line a transaction when it completes or is given\n" \
"                     up: JSON objects of type request with --json, else text\n" \
"      --record-field [request:|response:]NAME\n" \
"                     keep this header field of the request (or response) in\n" \
"                     each record (repeatable, at most 8)\n" \
"      --access-log FILE\n" \
"                     write an access log (- standard output, instead of the\n" \
"                     events) with the real client by the client rule as host;\n" \
"                     SIGHUP opens FILE again, appending (log rotation)\n" \
FSC_LOGOPTS_HELP \
"      --har FILE     write the records as HAR 1.2 (- standard output)\n" \
"      --curl N       print request N (\"seq\" in --records) as a curl command\n" \
"      --replay N     send request N again and show the captured answer and\n" \
"                     the new one side by side; to 127.0.0.1 and the\n" \
"                     capture's server port unless --to names another\n" \
"      --to ADDR:PORT where --replay sends (a numeric address: never a name,\n" \
"                     never the capture's client by default)\n" \
"\n"

/* One option; false after saying why on stderr ("fdecode: ..."). */
bool records_option(int c, const char *arg, struct rec_opts *o);
/* After all options: false after saying why. */
bool records_check(const struct rec_opts *o);
/* Whether anything needs the records (then the pipeline must emit what
 * the builder reads: fsc_requests_pipeline_limits). */
bool records_wanted(const struct rec_opts *o);
/* Whether the events' own output gives way: an access log, HAR, curl or
 * replay on standard output, or --curl / --replay at all. */
bool records_own_stdout(const struct rec_opts *o);

struct printer;
struct records;

/* NULL with a message on stderr when a file cannot be opened or memory
 * is short; *status the exit status then. */
struct records *records_new(const struct rec_opts *o, struct printer *pr, int *status);
void records_event(struct records *rs, const struct fsc_event *ev);
/* End of input: the records still open, the HAR file, curl and replay.
 * Returns false when writing failed or the request asked for is missing. */
bool records_finish(struct records *rs);
/* Log rotation (SIGHUP): the access log, when it is a file, is closed and
 * opened again by its name, appending (after mv, a new file; without one,
 * nothing lost). False, said on stderr, when it cannot be. */
bool records_reopen(struct records *rs);
/* An access log file that records_reopen would reopen. */
bool records_log_is_file(const struct rec_opts *o);
void records_free(struct records *rs);

#endif
