/* web.c - hostnames, status codes and latency for --summary. */
#include "web.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"
#include "fsc/span.h"

#define NAME_MAX_LEN 128
#define LAT_BUCKETS 128 /* four a power of two of microseconds */
#define TOP_HOSTS 50

struct host {
	char name[NAME_MAX_LEN + 1];	/* lower case, no port */
	uint64_t sni, host_hdr, ingress;
	uint64_t requests, responses;
	uint64_t status[6];		/* [1]..[5]: 1xx..5xx; [0] other */
	uint64_t mismatches;
	uint64_t lat_n;
	uint32_t lat[LAT_BUCKETS];
};

/* Raw names seen lately and the host each normalised to: most requests and
 * responses name a host seen just before, and one compare of the raw bytes
 * is cheaper than normalising and hashing again. Hosts never move or go,
 * so an entry stays right. */
#define RECENT_SLOTS 64
#define RECENT_RAW_MAX 96

struct recent {
	size_t len;
	char raw[RECENT_RAW_MAX];
	struct host *h;
};

struct web {
	struct host *hosts;
	uint32_t *slots;	/* open addressing: index + 1 */
	unsigned n, max, mask;
	uint64_t dropped, mismatches;
	uint64_t codes[600];	/* responses by status code */
	struct recent recent[RECENT_SLOTS];
};

struct web *web_new(unsigned max_hosts)
{
	struct web *w = calloc(1, sizeof(*w));
	unsigned size = 16;

	if (!w)
		return NULL;
	while (size < 2 * max_hosts)
		size <<= 1;
	w->max = max_hosts;
	w->mask = size - 1;
	w->hosts = calloc(max_hosts, sizeof(*w->hosts));
	w->slots = calloc(size, sizeof(*w->slots));
	if (!w->hosts || !w->slots) {
		web_free(w);
		return NULL;
	}
	return w;
}

void web_free(struct web *w)
{
	if (!w)
		return;
	free(w->hosts);
	free(w->slots);
	free(w);
}

/* How much of p names the host: no port, at most NAME_MAX_LEN bytes, no
 * trailing dots (an absolute name is the same host). "Node.ts.net:443"
 * -> "Node.ts.net"; "[::1]:80" -> "[::1]". */
static size_t name_extent(const char *p, size_t len)
{
	size_t end = len;

	if (len && p[0] != '[') {
		const char *colon = memchr(p, ':', len);
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - p)))
			end = (size_t)(colon - p);
	} else if (len) {
		const char *close = memchr(p, ']', len);
		if (close)
			end = (size_t)(close - p) + 1;
	}
	if (end > NAME_MAX_LEN)
		end = NAME_MAX_LEN;
	while (end && p[end - 1] == '.')
		end--;
	return end;
}

/* The host's name as kept: the extent in lower case, NUL-terminated. */
static size_t normalise(const char *p, size_t len, char *out)
{
	size_t n = name_extent(p, len);

	for (size_t i = 0; i < n; i++)
		out[i] = fsc_ascii_lower(p[i]);
	out[n] = '\0';
	return n;
}

static struct host *lookup_name(struct web *w, const char *p, size_t len)
{
	char name[NAME_MAX_LEN + 1];
	size_t n = normalise(p, len, name);
	uint64_t h = 1469598103934665603ull;

	if (n == 0)
		return NULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	for (unsigned i = (unsigned)(h ^ h >> 32) & w->mask;; i = (i + 1) & w->mask) {
		uint32_t k = w->slots[i];
		if (k == 0) {
			if (w->n == w->max) {
				w->dropped++;
				return NULL;
			}
			struct host *e = &w->hosts[w->n];
			memcpy(e->name, name, n + 1);
			w->slots[i] = ++w->n;
			return e;
		}
		if (strcmp(w->hosts[k - 1].name, name) == 0)
			return &w->hosts[k - 1];
	}
}

static struct host *lookup(struct web *w, const char *p, size_t len)
{
	if (len == 0 || len > RECENT_RAW_MAX)
		return lookup_name(w, p, len);
	/* Slot by length and the first and last bytes. */
	unsigned slot = ((unsigned)len * 31 + (uint8_t)p[0] * 7 + (uint8_t)p[len - 1] +
			 (uint8_t)p[len / 2] * 13) % RECENT_SLOTS;
	struct recent *r = &w->recent[slot];
	if (r->h && r->len == len && memcmp(r->raw, p, len) == 0)
		return r->h;
	struct host *h = lookup_name(w, p, len);
	if (h) { /* a host not kept (table full) is counted each time */
		r->len = len;
		memcpy(r->raw, p, len);
		r->h = h;
	}
	return h;
}

