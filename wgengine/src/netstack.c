/* netstack.c - lwIP on the engine's inner side, and the socketpair bridge
 * (netstack.h).
 *
 * Debian's liblwip is built with NO_SYS=0, but runs single-threaded without
 * tcpip_init (refpair.md §4.2): lwip_init(), a netif whose input is
 * ip_input, and sys_check_timeouts() from our loop. Never LOCK_TCPIP_CORE
 * (its mutex only exists after tcpip_init) and never PBUF_POOL (its pool
 * element is smaller than the headers claim): received packets are
 * PBUF_RAM. lwIP's LWIP_RAND is rand(), so we seed it.
 *
 * A connection moves bytes both ways with back-pressure:
 *   lwIP -> program: received pbufs wait in `pending` until send() to the
 *     socketpair takes them; tcp_recved() only for bytes taken, so the
 *     receive window closes while the program does not read.
 *   program -> lwIP: we read the socketpair only while the pcb has send
 *     buffer room, and only as much as that room; a tcp_write that still
 *     fails keeps the bytes in `stash` for the next round.
 */
#include "fsc/netstack.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#define IOBUF 65536
#define STASH 16384

struct conn {
	struct fsc_netstack *ns;
	struct tcp_pcb *pcb; /* NULL once lwIP freed it */
	int fd;		     /* our end; -1 when closed */
	struct pbuf *pending;
	uint8_t *stash;
	size_t stash_len;
	bool connected; /* a dial completed (accepted ones start so) */
	bool rx_fin;	/* the peer sent FIN */
	bool fd_shut;	/* ... and we passed it on with shutdown(SHUT_WR) */
	bool tx_fin;	/* the program shut its side; we sent FIN */
	bool dead;	/* to be reaped */
	bool abort;	/* to be aborted from the loop, not from a callback */
	struct conn *next;
};

struct listener {
	struct fsc_netstack *ns;
	struct tcp_pcb *pcb;
	fsc_netstack_accept_fn cb;
	void *user;
	struct listener *next;
};

struct fsc_netstack {
	struct fsc_wgengine *eng;
	struct netif nif;
	struct conn *conns;
	struct listener *listeners;
	uint8_t *obuf, *rbuf;
	struct fsc_netstack_stats st;
	u16_t mtu;
};

/* lwIP's state is global; so is the "already started" flag. */
static bool lwip_started;

/* ---- the netif: IP packets to and from the engine ------------------------ */

static err_t nif_out(struct netif *nif, struct pbuf *p)
{
	struct fsc_netstack *ns = nif->state;
	u16_t n = pbuf_copy_partial(p, ns->obuf, p->tot_len, 0);

	ns->st.packets_out++;
	fsc_wgengine_send(ns->eng, ns->obuf, n);
	return ERR_OK;
}

static err_t nif_out4(struct netif *nif, struct pbuf *p, const ip4_addr_t *dst)
{
	(void)dst;
	return nif_out(nif, p);
}

static err_t nif_out6(struct netif *nif, struct pbuf *p, const ip6_addr_t *dst)
{
	(void)dst;
	return nif_out(nif, p);
}

static err_t nif_init(struct netif *nif)
{
	nif->name[0] = 'w';
	nif->name[1] = 'g';
	nif->output = nif_out4;
	nif->output_ip6 = nif_out6;
	nif->flags = 0; /* point-to-point: no ARP, no neighbour discovery */
	/* Here, not after netif_add: netif_add copies it into the IPv6 MTU,
	 * and TCP over IPv6 takes its MSS from that. */
	nif->mtu = ((struct fsc_netstack *)nif->state)->mtu;
	return ERR_OK;
}

static void deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct fsc_netstack *ns = ctx;
	struct pbuf *p;

	if (len > 0xffff || !(p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM))) {
		ns->st.input_drops++;
		return;
	}
	pbuf_take(p, pkt, (u16_t)len);
	ns->st.packets_in++;
	if (ns->nif.input(p, &ns->nif) != ERR_OK) {
		pbuf_free(p);
		ns->st.input_drops++;
	}
}

/* ---- connections ---------------------------------------------------------- */

static void conn_detach(struct conn *c)
{
	if (c->pcb) {
		tcp_arg(c->pcb, NULL);
		tcp_recv(c->pcb, NULL);
		tcp_err(c->pcb, NULL);
		tcp_sent(c->pcb, NULL);
	}
}

