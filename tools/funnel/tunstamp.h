/* tunstamp.h - when the tunnel carried a connection, at both ends of the
 * node's tunnel: the WireGuard datagram (its kernel receive time, or the
 * clock right before the engine handed it to the kernel: what a capture of
 * the UDP port shows) and the inner packet (the moment the engine handed it
 * inside: what a capture of the TUN device or a debug capture shows).
 * Between the two lies the program's own loop, which under load gets to a
 * datagram milliseconds late, so a log that is to meet a capture within a
 * millisecond says which end it means (fnode(1) LOG: t_tunnel, t_ingress,
 * t_tls_done and their _inner twins).
 *
 * The transport feeds every inner packet (its tap, transport.c); fnode
 * asks by the connection's remote address and port. Fixed memory, taken
 * at fsc_tunstamp_new; packets are read with fsc_dissect_ip. */
#ifndef FSC_TUNSTAMP_H
#define FSC_TUNSTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"

struct fsc_tunstamp;

/* One connection into the node (a TCP SYN from a peer), CLOCK_REALTIME ns,
 * 0 when not seen: */
struct fsc_tunstamp_conn {
	int64_t syn_wg;		/* the datagram that carried its first SYN
				 * arrived (kernel receive time) */
	int64_t syn_inner;	/* that SYN handed inside */
	int64_t answer_wg;	/* the datagram that carried the node's first
				 * payload on it (the ingress 101) sent */
	int64_t data_wg;	/* the datagram with the peer's latest payload
				 * arrived */
	int64_t data_inner;	/* that payload handed inside */
};

struct fsc_tunstamp *fsc_tunstamp_new(void);
void fsc_tunstamp_free(struct fsc_tunstamp *ts);

/* An inner packet from a peer, handed inside at now; wg_ns: the receive
 * time of its datagram. */
void fsc_tunstamp_inbound(struct fsc_tunstamp *ts, const uint8_t *pkt, size_t len,
			  int64_t wg_ns, int64_t now);
/* An inner packet the node sends. True when it is a connection's first
 * payload (the ingress answer) whose send time is wanted: give *cookie to
 * fsc_tunstamp_sent with that time (fsc_wgengine_mark_sent). */
bool fsc_tunstamp_outbound(struct fsc_tunstamp *ts, const uint8_t *pkt, size_t len,
			   uint32_t *cookie);
void fsc_tunstamp_sent(struct fsc_tunstamp *ts, uint32_t cookie, int64_t wall_ns);

/* The times of the connection from peer:port; false when its SYN is not
 * remembered (a table slot since reused, or not through the tunnel). */
bool fsc_tunstamp_conn(const struct fsc_tunstamp *ts, const struct fsc_addr *peer,
		       uint16_t port, struct fsc_tunstamp_conn *out);
/* The receive time of the datagram whose inner packet was handed inside
 * last at or before inner_ns (a kernel receive time of a read on an inner
 * socket: the TUN write stamps its packet then); 0 when it is no longer
 * remembered. */
int64_t fsc_tunstamp_carrier(const struct fsc_tunstamp *ts, int64_t inner_ns);

#endif
