/* test_reasm.c - TCP reassembly with hand-built segments: order, holes,
 * overlaps, wraparound, mid-stream starts, gaps, skips, caps, consumers
 * that take part of what they are offered, and a seeded property test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "flowkit.h"

#define CI 1000u /* client ISN: its bytes start at CI + 1 */
#define SI 5000u
#define C0 (CI + 1)
#define S0 (SI + 1)

static const struct fsc_flow_stats *st(struct kit *k)
{
	return fsc_flows_stats(k->t);
}

/* Consumes through the last newline, or nothing. */
static size_t upto_nl(struct kit *k, struct fsc_flow *f, int dir, const uint8_t *p,
		      size_t len, unsigned flags)
{
	(void)k;
	(void)f;
	(void)dir;
	(void)flags;
	for (size_t i = len; i > 0; i--)
		if (p[i - 1] == '\n')
			return i;
	return 0;
}

/* Consumes a whole HTTP-like head once "\r\n\r\n" is there, and skips the
 * body its Content-Length announces. */
static size_t head_then_skip(struct kit *k, struct fsc_flow *f, int dir,
			     const uint8_t *p, size_t len, unsigned flags)
{
	(void)k;
	(void)flags;
	for (size_t i = 0; i + 4 <= len; i++) {
		if (memcmp(p + i, "\r\n\r\n", 4) != 0)
			continue;
		const char *cl = "Content-Length: ";
		for (size_t j = 0; j + strlen(cl) < i; j++) {
			if (memcmp(p + j, cl, strlen(cl)) == 0) {
				uint64_t n = 0;
				for (size_t q = j + strlen(cl); p[q] >= '0' && p[q] <= '9'; q++)
					n = n * 10 + (uint64_t)(p[q] - '0');
				fsc_flow_skip(f, dir, n);
			}
		}
		return i + 4;
	}
	return 0;
}

static void in_order(void **state)
{
	(void)state;
	struct kit k;
	const char *req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	const char *resp = "HTTP/1.1 204 No Content\r\n\r\n";
	uint32_t rl = (uint32_t)strlen(req), sl = (uint32_t)strlen(resp);

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK | PSH, C0, S0, req, 10);
	kit_send(&k, S_NS, 0, ACK | PSH, C0 + 10, S0, req + 10, 10);
	kit_send(&k, S_NS, 0, ACK | PSH, C0 + 20, S0, req + 20, rl - 20);
	kit_send(&k, S_NS, 1, ACK | PSH, S0, C0 + rl, resp, sl);
	assert_int_equal(k.out_len[0], rl);
	assert_memory_equal(k.out[0], req, rl);
	assert_int_equal(k.out_len[1], sl);
	assert_memory_equal(k.out[1], resp, sl);
	for (unsigned i = 0; i < k.calls[0]; i++)
		assert_int_equal(k.call_flags[0][i], 0);
	assert_int_equal(k.gaps, 0);
	/* FIN both ways closes it, once; the last ACK is absorbed. */
	const struct fsc_flow *f = kit_send(&k, S_NS, 0, FIN | ACK, C0 + rl, S0 + sl, NULL, 0);
	assert_true(f->dir[0].fin);
	assert_int_equal(k.closes, 0);
	kit_send(&k, S_NS, 1, FIN | ACK, S0 + sl, C0 + rl + 1, NULL, 0);
	assert_int_equal(k.closes, 1);
	assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
	kit_send(&k, S_NS, 0, ACK, C0 + rl + 1, S0 + sl + 1, NULL, 0);
	assert_int_equal(k.opens, 1);
	assert_int_equal(st(&k)->absorbed, 1);
	assert_int_equal(st(&k)->ooo_segments, 0);
	assert_int_equal(st(&k)->retransmits, 0);
	assert_int_equal(st(&k)->mem_in_use, 0);
	/* In order and consumed at once: never copied into a buffer. */
	assert_int_equal(st(&k)->mem_peak, 0);
	kit_done(&k);
}

