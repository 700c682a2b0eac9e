/* test_pipeline.c - the per-frame path: payloads the capture cut are said to
 * be truncated (never passed off as plain UDP or a clean segment), first
 * fragments are not, and stream events that are cut count as truncated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/pipeline.h"
#include "vectors.h"

#define LT_RAW 101

struct seen {
	enum fsc_event_type type;
	enum fsc_status status;
	char why[64];
};

static struct seen ev[16];
static unsigned n_ev;

static void record(const struct fsc_event *e, void *ctx)
{
	(void)ctx;
	assert_true(n_ev < 16);
	ev[n_ev].type = e->type;
	ev[n_ev].status = e->status;
	ev[n_ev].why[0] = '\0';
	if (e->why)
		strncat(ev[n_ev].why, e->why, sizeof(ev[n_ev].why) - 1);
	n_ev++;
}

/* IPv4 198.18.0.1 -> 198.18.0.2, proto, flags/fragment word, then l4. */
static size_t ip4(uint8_t *b, uint8_t proto, uint16_t frag, const uint8_t *l4, size_t n)
{
	static const uint8_t hdr[20] = {
		0x45, 0x00, 0x00, 0x00,	/* version 4, IHL 5, total (below) */
		0x00, 0x01, 0x00, 0x00,	/* id 1, flags/offset (below) */
		0x40, 0x00, 0x00, 0x00,	/* TTL 64, proto (below), checksum */
		198, 18, 0, 1,		/* src */
		198, 18, 0, 2,		/* dst */
	};
	memcpy(b, hdr, 20);
	b[2] = (uint8_t)((20 + n) >> 8);
	b[3] = (uint8_t)(20 + n);
	b[6] = (uint8_t)(frag >> 8);
	b[7] = (uint8_t)frag;
	b[9] = proto;
	memcpy(b + 20, l4, n);
	return 20 + n;
}

/* UDP 41641 -> 51820 around a WireGuard initiation (148 bytes). */
static size_t wg_udp(uint8_t *b)
{
	b[0] = 41641 >> 8;
	b[1] = 41641 & 0xff;
	b[2] = 51820 >> 8;
	b[3] = 51820 & 0xff;
	b[4] = 0;
	b[5] = 8 + 148;		/* UDP length */
	b[6] = b[7] = 0;
	memset(b + 8, 0, 148);
	b[8] = 1;		/* initiation, reserved zero */
	b[9 + 3] = 0x44;	/* sender index */
	memset(b + 8 + 116, 0x11, 16); /* mac1 */
	return 8 + 148;
}

/* Hands the first caplen of len bytes to the pipeline, placed before an
 * unreadable page. */
static void frame(struct fsc_pipeline *pl, const uint8_t *b, size_t caplen, size_t len)
{
	struct fsc_frame f;
	uint8_t *g = vec_guard(b, caplen);

	memset(&f, 0, sizeof(f));
	f.data = g;
	f.caplen = (uint32_t)caplen;
	f.wirelen = (uint32_t)len;
	f.sec = 1767225600;
	f.linktype = LT_RAW;
	f.number = 1;
	fsc_pipeline_frame(pl, &f, record, NULL);
	vec_guard_free(g, caplen);
}

static void udp_payload_cut(void **state)
{
	(void)state;
	uint8_t l4[200], pkt[256];
	struct fsc_pipeline *pl = fsc_pipeline_new(NULL);
	size_t n = ip4(pkt, 17, 0x4000, l4, wg_udp(l4));

	assert_non_null(pl);
	n_ev = 0;
	frame(pl, pkt, n, n);
	assert_int_equal(ev[0].type, FSC_EV_WG);
	assert_int_equal(ev[0].status, FSC_OK);
	/* every cut inside the message: never plain, clean UDP */
	for (size_t cut = 28; cut < n; cut++) {
		n_ev = 0;
		frame(pl, pkt, cut, n);
		assert_int_equal(n_ev, 1);
		assert_int_equal(ev[0].type, FSC_EV_UDP);
		assert_int_equal(ev[0].status, FSC_TRUNCATED);
		assert_string_equal(ev[0].why, "payload cut by the snapshot length");
	}
	assert_int_equal(fsc_pipeline_stats(pl)->truncated, n - 28);
	fsc_pipeline_free(pl);
}

