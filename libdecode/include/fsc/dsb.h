/* dsb.h - pcapng Decryption Secrets Blocks (block type 0x0000000A), which
 * libpcap skips: a file walked block by block for the secrets of one type
 * (WireGuard's "WGKL", TLS's "TLSK"), each block's text handed to a reader.
 *
 *   DSB:    0x0000000A | len | secrets type (4) | secrets length (4) |
 *           secrets (padded to 4) | options
 */
#ifndef FSC_DSB_H
#define FSC_DSB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"

/* The body of a block (after type and length): FSC_OK with its secrets in
 * text[0..text_len), FSC_NOT_THIS for another secrets type, FSC_TRUNCATED
 * or FSC_MALFORMED with *why. */
enum fsc_status fsc_dsb_body(const uint8_t *p, size_t len, bool swapped, uint32_t want,
			     const uint8_t **text, size_t *text_len, const char **why);

typedef void (*fsc_dsb_fn)(void *ctx, const char *text, size_t len);

/* Calls add for each secrets block of type want: their count, 0 for a
 * classic pcap or none, -1 with a reason in err. */
int fsc_dsb_walk(const char *path, uint32_t want, fsc_dsb_fn add, void *ctx, char *err,
		 size_t errlen);

#endif
