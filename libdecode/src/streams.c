/*
 * streams.c - the consumer of TCP streams: recognises TLS and HTTP/1.x by
 * their first bytes, reads ClientHello/ServerHello and HTTP heads, pairs
 * responses with requests in pipelining order, skips bodies by framing, and
 * follows the Funnel ingress handshake (POST /v0/ingress, 101, then TLS in
 * the same stream; protocols.md §7.1).
 *
 * Memory: a flow carries only a 4-byte slot number. Connections that turn
 * out to be TLS or HTTP take a `struct stream` from a fixed pool, and a
 * direction in a TLS handshake borrows a reassembly buffer from another
 * fixed pool until the handshake turns encrypted. Nothing is allocated after
 * fsc_streams_new.
 */
#include "fsc/streams.h"

#include <stdlib.h>
#include <string.h>

#include "fsc/span.h"

#define DEFAULT_MAX_STREAMS 16384
#define DEFAULT_TLS_BUFFERS 1024
#define DEFAULT_MAX_HEADERS 64
#define DEFAULT_MAX_HEAD 16384
#define DEFAULT_FLOW_MEMORY (16ull << 20)
#define TLS_BUF_SIZE FSC_TLS_HS_MAX
#define MAX_PENDING 8		/* pipelined requests awaiting answers */
#define MAX_XFF 128		/* X-Forwarded-For elements kept */
#define MAX_FWD 64
#define MAX_LINES 16
#define RESYNC_KEEP 64		/* bytes kept while looking for a boundary */
#define NONE UINT32_MAX

enum mode {
	M_NEW = 0,	/* protocol not known yet */
	M_TLS,		/* handshake records */
	M_HTTP_REQ,	/* request heads */
	M_HTTP_RESP,	/* response heads */
	M_CHUNKED,	/* a chunked body, then back to the head mode */
	M_UNTIL_CLOSE,	/* a response body that ends with the connection */
	M_OFF,		/* nothing more to read */
};

struct pending {
	int64_t ts_ns;
	unsigned index;
	bool head;	/* HEAD: the answer has no body */
	bool ingress;	/* POST /v0/ingress */
	char method[16];
	char uri[FSC_STREAM_URI_KEEP + 1];
	char host[FSC_STREAM_HOST_KEEP + 1];
};

/* A response body followed to its last byte, for the last-byte latency. */
struct body_watch {
	bool on;
	bool by_length;		/* done when the flow's skip of it is */
	unsigned index;
	int status;
	int64_t req_ns, head_ns;
	char host[FSC_STREAM_HOST_KEEP + 1];
};

struct dir_state {
	uint8_t mode;
	uint8_t after_chunked;	/* mode to return to after a chunked body */
	bool resync;		/* look for a message boundary first */
	bool hunting;		/* a boundary was found after a loss: count the
				 * resync when a head really starts there */
	uint32_t last_len;	/* head parser hint */
	uint32_t tls_buf;	/* NONE or a pool index */
	unsigned hellos;
	struct fsc_http_chunked chunked;
	struct fsc_tls_reasm tls;
	struct body_watch body;
};

struct stream {
	struct dir_state d[2];
	struct pending q[MAX_PENDING];
	unsigned q_first, q_n;
	unsigned requests;
	int req_dir;		/* direction requests travel; -1 unknown */
	bool hrr_seen;		/* the server asked for a second ClientHello */
	/* the ingress handshake on this connection */
	bool ingress_seen, ingress_switched, ingress_reported;
	int ingress_status;
	char ingress_src[64];
	char ingress_target[160];
	struct fsc_addr ingress_addr;
	uint16_t ingress_port;
};

struct fsc_streams {
	struct fsc_flows *flows;
	struct fsc_stream_limits lim;
	struct stream *pool;
	uint32_t *free_streams;	/* released slots */
	uint32_t n_free_streams;
	uint32_t fresh_streams;	/* slots never used: fresh .. max - 1 (no list
				 * to build: a big table starts at once) */
	uint8_t *tls_bufs;
	uint32_t *free_bufs;
	uint32_t n_free_bufs;
	struct fsc_stream_stats st;
	/* the call in progress */
	fsc_stream_fn fn;
	void *ctx;
	/* scratch for one message at a time */
	struct fsc_http_header *headers;
	struct fsc_http_head head;
	struct fsc_http_info info;
	struct fsc_span lines[MAX_LINES];
	struct fsc_xff_node xnodes[MAX_XFF];
	struct fsc_xff_list xff;
	struct fsc_xff_fwd_elem felems[MAX_FWD];
	struct fsc_xff_fwd_list fwd;
	struct fsc_xff_node real_ip;
	struct fsc_client client;
	struct fsc_tls_client_hello ch;
	struct fsc_tls_server_hello sh;
	char ja3_string[FSC_JA3_STR_MAX];
	char ja3[FSC_JA3_HEX_LEN];
	char ja4[FSC_JA4_LEN];
};

/* ---- pools ---- */

static struct stream *stream_of(struct fsc_streams *s, const struct fsc_flow *f)
{
	uint32_t slot = *(const uint32_t *)f->user;
	return slot ? &s->pool[slot - 1] : NULL;
}

