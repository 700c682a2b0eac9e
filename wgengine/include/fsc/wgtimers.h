/* wgtimers.h - a peer's WireGuard timers as a pure state machine.
 *
 * The engine tells the timers what happened (a packet sent, a handshake
 * completed, ...) and asks, with the current time, which timers have
 * expired; it then does the work each expired timer names. Time is passed
 * in (monotonic nanoseconds, never 0) and so is the random jitter, so tests
 * drive the machine with an injected clock. The behaviour follows the
 * protocol (whitepaper §6, wireguard-go device/timers.go):
 *
 *   retransmit   armed REKEY_TIMEOUT + jitter after each initiation sent;
 *                on expiry resend, or after MAX_HANDSHAKES retries give up
 *                (drop queued packets, arm zero-keys if not armed)
 *   keepalive    armed KEEPALIVE after data is received with none sent back;
 *                fires once more if more data arrived meanwhile
 *   new-hs       armed KEEPALIVE + REKEY_TIMEOUT + jitter after data is sent;
 *                cancelled by any authenticated packet received; on expiry
 *                start a new handshake (the peer went silent)
 *   zero-keys    armed 3 x REJECT_AFTER after a session is derived; erases
 *                all key material of the peer
 *   persistent   re-armed to the configured interval by every authenticated
 *                packet sent or received; on expiry send a keepalive
 */
#ifndef FSC_WGTIMERS_H
#define FSC_WGTIMERS_H

#include <stdbool.h>
#include <stdint.h>

#define FSC_NS_PER_SEC 1000000000ull

/* All durations in nanoseconds. */
struct fsc_wgtimer_cfg {
	uint64_t rekey_after_time;   /* 120 s */
	uint64_t reject_after_time;  /* 180 s */
	uint64_t rekey_attempt_time; /* 90 s */
	uint64_t rekey_timeout;	     /* 5 s */
	uint64_t jitter_max;	     /* 334 ms (jitter is 0 .. jitter_max - 1) */
	uint64_t keepalive_timeout;  /* 10 s */
	uint64_t cookie_refresh;     /* 120 s: cookie secret age, cookie lifetime */
	uint64_t initiation_rate;    /* 20 ms: at most one initiation consumed a peer */
	uint64_t persistent_unit;    /* 1 s: one unit of PersistentKeepalive */
	unsigned max_handshakes;     /* 18: retries before giving up */
};

/* The protocol's values. */
void fsc_wgtimer_cfg_default(struct fsc_wgtimer_cfg *cfg);
/*
 * TEST ONLY: divides every duration by divisor (>= 1), so that rekeying,
 * keepalives and persistent keepalives happen in seconds instead of
 * minutes (fwg --test-timer-divisor). max_handshakes is unchanged. A peer
 * with normal timers (wireguard-go) still interoperates: every timer is
 * local, only the rates at which we rekey and keep alive change.
 */
void fsc_wgtimer_cfg_scale(struct fsc_wgtimer_cfg *cfg, unsigned divisor);

enum fsc_wgtimer_id {
	FSC_WGT_RETRANSMIT,
	FSC_WGT_KEEPALIVE,
	FSC_WGT_NEW_HANDSHAKE,
	FSC_WGT_ZERO_KEYS,
	FSC_WGT_PERSISTENT,
	FSC_WGT_COUNT
};

/* What the engine must do; a bit mask returned by fsc_wgtimers_expire. */
enum fsc_wgtimer_action {
	FSC_WGA_SEND_INITIATION = 1u << 0, /* a retry: resend the initiation */
	FSC_WGA_GIVE_UP = 1u << 1,	   /* drop queued packets */
	FSC_WGA_SEND_KEEPALIVE = 1u << 2,  /* passive or persistent keepalive */
	FSC_WGA_NEW_HANDSHAKE = 1u << 3,   /* start a fresh handshake */
	FSC_WGA_ZERO_KEYS = 1u << 4,	   /* erase every keypair and handshake */
};

struct fsc_wgtimers {
	const struct fsc_wgtimer_cfg *cfg;
	uint64_t deadline[FSC_WGT_COUNT]; /* 0 = not armed */
	unsigned handshake_attempts;
	bool another_keepalive;
	uint64_t persistent_interval; /* ns; 0 = off */
	uint64_t last_initiation_sent; /* 0 = never */
};

/* cfg must outlive t; persistent_keepalive in seconds (0 = off). */
void fsc_wgtimers_init(struct fsc_wgtimers *t, const struct fsc_wgtimer_cfg *cfg,
		       uint16_t persistent_keepalive);

/* Events. */
void fsc_wgtimers_data_sent(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter);
void fsc_wgtimers_data_received(struct fsc_wgtimers *t, uint64_t now);
void fsc_wgtimers_authed_sent(struct fsc_wgtimers *t, uint64_t now);
void fsc_wgtimers_authed_received(struct fsc_wgtimers *t, uint64_t now);
/* Any authenticated packet either way (re-arms the persistent keepalive). */
void fsc_wgtimers_authed_traversal(struct fsc_wgtimers *t, uint64_t now);
/* An initiation was sent; retry says whether the retransmit timer caused it
 * (a fresh attempt restarts the retry count). */
void fsc_wgtimers_initiation_sent(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter,
				  bool retry);
void fsc_wgtimers_handshake_complete(struct fsc_wgtimers *t, uint64_t now);
void fsc_wgtimers_session_derived(struct fsc_wgtimers *t, uint64_t now);
/* Stops every timer (the peer's keys were zeroed or it was removed). */
void fsc_wgtimers_stop_all(struct fsc_wgtimers *t);

/* True when a non-retry initiation may go out now: at most one per
 * REKEY_TIMEOUT (wireguard-go SendHandshakeInitiation). */
bool fsc_wgtimers_may_initiate(const struct fsc_wgtimers *t, uint64_t now);

/* Fires every timer whose deadline is <= now and returns the actions (0 if
 * none). jitter is a fresh random value in [0, cfg->jitter_max). */
unsigned fsc_wgtimers_expire(struct fsc_wgtimers *t, uint64_t now, uint64_t jitter);

/* The earliest armed deadline, or 0 when none is armed. */
uint64_t fsc_wgtimers_next(const struct fsc_wgtimers *t);

#endif
