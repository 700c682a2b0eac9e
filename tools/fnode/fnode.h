/* fnode.h - the reference Funnel node: one connection from the edge goes
 * through the PeerAPI ingress handshake (peerapi.c), TLS with the
 * certificate of its SNI (tls.c), then the HTTPS reverse proxy (proxy.c) or
 * TCP forwarding (also proxy.c). Everything runs on one poll loop over
 * non-blocking fds; a connection makes progress in conn_run(). */
#ifndef FNODE_H
#define FNODE_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fsc/accesslog.h"
#include "fsc/addr.h"
#include "fsc/http.h"
#include "fsc/span.h"
#include "fmetrics.h"
#include "logfile.h"
#include "loop.h"
#include "net.h"
#include "serveconf.h"
#include "transport.h"

#define FNODE_MAX_LISTEN 8
#define FNODE_MAX_EDGES 32
#define FNODE_HEADERS_MAX 256

struct fnode_opts {
	const char *serve_config;
	const char *certs;
	const char *name;
	const char *peerapi[FNODE_MAX_LISTEN];
	size_t n_peerapi;
	struct fsc_addr edges[FNODE_MAX_EDGES];
	size_t n_edges;
	bool any_edge;
	struct fsc_transport_cfg tc;
	const char *log;
	const char *access_log;		/* --access-log FILE (appended) */
	enum fsc_accesslog_format access_format;
	const char *tls_keylog;		/* --tls-keylog or SSLKEYLOGFILE */
	const char *metrics;		/* --metrics ADDR:PORT */
	struct fsc_fmetrics_opts mo;	/* --geoip-db */
	unsigned head_timeout_ms, idle_timeout_ms, connect_timeout_ms, response_timeout_ms;
	unsigned max_headers, max_head, max_conns;
	unsigned backend_pool;		/* --backend-pool N; 0: none */
};

/* An idle keep-alive backend connection in the --backend-pool. */
struct fnode_idle_backend {
	int fd;
	uint32_t sent;			/* its bytes sent (transmit stamp ids) */
	char addr[80];
};

struct fnode_cert;

struct fnode {
	struct fnode_opts o;
	struct fsc_serveconf sc;
	struct fsc_loop *loop;
	struct fsc_transport *tr;
	SSL_CTX *ctx;
	FILE *keylog;
	struct fsc_logfile access;	/* --access-log (path NULL without one) */
	struct fsc_accesslog_opts access_opts;
	struct fnode_cert *certs;
	size_t n_certs;
	char own_host_buf[FNODE_MAX_LISTEN][FSC_ENDPOINT_STRLEN];
	struct fsc_span own_hosts[FNODE_MAX_LISTEN];
	size_t n_own;
	struct conn *conns;
	size_t n_conns;
	struct fnode_idle_backend *pool;	/* o.backend_pool slots */
	size_t n_pool;				/* idle, oldest first */
	struct metrics_srv *metrics;	/* --metrics, or NULL */
	struct fsc_fmetrics_table *by_class;	/* requests: host, class, origin */
	struct fsc_fmetrics_table *by_host;	/* latency: host */
	struct fsc_fmetrics_clients *clients;	/* of the requests answered */
	struct {
		uint64_t accepted, refused_limit, ingress_ok, ingress_refused, tls_ok,
			tls_failed, requests, bad_requests, upstream_errors, bytes_in, bytes_out;
	} count;
};

enum phase { PH_INGRESS, PH_TLS, PH_HTTP, PH_TCP };
enum wait_kind { W_NONE, W_HEAD, W_IDLE, W_CONNECT, W_RESPONSE, W_STREAM };
enum rq_state { RQ_HEAD, RQ_BODY, RQ_DONE };
enum rs_state { RS_IDLE, RS_HEAD, RS_BODY, RS_DONE };
enum rs_source { SRC_BACKEND, SRC_FILE, SRC_NONE };

struct conn {
	struct fnode *nd;
	struct conn *next, *prev;
	int fd;				/* from the edge */
	struct fsc_addr peer;
	uint16_t peer_port;
	struct fsc_addr client;		/* Tailscale-Ingress-Src */
	uint16_t client_port;
	char target[256];		/* Tailscale-Ingress-Target */
	char target_host[256];
	uint16_t target_port;
	char sni[256];
	enum phase phase;
	bool dead;

	SSL *ssl;			/* NULL: plain stream (TCP forwarding) */
	BIO *rbio, *wbio;
	bool hs_done;
	struct fsc_bq rin, rout;	/* raw bytes from / to the edge */
	struct fsc_bq cin;		/* the client's plaintext */
	bool edge_eof;			/* no more client bytes */
	bool edge_wr_shut;
	bool close_after_flush;

	int be;				/* backend fd, -1 none */
	bool be_connecting;
	bool be_eof;
	bool be_wr_shut;
	bool be_keep;			/* reusable after this response */
	char be_addr[80];
	struct fsc_bq bin, bout;

