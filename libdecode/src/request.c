/*
 * request.c - the request record builder: HTTP transactions followed from
 * pipeline events to one owned record each (zeek's HTTP::Info).
 *
 *   http_request ---------> open (keyed by flow id and request index)
 *   http_response 1xx ----> interim counted, still open
 *   http_response --------> answered; 101 or 2xx to CONNECT: complete now;
 *                           an answer cut or malformed: body-cut now;
 *                           earlier ones of the connection still open:
 *                           body-cut (answered) or unanswered
 *   http_response_end ----> complete
 *   http_close -----------> every open one of the connection: body-cut,
 *                           unanswered, end or evicted by the close reason
 *   table full -----------> the oldest transaction (or least recent
 *                           connection with its transactions): evicted
 *
 * A connection's context (ClientHello, ServerHello, ingress handshake)
 * lives in a second bounded table keyed by flow id, which also lists the
 * connection's open transactions so that a close finds them at once.
 * Memory: both tables, their indexes and the kept heads are taken at
 * creation; nothing is allocated per event.
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/hmap.h"
#include "fsc/ilist.h"
#include "fsc/request.h"
#include "fsc/streams.h"

#define DEFAULT_MAX_OPEN 1024
#define DEFAULT_MAX_CONNS 1024
#define LIMIT_TABLE (1u << 20)
#define NIL UINT32_MAX

struct conn {
	bool in_use;
	uint64_t flow_id;
	struct fsc_ilink lru;	/* on r->conn_lru */
	struct fsc_ilist txns;	/* its open transactions (tail: the oldest) */
	struct fsc_req_seen hello, ingress;
	bool has_sni, alpn_selected, has_ingress;
	unsigned cut;
	uint16_t sni_len, alpn_len, ja4_len, isrc_len, itgt_len;
	char sni[FSC_REQ_SNI_MAX + 1];
	char alpn[FSC_REQ_ALPN_MAX + 1];
	char ja4[FSC_JA4_LEN];
	char isrc[FSC_REQ_INGRESS_MAX + 1];
	char itgt[FSC_REQ_INGRESS_MAX + 1];
};

struct txn {
	bool in_use;
	bool answered;
	bool connect;		/* CONNECT: a 2xx switches protocols */
	uint32_t conn;
	struct fsc_ilink age;	/* on r->age */
	struct fsc_ilink sib;	/* on its connection's txns */
	struct fsc_request rec;
};

struct fsc_requests {
	struct fsc_request_limits lim;
	struct fsc_req_field_spec specs[FSC_REQ_FIELDS_MAX];
	char names[FSC_REQ_FIELDS_MAX][FSC_REQ_FIELD_NAME_MAX + 1];
	struct txn *txns;
	struct conn *conns;
	uint32_t *free_txns, n_free_txns;
	uint32_t *free_conns, n_free_conns;
	struct fsc_hmap txn_index, conn_index;
	struct fsc_ilist age, conn_lru; /* tail: the oldest, the least recent */
	char *heads;		/* 2 * head_cap bytes a transaction */
	struct fsc_request_stats st;
	uint64_t seq;
};

/* ---- text ---- */

/* Appends n bytes of p to dst (cap bytes of text, then NUL) at *len; the
 * CR and LF of a folded value read as SP. True when cut. */
static bool append(char *dst, size_t cap, size_t *len, const char *p, size_t n)
{
	size_t room = cap - *len, k = n < room ? n : room;

	for (size_t i = 0; i < k; i++)
		dst[*len + i] = p[i] == '\r' || p[i] == '\n' ? ' ' : p[i];
	*len += k;
	dst[*len] = '\0';
	return k < n;
}

/* Sets dst to p[0..n); true when cut. */
static bool put16(char *dst, size_t cap, uint16_t *len16, const char *p, size_t n)
{
	size_t len = 0;
	bool cut = append(dst, cap, &len, p, n);

	*len16 = (uint16_t)len;
	return cut;
}

