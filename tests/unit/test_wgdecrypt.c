/* test_wgdecrypt.c - decryption by a passive observer: which key sets open
 * which messages (refpair.md §3's table), handshake_ok and the reasons
 * transport stays closed, PSK binding, pcapng secrets blocks, and inner
 * flows kept apart from wire flows of the same addresses and ports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/flow.h"
#include "fsc/wgdecrypt.h"
#include "fsc/wgkeylog.h"
#include "fsc/wgnoise.h"

static struct fsc_wgnoise *nz;

struct side {
	struct fsc_wgnoise_identity id;
	struct fsc_wgnoise_peer peer;
	struct fsc_wgnoise_handshake hs;
	struct fsc_wgnoise_keypair kp;
	uint8_t eph[32];
};

/* One exchange: initiation, response, one transport each way. */
struct exchange {
	struct side i, r;
	uint8_t init[148], resp[92], to_r[64], to_i[64];
	size_t to_r_len, to_i_len;
	uint8_t inner[20];
};

static void fill(uint8_t *p, size_t n, uint8_t s)
{
	for (size_t k = 0; k < n; k++)
		p[k] = (uint8_t)(s * 17 + k * 5 + 1);
}

static void make_exchange(struct exchange *x, const uint8_t *psk)
{
	uint8_t k[32], ts[12], who[32];

	memset(x, 0, sizeof(*x));
	fill(k, 32, 1);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &x->i.id, k, NULL), FSC_OK);
	fill(k, 32, 2);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &x->r.id, k, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &x->i.peer, &x->i.id, x->r.id.pub, psk,
					      NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &x->r.peer, &x->r.id, x->i.id.pub, psk,
					      NULL), FSC_OK);
	fill(x->i.eph, 32, 3);
	fill(x->r.eph, 32, 4);
	fsc_wgnoise_clamp(x->i.eph);
	fsc_wgnoise_clamp(x->r.eph);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &x->i.id, &x->i.peer, &x->i.hs,
						       x->i.eph, 0x1001, ts, 0, x->init,
						       NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &x->r.id, x->init, 148,
							&x->r.hs, who, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &x->r.peer, &x->r.hs, x->init,
						       148, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_response_create(nz, &x->r.id, &x->r.peer, &x->r.hs,
						     x->r.eph, 0x2002, 0, x->resp, NULL),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_response_consume(nz, &x->i.id, &x->i.peer, &x->i.hs,
						      x->resp, 92, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &x->i.hs, &x->i.kp, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &x->r.hs, &x->r.kp, NULL), FSC_OK);
	x->inner[0] = 0x45; /* an IPv4 header's first byte */
	fill(x->inner + 1, 19, 9);
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &x->i.kp, x->inner, 20, 0, x->to_r,
						    sizeof(x->to_r), &x->to_r_len, NULL),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &x->r.kp, x->inner, 20, 0, x->to_i,
						    sizeof(x->to_i), &x->to_i_len, NULL),
			 FSC_OK);
}

