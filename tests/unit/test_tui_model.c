/* test_tui_model.c - fwatch's model apart from any screen: the bounded LRU
 * map, requests paired with responses, clients, hosts, evictions, the
 * detail ring, rates, filters and sorts, escaping in cells, and the model
 * fed by the real pipeline over the sample captures. Requests are built by
 * the real parsers (http.h, xff.h, client.h) from header text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "fsc/client.h"
#include "fsc/http.h"
#include "fsc/pipeline.h"
#include "fsc/source.h"
#include "fsc/xff.h"
#include "lru.h"
#include "model.h"
#include "table.h"

#define MS 1000000ll
#define SEC 1000000000ll
#define T0 (1700000000 * SEC)

/* ---------------------------------------------------------------- lru */

static void lru_basic(void **state)
{
	(void)state;
	struct tui_lru *l = tui_lru_new(3, sizeof(uint32_t), sizeof(uint64_t), 1);
	uint32_t k, ok;
	bool created, evicted;
	uint64_t oldv;

	assert_non_null(l);
	for (k = 1; k <= 3; k++) {
		uint64_t *v = tui_lru_put(l, &k, &created, &evicted, NULL, NULL);
		assert_true(created);
		assert_false(evicted);
		*v = k * 10;
	}
	/* 1 is touched: 2 becomes the least recent. */
	k = 1;
	assert_int_equal(*(uint64_t *)tui_lru_get(l, &k, true), 10);
	k = 4;
	uint64_t *v = tui_lru_put(l, &k, &created, &evicted, &ok, &oldv);
	assert_true(created);
	assert_true(evicted);
	assert_int_equal(ok, 2);
	assert_int_equal(oldv, 20);
	assert_int_equal(*v, 0);	/* new values are zeroed */
	k = 2;
	assert_null(tui_lru_get(l, &k, false));
	assert_int_equal(tui_lru_count(l), 3);
	assert_int_equal(tui_lru_evictions(l), 1);
	/* Recency order: 4, 1, 3. */
	uint32_t s = tui_lru_newest(l), order[3];
	for (int i = 0; i < 3; i++) {
		const void *key;
		assert_non_null(tui_lru_slot(l, s, &key));
		memcpy(&order[i], key, 4);
		s = tui_lru_older(l, s);
	}
	assert_int_equal(s, TUI_LRU_NONE);
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 3);
	k = 1;
	assert_true(tui_lru_del(l, &k));
	assert_false(tui_lru_del(l, &k));
	assert_int_equal(tui_lru_count(l), 2);
	tui_lru_free(l);
	assert_null(tui_lru_new(0, 4, 4, 0));
}

/* Random operations against a plain array model: contents and recency
 * must agree after every step (deletions shift the probe chains). */
static void lru_property(void **state)
{
	(void)state;
	enum { CAP = 37, KEYS = 120, STEPS = 20000 };
	struct tui_lru *l = tui_lru_new(CAP, sizeof(uint32_t), sizeof(uint32_t), 7);
	uint32_t ref_key[CAP], ref_val[CAP];
	size_t ref_n = 0; /* ref[0] is the most recent */
	uint64_t rng = 0x853c49e6748fea9bull;

	assert_non_null(l);
	for (int step = 0; step < STEPS; step++) {
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t key = (uint32_t)(rng >> 33) % KEYS, op = (uint32_t)(rng >> 20) % 4;
		size_t at = ref_n;
		for (size_t i = 0; i < ref_n; i++)
			if (ref_key[i] == key)
				at = i;
		if (op == 0) {
			bool found = tui_lru_del(l, &key);
			assert_int_equal(found, at < ref_n);
			if (at < ref_n) {
				memmove(ref_key + at, ref_key + at + 1, (ref_n - at - 1) * 4);
				memmove(ref_val + at, ref_val + at + 1, (ref_n - at - 1) * 4);
				ref_n--;
			}
		} else if (op == 1) {
			uint32_t *v = tui_lru_get(l, &key, true);
			assert_int_equal(v != NULL, at < ref_n);
			if (v) {
				assert_int_equal(*v, ref_val[at]);
				uint32_t kk = ref_key[at], vv = ref_val[at];
				memmove(ref_key + 1, ref_key, at * 4);
				memmove(ref_val + 1, ref_val, at * 4);
				ref_key[0] = kk;
				ref_val[0] = vv;
			}
		} else {
			bool created, evicted;
			uint32_t *v = tui_lru_put(l, &key, &created, &evicted, NULL, NULL);
			assert_int_equal(created, at == ref_n);
			if (at < ref_n) {
				memmove(ref_key + 1, ref_key, at * 4);
				memmove(ref_val + 1, ref_val, at * 4);
			} else {
				assert_int_equal(evicted, ref_n == CAP);
				if (ref_n == CAP)
					ref_n--;
				memmove(ref_key + 1, ref_key, ref_n * 4);
				memmove(ref_val + 1, ref_val, ref_n * 4);
				ref_n++;
			}
			ref_key[0] = key;
			ref_val[0] = (uint32_t)step;
			*v = (uint32_t)step;
		}
		assert_int_equal(tui_lru_count(l), ref_n);
	}
	/* Every key findable, in the same recency order. */
	uint32_t s = tui_lru_newest(l);
	for (size_t i = 0; i < ref_n; i++) {
		const void *key;
		uint32_t *v = tui_lru_slot(l, s, &key);
		assert_non_null(v);
		assert_memory_equal(key, &ref_key[i], 4);
		assert_int_equal(*v, ref_val[i]);
		assert_ptr_equal(tui_lru_get(l, &ref_key[i], false), v);
		s = tui_lru_older(l, s);
	}
	assert_int_equal(s, TUI_LRU_NONE);
	tui_lru_free(l);
}

