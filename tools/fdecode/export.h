/* export.h - request records for other tools: HAR 1.2 (--har, the file
 * around fsc/har.h), one request sent again (--replay); --curl is
 * fsc/har.h's fsc_curl_print. */
#ifndef FDECODE_EXPORT_H
#define FDECODE_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "fsc/accesslog.h"
#include "fsc/har.h"
#include "fsc/request.h"

struct har;

/* NULL with a message and *status set when the file cannot be opened. */
struct har *har_open(const char *path, int *status);
/* One entry (redaction as the access log's: o). */
void har_entry(struct har *h, const struct fsc_request *r, const struct fsc_accesslog_opts *o);
/* Ends the log and closes the file; false after a message when writing
 * failed. */
bool har_close(struct har *h, const char *path);

/* Whether HOST:PORT is a numeric address with a port (a message if not,
 * "fdecode: invalid --to ..."). */
bool replay_target_ok(const char *to, void *unused);
/* Sends r again (to, or 127.0.0.1 and the capture's server port) and
 * prints the captured answer beside the new one. */
bool replay_run(FILE *out, const struct fsc_request *r, const struct fsc_accesslog_opts *o,
		const char *to);

#endif