/* Every line named name, joined with ", ". Returns whether any; *cut. */
static bool join(const struct fsc_http_head *h, const char *name, char *dst, size_t cap,
		 uint16_t *len16, bool *cut)
{
	size_t len = 0;
	bool any = false;

	dst[0] = '\0';
	*cut = false;
	for (const struct fsc_http_header *x = fsc_http_find(h, name, NULL); x;
	     x = fsc_http_find(h, name, x)) {
		if (any)
			*cut |= append(dst, cap, &len, ", ", 2);
		*cut |= append(dst, cap, &len, x->value, x->value_len);
		any = true;
	}
	*len16 = (uint16_t)len;
	return any;
}

/* The head's lines as "Name: value\r\n", whole lines only; true when cut. */
static bool keep_head(const struct fsc_http_head *h, char *dst, size_t cap, size_t *len)
{
	*len = 0;
	for (size_t i = 0; i < h->n_headers; i++) {
		const struct fsc_http_header *x = &h->headers[i];
		if (*len + x->name_len + x->value_len + 4 > cap)
			return true;
		size_t n = *len;
		append(dst, cap, &n, x->name, x->name_len);
		append(dst, cap, &n, ": ", 2);
		append(dst, cap, &n, x->value, x->value_len);
		memcpy(dst + n, "\r\n", 2);
		*len = n + 2;
	}
	return false;
}

bool fsc_request_header_next(const char *text, size_t len, size_t *off,
			     struct fsc_span *name, struct fsc_span *value)
{
	while (*off < len) {
		const char *p = text + *off;
		const char *e = memchr(p, '\n', len - *off);
		size_t line = e ? (size_t)(e - p) + 1 : len - *off;
		size_t n = line;
		*off += line;
		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r'))
			n--;
		const char *colon = memchr(p, ':', n);
		if (!colon)
			continue;
		name->p = p;
		name->len = (size_t)(colon - p);
		size_t v = name->len + 1;
		while (v < n && p[v] == ' ')
			v++;
		value->p = p + v;
		value->len = n - v;
		return true;
	}
	return false;
}

/* ---- the tables ---- */

static struct fsc_req_seen seen_of(const struct fsc_event *ev)
{
	struct fsc_req_seen s = { .seen = true, .ts_ns = ev->stream->ts_ns };

	if (ev->frame) {
		s.frame = ev->frame->number;
		s.file = ev->frame->file;
		s.iface = ev->frame->iface;
	}
	s.tunnel = fsc_flow_tunnel(ev->stream->flow);
	return s;
}

static void hand_over(struct fsc_requests *r, uint32_t i, enum fsc_req_state state,
		      fsc_request_fn fn, void *ctx)
{
	struct txn *t = &r->txns[i];

	t->rec.state = state;
	r->st.records[state]++;
	if (fn)
		fn(&t->rec, ctx);
	fsc_hmap_del(&r->txn_index, fsc_stream_txn_key(t->rec.flow_id, t->rec.index), i);
	fsc_ilist_unlink(&r->age, i);
	fsc_ilist_unlink(&r->conns[t->conn].txns, i);
	t->in_use = false;
	r->free_txns[r->n_free_txns++] = i;
}

static void conn_drop(struct fsc_requests *r, uint32_t c, enum fsc_req_state unanswered,
		      fsc_request_fn fn, void *ctx)
{
	struct conn *k = &r->conns[c];

	while (k->txns.tail != NIL) {
		uint32_t i = k->txns.tail;
		hand_over(r, i, r->txns[i].answered ? FSC_REQ_BODY_CUT : unanswered, fn, ctx);
	}
	fsc_hmap_del(&r->conn_index, k->flow_id, c);
	fsc_ilist_unlink(&r->conn_lru, c);
	k->in_use = false;
	r->free_conns[r->n_free_conns++] = c;
}

static uint32_t conn_find(struct fsc_requests *r, uint64_t flow_id)
{
	uint32_t c = fsc_hmap_get(&r->conn_index, flow_id);

	return c != FSC_HMAP_NONE && r->conns[c].in_use && r->conns[c].flow_id == flow_id ? c : NIL;
}

/* The connection's context, made when new (the least recent one forgotten
 * for room); touched as most recent. */
