/* engine_int.h - the engine's state, shared by engine.c (the packet paths
 * and the loop) and engine_setup.c (building, freeing, inspecting). Not a
 * public header. */
#ifndef FSC_ENGINE_INT_H
#define FSC_ENGINE_INT_H

#include <netinet/in.h>
#include <stdio.h>

#include "fsc/allowedips.h"
#include "fsc/hmap.h"
#include "fsc/wgengine.h"
#include "fsc/wgload.h"
#include "fsc/wgnoise.h"
#include "fsc/wgtimers.h"

#define QUEUE_LEN 64
#define MAX_PACKET 65535
#define RX_BATCH 64
#define TX_BATCH 32 /* transport datagrams sent with one sendmmsg */

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
	/* The receiver indices this peer has in fsc_wgengine.by_index: its
	 * handshake's and its three keypairs' at the last index_sync. */
	uint32_t indexed[4];
	unsigned n_indexed;
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
	/* Our receiver index -> peer number, for every index a peer holds
	 * (four at most a peer): transport, response and cookie messages find
	 * their session in one probe. */
	struct fsc_hmap by_index;
	int fd;
	bool v6; /* fd is AF_INET6 (dual-stack) */
	uint16_t port;
	size_t mtu;
	FILE *keylog;
	fsc_wgengine_deliver_fn deliver;
	void *deliver_ctx;
	fsc_wgengine_tap_fn tap;
	void *tap_ctx;
	struct fsc_wgengine_stats st;
	uint8_t *rxbuf, *plain, *txbuf; /* MAX_PACKET each */
	int64_t rx_ns; /* the datagram at hand: its kernel receive time */
	/* Sealed transport messages waiting for one sendmmsg (dual-stack
	 * socket only): buffers of txcap bytes, their lengths, peers and
	 * destinations. */
	uint8_t *txb[TX_BATCH];
	size_t txcap;
	size_t txlen[TX_BATCH];
	struct peer *txpeer[TX_BATCH];
	struct sockaddr_in6 txto[TX_BATCH];
	/* Send times asked for (fsc_wgengine_mark_sent): the packet being
	 * sent, then each batched message's cookie (txmarked). */
	bool mark_next;
	uint32_t mark_cookie;
	bool txmarked[TX_BATCH];
	uint32_t txcookie[TX_BATCH];
	fsc_wgengine_sent_fn sent;
	void *sent_ctx;
	unsigned txn;
	bool no_gso; /* the kernel refused UDP_SEGMENT once */
	uint64_t jitter_state; /* never 0 */
};

/* Monotonic ns (never 0) and wall-clock ns. */
uint64_t eng_now_ns(void);
uint64_t eng_unix_ns(void);
/* OpenSSL's CSPRNG. */
void eng_random_bytes(void *p, size_t n);
/* Addresses as v4-mapped IPv6 socket addresses and back. */
void eng_sa_from_addr(struct sockaddr_in6 *sa, const struct fsc_addr *a, uint16_t port);
void eng_addr_from_sa(const struct sockaddr_in6 *sa, struct fsc_addr *a, uint16_t *port);
/* Wipes every keypair and the handshake of a peer. */
void eng_zero_keys(struct peer *p);
/* Starts (retry false: at most one per REKEY_TIMEOUT) or repeats a
 * handshake with p. */
void eng_send_initiation(struct fsc_wgengine *eng, struct peer *p, bool retry);

#endif
