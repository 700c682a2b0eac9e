/* test_debugcap.c - fnode's debug capture writer (tools/funnel/debugcap.c):
 * the pcap file header of `tailscale debug capture` (LE, 2.4, snaplen
 * 65535, LINKTYPE_USER0), one record a packet that dissects back to the
 * packet with its path, and the size cap (records past it left out and
 * counted; the file stays whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugcap.h"
#include "flog.h"
#include "fsc/dissect.h"
#include "vectors.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* An IPv4 UDP packet of n bytes (n >= 28) from 100.64.0.1 to 100.64.0.2. */
static void ip_packet(uint8_t *b, size_t n)
{
	vec_ip4(b, n, 17, (const uint8_t[]){ 100, 64, 0, 1 }, (const uint8_t[]){ 100, 64, 0, 2 });
	b[20] = 0x30, b[21] = 0x39, b[22] = 0x01, b[23] = 0xbb;
	b[24] = (uint8_t)((n - 20) >> 8);
	b[25] = (uint8_t)(n - 20);
}

static void written_and_capped(void **state)
{
	(void)state;
	char path[] = "/tmp/test_debugcap.XXXXXX";
	int fd = mkstemp(path);
	uint8_t pkt[100], file[1024];
	char err[128];

	assert_true(fd >= 0);
	close(fd);
	fsc_log_fd(open("/dev/null", O_WRONLY)); /* debug-capture-full */
	/* room for the header and two records of 16 + 4 + 100 */
	struct fsc_debugcap *d = fsc_debugcap_open(path, 24 + 2 * 120, err, sizeof(err));
	assert_non_null(d);
	ip_packet(pkt, sizeof(pkt));
	fsc_debugcap_packet(d, 1, pkt, sizeof(pkt));
	/* a reader sees the record before the writer closes */
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(file, 1, sizeof(file), f), 24 + 120);
	fclose(f);
	fsc_debugcap_packet(d, 3, pkt, sizeof(pkt));
	fsc_debugcap_packet(d, 3, pkt, sizeof(pkt)); /* past the cap */
	assert_int_equal(fsc_debugcap_records(d), 2);
	assert_int_equal(fsc_debugcap_dropped(d), 1);
	fsc_debugcap_close(d);

	f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(file, 1, sizeof(file), f);
	fclose(f);
	unlink(path);
	assert_int_equal(n, 24 + 2 * 120);
	assert_int_equal(le32(file), 0xa1b2c3d4u);
	assert_int_equal(file[4] | file[5] << 8, 2);
	assert_int_equal(file[6] | file[7] << 8, 4);
	assert_int_equal(le32(file + 16), 65535);
	assert_int_equal(le32(file + 20), 147);
	for (int r = 0; r < 2; r++) {
		const uint8_t *rec = file + 24 + r * 120;
		struct fsc_packet p;
		assert_int_equal(le32(rec + 8), 104);
		assert_int_equal(le32(rec + 12), 104);
		assert_int_equal(fsc_dissect(147, rec + 16, 104, 104, &p), FSC_OK);
		assert_int_equal(p.tscap.path, r == 0 ? 1 : 3);
		assert_int_equal(p.ip_len, 100);
		assert_int_equal(p.dport, 443);
	}
}

static void open_fails(void **state)
{
	(void)state;
	char err[128];

	assert_null(fsc_debugcap_open("/nonexistent/dir/x.pcap", 1 << 20, err, sizeof(err)));
	assert_string_equal(err, "No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_and_capped),
		cmocka_unit_test(open_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
