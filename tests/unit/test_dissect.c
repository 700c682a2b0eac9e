/* test_dissect.c - link layers, IPv4/IPv6, UDP/TCP headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/dissect.h"
#include "tunnel_vectors.h"
#include "vectors.h"

/* IPv4 + UDP, 198.18.0.1:41641 -> 198.18.0.2:51820, 4 payload bytes. */
static const char ipv4_udp[] =
	"45 00 00 20"		/* v4, ihl 5, tos 0, total 32 */
	"12 34 40 00"		/* id 0x1234, DF, offset 0 */
	"40 11 00 00"		/* ttl 64, udp, checksum (ignored) */
	"c6 12 00 01"		/* 198.18.0.1 */
	"c6 12 00 02"		/* 198.18.0.2 */
	"a2 a9 ca 6c"		/* sport 41641, dport 51820 */
	"00 0c 00 00"		/* udp length 12, checksum 0 */
	"de ad be ef";		/* payload */

/* IPv6 + hop-by-hop (8) + destination options (16) + TCP SYN, 2001:db8::1 ->
 * 2001:db8::2, ports 443 -> 50000. */
static const char ipv6_ext_tcp[] =
	"60 00 00 00"		/* v6 */
	"00 2c 00 40"		/* payload 44, next hop-by-hop, hop limit 64 */
	"20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
	"20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02"
	"3c 00 01 04 00 00 00 00" /* hbh: next dstopts, len 0, padn */
	"06 01 01 0c 00 00 00 00 00 00 00 00 00 00 00 00" /* dstopts: next tcp, len 1 */
	"01 bb c3 50"		/* sport 443, dport 50000 */
	"00 00 00 01"		/* seq 1 */
	"00 00 00 00"		/* ack 0 */
	"50 02 ff ff"		/* doff 5, SYN, window 65535 */
	"00 00 00 00";		/* checksum, urgent */

static size_t load(const char *hex, uint8_t *buf, size_t max)
{
	return vec_hex(hex, buf, max);
}

static void check_ipv4_udp(const struct fsc_packet *pkt)
{
	char s[FSC_ADDR_STRLEN];

	assert_int_equal(pkt->status, FSC_OK);
	assert_int_equal(pkt->ipver, 4);
	assert_string_equal(fsc_addr_str(&pkt->src, s), "198.18.0.1");
	assert_string_equal(fsc_addr_str(&pkt->dst, s), "198.18.0.2");
	assert_int_equal(pkt->proto, 17);
	assert_int_equal(pkt->ttl, 64);
	assert_int_equal(pkt->sport, 41641);
	assert_int_equal(pkt->dport, 51820);
	assert_int_equal(pkt->layer, FSC_LAYER_PAYLOAD);
	assert_int_equal(pkt->payload_len, 4);
	assert_int_equal(pkt->payload_wire_len, 4);
	assert_memory_equal(pkt->payload, "\xde\xad\xbe\xef", 4);
	assert_false(pkt->fragment);
}

/*
 * Every prefix of a frame, as a capture with that snapshot length holds it
 * (caplen n, wirelen the whole): a cut header is truncated, a cut payload
 * is still OK at the whole frame's layer, and a frame that is bad as a
 * whole may say so (its own status) once the bad bytes are in. Never OK
 * for a bad frame, never a read past the end (the guard page faults).
 */
static void every_prefix_of(int linktype, const uint8_t *f, size_t len, bool bad)
{
	struct fsc_packet full, pkt;
	enum fsc_status fst = fsc_dissect(linktype, f, len, len, &full);

	assert_true(bad ? fst != FSC_OK : fst == FSC_OK);
	for (size_t n = 0; n < len; n++) {
		uint8_t *g = vec_guard(f, n);
		enum fsc_status st = fsc_dissect(linktype, g, n, len, &pkt);
		if (st == FSC_OK) {
			if (bad || pkt.layer != full.layer ||
			    pkt.payload_len >= pkt.payload_wire_len)
				fail_msg("linktype %d prefix %zu of %zu: OK at layer %d, payload "
					 "%zu of %zu", linktype, n, len, (int)pkt.layer,
					 pkt.payload_len, pkt.payload_wire_len);
		} else if (st != FSC_TRUNCATED && !(bad && st == fst)) {
			fail_msg("linktype %d prefix %zu of %zu: %s (%s)", linktype, n, len,
				 fsc_status_name(st), pkt.why);
		} else {
			assert_non_null(pkt.why);
		}
		vec_guard_free(g, n);
	}
}

