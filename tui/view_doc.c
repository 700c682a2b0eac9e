/* view_doc.c - the screen's scrolling documents: Tunnel (its tables laid
 * out as lines), Detail and help, wrapped to the screen width. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view_int.h"

void tui_doc_clear(struct doc *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->l[i].label);
		free(d->l[i].text);
	}
	d->n = 0;
}

/* ---------------------------------------------------------------- documents */

static void doc_add(struct doc *d, const char *label, const char *text, enum tui_mark mk,
		    bool table_row)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct dline *nl = realloc(d->l, cap * sizeof(*nl));
		if (!nl)
			return;
		d->l = nl;
		d->cap = cap;
	}
	struct dline *l = &d->l[d->n];
	l->label = label ? strdup(label) : NULL;
	l->text = strdup(text);
	l->mark = mk;
	l->table_row = table_row;
	if (!l->text) {
		free(l->label);
		return;
	}
	d->n++;
}

struct wrap_ctx {
	struct tui_screen *s;
};

/* A labelled line, wrapped to the screen: label in 13 columns, text after
 * it; continuation rows indented the same. */
static void doc_line(void *ctx, const char *label, const char *text, enum tui_mark mk)
{
	struct wrap_ctx *w = ctx;
	struct tui_screen *s = w->s;
	int width = COLS - 15;
	size_t len = strlen(text), at = 0;
	bool first = true;

	if (width < 10)
		width = 10;
	do {
		size_t fit;
		tui_text_cols(s, text + at, len - at, width, &fit);
		if (fit == 0 && at < len)
			fit = 1;
		/* Break after a space where there is one in the second half. */
		if (at + fit < len && text[at + fit] != ' ') {
			size_t sp = fit;
			while (sp > fit / 2 && text[at + sp - 1] != ' ')
				sp--;
			if (sp > fit / 2)
				fit = sp;
		}
		char *piece = strndup(text + at, fit);
		if (!piece)
			return;
		doc_add(&s->doc, first ? label : "", piece, mk, false);
		free(piece);
		at += fit;
		first = false;
	} while (at < len);
}

/* A table laid out for the screen, as document rows: at most max of them
 * (the last max when tail: the newest sessions), so a redraw stays cheap
 * whatever the tracker holds; the dump has them all. */
static void doc_table(struct tui_screen *s, enum tui_table t, unsigned sort, size_t max,
		      bool tail)
{
	size_t ncols;
	const struct tui_col *cols = tui_table_cols_shown(s->m, t, &ncols);
	int w[32];
	char row[4 * CELL], buf[CELL];

	if (!tui_rows_build(&s->rows, t, s->m, &s->filter, sort, 0))
		return;
	if (s->filter.n)
		snprintf(row, sizeof(row), "%s (%zu of %zu)", tui_table_title(t), s->rows.n,
			 s->rows.total);
	else
		snprintf(row, sizeof(row), "%s (%zu)", tui_table_title(t), s->rows.n);
	doc_add(&s->doc, NULL, row, TUI_MARK_TITLE, true);
	if (!s->rows.n) {
		doc_add(&s->doc, NULL, "  (none)", TUI_MARK_PENDING, true);
		doc_add(&s->doc, NULL, "", TUI_MARK_NONE, true);
		return;
	}
	tui_layout(cols, ncols, COLS, w);
	size_t first = 0, shown = s->rows.n;
	if (shown > max) {
		first = tail ? shown - max : 0;
		shown = max;
		snprintf(row, sizeof(row), "  (the %s %zu of %zu; fwatch --dump lists all)",
			 tail ? "newest" : "first", max, s->rows.n);
		doc_add(&s->doc, NULL, row, TUI_MARK_PENDING, true);
	}
	for (size_t r = 0; r <= shown; r++) {
		size_t n = 0;
		const void *item = r ? s->rows.items[first + r - 1] : NULL;
		for (size_t c = 0; c < ncols; c++) {
			if (!w[c])
				continue;
			if (r)
				tui_cell(s->m, t, item, c, false, buf, sizeof(buf));
			else
				snprintf(buf, sizeof(buf), "%s", cols[c].title);
			/* Pad by display columns, not bytes. */
			size_t fit, bl = strlen(buf);
			int cw = tui_text_cols(s, buf, bl, w[c], &fit);
			if (n && n + 1 < sizeof(row))
				row[n++] = ' ';
			if (cols[c].right)
				for (int k = cw; k < w[c] && n + 1 < sizeof(row); k++)
					row[n++] = ' ';
			if (fit < bl && fit)
				fit = fit - 1; /* room for the cut mark */
			if (n + fit + 2 < sizeof(row)) {
				memcpy(row + n, buf, fit);
				n += fit;
				if (fit < bl)
					row[n++] = '~', cw = w[c];
			}
			if (!cols[c].right)
				for (int k = cw; k < w[c] && n + 1 < sizeof(row); k++)
					row[n++] = ' ';
		}
		row[n] = '\0';
		doc_add(&s->doc, NULL, row, r ? tui_row_mark(s->m, t, item) : TUI_MARK_TITLE, true);
	}
	doc_add(&s->doc, NULL, "", TUI_MARK_NONE, true);
}

