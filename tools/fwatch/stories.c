/* stories.c - the correlation stage (fsc/correlate.h) as one of fwatch's
 * sinks: the events of every input (the -r files merged by time, or the -i
 * interfaces at once) in, one story a public request out to the model,
 * which puts it on its request's row (the stage bar) and keeps it for
 * Detail's chain.
 *
 * On where vantage points meet: several -r files, or live (`any`, or the
 * underlay and lo side by side); over one file only with --correlate. Its
 * scans of the ingress table (a loopback request's candidates, a public
 * ClientHello's ingress) cost a generated one-file replay 39% more
 * instructions (callgrind, scripts/bench_ir.sh's capture). */
#include <stdlib.h>

#include "fsc/clocksync.h"
#include "fsc/correlate.h"
#include "fsc/sink.h"
#include "fwatch.h"

struct fw_stories {
	struct fsc_corr *corr;
	struct fsc_clocksync *clock;	/* several files: their offsets */
	struct tui_model *model;
};

static void stories_event(void *self, const struct fsc_event *ev)
{
	struct fw_stories *s = self;

	/* The packets off the wire, as fdecode --correlate counts them. */
	if (s->clock && ev->pkt && ev->frame && !ev->tunnel && !ev->stream &&
	    (ev->type == FSC_EV_WG || ev->type == FSC_EV_TCP || ev->type == FSC_EV_UDP))
		fsc_clocksync_packet(s->clock, ev->frame->file, ev->pkt, ev->ts_ns);
	fsc_corr_event(s->corr, ev, tui_model_story, s->model);
}

static const struct fsc_sink_ops stories_sink = { .name = "stories", .event = stories_event };

struct fw_stories *fw_stories_open(struct tui_model *model, unsigned files,
				   enum fsc_proxy_model proxy, struct fsc_sink *sink)
{
	struct fw_stories *s = calloc(1, sizeof(*s));
	const struct fsc_corr_limits lim = { .proxy = proxy };

	if (!s || !(s->corr = fsc_corr_new(&lim)) ||
	    (files > 1 && !(s->clock = fsc_clocksync_new()))) {
		fw_stories_free(s);
		return NULL;
	}
	s->model = model;
	tui_model_set_corr(model, fsc_corr_stats(s->corr));
	*sink = (struct fsc_sink){ .ops = &stories_sink, .self = s };
	return s;
}

void fw_stories_end(struct fw_stories *s)
{
	struct fsc_clock_offset o[TUI_CLOCK_OFFSETS];

	if (!s)
		return;
	fsc_corr_flush(s->corr, tui_model_story, s->model);
	if (s->clock)
		tui_model_set_clock(s->model, o, fsc_clocksync_offsets(s->clock, o, TUI_CLOCK_OFFSETS));
}

void fw_stories_free(struct fw_stories *s)
{
	if (!s)
		return;
	fsc_corr_free(s->corr);
	fsc_clocksync_free(s->clock);
	free(s);
}
