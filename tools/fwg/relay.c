/* relay.c - byte relays for fwg --forward-in / --forward-out (relay.h).
 * Each relay copies both ways through a 64 KiB buffer a direction, with
 * half-close passed on (EOF on one side becomes shutdown(SHUT_WR) on the
 * other once the buffer is empty). */
#define _GNU_SOURCE /* accept4 */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fsc/num.h"
#include "fsc/wgconf.h"

#define RBUF 65536

void relay_set_init(struct relay_set *rs)
{
	memset(rs, 0, sizeof(*rs));
}

bool relay_set_add(struct relay_set *rs, bool in, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	struct forward *f;
	uint64_t port;

	if (rs->n == RELAY_MAX_FORWARDS) {
		snprintf(err, errlen, "more than %d forwards", RELAY_MAX_FORWARDS);
		return false;
	}
	f = &rs->fw[rs->n];
	if (!eq || fsc_num_parse_n(spec, (size_t)(eq - spec), 1, 65535, &port) != FSC_NUM_OK) {
		snprintf(err, errlen, "expected PORT=ADDRESS:PORT (port 1 to 65535)");
		return false;
	}
	if (!fsc_wgconf_endpoint_parse(eq + 1, strlen(eq + 1), &f->to, &f->to_port) ||
	    f->to_port == 0) {
		snprintf(err, errlen, "'%s' is not ADDRESS:PORT or [IPv6]:PORT", eq + 1);
		return false;
	}
	f->in = in;
	f->port = (uint16_t)port;
	f->lfd = -1;
	f->set = rs;
	rs->n++;
	return true;
}

static struct relay *relay_new(struct relay_set *rs, int a, int b, bool connecting)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r || !(r->ab.buf = malloc(RBUF)) || !(r->ba.buf = malloc(RBUF))) {
		if (r)
			free(r->ab.buf);
		free(r);
		close(a);
		close(b);
		rs->failed++;
		return NULL;
	}
	fcntl(a, F_SETFL, fcntl(a, F_GETFL) | O_NONBLOCK);
	fcntl(b, F_SETFL, fcntl(b, F_GETFL) | O_NONBLOCK);
	r->a = a;
	r->b = b;
	r->b_connecting = connecting;
	r->next = rs->relays;
	rs->relays = r;
	rs->opened++;
	return r;
}

/* Kernel TCP to the forward's target, non-blocking. */
static int kernel_connect(const struct fsc_addr *to, uint16_t port, bool *connecting)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (to->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, to->b, 4);
		sl = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, to->b, 16);
		sl = sizeof(*s6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0) {
		*connecting = false;
		return fd;
	}
	if (errno == EINPROGRESS) {
		*connecting = true;
		return fd;
	}
	close(fd);
	return -1;
}

static void on_tunnel_accept(void *user, int fd, const struct fsc_addr *remote,
			     uint16_t remote_port, const struct fsc_addr *local,
			     uint16_t local_port)
{
	struct forward *f = user;
	bool connecting;
	int b;

	(void)remote, (void)remote_port, (void)local, (void)local_port;
	b = kernel_connect(&f->to, f->to_port, &connecting);
	if (b < 0) {
		close(fd);
		f->set->failed++;
		return;
	}
	relay_new(f->set, fd, b, connecting);
}

bool relay_set_start(struct relay_set *rs, struct fsc_netstack *ns, char *err, size_t errlen)
{
	rs->ns = ns;
	for (size_t i = 0; i < rs->n; i++) {
		struct forward *f = &rs->fw[i];
		if (f->in) {
			if (!fsc_netstack_listen(ns, NULL, f->port, on_tunnel_accept, f, err, errlen))
				return false;
			continue;
		}
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(f->port) };
		int one = 1;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->lfd < 0 ||
		    setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    listen(f->lfd, 64) != 0) {
			snprintf(err, errlen, "127.0.0.1:%u: %s", f->port, strerror(errno));
			return false;
		}
	}
	return true;
}

