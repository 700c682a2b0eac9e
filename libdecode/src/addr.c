/* addr.c - address values, hashing and canonical text. */
#include "fsc/addr.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "fsc/span.h"

/* Eight bytes as a big-endian number: comparing two such numbers orders
 * the bytes as memcmp does. */
static uint64_t be64(const uint8_t *p)
{
	uint64_t v;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, 8);
	v = __builtin_bswap64(v);
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	memcpy(&v, p, 8);
#else
	v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
#endif
	return v;
}

int fsc_addr_cmp(const struct fsc_addr *a, const struct fsc_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	uint64_t x = be64(a->b), y = be64(b->b);
	if (x == y) {
		x = be64(a->b + 8);
		y = be64(b->b + 8);
	}
	return x < y ? -1 : x > y;
}

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t fsc_addr_hash(const struct fsc_addr *a, uint64_t seed)
{
	uint64_t lo, hi;

	/* Host-order loads: a hash need not agree across machines. */
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	return mix64(mix64(seed ^ lo ^ a->family) ^ hi);
}

/* "a.b.c.d": each octet without leading zeros. Returns the length. */
static size_t dotted_quad(const uint8_t b[4], char *out)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (i)
			out[n++] = '.';
		if (v >= 100) {
			out[n++] = (char)('0' + v / 100);
			v %= 100;
			out[n++] = (char)('0' + v / 10);
		} else if (v >= 10) {
			out[n++] = (char)('0' + v / 10);
		}
		out[n++] = (char)('0' + v % 10);
	}
	out[n] = '\0';
	return n;
}

/* One 16-bit field in lower-case hex, without leading zeros. */
static size_t hex_field(unsigned v, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = 0;

	for (int shift = 12; shift >= 0; shift -= 4)
		if (v >> shift || shift == 0)
			out[n++] = digits[(v >> shift) & 15];
	return n;
}

/*
 * The text glibc's inet_ntop gives (RFC 5952 §4): lower case, no leading
 * zeros, the longest run of two or more zero fields as "::" (the leftmost
 * of equally long runs), and the last 32 bits as a dotted quad after
 * ::ffff:0:0/96 and after the deprecated IPv4-compatible ::/96 (when the
 * run is exactly the first six fields: "::1.2.3.4", but "::1", "::102").
 */
static size_t ipv6_text(const uint8_t b[16], char *out)
{
	unsigned w[8];
	int best = -1, best_len = 0;
	size_t n = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		if (w[i]) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			out[n++] = ':';
			i += best_len - 1;
			if (i == 7)
				out[n++] = ':';
			continue;
		}
		if (i)
			out[n++] = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return n + dotted_quad(b + 12, out + n);
		n += hex_field(w[i], out + n);
	}
	out[n] = '\0';
	return n;
}

size_t fsc_addr_write(const struct fsc_addr *a, char *buf)
{
	if (a->family == 4)
		return dotted_quad(a->b, buf);
	if (a->family == 6)
		return ipv6_text(a->b, buf);
	buf[0] = '-';
	buf[1] = '\0';
	return 1;
}

char *fsc_addr_str(const struct fsc_addr *a, char *buf)
{
	fsc_addr_write(a, buf);
	return buf;
}

size_t fsc_endpoint_write(const struct fsc_addr *a, uint16_t port, char *buf)
{
	size_t n = 0;
	char digits[5];
	size_t nd = 0;

	if (a->family == 6)
		buf[n++] = '[';
	n += fsc_addr_write(a, buf + n);
	if (a->family == 6)
		buf[n++] = ']';
	buf[n++] = ':';
	do {
		digits[nd++] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	while (nd)
		buf[n++] = digits[--nd];
	buf[n] = '\0';
	return n;
}

char *fsc_endpoint_str(const struct fsc_addr *a, uint16_t port, char *buf)
{
	fsc_endpoint_write(a, port, buf);
	return buf;
}

/* A dotted quad into out[4]; out untouched unless it parses. */
static bool quad_parse(const char *s, size_t n, uint8_t out[4])
{
	uint8_t b[4];
	unsigned part = 0, digits = 0, v = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (fsc_byteset_has(&fsc_digit_set, (uint8_t)ch)) {
			if (digits > 0 && v == 0)
				return false; /* a leading zero */
			v = v * 10 + (unsigned)(ch - '0');
			if (v > 255)
				return false;
			digits++;
		} else if (ch == '.' && digits > 0 && part < 3) {
			b[part++] = (uint8_t)v;
			digits = v = 0;
		} else {
			return false;
		}
	}
	if (part != 3 || digits == 0)
		return false;
	b[3] = (uint8_t)v;
	memcpy(out, b, 4);
	return true;
}

bool fsc_addr_parse4(const char *s, size_t n, struct fsc_addr *a)
{
	uint8_t b[4];

	if (!quad_parse(s, n, b))
		return false;
	fsc_addr_set4(a, b);
	return true;
}

bool fsc_addr_parse6(const char *s, size_t n, struct fsc_addr *a)
{
	uint8_t b[16];
	size_t i = 0, filled = 0, gap = SIZE_MAX, token = 0;
	unsigned v = 0, digits = 0;

	if (n == 0)
		return false;
	if (s[0] == ':') { /* only as the start of a leading "::" */
		if (n < 2 || s[1] != ':')
			return false;
		i = 1;
	}
	while (i < n) {
		char ch = s[i++];
		int d = fsc_hex_value((unsigned char)ch);
		if (d >= 0) {
			if (digits == 4)
				return false;
			v = v << 4 | (unsigned)d;
			digits++;
		} else if (ch == ':') {
			token = i;
			if (digits == 0) { /* "::" */
				if (gap != SIZE_MAX)
					return false;
				gap = filled;
				continue;
			}
			if (i == n || filled + 2 > 16)
				return false; /* a trailing ':', or a ninth field */
			b[filled++] = (uint8_t)(v >> 8);
			b[filled++] = (uint8_t)v;
			v = digits = 0;
		} else if (ch == '.' && filled + 4 <= 16 && quad_parse(s + token, n - token, b + filled)) {
			/* The last 32 bits as a dotted quad, to the end. */
			filled += 4;
			digits = 0;
			break;
		} else {
			return false;
		}
	}
	if (digits > 0) {
		if (filled + 2 > 16)
			return false;
		b[filled++] = (uint8_t)(v >> 8);
		b[filled++] = (uint8_t)v;
	}
	if (gap != SIZE_MAX) {
		if (filled == 16)
			return false; /* "::" must stand for at least one field */
		size_t tail = filled - gap;
		memmove(b + 16 - tail, b + gap, tail);
		memset(b + gap, 0, 16 - tail - gap);
		filled = 16;
	}
	if (filled != 16)
		return false;
	fsc_addr_set6(a, b);
	return true;
}

bool fsc_addr_parse(const char *s, struct fsc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return true;
	}
	memset(a, 0, sizeof(*a));
	return false;
}
