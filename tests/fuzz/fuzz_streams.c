/* fuzz_streams.c - libFuzzer target for the whole TCP stream consumer:
 * streams.c over the flow table and reassembly (flow.c, reasm.c) and the
 * TLS, HTTP, X-Forwarded-For, Forwarded and client-rule parsers behind it.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Corpus: tests/fuzz/corpus/streams/, written by
 *         tests/fuzz/gen/streams_corpus.py from the captures/streams pcaps and
 *         the cases of tests/unit/test_streams.c.
 *
 * The input is a configuration byte, then TCP segments on up to four
 * connections between 198.18.0.1:4000c and 198.18.0.2:443 (or IPv6):
 *
 *   byte 0        config: bit 0 tight limits (tiny table, pools, caps and
 *                 timeouts, so eviction, exhaustion and gaps happen; else
 *                 the default parser limits on a 16-flow table);
 *                 bits 1-2 trusted hops; bit 3 IPv6 addresses; bit 4
 *                 TLS 1.3 decryption with RFC 8448 §3's secrets
 *   per segment:
 *     u8          bits 0-1 connection, bit 2 direction (1: server to
 *                 client), bit 3 snaplen cut (wire length + 100),
 *                 bits 4-7 k: the clock moves 2^k * 100 us first
 *     u8          TCP flags
 *     le32        sequence number minus the next one expected in that
 *                 direction (0: in order; the first SYN's ISN is 0, the
 *                 fourth connection's 0xffffff00 so it wraps)
 *     le16        payload length, cut to what the input has left
 *     bytes       the payload
 *
 * Oracles beyond "no crash": every event's status is OK with no reason, or
 * MALFORMED or TRUNCATED with one; its flow, direction, addresses, ports and time match
 * the connection; every span it carries lies within one message (a head
 * within head_len bytes, a hello within msg_len) and is read whole, so ASan
 * sees a pointer that outlived its bytes; kept strings are NUL-terminated
 * within their caps; request and hello indices count up by one per
 * connection (and direction), responses answer requests already seen, in
 * order; the stream statistics agree with the events seen (a direction
 * read with the key log and given up says so, once); the table is
 * empty after the flush.
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/streams.h"
#include "fsc/tlsdecrypt.h"
#include "fuzz_rfc8448.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONNS 4
#define SEG_HDR 8
#define MAX_IDS 4096

/* What each flow id has said so far. */
struct track {
	unsigned requests;	/* last request index */
	unsigned answered;	/* last matched response index */
	unsigned hellos[2];
};

struct harness {
	struct fsc_addr cli, srv;
	int64_t now;
	bool flushing;
	struct track *t;	/* by flow id, below MAX_IDS */
	uint64_t max_id;
	uint64_t n_hello, n_shello, n_req, n_req_ok, n_resp, n_ingress;
	uint64_t n_cut_tls, n_cut_http;
	uint64_t n_open_end;	/* directions read with the key log given up */
	volatile uint8_t sink;
};

static void touch(struct harness *h, const void *p, size_t len)
{
	const volatile uint8_t *b = p;
	uint8_t x = 0;

	if (len && !p)
		abort();
	for (size_t i = 0; i < len; i++)
		x ^= b[i];
	h->sink ^= x;
}

/* A NUL-terminated string of at most cap - 1 bytes. */
static void kept(struct harness *h, const char *s, size_t cap)
{
	if (!s || strnlen(s, cap) >= cap)
		abort();
	touch(h, s, strlen(s));
}

/* The window [lo, hi) covering every span of one message. */
struct window {
	const uint8_t *lo, *hi;
};

static void span(struct harness *h, struct window *w, const void *p, size_t len)
{
	const uint8_t *b = p;

	if (!len)
		return;
	touch(h, p, len);
	if (!w->lo || b < w->lo)
		w->lo = b;
	if (!w->hi || b + len > w->hi)
		w->hi = b + len;
}

/* A whole head (head_len set): every span inside head_len bytes. A head
 * the parser gave up on: its spans are still readable. */
