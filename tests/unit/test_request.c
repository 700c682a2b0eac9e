/* test_request.c - the request record builder, driven through the real
 * pipeline by hand-built IPv4/TCP frames: one record per transaction, its
 * state, times, sizes, cut flags, kept fields and observation points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/request.h"
#include "vectors.h"

#define LT_RAW 101
#define MS 1000000ll

/* What the records said, copied out (they die with the callback). */
struct rec {
	struct fsc_request r;
	char field[FSC_REQ_FIELDS_MAX][FSC_REQ_FIELD_MAX + 1];
	char req_headers[512], resp_headers[512];
};

static struct rec recs[8];
static unsigned n_recs;
static struct fsc_addr resp_client[8]; /* http_response events' client */
static unsigned n_resp;

static void on_record(const struct fsc_request *r, void *ctx)
{
	(void)ctx;
	assert_true(n_recs < 8);
	struct rec *x = &recs[n_recs++];
	x->r = *r;
	for (size_t i = 0; i < r->n_fields; i++)
		strcpy(x->field[i], r->fields[i].value);
	x->req_headers[0] = x->resp_headers[0] = '\0';
	if (r->req_headers)
		snprintf(x->req_headers, sizeof(x->req_headers), "%.*s", (int)r->req_headers_len,
			 r->req_headers);
	if (r->resp_headers)
		snprintf(x->resp_headers, sizeof(x->resp_headers), "%.*s",
			 (int)r->resp_headers_len, r->resp_headers);
}

struct kit {
	struct fsc_pipeline *pl;
	struct fsc_requests *rq;
	uint64_t frame;
	int64_t t;
};

static void on_event(const struct fsc_event *ev, void *ctx)
{
	struct kit *k = ctx;

	if (ev->type == FSC_EV_HTTP_RESPONSE && n_resp < 8)
		resp_client[n_resp++] = ev->stream->u.resp.client;
	fsc_requests_event(k->rq, ev, on_record, NULL);
}

static void kit_open(struct kit *k, const struct fsc_request_limits *lim)
{
	struct fsc_pipeline_limits pl;

	memset(k, 0, sizeof(*k));
	memset(&pl, 0, sizeof(pl));
	fsc_requests_pipeline_limits(&pl);
	k->pl = fsc_pipeline_new(&pl);
	k->rq = fsc_requests_new(lim);
	assert_non_null(k->pl);
	assert_non_null(k->rq);
	k->t = 1767225600ll * 1000000000ll;
	n_recs = n_resp = 0;
}

static void kit_close(struct kit *k)
{
	fsc_pipeline_flush(k->pl, on_event, k);
	fsc_requests_flush(k->rq, on_record, NULL);
	fsc_pipeline_free(k->pl);
	fsc_requests_free(k->rq);
}

/* One connection 198.18.0.1:port -> 198.18.0.2:8080 (dir 0 the client). */
struct tcp {
	struct kit *k;
	uint16_t port;
	uint32_t seq[2];
};

/* A segment, 1 ms after the last frame, its bytes before a guard page. */
static void seg(struct tcp *c, int dir, uint8_t flags, const char *data, size_t n)
{
	static uint8_t b[8192];
	uint16_t sp = dir ? 8080 : c->port, dp = dir ? c->port : 8080;
	uint8_t a0 = dir ? 2 : 1, a1 = dir ? 1 : 2;
	const uint8_t hdr[40] = {
		0x45, 0, (uint8_t)((40 + n) >> 8), (uint8_t)(40 + n),	/* v4, total */
		0, 1, 0x40, 0, 64, 6, 0, 0,				/* DF, TTL, TCP */
		198, 18, 0, a0, 198, 18, 0, a1,
		(uint8_t)(sp >> 8), (uint8_t)sp, (uint8_t)(dp >> 8), (uint8_t)dp,
		(uint8_t)(c->seq[dir] >> 24), (uint8_t)(c->seq[dir] >> 16),
		(uint8_t)(c->seq[dir] >> 8), (uint8_t)c->seq[dir],
		(uint8_t)(c->seq[!dir] >> 24), (uint8_t)(c->seq[!dir] >> 16),
		(uint8_t)(c->seq[!dir] >> 8), (uint8_t)c->seq[!dir],
		0x50, flags, 0xff, 0xff, 0, 0, 0, 0,
	};
	assert_true(40 + n <= sizeof(b));
	memcpy(b, hdr, 40);
	if (n)
		memcpy(b + 40, data, n);
	uint8_t *g = vec_guard(b, 40 + n);
	struct fsc_frame f;
	memset(&f, 0, sizeof(f));
	c->k->t += MS;
	f.data = g;
	f.caplen = f.wirelen = (uint32_t)(40 + n);
	f.sec = c->k->t / 1000000000ll;
	f.nsec = (uint32_t)(c->k->t % 1000000000ll);
	f.linktype = LT_RAW;
	f.iface = 3;
	f.number = ++c->k->frame;
	fsc_pipeline_frame(c->k->pl, &f, on_event, c->k);
	vec_guard_free(g, 40 + n);
	c->seq[dir] += (uint32_t)n + ((flags & (FSC_TCP_SYN | FSC_TCP_FIN)) ? 1 : 0);
}

