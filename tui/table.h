/* table.h - the model as tables of text cells and lines of text: columns,
 * filtered and sorted rows, the Detail and Tunnel lines, the header. Both
 * outputs read only this: the screen (view.c) and the plain-text dump
 * (dump.c), so they always agree. Curses-free.
 *
 * This is the one place where text from packets (and from DNS and GeoIP
 * files) is escaped (fsc/escape.h): every cell and line leaves here safe
 * for a terminal, without control bytes, as printable ASCII or well-formed
 * UTF-8.
 */
#ifndef TUI_TABLE_H
#define TUI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "model.h"

enum tui_view {
	TUI_V_REQUESTS,
	TUI_V_CLIENTS,
	TUI_V_TUNNEL,
	TUI_V_HOSTS,
	TUI_V_DETAIL,
	TUI_V_COUNT
};

/* "Requests", "Clients", "Tunnel", "Hosts", "Detail". */
const char *tui_view_name(enum tui_view v);

enum tui_table {
	TUI_T_REQUESTS,
	TUI_T_CLIENTS,
	TUI_T_PEERS,		/* WireGuard peers (Tunnel) */
	TUI_T_SESSIONS,		/* WireGuard sessions (Tunnel) */
	TUI_T_ENDPOINTS,	/* disco and STUN (Tunnel) */
	TUI_T_HOSTS,
	TUI_T_COUNT
};

/* "Requests", "Clients", "WireGuard peers", ... (section titles). */
const char *tui_table_title(enum tui_table t);

struct tui_col {
	const char *title;
	uint8_t min, pref;	/* screen widths */
	uint8_t dump;		/* the dump pads to this */
	uint8_t prio;		/* 0: always; higher ones go first when narrow;
				 * TUI_PRIO_EXTRA and up also make room */
	bool right;		/* numbers: aligned right */
	uint8_t weight;		/* share of the free width; 0: grows only to pref */
};

#define TUI_PRIO_EXTRA 3

const struct tui_col *tui_table_cols(enum tui_table t, size_t *n);
/* The columns the model has something for: Requests' last, STAGES (the
 * stage bar), comes with the first story. The outputs lay these out. */
const struct tui_col *tui_table_cols_shown(struct tui_model *m, enum tui_table t, size_t *n);

/*
 * Column widths for a screen `width` wide (w[i] 0: hidden). Columns go,
 * least important (highest prio) first, until the minimums fit; the
 * extras (prio >= TUI_PRIO_EXTRA) also go while the growing columns
 * (weight > 0) would not get one column per unit of weight. What is free
 * then brings the fixed columns (weight 0) to their preferred width, and
 * the rest is shared by weight, no column past its preferred width.
 */
void tui_layout(const struct tui_col *cols, size_t n, int width, int *w);

/* Colour hints for a row or a line. */
enum tui_mark {
	TUI_MARK_NONE,
	TUI_MARK_OK,		/* 2xx, health ok */
	TUI_MARK_INFO,		/* 1xx, 3xx */
	TUI_MARK_WARN,		/* 4xx, health short of ok */
	TUI_MARK_BAD,		/* 5xx, no response from a peer, malformed */
	TUI_MARK_PENDING,	/* no answer yet */
	TUI_MARK_NEW,		/* a client first seen lately */
	TUI_MARK_TITLE,		/* a heading line */
};

/*
 * A filter, as typed after '/': words separated by spaces, all of which
 * must match. A word is FIELD:TEXT or just TEXT (any field). Fields:
 * client, host, path, status, asn, country, method, rule, name (reverse
 * DNS). Matching ignores ASCII case and looks for TEXT inside the field,
 * except status (a prefix: status:4 is every 4xx; 4xx works too), asn
 * (the number, with or without "AS") and a client given as an address:
 * a whole address matches only itself (7.72.157.1 is not 57.72.157.141),
 * ADDR/LEN its network, and one to three leading IPv4 parts whole parts
 * (66.249 is 66.249.0.0/16). A word starting with '!' must not match. A
 * table without the field a word names (a host has no status) ignores
 * that word.
 */
#define TUI_FILTER_WORDS 8
#define TUI_FILTER_MAX 128
struct tui_filter {
	char text[TUI_FILTER_MAX];	/* as typed */
	size_t n;
	struct {
		int field;		/* private */
		bool negate;
		char s[TUI_FILTER_MAX];
		bool has_net;		/* private: s names a client network */
		uint8_t net_bits;	/* private */
		struct fsc_addr net;	/* private */
	} w[TUI_FILTER_WORDS];
};

