/* ja.h - JA3 and JA4 TLS client fingerprints of a parsed ClientHello
 * (protocols.md §9.2, §9.3; salesforce/ja3 README; FoxIO JA4.md). */
#ifndef FSC_JA_H
#define FSC_JA_H

#include <stddef.h>

#include "fsc/status.h"
#include "fsc/tls.h"

/* Longest JA3 string the fixed storage of a hello can give, NUL included:
 * "65535," + 256 ciphers + 64 extensions + 64 groups (6 chars each at most)
 * + 16 point formats (4 chars) + NUL. */
#define FSC_JA3_STR_MAX (6 + 6 * (FSC_TLS_MAX_CIPHERS + FSC_TLS_MAX_EXTS + \
				  FSC_TLS_MAX_GROUPS) + 4 * FSC_TLS_MAX_POINT_FORMATS + 1)
#define FSC_JA3_HEX_LEN 33	/* 32 hex digits + NUL */
#define FSC_JA4_LEN 37		/* "t13d1516h2_8daaf6152771_e5627efa2ab1" + NUL */
/* a(10) _ sorted ciphers _ sorted extensions _ sigalgs, 5 chars an entry. */
#define FSC_JA4_RAW_MAX (10 + 3 + 5 * (FSC_TLS_MAX_CIPHERS + FSC_TLS_MAX_EXTS + \
				       FSC_TLS_MAX_SIGALGS) + 1)

/*
 * All four fill a caller buffer with a NUL-terminated string and return
 *   FSC_OK         done;
 *   FSC_MALFORMED  the hello overflowed its fixed storage (h->overflow: the
 *                  fingerprint would be wrong, so none is given), the buffer
 *                  is too small, or OpenSSL could not digest (*why says).
 * They allocate only inside OpenSSL: EVP_Digest, and the first call's
 * fetch of MD5 and SHA-256, kept for the process (thread-safe).
 */

/* JA3 string: Version,Ciphers,Extensions,Groups,PointFormats in decimal,
 * wire order, GREASE removed. cap >= FSC_JA3_STR_MAX always suffices. */
enum fsc_status fsc_ja3_string(const struct fsc_tls_client_hello *h, char *buf,
			       size_t cap, const char **why);

/* JA3: lowercase hex MD5 of the JA3 string. */
enum fsc_status fsc_ja3(const struct fsc_tls_client_hello *h,
			char out[FSC_JA3_HEX_LEN], const char **why);

/* JA4 (`a_b_c`); transport is 't' (TCP), 'q' (QUIC) or 'd' (DTLS). The first
 * ALPN value is taken as sent (no GREASE filter there, as Wireshark's
 * extensions_alpn_str); duplicate extension types are kept, not merged. */
enum fsc_status fsc_ja4(const struct fsc_tls_client_hello *h, char transport,
			char out[FSC_JA4_LEN], const char **why);

/* JA4_r: part a, then the sorted cipher list, the sorted extension list and
 * the signature algorithms in the clear. cap >= FSC_JA4_RAW_MAX suffices. */
enum fsc_status fsc_ja4_raw(const struct fsc_tls_client_hello *h, char transport,
			    char *buf, size_t cap, const char **why);

#endif
