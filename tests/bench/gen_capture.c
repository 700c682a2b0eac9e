/* gen_capture.c - a large, deterministic capture of a busy funnel node, built
 * from the real packets of the committed sample captures.
 *
 * One pcap file, linktype EN10MB (Linux captures lo as Ethernet with zero
 * MACs, so both sides of a funnel node fit one link type):
 *
 *   physical side (node 198.18.0.1 / 2001:db8::1, MACs 02:fc:..:01 / :fe)
 *     WireGuard UDP to 41641: initiation, response, transport, keepalive;
 *     disco ping/pong/call-me-maybe; STUN to DERP STUN servers on 3478;
 *     direct HTTPS to :443 from public clients (TLS ClientHello, varied SNI
 *     and ALPN, a share of them padded past one segment)
 *   loopback (127.0.0.1 and ::1, zero MACs)
 *     the serve proxy's HTTP/1.1 to the backend on :2367, keep-alive
 *     connections, X-Forwarded-For / Forwarded variants, Content-Length and
 *     chunked responses split over several segments
 *
 * Templates (read at start, so the bytes are the real programs' own):
 *   wg-tunnel.pcap       wireguard-go initiation, response, transport, keepalive
 *   disco.pcap           sealed disco ping/pong/call-me-maybe, Tailscale STUN
 *   stun.pcap            coturn's bare binding request and its response
 *   tls-openssl-lo.pcap  OpenSSL's ClientHello, server flight, SYN options
 *   tailscale-debug.pcap the Go client's request header style (User-Agent)
 * What is varied: addresses, ports, MACs on lo, WireGuard indices, counters
 * and ciphertext lengths, disco sender keys and nonces, STUN transaction IDs
 * (FINGERPRINT recomputed) and mapped addresses, ClientHello random, session
 * ID, SNI, ALPN and padding; TCP sequence numbers progress per flow.
 * HTTP heads are written here (no real capture of Tailscale's proxy exists
 * in the tree); their header order follows Go's net/http writer.
 *
 * Deterministic: the same seed, count, mix and templates give the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODE_PORT	41641
#define BACKEND_PORT	2367
#define MAX_SEGS	160
#define CONN_BUF	(320 * 1024)
#define POOL_LEN	(256 * 1024)

/* ---- random numbers: xoshiro256**, seeded by splitmix64 ---- */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
	uint64_t r = rs[1] * 5, t = rs[1] << 17;

	r = (r << 7 | r >> 57) * 9;
	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rs[3] << 45 | rs[3] >> 19;
	return r;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * n) >> 32);
}

static uint32_t between(uint32_t lo, uint32_t hi) /* inclusive */
{
	return lo + below(hi - lo + 1);
}

static double unit(void)
{
	return (double)(rnd() >> 11) * 0x1.0p-53;
}

static bool chance(double p)
{
	return unit() < p;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t x = rnd();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &x, k);
		p += k;
		n -= k;
	}
}

/* Zipf-like choice among n by a precomputed cumulative table. */
struct zipf {
	double *cdf;
	uint32_t n;
};

static void zipf_init(struct zipf *z, uint32_t n, double s)
{
	double sum = 0;

	z->n = n;
	z->cdf = calloc(n, sizeof(*z->cdf));
	if (!z->cdf) {
		perror("gen_capture");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		sum += 1.0 / pow(i + 1.0, s);
		z->cdf[i] = sum;
	}
	for (uint32_t i = 0; i < n; i++)
		z->cdf[i] /= sum;
}

static uint32_t zipf_pick(const struct zipf *z)
{
	double u = unit();
	uint32_t lo = 0, hi = z->n - 1;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (z->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- templates from the sample captures ---- */

struct blob {
	uint8_t *p;
	size_t len;
};

#define MAX_T 16
struct templates {
	struct blob wg_init, wg_resp, wg_keepalive;
	struct blob wg_data[MAX_T];
	int n_wg_data;
	struct blob disco_ping[MAX_T], disco_pong[MAX_T], disco_cmm;
	int n_ping, n_pong;
	struct blob stun_req[MAX_T], stun_resp[MAX_T];
	int n_stun_req, n_stun_resp;
	struct blob tls_hello, tls_flight, tls_fin;
	struct blob syn_opts, synack_opts;
	char go_ua[64];
};

static struct templates T;

static void blob_set(struct blob *b, const uint8_t *p, size_t len)
{
	b->p = malloc(len ? len : 1);
	if (!b->p) {
		perror("gen_capture");
		exit(1);
	}
	memcpy(b->p, p, len);
	b->len = len;
}

static void blob_add(struct blob *arr, int *n, const uint8_t *p, size_t len)
{
	if (*n < MAX_T)
		blob_set(&arr[(*n)++], p, len);
}

/* The layer-4 view of a template frame. */
struct l4 {
	int proto;		/* 17 or 6, 0 if neither */
	uint8_t flags;		/* TCP */
	const uint8_t *opts;	/* TCP options */
	size_t optlen;
	const uint8_t *pay;
	size_t len;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet (+ one VLAN tag) -> IPv4/IPv6 (no extension headers, no
 * fragments) -> UDP/TCP. Templates are well-formed; anything else is skipped. */
static bool frame_l4(const uint8_t *p, size_t len, struct l4 *o)
{
	size_t off = 14, ip_end;
	int proto;

	memset(o, 0, sizeof(*o));
	if (len < 14)
		return false;
	uint16_t et = get16(p + 12);
	if (et == 0x8100 && len >= 18) {
		et = get16(p + 16);
		off = 18;
	}
	if (et == 0x0800) {
		if (len < off + 20)
			return false;
		size_t ihl = (size_t)(p[off] & 15) * 4;
		size_t tot = get16(p + off + 2);
		if (ihl < 20 || tot < ihl || len < off + tot)
			return false;
		if (get16(p + off + 6) & 0x3fff) /* a fragment */
			return false;
		proto = p[off + 9];
		ip_end = off + tot;
		off += ihl;
	} else if (et == 0x86dd) {
		if (len < off + 40)
			return false;
		size_t plen = get16(p + off + 4);
		if (len < off + 40 + plen)
			return false;
		proto = p[off + 6];
		ip_end = off + 40 + plen;
		off += 40;
	} else {
		return false;
	}
	if (proto == 17 && ip_end >= off + 8) {
		o->proto = 17;
		o->pay = p + off + 8;
		o->len = ip_end - off - 8;
		return true;
	}
	if (proto == 6 && ip_end >= off + 20) {
		size_t doff = (size_t)(p[off + 12] >> 4) * 4;
		if (doff < 20 || off + doff > ip_end)
			return false;
		o->proto = 6;
		o->flags = p[off + 13];
		o->opts = p + off + 20;
		o->optlen = doff - 20;
		o->pay = p + off + doff;
		o->len = ip_end - off - doff;
		return true;
	}
	return false;
}

static const uint8_t disco_magic[6] = { 0x54, 0x53, 0xf0, 0x9f, 0x92, 0xac };

static bool is_stun(const uint8_t *p, size_t len)
{
	return len >= 20 && (p[0] & 0xc0) == 0 && p[4] == 0x21 && p[5] == 0x12 &&
	       p[6] == 0xa4 && p[7] == 0x42;
}

static void load_udp(const struct l4 *l, const char *which)
{
	const uint8_t *p = l->pay;
	size_t n = l->len;

	if (!strcmp(which, "wg") && n >= 32 && p[1] == 0 && p[2] == 0 && p[3] == 0) {
		if (p[0] == 1 && n == 148 && !T.wg_init.p)
			blob_set(&T.wg_init, p, n);
		else if (p[0] == 2 && n == 92 && !T.wg_resp.p)
			blob_set(&T.wg_resp, p, n);
		else if (p[0] == 4 && n == 32 && !T.wg_keepalive.p)
			blob_set(&T.wg_keepalive, p, n);
		else if (p[0] == 4 && n > 32)
			blob_add(T.wg_data, &T.n_wg_data, p, n);
	} else if (!strcmp(which, "disco") && n >= 62 && !memcmp(p, disco_magic, 6)) {
		/* Sealed: the type is inside the box. The file's order and
		 * sizes tell them apart (captures/README.md): 110-byte boxes are
		 * pongs, the 134-byte one is call-me-maybe, the rest pings. */
		if (n == 110)
			blob_add(T.disco_pong, &T.n_pong, p, n);
		else if (n == 134)
			blob_set(&T.disco_cmm, p, n);
		else
			blob_add(T.disco_ping, &T.n_ping, p, n);
	} else if (strcmp(which, "wg") && is_stun(p, n)) {
		bool xor6 = false;
		/* IPv4 mapped addresses only: the node's STUN socket is v4. */
		for (size_t a = 20; a + 8 <= n; a += 4 + ((get16(p + a + 2) + 3u) & ~3u))
			if ((get16(p + a) == 0x0020 || get16(p + a) == 0x0001) && p[a + 5] == 2)
				xor6 = true;
		if (xor6 || n > 200)
			return;
		/* The first exchange of each file: Tailscale's request
		 * (disco.pcap) and coturn's client's bare one (stun.pcap). */
		int slot = !strcmp(which, "stun");
		if (get16(p) == 0x0001 && T.n_stun_req == slot)
			blob_add(T.stun_req, &T.n_stun_req, p, n);
		else if (get16(p) == 0x0101 && T.n_stun_resp == slot)
			blob_add(T.stun_resp, &T.n_stun_resp, p, n);
	}
}

static void load_tcp(const struct l4 *l)
{
	const uint8_t *p = l->pay;

	if ((l->flags & 0x12) == 0x02 && !T.syn_opts.p)
		blob_set(&T.syn_opts, l->opts, l->optlen);
	if ((l->flags & 0x12) == 0x12 && !T.synack_opts.p)
		blob_set(&T.synack_opts, l->opts, l->optlen);
	if (l->len > 9 && p[0] == 0x16 && p[5] == 1 && !T.tls_hello.p)
		blob_set(&T.tls_hello, p, l->len);
	else if (l->len > 9 && p[0] == 0x16 && p[5] == 2 && !T.tls_flight.p)
		blob_set(&T.tls_flight, p, l->len);
	else if (l->len > 5 && p[0] == 0x14 && !T.tls_fin.p)
		blob_set(&T.tls_fin, p, l->len);
}

static const char *find(const uint8_t *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(p + i, needle, k))
			return (const char *)p + i;
	return NULL;
}

static void load_file(const char *dir, const char *name, const char *which)
{
	char path[4096], eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const uint8_t *d;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pcap_t *pc = pcap_open_offline(path, eb);
	if (!pc) {
		fprintf(stderr, "gen_capture: %s: %s\n", path, eb);
		exit(1);
	}
	int lt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &h, &d) == 1) {
		struct l4 l;

		if (lt == DLT_USER0) {
			/* tailscale debug capture: only the proxy's User-Agent. */
			const char *ua = find(d, h->caplen, "User-Agent: ");
			if (ua && !T.go_ua[0]) {
				const char *s = ua + 12;
				size_t k = 0;
				while (s + k < (const char *)d + h->caplen && s[k] != '\r' &&
				       k < sizeof(T.go_ua) - 1)
					k++;
				memcpy(T.go_ua, s, k);
			}
			continue;
		}
		if (lt != DLT_EN10MB || !frame_l4(d, h->caplen, &l))
			continue;
		if (l.proto == 17)
			load_udp(&l, which);
		else if (l.proto == 6 && !strcmp(which, "tls"))
			load_tcp(&l);
	}
	pcap_close(pc);
}

