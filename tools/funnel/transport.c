#define _GNU_SOURCE 1 /* accept4 */
/* transport.c - direct, lwip and tun (transport.h). */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugcap.h"
#include "flog.h"
#include "fsc/netstack.h"
#include "fsc/wgconf.h"
#include "fsc/wgengine.h"
#include "fsc/tscap.h"
#include "fsc/wgtun.h"
#include "net.h"
#include "tunstamp.h"

#define MAX_LISTENERS 8

struct kernel_listener {
	struct fsc_transport *t;
	int fd;
	fsc_transport_accept_fn fn;
	void *ctx;
};

struct ns_listener {
	fsc_transport_accept_fn fn;
	void *ctx;
};

struct fsc_transport {
	const char *mode;
	struct fsc_loop *loop;
	struct fsc_wgengine *eng;
	struct fsc_netstack *ns;
	struct fsc_wgtun *tun;
	struct fsc_debugcap *dcap;
	struct fsc_tunstamp *stamps;	/* the tunnel's two ends' times */
	struct kernel_listener kl[MAX_LISTENERS];
	struct ns_listener nl[MAX_LISTENERS];
	size_t n_kl, n_nl;
};

const char *fsc_transport_mode(const struct fsc_transport *t)
{
	return t->mode;
}

const struct fsc_wgengine *fsc_transport_engine(const struct fsc_transport *t)
{
	return t->eng;
}

/* ---- the engine as a loop source ------------------------------------ */

static size_t src_fill(void *ctx, struct pollfd *pfd, size_t cap)
{
	struct fsc_transport *t = ctx;
	size_t n;

	if (t->ns)
		return fsc_netstack_pollfds(t->ns, pfd, cap);
	n = fsc_wgengine_pollfds(t->eng, pfd, cap);
	if (t->tun)
		n += fsc_wgtun_pollfds(t->tun, pfd + n, cap - n);
	return n;
}

static int src_timeout(void *ctx)
{
	struct fsc_transport *t = ctx;

	return t->ns ? fsc_netstack_timeout_ms(t->ns) : fsc_wgengine_timeout_ms(t->eng);
}

static void src_handle(void *ctx, const struct pollfd *pfd, size_t n)
{
	struct fsc_transport *t = ctx;

	if (t->ns) {
		fsc_netstack_handle(t->ns, pfd, n);
		return;
	}
	fsc_wgengine_handle(t->eng, pfd, n);
	if (t->tun)
		fsc_wgtun_handle(t->tun, pfd, n);
}

/* The engine's inner packets: their times (tunstamp.h) and, with
 * --debug-capture, the capture. Sent packets are tailscaled's:
 * SynthesizedToPeer from its userspace stack (lwip), FromLocal read off
 * its TUN. */
static void tap(void *ctx, bool from_peer, const uint8_t *pkt, size_t len)
{
	struct fsc_transport *t = ctx;
	uint16_t path = from_peer ? FSC_TSCAP_FROM_PEER
			: t->ns ? FSC_TSCAP_SYNTH_TO_PEER : FSC_TSCAP_FROM_LOCAL;
	uint32_t cookie;

	if (from_peer)
		fsc_tunstamp_inbound(t->stamps, pkt, len, fsc_wgengine_rx_time(t->eng),
				     fsc_wall_ns());
	else if (fsc_tunstamp_outbound(t->stamps, pkt, len, &cookie))
		fsc_wgengine_mark_sent(t->eng, cookie);
	if (t->dcap)
		fsc_debugcap_packet(t->dcap, path, pkt, len);
}

static void sent(void *ctx, uint32_t cookie, int64_t wall_ns)
{
	struct fsc_transport *t = ctx;

	fsc_tunstamp_sent(t->stamps, cookie, wall_ns);
}

static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	buf = malloc(1 << 20);
	*len = buf ? fread(buf, 1, 1 << 20, f) : 0;
	fclose(f);
	if (!buf || *len == 1 << 20) {
		snprintf(err, errlen, buf ? "larger than 1 MiB" : "out of memory");
		free(buf);
		return NULL;
	}
	return buf;
}