static void out_of_order(void **state)
{
	(void)state;
	struct kit k;
	const char *s = "aaaaaaaaaabbbbbbbbbbcccccccccc";

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0 + 20, S0, s + 20, 10);
	assert_int_equal(k.calls[0], 0);
	kit_send(&k, S_NS, 0, ACK, C0, S0, s, 10);
	assert_int_equal(k.out_len[0], 10);
	kit_send(&k, S_NS, 0, ACK, C0 + 10, S0, s + 10, 10);
	assert_int_equal(k.out_len[0], 30);
	assert_memory_equal(k.out[0], s, 30);
	/* the hole filled: the island came with it in one offer */
	assert_int_equal(k.calls[0], 2);
	assert_int_equal(k.call_len[0][1], 20);
	assert_int_equal(st(&k)->ooo_segments, 1);
	assert_int_equal(st(&k)->ooo_bytes, 10);
	assert_int_equal(k.gaps, 0);
	assert_int_equal(st(&k)->mem_in_use, 0); /* buffer back in the pool */
	kit_done(&k);
}

static void retransmit(void **state)
{
	(void)state;
	struct kit k;
	const char *s = "0123456789abcdefghij";

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, s, 10);
	kit_send(&k, S_NS, 0, ACK, C0, S0, s, 10);	/* again */
	kit_send(&k, S_NS, 0, ACK, C0 + 10, S0, s + 10, 10);
	kit_send(&k, S_NS, 0, ACK, C0 + 5, S0, s + 5, 10); /* old, in two */
	kit_send(&k, S_NS, 0, ACK, C0 + 15, S0, s + 15, 5);
	assert_int_equal(k.out_len[0], 20);
	assert_memory_equal(k.out[0], s, 20);
	assert_int_equal(st(&k)->retransmits, 3);
	assert_int_equal(st(&k)->retransmit_bytes, 25);
	assert_int_equal(st(&k)->contradictions, 0);
	kit_done(&k);
}

static void overlap_first_wins(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	/* an island [10, 20), then [5, 25) disagreeing inside it */
	kit_send(&k, S_NS, 0, ACK, C0 + 10, S0, "BBBBBBBBBB", 10);
	kit_send(&k, S_NS, 0, ACK, C0 + 5, S0, "xxxxxXXXXXXXXXXyyyyy", 20);
	assert_int_equal(k.calls[0], 0);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aaaaa", 5);
	assert_int_equal(k.out_len[0], 25);
	assert_memory_equal(k.out[0], "aaaaaxxxxxBBBBBBBBBByyyyy", 25);
	assert_int_equal(st(&k)->overlaps, 1);
	assert_int_equal(st(&k)->overlap_bytes, 10);
	assert_int_equal(st(&k)->contradictions, 1);
	assert_int_equal(st(&k)->contradiction_bytes, 10);
	kit_done(&k);
}

static void contradiction_in_pending(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	k.policy = upto_nl;
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "hello wor", 9);
	assert_int_equal(k.out_len[0], 0);
	/* the same bytes again, one of them different: the first stay */
	kit_send(&k, S_NS, 0, ACK, C0, S0, "hellO wor", 9);
	kit_send(&k, S_NS, 0, ACK, C0 + 4, S0, "X worl", 6);
	kit_send(&k, S_NS, 0, ACK, C0 + 10, S0, "d\n", 2);
	assert_int_equal(k.out_len[0], 12);
	assert_memory_equal(k.out[0], "hello world\n", 12);
	assert_int_equal(st(&k)->contradictions, 2);
	assert_int_equal(st(&k)->contradiction_bytes, 2);
	assert_int_equal(st(&k)->retransmits, 1);
	assert_int_equal(st(&k)->overlaps, 1);
	kit_done(&k);
}