static void need(const void *p, const char *what)
{
	if (!p) {
		fprintf(stderr, "gen_capture: no %s found in the sample captures\n", what);
		exit(1);
	}
}

static void load_templates(const char *dir)
{
	load_file(dir, "wg-tunnel.pcap", "wg");
	load_file(dir, "disco.pcap", "disco");
	load_file(dir, "stun.pcap", "stun");
	load_file(dir, "tls-openssl-lo.pcap", "tls");
	load_file(dir, "tailscale-debug.pcap", "tsdebug");
	need(T.wg_init.p, "WireGuard initiation");
	need(T.wg_resp.p, "WireGuard response");
	need(T.wg_keepalive.p, "WireGuard keepalive");
	need(T.n_wg_data ? T.wg_data : NULL, "WireGuard transport");
	need(T.n_ping ? T.disco_ping : NULL, "disco ping");
	need(T.n_pong ? T.disco_pong : NULL, "disco pong");
	need(T.n_stun_req ? T.stun_req : NULL, "STUN request");
	need(T.n_stun_resp ? T.stun_resp : NULL, "STUN response");
	need(T.tls_hello.p, "TLS ClientHello");
	need(T.tls_flight.p, "TLS server flight");
	need(T.syn_opts.p, "TCP SYN");
	need(T.synack_opts.p, "TCP SYN-ACK");
	if (!T.go_ua[0])
		strcpy(T.go_ua, "Go-http-client/1.1");
}

/* ---- output ---- */

struct out {
	FILE *f;
	uint8_t *buf;
	size_t used, cap;
};

static struct out O;

static void out_write(const void *p, size_t n)
{
	if (O.used + n > O.cap) {
		if (fwrite(O.buf, 1, O.used, O.f) != O.used) {
			perror("gen_capture: write");
			exit(1);
		}
		O.used = 0;
	}
	memcpy(O.buf + O.used, p, n);
	O.used += n;
}

static void out_header(void)
{
	uint32_t h[6] = { 0xa1b2c3d4, 2 | 4u << 16, 0, 0, 262144, 1 };

	out_write(h, sizeof(h));
}

/* ---- statistics ---- */

enum kind {
	K_WG_INIT, K_WG_RESP, K_WG_DATA, K_WG_KEEPALIVE, K_DISCO, K_STUN,
	K_HTTP, K_TLS, K_NKINDS
};
static const char *const kind_name[K_NKINDS] = {
	"wg_initiation", "wg_response", "wg_transport", "wg_keepalive", "disco",
	"stun", "http_tcp", "tls_tcp",
};

/* A set of addresses seen in IP headers (and, separately, in HTTP heads). */
struct aset {
	uint8_t (*a)[17];
	uint32_t n, cap;
};

static uint64_t ahash(const uint8_t *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int i = 0; i < 17; i++)
		h = (h ^ a[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static void aset_add(struct aset *s, int fam, const uint8_t *addr)
{
	uint8_t k[17] = { (uint8_t)fam };

	memcpy(k + 1, addr, fam == 4 ? 4 : 16);
	if (2 * (s->n + 1) > s->cap) {
		struct aset t = { .cap = s->cap ? s->cap * 2 : 4096 };
		t.a = calloc(t.cap, 17);
		if (!t.a) {
			perror("gen_capture");
			exit(1);
		}
		for (uint32_t i = 0; i < s->cap; i++)
			if (s->a[i][0])
				aset_add(&t, s->a[i][0], s->a[i] + 1);
		free(s->a);
		*s = t;
	}
	for (uint64_t i = ahash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->a[i][0]) {
			memcpy(s->a[i], k, 17);
			s->n++;
			return;
		}
		if (!memcmp(s->a[i], k, 17))
			return;
	}
}

struct stats {
	uint64_t pkts[K_NKINDS], bytes[K_NKINDS];
	uint64_t http_req, http_resp, http_conns, http_chunked, http_split_req;
	uint64_t tls_conns, tls_hello, tls_hello_split, tls_no_sni;
	uint64_t xff_kind[10];
	uint64_t handshakes;
	struct aset ip_addrs, client_addrs;
};

static struct stats S;

/* ---- addresses and endpoints ---- */

struct ep {
	uint8_t fam;	/* 4 or 6 */
	uint8_t a[16];
	uint16_t port;
};

static const uint8_t node_v4[4] = { 198, 18, 0, 1 };
static const uint8_t node_v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
/* What STUN tells the node it looks like from outside (captures/README.md). */
static const uint8_t node_public_v4[4] = { 203, 0, 113, 7 };
static const uint8_t mac_node[6] = { 0x02, 0xfc, 0, 0, 0, 0x01 };
static const uint8_t mac_gw[6] = { 0x02, 0xfc, 0, 0, 0, 0xfe };
static const uint8_t mac_zero[6];

static void ep_node(struct ep *e, int fam, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->fam = (uint8_t)fam;
	memcpy(e->a, fam == 4 ? node_v4 : node_v6, fam == 4 ? 4 : 16);
	e->port = port;
}

static void ep_lo(struct ep *e, int fam, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->fam = (uint8_t)fam;
	if (fam == 4) {
		e->a[0] = 127;
		e->a[3] = 1;
	} else {
		e->a[15] = 1;
	}
	e->port = port;
}

/* A public-looking unicast IPv4 address, outside private, shared, loopback,
 * link-local, documentation, benchmarking and multicast space. */
static void rand_v4(uint8_t *a)
{
	for (;;) {
		uint32_t x = (uint32_t)(rnd() >> 32);

		a[0] = (uint8_t)(x >> 24);
		a[1] = (uint8_t)(x >> 16);
		a[2] = (uint8_t)(x >> 8);
		a[3] = (uint8_t)x;
		if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
		    (a[0] == 100 && (a[1] & 0xc0) == 0x40) ||
		    (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && (a[1] == 168 || a[1] == 0)) ||
		    (a[0] == 198 && (a[1] & 0xfe) == 18) || (a[0] == 203 && a[1] == 0) ||
		    a[3] == 0 || a[3] == 255)
			continue;
		return;
	}
}

/* A global-unicast-looking IPv6 address: a provider prefix from 2000::/3
 * allocations in use, random subnet and interface identifier. */
