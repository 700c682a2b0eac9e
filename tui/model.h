/* model.h - what fwatch shows, apart from how it is shown: funnel events
 * (fsc/pipeline.h) aggregated into bounded tables. No curses here; the
 * screen (view.c) and the plain-text dump (dump.c) only read this.
 *
 *   requests   a ring of the last max_requests HTTP requests, each with its
 *              client (by the client rule, fsc/client.h), response status,
 *              latency and sizes; the oldest is overwritten. Heads and
 *              X-Forwarded-For hops for Detail live in a byte ring of
 *              detail_bytes: a request whose head was overwritten there
 *              still shows its row, and says so in Detail.
 *   clients    } the one aggregation (fsc/agg.h), as fdecode --summary and
 *   hosts      } the metrics have it: clients by the client rule (requests,
 *              bytes, status mix, first/last seen, country and AS), host
 *              names with counts, status mix, latency to the first and the
 *              last byte, mismatches; least recently seen evicted past
 *              max_clients and max_hosts.
 *   endpoints  disco and STUN activity per pair of UDP endpoints (the
 *              aggregation's too); bounded the same way.
 *   ingress    the last Funnel ingress handshake seen for each client
 *              address (Detail shows it beside that client's requests).
 *   tunnel     the WireGuard tracker's peers and sessions (fsc/wgsess.h),
 *              read where they are; the model adds per-peer rates.
 *   rates      packets, bytes, requests and WireGuard messages per second
 *              of capture time, the last TUI_HIST seconds.
 *   stories    the correlation stage's (fsc/correlate.h), given by the
 *              caller: each goes to its loopback request's row (or, told
 *              without one, to its ingress handshake's row) as the stretch
 *              times the stage bar draws; the newest max_stories are kept
 *              whole for Detail's chain.
 *
 * Strings copied from packets are kept as raw bytes with their length
 * (cut to the field's size, `*_cut` set): escaping is the reader's, through
 * fsc/escape.h (table.c does it for both outputs). Time is capture time:
 * "now" is the newest timestamp seen, or the clock given to
 * tui_model_tick (live), whichever is later.
 */
#ifndef TUI_MODEL_H
#define TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/agg.h"
#include "fsc/client.h"
#include "fsc/clocksync.h"
#include "fsc/correlate.h"
#include "fsc/pipeline.h"
#include "fsc/source.h"
#include "fsc/wgsess.h"

struct fsc_enrich;

#define TUI_METHOD_MAX 16
#define TUI_HOST_MAX 128
#define TUI_PATH_MAX 256
#define TUI_HIST 300		/* seconds of rate history */
#define TUI_MAX_IFACES 16

struct tui_model_limits {
	uint32_t max_requests;	/* requests kept; 0: 10000 */
	uint32_t max_clients;	/* 0: 4096 */
	uint32_t max_hosts;	/* 0: 1024 */
	uint32_t max_endpoints;	/* disco/STUN endpoint pairs; 0: 1024 */
	size_t detail_bytes;	/* heads and hops for Detail; 0: 4 MiB */
	int64_t new_client_ns;	/* a client first seen this recently is new;
				 * 0: 60 s */
	uint32_t max_stories;	/* stories kept whole for Detail; 0: 2048 */
};

struct tui_request {
	uint64_t seq;		/* 1, 2, ... in order of arrival */
	int64_t ts_ns;		/* the request head was complete */
	int64_t resp_ns;	/* the final response head; 0: none yet */
	int64_t latency_ns;	/* request head -> final response head */
	uint64_t flow_id;	/* fsc_flow.id of the connection */
	unsigned index;		/* 1-based request number on it */
	struct fsc_addr src, dst;
	uint16_t sport, dport;
	struct fsc_addr client;	/* family 0 when no rule gave one */
	enum fsc_client_rule rule;
	bool has_claimed;
	struct fsc_addr claimed;
	int status;		/* final status; an interim 1xx until one
				 * comes; 0 none */
	int64_t req_body;	/* request Content-Length; -1 none */
	int64_t resp_body;	/* response Content-Length; -1 unknown */
	bool resp_chunked;
	bool funnel;		/* Tailscale-Funnel-Request: ?1 */
	bool ingress;		/* an ingress handshake: host[] is its
				 * Tailscale-Ingress-Target, the public name */
	bool malformed;		/* the head could not be read whole */
	uint8_t minor;		/* HTTP/1.<minor> */
	uint16_t method_len, host_len, path_len;
	bool host_cut, path_cut;
	char method[TUI_METHOD_MAX];
	char host[TUI_HOST_MAX];	/* Host as sent (port kept), or the ingress
					 * target */
	char path[TUI_PATH_MAX];	/* the request target */
	char country[4];		/* of the client, "" unknown */
	uint32_t asn;			/* of the client, 0 unknown */
	uint64_t detail_pos;		/* in the detail ring */
	uint32_t detail_len;		/* 0: nothing kept */
	/* its story (tui_model_story): 0 none; the stretches, -1 unseen */
	uint64_t story_id;
	int64_t stretch[FSC_STRETCH_COUNT];
};

