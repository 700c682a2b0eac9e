/* streams.h - what TCP streams say: TLS hellos, HTTP requests and responses
 * paired per connection, and the Funnel ingress handshake. Built on
 * the flow table (flow.h) and the stream parsers (tls.h, http.h, xff.h). */
#ifndef FSC_STREAMS_H
#define FSC_STREAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "fsc/client.h"
#include "fsc/event.h"
#include "fsc/flow.h"
#include "fsc/http.h"
#include "fsc/ja.h"
#include "fsc/tls.h"
#include "fsc/xff.h"

/*
 * What an event's message did, or where it was found, that a reader should
 * know (JSON "flags", names from fsc_stream_flag_name). The first three are
 * the head's own (enum fsc_http_flag, same values).
 */
enum fsc_stream_flag {
	FSC_SF_OBS_FOLD = FSC_HTTP_F_OBS_FOLD,	/* "obs-fold" */
	FSC_SF_SPACES = FSC_HTTP_F_SPACES,	/* "spaces" */
	FSC_SF_VERSION = FSC_HTTP_F_VERSION,	/* "bad-version" */
	/* "resync": found by searching, after bytes that could not be read (a
	 * capture that began mid-stream, a gap, a malformed head or body) */
	FSC_SF_RESYNC = 1 << 8,
	/* "folded-framing": a folded Content-Length or Transfer-Encoding line
	 * framed the body (read unfolded, as RFC 9112 §5.2 allows) */
	FSC_SF_FOLDED_FRAMING = 1 << 9,
	/* "cl-and-te": Content-Length and Transfer-Encoding both (TE framed) */
	FSC_SF_CL_AND_TE = 1 << 10,
	/* "smuggling-suspect": the message follows one whose body readers may
	 * frame differently (folded framing, CL and TE, a chunk size that
	 * overflows or a chunked body that breaks): to some of them these
	 * bytes are body, not a message (request smuggling) */
	FSC_SF_SMUGGLING = 1 << 11,
	/* "tunnel": inside a CONNECT tunnel, or after a 101 */
	FSC_SF_TUNNEL = 1 << 12,
	/* "no-fingerprint": a ClientHello without JA3/JA4 (why in ja_why) */
	FSC_SF_NO_FINGERPRINT = 1 << 13,
	/* "urgent": a segment of this message (or just before it) carried TCP
	 * urgent data. Its bytes are read inline, as tshark shows them; a
	 * receiver that does not (no SO_OOBINLINE) sees one byte less, so the
	 * URI it serves may differ (an IDS evasion) */
	FSC_SF_URGENT = 1 << 14,
	/* "tls-decrypted": read inside a TLS 1.3 connection opened with a key
	 * log (fsc_streams_set_tlskeys): the event's flow is the connection's
	 * plaintext, a flow of its own with the same addresses and ports */
	FSC_SF_DECRYPTED = 1 << 15,
	/* "tls-keys": a TLS 1.3 ServerHello whose connection the key log has
	 * the traffic secrets of: what it carries is read decrypted */
	FSC_SF_TLS_KEYS = 1 << 16,
};

/* The name of one flag bit, or NULL. */
const char *fsc_stream_flag_name(unsigned bit);

/* Bytes of a request's target and Host kept to name it in its response. */
#define FSC_STREAM_URI_KEEP 64
#define FSC_STREAM_HOST_KEEP 64

/*
 * One event. Pointers are valid only during the callback. src/dst are the
 * sender and receiver of the message (for requests and ClientHellos, the
 * connection's client side is src). `status` is FSC_OK (`why` NULL), or,
 * with `why` saying what happened:
 *   FSC_MALFORMED  the message was recognised but breaks its grammar, or a
 *                  length in it (or in its TLS records) lies;
 *   FSC_TRUNCATED  the direction ended inside the message (end of input,
 *                  FIN, RST, close), a gap in the capture cut it, or an
 *                  HTTP head outgrew the flow buffer (dir_cap).
 * Either way the fields hold what could be read: a truncated HTTP head has
 * its start line and headers as far as they came (head_len 0, info zeroed,
 * no xff/fwd/client); so has a request head broken before its end; a
 * malformed request read to its end (a target in no form, RFC 9112 §3.2)
 * has head_len, info, xff, fwd and client like a good one, and is answered;
 * a truncated or unreadable hello is zeroed. `flags` (enum fsc_stream_flag)
 * say what else a reader should know, whatever the status.
 */
