/* loop.c - the poll loop. Watches live in an array indexed by fd; the
 * pollfd set is rebuilt each iteration from the dense list of watched fds,
 * and a generation number per slot lets dispatch skip an fd that an earlier
 * callback of the same iteration closed (and the kernel may have reused). */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct watch {
	fsc_loop_fn fn;
	void *ctx;
	short events;
	bool on;
	uint32_t gen;
	size_t pos;		/* index in live[] */
};

struct fsc_loop {
	struct watch *w;
	size_t cap;		/* slots in w */
	int *live;		/* watched fds */
	size_t n_live;
	struct pollfd *pfd;
	uint32_t *pgen;
	size_t pcap;
	fsc_loop_tick_fn tick;
	void *tick_ctx;
	int period;
	struct fsc_loop_source src[FSC_LOOP_MAX_SOURCES];
	size_t n_src;
};

/* pollfd entries a source may fill in one iteration (one a tunnel
 * connection, plus its own few). */
#define SRC_MAX 8192

bool fsc_loop_source(struct fsc_loop *l, const struct fsc_loop_source *src)
{
	if (l->n_src == FSC_LOOP_MAX_SOURCES)
		return false;
	l->src[l->n_src++] = *src;
	return true;
}

uint64_t fsc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct fsc_loop *fsc_loop_new(void)
{
	struct fsc_loop *l = calloc(1, sizeof(*l));

	if (l)
		l->period = 1000;
	return l;
}

void fsc_loop_free(struct fsc_loop *l)
{
	if (!l)
		return;
	free(l->w);
	free(l->live);
	free(l->pfd);
	free(l->pgen);
	free(l);
}

static bool grow(struct fsc_loop *l, size_t need)
{
	size_t cap = l->cap ? l->cap : 64, i;
	struct watch *w;
	int *live;

	if (need <= l->cap)
		return true;
	while (cap < need)
		cap *= 2;
	w = realloc(l->w, cap * sizeof(*w));
	if (!w)
		return false;
	l->w = w;
	for (i = l->cap; i < cap; i++)
		memset(&w[i], 0, sizeof(w[i]));
	live = realloc(l->live, cap * sizeof(*live));
	if (!live)
		return false;
	l->live = live;
	l->cap = cap;
	return true;
}

bool fsc_loop_watch(struct fsc_loop *l, int fd, short events, fsc_loop_fn fn, void *ctx)
{
	struct watch *w;

	if (fd < 0 || !grow(l, (size_t)fd + 1))
		return false;
	w = &l->w[fd];
	if (!w->on) {
		w->on = true;
		w->gen++;
		w->pos = l->n_live;
		l->live[l->n_live++] = fd;
	}
	w->fn = fn;
	w->ctx = ctx;
	w->events = events;
	return true;
}

void fsc_loop_events(struct fsc_loop *l, int fd, short events)
{
	if (fd >= 0 && (size_t)fd < l->cap && l->w[fd].on)
		l->w[fd].events = events;
}

void fsc_loop_unwatch(struct fsc_loop *l, int fd)
{
	struct watch *w;
	int last;

	if (fd < 0 || (size_t)fd >= l->cap || !l->w[fd].on)
		return;
	w = &l->w[fd];
	last = l->live[--l->n_live];
	l->live[w->pos] = last;
	l->w[last].pos = w->pos;
	w->on = false;
	w->gen++;
}

void fsc_loop_tick(struct fsc_loop *l, fsc_loop_tick_fn fn, void *ctx, int period_ms)
{
	l->tick = fn;
	l->tick_ctx = ctx;
	l->period = period_ms > 0 ? period_ms : 1000;
}

int fsc_loop_run(struct fsc_loop *l, volatile bool *stop)
{
	uint64_t next_tick = fsc_now_ms();

	while (!*stop) {
		size_t i, n = l->n_live, m = 0, got[FSC_LOOP_MAX_SOURCES];
		uint64_t now;
		int r, wait;

		if (n + SRC_MAX * FSC_LOOP_MAX_SOURCES > l->pcap) {
			size_t cap = n * 2 + SRC_MAX * FSC_LOOP_MAX_SOURCES;
			struct pollfd *p = realloc(l->pfd, cap * sizeof(*p));
			uint32_t *g;

			if (!p)
				return -1;
			l->pfd = p;
			g = realloc(l->pgen, cap * sizeof(*g));
			if (!g)
				return -1;
			l->pgen = g;
			l->pcap = cap;
		}
		for (i = 0; i < n; i++) {
			int fd = l->live[i];

			l->pfd[i].fd = l->w[fd].events ? fd : -1;
			l->pfd[i].events = l->w[fd].events;
			l->pfd[i].revents = 0;
			l->pgen[i] = l->w[fd].gen;
		}
		now = fsc_now_ms();
		wait = next_tick > now ? (int)(next_tick - now) : 0;
		for (i = 0; i < l->n_src; i++) {
			int t = l->src[i].timeout_ms(l->src[i].ctx);

			got[i] = l->src[i].fill(l->src[i].ctx, l->pfd + n + m, SRC_MAX);
			m += got[i];
			if (t >= 0 && t < wait)
				wait = t;
		}
		r = poll(l->pfd, n + m, wait);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r < 0)
			r = 0;
		for (i = 0; i < n; i++) {
			int fd = l->pfd[i].fd;
			struct watch *w;

			if (fd < 0 || !l->pfd[i].revents)
				continue;
			w = &l->w[fd];
			if (!w->on || w->gen != l->pgen[i])
				continue;
			w->fn(w->ctx, fd, l->pfd[i].revents);
		}
		for (i = 0, m = 0; i < l->n_src; i++) {
			l->src[i].handle(l->src[i].ctx, l->pfd + n + m, got[i]);
			m += got[i];
		}
		now = fsc_now_ms();
		if (now >= next_tick) {
			if (l->tick)
				l->tick(l->tick_ctx, now);
			next_tick = now + (uint64_t)l->period;
		}
	}
	return 0;
}
