/* capfile.c - classic pcap and pcapng, plain or gzip, read in place.
 *
 * Classic pcap (pcap-savefile(5)): a 24-byte header, then records
 *   +--------+--------+--------+--------+----------------+
 *   | ts_sec |ts_frac | caplen | origlen| caplen bytes   |
 *   +--------+--------+--------+--------+----------------+
 * pcapng (draft-ietf-opsawg-pcapng): blocks, each
 *   +------+-----------+----------------------+-----------+
 *   | type | total_len | body (padded to 4)   | total_len |
 *   +------+-----------+----------------------+-----------+
 * of which we use the Section Header (0x0A0D0D0A: byte order), Interface
 * Description (1: link type, name, description, comment, tsresol,
 * tsoffset), Enhanced Packet (6), Simple Packet (3) and the obsolete
 * Packet (2) blocks; any other block is skipped whole.
 *
 * Bytes come into one buffer (read(2), or inflate over read(2)); a record
 * is parsed from the buffer with a cursor once all of it is there, so a
 * short read (a signal, a growing file) loses nothing: the next call
 * continues where this one stopped.
 */
#include "capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fsc/cursor.h"

#define READ_CHUNK (128 << 10)	  /* one read(2): a tenth faster than 4 KiB */
#define MAX_BLOCK (16u << 20)	  /* pcapng blocks beyond this are damage */
#define MAX_IFACES 65536	  /* interfaces a file may declare */
#define IFACE_TEXT 256		  /* name, description, comment kept */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_BOM 0x1A2B3C4Du

struct iface {
	struct fsc_iface_info info;
	char name[IFACE_TEXT], description[IFACE_TEXT], comment[IFACE_TEXT];
	uint64_t units;		/* timestamp units a second */
	int64_t tsoffset;	/* seconds added to every timestamp */
};

struct capfile {
	int fd;
	bool follow, gzip, pcapng, swapped, nano;
	/* A pipe or socket, once the header is read: a read that would wait
	 * returns AGAIN instead, so the caller can flush and poll. */
	bool nowait;
	/* The bytes in hand: buf[pos, end) not yet parsed. */
	uint8_t *buf;
	size_t cap, pos, end;
	int64_t base;		/* stream offset of buf[0] */
	int64_t record_offset;
	z_stream z;
	uint8_t *zin;		/* compressed bytes not yet inflated */
	uint64_t number;
	unsigned section_base;	/* pcapng: first interface of the section */
	unsigned n_ifaces, cap_ifaces;
	struct iface *ifaces;
	char error[256];
};

static uint16_t get16(struct fsc_cursor *c, bool swapped)
{
	return swapped ? fsc_cur_be16(c) : fsc_cur_le16(c);
}

static uint32_t get32(struct fsc_cursor *c, bool swapped)
{
	return swapped ? fsc_cur_be32(c) : fsc_cur_le32(c);
}

/* Room for n bytes from pos: slides what is left to the front, grows. */
static bool make_room(struct capfile *c, size_t n)
{
	/* Sliding moves at most one record and a read's worth, once every
	 * few reads: cheaper than a ring and its wrapped records. */
	if (c->pos > 0 && c->cap - c->pos < n + READ_CHUNK) {
		memmove(c->buf, c->buf + c->pos, c->end - c->pos);
		c->base += (int64_t)c->pos;
		c->end -= c->pos;
		c->pos = 0;
	}
	if (c->cap < n + READ_CHUNK) {
		size_t cap = 2 * (n + 2 * READ_CHUNK);
		uint8_t *b = realloc(c->buf, cap);
		if (!b)
			return false;
		c->buf = b;
		c->cap = cap;
	}
	return true;
}

enum fill { FILL_OK, FILL_SHORT, FILL_AGAIN, FILL_ERROR };

static bool would_wait(const struct capfile *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };

	return c->nowait && poll(&p, 1, 0) == 0;
}

