/* capwrite.c - -w FILE: the frames of shown events as pcapng.
 *
 * pcapng rather than classic pcap because the frames may come from several
 * interfaces of different link types (merged files, several -i): one
 * Interface Description Block each, named as the input named it, with
 * nanosecond timestamps (if_tsresol 9). Written in host byte order, as the
 * format allows; tcpdump, tshark and fdecode read it.
 */
#include "capwrite.h"

#include <stdlib.h>
#include <string.h>

#define MAX_OUT_IFACES 1024

struct out_iface {
	unsigned file, iface;
};

struct capwrite {
	FILE *f;
	char *path;	/* NULL: standard output */
	bool failed;	/* a write to a file closed by a reopen failed */
	unsigned n;
	struct out_iface ifs[MAX_OUT_IFACES];
};

static void put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void put16(FILE *f, uint16_t v)
{
	fwrite(&v, 2, 1, f);
}

static uint32_t pad4(size_t n)
{
	return (uint32_t)((n + 3) & ~(size_t)3);
}

/* Section Header Block: no options, section length unknown. */
static void section_header(FILE *f)
{
	put32(f, 0x0A0D0D0A);
	put32(f, 28);
	put32(f, 0x1A2B3C4D);
	put16(f, 1);
	put16(f, 0);
	put32(f, 0xffffffff);
	put32(f, 0xffffffff);
	put32(f, 28);
}

struct capwrite *capwrite_open(const char *path, char *err, size_t errlen)
{
	struct capwrite *w = calloc(1, sizeof(*w));

	if (!w || (strcmp(path, "-") != 0 && !(w->path = strdup(path)))) {
		snprintf(err, errlen, "out of memory");
		free(w);
		return NULL;
	}
	w->f = w->path ? fopen(path, "wb") : stdout;
	if (!w->f) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(w->path);
		free(w);
		return NULL;
	}
	section_header(w->f);
	return w;
}

bool capwrite_reopen(struct capwrite *w, char *err, size_t errlen)
{
	if (!w || !w->path)
		return true; /* standard output goes on */
	FILE *f = fopen(w->path, "wb");
	if (!f) {
		snprintf(err, errlen, "'%s': %s", w->path, strerror(errno));
		return false;
	}
	if (fflush(w->f) != 0 || ferror(w->f) || fclose(w->f) != 0)
		w->failed = true;
	w->f = f;
	w->n = 0; /* a new file describes its interfaces again */
	section_header(w->f);
	return true;
}

static void option(FILE *f, uint16_t code, const void *v, size_t n)
{
	static const uint8_t zeros[4];

	put16(f, code);
	put16(f, (uint16_t)n);
	if (n)
		fwrite(v, 1, n, f);
	fwrite(zeros, 1, pad4(n) - n, f);
}

/* The output interface for (file, iface), described on first use. */
static int out_iface(struct capwrite *w, const struct fsc_source *src,
		     const struct fsc_frame *fr)
{
	for (unsigned i = 0; i < w->n; i++)
		if (w->ifs[i].file == fr->file && w->ifs[i].iface == fr->iface)
			return (int)i;
	if (w->n == MAX_OUT_IFACES)
		return -1;
	const struct fsc_iface_info *info = src ? fsc_source_iface(src, fr->file, fr->iface) : NULL;
	size_t name_len = info && info->name ? strlen(info->name) : 0;
	if (name_len > 255)
		name_len = 255;
	uint32_t opts = 4 + 4 /* tsresol */ + 4 /* end */;
	if (name_len)
		opts += 4 + pad4(name_len);
	uint32_t total = 20 + opts;
	put32(w->f, 1);
	put32(w->f, total);
	put16(w->f, (uint16_t)fr->linktype);
	put16(w->f, 0);
	put32(w->f, 262144);
	if (name_len)
		option(w->f, 2, info->name, name_len);
	uint8_t nano = 9;
	option(w->f, 9, &nano, 1);
	option(w->f, 0, NULL, 0);
	put32(w->f, total);
	w->ifs[w->n].file = fr->file;
	w->ifs[w->n].iface = fr->iface;
	return (int)w->n++;
}

bool capwrite_frame(struct capwrite *w, const struct fsc_source *src,
		    const struct fsc_frame *fr)
{
	int id = out_iface(w, src, fr);

	if (id < 0)
		return false;
	static const uint8_t zeros[4];
	uint64_t ts = (uint64_t)fr->sec * 1000000000u + fr->nsec;
	uint32_t total = 32 + pad4(fr->caplen);
	put32(w->f, 6);
	put32(w->f, total);
	put32(w->f, (uint32_t)id);
	put32(w->f, (uint32_t)(ts >> 32));
	put32(w->f, (uint32_t)ts);
	put32(w->f, fr->caplen);
	put32(w->f, fr->wirelen);
	fwrite(fr->data, 1, fr->caplen, w->f);
	fwrite(zeros, 1, pad4(fr->caplen) - fr->caplen, w->f);
	put32(w->f, total);
	return !ferror(w->f);
}

void capwrite_flush(struct capwrite *w)
{
	if (w)
		fflush(w->f);
}

bool capwrite_close(struct capwrite *w)
{
	if (!w)
		return true;
	bool ok = fflush(w->f) == 0 && !ferror(w->f) && !w->failed;
	if (w->f != stdout && fclose(w->f) != 0)
		ok = false;
	free(w->path);
	free(w);
	return ok;
}
