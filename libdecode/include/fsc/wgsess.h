/* wgsess.h - WireGuard sessions and peers seen by a passive observer.
 *
 * A session is one handshake's pair of indices: the initiator's index (sender
 * of the initiation) and the responder's (sender of the response). Transport
 * messages name the index of their receiver, so the index says which session
 * and which direction a packet belongs to. A peer is the pair of UDP
 * endpoints; its sessions follow one another as keys rotate (every 120 s).
 *
 * An index seen at a new endpoint is followed there (roaming: NAT rebinding,
 * a move from IPv4 to IPv6), as WireGuard itself does.
 *
 * Transport seen before any handshake (a capture that starts mid-session)
 * opens a session with only the receiving side's index known; the reverse
 * direction on the same endpoints joins it. Transport from an initiator to
 * an index never announced, soon after its unanswered initiation, is that
 * handshake's: the response is missing from the capture (one side of the
 * traffic filtered out), and the initiator stays the initiation's source.
 *
 * Memory is bounded: at most `max_sessions` sessions and `max_peers` peers;
 * when full, the least recently seen is evicted and counted.
 */
#ifndef FSC_WGSESS_H
#define FSC_WGSESS_H

#include <stdbool.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/wireguard.h"

/* Protocol timers (protocols.md §1.8), in nanoseconds. */
#define FSC_WG_REKEY_AFTER_TIME_NS (120 * 1000000000ll)
#define FSC_WG_REJECT_AFTER_TIME_NS (180 * 1000000000ll)
#define FSC_WG_REKEY_TIMEOUT_NS (5 * 1000000000ll)
#define FSC_WG_KEEPALIVE_TIMEOUT_NS (10 * 1000000000ll)

struct fsc_wg_endpoint {
	struct fsc_addr addr;
	uint16_t port;
};

/* Counters of one direction of a session. (The ones every transport
 * message updates come first: a message touches few cache lines.) */
struct fsc_wg_flow {
	uint64_t packets;	/* transport, keepalives included */
	uint64_t bytes;		/* UDP payload bytes */
	uint64_t last_counter;
	uint64_t counter_regressions; /* counter lower than the last seen */
	uint64_t keepalives;
	int64_t last_keepalive_ns;
	uint64_t ka_gaps;	/* intervals measured between keepalives */
	int64_t ka_gap_sum_ns, ka_gap_min_ns, ka_gap_max_ns;
};

/* Direction 0 is initiator -> responder, 1 the reverse. Where the handshake
 * was not seen, "initiator" is simply the first endpoint seen sending. */
struct fsc_wg_session {
	/* What every transport message reads or updates, first. */
	uint32_t id;		/* 1, 2, ... in order of creation */
	uint32_t peer;		/* fsc_wg_peer.id */
	uint32_t index[2];	/* index[0]: initiator's, index[1]: responder's */
	bool have_index[2];
	struct fsc_wg_endpoint ep[2]; /* ep[0] initiator, ep[1] responder */
	int64_t last_ns;
	struct fsc_wg_flow dir[2];
	/* The rest. */
	bool handshake;		/* initiation and response both seen */
	uint32_t roams;		/* times an endpoint moved under the same index */
	int64_t first_ns;
	int64_t initiation_ns, response_ns;
};

enum fsc_wg_health {
	FSC_WG_OK = 0,
	FSC_WG_NO_HANDSHAKE_SEEN, /* only transport: keys from before the capture */
	FSC_WG_UNDER_LOAD,	 /* cookie replies or mac2 */
	FSC_WG_ONE_WAY,		 /* data flows one way only */
	FSC_WG_STALE_KEYS,	 /* data > REJECT_AFTER_TIME after a handshake */
	FSC_WG_NO_RESPONSE,	 /* initiations keep going unanswered */
	FSC_WG_ONE_WAY_CAPTURE,	 /* the capture holds one side only (a filter
				  * such as 'src host A'), and the other side
				  * did answer: its health cannot be judged */
};

