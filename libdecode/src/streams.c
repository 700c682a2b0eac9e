/*
 * streams.c - the consumer of TCP streams: recognises TLS, HTTP/1.x and text
 * handshakes by their first bytes (or, joined mid-stream, by the other
 * direction), and hands each direction to its reader: streams_tls.c
 * (ClientHello/ServerHello) or streams_http.c (heads paired in pipelining
 * order, bodies skipped by framing, the Funnel ingress handshake -
 * POST /v0/ingress, 101, then TLS in the same stream, protocols.md §7.1 -
 * CONNECT tunnels, resynchronisation). The modes: streams_int.h.
 *
 * Memory: a flow carries only a 4-byte slot number. Connections that turn
 * out to be TLS or HTTP take a `struct stream` from a fixed pool, and a
 * direction in a TLS handshake borrows a reassembly buffer from another
 * fixed pool until the handshake turns encrypted. Nothing is allocated after
 * fsc_streams_new.
 */
#include <stdlib.h>
#include <string.h>

#include "streams_int.h"

#define DEFAULT_MAX_STREAMS 16384
#define DEFAULT_TLS_BUFFERS 1024
#define DEFAULT_MAX_HEADERS 64
#define DEFAULT_MAX_HEAD 16384
#define DEFAULT_FLOW_MEMORY (16ull << 20)
#define TEXT_MAX 16384		/* bytes of a text handshake read for what follows */

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
	if (s->tls13)
		memset(&s->tls13[slot], 0, sizeof(s->tls13[slot]));
	st->d[0].tls_buf = st->d[1].tls_buf = NONE;
	st->req_dir = -1;
	*(uint32_t *)f->user = slot + 1;
	return st;
}

static void stream_put(struct fsc_streams *s, struct fsc_flow *f, struct stream *st)
{
	stream_tls_release(s, &st->d[0]);
	stream_tls_release(s, &st->d[1]);
	s->free_streams[s->n_free_streams++] = (uint32_t)(st - s->pool);
	*(uint32_t *)f->user = 0;
}

/* ---- events ---- */

