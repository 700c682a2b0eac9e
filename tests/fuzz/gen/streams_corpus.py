#!/usr/bin/env python3
"""Seeds tests/fuzz/corpus/streams in fuzz_streams.c's descriptor format:
the TCP segments of captures/streams/*.pcap (each connection alone, and the
connections of a capture four at a time, interleaved as captured) and the
cases of tests/unit/test_streams.c. Standard library only; deterministic.

usage: streams_corpus.py [PCAP ...]   (default: captures/streams/*.pcap)

Format (see fuzz_streams.c): a config byte, then per segment
  u8 conn | dir << 2 | cut << 3 | k << 4   (clock moves 2^k * 100 us)
  u8 TCP flags, le32 seq - next expected, le16 length, payload."""

import glob
import hashlib
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "streams")
SYN, FIN = 0x02, 0x01
CONNS = 4


class Writer:
    """Tracks the next sequence number per connection and direction as the
    harness does, so each segment is written as a delta."""

    def __init__(self, config=0):
        self.out = bytearray([config])
        self.next = [[0xffffff00 if c == 3 else 0] * 2 for c in range(CONNS)]

    def seg(self, conn, d, flags, seq, payload=b"", k=0, cut=False):
        delta = (seq - self.next[conn][d]) & 0xffffffff
        payload = payload[:0xffff]
        self.out += bytes([conn | d << 2 | (8 if cut else 0) | k << 4, flags])
        self.out += struct.pack("<IH", delta, len(payload)) + payload
        end = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xffffffff
        if 0 < ((end - self.next[conn][d]) & 0xffffffff) < 0x80000000:
            self.next[conn][d] = end


def clock_step(dt_us):
    k = 0
    while k < 15 and (100 << (k + 1)) <= dt_us:
        k += 1
    return k


