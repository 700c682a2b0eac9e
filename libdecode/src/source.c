/* source.c - capture files and live interfaces through libpcap. */
#include "fsc/source.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SNAPLEN 65535
#define DEFAULT_BUFFER (4 << 20)
#define FILE_READ_BUFFER (128 << 10) /* stdio's default is one 4 KiB block */

struct handle {
	pcap_t *pcap;
	char *name;
	int linktype;
	uint64_t number;
	/* Files are filtered here, not by libpcap, so that frames keep their
	 * numbers in the file (as Wireshark shows them). */
	struct bpf_program prog;
	bool filtered;
};

struct fsc_source {
	bool live;
	bool nano; /* timestamps arrive in nanoseconds */
	unsigned n;
	unsigned next; /* live: the interface to try first */
	int64_t record_offset; /* file: where the last record read starts */
	int64_t next_offset;	/* classic pcap: where the next one starts; -1 */
	char error[PCAP_ERRBUF_SIZE + 256];
	struct handle h[];
};

/* libpcap hands out DLT_ values; the decoders speak LINKTYPE_ values, which
 * differ only for raw IP (DLT_RAW is 12 or 14 depending on the system). */
static int to_linktype(int dlt)
{
	if (dlt == DLT_RAW || dlt == 12 || dlt == 14)
		return 101;
	return dlt;
}

static struct fsc_source *source_new(unsigned n)
{
	struct fsc_source *s = calloc(1, sizeof(*s) + n * sizeof(s->h[0]));

	if (s)
		s->n = n;
	return s;
}

static bool set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (!filter || !*filter)
		return true;
	if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "bad filter '%s': %s", filter, pcap_geterr(p));
		return false;
	}
	int rc = pcap_setfilter(p, &prog);
	pcap_freecode(&prog);
	if (rc != 0) {
		snprintf(err, errlen, "cannot set filter '%s': %s", filter,
			 pcap_geterr(p));
		return false;
	}
	return true;
}

/*
 * pcap_open_offline as libpcap does it (fopen, then pcap_fopen_offline), but
 * with a larger stdio buffer: a read(2) a 128 KiB instead of a 4 KiB block
 * saves a tenth of the reading time. Standard input, and a path fopen
 * refuses, go to pcap_open_offline itself, which says why in its words.
 */
static pcap_t *open_offline(const char *path, char *perr)
{
	FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");

	if (!f)
		return pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
							       perr);
	setvbuf(f, NULL, _IOFBF, FILE_READ_BUFFER);
	/* Only this source's thread reads it: stdio need not lock per call. */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, perr);
	if (!p)
		fclose(f);
	return p;
}

struct fsc_source *fsc_source_open_file(const char *path, const char *filter,
					char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	struct fsc_source *s = source_new(1);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pcap_t *p = open_offline(path, perr);
	if (!p) {
		snprintf(err, errlen, "%s", perr);
		free(s);
		return NULL;
	}
	s->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
	/* pcapng blocks are not 16 + caplen; only classic files get offsets. */
	s->next_offset = pcap_major_version(p) == 2 ? 24 : -1;
	s->record_offset = -1;
	s->h[0].pcap = p;
	s->h[0].linktype = to_linktype(pcap_datalink(p));
	s->h[0].name = strdup(path);
	if (!s->h[0].name) {
		snprintf(err, errlen, "out of memory");
		fsc_source_close(s);
		return NULL;
	}
	if (filter && *filter) {
		if (pcap_compile(p, &s->h[0].prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "bad filter '%s': %s", filter, pcap_geterr(p));
			fsc_source_close(s);
			return NULL;
		}
		s->h[0].filtered = true;
	}
	return s;
}

static bool activate(struct handle *h, const struct fsc_live_opts *o,
		     char *err, size_t errlen, bool *warned)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(h->name, perr);

	if (!p) {
		snprintf(err, errlen, "%s: %s", h->name, perr);
		return false;
	}
	h->pcap = p;
	pcap_set_snaplen(p, o && o->snaplen > 0 ? o->snaplen : DEFAULT_SNAPLEN);
	pcap_set_promisc(p, o && o->promisc);
	/* Immediate mode wakes the reader for every packet; under load a
	 * block timeout lets the kernel fill blocks first (fewer wake-ups,
	 * and the ring holds far more than a millisecond of traffic). */
	if (o && o->timeout_ms > 0)
		pcap_set_timeout(p, o->timeout_ms);
	else
		pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, o && o->buffer_size > 0 ? o->buffer_size
							 : DEFAULT_BUFFER);
	pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(p);
	if (rc < 0) {
		/* PCAP_ERROR and PCAP_ERROR_NO_SUCH_DEVICE etc. carry text in
		 * pcap_geterr only for some codes; pcap_statustostr covers the rest. */
		const char *msg = pcap_geterr(p);
		snprintf(err, errlen, "%s: %s%s%s", h->name, pcap_statustostr(rc),
			 *msg ? ": " : "", msg);
		return false;
	}
	if (rc > 0 && !*warned) {
		snprintf(err, errlen, "%s: warning: %s", h->name,
			 rc == PCAP_WARNING ? pcap_geterr(p) : pcap_statustostr(rc));
		*warned = true;
	}
	h->linktype = to_linktype(pcap_datalink(p));
	if (!set_filter(p, o ? o->filter : NULL, err, errlen))
		return false;
	if (pcap_setnonblock(p, 1, perr) != 0) {
		snprintf(err, errlen, "%s: %s", h->name, perr);
		return false;
	}
	return true;
}

