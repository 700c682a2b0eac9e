/* wgpeer.c - a minimal WireGuard peer built on libdecode's core (wgnoise),
 * for tests against wireguard-go: one UDP socket, no TUN. It writes a key
 * log of every handshake it takes part in (fsc/wgkeylog.h), so a capture of
 * its traffic can be decrypted by tshark and fdecode alike.
 *
 *   wgpeer --key FILE --peer PUB --endpoint IPV4:PORT --port N
 *          --addr A.B.C.D --peer-addr A.B.C.D --keylog FILE
 *          [--pings N] [--http-port P] [--serve N] [--timeout SECONDS]
 *
 * In order: a handshake it initiates; N ICMP echo requests to --peer-addr,
 * each awaiting its reply; with --http-port, one HTTP/1.0 GET over a small
 * TCP client of its own; then it answers echo requests (and any handshake
 * the peer initiates) until it has answered --serve of them. Every step is
 * bounded by --timeout (default 10 s). Prints one line a step; exit 0 when
 * all succeeded, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsc/wgkeylog.h"
#include "fsc/wgnoise.h"

#define DIE(...) do { fprintf(stderr, "wgpeer: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

static struct fsc_wgnoise *nz;
static struct fsc_wgnoise_identity me;
static struct fsc_wgnoise_peer peer;
static struct fsc_wgnoise_handshake hs;
static struct fsc_wgnoise_keypair kps[3]; /* current, previous, next (unconfirmed) */
static bool have_kp[3];
static int sock;
static struct sockaddr_in endpoint;
static FILE *keylog;
static uint8_t my_ip[4], peer_ip[4];
static unsigned answered; /* echo requests answered */
static double timeout_s = 10;

/* TCP client state */
static struct {
	uint16_t sport, dport;
	uint32_t seq, ack;
	bool established, fin;
	char buf[8192];
	size_t len;
} tcp;
static unsigned ping_replies;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void random_bytes(void *p, size_t n)
{
	FILE *f = fopen("/dev/urandom", "rb");

	if (!f || fread(p, 1, n, f) != n)
		DIE("cannot read /dev/urandom");
	fclose(f);
}

static void b64_key(const char *s, uint8_t out[32])
{
	uint8_t tmp[48];
	size_t n = strcspn(s, "\r\n");

	if (n != 44 || EVP_DecodeBlock(tmp, (const unsigned char *)s, 44) != 33)
		DIE("not a base64 key: '%.60s'", s);
	memcpy(out, tmp, 32);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
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

static size_t ipv4(uint8_t *p, uint8_t proto, size_t n)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (unsigned)(20 + n));
	p[6] = 0x40;
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, my_ip, 4);
	memcpy(p + 16, peer_ip, 4);
	put16(p + 10, csum(p, 20, 0));
	return 20;
}

static void send_udp(const uint8_t *p, size_t n)
{
	if (sendto(sock, p, n, 0, (const struct sockaddr *)&endpoint,
		   sizeof(endpoint)) != (ssize_t)n)
		DIE("sendto: %s", strerror(errno));
}