static void every_prefix(int linktype, const uint8_t *f, size_t len)
{
	every_prefix_of(linktype, f, len, false);
}

static void raw_and_ipv4_linktypes(void **state)
{
	(void)state;
	uint8_t ip[64];
	size_t n = load(ipv4_udp, ip, sizeof(ip));
	struct fsc_packet pkt;

	fsc_dissect(101, ip, n, n, &pkt);
	check_ipv4_udp(&pkt);
	fsc_dissect(228, ip, n, n, &pkt);
	check_ipv4_udp(&pkt);
	assert_int_equal(fsc_dissect(229, ip, n, n, &pkt), FSC_MALFORMED); /* IPV6 type */
	fsc_dissect_ip(ip, n, &pkt);
	check_ipv4_udp(&pkt);
	every_prefix(101, ip, n);
}

static size_t wrap(const uint8_t *hdr, size_t hlen, const uint8_t *ip, size_t n,
		   uint8_t *out)
{
	memcpy(out, hdr, hlen);
	memcpy(out + hlen, ip, n);
	return hlen + n;
}

static void ethernet_vlan_qinq(void **state)
{
	(void)state;
	uint8_t ip[64], f[128], h[32];
	size_t n = load(ipv4_udp, ip, sizeof(ip)), hl, fl;
	struct fsc_packet pkt;

	hl = vec_hex("02 00 00 00 00 02  02 00 00 00 00 01  08 00", h, sizeof(h));
	fl = wrap(h, hl, ip, n, f);
	fsc_dissect(1, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	assert_int_equal(pkt.n_vlan, 0);
	every_prefix(1, f, fl);

	hl = vec_hex("02 00 00 00 00 02  02 00 00 00 00 01"
		     "81 00 20 64" /* 802.1Q, PCP 1, VID 100 */
		     "08 00", h, sizeof(h));
	fl = wrap(h, hl, ip, n, f);
	fsc_dissect(1, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	assert_int_equal(pkt.n_vlan, 1);
	assert_int_equal(pkt.vlan[0], 100);
	every_prefix(1, f, fl);

	hl = vec_hex("02 00 00 00 00 02  02 00 00 00 00 01"
		     "88 a8 00 0a"	/* service tag VID 10 */
		     "81 00 00 14"	/* customer tag VID 20 */
		     "08 00", h, sizeof(h));
	fl = wrap(h, hl, ip, n, f);
	fsc_dissect(1, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	assert_int_equal(pkt.n_vlan, 2);
	assert_int_equal(pkt.vlan[0], 10);
	assert_int_equal(pkt.vlan[1], 20);
	every_prefix(1, f, fl);

	/* Ethernet pads short frames: the IP length rules, padding ignored. */
	hl = vec_hex("02 00 00 00 00 02  02 00 00 00 00 01  08 00", h, sizeof(h));
	fl = wrap(h, hl, ip, n, f);
	memset(f + fl, 0, 14);
	fsc_dissect(1, f, fl + 14, fl + 14, &pkt);
	check_ipv4_udp(&pkt);

	/* ARP is not IP: not-this, with the ethertype kept. */
	hl = vec_hex("ff ff ff ff ff ff  02 00 00 00 00 01  08 06  00 01 08 00", h, sizeof(h));
	assert_int_equal(fsc_dissect(1, h, hl, hl, &pkt), FSC_NOT_THIS);
	assert_int_equal(pkt.ethertype, 0x0806);
}

static void linux_cooked(void **state)
{
	(void)state;
	uint8_t ip[64], f[128], h[32];
	size_t n = load(ipv4_udp, ip, sizeof(ip)), hl, fl;
	struct fsc_packet pkt;

	hl = vec_hex("00 00"		/* packet type: to us */
		     "00 01"		/* ARPHRD_ETHER */
		     "00 06"		/* address length */
		     "02 00 00 00 00 01 00 00" /* address, padded to 8 */
		     "08 00", h, sizeof(h)); /* protocol */
	fl = wrap(h, hl, ip, n, f);
	fsc_dissect(113, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	every_prefix(113, f, fl);

	hl = vec_hex("08 00"		/* protocol */
		     "00 00"		/* reserved */
		     "00 00 00 02"	/* ifindex */
		     "00 01"		/* ARPHRD_ETHER */
		     "04"		/* packet type: outgoing */
		     "06"		/* address length */
		     "02 00 00 00 00 01 00 00", h, sizeof(h));
	fl = wrap(h, hl, ip, n, f);
	fsc_dissect(276, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	every_prefix(276, f, fl);
}

static void null_and_loop(void **state)
{
	(void)state;
	uint8_t ip[64], ip6[128], f[160], h[8];
	size_t n = load(ipv4_udp, ip, sizeof(ip)), fl;
	size_t n6 = load(ipv6_ext_tcp, ip6, sizeof(ip6));
	struct fsc_packet pkt;

	/* NULL written on a little-endian host: AF_INET = 2. */
	fl = wrap(h, vec_hex("02 00 00 00", h, sizeof(h)), ip, n, f);
	fsc_dissect(0, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	every_prefix(0, f, fl);
	/* ... and on a big-endian host. */
	fl = wrap(h, vec_hex("00 00 00 02", h, sizeof(h)), ip, n, f);
	fsc_dissect(0, f, fl, fl, &pkt);
	check_ipv4_udp(&pkt);
	every_prefix(0, f, fl);
	/* AF_INET6 of Darwin (30), little-endian. */
	fl = wrap(h, vec_hex("1e 00 00 00", h, sizeof(h)), ip6, n6, f);
	assert_int_equal(fsc_dissect(0, f, fl, fl, &pkt), FSC_OK);
	assert_int_equal(pkt.ipver, 6);
	every_prefix(0, f, fl);
	/* LOOP is always network order: AF_INET6 of FreeBSD (28). */
	fl = wrap(h, vec_hex("00 00 00 1c", h, sizeof(h)), ip6, n6, f);
	assert_int_equal(fsc_dissect(108, f, fl, fl, &pkt), FSC_OK);
	assert_int_equal(pkt.ipver, 6);
	every_prefix(108, f, fl);
	/* An unknown family is not IP. */
	fl = wrap(h, vec_hex("07 00 00 00", h, sizeof(h)), ip, n, f);
	assert_int_equal(fsc_dissect(0, f, fl, fl, &pkt), FSC_NOT_THIS);
}

static void ipv6_extension_chain(void **state)
{
	(void)state;
	uint8_t ip6[128];
	size_t n = load(ipv6_ext_tcp, ip6, sizeof(ip6));
	struct fsc_packet pkt;
	char s[FSC_ADDR_STRLEN];

	assert_int_equal(fsc_dissect(229, ip6, n, n, &pkt), FSC_OK);
	assert_int_equal(pkt.n_ext_hdrs, 2);
	assert_int_equal(pkt.proto, 6);
	assert_string_equal(fsc_addr_str(&pkt.src, s), "2001:db8::1");
	assert_int_equal(pkt.sport, 443);
	assert_int_equal(pkt.dport, 50000);
	assert_int_equal(pkt.seq, 1);
	assert_int_equal(pkt.tcp_flags, FSC_TCP_SYN);
	assert_int_equal(pkt.window, 65535);
	assert_int_equal(pkt.payload_len, 0);
	every_prefix(229, ip6, n);
}

static void ipv6_endless_chain(void **state)
{
	(void)state;
	uint8_t ip6[40 + 8 * 40];
	struct fsc_packet pkt;

	memset(ip6, 0, sizeof(ip6));
	ip6[0] = 0x60;
	ip6[4] = (8 * 40) >> 8;
	ip6[5] = (8 * 40) & 0xff;
	ip6[6] = 0;		/* hop-by-hop */
	for (int i = 0; i < 40; i++)
		ip6[40 + 8 * i] = 60; /* each says: destination options follows */
	assert_int_equal(fsc_dissect(229, ip6, sizeof(ip6), sizeof(ip6), &pkt), FSC_MALFORMED);
	assert_string_equal(pkt.why, "ipv6 extension header chain too long");
	every_prefix_of(229, ip6, sizeof(ip6), true);
}

static void ipv4_options_and_fragments(void **state)
{
	(void)state;
	uint8_t ip[64];
	size_t n;
	struct fsc_packet pkt;

	/* IHL 6: one word of options (NOP NOP NOP EOL). */
	n = vec_hex("46 00 00 24  00 01 20 00  40 11 00 00  c6 12 00 01  c6 12 00 02"
		    "01 01 01 00"		/* options */
		    "a2 a9 ca 6c 00 0c 00 00 de ad be ef", ip, sizeof(ip));
	assert_int_equal(fsc_dissect(101, ip, n, n, &pkt), FSC_OK);
	assert_int_equal(pkt.ip_options_len, 4);
	assert_true(pkt.fragment); /* MF set, offset 0: the first fragment */
	assert_true(pkt.first_fragment);
	assert_true(pkt.more_fragments);
	assert_int_equal(pkt.sport, 41641);
	every_prefix(101, ip, n);

	/* A later fragment: offset 185*8 = 1480, no transport header. */
	n = vec_hex("45 00 00 1c  00 01 00 b9  40 11 00 00  c6 12 00 01  c6 12 00 02"
		    "01 02 03 04 05 06 07 08", ip, sizeof(ip));
	assert_int_equal(fsc_dissect(101, ip, n, n, &pkt), FSC_OK);
	assert_true(pkt.fragment);
	assert_false(pkt.first_fragment);
	assert_int_equal(pkt.frag_offset, 1480);
	assert_int_equal(pkt.layer, FSC_LAYER_NET);
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.payload_len, 8);
	every_prefix(101, ip, n);
}

/* The first fragment of a 3000-byte UDP datagram: the UDP length announces
 * more than this fragment holds, which is no fault. */
static void udp_first_fragment(void **state)
{
	(void)state;
	uint8_t ip[64];
	size_t n;
	struct fsc_packet pkt;

	n = vec_hex("45 00 00 24  00 07 20 00  40 11 00 00  c6 12 00 01  c6 12 00 02"
		    "d5 97 23 28 0b c0 00 00"	/* udp length 3008 */
		    "01 02 03 04 05 06 07 08", ip, sizeof(ip));
	assert_int_equal(fsc_dissect(101, ip, n, n, &pkt), FSC_OK);
	assert_true(pkt.first_fragment);
	assert_int_equal(pkt.payload_len, 8);
	assert_int_equal(pkt.payload_wire_len, 3000);
	every_prefix(101, ip, n);
	/* Without MF the same length is a lie. */
	ip[6] = 0;
	assert_int_equal(fsc_dissect(101, ip, n, n, &pkt), FSC_MALFORMED);
	assert_string_equal(pkt.why, "udp length beyond ip payload");
	every_prefix_of(101, ip, n, true);
}

/* An IPv6 Fragment header with offset 0 and M clear is a whole datagram. */
static void ipv6_atomic_fragment(void **state)
{
	(void)state;
	uint8_t ip6[128];
	size_t n;
	struct fsc_packet pkt;

	n = vec_hex("60 00 00 00 00 14 2c 40"
		    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
		    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02"
		    "11 00 00 00 0f 5c 00 01"	/* fragment: next udp, offset 0, M 0 */
		    "a2 a9 ca 6c 00 0c 00 00 de ad be ef", ip6, sizeof(ip6));
	assert_int_equal(fsc_dissect(229, ip6, n, n, &pkt), FSC_OK);
	assert_false(pkt.fragment);
	assert_int_equal(pkt.frag_id, 0x0f5c0001);
	assert_int_equal(pkt.dport, 51820);
	every_prefix(229, ip6, n);
	/* With M set it is the first of several. */
	ip6[80 - 40 + 3] = 0x01;
	assert_int_equal(fsc_dissect(229, ip6, n, n, &pkt), FSC_OK);
	assert_true(pkt.first_fragment);
	every_prefix(229, ip6, n);
}

struct bad {
	const char *name;
	int linktype;
	const char *hex;
	enum fsc_status st;
	const char *why;
};

static const struct bad bad_frames[] = {
	{ "ihl below 5", 101, "44 00 00 20 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02",
	  FSC_MALFORMED, "ipv4 header length below 5" },
	{ "total below ihl", 101, "45 00 00 10 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02",
	  FSC_MALFORMED, "ipv4 total length below header length" },
	{ "ihl beyond packet", 101, "4f 00 00 14 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02",
	  FSC_MALFORMED, "ipv4 total length below header length" },
	{ "version 5", 101, "55 00 00 14", FSC_MALFORMED, "ip version neither 4 nor 6" },
	{ "udp length 4", 101,
	  "45 00 00 1c 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02 00 35 00 35 00 04 00 00",
	  FSC_MALFORMED, "udp length below header size" },
	{ "udp length beyond ip", 101,
	  "45 00 00 1c 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02 00 35 00 35 00 40 00 00",
	  FSC_MALFORMED, "udp length beyond ip payload" },
	{ "tcp data offset beyond segment", 101,
	  "45 00 00 28 00 00 00 00 40 06 00 00 c6 12 00 01 c6 12 00 02"
	  "00 50 c3 50 00 00 00 01 00 00 00 00 f0 02 ff ff 00 00 00 00",
	  FSC_MALFORMED, "tcp data offset beyond segment" },
	{ "tcp data offset 4", 101,
	  "45 00 00 28 00 00 00 00 40 06 00 00 c6 12 00 01 c6 12 00 02"
	  "00 50 c3 50 00 00 00 01 00 00 00 00 40 02 ff ff 00 00 00 00",
	  FSC_MALFORMED, "tcp data offset below 5" },
	{ "ethernet says ipv6, packet is v4", 1,
	  "02 00 00 00 00 02 02 00 00 00 00 01 86 dd"
	  "45 00 00 14 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02",
	  FSC_MALFORMED, "ip version disagrees with link type" },
	{ "unsupported linktype", 9999, "00", FSC_NOT_THIS, "unsupported link type" },
};

static void malformed_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]); i++) {
		const struct bad *b = &bad_frames[i];
		uint8_t f[128];
		size_t n = vec_hex(b->hex, f, sizeof(f));
		struct fsc_packet pkt;
		uint8_t *g = vec_guard(f, n);
		enum fsc_status st = fsc_dissect(b->linktype, g, n, n, &pkt);
		if (st != b->st || strcmp(pkt.why, b->why) != 0)
			fail_msg("%s: got %s (%s), want %s (%s)", b->name,
				 fsc_status_name(st), pkt.why, fsc_status_name(b->st), b->why);
		vec_guard_free(g, n);
		every_prefix_of(b->linktype, f, n, true);
	}
}

/* The IP total length beyond the frame is reported, and what was captured
 * is still decoded: nothing that could be kept is lost. */
static void lying_length_keeps_fields(void **state)
{
	(void)state;
	uint8_t ip[64];
	size_t n = load(ipv4_udp, ip, sizeof(ip));
	struct fsc_packet pkt;

	ip[3] = 0x40; /* total 64, frame 32 */
	assert_int_equal(fsc_dissect(101, ip, n, n, &pkt), FSC_MALFORMED);
	assert_string_equal(pkt.why, "ipv4 total length beyond frame");
	assert_int_equal(pkt.sport, 41641);
	assert_int_equal(pkt.payload_len, 4);
}

/* A snaplen cut inside the payload keeps the wire length. */
static void snaplen_cut_payload(void **state)
{
	(void)state;
	uint8_t ip[64];
	size_t n = load(ipv4_udp, ip, sizeof(ip));
	struct fsc_packet pkt;

	assert_int_equal(fsc_dissect(101, ip, n - 2, n, &pkt), FSC_OK);
	assert_int_equal(pkt.payload_len, 2);
	assert_int_equal(pkt.payload_wire_len, 4);
	/* Cut inside the UDP header: truncated, not malformed. */
	assert_int_equal(fsc_dissect(101, ip, 24, n, &pkt), FSC_TRUNCATED);
	assert_string_equal(pkt.why, "udp header cut short");
	assert_int_equal(pkt.layer, FSC_LAYER_TRANSPORT);
}

/* LINKTYPE_USER0: a `tailscale debug capture` record, then IP, at every
 * snapshot length. */
static void tscap_records(void **state)
{
	(void)state;
	static const char *const names[] = { "tscap_from_peer", "tscap_synth_to_local",
					     "tscap_from_local_nat" };
	struct fsc_packet pkt;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct tun_vec *v = tv_find(names[i]);
		uint8_t f[256];
		size_t n;

		assert_non_null(v);
		n = vec_hex(v->hex, f, sizeof(f));
		assert_int_equal(fsc_dissect(147, f, n, n, &pkt), FSC_OK);
		assert_true(pkt.has_tscap);
		assert_int_equal(pkt.layer, FSC_LAYER_PAYLOAD);
		every_prefix(147, f, n);
	}
}

