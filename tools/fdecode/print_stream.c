/* print_stream.c - TLS hellos, HTTP requests and responses, and the ingress
 * handshake as text lines and JSON objects (keys: doc/fdecode.1). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_FIELD 256 /* bytes of a packet string shown in a text line */
#define JSON_ELEM_CAP FSC_ESCAPE_JSON_CAP(16384)
_Static_assert(JSON_ELEM_CAP <= OUTBUF_ROOM_MAX, "an array element fits the output buffer");

/* Up to TEXT_FIELD bytes escaped, then "..." when there was more. */
static void text_span(struct outbuf *ob, const void *p, size_t len)
{
	outbuf_text_escaped(ob, p, len < TEXT_FIELD ? len : TEXT_FIELD,
			    FSC_ESCAPE_TEXT_CAP(TEXT_FIELD));
	if (len > TEXT_FIELD)
		outbuf_lit(ob, "...");
}

static void text_endpoints(struct printer *pr, const struct fsc_stream_event *se)
{
	text_addr(pr, &se->src, se->sport);
	outbuf_lit(pr->ob, " > ");
	text_addr(pr, &se->dst, se->dport);
	outbuf_lit(pr->ob, ": ");
}

/* Versions offered, GREASE left out: "1.3,1.2" or JSON ,"versions":[...]. */
static void version_list(struct outbuf *ob, const struct fsc_tls_client_hello *h, bool json)
{
	bool first = true;

	if (json)
		outbuf_lit(ob, ",\"versions\":[");
	if (h->has_versions) {
		for (size_t i = 0; i < h->n_versions; i++) {
			const char *v = fsc_tls_version_name(h->versions[i]);
			if (fsc_tls_is_grease(h->versions[i]))
				continue;
			if (!first)
				outbuf_char(ob, ',');
			if (json)
				outbuf_char(ob, '"');
			outbuf_str(ob, v ? v : "unknown");
			if (json)
				outbuf_char(ob, '"');
			first = false;
		}
	} else {
		const char *v = fsc_tls_version_name(h->legacy_version);
		if (json)
			outbuf_char(ob, '"');
		outbuf_str(ob, v ? v : "unknown");
		if (json)
			outbuf_char(ob, '"');
	}
	if (json)
		outbuf_char(ob, ']');
}

static void text_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, "tls client hello sni ");
	if (h->has_sni && h->sni.len)
		text_span(ob, h->sni.p, h->sni.len);
	else
		outbuf_lit(ob, "(none)");
	if (h->has_alpn) {
		outbuf_lit(ob, " alpn ");
		for (size_t i = 0; i < h->n_alpn; i++) {
			if (i)
				outbuf_char(ob, ',');
			text_span(ob, h->alpn[i].p, h->alpn[i].len);
		}
	}
	outbuf_char(ob, ' ');
	version_list(ob, h, false);
	if (se->u.hello.have_fp) {
		outbuf_lit(ob, " ja4 ");
		outbuf_str(ob, se->u.hello.ja4);
	} else if (se->u.hello.ja_why) {
		outbuf_lit(ob, " (no fingerprint: ");
		outbuf_str(ob, se->u.hello.ja_why);
		outbuf_char(ob, ')');
	}
	if (se->u.hello.index > 1) {
		outbuf_lit(ob, " (hello ");
		outbuf_u64(ob, se->u.hello.index);
		outbuf_char(ob, ')');
	}
}

static void text_server_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);
	struct outbuf *ob = pr->ob;

	outbuf_str(ob, h->hrr ? "tls server hello-retry-request " : "tls server hello ");
	outbuf_str(ob, v ? v : "unknown");
	outbuf_lit(ob, " cipher 0x");
	outbuf_hex(ob, h->cipher, 4);
	if (h->alpn.len) {
		outbuf_lit(ob, " alpn ");
		text_span(ob, h->alpn.p, h->alpn.len);
	}
}

static void text_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, "http ");
	text_span(ob, h->method, h->method_len);
	outbuf_char(ob, ' ');
	if (in && in->host) {
		text_span(ob, in->host->value, in->host->value_len);
		outbuf_char(ob, ' ');
	}
	text_span(ob, h->target, h->target_len);
	if (c && c->rule != FSC_CLIENT_NONE) {
		outbuf_lit(ob, " client ");
		text_addr(pr, &c->addr, -1);
		outbuf_lit(ob, " (");
		outbuf_str(ob, fsc_client_rule_name(c->rule));
		if (c->has_claimed) {
			outbuf_lit(ob, "; claims ");
			outbuf_addr(ob, &c->claimed);
		}
		outbuf_char(ob, ')');
	}
	if (in && in->funnel)
		outbuf_lit(ob, " funnel");
	if (se->u.req.index > 1) {
		outbuf_lit(ob, " (request ");
		outbuf_u64(ob, se->u.req.index);
		outbuf_char(ob, ')');
	}
}

