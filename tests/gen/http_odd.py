#!/usr/bin/env python3
"""Writes captures shaped like other projects' traffic that once fooled
fdecode (issue 18), for the golden cases (tests/golden/fdecode/CASES) and
tests/integration/http_odd_tshark.sh:

  http_odd.py OUTDIR [CASE ...]     (default: every case)
  http_odd.py --list                the case names, one a line

Each case is a file named after it. The shapes follow captures in
../shared/corpus/ext/ (nDPI, zeek, arkime, suricata-verify tests), which
stay outside the repository; the bytes here are made up, the structure is
theirs. Ethernet, IPv4 between 198.18.0.1 (client) and 198.18.0.2 (server),
IPv6 between 2001:db8::1 and ::2; timestamps 1 ms apart from 2026-01-01.
Deterministic; standard library only.

  midstream-join      1kxun: every frame captured twice; a connection joined
                      while a response body is on its way, later responses
  spaces-target       http-manipulated: "GET" and the target 20 spaces apart,
                      then GET /rick.gif on the same connection
  nikto-targets       WebattackRCE: "GET . HTTP/1.0" and a target with
                      spaces, each on its own connection, answered 400
  token-methods       arkime: RPC_IN_DATA and RPC_OUT_DATA (v4 and v6)
  connect-tunnel      http_connect: CONNECT apache.org:443 to a proxy on
                      8080, 200, then a TLS handshake inside the tunnel
  te-obs-fold         zeek 261 variant-09: Transfer-Encoding folded
  chunk-overflow      zeek 261 variant-01: chunk size 2^64
  status-version      suricata http-evader-051: "HTTP/1.01 200 ok"
  gnutella-tls        gnutella: a GNUTELLA handshake with Upgrade: TLS/1.0,
                      then TLS; a request with a folded header line
  clock-behind        steam: pcapng, 2 interfaces, the second's clock 3 days
                      behind, a HelloRetryRequest and a second ClientHello
  many-ciphers        ja3_lots_of_cipher_suites: a ClientHello with 350
                      cipher suites
  tls13-draft         zeek tls13draft16: draft-16 ClientHello, draft-14
                      style ServerHello (no session id, no compression)
  ms-turn             teams: MS-TURN allocate with unpadded attributes
  urgent-uri          a request whose middle segment carries URG data
"""

import os
import struct
import sys

EN10MB = 1
T0 = 1767225600  # 2026-01-01 00:00:00 UTC
CLI4, SRV4 = bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])
CLI6 = bytes.fromhex("20010db8000000000000000000000001")
SRV6 = bytes.fromhex("20010db8000000000000000000000002")
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


# ---- frames -----------------------------------------------------------------

def eth(payload, ethertype=0x0800):
    return MAC_B + MAC_A + struct.pack(">H", ethertype) + payload


def ip4(proto, payload, src, dst):
    return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0,
                       src, dst) + payload


def ip6(nxt, payload, src, dst):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nxt, 64, src, dst) + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", urg=0):
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       5 << 4, flags, 65535, 0, urg) + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def ip_frame(proto, payload, d, v6):
    if v6:
        a = (CLI6, SRV6) if d == 0 else (SRV6, CLI6)
        return eth(ip6(proto, payload, a[0], a[1]), 0x86dd)
    a = (CLI4, SRV4) if d == 0 else (SRV4, CLI4)
    return eth(ip4(proto, payload, a[0], a[1]))


class Conn:
    """One TCP connection client:sport <-> server:dport; frames appended to
    a shared list so that connections interleave in file order."""

    def __init__(self, out, sport, dport, v6=False, iface=0):
        self.out, self.sport, self.dport, self.v6, self.iface = out, sport, dport, v6, iface
        self.seq = [0x1000 + sport, 0x9000 + dport]

    def seg(self, d, flags, data=b"", urg=0):
        ports = (self.sport, self.dport) if d == 0 else (self.dport, self.sport)
        f = ACK if flags != SYN else 0
        t = tcp(ports[0], ports[1], self.seq[d], self.seq[1 - d], flags | f, data, urg)
        self.out.append((ip_frame(6, t, d, self.v6), self.iface))
        self.seq[d] += len(data) + (1 if flags & (SYN | FIN) else 0)

    def send(self, d, data, mss=1400):
        for i in range(0, len(data), mss):
            self.seg(d, PSH, data[i:i + mss])

    def open(self):
        self.seg(0, SYN)
        self.seg(1, SYN | ACK)
        self.seg(0, ACK)
        return self

    def close(self):
        self.seg(0, FIN)
        self.seg(1, FIN)
        self.seg(0, ACK)
        return self