static void wraparound(void **state)
{
	(void)state;
	struct kit k;
	uint8_t s[64];
	uint32_t ci = 0xffffffefu; /* data starts at 2^32 - 16 */
	static const int order[] = { 0, 1, 3, 2, 5, 4, 6, 7 };

	for (unsigned i = 0; i < sizeof(s); i++)
		s[i] = (uint8_t)(i * 7 + 1);
	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, ci, SI);
	for (unsigned i = 0; i < 8; i++) {
		unsigned j = (unsigned)order[i];
		kit_send(&k, S_NS, 0, ACK, ci + 1 + 8 * j, S0, s + 8 * j, 8);
	}
	kit_send(&k, S_NS, 0, ACK, ci + 1 + 8, S0, s + 8, 8); /* old, across */
	assert_int_equal(k.out_len[0], 64);
	assert_memory_equal(k.out[0], s, 64);
	assert_int_equal(st(&k)->retransmits, 1);
	assert_int_equal(k.gaps, 0);
	kit_send(&k, S_NS, 0, FIN | ACK, ci + 1 + 64, S0, NULL, 0);
	kit_send(&k, S_NS, 1, FIN | ACK, S0, ci + 66, NULL, 0);
	assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
	kit_done(&k);
}

static void midstream_start(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	const struct fsc_flow *f = kit_send(&k, S_NS, 0, ACK | PSH, 777777, 4242, "abc", 3);
	assert_true(f->dir[0].midstream);
	assert_false(f->dir[0].syn);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_MIDSTREAM);
	assert_int_equal(k.gap_missing[0], 0);
	kit_send(&k, S_NS, 0, ACK | PSH, 777780, 4242, "def", 3);
	assert_int_equal(k.calls[0], 2);
	assert_true(k.call_flags[0][0] & FSC_DATA_RESYNC);
	assert_false(k.call_flags[0][1] & FSC_DATA_RESYNC);
	assert_memory_equal(k.out[0], "abcdef", 6);
	/* the other side starts mid-stream too */
	kit_send(&k, S_NS, 1, ACK | PSH, 4242, 777783, "xy", 2);
	assert_int_equal(k.gaps, 2);
	assert_int_equal(k.gap_dir[1], 1);
	assert_true(k.call_flags[1][0] & FSC_DATA_RESYNC);
	assert_int_equal(st(&k)->gaps[FSC_GAP_MIDSTREAM], 2);
	kit_done(&k);
}

static void synack_first(void **state)
{
	(void)state;
	struct kit k;
	int dir;

	kit_init(&k, NULL);
	/* The SYN was not captured: the SYN/ACK still names the client's
	 * start, so its bytes are not mid-stream. */
	struct fsc_packet pkt = kit_pkt_port(40000, 1, SYN | ACK, SI, C0, NULL, 0);
	const struct fsc_flow *f = kit_packet(&k, &pkt, S_NS, &dir);
	assert_int_equal(dir, 1);
	assert_int_equal(f->port[0], 40000);
	assert_int_equal(f->port[1], 443);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "hi", 2);
	assert_false(f->dir[0].midstream);
	assert_int_equal(k.gaps, 0);
	assert_int_equal(k.out_len[0], 2);
	assert_int_equal(k.call_flags[0][0], 0);
	kit_done(&k);
}

static void gap_acked(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aaaaaaaaaa", 10);
	kit_send(&k, S_NS, 0, ACK, C0 + 20, S0, "cccccccccc", 10);
	/* the server acknowledges past the hole: [10, 20) will never come */
	kit_send(&k, S_NS, 1, ACK, S0, C0 + 30, NULL, 0);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_ACKED);
	assert_int_equal(k.gap_missing[0], 10);
	assert_int_equal(k.out_len[0], 20);
	assert_memory_equal(k.out[0], "aaaaaaaaaacccccccccc", 20);
	assert_true(k.call_flags[0][1] & FSC_DATA_RESYNC);
	assert_int_equal(st(&k)->gap_bytes, 10);
	/* the missing bytes, late: old now */
	kit_send(&k, S_NS, 0, ACK, C0 + 10, S0, "bbbbbbbbbb", 10);
	assert_int_equal(k.out_len[0], 20);
	kit_done(&k);
}

