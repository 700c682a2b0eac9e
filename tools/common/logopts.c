/* logopts.c - the access log options fdecode and fwatch share (logopts.h). */
#include "logopts.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fsc/span.h"

bool fsc_logopt_header_name(const char *s)
{
	if (!*s || strlen(s) > FSC_REQ_FIELD_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!fsc_byteset_has(&fsc_tchar_set, (uint8_t)*s))
			return false;
	return true;
}

static int parse_keys(const char *prog, const char *arg, struct fsc_accesslog_opts *o)
{
	const char *p = arg;

	o->keys = 0;
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		enum fsc_accesslog_key k = fsc_accesslog_key_parse(p, n);
		if (k == FSC_AK_COUNT) {
			char why[96];
			snprintf(why, sizeof(why), "no field '%.*s' (see %s --help)",
				 (int)(n < 32 ? n : 32), p, prog);
			fsc_cli_bad(prog, 0, "--access-log-fields", arg, why);
			return -1;
		}
		o->keys |= 1u << k;
		p += n + (c != NULL);
	}
	if (!o->keys) {
		fsc_cli_bad(prog, 0, "--access-log-fields", arg, "no field");
		return -1;
	}
	return 1;
}

static int add_redact(const char *prog, bool query, const char *arg,
		      struct fsc_accesslog_opts *o)
{
	const char *opt = query ? "--redact-query" : "--redact";
	size_t *n = query ? &o->n_redact_query : &o->n_redact_headers;

	if (!*arg || (!query && !fsc_logopt_header_name(arg))) {
		fsc_cli_bad(prog, 0, opt, arg, query ? "empty" : "not a header name");
		return -1;
	}
	if (*n == FSC_ACCESSLOG_REDACT_MAX) {
		fprintf(stderr, "%s: at most %d %s\n", prog, FSC_ACCESSLOG_REDACT_MAX, opt);
		return -1;
	}
	(query ? o->redact_query : o->redact_headers)[(*n)++] = arg;
	return 1;
}

int fsc_logopt_apply(const char *prog, int c, const char *arg, struct fsc_accesslog_opts *o)
{
	switch (c) {
	case FSC_LOPT_FORMAT:
		if (strcmp(arg, "combined") == 0)
			o->format = FSC_ACCESSLOG_COMBINED;
		else if (strcmp(arg, "json") == 0)
			o->format = FSC_ACCESSLOG_JSON;
		else {
			fsc_cli_bad(prog, 0, "--access-log-format", arg, "not combined or json");
			return -1;
		}
		return 1;
	case FSC_LOPT_FIELDS:
		return parse_keys(prog, arg, o);
	case FSC_LOPT_REDACT:
	case FSC_LOPT_REDACT_QUERY:
		return add_redact(prog, c == FSC_LOPT_REDACT_QUERY, arg, o);
	case FSC_LOPT_TRUNCATE_CLIENTS:
		o->truncate_clients = true;
		return 1;
	default:
		return 0;
	}
}
