/* test_correlate.c - stories from hand-built connections through the whole
 * pipeline: an ingress connection (POST /v0/ingress, 101, ClientHello,
 * ServerHello, the client's Finished) and the node's loopback request with
 * X-Forwarded-For; joins by address and time, ambiguous ones named, a
 * refusal told at once, keep-alive requests on one backend connection, the
 * window, bounded tables; the data rule (address+data) and where it must
 * not decide; and clock offsets from packets seen twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/clocksync.h"
#include "fsc/correlate.h"
#include "fsc/tlsdecrypt.h"
#include "vectors.h"

#define LT_RAW 101
#define MS 1000000ll

/* A ServerHello's legacy version, random and empty session id. */
#define SERVER_HELLO_START \
	"0303" "1111111111111111111111111111111111111111111111111111111111111111" "00"

/* A TLS 1.3 ServerHello record whose supported_versions is empty (so its
 * version cannot be read); one that selects TLS 1.3; a TLS 1.2 one. */
static const char server_hello_hex[] =
	"16 0303 0030 02 00002c" SERVER_HELLO_START	/* record 48, hello 44 */
	"1301 00"		/* TLS_AES_128_GCM_SHA256, no compression */
	"0004 002b 0000";	/* extensions: supported_versions, empty */
static const char server_hello_13_hex[] =
	"16 0303 0032 02 00002e" SERVER_HELLO_START "1301 00"
	"0006 002b 0002 0304";	/* supported_versions: TLS 1.3 */
static const char server_hello_12_hex[] =
	"16 0303 002a 02 000026" SERVER_HELLO_START
	"c02f 00";		/* ECDHE-RSA-AES128-GCM-SHA256; no extensions */

/* The TLS the next ingress connections speak: the first ServerHello above
 * (it names no version it can be read by), TLS 1.3 or 1.2; the ClientHello
 * as is, or offering early data too. */
static enum { TLS_UNNAMED, TLS_13, TLS_13_EARLY, TLS_12 } tls_kind;
/* The next ingress's POST is sent twice (a retransmission). */
static bool resend_post;

struct tcp {
	uint8_t a[4], b[4];	/* client, server */
	uint16_t ap, bp;
	uint32_t seq[2];
};

static struct fsc_pipeline *pl;
static struct fsc_corr *corr;
static int64_t now = 1767225600ll * 1000000000;
static uint64_t number;
/* Where the next frames are seen (fsc_frame.file, .iface); the underlay's
 * WireGuard datagrams at their own point. */
static struct { unsigned file, iface; } at, wg_at;
static struct fsc_story told[16];
static unsigned n_told;

/* Underlay without a key: each client -> node segment of the inner
 * connection comes 0.5 ms after a WireGuard transport datagram that can
 * carry it on relay A (port 51820); relay B (51822) sends one at the same
 * time, of the same size (CARRY_BOTH) or of another (CARRY_A). */
enum carry { CARRY_NONE, CARRY_A, CARRY_BOTH };
static enum carry carry;
static uint64_t wg_counter;

static void wg_datagram(uint16_t relay_port, uint32_t receiver, size_t inner_len, int64_t ts);

static void on_story(void *ctx, const struct fsc_story *s)
{
	(void)ctx;
	assert_true(n_told < 16);
	told[n_told++] = *s;
}

static void on_event(const struct fsc_event *ev, void *ctx)
{
	(void)ctx;
	fsc_corr_event(corr, ev, on_story, NULL);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* One segment of c from side `from` (0 client), 1 ms after the last. */
static void seg(struct tcp *c, int from, uint8_t flags, const void *data, size_t n)
{
	uint8_t b[2048];
	struct fsc_frame f;

	assert_true(n + 40 <= sizeof(b));
	memset(b, 0, 40);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(40 + n));
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, from ? c->b : c->a, 4);
	memcpy(b + 16, from ? c->a : c->b, 4);
	put16(b + 20, from ? c->bp : c->ap);
	put16(b + 22, from ? c->ap : c->bp);
	put32(b + 24, c->seq[from]);
	put32(b + 28, c->seq[!from]);
	b[32] = 5 << 4;
	b[33] = flags;
	put16(b + 34, 65535);
	if (n)
		memcpy(b + 40, data, n);
	c->seq[from] += (uint32_t)n + ((flags & 0x03) ? 1 : 0); /* SYN, FIN */
	if (carry != CARRY_NONE && from == 0) {
		wg_datagram(51820, 0x11, 40 + n, now + MS / 2);
		wg_datagram(51822, 0x22, carry == CARRY_BOTH ? 40 + n : 40 + n + 300, now + MS / 2);
	}
	now += MS;
	memset(&f, 0, sizeof(f));
	f.data = b;
	f.caplen = f.wirelen = (uint32_t)(40 + n);
	f.sec = now / 1000000000;
	f.nsec = (uint32_t)(now % 1000000000);
	f.linktype = LT_RAW;
	f.number = ++number;
	f.file = at.file;
	f.iface = at.iface;
	fsc_pipeline_frame(pl, &f, on_event, NULL);
}

/* A transport message from relay_port to the node that carries inner_len
 * bytes padded to 16: 16 header + padded + 16 tag. */
static void wg_datagram(uint16_t relay_port, uint32_t receiver, size_t inner_len, int64_t ts)
{
	uint8_t b[2048];
	size_t msg = 16 + (inner_len + 15) / 16 * 16 + 16;
	struct fsc_frame f;

	assert_true(28 + msg <= sizeof(b));
	memset(b, 0, 28 + msg);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)(28 + msg));
	b[8] = 64;
	b[9] = 17;
	memcpy(b + 12, (uint8_t[]){ 198, 18, 0, 1 }, 4);
	memcpy(b + 16, (uint8_t[]){ 198, 18, 0, 2 }, 4);
	put16(b + 20, relay_port);
	put16(b + 22, 51821);
	put16(b + 24, (uint16_t)(8 + msg));
	b[28] = 4; /* transport data, receiver and counter little-endian */
	for (int i = 0; i < 4; i++)
		b[32 + i] = (uint8_t)(receiver >> (8 * i));
	wg_counter++;
	for (int i = 0; i < 8; i++)
		b[36 + i] = (uint8_t)(wg_counter >> (8 * i));
	memset(b + 44, 0x5a, msg - 16);
	memset(&f, 0, sizeof(f));
	f.data = b;
	f.caplen = f.wirelen = (uint32_t)(28 + msg);
	f.sec = ts / 1000000000;
	f.nsec = (uint32_t)(ts % 1000000000);
	f.linktype = LT_RAW;
	f.number = ++number;
	f.file = wg_at.file;
	f.iface = wg_at.iface;
	fsc_pipeline_frame(pl, &f, on_event, NULL);
}

