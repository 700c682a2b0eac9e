/* net.h - byte queues and socket helpers for fnode and fedge. */
#ifndef FSC_NET_H
#define FSC_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fsc/addr.h"

/* A fixed-capacity byte queue: data is p[off..off+len). */
struct fsc_bq {
	uint8_t *p;
	size_t off, len, cap;
};

bool fsc_bq_init(struct fsc_bq *q, size_t cap);
void fsc_bq_free(struct fsc_bq *q);
static inline uint8_t *fsc_bq_data(struct fsc_bq *q) { return q->p + q->off; }
/* Free room at the tail (after compacting). */
size_t fsc_bq_room(struct fsc_bq *q);
uint8_t *fsc_bq_tail(struct fsc_bq *q);	/* call fsc_bq_room first */
bool fsc_bq_put(struct fsc_bq *q, const void *p, size_t n);
void fsc_bq_drop(struct fsc_bq *q, size_t n);

/* read(2) into the queue's room: >0 bytes, 0 EOF, -1 EAGAIN (or no room),
 * -2 error (errno kept). */
ssize_t fsc_bq_read(struct fsc_bq *q, int fd);
/* The same through recvmsg(2) on a socket with fsc_sock_rx_stamps: *rx_ns
 * (CLOCK_REALTIME ns) becomes the kernel's receive time of the last
 * segment read (TCP), when it gave one: the moment a capture shows,
 * however late the program got to read. rx_ns NULL: fsc_bq_read. */
ssize_t fsc_bq_read_stamped(struct fsc_bq *q, int fd, int64_t *rx_ns);
ssize_t fsc_read_stamped(int fd, void *buf, size_t n, int64_t *rx_ns);
/* The receive time of the first segment waiting (one byte peeked: a TCP
 * read's time is its last segment's) into *rx_ns, when there is one. */
void fsc_peek_stamped(int fd, int64_t *rx_ns);
/* SO_TIMESTAMPNS on: receive times for fsc_read_stamped. */
void fsc_sock_rx_stamps(int fd);
/* Transmit times of a TCP socket's sends (SO_TIMESTAMPING, software, by
 * byte: the moment the segment with a byte left for the device, which is
 * when a capture there sees it). Byte ids count from 0 at the first byte
 * sent after this call (a kernel may count from 1: callers ask for "at or
 * after"). Set once, before the first send. */
void fsc_sock_tx_stamps(int fd);
/* Empties the socket's error queue of transmit times (it must be emptied:
 * a waiting one makes poll(2) report POLLERR). The first time whose byte
 * id is at or after want_id goes to *ns, when *ns is 0 and want is true;
 * returns true then. */
bool fsc_sock_tx_stamps_read(int fd, bool want, uint32_t want_id, int64_t *ns);
/* write(2) from the queue: bytes written, -1 EAGAIN, -2 error. */
ssize_t fsc_bq_write(struct fsc_bq *q, int fd);

/* "ip:port", "[v6]:port" or ":port" (all IPv6 and IPv4 addresses) to a
 * sockaddr. */
bool fsc_sockaddr_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* The address and port of a sockaddr, IPv4-mapped IPv6 unmapped. */
void fsc_sockaddr_split(const struct sockaddr_storage *ss, struct fsc_addr *a, uint16_t *port);

/* A non-blocking listening TCP socket (SO_REUSEADDR); -1 and err set. */
int fsc_tcp_listen(const char *addr, int backlog, char *err, size_t errlen);
/* A non-blocking connect in progress (or done): fd, or -1 and errno. */
int fsc_tcp_connect(const struct sockaddr_storage *ss, socklen_t len);
/* After POLLOUT on a connecting fd: 0 connected, else the errno. */
int fsc_tcp_connect_result(int fd);
bool fsc_fd_nonblock(int fd);

#endif