static void rand_v6(uint8_t *a)
{
	static const uint16_t prefixes[] = {
		0x2001, 0x2003, 0x2400, 0x2401, 0x2404, 0x2408, 0x2600, 0x2601,
		0x2602, 0x2603, 0x2604, 0x2605, 0x2606, 0x2607, 0x2620, 0x2800,
		0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2a04, 0x2a05, 0x2a0d, 0x2c0f,
	};
	uint16_t p = prefixes[below(sizeof(prefixes) / sizeof(prefixes[0]))];

	rnd_bytes(a, 16);
	a[0] = (uint8_t)(p >> 8);
	a[1] = (uint8_t)p;
	if (p == 0x2001 && a[2] == 0x0d && a[3] == 0xb8)
		a[2] = 0x4d;
}

/* Clients: a few crawler/carrier prefixes hold a share of the population
 * (they do in real logs), the rest spread over the whole address space. */
#define N_HOT16 32
struct client {
	uint8_t fam;
	uint8_t a[16];
};

struct pop {
	struct client *c;
	uint32_t n;
	struct zipf z;
};

static struct pop clients;

static void pop_init(struct pop *p, uint32_t n, double v6_share, double hot_share)
{
	uint8_t hot[N_HOT16][2];

	for (int i = 0; i < N_HOT16; i++) {
		uint8_t a[4];
		rand_v4(a);
		hot[i][0] = a[0];
		hot[i][1] = a[1];
	}
	p->n = n;
	p->c = calloc(n, sizeof(*p->c));
	if (!p->c) {
		perror("gen_capture");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct client *c = &p->c[i];

		if (chance(v6_share)) {
			c->fam = 6;
			rand_v6(c->a);
		} else {
			c->fam = 4;
			rand_v4(c->a);
			if (chance(hot_share)) {
				const uint8_t *h = hot[below(N_HOT16)];
				c->a[0] = h[0];
				c->a[1] = h[1];
			}
		}
	}
	/* Shuffle is implicit: the Zipf rank is the index, and indices were
	 * drawn independently of address. */
	zipf_init(&p->z, n, 0.9);
}

static const struct client *pop_pick(const struct pop *p)
{
	return &p->c[zipf_pick(&p->z)];
}

static int addr_text(int fam, const uint8_t *a, char *buf, size_t cap)
{
	if (fam == 4)
		return snprintf(buf, cap, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
	/* RFC 5952 text: lowercase, longest run (>= 2) of zero groups as "::". */
	uint16_t g[8];
	int best = -1, bestlen = 0, n = 0;
	for (int i = 0; i < 8; i++)
		g[i] = get16(a + 2 * i);
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && !g[j])
			j++;
		if (j - i > bestlen && j - i >= 2) {
			best = i;
			bestlen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			n += snprintf(buf + n, cap - (size_t)n, "::");
			i += bestlen - 1;
			continue;
		}
		n += snprintf(buf + n, cap - (size_t)n, "%s%x",
			      i && i != best + bestlen ? ":" : "", g[i]);
	}
	return n;
}

/* ---- frames ---- */

static uint64_t now_ns;
static double gap_ns;
static uint64_t emitted, target;
static uint8_t frame[70000];

static void tick(void)
{
	/* Exponential inter-arrival times: Poisson traffic at the set rate. */
	double u = unit();
	now_ns += (uint64_t)(-log(1.0 - u) * gap_ns) + 1;
}

static uint32_t csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	while (n > 1) {
		s += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		n -= 2;
	}
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t ip_id;

/*
 * Writes one frame: Ethernet, IP, then the layer-4 header l4h (checksum
 * field zeroed, filled here) and payload. `lo` picks zero MACs; otherwise
 * frames from the node go to the gateway's MAC and the others come from it.
 */
static void emit(enum kind k, bool lo, const struct ep *src, const struct ep *dst,
		 int proto, uint8_t *l4h, size_t l4len, const uint8_t *pay, size_t plen,
		 uint8_t ttl)
{
	size_t off = 14, iplen = l4len + plen;
	uint32_t s;

	if (emitted >= target)
		return;
	tick();
	bool from_node = false;
	if (!lo)
		from_node = src->fam == 4 ? !memcmp(src->a, node_v4, 4) :
			    !memcmp(src->a, node_v6, 16);
	memcpy(frame, lo ? mac_zero : from_node ? mac_gw : mac_node, 6);
	memcpy(frame + 6, lo ? mac_zero : from_node ? mac_node : mac_gw, 6);
	put16(frame + 12, src->fam == 4 ? 0x0800 : 0x86dd);

	/* Pseudo-header sum for the layer-4 checksum. */
	s = csum_add(0, src->a, src->fam == 4 ? 4 : 16);
	s = csum_add(s, dst->a, dst->fam == 4 ? 4 : 16);
	s += (uint32_t)proto + (uint32_t)iplen;
	if (src->fam == 4) {
		uint8_t *ip = frame + off;
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(20 + iplen));
		put16(ip + 4, ip_id += (uint16_t)between(1, 7));
		put16(ip + 6, 0x4000);
		ip[8] = ttl;
		ip[9] = (uint8_t)proto;
		put16(ip + 10, 0);
		memcpy(ip + 12, src->a, 4);
		memcpy(ip + 16, dst->a, 4);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		off += 20;
	} else {
		uint8_t *ip = frame + off;
		put32(ip, 0x60000000u);
		put16(ip + 4, (uint16_t)iplen);
		ip[6] = (uint8_t)proto;
		ip[7] = ttl;
		memcpy(ip + 8, src->a, 16);
		memcpy(ip + 24, dst->a, 16);
		off += 40;
	}
	s = csum_add(s, l4h, l4len);
	s = csum_add(s, pay, plen);	/* l4len is even: no odd-byte shift */
	uint16_t c = csum_fold(s);
	if (proto == 17 && c == 0)
		c = 0xffff;
	put16(l4h + (proto == 17 ? 6 : 16), c);
	memcpy(frame + off, l4h, l4len);
	memcpy(frame + off + l4len, pay, plen);
	size_t flen = off + l4len + plen;

	uint32_t rec[4] = {
		(uint32_t)(now_ns / 1000000000u), (uint32_t)(now_ns / 1000 % 1000000),
		(uint32_t)flen, (uint32_t)flen,
	};
	out_write(rec, sizeof(rec));
	out_write(frame, flen);
	emitted++;
	S.pkts[k]++;
	S.bytes[k] += flen;
	aset_add(&S.ip_addrs, src->fam, src->a);
	aset_add(&S.ip_addrs, dst->fam, dst->a);
}

static void emit_udp(enum kind k, const struct ep *src, const struct ep *dst,
		     const uint8_t *pay, size_t len, uint8_t ttl)
{
	uint8_t h[8];

	put16(h, src->port);
	put16(h + 2, dst->port);
	put16(h + 4, (uint16_t)(8 + len));
	put16(h + 6, 0);
	emit(k, false, src, dst, 17, h, 8, pay, len, ttl);
}

enum { F_FIN = 1, F_SYN = 2, F_RST = 4, F_PSH = 8, F_ACK = 16 };

static void emit_tcp(enum kind k, bool lo, const struct ep *src, const struct ep *dst,
		     uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		     const uint8_t *opts, size_t optlen, const uint8_t *pay, size_t len,
		     uint8_t ttl)
{
	uint8_t h[60];
	size_t hl = 20 + optlen;

	put16(h, src->port);
	put16(h + 2, dst->port);
	put32(h + 4, seq);
	put32(h + 8, ack);
	h[12] = (uint8_t)(hl / 4 << 4);
	h[13] = flags;
	put16(h + 14, win);
	put16(h + 16, 0);
	put16(h + 18, 0);
	memcpy(h + 20, opts, optlen);
	emit(k, lo, src, dst, 6, h, hl, pay, len, ttl);
}

/* ---- byte pools for ciphertext and bodies ---- */

static uint8_t noise[POOL_LEN];
static uint8_t text[POOL_LEN];

static const uint8_t *noise_at(size_t n)
{
	return noise + below((uint32_t)(POOL_LEN - n));
}

static void text_init(void)
{
	static const char *const words[] = {
		"<div class=\"item\">", "funnel", "tailnet", "</div>\n", "<p>", "node",
		"request", "</p>\n", "{\"id\":", "\"name\":\"", "\",", "}\n", "lorem",
		"ipsum", "dolor", "sit", "amet", " ", " ", "\n",
	};
	size_t n = 0;

	while (n < POOL_LEN) {
		const char *w = words[below(sizeof(words) / sizeof(words[0]))];
		size_t k = strlen(w);
		if (n + k > POOL_LEN)
			k = POOL_LEN - n;
		memcpy(text + n, w, k);
		n += k;
	}
}

/* ---- WireGuard peers ---- */

struct peer {
	struct ep ep;
	uint32_t our_idx, their_idx;	/* 0: no session yet */
	uint64_t ctr_out, ctr_in;
	uint64_t rekey_at;
	uint8_t disco_key[32];
	uint8_t ttl;
};

