/* allowedips.c - longest-prefix match over a binary trie (allowedips.h).
 *
 * One node a bit keeps the code obvious; a table of a few hundred prefixes
 * costs a few thousand small nodes, and a lookup touches at most 33 or 129.
 */
#include "fsc/allowedips.h"

#include <stdlib.h>

struct fsc_aip_node {
	struct fsc_aip_node *child[2];
	int value; /* -1: no prefix ends here */
};

void fsc_allowedips_init(struct fsc_allowedips *t)
{
	t->root4 = t->root6 = NULL;
	t->nodes = 0;
}

static void free_tree(struct fsc_aip_node *n)
{
	/* Depth is at most 128, so recursion is bounded. */
	if (!n)
		return;
	free_tree(n->child[0]);
	free_tree(n->child[1]);
	free(n);
}

void fsc_allowedips_free(struct fsc_allowedips *t)
{
	free_tree(t->root4);
	free_tree(t->root6);
	fsc_allowedips_init(t);
}

static struct fsc_aip_node *node_new(struct fsc_allowedips *t)
{
	struct fsc_aip_node *n = calloc(1, sizeof(*n));

	if (n) {
		n->value = -1;
		t->nodes++;
	}
	return n;
}

static unsigned bit_at(const uint8_t *b, unsigned i)
{
	return (b[i >> 3] >> (7 - (i & 7))) & 1u;
}

bool fsc_allowedips_insert(struct fsc_allowedips *t, const struct fsc_prefix *p, int value)
{
	struct fsc_aip_node **slot;
	unsigned max;

	if (p->addr.family == 4) {
		slot = &t->root4;
		max = 32;
	} else if (p->addr.family == 6) {
		slot = &t->root6;
		max = 128;
	} else {
		return false;
	}
	if (value < 0 || p->len > max)
		return false;
	for (unsigned i = 0;; i++) {
		if (!*slot && !(*slot = node_new(t)))
			return false;
		if (i == p->len)
			break;
		slot = &(*slot)->child[bit_at(p->addr.b, i)];
	}
	(*slot)->value = value;
	return true;
}

int fsc_allowedips_lookup_raw(const struct fsc_allowedips *t, const uint8_t *b, int family)
{
	const struct fsc_aip_node *n = family == 4 ? t->root4 : family == 6 ? t->root6 : NULL;
	unsigned max = family == 4 ? 32 : 128;
	int best = -1;

	for (unsigned i = 0; n; i++) {
		if (n->value >= 0)
			best = n->value;
		if (i == max)
			break;
		n = n->child[bit_at(b, i)];
	}
	return best;
}

int fsc_allowedips_lookup(const struct fsc_allowedips *t, const struct fsc_addr *a)
{
	return fsc_allowedips_lookup_raw(t, a->b, a->family);
}