static void gap_timeout(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aaaa", 4);
	kit_send(&k, 2 * S_NS, 0, ACK, C0 + 8, S0, "cccc", 4);
	kit_send(&k, 6 * S_NS, 1, 0, S0, 0, NULL, 0); /* 4 s: still waiting */
	assert_int_equal(k.gaps, 0);
	kit_send(&k, 8 * S_NS, 1, 0, S0, 0, NULL, 0);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_TIMEOUT);
	assert_int_equal(k.gap_missing[0], 4);
	assert_memory_equal(k.out[0], "aaaacccc", 8);
	kit_done(&k);
}

static void gap_ooo_limits(void **state)
{
	(void)state;
	struct kit k;
	uint8_t x[10];
	struct fsc_flow_limits lim = { .max_flows = 8, .dir_cap = 4096, .mem_cap = 1 << 16 };

	memset(x, 'x', sizeof(x));
	kit_init(&k, &lim);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aaaaaaaaaa", 10);
	/* more separate islands than allowed: the first hole is given up */
	for (unsigned i = 1; i <= FSC_FLOW_MAX_HOLES + 1; i++)
		kit_send(&k, S_NS, 0, ACK, C0 + 20 * i, S0, x, 10);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_OOO_LIMIT);
	assert_int_equal(k.gap_missing[0], 10);
	assert_int_equal(k.out_len[0], 20);
	/* a segment further ahead than dir_cap: every hole before it goes */
	kit_send(&k, S_NS, 0, ACK, C0 + 20 + 5000, S0, "zz", 2);
	assert_int_equal(st(&k)->gaps[FSC_GAP_OOO_LIMIT], 1 + FSC_FLOW_MAX_HOLES + 1);
	assert_int_equal(k.out_len[0], 10 + 10 * (FSC_FLOW_MAX_HOLES + 1) + 2);
	assert_memory_equal(k.out[0] + k.out_len[0] - 2, "zz", 2);
	assert_true(k.call_flags[0][k.calls[0] - 1] & FSC_DATA_RESYNC);
	kit_done(&k);
}

static void gap_at_close(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aa", 2);
	kit_send(&k, S_NS, 0, ACK, C0 + 4, S0, "cc", 2);
	fsc_flows_flush(k.t);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_CLOSE);
	assert_memory_equal(k.out[0], "aacc", 4);
	assert_int_equal(k.close_why[FSC_CLOSE_END], 1);
	assert_int_equal(st(&k)->active, 0);
	kit_done(&k);
}

static void snaplen_cut(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	struct fsc_packet pkt = kit_pkt_port(40000, 0, ACK, C0, S0, "0123456789", 10);
	pkt.payload_wire_len = 30; /* 20 bytes not captured */
	kit_packet(&k, &pkt, S_NS, NULL);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_SNAPLEN);
	assert_int_equal(k.gap_missing[0], 20);
	kit_send(&k, S_NS, 0, ACK, C0 + 30, S0, "next", 4);
	assert_memory_equal(k.out[0], "0123456789next", 14);
	assert_true(k.call_flags[0][1] & FSC_DATA_RESYNC);
	assert_int_equal(st(&k)->gap_bytes, 20);
	kit_done(&k);
}

static void fin_after_hole(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 1, FIN | ACK, S0, C0, NULL, 0);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "aaa", 3);
	kit_send(&k, S_NS, 0, FIN | ACK, C0 + 6, S0 + 1, "ccc", 3);
	assert_int_equal(k.closes, 0); /* [3, 6) still missing */
	kit_send(&k, S_NS, 0, ACK, C0 + 3, S0 + 1, "bbb", 3);
	assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
	assert_memory_equal(k.out[0], "aaabbbccc", 9);
	/* nothing lies past a FIN */
	assert_int_equal(k.gaps, 0);
	kit_done(&k);
}

