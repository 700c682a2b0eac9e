/* wgpair.c - two WireGuard peers built on libdecode's core (wgnoise), in one
 * process, writing what they send as a capture and what they know as key
 * logs, for the decryption tests (tests/integration/wg_decrypt_tshark.sh).
 *
 *   wgpair OUT.pcap A.keys B.keys [BULK]
 *
 * OUT.pcap (LINKTYPE_RAW): A = 198.18.0.1:41641 (tunnel 100.64.0.1),
 * B = 198.18.0.2:51820 (tunnel 100.64.0.2).
 *   handshake 1, A initiates, no PSK: ICMP echo and reply, a TCP connection
 *     100.64.0.1:40000 -> 100.64.0.2:80 carrying GET /inner and its 200,
 *     keepalives;
 *   the same addresses and ports in the clear on the wire: GET /outer;
 *   handshake 2, B initiates, with a PSK: a UDP datagram each way;
 *   a transport message with a flipped tag byte (auth failure) and one to
 *   an index no handshake announced (no handshake).
 * A.keys / B.keys: each side's key log (Wireshark's format), written with
 * fsc_wgkeylog_handshake_lines as the engine does.
 *
 * With BULK, BULK more transport messages follow (inner UDP datagrams of
 * 512 bytes, alternating directions): the decryption benchmark's capture.
 *
 * Keys and ephemerals come from a fixed seed: the files are the same on
 * every run. Exit 0, or 1 with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/wgkeylog.h"
#include "fsc/wgnoise.h"

#define DIE(...) do { fprintf(stderr, "wgpair: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)
#define OK(x) do { if ((x) != FSC_OK) DIE("%s failed", #x); } while (0)

static FILE *pcap;
static int64_t clock_us = 1800000000LL * 1000000;
static struct fsc_wgnoise *nz;

struct peer {
	struct fsc_wgnoise_identity id;
	struct fsc_wgnoise_peer other;
	struct fsc_wgnoise_handshake hs;
	struct fsc_wgnoise_keypair kp;
	uint8_t ip[4], tun[4];
	uint16_t port;
	FILE *keys;
};

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 24) };
	fwrite(b, 1, 4, f);
}

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 header at p for a payload of n bytes; returns 20. */
static size_t ipv4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4],
		   uint8_t proto, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (unsigned)(20 + n));
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put16(p + 10, csum(p, 20, 0));
	return 20;
}

static uint32_t pseudo(const uint8_t *ip, uint8_t proto, size_t n)
{
	uint8_t ph[12];

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (unsigned)n);
	return (uint32_t)(uint16_t)~csum(ph, 12, 0);
}

static void record(const uint8_t *p, size_t n)
{
	clock_us += 1000;
	le32(pcap, (uint32_t)(clock_us / 1000000));
	le32(pcap, (uint32_t)(clock_us % 1000000));
	le32(pcap, (uint32_t)n);
	le32(pcap, (uint32_t)n);
	fwrite(p, 1, n, pcap);
}

/* An outer UDP datagram from a to b carrying msg. */
static void wire_udp(const struct peer *a, const struct peer *b,
		     const uint8_t *msg, size_t n)
{
	uint8_t pkt[2048];
	size_t h = ipv4(pkt, a->ip, b->ip, 17, 8 + n);

	put16(pkt + h, a->port);
	put16(pkt + h + 2, b->port);
	put16(pkt + h + 4, (unsigned)(8 + n));
	put16(pkt + h + 6, 0);
	memcpy(pkt + h + 8, msg, n);
	record(pkt, h + 8 + n);
}

/* Seals an inner packet from a to b and puts it on the wire. */
static void tunnel(struct peer *a, struct peer *b, const uint8_t *inner, size_t n)
{
	uint8_t msg[2048];
	size_t len;

	OK(fsc_wgnoise_transport_seal(nz, &a->kp, inner, n, 1420, msg, sizeof(msg),
				      &len, NULL));
	/* the receiver opens it, as a real peer would */
	uint8_t out[2048];
	size_t olen;
	OK(fsc_wgnoise_transport_open(nz, &b->kp, msg, len, out, sizeof(out), &olen,
				      NULL, NULL));
	wire_udp(a, b, msg, len);
}

static size_t tcp(uint8_t *pkt, const uint8_t src[4], const uint8_t dst[4],
		  uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		  uint8_t flags, const char *data)
{
	size_t dn = data ? strlen(data) : 0;
	size_t h = ipv4(pkt, src, dst, 6, 20 + dn);
	uint8_t *t = pkt + h;

	memset(t, 0, 20);
	put16(t, sport);
	put16(t + 2, dport);
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	memcpy(t + 20, data ? data : "", dn);
	put16(t + 16, csum(t, 20 + dn, pseudo(pkt, 6, 20 + dn)));
	return h + 20 + dn;
}

