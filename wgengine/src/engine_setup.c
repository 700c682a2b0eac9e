/* engine_setup.c - building an engine from a configuration, freeing it,
 * and what `fwg show` reads (wgengine.h). The packet paths are in engine.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine_int.h"

const char *fsc_wgengine_keylog_path(const char *flag_value)
{
	const char *env;

	if (flag_value && *flag_value)
		return flag_value;
	env = getenv("WG_KEYLOGFILE");
	return env && *env ? env : NULL;
}

/* ---- setup ------------------------------------------------------------- */

static bool copy_conf(struct fsc_wgconf *dst, const struct fsc_wgconf *src)
{
	*dst = *src;
	dst->address = malloc((src->address_n ? src->address_n : 1) * sizeof(*src->address));
	dst->peer = malloc((src->peer_n ? src->peer_n : 1) * sizeof(*src->peer));
	dst->allowed = malloc((src->allowed_n ? src->allowed_n : 1) * sizeof(*src->allowed));
	if (!dst->address || !dst->peer || !dst->allowed)
		return false;
	if (src->address_n)
		memcpy(dst->address, src->address, src->address_n * sizeof(*src->address));
	if (src->peer_n)
		memcpy(dst->peer, src->peer, src->peer_n * sizeof(*src->peer));
	if (src->allowed_n)
		memcpy(dst->allowed, src->allowed, src->allowed_n * sizeof(*src->allowed));
	return true;
}

