/* sink.c - the fan-out over sinks (sink.h). */
#include "fsc/sink.h"

bool fsc_fanout_add(struct fsc_fanout *f, const struct fsc_sink *s)
{
	if (f->n == FSC_FANOUT_MAX)
		return false;
	f->sinks[f->n++] = *s;
	if (s->ops->event) {
		f->_ev[f->_n_ev].fn = s->ops->event;
		f->_ev[f->_n_ev++].self = s->self;
	}
	return true;
}

void fsc_fanout_event(const struct fsc_event *ev, void *ctx)
{
	const struct fsc_fanout *f = ctx;

	for (unsigned i = 0; i < f->_n_ev; i++)
		f->_ev[i].fn(f->_ev[i].self, ev);
}

void fsc_fanout_record(const struct fsc_request *rec, void *ctx)
{
	struct fsc_fanout *f = ctx;

	for (unsigned i = 0; i < f->n; i++)
		if (f->sinks[i].ops->record)
			f->sinks[i].ops->record(f->sinks[i].self, rec);
}

bool fsc_fanout_reopens(const struct fsc_fanout *f)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->sinks[i].ops->reopen)
			return true;
	return false;
}

bool fsc_fanout_takes_records(const struct fsc_fanout *f)
{
	for (unsigned i = 0; i < f->n; i++)
		if (f->sinks[i].ops->record)
			return true;
	return false;
}

bool fsc_fanout_flush(struct fsc_fanout *f)
{
	bool ok = true;

	for (unsigned i = 0; i < f->n; i++)
		if (f->sinks[i].ops->flush)
			ok &= f->sinks[i].ops->flush(f->sinks[i].self);
	return ok;
}

bool fsc_fanout_reopen(struct fsc_fanout *f)
{
	bool ok = true;

	for (unsigned i = 0; i < f->n; i++)
		if (f->sinks[i].ops->reopen)
			ok &= f->sinks[i].ops->reopen(f->sinks[i].self);
	return ok;
}

bool fsc_fanout_close(struct fsc_fanout *f)
{
	bool ok = true;

	/* Last added, first closed: a sink may read what an earlier one
	 * keeps (fdecode's summary, the aggregation it is fed by). */
	for (unsigned i = f->n; i-- > 0;)
		if (f->sinks[i].ops->close)
			ok &= f->sinks[i].ops->close(f->sinks[i].self);
	f->n = 0;
	f->_n_ev = 0;
	return ok;
}
