/* stun.c - STUN messages: header, method/class, the attributes Tailscale uses.
 *
 * Follows RFC 5389 §6 and §15 (RFC 8489 keeps the wire format) and tailscale
 * net/stun/stun.go (protocols.md §4). All integers are big-endian.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |0 0|M M M M M|C|M M M|C|M M M M|         Message Length        |
 *   |   |1 1 1 9 8|1|7 6 5|0|3 2 1 0|    (attribute bytes, 4k)      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  Magic Cookie 0x2112A442                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Transaction ID (96 bits)                       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | attribute: type u16 | length u16 | value, padded to 4 ...     |
 *
 *   (XOR-)MAPPED-ADDRESS value: 0x00, family (1 IPv4, 2 IPv6), port u16,
 *   address 4/16; the XOR form XORs the port with 0x2112 and the address with
 *   the cookie (IPv4) or cookie || transaction ID (IPv6).
 */
#include "fsc/stun.h"

#include <string.h>

#include "fsc/cursor.h"

#define ATTR_MAPPED_ADDRESS 0x0001
#define ATTR_ERROR_CODE 0x0009
#define ATTR_XOR_MAPPED_ADDRESS 0x0020
#define ATTR_XOR_MAPPED_ADDRESS_OLD 0x8020 /* pre-RFC drafts; Tailscale reads it */
#define ATTR_SOFTWARE 0x8022
#define ATTR_FINGERPRINT 0x8028
#define FINGERPRINT_XOR 0x5354554eu

/* CRC-32 (IEEE 802.3, reflected), bit at a time: only STUN messages that
 * carry a FINGERPRINT pay for it, and they are short. */
