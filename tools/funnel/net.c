/* net.c - byte queues and sockets. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/num.h"
#include "fsc/rxstamp.h"

bool fsc_bq_init(struct fsc_bq *q, size_t cap)
{
	q->p = malloc(cap);
	q->off = q->len = 0;
	q->cap = q->p ? cap : 0;
	return q->p != NULL;
}

void fsc_bq_free(struct fsc_bq *q)
{
	free(q->p);
	q->p = NULL;
	q->cap = q->len = q->off = 0;
}

size_t fsc_bq_room(struct fsc_bq *q)
{
	if (q->off && q->off + q->len == q->cap) {
		memmove(q->p, q->p + q->off, q->len);
		q->off = 0;
	}
	if (q->len == 0)
		q->off = 0;
	return q->cap - q->off - q->len;
}

uint8_t *fsc_bq_tail(struct fsc_bq *q)
{
	return q->p + q->off + q->len;
}

bool fsc_bq_put(struct fsc_bq *q, const void *p, size_t n)
{
	if (fsc_bq_room(q) < n) {
		memmove(q->p, q->p + q->off, q->len);
		q->off = 0;
		if (q->cap - q->len < n)
			return false;
	}
	memcpy(fsc_bq_tail(q), p, n);
	q->len += n;
	return true;
}

void fsc_bq_drop(struct fsc_bq *q, size_t n)
{
	if (n > q->len)
		n = q->len;
	q->off += n;
	q->len -= n;
	if (q->len == 0)
		q->off = 0;
}

ssize_t fsc_bq_read(struct fsc_bq *q, int fd)
{
	return fsc_bq_read_stamped(q, fd, NULL);
}

void fsc_sock_rx_stamps(int fd)
{
	int on = 1;

	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
}

void fsc_sock_tx_stamps(int fd)
{
	unsigned flags = SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
			 SOF_TIMESTAMPING_OPT_ID | SOF_TIMESTAMPING_OPT_TSONLY;

	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags));
}

bool fsc_sock_tx_stamps_read(int fd, bool want, uint32_t want_id, int64_t *ns)
{
	bool got = false;

	for (int i = 0; i < 64; i++) {	/* bounded: a few a request */
		union {
			char b[512];
			struct cmsghdr align;
		} ctl;
		char data[1];
		struct iovec iov = { data, sizeof(data) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				    .msg_controllen = sizeof(ctl.b) };
		struct timespec ts = { 0, 0 };
		uint32_t id = 0;
		bool have_id = false;

		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING &&
			    c->cmsg_len >= CMSG_LEN(sizeof(struct scm_timestamping))) {
				struct scm_timestamping st;
				memcpy(&st, CMSG_DATA(c), sizeof(st));
				ts = st.ts[0];
			} else if (((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
				    (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) &&
				   c->cmsg_len >= CMSG_LEN(sizeof(struct sock_extended_err))) {
				struct sock_extended_err e;
				memcpy(&e, CMSG_DATA(c), sizeof(e));
				if (e.ee_origin == SO_EE_ORIGIN_TIMESTAMPING) {
					id = e.ee_data;
					have_id = true;
				}
			}
		}
		if (want && !got && !*ns && have_id && (int32_t)(id - want_id) >= 0 &&
		    (ts.tv_sec || ts.tv_nsec)) {
			*ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			got = true;
		}
	}
	return got;
}

static ssize_t recv_stamped(int fd, void *buf, size_t n, int flags, int64_t *rx_ns)
{
	union {
		char b[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, n };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	ssize_t r = recvmsg(fd, &m, flags);
	int64_t ns = r > 0 ? fsc_rxstamp_ns(&m) : 0;

	if (ns)
		*rx_ns = ns;
	return r;
}

ssize_t fsc_read_stamped(int fd, void *buf, size_t n, int64_t *rx_ns)
{
	return recv_stamped(fd, buf, n, 0, rx_ns);
}

void fsc_peek_stamped(int fd, int64_t *rx_ns)
{
	uint8_t one;

	(void)recv_stamped(fd, &one, 1, MSG_PEEK | MSG_DONTWAIT, rx_ns);
}

ssize_t fsc_bq_read_stamped(struct fsc_bq *q, int fd, int64_t *rx_ns)
{
	size_t room = fsc_bq_room(q);
	ssize_t r;

	if (room == 0)
		return -1;
	r = rx_ns ? fsc_read_stamped(fd, fsc_bq_tail(q), room, rx_ns)
		  : read(fd, fsc_bq_tail(q), room);
	if (r > 0) {
		q->len += (size_t)r;
		return r;
	}
	if (r == 0)
		return 0;
	return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
}

ssize_t fsc_bq_write(struct fsc_bq *q, int fd)
{
	ssize_t r;

	if (q->len == 0)
		return 0;
	r = send(fd, fsc_bq_data(q), q->len, MSG_NOSIGNAL);
	if (r >= 0) {
		fsc_bq_drop(q, (size_t)r);
		return r;
	}
	return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? -1 : -2;
}

bool fsc_sockaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *colon = strrchr(s, ':');
	char host[64];
	size_t hl;
	uint64_t port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || fsc_num_parse(colon + 1, 0, 65535, &port) != FSC_NUM_OK)
		return false;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (hl == 0 || strcmp(host, "::") == 0) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		a->sin6_addr = in6addr_any;
		*len = sizeof(*a);
		return true;
	}
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1;
	}
	{
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return inet_pton(AF_INET, host, &a->sin_addr) == 1;
	}
}

void fsc_sockaddr_split(const struct sockaddr_storage *ss, struct fsc_addr *a, uint16_t *port)
{
	memset(a, 0, sizeof(*a));
	*port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		fsc_addr_set4(a, (const uint8_t *)&s4->sin_addr);
		*port = ntohs(s4->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
		const uint8_t *b = (const uint8_t *)&s6->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			fsc_addr_set4(a, b + 12);
		else
			fsc_addr_set6(a, b);
		*port = ntohs(s6->sin6_port);
	}
}

bool fsc_fd_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

int fsc_tcp_listen(const char *addr, int backlog, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, zero = 0;

	if (!fsc_sockaddr_parse(addr, &ss, &len)) {
		snprintf(err, errlen, "not ip:port");
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int fsc_tcp_connect(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)ss, len) < 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int fsc_tcp_connect_result(int fd)
{
	int e = 0;
	socklen_t l = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0)
		return errno;
	return e;
}