	enum wait_kind wait;
	uint64_t mark;			/* when the wait began / last activity */

	/* HTTP */
	const struct fsc_sc_web *web;
	const struct fsc_sc_tcp *tcp;
	enum rq_state rq;
	enum rs_state rs;
	enum rs_source src;
	int file_fd;
	bool req_discard;		/* body not forwarded (local handler) */
	bool upgraded, upgrade_asked;
	bool client_close;		/* close after this response */
	bool logged;			/* this request's access-log line is out */
	size_t last_len;
	struct fsc_http_body req_body, resp_body;
	struct fsc_http_chunked req_chunk, resp_chunk;
	uint64_t req_left, resp_left;
	char method[24];
	char host[256];
	char req_target[2048];
	int status;
	uint64_t resp_bytes;
	uint64_t t_req;
	/* Moments of the stages (fsc_wall_ns; 0 not yet), logged as the
	 * request line's t_STAGE keys: taken at the system call that made
	 * or saw the stage, so that they meet a capture's times. The first
	 * three at the inner side; through the engine also at the WireGuard
	 * datagram that carried them (*_wg, tunstamp.h; 0 unknown): then
	 * t_STAGE is that and t_STAGE_inner the inner moment. */
	int64_t t_tunnel;		/* the ingress SYN handed inside (else:
					 * the connection accepted) */
	int64_t t_ingress;		/* the 101 queued */
	int64_t t_tls_done;		/* the read that finished the handshake */
	int64_t t_tunnel_wg, t_ingress_wg, t_tls_done_wg;
	int64_t t_request;		/* the backend head written */
	int64_t t_first_byte;		/* the read that completed the response head */
	int64_t t_last_byte;		/* the read with the body's last byte */
	int64_t t_edge_read, t_be_read;	/* the last read on each side */
	int64_t t_be_head;		/* the last backend read began a response
					 * head: its first segment's time */
	bool head_unsent;		/* the backend head is queued, not written */
	bool head_stamp_wait;		/* ... its transmit time not read yet */
	uint32_t be_sent;		/* bytes sent on this backend connection */
	uint32_t head_id;		/* the byte id of the head's last byte */
	struct fsc_http_header hdrs[FNODE_HEADERS_MAX];
};

/* metrics.c: --metrics */
bool fnode_metrics_open(struct fnode *nd, char *err, size_t errlen);
void fnode_metrics_close(struct fnode *nd);
/* One request answered, cut or left unanswered (with its access-log line). */
void fnode_metrics_request(const struct conn *c);

/* main.c */
uint64_t fnode_timeout(const struct fnode *nd, enum wait_kind w);

/* conn lifecycle and I/O (conn.c) */
void conn_accept(struct fnode *nd, int fd, const struct fsc_addr *peer, uint16_t peer_port);
void conn_run(struct conn *c);
void conn_free(struct conn *c);
void conn_tick(struct fnode *nd, uint64_t now);
void conn_set_wait(struct conn *c, enum wait_kind w);
/* Plaintext to the client (TLS or not). */
bool client_write(struct conn *c, const void *p, size_t n);
/* Room the client side has for more bytes now (backpressure). */
size_t client_room(struct conn *c);
bool backend_start(struct conn *c, const char *addr);
void backend_close(struct conn *c);
/* The response is done and the backend connection reusable: with a
 * --backend-pool into it for any client connection's next request, else
 * kept for this client connection's. */
void backend_release(struct conn *c);
void backend_pool_close(struct fnode *nd);
void conn_close_soon(struct conn *c);

/* peerapi.c: the ingress head; true when it made progress. */
bool peerapi_step(struct conn *c);

/* tls.c */
bool tls_setup(struct fnode *nd, char *err, size_t errlen);
void tls_teardown(struct fnode *nd);
bool tls_start(struct conn *c);
bool tls_step(struct conn *c);	/* handshake, then decrypt into cin */
void tls_close_notify(struct conn *c);

/* proxy.c */
bool http_step(struct conn *c);
bool tcp_step(struct conn *c);
void http_begin(struct conn *c);
void tcp_begin(struct conn *c);
void http_timeout(struct conn *c);
void http_send_error(struct conn *c, int status, const char *reason, const char *body);
/* The access-log line of a request cut short (connection closing). */
void http_log_unfinished(struct conn *c);

/* access.c: the request as a line of --access-log (fsc/accesslog.h). */
void fnode_access_line(struct conn *c);
/* Opens --access-log (appending); false with a message on stderr. Nothing
 * without the option. */
bool fnode_access_open(struct fnode *nd);
/* After SIGHUP (log rotation): --access-log opened again by its name; a
 * failure said on stderr. */
void fnode_access_reopen(struct fnode *nd);
/* At exit: flushed and closed; a lost line said on stderr. */
void fnode_access_close(struct fnode *nd);

#endif
