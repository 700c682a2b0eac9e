/*
 * accesslog.c - request records as access log lines.
 *
 * NCSA combined (Apache's "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\"
 * \"%{User-agent}i\"", nginx's `combined`): the host field is the client
 * by the client rule, so a log tool counts the people behind a funnel,
 * not the proxy on loopback. Strings are escaped as Apache escapes them
 * (\" \\ \xNN), which the tools read back. JSON lines carry the record.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fsc/accesslog.h"
#include "fsc/escape.h"
#include "fsc/span.h"

/* An appender that never writes past cap and remembers that it tried. */
struct w {
	char *p;
	size_t len, cap;
	bool over;
};

static void put(struct w *w, const char *s, size_t n)
{
	if (w->over || n >= w->cap - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_s(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_u64(struct w *w, uint64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
	put(w, b, (size_t)n);
}

/* Milliseconds with three decimals, as fdecode's latency_ms. */
static void put_ms(struct w *w, int64_t ns)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%lld.%03lld", (long long)(ns / 1000000),
			 (long long)(ns / 1000 % 1000));
	put(w, b, (size_t)n);
}

static void put_escaped(struct w *w, const char *s, size_t n, bool json)
{
	size_t need = json ? FSC_ESCAPE_JSON_CAP(n) : FSC_ESCAPE_TEXT_CAP(n);

	if (w->over || need >= w->cap - w->len) {
		w->over = true;
		return;
	}
	w->len += json ? fsc_escape_json((const uint8_t *)s, n, w->p + w->len, need)
		       : fsc_escape_text((const uint8_t *)s, n, w->p + w->len, need);
}

static void put_addr(struct w *w, const struct fsc_addr *a)
{
	char b[FSC_ADDR_STRLEN];
	put_s(w, fsc_addr_str(a, b));
}

/* ---- redaction ---- */

bool fsc_accesslog_redacts(const struct fsc_accesslog_opts *o, const char *name, size_t len)
{
	for (size_t i = 0; o && i < o->n_redact_headers; i++)
		if (fsc_span_ieq(name, len, o->redact_headers[i]))
			return true;
	return false;
}

static bool query_redacts(const struct fsc_accesslog_opts *o, const char *name, size_t len)
{
	for (size_t i = 0; o && i < o->n_redact_query; i++)
		if (strlen(o->redact_query[i]) == len && memcmp(o->redact_query[i], name, len) == 0)
			return true;
	return false;
}

size_t fsc_accesslog_redact_target(const char *t, size_t len,
				   const struct fsc_accesslog_opts *o, char *out, size_t cap)
{
	struct w w = { out, 0, cap, false };
	const char *q = memchr(t, '?', len);

	if (!q || !o || !o->n_redact_query) {
		put(&w, t, len);
	} else {
		const char *end = t + len, *frag = memchr(q, '#', (size_t)(end - q));
		const char *stop = frag ? frag : end, *p = q + 1;
		put(&w, t, (size_t)(p - t));
		while (p <= stop) {
			const char *amp = memchr(p, '&', (size_t)(stop - p));
			const char *e = amp ? amp : stop;
			const char *eq = memchr(p, '=', (size_t)(e - p));
			if (eq && query_redacts(o, p, (size_t)(eq - p))) {
				put(&w, p, (size_t)(eq - p) + 1);
				put_s(&w, FSC_ACCESSLOG_REDACTED);
			} else {
				put(&w, p, (size_t)(e - p));
			}
			if (!amp)
				break;
			put(&w, "&", 1);
			p = amp + 1;
		}
		put(&w, stop, (size_t)(end - stop));
	}
	if (w.over)
		return cap;
	out[w.len] = '\0';
	return w.len;
}

static struct fsc_addr truncate_addr(struct fsc_addr a, bool on)
{
	if (on && a.family == 4)
		a.b[3] = 0;
	else if (on && a.family == 6)
		memset(a.b + 6, 0, 10);
	return a;
}

struct fsc_addr fsc_accesslog_client(const struct fsc_request *rec,
				     const struct fsc_accesslog_opts *o)
{
	/* A head cut before its end names no client: its sender it is. */
	struct fsc_addr a = rec->client.addr.family ? rec->client.addr : rec->src;
	return truncate_addr(a, o && o->truncate_clients);
}

/* ---- combined ---- */

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void put_clf_time(struct w *w, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char b[40];

	if (!gmtime_r(&sec, &tm)) {
		put_s(w, "[01/Jan/1970:00:00:00 +0000]");
		return;
	}
	int n = snprintf(b, sizeof(b), "[%02d/%s/%04d:%02d:%02d:%02d +0000]", tm.tm_mday,
			 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
			 tm.tm_sec);
	put(w, b, (size_t)n);
}

static void put_target(struct w *w, const struct fsc_request *rec,
		       const struct fsc_accesslog_opts *o, bool json)
{
	char t[FSC_REQ_TARGET_MAX + 16 * sizeof(FSC_ACCESSLOG_REDACTED) + 1];
	size_t n = fsc_accesslog_redact_target(rec->target, rec->target_len, o, t, sizeof(t));

	if (n == sizeof(t)) {
		w->over = true;
		return;
	}
	put_escaped(w, t, n, json);
}

/* A header's value in a combined line: "-" when absent, REDACTED on request. */
static void put_header(struct w *w, const char *name, const char *s, size_t n,
		       const struct fsc_accesslog_opts *o)
{
	if (!n)
		put_s(w, "-");
	else if (fsc_accesslog_redacts(o, name, strlen(name)))
		put_s(w, FSC_ACCESSLOG_REDACTED);
	else
		put_escaped(w, s, n, false);
}

static void combined(struct w *w, const struct fsc_request *rec,
		     const struct fsc_accesslog_opts *o)
{
	struct fsc_addr client = fsc_accesslog_client(rec, o);
	char v[16];

	put_addr(w, &client);
	put_s(w, " - - ");
	put_clf_time(w, rec->req.ts_ns);
	put_s(w, " \"");
	put_escaped(w, rec->method, rec->method_len, false);
	put_s(w, " ");
	put_target(w, rec, o, false);
	snprintf(v, sizeof(v), " HTTP/1.%d\" ", rec->minor_version % 10);
	put_s(w, v);
	/* A status field must be a number to log readers (GoAccess drops the
	 * line otherwise): no answer seen is nginx's 499, a request whose
	 * connection ended before any answer. */
	put_u64(w, rec->status ? (uint64_t)rec->status : FSC_ACCESSLOG_NO_ANSWER);
	put_s(w, " ");
	if (rec->status && rec->resp_body_known)
		put_u64(w, rec->resp_body_len);
	else
		put_s(w, "-");
	put_s(w, " \"");
	put_header(w, "Referer", rec->referer, rec->referer_len, o);
	put_s(w, "\" \"");
	put_header(w, "User-Agent", rec->user_agent, rec->ua_len, o);
	put_s(w, "\"\n");
}

/* ---- JSON ---- */

static const char *const key_names[FSC_AK_COUNT] = {
	[FSC_AK_TS] = "ts", [FSC_AK_STATE] = "state", [FSC_AK_FLOW] = "flow",
	[FSC_AK_REQUEST] = "request", [FSC_AK_SRC] = "src", [FSC_AK_DST] = "dst",
	[FSC_AK_CLIENT] = "client", [FSC_AK_CLAIMED] = "claimed", [FSC_AK_XFF] = "xff",
	[FSC_AK_METHOD] = "method", [FSC_AK_URI] = "uri", [FSC_AK_VERSION] = "version",
	[FSC_AK_HOST] = "host", [FSC_AK_USER_AGENT] = "user_agent",
	[FSC_AK_REFERER] = "referer", [FSC_AK_STATUS] = "status",
	[FSC_AK_LATENCY] = "latency", [FSC_AK_BODY] = "body", [FSC_AK_FUNNEL] = "funnel",
	[FSC_AK_TLS] = "tls", [FSC_AK_INGRESS] = "ingress", [FSC_AK_HEADERS] = "headers",
	[FSC_AK_CUT] = "cut", [FSC_AK_SEEN] = "seen",
};

const char *fsc_accesslog_key_name(enum fsc_accesslog_key k)
{
	return (unsigned)k < FSC_AK_COUNT ? key_names[k] : NULL;
}

enum fsc_accesslog_key fsc_accesslog_key_parse(const char *name, size_t len)
{
	for (int k = 0; k < FSC_AK_COUNT; k++)
		if (strlen(key_names[k]) == len && memcmp(key_names[k], name, len) == 0)
			return (enum fsc_accesslog_key)k;
	return FSC_AK_COUNT;
}

/* ,"key": (the first member of an object without the comma) */
static void key(struct w *w, bool *first, const char *k)
{
	put_s(w, *first ? "\"" : ",\"");
	*first = false;
	put_s(w, k);
	put_s(w, "\":");
}

static void jstr(struct w *w, bool *first, const char *k, const char *s, size_t n)
{
	key(w, first, k);
	put_s(w, "\"");
	put_escaped(w, s, n, true);
	put_s(w, "\"");
}

/* A standard key that holds a header's value: redacted with its header. */
static void jheader(struct w *w, bool *first, const char *k, const char *header, const char *s,
		    size_t n, const struct fsc_accesslog_opts *o)
{
	if (fsc_accesslog_redacts(o, header, strlen(header)))
		jstr(w, first, k, FSC_ACCESSLOG_REDACTED, strlen(FSC_ACCESSLOG_REDACTED));
	else
		jstr(w, first, k, s, n);
}

static void jaddr(struct w *w, bool *first, const char *k, const struct fsc_addr *a)
{
	key(w, first, k);
	put_s(w, "\"");
	put_addr(w, a);
	put_s(w, "\"");
}

static void jnum(struct w *w, bool *first, const char *k, uint64_t v)
{
	key(w, first, k);
	put_u64(w, v);
}

static void jts(struct w *w, int64_t ns)
{
	char b[40];
	int n = snprintf(b, sizeof(b), "%lld.%06lld", (long long)(ns / 1000000000),
			 (long long)(ns / 1000 % 1000000));
	put(w, b, (size_t)n);
}

static void jseen(struct w *w, bool *first, const char *k, const struct fsc_req_seen *s)
{
	bool f = true;

	if (!s->seen)
		return;
	key(w, first, k);
	put_s(w, "{");
	key(w, &f, "ts");
	jts(w, s->ts_ns);
	jnum(w, &f, "frame", s->frame);
	jnum(w, &f, "file", s->file);
	jnum(w, &f, "iface", s->iface);
	jnum(w, &f, "tunnel", s->tunnel);
	put_s(w, "}");
}

static void jfields(struct w *w, bool *first, const struct fsc_request *rec,
		    const struct fsc_accesslog_opts *o, bool response)
{
	bool any = false, f = true;

	for (size_t i = 0; i < rec->n_fields; i++) {
		const struct fsc_req_field *x = &rec->fields[i];
		if (x->response != response || !x->present)
			continue;
		if (!any)
			key(w, first, response ? "response_headers" : "request_headers");
		put_s(w, any ? "" : "{");
		any = true;
		if (fsc_accesslog_redacts(o, x->name, strlen(x->name)))
			jstr(w, &f, x->name, FSC_ACCESSLOG_REDACTED, strlen(FSC_ACCESSLOG_REDACTED));
		else
			jstr(w, &f, x->name, x->value, x->len);
	}
	if (any)
		put_s(w, "}");
}

static const char *const cut_names[] = {
	"target", "host", "method", "user_agent", "xff", "reason", "sni", "alpn",
	"ingress", "field", "request_headers", "response_headers", "referer",
};

static void json(struct w *w, const struct fsc_request *rec, const struct fsc_accesslog_opts *o)
{
	unsigned keys = o && o->keys ? o->keys : FSC_AK_ALL;
	bool first = true;
#define ON(k) (keys & (1u << (k)))

	put_s(w, "{");
	if (ON(FSC_AK_TS)) {
		key(w, &first, "ts");
		jts(w, rec->req.ts_ns);
	}
	if (o && o->type_key)
		jstr(w, &first, "type", "request", 7);
	if (ON(FSC_AK_STATE))
		jstr(w, &first, "state", fsc_req_state_name(rec->state),
		     strlen(fsc_req_state_name(rec->state)));
	if (ON(FSC_AK_FLOW))
		jnum(w, &first, "flow", rec->flow_id);
	if (ON(FSC_AK_REQUEST)) {
		jnum(w, &first, "seq", rec->seq);
		jnum(w, &first, "request", rec->index);
	}
	if (ON(FSC_AK_SRC)) {
		jaddr(w, &first, "src", &rec->src);
		jnum(w, &first, "sport", rec->sport);
	}
	if (ON(FSC_AK_DST)) {
		jaddr(w, &first, "dst", &rec->dst);
		jnum(w, &first, "dport", rec->dport);
	}
	if (ON(FSC_AK_CLIENT)) {
		struct fsc_addr c = fsc_accesslog_client(rec, o);
		jaddr(w, &first, "client", &c);
		const char *rule = fsc_client_rule_name(rec->client.rule);
		jstr(w, &first, "client_rule", rule, strlen(rule));
		if (rec->client.hops)
			jnum(w, &first, "hops", rec->client.hops);
	}
	if (ON(FSC_AK_CLAIMED) && rec->client.has_claimed) {
		struct fsc_addr c = truncate_addr(rec->client.claimed, o && o->truncate_clients);
		jaddr(w, &first, "claimed", &c);
	}
	if (ON(FSC_AK_XFF) && rec->xff_len)
		jheader(w, &first, "xff", "X-Forwarded-For", rec->xff, rec->xff_len, o);
	if (ON(FSC_AK_METHOD))
		jstr(w, &first, "method", rec->method, rec->method_len);
	if (ON(FSC_AK_URI)) {
		key(w, &first, "uri");
		put_s(w, "\"");
		put_target(w, rec, o, true);
		put_s(w, "\"");
	}
	if (ON(FSC_AK_VERSION)) {
		char v[16];
		int n = snprintf(v, sizeof(v), "HTTP/1.%d", rec->minor_version % 10);
		jstr(w, &first, "version", v, (size_t)n);
	}
	if (ON(FSC_AK_HOST) && rec->host_len)
		jheader(w, &first, "host", "Host", rec->host, rec->host_len, o);
	if (ON(FSC_AK_USER_AGENT) && rec->ua_len)
		jheader(w, &first, "user_agent", "User-Agent", rec->user_agent, rec->ua_len, o);
	if (ON(FSC_AK_REFERER) && rec->referer_len)
		jheader(w, &first, "referer", "Referer", rec->referer, rec->referer_len, o);
	if (ON(FSC_AK_STATUS) && rec->status) {
		jnum(w, &first, "status", (uint64_t)rec->status);
		jstr(w, &first, "reason", rec->reason, rec->reason_len);
		if (rec->interim)
			jnum(w, &first, "interim", rec->interim);
	}
	if (ON(FSC_AK_LATENCY) && rec->first_ns >= 0) {
		key(w, &first, "latency_ms");
		put_ms(w, rec->first_ns);
		if (rec->last_ns >= 0) {
			key(w, &first, "latency_last_ms");
			put_ms(w, rec->last_ns);
		}
	}
	if (ON(FSC_AK_BODY)) {
		if (rec->req_body_known)
			jnum(w, &first, "request_body_bytes", rec->req_body_len);
		if (rec->resp_body_known) {
			jnum(w, &first, "response_body_bytes", rec->resp_body_len);
			if (!rec->resp_body_measured) {
				key(w, &first, "response_body_declared");
				put_s(w, "true");
			}
		}
	}
	if (ON(FSC_AK_FUNNEL) && rec->funnel) {
		key(w, &first, "funnel");
		put_s(w, "true");
	}
	if (ON(FSC_AK_TLS)) {
		if (rec->has_sni)
			jstr(w, &first, "sni", rec->sni, rec->sni_len);
		if (rec->alpn_len)
			jstr(w, &first, "alpn", rec->alpn, rec->alpn_len);
		if (rec->ja4_len)
			jstr(w, &first, "ja4", rec->ja4, rec->ja4_len);
	}
	if (ON(FSC_AK_INGRESS) && rec->has_ingress) {
		jstr(w, &first, "ingress_src", rec->ingress_src, rec->ingress_src_len);
		jstr(w, &first, "ingress_target", rec->ingress_target, rec->ingress_target_len);
	}
	if (ON(FSC_AK_HEADERS)) {
		jfields(w, &first, rec, o, false);
		jfields(w, &first, rec, o, true);
	}
	if (ON(FSC_AK_CUT) && rec->cut) {
		bool any = false;
		key(w, &first, "cut");
		put_s(w, "[");
		for (unsigned i = 0; i < sizeof(cut_names) / sizeof(cut_names[0]); i++) {
			if (!(rec->cut & (1u << i)))
				continue;
			put_s(w, any ? ",\"" : "\"");
			put_s(w, cut_names[i]);
			put_s(w, "\"");
			any = true;
		}
		put_s(w, "]");
	}
	if (ON(FSC_AK_SEEN)) {
		jnum(w, &first, "obs", rec->obs);
		jnum(w, &first, "tunnel", rec->tunnel);
		jseen(w, &first, "seen_request", &rec->req);
		jseen(w, &first, "seen_response", &rec->resp);
		jseen(w, &first, "seen_end", &rec->end);
		jseen(w, &first, "seen_hello", &rec->hello);
		jseen(w, &first, "seen_ingress", &rec->ingress);
	}
	put_s(w, "}\n");
#undef ON
}

size_t fsc_accesslog_format(const struct fsc_request *rec, const struct fsc_accesslog_opts *o,
			    char *buf, size_t cap)
{
	struct w w = { buf, 0, cap, cap == 0 };

	if (o && o->format == FSC_ACCESSLOG_JSON)
		json(&w, rec, o);
	else
		combined(&w, rec, o);
	if (w.over)
		return 0;
	buf[w.len] = '\0';
	return w.len;
}
