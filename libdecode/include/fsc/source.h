/* source.h - frames from capture files (pcap, pcapng, either gzipped; read
 * by capfile.c) or live interfaces (libpcap). */
#ifndef FSC_SOURCE_H
#define FSC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/frame.h"

/* What a capture says of one of its interfaces; texts NULL when absent,
 * untrusted (escape before printing). */
struct fsc_iface_info {
	int linktype;
	uint32_t snaplen;
	const char *name;	/* pcapng if_name, or the live interface */
	const char *description; /* if_description */
	const char *comment;	/* opt_comment */
};

enum fsc_src_result {
	FSC_SRC_FRAME = 1,	/* *frame is filled */
	FSC_SRC_AGAIN = 0,	/* nothing now: live, poll the fds; file, a
				 * signal interrupted the read or a followed
				 * file has no whole record yet: look at your
				 * signal flags, then call again */
	FSC_SRC_END = -1,	/* file: no more records */
	FSC_SRC_ERROR = -2,	/* fsc_source_error() says what; the frames
				 * read before it stay valid results */
};

struct fsc_live_opts {
	const char *filter;	/* BPF expression or NULL */
	int snaplen;		/* 0: 65535 */
	int buffer_size;	/* kernel buffer in bytes; 0: 4 MiB */
	bool promisc;
	int timeout_ms;		/* 0: immediate mode, each packet readable at
				 * once; > 0: packets readable in blocks at
				 * least this often (cheaper under load) */
	int64_t merge_ns;	/* several interfaces: frames in time order,
				 * each held up to this long (monotonic) after
				 * it was read for an earlier one that another
				 * interface has yet to hand over (a block
				 * comes timeout_ms late at most); 0: the
				 * interfaces in turn, as they hand frames
				 * over */
};

struct fsc_src_stats {
	uint64_t received;
	uint64_t dropped;	/* by the kernel: buffer full */
	uint64_t if_dropped;	/* by the interface or driver */
};

struct fsc_source;

/*
 * Opens a pcap or pcapng file ("-" for standard input), with timestamps in
 * nanoseconds. A filter, when given, is compiled for the file's linktype.
 * Returns NULL and writes a reason into err on failure.
 */
struct fsc_source *fsc_source_open_file(const char *path, const char *filter,
					char *err, size_t errlen);

struct fsc_file_opts {
	const char *filter;	/* BPF, compiled per interface link type */
	bool follow;		/* at the end, wait for more (tail -f) */
	bool *interrupted;	/* set when a signal cut the open short (a
				 * FIFO with no writer yet); may be NULL */
};

/* fsc_source_open_file with options. A file whose interfaces differ in
 * link type is read whole; an interface whose link type the filter does
 * not fit makes an error when its first packet comes. */
struct fsc_source *fsc_source_open_file_opts(const char *path,
					     const struct fsc_file_opts *o,
					     char *err, size_t errlen);

/*
 * One source over n opened file sources, which it takes over (closing
 * them): frames in timestamp order across the files (ties: the earlier
 * file first), each with f->file set. An error in one file is returned
 * once (fsc_source_error_file says which); the others go on.
 */
struct fsc_source *fsc_source_merge(struct fsc_source **files, unsigned n,
				    char *err, size_t errlen);
/* Merged: which file the last FSC_SRC_ERROR came from. */
unsigned fsc_source_error_file(const struct fsc_source *s);
/* Adds ns to the time of every frame of `file` (its index in a merged
 * source; 0 for a single file) from the next one read: a capture taken by
 * a clock that was off. Merged files are ordered by the shifted times.
 * False when there is no such file. */
bool fsc_source_shift(struct fsc_source *s, unsigned file, int64_t ns);
/* A file's path, by its index in a merged source (0 for a single file). */
const char *fsc_source_path(const struct fsc_source *s, unsigned file);
/* An interface of a file (its pcapng index) or live interface; NULL if
 * unknown. Valid until the next fsc_source_next or close. */
const struct fsc_iface_info *fsc_source_iface(const struct fsc_source *s,
					      unsigned file, unsigned iface);
/* How many interfaces a file (or the live source) has declared so far. */
unsigned fsc_source_ifaces(const struct fsc_source *s, unsigned file);

/*
 * Opens n live interfaces (several at once: each its own libpcap handle,
 * non-blocking, immediate mode unless opts->timeout_ms is set). Warnings
 * from activation (e.g. promiscuous mode not supported) go to err with a
 * non-NULL result; failures return NULL.
 */
struct fsc_source *fsc_source_open_live(const char *const *ifaces, unsigned n,
					const struct fsc_live_opts *opts,
					char *err, size_t errlen);

/* Next frame. Live sources never block: they return FSC_SRC_AGAIN when every
 * interface is empty (or, with merge_ns, the frames read are held), and take
 * interfaces in turn so none starves (with merge_ns: the earliest frame). */
enum fsc_src_result fsc_source_next(struct fsc_source *s, struct fsc_frame *f);

/* Fds to poll after FSC_SRC_AGAIN: a live source's (one an interface, but
 * none of an interface whose frame is held: it has nothing new to say), a
 * file read from a pipe; none for a regular file (sleep, then call again). */
unsigned fsc_source_fds(const struct fsc_source *s, int *fds, unsigned max);
/* Live with merge_ns: ms until a held frame is due (call fsc_source_next
 * then), or -1 when none is held. */
int fsc_source_timeout_ms(const struct fsc_source *s);
/* Live with merge_ns: the frames held (and any read from now on) wait no
 * longer, for the end of a capture. */
void fsc_source_release(struct fsc_source *s);

unsigned fsc_source_count(const struct fsc_source *s);
const char *fsc_source_name(const struct fsc_source *s, unsigned iface);
int fsc_source_linktype(const struct fsc_source *s, unsigned iface);

/* The message of the last FSC_SRC_ERROR. */
const char *fsc_source_error(const struct fsc_source *s);

/* File: byte offset where the last record read (or the one that failed)
 * starts. -1 when unknown (gzip, live). Merged: of the file that failed. */
int64_t fsc_source_offset(const struct fsc_source *s);

/* Live: kernel counters of one interface. Returns false if unavailable. */
bool fsc_source_stats(struct fsc_source *s, unsigned iface,
		      struct fsc_src_stats *st);

void fsc_source_close(struct fsc_source *s);

#endif
