/* streams_int.h - what the stream consumer (streams.c: pools, events,
 * recognising a direction, the flow handler) shares with its TLS
 * (streams_tls.c) and HTTP (streams_http.c) readers. Internal to libdecode.
 *
 * A direction's mode, and what moves it:
 *
 *   M_NEW --first bytes--> M_TLS | M_HTTP_REQ | M_HTTP_RESP | M_TEXT | off
 *   M_TEXT --a blank line--> M_NEW      (a text handshake, then TLS: Gnutella)
 *   M_HTTP_* --head--> body: skip | M_CHUNKED | M_UNTIL_CLOSE --> M_HTTP_*
 *   M_HTTP_* --2xx to CONNECT, 101--> M_NEW, both directions (the tunnel)
 *   M_HTTP_* --unreadable bytes, a gap--> resync: search for a start line
 *   M_TLS --encrypted, broken--> M_OFF
 *   M_TLS --TLS 1.3 encrypted, with its keys--> M_TLS_OPEN (records opened,
 *           the plaintext fed to a flow of its own in s->inner) --> M_OFF
 */
#ifndef FSC_STREAMS_INT_H
#define FSC_STREAMS_INT_H

#include "fsc/streams.h"
#include "fsc/tlsdecrypt.h"

#define TLS_BUF_SIZE FSC_TLS_HS_MAX
#define MAX_PENDING 8		/* pipelined requests awaiting answers */
#define MAX_XFF 128		/* X-Forwarded-For elements kept */
#define MAX_FWD 64
#define MAX_LINES 16
#define NONE UINT32_MAX

enum mode {
	M_NEW = 0,	/* protocol not known yet */
	M_TLS,		/* handshake records */
	M_HTTP_REQ,	/* request heads */
	M_HTTP_RESP,	/* response heads */
	M_CHUNKED,	/* a chunked body, then back to the head mode */
	M_UNTIL_CLOSE,	/* a response body that ends with the connection */
	M_TEXT,		/* lines of a text protocol that is not HTTP */
	M_TLS_OPEN,	/* TLS 1.3 records opened with a key log */
	M_OFF,		/* nothing more to read */
};

struct pending {
	int64_t ts_ns;
	unsigned index;
	bool head;	/* HEAD: the answer has no body */
	bool ingress;	/* POST /v0/ingress */
	char method[16];
	char uri[FSC_STREAM_URI_KEEP + 1];
	char host[FSC_STREAM_HOST_KEEP + 1];
	struct fsc_addr client;		/* by the client rule */
	enum fsc_client_rule client_rule;
};

/* A response body followed to its last byte, for the last-byte latency. */
struct body_watch {
	bool on;
	bool by_length;		/* done when the flow's skip of it is */
	unsigned index;
	int status;
	int64_t req_ns, head_ns;
	uint64_t len;		/* body bytes: the length, or counted as read */
	uint64_t end_off;	/* by_length: the stream offset just past it */
	char host[FSC_STREAM_HOST_KEEP + 1];
};

struct dir_state {
	uint8_t mode;
	uint8_t after_chunked;	/* mode to return to after a chunked body */
	bool resync;		/* search for a start line before reading */
	bool skip_line;		/* ... and the bytes up to the next line start
				 * are the rest of an unreadable line */
	unsigned next_flags;	/* FSC_SF_* for the next message found */
	uint32_t last_len;	/* head parser hint */
	uint32_t tls_buf;	/* NONE or a pool index */
	uint32_t text;		/* bytes read in M_TEXT */
	unsigned hellos;
	struct fsc_http_chunked chunked;
	struct fsc_tls_reasm tls;
	struct body_watch body;
};

/* A direction's TLS 1.3 records opened (streams_tlsopen.c). */
struct tls_open {
	uint8_t epoch;		/* TO_HANDSHAKE, then TO_APP */
	uint8_t unopened;	/* handshake records without their key, skipped */
	bool hdr_taken;		/* the hello reader consumed the first record's
				 * header: it is in hdr */
	uint8_t hdr[5];
	uint64_t seq;		/* of the epoch's key */
	uint32_t sent;		/* plaintext bytes given to the inner flow */
	struct fsc_tls13_key hs, app;	/* cipher 0: not known */
	uint8_t app_secret[FSC_TLS_SECRET_MAX];	/* app's, for a KeyUpdate */
	uint8_t app_secret_len;
};

struct stream {
	struct dir_state d[2];
	struct pending q[MAX_PENDING];
	unsigned q_first, q_n;
	unsigned requests;
	int req_dir;		/* direction requests travel; -1 unknown */
	bool hrr_seen;		/* the server asked for a second ClientHello */
	bool tunnel;		/* after a CONNECT's 2xx or a 101 */
	/* the ingress handshake on this connection */
	bool ingress_seen, ingress_switched, ingress_reported;
	int ingress_status;
	char ingress_src[64];
	char ingress_target[160];
	struct fsc_addr ingress_addr;
	uint16_t ingress_port;
};