# ---- TLS hellos -------------------------------------------------------------

def ext(t, body):
    return struct.pack(">HH", t, len(body)) + body


def vec8(b):
    return struct.pack(">B", len(b)) + b


def vec16(b):
    return struct.pack(">H", len(b)) + b


def u16s(vals):
    return b"".join(struct.pack(">H", v) for v in vals)


def handshake(typ, body):
    return struct.pack(">B", typ) + struct.pack(">I", len(body))[1:] + body


def record(payload, ctype=22, version=0x0301):
    return struct.pack(">BHH", ctype, version, len(payload)) + payload


def client_hello(sni, ciphers=(0x1301, 0x1302, 0xc02f), versions=(0x0304, 0x0303),
                 group=0x001d, seed=1):
    exts = ext(0, vec16(b"\x00" + vec16(sni.encode()))) if sni else b""
    exts += ext(10, vec16(u16s([0x001d, 0x0017])))
    exts += ext(11, vec8(b"\x00"))
    exts += ext(13, vec16(u16s([0x0403, 0x0804, 0x0401])))
    exts += ext(16, vec16(vec8(b"h2") + vec8(b"http/1.1")))
    exts += ext(43, vec8(u16s(versions)))
    exts += ext(51, vec16(struct.pack(">H", group) + vec16(bytes([seed]) * 32)))
    body = struct.pack(">H", 0x0303) + bytes([seed]) * 32 + vec8(bytes([seed + 1]) * 32)
    body += vec16(u16s(ciphers)) + vec8(b"\x00") + vec16(exts)
    return handshake(1, body)


HRR_RANDOM = bytes.fromhex("cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def server_hello(cipher=0x1301, version=0x0304, random=b"\x22" * 32, sid=b"\x02" * 32,
                 group=0x001d):
    exts = ext(43, struct.pack(">H", version))
    exts += ext(51, struct.pack(">H", group) + (vec16(b"\x33" * 32) if random != HRR_RANDOM
                                                 else b""))
    body = struct.pack(">H", 0x0303) + random + vec8(sid) + struct.pack(">HB", cipher, 0)
    return handshake(2, body + vec16(exts))


CCS = record(b"\x01", ctype=20, version=0x0303)


# ---- cases ------------------------------------------------------------------

