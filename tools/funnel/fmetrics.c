/* fmetrics.c - the metrics of fnode and fedge (see fmetrics.h). */
#include "fmetrics.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flog.h"
#include "fsc/prom.h"
#include "fsc/wgconf.h"
#include "fsc/wgengine.h"

/* Prometheus bucket bounds: hist.h's edges 2^k us, 64 us to 32 s. */
#define LE_FIRST 6
#define LE_LAST 25

static size_t metrics_fill(void *ctx, struct pollfd *pfd, size_t cap)
{
	int n = metrics_pollfds(ctx, pfd, cap > 1 + METRICS_MAX_CONNS ? 1 + METRICS_MAX_CONNS
								       : (int)cap);
	return n > 0 ? (size_t)n : 0;
}

static int metrics_timeout(void *ctx)
{
	return metrics_timeout_ms(ctx, -1);
}

static void metrics_handle(void *ctx, const struct pollfd *pfd, size_t n)
{
	metrics_step(ctx, pfd, (int)n);
}

struct metrics_srv *fsc_fmetrics_open(struct fsc_loop *l, const char *addr_port,
				      metrics_render_fn render, void *ctx, char *err,
				      size_t errlen)
{
	struct metrics_srv *m = metrics_open(addr_port, render, ctx, err, errlen);

	if (!m)
		return NULL;
	struct fsc_loop_source src = { metrics_fill, metrics_timeout, metrics_handle, m };
	if (!fsc_loop_source(l, &src)) {
		snprintf(err, errlen, "the poll loop has no room for another source");
		metrics_close(m);
		return NULL;
	}
	struct fsc_line line;
	fsc_line_begin(&line, "metrics");
	fsc_line_cstr(&line, "listen", metrics_address(m));
	fsc_line_end(&line);
	return m;
}

void fsc_fmetrics_label(char *set, const char *name, const char *value)
{
	char v[FSC_FMETRICS_LABELS];
	size_t len = strlen(set);

	fsc_prom_label(value, strlen(value), v, sizeof(v));
	snprintf(set + len, FSC_FMETRICS_LABELS - len, "%s%s=\"%s\"", len ? "," : "", name, v);
}

struct fsc_fmetrics_row *fsc_fmetrics_row(struct fsc_fmetrics_table *t, const char *labels,
					  const char *other)
{
	struct fsc_fmetrics_row *r;

	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->row[i].labels, labels) == 0)
			return &t->row[i];
	if (t->n < FSC_FMETRICS_ROWS) {
		r = &t->row[t->n++];
		snprintf(r->labels, sizeof(r->labels), "%s", labels);
		return r;
	}
	r = &t->row[FSC_FMETRICS_ROWS];
	if (!t->other_used) {
		snprintf(r->labels, sizeof(r->labels), "%s", other);
		t->other_used = true;
	}
	return r;
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void fsc_fmetrics_value(FILE *out, const char *name, const char *type, const char *help,
			uint64_t v)
{
	head(out, name, type, help);
	fprintf(out, "%s %" PRIu64 "\n", name, v);
}

static size_t rows(const struct fsc_fmetrics_table *t)
{
	return t->n + (t->other_used ? 1 : 0);
}

static const struct fsc_fmetrics_row *row_at(const struct fsc_fmetrics_table *t, size_t i)
{
	return i < t->n ? &t->row[i] : &t->row[FSC_FMETRICS_ROWS];
}

void fsc_fmetrics_counters(FILE *out, const char *name, const char *help,
			   const struct fsc_fmetrics_table *t)
{
	head(out, name, "counter", help);
	for (size_t i = 0; i < rows(t); i++)
		fprintf(out, "%s{%s} %" PRIu64 "\n", name, row_at(t, i)->labels, row_at(t, i)->n);
}

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

void fsc_fmetrics_histograms(FILE *out, const char *name, const char *help,
			     const struct fsc_fmetrics_table *t)
{
	head(out, name, "histogram", help);
	for (size_t i = 0; i < rows(t); i++) {
		const struct fsc_fmetrics_row *r = row_at(t, i);

		if (!r->h.n)
			continue;
		for (unsigned k = LE_FIRST; k <= LE_LAST; k++) {
			int64_t le = fsc_hist_edge_ns(4 * k);
			fprintf(out, "%s_bucket{%s,le=\"%.6f\"} %" PRIu64 "\n", name, r->labels,
				sec(le), fsc_hist_count_le(&r->h, le));
		}
		fprintf(out, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, r->labels, r->h.n);
		fprintf(out, "%s_sum{%s} %.9f\n", name, r->labels, sec(r->h.sum_ns));
		fprintf(out, "%s_count{%s} %" PRIu64 "\n", name, r->labels, r->h.n);
	}
}

enum wg_field { WG_AGE, WG_RX, WG_TX, WG_HANDSHAKES, WG_FIELDS };