/* A stream's TLS 1.3 opened with a key log, beside it in s->tls13 (only
 * with keys: the streams pool stays as small as it was): the hellos' facts,
 * each direction's keys, the plaintext flow begun in s->inner. */
struct stream_tls13 {
	bool have_random, inner_open;
	uint16_t cipher13;	/* the ServerHello's suite when TLS 1.3; else 0 */
	uint8_t client_random[FSC_TLS_RANDOM_LEN];
	struct tls_open to[2];
};

struct fsc_streams {
	struct fsc_flows *flows;
	struct fsc_stream_limits lim;
	struct stream *pool;
	uint32_t *free_streams;	/* released slots */
	uint32_t n_free_streams;
	uint32_t fresh_streams;	/* slots never used: fresh .. max - 1 (no list
				 * to build: a big table starts at once) */
	uint8_t *tls_bufs;
	uint32_t *free_bufs;
	uint32_t n_free_bufs;
	struct fsc_stream_stats st;
	/* TLS opened with a key log (NULL: none): the keys, the AEAD, the
	 * plaintext flows, a record's plaintext */
	const struct fsc_tlskeys *tlskeys;
	struct fsc_tls13_aead *aead;
	struct fsc_flows *inner;
	struct stream_tls13 *tls13;	/* one a stream slot */
	uint8_t *plain;
	/* the call in progress */
	fsc_stream_fn fn;
	void *ctx;
	bool urgent;		/* the segment in hand has URG and data */
	/* scratch for one message at a time */
	struct fsc_http_header *headers;
	struct fsc_http_head head;
	struct fsc_http_info info;
	struct fsc_span lines[MAX_LINES];
	struct fsc_xff_node xnodes[MAX_XFF];
	struct fsc_xff_list xff;
	struct fsc_xff_fwd_elem felems[MAX_FWD];
	struct fsc_xff_fwd_list fwd;
	struct fsc_xff_node real_ip;
	struct fsc_client client;
	struct fsc_tls_client_hello ch;
	struct fsc_tls_server_hello sh;
	char ja3_string[FSC_JA3_STR_MAX];
	char ja3[FSC_JA3_HEX_LEN];
	char ja4[FSC_JA4_LEN];
};

/* The TLS 1.3 state of a stream, or NULL without a key log. */
static inline struct stream_tls13 *stream_tls13(const struct fsc_streams *s,
						const struct stream *st)
{
	return s->tls13 ? &s->tls13[st - s->pool] : NULL;
}

/* streams.c */
void stream_event_init(struct fsc_stream_event *ev, enum fsc_event_type type,
		       const struct fsc_flow *f, int dir, int64_t ts);
void stream_emit(struct fsc_streams *s, struct fsc_stream_event *ev, enum fsc_status st,
		 const char *why);
void stream_emit_ingress(struct fsc_streams *s, const struct fsc_flow *f, struct stream *st,
			 int64_t ts, const struct fsc_tls_client_hello *h);
/* Both directions guess their protocol again (a tunnel, an upgrade). */
void stream_restart(struct stream *st);

/* streams_tls.c */
size_t stream_tls_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		       const uint8_t *p, size_t len, int64_t ts);
/* A hello the direction ended (FSC_TRUNCATED) or broke (FSC_MALFORMED)
 * inside, reported with its cause; then the buffer goes back. */
void stream_tls_cut(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		    enum fsc_status rc, const char *why, int64_t ts);
void stream_tls_release(struct fsc_streams *s, struct dir_state *d);

/* streams_tlsopen.c */
/* The hello reader stopped at an encrypted record (used bytes consumed):
 * with keys for it, the direction goes to M_TLS_OPEN and the bytes to give
 * back are returned in *back; false leaves it as it was. */
bool stream_tls_open_start(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			   size_t used, size_t *back);
/* The key log has this TLS 1.3 connection's traffic secrets. */
bool stream_tls_keys_known(const struct fsc_streams *s, const struct stream *st);
size_t stream_tls_open_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			    const uint8_t *p, size_t len, unsigned flags, int64_t ts);
/* The connection closed: its plaintext flow closes too. */
void stream_tls_open_close(struct fsc_streams *s, const struct fsc_flow *f, struct stream *st);
void stream_tls_open_free(struct fsc_streams *s);

/* streams_http.c */
size_t stream_http_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			const uint8_t *p, size_t len, unsigned flags, int64_t ts);
/* A direction joined mid-stream, or whose other direction is HTTP: read it
 * as HTTP of that kind from the next start line. */
void stream_http_resync(struct stream *st, int dir, enum mode mode);
/* Bytes were lost in an HTTP direction. */
void stream_http_gap(struct fsc_streams *s, struct stream *st, int dir);
/* The body watched in d (body_ends) is complete at ts. */
void stream_http_body_done(struct fsc_streams *s, const struct fsc_flow *f, int dir,
			   struct dir_state *d, int64_t ts);
/* Where a start line of either kind begins in p, for a direction whose
 * protocol is not known yet, or len. */
size_t stream_http_find_any(const uint8_t *p, size_t len);

#endif