static struct peer *peers;
static uint32_t n_peers, n_relays;
static struct zipf peer_zipf;
static const uint8_t node_disco_key[32] = {
	0x7a, 0x1c, 0x93, 0x4e, 0x55, 0x10, 0xa8, 0x2f, 0x61, 0xd0, 0x0b, 0x3c,
	0xe4, 0x99, 0x12, 0x47, 0x8d, 0x35, 0x6a, 0xf1, 0x20, 0x0e, 0xb7, 0x58,
	0xc3, 0x2a, 0x94, 0x6b, 0x1f, 0xe0, 0x73, 0x0d,
};

static void peers_init(uint32_t n)
{
	n_peers = n;
	n_relays = n < 64 ? (n + 3) / 4 : 16;
	peers = calloc(n, sizeof(*peers));
	if (!peers) {
		perror("gen_capture");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct peer *p = &peers[i];

		/* Relays and most peers talk over IPv4; a fifth have IPv6. */
		p->ep.fam = chance(0.2) ? 6 : 4;
		if (p->ep.fam == 4)
			rand_v4(p->ep.a);
		else
			rand_v6(p->ep.a);
		/* Relays listen on 41641; other peers are often behind NAT. */
		p->ep.port = i < n_relays || chance(0.5) ? NODE_PORT :
			     (uint16_t)between(1024, 65535);
		rnd_bytes(p->disco_key, 32);
		p->ttl = (uint8_t)between(40, 60);
	}
	/* The relays carry most of the traffic: Zipf over all peers, ranked
	 * relays first. */
	zipf_init(&peer_zipf, n, 1.1);
}

static struct ep node_ep_for(const struct peer *p)
{
	struct ep e;

	ep_node(&e, p->ep.fam, NODE_PORT);
	return e;
}

static uint32_t new_index(void)
{
	return (uint32_t)(rnd() >> 32) | 1;
}

static void wg_handshake(struct peer *p)
{
	uint8_t init[148], resp[92];
	struct ep node = node_ep_for(p);
	bool node_starts = chance(0.5);
	uint32_t i_idx = new_index(), r_idx = new_index();

	memcpy(init, T.wg_init.p, 148);
	put32le(init + 4, i_idx);
	rnd_bytes(init + 8, 32);	/* a fresh ephemeral key each time */
	rnd_bytes(init + 40, 48 + 28);	/* sealed static and timestamp */
	memcpy(resp, T.wg_resp.p, 92);
	put32le(resp + 4, r_idx);
	put32le(resp + 8, i_idx);
	rnd_bytes(resp + 12, 32 + 16);
	if (node_starts) {
		emit_udp(K_WG_INIT, &node, &p->ep, init, 148, 64);
		emit_udp(K_WG_RESP, &p->ep, &node, resp, 92, p->ttl);
		p->our_idx = i_idx;
		p->their_idx = r_idx;
	} else {
		emit_udp(K_WG_INIT, &p->ep, &node, init, 148, p->ttl);
		emit_udp(K_WG_RESP, &node, &p->ep, resp, 92, 64);
		p->our_idx = r_idx;
		p->their_idx = i_idx;
	}
	p->ctr_out = p->ctr_in = 0;
	/* REKEY_AFTER_TIME 120 s, plus the jitter of real traffic. */
	p->rekey_at = now_ns + (uint64_t)between(120, 150) * 1000000000ULL;
	S.handshakes++;
}

static struct peer *wg_peer(void)
{
	struct peer *p = &peers[zipf_pick(&peer_zipf)];

	if (!p->our_idx || now_ns >= p->rekey_at)
		wg_handshake(p);
	return p;
}

/* A transport message: type 4, receiver, counter, ciphertext + tag. The
 * plaintext is an inner IP packet, padded to 16; Tailscale's MTU is 1280. */
static void wg_transport(bool keepalive)
{
	struct peer *p = wg_peer();
	struct ep node = node_ep_for(p);
	uint8_t msg[16 + 1280 + 16];
	size_t plain;
	bool out = keepalive ? chance(0.7) : chance(0.45);

	if (keepalive) {
		plain = 0;
	} else {
		double u = unit();
		if (u < 0.45)
			plain = 1280;			/* full-size data */
		else if (u < 0.85)
			plain = between(40, 80);	/* inner TCP ACKs */
		else
			plain = between(81, 1279);
		plain = (plain + 15) & ~(size_t)15;
	}
	const struct blob *t = keepalive ? &T.wg_keepalive :
			       &T.wg_data[below((uint32_t)T.n_wg_data)];
	size_t len = 16 + plain + 16;
	size_t from_t = t->len < len ? t->len : len;
	memcpy(msg, t->p, from_t);
	if (len > from_t)
		memcpy(msg + from_t, noise_at(len - from_t), len - from_t);
	put32le(msg + 4, out ? p->their_idx : p->our_idx);
	uint64_t ctr = out ? p->ctr_out++ : p->ctr_in++;
	put32le(msg + 8, (uint32_t)ctr);
	put32le(msg + 12, (uint32_t)(ctr >> 32));
	memcpy(msg + len - 16, noise_at(16), 16);	/* a fresh tag */
	if (out)
		emit_udp(keepalive ? K_WG_KEEPALIVE : K_WG_DATA, &node, &p->ep, msg, len, 64);
	else
		emit_udp(keepalive ? K_WG_KEEPALIVE : K_WG_DATA, &p->ep, &node, msg, len,
			 p->ttl);
}

/* ---- disco: magic, sender key, nonce, box ---- */

static void disco_one(const struct blob *t, const uint8_t *key, const struct ep *src,
		      const struct ep *dst, uint8_t ttl)
{
	uint8_t msg[512];
	size_t n = t->len < sizeof(msg) ? t->len : sizeof(msg);

	memcpy(msg, t->p, n);
	memcpy(msg + 6, key, 32);
	rnd_bytes(msg + 38, 24);	/* each box has its own nonce */
	emit_udp(K_DISCO, src, dst, msg, n, ttl);
}

static void disco_exchange(void)
{
	struct peer *p = &peers[below(n_peers)];
	struct ep node = node_ep_for(p);
	const struct blob *ping = &T.disco_ping[below((uint32_t)T.n_ping)];
	const struct blob *pong = &T.disco_pong[below((uint32_t)T.n_pong)];

	if (T.disco_cmm.p && chance(0.05)) {
		disco_one(&T.disco_cmm, p->disco_key, &p->ep, &node, p->ttl);
		return;
	}
	if (chance(0.5)) {
		disco_one(ping, node_disco_key, &node, &p->ep, 64);
		disco_one(pong, p->disco_key, &p->ep, &node, p->ttl);
	} else {
		disco_one(ping, p->disco_key, &p->ep, &node, p->ttl);
		disco_one(pong, node_disco_key, &node, &p->ep, 64);
	}
}

/* ---- STUN to DERP STUN servers ---- */

#define N_STUN_SERVERS 28
static struct ep stun_servers[N_STUN_SERVERS];

static uint32_t crc32_table[256];

static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc32_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	while (n--)
		c = crc32_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* New transaction ID; mapped addresses set to the node's public address;
 * FINGERPRINT (RFC 5389 15.5) recomputed. */
static void stun_fix(uint8_t *m, size_t n, const uint8_t *txid, uint16_t port)
{
	memcpy(m + 8, txid, 12);
	for (size_t a = 20; a + 4 <= n;) {
		uint16_t type = get16(m + a), alen = get16(m + a + 2);
		uint8_t *v = m + a + 4;

		if (a + 4 + alen > n)
			break;
		if ((type == 0x0020 || type == 0x0001) && alen == 8 && v[1] == 1) {
			bool x = type == 0x0020;
			put16(v + 2, x ? port ^ 0x2112 : port);
			for (int i = 0; i < 4; i++)
				v[4 + i] = x ? node_public_v4[i] ^ m[4 + i] : node_public_v4[i];
		} else if (type == 0x8028 && alen == 4) {
			put32(v, crc32(m, a) ^ 0x5354554eu);
		}
		a += 4 + ((alen + 3u) & ~3u);
	}
}

static void stun_exchange(void)
{
	const struct ep *srv = &stun_servers[below(N_STUN_SERVERS)];
	/* Mostly Tailscale's own probes; now and then another STUN client. */
	uint32_t i = T.n_stun_req > 1 && T.n_stun_resp > 1 && chance(0.2) ? 1 : 0;
	const struct blob *rq = &T.stun_req[i];
	const struct blob *rs_ = &T.stun_resp[i];
	uint8_t req[256], resp[256], txid[12];
	struct ep node;

	ep_node(&node, 4, NODE_PORT);
	rnd_bytes(txid, 12);
	memcpy(req, rq->p, rq->len);
	memcpy(resp, rs_->p, rs_->len);
	stun_fix(req, rq->len, txid, NODE_PORT);
	stun_fix(resp, rs_->len, txid, NODE_PORT);
	emit_udp(K_STUN, &node, srv, req, rq->len, 64);
	emit_udp(K_STUN, srv, &node, resp, rs_->len, 52);
}

/* ---- TCP connections: a queue of segments per connection ---- */

/* A message is counted when its last segment is written, so the counts
 * describe what the file holds even where the end cuts a flow short. */
