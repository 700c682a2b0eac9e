/*
 * streams_http.c - the HTTP/1.x reader of a stream direction: request and
 * response heads (http.h), requests paired with their answers in
 * pipelining order, bodies skipped by their framing, the Funnel ingress
 * handshake and CONNECT tunnels followed, and resynchronisation.
 *
 * Resynchronising (RFC 9112 §2.2 asks a reader to be robust, not to guess):
 * after bytes that cannot be read - a capture that began mid-stream, a gap,
 * a head or chunked body that breaks - the direction searches for the next
 * start line. A candidate is a line start (the byte after LF), or the first
 * byte of a delivery after one consumed whole (a segment start, where
 * tshark looks too); it must parse as a whole request line (token SP ...
 * SP HTTP/1.x) or status line (fsc_http_start_line). Bytes before the
 * candidate are let go; the message found says "resync". A head that broke
 * before its end skips the rest of its first line, so no start is ever read
 * one byte in ("OST /" from "POST /").
 *
 * Framing that readers may disagree on - a folded Content-Length or
 * Transfer-Encoding, both of them, a chunk size that overflows - is
 * followed as RFC 9112 reads it and said: the message carries the flag, and
 * the message after it "smuggling-suspect".
 */
#include <string.h>

#include "streams_int.h"

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

#define UNKNOWN_SCAN 4096	/* bytes searched in a direction of no known kind */
/* An observer reads what a server would refuse, and flags it. */
#define READ_ANYWAY (FSC_HTTP_F_OBS_FOLD | FSC_HTTP_F_VERSION)

static void next_message(struct dir_state *d, unsigned flags)
{
	d->next_flags |= flags;
}

/* A head or body that cannot be read: count it; the bytes up to the next
 * line start are not a start. */
static void lose_sync(struct fsc_streams *s, struct dir_state *d)
{
	s->st.http_malformed++;
	d->resync = true;
	d->skip_line = true;
	d->last_len = 0;
	next_message(d, FSC_SF_RESYNC);
}

void stream_http_resync(struct stream *st, int dir, enum mode mode)
{
	struct dir_state *d = &st->d[dir];

	d->mode = (uint8_t)mode;
	d->resync = true;
	d->skip_line = false;
	d->last_len = 0;
	next_message(d, FSC_SF_RESYNC);
}

enum found { F_NONE, F_MAYBE, F_AT };

/*
 * The first candidate in p (see the file comment) that starts a line of the
 * kind: F_AT *at; F_MAYBE *at when the line there is not finished yet; else
 * F_NONE. kind: 0 request, 1 response, 2 either.
 */
static enum found find_start(const uint8_t *p, size_t len, bool line_start, int kind,
			     size_t *at)
{
	size_t i = 0;

	if (!line_start) {
		const uint8_t *nl = memchr(p, '\n', len);
		if (!nl)
			return F_NONE;
		i = (size_t)(nl - p) + 1;
	}
	while (i < len) {
		enum fsc_status r = FSC_NOT_THIS, r2 = FSC_NOT_THIS;
		if (kind != 1)
			r = fsc_http_start_line(p + i, len - i, false);
		if (kind != 0)
			r2 = fsc_http_start_line(p + i, len - i, true);
		*at = i;
		if (r == FSC_OK || r2 == FSC_OK)
			return F_AT;
		if (r == FSC_TRUNCATED || r2 == FSC_TRUNCATED)
			return F_MAYBE;
		const uint8_t *nl = memchr(p + i, '\n', len - i);
		if (!nl)
			break;
		i = (size_t)(nl - p) + 1;
	}
	return F_NONE;
}

size_t stream_http_find_any(const uint8_t *p, size_t len)
{
	size_t at;
	enum found f = find_start(p, len > UNKNOWN_SCAN ? UNKNOWN_SCAN : len, true, 2, &at);

	return f == F_NONE ? len : at;
}

/*
 * Searching: returns the bytes to let go, and clears d->resync when a start
 * line begins at p (0 returned).
 */
static size_t resync(struct dir_state *d, const uint8_t *p, size_t len, unsigned flags)
{
	size_t at = 0;
	enum found f = find_start(p, len, !d->skip_line, d->mode == M_HTTP_RESP, &at);

	if (f == F_AT && at == 0) {
		d->resync = false;
		d->skip_line = false;
		return 0;
	}
	if (f == F_NONE || (f == F_MAYBE && (flags & (FSC_DATA_END | FSC_DATA_FULL)))) {
		/* All of it goes. The next delivery begins a segment (a
		 * candidate), unless this one ended inside an unreadable line. */
		if (!(d->skip_line && memchr(p, '\n', len) == NULL))
			d->skip_line = false;
		return len;
	}
	d->skip_line = false;
	return at; /* up to the candidate; 0: wait for its line to finish */
}

