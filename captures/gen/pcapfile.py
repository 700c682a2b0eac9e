"""pcapfile: the little the capture generators need to read and write classic
pcap files and to build Ethernet/IPv4/IPv6/UDP/TCP headers with correct
checksums.  Standard library only; used by the other scripts in this folder.

pcap file header (24 bytes, in the writer's byte order):
  magic a1b2c3d4 | ver 2.4 | thiszone 0 | sigfigs 0 | snaplen | linktype
record header (16 bytes): ts_sec | ts_usec | caplen | origlen, then the data.
"""

import struct

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_USER0 = 147
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_8021Q = 0x8100
ETH_P_8021AD = 0x88A8


class Reader:
    """Iterates (ts_sec, ts_usec, data) over a classic pcap file."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.buf = f.read()
        magic = self.buf[:4]
        if magic == b"\xd4\xc3\xb2\xa1":
            self.bo = "<"
        elif magic == b"\xa1\xb2\xc3\xd4":
            self.bo = ">"
        else:
            raise ValueError("%s: not a classic microsecond pcap file" % path)
        (_, _, _, _, _, self.snaplen, self.linktype) = struct.unpack(
            self.bo + "IHHiIII", self.buf[:24])

    def __iter__(self):
        off = 24
        while off + 16 <= len(self.buf):
            sec, usec, caplen, _ = struct.unpack(self.bo + "IIII",
                                                 self.buf[off:off + 16])
            off += 16
            yield sec, usec, self.buf[off:off + caplen]
            off += caplen


class Writer:
    """Writes a classic microsecond pcap; byteorder '<' or '>'."""

    def __init__(self, path, linktype, snaplen=65535, byteorder="<"):
        self.f = open(path, "wb")
        self.bo = byteorder
        self.f.write(struct.pack(self.bo + "IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0,
                                 snaplen, linktype))

    def write(self, ts, data, origlen=None):
        """ts: float seconds or (sec, usec)."""
        if isinstance(ts, tuple):
            sec, usec = ts
        else:
            sec = int(ts)
            usec = int(round((ts - sec) * 1e6))
            if usec >= 1000000:
                sec, usec = sec + 1, usec - 1000000
        if origlen is None:
            origlen = len(data)
        self.f.write(struct.pack(self.bo + "IIII", sec, usec, len(data),
                                 origlen))
        self.f.write(data)

    def close(self):
        self.f.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def csum(data):
    """RFC 1071 Internet checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip_bytes(addr):
    import ipaddress
    return ipaddress.ip_address(addr).packed


def l4_checksum(src, dst, proto, seg):
    s, d = ip_bytes(src), ip_bytes(dst)
    if len(s) == 4:
        pseudo = s + d + struct.pack("!BBH", 0, proto, len(seg))
    else:
        pseudo = s + d + struct.pack("!IxxxB", len(seg), proto)
    c = csum(pseudo + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return c


def udp(src, dst, sport, dport, payload):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    c = l4_checksum(src, dst, 17, hdr + payload)
    return hdr[:6] + struct.pack("!H", c) + payload


TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 1, 2, 4, 8, 16


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535,
        options=b""):
    if len(options) % 4:
        options += b"\0" * (4 - len(options) % 4)
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, off << 4, flags, window, 0, 0)
    hdr += options
    c = l4_checksum(src, dst, 6, hdr + payload)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def ipv4(src, dst, proto, payload, ident=0, ttl=64, df=True, frag=0, mf=False):
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag // 8)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                      flags, ttl, proto, 0, ip_bytes(src), ip_bytes(dst))
    return hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nxt, payload, hlim=64, flow=0):
    return struct.pack("!IHBB16s16s", (6 << 28) | flow, len(payload), nxt,
                       hlim, ip_bytes(src), ip_bytes(dst)) + payload


def ip(src, dst, proto, payload, **kw):
    if ":" in src:
        return ipv6(src, dst, proto, payload)
    return ipv4(src, dst, proto, payload, **kw)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def ether(src, dst, ethertype, payload, vlans=()):
    """vlans: sequence of (tpid, tci) outermost first."""
    out = mac(dst) + mac(src)
    for tpid, tci in vlans:
        out += struct.pack("!HH", tpid, tci)
    return out + struct.pack("!H", ethertype) + payload


def ethertype_of(ippkt):
    return ETH_P_IPV6 if ippkt[0] >> 4 == 6 else ETH_P_IP


def ether_ip(payload_ip, src="02:00:00:00:00:01", dst="02:00:00:00:00:02"):
    return ether(src, dst, ethertype_of(payload_ip), payload_ip)


def ip_of_ethernet(frame):
    """The IP packet inside an Ethernet II frame (after any VLAN tags), or
    None when the frame carries something else (ARP, ...)."""
    off = 12
    et = struct.unpack("!H", frame[off:off + 2])[0]
    while et in (ETH_P_8021Q, ETH_P_8021AD):
        off += 4
        et = struct.unpack("!H", frame[off:off + 2])[0]
    if et in (ETH_P_IP, ETH_P_IPV6):
        return frame[off + 2:]
    return None