enum { FIN = 1, SYN = 2, PSH = 8, ACK = 16 };

/* A TCP exchange: GET path and a 200, from a's tunnel address to b's, sent
 * through the tunnel (via) or in the clear on the wire (via NULL). */
static void http_exchange(struct peer *a, struct peer *b, bool via, const char *path)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char req[128];
	uint8_t pkt[1500];
	uint32_t cs = 1000, ss = 5000;
	size_t n;
	const uint8_t *ca = a->tun, *sa = b->tun;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: inner.example\r\n\r\n", path);
#define SEND(from, to, ...) do { n = tcp(pkt, __VA_ARGS__); \
	if (via) tunnel(from, to, pkt, n); else record(pkt, n); } while (0)
	SEND(a, b, ca, sa, 40000, 80, cs, 0, SYN, NULL);
	SEND(b, a, sa, ca, 80, 40000, ss, cs + 1, SYN | ACK, NULL);
	SEND(a, b, ca, sa, 40000, 80, cs + 1, ss + 1, ACK, NULL);
	SEND(a, b, ca, sa, 40000, 80, cs + 1, ss + 1, PSH | ACK, req);
	SEND(b, a, sa, ca, 80, 40000, ss + 1, cs + 1 + (uint32_t)strlen(req), PSH | ACK,
	     resp);
	SEND(a, b, ca, sa, 40000, 80, cs + 1 + (uint32_t)strlen(req),
	     ss + 1 + (uint32_t)strlen(resp), FIN | ACK, NULL);
	SEND(b, a, sa, ca, 80, 40000, ss + 1 + (uint32_t)strlen(resp),
	     cs + 2 + (uint32_t)strlen(req), FIN | ACK, NULL);
#undef SEND
}

static void icmp_echo(struct peer *a, struct peer *b, uint8_t type)
{
	uint8_t pkt[128];
	size_t h = ipv4(pkt, a->tun, b->tun, 1, 8 + 32);

	memset(pkt + h, 0, 40);
	pkt[h] = type;
	put16(pkt + h + 4, 0x1234);
	put16(pkt + h + 6, 1);
	memset(pkt + h + 8, 0x61, 32);
	put16(pkt + h + 2, csum(pkt + h, 40, 0));
	tunnel(a, b, pkt, h + 40);
}

static void udp_inner(struct peer *a, struct peer *b, uint16_t sport, uint16_t dport)
{
	uint8_t pkt[128];
	size_t h = ipv4(pkt, a->tun, b->tun, 17, 8 + 5);

	put16(pkt + h, sport);
	put16(pkt + h + 2, dport);
	put16(pkt + h + 4, 13);
	put16(pkt + h + 6, 0);
	memcpy(pkt + h + 8, "hello", 5);
	tunnel(a, b, pkt, h + 13);
}

static void bulk_inner(struct peer *a, struct peer *b)
{
	uint8_t pkt[600];
	size_t h = ipv4(pkt, a->tun, b->tun, 17, 8 + 512);

	put16(pkt + h, 7000);
	put16(pkt + h + 2, 7001);
	put16(pkt + h + 4, 8 + 512);
	put16(pkt + h + 6, 0);
	memset(pkt + h + 8, 0x5a, 512);
	tunnel(a, b, pkt, h + 8 + 512);
}

static void seed(uint8_t *p, size_t n, uint8_t s)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(s * 29 + i * 13 + 7);
}

