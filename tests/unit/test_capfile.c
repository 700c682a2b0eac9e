/* test_capfile.c - our own capture reader through the source API: pcapng
 * with several interfaces of different link types (names, comments,
 * timestamp resolutions and offsets, either byte order), gzip, files merged
 * by timestamp, and a pipe whose record arrives in pieces (AGAIN, nothing
 * lost). Each file is written byte by byte here, annotated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fsc/source.h"

struct buf {
	uint8_t b[4096];
	size_t n;
	bool be; /* write big-endian */
};

static void u8(struct buf *w, uint8_t v)
{
	w->b[w->n++] = v;
}

static void u16(struct buf *w, uint16_t v)
{
	u8(w, w->be ? (uint8_t)(v >> 8) : (uint8_t)v);
	u8(w, w->be ? (uint8_t)v : (uint8_t)(v >> 8));
}

static void u32(struct buf *w, uint32_t v)
{
	u16(w, w->be ? (uint16_t)(v >> 16) : (uint16_t)v);
	u16(w, w->be ? (uint16_t)v : (uint16_t)(v >> 16));
}

static void bytes(struct buf *w, const void *p, size_t n)
{
	if (n)
		memcpy(w->b + w->n, p, n);
	w->n += n;
	while (w->n % 4)
		u8(w, 0);
}

static void shb(struct buf *w)
{
	u32(w, 0x0A0D0D0A);
	u32(w, 28);
	u32(w, 0x1A2B3C4D); /* byte-order magic, in the writer's order */
	u16(w, 1);
	u16(w, 0);
	u32(w, 0xffffffff);
	u32(w, 0xffffffff);
	u32(w, 28);
}

static void opt(struct buf *w, uint16_t code, const void *v, uint16_t len)
{
	u16(w, code);
	u16(w, len);
	bytes(w, v, len);
}

/* An IDB with name, comment and a timestamp resolution (0: none). */
static void idb(struct buf *w, uint16_t linktype, const char *name, const char *comment,
		uint8_t tsresol, int64_t tsoffset)
{
	size_t start = w->n;
	u32(w, 1);
	u32(w, 0); /* length, set below */
	u16(w, linktype);
	u16(w, 0);
	u32(w, 0); /* snaplen: none */
	if (name)
		opt(w, 2, name, (uint16_t)strlen(name));
	if (comment)
		opt(w, 1, comment, (uint16_t)strlen(comment));
	if (tsresol)
		opt(w, 9, &tsresol, 1);
	if (tsoffset) {
		u16(w, 14);
		u16(w, 8);
		u32(w, w->be ? (uint32_t)((uint64_t)tsoffset >> 32) : (uint32_t)tsoffset);
		u32(w, w->be ? (uint32_t)tsoffset : (uint32_t)((uint64_t)tsoffset >> 32));
	}
	opt(w, 0, NULL, 0);
	uint32_t total = (uint32_t)(w->n - start + 4);
	u32(w, total);
	size_t save = w->n;
	w->n = start + 4;
	u32(w, total);
	w->n = save;
}

static void epb(struct buf *w, uint32_t iface, uint64_t ts, const void *data, uint32_t len)
{
	uint32_t total = 32 + ((len + 3) & ~3u);
	u32(w, 6);
	u32(w, total);
	u32(w, iface);
	u32(w, (uint32_t)(ts >> 32));
	u32(w, (uint32_t)ts);
	u32(w, len);
	u32(w, len);
	bytes(w, data, len);
	u32(w, total);
}

static char dir[64];

