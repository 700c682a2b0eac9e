/* test_agg.c - the one histogram scheme (fsc/hist.h) and the one
 * aggregation (fsc/agg.h): bucket edges, percentile ranks, the cap at the
 * slowest sample, moving a sample to the last byte; hosts normalised,
 * clients by the client rule and from TLS-only traffic, both bound
 * policies (drop and evict), and keys whose hashes collide (hmap.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/agg.h"
#include "fsc/hist.h"
#include "fsc/prom.h"
#include "fsc/streams.h"
#include "../../libdecode/src/hmap.h"

#define US 1000ll
#define MS 1000000ll

/* ---------------------------------------------------------------- hist */

static void hist_edges(void **state)
{
	(void)state;
	assert_int_equal(fsc_hist_edge_ns(0), 1000);
	assert_int_equal(fsc_hist_edge_ns(4), 2000);
	assert_int_equal(fsc_hist_edge_ns(40), 1024000);
	/* Below 1 us; on an edge: the bucket above it (edges are upper,
	 * exclusive bounds). */
	assert_int_equal(fsc_hist_bucket(0), 0);
	assert_int_equal(fsc_hist_bucket(999), 0);
	assert_int_equal(fsc_hist_bucket(1000), 1);
	assert_int_equal(fsc_hist_bucket(2000), 5);
	assert_int_equal(fsc_hist_bucket(1999), 4);
	assert_int_equal(fsc_hist_bucket(INT64_MAX), FSC_HIST_BUCKETS - 1);
	for (unsigned b = 1; b < FSC_HIST_BUCKETS; b++) {
		assert_true(fsc_hist_edge_ns(b) > fsc_hist_edge_ns(b - 1));
		assert_int_equal(fsc_hist_bucket(fsc_hist_edge_ns(b) - 1), b);
	}
}

static void hist_percentiles(void **state)
{
	(void)state;
	struct fsc_hist h;

	memset(&h, 0, sizeof(h));
	assert_int_equal(fsc_hist_percentile(&h, 0.5), 0);
	/* Ten samples 1..10 ms: p90 is the 9th (0.9 * 10 is 9.000000000000002
	 * in floating point, which must not become the 10th). */
	for (int i = 1; i <= 10; i++)
		fsc_hist_add(&h, i * MS);
	assert_int_equal(h.n, 10);
	assert_int_equal(h.sum_ns, 55 * MS);
	int64_t p90 = fsc_hist_percentile(&h, 0.9);
	assert_true(p90 >= 9 * MS && p90 < 10 * MS);
	/* p100 and p99 are the slowest sample itself, not its bucket's edge. */
	assert_int_equal(fsc_hist_percentile(&h, 1.0), 10 * MS);
	assert_int_equal(fsc_hist_percentile(&h, 0.99), 10 * MS);
	int64_t p50 = fsc_hist_percentile(&h, 0.5);
	assert_true(p50 >= 5 * MS && p50 <= 5 * MS * 1190 / 1000);
	/* One sample moves to the last byte. */
	fsc_hist_move(&h, 10 * MS, 40 * MS);
	assert_int_equal(fsc_hist_percentile(&h, 1.0), 40 * MS);
	assert_int_equal(h.sum_ns, 85 * MS);
	assert_int_equal(fsc_hist_count_le(&h, fsc_hist_edge_ns(fsc_hist_bucket(10 * MS))), 9);
	/* A move from a value no sample has does nothing. */
	fsc_hist_move(&h, 3 * US, 1 * MS);
	assert_int_equal(h.n, 10);
	assert_int_equal(h.sum_ns, 85 * MS);
}

/* ---------------------------------------------------------------- hmap */

