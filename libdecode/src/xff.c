/* xff.c - X-Forwarded-For lists, Forwarded elements, address nodes.
 *
 * X-Forwarded-For has no RFC: a comma list, client first, one address per
 * proxy (protocols.md §11). Forwarded follows RFC 7239 §4 (grammar), §5
 * (parameters), §6 (nodes); quoted-string per RFC 9110 §5.6.4.
 *
 *   X-Forwarded-For: 66.249.72.211, [2001:db8::1]:443, unknown, fe80::1%eth0
 *                    ^ element      ^ element        ^        ^ OWS "," OWS
 *   Forwarded: for=192.0.2.60;proto=http;by="[2001:db8::2]:80", for=_hidden
 *              ^ pair        ^';'        ^ quoted value     ^',' next element
 *   node     = nodename [ ":" node-port ]
 *   nodename = IPv4address / "[" IPv6address "]" / "unknown" / obfnode
 *   node-port = port (1*5DIGIT) / obfport ("_" 1*(ALPHA / DIGIT / "." / "_" / "-"))
 *
 * The text scanners index the caller's value with explicit bounds; header
 * values come from http.c, which already bounded and validated them.
 */
#include "fsc/xff.h"

#include <string.h>

#include "fsc/span.h"

static const char *const kind_names[] = {
	[FSC_XFF_V4] = "v4",
	[FSC_XFF_V6] = "v6",
	[FSC_XFF_UNKNOWN] = "unknown",
	[FSC_XFF_OBFUSCATED] = "obfuscated",
	[FSC_XFF_MALFORMED] = "malformed",
};

const char *fsc_xff_kind_name(enum fsc_xff_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_ows(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_ows((*s)[*n - 1]))
		(*n)--;
}

/* Byte classes from span.h; a char of a header is a byte. */
static bool in(const struct fsc_byteset *set, char c)
{
	return fsc_byteset_has(set, (uint8_t)c);
}

/* Parses an address literal of family af (4 or 6) from s[0..n), by inet_pton's
 * rules (fsc_addr_parse4/6); *a is zero when it is none. */
static bool addr_from(const char *s, size_t n, int af, struct fsc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (n == 0 || n >= 64)
		return false;
	return af == 4 ? fsc_addr_parse4(s, n, a) : fsc_addr_parse6(s, n, a);
}

static bool port_from(const char *s, size_t n, uint16_t *port)
{
	uint32_t v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!in(&fsc_digit_set, s[i]))
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* RFC 7239 §6.3: "_" 1*(ALPHA / DIGIT / "." / "_" / "-") */
static bool is_obf(const char *s, size_t n)
{
	if (n < 2 || s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!in(&fsc_alnum_set, s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* RFC 6874 ZoneID: 1*( unreserved / pct-encoded ); we take unreserved. */
static bool is_zone(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!in(&fsc_unreserved_set, s[i]))
			return false;
	return true;
}

static enum fsc_status node_bad(struct fsc_xff_node *n, const char *why)
{
	n->kind = FSC_XFF_MALFORMED;
	n->why = why;
	memset(&n->addr, 0, sizeof(n->addr));
	n->has_port = false;
	n->port = 0;
	return FSC_MALFORMED;
}

static void set_v6(struct fsc_xff_node *n)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	n->kind = FSC_XFF_V6;
	n->v4mapped = memcmp(n->addr.b, mapped, 12) == 0;
}

/* IPv6 text with an optional %zone (zone allowed only when allow_zone). */
static bool v6_with_zone(struct fsc_xff_node *n, const char *s, size_t len, bool allow_zone)
{
	const char *pct = memchr(s, '%', len);
	size_t alen = pct ? (size_t)(pct - s) : len;

	if (pct) {
		if (!allow_zone || !is_zone(pct + 1, len - alen - 1))
			return false;
		n->zone = pct + 1;
		n->zone_len = len - alen - 1;
	}
	if (!addr_from(s, alen, 6, &n->addr))
		return false;
	set_v6(n);
	return true;
}

enum fsc_status fsc_xff_elem_parse(const uint8_t *p, size_t len, struct fsc_xff_node *n)
{
	const char *s = (const char *)p;
	size_t colons = 0;

	trim(&s, &len);
	memset(n, 0, sizeof(*n));
	n->text = s;
	n->len = len;
	if (len == 0)
		return node_bad(n, "empty element");
	if (fsc_span_ieq(s, len, "unknown")) {
		n->kind = FSC_XFF_UNKNOWN;
		return FSC_OK;
	}
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		if (!rb)
			return node_bad(n, "'[' without ']'");
		n->bracketed = true;
		if (!v6_with_zone(n, s + 1, (size_t)(rb - s) - 1, true))
			return node_bad(n, "not an IPv6 address inside brackets");
		size_t rest = len - (size_t)(rb - s) - 1;
		if (rest == 0)
			return FSC_OK;
		if (rb[1] != ':' || !port_from(rb + 2, rest - 1, &n->port))
			return node_bad(n, "bad port after ']'");
		n->has_port = true;
		return FSC_OK;
	}
	for (size_t i = 0; i < len; i++)
		colons += s[i] == ':';
	if (colons == 0) {
		if (!addr_from(s, len, 4, &n->addr))
			return node_bad(n, "not an address");
		n->kind = FSC_XFF_V4;
		return FSC_OK;
	}
	if (colons == 1) {
		const char *c = memchr(s, ':', len);
		if (!addr_from(s, (size_t)(c - s), 4, &n->addr))
			return node_bad(n, "not an IPv4 address before ':'");
		if (!port_from(c + 1, len - (size_t)(c - s) - 1, &n->port))
			return node_bad(n, "bad port");
		n->kind = FSC_XFF_V4;
		n->has_port = true;
		return FSC_OK;
	}
	if (!v6_with_zone(n, s, len, true))
		return node_bad(n, "not an address");
	return FSC_OK;
}

