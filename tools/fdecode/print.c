/* print.c - one event as a text line or a JSON object (design.md contract). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_MAX 512	/* cap of a packet string in a text line */
_Static_assert(JSON_VALUE_CAP <= OUTBUF_ROOM_MAX, "a JSON value fits the output buffer");

void print_time(struct printer *pr, int64_t ts_ns)
{
	struct outbuf *ob = pr->ob;
	int64_t sec = ts_ns / 1000000000, usec = ts_ns % 1000000000 / 1000;

	if (!pr->have_prev) {
		pr->first_ns = pr->prev_ns = ts_ns;
		pr->have_prev = true;
	}
	switch (pr->opt->ts) {
	case TS_NONE:
		break;
	case TS_EPOCH:
		outbuf_i64(ob, sec);
		outbuf_char(ob, '.');
		outbuf_i64_zpad(ob, usec, 6);
		outbuf_char(ob, ' ');
		break;
	case TS_DELTA:
	case TS_SINCE_FIRST: {
		int64_t d = ts_ns - (pr->opt->ts == TS_DELTA ? pr->prev_ns : pr->first_ns);
		if (d < 0) {
			outbuf_char(ob, '-');
			d = -d;
		}
		outbuf_i64_zpad(ob, d / 3600000000000, 2);
		outbuf_char(ob, ':');
		outbuf_i64_zpad(ob, d / 60000000000 % 60, 2);
		outbuf_char(ob, ':');
		outbuf_i64_zpad(ob, d / 1000000000 % 60, 2);
		outbuf_char(ob, '.');
		outbuf_i64_zpad(ob, d % 1000000000 / 1000, 6);
		outbuf_char(ob, ' ');
		break;
	}
	case TS_LOCAL:
	case TS_DATE:
		if (sec != pr->cached_sec || !pr->cached_hms[0]) {
			time_t t = (time_t)sec;
			struct tm tm;
			localtime_r(&t, &tm);
			pr->cached_hms_len = strftime(pr->cached_hms, sizeof(pr->cached_hms),
						      pr->opt->ts == TS_DATE ? "%Y-%m-%d %H:%M:%S"
									     : "%H:%M:%S", &tm);
			pr->cached_sec = sec;
		}
		outbuf_mem(ob, pr->cached_hms, pr->cached_hms_len);
		outbuf_char(ob, '.');
		outbuf_i64_zpad(ob, usec, 6);
		outbuf_char(ob, ' ');
		break;
	}
	pr->prev_ns = ts_ns;
}

static bool has_ports(const struct fsc_packet *pkt)
{
	return pkt->layer >= FSC_LAYER_PAYLOAD && (pkt->proto == 6 || pkt->proto == 17);
}

/* "ADDR[:PORT] [tag]" */
void text_addr(struct printer *pr, const struct fsc_addr *a, int port)
{
	char tag[FSC_ENRICH_TAG_MAX];

	if (port >= 0)
		outbuf_endpoint(pr->ob, a, (uint16_t)port);
	else
		outbuf_addr(pr->ob, a);
	if (fsc_enrich_tag(pr->enr, a, tag, sizeof(tag))[0]) {
		outbuf_lit(pr->ob, " [");
		outbuf_str(pr->ob, tag);
		outbuf_char(pr->ob, ']');
	}
}

static void text_endpoints(struct printer *pr, const struct fsc_packet *pkt)
{
	struct outbuf *ob = pr->ob;
	bool ports = has_ports(pkt);

	if (pkt->has_tscap) {
		outbuf_char(ob, '[');
		outbuf_str(ob, fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family) {
			outbuf_lit(ob, " snat ");
			text_addr(pr, &pkt->tscap.snat, -1);
		}
		if (pkt->tscap.dnat.family) {
			outbuf_lit(ob, " dnat ");
			text_addr(pr, &pkt->tscap.dnat, -1);
		}
		outbuf_lit(ob, "] ");
	}
	if (!pkt->ipver)
		return;
	text_addr(pr, &pkt->src, ports ? pkt->sport : -1);
	outbuf_lit(ob, " > ");
	text_addr(pr, &pkt->dst, ports ? pkt->dport : -1);
	outbuf_lit(ob, ": ");
}

