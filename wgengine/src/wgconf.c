/* wgconf.c - the wg(8) configuration file (see wgconf.h for the format).
 *
 * Line by line over (text, len): a line is cut at '\n' (a '\r' before it is
 * dropped) and at '#'; tokens are trimmed of spaces and tabs. Every read is
 * bounded by the line's span, so the text need not end in a NUL.
 */
#include "fsc/wgconf.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/span.h"

enum section { SEC_NONE, SEC_INTERFACE, SEC_PEER };

struct parser {
	struct fsc_wgconf *c;
	enum section sec;
	int interfaces;
	size_t lineno;
	const char *line; /* the raw line, for messages */
	size_t line_len;
	char *err;
	size_t errlen;
	size_t address_cap, peer_cap, allowed_cap;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct fsc_span trim(const char *p, size_t n)
{
	while (n && is_space(p[0])) {
		p++;
		n--;
	}
	while (n && is_space(p[n - 1]))
		n--;
	return (struct fsc_span){ p, n };
}

/* "line N: 'TEXT': reason", with control bytes of TEXT shown as '?'. */
static bool fail(struct parser *ps, const char *why)
{
	char shown[84];
	size_t n = ps->line_len < 80 ? ps->line_len : 80, i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)ps->line[i];
		shown[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	if (ps->line_len > 80)
		memcpy(shown + i - 3, "...", 3);
	shown[i] = '\0';
	snprintf(ps->err, ps->errlen, "line %zu: '%s': %s", ps->lineno, shown, why);
	return false;
}

/* Grows *arr (element size sz) to hold one more than *n; false at the cap
 * or when out of memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz, size_t max)
{
	void *p;
	size_t want;

	if (n < *cap)
		return true;
	if (n >= max)
		return false;
	want = *cap ? *cap * 2 : 4;
	if (want > max)
		want = max;
	p = realloc(*arr, want * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = want;
	return true;
}

bool fsc_wgconf_key_parse(const char *s, size_t n, uint8_t key[FSC_WG_KEY_LEN])
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char tmp[36];
	const char *last;

	if (n != FSC_WG_KEY_B64LEN || s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++)
		if (!s[i] || !memchr(alphabet, s[i], sizeof(alphabet) - 1))
			return false;
	/* 32 bytes = 256 bits = 42 characters and 4 bits: the 43rd character
	 * carries 2 padding bits, which must be zero. */
	last = memchr(alphabet, s[42], sizeof(alphabet) - 1);
	if (((last - alphabet) & 3) != 0)
		return false;
	if (EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n) != 33)
		return false;
	memcpy(key, tmp, FSC_WG_KEY_LEN);
	return true;
}

void fsc_wgconf_key_write(const uint8_t key[FSC_WG_KEY_LEN], char *out)
{
	EVP_EncodeBlock((unsigned char *)out, key, FSC_WG_KEY_LEN);
	out[FSC_WG_KEY_B64LEN] = '\0';
}

static bool parse_uint(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void mask_prefix(struct fsc_prefix *p)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p->len > 8 * i ? p->len - 8 * i : 0;
		if (keep < 8)
			p->addr.b[i] &= (uint8_t)(0xff00u >> keep);
	}
}

bool fsc_wgconf_prefix_parse(const char *s, size_t n, bool mask, struct fsc_prefix *p)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n;
	unsigned long bits;
	struct fsc_addr a;

	if (!(fsc_addr_parse4(s, alen, &a) || fsc_addr_parse6(s, alen, &a)))
		return false;
	if (slash) {
		if (!parse_uint(slash + 1, n - alen - 1, a.family == 4 ? 32 : 128, &bits))
			return false;
	} else {
		bits = a.family == 4 ? 32 : 128;
	}
	p->addr = a;
	p->len = (uint8_t)bits;
	if (mask)
		mask_prefix(p);
	return true;
}

bool fsc_wgconf_endpoint_parse(const char *s, size_t n, struct fsc_addr *a, uint16_t *port)
{
	const char *colon;
	size_t alen;
	unsigned long v;
	struct fsc_addr tmp;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close || (size_t)(close - s) + 1 >= n || close[1] != ':')
			return false;
		if (!fsc_addr_parse6(s + 1, (size_t)(close - s) - 1, &tmp))
			return false;
		colon = close + 1;
	} else {
		colon = NULL;
		for (size_t i = n; i > 0; i--)
			if (s[i - 1] == ':') {
				colon = s + i - 1;
				break;
			}
		if (!colon)
			return false;
		alen = (size_t)(colon - s);
		if (!fsc_addr_parse4(s, alen, &tmp))
			return false;
	}
	if (!parse_uint(colon + 1, n - (size_t)(colon + 1 - s), 65535, &v))
		return false;
	*a = tmp;
	*port = (uint16_t)v;
	return true;
}

