/* export.c - fdecode --har: the file around fsc/har.h's log. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

struct har {
	FILE *f;
	bool to_stdout;
	struct fsc_har *log;
};

struct har *har_open(const char *path, int *status)
{
	struct har *h = calloc(1, sizeof(*h));

	if (!h) {
		fputs("fdecode: out of memory\n", stderr);
		*status = 2;
		return NULL;
	}
	h->to_stdout = strcmp(path, "-") == 0;
	h->f = h->to_stdout ? stdout : fopen(path, "w");
	if (!h->f) {
		fprintf(stderr, "fdecode: --har: '%s': %s\n", path, strerror(errno));
		free(h);
		*status = 2;
		return NULL;
	}
	if (!(h->log = fsc_har_start(h->f, "fdecode", FSC_VERSION))) {
		fputs("fdecode: out of memory\n", stderr);
		if (!h->to_stdout)
			fclose(h->f);
		free(h);
		*status = 2;
		return NULL;
	}
	return h;
}

void har_entry(struct har *h, const struct fsc_request *r, const struct fsc_accesslog_opts *o)
{
	fsc_har_entry(h->log, r, o);
}

bool har_close(struct har *h, const char *path)
{
	if (!h)
		return true;
	bool ok = fsc_har_end(h->log);
	if (!h->to_stdout && fclose(h->f) != 0)
		ok = false;
	if (!ok)
		fprintf(stderr, "fdecode: --har: '%s': write failed\n", path);
	free(h);
	return ok;
}
