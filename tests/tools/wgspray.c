/* wgspray.c - a spray of handshake initiations with a valid mac1, for the
 * cookie test: what a flood looks like to a WireGuard responder.
 *
 *   wgspray [--bind ADDR] HOST PORT RESPONDER_PUBKEY COUNT RATE
 *
 * Sends COUNT initiations (each with a fresh ephemeral key, from one
 * random static identity the responder does not know) at RATE a second to
 * HOST:PORT, and collects cookie replies. Then, if it got one, opens it
 * (proving it answers our mac1) and sends one more initiation whose mac2
 * carries the cookie. Prints one JSON line:
 *   {"sent":N,"cookies":M,"cookie_opened":true|false,"mac2_sent":true|false}
 * Exit 0 when it ran (the test judges the counts), 1 on errors, 2 on usage.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/wgconf.h"
#include "fsc/wgnoise.h"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int to_sockaddr(const char *a, const char *port, struct sockaddr_in6 *sa)
{
	struct fsc_addr x;

	if (!fsc_addr_parse(a, &x))
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin6_family = AF_INET6;
	sa->sin6_port = htons((uint16_t)atoi(port));
	if (x.family == 4) {
		sa->sin6_addr.s6_addr[10] = 0xff;
		sa->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sa->sin6_addr.s6_addr[12], x.b, 4);
	} else {
		memcpy(&sa->sin6_addr, x.b, 16);
	}
	return 0;
}

static bool initiation(struct fsc_wgnoise *nz, struct fsc_wgnoise_identity *me,
		       struct fsc_wgnoise_peer *peer, uint8_t msg[FSC_WG_INITIATION_LEN])
{
	struct fsc_wgnoise_handshake hs;
	uint8_t eph[32], ts[12];
	uint32_t idx;
	const char *why;
	struct timespec now;

	memset(&hs, 0, sizeof(hs));
	RAND_bytes(eph, sizeof(eph));
	RAND_bytes((unsigned char *)&idx, sizeof(idx));
	clock_gettime(CLOCK_REALTIME, &now);
	fsc_wgnoise_tai64n_make(ts, (uint64_t)now.tv_sec, (uint32_t)now.tv_nsec);
	return fsc_wgnoise_initiation_create(nz, me, peer, &hs, eph, idx, ts, mono_ns(), msg,
					     &why) == FSC_OK;
}

int main(int argc, char **argv)
{
	const char *bind_addr = NULL;
	struct sockaddr_in6 dst, src;
	struct fsc_wgnoise_identity me;
	struct fsc_wgnoise_peer peer;
	uint8_t priv[32], rpub[32], msg[FSC_WG_INITIATION_LEN], buf[256], cookie_msg[64];
	char err[128];
	const char *why;
	unsigned long count, rate, sent = 0, cookies = 0;
	bool opened = false, mac2_sent = false, have_cookie = false;
	int fd, off = 0;

	if (argc > 2 && !strcmp(argv[1], "--bind")) {
		bind_addr = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc != 6 || !fsc_wgconf_key_parse(argv[3], strlen(argv[3]), rpub) ||
	    to_sockaddr(argv[1], argv[2], &dst) != 0) {
		fprintf(stderr, "usage: wgspray [--bind ADDR] HOST PORT RESPONDER_PUBKEY COUNT RATE\n");
		return 2;
	}
	count = strtoul(argv[4], NULL, 10);
	rate = strtoul(argv[5], NULL, 10);
	struct fsc_wgnoise *nz = fsc_wgnoise_new(err, sizeof(err));
	if (!nz || rate == 0) {
		fprintf(stderr, "wgspray: %s\n", nz ? "rate 0" : err);
		return 1;
	}
	RAND_bytes(priv, sizeof(priv));
	if (fsc_wgnoise_identity_set(nz, &me, priv, &why) != FSC_OK ||
	    fsc_wgnoise_peer_set(nz, &peer, &me, rpub, NULL, &why) != FSC_OK) {
		fprintf(stderr, "wgspray: keys: %s\n", why);
		return 1;
	}
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind_addr) {
		if (to_sockaddr(bind_addr, "0", &src) != 0 ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			perror("wgspray: bind");
			return 1;
		}
	}
	uint64_t start = mono_ns(), gap = 1000000000u / rate;
	while (sent < count || mono_ns() < start + sent * gap + 300000000u) {
		uint64_t now = mono_ns();
		if (sent < count && now >= start + sent * gap) {
			if (!initiation(nz, &me, &peer, msg))
				return 1;
			sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&dst, sizeof(dst));
			sent++;
			continue;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1) == 1) {
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n == 64 && buf[0] == 3) {
				cookies++;
				memcpy(cookie_msg, buf, 64);
				have_cookie = true;
			}
		}
	}
	if (have_cookie) {
		/* The newest reply answers our newest initiation, whose mac1 the
		 * peer state remembers. */
		opened = fsc_wgnoise_cookie_reply_consume(nz, &peer, cookie_msg, 64, mono_ns(),
							  &why) == FSC_OK;
		if (opened && initiation(nz, &me, &peer, msg)) {
			sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&dst, sizeof(dst));
			mac2_sent = true;
		}
	}
	printf("{\"sent\":%lu,\"cookies\":%lu,\"cookie_opened\":%s,\"mac2_sent\":%s}\n", sent,
	       cookies, opened ? "true" : "false", mac2_sent ? "true" : "false");
	fsc_wgnoise_free(nz);
	close(fd);
	return 0;
}
