/* prom.h - the Prometheus text exposition format (version 0.0.4) of what
 * the pipeline, its counters (fsc/counters.h) and the aggregation
 * (fsc/agg.h) hold: what fwatch --metrics serves and fdecode
 * --metrics-file writes. Every name starts funnelscope_; counters end
 * _total, durations are in seconds; doc/fwatch.1 (METRICS) lists them.
 *
 * Cardinality is bounded whatever the traffic: hosts, countries and ASes
 * beyond the `top` busiest are added up under the label value "other";
 * at most FSC_PROM_MAX_PEERS WireGuard peers (the newest) are named.
 * Label values are untrusted bytes (Host, SNI): '\', '"' and newline are
 * escaped as the format says, and every other byte outside printable
 * ASCII, and '%' itself, as %XX, so that two names never share a series.
 */
#ifndef FSC_PROM_H
#define FSC_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/agg.h"
#include "fsc/pipeline.h"

#define FSC_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define FSC_PROM_MAX_PEERS 100

/* A capture interface's kernel counters (fsc_src_stats). */
struct fsc_prom_capture {
	const char *name;
	uint64_t received, dropped, if_dropped;
};

struct fsc_prom_input {
	const struct fsc_pipeline *pl;	/* counters, WireGuard peers; NULL: none */
	const struct fsc_agg *agg;	/* hosts and clients; NULL: none */
	const struct fsc_prom_capture *captures; /* live interfaces, or NULL */
	size_t n_captures;
	bool geo;		/* a GeoIP database is open: countries and ASes */
	unsigned top;		/* hosts, countries, ASes named; 0: 20 */
	int64_t now_ns;		/* capture time, for ages (handshakes, new
				 * clients) */
	const char *prefix;	/* of every name; NULL: "funnelscope_" (fnode:
				 * "funnelscope_node_") */
	bool clients_only;	/* of agg, the clients alone: for fnode and
				 * fedge, whose requests have series of their
				 * own */
};

/* Where the text goes, in pieces. */
typedef void (*fsc_prom_write_fn)(void *ctx, const char *p, size_t n);

/* Writes the whole exposition (with clients_only, the clients series:
 * clients, clients_new_total, clients_new_last_minute, the clients table's
 * dropped and evicted, and with geo clients_by_country and
 * clients_by_asn). false when out of memory (what was written
 * is then incomplete). */
bool fsc_prom_write(const struct fsc_prom_input *in, fsc_prom_write_fn fn, void *ctx);

/* One label value, escaped as above, NUL-terminated into out (cap >= 1);
 * returns its length (cut at a whole escape when out is short). */
size_t fsc_prom_label(const char *p, size_t len, char *out, size_t cap);

#endif
