/* run.c - fdecode's input loop: files (merged by timestamp when several,
 * followed with --follow) or live interfaces, frames through the pipeline,
 * events to the sinks (sinks.c); what a shown event brings along (-x, -w);
 * output a line at a time to a terminal, a JSON reader at a pipe or with
 * -l; -w reopened on SIGHUP (log rotation); a clean stop on SIGINT/SIGTERM
 * with the summary. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capwrite.h"
#include "fdecode.h"
#include "sinks.h"
#include "wsel.h"

#define PROGRESS_EVERY 65536	/* frames between looks at the clock */
#define IDLE_WAIT_MS 100	/* a followed file, or a poll, at most this */
#define MAX_POLL_FDS 32

static volatile sig_atomic_t interrupted, reopen_asked;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void on_hangup(int sig)
{
	(void)sig;
	reopen_asked = 1;
}

/* No SA_RESTART: a read or an open(2) of a FIFO waiting when the signal
 * comes returns EINTR, and the loop sees the flag. SA_RESETHAND: a second
 * Ctrl-C kills, should the wind-down (a DNS wait) be too slow. */
void run_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* With an output file: SIGHUP opens it again by name (a log rotated away
 * with mv goes on in a new file), as syslog daemons do. Without one SIGHUP
 * keeps its default: a closed terminal ends fdecode. */
static void catch_hangup(void)
{
	struct sigaction hup = { .sa_handler = on_hangup };

	sigaction(SIGHUP, &hup, NULL);
}

struct progress {
	bool on;
	const char *file;
	int64_t size;
	struct timespec last;
	bool shown;
};

static void progress_tick(struct progress *pg, const struct fsc_source *src,
			  uint64_t frames)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - pg->last.tv_sec < 1)
		return;
	pg->last = now;
	int64_t off = fsc_source_offset(src);
	if (pg->size > 0 && off >= 0)
		fprintf(stderr, "\rfdecode: %s: %" PRIu64 " packets, %d%%   ", pg->file,
			frames, (int)(off * 100 / pg->size));
	else
		fprintf(stderr, "\rfdecode: %s: %" PRIu64 " packets   ", pg->file, frames);
	pg->shown = true;
}

static void progress_done(struct progress *pg)
{
	if (pg->shown)
		fputs("\r\033[K", stderr);
	pg->shown = false;
}

static struct input_problems problems;

/* Prints "fdecode: MSG" and keeps MSG for the summary. */
static void input_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void input_problem(const char *fmt, ...)
{
	char msg[sizeof(problems.msg[0])];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fdecode: %s\n", msg);
	if (problems.n < MAX_INPUT_PROBLEMS)
		memcpy(problems.msg[problems.n++], msg, sizeof(msg));
	else
		problems.dropped++;
}