/* More bytes into buf[end, cap): one read, inflated when gzip. */
static enum fill fill_once(struct capfile *c)
{
	if ((!c->gzip || c->z.avail_in == 0) && would_wait(c))
		return FILL_AGAIN;
	if (!c->gzip) {
		ssize_t r = read(c->fd, c->buf + c->end, c->cap - c->end);
		if (r > 0) {
			c->end += (size_t)r;
			return FILL_OK;
		}
		if (r < 0 && errno == EINTR)
			return FILL_AGAIN;
		if (r < 0) {
			snprintf(c->error, sizeof(c->error), "%s", strerror(errno));
			return FILL_ERROR;
		}
		return FILL_SHORT;
	}
	if (c->z.avail_in == 0) {
		ssize_t r = read(c->fd, c->zin, READ_CHUNK);
		if (r < 0 && errno == EINTR)
			return FILL_AGAIN;
		if (r < 0) {
			snprintf(c->error, sizeof(c->error), "%s", strerror(errno));
			return FILL_ERROR;
		}
		if (r == 0)
			return FILL_SHORT;
		c->z.next_in = c->zin;
		c->z.avail_in = (uInt)r;
	}
	c->z.next_out = c->buf + c->end;
	c->z.avail_out = (uInt)(c->cap - c->end);
	int zr = inflate(&c->z, Z_NO_FLUSH);
	c->end = c->cap - c->z.avail_out;
	if (zr == Z_STREAM_END) {
		/* gzip allows members one after another (cat a.gz b.gz). */
		if (inflateReset(&c->z) != Z_OK)
			return FILL_ERROR;
		return FILL_OK;
	}
	if (zr != Z_OK && zr != Z_BUF_ERROR) {
		snprintf(c->error, sizeof(c->error), "gzip: %s",
			 c->z.msg ? c->z.msg : "corrupt data");
		return FILL_ERROR;
	}
	return FILL_OK;
}

/* Makes n bytes available at buf + pos. FILL_SHORT: the stream ended first
 * (and, following, nothing more came for now: the caller says AGAIN). */
static enum fill need(struct capfile *c, size_t n)
{
	if (c->end - c->pos >= n)
		return FILL_OK;
	if (!make_room(c, n)) {
		snprintf(c->error, sizeof(c->error), "out of memory for a %zu-byte record", n);
		return FILL_ERROR;
	}
	while (c->end - c->pos < n) {
		enum fill r = fill_once(c);
		if (r != FILL_OK)
			return r;
	}
	return FILL_OK;
}

static void truncated(struct capfile *c, const char *what, size_t want)
{
	snprintf(c->error, sizeof(c->error),
		 "truncated dump file; tried to read %zu %s bytes, only got %zu", want,
		 what, c->end - c->pos);
}

/* FILL_SHORT in the middle of a record: a followed file may still grow. */
static enum fsc_src_result short_record(struct capfile *c, const char *what, size_t want)
{
	if (c->follow)
		return FSC_SRC_AGAIN;
	truncated(c, what, want);
	return FSC_SRC_ERROR;
}

static enum fsc_src_result fill_result(enum fill r)
{
	return r == FILL_AGAIN ? FSC_SRC_AGAIN : FSC_SRC_ERROR;
}

static struct iface *add_iface(struct capfile *c, int linktype, uint32_t snaplen)
{
	if (c->n_ifaces == MAX_IFACES)
		return NULL;
	if (c->n_ifaces == c->cap_ifaces) {
		unsigned cap = c->cap_ifaces ? c->cap_ifaces * 2 : 4;
		struct iface *p = realloc(c->ifaces, cap * sizeof(*p));
		if (!p)
			return NULL;
		c->ifaces = p;
		c->cap_ifaces = cap;
		/* The info pointers point into the items: set them again. */
		for (unsigned i = 0; i < c->n_ifaces; i++) {
			struct iface *it = &c->ifaces[i];
			it->info.name = it->name[0] ? it->name : NULL;
			it->info.description = it->description[0] ? it->description : NULL;
			it->info.comment = it->comment[0] ? it->comment : NULL;
		}
	}
	struct iface *it = &c->ifaces[c->n_ifaces++];
	memset(it, 0, sizeof(*it));
	it->info.linktype = linktype;
	it->info.snaplen = snaplen;
	it->units = c->nano ? 1000000000u : 1000000u;
	return it;
}