/* Past the first line of a head that broke before its end (and the empty
 * lines before it): its start is no start. */
static size_t skip_first_line(struct dir_state *d, const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	const uint8_t *nl = memchr(p + i, '\n', len - i);
	d->skip_line = nl == NULL;
	return nl ? (size_t)(nl - p) + 1 : len;
}

void stream_http_body_done(struct fsc_streams *s, const struct fsc_flow *f, int dir,
			   struct dir_state *d, int64_t ts)
{
	struct fsc_stream_event ev;
	struct body_watch *b = &d->body;

	if (!b->on)
		return;
	b->on = false;
	stream_event_init(&ev, FSC_EV_HTTP_RESPONSE_END, f, dir, ts);
	ev.u.resp_end.index = b->index;
	ev.u.resp_end.status = b->status;
	ev.u.resp_end.first_ns = b->head_ns >= b->req_ns ? b->head_ns - b->req_ns : 0;
	ev.u.resp_end.last_ns = ts >= b->req_ns ? ts - b->req_ns : 0;
	ev.u.resp_end.host = b->host;
	ev.u.resp_end.body_len = b->len;
	stream_emit(s, &ev, FSC_OK, NULL);
}

/* Starts watching a matched final response's body (ending the one before,
 * which a new head proves complete). */
static void body_watch(struct fsc_streams *s, struct fsc_flow *f, int dir,
		       struct dir_state *d, const struct fsc_http_body *b,
		       unsigned index, int status, int64_t req_ns, const char *host, uint64_t from,
		       int64_t ts)
{
	stream_http_body_done(s, f, dir, d, ts);
	if (!s->lim.body_ends)
		return;
	d->body = (struct body_watch){ .on = true, .index = index, .status = status,
				       .req_ns = req_ns, .head_ns = ts };
	copy_span(d->body.host, sizeof(d->body.host), host, strlen(host));
	if (b->kind == FSC_HTTP_BODY_NONE || (b->kind == FSC_HTTP_BODY_LENGTH && !b->length))
		stream_http_body_done(s, f, dir, d, ts);
	else if (b->kind == FSC_HTTP_BODY_LENGTH) {
		d->body.by_length = true;
		d->body.len = b->length;
		d->body.end_off = from + b->length;
	}
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

/* Whether p could start a head of this kind once past the CR and LF that
 * may trail a message. */
static bool starts_head(const uint8_t *p, size_t len, bool response)
{
	size_t i = 0;

	while (i < len && (p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < len && fsc_http_start_line(p + i, len - i, response) != FSC_NOT_THIS;
}

/* The flags of a message about to be reported: the head's own, and what
 * its direction left for it. */
static unsigned take_flags(struct fsc_streams *s, struct dir_state *d)
{
	unsigned fl = s->head.flags | d->next_flags;

	if (d->next_flags & FSC_SF_RESYNC)
		s->st.resyncs++;
	if (d->next_flags & FSC_SF_SMUGGLING)
		s->st.smuggling_suspects++;
	d->next_flags = 0;
	return fl;
}

static void pair_response(struct fsc_streams *s, struct stream *st,
			  struct fsc_stream_event *ev, int64_t ts)
{
	struct pending *q = st->q_n ? &st->q[st->q_first] : NULL;

	ev->u.resp.head = &s->head;
	if (q) {
		ev->u.resp.matched = true;
		ev->u.resp.index = q->index;
		ev->u.resp.latency_ns = ts >= q->ts_ns ? ts - q->ts_ns : 0;
		ev->u.resp.method = q->method;
		ev->u.resp.uri = q->uri;
		ev->u.resp.host = q->host;
		ev->u.resp.client = q->client;
		ev->u.resp.client_rule = q->client_rule;
	} else {
		s->st.unmatched_responses++;
	}
	s->st.responses++;
}

static void pop_request(struct stream *st)
{
	if (st->q_n) {
		st->q_first = (st->q_first + 1) % MAX_PENDING;
		st->q_n--;
	}
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
	s->head.lenient = READ_ANYWAY;
	if (response)
		fsc_http_parse_response(p, len, 0, &s->head, &why);
	else
		fsc_http_parse_request(p, len, 0, &s->head, &why);
	s->head.head_len = 0;
	memset(&s->info, 0, sizeof(s->info));
	why = flags & FSC_DATA_END ? "the stream ended inside the head"
				   : "head larger than the flow buffer";
	if (response) {
		stream_event_init(&ev, FSC_EV_HTTP_RESPONSE, f, dir, ts);
		pair_response(s, st, &ev, ts);
		ev.flags = take_flags(s, d);
		s->st.http_truncated++;
		stream_emit(s, &ev, FSC_TRUNCATED, why);
		pop_request(st);
	} else {
		stream_event_init(&ev, FSC_EV_HTTP_REQUEST, f, dir, ts);
		ev.u.req.head = &s->head;
		ev.u.req.info = &s->info;
		ev.u.req.index = ++st->requests;
		ev.flags = take_flags(s, d);
		s->st.http_truncated++;
		stream_emit(s, &ev, FSC_TRUNCATED, why);
	}
	if (flags & FSC_DATA_FULL) {
		d->resync = true; /* the rest of this head is no start */
		d->skip_line = true;
	}
	return len;
}

/*
 * Reads a request or response head at p into s->head. Returns true with *rc
 * FSC_OK or FSC_MALFORMED when there is a head to report; false when there
 * is none yet (more bytes needed, or not HTTP here), with *used the value
 * stream_http_data returns.
 */
static bool read_head(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		      const uint8_t *p, size_t len, unsigned flags, int64_t ts, bool response,
		      enum fsc_status *rc, const char **why, size_t *used)
{
	struct dir_state *d = &st->d[dir];

	fsc_http_head_init(&s->head, s->headers, s->lim.max_headers, s->lim.max_head);
	s->head.lenient = READ_ANYWAY;
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
		/* Not a message here (garbage between messages, a body longer
		 * than its framing said): search from here. */
		d->resync = true;
		d->skip_line = false;
		next_message(d, FSC_SF_RESYNC);
		*used = resync(d, p, len, flags);
		if (*used == 0 && !d->resync) /* the parser and the search disagree */
			*used = skip_first_line(d, p, len);
		return false;
	}
	return true;
}

/* Where the head's framing may be read two ways: said on it, and on the
 * next message of its direction. */
static void framing_doubts(struct fsc_stream_event *ev, struct dir_state *d,
			   const struct fsc_http_info *in)
{
	unsigned doubt = 0;

	if (in->framing_folded)
		doubt |= FSC_SF_FOLDED_FRAMING;
	if (in->cl_and_te)
		doubt |= FSC_SF_CL_AND_TE;
	ev->flags |= doubt;
	if (doubt)
		next_message(d, FSC_SF_SMUGGLING);
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
	stream_event_init(&ev, FSC_EV_HTTP_REQUEST, f, dir, ts);
	ev.flags = take_flags(s, d);
	ev.u.req.head = &s->head;
	ev.u.req.info = &s->info;
	if (rc == FSC_MALFORMED && s->head.head_len == 0) {
		/* Broken before its end: what was read, then search. */
		memset(&s->info, 0, sizeof(s->info));
		ev.u.req.index = ++st->requests;
		stream_emit(s, &ev, rc, why);
		lose_sync(s, d);
		return skip_first_line(d, p, len);
	}
	/* A whole head, malformed (a target in no form) or not. */
	const char *hwhy = why;
	bool info_ok = fsc_http_info(&s->head, &s->info, &why) == FSC_OK;
	enum fsc_status erc = rc == FSC_OK && info_ok ? FSC_OK : FSC_MALFORMED;
	const char *ewhy = rc == FSC_MALFORMED ? hwhy : why;
	if (rc == FSC_MALFORMED)
		s->st.http_malformed++;
	if (st->q_n == MAX_PENDING) { /* the oldest will never be matched */
		pop_request(st);
		s->st.unanswered_requests++;
	}
	struct pending *q = &st->q[(st->q_first + st->q_n++) % MAX_PENDING];
	memset(q, 0, sizeof(*q));
	q->ts_ns = ts;
	q->index = ++st->requests;
	q->head = span_is(s->head.method, s->head.method_len, "HEAD");
	copy_span(q->method, sizeof(q->method), s->head.method, s->head.method_len);
	copy_span(q->uri, sizeof(q->uri), s->head.target, s->head.target_len);
	if (s->info.host)
		copy_span(q->host, sizeof(q->host), s->info.host->value, s->info.host->value_len);
	note_ingress(s, st, q);
	st->req_dir = dir;
	read_forwarding(s, f, dir, st);
	q->client = s->client.addr;
	q->client_rule = s->client.rule;

	ev.u.req.xff = &s->xff;
	ev.u.req.fwd = &s->fwd;
	ev.u.req.client = &s->client;
	ev.u.req.index = q->index;
	framing_doubts(&ev, d, &s->info);
	s->st.requests++;
	stream_emit(s, &ev, erc, ewhy);

	struct fsc_http_body b;
	size_t head_len = s->head.head_len;
	if (!info_ok ||
	    fsc_http_body_framing(&s->head, &s->info, NULL, 0, &b, &why) != FSC_OK) {
		/* The body's length is unknown: find the next head instead. */
		lose_sync(s, d);
		d->skip_line = false; /* the head ended at a line end */
		return head_len;
	}
	follow_body(f, dir, d, &b);
	return head_len;
}

/* 2xx to CONNECT, or 101: the bytes after are another protocol's, in both
 * directions (TLS inside a proxy tunnel, after an Upgrade: TLS/1.0). */
static void switched(struct stream *st)
{
	st->tunnel = true;
	stream_restart(st);
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
	char q_host[FSC_STREAM_HOST_KEEP + 1] = "";
	if (q)
		memcpy(q_host, q->host, sizeof(q_host));
	stream_event_init(&ev, FSC_EV_HTTP_RESPONSE, f, dir, ts);
	ev.flags = take_flags(s, d);
	pair_response(s, st, &ev, ts);
	stream_http_body_done(s, f, dir, d, ts); /* a head here: the body before is whole */
	if (rc == FSC_MALFORMED) {
		stream_emit(s, &ev, rc, why);
		lose_sync(s, d);
		return skip_first_line(d, p, len);
	}
	enum fsc_status irc = fsc_http_info(&s->head, &s->info, &why);
	if (irc == FSC_OK)
		framing_doubts(&ev, d, &s->info);
	stream_emit(s, &ev, irc, why);

	int status = s->head.status;
	bool interim = status >= 100 && status < 200 && status != 101;
	bool ingress = q && q->ingress;
	struct fsc_http_body b = { FSC_HTTP_BODY_NONE, 0 };
	if (irc == FSC_OK)
		fsc_http_body_framing(&s->head, &s->info, q ? q->method : "GET",
				      q ? strlen(q->method) : 3, &b, &why);
	if (!interim)
		pop_request(st);
	if (ingress && !interim) {
		st->ingress_status = status;
		if (status == 101) {
			/* The client's TLS follows in the same stream. */
			st->ingress_switched = true;
			stream_restart(st);
			return s->head.head_len;
		}
		stream_emit_ingress(s, f, st, ts, NULL);
	}
	if (b.kind == FSC_HTTP_BODY_SWITCH && !interim) {
		switched(st);
		return s->head.head_len;
	}
	if (irc != FSC_OK) {
		lose_sync(s, d);
		d->skip_line = false;
		return s->head.head_len;
	}
	if (q_index && !interim)
		body_watch(s, f, dir, d, &b, q_index, status, q_ns, q_host,
			   fsc_flow_offset(f, dir) + s->head.head_len, ts);
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
			d->body.len = d->chunked.body;
			stream_http_body_done(s, f, dir, d, ts);
		}
		return used;
	}
	d->body.on = false;
	/* Where this body ends is anyone's guess (a chunk size past 2^64 is
	 * a known smuggling probe): what is found next may be its bytes. */
	d->mode = d->after_chunked;
	lose_sync(s, d);
	next_message(d, FSC_SF_SMUGGLING);
	return used;
}