static void build_tunnel(struct tui_screen *s)
{
	doc_table(s, TUI_T_PEERS, s->pane[TUI_T_PEERS].sort, 1000, false);
	doc_table(s, TUI_T_ENDPOINTS, 0, 200, false);
	doc_table(s, TUI_T_SESSIONS, 0, 200, true);
}

static void build_detail(struct tui_screen *s)
{
	struct wrap_ctx w = { s };
	const struct tui_request *r = s->detail_seq ? tui_model_request(s->m, s->detail_seq)
						    : NULL;

	if (!s->detail_seq) {
		doc_line(&w, "", "No request chosen: select one in Requests (1) and press "
			 "Enter.", TUI_MARK_PENDING);
		return;
	}
	if (!r) {
		char t[96];
		snprintf(t, sizeof(t), "Request #%" PRIu64 " is no longer kept (only the newest "
			 "%" PRIu32 " are).", s->detail_seq, tui_model_limits(s->m)->max_requests);
		doc_line(&w, "", t, TUI_MARK_WARN);
		return;
	}
	tui_detail_lines(s->m, r, doc_line, &w);
}

static const char *const help_lines[][2] = {
	{ "", "fwatch: funnel traffic as it happens" },
	{ "", "" },
	{ "1 .. 5", "Requests, Clients, Tunnel, Hosts, Detail" },
	{ "Tab S-Tab", "next / previous view" },
	{ "Up Down j k", "move (Tunnel, Detail: scroll)" },
	{ "PgUp PgDn", "a page; Home End (g G): first, last" },
	{ "Enter", "Requests: Detail of the request; Clients, Hosts: their requests" },
	{ "Esc Bksp", "back from Detail" },
	{ "H c", "Detail: the request as a HAR file, as a curl command (path below)" },
	{ "/", "filter: words that must all match, e.g. status:5 host:api !path:/health" },
	{ "", "client: host: path: method: rule: name: status:4xx asn:15169 country:US;" },
	{ "", "plain words match client, host, path, status, AS, country, method" },
	{ "s", "next sort order of the view" },
	{ "p", "pause the display (the capture goes on); p again resumes" },
	{ "Ctrl-L", "redraw the screen" },
	{ "q", "quit" },
	{ "", "" },
	{ "Header", "sources, state, packets/s, bytes/s, requests/s with their last" },
	{ "", "seconds as a sparkline, kernel drops (never hidden), capture time" },
	{ "Colours", "2xx green, 3xx and 1xx cyan, 4xx yellow, 5xx red, no answer blue;" },
	{ "", "clients seen in the last minute magenta (and N *)" },
	{ "", "" },
	{ "", "Any key closes this help." },
};

static void build_help(struct tui_screen *s)
{
	struct wrap_ctx w = { s };

	for (size_t i = 0; i < sizeof(help_lines) / sizeof(help_lines[0]); i++)
		doc_line(&w, help_lines[i][0], help_lines[i][1],
			 i == 0 ? TUI_MARK_TITLE : TUI_MARK_NONE);
	doc_add(&s->doc, NULL, "", TUI_MARK_NONE, true);
	doc_add(&s->doc, NULL, "Capture", TUI_MARK_TITLE, true);
	tui_capture_lines(s->m, doc_line, &w);
}

size_t *tui_doc_top(struct tui_screen *s)
{
	if (s->help)
		return &s->help_top;
	return s->view == TUI_V_TUNNEL ? &s->tunnel_top : &s->detail_top;
}

static void build_doc(struct tui_screen *s)
{
	tui_doc_clear(&s->doc);
	if (s->help)
		build_help(s);
	else if (s->view == TUI_V_TUNNEL)
		build_tunnel(s);
	else
		build_detail(s);
}

void tui_draw_doc(struct tui_screen *s)
{
	int rows = tui_body_rows() + 1; /* no column titles */
	size_t *top = tui_doc_top(s);

	build_doc(s);
	if (*top + (size_t)rows > s->doc.n)
		*top = s->doc.n > (size_t)rows ? s->doc.n - (size_t)rows : 0;
	for (int r = 0; r < rows && *top + (size_t)r < s->doc.n; r++) {
		const struct dline *l = &s->doc.l[*top + (size_t)r];
		move(2 + r, 0);
		if (l->table_row) {
			attrset(tui_mark_attr(s, l->mark));
			tui_put_clipped(s, l->text, COLS, false, false);
		} else {
			attrset(A_BOLD);
			tui_put_clipped(s, l->label ? l->label : "", 13, true, false);
			addch(' ');
			attrset(tui_mark_attr(s, l->mark));
			tui_put_clipped(s, l->text, COLS - 14, false, false);
		}
		attrset(A_NORMAL);
	}
}