static void rst_flushes_pending(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	k.policy = upto_nl;
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "line\npart", 9);
	assert_int_equal(k.out_len[0], 5);
	kit_send(&k, S_NS, 1, RST | ACK, S0, C0 + 9, NULL, 0);
	assert_int_equal(k.closes, 1);
	assert_int_equal(k.close_why[FSC_CLOSE_RST], 1);
	/* the unconsumed tail came once more, marked as the end */
	unsigned last = k.calls[0] - 1;
	assert_int_equal(k.call_len[0][last], 4);
	assert_true(k.call_flags[0][last] & FSC_DATA_END);
	assert_int_equal(st(&k)->dropped_bytes, 4);
	/* stragglers are absorbed; a new SYN is a new flow */
	kit_send(&k, S_NS, 0, ACK, C0 + 9, S0, NULL, 0);
	assert_int_equal(k.opens, 1);
	kit_handshake(&k, 2 * S_NS, 90000, 7000);
	assert_int_equal(k.opens, 2);
	kit_done(&k);
}

static void skip_across_segments(void **state)
{
	(void)state;
	struct kit k;
	char head[] = "POST /a HTTP/1.1\r\nContent-Length: 20\r\n\r\n";
	const char *body = "BBBBBBBBBBBBBBBBBBBB";
	const char *req2 = "GET /b HTTP/1.1\r\n\r\n";
	uint32_t hl = (uint32_t)strlen(head), r2 = (uint32_t)strlen(req2);
	uint8_t seg[128];

	kit_init(&k, NULL);
	k.policy = head_then_skip;
	kit_handshake(&k, S_NS, CI, SI);
	/* head + 5 body bytes; then the body's last 5 with req2's start, out
	 * of order; then the body's middle; then the rest of req2 */
	memcpy(seg, head, hl);
	memcpy(seg + hl, body, 5);
	kit_send(&k, S_NS, 0, ACK, C0, S0, seg, hl + 5);
	memcpy(seg, body + 15, 5);
	memcpy(seg + 5, req2, 6);
	kit_send(&k, S_NS, 0, ACK, C0 + hl + 15, S0, seg, 11);
	kit_send(&k, S_NS, 0, ACK, C0 + hl + 5, S0, body + 5, 10);
	kit_send(&k, S_NS, 0, ACK, C0 + hl + 20 + 6, S0, req2 + 6, r2 - 6);
	assert_int_equal(k.out_len[0], hl + r2);
	assert_memory_equal(k.out[0], head, hl);
	assert_memory_equal(k.out[0] + hl, req2, r2);
	assert_int_equal(st(&k)->skipped_bytes, 20);
	/* once the skip was known no body byte was held or offered */
	assert_int_equal(st(&k)->ooo_segments, 0);
	assert_int_equal(k.seen_bytes, (hl + 5) + 6 + r2);
	kit_done(&k);
}

static size_t skip_huge(struct kit *k, struct fsc_flow *f, int dir, const uint8_t *p,
			size_t len, unsigned flags)
{
	(void)flags;
	if (k->calls[dir] == 1) {
		fsc_flow_skip(f, dir, 5ull * (1u << 30) + 50);
		return 2;
	}
	for (size_t i = 0; i < len; i++)
		assert_int_equal(p[i], 'c');
	assert_true(fsc_flow_offset(f, dir) == 2 + 5ull * (1u << 30) + 50);
	return len;
}

static void skip_beyond_2_32(void **state)
{
	(void)state;
	struct kit k;
	uint8_t seg[100];
	const struct fsc_flow *f;

	kit_init(&k, NULL);
	k.policy = skip_huge;
	kit_handshake(&k, S_NS, 0x70000000u, SI);
	uint32_t at = 0x70000001u;
	f = kit_send(&k, S_NS, 0, ACK, at, S0, "H\n", 2);
	assert_true(fsc_flow_skipping(f, 0) == 5ull * (1u << 30) + 50);
	at += 2;
	/* the sender moves on through 5 GiB (more than 2^32) of body */
	memset(seg, 'b', sizeof(seg));
	for (uint32_t i = 1; i < 10; i++)
		kit_send(&k, S_NS, 0, ACK, at + i * (1u << 29), S0, seg, sizeof(seg));
	assert_int_equal(k.calls[0], 1);
	memset(seg + 50, 'c', 50);
	kit_send(&k, S_NS, 0, ACK, at + 10 * (1u << 29), S0, seg, sizeof(seg));
	assert_int_equal(k.calls[0], 2);
	assert_int_equal(k.out_len[0], 52);
	assert_true(fsc_flow_skipping(f, 0) == 0);
	assert_int_equal(st(&k)->skipped_bytes, 9 * 100 + 50);
	kit_done(&k);
}

