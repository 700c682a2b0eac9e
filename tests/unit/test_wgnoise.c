/* test_wgnoise.c - WireGuard's crypto core: known answers for every
 * primitive (RFC 7693, RFC 8439, RFC 7748, draft-irtf-cfrg-xchacha-03,
 * wireguard-go's KDF and replay tests), a real initiation from
 * captures/wg-tunnel.pcap opened with its published static keys (values
 * checked against tshark), and full handshakes with both roles in-process:
 * cookies, mac2, transport, replay, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fsc/wgkeylog.h"
#include "fsc/wgnoise.h"
#include "vectors.h"

static struct fsc_wgnoise *nz;

static int setup(void **state)
{
	char err[128];

	(void)state;
	nz = fsc_wgnoise_new(err, sizeof(err));
	return nz ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fsc_wgnoise_free(nz);
	return 0;
}

/* hex -> bytes, asserting the exact length. */
static void hx(const char *hex, uint8_t *out, size_t want)
{
	assert_int_equal(vec_hex(hex, out, want), want);
}

static void b64(const char *s, uint8_t out[32])
{
	uint8_t tmp[48];

	assert_int_equal(EVP_DecodeBlock(tmp, (const unsigned char *)s, 44), 33);
	memcpy(out, tmp, 32);
}

static void assert_hex(const uint8_t *got, const char *hex, size_t n)
{
	uint8_t want[256];

	hx(hex, want, n);
	assert_memory_equal(got, want, n);
}

/* ---- Primitives ---------------------------------------------------------- */