/* ---------------------------------------------------------------- events */

/* A request or response parsed from text by the real parsers, delivered to
 * the model as the pipeline would. */
struct msg {
	struct fsc_http_header hdrs[64];
	struct fsc_http_head head;
	struct fsc_http_info info;
	struct fsc_xff_node xnodes[32];
	struct fsc_xff_list xff;
	struct fsc_xff_fwd_elem felems[16];
	struct fsc_xff_fwd_list fwd;
	struct fsc_xff_node real_ip;
	struct fsc_client client;
	struct fsc_flow flow;
	struct fsc_stream_event se;
	struct fsc_event ev;
};

static struct msg M;

/* The client of each request sent, so that its response names it as the
 * streams do (fsc_stream_event.u.resp.client). */
static struct sent {
	uint64_t flow;
	unsigned index;
	struct fsc_addr client;
	enum fsc_client_rule rule;
} Sent[256];
static size_t n_sent;

static void addr(struct fsc_addr *a, const char *s)
{
	assert_true(fsc_addr_parse(s, a));
}

static void request(struct tui_model *m, const char *text, uint64_t flow, unsigned index,
		    int64_t ts, const char *peer)
{
	const char *why;
	struct fsc_span lines[16];
	struct fsc_client_input in = { 0 };
	struct fsc_addr peer_a;

	memset(&M, 0, sizeof(M));
	fsc_http_head_init(&M.head, M.hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_request((const uint8_t *)text, strlen(text), 0, &M.head,
						&why), FSC_OK);
	assert_int_equal(fsc_http_info(&M.head, &M.info, &why), FSC_OK);
	fsc_xff_list_init(&M.xff, M.xnodes, 32);
	fsc_xff_fwd_list_init(&M.fwd, M.felems, 16);
	size_t n = fsc_http_values(&M.head, "X-Forwarded-For", lines, 16);
	fsc_xff_parse_lines(lines, n, &M.xff, &why);
	n = fsc_http_values(&M.head, "Forwarded", lines, 16);
	fsc_xff_fwd_parse_lines(lines, n, &M.fwd, &why);
	addr(&peer_a, peer);
	in.xff = &M.xff;
	in.fwd = &M.fwd;
	in.tcp_peer = &peer_a;
	if (M.info.x_real_ip) {
		fsc_xff_elem_parse((const uint8_t *)M.info.x_real_ip->value,
				   M.info.x_real_ip->value_len, &M.real_ip);
		in.x_real_ip = &M.real_ip;
	}
	fsc_client_choose(&in, &M.client);
	Sent[n_sent++ % 256] = (struct sent){ .flow = flow, .index = index,
					       .client = M.client.addr, .rule = M.client.rule };
	M.flow.id = flow;
	M.se.type = FSC_EV_HTTP_REQUEST;
	M.se.flow = &M.flow;
	M.se.src = peer_a;
	addr(&M.se.dst, "127.0.0.1");
	M.se.sport = 40000;
	M.se.dport = 2367;
	M.se.ts_ns = ts;
	M.se.u.req.head = &M.head;
	M.se.u.req.info = &M.info;
	M.se.u.req.xff = &M.xff;
	M.se.u.req.fwd = &M.fwd;
	M.se.u.req.client = &M.client;
	M.se.u.req.index = index;
	M.ev.type = FSC_EV_HTTP_REQUEST;
	M.ev.ts_ns = ts;
	M.ev.stream = &M.se;
	tui_model_event(&M.ev, m);
}

static void response(struct tui_model *m, const char *text, uint64_t flow, unsigned index,
		     int64_t ts, int64_t latency, const char *method, const char *host)
{
	const char *why;

	memset(&M, 0, sizeof(M));
	fsc_http_head_init(&M.head, M.hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_response((const uint8_t *)text, strlen(text), 0, &M.head,
						 &why), FSC_OK);
	M.flow.id = flow;
	M.se.type = FSC_EV_HTTP_RESPONSE;
	M.se.flow = &M.flow;
	M.se.ts_ns = ts;
	M.se.u.resp.head = &M.head;
	M.se.u.resp.matched = index != 0;
	M.se.u.resp.index = index;
	M.se.u.resp.latency_ns = latency;
	M.se.u.resp.method = method;
	M.se.u.resp.uri = "/";
	M.se.u.resp.host = host;
	for (size_t i = n_sent < 256 ? n_sent : 256; index && i-- > 0;)
		if (Sent[i].flow == flow && Sent[i].index == index) {
			M.se.u.resp.client = Sent[i].client;
			M.se.u.resp.client_rule = Sent[i].rule;
			break;
		}
	M.ev.type = FSC_EV_HTTP_RESPONSE;
	M.ev.ts_ns = ts;
	M.ev.stream = &M.se;
	tui_model_event(&M.ev, m);
}