static void text_wg(struct outbuf *ob, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	outbuf_lit(ob, "wg ");
	outbuf_str(ob, fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE) {
		outbuf_lit(ob, " sender 0x");
		outbuf_hex(ob, m->sender, 8);
	}
	if (m->type != FSC_WG_INITIATION) {
		outbuf_lit(ob, " receiver 0x");
		outbuf_hex(ob, m->receiver, 8);
	}
	if (m->type == FSC_WG_TRANSPORT) {
		outbuf_lit(ob, " counter ");
		outbuf_u64(ob, m->counter);
	}
	outbuf_lit(ob, " len ");
	outbuf_u64(ob, m->len);
	if (ev->wg.rtt_ns >= 0) {
		outbuf_lit(ob, " rtt ");
		outbuf_ms(ob, ev->wg.rtt_ns);
		outbuf_lit(ob, "ms");
	}
	if (m->under_load)
		outbuf_lit(ob, " mac2 (under load)");
	if (ev->wg.session) {
		outbuf_lit(ob, " session ");
		outbuf_u64(ob, ev->wg.session);
	}
	if (ev->wg.unknown_index)
		outbuf_lit(ob, " (index not seen announced)");
	if (ev->wg.roamed)
		outbuf_lit(ob, " (endpoint moved)");
}

static void text_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	struct outbuf *ob = pr->ob;
	const char *method = fsc_stun_method_name(m->method);

	outbuf_lit(ob, "stun ");
	if (method) {
		outbuf_str(ob, method);
	} else {
		outbuf_lit(ob, "method 0x");
		outbuf_hex(ob, m->method, 3);
	}
	outbuf_char(ob, ' ');
	outbuf_str(ob, fsc_stun_class_name(m->cls));
	if (m->txid) { /* absent when the header was cut */
		outbuf_lit(ob, " txid ");
		outbuf_hex_bytes(ob, m->txid, FSC_STUN_TXID_LEN);
	}
	if (m->has_mapped) {
		outbuf_str(ob, m->mapped_xor ? " xor-mapped " : " mapped ");
		text_addr(pr, &m->mapped, m->mapped_port);
	}
	if (m->error_code) {
		outbuf_lit(ob, " error ");
		outbuf_u64(ob, m->error_code);
	}
	if (m->software) {
		outbuf_lit(ob, " software \"");
		outbuf_text_escaped(ob, m->software, m->software_len, TEXT_MAX);
		outbuf_char(ob, '"');
	}
	if (m->has_fingerprint)
		outbuf_lit(ob, " fingerprint");
	if (m->unpadded)
		outbuf_lit(ob, " [unpadded]"); /* MS-TURN attribute layout */
}

