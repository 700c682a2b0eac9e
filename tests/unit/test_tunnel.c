/* test_tunnel.c - classifying UDP payloads by content: every vector, every
 * prefix, other protocols, and the one place STUN and WireGuard overlap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/tunnel.h"
#include "tunnel_vectors.h"
#include "vectors.h"

#define MAXV 2048

static const char *kind_name(enum fsc_tunnel_kind k)
{
	static const char *const names[] = { "none", "wg", "disco", "stun" };

	return (unsigned)k < 4 ? names[k] : "?";
}

static size_t load(const char *name, uint8_t *buf)
{
	const struct tun_vec *v = tv_find(name);
	size_t n;

	assert_non_null(v);
	n = vec_hex(v->hex, buf, MAXV);
	assert_int_equal(n, v->len);
	return n;
}

static void check(const uint8_t *p, size_t n, enum fsc_tunnel_kind kind,
		  enum fsc_status st, const char *what)
{
	uint8_t *g = vec_guard(p, n);
	struct fsc_tunnel_msg t;

	fsc_tunnel_classify(g, n, &t);
	if (t.kind != kind || t.status != st)
		print_message("%s (%zu bytes): got %s/%s, want %s/%s\n", what, n,
			      kind_name(t.kind), fsc_status_name(t.status),
			      kind_name(kind), fsc_status_name(st));
	assert_int_equal(t.kind, kind);
	assert_int_equal(t.status, st);
	if (st == FSC_OK)
		assert_null(t.why);
	else
		assert_non_null(t.why);
	vec_guard_free(g, n);
}

/* Every UDP-payload vector lands on its kind, decoded OK. */
static void every_vector(void **state)
{
	(void)state;
	size_t seen[4] = { 0 };

	for (size_t v = 0; v < TUN_N_VECTORS; v++) {
		const struct tun_vec *tv = &tun_vectors[v];
		uint8_t b[MAXV];
		size_t n;

		if (tv->layer != TV_UDP)
			continue;
		n = load(tv->name, b);
		check(b, n, tv->kind, tv->kind == FSC_TUNNEL_NONE ? FSC_NOT_THIS : FSC_OK,
		      tv->name);
		seen[tv->kind]++;
	}
	/* the table really has all four kinds */
	for (int k = 0; k < 4; k++)
		assert_true(seen[k] >= 2);
}

static void decoded_fields_reach_the_union(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n;
	struct fsc_tunnel_msg t;
	char s[FSC_ENDPOINT_STRLEN];

	n = load("wg_response", b);
	fsc_tunnel_classify(b, n, &t);
	assert_int_equal(t.kind, FSC_TUNNEL_WG);
	assert_int_equal(t.u.wg.sender, 0xc93d41eb);
	assert_int_equal(t.u.wg.receiver, 0x710e9553);

	n = load("stun_ts_resp6", b);
	fsc_tunnel_classify(b, n, &t);
	assert_int_equal(t.kind, FSC_TUNNEL_STUN);
	assert_string_equal(fsc_endpoint_str(&t.u.stun.mapped, t.u.stun.mapped_port, s),
			    "[2001:db8:85a3::8a2e:370:7334]:41641");

	n = load("disco_wrap_cmm", b);
	fsc_tunnel_classify(b, n, &t);
	assert_int_equal(t.kind, FSC_TUNNEL_DISCO);
	assert_ptr_equal(t.u.disco.sender_key, b + 6);
	assert_int_equal(t.u.disco.box_len, n - 62);
}

/*
 * Every prefix of every UDP vector. STUN and disco keep their kind once
 * their magic is visible (8 and 6 bytes) and say truncated; a disco box has
 * no length, so from 78 bytes on a prefix is a whole wrapper. WireGuard has
 * no magic: a prefix is WireGuard exactly when the WireGuard decoder takes
 * it (only transport shapes), otherwise plain UDP.
 */
static void every_prefix(void **state)
{
	(void)state;
	for (size_t v = 0; v < TUN_N_VECTORS; v++) {
		const struct tun_vec *tv = &tun_vectors[v];
		uint8_t b[MAXV];
		size_t n;

		if (tv->layer != TV_UDP)
			continue;
		n = load(tv->name, b);
		for (size_t k = 0; k < n; k++) {
			enum fsc_tunnel_kind kind = FSC_TUNNEL_NONE;
			enum fsc_status st = FSC_NOT_THIS;
			struct fsc_wg_msg m;

			switch (tv->kind) {
			case FSC_TUNNEL_STUN:
				if (k >= 8) {
					kind = FSC_TUNNEL_STUN;
					st = FSC_TRUNCATED;
				}
				break;
			case FSC_TUNNEL_DISCO:
				if (k >= 6) {
					kind = FSC_TUNNEL_DISCO;
					st = k >= 78 ? FSC_OK : FSC_TRUNCATED;
				}
				break;
			case FSC_TUNNEL_WG:
				if (fsc_wg_decode(b, k, &m, NULL) == FSC_OK) {
					kind = FSC_TUNNEL_WG;
					st = FSC_OK;
				}
				break;
			case FSC_TUNNEL_NONE:
				break;
			}
			check(b, k, kind, st, tv->name);
		}
	}
}

