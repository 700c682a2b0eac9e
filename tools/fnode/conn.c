/* conn.c - a connection from the edge: its buffers, its two fds in the
 * poll loop, and conn_run(), which moves bytes until nothing moves and then
 * says which fds it waits on. The phases (peerapi.c, tls.c, proxy.c) only
 * ever touch the queues; all socket I/O is here. */
#include "fnode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flog.h"

#define RAW_CAP (64 * 1024)
#define PLAIN_CAP (64 * 1024)
#define OUT_HIGH (128 * 1024)	/* client-side bytes queued before we stop reading */

static void on_edge(void *ctx, int fd, short ev);
static void on_backend(void *ctx, int fd, short ev);

void conn_set_wait(struct conn *c, enum wait_kind w)
{
	c->wait = w;
	c->mark = fsc_now_ms();
}

void conn_accept(struct fnode *nd, int fd, const struct fsc_addr *peer, uint16_t peer_port)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c || !fsc_bq_init(&c->rin, RAW_CAP) || !fsc_bq_init(&c->rout, OUT_HIGH + RAW_CAP) ||
	    !fsc_bq_init(&c->cin, PLAIN_CAP) || !fsc_bq_init(&c->bin, PLAIN_CAP) ||
	    !fsc_bq_init(&c->bout, PLAIN_CAP + FSC_HTTP_HEAD_MAX)) {
		if (c) {
			fsc_bq_free(&c->rin);
			fsc_bq_free(&c->rout);
			fsc_bq_free(&c->cin);
			fsc_bq_free(&c->bin);
			free(c);
		}
		close(fd);
		return;
	}
	c->nd = nd;
	c->fd = fd;
	c->be = -1;
	c->file_fd = -1;
	c->peer = *peer;
	c->peer_port = peer_port;
	c->phase = PH_INGRESS;
	c->t_tunnel = fsc_wall_ns();
	struct fsc_tunstamp_conn tt;
	if (fsc_transport_conn_times(nd->tr, peer, peer_port, &tt) && tt.syn_wg) {
		c->t_tunnel = tt.syn_inner;
		c->t_tunnel_wg = tt.syn_wg;
	}
	fsc_sock_rx_stamps(fd);
	conn_set_wait(c, W_HEAD);
	c->next = nd->conns;
	if (nd->conns)
		nd->conns->prev = c;
	nd->conns = c;
	nd->n_conns++;
	nd->count.accepted++;
	fsc_loop_watch(nd->loop, fd, POLLIN, on_edge, c);
	conn_run(c);
}

void backend_close(struct conn *c)
{
	if (c->be < 0)
		return;
	fsc_loop_unwatch(c->nd->loop, c->be);
	close(c->be);
	c->be = -1;
	c->be_connecting = c->be_eof = c->be_wr_shut = false;
	c->bin.len = c->bin.off = 0;
	c->bout.len = c->bout.off = 0;
}

void conn_free(struct conn *c)
{
	struct fnode *nd = c->nd;

	http_log_unfinished(c);
	backend_close(c);
	if (c->file_fd >= 0)
		close(c->file_fd);
	fsc_loop_unwatch(nd->loop, c->fd);
	close(c->fd);
	if (c->ssl)
		SSL_free(c->ssl);	/* frees both BIOs */
	fsc_bq_free(&c->rin);
	fsc_bq_free(&c->rout);
	fsc_bq_free(&c->cin);
	fsc_bq_free(&c->bin);
	fsc_bq_free(&c->bout);
	if (c->prev)
		c->prev->next = c->next;
	else
		nd->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nd->n_conns--;
	free(c);
}

void conn_close_soon(struct conn *c)
{
	if (c->ssl && c->hs_done)
		tls_close_notify(c);
	c->close_after_flush = true;
	c->edge_eof = true;
}

