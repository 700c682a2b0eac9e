/* engine.c - the tunnel engine (wgengine.h): peers, keypairs, handshakes
 * and transport over one UDP socket, driven by one poll loop.
 *
 * Keypair rotation follows wireguard-go (device/noise-protocol.go
 * BeginSymmetricSession, device/receive.go ReceivedWithKeypair):
 *
 *   initiator, response consumed:  previous <- current, current <- new
 *   responder, response sent:      previous dropped, next <- new
 *   first transport on `next`:     previous <- current, current <- next
 *
 * A responder never sends on `next` (key confirmation); the initiator
 * confirms at once with its staged packets or a keepalive.
 */
#include "fsc/wgengine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/allowedips.h"
#include "fsc/cursor.h"
#include "fsc/wgkeylog.h"
#include "fsc/wgload.h"
#include "fsc/wgnoise.h"
#include "fsc/wgtimers.h"

#define QUEUE_LEN 64
#define MAX_PACKET 65535
#define RX_BATCH 64

struct slot {
	struct fsc_wgnoise_keypair kp;
	uint64_t created; /* ns; 0 = empty slot */
};

struct staged {
	uint16_t len;
	uint8_t *buf; /* MAX_PACKET bytes, allocated once */
};

struct peer {
	struct fsc_wgnoise_peer np;
	struct fsc_wgnoise_handshake hs;
	struct slot cur, prev, next;
	struct fsc_wgtimers timers;
	struct sockaddr_in6 ep; /* IPv4 as v4-mapped */
	bool has_ep;
	uint64_t last_initiation_consumed;
	uint64_t last_handshake_unix_ns;
	uint64_t rx_bytes, tx_bytes, handshakes, keepalives_sent;
	bool keylog_statics_written;
	struct staged q[QUEUE_LEN];
	unsigned q_head, q_n;
	size_t conf_index;
};

struct fsc_wgengine {
	struct fsc_wgnoise *nz;
	struct fsc_wgnoise_identity id;
	struct fsc_wgnoise_cookie_checker ck;
	struct fsc_wgconf conf; /* our copy */
	struct fsc_wgtimer_cfg tcfg;
	struct fsc_allowedips aip;
	struct fsc_wgload load;
	struct fsc_wgrate *rate;
	struct peer *peers;
	size_t npeers;
	int fd;
	bool v6; /* fd is AF_INET6 (dual-stack) */
	uint16_t port;
	size_t mtu;
	FILE *keylog;
	fsc_wgengine_deliver_fn deliver;
	void *deliver_ctx;
	struct fsc_wgengine_stats st;
	uint8_t *rxbuf, *plain, *txbuf; /* MAX_PACKET each */
};

/* ---- small helpers --------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FSC_NS_PER_SEC + (uint64_t)ts.tv_nsec + 1;
}

static uint64_t unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * FSC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void random_bytes(void *p, size_t n)
{
	/* OpenSSL's CSPRNG; it only fails when unseeded, which a Linux
	 * process with getrandom(2) never is. Fall back to zero-free noise
	 * rather than abort a library. */
	if (RAND_bytes(p, (int)n) != 1) {
		uint8_t *b = p;
		uint64_t x = now_ns() * 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[i] = (uint8_t)x;
		}
	}
}

static uint64_t jitter(const struct fsc_wgengine *eng)
{
	uint64_t r;

	random_bytes(&r, sizeof(r));
	return r % eng->tcfg.jitter_max;
}

const char *fsc_wgengine_keylog_path(const char *flag_value)
{
	const char *env;

	if (flag_value && *flag_value)
		return flag_value;
	env = getenv("WG_KEYLOGFILE");
	return env && *env ? env : NULL;
}

static void sa_from_addr(struct sockaddr_in6 *sa, const struct fsc_addr *a, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons(port);
	if (a->family == 4) {
		sa->sin6_addr.s6_addr[10] = 0xff;
		sa->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sa->sin6_addr.s6_addr[12], a->b, 4);
	} else {
		memcpy(sa->sin6_addr.s6_addr, a->b, 16);
	}
}

static bool is_mapped(const struct sockaddr_in6 *sa)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(sa->sin6_addr.s6_addr, prefix, 12) == 0;
}

static void addr_from_sa(const struct sockaddr_in6 *sa, struct fsc_addr *a, uint16_t *port)
{
	if (is_mapped(sa))
		fsc_addr_set4(a, &sa->sin6_addr.s6_addr[12]);
	else
		fsc_addr_set6(a, sa->sin6_addr.s6_addr);
	*port = ntohs(sa->sin6_port);
}

/* The cookie's source bytes, as wireguard-go makes them
 * (netip.AddrPort.MarshalBinary): the address, then the port
 * little-endian. Returns the length. */