static void blake2s_rfc7693(void **state)
{
	uint8_t out[32];

	(void)state;
	/* RFC 7693 Appendix B */
	assert_true(fsc_wgnoise_hash(nz, out, (const uint8_t *)"abc", 3, NULL, 0));
	assert_hex(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
	/* split input gives the same digest */
	assert_true(fsc_wgnoise_hash(nz, out, (const uint8_t *)"a", 1,
				     (const uint8_t *)"bc", 2));
	assert_hex(out, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", 32);
}

static void blake2s_keyed(void **state)
{
	uint8_t key[32], in[255], out[32];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 255; i++)
		in[i] = (uint8_t)i;
	/* BLAKE2/BLAKE2 testvectors/blake2-kat.json, blake2s keyed */
	assert_true(fsc_wgnoise_mac(nz, out, 32, key, 32, in, 0));
	assert_hex(out, "48a8997da407876b3d79c0d92325ad3b89cbb754d86ab71aee047ad345fd2c49", 32);
	assert_true(fsc_wgnoise_mac(nz, out, 32, key, 32, in, 1));
	assert_hex(out, "40d15fee7c328830166ac3f918650f807e7e01e177258cdc0a39b11f598066f1", 32);
	/* 16-byte digests (digest length in the parameter block, not a
	 * truncation): Python hashlib.blake2s(key=..., digest_size=16) */
	assert_true(fsc_wgnoise_mac(nz, out, 16, key, 32, in, 255));
	assert_hex(out, "cd075928ab7e6883e697fe7fd3ac43ee", 16);
	assert_true(fsc_wgnoise_mac(nz, out, 16, key, 16, in, 0));
	assert_hex(out, "af4e5d3bb230e9ff9096ca6f7c501f76", 16);
	/* out of range */
	assert_false(fsc_wgnoise_mac(nz, out, 20, key, 32, in, 1));
	assert_false(fsc_wgnoise_mac(nz, out, 16, key, 0, in, 1));
}

static void noise_constants(void **state)
{
	static const char cons[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
	static const char ident[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";
	uint8_t c0[32], h0[32];

	(void)state;
	assert_true(fsc_wgnoise_hash(nz, c0, (const uint8_t *)cons,
				     strlen(cons), NULL, 0));
	assert_hex(c0, "60e26daef327efc02ec335e2a025d2d016eb4206f87277f52d38d1988b78cd36", 32);
	assert_true(fsc_wgnoise_hash(nz, h0, c0, 32, (const uint8_t *)ident,
				     strlen(ident)));
	assert_hex(h0, "2211b361081ac566691243db458ad5322d9c6c662293e8b70ee19c65ba079ef3", 32);
}

/* wireguard-go device/kdf_test.go */
static void kdf_wireguard_go(void **state)
{
	static const struct {
		const char *key, *in, *t[3];
	} v[] = {
		{ "746573742d6b6579", "746573742d696e707574",
		  { "6f0e5ad38daba1bea8a0d213688736f19763239305e0f58aba697f9ffc41c633",
		    "df1194df20802a4fe594cde27e92991c8cae66c366e8106aaa937a55fa371e8a",
		    "fac6e2745a325f5dc5d11a5b165aad08b0ada28e7b4e666b7c077934a4d76c24" } },
		{ "776972656775617264", "776972656775617264",
		  { "491d43bbfdaa8750aaf535e334ecbfe5129967cd64635101c566d4caefda96e8",
		    "1e71a379baefd8a79aa4662212fcafe19a23e2b609a3db7d6bcba8f560e3d25f",
		    "31e1ae48bddfbe5de38f295e5452b1909a1b4e38e183926af3780b0c1e1f0160" } },
		{ "", "",
		  { "8387b46bf43eccfcf349552a095d8315c4055beb90208fb1be23b894bc2ed5d0",
		    "58a0e5f6faefccf4807bff1f05fa8a9217945762040bcec2f4b4a62bdfe0e86e",
		    "0ce6ea98ec548f8e281e93e32db65621c45eb18dc6f0a7ad94178610a2f7338e" } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t key[64], in[64], out[3][32];
		size_t kl = vec_hex(v[i].key, key, sizeof(key));
		size_t il = vec_hex(v[i].in, in, sizeof(in));

		for (unsigned n = 1; n <= 3; n++) {
			memset(out, 0, sizeof(out));
			assert_true(fsc_wgnoise_kdf(nz, n, out, key, kl, in, il));
			for (unsigned j = 0; j < n; j++)
				assert_hex(out[j], v[i].t[j], 32);
		}
	}
}

static void x25519_rfc7748(void **state)
{
	uint8_t a[32], b[32], pa[32], pb[32], k1[32], k2[32], s[32], u[32];

	(void)state;
	/* §6.1 */
	hx("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a, 32);
	hx("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b, 32);
	assert_true(fsc_wgnoise_pubkey(nz, pa, a));
	assert_hex(pa, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", 32);
	assert_true(fsc_wgnoise_pubkey(nz, pb, b));
	assert_hex(pb, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", 32);
	assert_true(fsc_wgnoise_dh(nz, k1, a, pb));
	assert_true(fsc_wgnoise_dh(nz, k2, b, pa));
	assert_hex(k1, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", 32);
	assert_memory_equal(k1, k2, 32);
	/* §5.2, first vector (unclamped scalar: X25519 clamps) */
	hx("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", s, 32);
	hx("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c", u, 32);
	assert_true(fsc_wgnoise_dh(nz, k1, s, u));
	assert_hex(k1, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552", 32);
	/* a low-order point gives zero: refused */
	memset(u, 0, 32);
	assert_false(fsc_wgnoise_dh(nz, k1, s, u));
	u[0] = 1;
	assert_false(fsc_wgnoise_dh(nz, k1, s, u));
	/* clamping */
	memset(s, 0xff, 32);
	fsc_wgnoise_clamp(s);
	assert_int_equal(s[0], 0xf8);
	assert_int_equal(s[31], 0x7f);
}

static const char sunscreen[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only "
	"one tip for the future, sunscreen would be it.";

/* RFC 8439 §2.8.2 */
static void chacha20poly1305_rfc8439(void **state)
{
	uint8_t key[32], nonce[12], ad[12], ct[114 + 16], pt[114];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	hx("070000004041424344454647", nonce, 12);
	hx("50515253c0c1c2c3c4c5c6c7", ad, 12);
	assert_int_equal(strlen(sunscreen), 114);
	assert_true(fsc_wgnoise_aead_seal(nz, ct, key, nonce,
					  (const uint8_t *)sunscreen, 114, ad, 12));
	assert_hex(ct, "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
		       "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
		       "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
		       "3ff4def08e4b7a9de576d26586cec64b6116"
		       "1ae10b594f09e26a7e902ecbd0600691", 130);
	assert_true(fsc_wgnoise_aead_open(nz, pt, key, nonce, ct, 130, ad, 12));
	assert_memory_equal(pt, sunscreen, 114);
	/* any flipped bit, in data, tag or AD, fails */
	ct[0] ^= 1;
	assert_false(fsc_wgnoise_aead_open(nz, pt, key, nonce, ct, 130, ad, 12));
	ct[0] ^= 1;
	ct[129] ^= 0x80;
	assert_false(fsc_wgnoise_aead_open(nz, pt, key, nonce, ct, 130, ad, 12));
	ct[129] ^= 0x80;
	ad[11] ^= 1;
	assert_false(fsc_wgnoise_aead_open(nz, pt, key, nonce, ct, 130, ad, 12));
	/* shorter than a tag */
	assert_false(fsc_wgnoise_aead_open(nz, pt, key, nonce, ct, 15, NULL, 0));
}

/* draft-irtf-cfrg-xchacha-03 §2.2.1 and §A.3.1 */
static void xchacha_draft(void **state)
{
	uint8_t key[32], in[16], out[32], nonce[24], ad[12], ct[130], pt[114];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	hx("000000090000004a0000000031415927", in, 16);
	assert_true(fsc_wgnoise_hchacha20(nz, out, key, in));
	assert_hex(out, "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc", 32);

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	for (int i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	hx("50515253c0c1c2c3c4c5c6c7", ad, 12);
	assert_true(fsc_wgnoise_xaead_seal(nz, ct, key, nonce,
					   (const uint8_t *)sunscreen, 114, ad, 12));
	assert_hex(ct, "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
		       "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
		       "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
		       "21f9664c97637da9768812f615c68b13b52e"
		       "c0875924c1c7987947deafd8780acf49", 130);
	assert_true(fsc_wgnoise_xaead_open(nz, pt, key, nonce, ct, 130, ad, 12));
	assert_memory_equal(pt, sunscreen, 114);
	nonce[23] ^= 1;
	assert_false(fsc_wgnoise_xaead_open(nz, pt, key, nonce, ct, 130, ad, 12));
}

/* ---- Replay window: wireguard-go replay/replay_test.go ------------------------ */

#define T_LIM (FSC_WGNOISE_REPLAY_WINDOW + 1)
#define REJ FSC_WGNOISE_REJECT_AFTER_MESSAGES

static void replay_sequence(void **state)
{
	static const struct {
		uint64_t n;
		bool want;
	} seq[] = {
		{ 0, true }, { 1, true }, { 1, false }, { 9, true }, { 8, true },
		{ 7, true }, { 7, false }, { T_LIM, true }, { T_LIM - 1, true },
		{ T_LIM - 1, false }, { T_LIM - 2, true }, { 2, true }, { 2, false },
		{ T_LIM + 16, true }, { 3, false }, { T_LIM + 16, false },
		{ T_LIM * 4, true }, { T_LIM * 4 - (T_LIM - 1), true }, { 10, false },
		{ T_LIM * 4 - T_LIM, false }, { T_LIM * 4 - (T_LIM + 1), false },
		{ T_LIM * 4 - (T_LIM - 2), true }, { T_LIM * 4 + 1 - T_LIM, false },
		{ 0, false }, { REJ, false }, { REJ - 1, true }, { REJ, false },
		{ REJ - 1, false }, { REJ - 2, true }, { REJ + 1, false },
		{ REJ + 2, false }, { REJ - 2, false }, { REJ - 3, true }, { 0, false },
	};
	struct fsc_wgnoise_replay r;

	(void)state;
	assert_int_equal(FSC_WGNOISE_REPLAY_WINDOW, 8128);
	assert_true(REJ == UINT64_C(0xffffffffffffdfff)); /* 2^64 - 2^13 - 1 */
	fsc_wgnoise_replay_reset(&r);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		bool got = fsc_wgnoise_replay_check(&r, seq[i].n, REJ);
		if (got != seq[i].want)
			fail_msg("replay step %zu: counter %llu", i + 1,
				 (unsigned long long)seq[i].n);
	}
}

static void replay_bulk(void **state)
{
	const uint64_t w = FSC_WGNOISE_REPLAY_WINDOW;
	struct fsc_wgnoise_replay r;

	(void)state;
	fsc_wgnoise_replay_reset(&r); /* 1 */
	for (uint64_t i = 1; i <= w; i++)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));
	assert_true(fsc_wgnoise_replay_check(&r, 0, REJ));
	assert_false(fsc_wgnoise_replay_check(&r, 0, REJ));

	fsc_wgnoise_replay_reset(&r); /* 2 */
	for (uint64_t i = 2; i <= w + 1; i++)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));
	assert_true(fsc_wgnoise_replay_check(&r, 1, REJ));
	assert_false(fsc_wgnoise_replay_check(&r, 0, REJ));

	fsc_wgnoise_replay_reset(&r); /* 3 */
	for (uint64_t i = w + 1; i > 0; i--)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));

	fsc_wgnoise_replay_reset(&r); /* 4 */
	for (uint64_t i = w + 2; i > 1; i--)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));
	assert_false(fsc_wgnoise_replay_check(&r, 0, REJ));

	fsc_wgnoise_replay_reset(&r); /* 5 */
	for (uint64_t i = w; i > 0; i--)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));
	assert_true(fsc_wgnoise_replay_check(&r, w + 1, REJ));
	assert_false(fsc_wgnoise_replay_check(&r, 0, REJ));

	fsc_wgnoise_replay_reset(&r); /* 6 */
	for (uint64_t i = w; i > 0; i--)
		assert_true(fsc_wgnoise_replay_check(&r, i, REJ));
	assert_true(fsc_wgnoise_replay_check(&r, 0, REJ));
	assert_true(fsc_wgnoise_replay_check(&r, w + 1, REJ));
}

/* ---- TAI64N (wireguard-go tai64n/tai64n_test.go: whitening, order) ----------- */

static void tai64n(void **state)
{
	uint8_t a[12], b[12];
	uint64_t s;
	uint32_t ns;

	(void)state;
	fsc_wgnoise_tai64n_make(a, 1795591826, 171992000);
	/* the label tshark showed for frame 3 of wg-tunnel.pcap, nanoseconds
	 * whitened to 0x0a000000 */
	assert_hex(a, "400000006b068e9c" "0a000000", 12);
	assert_true(fsc_wgnoise_tai64n_parse(a, &s, &ns));
	assert_true(s == 1795591826);
	assert_int_equal(ns, 167772160);
	/* within one whitening step: equal; one step later: greater */
	fsc_wgnoise_tai64n_make(b, 1795591826, 171992000 + 1000);
	assert_int_equal(fsc_wgnoise_tai64n_cmp(a, b), 0);
	fsc_wgnoise_tai64n_make(b, 1795591826, 171992000 + 0x1000000);
	assert_true(fsc_wgnoise_tai64n_cmp(b, a) > 0);
	fsc_wgnoise_tai64n_make(b, 1795591827, 0);
	assert_true(fsc_wgnoise_tai64n_cmp(b, a) > 0);
	assert_true(fsc_wgnoise_tai64n_cmp(a, b) < 0);
	/* unwhitened timestamps (a 2018 Linux peer) order and parse too */
	memcpy(b, a, 12);
	b[11] = 0x01;
	assert_true(fsc_wgnoise_tai64n_cmp(b, a) > 0);
	assert_true(fsc_wgnoise_tai64n_parse(b, &s, &ns));
	assert_int_equal(ns, 167772161);
	/* nanoseconds out of range, label before 1970 */
	hx("400000006b068e9c" "3b9aca00", b, 12);
	assert_false(fsc_wgnoise_tai64n_parse(b, &s, &ns));
	hx("4000000000000009" "00000000", b, 12);
	assert_false(fsc_wgnoise_tai64n_parse(b, &s, &ns));
}

/* ---- A real initiation (captures/wg-tunnel.pcap frame 3, A -> B) -------------- */

static const char frame3_initiation[] =
	"01000000" "25f1c9b7"					/* type, sender */
	"ea1122958bd381a8a0b4c8b5832636db7314e324dea890a755671f0ae5090b1d" /* ephemeral */
	"75e8ad772f579b919c75af9035492be97d249d60b8f34659356c004910d9485f"
	"54b46507384f200d68439e26441c2751"			/* static */
	"bf9683575a082cf6f6f9bd3cb32fe8eaa9ddde9e9632143ac5de90da"	/* timestamp */
	"417f1b22fb36d02f9fa47721dbd1368e"			/* mac1 */
	"00000000000000000000000000000000";			/* mac2 */

static void real_initiation(void **state)
{
	struct fsc_wgnoise_identity b;
	struct fsc_wgnoise_peer a;
	struct fsc_wgnoise_handshake hs;
	uint8_t msg[148], priv[32], pub_a[32], got[32];
	const char *why = "unset";
	uint64_t s;
	uint32_t ns;

	(void)state;
	hx(frame3_initiation, msg, 148);
	b64("gLYNT1VeYUMsHOHuuuJxioEpk+qxlgqEX50SsA19Fl0=", priv);
	b64("qGwnMuJrx0uwYPboWbm6yMj4nzgjePxLG9E7RYPBwQI=", pub_a);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &b, priv, &why), FSC_OK);
	assert_null(why);
	memset(&hs, 0, sizeof(hs));
	assert_int_equal(fsc_wgnoise_mac1_check(nz, &b, msg, 148, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &b, msg, 148, &hs,
							got, &why), FSC_OK);
	/* tshark: wg.static = qGwnMuJr... (A) */
	assert_memory_equal(got, pub_a, 32);
	assert_int_equal(hs.remote_index, 0xb7c9f125);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &a, &b, pub_a, NULL, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &a, &hs, msg, 148, &why),
			 FSC_OK);
	/* tshark: tai64_label 4611686020222979740, nanoseconds 167772160 */
	assert_true(fsc_wgnoise_tai64n_parse(hs.timestamp, &s, &ns));
	assert_true(s == 4611686020222979740ull - (1ull << 62) - 10);
	assert_int_equal(ns, 167772160);
	assert_int_equal(hs.state, FSC_WGNOISE_HS_INITIATION_ACCEPTED);
	/* the same message again: the timestamp is no longer newer */
	struct fsc_wgnoise_handshake hs2;
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &b, msg, 148, &hs2,
							got, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &a, &hs2, msg, 148, &why),
			 FSC_MALFORMED);
	assert_string_equal(why, "timestamp not newer");
	/* A is not B: mac1 fails for A's identity */
	struct fsc_wgnoise_identity aid;
	b64("KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=", priv);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &aid, priv, NULL), FSC_OK);
	assert_memory_equal(aid.pub, pub_a, 32);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &aid, msg, 148, &hs2,
							got, &why), FSC_MALFORMED);
	assert_string_equal(why, "mac1 does not match");
	/* every flipped byte of the authenticated part is refused */
	for (size_t i = 4; i < 148; i += 7) {
		uint8_t m2[148];
		memcpy(m2, msg, 148);
		m2[i] ^= 0x20;
		enum fsc_status st = fsc_wgnoise_initiation_consume(nz, &b, m2, 148,
								    &hs2, got, &why);
		if (i >= 132) /* mac2 is not checked here */
			assert_int_equal(st, FSC_OK);
		else
			assert_int_equal(st, FSC_MALFORMED);
	}
	/* framing: every prefix, a longer buffer, another type, reserved */
	for (size_t n = 0; n < 148; n++) {
		uint8_t *g = vec_guard(msg, n);
		enum fsc_status st = fsc_wgnoise_initiation_consume(nz, &b, g, n,
								    &hs2, got, &why);
		assert_int_equal(st, FSC_TRUNCATED);
		vec_guard_free(g, n);
	}
	uint8_t big[149];
	memcpy(big, msg, 148);
	big[148] = 0;
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &b, big, 149, &hs2, got,
							&why), FSC_MALFORMED);
	msg[0] = 2;
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &b, msg, 148, &hs2, got,
							&why), FSC_NOT_THIS);
	msg[0] = 1;
	msg[2] = 1;
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &b, msg, 148, &hs2, got,
							&why), FSC_NOT_THIS);
}

