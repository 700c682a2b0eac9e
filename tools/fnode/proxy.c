#define _GNU_SOURCE 1 /* memmem */
/* proxy.c - the HTTPS reverse proxy and TCP forwarding behind the TLS.
 *
 * One request at a time a connection (pipelined requests wait in cin):
 *
 *   RQ_HEAD --head ok--> RQ_BODY --framing done--> RQ_DONE
 *   RS_IDLE --sent--> RS_HEAD --final head--> RS_BODY --framing done--> RS_DONE
 *   both done: access-log line; keep-alive -> RQ_HEAD/RS_IDLE, else close
 *   101 to an upgrade request: both ways spliced, no idle cut (splice_both())
 *
 * Bodies pass through as they come (chunked stays chunked, with each chunk
 * checked by libdecode's skipper), so every backend chunk reaches the client
 * as soon as it arrives: SSE is event by event. Request-smuggling shapes are
 * refused with 400 before anything reaches the backend; a bad chunk size
 * stops the forwarding at that line. */
#include "fnode.h"

#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flog.h"
#include "fsc/proxyproto.h"

struct out {
	char *p;
	size_t n, cap;
	bool over;
};

static char head_buf[FSC_HTTP_HEAD_MAX + 8192];

static void out_add(struct out *o, const void *p, size_t n)
{
	if (o->over || o->n + n > o->cap) {
		o->over = true;
		return;
	}
	memcpy(o->p + o->n, p, n);
	o->n += n;
}

static void out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void out_fmt(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->n)
		o->over = true;
	else
		o->n += (size_t)n;
}

static void out_header(struct out *o, const struct fsc_http_header *h)
{
	out_add(o, h->name, h->name_len);
	out_str(o, ": ");
	out_add(o, h->value, h->value_len);
	out_str(o, "\r\n");
}

static void copy_span(char *dst, size_t cap, const char *p, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	if (len)
		memcpy(dst, p, len);
	dst[len] = '\0';
}

static bool prefix_ieq(const char *p, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && fsc_span_ieq_n(p, lit, n);
}

/* Headers named in Connection (RFC 9110 §7.6.1), as spans into the head. */
struct conn_tokens {
	struct fsc_span t[16];
	size_t n;
};

static void connection_tokens(const struct fsc_http_head *h, struct conn_tokens *ct)
{
	const struct fsc_http_header *x = NULL;

	ct->n = 0;
	while ((x = fsc_http_find(h, "Connection", x))) {
		size_t i = 0;

		while (i < x->value_len && ct->n < 16) {
			size_t s;

			while (i < x->value_len && (x->value[i] == ' ' || x->value[i] == ','))
				i++;
			s = i;
			while (i < x->value_len && x->value[i] != ',' && x->value[i] != ' ')
				i++;
			if (i > s) {
				ct->t[ct->n].p = x->value + s;
				ct->t[ct->n++].len = i - s;
			}
		}
	}
}

static bool named_in(const struct conn_tokens *ct, const struct fsc_http_header *h)
{
	size_t i;

	for (i = 0; i < ct->n; i++)
		if (ct->t[i].len == h->name_len && fsc_span_ieq_n(h->name, ct->t[i].p, h->name_len))
			return true;
	return false;
}

/* Hop-by-hop (Go's hopHeaders) and what a Funnel client may not set. */
static const char *const req_drop[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "TE", "Trailer", "Upgrade", "Forwarded", "X-Real-IP", NULL,
};
static const char *const req_drop_prefix[] = { "X-Forwarded-", "Tailscale-", NULL };
static const char *const resp_drop[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "Upgrade", NULL,
};

static bool in_list(const struct fsc_http_header *h, const char *const *names, bool prefix)
{
	for (; *names; names++)
		if (prefix ? prefix_ieq(h->name, h->name_len, *names)
			   : fsc_span_ieq(h->name, h->name_len, *names))
			return true;
	return false;
}

/* A stage the tunnel carried: t_STAGE at the WireGuard datagram and
 * t_STAGE_inner at the inner packet when the engine told both, else
 * t_STAGE at the inner side alone. */
static void line_tunnel_time(struct fsc_line *l, const char *key, const char *inner_key,
			     int64_t wg, int64_t inner)
{
	fsc_line_time(l, key, wg ? wg : inner);
	if (wg)
		fsc_line_time(l, inner_key, inner);
}

