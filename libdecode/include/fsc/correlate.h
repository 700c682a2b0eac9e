/* correlate.h - one story per public funnel request, joined across vantage
 * points: the WireGuard datagrams from a relay (underlay), the ingress
 * connection inside the tunnel (POST /v0/ingress, its 101, the client's TLS)
 * and the plain HTTP request the node sends its backend (loopback), from
 * the events of one pipeline fed by several captures merged by time.
 *
 *   public     client C:p -> edge (its SYN, ClientHello) ── address+time:
 *                                                          C:p is the Src
 *   underlay   WG transport from relay R, session S  ─┐ exact: decrypted in
 *                                                      │ session S; time: a
 *                                                      │ WG burst at the SYN;
 *                                                      │ time+size: the
 *                                                      │ datagrams of its
 *                                                      │ POST and hello
 *   ingress    POST /v0/ingress  Src C:p  Target T     │
 *              101  ClientHello (SNI, ALPN, JA4)       ┘ exact: same connection
 *              ServerHello  client Finished
 *   loopback   GET /x  X-Forwarded-For: C             ── address+time: C and
 *              response head ... last body byte          the ingress whose TLS
 *                                                        finished before it;
 *                                                        address+data: ... and
 *                                                        had sent data before it;
 *                                                        exact: with the TLS
 *                                                        key log, the one
 *                                                        ingress of C whose
 *                                                        decrypted request
 *                                                        (next in its order)
 *                                                        has this method and
 *                                                        target
 *
 * Without decryption the ingress connection is seen in clear elsewhere (a
 * TUN capture, a `tailscale debug capture` file) and its relay is found
 * by the datagrams that carried it: a WireGuard transport message is 32
 * bytes longer than its plaintext, and the plaintext is the inner packet
 * padded to 16 (never beyond the MTU). The POST /v0/ingress and the
 * ClientHello each have a carrier of their size, arrived before the packet
 * was seen inside and after the node's answer before it (the SYN-ACK, the
 * 101) went out; when one session (one way) carried both, that is the
 * relay ("time+size"). Batched datagrams (UDP GSO) count as their
 * segments. Two connections through two relays at the same instant fit
 * both; then the path that carried the same tunnel address's ingress
 * before decides ("time+size+peer"), or the join stays ambiguous.
 *
 * X-Forwarded-For has no port: two ingress connections of one client
 * address open at once both fit a new backend connection by address and
 * time. The data rule narrows them by causality, for any proxy: the node
 * sends a request to its backend only after the client's bytes that carry
 * it arrived, and those come in a TLS record of outer type 23
 * (application_data) that no key is needed to see. A candidate whose
 * client had sent no such record before the request's head was seen
 * cannot be its source. In TLS 1.3 (the ServerHello says so) without
 * early data (the ClientHello offers none) the first such record is the
 * client's Finished, so it is the second that counts; in TLS 1.2, or
 * when either hello is unknown, the first. The records are read from the
 * byte after POST /v0/ingress, only while nothing was missed (a hole, a
 * segment the capture cut, the node acknowledging bytes never seen,
 * bytes that are no record header): then the candidate stays one. The
 * choice waits for the first event after the request's time, so that a
 * record seen at the same instant in another capture counts. It trusts
 * what the address join trusts: the captures' clocks agree (one host: the
 * TUN or underlay and lo of the node), and the inputs come in time order
 * (files are merged by time; live interfaces with a merge delay). When
 * exactly one candidate is left the join is "address+data".
 *
 * Which ingress connection a loopback request came from depends on the
 * proxy between them (fsc_corr_limits.proxy). A pooling proxy, as any
 * real one is (tailscaled's serve proxy: Go's httputil.ReverseProxy over
 * one http.Transport pool per backend; nginx's or HAProxy's upstream
 * keep-alive), hands an idle backend connection to whichever client
 * connection needs one next, and one HTTP/2 client connection's
 * concurrent streams to several backend connections at once. So
 * "pooled", the default, joins each request on its own: its client
 * address and time, the data rule, the exact join with a TLS key log.
 * "per-connection" is for a proxy that gives each client connection a
 * backend connection of its own, in order (fnode): then (a) a later
 * request on a joined backend connection is its ingress's, joined as the
 * first was, and (b) an ingress connection serving a backend connection
 * still open is no candidate for a request on another one; both narrow
 * two connections of one address further. Chosen wrongly, they make silent
 * wrong joins; so per-connection checks what it can: a request inherits
 * only when its X-Forwarded-For names the ingress's client, and what such
 * a proxy never does, seen (a backend connection carrying a second client
 * address; an ingress connection joined exactly, or by address alone, to a
 * second backend connection while its first is open), switches the run to
 * pooled from then on (fsc_corr_stats.proxy_violations, pooled_since_ns).
 * Joins told before the first such sign stay as told: a pooling proxy
 * whose backend connection carries two connections of one address in
 * turn shows no sign at all. Hence the default.
 *
 * A story is emitted per loopback request (when its response body ends,
 * or when it is given up), and per ingress connection that never led to a
 * request (a refusal, a failed TLS handshake). Each join says how it was
 * made (enum fsc_join): never a silent guess; several candidates leave the
 * side empty and say how many.
 *
 * Stage times (fsc_story.t) are the capture's, in ns, 0 when not seen,
 * each the time of one packet, the one that brings the stage (the one a
 * program's kernel stamps when it reads or sends it: fedge's and fnode's
 * logs name the same packets, so the two meet within microseconds):
 *   EDGE        the segment that completes the public client's
 *               ClientHello at the edge (in a capture of its public side);
 *               not the SYN: accept(2) tells no SYN's time, the hello's
 *               receive time is what the edge's first reads give, and it
 *               is the first moment the edge can act on
 *   TUNNEL      the ingress connection's first packet (its SYN)
 *   INGRESS     the node's answer to the ingress POST (101 when accepted)
 *   TLS_HELLO   the client's ClientHello
 *   TLS_DONE    the client's first bytes after the server's hello (its
 *               Finished: the handshake is done from then on)
 *   REQUEST     the node's request to the backend (its head complete)
 *   FIRST_BYTE  the segment that completes the backend's response head
 *   LAST_BYTE   the response body's last byte
 * The ingress connection's packets (TUNNEL .. TLS_DONE) are timed where
 * they were seen: decrypted from the underlay, the WireGuard datagram that
 * carried each (its arrival at, or departure from, the node); in a TUN or
 * debug capture, the inner packet. The node's loop lies between the two
 * (milliseconds under load): fnode logs both (t_STAGE, t_STAGE_inner).
 *
 * Memory is bounded and reserved at fsc_corr_new; nothing is allocated per
 * event. When a table is full its oldest entry is given up (its story, if
 * any, emitted first) and counted.
 */