static struct stream *stream_get(struct fsc_streams *s, struct fsc_flow *f)
{
	if (s->n_free_streams == 0 && s->fresh_streams == s->lim.max_streams) {
		s->st.streams_exhausted++;
		return NULL;
	}
	uint32_t slot = s->n_free_streams ? s->free_streams[--s->n_free_streams]
					  : s->fresh_streams++;
	struct stream *st = &s->pool[slot];
	memset(st, 0, sizeof(*st));
	st->d[0].tls_buf = st->d[1].tls_buf = NONE;
	st->req_dir = -1;
	*(uint32_t *)f->user = slot + 1;
	return st;
}

static void tls_release(struct fsc_streams *s, struct dir_state *d)
{
	if (d->tls_buf != NONE) {
		s->free_bufs[s->n_free_bufs++] = d->tls_buf;
		d->tls_buf = NONE;
	}
}

static bool tls_acquire(struct fsc_streams *s, struct dir_state *d)
{
	if (d->tls_buf != NONE)
		return true;
	if (s->n_free_bufs == 0) {
		s->st.tls_buffers_exhausted++;
		return false;
	}
	d->tls_buf = s->free_bufs[--s->n_free_bufs];
	fsc_tls_reasm_init(&d->tls, s->tls_bufs + (size_t)d->tls_buf * TLS_BUF_SIZE,
			   TLS_BUF_SIZE);
	return true;
}

static void stream_put(struct fsc_streams *s, struct fsc_flow *f, struct stream *st)
{
	tls_release(s, &st->d[0]);
	tls_release(s, &st->d[1]);
	s->free_streams[s->n_free_streams++] = (uint32_t)(st - s->pool);
	*(uint32_t *)f->user = 0;
}

/* ---- events ---- */

static void event_init(struct fsc_stream_event *ev, enum fsc_stream_event_type type,
		       const struct fsc_flow *f, int dir, int64_t ts)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->flow = f;
	ev->dir = dir;
	ev->src = f->addr[dir];
	ev->dst = f->addr[!dir];
	ev->sport = f->port[dir];
	ev->dport = f->port[!dir];
	ev->ts_ns = ts;
}

static void emit(struct fsc_streams *s, struct fsc_stream_event *ev, enum fsc_status st,
		 const char *why)
{
	ev->status = st == FSC_OK || st == FSC_TRUNCATED ? st : FSC_MALFORMED;
	ev->why = st == FSC_OK ? NULL : why ? why : "unreadable";
	if (s->fn)
		s->fn(s->ctx, ev);
}

static void emit_ingress(struct fsc_streams *s, const struct fsc_flow *f,
			 struct stream *st, int64_t ts, const struct fsc_tls_client_hello *h)
{
	struct fsc_stream_event ev;
	int dir = st->req_dir >= 0 ? st->req_dir : 0;

	event_init(&ev, FSC_SEV_INGRESS, f, dir, ts);
	ev.u.ingress.src = st->ingress_src;
	ev.u.ingress.target = st->ingress_target;
	ev.u.ingress.client = st->ingress_addr;
	ev.u.ingress.client_port = st->ingress_port;
	ev.u.ingress.status = st->ingress_status;
	if (h && h->has_sni) {
		ev.u.ingress.has_sni = true;
		ev.u.ingress.sni = h->sni.p;
		ev.u.ingress.sni_len = h->sni.len;
	}
	st->ingress_reported = true;
	s->st.ingress++;
	emit(s, &ev, FSC_OK, NULL);
}

/* ---- recognising a direction ---- */

/* A request line starts with an upper-case method, SP, and a target. */
static bool looks_like_request_line(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && i < 16 && fsc_byteset_has(&fsc_upper_set, p[i]))
		i++;
	if (i < 3 || i == len)
		return i == len && i < 16; /* still possible */
	return p[i] == ' ' && (i + 1 == len || p[i + 1] == '/' || p[i + 1] == '*' ||
			       p[i + 1] == 'h' || fsc_byteset_has(&fsc_upper_set, p[i + 1]));
}

static bool looks_like_status_line(const uint8_t *p, size_t len)
{
	static const char prefix[] = "HTTP/1.";
	size_t n = len < sizeof(prefix) - 1 ? len : sizeof(prefix) - 1;
	return memcmp(p, prefix, n) == 0;
}

enum guess { G_MORE, G_TLS, G_REQ, G_RESP, G_OTHER };

static enum guess guess(const uint8_t *p, size_t len)
{
	const char *why;

	if (len == 0)
		return G_MORE;
	if (p[0] == 0x16) {
		enum fsc_status st = fsc_tls_sniff(p, len, &why);
		return st == FSC_OK ? G_TLS : st == FSC_TRUNCATED ? G_MORE : G_OTHER;
	}
	if (p[0] == 0x15) {
		/* An alert record first: a server warning before its hello. */
		if (len < 5)
			return G_MORE;
		return p[1] == 3 && p[2] <= 4 && p[3] == 0 && p[4] == 2 ? G_TLS : G_OTHER;
	}
	if (looks_like_status_line(p, len))
		return len >= 8 ? G_RESP : G_MORE;
	if (looks_like_request_line(p, len)) {
		size_t i = 0;
		while (i < len && fsc_byteset_has(&fsc_upper_set, p[i]))
			i++;
		return i < len ? G_REQ : G_MORE;
	}
	return G_OTHER;
}

