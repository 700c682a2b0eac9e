/* wgload.h - when to ask for cookies, and how fast one source may handshake.
 *
 * WireGuard answers handshake floods with cookie replies instead of the
 * expensive Diffie-Hellman work (whitepaper §5.3; wireguard-go
 * device/device.go IsUnderLoad, ratelimiter/ratelimiter.go). Two pieces,
 * both pure (time passed in, monotonic ns) and allocation-free after init:
 *
 * - fsc_wgload: counts handshake messages; "under load" once more than
 *   `threshold` arrived within one second, and for one second after the
 *   last such moment. Under load, an initiation or response needs a valid
 *   mac2 (a cookie), else it gets a cookie reply and no other work.
 * - fsc_wgrate: a token bucket a source address (20 a second, burst 5), in
 *   a fixed table; consulted under load, after mac2 proved the address.
 *
 * The per-peer limit (one initiation consumed per 20 ms) needs the peer
 * and lives with it (fsc_wgtimer_cfg.initiation_rate).
 */
#ifndef FSC_WGLOAD_H
#define FSC_WGLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"

#define FSC_WGLOAD_DEFAULT_THRESHOLD 256

struct fsc_wgload {
	unsigned threshold;	 /* messages a second before load */
	uint64_t window_start;	 /* ns */
	unsigned prev_count;	 /* messages in the previous window */
	unsigned count;		 /* in the current one */
	uint64_t under_load_until;
};

void fsc_wgload_init(struct fsc_wgload *l, unsigned threshold);
/* Counts one handshake message at now; returns whether we are under load. */
bool fsc_wgload_note(struct fsc_wgload *l, uint64_t now);
bool fsc_wgload_under(const struct fsc_wgload *l, uint64_t now);

#define FSC_WGRATE_SLOTS 4096
#define FSC_WGRATE_PER_SEC 20
#define FSC_WGRATE_BURST 5

struct fsc_wgrate_slot {
	struct fsc_addr addr;
	uint64_t last;	 /* ns of the last refill; 0 = empty slot */
	uint64_t tokens; /* in ns of credit: one packet costs 1e9 / PER_SEC */
};

/* A cache, not fsc/hmap.h: flooded by more sources than it holds, it forgets
 * the stalest (which then starts a fresh bucket) where a map would refuse. */
struct fsc_wgrate {
	struct fsc_wgrate_slot slot[FSC_WGRATE_SLOTS];
	uint64_t seed;
};

/* seed: any random value (keeps an attacker from choosing colliding
 * addresses). */
void fsc_wgrate_init(struct fsc_wgrate *r, uint64_t seed);
/* True when a packet from addr may be processed now (and charges it). A
 * full neighbourhood of the table reuses its stalest slot. */
bool fsc_wgrate_allow(struct fsc_wgrate *r, const struct fsc_addr *addr, uint64_t now);

#endif
