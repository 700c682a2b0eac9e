#!/usr/bin/env python3
"""Writes the hostile captures of issue 5 into a folder, for
tests/golden/hostile.sh:

  hostile.py OUTDIR [CASE ...]     (default: every case)
  hostile.py --list                the case names, one a line

Each case is a file named after it (.pcap or .pcapng). Most start with a
WireGuard handshake initiation that decodes cleanly ("the result before the
damage"), then carry the damage. Ethernet (LINKTYPE_EN10MB) between
198.18.0.1 and 198.18.0.2 (IPv6: 2001:db8::1 and ::2). Deterministic;
standard library only. The million-flow captures are tests/gen/many_flows.py
(tests/integration/memory_bounds.sh)."""

import os
import struct
import sys

EN10MB = 1
CLI4, SRV4 = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
CLI6 = bytes.fromhex("20010db8000000000000000000000001")
SRV6 = bytes.fromhex("20010db8000000000000000000000002")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
T0 = 1767225600  # 2026-01-01 00:00:00 UTC


# ---- frames ----

def eth(payload, ethertype=0x0800):
    return MAC_B + MAC_A + struct.pack(">H", ethertype) + payload


def ip4(proto, payload, src=CLI4, dst=SRV4, ihl=5, total=None):
    opts = bytes(max(ihl - 5, 0) * 4)
    hlen = 20 + len(opts)
    total = hlen + len(payload) if total is None else total
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, 0x4000, 64, proto, 0,
                       src, dst) + opts + payload


def ip6(nxt, payload, src=CLI6, dst=SRV6):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nxt, 64, src, dst) + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", doff=5):
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       doff << 4, flags, 65535, 0, 0) + bytes(max(doff - 5, 0) * 4) + payload


def wg_init(sender=0x11223344):
    """A WireGuard handshake initiation (148 bytes), the good frame."""
    return struct.pack("<BxxxI", 1, sender) + bytes(32 + 48 + 28) + b"\x11" * 16 + bytes(16)


def good_frame():
    return eth(ip4(17, udp(41641, 51820, wg_init())))


# ---- files ----

def pcap(records, snaplen=262144, linktype=EN10MB, magic=0xa1b2c3d4):
    """records: frames (bytes), or (frame, caplen, wirelen) to lie, or
    (raw record bytes,) to write as they are."""
    out = bytearray(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
    for i, r in enumerate(records):
        ts = T0 + i
        if isinstance(r, tuple) and len(r) == 1:
            out += r[0]
            continue
        data, caplen, wirelen = (r, len(r), len(r)) if isinstance(r, bytes) else r
        out += struct.pack("<IIII", ts, i * 1000, caplen, wirelen) + data
    return bytes(out)


def pcapng_block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(blocks_after_idb):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = pcapng_block(1, struct.pack("<HHI", EN10MB, 0, 262144))
    return shb + idb + b"".join(blocks_after_idb)


def epb(frame, i=0):
    ts = (T0 + i) * 1000000
    return pcapng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff,
                                       len(frame), len(frame)) + frame)


# ---- TCP conversations ----

class Conn:
    """Segments of one connection client:sport <-> server:dport."""

    def __init__(self, sport=40000, dport=80, v6=False):
        self.sport, self.dport, self.v6 = sport, dport, v6
        self.seq = [1000, 5000]
        self.frames = []

    def seg(self, d, flags, data=b"", seq=None, doff=5):
        s = self.seq[d] if seq is None else seq
        ports = (self.sport, self.dport) if d == 0 else (self.dport, self.sport)
        t = tcp(ports[0], ports[1], s, self.seq[1 - d], flags | (ACK if flags != SYN else 0),
                data, doff)
        if self.v6:
            a = (CLI6, SRV6) if d == 0 else (SRV6, CLI6)
            f = eth(ip6(6, t, a[0], a[1]), 0x86dd)
        else:
            a = (CLI4, SRV4) if d == 0 else (SRV4, CLI4)
            f = eth(ip4(6, t, a[0], a[1]))
        if seq is None:
            self.seq[d] += len(data) + (1 if flags & (SYN | FIN) else 0)
        self.frames.append(f)
        return f

    def open(self):
        self.seg(0, SYN)
        self.seg(1, SYN | ACK)
        self.seg(0, ACK)
        return self

    def close(self):
        self.seg(0, FIN)
        self.seg(1, FIN)
        return self