/* Offset of the first line in p that starts a message of `mode`, or len. */
static size_t find_boundary(const uint8_t *p, size_t len, enum mode mode)
{
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && p[i - 1] != '\n')
			continue;
		size_t rest = len - i;
		if (rest < 16)
			return i; /* maybe; decide with more bytes */
		if (mode == M_HTTP_RESP ? looks_like_status_line(p + i, rest)
					: looks_like_request_line(p + i, rest))
			return i;
	}
	return len;
}

/* ---- TLS ---- */

static void on_client_hello(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st, const uint8_t *msg, size_t len, int64_t ts)
{
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc = fsc_tls_client_hello_parse(msg, len, &s->ch, &why);

	event_init(&ev, FSC_SEV_CLIENT_HELLO, f, dir, ts);
	ev.u.hello.h = &s->ch;
	ev.u.hello.index = ++st->d[dir].hellos;
	if (rc == FSC_OK && !s->lim.no_fingerprints) {
		const char *fwhy;
		ev.u.hello.have_fp =
			fsc_ja3_string(&s->ch, s->ja3_string, sizeof(s->ja3_string), &fwhy) == FSC_OK &&
			fsc_ja3(&s->ch, s->ja3, &fwhy) == FSC_OK &&
			fsc_ja4(&s->ch, 't', s->ja4, &fwhy) == FSC_OK;
		ev.u.hello.ja3_string = s->ja3_string;
		ev.u.hello.ja3 = s->ja3;
		ev.u.hello.ja4 = s->ja4;
	} else if (rc != FSC_OK) {
		s->st.tls_malformed++;
	}
	s->st.client_hellos++;
	if (st->req_dir < 0)
		st->req_dir = dir;
	emit(s, &ev, rc, why);
	if (st->ingress_switched && !st->ingress_reported)
		emit_ingress(s, f, st, ts, rc == FSC_OK ? &s->ch : NULL);
}

static void on_server_hello(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st, const uint8_t *msg, size_t len, int64_t ts)
{
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc = fsc_tls_server_hello_parse(msg, len, &s->sh, &why);

	if (rc == FSC_OK && s->sh.hrr)
		st->hrr_seen = true;

	event_init(&ev, FSC_SEV_SERVER_HELLO, f, dir, ts);
	ev.u.server.h = &s->sh;
	s->st.server_hellos++;
	s->st.tls_malformed += rc != FSC_OK;
	emit(s, &ev, rc, why);
}

/*
 * A hello the direction ended or broke inside (end of input, FIN, a gap, a
 * record that lies): reported, with nothing but the cause, rather than lost.
 * rc is FSC_TRUNCATED or FSC_MALFORMED.
 */
/*
 * Can a hello of this type be in plaintext here? A client sends no
 * ServerHello and a server no ClientHello; after a change_cipher_spec a hello
 * follows only a HelloRetryRequest (TLS 1.3). Anything else is an encrypted
 * record (TLS 1.2's Finished) whose first byte happens to look like a hello
 * type: the handshake is over, not malformed.
 */
static bool hello_plausible(const struct stream *st, int dir, uint8_t type)
{
	const struct dir_state *d = &st->d[dir];

	if (type != FSC_TLS_HS_CLIENT_HELLO && type != FSC_TLS_HS_SERVER_HELLO)
		return false;
	if (st->req_dir >= 0 && (type == FSC_TLS_HS_CLIENT_HELLO) != (dir == st->req_dir))
		return false;
	return !d->tls.after_ccs || st->hrr_seen;
}

static void cut_hello(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		      enum fsc_status rc, const char *why, int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	struct fsc_stream_event ev;
	uint8_t type = d->tls_buf != NONE ? fsc_tls_reasm_partial(&d->tls) : 0;

	if (!hello_plausible(st, dir, type))
		return;

	if (type == FSC_TLS_HS_CLIENT_HELLO) {
		memset(&s->ch, 0, sizeof(s->ch));
		event_init(&ev, FSC_SEV_CLIENT_HELLO, f, dir, ts);
		ev.u.hello.h = &s->ch;
		ev.u.hello.index = ++d->hellos;
		s->st.client_hellos++;
		if (st->req_dir < 0)
			st->req_dir = dir;
	} else if (type == FSC_TLS_HS_SERVER_HELLO) {
		memset(&s->sh, 0, sizeof(s->sh));
		event_init(&ev, FSC_SEV_SERVER_HELLO, f, dir, ts);
		ev.u.server.h = &s->sh;
		s->st.server_hellos++;
	} else {
		return;
	}
	s->st.tls_truncated += rc == FSC_TRUNCATED;
	emit(s, &ev, rc, why);
}

static size_t tls_data(struct fsc_streams *s, struct fsc_flow *f, int dir,
		       struct stream *st, const uint8_t *p, size_t len, int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	size_t used = 0;
	const char *why;

	if (!tls_acquire(s, d)) {
		d->mode = M_OFF;
		fsc_flow_stop(f, dir);
		return len;
	}
	enum fsc_status rc = fsc_tls_reasm_feed(&d->tls, p, len, &used, &why);
	if (rc == FSC_OK && (d->tls.msg_type == FSC_TLS_HS_CLIENT_HELLO ||
			     d->tls.msg_type == FSC_TLS_HS_SERVER_HELLO) &&
	    !hello_plausible(st, dir, d->tls.msg_type))
		rc = FSC_NOT_THIS; /* encrypted from here on */
	if (rc == FSC_OK) {
		if (d->tls.msg_type == FSC_TLS_HS_CLIENT_HELLO)
			on_client_hello(s, f, dir, st, d->tls.msg, d->tls.msg_len, ts);
		else if (d->tls.msg_type == FSC_TLS_HS_SERVER_HELLO)
			on_server_hello(s, f, dir, st, d->tls.msg, d->tls.msg_len, ts);
		return used;
	}
	if (rc == FSC_TRUNCATED)
		return used; /* a hello still open at the close is reported there */
	/* Encrypted from here on, or not TLS after all. */
	s->st.tls_malformed += rc == FSC_MALFORMED;
	if (rc == FSC_MALFORMED)
		cut_hello(s, f, dir, st, rc, why, ts);
	tls_release(s, d);
	d->mode = M_OFF;
	fsc_flow_stop(f, dir);
	return len;
}

