#!/usr/bin/env python3
"""pcap_streams.py - test helper: writes the client-to-server TCP payload of
every connection to a server port in a classic pcap file, in sequence order,
as OUTDIR/<client port>.bin, and the server-to-client payload as
OUTDIR/<client port>.rev.bin. Handles Ethernet, Linux SLL/SLL2, NULL and raw
IP link types, IPv4 and IPv6 (no extension headers), retransmissions and
overlaps (first copy wins). Standard library only (struct).

usage: pcap_streams.py FILE.pcap OUTDIR PORT [PORT...]
"""
import os
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            return
        magic = hdr[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            e = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            e = ">"
        else:
            sys.exit("pcap_streams: %s: not a classic pcap file" % path)
        linktype = struct.unpack(e + "I", hdr[20:24])[0] & 0x0FFFFFFF
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(e + "I", rec[8:12])[0]
            data = f.read(caplen)
            if len(data) < caplen:
                return
            yield linktype, data


def ip_payload(linktype, d):
    """Returns (ip packet bytes) or None."""
    if linktype == 1:  # Ethernet
        off, etype = 14, struct.unpack(">H", d[12:14])[0]
        while etype in (0x8100, 0x88A8) and len(d) >= off + 4:
            etype = struct.unpack(">H", d[off + 2:off + 4])[0]
            off += 4
        return d[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == 113:  # Linux SLL
        return d[16:] if struct.unpack(">H", d[14:16])[0] in (0x0800, 0x86DD) else None
    if linktype == 276:  # Linux SLL2
        return d[20:] if struct.unpack(">H", d[0:2])[0] in (0x0800, 0x86DD) else None
    if linktype == 0:  # NULL / loopback
        return d[4:]
    if linktype in (12, 101, 228, 229):  # raw IP
        return d
    return None


def tcp_segment(ip):
    if len(ip) < 20:
        return None
    v = ip[0] >> 4
    if v == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        src, dst, t = ip[12:16], ip[16:20], ip[ihl:total]
    elif v == 6 and len(ip) >= 40:
        if ip[6] != 6:
            return None
        plen = struct.unpack(">H", ip[4:6])[0]
        src, dst, t = ip[8:24], ip[24:40], ip[40:40 + plen]
    else:
        return None
    if len(t) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", t[:8])
    doff = (t[12] >> 4) * 4
    flags = t[13]
    return src, sport, dst, dport, seq, flags, t[doff:]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, outdir, ports = sys.argv[1], sys.argv[2], {int(p) for p in sys.argv[3:]}
    flows = {}  # (src, sport, dst, dport) -> [isn or None, {seq: payload}]
    for linktype, d in packets(path):
        ip = ip_payload(linktype, d)
        seg = ip and tcp_segment(ip)
        if not seg:
            continue
        src, sport, dst, dport, seq, flags, payload = seg
        if dport not in ports and sport not in ports:
            continue
        fl = flows.setdefault((src, sport, dst, dport), [None, {}])
        if flags & 0x02:  # SYN
            fl[0] = (seq + 1) & 0xFFFFFFFF
        elif payload and seq not in fl[1]:
            fl[1][seq] = payload
    os.makedirs(outdir, exist_ok=True)
    for (src, sport, dst, dport), (isn, segs) in flows.items():
        if not segs:
            continue
        base = isn if isn is not None else min(segs)
        out = bytearray()
        for off, p in sorted(((s - base) & 0xFFFFFFFF, p) for s, p in segs.items()):
            if off > len(out):
                print("pcap_streams: gap in stream %d -> %d" % (sport, dport), file=sys.stderr)
                break
            out += p[len(out) - off:]
        name = "%d.bin" % sport if dport in ports else "%d.rev.bin" % dport
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(out)


if __name__ == "__main__":
    main()
