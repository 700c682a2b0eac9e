/* tls_hello_dump.c - test driver: prints every ClientHello in a file holding
 * one direction of a TCP stream, one tab-separated line each, in the order
 * of tshark -T fields -e tls.handshake.extensions_server_name
 * -e tls.handshake.extensions_alpn_str -e tls.handshake.ja3
 * -e tls.handshake.ja3_full, then JA4, cipher suites (0x%04x) and extension
 * types (decimal) comma-joined, as tshark prints those fields.
 *
 * usage: tls_hello_dump [-s CHUNK] FILE   (feeds the reassembler CHUNK bytes
 * at a time; default: all at once). Exit 0 if at least one hello was found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/ja.h"
#include "fsc/tls.h"

static struct fsc_tls_client_hello ch;

static void print_hello(const uint8_t *msg, size_t len)
{
	char ja3s[FSC_JA3_STR_MAX], ja3[FSC_JA3_HEX_LEN], ja4[FSC_JA4_LEN];
	const char *why;

	if (fsc_tls_client_hello_parse(msg, len, &ch, &why) != FSC_OK) {
		fprintf(stderr, "tls_hello_dump: ClientHello: %s\n", why);
		return;
	}
	if (fsc_ja3_string(&ch, ja3s, sizeof(ja3s), &why) != FSC_OK ||
	    fsc_ja3(&ch, ja3, &why) != FSC_OK || fsc_ja4(&ch, 't', ja4, &why) != FSC_OK) {
		fprintf(stderr, "tls_hello_dump: fingerprint: %s\n", why);
		return;
	}
	printf("%.*s\t", (int)ch.sni.len, (const char *)ch.sni.p);
	for (size_t i = 0; i < ch.n_alpn; i++)
		printf("%s%.*s", i ? "," : "", (int)ch.alpn[i].len, (const char *)ch.alpn[i].p);
	printf("\t%s\t%s\t%s\t", ja3, ja3s, ja4);
	for (size_t i = 0; i < ch.n_ciphers; i++)
		printf("%s0x%04x", i ? "," : "", ch.ciphers[i]);
	printf("\t");
	for (size_t i = 0; i < ch.n_exts; i++)
		printf("%s%u", i ? "," : "", ch.exts[i].type);
	printf("\n");
}

int main(int argc, char **argv)
{
	static uint8_t data[1 << 20], buf[FSC_TLS_HS_MAX];
	struct fsc_tls_reasm r;
	size_t chunk = 0, n, hellos = 0;
	int opt;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			goto usage;
		chunk = (size_t)strtoul(optarg, NULL, 10);
	}
	if (optind + 1 != argc)
		goto usage;
	if (!(f = fopen(argv[optind], "rb"))) {
		perror(argv[optind]);
		return 2;
	}
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	if (chunk == 0)
		chunk = n ? n : 1;
	fsc_tls_reasm_init(&r, buf, sizeof(buf));
	for (size_t off = 0; off < n;) {
		size_t k = n - off < chunk ? n - off : chunk, pos = 0, used;
		const char *why;
		enum fsc_status st;
		while ((st = fsc_tls_reasm_feed(&r, data + off + pos, k - pos, &used, &why)) == FSC_OK) {
			pos += used;
			if (r.msg_type == FSC_TLS_HS_CLIENT_HELLO) {
				print_hello(r.msg, r.msg_len);
				hellos++;
			}
		}
		if (st != FSC_TRUNCATED) {
			if (st == FSC_MALFORMED)
				fprintf(stderr, "tls_hello_dump: stream: %s\n", why);
			break;
		}
		off += k;
	}
	return hellos ? 0 : 1;
usage:
	fprintf(stderr, "usage: tls_hello_dump [-s CHUNK] FILE\n");
	return 1;
}