/* ---- HTTP ---- */

static void copy_span(char *dst, size_t cap, const char *p, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static void read_forwarding(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st)
{
	const struct fsc_http_head *h = &s->head;
	const char *why;
	size_t n;

	/* fsc_http_info counted the lines: look only for what is there. */
	fsc_xff_list_init(&s->xff, s->xnodes, MAX_XFF);
	if (s->info.n_xff) {
		n = fsc_http_values(h, "X-Forwarded-For", s->lines, MAX_LINES);
		fsc_xff_parse_lines(s->lines, n < MAX_LINES ? n : MAX_LINES, &s->xff, &why);
	}
	fsc_xff_fwd_list_init(&s->fwd, s->felems, MAX_FWD);
	if (s->info.n_forwarded) {
		n = fsc_http_values(h, "Forwarded", s->lines, MAX_LINES);
		fsc_xff_fwd_parse_lines(s->lines, n < MAX_LINES ? n : MAX_LINES, &s->fwd, &why);
	}

	struct fsc_client_input in = {
		.xff = &s->xff,
		.fwd = &s->fwd,
		.tcp_peer = &f->addr[dir],
		.trusted_hops = s->lim.trusted_hops,
	};
	if (s->info.x_real_ip) {
		fsc_xff_elem_parse((const uint8_t *)s->info.x_real_ip->value,
				   s->info.x_real_ip->value_len, &s->real_ip);
		in.x_real_ip = &s->real_ip;
	}
	if (st->ingress_seen && st->ingress_addr.family)
		in.ingress_src = &st->ingress_addr;
	fsc_client_choose(&in, &s->client);
}

static bool span_is(const char *p, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(p, lit, len) == 0;
}

/* POST /v0/ingress with both Tailscale-Ingress-* headers (§7.1). */
static void note_ingress(struct fsc_streams *s, struct stream *st, struct pending *q)
{
	const struct fsc_http_info *in = &s->info;
	struct fsc_xff_node node;

	if (!span_is(s->head.method, s->head.method_len, "POST") ||
	    !span_is(s->head.target, s->head.target_len, "/v0/ingress") ||
	    !in->ingress_src || !in->ingress_target)
		return;
	q->ingress = true;
	st->ingress_seen = true;
	st->ingress_reported = false;
	st->ingress_switched = false;
	st->ingress_status = 0;
	copy_span(st->ingress_src, sizeof(st->ingress_src), in->ingress_src->value,
		  in->ingress_src->value_len);
	copy_span(st->ingress_target, sizeof(st->ingress_target), in->ingress_target->value,
		  in->ingress_target->value_len);
	memset(&st->ingress_addr, 0, sizeof(st->ingress_addr));
	if (fsc_xff_elem_parse((const uint8_t *)in->ingress_src->value,
			       in->ingress_src->value_len, &node) == FSC_OK &&
	    (node.kind == FSC_XFF_V4 || node.kind == FSC_XFF_V6)) {
		st->ingress_addr = node.addr;
		st->ingress_port = node.has_port ? node.port : 0;
	}
}

/* The body being watched in d is complete at ts. */
static void body_done(struct fsc_streams *s, const struct fsc_flow *f, int dir,
		      struct dir_state *d, int64_t ts)
{
	struct fsc_stream_event ev;
	struct body_watch *b = &d->body;

	if (!b->on)
		return;
	b->on = false;
	event_init(&ev, FSC_SEV_HTTP_RESPONSE_END, f, dir, ts);
	ev.u.resp_end.index = b->index;
	ev.u.resp_end.status = b->status;
	ev.u.resp_end.first_ns = b->head_ns >= b->req_ns ? b->head_ns - b->req_ns : 0;
	ev.u.resp_end.last_ns = ts >= b->req_ns ? ts - b->req_ns : 0;
	ev.u.resp_end.host = b->host;
	emit(s, &ev, FSC_OK, NULL);
}

/* Starts watching a matched final response's body (ending the one before,
 * which a new head proves complete). */
static void body_watch(struct fsc_streams *s, struct fsc_flow *f, int dir,
		       struct dir_state *d, const struct fsc_http_body *b,
		       unsigned index, int status, int64_t req_ns, const char *host, int64_t ts)
{
	body_done(s, f, dir, d, ts);
	if (!s->lim.body_ends)
		return;
	d->body = (struct body_watch){ .on = true, .index = index, .status = status,
				       .req_ns = req_ns, .head_ns = ts };
	copy_span(d->body.host, sizeof(d->body.host), host, strlen(host));
	if (b->kind == FSC_HTTP_BODY_NONE || (b->kind == FSC_HTTP_BODY_LENGTH && !b->length))
		body_done(s, f, dir, d, ts);
	else if (b->kind == FSC_HTTP_BODY_LENGTH)
		d->body.by_length = true;
	else if (b->kind == FSC_HTTP_BODY_SWITCH)
		d->body.on = false;
}

/* After a head whose framing is known: skip the body, or read it chunked. */
static void follow_body(struct fsc_flow *f, int dir, struct dir_state *d,
			const struct fsc_http_body *b)
{
	switch (b->kind) {
	case FSC_HTTP_BODY_LENGTH:
		if (b->length)
			fsc_flow_skip(f, dir, b->length);
		break;
	case FSC_HTTP_BODY_CHUNKED:
		d->after_chunked = d->mode;
		d->mode = M_CHUNKED;
		fsc_http_chunked_init(&d->chunked);
		break;
	case FSC_HTTP_BODY_CLOSE:
		d->mode = M_UNTIL_CLOSE;
		break;
	case FSC_HTTP_BODY_NONE:
	case FSC_HTTP_BODY_SWITCH:
		break;
	}
}

/* A head or body that cannot be read: count it, then look for the next
 * message boundary (find_boundary, on the next call). */
static void lose_sync(struct fsc_streams *s, struct dir_state *d)
{
	s->st.http_malformed++;
	d->resync = true;
	d->last_len = 0;
}

/* Whether p could start a head of this mode once past the CR and LF that
 * may trail a message: leftovers of a resync, or blank lines, are none. */
static bool starts_head(const uint8_t *p, size_t len, bool response)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i == len)
		return false;
	return response ? looks_like_status_line(p + i, len - i)
			: looks_like_request_line(p + i, len - i);
}

