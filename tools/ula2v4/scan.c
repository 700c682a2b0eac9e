/* scan.c - address literals in free text. No <ctype.h>: log lines are
 * untrusted bytes and the locale must not change what matches. */
#include "scan.h"

#include <string.h>

#include "fsc/span.h"

/* The library's byte classes (span.h), for a char of a line. */
static bool in(const struct fsc_byteset *set, char c)
{
	return fsc_byteset_has(set, (uint8_t)c);
}

/* A byte of an address literal. */
static bool is_tok(char c)
{
	return in(&fsc_hexdig_set, c) || c == ':' || c == '.';
}

/* A byte that would make the literal part of a longer word. */
static bool is_word(char c)
{
	return in(&fsc_alnum_set, c) || c == '_';
}

static bool parse(const char *s, size_t n, struct fsc_addr *a)
{
	char buf[FSC_ADDR_STRLEN + 1];

	if (n == 0 || n > FSC_ADDR_STRLEN)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return fsc_addr_parse(buf, a);
}

/* Past ":digits" at line[i], if there (1 to 5 digits). */
static size_t skip_port(const char *line, size_t n, size_t i)
{
	size_t k = i + 1;

	if (i >= n || line[i] != ':')
		return i;
	while (k < n && k - i <= 5 && in(&fsc_digit_set, line[k]))
		k++;
	if (k == i + 1 || k - i > 6 || (k < n && is_word(line[k])))
		return i;
	return k;
}

/* Past "/len" at line[i], if a prefix length for a fits there. */
static size_t skip_prefix_len(const char *line, size_t n, size_t i, const struct fsc_addr *a)
{
	size_t k = i + 1;
	unsigned v = 0;

	if (i >= n || line[i] != '/')
		return i;
	while (k < n && k - i <= 3 && in(&fsc_digit_set, line[k]))
		v = v * 10 + (unsigned)(line[k++] - '0');
	if (k == i + 1 || k - i > 4 || v > (a->family == 4 ? 32u : 128u))
		return i;
	/* "/8" ends there (a sentence's dot may follow); "/80/x" or "/8.5"
	 * is a path or a number. */
	if (k < n && (is_word(line[k]) || line[k] == '/' ||
		      (line[k] == '.' && k + 1 < n && in(&fsc_digit_set, line[k + 1]))))
		return i;
	return k;
}

static bool candidate(const char *line, size_t n, size_t s, size_t e, struct scan_hit *hit)
{
	size_t a = s, b = e;

	while (b > a && line[b - 1] == '.')
		b--;
	if (b - a >= 2 && line[a] == ':' && line[a + 1] != ':')
		a++;
	if (b - a >= 2 && line[b - 1] == ':' && line[b - 2] != ':')
		b--;
	if (b <= a)
		return false;
	if ((a > 0 && is_word(line[a - 1])) || (b < n && is_word(line[b])))
		return false;

	if (parse(line + a, b - a, &hit->addr)) {
		hit->start = a;
		hit->len = b - a;
		hit->end = b;
	} else {
		/* "1.2.3.4:80", or a full eight-group IPv6 with ":80" that
		 * cannot parse whole: split at the last ':' when one to five
		 * digits follow and what precedes is an address. */
		size_t k = b;
		while (k > a && line[k - 1] != ':')
			k--;
		if (k <= a + 1 || k == b || b - k > 5)
			return false;
		for (size_t i = k; i < b; i++)
			if (!in(&fsc_digit_set, line[i]))
				return false;
		if (!parse(line + a, k - 1 - a, &hit->addr))
			return false;
		hit->start = a;
		hit->len = k - 1 - a;
		hit->end = b;
		return true;
	}
	if (a > 0 && line[a - 1] == '[' && b < n && line[b] == ']')
		hit->end = skip_port(line, n, b + 1);
	else
		hit->end = skip_prefix_len(line, n, b, &hit->addr); /* CIDR */
	return true;
}

bool scan_next(const char *line, size_t n, size_t *pos, struct scan_hit *hit)
{
	size_t i = *pos;

	while (i < n) {
		if (!is_tok(line[i])) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < n && is_tok(line[i]))
			i++;
		/* A run glued to a word on its left ("reg100.64.0.1") is part
		 * of that word; skip it whole. */
		if (s > 0 && is_word(line[s - 1]) && line[s] != ':')
			continue;
		if (candidate(line, n, s, i, hit)) {
			*pos = hit->end > i ? hit->end : i;
			return true;
		}
	}
	*pos = n;
	return false;
}
