/* metricsrv.c - a small HTTP/1.0 server for one path (see metricsrv.h). Each
 * connection: read a head, render the answer once into memory, write it
 * as the socket takes it, close. */
#define _GNU_SOURCE /* accept4 */
#include "metricsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/num.h"
#include "fsc/prom.h" /* FSC_PROM_CONTENT_TYPE */

struct conn {
	int fd;			/* -1: free */
	int64_t deadline_ms;
	size_t head_len;
	char head[METRICS_MAX_HEAD];
	char *out;		/* the answer, once the head is read */
	size_t out_len, out_pos;
};

struct metrics_srv {
	int lfd;
	metrics_render_fn render;
	void *ctx;
	char addr[80];
	struct conn c[METRICS_MAX_CONNS];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "host:port", "[v6]:port", ":port" -> host (empty for any) and port. */
static bool split(const char *s, char *host, size_t hlen, const char **port)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || !colon[1])
		return false;
	*port = colon + 1;
	n = (size_t)(colon - s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	} else if (memchr(s, ':', n)) {
		return false; /* a bare IPv6 address needs brackets */
	}
	if (n >= hlen)
		return false;
	memcpy(host, s, n);
	host[n] = '\0';
	return true;
}

struct metrics_srv *metrics_open(const char *addr_port, metrics_render_fn render, void *ctx,
				 char *err, size_t errlen)
{
	char host[64];
	const char *port;
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai = NULL;

	if (!split(addr_port, host, sizeof(host), &port)) {
		snprintf(err, errlen, "not ADDR:PORT ([ADDR]:PORT for IPv6, :PORT for any)");
		return NULL;
	}
	uint64_t p;
	enum fsc_num_result r = fsc_num_parse(port, 0, 65535, &p);
	if (r != FSC_NUM_OK) {
		snprintf(err, errlen, "port '%s': %s (0 to 65535)", port, fsc_num_why(r));
		return NULL;
	}
	/* :PORT: every address, IPv6 and IPv4 alike where the system can. */
	hints.ai_family = host[0] ? AF_UNSPEC : AF_INET6;
	int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (gai && !host[0]) {
		hints.ai_family = AF_INET;
		gai = getaddrinfo(NULL, port, &hints, &ai);
	}
	if (gai) {
		snprintf(err, errlen, "%s", gai_strerror(gai));
		return NULL;
	}
	struct metrics_srv *m = calloc(1, sizeof(*m));
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;
	if (!m || fd < 0) {
		snprintf(err, errlen, "%s", m ? strerror(errno) : "out of memory");
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6 && !host[0])
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto fail;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(m->addr, sizeof(m->addr), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(m->addr, sizeof(m->addr), "%s:%u", a, ntohs(s4->sin_port));
	}
	freeaddrinfo(ai);
	m->lfd = fd;
	m->render = render;
	m->ctx = ctx;
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		m->c[i].fd = -1;
	return m;
fail:
	if (fd >= 0)
		close(fd);
	free(m);
	freeaddrinfo(ai);
	return NULL;
}

static void drop(struct conn *c)
{
	close(c->fd);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void metrics_close(struct metrics_srv *m)
{
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->c[i].fd >= 0)
			drop(&m->c[i]);
	close(m->lfd);
	free(m);
}

const char *metrics_address(const struct metrics_srv *m)
{
	return m->addr;
}

static int free_slot(const struct metrics_srv *m)
{
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->c[i].fd < 0)
			return i;
	return -1;
}

int metrics_pollfds(const struct metrics_srv *m, struct pollfd *fds, int max)
{
	int n = 0;

	/* Full: new connections wait in the backlog. */
	if (n < max && free_slot(m) >= 0)
		fds[n++] = (struct pollfd){ .fd = m->lfd, .events = POLLIN };
	for (int i = 0; i < METRICS_MAX_CONNS && n < max; i++)
		if (m->c[i].fd >= 0)
			fds[n++] = (struct pollfd){ .fd = m->c[i].fd,
						    .events = m->c[i].out ? POLLOUT : POLLIN };
	return n;
}

