/* fedge.h - the reference Funnel edge: a public TCP listener that reads
 * only the ClientHello's SNI, picks the node, asks it with the ingress
 * request (refpair.md §1.8), waits for the 101 and then splices bytes. */
#ifndef FEDGE_H
#define FEDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fsc/addr.h"
#include "fsc/tls.h"
#include "fmetrics.h"
#include "loop.h"
#include "net.h"
#include "transport.h"

#define FEDGE_MAX_LISTEN 8
#define FEDGE_MAX_ROUTES 256

struct route {
	char name[256];		/* "node.example.test" or "*.example.test" */
	bool wildcard;		/* name holds ".example.test" */
	char node[80];		/* PeerAPI "ip:port" */
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Why a connection ended; the names are log and counter keys. */
enum outcome {
	OUT_PROXIED, OUT_NOT_TLS, OUT_BAD_HELLO, OUT_NO_SNI, OUT_UNKNOWN_SNI,
	OUT_HELLO_TIMEOUT, OUT_HELLO_TOO_LARGE, OUT_CLIENT_GONE, OUT_NODE_UNREACHABLE,
	OUT_NODE_REFUSED, OUT_NODE_TIMEOUT, OUT_BAD_PROXY_HEADER, OUT_RATE_LIMITED,
	OUT_CONN_LIMIT, OUT_IDLE_TIMEOUT, OUT_COUNT,
};

struct fedge_opts {
	const char *listen[FEDGE_MAX_LISTEN];
	size_t n_listen;
	struct route routes[FEDGE_MAX_ROUTES];
	size_t n_routes;
	bool accept_proxy;
	bool host_peer;			/* Host: peer instead of the node's ip:port */
	struct fsc_transport_cfg tc;
	const char *log;
	const char *metrics;		/* --metrics ADDR:PORT */
	struct fsc_fmetrics_opts mo;	/* --geoip-db */
	unsigned hello_timeout_ms, node_timeout_ms, idle_timeout_ms;
	unsigned hello_max, max_conns, rate, burst;
};

struct fedge {
	struct fedge_opts o;
	struct fsc_loop *loop;
	struct fsc_transport *tr;
	struct econn *conns;
	size_t n_conns;
	uint64_t outcomes[OUT_COUNT];
	uint64_t accepted, bytes_up, bytes_down;
	struct bucket *buckets;		/* per-source rate limit */
	struct metrics_srv *metrics;	/* --metrics, or NULL */
	struct fsc_fmetrics_table *by_sni;	/* connections: SNI, outcome */
	struct fsc_fmetrics_clients *clients;	/* named in ingress handshakes */
};

extern const char *const fedge_outcome_names[OUT_COUNT];

/* metrics.c: --metrics */
bool fedge_metrics_open(struct fedge *e, char *err, size_t errlen);
void fedge_metrics_close(struct fedge *e);
/* One connection ended with outcome o (sni "" when none was read). */
void fedge_metrics_conn(struct fedge *e, const char *sni, enum outcome o);
/* A public client named to a node in an ingress handshake. */
void fedge_metrics_client(struct fedge *e, const struct fsc_addr *client);

/* edge.c */
void edge_accept(struct fedge *e, int fd, const struct sockaddr_storage *peer,
		 uint16_t public_port);
void edge_tick(struct fedge *e, uint64_t now);
void edge_free(struct econn *c);
/* rate.c-like helper in edge.c: true when src may open one more. */
bool edge_rate_ok(struct fedge *e, const struct fsc_addr *src, uint64_t now);

#endif
