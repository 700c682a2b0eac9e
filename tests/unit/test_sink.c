/* test_sink.c - the fan-out over sinks (fsc/sink.h) and the event table
 * (fsc/event.h): every sink sees every event and record in the order they
 * were added, an operation a sink lacks is skipped, flush/reopen/close say
 * false when any sink did (and still ask every sink), close goes last added
 * first, a full fan-out refuses; every event type has its names and a stream kind is flagged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/pipeline.h"
#include "fsc/sink.h"

struct probe {
	char log[256];
	bool flush_ok, reopen_ok;
	int closed;
	char id;
};

static char close_order[16]; /* the probes' ids, as they were closed */

static void note(struct probe *p, const char *what)
{
	strncat(p->log, what, sizeof(p->log) - strlen(p->log) - 1);
}

static void p_event(void *self, const struct fsc_event *ev)
{
	note(self, fsc_event_type_name(ev->type));
	note(self, ";");
}

static void p_record(void *self, const struct fsc_request *rec)
{
	(void)rec;
	note(self, "record;");
}

static bool p_flush(void *self)
{
	struct probe *p = self;

	note(p, "flush;");
	return p->flush_ok;
}

static bool p_reopen(void *self)
{
	struct probe *p = self;

	note(p, "reopen;");
	return p->reopen_ok;
}

static bool p_close(void *self)
{
	struct probe *p = self;
	size_t n = strlen(close_order);

	p->closed++;
	if (n + 1 < sizeof(close_order))
		close_order[n] = p->id;
	return true;
}

static const struct fsc_sink_ops full_ops = { "full", p_event, p_record, p_flush, p_reopen,
					      p_close };
static const struct fsc_sink_ops events_only = { .name = "events", .event = p_event };

static void fan_out(void **state)
{
	struct probe a = { .flush_ok = true, .reopen_ok = true, .id = 'a' }, b = { .id = 'b' };
	struct probe c = { .flush_ok = true, .reopen_ok = true, .id = 'c' };
	struct fsc_fanout f = { .n = 0 };
	struct fsc_sink sa = { &full_ops, &a }, sb = { &events_only, &b }, sc = { &full_ops, &c };
	struct fsc_event wg = { .type = FSC_EV_WG }, req = { .type = FSC_EV_HTTP_REQUEST };

	(void)state;
	assert_true(fsc_fanout_add(&f, &sa));
	assert_true(fsc_fanout_add(&f, &sb));
	assert_true(fsc_fanout_add(&f, &sc));
	assert_true(fsc_fanout_reopens(&f));
	assert_true(fsc_fanout_takes_records(&f));
	fsc_fanout_event(&wg, &f);
	fsc_fanout_event(&req, &f);
	fsc_fanout_record(NULL, &f);
	assert_true(fsc_fanout_flush(&f));	/* b has no flush: skipped */
	assert_true(fsc_fanout_reopen(&f));
	a.flush_ok = false;
	assert_false(fsc_fanout_flush(&f));
	assert_string_equal(a.log, "wg;http_request;record;flush;reopen;flush;");
	assert_string_equal(b.log, "wg;http_request;");
	assert_true(fsc_fanout_close(&f));
	assert_int_equal(a.closed, 1);
	assert_string_equal(close_order, "ca"); /* last added, first closed */
	assert_int_equal(f.n, 0);
	fsc_fanout_event(&wg, &f);	/* closed: nobody left */
	assert_string_equal(b.log, "wg;http_request;");

	struct fsc_fanout g = { .n = 0 };
	for (int i = 0; i < FSC_FANOUT_MAX; i++)
		assert_true(fsc_fanout_add(&g, &sb));
	assert_false(fsc_fanout_add(&g, &sb));
	assert_false(fsc_fanout_reopens(&g));
	assert_false(fsc_fanout_takes_records(&g));
}

static void event_table(void **state)
{
	(void)state;
	for (int t = 0; t < FSC_EV_COUNT; t++) {
		const struct fsc_event_desc *d = fsc_event_desc((enum fsc_event_type)t);
		assert_int_equal(d->type, t);
		assert_non_null(d->name);
		assert_non_null(d->json_name);
		assert_string_not_equal(d->name, "unknown");
		/* the stream kinds are the ones after FSC_EV_FRAME */
		assert_int_equal(d->stream, t > FSC_EV_FRAME);
		/* a type shown by default has a line */
		assert_true(!d->shown || d->line);
	}
	assert_string_equal(fsc_event_json_name(FSC_EV_TSDISCO), "disco");
	assert_string_equal(fsc_event_type_name(FSC_EV_TSDISCO), "tsdisco");
	assert_false(fsc_event_desc(FSC_EV_HTTP_CLOSE)->line);
	assert_false(fsc_event_desc(FSC_EV_UDP)->shown);
	assert_true(fsc_event_desc(FSC_EV_UDP)->line);
	assert_string_equal(fsc_event_type_name(FSC_EV_COUNT), "unknown");
	assert_string_equal(fsc_event_type_name((enum fsc_event_type)-1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fan_out),
		cmocka_unit_test(event_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