def get(path, host="app.example", extra=""):
    return ("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (path, host, extra)).encode()


def ok(body=b"ok", status="200 OK", extra=""):
    return ("HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n" % (status, len(body), extra)).encode() \
        + body


def c_midstream_join():
    out = []
    # Joined mid-connection: no handshake; the response to the request
    # before the capture is still coming, and its head was not captured.
    c = Conn(out, 45422, 80)
    c.send(0, get("/js/application.min.js?1644808200"))
    c.send(1, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 6)   # a body's tail
    c.send(1, bytes(range(255, -1, -1)) * 4)
    c.send(0, get("/images/go_homepage.png"))
    c.send(1, ok(b"\x89PNG" + bytes(300), extra="Content-Type: image/png\r\n"))
    c.send(0, get("/images/action_bar_5.png"))
    c.send(1, ok(b"\x89PNG" + bytes(500), extra="Content-Type: image/png\r\n"))
    c.close()
    # 1kxun has every frame twice.
    return [f for f in out for _ in (0, 1)]


def c_spaces_target():
    out = []
    c = Conn(out, 33684, 8080).open()
    c.send(0, b"GET" + b" " * 18 + b"/aaaaaaaaaaaaaaaaaaaaaaaa_very_long_uri HTTP/1.1\r\n"
           b"Host: www.lan:8080\r\nConnection: keep-alive\r\n\r\n")
    c.send(1, ok(b"<html>rick</html>\n"))
    c.send(0, get("/rick.gif", "www.lan:8080"))
    c.send(1, ok(b"GIF89a" + bytes(64)))
    c.close()
    return out


def c_nikto_targets():
    out = []
    for port, line in ((49716, b"GET . HTTP/1.0\r\n"),
                       (50632, b"GET /cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download"
                               b" HTTP/1.0\r\n"),
                       (50700, b"GET /cgi-bin/ok.cgi HTTP/1.0\r\n")):
        c = Conn(out, port, 8080).open()
        c.send(0, line + b"Host: 127.0.0.1:8080\r\nUser-Agent: Mozilla/5.00 (Nikto/2.1.6)\r\n\r\n")
        c.send(1, b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        c.close()
    return out


def c_token_methods():
    out = []
    for port, method, v6 in ((51001, b"RPC_IN_DATA", False), (51002, b"RPC_OUT_DATA", False),
                             (51003, b"RPC_IN_DATA", True)):
        c = Conn(out, port, 80, v6).open()
        c.send(0, method + b" /rpc/rpcproxy.dll?MAIL.example.com:6001 HTTP/1.1\r\n"
               b"Host: mail.example.com\r\nContent-Length: 0\r\n\r\n")
        c.send(1, ok(b""))
        c.close()
    return out


def c_connect_tunnel():
    out = []
    c = Conn(out, 1714, 8080).open()
    c.send(0, b"CONNECT apache.org:443 HTTP/1.1\r\nHost: apache.org:443\r\n"
           b"Proxy-Connection: keep-alive\r\n\r\n")
    c.send(1, b"HTTP/1.1 200 Connection established\r\n\r\n")
    c.send(0, record(client_hello("apache.org", versions=(0x0303,))))
    c.send(1, record(server_hello(0xc02f, 0x0303), version=0x0303))
    c.send(0, record(b"\x17" * 40, ctype=23, version=0x0303))
    c.close()
    return out


def c_te_obs_fold():
    out = []
    c = Conn(out, 40009, 80).open()
    c.send(0, b"POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
           b"0\r\n\r\nGET /smuggled-obsfold HTTP/1.1\r\nHost: target\r\n\r\n")
    c.close()
    return out


def c_chunk_overflow():
    out = []
    c = Conn(out, 40001, 80).open()
    c.send(0, b"POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"10000000000000000\r\n\r\nGET /smuggled-chunk-2pow64 HTTP/1.1\r\n"
           b"Host: target\r\n\r\n")
    c.close()
    return out


def c_status_version():
    out = []
    c = Conn(out, 5639, 80).open()
    c.send(0, get("/chunked/eicar.txt/chunked,HTTP/1.01", "evader.example.com"))
    c.send(1, b"HTTP/1.01 200 ok\r\nContent-type: application/octet-stream\r\n"
           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           b"44\r\nX5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\r\n"
           b"0\r\n\r\n")
    c.close()
    return out


def c_gnutella_tls():
    out = []
    c = Conn(out, 50300, 11852).open()
    c.send(0, b"GNUTELLA CONNECT/0.6\r\nUser-Agent: gtk-gnutella/1.2.2\r\n"
           b"Upgrade: TLS/1.0\r\nX-Ultrapeer: False\r\n\r\n")
    c.send(1, b"GNUTELLA/0.6 200 OK\r\nUser-Agent: gtk-gnutella/1.2.1\r\n"
           b"Upgrade: TLS/1.0\r\nConnection: Upgrade\r\n\r\n")
    c.send(0, b"GNUTELLA/0.6 200 OK\r\nConnection: Upgrade\r\n\r\n")
    c.send(0, record(client_hello("gnutella.example", versions=(0x0303,))))
    c.send(1, record(server_hello(0xc02f, 0x0303), version=0x0303))
    c.close()
    # A download request with a folded header line in the middle.
    d = Conn(out, 50327, 46906).open()
    d.send(0, b"GET /uri-res/N2R?urn:sha1:LXIP2A72T5H3BU3GRUMZFYNU3OYDK6FI HTTP/1.1\r\n"
           b"Host: 198.18.0.2:46906\r\nUser-Agent: gtk-gnutella/1.2.2\r\n"
           b"X-Features: tls/1.0, browse/1.0,\r\n\tfwalt/0.1\r\n"
           b"X-Forwarded-For: 66.249.72.211\r\nRange: bytes=0-1023\r\n\r\n")
    d.send(1, ok(bytes(16), "206 Partial Content"))
    d.close()
    return out


def c_clock_behind():
    """(frame, iface, ts) records: interface 0 first, then interface 1 whose
    clock is 3 days behind."""
    out = []
    a = Conn(out, 59739, 80).open()
    a.send(0, get("/204", "test.steampowered.com"))
    a.send(1, b"HTTP/1.1 204 No Content\r\n\r\n")
    a.close()
    n0 = len(out)
    b = Conn(out, 54243, 443, iface=1).open()
    b.send(0, record(client_hello("store.example", group=0x0017)))
    b.send(1, record(server_hello(0x1301, random=HRR_RANDOM), version=0x0303) + CCS)
    b.send(0, CCS + record(client_hello("store.example", seed=7), version=0x0303))
    b.send(1, record(server_hello(0x1301), version=0x0303))
    b.close()
    recs = []
    for i, (f, iface) in enumerate(out):
        t = (T0 + 3 * 86400) * 10**6 + i * 1000 if i < n0 else T0 * 10**6 + (i - n0) * 400000
        recs.append((f, iface, t))
    return recs


def c_many_ciphers():
    out = []
    c = Conn(out, 58657, 443).open()
    ciphers = [0x0a0a] + [0xc000 + i for i in range(349)]
    c.send(0, record(client_hello("", ciphers=ciphers, versions=(0x0303,))))
    c.send(1, record(server_hello(0xc014, 0x0303), version=0x0303))
    c.close()
    return out


def c_tls13_draft():
    out = []
    c = Conn(out, 53994, 443).open()
    c.send(0, record(client_hello("draft.example", ciphers=(0x1301, 0xcca9),
                                  versions=(0x7f10, 0x0303))))
    body = struct.pack(">H", 0x7f0e) + b"\x44" * 32 + struct.pack(">H", 0xcca9)
    body += vec16(ext(51, struct.pack(">H", 0x001d) + vec16(b"\x55" * 32)))
    c.send(1, record(handshake(2, body)))
    c.close()
    return out


def stun_attr(t, value, pad):
    return struct.pack(">HH", t, len(value)) + value + (bytes(-len(value) % 4) if pad else b"")


def c_ms_turn():
    txid = bytes(range(1, 13))
    xport = 57543 ^ 0x2112
    xaddr = bytes(a ^ b for a, b in zip(bytes([203, 0, 113, 72]), bytes.fromhex("2112a442")))
    attrs = stun_attr(0x8022, b"2.0.1.211", False)
    attrs += stun_attr(0x0020, struct.pack(">BBH", 0, 1, xport) + xaddr, False)
    attrs += stun_attr(0x000d, struct.pack(">I", 60), False)
    resp = struct.pack(">HHI", 0x0103, len(attrs), 0x2112A442) + txid + attrs
    req_attrs = stun_attr(0x0010, struct.pack(">I", 12000), False)
    req = struct.pack(">HHI", 0x0003, len(req_attrs), 0x2112A442) + txid + req_attrs
    out = [(ip_frame(17, udp(50016, 3478, req), 0, False), 0),
           (ip_frame(17, udp(3478, 50016, resp), 1, False), 0)]
    return out


def c_urgent_uri():
    out = []
    c = Conn(out, 41000, 80).open()
    c.seg(0, PSH, b"GET /a")
    c.seg(0, PSH | URG, b"X/b HTTP/1.1\r\nHost: app.example\r\n\r\n", urg=1)
    c.send(1, ok())
    c.close()
    return out


CASES = {
    "midstream-join": c_midstream_join,
    "spaces-target": c_spaces_target,
    "nikto-targets": c_nikto_targets,
    "token-methods": c_token_methods,
    "connect-tunnel": c_connect_tunnel,
    "te-obs-fold": c_te_obs_fold,
    "chunk-overflow": c_chunk_overflow,
    "status-version": c_status_version,
    "gnutella-tls": c_gnutella_tls,
    "clock-behind": c_clock_behind,
    "many-ciphers": c_many_ciphers,
    "tls13-draft": c_tls13_draft,
    "ms-turn": c_ms_turn,
    "urgent-uri": c_urgent_uri,
}


# ---- files ------------------------------------------------------------------

def write_pcap(path, frames):
    out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, EN10MB))
    for i, f in enumerate(frames):
        f = f[0] if isinstance(f, tuple) else f
        us = T0 * 10**6 + i * 1000
        out += struct.pack("<IIII", us // 10**6, us % 10**6, len(f), len(f)) + f
    with open(path, "wb") as fh:
        fh.write(out)


def block(btype, body):
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, recs):
    """recs: (frame, interface, microseconds)."""
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for _ in range(max(r[1] for r in recs) + 1):
        out += block(1, struct.pack("<HHI", EN10MB, 0, 262144))
    for f, iface, us in recs:
        out += block(6, struct.pack("<IIIII", iface, us >> 32, us & 0xffffffff, len(f), len(f))
                     + f)
    with open(path, "wb") as fh:
        fh.write(out)


def main(argv):
    if argv[:1] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if not argv:
        sys.exit(__doc__)
    outdir, names = argv[0], argv[1:] or list(CASES)
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        if name not in CASES:
            sys.exit("http_odd.py: no case '%s' (--list)" % name)
        recs = CASES[name]()
        if recs and len(recs[0]) == 3:
            write_pcapng(os.path.join(outdir, name + ".pcapng"), recs)
        else:
            write_pcap(os.path.join(outdir, name + ".pcap"), recs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
