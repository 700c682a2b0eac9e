/* edge.c - one public connection through the edge:
 *
 *   [PROXY header] -> HELLO -> DIAL -> ANSWER -> SPLICE
 *
 * HELLO feeds libdecode's TLS reassembler as bytes arrive (any record and
 * segment split) until a whole ClientHello is in, bounded in bytes
 * (--hello-max) and time (--hello-timeout); nothing is sent anywhere before
 * the SNI has a route. ANSWER waits for the node's status line: only after
 * a 101 do the buffered ClientHello bytes go to the node (tailscaled drops
 * bytes pipelined behind the request). Every end is one log line with its
 * outcome. */
#include "fedge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flog.h"
#include "fsc/http.h"
#include "fsc/ingress.h"
#include "fsc/proxyproto.h"

#define SPLICE_CAP (64 * 1024)
#define ANSWER_MAX 8192
#define BUCKETS 4096

const char *const fedge_outcome_names[OUT_COUNT] = {
	[OUT_PROXIED] = "proxied",
	[OUT_NOT_TLS] = "not-tls",
	[OUT_BAD_HELLO] = "bad-hello",
	[OUT_NO_SNI] = "no-sni",
	[OUT_UNKNOWN_SNI] = "unknown-sni",
	[OUT_HELLO_TIMEOUT] = "hello-timeout",
	[OUT_HELLO_TOO_LARGE] = "hello-too-large",
	[OUT_CLIENT_GONE] = "client-gone",
	[OUT_NODE_UNREACHABLE] = "node-unreachable",
	[OUT_NODE_REFUSED] = "node-refused",
	[OUT_NODE_TIMEOUT] = "node-timeout",
	[OUT_BAD_PROXY_HEADER] = "bad-proxy-header",
	[OUT_RATE_LIMITED] = "rate-limited",
	[OUT_CONN_LIMIT] = "conn-limit",
	[OUT_IDLE_TIMEOUT] = "idle-timeout",
};

/* TLS alert descriptions (RFC 8446 §6). */
enum { AL_ACCESS_DENIED = 49, AL_DECODE_ERROR = 50, AL_INTERNAL_ERROR = 80,
       AL_UNRECOGNIZED_NAME = 112 };

enum ephase { E_PROXY, E_HELLO, E_DIAL, E_ANSWER, E_SPLICE, E_CLOSING };

struct econn {
	struct fedge *e;
	struct econn *next, *prev;
	int cfd, nfd;
	enum ephase phase;
	struct fsc_addr client;
	uint16_t client_port, public_port;
	uint64_t t0, mark;
	int64_t t_edge;			/* the log's t_edge: the kernel's receive
					 * time of the read that completed the
					 * ClientHello (else: accepted) */
	struct fsc_bq hello;		/* every client byte before the 101 */
	size_t fed;			/* of those, fed to the reassembler */
	struct fsc_tls_reasm reasm;
	uint8_t hs[FSC_TLS_HS_MAX];
	char sni[256];
	const struct route *route;
	struct fsc_bq up, down;
	bool c_eof, n_eof, n_shut, c_shut;
	const char *broken;		/* a write failed: which side is gone */
	bool done;
	char why[256];
	uint64_t bytes_up, bytes_down;
};

struct bucket {
	struct fsc_addr a;
	double tokens;
	uint64_t t;
};

static void on_client(void *ctx, int fd, short ev);
static void on_node(void *ctx, int fd, short ev);
static void run(struct econn *c);

