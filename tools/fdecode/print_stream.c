/* print_stream.c - TLS hellos, HTTP requests and responses, and the ingress
 * handshake as text lines and JSON objects (keys: doc/fdecode.1). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_FIELD 256 /* bytes of a packet string shown in a text line */
#define JSON_ELEM_CAP FSC_ESCAPE_JSON_CAP(16384)
_Static_assert(JSON_ELEM_CAP <= FSC_OUTBUF_ROOM_MAX, "an array element fits the output buffer");

/* Up to TEXT_FIELD bytes escaped, then "..." when there was more. */
static void text_span(struct fsc_outbuf *ob, const void *p, size_t len)
{
	fsc_outbuf_text_escaped(ob, p, len < TEXT_FIELD ? len : TEXT_FIELD,
			    FSC_ESCAPE_TEXT_CAP(TEXT_FIELD));
	if (len > TEXT_FIELD)
		fsc_outbuf_lit(ob, "...");
}

static void text_endpoints(struct printer *pr, const struct fsc_stream_event *se)
{
	text_addr(pr, &se->src, se->sport);
	fsc_outbuf_lit(pr->ob, " > ");
	text_addr(pr, &se->dst, se->dport);
	fsc_outbuf_lit(pr->ob, ": ");
}

/* Versions offered, GREASE left out: "1.3,1.2". */
static void version_list(struct fsc_outbuf *ob, const struct fsc_tls_client_hello *h)
{
	bool first = true;

	if (h->has_versions) {
		for (size_t i = 0; i < h->n_versions; i++) {
			const char *v = fsc_tls_version_name(h->versions[i]);
			if (fsc_tls_is_grease(h->versions[i]))
				continue;
			if (!first)
				fsc_outbuf_char(ob, ',');
			fsc_outbuf_str(ob, v ? v : "unknown");
			first = false;
		}
	} else {
		const char *v = fsc_tls_version_name(h->legacy_version);
		fsc_outbuf_str(ob, v ? v : "unknown");
	}
}

static void text_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	struct fsc_outbuf *ob = pr->ob;

	fsc_outbuf_lit(ob, "tls client hello sni ");
	if (h->has_sni && h->sni.len)
		text_span(ob, h->sni.p, h->sni.len);
	else
		fsc_outbuf_lit(ob, "(none)");
	if (h->has_alpn) {
		fsc_outbuf_lit(ob, " alpn ");
		for (size_t i = 0; i < h->n_alpn; i++) {
			if (i)
				fsc_outbuf_char(ob, ',');
			text_span(ob, h->alpn[i].p, h->alpn[i].len);
		}
	}
	fsc_outbuf_char(ob, ' ');
	version_list(ob, h);
	if (se->u.hello.have_fp) {
		fsc_outbuf_lit(ob, " ja4 ");
		fsc_outbuf_str(ob, se->u.hello.ja4);
	} else if (se->u.hello.ja_why) {
		fsc_outbuf_lit(ob, " (no fingerprint: ");
		fsc_outbuf_str(ob, se->u.hello.ja_why);
		fsc_outbuf_char(ob, ')');
	}
	if (se->u.hello.index > 1) {
		fsc_outbuf_lit(ob, " (hello ");
		fsc_outbuf_u64(ob, se->u.hello.index);
		fsc_outbuf_char(ob, ')');
	}
}

static void text_server_hello(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);
	struct fsc_outbuf *ob = pr->ob;

	fsc_outbuf_str(ob, h->hrr ? "tls server hello-retry-request " : "tls server hello ");
	fsc_outbuf_str(ob, v ? v : "unknown");
	fsc_outbuf_lit(ob, " cipher 0x");
	fsc_outbuf_hex(ob, h->cipher, 4);
	if (h->alpn.len) {
		fsc_outbuf_lit(ob, " alpn ");
		text_span(ob, h->alpn.p, h->alpn.len);
	}
}

static void text_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	struct fsc_outbuf *ob = pr->ob;

	fsc_outbuf_lit(ob, "http ");
	text_span(ob, h->method, h->method_len);
	fsc_outbuf_char(ob, ' ');
	if (in && in->host) {
		text_span(ob, in->host->value, in->host->value_len);
		fsc_outbuf_char(ob, ' ');
	}
	text_span(ob, h->target, h->target_len);
	if (c && c->rule != FSC_CLIENT_NONE) {
		fsc_outbuf_lit(ob, " client ");
		text_addr(pr, &c->addr, -1);
		fsc_outbuf_lit(ob, " (");
		fsc_outbuf_str(ob, fsc_client_rule_name(c->rule));
		if (c->has_claimed) {
			fsc_outbuf_lit(ob, "; claims ");
			fsc_outbuf_addr(ob, &c->claimed);
		}
		fsc_outbuf_char(ob, ')');
	}
	if (in && in->funnel)
		fsc_outbuf_lit(ob, " funnel");
	if (se->u.req.index > 1) {
		fsc_outbuf_lit(ob, " (request ");
		fsc_outbuf_u64(ob, se->u.req.index);
		fsc_outbuf_char(ob, ')');
	}
}

