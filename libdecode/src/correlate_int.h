/* correlate_int.h - private to correlate.c, correlate_relay.c and
 * correlate_data.c: the underlay as the correlation sees it, to name the
 * relay of an ingress connection, and the client's TLS records on it, for
 * the request join (correlate.h says what each join means). */
#ifndef FSC_CORRELATE_INT_H
#define FSC_CORRELATE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fsc/correlate.h"

#define CORR_WG_RING 1024u	/* recent WireGuard datagrams (a power of 2) */
#define CORR_MARK_RING 256u	/* recent SYNs and POSTs in clear (a power of 2) */
#define CORR_PEER_PATHS 64u	/* tunnel addresses whose relay a size join found */

/* The ingress connection's packets whose carriers a join by size looks
 * for, seen in clear (a TUN or debug capture). */
enum corr_mark_kind { CORR_MARK_SYN, CORR_MARK_POST, CORR_MARK_HELLO, CORR_MARKS };

struct corr_mark {
	int64_t ts;		/* 0: not seen */
	uint32_t len;		/* the IP packet's length */
};

/* A SYN or POST seen in clear, kept until its conn exists. */
struct corr_mark_seen {
	uint64_t key;		/* the caller's key of its connection */
	enum corr_mark_kind what;
	struct corr_mark m;
};

struct corr_wg_seen {
	int64_t ts;
	uint32_t session;
	struct fsc_addr src, dst;
	uint16_t sport, dport;
	unsigned input, iface;	/* where it was seen (fsc_story) */
	bool have_key;
	uint8_t key[32];
	uint32_t seg, last;	/* message lengths: the datagram's, or a GSO
				 * batch's segments' and its last one's */
};

/* The relay path that carried a tunnel address's ingress (time+size):
 * cryptokey routing lets a peer send only from its own addresses. */
struct corr_peer_path {
	struct fsc_addr inner;
	int64_t ts;		/* when it was learnt; 0: a free slot */
	struct fsc_addr src, dst;
	uint16_t sport, dport;
};

struct corr_underlay {
	struct corr_wg_seen wg[CORR_WG_RING];
	uint32_t wg_next;
	bool wg_have_last;	/* wg[wg_next - 1] is the current frame's and
				 * was decrypted */
	uint64_t last_frame_number;
	unsigned last_frame_file;
	struct corr_mark_seen marks[CORR_MARK_RING];
	uint32_t marks_next;
	struct corr_peer_path peers[CORR_PEER_PATHS];
};

/* A WireGuard event: a transport datagram on the wire is remembered. */
void corr_underlay_wg(struct corr_underlay *u, const struct fsc_event *ev);

/* Exact: the decrypted datagram that carried this inner event (the node's
 * answer: the relay is its receiver) names the relay of s. False when the
 * event came from no decrypted datagram. */
bool corr_relay_exact(const struct corr_underlay *u, const struct fsc_event *ev,
		      struct fsc_story *s);

/* Without decryption: the sessions with datagrams within the relay window
 * of s's TUNNEL stage (time: one; ambiguous: more). */
void corr_relay_by_time(const struct corr_underlay *u, const struct fsc_corr_limits *lim,
			struct fsc_story *s);

/* A SYN or POST in clear, under the caller's key of its connection; and
 * the marks kept under key, into marks (those already set stay). */
void corr_mark_keep(struct corr_underlay *u, uint64_t key, enum corr_mark_kind what,
		    struct corr_mark m);
void corr_marks_take(const struct corr_underlay *u, uint64_t key,
		     struct corr_mark marks[CORR_MARKS]);

/* Without decryption, by size (correlate.h, time+size): inner is the
 * ingress connection's tunnel address on the edge's side; now the
 * correlation's clock. */
void corr_relay_by_size(struct corr_underlay *u, const struct fsc_corr_limits *lim, int64_t now,
			const struct corr_mark marks[CORR_MARKS], const struct fsc_addr *inner,
			struct fsc_story *s);

/* The client's TLS records on an ingress connection (correlate_data.c). */
enum corr_rec_state {
	CORR_REC_OFF = 0,	/* never begun: the TLS's first byte not known */
	CORR_REC_WALKING,	/* reading record headers */
	CORR_REC_DONE,		/* CORR_REC_SEALED application_data records seen */
	CORR_REC_UNSURE,	/* stopped where it could miss a record */
};

#define CORR_REC_SEALED 2	/* records of outer type 23 kept */

struct corr_records {
	uint8_t state;		/* enum corr_rec_state */
	uint8_t hdr_n, hdr[5];	/* a record header split across segments */
	uint8_t n_sealed;
	uint32_t records;	/* headers read */
	uint32_t next;		/* sequence number of the next client byte */
	uint32_t left;		/* body bytes of the record in hand still to come */
	int64_t sealed_ns[CORR_REC_SEALED]; /* the segment that completed the
					     * header of each */
};

/* Walks the client's bytes from sequence number seq (the TLS's first). */
void corr_records_start(struct corr_records *w, uint32_t seq);
/* A client -> node segment of the connection, seen at ts; an ACK of the
 * node's. Each returns true when the walk just ended (done or unsure). */
bool corr_records_client(struct corr_records *w, const struct fsc_packet *p, int64_t ts);
bool corr_records_ack(struct corr_records *w, uint32_t ack);
/* When the first record that can carry application data began: 0 none
 * yet, -1 unknown (never begun, or unsure before it). With
 * first_sealed_is_handshake (TLS 1.3 without early data) the first record
 * of type 23 is the client's Finished (or its certificate) and the second
 * is that record; else the first. */
int64_t corr_records_data_ns(const struct corr_records *w, bool first_sealed_is_handshake);

#endif
