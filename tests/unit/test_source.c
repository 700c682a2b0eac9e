/* test_source.c - capture files through libpcap, and a live capture on lo. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/dissect.h"
#include "fsc/source.h"
#include "vectors.h"

static char path[64];

/* Three RAW IPv4 frames: UDP to port 53, UDP to 41641, TCP to 80. */
static const char *const frames[] = {
	"45 00 00 1c 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02 30 39 00 35 00 08 00 00",
	"45 00 00 1c 00 00 00 00 40 11 00 00 c6 12 00 01 c6 12 00 02 30 39 a2 a9 00 08 00 00",
	("45 00 00 28 00 00 00 00 40 06 00 00 c6 12 00 01 c6 12 00 02 30 39 00 50"
	 "00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00 00"),
};

static int write_capture(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/fsc-test-source-%d.pcap", (int)getpid());
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535,
							    PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	assert_non_null(d);
	for (int i = 0; i < 3; i++) {
		uint8_t b[64];
		size_t n = vec_hex(frames[i], b, sizeof(b));
		struct pcap_pkthdr h = { .caplen = (uint32_t)n, .len = (uint32_t)n };
		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = 123456789; /* nanoseconds in a NANO file */
		pcap_dump((u_char *)d, &h, b);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}

static int remove_capture(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void reads_all_frames(void **state)
{
	(void)state;
	char err[256];
	struct fsc_frame f;
	struct fsc_source *s = fsc_source_open_file(path, NULL, err, sizeof(err));

	assert_non_null(s);
	assert_int_equal(fsc_source_linktype(s, 0), 101 /* LINKTYPE_RAW */);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
		assert_int_equal(f.number, (uint64_t)i + 1);
		assert_int_equal(f.sec, 1700000000 + i);
		assert_int_equal(f.nsec, 123456789);
		/* record headers are 16 bytes; the frames 28, 28 and 40 */
		static const int64_t starts[] = { 24, 24 + 16 + 28, 24 + 2 * (16 + 28) };
		assert_int_equal(fsc_source_offset(s), starts[i]);
	}
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_END);
	assert_int_equal(fsc_source_fds(s, NULL, 0), 0);
	fsc_source_close(s);
}

static void filter_compiled_for_file(void **state)
{
	(void)state;
	char err[256];
	struct fsc_frame f;
	struct fsc_packet pkt;
	struct fsc_source *s = fsc_source_open_file(path, "udp port 41641", err, sizeof(err));

	assert_non_null(s);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(f.number, 2); /* its number in the file */
	fsc_dissect(f.linktype, f.data, f.caplen, f.wirelen, &pkt);
	assert_int_equal(pkt.dport, 41641);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_END);
	fsc_source_close(s);

	s = fsc_source_open_file(path, "udp port", err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "bad filter 'udp port'"));
}

static void open_errors(void **state)
{
	(void)state;
	char err[256], bad[80];

	assert_null(fsc_source_open_file("/nonexistent/x.pcap", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	snprintf(bad, sizeof(bad), "%s.bad", path);
	FILE *fp = fopen(bad, "w");
	assert_non_null(fp);
	fputs("this is not a capture file at all", fp);
	fclose(fp);
	assert_null(fsc_source_open_file(bad, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "unknown file format"));
	unlink(bad);
}

static void truncated_record(void **state)
{
	(void)state;
	char err[256], cut[80];
	struct fsc_frame f;
	FILE *in = fopen(path, "rb"), *out;
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof(buf), in);

	fclose(in);
	snprintf(cut, sizeof(cut), "%s.cut", path);
	out = fopen(cut, "wb");
	fwrite(buf, 1, n - 10, out); /* the last record loses 10 bytes */
	fclose(out);
	struct fsc_source *s = fsc_source_open_file(cut, NULL, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_FRAME);
	assert_int_equal(fsc_source_next(s, &f), FSC_SRC_ERROR);
	assert_non_null(strstr(fsc_source_error(s), "truncated"));
	assert_int_equal(fsc_source_offset(s), 24 + 2 * (16 + 28));
	fsc_source_close(s);
	unlink(cut);
}

/* Live on lo: needs root (or CAP_NET_RAW). */
static void live_loopback(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "live_loopback: skipped, needs root to capture on lo\n");
		skip();
	}
	const char *ifaces[] = { "lo", "lo" }; /* two handles: both must see it */
	struct fsc_live_opts o = { .filter = "udp and dst port 47999" };
	char err[256];
	struct fsc_source *s = fsc_source_open_live(ifaces, 2, &o, err, sizeof(err));
	assert_non_null(s);
	int fds[2];
	assert_int_equal(fsc_source_fds(s, fds, 2), 2);

	int sock = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(47999) };
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(sendto(sock, "ping", 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	close(sock);

	bool seen[2] = { false, false };
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		poll(p, 2, 100);
		struct fsc_frame f;
		enum fsc_src_result r;
		while ((r = fsc_source_next(s, &f)) == FSC_SRC_FRAME) {
			struct fsc_packet pkt;
			fsc_dissect(f.linktype, f.data, f.caplen, f.wirelen, &pkt);
			assert_int_equal(pkt.dport, 47999);
			assert_int_equal(pkt.payload_len, 4);
			seen[f.iface] = true;
		}
		assert_int_equal(r, FSC_SRC_AGAIN);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((!seen[0] || !seen[1]) && now.tv_sec - t0.tv_sec < 5);
	assert_true(seen[0] && seen[1]);
	struct fsc_src_stats st;
	assert_true(fsc_source_stats(s, 0, &st));
	assert_int_equal(st.dropped, 0);
	assert_string_equal(fsc_source_name(s, 1), "lo");
	fsc_source_close(s);

	const char *none[] = { "fsc-no-such-if0" };
	assert_null(fsc_source_open_live(none, 1, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "fsc-no-such-if0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_all_frames),
		cmocka_unit_test(filter_compiled_for_file),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(truncated_record),
		cmocka_unit_test(live_loopback),
	};
	return cmocka_run_group_tests(tests, write_capture, remove_capture);
}
