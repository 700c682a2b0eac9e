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
#define _GNU_SOURCE /* sendmmsg */
#include "fsc/wgengine.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/udp.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fsc/cursor.h"
#include "fsc/rxstamp.h"
#include "fsc/wgkeylog.h"

#include "engine_int.h"

/* ---- small helpers --------------------------------------------------- */

uint64_t eng_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FSC_NS_PER_SEC + (uint64_t)ts.tv_nsec + 1;
}

uint64_t eng_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * FSC_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

void eng_random_bytes(void *p, size_t n)
{
	/* OpenSSL's CSPRNG; it only fails when unseeded, which a Linux
	 * process with getrandom(2) never is. Fall back to zero-free noise
	 * rather than abort a library. */
	if (RAND_bytes(p, (int)n) != 1) {
		uint8_t *b = p;
		uint64_t x = eng_now_ns() * 0x9e3779b97f4a7c15ull;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b[i] = (uint8_t)x;
		}
	}
}

/* Timer jitter needs no secrecy, and the data path asks for it on every
 * packet sent: xorshift64*, seeded from the CSPRNG at setup. */
static uint64_t jitter(struct fsc_wgengine *eng)
{
	uint64_t x = eng->jitter_state;

	x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
	eng->jitter_state = x;
	return (x * 0x2545f4914f6cdd1dull) % eng->tcfg.jitter_max;
}

void eng_sa_from_addr(struct sockaddr_in6 *sa, const struct fsc_addr *a, uint16_t port)
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

void eng_addr_from_sa(const struct sockaddr_in6 *sa, struct fsc_addr *a, uint16_t *port)
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

/* Messages i..j-1 (same destination, same length but maybe the last) as
 * one UDP GSO send: the kernel cuts the buffer into datagrams of the
 * first one's length (UDP_SEGMENT). Returns false when the kernel refuses
 * GSO, and then never tries again. */
static bool send_gso(struct fsc_wgengine *eng, unsigned i, unsigned j)
{
	struct iovec iov[TX_BATCH];
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh;
	struct cmsghdr *cm;
	uint16_t seg = (uint16_t)eng->txlen[i];
	size_t total = 0;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	for (unsigned k = i; k < j; k++) {
		iov[k - i].iov_base = eng->txb[k];
		iov[k - i].iov_len = eng->txlen[k];
		total += eng->txlen[k];
	}
	mh.msg_name = &eng->txto[i];
	mh.msg_namelen = sizeof(eng->txto[i]);
	mh.msg_iov = iov;
	mh.msg_iovlen = j - i;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	ssize_t r = sendmsg(eng->fd, &mh, 0);
	if (r < 0 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT ||
		      errno == EOPNOTSUPP)) {
		eng->no_gso = true;
		return false;
	}
	if (r == (ssize_t)total)
		for (unsigned k = i; k < j; k++) {
			eng->st.tx_datagrams++;
			eng->txpeer[k]->tx_bytes += eng->txlen[k];
		}
	return true; /* sent, or dropped as a full buffer drops a sendto */
}

/* Sends messages i..j-1 with sendmmsg. */
static void send_mmsg(struct fsc_wgengine *eng, unsigned i, unsigned j)
{
	struct mmsghdr m[TX_BATCH];
	struct iovec iov[TX_BATCH];
	unsigned n = j - i, done = 0;

	memset(m, 0, sizeof(m[0]) * n);
	for (unsigned k = 0; k < n; k++) {
		iov[k].iov_base = eng->txb[i + k];
		iov[k].iov_len = eng->txlen[i + k];
		m[k].msg_hdr.msg_iov = &iov[k];
		m[k].msg_hdr.msg_iovlen = 1;
		m[k].msg_hdr.msg_name = &eng->txto[i + k];
		m[k].msg_hdr.msg_namelen = sizeof(eng->txto[i + k]);
	}
	while (done < n) {
		int r = sendmmsg(eng->fd, m + done, n - done, 0);
		if (r <= 0) {
			/* A full socket buffer or an error for the first
			 * message: drop it, as sendto would, and go on. */
			done++;
			continue;
		}
		for (unsigned k = done; k < done + (unsigned)r; k++) {
			eng->st.tx_datagrams++;
			eng->txpeer[i + k]->tx_bytes += eng->txlen[i + k];
		}
		done += (unsigned)r;
	}
}

