/* web.c - the "Hostnames" and "HTTP status codes" tables of --summary. */
#include "web.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"
#include "fsc/jsonw.h"

#define TOP_HOSTS 50

static int by_activity(const void *a, const void *b)
{
	const struct fsc_agg_host *x = *(const struct fsc_agg_host *const *)a;
	const struct fsc_agg_host *y = *(const struct fsc_agg_host *const *)b;
	uint64_t ax = x->requests + x->sni + x->ingress, ay = y->requests + y->sni + y->ingress;

	if (ax != ay)
		return ax > ay ? -1 : 1;
	return strcmp(x->name, y->name);
}

static double pct_ms(const struct fsc_hist *h, double p)
{
	return (double)fsc_hist_percentile(h, p) / 1e6;
}

static void json_percentiles(struct fsc_jsonw *w, const char *key, const struct fsc_hist *h)
{
	if (!h->n)
		return;
	fsc_jsonw_object_begin_at(w, key);
	fsc_jsonw_ms(w, "p50", fsc_hist_percentile(h, 0.5));
	fsc_jsonw_ms(w, "p90", fsc_hist_percentile(h, 0.9));
	fsc_jsonw_ms(w, "p99", fsc_hist_percentile(h, 0.99));
	fsc_jsonw_object_end(w);
}

static void json_host(struct fsc_outbuf *ob, const struct fsc_agg_host *h)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct fsc_jsonw w;

	fsc_jsonw_init(&w, ob);
	fsc_jsonw_object_begin(&w);
	fsc_jsonw_token(&w, "type", "host");
	fsc_jsonw_cstr(&w, "name", h->name);
	fsc_jsonw_u64(&w, "sni", h->sni);
	fsc_jsonw_u64(&w, "host", h->host_hdr);
	fsc_jsonw_u64(&w, "ingress", h->ingress);
	fsc_jsonw_u64(&w, "requests", h->requests);
	fsc_jsonw_u64(&w, "responses", h->responses);
	fsc_jsonw_object_begin_at(&w, "status");
	for (int c = 1; c <= 5; c++)
		fsc_jsonw_u64(&w, classes[c - 1], h->status[c]);
	fsc_jsonw_object_end(&w);
	/* latency_ms: to the last byte of the response; first_byte_ms: to its
	 * head. */
	json_percentiles(&w, "latency_ms", &h->last_byte);
	json_percentiles(&w, "first_byte_ms", &h->first_byte);
	fsc_jsonw_u64(&w, "mismatches", h->mismatches);
	fsc_jsonw_object_end(&w);
	fsc_outbuf_end_line(ob);
}

static void text_host(FILE *out, const struct fsc_agg_host *h)
{
	char name[FSC_ESCAPE_TEXT_CAP(FSC_AGG_NAME_MAX)];
	char p[4][16] = { "-", "-", "-", "-" };

	fsc_escape_text((const uint8_t *)h->name, strlen(h->name), name, sizeof(name));
	if (h->last_byte.n) {
		snprintf(p[0], sizeof(p[0]), "%.3f", pct_ms(&h->last_byte, 0.5));
		snprintf(p[1], sizeof(p[1]), "%.3f", pct_ms(&h->last_byte, 0.9));
		snprintf(p[2], sizeof(p[2]), "%.3f", pct_ms(&h->last_byte, 0.99));
	}
	if (h->first_byte.n)
		snprintf(p[3], sizeof(p[3]), "%.3f", pct_ms(&h->first_byte, 0.5));
	fprintf(out, "  %-40s %6" PRIu64 " %6" PRIu64 " %7" PRIu64 " %8" PRIu64 " %6" PRIu64
		" %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %9s %9s %9s %9s %s\n", name, h->sni,
		h->host_hdr, h->ingress, h->requests, h->status[2], h->status[3], h->status[4],
		h->status[5], p[0], p[1], p[2], p[3], h->mismatches ? "MISMATCH" : "");
}

static void status_codes(const struct fsc_agg *a, FILE *out, struct fsc_outbuf *ob)
{
	const uint64_t *codes = fsc_agg_stats(a)->codes;
	uint64_t any = 0;

	for (int c = 0; c < 600; c++)
		any += codes[c];
	if (ob) {
		struct fsc_jsonw w;
		char key[4];
		fsc_jsonw_init(&w, ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "http_status");
		fsc_jsonw_object_begin_at(&w, "codes");
		for (int c = 0; c < 600; c++) {
			if (!codes[c])
				continue;
			snprintf(key, sizeof(key), "%d", c);
			fsc_jsonw_u64(&w, key, codes[c]);
		}
		fsc_jsonw_object_end(&w);
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(ob);
	} else if (any) {
		fputs("\nHTTP status codes\n", out);
		for (int c = 0; c < 600; c++)
			if (codes[c])
				fprintf(out, "  %3d %10" PRIu64 "\n", c, codes[c]);
	}
}

void web_print(const struct fsc_agg *a, FILE *out, bool json)
{
	size_t n = a ? fsc_agg_host_count(a) : 0;
	const struct fsc_agg_host **order;
	struct fsc_outbuf ob;

	if (!a)
		return;
	order = malloc((n ? n : 1) * sizeof(*order));
	if (!order || (json && !fsc_outbuf_init(&ob, out))) {
		free(order);
		return;
	}
	n = fsc_agg_hosts(a, order, n);
	qsort(order, n, sizeof(*order), by_activity);
	if (!json) {
		fputs("\nHostnames (TLS SNI, HTTP Host, ingress targets)\n", out);
		if (n == 0)
			fputs("  (none)\n", out);
		else
			fprintf(out, "  %-40s %6s %6s %7s %8s %6s %6s %6s %6s %9s %9s %9s %9s %s\n",
				"name", "sni", "host", "ingress", "requests", "2xx", "3xx", "4xx",
				"5xx", "p50 ms", "p90 ms", "p99 ms", "ttfb ms", "mismatch");
	}
	for (size_t i = 0; i < n && (json || i < TOP_HOSTS); i++) {
		if (json)
			json_host(&ob, order[i]);
		else
			text_host(out, order[i]);
	}
	if (!json && n > TOP_HOSTS)
		fprintf(out, "  ... and %zu more names\n", n - TOP_HOSTS);
	status_codes(a, out, json ? &ob : NULL);
	if (json) {
		fsc_outbuf_flush(&ob);
		fsc_outbuf_free(&ob);
	}
	free(order);
}