static size_t source_bytes(const struct sockaddr_in6 *sa, uint8_t out[18])
{
	uint16_t port = ntohs(sa->sin6_port);
	size_t n;

	if (is_mapped(sa)) {
		memcpy(out, &sa->sin6_addr.s6_addr[12], 4);
		n = 4;
	} else {
		memcpy(out, sa->sin6_addr.s6_addr, 16);
		n = 16;
	}
	out[n] = (uint8_t)port;
	out[n + 1] = (uint8_t)(port >> 8);
	return n + 2;
}

static void send_to(struct fsc_wgengine *eng, struct peer *p, const uint8_t *buf, size_t len)
{
	ssize_t r;

	if (!p->has_ep)
		return;
	if (eng->v6) {
		r = sendto(eng->fd, buf, len, 0, (const struct sockaddr *)&p->ep, sizeof(p->ep));
	} else {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = p->ep.sin6_port };
		memcpy(&sin.sin_addr, &p->ep.sin6_addr.s6_addr[12], 4);
		r = sendto(eng->fd, buf, len, 0, (const struct sockaddr *)&sin, sizeof(sin));
	}
	if (r == (ssize_t)len) {
		eng->st.tx_datagrams++;
		p->tx_bytes += len;
	}
}

/* ---- key log ----------------------------------------------------------- */

/* One handshake's lines, as refpair.md §3 says tshark needs them: the
 * ephemeral private key each time (both roles), our static private key and
 * the peer's public key once per peer, the PSK right after the ephemeral. */
static void keylog_handshake(struct fsc_wgengine *eng, struct peer *p)
{
	static const uint8_t zero[32];
	char line[FSC_WGKEYLOG_LINE_MAX];

	if (!eng->keylog)
		return;
	if (!p->keylog_statics_written) {
		fsc_wgkeylog_format(line, sizeof(line), FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY,
				    eng->id.priv);
		fputs(line, eng->keylog);
		fsc_wgkeylog_format(line, sizeof(line), FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY,
				    p->np.pub);
		fputs(line, eng->keylog);
		p->keylog_statics_written = true;
	}
	fsc_wgkeylog_format(line, sizeof(line), FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY,
			    p->hs.local_eph_priv);
	fputs(line, eng->keylog);
	if (memcmp(p->np.psk, zero, 32) != 0) {
		fsc_wgkeylog_format(line, sizeof(line), FSC_WGKEYLOG_PRESHARED_KEY, p->np.psk);
		fputs(line, eng->keylog);
	}
	fsc_wgnoise_wipe(line, sizeof(line));
	/* A reader (tshark on a live capture) sees each handshake at once. */
	fflush(eng->keylog);
}

/* ---- keypairs ---------------------------------------------------------- */

static void slot_clear(struct slot *s)
{
	fsc_wgnoise_wipe(s, sizeof(*s));
}

static bool slot_usable(const struct fsc_wgengine *eng, const struct slot *s, uint64_t now)
{
	return s->created && now - s->created < eng->tcfg.reject_after_time &&
	       s->kp.send_counter < FSC_WGNOISE_REJECT_AFTER_MESSAGES;
}

static bool index_in_use(const struct fsc_wgengine *eng, uint32_t idx)
{
	for (size_t i = 0; i < eng->npeers; i++) {
		const struct peer *p = &eng->peers[i];
		if ((p->hs.state != FSC_WGNOISE_HS_ZEROED && p->hs.local_index == idx) ||
		    (p->cur.created && p->cur.kp.local_index == idx) ||
		    (p->prev.created && p->prev.kp.local_index == idx) ||
		    (p->next.created && p->next.kp.local_index == idx))
			return true;
	}
	return false;
}

static uint32_t fresh_index(const struct fsc_wgengine *eng)
{
	uint32_t idx;

	do
		random_bytes(&idx, sizeof(idx));
	while (index_in_use(eng, idx));
	return idx;
}

static void zero_keys(struct peer *p)
{
	slot_clear(&p->cur);
	slot_clear(&p->prev);
	slot_clear(&p->next);
	fsc_wgnoise_wipe(&p->hs, sizeof(p->hs));
}

static void queue_drop_all(struct fsc_wgengine *eng, struct peer *p)
{
	eng->st.queue_drops += p->q_n;
	p->q_n = 0;
	p->q_head = 0;
}

/* ---- sending ----------------------------------------------------------- */