bool edge_rate_ok(struct fedge *e, const struct fsc_addr *src, uint64_t now)
{
	struct bucket *b;
	double burst = e->o.burst ? e->o.burst : e->o.rate;

	if (e->o.rate == 0)
		return true;
	if (!e->buckets && !(e->buckets = calloc(BUCKETS, sizeof(*e->buckets))))
		return true;
	b = &e->buckets[fsc_addr_hash(src, 0x5eed) % BUCKETS];
	if (!fsc_addr_eq(&b->a, src)) {	/* a new source takes the slot */
		b->a = *src;
		b->tokens = burst;
		b->t = now;
	}
	b->tokens += (double)(now - b->t) * e->o.rate / 1000.0;
	if (b->tokens > burst)
		b->tokens = burst;
	b->t = now;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

static void log_end(struct econn *c, enum outcome o)
{
	struct fsc_line l;

	fsc_line_begin(&l, "conn");
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
	fsc_line_cstr(&l, "node", c->route ? c->route->node : NULL);
	fsc_line_cstr(&l, "outcome", fedge_outcome_names[o]);
	if (c->why[0])
		fsc_line_cstr(&l, "reason", c->why);
	fsc_line_u64(&l, "up", c->bytes_up);
	fsc_line_u64(&l, "down", c->bytes_down);
	fsc_line_u64(&l, "ms", fsc_now_ms() - c->t0);
	fsc_line_time(&l, "t_edge", c->t_edge);
	fsc_line_end(&l);
	fedge_metrics_conn(c->e, c->sni, o);
}

void edge_free(struct econn *c)
{
	struct fedge *e = c->e;

	fsc_loop_unwatch(e->loop, c->cfd);
	close(c->cfd);
	if (c->nfd >= 0) {
		fsc_loop_unwatch(e->loop, c->nfd);
		close(c->nfd);
	}
	fsc_bq_free(&c->hello);
	fsc_bq_free(&c->up);
	fsc_bq_free(&c->down);
	if (c->prev)
		c->prev->next = c->next;
	else
		e->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	e->n_conns--;
	free(c);
}

/* Ends the connection with an outcome; a TLS alert first when given
 * (alert < 0: none). Bytes queued for the client are still sent. */
static void finish(struct econn *c, enum outcome o, int alert, const char *why)
{
	if (c->done)
		return;
	if (why)
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->e->outcomes[o]++;
	log_end(c, o);
	c->done = true;
	if (alert >= 0) {
		uint8_t rec[7] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, (uint8_t)alert };

		c->down.len = c->down.off = 0;
		fsc_bq_put(&c->down, rec, sizeof(rec));
	}
	if (c->nfd >= 0) {
		fsc_loop_unwatch(c->e->loop, c->nfd);
		close(c->nfd);
		c->nfd = -1;
	}
	c->phase = E_CLOSING;
	c->mark = fsc_now_ms();
}

void edge_accept(struct fedge *e, int fd, const struct sockaddr_storage *peer,
		 uint16_t public_port)
{
	struct econn *c = calloc(1, sizeof(*c));

	if (!c || !fsc_bq_init(&c->hello, e->o.hello_max) || !fsc_bq_init(&c->up, SPLICE_CAP) ||
	    !fsc_bq_init(&c->down, SPLICE_CAP)) {
		if (c) {
			fsc_bq_free(&c->hello);
			fsc_bq_free(&c->up);
			free(c);
		}
		close(fd);
		return;
	}
	c->e = e;
	c->cfd = fd;
	c->nfd = -1;
	c->public_port = public_port;
	c->t0 = c->mark = fsc_now_ms();
	c->t_edge = fsc_wall_ns();
	fsc_sock_rx_stamps(fd);
	fsc_sockaddr_split(peer, &c->client, &c->client_port);
	fsc_tls_reasm_init(&c->reasm, c->hs, sizeof(c->hs));
	c->phase = e->o.accept_proxy ? E_PROXY : E_HELLO;
	c->next = e->conns;
	if (e->conns)
		e->conns->prev = c;
	e->conns = c;
	e->n_conns++;
	e->accepted++;
	fsc_loop_watch(e->loop, fd, POLLIN, on_client, c);
	if (e->n_conns > e->o.max_conns) {
		finish(c, OUT_CONN_LIMIT, -1, "too many connections");
	} else if (!e->o.accept_proxy && !edge_rate_ok(e, &c->client, c->t0)) {
		finish(c, OUT_RATE_LIMITED, -1, "new connections from this source over --rate");
	}
	run(c);
}

