/* counters.c - the pipeline's counters, one table (see fsc/counters.h). */
#include "fsc/counters.h"

#include "fsc/streams.h"
#include "fsc/wgsess.h"

enum id {
	C_PACKETS, C_BYTES, C_FIRST, C_LAST, C_IPV4, C_IPV6, C_TRUNCATED, C_MALFORMED,
	C_FRAGMENTS, C_WG_INIT, C_WG_RESP, C_WG_COOKIE, C_WG_TRANSPORT, C_WG_KEEPALIVE,
	C_DISCO, C_STUN, C_UDP, C_TCP, C_WG_SESS_EVICTED, C_WG_PEERS_EVICTED, C_HELLO,
	C_SERVER_HELLO, C_REQUESTS, C_RESPONSES, C_INGRESS, C_FLOWS, C_GAPS, C_FLOWS_EVICTED,
	C_UNMATCHED, C_UNANSWERED, C_SNAPLEN, C_LINKTYPE, C_ORPHAN_RESP, C_ORPHAN_TRANSPORT,
	C_ROAMS, C_TLS_MALFORMED, C_HTTP_MALFORMED, C_RESYNCS, C_SMUGGLING, C_CONTRADICTIONS,
	C_CAP_HITS, C_MEM_HITS, C_STREAMS_EXHAUSTED, C_TLS_BUFFERS,
};

#define P FSC_CS_PACKETS
#define S FSC_CS_STREAMS
#define CNT FSC_COUNTER, FSC_UNIT_COUNT
/* One family's help, shared by its labelled rows (Prometheus prints it once). */
#define HELP_STREAM_MESSAGES \
	"TLS hellos, HTTP requests and responses and ingress handshakes read from TCP streams."

