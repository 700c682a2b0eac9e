/* print.c - one event as a text line or a JSON object (design.md contract). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fdecode.h"
#include "fsc/escape.h"

#define TEXT_MAX 512

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void print_time(struct printer *pr, int64_t ts_ns)
{
	FILE *out = pr->out;
	int64_t sec = ts_ns / 1000000000, usec = ts_ns % 1000000000 / 1000;

	if (!pr->have_prev) {
		pr->first_ns = pr->prev_ns = ts_ns;
		pr->have_prev = true;
	}
	switch (pr->opt->ts) {
	case TS_NONE:
		break;
	case TS_EPOCH:
		fprintf(out, "%" PRId64 ".%06" PRId64 " ", sec, usec);
		break;
	case TS_DELTA:
	case TS_SINCE_FIRST: {
		int64_t d = ts_ns - (pr->opt->ts == TS_DELTA ? pr->prev_ns : pr->first_ns);
		const char *sign = d < 0 ? "-" : "";
		if (d < 0)
			d = -d;
		fprintf(out, "%s%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%06" PRId64 " ",
			sign, d / 3600000000000, d / 60000000000 % 60,
			d / 1000000000 % 60, d % 1000000000 / 1000);
		break;
	}
	case TS_LOCAL:
	case TS_DATE:
		if (sec != pr->cached_sec || !pr->cached_hms[0]) {
			time_t t = (time_t)sec;
			struct tm tm;
			localtime_r(&t, &tm);
			strftime(pr->cached_hms, sizeof(pr->cached_hms),
				 pr->opt->ts == TS_DATE ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
			pr->cached_sec = sec;
		}
		fprintf(out, "%s.%06" PRId64 " ", pr->cached_hms, usec);
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
	char s[FSC_ENDPOINT_STRLEN];

	fputs(port >= 0 ? fsc_endpoint_str(a, (uint16_t)port, s) : fsc_addr_str(a, s), pr->out);
	enrich_text(pr->enr, pr->out, a);
}

static void text_endpoints(struct printer *pr, const struct fsc_packet *pkt)
{
	FILE *out = pr->out;
	bool ports = has_ports(pkt);

	if (pkt->has_tscap) {
		fprintf(out, "[%s", fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family) {
			fputs(" snat ", out);
			text_addr(pr, &pkt->tscap.snat, -1);
		}
		if (pkt->tscap.dnat.family) {
			fputs(" dnat ", out);
			text_addr(pr, &pkt->tscap.dnat, -1);
		}
		fputs("] ", out);
	}
	if (!pkt->ipver)
		return;
	text_addr(pr, &pkt->src, ports ? pkt->sport : -1);
	fputs(" > ", out);
	text_addr(pr, &pkt->dst, ports ? pkt->dport : -1);
	fputs(": ", out);
}

static void text_wg(FILE *out, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	fprintf(out, "wg %s", fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE)
		fprintf(out, " sender 0x%08" PRIx32, m->sender);
	if (m->type != FSC_WG_INITIATION)
		fprintf(out, " receiver 0x%08" PRIx32, m->receiver);
	if (m->type == FSC_WG_TRANSPORT)
		fprintf(out, " counter %" PRIu64, m->counter);
	fprintf(out, " len %zu", m->len);
	if (ev->wg.rtt_ns >= 0)
		fprintf(out, " rtt %.3fms", (double)ev->wg.rtt_ns / 1e6);
	if (m->under_load)
		fputs(" mac2 (under load)", out);
	if (ev->wg.session)
		fprintf(out, " session %" PRIu32, ev->wg.session);
	if (ev->wg.unknown_index)
		fputs(" (index not seen announced)", out);
	if (ev->wg.roamed)
		fputs(" (endpoint moved)", out);
}

static void text_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	FILE *out = pr->out;
	char tx[2 * FSC_STUN_TXID_LEN + 1], sw[TEXT_MAX];
	const char *method = fsc_stun_method_name(m->method);

	hex(m->txid, FSC_STUN_TXID_LEN, tx);
	if (method)
		fprintf(out, "stun %s %s txid %s", method, fsc_stun_class_name(m->cls), tx);
	else
		fprintf(out, "stun method 0x%03x %s txid %s", m->method,
			fsc_stun_class_name(m->cls), tx);
	if (m->has_mapped) {
		fprintf(out, " %s ", m->mapped_xor ? "xor-mapped" : "mapped");
		text_addr(pr, &m->mapped, m->mapped_port);
	}
	if (m->error_code)
		fprintf(out, " error %u", m->error_code);
	if (m->software) {
		fsc_escape_text(m->software, m->software_len, sw, sizeof(sw));
		fprintf(out, " software \"%s\"", sw);
	}
	if (m->has_fingerprint)
		fputs(" fingerprint", out);
}

static void text_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	FILE *out = pr->out;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;
	char h[65];

	fputs("[disco] ", out);
	text_addr(pr, &t->disco_src, t->disco_sport);
	if (t->via_derp && t->derp_key) {
		hex(t->derp_key, 8, h);
		fprintf(out, " via DERP %s", h);
	}
	fputs(": disco ", out);
	if (!d) {
		fputs("(unreadable)", out);
		return;
	}
	fputs(fsc_disco_type_name(d->type), out);
	if (d->txid) {
		hex(d->txid, FSC_DISCO_TXID_LEN, h);
		fprintf(out, " txid %s", h);
	}
	if (d->node_key) {
		hex(d->node_key, 8, h);
		fprintf(out, " nodekey %s...", h);
	}
	if (d->type == FSC_DISCO_PING && d->padding)
		fprintf(out, " padding %zu", d->padding);
	if (d->type == FSC_DISCO_PONG) {
		fputs(" src ", out);
		text_addr(pr, &d->pong_addr, d->pong_port);
	}
	if (d->type == FSC_DISCO_CALL_ME_MAYBE)
		fprintf(out, " endpoints %zu", d->n_endpoints);
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

static void tcp_flags(uint8_t flags, char *out)
{
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			out[n++] = i == 4 ? '.' : tcp_flag_chars[i];
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

static void print_text(struct printer *pr, const struct fsc_event *ev)
{
	FILE *out = pr->out;
	const struct fsc_packet *pkt = ev->pkt;
	char flags[12];

	print_time(pr, ev->ts_ns);
	if (ev->stream) {
		stream_text(pr, ev);
		fputc('\n', out);
		return;
	}
	if (ev->type != FSC_EV_TSDISCO)
		text_endpoints(pr, pkt);
	switch (ev->type) {
	case FSC_EV_WG:
		text_wg(out, ev);
		break;
	case FSC_EV_DISCO: {
		char k[65];
		hex(ev->tun->u.disco.sender_key, FSC_DISCO_KEY_LEN, k);
		fprintf(out, "disco from d:%.16s len %zu", k, ev->tun->u.disco.len);
		break;
	}
	case FSC_EV_STUN:
		text_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		text_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		fprintf(out, "udp len %zu", pkt->payload_wire_len);
		break;
	case FSC_EV_TCP:
		tcp_flags(pkt->tcp_flags, flags);
		fprintf(out, "tcp [%s] seq %" PRIu32, flags, pkt->seq);
		if (pkt->tcp_flags & FSC_TCP_ACK)
			fprintf(out, " ack %" PRIu32, pkt->ack);
		fprintf(out, " win %u len %zu", pkt->window, pkt->payload_wire_len);
		break;
	case FSC_EV_IP:
		if (pkt->fragment && !pkt->first_fragment)
			fprintf(out, "ip fragment id 0x%" PRIx32 " offset %u proto %u len %zu",
				pkt->frag_id, pkt->frag_offset, pkt->proto,
				pkt->payload_wire_len);
		else if (ip_proto_name(pkt->proto))
			fprintf(out, "%s len %zu", ip_proto_name(pkt->proto), pkt->payload_wire_len);
		else
			fprintf(out, "ip proto %u len %zu", pkt->proto, pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME: {
		const char *lt = fsc_linktype_name(ev->frame->linktype);
		if (lt)
			fprintf(out, "frame %s", lt);
		else
			fprintf(out, "frame linktype %d", ev->frame->linktype);
		if (pkt->ethertype)
			fprintf(out, " ethertype 0x%04x", pkt->ethertype);
		fprintf(out, " len %" PRIu32, ev->frame->wirelen);
		break;
	}
	default:
		break;
	}
	if (pkt->first_fragment)
		fprintf(out, " (first fragment id 0x%" PRIx32 ")", pkt->frag_id);
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		fprintf(out, " (%s: %s)", fsc_status_name(ev->status), ev->why);
	fputc('\n', out);
}

/* JSON: keys in a fixed order; strings from packets escaped. */
void json_str(FILE *out, const char *key, const uint8_t *s, size_t n)
{
	/* Room for a whole head's worth of value: JSON never cuts a field. */
	static char buf[FSC_ESCAPE_JSON_CAP(65536)];

	fsc_escape_json(s, n, buf, sizeof(buf));
	fprintf(out, ",\"%s\":\"%s\"", key, buf);
}

