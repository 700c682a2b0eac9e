/* origin.c - where an event's frame came from (and a story's sides: their
 * observation points), and what a shown frame brings along: the file and
 * interface (several files merged, a capture of several interfaces), -e
 * link-layer addresses, -x/-X/-A bytes. */
#include "fdecode.h"

#define IFACE_NAME_CAP 64 /* escaped interface names are cut past this */

/* More than one interface in the file (or live source). */
static bool several_ifaces(const struct printer *pr, unsigned file)
{
	return pr->src && fsc_source_ifaces(pr->src, file) > 1;
}

static void text_iface(struct printer *pr, unsigned file, unsigned iface)
{
	const struct fsc_iface_info *info = fsc_source_iface(pr->src, file, iface);

	if (info && info->name)
		fsc_outbuf_text_escaped(pr->ob, info->name, strlen(info->name), IFACE_NAME_CAP);
	else {
		fsc_outbuf_lit(pr->ob, "if");
		fsc_outbuf_u64(pr->ob, iface);
	}
}

static void text_path(struct printer *pr, const char *path)
{
	if (path)
		fsc_outbuf_text_escaped(pr->ob, path, strlen(path), FSC_ESCAPE_TEXT_CAP(4096));
}

static void json_iface(struct printer *pr, unsigned file, unsigned iface)
{
	const struct fsc_iface_info *info = fsc_source_iface(pr->src, file, iface);

	if (info && info->name)
		fsc_jsonw_cstr(&pr->jw, "iface", info->name);
	fsc_jsonw_u64(&pr->jw, "iface_id", iface);
}

/* -e: Ethernet addresses, as tcpdump puts them before the protocol. */
static void text_link(struct printer *pr, const struct fsc_frame *f)
{
	struct fsc_outbuf *ob = pr->ob;

	if (f->linktype != 1 || f->caplen < 14)
		return;
	for (int side = 0; side < 2; side++) {
		/* Source (bytes 6-11) first, then destination (0-5). */
		const uint8_t *m = f->data + (side == 0 ? 6 : 0);
		for (int i = 0; i < 6; i++) {
			if (i)
				fsc_outbuf_char(ob, ':');
			fsc_outbuf_hex(ob, m[i], 2);
		}
		if (side == 0)
			fsc_outbuf_lit(ob, " > ");
		else
			fsc_outbuf_lit(ob, ", ");
	}
}

void text_origin(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_frame *f = ev->frame;

	if (!f)
		return;
	bool iface = several_ifaces(pr, f->file);
	if (pr->name_file) {
		text_path(pr, pr->src ? fsc_source_path(pr->src, f->file) : pr->file);
		fsc_outbuf_char(pr->ob, iface ? ':' : ' ');
	}
	if (iface) {
		text_iface(pr, f->file, f->iface);
		fsc_outbuf_char(pr->ob, ' ');
	}
	if (pr->opt->link_header)
		text_link(pr, f);
}

void json_origin(struct printer *pr, const struct fsc_event *ev)
{
	const struct fsc_frame *f = ev->frame;

	if (pr->name_file) {
		const char *path = f && pr->src ? fsc_source_path(pr->src, f->file) : pr->file;
		if (path)
			fsc_jsonw_cstr(&pr->jw, "file", path);
	}
	if (f && several_ifaces(pr, f->file))
		json_iface(pr, f->file, f->iface);
}

/* A story side's observation point, named the way frames are: the file
 * when several are merged, the interface when its file (or the live
 * source) has several; " (file:iface)", or nothing with one input. */
void text_obs(struct printer *pr, unsigned file, unsigned iface)
{
	bool named_iface = several_ifaces(pr, file);

	if (!pr->name_file && !named_iface)
		return;
	fsc_outbuf_lit(pr->ob, " (");
	if (pr->name_file) {
		text_path(pr, pr->src ? fsc_source_path(pr->src, file) : pr->file);
		if (named_iface)
			fsc_outbuf_char(pr->ob, ':');
	}
	if (named_iface)
		text_iface(pr, file, iface);
	fsc_outbuf_char(pr->ob, ')');
}

/* "input" (the file's path; null live) always, "iface" and "iface_id" when
 * the file (or the live source) has several interfaces. */
void json_obs(struct printer *pr, unsigned file, unsigned iface)
{
	fsc_jsonw_cstr(&pr->jw, "input", pr->src ? fsc_source_path(pr->src, file) : NULL);
	if (several_ifaces(pr, file))
		json_iface(pr, file, iface);
}

/* -x/-X/-A: the frame's captured bytes under its event line, 16 a line
 * (-A: 64), non-printable bytes as '.' so nothing reaches the terminal raw. */
void dump_frame(struct fsc_outbuf *ob, enum dump_mode mode, const struct fsc_frame *f)
{
	size_t per = mode == DUMP_ASCII ? 64 : 16;

	for (size_t off = 0; off < f->caplen; off += per) {
		size_t n = f->caplen - off < per ? f->caplen - off : per;
		const uint8_t *p = f->data + off;
		fsc_outbuf_lit(ob, "\t0x");
		fsc_outbuf_hex(ob, off, 4);
		fsc_outbuf_lit(ob, ":  ");
		if (mode != DUMP_ASCII) {
			for (size_t i = 0; i < per; i++) {
				if (i < n)
					fsc_outbuf_hex(ob, p[i], 2);
				else if (mode == DUMP_HEX_ASCII)
					fsc_outbuf_lit(ob, "  ");
				if (i % 2 == 1 && (i + 1 < n || mode == DUMP_HEX_ASCII))
					fsc_outbuf_char(ob, ' ');
			}
		}
		if (mode != DUMP_HEX) {
			if (mode == DUMP_HEX_ASCII)
				fsc_outbuf_char(ob, ' ');
			for (size_t i = 0; i < n; i++)
				fsc_outbuf_char(ob, p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.');
		}
		fsc_outbuf_end_line(ob);
	}
}