static bool open_socket(struct fsc_wgengine *eng, char *err, size_t errlen)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), off = 0;
	union {
		struct sockaddr_in6 v6;
		struct sockaddr_in v4;
		struct sockaddr sa;
	} u;
	socklen_t sl;

	memset(&u, 0, sizeof(u));
	if (fd >= 0 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0) {
		eng->v6 = true;
		u.v6.sin6_family = AF_INET6;
		u.v6.sin6_port = htons(eng->conf.listen_port);
		sl = sizeof(u.v6);
	} else {
		if (fd >= 0)
			close(fd);
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		u.v4.sin_family = AF_INET;
		u.v4.sin_port = htons(eng->conf.listen_port);
		sl = sizeof(u.v4);
	}
	if (fd < 0 || bind(fd, &u.sa, sl) != 0) {
		snprintf(err, errlen, "UDP port %u: %s", eng->conf.listen_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	sl = sizeof(u);
	getsockname(fd, &u.sa, &sl);
	eng->port = ntohs(eng->v6 ? u.v6.sin6_port : u.v4.sin_port);
	/* Room for bursts: a TCP window's worth of datagrams at once. */
	int buf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	/* Each datagram's kernel receive time (fsc_wgengine_rx_time). */
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	eng->fd = fd;
	return true;
}

static bool setup_peers(struct fsc_wgengine *eng, char *err, size_t errlen)
{
	const char *why;

	eng->peers = calloc(eng->conf.peer_n ? eng->conf.peer_n : 1, sizeof(*eng->peers));
	if (!eng->peers) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	eng->npeers = eng->conf.peer_n;
	if (!fsc_hmap_init(&eng->by_index, 4 * (uint32_t)eng->npeers)) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (size_t i = 0; i < eng->npeers; i++) {
		const struct fsc_wgconf_peer *cp = &eng->conf.peer[i];
		struct peer *p = &eng->peers[i];
		char b64[FSC_WG_KEY_B64LEN + 1];

		p->conf_index = i;
		if (memcmp(cp->public_key, eng->id.pub, 32) == 0 ||
		    fsc_wgnoise_peer_set(eng->nz, &p->np, &eng->id, cp->public_key,
					 cp->has_preshared_key ? cp->preshared_key : NULL,
					 &why) != FSC_OK) {
			fsc_wgconf_key_write(cp->public_key, b64);
			snprintf(err, errlen, "peer '%s': %s", b64,
				 memcmp(cp->public_key, eng->id.pub, 32) == 0
					 ? "is our own public key"
					 : "unusable public key (low order)");
			return false;
		}
		if (cp->has_endpoint) {
			eng_sa_from_addr(&p->ep, &cp->endpoint, cp->endpoint_port);
			p->has_ep = true;
		}
		fsc_wgtimers_init(&p->timers, &eng->tcfg, cp->persistent_keepalive);
		for (size_t k = 0; k < QUEUE_LEN; k++)
			if (!(p->q[k].buf = malloc(MAX_PACKET))) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
		for (size_t k = 0; k < cp->allowed_n; k++)
			if (!fsc_allowedips_insert(&eng->aip, &eng->conf.allowed[cp->allowed_first + k],
						   (int)i)) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
	}
	return true;
}

struct fsc_wgengine *fsc_wgengine_new(const struct fsc_wgconf *conf,
				      const struct fsc_wgengine_opts *opts, char *err,
				      size_t errlen)
{
	struct fsc_wgengine *eng = calloc(1, sizeof(*eng));
	const char *why;
	uint64_t seed;

	if (!eng) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	eng->fd = -1;
	fsc_allowedips_init(&eng->aip);
	if (!copy_conf(&eng->conf, conf)) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	fsc_wgtimer_cfg_default(&eng->tcfg);
	fsc_wgtimer_cfg_scale(&eng->tcfg, opts && opts->timer_divisor ? opts->timer_divisor : 1);
	fsc_wgload_init(&eng->load, opts ? opts->load_threshold : 0);
	eng->mtu = opts && opts->mtu ? opts->mtu : conf->mtu ? conf->mtu : 1420;
	eng_random_bytes(&seed, sizeof(seed));
	eng->rate = malloc(sizeof(*eng->rate));
	eng->rxbuf = malloc(MAX_PACKET);
	eng->plain = malloc(MAX_PACKET);
	eng->txbuf = malloc(MAX_PACKET);
	eng->txcap = eng->mtu + 64; /* a padded MTU-sized packet, header and tag */
	bool txb_ok = true;
	for (size_t i = 0; i < TX_BATCH; i++)
		txb_ok = (eng->txb[i] = malloc(eng->txcap)) != NULL && txb_ok;
	if (!eng->rate || !eng->rxbuf || !eng->plain || !eng->txbuf || !txb_ok) {
		snprintf(err, errlen, "out of memory");
		goto bad;
	}
	fsc_wgrate_init(eng->rate, seed);
	eng_random_bytes(&eng->jitter_state, sizeof(eng->jitter_state));
	eng->jitter_state |= 1;
	if (!(eng->nz = fsc_wgnoise_new(err, errlen)))
		goto bad;
	if (fsc_wgnoise_identity_set(eng->nz, &eng->id, conf->private_key, &why) != FSC_OK) {
		snprintf(err, errlen, "PrivateKey: %s", why);
		goto bad;
	}
	if (!setup_peers(eng, err, errlen))
		goto bad;
	if (opts && opts->keylog_path) {
		int kfd = open(opts->keylog_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (kfd < 0 || !(eng->keylog = fdopen(kfd, "a"))) {
			snprintf(err, errlen, "key log '%s': %s", opts->keylog_path,
				 strerror(errno));
			if (kfd >= 0)
				close(kfd);
			goto bad;
		}
	}
	if (!open_socket(eng, err, errlen))
		goto bad;
	/* Peers with an endpoint and a persistent keepalive start at once,
	 * as wg(8) does when the interface comes up. */
	for (size_t i = 0; i < eng->npeers; i++)
		if (eng->peers[i].timers.persistent_interval && eng->peers[i].has_ep)
			eng_send_initiation(eng, &eng->peers[i], false);
	return eng;
bad:
	fsc_wgengine_free(eng);
	return NULL;
}

void fsc_wgengine_free(struct fsc_wgengine *eng)
{
	if (!eng)
		return;
	if (eng->fd >= 0) {
		fsc_wgengine_flush(eng);
		close(eng->fd);
	}
	for (size_t i = 0; i < TX_BATCH; i++)
		free(eng->txb[i]);
	if (eng->keylog)
		fclose(eng->keylog);
	for (size_t i = 0; i < eng->npeers; i++) {
		for (size_t k = 0; k < QUEUE_LEN; k++)
			free(eng->peers[i].q[k].buf);
		eng_zero_keys(&eng->peers[i]);
		fsc_wgnoise_wipe(&eng->peers[i].np, sizeof(eng->peers[i].np));
	}
	free(eng->peers);
	fsc_hmap_free(&eng->by_index);
	fsc_allowedips_free(&eng->aip);
	fsc_wgnoise_wipe(eng->conf.private_key, sizeof(eng->conf.private_key));
	fsc_wgconf_free(&eng->conf);
	fsc_wgnoise_wipe(&eng->id, sizeof(eng->id));
	fsc_wgnoise_wipe(&eng->ck, sizeof(eng->ck));
	fsc_wgnoise_free(eng->nz);
	free(eng->rate);
	free(eng->rxbuf);
	free(eng->plain);
	free(eng->txbuf);
	free(eng);
}

/* ---- inspection -------------------------------------------------------- */

const struct fsc_wgengine_stats *fsc_wgengine_stats(const struct fsc_wgengine *eng)
{
	return &eng->st;
}

void fsc_wgengine_public_key(const struct fsc_wgengine *eng, uint8_t pub[FSC_WG_KEY_LEN])
{
	memcpy(pub, eng->id.pub, FSC_WG_KEY_LEN);
}

uint16_t fsc_wgengine_listen_port(const struct fsc_wgengine *eng)
{
	return eng->port;
}

const struct fsc_wgconf *fsc_wgengine_conf(const struct fsc_wgengine *eng)
{
	return &eng->conf;
}

size_t fsc_wgengine_peer_count(const struct fsc_wgengine *eng)
{
	return eng->npeers;
}

bool fsc_wgengine_peer_info(const struct fsc_wgengine *eng, size_t i,
			    struct fsc_wgengine_peer_info *info)
{
	const struct peer *p;

	if (i >= eng->npeers)
		return false;
	p = &eng->peers[i];
	memset(info, 0, sizeof(*info));
	memcpy(info->public_key, p->np.pub, FSC_WG_KEY_LEN);
	info->has_preshared_key = eng->conf.peer[i].has_preshared_key;
	info->has_endpoint = p->has_ep;
	if (p->has_ep)
		eng_addr_from_sa(&p->ep, &info->endpoint, &info->endpoint_port);
	info->last_handshake_unix_ns = p->last_handshake_unix_ns;
	info->rx_bytes = p->rx_bytes;
	info->tx_bytes = p->tx_bytes;
	info->persistent_keepalive = eng->conf.peer[i].persistent_keepalive;
	info->handshakes = p->handshakes;
	info->keepalives_sent = p->keepalives_sent;
	info->allowed_first = eng->conf.peer[i].allowed_first;
	info->allowed_n = eng->conf.peer[i].allowed_n;
	return true;
}
