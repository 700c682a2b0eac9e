/* print_stream.c - TLS hellos, HTTP requests and responses, and the ingress
 * handshake as text lines and JSON objects (keys: doc/fdecode.1). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_FIELD 256 /* bytes of a packet string shown in a text line */

static const char *text_of(const void *p, size_t len, char *buf, size_t cap)
{
	fsc_escape_text(p, len, buf, cap);
	return buf;
}

static void text_span(FILE *out, const char *p, size_t len)
{
	char buf[FSC_ESCAPE_TEXT_CAP(TEXT_FIELD)];

	fputs(text_of(p, len < TEXT_FIELD ? len : TEXT_FIELD, buf, sizeof(buf)), out);
	if (len > TEXT_FIELD)
		fputs("...", out);
}

static void text_endpoints(struct printer *pr, const struct fsc_stream_event *se)
{
	text_addr(pr, &se->src, se->sport);
	fputs(" > ", pr->out);
	text_addr(pr, &se->dst, se->dport);
	fputs(": ", pr->out);
}

static void version_list(FILE *out, const struct fsc_tls_client_hello *h, bool json)
{
	bool first = true;

	fputs(json ? ",\"versions\":[" : "", out);
	if (h->has_versions) {
		for (size_t i = 0; i < h->n_versions; i++) {
			const char *v = fsc_tls_version_name(h->versions[i]);
			if (fsc_tls_is_grease(h->versions[i]))
				continue;
			if (json)
				fprintf(out, first ? "\"%s\"" : ",\"%s\"", v ? v : "unknown");
			else
				fprintf(out, first ? "%s" : ",%s", v ? v : "unknown");
			first = false;
		}
	} else {
		const char *v = fsc_tls_version_name(h->legacy_version);
		fprintf(out, json ? "\"%s\"" : "%s", v ? v : "unknown");
	}
	fputs(json ? "]" : "", out);
}

static void text_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	FILE *out = pr->out;

	fputs("tls client hello sni ", out);
	if (h->has_sni && h->sni.len)
		text_span(out, (const char *)h->sni.p, h->sni.len);
	else
		fputs("(none)", out);
	if (h->has_alpn) {
		fputs(" alpn ", out);
		for (size_t i = 0; i < h->n_alpn; i++) {
			if (i)
				fputc(',', out);
			text_span(out, (const char *)h->alpn[i].p, h->alpn[i].len);
		}
	}
	fputc(' ', out);
	version_list(out, h, false);
	if (se->u.hello.have_fp)
		fprintf(out, " ja4 %s", se->u.hello.ja4);
	if (se->u.hello.index > 1)
		fprintf(out, " (hello %u)", se->u.hello.index);
}

static void text_server_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);
	FILE *out = pr->out;

	fprintf(out, "tls server %s %s cipher 0x%04x", h->hrr ? "hello-retry-request" : "hello",
		v ? v : "unknown", h->cipher);
	if (h->alpn.len) {
		fputs(" alpn ", out);
		text_span(out, (const char *)h->alpn.p, h->alpn.len);
	}
}

static void text_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	FILE *out = pr->out;

	fputs("http ", out);
	text_span(out, h->method, h->method_len);
	fputc(' ', out);
	if (in && in->host) {
		text_span(out, in->host->value, in->host->value_len);
		fputc(' ', out);
	}
	text_span(out, h->target, h->target_len);
	if (c && c->rule != FSC_CLIENT_NONE) {
		fputs(" client ", out);
		text_addr(pr, &c->addr, -1);
		fprintf(out, " (%s", fsc_client_rule_name(c->rule));
		if (c->has_claimed) {
			char a[FSC_ADDR_STRLEN];
			fprintf(out, "; claims %s", fsc_addr_str(&c->claimed, a));
		}
		fputc(')', out);
	}
	if (in && in->funnel)
		fputs(" funnel", out);
	if (se->u.req.index > 1)
		fprintf(out, " (request %u)", se->u.req.index);
}

static void text_response(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;
	FILE *out = pr->out;

	fprintf(out, "http %d ", h->status);
	text_span(out, h->reason, h->reason_len);
	if (se->u.resp.matched) {
		fprintf(out, " %.3fms for ", (double)se->u.resp.latency_ns / 1e6);
		text_span(out, se->u.resp.method, strlen(se->u.resp.method));
		fputc(' ', out);
		text_span(out, se->u.resp.uri, strlen(se->u.resp.uri));
		if (se->u.resp.index > 1)
			fprintf(out, " (request %u)", se->u.resp.index);
	} else {
		fputs(" (request not seen)", out);
	}
}

