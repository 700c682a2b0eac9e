/* wgkeylog.h - Wireshark's WireGuard key log (wg.keylog_file; protocols.md
 * §2.1, refpair.md §3): writer and bounded reader.
 *
 *   LOCAL_STATIC_PRIVATE_KEY = <base64 of 32 bytes>
 *   REMOTE_STATIC_PUBLIC_KEY = ...
 *   LOCAL_EPHEMERAL_PRIVATE_KEY = ...     (one per handshake, both roles)
 *   PRESHARED_KEY = ...                   (binds to the ephemeral above it)
 *
 * Leading spaces and spaces around '=' are ignored, CR before LF accepted;
 * unknown or malformed lines are skipped and counted, as Wireshark does.
 * The same lines are the content of a pcapng Decryption Secrets Block of
 * type FSC_WGKEYLOG_DSB_TYPE ("WGKL").
 */
#ifndef FSC_WGKEYLOG_H
#define FSC_WGKEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"

#define FSC_WGKEYLOG_DSB_TYPE 0x57474b4cu
/* The longest line written: the longest label, " = ", 44 base64, "\n". */
#define FSC_WGKEYLOG_LINE_MAX 80

enum fsc_wgkeylog_type {
	FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY = 0,
	FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY,
	FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY,
	FSC_WGKEYLOG_PRESHARED_KEY,
	FSC_WGKEYLOG_TYPE_COUNT,
};

/* The label as written in the file. */
const char *fsc_wgkeylog_type_name(enum fsc_wgkeylog_type t);

/* ---- Writer ---------------------------------------------------------- */

/* Formats "LABEL = base64\n" into buf (NUL-terminated); returns its length
 * without the NUL, or 0 if cap < FSC_WGKEYLOG_LINE_MAX. */
size_t fsc_wgkeylog_format(char *buf, size_t cap, enum fsc_wgkeylog_type t,
			   const uint8_t key[32]);

/*
 * The lines one handshake needs so that tshark (and fdecode) can decrypt it
 * from this side: LOCAL_STATIC_PRIVATE_KEY, REMOTE_STATIC_PUBLIC_KEY (NULL
 * to leave out: a responder does not need it), LOCAL_EPHEMERAL_PRIVATE_KEY,
 * then PRESHARED_KEY when psk is not NULL and not all zero. Returns the
 * length written (NUL-terminated) or 0 if cap < 4 * FSC_WGKEYLOG_LINE_MAX.
 * Writing the static lines with every handshake is harmless (readers
 * deduplicate); the engine may write them once per peer instead.
 */
size_t fsc_wgkeylog_handshake_lines(char *buf, size_t cap,
				    const uint8_t static_priv[32],
				    const uint8_t *remote_pub,
				    const uint8_t eph_priv[32],
				    const uint8_t *psk);

/* ---- Reader ---------------------------------------------------------- */

/* One line. FSC_OK: *t and key set. FSC_NOT_THIS: blank or unknown label.
 * FSC_MALFORMED: a known label with a bad value. */
enum fsc_status fsc_wgkeylog_parse_line(const char *line, size_t len,
					enum fsc_wgkeylog_type *t,
					uint8_t key[32], const char **why);

/* An ephemeral private key and the PSK bound to it (zeros: none). */
struct fsc_wgkeylog_ephemeral {
	uint8_t priv[32];
	uint8_t psk[32];
};

/*
 * A bounded, deduplicated set of keys read from any number of key logs.
 * Arrays hold up to fsc_wgkeylog_set_new's limits; a key beyond a limit is
 * dropped and counted. Read-only to callers.
 */
struct fsc_wgkeylog_set {
	uint8_t (*static_priv)[32];
	size_t n_static_priv, max_static_priv;
	uint8_t (*remote_pub)[32];
	size_t n_remote_pub, max_remote_pub;
	struct fsc_wgkeylog_ephemeral *eph;
	size_t n_eph, max_eph;
	uint64_t lines, skipped, dropped; /* read, unusable, over a limit */
	bool psk_pending;	/* the last key line was an ephemeral ... */
	size_t psk_slot;	/* ... this one, in eph[] */
};

/* max 0 picks the default (1024 static, 1024 remote, 65536 ephemeral). NULL
 * when out of memory. */
struct fsc_wgkeylog_set *fsc_wgkeylog_set_new(size_t max_static,
					      size_t max_remote,
					      size_t max_eph);
void fsc_wgkeylog_set_free(struct fsc_wgkeylog_set *s);

/* Adds every key in a buffer of key-log lines (a file's or a DSB's
 * content; need not end with a newline). Never fails: bad lines are
 * counted in s->skipped. */
void fsc_wgkeylog_set_add_text(struct fsc_wgkeylog_set *s, const char *text,
			       size_t len);

/* Reads a key-log file. false with a reason (strerror text or "too large",
 * limit 64 MiB) in err. */
bool fsc_wgkeylog_set_add_file(struct fsc_wgkeylog_set *s, const char *path,
			       char *err, size_t errlen);

#endif
