/* inputopts.c - --wg-keylog, --tls-keylog, --clock-offset and
 * --proxy-model for fdecode and fwatch (inputopts.h). */
#include "inputopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsc/wgdecrypt.h"
#include "fsc/tlsdecrypt.h"
#include "fsc/wgkeylog.h"

static bool clock_offset(struct fsc_inputopts *io, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	char *end;

	if (!eq || eq == arg || io->n_shifts == FSC_INPUT_MAX_OFFSETS)
		return false;
	double v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !(v >= -1e6 && v <= 1e6))
		return false;
	struct fsc_clock_shift *s = &io->shifts[io->n_shifts++];
	s->file = arg;
	s->file_len = (size_t)(eq - arg);
	s->ns = (int64_t)(v * 1e9 + (v < 0 ? -0.5 : 0.5));
	return true;
}

/* One more key log of a kind (--wg-keylog, --tls-keylog). */
static int keylog(const char *prog, const char *kind, const char **list, unsigned *n,
		  const char *arg)
{
	if (*n == FSC_INPUT_MAX_KEYLOGS) {
		fprintf(stderr, "%s: at most %d --%s-keylog\n", prog, FSC_INPUT_MAX_KEYLOGS, kind);
		return -1;
	}
	list[(*n)++] = arg;
	return 1;
}

int fsc_inputopt_apply(const char *prog, int c, const char *arg, struct fsc_inputopts *io)
{
	switch (c) {
	case FSC_IOPT_WG_KEYLOG:
		return keylog(prog, "wg", io->wg_keylogs, &io->n_wg_keylogs, arg);
	case FSC_IOPT_TLS_KEYLOG:
		return keylog(prog, "tls", io->tls_keylogs, &io->n_tls_keylogs, arg);
	case FSC_IOPT_CLOCK_OFFSET:
		if (clock_offset(io, arg))
			return 1;
		fprintf(stderr, "%s: --clock-offset: '%s': want FILE=SECONDS (-1e6 to 1e6; at most "
			"%d)\n", prog, arg, FSC_INPUT_MAX_OFFSETS);
		return -1;
	case FSC_IOPT_PROXY_MODEL:
		if (fsc_proxy_model_parse(arg, &io->proxy_model))
			return 1;
		fprintf(stderr, "%s: --proxy-model: '%s': want %s or %s\n", prog, arg,
			fsc_proxy_model_name(FSC_PROXY_POOLED),
			fsc_proxy_model_name(FSC_PROXY_PER_CONNECTION));
		return -1;
	default:
		return 0;
	}
}

static bool names(const struct fsc_clock_shift *s, const char *path)
{
	return path && strlen(path) == s->file_len && memcmp(path, s->file, s->file_len) == 0;
}

bool fsc_inputopts_check(const char *prog, const struct fsc_inputopts *io,
			 const char *const *files, unsigned n_files)
{
	for (unsigned k = 0; k < io->n_shifts; k++) {
		bool found = false;
		for (unsigned j = 0; j < n_files && !found; j++)
			found = names(&io->shifts[k], files[j]);
		if (!found) {
			fprintf(stderr, "%s: --clock-offset: '%.*s': not one of the input files\n",
				prog, (int)io->shifts[k].file_len, io->shifts[k].file);
			return false;
		}
	}
	return true;
}

void fsc_inputopts_shift(const struct fsc_inputopts *io, struct fsc_source *src)
{
	const char *p;

	for (unsigned i = 0; src && i < io->n_shifts; i++)
		for (unsigned k = 0; (p = fsc_source_path(src, k)); k++)
			if (names(&io->shifts[i], p))
				fsc_source_shift(src, k, io->shifts[i].ns);
}

/* ---- the keys ---- */

struct fsc_wgkeys {
	struct fsc_wgkeylog_set *set;
	struct fsc_wgdecrypt *dec;
	const struct fsc_inputopts *io;
	off_t size[FSC_INPUT_MAX_KEYLOGS];	/* each key log as last read */
	unsigned blocks;
	struct fsc_tlskeys *tls;		/* NULL: no TLS keys asked for */
	uint64_t tls_off[FSC_INPUT_MAX_KEYLOGS];	/* each TLS key log read to */
	bool live;
};

/* The TLS key logs from where each was left; a line still being written
 * waits for its LF. Also the key table's reload (a lookup that missed). */
static void tls_refresh(void *ctx)
{
	struct fsc_wgkeys *k = ctx;
	struct stat st;
	char err[256];

	for (unsigned i = 0; k->tls && i < k->io->n_tls_keylogs; i++) {
		if (stat(k->io->tls_keylogs[i], &st) != 0)
			continue;
		if ((uint64_t)st.st_size < k->tls_off[i])
			k->tls_off[i] = 0; /* a new file (rotated): from its start */
		if ((uint64_t)st.st_size > k->tls_off[i])
			fsc_tlskeys_add_file(k->tls, k->io->tls_keylogs[i], &k->tls_off[i], false, err,
					     sizeof(err));
	}
}

/* Secrets inside an input are read ahead from regular files only (a pipe
 * or /dev/stdin read here would be lost to the decoder); a file that cannot
 * be read here is reported when it is decoded. */
static bool secrets_readable(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, R_OK) == 0;
}

