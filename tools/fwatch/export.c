/* export.c - the Detail view's export keys (tui/view.h): the shown request
 * as a HAR 1.2 file (H) or a curl command (c), written by fsc/har.h as
 * fdecode --har and --curl write them, from the records accesslog.c keeps.
 * To a file, not a clipboard: $TMPDIR when set, else the current
 * directory, named by the connection and the request's number on it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/har.h"
#include "fwatch.h"

void fw_export(void *ctx, const struct tui_request *r, enum tui_export kind, char *msg,
	       size_t cap)
{
	struct fw_log *l = ctx;
	const struct fsc_request *rec = fw_log_find(l, r->flow_id, r->index);
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (!rec) {
		snprintf(msg, cap, "export: no record of this request (not ended yet, or older "
			 "than the newest %d)", FW_RECORDS_KEEP);
		return;
	}
	if (!dir || !*dir)
		dir = ".";
	snprintf(path, sizeof(path), "%s/fwatch-%" PRIu64 "-%u.%s", dir, rec->flow_id, rec->index,
		 kind == TUI_EXPORT_HAR ? "har" : "curl");
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(msg, cap, "export: '%s': %s", path, strerror(errno));
		return;
	}
	bool ok = true;
	if (kind == TUI_EXPORT_HAR) {
		struct fsc_har *h = fsc_har_start(f, "fwatch", FSC_VERSION);
		if (h)
			fsc_har_entry(h, rec, fw_log_opts(l));
		ok = h && fsc_har_end(h);
	} else {
		fsc_curl_print(f, rec, fw_log_opts(l), "fwatch");
	}
	ok = fclose(f) == 0 && ok;
	if (!ok)
		snprintf(msg, cap, "export: '%s': write failed", path);
	else
		snprintf(msg, cap, "%s: %s", kind == TUI_EXPORT_HAR ? "HAR" : "curl", path);
}