struct fsc_source *fsc_source_open_live(const char *const *ifaces, unsigned n,
					const struct fsc_live_opts *opts,
					char *err, size_t errlen)
{
	bool warned = false;
	struct fsc_source *s;

	if (errlen)
		err[0] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "no interface given");
		return NULL;
	}
	s = source_new(n);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->live = true;
	s->nano = true;
	for (unsigned i = 0; i < n; i++) {
		s->h[i].name = strdup(ifaces[i]);
		if (!s->h[i].name) {
			snprintf(err, errlen, "out of memory");
			fsc_source_close(s);
			return NULL;
		}
		if (!activate(&s->h[i], opts, err, errlen, &warned)) {
			fsc_source_close(s);
			return NULL;
		}
	}
	return s;
}

static enum fsc_src_result read_one(struct fsc_source *s, unsigned i,
				    struct fsc_frame *f)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct handle *h = &s->h[i];

	int rc;

	do {
		rc = pcap_next_ex(h->pcap, &hdr, &data);
		if (rc == 1) {
			h->number++;
			/* Classic pcap: a 16-byte header, then caplen bytes. The
			 * offset is kept by arithmetic; asking stdio per record
			 * costs more than decoding some packets. */
			s->record_offset = s->next_offset;
			if (s->next_offset >= 0)
				s->next_offset += 16 + hdr->caplen;
		}
	} while (rc == 1 && h->filtered && !pcap_offline_filter(&h->prog, hdr, data));
	if (rc < 0 && !s->live)
		s->record_offset = s->next_offset; /* where the damage starts */

	if (rc == 1) {
		f->data = data;
		f->caplen = hdr->caplen;
		f->wirelen = hdr->len;
		f->sec = hdr->ts.tv_sec;
		f->nsec = (uint32_t)(s->nano ? hdr->ts.tv_usec
					      : hdr->ts.tv_usec * 1000);
		f->linktype = h->linktype;
		f->iface = i;
		f->number = h->number;
		return FSC_SRC_FRAME;
	}
	if (rc == 0)
		return FSC_SRC_AGAIN;
	if (rc == PCAP_ERROR_BREAK)
		return FSC_SRC_END;
	/* A live error names its interface; a file's caller names the file. */
	snprintf(s->error, sizeof(s->error), "%s%s%s", s->live ? h->name : "",
		 s->live ? ": " : "", pcap_geterr(h->pcap));
	return FSC_SRC_ERROR;
}

enum fsc_src_result fsc_source_next(struct fsc_source *s, struct fsc_frame *f)
{
	if (!s->live)
		return read_one(s, 0, f);
	for (unsigned k = 0; k < s->n; k++) {
		unsigned i = (s->next + k) % s->n;
		enum fsc_src_result r = read_one(s, i, f);
		if (r == FSC_SRC_AGAIN)
			continue;
		s->next = (i + 1) % s->n;
		return r;
	}
	return FSC_SRC_AGAIN;
}

unsigned fsc_source_fds(const struct fsc_source *s, int *fds, unsigned max)
{
	unsigned k = 0;

	if (!s->live)
		return 0;
	for (unsigned i = 0; i < s->n && k < max; i++) {
		int fd = pcap_get_selectable_fd(s->h[i].pcap);
		if (fd >= 0)
			fds[k++] = fd;
	}
	return k;
}

unsigned fsc_source_count(const struct fsc_source *s)
{
	return s->n;
}

const char *fsc_source_name(const struct fsc_source *s, unsigned iface)
{
	return iface < s->n ? s->h[iface].name : NULL;
}

int fsc_source_linktype(const struct fsc_source *s, unsigned iface)
{
	return iface < s->n ? s->h[iface].linktype : -1;
}

const char *fsc_source_error(const struct fsc_source *s)
{
	return s->error;
}

int64_t fsc_source_offset(const struct fsc_source *s)
{
	return s->live ? -1 : s->record_offset;
}

bool fsc_source_stats(struct fsc_source *s, unsigned iface,
		      struct fsc_src_stats *st)
{
	struct pcap_stat ps;

	if (!s->live || iface >= s->n || pcap_stats(s->h[iface].pcap, &ps) != 0)
		return false;
	st->received = ps.ps_recv;
	st->dropped = ps.ps_drop;
	st->if_dropped = ps.ps_ifdrop;
	return true;
}

void fsc_source_close(struct fsc_source *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n; i++) {
		if (s->h[i].pcap)
			pcap_close(s->h[i].pcap);
		if (s->h[i].filtered)
			pcap_freecode(&s->h[i].prog);
		free(s->h[i].name);
	}
	free(s);
}