size_t client_room(struct conn *c)
{
	size_t queued = c->rout.len + (c->wbio ? (size_t)BIO_ctrl_pending(c->wbio) : 0);

	return queued >= OUT_HIGH ? 0 : OUT_HIGH - queued;
}

/* Moves TLS output from the write BIO to rout. */
static void pump_wbio(struct conn *c)
{
	while (c->wbio && BIO_ctrl_pending(c->wbio) > 0) {
		size_t room = fsc_bq_room(&c->rout);
		int n;

		if (room == 0)
			return;
		n = BIO_read(c->wbio, fsc_bq_tail(&c->rout), room > 65536 ? 65536 : (int)room);
		if (n <= 0)
			return;
		c->rout.len += (size_t)n;
	}
}

bool client_write(struct conn *c, const void *p, size_t n)
{
	c->nd->count.bytes_out += n;
	if (!c->ssl)
		return fsc_bq_put(&c->rout, p, n);
	while (n > 0) {
		int w = SSL_write(c->ssl, p, n > 16384 ? 16384 : (int)n);

		if (w <= 0)
			return false;
		p = (const uint8_t *)p + w;
		n -= (size_t)w;
	}
	pump_wbio(c);
	return true;
}

/* The --backend-pool: as Go's http.Transport under tailscaled's serve
 * proxy, an idle backend connection goes to whichever client connection
 * next sends a request to its backend (the one idle last first), so one
 * backend connection carries many clients' requests in turn. */
void backend_release(struct conn *c)
{
	struct fnode *nd = c->nd;

	if (!nd->o.backend_pool || c->be < 0)
		return; /* kept on c */
	if (c->head_stamp_wait || nd->n_pool == nd->o.backend_pool) {
		backend_close(c);
		return;
	}
	fsc_loop_unwatch(nd->loop, c->be);
	struct fnode_idle_backend *b = &nd->pool[nd->n_pool++];
	b->fd = c->be;
	b->sent = c->be_sent;
	snprintf(b->addr, sizeof(b->addr), "%s", c->be_addr);
	c->be = -1;
	c->be_keep = false;
}

/* An idle pooled connection to addr still open (the backend may have
 * closed it meanwhile: those are closed), taken by c. */