static const struct fsc_counter rows[] = {
	{ "packets", "packets_total", NULL, NULL, "Frames read.", CNT, P, 0, NULL, NULL,
	  C_PACKETS },
	{ "bytes", "packet_bytes_total", NULL, NULL, "Bytes of the frames read, as on the wire.",
	  CNT, P, 0, NULL, NULL, C_BYTES },
	{ "first_ts", "capture_first_timestamp_seconds", NULL, NULL,
	  "Time of the first frame.", FSC_GAUGE, FSC_UNIT_TIME_NS, P, 0, NULL, NULL, C_FIRST },
	{ "last_ts", "capture_last_timestamp_seconds", NULL, NULL, "Time of the newest frame.",
	  FSC_GAUGE, FSC_UNIT_TIME_NS, P, 0, NULL, NULL, C_LAST },
	{ "ipv4", "ip_packets_total", "version", "4", "IP packets by version.", CNT, P, 0, NULL,
	  NULL, C_IPV4 },
	{ "ipv6", "ip_packets_total", "version", "6", "IP packets by version.", CNT, P, 0, NULL,
	  NULL, C_IPV6 },
	{ "truncated", "packets_truncated_total", NULL, NULL,
	  "Packets whose decoding ran out of bytes.", CNT, P, 1, "packets truncated", NULL,
	  C_TRUNCATED },
	{ "malformed", "packets_malformed_total", NULL, NULL,
	  "Packets that break their protocol's grammar.", CNT, P, 2, "packets malformed", NULL,
	  C_MALFORMED },
	{ NULL, "packets_snaplen_cut_total", NULL, NULL,
	  "Frames captured shorter than on the wire.", CNT, P, 3,
	  "payloads cut by the snapshot length", NULL, C_SNAPLEN },
	{ "fragments", "ip_fragments_total", NULL, NULL, "IP fragments.", CNT, P, 4,
	  "IP fragments", "not first: not decoded", C_FRAGMENTS },
	{ NULL, "frames_unsupported_linktype_total", NULL, NULL,
	  "Frames of a link type not decoded.", CNT, P, 5, "frames of an unsupported link type",
	  NULL, C_LINKTYPE },
	{ "wg.initiation", "wg_messages_total", "type", "initiation",
	  "WireGuard messages by type.", CNT, P, 0, NULL, NULL, C_WG_INIT },
	{ "wg.response", "wg_messages_total", "type", "response", "WireGuard messages by type.",
	  CNT, P, 0, NULL, NULL, C_WG_RESP },
	{ "wg.cookie", "wg_messages_total", "type", "cookie", "WireGuard messages by type.", CNT,
	  P, 0, NULL, NULL, C_WG_COOKIE },
	{ "wg.transport", "wg_messages_total", "type", "transport",
	  "WireGuard messages by type.", CNT, P, 0, NULL, NULL, C_WG_TRANSPORT },
	{ "wg.keepalive", "wg_messages_total", "type", "keepalive",
	  "WireGuard messages by type.", CNT, P, 0, NULL, NULL, C_WG_KEEPALIVE },
	{ "disco", "disco_messages_total", NULL, NULL,
	  "Tailscale disco messages (sealed and from debug captures).", CNT, P, 0, NULL, NULL,
	  C_DISCO },
	{ "stun", "stun_messages_total", NULL, NULL, "STUN messages.", CNT, P, 0, NULL, NULL,
	  C_STUN },
	{ "udp", "udp_other_total", NULL, NULL, "UDP datagrams neither WireGuard, disco nor STUN.",
	  CNT, P, 0, NULL, NULL, C_UDP },
	{ "tcp", "tcp_segments_total", NULL, NULL, "TCP segments.", CNT, P, 0, NULL, NULL,
	  C_TCP },
	{ NULL, "wg_orphan_responses_total", NULL, NULL,
	  "WireGuard responses to initiations not seen.", CNT, P, 6,
	  "wg responses to initiations not in the capture", NULL, C_ORPHAN_RESP },
	{ NULL, "wg_orphan_transport_total", NULL, NULL,
	  "WireGuard transport packets to indices not seen announced.", CNT, P, 7,
	  "wg transport packets to indices not announced in the capture", NULL,
	  C_ORPHAN_TRANSPORT },
	{ NULL, "wg_roams_total", NULL, NULL,
	  "WireGuard sessions that followed their peer to a new endpoint.", CNT, P, 8,
	  "times a wg session followed its peer to a new endpoint", NULL, C_ROAMS },
	{ "wg_sessions_evicted", "wg_sessions_evicted_total", NULL, NULL,
	  "WireGuard sessions evicted at the limit.", CNT, P, 9,
	  "wg sessions evicted (limit reached)", NULL, C_WG_SESS_EVICTED },
	{ "wg_peers_evicted", "wg_peers_evicted_total", NULL, NULL,
	  "WireGuard peers evicted at the limit.", CNT, P, 10, "wg peers evicted (limit reached)",
	  NULL, C_WG_PEERS_EVICTED },
	{ "tls_client_hello", "stream_messages_total", "type", "tls_client_hello",
	  HELP_STREAM_MESSAGES, CNT, S, 0, NULL, NULL, C_HELLO },
	{ "tls_server_hello", "stream_messages_total", "type", "tls_server_hello",
	  HELP_STREAM_MESSAGES, CNT, S, 0, NULL, NULL, C_SERVER_HELLO },
	{ "http_request", "stream_messages_total", "type", "http_request",
	  HELP_STREAM_MESSAGES, CNT, S, 0, NULL, NULL, C_REQUESTS },
	{ "http_response", "stream_messages_total", "type", "http_response",
	  HELP_STREAM_MESSAGES, CNT, S, 0, NULL, NULL, C_RESPONSES },
	{ "ingress", "stream_messages_total", "type", "ingress",
	  HELP_STREAM_MESSAGES, CNT, S, 0, NULL, NULL, C_INGRESS },
	{ NULL, "stream_malformed_total", "proto", "tls", "Messages malformed, by protocol.",
	  CNT, S, 1, "TLS hellos malformed", NULL, C_TLS_MALFORMED },
	{ NULL, "stream_malformed_total", "proto", "http", "Messages malformed, by protocol.",
	  CNT, S, 2, "HTTP heads or bodies malformed", NULL, C_HTTP_MALFORMED },
	{ "tcp_flows", "tcp_flows_total", NULL, NULL, "TCP connections opened.", CNT, S, 0, NULL,
	  NULL, C_FLOWS },
	{ "tcp_gaps", "tcp_gaps_total", NULL, NULL,
	  "Gaps in TCP streams (bytes never captured).", CNT, S, 7, "TCP gaps",
	  "bytes never captured", C_GAPS },
	{ "tcp_flows_evicted", "tcp_flows_evicted_total", NULL, NULL,
	  "TCP flows evicted at --max-flows.", CNT, S, 9,
	  "TCP flows evicted (--max-flows reached)", NULL, C_FLOWS_EVICTED },
	{ "unmatched_responses", "http_unmatched_responses_total", NULL, NULL,
	  "HTTP responses to requests not seen.", CNT, S, 3,
	  "HTTP responses to requests not seen", NULL, C_UNMATCHED },
	{ "unanswered_requests", "http_unanswered_requests_total", NULL, NULL,
	  "HTTP requests open when their connection closed.", CNT, S, 4,
	  "HTTP requests without a response", NULL, C_UNANSWERED },
	{ NULL, "http_resyncs_total", NULL, NULL,
	  "HTTP heads found again after bytes that could not be read.", CNT, S, 5,
	  "times HTTP was found again after bytes that could not be read (a gap, a "
	  "mid-stream start, a broken head or body)", NULL, C_RESYNCS },
	{ NULL, "http_smuggling_suspects_total", NULL, NULL,
	  "HTTP messages after a body readers may frame differently.", CNT, S, 6,
	  "HTTP messages after a body that readers may frame differently (request "
	  "smuggling suspects)", NULL, C_SMUGGLING },
	{ NULL, "tcp_contradictions_total", NULL, NULL,
	  "TCP retransmissions that contradict the first copy.", CNT, S, 8,
	  "TCP retransmissions that contradict the first copy", "bytes", C_CONTRADICTIONS },
	{ NULL, "tcp_buffer_cap_hits_total", NULL, NULL,
	  "TCP directions that hit the per-flow buffer cap.", CNT, S, 10,
	  "TCP directions hit the per-flow buffer cap (--flow-buffer)", NULL, C_CAP_HITS },
	{ NULL, "tcp_memory_refusals_total", NULL, NULL,
	  "TCP buffers refused by the memory cap.", CNT, S, 11,
	  "TCP buffers refused by the memory cap (--flow-memory)", NULL, C_MEM_HITS },
	{ NULL, "streams_exhausted_total", NULL, NULL,
	  "Connections not parsed: --max-streams reached.", CNT, S, 12,
	  "connections not parsed: --max-streams reached", NULL, C_STREAMS_EXHAUSTED },
	{ NULL, "tls_buffers_exhausted_total", NULL, NULL,
	  "TLS handshakes not read: all reassembly buffers busy.", CNT, S, 13,
	  "TLS handshakes not read: all reassembly buffers busy", NULL, C_TLS_BUFFERS },
};

