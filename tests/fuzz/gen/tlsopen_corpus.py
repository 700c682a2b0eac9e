#!/usr/bin/env python3
"""tlsopen_corpus.py - seeds for TLS 1.3 decryption: RFC 8448 section 3's
hellos and client Finished, then an HTTP request and its answer sealed under
its application secrets (AES-128-GCM), as fuzz_streams segments (config bit
4: its secrets loaded), as fuzz_correlate frames (bit 1: an ingress
connection whose TLS is that handshake, the request inside, the node's
loopback request) and as fuzz_tlsdecrypt inputs (a key log; records).

usage: tlsopen_corpus.py CORPUS_DIR   (tests/fuzz/corpus)
"""
import hashlib
import hmac
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

H = bytes.fromhex
RANDOM = "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
C_AP = H("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5")
S_AP = H("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643")
CH = H("16030100c4010000c00303" + RANDOM + "000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d00170018001901000101010201030104002300000033002600"
       "24001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001")
SH = H("160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304")
FIN = H("170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546")
CCS = H("140303000101")


def expand_label(secret, label, n):
    full = b"tls13 " + label
    info = struct.pack(">HB", n, len(full)) + full + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:n]


def seal(secret, seq, text, ctype=23):
    key, iv = expand_label(secret, b"key", 16), expand_label(secret, b"iv", 12)
    nonce = bytes(a ^ b for a, b in zip(iv, seq.to_bytes(12, "big")))
    plain = text + bytes([ctype])
    hdr = struct.pack(">BHH", 23, 0x0303, len(plain) + 16)
    return hdr + AESGCM(key).encrypt(nonce, plain, hdr)


def seg(conn, d, flags, payload, delta=0):
    return struct.pack("<BBIH", conn | d << 2, flags, delta, len(payload)) + payload


class Tcp:
    """Raw IPv4 frames of one connection (fuzz_correlate: u8 input/link/clock,
    le16 length, the frame)."""

    def __init__(self, a, ap, b, bp):
        self.ends, self.seq = ((a, ap), (b, bp)), [1000, 5000]

    def frame(self, side, flags, data=b""):
        (sa, sp), (da, dp) = self.ends[side], self.ends[1 - side]
        tcp = struct.pack(">HHIIBBHHH", sp, dp, self.seq[side], self.seq[1 - side], 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(data), 0, 0, 64, 6, 0, bytes(sa), bytes(da))
        self.seq[side] += len(data) + (1 if flags & 3 else 0)
        pkt = ip + tcp + data
        return struct.pack("<BH", 1 << 4, len(pkt)) + pkt


