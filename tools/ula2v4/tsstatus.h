/* tsstatus.h - node names from the JSON of `tailscale status --json`. */
#ifndef ULA2V4_TSSTATUS_H
#define ULA2V4_TSSTATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/addr.h"

#define TS_NODE_MAXIPS 8

struct ts_node {
	char *host;   /* HostName, or NULL */
	char *dns;    /* DNSName without its trailing dot, or NULL */
	bool self;    /* the Self entry */
	struct fsc_addr ips[TS_NODE_MAXIPS]; /* TailscaleIPs that parsed */
	size_t nips;
};

struct ts_status {
	struct ts_node *nodes;
	size_t n;
};

/*
 * Reads the file (at most 64 MiB) and keeps Self and every Peer that has at
 * least one TailscaleIPs entry. Unknown keys are ignored, so newer status
 * formats still load. Returns false with a reason in err.
 */
bool ts_status_load(const char *path, struct ts_status *st, char *err, size_t errlen);
void ts_status_free(struct ts_status *st);

/* The node that lists a among its TailscaleIPs, or NULL. */
const struct ts_node *ts_status_find(const struct ts_status *st, const struct fsc_addr *a);

/* The name to show: DNSName if set, else HostName, else NULL. */
const char *ts_node_name(const struct ts_node *n);

#endif