static void text_response(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;
	struct fsc_outbuf *ob = pr->ob;

	fsc_outbuf_lit(ob, "http ");
	fsc_outbuf_i64(ob, h->status);
	fsc_outbuf_char(ob, ' ');
	text_span(ob, h->reason, h->reason_len);
	if (se->u.resp.matched) {
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_ms(ob, se->u.resp.latency_ns);
		fsc_outbuf_lit(ob, "ms for ");
		text_span(ob, se->u.resp.method, strlen(se->u.resp.method));
		fsc_outbuf_char(ob, ' ');
		text_span(ob, se->u.resp.uri, strlen(se->u.resp.uri));
		if (se->u.resp.index > 1) {
			fsc_outbuf_lit(ob, " (request ");
			fsc_outbuf_u64(ob, se->u.resp.index);
			fsc_outbuf_char(ob, ')');
		}
	} else {
		fsc_outbuf_lit(ob, " (request not seen)");
	}
}

/* The body's last byte: both latencies, from the request head. */
static void text_response_end(struct fsc_outbuf *ob, const struct fsc_stream_event *se)
{
	fsc_outbuf_lit(ob, "http end ");
	fsc_outbuf_i64(ob, se->u.resp_end.status);
	fsc_outbuf_lit(ob, " first byte ");
	fsc_outbuf_ms(ob, se->u.resp_end.first_ns);
	fsc_outbuf_lit(ob, "ms last byte ");
	fsc_outbuf_ms(ob, se->u.resp_end.last_ns);
	fsc_outbuf_lit(ob, "ms");
	if (se->u.resp_end.index > 1) {
		fsc_outbuf_lit(ob, " (request ");
		fsc_outbuf_u64(ob, se->u.resp_end.index);
		fsc_outbuf_char(ob, ')');
	}
}

static void text_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	struct fsc_outbuf *ob = pr->ob;

	fsc_outbuf_lit(ob, "ingress src ");
	if (se->u.ingress.client.family)
		text_addr(pr, &se->u.ingress.client,
			  se->u.ingress.client_port ? se->u.ingress.client_port : -1);
	else
		text_span(ob, se->u.ingress.src, strlen(se->u.ingress.src));
	fsc_outbuf_lit(ob, " target ");
	text_span(ob, se->u.ingress.target, strlen(se->u.ingress.target));
	if (se->u.ingress.status) {
		fsc_outbuf_lit(ob, " answer ");
		fsc_outbuf_i64(ob, se->u.ingress.status);
	} else {
		fsc_outbuf_lit(ob, " (no answer seen)");
	}
	if (se->u.ingress.has_sni) {
		fsc_outbuf_lit(ob, " sni ");
		text_span(ob, se->u.ingress.sni, se->u.ingress.sni_len);
	}
}

/* The event's flags as names, in bit order: " [resync,smuggling-suspect]". */
static void flag_list(struct fsc_outbuf *ob, unsigned flags)
{
	bool first = true;

	if (!flags)
		return;
	fsc_outbuf_lit(ob, " [");
	for (unsigned bit = 1; bit; bit <<= 1) {
		const char *name = flags & bit ? fsc_stream_flag_name(bit) : NULL;
		if (!name)
			continue;
		if (!first)
			fsc_outbuf_char(ob, ',');
		fsc_outbuf_str(ob, name);
		first = false;
	}
	fsc_outbuf_char(ob, ']');
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
		fsc_outbuf_lit(pr->ob, " (");
		fsc_outbuf_str(pr->ob, fsc_status_name(ev->status));
		fsc_outbuf_lit(pr->ob, ": ");
		fsc_outbuf_str(pr->ob, ev->why);
		fsc_outbuf_char(pr->ob, ')');
	}
	flag_list(pr->ob, se->flags);
}

/* ---- JSON ---- */

/* Versions offered, GREASE left out: "versions":["1.3","1.2"]. */
static void json_versions(struct fsc_jsonw *w, const struct fsc_tls_client_hello *h)
{
	fsc_jsonw_array_begin(w, "versions");
	if (h->has_versions) {
		for (size_t i = 0; i < h->n_versions; i++) {
			const char *v = fsc_tls_version_name(h->versions[i]);
			if (!fsc_tls_is_grease(h->versions[i]))
				fsc_jsonw_token(w, NULL, v ? v : "unknown");
		}
	} else {
		const char *v = fsc_tls_version_name(h->legacy_version);
		fsc_jsonw_token(w, NULL, v ? v : "unknown");
	}
	fsc_jsonw_array_end(w);
}