static uint32_t conn_get(struct fsc_requests *r, uint64_t flow_id, fsc_request_fn fn,
			 void *ctx)
{
	uint32_t c = conn_find(r, flow_id);

	if (c != NIL) {
		fsc_ilist_touch(&r->conn_lru, c);
		return c;
	}
	if (!r->n_free_conns) {
		r->st.evicted_conns++;
		conn_drop(r, r->conn_lru.tail, FSC_REQ_EVICTED, fn, ctx);
	}
	c = r->free_conns[--r->n_free_conns];
	struct conn *k = &r->conns[c];
	memset(k, 0, sizeof(*k));
	k->in_use = true;
	k->flow_id = flow_id;
	fsc_ilist_init(&k->txns, &r->txns[0].sib, sizeof(*r->txns));
	fsc_hmap_put(&r->conn_index, flow_id, c);
	fsc_ilist_push(&r->conn_lru, c);
	return c;
}

static uint32_t txn_find(struct fsc_requests *r, uint64_t flow_id, unsigned index)
{
	uint32_t i = fsc_hmap_get(&r->txn_index, fsc_stream_txn_key(flow_id, index));

	if (i == FSC_HMAP_NONE || !r->txns[i].in_use || r->txns[i].rec.flow_id != flow_id ||
	    r->txns[i].rec.index != index)
		return NIL;
	return i;
}

/* ---- events ---- */

static void on_hello(struct fsc_requests *r, const struct fsc_event *ev, fsc_request_fn fn,
		     void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_tls_client_hello *h = se->u.hello.h;

	if (se->status != FSC_OK || !h)
		return;
	struct conn *k = &r->conns[conn_get(r, se->flow->id, fn, ctx)];
	k->hello = seen_of(ev);
	k->has_sni = h->has_sni;
	if (h->has_sni && put16(k->sni, FSC_REQ_SNI_MAX, &k->sni_len, (const char *)h->sni.p,
				h->sni.len))
		k->cut |= FSC_REQ_CUT_SNI;
	if (h->has_alpn && h->n_alpn && !k->alpn_selected &&
	    put16(k->alpn, FSC_REQ_ALPN_MAX, &k->alpn_len, (const char *)h->alpn[0].p,
		  h->alpn[0].len))
		k->cut |= FSC_REQ_CUT_ALPN;
	if (se->u.hello.have_fp)
		put16(k->ja4, sizeof(k->ja4) - 1, &k->ja4_len, se->u.hello.ja4,
		      strlen(se->u.hello.ja4));
}

static void on_server_hello(struct fsc_requests *r, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	uint32_t c = conn_find(r, se->flow->id);
	const struct fsc_tls_server_hello *h = se->u.server.h;

	if (c == NIL || se->status != FSC_OK || !h || !h->alpn.len)
		return;
	struct conn *k = &r->conns[c];
	k->alpn_selected = true;
	k->cut &= ~(unsigned)FSC_REQ_CUT_ALPN;
	if (put16(k->alpn, FSC_REQ_ALPN_MAX, &k->alpn_len, (const char *)h->alpn.p, h->alpn.len))
		k->cut |= FSC_REQ_CUT_ALPN;
}

static void on_ingress(struct fsc_requests *r, const struct fsc_event *ev, fsc_request_fn fn,
		       void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	struct conn *k = &r->conns[conn_get(r, se->flow->id, fn, ctx)];

	k->ingress = seen_of(ev);
	k->has_ingress = true;
	k->cut &= ~(unsigned)FSC_REQ_CUT_INGRESS;
	bool cut = put16(k->isrc, FSC_REQ_INGRESS_MAX, &k->isrc_len, se->u.ingress.src,
			 strlen(se->u.ingress.src));
	cut |= put16(k->itgt, FSC_REQ_INGRESS_MAX, &k->itgt_len, se->u.ingress.target,
		     strlen(se->u.ingress.target));
	if (cut)
		k->cut |= FSC_REQ_CUT_INGRESS;
}