static void keep_text(char *dst, struct fsc_cursor v, const char **info)
{
	size_t n = fsc_cur_left(&v);
	const uint8_t *p = fsc_cur_take(&v, n);

	if (n >= IFACE_TEXT)
		n = IFACE_TEXT - 1;
	if (n)
		memcpy(dst, p, n);
	dst[n] = '\0';
	/* A NUL inside ends the text; the printers escape the rest. */
	*info = dst[0] ? dst : NULL;
}

static enum fsc_src_result bad(struct capfile *c, const char *why)
{
	snprintf(c->error, sizeof(c->error), "%s", why);
	return FSC_SRC_ERROR;
}

/* The options of an Interface Description Block. */
static bool idb_options(struct capfile *c, struct iface *it, struct fsc_cursor *o)
{
	while (fsc_cur_left(o) >= 4) {
		uint16_t code = get16(o, c->swapped), len = get16(o, c->swapped);
		struct fsc_cursor v = fsc_cur_sub(o, len);
		fsc_cur_skip(o, (4 - len % 4) % 4);
		if (v.bad)
			return false;
		if (code == 0)
			break;
		if (code == 1)
			keep_text(it->comment, v, &it->info.comment);
		else if (code == 2)
			keep_text(it->name, v, &it->info.name);
		else if (code == 3)
			keep_text(it->description, v, &it->info.description);
		else if (code == 9 && len == 1) {
			/* if_tsresol: 10^-n, or 2^-n with the top bit set. */
			uint8_t r = fsc_cur_u8(&v);
			unsigned e = r & 0x7f;
			if (r & 0x80 ? e > 63 : e > 19)
				return false;
			uint64_t u = 1;
			for (unsigned k = 0; k < e; k++)
				u *= r & 0x80 ? 2 : 10;
			it->units = u;
		} else if (code == 14 && len == 8) {
			uint64_t off = c->swapped ? fsc_cur_be64(&v) : fsc_cur_le64(&v);
			it->tsoffset = (int64_t)off;
		}
	}
	return true;
}

/* The largest second whose nanoseconds still fit an int64_t. */
#define MAX_SEC ((int64_t)(INT64_MAX / 1000000000) - 1)

static void set_time(struct fsc_frame *f, const struct iface *it, uint64_t ts)
{
	uint64_t sec = ts / it->units, frac = ts % it->units;
	unsigned __int128 ns = (unsigned __int128)frac * 1000000000u / it->units;
	int64_t s = sec > (uint64_t)MAX_SEC ? MAX_SEC : (int64_t)sec;

	/* A hostile tsoffset must not overflow: clamp both ways. */
	if (it->tsoffset > 0 && s > MAX_SEC - it->tsoffset)
		s = MAX_SEC;
	else if (it->tsoffset < 0 && s < -MAX_SEC - it->tsoffset)
		s = -MAX_SEC;
	else
		s += it->tsoffset;
	f->sec = s;
	f->nsec = (uint32_t)ns;
}

static enum fsc_src_result packet(struct capfile *c, struct fsc_frame *f, unsigned iface,
				  uint64_t ts, bool has_ts, uint32_t caplen, uint32_t len,
				  struct fsc_cursor *body)
{
	unsigned idx = c->section_base + iface;

	if (iface >= c->n_ifaces - c->section_base || idx >= c->n_ifaces)
		return bad(c, "packet block names an interface that was not described");
	if (caplen > CAPFILE_MAX_CAPLEN)
		return bad(c, "invalid packet capture length, bigger than snaplen of 262144");
	const uint8_t *data = fsc_cur_take(body, caplen);
	if (!data)
		return bad(c, "packet block shorter than its captured length");
	struct iface *it = &c->ifaces[idx];
	/* As libpcap: bytes past the announced snap length are not kept, so
	 * the decoders see a payload cut by the snapshot length. */
	if (it->info.snaplen && caplen > it->info.snaplen)
		caplen = it->info.snaplen;
	f->data = data;
	f->caplen = caplen;
	f->wirelen = len < caplen ? caplen : len;
	f->sec = 0;
	f->nsec = 0;
	if (has_ts)
		set_time(f, it, ts);
	f->linktype = it->info.linktype;
	f->iface = idx;
	f->number = ++c->number;
	return FSC_SRC_FRAME;
}

