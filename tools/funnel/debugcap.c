/* debugcap.c - the debug capture writer (debugcap.h). Layout from
 * tailscale's capture package (writePcapHeader, LogPacket) and
 * protocols.md §6:
 *
 *   file header (24, LE)            record (16 + 4 + packet)
 *   a1b2c3d4 magic                  ts_sec u32, ts_usec u32
 *   2, 4     version                caplen u32 = origlen u32 = 4 + packet
 *   0, 0     zone, sigfigs          path u16 LE, SNAT len 0, DNAT len 0
 *   65535    snaplen                the inner IP packet
 *   147      LINKTYPE_USER0
 */
#include "debugcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flog.h"
#include "fsc/tscap.h"

#define SNAPLEN 65535u
#define FILE_HEAD 24u
#define REC_HEAD 16u

struct fsc_debugcap {
	int fd;
	uint64_t max_bytes, written;
	uint64_t records, dropped;
	bool full_logged;
	uint8_t rec[REC_HEAD + SNAPLEN];
};

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

struct fsc_debugcap *fsc_debugcap_open(const char *path, uint64_t max_bytes, char *err,
				       size_t errlen)
{
	struct fsc_debugcap *d = calloc(1, sizeof(*d));
	uint8_t h[FILE_HEAD];

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (d->fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(d);
		return NULL;
	}
	le32(h, 0xa1b2c3d4u);
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4, u16 LE each */
	le32(h + 8, 0);
	le32(h + 12, 0);
	le32(h + 16, SNAPLEN);
	le32(h + 20, FSC_LINKTYPE_TSCAP);
	if (!write_all(d->fd, h, sizeof(h))) {
		snprintf(err, errlen, "%s", strerror(errno));
		fsc_debugcap_close(d);
		return NULL;
	}
	d->max_bytes = max_bytes;
	d->written = sizeof(h);
	return d;
}

void fsc_debugcap_packet(struct fsc_debugcap *d, uint16_t path, const uint8_t *pkt, size_t len)
{
	struct timespec ts;
	size_t n = len > SNAPLEN - FSC_TSCAP_HEAD_LEN ? SNAPLEN - FSC_TSCAP_HEAD_LEN : len;
	size_t rec = REC_HEAD + FSC_TSCAP_HEAD_LEN + n;

	if (d->fd < 0 || d->written + rec > d->max_bytes) {
		d->dropped++;
		if (!d->full_logged && d->fd >= 0) {
			struct fsc_line l;
			fsc_line_begin(&l, "debug-capture-full");
			fsc_line_u64(&l, "bytes", d->written);
			fsc_line_u64(&l, "records", d->records);
			fsc_line_end(&l);
			d->full_logged = true;
		}
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	le32(d->rec, (uint32_t)ts.tv_sec);
	le32(d->rec + 4, (uint32_t)(ts.tv_nsec / 1000));
	le32(d->rec + 8, (uint32_t)(FSC_TSCAP_HEAD_LEN + n));
	le32(d->rec + 12, (uint32_t)(FSC_TSCAP_HEAD_LEN + len));
	fsc_tscap_encode_head(d->rec + REC_HEAD, FSC_TSCAP_HEAD_LEN, path);
	memcpy(d->rec + REC_HEAD + FSC_TSCAP_HEAD_LEN, pkt, n);
	if (!write_all(d->fd, d->rec, rec)) {
		/* A part of a record may be out: nothing after it can be read,
		 * so nothing more is written. */
		struct fsc_line l;
		fsc_line_begin(&l, "debug-capture-failed");
		fsc_line_cstr(&l, "error", strerror(errno));
		fsc_line_end(&l);
		close(d->fd);
		d->fd = -1;
		d->dropped++;
		return;
	}
	d->written += rec;
	d->records++;
}

uint64_t fsc_debugcap_records(const struct fsc_debugcap *d)
{
	return d->records;
}

uint64_t fsc_debugcap_dropped(const struct fsc_debugcap *d)
{
	return d->dropped;
}

void fsc_debugcap_close(struct fsc_debugcap *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}
