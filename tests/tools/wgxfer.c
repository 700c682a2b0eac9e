/* wgxfer.c - a TCP transfer with its checksum, for the tunnel tests.
 *
 *   wgxfer serve ADDR PORT [N]        accept N connections (default 1),
 *                                     each in its own process: read to EOF,
 *                                     print "BYTES SHA256", answer with the
 *                                     same line; exit when all are done
 *   wgxfer send ADDR PORT BYTES SEED  connect, send BYTES pseudo-random bytes
 *                                     (from SEED), shut down the write side,
 *                                     print "BYTES SHA256" and the server's
 *                                     answer on a second line
 *
 * The test compares the two lines: equal means every byte arrived, in
 * order. Exit 0 on success, 1 on a socket error, 2 on usage. ADDR is an
 * IPv4 or IPv6 literal.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int sockaddr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
		       socklen_t *sl)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)atoi(port));
		*sl = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)atoi(port));
		*sl = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* One connection: hash to EOF, print and answer the line. */
static int serve_one(int c)
{
	static unsigned char buf[1 << 16];
	unsigned char md[32];
	unsigned mdlen;
	unsigned long long total = 0;
	char line[128], h[65];
	ssize_t n;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return 1;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += (unsigned long long)n;
	}
	if (n < 0) {
		perror("wgxfer: read");
		return 1;
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	hex(md, 32, h);
	snprintf(line, sizeof(line), "%llu %s\n", total, h);
	fputs(line, stdout);
	fflush(stdout);
	if (write(c, line, strlen(line)) < 0)
		perror("wgxfer: answer");
	close(c);
	EVP_MD_CTX_free(ctx);
	return 0;
}

static int serve(const char *addr, const char *port, int count)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = sockaddr_of(addr, port, &ss, &sl), one = 1, l, c, rc = 0, st;

	if (fam < 0 || count < 1)
		return 2;
	l = socket(fam, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&ss, sl) != 0 || listen(l, 16) != 0) {
		perror("wgxfer: serve");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		if ((c = accept(l, NULL, NULL)) < 0) {
			perror("wgxfer: accept");
			return 1;
		}
		pid_t pid = fork();
		if (pid == 0) {
			close(l);
			_exit(serve_one(c));
		}
		close(c);
		if (pid < 0)
			rc = 1;
	}
	close(l);
	while (wait(&st) > 0)
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = 1;
	return rc;
}

static int send_bytes(const char *addr, const char *port, unsigned long long bytes,
		      unsigned long long seed)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = sockaddr_of(addr, port, &ss, &sl), c;
	static unsigned char buf[1 << 16];
	unsigned char md[32];
	unsigned mdlen;
	char h[65], answer[128];
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	unsigned long long left = bytes;
	ssize_t n;
	size_t got = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (fam < 0 || !ctx)
		return 2;
	c = socket(fam, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&ss, sl) != 0) {
		perror("wgxfer: connect");
		return 1;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while (left) {
		size_t chunk = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		for (size_t i = 0; i < chunk; i += 8) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			memcpy(buf + i, &x, chunk - i < 8 ? chunk - i : 8);
		}
		EVP_DigestUpdate(ctx, buf, chunk);
		for (size_t off = 0; off < chunk; off += (size_t)n)
			if ((n = write(c, buf + off, chunk - off)) <= 0) {
				perror("wgxfer: write");
				return 1;
			}
		left -= chunk;
	}
	shutdown(c, SHUT_WR);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	hex(md, 32, h);
	printf("%llu %s\n", bytes, h);
	while (got < sizeof(answer) - 1 && (n = read(c, answer + got, sizeof(answer) - 1 - got)) > 0)
		got += (size_t)n;
	answer[got] = '\0';
	fputs(answer, stdout);
	close(c);
	EVP_MD_CTX_free(ctx);
	return got ? 0 : 1;
}

int main(int argc, char **argv)
{
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argc == 5 ? atoi(argv[4]) : 1);
	if (argc == 6 && !strcmp(argv[1], "send"))
		return send_bytes(argv[2], argv[3], strtoull(argv[4], NULL, 10),
				  strtoull(argv[5], NULL, 10));
	fprintf(stderr, "usage: wgxfer serve ADDR PORT [N] | wgxfer send ADDR PORT BYTES SEED\n");
	return 2;
}
