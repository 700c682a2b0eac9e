/* tls.c - TLS record sniffing, handshake reassembly, Client/ServerHello.
 *
 * Follows RFC 8446 §5.1 (records), §4 and §4.1.2/§4.1.3 (hellos), §4.2
 * (extensions), RFC 6066 §3 (server_name), RFC 7301 §3.1 (ALPN), RFC 8701
 * (GREASE); protocols.md §9.
 *
 *  record:     +------+---------+---------+----------------------------+
 *              | type | version | length  | fragment (length bytes)    |
 *              |  u8  |   u16   |   u16   | handshake bytes, any split |
 *              +------+---------+---------+----------------------------+
 *  handshake:  | msg_type u8 | length u24 | body ...                    |
 *  ClientHello body:
 *    legacy_version u16 | random[32] | sid_len u8, sid | cs_len u16, u16*
 *    | comp_len u8, u8* | [ ext_len u16, { type u16 | len u16 | data }* ]
 *  ServerHello body:
 *    legacy_version u16 | random[32] | sid_len u8, sid | cipher u16
 *    | compression u8 | [ ext_len u16, extensions ]
 */
#include "fsc/tls.h"

#include <string.h>

#include "fsc/cursor.h"

bool fsc_tls_is_grease(uint16_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static const struct {
	uint16_t v;
	const char *name;
} version_names[] = {
	{ 0x0304, "TLS1.3" },
	{ 0x0303, "TLS1.2" },
	{ 0x0302, "TLS1.1" },
	{ 0x0301, "TLS1.0" },
	{ 0x0300, "SSL3.0" },
};

const char *fsc_tls_version_name(uint16_t v)
{
	for (size_t i = 0; i < sizeof(version_names) / sizeof(version_names[0]); i++)
		if (version_names[i].v == v)
			return version_names[i].name;
	/* 0x7f00 + the draft number: the drafts of RFC 8446 ran to 28 */
	static const char *const drafts[] = {
		"TLS1.3-draft0", "TLS1.3-draft1", "TLS1.3-draft2", "TLS1.3-draft3",
		"TLS1.3-draft4", "TLS1.3-draft5", "TLS1.3-draft6", "TLS1.3-draft7",
		"TLS1.3-draft8", "TLS1.3-draft9", "TLS1.3-draft10", "TLS1.3-draft11",
		"TLS1.3-draft12", "TLS1.3-draft13", "TLS1.3-draft14", "TLS1.3-draft15",
		"TLS1.3-draft16", "TLS1.3-draft17", "TLS1.3-draft18", "TLS1.3-draft19",
		"TLS1.3-draft20", "TLS1.3-draft21", "TLS1.3-draft22", "TLS1.3-draft23",
		"TLS1.3-draft24", "TLS1.3-draft25", "TLS1.3-draft26", "TLS1.3-draft27",
		"TLS1.3-draft28",
	};
	if ((v >> 8) == 0x7f && (v & 0xff) < sizeof(drafts) / sizeof(drafts[0]))
		return drafts[v & 0xff];
	return NULL;
}

bool fsc_tls_draft_layout(uint16_t v)
{
	return (v >> 8) == 0x7f && (v & 0xff) < 22;
}

const uint8_t fsc_tls_hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
	0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* ---- record layer ---------------------------------------------------- */

enum fsc_status fsc_tls_sniff(const uint8_t *p, size_t len, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct fsc_cursor c = fsc_cur_make(p, len);

	*why = "record header";
	if (len == 0)
		return FSC_TRUNCATED;
	if (fsc_cur_u8(&c) != FSC_TLS_CT_HANDSHAKE) {
		*why = "record type is not handshake";
		return FSC_NOT_THIS;
	}
	if (len < 2)
		return FSC_TRUNCATED;
	if (fsc_cur_u8(&c) != 3) {
		*why = "record version major is not 3";
		return FSC_NOT_THIS;
	}
	if (len < 3)
		return FSC_TRUNCATED;
	if (fsc_cur_u8(&c) > 4) {
		*why = "record version minor above 4";
		return FSC_NOT_THIS;
	}
	if (len < 5)
		return FSC_TRUNCATED;
	uint16_t rlen = fsc_cur_be16(&c);
	if (rlen == 0 || rlen > FSC_TLS_RECORD_MAX) {
		*why = "record length out of range";
		return FSC_NOT_THIS;
	}
	if (len >= 6) {
		uint8_t t = fsc_cur_u8(&c);
		if (t != FSC_TLS_HS_CLIENT_HELLO && t != FSC_TLS_HS_SERVER_HELLO) {
			*why = "first handshake message is not a hello";
			return FSC_NOT_THIS;
		}
	}
	*why = NULL;
	return FSC_OK;
}

enum { ST_HDR, ST_BODY, ST_END, ST_BAD };

void fsc_tls_reasm_init(struct fsc_tls_reasm *r, uint8_t *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
	r->_state = ST_HDR;
	if (cap < 4) { /* not even a handshake header fits */
		r->_state = ST_BAD;
		r->why = "reassembly buffer under 4 bytes";
	}
}

static enum fsc_status reasm_stop(struct fsc_tls_reasm *r, enum fsc_status st,
				  const char *reason)
{
	r->_state = st == FSC_NOT_THIS ? ST_END : ST_BAD;
	r->why = reason;
	return st;
}

/* Checks a complete record header; starts the record or ends reassembly. */
static enum fsc_status record_start(struct fsc_tls_reasm *r)
{
	struct fsc_cursor c = fsc_cur_make(r->_hdr, sizeof(r->_hdr));
	uint8_t type = fsc_cur_u8(&c);
	uint8_t major = fsc_cur_u8(&c), minor = fsc_cur_u8(&c);
	uint16_t len = fsc_cur_be16(&c);
	bool in_msg = r->have > 0 || r->_skip_left > 0;

	/* A server may warn before its ServerHello (OpenSSL's s_server sends an
	 * unrecognized_name alert), so an alert may come first too. */
	if (r->records == 0 && type != FSC_TLS_CT_HANDSHAKE && type != FSC_TLS_CT_ALERT)
		return reasm_stop(r, FSC_NOT_THIS, "record type is not handshake");
	if (type < FSC_TLS_CT_CCS || type > FSC_TLS_CT_HEARTBEAT)
		return reasm_stop(r, r->records ? FSC_MALFORMED : FSC_NOT_THIS,
				  "unknown record content type");
	if (major != 3 || minor > 4)
		return reasm_stop(r, r->records ? FSC_MALFORMED : FSC_NOT_THIS,
				  "record version is not 3.0-3.4");
	if (len > FSC_TLS_RECORD_MAX)
		return reasm_stop(r, r->records ? FSC_MALFORMED : FSC_NOT_THIS,
				  "record length over 2^14+2048");
	if (in_msg && type != FSC_TLS_CT_HANDSHAKE)
		return reasm_stop(r, FSC_MALFORMED,
				  "other record inside a fragmented handshake message");
	if (type == FSC_TLS_CT_APPDATA)
		return reasm_stop(r, FSC_NOT_THIS, "application data: encrypted from here");
	if (len == 0)
		return reasm_stop(r, r->records ? FSC_MALFORMED : FSC_NOT_THIS,
				  "empty record");
	r->records++;
	r->_rec_type = type;
	r->_rec_left = len;
	r->_hdr_have = 0;
	r->_state = ST_BODY;
	if (type == FSC_TLS_CT_CCS)
		r->after_ccs = true;
	if (type != FSC_TLS_CT_HANDSHAKE)
		r->other_records++;
	return FSC_TRUNCATED; /* "go on" */
}

/* The 4-byte handshake header is in buf: size the message or skip it. */
static enum fsc_status message_start(struct fsc_tls_reasm *r)
{
	struct fsc_cursor c = fsc_cur_make(r->buf, 4);
	uint8_t type = fsc_cur_u8(&c);
	size_t body = fsc_cur_be24(&c);
	bool hello = type == FSC_TLS_HS_CLIENT_HELLO || type == FSC_TLS_HS_SERVER_HELLO;

	if (r->after_ccs && !hello)
		return reasm_stop(r, FSC_NOT_THIS,
				  "handshake after change_cipher_spec is encrypted");
	if (body > r->cap - 4) {
		if (hello)
			return reasm_stop(r, FSC_MALFORMED, "hello too large");
		r->_skip_left = body;
		r->have = 0;
		return FSC_TRUNCATED;
	}
	r->msg_len = 4 + body;
	return FSC_TRUNCATED;
}

enum fsc_status fsc_tls_reasm_feed(struct fsc_tls_reasm *r, const uint8_t *p,
				   size_t len, size_t *used, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	size_t i = 0;
	enum fsc_status st;

	*used = 0;
	if (r->_deliver_reset) {
		r->have = 0;
		r->msg_len = 0;
		r->msg = NULL;
		r->msg_type = 0;
		r->_deliver_reset = false;
	}
	if (r->_state == ST_END || r->_state == ST_BAD) {
		*why = r->why;
		return r->_state == ST_END ? FSC_NOT_THIS : FSC_MALFORMED;
	}
	while (i < len) {
		if (r->_state == ST_HDR) {
			size_t n = FSC_TLS_RECORD_HDR - r->_hdr_have;
			if (n > len - i)
				n = len - i;
			memcpy(r->_hdr + r->_hdr_have, p + i, n);
			r->_hdr_have += (uint8_t)n;
			i += n;
			if (r->_hdr_have < FSC_TLS_RECORD_HDR)
				break;
			st = record_start(r);
			if (st != FSC_TRUNCATED) {
				*used = i;
				*why = r->why;
				return st;
			}
			continue;
		}
		/* ST_BODY: a slice of the current record's payload. */
		size_t n = r->_rec_left;
		if (n > len - i)
			n = len - i;
		if (r->_rec_type != FSC_TLS_CT_HANDSHAKE) {
			/* skipped */
		} else if (r->_skip_left > 0) {
			if (n > r->_skip_left)
				n = r->_skip_left;
			r->_skip_left -= n;
			if (r->_skip_left == 0)
				r->skipped++;
		} else if (r->have < 4) {
			if (n > 4 - r->have)
				n = 4 - r->have;
			memcpy(r->buf + r->have, p + i, n);
			r->have += n;
			if (r->have == 4) {
				st = message_start(r);
				if (st != FSC_TRUNCATED) {
					*used = i + n;
					*why = r->why;
					return st;
				}
			}
		} else {
			if (n > r->msg_len - r->have)
				n = r->msg_len - r->have;
			memcpy(r->buf + r->have, p + i, n);
			r->have += n;
		}
		i += n;
		r->_rec_left -= (uint32_t)n;
		if (r->_rec_left == 0)
			r->_state = ST_HDR;
		if (r->_rec_type == FSC_TLS_CT_HANDSHAKE && r->msg_len > 0 &&
		    r->have == r->msg_len) {
			r->msg = r->buf;
			r->msg_type = r->buf[0];
			r->messages++;
			r->_deliver_reset = true;
			*used = i;
			*why = NULL;
			return FSC_OK;
		}
	}
	*used = len;
	*why = "need more bytes";
	return FSC_TRUNCATED;
}

uint8_t fsc_tls_reasm_partial(const struct fsc_tls_reasm *r)
{
	if (r->_deliver_reset || r->have == 0 || r->_skip_left > 0 || !r->buf)
		return 0;
	if (r->buf[0] == FSC_TLS_HS_CLIENT_HELLO || r->buf[0] == FSC_TLS_HS_SERVER_HELLO)
		return r->buf[0];
	return 0;
}

/* ---- hellos ----------------------------------------------------------- */

/* Reads the handshake header of a message of type want and bounds body. */
static enum fsc_status hs_open(const uint8_t *p, size_t len, uint8_t want,
			       struct fsc_cursor *body, size_t *msg_len,
			       const char **why)
{
	struct fsc_cursor c = fsc_cur_make(p, len);

	if (len >= 1 && fsc_cur_peek(&c, 0) != want) {
		*why = "handshake type";
		return FSC_NOT_THIS;
	}
	if (len < 4) {
		*why = "handshake header";
		return FSC_TRUNCATED;
	}
	fsc_cur_u8(&c);
	uint32_t blen = fsc_cur_be24(&c);
	if (fsc_cur_left(&c) < blen) {
		*why = "handshake message shorter than its length";
		return FSC_TRUNCATED;
	}
	*body = fsc_cur_sub(&c, blen);
	*msg_len = 4 + (size_t)blen;
	return FSC_OK;
}

static enum fsc_status bad(const char **why, const char *reason)
{
	*why = reason;
	return FSC_MALFORMED;
}

/* A u16- or u8-prefixed list that must fill the rest of its extension. */
static bool list_open(struct fsc_cursor *e, int prefix, struct fsc_cursor *list)
{
	size_t n = prefix == 2 ? fsc_cur_be16(e) : fsc_cur_u8(e);

	if (e->bad || n != fsc_cur_left(e))
		return false;
	*list = fsc_cur_sub(e, n);
	return !list->bad;
}

static enum fsc_status ext_server_name(struct fsc_cursor *e,
				       struct fsc_tls_client_hello *h,
				       const char **why)
{
	struct fsc_cursor l;

	if (!list_open(e, 2, &l))
		return bad(why, "server_name list length disagrees with extension");
	if (fsc_cur_left(&l) == 0)
		return bad(why, "server_name list empty");
	while (fsc_cur_left(&l) > 0) {
		uint8_t type = fsc_cur_u8(&l);
		uint16_t n = fsc_cur_be16(&l);
		const uint8_t *name = fsc_cur_take(&l, n);
		if (l.bad)
			return bad(why, "server_name entry overruns list");
		if (n == 0)
			return bad(why, "server_name entry empty");
		if (type == 0 && h->sni.p == NULL) {
			h->sni.p = name;
			h->sni.len = n;
		}
		h->n_server_names++;
	}
	return FSC_OK;
}

static enum fsc_status ext_alpn(struct fsc_cursor *e, struct fsc_tls_bytes *out,
				size_t max, size_t *n_out, bool *overflow,
				const char **why)
{
	struct fsc_cursor l;

	if (!list_open(e, 2, &l))
		return bad(why, "ALPN list length disagrees with extension");
	if (fsc_cur_left(&l) == 0)
		return bad(why, "ALPN list empty");
	while (fsc_cur_left(&l) > 0) {
		uint8_t n = fsc_cur_u8(&l);
		const uint8_t *name = fsc_cur_take(&l, n);
		if (l.bad)
			return bad(why, "ALPN entry overruns list");
		if (n == 0)
			return bad(why, "ALPN entry empty");
		if (*n_out < max) {
			out[*n_out].p = name;
			out[*n_out].len = n;
			(*n_out)++;
		} else {
			*overflow = true;
		}
	}
	return FSC_OK;
}

/* A list of u16 values after a u8 or u16 byte-length prefix. */
static enum fsc_status ext_u16_list(struct fsc_cursor *e, int prefix,
				    uint16_t *out, size_t max, size_t *n_out,
				    bool *overflow, const char *what,
				    const char **why)
{
	struct fsc_cursor l;

	if (!list_open(e, prefix, &l))
		return bad(why, what);
	if (fsc_cur_left(&l) == 0 || fsc_cur_left(&l) % 2)
		return bad(why, what);
	while (fsc_cur_left(&l) > 0) {
		uint16_t v = fsc_cur_be16(&l);
		if (*n_out < max)
			out[(*n_out)++] = v;
		else
			*overflow = true;
	}
	return FSC_OK;
}

static enum fsc_status ext_point_formats(struct fsc_cursor *e,
					 struct fsc_tls_client_hello *h,
					 const char **why)
{
	struct fsc_cursor l;

	if (!list_open(e, 1, &l) || fsc_cur_left(&l) == 0)
		return bad(why, "ec_point_formats length disagrees with extension");
	while (fsc_cur_left(&l) > 0) {
		uint8_t v = fsc_cur_u8(&l);
		if (h->n_point_formats < FSC_TLS_MAX_POINT_FORMATS)
			h->point_formats[h->n_point_formats++] = v;
		else
			h->overflow = true;
	}
	return FSC_OK;
}

static enum fsc_status client_ext(struct fsc_tls_client_hello *h, uint16_t type,
				  struct fsc_cursor *e, const char **why)
{
	switch (type) {
	case FSC_TLS_EXT_SERVER_NAME:
		h->has_sni = true;
		return ext_server_name(e, h, why);
	case FSC_TLS_EXT_ALPN:
		h->has_alpn = true;
		return ext_alpn(e, h->alpn, FSC_TLS_MAX_ALPN, &h->n_alpn,
				&h->overflow, why);
	case FSC_TLS_EXT_SUPPORTED_VERSIONS:
		h->has_versions = true;
		return ext_u16_list(e, 1, h->versions, FSC_TLS_MAX_VERSIONS,
				    &h->n_versions, &h->overflow,
				    "supported_versions length disagrees with extension", why);
	case FSC_TLS_EXT_SUPPORTED_GROUPS:
		h->has_groups = true;
		return ext_u16_list(e, 2, h->groups, FSC_TLS_MAX_GROUPS,
				    &h->n_groups, &h->overflow,
				    "supported_groups length disagrees with extension", why);
	case FSC_TLS_EXT_EC_POINT_FORMATS:
		h->has_point_formats = true;
		return ext_point_formats(e, h, why);
	case FSC_TLS_EXT_SIGNATURE_ALGORITHMS:
		h->has_sigalgs = true;
		return ext_u16_list(e, 2, h->sigalgs, FSC_TLS_MAX_SIGALGS,
				    &h->n_sigalgs, &h->overflow,
				    "signature_algorithms length disagrees with extension", why);
	}
	return FSC_OK;
}

/*
 * Walks an extensions block that must fill the rest of body. Stores each
 * extension in exts and hands it to fn (NULL for none).
 */
typedef enum fsc_status (*ext_fn)(void *ctx, uint16_t type, struct fsc_cursor *e,
				  const char **why);

static enum fsc_status ext_block(struct fsc_cursor *b, struct fsc_tls_ext *exts,
				 size_t *n_exts, bool *overflow, bool *dup,
				 ext_fn fn, void *ctx, const char **why)
{
	uint16_t blen = fsc_cur_be16(b);

	if (b->bad)
		return bad(why, "extensions length field cut short");
	if (blen != fsc_cur_left(b))
		return bad(why, "extensions length disagrees with message");
	while (fsc_cur_left(b) > 0) {
		uint16_t type = fsc_cur_be16(b);
		uint16_t n = fsc_cur_be16(b);
		const uint8_t *data = fsc_cur_take(b, n);
		if (b->bad)
			return bad(why, "extension overruns extensions block");
		for (size_t i = 0; i < *n_exts; i++)
			if (exts[i].type == type)
				*dup = true;
		if (*n_exts < FSC_TLS_MAX_EXTS) {
			exts[*n_exts].type = type;
			exts[*n_exts].len = n;
			exts[*n_exts].data = data;
			(*n_exts)++;
		} else {
			*overflow = true;
		}
		struct fsc_cursor e = fsc_cur_make(data, n);
		enum fsc_status st = fn(ctx, type, &e, why);
		if (st != FSC_OK)
			return st;
	}
	return FSC_OK;
}

static enum fsc_status client_ext_cb(void *ctx, uint16_t type, struct fsc_cursor *e,
				     const char **why)
{
	return client_ext(ctx, type, e, why);
}

/* legacy_version, random and session id, common to both hellos. */
static enum fsc_status hello_prefix(struct fsc_cursor *b, uint16_t *version,
				    const uint8_t **random, const uint8_t **sid,
				    uint8_t *sid_len, const char **why)
{
	*version = fsc_cur_be16(b);
	*random = fsc_cur_take(b, 32);
	if (b->bad)
		return bad(why, "hello shorter than version and random");
	*sid_len = fsc_cur_u8(b);
	if (b->bad)
		return bad(why, "session id length missing");
	if (*sid_len > 32)
		return bad(why, "session id longer than 32");
	*sid = fsc_cur_take(b, *sid_len);
	if (b->bad)
		return bad(why, "session id overruns message");
	return FSC_OK;
}

enum fsc_status fsc_tls_client_hello_parse(const uint8_t *p, size_t len,
					   struct fsc_tls_client_hello *h,
					   const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct fsc_cursor b;
	enum fsc_status st;

	memset(h, 0, sizeof(*h));
	st = hs_open(p, len, FSC_TLS_HS_CLIENT_HELLO, &b, &h->msg_len, why);
	if (st != FSC_OK)
		return st;
	st = hello_prefix(&b, &h->legacy_version, &h->random, &h->session_id,
			  &h->session_id_len, why);
	if (st != FSC_OK)
		return st;

	uint16_t cs_len = fsc_cur_be16(&b);
	if (b.bad)
		return bad(why, "cipher_suites length missing");
	if (cs_len == 0 || cs_len % 2)
		return bad(why, "cipher_suites length empty or odd");
	struct fsc_cursor cs = fsc_cur_sub(&b, cs_len);
	if (cs.bad)
		return bad(why, "cipher_suites overrun message");
	while (fsc_cur_left(&cs) > 0) {
		uint16_t v = fsc_cur_be16(&cs);
		if (h->n_ciphers < FSC_TLS_MAX_CIPHERS)
			h->ciphers[h->n_ciphers++] = v;
		else
			h->overflow = true;
	}

	h->n_compression = fsc_cur_u8(&b);
	if (b.bad)
		return bad(why, "compression_methods length missing");
	if (h->n_compression == 0)
		return bad(why, "compression_methods empty");
	h->compression = fsc_cur_take(&b, h->n_compression);
	if (b.bad)
		return bad(why, "compression_methods overrun message");

	if (fsc_cur_left(&b) == 0) {
		*why = NULL;
		return FSC_OK; /* TLS 1.0-era hello without extensions */
	}
	h->has_extensions = true;
	st = ext_block(&b, h->exts, &h->n_exts, &h->overflow, &h->dup_ext,
		       client_ext_cb, h, why);
	if (st != FSC_OK)
		return st;
	*why = NULL;
	return FSC_OK;
}

uint16_t fsc_tls_client_hello_version(const struct fsc_tls_client_hello *h)
{
	uint16_t best = 0;

	for (size_t i = 0; i < h->n_versions; i++)
		if (!fsc_tls_is_grease(h->versions[i]) && h->versions[i] > best)
			best = h->versions[i];
	return best ? best : h->legacy_version;
}

static enum fsc_status server_ext_cb(void *ctx, uint16_t type, struct fsc_cursor *e,
				     const char **why)
{
	struct fsc_tls_server_hello *s = ctx;

	if (type == FSC_TLS_EXT_SUPPORTED_VERSIONS) {
		if (fsc_cur_left(e) != 2)
			return bad(why, "selected version is not one u16");
		s->version = fsc_cur_be16(e);
		s->has_selected_version = true;
	} else if (type == FSC_TLS_EXT_ALPN) {
		struct fsc_tls_bytes one[1];
		size_t n = 0;
		bool over = false;
		enum fsc_status st = ext_alpn(e, one, 1, &n, &over, why);
		if (st != FSC_OK)
			return st;
		if (over)
			return bad(why, "server ALPN names more than one protocol");
		s->alpn = one[0];
	}
	return FSC_OK;
}

enum fsc_status fsc_tls_server_hello_parse(const uint8_t *p, size_t len,
					   struct fsc_tls_server_hello *s,
					   const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct fsc_cursor b;
	enum fsc_status st;
	bool dup = false;

	memset(s, 0, sizeof(*s));
	st = hs_open(p, len, FSC_TLS_HS_SERVER_HELLO, &b, &s->msg_len, why);
	if (st != FSC_OK)
		return st;
	struct fsc_cursor peek = b;
	if (fsc_tls_draft_layout(fsc_cur_be16(&peek))) {
		/* TLS 1.3 drafts before 22: version, random, cipher_suite,
		 * extensions; no session id, no compression. */
		s->draft = true;
		s->legacy_version = fsc_cur_be16(&b);
		s->random = fsc_cur_take(&b, 32);
		s->cipher = fsc_cur_be16(&b);
		if (b.bad)
			return bad(why, "draft hello shorter than version, random and cipher");
	} else {
		st = hello_prefix(&b, &s->legacy_version, &s->random, &s->session_id,
				  &s->session_id_len, why);
		if (st != FSC_OK)
			return st;
		s->cipher = fsc_cur_be16(&b);
		s->compression = fsc_cur_u8(&b);
		if (b.bad)
			return bad(why, "cipher or compression missing");
	}
	s->hrr = memcmp(s->random, fsc_tls_hrr_random, 32) == 0;
	s->version = s->legacy_version;
	if (fsc_cur_left(&b) > 0) {
		s->has_extensions = true;
		st = ext_block(&b, s->exts, &s->n_exts, &s->overflow, &dup,
			       server_ext_cb, s, why);
		if (st != FSC_OK)
			return st;
		if (dup)
			return bad(why, "extension repeated in ServerHello");
	}
	*why = NULL;
	return FSC_OK;
}
