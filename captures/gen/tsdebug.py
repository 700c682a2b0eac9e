"""tsdebug.py: writes tailscale-debug.pcap, a crafted capture in the format
of `tailscale debug capture -o FILE` (tailscale feature/capture/capture.go,
disco/pcap.go; /work/shared/docs/protocols.md section 6).  No Tailscale
binary is available here; the layout was checked against the Go source.

File: classic pcap, little-endian, v2.4, snaplen 65535, linktype 147
(LINKTYPE_USER0).  Record body:

  +----------+---------+-----------+---------+-----------+------------------+
  | path     | snat_len| snat addr | dnat_len| dnat addr | data             |
  | u16 LE   | u8      | 0/4/16 B  | u8      | 0/4/16 B  |                  |
  +----------+---------+-----------+---------+-----------+------------------+
  path 0 FromLocal, 1 FromPeer, 2 SynthesizedToLocal, 3 SynthesizedToPeer:
       data = the plaintext inner IP packet;
  path 254 Disco: data =
  +-------+---------------+----------+----------+------+-------------+---------+
  | flags | DERP node key | src port | addr len | addr | payload len | payload |
  | u8    | 32 B          | u16 LE   | u16 LE   | 4/16 | u16 LE      | disco   |
  +-------+---------------+----------+----------+------+-------------+---------+
  flags bit 0 = arrived via DERP (then src is 127.3.3.40:<DERP region ID>);
  payload = opened disco plaintext (type, version, body; body integers BE).

The capture is taken on node B (100.64.0.2, Tailscale IPv6
fd7a:115c:a1e0::2); the peer A is a Funnel ingress relay whose address is
the 4to6 form fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b of 100.104.208.43.
Content, in order:
  1-4  disco (path 254): ping from A via DERP region 7, call-me-maybe via
       DERP, pong direct from 198.18.0.1:41641, ping direct from
       [2001:db8::1]:41641;
  5-   a Funnel connection (paths 1 FromPeer and 0 FromLocal): TCP handshake
       to the PeerAPI port, POST /v0/ingress with Tailscale-Ingress-Src and
       -Target, "HTTP/1.1 101 Switching Protocols", then the public client's
       TLS ClientHello (real bytes from openssl s_client, taken from
       tls-openssl-lo.pcap) in the same stream, and the ACKs;
  last a FromPeer ICMP echo with SNAT and DNAT addresses set (a subnet
       router: the peer's 100.104.208.43 masqueraded to 10.1.2.1, the 4via6
       destination fd7a:115c:a1e0:b1a:0:7:a01:203 translated to 10.1.2.3).

Checked with the upstream Lua dissector (feature/capture/dissector/
ts-dissector.lua, not copied here): paths, SNAT/DNAT, disco source address
and port, message types, and the inner IPv6/TCP/HTTP all decode.  That Lua
reads the pong port little-endian (shows 43426 for 41641) and its hasbit()
call never reports the DERP flag; both are its bugs, not this file's.

usage: tsdebug.py TLS_PCAP|- OUT_PCAP [INNER_RAW_PCAP]
  TLS_PCAP: capture whose first client TCP payload starting with 0x16 is
  the ClientHello to embed; "-" uses the section 9.4 known answer instead.
  INNER_RAW_PCAP: also write the inner IP packets of paths 0-3 as a
  LINKTYPE_RAW file, so that tshark can check them.
"""

import struct
import sys

import pcapfile as pf
from disco import Node, call_me_maybe, h, ping, pong

BASE_TS = 1735693200.0  # 2025-01-01T01:00:00Z
INGRESS6 = "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b"
NODE6 = "fd7a:115c:a1e0::2"
PEERAPI_PORT = 46187
INGRESS_PORT = 38422
DERP_MAGIC = "127.3.3.40"
DERP_REGION = 7

PATH_FROM_LOCAL, PATH_FROM_PEER, PATH_DISCO = 0, 1, 254

KNOWN_ANSWER_94 = bytes.fromhex(
    "160301008b010000870303000000000000000000000000000000000000000000"
    "00000000000000000000000000080a0a13011302c02f010000561a1a00000000"
    "0013001100000e6578616d706c652e74732e6e65740010000e000c0268320868"
    "7474702f312e31002b0007062a2a03040303000a000800063a3a001d0017000b"
    "00020100000d00080006040308040401")


def client_hello(path):
    if path == "-":
        return KNOWN_ANSWER_94
    for _, _, fr in pf.Reader(path):
        ippkt = pf.ip_of_ethernet(fr)
        if ippkt is None or ippkt[0] >> 4 != 4 or ippkt[9] != 6:
            continue
        seg = ippkt[(ippkt[0] & 15) * 4:]
        pl = seg[(seg[12] >> 4) * 4:]
        if pl[:1] == b"\x16" and len(pl) > 5 and pl[5] == 1:
            rec_len = struct.unpack("!H", pl[3:5])[0]
            if len(pl) != 5 + rec_len:
                sys.exit("tsdebug.py: ClientHello spans segments in " + path)
            return pl
    sys.exit("tsdebug.py: no ClientHello in " + path)


def addr_bytes(a):
    return pf.ip_bytes(a) if a else b""


def record(path, data, snat=None, dnat=None):
    s, d = addr_bytes(snat), addr_bytes(dnat)
    return (struct.pack("<H", path) + bytes([len(s)]) + s + bytes([len(d)]) +
            d + data)


