"""ipext.py: crafted IP-layer edge cases around real WireGuard messages
(taken from wg-tunnel.pcap), written as Ethernet captures.  Standard
library only.

ipv6-ext-chain.pcap, 2001:db8::1:41641 -> 2001:db8::2:51820:
  1. IPv6 | Hop-by-Hop (PadN) | Destination Options (PadN) | UDP | WG initiation
  2. IPv6 | Hop-by-Hop (Router Alert + PadN) | Destination Options (PadN)
          | UDP | WG keepalive
  3. IPv6 | Hop-by-Hop (PadN) | Destination Options (PadN) | Fragment
          (atomic: offset 0, M=0, RFC 6946) | UDP | WG keepalive
  extension header: next u8 | hdr_ext_len u8 (8-byte units after the
  first 8) | options (type u8, len u8, data) padded to 8n bytes
ipv4-options.pcap, 198.18.0.1:41641 -> 198.18.0.2:51820:
  1. IPv4 with IHL 6 (Router Alert option 94 04 00 00) | UDP | WG keepalive

usage: ipext.py WG_TUNNEL_PCAP OUT_DIR
"""

import os
import struct
import sys

import pcapfile as pf

A6, B6, A4, B4 = "2001:db8::1", "2001:db8::2", "198.18.0.1", "198.18.0.2"
SPORT, DPORT = 41641, 51820
BASE_TS = 1735696800.0  # 2025-01-01T02:00:00Z
PADN4 = b"\x01\x02\x00\x00"                 # PadN, 2 bytes of padding
PADN6 = b"\x01\x04\x00\x00\x00\x00"         # PadN, 4 bytes of padding
ROUTER_ALERT = b"\x05\x02\x00\x00"          # RFC 2711, value 0 (MLD)


def ext(nxt, options):
    body = bytes([nxt, 0]) + options
    assert len(body) % 8 == 0
    return bytes([nxt, len(body) // 8 - 1]) + options


def wg_payloads(path):
    init = keep = None
    for _, _, fr in pf.Reader(path):
        ip = pf.ip_of_ethernet(fr)
        if ip is None:
            continue
        if ip[0] >> 4 == 4 and ip[9] == 17:
            pl = ip[(ip[0] & 15) * 4 + 8:]
        elif ip[0] >> 4 == 6 and ip[6] == 17:
            pl = ip[48:]
        else:
            continue
        if pl[:1] == b"\x01" and len(pl) == 148 and init is None:
            init = pl
        if pl[:1] == b"\x04" and len(pl) == 32 and keep is None:
            keep = pl
    if init is None or keep is None:
        sys.exit("ipext.py: no initiation/keepalive in " + path)
    return init, keep


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: ipext.py WG_TUNNEL_PCAP OUT_DIR")
    init, keep = wg_payloads(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)

    def udp6(pl):
        return pf.udp(A6, B6, SPORT, DPORT, pl)

    hbh = ext(60, PADN6)                       # next: Destination Options
    dst = ext(17, PADN6)                       # next: UDP
    dst_frag = ext(44, PADN6)                  # next: Fragment
    hbh_ra = ext(60, ROUTER_ALERT + b"\x01\x00")  # RA + PadN(0) = 6 bytes
    frag = struct.pack("!BBHI", 17, 0, 0, 0x0F5C0001)  # offset 0, M=0
    pkts = [
        pf.ipv6(A6, B6, 0, hbh + dst + udp6(init)),
        pf.ipv6(A6, B6, 0, hbh_ra + dst + udp6(keep)),
        pf.ipv6(A6, B6, 0, hbh + dst_frag + frag + udp6(keep)),
    ]
    with pf.Writer(os.path.join(out, "ipv6-ext-chain.pcap"),
                   pf.LINKTYPE_ETHERNET) as w:
        for i, p in enumerate(pkts):
            w.write(BASE_TS + i * 0.5, pf.ether_ip(p))

    u = pf.udp(A4, B4, SPORT, DPORT, keep)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x46, 0, 24 + len(u), 0x1234, 0x4000,
                      64, 17, 0, pf.ip_bytes(A4), pf.ip_bytes(B4)) + \
        b"\x94\x04\x00\x00"
    hdr = hdr[:10] + struct.pack("!H", pf.csum(hdr)) + hdr[12:]
    with pf.Writer(os.path.join(out, "ipv4-options.pcap"),
                   pf.LINKTYPE_ETHERNET) as w:
        w.write(BASE_TS, pf.ether_ip(hdr + u))


if __name__ == "__main__":
    main()