static void text_response(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, "http ");
	outbuf_i64(ob, h->status);
	outbuf_char(ob, ' ');
	text_span(ob, h->reason, h->reason_len);
	if (se->u.resp.matched) {
		outbuf_char(ob, ' ');
		outbuf_ms(ob, se->u.resp.latency_ns);
		outbuf_lit(ob, "ms for ");
		text_span(ob, se->u.resp.method, strlen(se->u.resp.method));
		outbuf_char(ob, ' ');
		text_span(ob, se->u.resp.uri, strlen(se->u.resp.uri));
		if (se->u.resp.index > 1) {
			outbuf_lit(ob, " (request ");
			outbuf_u64(ob, se->u.resp.index);
			outbuf_char(ob, ')');
		}
	} else {
		outbuf_lit(ob, " (request not seen)");
	}
}

/* The body's last byte: both latencies, from the request head. */
static void text_response_end(struct outbuf *ob, const struct fsc_stream_event *se)
{
	outbuf_lit(ob, "http end ");
	outbuf_i64(ob, se->u.resp_end.status);
	outbuf_lit(ob, " first byte ");
	outbuf_ms(ob, se->u.resp_end.first_ns);
	outbuf_lit(ob, "ms last byte ");
	outbuf_ms(ob, se->u.resp_end.last_ns);
	outbuf_lit(ob, "ms");
	if (se->u.resp_end.index > 1) {
		outbuf_lit(ob, " (request ");
		outbuf_u64(ob, se->u.resp_end.index);
		outbuf_char(ob, ')');
	}
}

static void json_response_end(struct outbuf *ob, const struct fsc_stream_event *se)
{
	json_key(ob, "status");
	outbuf_i64(ob, se->u.resp_end.status);
	json_key(ob, "latency_ms");
	outbuf_ms(ob, se->u.resp_end.first_ns);
	json_key(ob, "latency_last_ms");
	outbuf_ms(ob, se->u.resp_end.last_ns);
	json_u64(ob, "request", se->u.resp_end.index);
}

static void text_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, "ingress src ");
	if (se->u.ingress.client.family)
		text_addr(pr, &se->u.ingress.client, se->u.ingress.client_port);
	else
		text_span(ob, se->u.ingress.src, strlen(se->u.ingress.src));
	outbuf_lit(ob, " target ");
	text_span(ob, se->u.ingress.target, strlen(se->u.ingress.target));
	if (se->u.ingress.status) {
		outbuf_lit(ob, " answer ");
		outbuf_i64(ob, se->u.ingress.status);
	} else {
		outbuf_lit(ob, " (no answer seen)");
	}
	if (se->u.ingress.has_sni) {
		outbuf_lit(ob, " sni ");
		text_span(ob, se->u.ingress.sni, se->u.ingress.sni_len);
	}
}

/* The event's flags as names, in bit order: " [resync,smuggling-suspect]"
 * in text, ,"flags":[...] in JSON (issue 18). */
static void flag_list(struct outbuf *ob, unsigned flags, bool json)
{
	bool first = true;

	if (!flags)
		return;
	outbuf_str(ob, json ? ",\"flags\":[" : " [");
	for (unsigned bit = 1; bit; bit <<= 1) {
		const char *name = flags & bit ? fsc_stream_flag_name(bit) : NULL;
		if (!name)
			continue;
		if (!first)
			outbuf_char(ob, ',');
		if (json)
			outbuf_char(ob, '"');
		outbuf_str(ob, name);
		if (json)
			outbuf_char(ob, '"');
		first = false;
	}
	outbuf_char(ob, ']');
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
	case FSC_EV_HTTP_RESPONSE_END:
		text_response_end(pr->ob, se);
		break;
	default:
		break;
	}
	if (ev->status != FSC_OK) {
		outbuf_lit(pr->ob, " (");
		outbuf_str(pr->ob, fsc_status_name(ev->status));
		outbuf_lit(pr->ob, ": ");
		outbuf_str(pr->ob, ev->why);
		outbuf_char(pr->ob, ')');
	}
	flag_list(pr->ob, se->flags, false);
}

/* ---- JSON ---- */

