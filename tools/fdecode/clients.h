/* clients.h - the remote addresses a capture shows, counted, and the
 * summary tables over them: "Clients" and "Countries and networks". */
#ifndef FDECODE_CLIENTS_H
#define FDECODE_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fsc/enrich.h"
#include "fsc/addr.h"

/* One address with what was seen of it. A list may hold an address more
 * than once (a tunnel endpoint that is also a STUN mapped address); the
 * tables add such entries up. */
struct client {
	struct fsc_addr addr;
	uint64_t requests;	/* HTTP requests it is the client of */
	uint64_t packets, bytes;
	bool is_client;		/* a client as fsc_agg_is_client says ... */
	uint64_t status[6];	/* ... and its answers by class (agg.h) */
};

/*
 * A bounded set of addresses with counts, for the STUN mapped addresses
 * (clients are the aggregation's, fsc/agg.h). Only addresses that
 * fsc_enrich_is_remote() accepts are kept; past `max` distinct addresses the
 * rest are counted in `dropped`.
 */
struct client_tally;
struct client_tally *client_tally_new(size_t max);
void client_tally_free(struct client_tally *t);
void client_tally_add(struct client_tally *t, const struct fsc_addr *a, uint64_t packets,
		      uint64_t bytes);
/* The entries (valid until the next add) and their number. */
const struct client *client_tally_items(const struct client_tally *t, size_t *n);
uint64_t client_tally_dropped(const struct client_tally *t);

/* Sorts list[0..*n) by address, adds up repeats (*n shrinks) and starts
 * every address's lookup. Waiting for the answers is the caller's
 * (fsc_enrich_drain), once for everything the summary will name. */
void clients_prepare(struct fsc_enrich *e, struct client *list, size_t *n);

/*
 * Prints the two tables over a prepared list (reordered by packets):
 * every address with its packets, bytes and enrichment, then one row a
 * (country, AS) with the organisation, the number of addresses, packets
 * and bytes. `what` says where the addresses came from, for the text
 * heading. JSON: objects of type "client" (addr, addr_info, requests,
 * packets, bytes; for a client by fsc_agg_is_client, is_client true and status
 * with its answers by class) and "client_network" (country, asn, as_org where known,
 * addresses, packets, bytes).
 */
void clients_print(FILE *out, struct fsc_enrich *e, struct client *list, size_t n,
		   const char *what, bool json);

#endif