void fsc_xff_list_init(struct fsc_xff_list *l, struct fsc_xff_node *arr, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->elems = arr;
	l->max = max;
}

enum fsc_status fsc_xff_parse(const uint8_t *p, size_t len, struct fsc_xff_list *l,
			      const char **why)
{
	const char *s = (const char *)p;
	size_t i = 0;

	while (len > 0 && i <= len) {
		const char *q = i < len ? memchr(s + i, ',', len - i) : NULL;
		size_t j = q ? (size_t)(q - s) : len;
		const char *e = s + i;
		size_t elen = j - i;
		trim(&e, &elen);
		if (elen > 0) {
			struct fsc_xff_node tmp, *n = l->n < l->max ? &l->elems[l->n] : &tmp;
			if (fsc_xff_elem_parse((const uint8_t *)e, elen, n) != FSC_OK)
				l->malformed++;
			if (l->n < l->max)
				l->n++;
			l->total++;
		}
		i = j + 1;
	}
	if (l->total > l->n) {
		*why = "more elements than room";
		return FSC_MALFORMED;
	}
	*why = NULL;
	return FSC_OK;
}

enum fsc_status fsc_xff_parse_lines(const struct fsc_span *lines, size_t n,
				    struct fsc_xff_list *l, const char **why)
{
	enum fsc_status st = FSC_OK;

	*why = NULL;
	for (size_t i = 0; i < n; i++)
		st = fsc_xff_parse((const uint8_t *)lines[i].p, lines[i].len, l, why);
	return st;
}

/* ---- Forwarded ----------------------------------------------------------- */

/* Node text after quotes are removed (RFC 7239 §6). */
static enum fsc_status fwd_node(const char *s, size_t len, struct fsc_xff_node *n)
{
	const char *name = s, *port = NULL;
	size_t name_len = len, port_len = 0;

	if (len == 0)
		return node_bad(n, "empty node");
	if (s[0] == '[') {
		const char *rb = memchr(s, ']', len);
		if (!rb)
			return node_bad(n, "'[' without ']'");
		name_len = (size_t)(rb - s) + 1;
	} else {
		const char *c = memchr(s, ':', len);
		if (c)
			name_len = (size_t)(c - s);
	}
	if (name_len < len) {
		if (name[name_len] != ':')
			return node_bad(n, "junk after ']'");
		port = s + name_len + 1;
		port_len = len - name_len - 1;
	}
	if (name[0] == '[') {
		n->bracketed = true;
		if (!v6_with_zone(n, name + 1, name_len - 2, false))
			return node_bad(n, "not an IPv6 address inside brackets");
	} else if (fsc_span_ieq(name, name_len, "unknown")) {
		n->kind = FSC_XFF_UNKNOWN;
	} else if (is_obf(name, name_len)) {
		n->kind = FSC_XFF_OBFUSCATED;
	} else if (addr_from(name, name_len, 4, &n->addr)) {
		n->kind = FSC_XFF_V4;
	} else {
		struct fsc_addr a;
		return node_bad(n, addr_from(s, len, 6, &a) ? "IPv6 node without brackets"
							    : "not a node");
	}
	if (port) {
		if (is_obf(port, port_len)) {
			n->obfport = port;
			n->obfport_len = port_len;
		} else if (port_from(port, port_len, &n->port)) {
			n->has_port = true;
		} else {
			return node_bad(n, "bad node port");
		}
	}
	return FSC_OK;
}

