/* pipeline.c - the shared per-frame path: dissect, classify, track. */
#include "fsc/pipeline.h"

#include <stdlib.h>
#include <string.h>

struct fsc_pipeline {
	struct fsc_wg_tracker *wg;
	struct fsc_pipeline_stats st;
};

static const char *const event_names[FSC_EV_COUNT] = {
	[FSC_EV_WG] = "wg",	  [FSC_EV_DISCO] = "disco", [FSC_EV_STUN] = "stun",
	[FSC_EV_TSDISCO] = "tsdisco", [FSC_EV_UDP] = "udp", [FSC_EV_TCP] = "tcp",
	[FSC_EV_IP] = "ip",	  [FSC_EV_FRAME] = "frame",
};

const char *fsc_event_type_name(enum fsc_event_type t)
{
	return (unsigned)t < FSC_EV_COUNT ? event_names[t] : "unknown";
}

struct fsc_pipeline *fsc_pipeline_new(const struct fsc_pipeline_limits *lim)
{
	struct fsc_pipeline *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	pl->wg = fsc_wg_tracker_new(lim ? &lim->wg : NULL);
	if (!pl->wg) {
		free(pl);
		return NULL;
	}
	return pl;
}

void fsc_pipeline_free(struct fsc_pipeline *pl)
{
	if (!pl)
		return;
	fsc_wg_tracker_free(pl->wg);
	free(pl);
}

const struct fsc_pipeline_stats *fsc_pipeline_stats(const struct fsc_pipeline *pl)
{
	return &pl->st;
}

const struct fsc_wg_tracker *fsc_pipeline_wg(const struct fsc_pipeline *pl)
{
	return pl->wg;
}

/* Nanoseconds since the epoch. A damaged file may claim any time; clamping
 * to [1970, 2242] keeps every difference of two timestamps representable. */
static int64_t frame_ns(const struct fsc_frame *f)
{
	const int64_t limit = (int64_t)1 << 33;
	int64_t sec = f->sec;

	if (sec > limit)
		sec = limit;
	else if (sec < 0)
		sec = 0;
	return sec * 1000000000 + f->nsec % 1000000000;
}

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

static void tunnel_event(struct fsc_pipeline *pl, struct fsc_event *ev,
			 struct fsc_tunnel_msg *tun)
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
		return;
	}
	adopt_status(ev, tun->status, tun->why);
}

void fsc_pipeline_frame(struct fsc_pipeline *pl, const struct fsc_frame *f,
			fsc_event_fn fn, void *ctx)
{
	struct fsc_packet pkt;
	struct fsc_tunnel_msg tun;
	struct fsc_disco_plain plain;
	struct fsc_event ev;
	struct fsc_pipeline_stats *st = &pl->st;

	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = frame_ns(f);
	ev.frame = f;
	ev.pkt = &pkt;
	if (st->frames == 0 || ev.ts_ns < st->first_ns)
		st->first_ns = ev.ts_ns;
	if (ev.ts_ns > st->last_ns)
		st->last_ns = ev.ts_ns;
	st->frames++;
	st->bytes += f->wirelen;

	fsc_dissect(f->linktype, f->data, f->caplen, f->wirelen, &pkt);
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
		tunnel_event(pl, &ev, &tun);
	} else if (pkt.layer == FSC_LAYER_PAYLOAD && pkt.proto == 6) {
		ev.type = FSC_EV_TCP;
	} else if (pkt.ipver && pkt.layer >= FSC_LAYER_NET) {
		/* A header cut short, a later fragment, or another protocol. */
		bool later = pkt.fragment && !pkt.first_fragment;
		if (!later && pkt.proto == 6)
			ev.type = FSC_EV_TCP;
		else if (!later && pkt.proto == 17)
			ev.type = FSC_EV_UDP;
		else
			ev.type = FSC_EV_IP;
	} else {
		ev.type = FSC_EV_FRAME;
		st->not_ip += pkt.status == FSC_NOT_THIS;
		st->unsupported_linktype += !fsc_linktype_supported(f->linktype);
	}
	st->snaplen_cut += f->caplen < f->wirelen;
	st->truncated += ev.status == FSC_TRUNCATED;
	st->malformed += ev.status == FSC_MALFORMED;
	st->events[ev.type]++;
	fn(&ev, ctx);
}