static size_t never(struct kit *k, struct fsc_flow *f, int dir, const uint8_t *p,
		    size_t len, unsigned flags)
{
	(void)k;
	(void)f;
	(void)dir;
	(void)p;
	(void)len;
	(void)flags;
	return 0;
}

static size_t half_when_full(struct kit *k, struct fsc_flow *f, int dir,
			     const uint8_t *p, size_t len, unsigned flags)
{
	(void)k;
	(void)f;
	(void)dir;
	(void)p;
	return flags & FSC_DATA_FULL ? len / 2 : 0;
}

static void cap_hit(void **state)
{
	(void)state;
	struct kit k;
	uint8_t x[500];
	struct fsc_flow_limits lim = { .max_flows = 8, .dir_cap = 1024, .mem_cap = 1 << 16 };

	memset(x, 'x', sizeof(x));
	kit_init(&k, &lim);
	k.policy = never;
	kit_handshake(&k, S_NS, CI, SI);
	for (uint32_t i = 0; i < 3; i++)
		kit_send(&k, S_NS, 0, ACK, C0 + 500 * i, S0, x, 500);
	/* 1000 held, then 1024 offered as FULL, dropped, 476 after it */
	assert_int_equal(st(&k)->cap_hits, 1);
	assert_int_equal(k.gaps, 1);
	assert_int_equal(k.gap_why[0], FSC_GAP_CAP);
	assert_int_equal(k.gap_missing[0], 1024);
	unsigned full = k.calls[0] - 2, after = k.calls[0] - 1;
	assert_int_equal(k.call_len[0][full], 1024);
	assert_true(k.call_flags[0][full] & FSC_DATA_FULL);
	assert_int_equal(k.call_len[0][after], 476);
	assert_true(k.call_flags[0][after] & FSC_DATA_RESYNC);
	assert_int_equal(st(&k)->dropped_bytes, 1024);
	kit_done(&k);

	/* A consumer that makes room when told loses nothing. */
	kit_init(&k, &lim);
	k.policy = half_when_full;
	kit_handshake(&k, S_NS, CI, SI);
	for (uint32_t i = 0; i < 6; i++)
		kit_send(&k, S_NS, 0, ACK, C0 + 500 * i, S0, x, 500);
	assert_int_equal(k.gaps, 0);
	assert_int_equal(st(&k)->cap_hits, 0);
	assert_true(k.out_len[0] >= 2000);
	kit_done(&k);
}

static void partial_consumer(void **state)
{
	(void)state;
	struct kit k;
	const char *h = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n"
			"User-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";
	uint32_t n = (uint32_t)strlen(h), cut[6] = { 0, 9, 22, 40, 61, n };

	kit_init(&k, NULL);
	k.policy = head_then_skip;
	kit_handshake(&k, S_NS, CI, SI);
	for (int i = 0; i < 5; i++)
		kit_send(&k, S_NS, 0, ACK, C0 + cut[i], S0, h + cut[i], cut[i + 1] - cut[i]);
	/* the head grows by each segment until it is whole */
	assert_int_equal(k.calls[0], 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(k.call_len[0][i], cut[i + 1]);
	assert_int_equal(k.out_len[0], n);
	assert_memory_equal(k.out[0], h, n);
	assert_int_equal(st(&k)->mem_in_use, 0);
	assert_true(st(&k)->mem_peak > 0);
	kit_done(&k);
}

static size_t stop_client_after_one(struct kit *k, struct fsc_flow *f, int dir,
				    const uint8_t *p, size_t len, unsigned flags)
{
	(void)p;
	(void)flags;
	if (dir == 0 && k->calls[0] == 1) {
		fsc_flow_stop(f, 0);
		return 0;
	}
	return len;
}

static void stop_delivery(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	k.policy = stop_client_after_one;
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0 + 3, S0, "def", 3);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "abc", 3);
	kit_send(&k, S_NS, 0, ACK, C0 + 6, S0, "ghi", 3);
	kit_send(&k, S_NS, 1, ACK, S0, C0 + 9, "ok", 2);
	assert_int_equal(k.calls[0], 1);
	assert_int_equal(k.out_len[1], 2);
	assert_int_equal(st(&k)->mem_in_use, 0);
	kit_done(&k);

	/* on_open says no: only the lifecycle */
	kit_init(&k, NULL);
	k.want = false;
	kit_handshake(&k, S_NS, CI, SI);
	kit_send(&k, S_NS, 0, ACK, C0, S0, "abc", 3);
	kit_send(&k, S_NS, 0, FIN | ACK, C0 + 3, S0, NULL, 0);
	kit_send(&k, S_NS, 1, FIN | ACK, S0, C0 + 4, NULL, 0);
	assert_int_equal(k.calls[0] + k.calls[1], 0);
	assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
	kit_done(&k);
}

