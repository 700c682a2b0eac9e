/* view.c - fwatch's screen (see view.h): a header with rates and a
 * sparkline, tabs, the current view and a footer; keys in the habits of
 * htop and termshark. Everything drawn comes escaped from table.h; this
 * file only clips it to the screen. */
#include "view_int.h"

#include <curses.h>
#include <term.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

/* ---------------------------------------------------------------- terminal */

static struct termios saved_tio;
static bool have_tio;
static volatile sig_atomic_t curses_on;
static struct sigaction old_fatal[32];
static const int fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

/* The terminal's own strings to leave the screen (rmcup), show the cursor
 * (cnorm) and reset attributes (sgr0), copied while curses starts so the
 * fatal-signal handler needs nothing but write(). */
static char reset_seq[256], cnorm_seq[64];
static size_t reset_len, cnorm_len;

static void add_cap(const char *name, char *buf, size_t cap, size_t *len)
{
	char *v = tigetstr(name);

	if (!v || v == (char *)-1)
		return;
	size_t n = strlen(v);
	if (*len + n < cap) {
		memcpy(buf + *len, v, n);
		*len += n;
	}
}

/* Async-signal-safe: terminal modes back, alternate screen off, cursor on;
 * then the signal does what it would have done. */
static void on_fatal(int sig)
{
	if (curses_on) {
		if (have_tio)
			tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		(void)!write(STDOUT_FILENO, reset_seq, reset_len);
		(void)!write(STDOUT_FILENO, "\r\n", 2);
		curses_on = 0;
	}
	if (sig > 0 && sig < 32)
		sigaction(sig, &old_fatal[sig], NULL);
	raise(sig);
}

void tui_screen_restore(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	curs_set(1);
	endwin();
	fflush(stdout);
	(void)!write(STDOUT_FILENO, cnorm_seq, cnorm_len);
	if (have_tio)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
}

static void init_colors(struct tui_screen *s)
{
	if (!s->color || !has_colors()) {
		s->color = false;
		return;
	}
	start_color();
	use_default_colors();
	init_pair(P_OK, COLOR_GREEN, -1);
	init_pair(P_INFO, COLOR_CYAN, -1);
	init_pair(P_WARN, COLOR_YELLOW, -1);
	init_pair(P_BAD, COLOR_RED, -1);
	init_pair(P_PENDING, COLOR_BLUE, -1);
	init_pair(P_NEW, COLOR_MAGENTA, -1);
	init_pair(P_TITLE, COLOR_CYAN, -1);
	init_pair(P_BAR, COLOR_BLACK, COLOR_CYAN);
}

struct tui_screen *tui_screen_open(struct tui_model *m, const struct tui_screen_opts *o,
				   char *err, size_t errlen)
{
	struct tui_screen *s = calloc(1, sizeof(*s));
	static bool atexit_done;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->m = m;
	s->color = o->color;
	s->view = o->view < TUI_V_COUNT ? o->view : TUI_V_REQUESTS;
	s->prev_view = TUI_V_REQUESTS;
	s->export_fn = o->export_fn;
	s->export_ctx = o->export_ctx;
	if (o->filter)
		s->filter = *o->filter;
	for (int i = 0; i < TUI_T_COUNT; i++)
		s->pane[i].follow = true;
	tui_rows_init(&s->rows);

	setlocale(LC_ALL, "");
	s->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	have_tio = tcgetattr(STDIN_FILENO, &saved_tio) == 0;
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	s->scr = newterm(NULL, stdout, stdin);
	if (!s->scr) {
		snprintf(err, errlen, "cannot use the terminal (TERM=%s); use --dump for text",
			 getenv("TERM") ? getenv("TERM") : "unset");
		tui_rows_free(&s->rows);
		free(s);
		return NULL;
	}
	/* cnorm after rmcup: some terminals (tmux) give the alternate screen
	 * its own cursor mode and bring the old one back with rmcup. */
	/* A terminal that cannot move the cursor cannot show a screen. */
	char *cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		endwin();
		delscreen(s->scr);
		snprintf(err, errlen, "the terminal (TERM=%s) cannot move its cursor; use --dump "
			 "for text", getenv("TERM") ? getenv("TERM") : "unset");
		tui_rows_free(&s->rows);
		free(s);
		return NULL;
	}
	reset_len = cnorm_len = 0;
	add_cap("sgr0", reset_seq, sizeof(reset_seq), &reset_len);
	add_cap("rmcup", reset_seq, sizeof(reset_seq), &reset_len);
	add_cap("cnorm", reset_seq, sizeof(reset_seq), &reset_len);
	add_cap("cnorm", cnorm_seq, sizeof(cnorm_seq), &cnorm_len);
	curses_on = 1;
	if (!atexit_done) {
		atexit(tui_screen_restore);
		atexit_done = true;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaction(fatal_sigs[i], &sa, &old_fatal[fatal_sigs[i]]);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	init_colors(s);
	s->dirty = true;
	return s;
}

