/* pipeline.c - the shared per-frame path: dissect, classify, track. */
#include "fsc/pipeline.h"

#include <stdlib.h>
#include <string.h>

struct fsc_pipeline {
	struct fsc_wg_tracker *wg;
	struct fsc_streams *streams;
	struct fsc_wgdecrypt *wgd;	/* borrowed; NULL: no decryption */
	/* While a decrypted packet goes through: its tunnel session (0 on
	 * the wire) and the initiator's static key. */
	uint32_t tunnel;
	const uint8_t *tunnel_peer;
	struct fsc_pipeline_stats st;
	/* the frame in progress, for the events its stream completes */
	struct fsc_event *cur;
	fsc_event_fn fn;
	void *ctx;
};

struct fsc_pipeline *fsc_pipeline_new(const struct fsc_pipeline_limits *lim)
{
	struct fsc_pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->wg = fsc_wg_tracker_new(lim ? &lim->wg : NULL);
	pl->streams = fsc_streams_new(lim ? &lim->streams : NULL);
	if (!pl->wg || !pl->streams) {
		fsc_pipeline_free(pl);
		return NULL;
	}
	return pl;
}

void fsc_pipeline_free(struct fsc_pipeline *pl)
{
	if (!pl)
		return;
	fsc_wg_tracker_free(pl->wg);
	fsc_streams_free(pl->streams);
	free(pl);
}

const struct fsc_streams *fsc_pipeline_streams(const struct fsc_pipeline *pl)
{
	return pl->streams;
}

/* A stream event, handed on with the frame that completed it. */
static void on_stream_event(void *ctx, const struct fsc_stream_event *sev)
{
	struct fsc_pipeline *pl = ctx;
	struct fsc_event ev = *pl->cur;

	ev.type = sev->type;
	ev.stream = sev;
	ev.tun = NULL;
	ev.wgd = NULL;
	if (sev->flow && fsc_flow_tunnel(sev->flow) != ev.tunnel) {
		ev.tunnel = fsc_flow_tunnel(sev->flow); /* at the end of input */
		ev.tunnel_peer = NULL;
	}
	ev.ts_ns = sev->ts_ns;
	ev.status = sev->status;
	ev.why = sev->why;
	pl->st.events[ev.type]++;
	pl->st.malformed += ev.status == FSC_MALFORMED;
	pl->st.truncated += ev.status == FSC_TRUNCATED;
	pl->fn(&ev, pl->ctx);
}

void fsc_pipeline_flush(struct fsc_pipeline *pl, fsc_event_fn fn, void *ctx)
{
	struct fsc_packet none;
	struct fsc_event ev;

	memset(&none, 0, sizeof(none));
	memset(&ev, 0, sizeof(ev));
	ev.pkt = &none;
	ev.ts_ns = pl->st.last_ns;
	pl->cur = &ev;
	pl->fn = fn;
	pl->ctx = ctx;
	fsc_streams_flush(pl->streams, on_stream_event, pl);
	pl->cur = NULL;
}

const struct fsc_pipeline_stats *fsc_pipeline_stats(const struct fsc_pipeline *pl)
{
	return &pl->st;
}

const struct fsc_wg_tracker *fsc_pipeline_wg(const struct fsc_pipeline *pl)
{
	return pl->wg;
}

void fsc_pipeline_set_wgdecrypt(struct fsc_pipeline *pl, struct fsc_wgdecrypt *d)
{
	pl->wgd = d;
}

bool fsc_pipeline_set_tlskeys(struct fsc_pipeline *pl, const struct fsc_tlskeys *keys)
{
	return fsc_streams_set_tlskeys(pl->streams, keys);
}

const struct fsc_wgdecrypt *fsc_pipeline_wgdecrypt(const struct fsc_pipeline *pl)
{
	return pl->wgd;
}

int64_t fsc_pipeline_frame_ns(const struct fsc_frame *f)
{
	const int64_t limit = (int64_t)1 << 33;
	int64_t sec = f->sec;

	if (sec > limit)
		sec = limit;
	else if (sec < 0)
		sec = 0;
	return sec * 1000000000 + f->nsec % 1000000000;
}

#define PAYLOAD_CUT "payload cut by the snapshot length"

/* A problem found by a protocol decoder is reported unless dissection
 * already found one. */
static void adopt_status(struct fsc_event *ev, enum fsc_status st, const char *why)
{
	/* A first fragment ends early by design, not by damage. */
	if (st == FSC_TRUNCATED && ev->pkt->first_fragment)
		return;
	if (ev->status == FSC_OK && st != FSC_OK && st != FSC_NOT_THIS) {
		ev->status = st;
		ev->why = why;
	}
}

/* The capture ended inside the payload: the event says so, whatever a
 * decoder made of the bytes it had. */
