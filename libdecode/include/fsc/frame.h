/* frame.h - one captured frame, as the capture layer (fsc/source.h) hands it
 * to the pipeline (fsc/pipeline.h); here so that the pipeline needs no
 * capture header. */
#ifndef FSC_FRAME_H
#define FSC_FRAME_H

#include <stdint.h>

/* One frame. `data` belongs to the source and is valid until the next call
 * to fsc_source_next or fsc_source_close (fsc/source.h). */
struct fsc_frame {
	const uint8_t *data;
	uint32_t caplen;
	uint32_t wirelen;
	int64_t sec;
	uint32_t nsec;
	int linktype;
	unsigned iface;		/* live: index of the interface; file: index
				 * of the pcapng interface (0 for classic pcap) */
	unsigned file;		/* merged files: which (fsc_source_merge order) */
	uint64_t number;	/* 1-based, per file or per interface; in a
				 * filtered file, the frame's number in the
				 * file, as Wireshark numbers it */
};

#endif
