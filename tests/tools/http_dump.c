/* http_dump.c - test driver: walks the two directions of one HTTP/1.x
 * connection as a stream observer would, the bytes arriving CHUNK at a time:
 * request heads (parsed again with more bytes until complete, last_len
 * given), bodies skipped by their framing (Content-Length, chunked), then the
 * responses, framed by the method of the request each answers.
 *
 * Prints one tab-separated line a message:
 *   req  <method> <uri> <host> <X-Forwarded-For lines joined by ','>
 *        <XFF elements parsed: kind:address[:port] joined by ','>
 *        <Forwarded for= nodes: kind:address[:port] joined by ','>
 *   resp <status>
 *
 * usage: http_dump [-s CHUNK] CLIENT_TO_SERVER SERVER_TO_CLIENT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/http.h"
#include "fsc/xff.h"

#define MAXLEN (1 << 20)

struct stream {
	uint8_t *p;
	size_t len;	/* bytes in the file */
	size_t pos;	/* start of the next message */
	size_t avail;	/* bytes "arrived" so far */
};

static size_t chunk = 0;

static int load(const char *path, struct stream *s)
{
	FILE *f = fopen(path, "rb");

	memset(s, 0, sizeof(*s));
	if (!f) {
		perror(path);
		return -1;
	}
	s->p = malloc(MAXLEN);
	if (!s->p) {
		fclose(f);
		return -1;
	}
	s->len = fread(s->p, 1, MAXLEN, f);
	fclose(f);
	return 0;
}

/* One more arrival; false when the stream is exhausted. */
static int arrive(struct stream *s)
{
	if (s->avail >= s->len)
		return 0;
	s->avail = chunk && s->len - s->avail > chunk ? s->avail + chunk : s->len;
	return 1;
}

/* Parses the next head, waiting for arrivals as needed. */
static enum fsc_status next_head(struct stream *s, bool response, struct fsc_http_head *h,
				 struct fsc_http_header *hdrs, size_t nh)
{
	size_t last = 0;
	const char *why;
	enum fsc_status st;

	if (s->avail < s->pos)
		s->avail = s->pos;
	for (;;) {
		fsc_http_head_init(h, hdrs, nh, 0);
		size_t have = s->avail - s->pos;
		if (have > 0) {
			st = response ? fsc_http_parse_response(s->p + s->pos, have, last, h, &why)
				      : fsc_http_parse_request(s->p + s->pos, have, last, h, &why);
			if (st != FSC_TRUNCATED) {
				if (st != FSC_OK)
					fprintf(stderr, "http_dump: %s head at %zu: %s: %s\n",
						response ? "response" : "request", s->pos,
						fsc_status_name(st), why);
				return st;
			}
			last = have;
		}
		if (!arrive(s))
			return FSC_TRUNCATED;
	}
}

/* Skips a body; false if the stream ends inside it or it is malformed. */
static int skip_body(struct stream *s, const struct fsc_http_body *b)
{
	if (b->kind == FSC_HTTP_BODY_LENGTH) {
		if (s->len - s->pos < b->length)
			return 0;
		s->pos += (size_t)b->length;
		return 1;
	}
	if (b->kind != FSC_HTTP_BODY_CHUNKED)
		return 1;
	struct fsc_http_chunked c;
	fsc_http_chunked_init(&c);
	for (;;) {
		size_t used;
		const char *why;
		if (s->avail < s->pos)
			s->avail = s->pos;
		enum fsc_status st = fsc_http_chunked_skip(&c, s->p + s->pos, s->avail - s->pos,
							   &used, &why);
		s->pos += used;
		if (st == FSC_OK)
			return 1;
		if (st == FSC_MALFORMED) {
			fprintf(stderr, "http_dump: chunked body: %s\n", why);
			return 0;
		}
		if (!arrive(s))
			return 0;
	}
}

static void print_nodes_xff(const struct fsc_http_head *h)
{
	struct fsc_span lines[16];
	struct fsc_xff_node arr[16];
	struct fsc_xff_list l;
	char a[FSC_ENDPOINT_STRLEN];
	const char *why;
	size_t n = fsc_http_values(h, "X-Forwarded-For", lines, 16);

	fsc_xff_list_init(&l, arr, 16);
	fsc_xff_parse_lines(lines, n < 16 ? n : 16, &l, &why);
	for (size_t i = 0; i < l.n; i++) {
		printf("%s%s", i ? "," : "", fsc_xff_kind_name(arr[i].kind));
		if (arr[i].addr.family)
			printf(":%s", arr[i].has_port ? fsc_endpoint_str(&arr[i].addr, arr[i].port, a)
						       : fsc_addr_str(&arr[i].addr, a));
	}
}