static void json_hex(FILE *out, const char *key, const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	hex(p, n, buf);
	fprintf(out, ",\"%s\":\"%s\"", key, buf);
}

static void json_wg(FILE *out, const struct fsc_event *ev)
{
	const struct fsc_wg_msg *m = &ev->tun->u.wg;

	fprintf(out, ",\"msg\":\"%s\"", fsc_wg_msg_name(m));
	if (m->type == FSC_WG_INITIATION || m->type == FSC_WG_RESPONSE)
		fprintf(out, ",\"sender\":%" PRIu32, m->sender);
	if (m->type != FSC_WG_INITIATION)
		fprintf(out, ",\"receiver\":%" PRIu32, m->receiver);
	if (m->type == FSC_WG_TRANSPORT)
		fprintf(out, ",\"counter\":%" PRIu64, m->counter);
	fprintf(out, ",\"len\":%zu", m->len);
	if (ev->wg.session)
		fprintf(out, ",\"session\":%" PRIu32, ev->wg.session);
	if (ev->wg.rtt_ns >= 0)
		fprintf(out, ",\"rtt_ms\":%.3f", (double)ev->wg.rtt_ns / 1e6);
	if (m->under_load)
		fputs(",\"under_load\":true", out);
	if (ev->wg.roamed)
		fputs(",\"roamed\":true", out);
}