enum { MK_REQ = 1, MK_RESP = 2, MK_HELLO = 4, MK_SPLIT = 8, MK_NOSNI = 16 };

struct seg {
	bool from_client;
	uint8_t flags;
	uint8_t mark;		/* MK_*, on the last segment of a message */
	uint32_t off, len;	/* into the connection's buffer */
};

struct conn {
	bool live;
	bool lo;
	enum kind kind;
	struct ep cli, srv;
	uint32_t cseq, sseq;	/* next sequence number each way */
	uint32_t cts, sts;	/* timestamp option bases */
	uint16_t mss;
	uint8_t ttl;
	int left;		/* exchanges still to run */
	bool closing, closed;
	struct seg q[MAX_SEGS];
	int qh, qn;
	uint8_t *buf;
	uint32_t used;
	const char *host;	/* HTTP */
};

static void q_add(struct conn *c, bool from_client, uint8_t flags, uint32_t off,
		  uint32_t len)
{
	if (c->qh + c->qn >= MAX_SEGS)
		return;	/* cannot happen with the sizes below; never overflow */
	c->q[c->qh + c->qn++] = (struct seg){ from_client, flags, 0, off, len };
}

static void mark_last(struct conn *c, bool from_client, uint8_t mark)
{
	for (int i = c->qh + c->qn - 1; i >= c->qh; i--)
		if (c->q[i].from_client == from_client && c->q[i].len) {
			c->q[i].mark = mark;
			return;
		}
}

static uint32_t buf_put(struct conn *c, const void *p, size_t n)
{
	uint32_t off = c->used;

	if (c->used + n > CONN_BUF)
		n = CONN_BUF - c->used;
	memcpy(c->buf + c->used, p, n);
	c->used += (uint32_t)n;
	return off;
}

/* Data from one side, cut at mss; the last piece carries PSH. */
static void q_data(struct conn *c, bool from_client, uint32_t off, uint32_t len,
		   uint32_t mss, int ack_every)
{
	int n = 0;

	while (len) {
		uint32_t k = len < mss ? len : mss;
		len -= k;
		q_add(c, from_client, F_ACK | (len ? 0 : F_PSH), off, k);
		off += k;
		if (ack_every && ++n % ack_every == 0 && len)
			q_add(c, !from_client, F_ACK, 0, 0);
	}
}

static void q_handshake(struct conn *c)
{
	q_add(c, true, F_SYN, 0, 0);
	q_add(c, false, F_SYN | F_ACK, 0, 0);
	q_add(c, true, F_ACK, 0, 0);
}

static void q_close(struct conn *c, bool client_first)
{
	q_add(c, client_first, F_FIN | F_ACK, 0, 0);
	q_add(c, !client_first, F_FIN | F_ACK, 0, 0);
	q_add(c, client_first, F_ACK, 0, 0);
	c->closing = true;
}

/* SYN options from the template with our MSS, timestamp and a window scale;
 * data segments carry NOP NOP TS. */
static size_t syn_opts(const struct conn *c, bool client, uint32_t ms, uint8_t *o)
{
	const struct blob *t = client ? &T.syn_opts : &T.synack_opts;
	uint32_t ts = client ? c->cts : c->sts;

	memcpy(o, t->p, t->len);
	for (size_t i = 0; i < t->len;) {
		uint8_t kind = o[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= t->len || o[i + 1] < 2 || i + o[i + 1] > t->len)
			break;
		if (kind == 2 && o[i + 1] == 4)
			put16(o + i + 2, c->mss);
		if (kind == 8 && o[i + 1] == 10) {
			put32(o + i + 2, ts + ms);
			put32(o + i + 6, client ? 0 : c->cts + ms);
		}
		i += o[i + 1];
	}
	return t->len;
}

static void conn_step(struct conn *c)
{
	struct seg s = c->q[c->qh++];
	uint64_t before = emitted;
	uint8_t opts[40];
	size_t ol;
	uint32_t ms = (uint32_t)(now_ns / 1000000);
	const struct ep *src = s.from_client ? &c->cli : &c->srv;
	const struct ep *dst = s.from_client ? &c->srv : &c->cli;
	uint32_t *sq = s.from_client ? &c->cseq : &c->sseq;
	uint32_t ack = s.from_client ? c->sseq : c->cseq;

	c->qn--;
	if (s.flags & F_SYN) {
		ol = syn_opts(c, s.from_client, ms, opts);
	} else {
		opts[0] = opts[1] = 1;
		opts[2] = 8;
		opts[3] = 10;
		put32(opts + 4, (s.from_client ? c->cts : c->sts) + ms);
		put32(opts + 8, (s.from_client ? c->sts : c->cts) + ms);
		ol = 12;
	}
	if ((s.flags & F_SYN) && s.from_client)
		ack = 0;
	emit_tcp(c->kind, c->lo, src, dst, *sq, ack, s.flags,
		 c->lo ? 512 : s.from_client ? 2052 : 501, opts, ol, c->buf + s.off,
		 s.len, c->lo ? 64 : s.from_client ? c->ttl : 64);
	*sq += s.len + ((s.flags & (F_SYN | F_FIN)) ? 1 : 0);
	if (s.mark && emitted > before) {	/* not cut off by the target */
		S.http_req += !!(s.mark & MK_REQ);
		S.http_resp += !!(s.mark & MK_RESP);
		S.tls_hello += !!(s.mark & MK_HELLO);
		S.tls_hello_split += !!(s.mark & MK_SPLIT);
		S.tls_no_sni += !!(s.mark & MK_NOSNI);
	}
	if (c->qn == 0)
		c->qh = 0;
	if (c->qn == 0 && c->closing)
		c->closed = true;
}

/* ---- HTTP on loopback ---- */

static const char *const hosts[] = {
	"node.example.ts.net", "blog.tail9f3a2.ts.net", "grafana.tail9f3a2.ts.net",
	"files.tail9f3a2.ts.net", "home.tail0c41e.ts.net", "api.tail0c41e.ts.net",
	"jellyfin.tail71d2b.ts.net", "wiki.tail71d2b.ts.net", "demo.tailc3301.ts.net",
	"photos.tail5e8aa.ts.net", "ci.tail5e8aa.ts.net", "status.tail2b6f0.ts.net",
	"git.tail2b6f0.ts.net", "notes.tail48cd1.ts.net", "pi.tail48cd1.ts.net",
	"hooks.tail8d0e7.ts.net", "www.example.com", "xn--bcher-kva.example",
};
#define N_HOSTS (sizeof(hosts) / sizeof(hosts[0]))

static const char *const agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
	"curl/8.5.0", "python-requests/2.31.0", "Go-http-client/2.0",
	"Prometheus/2.51.0", "Wget/1.21.4", "okhttp/4.12.0",
};

/* '#' becomes a decimal number, '@' eight hex digits. */
static const char *const paths[] = {
	"/", "/index.html", "/favicon.ico", "/robots.txt", "/api/v1/items/#",
	"/api/v1/search?q=#&page=2", "/static/app.@.js", "/static/style.@.css",
	"/images/#.jpg", "/feed.xml", "/.env", "/wp-login.php", "/metrics",
	"/healthz", "/graphql", "/login?next=%2Fdash#", "/d/@/overview?orgId=1",
	"/Items/#/Images/Primary?maxHeight=300", "/socket.io/?EIO=4&transport=polling",
};

static void fill_path(char *o, size_t cap, const char *t)
{
	size_t n = 0;

	for (; *t && n + 12 < cap; t++) {
		if (*t == '#')
			n += (size_t)snprintf(o + n, cap - n, "%u", below(100000000));
		else if (*t == '@')
			n += (size_t)snprintf(o + n, cap - n, "%08x", below(0xffffffffu));
		else
			o[n++] = *t;
	}
	o[n] = 0;
}

/* Tailscale 4to6 addresses of ingress relays: fd7a:115c:a1e0:ab12:4843:cd96:62
 * followed by the low 24 bits of the relay's 100.64.0.0/10 address. */
static char relay_ula[8][48];

static void relays_init(void)
{
	strcpy(relay_ula[0], "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	for (int i = 1; i < 8; i++) {
		uint32_t low = between(0x400000, 0x7fffff);
		snprintf(relay_ula[i], sizeof(relay_ula[i]),
			 "fd7a:115c:a1e0:ab12:4843:cd96:62%02x:%x", low >> 16, low & 0xffff);
	}
}

static size_t client_text(const struct client *cl, char *b, size_t cap)
{
	return (size_t)addr_text(cl->fam, cl->a, b, cap);
}

