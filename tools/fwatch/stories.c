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

#include "fsc/correlate.h"
#include "fsc/sink.h"
#include "fwatch.h"

struct fw_stories {
	struct fsc_corr *corr;
	struct tui_model *model;
};

static void stories_event(void *self, const struct fsc_event *ev)
{
	struct fw_stories *s = self;

	fsc_corr_event(s->corr, ev, tui_model_story, s->model);
}

static const struct fsc_sink_ops stories_sink = { .name = "stories", .event = stories_event };

struct fw_stories *fw_stories_open(struct tui_model *model, struct fsc_sink *sink)
{
	struct fw_stories *s = calloc(1, sizeof(*s));

	if (!s || !(s->corr = fsc_corr_new(NULL))) {
		free(s);
		return NULL;
	}
	s->model = model;
	*sink = (struct fsc_sink){ .ops = &stories_sink, .self = s };
	return s;
}

void fw_stories_end(struct fw_stories *s)
{
	if (s)
		fsc_corr_flush(s->corr, tui_model_story, s->model);
}

void fw_stories_free(struct fw_stories *s)
{
	if (!s)
		return;
	fsc_corr_free(s->corr);
	free(s);
}