#define ACK 0x10
#define PSH_ACK 0x18

static void send_str(struct tcp *c, int from, const char *s)
{
	seg(c, from, PSH_ACK, s, strlen(s));
}

static void handshake(struct tcp *c)
{
	c->seq[0] = 1000;
	c->seq[1] = 5000;
	seg(c, 0, 0x02, NULL, 0);
	seg(c, 1, 0x12, NULL, 0);
	seg(c, 0, ACK, NULL, 0);
}

/* The ClientHello record h (n bytes) with an early_data extension (type
 * 42, empty) appended: record, handshake and extensions lengths grow by 4. */
static size_t with_early_data(uint8_t *h, size_t n)
{
	const size_t ext_len_at = 5 + 4 + 2 + 32 + 1 + 2 + 8 + 2; /* the vector's */

	assert_int_equal((h[ext_len_at] << 8 | h[ext_len_at + 1]) + ext_len_at + 2, n);
	put16(h + 3, (uint16_t)((h[3] << 8 | h[4]) + 4));
	put16(h + 7, (uint16_t)((h[7] << 8 | h[8]) + 4));
	put16(h + ext_len_at, (uint16_t)((h[ext_len_at] << 8 | h[ext_len_at + 1]) + 4));
	memcpy(h + n, "\x00\x2a\x00\x00", 4);
	return n + 4;
}

/* An ingress connection from the edge's port `edge_port` for the public
 * client src: its POST /v0/ingress, answered `status`: false unless 101. */
static bool ingress_post(struct tcp *c, uint16_t edge_port, const char *src, int status)
{
	char req[256];

	*c = (struct tcp){ { 100, 64, 0, 1 }, { 100, 64, 0, 2 }, edge_port, 46187, { 0, 0 } };
	handshake(c);
	snprintf(req, sizeof(req), "POST /v0/ingress HTTP/1.1\r\nHost: 100.64.0.2:46187\r\n"
		 "Tailscale-Ingress-Src: %s\r\nTailscale-Ingress-Target: example.ts.net:443\r\n\r\n",
		 src);
	send_str(c, 0, req);
	if (resend_post) {
		c->seq[0] -= (uint32_t)strlen(req);
		send_str(c, 0, req);
	}
	if (status != 101) {
		send_str(c, 1, "HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\ndenied\n");
		return false;
	}
	send_str(c, 1, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
	return true;
}

static void ingress(struct tcp *c, uint16_t edge_port, const char *src, int status)
{
	uint8_t hello[256], server[128];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));
	size_t m = vec_hex(tls_kind == TLS_UNNAMED ? server_hello_hex
			   : tls_kind == TLS_12	   ? server_hello_12_hex
						   : server_hello_13_hex,
			   server, sizeof(server));

	if (tls_kind == TLS_13_EARLY)
		n = with_early_data(hello, n);
	if (!ingress_post(c, edge_port, src, status))
		return;
	seg(c, 0, PSH_ACK, hello, n);
	seg(c, 1, PSH_ACK, server, m);
	seg(c, 0, PSH_ACK, "\x17\x03\x03\x00\x02zz", 7); /* the client's Finished */
}

/* An ingress whose TLS is RFC 8448's handshake (its secrets: rfc_keys). */
static void ingress_rfc8448(struct tcp *c, uint16_t edge_port, const char *src)
{
	uint8_t b[512];

	ingress_post(c, edge_port, src, 101);
	seg(c, 0, PSH_ACK, b, vec_hex(vec_rfc8448_client_hello, b, sizeof(b)));
	seg(c, 1, PSH_ACK, b, vec_hex(vec_rfc8448_server_hello, b, sizeof(b)));
	seg(c, 0, PSH_ACK, b, vec_hex(vec_rfc8448_client_finished, b, sizeof(b)));
}

/* The client's request in its record number seq, sealed under its secret;
 * altered: its last byte (the tag) flipped. */
static void ingress_record(struct tcp *c, const char *path, uint64_t seq, bool altered)
{
	char req[256];
	uint8_t rec[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: example.ts.net\r\n\r\n", path);
	size_t n = vec_tls13_seal(VEC_RFC8448_C_AP, seq, req, rec, sizeof(rec));
	assert_true(n > 0);
	if (altered)
		rec[n - 1] ^= 1;
	seg(c, 0, PSH_ACK, rec, n);
}

/* The client's first request inside it. */
static void ingress_request(struct tcp *c, const char *path)
{
	ingress_record(c, path, 0, false);
}

/* The node's backend connection from port lport. */
static void backend_open(struct tcp *c, uint16_t lport)
{
	*c = (struct tcp){ { 127, 0, 0, 1 }, { 127, 0, 0, 1 }, lport, 2367, { 0, 0 } };
	handshake(c);
}

static void backend_request(struct tcp *c, const char *xff, const char *path)
{
	char req[256];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: example.ts.net\r\n"
		 "X-Forwarded-For: %s\r\nTailscale-Funnel-Request: ?1\r\n\r\n", path, xff);
	send_str(c, 0, req);
	send_str(c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	send_str(c, 1, "hello");
}

/* fnode's proxy: (a) and (b) of correlate.h */
static const struct fsc_corr_limits per_connection = { .proxy = FSC_PROXY_PER_CONNECTION };

static void setup(const struct fsc_corr_limits *lim)
{
	struct fsc_pipeline_limits pll = { .streams = { .body_ends = true } };

	pl = fsc_pipeline_new(&pll);
	corr = fsc_corr_new(lim);
	tls_kind = TLS_UNNAMED;
	assert_non_null(pl);
	assert_non_null(corr);
	n_told = 0;
}

static void finish(void)
{
	fsc_pipeline_flush(pl, on_event, NULL);
	fsc_corr_flush(corr, on_story, NULL);
	fsc_pipeline_free(pl);
	fsc_corr_free(corr);
}

static void stages_in_order(const struct fsc_story *s)
{
	static const enum fsc_stage chain[] = {
		FSC_STAGE_TUNNEL, FSC_STAGE_INGRESS, FSC_STAGE_TLS_HELLO, FSC_STAGE_TLS_DONE,
		FSC_STAGE_REQUEST, FSC_STAGE_FIRST_BYTE, FSC_STAGE_LAST_BYTE,
	};
	for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		assert_true(s->t[chain[i]] != 0);
		if (i)
			assert_true(s->t[chain[i - 1]] < s->t[chain[i]]);
	}
}

