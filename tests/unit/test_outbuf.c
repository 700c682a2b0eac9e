/* test_outbuf.c - the output buffer (fsc/outbuf.h) writes what the printf
 * formats it replaces write: integers, padded and hex numbers, milliseconds,
 * and text cut at the same place by the escapers; a fixed array keeps what
 * fits and says it was cut; the JSON writer's rules (fsc/jsonw.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/jsonw.h"
#include "fsc/outbuf.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static FILE *out;
static struct fsc_outbuf ob;

static int setup(void **state)
{
	(void)state;
	out = tmpfile();
	return out && fsc_outbuf_init(&ob, out) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fsc_outbuf_free(&ob);
	fclose(out);
	return 0;
}

/* What the buffer wrote since the last call, as a string. */
static const char *written(void)
{
	static char got[1 << 16];

	fsc_outbuf_flush(&ob);
	fflush(out);
	long n = ftell(out);
	assert_true(n >= 0 && (size_t)n < sizeof(got));
	rewind(out);
	assert_int_equal(fread(got, 1, (size_t)n, out), (size_t)n);
	got[n] = '\0';
	rewind(out);
	assert_int_equal(ftruncate(fileno(out), 0), 0);
	return got;
}

/* A value from every magnitude, with the edges of each. */
static uint64_t some_u64(void)
{
	uint64_t r = rnd();
	unsigned bits = (unsigned)(r % 65);
	uint64_t v = bits == 64 ? rnd() : rnd() & ((1ull << bits) - 1);
	switch (r >> 8 & 3) {
	case 0:
		return v;
	case 1:
		return bits < 64 ? (1ull << bits) : UINT64_MAX;
	case 2:
		return bits < 64 ? (1ull << bits) - 1 : UINT64_MAX - 1;
	default:
		return v % 1000000 * 1000 + 500; /* ties for the milliseconds */
	}
}

static void integers(void **state)
{
	char want[128];

	(void)state;
	for (int k = 0; k < 40000; k++) {
		uint64_t u = some_u64();
		int64_t i = (int64_t)u;
		unsigned width = (unsigned)(rnd() % 8);
		unsigned digits = (unsigned)(rnd() % 9);
		fsc_outbuf_u64(&ob, u);
		fsc_outbuf_char(&ob, ' ');
		fsc_outbuf_i64(&ob, i);
		fsc_outbuf_char(&ob, ' ');
		fsc_outbuf_i64_zpad(&ob, i, width);
		fsc_outbuf_char(&ob, ' ');
		fsc_outbuf_i64_zpad(&ob, i % 1000000, width);
		fsc_outbuf_char(&ob, ' ');
		fsc_outbuf_hex(&ob, u, digits ? digits : 1);
		fsc_outbuf_char(&ob, ' ');
		fsc_outbuf_hex(&ob, (uint32_t)u, 8);
		snprintf(want, sizeof(want), "%" PRIu64 " %" PRId64 " %0*" PRId64 " %0*" PRId64
			 " %0*" PRIx64 " %08" PRIx32, u, i, (int)width, i, (int)width,
			 i % 1000000, (int)(digits ? digits : 1), u, (uint32_t)u);
		assert_string_equal(written(), want);
	}
}

static void milliseconds(void **state)
{
	char want[128];

	(void)state;
	for (int k = 0; k < 60000; k++) {
		int64_t ns = (int64_t)some_u64();
		if (k % 3 == 0)
			ns = (int64_t)(rnd() % 100000000000ull); /* a latency */
		if (k % 7 == 0 && ns != INT64_MIN)
			ns = -ns;
		fsc_outbuf_ms(&ob, ns);
		snprintf(want, sizeof(want), "%.3f", (double)ns / 1e6);
		assert_string_equal(written(), want);
	}
}

/* The escapers with the room the printers give them: the same text, cut at
 * the same place, as escaping into a char[cap] and printing that. */
static void escaped(void **state)
{
	static const uint8_t alpha[] = "ab \"\\\n\t\x01\x7f\x80\xc2\x9b\xc3\xa9\xe2\x80\xa8";
	uint8_t in[300];
	char want[2048];

	(void)state;
	for (int k = 0; k < 20000; k++) {
		size_t len = rnd() % sizeof(in);
		size_t cap = 5 + rnd() % 400;
		for (size_t i = 0; i < len; i++)
			in[i] = rnd() % 2 ? alpha[rnd() % (sizeof(alpha) - 1)] : (uint8_t)('a' + rnd() % 26);
		fsc_outbuf_json_escaped(&ob, in, len, cap);
		fsc_outbuf_char(&ob, '|');
		fsc_outbuf_text_escaped(&ob, in, len, cap);
		size_t n = fsc_escape_json(in, len, want, cap);
		want[n++] = '|';
		fsc_escape_text(in, len, want + n, cap);
		assert_string_equal(written(), want);
	}
}