/*
 * A head that the direction ended inside (FSC_DATA_END), or that outgrew
 * the flow buffer before it did (FSC_DATA_FULL): reported as truncated with
 * what was read of it, then the bytes are let go. Returns the bytes used.
 */
static size_t cut_head(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		       const uint8_t *p, size_t len, unsigned flags, int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	bool response = d->mode == M_HTTP_RESP;
	struct fsc_stream_event ev;
	const char *why;

	d->last_len = 0;
	if (!starts_head(p, len, response))
		return len;
	if ((flags & FSC_DATA_END) && f->last_ns < ts)
		ts = f->last_ns; /* when its last bytes came, not when the input ended */
	/* Parse again from the start, so the head shows what it got to. */
	fsc_http_head_init(&s->head, s->headers, s->lim.max_headers, s->lim.max_head);
	if (response)
		fsc_http_parse_response(p, len, 0, &s->head, &why);
	else
		fsc_http_parse_request(p, len, 0, &s->head, &why);
	s->head.head_len = 0;
	memset(&s->info, 0, sizeof(s->info));
	why = flags & FSC_DATA_END ? "the stream ended inside the head"
				   : "head larger than the flow buffer";
	if (response) {
		struct pending *q = st->q_n ? &st->q[st->q_first] : NULL;
		event_init(&ev, FSC_SEV_HTTP_RESPONSE, f, dir, ts);
		ev.u.resp.head = &s->head;
		if (q) {
			ev.u.resp.matched = true;
			ev.u.resp.index = q->index;
			ev.u.resp.latency_ns = ts >= q->ts_ns ? ts - q->ts_ns : 0;
			ev.u.resp.method = q->method;
			ev.u.resp.uri = q->uri;
			ev.u.resp.host = q->host;
		} else {
			s->st.unmatched_responses++;
		}
		s->st.responses++;
		s->st.http_truncated++;
		emit(s, &ev, FSC_TRUNCATED, why);
		if (q) {
			st->q_first = (st->q_first + 1) % MAX_PENDING;
			st->q_n--;
		}
	} else {
		event_init(&ev, FSC_SEV_HTTP_REQUEST, f, dir, ts);
		ev.u.req.head = &s->head;
		ev.u.req.info = &s->info;
		ev.u.req.index = ++st->requests;
		s->st.http_truncated++;
		emit(s, &ev, FSC_TRUNCATED, why);
	}
	if (flags & FSC_DATA_FULL)
		d->resync = true; /* the rest of this head is no start */
	return len;
}

/*
 * Reads a request or response head at p into s->head. Returns true with *rc
 * FSC_OK or FSC_MALFORMED when there is a head to report; false when there
 * is none yet (more bytes needed, or not HTTP here), with *used the value
 * on_data returns.
 */
static bool read_head(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		      const uint8_t *p, size_t len, unsigned flags, int64_t ts, bool response,
		      enum fsc_status *rc, const char **why, size_t *used)
{
	struct dir_state *d = &st->d[dir];

	fsc_http_head_init(&s->head, s->headers, s->lim.max_headers, s->lim.max_head);
	*rc = response ? fsc_http_parse_response(p, len, d->last_len, &s->head, why)
		       : fsc_http_parse_request(p, len, d->last_len, &s->head, why);
	if (*rc == FSC_TRUNCATED) {
		if (flags & (FSC_DATA_FULL | FSC_DATA_END)) {
			*used = cut_head(s, f, dir, st, p, len, flags, ts);
		} else {
			d->last_len = (uint32_t)len;
			*used = 0;
		}
		return false;
	}
	d->last_len = 0;
	if (*rc == FSC_NOT_THIS) {
		d->resync = true;
		*used = 1;
		return false;
	}
	if (d->hunting) {
		s->st.resyncs++;
		d->hunting = false;
	}
	return true;
}

