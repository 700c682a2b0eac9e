/* tui_int.h - helpers the table files share (fmt.c); not for the outputs. */
#ifndef TUI_INT_H
#define TUI_INT_H

#include <stddef.h>

#include "table.h"

#define CELL_MAX 512

/* snprintf that returns what was written (never more than cap - 1). */
size_t tui_put(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t tui_dash(char *buf, size_t cap);
/* Canonical text; "-" for no address. */
size_t tui_addr_text(const struct fsc_addr *a, char *buf, size_t cap);
size_t tui_endpoint_text(const struct fsc_addr *a, uint16_t port, char *buf, size_t cap);
/* Reverse DNS of a, escaped: the name, "?" while asked, else "-". */
size_t tui_rdns_text(struct tui_model *m, const struct fsc_addr *a, char *buf, size_t cap);
/* enrich_tag of a (escaped there), or its role, or "-". */
size_t tui_tag_text(struct tui_model *m, const struct fsc_addr *a, char *buf, size_t cap);
/* Raw bytes escaped, "-" when empty. */
size_t tui_escaped(const char *p, size_t len, char *buf, size_t cap);
enum tui_mark tui_status_mark(int status);

#endif
