/* fdecode.h - what the fdecode files share. */
#ifndef FDECODE_H
#define FDECODE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clients.h"
#include "fsc/correlate.h"
#include "fsc/escape.h"
#include "fsc/enrich.h"
#include "fsc/pipeline.h"
#include "fsc/source.h"
#include "inputopts.h"
#include "names.h"
#include "fsc/jsonw.h"
#include "fsc/outbuf.h"
#include "records.h"
#include "web.h"

#define EXIT_USAGE 1
#define EXIT_INPUT 2

enum ts_mode {
	TS_LOCAL = 0,	/* HH:MM:SS.uuuuuu, local time (tcpdump's default) */
	TS_NONE,	/* -t */
	TS_EPOCH,	/* -tt */
	TS_DELTA,	/* -ttt: since the previous line */
	TS_DATE,	/* -tttt: YYYY-MM-DD HH:MM:SS.uuuuuu */
	TS_SINCE_FIRST, /* -ttttt */
};

enum dump_mode {
	DUMP_NONE,
	DUMP_HEX,	/* -x: hex of each shown frame */
	DUMP_HEX_ASCII,	/* -X: hex and ASCII */
	DUMP_ASCII,	/* -A: ASCII (escaped) */
};

#define MAX_LIVE_IFACES 16

struct options {
	enum ts_mode ts;
	bool json;
	bool summary;
	bool verbose;
	bool line_buffered;	/* -l, or standard output a terminal */
	bool follow;		/* --follow: wait for a growing file */
	bool quiet;		/* -q: no progress, no late names */
	bool link_header;	/* -e: link-layer addresses on shown frames */
	enum dump_mode dump;
	struct fsc_enrich_opts enrich;
	uint64_t count;		/* 0: no limit */
	const char *filter;
	const char *write_file;	/* -w: frames of shown events */
	const char *metrics_file; /* --metrics-file: Prometheus textfile */
	int snaplen;		/* -s N (live); 0: 65535 */
	int buffer_kib;		/* -B (live); 0: the default */
	const char *ifaces[MAX_LIVE_IFACES];
	unsigned n_ifaces;
	struct fsc_pipeline_limits limits;
	/* --wg-keylog, --clock-offset (tools/common/inputopts.h) */
	struct fsc_inputopts inputs;
	/* --correlate (story.c) */
	bool correlate;
	struct fsc_corr_limits corr_limits;	/* zero: the defaults */
	struct rec_opts rec;	/* request records (records.c) */
};

struct printer {
	struct fsc_outbuf *ob;		/* events go here (standard output) */
	struct fsc_jsonw jw;		/* JSON lines onto ob */
	const struct options *opt;
	struct fsc_enrich *enr;		/* names for every address printed */
	bool late_names;	/* at the end: names that came late (NAMES) */
	bool shown;		/* the last event made a text or JSON line */
	const char *file;	/* current input, named in JSON when several */
	bool name_file;
	const struct fsc_source *src; /* names of files and interfaces */
	int64_t prev_ns, first_ns;
	bool have_prev;
	/* Formatting the time of day once a second, not once a packet. */
	int64_t cached_sec;
	char cached_hms[32];
	size_t cached_hms_len;
};

/* What went wrong with the inputs, for the summary's "Unusual" table. */
#define MAX_INPUT_PROBLEMS 16
struct input_problems {
	unsigned n, dropped;
	char msg[MAX_INPUT_PROBLEMS][320];
};

/* Whether an event is printed: its type shown by default, -v, or a
 * problem. Inline: asked of every event. */
static inline bool print_wanted(const struct options *opt, const struct fsc_event *ev)
{
	const struct fsc_event_desc *d = fsc_event_desc(ev->type);

	if (!d->line)
		return false;
	if (d->shown || opt->verbose)
		return true;
	if (ev->type == FSC_EV_FRAME)
		return ev->status == FSC_TRUNCATED || ev->status == FSC_MALFORMED;
	return ev->pkt->fragment || ev->status != FSC_OK;
}

/* print.c: one event as a text line or a JSON line. */
void print_text(struct printer *pr, const struct fsc_event *ev);
void print_json(struct printer *pr, const struct fsc_event *ev);
/* fields.c: the members every JSON event begins with (ts, file, iface,
 * frame, type), and decode_status/decode_reason. */
void json_head(struct printer *pr, const struct fsc_event *ev);
void json_status(struct printer *pr, const struct fsc_event *ev);
/* run.c: SIGINT/SIGTERM end the input loop cleanly; then run() decodes
 * the files (or opt->ifaces) and returns the exit status. */