const struct fsc_counter *fsc_counters(size_t *n)
{
	*n = sizeof(rows) / sizeof(rows[0]);
	return rows;
}

uint64_t fsc_counter_value(const struct fsc_counter *c, const struct fsc_pipeline *pl)
{
	const struct fsc_pipeline_stats *st = fsc_pipeline_stats(pl);
	const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(fsc_pipeline_wg(pl));
	const struct fsc_stream_stats *ss = fsc_streams_stats(fsc_pipeline_streams(pl));
	const struct fsc_flow_stats *fs = fsc_streams_flow_stats(fsc_pipeline_streams(pl));
	uint64_t gaps = 0;

	switch ((enum id)c->id_) {
	case C_PACKETS: return st->frames;
	case C_BYTES: return st->bytes;
	case C_FIRST: return (uint64_t)st->first_ns;
	case C_LAST: return (uint64_t)st->last_ns;
	case C_IPV4: return st->ipv4;
	case C_IPV6: return st->ipv6;
	case C_TRUNCATED: return st->truncated;
	case C_MALFORMED: return st->malformed;
	case C_FRAGMENTS: return st->fragments;
	case C_WG_INIT: return st->wg_msgs[1];
	case C_WG_RESP: return st->wg_msgs[2];
	case C_WG_COOKIE: return st->wg_msgs[3];
	case C_WG_TRANSPORT: return st->wg_msgs[4];
	case C_WG_KEEPALIVE: return st->wg_msgs[5];
	case C_DISCO: return st->events[FSC_EV_DISCO] + st->events[FSC_EV_TSDISCO];
	case C_STUN: return st->events[FSC_EV_STUN];
	case C_UDP: return st->events[FSC_EV_UDP];
	case C_TCP: return st->events[FSC_EV_TCP];
	case C_WG_SESS_EVICTED: return ws->sessions_evicted;
	case C_WG_PEERS_EVICTED: return ws->peers_evicted;
	case C_HELLO: return ss->client_hellos;
	case C_SERVER_HELLO: return ss->server_hellos;
	case C_REQUESTS: return ss->requests;
	case C_RESPONSES: return ss->responses;
	case C_INGRESS: return ss->ingress;
	case C_FLOWS: return fs->flows;
	case C_GAPS:
		for (int i = 1; i < FSC_GAP_COUNT; i++) /* a mid-stream start is no loss */
			gaps += fs->gaps[i];
		return gaps;
	case C_FLOWS_EVICTED: return fs->closed[FSC_CLOSE_EVICTED];
	case C_UNMATCHED: return ss->unmatched_responses;
	case C_UNANSWERED: return ss->unanswered_requests;
	case C_SNAPLEN: return st->snaplen_cut;
	case C_LINKTYPE: return st->unsupported_linktype;
	case C_ORPHAN_RESP: return ws->orphan_responses;
	case C_ORPHAN_TRANSPORT: return ws->orphan_transport;
	case C_ROAMS: return ws->roams;
	case C_TLS_MALFORMED: return ss->tls_malformed;
	case C_HTTP_MALFORMED: return ss->http_malformed;
	case C_RESYNCS: return ss->resyncs;
	case C_SMUGGLING: return ss->smuggling_suspects;
	case C_CONTRADICTIONS: return fs->contradictions;
	case C_CAP_HITS: return fs->cap_hits;
	case C_MEM_HITS: return fs->mem_hits;
	case C_STREAMS_EXHAUSTED: return ss->streams_exhausted;
	case C_TLS_BUFFERS: return ss->tls_buffers_exhausted;
	}
	return 0;
}

uint64_t fsc_counter_more(const struct fsc_counter *c, const struct fsc_pipeline *pl)
{
	const struct fsc_pipeline_stats *st = fsc_pipeline_stats(pl);
	const struct fsc_flow_stats *fs = fsc_streams_flow_stats(fsc_pipeline_streams(pl));

	switch (c->id_) {
	case C_FRAGMENTS: return st->later_fragments;
	case C_GAPS: return fs->gap_bytes;
	case C_CONTRADICTIONS: return fs->contradiction_bytes;
	default: return 0;
	}
}
