/* agg.h - the one aggregation of funnel events: hosts, clients and the
 * totals over them, in bounded tables. fdecode's summary, fwatch's model
 * and the Prometheus metrics all read it, so that they show the same
 * figures for the same capture.
 *
 *   hosts    names seen as TLS SNI, HTTP Host and Funnel ingress targets,
 *            normalised (fsc_agg_name: lower case, no port, no final dot),
 *            with counts, the status mix of their final answers, names
 *            that disagreed (Host vs X-Forwarded-Host, ingress target vs
 *            its SNI), and two latency histograms (fsc/hist.h): request
 *            head -> response head (first byte) and request head -> the
 *            body's last byte (last byte; a response whose end was never
 *            seen keeps its first-byte sample there). Percentiles a tool
 *            shows as "p50" are the last byte's.
 *   clients  addresses by the client rule (fsc/client.h) of HTTP requests,
 *            the clients named by Funnel ingress handshakes, and the
 *            senders of TLS ClientHellos. An entry is a client
 *            (fsc_agg_is_client) when it sent an HTTP request or an ingress
 *            handshake named it, or, in captures where no HTTP request is
 *            visible at all (TLS only), when it sent a ClientHello.
 *   tunnel endpoints
 *            disco and STUN between two UDP endpoints (the tunnel's
 *            magicsock traffic beside WireGuard, whose peers are the
 *            session tracker's, fsc/wgsess.h): messages by kind, the latest
 *            STUN mapped address.
 *
 * Bounds: at most max_hosts and max_clients entries. When a table is full
 * a new entry either takes the place of the one seen least recently
 * (`evict`, for a live view: counted in *_evicted) or is not kept (a
 * capture's summary, whose first entries are its answer: counted in
 * *_dropped). Lookups go through one hash index (seeded, so that names
 * and addresses an attacker picks cannot be made to collide).
 *
 * Time is capture time: the newest event timestamp seen.
 */
#ifndef FSC_AGG_H
#define FSC_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/client.h"
#include "fsc/hist.h"
#include "fsc/pipeline.h"

#define FSC_AGG_NAME_MAX 128	/* bytes of a host name kept, with the NUL */

struct fsc_agg_limits {
	uint32_t max_hosts;	/* 0: 1024 */
	uint32_t max_clients;	/* 0: 4096 */
	uint32_t max_endpoints;	/* pairs of UDP endpoints; 0: 1024 */
	bool evict;		/* full: the least recently seen makes room */
};

struct fsc_agg_host {
	char name[FSC_AGG_NAME_MAX];	/* normalised, NUL-terminated, raw bytes */
	uint64_t sni, host_hdr, ingress;
	uint64_t requests, responses;	/* responses: final answers timed */
	uint64_t funnel;		/* requests from the public internet through
					 * a funnel (Tailscale-Funnel-Request: ?1);
					 * the rest came from the tailnet */
	uint64_t status[6];		/* [1..5]: 1xx..5xx; [0] other */
	uint64_t mismatches;
	int64_t first_ns, last_ns;	/* first and last seen */
	struct fsc_hist first_byte, last_byte;
};

struct fsc_agg_client {
	struct fsc_addr addr;
	uint64_t requests;	/* HTTP requests it is the client of */
	uint64_t ingress;	/* ingress handshakes that named it */
	uint64_t hellos;	/* TLS ClientHellos it sent */
	uint64_t responses;	/* final answers to its requests (the response
				 * names its request's client) ... */
	uint64_t status[6];	/* ... by class */
	uint64_t bytes;		/* their bodies, as fsc_agg_client_bytes */
	int64_t first_ns, last_ns;
	enum fsc_client_rule rule; /* of its latest request */
	/* Filled by the caller's fsc_agg_client_fn when it is entered
	 * ("" and 0: unknown); raw bytes from a GeoIP file. */
	char country[4];
	uint32_t asn;
	char as_org[128];
};

/* Disco and STUN between two UDP endpoints (addr[0] the first seen
 * sending; a debug capture's disco record has no second: family 0). */
struct fsc_agg_endpoint {
	struct fsc_addr addr[2];
	uint16_t port[2];
	uint64_t disco;		/* sealed disco on the wire */
	uint64_t tsdisco;	/* tailscale debug capture disco records */
	uint64_t disco_types[16]; /* of those, by disco type */
	uint64_t stun_req, stun_resp, stun_other;
	bool has_mapped;	/* the latest STUN mapped address */
	struct fsc_addr mapped;
	uint16_t mapped_port;
	int64_t first_ns, last_ns;
};