static void text_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	FILE *out = pr->out;

	fputs("ingress src ", out);
	if (se->u.ingress.client.family)
		text_addr(pr, &se->u.ingress.client, se->u.ingress.client_port);
	else
		text_span(out, se->u.ingress.src, strlen(se->u.ingress.src));
	fputs(" target ", out);
	text_span(out, se->u.ingress.target, strlen(se->u.ingress.target));
	if (se->u.ingress.status)
		fprintf(out, " answer %d", se->u.ingress.status);
	else
		fputs(" (no answer seen)", out);
	if (se->u.ingress.has_sni) {
		fputs(" sni ", out);
		text_span(out, (const char *)se->u.ingress.sni, se->u.ingress.sni_len);
	}
}

void stream_text(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;

	text_endpoints(pr, se);
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		text_hello(pr, se);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		text_server_hello(pr, se);
		break;
	case FSC_EV_HTTP_REQUEST:
		text_request(pr, se);
		break;
	case FSC_EV_HTTP_RESPONSE:
		text_response(pr, se);
		break;
	case FSC_EV_INGRESS:
		text_ingress(pr, se);
		break;
	default:
		break;
	}
	if (ev->status != FSC_OK)
		fprintf(pr->out, " (%s: %s)", fsc_status_name(ev->status), ev->why);
}

/* ---- JSON ---- */

static void json_span(FILE *out, const char *key, const void *p, size_t len)
{
	json_str(out, key, p, len);
}

static void json_addr(struct printer *pr, const char *key, const struct fsc_addr *a)
{
	char s[FSC_ADDR_STRLEN];

	fprintf(pr->out, ",\"%s\":\"%s\"", key, fsc_addr_str(a, s));
	enrich_json(pr->enr, pr->out, key, a);
}

/* A string element of an array: json_str writes ,"key":"v"; here "v". */
static void json_elem(FILE *out, bool first, const void *p, size_t len)
{
	static char buf[FSC_ESCAPE_JSON_CAP(16384)];

	fsc_escape_json(p, len, buf, sizeof(buf));
	fprintf(out, first ? "\"%s\"" : ",\"%s\"", buf);
}

static void json_hello(FILE *out, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	const char *legacy = fsc_tls_version_name(h->legacy_version);

	if (h->has_sni && h->sni.len)
		json_span(out, "sni", h->sni.p, h->sni.len);
	else
		fputs(",\"sni\":null", out);
	fputs(",\"alpn\":[", out);
	for (size_t i = 0; i < h->n_alpn; i++)
		json_elem(out, i == 0, h->alpn[i].p, h->alpn[i].len);
	fputc(']', out);
	version_list(out, h, true);
	fprintf(out, ",\"legacy_version\":\"%s\"", legacy ? legacy : "unknown");
	if (se->u.hello.have_fp) {
		fprintf(out, ",\"ja3\":\"%s\"", se->u.hello.ja3);
		fprintf(out, ",\"ja3_string\":\"%s\"", se->u.hello.ja3_string);
		fprintf(out, ",\"ja4\":\"%s\"", se->u.hello.ja4);
	}
	fprintf(out, ",\"hello\":%u", se->u.hello.index);
}

static void json_server_hello(FILE *out, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);

	fprintf(out, ",\"version\":\"%s\",\"cipher\":\"0x%04x\"", v ? v : "unknown", h->cipher);
	if (h->alpn.len)
		json_span(out, "alpn", h->alpn.p, h->alpn.len);
	if (h->hrr)
		fputs(",\"hrr\":true", out);
}

static void json_header(FILE *out, const char *key, const struct fsc_http_header *hd)
{
	if (hd)
		json_span(out, key, hd->value, hd->value_len);
}

