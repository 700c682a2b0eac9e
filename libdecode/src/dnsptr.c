/* dnsptr.c - PTR query names and PTR answers (RFC 1035 §4.1, §4.1.4
 * compression; RFC 2308 §5 negative caching; RFC 3596 §2.5 ip6.arpa).
 *
 *   header   | id:16 | QR op:4 AA TC RD RA Z:3 rcode:4 | qd:16 an:16 ns:16 ar:16 |
 *   question | name | type:16 | class:16 |                   (qd times)
 *   record   | name | type:16 | class:16 | ttl:32 | rdlen:16 | rdata |
 *   name     | len:8 label ... | 0 |  or a pointer 11xxxxxx xxxxxxxx
 */
#include "fsc/dnsptr.h"

#include <stdio.h>
#include <string.h>

#include "fsc/cursor.h"
#include "fsc/span.h"

#define T_PTR 12
#define T_SOA 6
#define MAX_HOPS 32

bool fsc_dns_ptr_qname(const struct fsc_addr *a, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char *o = buf;

	if (a->family == 4 || (a->family == 6 && memcmp(a->b, mapped, 12) == 0)) {
		const uint8_t *v = a->family == 4 ? a->b : a->b + 12;
		snprintf(buf, FSC_DNS_PTRQ_MAX, "%u.%u.%u.%u.in-addr.arpa", v[3], v[2], v[1],
			 v[0]);
		return true;
	}
	if (a->family != 6)
		return false;
	for (int i = 15; i >= 0; i--) {
		*o++ = hex[a->b[i] & 0xf];
		*o++ = '.';
		*o++ = hex[a->b[i] >> 4];
		*o++ = '.';
	}
	memcpy(o, "ip6.arpa", 9);
	return true;
}

static bool plain(uint8_t c)
{
	return fsc_byteset_has(&fsc_alnum_set, c) || c == '-' || c == '_';
}

/*
 * Reads a name at *c (advancing past it) from message msg[0..mlen).
 * Writes its text to out (may be NULL to skip). Pointers must go strictly
 * backwards, which also rules out loops; MAX_HOPS bounds the work.
 */
static enum fsc_status name(struct fsc_cursor *c, const uint8_t *msg, size_t mlen, char *out,
			    const char **why)
{
	struct fsc_cursor r = *c;
	size_t wire = 0, o = 0;
	int hops = 0;
	bool jumped = false;
	size_t here = (size_t)(c->p - msg);

	for (;;) {
		uint8_t n = fsc_cur_u8(&r);
		if (r.bad) {
			*why = "name runs past the end";
			return FSC_TRUNCATED;
		}
		if ((n & 0xc0) == 0xc0) {
			uint8_t lo = fsc_cur_u8(&r);
			if (r.bad) {
				*why = "compression pointer cut short";
				return FSC_TRUNCATED;
			}
			size_t to = (size_t)(n & 0x3f) << 8 | lo;
			if (to >= here || ++hops > MAX_HOPS) {
				*why = "compression pointer does not point backwards";
				return FSC_MALFORMED;
			}
			if (!jumped)
				*c = r;
			jumped = true;
			here = to;
			r = fsc_cur_make(msg + to, mlen - to);
			continue;
		}
		if (n & 0xc0) {
			*why = "reserved label type";
			return FSC_MALFORMED;
		}
		if (n == 0)
			break;
		wire += 1u + n;
		if (wire > 254) {
			*why = "name longer than 255 octets";
			return FSC_MALFORMED;
		}
		const uint8_t *l = fsc_cur_take(&r, n);
		if (!l) {
			*why = "label runs past the end";
			return FSC_TRUNCATED;
		}
		for (size_t i = 0; out && i < n; i++) {
			char tmp[5];
			size_t k;
			if (plain(l[i])) {
				tmp[0] = (char)l[i];
				k = 1;
			} else {
				snprintf(tmp, sizeof(tmp), "\\%03u", l[i]);
				k = 4;
			}
			if (o + k + 2 > FSC_DNS_NAME_MAX) {
				*why = "name too long to show";
				return FSC_MALFORMED;
			}
			memcpy(out + o, tmp, k);
			o += k;
		}
		if (out)
			out[o++] = '.';
	}
	if (!jumped)
		*c = r;
	if (out) {
		if (o > 0)
			o--; /* no final dot */
		else
			out[o++] = '.'; /* the root */
		out[o] = '\0';
	}
	return FSC_OK;
}