void tui_screen_close(struct tui_screen *s)
{
	if (!s)
		return;
	tui_screen_restore();
	for (size_t i = 0; i < sizeof(fatal_sigs) / sizeof(fatal_sigs[0]); i++)
		sigaction(fatal_sigs[i], &old_fatal[fatal_sigs[i]], NULL);
	if (s->scr)
		delscreen(s->scr);
	tui_doc_clear(&s->doc);
	free(s->doc.l);
	tui_rows_free(&s->rows);
	free(s);
}

int tui_screen_fd(const struct tui_screen *s)
{
	(void)s;
	return STDIN_FILENO;
}

bool tui_screen_dirty(const struct tui_screen *s)
{
	return s->dirty;
}

void tui_screen_touch(struct tui_screen *s)
{
	if (!s->paused)
		s->dirty = true;
}

static void draw_row(struct tui_screen *s, int y, enum tui_table t, const void *item,
		     const int *w, size_t n, attr_t attr, bool title)
{
	size_t ncols;
	const struct tui_col *cols = tui_table_cols_shown(s->m, t, &ncols);
	char buf[CELL];
	int x = 0;

	move(y, 0);
	attrset(attr);
	for (size_t c = 0; c < n && x < COLS; c++) {
		if (!w[c])
			continue;
		if (x) {
			addch(' ');
			x++;
		}
		int cw = w[c] < COLS - x ? w[c] : COLS - x;
		if (title)
			snprintf(buf, sizeof(buf), "%s", cols[c].title);
		else
			tui_cell(s->m, t, item, c, false, buf, sizeof(buf));
		tui_put_clipped(s, buf, cw, true, cols[c].right);
		x += cw;
	}
	/* The selection bar spans the whole row. */
	for (; x < COLS; x++)
		addch(' ');
	attrset(A_NORMAL);
}

/* ---------------------------------------------------------------- list views */

enum tui_table tui_view_table(enum tui_view v)
{
	switch (v) {
	case TUI_V_CLIENTS:
		return TUI_T_CLIENTS;
	case TUI_V_HOSTS:
		return TUI_T_HOSTS;
	case TUI_V_TUNNEL:
		return TUI_T_PEERS;
	default:
		return TUI_T_REQUESTS;
	}
}

bool tui_is_list(enum tui_view v)
{
	return v == TUI_V_REQUESTS || v == TUI_V_CLIENTS || v == TUI_V_HOSTS;
}

static bool same_item(const struct pane *p, enum tui_table t, const void *item)
{
	switch (t) {
	case TUI_T_REQUESTS:
		return ((const struct tui_request *)item)->seq == p->sel_seq;
	case TUI_T_CLIENTS:
		return fsc_addr_eq(&((const struct tui_client *)item)->addr, &p->sel_addr);
	case TUI_T_HOSTS:
		return strcmp(((const struct tui_host *)item)->name, p->sel_host) == 0;
	default:
		return false;
	}
}

static void remember(struct pane *p, enum tui_table t, const void *item)
{
	switch (t) {
	case TUI_T_REQUESTS:
		p->sel_seq = ((const struct tui_request *)item)->seq;
		break;
	case TUI_T_CLIENTS:
		p->sel_addr = ((const struct tui_client *)item)->addr;
		break;
	case TUI_T_HOSTS:
		snprintf(p->sel_host, sizeof(p->sel_host), "%s",
			 ((const struct tui_host *)item)->name);
		break;
	default:
		break;
	}
}

/* Rebuilds the current list's rows and puts the selection back on its
 * item (or on the first row while following). */