static void log_handshake(bool initiator)
{
	char buf[4 * FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_handshake_lines(buf, sizeof(buf), me.priv,
						initiator ? peer.pub : NULL,
						hs.local_eph_priv, peer.psk);

	fwrite(buf, 1, n, keylog);
	fflush(keylog);
}

static void send_inner(const uint8_t *p, size_t n)
{
	uint8_t msg[2048];
	size_t len;

	if (!have_kp[0])
		DIE("no session to send on");
	if (fsc_wgnoise_transport_seal(nz, &kps[0], p, n, 1420, msg, sizeof(msg), &len,
				       NULL) != FSC_OK)
		DIE("seal failed");
	send_udp(msg, len);
}

static void initiate(void)
{
	uint8_t eph[32], ts[12], msg[148];
	uint32_t index;
	struct timespec rt;

	random_bytes(eph, sizeof(eph));
	random_bytes(&index, sizeof(index));
	clock_gettime(CLOCK_REALTIME, &rt);
	fsc_wgnoise_tai64n_make(ts, (uint64_t)rt.tv_sec, (uint32_t)rt.tv_nsec);
	if (fsc_wgnoise_initiation_create(nz, &me, &peer, &hs, eph, index, ts, now_ns(),
					  msg, NULL) != FSC_OK)
		DIE("initiation failed");
	send_udp(msg, sizeof(msg));
}

static void rotate_in(int slot_from)
{
	kps[1] = kps[0];
	have_kp[1] = have_kp[0];
	kps[0] = kps[slot_from];
	have_kp[0] = true;
	if (slot_from == 2)
		have_kp[2] = false;
}

static void tcp_send(uint8_t flags, const char *data)
{
	uint8_t pkt[1500];
	size_t dn = data ? strlen(data) : 0;
	size_t h = ipv4(pkt, 6, 20 + dn);
	uint8_t *t = pkt + h, ph[12];

	memset(t, 0, 20);
	put16(t, tcp.sport);
	put16(t + 2, tcp.dport);
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(tcp.seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(tcp.ack >> (24 - 8 * i));
	}
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 65535);
	if (dn)
		memcpy(t + 20, data, dn);
	memcpy(ph, pkt + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (unsigned)(20 + dn));
	put16(t + 16, csum(t, 20 + dn, (uint16_t)~csum(ph, 12, 0)));
	send_inner(pkt, h + 20 + dn);
	tcp.seq += (uint32_t)dn + ((flags & 3) ? 1 : 0); /* SYN and FIN count */
}

static void on_tcp(const uint8_t *t, size_t n)
{
	size_t off = (size_t)(t[12] >> 4) * 4;
	uint8_t flags = t[13];

	if (n < 20 || off < 20 || off > n || get16(t) != tcp.dport ||
	    get16(t + 2) != tcp.sport)
		return;
	if ((flags & 0x12) == 0x12 && !tcp.established) {
		tcp.ack = get32(t + 4) + 1;
		tcp.established = true;
		tcp_send(0x10, NULL);
		char req[128];
		snprintf(req, sizeof(req), "GET /wgpeer HTTP/1.0\r\nHost: %u.%u.%u.%u\r\n\r\n",
			 peer_ip[0], peer_ip[1], peer_ip[2], peer_ip[3]);
		tcp_send(0x18, req);
		return;
	}
	if (!tcp.established || get32(t + 4) != tcp.ack)
		return; /* out of order: the server retransmits */
	size_t dn = n - off;
	if (dn && tcp.len + dn < sizeof(tcp.buf)) {
		memcpy(tcp.buf + tcp.len, t + off, dn);
		tcp.len += dn;
	}
	tcp.ack += (uint32_t)dn;
	if (flags & 0x01) {
		tcp.ack++;
		tcp.fin = true;
		tcp_send(0x11, NULL);
	} else if (dn) {
		tcp_send(0x10, NULL);
	}
}

static void on_icmp(const uint8_t *ip, size_t ihl, size_t total)
{
	uint8_t reply[1500];
	const uint8_t *ic = ip + ihl;
	size_t n = total - ihl;

	if (n < 8)
		return;
	if (ic[0] == 0) {
		ping_replies++;
		return;
	}
	if (ic[0] != 8 || total > sizeof(reply))
		return;
	/* An echo reply: same body, addresses swapped (ours are fixed). */
	size_t h = ipv4(reply, 1, n);
	memcpy(reply + h, ic, n);
	reply[h] = 0;
	put16(reply + h + 2, 0);
	put16(reply + h + 2, csum(reply + h, n, 0));
	send_inner(reply, h + n);
	answered++;
}

static void on_inner(const uint8_t *p, size_t n)
{
	size_t ihl, total;

	if (n < 20 || (p[0] >> 4) != 4)
		return;
	ihl = (size_t)(p[0] & 15) * 4;
	total = get16(p + 2);
	if (total > n || ihl < 20 || ihl > total || memcmp(p + 16, my_ip, 4) != 0)
		return;
	if (p[9] == 1)
		on_icmp(p, ihl, total);
	else if (p[9] == 6)
		on_tcp(p + ihl, total - ihl);
}