/* ---- A real exchange with wireguard-go (captures/wg-ours-go.pcap) -------------
 * Our peer (tests/tools/wgpeer) initiated handshake 1 and answered
 * wireguard-go's handshake 2, logging its keys (captures/wg-ours-go.keylog).
 * With those keys our core must write the very bytes captured (the
 * initiation and the response are deterministic given ephemeral, index and
 * timestamp) and open every message wireguard-go sent. */

#define MAX_MSGS 64

/* The UDP payloads of a classic Ethernet/IPv4 pcap, in order. */
static size_t udp_payloads(const char *path, uint8_t msgs[][512], size_t *lens)
{
	FILE *f = fopen(path, "rb");
	uint8_t hdr[24], rec[16], frame[1024];
	size_t n = 0;

	assert_non_null(f);
	assert_int_equal(fread(hdr, 1, 24, f), 24);
	while (n < MAX_MSGS && fread(rec, 1, 16, f) == 16) {
		uint32_t cl = (uint32_t)rec[8] | (uint32_t)rec[9] << 8 |
			      (uint32_t)rec[10] << 16 | (uint32_t)rec[11] << 24;
		assert_true(cl <= sizeof(frame));
		assert_int_equal(fread(frame, 1, cl, f), cl);
		size_t ihl = (size_t)(frame[14] & 15) * 4;
		size_t off = 14 + ihl + 8;
		assert_true(frame[14 + 9] == 17 && off <= cl && cl - off <= 512);
		memcpy(msgs[n], frame + off, cl - off);
		lens[n++] = cl - off;
	}
	fclose(f);
	return n;
}

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Opens every transport message addressed to kp from index `from` on;
 * returns how many opened (each an IPv4 packet 100.64.0.2 -> .1). */
