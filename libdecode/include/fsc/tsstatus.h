/* tsstatus.h - node names from the JSON of `tailscale status --json`. */
#ifndef FSC_TSSTATUS_H
#define FSC_TSSTATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/addr.h"

#define FSC_TSNODE_MAXIPS 8

struct fsc_tsnode {
	char *host;   /* HostName, or NULL */
	char *dns;    /* DNSName without its trailing dot, or NULL */
	bool self;    /* the Self entry */
	struct fsc_addr ips[FSC_TSNODE_MAXIPS]; /* TailscaleIPs that parsed */
	size_t nips;
};

struct fsc_tsstatus {
	struct fsc_tsnode *nodes;
	size_t n;
};

/*
 * Reads the file (at most 64 MiB) and keeps Self and every Peer that has at
 * least one TailscaleIPs entry. Unknown keys are ignored, so newer status
 * formats still load. Returns false with a reason in err.
 */
bool fsc_tsstatus_load(const char *path, struct fsc_tsstatus *st, char *err, size_t errlen);
/* The same from text[0..len) already in memory (the status file's bytes). */
bool fsc_tsstatus_parse(const char *text, size_t len, struct fsc_tsstatus *st, char *err,
			size_t errlen);
void fsc_tsstatus_free(struct fsc_tsstatus *st);

/* The node that lists a among its TailscaleIPs, or NULL. */
const struct fsc_tsnode *fsc_tsstatus_find(const struct fsc_tsstatus *st, const struct fsc_addr *a);

/* The name to show: DNSName if set, else HostName, else NULL. */
const char *fsc_tsnode_name(const struct fsc_tsnode *n);

#endif