def disco_record(src_ip, src_port, payload, derp_key=None):
    a = pf.ip_bytes(src_ip)
    flags = 1 if src_ip == DERP_MAGIC else 0
    key = derp_key if derp_key is not None else b"\0" * 32
    return record(PATH_DISCO, bytes([flags]) + key +
                  struct.pack("<HH", src_port, len(a)) + a +
                  struct.pack("<H", len(payload)) + payload)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: tsdebug.py TLS_PCAP|- OUT_PCAP [INNER_RAW_PCAP]")
    hello = client_hello(sys.argv[1])
    out = sys.argv[2]
    inner = sys.argv[3] if len(sys.argv) == 4 else None
    a = Node("A")  # the peer; its node key signs DERP frames
    recs = []
    ts = [BASE_TS]

    def add(rec, dt=0.01):
        ts[0] += dt
        recs.append((ts[0], rec))

    # Disco, as node B's magicsock logs it after opening the boxes.
    t1 = h("tsdebug txid 1", 12)
    add(disco_record(DERP_MAGIC, DERP_REGION, ping(t1, a.node_pub), a.node_pub))
    add(disco_record(DERP_MAGIC, DERP_REGION, call_me_maybe(
        [("203.0.113.7", 41641), ("198.18.0.1", 41641),
         ("2001:db8::1", 41641)]), a.node_pub), 0.002)
    add(disco_record("198.18.0.1", 41641, pong(h("tsdebug txid 2", 12),
                                               "198.18.0.2", 41641)), 0.03)
    add(disco_record("2001:db8::1", 41641, ping(h("tsdebug txid 3", 12),
                                                a.node_pub)), 0.001)

    # The Funnel connection.
    cs, ss = 0x1A2B3C4D, 0x5E6F7081  # initial sequence numbers
    mss = struct.pack("!BBH", 2, 4, 1240)

    def seg(frm_peer, seq, ack, flags, payload=b"", opts=b""):
        src, dst = (INGRESS6, NODE6) if frm_peer else (NODE6, INGRESS6)
        sp, dp = ((INGRESS_PORT, PEERAPI_PORT) if frm_peer
                  else (PEERAPI_PORT, INGRESS_PORT))
        pkt = pf.ipv6(src, dst, 6, pf.tcp(src, dst, sp, dp, seq, ack, flags,
                                           payload, window=65000, options=opts))
        return record(PATH_FROM_PEER if frm_peer else PATH_FROM_LOCAL, pkt)

    A, S, P, F = pf.TCP_ACK, pf.TCP_SYN, pf.TCP_PSH, pf.TCP_FIN
    req = (b"POST /v0/ingress HTTP/1.1\r\n"
           b"Host: 100.64.0.2:%d\r\n"
           b"User-Agent: Go-http-client/1.1\r\n"
           b"Content-Length: 0\r\n"
           b"Tailscale-Ingress-Src: 66.249.72.211:51234\r\n"
           b"Tailscale-Ingress-Target: node.example.ts.net:443\r\n"
           b"Accept-Encoding: gzip\r\n\r\n") % PEERAPI_PORT
    resp = b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
    c, s = cs, ss
    add(seg(True, c, 0, S, opts=mss), 1.0)
    add(seg(False, s, c + 1, S | A, opts=mss), 0.0002)
    c, s = c + 1, s + 1
    add(seg(True, c, s, A), 0.0002)
    add(seg(True, c, s, P | A, req), 0.0001)
    c += len(req)
    add(seg(False, s, c, A), 0.0001)
    add(seg(False, s, c, P | A, resp), 0.0005)
    s += len(resp)
    add(seg(True, c, s, P | A, hello), 0.02)
    c += len(hello)
    add(seg(False, s, c, A), 0.0001)

    # SNAT/DNAT example: subnet router.
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x4242, 1) + b"funnelscope"
    icmp = icmp[:2] + struct.pack("!H", pf.csum(icmp)) + icmp[4:]
    add(record(PATH_FROM_PEER, pf.ipv4("10.1.2.1", "10.1.2.3", 1, icmp),
               snat="100.104.208.43", dnat="fd7a:115c:a1e0:b1a:0:7:a01:203"),
        2.0)

    with pf.Writer(out, pf.LINKTYPE_USER0) as w:
        for tsv, rec in recs:
            w.write(tsv, rec)

    # Self-check: walk every record back.
    n = 0
    raw = pf.Writer(inner, pf.LINKTYPE_RAW) if inner else None
    for sec, usec, body in pf.Reader(out):
        path = struct.unpack("<H", body[:2])[0]
        off = 2
        for _ in range(2):
            ln = body[off]
            assert ln in (0, 4, 16)
            off += 1 + ln
        if path == PATH_DISCO:
            off += 1 + 32
            port, alen = struct.unpack("<HH", body[off:off + 4])
            off += 4 + alen
            plen = struct.unpack("<H", body[off:off + 2])[0]
            assert off + 2 + plen == len(body)
        else:
            assert body[off] >> 4 in (4, 6)
            if raw:
                raw.write((sec, usec), body[off:])
        n += 1
    assert n == len(recs)
    if raw:
        raw.close()


if __name__ == "__main__":
    main()