static unsigned open_theirs(struct fsc_wgnoise_keypair *kp, uint8_t msgs[][512],
			    const size_t *lens, size_t n, size_t from)
{
	unsigned opened = 0;

	for (size_t k = from; k < n; k++) {
		uint8_t out[512];
		size_t olen;
		if (msgs[k][0] != 4 || le32_at(msgs[k] + 4) != kp->local_index)
			continue;
		assert_int_equal(fsc_wgnoise_transport_open(nz, kp, msgs[k], lens[k], out,
							    sizeof(out), &olen, NULL, NULL),
				 FSC_OK);
		assert_true(olen >= 20 && out[0] == 0x45);
		assert_memory_equal(out + 12, "\x64\x40\x00\x02\x64\x40\x00\x01", 8);
		opened++;
	}
	return opened;
}

static void real_exchange_with_wireguard_go(void **state)
{
	static uint8_t msgs[MAX_MSGS][512];
	size_t lens[MAX_MSGS];
	size_t n = udp_payloads(FSC_SRC_DIR "/captures/wg-ours-go.pcap", msgs, lens);
	struct fsc_wgkeylog_set *keys = fsc_wgkeylog_set_new(0, 0, 0);
	struct fsc_wgnoise_identity me;
	struct fsc_wgnoise_peer go;
	struct fsc_wgnoise_handshake hs;
	struct fsc_wgnoise_keypair kp;
	uint8_t ts[12], out[148], who[32];
	char err[128];

	(void)state;
	assert_int_equal(n, 24);
	assert_true(fsc_wgkeylog_set_add_file(keys, FSC_SRC_DIR "/captures/wg-ours-go.keylog",
					      err, sizeof(err)));
	assert_int_equal(keys->n_static_priv, 1);
	assert_int_equal(keys->n_eph, 2);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &me, keys->static_priv[0], NULL),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &go, &me, keys->remote_pub[0], NULL,
					      NULL), FSC_OK);

	/* Handshake 1, ours: the timestamp as tshark and fdecode read it
	 * (1796572681.419430400), the index as captured. */
	assert_int_equal(msgs[0][0], 1);
	fsc_wgnoise_tai64n_make(ts, 1796572681, 419430400);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &me, &go, &hs, keys->eph[0].priv,
						       le32_at(msgs[0] + 4), ts, 0, out,
						       NULL), FSC_OK);
	assert_memory_equal(out, msgs[0], 148);
	/* wireguard-go's response opens and gives keys its transport opens with */
	assert_int_equal(fsc_wgnoise_response_consume(nz, &me, &go, &hs, msgs[1], lens[1],
						      NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &hs, &kp, NULL), FSC_OK);
	assert_int_equal(open_theirs(&kp, msgs, lens, n, 2), 8);

	/* Handshake 2, wireguard-go's: we accept it and wrote this response. */
	assert_int_equal(msgs[18][0], 1);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &me, msgs[18], lens[18], &hs,
							who, NULL), FSC_OK);
	assert_memory_equal(who, go.pub, 32);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &go, &hs, msgs[18], lens[18],
						       NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_response_create(nz, &me, &go, &hs, keys->eph[1].priv,
						     le32_at(msgs[19] + 4), 0, out, NULL),
			 FSC_OK);
	assert_memory_equal(out, msgs[19], 92);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &hs, &kp, NULL), FSC_OK);
	assert_int_equal(open_theirs(&kp, msgs, lens, n, 20), 2);
	fsc_wgkeylog_set_free(keys);
}