static void on_err(void *arg, err_t err)
{
	struct conn *c = arg;

	(void)err;
	if (!c)
		return;
	c->pcb = NULL; /* lwIP has freed it */
	c->dead = true;
	c->ns->st.reset++;
}

/* Writes pending received bytes to the program; acknowledges what it took. */
static void drain(struct conn *c)
{
	while (c->pending && c->fd >= 0) {
		struct pbuf *q = c->pending;
		u16_t qlen = q->len;	/* q is freed below once all of it is sent */
		ssize_t n = send(c->fd, q->payload, qlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->abort = true; /* the program is gone */
			return;
		}
		c->pending = pbuf_free_header(c->pending, (u16_t)n);
		if (c->pcb)
			tcp_recved(c->pcb, (u16_t)n);
		if ((size_t)n < qlen)
			return;
	}
	if (!c->pending && c->rx_fin && !c->fd_shut && c->fd >= 0) {
		shutdown(c->fd, SHUT_WR);
		c->fd_shut = true;
	}
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct conn *c = arg;

	(void)pcb;
	if (!c) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p || err != ERR_OK) {
		if (p)
			pbuf_free(p);
		c->rx_fin = true;
	} else if (c->pending) {
		pbuf_cat(c->pending, p);
	} else {
		c->pending = p;
	}
	drain(c);
	return ERR_OK;
}

/* Moves program bytes into the pcb while it has room. */
static void fill(struct conn *c)
{
	struct fsc_netstack *ns = c->ns;

	while (c->pcb && c->connected && !c->tx_fin) {
		if (c->stash_len) {
			if (tcp_write(c->pcb, c->stash, (u16_t)c->stash_len, TCP_WRITE_FLAG_COPY) !=
			    ERR_OK)
				break;
			c->stash_len = 0;
			continue;
		}
		size_t room = tcp_sndbuf(c->pcb);
		if (room == 0 || tcp_sndqueuelen(c->pcb) + 4 >= TCP_SND_QUEUELEN)
			break;
		if (room > STASH)
			room = STASH;
		ssize_t n = recv(c->fd, ns->rbuf, room, MSG_DONTWAIT);
		if (n == 0) {
			tcp_shutdown(c->pcb, 0, 1);
			c->tx_fin = true;
			break;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				c->abort = true;
			break;
		}
		if (tcp_write(c->pcb, ns->rbuf, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
			if (!c->stash && !(c->stash = malloc(STASH))) {
				c->abort = true;
				break;
			}
			memcpy(c->stash, ns->rbuf, (size_t)n);
			c->stash_len = (size_t)n;
			break;
		}
	}
	if (c->pcb)
		tcp_output(c->pcb);
}

static struct conn *conn_new(struct fsc_netstack *ns, struct tcp_pcb *pcb, int *user_fd)
{
	int sv[2];
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(c);
		return NULL;
	}
	c->ns = ns;
	c->pcb = pcb;
	c->fd = sv[0];
	*user_fd = sv[1];
	tcp_arg(pcb, c);
	tcp_recv(pcb, on_recv);
	tcp_err(pcb, on_err);
	c->next = ns->conns;
	ns->conns = c;
	return c;
}

static void conn_free(struct conn *c)
{
	conn_detach(c);
	if (c->pcb) {
		if (c->abort || c->dead || tcp_close(c->pcb) != ERR_OK)
			tcp_abort(c->pcb);
		c->pcb = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->pending)
		pbuf_free(c->pending);
	free(c->stash);
	c->ns->st.closed++;
	free(c);
}

/* ---- listening and dialling ------------------------------------------------ */

static void addr_from_ip(const ip_addr_t *ip, struct fsc_addr *a)
{
	if (IP_IS_V6(ip))
		fsc_addr_set6(a, (const uint8_t *)ip_2_ip6(ip)->addr);
	else
		fsc_addr_set4(a, (const uint8_t *)&ip_2_ip4(ip)->addr);
}

static void ip_from_addr(const struct fsc_addr *a, ip_addr_t *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (a->family == 6) {
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V6);
		memcpy(ip_2_ip6(ip)->addr, a->b, 16);
	} else {
		IP_SET_TYPE_VAL(*ip, IPADDR_TYPE_V4);
		memcpy(&ip_2_ip4(ip)->addr, a->b, 4);
	}
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct listener *l = arg;
	struct fsc_addr ra, la;
	int ufd;

	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	if (!conn_new(l->ns, pcb, &ufd)) {
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	l->ns->conns->connected = true;
	l->ns->st.accepted++;
	addr_from_ip(&pcb->remote_ip, &ra);
	addr_from_ip(&pcb->local_ip, &la);
	l->cb(l->user, ufd, &ra, pcb->remote_port, &la, pcb->local_port);
	return ERR_OK;
}