static void send_initiation(struct fsc_wgengine *eng, struct peer *p, bool retry)
{
	uint8_t eph[32], ts[FSC_WGNOISE_TAI64N_LEN], msg[FSC_WG_INITIATION_LEN];
	uint64_t now = now_ns(), wall = unix_ns();
	const char *why;

	if (!retry && !fsc_wgtimers_may_initiate(&p->timers, now))
		return;
	if (!p->has_ep) /* nowhere to send: wait for the peer to reach us */
		return;
	random_bytes(eph, sizeof(eph));
	fsc_wgnoise_tai64n_make(ts, wall / FSC_NS_PER_SEC, (uint32_t)(wall % FSC_NS_PER_SEC));
	if (fsc_wgnoise_initiation_create(eng->nz, &eng->id, &p->np, &p->hs, eph,
					  fresh_index(eng), ts, now, msg, &why) != FSC_OK) {
		fsc_wgnoise_wipe(eph, sizeof(eph));
		return;
	}
	fsc_wgnoise_wipe(eph, sizeof(eph));
	keylog_handshake(eng, p);
	send_to(eng, p, msg, sizeof(msg));
	eng->st.handshakes_initiated++;
	fsc_wgtimers_initiation_sent(&p->timers, now, jitter(eng), retry);
	fsc_wgtimers_authed_traversal(&p->timers, now);
	fsc_wgtimers_authed_sent(&p->timers, now);
}

/* Seals one inner packet (len 0: keepalive) with the current keypair. */
static bool seal_and_send(struct fsc_wgengine *eng, struct peer *p, const uint8_t *pkt,
			  size_t len, uint64_t now)
{
	size_t out_len;
	const char *why;

	if (!slot_usable(eng, &p->cur, now) || !p->has_ep)
		return false;
	if (fsc_wgnoise_transport_seal(eng->nz, &p->cur.kp, pkt, len, eng->mtu, eng->txbuf,
				       MAX_PACKET, &out_len, &why) != FSC_OK)
		return false;
	send_to(eng, p, eng->txbuf, out_len);
	fsc_wgtimers_authed_traversal(&p->timers, now);
	fsc_wgtimers_authed_sent(&p->timers, now);
	if (len) {
		fsc_wgtimers_data_sent(&p->timers, now, jitter(eng));
	} else {
		p->keepalives_sent++;
	}
	/* Keep the keys fresh (wireguard-go keepKeyFreshSending): the
	 * initiator rekeys when its keypair is old or used a lot. */
	if (p->cur.kp.send_counter > FSC_WGNOISE_REKEY_AFTER_MESSAGES ||
	    (p->cur.kp.initiator && now - p->cur.created > eng->tcfg.rekey_after_time))
		send_initiation(eng, p, false);
	return true;
}

static void send_keepalive(struct fsc_wgengine *eng, struct peer *p, uint64_t now)
{
	if (p->q_n) /* staged data will do */
		return;
	if (!seal_and_send(eng, p, NULL, 0, now))
		send_initiation(eng, p, false);
}

static void flush_queue(struct fsc_wgengine *eng, struct peer *p, uint64_t now)
{
	while (p->q_n) {
		struct staged *s = &p->q[p->q_head];
		if (!seal_and_send(eng, p, s->buf, s->len, now))
			return;
		p->q_head = (p->q_head + 1) % QUEUE_LEN;
		p->q_n--;
	}
}

/* The inner destination address (4 or 16 bytes) of an IP packet; its
 * family, or 0 when the packet is not IP. */
static int inner_addr(const uint8_t *pkt, size_t len, bool source, const uint8_t **addr)
{
	struct fsc_cursor c = fsc_cur_make(pkt, len);
	uint8_t v = fsc_cur_peek(&c, 0) >> 4;

	if (v == 4 && len >= 20) {
		fsc_cur_skip(&c, source ? 12 : 16);
		*addr = fsc_cur_take(&c, 4);
		return *addr ? 4 : 0;
	}
	if (v == 6 && len >= 40) {
		fsc_cur_skip(&c, source ? 8 : 24);
		*addr = fsc_cur_take(&c, 16);
		return *addr ? 6 : 0;
	}
	return 0;
}

bool fsc_wgengine_send(struct fsc_wgengine *eng, const uint8_t *pkt, size_t len)
{
	const uint8_t *dst;
	int fam = inner_addr(pkt, len, false, &dst);
	int pi;
	struct peer *p;
	uint64_t now;

	if (len > eng->mtu) {
		eng->st.too_long++;
		return false;
	}
	if (!fam || (pi = fsc_allowedips_lookup_raw(&eng->aip, dst, fam)) < 0) {
		eng->st.no_route++;
		return false;
	}
	p = &eng->peers[pi];
	now = now_ns();
	if (!p->q_n && seal_and_send(eng, p, pkt, len, now))
		return true;
	/* Stage it until a handshake completes. */
	if (p->q_n == QUEUE_LEN) {
		p->q_head = (p->q_head + 1) % QUEUE_LEN; /* drop the oldest */
		p->q_n--;
		eng->st.queue_drops++;
	}
	struct staged *s = &p->q[(p->q_head + p->q_n) % QUEUE_LEN];
	memcpy(s->buf, pkt, len);
	s->len = (uint16_t)len;
	p->q_n++;
	send_initiation(eng, p, false); /* at most one per REKEY_TIMEOUT */
	return true;
}

/* ---- receiving --------------------------------------------------------- */

