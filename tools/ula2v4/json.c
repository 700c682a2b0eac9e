/* json.c - a small recursive-descent JSON reader (RFC 8259), for the status
 * file only: the packet path never sees it. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/span.h"

#define MAX_DEPTH 64

struct jp {
	const char *s, *p, *end;
	const char *err;
};

static void ws(struct jp *j)
{
	while (j->p < j->end &&
	       (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool fail(struct jp *j, const char *why)
{
	if (!j->err)
		j->err = why;
	return false;
}

static bool lit(struct jp *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return fail(j, "unknown literal");
	j->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = fsc_hex_value((unsigned char)p[i]);
		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes a string starting at the opening quote into a new buffer. The
 * decoded text is never longer than the escaped text, so one allocation of
 * the raw length suffices. */
static char *str(struct jp *j)
{
	const char *q = ++j->p;

	while (q < j->end && *q != '"') {
		if (*q == '\\')
			q++;
		q++;
	}
	if (q >= j->end) {
		fail(j, "unterminated string");
		return NULL;
	}
	char *out = malloc((size_t)(q - j->p) + 1), *o = out;
	if (!out) {
		fail(j, "out of memory");
		return NULL;
	}
	while (j->p < q) {
		unsigned char c = (unsigned char)*j->p++;
		if (c < 0x20) {
			free(out);
			fail(j, "control character in string");
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		char e = *j->p++;
		switch (e) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u': {
			int cp = q - j->p >= 4 ? hex4(j->p) : -1;
			if (cp < 0) {
				free(out);
				fail(j, "bad \\u escape");
				return NULL;
			}
			j->p += 4;
			uint32_t u = (uint32_t)cp;
			/* A surrogate pair is one code point; a lone half
			 * becomes U+FFFD rather than invalid UTF-8. */
			if (u >= 0xd800 && u < 0xdc00 && q - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u') {
				int lo = hex4(j->p + 2);
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
					j->p += 6;
				}
			}
			if (u >= 0xd800 && u < 0xe000)
				u = 0xfffd;
			o += put_utf8(o, u);
			break;
		}
		default:
			free(out);
			fail(j, "bad escape in string");
			return NULL;
		}
	}
	j->p = q + 1;
	*o = '\0';
	return out;
}

static bool value(struct jp *j, struct jval *v, int depth);

static bool grow(struct jval *v, size_t *cap, bool keys)
{
	if (v->n < *cap)
		return true;
	size_t nc = *cap ? *cap * 2 : 4;
	struct jval *k = realloc(v->kids, nc * sizeof(*k));
	if (!k)
		return false;
	v->kids = k;
	if (keys) {
		char **ks = realloc(v->keys, nc * sizeof(*ks));
		if (!ks)
			return false;
		v->keys = ks;
	}
	*cap = nc;
	return true;
}

static bool container(struct jp *j, struct jval *v, int depth, bool obj)
{
	size_t cap = 0;
	char close = obj ? '}' : ']';

	v->t = obj ? J_OBJ : J_ARR;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		ws(j);
		if (obj) {
			if (j->p >= j->end || *j->p != '"')
				return fail(j, "expected a member name");
			if (!(key = str(j)))
				return false;
			ws(j);
			if (j->p >= j->end || *j->p != ':') {
				free(key);
				return fail(j, "expected ':'");
			}
			j->p++;
		}
		if (!grow(v, &cap, obj)) {
			free(key);
			return fail(j, "out of memory");
		}
		memset(&v->kids[v->n], 0, sizeof(v->kids[0]));
		if (obj)
			v->keys[v->n] = key;
		v->n++;
		if (!value(j, &v->kids[v->n - 1], depth + 1))
			return false;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return true;
		}
		return fail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool number(struct jp *j, struct jval *v)
{
	const char *b = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return fail(j, "bad number");
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' ||
				 *j->p == 'e' || *j->p == 'E' || *j->p == '+' || *j->p == '-'))
		j->p++;
	v->t = J_NUM;
	v->s = malloc((size_t)(j->p - b) + 1);
	if (!v->s)
		return fail(j, "out of memory");
	memcpy(v->s, b, (size_t)(j->p - b));
	v->s[j->p - b] = '\0';
	return true;
}

static bool value(struct jp *j, struct jval *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(j, "nested too deep");
	ws(j);
	if (j->p >= j->end)
		return fail(j, "unexpected end of input");
	switch (*j->p) {
	case '{':
		return container(j, v, depth, true);
	case '[':
		return container(j, v, depth, false);
	case '"':
		v->t = J_STR;
		return (v->s = str(j)) != NULL;
	case 't':
		v->t = J_BOOL;
		v->b = true;
		return lit(j, "true");
	case 'f':
		v->t = J_BOOL;
		return lit(j, "false");
	case 'n':
		v->t = J_NULL;
		return lit(j, "null");
	default:
		return number(j, v);
	}
}

static void clear(struct jval *v)
{
	for (size_t i = 0; i < v->n; i++) {
		clear(&v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->s);
}

void json_free(struct jval *v)
{
	if (!v)
		return;
	clear(v);
	free(v);
}

struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct jp j = { text, text, text + len, NULL };
	struct jval *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (value(&j, v, 0)) {
		ws(&j);
		if (j.p != j.end)
			fail(&j, "trailing text after the value");
	}
	if (j.err) {
		snprintf(err, errlen, "invalid JSON at byte %zu: %s", (size_t)(j.p - j.s), j.err);
		json_free(v);
		return NULL;
	}
	return v;
}

const struct jval *json_get(const struct jval *o, const char *key)
{
	if (!o || o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->keys[i], key) == 0)
			return &o->kids[i];
	return NULL;
}