static void text_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;

	outbuf_lit(ob, "[disco] ");
	text_addr(pr, &t->disco_src, t->disco_sport);
	if (t->via_derp && t->derp_key) {
		outbuf_lit(ob, " via DERP ");
		outbuf_hex_bytes(ob, t->derp_key, 8);
	}
	outbuf_lit(ob, ": disco ");
	if (!d) {
		outbuf_lit(ob, "(unreadable)");
		return;
	}
	outbuf_str(ob, fsc_disco_type_name(d->type));
	if (d->txid) {
		outbuf_lit(ob, " txid ");
		outbuf_hex_bytes(ob, d->txid, FSC_DISCO_TXID_LEN);
	}
	if (d->node_key) {
		outbuf_lit(ob, " nodekey ");
		outbuf_hex_bytes(ob, d->node_key, 8);
		outbuf_lit(ob, "...");
	}
	if (d->type == FSC_DISCO_PING && d->padding) {
		outbuf_lit(ob, " padding ");
		outbuf_u64(ob, d->padding);
	}
	if (d->type == FSC_DISCO_PONG) {
		outbuf_lit(ob, " src ");
		text_addr(pr, &d->pong_addr, d->pong_port);
	}
	if (d->type == FSC_DISCO_CALL_ME_MAYBE) {
		outbuf_lit(ob, " endpoints ");
		outbuf_u64(ob, d->n_endpoints);
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
static void status_text(struct outbuf *ob, const struct fsc_event *ev)
{
	outbuf_lit(ob, " (");
	outbuf_str(ob, fsc_status_name(ev->status));
	outbuf_lit(ob, ": ");
	outbuf_str(ob, ev->why);
	outbuf_char(ob, ')');
}

static void status_json(struct outbuf *ob, const struct fsc_event *ev)
{
	outbuf_lit(ob, ",\"decode_status\":\"");
	outbuf_str(ob, fsc_status_name(ev->status));
	outbuf_lit(ob, "\",\"decode_reason\":\"");
	outbuf_str(ob, ev->why);
	outbuf_char(ob, '"');
}

static void print_text(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_packet *pkt = ev->pkt;
	char flags[12];

	print_time(pr, ev->ts_ns);
	text_origin(pr, ev);
	if (ev->stream) {
		stream_text(pr, ev);
		text_tunnel(pr, ev);
		outbuf_end_line(ob);
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
		outbuf_lit(ob, "disco");
		if (ev->tun->u.disco.sender_key) { /* the first 16 hex digits */
			outbuf_lit(ob, " from d:");
			outbuf_hex_bytes(ob, ev->tun->u.disco.sender_key, 8);
		}
		outbuf_lit(ob, " len ");
		outbuf_u64(ob, ev->tun->u.disco.len);
		break;
	case FSC_EV_STUN:
		text_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		text_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		outbuf_lit(ob, "udp len ");
		outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_TCP:
		outbuf_lit(ob, "tcp [");
		outbuf_mem(ob, flags, tcp_flags(pkt->tcp_flags, flags));
		outbuf_lit(ob, "] seq ");
		outbuf_u64(ob, pkt->seq);
		if (pkt->tcp_flags & FSC_TCP_ACK) {
			outbuf_lit(ob, " ack ");
			outbuf_u64(ob, pkt->ack);
		}
		outbuf_lit(ob, " win ");
		outbuf_u64(ob, pkt->window);
		outbuf_lit(ob, " len ");
		outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_IP:
		if (pkt->fragment && !pkt->first_fragment) {
			outbuf_lit(ob, "ip fragment id 0x");
			outbuf_hex(ob, pkt->frag_id, 1);
			outbuf_lit(ob, " offset ");
			outbuf_u64(ob, pkt->frag_offset);
			outbuf_lit(ob, " proto ");
			outbuf_u64(ob, pkt->proto);
		} else if (ip_proto_name(pkt->proto)) {
			outbuf_str(ob, ip_proto_name(pkt->proto));
		} else {
			outbuf_lit(ob, "ip proto ");
			outbuf_u64(ob, pkt->proto);
		}
		outbuf_lit(ob, " len ");
		outbuf_u64(ob, pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME: {
		const char *lt = fsc_linktype_name(ev->frame->linktype);
		outbuf_lit(ob, "frame ");
		if (lt) {
			outbuf_str(ob, lt);
		} else {
			outbuf_lit(ob, "linktype ");
			outbuf_i64(ob, ev->frame->linktype);
		}
		if (pkt->ethertype) {
			outbuf_lit(ob, " ethertype 0x");
			outbuf_hex(ob, pkt->ethertype, 4);
		}
		outbuf_lit(ob, " len ");
		outbuf_u64(ob, ev->frame->wirelen);
		break;
	}
	default:
		break;
	}
	if (pkt->first_fragment) {
		outbuf_lit(ob, " (first fragment id 0x");
		outbuf_hex(ob, pkt->frag_id, 1);
		outbuf_char(ob, ')');
	}
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		status_text(ob, ev);
	text_tunnel(pr, ev);
	outbuf_end_line(ob);
}

/* JSON: keys in a fixed order; strings from packets escaped. */

static void json_hex(struct outbuf *ob, const char *key, const uint8_t *p, size_t n)
{
	json_key(ob, key);
	outbuf_char(ob, '"');
	outbuf_hex_bytes(ob, p, n);
	outbuf_char(ob, '"');
}

/* ,"KEY_info":{...} after an address, when enrichment has something. */
void json_enrich(struct printer *pr, const char *key, const struct fsc_addr *a)
{
	char *p = outbuf_room(pr->ob, FSC_ENRICH_JSON_KEY_MAX + FSC_ENRICH_JSON_MAX);

	outbuf_commit(pr->ob, fsc_enrich_json_member(pr->enr, key, a, p));
}

/* ,"key":"ADDR" and its enrichment. */
void json_addr(struct printer *pr, const char *key, const struct fsc_addr *a)
{
	json_key(pr->ob, key);
	outbuf_char(pr->ob, '"');
	outbuf_addr(pr->ob, a);
	outbuf_char(pr->ob, '"');
	json_enrich(pr, key, a);
}

/* ,"key":"ADDR:PORT" and the address's enrichment. */
static void json_endpoint(struct printer *pr, const char *key, const struct fsc_addr *a,
			  uint16_t port)
{
	json_key(pr->ob, key);
	outbuf_char(pr->ob, '"');
	outbuf_endpoint(pr->ob, a, port);
	outbuf_char(pr->ob, '"');
	json_enrich(pr, key, a);
}

static void json_wg(struct outbuf *ob, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	json_token(ob, "msg", fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE)
		json_u64(ob, "sender", m->sender);
	if (m->type != FSC_WG_INITIATION)
		json_u64(ob, "receiver", m->receiver);
	if (m->type == FSC_WG_TRANSPORT)
		json_u64(ob, "counter", m->counter);
	json_u64(ob, "len", m->len);
	if (ev->wg.session)
		json_u64(ob, "session", ev->wg.session);
	if (ev->wg.rtt_ns >= 0) {
		json_key(ob, "rtt_ms");
		outbuf_ms(ob, ev->wg.rtt_ns);
	}
	if (m->under_load)
		outbuf_lit(ob, ",\"under_load\":true");
	if (ev->wg.roamed)
		outbuf_lit(ob, ",\"roamed\":true");
}

static void json_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	struct outbuf *ob = pr->ob;
	const char *method = fsc_stun_method_name(m->method);

	if (method) {
		json_token(ob, "method", method);
	} else {
		outbuf_lit(ob, ",\"method\":\"0x");
		outbuf_hex(ob, m->method, 3);
		outbuf_char(ob, '"');
	}
	json_token(ob, "class", fsc_stun_class_name(m->cls));
	if (m->txid)
		json_hex(ob, "txid", m->txid, FSC_STUN_TXID_LEN);
	if (m->has_mapped)
		json_endpoint(pr, "mapped", &m->mapped, m->mapped_port);
	if (m->error_code)
		json_u64(ob, "error_code", m->error_code);
	if (m->software)
		json_str(ob, "software", m->software, m->software_len);
	if (m->unpadded)
		outbuf_lit(ob, ",\"unpadded\":true");
}

static void json_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;

	json_addr(pr, "src", &t->disco_src);
	json_u64(ob, "sport", t->disco_sport);
	json_key(ob, "via_derp");
	outbuf_str(ob, t->via_derp ? "true" : "false");
	if (t->via_derp && t->derp_key)
		json_hex(ob, "derp_key", t->derp_key, 32);
	if (!d)
		return;
	json_token(ob, "disco_type", fsc_disco_type_name(d->type));
	if (d->txid)
		json_hex(ob, "txid", d->txid, FSC_DISCO_TXID_LEN);
	if (d->node_key)
		json_hex(ob, "node_key", d->node_key, 32);
	if (d->type == FSC_DISCO_PONG)
		json_endpoint(pr, "pong_src", &d->pong_addr, d->pong_port);
	if (d->type == FSC_DISCO_CALL_ME_MAYBE)
		json_u64(ob, "endpoints", d->n_endpoints);
	json_u64(ob, "len", d->len);
}