static void send_str(struct tcp *c, int dir, const char *s)
{
	seg(c, dir, FSC_TCP_ACK | FSC_TCP_PSH, s, strlen(s));
}

static void tcp_open(struct tcp *c, struct kit *k, uint16_t port)
{
	c->k = k;
	c->port = port;
	c->seq[0] = 1000;
	c->seq[1] = 9000;
	seg(c, 0, FSC_TCP_SYN, NULL, 0);
	seg(c, 1, FSC_TCP_SYN | FSC_TCP_ACK, NULL, 0);
	seg(c, 0, FSC_TCP_ACK, NULL, 0);
}

static void tcp_fin(struct tcp *c)
{
	seg(c, 0, FSC_TCP_FIN | FSC_TCP_ACK, NULL, 0);
	seg(c, 1, FSC_TCP_FIN | FSC_TCP_ACK, NULL, 0);
	seg(c, 0, FSC_TCP_ACK, NULL, 0);
}

/* A whole transaction: the client by the rule, the target past the old
 * 64-byte cut (cut only at its own cap), both times, the body size, the
 * fields asked for, the kept heads and where each piece was seen. */
static void complete_transaction(void **state)
{
	(void)state;
	static const struct fsc_req_field_spec fields[] = {
		{ "authorization", false }, { "Content-Type", true }, { "X-Absent", false },
	};
	struct fsc_request_limits lim = { .fields = fields, .n_fields = 3, .head_cap = 256 };
	struct kit k;
	struct tcp c;
	static char req[4096], path[3001];
	char addr[FSC_ADDR_STRLEN];

	memset(path, 'a', 3000);
	path[0] = '/';
	path[3000] = '\0';
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: node.example.ts.net\r\nUser-Agent: curl/8.5\r\n"
		 "Authorization: Bearer x\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n", path);
	kit_open(&k, &lim);
	tcp_open(&c, &k, 40000);
	send_str(&c, 0, req);						/* frame 4 */
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
			"Content-Length: 10\r\n\r\nhello");		/* frame 5 */
	assert_int_equal(n_recs, 0); /* the body is not whole yet */
	send_str(&c, 1, "world");					/* frame 6 */
	assert_int_equal(n_recs, 1);
	const struct fsc_request *r = &recs[0].r;
	assert_int_equal(r->state, FSC_REQ_COMPLETE);
	assert_int_equal(r->index, 1);
	assert_int_equal(r->status, 200);
	assert_string_equal(r->reason, "OK");
	assert_string_equal(r->method, "GET");
	assert_int_equal(r->target_len, FSC_REQ_TARGET_MAX);
	assert_true(r->cut & FSC_REQ_CUT_TARGET);
	assert_memory_equal(r->target, path, FSC_REQ_TARGET_MAX);
	assert_int_equal(strlen(r->target), FSC_REQ_TARGET_MAX);
	assert_string_equal(r->host, "node.example.ts.net");
	assert_string_equal(r->user_agent, "curl/8.5");
	assert_string_equal(r->xff, "203.0.113.7");
	assert_int_equal(r->client.rule, FSC_CLIENT_XFF_SINGLE);
	assert_string_equal(fsc_addr_str(&r->client.addr, addr), "203.0.113.7");
	assert_string_equal(fsc_addr_str(&r->src, addr), "198.18.0.1");
	assert_int_equal(r->sport, 40000);
	assert_int_equal(r->dport, 8080);
	assert_int_equal(r->first_ns, 1 * MS);
	assert_int_equal(r->last_ns, 2 * MS);
	assert_true(r->resp_body_measured);
	assert_int_equal(r->resp_body_len, 10);
	assert_true(r->req_body_known);
	assert_int_equal(r->req_body_len, 0);
	assert_true(r->req.seen && r->resp.seen && r->end.seen);
	assert_int_equal(r->req.frame, 4);
	assert_int_equal(r->resp.frame, 5);
	assert_int_equal(r->end.frame, 6);
	assert_int_equal(r->req.iface, 3);
	assert_int_equal(r->req.tunnel, 0);
	assert_false(r->hello.seen);
	/* the fields asked for, by name in any case */
	assert_int_equal(r->n_fields, 3);
	assert_string_equal(r->fields[0].name, "authorization");
	assert_true(r->fields[0].present);
	assert_string_equal(recs[0].field[0], "Bearer x");
	assert_true(r->fields[1].response);
	assert_string_equal(recs[0].field[1], "text/plain");
	assert_false(r->fields[2].present);
	/* the heads, line by line */
	assert_string_equal(recs[0].resp_headers,
			    "Content-Type: text/plain\r\nContent-Length: 10\r\n");
	assert_non_null(strstr(recs[0].req_headers, "User-Agent: curl/8.5\r\n"));
	struct fsc_span name, value;
	size_t off = 0;
	int n = 0;
	while (fsc_request_header_next(recs[0].resp_headers, strlen(recs[0].resp_headers), &off,
				       &name, &value))
		n++;
	assert_int_equal(n, 2);
	/* the answer carried its request's client */
	assert_int_equal(n_resp, 1);
	assert_true(fsc_addr_eq(&resp_client[0], &r->client.addr));
	tcp_fin(&c);
	kit_close(&k);
	assert_int_equal(n_recs, 1);
}