static void add_line(struct fsc_wgkeylog_set *s, enum fsc_wgkeylog_type t,
		     const uint8_t key[32])
{
	char line[FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_format(line, sizeof(line), t, key);

	fsc_wgkeylog_set_add_text(s, line, n);
}

/* Runs the exchange through a decryptor over keys; notes in out[4]. */
static void observe(const struct exchange *x, struct fsc_wgkeylog_set *keys,
		    struct fsc_wgd_note out[4], uint8_t plain[2][64])
{
	struct fsc_wgdecrypt *d = fsc_wgdecrypt_new(keys, NULL, 0);
	const uint8_t *msgs[4] = { x->init, x->resp, x->to_r, x->to_i };
	size_t lens[4] = { 148, 92, x->to_r_len, x->to_i_len };

	assert_non_null(d);
	for (int k = 0; k < 4; k++) {
		struct fsc_wg_msg m;
		assert_int_equal(fsc_wg_decode(msgs[k], lens[k], &m, NULL), FSC_OK);
		fsc_wgdecrypt_msg(d, msgs[k], lens[k], &m, 7, true, &out[k]);
		if (k >= 2 && out[k].result == FSC_WGD_OK) {
			assert_int_equal(out[k].plain_len, 32); /* padded */
			memcpy(plain[k - 2], out[k].plain, out[k].plain_len);
		}
	}
	fsc_wgdecrypt_free(d);
}

static void expect_all_open(const struct exchange *x, struct fsc_wgkeylog_set *keys)
{
	struct fsc_wgd_note n[4];
	uint8_t plain[2][64];

	observe(x, keys, n, plain);
	assert_int_equal(n[0].result, FSC_WGD_OK);
	assert_true(n[0].have_static && n[0].have_timestamp);
	assert_memory_equal(n[0].initiator_static, x->i.id.pub, 32);
	assert_int_equal(n[1].result, FSC_WGD_OK);
	assert_int_equal(n[1].handshake_ok, 1);
	for (int k = 2; k < 4; k++) {
		assert_int_equal(n[k].result, FSC_WGD_OK);
		assert_int_equal(n[k].session, 7);
		assert_memory_equal(plain[k - 2], x->inner, 20);
	}
}

static void initiator_keys(void **state)
{
	struct exchange x;
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);

	(void)state;
	make_exchange(&x, NULL);
	add_line(s, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x.i.id.priv);
	add_line(s, FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY, x.r.id.pub);
	add_line(s, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x.i.eph);
	expect_all_open(&x, s);
	fsc_wgkeylog_set_free(s);
}

static void responder_keys(void **state)
{
	struct exchange x;
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);

	(void)state;
	make_exchange(&x, NULL);
	/* no remote public key needed: the initiation names the initiator */
	add_line(s, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x.r.id.priv);
	add_line(s, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x.r.eph);
	expect_all_open(&x, s);
	fsc_wgkeylog_set_free(s);
}

/* refpair.md §3: static keys only open the initiation, not the rest. */
static void static_keys_only(void **state)
{
	struct exchange x;
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);
	struct fsc_wgd_note n[4];
	uint8_t plain[2][64];

	(void)state;
	make_exchange(&x, NULL);
	add_line(s, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x.r.id.priv);
	add_line(s, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x.i.id.priv);
	observe(&x, s, n, plain);
	assert_int_equal(n[0].result, FSC_WGD_OK);
	assert_true(n[0].have_timestamp);
	assert_int_equal(n[1].result, FSC_WGD_NO_KEY);
	assert_int_equal(n[1].handshake_ok, -1);
	assert_int_equal(n[2].result, FSC_WGD_NO_KEY);
	fsc_wgkeylog_set_free(s);

	/* ephemeral without the initiator's static key: nothing opens */
	s = fsc_wgkeylog_set_new(0, 0, 0);
	add_line(s, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x.i.eph);
	observe(&x, s, n, plain);
	assert_int_equal(n[0].result, FSC_WGD_NO_KEY);
	assert_int_equal(n[3].result, FSC_WGD_NO_KEY);
	fsc_wgkeylog_set_free(s);
}

static void psk_binding(void **state)
{
	struct exchange x;
	uint8_t psk[32];
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);
	struct fsc_wgd_note n[4];
	uint8_t plain[2][64];

	(void)state;
	fill(psk, 32, 42);
	make_exchange(&x, psk);
	/* without the PSK line the response does not authenticate */
	add_line(s, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x.i.id.priv);
	add_line(s, FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY, x.r.id.pub);
	add_line(s, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x.i.eph);
	observe(&x, s, n, plain);
	assert_int_equal(n[0].result, FSC_WGD_OK);
	assert_int_equal(n[1].result, FSC_WGD_AUTH_FAILED);
	assert_int_equal(n[1].handshake_ok, 0);
	assert_int_equal(n[2].result, FSC_WGD_NO_KEY);
	/* the PSK line after the ephemeral (a repeat of it binds again) */
	add_line(s, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x.i.eph);
	add_line(s, FSC_WGKEYLOG_PRESHARED_KEY, psk);
	assert_int_equal(s->n_eph, 1);
	expect_all_open(&x, s);
	fsc_wgkeylog_set_free(s);
}