/* Lines past the flush mark and a string longer than the buffer. */
static void flushing(void **state)
{
	char *big = malloc(FSC_OUTBUF_ROOM_MAX + FSC_OUTBUF_FLUSH_AT + 10);
	size_t total = 0;

	(void)state;
	assert_non_null(big);
	for (int line = 0; line < 5000; line++) {
		fsc_outbuf_lit(&ob, "line ");
		fsc_outbuf_u64(&ob, (uint64_t)line);
		fsc_outbuf_end_line(&ob);
		assert_true(ob.len <= FSC_OUTBUF_FLUSH_AT + 20);
	}
	memset(big, 'x', FSC_OUTBUF_ROOM_MAX + FSC_OUTBUF_FLUSH_AT + 10);
	fsc_outbuf_mem(&ob, big, FSC_OUTBUF_ROOM_MAX + FSC_OUTBUF_FLUSH_AT + 10);
	fsc_outbuf_flush(&ob);
	fflush(out);
	total = (size_t)ftell(out);
	size_t lines = 0;
	for (int line = 0; line < 5000; line++)
		lines += (size_t)snprintf(NULL, 0, "line %d\n", line);
	assert_int_equal(total, lines + FSC_OUTBUF_ROOM_MAX + FSC_OUTBUF_FLUSH_AT + 10);
	rewind(out);
	assert_int_equal(ftruncate(fileno(out), 0), 0);
	free(big);
}

/* line_flush: each line reaches the FILE (and its descriptor) as it ends. */
static void line_flush(void **state)
{
	(void)state;
	ob.line_flush = true;
	fsc_outbuf_lit(&ob, "one");
	fsc_outbuf_end_line(&ob);
	assert_int_equal(ob.len, 0);
	/* fflush reached the descriptor: its size shows without our fflush */
	assert_int_equal(lseek(fileno(out), 0, SEEK_END), 4);
	ob.line_flush = false;
	assert_string_equal(written(), "one\n");
}

/* An array with no FILE keeps what fits and says it was cut. */
static void fixed_array(void **state)
{
	char buf[8];
	struct fsc_outbuf fb;
	struct fsc_addr a;

	(void)state;
	fsc_outbuf_init_fixed(&fb, buf, sizeof(buf), NULL);
	fsc_outbuf_lit(&fb, "abcdef");
	assert_false(fb.cut);
	fsc_outbuf_lit(&fb, "ghij");
	assert_true(fb.cut);
	assert_int_equal(fb.len, 8);
	assert_memory_equal(buf, "abcdefgh", 8);
	fsc_outbuf_flush(&fb); /* no FILE: nothing moves */
	assert_int_equal(fb.len, 8);
	fsc_outbuf_init_fixed(&fb, buf, sizeof(buf), NULL);
	assert_true(fsc_addr_parse("198.18.0.1", &a));
	fsc_outbuf_addr(&fb, &a); /* needs FSC_ADDR_STRLEN: refused whole */
	assert_true(fb.cut);
	assert_int_equal(fb.len, 0);
}

/* The writer's rules: commas, nesting, empty members left out, elements
 * kept, the endpoint rule, times and durations. */
static void json_writer(void **state)
{
	struct fsc_jsonw w;
	struct fsc_addr a6, a4;

	(void)state;
	assert_true(fsc_addr_parse("2001:db8::1", &a6));
	assert_true(fsc_addr_parse("198.18.0.1", &a4));
	fsc_jsonw_init(&w, &ob);
	fsc_jsonw_object_begin(&w);
	fsc_jsonw_time(&w, "ts", 1795591826171992123ll);
	fsc_jsonw_str(&w, "empty", "", 0);
	fsc_jsonw_cstr(&w, "none", NULL);
	fsc_jsonw_token(&w, "tok", "");
	fsc_jsonw_str(&w, "s", "a\"\x1b", 3);
	fsc_jsonw_endpoint(&w, "mapped", "mapped_port", &a6, 41641);
	fsc_jsonw_array_begin(&w, "list");
	fsc_jsonw_str(&w, NULL, "", 0);
	fsc_jsonw_endpoint(&w, NULL, NULL, &a4, 7);
	fsc_jsonw_object_begin_at(&w, NULL);
	fsc_jsonw_object_end(&w);
	fsc_jsonw_array_end(&w);
	fsc_jsonw_ms(&w, "rtt_ms", 614000);
	fsc_jsonw_bool(&w, "b", false);
	fsc_jsonw_null(&w, "n");
	fsc_jsonw_hex_u64(&w, "cipher", 0x1301, 4);
	fsc_jsonw_line_end(&w);
	assert_string_equal(written(),
			    "{\"ts\":1795591826.171992,\"s\":\"a\\\"\\u001b\","
			    "\"mapped\":\"2001:db8::1\",\"mapped_port\":41641,"
			    "\"list\":[\"\",{\"addr\":\"198.18.0.1\",\"port\":7},{}],"
			    "\"rtt_ms\":0.614,\"b\":false,\"n\":null,\"cipher\":\"0x1301\"}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(milliseconds),
		cmocka_unit_test(escaped),
		cmocka_unit_test(flushing),
		cmocka_unit_test(line_flush),
		cmocka_unit_test(fixed_array),
		cmocka_unit_test(json_writer),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
