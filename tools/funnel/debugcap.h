/* debugcap.h - a `tailscale debug capture` file of the tunnel's inner
 * packets (fnode --debug-capture): classic pcap, little-endian, snaplen
 * 65535, linktype 147 (LINKTYPE_USER0), each record the tscap header
 * (fsc/tscap.h: path, no NAT addresses) then the inner IP packet, as
 * tailscale's capture package writes it and fdecode reads it.
 *
 * Each record goes out with one write(2), so a reader (fdecode -r, tail -f
 * into a pipe) sees every packet as soon as it passed. The file is
 * bounded: at max_bytes writing stops and the program logs it once
 * (debug-capture-full); the file stays a valid capture.
 */
#ifndef FSC_DEBUGCAP_H
#define FSC_DEBUGCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fsc_debugcap;

/* Creates (truncates) path, mode 0600 (the packets are the tunnel's
 * plaintext), and writes the file header. NULL with a reason in err. */
struct fsc_debugcap *fsc_debugcap_open(const char *path, uint64_t max_bytes, char *err,
				       size_t errlen);
/* Records one inner packet with the tscap path (enum fsc_tscap_path) and
 * the wall-clock time of the call. Never blocks on anything but the write. */
void fsc_debugcap_packet(struct fsc_debugcap *d, uint16_t path, const uint8_t *pkt, size_t len);
/* Records written and records left out (the cap reached, a write failed). */
uint64_t fsc_debugcap_records(const struct fsc_debugcap *d);
uint64_t fsc_debugcap_dropped(const struct fsc_debugcap *d);
void fsc_debugcap_close(struct fsc_debugcap *d);

#endif
