/* logfile.h - a log file that a program appends lines to and opens again
 * on SIGHUP, logrotate's habit (mv the file, send SIGHUP, the program goes
 * on in a new file by the same name; without the mv, nothing is lost).
 * fdecode's, fwatch's and fnode's --access-log are each one of these, and
 * so are fnode's and fedge's --log (tools/funnel/flog.h).
 * The caller owns the struct; the path is borrowed for its life. */
#ifndef FSC_LOGFILE_H
#define FSC_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct fsc_logfile {
	const char *path;	/* as given; "-" is standard output */
	FILE *f;		/* NULL once closed, or after a failed reopen */
	bool flush_each;	/* every line flushed at once (a reader tailing it) */
	bool failed;		/* a line was lost since the open or the last reopen */
};

/* Whether path names a file (not "-", standard output), so that a reopen
 * has something to do. */
bool fsc_logfile_is_file(const char *path);

/* Opens path ("-": standard output), appending or truncating. False with
 * strerror in err when it cannot be opened. */
bool fsc_logfile_open(struct fsc_logfile *l, const char *path, bool append,
		      bool flush_each, char *err, size_t cap);

/* One line (n bytes, its '\n' included); a failure is kept in l->failed. */
void fsc_logfile_write(struct fsc_logfile *l, const char *line, size_t n);

/* The file closed and opened again by its name, appending; standard output
 * is only flushed. False, with the reason in err, when lines written to
 * the old file were lost ("write failed") or the name cannot be opened
 * again (strerror; lines are lost until the next reopen). */
bool fsc_logfile_reopen(struct fsc_logfile *l, char *err, size_t cap);

/* Flushed and closed (standard output only flushed); false when a line was
 * lost. A second close is a no-op that returns true. */
bool fsc_logfile_close(struct fsc_logfile *l);

/* SIGHUP for a program whose loop reopens its log files (fnode, fedge):
 * fsc_logfile_catch_hangup installs a handler that only notes the signal,
 * fsc_logfile_hangup says, from the loop, whether one came since it last
 * asked. */
void fsc_logfile_catch_hangup(void);
bool fsc_logfile_hangup(void);

#endif
