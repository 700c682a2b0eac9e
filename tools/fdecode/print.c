/* print.c - one packet event (WireGuard, disco, STUN, UDP, TCP, IP, frame)
 * as a text line or a JSON object (keys: doc/fdecode.1); stream events go
 * to print_stream.c, shared pieces come from fields.c. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_MAX 512	/* cap of a packet string in a text line */
_Static_assert(FSC_JSONW_STR_CAP <= FSC_OUTBUF_ROOM_MAX, "a JSON value fits the output buffer");

static bool has_ports(const struct fsc_packet *pkt)
{
	return pkt->layer >= FSC_LAYER_PAYLOAD && (pkt->proto == 6 || pkt->proto == 17);
}

static void text_endpoints(struct printer *pr, const struct fsc_packet *pkt)
{
	struct fsc_outbuf *ob = pr->ob;
	bool ports = has_ports(pkt);

	if (pkt->has_tscap) {
		fsc_outbuf_char(ob, '[');
		fsc_outbuf_str(ob, fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family) {
			fsc_outbuf_lit(ob, " snat ");
			text_addr(pr, &pkt->tscap.snat, -1);
		}
		if (pkt->tscap.dnat.family) {
			fsc_outbuf_lit(ob, " dnat ");
			text_addr(pr, &pkt->tscap.dnat, -1);
		}
		fsc_outbuf_lit(ob, "] ");
	}
	if (!pkt->ipver)
		return;
	text_addr(pr, &pkt->src, ports ? pkt->sport : -1);
	fsc_outbuf_lit(ob, " > ");
	text_addr(pr, &pkt->dst, ports ? pkt->dport : -1);
	fsc_outbuf_lit(ob, ": ");
}

static void text_wg(struct fsc_outbuf *ob, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	fsc_outbuf_lit(ob, "wg ");
	fsc_outbuf_str(ob, fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE) {
		fsc_outbuf_lit(ob, " sender 0x");
		fsc_outbuf_hex(ob, m->sender, 8);
	}
	if (m->type != FSC_WG_INITIATION) {
		fsc_outbuf_lit(ob, " receiver 0x");
		fsc_outbuf_hex(ob, m->receiver, 8);
	}
	if (m->type == FSC_WG_TRANSPORT) {
		fsc_outbuf_lit(ob, " counter ");
		fsc_outbuf_u64(ob, m->counter);
	}
	fsc_outbuf_lit(ob, " len ");
	fsc_outbuf_u64(ob, m->len);
	if (ev->wg.rtt_ns >= 0) {
		fsc_outbuf_lit(ob, " rtt ");
		fsc_outbuf_ms(ob, ev->wg.rtt_ns);
		fsc_outbuf_lit(ob, "ms");
	}
	if (m->under_load)
		fsc_outbuf_lit(ob, " mac2 (under load)");
	if (ev->wg.session) {
		fsc_outbuf_lit(ob, " session ");
		fsc_outbuf_u64(ob, ev->wg.session);
	}
	if (ev->wg.unknown_index)
		fsc_outbuf_lit(ob, " (index not seen announced)");
	if (ev->wg.roamed)
		fsc_outbuf_lit(ob, " (endpoint moved)");
}

static void text_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	struct fsc_outbuf *ob = pr->ob;
	const char *method = fsc_stun_method_name(m->method);

	fsc_outbuf_lit(ob, "stun ");
	if (method) {
		fsc_outbuf_str(ob, method);
	} else {
		fsc_outbuf_lit(ob, "method 0x");
		fsc_outbuf_hex(ob, m->method, 3);
	}
	fsc_outbuf_char(ob, ' ');
	fsc_outbuf_str(ob, fsc_stun_class_name(m->cls));
	if (m->txid) { /* absent when the header was cut */
		fsc_outbuf_lit(ob, " txid ");
		fsc_outbuf_hex_bytes(ob, m->txid, FSC_STUN_TXID_LEN);
	}
	if (m->has_mapped) {
		fsc_outbuf_str(ob, m->mapped_xor ? " xor-mapped " : " mapped ");
		text_addr(pr, &m->mapped, m->mapped_port);
	}
	if (m->error_code) {
		fsc_outbuf_lit(ob, " error ");
		fsc_outbuf_u64(ob, m->error_code);
	}
	if (m->software) {
		fsc_outbuf_lit(ob, " software \"");
		fsc_outbuf_text_escaped(ob, m->software, m->software_len, TEXT_MAX);
		fsc_outbuf_char(ob, '"');
	}
	if (m->has_fingerprint)
		fsc_outbuf_lit(ob, " fingerprint");
	if (m->unpadded)
		fsc_outbuf_lit(ob, " [unpadded]"); /* MS-TURN attribute layout */
}