int metrics_timeout_ms(const struct metrics_srv *m, int timeout)
{
	int64_t now = now_ms();

	for (int i = 0; i < METRICS_MAX_CONNS; i++) {
		if (m->c[i].fd < 0)
			continue;
		int64_t left = m->c[i].deadline_ms - now;
		int t = left < 0 ? 0 : (int)left + 1;
		if (timeout < 0 || t < timeout)
			timeout = t;
	}
	return timeout;
}

static void answer(struct conn *c, int code, const char *reason, const char *type,
		   const char *body, size_t body_len, bool head_only)
{
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr), "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n", code, reason,
			 type, body_len);
	size_t len = (size_t)n + (head_only ? 0 : body_len);

	c->out = malloc(len ? len : 1);
	if (!c->out) {
		drop(c);
		return;
	}
	memcpy(c->out, hdr, (size_t)n);
	if (!head_only)
		memcpy(c->out + n, body, body_len);
	c->out_len = len;
	c->out_pos = 0;
}

static void error(struct conn *c, int code, const char *reason)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	answer(c, code, reason, "text/plain; charset=utf-8", body, (size_t)n, false);
}

/* The head is whole (or too long): decide the answer. */
static void respond(struct metrics_srv *m, struct conn *c)
{
	const char *h = c->head, *sp = memchr(h, ' ', c->head_len);
	bool get = c->head_len > 4 && memcmp(h, "GET ", 4) == 0;
	bool head = c->head_len > 5 && memcmp(h, "HEAD ", 5) == 0;

	if (!sp) {
		error(c, 400, "Bad Request");
		return;
	}
	if (!get && !head) {
		error(c, 405, "Method Not Allowed");
		return;
	}
	const char *path = sp + 1, *eol = memchr(path, '\r', c->head_len - (size_t)(path - h));
	const char *end = memchr(path, ' ', c->head_len - (size_t)(path - h));
	if (!end || (eol && end > eol) || (size_t)(end - path) < 8 ||
	    memcmp(path, "/metrics", 8) != 0 || (path[8] != ' ' && path[8] != '?')) {
		error(c, 404, "Not Found");
		return;
	}
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	bool ok = f && m->render(m->ctx, f);
	if (f && fclose(f) != 0)
		ok = false;
	if (!ok || len > METRICS_MAX_BODY)
		error(c, 500, "Internal Server Error");
	else
		answer(c, 200, "OK", FSC_PROM_CONTENT_TYPE, body, len, head);
	free(body);
}

static void on_readable(struct metrics_srv *m, struct conn *c)
{
	ssize_t r = read(c->fd, c->head + c->head_len, sizeof(c->head) - 1 - c->head_len);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		drop(c);
		return;
	}
	c->head_len += (size_t)r;
	c->head[c->head_len] = '\0';
	if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n"))
		respond(m, c);
	else if (c->head_len == sizeof(c->head) - 1)
		error(c, 431, "Request Header Fields Too Large");
}

static void on_writable(struct conn *c)
{
	ssize_t w = send(c->fd, c->out + c->out_pos, c->out_len - c->out_pos, MSG_NOSIGNAL);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w <= 0) {
		drop(c);
		return;
	}
	c->out_pos += (size_t)w;
	if (c->out_pos == c->out_len) {
		shutdown(c->fd, SHUT_WR);
		drop(c);
	}
}

void metrics_step(struct metrics_srv *m, const struct pollfd *fds, int n)
{
	int64_t now = now_ms();

	for (int k = 0; k < n; k++) {
		if (!fds[k].revents)
			continue;
		if (fds[k].fd == m->lfd) {
			int s;
			while ((s = free_slot(m)) >= 0) {
				int fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					break;
				m->c[s] = (struct conn){ .fd = fd,
							 .deadline_ms = now + METRICS_TIMEOUT_MS };
			}
			continue;
		}
		for (int i = 0; i < METRICS_MAX_CONNS; i++) {
			struct conn *c = &m->c[i];
			if (c->fd != fds[k].fd)
				continue;
			if (c->out)
				on_writable(c);
			else
				on_readable(m, c);
			break;
		}
	}
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->c[i].fd >= 0 && now >= m->c[i].deadline_ms)
			drop(&m->c[i]);
}
