/* wgconf.h - the wg(8) configuration file, parsed into a caller-owned model.
 *
 * The format users know from `wg setconf` and wg-quick:
 *
 *   [Interface]
 *   PrivateKey = <44 base64 characters>
 *   ListenPort = 51820                      (optional; 0 or absent = any)
 *   Address = 100.64.0.1/32, fd7a:115c:a1e0::1/128   (wg-quick; repeatable)
 *   MTU = 1280                              (wg-quick; optional)
 *
 *   [Peer]
 *   PublicKey = <base64>
 *   PresharedKey = <base64>                 (optional)
 *   Endpoint = 198.18.0.2:51820 | [2001:db8::2]:51820   (optional)
 *   AllowedIPs = 100.64.0.2/32, ::/0        (repeatable)
 *   PersistentKeepalive = 25 | off          (optional)
 *
 * Section and key names are case-insensitive; '#' starts a comment; blank
 * lines and whitespace around tokens are ignored. Endpoints are numeric: the
 * engine never resolves names (its loop must not block). Unknown keys are
 * errors, as in wg(8). AllowedIPs keep only their prefix bits
 * (10.0.0.7/8 -> 10.0.0.0/8); Address keeps the host bits.
 */
#ifndef FSC_WGCONF_H
#define FSC_WGCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/tsaddr.h"    /* struct fsc_prefix */
#include "fsc/wireguard.h" /* FSC_WG_KEY_LEN */

/* Base64 text of a key: 43 characters and one '='. */
#define FSC_WG_KEY_B64LEN 44

struct fsc_wgconf_peer {
	uint8_t public_key[FSC_WG_KEY_LEN];
	uint8_t preshared_key[FSC_WG_KEY_LEN]; /* zeros when absent */
	bool has_preshared_key;
	bool has_endpoint;
	struct fsc_addr endpoint;
	uint16_t endpoint_port;
	uint16_t persistent_keepalive; /* seconds; 0 = off */
	size_t allowed_first;	       /* index into fsc_wgconf.allowed */
	size_t allowed_n;
};

/* Owns its arrays: release with fsc_wgconf_free. */
struct fsc_wgconf {
	uint8_t private_key[FSC_WG_KEY_LEN];
	bool has_private_key;
	uint16_t listen_port;
	uint16_t mtu; /* 0 = unset */
	struct fsc_prefix *address;
	size_t address_n;
	struct fsc_wgconf_peer *peer;
	size_t peer_n;
	struct fsc_prefix *allowed; /* every peer's AllowedIPs, in peer order */
	size_t allowed_n;
};

/* Limits that keep a hostile file from exhausting memory. */
#define FSC_WGCONF_MAX_PEERS 4096
#define FSC_WGCONF_MAX_PREFIXES 65536
#define FSC_WGCONF_MAX_LINE 4096

/*
 * Parses text[0..len) (need not be NUL-terminated). On success returns true
 * with *conf filled (free it with fsc_wgconf_free). On failure returns false,
 * *conf is empty (nothing to free, freeing is harmless), and err holds one
 * line: "line N: 'TEXT': reason" where TEXT is the offending line with
 * control bytes shown as '?' (cut at 80 characters); errors about the whole
 * file ("no PrivateKey") have no line part. A file must have exactly one
 * [Interface] with a PrivateKey; every [Peer] needs a PublicKey distinct
 * from the other peers' (the engine checks it against our own, which it
 * derives).
 */
bool fsc_wgconf_parse(const char *text, size_t len, struct fsc_wgconf *conf,
		      char *err, size_t errlen);

void fsc_wgconf_free(struct fsc_wgconf *conf);

/* Decodes exactly one WireGuard key: 44 characters of standard base64 with
 * one '=' and zero padding bits (what `wg genkey` writes). */
bool fsc_wgconf_key_parse(const char *s, size_t n, uint8_t key[FSC_WG_KEY_LEN]);
/* Writes the 44 characters and a NUL into out[FSC_WG_KEY_B64LEN + 1]. */
void fsc_wgconf_key_write(const uint8_t key[FSC_WG_KEY_LEN], char *out);

/* "100.64.0.0/10", "fd7a::/48"; an address without "/N" is a host (/32 or
 * /128). True and *p filled on success; mask clears the bits past the
 * prefix. (fsc_tsaddr_parse_prefix is stricter: it wants "/N" and refuses
 * host bits, which wg(8) accepts.) */
bool fsc_wgconf_prefix_parse(const char *s, size_t n, bool mask, struct fsc_prefix *p);
/* "ADDR:PORT" or "[ADDR6]:PORT". */
bool fsc_wgconf_endpoint_parse(const char *s, size_t n, struct fsc_addr *a, uint16_t *port);

#endif
