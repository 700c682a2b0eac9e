/* fwatch.h - what fwatch's files share: the options and the loop. */
#ifndef FWATCH_H
#define FWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "fsc/accesslog.h"
#include "fsc/enrich.h"
#include "fsc/pipeline.h"
#include "fsc/source.h"
#include "inputopts.h"
#include "model.h"
#include "table.h"
#include "view.h"

#define EXIT_USAGE 1
#define EXIT_RUNTIME 2
#define MAX_IFACES TUI_MAX_IFACES
#define MAX_FILES TUI_MAX_IFACES

struct options {
	const char *ifaces[MAX_IFACES];
	unsigned n_ifaces;
	const char *files[MAX_FILES];	/* -r, merged by time */
	unsigned n_files;
	struct fsc_inputopts inputs;	/* --wg-keylog, --clock-offset, --proxy-model */
	bool correlate;			/* stories: several -r, live, or
					 * --correlate */
	const char *bpf;		/* -f */
	double speed;			/* replay pace; 0: as fast as possible */
	bool dump;			/* --dump */
	int64_t dump_ns;		/* --dump SECONDS; 0: end of the replay */
	bool all_details;		/* --details */
	const char *metrics;		/* --metrics ADDR:PORT */
	bool headless;			/* --headless: no screen, no dump */
	struct tui_filter filter;	/* --match */
	enum tui_view view;		/* --view */
	bool color;
	bool promisc;
	bool immediate;			/* --immediate: no block timeout */
	int snaplen, buffer_size;
	uint64_t count;			/* -c: stop after COUNT frames */
	struct fsc_enrich_opts enrich;
	struct fsc_pipeline_limits limits;
	struct tui_model_limits model;
	const char *access_log;		/* --access-log FILE (appended) */
	struct fsc_accesslog_opts access;	/* format, fields, redaction (logopts.h) */
};

/* Runs the capture (live or replay) with the screen or the dump; returns
 * the exit status. */
int fwatch_run(const struct options *o);

/* accesslog.c: the request records: --access-log lines, and the newest
 * FW_RECORDS_KEEP kept on the screen for the Detail view's export. */
#define FW_RECORDS_KEEP 64
struct fw_log;
/* n_keep: records kept for fw_log_find (0: none); the file only with
 * --access-log. */
struct fw_log *fw_log_open(const struct options *o, size_t n_keep, char *err, size_t cap);
void fw_log_event(struct fw_log *l, const struct fsc_event *ev);
/* A kept record by its connection and number on it, or NULL. */
const struct fsc_request *fw_log_find(const struct fw_log *l, uint64_t flow_id, unsigned index);
const struct fsc_accesslog_opts *fw_log_opts(const struct fw_log *l);
/* SIGHUP: the --access-log file opened again by its name (logfile.h);
 * false with the reason in err. */
bool fw_log_reopen(struct fw_log *l, char *err, size_t cap);
/* Flushes the records still open; false when writing failed. */
bool fw_log_close(struct fw_log *l);

/* stories.c: the correlation stage, a sink (*sink filled) whose stories
 * go to the model; with several files also their clock offsets, which
 * fw_stories_end gives the model with the stories still open (the end of
 * the capture). NULL when out of memory. */
struct fw_stories;
struct fsc_sink;
struct fw_stories *fw_stories_open(struct tui_model *model, unsigned files,
				   enum fsc_proxy_model proxy, struct fsc_sink *sink);
void fw_stories_end(struct fw_stories *s);
void fw_stories_free(struct fw_stories *s);

/* export.c: the Detail view's H and c keys (a tui_export_fn; ctx: the
 * fw_log). */
void fw_export(void *ctx, const struct tui_request *r, enum tui_export kind, char *msg,
	       size_t cap);

#endif
