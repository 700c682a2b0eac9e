/* fuzz_wgconf.c - libFuzzer target for wgengine/src/wgconf.c.
 *
 * Corpus: tests/fuzz/corpus/wgconf/ (configuration files).
 *
 * Oracles: a parse either succeeds with a model inside its limits or fails
 * with a one-line message; a success survives writing the model back as a
 * file and parsing it again, giving the same model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/wgconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t put_prefix(char *out, size_t cap, const struct fsc_prefix *p)
{
	char a[FSC_PREFIX_STRLEN];

	return (size_t)snprintf(out, cap, "%s", fsc_prefix_str(p, a));
}

/* The model as a file again (bounded: a failed write just skips the
 * round trip). */
static size_t write_conf(const struct fsc_wgconf *c, char *out, size_t cap)
{
	char k[FSC_WG_KEY_B64LEN + 1], a[FSC_ENDPOINT_STRLEN];
	size_t n = 0;

#define PUT(...) \
	do { \
		if (n < cap) \
			n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__); \
	} while (0)
	fsc_wgconf_key_write(c->private_key, k);
	PUT("[Interface]\nPrivateKey = %s\nListenPort = %u\n", k, c->listen_port);
	if (c->mtu)
		PUT("MTU = %u\n", c->mtu);
	for (size_t i = 0; i < c->address_n; i++) {
		PUT("Address = ");
		if (n < cap)
			n += put_prefix(out + n, cap - n, &c->address[i]);
		PUT("\n");
	}
	for (size_t p = 0; p < c->peer_n; p++) {
		const struct fsc_wgconf_peer *pe = &c->peer[p];
		fsc_wgconf_key_write(pe->public_key, k);
		PUT("[Peer]\nPublicKey = %s\nPersistentKeepalive = %u\n", k,
		    pe->persistent_keepalive);
		if (pe->has_preshared_key) {
			fsc_wgconf_key_write(pe->preshared_key, k);
			PUT("PresharedKey = %s\n", k);
		}
		if (pe->has_endpoint)
			PUT("Endpoint = %s\n", fsc_endpoint_str(&pe->endpoint, pe->endpoint_port, a));
		for (size_t i = 0; i < pe->allowed_n; i++) {
			PUT("AllowedIPs = ");
			if (n < cap)
				n += put_prefix(out + n, cap - n, &c->allowed[pe->allowed_first + i]);
			PUT("\n");
		}
	}
#undef PUT
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 16];
	struct fsc_wgconf a, b;
	char err[256];

	if (!fsc_wgconf_parse((const char *)data, size, &a, err, sizeof(err))) {
		if (!err[0] || strchr(err, '\n') || a.peer || a.allowed || a.address)
			abort();
		return 0;
	}
	if (a.peer_n > FSC_WGCONF_MAX_PEERS || a.allowed_n > FSC_WGCONF_MAX_PREFIXES)
		abort();
	size_t n = write_conf(&a, text, sizeof(text));
	if (n < sizeof(text)) {
		if (!fsc_wgconf_parse(text, n, &b, err, sizeof(err)))
			abort();
		if (b.peer_n != a.peer_n || b.allowed_n != a.allowed_n ||
		    b.address_n != a.address_n || b.listen_port != a.listen_port ||
		    memcmp(b.private_key, a.private_key, 32) != 0 ||
		    (a.peer_n && memcmp(b.peer, a.peer, a.peer_n * sizeof(*a.peer)) != 0) ||
		    (a.allowed_n && memcmp(b.allowed, a.allowed, a.allowed_n * sizeof(*a.allowed)) != 0))
			abort();
		fsc_wgconf_free(&b);
	}
	fsc_wgconf_free(&a);
	return 0;
}