static const char *cell(struct tui_model *m, enum tui_table t, const void *item, size_t col)
{
	static char buf[512];

	tui_cell(m, t, item, col, true, buf, sizeof(buf));
	return buf;
}

/* Column index by title. */
static size_t col(enum tui_table t, const char *title)
{
	size_t n;
	const struct tui_col *c = tui_table_cols(t, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].title, title) == 0)
			return i;
	fail_msg("no column %s", title);
	return 0;
}

#define GET(path, xff) "GET " path " HTTP/1.1\r\nHost: node.example.ts.net\r\n" xff "\r\n"

static void pairs_responses(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	char s[FSC_ADDR_STRLEN];

	assert_non_null(m);
	request(m, GET("/a", "X-Forwarded-For: 66.249.72.211\r\n"), 7, 1, T0, "127.0.0.1");
	request(m, GET("/b", "X-Forwarded-For: 66.249.72.211\r\n"), 7, 2, T0 + 1 * MS,
		"127.0.0.1");
	/* The second is answered first (as a pipelining server cannot, but the
	 * model pairs by connection and index, not by order). */
	response(m, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", 7, 2, T0 + 3 * MS,
		 2 * MS, "GET", "node.example.ts.net");
	response(m, "HTTP/1.1 100 Continue\r\n\r\n", 7, 1, T0 + 4 * MS, 4 * MS, "GET",
		 "node.example.ts.net");
	const struct tui_request *a = tui_model_request(m, 1);
	assert_non_null(a);
	assert_int_equal(a->status, 100);	/* interim, until the final one */
	response(m, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 7, 1, T0 + 5 * MS,
		 5 * MS, "GET", "node.example.ts.net");
	/* A response for a request never seen. */
	response(m, "HTTP/1.1 500 Oops\r\n\r\n", 9, 0, T0 + 6 * MS, 0, "", "");

	a = tui_model_request(m, 1);
	const struct tui_request *b = tui_model_request(m, 2);
	assert_int_equal(a->status, 200);
	assert_true(a->resp_chunked);
	assert_int_equal(a->latency_ns, 5 * MS);
	assert_int_equal(b->status, 404);
	assert_int_equal(b->resp_body, 9);
	assert_int_equal(b->latency_ns, 2 * MS);
	assert_string_equal(fsc_addr_str(&a->client, s), "66.249.72.211");
	assert_int_equal(a->rule, FSC_CLIENT_XFF_SINGLE);
	assert_string_equal(cell(m, TUI_T_REQUESTS, b, col(TUI_T_REQUESTS, "PATH")), "/b");
	assert_string_equal(cell(m, TUI_T_REQUESTS, b, col(TUI_T_REQUESTS, "ST")), "404");
	assert_string_equal(cell(m, TUI_T_REQUESTS, a, col(TUI_T_REQUESTS, "BYTES")), "chunked");

	const struct tui_totals *t = tui_model_totals(m);
	assert_int_equal(t->requests, 2);
	assert_int_equal(t->responses, 4);
	assert_int_equal(t->unmatched_responses, 1);

	struct fsc_addr ca;
	addr(&ca, "66.249.72.211");
	const struct fsc_agg_client *c = tui_model_client(m, &ca);
	assert_non_null(c);
	assert_int_equal(c->requests, 2);
	assert_int_equal(c->status[2], 1);
	assert_int_equal(c->status[4], 1);
	assert_int_equal(c->bytes, 9);

	const struct fsc_agg_host *h = tui_model_host(m, "NODE.example.ts.net.");
	assert_non_null(h);
	assert_int_equal(h->requests, 2);
	assert_int_equal(h->responses, 2);	/* final answers only */
	assert_int_equal(h->status[4], 1);
	/* p50 of {2 ms, 5 ms} is the bucket holding 2 ms: within 19 %. */
	int64_t p50 = tui_host_percentile(h, 0.5);
	assert_true(p50 >= 2 * MS && p50 < 2 * MS * 119 / 100);
	assert_int_equal(tui_host_percentile(h, 1.0), 5 * MS);
	tui_model_free(m);
}

/* The request index: a response finds its request by (flow, index) while
 * the request is in the ring, the newest of two on one (flow, index), and
 * nothing once the final response came or the ring moved past it. */
