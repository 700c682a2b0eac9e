/* request.h - one owned, bounded record per HTTP transaction, in the model
 * of zeek's HTTP::Info: the request with its real client, the answer, the
 * times to its first and last byte, body sizes, its connection's TLS and
 * ingress context, and where each piece was seen. A builder reads pipeline
 * events (pipeline.h) and hands each record over once, when its
 * transaction completes or is given up. */
#ifndef FSC_REQUEST_H
#define FSC_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/client.h"
#include "fsc/ja.h"
#include "fsc/pipeline.h"
#include "fsc/span.h"

/* Bytes kept of each text field; longer text is cut there and its bit set
 * in fsc_request.cut. The target cap is far above any real path a funnel
 * serves (the streams keep only FSC_STREAM_URI_KEEP to name an answer). */
#define FSC_REQ_TARGET_MAX 2048
#define FSC_REQ_HOST_MAX 256
#define FSC_REQ_METHOD_MAX 32
#define FSC_REQ_UA_MAX 256
#define FSC_REQ_REFERER_MAX 512
#define FSC_REQ_XFF_MAX 512	/* the X-Forwarded-For lines, joined */
#define FSC_REQ_REASON_MAX 64
#define FSC_REQ_SNI_MAX 256
#define FSC_REQ_ALPN_MAX 32
#define FSC_REQ_INGRESS_MAX 160	/* Tailscale-Ingress-Src / -Target */
/* Header fields a user asks for (fsc_request_limits.fields), and the bytes
 * kept of each one's value (its lines joined with ", "). */
#define FSC_REQ_FIELDS_MAX 8
#define FSC_REQ_FIELD_NAME_MAX 64
#define FSC_REQ_FIELD_MAX 256
/* The most fsc_request_limits.head_cap honours. */
#define FSC_REQ_HEAD_CAP_MAX 65536

/* Which text fields were cut (fsc_request.cut). */
enum fsc_req_cut {
	FSC_REQ_CUT_TARGET = 1 << 0,
	FSC_REQ_CUT_HOST = 1 << 1,
	FSC_REQ_CUT_METHOD = 1 << 2,
	FSC_REQ_CUT_UA = 1 << 3,
	FSC_REQ_CUT_XFF = 1 << 4,
	FSC_REQ_CUT_REASON = 1 << 5,
	FSC_REQ_CUT_SNI = 1 << 6,
	FSC_REQ_CUT_ALPN = 1 << 7,
	FSC_REQ_CUT_INGRESS = 1 << 8,
	FSC_REQ_CUT_FIELD = 1 << 9,	/* a field value (see its own `cut`) */
	FSC_REQ_CUT_REQ_HEADERS = 1 << 10, /* request header lines over head_cap */
	FSC_REQ_CUT_RESP_HEADERS = 1 << 11,
	FSC_REQ_CUT_REFERER = 1 << 12,
};

/* How a transaction ended; each record is handed over exactly once. */
enum fsc_req_state {
	/* The answer and its body's last byte were seen. */
	FSC_REQ_COMPLETE = 0,
	/* Answered, but the body's end was never seen: a gap, a body cut by
	 * the end of the input, a malformed or cut answer. */
	FSC_REQ_BODY_CUT,
	/* The connection closed (FIN, RST, idle, reused) with no answer, or
	 * the answers after a gap could not be paired any more. */
	FSC_REQ_UNANSWERED,
	/* The input ended (fsc_requests_flush, or the pipeline's own flush)
	 * with no answer yet. */
	FSC_REQ_END,
	/* Given up for room: this builder's table (max_open, max_conns) or
	 * the flow table evicted it. Counted in the stats. */
	FSC_REQ_EVICTED,
	FSC_REQ_STATE_COUNT
};

/*
 * Where a piece was seen: the observation point of the event that brought
 * it. `seen` false: not seen (then every other field is 0).
 */
struct fsc_req_seen {
	bool seen;
	int64_t ts_ns;
	uint64_t frame;		/* frame number in its file or interface; 0
				 * for what the end of the input raised */
	unsigned file;		/* merged input files: which (fsc_frame.file) */
	unsigned iface;		/* pcapng interface or live interface index */
	uint32_t tunnel;	/* inside WireGuard session N (decrypted);
				 * 0 on the wire */
};