static struct peer *peer_by_pub(struct fsc_wgengine *eng, const uint8_t pub[32])
{
	for (size_t i = 0; i < eng->npeers; i++)
		if (memcmp(eng->peers[i].np.pub, pub, 32) == 0)
			return &eng->peers[i];
	return NULL;
}

static void set_endpoint(struct peer *p, const struct sockaddr_in6 *from)
{
	p->ep = *from;
	p->has_ep = true;
}

/* Under load, an initiation or response must carry a valid mac2; without
 * one it gets a cookie reply. Returns true when processing may go on. */
static bool load_gate(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
		      const struct sockaddr_in6 *from, uint64_t now)
{
	uint8_t src[18], secret[32], nonce[24], reply[FSC_WG_COOKIE_LEN];
	size_t src_len = source_bytes(from, src);
	const char *why;
	struct fsc_addr a;
	uint16_t port;

	if (fsc_wgnoise_mac1_check(eng->nz, &eng->id, msg, len, &why) != FSC_OK) {
		eng->st.bad_mac1++;
		return false;
	}
	if (!fsc_wgload_note(&eng->load, now))
		return true;
	if (fsc_wgnoise_mac2_check(eng->nz, &eng->ck, msg, len, src, src_len, now, &why) !=
	    FSC_OK) {
		random_bytes(secret, sizeof(secret));
		random_bytes(nonce, sizeof(nonce));
		if (fsc_wgnoise_cookie_reply_create(eng->nz, &eng->id, &eng->ck, msg, len, src,
						    src_len, now, secret, nonce, reply,
						    &why) == FSC_OK) {
			ssize_t r;
			if (eng->v6) {
				r = sendto(eng->fd, reply, sizeof(reply), 0,
					   (const struct sockaddr *)from, sizeof(*from));
			} else {
				struct sockaddr_in sin = { .sin_family = AF_INET,
							   .sin_port = from->sin6_port };
				memcpy(&sin.sin_addr, &from->sin6_addr.s6_addr[12], 4);
				r = sendto(eng->fd, reply, sizeof(reply), 0,
					   (const struct sockaddr *)&sin, sizeof(sin));
			}
			if (r == (ssize_t)sizeof(reply)) {
				eng->st.cookies_sent++;
				eng->st.tx_datagrams++;
			}
		}
		fsc_wgnoise_wipe(secret, sizeof(secret));
		return false;
	}
	eng->st.mac2_valid++;
	addr_from_sa(from, &a, &port);
	if (!fsc_wgrate_allow(eng->rate, &a, now)) {
		eng->st.under_load_drops++;
		return false;
	}
	return true;
}

static void got_initiation(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			   const struct sockaddr_in6 *from, uint64_t now)
{
	struct fsc_wgnoise_handshake hs;
	uint8_t pub[32], eph[32], out[FSC_WG_RESPONSE_LEN];
	struct fsc_wgnoise_keypair kp;
	const char *why;
	struct peer *p;

	if (!load_gate(eng, msg, len, from, now))
		return;
	memset(&hs, 0, sizeof(hs));
	if (fsc_wgnoise_initiation_consume(eng->nz, &eng->id, msg, len, &hs, pub, &why) != FSC_OK) {
		eng->st.bad_auth++;
		goto out;
	}
	if (!(p = peer_by_pub(eng, pub))) {
		eng->st.unknown_peer++;
		goto out;
	}
	/* At most one initiation a peer per 20 ms (before the timestamp is
	 * recorded, so a flood cannot advance it). */
	if (p->last_initiation_consumed &&
	    now - p->last_initiation_consumed < eng->tcfg.initiation_rate) {
		eng->st.initiation_flood++;
		goto out;
	}
	if (fsc_wgnoise_initiation_accept(eng->nz, &p->np, &hs, msg, len, &why) != FSC_OK) {
		eng->st.bad_auth++;
		goto out;
	}
	p->last_initiation_consumed = now;
	p->hs = hs;
	random_bytes(eph, sizeof(eph));
	if (fsc_wgnoise_response_create(eng->nz, &eng->id, &p->np, &p->hs, eph,
					fresh_index(eng), now, out, &why) != FSC_OK) {
		eng->st.bad_auth++;
		goto out;
	}
	keylog_handshake(eng, p);
	if (fsc_wgnoise_keypair_derive(eng->nz, &p->hs, &kp, &why) != FSC_OK)
		goto out;
	set_endpoint(p, from);
	send_to(eng, p, out, sizeof(out));
	slot_clear(&p->prev);
	slot_clear(&p->next);
	p->next.kp = kp;
	p->next.created = now;
	fsc_wgtimers_session_derived(&p->timers, now);
	fsc_wgtimers_authed_traversal(&p->timers, now);
	fsc_wgtimers_authed_sent(&p->timers, now);
out:
	fsc_wgnoise_wipe(&hs, sizeof(hs));
	fsc_wgnoise_wipe(&kp, sizeof(kp));
	fsc_wgnoise_wipe(eph, sizeof(eph));
}