/* Parses s (NULL or "" clears). False, with the filter unchanged, on an
 * unknown FIELD: or too many words; *why says which. */
bool tui_filter_set(struct tui_filter *f, const char *s, const char **why);

/* Sort orders a table offers ("newest", "latency", ...). */
size_t tui_table_sorts(enum tui_table t);
const char *tui_table_sort_name(enum tui_table t, unsigned sort);

/* A selection: the rows of a table that pass a filter, in a sort order.
 * items[] point into the model (or the WireGuard tracker) and are valid
 * until the model next changes. */
struct tui_rows {
	enum tui_table table;
	size_t n, cap;
	const void **items;
	size_t total;		/* rows before the filter */
	const void **tmp;	/* scratch (private) */
	size_t tmp_cap;
};

void tui_rows_init(struct tui_rows *r);
void tui_rows_free(struct tui_rows *r);
/* max_seq: requests after it are left out (a paused display); 0: none.
 * False when out of memory (r then holds no rows). */
bool tui_rows_build(struct tui_rows *r, enum tui_table t, struct tui_model *m,
		    const struct tui_filter *f, unsigned sort, uint64_t max_seq);

/* The text of one cell, escaped, into buf (cap >= 8); "" when empty.
 * dump: the longer forms (milliseconds in times, full numbers). Returns
 * the length. */
size_t tui_cell(struct tui_model *m, enum tui_table t, const void *item, size_t col, bool dump,
		char *buf, size_t cap);
enum tui_mark tui_row_mark(struct tui_model *m, enum tui_table t, const void *item);

/* Lines of text (Detail, the header); label may be "" (a continuation) and
 * text may be "". Both escaped. */
typedef void (*tui_line_fn)(void *ctx, const char *label, const char *text, enum tui_mark mk);

/* Detail of one request: request line and connection, timings, the
 * client and how it was chosen, every X-Forwarded-For hop classified,
 * the ingress handshake of that client if seen, every header. */
void tui_detail_lines(struct tui_model *m, const struct tui_request *r, tui_line_fn fn,
		      void *ctx);

/* The capture: sources with packets and kernel drops, totals, rates, what
 * limits evicted. Lines for the dump and the help screen. */
void tui_capture_lines(struct tui_model *m, tui_line_fn fn, void *ctx);

/* One line for the top of the screen: "12 pkt/s  3.4 kB/s  2 req/s" and
 * drops when there are any. */
size_t tui_rates_text(struct tui_model *m, char *buf, size_t cap);
/* Sources and their drops: "lo, eth0  drops 0" or the file name. */
size_t tui_sources_text(struct tui_model *m, char *buf, size_t cap);

/* The stage bar of a story (fsc/correlate.h): its stretches edge,
 * ingress, tls, to_backend, first_byte and last_byte as runs of 'e', 'i',
 * 't', 'b', 'f' and 'l' in `width` cells: one for each stretch that took
 * any time (while there is room), the rest shared by their times (largest
 * remainders). Stretches not seen leave no run. stretch[]:
 * fsc_story_stretch's, -1 unseen. "-" when none was seen. */
#define TUI_BAR_WIDTH 10
size_t tui_stage_bar(const int64_t *stretch, int width, char *buf, size_t cap);
/* The same as figures: "e4.452/i0.450/t2.483/b1.697/f0.692/l0.154" (ms,
 * the letters of the bar; stretches not seen left out). */
size_t tui_stage_figures(const int64_t *stretch, char *buf, size_t cap);

/* Formatting helpers, shared by the outputs. */
size_t tui_fmt_bytes(uint64_t v, char *buf, size_t cap);	/* 999 1.2k 34M */
size_t tui_fmt_count(uint64_t v, char *buf, size_t cap);	/* 999 1.2k 34M */
size_t tui_fmt_ms(int64_t ns, char *buf, size_t cap);		/* 0.33ms 12ms 1.2s */
size_t tui_fmt_age(int64_t ns, char *buf, size_t cap);		/* 3s 2m 5h 3d */
size_t tui_fmt_time(int64_t ns, bool ms, char *buf, size_t cap); /* local HH:MM:SS[.mmm] */
/* Raw, untrusted bytes made safe: fsc_escape_text. */
size_t tui_escape(const void *p, size_t len, char *buf, size_t cap);

#endif