static void print_nodes_fwd(const struct fsc_http_head *h)
{
	struct fsc_span lines[16];
	struct fsc_xff_fwd_elem arr[16];
	struct fsc_xff_fwd_list l;
	char a[FSC_ENDPOINT_STRLEN];
	const char *why;
	size_t n = fsc_http_values(h, "Forwarded", lines, 16);

	fsc_xff_fwd_list_init(&l, arr, 16);
	fsc_xff_fwd_parse_lines(lines, n < 16 ? n : 16, &l, &why);
	for (size_t i = 0; i < l.n; i++) {
		const struct fsc_xff_node *f = &arr[i].for_node;
		if (arr[i].status != FSC_OK) {
			printf("%smalformed", i ? "," : "");
			continue;
		}
		printf("%s%s", i ? "," : "", arr[i].for_.present ? fsc_xff_kind_name(f->kind) : "-");
		if (f->addr.family)
			printf(":%s", f->has_port ? fsc_endpoint_str(&f->addr, f->port, a)
						  : fsc_addr_str(&f->addr, a));
	}
}

int main(int argc, char **argv)
{
	static struct fsc_http_header hdrs[64];
	static char methods[64][16];
	struct stream c2s, s2c;
	struct fsc_http_head h;
	struct fsc_http_info in;
	struct fsc_http_body b;
	size_t nreq = 0, nresp = 0;
	const char *why;
	int opt;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's')
			goto usage;
		chunk = (size_t)strtoul(optarg, NULL, 10);
	}
	if (optind + 2 != argc)
		goto usage;
	if (load(argv[optind], &c2s) || load(argv[optind + 1], &s2c))
		return 2;

	while (next_head(&c2s, false, &h, hdrs, 64) == FSC_OK) {
		char xff[1024];
		const struct fsc_http_header *host;
		c2s.pos += h.head_len;
		if (fsc_http_info(&h, &in, &why) != FSC_OK ||
		    fsc_http_body_framing(&h, &in, NULL, 0, &b, &why) != FSC_OK) {
			fprintf(stderr, "http_dump: request: %s\n", why);
			return 1;
		}
		host = in.host;
		/* tshark joins repeated fields with ',' */
		xff[0] = '\0';
		for (const struct fsc_http_header *f = fsc_http_find(&h, "X-Forwarded-For", NULL); f;
		     f = fsc_http_find(&h, "X-Forwarded-For", f))
			snprintf(xff + strlen(xff), sizeof(xff) - strlen(xff), "%s%.*s",
				 xff[0] ? "," : "", (int)f->value_len, f->value);
		printf("req\t%.*s\t%.*s\t%.*s\t%s\t", (int)h.method_len, h.method, (int)h.target_len,
		       h.target, host ? (int)host->value_len : 0, host ? host->value : "", xff);
		print_nodes_xff(&h);
		printf("\t");
		print_nodes_fwd(&h);
		printf("\n");
		if (nreq < 64)
			snprintf(methods[nreq], sizeof(methods[0]), "%.*s", (int)h.method_len, h.method);
		nreq++;
		if (!skip_body(&c2s, &b))
			break;
	}
	while (next_head(&s2c, true, &h, hdrs, 64) == FSC_OK) {
		const char *m = nresp < nreq && nresp < 64 ? methods[nresp] : "";
		s2c.pos += h.head_len;
		if (fsc_http_info(&h, &in, &why) != FSC_OK ||
		    fsc_http_body_framing(&h, &in, m, strlen(m), &b, &why) != FSC_OK) {
			fprintf(stderr, "http_dump: response: %s\n", why);
			return 1;
		}
		printf("resp\t%d\n", h.status);
		if (h.status >= 200 || h.status == 101)
			nresp++; /* interim 1xx answers are not the final one */
		if (b.kind == FSC_HTTP_BODY_SWITCH || b.kind == FSC_HTTP_BODY_CLOSE)
			break;
		if (!skip_body(&s2c, &b))
			break;
	}
	free(c2s.p);
	free(s2c.p);
	return nreq ? 0 : 1;
usage:
	fprintf(stderr, "usage: http_dump [-s CHUNK] CLIENT_TO_SERVER SERVER_TO_CLIENT\n");
	return 1;
}