static void hmap_same_key(void **state)
{
	(void)state;
	struct hmap h;
	uint32_t pos = 0, seen = 0, v;

	assert_true(hmap_init(&h, 8));
	assert_true(hmap_add(&h, 42, 1));
	assert_true(hmap_add(&h, 42, 2));
	assert_true(hmap_add(&h, 7, 3));
	while ((v = hmap_next(&h, 42, &pos)) != HMAP_NONE)
		seen |= 1u << v;
	assert_int_equal(seen, (1u << 1) | (1u << 2));
	hmap_del(&h, 42, 1);
	pos = 0;
	assert_int_equal(hmap_next(&h, 42, &pos), 2);
	assert_int_equal(hmap_next(&h, 42, &pos), HMAP_NONE);
	assert_int_equal(hmap_get(&h, 7), 3);
	hmap_free(&h);
}

/* ---------------------------------------------------------------- agg */

struct ev {
	struct fsc_http_header host;
	struct fsc_http_info info;
	struct fsc_http_head head;
	struct fsc_client client;
	struct fsc_tls_client_hello hello;
	struct fsc_stream_event se;
	struct fsc_event ev;
};

static struct ev E;

static void request(struct fsc_agg *a, const char *host, const char *client, int64_t ts)
{
	memset(&E, 0, sizeof(E));
	E.host.value = host;
	E.host.value_len = strlen(host);
	E.info.host = &E.host;
	E.client.rule = FSC_CLIENT_XFF_SINGLE;
	assert_true(fsc_addr_parse(client, &E.client.addr));
	E.se.type = FSC_EV_HTTP_REQUEST;
	E.se.ts_ns = ts;
	E.se.u.req.info = &E.info;
	E.se.u.req.client = &E.client;
	E.ev.type = FSC_EV_HTTP_REQUEST;
	E.ev.ts_ns = ts;
	E.ev.stream = &E.se;
	fsc_agg_event(a, &E.ev);
}

static void response(struct fsc_agg *a, const char *host, int status, int64_t latency)
{
	memset(&E, 0, sizeof(E));
	E.head.status = status;
	E.se.type = FSC_EV_HTTP_RESPONSE;
	E.se.u.resp.head = &E.head;
	E.se.u.resp.matched = true;
	E.se.u.resp.latency_ns = latency;
	E.se.u.resp.host = host;
	E.ev.type = FSC_EV_HTTP_RESPONSE;
	E.ev.stream = &E.se;
	fsc_agg_event(a, &E.ev);
}

static void response_end(struct fsc_agg *a, const char *host, int64_t first, int64_t last)
{
	memset(&E, 0, sizeof(E));
	E.se.type = FSC_EV_HTTP_RESPONSE_END;
	E.se.u.resp_end.host = host;
	E.se.u.resp_end.first_ns = first;
	E.se.u.resp_end.last_ns = last;
	E.ev.type = FSC_EV_HTTP_RESPONSE_END;
	E.ev.stream = &E.se;
	fsc_agg_event(a, &E.ev);
}

static void hello(struct fsc_agg *a, const char *sni, const char *src)
{
	memset(&E, 0, sizeof(E));
	E.hello.has_sni = true;
	E.hello.sni.p = (const uint8_t *)sni;
	E.hello.sni.len = strlen(sni);
	assert_true(fsc_addr_parse(src, &E.se.src));
	E.se.type = FSC_EV_TLS_CLIENT_HELLO;
	E.se.u.hello.h = &E.hello;
	E.ev.type = FSC_EV_TLS_CLIENT_HELLO;
	E.ev.stream = &E.se;
	fsc_agg_event(a, &E.ev);
}