static void joined_by_address_and_time(void **state)
{
	(void)state;
	struct tcp in, lo;

	setup(NULL);
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/a");
	assert_int_equal(n_told, 1); /* told when the body ended */
	const struct fsc_story *s = &told[0];
	assert_int_equal(s->request_join.kind, FSC_JOIN_ADDR_TIME);
	assert_int_equal(s->request_join.candidates, 1);
	assert_int_equal(s->relay_join.kind, FSC_JOIN_NONE); /* no WireGuard seen */
	assert_true(s->have_ingress && s->have_tls && s->have_request && s->complete);
	assert_int_equal(s->client_port, 5555);
	assert_string_equal(s->ingress_src, "203.0.113.7:5555");
	assert_string_equal(s->ingress_target, "example.ts.net:443");
	assert_int_equal(s->ingress_status, 101);
	assert_string_equal(s->sni, "example.ts.net");
	assert_string_equal(s->alpn, "h2,http/1.1");
	assert_string_equal(s->method, "GET");
	assert_string_equal(s->target, "/a");
	assert_string_equal(s->host, "example.ts.net");
	assert_string_equal(s->client_rule, "xff-single");
	assert_int_equal(s->http_status, 200);
	/* "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" and "hello" */
	assert_int_equal(s->response_bytes, 38 + 5);
	stages_in_order(s);
	/* the Finished came 1 ms after the ServerHello, 2 after the hello */
	assert_int_equal(s->t[FSC_STAGE_TLS_DONE] - s->t[FSC_STAGE_TLS_HELLO], 2 * MS);
	finish();
	assert_int_equal(n_told, 1); /* the ingress told no second story */
}

static void two_candidates_are_ambiguous(void **state)
{
	(void)state;
	struct tcp a, b, lo;

	setup(NULL);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/which");
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_AMBIGUOUS);
	assert_int_equal(told[0].request_join.candidates, 2);
	assert_false(told[0].have_ingress); /* never a guess */
	assert_string_equal(told[0].target, "/which");
	/* a request from another client joins nothing */
	struct tcp lo2;
	backend_open(&lo2, 50002);
	backend_request(&lo2, "198.51.100.9", "/other");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_NONE);
	assert_int_equal(fsc_corr_stats(corr)->joins[FSC_SIDE_REQUEST][FSC_JOIN_AMBIGUOUS], 1);
	finish();
	/* both ingress connections, never joined, are stories of their own */
	assert_int_equal(n_told, 4);
	assert_int_equal(told[2].client_port + told[3].client_port, 5555 + 6666);
	assert_false(told[2].have_request);
}

/* ---- the data rule: a candidate whose client sent no record that can
 * carry application data before the request is not its source ---- */

static void app_data(struct tcp *c)
{
	seg(c, 0, PSH_ACK, "\x17\x03\x03\x00\x03GET", 8);
}

/* The node's next request to its backend on lo (head only). */
static void backend_head(struct tcp *lo, const char *xff, const char *path)
{
	char req[256];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: example.ts.net\r\n"
		 "X-Forwarded-For: %s\r\n\r\n", path, xff);
	send_str(lo, 0, req);
}

static void backend_answer(struct tcp *lo)
{
	send_str(lo, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
}

/* Two clients of one address; a's request reaches the backend while b's
 * client has sent only its Finished (TLS 1.3: sealed, outer type 23, and
 * not data) and, in a second case, not even that. */
static void data_rule_decides(void **state)
{
	(void)state;
	struct tcp a, b, lo1, lo2;

	for (int finished = 1; finished >= 0; finished--) {
		setup(&per_connection); /* its /a2 and /b: (a) and (b) */
		tls_kind = TLS_13;
		ingress(&a, 40001, "203.0.113.7:5555", 101);
		ingress(&b, 40002, "203.0.113.7:6666", 101);
		if (!finished) { /* b: only its ClientHello and the ServerHello */
			b.seq[0] -= 7;
			now -= MS;
		} else { /* its Finished again: bytes read already count once */
			b.seq[0] -= 7;
			seg(&b, 0, PSH_ACK, "\x17\x03\x03\x00\x02zz", 7);
		}
		app_data(&a);
		backend_open(&lo1, 50001);
		backend_request(&lo1, "203.0.113.7", "/a");
		assert_int_equal(n_told, 1);
		assert_int_equal(told[0].request_join.kind, FSC_JOIN_ADDR_DATA);
		assert_int_equal(told[0].request_join.candidates, 1);
		assert_int_equal(told[0].client_port, 5555);
		/* the next request on that backend connection: joined as it was */
		backend_request(&lo1, "203.0.113.7", "/a2");
		assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_DATA);
		assert_int_equal(told[1].client_port, 5555);
		/* b's own request: a serves a backend connection still open */
		if (!finished)
			seg(&b, 0, PSH_ACK, "\x17\x03\x03\x00\x02zz", 7);
		app_data(&b);
		backend_open(&lo2, 50002);
		backend_request(&lo2, "203.0.113.7", "/b");
		assert_int_equal(told[2].request_join.kind, FSC_JOIN_ADDR_TIME);
		assert_int_equal(told[2].client_port, 6666);
		assert_int_equal(fsc_corr_stats(corr)->joins[FSC_SIDE_REQUEST][FSC_JOIN_ADDR_DATA], 2);
		finish();
	}
}

enum undecided {
	BOTH_SENT,	/* both clients sent a record of data */
	UNNAMED,	/* no TLS version: b's sealed record may be data */
	TLS12,		/* TLS 1.2: b's first record of type 23 is data */
	EARLY,		/* b offered early data: its first sealed record may be */
	HOLE,		/* b's next segment shows bytes the capture missed */
	ACKED,		/* the node acknowledged b's bytes the capture missed */
	CUT,		/* a segment of b cut by the capture's snapshot length */
	SAME_TIME,	/* b's data seen at the request's instant, after it */
	RESENT,		/* b's POST sent twice: where its TLS begins is not
			 * known for certain, no walk */
	UNDECIDED_COUNT
};

/* As data_rule_decides, but b might have sent the request's bytes: the
 * join stays ambiguous between both. */