GOOD_GET = b"GET /ok HTTP/1.1\r\nHost: good.example\r\n\r\n"
GOOD_200 = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def exchange(c):
    """A complete request and answer first: the result before the damage."""
    c.seg(0, PSH, GOOD_GET)
    c.seg(1, PSH, GOOD_200)


def client_hello(sni=b"hostile.example", lie=None):
    """A TLS 1.3 ClientHello record; lie names one length to falsify."""
    name = struct.pack(">BH", 0, len(sni)) + sni
    sni_ext = struct.pack(">H", len(name) + (40 if lie == "sni_list" else 0)) + name
    exts = [(0, sni_ext), (43, b"\x02\x03\x04"), (10, b"\x00\x02\x00\x1d")]
    ext_bytes = b""
    for i, (t, d) in enumerate(exts):
        ln = len(d) + (200 if lie == "ext" and i == 0 else 0)
        ext_bytes += struct.pack(">HH", t, ln) + d
    body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" +
            struct.pack(">H", len(ext_bytes) + (7 if lie == "exts" else 0)) + ext_bytes)
    hs_len = len(body) + (3000 if lie == "handshake" else 0)
    hs = struct.pack(">I", (1 << 24) | hs_len) + body
    rec_len = len(hs) - (10 if lie == "record_short" else 0)
    return struct.pack(">BHH", 22, 0x0301, rec_len) + hs


# ---- the cases ----

def c_empty():
    return b""


def c_wrong_magic():
    return b"\x00\x11\x22\x33" + pcap([good_frame()])[4:]


def c_short_global():
    return pcap([])[:13]


def c_cut_record_header():
    return pcap([good_frame()]) + struct.pack("<II", T0 + 1, 0)[:7]


def c_cut_record_body():
    f = good_frame()
    return pcap([f, ((struct.pack("<IIII", T0 + 1, 0, len(f), len(f)) + f[:30]),)])


def c_caplen_over_snaplen():
    # A 128-byte snaplen announced, then a 190-byte record: libpcap takes it.
    return pcap([good_frame(), good_frame()], snaplen=128)


def c_caplen_huge():
    f = good_frame()
    big = 300000
    return pcap([f, ((struct.pack("<IIII", T0 + 1, 0, big, big) + bytes(64)),)])


def c_zero_length():
    return pcap([good_frame(), (b"", 0, 0), (b"", 0, 60), good_frame()])


def c_snaplen_cut():
    """One frame cut at each layer, and a good one after."""
    v4 = ip4(17, udp(41641, 51820, wg_init()))
    v6 = eth(ip6(17, udp(41641, 51820, wg_init())), 0x86dd)
    t = eth(ip4(6, tcp(40000, 80, 1000, 0, SYN)))
    frames = [good_frame()]
    full = good_frame()
    for cut in (10, 14 + 12):               # Ethernet, IPv4 header
        frames.append((full[:cut], cut, len(full)))
    frames.append((v6[:14 + 30], 44, len(v6)))  # IPv6 header
    frames.append((eth(v4)[:14 + 20 + 5], 39, len(eth(v4))))  # UDP header
    frames.append((t[:14 + 20 + 12], 46, len(t)))  # TCP header
    frames.append((full[:14 + 28 + 60], 102, len(full)))  # the WireGuard message
    frames.append(good_frame())
    return pcap(frames)