static const char *put_file(const char *name, const void *p, size_t n)
{
	static char paths[8][128];
	static int k;
	char *path = paths[k++ % 8];
	snprintf(path, 128, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
	return path;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fsc-test-capfile-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static const uint8_t raw_udp[] = { /* IPv4 UDP 198.18.0.1:12345 > 198.18.0.2:41641 */
	0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2,
	0x30, 0x39, 0xa2, 0xa9, 0, 8, 0, 0,
};

/* Two interfaces, RAW (101) microseconds and EN10MB (1) nanoseconds with a
 * name and a comment, then a second section in the other byte order with
 * its own interface, 2^-10 s units and a 5 s offset. */
static size_t mixed(struct buf *w)
{
	uint8_t eth[14 + sizeof(raw_udp)] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00 };
	memcpy(eth + 14, raw_udp, sizeof(raw_udp));
	w->n = 0;
	w->be = false;
	shb(w);
	idb(w, 101, "tailscale0", NULL, 0, 0);
	idb(w, 1, "eth0", "uplink \x1b[31m", 9, 0);
	epb(w, 0, 1700000000ull * 1000000 + 250000, raw_udp, sizeof(raw_udp));
	epb(w, 1, 1700000001ull * 1000000000 + 5, eth, sizeof(eth));
	w->be = true;
	shb(w);
	idb(w, 101, "wg1", NULL, 0x80 | 10, 5);
	epb(w, 0, (1700000002ull << 10) | 512, raw_udp, sizeof(raw_udp));
	return w->n;
}

static void pcapng_several_link_types(void **state)
{
	(void)state;
	struct buf w;
	char err[256];
	struct fsc_frame f;
	const char *p = put_file("mixed.pcapng", w.b, mixed(&w));
	struct fsc_source *s = fsc_source_open_file(p, NULL, err, sizeof(err));

	assert_non_null(s);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.linktype, 101);
	assert_int_equal(f.iface, 0);
	assert_int_equal(f.sec, 1700000000);
	assert_int_equal(f.nsec, 250000000);
	assert_int_equal(f.caplen, sizeof(raw_udp));
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.linktype, 1);
	assert_int_equal(f.iface, 1);
	assert_int_equal(f.sec, 1700000001);
	assert_int_equal(f.nsec, 5);
	const struct fsc_iface_info *in = fsc_source_iface(s, 0, 1);
	assert_non_null(in);
	assert_string_equal(in->name, "eth0");
	assert_string_equal(in->comment, "uplink \x1b[31m"); /* raw: printers escape */
	assert_null(fsc_source_iface(s, 0, 0)->comment);
	/* The big-endian section: its interface 0 is the file's third. */
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.iface, 2);
	assert_int_equal(f.sec, 1700000002 + 5);
	assert_int_equal(f.nsec, 500000000);
	assert_string_equal(fsc_source_iface(s, 0, 2)->name, "wg1");
	assert_int_equal(fsc_source_ifaces(s, 0), 3);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_END);
	fsc_source_close(s);

	/* A filter compiles for each link type: both UDP frames pass. */
	s = fsc_source_open_file(p, "udp port 41641", err, sizeof(err));
	assert_non_null(s);
	int n = 0;
	while (fsc_source_next(s, &f) == FSC_SRC_FRAME)
		n++;
	assert_int_equal(n, 3);
	fsc_source_close(s);
}

static void pcapng_packet_before_interface(void **state)
{
	(void)state;
	struct buf w = { .n = 0 };
	char err[256];
	struct fsc_frame f;
	shb(&w);
	epb(&w, 0, 0, raw_udp, sizeof(raw_udp));
	struct fsc_source *s = fsc_source_open_file(put_file("noidb.pcapng", w.b, w.n), NULL,
						    err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_ERROR);
	assert_non_null(strstr(fsc_source_error(s), "not described"));
	fsc_source_close(s);
}

static void gzip_file(void **state)
{
	(void)state;
	struct buf w;
	char err[256], gzpath[160];
	struct fsc_frame f;
	size_t n = mixed(&w);

	snprintf(gzpath, sizeof(gzpath), "%s/mixed.pcapng.gz", dir);
	gzFile gz = gzopen(gzpath, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, w.b, (unsigned)n), (int)n);
	gzclose(gz);
	struct fsc_source *s = fsc_source_open_file(gzpath, NULL, err, sizeof(err));
	assert_non_null(s);
	int k = 0;
	while (fsc_source_next(s, &f) == FSC_SRC_FRAME)
		k++;
	assert_int_equal(k, 3);
	assert_int_equal(fsc_source_offset(s), -1); /* not a file position */
	fsc_source_close(s);

	/* A gzip stream cut short is damage, after the frames before the cut. */
	FILE *in = fopen(gzpath, "rb");
	uint8_t z[4096];
	size_t zn = fread(z, 1, sizeof(z), in);
	fclose(in);
	s = fsc_source_open_file(put_file("cut.pcapng.gz", z, zn - 30), NULL, err, sizeof(err));
	assert_non_null(s);
	enum fsc_src_result r;
	while ((r = fsc_source_next(s, &f)) == FSC_SRC_FRAME)
		;
	assert_int_equal(r, FSC_SRC_ERROR);
	fsc_source_close(s);
}

/* A gzip file whose first read is larger than a refill (it once overran the
 * compressed-bytes buffer): 2 MB of incompressible frames. */