static struct peer *peer_by_handshake(struct fsc_wgengine *eng, uint32_t idx)
{
	for (size_t i = 0; i < eng->npeers; i++) {
		struct peer *p = &eng->peers[i];
		if (p->hs.state == FSC_WGNOISE_HS_INITIATION_CREATED && p->hs.local_index == idx)
			return p;
	}
	return NULL;
}

static uint32_t receiver_index(const uint8_t *msg, size_t len, size_t off)
{
	struct fsc_cursor c = fsc_cur_make(msg, len);

	fsc_cur_skip(&c, off);
	return fsc_cur_le32(&c);
}

static void got_response(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			 const struct sockaddr_in6 *from, uint64_t now)
{
	struct fsc_wgnoise_keypair kp;
	const char *why;
	struct peer *p = peer_by_handshake(eng, receiver_index(msg, len, 8));

	if (!p) {
		eng->st.unknown_index++;
		return;
	}
	if (!load_gate(eng, msg, len, from, now))
		return;
	if (fsc_wgnoise_response_consume(eng->nz, &eng->id, &p->np, &p->hs, msg, len, &why) !=
		    FSC_OK ||
	    fsc_wgnoise_keypair_derive(eng->nz, &p->hs, &kp, &why) != FSC_OK) {
		eng->st.bad_auth++;
		return;
	}
	set_endpoint(p, from);
	slot_clear(&p->prev);
	p->prev = p->cur;
	slot_clear(&p->next);
	p->cur.kp = kp;
	p->cur.created = now;
	fsc_wgnoise_wipe(&kp, sizeof(kp));
	p->handshakes++;
	p->last_handshake_unix_ns = unix_ns();
	eng->st.handshakes_completed++;
	fsc_wgtimers_handshake_complete(&p->timers, now);
	fsc_wgtimers_session_derived(&p->timers, now);
	fsc_wgtimers_authed_traversal(&p->timers, now);
	fsc_wgtimers_authed_received(&p->timers, now);
	/* Key confirmation for the responder: staged data, else a keepalive. */
	if (p->q_n)
		flush_queue(eng, p, now);
	else
		seal_and_send(eng, p, NULL, 0, now);
}

static void got_cookie(struct fsc_wgengine *eng, const uint8_t *msg, size_t len, uint64_t now)
{
	const char *why;
	struct peer *p = peer_by_handshake(eng, receiver_index(msg, len, 4));

	if (!p) {
		eng->st.unknown_index++;
		return;
	}
	if (fsc_wgnoise_cookie_reply_consume(eng->nz, &p->np, msg, len, now, &why) != FSC_OK) {
		eng->st.bad_auth++;
		return;
	}
	eng->st.cookies_received++;
}

/* The peer and slot a transport message's receiver index names. */
static struct slot *slot_by_index(struct fsc_wgengine *eng, uint32_t idx, struct peer **pp)
{
	for (size_t i = 0; i < eng->npeers; i++) {
		struct peer *p = &eng->peers[i];
		struct slot *s[3] = { &p->cur, &p->next, &p->prev };
		for (int k = 0; k < 3; k++)
			if (s[k]->created && s[k]->kp.local_index == idx) {
				*pp = p;
				return s[k];
			}
	}
	return NULL;
}

static void got_transport(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			  const struct sockaddr_in6 *from, uint64_t now)
{
	struct peer *p;
	struct slot *s = slot_by_index(eng, receiver_index(msg, len, 4), &p);
	size_t plen;
	const char *why;
	enum fsc_status st;

	if (!s) {
		eng->st.unknown_index++;
		return;
	}
	if (now - s->created >= eng->tcfg.reject_after_time) {
		eng->st.bad_auth++;
		return;
	}
	st = fsc_wgnoise_transport_open(eng->nz, &s->kp, msg, len, eng->plain, MAX_PACKET, &plen,
					NULL, &why);
	if (st != FSC_OK) {
		if (why && strstr(why, "replay"))
			eng->st.replays++;
		else
			eng->st.bad_auth++;
		return;
	}
	p->rx_bytes += len;
	if (s == &p->next) { /* key confirmed: rotate */
		slot_clear(&p->prev);
		p->prev = p->cur;
		p->cur = p->next;
		memset(&p->next, 0, sizeof(p->next));
		p->handshakes++;
		p->last_handshake_unix_ns = unix_ns();
		eng->st.handshakes_completed++;
		fsc_wgtimers_handshake_complete(&p->timers, now);
		s = &p->cur;
		flush_queue(eng, p, now);
	}
	set_endpoint(p, from); /* roaming: the latest authenticated source */
	fsc_wgtimers_authed_received(&p->timers, now);
	fsc_wgtimers_authed_traversal(&p->timers, now);
	/* wireguard-go keepKeyFreshReceiving: an initiator whose keypair is
	 * nearly too old to receive on starts over before it expires. */
	if (s == &p->cur && p->cur.kp.initiator &&
	    now - p->cur.created > eng->tcfg.reject_after_time - eng->tcfg.keepalive_timeout -
					   eng->tcfg.rekey_timeout &&
	    p->hs.state != FSC_WGNOISE_HS_INITIATION_CREATED)
		send_initiation(eng, p, false);
	if (plen == 0) /* keepalive */
		return;
	fsc_wgtimers_data_received(&p->timers, now);

	/* Cryptokey routing, inbound: the inner source must be the peer's. */
	const uint8_t *srcaddr;
	int fam = inner_addr(eng->plain, plen, true, &srcaddr);
	if (!fam || fsc_allowedips_lookup_raw(&eng->aip, srcaddr, fam) != (int)(p - eng->peers)) {
		eng->st.bad_inner_source++;
		return;
	}
	/* Drop the padding: the IP header says how long the packet is. */
	struct fsc_cursor c = fsc_cur_make(eng->plain, plen);
	size_t ilen = fam == 4 ? (fsc_cur_skip(&c, 2), fsc_cur_be16(&c))
			       : (fsc_cur_skip(&c, 4), (size_t)fsc_cur_be16(&c) + 40);
	if (c.bad || ilen > plen || ilen < (fam == 4 ? 20u : 40u)) {
		eng->st.bad_inner_source++;
		return;
	}
	if (eng->deliver)
		eng->deliver(eng->deliver_ctx, eng->plain, ilen);
}