def c_snaplen_cut_stream():
    """A TLS ClientHello whose segment the capture cut."""
    c = Conn(dport=443).open()
    f = c.seg(0, PSH, client_hello())
    c.frames[-1] = (f[:14 + 40 + 30], 84, len(f))
    c.close()
    return pcap([good_frame()] + c.frames)


def c_pcapng_unknown_block():
    return pcapng([epb(good_frame(), 0), pcapng_block(0x0BADB10C, b"unknown block" * 3),
                   epb(good_frame(), 1)])


def c_pcapng_oversized_block():
    huge = struct.pack("<II", 6, 0x7ffffff0) + bytes(64)
    return pcapng([epb(good_frame(), 0), huge])


def c_pcapng_huge_time():
    """A timestamp of 2^64 - 1 microseconds (584,000 years) between two
    ordinary ones: every tool clamps it, none overflows."""
    f = good_frame()
    huge = pcapng_block(6, struct.pack("<IIIII", 0, 0xffffffff, 0xffffffff, len(f), len(f)) + f)
    return pcapng([epb(f, 0), huge, epb(f, 1)])


def c_ends_mid_stream():
    c = Conn().open()
    exchange(c)
    c.seg(0, PSH, b"GET /cut HTTP/1.1\r\nHost: good.example\r\nUser-Ag")
    return pcap(c.frames)


def c_ipv4_bad_ihl():
    """Header lengths that cannot be: IHL 3 (below the minimum), IHL 15 with
    a total length that ends inside that header, IHL 15 in a packet that
    ends before the options do."""
    short = eth(ip4(17, udp(41641, 51820, wg_init()), ihl=3))
    inside = eth(struct.pack(">BBHHHBBH4s4s", 0x4f, 0, 28, 1, 0, 64, 17, 0, CLI4, SRV4) +
                 udp(41641, 51820, b""))
    beyond = eth(struct.pack(">BBHHHBBH4s4s", 0x4f, 0, 68, 1, 0, 64, 17, 0, CLI4, SRV4) +
                 udp(41641, 51820, b""))
    return pcap([good_frame(), short, inside, beyond, good_frame()])


def c_ipv6_endless_ext():
    # 2000 destination-options headers of 8 bytes each, then UDP.
    n = 2000
    chain = b"".join(struct.pack(">BB", 60 if i < n - 1 else 17, 0) + bytes(6)
                     for i in range(n))
    f = eth(ip6(60, chain + udp(41641, 51820, wg_init())), 0x86dd)
    return pcap([good_frame(), f, good_frame()])


def c_tcp_bad_doff():
    c = Conn().open()
    exchange(c)
    frames = list(c.frames)
    # data offset 15 (60 bytes) in a 20-byte segment; data offset 2
    beyond = eth(ip4(6, tcp(40000, 80, 9999, 0, ACK)[:12] + b"\xf0\x10" +
                     tcp(40000, 80, 9999, 0, ACK)[14:]))
    small = eth(ip4(6, tcp(40000, 80, 9999, 0, ACK)[:12] + b"\x20\x10" +
                    tcp(40000, 80, 9999, 0, ACK)[14:]))
    return pcap(frames + [beyond, small, good_frame()])


def c_tcp_overlaps():
    """A request whose copies overlap and contradict it: a later part held
    out of order, an earlier copy overlapping it with other bytes, then a
    whole retransmission that says another URI. The first copy of each byte
    wins (as in Linux)."""
    c = Conn().open()
    req = b"GET /first HTTP/1.1\r\nHost: good.example\r\n\r\n"
    evil = b"GET /evil! HTTP/1.1\r\nHost: evil.example\r\n\r\n"
    s = c.seq[0]
    c.seg(0, PSH, req[22:], seq=s + 22)              # out of order, held
    c.seg(0, PSH, req[:22] + b"XXXXXXXX", seq=s)      # contradicts the held bytes
    c.seg(0, PSH, evil, seq=s)                         # contradicts what was read
    c.seg(0, PSH, req[5:30], seq=s + 5)               # agrees: a plain overlap
    c.seq[0] = s + len(req)
    c.seg(1, PSH, GOOD_200)
    c.close()
    return pcap(c.frames)


