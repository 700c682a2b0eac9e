/* logfile.c - the log file of fdecode, fwatch, fnode and fedge (logfile.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "logfile.h"

bool fsc_logfile_is_file(const char *path)
{
	return path && strcmp(path, "-") != 0;
}

bool fsc_logfile_open(struct fsc_logfile *l, const char *path, bool append,
		      bool flush_each, char *err, size_t cap)
{
	*l = (struct fsc_logfile){ .path = path, .flush_each = flush_each };
	l->f = fsc_logfile_is_file(path) ? fopen(path, append ? "a" : "w") : stdout;
	if (!l->f) {
		snprintf(err, cap, "%s", strerror(errno));
		return false;
	}
	return true;
}

void fsc_logfile_write(struct fsc_logfile *l, const char *line, size_t n)
{
	if (!l->f || fwrite(line, 1, n, l->f) != n || (l->flush_each && fflush(l->f) != 0))
		l->failed = true;
}

/* Flushes, and closes unless it is standard output; false when a line was
 * lost on the way. */
static bool finish(struct fsc_logfile *l)
{
	bool ok = !l->failed;

	if (!l->f)
		return ok;
	if (fflush(l->f) != 0 || ferror(l->f))
		ok = false;
	if (l->f != stdout && fclose(l->f) != 0)
		ok = false;
	l->f = NULL;
	return ok;
}

bool fsc_logfile_reopen(struct fsc_logfile *l, char *err, size_t cap)
{
	if (!fsc_logfile_is_file(l->path)) {
		if (l->f && fflush(l->f) != 0)
			l->failed = true;
		return true;
	}
	bool ok = finish(l);
	if (!ok)
		snprintf(err, cap, "write failed");
	l->failed = false;
	l->f = fopen(l->path, "a");
	if (!l->f) {
		/* if both went wrong, the new file's trouble is the one to act on */
		snprintf(err, cap, "%s", strerror(errno));
		l->failed = true;
		return false;
	}
	return ok;
}

bool fsc_logfile_close(struct fsc_logfile *l)
{
	if (!l->f && !l->path)
		return true;
	bool ok = finish(l);
	l->path = NULL;
	l->failed = false;
	return ok;
}

static volatile sig_atomic_t hangup_noted;

static void on_hangup(int sig)
{
	(void)sig;
	hangup_noted = 1;
}

void fsc_logfile_catch_hangup(void)
{
	struct sigaction sa = { .sa_handler = on_hangup };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
}

bool fsc_logfile_hangup(void)
{
	if (!hangup_noted)
		return false;
	hangup_noted = 0;
	return true;
}