void stream_event_init(struct fsc_stream_event *ev, enum fsc_event_type type,
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

void stream_emit(struct fsc_streams *s, struct fsc_stream_event *ev, enum fsc_status st,
		 const char *why)
{
	ev->status = st == FSC_OK || st == FSC_TRUNCATED ? st : FSC_MALFORMED;
	ev->why = st == FSC_OK ? NULL : why ? why : "unreadable";
	if (ev->flow && s->inner && ev->flow->table == s->inner)
		ev->flags |= FSC_SF_DECRYPTED;
	if (s->fn)
		s->fn(s->ctx, ev);
}

void stream_emit_ingress(struct fsc_streams *s, const struct fsc_flow *f, struct stream *st,
			 int64_t ts, const struct fsc_tls_client_hello *h)
{
	struct fsc_stream_event ev;
	int dir = st->req_dir >= 0 ? st->req_dir : 0;

	stream_event_init(&ev, FSC_EV_INGRESS, f, dir, ts);
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
	stream_emit(s, &ev, FSC_OK, NULL);
}

static const char *const flag_names[] = {
	[0] = "obs-fold", [1] = "spaces", [2] = "bad-version", [8] = "resync",
	[9] = "folded-framing", [10] = "cl-and-te", [11] = "smuggling-suspect",
	[12] = "tunnel", [13] = "no-fingerprint", [14] = "urgent", [15] = "tls-decrypted",
	[16] = "tls-keys",
};

const char *fsc_stream_flag_name(unsigned bit)
{
	for (unsigned i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (bit == 1u << i)
			return flag_names[i];
	return NULL;
}

void stream_restart(struct stream *st)
{
	for (int dir = 0; dir < 2; dir++) {
		struct dir_state *d = &st->d[dir];
		d->mode = M_NEW;
		d->resync = d->skip_line = false;
		d->next_flags = 0;
		d->last_len = 0;
	}
}

/* ---- recognising a direction ---- */

/*
 * Nothing more to read in this direction. When the other is done too and
 * the connection never spoke HTTP (a text protocol such as SSH's banner, or
 * SMTP), its stream goes back to the pool at once rather than at the close:
 * long-lived connections of other protocols must not starve the pool.
 */
static void give_up(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st)
{
	fsc_flow_stop(f, dir);
	if (!st)
		return;
	st->d[dir].mode = M_OFF;
	if (st->d[!dir].mode == M_OFF && st->requests == 0 && !st->ingress_seen && !st->q_n) {
		fsc_flow_stop(f, FSC_FLOW_BOTH);
		stream_put(s, f, st);
	}
}

enum guess { G_MORE, G_TLS, G_REQ, G_RESP, G_TEXT, G_OTHER };

/* Printable text, SP, HTAB, CR, LF: a line-based protocol's bytes. */
static bool is_text(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

/* With `last`, no byte follows: a start line not finished is still one
 * (to be reported cut). */
static enum guess guess(const uint8_t *p, size_t len, bool last)
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
	size_t i = 0;
	while (i < len && i < 8 && (p[i] == '\r' || p[i] == '\n'))
		i++; /* empty lines before a start line (RFC 9112 §2.2) */
	enum fsc_status resp = fsc_http_start_line(p + i, len - i, true);
	enum fsc_status req = fsc_http_start_line(p + i, len - i, false);
	if (resp == FSC_OK)
		return G_RESP;
	if (req == FSC_OK)
		return G_REQ;
	if (resp == FSC_TRUNCATED || req == FSC_TRUNCATED)
		return !last ? G_MORE : resp == FSC_TRUNCATED ? G_RESP : G_REQ;
	/* A first line of text, ended: a text handshake (Gnutella's
	 * "GNUTELLA CONNECT/0.6") that TLS may follow. */
	const uint8_t *nl = memchr(p, '\n', len);
	for (size_t k = 0; k < len && (!nl || p + k < nl); k++)
		if (!is_text(p[k]))
			return G_OTHER;
	return nl ? G_TEXT : len < FSC_HTTP_LINE_MAX ? G_MORE : G_OTHER;
}

/*
 * A text protocol's lines: read through to a blank line (the end of a
 * handshake head), then guess again, for TLS started in the stream
 * (Gnutella's "Upgrade: TLS/1.0"). Gives up on a byte that is not text or
 * after TEXT_MAX bytes.
 */
static size_t text_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			const uint8_t *p, size_t len, unsigned flags)
{
	struct dir_state *d = &st->d[dir];
	size_t i = 0;

	for (; i < len; i++) {
		if (!is_text(p[i]))
			break;
		if (p[i] != '\n')
			continue;
		/* LF LF or LF CR LF: a blank line ends the head */
		if (i + 1 < len && (p[i + 1] == '\n' ||
				    (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n'))) {
			size_t end = i + (p[i + 1] == '\n' ? 2 : 3);
			d->text += (uint32_t)end;
			d->mode = M_NEW;
			return end;
		}
	}
	if (i < len || d->text + len > TEXT_MAX) {
		give_up(s, f, dir, st);
		return len;
	}
	/* Keep the last line's end in view: its blank line may come next. */
	const uint8_t *nl = NULL;
	for (size_t k = len; k > 0 && !nl; k--)
		if (p[k - 1] == '\n')
			nl = p + k - 1;
	size_t used = nl ? (size_t)(nl - p) : 0;
	if (flags & (FSC_DATA_END | FSC_DATA_FULL))
		used = len;
	d->text += (uint32_t)used;
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

/* The kind of HTTP a direction carries when its other side speaks HTTP. */
static enum mode http_partner(const struct stream *st, int dir)
{
	if (st->req_dir >= 0 && st->requests > 0)
		return dir == st->req_dir ? M_HTTP_REQ : M_HTTP_RESP;
	uint8_t m = st->d[!dir].mode;
	if (m == M_CHUNKED)
		m = st->d[!dir].after_chunked;
	if (m == M_HTTP_REQ)
		return M_HTTP_RESP;
	if (m == M_HTTP_RESP || m == M_UNTIL_CLOSE)
		return M_HTTP_REQ;
	return M_NEW;
}

/*
 * A direction whose start was not seen (or that resumes after a gap before
 * its kind was known) and does not begin with a message: HTTP from its next
 * start line when its other side speaks HTTP, else a start line searched
 * for in its first bytes.
 */
static size_t join(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		   const uint8_t *p, size_t len, unsigned flags)
{
	enum mode m = st ? http_partner(st, dir) : M_NEW;

	if (m != M_NEW) {
		stream_http_resync(st, dir, m);
		if (m == M_HTTP_RESP) {
			/* The answers to the requests so far went by unseen. */
			s->st.unanswered_requests += st->q_n;
			st->q_n = 0;
		}
		return 0; /* read it now, searching */
	}
	size_t at = stream_http_find_any(p, len);
	if (at > 0 && at < len)
		return at;
	if (len > 4096 || (flags & (FSC_DATA_END | FSC_DATA_FULL))) {
		if (st)
			st->d[dir].mode = M_OFF;
		fsc_flow_stop(f, dir);
		return len;
	}
	return 0;
}

/* The first bytes of a direction (or the first after a gap) decide. */
static size_t start(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		    const uint8_t *p, size_t len, unsigned flags)
{
	enum guess g = guess(p, len, flags & (FSC_DATA_END | FSC_DATA_FULL));

	if (g == G_MORE)
		return flags & (FSC_DATA_END | FSC_DATA_FULL) ? len : 0;
	if ((g == G_OTHER || g == G_TEXT) && (flags & FSC_DATA_RESYNC))
		return join(s, f, dir, st, p, len, flags);
	if (g == G_OTHER) {
		/* Count a connection once, when its first direction says so. */
		if (!st && !f->dir[!dir].stopped)
			s->st.other_protocol++;
		give_up(s, f, dir, st);
		return len;
	}
	if (g == G_TEXT && (!st || st->d[!dir].mode == M_NEW))
		s->st.other_protocol++; /* at first; TLS may follow its handshake */
	if (!st && !(st = stream_get(s, f))) {
		fsc_flow_stop(f, FSC_FLOW_BOTH);
		return len;
	}
	static const uint8_t modes[] = {
		[G_TLS] = M_TLS, [G_REQ] = M_HTTP_REQ, [G_RESP] = M_HTTP_RESP, [G_TEXT] = M_TEXT,
	};
	st->d[dir].mode = modes[g];
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
		if (st && s->urgent)
			st->d[dir].next_flags |= FSC_SF_URGENT;
		if (n > 0 || !st || st->d[dir].mode == M_NEW || st->d[dir].mode == M_OFF)
			return n;
		d = &st->d[dir];
	} else if (s->urgent) {
		d->next_flags |= FSC_SF_URGENT;
	}
	s->urgent = false;
	switch (d->mode) {
	case M_TLS:
		return stream_tls_data(s, f, dir, st, p, len, ts);
	case M_TEXT:
		return text_data(s, f, dir, st, p, len, flags);
	case M_TLS_OPEN:
		return stream_tls_open_data(s, f, dir, st, p, len, flags, ts);
	case M_HTTP_REQ:
	case M_HTTP_RESP:
	case M_CHUNKED:
	case M_UNTIL_CLOSE:
		return stream_http_data(s, f, dir, st, p, len, flags, ts);
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
		stream_tls_cut(s, f, dir, st, FSC_TRUNCATED, "hello cut by a gap in the capture",
			       f->last_ns);
		stream_tls_release(s, d);
		d->mode = M_OFF;
		fsc_flow_stop(f, dir);
		break;
	case M_TLS_OPEN:
		break;	/* given up at its next bytes, which say FSC_DATA_RESYNC */
	case M_TEXT:
		d->mode = M_OFF;
		fsc_flow_stop(f, dir);
		break;
	default:
		stream_http_gap(s, st, dir);
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
			stream_tls_cut(s, f, dir, st, FSC_TRUNCATED,
				       "the stream ended inside the hello", f->last_ns);
	if (st->ingress_seen && !st->ingress_reported && st->ingress_status)
		stream_emit_ingress(s, f, st, f->last_ns, NULL);
	/* A body read to the close ends with it; a counted one cut short
	 * by the close has no last byte. The flow let go of its skip before
	 * this call: whether the body came whole is told by the offset the
	 * direction reached. */
	for (int dir = 0; dir < 2; dir++) {
		struct dir_state *d = &st->d[dir];
		if (d->body.on && d->mode == M_UNTIL_CLOSE && why != FSC_CLOSE_END)
			stream_http_body_done(s, f, dir, d, f->last_ns);
		else if (d->body.on && d->body.by_length &&
			 fsc_flow_offset(f, dir) >= d->body.end_off)
			stream_http_body_done(s, f, dir, d, f->last_ns);
	}
	stream_tls_open_close(s, f, st);
	s->st.unanswered_requests += st->q_n;
	if (s->lim.http_closes && st->requests) {
		struct fsc_stream_event ev;
		stream_event_init(&ev, FSC_EV_HTTP_CLOSE, f, st->req_dir >= 0 ? st->req_dir : 0,
				  f->last_ns);
		ev.u.close.reason = why;
		ev.u.close.requests = st->requests;
		ev.u.close.unanswered = st->q_n;
		stream_emit(s, &ev, FSC_OK, NULL);
	}
	stream_put(s, f, st);
}

/* ---- public ---- */

static struct fsc_flow_handler handler(struct fsc_streams *s)
{
	return (struct fsc_flow_handler){
		.on_open = h_open, .on_data = h_data, .on_gap = h_gap,
		.on_close = h_close, .ctx = s,
	};
}

bool fsc_streams_set_tlskeys(struct fsc_streams *s, const struct fsc_tlskeys *keys)
{
	struct fsc_flow_handler h = handler(s);

	if (!s->inner) {
		/* the plaintext flows: as many as the streams, buffers as the
		 * outer table's (a head spans records) */
		struct fsc_flow_limits lim = s->lim.flow;
		lim.max_flows = s->lim.max_streams;
		lim.id_base = FSC_STREAMS_DECRYPTED_ID_BASE;
		s->plain = malloc(FSC_TLS_PLAIN_MAX + 256);
		s->aead = fsc_tls13_aead_new();
		/* zeroed pages: touched as streams are */
		s->tls13 = calloc(s->lim.max_streams, sizeof(*s->tls13));
		s->inner = s->plain && s->aead && s->tls13 ? fsc_flows_new(&lim, &h) : NULL;
		if (!s->inner) {
			stream_tls_open_free(s);
			s->inner = NULL;
			s->aead = NULL;
			s->plain = NULL;
			s->tls13 = NULL;
			return false;
		}
	}
	s->tlskeys = keys;
	return true;
}

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
	struct fsc_flow_handler h = handler(s);
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
	stream_tls_open_free(s);
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
	s->fn = fn;
	s->ctx = ctx;
	int dir;

	s->urgent = (pkt->tcp_flags & FSC_TCP_URG) && pkt->payload_len > 0;
	const struct fsc_flow *f = fsc_flows_packet(s->flows, pkt, ts_ns, &dir);
	s->urgent = false;
	/* A body counted by its length is skipped as it comes, unseen: it is
	 * complete once the skip is, which only the flow knows. */
	struct stream *st = f ? stream_of(s, f) : NULL;
	if (st && st->d[dir].body.on && st->d[dir].body.by_length &&
	    fsc_flow_skipping(f, dir) == 0)
		stream_http_body_done(s, f, dir, &st->d[dir], ts_ns);
}

void fsc_streams_flush(struct fsc_streams *s, fsc_stream_fn fn, void *ctx)
{
	s->fn = fn;
	s->ctx = ctx;
	fsc_flows_flush(s->flows);
	if (s->inner)
		fsc_flows_flush(s->inner);
}

const struct fsc_stream_stats *fsc_streams_stats(const struct fsc_streams *s)
{
	return &s->st;
}

const struct fsc_flow_stats *fsc_streams_flow_stats(const struct fsc_streams *s)
{
	return fsc_flows_stats(s->flows);
}