static void access_log(struct conn *c, const char *handler)
{
	struct fsc_line l;
	struct fsc_tunstamp_conn tt;

	if (c->logged)
		return;
	c->logged = true;
	/* The 101's datagram left when the engine flushed, after it queued. */
	if (c->t_ingress && !c->t_ingress_wg &&
	    fsc_transport_conn_times(c->nd->tr, &c->peer, c->peer_port, &tt))
		c->t_ingress_wg = tt.answer_wg;
	fsc_line_begin(&l, "request");
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
	fsc_line_cstr(&l, "host", c->host[0] ? c->host : NULL);
	fsc_line_cstr(&l, "method", c->method);
	fsc_line_cstr(&l, "target", c->req_target);
	fsc_line_u64(&l, "status", (uint64_t)c->status);
	fsc_line_u64(&l, "bytes", c->resp_bytes);
	fsc_line_u64(&l, "ms", fsc_now_ms() - c->t_req);
	fsc_line_cstr(&l, "handler", handler);
	if (c->rs != RS_DONE && !c->upgraded)
		fsc_line_cstr(&l, "end", c->status ? "cut during the response body"
						    : "closed before a response");
	line_tunnel_time(&l, "t_tunnel", "t_tunnel_inner", c->t_tunnel_wg, c->t_tunnel);
	line_tunnel_time(&l, "t_ingress", "t_ingress_inner", c->t_ingress_wg, c->t_ingress);
	line_tunnel_time(&l, "t_tls_done", "t_tls_done_inner", c->t_tls_done_wg, c->t_tls_done);
	fsc_line_time(&l, "t_request", c->t_request);
	fsc_line_time(&l, "t_first_byte", c->t_first_byte);
	fsc_line_time(&l, "t_last_byte", c->t_last_byte);
	fsc_line_end(&l);
	fnode_access_line(c);
	fnode_metrics_request(c);
}

void http_log_unfinished(struct conn *c)
{
	if (c->phase == PH_HTTP && !c->logged && (c->rq != RQ_HEAD || c->rs != RS_IDLE))
		access_log(c, "proxy");
}

/* A complete local answer (fnode's own errors and Text/Redirect). */
static void local_answer(struct conn *c, int status, const char *reason, const char *ctype,
			 const char *extra, const char *body, bool close_after)
{
	struct out o = { head_buf, 0, sizeof(head_buf), false };
	size_t blen = strlen(body);
	bool head = strcmp(c->method, "HEAD") == 0;

	out_fmt(&o, "HTTP/1.1 %d %s\r\n", status, reason);
	if (ctype)
		out_fmt(&o, "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n", ctype);
	if (extra)
		out_str(&o, extra);
	out_fmt(&o, "Content-Length: %zu\r\n", blen);
	if (close_after)
		out_str(&o, "Connection: close\r\n");
	out_str(&o, "\r\n");
	if (!head && status != 304 && status != 204)
		out_add(&o, body, blen);
	client_write(c, o.p, o.n);
	c->status = status;
	c->resp_bytes = head ? 0 : blen;
	c->rs = RS_DONE;
	c->src = SRC_NONE;
	if (close_after)
		c->client_close = true;
}

void http_send_error(struct conn *c, int status, const char *reason, const char *body)
{
	if (c->rs == RS_BODY || c->upgraded) {	/* the client has a head already */
		c->dead = true;
		return;
	}
	backend_close(c);
	local_answer(c, status, reason, "text/plain; charset=utf-8", NULL, body, true);
	if (status >= 500)
		c->nd->count.upstream_errors++;
	else
		c->nd->count.bad_requests++;
	access_log(c, "fnode");
	conn_close_soon(c);
}

static void bad_request(struct conn *c, const char *why)
{
	struct fsc_line l;

	fsc_line_begin(&l, "bad-request");
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
	fsc_line_cstr(&l, "reason", why);
	fsc_line_end(&l);
	http_send_error(c, 400, "Bad Request", "400 Bad Request\n");
}

void http_begin(struct conn *c)
{
	c->rq = RQ_HEAD;
	c->rs = RS_IDLE;
	c->last_len = 0;
	conn_set_wait(c, W_IDLE);
}

/* RFC 9112 §6.1-6.3 and the shapes smuggling needs, refused outright:
 * Content-Length with Transfer-Encoding, Content-Length twice or as a list,
 * any Transfer-Encoding but a lone "chunked", Transfer-Encoding on
 * HTTP/1.0, no Host or several on HTTP/1.1. */