static void text_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_outbuf *ob = pr->ob;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;

	fsc_outbuf_lit(ob, "[disco] ");
	text_addr(pr, &t->disco_src, t->disco_sport);
	if (t->via_derp && t->derp_key) {
		fsc_outbuf_lit(ob, " via DERP ");
		fsc_outbuf_hex_bytes(ob, t->derp_key, 8);
	}
	fsc_outbuf_lit(ob, ": disco ");
	if (!d) {
		fsc_outbuf_lit(ob, "(unreadable)");
		return;
	}
	fsc_outbuf_str(ob, fsc_disco_type_name(d->type));
	if (d->txid) {
		fsc_outbuf_lit(ob, " txid ");
		fsc_outbuf_hex_bytes(ob, d->txid, FSC_DISCO_TXID_LEN);
	}
	if (d->node_key) {
		fsc_outbuf_lit(ob, " nodekey ");
		fsc_outbuf_hex_bytes(ob, d->node_key, 8);
		fsc_outbuf_lit(ob, "...");
	}
	if (d->type == FSC_DISCO_PING && d->padding) {
		fsc_outbuf_lit(ob, " padding ");
		fsc_outbuf_u64(ob, d->padding);
	}
	if (d->type == FSC_DISCO_PONG) {
		fsc_outbuf_lit(ob, " src ");
		text_addr(pr, &d->pong_addr, d->pong_port);
	}
	if (d->type == FSC_DISCO_CALL_ME_MAYBE) {
		fsc_outbuf_lit(ob, " endpoints ");
		fsc_outbuf_u64(ob, d->n_endpoints);
	}
}

static const char *ip_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "icmp6";
	case 132:
		return "sctp";
	}
	return NULL;
}

static const char tcp_flag_chars[] = "FSRPAUEW";

/* The flags as tcpdump-like letters, "." for ACK; returns the length. */
static size_t tcp_flags(uint8_t flags, char *out)
{
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			out[n++] = i == 4 ? '.' : tcp_flag_chars[i];
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
	return n;
}

/* " (truncated: why)" after a line, or ",\"decode_status\":..." in JSON. */
static void status_text(struct fsc_outbuf *ob, const struct fsc_event *ev)
{
	fsc_outbuf_lit(ob, " (");
	fsc_outbuf_str(ob, fsc_status_name(ev->status));
	fsc_outbuf_lit(ob, ": ");
	fsc_outbuf_str(ob, ev->why);
	fsc_outbuf_char(ob, ')');
}

