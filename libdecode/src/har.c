/* har.c - request records as HAR 1.2 (http://www.softwareishard.com/
 * blog/har-12-spec/) and as a curl command (har.h). Records come as their
 * transactions end, but HAR viewers list entries in the order they come
 * and expect it to be startedDateTime's: each entry is written to a spool
 * file as it comes, with its start kept in an index (32 bytes an entry, no
 * more in memory), and the log is put in start order at its end. */
#include "fsc/har.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/escape.h"
#include "fsc/span.h"

struct spooled {
	int64_t start_ns;	/* the request head's time */
	uint64_t seq;		/* ties: the order requests were numbered in */
	long off, len;		/* where the entry is in the spool */
};

struct fsc_har {
	FILE *out;		/* the caller's */
	FILE *f;		/* the spool the entries are written to */
	bool failed;
	struct spooled *idx;
	size_t n, cap;
	char esc[FSC_ESCAPE_JSON_CAP(FSC_REQ_HEAD_CAP_MAX)];
};

static void jstr(struct fsc_har *h, const char *s, size_t n)
{
	if (n > FSC_REQ_HEAD_CAP_MAX)
		n = FSC_REQ_HEAD_CAP_MAX;
	size_t k = fsc_escape_json((const uint8_t *)s, n, h->esc, sizeof(h->esc));
	fputc('"', h->f);
	fwrite(h->esc, 1, k, h->f);
	fputc('"', h->f);
}

static void jkv(struct fsc_har *h, const char *key, const char *s, size_t n)
{
	fprintf(h->f, "\"%s\":", key);
	jstr(h, s, n);
}