struct fsc_stream_event {
	enum fsc_event_type type;	/* a stream kind: FSC_EV_TLS_CLIENT_HELLO .. */
	const struct fsc_flow *flow;
	int dir;			/* direction of the message in the flow */
	struct fsc_addr src, dst;
	uint16_t sport, dport;
	int64_t ts_ns;
	enum fsc_status status;
	const char *why;
	unsigned flags;			/* enum fsc_stream_flag bits */
	union {
		struct {
			const struct fsc_tls_client_hello *h;
			unsigned index;		/* 1, 2 (after a HelloRetryRequest) */
			bool have_fp;		/* fingerprints computed */
			const char *ja3_string;
			const char *ja3;
			const char *ja4;
			const char *ja_why;	/* !have_fp on a whole hello: why */
		} hello;
		struct {
			const struct fsc_tls_server_hello *h;
		} server;
		struct {
			const struct fsc_http_head *head;
			const struct fsc_http_info *info;
			const struct fsc_xff_list *xff;
			const struct fsc_xff_fwd_list *fwd;
			const struct fsc_client *client;
			unsigned index;		/* 1-based on the connection */
		} req;
		struct {
			const struct fsc_http_head *head;
			bool matched;		/* its request was seen */
			unsigned index;		/* the request's index */
			int64_t latency_ns;	/* request head -> response head */
			const char *method;	/* of the request, NUL-terminated */
			const char *uri;	/* of the request, cut to URI_KEEP */
			const char *host;	/* its Host, cut to HOST_KEEP; "" if none */
			/* its request's client by the client rule (client.h),
			 * so that a reader of answers needs no join; family 0
			 * and rule NONE when the request was cut */
			struct fsc_addr client;
			enum fsc_client_rule client_rule;
		} resp;
		struct {
			/* A response whose body is complete: with a length,
			 * when its last byte came; chunked, the last chunk;
			 * to the close, the close; no body, the head. A body
			 * cut by a gap or the end of the input has none. */
			unsigned index;		/* the request's index */
			int status;
			int64_t first_ns;	/* request head -> response head */
			int64_t last_ns;	/* request head -> last body byte */
			const char *host;	/* its request's Host, as resp */
			uint64_t body_len;	/* body bytes: the content, without
						 * chunk framing */
		} resp_end;
		struct {
			/* A connection that carried HTTP requests closed: no
			 * answer or body end of it follows. After every other
			 * event of the connection. */
			enum fsc_close_reason reason;
			unsigned requests;	/* requests seen on it */
			unsigned unanswered;	/* of them, still waiting */
		} close;
		/* FSC_EV_TLS_OPEN_END: the direction `dir` of a connection
		 * read with a TLS key log was given up mid-stream (a gap, a
		 * record no key opens: other keys, altered bytes, a KeyUpdate
		 * not followed; or its secret never came): nothing of it after
		 * this point is read, so its plaintext is no longer the whole
		 * of what it carried. The connection's own flow (not flagged
		 * tls-decrypted); status MALFORMED or TRUNCATED, why says. No
		 * fields of its own. */
		struct {
			const char *src;	/* Tailscale-Ingress-Src as sent */
			const char *target;	/* Tailscale-Ingress-Target */
			struct fsc_addr client;	/* family 0 if src is no address */
			uint16_t client_port;
			int status;		/* the node's answer; 0: none seen */
			bool has_sni;
			const uint8_t *sni;	/* of the ClientHello that followed */
			size_t sni_len;
		} ingress;
	} u;
};

/* The key of one HTTP transaction (a connection's fsc_flow.id and the
 * request's index on it) in a map of transactions (fsc/hmap.h), by which
 * request records and fwatch's request list join answers to requests.
 * Two transactions may share a key: a lookup compares the record. */
