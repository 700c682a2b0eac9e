#!/usr/bin/env python3
"""Writes a classic pcap (LINKTYPE_RAW) to stdout with N distinct flows, for
memory-bound tests:

  many_flows.py wg-sessions N   N WireGuard handshakes (initiation + response)
                                between distinct endpoints, then one transport
                                each way: N sessions, N peers
  many_flows.py tcp-syns N      N SYNs from distinct source endpoints: N
                                half-open TCP flows
  many_flows.py tcp-heads N     N connections (SYN, then a segment) each
                                holding the start of an HTTP request head
                                that never ends: N flows with parsing state
                                and buffered bytes

Addresses come from 198.18.0.0/15 (benchmarking), spread over all bits.
Deterministic. Standard library only."""

import struct
import sys

RAW = 101


def ip4(src, dst, proto, payload):
    total = 20 + len(payload)
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, proto, 0,
                       src, dst) + payload


def addr(i):
    # 198.18.0.0/15 holds 2^17 addresses; mix i so neighbours differ in
    # every byte, not only the low one.
    x = (i * 2654435761) & 0x1FFFF
    return bytes([198, 18 + (x >> 16), (x >> 8) & 0xFF, x & 0xFF])


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def wg_sessions(n, out):
    responder = bytes([198, 19, 255, 254])
    zero16 = bytes(16)
    for i in range(n):
        a, sport = addr(i), 1024 + (i * 7919) % 60000
        si, ri = (i * 2 + 1) & 0xFFFFFFFF, (i * 2 + 2) & 0xFFFFFFFF
        init = struct.pack("<BxxxI", 1, si) + bytes(32 + 48 + 28) + b"\x11" * 16 + zero16
        resp = struct.pack("<BxxxII", 2, ri, si) + bytes(32 + 16) + b"\x22" * 16 + zero16
        data = struct.pack("<BxxxIQ", 4, ri, 0) + bytes(16)
        back = struct.pack("<BxxxIQ", 4, si, 0) + bytes(16)
        yield ip4(a, responder, 17, udp(sport, 51820, init))
        yield ip4(responder, a, 17, udp(51820, sport, resp))
        yield ip4(a, responder, 17, udp(sport, 51820, data))
        yield ip4(responder, a, 17, udp(51820, sport, back))


def tcp_syns(n, out):
    server = bytes([198, 19, 255, 253])
    for i in range(n):
        a, sport = addr(i), 1024 + (i * 7919) % 60000
        tcp = struct.pack(">HHIIBBHHH", sport, 443, i, 0, 0x50, 0x02, 65535, 0, 0)
        yield ip4(a, server, 6, tcp)


def tcp_heads(n, out):
    server = bytes([198, 19, 255, 252])
    head = b"GET /partial HTTP/1.1\r\nHost: many.example\r\nUser-Agent: " + b"a" * 200
    for i in range(n):
        a, sport = addr(i), 1024 + (i * 7919) % 60000
        syn = struct.pack(">HHIIBBHHH", sport, 80, i, 0, 0x50, 0x02, 65535, 0, 0)
        seg = struct.pack(">HHIIBBHHH", sport, 80, i + 1, 1, 0x50, 0x18, 65535, 0, 0) + head
        yield ip4(a, server, 6, syn)
        yield ip4(a, server, 6, seg)


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    gen = {"wg-sessions": wg_sessions, "tcp-syns": tcp_syns, "tcp-heads": tcp_heads}[mode]
    out = sys.stdout.buffer
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, RAW))
    buf = []
    t = 1700000000
    for k, pkt in enumerate(gen(n, out)):
        buf.append(struct.pack("<IIII", t + k // 1000000, k % 1000000, len(pkt), len(pkt)))
        buf.append(pkt)
        if len(buf) >= 20000:
            out.write(b"".join(buf))
            buf = []
    out.write(b"".join(buf))


main()