/* A Section Header Block's first 12 bytes are at pos: byte order, reset. */
static enum fsc_src_result section(struct capfile *c, struct fsc_cursor *b)
{
	uint32_t bom = fsc_cur_le32(b);

	if (bom == PCAPNG_BOM)
		c->swapped = false;
	else if (bom == 0x4D3C2B1Au)
		c->swapped = true;
	else
		return bad(c, "pcapng section header with an unknown byte-order magic");
	if (get16(b, c->swapped) != 1)
		return bad(c, "pcapng section of an unsupported major version");
	c->section_base = c->n_ifaces;
	return FSC_SRC_AGAIN; /* not a frame: the caller reads on */
}

static enum fsc_src_result pcapng_block(struct capfile *c, struct fsc_frame *f)
{
	enum fill r = need(c, 12);

	if (r == FILL_SHORT && c->end == c->pos)
		return c->follow ? FSC_SRC_AGAIN : FSC_SRC_END;
	if (r == FILL_SHORT)
		return short_record(c, "block header", 12);
	if (r != FILL_OK)
		return fill_result(r);
	struct fsc_cursor h = fsc_cur_make(c->buf + c->pos, 12);
	uint32_t type = fsc_cur_le32(&h);
	/* A section header sets the byte order its own length is read in. */
	if (type == PCAPNG_SHB) {
		struct fsc_cursor b = fsc_cur_make(c->buf + c->pos + 8, 4);
		uint32_t bom = fsc_cur_le32(&b);
		c->swapped = bom == 0x4D3C2B1Au;
	} else if (c->swapped) {
		type = __builtin_bswap32(type);
	}
	uint32_t total = get32(&h, c->swapped);
	if (total > MAX_BLOCK) {
		snprintf(c->error, sizeof(c->error), "pcapng block size %u > maximum %u",
			 total, MAX_BLOCK);
		return FSC_SRC_ERROR;
	}
	if (total < 12 || total % 4) {
		snprintf(c->error, sizeof(c->error), "pcapng block size %u is not a "
			 "multiple of 4 of at least 12 (type %#x)", total, type);
		return FSC_SRC_ERROR;
	}
	if ((r = need(c, total)) != FILL_OK)
		return r == FILL_SHORT ? short_record(c, "block", total) : fill_result(r);
	c->record_offset = c->base + (int64_t)c->pos;
	struct fsc_cursor b = fsc_cur_make(c->buf + c->pos + 8, total - 12);
	c->pos += total;

	enum fsc_src_result res = FSC_SRC_AGAIN;
	uint32_t iface, caplen, len, hi, lo;
	switch (type) {
	case PCAPNG_SHB:
		res = section(c, &b);
		break;
	case 1: { /* Interface Description */
		uint16_t lt = get16(&b, c->swapped);
		fsc_cur_skip(&b, 2);
		uint32_t snap = get32(&b, c->swapped);
		if (b.bad)
			return bad(c, "interface description block too short");
		struct iface *it = add_iface(c, lt, snap);
		if (!it)
			return bad(c, "too many interfaces");
		if (!idb_options(c, it, &b))
			return bad(c, "interface description with a damaged option");
		break;
	}
	case 6: /* Enhanced Packet */
		iface = get32(&b, c->swapped);
		hi = get32(&b, c->swapped);
		lo = get32(&b, c->swapped);
		caplen = get32(&b, c->swapped);
		len = get32(&b, c->swapped);
		if (b.bad)
			return bad(c, "enhanced packet block too short");
		return packet(c, f, iface, (uint64_t)hi << 32 | lo, true, caplen, len, &b);
	case 2: /* Packet (obsolete) */
		iface = get16(&b, c->swapped);
		fsc_cur_skip(&b, 2);
		hi = get32(&b, c->swapped);
		lo = get32(&b, c->swapped);
		caplen = get32(&b, c->swapped);
		len = get32(&b, c->swapped);
		if (b.bad)
			return bad(c, "packet block too short");
		return packet(c, f, iface, (uint64_t)hi << 32 | lo, true, caplen, len, &b);
	case 3: /* Simple Packet: interface 0, no time, data up to the block */
		len = get32(&b, c->swapped);
		if (b.bad)
			return bad(c, "simple packet block too short");
		caplen = (uint32_t)fsc_cur_left(&b);
		if (len < caplen)
			caplen = len;
		if (c->n_ifaces > c->section_base &&
		    c->ifaces[c->section_base].info.snaplen &&
		    caplen > c->ifaces[c->section_base].info.snaplen)
			caplen = c->ifaces[c->section_base].info.snaplen;
		return packet(c, f, 0, 0, false, caplen, len, &b);
	default:
		break;
	}
	return res;
}