/* --tls-keylog and the inputs' TLS secrets blocks: false (said, *status)
 * when a log cannot be read or memory runs out. */
static bool tls_keys_open(const char *prog, struct fsc_wgkeys *k, const char *const *files,
			  unsigned n_files, struct fsc_pipeline *pl, int *status)
{
	const struct fsc_inputopts *io = k->io;
	char err[256];
	unsigned blocks = 0;

	if (!(k->tls = fsc_tlskeys_new(0))) {
		fprintf(stderr, "%s: out of memory for the TLS key log\n", prog);
		*status = 2;
		return false;
	}
	for (unsigned i = 0; i < io->n_tls_keylogs; i++)
		if (!fsc_tlskeys_add_file(k->tls, io->tls_keylogs[i], &k->tls_off[i], !k->live, err,
					  sizeof(err))) {
			fprintf(stderr, "%s: --tls-keylog: '%s': %s\n", prog, io->tls_keylogs[i], err);
			*status = 1;
			return false;
		}
	for (unsigned i = 0; i < n_files; i++) {
		int n = 0;
		if (secrets_readable(files[i]))
			n = fsc_tlskeys_pcapng_secrets(files[i], k->tls, err, sizeof(err));
		blocks += n > 0 ? (unsigned)n : 0;
	}
	if (io->n_tls_keylogs == 0 && blocks == 0) {
		fsc_tlskeys_free(k->tls); /* no keys: nothing changes */
		k->tls = NULL;
		return true;
	}
	if (k->live)
		fsc_tlskeys_set_reload(k->tls, tls_refresh, k);
	if (!fsc_pipeline_set_tlskeys(pl, k->tls)) {
		fprintf(stderr, "%s: out of memory for TLS decryption\n", prog);
		*status = 2;
		return false;
	}
	return true;
}

struct fsc_wgkeys *fsc_wgkeys_open(const char *prog, const struct fsc_inputopts *io,
				   const char *const *files, unsigned n_files,
				   struct fsc_pipeline *pl, bool live,
				   int *status)
{
	struct fsc_wgkeys *k = calloc(1, sizeof(*k));
	char err[256];
	struct stat st;

	*status = 0;
	if (!k || !(k->set = fsc_wgkeylog_set_new(0, 0, 0))) {
		fprintf(stderr, "%s: out of memory for the key log\n", prog);
		*status = 2;
		fsc_wgkeys_free(k);
		return NULL;
	}
	k->io = io;
	k->live = live;
	if (!tls_keys_open(prog, k, files, n_files, pl, status)) {
		fsc_wgkeys_free(k);
		return NULL;
	}
	for (unsigned i = 0; i < io->n_wg_keylogs; i++) {
		/* the size before the read: a line added meanwhile is read again */
		k->size[i] = stat(io->wg_keylogs[i], &st) == 0 ? st.st_size : 0;
		if (!fsc_wgkeylog_set_add_file(k->set, io->wg_keylogs[i], err, sizeof(err))) {
			fprintf(stderr, "%s: --wg-keylog: '%s': %s\n", prog, io->wg_keylogs[i], err);
			*status = 1;
			fsc_wgkeys_free(k);
			return NULL;
		}
	}
	/* secrets inside the inputs */
	for (unsigned i = 0; i < n_files; i++) {
		int n = 0;
		if (secrets_readable(files[i]))
			n = fsc_wgd_pcapng_secrets(files[i], k->set, err, sizeof(err));
		if (n > 0)
			k->blocks += (unsigned)n;
		else if (n < 0)
			fprintf(stderr, "%s: %s: warning: secrets blocks not read: %s\n", prog,
				files[i], err);
	}
	if (io->n_wg_keylogs == 0 && k->blocks == 0)
		return k; /* no keys: nothing changes */
	k->dec = fsc_wgdecrypt_new(k->set, err, sizeof(err));
	if (!k->dec) {
		fprintf(stderr, "%s: WireGuard decryption: %s\n", prog, err);
		*status = 2;
		fsc_wgkeys_free(k);
		return NULL;
	}
	fsc_pipeline_set_wgdecrypt(pl, k->dec);
	return k;
}

bool fsc_wgkeys_refresh(struct fsc_wgkeys *k)
{
	struct stat st;
	char err[256];
	bool added = false;

	if (k)
		tls_refresh(k);
	for (unsigned i = 0; k && k->dec && i < k->io->n_wg_keylogs; i++) {
		const char *path = k->io->wg_keylogs[i];
		if (stat(path, &st) != 0 || st.st_size == k->size[i])
			continue;
		k->size[i] = st.st_size;
		/* The set keeps each key once: reading it whole again adds only
		 * the new lines' keys. */
		added |= fsc_wgkeylog_set_add_file(k->set, path, err, sizeof(err));
	}
	if (added)
		fsc_wgdecrypt_keys_added(k->dec);
	return added;
}

void fsc_wgkeys_free(struct fsc_wgkeys *k)
{
	if (!k)
		return;
	fsc_wgdecrypt_free(k->dec);
	fsc_wgkeylog_set_free(k->set);
	fsc_tlskeys_free(k->tls);
	free(k);
}

const struct fsc_tlskeys *fsc_wgkeys_tls(const struct fsc_wgkeys *k)
{
	return k ? k->tls : NULL;
}