static bool same_dest(const struct sockaddr_in6 *a, const struct sockaddr_in6 *b)
{
	return a->sin6_port == b->sin6_port &&
	       memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

void fsc_wgengine_flush(struct fsc_wgengine *eng)
{
	unsigned n = eng->txn, i = 0;

	eng->txn = 0;
	while (i < n) {
		/* A run to one destination, all of the first one's length but
		 * the last (a TCP stream's full-sized packets), goes as one
		 * GSO send. */
		unsigned j = i + 1;
		if (eng->txmarked[i]) { /* its datagram goes to the kernel now */
			eng->txmarked[i] = false;
			if (eng->sent)
				eng->sent(eng->sent_ctx, eng->txcookie[i], (int64_t)eng_unix_ns());
		}
		while (j < n && !eng->txmarked[j] && same_dest(&eng->txto[j], &eng->txto[i]) &&
		       eng->txlen[j - 1] == eng->txlen[i] && eng->txlen[j] <= eng->txlen[i] &&
		       (j - i + 1) * eng->txlen[i] <= 65000) /* one UDP GSO send's limit */
			j++;
		if (j - i > 1 && !eng->no_gso && send_gso(eng, i, j)) {
			i = j;
			continue;
		}
		send_mmsg(eng, i, j);
		i = j;
	}
}

static void send_to(struct fsc_wgengine *eng, struct peer *p, const uint8_t *buf, size_t len)
{
	ssize_t r;

	if (!p->has_ep)
		return;
	fsc_wgengine_flush(eng); /* keep the order of everything we send */
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

/* The receiver indices p holds: its handshake's while one runs, and each
 * keypair's. */
static unsigned held_indices(const struct peer *p, uint32_t idx[4])
{
	const struct slot *s[3] = { &p->cur, &p->prev, &p->next };
	unsigned n = 0;

	if (p->hs.state != FSC_WGNOISE_HS_ZEROED)
		idx[n++] = p->hs.local_index;
	for (int k = 0; k < 3; k++)
		if (s[k]->created)
			idx[n++] = s[k]->kp.local_index;
	return n;
}

/* Brings by_index in step with p after its handshake or keypairs changed
 * (made, rotated, expired, cleared): drops the indices p let go of and
 * adds the new ones. */
static void index_sync(struct fsc_wgengine *eng, struct peer *p)
{
	uint32_t held[4], pi = (uint32_t)(p - eng->peers);
	unsigned n = held_indices(p, held);

	for (unsigned i = 0; i < p->n_indexed; i++) {
		bool kept = false;
		for (unsigned j = 0; j < n; j++)
			kept |= held[j] == p->indexed[i];
		if (!kept)
			fsc_hmap_del(&eng->by_index, p->indexed[i], pi);
	}
	/* Room: four a peer, and fresh_index keeps indices unique. */
	for (unsigned j = 0; j < n; j++)
		fsc_hmap_put(&eng->by_index, held[j], pi);
	memcpy(p->indexed, held, sizeof(held));
	p->n_indexed = n;
}

static uint32_t fresh_index(const struct fsc_wgengine *eng)
{
	uint32_t idx;

	do
		eng_random_bytes(&idx, sizeof(idx));
	while (fsc_hmap_get(&eng->by_index, idx) != FSC_HMAP_NONE);
	return idx;
}

void eng_zero_keys(struct peer *p)
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

void eng_send_initiation(struct fsc_wgengine *eng, struct peer *p, bool retry)
{
	uint8_t eph[32], ts[FSC_WGNOISE_TAI64N_LEN], msg[FSC_WG_INITIATION_LEN];
	uint64_t now = eng_now_ns(), wall = eng_unix_ns();
	const char *why;

	if (!retry && !fsc_wgtimers_may_initiate(&p->timers, now))
		return;
	if (!p->has_ep) /* nowhere to send: wait for the peer to reach us */
		return;
	eng_random_bytes(eph, sizeof(eph));
	fsc_wgnoise_tai64n_make(ts, wall / FSC_NS_PER_SEC, (uint32_t)(wall % FSC_NS_PER_SEC));
	if (fsc_wgnoise_initiation_create(eng->nz, &eng->id, &p->np, &p->hs, eph,
					  fresh_index(eng), ts, now, msg, &why) != FSC_OK) {
		fsc_wgnoise_wipe(eph, sizeof(eph));
		return;
	}
	fsc_wgnoise_wipe(eph, sizeof(eph));
	index_sync(eng, p);
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
	if (eng->v6) { /* batched: one sendmmsg for a burst */
		unsigned i = eng->txn;
		if (fsc_wgnoise_transport_seal(eng->nz, &p->cur.kp, pkt, len, eng->mtu,
					       eng->txb[i], eng->txcap, &out_len, &why) != FSC_OK)
			return false;
		eng->txmarked[i] = len && eng->mark_next;
		eng->txcookie[i] = eng->mark_cookie;
		eng->mark_next = false;
		eng->txlen[i] = out_len;
		eng->txpeer[i] = p;
		eng->txto[i] = p->ep;
		if (++eng->txn == TX_BATCH)
			fsc_wgengine_flush(eng);
	} else {
		if (fsc_wgnoise_transport_seal(eng->nz, &p->cur.kp, pkt, len, eng->mtu,
					       eng->txbuf, MAX_PACKET, &out_len, &why) != FSC_OK)
			return false;
		if (len && eng->mark_next && eng->sent) {
			fsc_wgengine_flush(eng); /* what is before it goes first */
			eng->sent(eng->sent_ctx, eng->mark_cookie, (int64_t)eng_unix_ns());
		}
		if (len)
			eng->mark_next = false;
		send_to(eng, p, eng->txbuf, out_len);
	}
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
		eng_send_initiation(eng, p, false);
	return true;
}

static void send_keepalive(struct fsc_wgengine *eng, struct peer *p, uint64_t now)
{
	if (p->q_n) /* staged data will do */
		return;
	if (!seal_and_send(eng, p, NULL, 0, now))
		eng_send_initiation(eng, p, false);
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
	if (eng->tap)
		eng->tap(eng->tap_ctx, false, pkt, len);
	now = eng_now_ns();
	bool sealed = !p->q_n && seal_and_send(eng, p, pkt, len, now);
	eng->mark_next = false; /* staged: its send time is not told */
	if (sealed)
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
	eng_send_initiation(eng, p, false); /* at most one per REKEY_TIMEOUT */
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
		eng_random_bytes(secret, sizeof(secret));
		eng_random_bytes(nonce, sizeof(nonce));
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
	eng_addr_from_sa(from, &a, &port);
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
	struct peer *p = NULL;

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
	eng_random_bytes(eph, sizeof(eph));
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
	if (p)
		index_sync(eng, p);
	fsc_wgnoise_wipe(&hs, sizeof(hs));
	fsc_wgnoise_wipe(&kp, sizeof(kp));
	fsc_wgnoise_wipe(eph, sizeof(eph));
}

/* The peer whose initiation a response or cookie reply answers. */
static struct peer *peer_by_handshake(struct fsc_wgengine *eng, uint32_t idx)
{
	uint32_t pi = fsc_hmap_get(&eng->by_index, idx);
	struct peer *p = pi == FSC_HMAP_NONE ? NULL : &eng->peers[pi];

	if (p && p->hs.state == FSC_WGNOISE_HS_INITIATION_CREATED && p->hs.local_index == idx)
		return p;
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
	index_sync(eng, p);
	p->handshakes++;
	p->last_handshake_unix_ns = eng_unix_ns();
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
	uint32_t pi = fsc_hmap_get(&eng->by_index, idx);
	struct peer *p;

	if (pi == FSC_HMAP_NONE)
		return NULL;
	p = &eng->peers[pi];
	struct slot *s[3] = { &p->cur, &p->next, &p->prev };
	for (int k = 0; k < 3; k++)
		if (s[k]->created && s[k]->kp.local_index == idx) {
			*pp = p;
			return s[k];
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
		index_sync(eng, p);
		p->handshakes++;
		p->last_handshake_unix_ns = eng_unix_ns();
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
		eng_send_initiation(eng, p, false);
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
	if (eng->tap)
		eng->tap(eng->tap_ctx, true, eng->plain, ilen);
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

/* One datagram into rxbuf, its receive time (SO_TIMESTAMPNS, else the
 * clock now) into eng->rx_ns. */
static ssize_t recv_stamped(struct fsc_wgengine *eng, struct sockaddr_storage *ss)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { eng->rxbuf, MAX_PACKET };
	struct msghdr m = { .msg_name = ss, .msg_namelen = sizeof(*ss), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(eng->fd, &m, 0);

	eng->rx_ns = 0;
	if (n >= 0 && !(eng->rx_ns = fsc_rxstamp_ns(&m)))
		eng->rx_ns = (int64_t)eng_unix_ns();
	return n;
}

static void read_socket(struct fsc_wgengine *eng)
{
	for (int i = 0; i < RX_BATCH; i++) {
		struct sockaddr_storage ss;
		struct sockaddr_in6 from;
		ssize_t n = recv_stamped(eng, &ss);

		if (n < 0)
			return; /* EAGAIN, or an ICMP error queued on the socket */
		if (ss.ss_family == AF_INET6) {
			memcpy(&from, &ss, sizeof(from));
		} else if (ss.ss_family == AF_INET) {
			struct sockaddr_in sin;
			struct fsc_addr a;
			memcpy(&sin, &ss, sizeof(sin));
			fsc_addr_set4(&a, (const uint8_t *)&sin.sin_addr);
			eng_sa_from_addr(&from, &a, ntohs(sin.sin_port));
		} else {
			continue;
		}
		got_datagram(eng, eng->rxbuf, (size_t)n, &from, eng_now_ns());
	}
}

void fsc_wgengine_receive(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			  const struct fsc_addr *addr, uint16_t port)
{
	struct sockaddr_in6 from;

	eng_sa_from_addr(&from, addr, port);
	eng->rx_ns = (int64_t)eng_unix_ns();
	got_datagram(eng, msg, len, &from, eng_now_ns());
}

/* ---- timers ------------------------------------------------------------ */

static void run_timers(struct fsc_wgengine *eng)
{
	uint64_t now = eng_now_ns();

	for (size_t i = 0; i < eng->npeers; i++) {
		struct peer *p = &eng->peers[i];
		unsigned act = fsc_wgtimers_expire(&p->timers, now);

		if (act & FSC_WGA_SEND_INITIATION)
			eng_send_initiation(eng, p, true);
		if (act & FSC_WGA_GIVE_UP) {
			queue_drop_all(eng, p);
			fsc_wgnoise_wipe(&p->hs, sizeof(p->hs));
		}
		if (act & FSC_WGA_NEW_HANDSHAKE)
			eng_send_initiation(eng, p, false);
		if (act & FSC_WGA_SEND_KEEPALIVE)
			send_keepalive(eng, p, now);
		if (act & FSC_WGA_ZERO_KEYS)
			eng_zero_keys(p);
		if (act & (FSC_WGA_GIVE_UP | FSC_WGA_ZERO_KEYS))
			index_sync(eng, p);
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
	uint64_t next = 0, now = eng_now_ns();

	fsc_wgengine_flush(eng); /* nothing may wait while the loop sleeps */
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
	fsc_wgengine_flush(eng);
}

void fsc_wgengine_set_inner(struct fsc_wgengine *eng, fsc_wgengine_deliver_fn deliver, void *ctx)
{
	eng->deliver = deliver;
	eng->deliver_ctx = ctx;
}

void fsc_wgengine_mark_sent(struct fsc_wgengine *eng, uint32_t cookie)
{
	eng->mark_next = true;
	eng->mark_cookie = cookie;
}

void fsc_wgengine_set_sent(struct fsc_wgengine *eng, fsc_wgengine_sent_fn fn, void *ctx)
{
	eng->sent = fn;
	eng->sent_ctx = ctx;
}

int64_t fsc_wgengine_rx_time(const struct fsc_wgengine *eng)
{
	return eng->rx_ns;
}

void fsc_wgengine_set_tap(struct fsc_wgengine *eng, fsc_wgengine_tap_fn tap, void *ctx)
{
	eng->tap = tap;
	eng->tap_ctx = ctx;
}