def correlate_seed():
    syn, synack, ack, psh = 0x02, 0x12, 0x10, 0x18
    i = Tcp((100, 64, 0, 1), 40001, (100, 64, 0, 2), 46187)
    f = [i.frame(0, syn), i.frame(1, synack), i.frame(0, ack)]
    f.append(i.frame(0, psh, b"POST /v0/ingress HTTP/1.1\r\nHost: 100.64.0.2:46187\r\n"
                     b"Tailscale-Ingress-Src: 203.0.113.7:5555\r\n"
                     b"Tailscale-Ingress-Target: example.ts.net:443\r\n\r\n"))
    f.append(i.frame(1, psh, b"HTTP/1.1 101 Switching Protocols\r\n\r\n"))
    f += [i.frame(0, psh, CH), i.frame(1, psh, SH + CCS), i.frame(0, psh, CCS + FIN),
          i.frame(0, psh, seal(C_AP, 0, b"GET /exact HTTP/1.1\r\nHost: example.ts.net\r\n\r\n"))]
    lo = Tcp((127, 0, 0, 1), 50001, (127, 0, 0, 1), 2367)
    f += [lo.frame(0, syn), lo.frame(1, synack), lo.frame(0, ack),
          lo.frame(0, psh, b"GET /exact HTTP/1.1\r\nHost: example.ts.net\r\n"
                   b"X-Forwarded-For: 203.0.113.7\r\n\r\n"),
          lo.frame(1, psh, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")]
    f.append(i.frame(1, psh, seal(S_AP, 0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")))
    return bytes([2]) + b"".join(f)


def program_seed():
    """fuzz_program: raw IPv4 frames (config 3), the handshake and a request
    and its answer sealed under its secrets; the request's record fed at
    every truncated length first (record flag 1)."""
    syn, synack, ack, psh = 0x02, 0x12, 0x10, 0x18
    c = Tcp((100, 64, 0, 1), 40001, (100, 64, 0, 2), 443)

    def rec(frame, expand=False):
        return bytes([1 if expand else 0]) + frame[1:]  # fuzz_correlate's header, its input byte replaced

    f = [rec(c.frame(0, syn)), rec(c.frame(1, synack)), rec(c.frame(0, ack)),
         rec(c.frame(0, psh, CH)), rec(c.frame(1, psh, SH + CCS)), rec(c.frame(0, psh, CCS + FIN)),
         rec(c.frame(0, psh, seal(C_AP, 0, b"GET /inside?q=1 HTTP/1.1\r\nHost: example.ts.net\r\n\r\n")),
             expand=True),
         rec(c.frame(1, psh, seal(S_AP, 0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")))]
    return bytes([3]) + b"".join(f)


def main(out):
    syn, synack, ack, psh = 0x02, 0x12, 0x10, 0x18
    req = seal(C_AP, 0, b"GET /secret?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n")
    resp = seal(S_AP, 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    flow = [seg(0, 0, syn, b""), seg(0, 1, synack, b""), seg(0, 0, ack, b""),
            seg(0, 0, psh, CH), seg(0, 1, psh, SH + CCS), seg(0, 0, psh, CCS + FIN),
            seg(0, 0, psh, req), seg(0, 1, psh, resp)]
    os.makedirs(os.path.join(out, "streams"), exist_ok=True)
    with open(os.path.join(out, "streams", "tls13-rfc8448-http.bin"), "wb") as f:
        f.write(bytes([16]) + b"".join(flow))
    # a KeyUpdate, then a request under the next secret
    nxt = expand_label(C_AP, b"traffic upd", 32)
    upd = flow[:7] + [seg(0, 0, psh, seal(C_AP, 1, bytes([24, 0, 0, 1, 0]), 22)),
                      seg(0, 0, psh, seal(nxt, 0, b"GET /after HTTP/1.1\r\nHost: a\r\n\r\n"))]
    with open(os.path.join(out, "streams", "tls13-rfc8448-keyupdate.bin"), "wb") as f:
        f.write(bytes([16]) + b"".join(upd))
    # the header of the Finished cut between two segments
    cut = flow[:5] + [seg(0, 0, psh, CCS + FIN[:3]), seg(0, 0, psh, FIN[3:])] + flow[6:]
    with open(os.path.join(out, "streams", "tls13-rfc8448-cut.bin"), "wb") as f:
        f.write(bytes([16]) + b"".join(cut))
    os.makedirs(os.path.join(out, "correlate"), exist_ok=True)
    with open(os.path.join(out, "correlate", "tls13-exact-join.bin"), "wb") as f:
        f.write(correlate_seed())
    os.makedirs(os.path.join(out, "program"), exist_ok=True)
    with open(os.path.join(out, "program", "tls13-rfc8448-decrypted.bin"), "wb") as f:
        f.write(program_seed())
    d = os.path.join(out, "tlsdecrypt")
    os.makedirs(d, exist_ok=True)
    log = ("CLIENT_TRAFFIC_SECRET_0 %s %s\nSERVER_TRAFFIC_SECRET_0 %s %s\n# comment\nCLIENT_RANDOM %s %s\n"
           % (RANDOM, C_AP.hex(), RANDOM, S_AP.hex(), RANDOM, "ab" * 48)).encode()
    with open(os.path.join(d, "keylog.bin"), "wb") as f:
        f.write(b"\x00" + log)
    with open(os.path.join(d, "record-app.bin"), "wb") as f:
        f.write(b"\x01" + bytes(8) + req)
    with open(os.path.join(d, "record-finished.bin"), "wb") as f:
        f.write(b"\x02" + bytes(8) + FIN)
    with open(os.path.join(d, "roundtrip.bin"), "wb") as f:
        f.write(b"\x03" + bytes(8) + b"GET / HTTP/1.1\r\n\r\n\x00\x00")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus"))
