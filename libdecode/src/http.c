/* http.c - HTTP/1.x heads and header extraction (body framing and the
 * chunked skipper: http_body.c).
 *
 * Follows RFC 9112 (§2.2 message parsing, §3 request line, §4 status line,
 * §5 field lines) and RFC 9110 §5.6 (tokens, lists), §8.6 (Content-Length).
 *
 *   request-line  = method SP request-target SP "HTTP/1." DIGIT CRLF
 *   request-target = origin-form / absolute-form / authority-form /
 *                   asterisk-form                              (§3.2)
 *   status-line   = "HTTP/1." DIGIT SP 3DIGIT [ SP reason-phrase ] CRLF
 *   field-line    = field-name ":" OWS field-value OWS CRLF   (repeated)
 *                   CRLF                                      (end of head)
 *   obs-fold      = OWS CRLF RWS                              (§5.2, kept)
 */
#include "fsc/http.h"

#include <string.h>

#include "fsc/cursor.h"
#include "fsc/span.h"

void fsc_http_head_init(struct fsc_http_head *h, struct fsc_http_header *arr,
			size_t n, size_t max_head)
{
	memset(h, 0, sizeof(*h));
	h->headers = arr;
	h->max_headers = n;
	h->max_head = max_head ? max_head : FSC_HTTP_HEAD_MAX;
}

/* Internal outcome of one grammar step. */
/* S_SOFT: the line was read whole but breaks the grammar; the head is
 * malformed, and is read on so that its extent and fields are known. */
enum step { S_OK, S_NEED, S_NOT, S_BAD, S_SOFT };

/* The next byte, or -1 at the end; never moves. */
static int peekc(struct fsc_cursor *c)
{
	return fsc_cur_left(c) ? fsc_cur_peek(c, 0) : -1;
}


/*
 * Runs of a byte class eight bytes at a time. A word test flags, in bit 7 of
 * each byte, the bytes that may end the run; a word with no flag is taken
 * whole. In a flagged word the bytes before the first flag are in the run:
 * the flag forms used (x - n) & ~x for "below n", x & 0x80, and the exact
 * per-byte range tests, can only raise false flags above a true one, in
 * later bytes of a little-endian word. From the first flag on, the exact
 * set decides byte by byte. (On a big-endian machine a flagged word goes
 * byte by byte from its start.)
 */
#define ONES 0x0101010101010101ull
#define HIGH (0x80 * ONES)

/* Bytes of the word that are in the run before its first flag. */
static size_t before_first_flag(uint64_t flags)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(flags) / 8;
#else
	(void)flags;
	return 0;
#endif
}

/* Flags bytes below `from` and DEL: fsc_field_value_set and fsc_vchar_set
 * hold every other byte (and the value set HTAB too, which the exact test
 * lets through). */
static uint64_t flags_below_or_del(uint64_t w, uint8_t from)
{
	uint64_t del = w ^ (0x7f * ONES);

	return (((w - from * ONES) & ~w) | ((del - ONES) & ~del)) & HIGH;
}

/* Flags bytes that are not letters, digits or '-' (the tchars that names
 * are made of; the others are rare and the exact test takes them). Bytes
 * below 0x20 or above 0x7f are flagged first: in the rest, setting bit
 * 0x20 folds case and maps nothing else onto a letter, digit or '-'. */
static uint64_t flags_not_name(uint64_t w)
{
	uint64_t odd = ((w - 0x20 * ONES) & ~w) | w;
	uint64_t t = (w | 0x20 * ONES) & (0x7f * ONES);
	uint64_t letter = (t + (0x80 - 'a') * ONES) & ~(t + (0x80 - 'z' - 1) * ONES);
	uint64_t digit = (t + (0x80 - '0') * ONES) & ~(t + (0x80 - '9' - 1) * ONES);
	uint64_t d = t ^ ('-' * ONES);
	uint64_t dash = ~(((d & 0x7f * ONES) + 0x7f * ONES) | d);

	return (odd | ~(letter | digit | dash)) & HIGH;
}

