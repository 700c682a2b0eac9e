/* view.c - placeholder until the screen lands */
#include "view.h"
#include <stdio.h>
struct tui_screen *tui_screen_open(struct tui_model *m, const struct tui_screen_opts *o,
				   char *err, size_t errlen)
{
	(void)m; (void)o;
	snprintf(err, errlen, "no screen yet");
	return NULL;
}
void tui_screen_close(struct tui_screen *s) { (void)s; }
void tui_screen_restore(void) {}
int tui_screen_fd(const struct tui_screen *s) { (void)s; return 0; }
enum tui_action tui_screen_input(struct tui_screen *s) { (void)s; return TUI_ACT_NONE; }
bool tui_screen_dirty(const struct tui_screen *s) { (void)s; return false; }
void tui_screen_touch(struct tui_screen *s) { (void)s; }
void tui_screen_draw(struct tui_screen *s, const struct tui_status *st) { (void)s; (void)st; }