/* An exchange, and a decryptor over the responder's static and
 * ephemeral keys (*keys to free after it). */
static struct fsc_wgdecrypt *responder_side(struct exchange *x,
					    struct fsc_wgkeylog_set **keys)
{
	struct fsc_wgdecrypt *d;

	make_exchange(x, NULL);
	*keys = fsc_wgkeylog_set_new(0, 0, 0);
	assert_non_null(*keys);
	add_line(*keys, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, x->r.id.priv);
	add_line(*keys, FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, x->r.eph);
	d = fsc_wgdecrypt_new(*keys, NULL, 0);
	assert_non_null(d);
	return d;
}

static void transport_reasons(void **state)
{
	struct exchange x;
	struct fsc_wgkeylog_set *s;
	struct fsc_wgdecrypt *d = responder_side(&x, &s);
	struct fsc_wg_msg m;
	struct fsc_wgd_note n;

	(void)state;
	/* before its handshake: the caller says whether the index was seen */
	assert_int_equal(fsc_wg_decode(x.to_r, x.to_r_len, &m, NULL), FSC_OK);
	fsc_wgdecrypt_msg(d, x.to_r, x.to_r_len, &m, 1, false, &n);
	assert_int_equal(n.result, FSC_WGD_NO_HANDSHAKE);
	fsc_wgdecrypt_msg(d, x.to_r, x.to_r_len, &m, 1, true, &n);
	assert_int_equal(n.result, FSC_WGD_NO_KEY);
	assert_int_equal(fsc_wg_decode(x.init, 148, &m, NULL), FSC_OK);
	fsc_wgdecrypt_msg(d, x.init, 148, &m, 1, true, &n);
	assert_int_equal(fsc_wg_decode(x.resp, 92, &m, NULL), FSC_OK);
	fsc_wgdecrypt_msg(d, x.resp, 92, &m, 1, true, &n);
	assert_int_equal(n.handshake_ok, 1);
	/* a flipped byte: auth failure; then the good one opens (no replay
	 * rule for an observer: the same message twice opens twice) */
	x.to_r[20] ^= 1;
	assert_int_equal(fsc_wg_decode(x.to_r, x.to_r_len, &m, NULL), FSC_OK);
	fsc_wgdecrypt_msg(d, x.to_r, x.to_r_len, &m, 1, true, &n);
	assert_int_equal(n.result, FSC_WGD_AUTH_FAILED);
	assert_null(n.plain);
	x.to_r[20] ^= 1;
	for (int k = 0; k < 2; k++) {
		fsc_wgdecrypt_msg(d, x.to_r, x.to_r_len, &m, 1, true, &n);
		assert_int_equal(n.result, FSC_WGD_OK);
	}
	const struct fsc_wgd_stats *st = fsc_wgdecrypt_stats(d);
	assert_int_equal(st->transport[FSC_WGD_OK], 2);
	assert_int_equal(st->transport[FSC_WGD_AUTH_FAILED], 1);
	assert_int_equal(st->transport[FSC_WGD_NO_KEY], 1);
	assert_int_equal(st->transport[FSC_WGD_NO_HANDSHAKE], 1);
	assert_string_equal(fsc_wgd_result_name(FSC_WGD_NO_HANDSHAKE), "no-handshake");
	fsc_wgdecrypt_free(d);
	fsc_wgkeylog_set_free(s);
}

/* A handshake message under another index: the index is outside the
 * Noise transcript, so only mac1 (over everything before it) is redone,
 * keyed by the receiver's static public key. */
static void reindex(uint8_t *msg, size_t at, uint32_t index, size_t mac1_at,
		    const uint8_t receiver_pub[32])
{
	uint8_t key[32];

	for (int b = 0; b < 4; b++)
		msg[at + (size_t)b] = (uint8_t)(index >> (8 * b));
	assert_true(fsc_wgnoise_hash(nz, key, (const uint8_t *)"mac1----", 8, receiver_pub, 32));
	assert_true(fsc_wgnoise_mac(nz, msg + mac1_at, 16, key, 32, msg, mac1_at));
}