static size_t http_request(struct fsc_streams *s, struct fsc_flow *f, int dir,
			   struct stream *st, const uint8_t *p, size_t len, unsigned flags,
			   int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc;
	size_t used;

	if (!read_head(s, f, dir, st, p, len, flags, ts, false, &rc, &why, &used))
		return used;
	if (rc == FSC_MALFORMED) {
		event_init(&ev, FSC_SEV_HTTP_REQUEST, f, dir, ts);
		ev.u.req.head = &s->head;
		memset(&s->info, 0, sizeof(s->info));
		ev.u.req.info = &s->info;
		ev.u.req.index = ++st->requests;
		emit(s, &ev, rc, why);
		lose_sync(s, d);
		return 1; /* past this start; the boundary search does the rest */
	}

	enum fsc_status irc = fsc_http_info(&s->head, &s->info, &why);
	const char *iwhy = why;
	struct pending *q = NULL;
	if (st->q_n == MAX_PENDING) { /* the oldest will never be matched */
		st->q_first = (st->q_first + 1) % MAX_PENDING;
		st->q_n--;
		s->st.unanswered_requests++;
	}
	q = &st->q[(st->q_first + st->q_n++) % MAX_PENDING];
	memset(q, 0, sizeof(*q));
	q->ts_ns = ts;
	q->index = ++st->requests;
	q->head = span_is(s->head.method, s->head.method_len, "HEAD");
	copy_span(q->method, sizeof(q->method), s->head.method, s->head.method_len);
	copy_span(q->uri, sizeof(q->uri), s->head.target, s->head.target_len);
	if (irc == FSC_OK && s->info.host)
		copy_span(q->host, sizeof(q->host), s->info.host->value, s->info.host->value_len);
	note_ingress(s, st, q);
	st->req_dir = dir;
	read_forwarding(s, f, dir, st);

	event_init(&ev, FSC_SEV_HTTP_REQUEST, f, dir, ts);
	ev.u.req.head = &s->head;
	ev.u.req.info = &s->info;
	ev.u.req.xff = &s->xff;
	ev.u.req.fwd = &s->fwd;
	ev.u.req.client = &s->client;
	ev.u.req.index = q->index;
	s->st.requests++;
	emit(s, &ev, irc, iwhy);

	struct fsc_http_body b;
	size_t head_len = s->head.head_len;
	if (irc != FSC_OK ||
	    fsc_http_body_framing(&s->head, &s->info, NULL, 0, &b, &why) != FSC_OK) {
		/* The body's length is unknown: find the next head instead. */
		lose_sync(s, d);
		return head_len;
	}
	follow_body(f, dir, d, &b);
	return head_len;
}

static size_t http_response(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st, const uint8_t *p, size_t len, unsigned flags,
			    int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc;
	size_t used;

	if (!read_head(s, f, dir, st, p, len, flags, ts, true, &rc, &why, &used))
		return used;

	struct pending *q = st->q_n ? &st->q[st->q_first] : NULL;
	unsigned q_index = q ? q->index : 0;
	int64_t q_ns = q ? q->ts_ns : 0;
	const char *q_host = q ? q->host : "";
	event_init(&ev, FSC_SEV_HTTP_RESPONSE, f, dir, ts);
	ev.u.resp.head = &s->head;
	if (q) {
		ev.u.resp.matched = true;
		ev.u.resp.index = q->index;
		ev.u.resp.latency_ns = ts >= q->ts_ns ? ts - q->ts_ns : 0;
		ev.u.resp.method = q->method;
		ev.u.resp.uri = q->uri;
		ev.u.resp.host = q->host;
	} else {
		s->st.unmatched_responses++;
	}
	s->st.responses++;
	body_done(s, f, dir, d, ts); /* a head here: the body before is whole */
	if (rc == FSC_MALFORMED) {
		emit(s, &ev, rc, why);
		lose_sync(s, d);
		return 1;
	}
	enum fsc_status irc = fsc_http_info(&s->head, &s->info, &why);
	emit(s, &ev, irc, why);

	int status = s->head.status;
	bool interim = status >= 100 && status < 200 && status != 101;
	bool ingress = q && q->ingress;
	struct fsc_http_body b = { FSC_HTTP_BODY_NONE, 0 };
	if (irc == FSC_OK)
		fsc_http_body_framing(&s->head, &s->info, q ? q->method : "GET",
				      q ? strlen(q->method) : 3, &b, &why);
	if (!interim && q) {
		st->q_first = (st->q_first + 1) % MAX_PENDING;
		st->q_n--;
	}
	if (ingress && !interim) {
		st->ingress_status = status;
		if (status == 101) {
			/* The client's TLS follows in the same stream. */
			st->ingress_switched = true;
			st->d[0].mode = st->d[1].mode = M_NEW;
			return s->head.head_len;
		}
		emit_ingress(s, f, st, ts, NULL);
	}
	if (b.kind == FSC_HTTP_BODY_SWITCH && !interim) {
		/* WebSocket, CONNECT tunnels, h2c: not ours to read. */
		st->d[0].mode = st->d[1].mode = M_OFF;
		fsc_flow_stop(f, FSC_FLOW_BOTH);
		return len;
	}
	if (irc != FSC_OK) {
		lose_sync(s, d);
		return s->head.head_len;
	}
	if (q_index && !interim)
		body_watch(s, f, dir, d, &b, q_index, status, q_ns, q_host, ts);
	follow_body(f, dir, d, &b);
	return s->head.head_len;
}

