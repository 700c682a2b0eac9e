"""relink.py: re-wraps the IP packets of one capture (wg-tunnel.pcap) in
every link-layer header the dissector handles, so that its tests can check
that each linktype yields the same decoded packets.  Standard library only.

Every IP packet of the input (ARP and other non-IP frames are dropped) is
written, with its original timestamp, as:

  file                  linktype          link header before the IP packet
  en10mb.pcap           1   EN10MB        dst[6] src[6] type[2]
  en10mb-vlan.pcap      1   EN10MB        dst src 8100 TCI(vid 100) type
  en10mb-qinq.pcap      1   EN10MB        dst src 88a8 TCI(vid 200) 8100 TCI(vid 100) type
  linux-sll.pcap        113 LINUX_SLL     pkttype[2] arphrd[2]=1 halen[2]=6 addr[8] proto[2]
  linux-sll2.pcap       276 LINUX_SLL2    proto[2] rsvd[2] ifindex[4] arphrd[2]=1 pkttype[1] halen[1]=6 addr[8]
  null-le.pcap          0   NULL          AF u32 in the writer's order: little-endian file,
                                          AF_INET 2, AF_INET6 30 (macOS, e.g. utun captures)
  null-le-af10.pcap     0   NULL          little-endian, AF_INET6 10 (the Linux value; no
                                          real capture uses it, and TShark 4.0 does not
                                          decode it: an edge case, not in the equality check)
  null-be.pcap          0   NULL          big-endian file (header and records) as from a
                                          big-endian BSD host: AF 2, AF_INET6 28 (FreeBSD)
  loop.pcap             108 LOOP          AF u32 always big-endian: 2, AF_INET6 24 (OpenBSD)
  raw.pcap              101 RAW           none
  ipv4.pcap             228 IPV4          none; IPv4 packets only
  ipv6.pcap             229 IPV6          none; IPv6 packets only

(en10mb.pcapng and en10mb-nsec.pcap are made from en10mb.pcap by editcap in
make-captures.sh.)  SLL/SLL2 pkttype is 4 (outgoing) for packets sent by
node A (198.18.0.1, 2001:db8::1, fe80:: of A's veth), else 0 (to us).

usage: relink.py IN_PCAP OUT_DIR
"""

import os
import struct
import sys

import pcapfile as pf

MAC_A, MAC_B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
AF_INET = 2


def is_from_a(ippkt, a_addrs):
    if ippkt[0] >> 4 == 4:
        src = ippkt[12:16]
    else:
        src = ippkt[8:24]
    return src in a_addrs


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: relink.py IN_PCAP OUT_DIR")
    src, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    r = pf.Reader(src)
    if r.linktype != pf.LINKTYPE_ETHERNET:
        sys.exit("relink.py: %s: expected an Ethernet capture" % src)
    # A's addresses: the underlay ones, plus the link-local of the first
    # frame's source MAC (tcpdump ran on A's veth).
    pkts = []
    a_mac = None
    for sec, usec, fr in r:
        ippkt = pf.ip_of_ethernet(fr)
        if ippkt is None:
            continue
        if ippkt[0] >> 4 == 4:
            tot = struct.unpack("!H", ippkt[2:4])[0]
        else:
            tot = 40 + struct.unpack("!H", ippkt[4:6])[0]
        ippkt = ippkt[:tot]  # drop Ethernet padding
        pkts.append(((sec, usec), ippkt, fr[6:12]))
    a_addrs = {pf.ip_bytes("198.18.0.1"), pf.ip_bytes("2001:db8::1")}
    # The veth MAC that sent A's underlay packets identifies A's link-local.
    for _, ippkt, smac in pkts:
        if ippkt[0] >> 4 == 4 and ippkt[12:16] == pf.ip_bytes("198.18.0.1"):
            a_mac = smac
            break
    for _, ippkt, smac in pkts:
        if ippkt[0] >> 4 == 6 and smac == a_mac:
            a_addrs.add(ippkt[8:24])

    def v6(ippkt):
        return ippkt[0] >> 4 == 6

    def eth(ippkt, from_a, vlans=()):
        s, d = (MAC_A, MAC_B) if from_a else (MAC_B, MAC_A)
        return pf.ether(s, d, pf.ethertype_of(ippkt), ippkt, vlans)

    def sll(ippkt, from_a):
        return struct.pack("!HHH", 4 if from_a else 0, 1, 6) + \
            pf.mac(MAC_A if from_a else MAC_B) + b"\0\0" + \
            struct.pack("!H", pf.ethertype_of(ippkt)) + ippkt

    def sll2(ippkt, from_a):
        return struct.pack("!HHIHBB", pf.ethertype_of(ippkt), 0, 2, 1,
                           4 if from_a else 0, 6) + \
            pf.mac(MAC_A if from_a else MAC_B) + b"\0\0" + ippkt

    def null(bo, af6):
        return lambda p, a: struct.pack(bo + "I", af6 if v6(p) else AF_INET) + p

    variants = [
        ("en10mb.pcap", pf.LINKTYPE_ETHERNET, "<", eth, None),
        ("en10mb-vlan.pcap", pf.LINKTYPE_ETHERNET, "<",
         lambda p, a: eth(p, a, [(pf.ETH_P_8021Q, 100)]), None),
        ("en10mb-qinq.pcap", pf.LINKTYPE_ETHERNET, "<",
         lambda p, a: eth(p, a, [(pf.ETH_P_8021AD, 200),
                                 (pf.ETH_P_8021Q, 100)]), None),
        ("linux-sll.pcap", pf.LINKTYPE_LINUX_SLL, "<", sll, None),
        ("linux-sll2.pcap", pf.LINKTYPE_LINUX_SLL2, "<", sll2, None),
        ("null-le.pcap", pf.LINKTYPE_NULL, "<", null("<", 30), None),
        ("null-le-af10.pcap", pf.LINKTYPE_NULL, "<", null("<", 10), None),
        ("null-be.pcap", pf.LINKTYPE_NULL, ">", null(">", 28), None),
        ("loop.pcap", pf.LINKTYPE_LOOP, "<", null(">", 24), None),
        ("raw.pcap", pf.LINKTYPE_RAW, "<", lambda p, a: p, None),
        ("ipv4.pcap", pf.LINKTYPE_IPV4, "<", lambda p, a: p, 4),
        ("ipv6.pcap", pf.LINKTYPE_IPV6, "<", lambda p, a: p, 6),
    ]
    for name, lt, bo, wrap, only in variants:
        with pf.Writer(os.path.join(outdir, name), lt, byteorder=bo) as w:
            for ts, ippkt, _ in pkts:
                if only and ippkt[0] >> 4 != only:
                    continue
                w.write(ts, wrap(ippkt, is_from_a(ippkt, a_addrs)))


if __name__ == "__main__":
    main()
