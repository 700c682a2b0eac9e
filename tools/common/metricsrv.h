/* metricsrv.h - --metrics of fwatch, fnode and fedge: /metrics over HTTP
 * for Prometheus, inside the program's one poll loop. It faces a network, so everything is bounded:
 * METRICS_MAX_CONNS connections at once (the rest wait in the kernel's
 * backlog), one request a connection, a head of at most
 * METRICS_MAX_HEAD bytes, METRICS_TIMEOUT_MS to send it and to take the
 * answer, and an answer of at most METRICS_MAX_BODY bytes; nothing
 * blocks. Answers: GET or HEAD /metrics (any query) 200; another path
 * 404; another method 405; a head too long 431; a head not HTTP 400. */
#ifndef FSC_METRICSRV_H
#define FSC_METRICSRV_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>


#define METRICS_MAX_CONNS 8
#define METRICS_MAX_HEAD 2048
#define METRICS_TIMEOUT_MS 5000
#define METRICS_MAX_BODY (16u << 20)

struct metrics_srv;

/* The body of a 200: writes the exposition to out; false on failure. */
typedef bool (*metrics_render_fn)(void *ctx, FILE *out);

/* Listens on ADDR:PORT ("127.0.0.1:9477", "[::1]:9477", ":9477" for every
 * address; port 0: one the kernel picks). NULL with a message in err. */
struct metrics_srv *metrics_open(const char *addr_port, metrics_render_fn render, void *ctx,
				 char *err, size_t errlen);
void metrics_close(struct metrics_srv *m);
/* Where it listens, "ADDR:PORT" (the port the kernel picked). */
const char *metrics_address(const struct metrics_srv *m);

/* Its fds for poll (at most 1 + METRICS_MAX_CONNS), and the timeout it
 * needs (ms; -1 none) given the caller's. */
int metrics_pollfds(const struct metrics_srv *m, struct pollfd *fds, int max);
int metrics_timeout_ms(const struct metrics_srv *m, int timeout);
/* After poll: accepts, reads, answers, closes what timed out. */
void metrics_step(struct metrics_srv *m, const struct pollfd *fds, int n);

#endif
