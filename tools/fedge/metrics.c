/* metrics.c - fedge --metrics: what the edge counts, as funnelscope_edge_*
 * series (doc/fedge.1, METRICS). Connections are counted where their log
 * line is written, by SNI and outcome ("proxied" is accepted, every other
 * outcome a refusal or a failure). */
#include <inttypes.h>
#include <stdlib.h>

#include "fedge.h"
#include "flog.h"

void fedge_metrics_conn(struct fedge *e, const char *sni, enum outcome o)
{
	char set[FSC_FMETRICS_LABELS] = "";

	if (!e->metrics)
		return;
	fsc_fmetrics_label(set, "sni", sni);
	fsc_fmetrics_label(set, "outcome", fedge_outcome_names[o]);
	fsc_fmetrics_row(e->by_sni, set, "sni=\"other\",outcome=\"other\"")->n++;
}

void fedge_metrics_client(struct fedge *e, const struct fsc_addr *client)
{
	fsc_fmetrics_client(e->clients, client, FSC_AGG_SEEN_INGRESS);
}

static bool render(void *ctx, FILE *out)
{
	const struct fedge *e = ctx;

	fsc_fmetrics_counters(out, "funnelscope_edge_connections_total",
			      "Public connections ended, by SNI and outcome (proxied: accepted).",
			      e->by_sni);
	fsc_fmetrics_value(out, "funnelscope_edge_connections_accepted_total", "counter",
			   "Public connections taken from the listeners.", e->accepted);
	fsc_fmetrics_value(out, "funnelscope_edge_connections_open", "gauge",
			   "Public connections open now.", e->n_conns);
	fprintf(out,
		"# HELP funnelscope_edge_relayed_bytes_total Bytes spliced between clients and "
		"nodes (up: client to node).\n"
		"# TYPE funnelscope_edge_relayed_bytes_total counter\n"
		"funnelscope_edge_relayed_bytes_total{direction=\"up\"} %" PRIu64 "\n"
		"funnelscope_edge_relayed_bytes_total{direction=\"down\"} %" PRIu64 "\n",
		e->bytes_up, e->bytes_down);
	fsc_fmetrics_clients_write(out, "funnelscope_edge_", e->clients);
	fsc_fmetrics_wg(out, "funnelscope_edge", e->tr);
	return !ferror(out);
}

bool fedge_metrics_open(struct fedge *e, char *err, size_t errlen)
{
	e->by_sni = calloc(1, sizeof(*e->by_sni));
	if (!e->by_sni) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!(e->clients = fsc_fmetrics_clients_new(&e->o.mo, err, errlen)))
		return false;
	e->metrics = fsc_fmetrics_open(e->loop, e->o.metrics, render, e, err, errlen);
	return e->metrics != NULL;
}

void fedge_metrics_close(struct fedge *e)
{
	metrics_close(e->metrics);
	free(e->by_sni);
	fsc_fmetrics_clients_free(e->clients);
}