static unsigned lat_bucket(int64_t ns)
{
	double us = (double)ns / 1e3;
	if (us < 1)
		return 0;
	unsigned b = 1 + (unsigned)(log2(us) * 4);
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* The bucket's upper edge, in milliseconds. */
static double lat_edge_ms(unsigned b)
{
	return b == 0 ? 0.001 : pow(2.0, (double)b / 4) / 1e3;
}

static double percentile(const struct host *h, double p)
{
	uint64_t want = (uint64_t)ceil(p * (double)h->lat_n), sum = 0;

	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		sum += h->lat[b];
		if (sum >= want && sum)
			return lat_edge_ms(b);
	}
	return 0;
}

/* The two names normalise to the same string (as strcmp sees it: up to a
 * NUL, should one be inside), compared in place. */
static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *nul;

	/* Equal bytes normalise alike: the usual case, at the cost of a compare. */
	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	size_t x = name_extent(a, alen), y = name_extent(b, blen);

	if ((nul = memchr(a, '\0', x)))
		x = (size_t)(nul - a);
	if ((nul = memchr(b, '\0', y)))
		y = (size_t)(nul - b);
	return x == y && fsc_span_ieq_n(a, b, x);
}

void web_event(struct web *w, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct host *h;

	if (!se || !w)
		return;
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		if (se->u.hello.h->has_sni && (h = lookup(w, (const char *)se->u.hello.h->sni.p,
							  se->u.hello.h->sni.len)))
			h->sni++;
		break;
	case FSC_EV_HTTP_REQUEST: {
		const struct fsc_http_info *in = se->u.req.info;
		if (!in || !in->host || !(h = lookup(w, in->host->value, in->host->value_len)))
			break;
		h->host_hdr++;
		h->requests++;
		if (in->x_forwarded_host &&
		    !same_name(in->host->value, in->host->value_len, in->x_forwarded_host->value,
			       in->x_forwarded_host->value_len)) {
			h->mismatches++;
			w->mismatches++;
		}
		break;
	}
	case FSC_EV_HTTP_RESPONSE: {
		int code = se->u.resp.head->status;
		if (code >= 0 && code < 600)
			w->codes[code]++;
		if (!se->u.resp.matched || !se->u.resp.host[0] ||
		    !(h = lookup(w, se->u.resp.host, strlen(se->u.resp.host))))
			break;
		/* A 1xx interim response is no answer: the final one follows. */
		if (code >= 100 && code < 200 && code != 101)
			break;
		h->responses++;
		h->status[code >= 100 && code < 600 ? code / 100 : 0]++;
		h->lat[lat_bucket(se->u.resp.latency_ns)]++;
		h->lat_n++;
		break;
	}
	case FSC_EV_HTTP_RESPONSE_END: {
		/* The body is whole: its sample moves from the first byte to the
		 * last (a response whose body never ended keeps the first). */
		const char *host = se->u.resp_end.host;
		if (!host || !host[0] || !(h = lookup(w, host, strlen(host))))
			break;
		unsigned from = lat_bucket(se->u.resp_end.first_ns);
		if (h->lat[from] == 0)
			break;
		h->lat[from]--;
		h->lat[lat_bucket(se->u.resp_end.last_ns)]++;
		break;
	}
	case FSC_EV_INGRESS: {
		const char *t = se->u.ingress.target;
		if (!(h = lookup(w, t, strlen(t))))
			break;
		h->ingress++;
		if (se->u.ingress.has_sni &&
		    !same_name(t, strlen(t), (const char *)se->u.ingress.sni, se->u.ingress.sni_len)) {
			h->mismatches++;
			w->mismatches++;
		}
		break;
	}
	default:
		break;
	}
}

uint64_t web_mismatches(const struct web *w)
{
	return w ? w->mismatches : 0;
}

uint64_t web_hosts_dropped(const struct web *w)
{
	return w ? w->dropped : 0;
}

