/* wgtun.h - the TUN inner side: the kernel's IP stack on the inside.
 *
 * Opens /dev/net/tun (needs root or CAP_NET_ADMIN), names the interface,
 * sets its MTU and the configuration's Address entries (IPv4 and IPv6,
 * like wg-quick; routes beyond those prefixes are the caller's, e.g.
 * `ip route add`) and brings it up. Packets the kernel routes into it go to
 * fsc_wgengine_send; packets the engine delivers are written to it. Programs
 * then use ordinary sockets bound to the tunnel addresses.
 */
#ifndef FSC_WGTUN_H
#define FSC_WGTUN_H

#include <poll.h>
#include <stddef.h>

#include "fsc/wgengine.h"

struct fsc_wgtun;

/* name: at most 15 bytes. Becomes the engine's inner side. NULL with a
 * reason in err ("/dev/net/tun: Permission denied"). */
struct fsc_wgtun *fsc_wgtun_open(struct fsc_wgengine *eng, const char *name, unsigned mtu,
				 char *err, size_t errlen);
/* Removes the interface (closing the fd deletes a non-persistent TUN). */
void fsc_wgtun_free(struct fsc_wgtun *tun);

/* The loop, as in wgengine.h: one fd (the TUN device). */
size_t fsc_wgtun_pollfds(struct fsc_wgtun *tun, struct pollfd *pfd, size_t cap);
void fsc_wgtun_handle(struct fsc_wgtun *tun, const struct pollfd *pfd, size_t n);

struct fsc_wgtun_stats {
	uint64_t packets_in, packets_out, write_drops;
};
const struct fsc_wgtun_stats *fsc_wgtun_stats(const struct fsc_wgtun *tun);

#endif
