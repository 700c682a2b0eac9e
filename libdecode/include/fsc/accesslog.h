/* accesslog.h - request records (request.h) as access log lines: the NCSA
 * combined format that web log tools read (GoAccess, AWStats, any
 * `--log-format=COMBINED`) with the real client as the host, and JSON lines
 * with the record's fields; with redaction. A formatter into the caller's
 * buffer: programs (fdecode, fwatch) write the lines where they like. */
#ifndef FSC_ACCESSLOG_H
#define FSC_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/request.h"

enum fsc_accesslog_format {
	FSC_ACCESSLOG_COMBINED = 0,
	FSC_ACCESSLOG_JSON,
};

/* The JSON keys, each a bit of fsc_accesslog_opts.keys (names in
 * fsc_accesslog_key_name, documented in fdecode(1)). */
enum fsc_accesslog_key {
	FSC_AK_TS, FSC_AK_STATE, FSC_AK_FLOW, FSC_AK_REQUEST, FSC_AK_SRC, FSC_AK_DST,
	FSC_AK_CLIENT, FSC_AK_CLAIMED, FSC_AK_XFF, FSC_AK_METHOD, FSC_AK_URI,
	FSC_AK_VERSION, FSC_AK_HOST, FSC_AK_USER_AGENT, FSC_AK_REFERER, FSC_AK_STATUS,
	FSC_AK_LATENCY, FSC_AK_BODY, FSC_AK_FUNNEL, FSC_AK_TLS, FSC_AK_INGRESS,
	FSC_AK_HEADERS, FSC_AK_CUT, FSC_AK_SEEN,
	FSC_AK_COUNT
};
#define FSC_AK_ALL ((1u << FSC_AK_COUNT) - 1)

#define FSC_ACCESSLOG_REDACT_MAX 16
#define FSC_ACCESSLOG_REDACTED "REDACTED"
/* Combined: the status of a request no answer was seen for (nginx's
 * "client closed request"; log readers drop a line without a number). */
#define FSC_ACCESSLOG_NO_ANSWER 499

struct fsc_accesslog_opts {
	enum fsc_accesslog_format format;
	unsigned keys;		/* JSON: FSC_AK_* bits; 0: all */
	bool type_key;		/* JSON: lead with "type":"request" */
	/* Header fields whose values are written as REDACTED (the record's
	 * selected fields and kept heads; ASCII case-insensitive). */
	const char *redact_headers[FSC_ACCESSLOG_REDACT_MAX];
	size_t n_redact_headers;
	/* Query parameters whose values are written as REDACTED in the
	 * target (exact names, as sent). */
	const char *redact_query[FSC_ACCESSLOG_REDACT_MAX];
	size_t n_redact_query;
	bool truncate_clients;	/* client and claimed addresses to their /24
				 * (IPv4) or /48 (IPv6) */
};

/* A line never needs more (every text field escaped at its worst, the
 * kept fields included, not the kept heads). */
#define FSC_ACCESSLOG_LINE_MAX 65536

/*
 * Formats rec as one line (with its '\n') into buf, NUL-terminated; returns
 * its length, or 0 when cap is too small (cap FSC_ACCESSLOG_LINE_MAX is
 * always enough). Combined:
 *   CLIENT - - [06/Dec/2026:18:34:51 +0000] "GET /p HTTP/1.1" 200 5 "REF" "UA"
 * with the client by the client rule (else the TCP peer), the request's
 * time in UTC, FSC_ACCESSLOG_NO_ANSWER for a status no answer gave, "-"
 * for a size not known, and every text escaped as fsc_escape_text does
 * (\" \\ \xNN).
 */
size_t fsc_accesslog_format(const struct fsc_request *rec, const struct fsc_accesslog_opts *o,
			    char *buf, size_t cap);

/* Applies the query redaction to a target: writes it into out (cap bytes
 * with the NUL); returns the length, or cap when cut. */
size_t fsc_accesslog_redact_target(const char *t, size_t len,
				   const struct fsc_accesslog_opts *o, char *out, size_t cap);
/* Whether a header's value is to be redacted. */
bool fsc_accesslog_redacts(const struct fsc_accesslog_opts *o, const char *name, size_t len);
/* The client address as logged (truncated on request). */
struct fsc_addr fsc_accesslog_client(const struct fsc_request *rec,
				     const struct fsc_accesslog_opts *o);

/* "ts", "state", ... or NULL; and back (FSC_AK_COUNT when unknown). */
const char *fsc_accesslog_key_name(enum fsc_accesslog_key k);
enum fsc_accesslog_key fsc_accesslog_key_parse(const char *name, size_t len);

#endif
