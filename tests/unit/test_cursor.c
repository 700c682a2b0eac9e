/* test_cursor.c - the bounds-checked reader and address text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/addr.h"
#include "fsc/cursor.h"
#include "vectors.h"

static void byte_orders(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	struct fsc_cursor c = fsc_cur_make(b, sizeof(b));

	assert_int_equal(fsc_cur_be16(&c), 0x0102);
	assert_int_equal(fsc_cur_le16(&c), 0x0403);
	assert_int_equal(fsc_cur_be32(&c), 0x05060708);
	assert_false(c.bad);
	c = fsc_cur_make(b, sizeof(b));
	assert_true(fsc_cur_le64(&c) == 0x0807060504030201ull);
	c = fsc_cur_make(b, sizeof(b));
	assert_true(fsc_cur_be64(&c) == 0x0102030405060708ull);
	c = fsc_cur_make(b, sizeof(b));
	assert_int_equal(fsc_cur_be24(&c), 0x010203);
	assert_int_equal(fsc_cur_le32(&c), 0x07060504);
	assert_int_equal(fsc_cur_left(&c), 1);
}

static void overrun_is_sticky(void **state)
{
	(void)state;
	const uint8_t b[] = { 0xaa, 0xbb, 0xcc };
	uint8_t *g = vec_guard(b, sizeof(b));
	struct fsc_cursor c = fsc_cur_make(g, sizeof(b));

	assert_int_equal(fsc_cur_be16(&c), 0xaabb);
	assert_int_equal(fsc_cur_be16(&c), 0); /* one byte left: no read */
	assert_true(c.bad);
	assert_int_equal(fsc_cur_u8(&c), 0); /* sticky even though one fits */
	assert_null(fsc_cur_take(&c, 0));
	vec_guard_free(g, sizeof(b));
}

static void sub_cursor_bounds_child(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x02, 0x11, 0x22, 0x33 };
	struct fsc_cursor c = fsc_cur_make(b, sizeof(b));
	uint8_t n = fsc_cur_u8(&c);
	struct fsc_cursor s = fsc_cur_sub(&c, n);

	assert_int_equal(fsc_cur_be16(&s), 0x1122);
	assert_int_equal(fsc_cur_u8(&s), 0);
	assert_true(s.bad);
	assert_false(c.bad);
	assert_int_equal(fsc_cur_u8(&c), 0x33);
	s = fsc_cur_sub(&c, 1); /* parent empty */
	assert_true(s.bad);
	assert_true(c.bad);
	assert_int_equal(fsc_cur_left(&s), 0);
}

static void peek_checks_offset(void **state)
{
	(void)state;
	const uint8_t b[] = { 9, 8 };
	struct fsc_cursor c = fsc_cur_make(b, sizeof(b));

	assert_int_equal(fsc_cur_peek(&c, 1), 8);
	assert_false(c.bad);
	assert_int_equal(fsc_cur_peek(&c, 2), 0);
	assert_true(c.bad);
}

static void address_text(void **state)
{
	(void)state;
	struct fsc_addr a;
	char s[FSC_ADDR_STRLEN], e[FSC_ENDPOINT_STRLEN];

	assert_true(fsc_addr_parse("FD7A:115C:A1E0:AB12:4843:CD96:6268:D02B", &a));
	assert_string_equal(fsc_addr_str(&a, s), "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	assert_true(fsc_addr_parse("2001:db8:0:0:1:0:0:1", &a));
	assert_string_equal(fsc_addr_str(&a, s), "2001:db8::1:0:0:1"); /* RFC 5952 4.2.3 */
	assert_true(fsc_addr_parse("2001:db8:0:1:1:1:1:1", &a));
	assert_string_equal(fsc_addr_str(&a, s), "2001:db8:0:1:1:1:1:1"); /* 4.2.2 */
	assert_true(fsc_addr_parse("198.18.0.1", &a));
	assert_string_equal(fsc_endpoint_str(&a, 51820, e), "198.18.0.1:51820");
	assert_true(fsc_addr_parse("::1", &a));
	assert_string_equal(fsc_endpoint_str(&a, 443, e), "[::1]:443");
	assert_false(fsc_addr_parse("1.2.3", &a));
	assert_false(fsc_addr_parse("::1%lo", &a));
	assert_int_equal(a.family, 0);
	assert_string_equal(fsc_addr_str(&a, s), "-");
}

static void hash_mixes_high_bits(void **state)
{
	(void)state;
	struct fsc_addr a, b;

	fsc_addr_parse("10.0.0.1", &a);
	fsc_addr_parse("11.0.0.1", &b);
	assert_true((fsc_addr_hash(&a, 0) & 0xffff) != (fsc_addr_hash(&b, 0) & 0xffff));
	fsc_addr_parse("2001:db8::1", &a);
	fsc_addr_parse("2001:db9::1", &b);
	assert_true((fsc_addr_hash(&a, 0) & 0xffff) != (fsc_addr_hash(&b, 0) & 0xffff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(byte_orders),
		cmocka_unit_test(overrun_is_sticky),
		cmocka_unit_test(sub_cursor_bounds_child),
		cmocka_unit_test(peek_checks_offset),
		cmocka_unit_test(address_text),
		cmocka_unit_test(hash_mixes_high_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
