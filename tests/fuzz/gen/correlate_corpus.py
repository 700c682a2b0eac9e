#!/usr/bin/env python3
"""correlate_corpus.py - seeds for fuzz_correlate from captures: each
pcap (classic, Ethernet or raw IP) becomes one input of the target
(fuzz_correlate.c says the format); several pcaps given together are
merged by time, each frame marked with its file.

usage: correlate_corpus.py OUT PCAP [PCAP...]
"""
import struct
import sys


def frames(path, idx):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    at = 24
    while at + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[at:at + 16])
        at += 16
        ns = sec * 10**9 + (frac if nano else frac * 1000)
        yield ns, idx, linktype, data[at:at + caplen]
        at += caplen


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    allf = sorted(f for i, p in enumerate(paths) for f in frames(p, i))
    buf = bytearray([0])
    prev = allf[0][0] if allf else 0
    for ns, idx, lt, b in allf:
        step_us = max(1, (ns - prev) // 1000)
        k = min(14, max(0, step_us.bit_length() - 1))
        prev = ns
        cfg = (idx & 7) | (8 if lt == 1 else 0) | (k << 4)
        b = b[:65535]
        buf += bytes([cfg]) + struct.pack("<H", len(b)) + b
    with open(out, "wb") as f:
        f.write(buf)


if __name__ == "__main__":
    main()
