/* fmt.c - numbers, times, addresses and names as short text, and the
 * escaping of untrusted bytes, for the tables and lines (table.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fsc/enrich.h"
#include "fsc/escape.h"
#include "table.h"
#include "tui_int.h"

size_t tui_escape(const void *p, size_t len, char *buf, size_t cap)
{
	return fsc_escape_text(p, len, buf, cap);
}

size_t tui_put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf[0] = '\0';
		return 0;
	}
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

static size_t scaled(uint64_t v, const char *unit, char *buf, size_t cap)
{
	static const char sfx[] = "kMGTPE";
	double d = (double)v;
	int i = -1;

	if (v < 1000)
		return tui_put(buf, cap, "%" PRIu64 "%s", v, unit);
	while (d >= 999.5 && i < 5) {
		d /= 1000;
		i++;
	}
	return tui_put(buf, cap, d < 9.95 ? "%.1f%c%s" : "%.0f%c%s", d, sfx[i], unit);
}

size_t tui_fmt_bytes(uint64_t v, char *buf, size_t cap)
{
	return scaled(v, "", buf, cap);
}

size_t tui_fmt_count(uint64_t v, char *buf, size_t cap)
{
	return scaled(v, "", buf, cap);
}

size_t tui_fmt_ms(int64_t ns, char *buf, size_t cap)
{
	double ms = (double)ns / 1e6;

	if (ns < 0)
		return tui_put(buf, cap, "-");
	if (ms < 10)
		return tui_put(buf, cap, "%.2fms", ms);
	if (ms < 1000)
		return tui_put(buf, cap, "%.0fms", ms);
	if (ms < 100000)
		return tui_put(buf, cap, "%.1fs", ms / 1000);
	return tui_put(buf, cap, "%.0fs", ms / 1000);
}

size_t tui_fmt_age(int64_t ns, char *buf, size_t cap)
{
	int64_t s = ns / 1000000000;

	if (ns < 0)
		s = 0;
	if (s < 100)
		return tui_put(buf, cap, "%" PRId64 "s", s);
	if (s < 100 * 60)
		return tui_put(buf, cap, "%" PRId64 "m", s / 60);
	if (s < 100 * 3600)
		return tui_put(buf, cap, "%" PRId64 "h", s / 3600);
	return tui_put(buf, cap, "%" PRId64 "d", s / 86400);
}

size_t tui_fmt_time(int64_t ns, bool ms, char *buf, size_t cap)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&sec, &tm))
		return tui_put(buf, cap, "-");
	if (ms)
		return tui_put(buf, cap, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			   (int)(ns / 1000000 % 1000));
	return tui_put(buf, cap, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

size_t tui_dash(char *buf, size_t cap)
{
	return tui_put(buf, cap, "-");
}

size_t tui_addr_text(const struct fsc_addr *a, char *buf, size_t cap)
{
	char s[FSC_ADDR_STRLEN];

	if (!a->family)
		return tui_dash(buf, cap);
	return tui_put(buf, cap, "%s", fsc_addr_str(a, s));
}

size_t tui_endpoint_text(const struct fsc_addr *a, uint16_t port, char *buf, size_t cap)
{
	char s[FSC_ENDPOINT_STRLEN];

	if (!a->family)
		return tui_dash(buf, cap);
	return tui_put(buf, cap, "%s", fsc_endpoint_str(a, port, s));
}

/* The reverse DNS name of a, escaped; "-" when none (yet). */
size_t tui_rdns_text(struct tui_model *m, const struct fsc_addr *a, char *buf, size_t cap)
{
	struct fsc_enrich *e = tui_model_names(m);
	struct fsc_enrich_info info;

	if (!e || !a->family)
		return tui_dash(buf, cap);
	fsc_enrich_get(e, a, &info);
	if (info.rdns_st == FSC_RDNS_FOUND)
		return tui_escape(info.rdns, strlen(info.rdns), buf, cap);
	if (info.rdns_st == FSC_RDNS_PENDING)
		return tui_put(buf, cap, "?");
	return tui_dash(buf, cap);
}