void print_text(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_outbuf *ob = pr->ob;
	const struct fsc_packet *pkt = ev->pkt;
	char flags[12];

	print_time(pr, ev->ts_ns);
	text_origin(pr, ev);
	if (ev->stream) {
		stream_text(pr, ev);
		text_tunnel(pr, ev);
		fsc_outbuf_end_line(ob);
		return;
	}
	if (ev->type != FSC_EV_TSDISCO)
		text_endpoints(pr, pkt);
	switch (ev->type) {
	case FSC_EV_WG:
		text_wg(ob, ev);
		text_wgd(pr, ev);
		break;
	case FSC_EV_DISCO:
		fsc_outbuf_lit(ob, "disco");
		if (ev->tun->u.disco.sender_key) { /* the first 16 hex digits */
			fsc_outbuf_lit(ob, " from d:");
			fsc_outbuf_hex_bytes(ob, ev->tun->u.disco.sender_key, 8);
		}
		fsc_outbuf_lit(ob, " len ");
		fsc_outbuf_u64(ob, ev->tun->u.disco.len);
		break;
	case FSC_EV_STUN:
		text_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		text_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		fsc_outbuf_lit(ob, "udp len ");
		fsc_outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_TCP:
		fsc_outbuf_lit(ob, "tcp [");
		fsc_outbuf_mem(ob, flags, tcp_flags(pkt->tcp_flags, flags));
		fsc_outbuf_lit(ob, "] seq ");
		fsc_outbuf_u64(ob, pkt->seq);
		if (pkt->tcp_flags & FSC_TCP_ACK) {
			fsc_outbuf_lit(ob, " ack ");
			fsc_outbuf_u64(ob, pkt->ack);
		}
		fsc_outbuf_lit(ob, " win ");
		fsc_outbuf_u64(ob, pkt->window);
		fsc_outbuf_lit(ob, " len ");
		fsc_outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_IP:
		if (pkt->fragment && !pkt->first_fragment) {
			fsc_outbuf_lit(ob, "ip fragment id 0x");
			fsc_outbuf_hex(ob, pkt->frag_id, 1);
			fsc_outbuf_lit(ob, " offset ");
			fsc_outbuf_u64(ob, pkt->frag_offset);
			fsc_outbuf_lit(ob, " proto ");
			fsc_outbuf_u64(ob, pkt->proto);
		} else if (ip_proto_name(pkt->proto)) {
			fsc_outbuf_str(ob, ip_proto_name(pkt->proto));
		} else {
			fsc_outbuf_lit(ob, "ip proto ");
			fsc_outbuf_u64(ob, pkt->proto);
		}
		fsc_outbuf_lit(ob, " len ");
		fsc_outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME: {
		const char *lt = fsc_linktype_name(ev->frame->linktype);
		fsc_outbuf_lit(ob, "frame ");
		if (lt) {
			fsc_outbuf_str(ob, lt);
		} else {
			fsc_outbuf_lit(ob, "linktype ");
			fsc_outbuf_i64(ob, ev->frame->linktype);
		}
		if (pkt->ethertype) {
			fsc_outbuf_lit(ob, " ethertype 0x");
			fsc_outbuf_hex(ob, pkt->ethertype, 4);
		}
		fsc_outbuf_lit(ob, " len ");
		fsc_outbuf_u64(ob, ev->frame->wirelen);
		break;
	}
	default:
		break;
	}
	if (pkt->first_fragment) {
		fsc_outbuf_lit(ob, " (first fragment id 0x");
		fsc_outbuf_hex(ob, pkt->frag_id, 1);
		fsc_outbuf_char(ob, ')');
	}
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		status_text(ob, ev);
	text_tunnel(pr, ev);
	fsc_outbuf_end_line(ob);
}

/* JSON: keys in a fixed order (doc/fdecode.1 lists each), through the one
 * writer (fsc/jsonw.h): strings from packets escaped, nothing empty. */

static void json_wg(struct fsc_jsonw *w, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	fsc_jsonw_token(w, "msg", fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE)
		fsc_jsonw_u64(w, "sender", m->sender);
	if (m->type != FSC_WG_INITIATION)
		fsc_jsonw_u64(w, "receiver", m->receiver);
	if (m->type == FSC_WG_TRANSPORT)
		fsc_jsonw_u64(w, "counter", m->counter);
	fsc_jsonw_u64(w, "len", m->len);
	if (ev->wg.session)
		fsc_jsonw_u64(w, "session", ev->wg.session);
	if (ev->wg.rtt_ns >= 0)
		fsc_jsonw_ms(w, "rtt_ms", ev->wg.rtt_ns);
	if (m->under_load)
		fsc_jsonw_bool(w, "under_load", true);
	if (ev->wg.roamed)
		fsc_jsonw_bool(w, "roamed", true);
}

static void json_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	struct fsc_jsonw *w = &pr->jw;
	const char *method = fsc_stun_method_name(m->method);

	if (method)
		fsc_jsonw_token(w, "method", method);
	else
		fsc_jsonw_hex_u64(w, "method", m->method, 3);
	fsc_jsonw_token(w, "class", fsc_stun_class_name(m->cls));
	if (m->txid)
		fsc_jsonw_hex(w, "txid", m->txid, FSC_STUN_TXID_LEN);
	if (m->has_mapped)
		json_endpoint_kept(pr, "mapped", "mapped_addr", "mapped_port", &m->mapped,
				   m->mapped_port);
	if (m->error_code)
		fsc_jsonw_u64(w, "error_code", m->error_code);
	if (m->software)
		fsc_jsonw_str(w, "software", m->software, m->software_len);
	if (m->unpadded)
		fsc_jsonw_bool(w, "unpadded", true);
}

/* "endpoint_list":[{"addr":...,"port":...},...]: the addresses a disco
 * message offers (call-me-maybe), each one, not only their count. */