static void data_rule_must_not_decide(void **state)
{
	(void)state;
	struct tcp a, b, lo;
	uint8_t pkt[64];

	for (int u = 0; u < UNDECIDED_COUNT; u++) {
		setup(NULL);
		tls_kind = u == UNNAMED ? TLS_UNNAMED
			 : u == EARLY	? TLS_13_EARLY
			 : u == TLS12	? TLS_12
					: TLS_13;
		ingress(&a, 40001, "203.0.113.7:5555", 101);
		if (u == RESENT)
			resend_post = true;
		ingress(&b, 40002, "203.0.113.7:6666", 101);
		resend_post = false;
		app_data(&a);
		if (u == BOTH_SENT)
			app_data(&b);
		if (u == HOLE || u == ACKED) {
			b.seq[0] += 8; /* a record of data the capture lost */
			if (u == HOLE)
				seg(&b, 0, ACK, "\x17", 1);
			else
				seg(&b, 1, ACK, NULL, 0);
		}
		if (u == CUT) {
			struct fsc_frame f = { 0 };
			memset(pkt, 0, 40);
			pkt[0] = 0x45;
			put16(pkt + 2, 40 + 8);
			pkt[8] = 64;
			pkt[9] = 6;
			memcpy(pkt + 12, b.a, 4);
			memcpy(pkt + 16, b.b, 4);
			put16(pkt + 20, b.ap);
			put16(pkt + 22, b.bp);
			put32(pkt + 24, b.seq[0]);
			put32(pkt + 28, b.seq[1]);
			pkt[32] = 5 << 4;
			pkt[33] = PSH_ACK;
			memcpy(pkt + 40, "\x17\x03", 2);
			now += MS;
			f.data = pkt;
			f.caplen = 42; /* of 48 */
			f.wirelen = 48;
			f.sec = now / 1000000000;
			f.nsec = (uint32_t)(now % 1000000000);
			f.linktype = LT_RAW;
			fsc_pipeline_frame(pl, &f, on_event, NULL);
		}
		backend_open(&lo, 50001);
		backend_head(&lo, "203.0.113.7", "/which");
		if (u == SAME_TIME) {
			now -= MS;
			app_data(&b);
		}
		backend_answer(&lo);
		assert_int_equal(n_told, 1);
		assert_int_equal(told[0].request_join.kind, FSC_JOIN_AMBIGUOUS);
		assert_int_equal(told[0].request_join.candidates, 2);
		assert_false(told[0].have_ingress);
		finish();
	}
}

static void refusal_told_at_once(void **state)
{
	(void)state;
	struct tcp in;

	setup(NULL);
	ingress(&in, 40001, "203.0.113.8:7777", 403);
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].ingress_status, 403);
	assert_false(told[0].have_request);
	assert_false(told[0].have_tls);
	finish();
	assert_int_equal(n_told, 1);
}

/* per-connection (fnode): a backend connection carries one client
 * connection's requests */
static void keepalive_follows_its_connection(void **state)
{
	(void)state;
	struct tcp a, b, lo;

	setup(&per_connection);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/1");
	/* a second client from the same address comes; the first's backend
	 * connection carries its next request: the connection decides */
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_request(&lo, "203.0.113.7", "/2");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[1].client_port, 5555);
	assert_int_equal(told[1].request_index, 2);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_TIME);
	/* and the second client's own backend connection finds it alone */
	struct tcp lo2;
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/3");
	assert_int_equal(n_told, 3);
	assert_int_equal(told[2].client_port, 6666);
	assert_int_equal(told[2].request_join.kind, FSC_JOIN_ADDR_TIME);
	assert_int_equal(fsc_corr_stats(corr)->proxy_violations, 0);
	assert_int_equal(fsc_corr_stats(corr)->proxy, FSC_PROXY_PER_CONNECTION);
	finish();
	assert_int_equal(n_told, 3);
}

/* setup() with RFC 8448's client secrets in the pipeline's TLS key log;
 * finish_tls() ends it and frees the log. */
static struct fsc_tlskeys *setup_tls(const struct fsc_corr_limits *lim)
{
	struct fsc_tlskeys *keys = fsc_tlskeys_new(4);
	char log[1024];

	assert_non_null(keys);
	vec_rfc8448_keylog(log, sizeof(log), false);
	fsc_tlskeys_add_text(keys, log, strlen(log));
	setup(lim);
	assert_true(fsc_pipeline_set_tlskeys(pl, keys));
	return keys;
}

static void finish_tls(struct fsc_tlskeys *keys)
{
	finish();
	fsc_tlskeys_free(keys);
}

/* The node's requests for first, then second, of 203.0.113.7, each on a
 * backend connection of its own. */
static void backend_two(const char *first, const char *second)
{
	struct tcp lo, lo2;

	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", first);
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", second);
}

/* With the TLS key log: two connections of one address at once, each
 * request read inside its TLS: each loopback request joins its own
 * (exact); a candidate whose TLS is not read leaves it to address and time
 * (ambiguous). */
static void decrypted_stream_is_exact(void **state)
{
	(void)state;
	struct tcp a, b, x, lo3;
	struct fsc_tlskeys *keys = setup_tls(NULL);

	ingress_rfc8448(&a, 40001, "203.0.113.7:5555");
	ingress_rfc8448(&b, 40002, "203.0.113.7:6666");
	ingress_request(&a, "/a");
	ingress_request(&b, "/b");
	/* b's request reaches the backend first */
	backend_two("/b", "/a");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_EXACT);
	assert_int_equal(told[0].client_port, 6666);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_EXACT);
	assert_int_equal(told[1].client_port, 5555);
	assert_true(told[1].have_request && told[1].complete);
	/* a third connection of the address whose TLS has no key: a request
	 * no decrypted stream holds is not guessed */
	ingress(&x, 40003, "203.0.113.7:7777", 101);
	backend_open(&lo3, 50003);
	backend_request(&lo3, "203.0.113.7", "/c");
	assert_int_equal(n_told, 3);
	assert_int_not_equal(told[2].request_join.kind, FSC_JOIN_EXACT);
	assert_true(told[2].request_join.kind != FSC_JOIN_ADDR_TIME || told[2].client_port == 7777);
	finish_tls(keys);
}

/* With the TLS key log, b's second record fails its tag: its TLS is read
 * no further. What it read before still names it (exact); a request it
 * may have sent after is not a's for certain just because a's stream holds
 * it: never exact. */
