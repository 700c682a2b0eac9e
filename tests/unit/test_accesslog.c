/* test_accesslog.c - request records as access log lines: the combined
 * format byte for byte, JSON keys and their selection, redaction of header
 * values and query parameters, client truncation, escaping of hostile text
 * and the line cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/accesslog.h"

static char line[FSC_ACCESSLOG_LINE_MAX];

static void set(char *dst, uint16_t *len, const char *s)
{
	strcpy(dst, s);
	*len = (uint16_t)strlen(s);
}

/* A complete GET from 66.249.72.211 (xff-single) at 2026-11-25 07:54:33. */
static void sample(struct fsc_request *r)
{
	memset(r, 0, sizeof(*r));
	r->state = FSC_REQ_COMPLETE;
	r->seq = 7;
	r->index = 2;
	r->flow_id = 3;
	fsc_addr_parse("127.0.0.1", &r->src);
	fsc_addr_parse("127.0.0.1", &r->dst);
	r->sport = 50238;
	r->dport = 2367;
	r->req = (struct fsc_req_seen){ .seen = true, .ts_ns = 1795593273973370000ll, .frame = 4 };
	r->client.rule = FSC_CLIENT_XFF_SINGLE;
	fsc_addr_parse("66.249.72.211", &r->client.addr);
	r->minor_version = 1;
	set(r->method, &r->method_len, "GET");
	set(r->target, &r->target_len, "/p?a=1&token=s3cret&b#frag");
	set(r->host, &r->host_len, "node.example.ts.net");
	set(r->user_agent, &r->ua_len, "curl/8 \"quoted\"");
	r->status = 200;
	set(r->reason, &r->reason_len, "OK");
	r->first_ns = 330000;
	r->last_ns = 412000;
	r->resp_body_known = r->resp_body_measured = true;
	r->resp_body_len = 23;
}

static void combined_line(void **state)
{
	(void)state;
	struct fsc_request r;
	sample(&r);
	size_t n = fsc_accesslog_format(&r, NULL, line, sizeof(line));
	assert_string_equal(line, "66.249.72.211 - - [25/Nov/2026:07:54:33 +0000] "
				  "\"GET /p?a=1&token=s3cret&b#frag HTTP/1.1\" 200 23 \"-\" "
				  "\"curl/8 \\\"quoted\\\"\"\n");
	assert_int_equal(n, strlen(line));
	/* unanswered: 499, no size; no client: the sender */
	r.status = 0;
	r.client.rule = FSC_CLIENT_NONE;
	memset(&r.client.addr, 0, sizeof(r.client.addr));
	fsc_accesslog_format(&r, NULL, line, sizeof(line));
	assert_non_null(strstr(line, "127.0.0.1 - - ["));
	assert_non_null(strstr(line, "HTTP/1.1\" 499 - \"-\""));
	/* too small a buffer: nothing, and says so */
	assert_int_equal(fsc_accesslog_format(&r, NULL, line, 20), 0);
}

static void redaction(void **state)
{
	(void)state;
	struct fsc_request r;
	struct fsc_accesslog_opts o = {
		.redact_query = { "token", "b" }, .n_redact_query = 2,
		.redact_headers = { "user-agent" }, .n_redact_headers = 1,
		.truncate_clients = true,
	};
	sample(&r);
	fsc_accesslog_format(&r, &o, line, sizeof(line));
	assert_string_equal(line, "66.249.72.0 - - [25/Nov/2026:07:54:33 +0000] "
				  "\"GET /p?a=1&token=REDACTED&b#frag HTTP/1.1\" 200 23 \"-\" "
				  "\"REDACTED\"\n");
	char out[64];
	/* no query; an empty one; a name without '='; the name as a prefix */
	assert_int_equal(fsc_accesslog_redact_target("/x", 2, &o, out, sizeof(out)), 2);
	assert_string_equal(out, "/x");
	fsc_accesslog_redact_target("/x?", 3, &o, out, sizeof(out));
	assert_string_equal(out, "/x?");
	fsc_accesslog_redact_target("/x?tokenx=1&b=2&token", 21, &o, out, sizeof(out));
	assert_string_equal(out, "/x?tokenx=1&b=REDACTED&token");
	assert_int_equal(fsc_accesslog_redact_target("/x?b=22", 7, &o, out, 8), 8); /* cut */
	/* IPv6 to its /48 */
	fsc_addr_parse("2001:db8:cafe:1::17", &r.client.addr);
	struct fsc_addr a = fsc_accesslog_client(&r, &o);
	char s[FSC_ADDR_STRLEN];
	assert_string_equal(fsc_addr_str(&a, s), "2001:db8:cafe::");
}

