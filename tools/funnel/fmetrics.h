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

/* Opens the server on ADDR:PORT and makes it a source of the loop; NULL
 * with a message in err. Close it with metrics_close after the loop. */
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

#endif