static void json_stun(struct printer *pr, const struct fsc_stun_msg *m)
{
	FILE *out = pr->out;
	char ep[FSC_ENDPOINT_STRLEN];
	const char *method = fsc_stun_method_name(m->method);

	if (method)
		fprintf(out, ",\"method\":\"%s\"", method);
	else
		fprintf(out, ",\"method\":\"0x%03x\"", m->method);
	fprintf(out, ",\"class\":\"%s\"", fsc_stun_class_name(m->cls));
	json_hex(out, "txid", m->txid, FSC_STUN_TXID_LEN);
	if (m->has_mapped) {
		fprintf(out, ",\"mapped\":\"%s\"",
			fsc_endpoint_str(&m->mapped, m->mapped_port, ep));
		enrich_json(pr->enr, out, "mapped", &m->mapped);
	}
	if (m->error_code)
		fprintf(out, ",\"error_code\":%u", m->error_code);
	if (m->software)
		json_str(out, "software", m->software, m->software_len);
}

static void json_tsdisco(struct printer *pr, const struct fsc_event *ev)
{
	FILE *out = pr->out;
	const struct fsc_tscap *t = &ev->pkt->tscap;
	const struct fsc_disco_plain *d = ev->disco;
	char a[FSC_ADDR_STRLEN], ep[FSC_ENDPOINT_STRLEN];

	fprintf(out, ",\"src\":\"%s\"", fsc_addr_str(&t->disco_src, a));
	enrich_json(pr->enr, out, "src", &t->disco_src);
	fprintf(out, ",\"sport\":%u", t->disco_sport);
	fprintf(out, ",\"via_derp\":%s", t->via_derp ? "true" : "false");
	if (t->via_derp && t->derp_key)
		json_hex(out, "derp_key", t->derp_key, 32);
	if (!d)
		return;
	fprintf(out, ",\"disco_type\":\"%s\"", fsc_disco_type_name(d->type));
	if (d->txid)
		json_hex(out, "txid", d->txid, FSC_DISCO_TXID_LEN);
	if (d->node_key)
		json_hex(out, "node_key", d->node_key, 32);
	if (d->type == FSC_DISCO_PONG) {
		fprintf(out, ",\"pong_src\":\"%s\"",
			fsc_endpoint_str(&d->pong_addr, d->pong_port, ep));
		enrich_json(pr->enr, out, "pong_src", &d->pong_addr);
	}
	if (d->type == FSC_DISCO_CALL_ME_MAYBE)
		fprintf(out, ",\"endpoints\":%zu", d->n_endpoints);
	fprintf(out, ",\"len\":%zu", d->len);
}