/* Bounded: past FSC_WGD_MAX_PENDING handshakes waiting for a response,
 * the one made longest ago gives way, and only it. */
static void pending_bound(void **state)
{
	struct exchange x;
	struct fsc_wgkeylog_set *s;
	struct fsc_wgdecrypt *d = responder_side(&x, &s);
	struct fsc_wg_msg m;
	struct fsc_wgd_note n;
	uint8_t init[148], resp[92];
	const uint32_t last = FSC_WGD_MAX_PENDING + 1;

	(void)state;
	for (uint32_t k = 1; k <= last; k++) {
		memcpy(init, x.init, sizeof(init));
		reindex(init, 4, k, 116, x.r.id.pub);
		assert_int_equal(fsc_wg_decode(init, 148, &m, NULL), FSC_OK);
		fsc_wgdecrypt_msg(d, init, 148, &m, k, true, &n);
		assert_int_equal(n.result, FSC_WGD_OK);
	}
	assert_int_equal(fsc_wgdecrypt_stats(d)->pending_replaced, 1);
	/* The response to the first initiation finds nothing; to the second
	 * and the last, its handshake. */
	const uint32_t to[3] = { 1, 2, last };
	for (int k = 0; k < 3; k++) {
		memcpy(resp, x.resp, sizeof(resp));
		reindex(resp, 8, to[k], 60, x.i.id.pub);
		assert_int_equal(fsc_wg_decode(resp, 92, &m, NULL), FSC_OK);
		fsc_wgdecrypt_msg(d, resp, 92, &m, to[k], true, &n);
		assert_int_equal(n.result, k == 0 ? FSC_WGD_NO_KEY : FSC_WGD_OK);
		assert_int_equal(n.handshake_ok, k == 0 ? -1 : 1);
	}
	fsc_wgdecrypt_free(d);
	fsc_wgkeylog_set_free(s);
}

static void put32(FILE *f, uint32_t v, bool be)
{
	uint8_t b[4];

	for (int k = 0; k < 4; k++)
		b[k] = (uint8_t)(be ? v >> (24 - 8 * k) : v >> (8 * k));
	fwrite(b, 1, 4, f);
}

/* A pcapng section: SHB, IDB, then a DSB holding text; in either order. */
static void write_pcapng(const char *path, bool be, const char *text)
{
	FILE *f = fopen(path, "wb");
	uint32_t tl = (uint32_t)strlen(text), pad = (4 - tl % 4) % 4;

	assert_non_null(f);
	put32(f, 0x0A0D0D0A, be);
	put32(f, 28, be);
	put32(f, 0x1A2B3C4D, be);
	put32(f, be ? 0x00010000 : 0x00000001, be); /* version 1.0 */
	put32(f, 0xffffffff, be);
	put32(f, 0xffffffff, be);
	put32(f, 28, be);
	put32(f, 1, be); /* IDB */
	put32(f, 20, be);
	put32(f, be ? 0x00650000 : 101, be);
	put32(f, 65535, be);
	put32(f, 20, be);
	put32(f, 0x0000000A, be); /* DSB */
	put32(f, 20 + tl + pad, be);
	put32(f, 0x57474b4c, be);
	put32(f, tl, be);
	fwrite(text, 1, tl, f);
	fwrite("\0\0\0", 1, pad, f);
	put32(f, 20 + tl + pad, be);
	fclose(f);
}