static enum fsc_src_result pcap_record(struct capfile *c, struct fsc_frame *f)
{
	enum fill r = need(c, 16);

	if (r == FILL_SHORT && c->end == c->pos)
		return c->follow ? FSC_SRC_AGAIN : FSC_SRC_END;
	c->record_offset = c->base + (int64_t)c->pos;
	if (r == FILL_SHORT)
		return short_record(c, "header", 16);
	if (r != FILL_OK)
		return fill_result(r);
	struct fsc_cursor h = fsc_cur_make(c->buf + c->pos, 16);
	uint32_t sec = get32(&h, c->swapped), frac = get32(&h, c->swapped);
	uint32_t caplen = get32(&h, c->swapped), len = get32(&h, c->swapped);
	if (caplen > CAPFILE_MAX_CAPLEN) {
		snprintf(c->error, sizeof(c->error), "invalid packet capture length %u, "
			 "bigger than snaplen of %u", caplen, CAPFILE_MAX_CAPLEN);
		return FSC_SRC_ERROR;
	}
	if ((r = need(c, 16 + (size_t)caplen)) != FILL_OK) {
		if (r != FILL_SHORT)
			return fill_result(r);
		if (c->follow)
			return FSC_SRC_AGAIN;
		c->pos += 16;
		truncated(c, "captured", caplen);
		c->pos -= 16;
		return FSC_SRC_ERROR;
	}
	struct fsc_cursor b = fsc_cur_make(c->buf + c->pos + 16, caplen);
	c->pos += 16 + caplen;
	/* Classic pcap: one interface, its unit fixed by the magic. */
	enum fsc_src_result res = packet(c, f, 0, 0, false, caplen, len, &b);
	f->sec = sec;
	f->nsec = c->nano ? frac : frac * 1000u;
	if (f->nsec >= 1000000000u)
		f->nsec = 999999999u; /* a damaged fraction, not a wrapped second */
	return res;
}

enum fsc_src_result capfile_next(struct capfile *c, struct fsc_frame *f)
{
	enum fsc_src_result r;

	if (!c->pcapng)
		return pcap_record(c, f);
	/* Blocks that are not packets are consumed here, one after another. */
	do {
		size_t before = c->pos;
		r = pcapng_block(c, f);
		if (r == FSC_SRC_AGAIN && c->pos == before)
			return r; /* nothing consumed: truly nothing now */
	} while (r == FSC_SRC_AGAIN);
	return r;
}

/* The file header: classic pcap's 24 bytes, or the first pcapng section. */
static bool read_header(struct capfile *c, bool *interrupted)
{
	enum fill r;

	if ((r = need(c, 4)) == FILL_AGAIN) {
		*interrupted = true;
		return false;
	}
	if (r == FILL_SHORT && c->end == 0) {
		snprintf(c->error, sizeof(c->error), "empty file, not a capture");
		return false;
	}
	if (r == FILL_SHORT) {
		truncated(c, "file header", 24);
		return false;
	}
	if (r != FILL_OK)
		return false;
	struct fsc_cursor m = fsc_cur_make(c->buf + c->pos, 4);
	uint32_t magic = fsc_cur_le32(&m);
	if (magic == PCAPNG_SHB) {
		c->pcapng = true;
		return true; /* the section is read as a block */
	}
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
		c->swapped = false;
	} else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
		c->swapped = true;
	} else {
		snprintf(c->error, sizeof(c->error), "unknown file format");
		return false;
	}
	c->nano = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if ((r = need(c, 24)) != FILL_OK) {
		if (r == FILL_AGAIN)
			*interrupted = true;
		else if (r == FILL_SHORT)
			truncated(c, "file header", 24);
		return false;
	}
	struct fsc_cursor h = fsc_cur_make(c->buf + c->pos + 4, 20);
	fsc_cur_skip(&h, 12); /* version, thiszone, sigfigs */
	uint32_t snap = get32(&h, c->swapped);
	uint32_t lt = get32(&h, c->swapped) & 0x03ffffff; /* FCS bits above */
	c->pos += 24;
	if (!add_iface(c, (int)lt, snap)) {
		snprintf(c->error, sizeof(c->error), "out of memory");
		return false;
	}
	return true;
}

