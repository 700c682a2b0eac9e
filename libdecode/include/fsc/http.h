/* http.h - HTTP/1.x message heads, the headers funnel debugging reads, body
 * framing and a chunked-body skipper (RFC 9112, RFC 9110; protocols.md §7,
 * §11). In the picohttpparser shape: no allocation, pointers into the
 * caller's buffer, a caller-owned header array, callable again with more. */
#ifndef FSC_HTTP_H
#define FSC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/span.h"
#include "fsc/status.h"

/* Default cap on a head (start line, headers, blank line). */
#define FSC_HTTP_HEAD_MAX 65536

struct fsc_http_header {
	const char *name;	/* into the buffer; as sent (case kept) */
	size_t name_len;
	const char *value;	/* leading and trailing SP/HTAB trimmed; a folded
				 * value spans its folds (CR LF and whitespace
				 * inside, to be read as SP) */
	size_t value_len;
	bool folded;		/* continued by obs-fold lines */
};

/* What a head did that the grammar frowns on but that was read anyway. */
enum fsc_http_flag {
	FSC_HTTP_F_OBS_FOLD = 1 << 0,	/* a field line continued on the next
					 * (RFC 9112 §5.2) */
	FSC_HTTP_F_SPACES = 1 << 1,	/* runs of whitespace between request-line
					 * parts (§3: MAY be read) */
	FSC_HTTP_F_VERSION = 1 << 2,	/* a version not HTTP/1.DIGIT ("HTTP/1.01"):
					 * minor_version as read, version as sent */
};

/*
 * One request or response head. The caller sets the inputs (or calls
 * fsc_http_head_init); the parser fills the rest. Every pointer points into
 * the buffer handed to the parser and is valid as long as those bytes are.
 */
struct fsc_http_head {
	/* inputs */
	struct fsc_http_header *headers;	/* caller-owned array */
	size_t max_headers;			/* its size: the header count limit */
	size_t max_head;			/* head size limit in bytes */
	unsigned lenient;	/* FSC_HTTP_F_OBS_FOLD, _VERSION: read these
				 * rather than refuse them (an observer); 0, the
				 * default, refuses them as a server must */
	/* outputs */
	bool response;
	const char *method;	/* request: method, target */
	size_t method_len;
	const char *target;
	size_t target_len;
	int minor_version;	/* HTTP/1.<minor> */
	const char *version;	/* the version as sent ("HTTP/1.1") */
	size_t version_len;
	unsigned flags;		/* enum fsc_http_flag bits */
	int status;		/* response: 100..999 */
	const char *reason;
	size_t reason_len;
	size_t n_headers;
	size_t head_len;	/* bytes consumed: leading empty lines + head */
};

/* Clears h and sets its inputs: arr[0..n) for the headers, max_head bytes
 * for the head (0 = FSC_HTTP_HEAD_MAX). */
void fsc_http_head_init(struct fsc_http_head *h, struct fsc_http_header *arr,
			size_t n, size_t max_head);