/* A string element of an array: "v", after a comma unless first. */
static void json_elem(struct outbuf *ob, bool first, const void *p, size_t len)
{
	if (!first)
		outbuf_char(ob, ',');
	outbuf_char(ob, '"');
	outbuf_json_escaped(ob, p, len, JSON_ELEM_CAP);
	outbuf_char(ob, '"');
}

static void json_hello(struct outbuf *ob, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	const char *legacy = fsc_tls_version_name(h->legacy_version);

	if (h->has_sni && h->sni.len)
		json_str(ob, "sni", h->sni.p, h->sni.len);
	else
		outbuf_lit(ob, ",\"sni\":null");
	outbuf_lit(ob, ",\"alpn\":[");
	for (size_t i = 0; i < h->n_alpn; i++)
		json_elem(ob, i == 0, h->alpn[i].p, h->alpn[i].len);
	outbuf_char(ob, ']');
	version_list(ob, h, true);
	json_token(ob, "legacy_version", legacy ? legacy : "unknown");
	if (se->u.hello.have_fp) {
		json_token(ob, "ja3", se->u.hello.ja3);
		json_token(ob, "ja3_string", se->u.hello.ja3_string);
		json_token(ob, "ja4", se->u.hello.ja4);
	} else if (se->u.hello.ja_why) {
		json_token(ob, "fingerprint_error", se->u.hello.ja_why);
	}
	json_u64(ob, "hello", se->u.hello.index);
}

static void json_server_hello(struct outbuf *ob, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);

	json_token(ob, "version", v ? v : "unknown");
	outbuf_lit(ob, ",\"cipher\":\"0x");
	outbuf_hex(ob, h->cipher, 4);
	outbuf_char(ob, '"');
	if (h->alpn.len)
		json_str(ob, "alpn", h->alpn.p, h->alpn.len);
	if (h->hrr)
		outbuf_lit(ob, ",\"hrr\":true");
}

/* "HTTP/1.<minor>", or the version as sent when it is not of that form. */
static void json_version(struct outbuf *ob, const struct fsc_http_head *h)
{
	if ((h->flags & FSC_HTTP_F_VERSION) && h->version) {
		json_str(ob, "version", h->version, h->version_len);
		return;
	}
	outbuf_lit(ob, ",\"version\":\"HTTP/1.");
	outbuf_i64(ob, h->minor_version);
	outbuf_char(ob, '"');
}

static void json_header(struct outbuf *ob, const char *key, const struct fsc_http_header *hd)
{
	if (hd)
		json_str(ob, key, hd->value, hd->value_len);
}

static void json_fwd_value(struct outbuf *ob, const char *key,
			   const struct fsc_xff_fwd_value *v, bool *first)
{
	char buf[1024];

	if (!v->present)
		return;
	size_t n = fsc_xff_fwd_unquote(v, buf, sizeof(buf));
	if (!*first)
		outbuf_char(ob, ',');
	outbuf_char(ob, '"');
	outbuf_str(ob, key);
	outbuf_lit(ob, "\":");
	*first = false;
	json_elem(ob, true, buf, n < sizeof(buf) ? n : sizeof(buf) - 1);
}

static void json_hops(struct printer *pr, const struct fsc_client *c)
{
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, ",\"hops\":[");
	for (size_t i = 0; i < c->n_hops; i++) {
		const struct fsc_hop *h = &c->hops[i];
		if (i)
			outbuf_char(ob, ',');
		outbuf_char(ob, '{');
		if (h->info.addr.family) {
			outbuf_lit(ob, "\"addr\":\"");
			outbuf_addr(ob, &h->info.addr);
			outbuf_char(ob, '"');
		} else {
			outbuf_lit(ob, "\"text\":");
			json_elem(ob, true, h->node->text, h->node->len);
		}
		json_token(ob, "class", fsc_hop_class_name(h));
		if (h->info.peer.family && h->info.cls == FSC_TSADDR_4TO6) {
			outbuf_lit(ob, ",\"v4\":\"");
			outbuf_addr(ob, &h->info.peer);
			outbuf_char(ob, '"');
		}
		if (fsc_hop_skip_name(h->skip))
			json_token(ob, "skipped", fsc_hop_skip_name(h->skip));
		outbuf_char(ob, '}');
	}
	outbuf_char(ob, ']');
}