bool fsc_netstack_listen(struct fsc_netstack *ns, const struct fsc_addr *addr, uint16_t port,
			 fsc_netstack_accept_fn cb, void *user, char *err, size_t errlen)
{
	struct listener *l = calloc(1, sizeof(*l));
	struct tcp_pcb *pcb, *lp;
	ip_addr_t ip;

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	pcb = tcp_new_ip_type(addr ? (addr->family == 6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4)
				   : IPADDR_TYPE_ANY);
	if (!pcb) {
		snprintf(err, errlen, "out of memory");
		free(l);
		return false;
	}
	if (addr)
		ip_from_addr(addr, &ip);
	if (tcp_bind(pcb, addr ? &ip : IP_ANY_TYPE, port) != ERR_OK) {
		snprintf(err, errlen, "port %u: already in use", port);
		tcp_close(pcb);
		free(l);
		return false;
	}
	if (!(lp = tcp_listen_with_backlog(pcb, 64))) {
		snprintf(err, errlen, "port %u: cannot listen", port);
		tcp_close(pcb);
		free(l);
		return false;
	}
	l->ns = ns;
	l->pcb = lp;
	l->cb = cb;
	l->user = user;
	tcp_arg(lp, l);
	tcp_accept(lp, on_accept);
	l->next = ns->listeners;
	ns->listeners = l;
	return true;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct conn *c = arg;

	(void)pcb;
	if (c && err == ERR_OK)
		c->connected = true;
	return ERR_OK;
}

int fsc_netstack_dial(struct fsc_netstack *ns, const struct fsc_addr *addr, uint16_t port,
		      char *err, size_t errlen)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(addr->family == 6 ? IPADDR_TYPE_V6 : IPADDR_TYPE_V4);
	struct conn *c;
	ip_addr_t ip;
	int ufd;

	if (!pcb || !(c = conn_new(ns, pcb, &ufd))) {
		snprintf(err, errlen, "out of memory or descriptors");
		if (pcb)
			tcp_abort(pcb);
		return -1;
	}
	ip_from_addr(addr, &ip);
	if (tcp_connect(pcb, &ip, port, on_connected) != ERR_OK) {
		snprintf(err, errlen, "no route to the address");
		c->abort = true; /* reaped by the loop; the program reads EOF */
	}
	ns->st.dialed++;
	return ufd;
}

/* ---- the loop ------------------------------------------------------------- */

size_t fsc_netstack_pollfds(struct fsc_netstack *ns, struct pollfd *pfd, size_t cap)
{
	size_t n = fsc_wgengine_pollfds(ns->eng, pfd, cap);

	for (struct conn *c = ns->conns; c && n < cap; c = c->next) {
		short ev = 0;

		if (c->fd < 0 || c->dead || c->abort)
			continue;
		if (c->pending)
			ev |= POLLOUT;
		if (c->pcb && c->connected && !c->tx_fin && !c->stash_len &&
		    tcp_sndbuf(c->pcb) > 0 && tcp_sndqueuelen(c->pcb) + 4 < TCP_SND_QUEUELEN)
			ev |= POLLIN;
		pfd[n].fd = c->fd;
		pfd[n].events = ev;
		pfd[n].revents = 0;
		n++;
	}
	return n;
}

int fsc_netstack_timeout_ms(struct fsc_netstack *ns)
{
	int e = fsc_wgengine_timeout_ms(ns->eng);
	u32_t l = sys_timeouts_sleeptime();

	/* Work left over (a stash, bytes lwIP could not take) retries soon. */
	for (struct conn *c = ns->conns; c; c = c->next)
		if (c->stash_len || c->dead || c->abort)
			l = l > 10 ? 10 : l;
	if (l == SYS_TIMEOUTS_SLEEPTIME_INFINITE)
		return e;
	if (l > 60000)
		l = 60000;
	return e < 0 || (int)l < e ? (int)l : e;
}

static const struct pollfd *find(const struct pollfd *pfd, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (pfd[i].fd == fd)
			return &pfd[i];
	return NULL;
}

