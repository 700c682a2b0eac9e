/* view.h - fwatch's screen: the model drawn with ncurses, and the keys.
 *
 * The screen only renders what table.h gives (already escaped) and keeps
 * the state of the display: the view, the selection, the filter, the sort,
 * pause. It never reads the capture, never waits: the caller's loop polls
 * tui_screen_fd() beside the capture and the resolver, calls
 * tui_screen_input() when it is readable (or a signal interrupted the
 * poll: a resize arrives that way) and tui_screen_draw() at most ~10 times
 * a second when tui_screen_dirty() says so.
 *
 * The terminal is restored by tui_screen_close(); tui_screen_restore() is
 * for atexit() (idempotent), and fatal signals get a handler that puts the
 * terminal modes back with tcsetattr and write() only (async-signal-safe)
 * before dying as they would have.
 */
#ifndef TUI_VIEW_H
#define TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "table.h"

/* The Detail view's export keys (H: HAR, c: curl): the program writes the
 * request out (it has the records, the files) and puts what the footer
 * says, a path or why not, in msg. */
enum tui_export { TUI_EXPORT_HAR, TUI_EXPORT_CURL };
typedef void (*tui_export_fn)(void *ctx, const struct tui_request *r, enum tui_export kind,
			      char *msg, size_t cap);

struct tui_screen_opts {
	bool color;			/* false: monochrome (--no-color, NO_COLOR) */
	enum tui_view view;		/* the first view */
	const struct tui_filter *filter; /* the first filter, or NULL */
	const char *prog;		/* "fwatch" */
	tui_export_fn export_fn;	/* NULL: the export keys say so */
	void *export_ctx;
};

/* What the loop tells the header line. */
struct tui_status {
	const char *state;	/* "live", "replay x1", "end of capture", ... */
	bool ended;		/* a replay reached its end */
};

enum tui_action {
	TUI_ACT_NONE,
	TUI_ACT_QUIT,
};

struct tui_screen;

/* Starts curses on the terminal (stdin/stdout must be one). NULL with a
 * message when it cannot. */
struct tui_screen *tui_screen_open(struct tui_model *m, const struct tui_screen_opts *o,
				   char *err, size_t errlen);
void tui_screen_close(struct tui_screen *s);
void tui_screen_restore(void);

int tui_screen_fd(const struct tui_screen *s);
/* Reads every key waiting (never blocks); QUIT after q. */
enum tui_action tui_screen_input(struct tui_screen *s);
/* Something changed on screen (a key, a resize) since the last draw. */
bool tui_screen_dirty(const struct tui_screen *s);
/* The model changed: redraw when the display is not paused. */
void tui_screen_touch(struct tui_screen *s);
void tui_screen_draw(struct tui_screen *s, const struct tui_status *st);

#endif
