/* source.c - capture files and live interfaces through libpcap. */
#include "fsc/source.h"

#include <pcap/pcap.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"

#define DEFAULT_SNAPLEN 65535
#define DEFAULT_BUFFER (4 << 20)

struct handle {
	pcap_t *pcap;
	char *name;	/* live: the interface; file: the path */
	int linktype;
	uint64_t number;
	struct fsc_iface_info info;
	/* live, merged by time: the frame read and not yet handed out (its
	 * bytes libpcap's until the next read of this handle) */
	bool held;
	int64_t held_until;	/* monotonic ns */
	struct fsc_frame pend;
};

/* Files are filtered here, not by libpcap, so that frames keep their
 * numbers in the file (as Wireshark shows them). */
struct file_prog {
	struct bpf_program prog;
	bool compiled;
};

/* Merged files: each with the frame it has read and not yet handed out. */
struct kid {
	struct fsc_source *src;
	bool has, done;
};

struct fsc_source {
	bool live;
	unsigned n;
	unsigned next; /* live: the interface to try first */
	int64_t merge_ns;	/* live: fsc_live_opts.merge_ns; 0 after release */
	bool merge;
	/* A file. */
	struct capfile *cf;
	int64_t shift_ns;	/* fsc_source_shift */
	char *filter;
	struct file_prog *progs;
	unsigned n_progs;
	/* Merged files. */
	struct kid *kids;
	struct fsc_frame *pending;
	unsigned n_kids, failed;
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

/* LINKTYPE_ values (files) to the DLT_ values pcap_compile wants. */
static int to_dlt(int linktype)
{
	return linktype == 101 ? DLT_RAW : linktype == 100 ? DLT_ATM_RFC1483 : linktype;
}

/* The filter compiled for interface i of the file, on its first packet:
 * pcapng declares interfaces as it goes, each with its link type. */
static struct bpf_program *file_filter(struct fsc_source *s, unsigned i)
{
	if (i >= s->n_progs) {
		unsigned n = i + 1 > 2 * s->n_progs ? i + 1 : 2 * s->n_progs;
		struct file_prog *p = realloc(s->progs, n * sizeof(*p));
		if (!p) {
			snprintf(s->error, sizeof(s->error), "out of memory for filters");
			return NULL;
		}
		memset(p + s->n_progs, 0, (n - s->n_progs) * sizeof(*p));
		s->progs = p;
		s->n_progs = n;
	}
	struct file_prog *fp = &s->progs[i];
	if (fp->compiled)
		return &fp->prog;
	const struct fsc_iface_info *info = capfile_iface(s->cf, i);
	pcap_t *dead = pcap_open_dead(to_dlt(info->linktype), CAPFILE_MAX_CAPLEN);
	if (!dead) {
		snprintf(s->error, sizeof(s->error), "out of memory for filters");
		return NULL;
	}
	if (pcap_compile(dead, &fp->prog, s->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(s->error, sizeof(s->error), "bad filter '%s' for link type %d: %s",
			 s->filter, info->linktype, pcap_geterr(dead));
		pcap_close(dead);
		return NULL;
	}
	pcap_close(dead);
	fp->compiled = true;
	return &fp->prog;
}

struct fsc_source *fsc_source_open_file_opts(const char *path,
					     const struct fsc_file_opts *o,
					     char *err, size_t errlen)
{
	bool interrupted = false;
	struct fsc_source *s = source_new(1);

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cf = capfile_open(path, o && o->follow, err, errlen, &interrupted);
	if (o && o->interrupted)
		*o->interrupted = interrupted;
	if (!s->cf) {
		free(s);
		return NULL;
	}
	s->h[0].name = strdup(path);
	const char *filter = o ? o->filter : NULL;
	if (!s->h[0].name || (filter && *filter && !(s->filter = strdup(filter)))) {
		snprintf(err, errlen, "out of memory");
		fsc_source_close(s);
		return NULL;
	}
	const struct fsc_iface_info *first = capfile_iface(s->cf, 0);
	s->h[0].linktype = first ? first->linktype : -1;
	/* A classic file's filter is checked now, as libpcap would. */
	if (s->filter && first && !file_filter(s, 0)) {
		snprintf(err, errlen, "%s", s->error);
		fsc_source_close(s);
		return NULL;
	}
	return s;
}

struct fsc_source *fsc_source_open_file(const char *path, const char *filter,
					char *err, size_t errlen)
{
	struct fsc_file_opts o = { .filter = filter };

	return fsc_source_open_file_opts(path, &o, err, errlen);
}

struct fsc_source *fsc_source_merge(struct fsc_source **files, unsigned n,
				    char *err, size_t errlen)
{
	struct fsc_source *s = source_new(0);

	if (s) {
		s->kids = calloc(n, sizeof(*s->kids));
		s->pending = calloc(n, sizeof(*s->pending));
	}
	if (!s || !s->kids || !s->pending) {
		snprintf(err, errlen, "out of memory");
		for (unsigned i = 0; i < n; i++)
			fsc_source_close(files[i]);
		if (s) {
			free(s->kids);
			free(s->pending);
			free(s);
		}
		return NULL;
	}
	s->n_kids = n;
	for (unsigned i = 0; i < n; i++)
		s->kids[i].src = files[i];
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
	h->info.linktype = h->linktype;
	h->info.name = h->name;
	h->info.snaplen = (uint32_t)pcap_snapshot(p);
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
	s->merge = n > 1 && opts && opts->merge_ns > 0;
	s->merge_ns = s->merge ? opts->merge_ns : 0;
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

static enum fsc_src_result read_live(struct fsc_source *s, unsigned i,
				     struct fsc_frame *f)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct handle *h = &s->h[i];
	int rc = pcap_next_ex(h->pcap, &hdr, &data);

	if (rc == 1) {
		f->data = data;
		f->caplen = hdr->caplen;
		f->wirelen = hdr->len;
		f->sec = hdr->ts.tv_sec;
		f->nsec = (uint32_t)hdr->ts.tv_usec; /* nanoseconds: asked for */
		f->linktype = h->linktype;
		f->iface = i;
		f->file = 0;
		f->number = ++h->number;
		return FSC_SRC_FRAME;
	}
	if (rc == 0)
		return FSC_SRC_AGAIN;
	if (rc == PCAP_ERROR_BREAK)
		return FSC_SRC_END;
	snprintf(s->error, sizeof(s->error), "%s: %s", h->name, pcap_geterr(h->pcap));
	return FSC_SRC_ERROR;
}

bool fsc_source_shift(struct fsc_source *s, unsigned file, int64_t ns)
{
	if (s->kids) {
		if (file >= s->n_kids)
			return false;
		s->kids[file].src->shift_ns = ns;
		return true;
	}
	if (s->live || file != 0)
		return false;
	s->shift_ns = ns;
	return true;
}

/* A shift that would take a frame before the epoch stops there. Seconds
 * and nanoseconds apart: a damaged file's far-future second (capfile
 * clamps it near INT64_MAX / 1e9) must not overflow. */
static void shift(struct fsc_frame *f, int64_t ns)
{
	int64_t sec = f->sec + ns / 1000000000;
	int64_t nsec = (int64_t)f->nsec + ns % 1000000000;

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	} else if (nsec >= 1000000000) {
		nsec -= 1000000000;
		sec++;
	}
	if (sec < 0)
		sec = nsec = 0;
	f->sec = sec;
	f->nsec = (uint32_t)nsec;
}

static enum fsc_src_result read_file(struct fsc_source *s, struct fsc_frame *f)
{
	enum fsc_src_result r;