/*
 * Parses a request (or response) head from p[0..len). Call again with the
 * same buffer grown by new bytes; last_len is the len of the previous call
 * (0 the first time): with it, a call whose new bytes do not finish the head
 * returns FSC_TRUNCATED without re-parsing (a slowloris guard), so errors in
 * those bytes are found once the head is complete or over the cap.
 *
 *   FSC_OK        a complete head; h->head_len bytes of p belong to it (the
 *                 body, if any, starts at p + head_len).
 *   FSC_TRUNCATED no complete head yet; call again with more bytes.
 *   FSC_NOT_THIS  the start line is not HTTP/1.x (e.g. TLS, HTTP/2 preface,
 *                 another protocol): nothing was claimed.
 *   FSC_MALFORMED the head is HTTP/1.x but breaks the grammar (*why).
 *                 With head_len > 0 the head was read to its end anyway and
 *                 every field is as sent: a request-target that is empty,
 *                 holds whitespace ("GET /a b HTTP/1.0") or is in none of
 *                 the four forms of RFC 9112 §3.2 ("GET . HTTP/1.0", CONNECT
 *                 to no host:port); whitespace after the version; a folded
 *                 line right after the start line. With head_len 0 it could
 *                 not be read to its end: a bad header name, whitespace
 *                 before the colon, a control character in a value, a bare
 *                 CR, more headers than max_headers, or no end within
 *                 max_head bytes (the fields hold what came before).
 *
 * A request line is HTTP when it is a token (any method: RPC_IN_DATA,
 * M-SEARCH), SP, and a line ending in an HTTP/1.x version; anything else is
 * FSC_NOT_THIS (HTTP/0.9, RTSP, a Gnutella handshake, binary).
 *
 * Leniency, as picohttpparser and most servers, flagged in h->flags where
 * the RFC frowns: a bare LF ends a line like CRLF (RFC 9112 §2.2 allows
 * it); empty lines before a request or status line are skipped (§2.2);
 * runs of SP separate start-line parts (FSC_HTTP_F_SPACES); a response may
 * omit the reason phrase and its SP. Only when h->lenient asks (an observer
 * of other people's traffic, not a server): a version with more digits and
 * major 1 (FSC_HTTP_F_VERSION; else FSC_MALFORMED), obsolete line folding
 * (§5.2) kept as the RFC's replacement by SP would keep it
 * (FSC_HTTP_F_OBS_FOLD, the header's `folded`; else FSC_MALFORMED
 * "obsolete line folding").
 */
enum fsc_status fsc_http_parse_request(const uint8_t *p, size_t len, size_t last_len,
				       struct fsc_http_head *h, const char **why);
enum fsc_status fsc_http_parse_response(const uint8_t *p, size_t len, size_t last_len,
					struct fsc_http_head *h, const char **why);

/* Longest start line fsc_http_start_line waits for. */
#define FSC_HTTP_LINE_MAX FSC_HTTP_HEAD_MAX

/*
 * Is p the start of a request line (or, with response, a status line) as
 * the head parsers read it: a token, SP and a line ending in an HTTP/1.x
 * version (a malformed target included), or "HTTP/1.x" SP 3DIGIT ...?
 * Where to take up a stream again after bytes that cannot be read.
 *   FSC_OK        a whole line of that kind.
 *   FSC_TRUNCATED the line is not finished and may still be one.
 *   FSC_NOT_THIS  it is not (or no end within FSC_HTTP_LINE_MAX bytes).
 */
enum fsc_status fsc_http_start_line(const uint8_t *p, size_t len, bool response);

/* The next header named name (ASCII case-insensitive) after `after`, or the
 * first if after is NULL; NULL when there is none. */
const struct fsc_http_header *fsc_http_find(const struct fsc_http_head *h, const char *name,
					    const struct fsc_http_header *after);

/* Stores the values of every line named name, in order, in out[0..max);
 * returns how many lines there are (which may exceed max). Several lines of
 * a list-valued field form one list (RFC 9110 §5.3): hand them to
 * fsc_xff_parse_lines / fsc_xff_fwd_parse_lines without copying. */
size_t fsc_http_values(const struct fsc_http_head *h, const char *name,
		       struct fsc_span *out, size_t max);

/* Joins the values of every line named name with ", " into buf (always
 * NUL-terminated when cap > 0); returns the full length, so a result >= cap
 * means it was cut. */
size_t fsc_http_join(const struct fsc_http_head *h, const char *name, char *buf, size_t cap);

enum fsc_http_conn {
	FSC_HTTP_CONN_CLOSE = 1,
	FSC_HTTP_CONN_KEEP_ALIVE = 2,
	FSC_HTTP_CONN_UPGRADE = 4,
};

/* What a funnel observer wants from a head. Header pointers are the first
 * line of that name, NULL if absent. */