def c_tls_lies():
    """ClientHellos whose lengths lie, each on its own connection, after a
    good one."""
    frames = []
    for i, lie in enumerate([None, "sni_list", "ext", "exts", "record_short", "handshake"]):
        c = Conn(sport=40000 + i, dport=443).open()
        c.seg(0, PSH, client_hello(lie=lie))
        c.close()
        frames += c.frames
    return pcap(frames)


def c_http_head_1mib():
    c = Conn().open()
    exchange(c)
    head = b"GET /big HTTP/1.1\r\nHost: good.example\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    for off in range(0, len(head), 1400):
        c.seg(0, 0, head[off:off + 1400])
    c.close()
    return pcap(c.frames)


def c_http_many_headers():
    c = Conn().open()
    exchange(c)
    head = (b"GET /many HTTP/1.1\r\nHost: good.example\r\n" + b"a: b\r\n" * 1000000 +
            b"\r\n")
    for off in range(0, len(head), 65000):
        c.seg(0, 0, head[off:off + 65000])
    c.close()
    return pcap(c.frames)


def c_forwarded_empty():
    """Forwarded with an empty quoted node, then a stray quote: the hop's
    text is empty (and may point nowhere)."""
    c = Conn().open()
    exchange(c)
    c.seg(0, PSH, b'GET /fwd HTTP/1.1\r\nHost: good.example\r\nForwarded: for="""\r\n\r\n')
    c.seg(1, PSH, GOOD_200)
    c.close()
    return pcap(c.frames)


CASES = {
    "empty": (c_empty, "pcap"),
    "wrong-magic": (c_wrong_magic, "pcap"),
    "short-global": (c_short_global, "pcap"),
    "cut-record-header": (c_cut_record_header, "pcap"),
    "cut-record-body": (c_cut_record_body, "pcap"),
    "caplen-over-snaplen": (c_caplen_over_snaplen, "pcap"),
    "caplen-huge": (c_caplen_huge, "pcap"),
    "zero-length": (c_zero_length, "pcap"),
    "snaplen-cut": (c_snaplen_cut, "pcap"),
    "snaplen-cut-stream": (c_snaplen_cut_stream, "pcap"),
    "pcapng-unknown-block": (c_pcapng_unknown_block, "pcapng"),
    "pcapng-oversized-block": (c_pcapng_oversized_block, "pcapng"),
    "pcapng-huge-time": (c_pcapng_huge_time, "pcapng"),
    "ends-mid-stream": (c_ends_mid_stream, "pcap"),
    "ipv4-bad-ihl": (c_ipv4_bad_ihl, "pcap"),
    "ipv6-endless-ext": (c_ipv6_endless_ext, "pcap"),
    "tcp-bad-doff": (c_tcp_bad_doff, "pcap"),
    "tcp-overlaps": (c_tcp_overlaps, "pcap"),
    "tls-lies": (c_tls_lies, "pcap"),
    "http-head-1mib": (c_http_head_1mib, "pcap"),
    "http-many-headers": (c_http_many_headers, "pcap"),
    "forwarded-empty": (c_forwarded_empty, "pcap"),
}


def main():
    args = sys.argv[1:]
    if args == ["--list"]:
        print("\n".join(CASES))
        return 0
    if not args:
        print(__doc__, file=sys.stderr)
        return 1
    out, names = args[0], args[1:] or list(CASES)
    os.makedirs(out, exist_ok=True)
    for name in names:
        fn, ext = CASES[name]
        with open(os.path.join(out, "%s.%s" % (name, ext)), "wb") as f:
            f.write(fn())
    return 0


if __name__ == "__main__":
    sys.exit(main())