static void on_message(uint8_t *m, size_t n)
{
	uint8_t who[32], out[2048];
	size_t olen;

	if (n < 4)
		return;
	switch (m[0]) {
	case 1: { /* the peer initiates: answer */
		struct fsc_wgnoise_handshake t;
		uint8_t eph[32], msg[92];
		uint32_t index;
		if (fsc_wgnoise_initiation_consume(nz, &me, m, n, &t, who, NULL) != FSC_OK ||
		    memcmp(who, peer.pub, 32) != 0 ||
		    fsc_wgnoise_initiation_accept(nz, &peer, &t, m, n, NULL) != FSC_OK)
			return;
		hs = t;
		random_bytes(eph, sizeof(eph));
		random_bytes(&index, sizeof(index));
		if (fsc_wgnoise_response_create(nz, &me, &peer, &hs, eph, index, now_ns(),
						msg, NULL) != FSC_OK)
			return;
		log_handshake(false);
		if (fsc_wgnoise_keypair_derive(nz, &hs, &kps[2], NULL) == FSC_OK)
			have_kp[2] = true;
		send_udp(msg, sizeof(msg));
		printf("responded to a handshake\n");
		break;
	}
	case 2:
		if (fsc_wgnoise_response_consume(nz, &me, &peer, &hs, m, n, NULL) != FSC_OK)
			return;
		log_handshake(true);
		if (fsc_wgnoise_keypair_derive(nz, &hs, &kps[2], NULL) == FSC_OK)
			rotate_in(2);
		printf("handshake ok\n");
		break;
	case 3:
		(void)fsc_wgnoise_cookie_reply_consume(nz, &peer, m, n, now_ns(), NULL);
		break;
	case 4:
		for (int i = 0; i < 3; i++) {
			if (!have_kp[i] ||
			    fsc_wgnoise_transport_open(nz, &kps[i], m, n, out, sizeof(out),
						       &olen, NULL, NULL) != FSC_OK)
				continue;
			if (i == 2)
				rotate_in(2); /* confirmed: the initiator used it */
			on_inner(out, olen);
			break;
		}
		break;
	default:
		break;
	}
}