/* ---- Full handshakes in-process ----------------------------------------------- */

struct side {
	struct fsc_wgnoise_identity id;
	struct fsc_wgnoise_peer peer; /* the other side */
	struct fsc_wgnoise_handshake hs;
	struct fsc_wgnoise_keypair kp;
};

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i);
}

static void make_pair(struct side *i, struct side *r, const uint8_t *psk)
{
	uint8_t k[32];

	memset(i, 0, sizeof(*i));
	memset(r, 0, sizeof(*r));
	fill(k, 32, 1);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &i->id, k, NULL), FSC_OK);
	fill(k, 32, 2);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &r->id, k, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &i->peer, &i->id, r->id.pub, psk,
					      NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &r->peer, &r->id, i->id.pub, psk,
					      NULL), FSC_OK);
	/* both sides compute the same static DH */
	assert_memory_equal(i->peer.ss, r->peer.ss, 32);
}

/* Initiation and response; both keypairs derived. */
static void handshake(struct side *i, struct side *r, uint64_t sec,
		      uint8_t init[148], uint8_t resp[92])
{
	uint8_t eph[32], ts[12], who[32];
	const char *why = "unset";

	fill(eph, 32, (uint8_t)(3 + sec));
	fsc_wgnoise_tai64n_make(ts, 1800000000 + sec, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &i->id, &i->peer, &i->hs,
						       eph, 0x11111111, ts, 0, init,
						       &why), FSC_OK);
	assert_int_equal(i->hs.state, FSC_WGNOISE_HS_INITIATION_CREATED);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &r->id, init, 148,
							&r->hs, who, &why), FSC_OK);
	assert_memory_equal(who, i->id.pub, 32);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &r->peer, &r->hs, init,
						       148, &why), FSC_OK);
	assert_memory_equal(r->hs.timestamp, ts, 12);
	fill(eph, 32, (uint8_t)(4 + sec));
	assert_int_equal(fsc_wgnoise_response_create(nz, &r->id, &r->peer, &r->hs,
						     eph, 0x22222222, 0, resp, &why),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_response_consume(nz, &i->id, &i->peer, &i->hs,
						      resp, 92, &why), FSC_OK);
	assert_memory_equal(i->hs.chain, r->hs.chain, 32);
	assert_memory_equal(i->hs.hash, r->hs.hash, 32);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &i->hs, &i->kp, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_keypair_derive(nz, &r->hs, &r->kp, &why), FSC_OK);
	assert_int_equal(i->hs.state, FSC_WGNOISE_HS_ZEROED);
	assert_memory_equal(i->kp.send_key, r->kp.recv_key, 32);
	assert_memory_equal(i->kp.recv_key, r->kp.send_key, 32);
	assert_memory_not_equal(i->kp.send_key, i->kp.recv_key, 32);
	assert_int_equal(i->kp.local_index, 0x11111111);
	assert_int_equal(i->kp.remote_index, 0x22222222);
	assert_int_equal(r->kp.local_index, 0x22222222);
	assert_int_equal(r->kp.remote_index, 0x11111111);
	assert_true(i->kp.initiator);
	assert_false(r->kp.initiator);
}

