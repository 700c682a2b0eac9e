/* capfile.h - one capture file read by ourselves: classic pcap (micro- or
 * nanosecond, either byte order) and pcapng (any number of sections and
 * interfaces, each with its own link type and timestamp resolution), plain
 * or gzip-compressed, from a path or standard input. Private to source.c.
 *
 * Why not libpcap's reader: it refuses a pcapng whose interfaces differ in
 * link type (what `dumpcap -i eth0 -i tailscale0` writes), reads no gzip,
 * and turns an EINTR into a fatal "damaged file" error. Here a read that a
 * signal interrupts returns FSC_SRC_AGAIN with nothing lost, and so does the
 * end of a file that is still growing when `follow` is set.
 */
#ifndef FSC_CAPFILE_H
#define FSC_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/source.h"

#define CAPFILE_MAX_CAPLEN 262144 /* libpcap's bound, which callers rely on */

struct capfile;

/* Opens path ("-": standard input). NULL with a reason in err on failure;
 * *interrupted is set when a signal cut the open or the header read short
 * (a FIFO nobody writes): the caller decides whether to stop. */
struct capfile *capfile_open(const char *path, bool follow, char *err,
			     size_t errlen, bool *interrupted);

/* The next record: FSC_SRC_FRAME (f filled but for f->file), FSC_SRC_AGAIN
 * (a signal interrupted the read, or a followed file has no whole record
 * yet: call again), FSC_SRC_END, or FSC_SRC_ERROR (capfile_error says why).
 * f->data is valid until the next call or capfile_close. */
enum fsc_src_result capfile_next(struct capfile *c, struct fsc_frame *f);

const char *capfile_error(const struct capfile *c);
/* Byte offset in the (uncompressed) stream where the last record read, or
 * the one that failed, starts; -1 for a gzip file (not a file position). */
int64_t capfile_offset(const struct capfile *c);
/* Interfaces seen so far (a pcapng file declares them as it goes). */
unsigned capfile_ifaces(const struct capfile *c);
const struct fsc_iface_info *capfile_iface(const struct capfile *c, unsigned i);
bool capfile_gzip(const struct capfile *c);
/* A pipe's fd to poll after FSC_SRC_AGAIN; -1 for a regular file. */
int capfile_fd(const struct capfile *c);
void capfile_close(struct capfile *c);

#endif