struct fsc_wg_peer {
	/* What every transport message reads or updates, first. */
	uint32_t id;
	struct fsc_wg_endpoint ep[2]; /* ep[0]: the first endpoint seen sending */
	uint64_t packets[2], bytes[2], keepalives[2]; /* transport, by sender */
	int64_t last_ns;
	int64_t first_data_ns, last_data_ns;
	int64_t last_handshake_ns; /* 0: never */
	int64_t max_key_age_ns;	/* oldest handshake age seen with data */
	/* The rest. */
	uint64_t initiations, responses, cookies;
	uint64_t sessions;
	uint64_t unanswered;	/* initiations since the last response */
	uint64_t under_load;	/* handshake messages with a nonzero mac2 */
	uint64_t sent[2];	/* every message, by sender (ep[] order) */
	uint64_t unseen_answers; /* messages answering one not in the capture:
				  * responses to unseen initiations, transport
				  * after an initiation whose response is missing */
	int64_t first_ns;
	int64_t last_initiation_ns; /* 0: never */
	uint64_t rtts;		/* completed handshakes with a measured RTT */
	int64_t rtt_sum_ns, rtt_min_ns, rtt_max_ns;
};

/* What a message meant, for the line that prints it. */
struct fsc_wg_note {
	uint32_t session;	/* 0 when none could be named */
	int dir;		/* 0, 1, or -1 unknown */
	int64_t rtt_ns;		/* response: initiation -> response, else -1 */
	bool unknown_index;	/* receiver index never announced */
	bool roamed;		/* the index was known at another endpoint */
};

/* The most either table honours (larger values are clamped): the tables
 * are sized for it up front, but only what is used becomes resident, so a
 * large limit costs nothing until the traffic needs it. */
#define FSC_WG_LIMIT_MAX (1u << 22)

struct fsc_wg_limits {
	uint32_t max_sessions;	/* 0: default 65536; at most FSC_WG_LIMIT_MAX */
	uint32_t max_peers;	/* 0: default 16384; at most FSC_WG_LIMIT_MAX */
};

struct fsc_wg_stats {
	uint64_t sessions, peers;	/* created */
	uint64_t sessions_evicted, peers_evicted;
	uint64_t orphan_responses;	/* response to an initiation not seen */
	uint64_t orphan_transport;	/* receiver index not seen announced */
	uint64_t roams;			/* sessions that followed an endpoint move */
};

struct fsc_wg_tracker;

struct fsc_wg_tracker *fsc_wg_tracker_new(const struct fsc_wg_limits *lim);
void fsc_wg_tracker_free(struct fsc_wg_tracker *t);

/* Accounts one message from src to dst at time ts_ns. note may be NULL. */
void fsc_wg_track(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
		  const struct fsc_wg_endpoint *src,
		  const struct fsc_wg_endpoint *dst, int64_t ts_ns,
		  struct fsc_wg_note *note);

/* Live records, oldest first; the pointers stay valid until the next
 * fsc_wg_track. */
size_t fsc_wg_sessions(const struct fsc_wg_tracker *t,
		       const struct fsc_wg_session **out, size_t max);
size_t fsc_wg_peers(const struct fsc_wg_tracker *t,
		    const struct fsc_wg_peer **out, size_t max);
const struct fsc_wg_stats *fsc_wg_tracker_stats(const struct fsc_wg_tracker *t);

/*
 * The verdict on a peer as of now_ns (the capture's last timestamp, or the
 * clock when live). The worst finding wins; `why` gets a phrase a person can
 * act on ("3 initiations unanswered since 12:01:03").
 */
enum fsc_wg_health fsc_wg_peer_health(const struct fsc_wg_peer *p,
				      int64_t now_ns, char *why, size_t len);
/* What of a session's handshake the capture holds: "both"; "no init" (a
 * response only); "no resp" (an initiation, and transport that shows the
 * response was sent but not captured, or none yet); "no hs" (transport
 * only: the initiator is then a guess, the first endpoint seen sending). */
const char *fsc_wg_session_seen(const struct fsc_wg_session *s);

/* "ok", "no-handshake-seen", "under-load", "one-way", "stale-keys",
 * "no-response", "one-way-capture". */
const char *fsc_wg_health_name(enum fsc_wg_health h);

#endif