static size_t chunked_body(struct fsc_streams *s, struct fsc_flow *f, int dir,
			   struct dir_state *d, const uint8_t *p, size_t len, int64_t ts)
{
	size_t used = 0;
	const char *why;
	enum fsc_status rc = fsc_http_chunked_skip(&d->chunked, p, len, &used, &why);

	if (rc == FSC_OK || rc == FSC_TRUNCATED) {
		if (rc == FSC_OK) {
			d->mode = d->after_chunked;
			body_done(s, f, dir, d, ts);
		}
		return used;
	}
	d->body.on = false;
	d->mode = d->after_chunked;
	lose_sync(s, d);
	return used;
}

/* ---- the flow handler ---- */

static bool h_open(void *ctx, struct fsc_flow *f, const struct fsc_packet *pkt, int64_t ts)
{
	(void)ctx;
	(void)pkt;
	(void)ts;
	*(uint32_t *)f->user = 0;
	return true;
}

/* The first bytes of a direction (or the first after a gap) decide. */
static size_t start(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		    const uint8_t *p, size_t len, unsigned flags)
{
	enum guess g = guess(p, len);

	if (g == G_MORE)
		return flags & (FSC_DATA_END | FSC_DATA_FULL) ? len : 0;
	if (g == G_OTHER && (flags & FSC_DATA_RESYNC)) {
		/* Mid-stream: find where an HTTP message starts, if any. */
		size_t at = find_boundary(p, len, M_HTTP_REQ);
		size_t at2 = find_boundary(p, len, M_HTTP_RESP);
		at = at2 < at ? at2 : at;
		if (at > 0 && at < len)
			return at;
		if (len > 4096 || (flags & (FSC_DATA_END | FSC_DATA_FULL))) {
			fsc_flow_stop(f, dir);
			return len;
		}
		return len > RESYNC_KEEP ? len - RESYNC_KEEP : 0;
	}
	if (g == G_OTHER) {
		/* Count a connection once, when its first direction says so. */
		if (!st && !f->dir[!dir].stopped)
			s->st.other_protocol++;
		if (st)
			st->d[dir].mode = M_OFF;
		fsc_flow_stop(f, dir);
		return len;
	}
	if (!st && !(st = stream_get(s, f))) {
		fsc_flow_stop(f, FSC_FLOW_BOTH);
		return len;
	}
	st->d[dir].mode = g == G_TLS ? M_TLS : g == G_REQ ? M_HTTP_REQ : M_HTTP_RESP;
	return 0; /* read it now, in its mode */
}

static size_t h_data(void *ctx, struct fsc_flow *f, int dir, const uint8_t *p, size_t len,
		     unsigned flags, int64_t ts)
{
	struct fsc_streams *s = ctx;
	struct stream *st = stream_of(s, f);
	struct dir_state *d = st ? &st->d[dir] : NULL;

	if (!d || d->mode == M_NEW) {
		size_t n = start(s, f, dir, st, p, len, flags);
		st = stream_of(s, f);
		if (n > 0 || !st || st->d[dir].mode == M_NEW || st->d[dir].mode == M_OFF)
			return n;
		d = &st->d[dir];
	}
	if (d->resync && (d->mode == M_HTTP_REQ || d->mode == M_HTTP_RESP)) {
		size_t at = find_boundary(p, len, (enum mode)d->mode);
		if (at == len) {
			if (flags & (FSC_DATA_END | FSC_DATA_FULL))
				return len;
			return len > RESYNC_KEEP ? len - RESYNC_KEEP : 0;
		}
		if (at > 0)
			return at;
		if (len < 16 && !(flags & (FSC_DATA_END | FSC_DATA_FULL)))
			return 0;
		d->resync = false;
		d->hunting = true;
	}
	switch (d->mode) {
	case M_TLS:
		return tls_data(s, f, dir, st, p, len, ts);
	case M_HTTP_REQ:
		return http_request(s, f, dir, st, p, len, flags, ts);
	case M_HTTP_RESP:
		return http_response(s, f, dir, st, p, len, flags, ts);
	case M_CHUNKED:
		return chunked_body(s, f, dir, d, p, len, ts);
	case M_UNTIL_CLOSE:
		return len;
	default:
		fsc_flow_stop(f, dir);
		return len;
	}
}

static void h_gap(void *ctx, struct fsc_flow *f, int dir, uint64_t missing,
		  enum fsc_gap_reason why)
{
	struct fsc_streams *s = ctx;
	struct stream *st = stream_of(s, f);

	(void)missing;
	(void)why;
	if (!st)
		return;
	struct dir_state *d = &st->d[dir];
	d->body.on = false; /* a body with a hole has no known last byte */
	switch (d->mode) {
	case M_TLS:
		/* A handshake with a hole cannot be read further. */
		cut_hello(s, f, dir, st, FSC_TRUNCATED, "hello cut by a gap in the capture",
			  f->last_ns);
		tls_release(s, d);
		d->mode = M_OFF;
		fsc_flow_stop(f, dir);
		break;
	case M_CHUNKED:
	case M_UNTIL_CLOSE:
		d->mode = d->mode == M_CHUNKED ? d->after_chunked : M_HTTP_RESP;
		/* fall through */
	case M_HTTP_REQ:
	case M_HTTP_RESP:
		d->resync = true;
		d->last_len = 0;
		/* Which requests the answers after the hole belong to is lost. */
		s->st.unanswered_requests += st->q_n;
		st->q_n = 0;
		break;
	default:
		break;
	}
}