#ifndef FSC_CORRELATE_H
#define FSC_CORRELATE_H

#include <stdbool.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/pipeline.h"

enum fsc_join {
	FSC_JOIN_NONE = 0,	/* "none": nothing to join with was seen */
	FSC_JOIN_EXACT,		/* "exact": the decrypted stream, the same
				 * connection */
	FSC_JOIN_ADDR_TIME,	/* "address+time": the client address and a
				 * time window single out one candidate */
	FSC_JOIN_TIME,		/* "time": one candidate by time alone */
	FSC_JOIN_AMBIGUOUS,	/* "ambiguous": `candidates` fit; none taken */
	FSC_JOIN_TIME_SIZE,	/* "time+size": one session carried datagrams of
				 * the sizes of the connection's packets right
				 * before each was seen inside */
	FSC_JOIN_TIME_SIZE_PEER, /* "time+size+peer": several sessions fitted
				 * by size; taken the one whose path carried
				 * this tunnel address's earlier ingress
				 * (time+size): a peer sends only from its
				 * own addresses */
	FSC_JOIN_ADDR_DATA,	/* "address+data": the client address left
				 * several candidates, and only one of them
				 * had carried a client record that can hold
				 * application data before the request (the
				 * data rule, below) */
	FSC_JOIN_COUNT
};

struct fsc_story_join {
	enum fsc_join kind;
	unsigned candidates;	/* that fitted (1 for a made join) */
};

enum fsc_stage {
	FSC_STAGE_EDGE,
	FSC_STAGE_TUNNEL,
	FSC_STAGE_INGRESS,
	FSC_STAGE_TLS_HELLO,
	FSC_STAGE_TLS_DONE,
	FSC_STAGE_REQUEST,
	FSC_STAGE_FIRST_BYTE,
	FSC_STAGE_LAST_BYTE,
	FSC_STAGE_COUNT
};

