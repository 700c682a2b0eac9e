#!/usr/bin/env python3
"""Truncated captures from the sample captures (issue 14): what a small
snap length, a short datagram or an attacker hands the tools.

  truncated.py regress OUTDIR     the regression captures of the two crashes
                                  (tests/golden/fdecode/inputs/ holds them)
  truncated.py cuts OUTDIR        the truncation test's captures
                                  (tests/golden/truncation.sh)

regress writes
  stun-short.pcap     STUN binding requests of 8, 12 and 19 bytes (cookie,
                      no whole header), one announcing 8 attribute bytes it
                      does not have, then a whole one
  stun-snaplen-60.pcap  captures/stun.pcap with every frame cut to 60 bytes
                      (what `tcpdump -s 60` writes)
  disco-short.pcap    disco datagrams: the magic alone, the sender key cut,
                      the key without a nonce, the nonce cut, the tag cut,
                      then a whole wrapper

cuts writes, for every classic pcap under captures/ (the pcapng and the
nanosecond file hold the same frames as en10mb.pcap and are left out):
  cut-NAME.pcap       every frame cut at every byte (caplen k < wirelen,
                      k = 0 .. len - 1), each cut followed by the whole
                      frame, in the capture's own link type
  short-NAME.pcap     every unfragmented UDP datagram of NAME (not seen in an
                      earlier file) with its payload
                      shortened to every length 0 .. len - 1, the IP and UDP
                      lengths rewritten to match (a short datagram, not a
                      capture cut), as raw IP (link type 101)
and MANIFEST, one line a file: "FILE FRAMES FLAGGED" where FLAGGED lists the
frame numbers (1-based, comma-separated ranges a-b) whose output must say
truncated or malformed: the cuts that end before the IP packet does.

With a STEP argument (cuts OUTDIR STEP), each frame is cut at bytes
0 .. 127 and then every STEP-th byte (plus the last), so a slow build (the
sanitizers) runs a deterministic sample. Standard library only;
deterministic: the same inputs give the same bytes.
"""

import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "captures", "gen"))
import pcapfile as pf  # noqa: E402

T0 = 1767225600  # 2026-01-01 00:00:00 UTC
STUN_COOKIE = bytes.fromhex("2112a442")
DISCO_MAGIC = "TS\U0001f4ac".encode()
CLI4, SRV4 = "198.18.0.1", "198.18.0.2"