static void check_head(struct harness *h, const struct fsc_http_head *hd)
{
	struct window w = { NULL, NULL };

	if (hd->n_headers > hd->max_headers || hd->head_len > hd->max_head)
		abort();
	span(h, &w, hd->method, hd->method_len);
	span(h, &w, hd->target, hd->target_len);
	span(h, &w, hd->reason, hd->reason_len);
	span(h, &w, hd->version, hd->version_len);
	for (size_t i = 0; i < hd->n_headers; i++) {
		span(h, &w, hd->headers[i].name, hd->headers[i].name_len);
		span(h, &w, hd->headers[i].value, hd->headers[i].value_len);
	}
	if (w.lo && hd->head_len && (size_t)(w.hi - w.lo) > hd->head_len)
		abort();
}

/* A header pointer of the info must be one of the head's headers. */
static void own_header(const struct fsc_http_head *hd, const struct fsc_http_header *x)
{
	if (x && (x < hd->headers || x >= hd->headers + hd->n_headers))
		abort();
}

static void check_node(struct harness *h, const struct fsc_xff_node *n)
{
	touch(h, n->text, n->len);
	touch(h, n->zone, n->zone_len);
	touch(h, n->obfport, n->obfport_len);
	if (n->kind == FSC_XFF_MALFORMED && !n->why)
		abort();
}

static void check_request(struct harness *h, const struct fsc_stream_event *ev,
			  struct track *t)
{
	const struct fsc_http_head *hd = ev->u.req.head;
	const struct fsc_http_info *in = ev->u.req.info;

	if (!hd || !in || hd->response)
		abort();
	if (t && ev->u.req.index != t->requests + 1)
		abort();
	if (t)
		t->requests = ev->u.req.index;
	h->n_req++;
	check_head(h, hd);
	if (!ev->u.req.client) {
		/* The head itself could not be read, or was cut. */
		if (ev->status == FSC_OK || ev->u.req.xff || ev->u.req.fwd ||
		    (ev->status == FSC_TRUNCATED && hd->head_len))
			abort();
		return;
	}
	if (!hd->head_len || ev->status == FSC_TRUNCATED)
		abort();
	h->n_req_ok++;
	own_header(hd, in->host);
	own_header(hd, in->user_agent);
	own_header(hd, in->x_real_ip);
	own_header(hd, in->ingress_src);
	own_header(hd, in->ingress_target);
	if (!ev->u.req.xff || !ev->u.req.fwd || !ev->u.req.client)
		abort();
	const struct fsc_xff_list *x = ev->u.req.xff;
	if (x->n > x->max || x->n > x->total || x->malformed > x->total)
		abort();
	for (size_t i = 0; i < x->n; i++)
		check_node(h, &x->elems[i]);
	const struct fsc_xff_fwd_list *fw = ev->u.req.fwd;
	if (fw->n > fw->max || fw->n > fw->total)
		abort();
	for (size_t i = 0; i < fw->n; i++) {
		const struct fsc_xff_fwd_elem *e = &fw->elems[i];
		touch(h, e->text, e->len);
		if ((e->status == FSC_OK) == (e->why != NULL))
			abort();
		if (e->for_.present)
			touch(h, e->for_.p, e->for_.len);
	}
	const struct fsc_client *c = ev->u.req.client;
	if (c->n_hops > FSC_CLIENT_MAX_HOPS)
		abort();
	for (size_t i = 0; i < c->n_hops; i++)
		if (c->hops[i].node)
			check_node(h, c->hops[i].node);
	kept(h, fsc_client_rule_name(c->rule), 32);
}

static void check_response(struct harness *h, const struct fsc_stream_event *ev,
			   struct track *t)
{
	const struct fsc_http_head *hd = ev->u.resp.head;

	if (!hd)
		abort();
	h->n_resp++;
	check_head(h, hd);
	if (ev->status == FSC_OK && (hd->status < 100 || hd->status > 999 || !hd->head_len))
		abort();
	if (!ev->u.resp.matched)
		return;
	kept(h, ev->u.resp.method, 16);
	kept(h, ev->u.resp.uri, FSC_STREAM_URI_KEEP + 1);
	kept(h, ev->u.resp.host, FSC_STREAM_HOST_KEEP + 1);
	if (!t)
		return;
	/* Answers come in request order (1xx repeat their request's index). */
	if (ev->u.resp.index < t->answered || ev->u.resp.index > t->requests ||
	    ev->u.resp.index == 0 || ev->u.resp.latency_ns < 0)
		abort();
	t->answered = ev->u.resp.index;
}