#define FSC_STORY_TEXT 128	/* bytes kept of each text field, NUL included */

/* One story, owned (no pointer into packets). Texts come from the wire:
 * escape them before showing. Each side's observation point is where its
 * frame was seen: `*_input` the input file (fsc_frame.file; 0 live) and
 * `*_iface` the interface (fsc_frame.iface: the live interface, or the
 * pcapng interface of the file), so that a live run over several
 * interfaces names them as a replay of several files does. */
struct fsc_story {
	uint64_t id;			/* 1, 2, ... in order of emission */
	int64_t t[FSC_STAGE_COUNT];
	/* the public connection at the edge: its client C:p is the ingress's
	 * Tailscale-Ingress-Src (address+time) */
	struct fsc_story_join edge_join;
	struct fsc_addr edge;		/* the edge's public address */
	uint16_t edge_port;
	unsigned edge_input;
	unsigned edge_iface;
	/* relay: the sender of the WireGuard datagram that carried the
	 * client's ClientHello into the node */
	struct fsc_story_join relay_join;
	struct fsc_addr relay;
	uint16_t relay_port;
	uint32_t wg_session;		/* the pipeline's session id */
	unsigned relay_time_candidates;	/* sessions time alone left, when
					 * the relay was sought without
					 * decryption; 0 otherwise */
	bool have_wg_key;
	uint8_t wg_initiator_key[32];	/* the session initiator's static key */
	unsigned relay_input;
	unsigned relay_iface;
	/* ingress connection (seen in the tunnel, decrypted or in clear) */
	bool have_ingress;
	uint64_t ingress_flow;		/* its fsc_flow.id in the pipeline */
	unsigned ingress_input;
	unsigned ingress_iface;
	struct fsc_addr node;		/* the node's PeerAPI address */
	uint16_t node_port;
	struct fsc_addr client;		/* Tailscale-Ingress-Src, read */
	uint16_t client_port;
	char ingress_src[FSC_STORY_TEXT];	/* as sent */
	char ingress_target[FSC_STORY_TEXT];
	int ingress_status;		/* the node's answer; 0: none seen */
	/* TLS on the ingress connection (always the same connection: exact) */
	bool have_tls;
	char sni[FSC_STORY_TEXT];
	char alpn[FSC_STORY_TEXT];	/* offered, comma-separated */
	char alpn_selected[32];		/* from the ServerHello, when in clear */
	char ja4[40];
	/* the loopback request */
	struct fsc_story_join request_join;	/* request <-> ingress */
	bool have_request;
	unsigned request_input;
	unsigned request_iface;
	uint64_t request_flow;		/* the backend connection's fsc_flow.id */
	char method[16];
	char host[FSC_STORY_TEXT];
	char target[FSC_STORY_TEXT];
	struct fsc_addr request_client;	/* the client the request names */
	const char *client_rule;	/* fsc_client_rule_name: static */
	unsigned request_index;		/* 1-based on its backend connection */
	int http_status;		/* 0: no response seen */
	uint64_t response_bytes;	/* TCP payload from the backend, head and
					 * body, until the last byte; 0 unknown */
	bool complete;			/* the response's body ended */
};

typedef void (*fsc_story_fn)(void *ctx, const struct fsc_story *s);

/* The proxy between the ingress and the backend (above). */
enum fsc_proxy_model {
	FSC_PROXY_POOLED = 0,		/* "pooled": any proxy; each request
					 * joins on its own */
	FSC_PROXY_PER_CONNECTION,	/* "per-connection": one backend
					 * connection a client connection, in
					 * order (fnode); checked, and given up
					 * for pooled on a violation */
	FSC_PROXY_COUNT
};

struct fsc_corr_limits {
	uint32_t max_conns;	/* ingress connections remembered; 4096 */
	uint32_t max_requests;	/* loopback requests awaiting their end; 4096 */
	int64_t window_ns;	/* a loopback request joins an ingress whose
				 * TLS finished at most this long before;
				 * 60 s */
	int64_t relay_window_ns; /* without decryption: WireGuard datagrams
				  * this long before an ingress SYN are
				  * candidates for its relay; 50 ms */
	int64_t idle_ns;	/* an entry untouched this long is given up;
				 * 300 s */
	int64_t size_window_ns;	/* without decryption: a datagram carries an
				 * inner packet of its size seen at most this
				 * long after it (the time the receiver took
				 * to decrypt and record it); 100 ms */
	enum fsc_proxy_model proxy; /* pooled (0) unless told */
};