static void rebuild(struct tui_screen *s)
{
	enum tui_table t = tui_view_table(s->view);
	struct pane *p = &s->pane[t];

	/* While typing, a valid filter shows at once; Esc brings the old back. */
	const struct tui_filter *f = s->editing && !s->edit_why ? &s->edit_filter : &s->filter;

	if (!tui_rows_build(&s->rows, t, s->m, f, p->sort,
			    s->paused ? s->paused_seq : 0)) {
		snprintf(s->msg, sizeof(s->msg), "out of memory building the rows");
		return;
	}
	if (s->rows.n == 0) {
		p->sel = p->top = 0;
		return;
	}
	if (p->follow) {
		p->sel = 0;
	} else {
		size_t found = SIZE_MAX;
		/* Near the old place first: the usual case is a few new rows. */
		for (size_t i = 0; i < s->rows.n && found == SIZE_MAX; i++)
			if (same_item(p, t, s->rows.items[i]))
				found = i;
		if (found != SIZE_MAX)
			p->sel = found;
		else if (p->sel >= s->rows.n)
			p->sel = s->rows.n - 1;
	}
	remember(p, t, s->rows.items[p->sel]);
}

static void draw_list(struct tui_screen *s)
{
	enum tui_table t = tui_view_table(s->view);
	struct pane *p = &s->pane[t];
	size_t ncols;
	const struct tui_col *cols = tui_table_cols_shown(s->m, t, &ncols);
	int w[32], rows = tui_body_rows();

	rebuild(s);
	tui_layout(cols, ncols, COLS, w);
	draw_row(s, 2, t, NULL, w, ncols, A_BOLD | A_UNDERLINE, true);
	if (rows <= 0)
		return;
	if (p->sel < p->top)
		p->top = p->sel;
	if (p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	if (p->top + (size_t)rows > s->rows.n)
		p->top = s->rows.n > (size_t)rows ? s->rows.n - (size_t)rows : 0;
	for (int r = 0; r < rows && p->top + (size_t)r < s->rows.n; r++) {
		size_t i = p->top + (size_t)r;
		const void *item = s->rows.items[i];
		attr_t a = tui_mark_attr(s, tui_row_mark(s->m, t, item));
		if (i == p->sel)
			a = A_REVERSE | (s->color ? a & ~A_COLOR : a);
		draw_row(s, 3 + r, t, item, w, ncols, a, false);
	}
	if (s->rows.n == 0) {
		move(3, 1);
		attrset(A_DIM);
		if (s->rows.total)
			printw("No row matches the filter (%zu rows in all); / changes it.",
			       s->rows.total);
		else if (t == TUI_T_REQUESTS)
			addstr("No HTTP request seen yet.");
		else
			addstr("Nothing seen yet.");
		attrset(A_NORMAL);
	}
}

/* ---------------------------------------------------------------- frame */

static void sparkline(const struct tui_screen *s, char *buf, size_t cap, int width)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#%";
	uint64_t h[SPARK_W], max = 1;
	size_t n = 0;

	if (width > SPARK_W)
		width = SPARK_W;
	tui_model_history(s->m, TUI_S_REQUESTS, h, (size_t)width);
	for (int i = 0; i < width; i++)
		if (h[i] > max)
			max = h[i];
	for (int i = 0; i < width && n + 4 < cap; i++) {
		unsigned lvl = h[i] ? (unsigned)(1 + (h[i] * 7 + max - 1) / max) : 0;
		if (lvl > 8)
			lvl = 8;
		if (s->utf8) {
			size_t k = strlen(blocks[lvl]);
			memcpy(buf + n, blocks[lvl], k);
			n += k;
		} else {
			buf[n++] = ascii[lvl];
		}
	}
	buf[n] = '\0';
}