size_t stream_http_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			const uint8_t *p, size_t len, unsigned flags, int64_t ts)
{
	struct dir_state *d = &st->d[dir];

	if (d->resync && (d->mode == M_HTTP_REQ || d->mode == M_HTTP_RESP)) {
		size_t n = resync(d, p, len, flags);
		if (n > 0 || d->resync)
			return n;
	}
	switch (d->mode) {
	case M_HTTP_REQ:
		return http_request(s, f, dir, st, p, len, flags, ts);
	case M_HTTP_RESP:
		return http_response(s, f, dir, st, p, len, flags, ts);
	case M_CHUNKED:
		return chunked_body(s, f, dir, d, p, len, ts);
	case M_UNTIL_CLOSE:
		d->body.len += len;
		return len;
	default:
		fsc_flow_stop(f, dir);
		return len;
	}
}

void stream_http_gap(struct fsc_streams *s, struct stream *st, int dir)
{
	struct dir_state *d = &st->d[dir];

	switch (d->mode) {
	case M_CHUNKED:
	case M_UNTIL_CLOSE:
		d->mode = d->mode == M_CHUNKED ? d->after_chunked : M_HTTP_RESP;
		/* fall through */
	case M_HTTP_REQ:
	case M_HTTP_RESP:
		stream_http_resync(st, dir, (enum mode)d->mode);
		break;
	default:
		return;
	}
	/* Which requests the answers after the hole belong to is lost. */
	s->st.unanswered_requests += st->q_n;
	st->q_n = 0;
}
