/* logopts.h - the access log options fdecode and fwatch share: the format
 * (--access-log-format), the JSON fields (--access-log-fields), redaction
 * (--redact, --redact-query) and --truncate-clients, all filling one
 * fsc_accesslog_opts (fsc/accesslog.h). One getopt_long fragment, one
 * --help fragment and one function that applies them, so both programs
 * write the same lines for the same words. Where the log goes
 * (--access-log) stays each program's own: fdecode takes "-", fwatch's
 * standard output is the screen.
 */
#ifndef FSC_LOGOPTS_H
#define FSC_LOGOPTS_H

#include <getopt.h>
#include <stdbool.h>

#include "fsc/accesslog.h"

/* Codes for the getopt_long tables, after decopts.h's 0x1100 block. */
enum fsc_logopt {
	FSC_LOPT_FORMAT = 0x1180,
	FSC_LOPT_FIELDS,
	FSC_LOPT_REDACT,
	FSC_LOPT_REDACT_QUERY,
	FSC_LOPT_TRUNCATE_CLIENTS,
};
#define FSC_LOGOPTS_LONGOPTS \
	{ "access-log-format", required_argument, NULL, FSC_LOPT_FORMAT }, \
	{ "access-log-fields", required_argument, NULL, FSC_LOPT_FIELDS }, \
	{ "redact", required_argument, NULL, FSC_LOPT_REDACT }, \
	{ "redact-query", required_argument, NULL, FSC_LOPT_REDACT_QUERY }, \
	{ "truncate-clients", no_argument, NULL, FSC_LOPT_TRUNCATE_CLIENTS }

/* Their --help lines (each program puts them after its --access-log). */
#define FSC_LOGOPTS_HELP \
"      --access-log-format combined|json\n" \
"                     NCSA combined (default; GoAccess --log-format=COMBINED)\n" \
"                     or JSON lines with the record's fields\n" \
"      --access-log-fields LIST\n" \
"                     JSON: only these comma-separated groups: ts state flow\n" \
"                     request src dst client claimed xff method uri version\n" \
"                     host user_agent referer status latency body funnel tls\n" \
"                     ingress headers cut seen\n" \
"      --redact NAME  write this header's value as REDACTED (repeatable; in\n" \
"                     records, logs, HAR, curl; left out of --replay)\n" \
"      --redact-query NAME\n" \
"                     write this query parameter's value as REDACTED\n" \
"      --truncate-clients\n" \
"                     client addresses cut to their /24 (IPv4) or /48 (IPv6)\n"

/* Applies option c (a code above) with its argument to o: 1 applied, 0 not
 * one of these (nothing touched), -1 a bad value (said on stderr as
 * "prog: --opt: 'arg': why"). The strings are kept, not copied. */
int fsc_logopt_apply(const char *prog, int c, const char *arg, struct fsc_accesslog_opts *o);

/* Whether s is a header name as RFC 9110 spells a token (so it can be a
 * JSON key as is), at most FSC_REQ_FIELD_NAME_MAX bytes. */
bool fsc_logopt_header_name(const char *s);

#endif