static bool start_engine(struct fsc_transport *t, const struct fsc_transport_cfg *cfg, char *err,
			 size_t errlen)
{
	struct fsc_wgengine_opts eo = { 0 };
	struct fsc_wgconf conf;
	struct fsc_loop_source src = { src_fill, src_timeout, src_handle, t };
	char why[256];
	unsigned mtu;
	size_t len;
	char *text;
	bool ok;

	if (!cfg->wg_config) {
		snprintf(err, errlen, "%s needs --wg-config FILE", t->mode);
		return false;
	}
	if (!(text = read_all(cfg->wg_config, &len, why, sizeof(why)))) {
		snprintf(err, errlen, "--wg-config: '%s': %s", cfg->wg_config, why);
		return false;
	}
	ok = fsc_wgconf_parse(text, len, &conf, why, sizeof(why));
	free(text);
	if (!ok) {
		snprintf(err, errlen, "--wg-config: '%s': %s", cfg->wg_config, why);
		return false;
	}
	eo.keylog_path = fsc_wgengine_keylog_path(cfg->wg_keylog);
	t->eng = fsc_wgengine_new(&conf, &eo, why, sizeof(why));
	mtu = conf.mtu ? conf.mtu : 1420;
	fsc_wgconf_free(&conf);
	if (!t->eng) {
		snprintf(err, errlen, "WireGuard engine: %s", why);
		return false;
	}
	if (strcmp(t->mode, "lwip") == 0)
		t->ns = fsc_netstack_new(t->eng, mtu, why, sizeof(why));
	else
		t->tun = fsc_wgtun_open(t->eng, cfg->tun_name ? cfg->tun_name : "fsc0", mtu, why,
					sizeof(why));
	if (!t->ns && !t->tun) {
		snprintf(err, errlen, "%s: %s", t->mode, why);
		return false;
	}
	if (cfg->debug_capture) {
		t->dcap = fsc_debugcap_open(cfg->debug_capture, cfg->debug_capture_max, why,
					    sizeof(why));
		if (!t->dcap) {
			snprintf(err, errlen, "--debug-capture: '%s': %s", cfg->debug_capture, why);
			return false;
		}
	}
	if (!(t->stamps = fsc_tunstamp_new())) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	fsc_wgengine_set_tap(t->eng, tap, t);
	fsc_wgengine_set_sent(t->eng, sent, t);
	fsc_loop_source(t->loop, &src);
	return true;
}

struct fsc_transport *fsc_transport_open(const struct fsc_transport_cfg *cfg,
					 struct fsc_loop *l, char *err, size_t errlen)
{
	struct fsc_transport *t = calloc(1, sizeof(*t));
	const char *mode = cfg->mode ? cfg->mode : cfg->wg_config ? "lwip" : "direct";

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->loop = l;
	if (strcmp(mode, "direct") == 0)
		t->mode = "direct";
	else if (strcmp(mode, "lwip") == 0)
		t->mode = "lwip";
	else if (strcmp(mode, "tun") == 0)
		t->mode = "tun";
	else {
		snprintf(err, errlen, "unknown transport '%s' (known: " FSC_TRANSPORT_MODES ")",
			 mode);
		free(t);
		return NULL;
	}
	if (strcmp(t->mode, "direct") == 0 && cfg->debug_capture) {
		snprintf(err, errlen, "--debug-capture needs the WireGuard engine (lwip or tun)");
		free(t);
		return NULL;
	}
	if (strcmp(t->mode, "direct") != 0 && !start_engine(t, cfg, err, errlen)) {
		fsc_transport_close(t);
		return NULL;
	}
	return t;
}

void fsc_transport_close(struct fsc_transport *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n_kl; i++) {
		fsc_loop_unwatch(t->loop, t->kl[i].fd);
		close(t->kl[i].fd);
	}
	fsc_netstack_free(t->ns);
	if (t->tun)
		fsc_wgtun_free(t->tun);
	if (t->eng)
		fsc_wgengine_free(t->eng);
	fsc_debugcap_close(t->dcap);
	fsc_tunstamp_free(t->stamps);
	free(t);
}

bool fsc_transport_conn_times(const struct fsc_transport *t, const struct fsc_addr *peer,
			      uint16_t port, struct fsc_tunstamp_conn *out)
{
	return t->stamps && fsc_tunstamp_conn(t->stamps, peer, port, out);
}

