/* dump.h - every view of the model as plain text, for scripts, bug reports
 * and tests (fwatch --dump). No curses.
 *
 * The format is stable (new sections and columns may be added at the end of
 * a section or a row; nothing changes meaning):
 *
 *   == Capture ==                 "  label  text" lines (tui_capture_lines)
 *   == Requests (N of M) ==       a title row, then one row a request,
 *                                 oldest first
 *   == Clients (N of M) ==        by requests
 *   == Tunnel ==
 *   -- WireGuard peers (N) --     by peer id
 *   -- WireGuard sessions (N) --
 *   -- Disco and STUN (N) --
 *   == Hosts (N of M) ==          by requests
 *   == Detail #SEQ ==             the newest request (or every one), as
 *                                 "  label  text" lines
 *
 * A row is its cells padded to the column's width, separated by one space;
 * a cell is "-" when empty and is quoted ("...") when it holds a space, so
 * `awk` can split rows on whitespace outside quotes. Text from packets is
 * escaped (fsc_escape_text), so no control byte reaches the output.
 * Times are local (set TZ=UTC for UTC), with milliseconds.
 */
#ifndef TUI_DUMP_H
#define TUI_DUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "table.h"

struct tui_dump_opts {
	const struct tui_filter *filter;	/* NULL: every row */
	bool all_details;			/* Detail of every request kept */
};

void tui_dump(FILE *out, struct tui_model *m, const struct tui_dump_opts *o);

#endif