static void got_datagram(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			 const struct sockaddr_in6 *from, uint64_t now)
{
	struct fsc_cursor c = fsc_cur_make(msg, len);
	uint32_t head = fsc_cur_le32(&c); /* type and three reserved zero bytes */

	eng->st.rx_datagrams++;
	if (head == 1 && len == FSC_WG_INITIATION_LEN)
		got_initiation(eng, msg, len, from, now);
	else if (head == 2 && len == FSC_WG_RESPONSE_LEN)
		got_response(eng, msg, len, from, now);
	else if (head == 3 && len == FSC_WG_COOKIE_LEN)
		got_cookie(eng, msg, len, now);
	else if (head == 4 && len >= FSC_WG_TRANSPORT_MIN)
		got_transport(eng, msg, len, from, now);
	else
		eng->st.not_wireguard++;
}

static void read_socket(struct fsc_wgengine *eng)
{
	for (int i = 0; i < RX_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct sockaddr_in6 from;
		ssize_t n = recvfrom(eng->fd, eng->rxbuf, MAX_PACKET, 0, (struct sockaddr *)&ss, &sl);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued on the socket */
		if (ss.ss_family == AF_INET6) {
			memcpy(&from, &ss, sizeof(from));
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in sin;
			struct fsc_addr a;
			memcpy(&sin, &ss, sizeof(sin));
			fsc_addr_set4(&a, (const uint8_t *)&sin.sin_addr);
			sa_from_addr(&from, &a, ntohs(sin.sin_port));
		} else {
			continue;
		}
		got_datagram(eng, eng->rxbuf, (size_t)n, &from, now_ns());
	}
}

/* ---- timers ------------------------------------------------------------ */

static void run_timers(struct fsc_wgengine *eng)
{
	uint64_t now = now_ns();

	for (size_t i = 0; i < eng->npeers; i++) {
		struct peer *p = &eng->peers[i];
		unsigned act = fsc_wgtimers_expire(&p->timers, now, jitter(eng));

		if (act & FSC_WGA_SEND_INITIATION)
			send_initiation(eng, p, true);
		if (act & FSC_WGA_GIVE_UP) {
			queue_drop_all(eng, p);
			fsc_wgnoise_wipe(&p->hs, sizeof(p->hs));
		}
		if (act & FSC_WGA_NEW_HANDSHAKE)
			send_initiation(eng, p, false);
		if (act & FSC_WGA_SEND_KEEPALIVE)
			send_keepalive(eng, p, now);
		if (act & FSC_WGA_ZERO_KEYS)
			zero_keys(p);
	}
}

size_t fsc_wgengine_pollfds(struct fsc_wgengine *eng, struct pollfd *pfd, size_t cap)
{
	if (!cap)
		return 0;
	pfd[0].fd = eng->fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	return 1;
}

int fsc_wgengine_timeout_ms(struct fsc_wgengine *eng)
{
	uint64_t next = 0, now = now_ns();

	for (size_t i = 0; i < eng->npeers; i++) {
		uint64_t t = fsc_wgtimers_next(&eng->peers[i].timers);
		if (t && (!next || t < next))
			next = t;
	}
	if (!next)
		return -1;
	if (next <= now)
		return 0;
	uint64_t ms = (next - now + 999999) / 1000000;
	return ms > 60000 ? 60000 : (int)ms;
}

void fsc_wgengine_handle(struct fsc_wgengine *eng, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pfd[i].fd == eng->fd && (pfd[i].revents & (POLLIN | POLLERR)))
			read_socket(eng);
	run_timers(eng);
}