static const char *smuggling(const struct fsc_http_head *h, const struct fsc_http_info *in)
{
	const struct fsc_http_header *x;
	struct fsc_span v[2];

	if (in->cl_and_te)
		return "Content-Length with Transfer-Encoding";
	if (fsc_http_values(h, "Content-Length", v, 2) > 1)
		return "Content-Length twice";
	if ((x = fsc_http_find(h, "Content-Length", NULL)) && memchr(x->value, ',', x->value_len))
		return "Content-Length list";
	if (fsc_http_values(h, "Transfer-Encoding", v, 2) > 1)
		return "Transfer-Encoding twice";
	if ((x = fsc_http_find(h, "Transfer-Encoding", NULL)) &&
	    !fsc_span_ieq(x->value, x->value_len, "chunked"))
		return "Transfer-Encoding other than chunked";
	if (in->has_transfer_encoding && h->minor_version == 0)
		return "Transfer-Encoding on HTTP/1.0";
	if (in->n_host > 1)
		return "Host twice";
	if (in->n_host == 0 && h->minor_version == 1)
		return "no Host";
	return NULL;
}

static void serve_redirect(struct conn *c, const char *spec)
{
	char loc[4096], extra[4200];
	int code = 302;
	const char *s = spec;
	size_t n = 0;

	if (s[0] == '3' && s[1] && s[2] && s[3] == ':') {
		code = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
		s += 4;
	}
	while (*s && n + 1 < sizeof(loc)) {
		const char *rep = NULL;

		if (strncmp(s, "${HOST}", 7) == 0) {
			rep = c->host;
			s += 7;
		} else if (strncmp(s, "${REQUEST_URI}", 14) == 0) {
			rep = c->req_target;
			s += 14;
		}
		if (rep) {
			size_t l = strlen(rep);

			if (n + l >= sizeof(loc))
				break;
			memcpy(loc + n, rep, l);
			n += l;
		} else {
			loc[n++] = *s++;
		}
	}
	loc[n] = '\0';
	snprintf(extra, sizeof(extra), "Location: %s\r\n", loc);
	local_answer(c, code, "Found", NULL, extra, "", c->client_close);
}

/* Path handler: files under the folder, no listing, no "..". */
static void serve_path(struct conn *c, const struct fsc_sc_handler *hd, const char *path,
		       size_t path_len)
{
	char file[4096], extra[64];
	size_t ml = strlen(hd->mount);
	struct stat st;
	struct out o = { head_buf, 0, sizeof(head_buf), false };
	int fd;

	if (ml > 1 && hd->mount[ml - 1] == '/')
		ml--;
	if (ml == 1)
		ml = 0;
	if (path_len - ml > 2048 || memmem(path, path_len, "..", 2) || memchr(path, '%', path_len)) {
		local_answer(c, 404, "Not Found", "text/plain; charset=utf-8", NULL,
			     "404 page not found\n", c->client_close);
		return;
	}
	snprintf(file, sizeof(file), "%s%.*s", hd->value, (int)(path_len - ml), path + ml);
	if (stat(file, &st) == 0 && S_ISDIR(st.st_mode))
		strncat(file, "/index.html", sizeof(file) - strlen(file) - 1);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		local_answer(c, 404, "Not Found", "text/plain; charset=utf-8", NULL,
			     "404 page not found\n", c->client_close);
		return;
	}
	out_str(&o, "HTTP/1.1 200 OK\r\n");
	snprintf(extra, sizeof(extra), "Content-Length: %lld\r\n", (long long)st.st_size);
	out_str(&o, extra);
	if (c->client_close)
		out_str(&o, "Connection: close\r\n");
	out_str(&o, "\r\n");
	client_write(c, o.p, o.n);
	c->status = 200;
	if (strcmp(c->method, "HEAD") == 0) {
		close(fd);
		c->rs = RS_DONE;
		return;
	}
	c->file_fd = fd;
	c->src = SRC_FILE;
	c->rs = RS_BODY;
}