static void take_fields(struct fsc_requests *r, struct fsc_request *rec,
			const struct fsc_http_head *h, bool response)
{
	for (size_t i = 0; i < r->lim.n_fields; i++) {
		struct fsc_req_field *f = &rec->fields[i];
		if (r->specs[i].response != response)
			continue;
		f->present = join(h, f->name, f->value, FSC_REQ_FIELD_MAX, &f->len, &f->cut);
		if (f->cut)
			rec->cut |= FSC_REQ_CUT_FIELD;
	}
}

static void copy_conn(struct fsc_request *rec, const struct conn *k)
{
	rec->hello = k->hello;
	rec->has_sni = k->has_sni;
	rec->alpn_selected = k->alpn_selected;
	rec->cut |= k->cut & (FSC_REQ_CUT_SNI | FSC_REQ_CUT_ALPN);
	memcpy(rec->sni, k->sni, k->sni_len + 1u);
	rec->sni_len = k->sni_len;
	memcpy(rec->alpn, k->alpn, k->alpn_len + 1u);
	rec->alpn_len = k->alpn_len;
	memcpy(rec->ja4, k->ja4, k->ja4_len + 1u);
	rec->ja4_len = k->ja4_len;
	if (!k->has_ingress)
		return;
	rec->has_ingress = true;
	rec->ingress = k->ingress;
	rec->cut |= k->cut & FSC_REQ_CUT_INGRESS;
	memcpy(rec->ingress_src, k->isrc, k->isrc_len + 1u);
	rec->ingress_src_len = k->isrc_len;
	memcpy(rec->ingress_target, k->itgt, k->itgt_len + 1u);
	rec->ingress_target_len = k->itgt_len;
}

static void request_text(struct fsc_request *rec, const struct fsc_http_head *h)
{
	bool cut;

	if (put16(rec->method, FSC_REQ_METHOD_MAX, &rec->method_len, h->method, h->method_len))
		rec->cut |= FSC_REQ_CUT_METHOD;
	if (put16(rec->target, FSC_REQ_TARGET_MAX, &rec->target_len, h->target, h->target_len))
		rec->cut |= FSC_REQ_CUT_TARGET;
	/* The first line of each: the streams name an answer by the first Host. */
	const struct fsc_http_header *x = fsc_http_find(h, "Host", NULL);
	if (x && put16(rec->host, FSC_REQ_HOST_MAX, &rec->host_len, x->value, x->value_len))
		rec->cut |= FSC_REQ_CUT_HOST;
	x = fsc_http_find(h, "User-Agent", NULL);
	if (x && put16(rec->user_agent, FSC_REQ_UA_MAX, &rec->ua_len, x->value, x->value_len))
		rec->cut |= FSC_REQ_CUT_UA;
	x = fsc_http_find(h, "Referer", NULL);
	if (x && put16(rec->referer, FSC_REQ_REFERER_MAX, &rec->referer_len, x->value,
		       x->value_len))
		rec->cut |= FSC_REQ_CUT_REFERER;
	join(h, "X-Forwarded-For", rec->xff, FSC_REQ_XFF_MAX, &rec->xff_len, &cut);
	if (cut)
		rec->cut |= FSC_REQ_CUT_XFF;
	if (!rec->has_ingress) {
		/* the handshake request itself (POST /v0/ingress) names them */
		const struct fsc_http_header *s = fsc_http_find(h, "Tailscale-Ingress-Src", NULL);
		const struct fsc_http_header *t = fsc_http_find(h, "Tailscale-Ingress-Target", NULL);
		if (s && t) {
			rec->has_ingress = true;
			rec->ingress = rec->req;
			cut = put16(rec->ingress_src, FSC_REQ_INGRESS_MAX,
				    &rec->ingress_src_len, s->value, s->value_len);
			cut |= put16(rec->ingress_target, FSC_REQ_INGRESS_MAX,
				     &rec->ingress_target_len, t->value, t->value_len);
			if (cut)
				rec->cut |= FSC_REQ_CUT_INGRESS;
		}
	}
}

static char *head_store(struct fsc_requests *r, uint32_t i, bool response)
{
	return r->heads + ((size_t)i * 2 + response) * r->lim.head_cap;
}