static const struct route *find_route(const struct fedge *e, const char *sni, size_t len)
{
	const struct route *wild = NULL;
	size_t i, wl = 0;

	for (i = 0; i < e->o.n_routes; i++) {
		const struct route *r = &e->o.routes[i];
		size_t n = strlen(r->name);

		if (!r->wildcard) {
			if (n == len && strncasecmp(r->name, sni, len) == 0)
				return r;
		} else if (len > n && strncasecmp(sni + len - n, r->name, n) == 0 &&
			   !memchr(sni, '.', len - n) && n > wl) {
			wild = r;	/* one label only, as a certificate wildcard */
			wl = n;
		}
	}
	return wild;
}

static void start_dial(struct econn *c)
{
	char req[1024], target[300], host[96];
	size_t n;

	c->nfd = fsc_transport_dial(c->e->tr, &c->route->ss, c->route->len);
	if (c->nfd < 0) {
		finish(c, OUT_NODE_UNREACHABLE, AL_INTERNAL_ERROR, strerror(errno));
		return;
	}
	snprintf(target, sizeof(target), "%s:%u", c->sni, c->public_port);
	snprintf(host, sizeof(host), "%s", c->e->o.host_peer ? "peer" : c->route->node);
	n = fsc_ingress_write_request(host, &c->client, c->client_port, target, req, sizeof(req));
	if (n >= sizeof(req)) {
		finish(c, OUT_BAD_HELLO, AL_UNRECOGNIZED_NAME, "SNI too long");
		return;
	}
	fsc_bq_put(&c->up, req, n);
	fedge_metrics_client(c->e, &c->client);
	fsc_loop_watch(c->e->loop, c->nfd, POLLOUT, on_node, c);
	c->phase = E_DIAL;
	c->mark = fsc_now_ms();
}

/* A request-looking start on the TLS port: say so in HTTP, as nginx does. */
static bool looks_http(const uint8_t *p, size_t len)
{
	static const char *const m[] = { "GET ", "POST ", "HEAD ", "PUT ", "OPTIONS ",
					 "DELETE ", "PATCH ", "CONNECT ", "PRI ", NULL };
	size_t i;

	for (i = 0; m[i]; i++) {
		size_t n = strlen(m[i]);

		if (memcmp(p, m[i], len < n ? len : n) == 0 && len >= 3)
			return true;
	}
	return false;
}