/* A header field asked for. name points into the builder (valid while it
 * lives); value holds the field's lines joined with ", ". */
struct fsc_req_field {
	const char *name;
	bool response;		/* a response field; else a request field */
	bool present;
	bool cut;		/* value cut to FSC_REQ_FIELD_MAX */
	uint16_t len;
	char value[FSC_REQ_FIELD_MAX + 1];
};

/* The client, by the rule of client.h (rule NONE: the head was cut before
 * its end, and family is 0). */
struct fsc_req_client {
	enum fsc_client_rule rule;
	struct fsc_addr addr;
	bool has_claimed;
	struct fsc_addr claimed;	/* the leftmost claim, when not addr */
	unsigned hops;			/* X-Forwarded-For (else Forwarded) hops */
};

/*
 * The record. Every text field is the bytes as sent (untrusted: escape
 * before showing, escape.h), cut to its cap, NUL-terminated, with its
 * length beside it. The record and its text belong to the builder and are
 * valid only during the callback: copy what is kept.
 */
struct fsc_request {
	enum fsc_req_state state;
	/* flow identity: the connection, by the table that read it */
	uint64_t flow_id;	/* fsc_flow.id: unique for the pipeline's life */
	unsigned index;		/* 1-based request number on the connection */
	uint64_t seq;		/* 1-based order of the request among all the
				 * builder saw (records are handed over in the
				 * order they end) */
	struct fsc_addr src, dst; /* the request's sender and receiver */
	uint16_t sport, dport;
	uint8_t obs;		/* the flow's observation point (fsc_flow.obs) */
	uint32_t tunnel;	/* WireGuard session of the flow, 0 on the wire */
	/* where each piece was seen */
	struct fsc_req_seen req;	/* request head */
	struct fsc_req_seen resp;	/* final response head */
	struct fsc_req_seen end;	/* its body's last byte */
	struct fsc_req_seen hello;	/* the connection's ClientHello */
	struct fsc_req_seen ingress;	/* the connection's ingress handshake */
	struct fsc_req_client client;
	/* the request */
	enum fsc_status req_status;	/* FSC_OK, or the head was cut or
					 * malformed (req_why) */
	const char *req_why;		/* static; NULL when OK */
	unsigned req_flags;		/* enum fsc_stream_flag */
	int minor_version;		/* HTTP/1.<minor> of the request */
	bool funnel;			/* Tailscale-Funnel-Request: ?1 */
	bool req_body_known;		/* Content-Length, or no body */
	uint64_t req_body_len;		/* as declared (a chunked body: unknown) */
	/* the answer (resp.seen: one came) */
	int status;			/* HTTP status; 0: none */
	enum fsc_status resp_status;	/* as req_status, for the answer */
	const char *resp_why;
	unsigned resp_flags;
	unsigned interim;		/* 1xx answers before the final one */
	int64_t first_ns;		/* request head -> response head; -1 none */
	int64_t last_ns;		/* request head -> body's last byte; -1 */
	bool resp_body_known;		/* body_len measured at its end, or
					 * declared by Content-Length when cut */
	bool resp_body_measured;	/* ... measured (or none by definition:
					 * 101, 2xx to CONNECT) */
	uint64_t resp_body_len;		/* content bytes, chunk framing aside */
	/* the connection's TLS: its ClientHello (SNI, JA4, the first ALPN
	 * protocol offered) and ServerHello (the ALPN protocol selected,
	 * which replaces the offer), seen on the same flow */
	bool has_sni;
	bool alpn_selected;
	/* ingress: Tailscale-Ingress-Src/-Target of the connection's ingress
	 * handshake, or of this request's own headers */
	bool has_ingress;
	unsigned cut;			/* enum fsc_req_cut bits */
	uint16_t method_len, target_len, host_len, ua_len, referer_len, xff_len, reason_len;
	uint16_t sni_len, alpn_len, ja4_len, ingress_src_len, ingress_target_len;
	char method[FSC_REQ_METHOD_MAX + 1];
	char target[FSC_REQ_TARGET_MAX + 1];
	char host[FSC_REQ_HOST_MAX + 1];	/* Host; "" when none */
	char user_agent[FSC_REQ_UA_MAX + 1];
	char referer[FSC_REQ_REFERER_MAX + 1];
	char xff[FSC_REQ_XFF_MAX + 1];		/* X-Forwarded-For as sent */
	char reason[FSC_REQ_REASON_MAX + 1];	/* of the answer */
	char sni[FSC_REQ_SNI_MAX + 1];
	char alpn[FSC_REQ_ALPN_MAX + 1];
	char ja4[FSC_JA4_LEN];			/* "" without fingerprints */
	char ingress_src[FSC_REQ_INGRESS_MAX + 1];
	char ingress_target[FSC_REQ_INGRESS_MAX + 1];
	/* the fields asked for, in the order of the limits */
	struct fsc_req_field fields[FSC_REQ_FIELDS_MAX];
	size_t n_fields;
	/* With head_cap: every header line of each head as
	 * "Name: value\r\n" (obs-fold line breaks read as SP), cut at a line
	 * boundary (FSC_REQ_CUT_*_HEADERS); walk with fsc_request_header_next.
	 * NULL and 0 without head_cap. Owned by the builder, as the record. */
	const char *req_headers;
	size_t req_headers_len;
	const char *resp_headers;
	size_t resp_headers_len;
};