static inline uint64_t fsc_stream_txn_key(uint64_t flow_id, unsigned index)
{
	return flow_id * 0x9e3779b97f4a7c15ull ^ index;
}

typedef void (*fsc_stream_fn)(void *ctx, const struct fsc_stream_event *ev);

/* The most max_streams honours (larger values are clamped); a stream's
 * state becomes resident only while a connection uses it. */
#define FSC_STREAMS_MAX_STREAMS_LIMIT (1u << 20)

struct fsc_stream_limits {
	struct fsc_flow_limits flow;	/* mem_cap 0: 16 MiB here */
	uint32_t max_streams;	/* connections parsed at once; 16384; at most
				 * FSC_STREAMS_MAX_STREAMS_LIMIT */
	uint32_t tls_buffers;	/* handshakes reassembled at once; 1024 */
	uint32_t max_headers;	/* per head; 64 */
	uint32_t max_head;	/* bytes per head; 16384 */
	unsigned trusted_hops;	/* see client.h; 0 */
	bool no_fingerprints;	/* skip JA3/JA4 (have_fp false): for a caller
				 * that shows none, they are most of a hello */
	bool body_ends;		/* FSC_EV_HTTP_RESPONSE_END events (the
				 * last-byte latency); off: none */
	bool http_closes;	/* FSC_EV_HTTP_CLOSE events (the request
				 * record needs them); off: none */
};

struct fsc_stream_stats {
	uint64_t client_hellos, server_hellos, requests, responses, ingress;
	uint64_t tls_malformed, http_malformed;
	uint64_t tls_truncated, http_truncated; /* messages cut (FSC_TRUNCATED) */
	uint64_t unmatched_responses;	/* answers to requests not seen */
	uint64_t unanswered_requests;	/* open when their connection closed */
	uint64_t resyncs;		/* HTTP heads found again after a gap or
					 * an unreadable head */
	uint64_t smuggling_suspects;	/* messages flagged FSC_SF_SMUGGLING */
	uint64_t streams_exhausted;	/* max_streams reached: not parsed */
	uint64_t tls_buffers_exhausted;	/* tls_buffers reached */
	uint64_t other_protocol;	/* connections neither TLS nor HTTP */
	/* With a TLS key log (fsc_streams_set_tlskeys), per direction whose
	 * handshake ended: */
	uint64_t tls_opened;		/* decrypted from its first record on */
	uint64_t tls_no_key;		/* TLS 1.3, no secret for its random */
	uint64_t tls_not_13;		/* TLS 1.2, a suite not known, or no hello
					 * seen: not decrypted */
	uint64_t tls_open_failed;	/* a record no key opened (wrong keys, a
					 * gap): given up there */
	uint64_t tls_records;		/* records opened */
};

struct fsc_streams;

struct fsc_streams *fsc_streams_new(const struct fsc_stream_limits *lim);
void fsc_streams_free(struct fsc_streams *s);

/* One TCP segment (pkt->proto 6). Events go to fn during the call. */
void fsc_streams_packet(struct fsc_streams *s, const struct fsc_packet *pkt,
			int64_t ts_ns, fsc_stream_fn fn, void *ctx);
/* End of input: close every connection (late events go to fn). */
void fsc_streams_flush(struct fsc_streams *s, fsc_stream_fn fn, void *ctx);

const struct fsc_stream_stats *fsc_streams_stats(const struct fsc_streams *s);

/* TLS 1.3 connections whose ClientHello.random has secrets in keys are
 * decrypted from then on and their plaintext read as a connection of its
 * own (HTTP events flagged FSC_SF_DECRYPTED). keys is borrowed and may grow
 * (a key log read again). Allocates once; false when out of memory. */
/* The plaintext flows' ids start after this: never an id of the capture's
 * flows, so that a consumer keying by flow id keeps them apart. */
#define FSC_STREAMS_DECRYPTED_ID_BASE (1ull << 48)
struct fsc_tlskeys;
bool fsc_streams_set_tlskeys(struct fsc_streams *s, const struct fsc_tlskeys *keys);
const struct fsc_flow_stats *fsc_streams_flow_stats(const struct fsc_streams *s);

#endif