/* Receives until done() or the timeout; false on timeout. */
static bool run_until(bool (*done)(void), double seconds)
{
	uint64_t end = now_ns() + (uint64_t)(seconds * 1e9);

	while (!done()) {
		uint64_t t = now_ns();
		if (t >= end)
			return false;
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int ms = (int)((end - t) / 1000000) + 1;
		if (poll(&pfd, 1, ms > 200 ? 200 : ms) <= 0)
			continue;
		uint8_t buf[2048];
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(sock, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (r > 0) {
			endpoint = from; /* roaming, as WireGuard does */
			on_message(buf, (size_t)r);
		}
	}
	return true;
}

static unsigned want;
static bool have_session(void) { return have_kp[0]; }
static bool have_replies(void) { return ping_replies >= want; }
static bool http_done(void) { return tcp.fin; }
static bool served(void) { return answered >= want; }

static void ping(uint16_t seq)
{
	uint8_t pkt[64];
	size_t h = ipv4(pkt, 1, 8 + 16);

	memset(pkt + h, 0, 24);
	pkt[h] = 8;
	put16(pkt + h + 4, 0x4242);
	put16(pkt + h + 6, seq);
	memcpy(pkt + h + 8, "wgpeer-ping-data", 16);
	put16(pkt + h + 2, csum(pkt + h, 24, 0));
	send_inner(pkt, h + 24);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "peer", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "port", required_argument, NULL, 'P' },
		{ "addr", required_argument, NULL, 'a' },
		{ "peer-addr", required_argument, NULL, 'A' },
		{ "keylog", required_argument, NULL, 'l' },
		{ "pings", required_argument, NULL, 'n' },
		{ "http-port", required_argument, NULL, 'H' },
		{ "serve", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *pub = NULL, *ep = NULL, *logf = NULL;
	unsigned port = 0, pings = 3, http_port = 0, serve = 0;
	uint8_t priv[32], ppub[32];
	char line[128];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case 'p': pub = optarg; break;
		case 'e': ep = optarg; break;
		case 'P': port = (unsigned)atoi(optarg); break;
		case 'a': if (inet_pton(AF_INET, optarg, my_ip) != 1) DIE("bad --addr"); break;
		case 'A': if (inet_pton(AF_INET, optarg, peer_ip) != 1) DIE("bad --peer-addr"); break;
		case 'l': logf = optarg; break;
		case 'n': pings = (unsigned)atoi(optarg); break;
		case 'H': http_port = (unsigned)atoi(optarg); break;
		case 's': serve = (unsigned)atoi(optarg); break;
		case 't': timeout_s = atof(optarg); break;
		default: DIE("see the head of tests/tools/wgpeer.c for usage");
		}
	}
	if (!keyfile || !pub || !ep || !logf || !port)
		DIE("--key, --peer, --endpoint, --port and --keylog are required");
	FILE *kf = fopen(keyfile, "r");
	if (!kf || !fgets(line, sizeof(line), kf))
		DIE("cannot read %s", keyfile);
	fclose(kf);
	b64_key(line, priv);
	b64_key(pub, ppub);
	char host[64];
	unsigned eport;
	if (sscanf(ep, "%63[0-9.]:%u", host, &eport) != 2)
		DIE("bad --endpoint '%s'", ep);
	memset(&endpoint, 0, sizeof(endpoint));
	endpoint.sin_family = AF_INET;
	endpoint.sin_port = htons((uint16_t)eport);
	if (inet_pton(AF_INET, host, &endpoint.sin_addr) != 1)
		DIE("bad --endpoint '%s'", ep);

	nz = fsc_wgnoise_new(NULL, 0);
	if (!nz || fsc_wgnoise_identity_set(nz, &me, priv, NULL) != FSC_OK ||
	    fsc_wgnoise_peer_set(nz, &peer, &me, ppub, NULL, NULL) != FSC_OK)
		DIE("keys refused");
	keylog = fopen(logf, "w");
	if (!keylog)
		DIE("cannot write %s", logf);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in la = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (sock < 0 || bind(sock, (struct sockaddr *)&la, sizeof(la)) != 0)
		DIE("cannot bind port %u: %s", port, strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);

	bool ok = false;
	for (int tries = 0; tries < 3 && !ok; tries++) {
		initiate();
		ok = run_until(have_session, 2);
	}
	if (!ok)
		DIE("no handshake with the peer");
	for (unsigned i = 1; i <= pings; i++) {
		ping((uint16_t)i);
		want = i;
		if (!run_until(have_replies, timeout_s))
			DIE("no reply to ping %u", i);
		printf("ping reply %u\n", i);
	}
	if (http_port) {
		random_bytes(&tcp.seq, sizeof(tcp.seq));
		tcp.sport = 40000;
		tcp.dport = (uint16_t)http_port;
		tcp_send(0x02, NULL);
		if (!run_until(http_done, timeout_s))
			DIE("HTTP over the tunnel did not finish (%zu bytes)", tcp.len);
		if (tcp.len < 12 || memcmp(tcp.buf, "HTTP/1.", 7) != 0)
			DIE("not an HTTP response: '%.40s'", tcp.buf);
		printf("http %.12s (%zu bytes)\n", tcp.buf, tcp.len);
	}
	if (serve) {
		want = serve;
		printf("serving\n");
		if (!run_until(served, timeout_s))
			DIE("answered %u of %u echo requests", answered, serve);
		printf("answered %u echo requests\n", answered);
	}
	fclose(keylog);
	fsc_wgnoise_free(nz);
	return 0;
}