static void hosts_and_latency(void **state)
{
	(void)state;
	struct fsc_agg *a = fsc_agg_new(NULL);
	char name[FSC_AGG_NAME_MAX];

	assert_non_null(a);
	assert_int_equal(fsc_agg_name("Node.Example.ts.net.:443", 24, name), 19);
	assert_string_equal(name, "node.example.ts.net");
	fsc_agg_name("[::1]:80", 8, name);
	assert_string_equal(name, "[::1]");
	fsc_agg_name("fe80::1", 7, name);
	assert_string_equal(name, "fe80::1");
	assert_true(fsc_agg_same_name("A.example:80", 12, "a.example.", 10));

	request(a, "Node.example.ts.net:443", "192.0.2.1", 1);
	request(a, "node.example.ts.net.", "192.0.2.1", 2);
	response(a, "node.example.ts.net", 100, 1 * MS); /* interim: no answer */
	response(a, "node.example.ts.net", 200, 1 * MS);
	response(a, "NODE.example.ts.net:443", 503, 2 * MS);
	response_end(a, "node.example.ts.net", 2 * MS, 30 * MS);
	hello(a, "node.example.ts.net", "198.51.100.9");
	assert_int_equal(fsc_agg_host_count(a), 1);
	const struct fsc_agg_host *h = fsc_agg_host(a, "NODE.EXAMPLE.TS.NET", 19);
	assert_non_null(h);
	assert_int_equal(h->requests, 2);
	assert_int_equal(h->responses, 2);
	assert_int_equal(h->sni, 1);
	assert_int_equal(h->status[2], 1);
	assert_int_equal(h->status[5], 1);
	assert_int_equal(h->status[1], 0);
	assert_int_equal(fsc_hist_percentile(&h->first_byte, 1.0), 2 * MS);
	assert_int_equal(fsc_hist_percentile(&h->last_byte, 1.0), 30 * MS);
	assert_int_equal(fsc_agg_stats(a)->codes[100], 1);
	assert_int_equal(fsc_agg_stats(a)->codes[503], 1);
	/* HTTP is visible: the ClientHello's sender is no client. */
	assert_int_equal(fsc_agg_client_count(a), 1);
	fsc_agg_free(a);
}

static void tls_only_clients(void **state)
{
	(void)state;
	struct fsc_agg *a = fsc_agg_new(NULL);
	struct fsc_addr x;
	const struct fsc_agg_client *list[4];

	hello(a, "a.example", "198.51.100.9");
	hello(a, "b.example", "198.51.100.9");
	hello(a, "a.example", "203.0.113.1");
	assert_int_equal(fsc_agg_client_count(a), 2);
	assert_int_equal(fsc_agg_clients(a, list, 4), 2);
	assert_true(fsc_addr_parse("198.51.100.9", &x));
	assert_int_equal(fsc_agg_client(a, &x)->hellos, 2);
	assert_int_equal(fsc_agg_stats(a)->clients_new, 2);
	fsc_agg_free(a);
}

static void bounds(void **state)
{
	(void)state;
	struct fsc_agg_limits drop = { .max_hosts = 2, .max_clients = 2 };
	struct fsc_agg_limits evict = { .max_hosts = 2, .max_clients = 2, .evict = true };
	struct fsc_agg *d = fsc_agg_new(&drop), *e = fsc_agg_new(&evict);
	const char *hosts[] = { "h1", "h2", "h3", "h1", "h4" };
	const char *clients[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.1",
				  "192.0.2.4" };
	struct fsc_addr x;

	for (int i = 0; i < 5; i++) {
		request(d, hosts[i], clients[i], i);
		request(e, hosts[i], clients[i], i);
	}
	/* Drop: the first two stay; h3, h4 and their clients are counted. */
	assert_int_equal(fsc_agg_stats(d)->hosts_dropped, 2);
	assert_int_equal(fsc_agg_stats(d)->clients_dropped, 2);
	assert_int_equal(fsc_agg_host(d, "h1", 2)->requests, 2);
	assert_non_null(fsc_agg_host(d, "h2", 2));
	assert_null(fsc_agg_host(d, "h4", 2));
	/* Evict: h3 takes h1's place, h1 (again) h2's, h4 h3's. */
	assert_int_equal(fsc_agg_stats(e)->hosts_evicted, 3);
	assert_int_equal(fsc_agg_stats(e)->clients_evicted, 3);
	assert_non_null(fsc_agg_host(e, "h1", 2));
	assert_non_null(fsc_agg_host(e, "h4", 2));
	assert_null(fsc_agg_host(e, "h2", 2));
	assert_null(fsc_agg_host(e, "h3", 2));
	assert_int_equal(fsc_agg_host(e, "h1", 2)->requests, 1);
	assert_true(fsc_addr_parse("192.0.2.4", &x));
	assert_non_null(fsc_agg_client(e, &x));
	assert_int_equal(fsc_agg_host_count(e), 2);
	fsc_agg_free(d);
	fsc_agg_free(e);
}

