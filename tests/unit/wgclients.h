/* wgclients.h - many WireGuard peers played by one test program against an
 * engine in the same process (tests/unit/test_wgengine_index.c and
 * tests/bench/wgpeers.c): each has its own key and tunnel address; its
 * initiations are handed to the engine with fsc_wgengine_receive, and the
 * engine's answers come back on one loopback UDP socket that all of them
 * name as their source. Built on libdecode's protocol core (fsc/wgnoise.h).
 */
#ifndef WGCLIENTS_H
#define WGCLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/wgengine.h"
#include "fsc/wgnoise.h"

struct wgclient {
	struct fsc_wgnoise_identity id;
	struct fsc_wgnoise_peer engine; /* our view of the engine */
	uint8_t inner[4];		/* our tunnel address (AllowedIPs /32) */
};

struct wgclients {
	struct fsc_wgnoise *nz;
	struct fsc_wgnoise_identity engine_id;
	struct wgclient *c;
	size_t n;
	int fd;		     /* where the engine answers */
	struct fsc_addr from; /* 127.0.0.1 */
	uint16_t port;	     /* fd's port */
	uint32_t timestamps; /* initiations made: each one's TAI64N is newer */
	struct fsc_wgengine *eng;
};

/* n peers and an engine that knows them all (AllowedIPs one /32 each, no
 * endpoint: the engine learns ours from the first initiation). opts as
 * fsc_wgengine_new takes them. False with a reason on stderr. */
bool wgclients_make(struct wgclients *w, size_t n, const struct fsc_wgengine_opts *opts);
void wgclients_free(struct wgclients *w);

/* Peer i's complete handshake as the initiator: its initiation goes to
 * the engine, the engine's response is read from the socket (other
 * messages there are skipped) and the keypair derived. False when no
 * response came within 3 s. */
bool wgclients_handshake(struct wgclients *w, size_t i, struct fsc_wgnoise_keypair *kp);

/* A transport message from peer i under kp: a 60-byte IPv4/UDP packet
 * from i's tunnel address to 100.64.0.1 whose payload starts with tag.
 * Returns the length (0 when out does not hold it). */
size_t wgclients_seal(struct wgclients *w, size_t i, struct fsc_wgnoise_keypair *kp,
		      uint32_t tag, uint8_t *out, size_t cap);

/* The tag of a packet wgclients_seal made, as the engine delivered it. */
uint32_t wgclients_tag(const uint8_t *pkt, size_t len);

#endif