static void json_hello(struct fsc_jsonw *w, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *h = se->u.hello.h;
	const char *legacy = fsc_tls_version_name(h->legacy_version);

	if (h->has_sni && h->sni.len)
		fsc_jsonw_str(w, "sni", h->sni.p, h->sni.len);
	else
		fsc_jsonw_null(w, "sni");
	fsc_jsonw_array_begin(w, "alpn");
	for (size_t i = 0; i < h->n_alpn; i++)
		fsc_jsonw_str_cap(w, NULL, h->alpn[i].p, h->alpn[i].len, JSON_ELEM_CAP);
	fsc_jsonw_array_end(w);
	json_versions(w, h);
	fsc_jsonw_token(w, "legacy_version", legacy ? legacy : "unknown");
	if (se->u.hello.have_fp) {
		fsc_jsonw_token(w, "ja3", se->u.hello.ja3);
		fsc_jsonw_token(w, "ja3_string", se->u.hello.ja3_string);
		fsc_jsonw_token(w, "ja4", se->u.hello.ja4);
	} else if (se->u.hello.ja_why) {
		fsc_jsonw_token(w, "fingerprint_error", se->u.hello.ja_why);
	}
	fsc_jsonw_u64(w, "hello", se->u.hello.index);
}

static void json_server_hello(struct fsc_jsonw *w, const struct fsc_stream_event *se)
{
	const struct fsc_tls_server_hello *h = se->u.server.h;
	const char *v = fsc_tls_version_name(h->version);

	fsc_jsonw_token(w, "version", v ? v : "unknown");
	fsc_jsonw_hex_u64(w, "cipher", h->cipher, 4);
	fsc_jsonw_str(w, "alpn", h->alpn.p, h->alpn.len);
	if (h->hrr)
		fsc_jsonw_bool(w, "hrr", true);
}

/* "HTTP/1.<minor>", or the version as sent when it is not of that form. */
static void json_version(struct fsc_jsonw *w, const struct fsc_http_head *h)
{
	if ((h->flags & FSC_HTTP_F_VERSION) && h->version) {
		fsc_jsonw_str(w, "version", h->version, h->version_len);
		return;
	}
	fsc_jsonw_key(w, "version");
	fsc_outbuf_lit(w->ob, "\"HTTP/1.");
	fsc_outbuf_i64(w->ob, h->minor_version);
	fsc_outbuf_char(w->ob, '"');
}

static void json_header(struct fsc_jsonw *w, const char *key, const struct fsc_http_header *hd)
{
	if (hd)
		fsc_jsonw_str(w, key, hd->value, hd->value_len);
}

/* A Forwarded parameter as sent, unquoted. */
static void json_fwd_value(struct fsc_jsonw *w, const char *key, const struct fsc_xff_fwd_value *v)
{
	char buf[1024];

	if (!v->present)
		return;
	size_t n = fsc_xff_fwd_unquote(v, buf, sizeof(buf));
	fsc_jsonw_str_cap(w, key, buf, n < sizeof(buf) ? n : sizeof(buf) - 1, JSON_ELEM_CAP);
}

static void json_hops(struct printer *pr, const struct fsc_client *c)
{
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_array_begin(w, "hops");
	for (size_t i = 0; i < c->n_hops; i++) {
		const struct fsc_hop *h = &c->hops[i];
		fsc_jsonw_object_begin_at(w, NULL);
		if (h->info.addr.family)
			fsc_jsonw_addr(w, "addr", &h->info.addr);
		else
			fsc_jsonw_str_cap(w, "text", h->node->text, h->node->len, JSON_ELEM_CAP);
		fsc_jsonw_token(w, "class", fsc_hop_class_name(h));
		if (h->info.peer.family && h->info.cls == FSC_TSADDR_4TO6)
			fsc_jsonw_addr(w, "v4", &h->info.peer);
		fsc_jsonw_token(w, "skipped", fsc_hop_skip_name(h->skip));
		fsc_jsonw_object_end(w);
	}
	fsc_jsonw_array_end(w);
}

