/* transport.h - the seam where the tunnel side of fnode and fedge is
 * chosen. fedge dials nodes' PeerAPI through it, fnode listens on its
 * PeerAPI through it; the public listener (fedge) and the backends (fnode)
 * are always kernel sockets. Every transport hands connections over as
 * non-blocking fds, so each program runs one poll loop whatever the mode:
 *
 *   direct  kernel TCP, no tunnel (the loopback lab, most tests): the
 *           PeerAPI is an ordinary ip:port, a peer is known by its source.
 *   lwip    the WireGuard engine (wgengine/, a wg(8) config) with Debian's
 *           lwIP as a userspace TCP/IP stack: no root. Each tunnel TCP
 *           connection is one end of a socketpair (fsc/netstack.h); the
 *           engine's and the stack's fds join the program's loop as a
 *           loop source.
 *   tun     the same engine with a TUN device as its inner side (root):
 *           the kernel's TCP on the tunnel addresses, so listen and dial
 *           are kernel sockets again.
 */
#ifndef FSC_TRANSPORT_H
#define FSC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fsc/addr.h"
#include "loop.h"
#include "tunstamp.h"

struct fsc_wgengine;

struct fsc_transport_cfg {
	const char *mode;	/* "direct", "lwip", "tun"; NULL: lwip with a
				 * WireGuard config, else direct */
	const char *wg_config;	/* wg(8) configuration file (lwip, tun) */
	const char *wg_keylog;	/* --wg-keylog (else $WG_KEYLOGFILE) */
	const char *tun_name;	/* tun: the interface name */
	const char *debug_capture; /* lwip, tun: the inner packets to this
				    * file as `tailscale debug capture`
				    * (debugcap.h); NULL none */
	uint64_t debug_capture_max; /* its size cap in bytes */
};

/* The transport options fedge and fnode share (--transport, --direct,
 * --lwip, --tun, --wg-config, --wg-keylog): codes for their getopt_long
 * tables, clear of each program's own, and the one place that applies them. */
enum fsc_transport_opt {
	FSC_TOPT_TRANSPORT = 0x1000,
	FSC_TOPT_DIRECT,
	FSC_TOPT_LWIP,
	FSC_TOPT_TUN,
	FSC_TOPT_WG_CONFIG,
	FSC_TOPT_WG_KEYLOG,
};
#define FSC_TRANSPORT_LONGOPTS \
	{ "transport", required_argument, NULL, FSC_TOPT_TRANSPORT }, \
	{ "direct", no_argument, NULL, FSC_TOPT_DIRECT }, \
	{ "lwip", no_argument, NULL, FSC_TOPT_LWIP }, \
	{ "tun", required_argument, NULL, FSC_TOPT_TUN }, \
	{ "wg-config", required_argument, NULL, FSC_TOPT_WG_CONFIG }, \
	{ "wg-keylog", required_argument, NULL, FSC_TOPT_WG_KEYLOG }

/* Applies option code with its argument to cfg; false when code is not one
 * of enum fsc_transport_opt (cfg untouched). */
bool fsc_transport_option(struct fsc_transport_cfg *cfg, int code, const char *arg);

struct fsc_transport;

/* A connection accepted on a listener: fd is the program's (non-blocking);
 * peer is the remote tunnel address. */
typedef void (*fsc_transport_accept_fn)(void *ctx, int fd, const struct fsc_addr *peer,
					uint16_t peer_port);

/* Starts the transport (for lwip and tun: reads the config, starts the
 * engine, joins the loop). NULL with a one-line reason in err. */
struct fsc_transport *fsc_transport_open(const struct fsc_transport_cfg *cfg,
					 struct fsc_loop *l, char *err, size_t errlen);
void fsc_transport_close(struct fsc_transport *t);
const char *fsc_transport_mode(const struct fsc_transport *t);
/* The WireGuard engine (its peers for --metrics); NULL when direct. */
const struct fsc_wgengine *fsc_transport_engine(const struct fsc_transport *t);
/* When the tunnel carried the connection from peer:port, at its two ends
 * (tunstamp.h); false in direct mode or when no longer remembered. */
bool fsc_transport_conn_times(const struct fsc_transport *t, const struct fsc_addr *peer,
			      uint16_t port, struct fsc_tunstamp_conn *out);
/* The kernel receive time of the WireGuard datagram that carried what a
 * read of the connection from peer:port brought last; 0 in direct mode
 * or when no longer known. *inner_ns: the read's kernel receive time (tun:
 * the moment the engine wrote it to the TUN); with lwIP, whose socketpairs
 * stamp nothing, it becomes the moment the peer's latest payload was
 * handed inside. */
int64_t fsc_transport_carrier_time(const struct fsc_transport *t, const struct fsc_addr *peer,
				   uint16_t port, int64_t *inner_ns);

/* Listens on addr ("ip:port", or ":port" for every address) and calls fn
 * for each connection. False with a reason in err. */
bool fsc_transport_listen(struct fsc_transport *t, const char *addr,
			  fsc_transport_accept_fn fn, void *ctx, char *err, size_t errlen);

/* Starts a connection to ss: a non-blocking fd that becomes writable when
 * the connection can be used (then fsc_tcp_connect_result says whether it
 * failed; through lwip a failed connection reads as end of file), or -1
 * with errno. */
int fsc_transport_dial(struct fsc_transport *t, const struct sockaddr_storage *ss,
		       socklen_t len);

/* Known mode names, for --help and errors. */
#define FSC_TRANSPORT_MODES "direct, lwip, tun"

#endif