static void broken_decryption_is_not_exact(void **state)
{
	(void)state;
	struct tcp a, b;
	struct fsc_tlskeys *keys = setup_tls(NULL);

	ingress_rfc8448(&a, 40001, "203.0.113.7:5555");
	ingress_rfc8448(&b, 40002, "203.0.113.7:6666");
	ingress_request(&a, "/a");
	ingress_record(&b, "/b", 0, false);
	ingress_record(&b, "/a", 1, true);
	backend_two("/b", "/a");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_EXACT);
	assert_int_equal(told[0].client_port, 6666);
	assert_int_not_equal(told[1].request_join.kind, FSC_JOIN_EXACT);
	finish_tls(keys);
}

/* With the TLS key log, two requests on one connection reach the backend
 * in the other order (an HTTP/2 client's streams): both exact, the first
 * kept while the second was taken. Requests never taken are dropped,
 * oldest first, from a full list: counted. */
static void decrypted_out_of_order(void **state)
{
	(void)state;
	struct tcp a;
	struct fsc_tlskeys *keys = setup_tls(NULL);
	char path[16];

	ingress_rfc8448(&a, 40001, "203.0.113.7:5555");
	ingress_record(&a, "/a", 0, false);
	ingress_record(&a, "/b", 1, false);
	backend_two("/b", "/a");
	assert_int_equal(n_told, 2);
	assert_string_equal(told[0].target, "/b");
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_EXACT);
	assert_string_equal(told[1].target, "/a");
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_EXACT);
	assert_int_equal(told[1].client_port, 5555);
	assert_int_equal(fsc_corr_stats(corr)->decrypted_dropped, 0);
	for (unsigned i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "/n%u", i);
		ingress_record(&a, path, 2 + i, false);
	}
	assert_int_equal(fsc_corr_stats(corr)->decrypted_dropped, 2);
	finish_tls(keys);
}

/* With the TLS key log, one backend connection carrying a request of
 * each of two connections of one address in turn: each exact to its own.
 * Told per-connection, the second's exact ingress is not the one the
 * backend connection serves: a sign of a pool, counted. */
static void pool_decrypted_in_turn(void **state)
{
	(void)state;
	struct tcp a, b, lo;

	for (int model = 0; model < 2; model++) {
		struct fsc_tlskeys *keys = setup_tls(model ? &per_connection : NULL);

		ingress_rfc8448(&a, 40001, "203.0.113.7:5555");
		ingress_rfc8448(&b, 40002, "203.0.113.7:6666");
		ingress_request(&a, "/a");
		ingress_request(&b, "/b");
		backend_open(&lo, 50001);
		backend_request(&lo, "203.0.113.7", "/a");
		backend_request(&lo, "203.0.113.7", "/b");
		assert_int_equal(n_told, 2);
		assert_int_equal(told[0].request_join.kind, FSC_JOIN_EXACT);
		assert_int_equal(told[0].client_port, 5555);
		assert_int_equal(told[1].request_join.kind, FSC_JOIN_EXACT);
		assert_int_equal(told[1].client_port, 6666);
		assert_int_equal(fsc_corr_stats(corr)->proxy_violations, model);
		assert_int_equal(fsc_corr_stats(corr)->proxy, FSC_PROXY_POOLED);
		finish_tls(keys);
	}
}

static void close_both(struct tcp *c)
{
	seg(c, 0, 0x11, NULL, 0); /* FIN ACK */
	seg(c, 1, 0x11, NULL, 0);
	seg(c, 0, ACK, NULL, 0);
}

/* The node connects to its backend again for a client's next request: the
 * new backend connection may serve an ingress whose backend connection
 * ended, never one whose own connection ended. */
static void connections_that_ended(void **state)
{
	(void)state;
	struct tcp a, b, lo1, lo2, lo3;

	setup(NULL);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo1, 50001);
	backend_request(&lo1, "203.0.113.7", "/1");
	close_both(&lo1);
	/* a's next request on a new backend connection: a alone fits */
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/2");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[1].client_port, 5555);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_TIME);
	/* its backend connection ends again, and a second client of that
	 * address comes: a third backend connection could serve either */
	close_both(&lo2);
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_open(&lo3, 50003);
	backend_request(&lo3, "203.0.113.7", "/3");
	assert_int_equal(n_told, 3);
	assert_int_equal(told[2].request_join.kind, FSC_JOIN_AMBIGUOUS);
	assert_int_equal(told[2].request_join.candidates, 2);
	finish();

	/* a's own connection ended: only b remains */
	setup(NULL);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo1, 50001);
	backend_request(&lo1, "203.0.113.7", "/1");
	close_both(&lo1);
	close_both(&a);
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/2");
	assert_int_equal(n_told, 2);
	assert_int_equal(told[1].client_port, 6666);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_TIME);
	finish();
}

/* ---- behind a pooling proxy (tailscaled's, nginx's, HAProxy's): a
 * backend connection carries any client connection's requests in turn,
 * and one client connection's streams may go over several at once ---- */

/* One backend connection carries a request of one client, then one of
 * another: the second is the other's, never inherited. per-connection
 * sees the second address, counts it and is pooled from then on. */
static void pool_carries_two_clients(void **state)
{
	(void)state;
	struct tcp a, b, lo;

	for (int model = 0; model < 2; model++) {
		setup(model ? &per_connection : NULL);
		ingress(&a, 40001, "203.0.113.7:5555", 101);
		ingress(&b, 40002, "198.51.100.9:6666", 101);
		backend_open(&lo, 50001);
		backend_request(&lo, "203.0.113.7", "/a");
		backend_request(&lo, "198.51.100.9", "/b");
		assert_int_equal(n_told, 2);
		assert_int_equal(told[0].client_port, 5555);
		assert_int_equal(told[1].client_port, 6666);
		assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_TIME);
		assert_int_equal(told[1].request_index, 2);
		const struct fsc_corr_stats *st = fsc_corr_stats(corr);
		assert_int_equal(st->proxy, FSC_PROXY_POOLED);
		assert_int_equal(st->proxy_violations, model ? 1 : 0);
		assert_true(model ? st->pooled_since_ns == told[1].t[FSC_STAGE_REQUEST]
				  : st->pooled_since_ns == 0);
		/* pooled from then on: a's next request on it is a's again */
		backend_request(&lo, "203.0.113.7", "/a2");
		assert_int_equal(told[2].client_port, 5555);
		assert_int_equal(told[2].request_join.kind, FSC_JOIN_ADDR_TIME);
		finish();
	}
}

/* Two connections of one address, both open, and one backend connection
 * that carries the first's requests and then the second's: pooled never
 * inherits (nothing but the pool would tell them apart). a's next request
 * is a's only by the data rule (b's client had sent nothing yet, TLS
 * 1.3), ambiguous without it; b's is ambiguous either way. */