static void on_request(struct fsc_requests *r, const struct fsc_event *ev, fsc_request_fn fn,
		       void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.req.head;
	uint32_t c = conn_get(r, se->flow->id, fn, ctx);

	if (!r->n_free_txns) {
		r->st.evicted_open++;
		hand_over(r, r->age.tail, FSC_REQ_EVICTED, fn, ctx);
	}
	uint32_t i = r->free_txns[--r->n_free_txns];
	struct txn *t = &r->txns[i];
	struct fsc_request *rec = &t->rec;

	memset(t, 0, sizeof(*t));
	t->in_use = true;
	t->conn = c;
	rec->flow_id = se->flow->id;
	rec->index = se->u.req.index;
	rec->seq = ++r->seq;
	rec->src = se->src;
	rec->dst = se->dst;
	rec->sport = se->sport;
	rec->dport = se->dport;
	rec->obs = se->flow->obs;
	rec->tunnel = fsc_flow_tunnel(se->flow);
	rec->req = seen_of(ev);
	rec->first_ns = rec->last_ns = -1;
	rec->req_status = se->status;
	rec->req_why = se->why;
	rec->req_flags = se->flags;
	rec->minor_version = h->minor_version;
	copy_conn(rec, &r->conns[c]);
	request_text(rec, h);

	const struct fsc_client *cl = se->u.req.client;
	if (cl) {
		rec->client.rule = cl->rule;
		rec->client.addr = cl->addr;
		rec->client.has_claimed = cl->has_claimed;
		rec->client.claimed = cl->claimed;
		rec->client.hops = (unsigned)(cl->n_hops + cl->hops_dropped);
	}
	const struct fsc_http_info *in = se->u.req.info;
	if (in && h->head_len) {
		rec->funnel = in->funnel;
		rec->req_body_known = !in->has_transfer_encoding;
		rec->req_body_len = in->has_content_length ? in->content_length : 0;
	}
	t->connect = h->method_len == 7 && memcmp(h->method, "CONNECT", 7) == 0;

	rec->n_fields = r->lim.n_fields;
	for (size_t k = 0; k < r->lim.n_fields; k++) {
		struct fsc_req_field *f = &rec->fields[k];
		f->name = r->names[k];
		f->response = r->specs[k].response;
	}
	take_fields(r, rec, h, false);
	if (r->lim.head_cap) {
		char *dst = head_store(r, i, false);
		if (keep_head(h, dst, r->lim.head_cap, &rec->req_headers_len))
			rec->cut |= FSC_REQ_CUT_REQ_HEADERS;
		rec->req_headers = dst;
		rec->resp_headers = head_store(r, i, true);
	}

	/* A key already taken (the same flow and index twice, or a rare
	 * collision) gives the older record up first. */
	uint64_t key = fsc_stream_txn_key(rec->flow_id, rec->index);
	uint32_t old = fsc_hmap_get(&r->txn_index, key);
	if (old != FSC_HMAP_NONE && old != i && r->txns[old].in_use)
		hand_over(r, old, r->txns[old].answered ? FSC_REQ_BODY_CUT : FSC_REQ_UNANSWERED,
			  fn, ctx);
	fsc_hmap_put(&r->txn_index, key, i);
	fsc_ilist_push(&r->age, i);
	fsc_ilist_push(&r->conns[c].txns, i);
}

/* An answer to index k: the connection's transactions before it are over
 * (pipelined answers come in order). */
static void before_answer(struct fsc_requests *r, uint32_t c, unsigned index,
			  fsc_request_fn fn, void *ctx)
{
	uint32_t i = r->conns[c].txns.tail; /* the oldest first */

	while (i != NIL) {
		uint32_t next = r->txns[i].sib.prev;
		if (r->txns[i].rec.index < index)
			hand_over(r, i, r->txns[i].answered ? FSC_REQ_BODY_CUT : FSC_REQ_UNANSWERED,
				  fn, ctx);
		i = next;
	}
}

