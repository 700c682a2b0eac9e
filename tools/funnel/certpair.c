/* certpair.c - the certificate folder (certpair.h). */
#include "certpair.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

void fsc_cert_pair_free(struct fsc_cert_pair *p)
{
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	EVP_PKEY_free(p->key);
	memset(p, 0, sizeof(*p));
}

bool fsc_cert_pair_load(const char *dir, const char *name, struct fsc_cert_pair *out,
			char *why, size_t cap)
{
	char path[1024];
	FILE *f;
	X509 *x;

	memset(out, 0, sizeof(*out));
	if (strchr(name, '/') || strcmp(name, "..") == 0 || name[0] == '.') {
		snprintf(why, cap, "not a certificate name");
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, cap, "%.200s: missing", path);
		return false;
	}
	out->cert = PEM_read_X509(f, NULL, NULL, NULL);
	out->chain = sk_X509_new_null();
	while (out->cert && out->chain && (x = PEM_read_X509(f, NULL, NULL, NULL)))
		sk_X509_push(out->chain, x);
	ERR_clear_error();
	fclose(f);
	if (!out->cert) {
		snprintf(why, cap, "%.200s: no PEM certificate", path);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	f = fopen(path, "r");
	if (!f) {
		snprintf(why, cap, "%.200s: missing", path);
		goto fail;
	}
	out->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!out->key || !X509_check_private_key(out->cert, out->key)) {
		snprintf(why, cap, "%.200s: %s", path, out->key ? "does not match the certificate"
							    : "no PEM private key");
		goto fail;
	}
	return true;
fail:
	ERR_clear_error();
	fsc_cert_pair_free(out);
	return false;
}

void fsc_cert_inspect(const char *dir, const char *name, struct fsc_cert_info *ci)
{
	struct fsc_cert_pair p;
	int days = 0, secs = 0;

	memset(ci, 0, sizeof(*ci));
	if (!dir) {
		snprintf(ci->why, sizeof(ci->why), "no --certs folder");
		return;
	}
	if (!fsc_cert_pair_load(dir, name, &p, ci->why, sizeof(ci->why))) {
		ci->present = strstr(ci->why, ".key") != NULL;
		return;
	}
	ci->present = ci->key_ok = true;
	ci->san_ok = X509_check_host(p.cert, name, 0, 0, NULL) == 1;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(p.cert)))
		ci->days_left = days;
	if (!ci->san_ok)
		snprintf(ci->why, sizeof(ci->why), "certificate does not name %s", name);
	else if (days < 0 || (days == 0 && secs < 0))
		snprintf(ci->why, sizeof(ci->why), "certificate expired");
	fsc_cert_pair_free(&p);
}
