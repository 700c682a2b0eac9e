/* source.h - frames from capture files or live interfaces, through libpcap. */
#ifndef FSC_SOURCE_H
#define FSC_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/frame.h"

enum fsc_src_result {
	FSC_SRC_FRAME = 1,	/* *frame is filled */
	FSC_SRC_AGAIN = 0,	/* live: nothing now; poll the fds */
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
 * interface is empty, and take interfaces in turn so none starves. */
enum fsc_src_result fsc_source_next(struct fsc_source *s, struct fsc_frame *f);

/* Selectable fds of a live source (one an interface); 0 for a file. */
unsigned fsc_source_fds(const struct fsc_source *s, int *fds, unsigned max);

unsigned fsc_source_count(const struct fsc_source *s);
const char *fsc_source_name(const struct fsc_source *s, unsigned iface);
int fsc_source_linktype(const struct fsc_source *s, unsigned iface);

/* The message of the last FSC_SRC_ERROR. */
const char *fsc_source_error(const struct fsc_source *s);

/* File: byte offset where the last record read (or the one that failed)
 * starts. -1 when unknown (stdin, live). */
int64_t fsc_source_offset(const struct fsc_source *s);

/* Live: kernel counters of one interface. Returns false if unavailable. */
bool fsc_source_stats(struct fsc_source *s, unsigned iface,
		      struct fsc_src_stats *st);

void fsc_source_close(struct fsc_source *s);

#endif
