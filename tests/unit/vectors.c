/* vectors.c - hex vectors and guard pages for the unit tests. */
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t vec_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *s = hex; *s; s++) {
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			if (!*s)
				break;
			continue;
		}
		int v = hexval(*s);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max) {
			fprintf(stderr, "vec_hex: vector longer than %zu\n", max);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		fprintf(stderr, "vec_hex: odd number of hex digits\n");
		abort();
	}
	return n;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t guard_span(size_t len)
{
	size_t pg = page_size();
	return (len + pg - 1) / pg * pg + pg;
}

uint8_t *vec_guard(const uint8_t *p, size_t len)
{
	size_t span = guard_span(len), pg = page_size();
	uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED) {
		perror("vec_guard: mmap");
		abort();
	}
	if (mprotect(base + span - pg, pg, PROT_NONE) != 0) {
		perror("vec_guard: mprotect");
		abort();
	}
	uint8_t *g = base + span - pg - len;
	if (len)
		memcpy(g, p, len);
	return g;
}

void vec_guard_free(uint8_t *g, size_t len)
{
	size_t span = guard_span(len), pg = page_size();
	uint8_t *base = g + len + pg - span;

	munmap(base, span);
}

const char vec_client_hello_hex[] =
	"160301008b010000870303000000000000000000000000000000000000000000"
	"00000000000000000000000000080a0a13011302c02f010000561a1a00000000"
	"0013001100000e6578616d706c652e74732e6e65740010000e000c0268320868"
	"7474702f312e31002b0007062a2a03040303000a000800063a3a001d0017000b"
	"00020100000d00080006040308040401";

void vec_ip4(uint8_t *b, size_t len, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
}