static void h_close(void *ctx, struct fsc_flow *f, enum fsc_close_reason why)
{
	struct fsc_streams *s = ctx;
	struct stream *st = stream_of(s, f);

	if (!st)
		return;
	for (int dir = 0; dir < 2; dir++)
		if (st->d[dir].mode == M_TLS)
			cut_hello(s, f, dir, st, FSC_TRUNCATED, "the stream ended inside the hello",
				  f->last_ns);
	if (st->ingress_seen && !st->ingress_reported && st->ingress_status)
		emit_ingress(s, f, st, f->last_ns, NULL);
	/* A body read to the close ends with it; a counted one cut short
	 * by the end of the input has no last byte. */
	for (int dir = 0; dir < 2; dir++) {
		struct dir_state *d = &st->d[dir];
		if (d->body.on && d->mode == M_UNTIL_CLOSE && why != FSC_CLOSE_END)
			body_done(s, f, dir, d, f->last_ns);
		else if (d->body.on && d->body.by_length && fsc_flow_skipping(f, dir) == 0)
			body_done(s, f, dir, d, f->last_ns);
	}
	s->st.unanswered_requests += st->q_n;
	stream_put(s, f, st);
}

/* ---- public ---- */

struct fsc_streams *fsc_streams_new(const struct fsc_stream_limits *lim)
{
	struct fsc_streams *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (lim)
		s->lim = *lim;
	if (!s->lim.max_streams)
		s->lim.max_streams = DEFAULT_MAX_STREAMS;
	if (s->lim.max_streams > FSC_STREAMS_MAX_STREAMS_LIMIT)
		s->lim.max_streams = FSC_STREAMS_MAX_STREAMS_LIMIT;
	if (!s->lim.tls_buffers)
		s->lim.tls_buffers = DEFAULT_TLS_BUFFERS;
	if (!s->lim.max_headers)
		s->lim.max_headers = DEFAULT_MAX_HEADERS;
	if (!s->lim.max_head)
		s->lim.max_head = DEFAULT_MAX_HEAD;
	s->lim.flow.user_size = sizeof(uint32_t);
	/* Heads and hellos are small: a smaller arena than the flow table's
	 * general default keeps the whole decoder's worst case modest. */
	if (!s->lim.flow.mem_cap)
		s->lim.flow.mem_cap = DEFAULT_FLOW_MEMORY;

	s->pool = malloc((size_t)s->lim.max_streams * sizeof(*s->pool));
	s->free_streams = malloc((size_t)s->lim.max_streams * sizeof(uint32_t));
	s->tls_bufs = malloc((size_t)s->lim.tls_buffers * TLS_BUF_SIZE);
	s->free_bufs = malloc((size_t)s->lim.tls_buffers * sizeof(uint32_t));
	s->headers = malloc((size_t)s->lim.max_headers * sizeof(*s->headers));
	struct fsc_flow_handler h = {
		.on_open = h_open, .on_data = h_data, .on_gap = h_gap,
		.on_close = h_close, .ctx = s,
	};
	if (s->pool && s->free_streams && s->tls_bufs && s->free_bufs && s->headers)
		s->flows = fsc_flows_new(&s->lim.flow, &h);
	if (!s->flows) {
		fsc_streams_free(s);
		return NULL;
	}
	s->n_free_streams = 0;
	s->fresh_streams = 0;
	for (uint32_t i = 0; i < s->lim.tls_buffers; i++)
		s->free_bufs[i] = s->lim.tls_buffers - 1 - i;
	s->n_free_bufs = s->lim.tls_buffers;
	return s;
}

void fsc_streams_free(struct fsc_streams *s)
{
	if (!s)
		return;
	fsc_flows_free(s->flows);
	free(s->pool);
	free(s->free_streams);
	free(s->tls_bufs);
	free(s->free_bufs);
	free(s->headers);
	free(s);
}

void fsc_streams_packet(struct fsc_streams *s, const struct fsc_packet *pkt, int64_t ts_ns,
			fsc_stream_fn fn, void *ctx)
{
	int dir;

	s->fn = fn;
	s->ctx = ctx;
	const struct fsc_flow *f = fsc_flows_packet(s->flows, pkt, ts_ns, &dir);
	/* A body counted by its length is skipped as it comes, unseen: it is
	 * complete once the skip is, which only the flow knows. */
	struct stream *st = f ? stream_of(s, f) : NULL;
	if (st && st->d[dir].body.on && st->d[dir].body.by_length &&
	    fsc_flow_skipping(f, dir) == 0)
		body_done(s, f, dir, &st->d[dir], ts_ns);
}

void fsc_streams_flush(struct fsc_streams *s, fsc_stream_fn fn, void *ctx)
{
	s->fn = fn;
	s->ctx = ctx;
	fsc_flows_flush(s->flows);
}

const struct fsc_stream_stats *fsc_streams_stats(const struct fsc_streams *s)
{
	return &s->st;
}

const struct fsc_flow_stats *fsc_streams_flow_stats(const struct fsc_streams *s)
{
	return fsc_flows_stats(s->flows);
}