void fsc_netstack_handle(struct fsc_netstack *ns, const struct pollfd *pfd, size_t n)
{
	struct conn **pp;

	fsc_wgengine_handle(ns->eng, pfd, n);
	for (struct conn *c = ns->conns; c; c = c->next) {
		const struct pollfd *p = c->fd >= 0 ? find(pfd, n, c->fd) : NULL;

		if (c->dead || c->abort)
			continue;
		if (c->pending)
			drain(c);
		if (p && (p->revents & (POLLIN | POLLHUP | POLLERR)))
			fill(c);
		else if (c->stash_len)
			fill(c);
	}
	sys_check_timeouts();
	/* Reap: aborted, reset, or done both ways. */
	for (pp = &ns->conns; *pp;) {
		struct conn *c = *pp;
		bool done = c->dead || c->abort ||
			    (c->tx_fin && c->fd_shut && !c->pending && !c->stash_len);
		if (!done) {
			pp = &c->next;
			continue;
		}
		*pp = c->next;
		conn_free(c);
	}
}

/* ---- setup ---------------------------------------------------------------- */

struct fsc_netstack *fsc_netstack_new(struct fsc_wgengine *eng, unsigned mtu, char *err,
				      size_t errlen)
{
	const struct fsc_wgconf *conf = fsc_wgengine_conf(eng);
	struct fsc_netstack *ns;
	ip4_addr_t a4, m4, gw;
	unsigned seed;
	bool have4 = false, have6 = false;

	if (lwip_started) {
		snprintf(err, errlen, "one userspace stack a process (lwIP keeps global state)");
		return NULL;
	}
	ns = calloc(1, sizeof(*ns));
	if (!ns || !(ns->obuf = malloc(IOBUF)) || !(ns->rbuf = malloc(IOBUF))) {
		snprintf(err, errlen, "out of memory");
		if (ns)
			free(ns->obuf);
		free(ns);
		return NULL;
	}
	ns->eng = eng;
	if (RAND_bytes((unsigned char *)&seed, sizeof(seed)) != 1)
		seed = (unsigned)getpid();
	srand(seed);
	lwip_init();
	lwip_started = true;

	ip4_addr_set_zero(&a4);
	ip4_addr_set_zero(&m4);
	ip4_addr_set_zero(&gw);
	for (size_t i = 0; i < conf->address_n && !have4; i++)
		if (conf->address[i].addr.family == 4) {
			uint32_t m = conf->address[i].len ? ~0u << (32 - conf->address[i].len) : 0;
			memcpy(&a4.addr, conf->address[i].addr.b, 4);
			m4.addr = lwip_htonl(m);
			have4 = true;
		}
	ns->mtu = (u16_t)(mtu ? mtu : 1420);
	netif_add(&ns->nif, &a4, &m4, &gw, ns, nif_init, ip_input);
	for (size_t i = 0; i < conf->address_n; i++) {
		ip6_addr_t a6;
		s8_t idx;
		if (conf->address[i].addr.family != 6)
			continue;
		memset(&a6, 0, sizeof(a6));
		memcpy(a6.addr, conf->address[i].addr.b, 16);
		if (netif_add_ip6_address(&ns->nif, &a6, &idx) == ERR_OK) {
			netif_ip6_addr_set_state(&ns->nif, idx, IP6_ADDR_PREFERRED);
			have6 = true;
		}
	}
	if (!have4 && !have6) {
		snprintf(err, errlen, "no Address in [Interface]: the stack needs one");
		netif_remove(&ns->nif);
		free(ns->obuf);
		free(ns->rbuf);
		free(ns);
		return NULL;
	}
	netif_set_default(&ns->nif);
	netif_set_link_up(&ns->nif);
	netif_set_up(&ns->nif);
	fsc_wgengine_set_inner(eng, deliver, ns);
	return ns;
}

void fsc_netstack_free(struct fsc_netstack *ns)
{
	if (!ns)
		return;
	while (ns->conns) {
		struct conn *c = ns->conns;
		ns->conns = c->next;
		c->abort = true;
		conn_free(c);
	}
	while (ns->listeners) {
		struct listener *l = ns->listeners;
		ns->listeners = l->next;
		tcp_arg(l->pcb, NULL);
		tcp_close(l->pcb);
		free(l);
	}
	fsc_wgengine_set_inner(ns->eng, NULL, NULL);
	netif_remove(&ns->nif);
	free(ns->obuf);
	free(ns->rbuf);
	free(ns);
	/* lwIP cannot be shut down and started again in one process. */
}

const struct fsc_netstack_stats *fsc_netstack_stats(const struct fsc_netstack *ns)
{
	return &ns->st;
}
