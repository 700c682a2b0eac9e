/* allowedips.h - cryptokey routing: which peer owns an inner address.
 *
 * A binary trie a family, one level a bit. Inserting is setup work and
 * allocates; looking up walks at most 32 or 128 nodes and never allocates.
 * The longest matching prefix wins; inserting a prefix that is already
 * present moves it to the new peer (as `wg set ... allowed-ips` does).
 */
#ifndef FSC_ALLOWEDIPS_H
#define FSC_ALLOWEDIPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/wgconf.h"

struct fsc_aip_node;

struct fsc_allowedips {
	struct fsc_aip_node *root4;
	struct fsc_aip_node *root6;
	size_t nodes;
};

void fsc_allowedips_init(struct fsc_allowedips *t);
void fsc_allowedips_free(struct fsc_allowedips *t);

/* Maps prefix p (its bits past p->bits are ignored) to value, which must
 * not be negative. False when out of memory or p has no family. */
bool fsc_allowedips_insert(struct fsc_allowedips *t, const struct fsc_prefix *p, int value);

/* The value of the longest prefix containing a, or -1. */
int fsc_allowedips_lookup(const struct fsc_allowedips *t, const struct fsc_addr *a);

/* The value for a raw address of 4 or 16 bytes (an IP header's field). */
int fsc_allowedips_lookup_raw(const struct fsc_allowedips *t, const uint8_t *b, int family);

#endif
