#!/usr/bin/env python3
"""Seeds tests/fuzz/corpus/dissect from the sample captures: one file a
frame, its first byte the index of the frame's link type in fuzz_dissect.c's
table, then the frame. Standard library only; classic pcap files only."""

import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
LINKTYPES = [0, 1, 101, 108, 113, 147, 228, 229, 276]  # as in fuzz_dissect.c


def frames(path):
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        bo = "<"
    elif buf[:4] in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        bo = ">"
    else:
        return  # pcapng: covered by the same frames in classic files
    linktype = struct.unpack(bo + "I", buf[20:24])[0]
    off = 24
    while off + 16 <= len(buf):
        caplen = struct.unpack(bo + "I", buf[off + 8:off + 12])[0]
        yield linktype, buf[off + 16:off + 16 + caplen]
        off += 16 + caplen


def main():
    out = os.path.join(ROOT, "tests", "fuzz", "corpus", "dissect")
    os.makedirs(out, exist_ok=True)
    n = 0
    for dirpath, _, names in os.walk(os.path.join(ROOT, "captures")):
        for name in sorted(names):
            if not name.endswith(".pcap"):
                continue
            for linktype, data in frames(os.path.join(dirpath, name)):
                if linktype not in LINKTYPES:
                    continue
                blob = bytes([LINKTYPES.index(linktype)]) + data
                digest = hashlib.sha1(blob).hexdigest()[:16]
                with open(os.path.join(out, digest), "wb") as f:
                    f.write(blob)
                n += 1
    print("dissect corpus: %d frames" % n, file=sys.stderr)


main()
