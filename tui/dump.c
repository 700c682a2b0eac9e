/* dump.c - the views as plain text (see dump.h). */
#include "dump.h"

#include <inttypes.h>
#include <string.h>

#define CELL 1024

struct out {
	FILE *f;
};

static void label_line(void *ctx, const char *label, const char *text, enum tui_mark mk)
{
	struct out *o = ctx;

	(void)mk;
	if (label[0])
		fprintf(o->f, "  %-12s %s\n", label, text);
	else
		fprintf(o->f, "  %-12s %s\n", "", text);
}

/* A cell as the dump shows it: "-" for empty, quoted when it has a space. */
static void cell_out(FILE *f, const char *s, int width, bool right, bool last)
{
	char q[CELL + 2];
	const char *v = s[0] ? s : "-";

	if (strchr(v, ' ')) {
		snprintf(q, sizeof(q), "\"%s\"", v);
		v = q;
	}
	if (last)
		fputs(v, f);
	else if (right)
		fprintf(f, "%*s ", width, v);
	else
		fprintf(f, "%-*s ", width, v);
}

static void table_out(FILE *f, struct tui_model *m, const struct tui_rows *r, bool reverse)
{
	size_t ncols;
	const struct tui_col *cols = tui_table_cols_shown(m, r->table, &ncols);
	char buf[CELL];

	/* Longer values than a column's width just push the row. */
	for (size_t c = 0; c < ncols; c++) {
		int w = cols[c].dump;
		cell_out(f, cols[c].title, w, cols[c].right, c + 1 == ncols);
	}
	fputc('\n', f);
	for (size_t i = 0; i < r->n; i++) {
		const void *item = r->items[reverse ? r->n - 1 - i : i];
		for (size_t c = 0; c < ncols; c++) {
			int w = cols[c].dump;
			tui_cell(m, r->table, item, c, true, buf, sizeof(buf));
			cell_out(f, buf, w, cols[c].right, c + 1 == ncols);
		}
		fputc('\n', f);
	}
}

static void section(FILE *f, struct tui_model *m, struct tui_rows *r, enum tui_table t,
		    const struct tui_filter *flt, bool top, bool reverse)
{
	if (!tui_rows_build(r, t, m, flt, 0, 0)) {
		fprintf(f, "%s %s: out of memory\n", top ? "==" : "--", tui_table_title(t));
		return;
	}
	if (flt && flt->n)
		fprintf(f, "%s %s (%zu of %zu) %s\n", top ? "==" : "--", tui_table_title(t), r->n,
			r->total, top ? "==" : "--");
	else
		fprintf(f, "%s %s (%zu) %s\n", top ? "==" : "--", tui_table_title(t), r->n,
			top ? "==" : "--");
	if (r->n)
		table_out(f, m, r, reverse);
	fputc('\n', f);
}

void tui_dump(FILE *f, struct tui_model *m, const struct tui_dump_opts *o)
{
	struct out ctx = { .f = f };
	struct tui_rows r;
	const struct tui_filter *flt = o ? o->filter : NULL;

	tui_rows_init(&r);
	fputs("== Capture ==\n", f);
	tui_capture_lines(m, label_line, &ctx);
	if (flt && flt->n)
		fprintf(f, "  %-12s %s\n", "filter", flt->text);
	fputc('\n', f);

	section(f, m, &r, TUI_T_REQUESTS, flt, true, true);
	section(f, m, &r, TUI_T_CLIENTS, flt, true, false);
	fputs("== Tunnel ==\n", f);
	section(f, m, &r, TUI_T_PEERS, flt, false, false);
	section(f, m, &r, TUI_T_SESSIONS, flt, false, false);
	section(f, m, &r, TUI_T_ENDPOINTS, flt, false, false);
	section(f, m, &r, TUI_T_HOSTS, flt, true, false);

	/* Detail: the newest request that passes the filter, or all. */
	if (tui_rows_build(&r, TUI_T_REQUESTS, m, flt, 0, 0) && r.n) {
		size_t n = o && o->all_details ? r.n : 1;
		for (size_t i = 0; i < n; i++) {
			/* rows are newest first; all details go oldest first */
			const struct tui_request *q = r.items[n == 1 ? 0 : r.n - 1 - i];
			fprintf(f, "== Detail #%" PRIu64 " ==\n", q->seq);
			tui_detail_lines(m, q, label_line, &ctx);
			fputc('\n', f);
		}
	} else {
		fputs("== Detail ==\n  (no request)\n\n", f);
	}
	tui_rows_free(&r);
}