static void print_json(struct printer *pr, const struct fsc_event *ev)
{
	FILE *out = pr->out;
	const struct fsc_packet *pkt = ev->pkt;
	char a[FSC_ADDR_STRLEN];

	fprintf(out, "{\"ts\":%" PRId64 ".%06" PRId64, ev->ts_ns / 1000000000,
		ev->ts_ns % 1000000000 / 1000);
	if (pr->name_file)
		json_str(out, "file", (const uint8_t *)pr->file, strlen(pr->file));
	if (ev->frame)
		fprintf(out, ",\"frame\":%" PRIu64, ev->frame->number);
	fprintf(out, ",\"type\":\"%s\"",
		ev->type == FSC_EV_TSDISCO ? "disco" : fsc_event_type_name(ev->type));
	if (ev->stream) {
		stream_json(pr, ev);
		fputs("}\n", out);
		return;
	}
	if (pkt->has_tscap) {
		fprintf(out, ",\"path\":\"%s\"", fsc_tscap_path_name(pkt->tscap.path));
		if (pkt->tscap.snat.family) {
			fprintf(out, ",\"snat\":\"%s\"", fsc_addr_str(&pkt->tscap.snat, a));
			enrich_json(pr->enr, out, "snat", &pkt->tscap.snat);
		}
		if (pkt->tscap.dnat.family) {
			fprintf(out, ",\"dnat\":\"%s\"", fsc_addr_str(&pkt->tscap.dnat, a));
			enrich_json(pr->enr, out, "dnat", &pkt->tscap.dnat);
		}
	}
	if (pkt->ipver && ev->type != FSC_EV_TSDISCO) {
		fprintf(out, ",\"src\":\"%s\"", fsc_addr_str(&pkt->src, a));
		enrich_json(pr->enr, out, "src", &pkt->src);
		fprintf(out, ",\"dst\":\"%s\"", fsc_addr_str(&pkt->dst, a));
		enrich_json(pr->enr, out, "dst", &pkt->dst);
		if (has_ports(pkt))
			fprintf(out, ",\"sport\":%u,\"dport\":%u", pkt->sport, pkt->dport);
	}
	switch (ev->type) {
	case FSC_EV_WG:
		json_wg(out, ev);
		break;
	case FSC_EV_DISCO:
		json_hex(out, "sender_key", ev->tun->u.disco.sender_key, FSC_DISCO_KEY_LEN);
		fprintf(out, ",\"len\":%zu", ev->tun->u.disco.len);
		break;
	case FSC_EV_STUN:
		json_stun(pr, &ev->tun->u.stun);
		break;
	case FSC_EV_TSDISCO:
		json_tsdisco(pr, ev);
		break;
	case FSC_EV_UDP:
		fprintf(out, ",\"len\":%zu", pkt->payload_wire_len);
		break;
	case FSC_EV_TCP: {
		char flags[12];
		tcp_flags(pkt->tcp_flags, flags);
		fprintf(out, ",\"flags\":\"%s\",\"seq\":%" PRIu32 ",\"ack\":%" PRIu32
			",\"len\":%zu", flags, pkt->seq, pkt->ack, pkt->payload_wire_len);
		break;
	}
	case FSC_EV_IP:
		fprintf(out, ",\"proto\":%u,\"len\":%zu", pkt->proto, pkt->payload_wire_len);
		break;
	case FSC_EV_FRAME:
		fprintf(out, ",\"linktype\":%d,\"len\":%" PRIu32, ev->frame->linktype,
			ev->frame->wirelen);
		break;
	default:
		break;
	}
	if (pkt->fragment)
		fprintf(out, ",\"fragment\":{\"id\":%" PRIu32 ",\"offset\":%u,\"more\":%s}",
			pkt->frag_id, pkt->frag_offset, pkt->more_fragments ? "true" : "false");
	if (ev->status != FSC_OK && !(ev->type == FSC_EV_FRAME && ev->status == FSC_NOT_THIS))
		fprintf(out, ",\"decode_status\":\"%s\",\"decode_reason\":\"%s\"",
			fsc_status_name(ev->status), ev->why);
	fputs("}\n", out);
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
		return true;
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
	if (ev->type == FSC_EV_HTTP_REQUEST && ev->stream->u.req.client && pr->clients)
		client_tally_request(pr->clients, &ev->stream->u.req.client->addr);
	if (ev->stream)
		web_event(pr->web, ev);
	if (pr->opt->summary || !wanted(pr, ev))
		return;
	if (pr->opt->json)
		print_json(pr, ev);
	else
		print_text(pr, ev);
}