static void memory_cap(void **state)
{
	(void)state;
	struct kit k;
	uint8_t x[3000];
	struct fsc_flow_limits lim = { .max_flows = 32, .dir_cap = 4096, .mem_cap = 8192 };

	memset(x, 'x', sizeof(x));
	kit_init(&k, &lim);
	k.policy = never;
	for (uint16_t i = 0; i < 10; i++) {
		struct fsc_packet pkt = kit_pkt_port((uint16_t)(30000 + i), 0, ACK, 1, 1, x,
						     sizeof(x));
		kit_packet(&k, &pkt, S_NS + i, NULL);
		assert_true(st(&k)->mem_in_use <= 8192);
	}
	/* two 4 KiB blocks fit: each new flow took the oldest one's */
	assert_int_equal(st(&k)->mem_reclaims, 8);
	assert_int_equal(st(&k)->gaps[FSC_GAP_MEMORY], 8);
	assert_int_equal(st(&k)->mem_hits, 0);
	assert_true(st(&k)->mem_peak <= 8192);
	unsigned memgaps = 0;
	for (unsigned i = 0; i < k.gaps && i < KIT_LOG; i++)
		if (k.gap_why[i] == FSC_GAP_MEMORY) {
			assert_int_equal(k.gap_missing[i], 3000);
			memgaps++;
		}
	assert_int_equal(memgaps, 8);
	kit_done(&k);
}

/* The property consumer: every byte offered must be the original's at its
 * position; it takes random amounts and sometimes skips. */
struct prop {
	const uint8_t *orig;
	size_t total, pos;
};

static size_t prop_policy(struct kit *k, struct fsc_flow *f, int dir, const uint8_t *p,
			  size_t len, unsigned flags)
{
	struct prop *pr = k->arg;
	size_t n;

	assert_false(flags & FSC_DATA_RESYNC);
	/* the table knows where the bytes sit, skips included */
	assert_true(fsc_flow_offset(f, dir) == pr->pos);
	for (size_t i = 0; i < len && pr->pos + i < pr->total; i++)
		if (p[i] != pr->orig[pr->pos + i])
			fail_msg("byte %zu differs", pr->pos + i);
	n = (flags & FSC_DATA_END) ? len : kit_rand(k) % (len + 1);
	if ((flags & FSC_DATA_FULL) && n == 0)
		n = 1;
	pr->pos += n;
	if (kit_rand(k) % 64 == 0) {
		uint64_t s = kit_rand(k) % 3000;
		fsc_flow_skip(f, dir, s);
		pr->pos += s;
	}
	return n;
}

