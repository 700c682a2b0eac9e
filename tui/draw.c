/* draw.c - the drawing primitives view.c and view_doc.c share: text width,
 * clipped text, the attribute of a mark, the body's height (column widths
 * are table.c's: tui_layout).
 * A leaf: it calls nothing else of the screen. */
#include "view_int.h"

#include <curses.h>
#include <string.h>
#include <wchar.h>

/* ---------------------------------------------------------------- text */

/* Display columns of the first `len` bytes of s, and how many bytes fit
 * in `cols` columns (*fit). Text here is escaped: printable ASCII and
 * well-formed UTF-8 only. */
int tui_text_cols(const struct tui_screen *sc, const char *s, size_t len, int cols,
		     size_t *fit)
{
	mbstate_t st;
	size_t i = 0;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (i < len) {
		wchar_t wc;
		size_t k = 1;
		int cw = 1;
		if ((unsigned char)s[i] >= 0x80 && sc->utf8) {
			k = mbrtowc(&wc, s + i, len - i, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
				memset(&st, 0, sizeof(st));
				k = 1;
			} else {
				cw = wcwidth(wc);
				if (cw < 0)
					cw = 1;
			}
		}
		if (w + cw > cols)
			break;
		w += cw;
		i += k;
	}
	if (fit)
		*fit = i;
	return w;
}

/* Draws s clipped to cols columns at the cursor; pads with spaces to cols
 * when pad. A cut is marked with '~'. Non-ASCII bytes become '?' when the
 * terminal is not UTF-8. Returns the columns used. */
int tui_put_clipped(const struct tui_screen *sc, const char *s, int cols, bool pad,
		       bool right)
{
	size_t len = strlen(s), fit;
	char ascii[CELL];

	if (cols <= 0)
		return 0;
	if (!sc->utf8) {
		size_t n = len < sizeof(ascii) - 1 ? len : sizeof(ascii) - 1;
		for (size_t i = 0; i < n; i++)
			ascii[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
		ascii[n] = '\0';
		s = ascii;
		len = n;
	}
	int w = tui_text_cols(sc, s, len, cols, &fit);
	bool cut = fit < len;
	if (cut) {
		w = tui_text_cols(sc, s, len, cols - 1, &fit);
		addnstr(s, (int)fit);
		addch('~');
		w++;
	} else {
		if (right && pad)
			for (int i = w; i < cols; i++)
				addch(' ');
		addnstr(s, (int)fit);
		if (right && pad)
			return cols;
	}
	if (pad)
		for (; w < cols; w++)
			addch(' ');
	return w;
}

attr_t tui_mark_attr(const struct tui_screen *s, enum tui_mark mk)
{
	static const short pairs[] = {
		[TUI_MARK_OK] = P_OK,	    [TUI_MARK_INFO] = P_INFO, [TUI_MARK_WARN] = P_WARN,
		[TUI_MARK_BAD] = P_BAD,	    [TUI_MARK_PENDING] = P_PENDING,
		[TUI_MARK_NEW] = P_NEW,	    [TUI_MARK_TITLE] = P_TITLE,
	};
	if (mk == TUI_MARK_NONE)
		return A_NORMAL;
	if (!s->color) {
		/* Monochrome: what matters most stands out anyway. */
		switch (mk) {
		case TUI_MARK_BAD:
		case TUI_MARK_TITLE:
		case TUI_MARK_NEW:
			return A_BOLD;
		case TUI_MARK_WARN:
			return A_UNDERLINE;
		case TUI_MARK_PENDING:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	attr_t a = COLOR_PAIR(pairs[mk]);
	if (mk == TUI_MARK_BAD || mk == TUI_MARK_TITLE || mk == TUI_MARK_NEW)
		a |= A_BOLD;
	return a;
}

int tui_body_rows(void)
{
	int n = LINES - 4; /* header, tabs, titles, footer */
	return n > 0 ? n : 0;
}