struct fsc_agg_stats {
	uint64_t requests, responses;	/* as the hosts count them */
	uint64_t hellos, ingress;
	uint64_t mismatches;
	uint64_t hosts_dropped, clients_dropped;
	uint64_t hosts_evicted, clients_evicted;
	uint64_t endpoints_dropped, endpoints_evicted;
	uint64_t clients_new;		/* entries ever made in the clients table */
	uint64_t codes[600];		/* every response by status code */
};

struct fsc_agg;

/* NULL when out of memory. */
struct fsc_agg *fsc_agg_new(const struct fsc_agg_limits *lim);
void fsc_agg_free(struct fsc_agg *a);

/* A new client entry, before it is counted: the caller fills what it knows
 * (country, AS). */
typedef void (*fsc_agg_client_fn)(void *ctx, struct fsc_agg_client *c);
void fsc_agg_on_client(struct fsc_agg *a, fsc_agg_client_fn fn, void *ctx);
/* Sets c's country, AS and organisation (NUL-terminated strings, cut to
 * the fields). */
void fsc_agg_client_geo(struct fsc_agg_client *c, const char *country, uint32_t asn,
			const char *as_org);

/* Every event of the pipeline (those it has no use for are ignored). */
void fsc_agg_event(struct fsc_agg *a, const struct fsc_event *ev);
/* A client met first hand rather than through events: fnode answers its
 * request, fedge names it in an ingress handshake. Counted as the event
 * would count it (requests or ingress of the entry, clients_new for a new
 * one, the on_client function first), at ts_ns (wall time; the
 * aggregation's clock moves to it when later). */
enum fsc_agg_seen { FSC_AGG_SEEN_REQUEST, FSC_AGG_SEEN_INGRESS };
void fsc_agg_client_seen(struct fsc_agg *a, const struct fsc_addr *addr, enum fsc_agg_seen how,
			 int64_t ts_ns);
/* The body length (by its framing; -1 unknown) of a final answer to a
 * request of client c, which the caller read from the answer's head.
 * Nothing if c is not kept. */
void fsc_agg_client_bytes(struct fsc_agg *a, const struct fsc_addr *c, int64_t body);

const struct fsc_agg_stats *fsc_agg_stats(const struct fsc_agg *a);
const struct fsc_agg_limits *fsc_agg_limits(const struct fsc_agg *a);
int64_t fsc_agg_now(const struct fsc_agg *a);

/* The tables, most recently seen first, at most max (count: how many
 * there are). fsc_agg_clients gives only entries that are clients. */
size_t fsc_agg_hosts(const struct fsc_agg *a, const struct fsc_agg_host **out, size_t max);
size_t fsc_agg_host_count(const struct fsc_agg *a);
size_t fsc_agg_clients(const struct fsc_agg *a, const struct fsc_agg_client **out, size_t max);
size_t fsc_agg_client_count(const struct fsc_agg *a);
bool fsc_agg_is_client(const struct fsc_agg *a, const struct fsc_agg_client *c);
size_t fsc_agg_endpoints(const struct fsc_agg *a, const struct fsc_agg_endpoint **out,
			 size_t max);
size_t fsc_agg_endpoint_count(const struct fsc_agg *a);

/* One entry by name (normalised here) or address; NULL when not kept. */
const struct fsc_agg_host *fsc_agg_host(const struct fsc_agg *a, const char *name, size_t len);
const struct fsc_agg_client *fsc_agg_client(const struct fsc_agg *a, const struct fsc_addr *addr);

/* A host name as the table keeps it: "Node.ts.net.:443" -> "node.ts.net",
 * "[::1]:80" -> "[::1]"; a bare IPv6 address stays whole. out holds
 * FSC_AGG_NAME_MAX bytes; returns the length (0: no name). */
size_t fsc_agg_name(const char *p, size_t len, char *out);
/* Two raw names normalise alike. */
bool fsc_agg_same_name(const char *a, size_t alen, const char *b, size_t blen);

/* The status class of a final answer: 1..5, or 0 for a code outside. */
unsigned fsc_agg_status_class(int status);

#endif