static void capture_cut(struct fsc_event *ev)
{
	if (ev->status == FSC_OK && ev->pkt->payload_cut) {
		ev->status = FSC_TRUNCATED;
		ev->why = PAYLOAD_CUT;
	}
}

static void tunnel_event(struct fsc_pipeline *pl, struct fsc_event *ev,
			 struct fsc_tunnel_msg *tun, struct fsc_wgd_note *wgd)
{
	const struct fsc_packet *pkt = ev->pkt;

	fsc_tunnel_classify(pkt->payload, pkt->payload_len, tun);
	ev->tun = tun;
	switch (tun->kind) {
	case FSC_TUNNEL_WG: {
		const struct fsc_wg_msg *m = &tun->u.wg;
		struct fsc_wg_endpoint src = { pkt->src, pkt->sport };
		struct fsc_wg_endpoint dst = { pkt->dst, pkt->dport };
		ev->type = FSC_EV_WG;
		fsc_wg_track(pl->wg, m, &src, &dst, ev->ts_ns, &ev->wg);
		pl->st.wg_msgs[m->keepalive ? 5 : m->type]++;
		pl->st.wg_under_load += m->under_load;
		/* Decrypted packets are not decrypted again inside. */
		if (pl->wgd && !pkt->tunnel && pkt->payload_len == pkt->payload_wire_len) {
			fsc_wgdecrypt_msg(pl->wgd, pkt->payload, pkt->payload_len, m,
					  ev->wg.session, !ev->wg.unknown_index, wgd);
			ev->wgd = wgd;
		}
		break;
	}
	case FSC_TUNNEL_DISCO:
		ev->type = FSC_EV_DISCO;
		break;
	case FSC_TUNNEL_STUN:
		ev->type = FSC_EV_STUN;
		if (tun->status == FSC_OK || tun->status == FSC_TRUNCATED)
			pl->st.stun_class[tun->u.stun.cls & 3]++;
		break;
	case FSC_TUNNEL_NONE:
		ev->type = FSC_EV_UDP;
		/* Unclaimed and cut: it may well be a message whose missing
		 * half would have named it (a WireGuard handshake has no
		 * magic). Say so rather than pass it off as plain UDP. */
		capture_cut(ev);
		return;
	}
	adopt_status(ev, tun->status, tun->why);
	/* A message with no length of its own (disco, WireGuard transport)
	 * decodes whole from a cut payload: it is still cut. */
	capture_cut(ev);
}

/* The inner IP packet of a decrypted transport message goes through as a
 * frame of its own (LINKTYPE_RAW, the outer frame's number and time) seen
 * inside the tunnel: its events carry the session, its flows are apart. */
static void inner_frame(struct fsc_pipeline *pl, const struct fsc_event *outer,
			fsc_event_fn fn, void *ctx)
{
	const struct fsc_wgd_note *n = outer->wgd;
	struct fsc_frame in = *outer->frame;

	in.data = n->plain;
	in.caplen = in.wirelen = (uint32_t)n->plain_len;
	in.linktype = 101; /* LINKTYPE_RAW: IPv4 or IPv6 by the first nibble */
	pl->tunnel = n->session ? n->session : UINT32_MAX;
	pl->tunnel_peer = n->have_static ? n->initiator_static : NULL;
	pl->st.inner_packets++;
	fsc_pipeline_frame(pl, &in, fn, ctx);
	pl->tunnel = 0;
	pl->tunnel_peer = NULL;
}

/* Counts an event, hands it over, and what follows from it: its TCP
 * stream's events, a decrypted inner packet. */
static void deliver(struct fsc_pipeline *pl, struct fsc_event *ev, struct fsc_packet *pkt,
		    fsc_event_fn fn, void *ctx)
{
	struct fsc_pipeline_stats *st = &pl->st;

	st->truncated += ev->status == FSC_TRUNCATED;
	st->malformed += ev->status == FSC_MALFORMED;
	st->events[ev->type]++;
	fn(ev, ctx);
	if (ev->type == FSC_EV_TCP && pkt->layer == FSC_LAYER_PAYLOAD) {
		pl->cur = ev;
		pl->fn = fn;
		pl->ctx = ctx;
		fsc_streams_packet(pl->streams, pkt, ev->ts_ns, on_stream_event, pl);
		pl->cur = NULL;
	}
	if (ev->type == FSC_EV_WG && ev->wgd && ev->wgd->result == FSC_WGD_OK &&
	    ev->wgd->plain_len)
		inner_frame(pl, ev, fn, ctx);
}

/* A UDP datagram that is a batch of WireGuard transport messages (GSO or
 * GRO, fsc_wg_gso_segment): an event for each, as sent on the wire. */