static void hello_step(struct econn *c)
{
	struct fsc_tls_client_hello *ch;
	enum fsc_status st = FSC_TRUNCATED;
	const char *why = NULL;

	while (c->fed < c->hello.len) {
		size_t used = 0;

		st = fsc_tls_reasm_feed(&c->reasm, fsc_bq_data(&c->hello) + c->fed,
					c->hello.len - c->fed, &used, &why);
		c->fed += used;
		if (st != FSC_OK || c->reasm.msg_type == FSC_TLS_HS_CLIENT_HELLO)
			break;
	}
	if (st == FSC_TRUNCATED) {
		if (c->c_eof)
			finish(c, OUT_CLIENT_GONE, -1, "client closed before a whole ClientHello");
		else if (fsc_bq_room(&c->hello) == 0)
			finish(c, OUT_HELLO_TOO_LARGE, AL_DECODE_ERROR,
			       "ClientHello larger than --hello-max");
		return;
	}
	if (st == FSC_NOT_THIS) {
		if (looks_http(fsc_bq_data(&c->hello), c->hello.len)) {
			static const char ans[] =
				"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
				"Connection: close\r\nContent-Length: 39\r\n\r\n"
				"plain HTTP request sent to a TLS port\r\n";

			finish(c, OUT_NOT_TLS, -1, "plain HTTP on the TLS port");
			fsc_bq_put(&c->down, ans, sizeof(ans) - 1);
		} else {
			finish(c, OUT_NOT_TLS, -1, why ? why : "not a TLS handshake");
		}
		return;
	}
	if (st != FSC_OK || c->reasm.msg_type != FSC_TLS_HS_CLIENT_HELLO) {
		finish(c, OUT_BAD_HELLO, AL_DECODE_ERROR, why ? why : "first message not a ClientHello");
		return;
	}
	ch = malloc(sizeof(*ch));
	if (!ch) {
		finish(c, OUT_BAD_HELLO, AL_INTERNAL_ERROR, "out of memory");
		return;
	}
	st = fsc_tls_client_hello_parse(c->reasm.msg, c->reasm.msg_len, ch, &why);
	if (st != FSC_OK) {
		free(ch);
		finish(c, OUT_BAD_HELLO, AL_DECODE_ERROR, why);
		return;
	}
	if (!ch->has_sni || ch->sni.len == 0) {
		free(ch);
		finish(c, OUT_NO_SNI, AL_UNRECOGNIZED_NAME, "ClientHello without server_name");
		return;
	}
	if (ch->sni.len >= sizeof(c->sni) || memchr(ch->sni.p, '\0', ch->sni.len)) {
		free(ch);
		finish(c, OUT_BAD_HELLO, AL_UNRECOGNIZED_NAME, "server_name unusable");
		return;
	}
	memcpy(c->sni, ch->sni.p, ch->sni.len);
	c->sni[ch->sni.len] = '\0';
	free(ch);
	c->route = find_route(c->e, c->sni, strlen(c->sni));
	if (!c->route) {
		finish(c, OUT_UNKNOWN_SNI, AL_UNRECOGNIZED_NAME, "no route for this server_name");
		return;
	}
	start_dial(c);
}

static void proxy_step(struct econn *c)
{
	struct fsc_proxy_header h;
	const char *why = NULL;
	enum fsc_status st = fsc_proxy_parse(fsc_bq_data(&c->hello), c->hello.len, &h, &why);

	if (st == FSC_TRUNCATED) {
		if (c->c_eof || fsc_bq_room(&c->hello) == 0)
			finish(c, OUT_BAD_PROXY_HEADER, -1, "PROXY header cut");
		return;
	}
	if (st != FSC_OK) {
		finish(c, OUT_BAD_PROXY_HEADER, -1, why);
		return;
	}
	if (!h.local && h.src.family) {
		c->client = h.src;
		c->client_port = h.src_port;
	}
	fsc_bq_drop(&c->hello, h.len);
	c->phase = E_HELLO;
	if (!edge_rate_ok(c->e, &c->client, fsc_now_ms()))
		finish(c, OUT_RATE_LIMITED, -1, "new connections from this source over --rate");
}

static void answer_step(struct econn *c)
{
	struct fsc_http_header hdrs[32];
	struct fsc_http_head h;
	struct fsc_http_info in;
	const char *why = NULL;
	enum fsc_status st;
	char buf[600];
	size_t body;

	fsc_http_head_init(&h, hdrs, 32, ANSWER_MAX);
	st = fsc_http_parse_response(fsc_bq_data(&c->down), c->down.len, 0, &h, &why);
	if (st == FSC_TRUNCATED && !c->n_eof)
		return;
	if (st != FSC_OK) {
		finish(c, OUT_NODE_REFUSED, AL_INTERNAL_ERROR,
		       st == FSC_TRUNCATED ? "node closed before answering" : why);
		return;
	}
	if (h.status == 101) {
		fsc_bq_drop(&c->down, h.head_len);
		/* now, and only now, the ClientHello and what followed it */
		if (!fsc_bq_put(&c->up, fsc_bq_data(&c->hello), c->hello.len)) {
			finish(c, OUT_HELLO_TOO_LARGE, AL_INTERNAL_ERROR,
			       "ClientHello does not fit the queue to the node");
			return;
		}
		c->hello.len = 0;
		c->phase = E_SPLICE;
		c->mark = fsc_now_ms();
		c->e->outcomes[OUT_PROXIED]++;
		return;
	}
	/* refused: wait for (a bounded part of) the body, then log it */
	body = c->down.len - h.head_len;
	if (fsc_http_info(&h, &in, &why) == FSC_OK && in.has_content_length &&
	    body < in.content_length && body < 512 && !c->n_eof)
		return;
	snprintf(buf, sizeof(buf), "node answered %d: %.*s", h.status,
		 (int)(body < 512 ? body : 512), (const char *)fsc_bq_data(&c->down) + h.head_len);
	finish(c, OUT_NODE_REFUSED, h.status == 403 ? AL_ACCESS_DENIED : AL_INTERNAL_ERROR, buf);
}

