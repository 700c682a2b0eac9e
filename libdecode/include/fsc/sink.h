/* sink.h - where events and request records go: one interface for every
 * output (text lines, JSON lines, the summary, access logs, metrics, a
 * TUI's model), and a fan-out that hands each event to several.
 *
 * zeek's writers are the model: a sink is told of each event (and, once the
 * request record exists, each finished request), asked to flush what it
 * holds, to reopen its files (log rotation: SIGHUP after mv), and at the
 * end to close. A sink never sees the pipeline, and the pipeline never
 * knows which sinks there are.
 *
 * Every operation may be NULL (the sink has nothing to do there). The
 * pointers an event or record holds are valid only during the call
 * (pipeline.h): a sink copies what it keeps.
 */
#ifndef FSC_SINK_H
#define FSC_SINK_H

#include <stdbool.h>

struct fsc_event;
struct fsc_request;

struct fsc_sink_ops {
	const char *name;
	void (*event)(void *self, const struct fsc_event *ev);
	void (*record)(void *self, const struct fsc_request *rec);
	/* What is held, out now (a reader at a pipe's end); false when a
	 * write failed. */
	bool (*flush)(void *self);
	/* Files closed and opened again by name, so that a log rotated away
	 * (mv, then SIGHUP) goes on in a new file; false when one could not
	 * be opened (the sink then keeps writing to the old one). */
	bool (*reopen)(void *self);
	/* The end: what is written only at the end (a summary), then freed;
	 * false when a write failed. */
	bool (*close)(void *self);
};

struct fsc_sink {
	const struct fsc_sink_ops *ops;
	void *self;
};

#define FSC_FANOUT_MAX 8

/* Several sinks as one, in the order they were added. */
struct fsc_fanout {
	struct fsc_sink sinks[FSC_FANOUT_MAX];
	unsigned n;
	/* The sinks that take events, their functions at hand: every event
	 * passes here, so the loop skips the others and a pointer hop. */
	struct {
		void (*fn)(void *self, const struct fsc_event *ev);
		void *self;
	} _ev[FSC_FANOUT_MAX];
	unsigned _n_ev;
};

/* False when the fan-out is full. */
bool fsc_fanout_add(struct fsc_fanout *f, const struct fsc_sink *s);
/* An fsc_event_fn (pipeline.h) and an fsc_request_fn (request.h): ctx is
 * the fan-out, so a pipeline and a request builder hand straight to it. */
void fsc_fanout_event(const struct fsc_event *ev, void *ctx);
void fsc_fanout_record(const struct fsc_request *rec, void *ctx);
/* Whether a sink has files to open again (a SIGHUP handler is worth
 * installing) or takes request records (a builder is worth feeding). */
bool fsc_fanout_reopens(const struct fsc_fanout *f);
bool fsc_fanout_takes_records(const struct fsc_fanout *f);
/* Each sink's flush, reopen or close; false when any said false (every
 * sink is still asked). Close goes last added first (a sink may read what
 * one added before it keeps) and empties the fan-out. */
bool fsc_fanout_flush(struct fsc_fanout *f);
bool fsc_fanout_reopen(struct fsc_fanout *f);
bool fsc_fanout_close(struct fsc_fanout *f);

#endif