def write(path, linktype, frames):
    """frames: (data, wirelen) pairs."""
    with pf.Writer(path, linktype, snaplen=262144) as w:
        for i, (data, wirelen) in enumerate(frames):
            w.write((T0 + i // 1000, (i % 1000) * 1000), data, wirelen)


def udp_frame(payload, sport=41641, dport=3478):
    return pf.ether_ip(pf.ip(CLI4, SRV4, 17, pf.udp(CLI4, SRV4, sport, dport, payload)))


# ---- regress ----

def stun_request(attrs=b"", announced=None):
    txid = bytes(range(0xa0, 0xac))
    n = len(attrs) if announced is None else announced
    return struct.pack(">HH", 0x0001, n) + STUN_COOKIE + txid + attrs


def regress(out):
    whole = stun_request(struct.pack(">HH", 0x8022, 4) + b"fsc!")
    frames = [stun_request()[:n] for n in (8, 12, 19)]
    frames.append(stun_request(announced=8))
    frames.append(whole)
    write(os.path.join(out, "stun-short.pcap"), pf.LINKTYPE_ETHERNET,
          [(f, len(f)) for f in map(udp_frame, frames)])

    r = pf.Reader(os.path.join(SRC, "captures", "stun.pcap"))
    write(os.path.join(out, "stun-snaplen-60.pcap"), r.linktype,
          [(d[:60], len(d)) for _, _, d in r])

    key = bytes(range(0x40, 0x60))
    nonce = bytes(range(0x80, 0x98))
    wrap = DISCO_MAGIC + key + nonce + bytes(16) + b"sealed"
    cuts = (6, 6 + 10, 6 + 32, 6 + 32 + 10, 62 + 10, len(wrap))
    write(os.path.join(out, "disco-short.pcap"), pf.LINKTYPE_ETHERNET,
          [(f, len(f)) for f in (udp_frame(wrap[:n], 41641, 41641) for n in cuts)])


# ---- cuts ----

def link_header(linktype, f):
    """Bytes before the IP header, or None when the frame is not IP (or
    the link type is one whose header this script does not walk)."""
    if linktype in (pf.LINKTYPE_RAW, pf.LINKTYPE_IPV4, pf.LINKTYPE_IPV6):
        return 0
    if linktype in (pf.LINKTYPE_NULL, pf.LINKTYPE_LOOP):
        return 4
    if linktype == pf.LINKTYPE_LINUX_SLL:
        et, off = struct.unpack(">H", f[14:16])[0], 16
    elif linktype == pf.LINKTYPE_LINUX_SLL2:
        et, off = struct.unpack(">H", f[0:2])[0], 20
    elif linktype == pf.LINKTYPE_ETHERNET:
        off = 12
        et = struct.unpack(">H", f[off:off + 2])[0]
        while et in (pf.ETH_P_8021Q, pf.ETH_P_8021AD):
            off += 4
            et = struct.unpack(">H", f[off:off + 2])[0]
        off += 2
    else:
        return None
    return off if et in (pf.ETH_P_IP, pf.ETH_P_IPV6) else None


def ip_end(linktype, f):
    """Where the IP packet ends in the frame, or None if unknown."""
    off = link_header(linktype, f)
    if off is None or len(f) < off + 1:
        return None
    ver = f[off] >> 4
    if ver == 4 and len(f) >= off + 4:
        return off + struct.unpack(">H", f[off + 2:off + 4])[0]
    if ver == 6 and len(f) >= off + 6:
        return off + 40 + struct.unpack(">H", f[off + 4:off + 6])[0]
    return None


def udp_of_ip(ip):
    """(header bytes before the UDP header, UDP header + payload) of an
    unfragmented IPv4/IPv6 UDP packet, walking IPv6 extension headers;
    None otherwise."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        flags = struct.unpack(">H", ip[6:8])[0]
        if ip[9] != 17 or flags & 0x3fff:
            return None
        total = struct.unpack(">H", ip[2:4])[0]
        return ip[:ihl], ip[ihl:total]
    if ip[0] >> 4 == 6:
        nxt, off = ip[6], 40
        while nxt in (0, 43, 60):
            nxt, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nxt != 17:
            return None
        return ip[:off], ip[off:40 + struct.unpack(">H", ip[4:6])[0]]
    return None


def shortened(hdr, udp, n):
    """The IP packet with a UDP payload of n bytes, lengths rewritten."""
    seg = udp[:4] + struct.pack(">HH", 8 + n, 0) + udp[8:8 + n]
    if hdr[0] >> 4 == 4:
        total = len(hdr) + len(seg)
        h = bytearray(hdr[:2] + struct.pack(">H", total) + hdr[4:10] + b"\0\0" + hdr[12:])
        h[10:12] = struct.pack(">H", pf.csum(bytes(h)))
        return bytes(h) + seg
    plen = len(hdr) - 40 + len(seg)
    return hdr[:4] + struct.pack(">H", plen) + hdr[6:] + seg


def cut_points(n, step):
    if step <= 1:
        return range(n)
    pts = sorted(set(list(range(min(n, 128))) + list(range(128, n, step)) +
                     ([n - 1] if n else [])))
    return pts


def ranges(nums):
    out, start, prev = [], None, None
    for x in nums:
        if start is None:
            start = prev = x
        elif x == prev + 1:
            prev = x
        else:
            out.append("%d-%d" % (start, prev) if prev > start else str(start))
            start = prev = x
    if start is not None:
        out.append("%d-%d" % (start, prev) if prev > start else str(start))
    return ",".join(out) or "-"


def sample_captures():
    root = os.path.join(SRC, "captures")
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".pcap") and name != "en10mb-nsec.pcap":
                path = os.path.join(dirpath, name)
                yield os.path.relpath(path, root)[:-5].replace("/", "-"), path


def cuts(out, step):
    manifest = []
    seen = set()  # the linktypes/ files carry wg-tunnel's datagrams again
    for name, path in sample_captures():
        r = pf.Reader(path)
        frames, flagged = [], []
        datagrams = []
        for _, _, f in r:
            end = ip_end(r.linktype, f)
            for k in cut_points(len(f), step):
                frames.append((f[:k], len(f)))
                if end is not None and k < end:
                    flagged.append(len(frames))
            frames.append((f, len(f)))
            off = link_header(r.linktype, f)
            if off is not None and end is not None and end <= len(f):
                u = udp_of_ip(f[off:end])
                if u and len(u[1]) >= 8 and u[1][8:] not in seen:
                    seen.add(u[1][8:])
                    datagrams.append(u)
        fn = "cut-%s.pcap" % name
        write(os.path.join(out, fn), r.linktype, frames)
        manifest.append("%s %d %s" % (fn, len(frames), ranges(flagged)))
        if not datagrams:
            continue
        short = []
        for hdr, udp in datagrams:
            for n in cut_points(len(udp) - 8, step):
                p = shortened(hdr, udp, n)
                short.append((p, len(p)))
        fn = "short-%s.pcap" % name
        write(os.path.join(out, fn), pf.LINKTYPE_RAW, short)
        manifest.append("%s %d -" % (fn, len(short)))
    with open(os.path.join(out, "MANIFEST"), "w") as m:
        m.write("\n".join(manifest) + "\n")


def main():
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "regress":
        os.makedirs(a[1], exist_ok=True)
        regress(a[1])
        return 0
    if len(a) in (2, 3) and a[0] == "cuts":
        os.makedirs(a[1], exist_ok=True)
        cuts(a[1], int(a[2]) if len(a) == 3 else 1)
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
