/* netstack.h - the tunnel's inside as ordinary file descriptors, without
 * root: Debian's lwIP as a userspace TCP/IP stack on the engine's inner
 * side, and a bridge that hands each tunnel TCP connection to the program
 * as one end of a socketpair.
 *
 *   program fd <==socketpair==> netstack (lwIP pcb) <==> engine <==UDP==> peer
 *
 * This is how tailscaled's netstack serves Funnel: nothing appears on a
 * kernel interface. A program (fnode, fedge, fwg --forward-*) listens on or
 * dials tunnel addresses and then reads and writes plain stream sockets.
 *
 * Contracts:
 *  - One netstack a process: lwIP keeps global state. Single-threaded: every
 *    call, and every callback, happens on the thread that runs the loop.
 *  - The loop: fsc_netstack_pollfds / _timeout_ms / _handle include the
 *    engine's own descriptors, so a program that uses a netstack polls the
 *    netstack instead of the engine. The program may put its own entries in
 *    the same pollfd array (the netstack ignores entries that are not its).
 *  - Connections: the program owns the fd it is given and closes it when
 *    done. Its end is a SOCK_STREAM AF_UNIX socket (blocking unless the
 *    program sets O_NONBLOCK). Bytes written to it go out on the tunnel TCP
 *    connection in order; bytes from the peer arrive in order. shutdown(fd,
 *    SHUT_WR) sends a FIN; a FIN from the peer reads as end of file. A reset
 *    or failed connection closes the netstack's end: the program reads end
 *    of file (or gets EPIPE/ECONNRESET writing). Back-pressure holds both
 *    ways: lwIP's receive window opens only as the program reads.
 *  - Addresses: the interface carries the configuration's Address entries
 *    (the first IPv4 one is the primary; IPv6 ones are marked preferred at
 *    once). Anything the AllowedIPs route goes out through the engine.
 */
#ifndef FSC_NETSTACK_H
#define FSC_NETSTACK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/wgengine.h"

struct fsc_netstack;

/* Starts lwIP on the engine's inner side with the configuration's Address
 * entries and the given MTU (0 = 1420). NULL with a reason in err: a second
 * netstack in the process, or no Address. */
struct fsc_netstack *fsc_netstack_new(struct fsc_wgengine *eng, unsigned mtu, char *err,
				      size_t errlen);
/* Aborts every connection (closing the netstack's ends), closes listeners.
 * NULL is allowed. */
void fsc_netstack_free(struct fsc_netstack *ns);

/*
 * Called once for each accepted connection. fd is the program's; remote is
 * the tunnel peer's address and port, local the tunnel address and port it
 * connected to.
 */
typedef void (*fsc_netstack_accept_fn)(void *user, int fd, const struct fsc_addr *remote,
				       uint16_t remote_port, const struct fsc_addr *local,
				       uint16_t local_port);

/* Listens on port of addr (NULL: every address, IPv4 and IPv6). False with
 * a reason in err (port in use). */
bool fsc_netstack_listen(struct fsc_netstack *ns, const struct fsc_addr *addr, uint16_t port,
			 fsc_netstack_accept_fn on_accept, void *user, char *err, size_t errlen);

/*
 * Starts a connection to addr:port through the tunnel and returns the
 * program's fd at once (-1 with a reason in err when it cannot even start).
 * Writes before the connection is up wait in the socketpair; a refused or
 * timed-out connection reads as end of file.
 */
int fsc_netstack_dial(struct fsc_netstack *ns, const struct fsc_addr *addr, uint16_t port,
		      char *err, size_t errlen);

/* The loop, as in wgengine.h. pollfds fills at most cap entries (the engine's
 * first, then one a connection; connections beyond cap wait a round). */
size_t fsc_netstack_pollfds(struct fsc_netstack *ns, struct pollfd *pfd, size_t cap);
int fsc_netstack_timeout_ms(struct fsc_netstack *ns);
void fsc_netstack_handle(struct fsc_netstack *ns, const struct pollfd *pfd, size_t n);

struct fsc_netstack_stats {
	uint64_t accepted, dialed, closed, reset;
	uint64_t packets_in, packets_out, input_drops;
};
const struct fsc_netstack_stats *fsc_netstack_stats(const struct fsc_netstack *ns);

#endif