static bool pool_take(struct conn *c, const char *addr)
{
	struct fnode *nd = c->nd;
	char b1;

	for (size_t i = nd->n_pool; i-- > 0;) {
		struct fnode_idle_backend b = nd->pool[i];
		if (strcmp(b.addr, addr) != 0)
			continue;
		memmove(&nd->pool[i], &nd->pool[i + 1], (nd->n_pool - i - 1) * sizeof(b));
		nd->n_pool--;
		if (recv(b.fd, &b1, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 ||
		    (errno != EAGAIN && errno != EWOULDBLOCK)) {
			close(b.fd); /* closed, or bytes nobody asked for */
			continue;
		}
		c->be = b.fd;
		c->be_sent = b.sent;
		c->be_connecting = false;
		c->be_keep = false;
		c->head_stamp_wait = false;
		fsc_loop_watch(nd->loop, c->be, POLLOUT, on_backend, c);
		return true;
	}
	return false;
}

void backend_pool_close(struct fnode *nd)
{
	while (nd->n_pool)
		close(nd->pool[--nd->n_pool].fd);
	free(nd->pool);
	nd->pool = NULL;
}

bool backend_start(struct conn *c, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (c->be >= 0 && c->be_keep && strcmp(c->be_addr, addr) == 0 && !c->be_eof)
		return true;	/* reuse the kept-alive connection */
	backend_close(c);
	snprintf(c->be_addr, sizeof(c->be_addr), "%s", addr);
	if (pool_take(c, addr))
		return true;
	if (!fsc_sockaddr_parse(addr, &ss, &len))
		return false;
	c->be = fsc_tcp_connect(&ss, len);
	if (c->be < 0)
		return false;
	c->be_connecting = true;
	c->be_keep = false;
	fsc_sock_rx_stamps(c->be);
	fsc_sock_tx_stamps(c->be);
	c->be_sent = 0;
	c->head_stamp_wait = false;
	fsc_loop_watch(c->nd->loop, c->be, POLLOUT, on_backend, c);
	return true;
}

/* Raw bytes in from the edge: into rin before TLS (and for plain TCP
 * forwarding: straight into cin), into the TLS read BIO after. */
static bool edge_read(struct conn *c)
{
	struct fsc_bq *q;
	ssize_t r;

	if (c->edge_eof || c->close_after_flush)
		return false;
	if (c->phase == PH_INGRESS)
		q = &c->rin;
	else if (!c->ssl)
		q = &c->cin;
	else {
		uint8_t tmp[16384];

		if (BIO_ctrl_pending(c->rbio) >= RAW_CAP || fsc_bq_room(&c->cin) == 0)
			return false;
		int64_t t = fsc_wall_ns();	/* unless the kernel says when */

		r = fsc_read_stamped(c->fd, tmp, sizeof(tmp), &t);
		if (r > 0) {
			c->t_edge_read = t;
			BIO_write(c->rbio, tmp, (int)r);
			c->nd->count.bytes_in += (uint64_t)r;
			return true;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			c->edge_eof = true;
		return r == 0;
	}
	int64_t t = fsc_wall_ns();

	r = fsc_bq_read_stamped(q, c->fd, &t);
	if (r > 0) {
		c->t_edge_read = t;
		c->nd->count.bytes_in += (uint64_t)r;
		return true;
	}
	if (r == 0 || r == -2) {
		c->edge_eof = true;
		return true;
	}
	return false;
}

static bool edge_flush(struct conn *c)
{
	bool moved = false;

	pump_wbio(c);
	while (c->rout.len > 0) {
		ssize_t r = fsc_bq_write(&c->rout, c->fd);

		if (r == -2) {
			c->dead = true;
			return true;
		}
		if (r <= 0)
			break;
		moved = true;
		pump_wbio(c);
	}
	return moved;
}

/* The backend's transmit times: the head's is the request's moment (the
 * one a capture on lo shows); the others are only emptied out. */
static void tx_stamps(struct conn *c)
{
	int64_t tx = 0;

	if (fsc_sock_tx_stamps_read(c->be, c->head_stamp_wait, c->head_id, &tx)) {
		c->t_request = tx;
		c->head_stamp_wait = false;
	}
}

static bool backend_io(struct conn *c)
{
	bool moved = false;
	ssize_t r;

	if (c->be < 0 || c->be_connecting)
		return false;
	while (c->bout.len > 0) {
		r = fsc_bq_write(&c->bout, c->be);
		if (r == -2) {
			c->be_eof = true;
			c->bout.len = 0;
			return true;
		}
		if (r <= 0)
			break;
		c->be_sent += (uint32_t)r;
		if (c->head_unsent) {
			c->t_request = fsc_wall_ns();	/* unless the kernel says when */
			c->head_unsent = false;
		}
		moved = true;
	}
	if (c->head_stamp_wait)
		tx_stamps(c);
	if (!c->be_eof && fsc_bq_room(&c->bin) > 0) {
		int64_t t = fsc_wall_ns();
		/* A response's first read: also its first segment's time, for
		 * a head read with body bytes behind it (proxy.c) */
		c->t_be_head = 0;
		if (c->rs == RS_HEAD && c->bin.len == 0)
			fsc_peek_stamped(c->be, &c->t_be_head);
		r = fsc_bq_read_stamped(&c->bin, c->be, &t);
		if (r > 0) {
			c->t_be_read = t;
			moved = true;
		} else if (r == 0 || r == -2) {
			c->be_eof = true;
			moved = true;
		}
	}
	return moved;
}

/* more: conn_run stopped at its round cap with work left; asking for
 * POLLOUT on the edge socket (writable at once) brings it back after the
 * other connections had their turn. */
static void set_events(struct conn *c, bool more)
{
	short ev = 0;
	bool out = more || c->rout.len > 0 || (c->wbio && BIO_ctrl_pending(c->wbio) > 0);

	if (!c->edge_eof && !c->close_after_flush && client_room(c) > 0 &&
	    fsc_bq_room(&c->cin) > 0 && fsc_bq_room(&c->rin) > 0)
		ev |= POLLIN;
	if (out)
		ev |= POLLOUT;
	fsc_loop_events(c->nd->loop, c->fd, ev);
	if (c->be >= 0) {
		ev = 0;
		if (c->be_connecting || c->bout.len > 0)
			ev |= POLLOUT;
		if (!c->be_connecting && !c->be_eof && fsc_bq_room(&c->bin) > 0)
			ev |= POLLIN;
		fsc_loop_events(c->nd->loop, c->be, ev);
	}
}

#define ROUNDS 64	/* a busy connection yields to the others after this */

void conn_run(struct conn *c)
{
	bool p = false;
	int i;

	for (i = 0; i < ROUNDS && !c->dead; i++) {
		p = false;

		p |= edge_read(c);
		switch (c->phase) {
		case PH_INGRESS:
			p |= peerapi_step(c);
			break;
		case PH_TLS:
			p |= tls_step(c);
			break;
		case PH_HTTP:
			if (c->ssl)
				p |= tls_step(c);
			p |= http_step(c);
			break;
		case PH_TCP:
			if (c->ssl)
				p |= tls_step(c);
			p |= tcp_step(c);
			break;
		}
		p |= backend_io(c);
		p |= edge_flush(c);
		if (!p)
			break;
	}
	if (c->close_after_flush && c->rout.len == 0 &&
	    !(c->wbio && BIO_ctrl_pending(c->wbio) > 0))
		c->dead = true;
	if (c->dead) {
		conn_free(c);
		return;
	}
	set_events(c, p && i == ROUNDS);
}

static void on_edge(void *ctx, int fd, short ev)
{
	struct conn *c = ctx;

	(void)fd;
	if ((ev & (POLLERR | POLLNVAL)) && !(ev & POLLIN))
		c->dead = true;
	conn_run(c);
}

static void on_backend(void *ctx, int fd, short ev)
{
	struct conn *c = ctx;

	if ((ev & POLLERR) && !c->be_connecting)	/* transmit times waiting */
		tx_stamps(c);
	if (c->be_connecting) {
		int e = fsc_tcp_connect_result(fd);

		if (e == EINPROGRESS)
			return;
		c->be_connecting = false;
		if (e != 0) {
			struct fsc_line l;

			fsc_line_begin(&l, "upstream-error");
			fsc_line_ep(&l, "client", &c->client, c->client_port);
			fsc_line_cstr(&l, "backend", c->be_addr);
			fsc_line_cstr(&l, "reason", strerror(e));
			fsc_line_end(&l);
			backend_close(c);
			c->nd->count.upstream_errors++;
			if (c->phase == PH_HTTP)
				http_send_error(c, 502, "Bad Gateway", "");
			else
				conn_close_soon(c);
		}
	}
	conn_run(c);
}

void conn_tick(struct fnode *nd, uint64_t now)
{
	struct conn *c = nd->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (c->wait == W_NONE || now - c->mark < fnode_timeout(nd, c->wait))
			continue;
		if (c->phase == PH_HTTP) {
			http_timeout(c);
			conn_run(c);
		} else {
			struct fsc_line l;

			fsc_line_begin(&l, c->phase == PH_INGRESS ? "ingress-timeout" : "timeout");
			fsc_line_ep(&l, "peer", &c->peer, c->peer_port);
			fsc_line_cstr(&l, "phase", c->phase == PH_TLS ? "tls" :
					  c->phase == PH_TCP ? "tcp" : "ingress");
			fsc_line_end(&l);
			conn_free(c);
		}
	}
}