static void request_index(void **state)
{
	(void)state;
	struct tui_model_limits lim = { .max_requests = 4 };
	struct tui_model *m = tui_model_new(&lim, NULL);
	const char *get = "GET / HTTP/1.1\r\nHost: h.example\r\n\r\n";

	for (uint64_t f = 1; f <= 3; f++)
		request(m, get, f, 1, T0 + (int64_t)f * SEC, "127.0.0.1");
	request(m, get, 3, 1, T0 + 4 * SEC, "127.0.0.1"); /* seq 4: same (3, 1) */
	response(m, "HTTP/1.1 100 Continue\r\n\r\n", 2, 1, T0 + 5 * SEC, MS, "GET",
		 "h.example");
	assert_int_equal(tui_model_request(m, 2)->status, 100);
	response(m, "HTTP/1.1 204 No Content\r\n\r\n", 2, 1, T0 + 5 * SEC, MS, "GET",
		 "h.example");
	assert_int_equal(tui_model_request(m, 2)->status, 204);
	/* Answered: a second final response finds nothing. */
	response(m, "HTTP/1.1 500 Oops\r\n\r\n", 2, 1, T0 + 6 * SEC, MS, "GET", "h.example");
	assert_int_equal(tui_model_request(m, 2)->status, 204);
	response(m, "HTTP/1.1 200 OK\r\n\r\n", 3, 1, T0 + 6 * SEC, MS, "GET", "h.example");
	assert_int_equal(tui_model_request(m, 4)->status, 200);
	assert_int_equal(tui_model_request(m, 3)->status, 0);
	/* seq 5 takes request 1's place in the ring: its response is lost. */
	request(m, get, 5, 1, T0 + 7 * SEC, "127.0.0.1");
	assert_null(tui_model_request(m, 1));
	response(m, "HTTP/1.1 200 OK\r\n\r\n", 1, 1, T0 + 8 * SEC, MS, "GET", "h.example");
	assert_int_equal(tui_model_request(m, 5)->status, 0);
	response(m, "HTTP/1.1 404 Not Found\r\n\r\n", 5, 1, T0 + 8 * SEC, MS, "GET",
		 "h.example");
	assert_int_equal(tui_model_request(m, 5)->status, 404);
	tui_model_free(m);
}

static void evicts_oldest(void **state)
{
	(void)state;
	struct tui_model_limits lim = { .max_requests = 3, .max_clients = 2, .max_hosts = 2 };
	struct tui_model *m = tui_model_new(&lim, NULL);

	for (int i = 1; i <= 5; i++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "GET /%d HTTP/1.1\r\nHost: h%d.example\r\nX-Forwarded-For: 192.0.2.%d\r\n\r\n",
			 i, i, i);
		request(m, text, (uint64_t)i, 1, T0 + i * SEC, "127.0.0.1");
	}
	assert_int_equal(tui_model_first_seq(m), 3);
	assert_int_equal(tui_model_last_seq(m), 5);
	assert_null(tui_model_request(m, 2));
	assert_non_null(tui_model_request(m, 3));
	assert_null(tui_model_request(m, 6));
	const struct tui_totals *t = tui_model_totals(m);
	assert_int_equal(t->requests_evicted, 2);
	assert_int_equal(t->clients_evicted, 3);
	assert_int_equal(t->hosts_evicted, 3);
	assert_int_equal(tui_model_client_count(m), 2);
	/* The two kept are the most recent: 192.0.2.4 and .5. */
	struct fsc_addr a;
	addr(&a, "192.0.2.3");
	assert_null(tui_model_client(m, &a));
	addr(&a, "192.0.2.5");
	assert_non_null(tui_model_client(m, &a));
	/* A response to an evicted request changes nothing and breaks nothing. */
	response(m, "HTTP/1.1 200 OK\r\n\r\n", 1, 1, T0 + 6 * SEC, MS, "GET", "h1.example");
	assert_int_equal(tui_model_request(m, 3)->status, 0);
	/* Requests in the list: 3 of them, newest first. */
	struct tui_rows r;
	tui_rows_init(&r);
	assert_true(tui_rows_build(&r, TUI_T_REQUESTS, m, NULL, 0, 0));
	assert_int_equal(r.n, 3);
	assert_int_equal(((const struct tui_request *)r.items[0])->seq, 5);
	/* Paused at 4: the newer one stays out. */
	assert_true(tui_rows_build(&r, TUI_T_REQUESTS, m, NULL, 0, 4));
	assert_int_equal(r.n, 2);
	assert_int_equal(((const struct tui_request *)r.items[0])->seq, 4);
	tui_rows_free(&r);
	/* TZ=UTC is set in main */
	assert_string_equal(cell(m, TUI_T_REQUESTS, tui_model_request(m, 5), 0), "22:13:25.000");
	tui_model_free(m);
}

struct lines {
	char text[64][600];
	char label[64][32];
	int n;
};

static void collect(void *ctx, const char *label, const char *text, enum tui_mark mk)
{
	struct lines *l = ctx;

	(void)mk;
	if (l->n < 64) {
		snprintf(l->label[l->n], sizeof(l->label[0]), "%s", label);
		snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", text);
	}
}

static const char *find_line(const struct lines *l, const char *label)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->label[i], label) == 0)
			return l->text[i];
	return NULL;
}