static bool build_backend_head(struct conn *c, const struct fsc_http_head *h,
			       const struct fsc_http_info *in, const struct fsc_sc_handler *hd)
{
	struct out o = { head_buf, 0, sizeof(head_buf), false };
	struct conn_tokens ct;
	char client[FSC_ADDR_STRLEN];
	size_t i, ml = strlen(hd->mount);
	const char *rest = h->target;
	size_t rest_len = h->target_len;

	/* the mount point stripped (http.StripPrefix), the URL's path put
	 * before; with mount "/" and no URL path, the target byte for byte */
	if (ml > 1) {
		size_t strip = hd->mount[ml - 1] == '/' ? ml - 1 : ml;

		rest += strip;
		rest_len -= strip;
	}
	fsc_addr_str(&c->client, client);
	connection_tokens(h, &ct);
	out_add(&o, h->method, h->method_len);
	out_str(&o, " ");
	out_str(&o, hd->be_path);
	if (rest_len == 0 || rest[0] == '?')
		out_str(&o, "/");
	out_add(&o, rest, rest_len);
	out_str(&o, " HTTP/1.1\r\n");
	for (i = 0; i < h->n_headers; i++) {
		const struct fsc_http_header *x = &h->headers[i];

		if (in_list(x, req_drop, false) || in_list(x, req_drop_prefix, true) ||
		    named_in(&ct, x))
			continue;
		out_header(&o, x);
	}
	if (in->n_host == 0)
		out_fmt(&o, "Host: %s\r\n", c->sni);
	out_fmt(&o, "X-Forwarded-For: %s\r\n", client);
	out_fmt(&o, "X-Forwarded-Host: %s\r\n", c->host[0] ? c->host : c->sni);
	out_str(&o, "X-Forwarded-Proto: https\r\n");
	out_fmt(&o, "X-Real-IP: %s\r\n", client);
	out_str(&o, "Tailscale-Funnel-Request: ?1\r\n");
	if (c->upgrade_asked) {
		out_str(&o, "Connection: Upgrade\r\nUpgrade: ");
		out_add(&o, in->upgrade->value, in->upgrade->value_len);
		out_str(&o, "\r\n");
	}
	out_str(&o, "\r\n");
	return !o.over && fsc_bq_put(&c->bout, o.p, o.n);
}

