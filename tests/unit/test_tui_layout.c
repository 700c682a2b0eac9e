/* test_tui_layout.c - fwatch's column widths (tui_layout, table.h) at the
 * screen widths people use: 80, 100, 132 and 200 columns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "table.h"

static const int widths[] = { 80, 100, 132, 200 };
#define NW (sizeof(widths) / sizeof(widths[0]))

static int col(enum tui_table t, const char *title)
{
	size_t n;
	const struct tui_col *c = tui_table_cols(t, &n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].title, title) == 0)
			return (int)i;
	fail_msg("no column %s", title);
	return -1;
}

/* The row of shown columns and their one-space gaps. */
static int used(const int *w, size_t n)
{
	int u = -1;

	for (size_t i = 0; i < n; i++)
		if (w[i])
			u += w[i] + 1;
	return u;
}

/* Every table at every width: fits, minimums kept, nothing past its
 * preferred width, prio-0 columns always there, the whole width used
 * unless every shown column is at its preferred width, and a wider
 * screen never hides a column a narrower one shows. */
static void every_table_fits(void **state)
{
	(void)state;
	for (int t = 0; t < TUI_T_COUNT; t++) {
		size_t n;
		const struct tui_col *c = tui_table_cols((enum tui_table)t, &n);
		int prev[32] = { 0 };
		assert_true(n <= 32);
		for (size_t k = 0; k < NW; k++) {
			int w[32];
			tui_layout(c, n, widths[k], w);
			bool all_pref = true;
			for (size_t i = 0; i < n; i++) {
				if (!w[i]) {
					assert_int_not_equal(c[i].prio, 0);
					all_pref = false;
					continue;
				}
				assert_true(w[i] >= c[i].min);
				assert_true(w[i] <= c[i].pref);
				if (w[i] < c[i].pref)
					all_pref = false;
				if (k && prev[i])
					assert_true(w[i] > 0);
			}
			assert_true(used(w, n) <= widths[k]);
			if (!all_pref)
				assert_int_equal(used(w, n), widths[k]);
			memcpy(prev, w, sizeof(w));
		}
	}
}

/* The Requests list, the view people read most: HOST is there at 80
 * columns and gets a fair share as the screen grows (it was cut to 12 at
 * 100 columns while PATH got 26, and vanished at 80). Without stories:
 * the stage bar's column (the last) is not there. */
static void requests_share(void **state)
{
	(void)state;
	size_t n;
	const struct tui_col *c = tui_table_cols(TUI_T_REQUESTS, &n);
	n = (size_t)col(TUI_T_REQUESTS, "STAGES");
	int host = col(TUI_T_REQUESTS, "HOST"), path = col(TUI_T_REQUESTS, "PATH");
	int client = col(TUI_T_REQUESTS, "CLIENT"), method = col(TUI_T_REQUESTS, "METHOD");
	int name = col(TUI_T_REQUESTS, "NAME");
	int w[32];
	static const struct {
		int width, host_min, path_min;
		bool method, name;
	} want[] = {
		{ 80, 16, 16, true, false },
		{ 100, 19, 20, true, false },
		{ 132, 22, 25, true, true },
		{ 200, 40, 50, true, true },
	};
	for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		tui_layout(c, n, want[k].width, w);
		if (w[host] < want[k].host_min || w[path] < want[k].path_min)
			fail_msg("%d columns: HOST %d PATH %d", want[k].width, w[host], w[path]);
		assert_int_equal(w[method] != 0, want[k].method);
		assert_int_equal(w[name] != 0, want[k].name);
		assert_true(w[client] >= 15);
		/* Shares follow the weights: PATH >= HOST >= CLIENT - 2. */
		assert_true(w[path] >= w[host]);
		assert_true(w[host] + 2 >= w[client]);
	}
}

/* With stories (several vantage points joined): the stage bar goes
 * first when narrow, before NAME (80 and 100 columns), and is there whole
 * at 132 and 200, HOST and PATH keeping their minimums and order. */
static void requests_with_stages(void **state)
{
	(void)state;
	size_t n;
	const struct tui_col *c = tui_table_cols(TUI_T_REQUESTS, &n);
	int stages = col(TUI_T_REQUESTS, "STAGES"), name = col(TUI_T_REQUESTS, "NAME");
	int host = col(TUI_T_REQUESTS, "HOST"), path = col(TUI_T_REQUESTS, "PATH");
	int w[32];

	assert_int_equal(stages, (int)n - 1);
	for (size_t k = 0; k < NW; k++) {
		tui_layout(c, n, widths[k], w);
		bool wide = widths[k] >= 132;
		assert_int_equal(w[stages], wide ? TUI_BAR_WIDTH : 0);
		if (w[name])
			assert_true(w[stages] > 0 || widths[k] < 132);
		assert_true(w[host] >= 16 && w[path] >= 16 && w[path] >= w[host]);
	}
}

/* A screen narrower than the minimums: the prio-0 columns stay (the row
 * is clipped when drawn); nothing divides by zero or loops. */
static void too_narrow(void **state)
{
	(void)state;
	for (int t = 0; t < TUI_T_COUNT; t++) {
		size_t n;
		const struct tui_col *c = tui_table_cols((enum tui_table)t, &n);
		for (int width = 0; width <= 80; width += 5) {
			int w[32];
			tui_layout(c, n, width, w);
			for (size_t i = 0; i < n; i++)
				if (c[i].prio == 0)
					assert_true(w[i] >= c[i].min);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_table_fits),
		cmocka_unit_test(requests_share),
		cmocka_unit_test(requests_with_stages),
		cmocka_unit_test(too_narrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
