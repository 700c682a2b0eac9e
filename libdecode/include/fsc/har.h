/* har.h - request records (request.h) for other tools: HAR 1.2 entries and
 * one request as a curl command, with the access log's redaction
 * (accesslog.h). fdecode (--har, --curl) and fwatch (the Detail view's
 * export keys) write them with this one code, so both give the same bytes
 * for the same request. Records need their heads kept (head_cap). */
#ifndef FSC_HAR_H
#define FSC_HAR_H

#include <stdbool.h>
#include <stdio.h>

#include "fsc/accesslog.h"
#include "fsc/request.h"

struct fsc_har;

/* Starts a HAR log on f (the creator named); NULL when out of memory or
 * no temporary file can be made (entries are spooled to one, tmpfile(3),
 * to be written in the order the requests started). */
struct fsc_har *fsc_har_start(FILE *f, const char *creator, const char *version);
/* One entry (redaction as the access log's: o); the log lists it by its
 * request's start (startedDateTime), ties by seq, whatever order the
 * entries come in. */
void fsc_har_entry(struct fsc_har *h, const struct fsc_request *r,
		   const struct fsc_accesslog_opts *o);
/* Writes the entries by start, ends the log and flushes f (which stays
 * open); false when writing failed. Frees h. */
bool fsc_har_end(struct fsc_har *h);

/* r as a curl command line: method, URL, the request's headers as seen
 * (redacted ones as REDACTED), shell-quoted; prog names who did not keep
 * a body it had. */
void fsc_curl_print(FILE *out, const struct fsc_request *r, const struct fsc_accesslog_opts *o,
		    const char *prog);

#endif
