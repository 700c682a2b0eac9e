/* fuzz_pcapfile.c - the capture-reading path with the bytes as a file:
 * our pcap, pcapng and gzip reader (capfile.c), the source layer and the whole
 * per-frame pipeline behind them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fsc/pipeline.h"
#include "fsc/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const struct fsc_event *ev, void *ctx)
{
	(void)ev;
	(void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsc_pipeline *pl;
	char path[64], err[256];
	struct fsc_frame f;
	int fd = memfd_create("fuzz_pcapfile", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	if (!pl) {
		struct fsc_pipeline_limits lim = { .wg = { .max_sessions = 64, .max_peers = 16 } };
		pl = fsc_pipeline_new(&lim);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct fsc_source *s = fsc_source_open_file(path, NULL, err, sizeof(err));
	if (s) {
		enum fsc_src_result r;
		unsigned n = 0;
		while (n++ < 10000 && (r = fsc_source_next(s, &f)) == FSC_SRC_FRAME) {
			if (f.caplen > 262144)
				abort(); /* CAPFILE_MAX_CAPLEN, which callers rely on */
			fsc_pipeline_frame(pl, &f, sink, NULL);
		}
		fsc_source_close(s);
	}
	close(fd);
	return 0;
}