/* A header field to keep in every record. */
struct fsc_req_field_spec {
	const char *name;	/* ASCII case-insensitive; copied at creation */
	bool response;		/* from the response head; else the request's */
};

/* Zero fields take the defaults named. */
struct fsc_request_limits {
	uint32_t max_open;	/* transactions open at once; 1024 */
	uint32_t max_conns;	/* connections whose TLS, ingress and open
				 * transactions are remembered; 1024 */
	uint32_t head_cap;	/* bytes of header lines kept per head; 0: none;
				 * at most FSC_REQ_HEAD_CAP_MAX */
	const struct fsc_req_field_spec *fields; /* at most FSC_REQ_FIELDS_MAX */
	size_t n_fields;
};

struct fsc_request_stats {
	uint64_t records[FSC_REQ_STATE_COUNT];	/* handed over, by state */
	uint64_t evicted_open;		/* max_open reached: oldest given up */
	uint64_t evicted_conns;		/* max_conns reached: least recent */
	uint64_t orphan_responses;	/* answers to requests not seen */
	uint64_t late_events;		/* answers or ends of a record already
					 * handed over (evicted) */
};

typedef void (*fsc_request_fn)(const struct fsc_request *rec, void *ctx);

struct fsc_requests;

/*
 * A builder; NULL when out of memory or a field name is empty or longer
 * than FSC_REQ_FIELD_NAME_MAX (more than FSC_REQ_FIELDS_MAX fields: the
 * first ones). All memory is taken here; nothing is allocated after.
 * The pipeline must emit what the builder reads: see
 * fsc_requests_pipeline_limits.
 */
struct fsc_requests *fsc_requests_new(const struct fsc_request_limits *lim);
void fsc_requests_free(struct fsc_requests *r);

/* Sets what the pipeline must emit for records: body ends (the last-byte
 * time and body size) and HTTP connection closes (unanswered requests). */
void fsc_requests_pipeline_limits(struct fsc_pipeline_limits *pl);

/*
 * One pipeline event. Records that it completes, or gives up (a connection
 * closed; room needed), go to fn during the call. Events of other kinds
 * are ignored cheaply. Never allocates.
 */
void fsc_requests_event(struct fsc_requests *r, const struct fsc_event *ev,
			fsc_request_fn fn, void *ctx);

/* End of input: every transaction still open goes to fn, oldest first
 * (FSC_REQ_BODY_CUT when answered, else FSC_REQ_END); the builder is empty
 * afterwards and may be used again. Call after fsc_pipeline_flush. */
void fsc_requests_flush(struct fsc_requests *r, fsc_request_fn fn, void *ctx);

const struct fsc_request_stats *fsc_requests_stats(const struct fsc_requests *r);

/*
 * The next header line of a record's req_headers or resp_headers: from
 * *off, sets name and value (spans into the text) and advances *off.
 * False at the end.
 */
bool fsc_request_header_next(const char *text, size_t len, size_t *off,
			     struct fsc_span *name, struct fsc_span *value);

/* "complete", "body-cut", "unanswered", "end", "evicted". */
const char *fsc_req_state_name(enum fsc_req_state s);

#endif
