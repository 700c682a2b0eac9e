/* wgkeylog.c - Wireshark's WireGuard key log, written and read (protocols.md
 * §2.1; wireshark packet-wireguard.c wg_keylog_process_lines):
 *
 *   [spaces] LABEL [spaces] = [spaces] BASE64-OF-32-BYTES [spaces] [CR] LF
 *
 * The reader is bounded (line length, key counts, file size), never
 * allocates per line, and skips what it does not understand. */
#include "fsc/wgkeylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fsc/cursor.h"

#define DEFAULT_STATIC 1024
#define DEFAULT_REMOTE 1024
#define DEFAULT_EPH 65536
#define FILE_MAX (64u << 20)
#define LINE_MAX_READ 512 /* longer lines are skipped unread */

static const char *const labels[FSC_WGKEYLOG_TYPE_COUNT] = {
	[FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY] = "LOCAL_STATIC_PRIVATE_KEY",
	[FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY] = "REMOTE_STATIC_PUBLIC_KEY",
	[FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY] = "LOCAL_EPHEMERAL_PRIVATE_KEY",
	[FSC_WGKEYLOG_PRESHARED_KEY] = "PRESHARED_KEY",
};

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const char *fsc_wgkeylog_type_name(enum fsc_wgkeylog_type t)
{
	return (unsigned)t < FSC_WGKEYLOG_TYPE_COUNT ? labels[t] : "?";
}

/* 32 bytes -> 43 characters and one '='. */
static void b64_key(char out[44], const uint8_t key[32])
{
	size_t o = 0;

	for (size_t i = 0; i < 30; i += 3) {
		uint32_t v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 |
			     key[i + 2];
		out[o++] = b64chars[v >> 18 & 63];
		out[o++] = b64chars[v >> 12 & 63];
		out[o++] = b64chars[v >> 6 & 63];
		out[o++] = b64chars[v & 63];
	}
	uint32_t v = (uint32_t)key[30] << 16 | (uint32_t)key[31] << 8;
	out[o++] = b64chars[v >> 18 & 63];
	out[o++] = b64chars[v >> 12 & 63];
	out[o++] = b64chars[v >> 6 & 63];
	out[o] = '=';
}

size_t fsc_wgkeylog_format(char *buf, size_t cap, enum fsc_wgkeylog_type t,
			   const uint8_t key[32])
{
	char k[44];
	int n;

	if (cap < FSC_WGKEYLOG_LINE_MAX || (unsigned)t >= FSC_WGKEYLOG_TYPE_COUNT)
		return 0;
	b64_key(k, key);
	n = snprintf(buf, cap, "%s = %.44s\n", labels[t], k);
	OPENSSL_cleanse(k, sizeof(k));
	return n > 0 ? (size_t)n : 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= p[i];
	return any == 0;
}

size_t fsc_wgkeylog_handshake_lines(char *buf, size_t cap,
				    const uint8_t static_priv[32],
				    const uint8_t *remote_pub,
				    const uint8_t eph_priv[32],
				    const uint8_t *psk)
{
	size_t n = 0;

	if (cap < 4 * FSC_WGKEYLOG_LINE_MAX)
		return 0;
	n += fsc_wgkeylog_format(buf + n, cap - n,
				 FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY, static_priv);
	if (remote_pub)
		n += fsc_wgkeylog_format(buf + n, cap - n,
					 FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY,
					 remote_pub);
	n += fsc_wgkeylog_format(buf + n, cap - n,
				 FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY, eph_priv);
	if (psk && !all_zero(psk, 32))
		n += fsc_wgkeylog_format(buf + n, cap - n,
					 FSC_WGKEYLOG_PRESHARED_KEY, psk);
	return n;
}

/* ---- Reader ------------------------------------------------------------------- */

static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Exactly 43 characters and '=' (a 32-byte key); the unused low bits of the
 * last character must be zero, as a canonical encoder writes them. */
static bool b64_decode_key(const uint8_t *s, uint8_t key[32])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	if (s[43] != '=')
		return false;
	for (size_t i = 0; i < 43; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			return false;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o < 32)
				key[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o == 32 && acc == 0;
}

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void skip_spaces(struct fsc_cursor *c)
{
	while (fsc_cur_left(c) && is_space(fsc_cur_peek(c, 0)))
		fsc_cur_skip(c, 1);
}

enum fsc_status fsc_wgkeylog_parse_line(const char *line, size_t len,
					enum fsc_wgkeylog_type *t,
					uint8_t key[32], const char **why)
{
	struct fsc_cursor c = fsc_cur_make((const uint8_t *)line, len);
	const uint8_t *v;
	size_t n;
	int found = -1;

	if (why)
		*why = NULL;
	skip_spaces(&c);
	for (int i = 0; i < FSC_WGKEYLOG_TYPE_COUNT; i++) {
		n = strlen(labels[i]);
		if (fsc_cur_left(&c) >= n && memcmp(c.p, labels[i], n) == 0 &&
		    (fsc_cur_left(&c) == n || is_space(c.p[n]) || c.p[n] == '=')) {
			found = i;
			fsc_cur_skip(&c, n);
			break;
		}
	}
	if (found < 0) {
		if (why)
			*why = "not a key line";
		return FSC_NOT_THIS;
	}
	skip_spaces(&c);
	if (fsc_cur_u8(&c) != '=' || c.bad) {
		if (why)
			*why = "no '=' after the label";
		return FSC_MALFORMED;
	}
	skip_spaces(&c);
	v = fsc_cur_take(&c, 44);
	if (!v || !b64_decode_key(v, key)) {
		if (why)
			*why = "value is not base64 of 32 bytes";
		return FSC_MALFORMED;
	}
	while (fsc_cur_left(&c) && (is_space(fsc_cur_peek(&c, 0)) ||
				    fsc_cur_peek(&c, 0) == '\r'))
		fsc_cur_skip(&c, 1);
	if (fsc_cur_left(&c)) {
		OPENSSL_cleanse(key, 32);
		if (why)
			*why = "text after the value";
		return FSC_MALFORMED;
	}
	*t = (enum fsc_wgkeylog_type)found;
	return FSC_OK;
}

