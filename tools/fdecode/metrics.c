/* metrics.c - fdecode --metrics-file: the Prometheus exposition of the
 * whole input (fsc/prom.h) as a node-exporter textfile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fdecode.h"
#include "fsc/prom.h"

void metrics_client_geo(void *ctx, struct fsc_agg_client *c)
{
	struct fsc_geo g;

	if (fsc_enrich_geo(ctx, &c->addr, &g))
		fsc_agg_client_geo(c, g.country, g.asn, g.as_org);
}

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

bool metrics_file_write(const char *path, const struct fsc_pipeline *pl,
			const struct fsc_agg *agg, struct fsc_source *src, bool geo,
			char *err, size_t errlen)
{
	struct fsc_prom_capture caps[MAX_LIVE_IFACES];
	size_t nc = 0;
	char tmp[4096];

	/* Live interfaces: their kernel counters (files have none). */
	for (unsigned i = 0; src && i < fsc_source_count(src) && nc < MAX_LIVE_IFACES; i++) {
		struct fsc_src_stats st;
		if (fsc_source_stats(src, i, &st))
			caps[nc++] = (struct fsc_prom_capture){ .name = fsc_source_name(src, i),
								.received = st.received,
								.dropped = st.dropped,
								.if_dropped = st.if_dropped };
	}
	/* Beside the file, so that the rename stays in one file system; a name
	 * the textfile collector skips (it reads *.prom only). */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp)) {
		snprintf(err, errlen, "name too long");
		return false;
	}
	FILE *f = fopen(tmp, "w");
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return false;
	}
	struct fsc_prom_input in = { .pl = pl, .agg = agg, .captures = caps, .n_captures = nc,
				     .geo = geo, .now_ns = fsc_pipeline_stats(pl)->last_ns };
	bool ok = fsc_prom_write(&in, to_file, f);
	if (!ok)
		snprintf(err, errlen, "out of memory");
	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
		if (ok)
			snprintf(err, errlen, "%s", strerror(errno));
		ok = false;
	}
	if (fclose(f) != 0 && ok) {
		snprintf(err, errlen, "%s", strerror(errno));
		ok = false;
	}
	if (ok && rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	return ok;
}