struct fsc_har *fsc_har_start(FILE *f, const char *creator, const char *version)
{
	struct fsc_har *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->out = h->f = f;
	fputs("{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":", f);
	jstr(h, creator, strlen(creator));
	fputs(",\"version\":", f);
	jstr(h, version, strlen(version));
	fputs("},\"entries\":[", f);
	h->f = tmpfile();
	if (!h->f) {
		free(h);
		return NULL;
	}
	return h;
}

static int by_start(const void *a, const void *b)
{
	const struct spooled *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The spooled entries to the log, by start. */
static bool unspool(struct fsc_har *h)
{
	char buf[8192];
	bool ok = fflush(h->f) == 0 && !ferror(h->f);

	if (h->n) /* no index at all before the first entry */
		qsort(h->idx, h->n, sizeof(*h->idx), by_start);
	for (size_t i = 0; ok && i < h->n; i++) {
		fputs(i ? ",\n" : "\n", h->out);
		ok = fseek(h->f, h->idx[i].off, SEEK_SET) == 0;
		for (long left = h->idx[i].len; ok && left > 0;) {
			size_t want = left < (long)sizeof(buf) ? (size_t)left : sizeof(buf);
			size_t got = fread(buf, 1, want, h->f);
			ok = got == want && fwrite(buf, 1, got, h->out) == got;
			left -= (long)got;
		}
	}
	return ok;
}

bool fsc_har_end(struct fsc_har *h)
{
	if (!h)
		return true;
	bool ok = !h->failed && unspool(h);
	fputs("\n]}}\n", h->out);
	ok = fflush(h->out) == 0 && !ferror(h->out) && ok;
	fclose(h->f);
	free(h->idx);
	free(h);
	return ok;
}

/* The header lines kept of one head as HAR name/value pairs. */
static void har_headers(struct fsc_har *h, const char *text, size_t len,
			const struct fsc_accesslog_opts *o)
{
	struct fsc_span name, value;
	size_t off = 0;
	bool first = true;

	fputc('[', h->f);
	while (fsc_request_header_next(text, len, &off, &name, &value)) {
		fputs(first ? "{" : ",{", h->f);
		first = false;
		jkv(h, "name", name.p, name.len);
		fputc(',', h->f);
		if (fsc_accesslog_redacts(o, name.p, name.len))
			jkv(h, "value", FSC_ACCESSLOG_REDACTED, strlen(FSC_ACCESSLOG_REDACTED));
		else
			jkv(h, "value", value.p, value.len);
		fputc('}', h->f);
	}
	fputc(']', h->f);
}

/* The first value of the header named want; *v untouched when none. */
static bool header_value(const char *text, size_t len, const char *want, struct fsc_span *v)
{
	struct fsc_span name, value;
	size_t off = 0;

	while (fsc_request_header_next(text, len, &off, &name, &value)) {
		if (fsc_span_ieq(name.p, name.len, want)) {
			*v = value;
			return true;
		}
	}
	return false;
}

/* The query string of the (redacted) target, as HAR name/value pairs. */
static void har_query(struct fsc_har *h, const char *t, size_t len)
{
	const char *q = memchr(t, '?', len), *end = t + len;
	bool first = true;

	fputc('[', h->f);
	if (q) {
		const char *frag = memchr(q, '#', (size_t)(end - q));
		const char *stop = frag ? frag : end, *p = q + 1;
		while (p < stop) {
			const char *amp = memchr(p, '&', (size_t)(stop - p));
			const char *e = amp ? amp : stop;
			const char *eq = memchr(p, '=', (size_t)(e - p));
			fputs(first ? "{" : ",{", h->f);
			first = false;
			jkv(h, "name", p, (size_t)((eq ? eq : e) - p));
			fputc(',', h->f);
			jkv(h, "value", eq ? eq + 1 : e, eq ? (size_t)(e - eq - 1) : 0);
			fputc('}', h->f);
			p = e + 1;
		}
	}
	fputc(']', h->f);
}

/* scheme://host + target, or the target when it is absolute already. */
static size_t url_of(const struct fsc_request *r, const char *target, size_t tlen, char *out,
		     size_t cap)
{
	char host[FSC_REQ_HOST_MAX + FSC_ENDPOINT_STRLEN];

	if ((tlen >= 7 && fsc_span_ieq_n(target, "http://", 7)) ||
	    (tlen >= 8 && fsc_span_ieq_n(target, "https://", 8)))
		return (size_t)snprintf(out, cap, "%.*s", (int)tlen, target);
	if (r->host_len) {
		snprintf(host, sizeof(host), "%s", r->host);
	} else {
		char a[FSC_ADDR_STRLEN];
		fsc_addr_str(&r->dst, a);
		snprintf(host, sizeof(host), r->dst.family == 6 ? "[%s]:%u" : "%s:%u", a,
			 (unsigned)r->dport);
	}
	return (size_t)snprintf(out, cap, "%s://%s%.*s", r->has_sni ? "https" : "http", host,
				(int)tlen, target);
}

/* The target as the options redact it (into t, its length in *tlen; none
 * when it does not fit) and the URL made of it: the URL's length, cut to
 * fit. */
static size_t redacted_url(const struct fsc_request *r, const struct fsc_accesslog_opts *o,
			   char *t, size_t tcap, size_t *tlen, char *url, size_t ucap)
{
	*tlen = fsc_accesslog_redact_target(r->target, r->target_len, o, t, tcap);
	if (*tlen >= tcap)
		*tlen = 0;
	size_t ulen = url_of(r, t, *tlen, url, ucap);
	return ulen >= ucap ? ucap - 1 : ulen;
}

static double ms(int64_t ns)
{
	return ns < 0 ? 0 : (double)ns / 1e6;
}

void fsc_har_entry(struct fsc_har *h, const struct fsc_request *r, const struct fsc_accesslog_opts *o)
{
	char t[FSC_REQ_TARGET_MAX * 2], url[FSC_REQ_TARGET_MAX * 3], when[96], ver[16];
	size_t tlen, ulen = redacted_url(r, o, t, sizeof(t), &tlen, url, sizeof(url));
	time_t sec = (time_t)(r->req.ts_ns / 1000000000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)(r->req.ts_ns / 1000000 % 1000));
	snprintf(ver, sizeof(ver), "HTTP/1.%d", r->minor_version % 10);
	int64_t total = r->last_ns >= 0 ? r->last_ns : r->first_ns;
	struct fsc_addr client = fsc_accesslog_client(r, o);
	char caddr[FSC_ADDR_STRLEN], saddr[FSC_ADDR_STRLEN];

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct spooled *idx = realloc(h->idx, cap * sizeof(*idx));
		if (!idx) {
			h->failed = true;
			return;
		}
		h->idx = idx;
		h->cap = cap;
	}
	struct spooled *at = &h->idx[h->n];
	at->start_ns = r->req.ts_ns;
	at->seq = r->seq;
	at->off = ftell(h->f);
	fputc('{', h->f);
	fprintf(h->f, "\"startedDateTime\":\"%s\",\"time\":%.3f,\"request\":{", when, ms(total));
	jkv(h, "method", r->method, r->method_len);
	fputc(',', h->f);
	jkv(h, "url", url, ulen);
	fprintf(h->f, ",\"httpVersion\":\"%s\",\"cookies\":[],\"headers\":", ver);
	har_headers(h, r->req_headers, r->req_headers_len, o);
	fputs(",\"queryString\":", h->f);
	har_query(h, t, tlen);
	fprintf(h->f, ",\"headersSize\":-1,\"bodySize\":%lld},\"response\":{",
		r->req_body_known ? (long long)r->req_body_len : -1ll);
	fprintf(h->f, "\"status\":%d,", r->status);
	jkv(h, "statusText", r->reason, r->reason_len);
	fprintf(h->f, ",\"httpVersion\":\"%s\",\"cookies\":[],\"headers\":",
		r->status ? ver : "");
	har_headers(h, r->resp_headers, r->resp_headers_len, o);
	struct fsc_span ct = { "x-unknown", 9 }, loc = { "", 0 };
	header_value(r->resp_headers, r->resp_headers_len, "Content-Type", &ct);
	header_value(r->resp_headers, r->resp_headers_len, "Location", &loc);
	fprintf(h->f, ",\"content\":{\"size\":%llu,\"mimeType\":",
		r->resp_body_known ? (unsigned long long)r->resp_body_len : 0ull);
	jstr(h, ct.p, ct.len);
	fputs("},\"redirectURL\":", h->f);
	jstr(h, loc.p, loc.len);
	fprintf(h->f, ",\"headersSize\":-1,\"bodySize\":%lld},\"cache\":{},",
		r->status && r->resp_body_known ? (long long)r->resp_body_len : -1ll);
	double wait = ms(r->first_ns), recv = r->last_ns >= 0 ? ms(r->last_ns) - wait : 0;
	fprintf(h->f, "\"timings\":{\"send\":0,\"wait\":%.3f,\"receive\":%.3f},", wait,
		recv < 0 ? 0 : recv);
	fprintf(h->f, "\"serverIPAddress\":\"%s\",\"connection\":\"%llu\",",
		fsc_addr_str(&r->dst, saddr), (unsigned long long)r->flow_id);
	fprintf(h->f, "\"_seq\":%llu,\"_state\":\"%s\",\"_client\":\"%s\",\"_client_rule\":\"%s\"}",
		(unsigned long long)r->seq, fsc_req_state_name(r->state),
		fsc_addr_str(&client, caddr), fsc_client_rule_name(r->client.rule));
	long end = ftell(h->f);
	if (at->off < 0 || end < at->off) {
		h->failed = true;
		return;
	}
	at->len = end - at->off;
	h->n++;
}