/* libpcap often starts its message with the path; say it once. */
static const char *strip_path(const char *msg, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

static struct fsc_source *open_one(const char *path, const struct options *opt)
{
	char err[512];
	bool intr = false;
	struct fsc_file_opts fo = { .filter = opt->filter, .follow = opt->follow,
				    .interrupted = &intr };
	struct fsc_source *src = fsc_source_open_file_opts(path, &fo, err, sizeof(err));

	if (src || (intr && interrupted))
		return src; /* interrupted while waiting: not a problem */
	const char *why = strip_path(err, path);
	struct stat st;
	if (strstr(why, "unknown file format"))
		input_problem("%s: not a pcap or pcapng file (%s)", path, why);
	else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		input_problem("%s: empty file, not a capture", path);
	else if (strstr(why, "file header"))
		input_problem("%s: too short to be a capture (%s)", path, why);
	else
		input_problem("%s: %s", path, why);
	return NULL;
}

/* Every file that opens, one source over them all. *ok turns false when one
 * could not be opened. NULL when none could. */
static struct fsc_source *open_files(const char **files, unsigned n,
				     const struct options *opt, bool *ok)
{
	struct fsc_source **srcs = calloc(n, sizeof(*srcs));
	unsigned k = 0;

	if (!srcs) {
		input_problem("out of memory");
		*ok = false;
		return NULL;
	}
	for (unsigned i = 0; i < n && !interrupted; i++) {
		struct fsc_source *s = open_one(files[i], opt);
		if (s)
			srcs[k++] = s;
		else if (!interrupted)
			*ok = false;
	}
	struct fsc_source *src = NULL;
	if (k == 1) {
		src = srcs[0];
	} else if (k > 1) {
		char err[256];
		src = fsc_source_merge(srcs, k, err, sizeof(err));
		if (!src) {
			input_problem("%s", err);
			*ok = false;
		}
	}
	free(srcs);
	return src;
}

static struct fsc_source *open_live(const struct options *opt)
{
	char err[512] = "";
	/* Stories across interfaces need the underlay's ingress before lo's
	 * request: merged by time, each frame held 30 ms at most. */
	struct fsc_live_opts lo = { .filter = opt->filter, .snaplen = opt->snaplen,
				    .buffer_size = opt->buffer_kib * 1024,
				    .merge_ns = opt->correlate ? 30 * 1000000 : 0 };
	struct fsc_source *src = fsc_source_open_live(opt->ifaces, opt->n_ifaces, &lo,
						      err, sizeof(err));

	if (!src)
		input_problem("%s", err);
	else if (err[0])
		fprintf(stderr, "fdecode: %s\n", err);
	return src;
}

/* The sinks, and what an event shown by the printer brings along. */
struct shown {
	struct fsc_fanout *sinks;
	struct printer *pr;
	struct capwrite *w;
	struct wsel *sel;	/* files read twice: -w writes after */
	struct fsc_wgkeys *keys;	/* live: key logs read again as they grow */
	const struct fsc_frame *last; /* the frame already dumped / written */
	uint64_t last_number;
	unsigned last_file;
	bool write_failed;
};

static void on_event(const struct fsc_event *ev, void *ctx)
{
	struct shown *sh = ctx;
	struct printer *pr = sh->pr;

	pr->shown = false;
	fsc_fanout_event(ev, sh->sinks);
	if (!pr->shown)
		return; /* not a line of the text or JSON sink */
	if (sh->sel && !wsel_event(sh->sel, ev))
		sh->write_failed = true;
	const struct fsc_frame *f = ev->frame;
	bool new_frame = f && !(sh->last && f->number == sh->last_number &&
				f->file == sh->last_file && f->iface == sh->last->iface);
	if (new_frame) {
		sh->last = f;
		sh->last_number = f->number;
		sh->last_file = f->file;
		if (pr->opt->dump != DUMP_NONE && !pr->opt->json)
			dump_frame(pr->ob, pr->opt->dump, f);
		if (sh->w && !sh->sel && !capwrite_frame(sh->w, pr->src, f))
			sh->write_failed = true;
	}
	if (pr->ob->line_flush)
		capwrite_flush(sh->w); /* the lines went out as they ended */
}

/* SIGHUP: the sinks' files and -w opened again. */
static void reopen_outputs(struct shown *sh)
{
	reopen_asked = 0;
	if (!fsc_fanout_reopen(sh->sinks))
		fprintf(stderr, "fdecode: SIGHUP: an output could not be opened again; "
			"writing on to the old one\n");
	if (sh->w && !sh->sel) {
		char err[256];
		if (!capwrite_reopen(sh->w, err, sizeof(err)))
			fprintf(stderr, "fdecode: -w: SIGHUP: %s; writing on to the old file\n", err);
	}
}

/* Nothing to read now: show what is held, then wait for input, a signal,
 * or (a followed file, which poll cannot watch) a short while. */
static void idle(struct fsc_source *src, struct shown *sh)
{
	int fds[MAX_POLL_FDS];
	struct pollfd p[MAX_POLL_FDS];
	unsigned n = fsc_source_fds(src, fds, MAX_POLL_FDS);

	fsc_fanout_flush(sh->sinks);
	capwrite_flush(sh->w);
	fsc_enrich_poll(sh->pr->enr);
	if (interrupted || reopen_asked)
		return;
	for (unsigned i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	int held = fsc_source_timeout_ms(src); /* a frame held for the merge */
	poll(p, n, held >= 0 && held < IDLE_WAIT_MS ? held : IDLE_WAIT_MS);
	/* keys logged as the handshakes happen, before the packets that need them */
	fsc_wgkeys_refresh(sh->keys);
}

/* "fdecode: FILE: interface N 'name' (LINKTYPE) description '...' comment
 * '...'" on standard error, for each interface a file declares, once the
 * file has more than one or one says more than its link type (as tcpdump's
 * "reading from file ..., link-type ..."); texts from the file, escaped. */
static void announce_ifaces(const struct fsc_source *src, unsigned file, unsigned *announced,
			    bool quiet)
{
	unsigned n = fsc_source_ifaces(src, file);

	if (quiet || *announced >= n)
		return;
	const struct fsc_iface_info *first = fsc_source_iface(src, file, 0);
	if (n == 1 && first && !first->comment && !first->description)
		return;
	for (unsigned i = *announced; i < n; i++) {
		const struct fsc_iface_info *in = fsc_source_iface(src, file, i);
		const char *texts[3] = { in->name, in->description, in->comment };
		const char *labels[3] = { " ", " description ", " comment " };
		const char *lt = fsc_linktype_name(in->linktype);
		fprintf(stderr, "fdecode: %s: interface %u", fsc_source_path(src, file), i);
		for (int k = 0; k < 3; k++) {
			char esc[FSC_ESCAPE_TEXT_CAP(256)];
			if (!texts[k])
				continue;
			fsc_escape_text_sq((const uint8_t *)texts[k], strlen(texts[k]), esc, sizeof(esc));
			fprintf(stderr, "%s'%s'", labels[k], esc);
			if (k == 0)
				fprintf(stderr, " (%s%s%d)", lt ? lt : "", lt ? " " : "link type ",
					in->linktype);
		}
		if (!texts[0])
			fprintf(stderr, " (%s%s%d)", lt ? lt : "", lt ? " " : "link type ",
				in->linktype);
		fputc('\n', stderr);
	}
	*announced = n;
}

/* Reports a damaged file; returns whether reading may go on (merged files:
 * the others continue). */
static bool damaged(struct fsc_source *src, const uint64_t *per_file, bool live)
{
	if (live) {
		input_problem("%s", fsc_source_error(src));
		return false;
	}
	unsigned file = fsc_source_error_file(src);
	const char *path = fsc_source_path(src, file);
	int64_t off = fsc_source_offset(src);
	char where[40] = "";
	if (off >= 0)
		snprintf(where, sizeof(where), " (byte %" PRId64 ")", off);
	input_problem("%s: damaged at packet %" PRIu64 "%s: %s; decoded %" PRIu64 " packets",
		      path, per_file[file] + 1, where,
		      strip_path(fsc_source_error(src), path), per_file[file]);
	return fsc_source_path(src, 1) != NULL; /* merged: the rest go on */
}

/* Reads the source to its end, -c, or a signal. False when damaged. */
static bool decode(struct fsc_source *src, const struct options *opt, unsigned n_files,
		   struct fsc_pipeline *pl, struct shown *sh, uint64_t *frames_read)
{
	struct printer *pr = sh->pr;
	struct fsc_frame f;
	uint64_t frames = 0, *per_file = calloc(n_files ? n_files : 1, sizeof(uint64_t));
	unsigned *announced = calloc(n_files ? n_files : 1, sizeof(unsigned));
	bool live = opt->n_ifaces > 0, ok = true;
	const char *first = fsc_source_path(src, 0);
	struct progress pg = { .file = first };
	struct stat sb;

	if (!per_file || !announced) {
		free(per_file);
		free(announced);
		return false;
	}
	pg.on = !live && !opt->quiet && !opt->follow && n_files == 1 &&
		isatty(STDERR_FILENO) && strcmp(first, "-") != 0;
	pg.size = !live && stat(first, &sb) == 0 ? sb.st_size : -1;
	clock_gettime(CLOCK_MONOTONIC, &pg.last);
	bool warned_lt[512] = { false };

	while (!interrupted && (opt->count == 0 || frames < opt->count)) {
		if (reopen_asked)
			reopen_outputs(sh);
		enum fsc_src_result r = fsc_source_next(src, &f);
		if (r == FSC_SRC_END)
			break;
		if (r == FSC_SRC_AGAIN) {
			progress_done(&pg);
			idle(src, sh);
			continue;
		}
		if (r == FSC_SRC_ERROR) {
			fsc_fanout_flush(sh->sinks);
			progress_done(&pg);
			ok = false;
			if (damaged(src, per_file, live))
				continue;
			break;
		}
		frames++;
		if (!live && f.file < n_files) {
			per_file[f.file]++;
			announce_ifaces(src, f.file, &announced[f.file], opt->quiet);
		}
		if (!fsc_linktype_supported(f.linktype) && f.linktype >= 0 && f.linktype < 512 &&
		    !warned_lt[f.linktype]) {
			warned_lt[f.linktype] = true;
			const char *where = live ? fsc_source_name(src, f.iface)
						 : fsc_source_path(src, f.file);
			fprintf(stderr, "fdecode: %s: warning: link type %d is not supported; "
				"frames are counted, not decoded\n", where, f.linktype);
		}
		if (!live)
			pr->file = fsc_source_path(src, f.file);
		fsc_pipeline_frame(pl, &f, on_event, sh);
		/* DNS answers that came meanwhile: never a wait. */
		fsc_enrich_poll(pr->enr);
		if (pg.on && frames % PROGRESS_EVERY == 0)
			progress_tick(&pg, src, frames);
	}
	progress_done(&pg);
	free(per_file);
	free(announced);
	*frames_read = frames;
	return ok;
}

/* Files that can be read again (no pipe, no standard input, not followed):
 * -w then writes whole connections (wsel.c). */
static bool rereadable(const char **files, unsigned n, const struct options *opt)
{
	struct stat st;

	if (opt->n_ifaces || opt->follow)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (strcmp(files[i], "-") == 0 || stat(files[i], &st) != 0 || !S_ISREG(st.st_mode))
			return false;
	return true;
}

/* -w's second reading: the first `frames` frames again, the chosen ones
 * written. False on a write error. */
static bool write_selected(const char **files, unsigned n, const struct options *opt,
			   struct wsel *sel, struct capwrite *w, uint64_t frames)
{
	bool ok = true;
	struct fsc_source *src = open_files(files, n, opt, &ok);
	struct fsc_frame f;
	uint64_t k = 0;

	if (!src)
		return false;
	while (k < frames && fsc_source_next(src, &f) == FSC_SRC_FRAME) {
		k++;
		if (wsel_wanted(sel, &f) && !capwrite_frame(w, src, &f)) {
			ok = false;
			break;
		}
	}
	fsc_source_close(src);
	return ok;
}

/* As tcpdump at the end of a live capture: what the kernel dropped. */
static void live_stats(struct fsc_source *src, const struct options *opt)
{
	struct fsc_src_stats st;

	for (unsigned i = 0; src && i < opt->n_ifaces && !opt->quiet; i++)
		if (fsc_source_stats(src, i, &st))
			fprintf(stderr, "fdecode: %s: %" PRIu64 " packets received, %" PRIu64
				" dropped by the kernel, %" PRIu64 " by the interface\n",
				opt->ifaces[i], st.received, st.dropped, st.if_dropped);
}

/* A line at a time, each as its event is decoded: with -l, to a terminal,
 * and JSON lines to a pipe or a socket (a script at the other end: jq,
 * vector) while the input is a stream (live, a pipe, a followed file),
 * where a line may otherwise wait for the next 64 KiB. Files read whole
 * keep the big writes: their lines all come within the run anyway. Text to
 * a pipe keeps tcpdump's habit: buffered unless -l. */
static bool flush_each_line(const struct options *opt, const char **files, unsigned n_files,
			    FILE *out)
{
	struct stat st;

	if (opt->line_buffered || isatty(fileno(out)))
		return true;
	return opt->json && !opt->summary && !rereadable(files, n_files, opt) &&
	       fstat(fileno(out), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
}

/* Decodes the inputs and prints; returns the exit status. */
int run(const struct options *o, const char **files, unsigned n_files)
{
	struct options opt = *o;
	char err[512];
	bool usage_err;
	struct fsc_enrich *enr = fsc_enrich_new(&opt.enrich, err, sizeof(err), &usage_err);
	if (!enr) {
		fprintf(stderr, "fdecode: %s\n", err);
		return usage_err ? EXIT_USAGE : EXIT_INPUT;
	}
	if (fsc_enrich_warning(enr))
		fprintf(stderr, "fdecode: warning: %s\n", fsc_enrich_warning(enr));
	struct capwrite *w = NULL;
	if (opt.write_file && !(w = capwrite_open(opt.write_file, err, sizeof(err)))) {
		fprintf(stderr, "fdecode: -w: '%s': %s\n", opt.write_file, err);
		fsc_enrich_free(enr);
		return EXIT_INPUT;
	}
	struct fsc_pipeline *pl = fsc_pipeline_new(&opt.limits);
	struct fsc_outbuf ob;
	bool ob_ok = false;
	/* -w - puts the capture on standard output: the text goes to stderr. */
	FILE *out = opt.write_file && strcmp(opt.write_file, "-") == 0 ? stderr : stdout;
	if (!pl || !(ob_ok = fsc_outbuf_init(&ob, out))) {
		fputs(ob_ok || !pl ? "fdecode: out of memory for the tables; lower --max-sessions, "
				     "--max-peers, --max-flows, --max-streams or --flow-memory\n"
				   : "fdecode: out of memory\n", stderr);
		if (ob_ok)
			fsc_outbuf_free(&ob);
		if (pl)
			fsc_pipeline_free(pl);
		fsc_enrich_free(enr);
		capwrite_close(w);
		return EXIT_INPUT;
	}
	ob.line_flush = flush_each_line(&opt, files, n_files, out);
	int wk_status;
	struct fsc_wgkeys *wk = fsc_wgkeys_open("fdecode", &opt.inputs, files, n_files, pl,
					       opt.n_ifaces > 0 || opt.follow, &wk_status);
	if (!wk) {
		fsc_outbuf_free(&ob);
		fsc_pipeline_free(pl);
		fsc_enrich_free(enr);
		capwrite_close(w);
		return wk_status;
	}
	static char stdout_buf[1 << 16];
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));

	bool ok = true;
	struct fsc_source *src = opt.n_ifaces ? open_live(&opt)
					      : open_files(files, n_files, &opt, &ok);
	struct printer pr = { .ob = &ob, .opt = &opt, .enr = enr,
			      .name_file = !opt.n_ifaces && n_files > 1, .src = src };
	struct sink_env env = { .opt = &opt, .pr = &pr, .enr = enr, .pl = pl, .src = src,
				.problems = &problems,
				.inputs = opt.n_ifaces ? opt.n_ifaces : n_files };
	struct fsc_fanout sinks = { .n = 0 };
	struct shown sh = { .sinks = &sinks, .pr = &pr, .w = w,
			    .keys = opt.n_ifaces || opt.follow ? wk : NULL };
	fsc_inputopts_shift(&opt.inputs, src);
	int open_status = 0;
	if (!sinks_open_all(&env, &sinks, &open_status)) {
		if (!open_status) /* else the sink said why */
			fputs("fdecode: out of memory\n", stderr);
		ok = false;
	} else if (w && rereadable(files, n_files, &opt) && !(sh.sel = wsel_new(n_files))) {
		fputs("fdecode: out of memory\n", stderr);
		ok = false;
	}
	if ((opt.write_file && strcmp(opt.write_file, "-") != 0) || fsc_fanout_reopens(&sinks))
		catch_hangup();
	uint64_t frames = 0;
	if (src && !open_status) /* an output that cannot be written: no decoding */
		ok &= decode(src, &opt, n_files, pl, &sh, &frames);
	else if (opt.n_ifaces)
		ok = false;
	/* Streams still open end with the input. */
	fsc_pipeline_flush(pl, on_event, &sh);
	/* The events are out; what the sinks write at the end may wait (one
	 * DNS timeout for the names that came late). */
	pr.late_names = !interrupted && !opt.quiet;
	if (!fsc_fanout_close(&sinks))
		ok = false; /* a sink that failed to write said so */
	fsc_outbuf_flush(&ob); /* the records' lines when no event sink is open */
	fsc_outbuf_free(&ob);
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "fdecode: writing output: %s\n", strerror(errno));
		ok = false;
	}
	if (sh.sel && src && !write_selected(files, n_files, &opt, sh.sel, w, frames))
		sh.write_failed = true;
	if (sh.sel && wsel_full(sh.sel))
		fprintf(stderr, "fdecode: -w: more connections than remembered; some are "
			"written from their event's frame only\n");
	wsel_free(sh.sel);
	if (!capwrite_close(w) || sh.write_failed) {
		fprintf(stderr, "fdecode: -w: '%s': write failed\n", opt.write_file);
		ok = false;
	}
	live_stats(src, &opt);
	fsc_source_close(src);
	fsc_pipeline_free(pl);
	fsc_wgkeys_free(wk);
	fsc_enrich_free(enr);
	return ok ? 0 : EXIT_INPUT;
}