static void detail_hops_and_loss(void **state)
{
	(void)state;
	struct tui_model_limits lim = { .detail_bytes = 700 };
	struct tui_model *m = tui_model_new(&lim, NULL);
	struct tui_detail d;
	struct lines l = { 0 };

	request(m, "GET /x HTTP/1.1\r\nHost: a\r\n"
		   "X-Forwarded-For: 203.0.113.9, 66.249.72.211, "
		   "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b\r\nUser-Agent: t\xc2\x9b" "31m\r\n\r\n",
		1, 1, T0, "127.0.0.1");
	const struct tui_request *r = tui_model_request(m, 1);
	tui_model_detail(m, r, &d);
	assert_true(d.kept);
	assert_int_equal(d.n_headers, 3);
	assert_int_equal(d.n_hops, 3);
	assert_false(d.hops_from_forwarded);
	assert_string_equal(d.hops[0].cls, "documentation");
	assert_string_equal(d.hops[1].cls, "public");
	assert_null(d.hops[1].skip);
	assert_string_equal(d.hops[2].cls, "4to6");
	assert_string_equal(d.hops[2].skip, "relay");
	char s[FSC_ADDR_STRLEN];
	assert_string_equal(fsc_addr_str(&d.hops[2].v4, s), "100.104.208.43");
	assert_memory_equal(d.headers[2].value, "t\xc2\x9b" "31m", 6);

	tui_detail_lines(m, r, collect, &l);
	assert_non_null(find_line(&l, "Client"));
	assert_non_null(strstr(find_line(&l, "Client"), "66.249.72.211 by xff-chain"));
	assert_non_null(strstr(find_line(&l, "Claimed"), "203.0.113.9"));
	assert_non_null(strstr(find_line(&l, "2"), "<- client"));
	assert_null(strstr(find_line(&l, "1"), "<- client"));
	assert_non_null(strstr(find_line(&l, "3"), "4to6 of 100.104.208.43  skipped: relay"));
	/* The C1 control (CSI, U+009B) never leaves: it is written \xNN. */
	bool seen = false;
	for (int i = 0; i < l.n; i++) {
		assert_null(strstr(l.text[i], "\xc2\x9b"));
		if (strstr(l.text[i], "User-Agent: t\\xc2\\x9b31m"))
			seen = true;
	}
	assert_true(seen);

	/* Newer heads overwrite the old one in a 700-byte ring. */
	for (int i = 2; i <= 8; i++)
		request(m, GET("/more", "X-Forwarded-For: 192.0.2.1\r\n"), (uint64_t)i, 1, T0 + i,
			"127.0.0.1");
	tui_model_detail(m, tui_model_request(m, 1), &d);
	assert_false(d.kept);
	tui_model_detail(m, tui_model_request(m, 8), &d);
	assert_true(d.kept);
	assert_int_equal(d.n_hops, 1);
	l.n = 0;
	tui_detail_lines(m, tui_model_request(m, 1), collect, &l);
	assert_non_null(strstr(find_line(&l, "Headers"), "no longer kept"));
	tui_model_free(m);
}

static void forwarded_and_mismatch(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	struct tui_detail d;

	request(m, "GET / HTTP/1.1\r\nHost: a.example:8443\r\nX-Forwarded-Host: b.example\r\n"
		   "Forwarded: for=\"[2001:db8:cafe::17]:4711\";proto=https\r\n\r\n",
		1, 1, T0, "127.0.0.1");
	const struct tui_request *r = tui_model_request(m, 1);
	assert_int_equal(r->rule, FSC_CLIENT_FORWARDED);
	tui_model_detail(m, r, &d);
	assert_true(d.hops_from_forwarded);
	assert_int_equal(d.n_hops, 1);
	const struct fsc_agg_host *h = tui_model_host(m, "a.example");
	assert_non_null(h);
	assert_int_equal(h->mismatches, 1);
	assert_int_equal(h->host_hdr, 1);
	tui_model_free(m);
}

