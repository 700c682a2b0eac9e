/* metrics.c - fnode --metrics: what the node counts, as funnelscope_node_*
 * series (doc/fnode.1, METRICS). Requests are counted where their
 * access-log line is written, so the two always agree. */
#include <inttypes.h>
#include <stdlib.h>

#include "flog.h"
#include "fnode.h"

static const char *status_class(int status)
{
	static const char *const cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

	return status >= 100 && status < 600 ? cls[status / 100 - 1] : "none";
}

void fnode_metrics_request(const struct conn *c)
{
	struct fnode *nd = c->nd;
	char host[FSC_FMETRICS_LABELS] = "", set[FSC_FMETRICS_LABELS];

	if (!nd->metrics)
		return;
	fsc_fmetrics_label(host, "host", c->host);
	snprintf(set, sizeof(set), "%s", host);
	fsc_fmetrics_label(set, "class", status_class(c->status));
	/* the edge names the public client in the ingress handshake; a
	 * connection without one came from inside the tailnet */
	fsc_fmetrics_label(set, "origin", c->client.family ? "funnel" : "tailnet");
	fsc_fmetrics_row(nd->by_class, set, "host=\"other\",class=\"other\",origin=\"other\"")->n++;
	fsc_fmetrics_client(nd->clients, c->client.family ? &c->client : &c->peer,
			    FSC_AGG_SEEN_REQUEST);
	if (c->rs == RS_DONE)
		fsc_hist_add(&fsc_fmetrics_row(nd->by_host, host, "host=\"other\"")->h,
			     (int64_t)(fsc_now_ms() - c->t_req) * 1000000);
}

static bool render(void *ctx, FILE *out)
{
	const struct fnode *nd = ctx;

	fsc_fmetrics_counters(out, "funnelscope_node_requests_total",
			      "Requests answered, cut or unanswered, by Host, status class and origin.",
			      nd->by_class);
	fsc_fmetrics_histograms(out, "funnelscope_node_request_duration_seconds",
				"Time from a request head to the response's last byte, by Host.",
				nd->by_host);
	fsc_fmetrics_value(out, "funnelscope_node_connections_accepted_total", "counter",
			   "Connections from edges taken.", nd->count.accepted);
	fsc_fmetrics_value(out, "funnelscope_node_connections_refused_total", "counter",
			   "Connections closed at once: --max-conns reached.",
			   nd->count.refused_limit);
	fsc_fmetrics_value(out, "funnelscope_node_connections_open", "gauge",
			   "Connections open now.", nd->n_conns);
	fsc_fmetrics_value(out, "funnelscope_node_ingress_refused_total", "counter",
			   "Ingress handshakes refused (not an edge, bad request).",
			   nd->count.ingress_refused);
	fsc_fmetrics_value(out, "funnelscope_node_tls_handshakes_total", "counter",
			   "TLS handshakes completed.", nd->count.tls_ok);
	fsc_fmetrics_value(out, "funnelscope_node_tls_handshake_failures_total", "counter",
			   "TLS handshakes that failed.", nd->count.tls_failed);
	fsc_fmetrics_value(out, "funnelscope_node_upstream_errors_total", "counter",
			   "Backends that failed to connect or answer.", nd->count.upstream_errors);
	fsc_fmetrics_value(out, "funnelscope_node_received_bytes_total", "counter",
			   "Bytes received from edges.", nd->count.bytes_in);
	fsc_fmetrics_value(out, "funnelscope_node_sent_bytes_total", "counter",
			   "Bytes sent to edges.", nd->count.bytes_out);
	fsc_fmetrics_clients_write(out, "funnelscope_node_", nd->clients);
	fsc_fmetrics_wg(out, "funnelscope_node", nd->tr);
	return !ferror(out);
}

bool fnode_metrics_open(struct fnode *nd, char *err, size_t errlen)
{
	nd->by_class = calloc(1, sizeof(*nd->by_class));
	nd->by_host = calloc(1, sizeof(*nd->by_host));
	if (!nd->by_class || !nd->by_host) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	if (!(nd->clients = fsc_fmetrics_clients_new(&nd->o.mo, err, errlen)))
		return false;
	nd->metrics = fsc_fmetrics_open(nd->loop, nd->o.metrics, render, nd, err, errlen);
	return nd->metrics != NULL;
}

void fnode_metrics_close(struct fnode *nd)
{
	metrics_close(nd->metrics);
	free(nd->by_class);
	free(nd->by_host);
	fsc_fmetrics_clients_free(nd->clients);
}