static void pool_one_address_in_turn(void **state)
{
	(void)state;
	struct tcp a, b, lo;

	for (int data_rule = 0; data_rule < 2; data_rule++) {
		setup(NULL);
		tls_kind = data_rule ? TLS_13 : TLS_UNNAMED;
		ingress(&a, 40001, "203.0.113.7:5555", 101);
		app_data(&a);
		backend_open(&lo, 50001);
		backend_request(&lo, "203.0.113.7", "/a");
		assert_int_equal(told[0].client_port, 5555);
		assert_int_equal(told[0].request_join.kind, FSC_JOIN_ADDR_TIME);
		ingress(&b, 40002, "203.0.113.7:6666", 101);
		app_data(&a);
		backend_request(&lo, "203.0.113.7", "/a2");
		assert_int_equal(n_told, 2);
		if (data_rule) {
			assert_int_equal(told[1].request_join.kind, FSC_JOIN_ADDR_DATA);
			assert_int_equal(told[1].client_port, 5555);
		} else {
			assert_int_equal(told[1].request_join.kind, FSC_JOIN_AMBIGUOUS);
			assert_int_equal(told[1].request_join.candidates, 2);
			assert_false(told[1].have_ingress);
		}
		app_data(&b);
		backend_request(&lo, "203.0.113.7", "/b"); /* b's, in truth */
		assert_int_equal(n_told, 3);
		assert_int_equal(told[2].request_join.kind, FSC_JOIN_AMBIGUOUS);
		assert_int_equal(told[2].request_join.candidates, 2);
		assert_false(told[2].have_ingress);
		finish();
	}
}

/* An HTTP/2 client connection's two streams at once over two backend
 * connections: the second's ingress is still a candidate. Today's
 * exclusion left it out: with another connection of its address about,
 * that one was joined, wrong. */
static void pool_two_backends_of_one_client(void **state)
{
	(void)state;
	struct tcp a, b, lo1, lo2;

	for (int other = 0; other < 3; other++) {
		setup(NULL);
		tls_kind = other == 2 ? TLS_13 : TLS_UNNAMED;
		ingress(&a, 40001, "203.0.113.7:5555", 101);
		app_data(&a);
		backend_open(&lo1, 50001);
		backend_head(&lo1, "203.0.113.7", "/slow"); /* lo1 stays busy */
		if (other)
			ingress(&b, 40002, "203.0.113.7:6666", 101);
		app_data(&a);
		backend_open(&lo2, 50002);
		backend_request(&lo2, "203.0.113.7", "/fast");
		assert_int_equal(n_told, 1);
		const struct fsc_story *s = &told[0];
		assert_string_equal(s->target, "/fast");
		if (other == 1) { /* b may have sent it */
			assert_int_equal(s->request_join.kind, FSC_JOIN_AMBIGUOUS);
			assert_int_equal(s->request_join.candidates, 2);
		} else {
			/* a alone; or b had sent only its Finished (data rule) */
			assert_int_equal(s->client_port, 5555);
			assert_int_equal(s->request_join.kind,
					 other ? FSC_JOIN_ADDR_DATA : FSC_JOIN_ADDR_TIME);
		}
		backend_answer(&lo1);
		assert_int_equal(n_told, 2);
		assert_int_equal(told[1].client_port, 5555);
		finish();
	}
}

/* per-connection told wrongly, for the HTTP/2 client alone: its second
 * backend connection finds only ingress connections serving open ones,
 * which such a proxy never leaves; counted, pooled, joined by address. */
static void per_connection_sees_a_second_backend(void **state)
{
	(void)state;
	struct tcp a, lo1, lo2;

	setup(&per_connection);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo1, 50001);
	backend_head(&lo1, "203.0.113.7", "/slow");
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/fast");
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].client_port, 5555);
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_ADDR_TIME);
	assert_int_equal(fsc_corr_stats(corr)->proxy_violations, 1);
	assert_int_equal(fsc_corr_stats(corr)->proxy, FSC_PROXY_POOLED);
	backend_answer(&lo1);
	assert_int_equal(told[1].client_port, 5555);
	finish();
}

/* per-connection with fnode's order keeps today's joins: each client
 * connection's backend connection, closed and opened again, and the
 * exclusion telling two connections of one address apart. */
static void per_connection_keeps_its_joins(void **state)
{
	(void)state;
	struct tcp a, b, lo1, lo2, lo3;

	setup(&per_connection);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo1, 50001);
	backend_request(&lo1, "203.0.113.7", "/1");
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/2"); /* a serves lo1: b */
	backend_request(&lo1, "203.0.113.7", "/3");
	close_both(&lo2);
	backend_open(&lo3, 50003);
	backend_request(&lo3, "203.0.113.7", "/4"); /* b's again */
	assert_int_equal(n_told, 4);
	static const uint16_t want[4] = { 5555, 6666, 5555, 6666 };
	for (int i = 0; i < 4; i++) {
		assert_int_equal(told[i].client_port, want[i]);
		assert_int_equal(told[i].request_join.kind, FSC_JOIN_ADDR_TIME);
	}
	assert_int_equal(fsc_corr_stats(corr)->proxy_violations, 0);
	assert_int_equal(fsc_corr_stats(corr)->pooled_since_ns, 0);
	finish();

	/* the same sequence pooled: /2, /3 and /4 could be either's */
	setup(NULL);
	ingress(&a, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo1, 50001);
	backend_request(&lo1, "203.0.113.7", "/1");
	ingress(&b, 40002, "203.0.113.7:6666", 101);
	backend_open(&lo2, 50002);
	backend_request(&lo2, "203.0.113.7", "/2");
	assert_int_equal(told[0].client_port, 5555);
	assert_int_equal(told[1].request_join.kind, FSC_JOIN_AMBIGUOUS);
	finish();
}

static void proxy_model_names(void **state)
{
	(void)state;
	enum fsc_proxy_model m = FSC_PROXY_COUNT;

	assert_string_equal(fsc_proxy_model_name(FSC_PROXY_POOLED), "pooled");
	assert_string_equal(fsc_proxy_model_name(FSC_PROXY_PER_CONNECTION), "per-connection");
	assert_string_equal(fsc_proxy_model_name(FSC_PROXY_COUNT), "?");
	assert_true(fsc_proxy_model_parse("per-connection", &m));
	assert_int_equal(m, FSC_PROXY_PER_CONNECTION);
	assert_true(fsc_proxy_model_parse("pooled", &m));
	assert_int_equal(m, FSC_PROXY_POOLED);
	assert_false(fsc_proxy_model_parse("pool", &m));
	assert_false(fsc_proxy_model_parse("?", &m));
}