static bool client_io(struct econn *c)
{
	bool moved = false;
	ssize_t r;

	while (c->down.len > 0) {
		r = fsc_bq_write(&c->down, c->cfd);
		if (r == -2) {
			c->down.len = 0;
			c->c_eof = true;
			c->broken = "client gone: a write to it failed";
			return true;
		}
		if (r <= 0)
			break;
		moved = true;
		c->bytes_down += (uint64_t)r;
		c->e->bytes_down += (uint64_t)r;
	}
	if (c->c_eof || c->phase == E_CLOSING)
		return moved;
	if (c->phase == E_SPLICE) {
		r = fsc_bq_read(&c->up, c->cfd);
		if (r > 0) {
			c->bytes_up += (uint64_t)r;
			c->e->bytes_up += (uint64_t)r;
		}
	} else if (c->phase == E_PROXY || c->phase == E_HELLO) {
		/* the last of these reads completes the ClientHello */
		r = fsc_bq_read_stamped(&c->hello, c->cfd, &c->t_edge);
	} else {
		return moved;	/* DIAL/ANSWER: the client waits */
	}
	if (r > 0)
		return true;
	if (r == 0 || r == -2) {
		c->c_eof = true;
		return true;
	}
	return moved;
}

static bool node_io(struct econn *c)
{
	bool moved = false;
	ssize_t r;

	if (c->nfd < 0 || c->phase == E_DIAL)
		return false;
	while (c->up.len > 0) {
		r = fsc_bq_write(&c->up, c->nfd);
		if (r == -2) {
			c->up.len = 0;
			c->n_eof = true;
			c->broken = "node gone: a write to it failed";
			return true;
		}
		if (r <= 0)
			break;
		moved = true;
	}
	if (c->n_eof || fsc_bq_room(&c->down) == 0)
		return moved;
	r = fsc_bq_read(&c->down, c->nfd);
	if (r > 0)
		return true;
	if (r == 0 || r == -2) {
		c->n_eof = true;
		return true;
	}
	return moved;
}

/* more: run() stopped at its round cap with work left; POLLOUT on the
 * client socket (writable at once) brings it back after the others. */
static void set_events(struct econn *c, bool more)
{
	short ev = 0;

	if (more || c->down.len > 0)
		ev |= POLLOUT;
	if (!c->c_eof && c->phase != E_CLOSING && c->phase != E_DIAL && c->phase != E_ANSWER &&
	    (c->phase == E_SPLICE ? fsc_bq_room(&c->up) > 0 : fsc_bq_room(&c->hello) > 0))
		ev |= POLLIN;
	fsc_loop_events(c->e->loop, c->cfd, ev);
	if (c->nfd >= 0) {
		ev = 0;
		if (c->phase == E_DIAL || c->up.len > 0)
			ev |= POLLOUT;
		if (c->phase != E_DIAL && !c->n_eof && fsc_bq_room(&c->down) > 0)
			ev |= POLLIN;
		fsc_loop_events(c->e->loop, c->nfd, ev);
	}
}