static bool read_request(struct conn *c)
{
	struct fnode *nd = c->nd;
	struct fsc_http_head h;
	struct fsc_http_info in;
	const struct fsc_sc_handler *hd;
	enum fsc_status st;
	const char *why = NULL, *q;
	size_t path_len;

	if (c->cin.len == 0) {
		if (c->edge_eof)
			conn_close_soon(c);
		return false;
	}
	if (c->wait == W_IDLE)
		conn_set_wait(c, W_HEAD);	/* the head's clock starts at its first byte */
	fsc_http_head_init(&h, c->hdrs, nd->o.max_headers, nd->o.max_head);
	st = fsc_http_parse_request(fsc_bq_data(&c->cin), c->cin.len, c->last_len, &h, &why);
	if (st == FSC_TRUNCATED) {
		c->last_len = c->cin.len;
		if (c->edge_eof)
			conn_close_soon(c);
		else if (fsc_bq_room(&c->cin) == 0)
			bad_request(c, "head larger than the buffer");
		return false;
	}
	c->last_len = 0;
	c->logged = false;
	c->t_req = fsc_now_ms();
	c->t_request = c->t_first_byte = c->t_last_byte = 0;
	c->head_unsent = c->head_stamp_wait = false;
	c->resp_bytes = 0;
	c->status = 0;
	c->method[0] = c->host[0] = c->req_target[0] = '\0';
	if (st != FSC_OK) {
		snprintf(c->method, sizeof(c->method), "-");
		bad_request(c, why ? why : "not HTTP/1.x");
		return true;
	}
	copy_span(c->method, sizeof(c->method), h.method, h.method_len);
	copy_span(c->req_target, sizeof(c->req_target), h.target, h.target_len);
	nd->count.requests++;
	if (fsc_http_info(&h, &in, &why) != FSC_OK) {
		bad_request(c, why);
		return true;
	}
	if (in.host)
		copy_span(c->host, sizeof(c->host), in.host->value, in.host->value_len);
	if ((why = smuggling(&h, &in))) {
		bad_request(c, why);
		return true;
	}
	if (fsc_http_body_framing(&h, &in, NULL, 0, &c->req_body, &why) != FSC_OK) {
		bad_request(c, why);
		return true;
	}
	if (h.target_len == 0 || h.target[0] != '/') {
		bad_request(c, "request target not in origin form");
		return true;
	}
	c->client_close = (in.connection & FSC_HTTP_CONN_CLOSE) ||
			  (h.minor_version == 0 && !(in.connection & FSC_HTTP_CONN_KEEP_ALIVE));
	c->upgrade_asked = (in.connection & FSC_HTTP_CONN_UPGRADE) && in.upgrade;
	c->req_left = c->req_body.kind == FSC_HTTP_BODY_LENGTH ? c->req_body.length : 0;
	fsc_http_chunked_init(&c->req_chunk);
	fsc_http_chunked_init(&c->resp_chunk);
	q = memchr(h.target, '?', h.target_len);
	path_len = q ? (size_t)(q - h.target) : h.target_len;
	hd = c->web ? fsc_serveconf_route(c->web, h.target, path_len) : NULL;
	c->req_discard = !hd || hd->kind != FSC_SC_PROXY;
	c->rq = RQ_BODY;
	c->src = SRC_BACKEND;
	if (!hd) {
		local_answer(c, 404, "Not Found", "text/plain; charset=utf-8", NULL,
			     "404 page not found\n", c->client_close);
	} else if (hd->kind == FSC_SC_TEXT) {
		local_answer(c, 200, "OK", "text/plain; charset=utf-8", NULL, hd->value,
			     c->client_close);
	} else if (hd->kind == FSC_SC_REDIRECT) {
		serve_redirect(c, hd->value);
	} else if (hd->kind == FSC_SC_PATH) {
		serve_path(c, hd, h.target, path_len);
	} else if (!hd->be_ok) {
		struct fsc_line l;

		fsc_line_begin(&l, "upstream-error");
		fsc_line_cstr(&l, "backend", hd->value);
		fsc_line_cstr(&l, "reason", "proxy URL not served by fnode (http:// only)");
		fsc_line_end(&l);
		fsc_bq_drop(&c->cin, h.head_len);
		http_send_error(c, 502, "Bad Gateway", "502 Bad Gateway\n");
		return true;
	} else {
		if (!backend_start(c, hd->be_addr)) {
			fsc_bq_drop(&c->cin, h.head_len);
			http_send_error(c, 502, "Bad Gateway", "502 Bad Gateway\n");
			return true;
		}
		if (!build_backend_head(c, &h, &in, hd)) {
			bad_request(c, "head too large once rewritten");
			return true;
		}
		c->head_unsent = true;
		c->head_stamp_wait = true;
		c->head_id = c->be_sent + (uint32_t)c->bout.len - 1;
		c->rs = RS_HEAD;
		conn_set_wait(c, c->be_connecting ? W_CONNECT : W_RESPONSE);
	}
	fsc_bq_drop(&c->cin, h.head_len);
	if (c->req_body.kind == FSC_HTTP_BODY_NONE ||
	    (c->req_body.kind == FSC_HTTP_BODY_LENGTH && c->req_left == 0))
		c->rq = RQ_DONE;
	if (c->rs == RS_DONE)
		access_log(c, hd ? (hd->kind == FSC_SC_TEXT ? "text" : hd->kind == FSC_SC_REDIRECT
				    ? "redirect" : "path") : "none");
	return true;
}

static bool forward_req_body(struct conn *c)
{
	size_t n = c->cin.len, used = 0;
	const char *why = NULL;
	enum fsc_status st;

	if (n == 0) {
		if (c->edge_eof) {
			c->dead = true;	/* the client went away mid-body */
			return true;
		}
		return false;
	}
	if (!c->req_discard) {
		size_t room = fsc_bq_room(&c->bout);

		if (c->be < 0 || c->be_eof)
			return false;
		if (n > room)
			n = room;
	}
	if (n == 0)
		return false;
	if (c->req_body.kind == FSC_HTTP_BODY_LENGTH) {
		if (n > c->req_left)
			n = (size_t)c->req_left;
		used = n;
		c->req_left -= n;
		if (c->req_left == 0)
			c->rq = RQ_DONE;
	} else {
		st = fsc_http_chunked_skip(&c->req_chunk, fsc_bq_data(&c->cin), n, &used, &why);
		if (st == FSC_MALFORMED) {
			bad_request(c, why);
			return true;
		}
		if (st == FSC_OK)
			c->rq = RQ_DONE;
	}
	if (!c->req_discard)
		fsc_bq_put(&c->bout, fsc_bq_data(&c->cin), used);
	fsc_bq_drop(&c->cin, used);
	return used > 0 || c->rq == RQ_DONE;
}

