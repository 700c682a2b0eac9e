/* prom.c - the Prometheus text exposition (see fsc/prom.h). Written in
 * pieces through the caller's function; the HELP and TYPE of a metric come
 * once, before its first sample, as the format wants. */
#include "fsc/prom.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/counters.h"
#include "fsc/wgsess.h"

#define DEF_TOP 20
#define NEW_CLIENT_NS (60 * 1000000000ll)
/* Histogram bounds: the powers of two of microseconds of the one scheme
 * (every fourth edge, fsc/hist.h), 64 us to about 33 s. */
#define LE_FIRST 6
#define LE_LAST 25
#define LABEL_CAP (3 * FSC_AGG_NAME_MAX + 1)

struct out {
	const char *prefix;	/* of every name: "funnelscope_" or the caller's */
	fsc_prom_write_fn fn;
	void *ctx;
	size_t len;
	char buf[8192];
};

static void flush(struct out *o)
{
	if (o->len)
		o->fn(o->ctx, o->buf, o->len);
	o->len = 0;
}

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char line[1024];

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1; /* lines are short; labels are bounded */
	if (o->len + (size_t)n > sizeof(o->buf))
		flush(o);
	memcpy(o->buf + o->len, line, (size_t)n);
	o->len += (size_t)n;
}

static void head(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s%s %s\n# TYPE %s%s %s\n", o->prefix, name, help, o->prefix, name, type);
}

size_t fsc_prom_label(const char *p, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		char e[4];
		size_t k = 0;
		if (c == '\\' || c == '"') {
			e[k++] = '\\';
			e[k++] = (char)c;
		} else if (c == '\n') {
			e[k++] = '\\';
			e[k++] = 'n';
		} else if (c < 0x20 || c >= 0x7f || c == '%') {
			e[k++] = '%';
			e[k++] = hex[c >> 4];
			e[k++] = hex[c & 15];
		} else {
			e[k++] = (char)c;
		}
		if (n + k >= cap)
			break;
		memcpy(out + n, e, k);
		n += k;
	}
	if (cap)
		out[n] = '\0';
	return n;
}

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* ---------------------------------------------------------------- counters */

static void counters(struct out *o, const struct fsc_pipeline *pl)
{
	size_t n;
	const struct fsc_counter *c = fsc_counters(&n);

	for (size_t i = 0; i < n; i++) {
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (strcmp(c[j].metric, c[i].metric) == 0)
				first = false;
		if (first)
			head(o, c[i].metric, c[i].kind == FSC_COUNTER ? "counter" : "gauge",
			     c[i].help);
		uint64_t v = fsc_counter_value(&c[i], pl);
		char labels[96] = "";
		if (c[i].label)
			snprintf(labels, sizeof(labels), "{%s=\"%s\"}", c[i].label,
				 c[i].label_value);
		if (c[i].unit == FSC_UNIT_TIME_NS)
			put(o, "%s%s%s %.6f\n", o->prefix, c[i].metric, labels, sec((int64_t)v));
		else
			put(o, "%s%s%s %" PRIu64 "\n", o->prefix, c[i].metric, labels, v);
	}
}

/* ---------------------------------------------------------------- hosts */

struct host_row {
	char label[LABEL_CAP];
	struct fsc_agg_host h;	/* a host, or "other": the rest added up */
};