static void log_keys(struct peer *p, const uint8_t eph[32], bool with_remote,
		     const uint8_t *psk)
{
	char buf[4 * FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_handshake_lines(buf, sizeof(buf), p->id.priv,
						with_remote ? p->other.pub : NULL,
						eph, psk);
	fwrite(buf, 1, n, p->keys);
}

/* A full handshake: i initiates to r; both log their keys. */
static void handshake(struct peer *i, struct peer *r, uint8_t s, uint32_t ii,
		      uint32_t ri)
{
	uint8_t ei[32], er[32], ts[12], msg[148], who[32];

	seed(ei, 32, s);
	seed(er, 32, (uint8_t)(s + 1));
	fsc_wgnoise_tai64n_make(ts, (uint64_t)(clock_us / 1000000), 0x2a000000);
	OK(fsc_wgnoise_initiation_create(nz, &i->id, &i->other, &i->hs, ei, ii, ts, 0,
					 msg, NULL));
	wire_udp(i, r, msg, 148);
	OK(fsc_wgnoise_initiation_consume(nz, &r->id, msg, 148, &r->hs, who, NULL));
	OK(fsc_wgnoise_initiation_accept(nz, &r->other, &r->hs, msg, 148, NULL));
	OK(fsc_wgnoise_response_create(nz, &r->id, &r->other, &r->hs, er, ri, 0, msg,
				       NULL));
	wire_udp(r, i, msg, 92);
	OK(fsc_wgnoise_response_consume(nz, &i->id, &i->other, &i->hs, msg, 92, NULL));
	/* the initiator logs the responder's public key (it needs it); the
	 * responder need not */
	log_keys(i, i->hs.local_eph_priv, true, i->other.psk);
	log_keys(r, r->hs.local_eph_priv, false, r->other.psk);
	OK(fsc_wgnoise_keypair_derive(nz, &i->hs, &i->kp, NULL));
	OK(fsc_wgnoise_keypair_derive(nz, &r->hs, &r->kp, NULL));
}

static void setup_peer(struct peer *p, uint8_t s, const char *keys, uint8_t last)
{
	uint8_t k[32];

	memset(p, 0, sizeof(*p));
	seed(k, 32, s);
	OK(fsc_wgnoise_identity_set(nz, &p->id, k, NULL));
	p->ip[0] = 198, p->ip[1] = 18, p->ip[2] = 0, p->ip[3] = last;
	p->tun[0] = 100, p->tun[1] = 64, p->tun[2] = 0, p->tun[3] = last;
	p->keys = fopen(keys, "w");
	if (!p->keys)
		DIE("cannot write %s", keys);
}

int main(int argc, char **argv)
{
	struct peer a, b;
	uint8_t psk[32], msg[64];
	size_t n;

	if (argc != 4 && argc != 5)
		DIE("usage: wgpair OUT.pcap A.keys B.keys [BULK]");
	nz = fsc_wgnoise_new(NULL, 0);
	if (!nz)
		DIE("OpenSSL lacks what WireGuard needs");
	pcap = fopen(argv[1], "wb");
	if (!pcap)
		DIE("cannot write %s", argv[1]);
	le32(pcap, 0xa1b2c3d4);
	le32(pcap, 0x00040002);
	le32(pcap, 0);
	le32(pcap, 0);
	le32(pcap, 65535);
	le32(pcap, 101); /* LINKTYPE_RAW */

	setup_peer(&a, 1, argv[2], 1);
	setup_peer(&b, 2, argv[3], 2);
	a.port = 41641;
	b.port = 51820;
	OK(fsc_wgnoise_peer_set(nz, &a.other, &a.id, b.id.pub, NULL, NULL));
	OK(fsc_wgnoise_peer_set(nz, &b.other, &b.id, a.id.pub, NULL, NULL));

	handshake(&a, &b, 10, 0x0a0a0a01, 0x0b0b0b01);
	icmp_echo(&a, &b, 8);	/* the initiator's first message confirms keys */
	icmp_echo(&b, &a, 0);
	http_exchange(&a, &b, true, "/inner");
	tunnel(&a, &b, NULL, 0); /* keepalive */
	http_exchange(&a, &b, false, "/outer");

	/* Handshake 2: B initiates, both with a PSK. */
	seed(psk, 32, 99);
	memcpy(a.other.psk, psk, 32);
	memcpy(b.other.psk, psk, 32);
	handshake(&b, &a, 20, 0x0b0b0b02, 0x0a0a0a02);
	udp_inner(&b, &a, 5353, 9999);
	udp_inner(&a, &b, 9999, 5353);
	for (long i = argc == 5 ? atol(argv[4]) : 0; i > 0; i--)
		bulk_inner(i & 1 ? &a : &b, i & 1 ? &b : &a);

	/* Damage: a flipped tag byte; a receiver nobody announced. */
	OK(fsc_wgnoise_transport_seal(nz, &b.kp, NULL, 0, 1420, msg, sizeof(msg), &n,
				      NULL));
	msg[n - 1] ^= 1;
	wire_udp(&b, &a, msg, n);
	msg[4] ^= 0x55;
	wire_udp(&b, &a, msg, n);

	fclose(a.keys);
	fclose(b.keys);
	if (fclose(pcap) != 0)
		DIE("writing %s failed", argv[1]);
	fsc_wgnoise_free(nz);
	return 0;
}
