/* loop.h - one poll(2) loop a process: every fd (listeners, connections,
 * and later the tunnel engine's own fds) is watched here, non-blocking. */
#ifndef FSC_LOOP_H
#define FSC_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fsc_loop;

/* Called with the revents poll reported for fd (POLLIN, POLLOUT, POLLHUP,
 * POLLERR). The callback may watch, unwatch or close any fd, its own too. */
typedef void (*fsc_loop_fn)(void *ctx, int fd, short revents);
/* Called once an iteration (at least every period ms) with the time. */
typedef void (*fsc_loop_tick_fn)(void *ctx, uint64_t now_ms);

struct fsc_loop *fsc_loop_new(void);
void fsc_loop_free(struct fsc_loop *l);

/* Starts or changes watching fd for events (0 = keep registered, idle).
 * Returns false when out of memory. */
bool fsc_loop_watch(struct fsc_loop *l, int fd, short events, fsc_loop_fn fn, void *ctx);
/* Changes only the events of a watched fd. */
void fsc_loop_events(struct fsc_loop *l, int fd, short events);
/* Stops watching fd (call before close). */
void fsc_loop_unwatch(struct fsc_loop *l, int fd);

void fsc_loop_tick(struct fsc_loop *l, fsc_loop_tick_fn fn, void *ctx, int period_ms);

/*
 * A source that keeps its own pollfd entries (the WireGuard engine, its
 * netstack): each iteration the loop asks it to fill entries after the
 * watched fds, polls with its timeout too, and hands the same entries back
 * after dispatching the watched ones. At most FSC_LOOP_MAX_SOURCES a
 * loop (the tunnel engine, the --metrics server); false when full.
 */
#define FSC_LOOP_MAX_SOURCES 2
struct fsc_loop_source {
	size_t (*fill)(void *ctx, struct pollfd *pfd, size_t cap);
	int (*timeout_ms)(void *ctx);		/* -1: none */
	void (*handle)(void *ctx, const struct pollfd *pfd, size_t n);
	void *ctx;
};
bool fsc_loop_source(struct fsc_loop *l, const struct fsc_loop_source *src);

/* Runs until *stop becomes true (a signal handler sets it). Returns 0, or
 * -1 when poll fails for another reason than EINTR. */
int fsc_loop_run(struct fsc_loop *l, volatile bool *stop);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t fsc_now_ms(void);

#endif
