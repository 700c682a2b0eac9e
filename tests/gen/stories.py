"""stories.py: a large three-vantage capture for fdecode --correlate, made of
the real packets of one lab request (captures/correlate: the public side at
the edge, the node's TUN with the ingress in the clear, the node's lo).

usage: stories.py N OUTDIR [GAP_MS]

Writes OUTDIR/public.pcap, OUTDIR/inner.pcap and OUTDIR/lo.pcap holding N
copies of the request, one every GAP_MS (default 2) so that about a
hundred are open at once. Copy i has its own client address (a 10-character
address of 198.18.0.0/15, the template's length, so that the headers that
name it keep their length: Tailscale-Ingress-Src, X-Forwarded-For,
X-Real-IP), its own client port, its own edge-side tunnel port and its own
node-side loopback port. An address comes back only after 162 copies, when
its last story has ended (a story lasts ~220 ms), so every copy joins
exactly. Checksums are left as they were (fdecode never drops a packet for
one). Deterministic. Used by scripts/bench.sh (the --correlate rows).
"""

import os
import struct
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "captures", "correlate")
CLIENT = b"198.18.1.1"


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack("<I", data[:4])
    assert magic == 0xA1B2C3D4, path  # microsecond, little-endian: what tcpdump wrote
    linktype = struct.unpack("<I", data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec * 1000000 + usec, bytearray(data[off + 16:off + 16 + incl])))
        off += 16 + incl
    return data[:24], linktype, out


def addresses():
    """10-character dotted quads in 198.18.0.0/15, as the template's."""
    out = []
    for b in (18, 19):
        for c in range(256):
            for d in range(256):
                s = b"198.%d.%d.%d" % (b, c, d)
                if len(s) == len(CLIENT):
                    out.append((s, bytes([198, b, c, d])))
    return out


def tcp_at(pkt, ip):
    ihl = (pkt[ip] & 0x0F) * 4
    return ip + ihl


def main(argv):
    n, outdir = int(argv[1]), argv[2]
    gap_us = int(float(argv[3]) * 1000) if len(argv) > 3 else 2000
    os.makedirs(outdir, exist_ok=True)
    pub_hdr, _, pub = read_pcap(os.path.join(SRC, "public.pcap"))
    inn_hdr, _, inn = read_pcap(os.path.join(SRC, "inner.pcap"))
    lo_hdr, _, lo = read_pcap(os.path.join(SRC, "node-lo.pcap"))
    # The template's ports: the client's at the edge, the edge's in the
    # tunnel, fnode's on lo (the side that is not the well-known port).
    def side_port(pkts, ip, known):
        t = tcp_at(pkts[0][1], ip)
        sp, dp = struct.unpack(">HH", pkts[0][1][t:t + 4])
        return sp if dp == known else dp
    cport = side_port(pub, 14, 443)
    eport = side_port(inn, 0, 46187)
    lport = side_port(lo, 14, 2367)
    src_text = CLIENT + b":%d" % cport
    pool = addresses()
    t0 = min(pub[0][0], inn[0][0], lo[0][0])

    def client_port(i):
        return 10000 + (i * 104729) % 55000

    def own_port(i):
        return 10000 + (i * 7919) % 55000

    def copies(pkts, ip, port, new_port, rewrite_addr, text):
        out = []
        for i in range(n):
            a_text, a_bytes = pool[i % len(pool)]
            p_new = new_port(i)
            for ts, pkt in pkts:
                q = bytearray(pkt)
                t = tcp_at(q, ip)
                if rewrite_addr:
                    for at in (ip + 12, ip + 16):
                        if q[at:at + 4] == bytes([198, 18, 1, 1]):
                            q[at:at + 4] = a_bytes
                for at in (t, t + 2):
                    if struct.unpack(">H", q[at:at + 2])[0] == port:
                        q[at:at + 2] = struct.pack(">H", p_new)
                if text and len(q) > t + 20:
                    body = t + (q[t + 12] >> 4) * 4
                    pay = bytes(q[body:])
                    if text == "src":  # Tailscale-Ingress-Src: the client at the edge
                        pay = pay.replace(src_text, a_text + b":%d" % client_port(i))
                    else:  # X-Forwarded-For, X-Real-IP
                        pay = pay.replace(CLIENT, a_text)
                    q[body:] = pay
                out.append((ts - t0 + i * gap_us, q))
        out.sort(key=lambda x: x[0])
        return out

    pub_c = copies(pub, 14, cport, client_port, True, None)
    base = 1796000000 * 1000000
    for name, hdr, pkts in (("public.pcap", pub_hdr, pub_c),
                            ("inner.pcap", inn_hdr, copies(inn, 0, eport, own_port, False, "src")),
                            ("lo.pcap", lo_hdr, copies(lo, 14, lport, own_port, False, "xff"))):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(hdr)
            for ts, q in pkts:
                ts += base
                f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(q), len(q)))
                f.write(q)
    print("stories.py: %d stories, %d + %d + %d packets in %s" % (n, len(pub_c), n * len(inn), n * len(lo), outdir))


if __name__ == "__main__":
    main(sys.argv)