static void outside_the_window(void **state)
{
	(void)state;
	struct tcp in, lo;
	struct fsc_corr_limits lim = { .window_ns = 5 * MS };

	setup(&lim);
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo, 50001); /* three segments: 3 ms */
	now += 10 * MS;
	backend_request(&lo, "203.0.113.7", "/late");
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].request_join.kind, FSC_JOIN_NONE);
	finish();
	assert_int_equal(n_told, 2);
}

static void tables_are_bounded(void **state)
{
	(void)state;
	struct tcp c[3];
	struct fsc_corr_limits lim = { .max_conns = 2, .max_requests = 2 };

	setup(&lim);
	ingress(&c[0], 40001, "203.0.113.1:1", 101);
	ingress(&c[1], 40002, "203.0.113.2:2", 101);
	assert_int_equal(n_told, 0);
	ingress(&c[2], 40003, "203.0.113.3:3", 101);
	/* the oldest gave way, and told its story */
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].client_port, 1);
	assert_int_equal(fsc_corr_stats(corr)->conns_given_up, 1);
	finish();
	assert_int_equal(n_told, 3);
}

/* The public client's connection to the edge: a ClientHello on the wire,
 * its client the ingress's Src. */
static void public_hello(struct tcp *c, const uint8_t a[4], uint16_t port)
{
	uint8_t hello[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));

	*c = (struct tcp){ { 0 }, { 198, 18, 1, 2 }, port, 443, { 0, 0 } };
	memcpy(c->a, a, 4);
	handshake(c);
	seg(c, 0, PSH_ACK, hello, n);
}

static void edge_by_client_address_and_port(void **state)
{
	(void)state;
	static const uint8_t client[4] = { 203, 0, 113, 7 };
	struct tcp pub, pub2, in, lo;

	setup(NULL);
	/* each segment comes 1 ms after the last: SYN, SYN-ACK, ACK, hello */
	int64_t hello = now + 4 * MS;
	public_hello(&pub, client, 5555);
	public_hello(&pub2, client, 5556); /* the same client, another port */
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/a");
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].edge_join.kind, FSC_JOIN_ADDR_TIME);
	assert_int_equal(told[0].edge_port, 443);
	assert_int_equal(told[0].t[FSC_STAGE_EDGE], hello); /* not its SYN */
	assert_true(told[0].t[FSC_STAGE_EDGE] < told[0].t[FSC_STAGE_TUNNEL]);
	finish();

	/* the edge's capture read after the node's (its clock late): the
	 * join is made when the public hello comes */
	setup(NULL);
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	public_hello(&pub, client, 5555);
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/a");
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].edge_join.kind, FSC_JOIN_ADDR_TIME);
	finish();

	/* no public connection from that port: none */
	setup(NULL);
	public_hello(&pub, client, 7777);
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	finish();
	assert_int_equal(n_told, 1);
	assert_int_equal(told[0].edge_join.kind, FSC_JOIN_NONE);
	assert_int_equal(told[0].t[FSC_STAGE_EDGE], 0);
}

/* No key: the relay by the sizes of the datagrams that carried the POST
 * and the ClientHello, among two sessions that time alone cannot tell
 * apart; both carrying the sizes: ambiguous until the tunnel address's
 * relay is known, then that one (time+size+peer). */
static void relay_by_size(void **state)
{
	(void)state;
	struct tcp in, lo;

	setup(NULL);
	carry = CARRY_BOTH; /* the first: nothing tells the two relays apart */
	ingress(&in, 40001, "203.0.113.7:5555", 101);
	carry = CARRY_A;
	ingress(&in, 40002, "203.0.113.8:5555", 101);
	carry = CARRY_BOTH; /* now 100.64.0.1's relay is known */
	ingress(&in, 40003, "203.0.113.9:5555", 101);
	carry = CARRY_NONE;
	backend_open(&lo, 50001);
	backend_request(&lo, "203.0.113.7", "/a");
	backend_open(&lo, 50002);
	backend_request(&lo, "203.0.113.8", "/b");
	backend_open(&lo, 50003);
	backend_request(&lo, "203.0.113.9", "/c");
	finish();
	assert_int_equal(n_told, 3);
	assert_int_equal(told[0].relay_join.kind, FSC_JOIN_AMBIGUOUS);
	assert_int_equal(told[0].relay_join.candidates, 2);
	assert_int_equal(told[0].relay_time_candidates, 2);
	assert_int_equal(told[1].relay_join.kind, FSC_JOIN_TIME_SIZE);
	assert_int_equal(told[1].relay_join.candidates, 1);
	assert_int_equal(told[1].relay_time_candidates, 2);
	assert_int_equal(told[1].relay_port, 51820);
	assert_int_equal(told[2].relay_join.kind, FSC_JOIN_TIME_SIZE_PEER);
	assert_int_equal(told[2].relay_port, 51820);
	assert_int_equal(told[2].wg_session, told[1].wg_session);
	for (int i = 0; i < 3; i++)
		assert_int_equal(told[i].request_join.kind, FSC_JOIN_ADDR_TIME);
	assert_string_equal(fsc_join_name(FSC_JOIN_TIME_SIZE), "time+size");
	assert_string_equal(fsc_join_name(FSC_JOIN_TIME_SIZE_PEER), "time+size+peer");
}

/* Each side's observation point is the frame's: live, several interfaces
 * of one source (file 0); in replay, several files (interface 0). */