static void on_response(struct fsc_requests *r, const struct fsc_event *ev, fsc_request_fn fn,
			void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.resp.head;

	if (!se->u.resp.matched) {
		r->st.orphan_responses++;
		return;
	}
	uint32_t i = txn_find(r, se->flow->id, se->u.resp.index);
	if (i == NIL) {
		r->st.late_events++;
		return;
	}
	struct txn *t = &r->txns[i];
	struct fsc_request *rec = &t->rec;
	before_answer(r, t->conn, rec->index, fn, ctx);
	if (h->status >= 100 && h->status < 200 && h->status != 101 && se->status == FSC_OK) {
		rec->interim++;
		return;
	}
	t->answered = true;
	rec->resp = seen_of(ev);
	rec->status = h->status;
	rec->resp_status = se->status;
	rec->resp_why = se->why;
	rec->resp_flags = se->flags;
	rec->first_ns = se->u.resp.latency_ns;
	if (put16(rec->reason, FSC_REQ_REASON_MAX, &rec->reason_len, h->reason ? h->reason : "",
		  h->reason_len))
		rec->cut |= FSC_REQ_CUT_REASON;
	take_fields(r, rec, h, true);
	if (r->lim.head_cap &&
	    keep_head(h, head_store(r, i, true), r->lim.head_cap, &rec->resp_headers_len))
		rec->cut |= FSC_REQ_CUT_RESP_HEADERS;

	struct fsc_http_info in;
	const char *why;
	if (h->head_len && fsc_http_info(h, &in, &why) == FSC_OK && in.has_content_length &&
	    !in.has_transfer_encoding) {
		rec->resp_body_known = true;
		rec->resp_body_len = in.content_length;
	}
	if (se->status != FSC_OK) {
		/* no body of a broken answer is followed */
		hand_over(r, i, FSC_REQ_BODY_CUT, fn, ctx);
	} else if (h->status == 101 || (t->connect && h->status >= 200 && h->status < 300)) {
		/* another protocol follows: the transaction is whole */
		rec->resp_body_known = rec->resp_body_measured = true;
		rec->resp_body_len = 0;
		hand_over(r, i, FSC_REQ_COMPLETE, fn, ctx);
	}
}

static void on_response_end(struct fsc_requests *r, const struct fsc_event *ev,
			    fsc_request_fn fn, void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	uint32_t i = txn_find(r, se->flow->id, se->u.resp_end.index);

	if (i == NIL || !r->txns[i].answered) {
		r->st.late_events++;
		return;
	}
	struct fsc_request *rec = &r->txns[i].rec;
	rec->end = seen_of(ev);
	rec->first_ns = se->u.resp_end.first_ns;
	rec->last_ns = se->u.resp_end.last_ns;
	rec->resp_body_known = rec->resp_body_measured = true;
	rec->resp_body_len = se->u.resp_end.body_len;
	hand_over(r, i, FSC_REQ_COMPLETE, fn, ctx);
}

static void on_close(struct fsc_requests *r, const struct fsc_event *ev, fsc_request_fn fn,
		     void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	uint32_t c = conn_find(r, se->flow->id);
	enum fsc_req_state st = FSC_REQ_UNANSWERED;

	if (c == NIL)
		return;
	if (se->u.close.reason == FSC_CLOSE_END)
		st = FSC_REQ_END;
	else if (se->u.close.reason == FSC_CLOSE_EVICTED)
		st = FSC_REQ_EVICTED;
	conn_drop(r, c, st, fn, ctx);
}

