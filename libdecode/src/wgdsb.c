/* wgdsb.c - key logs embedded in pcapng Decryption Secrets Blocks (pcapng
 * spec draft §4.7; wireshark wiretap/secrets-types.h; refpair.md §3): one
 * walk for every secrets type (WireGuard's here, TLS's for tlskeys.c).
 * libpcap skips these blocks, so the file is walked here, block header by
 * block header, before libpcap reads its packets.
 *
 *   block:  type (4) | total length (4) | body | total length (4)
 *   SHB:    0x0A0D0D0A | len | byte-order magic 0x1A2B3C4D | ...
 *   DSB:    0x0000000A | len | secrets type (4) | secrets length (4) |
 *           secrets (padded to 4) | options
 */
#include "fsc/wgdecrypt.h"
#include "fsc/dsb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/cursor.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_DSB 0x0000000Au
#define BOM 0x1A2B3C4Du
#define DSB_MAX (16u << 20) /* a bigger secrets block is refused */

static uint32_t rd32(struct fsc_cursor *c, bool swapped)
{
	return swapped ? fsc_cur_be32(c) : fsc_cur_le32(c);
}

enum fsc_status fsc_dsb_body(const uint8_t *p, size_t len, bool swapped, uint32_t want,
			     const uint8_t **text, size_t *text_len, const char **why)
{
	struct fsc_cursor c = fsc_cur_make(p, len);
	uint32_t type = rd32(&c, swapped);
	uint32_t n = rd32(&c, swapped);

	*text = NULL;
	*text_len = 0;
	if (c.bad) {
		*why = "secrets block shorter than its header";
		return FSC_TRUNCATED;
	}
	if (type != want) {
		*why = "other secrets type";
		return FSC_NOT_THIS;
	}
	*text = fsc_cur_take(&c, n);
	if (!*text) {
		*why = "secrets length beyond the block";
		return FSC_MALFORMED;
	}
	*text_len = n;
	*why = NULL;
	return FSC_OK;
}

static bool read_exact(FILE *f, void *p, size_t n)
{
	return fread(p, 1, n, f) == n;
}

enum fsc_status fsc_wgd_dsb_body(const uint8_t *p, size_t len, bool swapped,
				 const uint8_t **text, size_t *text_len,
				 const char **why)
{
	return fsc_dsb_body(p, len, swapped, FSC_WGKEYLOG_DSB_TYPE, text, text_len, why);
}

static void add_wg(void *ctx, const char *text, size_t len)
{
	fsc_wgkeylog_set_add_text(ctx, text, len);
}

int fsc_wgd_pcapng_secrets(const char *path, struct fsc_wgkeylog_set *keys,
			   char *err, size_t errlen)
{
	return fsc_dsb_walk(path, FSC_WGKEYLOG_DSB_TYPE, add_wg, keys, err, errlen);
}

int fsc_dsb_walk(const char *path, uint32_t want, fsc_dsb_fn add, void *ctx, char *err,
		 size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t hdr[12];
	bool swapped = false;
	int found = 0;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (!read_exact(f, hdr, 12) ||
	    (hdr[0] | hdr[1] << 8 | hdr[2] << 16 | (uint32_t)hdr[3] << 24) != BT_SHB) {
		fclose(f); /* classic pcap, or too short to be either */
		return 0;
	}
	for (;;) {
		struct fsc_cursor c = fsc_cur_make(hdr, 12);
		uint32_t type = fsc_cur_le32(&c), len;

		if (type == BT_SHB) {
			struct fsc_cursor m = fsc_cur_make(hdr + 8, 4);
			uint32_t magic = fsc_cur_le32(&m);
			if (magic != BOM && magic != 0x4D3C2B1Au) {
				snprintf(err, errlen, "section header with a bad byte-order magic");
				goto fail;
			}
			/* fields are read little-endian unless the
			 * section's magic says the other order */
			swapped = magic != BOM;
		}
		c = fsc_cur_make(hdr, 12);
		type = rd32(&c, swapped);
		len = rd32(&c, swapped);
		if (len < 12 || len % 4) {
			snprintf(err, errlen, "block length %u is not a multiple of 4 from 12",
				 len);
			goto fail;
		}
		if (type == BT_DSB) {
			uint8_t *body;
			const uint8_t *text;
			size_t text_len;
			const char *why;

			if (len > DSB_MAX) {
				snprintf(err, errlen, "secrets block of %u bytes (16 MiB at most)",
					 len);
				goto fail;
			}
			body = malloc(len);
			if (!body) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			memcpy(body, hdr + 8, 4);
			if (!read_exact(f, body + 4, len - 12)) {
				free(body);
				snprintf(err, errlen, "file ends inside a secrets block");
				goto fail;
			}
			if (fsc_dsb_body(body, len - 12, swapped, want, &text, &text_len,
					 &why) == FSC_OK) {
				add(ctx, (const char *)text, text_len);
				found++;
			}
			free(body);
		} else if (fseek(f, (long)len - 12, SEEK_CUR) != 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto fail;
		}
		if (!read_exact(f, hdr, 12))
			break; /* the end (a cut last block is libpcap's to report) */
	}
	fclose(f);
	return found;
fail:
	fclose(f);
	return -1;
}
