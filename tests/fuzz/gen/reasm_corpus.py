#!/usr/bin/env python3
"""Seeds tests/fuzz/corpus/reasm with segment scripts in fuzz_reasm.c's
format: a limits byte, a 4-byte ISN seed, then 6-byte descriptors (flags
byte, int16 delta from the sender's cursor, length, options, consumer mood).
Each seed is one scenario the unit tests also cover, so the fuzzer starts
from inputs that reach every branch. Standard library only."""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "corpus", "reasm")

SRV, SYN, FIN, RST, ACK, BAD = 4, 8, 16, 32, 64, 128
BIG, CUT, JUMP, ACKPEER, EXPIRE, FLUSH = 4, 8, 16, 32, 64, 128


def seg(flow=0, flags=ACK, delta=0, n=0, step=1, opts=0, mood=1):
    return struct.pack("<BhBBB", flow | flags, delta, n, step | opts, mood)


def script(limits, isn, segs):
    return bytes([limits]) + struct.pack("<I", isn) + b"".join(segs)


def handshake(flow=0):
    return [seg(flow, SYN, 0, 0), seg(flow, SRV | SYN | ACK, 0, 0, opts=ACKPEER),
            seg(flow, ACK, 0, 0, opts=ACKPEER)]


SEEDS = {
    # in order both ways, FIN both ways, consumer taking everything
    "in_order": script(0x02, 1000, handshake() + [
        seg(0, ACK, 0, 120), seg(0, ACK, 0, 80), seg(0, SRV | ACK, 0, 200, opts=ACKPEER),
        seg(0, FIN | ACK, 0, 0), seg(0, SRV | FIN | ACK, 0, 0, opts=ACKPEER),
        seg(0, ACK, 0, 0, opts=ACKPEER)]),
    # reordered and retransmitted segments, a consumer that waits
    "reorder": script(0x02, 77, handshake() + [
        seg(0, ACK, 100, 50, mood=0), seg(0, ACK, -150, 100, mood=0),
        seg(0, ACK, -100, 100, mood=2), seg(0, ACK, 50, 30, mood=6),
        seg(0, ACK, -40, 40, mood=7)]),
    # overlaps whose bytes disagree
    "contradict": script(0x02, 5, handshake() + [
        seg(0, ACK, 20, 40, mood=0), seg(0, ACK | BAD, -50, 60, mood=0),
        seg(0, ACK, -80, 80, mood=1)]),
    # sequence numbers crossing 2^32
    "wrap": script(0x03, 0xffffff80, handshake() + [
        seg(0, ACK, 0, 255) for _ in range(4)] + [seg(0, ACK, -300, 100)]),
    # capture begins mid-stream, on both sides
    "midstream": script(0x02, 0x12345678, [
        seg(1, SRV | ACK, 0, 90, opts=ACKPEER), seg(1, ACK, 0, 60, opts=ACKPEER),
        seg(1, SRV | ACK, 0, 90)]),
    # holes: acknowledged past, timed out, too many islands, too far ahead
    "holes": script(0x01, 999, handshake() + [
        seg(0, ACK, 0, 10), seg(0, ACK, 10, 10), seg(0, SRV | ACK, 0, 0, opts=ACKPEER),
        seg(0, ACK, 10, 10), seg(0, SRV, 0, 0, step=3), seg(0, SRV, 0, 0, step=3)] +
        [seg(0, ACK, 20, 10) for _ in range(8)] + [seg(0, ACK, 3000, 10)]),
    # snaplen cuts, then RST with bytes still held
    "snaplen_rst": script(0x02, 4242, handshake() + [
        seg(0, ACK, 0, 100, opts=CUT), seg(0, ACK, 0, 100, mood=0),
        seg(0, SRV | RST, 0, 0), seg(0, ACK, 0, 10)]),
    # skips over long jumps, as a body announced by Content-Length
    "skips": script(0x03, 31337, handshake() + [
        seg(0, ACK, 0, 200, mood=3), seg(0, ACK, 400, 100, opts=JUMP, mood=3),
        seg(0, ACK, 0, 200, mood=3), seg(0, ACK, -8, 255, opts=JUMP, mood=3)]),
    # the per-direction cap hit by a consumer that never takes anything
    "cap": script(0x00, 8, handshake() + [seg(0, ACK, 0, 255, mood=0)] * 6 +
                  [seg(0, ACK, 0, 100, opts=BIG, mood=5)]),
    # four flows in a table of two, tiny memory, refused flows, expiry, flush
    "crowd": script(0x10 | 0x20, 1, [seg(f, SYN, 0, 0) for f in range(4)] +
                    [seg(f, ACK, 0, 200, mood=0) for f in range(4)] +
                    [seg(2, ACK, 0, 50, opts=EXPIRE, mood=200),
                     seg(3, ACK, 0, 50, opts=FLUSH), seg(0, SRV | ACK, 0, 10)]),
    # memory pressure: every flow holds bytes, the arena is small
    "memory": script(0x01, 2, [seg(f, ACK, 0, 255, mood=0) for f in range(4)] * 3),
    # a new SYN on a live flow (port reuse) and a FIN with a hole before it
    "reuse_fin": script(0x02, 600, handshake() + [
        seg(0, ACK, 0, 20), seg(0, FIN | ACK, 20, 20), seg(0, SRV | FIN | ACK, 0, 0),
        seg(0, SYN, 3000, 0), seg(0, ACK, -40, 20)]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name + ".bin"), "wb") as f:
            f.write(data)
    print("reasm corpus: %d seeds in %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