size_t fsc_xff_fwd_unquote(const struct fsc_xff_fwd_value *v, char *buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < v->len; i++) {
		if (v->quoted && v->p[i] == '\\' && i + 1 < v->len)
			i++;
		if (n + 1 < cap)
			buf[n] = v->p[i];
		n++;
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = '\0';
	return n;
}

/* Parses a node out of a parameter value into n. */
static enum fsc_status value_node(const struct fsc_xff_fwd_value *v, struct fsc_xff_node *n)
{
	char tmp[96];
	enum fsc_status st;

	memset(n, 0, sizeof(*n));
	n->text = v->p;
	n->len = v->len;
	if (!v->escaped)
		return fwd_node(v->p, v->len, n);
	/* Quoted-pairs in a node are legal but pointless: parse an unescaped
	 * copy, then drop pointers that would point into it. */
	size_t len = fsc_xff_fwd_unquote(v, tmp, sizeof(tmp));
	if (len >= sizeof(tmp))
		return node_bad(n, "node too long");
	st = fwd_node(tmp, len, n);
	n->obfport = NULL;
	n->obfport_len = 0;
	return st;
}

/* URI scheme (RFC 3986 §3.1): ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static bool is_scheme(const char *s, size_t n)
{
	if (n == 0 || !in(&fsc_alpha_set, s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!in(&fsc_alnum_set, s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}


/* quoted-string starting at s[*i] == '"'; false if unterminated or a byte
 * outside qdtext / quoted-pair. */
static bool quoted(const char *s, size_t len, size_t *i, struct fsc_xff_fwd_value *v,
		   const char **why)
{
	size_t k = *i + 1;

	v->quoted = true;
	v->p = s + k;
	while (k < len && s[k] != '"') {
		unsigned char c = (unsigned char)s[k];
		if (c == '\\') {
			if (k + 1 >= len) {
				*why = "unterminated quoted-string";
				return false;
			}
			v->escaped = true;
			c = (unsigned char)s[++k]; /* quoted-pair: HTAB / SP / VCHAR / obs-text */
		}
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why = "control character in quoted-string";
			return false;
		}
		k++;
	}
	if (k >= len) {
		*why = "unterminated quoted-string";
		return false;
	}
	v->len = (size_t)(s + k - v->p);
	*i = k + 1;
	return true;
}

/* Skips to the ',' that ends the element (outside quotes), or the end. */
static size_t skip_element(const char *s, size_t len, size_t i)
{
	bool in_q = false;

	for (; i < len; i++) {
		if (in_q && s[i] == '\\')
			i++;
		else if (s[i] == '"')
			in_q = !in_q;
		else if (!in_q && s[i] == ',')
			break;
	}
	return i < len ? i : len;
}

static const struct {
	const char *name;
	size_t off;
} fwd_params[] = {
	{ "for", offsetof(struct fsc_xff_fwd_elem, for_) },
	{ "by", offsetof(struct fsc_xff_fwd_elem, by) },
	{ "proto", offsetof(struct fsc_xff_fwd_elem, proto) },
	{ "host", offsetof(struct fsc_xff_fwd_elem, host) },
};