/* Forwarding headers in their variants; returns which (for the stats). */
static int fwd_headers(char *b, size_t cap, size_t *n, const struct client *cl,
		       const char *host)
{
	char a[64], x[64];
	double u = unit();
	int kind;

	client_text(cl, a, sizeof(a));
	aset_add(&S.client_addrs, cl->fam, cl->a);
#define ADD(...) (*n += (size_t)snprintf(b + *n, cap - *n, __VA_ARGS__))
	if (u < 0.52) {
		kind = 0;	/* one address: Tailscale since 1.40 */
		ADD("X-Forwarded-For: %s\r\n", a);
	} else if (u < 0.70) {
		kind = 1;	/* older Director proxies: the relay's ULA appended */
		ADD("X-Forwarded-For: %s, %s\r\n", a, relay_ula[below(8)]);
	} else if (u < 0.76) {
		kind = 2;	/* a client-supplied hop in front */
		const struct client *o = pop_pick(&clients);
		client_text(o, x, sizeof(x));
		ADD("X-Forwarded-For: %s, %s, %s\r\n", x, a, relay_ula[below(8)]);
	} else if (u < 0.81) {
		kind = 3;	/* with ports */
		if (cl->fam == 6)
			ADD("X-Forwarded-For: [%s]:%u\r\n", a, between(1024, 65535));
		else
			ADD("X-Forwarded-For: %s:%u\r\n", a, between(1024, 65535));
	} else if (u < 0.87) {
		kind = 4;	/* RFC 7239 only */
		if (cl->fam == 6)
			ADD("Forwarded: for=\"[%s]:%u\";proto=https;host=%s\r\n", a,
			    between(1024, 65535), host);
		else
			ADD("Forwarded: for=%s;proto=https;host=%s\r\n", a, host);
	} else if (u < 0.92) {
		kind = 5;	/* both, with an obfuscated proxy hop */
		ADD("Forwarded: for=%s%s%s, for=_ingress%u;proto=https\r\n",
		    cl->fam == 6 ? "\"[" : "", a, cl->fam == 6 ? "]\"" : "", below(9));
		ADD("X-Forwarded-For: %s\r\n", a);
	} else if (u < 0.96) {
		kind = 6;	/* repeated header lines */
		ADD("X-Forwarded-For: %s\r\n", a);
		ADD("X-Forwarded-For: %s\r\n", relay_ula[below(8)]);
	} else if (u < 0.98) {
		kind = 7;	/* unknown first hop */
		ADD("X-Forwarded-For: unknown, %s\r\n", a);
	} else {
		kind = 8;	/* none at all: a direct tailnet request */
	}
#undef ADD
	S.xff_kind[kind]++;
	return kind;
}

static size_t http_request(struct conn *c, char *b, size_t cap, uint32_t *body_len,
			   bool *head)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "PUT",
					       "OPTIONS", "DELETE", "PATCH" };
	static const double mw[] = { 0.80, 0.10, 0.03, 0.02, 0.02, 0.015, 0.015 };
	const struct client *cl = pop_pick(&clients);
	const char *ua = chance(0.03) ? T.go_ua : agents[below(sizeof(agents) /
								sizeof(agents[0]))];
	char path[128];
	size_t n = 0;
	int mi = 0;
	double u = unit();

	for (double acc = mw[0]; u >= acc && mi < 6;)
		acc += mw[++mi];
	fill_path(path, sizeof(path), paths[below(sizeof(paths) / sizeof(paths[0]))]);
	*head = mi == 2;
	*body_len = (mi == 1 || mi == 3 || mi == 6) ? between(20, 6000) : 0;
#define ADD(...) (n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__))
	/* Go's writer: request line, Host, User-Agent, then sorted keys. */
	ADD("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n", methods[mi], path,
	    c->host, ua);
	if (*body_len)
		ADD("Content-Length: %u\r\n", *body_len);
	ADD("Accept: %s\r\n", chance(0.5) ? "*/*" :
	    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
	ADD("Accept-Encoding: gzip\r\n");
	if (chance(0.4))
		ADD("Accept-Language: en-US,en;q=0.9\r\n");
	if (*body_len)
		ADD("Content-Type: application/json\r\n");
	if (chance(0.2))
		ADD("Cookie: session=%016" PRIx64 "\r\n", rnd());
	int kind = fwd_headers(b, cap, &n, cl, c->host);
	if (kind != 8)
		ADD("Tailscale-Funnel-Request: ?1\r\n");
	ADD("X-Forwarded-Host: %s\r\nX-Forwarded-Proto: https\r\n\r\n", c->host);
#undef ADD
	return n;
}

static uint32_t body_size(void)
{
	double u = unit();

	if (u < 0.70)
		return between(80, 2048);
	if (u < 0.94)
		return between(2049, 16384);
	if (u < 0.99)
		return between(16385, 65536);
	return between(65537, 200000);
}

static const char *status_text(int st)
{
	switch (st) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	default: return "Bad Gateway";
	}
}

