/* inputopts.h - the options about the inputs that fdecode and fwatch share:
 * --wg-keylog FILE (WireGuard key logs, repeatable), --tls-keylog FILE
 * (NSS key logs: TLS 1.3 decrypted, repeatable), --clock-offset
 * FILE=SECONDS (a capture from a machine whose clock was off) and
 * --proxy-model pooled|per-connection (the node's proxy, for the
 * correlation: fsc_corr_limits.proxy), and what
 * they do: the keys (with the inputs' pcapng Decryption Secrets Blocks)
 * become the pipeline's decryptor, the offsets shift their files in the
 * merged source (fsc_source_merge, fsc_source_shift); the TLS keys (with
 * the inputs' TLS secrets blocks) go to the stream machines
 * (fsc_pipeline_set_tlskeys). Live, a key log that grows is read again
 * (fsc_wgkeys_refresh): keys written as the handshakes happen still open
 * them.
 */
#ifndef FSC_INPUTOPTS_H
#define FSC_INPUTOPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/correlate.h"
#include "fsc/pipeline.h"
#include "fsc/source.h"

/* Codes for the getopt_long tables, after logopts.h's 0x1180 block. */
enum fsc_inputopt {
	FSC_IOPT_WG_KEYLOG = 0x1200,
	FSC_IOPT_CLOCK_OFFSET,
	FSC_IOPT_TLS_KEYLOG,
	FSC_IOPT_PROXY_MODEL,
};
#define FSC_INPUTOPTS_LONGOPTS \
	{ "wg-keylog", required_argument, NULL, FSC_IOPT_WG_KEYLOG }, \
	{ "clock-offset", required_argument, NULL, FSC_IOPT_CLOCK_OFFSET }, \
	{ "tls-keylog", required_argument, NULL, FSC_IOPT_TLS_KEYLOG }, \
	{ "proxy-model", required_argument, NULL, FSC_IOPT_PROXY_MODEL }

#define FSC_INPUT_MAX_KEYLOGS 64
#define FSC_INPUT_MAX_OFFSETS 16

struct fsc_inputopts {
	const char *wg_keylogs[FSC_INPUT_MAX_KEYLOGS];
	unsigned n_wg_keylogs;
	const char *tls_keylogs[FSC_INPUT_MAX_KEYLOGS];
	unsigned n_tls_keylogs;
	struct fsc_clock_shift {
		const char *file;	/* the argument: FILE is its first file_len bytes */
		size_t file_len;
		int64_t ns;
	} shifts[FSC_INPUT_MAX_OFFSETS];
	unsigned n_shifts;
	enum fsc_proxy_model proxy_model;	/* pooled unless told */
};

/* Applies option c with its argument: 1 applied, 0 not one of these, -1 a
 * bad value (said on stderr as "PROG: ..."). */
int fsc_inputopt_apply(const char *prog, int c, const char *arg, struct fsc_inputopts *io);

/* Every --clock-offset names one of the files; false (said) otherwise. */
bool fsc_inputopts_check(const char *prog, const struct fsc_inputopts *io,
			 const char *const *files, unsigned n_files);

/* Shifts the files of src (a merged source or one file) as asked. */
void fsc_inputopts_shift(const struct fsc_inputopts *io, struct fsc_source *src);

/* The keys: every --wg-keylog file and the secrets blocks of the files;
 * when there are any, a decryptor set on pl (which must not outlive it).
 * The same for --tls-keylog and TLS secrets blocks (live: `live`, a last
 * line without its LF waits for it).
 * NULL on failure, said on stderr, *status 1 (a key log unreadable) or 2
 * (out of memory). */
struct fsc_wgkeys;
struct fsc_wgkeys *fsc_wgkeys_open(const char *prog, const struct fsc_inputopts *io,
				   const char *const *files, unsigned n_files,
				   struct fsc_pipeline *pl, bool live,
				   int *status);
/* Reads the key logs again when one grew since (live: keys written as the
 * handshakes happen); true when WireGuard keys were added. A stat a file. */
bool fsc_wgkeys_refresh(struct fsc_wgkeys *k);
void fsc_wgkeys_free(struct fsc_wgkeys *k);
/* The TLS key table, or NULL when no TLS key log or block was given. */
const struct fsc_tlskeys *fsc_wgkeys_tls(const struct fsc_wgkeys *k);

#endif