static void check_hello(struct harness *h, const struct fsc_stream_event *ev,
			struct track *t)
{
	const struct fsc_tls_client_hello *c = ev->u.hello.h;
	struct window w = { NULL, NULL };

	if (!c || (t && ev->u.hello.index != t->hellos[ev->dir] + 1))
		abort();
	if (t)
		t->hellos[ev->dir] = ev->u.hello.index;
	h->n_hello++;
	if (ev->status != FSC_OK) {
		if (ev->u.hello.have_fp)
			abort();
		return;
	}
	span(h, &w, c->random, 32);
	span(h, &w, c->session_id, c->session_id_len);
	span(h, &w, c->compression, c->n_compression);
	if (c->n_exts > FSC_TLS_MAX_EXTS || c->n_alpn > FSC_TLS_MAX_ALPN ||
	    c->n_ciphers > FSC_TLS_MAX_CIPHERS)
		abort();
	for (size_t i = 0; i < c->n_exts; i++)
		span(h, &w, c->exts[i].data, c->exts[i].len);
	for (size_t i = 0; i < c->n_alpn; i++)
		span(h, &w, c->alpn[i].p, c->alpn[i].len);
	if (c->has_sni)
		span(h, &w, c->sni.p, c->sni.len);
	if ((size_t)(w.hi - w.lo) > c->msg_len || c->msg_len > FSC_TLS_HS_MAX)
		abort();
	if (ev->u.hello.have_fp) {
		kept(h, ev->u.hello.ja3_string, FSC_JA3_STR_MAX);
		kept(h, ev->u.hello.ja3, FSC_JA3_HEX_LEN);
		kept(h, ev->u.hello.ja4, FSC_JA4_LEN);
	}
}

static void check_server_hello(struct harness *h, const struct fsc_stream_event *ev)
{
	const struct fsc_tls_server_hello *s = ev->u.server.h;
	struct window w = { NULL, NULL };

	if (!s)
		abort();
	h->n_shello++;
	if (ev->status != FSC_OK)
		return;
	span(h, &w, s->random, 32);
	span(h, &w, s->session_id, s->session_id_len);
	if (s->n_exts > FSC_TLS_MAX_EXTS)
		abort();
	for (size_t i = 0; i < s->n_exts; i++)
		span(h, &w, s->exts[i].data, s->exts[i].len);
	span(h, &w, s->alpn.p, s->alpn.len);
	if ((size_t)(w.hi - w.lo) > s->msg_len)
		abort();
}

static void check_ingress(struct harness *h, const struct fsc_stream_event *ev)
{
	h->n_ingress++;
	kept(h, ev->u.ingress.src, 64);
	kept(h, ev->u.ingress.target, 160);
	if (ev->u.ingress.has_sni)
		touch(h, ev->u.ingress.sni, ev->u.ingress.sni_len);
	else if (ev->u.ingress.sni_len)
		abort();
	if (ev->u.ingress.status < 0 || ev->u.ingress.status > 999)
		abort();
}