static void print_json(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_packet *pkt = ev->pkt;

	outbuf_lit(ob, "{\"ts\":");
	outbuf_i64(ob, ev->ts_ns / 1000000000);
	outbuf_char(ob, '.');
	outbuf_i64_zpad(ob, ev->ts_ns % 1000000000 / 1000, 6);
	json_origin(pr, ev);
	if (ev->frame)
		json_u64(ob, "frame", ev->frame->number);
	json_token(ob, "type", ev->type == FSC_EV_TSDISCO ? "disco" : fsc_event_type_name(ev->type));
	if (ev->stream) {
		stream_json(pr, ev);
		json_tunnel(pr, ev);
		outbuf_char(ob, '}');
		outbuf_end_line(ob);
		return;
	}
	if (pkt->has_tscap) {
		json_token(ob, "path", fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family)
			json_addr(pr, "snat", &pkt->tscap.snat);
		if (pkt->tscap.dnat.family)
			json_addr(pr, "dnat", &pkt->tscap.dnat);
	}
	if (pkt->ipver && ev->type != FSC_EV_TSDISCO) {
		json_addr(pr, "src", &pkt->src);
		json_addr(pr, "dst", &pkt->dst);
		if (has_ports(pkt)) {
			json_u64(ob, "sport", pkt->sport);
			json_u64(ob, "dport", pkt->dport);
		}
	}
	switch (ev->type) {
	case FSC_EV_WG:
		json_wg(ob, ev);
		json_wgd(pr, ev);
		break;
	case FSC_EV_DISCO:
		if (ev->tun->u.disco.sender_key)
			json_hex(ob, "sender_key", ev->tun->u.disco.sender_key,
				 FSC_DISCO_KEY_LEN);
		json_u64(ob, "len", ev->tun->u.disco.len);
		break;
	case FSC_EV_STUN:
		json_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		json_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		json_u64(ob, "len", pkt->payload_wire_len);
		break;
	case FSC_EV_TCP: {
		char flags[12];
		json_key(ob, "flags");
		outbuf_char(ob, '"');
		outbuf_mem(ob, flags, tcp_flags(pkt->tcp_flags, flags));
		outbuf_char(ob, '"');
		json_u64(ob, "seq", pkt->seq);
		json_u64(ob, "ack", pkt->ack);
		json_u64(ob, "len", pkt->payload_wire_len);
		break;
	}
	case FSC_EV_IP:
		json_u64(ob, "proto", pkt->proto);
		json_u64(ob, "len", pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME:
		json_key(ob, "linktype");
		outbuf_i64(ob, ev->frame->linktype);
		json_u64(ob, "len", ev->frame->wirelen);
		break;
	default:
		break;
	}
	if (pkt->fragment) {
		outbuf_lit(ob, ",\"fragment\":{\"id\":");
		outbuf_u64(ob, pkt->frag_id);
		outbuf_lit(ob, ",\"offset\":");
		outbuf_u64(ob, pkt->frag_offset);
		outbuf_lit(ob, ",\"more\":");
		outbuf_str(ob, pkt->more_fragments ? "true}" : "false}");
	}
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		status_json(ob, ev);
	json_tunnel(pr, ev);
	outbuf_char(ob, '}');
	outbuf_end_line(ob);
}

/* Events that carry funnel meaning always print; the rest only with -v,
 * unless something is wrong with them. */
static bool wanted(const struct printer *pr, const struct fsc_event *ev)
{
	switch (ev->type) {
	case FSC_EV_WG:
	case FSC_EV_DISCO:
	case FSC_EV_STUN:
	case FSC_EV_TSDISCO:
	case FSC_EV_TLS_CLIENT_HELLO:
	case FSC_EV_TLS_SERVER_HELLO:
	case FSC_EV_HTTP_REQUEST:
	case FSC_EV_HTTP_RESPONSE:
	case FSC_EV_INGRESS:
	case FSC_EV_HTTP_RESPONSE_END:
		return true;
	case FSC_EV_HTTP_CLOSE:	/* for the request records, not a line */
		return false;
	case FSC_EV_FRAME:
		return pr->opt->verbose || ev->status == FSC_TRUNCATED ||
		       ev->status == FSC_MALFORMED;
	default:
		return pr->opt->verbose || ev->pkt->fragment || ev->status != FSC_OK;
	}
}

void print_event(const struct fsc_event *ev, void *ctx)
{
	struct printer *pr = ctx;

	if (ev->type == FSC_EV_STUN && ev->tun->u.stun.has_mapped && pr->clients)
		client_tally_add(pr->clients, &ev->tun->u.stun.mapped, 1,
				 ev->pkt->payload_wire_len);
	if (ev->stream && pr->agg)
		fsc_agg_event(pr->agg, ev);
	if (pr->opt->summary || !wanted(pr, ev))
		return;
	if (pr->opt->json)
		print_json(pr, ev);
	else
		print_text(pr, ev);
}