static void secrets_blocks(void **state)
{
	static const char text[] =
		"LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=\n"
		"REMOTE_STATIC_PUBLIC_KEY=bxA1Tl+21k8+seyC2hqT9cSj8ikrmLdeQS9Rt7k6bB8=";
	char path[] = "/tmp/test_wgdecrypt.XXXXXX";
	char err[128];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	for (int be = 0; be < 2; be++) {
		struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);
		write_pcapng(path, be, text);
		assert_int_equal(fsc_wgd_pcapng_secrets(path, s, err, sizeof(err)), 1);
		assert_int_equal(s->n_static_priv, 1);
		assert_int_equal(s->n_remote_pub, 1);
		fsc_wgkeylog_set_free(s);
	}
	/* a classic pcap has none */
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);
	assert_int_equal(fsc_wgd_pcapng_secrets(FSC_SRC_DIR "/captures/wg-tunnel.pcap", s,
						err, sizeof(err)), 0);
	fsc_wgkeylog_set_free(s);
	unlink(path);

	/* the body parser: lengths that lie, another secrets type */
	uint8_t body[16] = { 0x4c, 0x4b, 0x47, 0x57, 4, 0, 0, 0, 'a', 'b', 'c', 'd' };
	const uint8_t *t;
	size_t tlen;
	const char *why;
	assert_int_equal(fsc_wgd_dsb_body(body, 12, false, &t, &tlen, &why), FSC_OK);
	assert_ptr_equal(t, body + 8);
	assert_int_equal(tlen, 4);
	assert_int_equal(fsc_wgd_dsb_body(body, 11, false, &t, &tlen, &why), FSC_MALFORMED);
	assert_int_equal(fsc_wgd_dsb_body(body, 7, false, &t, &tlen, &why), FSC_TRUNCATED);
	assert_int_equal(fsc_wgd_dsb_body(body, 12, true, &t, &tlen, &why), FSC_NOT_THIS);
	body[0] = 0x4b; /* TLS key log type 0x544c534b */
	assert_int_equal(fsc_wgd_dsb_body(body, 12, false, &t, &tlen, &why), FSC_NOT_THIS);
}

static bool on_open(void *ctx, struct fsc_flow *f, const struct fsc_packet *pkt,
		    int64_t ts)
{
	(void)f, (void)pkt, (void)ts;
	(*(int *)ctx)++;
	return false;
}

/* The same addresses and ports inside a tunnel and on the wire: two flows. */
static void flows_apart(void **state)
{
	int opened = 0;
	struct fsc_flow_handler h = { .on_open = on_open, .ctx = &opened };
	struct fsc_flow_limits lim = { .max_flows = 16 };
	struct fsc_flows *t = fsc_flows_new(&lim, &h);
	struct fsc_packet p;
	const struct fsc_flow *f1, *f2, *f3;

	(void)state;
	assert_non_null(t);
	memset(&p, 0, sizeof(p));
	fsc_addr_parse("100.64.0.1", &p.src);
	fsc_addr_parse("100.64.0.2", &p.dst);
	p.ipver = 4;
	p.proto = 6;
	p.sport = 40000;
	p.dport = 80;
	p.layer = FSC_LAYER_PAYLOAD;
	p.tcp_flags = FSC_TCP_SYN;
	f1 = fsc_flows_packet(t, &p, 1, NULL);
	p.tunnel = 3;
	f2 = fsc_flows_packet(t, &p, 2, NULL);
	assert_non_null(f1);
	assert_non_null(f2);
	assert_ptr_not_equal(f1, f2);
	assert_int_equal(fsc_flow_tunnel(f1), 0);
	assert_int_equal(fsc_flow_tunnel(f2), 3);
	/* the tunnel's SYN/ACK joins the tunnel's flow */
	fsc_addr_parse("100.64.0.2", &p.src);
	fsc_addr_parse("100.64.0.1", &p.dst);
	p.sport = 80;
	p.dport = 40000;
	p.tcp_flags = FSC_TCP_SYN | FSC_TCP_ACK;
	p.ack = 1;
	f3 = fsc_flows_packet(t, &p, 3, NULL);
	assert_ptr_equal(f3, f2);
	assert_int_equal(opened, 2);
	fsc_flows_free(t);
}

static int setup(void **state)
{
	(void)state;
	nz = fsc_wgnoise_new(NULL, 0);
	return nz ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fsc_wgnoise_free(nz);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initiator_keys),
		cmocka_unit_test(responder_keys),
		cmocka_unit_test(static_keys_only),
		cmocka_unit_test(psk_binding),
		cmocka_unit_test(transport_reasons),
		cmocka_unit_test(pending_bound),
		cmocka_unit_test(secrets_blocks),
		cmocka_unit_test(flows_apart),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