/* What is known of an endpoint's address: "DERP", "4to6 100.x", country,
 * AS, name (enrich_tag, escaped there). */
size_t tui_tag_text(struct tui_model *m, const struct fsc_addr *a, char *buf, size_t cap)
{
	struct fsc_enrich *e = tui_model_names(m);
	char tag[FSC_ENRICH_TAG_MAX];

	if (!a->family)
		return tui_dash(buf, cap);
	if (!e) {
		/* No names at all: the Tailscale class still says a lot. */
		struct fsc_tsaddr_info ts;
		fsc_tsaddr_classify(a, &ts);
		enum fsc_enrich_role r = fsc_enrich_role_of(&ts);
		return r ? tui_put(buf, cap, "%s", fsc_enrich_role_name(r)) : tui_dash(buf, cap);
	}
	fsc_enrich_tag(e, a, tag, sizeof(tag));
	if (!tag[0]) {
		struct fsc_tsaddr_info ts;
		fsc_tsaddr_classify(a, &ts);
		enum fsc_enrich_role r = fsc_enrich_role_of(&ts);
		return r ? tui_put(buf, cap, "%s", fsc_enrich_role_name(r)) : tui_dash(buf, cap);
	}
	return tui_put(buf, cap, "%s", tag);
}

size_t tui_escaped(const char *p, size_t len, char *buf, size_t cap)
{
	return len ? tui_escape(p, len, buf, cap) : tui_dash(buf, cap);
}


/* ---------------------------------------------------------------- stage bar */

static const char bar_letters[FSC_STRETCH_TOTAL] = "eitbfl";

size_t tui_stage_bar(const int64_t *stretch, int width, char *buf, size_t cap)
{
	int64_t sum = 0, rem[FSC_STRETCH_TOTAL] = { 0 };
	int cells[FSC_STRETCH_TOTAL] = { 0 }, timed = 0, seen = 0, last = 0;
	size_t n = 0;

	for (int k = 0; k < FSC_STRETCH_TOTAL; k++) {
		if (stretch[k] < 0)
			continue;
		seen++;
		last = k;
		if (stretch[k] > 0) {
			sum += stretch[k];
			timed++;
		}
	}
	if (!seen || width <= 0)
		return tui_dash(buf, cap);
	/* A cell for each stretch that took time (while there is room),
	 * the rest by share: floors, then the largest remainders. */
	int left = width;
	for (int k = 0; k < FSC_STRETCH_TOTAL && left > 0; k++)
		if (stretch[k] > 0) {
			cells[k] = 1;
			left--;
		}
	int spread = left;
	for (int k = 0; k < FSC_STRETCH_TOTAL && timed && spread; k++) {
		if (stretch[k] <= 0)
			continue;
		int c = (int)((double)stretch[k] * spread / (double)sum);
		cells[k] += c;
		left -= c;
		rem[k] = stretch[k] * spread - (int64_t)c * sum;
	}
	while (left > 0 && timed) {
		int best = -1;
		for (int k = 0; k < FSC_STRETCH_TOTAL; k++)
			if (stretch[k] > 0 && rem[k] >= 0 && (best < 0 || rem[k] > rem[best]))
				best = k;
		if (best < 0)
			break;
		cells[best]++;
		rem[best] = -1;
		left--;
	}
	if (!timed) /* every stretch seen took no time: the last, whole */
		cells[last] = width;
	for (int k = 0; k < FSC_STRETCH_TOTAL; k++)
		for (int c = 0; c < cells[k] && n + 1 < cap; c++)
			buf[n++] = bar_letters[k];
	buf[n] = '\0';
	return n;
}

size_t tui_stage_figures(const int64_t *stretch, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = 0; k < FSC_STRETCH_TOTAL && n + 1 < cap; k++)
		if (stretch[k] >= 0)
			n += tui_put(buf + n, cap - n, "%s%c%.3f", n ? "/" : "", bar_letters[k],
				     (double)stretch[k] / 1e6);
	return n ? n : tui_dash(buf, cap);
}