int64_t fsc_transport_carrier_time(const struct fsc_transport *t, const struct fsc_addr *peer,
				   uint16_t port, int64_t *inner_ns)
{
	struct fsc_tunstamp_conn c;

	if (!t->stamps)
		return 0;
	if (t->tun)
		return *inner_ns ? fsc_tunstamp_carrier(t->stamps, *inner_ns) : 0;
	/* lwIP's socketpairs give their reads no kernel time: the peer's
	 * latest payload, handed to lwIP before the read */
	if (!fsc_tunstamp_conn(t->stamps, peer, port, &c) || !c.data_wg)
		return 0;
	*inner_ns = c.data_inner;
	return c.data_wg;
}

static void on_kernel_accept(void *ctx, int fd, short ev)
{
	struct kernel_listener *kl = ctx;
	int i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		struct fsc_addr a;
		uint16_t port;
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0)
			return;
		fsc_sockaddr_split(&peer, &a, &port);
		kl->fn(kl->ctx, c, &a, port);
	}
}

static void on_ns_accept(void *user, int fd, const struct fsc_addr *remote, uint16_t remote_port,
			 const struct fsc_addr *local, uint16_t local_port)
{
	struct ns_listener *nl = user;

	(void)local;
	(void)local_port;
	fsc_fd_nonblock(fd);
	nl->fn(nl->ctx, fd, remote, remote_port);
}

bool fsc_transport_listen(struct fsc_transport *t, const char *addr,
			  fsc_transport_accept_fn fn, void *ctx, char *err, size_t errlen)
{
	if (t->ns) {
		struct sockaddr_storage ss;
		socklen_t len;
		struct fsc_addr a;
		uint16_t port;
		struct ns_listener *nl;

		if (t->n_nl == MAX_LISTENERS || !fsc_sockaddr_parse(addr, &ss, &len)) {
			snprintf(err, errlen, t->n_nl == MAX_LISTENERS ? "too many listeners"
								       : "not ip:port");
			return false;
		}
		fsc_sockaddr_split(&ss, &a, &port);
		nl = &t->nl[t->n_nl];
		nl->fn = fn;
		nl->ctx = ctx;
		/* ":port" and the unspecified addresses: every tunnel address */
		if (!fsc_netstack_listen(t->ns, addr[0] == ':' || strncmp(addr, "[::]", 4) == 0 ||
						       strncmp(addr, "0.0.0.0:", 8) == 0 ? NULL : &a,
					 port, on_ns_accept, nl, err, errlen))
			return false;
		t->n_nl++;
		return true;
	}
	if (t->n_kl == MAX_LISTENERS) {
		snprintf(err, errlen, "too many listeners");
		return false;
	}
	t->kl[t->n_kl].fd = fsc_tcp_listen(addr, 1024, err, errlen);
	if (t->kl[t->n_kl].fd < 0)
		return false;
	t->kl[t->n_kl].t = t;
	t->kl[t->n_kl].fn = fn;
	t->kl[t->n_kl].ctx = ctx;
	fsc_loop_watch(t->loop, t->kl[t->n_kl].fd, POLLIN, on_kernel_accept, &t->kl[t->n_kl]);
	t->n_kl++;
	return true;
}

int fsc_transport_dial(struct fsc_transport *t, const struct sockaddr_storage *ss, socklen_t len)
{
	if (t->ns) {
		struct fsc_addr a;
		uint16_t port;
		char err[200];
		int fd;

		fsc_sockaddr_split(ss, &a, &port);
		fd = fsc_netstack_dial(t->ns, &a, port, err, sizeof(err));
		if (fd < 0) {
			errno = EHOSTUNREACH;
			return -1;
		}
		fsc_fd_nonblock(fd);
		return fd;
	}
	return fsc_tcp_connect(ss, len);
}

bool fsc_transport_option(struct fsc_transport_cfg *cfg, int code, const char *arg)
{
	switch (code) {
	case FSC_TOPT_TRANSPORT: cfg->mode = arg; break;
	case FSC_TOPT_DIRECT: cfg->mode = "direct"; break;
	case FSC_TOPT_LWIP: cfg->mode = "lwip"; break;
	case FSC_TOPT_TUN:
		cfg->mode = "tun";
		cfg->tun_name = arg;
		break;
	case FSC_TOPT_WG_CONFIG: cfg->wg_config = arg; break;
	case FSC_TOPT_WG_KEYLOG: cfg->wg_keylog = arg; break;
	default: return false;
	}
	return true;
}
