"""disco.py: writes disco.pcap, a crafted capture of one Tailscale magicsock
UDP socket (port 41641) that multiplexes STUN, disco and WireGuard, as
described in /work/shared/docs/protocols.md sections 3 and 4 (sources:
tailscale disco/disco.go, net/stun/stun.go, wgengine/magicsock).  No
Tailscale binary is available here, so the disco packets are sealed with
PyNaCl (libsodium crypto_box: X25519 + XSalsa20-Poly1305, the same box as
golang.org/x/crypto/nacl/box) and the WireGuard messages are real ones
borrowed from wg-tunnel.pcap (wireguard-go), re-addressed.

Everything is deterministic: keys, nonces and transaction IDs come from
SHA-256 of fixed labels, so a re-run gives the same bytes (apart from the
WireGuard messages, which change when wg-tunnel.pcap is regenerated).

disco wire format (UDP payload):
  +--------+------------------+----------+---------------------------+
  | magic  | sender disco pub | nonce    | box: tag(16) + ciphertext  |
  | 6 B    | 32 B             | 24 B     | 16 + len(plaintext)        |
  +--------+------------------+----------+---------------------------+
  magic = 54 53 f0 9f 92 ac ("TS" + U+1F4AC)
plaintext: type u8, version u8 (0), then
  ping  (1): txid[12] node_key[32] [zero padding]
  pong  (2): txid[12] src_ip[16] (v4-mapped) src_port u16 BE
  call-me-maybe (3): N x (ip[16] + port u16 BE)

usage: disco.py WG_TUNNEL_PCAP OUT_PCAP OUT_KEYS
"""

import binascii
import hashlib
import ipaddress
import struct
import sys
import zlib

from nacl.public import Box, PrivateKey, PublicKey

import pcapfile as pf

MAGIC = b"TS\xf0\x9f\x92\xac"
STUN_COOKIE = 0x2112A442
BASE_TS = 1735689600.0  # 2025-01-01T00:00:00Z

A_IP, B_IP = "198.18.0.1", "198.18.0.2"
STUN_IP, DNS_IP = "198.18.1.1", "198.18.1.53"
PORT = 41641
MAPPED = ("203.0.113.7", 41641)  # A's "public" endpoint, documentation range
A_MAC, B_MAC, R_MAC = "02:fc:00:00:00:01", "02:fc:00:00:00:02", "02:fc:00:00:00:fe"


def h(label, n=32):
    return hashlib.sha256(b"funnelscope captures: " + label.encode()).digest()[:n]


class Node:
    def __init__(self, name):
        self.disco = PrivateKey(h("disco key " + name))
        self.node = PrivateKey(h("node key " + name))  # only its public half is used

    @property
    def disco_pub(self):
        return bytes(self.disco.public_key)

    @property
    def node_pub(self):
        return bytes(self.node.public_key)


def ip16(addr):
    a = ipaddress.ip_address(addr)
    if a.version == 4:
        a = ipaddress.IPv6Address("::ffff:" + addr)
    return a.packed


def ping(txid, node_key, pad=0):
    return bytes([1, 0]) + txid + node_key + b"\0" * pad


def pong(txid, src_ip, src_port):
    return bytes([2, 0]) + txid + ip16(src_ip) + struct.pack("!H", src_port)


def call_me_maybe(endpoints):
    return bytes([3, 0]) + b"".join(ip16(ip) + struct.pack("!H", p)
                                    for ip, p in endpoints)


def seal(sender, receiver_pub, plaintext, nonce):
    box = Box(sender.disco, PublicKey(receiver_pub))
    ct = box.encrypt(plaintext, nonce).ciphertext  # tag first, then data
    return MAGIC + sender.disco_pub + nonce + ct


def stun_attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack("!HH", t, len(v)) + v + b"\0" * pad


def stun_request(txid):
    """Tailscale's binding request: SOFTWARE "tailnode" + FINGERPRINT."""
    attrs = stun_attr(0x8022, b"tailnode")
    hdr = struct.pack("!HHI", 0x0001, len(attrs) + 8, STUN_COOKIE) + txid
    msg = hdr + attrs
    crc = (zlib.crc32(msg) ^ 0x5354554E) & 0xFFFFFFFF
    return msg + stun_attr(0x8028, struct.pack("!I", crc))


def stun_response(txid, ip, port):
    """Binding success with only XOR-MAPPED-ADDRESS, as Tailscale's derper."""
    xip = bytes(a ^ b for a, b in zip(ipaddress.ip_address(ip).packed,
                                      struct.pack("!I", STUN_COOKIE)))
    v = struct.pack("!BBH", 0, 1, port ^ (STUN_COOKIE >> 16)) + xip
    attrs = stun_attr(0x0020, v)
    return struct.pack("!HHI", 0x0101, len(attrs), STUN_COOKIE) + txid + attrs


def dns_query(qid, name):
    """A DNS query whose first byte is qid >> 8 (0x01 here): a decoy that a
    first-byte WireGuard classifier would wrongly take for an initiation."""
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + \
        struct.pack("!HH", 1, 1)