static void http_exchange(struct conn *c)
{
	static const int sts[] = { 200, 304, 404, 301, 302, 206, 400, 401, 403, 500, 502 };
	static const double sw[] = { 0.70, 0.08, 0.08, 0.02, 0.02, 0.01, 0.02, 0.015,
				     0.015, 0.02, 0.01 };
	char head[4096];
	uint32_t body_len, hl;
	bool is_head;

	c->used = 0;
	hl = (uint32_t)http_request(c, head, sizeof(head), &body_len, &is_head);
	uint32_t roff = buf_put(c, head, hl);
	if (body_len) {
		buf_put(c, text + below(POOL_LEN - body_len), body_len);
		/* Go writes the head, then the body: two segments when large. */
		if (body_len > 1024) {
			q_data(c, true, roff, hl, c->mss, 0);
			q_data(c, true, roff + hl, body_len, c->mss, 0);
		} else {
			q_data(c, true, roff, hl + body_len, c->mss, 0);
		}
		mark_last(c, true, MK_REQ);
	} else if (chance(0.03)) {
		/* A head split mid-line: the reassembler has to join them. */
		uint32_t cut = between(10, hl - 5);
		q_add(c, true, F_ACK, roff, cut);
		q_add(c, true, F_ACK | F_PSH, roff + cut, hl - cut);
		mark_last(c, true, MK_REQ);
		S.http_split_req++;
	} else {
		q_data(c, true, roff, hl, c->mss, 0);
		mark_last(c, true, MK_REQ);
	}
	if (chance(0.3))
		q_add(c, false, F_ACK, 0, 0);	/* a slow backend: delayed ACK */

	int si = 0;
	double u = unit();
	for (double acc = sw[0]; u >= acc && si < 10;)
		acc += sw[++si];
	int st = sts[si];
	uint32_t blen = st == 304 ? 0 : st == 200 || st == 206 ? body_size() :
			between(0, 400);
	bool chunked = blen > 2048 && chance(0.3);
	bool close = --c->left <= 0 || chance(0.03);
	size_t n = 0;
	char date[64];
	time_t t = (time_t)(now_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
#define ADD(...) (n += (size_t)snprintf(head + n, sizeof(head) - n, __VA_ARGS__))
	ADD("HTTP/1.1 %d %s\r\n", st, status_text(st));
	if (close)
		ADD("Connection: close\r\n");
	if (!chunked && st != 304)
		ADD("Content-Length: %u\r\n", blen);
	ADD("Content-Type: %s\r\nDate: %s\r\n", blen > 1000 ? "text/html; charset=utf-8" :
	    "application/json", date);
	if (st == 301 || st == 302)
		ADD("Location: https://%s/\r\n", c->host);
	if (chunked)
		ADD("Transfer-Encoding: chunked\r\n");
	ADD("\r\n");
#undef ADD
	uint32_t off = buf_put(c, head, n);
	if (is_head) {
		blen = 0;
	} else if (chunked) {
		uint32_t left = blen;
		while (left) {
			uint32_t k = left < 8192 ? left : 8192;
			char ch[16];
			int m = snprintf(ch, sizeof(ch), "%x\r\n", k);
			buf_put(c, ch, (size_t)m);
			buf_put(c, text + below(POOL_LEN - k), k);
			buf_put(c, "\r\n", 2);
			left -= k;
		}
		buf_put(c, "0\r\n\r\n", 5);
		S.http_chunked++;
	} else if (blen) {
		buf_put(c, text + below(POOL_LEN - blen), blen);
	}
	/* Go's bufio writer flushes 4 KiB first, then the handler's writes. */
	uint32_t total = c->used - off;
	uint32_t first = total < 4096 ? total : 4096;
	q_add(c, false, F_ACK | (first == total ? F_PSH : 0), off, first);
	if (total > first)
		q_data(c, false, off + first, total - first, 32768, 2);
	mark_last(c, false, MK_RESP);
	q_add(c, true, F_ACK, 0, 0);
	if (close)
		q_close(c, false);
}

static uint16_t ephemeral = 32768;

static void http_open(struct conn *c)
{
	memset(c->q, 0, sizeof(c->q));
	c->live = true;
	c->lo = true;
	c->kind = K_HTTP;
	c->closing = c->closed = false;
	c->qh = c->qn = 0;
	int fam = chance(0.05) ? 6 : 4;
	ephemeral = (uint16_t)(ephemeral >= 60990 ? 32768 : ephemeral + between(1, 9));
	ep_lo(&c->cli, fam, ephemeral);
	ep_lo(&c->srv, fam, BACKEND_PORT);
	c->cseq = (uint32_t)(rnd() >> 32);
	c->sseq = (uint32_t)(rnd() >> 32);
	c->cts = (uint32_t)(rnd() >> 32);
	c->sts = (uint32_t)(rnd() >> 32);
	c->mss = fam == 4 ? 65495 : 65476;
	c->ttl = 64;
	c->host = hosts[below(N_HOSTS)];
	/* Go's transport keeps backend connections alive for many requests. */
	c->left = (int)between(1, 16);
	q_handshake(c);
	S.http_conns++;
}

/* ---- TLS to :443 from public clients ---- */

static const char *const sni_extra[] = {
	"", "localhost", "198.18.0.1", "xn--mnchen-3ya.example.ts.net",
	"a-very-long-label-that-goes-on-and-on-for-the-whole-sixty-three.tail0000.ts.net",
};

/* Rebuilds the template ClientHello: new random and session ID, the SNI,
 * ALPN and padding we choose, every other extension as the template had it. */
static size_t tls_hello(uint8_t *o, const char *sni, int alpn, size_t pad_to)
{
	const uint8_t *t = T.tls_hello.p;
	size_t tl = T.tls_hello.len, n = 0;
	static const uint8_t alpn_h2h1[] = { 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p',
					     '/', '1', '.', '1' };
	static const uint8_t alpn_h1[] = { 0, 9, 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
	static const uint8_t alpn_h2[] = { 0, 3, 2, 'h', '2' };

	/* record(5) handshake(4) version(2) random(32) sid ciphers comp exts */
	size_t p = 5 + 4 + 2 + 32;
	if (tl < p + 1)
		return 0;
	size_t sid = t[p];
	size_t cs_at = p + 1 + sid;
	if (tl < cs_at + 2)
		return 0;
	size_t cs = get16(t + cs_at);
	size_t cm_at = cs_at + 2 + cs;
	if (tl < cm_at + 1)
		return 0;
	size_t ex_at = cm_at + 1 + t[cm_at];
	if (tl < ex_at + 2)
		return 0;
	size_t ex_end = ex_at + 2 + get16(t + ex_at);
	if (ex_end > tl)
		return 0;

	memcpy(o, t, ex_at + 2);
	rnd_bytes(o + 11, 32);
	rnd_bytes(o + 44, sid);
	n = ex_at + 2;
	for (size_t e = ex_at + 2; e + 4 <= ex_end;) {
		uint16_t type = get16(t + e), len = get16(t + e + 2);

		if (e + 4 + len > ex_end)
			break;
		if (type == 0x0000) {
			size_t sl = strlen(sni);
			if (sl) {
				put16(o + n, 0);
				put16(o + n + 2, (uint16_t)(sl + 5));
				put16(o + n + 4, (uint16_t)(sl + 3));
				o[n + 6] = 0;
				put16(o + n + 7, (uint16_t)sl);
				memcpy(o + n + 9, sni, sl);
				n += 9 + sl;
			}
		} else if (type == 0x0010) {
			const uint8_t *a = alpn == 0 ? alpn_h2h1 : alpn == 1 ? alpn_h1 : alpn_h2;
			size_t al = alpn == 0 ? sizeof(alpn_h2h1) : alpn == 1 ?
				    sizeof(alpn_h1) : sizeof(alpn_h2);
			if (alpn < 3) {
				put16(o + n, 0x0010);
				put16(o + n + 2, (uint16_t)al);
				memcpy(o + n + 4, a, al);
				n += 4 + al;
			}
		} else if (type != 0x0015) {
			memcpy(o + n, t + e, 4u + len);
			if (type == 0x0033 && len >= 38)	/* a fresh key share */
				rnd_bytes(o + n + 4 + len - 32, 32);
			n += 4u + len;
		}
		e += 4u + len;
	}
	if (pad_to > n + 4) {
		/* RFC 7685 padding: the size of today's post-quantum hellos. */
		size_t pl = pad_to - n - 4;
		put16(o + n, 0x0015);
		put16(o + n + 2, (uint16_t)pl);
		memset(o + n + 4, 0, pl);
		n += 4 + pl;
	}
	put16(o + ex_at, (uint16_t)(n - ex_at - 2));
	put16(o + 3, (uint16_t)(n - 5));
	o[6] = (uint8_t)((n - 9) >> 16);
	put16(o + 7, (uint16_t)(n - 9));
	return n;
}

static void tls_records(struct conn *c, bool from_client, uint32_t total)
{
	uint32_t off = c->used;

	while (total) {
		uint32_t k = total < 16401 ? total : 16401;
		uint8_t h[5] = { 0x17, 3, 3, (uint8_t)(k >> 8), (uint8_t)k };
		buf_put(c, h, 5);
		buf_put(c, noise_at(k), k);
		total -= k;
	}
	q_data(c, from_client, off, c->used - off, c->mss, from_client ? 0 : 2);
}

static void tls_exchange(struct conn *c)
{
	c->used = 0;
	if (--c->left < 0) {
		q_close(c, chance(0.6));
		return;
	}
	tls_records(c, true, between(40, 1400));
	if (chance(0.5))
		q_add(c, false, F_ACK, 0, 0);
	tls_records(c, false, chance(0.8) ? between(100, 4000) : between(4001, 40000));
	q_add(c, true, F_ACK, 0, 0);
}

static void tls_open(struct conn *c)
{
	uint8_t hello[2100];
	const struct client *cl = pop_pick(&clients);
	const char *sni;
	double u = unit();
	int alpn;

	memset(c->q, 0, sizeof(c->q));
	c->live = true;
	c->lo = false;
	c->kind = K_TLS;
	c->closing = c->closed = false;
	c->qh = c->qn = 0;
	c->used = 0;
	c->cli.fam = cl->fam;
	memcpy(c->cli.a, cl->a, 16);
	c->cli.port = (uint16_t)between(1024, 65535);
	ep_node(&c->srv, cl->fam, 443);
	c->cseq = (uint32_t)(rnd() >> 32);
	c->sseq = (uint32_t)(rnd() >> 32);
	c->cts = (uint32_t)(rnd() >> 32);
	c->sts = (uint32_t)(rnd() >> 32);
	c->mss = cl->fam == 4 ? 1448 : 1428;
	c->ttl = (uint8_t)between(40, 58);
	c->left = (int)between(0, 3);
	q_handshake(c);

	if (u < 0.03) {
		sni = "";
	} else if (u < 0.06) {
		sni = sni_extra[1 + below(4)];
	} else {
		sni = hosts[below(N_HOSTS - 1)];
	}
	u = unit();
	alpn = u < 0.6 ? 0 : u < 0.85 ? 1 : u < 0.9 ? 2 : 3;
	size_t pad = chance(0.25) ? between(1700, 2000) : 0;
	size_t hl = tls_hello(hello, sni, alpn, pad);
	uint32_t off = buf_put(c, hello, hl);
	q_data(c, true, off, (uint32_t)hl, c->mss, 0);
	mark_last(c, true, (uint8_t)(MK_HELLO | (hl > c->mss ? MK_SPLIT : 0) |
				     (sni[0] ? 0 : MK_NOSNI)));
	q_add(c, false, F_ACK, 0, 0);
	off = buf_put(c, T.tls_flight.p, T.tls_flight.len);
	q_data(c, false, off, (uint32_t)T.tls_flight.len, c->mss, 0);
	if (T.tls_fin.p) {
		off = buf_put(c, T.tls_fin.p, T.tls_fin.len);
		q_data(c, true, off, (uint32_t)T.tls_fin.len, c->mss, 0);
	}
	S.tls_conns++;
}

/* ---- the mix ---- */

struct pool {
	struct conn *c;
	uint32_t n;
};

static struct pool http_pool, tls_pool;

static void pool_init(struct pool *p, uint32_t n, void (*open)(struct conn *))
{
	p->n = n;
	p->c = calloc(n, sizeof(*p->c));
	if (!p->c) {
		perror("gen_capture");
		exit(1);
	}
	for (uint32_t i = 0; i < n; i++) {
		p->c[i].buf = malloc(CONN_BUF);
		if (!p->c[i].buf) {
			perror("gen_capture");
			exit(1);
		}
		open(&p->c[i]);
	}
}

/* One packet from a random open connection of the pool; a finished one is
 * replaced by a new connection, so the pool keeps n flows interleaved. */
static void pool_step(struct pool *p, void (*open)(struct conn *),
		      void (*more)(struct conn *))
{
	struct conn *c = &p->c[below(p->n)];

	if (c->closed)
		open(c);
	if (c->qn == 0 && !c->closing)
		more(c);
	if (c->qn)
		conn_step(c);
}

enum mixc { M_WG, M_KEEPALIVE, M_DISCO, M_STUN, M_HTTP, M_TLS, M_N };
static const char *const mix_name[M_N] = { "wg", "keepalive", "disco", "stun",
					   "http", "tls" };
/* Shares of packets: 60% tunnel UDP on the physical side, the rest TCP. */
static double mix[M_N] = { 55.0, 2.0, 2.2, 0.8, 35.0, 5.0 };

static bool parse_mix(const char *s)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int i;
		if (!eq)
			return false;
		*eq = 0;
		for (i = 0; i < M_N && strcmp(tok, mix_name[i]); i++)
			;
		char *end;
		double v = strtod(eq + 1, &end);
		if (i == M_N || *end || v < 0)
			return false;
		mix[i] = v;
	}
	return true;
}

