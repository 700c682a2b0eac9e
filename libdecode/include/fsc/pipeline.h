/* pipeline.h - frames in, funnel events out: dissect, classify tunnel UDP,
 * track WireGuard sessions. The one path that fdecode and fwatch share. */
#ifndef FSC_PIPELINE_H
#define FSC_PIPELINE_H

#include <stdint.h>

#include "fsc/dissect.h"
#include "fsc/disco.h"
#include "fsc/event.h"
#include "fsc/frame.h"
#include "fsc/streams.h"
#include "fsc/tunnel.h"
#include "fsc/wgdecrypt.h"
#include "fsc/wgsess.h"

/*
 * An event. Every pointer is valid only during the callback. `status` and
 * `why` carry the first problem found in the frame (dissection or the
 * protocol decoder); FSC_OK when none. Any packet whose payload the capture
 * cut (fewer bytes than this packet carried: pkt->payload_cut) is at least
 * FSC_TRUNCATED ("payload cut by the snapshot length"), even when a decoder
 * read a whole message from what was left (disco, WireGuard transport have
 * no length of their own). Stream events (TLS, HTTP, ingress)
 * come after the TCP segment that completed them, with that segment's frame
 * and packet; those raised when the input ends (fsc_pipeline_flush) have
 * frame NULL and a packet with no layers. Their addresses are in `stream`.
 */
struct fsc_event {
	enum fsc_event_type type;
	int64_t ts_ns;
	const struct fsc_frame *frame;
	const struct fsc_packet *pkt;
	const struct fsc_stream_event *stream;	/* stream events */
	const struct fsc_tunnel_msg *tun;	/* WG, DISCO, STUN */
	struct fsc_wg_note wg;			/* WG */
	const struct fsc_disco_plain *disco;	/* TSDISCO, NULL if unreadable */
	enum fsc_status status;
	const char *why;
	/* With a WireGuard decryptor (fsc_pipeline_set_wgdecrypt): */
	const struct fsc_wgd_note *wgd;		/* WG: what decryption found */
	uint32_t tunnel;	/* an inner packet's session (its WG event's
				 * session), 0 for packets on the wire */
	const uint8_t *tunnel_peer; /* inner: the initiator's static public
				     * key (32 bytes), or NULL if unknown */
	/* A UDP GSO/GRO batch (fsc_wg_gso_segment) is an event a message:
	 * 0 for a frame's first (count frames by it), N for its Nth after */
	unsigned segment;
};

typedef void (*fsc_event_fn)(const struct fsc_event *ev, void *ctx);

/* Counters for the summary; a frame counts once in each applicable row. */
struct fsc_pipeline_stats {
	uint64_t frames, bytes;
	uint64_t events[FSC_EV_COUNT];
	uint64_t wg_msgs[6];	/* by fsc_wg_type; [5] keepalives */
	uint64_t wg_under_load;
	uint64_t stun_class[4];	/* by fsc_stun_class */
	uint64_t tsdisco_types[16]; /* by disco type (0..15) */
	uint64_t ipv4, ipv6, fragments, later_fragments;
	uint64_t truncated, malformed; /* events with that status */
	uint64_t not_ip, unsupported_linktype;
	uint64_t snaplen_cut;	/* frames captured shorter than on the wire */
	int64_t first_ns, last_ns;
	uint64_t inner_packets;	/* decrypted tunnel packets dissected */
	uint64_t udp_gso_batches; /* datagrams read as several WireGuard
				   * messages (fsc_wg_gso_segment) */
};

struct fsc_pipeline_limits {
	struct fsc_wg_limits wg;
	struct fsc_stream_limits streams;
};

struct fsc_pipeline;

struct fsc_pipeline *fsc_pipeline_new(const struct fsc_pipeline_limits *lim);
void fsc_pipeline_free(struct fsc_pipeline *pl);

/* Decodes one frame and calls fn for each event in it: one for the frame
 * (one for each WireGuard message of a UDP GSO/GRO batch,
 * fsc_wg_gso_segment), then any its TCP stream completed, or its
 * decrypted inner packet's. Never allocates. */
void fsc_pipeline_frame(struct fsc_pipeline *pl, const struct fsc_frame *f,
			fsc_event_fn fn, void *ctx);

/* End of input: closes every TCP stream; events that only the end can
 * complete (an ingress handshake never followed by TLS) go to fn. */
void fsc_pipeline_flush(struct fsc_pipeline *pl, fsc_event_fn fn, void *ctx);

/* A frame's time in nanoseconds since the epoch, as events carry it. A
 * damaged file may claim any time: clamping to [1970, 2242] keeps every
 * difference of two timestamps representable. */
int64_t fsc_pipeline_frame_ns(const struct fsc_frame *f);

/*
 * Decrypts WireGuard with d (borrowed; NULL: stop). Each transport message
 * that opens is followed by an event for its inner IP packet, dissected and
 * streamed like any packet but with ev->tunnel set; its flows are kept
 * apart from the wire's (fsc_packet.tunnel). Without a decryptor nothing
 * changes.
 */
void fsc_pipeline_set_wgdecrypt(struct fsc_pipeline *pl, struct fsc_wgdecrypt *d);
const struct fsc_wgdecrypt *fsc_pipeline_wgdecrypt(const struct fsc_pipeline *pl);

/* Decrypts TLS 1.3 with the secrets of a key log (borrowed; it may grow):
 * fsc_streams_set_tlskeys. false when out of memory. */
struct fsc_tlskeys;
bool fsc_pipeline_set_tlskeys(struct fsc_pipeline *pl, const struct fsc_tlskeys *keys);

const struct fsc_pipeline_stats *fsc_pipeline_stats(const struct fsc_pipeline *pl);
const struct fsc_wg_tracker *fsc_pipeline_wg(const struct fsc_pipeline *pl);
const struct fsc_streams *fsc_pipeline_streams(const struct fsc_pipeline *pl);

#endif