#define ROUNDS 64	/* a busy connection yields to the others after this */

static void run(struct econn *c)
{
	bool busy = false;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		bool from_client = client_io(c), from_node = node_io(c);
		bool moved = from_client || from_node;
		size_t before = c->up.len + c->down.len;

		switch (c->phase) {
		case E_PROXY:
			proxy_step(c);
			break;
		case E_HELLO:
			hello_step(c);
			break;
		case E_ANSWER:
			answer_step(c);
			break;
		case E_SPLICE:
			if (moved)
				c->mark = fsc_now_ms();
			if (c->broken) {
				/* as io.Copy: one side gone, both closed */
				snprintf(c->why, sizeof(c->why), "%s", c->broken);
				c->done = true;
				log_end(c, OUT_PROXIED);
				c->down.len = 0;
				c->phase = E_CLOSING;
				break;
			}
			if (c->c_eof && c->up.len == 0 && !c->n_shut && c->nfd >= 0) {
				shutdown(c->nfd, SHUT_WR);
				c->n_shut = true;
			}
			if (c->n_eof && c->down.len == 0 && !c->c_shut) {
				shutdown(c->cfd, SHUT_WR);
				c->c_shut = true;
			}
			if (c->n_shut && c->c_shut) {
				c->done = true;
				log_end(c, OUT_PROXIED);
				c->phase = E_CLOSING;
			}
			break;
		default:
			break;
		}
		busy = moved || before != c->up.len + c->down.len;
		if (!busy)
			break;
	}
	if (c->phase == E_CLOSING && (c->down.len == 0 || c->c_eof)) {
		edge_free(c);
		return;
	}
	set_events(c, busy && i == ROUNDS);
}

static void on_client(void *ctx, int fd, short ev)
{
	struct econn *c = ctx;

	(void)fd;
	if ((ev & (POLLERR | POLLNVAL)) && !(ev & POLLIN))
		c->c_eof = true;
	run(c);
}

static void on_node(void *ctx, int fd, short ev)
{
	struct econn *c = ctx;

	(void)ev;
	if (c->phase == E_DIAL) {
		int e = fsc_tcp_connect_result(fd);
		char why[200];

		if (e == EINPROGRESS)
			return;
		if (e) {
			snprintf(why, sizeof(why), "dial %s: %s", c->route->node, strerror(e));
			finish(c, OUT_NODE_UNREACHABLE, AL_INTERNAL_ERROR, why);
			run(c);
			return;
		}
		c->phase = E_ANSWER;
		c->mark = fsc_now_ms();
	}
	run(c);
}

void edge_tick(struct fedge *e, uint64_t now)
{
	struct econn *c, *next;

	for (c = e->conns; c; c = next) {
		next = c->next;
		switch (c->phase) {
		case E_PROXY:
		case E_HELLO:
			if (now - c->t0 >= e->o.hello_timeout_ms) {
				finish(c, OUT_HELLO_TIMEOUT, -1, "no whole ClientHello in time");
				run(c);
			}
			break;
		case E_DIAL:
		case E_ANSWER:
			if (now - c->mark >= e->o.node_timeout_ms) {
				finish(c, OUT_NODE_TIMEOUT, AL_INTERNAL_ERROR,
				       c->phase == E_DIAL ? "node connect timeout" : "no answer from node");
				run(c);
			}
			break;
		case E_SPLICE:
			if (now - c->mark >= e->o.idle_timeout_ms) {
				c->e->outcomes[OUT_IDLE_TIMEOUT]++;
				snprintf(c->why, sizeof(c->why), "no bytes either way in time");
				log_end(c, OUT_IDLE_TIMEOUT);
				edge_free(c);
			}
			break;
		case E_CLOSING:
			if (now - c->mark >= 5000)	/* a client that reads nothing */
				edge_free(c);
			break;
		}
	}
}