static void gso_batch(struct fsc_pipeline *pl, const struct fsc_event *whole,
		      const struct fsc_packet *pkt, size_t size, fsc_event_fn fn, void *ctx)
{
	unsigned n = 0;

	for (size_t off = 0; off < pkt->payload_len; off += size) {
		struct fsc_packet seg = *pkt;
		struct fsc_event ev = *whole;
		ev.segment = n++;
		struct fsc_tunnel_msg tun;
		struct fsc_wgd_note wgd;
		seg.payload = pkt->payload + off;
		seg.payload_len = seg.payload_wire_len =
			pkt->payload_len - off < size ? pkt->payload_len - off : size;
		ev.pkt = &seg;
		tunnel_event(pl, &ev, &tun, &wgd);
		deliver(pl, &ev, &seg, fn, ctx);
	}
	pl->st.udp_gso_batches++;
}

void fsc_pipeline_frame(struct fsc_pipeline *pl, const struct fsc_frame *f,
			fsc_event_fn fn, void *ctx)
{
	struct fsc_packet pkt;
	struct fsc_tunnel_msg tun;
	struct fsc_disco_plain plain;
	struct fsc_wgd_note wgd;
	struct fsc_event ev;
	struct fsc_pipeline_stats *st = &pl->st;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = fsc_pipeline_frame_ns(f);
	ev.frame = f;
	ev.pkt = &pkt;
	if (!pl->tunnel) { /* a frame off the wire, not a decrypted packet */
		if (st->frames == 0 || ev.ts_ns < st->first_ns)
			st->first_ns = ev.ts_ns;
		if (ev.ts_ns > st->last_ns)
			st->last_ns = ev.ts_ns;
		st->frames++;
		st->bytes += f->wirelen;
	}

	fsc_dissect(f->linktype, f->data, f->caplen, f->wirelen, &pkt);
	/* Interfaces of one capture (pcapng, several -i) are apart; the same
	 * interface in files read one after another (rotation) is one. */
	pkt.obs = (uint8_t)f->iface;
	pkt.tunnel = ev.tunnel = pl->tunnel;
	ev.tunnel_peer = pl->tunnel_peer;
	ev.status = pkt.status;
	ev.why = pkt.why;
	if (pkt.ipver == 4)
		st->ipv4++;
	else if (pkt.ipver == 6)
		st->ipv6++;
	if (pkt.fragment) {
		st->fragments++;
		st->later_fragments += !pkt.first_fragment;
	}

	if (pkt.has_tscap && pkt.tscap.path == FSC_TSCAP_DISCO) {
		const char *why = NULL;
		enum fsc_status ds = fsc_disco_decode_plain(pkt.tscap.disco,
							    pkt.tscap.disco_len,
							    &plain, &why);
		ev.type = FSC_EV_TSDISCO;
		ev.disco = ds == FSC_OK || ds == FSC_TRUNCATED ? &plain : NULL;
		if (ev.disco)
			st->tsdisco_types[plain.type & 15]++;
		adopt_status(&ev, ds, why);
	} else if (pkt.layer == FSC_LAYER_PAYLOAD && pkt.proto == 17) {
		/* Batches are split only to decrypt their messages: the search
		 * scans every transport datagram, which fdecode's cheaper modes
		 * would pay 3-7% of their instructions for. */
		size_t gso = pl->wgd && !pkt.tunnel && pkt.payload_len == pkt.payload_wire_len
				     ? fsc_wg_gso_segment(pkt.payload, pkt.payload_len) : 0;
		if (gso) {
			st->snaplen_cut += f->caplen < f->wirelen;
			gso_batch(pl, &ev, &pkt, gso, fn, ctx);
			return;
		}
		tunnel_event(pl, &ev, &tun, &wgd);
	} else if (pkt.layer == FSC_LAYER_PAYLOAD && pkt.proto == 6) {
		ev.type = FSC_EV_TCP;
		/* Its stream gets a gap; the segment itself says why. */
		capture_cut(&ev);
	} else if (pkt.ipver && pkt.layer >= FSC_LAYER_NET) {
		/* A header cut short, a later fragment, or another protocol. */
		bool later = pkt.fragment && !pkt.first_fragment;
		if (!later && pkt.proto == 6)
			ev.type = FSC_EV_TCP;
		else if (!later && pkt.proto == 17)
			ev.type = FSC_EV_UDP;
		else
			ev.type = FSC_EV_IP;
		capture_cut(&ev);
	} else {
		ev.type = FSC_EV_FRAME;
		st->not_ip += pkt.status == FSC_NOT_THIS;
		st->unsupported_linktype += !fsc_linktype_supported(f->linktype);
	}
	st->snaplen_cut += f->caplen < f->wirelen;
	deliver(pl, &ev, &pkt, fn, ctx);
}