static int by_activity(const void *a, const void *b)
{
	const struct host *x = *(const struct host *const *)a, *y = *(const struct host *const *)b;
	uint64_t ax = x->requests + x->sni + x->ingress, ay = y->requests + y->sni + y->ingress;

	if (ax != ay)
		return ax > ay ? -1 : 1;
	return strcmp(x->name, y->name);
}

void web_print(const struct web *w, FILE *out, bool json)
{
	const struct host **order;
	char name[FSC_ESCAPE_JSON_CAP(NAME_MAX_LEN)];

	if (!w)
		return;
	order = malloc((w->n ? w->n : 1) * sizeof(*order));
	if (!order)
		return;
	for (unsigned i = 0; i < w->n; i++)
		order[i] = &w->hosts[i];
	qsort(order, w->n, sizeof(*order), by_activity);

	if (!json) {
		fputs("\nHostnames (TLS SNI, HTTP Host, ingress targets)\n", out);
		if (w->n == 0)
			fputs("  (none)\n", out);
		else
			fprintf(out, "  %-40s %6s %6s %7s %8s %6s %6s %6s %6s %9s %9s %9s %s\n",
				"name", "sni", "host", "ingress", "requests", "2xx", "3xx", "4xx",
				"5xx", "p50 ms", "p90 ms", "p99 ms", "mismatch");
	}
	for (unsigned i = 0; i < w->n && (json || i < TOP_HOSTS); i++) {
		const struct host *h = order[i];
		if (json) {
			fsc_escape_json((const uint8_t *)h->name, strlen(h->name), name, sizeof(name));
			fprintf(out, "{\"type\":\"host\",\"name\":\"%s\",\"sni\":%" PRIu64
				",\"host\":%" PRIu64 ",\"ingress\":%" PRIu64 ",\"requests\":%" PRIu64
				",\"responses\":%" PRIu64 ",\"status\":{\"1xx\":%" PRIu64
				",\"2xx\":%" PRIu64 ",\"3xx\":%" PRIu64 ",\"4xx\":%" PRIu64
				",\"5xx\":%" PRIu64 "}", name, h->sni, h->host_hdr, h->ingress,
				h->requests, h->responses, h->status[1], h->status[2], h->status[3],
				h->status[4], h->status[5]);
			if (h->lat_n)
				fprintf(out, ",\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f}",
					percentile(h, 0.5), percentile(h, 0.9), percentile(h, 0.99));
			fprintf(out, ",\"mismatches\":%" PRIu64 "}\n", h->mismatches);
			continue;
		}
		fsc_escape_text((const uint8_t *)h->name, strlen(h->name), name, sizeof(name));
		char p50[16] = "-", p90[16] = "-", p99[16] = "-";
		if (h->lat_n) {
			snprintf(p50, sizeof(p50), "%.3f", percentile(h, 0.5));
			snprintf(p90, sizeof(p90), "%.3f", percentile(h, 0.9));
			snprintf(p99, sizeof(p99), "%.3f", percentile(h, 0.99));
		}
		fprintf(out, "  %-40s %6" PRIu64 " %6" PRIu64 " %7" PRIu64 " %8" PRIu64 " %6" PRIu64
			" %6" PRIu64 " %6" PRIu64 " %6" PRIu64 " %9s %9s %9s %s\n", name, h->sni,
			h->host_hdr, h->ingress, h->requests, h->status[2], h->status[3],
			h->status[4], h->status[5], p50, p90, p99, h->mismatches ? "MISMATCH" : "");
	}
	if (!json && w->n > TOP_HOSTS)
		fprintf(out, "  ... and %u more names\n", w->n - TOP_HOSTS);

	uint64_t any = 0;
	for (int c = 0; c < 600; c++)
		any += w->codes[c];
	if (json) {
		fputs("{\"type\":\"http_status\",\"codes\":{", out);
		bool first = true;
		for (int c = 0; c < 600; c++) {
			if (!w->codes[c])
				continue;
			fprintf(out, first ? "\"%d\":%" PRIu64 : ",\"%d\":%" PRIu64, c, w->codes[c]);
			first = false;
		}
		fputs("}}\n", out);
	} else if (any) {
		fputs("\nHTTP status codes\n", out);
		for (int c = 0; c < 600; c++)
			if (w->codes[c])
				fprintf(out, "  %3d %10" PRIu64 "\n", c, w->codes[c]);
	}
	free(order);
}
