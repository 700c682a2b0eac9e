/* proxyproto.c - PROXY protocol v1/v2 (haproxy doc/proxy-protocol.txt).
 *
 * v1 grammar read strictly: one SP between fields, decimal ports without
 * leading zeros, addresses as inet_pton reads them, CRLF within 107 bytes.
 * v2: version 2, command LOCAL or PROXY, the address block length checked
 * against the family; TLVs are handed back unread. */
#include "fsc/proxyproto.h"

#include <stdio.h>
#include <string.h>

#include "fsc/cursor.h"

static const uint8_t v2_sig[FSC_PROXY_V2_SIG_LEN] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
};

/* Moves *i past a field ending at SP (or at end); returns its length. */
static size_t field(const char *s, size_t n, size_t *i)
{
	size_t start = *i;

	while (*i < n && s[*i] != ' ')
		(*i)++;
	return *i - start;
}

static bool port_v1(const char *s, size_t n, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static enum fsc_status parse_v1(const uint8_t *p, size_t len, struct fsc_proxy_header *h,
				const char **why)
{
	const char *s = (const char *)p;
	const uint8_t *lf;
	size_t n, i, fl, at;
	bool six;

	lf = memchr(p, '\n', len < FSC_PROXY_V1_MAX ? len : FSC_PROXY_V1_MAX);
	if (!lf) {
		if (len >= FSC_PROXY_V1_MAX) {
			*why = "PROXY v1 line longer than 107 bytes";
			return FSC_MALFORMED;
		}
		return FSC_TRUNCATED;
	}
	n = (size_t)(lf - p);
	if (n == 0 || s[n - 1] != '\r') {
		*why = "PROXY v1 line not ended by CRLF";
		return FSC_MALFORMED;
	}
	n--;			/* the line without CRLF */
	h->version = 1;
	h->len = n + 2;
	if (n < 6 || s[5] != ' ') {
		*why = "PROXY v1 protocol missing";
		return FSC_MALFORMED;
	}
	i = 6;
	at = i;
	fl = field(s, n, &i);
	if (fl == 7 && memcmp(s + at, "UNKNOWN", 7) == 0) {
		h->local = true;	/* the rest, if any, is ignored by spec */
		return FSC_OK;
	}
	if (fl != 4 || (memcmp(s + at, "TCP4", 4) != 0 && memcmp(s + at, "TCP6", 4) != 0)) {
		*why = "PROXY v1 protocol not TCP4, TCP6 or UNKNOWN";
		return FSC_MALFORMED;
	}
	six = s[at + 3] == '6';
	{
		struct fsc_addr *addrs[2] = { &h->src, &h->dst };
		uint16_t *ports[2] = { &h->src_port, &h->dst_port };
		int k;

		for (k = 0; k < 4; k++) {
			if (i >= n || s[i] != ' ') {
				*why = "PROXY v1 field missing";
				return FSC_MALFORMED;
			}
			i++;
			at = i;
			fl = field(s, n, &i);
			if (k < 2) {
				bool ok = six ? fsc_addr_parse6(s + at, fl, addrs[k])
					      : fsc_addr_parse4(s + at, fl, addrs[k]);
				if (!ok) {
					*why = "PROXY v1 address invalid for its protocol";
					return FSC_MALFORMED;
				}
			} else if (!port_v1(s + at, fl, ports[k - 2])) {
				*why = "PROXY v1 port invalid";
				return FSC_MALFORMED;
			}
		}
	}
	if (i != n) {
		*why = "PROXY v1 bytes after the destination port";
		return FSC_MALFORMED;
	}
	return FSC_OK;
}

static enum fsc_status parse_v2(const uint8_t *p, size_t len, struct fsc_proxy_header *h,
				const char **why)
{
	struct fsc_cursor c = fsc_cur_make(p, len), body;
	uint8_t vc, fp, fam, proto;
	uint16_t blen;
	size_t need;

	if (len < 16) {
		*why = "PROXY v2 header cut";
		return FSC_TRUNCATED;
	}
	fsc_cur_skip(&c, FSC_PROXY_V2_SIG_LEN);
	vc = fsc_cur_u8(&c);
	fp = fsc_cur_u8(&c);
	blen = fsc_cur_be16(&c);
	h->version = 2;
	if ((vc >> 4) != 2) {
		*why = "PROXY v2 version not 2";
		return FSC_MALFORMED;
	}
	if ((vc & 0x0F) > 1) {
		*why = "PROXY v2 command not LOCAL or PROXY";
		return FSC_MALFORMED;
	}
	fam = fp >> 4;
	proto = fp & 0x0F;
	if (fam > 3 || proto > 2) {
		*why = "PROXY v2 family or transport unknown";
		return FSC_MALFORMED;
	}
	if (fsc_cur_left(&c) < blen) {
		*why = "PROXY v2 address block cut";
		return FSC_TRUNCATED;
	}
	h->len = 16 + (size_t)blen;
	body = fsc_cur_sub(&c, blen);
	h->local = (vc & 0x0F) == 0;
	need = fam == 1 ? 12 : fam == 2 ? 36 : fam == 3 ? 216 : 0;
	if (blen < need) {
		*why = "PROXY v2 length below the address block";
		return FSC_MALFORMED;
	}
	if (!h->local && (fam == 1 || fam == 2) && proto != 0) {
		const uint8_t *a = fsc_cur_take(&body, fam == 1 ? 4 : 16);
		const uint8_t *b = fsc_cur_take(&body, fam == 1 ? 4 : 16);

		if (fam == 1) {
			fsc_addr_set4(&h->src, a);
			fsc_addr_set4(&h->dst, b);
		} else {
			fsc_addr_set6(&h->src, a);
			fsc_addr_set6(&h->dst, b);
		}
		h->src_port = fsc_cur_be16(&body);
		h->dst_port = fsc_cur_be16(&body);
	} else {
		fsc_cur_skip(&body, need);
	}
	h->tlv = body.p;
	h->tlv_len = fsc_cur_left(&body);
	if (h->tlv_len == 0)
		h->tlv = NULL;
	return FSC_OK;
}

enum fsc_status fsc_proxy_parse(const uint8_t *p, size_t len, struct fsc_proxy_header *h,
				const char **why)
{
	static const char v1_sig[] = "PROXY";
	size_t n;

	memset(h, 0, sizeof(*h));
	n = len < FSC_PROXY_V2_SIG_LEN ? len : FSC_PROXY_V2_SIG_LEN;
	if (n > 0 && memcmp(p, v2_sig, n) == 0) {
		if (n < FSC_PROXY_V2_SIG_LEN) {
			*why = "PROXY v2 signature cut";
			return FSC_TRUNCATED;
		}
		return parse_v2(p, len, h, why);
	}
	n = len < 5 ? len : 5;
	if (n > 0 && memcmp(p, v1_sig, n) == 0) {
		if (n < 5) {
			*why = "PROXY v1 signature cut";
			return FSC_TRUNCATED;
		}
		{
			enum fsc_status st = parse_v1(p, len, h, why);

			if (st == FSC_TRUNCATED)
				*why = "PROXY v1 line cut";
			return st;
		}
	}
	*why = len == 0 ? "no bytes" : "no PROXY signature";
	return len == 0 ? FSC_TRUNCATED : FSC_NOT_THIS;
}

size_t fsc_proxy_write_v1(const struct fsc_addr *src, uint16_t sport,
			  const struct fsc_addr *dst, uint16_t dport, char *buf, size_t cap)
{
	char a[FSC_ADDR_STRLEN], b[FSC_ADDR_STRLEN];
	int n;

	if (src->family != dst->family || src->family == 0)
		n = snprintf(buf, cap, "PROXY UNKNOWN\r\n");
	else
		n = snprintf(buf, cap, "PROXY TCP%c %s %s %u %u\r\n",
			     src->family == 4 ? '4' : '6', fsc_addr_str(src, a),
			     fsc_addr_str(dst, b), sport, dport);
	return (n < 0 || (size_t)n >= cap) ? 0 : (size_t)n;
}

size_t fsc_proxy_write_v2(const struct fsc_addr *src, uint16_t sport,
			  const struct fsc_addr *dst, uint16_t dport, uint8_t *buf, size_t cap)
{
	bool ip = src->family == dst->family && src->family != 0;
	size_t alen = !ip ? 0 : src->family == 4 ? 4 : 16;
	size_t blen = ip ? 2 * alen + 4 : 0;

	if (cap < 16 + blen)
		return 0;
	memcpy(buf, v2_sig, sizeof(v2_sig));
	buf[12] = ip ? 0x21 : 0x20;
	buf[13] = !ip ? 0x00 : src->family == 4 ? 0x11 : 0x21;
	buf[14] = (uint8_t)(blen >> 8);
	buf[15] = (uint8_t)blen;
	if (ip) {
		memcpy(buf + 16, src->b, alen);
		memcpy(buf + 16 + alen, dst->b, alen);
		buf[16 + 2 * alen] = (uint8_t)(sport >> 8);
		buf[17 + 2 * alen] = (uint8_t)sport;
		buf[18 + 2 * alen] = (uint8_t)(dport >> 8);
		buf[19 + 2 * alen] = (uint8_t)dport;
	}
	return 16 + blen;
}
