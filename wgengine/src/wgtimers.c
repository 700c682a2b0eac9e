/* wgtimers.c - the per-peer timer machine (wgtimers.h). */
#include "fsc/wgtimers.h"

#include <string.h>

void fsc_wgtimer_cfg_default(struct fsc_wgtimer_cfg *cfg)
{
	cfg->rekey_after_time = 120 * FSC_NS_PER_SEC;
	cfg->reject_after_time = 180 * FSC_NS_PER_SEC;
	cfg->rekey_attempt_time = 90 * FSC_NS_PER_SEC;
	cfg->rekey_timeout = 5 * FSC_NS_PER_SEC;
	cfg->jitter_max = 334 * (FSC_NS_PER_SEC / 1000);
	cfg->keepalive_timeout = 10 * FSC_NS_PER_SEC;
	cfg->cookie_refresh = 120 * FSC_NS_PER_SEC;
	cfg->initiation_rate = 20 * (FSC_NS_PER_SEC / 1000);
	cfg->persistent_unit = FSC_NS_PER_SEC;
	cfg->max_handshakes = 18;
}

void fsc_wgtimer_cfg_scale(struct fsc_wgtimer_cfg *cfg, unsigned divisor)
{
	if (divisor <= 1)
		return;
	cfg->rekey_after_time /= divisor;
	cfg->reject_after_time /= divisor;
	cfg->rekey_attempt_time /= divisor;
	cfg->rekey_timeout /= divisor;
	cfg->jitter_max /= divisor;
	cfg->keepalive_timeout /= divisor;
	cfg->cookie_refresh /= divisor;
	cfg->initiation_rate /= divisor;
	cfg->persistent_unit /= divisor;
	if (!cfg->jitter_max)
		cfg->jitter_max = 1;
}

void fsc_wgtimers_init(struct fsc_wgtimers *t, const struct fsc_wgtimer_cfg *cfg,
		       uint16_t persistent_keepalive)
{
	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	t->persistent_interval = persistent_keepalive * cfg->persistent_unit;
}

static void arm(struct fsc_wgtimers *t, enum fsc_wgtimer_id id, uint64_t when)
{
	t->deadline[id] = when ? when : 1;
}

static bool armed(const struct fsc_wgtimers *t, enum fsc_wgtimer_id id)
{
	return t->deadline[id] != 0;
}

void fsc_wgtimers_data_sent(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter)
{
	if (!armed(t, FSC_WGT_NEW_HANDSHAKE))
		arm(t, FSC_WGT_NEW_HANDSHAKE,
		    now + t->cfg->keepalive_timeout + t->cfg->rekey_timeout + jitter);
}

void fsc_wgtimers_data_received(struct fsc_wgtimers *t, uint64_t now)
{
	if (!armed(t, FSC_WGT_KEEPALIVE))
		arm(t, FSC_WGT_KEEPALIVE, now + t->cfg->keepalive_timeout);
	else
		t->another_keepalive = true;
}

void fsc_wgtimers_authed_sent(struct fsc_wgtimers *t, uint64_t now)
{
	(void)now;
	t->deadline[FSC_WGT_KEEPALIVE] = 0;
}

void fsc_wgtimers_authed_received(struct fsc_wgtimers *t, uint64_t now)
{
	(void)now;
	t->deadline[FSC_WGT_NEW_HANDSHAKE] = 0;
}

void fsc_wgtimers_authed_traversal(struct fsc_wgtimers *t, uint64_t now)
{
	if (t->persistent_interval)
		arm(t, FSC_WGT_PERSISTENT, now + t->persistent_interval);
}

void fsc_wgtimers_initiation_sent(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter,
				  bool retry)
{
	if (!retry)
		t->handshake_attempts = 0;
	t->last_initiation_sent = now;
	arm(t, FSC_WGT_RETRANSMIT, now + t->cfg->rekey_timeout + jitter);
}

void fsc_wgtimers_handshake_complete(struct fsc_wgtimers *t, uint64_t now)
{
	(void)now;
	t->deadline[FSC_WGT_RETRANSMIT] = 0;
	t->handshake_attempts = 0;
}

void fsc_wgtimers_session_derived(struct fsc_wgtimers *t, uint64_t now)
{
	arm(t, FSC_WGT_ZERO_KEYS, now + 3 * t->cfg->reject_after_time);
}

void fsc_wgtimers_stop_all(struct fsc_wgtimers *t)
{
	memset(t->deadline, 0, sizeof(t->deadline));
	t->another_keepalive = false;
	t->handshake_attempts = 0;
}

bool fsc_wgtimers_may_initiate(const struct fsc_wgtimers *t, uint64_t now)
{
	return !t->last_initiation_sent || now - t->last_initiation_sent >= t->cfg->rekey_timeout;
}

static bool due(struct fsc_wgtimers *t, enum fsc_wgtimer_id id, uint64_t now)
{
	if (!t->deadline[id] || t->deadline[id] > now)
		return false;
	t->deadline[id] = 0;
	return true;
}

unsigned fsc_wgtimers_expire(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter)
{
	unsigned act = 0;

	(void)jitter;
	if (due(t, FSC_WGT_RETRANSMIT, now)) {
		if (t->handshake_attempts >= t->cfg->max_handshakes) {
			act |= FSC_WGA_GIVE_UP;
			t->deadline[FSC_WGT_KEEPALIVE] = 0;
			if (!armed(t, FSC_WGT_ZERO_KEYS))
				arm(t, FSC_WGT_ZERO_KEYS, now + 3 * t->cfg->reject_after_time);
		} else {
			/* The engine's resend calls initiation_sent(retry),
			 * which re-arms this timer. */
			t->handshake_attempts++;
			act |= FSC_WGA_SEND_INITIATION;
		}
	}
	if (due(t, FSC_WGT_KEEPALIVE, now)) {
		act |= FSC_WGA_SEND_KEEPALIVE;
		if (t->another_keepalive) {
			t->another_keepalive = false;
			arm(t, FSC_WGT_KEEPALIVE, now + t->cfg->keepalive_timeout);
		}
	}
	if (due(t, FSC_WGT_NEW_HANDSHAKE, now))
		act |= FSC_WGA_NEW_HANDSHAKE;
	if (due(t, FSC_WGT_ZERO_KEYS, now))
		act |= FSC_WGA_ZERO_KEYS;
	if (due(t, FSC_WGT_PERSISTENT, now) && t->persistent_interval)
		act |= FSC_WGA_SEND_KEEPALIVE;
	return act;
}

uint64_t fsc_wgtimers_next(const struct fsc_wgtimers *t)
{
	uint64_t next = 0;

	for (int i = 0; i < FSC_WGT_COUNT; i++)
		if (t->deadline[i] && (!next || t->deadline[i] < next))
			next = t->deadline[i];
	return next;
}
