/* tsstatus.c - the Self/Peer part of `tailscale status --json`.
 *
 *   { "Self": { "HostName": "..", "DNSName": "host.tailnet.ts.net.",
 *               "TailscaleIPs": ["100.x.y.z", "fd7a:115c:a1e0::..."] , ... },
 *     "Peer": { "nodekey:...": { same keys }, ... }, ... }
 */
#include "fsc/tsstatus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

#define MAX_FILE (64u << 20)

static char *slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			if (cap >= MAX_FILE) {
				snprintf(err, errlen, "larger than %u MiB", MAX_FILE >> 20);
				free(buf);
				fclose(f);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		fclose(f);
		return NULL;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error: %s", strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static char *dup_str(const struct jval *v, bool strip_dot)
{
	if (!v || v->t != J_STR || !v->s[0])
		return NULL;
	char *s = strdup(v->s);
	size_t n = s ? strlen(s) : 0;
	if (s && strip_dot && n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	return s;
}

static bool add_node(struct fsc_tsstatus *st, size_t *cap, const struct jval *o, bool self)
{
	const struct jval *ips = json_get(o, "TailscaleIPs");
	struct fsc_tsnode nd;

	memset(&nd, 0, sizeof(nd));
	if (!ips || ips->t != J_ARR)
		return true;
	for (size_t i = 0; i < ips->n && nd.nips < FSC_TSNODE_MAXIPS; i++) {
		if (ips->kids[i].t == J_STR && fsc_addr_parse(ips->kids[i].s, &nd.ips[nd.nips]))
			nd.nips++;
	}
	if (nd.nips == 0)
		return true;
	if (st->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct fsc_tsnode *nn = realloc(st->nodes, nc * sizeof(*nn));
		if (!nn)
			return false;
		st->nodes = nn;
		*cap = nc;
	}
	nd.host = dup_str(json_get(o, "HostName"), false);
	nd.dns = dup_str(json_get(o, "DNSName"), true);
	nd.self = self;
	st->nodes[st->n++] = nd;
	return true;
}

bool fsc_tsstatus_load(const char *path, struct fsc_tsstatus *st, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = slurp(path, &len, err, errlen);

	memset(st, 0, sizeof(*st));
	if (!text)
		return false;
	bool ok = fsc_tsstatus_parse(text, len, st, err, errlen);
	free(text);
	return ok;
}

bool fsc_tsstatus_parse(const char *text, size_t len, struct fsc_tsstatus *st, char *err,
			size_t errlen)
{
	size_t cap = 0;
	struct jval *root;
	bool ok = true;

	memset(st, 0, sizeof(*st));
	root = json_parse(text, len, err, errlen);
	if (!root)
		return false;
	if (root->t != J_OBJ) {
		snprintf(err, errlen, "not a JSON object (expected `tailscale status --json`)");
		json_free(root);
		return false;
	}
	const struct jval *self = json_get(root, "Self");
	const struct jval *peer = json_get(root, "Peer");
	if ((!self || self->t != J_OBJ) && (!peer || peer->t != J_OBJ)) {
		snprintf(err, errlen, "no Self or Peer object (expected `tailscale status --json`)");
		json_free(root);
		return false;
	}
	if (self && self->t == J_OBJ)
		ok = add_node(st, &cap, self, true);
	for (size_t i = 0; ok && peer && peer->t == J_OBJ && i < peer->n; i++)
		ok = add_node(st, &cap, &peer->kids[i], false);
	json_free(root);
	if (!ok) {
		snprintf(err, errlen, "out of memory");
		fsc_tsstatus_free(st);
	}
	return ok;
}

void fsc_tsstatus_free(struct fsc_tsstatus *st)
{
	for (size_t i = 0; i < st->n; i++) {
		free(st->nodes[i].host);
		free(st->nodes[i].dns);
	}
	free(st->nodes);
	memset(st, 0, sizeof(*st));
}

const struct fsc_tsnode *fsc_tsstatus_find(const struct fsc_tsstatus *st, const struct fsc_addr *a)
{
	/* A tailnet has at most some thousands of nodes and a lookup is per
	 * input, not per packet: a scan is enough. */
	for (size_t i = 0; i < st->n; i++)
		for (size_t k = 0; k < st->nodes[i].nips; k++)
			if (fsc_addr_eq(&st->nodes[i].ips[k], a))
				return &st->nodes[i];
	return NULL;
}

const char *fsc_tsnode_name(const struct fsc_tsnode *n)
{
	return n->dns ? n->dns : n->host;
}