/* The latest ingress handshake of one client address. */
struct tui_ingress {
	struct fsc_addr client;
	uint16_t client_port;
	int64_t ts_ns;
	int status;		/* the node's answer; 0 none seen */
	uint16_t src_len, target_len, sni_len;
	bool has_sni;
	char src[64];		/* Tailscale-Ingress-Src as sent */
	char target[TUI_HOST_MAX];
	char sni[TUI_HOST_MAX];
};

/* Per-second rates of one tunnel peer, both directions (by fsc_wg_peer
 * ep[0] -> ep[1] = [0]). Measured between ticks at least a second apart. */
struct tui_peer_rate {
	double bytes_s[2], packets_s[2];
	bool valid;
};

enum tui_series {
	TUI_S_PACKETS,
	TUI_S_BYTES,
	TUI_S_REQUESTS,
	TUI_S_WG,
	TUI_S_COUNT
};

struct tui_totals {
	uint64_t frames, bytes;
	uint64_t iface_frames[TUI_MAX_IFACES];
	uint64_t requests, responses, unmatched_responses;
	uint64_t tls_hellos, ingress;
	uint64_t wg, disco, stun, tsdisco;
	uint64_t malformed, truncated;	/* frames with a decoding problem */
	uint64_t requests_evicted;	/* overwritten in the ring */
	uint64_t details_lost;		/* heads overwritten in the detail ring */
	uint64_t clients_evicted, hosts_evicted, endpoints_evicted;
	int64_t first_ns, last_ns;	/* capture time of the first/last event */
};

/* One header of a request kept for Detail (raw bytes, untrusted). */
struct tui_header {
	const char *name, *value;
	size_t name_len, value_len;
};

/* One X-Forwarded-For element or Forwarded for= node, classified. */
struct tui_hop {
	const char *text;	/* as sent */
	size_t text_len;
	const char *cls;	/* fsc_hop_class_name */
	const char *skip;	/* fsc_hop_skip_name, or NULL: kept */
	struct fsc_addr addr;	/* family 0 when not an address */
	struct fsc_addr v4;	/* a 4to6 hop's 100.x address, or family 0 */
};

#define TUI_DETAIL_HEADERS 128
#define TUI_DETAIL_HOPS 32

/* A request's head and hops as kept. Pointers point into the model and are
 * valid until the next call that changes it. */
struct tui_detail {
	bool kept;		/* false: overwritten (or never stored) */
	size_t n_headers, n_hops;
	bool headers_cut, hops_cut; /* more than stored (or a value cut) */
	struct tui_header headers[TUI_DETAIL_HEADERS];
	struct tui_hop hops[TUI_DETAIL_HOPS];
	bool hops_from_forwarded; /* no X-Forwarded-For: Forwarded's for= */
};

struct tui_model;

/* names: enrichment for clients' country/AS (and their reverse DNS lookups
 * started at first sight); NULL for none. NULL when out of memory. */
struct tui_model *tui_model_new(const struct tui_model_limits *lim, struct fsc_enrich *names);
void tui_model_free(struct tui_model *m);

/* An fsc_event_fn: ctx is the model. */
void tui_model_event(const struct fsc_event *ev, void *ctx);

/* A story of the correlation stage (an fsc_story_fn: ctx is the model),
 * told after the events of its request. One without an ingress (a request
 * joined to nothing) is left out: its row tells as much. */
void tui_model_story(void *ctx, const struct fsc_story *s);
/* The story of a request, whole, or NULL (none, or no longer kept). */
const struct fsc_story *tui_model_story_of(const struct tui_model *m,
					   const struct tui_request *r);
uint64_t tui_model_stories(const struct tui_model *m);	/* taken so far */
/* The clock offsets between the replayed files, estimated from packets
 * seen in both (fsc/clocksync.h), for the capture lines; replaces those
 * given before. */
#define TUI_CLOCK_OFFSETS (FSC_CLOCK_INPUTS * FSC_CLOCK_INPUTS / 2)
void tui_model_set_clock(struct tui_model *m, const struct fsc_clock_offset *o, size_t n);
size_t tui_model_clock(const struct tui_model *m, const struct fsc_clock_offset **o);

