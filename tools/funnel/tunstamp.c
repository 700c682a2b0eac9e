/* tunstamp.c - the tunnel's two ends' times (tunstamp.h). */
#include "tunstamp.h"

#include <stdlib.h>
#include <string.h>

#include "fsc/dissect.h"

#define CONN_SLOTS 4096u	/* a power of 2; by remote address and port */
#define CARRIERS 8192u		/* a power of 2: the last deliveries */
#define SYN_RETRY_NS (3 * 1000000000LL) /* a SYN again within this: a retransmission */

struct conn_slot {
	struct fsc_addr peer;
	uint16_t port;
	bool used, answered;	/* answered: its first payload out was taken */
	struct fsc_tunstamp_conn t;
};

struct carrier {
	int64_t inner, wg;
};

struct fsc_tunstamp {
	struct conn_slot slot[CONN_SLOTS];
	struct carrier ring[CARRIERS];
	uint64_t n_carriers;
};

struct fsc_tunstamp *fsc_tunstamp_new(void)
{
	return calloc(1, sizeof(struct fsc_tunstamp));
}

void fsc_tunstamp_free(struct fsc_tunstamp *ts)
{
	free(ts);
}

static uint32_t slot_of(const struct fsc_addr *a, uint16_t port)
{
	return (uint32_t)fsc_addr_hash(a, port) & (CONN_SLOTS - 1);
}

static bool slot_is(const struct conn_slot *s, const struct fsc_addr *a, uint16_t port)
{
	return s->used && s->port == port && fsc_addr_eq(&s->peer, a);
}

void fsc_tunstamp_inbound(struct fsc_tunstamp *ts, const uint8_t *pkt, size_t len,
			  int64_t wg_ns, int64_t now)
{
	struct fsc_packet p;

	if (!wg_ns)
		wg_ns = now;
	ts->ring[ts->n_carriers++ & (CARRIERS - 1)] = (struct carrier){ now, wg_ns };
	if (fsc_dissect_ip(pkt, len, &p) != FSC_OK || p.proto != 6)
		return;
	struct conn_slot *s = &ts->slot[slot_of(&p.src, p.sport)];
	if ((p.tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK)) != FSC_TCP_SYN) {
		if (p.payload_wire_len && slot_is(s, &p.src, p.sport)) {
			s->t.data_wg = wg_ns;
			s->t.data_inner = now;
		}
		return;
	}
	/* A retransmitted SYN: the capture's connection began with the first. */
	if (slot_is(s, &p.src, p.sport) && !s->answered && now - s->t.syn_inner < SYN_RETRY_NS)
		return;
	*s = (struct conn_slot){ .peer = p.src, .port = p.sport, .used = true };
	s->t.syn_wg = wg_ns;
	s->t.syn_inner = now;
}

bool fsc_tunstamp_outbound(struct fsc_tunstamp *ts, const uint8_t *pkt, size_t len,
			   uint32_t *cookie)
{
	struct fsc_packet p;

	if (fsc_dissect_ip(pkt, len, &p) != FSC_OK || p.proto != 6 || !p.payload_wire_len)
		return false;
	uint32_t i = slot_of(&p.dst, p.dport);
	struct conn_slot *s = &ts->slot[i];
	if (!slot_is(s, &p.dst, p.dport) || s->answered)
		return false;
	s->answered = true;
	*cookie = i;
	return true;
}

void fsc_tunstamp_sent(struct fsc_tunstamp *ts, uint32_t cookie, int64_t wall_ns)
{
	struct conn_slot *s = &ts->slot[cookie & (CONN_SLOTS - 1)];

	if (s->answered && !s->t.answer_wg)
		s->t.answer_wg = wall_ns;
}

bool fsc_tunstamp_conn(const struct fsc_tunstamp *ts, const struct fsc_addr *peer,
		       uint16_t port, struct fsc_tunstamp_conn *out)
{
	const struct conn_slot *s = &ts->slot[slot_of(peer, port)];

	if (!slot_is(s, peer, port))
		return false;
	*out = s->t;
	return true;
}

int64_t fsc_tunstamp_carrier(const struct fsc_tunstamp *ts, int64_t inner_ns)
{
	uint64_t n = ts->n_carriers, lo = n > CARRIERS ? n - CARRIERS : 0, hi = n;

	/* The last delivery at or before inner_ns: deliveries are in time
	 * order (one thread), so a binary search over the ring. */
	if (lo == hi || ts->ring[lo & (CARRIERS - 1)].inner > inner_ns)
		return 0;
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (ts->ring[mid & (CARRIERS - 1)].inner <= inner_ns)
			lo = mid;
		else
			hi = mid;
	}
	return ts->ring[lo & (CARRIERS - 1)].wg;
}