static void json_fwd_value(FILE *out, const char *key, const struct fsc_xff_fwd_value *v,
			   bool *first)
{
	char buf[1024];

	if (!v->present)
		return;
	size_t n = fsc_xff_fwd_unquote(v, buf, sizeof(buf));
	fprintf(out, *first ? "\"%s\":" : ",\"%s\":", key);
	*first = false;
	json_elem(out, true, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

static void json_hops(struct printer *pr, const struct fsc_client *c)
{
	FILE *out = pr->out;
	char a[FSC_ADDR_STRLEN];

	fputs(",\"hops\":[", out);
	for (size_t i = 0; i < c->n_hops; i++) {
		const struct fsc_hop *h = &c->hops[i];
		fputs(i ? ",{" : "{", out);
		if (h->info.addr.family) {
			fprintf(out, "\"addr\":\"%s\"", fsc_addr_str(&h->info.addr, a));
		} else {
			fputs("\"text\":", out);
			json_elem(out, true, h->node->text, h->node->len);
		}
		fprintf(out, ",\"class\":\"%s\"", fsc_hop_class_name(h));
		if (h->info.peer.family && h->info.cls == FSC_TSADDR_4TO6)
			fprintf(out, ",\"v4\":\"%s\"", fsc_addr_str(&h->info.peer, a));
		if (fsc_hop_skip_name(h->skip))
			fprintf(out, ",\"skipped\":\"%s\"", fsc_hop_skip_name(h->skip));
		fputc('}', out);
	}
	fputc(']', out);
}

static void json_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	FILE *out = pr->out;

	json_span(out, "method", h->method, h->method_len);
	json_span(out, "uri", h->target, h->target_len);
	fprintf(out, ",\"version\":\"HTTP/1.%d\"", h->minor_version);
	json_header(out, "host", in->host);
	if (se->u.req.xff && in->n_xff) {
		fputs(",\"xff\":[", out);
		for (size_t i = 0; i < se->u.req.xff->n; i++)
			json_elem(out, i == 0, se->u.req.xff->elems[i].text,
				  se->u.req.xff->elems[i].len);
		fputc(']', out);
	}
	if (se->u.req.fwd && in->n_forwarded) {
		fputs(",\"forwarded\":[", out);
		for (size_t i = 0; i < se->u.req.fwd->n; i++) {
			const struct fsc_xff_fwd_elem *e = &se->u.req.fwd->elems[i];
			bool first = true;
			fputs(i ? ",{" : "{", out);
			json_fwd_value(out, "for", &e->for_, &first);
			json_fwd_value(out, "by", &e->by, &first);
			json_fwd_value(out, "proto", &e->proto, &first);
			json_fwd_value(out, "host", &e->host, &first);
			fputc('}', out);
		}
		fputc(']', out);
	}
	json_header(out, "x_real_ip", in->x_real_ip);
	json_header(out, "x_forwarded_host", in->x_forwarded_host);
	json_header(out, "x_forwarded_proto", in->x_forwarded_proto);
	json_header(out, "user_agent", in->user_agent);
	if (in->has_funnel)
		fprintf(out, ",\"funnel\":%s", in->funnel ? "true" : "false");
	if (c && c->rule != FSC_CLIENT_NONE) {
		json_addr(pr, "client", &c->addr);
		fprintf(out, ",\"client_rule\":\"%s\"", fsc_client_rule_name(c->rule));
		if (c->has_claimed)
			json_addr(pr, "claimed", &c->claimed);
		if (c->n_hops)
			json_hops(pr, c);
	}
	fprintf(out, ",\"request\":%u", se->u.req.index);
}

static void json_response(FILE *out, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;

	fprintf(out, ",\"status\":%d", h->status);
	json_span(out, "reason", h->reason, h->reason_len);
	fprintf(out, ",\"version\":\"HTTP/1.%d\"", h->minor_version);
	if (!se->u.resp.matched)
		return;
	fprintf(out, ",\"latency_ms\":%.3f", (double)se->u.resp.latency_ns / 1e6);
	json_span(out, "method", se->u.resp.method, strlen(se->u.resp.method));
	json_span(out, "uri", se->u.resp.uri, strlen(se->u.resp.uri));
	fprintf(out, ",\"request\":%u", se->u.resp.index);
}

static void json_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	FILE *out = pr->out;

	json_span(out, "ingress_src", se->u.ingress.src, strlen(se->u.ingress.src));
	json_span(out, "ingress_target", se->u.ingress.target, strlen(se->u.ingress.target));
	if (se->u.ingress.status)
		fprintf(out, ",\"status\":%d", se->u.ingress.status);
	if (se->u.ingress.has_sni)
		json_span(out, "sni", se->u.ingress.sni, se->u.ingress.sni_len);
	else
		fputs(",\"sni\":null", out);
	if (se->u.ingress.client.family)
		json_addr(pr, "client", &se->u.ingress.client);
}

void stream_json(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	FILE *out = pr->out;

	json_addr(pr, "src", &se->src);
	json_addr(pr, "dst", &se->dst);
	fprintf(out, ",\"sport\":%u,\"dport\":%u", se->sport, se->dport);
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		json_hello(out, se);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		json_server_hello(out, se);
		break;
	case FSC_EV_HTTP_REQUEST:
		json_request(pr, se);
		break;
	case FSC_EV_HTTP_RESPONSE:
		json_response(out, se);
		break;
	case FSC_EV_INGRESS:
		json_ingress(pr, se);
		break;
	default:
		break;
	}
	if (ev->status != FSC_OK)
		fprintf(out, ",\"decode_status\":\"%s\",\"decode_reason\":\"%s\"",
			fsc_status_name(ev->status), ev->why);
}