/* A comma-separated list of prefixes appended to *arr. */
static bool prefix_list(struct parser *ps, struct fsc_span v, bool mask,
			struct fsc_prefix **arr, size_t *n, size_t *cap)
{
	size_t start = 0;

	for (size_t i = 0; i <= v.len; i++) {
		if (i < v.len && v.p[i] != ',')
			continue;
		struct fsc_span item = trim(v.p + start, i - start);
		start = i + 1;
		if (item.len == 0) {
			/* "AllowedIPs =" alone is allowed (no addresses yet);
			 * an empty element between commas is not. */
			if (v.len == 0)
				break;
			return fail(ps, "empty element in the list");
		}
		struct fsc_prefix p;
		if (!fsc_wgconf_prefix_parse(item.p, item.len, mask, &p))
			return fail(ps, "not an address or address/prefix-length");
		if (!grow((void **)arr, cap, *n, sizeof(**arr), FSC_WGCONF_MAX_PREFIXES))
			return fail(ps, "too many addresses (limit 65536, or out of memory)");
		(*arr)[(*n)++] = p;
	}
	return true;
}

static bool key_value(struct parser *ps, struct fsc_span k, struct fsc_span v)
{
	struct fsc_wgconf *c = ps->c;
	struct fsc_wgconf_peer *peer = c->peer_n ? &c->peer[c->peer_n - 1] : NULL;
	unsigned long num;

	if (ps->sec == SEC_NONE)
		return fail(ps, "key outside a section ([Interface] or [Peer] first)");
	if (ps->sec == SEC_INTERFACE) {
		if (fsc_span_ieq(k.p, k.len, "PrivateKey")) {
			if (!fsc_wgconf_key_parse(v.p, v.len, c->private_key))
				return fail(ps, "not a key (44 base64 characters, as wg genkey writes)");
			c->has_private_key = true;
		} else if (fsc_span_ieq(k.p, k.len, "ListenPort")) {
			if (!parse_uint(v.p, v.len, 65535, &num))
				return fail(ps, "not a port (0 to 65535)");
			c->listen_port = (uint16_t)num;
		} else if (fsc_span_ieq(k.p, k.len, "MTU")) {
			if (!parse_uint(v.p, v.len, 65535, &num) || num < 576)
				return fail(ps, "not an MTU (576 to 65535)");
			c->mtu = (uint16_t)num;
		} else if (fsc_span_ieq(k.p, k.len, "Address")) {
			return prefix_list(ps, v, false, &c->address, &c->address_n,
					   &ps->address_cap);
		} else {
			return fail(ps, "unknown key in [Interface] (PrivateKey, ListenPort, Address, MTU)");
		}
		return true;
	}
	if (fsc_span_ieq(k.p, k.len, "PublicKey")) {
		if (!fsc_wgconf_key_parse(v.p, v.len, peer->public_key))
			return fail(ps, "not a key (44 base64 characters, as wg pubkey writes)");
		for (size_t i = 0; i + 1 < c->peer_n; i++)
			if (memcmp(c->peer[i].public_key, peer->public_key, FSC_WG_KEY_LEN) == 0)
				return fail(ps, "the same PublicKey as an earlier peer");
		return true;
	}
	if (fsc_span_ieq(k.p, k.len, "PresharedKey")) {
		if (!fsc_wgconf_key_parse(v.p, v.len, peer->preshared_key))
			return fail(ps, "not a key (44 base64 characters, as wg genpsk writes)");
		peer->has_preshared_key = true;
		return true;
	}
	if (fsc_span_ieq(k.p, k.len, "Endpoint")) {
		if (!fsc_wgconf_endpoint_parse(v.p, v.len, &peer->endpoint, &peer->endpoint_port))
			return fail(ps, "not ADDRESS:PORT or [IPv6]:PORT (names are not resolved)");
		peer->has_endpoint = true;
		return true;
	}
	if (fsc_span_ieq(k.p, k.len, "AllowedIPs")) {
		/* Peers are parsed in order, so this peer's prefixes are the
		 * tail of the shared array. */
		return prefix_list(ps, v, true, &c->allowed, &c->allowed_n, &ps->allowed_cap) &&
		       (peer->allowed_n = c->allowed_n - peer->allowed_first, true);
	}
	if (fsc_span_ieq(k.p, k.len, "PersistentKeepalive")) {
		if (fsc_span_ieq(v.p, v.len, "off"))
			num = 0;
		else if (!parse_uint(v.p, v.len, 65535, &num))
			return fail(ps, "not a number of seconds (0 to 65535, or off)");
		peer->persistent_keepalive = (uint16_t)num;
		return true;
	}
	return fail(ps, "unknown key in [Peer] (PublicKey, PresharedKey, Endpoint, AllowedIPs, PersistentKeepalive)");
}