struct fsc_wgkeylog_set *fsc_wgkeylog_set_new(size_t max_static,
					      size_t max_remote, size_t max_eph)
{
	struct fsc_wgkeylog_set *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->max_static_priv = max_static ? max_static : DEFAULT_STATIC;
	s->max_remote_pub = max_remote ? max_remote : DEFAULT_REMOTE;
	s->max_eph = max_eph ? max_eph : DEFAULT_EPH;
	/* Sized at their limits: calloc's untouched pages cost nothing. */
	s->static_priv = calloc(s->max_static_priv, 32);
	s->remote_pub = calloc(s->max_remote_pub, 32);
	s->eph = calloc(s->max_eph, sizeof(*s->eph));
	if (!s->static_priv || !s->remote_pub || !s->eph) {
		fsc_wgkeylog_set_free(s);
		return NULL;
	}
	return s;
}

void fsc_wgkeylog_set_free(struct fsc_wgkeylog_set *s)
{
	if (!s)
		return;
	if (s->static_priv)
		OPENSSL_cleanse(s->static_priv, s->n_static_priv * 32);
	if (s->eph)
		OPENSSL_cleanse(s->eph, s->n_eph * sizeof(*s->eph));
	free(s->static_priv);
	free(s->remote_pub);
	free(s->eph);
	free(s);
}

static bool have_key(uint8_t (*arr)[32], size_t n, const uint8_t key[32])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(arr[i], key, 32) == 0)
			return true;
	return false;
}

static void add_key(struct fsc_wgkeylog_set *s, enum fsc_wgkeylog_type t,
		    const uint8_t key[32])
{
	bool kept = true;

	switch (t) {
	case FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY:
		s->psk_pending = false;
		if (have_key(s->static_priv, s->n_static_priv, key))
			return;
		kept = s->n_static_priv < s->max_static_priv;
		if (kept)
			memcpy(s->static_priv[s->n_static_priv++], key, 32);
		break;
	case FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY:
		s->psk_pending = false;
		if (have_key(s->remote_pub, s->n_remote_pub, key))
			return;
		kept = s->n_remote_pub < s->max_remote_pub;
		if (kept)
			memcpy(s->remote_pub[s->n_remote_pub++], key, 32);
		break;
	case FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY:
		for (size_t i = 0; i < s->n_eph; i++)
			if (memcmp(s->eph[i].priv, key, 32) == 0) {
				/* a repeated line may bind a PSK again */
				s->psk_slot = i;
				s->psk_pending = true;
				return;
			}
		kept = s->n_eph < s->max_eph;
		if (kept) {
			s->psk_slot = s->n_eph;
			memcpy(s->eph[s->n_eph].priv, key, 32);
			memset(s->eph[s->n_eph].psk, 0, 32);
			s->n_eph++;
		}
		s->psk_pending = kept;
		break;
	case FSC_WGKEYLOG_PRESHARED_KEY:
		if (!s->psk_pending || s->n_eph == 0) {
			s->skipped++; /* a PSK binds only to the ephemeral above */
			return;
		}
		memcpy(s->eph[s->psk_slot].psk, key, 32);
		s->psk_pending = false;
		return;
	default:
		return;
	}
	if (!kept)
		s->dropped++;
}

void fsc_wgkeylog_set_add_text(struct fsc_wgkeylog_set *s, const char *text,
			       size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		enum fsc_wgkeylog_type t;
		uint8_t key[32];
		enum fsc_status st;

		s->lines++;
		if (e - p > LINE_MAX_READ)
			st = FSC_MALFORMED;
		else
			st = fsc_wgkeylog_parse_line(p, (size_t)(e - p), &t, key,
						     NULL);
		if (st == FSC_OK)
			add_key(s, t, key);
		else if (st == FSC_MALFORMED || (e > p && !(e - p == 1 && *p == '\r')))
			s->skipped++;
		OPENSSL_cleanse(key, sizeof(key));
		p = nl ? nl + 1 : end;
	}
}

bool fsc_wgkeylog_set_add_file(struct fsc_wgkeylog_set *s, const char *path,
			       char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	bool ok = true;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return false;
	}
	/* Grown as read (a pipe has no size to ask for), up to the limit. */
	for (;;) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb;
			if (cap > FILE_MAX) {
				snprintf(err, errlen, "too large (64 MiB at most)");
				ok = false;
				break;
			}
			/* not realloc: the old block holds keys to wipe */
			nb = malloc(nc);
			if (!nb) {
				snprintf(err, errlen, "out of memory");
				ok = false;
				break;
			}
			if (buf) {
				memcpy(nb, buf, n);
				OPENSSL_cleanse(buf, n);
				free(buf);
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s", strerror(errno));
				ok = false;
			}
			break;
		}
	}
	fclose(f);
	if (ok)
		fsc_wgkeylog_set_add_text(s, buf, n);
	if (buf)
		OPENSSL_cleanse(buf, n);
	free(buf);
	return ok;
}