void fsc_wgengine_set_inner(struct fsc_wgengine *eng, fsc_wgengine_deliver_fn deliver, void *ctx)
{
	eng->deliver = deliver;
	eng->deliver_ctx = ctx;
}

/* ---- setup ------------------------------------------------------------- */

static bool copy_conf(struct fsc_wgconf *dst, const struct fsc_wgconf *src)
{
	*dst = *src;
	dst->address = malloc((src->address_n ? src->address_n : 1) * sizeof(*src->address));
	dst->peer = malloc((src->peer_n ? src->peer_n : 1) * sizeof(*src->peer));
	dst->allowed = malloc((src->allowed_n ? src->allowed_n : 1) * sizeof(*src->allowed));
	if (!dst->address || !dst->peer || !dst->allowed)
		return false;
	if (src->address_n)
		memcpy(dst->address, src->address, src->address_n * sizeof(*src->address));
	if (src->peer_n)
		memcpy(dst->peer, src->peer, src->peer_n * sizeof(*src->peer));
	if (src->allowed_n)
		memcpy(dst->allowed, src->allowed, src->allowed_n * sizeof(*src->allowed));
	return true;
}

static bool open_socket(struct fsc_wgengine *eng, char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), off = 0;
	union {
		struct sockaddr_in6 v6;
		struct sockaddr_in v4;
		struct sockaddr sa;
	} u;
	socklen_t sl;

	memset(&u, 0, sizeof(u));
	if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0) {
		eng->v6 = true;
		u.v6.sin6_family = AF_INET6;
		u.v6.sin6_port = htons(eng->conf.listen_port);
		sl = sizeof(u.v6);
	} else {
		if (fd >= 0)
			close(fd);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		u.v4.sin_family = AF_INET;
		u.v4.sin_port = htons(eng->conf.listen_port);
		sl = sizeof(u.v4);
	}
	if (fd < 0 || bind(fd, &u.sa, sl) != 0) {
		snprintf(err, errlen, "UDP port %u: %s", eng->conf.listen_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	sl = sizeof(u);
	getsockname(fd, &u.sa, &sl);
	eng->port = ntohs(eng->v6 ? u.v6.sin6_port : u.v4.sin_port);
	/* Room for bursts: a TCP window's worth of datagrams at once. */
	int buf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	eng->fd = fd;
	return true;
}

static bool setup_peers(struct fsc_wgengine *eng, char *err, size_t errlen)
{
	const char *why;

	eng->peers = calloc(eng->conf.peer_n ? eng->conf.peer_n : 1, sizeof(*eng->peers));
	if (!eng->peers) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	eng->npeers = eng->conf.peer_n;
	for (size_t i = 0; i < eng->npeers; i++) {
		const struct fsc_wgconf_peer *cp = &eng->conf.peer[i];
		struct peer *p = &eng->peers[i];
		char b64[FSC_WG_KEY_B64LEN + 1];

		p->conf_index = i;
		if (memcmp(cp->public_key, eng->id.pub, 32) == 0 ||
		    fsc_wgnoise_peer_set(eng->nz, &p->np, &eng->id, cp->public_key,
					 cp->has_preshared_key ? cp->preshared_key : NULL,
					 &why) != FSC_OK) {
			fsc_wgconf_key_write(cp->public_key, b64);
			snprintf(err, errlen, "peer '%s': %s", b64,
				 memcmp(cp->public_key, eng->id.pub, 32) == 0
					 ? "is our own public key"
					 : "unusable public key (low order)");
			return false;
		}
		if (cp->has_endpoint) {
			sa_from_addr(&p->ep, &cp->endpoint, cp->endpoint_port);
			p->has_ep = true;
		}
		fsc_wgtimers_init(&p->timers, &eng->tcfg, cp->persistent_keepalive);
		for (size_t k = 0; k < QUEUE_LEN; k++)
			if (!(p->q[k].buf = malloc(MAX_PACKET))) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
		for (size_t k = 0; k < cp->allowed_n; k++)
			if (!fsc_allowedips_insert(&eng->aip, &eng->conf.allowed[cp->allowed_first + k],
						   (int)i)) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
	}
	return true;
}

struct fsc_wgengine *fsc_wgengine_new(const struct fsc_wgconf *conf,
				      const struct fsc_wgengine_opts *opts, char *err,
				      size_t errlen)
{
	struct fsc_wgengine *eng = calloc(1, sizeof(*eng));
	const char *why;
	uint64_t seed;

	if (!eng) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	eng->fd = -1;
	fsc_allowedips_init(&eng->aip);
	if (!copy_conf(&eng->conf, conf)) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	fsc_wgtimer_cfg_default(&eng->tcfg);
	fsc_wgtimer_cfg_scale(&eng->tcfg, opts && opts->timer_divisor ? opts->timer_divisor : 1);
	fsc_wgload_init(&eng->load, opts ? opts->load_threshold : 0);
	eng->mtu = opts && opts->mtu ? opts->mtu : conf->mtu ? conf->mtu : 1420;
	random_bytes(&seed, sizeof(seed));
	eng->rate = malloc(sizeof(*eng->rate));
	eng->rxbuf = malloc(MAX_PACKET);
	eng->plain = malloc(MAX_PACKET);
	eng->txbuf = malloc(MAX_PACKET);
	if (!eng->rate || !eng->rxbuf || !eng->plain || !eng->txbuf) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	fsc_wgrate_init(eng->rate, seed);
	if (!(eng->nz = fsc_wgnoise_new(err, errlen)))
		goto bad;
	if (fsc_wgnoise_identity_set(eng->nz, &eng->id, conf->private_key, &why) != FSC_OK) {
		snprintf(err, errlen, "PrivateKey: %s", why);
		goto bad;
	}
	if (!setup_peers(eng, err, errlen))
		goto bad;
	if (opts && opts->keylog_path) {
		int kfd = open(opts->keylog_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (kfd < 0 || !(eng->keylog = fdopen(kfd, "a"))) {
			snprintf(err, errlen, "key log '%s': %s", opts->keylog_path,
				 strerror(errno));
			if (kfd >= 0)
				close(kfd);
			goto bad;
		}
	}
	if (!open_socket(eng, err, errlen))
		goto bad;
	/* Peers with an endpoint and a persistent keepalive start at once,
	 * as wg(8) does when the interface comes up. */
	for (size_t i = 0; i < eng->npeers; i++)
		if (eng->peers[i].timers.persistent_interval && eng->peers[i].has_ep)
			send_initiation(eng, &eng->peers[i], false);
	return eng;
bad:
	fsc_wgengine_free(eng);
	return NULL;
}

void fsc_wgengine_free(struct fsc_wgengine *eng)
{
	if (!eng)
		return;
	if (eng->fd >= 0)
		close(eng->fd);
	if (eng->keylog)
		fclose(eng->keylog);
	for (size_t i = 0; i < eng->npeers; i++) {
		for (size_t k = 0; k < QUEUE_LEN; k++)
			free(eng->peers[i].q[k].buf);
		zero_keys(&eng->peers[i]);
		fsc_wgnoise_wipe(&eng->peers[i].np, sizeof(eng->peers[i].np));
	}
	free(eng->peers);
	fsc_allowedips_free(&eng->aip);
	fsc_wgnoise_wipe(eng->conf.private_key, sizeof(eng->conf.private_key));
	fsc_wgconf_free(&eng->conf);
	fsc_wgnoise_wipe(&eng->id, sizeof(eng->id));
	fsc_wgnoise_wipe(&eng->ck, sizeof(eng->ck));
	fsc_wgnoise_free(eng->nz);
	free(eng->rate);
	free(eng->rxbuf);
	free(eng->plain);
	free(eng->txbuf);
	free(eng);
}

/* ---- inspection -------------------------------------------------------- */

const struct fsc_wgengine_stats *fsc_wgengine_stats(const struct fsc_wgengine *eng)
{
	return &eng->st;
}

void fsc_wgengine_public_key(const struct fsc_wgengine *eng, uint8_t pub[FSC_WG_KEY_LEN])
{
	memcpy(pub, eng->id.pub, FSC_WG_KEY_LEN);
}

uint16_t fsc_wgengine_listen_port(const struct fsc_wgengine *eng)
{
	return eng->port;
}

const struct fsc_wgconf *fsc_wgengine_conf(const struct fsc_wgengine *eng)
{
	return &eng->conf;
}

size_t fsc_wgengine_peer_count(const struct fsc_wgengine *eng)
{
	return eng->npeers;
}

bool fsc_wgengine_peer_info(const struct fsc_wgengine *eng, size_t i,
			    struct fsc_wgengine_peer_info *info)
{
	const struct peer *p;

	if (i >= eng->npeers)
		return false;
	p = &eng->peers[i];
	memset(info, 0, sizeof(*info));
	memcpy(info->public_key, p->np.pub, FSC_WG_KEY_LEN);
	info->has_preshared_key = eng->conf.peer[i].has_preshared_key;
	info->has_endpoint = p->has_ep;
	if (p->has_ep)
		addr_from_sa(&p->ep, &info->endpoint, &info->endpoint_port);
	info->last_handshake_unix_ns = p->last_handshake_unix_ns;
	info->rx_bytes = p->rx_bytes;
	info->tx_bytes = p->tx_bytes;
	info->persistent_keepalive = eng->conf.peer[i].persistent_keepalive;
	info->handshakes = p->handshakes;
	info->keepalives_sent = p->keepalives_sent;
	info->allowed_first = eng->conf.peer[i].allowed_first;
	info->allowed_n = eng->conf.peer[i].allowed_n;
	return true;
}
