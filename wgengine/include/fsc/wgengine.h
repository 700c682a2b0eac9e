/* wgengine.h - a WireGuard tunnel endpoint: peers, cryptokey routing,
 * handshakes, timers, cookies under load, and the UDP socket.
 *
 * The engine carries inner IP packets between an inner side (a TUN device,
 * fsc/wgtun.h, or the lwIP stack, fsc/netstack.h) and its peers over one
 * UDP socket. It is single-threaded and never blocks: it runs inside one
 * poll loop, which is either the program's own (fsc_wgengine_pollfds /
 * _timeout_ms / _handle) or fsc_wgengine_run's.
 *
 * Protocol behaviour (whitepaper; wireguard-go device/): the handshake and
 * transport crypto are libdecode's (fsc/wgnoise.h); this file adds who talks
 * to whom and when. Anything that does not authenticate is dropped
 * silently and counted (struct fsc_wgengine_stats); the only unauthenticated
 * answer is a cookie reply, and only to a correct mac1 while under load.
 *
 * Memory: everything is allocated by fsc_wgengine_new; the packet paths do
 * not allocate. A message's session is found by its receiver index in one
 * map lookup (fsc/hmap.h), however many peers there are.
 */
#ifndef FSC_WGENGINE_H
#define FSC_WGENGINE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/wgconf.h"

struct fsc_wgengine;

struct fsc_wgengine_opts {
	/* TEST ONLY: divide every protocol timer by this (>= 1; 0 = 1); see
	 * fsc_wgtimer_cfg_scale. fwg --test-timer-divisor. */
	unsigned timer_divisor;
	/* Handshake messages a second above which we are "under load" and
	 * answer with cookies (0 = FSC_WGLOAD_DEFAULT_THRESHOLD). */
	unsigned load_threshold;
	/* Wireshark key log to append to (NULL = none); see
	 * fsc_wgengine_keylog_path. Opened by fsc_wgengine_new. */
	const char *keylog_path;
	/* Inner MTU: plaintext is padded up to 16 but never beyond it
	 * (0 = conf->mtu, else 1420). */
	unsigned mtu;
};

/* The key log path a program should use: its --wg-keylog value when given,
 * else $WG_KEYLOGFILE when set and not empty, else NULL. */
const char *fsc_wgengine_keylog_path(const char *flag_value);

/*
 * Builds an engine from a parsed configuration (copied; conf may be freed
 * afterwards) and binds its UDP socket to ListenPort on all addresses (IPv6
 * dual-stack, IPv4 only when IPv6 is unavailable). NULL with a one-line
 * reason in err on failure (bad key, socket error, key log not writable).
 */
struct fsc_wgengine *fsc_wgengine_new(const struct fsc_wgconf *conf,
				      const struct fsc_wgengine_opts *opts,
				      char *err, size_t errlen);
/* Closes the socket and the key log and wipes every key. */
void fsc_wgengine_free(struct fsc_wgengine *eng);

/*
 * The inner side: deliver is called with each decrypted inner IP packet
 * whose source address the sending peer's AllowedIPs cover. pkt is valid
 * only during the call. Until set, such packets are counted and dropped.
 */
typedef void (*fsc_wgengine_deliver_fn)(void *ctx, const uint8_t *pkt, size_t len);
void fsc_wgengine_set_inner(struct fsc_wgengine *eng, fsc_wgengine_deliver_fn deliver,
			    void *ctx);

/*
 * A tap on the inner side, for a debug capture (tailscale debug capture):
 * called with every inner packet handed to the inner side (from_peer true,
 * right before deliver) and every one fsc_wgengine_send accepts (routed to
 * a peer, sent or queued). pkt is valid only during the call; the tap must
 * not call back into the engine (but fsc_wgengine_mark_sent). NULL removes
 * it.
 */
typedef void (*fsc_wgengine_tap_fn)(void *ctx, bool from_peer, const uint8_t *pkt, size_t len);
void fsc_wgengine_set_tap(struct fsc_wgengine *eng, fsc_wgengine_tap_fn tap, void *ctx);

/*
 * While deliver or the tap (from_peer) runs: the kernel's receive time
 * (SO_TIMESTAMPNS, CLOCK_REALTIME ns) of the datagram that carried the
 * packet, which is the moment a capture of the UDP port shows it however
 * late the loop got to it (the clock at the call for fsc_wgengine_receive,
 * or when the kernel gave none).
 */
int64_t fsc_wgengine_rx_time(const struct fsc_wgengine *eng);

/*
 * The send time of one packet: called from the tap (from_peer false) for
 * the packet it is given, the one call back into the engine a tap may
 * make. When that packet's datagram is handed to the kernel, sent is
 * called with cookie and the clock (CLOCK_REALTIME ns) right before: what
 * a capture of the UDP port shows, within microseconds, however long the
 * packet waited in a batch. A packet staged for a handshake is not told.
 */