/* One forwarded-element from s[*i]; leaves *i on the ',' or the end. */
static void fwd_element(const char *s, size_t len, size_t *i, struct fsc_xff_fwd_elem *e)
{
	size_t k = *i;
	const char *why = NULL;

	memset(e, 0, sizeof(*e));
	e->text = s + k;
	for (;;) {
		while (k < len && is_ows(s[k]))
			k++;
		if (k >= len || s[k] == ',')
			break;
		if (s[k] == ';') {
			k++;
			continue;
		}
		size_t name = k;
		while (k < len && in(&fsc_tchar_set, s[k]) && s[k] != '=')
			k++;
		size_t name_len = k - name;
		if (name_len == 0) {
			why = "parameter name: not a token";
			goto bad;
		}
		if (k >= len || s[k] != '=') {
			why = "parameter without '='";
			goto bad;
		}
		k++;
		struct fsc_xff_fwd_value v = { .present = true };
		if (k < len && s[k] == '"') {
			if (!quoted(s, len, &k, &v, &why)) {
				k = len; /* nothing after can be told apart */
				goto bad;
			}
		} else {
			v.p = s + k;
			while (k < len && in(&fsc_tchar_set, s[k]))
				k++;
			v.len = (size_t)(s + k - v.p);
			if (v.len == 0) {
				why = "value is neither token nor quoted-string";
				goto bad;
			}
		}
		e->n_params++;
		bool known = false;
		for (size_t p = 0; p < sizeof(fwd_params) / sizeof(fwd_params[0]); p++) {
			if (!fsc_span_ieq(s + name, name_len, fwd_params[p].name))
				continue;
			struct fsc_xff_fwd_value *slot =
				(struct fsc_xff_fwd_value *)((char *)e + fwd_params[p].off);
			if (slot->present) {
				why = "parameter repeated in one element";
				goto bad;
			}
			*slot = v;
			known = true;
		}
		if (!known)
			e->n_unknown++;
		while (k < len && is_ows(s[k]))
			k++;
		if (k < len && s[k] != ';' && s[k] != ',') {
			why = "junk after value";
			goto bad;
		}
	}
	e->len = (size_t)(s + k - e->text);
	*i = k;
	if (e->for_.present && value_node(&e->for_, &e->for_node) != FSC_OK) {
		e->status = FSC_MALFORMED;
		e->why = e->for_node.why;
	} else if (e->by.present && value_node(&e->by, &e->by_node) != FSC_OK) {
		e->status = FSC_MALFORMED;
		e->why = e->by_node.why;
	} else if (e->proto.present && (e->proto.escaped || !is_scheme(e->proto.p, e->proto.len))) {
		e->status = FSC_MALFORMED;
		e->why = "proto is not a URI scheme";
	} else {
		e->status = FSC_OK;
	}
	return;
bad:
	k = skip_element(s, len, k);
	e->len = (size_t)(s + k - e->text);
	while (e->len > 0 && is_ows(e->text[e->len - 1]))
		e->len--;
	e->status = FSC_MALFORMED;
	e->why = why;
	*i = k;
}

void fsc_xff_fwd_list_init(struct fsc_xff_fwd_list *l, struct fsc_xff_fwd_elem *arr,
			   size_t max)
{
	memset(l, 0, sizeof(*l));
	l->elems = arr;
	l->max = max;
}

enum fsc_status fsc_xff_fwd_parse(const uint8_t *p, size_t len, struct fsc_xff_fwd_list *l,
				  const char **why)
{
	const char *s = (const char *)p;
	size_t i = 0;

	while (i < len) {
		while (i < len && (is_ows(s[i]) || s[i] == ','))
			i++; /* empty list elements */
		if (i >= len)
			break;
		struct fsc_xff_fwd_elem tmp, *e = l->n < l->max ? &l->elems[l->n] : &tmp;
		fwd_element(s, len, &i, e);
		while (e->len > 0 && is_ows(e->text[e->len - 1]))
			e->len--;
		if (e->status != FSC_OK)
			l->malformed++;
		if (l->n < l->max)
			l->n++;
		l->total++;
	}
	if (l->total > l->n) {
		*why = "more elements than room";
		return FSC_MALFORMED;
	}
	*why = NULL;
	return FSC_OK;
}

enum fsc_status fsc_xff_fwd_parse_lines(const struct fsc_span *lines, size_t n,
					struct fsc_xff_fwd_list *l, const char **why)
{
	enum fsc_status st = FSC_OK;

	*why = NULL;
	for (size_t i = 0; i < n; i++)
		st = fsc_xff_fwd_parse((const uint8_t *)lines[i].p, lines[i].len, l, why);
	return st;
}