static void rates(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	uint64_t hist[5];

	/* 3 requests in second 0, 1 in second 2, then the clock at 4.5 s. */
	for (int i = 0; i < 3; i++)
		request(m, GET("/", ""), 1, (unsigned)i + 1, T0 + i * 100 * MS, "192.0.2.1");
	request(m, GET("/", ""), 2, 1, T0 + 2 * SEC + 5 * MS, "192.0.2.1");
	tui_model_tick(m, T0 + 4 * SEC + 500 * MS);
	assert_int_equal(tui_model_history(m, TUI_S_REQUESTS, hist, 5), 5);
	/* whole seconds before now: -1, 0, 1, 2, 3 */
	assert_int_equal(hist[0], 0);
	assert_int_equal(hist[1], 3);
	assert_int_equal(hist[2], 0);
	assert_int_equal(hist[3], 1);
	assert_int_equal(hist[4], 0);
	assert_int_equal(tui_model_rate(m, TUI_S_REQUESTS), 0);
	/* A jump beyond the history clears it. */
	tui_model_tick(m, T0 + (TUI_HIST + 10) * SEC);
	tui_model_history(m, TUI_S_REQUESTS, hist, 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(hist[i], 0);
	tui_model_free(m);
}

static void filters_and_sorts(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	struct tui_filter f;
	struct tui_rows r;
	const char *why;

	request(m, GET("/ok", "X-Forwarded-For: 66.249.72.211\r\n"), 1, 1, T0, "127.0.0.1");
	response(m, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", 1, 1, T0 + 9 * MS, 9 * MS,
		 "GET", "node.example.ts.net");
	request(m, GET("/missing", "X-Forwarded-For: 192.0.2.7\r\n"), 2, 1, T0 + SEC,
		"127.0.0.1");
	response(m, "HTTP/1.1 404 NF\r\nContent-Length: 1\r\n\r\n", 2, 1, T0 + SEC + MS, MS,
		 "GET", "node.example.ts.net");
	request(m, "POST /api HTTP/1.1\r\nHost: other.example\r\nContent-Length: 0\r\n\r\n", 3, 1,
		T0 + 2 * SEC, "198.51.100.3");
	response(m, "HTTP/1.1 503 Down\r\nContent-Length: 1\r\n\r\n", 3, 1, T0 + 3 * SEC, SEC,
		 "POST", "other.example");

	tui_rows_init(&r);
	struct {
		const char *filter;
		size_t n;
		uint64_t first; /* seq of the first row, newest first */
	} cases[] = {
		{ "", 3, 3 },
		{ "status:4", 1, 2 },
		{ "status:4xx", 1, 2 },
		{ "status:5", 1, 3 },
		{ "!status:5", 2, 2 },
		{ "host:other", 1, 3 },
		{ "path:/ok", 1, 1 },
		{ "client:192.0.2", 1, 2 },
		{ "client:192.0.2.7", 1, 2 },
		/* Whole addresses and parts, never inside another address. */
		{ "client:92.0.2.7", 0, 0 },
		{ "client:2.7", 0, 0 },
		{ "client:192.0.2.70", 0, 0 },
		{ "client:192.0.2.0/24", 1, 2 },
		{ "client:192.0.0.0/8", 1, 2 },
		{ "client:192.0.0.0/7", 1, 2 },
		{ "client:192.0.0.0/4", 2, 3 },
		{ "client:0.0.0.0/0", 3, 3 },
		{ "client:198.", 1, 3 },
		{ "!client:192.0.2.7", 2, 3 },
		{ "192.0.2.7", 1, 2 },
		{ "client:2001:db8::/32", 0, 0 },
		{ "66.249", 1, 1 },
		{ "2001:db8::1", 0, 0 },	/* colons: an address, not a field */
		{ "method:post", 1, 3 },
		{ "rule:tcp-peer", 1, 3 },
		{ "NODE status:2", 1, 1 },
		{ "nothing-like-this", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(tui_filter_set(&f, cases[i].filter, &why));
		assert_true(tui_rows_build(&r, TUI_T_REQUESTS, m, &f, 0, 0));
		if (r.n != cases[i].n)
			fail_msg("filter '%s': %zu rows, want %zu", cases[i].filter, r.n, cases[i].n);
		if (r.n)
			assert_int_equal(((const struct tui_request *)r.items[0])->seq,
					 cases[i].first);
		assert_int_equal(r.total, 3);
	}
	assert_false(tui_filter_set(&f, "colour:red", &why));
	assert_non_null(strstr(why, "unknown field"));
	assert_false(tui_filter_set(&f, "a b c d e f g h i", &why));
	assert_false(tui_filter_set(&f, "client:192.0.2.0/33", &why));
	assert_non_null(strstr(why, "LEN 0 to 32"));
	assert_false(tui_filter_set(&f, "client:2001:db8::/129", &why));
	assert_false(tui_filter_set(&f, "client:192.0.2.0/", &why));
	/* Not an address: searched as text, as before. */
	assert_true(tui_filter_set(&f, "path:/ok/24", &why));

	/* Sorts: latency puts the 1 s answer first; status the 503. */
	assert_true(tui_filter_set(&f, "", &why));
	assert_string_equal(tui_table_sort_name(TUI_T_REQUESTS, 1), "latency");
	assert_true(tui_rows_build(&r, TUI_T_REQUESTS, m, &f, 1, 0));
	assert_int_equal(((const struct tui_request *)r.items[0])->seq, 3);
	assert_int_equal(((const struct tui_request *)r.items[2])->seq, 2);
	assert_true(tui_rows_build(&r, TUI_T_REQUESTS, m, &f, 2, 0));
	assert_int_equal(((const struct tui_request *)r.items[0])->status, 503);
	/* Clients by requests; hosts filtered by name. */
	assert_true(tui_rows_build(&r, TUI_T_CLIENTS, m, NULL, 0, 0));
	assert_int_equal(r.n, 3);
	assert_true(tui_filter_set(&f, "host:other", &why));
	assert_true(tui_rows_build(&r, TUI_T_HOSTS, m, &f, 0, 0));
	assert_int_equal(r.n, 1);
	assert_string_equal(((const struct fsc_agg_host *)r.items[0])->name, "other.example");
	tui_rows_free(&r);
	tui_model_free(m);
}

/* Hostile bytes in a path and a host come out escaped in every cell. */
static void cells_escape(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	char buf[512];

	request(m, "GET /a\xc2\x9b" "b\xff HTTP/1.1\r\nHost: evil\xc2\x85.example\r\n\r\n", 1, 1,
		T0, "127.0.0.1");
	const struct tui_request *r = tui_model_request(m, 1);
	assert_non_null(r);
	size_t n;
	tui_table_cols(TUI_T_REQUESTS, &n);
	for (size_t c = 0; c < n; c++) {
		tui_cell(m, TUI_T_REQUESTS, r, c, false, buf, sizeof(buf));
		for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
			assert_true(*p >= 0x20 && *p != 0x7f);
		assert_null(strstr(buf, "\xc2\x9b"));	/* C1 CSI */
	}
	assert_string_equal(cell(m, TUI_T_REQUESTS, r, col(TUI_T_REQUESTS, "HOST")),
			    "evil\\xc2\\x85.example");
	assert_string_equal(cell(m, TUI_T_REQUESTS, r, col(TUI_T_REQUESTS, "PATH")),
			    "/a\\xc2\\x9bb\\xff");
	tui_model_free(m);
}

/* ---------------------------------------------------------------- captures */

static struct tui_model *replay(const char *name, struct fsc_pipeline **plp)
{
	char path[1024], err[256];
	struct fsc_frame f;
	struct fsc_pipeline *pl = fsc_pipeline_new(NULL);
	struct tui_model *m = tui_model_new(NULL, NULL);

	snprintf(path, sizeof(path), "%s/captures/%s", FSC_SRC_DIR, name);
	struct fsc_source *src = fsc_source_open_file(path, NULL, err, sizeof(err));
	if (!src)
		fail_msg("%s: %s", path, err);
	tui_model_set_wg(m, fsc_pipeline_wg(pl));
	while (fsc_source_next(src, &f) == FSC_SRC_FRAME)
		fsc_pipeline_frame(pl, &f, tui_model_event, m);
	fsc_pipeline_flush(pl, tui_model_event, m);
	fsc_source_close(src);
	*plp = pl;
	return m;
}

static void capture_http_xff(void **state)
{
	(void)state;
	struct fsc_pipeline *pl;
	struct tui_model *m = replay("streams/http-xff.pcap", &pl);
	const struct fsc_pipeline_stats *ps = fsc_pipeline_stats(pl);
	const struct tui_totals *t = tui_model_totals(m);

	/* The model saw what the pipeline counted. */
	assert_int_equal(t->frames, ps->frames);
	assert_int_equal(t->requests, ps->events[FSC_EV_HTTP_REQUEST]);
	assert_int_equal(t->responses, ps->events[FSC_EV_HTTP_RESPONSE]);
	assert_int_equal(t->requests, 30);	/* captures/README.md */
	assert_int_equal(t->unmatched_responses, 0);
	/* Every request answered, each latency what the stream measured. */
	for (uint64_t s = tui_model_first_seq(m); s <= tui_model_last_seq(m); s++) {
		const struct tui_request *r = tui_model_request(m, s);
		assert_non_null(r);
		assert_true(r->status >= 200);
		assert_true(r->latency_ns > 0 && r->latency_ns < 100 * MS);
		assert_int_equal(r->resp_ns - r->ts_ns, r->latency_ns);
	}
	struct fsc_addr a;
	addr(&a, "66.249.72.211");
	const struct fsc_agg_client *c = tui_model_client(m, &a);
	assert_non_null(c);
	assert_true(c->requests >= 10);
	tui_model_free(m);
	fsc_pipeline_free(pl);
}

static void capture_wg_tunnel(void **state)
{
	(void)state;
	struct fsc_pipeline *pl;
	struct tui_model *m = replay("wg-tunnel.pcap", &pl);
	struct tui_rows r;

	assert_int_equal(tui_model_totals(m)->wg, 41);	/* captures/README.md */
	tui_rows_init(&r);
	assert_true(tui_rows_build(&r, TUI_T_PEERS, m, NULL, 0, 0));
	assert_int_equal(r.n, 2);
	assert_string_equal(cell(m, TUI_T_PEERS, r.items[0], col(TUI_T_PEERS, "ENDPOINT-A")),
			    "198.18.0.1:41641");
	assert_string_equal(cell(m, TUI_T_PEERS, r.items[0], col(TUI_T_PEERS, "HEALTH")), "ok");
	assert_true(tui_rows_build(&r, TUI_T_SESSIONS, m, NULL, 0, 0));
	assert_int_equal(r.n, 3);
	/* The keepalive cadence of A (persistent-keepalive 2): about 2 s. */
	const char *ka = cell(m, TUI_T_SESSIONS, r.items[0], col(TUI_T_SESSIONS, "KEEPALIVE"));
	assert_true(strncmp(ka, "2.", 2) == 0);
	tui_rows_free(&r);
	tui_model_free(m);
	fsc_pipeline_free(pl);
}

static void capture_dump_runs(void **state)
{
	(void)state;
	struct fsc_pipeline *pl;
	struct tui_model *m = replay("tailscale-debug.pcap", &pl);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	tui_dump(f, m, NULL);
	fclose(f);
	assert_non_null(strstr(buf, "== Requests (1) =="));
	assert_non_null(strstr(buf, "ingress-src"));
	assert_non_null(strstr(buf, "Ingress      src 66.249.72.211:51234 target "
				    "node.example.ts.net:443 answer 101"));
	assert_non_null(strstr(buf, "127.3.3.40:7"));
	free(buf);
	tui_model_free(m);
	fsc_pipeline_free(pl);
}

/* The correlation's lines in Capture: none without the stage; the joins
 * and the proxy model; told per-connection and a pool seen, pooled since
 * the first sign, with their count. */
static void capture_correlation(void **state)
{
	(void)state;
	struct tui_model *m = tui_model_new(NULL, NULL);
	struct fsc_corr_stats cs = { .stories = 3, .proxy = FSC_PROXY_PER_CONNECTION };
	struct lines l = { .n = 0 };

	assert_non_null(m);
	tui_capture_lines(m, collect, &l);
	assert_null(find_line(&l, "proxy"));
	assert_null(find_line(&l, "stories"));
	cs.joins[FSC_SIDE_REQUEST][FSC_JOIN_EXACT] = 2;
	cs.joins[FSC_SIDE_REQUEST][FSC_JOIN_AMBIGUOUS] = 1;
	tui_model_set_corr(m, &cs);
	l.n = 0;
	tui_capture_lines(m, collect, &l);
	assert_string_equal(find_line(&l, "stories"), "3; requests joined exact 2, address+time 0, "
			    "address+data 0, ambiguous 1, none 0");
	assert_string_equal(find_line(&l, "proxy"), "per-connection");
	cs.proxy = FSC_PROXY_POOLED;
	cs.proxy_violations = 2;
	cs.pooled_since_ns = 1700000000123456789;
	l.n = 0;
	tui_capture_lines(m, collect, &l);
	const char *p = find_line(&l, "proxy");
	assert_non_null(p);
	assert_non_null(strstr(p, "pooled since "));
	assert_non_null(strstr(p, " (per-connection given up: 2 signs of a pool)"));
	tui_model_free(m);
}

/* The stage bar (tui_stage_bar) and its figures: runs in the chain's
 * order, one cell for each stretch that took time, the rest by share;
 * unseen stretches (-1, or negative after a clock stepped back) leave no
 * run; the width is always filled. */
static void stage_bar(void **state)
{
	(void)state;
	char buf[64];
	/* edge 0 (seen, no time), ingress 1 ms, tls 2 ms, to_backend unseen,
	 * first byte 6 ms, last byte 1 ms */
	int64_t s[FSC_STRETCH_COUNT] = { 0, 1000000, 2000000, -1, 6000000, 1000000, 10000000 };

	assert_int_equal(tui_stage_bar(s, 10, buf, sizeof(buf)), 10);
	/* 4 cells for the 4 timed stretches, 6 shared 1:2:6:1 -> 0.6 1.2 3.6
	 * 0.6: floors 0 1 3 0; the 2 left to the largest remainders (.6 each
	 * for i, f and l; a tie goes to the earlier stretch): i and f */
	assert_string_equal(buf, "iittfffffl");
	assert_int_equal(tui_stage_bar(s, 4, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "itfl");
	/* narrower than the timed stretches: the first ones keep their cell */
	assert_int_equal(tui_stage_bar(s, 2, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "it");
	tui_stage_figures(s, buf, sizeof(buf));
	assert_string_equal(buf, "e0.000/i1.000/t2.000/f6.000/l1.000");
	/* nothing timed: the last stretch seen fills the bar */
	int64_t z[FSC_STRETCH_COUNT] = { -1, 0, 0, -1, -1, -1, 0 };
	tui_stage_bar(z, 5, buf, sizeof(buf));
	assert_string_equal(buf, "ttttt");
	/* nothing seen, or a stretch gone negative: no run for it */
	int64_t none[FSC_STRETCH_COUNT] = { -1, -1, -1, -1, -1, -1, -1 };
	tui_stage_bar(none, 10, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	tui_stage_figures(none, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	int64_t back[FSC_STRETCH_COUNT] = { -1, -5000, 3000000, -1, -1, -1, -1 };
	tui_stage_bar(back, 6, buf, sizeof(buf));
	assert_string_equal(buf, "tttttt");
	/* a small buffer cuts, and ends with a NUL */
	tui_stage_bar(s, 10, buf, 4);
	assert_string_equal(buf, "iit");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lru_basic),
		cmocka_unit_test(lru_property),
		cmocka_unit_test(pairs_responses),
		cmocka_unit_test(request_index),
		cmocka_unit_test(evicts_oldest),
		cmocka_unit_test(detail_hops_and_loss),
		cmocka_unit_test(forwarded_and_mismatch),
		cmocka_unit_test(rates),
		cmocka_unit_test(filters_and_sorts),
		cmocka_unit_test(cells_escape),
		cmocka_unit_test(capture_http_xff),
		cmocka_unit_test(capture_wg_tunnel),
		cmocka_unit_test(capture_dump_runs),
		cmocka_unit_test(capture_correlation),
		cmocka_unit_test(stage_bar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