static void seal_open(struct side *from, struct side *to, const uint8_t *p,
		      size_t n, uint64_t want_counter)
{
	uint8_t msg[2048], out[2048];
	size_t mlen = 0, olen = 0;
	uint64_t ctr = 99;
	const char *why = "unset";

	assert_int_equal(fsc_wgnoise_transport_seal(nz, &from->kp, p, n, 1420, msg,
						    sizeof(msg), &mlen, &why),
			 FSC_OK);
	assert_int_equal(mlen, fsc_wgnoise_transport_len(n, 1420));
	assert_int_equal(fsc_wgnoise_transport_open(nz, &to->kp, msg, mlen, out,
						    sizeof(out), &olen, &ctr, &why),
			 FSC_OK);
	assert_true(ctr == want_counter);
	assert_int_equal(olen, mlen - 32);
	if (n)
		assert_memory_equal(out, p, n);
	for (size_t k = n; k < olen; k++)
		assert_int_equal(out[k], 0); /* padding */
	/* the same message again is a replay */
	assert_int_equal(fsc_wgnoise_transport_open(nz, &to->kp, msg, mlen, out,
						    sizeof(out), &olen, &ctr, &why),
			 FSC_MALFORMED);
	assert_string_equal(why, "counter replayed or too old");
}

static void full_handshake(void **state)
{
	struct side i, r;
	uint8_t init[148], resp[92], pkt[1500];

	(void)state;
	make_pair(&i, &r, NULL);
	handshake(&i, &r, 0, init, resp);
	fill(pkt, sizeof(pkt), 9);
	seal_open(&i, &r, pkt, 84, 0);	 /* pads to 96 */
	seal_open(&r, &i, pkt, 0, 0);	 /* keepalive */
	seal_open(&i, &r, pkt, 1420, 1); /* at the MTU: no padding */
	seal_open(&r, &i, pkt, 1419, 1); /* pads only up to the MTU */
	assert_int_equal(fsc_wgnoise_transport_len(0, 1420), 32);
	assert_int_equal(fsc_wgnoise_transport_len(1, 1420), 48);
	assert_int_equal(fsc_wgnoise_transport_len(1419, 1420), 32 + 1420);
	assert_int_equal(fsc_wgnoise_transport_len(1500, 1420), 32 + 1500);
	assert_int_equal(fsc_wgnoise_transport_len(1419, 0), 32 + 1424);

	/* a second handshake replaces the first: old messages do not open */
	struct fsc_wgnoise_keypair old = r.kp;
	uint8_t msg[128], out[128];
	size_t mlen, olen;
	const char *why;
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &i.kp, pkt, 16, 0, msg,
						    sizeof(msg), &mlen, NULL), FSC_OK);
	handshake(&i, &r, 1, init, resp);
	r.kp.local_index = old.local_index;
	assert_int_equal(fsc_wgnoise_transport_open(nz, &r.kp, msg, mlen, out,
						    sizeof(out), &olen, NULL, &why),
			 FSC_MALFORMED);
	assert_string_equal(why, "data does not authenticate");
	/* wrong receiver index, short message, small buffers */
	r.kp.local_index ^= 1;
	assert_int_equal(fsc_wgnoise_transport_open(nz, &r.kp, msg, mlen, out,
						    sizeof(out), &olen, NULL, &why),
			 FSC_NOT_THIS);
	assert_int_equal(fsc_wgnoise_transport_open(nz, &r.kp, msg, 31, out,
						    sizeof(out), &olen, NULL, &why),
			 FSC_TRUNCATED);
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &i.kp, pkt, 16, 0, msg, 47,
						    &mlen, &why), FSC_TRUNCATED);
	/* a replayed initiation (same timestamp) is refused by the responder */
	uint8_t who[32];
	struct fsc_wgnoise_handshake hs;
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &r.id, init, 148, &hs,
							who, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &r.peer, &hs, init, 148,
						       &why), FSC_MALFORMED);
	/* a response to nobody: the initiator has no initiation pending */
	assert_int_equal(fsc_wgnoise_response_consume(nz, &i.id, &i.peer, &i.hs,
						      resp, 92, &why), FSC_NOT_THIS);
}