static bool end_peer(struct parser *ps)
{
	struct fsc_wgconf *c = ps->c;
	static const uint8_t zero[FSC_WG_KEY_LEN];

	if (ps->sec != SEC_PEER || !c->peer_n ||
	    memcmp(c->peer[c->peer_n - 1].public_key, zero, FSC_WG_KEY_LEN) != 0)
		return true;
	if (ps->line_len == 0) { /* at the end of the file */
		snprintf(ps->err, ps->errlen, "the last [Peer] has no PublicKey");
		return false;
	}
	return fail(ps, "the [Peer] before this line has no PublicKey");
}

static bool section(struct parser *ps, struct fsc_span name)
{
	struct fsc_wgconf *c = ps->c;

	if (!end_peer(ps))
		return false;
	if (fsc_span_ieq(name.p, name.len, "[Interface]")) {
		if (ps->interfaces++)
			return fail(ps, "a second [Interface]");
		ps->sec = SEC_INTERFACE;
		return true;
	}
	if (fsc_span_ieq(name.p, name.len, "[Peer]")) {
		if (!grow((void **)&c->peer, &ps->peer_cap, c->peer_n, sizeof(*c->peer),
			  FSC_WGCONF_MAX_PEERS))
			return fail(ps, "too many peers (limit 4096, or out of memory)");
		memset(&c->peer[c->peer_n], 0, sizeof(c->peer[0]));
		c->peer[c->peer_n].allowed_first = c->allowed_n;
		c->peer_n++;
		ps->sec = SEC_PEER;
		return true;
	}
	return fail(ps, "unknown section (expected [Interface] or [Peer])");
}

static bool one_line(struct parser *ps, const char *p, size_t n)
{
	const char *hash = memchr(p, '#', n);
	struct fsc_span t = trim(p, hash ? (size_t)(hash - p) : n);
	const char *eq;

	if (t.len == 0)
		return true;
	if (memchr(t.p, '\0', t.len))
		return fail(ps, "NUL byte in the line");
	if (t.p[0] == '[')
		return section(ps, t);
	eq = memchr(t.p, '=', t.len);
	if (!eq)
		return fail(ps, "expected Key = Value");
	struct fsc_span k = trim(t.p, (size_t)(eq - t.p));
	struct fsc_span v = trim(eq + 1, t.len - (size_t)(eq - t.p) - 1);
	if (k.len == 0)
		return fail(ps, "no key before '='");
	return key_value(ps, k, v);
}

void fsc_wgconf_free(struct fsc_wgconf *conf)
{
	free(conf->address);
	free(conf->peer);
	free(conf->allowed);
	memset(conf, 0, sizeof(*conf));
}

bool fsc_wgconf_parse(const char *text, size_t len, struct fsc_wgconf *conf,
		      char *err, size_t errlen)
{
	struct parser ps = { .c = conf, .err = err, .errlen = errlen };
	size_t pos = 0;

	memset(conf, 0, sizeof(*conf));
	if (errlen)
		err[0] = '\0';
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		ps.lineno++;
		ps.line = text + pos;
		ps.line_len = n && text[pos + n - 1] == '\r' ? n - 1 : n;
		if (n > FSC_WGCONF_MAX_LINE) {
			ps.line_len = 80;
			fail(&ps, "line too long (limit 4096 bytes)");
			goto bad;
		}
		if (!one_line(&ps, ps.line, ps.line_len))
			goto bad;
		pos += n + (nl != NULL);
	}
	ps.line = "";
	ps.line_len = 0;
	if (!end_peer(&ps))
		goto bad;
	if (!ps.interfaces || !conf->has_private_key) {
		snprintf(err, errlen, "no [Interface] with a PrivateKey");
		goto bad;
	}
	return true;
bad:
	fsc_wgconf_free(conf);
	return false;
}
