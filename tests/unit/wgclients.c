/* wgclients.c - many peers against one engine (wgclients.h). */
#include "wgclients.h"

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

#define PEER_LINE_MAX 160 /* one [Peer] section: a key and a /32 */

static bool new_key(struct wgclients *w, struct fsc_wgnoise_identity *id)
{
	uint8_t priv[32];
	const char *why;
	bool ok;

	RAND_bytes(priv, sizeof(priv));
	fsc_wgnoise_clamp(priv);
	ok = fsc_wgnoise_identity_set(w->nz, id, priv, &why) == FSC_OK;
	fsc_wgnoise_wipe(priv, sizeof(priv));
	if (!ok)
		fprintf(stderr, "wgclients: key: %s\n", why);
	return ok;
}

static bool open_socket(struct wgclients *w)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	w->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0 || bind(w->fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(w->fd, (struct sockaddr *)&sin, &sl) != 0) {
		perror("wgclients: socket");
		return false;
	}
	w->port = ntohs(sin.sin_port);
	return fsc_addr_parse("127.0.0.1", &w->from);
}

/* The engine's configuration: our identities as its peers. */
static char *engine_conf(struct wgclients *w, size_t *len)
{
	size_t cap = 128 + w->n * PEER_LINE_MAX, n;
	char *text = malloc(cap), key[FSC_WG_KEY_B64LEN + 1];

	if (!text)
		return NULL;
	fsc_wgconf_key_write(w->engine_id.priv, key);
	n = (size_t)snprintf(text, cap, "[Interface]\nPrivateKey = %s\nListenPort = 0\n", key);
	for (size_t i = 0; i < w->n; i++) {
		const uint8_t *a = w->c[i].inner;
		fsc_wgconf_key_write(w->c[i].id.pub, key);
		n += (size_t)snprintf(text + n, cap - n,
				      "[Peer]\nPublicKey = %s\nAllowedIPs = %u.%u.%u.%u/32\n", key,
				      a[0], a[1], a[2], a[3]);
	}
	*len = n;
	return text;
}

bool wgclients_make(struct wgclients *w, size_t n, const struct fsc_wgengine_opts *opts)
{
	char err[256];
	const char *why;
	struct fsc_wgconf conf;
	size_t len;
	char *text;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->n = n;
	if (n > 250 * 250 || !(w->nz = fsc_wgnoise_new(err, sizeof(err))) ||
	    !(w->c = calloc(n ? n : 1, sizeof(*w->c))) || !open_socket(w) ||
	    !new_key(w, &w->engine_id))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct wgclient *c = &w->c[i];
		c->inner[0] = 100, c->inner[1] = 64;
		c->inner[2] = (uint8_t)(1 + i / 250), c->inner[3] = (uint8_t)(1 + i % 250);
		if (!new_key(w, &c->id) ||
		    fsc_wgnoise_peer_set(w->nz, &c->engine, &c->id, w->engine_id.pub, NULL, &why) !=
			    FSC_OK)
			return false;
	}
	if (!(text = engine_conf(w, &len)))
		return false;
	bool parsed = fsc_wgconf_parse(text, len, &conf, err, sizeof(err));
	free(text);
	if (!parsed) {
		fprintf(stderr, "wgclients: configuration: %s\n", err);
		return false;
	}
	w->eng = fsc_wgengine_new(&conf, opts, err, sizeof(err));
	fsc_wgconf_free(&conf);
	if (!w->eng)
		fprintf(stderr, "wgclients: engine: %s\n", err);
	return w->eng != NULL;
}

void wgclients_free(struct wgclients *w)
{
	fsc_wgengine_free(w->eng);
	if (w->fd >= 0)
		close(w->fd);
	free(w->c);
	fsc_wgnoise_free(w->nz);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The engine's response to our initiation from `sender`, into buf. */
static bool read_response(struct wgclients *w, uint32_t sender, uint8_t *buf, size_t cap)
{
	uint64_t end = ms_now() + 3000;

	while (ms_now() < end) {
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		ssize_t r;

		poll(&p, 1, 50);
		while ((r = recv(w->fd, buf, cap, 0)) > 0) {
			if (r == FSC_WG_RESPONSE_LEN && buf[0] == 2 &&
			    (uint32_t)(buf[8] | buf[9] << 8 | buf[10] << 16 | (uint32_t)buf[11] << 24) ==
				    sender)
				return true;
		}
	}
	return false;
}

bool wgclients_handshake(struct wgclients *w, size_t i, struct fsc_wgnoise_keypair *kp)
{
	struct wgclient *c = &w->c[i];
	struct fsc_wgnoise_handshake hs;
	uint8_t eph[32], ts[FSC_WGNOISE_TAI64N_LEN], init[FSC_WG_INITIATION_LEN], buf[512];
	uint32_t sender, k = w->timestamps++;
	const char *why = NULL;
	bool ok;

	memset(&hs, 0, sizeof(hs));
	RAND_bytes(eph, sizeof(eph));
	RAND_bytes((uint8_t *)&sender, sizeof(sender));
	/* Newer than any initiation before it: 20 ms a handshake, above
	 * the whitening of the nanoseconds (wireguard-go's 2^24 ns). */
	fsc_wgnoise_tai64n_make(ts, 1700000000ull + k / 50, (k % 50) * 20000000u);
	ok = fsc_wgnoise_initiation_create(w->nz, &c->id, &c->engine, &hs, eph, sender, ts, 1,
					   init, &why) == FSC_OK;
	fsc_wgnoise_wipe(eph, sizeof(eph));
	if (ok) {
		fsc_wgengine_receive(w->eng, init, sizeof(init), &w->from, w->port);
		ok = read_response(w, sender, buf, sizeof(buf)) &&
		     fsc_wgnoise_response_consume(w->nz, &c->id, &c->engine, &hs, buf,
						  FSC_WG_RESPONSE_LEN, &why) == FSC_OK &&
		     fsc_wgnoise_keypair_derive(w->nz, &hs, kp, &why) == FSC_OK;
	}
	if (!ok)
		fprintf(stderr, "wgclients: handshake of peer %zu: %s\n", i,
			why ? why : "no response");
	fsc_wgnoise_wipe(&hs, sizeof(hs));
	return ok;
}

size_t wgclients_seal(struct wgclients *w, size_t i, struct fsc_wgnoise_keypair *kp,
		      uint32_t tag, uint8_t *out, size_t cap)
{
	uint8_t pkt[60] = { 0x45, 0, 0, sizeof(pkt), [8] = 64, [9] = 17, [16] = 100, [17] = 64,
			    [19] = 1, /* to 100.64.0.1 */
			    [21] = 53, [23] = 53, [25] = sizeof(pkt) - 20 };
	const char *why;
	size_t len;

	memcpy(pkt + 12, w->c[i].inner, 4);
	pkt[28] = (uint8_t)(tag >> 24), pkt[29] = (uint8_t)(tag >> 16);
	pkt[30] = (uint8_t)(tag >> 8), pkt[31] = (uint8_t)tag;
	if (fsc_wgnoise_transport_seal(w->nz, kp, pkt, sizeof(pkt), 0, out, cap, &len, &why) !=
	    FSC_OK)
		return 0;
	return len;
}

uint32_t wgclients_tag(const uint8_t *pkt, size_t len)
{
	if (len < 32)
		return UINT32_MAX;
	return (uint32_t)pkt[28] << 24 | (uint32_t)pkt[29] << 16 | (uint32_t)pkt[30] << 8 | pkt[31];
}