def segments(path):
    """(ts_us, src, sport, dst, dport, flags, seq, payload, cut) of each TCP
    segment in a classic pcap (Ethernet with VLAN tags, IPv4 or IPv6)."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        bo = "<"
    elif buf[:4] in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        bo = ">"
    else:
        return
    nsec = buf[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    if struct.unpack(bo + "I", buf[20:24])[0] != 1:
        return
    off = 24
    while off + 16 <= len(buf):
        sec, frac, caplen, _ = struct.unpack(bo + "IIII", buf[off:off + 16])
        frame = buf[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ts = sec * 1000000 + (frac // 1000 if nsec else frac)
        et, p = struct.unpack(">H", frame[12:14])[0], 14
        while et in (0x8100, 0x88a8) and len(frame) >= p + 4:
            et, p = struct.unpack(">H", frame[p + 2:p + 4])[0], p + 4
        if et == 0x0800 and len(frame) >= p + 20:
            ihl = (frame[p] & 15) * 4
            total = struct.unpack(">H", frame[p + 2:p + 4])[0]
            if frame[p + 9] != 6:
                continue
            src, dst = frame[p + 12:p + 16], frame[p + 16:p + 20]
            end, p = p + total, p + ihl
        elif et == 0x86dd and len(frame) >= p + 40:
            if frame[p + 6] != 6:
                continue
            plen = struct.unpack(">H", frame[p + 4:p + 6])[0]
            src, dst = frame[p + 8:p + 24], frame[p + 24:p + 40]
            end, p = p + 40 + plen, p + 40
        else:
            continue
        if len(frame) < p + 20:
            continue
        sport, dport, seq = struct.unpack(">HHI", frame[p:p + 8])
        doff = (frame[p + 12] >> 4) * 4
        flags = frame[p + 13]
        payload = frame[p + doff:min(end, len(frame))]
        yield ts, src, sport, dst, dport, flags, seq, payload, len(frame) < end


def from_pcap(path):
    """One seed per connection, and one per four connections together."""
    conns = {}
    order = []
    for s in segments(path):
        key = frozenset([(s[1], s[2]), (s[3], s[4])])
        if key not in conns:
            conns[key] = ((s[1], s[2]), [])
            order.append(key)
        conns[key][1].append(s)

    def write(keys):
        w = Writer()
        segs = sorted((s[0], i, s) for i, k in enumerate(keys) for s in conns[k][1])
        last = segs[0][0] if segs else 0
        for ts, i, s in segs:
            d = 0 if (s[1], s[2]) == conns[keys[i]][0] else 1
            w.seg(i, d, s[5], s[6], s[7], clock_step(ts - last), s[8])
            last = ts
        return bytes(w.out)

    for k in order:
        yield write([k])
    for i in range(0, len(order), CONNS):
        if len(order) > 1:
            yield write(order[i:i + CONNS])


# ---- the cases of tests/unit/test_streams.c ----

HELLO = bytes.fromhex(
    "160301008b010000870303000000000000000000000000000000000000000000"
    "00000000000000000000000000080a0a13011302c02f010000561a1a00000000"
    "0013001100000e6578616d706c652e74732e6e65740010000e000c0268320868"
    "7474702f312e31002b0007062a2a03040303000a000800063a3a001d0017000b"
    "00020100000d00080006040308040401")
ACK, PSH = 0x10, 0x08


class Conn:
    def __init__(self, config=0, handshake=True, isn=(1000, 5000)):
        self.w = Writer(config)
        self.seq = list(isn)
        if handshake:
            self.send(0, SYN)
            self.send(1, SYN | ACK)
            self.send(0, ACK)

    def send(self, d, flags, data=b""):
        self.w.seg(0, d, flags, self.seq[d], data, 4)
        self.seq[d] += len(data) + (1 if flags & (SYN | FIN) else 0)

    def text(self, d, s):
        self.send(d, ACK | PSH, s.encode())

    def done(self):
        self.send(0, FIN | ACK)
        self.send(1, FIN | ACK)
        return bytes(self.w.out)


def unit_cases():
    c = Conn()
    c.text(0, "GET /a HTTP/1.1\r\nHost: node.example.ts.net\r\nX-Forwarded-For: "
              "66.249.72.211, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b\r\n\r\n")
    c.text(1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    c.text(0, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
              "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nGET ")
    c.text(1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
    c.text(1, "cde\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    yield c.done()

    req = ("GET /split HTTP/1.1\r\nHost: example\r\nUser-Agent: curl/7.88.1\r\n"
           "X-Forwarded-For: 203.0.113.9\r\nForwarded: for=\"[2001:db8::1]:80\";"
           "proto=https, for=_hidden\r\n\r\n").encode()
    c = Conn()
    step = len(req) // 5 + 1
    for off in range(0, len(req), step):
        c.send(0, ACK, req[off:off + step])
    yield c.done()

    for config in (0, 1):
        c = Conn(config)
        c.text(0, "POST /v0/ingress HTTP/1.1\r\nHost: 100.64.0.2:46187\r\n"
                  "Tailscale-Ingress-Src: 66.249.72.211:51234\r\n"
                  "Tailscale-Ingress-Target: example.ts.net:443\r\n\r\n")
        c.text(1, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
        c.send(0, ACK, HELLO[:10])
        c.send(0, ACK, HELLO[10:70])
        c.send(0, ACK, HELLO[70:])
        yield c.done()

    c = Conn()
    c.text(0, "POST /v0/ingress HTTP/1.1\r\nHost: x\r\n"
              "Tailscale-Ingress-Src: [2001:db8::7]:443\r\n"
              "Tailscale-Ingress-Target: other.ts.net:443\r\nContent-Length: 0\r\n\r\n")
    c.text(1, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden")
    yield c.done()

    # A hello over two records.
    body = HELLO[5:]
    half = len(body) // 2
    two = (HELLO[:3] + struct.pack(">H", half) + body[:half] +
           HELLO[:3] + struct.pack(">H", len(body) - half) + body[half:])
    c = Conn()
    c.send(0, ACK, two[:7])
    c.send(0, ACK, two[7:])
    yield c.done()

    # Messages a stream ends or breaks inside (reported as truncated or
    # malformed): a head cut by the end, a hello whose handshake length
    # says more than is sent, a hello whose first record is followed by an
    # alert, a hello the capture cut (snaplen).
    c = Conn()
    c.text(0, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
    c.text(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    c.text(0, "GET /cut HTTP/1.1\r\nHost: h\r\nUser-Ag")
    yield bytes(c.w.out)
    lie = bytearray(HELLO)
    lie[7] += 2
    c = Conn()
    c.send(0, ACK, bytes(lie))
    yield c.done()
    c = Conn()
    c.send(0, ACK, HELLO[:3] + struct.pack(">H", 60) + HELLO[5:65])
    c.send(0, ACK, bytes.fromhex("15030300020228"))
    yield c.done()
    c = Conn()
    c.w.seg(0, 0, ACK, c.seq[0], HELLO[:40], 4, cut=True)
    c.seq[0] += 40 + 100
    c.text(1, "\x17\x03\x03\x00\x01x")
    yield c.done()

    c = Conn(handshake=False, isn=(7777, 9999))
    c.text(0, "tail of some body\r\nmore\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n")
    c.text(1, "HTTP/1.1 204 No Content\r\n\r\n")
    yield c.done()


def main():
    paths = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "captures", "streams",
                                                          "*.pcap")))
    os.makedirs(OUT, exist_ok=True)
    n = 0
    seeds = list(unit_cases())
    for path in paths:
        seeds.extend(from_pcap(path))
    for blob in seeds:
        with open(os.path.join(OUT, hashlib.sha1(blob).hexdigest()[:16]), "wb") as f:
            f.write(blob)
        n += 1
    print("streams corpus: %d seeds" % n, file=sys.stderr)


main()