static void json_keys(void **state)
{
	(void)state;
	struct fsc_request r;
	struct fsc_accesslog_opts o = { .format = FSC_ACCESSLOG_JSON, .type_key = true };
	sample(&r);
	r.n_fields = 1;
	r.fields[0] = (struct fsc_req_field){ .name = "Cookie", .present = true, .len = 3 };
	strcpy(r.fields[0].value, "a=1");
	/* hostile text is escaped once, here */
	set(r.host, &r.host_len, "h\x1b[31m\"");
	fsc_accesslog_format(&r, &o, line, sizeof(line));
	static const char head[] = "{\"ts\":1795593273.973370,\"type\":\"request\","
				   "\"state\":\"complete\",\"flow\":3,\"seq\":7,\"request\":2,";
	assert_memory_equal(line, head, sizeof(head) - 1);
	assert_non_null(strstr(line, "\"client\":\"66.249.72.211\",\"client_rule\":\"xff-single\""));
	assert_non_null(strstr(line, "\"host\":\"h\\u001b[31m\\\"\""));
	assert_non_null(strstr(line, "\"latency_ms\":0.330,\"latency_last_ms\":0.412"));
	assert_non_null(strstr(line, "\"request_headers\":{\"Cookie\":\"a=1\"}"));
	assert_null(strchr(line, '\x1b'));
	/* selected keys only; a redacted field */
	o.keys = 1u << FSC_AK_CLIENT | 1u << FSC_AK_HEADERS;
	o.type_key = false;
	o.redact_headers[0] = "cookie";
	o.n_redact_headers = 1;
	fsc_accesslog_format(&r, &o, line, sizeof(line));
	assert_string_equal(line, "{\"client\":\"66.249.72.211\",\"client_rule\":\"xff-single\","
				  "\"request_headers\":{\"Cookie\":\"REDACTED\"}}\n");
	assert_int_equal(fsc_accesslog_key_parse("user_agent", 10), FSC_AK_USER_AGENT);
	assert_int_equal(fsc_accesslog_key_parse("user", 4), FSC_AK_COUNT);
	assert_string_equal(fsc_accesslog_key_name(FSC_AK_SEEN), "seen");
}

/* Every text field at its cap and at its worst still fits a line. */
static void worst_case_fits(void **state)
{
	(void)state;
	static struct fsc_request r;
	struct fsc_accesslog_opts o = { .format = FSC_ACCESSLOG_JSON };
	sample(&r);
	memset(r.target, 0x80, FSC_REQ_TARGET_MAX);
	r.target_len = FSC_REQ_TARGET_MAX;
	memset(r.user_agent, 0x01, FSC_REQ_UA_MAX);
	r.ua_len = FSC_REQ_UA_MAX;
	memset(r.referer, 0x02, FSC_REQ_REFERER_MAX);
	r.referer_len = FSC_REQ_REFERER_MAX;
	memset(r.xff, 0xff, FSC_REQ_XFF_MAX);
	r.xff_len = FSC_REQ_XFF_MAX;
	r.n_fields = FSC_REQ_FIELDS_MAX;
	for (int i = 0; i < FSC_REQ_FIELDS_MAX; i++) {
		r.fields[i] = (struct fsc_req_field){ .name = "X", .present = true,
						      .len = FSC_REQ_FIELD_MAX };
		memset(r.fields[i].value, 0x7f, FSC_REQ_FIELD_MAX);
	}
	assert_true(fsc_accesslog_format(&r, &o, line, sizeof(line)) > 0);
	o.format = FSC_ACCESSLOG_COMBINED;
	assert_true(fsc_accesslog_format(&r, &o, line, sizeof(line)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(combined_line),
		cmocka_unit_test(redaction),
		cmocka_unit_test(json_keys),
		cmocka_unit_test(worst_case_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