static void observation_points(void **state)
{
	(void)state;
	static const uint8_t client[4] = { 203, 0, 113, 7 };
	struct tcp pub, in, lo;

	for (int live = 1; live >= 0; live--) {
		/* the edge's wire 3, the underlay 0, the TUN 1, lo 2 */
		unsigned pt[4] = { 3, 0, 1, 2 };
		setup(NULL);
		wg_at.file = live ? 0 : pt[1];
		wg_at.iface = live ? pt[1] : 0;
		carry = CARRY_A;
		at.file = live ? 0 : pt[0];
		at.iface = live ? pt[0] : 0;
		public_hello(&pub, client, 5555);
		at.file = live ? 0 : pt[2];
		at.iface = live ? pt[2] : 0;
		ingress(&in, 40001, "203.0.113.7:5555", 101);
		carry = CARRY_NONE;
		at.file = live ? 0 : pt[3];
		at.iface = live ? pt[3] : 0;
		backend_open(&lo, 50001);
		backend_request(&lo, "203.0.113.7", "/a");
		finish();
		at.file = at.iface = wg_at.file = wg_at.iface = 0;
		assert_int_equal(n_told, 1);
		const struct fsc_story *s = &told[0];
		assert_int_equal(s->edge_join.kind, FSC_JOIN_ADDR_TIME);
		assert_int_equal(s->relay_join.kind, FSC_JOIN_TIME_SIZE);
		assert_true(s->have_ingress && s->have_request);
		unsigned got[4][2] = { { s->edge_input, s->edge_iface },
				       { s->relay_input, s->relay_iface },
				       { s->ingress_input, s->ingress_iface },
				       { s->request_input, s->request_iface } };
		for (int i = 0; i < 4; i++) {
			assert_int_equal(got[i][0], live ? 0 : pt[i]);
			assert_int_equal(got[i][1], live ? pt[i] : 0);
		}
	}
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(fsc_join_name(FSC_JOIN_ADDR_TIME), "address+time");
	assert_string_equal(fsc_join_name(FSC_JOIN_AMBIGUOUS), "ambiguous");
	assert_string_equal(fsc_stage_name(FSC_STAGE_TLS_DONE), "tls_done");
	assert_string_equal(fsc_stage_name(FSC_STAGE_EDGE), "edge");
	assert_string_equal(fsc_corr_side_name(FSC_SIDE_REQUEST), "request");
	assert_string_equal(fsc_stage_name(FSC_STAGE_COUNT), "?");
}

/* ---- clock offsets ---- */

static void udp(struct fsc_packet *p, const uint8_t *payload, size_t n, int from_a)
{
	static const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

	memset(p, 0, sizeof(*p));
	p->proto = 17;
	fsc_addr_set4(&p->src, from_a ? a : b);
	fsc_addr_set4(&p->dst, from_a ? b : a);
	p->sport = from_a ? 51820 : 51821;
	p->dport = from_a ? 51821 : 51820;
	p->payload = payload;
	p->payload_len = p->payload_wire_len = n;
}

/* Input 1's clock runs 2.5 s ahead; trips take 1 to 3 ms. */
static void clock_midpoint(void **state)
{
	(void)state;
	struct fsc_clocksync *c = fsc_clocksync_new();
	struct fsc_packet p;
	uint8_t msg[48];
	int64_t off = 2500 * MS, t = 1767225600ll * 1000000000;

	assert_non_null(c);
	for (int i = 0; i < 40; i++) {
		int from_a = i % 2;
		int64_t delay = (1 + i % 3) * MS;
		memset(msg, 0, sizeof(msg));
		msg[0] = 4;
		msg[8] = (uint8_t)i;	/* a WireGuard counter: each datagram unique */
		msg[9] = (uint8_t)from_a;
		udp(&p, msg, sizeof(msg), from_a);
		t += 10 * MS;
		/* seen by the sender's capture first, then the receiver's */
		unsigned sender = from_a ? 0 : 1, receiver = !sender;
		int64_t ts = sender == 1 ? t + off : t;
		int64_t tr = receiver == 1 ? t + delay + off : t + delay;
		fsc_clocksync_packet(c, sender, &p, ts);
		fsc_clocksync_packet(c, receiver, &p, tr);
		fsc_clocksync_packet(c, receiver, &p, tr + MS); /* a duplicate: ignored */
	}
	struct fsc_clock_offset o[4];
	assert_int_equal(fsc_clocksync_offsets(c, o, 4), 1);
	assert_int_equal(o[0].a, 0);
	assert_int_equal(o[0].b, 1);
	assert_int_equal(o[0].pairs, 40);
	assert_int_equal(o[0].directions, 2);
	assert_false(o[0].one_way);
	assert_false(o[0].inconsistent);
	/* fastest trips 1 ms each way: the midpoint is exact, the bound 1 ms */
	assert_int_equal(o[0].offset_ns, off);
	assert_int_equal(o[0].error_ns, MS);
	fsc_clocksync_free(c);
}

static void clock_one_way(void **state)
{
	(void)state;
	struct fsc_clocksync *c = fsc_clocksync_new();
	struct fsc_packet p;
	uint8_t msg[32] = { 4, 0, 0, 0, 7 };

	udp(&p, msg, sizeof(msg), 1);
	fsc_clocksync_packet(c, 0, &p, 1000);
	fsc_clocksync_packet(c, 2, &p, 4000);
	struct fsc_clock_offset o[4];
	assert_int_equal(fsc_clocksync_offsets(c, o, 4), 1);
	assert_int_equal(o[0].b, 2);
	assert_true(o[0].one_way);
	assert_int_equal(o[0].offset_ns, 3000);
	/* inside a tunnel or out of range: not counted */
	p.tunnel = 3;
	fsc_clocksync_packet(c, 1, &p, 1);
	p.tunnel = 0;
	fsc_clocksync_packet(c, FSC_CLOCK_INPUTS, &p, 1);
	assert_int_equal(fsc_clocksync_offsets(c, o, 4), 1);
	fsc_clocksync_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(joined_by_address_and_time),
		cmocka_unit_test(two_candidates_are_ambiguous),
		cmocka_unit_test(data_rule_decides),
		cmocka_unit_test(data_rule_must_not_decide),
		cmocka_unit_test(decrypted_stream_is_exact),
		cmocka_unit_test(refusal_told_at_once),
		cmocka_unit_test(keepalive_follows_its_connection),
		cmocka_unit_test(connections_that_ended),
		cmocka_unit_test(pool_carries_two_clients),
		cmocka_unit_test(pool_decrypted_in_turn),
		cmocka_unit_test(broken_decryption_is_not_exact),
		cmocka_unit_test(decrypted_out_of_order),
		cmocka_unit_test(pool_one_address_in_turn),
		cmocka_unit_test(pool_two_backends_of_one_client),
		cmocka_unit_test(per_connection_sees_a_second_backend),
		cmocka_unit_test(per_connection_keeps_its_joins),
		cmocka_unit_test(proxy_model_names),
		cmocka_unit_test(outside_the_window),
		cmocka_unit_test(tables_are_bounded),
		cmocka_unit_test(edge_by_client_address_and_port),
		cmocka_unit_test(relay_by_size),
		cmocka_unit_test(observation_points),
		cmocka_unit_test(names),
		cmocka_unit_test(clock_midpoint),
		cmocka_unit_test(clock_one_way),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