enum fsc_status fsc_dns_parse_ptr(const uint8_t *p, size_t len, struct fsc_dns_ptr *out,
				  const char **why)
{
	struct fsc_cursor c = fsc_cur_make(p, len);
	enum fsc_status st;

	memset(out, 0, sizeof(*out));
	out->id = fsc_cur_be16(&c);
	uint16_t flags = fsc_cur_be16(&c);
	uint16_t qd = fsc_cur_be16(&c), an = fsc_cur_be16(&c), ns = fsc_cur_be16(&c);
	fsc_cur_be16(&c); /* additional: not read */
	if (c.bad) {
		*why = "shorter than a DNS header";
		return FSC_NOT_THIS;
	}
	if (!(flags & 0x8000)) {
		*why = "a query, not a response";
		return FSC_NOT_THIS;
	}
	out->rcode = flags & 0xf;
	for (unsigned i = 0; i < qd; i++) {
		if ((st = name(&c, p, len, NULL, why)) != FSC_OK)
			return st;
		fsc_cur_skip(&c, 4);
		if (c.bad) {
			*why = "question cut short";
			return FSC_TRUNCATED;
		}
	}
	for (unsigned i = 0; i < (unsigned)an + ns; i++) {
		bool answer = i < an;
		if ((st = name(&c, p, len, NULL, why)) != FSC_OK)
			return st;
		uint16_t type = fsc_cur_be16(&c);
		fsc_cur_be16(&c); /* class */
		uint32_t ttl = fsc_cur_be32(&c);
		uint16_t rdlen = fsc_cur_be16(&c);
		if (c.bad) {
			*why = "record header cut short";
			return FSC_TRUNCATED;
		}
		if (fsc_cur_left(&c) < rdlen) {
			*why = "rdata runs past the end";
			return FSC_TRUNCATED;
		}
		/* Names inside rdata may point anywhere before them, so they
		 * are read against the whole message, bounded by rdlen. */
		struct fsc_cursor rd = fsc_cur_make(c.p, rdlen);
		fsc_cur_skip(&c, rdlen);
		if (ttl > 0x7fffffffu) /* RFC 2181 §8: treat as zero */
			ttl = 0;
		if (answer && !out->found) {
			out->ttl = i == 0 || ttl < out->ttl ? ttl : out->ttl;
			if (type != T_PTR)
				continue;
			struct fsc_cursor sub = fsc_cur_make(rd.p, (size_t)(p + len - rd.p));
			if ((st = name(&sub, p, len, out->name, why)) != FSC_OK)
				return st;
			if (sub.p != rd.end) {
				*why = "PTR rdata length does not match its name";
				return FSC_MALFORMED;
			}
			out->found = true;
		} else if (!answer && type == T_SOA && !out->has_soa) {
			struct fsc_cursor sub = fsc_cur_make(rd.p, (size_t)(p + len - rd.p));
			if ((st = name(&sub, p, len, NULL, why)) != FSC_OK ||
			    (st = name(&sub, p, len, NULL, why)) != FSC_OK)
				return st;
			fsc_cur_skip(&sub, 16); /* serial refresh retry expire */
			uint32_t min = fsc_cur_be32(&sub);
			if (sub.bad || sub.p != rd.end) {
				*why = "SOA rdata length does not match its fields";
				return FSC_MALFORMED;
			}
			out->has_soa = true;
			out->neg_ttl = ttl < min ? ttl : min;
		}
	}
	if (!out->found)
		out->ttl = 0;
	return FSC_OK;
}
