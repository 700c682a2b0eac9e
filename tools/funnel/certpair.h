/* certpair.h - a certificate folder as `tailscale cert` writes it
 * (<dir>/<name>.crt: leaf then chain; <dir>/<name>.key), read by fnode to
 * serve it and by the serve-config lint (`fnode status`, `fdoctor lint`)
 * to check it. */
#ifndef FSC_CERTPAIR_H
#define FSC_CERTPAIR_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

struct fsc_cert_pair {
	X509 *cert;
	STACK_OF(X509) *chain;	/* certificates after the leaf */
	EVP_PKEY *key;
};

/* Loads both files; false with why ("<path>: missing", "... does not match
 * the certificate") and *out empty. The caller frees with
 * fsc_cert_pair_free. A name with '/' or a leading '.' is refused. */
bool fsc_cert_pair_load(const char *dir, const char *name, struct fsc_cert_pair *out,
			char *why, size_t cap);
void fsc_cert_pair_free(struct fsc_cert_pair *p);

/* What the lint reports of a name's certificate. */
struct fsc_cert_info {
	bool present, key_ok, san_ok;
	long days_left;		/* whole days to notAfter; negative: expired */
	char why[160];		/* the first problem, "" when none */
};
void fsc_cert_inspect(const char *dir, const char *name, struct fsc_cert_info *ci);

#endif
