/* scan.h - find IP address literals inside free text (log lines). */
#ifndef ULA2V4_SCAN_H
#define ULA2V4_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/addr.h"

struct scan_hit {
	size_t start, len; /* the address text within the line */
	size_t end;        /* just past the endpoint: after ']', ':PORT', '/LEN' */
	struct fsc_addr addr;
};

/*
 * Finds the next address at or after *pos in line[0..n) and moves *pos past
 * it. An address is a maximal run of hex digits, ':' and '.' that parses
 * once trailing dots (sentence ends) and a lone leading or trailing ':'
 * (as in "addr:1.2.3.4") are dropped, and that does not touch a letter,
 * digit or '_' on either side. "1.2.3.4:80" gives 1.2.3.4 with end after
 * the port; "[v6]" and "[v6]:80" give v6 with end after ']' or the port;
 * "10.0.0.0/8" gives 10.0.0.0 with end after the prefix length. An
 * IPv6 address followed by ":port" without brackets is taken whole when
 * the whole parses (fd7a::1:80 is itself an address), else split at the
 * last ':' when one to five digits follow it.
 */
bool scan_next(const char *line, size_t n, size_t *pos, struct scan_hit *hit);

#endif