static void other_payloads(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		const char *hex;
		enum fsc_tunnel_kind kind;
		enum fsc_status st;
	} cases[] = {
		{ "HTTP request line",
		  "47 45 54 20 2f 20 48 54 54 50 2f 31 2e 31 0d 0a  # GET / HTTP/1.1\\r\\n\n",
		  FSC_TUNNEL_NONE, FSC_NOT_THIS },
		{ "DTLS 1.2 ClientHello record start",
		  "16 fe fd 00 00 00 00 00 00 00 00 00 50  # handshake, DTLS 1.2, epoch, seq, len\n"
		  "01 00 00 44 00 00 00 00 00 00 00 44     # ClientHello, msg seq, frag\n",
		  FSC_TUNNEL_NONE, FSC_NOT_THIS },
		{ "QUIC long header",
		  "c3 00 00 00 01 08 01 02 03 04 05 06 07 08  # Initial, v1, DCID len 8\n",
		  FSC_TUNNEL_NONE, FSC_NOT_THIS },
		{ "RTP",
		  "80 60 00 01 21 12 a4 42 de ad be ef  # V=2 even with the cookie at 4-7\n",
		  FSC_TUNNEL_NONE, FSC_NOT_THIS },
		{ "'TS' but no speech balloon",
		  "54 53 20 73 74 72 65 61 6d  # \"TS stream\"\n",
		  FSC_TUNNEL_NONE, FSC_NOT_THIS },
		{ "disco magic and a short key",
		  "54 53 f0 9f 92 ac  # magic\n"
		  "01 02 03 04 05 06 07 08 09 0a  # 10 bytes of key\n",
		  FSC_TUNNEL_DISCO, FSC_TRUNCATED },
		{ "STUN cookie, header cut at 12 bytes",
		  "00 01 00 00 21 12 a4 42 00 00 00 01\n",
		  FSC_TUNNEL_STUN, FSC_TRUNCATED },
		{ "STUN length 3",
		  "00 01 00 03 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 01\n"
		  "00 00 00  # three attribute bytes\n",
		  FSC_TUNNEL_STUN, FSC_MALFORMED },
		{ "WireGuard type, reserved set, cookie at 4-7: broken STUN",
		  "01 00 00 08 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 01\n",
		  FSC_TUNNEL_STUN, FSC_TRUNCATED },
		{ "STUN type 0x0100 (byte 0 is 1), a whole 20-byte message",
		  "01 00 00 00 21 12 a4 42 00 00 00 00 00 00 00 00 00 00 00 01\n",
		  FSC_TUNNEL_STUN, FSC_OK },
		{ "keepalive whose receiver index spells the cookie",
		  "04 00 00 00  # transport\n"
		  "21 12 a4 42  # receiver index 0x42a41221\n"
		  "07 00 00 00 00 00 00 00  # counter 7\n"
		  "00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff  # tag\n",
		  FSC_TUNNEL_WG, FSC_OK },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = vec_hex(cases[i].hex, b, sizeof(b));

		check(b, n, cases[i].kind, cases[i].st, cases[i].what);
	}
}

/* An initiation whose sender index spells the cookie: STUN would read a
 * 148-byte datagram holding a 20-byte message (malformed); it is WireGuard. */
static void wireguard_beats_broken_stun(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = load("wg_initiation", b);
	struct fsc_tunnel_msg t;
	struct fsc_stun_msg s;

	b[4] = 0x21;
	b[5] = 0x12;
	b[6] = 0xa4;
	b[7] = 0x42;
	assert_int_equal(fsc_stun_decode(b, n, &s, NULL), FSC_MALFORMED);
	fsc_tunnel_classify(b, n, &t);
	assert_int_equal(t.kind, FSC_TUNNEL_WG);
	assert_int_equal(t.status, FSC_OK);
	assert_int_equal(t.u.wg.type, FSC_WG_INITIATION);
	assert_int_equal(t.u.wg.sender, 0x42a41221);
}

static void empty(void **state)
{
	(void)state;
	struct fsc_tunnel_msg t;

	fsc_tunnel_classify(NULL, 0, &t);
	assert_int_equal(t.kind, FSC_TUNNEL_NONE);
	assert_int_equal(t.status, FSC_NOT_THIS);
	assert_non_null(t.why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_vector),
		cmocka_unit_test(decoded_fields_reach_the_union),
		cmocka_unit_test(every_prefix),
		cmocka_unit_test(other_payloads),
		cmocka_unit_test(wireguard_beats_broken_stun),
		cmocka_unit_test(empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
