/* loop.c - fwatch's one thread: a poll() over the capture's fds, the
 * terminal and the resolver's sockets. Each turn reads what the capture
 * has (a bounded batch, so keys and drawing are never starved), reads
 * DNS answers, reads keys, and draws at most every DRAW_EVERY_NS. Nothing
 * here blocks but poll itself. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "fsc/sink.h"
#include "fwatch.h"
#include "logfile.h"
#include "metrics.h"
#include "view.h"

#define NS 1000000000ll
#define DRAW_EVERY_NS (100 * 1000000ll)	/* at most 10 redraws a second */
#define STATS_EVERY_NS NS		/* kernel drop counters */
#define BATCH_FRAMES 4096		/* frames between looks at the rest */
#define BATCH_NS (20 * 1000000ll)	/* ... or this much time */
#define MAX_DNS_FDS 16
#define CAPTURE_TIMEOUT_MS 50		/* kernel block timeout, live */
/* Several interfaces: frames in time order (the underlay's ingress before
 * lo's request it led to, for the stories), each held for the block
 * timeout and a margin at most. */
#define MERGE_NS(timeout_ms) (((int64_t)(timeout_ms) + 30) * 1000000)

static volatile sig_atomic_t stop_signal, reopen_asked;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void on_hangup(int sig)
{
	(void)sig;
	reopen_asked = 1;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

struct fw {
	const struct options *o;
	struct fsc_source *src;
	struct fsc_pipeline *pl;
	struct tui_model *model;
	struct fsc_fanout sinks;	/* where events go: the model, the access log */
	struct fsc_enrich *names;
	struct tui_screen *screen;
	struct fw_log *log;	/* records: --access-log, the screen's export */
	struct fw_stories *stories;	/* the correlation stage */
	struct fsc_wgkeys *keys;	/* --wg-keylog, secrets blocks */
	struct metrics_srv *metrics;	/* --metrics, or NULL */
	struct metrics_view mview;
	bool live, ended, failed;
	uint64_t frames;
	/* Several files merged: a damaged one is told (each once, at the end)
	 * and the others go on, as in fdecode. */
	uint64_t *file_frames;	/* frames read from each file */
	struct damage {
		unsigned file;
		uint64_t packet;	/* 1-based in its file */
		int64_t offset;		/* byte; -1 unknown */
		char why[512];		/* as err */
	} *damage;
	unsigned n_damage;
	/* replay pacing: frame time -> wall time */
	bool paced_started;
	int64_t pace_mono0, pace_cap0;
	bool have_pending;
	struct fsc_frame pending;
	/* the dump's deadline: wall (live) or capture time (replay) */
	int64_t dump_at_mono;
	int64_t first_cap_ns;
	int64_t last_draw, last_stats;
	bool model_changed;
	char err[512];
};

static void update_stats(struct fw *w)
{
	for (unsigned i = 0; w->live && i < fsc_source_count(w->src); i++) {
		struct fsc_src_stats st;
		if (fsc_source_stats(w->src, i, &st))
			tui_model_set_drops(w->model, i, &st);
	}
}

/* The model as a sink (fsc/sink.h): fwatch's outputs are a fan-out, so a
 * metrics endpoint or an access log joins the model beside it, not inside
 * the loop. */
static void model_event(void *self, const struct fsc_event *ev)
{
	tui_model_event(ev, self);
}

static const struct fsc_sink_ops model_sink = { .name = "model", .event = model_event };

/* The access log (--access-log) takes the events its records are made of. */
static void log_event(void *self, const struct fsc_event *ev)
{
	fw_log_event(self, ev);
}

static const struct fsc_sink_ops log_sink = { .name = "access-log", .event = log_event };

/* The capture reached its end, or an error: streams still open close. */
static void end_capture(struct fw *w)
{
	if (w->ended)
		return;
	w->ended = true;
	fsc_pipeline_flush(w->pl, fsc_fanout_event, &w->sinks);
	fw_stories_end(w->stories);
	w->model_changed = true;
}

static void feed(struct fw *w, const struct fsc_frame *f)
{
	if (w->file_frames)
		w->file_frames[f->file]++;
	fsc_pipeline_frame(w->pl, f, fsc_fanout_event, &w->sinks);
	w->frames++;
	w->model_changed = true;
	if (w->o->count && w->frames >= w->o->count)
		end_capture(w);
}

/* A merged file's damage, for the end; the merge goes on with the others
 * (fsc_source_merge returns each file's error once). */
static void note_damage(struct fw *w)
{
	unsigned file = fsc_source_error_file(w->src);

	if (w->n_damage >= w->o->n_files)
		return;
	struct damage *d = &w->damage[w->n_damage++];
	*d = (struct damage){ file, w->file_frames[file] + 1, fsc_source_offset(w->src), "" };
	snprintf(d->why, sizeof(d->why), "%s", w->err);
}

/*
 * Reads a batch. Returns the poll timeout it wants in ms: 0 to come back
 * at once, -1 when it waits on the capture fds (live) or has nothing to
 * read (replay ended), else the ms until the next replayed frame is due.
 */
#define FILE_RETRY_MS 20

static int read_batch(struct fw *w)
{
	int64_t t0 = mono_ns();
	unsigned n = 0;

	/* Live, keys are logged as the handshakes happen: before the
	 * packets that need them. */
	if (w->live)
		fsc_wgkeys_refresh(w->keys);
	while (!w->ended) {
		if (!w->have_pending) {
			enum fsc_src_result r = fsc_source_next(w->src, &w->pending);
			/* A file says AGAIN when a pipe has nothing yet or a
			 * signal (SIGWINCH) cut a read: look again soon. */
			if (r == FSC_SRC_AGAIN)
				return w->live ? -1 : FILE_RETRY_MS;
			if (r == FSC_SRC_END) {
				end_capture(w);
				return -1;
			}
			if (r == FSC_SRC_ERROR) {
				snprintf(w->err, sizeof(w->err), "%s", fsc_source_error(w->src));
				if (w->damage) {
					note_damage(w);
					continue;
				}
				w->failed = true;
				end_capture(w);
				return -1;
			}
			w->have_pending = true;
		}
		if (!w->live && w->o->speed > 0) {
			int64_t cap = fsc_pipeline_frame_ns(&w->pending);
			if (!w->paced_started) {
				w->paced_started = true;
				w->pace_mono0 = mono_ns();
				w->pace_cap0 = cap;
			}
			double wait = (double)(cap - w->pace_cap0) / w->o->speed;
			/* a slow --speed on a capture spanning centuries: no
			 * overflow (about a century is "later" enough) */
			if (wait > 4e18)
				wait = 4e18;
			int64_t due = w->pace_mono0 + (int64_t)wait;
			int64_t now = mono_ns();
			if (due > now) {
				int64_t ms = (due - now + 999999) / 1000000;
				return ms > 1000 ? 1000 : (int)ms;
			}
		}
		if (!w->first_cap_ns)
			w->first_cap_ns = fsc_pipeline_frame_ns(&w->pending);
		/* A replay's dump after SECONDS of capture time. */
		if (!w->live && w->o->dump && w->o->dump_ns &&
		    fsc_pipeline_frame_ns(&w->pending) - w->first_cap_ns >= w->o->dump_ns) {
			end_capture(w);
			return -1;
		}
		w->have_pending = false;
		feed(w, &w->pending);
		if (++n >= BATCH_FRAMES || (n % 64 == 0 && mono_ns() - t0 > BATCH_NS))
			return 0;
	}
	return -1;
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static const char *state_text(struct fw *w, char *buf, size_t len)
{
	if (w->ended && (w->failed || w->n_damage))
		snprintf(buf, len, "%s: %.40s", w->live ? "capture failed" : "damaged", w->err);
	else if (w->live && w->ended)
		snprintf(buf, len, "stopped after %" PRIu64 " packets", w->frames);
	else if (w->live)
		snprintf(buf, len, "live");
	else if (w->ended)
		snprintf(buf, len, "ended");
	else if (w->o->speed > 0)
		snprintf(buf, len, "replay x%g", w->o->speed);
	else
		snprintf(buf, len, "replay max");
	return buf;
}

static void draw(struct fw *w, int64_t now)
{
	char state[64];
	struct tui_status st = { .state = state_text(w, state, sizeof(state)),
				 .ended = w->ended };

	if (!w->screen)
		return;
	if (w->model_changed) {
		tui_screen_touch(w->screen);
		w->model_changed = false;
	}
	if (!tui_screen_dirty(w->screen))
		return;
	tui_screen_draw(w->screen, &st);
	w->last_draw = now;
}

/* The loop; returns when the user quits, the dump is due, or a signal. */
static void run_loop(struct fw *w)
{
	struct pollfd fds[MAX_IFACES + MAX_DNS_FDS + 2 + METRICS_MAX_CONNS];
	int cap_fds[MAX_IFACES];
	int want = 0;

	for (;;) {
		int64_t now = mono_ns();
		if (stop_signal)
			return;
		if (reopen_asked) {
			char err[256];
			reopen_asked = 0;
			if (!fw_log_reopen(w->log, err, sizeof(err)))
				fprintf(stderr, "fwatch: --access-log: SIGHUP: '%s': %s\n",
					w->o->access_log, err);
		}
		if (w->live)
			tui_model_tick(w->model, wall_ns());
		if (w->o->dump) {
			if (w->live && now >= w->dump_at_mono)
				return;
			if (!w->live && w->ended)
				return;
		}
		/* headless for the access log alone: a replay is done at its end */
		if (w->o->headless && !w->o->metrics && !w->live && w->ended)
			return;
		if (now - w->last_stats >= STATS_EVERY_NS) {
			update_stats(w);
			w->last_stats = now;
			w->model_changed = true;
		}
		if (w->screen && now - w->last_draw >= DRAW_EVERY_NS)
			draw(w, now);

		/* What to wait for, and how long: an interface whose frame is
		 * held for the merge by time has nothing to say until it is
		 * due. */
		int nf = 0, timeout = want;
		unsigned n_cap = w->live ? fsc_source_fds(w->src, cap_fds, MAX_IFACES) : 0;
		if (w->live && !w->ended)
			timeout = min_timeout(timeout, fsc_source_timeout_ms(w->src));
		for (unsigned i = 0; i < n_cap && !w->ended; i++)
			fds[nf++] = (struct pollfd){ .fd = cap_fds[i], .events = POLLIN };
		if (w->live && !w->ended)
			timeout = min_timeout(timeout, 250); /* stats, ticks */
		if (w->screen) {
			fds[nf++] = (struct pollfd){ .fd = tui_screen_fd(w->screen),
						     .events = POLLIN };
			if (tui_screen_dirty(w->screen) || w->model_changed) {
				int64_t left = DRAW_EVERY_NS - (now - w->last_draw);
				timeout = min_timeout(timeout, left > 0 ? (int)(left / 1000000) + 1 : 0);
			}
		}
		int dns0 = nf;
		if (w->names) {
			nf += fsc_enrich_pollfds(w->names, fds + nf, MAX_DNS_FDS);
			timeout = fsc_enrich_timeout_ms(w->names, timeout);
		}
		if (w->o->dump && w->live) {
			int64_t left = (w->dump_at_mono - now) / 1000000 + 1;
			timeout = min_timeout(timeout, (int)left);
		}
		int met0 = nf;
		if (w->metrics) {
			nf += metrics_pollfds(w->metrics, fds + nf, 1 + METRICS_MAX_CONNS);
			timeout = metrics_timeout_ms(w->metrics, timeout);
		}
		int r = poll(fds, (nfds_t)nf, timeout);
		if (r < 0 && errno != EINTR) {
			snprintf(w->err, sizeof(w->err), "poll: %s", strerror(errno));
			w->failed = true;
			return;
		}
		if (r < 0)
			r = 0; /* a signal: SIGWINCH is read as a key below */
		if (w->names) {
			/* Answers change names on screen: redraw for them. */
			size_t before = fsc_enrich_pending(w->names);
			fsc_enrich_step(w->names, fds + dns0, met0 - dns0);
			if (fsc_enrich_pending(w->names) < before)
				w->model_changed = true;
		}
		if (w->metrics)
			metrics_step(w->metrics, fds + met0, nf - met0);
		/* Keys (and a resize) are read whether or not the terminal's fd
		 * said so: a SIGWINCH only interrupts the poll. */
		if (w->screen && tui_screen_input(w->screen) == TUI_ACT_QUIT)
			return;
		want = w->ended ? -1 : read_batch(w);
		if (w->ended && w->screen)
			want = -1;
	}
}

/* The end of a live dump: the frames held for the merge by time (one an
 * interface at most) are the capture's too; what the kernel still holds
 * is left, as it always was. */
static void drain_held(struct fw *w)
{
	struct fsc_frame f;

	fsc_source_release(w->src);
	for (unsigned n = 0; n <= fsc_source_count(w->src) && !w->ended; n++) {
		if (w->have_pending) {
			w->have_pending = false;
			feed(w, &w->pending);
			continue;
		}
		if (fsc_source_next(w->src, &f) != FSC_SRC_FRAME)
			break;
		feed(w, &f);
	}
}

/* SIGHUP: without a screen and with an --access-log file, the file is
 * opened again (log rotation, as fdecode does); on a screen it is the
 * terminal hanging up and ends fwatch. */
static void install_signals(bool reopen_on_hup)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal must end the poll. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (reopen_on_hup)
		sa.sa_handler = on_hangup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static struct fsc_source *open_file(const char *path, const char *bpf)
{
	char err[512] = "";
	struct fsc_source *src = fsc_source_open_file(path, bpf, err, sizeof(err));

	if (!src) {
		/* libpcap often starts its message with the path: once. */
		size_t n = strlen(path);
		const char *why = err;
		if (strncmp(err, path, n) == 0 && err[n] == ':' && err[n + 1] == ' ')
			why = err + n + 2;
		fprintf(stderr, "fwatch: %s: %s\n", path, why);
	}
	return src;
}

/* The -r files, one source merged by time (fsc_source_merge), each file
 * shifted by its --clock-offset. */
static bool open_files(struct fw *w)
{
	const struct options *o = w->o;
	struct fsc_source *srcs[MAX_FILES];
	char err[512] = "";
	unsigned k = 0;

	for (unsigned i = 0; i < o->n_files; i++) {
		if (!(srcs[k] = open_file(o->files[i], o->bpf))) {
			while (k)
				fsc_source_close(srcs[--k]);
			return false;
		}
		k++;
	}
	if (k == 1) {
		w->src = srcs[0];
	} else if (!(w->src = fsc_source_merge(srcs, k, err, sizeof(err)))) {
		fprintf(stderr, "fwatch: %s\n", err);
		return false;
	}
	if (k > 1) {
		w->file_frames = calloc(k, sizeof(*w->file_frames));
		w->damage = calloc(k, sizeof(*w->damage));
		if (!w->file_frames || !w->damage) {
			fprintf(stderr, "fwatch: out of memory\n");
			return false;
		}
	}
	fsc_inputopts_shift(&o->inputs, w->src);
	for (unsigned i = 0; i < k; i++)
		tui_model_set_source(w->model, i, fsc_source_path(w->src, i), false);
	return true;
}

static bool open_source(struct fw *w)
{
	const struct options *o = w->o;
	char err[512] = "";

	if (o->n_files)
		return open_files(w);
	/* Blocks of at most CAPTURE_TIMEOUT_MS: fast enough for a screen,
	 * and a wake-up a block instead of a packet under load. */
	struct fsc_live_opts lo = { .filter = o->bpf, .snaplen = o->snaplen,
				    .buffer_size = o->buffer_size, .promisc = o->promisc,
				    .timeout_ms = o->immediate ? 0 : CAPTURE_TIMEOUT_MS,
				    .merge_ns = MERGE_NS(o->immediate ? 0 : CAPTURE_TIMEOUT_MS) };
	w->src = fsc_source_open_live(o->ifaces, o->n_ifaces, &lo, err, sizeof(err));
	if (!w->src) {
		fprintf(stderr, "fwatch: %s\n", err);
		if (geteuid() != 0)
			fputs("fwatch: capturing needs root or CAP_NET_RAW (or use -r FILE)\n",
			      stderr);
		return false;
	}
	if (err[0])
		fprintf(stderr, "fwatch: warning: %s\n", err);
	w->live = true;
	for (unsigned i = 0; i < fsc_source_count(w->src); i++)
		tui_model_set_source(w->model, i, fsc_source_name(w->src, i), true);
	return true;
}

int fwatch_run(const struct options *o)
{
	struct fw w = { .o = o };
	char err[512];
	bool usage = false;
	int rc = 0;

	w.names = fsc_enrich_new(&o->enrich, err, sizeof(err), &usage);
	if (!w.names) {
		fprintf(stderr, "fwatch: %s\n", err);
		return usage ? EXIT_USAGE : EXIT_RUNTIME;
	}
	if (fsc_enrich_warning(w.names))
		fprintf(stderr, "fwatch: warning: %s\n", fsc_enrich_warning(w.names));
	/* The hosts' latency to the last byte needs the bodies' ends. */
	struct fsc_pipeline_limits lim = o->limits;
	lim.streams.body_ends = true;
	w.pl = fsc_pipeline_new(&lim);
	w.model = w.pl ? tui_model_new(&o->model, w.names) : NULL;
	if (!w.pl || !w.model) {
		fputs("fwatch: out of memory for the tables; lower the limits\n", stderr);
		rc = EXIT_RUNTIME;
		goto out;
	}
	tui_model_set_wg(w.model, fsc_pipeline_wg(w.pl));
	fsc_fanout_add(&w.sinks, &(struct fsc_sink){ .ops = &model_sink, .self = w.model });
	struct fsc_sink story_sink;
	if (o->correlate &&
	    !(w.stories = fw_stories_open(w.model, o->n_files, o->inputs.proxy_model, &story_sink))) {
		fputs("fwatch: out of memory for the tables; lower the limits\n", stderr);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (w.stories)
		fsc_fanout_add(&w.sinks, &story_sink);
	int key_status;
	if (!(w.keys = fsc_wgkeys_open("fwatch", &o->inputs, o->files, o->n_files, w.pl,
				       o->n_ifaces > 0, &key_status))) {
		rc = key_status == 1 ? EXIT_USAGE : EXIT_RUNTIME;
		goto out;
	}
	bool screen = !o->dump && !o->headless;
	if ((o->access_log || screen) &&
	    !(w.log = fw_log_open(o, screen ? FW_RECORDS_KEEP : 0, err, sizeof(err)))) {
		fprintf(stderr, "fwatch: %s\n", err);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (w.log)
		fsc_fanout_add(&w.sinks, &(struct fsc_sink){ .ops = &log_sink, .self = w.log });
	if (!open_source(&w)) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	install_signals(!screen && fsc_logfile_is_file(o->access_log));
	if (o->metrics) {
		w.mview = (struct metrics_view){ .pl = w.pl, .model = w.model, .names = w.names };
		w.metrics = metrics_open(o->metrics, metrics_render_model, &w.mview, err,
					 sizeof(err));
		if (!w.metrics) {
			fprintf(stderr, "fwatch: --metrics: '%s': %s\n", o->metrics, err);
			rc = EXIT_USAGE;
			goto out;
		}
		if (o->headless)
			fprintf(stderr, "fwatch: metrics on http://%s/metrics\n",
				metrics_address(w.metrics));
	}
	if (screen) {
		struct tui_screen_opts so = { .color = o->color, .view = o->view,
					      .filter = &o->filter, .prog = "fwatch",
					      .export_fn = fw_export, .export_ctx = w.log };
		w.screen = tui_screen_open(w.model, &so, err, sizeof(err));
		if (!w.screen) {
			fprintf(stderr, "fwatch: %s\n", err);
			rc = EXIT_RUNTIME;
			goto out;
		}
	}
	w.dump_at_mono = mono_ns() + o->dump_ns;
	run_loop(&w);
	if (w.screen) {
		tui_screen_close(w.screen);
		w.screen = NULL;
	}
	if (o->dump) {
		if (w.live && !w.ended && !stop_signal)
			drain_held(&w);
		if (!w.ended)
			end_capture(&w);
		update_stats(&w);
		if (w.live)
			tui_model_tick(w.model, wall_ns());
		/* Names asked during the capture: wait for them, once, bounded
		 * by one DNS timeout (as fdecode's summary). */
		if (!stop_signal)
			fsc_enrich_drain(w.names, fsc_enrich_dns_timeout_ms(w.names));
		struct tui_dump_opts d = { .filter = &o->filter, .all_details = o->all_details };
		tui_dump(stdout, w.model, &d);
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "fwatch: writing the dump: %s\n", strerror(errno));
			rc = EXIT_RUNTIME;
		}
	}
	for (unsigned i = 0; i < w.n_damage; i++) {
		const struct damage *d = &w.damage[i];
		char at[40] = "";
		if (d->offset >= 0)
			snprintf(at, sizeof(at), " (byte %" PRId64 ")", d->offset);
		fprintf(stderr, "fwatch: %s: damaged at packet %" PRIu64 "%s: %s; shown: its %" PRIu64
			" packets before the damage, and the other files\n",
			fsc_source_path(w.src, d->file), d->packet, at, d->why, d->packet - 1);
		rc = EXIT_RUNTIME;
	}
	if (w.failed) {
		if (o->n_files)
			fprintf(stderr, "fwatch: %s: %s; shown: the %" PRIu64
				" packets before the damage\n",
				fsc_source_path(w.src, fsc_source_error_file(w.src)), w.err,
				w.frames);
		else
			fprintf(stderr, "fwatch: %s\n", w.err);
		rc = EXIT_RUNTIME;
	}
out:
	if (!fw_log_close(w.log)) {
		fprintf(stderr, "fwatch: --access-log: '%s': write failed\n", o->access_log);
		rc = EXIT_RUNTIME;
	}
	metrics_close(w.metrics);
	if (w.src)
		fsc_source_close(w.src);
	tui_model_free(w.model);
	fw_stories_free(w.stories);
	if (w.pl)
		fsc_pipeline_free(w.pl);
	fsc_wgkeys_free(w.keys);
	fsc_enrich_free(w.names);
	free(w.file_frames);
	free(w.damage);
	return rc;
}