static void draw_header(struct tui_screen *s, const struct tui_status *st)
{
	char src[200], rates[96], spark[SPARK_W * 4 + 1], clock[32];
	attr_t bar = s->color ? COLOR_PAIR(P_BAR) : A_REVERSE;

	tui_sources_text(s->m, src, sizeof(src));
	tui_rates_text(s->m, rates, sizeof(rates));
	if (tui_model_now(s->m))
		tui_fmt_time(tui_model_now(s->m), false, clock, sizeof(clock));
	else
		snprintf(clock, sizeof(clock), "--:--:--");

	move(0, 0);
	attrset(bar | A_BOLD);
	int x = tui_put_clipped(s, " fwatch ", COLS, false, false);
	attrset(bar);
	x += tui_put_clipped(s, src, COLS - x, false, false);
	char state[80];
	snprintf(state, sizeof(state), "  %s%s  ", st->state, s->paused ? ", PAUSED" : "");
	if (s->paused || st->ended)
		attrset(bar | A_BOLD);
	x += tui_put_clipped(s, state, COLS - x, false, false);
	attrset(bar);
	x += tui_put_clipped(s, rates, COLS - x, false, false);
	/* The sparkline takes what the clock leaves, up to SPARK_W. */
	int room = COLS - x - (int)strlen(clock) - 3;
	if (room >= 5) {
		sparkline(s, spark, sizeof(spark), room < SPARK_W ? room : SPARK_W);
		x += tui_put_clipped(s, " ", COLS - x, false, false);
		x += tui_put_clipped(s, spark, COLS - x, false, false);
	}
	int right = COLS - (int)strlen(clock) - 1;
	for (; x < right; x++)
		addch(' ');
	if (x < COLS)
		x += tui_put_clipped(s, clock, COLS - x, false, false);
	for (; x < COLS; x++)
		addch(' ');
	attrset(A_NORMAL);
}

static void draw_tabs(struct tui_screen *s)
{
	char t[64];
	int x = 0;

	move(1, 0);
	for (int v = 0; v < TUI_V_COUNT && x < COLS; v++) {
		snprintf(t, sizeof(t), " %d %s ", v + 1, tui_view_name((enum tui_view)v));
		attrset(v == (int)s->view && !s->help ? A_REVERSE | A_BOLD : A_NORMAL);
		x += tui_put_clipped(s, t, COLS - x, false, false);
		attrset(A_NORMAL);
	}
	char right[TUI_FILTER_MAX + 64];
	enum tui_table tb = tui_view_table(s->view);
	if (s->view == TUI_V_DETAIL)
		snprintf(right, sizeof(right), "%s%s", s->filter.n ? "/" : "", s->filter.text);
	else
		snprintf(right, sizeof(right), "sort: %s%s%s",
			 tui_table_sort_name(tb, s->pane[tb].sort), s->filter.n ? "  /" : "",
			 s->filter.text);
	int room = COLS - x - 2;
	if (room > 8) {
		size_t fit;
		int w = tui_text_cols(s, right, strlen(right), room, &fit);
		move(1, COLS - w - 1);
		attrset(s->filter.n ? A_BOLD : A_DIM);
		tui_put_clipped(s, right, w, false, false);
		attrset(A_NORMAL);
	}
}

static void draw_footer(struct tui_screen *s)
{
	char left[256];
	int y = LINES - 1;

	move(y, 0);
	if (s->editing) {
		attrset(A_BOLD);
		addstr("/");
		attrset(A_NORMAL);
		int x = 1 + tui_put_clipped(s, s->edit, COLS - 2, false, false);
		/* Why the text is no filter yet, while typing, not after Enter. */
		if (s->edit_why && COLS - x > 8) {
			char why[160];
			snprintf(why, sizeof(why), "  <- %s", s->edit_why);
			attrset(tui_mark_attr(s, TUI_MARK_WARN));
			tui_put_clipped(s, why, COLS - x - 1, false, false);
			attrset(A_NORMAL);
		}
		curs_set(1);
		clrtoeol();
		return;
	}
	curs_set(0);
	if (s->msg[0]) {
		attrset(A_BOLD);
		tui_put_clipped(s, s->msg, COLS, true, false);
		attrset(A_NORMAL);
		return;
	}
	if (tui_is_list(s->view) && !s->help) {
		struct pane *p = &s->pane[tui_view_table(s->view)];
		snprintf(left, sizeof(left), " %zu/%zu", s->rows.n ? p->sel + 1 : 0, s->rows.n);
		if (s->filter.n)
			snprintf(left + strlen(left), sizeof(left) - strlen(left), " of %zu",
				 s->rows.total);
	} else {
		snprintf(left, sizeof(left), " %zu lines", s->doc.n);
	}
	const char *keys = "  q quit  1-5/Tab view  / filter  s sort  p pause  ? help";
	attrset(A_DIM);
	int x = tui_put_clipped(s, left, COLS, false, false);
	tui_put_clipped(s, keys, COLS - x, false, false);
	attrset(A_NORMAL);
}