/* The sides joined to an ingress connection, for fsc_corr_stats.joins. */
enum fsc_corr_side { FSC_SIDE_EDGE, FSC_SIDE_RELAY, FSC_SIDE_TLS, FSC_SIDE_REQUEST,
		     FSC_CORR_SIDES };

struct fsc_corr_stats {
	uint64_t stories;
	uint64_t joins[FSC_CORR_SIDES][FSC_JOIN_COUNT];	/* [side][kind] */
	uint64_t conns_given_up;	/* table full or idle */
	uint64_t requests_given_up;	/* table full, idle or end of input */
	enum fsc_proxy_model proxy;	/* the model in force now */
	uint64_t proxy_violations;	/* per-connection: signs of a pooling
					 * proxy seen (each one's request
					 * joined as pooled) */
	int64_t pooled_since_ns;	/* the first one's time; 0 none */
	uint64_t decrypted_dropped;	/* requests read decrypted that no
					 * loopback request took, dropped,
					 * oldest first, from a connection's
					 * full pending list */
};

struct fsc_corr;

struct fsc_corr *fsc_corr_new(const struct fsc_corr_limits *lim);
void fsc_corr_free(struct fsc_corr *c);

/* One pipeline event (its frame's `file` names the input). Stories that
 * it completes go to fn during the call. Never allocates. */
void fsc_corr_event(struct fsc_corr *c, const struct fsc_event *ev,
		    fsc_story_fn fn, void *ctx);

/* End of input: every story still open goes to fn. */
void fsc_corr_flush(struct fsc_corr *c, fsc_story_fn fn, void *ctx);

const struct fsc_corr_stats *fsc_corr_stats(const struct fsc_corr *c);

/* "pooled", "per-connection"; "?" otherwise. */
const char *fsc_proxy_model_name(enum fsc_proxy_model m);
/* The model a name (as fsc_proxy_model_name gives it) means; false: none. */
bool fsc_proxy_model_parse(const char *name, enum fsc_proxy_model *m);

/* "edge", "relay", "tls", "request". */
const char *fsc_corr_side_name(enum fsc_corr_side s);
/* "none", "exact", "address+time", "time", "ambiguous", "time+size",
 * "time+size+peer", "address+data". */
const char *fsc_join_name(enum fsc_join j);
/* "edge", "tunnel", "ingress", "tls_hello", "tls_done", "request", "first_byte",
 * "last_byte". */
const char *fsc_stage_name(enum fsc_stage s);

/* The stretches a story is told in, each from one stage to the next of the
 * chain (TLS_HELLO only times the handshake), and the whole: */
enum fsc_stretch {
	FSC_STRETCH_EDGE,	/* EDGE -> TUNNEL: the edge dials the node */
	FSC_STRETCH_INGRESS,	/* TUNNEL -> INGRESS: the node accepts */
	FSC_STRETCH_TLS,	/* INGRESS -> TLS_DONE: the client's handshake */
	FSC_STRETCH_TO_BACKEND,	/* TLS_DONE -> REQUEST: the node's proxy */
	FSC_STRETCH_FIRST_BYTE,	/* REQUEST -> FIRST_BYTE: the backend thinks */
	FSC_STRETCH_LAST_BYTE,	/* FIRST_BYTE -> LAST_BYTE: the body */
	FSC_STRETCH_TOTAL,	/* the first stage seen to the last */
	FSC_STRETCH_COUNT
};

/* "edge", "ingress", "tls", "to_backend", "first_byte", "last_byte",
 * "total". */
const char *fsc_stretch_name(enum fsc_stretch k);
/* The stretch in ns; -1 when a stage it needs was not seen. */
int64_t fsc_story_stretch(const struct fsc_story *s, enum fsc_stretch k);
/* The relay is named (relay, relay_port, wg_session): decrypted, or by
 * time (and size). */
bool fsc_story_relay_named(const struct fsc_story *s);

#endif