/* A chunked answer after an interim 100: the content size without the
 * chunk framing; a HEAD answer ends with its head. */
static void chunked_and_interim(void **state)
{
	(void)state;
	struct kit k;
	struct tcp c;

	kit_open(&k, NULL);
	tcp_open(&c, &k, 40001);
	send_str(&c, 0, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
			"Expect: 100-continue\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 100 Continue\r\n\r\n");
	send_str(&c, 0, "abc");
	send_str(&c, 1, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab");
	send_str(&c, 1, "c\r\n4\r\ndefg\r\n0\r\n\r\n");
	assert_int_equal(n_recs, 1);
	assert_int_equal(recs[0].r.state, FSC_REQ_COMPLETE);
	assert_int_equal(recs[0].r.status, 201);
	assert_int_equal(recs[0].r.interim, 1);
	assert_int_equal(recs[0].r.req_body_len, 3);
	assert_int_equal(recs[0].r.resp_body_len, 7);
	assert_null(recs[0].r.req_headers); /* no head_cap */
	send_str(&c, 0, "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n");
	assert_int_equal(n_recs, 2);
	assert_int_equal(recs[1].r.state, FSC_REQ_COMPLETE);
	assert_int_equal(recs[1].r.index, 2);
	assert_int_equal(recs[1].r.resp_body_len, 0);
	kit_close(&k);
	assert_int_equal(n_recs, 2);
}

/* Given up: the connection closed with a request waiting; the input ended
 * with one waiting and one whose body never ended. */
static void given_up(void **state)
{
	(void)state;
	struct kit k;
	struct tcp a, b;

	kit_open(&k, NULL);
	tcp_open(&a, &k, 40002);
	send_str(&a, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&a, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(n_recs, 1);
	assert_int_equal(recs[0].r.index, 1);
	tcp_fin(&a);
	assert_int_equal(n_recs, 2);
	assert_int_equal(recs[1].r.state, FSC_REQ_UNANSWERED);
	assert_int_equal(recs[1].r.index, 2);
	assert_int_equal(recs[1].r.status, 0);
	assert_int_equal(recs[1].r.first_ns, -1);

	tcp_open(&b, &k, 40003);
	send_str(&b, 0, "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&b, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
	send_str(&b, 0, "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(n_recs, 2);
	kit_close(&k);
	assert_int_equal(n_recs, 4);
	assert_int_equal(recs[2].r.state, FSC_REQ_BODY_CUT);
	assert_string_equal(recs[2].r.target, "/3");
	assert_true(recs[2].r.resp_body_known);
	assert_false(recs[2].r.resp_body_measured);
	assert_int_equal(recs[2].r.resp_body_len, 10); /* as declared */
	assert_int_equal(recs[3].r.state, FSC_REQ_END);
	assert_string_equal(recs[3].r.target, "/4");
}

/* The table is bounded: the oldest open transaction is given up, counted. */
static void eviction(void **state)
{
	(void)state;
	struct fsc_request_limits lim = { .max_open = 2 };
	struct kit k;
	struct tcp c[3];

	kit_open(&k, &lim);
	for (int i = 0; i < 3; i++) {
		tcp_open(&c[i], &k, (uint16_t)(41000 + i));
		send_str(&c[i], 0, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
	}
	assert_int_equal(n_recs, 1);
	assert_int_equal(recs[0].r.state, FSC_REQ_EVICTED);
	assert_int_equal(recs[0].r.sport, 41000);
	assert_int_equal(fsc_requests_stats(k.rq)->evicted_open, 1);
	/* its late answer (head and body end) is counted, not recorded */
	send_str(&c[0], 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(n_recs, 1);
	assert_int_equal(fsc_requests_stats(k.rq)->late_events, 2);
	send_str(&c[2], 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(n_recs, 2);
	assert_int_equal(recs[1].r.sport, 41002);
	assert_int_equal(recs[1].r.state, FSC_REQ_COMPLETE);
	kit_close(&k);
	assert_int_equal(n_recs, 3);
}

/* The Funnel ingress handshake: its own record names the ingress source
 * and target, complete at the 101; the client rule's ingress-src. */
static void ingress_handshake(void **state)
{
	(void)state;
	struct kit k;
	struct tcp c;
	char addr[FSC_ADDR_STRLEN];

	kit_open(&k, NULL);
	tcp_open(&c, &k, 40004);
	send_str(&c, 0, "POST /v0/ingress HTTP/1.1\r\nHost: 100.100.1.2\r\n"
			"Tailscale-Ingress-Src: 203.0.113.9:51234\r\n"
			"Tailscale-Ingress-Target: node.example.ts.net:443\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
	assert_int_equal(n_recs, 1);
	const struct fsc_request *r = &recs[0].r;
	assert_int_equal(r->state, FSC_REQ_COMPLETE);
	assert_int_equal(r->status, 101);
	assert_true(r->has_ingress);
	assert_string_equal(r->ingress_src, "203.0.113.9:51234");
	assert_string_equal(r->ingress_target, "node.example.ts.net:443");
	assert_int_equal(r->ingress.frame, r->req.frame);
	assert_int_equal(r->client.rule, FSC_CLIENT_INGRESS_SRC);
	assert_string_equal(fsc_addr_str(&r->client.addr, addr), "203.0.113.9");
	kit_close(&k);
}

/* Field names are bounded; the names are the builder's own copies. */
static void limits(void **state)
{
	(void)state;
	char longname[FSC_REQ_FIELD_NAME_MAX + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	struct fsc_req_field_spec bad[] = { { longname, false } };
	struct fsc_request_limits lim = { .fields = bad, .n_fields = 1 };
	assert_null(fsc_requests_new(&lim));
	struct fsc_req_field_spec empty[] = { { "", false } };
	lim.fields = empty;
	assert_null(fsc_requests_new(&lim));
	assert_string_equal(fsc_req_state_name(FSC_REQ_BODY_CUT), "body-cut");
	assert_string_equal(fsc_req_state_name(FSC_REQ_STATE_COUNT), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(complete_transaction),
		cmocka_unit_test(chunked_and_interim),
		cmocka_unit_test(given_up),
		cmocka_unit_test(eviction),
		cmocka_unit_test(ingress_handshake),
		cmocka_unit_test(limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
