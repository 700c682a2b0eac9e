/* flow.h - the flow table and TCP reassembly: segments in, each direction's
 * bytes out in order, to a consumer that parses them as they come.
 *
 * A flow is one TCP connection, found from either direction by its
 * addresses, ports and protocol. Direction 0 is the side that sent the SYN
 * when the handshake is seen (the client), else the sender of the first
 * packet seen; direction 1 is the other side.
 *
 * The consumer (TLS, HTTP ...) sees each direction as a byte stream:
 *
 *   on_open   a flow was created: decide whether it needs bytes; set up the
 *             per-flow user area (limits.user_size bytes, zeroed).
 *   on_data   ALL contiguous bytes not consumed yet: what was left last time
 *             plus what just arrived in order. Return how many bytes were
 *             consumed (from the front); the rest stay buffered and come
 *             again, with more, next time. Called again at once while the
 *             consumer keeps consuming and bytes remain.
 *   on_gap    bytes were lost: the next bytes do not follow the last ones.
 *   on_close  the flow ended. Exactly once for every flow on_open saw.
 *
 * Bytes the consumer does not need are never stored: fsc_flow_skip() drops
 * the next K bytes of a direction wherever and whenever they arrive (HTTP
 * bodies), fsc_flow_stop() ends delivery for a direction or the flow
 * (passthrough after an Upgrade, a protocol nobody parses).
 *
 * TCP as seen by a passive observer:
 *  - SYN sets the start (ISN + 1); a SYN/ACK seen without its SYN also gives
 *    the client's start (its ACK). A direction whose start was not seen (a
 *    capture that began mid-stream) starts at the first sequence number
 *    seen, and its first bytes come after on_gap(FSC_GAP_MIDSTREAM, 0) and
 *    with FSC_DATA_RESYNC.
 *  - Out-of-order segments are held until the hole fills (within the
 *    per-direction cap and FSC_FLOW_MAX_HOLES separate islands).
 *    Retransmitted bytes are dropped; where a segment overlaps bytes
 *    already held, the bytes that came first win (as in Linux) and
 *    differing bytes are counted as contradictions.
 *  - A hole is declared a gap when the other side acknowledges bytes that
 *    were never captured, when it stays open hole_timeout_ns, when holding
 *    more would pass the per-direction cap or the island limit, or when the
 *    flow closes. Delivery resumes after it with FSC_DATA_RESYNC.
 *  - A segment captured shorter than on the wire (snaplen) leaves a gap of
 *    the missing bytes (FSC_GAP_SNAPLEN).
 *  - Sequence numbers are compared in serial arithmetic (RFC 1982), so a
 *    stream crosses 2^32 unharmed.
 *  - Checksums are never checked: loopback captures carry offloaded,
 *    invalid ones, and the segment is still the data that was sent.
 *  - FIN in both directions (once every byte before each FIN was
 *    delivered), or an RST, closes the flow. A closed flow lingers
 *    closed_timeout_ns to absorb trailing ACKs and retransmissions quietly;
 *    a new SYN on the same addresses opens a new flow at once.
 *
 * Memory is bounded and reserved at fsc_flows_new; nothing is allocated per
 * packet or per flow afterwards:
 *   - max_flows records (each with its share of the index:
 *     fsc_flows_bytes_per_flow) plus user_size rounded up to 16;
 *   - one arena of mem_cap bytes (and its bookkeeping) from which stream
 *     buffers are carved in power-of-two blocks up to dir_cap.
 * fsc_flows_mem_bound gives the bound of the whole table. Pages are touched
 * only as flows and buffers use them: half-open flows (SYNs) grow RSS only
 * up to the table's size, since flows are evicted rather than added
 * (test_flow.c measures it).
 *
 * A direction holds a buffer only while it has bytes the consumer left
 * unconsumed or bytes out of order; in-order bytes the consumer takes at
 * once are offered straight from the packet and never copied. When the
 * table is full the least recently active flow is evicted (closed flows
 * first); when the arena is full the buffers of the least recently
 * buffering flows are dropped (FSC_GAP_MEMORY for them).
 */
#ifndef FSC_FLOW_H
#define FSC_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/dissect.h"