enum run_kind { RUN_NAME, RUN_TARGET, RUN_VALUE };

/* fsc_cur_spn over the set of the kind: tchar, VCHAR or field value. The
 * cursor comes by value, so that the parser's own never leaves registers. */
static inline size_t spn_words(struct fsc_cursor cur, enum run_kind kind)
{
	const struct fsc_byteset *set = kind == RUN_NAME ? &fsc_tchar_set :
					kind == RUN_TARGET ? &fsc_vchar_set : &fsc_field_value_set;
	const struct fsc_cursor *c = &cur;
	const uint8_t *q = c->p;

	if (c->bad)
		return 0;
	while (c->end - q >= 8) {
		uint64_t w, flags;
		memcpy(&w, q, 8);
		flags = kind == RUN_NAME ? flags_not_name(w) :
					   flags_below_or_del(w, kind == RUN_TARGET ? 0x21 : 0x20);
		if (flags) {
			q += before_first_flag(flags);
			break;
		}
		q += 8;
	}
	while (q < c->end && fsc_byteset_has(set, *q))
		q++;
	return (size_t)(q - c->p);
}

/* Reads an end of line: CRLF or a bare LF. */
static enum step eol(struct fsc_cursor *c, const char **why)
{
	int ch = peekc(c);

	if (ch == '\r') {
		if (fsc_cur_left(c) < 2)
			return S_NEED;
		if (fsc_cur_peek(c, 1) != '\n') {
			*why = "CR not followed by LF";
			return S_BAD;
		}
		fsc_cur_skip(c, 2);
		return S_OK;
	}
	if (ch == '\n') {
		fsc_cur_skip(c, 1);
		return S_OK;
	}
	return ch < 0 ? S_NEED : S_BAD;
}

/* Skips empty lines before a start line (RFC 9112 §2.2). */
static enum step leading_empty_lines(struct fsc_cursor *c)
{
	for (;;) {
		int ch = peekc(c);
		if (ch == '\n') {
			fsc_cur_skip(c, 1);
		} else if (ch == '\r') {
			if (fsc_cur_left(c) < 2)
				return S_NEED;
			if (fsc_cur_peek(c, 1) != '\n')
				return S_NOT;
			fsc_cur_skip(c, 2);
		} else {
			return ch < 0 ? S_NEED : S_OK;
		}
	}
}

static enum step spaces(struct fsc_cursor *c)
{
	if (peekc(c) < 0)
		return S_NEED;
	if (peekc(c) != ' ')
		return S_NOT;
	while (peekc(c) == ' ')
		fsc_cur_skip(c, 1);
	return peekc(c) < 0 ? S_NEED : S_OK;
}

/* Reads 1*DIGIT into *v (saturating); returns the digits read. */
static size_t digits(struct fsc_cursor *c, int *v)
{
	size_t n = 0;

	*v = 0;
	for (int ch = peekc(c); ch >= '0' && ch <= '9'; ch = peekc(c), n++) {
		if (*v < 1000)
			*v = *v * 10 + (ch - '0');
		fsc_cur_skip(c, 1);
	}
	return n;
}

/*
 * Matches an HTTP/1.x version as far as the bytes go: "HTTP/1." DIGIT, or,
 * flagged FSC_HTTP_F_VERSION, other digit runs with major 1 ("HTTP/1.01",
 * what HTTP evaders send and servers read as 1.1). With `whole`, c holds
 * the version and nothing else (a request line's last word); otherwise more
 * bytes may follow, and a version at the end of c may still grow.
 */
static enum step version(struct fsc_cursor *c, struct fsc_http_head *h, bool whole)
{
	static const char pfx[] = "HTTP/";
	int major, minor;

