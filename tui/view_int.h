/* view_int.h - what the screen's files share (view.c: terminal, frame,
 * lists, keys; view_doc.c: the scrolling documents; draw.c: the drawing
 * primitives both use). view.c calls view_doc.c, both call draw.c, and
 * draw.c calls neither. Not an API. */
#ifndef TUI_VIEW_INT_H
#define TUI_VIEW_INT_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "view.h"

#define CELL 1024
#define SPARK_W 20
#define KEY_ESC 27
#define KEY_CTRL(c) ((c) & 0x1f)

enum pair {
	P_OK = 1,
	P_INFO,
	P_WARN,
	P_BAD,
	P_PENDING,
	P_NEW,
	P_TITLE,
	P_BAR,
};

/* State of one table view: the selection follows its row. */
struct pane {
	size_t sel, top;
	bool follow;		/* stay on the first row as rows arrive */
	unsigned sort;
	uint64_t sel_seq;	/* Requests */
	struct fsc_addr sel_addr; /* Clients */
	char sel_host[TUI_HOST_MAX]; /* Hosts */
};

/* One screen row of a document view (Tunnel, Detail, help). */
struct dline {
	char *label;		/* owned; NULL on continuation rows */
	char *text;		/* owned */
	enum tui_mark mark;
	bool table_row;		/* pre-laid-out: drawn as is, not wrapped */
};

struct doc {
	struct dline *l;
	size_t n, cap;
	size_t top;
};

struct tui_screen {
	struct tui_model *m;
	SCREEN *scr;
	bool color, utf8;
	enum tui_view view, prev_view;
	struct pane pane[TUI_T_COUNT];
	struct tui_rows rows;
	struct tui_filter filter;
	bool editing;		/* the / prompt is open */
	char edit[TUI_FILTER_MAX];
	size_t edit_len;
	struct tui_filter edit_filter;	/* edit[] parsed, shown while typing */
	const char *edit_why;	/* why edit[] is no filter; NULL: it is */
	char msg[160];		/* one-shot footer message */
	tui_export_fn export_fn;
	void *export_ctx;
	bool help;
	bool paused;
	uint64_t paused_seq;
	uint64_t detail_seq;
	struct doc doc;
	size_t tunnel_top, detail_top, help_top;
	bool dirty;
};

/* draw.c */
/* Display columns of s[0..len) that fit in cols (bytes that fit in *fit). */
int tui_text_cols(const struct tui_screen *sc, const char *s, size_t len, int cols, size_t *fit);
/* Draws s clipped (and padded) to cols columns at the cursor. */
int tui_put_clipped(const struct tui_screen *sc, const char *s, int cols, bool pad, bool right);
attr_t tui_mark_attr(const struct tui_screen *s, enum tui_mark mk);
int tui_body_rows(void);

/* view.c */
enum tui_table tui_view_table(enum tui_view v);
bool tui_is_list(enum tui_view v);

/* view_doc.c */
void tui_doc_clear(struct doc *d);
size_t *tui_doc_top(struct tui_screen *s);
void tui_draw_doc(struct tui_screen *s);

#endif