/* The correlation stage's counters (borrowed: the stage outlives the
 * model's use; NULL: no correlation), for the capture lines: the joins and the proxy
 * model in force. */
void tui_model_set_corr(struct tui_model *m, const struct fsc_corr_stats *st);
const struct fsc_corr_stats *tui_model_corr(const struct tui_model *m);

/* The clock moved (live: wall-clock ns; a replay need not call it): rolls
 * the rate history forward and measures tunnel peer rates. */
void tui_model_tick(struct tui_model *m, int64_t now_ns);

/* Where tunnel peers come from (the pipeline's tracker), or NULL. */
void tui_model_set_wg(struct tui_model *m, const struct fsc_wg_tracker *wg);
const struct fsc_wg_tracker *tui_model_wg(const struct tui_model *m);
struct fsc_enrich *tui_model_names(const struct tui_model *m);

/* The capture's interfaces (live) or file, and their kernel counters. */
void tui_model_set_source(struct tui_model *m, unsigned i, const char *name, bool live);
void tui_model_set_drops(struct tui_model *m, unsigned i, const struct fsc_src_stats *st);
unsigned tui_model_sources(const struct tui_model *m);
const char *tui_model_source_name(const struct tui_model *m, unsigned i);
bool tui_model_live(const struct tui_model *m);
bool tui_model_drops(const struct tui_model *m, unsigned i, struct fsc_src_stats *st);

int64_t tui_model_now(const struct tui_model *m);
const struct tui_totals *tui_model_totals(const struct tui_model *m);
const struct tui_model_limits *tui_model_limits(const struct tui_model *m);

/* Requests: seq numbers first..last are in the ring (both 0 when empty). */
uint64_t tui_model_first_seq(const struct tui_model *m);
uint64_t tui_model_last_seq(const struct tui_model *m);
/* The request with this seq, or NULL when overwritten or not yet seen. */
const struct tui_request *tui_model_request(const struct tui_model *m, uint64_t seq);
/* Its head and hops; d->kept false when overwritten. */
void tui_model_detail(struct tui_model *m, const struct tui_request *r, struct tui_detail *d);

/* Tables: the entries in no particular order (at most max), or one by key. */
size_t tui_model_clients(const struct tui_model *m, const struct fsc_agg_client **out,
			 size_t max);
size_t tui_model_hosts(const struct tui_model *m, const struct fsc_agg_host **out, size_t max);
size_t tui_model_endpoints(const struct tui_model *m, const struct fsc_agg_endpoint **out,
			   size_t max);
size_t tui_model_client_count(const struct tui_model *m);
size_t tui_model_host_count(const struct tui_model *m);
size_t tui_model_endpoint_count(const struct tui_model *m);
const struct fsc_agg_client *tui_model_client(const struct tui_model *m,
					      const struct fsc_addr *a);
const struct fsc_agg_host *tui_model_host(const struct tui_model *m, const char *name);
const struct tui_ingress *tui_model_ingress(const struct tui_model *m,
					    const struct fsc_addr *client);
bool tui_model_client_is_new(const struct tui_model *m, const struct fsc_agg_client *c);

/* The newest session of a tunnel peer, or NULL; valid until the model
 * next changes. O(1) after one pass over the sessions per change. */
const struct fsc_wg_session *tui_model_peer_session(struct tui_model *m, uint32_t peer);

/* A WireGuard session by its tracker id, or NULL; valid as
 * tui_model_peer_session's. */
const struct fsc_wg_session *tui_model_session(struct tui_model *m, uint32_t id);

/* Rate of a tunnel peer (valid false before two measurements). */
struct tui_peer_rate tui_model_peer_rate(const struct tui_model *m, uint32_t peer_id);

/* The last n whole seconds of a series before now, oldest first, into
 * out[0..n); returns n (seconds before the first event count as 0). */
size_t tui_model_history(const struct tui_model *m, enum tui_series s, uint64_t *out, size_t n);
/* The last whole second of a series (per second). */
uint64_t tui_model_rate(const struct tui_model *m, enum tui_series s);

/* Latency percentile of a host in ns, to the last byte of the response as
 * fdecode --summary shows it (0 when no response was timed). */
int64_t tui_host_percentile(const struct fsc_agg_host *h, double p);
/* The same to the first byte (the response head). */
int64_t tui_host_percentile_first(const struct fsc_agg_host *h, double p);

/* The aggregation behind the clients and hosts tables (for the metrics). */
const struct fsc_agg *tui_model_agg(const struct tui_model *m);

#endif
