/* ingress.h - the Funnel ingress handshake over PeerAPI, both ends
 * (refpair.md §1.2, §1.8; protocols.md §7.1): the relay's request, the node's
 * checks in tailscaled's order and its exact answers. Pure: no sockets, no
 * allocation; fedge and fnode use it, and so can streams.c.
 *
 *   edge -> node   POST /v0/ingress HTTP/1.1
 *                  Host: peer | <node tunnel ip:port>
 *                  Content-Length: 0
 *                  Tailscale-Ingress-Src: <client ip:port>
 *                  Tailscale-Ingress-Target: <host:port>
 *   node -> edge   HTTP/1.1 101 Switching Protocols\r\n\r\n   (no headers)
 *                  or a Go http.Error answer (403/405/400/404)
 *   then           the client's raw TLS stream, ClientHello first. */
#ifndef FSC_INGRESS_H
#define FSC_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/http.h"
#include "fsc/span.h"

#define FSC_INGRESS_PATH "/v0/ingress"
#define FSC_INGRESS_SRC "Tailscale-Ingress-Src"
#define FSC_INGRESS_TARGET "Tailscale-Ingress-Target"
/* The accept answer, byte for byte (tailscaled writes nothing else). */
#define FSC_INGRESS_SWITCH "HTTP/1.1 101 Switching Protocols\r\n\r\n"
#define FSC_INGRESS_SWITCH_LEN (sizeof(FSC_INGRESS_SWITCH) - 1)

/* The node's verdicts, in the order tailscaled checks them. Every one but
 * ACCEPT has a fixed answer (fsc_ingress_answer). */
enum fsc_ingress_verdict {
	FSC_INGRESS_ACCEPT = 0,
	FSC_INGRESS_NOT_FOUND,		/* path is not /v0/ingress: 404 */
	FSC_INGRESS_INVALID_PEERAPI,	/* Referer/Origin, or a foreign Host: 403 */
	FSC_INGRESS_NO_CAP,		/* the peer may not ingress: 403 */
	FSC_INGRESS_NOT_POST,		/* 405 */
	FSC_INGRESS_NO_SRC,		/* 400 */
	FSC_INGRESS_BAD_SRC,		/* 400 */
	FSC_INGRESS_NO_TARGET,		/* 400 */
	FSC_INGRESS_BAD_TARGET,		/* 400 */
	FSC_INGRESS_DENIED,		/* target not funnel-enabled, bad port: 403 */
	FSC_INGRESS_VERDICT_COUNT,
};

struct fsc_ingress_answer {
	int status;
	const char *reason;	/* "Forbidden" */
	const char *body;	/* "denied\n" (Go's http.Error adds the \n) */
	const char *name;	/* a stable token for logs: "denied" */
};

/* The answer for v; NULL for ACCEPT or out of range. */
const struct fsc_ingress_answer *fsc_ingress_answer(enum fsc_ingress_verdict v);

/* What a request that passed the header checks asks for. Spans point into
 * the parsed head's buffer. */
struct fsc_ingress_request {
	struct fsc_addr src;		/* the public client */
	uint16_t src_port;
	struct fsc_span target;		/* "host:port" as sent: the AllowFunnel key */
	struct fsc_span target_host;	/* brackets removed */
	uint16_t target_port;		/* 0 when the port is not a number */
};

/*
 * Checks a parsed request head as tailscaled does, up to the serve-config
 * lookup (which is the caller's: it answers FSC_INGRESS_DENIED itself).
 * own_hosts[0..n_own) are the Host values besides "peer" that name this node
 * ("ip:port" of its PeerAPI listeners); peer_ok says whether the connecting
 * peer may ingress at all. On ACCEPT, *r is filled.
 */
enum fsc_ingress_verdict fsc_ingress_check(const struct fsc_http_head *h,
					   const struct fsc_span *own_hosts, size_t n_own,
					   bool peer_ok, struct fsc_ingress_request *r);

/* Parses "ip:port" / "[v6]:port" as Go's netip.ParseAddrPort (no zones). */
bool fsc_ingress_parse_addrport(const char *p, size_t len, struct fsc_addr *a,
				uint16_t *port);

/* Splits "host:port" / "[host]:port" as Go's net.SplitHostPort. *port is the
 * port as a number, 0 when it is not one (1..65535 digits). */
bool fsc_ingress_split_hostport(const char *p, size_t len, struct fsc_span *host,
				uint16_t *port);

/*
 * Writers. Each returns the length the full text needs (NUL not counted);
 * the text is in buf only when that is < cap. They write nothing else than
 * what the comment shows.
 *
 * fsc_ingress_write_request: the relay's request of refpair.md §1.8 (Host,
 * User-Agent, Content-Length: 0, then the two headers in Go's sorted order).
 * fsc_ingress_write_answer: a Go http.Error answer for v (Content-Type,
 * X-Content-Type-Options, Date = date, Content-Length, body); date NULL
 * leaves the Date line out.
 */
size_t fsc_ingress_write_request(const char *host, const struct fsc_addr *src,
				 uint16_t src_port, const char *target, char *buf,
				 size_t cap);
size_t fsc_ingress_write_answer(enum fsc_ingress_verdict v, const char *date, char *buf,
				size_t cap);

#endif
