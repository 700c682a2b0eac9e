/* readloop.c - the bare libpcap read loop: opens a capture and touches every
 * record (its length and one byte), nothing else. No libpcap-based decoder
 * can read a file faster, so it is the 100% line of the benchmarks. */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	uint64_t n = 0, bytes = 0, sum = 0;
	int rc;

	if (argc != 2) {
		fputs("usage: readloop FILE\n", stderr);
		return 1;
	}
	pcap_t *pc = pcap_open_offline(argv[1], eb);
	if (!pc) {
		fprintf(stderr, "readloop: %s: %s\n", argv[1], eb);
		return 2;
	}
	while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
		n++;
		bytes += h->caplen;
		/* A byte from the middle, so the record's memory is read. */
		if (h->caplen)
			sum += d[h->caplen / 2];
	}
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "readloop: %s: %s\n", argv[1], pcap_geterr(pc));
		pcap_close(pc);
		return 2;
	}
	pcap_close(pc);
	/* Printing the sum keeps the compiler from dropping the reads. */
	printf("%" PRIu64 " packets, %" PRIu64 " bytes, sum %" PRIu64 "\n", n, bytes, sum);
	return 0;
}
