/* wgtun.c - the TUN inner side (wgtun.h). Addresses and flags through the
 * classic ioctls, which need no netlink code: SIOCSIFADDR/SIOCSIFNETMASK for
 * IPv4, struct in6_ifreq for IPv6. */
#include "fsc/wgtun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* <linux/ipv6.h> clashes with <netinet/in.h>; this is its in6_ifreq. */
struct tun_in6_ifreq {
	struct in6_addr addr;
	uint32_t prefixlen;
	int ifindex;
};

#define TUN_BATCH 64
#define TUN_BUF 65536

struct fsc_wgtun {
	struct fsc_wgengine *eng;
	int fd;
	char name[IFNAMSIZ];
	uint8_t *buf;
	struct fsc_wgtun_stats st;
};

static void deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct fsc_wgtun *tun = ctx;

	if (write(tun->fd, pkt, len) == (ssize_t)len)
		tun->st.packets_out++;
	else
		tun->st.write_drops++;
}

static bool ifreq_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what,
			char *err, size_t errlen)
{
	if (ioctl(s, req, ifr) == 0)
		return true;
	snprintf(err, errlen, "%s: %s: %s", ifr->ifr_name, what, strerror(errno));
	return false;
}

static bool add_addr4(int s, const char *name, const struct fsc_prefix *p, char *err,
		      size_t errlen)
{
	struct ifreq ifr;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t mask = p->len ? htonl(~0u << (32 - p->len)) : 0;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	memcpy(&sin.sin_addr, p->addr.b, 4);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (!ifreq_ioctl(s, SIOCSIFADDR, &ifr, "IPv4 address", err, errlen))
		return false;
	memcpy(&sin.sin_addr, &mask, 4);
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	return ifreq_ioctl(s, SIOCSIFNETMASK, &ifr, "IPv4 netmask", err, errlen);
}

static bool add_addr6(int s6, int ifindex, const char *name, const struct fsc_prefix *p,
		      char *err, size_t errlen)
{
	struct tun_in6_ifreq r;

	memset(&r, 0, sizeof(r));
	memcpy(&r.addr, p->addr.b, 16);
	r.prefixlen = p->len;
	r.ifindex = ifindex;
	if (ioctl(s6, SIOCSIFADDR, &r) == 0)
		return true;
	snprintf(err, errlen, "%s: IPv6 address: %s", name, strerror(errno));
	return false;
}

static bool configure(struct fsc_wgtun *tun, unsigned mtu, char *err, size_t errlen)
{
	const struct fsc_wgconf *c = fsc_wgengine_conf(tun->eng);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int s6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	bool ok = false;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tun->name);
	if (s < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto out;
	}
	ifr.ifr_mtu = (int)mtu;
	if (!ifreq_ioctl(s, SIOCSIFMTU, &ifr, "MTU", err, errlen))
		goto out;
	if (!ifreq_ioctl(s, SIOCGIFINDEX, &ifr, "index", err, errlen))
		goto out;
	int ifindex = ifr.ifr_ifindex;
	for (size_t i = 0; i < c->address_n; i++) {
		if (c->address[i].addr.family == 4 &&
		    !add_addr4(s, tun->name, &c->address[i], err, errlen))
			goto out;
		if (c->address[i].addr.family == 6 &&
		    (s6 < 0 || !add_addr6(s6, ifindex, tun->name, &c->address[i], err, errlen)))
			goto out;
	}
	if (!ifreq_ioctl(s, SIOCGIFFLAGS, &ifr, "flags", err, errlen))
		goto out;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	ok = ifreq_ioctl(s, SIOCSIFFLAGS, &ifr, "up", err, errlen);
out:
	if (s >= 0)
		close(s);
	if (s6 >= 0)
		close(s6);
	return ok;
}

struct fsc_wgtun *fsc_wgtun_open(struct fsc_wgengine *eng, const char *name, unsigned mtu,
				 char *err, size_t errlen)
{
	struct fsc_wgtun *tun = calloc(1, sizeof(*tun));
	struct ifreq ifr;

	if (!tun || !(tun->buf = malloc(TUN_BUF))) {
		snprintf(err, errlen, "out of memory");
		free(tun);
		return NULL;
	}
	tun->eng = eng;
	tun->fd = -1;
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, errlen, "interface name longer than %d bytes", IFNAMSIZ - 1);
		goto bad;
	}
	tun->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tun->fd < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		goto bad;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tun->fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, errlen, "%s: TUNSETIFF: %s", name, strerror(errno));
		goto bad;
	}
	snprintf(tun->name, sizeof(tun->name), "%s", ifr.ifr_name);
	if (!configure(tun, mtu, err, errlen))
		goto bad;
	fsc_wgengine_set_inner(eng, deliver, tun);
	return tun;
bad:
	if (tun->fd >= 0)
		close(tun->fd);
	free(tun->buf);
	free(tun);
	return NULL;
}

void fsc_wgtun_free(struct fsc_wgtun *tun)
{
	if (!tun)
		return;
	fsc_wgengine_set_inner(tun->eng, NULL, NULL);
	close(tun->fd);
	free(tun->buf);
	free(tun);
}

size_t fsc_wgtun_pollfds(struct fsc_wgtun *tun, struct pollfd *pfd, size_t cap)
{
	if (!cap)
		return 0;
	pfd[0].fd = tun->fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	return 1;
}

void fsc_wgtun_handle(struct fsc_wgtun *tun, const struct pollfd *pfd, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (pfd[i].fd != tun->fd || !(pfd[i].revents & POLLIN))
			continue;
		for (int k = 0; k < TUN_BATCH; k++) {
			ssize_t r = read(tun->fd, tun->buf, TUN_BUF);
			if (r <= 0)
				break;
			tun->st.packets_in++;
			fsc_wgengine_send(tun->eng, tun->buf, (size_t)r);
		}
	}
}

const struct fsc_wgtun_stats *fsc_wgtun_stats(const struct fsc_wgtun *tun)
{
	return &tun->st;
}