	h->version = (const char *)c->p;
	for (size_t i = 0; i < sizeof(pfx) - 1; i++) {
		int ch = peekc(c);
		if (ch < 0)
			return S_NEED;
		if (ch != pfx[i])
			return S_NOT;
		fsc_cur_skip(c, 1);
	}
	size_t nmaj = digits(c, &major);
	if (peekc(c) < 0)
		return S_NEED;
	if (nmaj == 0 || major != 1 || peekc(c) != '.')
		return S_NOT;
	fsc_cur_skip(c, 1);
	size_t nmin = digits(c, &minor);
	if (peekc(c) < 0 && !whole)
		return S_NEED;
	if (nmin == 0)
		return S_NOT;
	h->version_len = (size_t)((const char *)c->p - h->version);
	h->minor_version = minor;
	if (nmaj != 1 || nmin != 1) {
		h->flags |= FSC_HTTP_F_VERSION;
		if (!(h->lenient & FSC_HTTP_F_VERSION))
			return S_BAD; /* a server answers 400 */
	}
	return S_OK;
}

/* Does the request-target fit one of the four forms (RFC 9112 §3.2)? */
static bool target_form_ok(const struct fsc_http_head *h)
{
	const char *t = h->target;
	size_t n = h->target_len;

	if (fsc_span_ieq(h->method, h->method_len, "CONNECT")) {
		/* authority-form: host ":" port, nothing else */
		const char *colon = memchr(t, ':', n);
		return colon && colon > t && colon + 1 < t + n && !memchr(t, '/', n);
	}
	if (t[0] == '/')
		return true;				/* origin-form */
	if (n == 1 && t[0] == '*')
		return true;				/* asterisk-form */
	/* absolute-form: scheme ":" ... */
	size_t i = 0;
	if (!((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z'))
		return false;
	while (i < n && (((t[i] | 0x20) >= 'a' && (t[i] | 0x20) <= 'z') ||
			 (t[i] >= '0' && t[i] <= '9') || t[i] == '+' || t[i] == '-' || t[i] == '.'))
		i++;
	return i < n && t[i] == ':';
}

/*
 * request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
 * The line is HTTP when it is a token, SP, and ends in an HTTP/1.x version;
 * anything else is not this protocol (S_NOT). What lies between is the
 * target; a target that is empty, holds whitespace or fits no form (RFC
 * 9112 §3.2) makes the head malformed but readable: S_SOFT, with the line
 * consumed and *why set, so the headers are read on.
 */
static enum step request_line(struct fsc_cursor *c, struct fsc_http_head *h,
			      const char **why)
{
	h->method = (const char *)c->p;
	fsc_cur_skip(c, spn_words(*c, RUN_NAME));
	h->method_len = (size_t)((const char *)c->p - h->method);
	int ch = peekc(c);
	if (ch < 0)
		return S_NEED;
	*why = "request line: method";
	if (h->method_len == 0 || ch != ' ')
		return S_NOT;
	/* The rest of the line: visible bytes, SP and HTAB up to its end. */
	const uint8_t *rest = c->p;
	struct fsc_cursor line = *c;
	fsc_cur_skip(&line, spn_words(line, RUN_VALUE));
	ch = peekc(&line);
	if (ch < 0)
		return S_NEED;
	*why = "request line: control character";
	if (ch != '\r' && ch != '\n')
		return S_NOT;
	const uint8_t *end = line.p;
	/* The version is the last word. */
	const uint8_t *v = end;
	while (v > rest && v[-1] != ' ' && v[-1] != '\t')
		v--;
	const uint8_t *vend = end;
	bool trailing = v == end;
	if (trailing) { /* whitespace after the version */
		while (vend > rest && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		v = vend;
		while (v > rest && v[-1] != ' ' && v[-1] != '\t')
			v--;
	}
	struct fsc_cursor vc = fsc_cur_make(v, (size_t)(vend - v));
	*why = "request line: version is not HTTP/1.x";
	enum step vs = v == vend ? S_NOT : version(&vc, h, true);
	if (vs == S_OK && fsc_cur_left(&vc) != 0)
		vs = S_NOT;
	if (vs != S_OK)
		return vs == S_BAD ? S_BAD : S_NOT;
	/* The target: between the method's SP and the version's. */
	const uint8_t *t = rest, *tend = v;
	while (t < tend && *t == ' ')
		t++;
	while (tend > t && (tend[-1] == ' ' || tend[-1] == '\t'))
		tend--;
	if (t - rest > 1 || v - tend > 1)
		h->flags |= FSC_HTTP_F_SPACES; /* RFC 9112 §3: MAY split on runs */
	h->target = (const char *)t;
	h->target_len = (size_t)(tend - t);
	fsc_cur_skip(c, (size_t)(end - c->p));
	enum step s = eol(c, why);
	if (s != S_OK)
		return s;
	if (h->target_len == 0) {
		*why = "request line: no target";
		return S_SOFT;
	}
	if (trailing) {
		*why = "request line: junk after version";
		return S_SOFT;
	}
	if (memchr(h->target, ' ', h->target_len) || memchr(h->target, '\t', h->target_len)) {
		*why = "request line: whitespace inside the target";
		return S_SOFT;
	}
	if (!target_form_ok(h)) {
		*why = "request line: target in none of the origin, absolute, authority "
		       "(CONNECT) or asterisk forms";
		return S_SOFT;
	}
	return S_OK;
}

static enum step status_line(struct fsc_cursor *c, struct fsc_http_head *h,
			     const char **why)
{
	enum step s;

	*why = "status line: version is not HTTP/1.x";
	if ((s = version(c, h, false)) != S_OK)
		return s;
	*why = "status line: no SP after version";
	if ((s = spaces(c)) != S_OK)
		return s == S_NOT ? S_BAD : s;
	*why = "status line: status is not 3 digits";
	h->status = 0;
	for (int i = 0; i < 3; i++) {
		int ch = peekc(c);
		if (ch < 0)
			return S_NEED;
		if (ch < '0' || ch > '9')
			return S_BAD;
		h->status = h->status * 10 + (ch - '0');
		fsc_cur_skip(c, 1);
	}
	if (h->status < 100)
		return S_BAD;
	h->reason = (const char *)c->p;
	h->reason_len = 0;
	int ch = peekc(c);
	if (ch < 0)
		return S_NEED;
	if (ch == ' ') {
		while (peekc(c) == ' ')
			fsc_cur_skip(c, 1);
		h->reason = (const char *)c->p;
		fsc_cur_skip(c, spn_words(*c, RUN_VALUE));
		h->reason_len = (size_t)((const char *)c->p - h->reason);
	}
	*why = "status line: control character";
	return eol(c, why);
}

/*
 * A line that begins with SP or HTAB continues the field line before it
 * (obs-fold, RFC 9112 §5.2). A server refuses it (S_BAD, the RFC's first
 * choice); a reader that asked (lenient) keeps it, as the RFC's "replace
 * with SP" would keep it: the previous value grows over the fold (its bytes then hold
 * CR LF and whitespace, which fsc_http_info reads as whitespace) and the
 * header and head are flagged. One right after the start line continues
 * nothing: RFC 9112 §2.2 says reject, so the head is malformed (S_SOFT) and
 * the line skipped.
 */
static enum step folded_line(struct fsc_cursor *c, struct fsc_http_head *h, const char **why)
{
	enum step s;

	while (peekc(c) == ' ' || peekc(c) == '\t')
		fsc_cur_skip(c, 1);
	const char *more = (const char *)c->p;
	size_t run = spn_words(*c, RUN_VALUE);
	const char *vend = more + run;
	fsc_cur_skip(c, run);
	while (vend > more && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	if (peekc(c) < 0)
		return S_NEED;
	*why = "header value: control character";
	if ((s = eol(c, why)) != S_OK)
		return s;
	h->flags |= FSC_HTTP_F_OBS_FOLD;
	if (h->n_headers == 0) {
		*why = "whitespace before the first header (RFC 9112 §2.2)";
		return S_SOFT;
	}
	if (!(h->lenient & FSC_HTTP_F_OBS_FOLD)) {
		*why = "obsolete line folding"; /* RFC 9112 §5.2: reject, or unfold */
		return S_BAD;
	}
	struct fsc_http_header *f = &h->headers[h->n_headers - 1];
	f->folded = true;
	if (vend > more) {
		if (f->value_len == 0)
			f->value = more;
		f->value_len = (size_t)(vend - f->value);
	}
	return S_OK;
}

/* One field line, or the empty line that ends the head (*done). */
static enum step field_line(struct fsc_cursor *c, struct fsc_http_head *h, bool *done,
			    const char **why)
{
	int ch = peekc(c);
	enum step s;

	if (ch < 0)
		return S_NEED;
	if (ch == '\r' || ch == '\n') {
		*why = "CR not followed by LF";
		s = eol(c, why);
		*done = s == S_OK;
		return s;
	}
	if (ch == ' ' || ch == '\t')
		return folded_line(c, h, why);
	const char *name = (const char *)c->p;
	fsc_cur_skip(c, spn_words(*c, RUN_NAME));
	size_t name_len = (size_t)((const char *)c->p - name);
	ch = peekc(c);
	if (ch < 0)
		return S_NEED;
	if (ch != ':') {
		*why = ch == ' ' || ch == '\t' ? "whitespace between header name and colon"
					       : "header name: not a token";
		return S_BAD;
	}
	if (name_len == 0) {
		*why = "header name: empty";
		return S_BAD;
	}
	fsc_cur_skip(c, 1);
	while (peekc(c) == ' ' || peekc(c) == '\t')
		fsc_cur_skip(c, 1);
	const char *value = (const char *)c->p;
	size_t run = spn_words(*c, RUN_VALUE);
	const char *vend = value + run;
	fsc_cur_skip(c, run);
	while (vend > value && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--; /* trailing whitespace is not part of the value */
	if (peekc(c) < 0)
		return S_NEED;
	*why = "header value: control character";
	if ((s = eol(c, why)) != S_OK)
		return s;
	if (h->n_headers >= h->max_headers) {
		*why = "too many headers";
		return S_BAD;
	}
	struct fsc_http_header *f = &h->headers[h->n_headers++];
	f->name = name;
	f->name_len = name_len;
	f->value = value;
	f->value_len = (size_t)(vend - value);
	f->folded = false;
	return S_OK;
}

/* Finds the blank line that ends a head ("\n\n" or "\n\r\n"), looking only
 * at the bytes from `from` on. */
static bool head_end_in(const uint8_t *p, size_t len, size_t from)
{
	struct fsc_cursor c = fsc_cur_make(p + from, len - from);

	while (fsc_cur_left(&c) > 0) {
		const uint8_t *nl = memchr(c.p, '\n', fsc_cur_left(&c));
		if (!nl)
			return false;
		fsc_cur_skip(&c, (size_t)(nl - c.p) + 1);
		int ch = peekc(&c);
		if (ch == '\n' || (ch == '\r' && fsc_cur_left(&c) >= 2 && fsc_cur_peek(&c, 1) == '\n'))
			return true;
	}
	return false;
}

static enum fsc_status parse_head(const uint8_t *p, size_t len, size_t last_len,
				  struct fsc_http_head *h, bool response, const char **why)
{
	size_t lim = len < h->max_head ? len : h->max_head;
	struct fsc_cursor c = fsc_cur_make(p, lim);
	enum step s;
	bool done = false;

	h->response = response;
	h->n_headers = 0;
	h->head_len = 0;
	h->flags = 0;
	/* No end in the new bytes: still incomplete, unless over the cap,
	 * where the head is parsed once so the error shows its start line. */
	if (last_len > 0 && last_len < len && len < h->max_head &&
	    !head_end_in(p, lim, last_len > 3 ? last_len - 3 : 0)) {
		s = S_NEED;
		*why = "need more bytes";
		goto need;
	}
	s = leading_empty_lines(&c);
	*why = "start line: bare CR";
	if (s == S_OK)
		s = response ? status_line(&c, h, why) : request_line(&c, h, why);
	const char *soft = NULL;
	for (;;) {
		if (s == S_SOFT) {
			if (!soft)
				soft = *why; /* the first fault names the head */
			s = S_OK;
		}
		if (s != S_OK || done)
			break;
		s = field_line(&c, h, &done, why);
	}
	switch (s) {
	case S_SOFT:
	case S_OK:
		h->head_len = (size_t)(c.p - p);
		*why = soft;
		return soft ? FSC_MALFORMED : FSC_OK;
	case S_NOT:
		return FSC_NOT_THIS;
	case S_BAD:
		return FSC_MALFORMED;
	case S_NEED:
		break;
	}
	*why = "need more bytes";
need:
	if (len >= h->max_head) {
		*why = "head too large";
		return FSC_MALFORMED;
	}
	return FSC_TRUNCATED;
}

enum fsc_status fsc_http_parse_request(const uint8_t *p, size_t len, size_t last_len,
				       struct fsc_http_head *h, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	return parse_head(p, len, last_len, h, false, why);
}

enum fsc_status fsc_http_parse_response(const uint8_t *p, size_t len, size_t last_len,
					struct fsc_http_head *h, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	return parse_head(p, len, last_len, h, true, why);
}

enum fsc_status fsc_http_start_line(const uint8_t *p, size_t len, bool response)
{
	struct fsc_cursor c = fsc_cur_make(p, len < FSC_HTTP_LINE_MAX ? len : FSC_HTTP_LINE_MAX);
	struct fsc_http_head h;
	const char *why;

	memset(&h, 0, sizeof(h));
	h.lenient = ~0u; /* where a reader may take up a stream, not a server */
	enum step s = response ? status_line(&c, &h, &why) : request_line(&c, &h, &why);
	switch (s) {
	case S_OK:
	case S_SOFT:
		return FSC_OK;
	case S_NEED:
		return len < FSC_HTTP_LINE_MAX ? FSC_TRUNCATED : FSC_NOT_THIS;
	case S_BAD:
	case S_NOT:
		break;
	}
	return FSC_NOT_THIS;
}

/* ---- header access ------------------------------------------------------- */

const struct fsc_http_header *fsc_http_find(const struct fsc_http_head *h, const char *name,
					    const struct fsc_http_header *after)
{
	size_t i = after ? (size_t)(after - h->headers) + 1 : 0, len = strlen(name);

	for (; i < h->n_headers; i++)
		if (h->headers[i].name_len == len && fsc_span_ieq_n(h->headers[i].name, name, len))
			return &h->headers[i];
	return NULL;
}

size_t fsc_http_values(const struct fsc_http_head *h, const char *name,
		       struct fsc_span *out, size_t max)
{
	size_t n = 0;

	for (const struct fsc_http_header *f = fsc_http_find(h, name, NULL); f;
	     f = fsc_http_find(h, name, f)) {
		if (n < max) {
			out[n].p = f->value;
			out[n].len = f->value_len;
		}
		n++;
	}
	return n;
}

size_t fsc_http_join(const struct fsc_http_head *h, const char *name, char *buf, size_t cap)
{
	size_t n = 0;
	bool first = true;

	if (cap)
		buf[0] = '\0';
	for (const struct fsc_http_header *f = fsc_http_find(h, name, NULL); f;
	     f = fsc_http_find(h, name, f)) {
		const char *parts[2] = { ", ", f->value };
		size_t lens[2] = { 2, f->value_len };
		for (int k = first ? 1 : 0; k < 2; k++) {
			for (size_t i = 0; i < lens[k]; i++, n++)
				if (n + 1 < cap) {
					buf[n] = parts[k][i];
					buf[n + 1] = '\0';
				}
		}
		first = false;
	}
	return n;
}

/* OWS, and the CR and LF a folded value holds (read as SP, RFC 9112 §5.2). */
static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Calls fn on each element of a comma list (RFC 9110 §5.6.1), OWS trimmed,
 * empty elements skipped. */
typedef bool (*elem_fn)(void *ctx, const char *p, size_t len);

static bool each_elem(const char *p, size_t len, elem_fn fn, void *ctx)
{
	size_t i = 0;

	while (i <= len) {
		size_t j = i;
		while (j < len && p[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && is_ows(p[a]))
			a++;
		while (b > a && is_ows(p[b - 1]))
			b--;
		if (b > a && !fn(ctx, p + a, b - a))
			return false;
		i = j + 1;
	}
	return true;
}

struct cl_ctx {
	struct fsc_http_info *in;
	const char *why;
};

static bool cl_elem(void *ctx, const char *p, size_t len)
{
	struct cl_ctx *x = ctx;
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9') {
			x->why = "Content-Length: not digits";
			return false;
		}
		if (v > (UINT64_MAX - 9) / 10) {
			x->why = "Content-Length: too large";
			return false;
		}
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (x->in->has_content_length && x->in->content_length != v) {
		x->why = "Content-Length: conflicting values";
		return false;
	}
	x->in->has_content_length = true;
	x->in->content_length = v;
	return true;
}

static bool te_elem(void *ctx, const char *p, size_t len)
{
	struct cl_ctx *x = ctx;
	size_t n = 0;

	/* A coding may carry parameters: "gzip;q=1" - compare the name. */
	while (n < len && p[n] != ';' && !is_ows(p[n]))
		n++;
	if (n == 0) {
		x->why = "Transfer-Encoding: empty coding";
		return false;
	}
	x->in->chunked = fsc_span_ieq(p, n, "chunked"); /* the last one counts */
	return true;
}

static bool conn_elem(void *ctx, const char *p, size_t len)
{
	struct fsc_http_info *in = ((struct cl_ctx *)ctx)->in;

	if (fsc_span_ieq(p, len, "close"))
		in->connection |= FSC_HTTP_CONN_CLOSE;
	else if (fsc_span_ieq(p, len, "keep-alive"))
		in->connection |= FSC_HTTP_CONN_KEEP_ALIVE;
	else if (fsc_span_ieq(p, len, "upgrade"))
		in->connection |= FSC_HTTP_CONN_UPGRADE;
	return true;
}

static bool expect_elem(void *ctx, const char *p, size_t len)
{
	if (fsc_span_ieq(p, len, "100-continue"))
		((struct cl_ctx *)ctx)->in->expect_continue = true;
	return true;
}

/* The headers fsc_http_info reads, found by length first: one integer
 * compare rejects almost every other header. */
enum header_id {
	H_HOST, H_USER_AGENT, H_UPGRADE, H_X_REAL_IP, H_X_FORWARDED_HOST,
	H_X_FORWARDED_PROTO, H_INGRESS_SRC, H_INGRESS_TARGET, H_X_FORWARDED_FOR,
	H_FORWARDED, H_FUNNEL, H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_CONNECTION,
	H_EXPECT, H_COUNT
};

static const struct {
	const char *name;
	size_t len;
} known[H_COUNT] = {
#define K(id, text) [id] = { text, sizeof(text) - 1 }
	K(H_HOST, "Host"),
	K(H_USER_AGENT, "User-Agent"),
	K(H_UPGRADE, "Upgrade"),
	K(H_X_REAL_IP, "X-Real-IP"),
	K(H_X_FORWARDED_HOST, "X-Forwarded-Host"),
	K(H_X_FORWARDED_PROTO, "X-Forwarded-Proto"),
	K(H_INGRESS_SRC, "Tailscale-Ingress-Src"),
	K(H_INGRESS_TARGET, "Tailscale-Ingress-Target"),
	K(H_X_FORWARDED_FOR, "X-Forwarded-For"),
	K(H_FORWARDED, "Forwarded"),
	K(H_FUNNEL, "Tailscale-Funnel-Request"),
	K(H_CONTENT_LENGTH, "Content-Length"),
	K(H_TRANSFER_ENCODING, "Transfer-Encoding"),
	K(H_CONNECTION, "Connection"),
	K(H_EXPECT, "Expect"),
#undef K
};

/* Length first, then the first letter (every known name starts with one,
 * and setting bit 0x20 folds a letter's case and nothing else onto it),
 * then the whole name. */
static int header_id(const struct fsc_http_header *f)
{
	for (int k = 0; k < H_COUNT; k++)
		if (f->name_len == known[k].len &&
		    (f->name[0] | 0x20) == (known[k].name[0] | 0x20) &&
		    fsc_span_ieq_n(f->name, known[k].name, f->name_len))
			return k;
	return -1;
}

/* Single-valued headers keep their first line. */
static void keep_first(const struct fsc_http_header **slot, const struct fsc_http_header *f)
{
	if (!*slot)
		*slot = f;
}

enum fsc_status fsc_http_info(const struct fsc_http_head *h, struct fsc_http_info *in,
			      const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct cl_ctx x = { in, NULL };

	memset(in, 0, sizeof(*in));
	for (size_t i = 0; i < h->n_headers; i++) {
		const struct fsc_http_header *f = &h->headers[i];
		elem_fn list = NULL;

		switch (header_id(f)) {
		case H_HOST:
			keep_first(&in->host, f);
			in->n_host++;
			break;
		case H_USER_AGENT:
			keep_first(&in->user_agent, f);
			break;
		case H_UPGRADE:
			keep_first(&in->upgrade, f);
			break;
		case H_X_REAL_IP:
			keep_first(&in->x_real_ip, f);
			break;
		case H_X_FORWARDED_HOST:
			keep_first(&in->x_forwarded_host, f);
			break;
		case H_X_FORWARDED_PROTO:
			keep_first(&in->x_forwarded_proto, f);
			break;
		case H_INGRESS_SRC:
			keep_first(&in->ingress_src, f);
			break;
		case H_INGRESS_TARGET:
			keep_first(&in->ingress_target, f);
			break;
		case H_X_FORWARDED_FOR:
			in->n_xff++;
			break;
		case H_FORWARDED:
			in->n_forwarded++;
			break;
		case H_FUNNEL:
			in->has_funnel = true;
			/* RFC 8941 boolean: ?1 is true */
			in->funnel = f->value_len == 2 && f->value[0] == '?' && f->value[1] == '1';
			break;
		case H_CONTENT_LENGTH:
			in->framing_folded |= f->folded;
			if (f->value_len == 0) {
				*why = "Content-Length: empty";
				return FSC_MALFORMED;
			}
			list = cl_elem;
			break;
		case H_TRANSFER_ENCODING:
			in->framing_folded |= f->folded;
			in->has_transfer_encoding = true;
			list = te_elem;
			break;
		case H_CONNECTION:
			list = conn_elem;
			break;
		case H_EXPECT:
			list = expect_elem;
			break;
		default:
			break;
		}
		if (list && !each_elem(f->value, f->value_len, list, &x)) {
			*why = x.why;
			return FSC_MALFORMED;
		}
	}
	in->cl_and_te = in->has_content_length && in->has_transfer_encoding;
	*why = NULL;
	return FSC_OK;
}