typedef void (*fsc_wgengine_sent_fn)(void *ctx, uint32_t cookie, int64_t wall_ns);
void fsc_wgengine_mark_sent(struct fsc_wgengine *eng, uint32_t cookie);
void fsc_wgengine_set_sent(struct fsc_wgengine *eng, fsc_wgengine_sent_fn fn, void *ctx);

/*
 * An inner IP packet to send: routed by its destination through AllowedIPs,
 * encrypted to that peer, or queued (up to 64 packets a peer) while a
 * handshake runs. Returns false when it was dropped (no route, not IP,
 * too long, queue full); the reason is counted.
 */
bool fsc_wgengine_send(struct fsc_wgengine *eng, const uint8_t *pkt, size_t len);

/*
 * One UDP datagram as if read from the socket, from addr:port. The loop
 * calls this for everything it reads; tests and fuzz targets call it
 * directly. Answers (responses, cookie replies) still go out on the socket.
 */
void fsc_wgengine_receive(struct fsc_wgengine *eng, const uint8_t *msg, size_t len,
			  const struct fsc_addr *addr, uint16_t port);

/* ---- The loop -------------------------------------------------------- */

/* Transport messages are sealed into a batch and sent with one sendmmsg;
 * this sends what is waiting. fsc_wgengine_handle and _timeout_ms (which a
 * loop calls right before it sleeps) flush too; an inner side that calls
 * fsc_wgengine_send in a burst outside those calls flushes after it. */
void fsc_wgengine_flush(struct fsc_wgengine *eng);

/* Fills up to cap pollfd entries (fd, events) the engine needs and returns
 * how many (1 today: the UDP socket). */
size_t fsc_wgengine_pollfds(struct fsc_wgengine *eng, struct pollfd *pfd, size_t cap);
/* Milliseconds until the engine's next timer (rounded up), or -1 when none. */
int fsc_wgengine_timeout_ms(struct fsc_wgengine *eng);
/* Handles the revents of the entries that are the engine's (others are
 * ignored), then any expired timers. Never blocks. */
void fsc_wgengine_handle(struct fsc_wgengine *eng, const struct pollfd *pfd, size_t n);

/* ---- Inspection (fwg show) -------------------------------------------- */

struct fsc_wgengine_stats {
	uint64_t rx_datagrams, tx_datagrams;
	uint64_t handshakes_initiated, handshakes_completed;
	uint64_t cookies_sent, cookies_received;
	uint64_t mac2_valid;		 /* under load, with a good cookie */
	uint64_t under_load_drops;	 /* rate-limited while under load */
	uint64_t bad_mac1;		 /* dropped: wrong mac1 */
	uint64_t bad_auth;		 /* dropped: failed to authenticate */
	uint64_t unknown_peer;		 /* dropped: static key not configured */
	uint64_t unknown_index;		 /* dropped: receiver index not ours */
	uint64_t replays;		 /* dropped: replayed or stale counter */
	uint64_t bad_inner_source;	 /* dropped: inner source not allowed */
	uint64_t not_wireguard;		 /* dropped: not a WireGuard message */
	uint64_t no_route;		 /* inner packets with no peer */
	uint64_t too_long;		 /* inner packets over the MTU */
	uint64_t queue_drops;		 /* inner packets dropped while waiting */
	uint64_t initiation_flood;	 /* dropped: peer's initiation rate */
};

struct fsc_wgengine_peer_info {
	uint8_t public_key[FSC_WG_KEY_LEN];
	bool has_preshared_key;
	bool has_endpoint;
	struct fsc_addr endpoint;
	uint16_t endpoint_port;
	uint64_t last_handshake_unix_ns; /* 0 = never */
	uint64_t rx_bytes, tx_bytes;	 /* UDP payload bytes, like wg */
	uint16_t persistent_keepalive;
	uint64_t handshakes;		 /* completed with this peer */
	uint64_t keepalives_sent;
	size_t allowed_first, allowed_n; /* into the configuration's allowed */
};

const struct fsc_wgengine_stats *fsc_wgengine_stats(const struct fsc_wgengine *eng);
/* Our public key, listen port (the bound one) and the configuration. */
void fsc_wgengine_public_key(const struct fsc_wgengine *eng, uint8_t pub[FSC_WG_KEY_LEN]);
uint16_t fsc_wgengine_listen_port(const struct fsc_wgengine *eng);
const struct fsc_wgconf *fsc_wgengine_conf(const struct fsc_wgengine *eng);
size_t fsc_wgengine_peer_count(const struct fsc_wgengine *eng);
/* False when i is out of range. */
bool fsc_wgengine_peer_info(const struct fsc_wgengine *eng, size_t i,
			    struct fsc_wgengine_peer_info *info);

#endif