def wg_samples(path):
    """First initiation, first response, first two transports and the first
    keepalive of the wireguard-go capture, in capture order."""
    want = {1: 1, 2: 1, 4: 2, "ka": 1}
    out = []
    for _, _, frame in pf.Reader(path):
        ippkt = pf.ip_of_ethernet(frame)
        if ippkt is None:
            continue
        if ippkt[0] >> 4 == 4:
            hl = (ippkt[0] & 15) * 4
            if ippkt[9] != 17:
                continue
            udp = ippkt[hl:]
        else:
            if ippkt[6] != 17:
                continue
            udp = ippkt[40:]
        sport, dport = struct.unpack("!HH", udp[:4])
        pl = udp[8:]
        if not pl:
            continue
        kind = pl[0]
        if kind == 4 and len(pl) == 32:
            kind = "ka"
        if want.get(kind, 0) > 0:
            want[kind] -= 1
            # direction: from the side listening on 41641 (A) or not
            out.append((sport == 41641, pl))
    if any(want.values()):
        sys.exit("disco.py: %s lacks some WireGuard message types" % path)
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    wg_path, out_path, keys_path = sys.argv[1:]
    a, b = Node("A"), Node("B")
    ts = [BASE_TS]

    frames = []

    def emit(src, sport, dst, dport, payload, dt=0.01):
        ts[0] += dt
        smac = A_MAC if src == A_IP else B_MAC if src == B_IP else R_MAC
        dmac = A_MAC if dst == A_IP else B_MAC if dst == B_IP else R_MAC
        frames.append((ts[0], pf.ether_ip(pf.ip(src, dst, 17, pf.udp(
            src, dst, sport, dport, payload)), smac, dmac)))

    nonce = iter(h("nonce %d" % i, 24) for i in range(100))
    txid = iter(h("txid %d" % i, 12) for i in range(100))

    # 1. STUN: A learns its public endpoint.
    t = next(txid)
    emit(A_IP, PORT, STUN_IP, 3478, stun_request(t))
    emit(STUN_IP, 3478, A_IP, PORT, stun_response(t, *MAPPED), 0.004)
    # 2. The decoy: DNS query with first byte 0x01 from another socket.
    emit(A_IP, 50853, DNS_IP, 53, dns_query(0x01A7, "funnel.example.ts.net"))
    # 3. disco ping/pong both ways over the direct path.
    t = next(txid)
    emit(A_IP, PORT, B_IP, PORT, seal(a, b.disco_pub, ping(t, a.node_pub),
                                      next(nonce)))
    emit(B_IP, PORT, A_IP, PORT, seal(b, a.disco_pub, pong(t, A_IP, PORT),
                                      next(nonce)), 0.0005)
    t = next(txid)
    emit(B_IP, PORT, A_IP, PORT, seal(b, a.disco_pub, ping(t, b.node_pub),
                                      next(nonce)))
    emit(A_IP, PORT, B_IP, PORT, seal(a, b.disco_pub, pong(t, B_IP, PORT),
                                      next(nonce)), 0.0005)
    # 4. call-me-maybe (in real life it travels only over DERP; here so the
    #    decoder meets a sealed type 3 on UDP too).
    emit(A_IP, PORT, B_IP, PORT, seal(a, b.disco_pub, call_me_maybe(
        [MAPPED, (A_IP, PORT), ("2001:db8::1", PORT)]), next(nonce)))
    # 5. WireGuard on the same socket (real wireguard-go messages).
    for from_a, pl in wg_samples(wg_path):
        if from_a:
            emit(A_IP, PORT, B_IP, PORT, pl, 0.002)
        else:
            emit(B_IP, PORT, A_IP, PORT, pl, 0.002)
    # 6. A path-MTU style ping with zero padding, and its pong.
    t = next(txid)
    emit(A_IP, PORT, B_IP, PORT, seal(a, b.disco_pub,
                                      ping(t, a.node_pub, pad=64), next(nonce)), 1.0)
    emit(B_IP, PORT, A_IP, PORT, seal(b, a.disco_pub, pong(t, A_IP, PORT),
                                      next(nonce)), 0.0005)

    with pf.Writer(out_path, pf.LINKTYPE_ETHERNET) as w:
        for tsv, fr in frames:
            w.write(tsv, fr)

    # Self-check: every disco packet opens with the receiver's key.
    keys = {a.disco_pub: a, b.disco_pub: b}
    opened = 0
    for _, _, fr in pf.Reader(out_path):
        pl = pf.ip_of_ethernet(fr)[28:]
        if pl[:6] != MAGIC:
            continue
        sender = pl[6:38]
        receiver = b if sender == a.disco_pub else a
        Box(receiver.disco, PublicKey(sender)).decrypt(pl[62:], pl[38:62])
        opened += 1
    assert opened == 7, opened

    with open(keys_path, "w") as f:
        f.write("# disco.pcap / tailscale-debug.pcap keys (hex), from "
                "captures/gen/disco.py\n")
        f.write("# node A = 198.18.0.1:41641, node B = 198.18.0.2:41641\n")
        for name, n in (("A", a), ("B", b)):
            f.write("%s_DISCO_PRIVATE=%s\n" % (name, bytes(n.disco).hex()))
            f.write("%s_DISCO_PUBLIC=%s\n" % (name, n.disco_pub.hex()))
            f.write("%s_NODE_PUBLIC=%s\n" % (name, n.node_pub.hex()))


if __name__ == "__main__":
    main()