void run_catch_signals(void);
int run(const struct options *opt, const char **files, unsigned n_files);
/* -x/-X/-A lines of a frame's captured bytes. */
void dump_frame(struct fsc_outbuf *ob, enum dump_mode mode, const struct fsc_frame *f);
/* origin.c: where a frame came from (file, interface), when the input has
 * more than one of either: "FILE:IFACE " in text, "iface" in JSON. */
void text_origin(struct printer *pr, const struct fsc_event *ev);
void json_origin(struct printer *pr, const struct fsc_event *ev);
void text_obs(struct printer *pr, unsigned file, unsigned iface);
void json_obs(struct printer *pr, unsigned file, unsigned iface);
/* fields.c: the time column; "ADDR[:PORT] [tag]". */
void print_time(struct printer *pr, int64_t ts_ns);
void text_addr(struct printer *pr, const struct fsc_addr *a, int port);

/* ,"key":"ADDR" and ,"key_info":{...} when enrichment has something. */
void json_addr(struct printer *pr, const char *key, const struct fsc_addr *a);
void json_enrich(struct printer *pr, const char *key, const struct fsc_addr *a);
/* ,"key":"ADDR","port_key":PORT (the endpoint rule) and the enrichment. */
void json_endpoint(struct printer *pr, const char *key, const char *port_key,
		   const struct fsc_addr *a, uint16_t port);
/* ,"key":"ADDR:PORT" (a key that had that form before the rule), its
 * enrichment, and ,"addr_key":"ADDR","port_key":PORT. */
void json_endpoint_kept(struct printer *pr, const char *key, const char *addr_key,
			const char *port_key, const struct fsc_addr *a, uint16_t port);
/* print_stream.c: TLS, HTTP and ingress events; text after the time,
 * JSON the whole line. */
void stream_text(struct printer *pr, const struct fsc_event *ev);
void stream_json(struct printer *pr, const struct fsc_event *ev);
/* metrics.c: --metrics-file, the Prometheus exposition (fsc/prom.h) of the
 * whole input, written to a temporary file beside FILE and renamed over it
 * (node-exporter's textfile collector never reads half a file). Returns
 * false with a message in err. */
bool metrics_file_write(const char *path, const struct fsc_pipeline *pl,
			const struct fsc_agg *agg, struct fsc_source *src, bool geo,
			char *err, size_t errlen);
/* An fsc_agg_client_fn: a client's country and AS from ctx (fsc_enrich). */
void metrics_client_geo(void *ctx, struct fsc_agg_client *c);

void print_summary(FILE *out, const struct options *opt,
		   const struct fsc_pipeline *pl, unsigned files,
		   const struct input_problems *probs, struct fsc_enrich *enr,
		   const struct client_tally *tally, const struct fsc_agg *agg);

/* wgkeys.c: what WireGuard decryption (fsc_wgkeys_open, inputopts.h)
 * adds to the lines and the summary. */
void json_wgd(struct printer *pr, const struct fsc_event *ev);
void text_wgd(struct printer *pr, const struct fsc_event *ev);
void json_tunnel(struct printer *pr, const struct fsc_event *ev);
void text_tunnel(struct printer *pr, const struct fsc_event *ev);
void wgkeys_summary(FILE *out, const struct fsc_pipeline *pl, bool json);
void tlskeys_summary(FILE *out, const struct fsc_pipeline *pl, bool json);
/* Standard base64 of a 32-byte WireGuard key (44 characters). */
void key_b64(struct fsc_outbuf *ob, const uint8_t key[32]);

/* story.c: --correlate. Events go to stories_event; stories_flush at
 * the end tells the stories still open; stories_clock writes the clock
 * offsets between the inputs, stories_summary the "where the time goes"
 * tables (and the offsets) after the summary. */
struct stories;
struct stories *stories_new(struct printer *pr, unsigned inputs);
void stories_free(struct stories *st);
void stories_event(struct stories *st, const struct fsc_event *ev);
void stories_flush(struct stories *st);
void stories_clock(struct stories *st, struct fsc_outbuf *ob);
void stories_summary(struct stories *st, FILE *out);
/* The "stories" sink (sinks.c): the stories as text or JSON lines, then the
 * clock offsets; with --summary, "where the time goes" at the close. */
struct fsc_sink;
bool stories_sink(struct printer *pr, unsigned inputs, struct fsc_sink *out);

#endif