void fsc_fmetrics_wg(FILE *out, const char *prefix, const struct fsc_transport *tr)
{
	static const char *const names[WG_FIELDS] = {
		"wg_peer_last_handshake_age_seconds", "wg_peer_rx_bytes_total",
		"wg_peer_tx_bytes_total", "wg_peer_handshakes_total" };
	static const char *const types[WG_FIELDS] = { "gauge", "counter", "counter", "counter" };
	static const char *const help[WG_FIELDS] = {
		"Seconds since the last completed handshake with the peer (absent: never).",
		"UDP payload bytes received from the peer.",
		"UDP payload bytes sent to the peer.",
		"Handshakes completed with the peer." };
	const struct fsc_wgengine *eng = fsc_transport_engine(tr);
	struct timespec now;

	if (!eng)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t now_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	size_t np = fsc_wgengine_peer_count(eng);
	if (np > FSC_PROM_MAX_PEERS)
		np = FSC_PROM_MAX_PEERS;
	for (int f = 0; f < WG_FIELDS; f++) {
		char name[128];

		snprintf(name, sizeof(name), "%s_%s", prefix, names[f]);
		head(out, name, types[f], help[f]);
		for (size_t i = 0; i < np; i++) {
			struct fsc_wgengine_peer_info pi;
			char key[FSC_WG_KEY_B64LEN + 1];

			if (!fsc_wgengine_peer_info(eng, i, &pi))
				continue;
			fsc_wgconf_key_write(pi.public_key, key);
			if (f == WG_AGE) {
				if (pi.last_handshake_unix_ns)
					fprintf(out, "%s{peer=\"%s\"} %.3f\n", name, key,
						now_ns > pi.last_handshake_unix_ns
							? sec((int64_t)(now_ns - pi.last_handshake_unix_ns))
							: 0.0);
				continue;
			}
			uint64_t v = f == WG_RX ? pi.rx_bytes : f == WG_TX ? pi.tx_bytes : pi.handshakes;
			fprintf(out, "%s{peer=\"%s\"} %" PRIu64 "\n", name, key, v);
		}
	}
}

/* ---------------------------------------------------------------- clients */

struct fsc_fmetrics_clients {
	struct fsc_agg *agg;
	struct fsc_geoip *geo;	/* NULL: no --geoip-db */
};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A new client's country and AS, looked up once, when it is entered. */
static void client_geo(void *ctx, struct fsc_agg_client *c)
{
	struct fsc_geo g;

	if (fsc_geoip_lookup(ctx, &c->addr, &g))
		fsc_agg_client_geo(c, g.country, g.asn, g.as_org);
}

int fsc_fmetrics_option(struct fsc_fmetrics_opts *o, const char *prog, int code, const char *arg)
{
	if (code != FSC_FMOPT_GEOIP_DB)
		return 0;
	if (o->n_geoip_db == FSC_GEOIP_MAX_DBS) {
		fprintf(stderr, "%s: --geoip-db: '%s': at most %d databases\n", prog, arg,
			FSC_GEOIP_MAX_DBS);
		return -1;
	}
	o->geoip_db[o->n_geoip_db++] = arg;
	return 1;
}

struct fsc_fmetrics_clients *fsc_fmetrics_clients_new(const struct fsc_fmetrics_opts *o,
						      char *err, size_t errlen)
{
	struct fsc_fmetrics_clients *c = calloc(1, sizeof(*c));
	/* hosts and endpoints: none are entered, one slot each is enough */
	struct fsc_agg_limits lim = { .max_hosts = 1, .max_endpoints = 1, .evict = true };

	if (!c || !(c->agg = fsc_agg_new(&lim))) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	if (o->n_geoip_db) {
		/* the files named alone: no environment, no well-known places */
		struct fsc_geoip_config gc = { .cache_size = 4096 };
		char why[256];
		for (size_t i = 0; i < o->n_geoip_db; i++)
			gc.files[gc.nfiles++] = o->geoip_db[i];
		c->geo = fsc_geoip_open(&gc, why, sizeof(why));
		if (!c->geo) {
			snprintf(err, errlen, "GeoIP database %s", why);
			fsc_fmetrics_clients_free(c);
			return NULL;
		}
		fsc_agg_on_client(c->agg, client_geo, c->geo);
	}
	return c;
}

void fsc_fmetrics_client(struct fsc_fmetrics_clients *c, const struct fsc_addr *addr,
			 enum fsc_agg_seen how)
{
	if (c)
		fsc_agg_client_seen(c->agg, addr, how, wall_ns());
}

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

void fsc_fmetrics_clients_write(FILE *out, const char *prefix,
				const struct fsc_fmetrics_clients *c)
{
	if (!c)
		return;
	struct fsc_prom_input in = { .agg = c->agg, .geo = c->geo != NULL, .now_ns = wall_ns(),
				     .prefix = prefix, .clients_only = true };
	fsc_prom_write(&in, to_file, out);
}

void fsc_fmetrics_clients_free(struct fsc_fmetrics_clients *c)
{
	if (!c)
		return;
	fsc_agg_free(c->agg);
	fsc_geoip_close(c->geo);
	free(c);
}