/* Separate out-of-order islands held per direction. */
#define FSC_FLOW_MAX_HOLES 6

/* fsc_flow_stop: both directions. */
#define FSC_FLOW_BOTH (-1)

/* Flags of on_data. */
enum {
	/* The bytes do not follow the last ones delivered: the start was not
	 * seen, or bytes were lost (on_gap came first). Find a boundary. */
	FSC_DATA_RESYNC = 1 << 0,
	/* len is the per-direction cap: the buffer cannot grow. Consume some,
	 * skip or stop; returning 0 drops these bytes (on_gap FSC_GAP_CAP). */
	FSC_DATA_FULL = 1 << 1,
	/* No byte follows in this direction (FIN, RST, close, end of input):
	 * what is left unconsumed now is dropped. */
	FSC_DATA_END = 1 << 2,
};

enum fsc_gap_reason {
	FSC_GAP_MIDSTREAM = 0, /* start of the direction not seen; missing 0 */
	FSC_GAP_ACKED,	  /* the peer acknowledged bytes never captured */
	FSC_GAP_TIMEOUT,  /* a hole stayed open hole_timeout_ns */
	FSC_GAP_OOO_LIMIT, /* holding more would pass dir_cap or the islands */
	FSC_GAP_CLOSE,	  /* a hole still open when the flow closed */
	FSC_GAP_SNAPLEN,  /* segment captured shorter than on the wire */
	FSC_GAP_CAP,	  /* the consumer left dir_cap bytes unconsumed */
	FSC_GAP_MEMORY,	  /* mem_cap reached: this direction's buffer dropped */
	FSC_GAP_COUNT
};

enum fsc_close_reason {
	FSC_CLOSE_FIN = 0, /* FIN both ways, all bytes before them delivered */
	FSC_CLOSE_RST,
	FSC_CLOSE_IDLE,	   /* nothing for idle_timeout_ns */
	FSC_CLOSE_EVICTED, /* table full: least recently active */
	FSC_CLOSE_END,	   /* fsc_flows_flush: end of input */
	FSC_CLOSE_REUSED,  /* a new SYN on the same addresses and ports */
	FSC_CLOSE_COUNT
};

struct fsc_flows;

/* One direction, as the table saw it. */
struct fsc_flow_dir {
	uint64_t packets;	/* segments sent this way */
	uint64_t bytes;		/* payload bytes on the wire */
	uint32_t isn;		/* initial sequence number (syn) */
	uint32_t start;		/* sequence number of stream offset 0: the
				 * byte after the SYN, or the first seen */
	bool syn, fin, rst;	/* seen from this side */
	bool midstream;		/* started without its SYN (or SYN/ACK's ACK) */
	bool stopped;		/* no more delivery (fsc_flow_stop or on_open) */
};

/*
 * A flow. The table owns it; the consumer may read every field and use
 * `user` freely, and writes nothing else. The pointer is valid from on_open
 * until on_close returns.
 */
struct fsc_flow {
	uint64_t id;		/* 1, 2, ... in order of creation (after
				 * limits.id_base) */
	struct fsc_addr addr[2]; /* addr[d], port[d]: the sender of direction d */
	uint16_t port[2];
	uint8_t proto;		/* 6 */
	uint8_t obs;		/* the packets' observation point (pkt->obs);
				 * a byte: it fits the padding after proto */
	int64_t first_ns, last_ns;
	struct fsc_flow_dir dir[2];
	void *user;		/* limits.user_size bytes, zeroed at open; or NULL */
	struct fsc_flows *table;
};

/*
 * The consumer. Any callback may be NULL. ctx is passed back as given. The
 * callbacks may call fsc_flow_skip and fsc_flow_stop (on any flow) but not
 * fsc_flows_packet, _expire, _flush or _free. `p` is valid only during the
 * call. `ts_ns` is the time of the packet that made the bytes deliverable
 * (at a close, the latest time the table has seen).
 */