/* A first fragment ends early by design: its UDP payload is short of the
 * UDP length without being cut. */
static void first_fragment_not_cut(void **state)
{
	(void)state;
	uint8_t l4[200], pkt[256];
	struct fsc_pipeline *pl = fsc_pipeline_new(NULL);

	wg_udp(l4);
	size_t n = ip4(pkt, 17, 0x2000 /* more fragments */, l4, 8 + 40);
	n_ev = 0;
	frame(pl, pkt, n, n);
	assert_int_equal(n_ev, 1);
	assert_int_not_equal(ev[0].status, FSC_TRUNCATED);
	fsc_pipeline_free(pl);
}

static void tcp_payload_cut(void **state)
{
	(void)state;
	static const uint8_t seg[20 + 30] = {
		0x9c, 0x40, 0x01, 0xbb,	/* 40000 -> 443 */
		0, 0, 0x03, 0xe8,	/* seq 1000 */
		0, 0, 0, 0,		/* ack */
		0x50, 0x18, 0xff, 0xff,	/* data offset 5, PSH ACK, window */
		0, 0, 0, 0,		/* checksum, urgent */
		'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1',
		'\r', '\n', 'H', 'o', 's', 't', ':', ' ', 'h', '\r', '\n', '\r', '\n',
	};
	uint8_t pkt[128];
	struct fsc_pipeline *pl = fsc_pipeline_new(NULL);
	size_t n = ip4(pkt, 6, 0x4000, seg, sizeof(seg));

	n_ev = 0;
	frame(pl, pkt, n - 10, n);
	assert_int_equal(ev[0].type, FSC_EV_TCP);
	assert_int_equal(ev[0].status, FSC_TRUNCATED);
	assert_string_equal(ev[0].why, "payload cut by the snapshot length");
	/* the whole segment is clean, and so is its request */
	fsc_pipeline_free(pl);
	pl = fsc_pipeline_new(NULL);
	n_ev = 0;
	frame(pl, pkt, n, n);
	assert_int_equal(ev[0].type, FSC_EV_TCP);
	assert_int_equal(ev[0].status, FSC_OK);
	assert_int_equal(n_ev, 2);
	assert_int_equal(ev[1].type, FSC_EV_HTTP_REQUEST);
	assert_int_equal(ev[1].status, FSC_OK);
	fsc_pipeline_free(pl);
}

/* A request head the input ends inside: a truncated stream event at the
 * flush, counted with the truncated ones. */
static void cut_head_counted(void **state)
{
	(void)state;
	static const uint8_t seg[20 + 22] = {
		0x9c, 0x40, 0x00, 0x50,	/* 40000 -> 80 */
		0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0,
		'G', 'E', 'T', ' ', '/', 'c', 'u', 't', ' ', 'H', 'T', 'T', 'P', '/',
		'1', '.', '1', '\r', '\n', 'H', 'o', 's',
	};
	uint8_t pkt[128];
	struct fsc_pipeline *pl = fsc_pipeline_new(NULL);
	size_t n = ip4(pkt, 6, 0x4000, seg, sizeof(seg));

	n_ev = 0;
	frame(pl, pkt, n, n);
	assert_int_equal(n_ev, 1);
	fsc_pipeline_flush(pl, record, NULL);
	assert_int_equal(n_ev, 2);
	assert_int_equal(ev[1].type, FSC_EV_HTTP_REQUEST);
	assert_int_equal(ev[1].status, FSC_TRUNCATED);
	assert_string_equal(ev[1].why, "the stream ended inside the head");
	assert_int_equal(fsc_pipeline_stats(pl)->truncated, 1);
	fsc_pipeline_free(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(udp_payload_cut),
		cmocka_unit_test(first_fragment_not_cut),
		cmocka_unit_test(tcp_payload_cut),
		cmocka_unit_test(cut_head_counted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