static void json_disco_endpoints(struct fsc_jsonw *w, const struct fsc_disco_plain *d)
{
	struct fsc_addr a;
	uint16_t port;

	if (!d->n_endpoints || !d->endpoints)
		return;
	fsc_jsonw_array_begin(w, "endpoint_list");
	for (size_t i = 0; fsc_disco_endpoint(d, i, &a, &port); i++)
		fsc_jsonw_endpoint(w, NULL, NULL, &a, port);
	fsc_jsonw_array_end(w);
}

static void json_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_jsonw *w = &pr->jw;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;

	json_addr(pr, "src", &t->disco_src);
	fsc_jsonw_u64(w, "sport", t->disco_sport);
	fsc_jsonw_bool(w, "via_derp", t->via_derp);
	if (t->via_derp && t->derp_key)
		fsc_jsonw_hex(w, "derp_key", t->derp_key, 32);
	if (!d)
		return;
	fsc_jsonw_token(w, "disco_type", fsc_disco_type_name(d->type));
	if (d->txid)
		fsc_jsonw_hex(w, "txid", d->txid, FSC_DISCO_TXID_LEN);
	if (d->node_key)
		fsc_jsonw_hex(w, "node_key", d->node_key, 32);
	if (d->type == FSC_DISCO_PONG)
		json_endpoint_kept(pr, "pong_src", "pong_src_addr", "pong_src_port",
				   &d->pong_addr, d->pong_port);
	if (d->type == FSC_DISCO_CALL_ME_MAYBE)
		fsc_jsonw_u64(w, "endpoints", d->n_endpoints);
	json_disco_endpoints(w, d);
	fsc_jsonw_u64(w, "len", d->len);
}

void print_json(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_jsonw *w = &pr->jw;
	const struct fsc_packet *pkt = ev->pkt;

	if (ev->stream) {
		stream_json(pr, ev);
		return;
	}
	json_head(pr, ev);
	if (pkt->has_tscap) {
		fsc_jsonw_token(w, "path", fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family)
			json_addr(pr, "snat", &pkt->tscap.snat);
		if (pkt->tscap.dnat.family)
			json_addr(pr, "dnat", &pkt->tscap.dnat);
	}
	if (pkt->ipver && ev->type != FSC_EV_TSDISCO) {
		json_addr(pr, "src", &pkt->src);
		json_addr(pr, "dst", &pkt->dst);
		if (has_ports(pkt)) {
			fsc_jsonw_u64(w, "sport", pkt->sport);
			fsc_jsonw_u64(w, "dport", pkt->dport);
		}
	}
	switch (ev->type) {
	case FSC_EV_WG:
		json_wg(w, ev);
		json_wgd(pr, ev);
		break;
	case FSC_EV_DISCO:
		if (ev->tun->u.disco.sender_key)
			fsc_jsonw_hex(w, "sender_key", ev->tun->u.disco.sender_key,
				      FSC_DISCO_KEY_LEN);
		fsc_jsonw_u64(w, "len", ev->tun->u.disco.len);
		break;
	case FSC_EV_STUN:
		json_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		json_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		fsc_jsonw_u64(w, "len", pkt->payload_wire_len);
		break;
	case FSC_EV_TCP: {
		char flags[12];
		fsc_jsonw_str(w, "flags", flags, tcp_flags(pkt->tcp_flags, flags));
		fsc_jsonw_u64(w, "seq", pkt->seq);
		fsc_jsonw_u64(w, "ack", pkt->ack);
		fsc_jsonw_u64(w, "len", pkt->payload_wire_len);
		break;
	}
	case FSC_EV_IP:
		fsc_jsonw_u64(w, "proto", pkt->proto);
		fsc_jsonw_u64(w, "len", pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME:
		fsc_jsonw_i64(w, "linktype", ev->frame->linktype);
		fsc_jsonw_u64(w, "len", ev->frame->wirelen);
		break;
	default:
		break;
	}
	if (pkt->fragment) {
		fsc_jsonw_object_begin_at(w, "fragment");
		fsc_jsonw_u64(w, "id", pkt->frag_id);
		fsc_jsonw_u64(w, "offset", pkt->frag_offset);
		fsc_jsonw_bool(w, "more", pkt->more_fragments);
		fsc_jsonw_object_end(w);
	}
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		json_status(pr, ev);
	json_tunnel(pr, ev);
	fsc_jsonw_line_end(w);
}