	while ((r = capfile_next(s->cf, f)) == FSC_SRC_FRAME) {
		f->file = 0;
		if (s->shift_ns)
			shift(f, s->shift_ns);
		if (!s->filter)
			return r;
		struct bpf_program *prog = file_filter(s, f->iface);
		if (!prog)
			return FSC_SRC_ERROR;
		struct pcap_pkthdr hdr = { .caplen = f->caplen, .len = f->wirelen };
		if (pcap_offline_filter(prog, &hdr, f->data))
			return r;
	}
	if (r == FSC_SRC_ERROR)
		snprintf(s->error, sizeof(s->error), "%s", capfile_error(s->cf));
	return r;
}

static bool earlier(const struct fsc_frame *a, const struct fsc_frame *b)
{
	return a->sec < b->sec || (a->sec == b->sec && a->nsec < b->nsec);
}

static enum fsc_src_result read_merged(struct fsc_source *s, struct fsc_frame *f)
{
	int best = -1;

	for (unsigned i = 0; i < s->n_kids; i++) {
		struct kid *k = &s->kids[i];
		if (!k->has && !k->done) {
			enum fsc_src_result r = fsc_source_next(k->src, &s->pending[i]);
			if (r == FSC_SRC_AGAIN)
				return r; /* its next frame may be the earliest */
			if (r == FSC_SRC_ERROR) {
				k->done = true;
				s->failed = i;
				snprintf(s->error, sizeof(s->error), "%s",
					 fsc_source_error(k->src));
				return r;
			}
			k->has = r == FSC_SRC_FRAME;
			k->done = r == FSC_SRC_END;
		}
		if (k->has && (best < 0 || earlier(&s->pending[i], &s->pending[best])))
			best = (int)i;
	}
	if (best < 0)
		return FSC_SRC_END;
	*f = s->pending[best];
	f->file = (unsigned)best;
	s->kids[best].has = false;
	return FSC_SRC_FRAME;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t frame_ns(const struct fsc_frame *f)
{
	return f->sec * 1000000000 + f->nsec;
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ns until a held frame may go out: merge_ns after it was captured (a
 * backlog goes at once), and never more than merge_ns after it was read
 * (a clock that stepped). */
static int64_t held_left(const struct fsc_source *s, const struct handle *h, int64_t mono,
			 int64_t real)
{
	int64_t by_read = h->held_until - mono;
	int64_t by_capture = frame_ns(&h->pend) + s->merge_ns - real;

	return by_read < by_capture ? by_read : by_capture;
}

/*
 * Live interfaces merged by time: each handle holds the frame it read;
 * the earliest goes out once every handle holds one, or once it is
 * merge_ns old (an earlier frame on another interface would have come by
 * then: a block comes timeout_ms after its first frame at most). Nothing
 * is copied: a held frame's bytes stay libpcap's until its handle is read
 * again, after it went out.
 */
static enum fsc_src_result read_live_merged(struct fsc_source *s, struct fsc_frame *f)
{
	int64_t now = mono_ns();
	unsigned held = 0, first = s->n;

	for (unsigned i = 0; i < s->n; i++) {
		struct handle *h = &s->h[i];
		if (!h->held) {
			enum fsc_src_result r = read_live(s, i, &h->pend);
			if (r == FSC_SRC_ERROR || r == FSC_SRC_END)
				return r;
			if (r == FSC_SRC_FRAME) {
				h->held = true;
				h->held_until = now + s->merge_ns;
			}
		}
		if (!h->held)
			continue;
		held++;
		if (first == s->n || frame_ns(&h->pend) < frame_ns(&s->h[first].pend))
			first = i;
	}
	if (first == s->n || (held < s->n && held_left(s, &s->h[first], now, real_ns()) > 0))
		return FSC_SRC_AGAIN;
	*f = s->h[first].pend;
	s->h[first].held = false;
	return FSC_SRC_FRAME;
}

int fsc_source_timeout_ms(const struct fsc_source *s)
{
	int64_t mono = mono_ns(), real = real_ns(), left = -1;

	for (unsigned i = 0; s->merge && i < s->n; i++) {
		if (!s->h[i].held)
			continue;
		int64_t l = held_left(s, &s->h[i], mono, real);
		if (left < 0 || l < left)
			left = l < 0 ? 0 : l;
	}
	if (left < 0)
		return -1;
	return left == 0 ? 0 : (int)(left / 1000000) + 1;
}

void fsc_source_release(struct fsc_source *s)
{
	s->merge_ns = 0;
	for (unsigned i = 0; s->merge && i < s->n; i++)
		s->h[i].held_until = 0;
}

enum fsc_src_result fsc_source_next(struct fsc_source *s, struct fsc_frame *f)
{
	if (s->kids)
		return read_merged(s, f);
	if (!s->live)
		return read_file(s, f);
	if (s->merge)
		return read_live_merged(s, f);
	for (unsigned k = 0; k < s->n; k++) {
		unsigned i = (s->next + k) % s->n;
		enum fsc_src_result r = read_live(s, i, f);
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

	if (s->kids) {
		for (unsigned i = 0; i < s->n_kids && k < max; i++)
			k += fsc_source_fds(s->kids[i].src, fds + k, max - k);
		return k;
	}
	if (s->cf) {
		int fd = capfile_fd(s->cf);
		if (fd >= 0 && max > 0)
			fds[k++] = fd;
		return k;
	}
	for (unsigned i = 0; i < s->n && k < max; i++) {
		if (s->h[i].held)
			continue;
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
	if (s->kids)
		return fsc_source_offset(s->kids[s->failed].src);
	return s->cf ? capfile_offset(s->cf) : -1;
}

unsigned fsc_source_error_file(const struct fsc_source *s)
{
	return s->failed;
}

static const struct fsc_source *file_of(const struct fsc_source *s, unsigned file)
{
	if (s->kids)
		return file < s->n_kids ? s->kids[file].src : NULL;
	return file == 0 ? s : NULL;
}

const char *fsc_source_path(const struct fsc_source *s, unsigned file)
{
	const struct fsc_source *k = file_of(s, file);

	return k && !k->live ? k->h[0].name : NULL;
}

const struct fsc_iface_info *fsc_source_iface(const struct fsc_source *s,
					      unsigned file, unsigned iface)
{
	const struct fsc_source *k = file_of(s, file);

	if (!k)
		return NULL;
	if (k->live)
		return iface < k->n ? &k->h[iface].info : NULL;
	return k->cf ? capfile_iface(k->cf, iface) : NULL;
}

unsigned fsc_source_ifaces(const struct fsc_source *s, unsigned file)
{
	const struct fsc_source *k = file_of(s, file);

	if (!k)
		return 0;
	return k->live ? k->n : k->cf ? capfile_ifaces(k->cf) : 0;
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
		free(s->h[i].name);
	}
	for (unsigned i = 0; i < s->n_progs; i++)
		if (s->progs[i].compiled)
			pcap_freecode(&s->progs[i].prog);
	for (unsigned i = 0; i < s->n_kids; i++)
		fsc_source_close(s->kids[i].src);
	capfile_close(s->cf);
	free(s->progs);
	free(s->filter);
	free(s->kids);
	free(s->pending);
	free(s);
}