/* ---- reporting ---- */

static void bucket_stats(int fam, uint32_t *used, uint32_t *longest, double *mean)
{
	static uint32_t b[4096];
	uint64_t sq = 0, n = 0;

	memset(b, 0, sizeof(b));
	for (uint32_t i = 0; i < S.ip_addrs.cap; i++) {
		const uint8_t *k = S.ip_addrs.a[i];
		if (k[0] != fam)
			continue;
		/* tcpdump's hnametable index: the address copied into a host
		 * integer, & 4095 — on little-endian the FIRST octet and a half
		 * of IPv4; for IPv6 the last two octets. */
		uint32_t h = fam == 4 ? (uint32_t)(k[1] | (k[2] & 15) << 8) :
			     (uint32_t)(k[15] | (k[16] & 15) << 8);
		b[h]++;
		n++;
	}
	*used = *longest = 0;
	for (int i = 0; i < 4096; i++) {
		if (b[i])
			(*used)++;
		if (b[i] > *longest)
			*longest = b[i];
		sq += (uint64_t)b[i] * b[i];
	}
	/* Mean chain walked for a random address: sum(b^2)/n. */
	*mean = n ? (double)sq / (double)n : 0;
}

static void report(FILE *f, uint64_t seed, const char *path)
{
	uint64_t bytes = 0;
	uint32_t u4, l4, u6, l6, n4 = 0, n6 = 0, slash8 = 0;
	double m4, m6;
	bool s8[256] = { false };

	for (int k = 0; k < K_NKINDS; k++)
		bytes += S.bytes[k] + 16 * S.pkts[k];
	for (uint32_t i = 0; i < S.ip_addrs.cap; i++) {
		const uint8_t *k = S.ip_addrs.a[i];
		if (k[0] == 4) {
			n4++;
			if (!s8[k[1]])
				slash8++;
			s8[k[1]] = true;
		} else if (k[0] == 6) {
			n6++;
		}
	}
	bucket_stats(4, &u4, &l4, &m4);
	bucket_stats(6, &u6, &l6, &m6);
	fprintf(f, "file=%s\nseed=%" PRIu64 "\npackets=%" PRIu64 "\n", path, seed, emitted);
	fprintf(f, "duration_s=%.1f\n", (double)(now_ns - 1767258000ULL * 1000000000ULL) / 1e9);
	for (int k = 0; k < K_NKINDS; k++)
		fprintf(f, "pkts_%s=%" PRIu64 "\nbytes_%s=%" PRIu64 "\n", kind_name[k],
			S.pkts[k], kind_name[k], S.bytes[k]);
	fprintf(f, "wg_handshakes=%" PRIu64 "\nwg_peers=%u\nwg_relays=%u\n", S.handshakes,
		n_peers, n_relays);
	fprintf(f, "http_connections=%" PRIu64 "\nhttp_requests=%" PRIu64
		"\nhttp_responses=%" PRIu64 "\nhttp_chunked=%" PRIu64
		"\nhttp_split_heads=%" PRIu64 "\n", S.http_conns, S.http_req, S.http_resp,
		S.http_chunked, S.http_split_req);
	fprintf(f, "tls_connections=%" PRIu64 "\ntls_client_hellos=%" PRIu64
		"\ntls_hellos_over_one_segment=%" PRIu64 "\ntls_hellos_without_sni=%" PRIu64 "\n",
		S.tls_conns, S.tls_hello, S.tls_hello_split, S.tls_no_sni);
	static const char *const xk[] = { "single", "relay_chain", "three_hops", "with_port",
					  "forwarded_only", "forwarded_and_xff",
					  "repeated_lines", "unknown_hop", "none" };
	for (int i = 0; i < 9; i++)
		fprintf(f, "xff_%s=%" PRIu64 "\n", xk[i], S.xff_kind[i]);
	fprintf(f, "ip_addresses_v4=%u\nip_addresses_v4_slash8s=%u\n", n4, slash8);
	fprintf(f, "tcpdump_v4_buckets_used=%u\ntcpdump_v4_longest_chain=%u\n"
		"tcpdump_v4_mean_chain=%.1f\n", u4, l4, m4);
	fprintf(f, "ip_addresses_v6=%u\ntcpdump_v6_buckets_used=%u\n"
		"tcpdump_v6_longest_chain=%u\ntcpdump_v6_mean_chain=%.1f\n", n6, u6, l6, m6);
	fprintf(f, "client_addresses_in_http_heads=%u\nbytes=%" PRIu64 "\n",
		S.client_addrs.n, bytes + 24);
}

static const char usage_text[] =
"usage: gen_capture [options] -o OUT.pcap\n"
"  -n COUNT     packets (default 1000000)\n"
"  -s SEED      random seed (default 1)\n"
"  -m MIX       packet shares, e.g. wg=55,keepalive=2,disco=2.2,stun=0.8,http=35,tls=5\n"
"               (the default); wg is transport with its handshakes\n"
"  -c DIR       the sample captures (default: captures)\n"
"  -r RATE      packets per second of capture time (default 3000)\n"
"  -p PEERS     WireGuard peers (default 256, the first 16 are busy relays)\n"
"  -k CLIENTS   public client addresses (default 50000)\n"
"  -S FILE      write key=value statistics to FILE (default: standard output)\n";

int main(int argc, char **argv)
{
	uint64_t seed = 1, sx;
	const char *dir = "captures", *outp = NULL, *statp = NULL;
	double rate = 3000;
	uint32_t npeers = 256, nclients = 50000;
	int o;

	target = 1000000;
	while ((o = getopt(argc, argv, "n:s:m:c:r:p:k:o:S:h")) != -1) {
		switch (o) {
		case 'n': target = strtoull(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 'm':
			if (!parse_mix(optarg)) {
				fprintf(stderr, "gen_capture: bad mix '%s'\n", optarg);
				return 1;
			}
			break;
		case 'c': dir = optarg; break;
		case 'r': rate = strtod(optarg, NULL); break;
		case 'p': npeers = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'k': nclients = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'o': outp = optarg; break;
		case 'S': statp = optarg; break;
		default:
			fputs(usage_text, o == 'h' ? stdout : stderr);
			return o == 'h' ? 0 : 1;
		}
	}
	if (!outp || !target || rate <= 0 || !npeers || !nclients) {
		fputs(usage_text, stderr);
		return 1;
	}
	sx = seed;
	for (int i = 0; i < 4; i++)
		rs[i] = splitmix(&sx);

	load_templates(dir);
	crc32_init();
	rnd_bytes(noise, sizeof(noise));
	text_init();
	relays_init();
	peers_init(npeers);
	pop_init(&clients, nclients, 0.18, 0.15);
	for (int i = 0; i < N_STUN_SERVERS; i++) {
		stun_servers[i].fam = 4;
		rand_v4(stun_servers[i].a);
		stun_servers[i].port = 3478;
	}

	O.f = fopen(outp, "wb");
	if (!O.f) {
		fprintf(stderr, "gen_capture: %s: %s\n", outp, strerror(errno));
		return 1;
	}
	O.cap = 8u << 20;
	O.buf = malloc(O.cap);
	if (!O.buf) {
		perror("gen_capture");
		return 1;
	}
	out_header();
	now_ns = 1767258000ULL * 1000000000ULL;	/* 2026-01-01 09:00:00 UTC */
	gap_ns = 1e9 / rate;

	pool_init(&http_pool, 48, http_open);
	pool_init(&tls_pool, 24, tls_open);

	double total = 0, cum[M_N];
	for (int i = 0; i < M_N; i++)
		cum[i] = (total += mix[i]);
	if (total <= 0) {
		fputs("gen_capture: the mix is empty\n", stderr);
		return 1;
	}
	while (emitted < target) {
		double u = unit() * total;
		int m = 0;
		while (m < M_N - 1 && u >= cum[m])
			m++;
		switch (m) {
		case M_WG: wg_transport(false); break;
		case M_KEEPALIVE: wg_transport(true); break;
		case M_DISCO: disco_exchange(); break;
		case M_STUN: stun_exchange(); break;
		case M_HTTP: pool_step(&http_pool, http_open, http_exchange); break;
		default: pool_step(&tls_pool, tls_open, tls_exchange); break;
		}
	}
	if (O.used && fwrite(O.buf, 1, O.used, O.f) != O.used) {
		perror("gen_capture: write");
		return 1;
	}
	if (fclose(O.f)) {
		perror("gen_capture: close");
		return 1;
	}
	FILE *sf = statp ? fopen(statp, "w") : stdout;
	if (!sf) {
		fprintf(stderr, "gen_capture: %s: %s\n", statp, strerror(errno));
		return 1;
	}
	report(sf, seed, outp);
	if (sf != stdout)
		fclose(sf);
	return 0;
}
