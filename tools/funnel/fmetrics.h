/* fmetrics.h - --metrics of fnode and fedge: the server fwatch uses too
 * (metricsrv.h) as a source of the poll loop, a bounded table of labelled
 * counters, and the writers both programs render their exposition with.
 * Names are the caller's (funnelscope_node_*, funnelscope_edge_*);
 * doc/fnode.1 and doc/fedge.1 (METRICS) list them.
 *
 * Label values come from the network (Host, SNI), so a table names at most
 * FSC_FMETRICS_ROWS label sets, first come first named; the rest add up in
 * one row whose labels the caller gives ("other"). */
#ifndef FSC_FMETRICS_H
#define FSC_FMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fsc/agg.h"
#include "fsc/geoip.h"
#include "fsc/hist.h"
#include "loop.h"
#include "metricsrv.h"
#include "transport.h"

#define FSC_FMETRICS_ROWS 64
#define FSC_FMETRICS_LABELS 400

struct fsc_fmetrics_row {
	char labels[FSC_FMETRICS_LABELS]; /* `a="x",b="y"`, escaped */
	uint64_t n;
	struct fsc_hist h;		/* when the table has a histogram */
};

struct fsc_fmetrics_table {
	struct fsc_fmetrics_row row[FSC_FMETRICS_ROWS + 1]; /* + "other" */
	size_t n;
	bool other_used;
};

/* Opens the server on ADDR:PORT, makes it a source of the loop and logs
 * where it listens (a `metrics listen=ADDR:PORT` line, the port the kernel
 * picked for 0); NULL with a message in err. Close it with metrics_close
 * after the loop. */
struct metrics_srv *fsc_fmetrics_open(struct fsc_loop *l, const char *addr_port,
				      metrics_render_fn render, void *ctx, char *err,
				      size_t errlen);

/* Appends `name="value"` (comma-separated after the first) to a label set
 * of FSC_FMETRICS_LABELS bytes, value escaped (fsc_prom_label). */
void fsc_fmetrics_label(char *set, const char *name, const char *value);

/* The row of a label set; `other` when the table is full. */
struct fsc_fmetrics_row *fsc_fmetrics_row(struct fsc_fmetrics_table *t, const char *labels,
					  const char *other);

/* Writers of one metric family (HELP, TYPE, samples). */
void fsc_fmetrics_value(FILE *out, const char *name, const char *type, const char *help,
			uint64_t v);
void fsc_fmetrics_counters(FILE *out, const char *name, const char *help,
			   const struct fsc_fmetrics_table *t);
/* The rows' histograms in seconds, `le` at hist.h's powers of two. */
void fsc_fmetrics_histograms(FILE *out, const char *name, const char *help,
			     const struct fsc_fmetrics_table *t);
/* The WireGuard engine's peers, when tr runs one: PREFIX_wg_peer_*
 * (last handshake age, rx/tx bytes, handshakes) by public key. */
void fsc_fmetrics_wg(FILE *out, const char *prefix, const struct fsc_transport *tr);

/*
 * The clients a program met (fnode: of the requests it answered; fedge:
 * named in its ingress handshakes): the one aggregation's clients table
 * (fsc/agg.h: bounded, the least recently seen evicted), rendered by the
 * code that renders fwatch's (fsc/prom.h), under the program's prefix:
 * PREFIX_clients, _clients_new_total, _clients_new_last_minute,
 * _table_dropped_total and _table_evicted_total {table="clients"}, and
 * with GeoIP databases (--geoip-db, at most FSC_GEOIP_MAX_DBS) countries
 * and ASes, the top 20 and "other": _clients_by_country, _clients_by_asn.
 */
struct fsc_fmetrics_opts {
	const char *geoip_db[FSC_GEOIP_MAX_DBS];	/* --geoip-db FILE */
	size_t n_geoip_db;
};
enum { FSC_FMOPT_GEOIP_DB = 0x1100 };
#define FSC_FMETRICS_LONGOPTS { "geoip-db", required_argument, NULL, FSC_FMOPT_GEOIP_DB }
/* Applies option code: 1 done, 0 not one of these, -1 refused (said on
 * stderr as "prog: ..."). */
int fsc_fmetrics_option(struct fsc_fmetrics_opts *o, const char *prog, int code, const char *arg);

struct fsc_fmetrics_clients;
/* NULL with a message in err (a database that cannot be opened, memory). */
struct fsc_fmetrics_clients *fsc_fmetrics_clients_new(const struct fsc_fmetrics_opts *o,
						      char *err, size_t errlen);
void fsc_fmetrics_client(struct fsc_fmetrics_clients *c, const struct fsc_addr *addr,
			 enum fsc_agg_seen how);
void fsc_fmetrics_clients_write(FILE *out, const char *prefix,
				const struct fsc_fmetrics_clients *c);
void fsc_fmetrics_clients_free(struct fsc_fmetrics_clients *c);

#endif
