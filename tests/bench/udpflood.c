/* udpflood - a paced UDP sender for fwatch's live loopback benchmark:
 * WireGuard transport messages (type 4, a receiver index, a rising
 * counter, zero padding to SIZE bytes) to ADDR:PORT at RATE packets a
 * second for SECONDS, in sendmmsg batches. Prints what it sent.
 *
 *   udpflood ADDR PORT RATE SECONDS [SIZE] [PEERS]
 *
 * PEERS source ports (default 16) stand for as many tunnel peers. Only
 * for traffic on a loopback or between namespaces of one's own. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define MAX_PEERS 256

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fds[MAX_PEERS];

	if (argc < 5) {
		fputs("usage: udpflood ADDR PORT RATE SECONDS [SIZE] [PEERS]\n", stderr);
		return 1;
	}
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "udpflood: bad IPv4 address '%s'\n", argv[1]);
		return 1;
	}
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	double rate = atof(argv[3]), secs = atof(argv[4]);
	size_t size = argc > 5 ? (size_t)atoi(argv[5]) : 128;
	int peers = argc > 6 ? atoi(argv[6]) : 16;
	if (rate <= 0 || secs <= 0 || size < 32 || size > 1400 || peers < 1 || peers > MAX_PEERS) {
		fputs("udpflood: RATE, SECONDS > 0; SIZE 32..1400; PEERS 1..256\n", stderr);
		return 1;
	}
	/* A sink on the destination, never read: without a listener every
	 * datagram would bring an ICMP port unreachable back. */
	int sink = socket(AF_INET, SOCK_DGRAM, 0);
	if (sink < 0 || bind(sink, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		perror("udpflood: warning: no sink on the destination");
	for (int i = 0; i < peers; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("udpflood: socket");
			return 1;
		}
	}

	uint8_t buf[BATCH][1400];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(buf, 0, sizeof(buf));
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		buf[i][0] = 4; /* transport data */
		iov[i].iov_base = buf[i];
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	uint64_t sent = 0, failed = 0, total = (uint64_t)(rate * secs);
	uint64_t counter[MAX_PEERS] = { 0 };
	int64_t t0 = now_ns();
	int peer = 0;
	while (sent < total) {
		/* Pace: the next batch is due when the rate says so. */
		int64_t due = t0 + (int64_t)((double)sent * 1e9 / rate);
		int64_t wait = due - now_ns();
		if (wait > 0) {
			struct timespec ts = { wait / 1000000000, wait % 1000000000 };
			nanosleep(&ts, NULL);
		}
		unsigned n = total - sent < BATCH ? (unsigned)(total - sent) : BATCH;
		for (unsigned i = 0; i < n; i++) {
			le32(buf[i] + 4, 0x1000u + (uint32_t)peer);
			le64(buf[i] + 8, counter[peer]++);
		}
		int r = sendmmsg(fds[peer], msgs, n, 0);
		if (r < 0) {
			if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED) {
				perror("udpflood: sendmmsg");
				return 1;
			}
			failed += n;
			r = (int)n;
		}
		sent += (unsigned)r;
		peer = (peer + 1) % peers;
	}
	double el = (double)(now_ns() - t0) / 1e9;
	printf("sent=%llu failed=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)sent,
	       (unsigned long long)failed, el, (double)sent / el);
	return 0;
}
