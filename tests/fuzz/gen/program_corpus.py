#!/usr/bin/env python3
"""Seeds tests/fuzz/corpus/program (fuzz_program.c) from the sample
captures:

  dgram-NAME-N.bin   one UDP payload of a sample capture (each distinct
                     payload once; IPv4 or IPv6 as it came), as a datagram
                     between the target's endpoints, flagged "expand": the
                     target feeds it shortened to every length first, so
                     the seeds are every truncated prefix of every sample
                     datagram
  cap-NAME.bin       every frame of a sample capture in its own link type,
                     whole (expanding every frame made each run seconds
                     long; tests/golden/truncation.sh cuts every frame of
                     them through the programs), the clock moving as in the
                     capture (to the nearest power of two)

Link types the target has no slot for (LOOP, IPV4, IPV6) and the
nanosecond/pcapng copies carry the same packets as files that are seeded.
Standard library only; rerunning rewrites the same files.

    python3 tests/fuzz/gen/program_corpus.py
"""

import math
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tests", "gen"))
import truncated as tr  # noqa: E402

# fuzz_program.c: record kinds 2..7 by link type
WRAP = {1: 2, 101: 3, 276: 4, 147: 5, 0: 6, 113: 7}
EXPAND = 1


def record(flags, data):
    return struct.pack("<BH", flags, len(data)) + data


def step(delta_us):
    """Bits 3-7 of a record's flags: the clock moves 2^k us."""
    k = int(round(math.log2(delta_us))) if delta_us >= 1 else 0
    return min(max(k, 0), 31) << 3


def main():
    out = os.path.join(ROOT, "tests", "fuzz", "corpus", "program")
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):
        if old.startswith(("dgram-", "cap-")):
            os.remove(os.path.join(out, old))
    seen = set()
    n_dgram = n_cap = 0
    for name, path in tr.sample_captures():
        r = tr.pf.Reader(path)
        wrap = WRAP.get(r.linktype)
        recs, prev, k = [], None, 0
        for sec, usec, f in r:
            t = sec * 1000000 + usec
            recs.append(record(step(t - prev if prev else 1), f))
            prev = t
            off = tr.link_header(r.linktype, f)
            end = tr.ip_end(r.linktype, f)
            if off is None or end is None or end > len(f):
                continue
            u = tr.udp_of_ip(f[off:end])
            if not u or len(u[1]) < 8 or u[1][8:] in seen:
                continue
            seen.add(u[1][8:])
            k += 1
            v6 = f[off] >> 4 == 6
            with open(os.path.join(out, "dgram-%s-%d.bin" % (name, k)), "wb") as o:
                o.write(bytes([1 if v6 else 0]) + record(EXPAND, u[1][8:]))
            n_dgram += 1
        if wrap is not None and not name.startswith("linktypes-en10mb-nsec"):
            with open(os.path.join(out, "cap-%s.bin" % name), "wb") as o:
                o.write(bytes([wrap]) + b"".join(recs))
            n_cap += 1
    print("%d datagrams, %d captures" % (n_dgram, n_cap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