static void random_segmentation(void **state)
{
	(void)state;
	enum { TOTAL = 300000, MAXSEG = 4000 };
	static uint8_t orig[TOTAL];
	static uint32_t sb[MAXSEG], se[MAXSEG];
	static const uint32_t seeds[] = { 1, 0xdeadbeef, 20240601 };
	static const uint32_t isns[] = { 100, 0xfffeffffu, 0x7fffff00u };
	struct fsc_flow_limits lim = { .max_flows = 8, .dir_cap = 65536, .mem_cap = 1 << 20 };

	for (unsigned run = 0; run < 3; run++) {
		struct kit k;
		struct prop pr = { orig, TOTAL, 0 };
		unsigned n = 0;

		kit_init(&k, &lim);
		k.rng = seeds[run];
		k.policy = prop_policy;
		k.arg = &pr;
		for (unsigned i = 0; i < TOTAL; i++)
			orig[i] = (uint8_t)kit_rand(&k);
		for (uint32_t at = 0; at < TOTAL; n++) {
			uint32_t len = 1 + kit_rand(&k) % 1400;
			sb[n] = at;
			se[n] = at + len < TOTAL ? at + len : TOTAL;
			at = se[n];
		}
		/* local reordering: each segment may swap with one up to 3 on */
		for (unsigned i = 0; i + 1 < n; i++) {
			unsigned j = i + 1 + kit_rand(&k) % 3;
			if (j < n && kit_rand(&k) % 3 == 0) {
				uint32_t b = sb[i], e = se[i];
				sb[i] = sb[j];
				se[i] = se[j];
				sb[j] = b;
				se[j] = e;
			}
		}
		uint32_t ci = isns[run];
		kit_handshake(&k, S_NS, ci, SI);
		for (unsigned i = 0; i < n; i++) {
			kit_send(&k, S_NS, 0, ACK, ci + 1 + sb[i], S0, orig + sb[i], se[i] - sb[i]);
			/* retransmissions and overlapping resends, same bytes */
			if (kit_rand(&k) % 8 == 0) {
				unsigned j = kit_rand(&k) % (i + 1);
				uint32_t b = sb[j] > 300 ? sb[j] - 300 : 0;
				uint32_t e = se[j] + 300 < TOTAL ? se[j] + 300 : TOTAL;
				kit_send(&k, S_NS, 0, ACK, ci + 1 + b, S0, orig + b, e - b);
			}
		}
		kit_send(&k, S_NS, 0, FIN | ACK, ci + 1 + TOTAL, S0, NULL, 0);
		kit_send(&k, S_NS, 1, FIN | ACK, S0, ci + 2 + TOTAL, NULL, 0);
		assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
		assert_true(pr.pos >= TOTAL);
		assert_int_equal(k.gaps, 0);
		assert_int_equal(st(&k)->contradictions, 0);
		assert_true(st(&k)->ooo_segments > 0);
		assert_true(st(&k)->retransmits + st(&k)->overlaps > 0);
		assert_true(st(&k)->skipped_bytes > 0);
		print_message("run %u: %u segments, %llu calls, ooo %llu, retransmits %llu, "
			      "overlaps %llu, skipped %llu, peak buffer %llu\n", run, n,
			      (unsigned long long)k.calls[0],
			      (unsigned long long)st(&k)->ooo_segments,
			      (unsigned long long)st(&k)->retransmits,
			      (unsigned long long)st(&k)->overlaps,
			      (unsigned long long)st(&k)->skipped_bytes,
			      (unsigned long long)st(&k)->mem_peak);
		assert_int_equal(st(&k)->mem_in_use, 0);
		kit_done(&k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order),
		cmocka_unit_test(out_of_order),
		cmocka_unit_test(retransmit),
		cmocka_unit_test(overlap_first_wins),
		cmocka_unit_test(contradiction_in_pending),
		cmocka_unit_test(wraparound),
		cmocka_unit_test(midstream_start),
		cmocka_unit_test(synack_first),
		cmocka_unit_test(gap_acked),
		cmocka_unit_test(gap_timeout),
		cmocka_unit_test(gap_ooo_limits),
		cmocka_unit_test(gap_at_close),
		cmocka_unit_test(snaplen_cut),
		cmocka_unit_test(fin_after_hole),
		cmocka_unit_test(rst_flushes_pending),
		cmocka_unit_test(skip_across_segments),
		cmocka_unit_test(skip_beyond_2_32),
		cmocka_unit_test(cap_hit),
		cmocka_unit_test(partial_consumer),
		cmocka_unit_test(stop_delivery),
		cmocka_unit_test(memory_cap),
		cmocka_unit_test(random_segmentation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