static void json_request(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_str(w, "method", h->method, h->method_len);
	fsc_jsonw_str(w, "uri", h->target, h->target_len);
	json_version(w, h);
	json_header(w, "host", in->host);
	if (se->u.req.xff && in->n_xff) {
		fsc_jsonw_array_begin(w, "xff");
		for (size_t i = 0; i < se->u.req.xff->n; i++)
			fsc_jsonw_str_cap(w, NULL, se->u.req.xff->elems[i].text,
					  se->u.req.xff->elems[i].len, JSON_ELEM_CAP);
		fsc_jsonw_array_end(w);
	}
	if (se->u.req.fwd && in->n_forwarded) {
		fsc_jsonw_array_begin(w, "forwarded");
		for (size_t i = 0; i < se->u.req.fwd->n; i++) {
			const struct fsc_xff_fwd_elem *e = &se->u.req.fwd->elems[i];
			fsc_jsonw_object_begin_at(w, NULL);
			json_fwd_value(w, "for", &e->for_);
			json_fwd_value(w, "by", &e->by);
			json_fwd_value(w, "proto", &e->proto);
			json_fwd_value(w, "host", &e->host);
			fsc_jsonw_object_end(w);
		}
		fsc_jsonw_array_end(w);
	}
	json_header(w, "x_real_ip", in->x_real_ip);
	json_header(w, "x_forwarded_host", in->x_forwarded_host);
	json_header(w, "x_forwarded_proto", in->x_forwarded_proto);
	json_header(w, "user_agent", in->user_agent);
	if (in->has_funnel)
		fsc_jsonw_bool(w, "funnel", in->funnel);
	if (c && c->rule != FSC_CLIENT_NONE) {
		json_addr(pr, "client", &c->addr);
		fsc_jsonw_token(w, "client_rule", fsc_client_rule_name(c->rule));
		if (c->has_claimed)
			json_addr(pr, "claimed", &c->claimed);
		if (c->n_hops)
			json_hops(pr, c);
	}
	fsc_jsonw_u64(w, "request", se->u.req.index);
}

static void json_response(struct printer *pr, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.resp.head;
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_i64(w, "status", h->status);
	fsc_jsonw_str(w, "reason", h->reason, h->reason_len);
	json_version(w, h);
	if (!se->u.resp.matched)
		return;
	fsc_jsonw_ms(w, "latency_ms", se->u.resp.latency_ns);
	fsc_jsonw_cstr(w, "method", se->u.resp.method);
	fsc_jsonw_cstr(w, "uri", se->u.resp.uri);
	fsc_jsonw_u64(w, "request", se->u.resp.index);
	/* what the request carried, so that a script needs no join */
	if (se->u.resp.host[0])
		fsc_jsonw_cstr(w, "host", se->u.resp.host);
	if (se->u.resp.client.family) {
		json_addr(pr, "client", &se->u.resp.client);
		fsc_jsonw_token(w, "client_rule", fsc_client_rule_name(se->u.resp.client_rule));
	}
}

static void json_response_end(struct fsc_jsonw *w, const struct fsc_stream_event *se)
{
	fsc_jsonw_i64(w, "status", se->u.resp_end.status);
	fsc_jsonw_ms(w, "latency_ms", se->u.resp_end.first_ns);
	fsc_jsonw_ms(w, "latency_last_ms", se->u.resp_end.last_ns);
	fsc_jsonw_u64(w, "request", se->u.resp_end.index);
}

static void json_ingress(struct printer *pr, const struct fsc_stream_event *se)
{
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_cstr(w, "ingress_src", se->u.ingress.src);
	fsc_jsonw_cstr(w, "ingress_target", se->u.ingress.target);
	if (se->u.ingress.status)
		fsc_jsonw_i64(w, "status", se->u.ingress.status);
	if (se->u.ingress.has_sni)
		fsc_jsonw_str(w, "sni", se->u.ingress.sni, se->u.ingress.sni_len);
	else
		fsc_jsonw_null(w, "sni");
	if (se->u.ingress.client.family && se->u.ingress.client_port)
		json_endpoint(pr, "client", "client_port", &se->u.ingress.client,
			      se->u.ingress.client_port);
	else if (se->u.ingress.client.family) /* no port sent: none made up */
		json_addr(pr, "client", &se->u.ingress.client);
}

/* The event's flags as names, in bit order: "flags":["resync",...]. */
static void json_flags(struct fsc_jsonw *w, unsigned flags)
{
	if (!flags)
		return;
	fsc_jsonw_array_begin(w, "flags");
	for (unsigned bit = 1; bit; bit <<= 1)
		if (flags & bit)
			fsc_jsonw_token(w, NULL, fsc_stream_flag_name(bit));
	fsc_jsonw_array_end(w);
}

void stream_json(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct fsc_jsonw *w = &pr->jw;

	json_head(pr, ev);
	json_addr(pr, "src", &se->src);
	json_addr(pr, "dst", &se->dst);
	fsc_jsonw_u64(w, "sport", se->sport);
	fsc_jsonw_u64(w, "dport", se->dport);
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		json_hello(w, se);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		json_server_hello(w, se);
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
		json_response_end(w, se);
		break;
	default:
		break;
	}
	if (ev->status != FSC_OK)
		json_status(pr, ev);
	json_flags(w, se->flags);
	json_tunnel(pr, ev);
	fsc_jsonw_line_end(w);
}