/* Label values: the format's three escapes, %XX for the rest, and no two
 * names alike after escaping (an attacker's Host must not merge series or
 * break the exposition). */
static void prom_labels(void **state)
{
	(void)state;
	char out[64];

	assert_int_equal(fsc_prom_label("a\"b\\c\nd", 7, out, sizeof(out)), 10);
	assert_string_equal(out, "a\\\"b\\\\c\\nd");
	fsc_prom_label("x\x80\x01%y", 5, out, sizeof(out));
	assert_string_equal(out, "x%80%01%25y");
	fsc_prom_label("x%80", 4, out, sizeof(out));
	assert_string_equal(out, "x%2580");
	fsc_prom_label("a\0b", 3, out, sizeof(out));
	assert_string_equal(out, "a%00b");
	/* Cut at a whole escape. */
	assert_int_equal(fsc_prom_label("ab\x80", 3, out, 5), 2);
	assert_string_equal(out, "ab");
}

static void endpoints(void **state)
{
	(void)state;
	struct fsc_agg *a = fsc_agg_new(NULL);
	struct fsc_tunnel_msg tun;
	struct fsc_packet pkt;
	struct fsc_event ev;
	const struct fsc_agg_endpoint *e[2];

	memset(&tun, 0, sizeof(tun));
	memset(&pkt, 0, sizeof(pkt));
	memset(&ev, 0, sizeof(ev));
	assert_true(fsc_addr_parse("198.18.0.1", &pkt.src));
	assert_true(fsc_addr_parse("198.18.1.1", &pkt.dst));
	pkt.sport = 41641;
	pkt.dport = 3478;
	ev.type = FSC_EV_STUN;
	ev.pkt = &pkt;
	ev.tun = &tun;
	tun.u.stun.cls = FSC_STUN_REQUEST;
	fsc_agg_event(a, &ev);
	/* The answer, the other way round: the same pair. */
	struct fsc_addr t = pkt.src;
	pkt.src = pkt.dst;
	pkt.dst = t;
	pkt.sport = 3478;
	pkt.dport = 41641;
	tun.u.stun.cls = FSC_STUN_SUCCESS;
	tun.u.stun.has_mapped = true;
	assert_true(fsc_addr_parse("203.0.113.7", &tun.u.stun.mapped));
	fsc_agg_event(a, &ev);
	ev.type = FSC_EV_DISCO;
	fsc_agg_event(a, &ev);
	assert_int_equal(fsc_agg_endpoints(a, e, 2), 1);
	assert_int_equal(e[0]->stun_req, 1);
	assert_int_equal(e[0]->stun_resp, 1);
	assert_int_equal(e[0]->disco, 1);
	assert_true(e[0]->has_mapped);
	assert_int_equal(e[0]->port[0], 41641); /* the first seen sending */
	fsc_agg_free(a);
}

static void to_buf(void *ctx, const char *p, size_t n)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	assert_true(len + n < 1 << 20);
	memcpy(buf + len, p, n);
	buf[len + n] = '\0';
}

static void count_client_geo(void *ctx, struct fsc_agg_client *c)
{
	(void)ctx;
	/* Clients 192.0.2.1..5: country C1..C5, AS 1..5. */
	char cc[4] = { 'C', (char)('0' + c->addr.b[3] % 10), '\0', '\0' };
	fsc_agg_client_geo(c, cc, c->addr.b[3], "");
}

/* Bounded cardinality: the `top` busiest hosts and countries by name, the
 * rest added up as "other". */