size_t relay_set_pollfds(struct relay_set *rs, struct pollfd *pfd, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n && n < cap; i++)
		if (rs->fw[i].lfd >= 0) {
			pfd[n].fd = rs->fw[i].lfd;
			pfd[n].events = POLLIN;
			pfd[n++].revents = 0;
		}
	for (struct relay *r = rs->relays; r && n + 2 <= cap; r = r->next) {
		short ea = 0, eb = 0;
		if (r->dead)
			continue;
		if (r->b_connecting) {
			eb = POLLOUT;
		} else {
			if (!r->ab.eof && r->ab.len < RBUF)
				ea |= POLLIN;
			if (!r->ba.eof && r->ba.len < RBUF)
				eb |= POLLIN;
			if (r->ab.len > r->ab.off)
				eb |= POLLOUT;
			if (r->ba.len > r->ba.off)
				ea |= POLLOUT;
		}
		pfd[n].fd = r->a;
		pfd[n].events = ea;
		pfd[n++].revents = 0;
		pfd[n].fd = r->b;
		pfd[n].events = eb;
		pfd[n++].revents = 0;
	}
	return n;
}

static short revents_of(const struct pollfd *pfd, size_t n, int fd)
{
	for (size_t i = 0; i < n; i++)
		if (pfd[i].fd == fd)
			return pfd[i].revents;
	return 0;
}

/* One direction: read from `from` into h, write h to `to`. False on a hard
 * error (the relay dies). */
static bool pump(struct pipe_half *h, int from, int to, short rev_from)
{
	if (!h->eof && h->len < RBUF && (rev_from & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = recv(from, h->buf + h->len, RBUF - h->len, MSG_DONTWAIT);
		if (n == 0)
			h->eof = true;
		else if (n > 0)
			h->len += (size_t)n;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			return false;
	}
	while (h->off < h->len) {
		ssize_t n = send(to, h->buf + h->off, h->len - h->off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return false;
		}
		h->off += (size_t)n;
	}
	if (h->off == h->len)
		h->off = h->len = 0;
	if (h->eof && !h->len && !h->shut) {
		shutdown(to, SHUT_WR);
		h->shut = true;
	}
	return true;
}

void relay_set_handle(struct relay_set *rs, const struct pollfd *pfd, size_t n)
{
	struct relay **pp;

	for (size_t i = 0; i < rs->n; i++) {
		struct forward *f = &rs->fw[i];
		char err[128];
		int k, t;

		if (f->lfd < 0 || !(revents_of(pfd, n, f->lfd) & POLLIN))
			continue;
		while ((k = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			t = fsc_netstack_dial(rs->ns, &f->to, f->to_port, err, sizeof(err));
			if (t < 0) {
				close(k);
				rs->failed++;
				continue;
			}
			relay_new(rs, t, k, false);
		}
	}
	for (struct relay *r = rs->relays; r; r = r->next) {
		short ra = revents_of(pfd, n, r->a), rb = revents_of(pfd, n, r->b);
		if (r->dead)
			continue;
		if (r->b_connecting) {
			int e = 0;
			socklen_t sl = sizeof(e);
			if (!(rb & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			getsockopt(r->b, SOL_SOCKET, SO_ERROR, &e, &sl);
			if (e) {
				r->dead = true;
				rs->failed++;
				continue;
			}
			r->b_connecting = false;
			rb = 0;
		}
		if (!pump(&r->ab, r->a, r->b, ra) || !pump(&r->ba, r->b, r->a, rb))
			r->dead = true;
		if (r->ab.shut && r->ba.shut)
			r->dead = true;
	}
	for (pp = &rs->relays; *pp;) {
		struct relay *r = *pp;
		if (!r->dead) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		close(r->a);
		close(r->b);
		free(r->ab.buf);
		free(r->ba.buf);
		free(r);
	}
}

void relay_set_free(struct relay_set *rs)
{
	for (struct relay *r = rs->relays; r; r = r->next)
		r->dead = true;
	relay_set_handle(rs, NULL, 0);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->fw[i].lfd >= 0)
			close(rs->fw[i].lfd);
	relay_set_init(rs);
}