struct fsc_http_info {
	const struct fsc_http_header *host;
	size_t n_host;			/* > 1: RFC 9112 §3.2 says reject */
	const struct fsc_http_header *user_agent;
	const struct fsc_http_header *upgrade;
	const struct fsc_http_header *x_real_ip;
	const struct fsc_http_header *x_forwarded_host;
	const struct fsc_http_header *x_forwarded_proto;
	const struct fsc_http_header *ingress_src;	/* Tailscale-Ingress-Src */
	const struct fsc_http_header *ingress_target;	/* Tailscale-Ingress-Target */
	size_t n_xff;			/* X-Forwarded-For lines */
	size_t n_forwarded;		/* Forwarded lines */
	bool has_content_length;
	uint64_t content_length;	/* all values agree (RFC 9110 §8.6) */
	bool has_transfer_encoding;
	bool chunked;			/* chunked is the final transfer coding */
	bool cl_and_te;			/* both: TE wins, a smuggling sign */
	bool framing_folded;		/* a Content-Length or Transfer-Encoding
					 * line was folded: readers that unfold and
					 * readers that reject disagree on framing */
	unsigned connection;		/* enum fsc_http_conn bits */
	bool expect_continue;		/* Expect: 100-continue */
	bool has_funnel;		/* Tailscale-Funnel-Request present */
	bool funnel;			/* ... and its value is ?1 */
};

/*
 * Extracts the above.
 *   FSC_OK        done.
 *   FSC_MALFORMED a Content-Length that is not digits, overflows, or
 *                 disagrees with another Content-Length value (lines or
 *                 comma list); an empty Transfer-Encoding coding (*why).
 */
enum fsc_status fsc_http_info(const struct fsc_http_head *h, struct fsc_http_info *in,
			      const char **why);

enum fsc_http_body_kind {
	FSC_HTTP_BODY_NONE,	/* no body */
	FSC_HTTP_BODY_LENGTH,	/* exactly `length` bytes (may be 0) */
	FSC_HTTP_BODY_CHUNKED,	/* chunked: use fsc_http_chunked_skip */
	FSC_HTTP_BODY_CLOSE,	/* response read until the connection closes */
	FSC_HTTP_BODY_SWITCH,	/* 101, or 2xx to CONNECT: another protocol follows */
};

struct fsc_http_body {
	enum fsc_http_body_kind kind;
	uint64_t length;
};

/*
 * Body framing after a head (RFC 9112 §6.3). For a response, req_method is
 * the method of the request it answers (HEAD and CONNECT change the answer);
 * for a request it is ignored (pass NULL, 0).
 *   FSC_OK        b is set.
 *   FSC_MALFORMED a request with Transfer-Encoding whose final coding is not
 *                 chunked (RFC 9112 §6.3 item 4: 400).
 */
enum fsc_status fsc_http_body_framing(const struct fsc_http_head *h,
				      const struct fsc_http_info *in,
				      const char *req_method, size_t req_method_len,
				      struct fsc_http_body *b, const char **why);

/* Lines in a chunked body (size + extensions, trailer field) are bounded. */
#define FSC_HTTP_CHUNK_LINE_MAX 4096
#define FSC_HTTP_TRAILER_MAX 65536

/*
 * Skips a chunked body (RFC 9112 §7.1) without storing it: chunk-size lines
 * with extensions, data, CRLF, last chunk, trailer fields, final CRLF. An
 * incremental state machine: feed the body bytes in any split.
 */
struct fsc_http_chunked {
	/* private (a leading _): where the parser is */
	uint8_t _state;
	uint8_t _digits;
	uint64_t _left;		/* size of / data left in the current chunk */
	size_t _line;		/* bytes in the current line */
	uint64_t trailer;	/* trailer bytes so far */
	uint64_t body;		/* chunk data bytes skipped */
	uint64_t chunks;	/* chunks seen, the last (0) one included */
	const char *why;
};

void fsc_http_chunked_init(struct fsc_http_chunked *c);

/*
 * Feeds len bytes; *used says how many belong to the body.
 *   FSC_OK        the body ended after *used bytes (what follows is the
 *                 next message). Sticky: later calls use 0 bytes.
 *   FSC_TRUNCATED all len bytes were body; feed more.
 *   FSC_MALFORMED not a chunked body (*why): a size that is not hex or
 *                 overflows, data not followed by CRLF, a line over its cap,
 *                 a control character. Sticky.
 * Bare LF is accepted where CRLF is due, as in heads.
 */
enum fsc_status fsc_http_chunked_skip(struct fsc_http_chunked *c, const uint8_t *p,
				      size_t len, size_t *used, const char **why);

#endif
