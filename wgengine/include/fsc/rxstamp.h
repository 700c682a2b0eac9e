/* rxstamp.h - a received message's kernel receive time: the SCM_TIMESTAMPNS
 * control message a socket with SO_TIMESTAMPNS on gets with recvmsg(2).
 * The engine's UDP socket and the pair's TCP sockets read it the same way.
 */
#ifndef FSC_RXSTAMP_H
#define FSC_RXSTAMP_H

#include <stdint.h>
#include <sys/socket.h>

/* The time in ns since the epoch; 0 when the message carries none. */
int64_t fsc_rxstamp_ns(struct msghdr *m);

#endif