/* gzip is told by its magic, not the file name: a pipe has none. */
static bool start_gzip(struct capfile *c)
{
	/* What was read so far is compressed: it goes to zin, which must
	 * hold it all (the first read may be larger than a refill's). */
	size_t n = c->end - c->pos;
	if (!(c->zin = malloc(n > READ_CHUNK ? n : READ_CHUNK)))
		return false;
	memcpy(c->zin, c->buf + c->pos, n);
	c->pos = c->end = 0;
	c->z.next_in = c->zin;
	c->z.avail_in = (uInt)n;
	if (inflateInit2(&c->z, 16 + MAX_WBITS) != Z_OK)
		return false;
	c->gzip = true;
	return true;
}

struct capfile *capfile_open(const char *path, bool follow, char *err,
			     size_t errlen, bool *interrupted)
{
	struct capfile *c = calloc(1, sizeof(*c));

	*interrupted = false;
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->follow = follow;
	c->record_offset = -1;
	if (strcmp(path, "-") == 0) {
		c->fd = STDIN_FILENO;
	} else {
		/* open(2) of a FIFO waits for a writer; a signal ends the wait. */
		c->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0) {
			*interrupted = errno == EINTR;
			snprintf(err, errlen, "%s", strerror(errno));
			free(c);
			return NULL;
		}
	}
	c->error[0] = '\0';
	if (!make_room(c, 0)) {
		snprintf(err, errlen, "out of memory");
		capfile_close(c);
		return NULL;
	}
	/* Two bytes tell gzip; a short read from a pipe is read on. */
	enum fill r;
	if ((r = need(c, 2)) == FILL_AGAIN) {
		*interrupted = true;
		snprintf(err, errlen, "interrupted");
		capfile_close(c);
		return NULL;
	}
	if (r == FILL_OK && c->buf[c->pos] == 0x1f && c->buf[c->pos + 1] == 0x8b &&
	    !start_gzip(c)) {
		snprintf(err, errlen, "gzip: cannot start inflating");
		capfile_close(c);
		return NULL;
	}
	if (r == FILL_ERROR || !read_header(c, interrupted)) {
		snprintf(err, errlen, "%s", *interrupted ? "interrupted" : c->error);
		capfile_close(c);
		return NULL;
	}
	c->error[0] = '\0';
	struct stat st;
	c->nowait = fstat(c->fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
	return c;
}

int capfile_fd(const struct capfile *c)
{
	return c->nowait ? c->fd : -1;
}

const char *capfile_error(const struct capfile *c)
{
	return c->error;
}

int64_t capfile_offset(const struct capfile *c)
{
	return c->gzip ? -1 : c->record_offset;
}

unsigned capfile_ifaces(const struct capfile *c)
{
	return c->n_ifaces;
}

const struct fsc_iface_info *capfile_iface(const struct capfile *c, unsigned i)
{
	return i < c->n_ifaces ? &c->ifaces[i].info : NULL;
}

bool capfile_gzip(const struct capfile *c)
{
	return c->gzip;
}

void capfile_close(struct capfile *c)
{
	if (!c)
		return;
	if (c->gzip)
		inflateEnd(&c->z);
	if (c->fd > STDIN_FILENO)
		close(c->fd);
	free(c->zin);
	free(c->buf);
	free(c->ifaces);
	free(c);
}