static uint32_t crc32_ieee(const uint8_t *q, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= q[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

/* RFC 5389 §6: class bits C1 C0 at 8 and 4, the method's 12 bits around
 * them (M0-M3 at 0-3, M4-M6 at 5-7, M7-M11 at 9-13). */
static uint16_t type_method(uint16_t t)
{
	return (uint16_t)((t & 0x000f) | ((t >> 1) & 0x0070) | ((t >> 2) & 0x0f80));
}

static enum fsc_stun_class type_class(uint16_t t)
{
	return (enum fsc_stun_class)(((t >> 7) & 0x2) | ((t >> 4) & 0x1));
}

/* One (XOR-)MAPPED-ADDRESS value. */
static enum fsc_status address(struct fsc_cursor *v, bool xor,
			       const uint8_t *cookie_txid, struct fsc_addr *a,
			       uint16_t *port, const char **why)
{
	size_t vlen = fsc_cur_left(v);
	uint8_t family, b[16];
	const uint8_t *q;
	size_t n;

	fsc_cur_u8(v); /* reserved */
	family = fsc_cur_u8(v);
	*port = fsc_cur_be16(v);
	if (v->bad)
		return fsc_status_verdict(why, FSC_MALFORMED, "address attribute too short");
	if (family == 1)
		n = 4;
	else if (family == 2)
		n = 16;
	else
		return fsc_status_verdict(why, FSC_MALFORMED, "address family not 1 or 2");
	if (vlen != 4 + n)
		return fsc_status_verdict(why, FSC_MALFORMED, "address attribute length wrong for its family");
	q = fsc_cur_take(v, n);
	memcpy(b, q, n);
	if (xor) {
		*port ^= (uint16_t)(FSC_STUN_COOKIE >> 16);
		for (size_t i = 0; i < n; i++)
			b[i] ^= cookie_txid[i];
	}
	if (n == 4)
		fsc_addr_set4(a, b);
	else
		fsc_addr_set6(a, b);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static enum fsc_status error_code(struct fsc_cursor *v, struct fsc_stun_msg *m,
				  const char **why)
{
	uint8_t cls, num;

	fsc_cur_skip(v, 2); /* reserved */
	cls = fsc_cur_u8(v) & 0x07;
	num = fsc_cur_u8(v);
	if (v->bad)
		return fsc_status_verdict(why, FSC_MALFORMED, "ERROR-CODE shorter than 4 bytes");
	if (cls < 3 || cls > 6 || num > 99)
		return fsc_status_verdict(why, FSC_MALFORMED, "ERROR-CODE class or number out of range");
	m->error_code = (uint16_t)(cls * 100 + num);
	m->error_reason_len = fsc_cur_left(v);
	m->error_reason = fsc_cur_take(v, m->error_reason_len);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

/* Walks the attributes of a message whose length is known to fit: each
 * value padded to 4 bytes (RFC 5389 §15), or, `unpadded`, the next
 * attribute right after the value (MS-TURN, [MS-TURN] §2.2.2). */
static enum fsc_status attributes(const uint8_t *p, struct fsc_cursor *c,
				  struct fsc_stun_msg *m, const uint8_t *cookie_txid,
				  bool unpadded, const char **why)
{
	enum fsc_status st;
	struct fsc_addr a;
	uint16_t port;

	while (fsc_cur_left(c) > 0) {
		const uint8_t *at_start = c->p;
		uint16_t at, alen;
		struct fsc_cursor v;

		if (m->has_fingerprint)
			return fsc_status_verdict(why, FSC_MALFORMED, "attribute after FINGERPRINT");
		at = fsc_cur_be16(c);
		alen = fsc_cur_be16(c);
		if (c->bad)
			return fsc_status_verdict(why, FSC_MALFORMED, "attribute header overruns message");
		v = fsc_cur_sub(c, alen);
		if (v.bad || !fsc_cur_skip(c, unpadded ? 0 : (4 - alen % 4) % 4))
			return fsc_status_verdict(why, FSC_MALFORMED, "attribute overruns message");
		m->n_attrs++;

		switch (at) {
		case ATTR_MAPPED_ADDRESS:
		case ATTR_XOR_MAPPED_ADDRESS:
		case ATTR_XOR_MAPPED_ADDRESS_OLD: {
			bool xor = at != ATTR_MAPPED_ADDRESS;

			st = address(&v, xor, cookie_txid, &a, &port, why);
			if (st != FSC_OK)
				return st;
			/* the first XOR form wins over MAPPED, wherever it is */
			if (!m->has_mapped || (xor && !m->mapped_xor)) {
				m->has_mapped = true;
				m->mapped_xor = xor;
				m->mapped = a;
				m->mapped_port = port;
			}
			break;
		}
		case ATTR_SOFTWARE:
			if (!m->software) {
				m->software = v.p;
				m->software_len = alen;
			}
			break;
		case ATTR_ERROR_CODE:
			st = error_code(&v, m, why);
			if (st != FSC_OK)
				return st;
			break;
		case ATTR_FINGERPRINT: {
			uint32_t want;

			if (alen != 4)
				return fsc_status_verdict(why, FSC_MALFORMED, "FINGERPRINT length not 4");
			want = fsc_cur_be32(&v);
			m->has_fingerprint = true;
			m->fingerprint_ok = want ==
				(crc32_ieee(p, (size_t)(at_start - p)) ^ FINGERPRINT_XOR);
			break;
		}
		default:
			break; /* counted, otherwise skipped */
		}
	}
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_stun_decode(const uint8_t *p, size_t len,
				struct fsc_stun_msg *m, const char **why)
{
	struct fsc_cursor c, attrs;
	uint8_t cookie_txid[4 + FSC_STUN_TXID_LEN];
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < 8)
		return fsc_status_verdict(why, FSC_NOT_THIS, "shorter than a stun cookie");
	c = fsc_cur_make(p, len);
	type = fsc_cur_be16(&c);
	m->length = fsc_cur_be16(&c);
	if ((type & 0xc000) != 0 || fsc_cur_be32(&c) != FSC_STUN_COOKIE) {
		m->length = 0;
		return fsc_status_verdict(why, FSC_NOT_THIS, "no stun magic cookie");
	}
	m->type = type;
	m->method = type_method(type);
	m->cls = type_class(type);
	m->txid = fsc_cur_take(&c, FSC_STUN_TXID_LEN);
	if (!m->txid)
		return fsc_status_verdict(why, FSC_TRUNCATED, "stun header cut short");
	if (fsc_cur_left(&c) < m->length)
		return fsc_status_verdict(why, FSC_TRUNCATED, "stun attributes cut short");
	if (fsc_cur_left(&c) > m->length)
		return fsc_status_verdict(why, FSC_MALFORMED, "bytes after the stun message");

	cookie_txid[0] = (uint8_t)(FSC_STUN_COOKIE >> 24);
	cookie_txid[1] = (uint8_t)(FSC_STUN_COOKIE >> 16);
	cookie_txid[2] = (uint8_t)(FSC_STUN_COOKIE >> 8);
	cookie_txid[3] = (uint8_t)FSC_STUN_COOKIE;
	memcpy(cookie_txid + 4, m->txid, FSC_STUN_TXID_LEN);
	attrs = fsc_cur_sub(&c, m->length);
	if (m->length % 4 == 0)
		return attributes(p, &attrs, m, cookie_txid, false, why);
	/* No RFC 5389 message: MS-TURN's, whose values are not padded? */
	if (attributes(p, &attrs, m, cookie_txid, true, NULL) == FSC_OK) {
		m->unpadded = true;
		return fsc_status_verdict(why, FSC_OK, NULL);
	}
	return fsc_status_verdict(why, FSC_MALFORMED, "stun length not a multiple of 4");
}

static const char *const class_names[] = {
	[FSC_STUN_REQUEST] = "request",
	[FSC_STUN_INDICATION] = "indication",
	[FSC_STUN_SUCCESS] = "success",
	[FSC_STUN_ERROR] = "error",
};

const char *fsc_stun_class_name(enum fsc_stun_class cls)
{
	if ((unsigned)cls < sizeof(class_names) / sizeof(class_names[0]))
		return class_names[cls];
	return "unknown";
}

/* IANA "STUN Methods": RFC 5389, 3489 (shared secret), 5766 (TURN) and
 * 6062 (TURN over TCP). */
static const struct {
	uint16_t method;
	const char *name;
} method_names[] = {
	{ 0x001, "binding" },
	{ 0x002, "shared-secret" },
	{ 0x003, "allocate" },
	{ 0x004, "refresh" },
	{ 0x006, "send" },
	{ 0x007, "data" },
	{ 0x008, "create-permission" },
	{ 0x009, "channel-bind" },
	{ 0x00a, "connect" },
	{ 0x00b, "connection-bind" },
	{ 0x00c, "connection-attempt" },
};

const char *fsc_stun_method_name(uint16_t method)
{
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
		if (method_names[i].method == method)
			return method_names[i].name;
	return NULL;
}