struct fsc_flow_handler {
	/* Return true to receive this flow's bytes (both directions; either
	 * may be stopped later, e.g. on its first bytes), false to track only
	 * its lifecycle. pkt is the packet that created it. NULL on_open:
	 * every flow gets its bytes. */
	bool (*on_open)(void *ctx, struct fsc_flow *f, const struct fsc_packet *pkt,
			int64_t ts_ns);
	/* Returns the bytes consumed, 0 .. len. See FSC_DATA_*. */
	size_t (*on_data)(void *ctx, struct fsc_flow *f, int dir, const uint8_t *p,
			  size_t len, unsigned flags, int64_t ts_ns);
	/*
	 * The stream of `dir` jumps: `missing` bytes lie between the last byte
	 * the consumer consumed and the next byte it will be offered (bytes it
	 * left unconsumed, now dropped, plus bytes never seen). The next
	 * on_data carries FSC_DATA_RESYNC.
	 */
	void (*on_gap)(void *ctx, struct fsc_flow *f, int dir, uint64_t missing,
		       enum fsc_gap_reason why);
	/* The last call for f. Bytes still deliverable were offered first. */
	void (*on_close)(void *ctx, struct fsc_flow *f, enum fsc_close_reason why);
	void *ctx;
};

/* Zero fields take the defaults named. */
struct fsc_flow_limits {
	uint32_t max_flows;	/* flows in the table, closed ones included; 65536;
				 * at most FSC_FLOW_MAX_FLOWS_LIMIT */
	uint32_t dir_cap;	/* bytes buffered per direction, unconsumed plus
				 * out of order (512 .. 16 MiB); 65536 */
	uint64_t mem_cap;	/* bytes of all stream buffers together, at least
				 * dir_cap rounded up to a power of two; 64 MiB */
	uint32_t user_size;	/* consumer bytes per flow (fsc_flow.user); 0 */
	int64_t idle_timeout_ns;  /* close after this long quiet; 300 s */
	int64_t hole_timeout_ns;  /* declare a hole lost after; 5 s */
	int64_t closed_timeout_ns; /* a closed flow lingers; 10 s */
	uint64_t hash_seed;	/* for the flow index (randomise against flooding) */
	uint64_t id_base;	/* flow ids are id_base + 1, 2, ...: tables whose
				 * flows reach one consumer keep them apart; 0 */
};

#define FSC_FLOW_DEFAULT_MAX_FLOWS 65536u
/* The most max_flows honours (larger values are clamped); only the flows in
 * use become resident, so a large limit costs nothing up front. */
#define FSC_FLOW_MAX_FLOWS_LIMIT (1u << 22)
#define FSC_FLOW_DEFAULT_DIR_CAP 65536u
#define FSC_FLOW_DEFAULT_MEM_CAP (64ull << 20)
#define FSC_FLOW_DEFAULT_IDLE_NS (300 * 1000000000ll)
#define FSC_FLOW_DEFAULT_HOLE_NS (5 * 1000000000ll)
#define FSC_FLOW_DEFAULT_CLOSED_NS (10 * 1000000000ll)

/* Every bound hit is counted here, for fdecode --summary. */
struct fsc_flow_stats {
	uint64_t flows;		/* opened (on_open calls) */
	uint64_t active, peak_active; /* open now, most at once */
	uint64_t closed[FSC_CLOSE_COUNT]; /* by reason */
	uint64_t segments;	/* TCP segments taken */
	uint64_t untracked;	/* segments that opened no flow (a lone RST) */
	uint64_t absorbed;	/* segments after a close, taken quietly */
	uint64_t payload_bytes;	/* captured payload bytes in segments */
	uint64_t consumed_bytes; /* bytes consumers consumed */
	uint64_t skipped_bytes;	/* bytes dropped by fsc_flow_skip as they came
				 * (a skipped byte sent twice counts twice) */
	uint64_t ooo_segments;	/* segments held out of order */
	uint64_t ooo_bytes;
	uint64_t retransmits;	/* segments with nothing new (late bytes after
				 * a gap count here too) */
	uint64_t retransmit_bytes;
	uint64_t overlaps;	/* segments overlapping bytes held or seen */
	uint64_t overlap_bytes;
	uint64_t contradictions; /* overlaps whose bytes differ */
	uint64_t contradiction_bytes;
	uint64_t gaps[FSC_GAP_COUNT]; /* by reason */
	uint64_t gap_bytes;	/* bytes never seen, over all gaps */
	uint64_t dropped_bytes;	/* bytes held but dropped (cap, memory, end) */
	uint64_t cap_hits;	/* a direction reached dir_cap unconsumed */
	uint64_t mem_hits;	/* a buffer could not be had within mem_cap */
	uint64_t mem_reclaims;	/* buffers taken from other flows for it */
	uint64_t mem_in_use, mem_peak; /* bytes of stream buffers */
};

