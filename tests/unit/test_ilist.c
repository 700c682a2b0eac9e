/* test_ilist.c - the intrusive recently-used list (libdecode/src/ilist.h)
 * that flow.c and wgsess.c evict by: order after pushes, touches and
 * unlinks, links kept inside larger records, and a walk from the tail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fsc/ilist.h"

struct rec {
	uint64_t payload[3];
	struct fsc_ilink link[2];	/* two lists, as flow.c's records */
};

/* The slots from head to tail, and the same read back from the tail. */
static size_t order(const struct fsc_ilist *l, uint32_t *out, size_t max)
{
	size_t n = 0, m = 0;
	uint32_t back[16];

	for (uint32_t i = l->head; i != FSC_ILIST_NONE && n < max; i = fsc_ilist_link(l, i)->next)
		out[n++] = i;
	for (uint32_t i = l->tail; i != FSC_ILIST_NONE && m < 16; i = fsc_ilist_link(l, i)->prev)
		back[m++] = i;
	assert_int_equal(n, m);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(out[k], back[n - 1 - k]);
	return n;
}

static void recently_used(void **state)
{
	(void)state;
	struct rec r[8];
	struct fsc_ilist a, b;
	uint32_t o[16];

	fsc_ilist_init(&a, &r[0].link[0], sizeof(r[0]));
	fsc_ilist_init(&b, &r[0].link[1], sizeof(r[0]));
	assert_int_equal(order(&a, o, 16), 0);
	for (uint32_t i = 0; i < 5; i++)
		fsc_ilist_push(&a, i);
	fsc_ilist_push(&b, 3);
	fsc_ilist_push(&b, 1);
	assert_int_equal(order(&a, o, 16), 5);
	assert_int_equal(o[0], 4);
	assert_int_equal(o[4], 0);
	fsc_ilist_touch(&a, 0);	/* the tail to the head */
	fsc_ilist_touch(&a, 0);	/* already there */
	fsc_ilist_unlink(&a, 2);	/* from the middle */
	assert_int_equal(order(&a, o, 16), 4);
	assert_int_equal(o[0], 0);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 3);
	assert_int_equal(o[3], 1);
	/* The other list in the same records is untouched. */
	assert_int_equal(order(&b, o, 16), 2);
	assert_int_equal(o[0], 1);
	assert_int_equal(o[1], 3);
	fsc_ilist_unlink(&a, 1);	/* the tail */
	fsc_ilist_unlink(&a, 0);	/* the head */
	assert_int_equal(a.head, 4);
	assert_int_equal(a.tail, 3);
	fsc_ilist_unlink(&a, 4);
	fsc_ilist_unlink(&a, 3);
	assert_int_equal(a.head, FSC_ILIST_NONE);
	assert_int_equal(a.tail, FSC_ILIST_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(recently_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