/* ---- curl ---- */

/* One shell word: '...' for printable ASCII, else $'...' with \xNN, so
 * that no byte of the capture acts on the terminal or the shell. */
static void shell_word(FILE *out, const char *s, size_t n)
{
	bool plain = true;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			plain = false;
	fputs(plain ? "'" : "$'", out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (plain && c == '\'')
			fputs("'\\''", out);
		else if (!plain && (c < 0x20 || c > 0x7e || c == '\'' || c == '\\'))
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('\'', out);
}

void fsc_curl_print(FILE *out, const struct fsc_request *r, const struct fsc_accesslog_opts *o,
		    const char *prog)
{
	char t[FSC_REQ_TARGET_MAX * 2], url[FSC_REQ_TARGET_MAX * 3];
	size_t tlen, ulen = redacted_url(r, o, t, sizeof(t), &tlen, url, sizeof(url));
	struct fsc_span name, value;
	size_t off = 0;

	if (r->req_body_known && r->req_body_len)
		fprintf(out, "# the request carried a %llu-byte body, which %s does not keep\n",
			(unsigned long long)r->req_body_len, prog);
	fputs(r->minor_version == 0 ? "curl --http1.0 --path-as-is" : "curl --http1.1 --path-as-is",
	      out);
	if (!(r->method_len == 3 && memcmp(r->method, "GET", 3) == 0)) {
		fputs(" -X ", out);
		shell_word(out, r->method, r->method_len);
	}
	fputc(' ', out);
	shell_word(out, url, ulen);
	while (fsc_request_header_next(r->req_headers, r->req_headers_len, &off, &name, &value)) {
		/* curl writes these itself, from the URL and the body */
		if (fsc_span_ieq(name.p, name.len, "Host") ||
		    fsc_span_ieq(name.p, name.len, "Content-Length"))
			continue;
		char line[FSC_REQ_HEAD_CAP_MAX];
		bool red = fsc_accesslog_redacts(o, name.p, name.len);
		int n = snprintf(line, sizeof(line), "%.*s: %.*s", (int)name.len, name.p,
				 red ? (int)strlen(FSC_ACCESSLOG_REDACTED) : (int)value.len,
				 red ? FSC_ACCESSLOG_REDACTED : value.p);
		fputs(" \\\n  -H ", out);
		shell_word(out, line, n < 0 ? 0 : (size_t)n >= sizeof(line) ? sizeof(line) - 1 : (size_t)n);
	}
	fputc('\n', out);
}