static void json_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	struct outbuf *ob = pr->ob;

	json_str(ob, "method", h->method, h->method_len);
	json_str(ob, "uri", h->target, h->target_len);
	json_version(ob, h);
	json_header(ob, "host", in->host);
	if (se->u.req.xff && in->n_xff) {
		outbuf_lit(ob, ",\"xff\":[");
		for (size_t i = 0; i < se->u.req.xff->n; i++)
			json_elem(ob, i == 0, se->u.req.xff->elems[i].text,
				  se->u.req.xff->elems[i].len);
		outbuf_char(ob, ']');
	}
	if (se->u.req.fwd && in->n_forwarded) {
		outbuf_lit(ob, ",\"forwarded\":[");
		for (size_t i = 0; i < se->u.req.fwd->n; i++) {
			const struct fsc_xff_fwd_elem *e = &se->u.req.fwd->elems[i];
			bool first = true;
			if (i)
				outbuf_char(ob, ',');
			outbuf_char(ob, '{');
			json_fwd_value(ob, "for", &e->for_, &first);
			json_fwd_value(ob, "by", &e->by, &first);
			json_fwd_value(ob, "proto", &e->proto, &first);
			json_fwd_value(ob, "host", &e->host, &first);
			outbuf_char(ob, '}');
		}
		outbuf_char(ob, ']');
	}
	json_header(ob, "x_real_ip", in->x_real_ip);
	json_header(ob, "x_forwarded_host", in->x_forwarded_host);
	json_header(ob, "x_forwarded_proto", in->x_forwarded_proto);
	json_header(ob, "user_agent", in->user_agent);
	if (in->has_funnel) {
		json_key(ob, "funnel");
		outbuf_str(ob, in->funnel ? "true" : "false");
	}
	if (c && c->rule != FSC_CLIENT_NONE) {
		json_addr(pr, "client", &c->addr);
		json_token(ob, "client_rule", fsc_client_rule_name(c->rule));
		if (c->has_claimed)
			json_addr(pr, "claimed", &c->claimed);
		if (c->n_hops)
			json_hops(pr, c);
	}
	json_u64(ob, "request", se->u.req.index);
}

static void json_response(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;
	struct outbuf *ob = pr->ob;

	json_key(ob, "status");
	outbuf_i64(ob, h->status);
	json_str(ob, "reason", h->reason, h->reason_len);
	json_version(ob, h);
	if (!se->u.resp.matched)
		return;
	json_key(ob, "latency_ms");
	outbuf_ms(ob, se->u.resp.latency_ns);
	json_str(ob, "method", se->u.resp.method, strlen(se->u.resp.method));
	json_str(ob, "uri", se->u.resp.uri, strlen(se->u.resp.uri));
	json_u64(ob, "request", se->u.resp.index);
	/* what the request carried, so that a script needs no join */
	if (se->u.resp.host[0])
		json_str(ob, "host", se->u.resp.host, strlen(se->u.resp.host));
	if (se->u.resp.client.family) {
		json_addr(pr, "client", &se->u.resp.client);
		json_token(ob, "client_rule", fsc_client_rule_name(se->u.resp.client_rule));
	}
}

static void json_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	struct outbuf *ob = pr->ob;

	json_str(ob, "ingress_src", se->u.ingress.src, strlen(se->u.ingress.src));
	json_str(ob, "ingress_target", se->u.ingress.target, strlen(se->u.ingress.target));
	if (se->u.ingress.status) {
		json_key(ob, "status");
		outbuf_i64(ob, se->u.ingress.status);
	}
	if (se->u.ingress.has_sni)
		json_str(ob, "sni", se->u.ingress.sni, se->u.ingress.sni_len);
	else
		outbuf_lit(ob, ",\"sni\":null");
	if (se->u.ingress.client.family)
		json_addr(pr, "client", &se->u.ingress.client);
}

void stream_json(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct outbuf *ob = pr->ob;

	json_addr(pr, "src", &se->src);
	json_addr(pr, "dst", &se->dst);
	json_u64(ob, "sport", se->sport);
	json_u64(ob, "dport", se->dport);
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		json_hello(ob, se);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		json_server_hello(ob, se);
		break;
	case FSC_EV_HTTP_REQUEST:
		json_request(pr, se);
		break;
	case FSC_EV_HTTP_RESPONSE:
		json_response(pr, se);
		break;
	case FSC_EV_INGRESS:
		json_ingress(pr, se);
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		json_response_end(ob, se);
		break;
	default:
		break;
	}
	if (ev->status != FSC_OK) {
		outbuf_lit(ob, ",\"decode_status\":\"");
		outbuf_str(ob, fsc_status_name(ev->status));
		outbuf_lit(ob, "\",\"decode_reason\":\"");
		outbuf_str(ob, ev->why);
		outbuf_char(ob, '"');
	}
	flag_list(ob, se->flags, true);
}