/* The defaults, filled in. */
void fsc_flows_limits_default(struct fsc_flow_limits *lim);

/* A table (lim NULL: defaults; h may be NULL: lifecycle only). NULL when
 * out of memory. Limits out of range are clamped. */
struct fsc_flows *fsc_flows_new(const struct fsc_flow_limits *lim,
				const struct fsc_flow_handler *h);
/* Frees without calling on_close: call fsc_flows_flush first. */
void fsc_flows_free(struct fsc_flows *t);

/*
 * Takes one TCP segment (pkt->proto 6 and the payload layer reached; others
 * are ignored and return NULL) seen at ts_ns, calls the handler, and
 * returns its flow (valid until the next call on the table; possibly
 * closed by this segment) with *dir its direction. dir may be NULL. NULL
 * when the segment opened no flow (a lone RST).
 *
 * Time comes only from ts_ns: flows last seen more than idle_timeout_ns
 * before this ts_ns are closed here, a few cheap steps a call. Time may go
 * back (the interfaces of a pcapng file each have their clock): a flow seen
 * after ts_ns is not idle, and is judged again by later segments.
 */
const struct fsc_flow *fsc_flows_packet(struct fsc_flows *t,
					const struct fsc_packet *pkt,
					int64_t ts_ns, int *dir);

/* Closes flows idle at now_ns (live capture with no traffic). */
void fsc_flows_expire(struct fsc_flows *t, int64_t now_ns);

/* End of input: every open flow is flushed (holes declared, held bytes
 * offered with FSC_DATA_END) and closed with FSC_CLOSE_END; the table is
 * empty afterwards and may be used again. */
void fsc_flows_flush(struct fsc_flows *t);

/*
 * Drop the next k bytes of direction dir of f: those after the bytes
 * consumed so far (inside on_data: after the value this call returns), as
 * they arrive, in any segment, never stored. Adds to a skip pending.
 */
void fsc_flow_skip(struct fsc_flow *f, int dir, uint64_t k);
/*
 * The stream offset (bytes since `start`, lost and skipped ones included)
 * of p[0] during on_data for dir; elsewhere, of the first byte of dir not
 * consumed yet. Its sequence number is dir[dir].start + (uint32_t)offset.
 */
uint64_t fsc_flow_offset(const struct fsc_flow *f, int dir);
/* Bytes of dir still to be skipped. */
uint64_t fsc_flow_skipping(const struct fsc_flow *f, int dir);
/* No more on_data for dir (0, 1 or FSC_FLOW_BOTH); its buffers are freed.
 * The flow is still tracked and closed as usual. */
void fsc_flow_stop(struct fsc_flow *f, int dir);

const struct fsc_flow_stats *fsc_flows_stats(const struct fsc_flows *t);
/* The limits in force: defaults filled in, clamped values as clamped. */
const struct fsc_flow_limits *fsc_flows_limits(const struct fsc_flows *t);

/* fsc_packet.tunnel of the flow's packets (0: on the wire). Kept beside the
 * record, not in it: the record's size is a documented bound. */
uint32_t fsc_flow_tunnel(const struct fsc_flow *f);

/* Bytes one flow record costs (record, index share, user area). */
size_t fsc_flows_bytes_per_flow(const struct fsc_flow_limits *lim);
/* Upper bound of all the table's memory with these limits (NULL: default). */
size_t fsc_flows_mem_bound(const struct fsc_flow_limits *lim);

/* "midstream", "acked", "timeout", "ooo-limit", "close", "snaplen", "cap",
 * "memory". */
const char *fsc_gap_reason_name(enum fsc_gap_reason r);
/* "fin", "rst", "idle", "evicted", "end", "reused". */
const char *fsc_close_reason_name(enum fsc_close_reason r);

#endif
