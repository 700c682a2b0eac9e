/* clocksync.h - clock offsets between captures taken on different machines,
 * estimated from the traffic itself.
 *
 * A packet seen in two captures (the same WireGuard datagram leaving the
 * edge and reaching the node; the same TCP segment at both ends) gives
 * d = t_b - t_a = offset + delay for a packet sent from a's side, and
 * offset - delay for one sent from b's side. Packets are grouped by
 * direction (their addresses and ports); the groups that sent from a's side
 * lie above the offset, the others below, so
 *
 *     offset = (min d of the upper groups + max d of the lower groups) / 2
 *
 * (NTP's midpoint with minimum filtering: the fastest packet each way), and
 * half the gap between the two is the error bound (it assumes the fastest
 * trips took as long each way). Seen one way only, min d bounds the offset
 * from one side and `one_way` says so.
 *
 * Memory is bounded (FSC_CLOCK_PENDING packets remembered, FSC_CLOCK_GROUPS
 * directions per pair of inputs, FSC_CLOCK_INPUTS inputs); nothing is
 * allocated per packet.
 */
#ifndef FSC_CLOCKSYNC_H
#define FSC_CLOCKSYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/dissect.h"

#define FSC_CLOCK_INPUTS 8	/* inputs compared (later ones are ignored) */
#define FSC_CLOCK_GROUPS 16	/* directions per pair of inputs */
#define FSC_CLOCK_PENDING 65536	/* packets remembered for a match */

/* The clock of input `b` minus the clock of input `a` (a < b). */
struct fsc_clock_offset {
	unsigned a, b;
	int64_t offset_ns;
	int64_t error_ns;	/* half the gap between the two sides; -1 when
				 * unknown (one_way) */
	uint64_t pairs;		/* packets seen in both */
	unsigned directions;
	bool one_way;		/* one side's packets only: offset_ns is min d,
				 * an upper bound if a sent them, a lower bound
				 * if b did */
	bool inconsistent;	/* the two sides overlap (a clock drifted or
				 * stepped during the capture): error_ns is half
				 * the overlap */
};

struct fsc_clocksync;

struct fsc_clocksync *fsc_clocksync_new(void);
void fsc_clocksync_free(struct fsc_clocksync *c);

/* A packet off the wire (not from inside a tunnel) of input `input` at
 * ts_ns. Only UDP and TCP with a payload count. */
void fsc_clocksync_packet(struct fsc_clocksync *c, unsigned input,
			  const struct fsc_packet *pkt, int64_t ts_ns);

/* The estimate for every pair of inputs that shared packets, into out
 * (at most max); returns how many there are. */
size_t fsc_clocksync_offsets(const struct fsc_clocksync *c,
			     struct fsc_clock_offset *out, size_t max);

#endif
