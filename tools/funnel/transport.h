/* transport.h - the seam where the tunnel side of fnode and fedge is
 * chosen. fedge dials nodes' PeerAPI through it, fnode listens on its
 * PeerAPI through it; the public listener (fedge) and the backends (fnode)
 * are always kernel sockets.
 *
 * Every transport hands connections over as non-blocking kernel fds, so the
 * programs run one poll loop whatever the transport:
 *   direct  plain kernel TCP (loopback lab, tests): the node's PeerAPI
 *           address is an ordinary ip:port and a peer is known by its
 *           source address.
 *   (planned) lwip / tun: the WireGuard engine (branch wgengine); lwIP mode
 *           gives each TCP connection as one end of a socketpair and adds
 *           its own fds to the loop through `attach`; TUN mode is kernel
 *           sockets on tunnel addresses, i.e. `direct` on those addresses.
 */
#ifndef FSC_TRANSPORT_H
#define FSC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "loop.h"

struct fsc_transport {
	const char *name;
	/* Puts the transport's own fds (if any) into the loop. */
	bool (*attach)(struct fsc_loop *l, char *err, size_t errlen);
	/* A non-blocking listener on addr ("ip:port"): fd or -1 and err. */
	int (*listen)(const char *addr, char *err, size_t errlen);
	/* Accepts from a listener: fd (non-blocking) or -1 (errno EAGAIN when
	 * none is waiting); *peer is the remote tunnel address. */
	int (*accept)(int lfd, struct sockaddr_storage *peer);
	/* Starts a non-blocking connect to addr: fd or -1 and errno; the fd
	 * becomes writable when connected (fsc_tcp_connect_result). */
	int (*dial)(const struct sockaddr_storage *addr, socklen_t len);
};

/* The transport of that name ("direct"), or NULL. */
const struct fsc_transport *fsc_transport_find(const char *name);
/* "direct" (the names known, for --help and errors). */
const char *fsc_transport_names(void);

#endif