void fsc_requests_event(struct fsc_requests *r, const struct fsc_event *ev,
			fsc_request_fn fn, void *ctx)
{
	if (!ev->stream)
		return;
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		on_hello(r, ev, fn, ctx);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		on_server_hello(r, ev);
		break;
	case FSC_EV_INGRESS:
		on_ingress(r, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_REQUEST:
		on_request(r, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_RESPONSE:
		on_response(r, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		on_response_end(r, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_CLOSE:
		on_close(r, ev, fn, ctx);
		break;
	default:
		break;
	}
}

void fsc_requests_flush(struct fsc_requests *r, fsc_request_fn fn, void *ctx)
{
	while (r->age.tail != NIL) {
		uint32_t i = r->age.tail;
		hand_over(r, i, r->txns[i].answered ? FSC_REQ_BODY_CUT : FSC_REQ_END, fn, ctx);
	}
	while (r->conn_lru.tail != NIL)
		conn_drop(r, r->conn_lru.tail, FSC_REQ_END, fn, ctx);
}

/* ---- setup ---- */

void fsc_requests_pipeline_limits(struct fsc_pipeline_limits *pl)
{
	pl->streams.body_ends = true;
	pl->streams.http_closes = true;
}

static uint32_t clamp(uint32_t v, uint32_t def)
{
	return v == 0 ? def : v > LIMIT_TABLE ? LIMIT_TABLE : v;
}

struct fsc_requests *fsc_requests_new(const struct fsc_request_limits *lim)
{
	struct fsc_requests *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (lim)
		r->lim = *lim;
	r->lim.max_open = clamp(r->lim.max_open, DEFAULT_MAX_OPEN);
	r->lim.max_conns = clamp(r->lim.max_conns, DEFAULT_MAX_CONNS);
	if (r->lim.head_cap > FSC_REQ_HEAD_CAP_MAX)
		r->lim.head_cap = FSC_REQ_HEAD_CAP_MAX;
	if (r->lim.n_fields > FSC_REQ_FIELDS_MAX)
		r->lim.n_fields = FSC_REQ_FIELDS_MAX;
	for (size_t k = 0; k < r->lim.n_fields; k++) {
		const char *name = r->lim.fields[k].name;
		size_t n = name ? strlen(name) : 0;
		if (n == 0 || n > FSC_REQ_FIELD_NAME_MAX) {
			free(r);
			return NULL;
		}
		memcpy(r->names[k], name, n + 1);
		r->specs[k] = r->lim.fields[k];
		r->specs[k].name = r->names[k];
	}
	r->lim.fields = r->specs;

	uint32_t no = r->lim.max_open, nc = r->lim.max_conns;
	r->txns = calloc(no, sizeof(*r->txns));
	r->conns = calloc(nc, sizeof(*r->conns));
	r->free_txns = malloc(no * sizeof(uint32_t));
	r->free_conns = malloc(nc * sizeof(uint32_t));
	if (r->lim.head_cap)
		r->heads = malloc((size_t)no * 2 * r->lim.head_cap);
	bool ok = r->txns && r->conns && r->free_txns && r->free_conns &&
		  (!r->lim.head_cap || r->heads);
	if (ok && !fsc_hmap_init(&r->txn_index, no))
		ok = false;
	if (ok && !fsc_hmap_init(&r->conn_index, nc)) {
		fsc_hmap_free(&r->txn_index);
		ok = false;
	}
	if (!ok) {
		free(r->txns);
		free(r->conns);
		free(r->free_txns);
		free(r->free_conns);
		free(r->heads);
		free(r);
		return NULL;
	}
	for (uint32_t i = 0; i < no; i++)
		r->free_txns[i] = no - 1 - i;
	r->n_free_txns = no;
	for (uint32_t i = 0; i < nc; i++)
		r->free_conns[i] = nc - 1 - i;
	r->n_free_conns = nc;
	fsc_ilist_init(&r->age, &r->txns[0].age, sizeof(*r->txns));
	fsc_ilist_init(&r->conn_lru, &r->conns[0].lru, sizeof(*r->conns));
	return r;
}

void fsc_requests_free(struct fsc_requests *r)
{
	if (!r)
		return;
	fsc_hmap_free(&r->txn_index);
	fsc_hmap_free(&r->conn_index);
	free(r->txns);
	free(r->conns);
	free(r->free_txns);
	free(r->free_conns);
	free(r->heads);
	free(r);
}

const struct fsc_request_stats *fsc_requests_stats(const struct fsc_requests *r)
{
	return &r->st;
}

static const char *const state_names[FSC_REQ_STATE_COUNT] = {
	[FSC_REQ_COMPLETE] = "complete", [FSC_REQ_BODY_CUT] = "body-cut",
	[FSC_REQ_UNANSWERED] = "unanswered", [FSC_REQ_END] = "end",
	[FSC_REQ_EVICTED] = "evicted",
};

const char *fsc_req_state_name(enum fsc_req_state s)
{
	return (unsigned)s < FSC_REQ_STATE_COUNT ? state_names[s] : "unknown";
}