static void prom_top(void **state)
{
	(void)state;
	struct fsc_agg *a = fsc_agg_new(NULL);
	static char out[1 << 20];
	char host[16], client[16];

	fsc_agg_on_client(a, count_client_geo, NULL);
	/* h1 gets 5 requests, h2 4, ... h5 1. */
	for (int h = 1; h <= 5; h++)
		for (int k = 0; k < 6 - h; k++) {
			snprintf(host, sizeof(host), "h%d", h);
			snprintf(client, sizeof(client), "192.0.2.%d", h);
			request(a, host, client, k);
		}
	struct fsc_prom_input in = { .agg = a, .geo = true, .top = 2 };
	out[0] = '\0';
	assert_true(fsc_prom_write(&in, to_buf, out));
	assert_non_null(strstr(out, "funnelscope_http_requests_total{host=\"h1\",origin=\"tailnet\"} 5\n"));
	assert_non_null(strstr(out, "funnelscope_http_requests_total{host=\"h2\",origin=\"tailnet\"} 4\n"));
	assert_null(strstr(out, "host=\"h3\""));
	assert_non_null(strstr(out, "funnelscope_http_requests_total{host=\"other\",origin=\"tailnet\"} 6\n"));
	assert_non_null(strstr(out, "funnelscope_clients 5\n"));
	assert_non_null(strstr(out, "funnelscope_clients_by_country{country=\"other\"} 3\n"));
	assert_non_null(strstr(out, "funnelscope_clients_by_asn{asn=\"other\"} 3\n"));
	assert_non_null(strstr(out, "# TYPE funnelscope_http_response_duration_seconds histogram\n"));
	fsc_agg_free(a);
}

/* An actor's clients (fnode, fedge): met first hand, counted as events
 * would count them, and rendered alone under a prefix, with the top and
 * "other" of the full exposition. */
static void clients_seen(void **state)
{
	(void)state;
	struct fsc_agg_limits lim = { .max_hosts = 1, .max_endpoints = 1, .evict = true };
	struct fsc_agg *a = fsc_agg_new(&lim);
	static char out[1 << 16];
	char client[16];
	struct fsc_addr x;

	fsc_agg_on_client(a, count_client_geo, NULL);
	for (int i = 1; i <= 4; i++) {
		snprintf(client, sizeof(client), "192.0.2.%d", i);
		assert_true(fsc_addr_parse(client, &x));
		fsc_agg_client_seen(a, &x, i == 4 ? FSC_AGG_SEEN_INGRESS : FSC_AGG_SEEN_REQUEST,
				    100 * MS);
		fsc_agg_client_seen(a, &x, FSC_AGG_SEEN_REQUEST, 200 * MS);
	}
	assert_int_equal(fsc_agg_stats(a)->clients_new, 4);
	assert_int_equal(fsc_agg_client_count(a), 4);
	assert_int_equal(fsc_agg_client(a, &x)->ingress, 1);
	assert_int_equal(fsc_agg_client(a, &x)->requests, 1);
	assert_int_equal(fsc_agg_now(a), 200 * MS);
	struct fsc_prom_input in = { .agg = a, .geo = true, .top = 2, .now_ns = 200 * MS,
				     .prefix = "funnelscope_node_", .clients_only = true };
	out[0] = '\0';
	assert_true(fsc_prom_write(&in, to_buf, out));
	assert_non_null(strstr(out, "# TYPE funnelscope_node_clients_new_total counter\n"
				    "funnelscope_node_clients_new_total 4\n"));
	assert_non_null(strstr(out, "funnelscope_node_clients_new_last_minute 4\n"));
	assert_non_null(strstr(out, "funnelscope_node_clients_by_country{country=\"other\"} 2\n"));
	assert_non_null(strstr(out, "funnelscope_node_table_evicted_total{table=\"clients\"} 0\n"));
	/* the clients alone: no host series, no name outside the prefix */
	assert_null(strstr(out, "http_"));
	assert_null(strstr(out, "table=\"hosts\""));
	for (const char *p = out; (p = strstr(p, "funnelscope_")); p++)
		assert_memory_equal(p, "funnelscope_node_", 17);
	fsc_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hist_edges),
		cmocka_unit_test(hist_percentiles),
		cmocka_unit_test(hmap_same_key),
		cmocka_unit_test(hosts_and_latency),
		cmocka_unit_test(tls_only_clients),
		cmocka_unit_test(bounds),
		cmocka_unit_test(prom_labels),
		cmocka_unit_test(endpoints),
		cmocka_unit_test(prom_top),
		cmocka_unit_test(clients_seen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
