/* relay.h - fwg's --forward-in / --forward-out: TCP relays between the
 * userspace stack's connections (fsc/netstack.h) and kernel TCP. */
#ifndef FWG_RELAY_H
#define FWG_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/netstack.h"

#define RELAY_MAX_FORWARDS 16

struct forward {
	bool in;	    /* tunnel -> kernel */
	uint16_t port;	    /* in: tunnel port; out: 127.0.0.1 port */
	struct fsc_addr to; /* in: kernel address; out: tunnel address */
	uint16_t to_port;
	int lfd;	    /* out: the kernel listener */
	struct relay_set *set;
};

struct pipe_half {
	uint8_t *buf;
	size_t len, off;
	bool eof;	/* the reading side ended */
	bool shut;	/* passed on with shutdown(SHUT_WR) */
};

struct relay {
	int a, b;	      /* a: tunnel side, b: kernel side */
	bool b_connecting;    /* b's non-blocking connect is pending */
	struct pipe_half ab, ba;
	bool dead;
	struct relay *next;
};

struct relay_set {
	struct forward fw[RELAY_MAX_FORWARDS];
	size_t n;
	struct fsc_netstack *ns;
	struct relay *relays;
	uint64_t opened, failed;
};

void relay_set_init(struct relay_set *rs);
/* "PORT=HOST:HPORT" (in) or "LPORT=TADDR:TPORT" (out; TADDR may be
 * [IPv6]). False with a reason in err. */
bool relay_set_add(struct relay_set *rs, bool in, const char *spec, char *err, size_t errlen);
/* Listens (tunnel side through ns, kernel side on 127.0.0.1). */
bool relay_set_start(struct relay_set *rs, struct fsc_netstack *ns, char *err, size_t errlen);
size_t relay_set_pollfds(struct relay_set *rs, struct pollfd *pfd, size_t cap);
void relay_set_handle(struct relay_set *rs, const struct pollfd *pfd, size_t n);
void relay_set_free(struct relay_set *rs);

#endif
