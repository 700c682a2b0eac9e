/* xff.h - X-Forwarded-For lists, Forwarded (RFC 7239) elements, and the
 * address[:port] nodes inside them (protocols.md §7.2, §11). */
#ifndef FSC_XFF_H
#define FSC_XFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/span.h"
#include "fsc/status.h"

/*
 * Both headers are lists that may arrive on several lines: the lines of one
 * field form one list, joined in order with commas (RFC 9110 §5.3; RFC 7239
 * §4). An element never spans lines, so the *_lines functions take the
 * values as they are (fsc_http_values) and parse them in order without
 * copying; the single-value functions are the same for one line.
 */

enum fsc_xff_kind {
	FSC_XFF_V4,		/* addr.family 4 */
	FSC_XFF_V6,		/* addr.family 6 (::ffff:a.b.c.d kept as v6, v4mapped) */
	FSC_XFF_UNKNOWN,	/* "unknown" */
	FSC_XFF_OBFUSCATED,	/* Forwarded only: "_" 1*(ALPHA/DIGIT/"."/"_"/"-") */
	FSC_XFF_MALFORMED,	/* none of these: why says what */
};

/* One address element or Forwarded node. Text pointers point into the
 * caller's bytes. */
struct fsc_xff_node {
	const char *text;	/* the element as sent (OWS trimmed; Forwarded: */
	size_t len;		/* inside the quotes, escapes not undone) */
	enum fsc_xff_kind kind;
	struct fsc_addr addr;	/* family 0 unless V4/V6 */
	bool has_port;
	uint16_t port;
	const char *obfport;	/* Forwarded ":_xxx" port, without ':'; NULL */
	size_t obfport_len;	/* when absent or the value had escapes */
	const char *zone;	/* X-Forwarded-For "fe80::1%eth0": "eth0"; NULL */
	size_t zone_len;
	bool bracketed;		/* "[v6]" */
	bool v4mapped;		/* ::ffff:0:0/96 */
	const char *why;	/* MALFORMED: the reason; NULL otherwise */
};

/*
 * Parses one X-Forwarded-For element (also the form of X-Real-IP and
 * Tailscale-Ingress-Src): v4, v4:port, bare v6 (optionally %zone), [v6],
 * [v6]:port (zone allowed inside the brackets), ::ffff:v4, `unknown`.
 * Surrounding SP/HTAB is trimmed. Returns FSC_OK and n->kind other than
 * MALFORMED, or FSC_MALFORMED with n->kind MALFORMED and n->why set.
 */
enum fsc_status fsc_xff_elem_parse(const uint8_t *p, size_t len, struct fsc_xff_node *n);

/* A caller-owned array of elements, filled in order across calls. */
struct fsc_xff_list {
	struct fsc_xff_node *elems;
	size_t max;		/* room in elems */
	size_t n;		/* elements stored */
	size_t total;		/* elements seen (> n when room ran out) */
	size_t malformed;	/* elements whose kind is MALFORMED */
};

void fsc_xff_list_init(struct fsc_xff_list *l, struct fsc_xff_node *arr, size_t max);

/*
 * Appends the elements of one X-Forwarded-For value: comma separated, OWS
 * around them, empty elements skipped (RFC 9110 §5.6.1). A bad element is
 * stored as MALFORMED and the rest still parse.
 *   FSC_OK        every element stored (some may be MALFORMED).
 *   FSC_MALFORMED more elements than room: the first max are stored, total
 *                 counts them all.
 */
enum fsc_status fsc_xff_parse(const uint8_t *p, size_t len, struct fsc_xff_list *l,
			      const char **why);
enum fsc_status fsc_xff_parse_lines(const struct fsc_span *lines, size_t n,
				    struct fsc_xff_list *l, const char **why);

/* A Forwarded parameter value: a token, or the inside of a quoted-string. */
struct fsc_xff_fwd_value {
	bool present;
	bool quoted;
	bool escaped;		/* contains quoted-pairs: use fsc_xff_fwd_unquote */
	const char *p;
	size_t len;
};

/* One forwarded-element (one proxy hop). */
struct fsc_xff_fwd_elem {
	const char *text;	/* the element as sent */
	size_t len;
	enum fsc_status status;	/* FSC_OK or FSC_MALFORMED */
	const char *why;
	struct fsc_xff_fwd_value for_, by, proto, host;
	struct fsc_xff_node for_node, by_node;	/* when for_/by present */
	size_t n_params;	/* pairs, unknown ones included */
	size_t n_unknown;	/* parameters other than for/by/proto/host */
};

struct fsc_xff_fwd_list {
	struct fsc_xff_fwd_elem *elems;
	size_t max;
	size_t n;
	size_t total;
	size_t malformed;
};

void fsc_xff_fwd_list_init(struct fsc_xff_fwd_list *l, struct fsc_xff_fwd_elem *arr,
			   size_t max);

/*
 * Appends the forwarded-elements of one Forwarded value (RFC 7239 §4-6):
 * elements split by commas, pairs by ';' (OWS around both tolerated), value
 * = token / quoted-string, parameter names case-insensitive. An element is
 * MALFORMED (and the next one still parsed) when a pair lacks '=' or a
 * value, a parameter repeats, for/by is not a node (IPv4, "[IPv6]",
 * unknown, _obf, with optional :port or :_obfport; an IPv6 or a port needs
 * quotes), or proto is not a URI scheme. An unterminated quoted-string
 * makes the rest of the value one MALFORMED element.
 *   FSC_OK / FSC_MALFORMED as fsc_xff_parse.
 */
enum fsc_status fsc_xff_fwd_parse(const uint8_t *p, size_t len, struct fsc_xff_fwd_list *l,
				  const char **why);
enum fsc_status fsc_xff_fwd_parse_lines(const struct fsc_span *lines, size_t n,
					struct fsc_xff_fwd_list *l, const char **why);

/* Copies v with quoted-pairs undone into buf (NUL-terminated when cap > 0);
 * returns the full length (>= cap means cut). */
size_t fsc_xff_fwd_unquote(const struct fsc_xff_fwd_value *v, char *buf, size_t cap);

/* "v4", "v6", "unknown", "obfuscated", "malformed". */
const char *fsc_xff_kind_name(enum fsc_xff_kind k);

#endif