void tui_screen_draw(struct tui_screen *s, const struct tui_status *st)
{
	erase();
	draw_header(s, st);
	draw_tabs(s);
	if (s->help || !tui_is_list(s->view))
		tui_draw_doc(s);
	else
		draw_list(s);
	draw_footer(s);
	if (s->editing)
		move(LINES - 1, 1 + (int)tui_text_cols(s, s->edit, s->edit_len, COLS, NULL));
	wnoutrefresh(stdscr);
	doupdate();
	s->dirty = false;
}

/* ---------------------------------------------------------------- keys */

static void set_view(struct tui_screen *s, enum tui_view v)
{
	if (v != s->view && v == TUI_V_DETAIL)
		s->prev_view = s->view;
	s->view = v;
	s->help = false;
}

static void apply_filter(struct tui_screen *s, const char *text)
{
	const char *why;

	if (!tui_filter_set(&s->filter, text, &why)) {
		snprintf(s->msg, sizeof(s->msg), "filter: %s", why);
		return;
	}
	/* A new filter starts each list from the top. */
	for (int i = 0; i < TUI_T_COUNT; i++) {
		s->pane[i].follow = true;
		s->pane[i].top = 0;
	}
}

/* Parses the text being typed: the preview and the reason shown beside. */
static void edit_check(struct tui_screen *s)
{
	const char *why;

	s->edit_why = tui_filter_set(&s->edit_filter, s->edit, &why) ? NULL : why;
}

static void edit_key(struct tui_screen *s, int c)
{
	switch (c) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (s->edit_why)
			return; /* stay and fix it: the reason is on the line */
		s->editing = false;
		apply_filter(s, s->edit);
		return;
	case KEY_ESC:
		s->editing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case KEY_CTRL('h'):
		/* Back one UTF-8 character. */
		while (s->edit_len && ((unsigned char)s->edit[s->edit_len - 1] & 0xc0) == 0x80)
			s->edit_len--;
		if (s->edit_len)
			s->edit_len--;
		s->edit[s->edit_len] = '\0';
		break;
	case KEY_CTRL('u'):
		s->edit_len = 0;
		s->edit[0] = '\0';
		break;
	default:
		/* Printable bytes only: the filter is shown on screen. */
		if (c >= 0x20 && c < 0x100 && c != 0x7f && s->edit_len + 1 < sizeof(s->edit)) {
			s->edit[s->edit_len++] = (char)c;
			s->edit[s->edit_len] = '\0';
		}
		break;
	}
	edit_check(s);
}

static void move_sel(struct tui_screen *s, long delta, bool to_end)
{
	if (s->help || !tui_is_list(s->view)) {
		size_t *top = tui_doc_top(s);
		if (to_end)
			*top = delta < 0 ? 0 : SIZE_MAX / 2; /* clamped when drawn */
		else if (delta < 0)
			*top = (size_t)-delta > *top ? 0 : *top - (size_t)-delta;
		else
			*top += (size_t)delta;
		return;
	}
	enum tui_table t = tui_view_table(s->view);
	struct pane *p = &s->pane[t];
	rebuild(s);
	if (s->rows.n == 0)
		return;
	if (to_end)
		p->sel = delta < 0 ? 0 : s->rows.n - 1;
	else if (delta < 0)
		p->sel = (size_t)-delta > p->sel ? 0 : p->sel - (size_t)-delta;
	else
		p->sel = p->sel + (size_t)delta >= s->rows.n ? s->rows.n - 1 : p->sel + (size_t)delta;
	p->follow = p->sel == 0;
	remember(p, t, s->rows.items[p->sel]);
}

static void enter(struct tui_screen *s)
{
	char f[TUI_FILTER_MAX], a[FSC_ADDR_STRLEN];

	if (!tui_is_list(s->view))
		return;
	rebuild(s);
	enum tui_table t = tui_view_table(s->view);
	if (s->rows.n == 0)
		return;
	const void *item = s->rows.items[s->pane[t].sel];
	switch (t) {
	case TUI_T_REQUESTS:
		s->detail_seq = ((const struct tui_request *)item)->seq;
		s->detail_top = 0;
		set_view(s, TUI_V_DETAIL);
		return;
	case TUI_T_CLIENTS:
		snprintf(f, sizeof(f), "client:%s",
			 fsc_addr_str(&((const struct tui_client *)item)->addr, a));
		break;
	case TUI_T_HOSTS: {
		/* A host name with a space cannot be one word: take its start. */
		const char *name = ((const struct tui_host *)item)->name;
		snprintf(f, sizeof(f), "host:%.*s", (int)strcspn(name, " "), name);
		break;
	}
	default:
		return;
	}
	apply_filter(s, f);
	set_view(s, TUI_V_REQUESTS);
}