static bool build_client_head(struct conn *c, const struct fsc_http_head *h, bool upgrade)
{
	struct out o = { head_buf, 0, sizeof(head_buf), false };
	struct conn_tokens ct;
	size_t i;

	connection_tokens(h, &ct);
	out_fmt(&o, "HTTP/1.1 %d ", h->status);
	out_add(&o, h->reason, h->reason_len);
	out_str(&o, "\r\n");
	for (i = 0; i < h->n_headers; i++) {
		const struct fsc_http_header *x = &h->headers[i];

		if (in_list(x, resp_drop, false) || named_in(&ct, x))
			continue;
		out_header(&o, x);
	}
	if (upgrade) {
		const struct fsc_http_header *u = fsc_http_find(h, "Upgrade", NULL);

		out_str(&o, "Connection: Upgrade\r\n");
		if (u)
			out_header(&o, u);
	} else if (c->client_close && h->status >= 200) {
		out_str(&o, "Connection: close\r\n");
	}
	out_str(&o, "\r\n");
	return !o.over && client_write(c, o.p, o.n);
}

static bool read_response_head(struct conn *c)
{
	struct fnode *nd = c->nd;
	struct fsc_http_head h;
	struct fsc_http_info in;
	enum fsc_status st;
	const char *why = NULL;

	if (c->bin.len == 0) {
		if (c->be_eof) {
			struct fsc_line l;

			fsc_line_begin(&l, "upstream-error");
			fsc_line_ep(&l, "client", &c->client, c->client_port);
			fsc_line_cstr(&l, "backend", c->be_addr);
			fsc_line_cstr(&l, "reason", "backend closed before answering");
			fsc_line_end(&l);
			http_send_error(c, 502, "Bad Gateway", "502 Bad Gateway\n");
			return true;
		}
		return false;
	}
	fsc_http_head_init(&h, c->hdrs, nd->o.max_headers, FSC_HTTP_HEAD_MAX);
	st = fsc_http_parse_response(fsc_bq_data(&c->bin), c->bin.len, 0, &h, &why);
	if (st == FSC_TRUNCATED && !c->be_eof && fsc_bq_room(&c->bin) > 0)
		return false;
	if (st != FSC_OK || fsc_http_info(&h, &in, &why) != FSC_OK ||
	    fsc_http_body_framing(&h, &in, c->method, strlen(c->method), &c->resp_body,
				  &why) != FSC_OK) {
		struct fsc_line l;

		fsc_line_begin(&l, "upstream-error");
		fsc_line_cstr(&l, "backend", c->be_addr);
		fsc_line_cstr(&l, "reason", why ? why : "response head cut");
		fsc_line_end(&l);
		http_send_error(c, 502, "Bad Gateway", "502 Bad Gateway\n");
		return true;
	}
	if (h.status == 101) {
		if (!c->upgrade_asked) {
			http_send_error(c, 502, "Bad Gateway", "502 Bad Gateway\n");
			return true;
		}
		c->status = 101;
		c->t_first_byte = c->t_be_read;
		build_client_head(c, &h, true);
		fsc_bq_drop(&c->bin, h.head_len);
		c->upgraded = true;
		c->wait = W_NONE;
		access_log(c, "proxy");
		return true;
	}
	if (h.status < 200) {		/* 100 Continue, 103: passed on, wait on */
		build_client_head(c, &h, false);
		fsc_bq_drop(&c->bin, h.head_len);
		return true;
	}
	c->status = h.status;
	/* The segment that completed the head (FIRST_BYTE): the read's time
	 * is its last segment's, a body's when body bytes came with it; then
	 * the head's own, the first, when that read began it. */
	c->t_first_byte = c->bin.len > h.head_len && c->t_be_head ? c->t_be_head : c->t_be_read;
	c->be_keep = h.minor_version == 1 && !(in.connection & FSC_HTTP_CONN_CLOSE) &&
		     c->resp_body.kind != FSC_HTTP_BODY_CLOSE;
	if (c->resp_body.kind == FSC_HTTP_BODY_CLOSE)
		c->client_close = true;	/* the end of the body is the end of the stream */
	c->resp_left = c->resp_body.kind == FSC_HTTP_BODY_LENGTH ? c->resp_body.length : 0;
	build_client_head(c, &h, false);
	fsc_bq_drop(&c->bin, h.head_len);
	c->rs = RS_BODY;
	conn_set_wait(c, W_STREAM);
	if (c->resp_body.kind == FSC_HTTP_BODY_NONE ||
	    (c->resp_body.kind == FSC_HTTP_BODY_LENGTH && c->resp_left == 0))
		c->rs = RS_DONE;
	return true;
}