static void on_event(void *ctx, const struct fsc_stream_event *ev)
{
	struct harness *h = ctx;
	const struct fsc_flow *f = ev->flow;

	/* A status with its reason, or OK without one. */
	if (ev->status == FSC_OK ? ev->why != NULL
				 : (ev->status != FSC_MALFORMED && ev->status != FSC_TRUNCATED) ||
					   !ev->why || !*ev->why)
		abort();
	if (ev->status == FSC_TRUNCATED) {
		if (ev->type == FSC_EV_TLS_CLIENT_HELLO || ev->type == FSC_EV_TLS_SERVER_HELLO)
			h->n_cut_tls++;
		else if (ev->type == FSC_EV_INGRESS)
			abort();
		else if (ev->type != FSC_EV_TLS_OPEN_END) /* an HTTP message cut */
			h->n_cut_http++;
	}
	kept(h, ev->why ? ev->why : "", 256);
	/* Every flag has a name; a hello's fingerprints are there or said not. */
	for (unsigned bit = 1; bit; bit <<= 1)
		if ((ev->flags & bit) && !fsc_stream_flag_name(bit))
			abort();
	if (!f || f->id == 0 || (ev->dir != 0 && ev->dir != 1))
		abort();
	if (!fsc_addr_eq(&ev->src, &f->addr[ev->dir]) ||
	    !fsc_addr_eq(&ev->dst, &f->addr[!ev->dir]) || ev->sport != f->port[ev->dir] ||
	    ev->dport != f->port[!ev->dir])
		abort();
	/* Only our two hosts talk, on the ports we chose. */
	if (!(fsc_addr_eq(&ev->src, &h->cli) && fsc_addr_eq(&ev->dst, &h->srv)) &&
	    !(fsc_addr_eq(&ev->src, &h->srv) && fsc_addr_eq(&ev->dst, &h->cli)))
		abort();
	/* Events come at the packet's time, at the flow's last (gaps, cut
	 * messages) or, at a close, the latest time seen. */
	if (ev->ts_ns > h->now || ev->ts_ns < f->first_ns)
		abort();

	/* (a decrypted connection's plaintext flow has an id past
	 * FSC_STREAMS_DECRYPTED_ID_BASE: not tracked) */
	struct track *t = f->id < MAX_IDS ? &h->t[f->id] : NULL;
	if (f->id > h->max_id && f->id < MAX_IDS)
		h->max_id = f->id;
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		check_hello(h, ev, t);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		check_server_hello(h, ev);
		break;
	case FSC_EV_HTTP_REQUEST:
		check_request(h, ev, t);
		break;
	case FSC_EV_HTTP_RESPONSE:
		check_response(h, ev, t);
		break;
	case FSC_EV_INGRESS:
		check_ingress(h, ev);
		break;
	case FSC_EV_TLS_OPEN_END:
		/* Said of the connection's own flow, never its plaintext's,
		 * always with its reason. */
		if (ev->status == FSC_OK || (ev->flags & FSC_SF_DECRYPTED) ||
		    f->id >= FSC_STREAMS_DECRYPTED_ID_BASE)
			abort();
		h->n_open_end++;
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		/* Only for a matched final response, with a NUL-terminated Host
		 * copy and latencies that are never negative. */
		if (!ev->u.resp_end.index || ev->u.resp_end.status < 100 ||
		    (ev->u.resp_end.status < 200 && ev->u.resp_end.status != 101) ||
		    !ev->u.resp_end.host ||
		    !memchr(ev->u.resp_end.host, 0, FSC_STREAM_HOST_KEEP + 1) ||
		    ev->u.resp_end.first_ns < 0 || ev->u.resp_end.last_ns < 0)
			abort();
		break;
	default:
		abort();
	}
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Serial-number "a is after b" (RFC 1982). */
static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t c4[4] = { 198, 18, 0, 1 }, s4[4] = { 198, 18, 0, 2 };
	static const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	static struct track tracks[MAX_IDS];
	struct harness h;
	struct fsc_stream_limits lim;
	uint32_t next[CONNS][2];

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	h.t = tracks;
	/* Default parser limits, but tables sized for four connections: the
	 * default pools cost more to set up than a run takes. */
	memset(&lim, 0, sizeof(lim));
	lim.flow.max_flows = 16;
	lim.flow.mem_cap = 1 << 20;
	lim.max_streams = 8;
	lim.tls_buffers = 4;
	lim.body_ends = true;
	if (data[0] & 1) {
		lim.flow.max_flows = 3;
		lim.flow.dir_cap = 1024;
		lim.flow.mem_cap = 4096;
		lim.flow.hole_timeout_ns = 20 * 1000000ll;
		lim.flow.idle_timeout_ns = 2000 * 1000000ll;
		lim.flow.closed_timeout_ns = 300 * 1000000ll;
		lim.max_streams = 2;
		lim.tls_buffers = 1;
		lim.max_headers = 6;
		lim.max_head = 600;
	}
	lim.trusted_hops = (data[0] >> 1) & 3;
	if (data[0] & 8) {
		fsc_addr_set6(&h.cli, c6);
		fsc_addr_set6(&h.srv, s6);
	} else {
		fsc_addr_set4(&h.cli, c4);
		fsc_addr_set4(&h.srv, s4);
	}
	struct fsc_streams *s = fsc_streams_new(&lim);
	if (!s)
		return 0;
	/* bit 4: TLS 1.3 opened with RFC 8448 §3's secrets (its ClientHello's
	 * random), so records sealed under them reach the plaintext flows */
	struct fsc_tlskeys *keys = data[0] & 16 ? fsc_tlskeys_new(4) : NULL;
	if (keys) {
		fsc_tlskeys_add_text(keys, rfc8448_keylog, sizeof(rfc8448_keylog) - 1);
		if (!fsc_streams_set_tlskeys(s, keys))
			abort();
	}
	for (int c = 0; c < CONNS; c++)
		next[c][0] = next[c][1] = c == 3 ? 0xffffff00u : 0;

	size_t off = 1;
	h.now = 1000000000ll;
	while (size - off >= SEG_HDR) {
		const uint8_t *d = data + off;
		int conn = d[0] & 3, dir = (d[0] >> 2) & 1;
		size_t len = d[6] | (size_t)d[7] << 8;
		struct fsc_packet pkt;

		off += SEG_HDR;
		if (len > size - off)
			len = size - off;
		memset(&pkt, 0, sizeof(pkt));
		pkt.ipver = data[0] & 8 ? 6 : 4;
		pkt.proto = 6;
		pkt.layer = FSC_LAYER_PAYLOAD;
		pkt.src = dir ? h.srv : h.cli;
		pkt.dst = dir ? h.cli : h.srv;
		pkt.sport = dir ? 443 : (uint16_t)(40000 + conn);
		pkt.dport = dir ? (uint16_t)(40000 + conn) : 443;
		pkt.tcp_flags = d[1];
		pkt.seq = next[conn][dir] + le32(d + 2);
		pkt.ack = next[conn][!dir];
		/* An exact-size copy, so ASan sees a read past the payload. */
		uint8_t *copy = len ? malloc(len) : NULL;
		if (len && !copy)
			break;
		if (len)
			memcpy(copy, data + off, len);
		pkt.payload = copy;
		pkt.payload_len = len;
		pkt.payload_wire_len = len + ((d[0] & 8) ? 100 : 0);
		off += len;

		uint32_t end = pkt.seq + (uint32_t)len +
			       ((pkt.tcp_flags & (FSC_TCP_SYN | FSC_TCP_FIN)) ? 1 : 0);
		if (after(end, next[conn][dir]))
			next[conn][dir] = end;
		h.now += (int64_t)100000 << (d[0] >> 4);
		fsc_streams_packet(s, &pkt, h.now, on_event, &h);
		free(copy);
	}
	h.flushing = true;
	fsc_streams_flush(s, on_event, &h);

	/* The counters say what the events said. */
	const struct fsc_stream_stats *st = fsc_streams_stats(s);
	const struct fsc_flow_stats *fs = fsc_streams_flow_stats(s);
	if (st->client_hellos != h.n_hello || st->server_hellos != h.n_shello ||
	    st->responses != h.n_resp || st->ingress != h.n_ingress ||
	    st->requests != h.n_req_ok || st->tls_truncated != h.n_cut_tls ||
	    st->http_truncated != h.n_cut_http)
		abort();
	/* each direction given up said so: counted failed, or its secret
	 * never came (counted no key, as one with none at all) */
	if (h.n_open_end < st->tls_open_failed ||
	    h.n_open_end > st->tls_open_failed + st->tls_no_key)
		abort();
	if (fs->active != 0 || fs->peak_active > lim.flow.max_flows)
		abort();
	fsc_streams_free(s);
	fsc_tlskeys_free(keys);
	memset(tracks, 0, (h.max_id < MAX_IDS ? h.max_id + 1 : MAX_IDS) * sizeof(tracks[0]));
	return 0;
}
