/* correlate_data.c - the client's TLS records on an ingress connection,
 * read without a key (RFC 8446 §5.1, RFC 5246 §6.2): when the first record
 * that can carry application data began, for the request join's data rule
 * (correlate.h, "address+data").
 *
 *   record   type(1) version(2: 03 xx) length(2)  body(length)
 *
 * Only the headers are read; a body is skipped wherever it ends. The walk
 * begins at the byte after the POST /v0/ingress (the first of the TLS),
 * follows the client's sequence numbers and stops at the second
 * application_data record (outer type 23), or as soon as it can no longer
 * be sure of what it counted: a segment after a hole, a segment cut by the
 * capture, the node acknowledging bytes never seen, bytes that are no
 * record header, a first record that is no handshake. Unsure, the rule
 * says nothing.
 */
#include "correlate_int.h"

#define TLS_CCS 20
#define TLS_HANDSHAKE 22
#define TLS_HEARTBEAT 24
#define TLS_SEALED 23
#define RECORD_MAX (16384u + 2048u)	/* TLSCiphertext.length at most */

void corr_records_start(struct corr_records *w, uint32_t seq)
{
	*w = (struct corr_records){ .state = CORR_REC_WALKING, .next = seq };
}

static void give_up(struct corr_records *w)
{
	w->state = CORR_REC_UNSURE;
}

/* The bytes that follow w->next, arrived at ts. */
static void walk(struct corr_records *w, const uint8_t *p, size_t n, int64_t ts)
{
	while (n && w->state == CORR_REC_WALKING) {
		if (w->left) {
			size_t take = n < w->left ? n : w->left;
			w->left -= (uint32_t)take;
			p += take;
			n -= take;
			continue;
		}
		w->hdr[w->hdr_n++] = *p++;
		n--;
		if (w->hdr_n < sizeof(w->hdr))
			continue;
		w->hdr_n = 0;
		uint8_t type = w->hdr[0];
		uint32_t len = (uint32_t)w->hdr[3] << 8 | w->hdr[4];
		/* TLS opens with the ClientHello's handshake record */
		bool first = !w->records++;
		if (type < TLS_CCS || type > TLS_HEARTBEAT || w->hdr[1] != 3 || len > RECORD_MAX ||
		    (first && type != TLS_HANDSHAKE)) {
			give_up(w);
			return;
		}
		if (type == TLS_SEALED) {
			w->sealed_ns[w->n_sealed++] = ts;
			if (w->n_sealed == CORR_REC_SEALED) {
				w->state = CORR_REC_DONE;
				return;
			}
		}
		w->left = len;
	}
}

bool corr_records_client(struct corr_records *w, const struct fsc_packet *p, int64_t ts)
{
	if (w->state != CORR_REC_WALKING || p->payload_wire_len == 0)
		return false;
	if (p->payload_cut || p->payload_len < p->payload_wire_len || !p->payload) {
		give_up(w);
		return true;
	}
	int32_t ahead = (int32_t)(p->seq - w->next);
	if (ahead > 0) { /* a hole: what it held is unknown */
		give_up(w);
		return true;
	}
	size_t old = (size_t)(uint32_t)-ahead;
	if (old >= p->payload_len)
		return false; /* sent again: read already */
	size_t n = p->payload_len - old;
	w->next += (uint32_t)n;
	walk(w, p->payload + old, n, ts);
	return w->state != CORR_REC_WALKING;
}

bool corr_records_ack(struct corr_records *w, uint32_t ack)
{
	/* The node took bytes the capture never showed (one more: the FIN). */
	if (w->state != CORR_REC_WALKING || (int32_t)(ack - w->next) <= 1)
		return false;
	give_up(w);
	return true;
}

int64_t corr_records_data_ns(const struct corr_records *w, bool first_sealed_is_handshake)
{
	unsigned need = first_sealed_is_handshake ? 2 : 1;

	if (w->n_sealed >= need)
		return w->sealed_ns[need - 1];
	return w->state == CORR_REC_WALKING || w->state == CORR_REC_DONE ? 0 : -1;
}