static void counter_limit(void **state)
{
	struct side i, r;
	uint8_t init[148], resp[92], msg[64], out[64];
	size_t mlen, olen;
	const char *why;

	(void)state;
	make_pair(&i, &r, NULL);
	handshake(&i, &r, 0, init, resp);
	i.kp.send_counter = FSC_WGNOISE_REJECT_AFTER_MESSAGES - 1;
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &i.kp, NULL, 0, 0, msg,
						    sizeof(msg), &mlen, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_transport_open(nz, &r.kp, msg, mlen, out,
						    sizeof(out), &olen, NULL, &why),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_transport_seal(nz, &i.kp, NULL, 0, 0, msg,
						    sizeof(msg), &mlen, &why),
			 FSC_MALFORMED);
	assert_string_equal(why, "counter exhausted");
}

static void psk_handshake(void **state)
{
	struct side i, r;
	uint8_t psk[32], init[148], resp[92], who[32];
	const char *why;

	(void)state;
	fill(psk, 32, 77);
	make_pair(&i, &r, psk);
	handshake(&i, &r, 0, init, resp);
	seal_open(&i, &r, psk, 20, 0);
	/* a responder with a different PSK: the initiator refuses its response */
	make_pair(&i, &r, psk);
	r.peer.psk[0] ^= 1;
	uint8_t eph[32], ts[12];
	fill(eph, 32, 5);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &i.id, &i.peer, &i.hs,
						       eph, 7, ts, 0, init, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_consume(nz, &r.id, init, 148, &r.hs,
							who, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(nz, &r.peer, &r.hs, init,
						       148, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_response_create(nz, &r.id, &r.peer, &r.hs,
						     eph, 8, 0, resp, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_response_consume(nz, &i.id, &i.peer, &i.hs,
						      resp, 92, &why), FSC_MALFORMED);
	assert_string_equal(why, "response does not authenticate");
	assert_int_equal(i.hs.state, FSC_WGNOISE_HS_INITIATION_CREATED);
}

/* Under load: the responder answers with a cookie; the initiator's next
 * initiation carries mac2 that the responder accepts from that source only. */
static void cookie_flow(void **state)
{
	struct side i, r;
	struct fsc_wgnoise_cookie_checker ck;
	uint8_t init[148], reply[64], eph[32], ts[12], secret[32], nonce[24];
	static const uint8_t src[6] = { 198, 18, 0, 1, 0xa9, 0xa2 };
	static const uint8_t other[6] = { 198, 18, 0, 9, 0xa9, 0xa2 };
	const uint64_t t0 = 5000000000ull;
	const char *why;

	(void)state;
	memset(&ck, 0, sizeof(ck));
	make_pair(&i, &r, NULL);
	fill(eph, 32, 6);
	fill(secret, 32, 7);
	fill(nonce, 24, 8);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &i.id, &i.peer, &i.hs,
						       eph, 0xabcdef01, ts, t0, init,
						       NULL), FSC_OK);
	for (int k = 132; k < 148; k++)
		assert_int_equal(init[k], 0); /* no cookie yet: mac2 zero */
	assert_int_equal(fsc_wgnoise_mac1_check(nz, &r.id, init, 148, NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_mac2_check(nz, &ck, init, 148, src, 6, t0, &why),
			 FSC_MALFORMED);
	assert_int_equal(fsc_wgnoise_cookie_reply_create(nz, &r.id, &ck, init, 148,
							 src, 6, t0, secret, nonce,
							 reply, &why), FSC_OK);
	assert_int_equal(reply[0], 3);
	assert_memory_equal(reply + 4, init + 4, 4); /* receiver = its sender */
	assert_int_equal(fsc_wgnoise_cookie_reply_consume(nz, &i.peer, reply, 64,
							  t0 + 1, &why), FSC_OK);
	assert_true(i.peer.have_cookie);
	/* a second copy of the reply: no handshake message awaits one */
	assert_int_equal(fsc_wgnoise_cookie_reply_consume(nz, &i.peer, reply, 64,
							  t0 + 1, &why), FSC_MALFORMED);
	/* the retry carries mac2 */
	fsc_wgnoise_tai64n_make(ts, 1800000001, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &i.id, &i.peer, &i.hs,
						       eph, 0xabcdef02, ts, t0 + 2, init,
						       NULL), FSC_OK);
	assert_int_equal(fsc_wgnoise_mac2_check(nz, &ck, init, 148, src, 6, t0 + 3,
						&why), FSC_OK);
	assert_int_equal(fsc_wgnoise_mac2_check(nz, &ck, init, 148, other, 6, t0 + 3,
						&why), FSC_MALFORMED);
	/* after the refresh time the secret is stale: mac2 no longer passes,
	 * and the next reply takes the fresh secret */
	uint64_t late = t0 + FSC_WGNOISE_COOKIE_REFRESH_NS;
	assert_int_equal(fsc_wgnoise_mac2_check(nz, &ck, init, 148, src, 6, late,
						&why), FSC_MALFORMED);
	secret[0] ^= 1;
	assert_int_equal(fsc_wgnoise_cookie_reply_create(nz, &r.id, &ck, init, 148,
							 src, 6, late, secret, nonce,
							 reply, NULL), FSC_OK);
	assert_memory_equal(ck.secret, secret, 32);
	/* the initiator's own cookie expires: mac2 zero again */
	fsc_wgnoise_tai64n_make(ts, 1800000002, 0);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, &i.id, &i.peer, &i.hs,
						       eph, 0xabcdef03, ts,
						       t0 + 1 + FSC_WGNOISE_COOKIE_REFRESH_NS,
						       init, NULL), FSC_OK);
	for (int k = 132; k < 148; k++)
		assert_int_equal(init[k], 0);
	/* a tampered reply does not open */
	reply[40] ^= 1;
	assert_int_equal(fsc_wgnoise_cookie_reply_consume(nz, &i.peer, reply, 64,
							  t0, &why), FSC_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blake2s_rfc7693),
		cmocka_unit_test(blake2s_keyed),
		cmocka_unit_test(noise_constants),
		cmocka_unit_test(kdf_wireguard_go),
		cmocka_unit_test(x25519_rfc7748),
		cmocka_unit_test(chacha20poly1305_rfc8439),
		cmocka_unit_test(xchacha_draft),
		cmocka_unit_test(replay_sequence),
		cmocka_unit_test(replay_bulk),
		cmocka_unit_test(tai64n),
		cmocka_unit_test(real_initiation),
		cmocka_unit_test(real_exchange_with_wireguard_go),
		cmocka_unit_test(full_handshake),
		cmocka_unit_test(counter_limit),
		cmocka_unit_test(psk_handshake),
		cmocka_unit_test(cookie_flow),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