/* H, c in Detail: the shown request handed to the program to write out. */
static void export_detail(struct tui_screen *s, enum tui_export kind)
{
	const struct tui_request *r = s->detail_seq ? tui_model_request(s->m, s->detail_seq) : NULL;

	if (s->view != TUI_V_DETAIL || !r)
		snprintf(s->msg, sizeof(s->msg), "export: open a request's Detail first (Enter)");
	else if (!s->export_fn)
		snprintf(s->msg, sizeof(s->msg), "export: not available");
	else
		s->export_fn(s->export_ctx, r, kind, s->msg, sizeof(s->msg));
}

static enum tui_action key(struct tui_screen *s, int c)
{
	int page = tui_body_rows() > 1 ? tui_body_rows() - 1 : 1;

	if (s->editing) {
		edit_key(s, c);
		s->dirty = true; /* the line, and the rows it previews */
		return TUI_ACT_NONE;
	}
	s->msg[0] = '\0';
	if (s->help && c != KEY_RESIZE && c != KEY_UP && c != KEY_DOWN && c != KEY_NPAGE &&
	    c != KEY_PPAGE && c != 'j' && c != 'k') {
		/* Any other key closes the help (q too: it does not quit). */
		s->help = false;
		s->dirty = true;
		return TUI_ACT_NONE;
	}
	switch (c) {
	case 'q':
	case 'Q':
		return TUI_ACT_QUIT;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
		set_view(s, (enum tui_view)(c - '1'));
		break;
	case '\t':
		set_view(s, (enum tui_view)((s->view + 1) % TUI_V_COUNT));
		break;
	case KEY_BTAB:
		set_view(s, (enum tui_view)((s->view + TUI_V_COUNT - 1) % TUI_V_COUNT));
		break;
	case KEY_UP:
	case 'k':
		move_sel(s, -1, false);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(s, 1, false);
		break;
	case KEY_PPAGE:
	case KEY_CTRL('b'):
		move_sel(s, -page, false);
		break;
	case KEY_NPAGE:
	case KEY_CTRL('f'):
	case ' ':
		move_sel(s, page, false);
		break;
	case KEY_HOME:
	case 'g':
		move_sel(s, -1, true);
		break;
	case KEY_END:
	case 'G':
		move_sel(s, 1, true);
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		enter(s);
		break;
	case KEY_ESC:
	case KEY_BACKSPACE:
	case 127:
	case KEY_LEFT:
		if (s->view == TUI_V_DETAIL)
			set_view(s, s->prev_view);
		break;
	case '/':
		s->editing = true;
		snprintf(s->edit, sizeof(s->edit), "%s", s->filter.text);
		s->edit_len = strlen(s->edit);
		edit_check(s);
		break;
	case 's': {
		enum tui_table t = tui_view_table(s->view);
		if (s->view == TUI_V_DETAIL)
			break;
		s->pane[t].sort = (s->pane[t].sort + 1) % (unsigned)tui_table_sorts(t);
		s->pane[t].follow = true;
		snprintf(s->msg, sizeof(s->msg), "sort: %s", tui_table_sort_name(t, s->pane[t].sort));
		break;
	}
	case 'H':
		export_detail(s, TUI_EXPORT_HAR);
		break;
	case 'c':
		export_detail(s, TUI_EXPORT_CURL);
		break;
	case 'p':
		s->paused = !s->paused;
		s->paused_seq = tui_model_last_seq(s->m);
		if (!s->paused)
			s->paused_seq = 0;
		break;
	case '?':
	case 'h':
	case KEY_F(1):
		s->help = true;
		s->help_top = 0;
		break;
	case KEY_CTRL('l'):
		clearok(curscr, TRUE);
		break;
	case KEY_RESIZE:
		break;
	default:
		return TUI_ACT_NONE; /* nothing to redraw */
	}
	s->dirty = true;
	return TUI_ACT_NONE;
}

enum tui_action tui_screen_input(struct tui_screen *s)
{
	int c;

	while ((c = getch()) != ERR) {
		if (key(s, c) == TUI_ACT_QUIT)
			return TUI_ACT_QUIT;
	}
	return TUI_ACT_NONE;
}