static void gzip_large(void **state)
{
	(void)state;
	char err[256], gzpath[160];
	struct fsc_frame f;
	static uint8_t rec[16 + 1500];
	uint32_t x = 12345;

	snprintf(gzpath, sizeof(gzpath), "%s/big.pcap.gz", dir);
	gzFile gz = gzopen(gzpath, "wb1");
	assert_non_null(gz);
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 };
	gzwrite(gz, hdr, sizeof(hdr));
	for (int i = 0; i < 1400; i++) {
		const uint32_t rh[4] = { (uint32_t)i, 0, 1500, 1500 };
		memcpy(rec, rh, 16);
		for (int k = 16; k < (int)sizeof(rec); k++) {
			x = x * 1103515245u + 12345u;
			rec[k] = (uint8_t)(x >> 16);
		}
		assert_int_equal(gzwrite(gz, rec, sizeof(rec)), (int)sizeof(rec));
	}
	gzclose(gz);
	struct fsc_source *s = fsc_source_open_file(gzpath, NULL, err, sizeof(err));
	assert_non_null(s);
	int n = 0;
	enum fsc_src_result r;
	while ((r = fsc_source_next(s, &f)) == FSC_SRC_FRAME) {
		assert_int_equal(f.sec, n);
		n++;
	}
	assert_int_equal(r, FSC_SRC_END);
	assert_int_equal(n, 1400);
	fsc_source_close(s);
}

/* Classic pcap, microseconds, little-endian; one frame at t. */
static size_t classic(struct buf *w, uint32_t t0, int frames)
{
	w->n = 0;
	w->be = false;
	u32(w, 0xa1b2c3d4);
	u16(w, 2);
	u16(w, 4);
	u32(w, 0);
	u32(w, 0);
	u32(w, 65535);
	u32(w, 101);
	for (int i = 0; i < frames; i++) {
		u32(w, t0 + 2 * (uint32_t)i);
		u32(w, 0);
		u32(w, sizeof(raw_udp));
		u32(w, sizeof(raw_udp));
		memcpy(w->b + w->n, raw_udp, sizeof(raw_udp));
		w->n += sizeof(raw_udp);
	}
	return w->n;
}

static void merged_by_timestamp(void **state)
{
	(void)state;
	struct buf a, b;
	char err[256];
	struct fsc_frame f;
	/* a: t = 10, 12, 14; b: t = 11, 13, 15. */
	const char *pa = put_file("a.pcap", a.b, classic(&a, 10, 3));
	const char *pb = put_file("b.pcap", b.b, classic(&b, 11, 3));
	struct fsc_source *two[2] = {
		fsc_source_open_file(pa, NULL, err, sizeof(err)),
		fsc_source_open_file(pb, NULL, err, sizeof(err)),
	};
	assert_non_null(two[0]);
	assert_non_null(two[1]);
	struct fsc_source *s = fsc_source_merge(two, 2, err, sizeof(err));
	assert_non_null(s);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
		assert_int_equal(f.sec, 10 + i);
		assert_int_equal(f.file, (unsigned)(i % 2));
		assert_int_equal(f.number, (uint64_t)(i / 2 + 1));
	}
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_END);
	assert_string_equal(fsc_source_path(s, 1), pb);
	fsc_source_close(s);
}

/* A pipe: the reader never blocks once open; a record that arrives in two
 * writes is AGAIN first, then whole. */
static void pipe_in_pieces(void **state)
{
	(void)state;
	struct buf w;
	char err[256], path[64];
	struct fsc_frame f;
	int fds[2], one;
	size_t n = classic(&w, 100, 1);

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], w.b, 24 + 10), 24 + 10);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[0]);
	struct fsc_source *s = fsc_source_open_file(path, NULL, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(fsc_source_fds(s, &one, 1), 1);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_AGAIN);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_AGAIN);
	assert_int_equal(write(fds[1], w.b + 34, n - 34), (ssize_t)(n - 34));
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.sec, 100);
	assert_memory_equal(f.data, raw_udp, sizeof(raw_udp));
	close(fds[1]);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_END);
	fsc_source_close(s);
	close(fds[0]);
}

/* --follow: the end of a growing file is AGAIN, and a record cut by it is
 * waited for, not damage. */
static void follow_growing(void **state)
{
	(void)state;
	struct buf w;
	char err[256];
	struct fsc_frame f;
	size_t n = classic(&w, 7, 2);
	const char *p = put_file("grow.pcap", w.b, n - 5);
	struct fsc_file_opts o = { .follow = true };
	struct fsc_source *s = fsc_source_open_file_opts(p, &o, err, sizeof(err));

	assert_non_null(s);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_AGAIN);
	FILE *fp = fopen(p, "ab");
	fwrite(w.b + n - 5, 1, 5, fp);
	fclose(fp);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.sec, 9);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_AGAIN);
	fsc_source_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pcapng_several_link_types),
		cmocka_unit_test(pcapng_packet_before_interface),
		cmocka_unit_test(gzip_file),
		cmocka_unit_test(gzip_large),
		cmocka_unit_test(merged_by_timestamp),
		cmocka_unit_test(pipe_in_pieces),
		cmocka_unit_test(follow_growing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