/* The header a debug capture writer puts before an inner packet
 * (fsc_tscap_encode_head) reads back: path, no NAT, the packet whole, and
 * the packet's IP length. */
static void tscap_written(void **state)
{
	(void)state;
	const struct tun_vec *v = tv_find("tscap_from_peer");
	uint8_t f[256], w[256];
	struct fsc_packet pkt;
	struct fsc_tscap t;
	size_t n, head;

	assert_non_null(v);
	n = vec_hex(v->hex, f, sizeof(f));
	assert_int_equal(fsc_tscap_decode(f, n, &t, NULL), FSC_OK);
	assert_int_equal(fsc_tscap_encode_head(w, 3, FSC_TSCAP_SYNTH_TO_PEER), 0);
	head = fsc_tscap_encode_head(w, sizeof(w), FSC_TSCAP_SYNTH_TO_PEER);
	assert_int_equal(head, FSC_TSCAP_HEAD_LEN);
	memcpy(w + head, t.data, t.data_len);
	assert_int_equal(fsc_dissect(147, w, head + t.data_len, head + t.data_len, &pkt), FSC_OK);
	assert_int_equal(pkt.tscap.path, FSC_TSCAP_SYNTH_TO_PEER);
	assert_int_equal(pkt.tscap.snat.family, 0);
	assert_int_equal(pkt.tscap.dnat.family, 0);
	assert_int_equal(pkt.tscap.data_len, t.data_len);
	assert_int_equal(pkt.ip_len, t.data_len);
}

static void linktype_names(void **state)
{
	(void)state;
	assert_string_equal(fsc_linktype_name(1), "EN10MB");
	assert_string_equal(fsc_linktype_name(276), "LINUX_SLL2");
	assert_string_equal(fsc_linktype_name(147), "USER0");
	assert_null(fsc_linktype_name(105));
	assert_false(fsc_linktype_supported(105));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(raw_and_ipv4_linktypes),
		cmocka_unit_test(ethernet_vlan_qinq),
		cmocka_unit_test(linux_cooked),
		cmocka_unit_test(null_and_loop),
		cmocka_unit_test(ipv6_extension_chain),
		cmocka_unit_test(ipv6_endless_chain),
		cmocka_unit_test(ipv4_options_and_fragments),
		cmocka_unit_test(udp_first_fragment),
		cmocka_unit_test(ipv6_atomic_fragment),
		cmocka_unit_test(malformed_frames),
		cmocka_unit_test(lying_length_keeps_fields),
		cmocka_unit_test(snaplen_cut_payload),
		cmocka_unit_test(tscap_records),
		cmocka_unit_test(tscap_written),
		cmocka_unit_test(linktype_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