static int by_activity(const void *a, const void *b)
{
	const struct fsc_agg_host *x = *(const struct fsc_agg_host *const *)a;
	const struct fsc_agg_host *y = *(const struct fsc_agg_host *const *)b;
	uint64_t ax = x->requests + x->sni + x->ingress, ay = y->requests + y->sni + y->ingress;

	if (ax != ay)
		return ax > ay ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void add_host(struct fsc_agg_host *to, const struct fsc_agg_host *h)
{
	to->requests += h->requests;
	to->funnel += h->funnel;
	for (int k = 0; k < 6; k++)
		to->status[k] += h->status[k];
	fsc_hist_merge(&to->first_byte, &h->first_byte);
	fsc_hist_merge(&to->last_byte, &h->last_byte);
}

static void histogram(struct out *o, const char *name, const struct host_row *rows, size_t n,
		      bool last)
{
	for (size_t i = 0; i < n; i++) {
		const struct fsc_hist *h = last ? &rows[i].h.last_byte : &rows[i].h.first_byte;
		if (!h->n)
			continue;
		for (unsigned k = LE_FIRST; k <= LE_LAST; k++) {
			int64_t le = fsc_hist_edge_ns(4 * k);
			put(o, "%s%s_bucket{host=\"%s\",le=\"%.6f\"} %" PRIu64 "\n", o->prefix, name,
			    rows[i].label, sec(le), fsc_hist_count_le(h, le));
		}
		put(o, "%s%s_bucket{host=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", o->prefix, name,
		    rows[i].label, h->n);
		put(o, "%s%s_sum{host=\"%s\"} %.9f\n", o->prefix, name, rows[i].label,
		    sec(h->sum_ns));
		put(o, "%s%s_count{host=\"%s\"} %" PRIu64 "\n", o->prefix, name, rows[i].label,
		    h->n);
	}
}

static bool hosts(struct out *o, const struct fsc_agg *a, unsigned top)
{
	static const char *const classes[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	size_t n = fsc_agg_host_count(a), nr = 0;
	const struct fsc_agg_host **all = malloc((n ? n : 1) * sizeof(*all));
	struct host_row *rows = calloc(top + 1, sizeof(*rows));

	if (!all || !rows) {
		free(all);
		free(rows);
		return false;
	}
	n = fsc_agg_hosts(a, all, n);
	qsort(all, n, sizeof(*all), by_activity);
	for (size_t i = 0; i < n; i++) {
		if (i < top) {
			rows[nr].h = *all[i];
			fsc_prom_label(all[i]->name, strlen(all[i]->name), rows[nr].label,
				       sizeof(rows[nr].label));
			nr++;
		} else {
			if (i == top)
				snprintf(rows[nr++].label, LABEL_CAP, "other");
			add_host(&rows[top].h, all[i]);
		}
	}
	head(o, "http_requests_total", "counter",
	     "HTTP requests by Host (normalised; beyond the busiest, \"other\") and origin: "
	     "funnel (Tailscale-Funnel-Request) or tailnet.");
	for (size_t i = 0; i < nr; i++) {
		put(o, "%shttp_requests_total{host=\"%s\",origin=\"funnel\"} %" PRIu64
		    "\n", o->prefix, rows[i].label, rows[i].h.funnel);
		put(o, "%shttp_requests_total{host=\"%s\",origin=\"tailnet\"} %" PRIu64
		    "\n", o->prefix, rows[i].label, rows[i].h.requests - rows[i].h.funnel);
	}
	head(o, "http_responses_total", "counter",
	     "Final HTTP responses by their request's Host and status class.");
	for (size_t i = 0; i < nr; i++)
		for (int k = 1; k < 6 + 1; k++) {
			int c = k % 6; /* 1xx..5xx, then other */
			if (rows[i].h.status[c] || (c >= 2 && c <= 5))
				put(o, "%shttp_responses_total{host=\"%s\",class=\"%s\"} "
				    "%" PRIu64 "\n", o->prefix, rows[i].label, classes[c],
				    rows[i].h.status[c]);
		}
	head(o, "http_response_duration_seconds", "histogram",
	     "Request head to the last byte of the response body, by Host.");
	histogram(o, "http_response_duration_seconds", rows, nr, true);
	head(o, "http_response_first_byte_seconds", "histogram",
	     "Request head to the response head (time to first byte), by Host.");
	histogram(o, "http_response_first_byte_seconds", rows, nr, false);
	free(all);
	free(rows);
	return true;
}

/* ---------------------------------------------------------------- clients */

struct tally {
	char key[16];
	uint64_t clients, requests;
};

static int by_clients(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->clients != y->clients)
		return x->clients > y->clients ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Clients and requests by country or AS: the top, then "other". */
static void geo_table(struct out *o, const struct fsc_agg_client **c, size_t n, bool asn,
		      unsigned top, struct tally *t)
{
	size_t nt = 0;
	const char *name = asn ? "clients_by_asn" : "clients_by_country";
	const char *label = asn ? "asn" : "country";

	for (size_t i = 0; i < n; i++) {
		char key[16];
		if (asn)
			snprintf(key, sizeof(key), c[i]->asn ? "%" PRIu32 : "unknown", c[i]->asn);
		else
			fsc_prom_label(c[i]->country, strnlen(c[i]->country, sizeof(c[i]->country)),
				       key, sizeof(key));
		if (!key[0])
			snprintf(key, sizeof(key), "unknown");
		size_t k = 0;
		while (k < nt && strcmp(t[k].key, key) != 0)
			k++;
		if (k == nt) {
			memcpy(t[nt].key, key, sizeof(key));
			t[nt].clients = t[nt].requests = 0;
			nt++;
		}
		t[k].clients++;
		t[k].requests += c[i]->requests;
	}
	qsort(t, nt, sizeof(*t), by_clients);
	head(o, name, "gauge",
	     asn ? "Clients by autonomous system (GeoIP); beyond the busiest, \"other\"."
		 : "Clients by country (GeoIP); beyond the busiest, \"other\".");
	uint64_t other = 0;
	for (size_t i = 0; i < nt; i++) {
		if (i < top)
			put(o, "%s%s{%s=\"%s\"} %" PRIu64 "\n", o->prefix, name, label, t[i].key,
			    t[i].clients);
		else
			other += t[i].clients;
	}
	if (nt > top)
		put(o, "%s%s{%s=\"other\"} %" PRIu64 "\n", o->prefix, name, label, other);
}

static bool clients(struct out *o, const struct fsc_agg *a, const struct fsc_prom_input *in,
		    unsigned top)
{
	const struct fsc_agg_stats *st = fsc_agg_stats(a);
	size_t n = fsc_agg_client_count(a), fresh = 0;
	const struct fsc_agg_client **c = malloc((n ? n : 1) * sizeof(*c));
	struct tally *t = malloc((n ? n : 1) * sizeof(*t));

	if (!c || !t) {
		free(c);
		free(t);
		return false;
	}
	n = fsc_agg_clients(a, c, n);
	for (size_t i = 0; i < n; i++)
		fresh += in->now_ns - c[i]->first_ns < NEW_CLIENT_NS;
	head(o, "clients", "gauge", "Clients in the table (by the client rule).");
	put(o, "%sclients %zu\n", o->prefix, n);
	head(o, "clients_new_total", "counter",
	     "Clients entered in the table since the start (rate() * 60: new clients a "
	     "minute).");
	put(o, "%sclients_new_total %" PRIu64 "\n", o->prefix, st->clients_new);
	head(o, "clients_new_last_minute", "gauge",
	     "Clients first seen in the last minute (of capture time in a replay).");
	put(o, "%sclients_new_last_minute %zu\n", o->prefix, fresh);
	head(o, "table_dropped_total", "counter",
	     "Entries not kept because a table was full.");
	if (!in->clients_only)
		put(o, "%stable_dropped_total{table=\"hosts\"} %" PRIu64 "\n", o->prefix,
		    st->hosts_dropped);
	put(o, "%stable_dropped_total{table=\"clients\"} %" PRIu64 "\n", o->prefix,
	    st->clients_dropped);
	head(o, "table_evicted_total", "counter",
	     "Entries evicted (least recently seen) to make room.");
	if (!in->clients_only)
		put(o, "%stable_evicted_total{table=\"hosts\"} %" PRIu64 "\n", o->prefix,
		    st->hosts_evicted);
	put(o, "%stable_evicted_total{table=\"clients\"} %" PRIu64 "\n", o->prefix,
	    st->clients_evicted);
	if (in->geo) {
		geo_table(o, c, n, false, top, t);
		geo_table(o, c, n, true, top, t);
	}
	free(c);
	free(t);
	return true;
}

/* ---------------------------------------------------------------- tunnel */

static bool peers(struct out *o, const struct fsc_pipeline *pl, int64_t now)
{
	const struct fsc_wg_tracker *wg = fsc_pipeline_wg(pl);
	const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(wg);
	size_t n = (size_t)(ws->peers - ws->peers_evicted), from = 0;
	const struct fsc_wg_peer **p = malloc((n ? n : 1) * sizeof(*p));
	char a[FSC_ENDPOINT_STRLEN], b[FSC_ENDPOINT_STRLEN];

	if (!p)
		return false;
	n = fsc_wg_peers(wg, p, n);
	if (n > FSC_PROM_MAX_PEERS)
		from = n - FSC_PROM_MAX_PEERS; /* oldest first: the newest named */
	head(o, "wg_peer_info", "gauge",
	     "A WireGuard peer (a pair of UDP endpoints) and its endpoints; always 1.");
	for (size_t i = from; i < n; i++)
		put(o, "%swg_peer_info{peer=\"%" PRIu32 "\",endpoint_a=\"%s\","
		    "endpoint_b=\"%s\"} 1\n", o->prefix, p[i]->id,
		    fsc_endpoint_str(&p[i]->ep[0].addr, p[i]->ep[0].port, a),
		    fsc_endpoint_str(&p[i]->ep[1].addr, p[i]->ep[1].port, b));
	head(o, "wg_peer_last_handshake_age_seconds", "gauge",
	     "Capture time since the peer's last handshake response.");
	for (size_t i = from; i < n; i++)
		if (p[i]->last_handshake_ns)
			put(o, "%swg_peer_last_handshake_age_seconds{peer=\"%" PRIu32
			    "\"} %.3f\n", o->prefix, p[i]->id, sec(now - p[i]->last_handshake_ns));
	head(o, "wg_peer_bytes_total", "counter",
	     "WireGuard transport bytes of a peer by direction (a_to_b: sent by endpoint_a).");
	for (size_t i = from; i < n; i++)
		for (int d = 0; d < 2; d++)
			put(o, "%swg_peer_bytes_total{peer=\"%" PRIu32 "\",direction=\"%s\"} "
			    "%" PRIu64 "\n", o->prefix, p[i]->id, d ? "b_to_a" : "a_to_b", p[i]->bytes[d]);
	head(o, "wg_peer_handshakes_total", "counter",
	     "WireGuard handshakes completed (responses) of a peer.");
	for (size_t i = from; i < n; i++)
		put(o, "%swg_peer_handshakes_total{peer=\"%" PRIu32 "\"} %" PRIu64 "\n", o->prefix,
		    p[i]->id, p[i]->responses);
	head(o, "wg_peer_health", "gauge",
	     "A peer's health verdict: 1 for the current one (see fdecode(1), SESSIONS AND "
	     "HEALTH).");
	for (size_t i = from; i < n; i++) {
		enum fsc_wg_health h = fsc_wg_peer_health(p[i], now, NULL, 0);
		for (int k = FSC_WG_OK; k <= FSC_WG_NO_RESPONSE; k++)
			put(o, "%swg_peer_health{peer=\"%" PRIu32 "\",health=\"%s\"} %d\n", o->prefix,
			    p[i]->id, fsc_wg_health_name((enum fsc_wg_health)k), (int)h == k);
	}
	free(p);
	return true;
}

static void captures(struct out *o, const struct fsc_prom_input *in)
{
	char name[LABEL_CAP];

	if (!in->n_captures)
		return;
	head(o, "capture_packets_received_total", "counter",
	     "Packets the kernel passed to the capture, by interface.");
	for (size_t i = 0; i < in->n_captures; i++) {
		const struct fsc_prom_capture *c = &in->captures[i];
		fsc_prom_label(c->name, strlen(c->name), name, sizeof(name));
		put(o, "%scapture_packets_received_total{interface=\"%s\"} %" PRIu64
		    "\n", o->prefix, name, c->received);
	}
	head(o, "capture_packets_dropped_total", "counter",
	     "Packets lost before the capture read them, by interface and by whom: kernel "
	     "(buffer full) or interface (driver).");
	for (size_t i = 0; i < in->n_captures; i++) {
		const struct fsc_prom_capture *c = &in->captures[i];
		fsc_prom_label(c->name, strlen(c->name), name, sizeof(name));
		put(o, "%scapture_packets_dropped_total{interface=\"%s\",by=\"kernel\"} "
		    "%" PRIu64 "\n", o->prefix, name, c->dropped);
		put(o, "%scapture_packets_dropped_total{interface=\"%s\","
		    "by=\"interface\"} %" PRIu64 "\n", o->prefix, name, c->if_dropped);
	}
}

bool fsc_prom_write(const struct fsc_prom_input *in, fsc_prom_write_fn fn, void *ctx)
{
	struct out *o = malloc(sizeof(*o));
	unsigned top = in->top ? in->top : DEF_TOP;
	bool ok = true;

	if (!o)
		return false;
	o->prefix = in->prefix ? in->prefix : "funnelscope_";
	o->fn = fn;
	o->ctx = ctx;
	o->len = 0;
	if (in->pl) {
		counters(o, in->pl);
		ok &= peers(o, in->pl, in->now_ns);
	}
	if (in->agg) {
		if (!in->clients_only)
			ok &= hosts(o, in->agg, top);
		ok &= clients(o, in->agg, in, top);
	}
	captures(o, in);
	flush(o);
	free(o);
	return ok;
}