static bool forward_file(struct conn *c)
{
	uint8_t buf[16384];
	size_t room = client_room(c);
	ssize_t r;

	if (room == 0)
		return false;
	r = read(c->file_fd, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (r <= 0) {
		close(c->file_fd);
		c->file_fd = -1;
		c->rs = RS_DONE;
		if (r < 0)
			c->dead = true;
		return true;
	}
	client_write(c, buf, (size_t)r);
	c->resp_bytes += (uint64_t)r;
	return true;
}

static bool forward_resp_body(struct conn *c)
{
	size_t n = c->bin.len, used = 0, room = client_room(c);
	const char *why = NULL;
	enum fsc_status st;

	if (c->src == SRC_FILE)
		return forward_file(c);
	if (n == 0) {
		if (c->be_eof) {
			if (c->resp_body.kind == FSC_HTTP_BODY_CLOSE) {
				c->rs = RS_DONE;
				backend_close(c);
			} else {
				c->dead = true;	/* cut short: the client must see it */
			}
			return true;
		}
		return false;
	}
	if (n > room)
		n = room;
	if (n == 0)
		return false;
	if (c->resp_body.kind == FSC_HTTP_BODY_LENGTH) {
		used = n > c->resp_left ? (size_t)c->resp_left : n;
		c->resp_left -= used;
		if (c->resp_left == 0)
			c->rs = RS_DONE;
	} else if (c->resp_body.kind == FSC_HTTP_BODY_CHUNKED) {
		st = fsc_http_chunked_skip(&c->resp_chunk, fsc_bq_data(&c->bin), n, &used, &why);
		if (st == FSC_MALFORMED) {
			c->dead = true;
			return true;
		}
		if (st == FSC_OK)
			c->rs = RS_DONE;
	} else {
		used = n;
	}
	client_write(c, fsc_bq_data(&c->bin), used);
	c->resp_bytes += used;
	fsc_bq_drop(&c->bin, used);
	return true;
}

static void finish_request(struct conn *c)
{
	if (c->src == SRC_BACKEND && c->status) {
		c->t_last_byte = c->t_be_read;
		access_log(c, "proxy");
	}
	if (!c->be_keep || c->bin.len > 0)
		backend_close(c);
	else
		backend_release(c);
	if (c->client_close) {
		conn_close_soon(c);
		return;
	}
	http_begin(c);
}

/* Both directions as bytes: upgraded HTTP and TCP forwarding. Each side's
 * end is passed on as a half-close once its bytes are out. */
static bool splice_both(struct conn *c)
{
	bool moved = false;
	size_t n;

	n = c->cin.len < fsc_bq_room(&c->bout) ? c->cin.len : fsc_bq_room(&c->bout);
	if (n > 0 && c->be >= 0 && !c->be_wr_shut) {
		fsc_bq_put(&c->bout, fsc_bq_data(&c->cin), n);
		fsc_bq_drop(&c->cin, n);
		moved = true;
	}
	n = c->bin.len < client_room(c) ? c->bin.len : client_room(c);
	if (n > 0) {
		client_write(c, fsc_bq_data(&c->bin), n);
		fsc_bq_drop(&c->bin, n);
		moved = true;
	}
	if (c->edge_eof && c->cin.len == 0 && c->bout.len == 0 && c->be >= 0 &&
	    !c->be_connecting && !c->be_wr_shut) {
		shutdown(c->be, SHUT_WR);
		c->be_wr_shut = true;
		moved = true;
	}
	if ((c->be < 0 || c->be_eof) && c->bin.len == 0 && !c->edge_wr_shut) {
		c->edge_wr_shut = true;
		if (c->ssl)
			tls_close_notify(c);
		moved = true;
	}
	if (c->edge_wr_shut && (c->be_wr_shut || c->be < 0)) {
		conn_close_soon(c);
		moved = true;
	}
	if (moved && c->wait == W_STREAM)
		c->mark = fsc_now_ms();
	return moved;
}

bool http_step(struct conn *c)
{
	bool moved = false;
	uint64_t before = c->cin.len + c->bin.len;

	if (c->close_after_flush || c->dead)
		return false;
	if (c->upgraded)
		return splice_both(c);
	if (c->rq == RQ_HEAD && c->rs == RS_IDLE)
		moved |= read_request(c);
	if (c->dead || c->close_after_flush)
		return moved;
	if (c->rq == RQ_BODY)
		moved |= forward_req_body(c);
	if (c->dead || c->close_after_flush)
		return moved;
	if (c->rs == RS_HEAD && !c->be_connecting) {
		if (c->wait == W_CONNECT)
			conn_set_wait(c, W_RESPONSE);
		moved |= read_response_head(c);
	}
	if (c->dead || c->close_after_flush)
		return moved;
	if (c->rs == RS_BODY)
		moved |= forward_resp_body(c);
	if (c->dead || c->close_after_flush)
		return moved;
	if (c->rq == RQ_DONE && c->rs == RS_DONE) {
		finish_request(c);
		moved = true;
	}
	if (moved && before != c->cin.len + c->bin.len &&
	    (c->wait == W_STREAM || c->wait == W_RESPONSE))
		c->mark = fsc_now_ms();
	return moved;
}

void http_timeout(struct conn *c)
{
	struct fsc_line l;
	const char *what;
	enum wait_kind w = c->wait;

	switch (w) {
	case W_IDLE:
		c->wait = W_NONE;
		conn_close_soon(c);
		return;
	case W_HEAD:
		what = "request head timeout";
		break;
	case W_CONNECT:
		what = "backend connect timeout";
		break;
	case W_RESPONSE:
		what = "backend response timeout";
		break;
	default:
		what = "idle timeout";
		break;
	}
	fsc_line_begin(&l, "timeout");
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
	fsc_line_cstr(&l, "reason", what);
	fsc_line_end(&l);
	c->wait = W_NONE;
	if (w == W_HEAD)
		http_send_error(c, 408, "Request Timeout", "408 Request Timeout\n");
	else if (c->rs == RS_HEAD)
		http_send_error(c, 504, "Gateway Timeout", "504 Gateway Timeout\n");
	else
		c->dead = true;
}

void tcp_begin(struct conn *c)
{
	const struct fsc_sc_tcp *t = c->tcp;
	struct sockaddr_storage ss, local;
	socklen_t len, llen = sizeof(local);
	struct fsc_addr dst;
	uint16_t be_port, lport;
	uint8_t hdr[FSC_PROXY_V2_MAX_PLAIN];
	size_t n = 0;
	struct fsc_line l;

	conn_set_wait(c, W_STREAM);
	if (!fsc_sockaddr_parse(t->forward, &ss, &len) || !backend_start(c, t->forward)) {
		fsc_line_begin(&l, "upstream-error");
		fsc_line_cstr(&l, "backend", t->forward);
		fsc_line_cstr(&l, "reason", "cannot dial (ip:port backends only)");
		fsc_line_end(&l);
		conn_close_soon(c);
		return;
	}
	fsc_sockaddr_split(&ss, &dst, &be_port);
	/* tailscaled: destination = the node's own address of the client's
	 * family with the backend's port; loopback when it has none */
	if (getsockname(c->fd, (struct sockaddr *)&local, &llen) == 0)
		fsc_sockaddr_split(&local, &dst, &lport);
	if (dst.family != c->client.family) {
		static const uint8_t lo4[4] = { 127, 0, 0, 1 };
		static const uint8_t lo6[16] = { [15] = 1 };

		if (c->client.family == 4)
			fsc_addr_set4(&dst, lo4);
		else
			fsc_addr_set6(&dst, lo6);
	}
	if (t->proxy_protocol == 1)
		n = fsc_proxy_write_v1(&c->client, c->client_port, &dst, be_port, (char *)hdr,
				       sizeof(hdr));
	else if (t->proxy_protocol == 2)
		n = fsc_proxy_write_v2(&c->client, c->client_port, &dst, be_port, hdr,
				       sizeof(hdr));
	if (n)
		fsc_bq_put(&c->bout, hdr, n);
	c->be_keep = false;
}

bool tcp_step(struct conn *c)
{
	if (c->close_after_flush || c->dead || (c->ssl && !c->hs_done))
		return false;
	return splice_both(c);
}
