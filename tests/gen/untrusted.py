#!/usr/bin/env python3
"""Writes captures and logs whose strangers' text carries terminal escapes,
control characters, C1 controls, bidi controls, invisible format
characters and invalid UTF-8, for
tests/golden/untrusted_text.sh:

  untrusted.py OUTDIR

writes OUTDIR/untrusted.pcap (Ethernet): a ClientHello whose SNI, ALPN and
ingress target are hostile; HTTP requests whose Host, URI, User-Agent,
X-Forwarded-For elements, Forwarded values, X-Forwarded-Host,
X-Forwarded-Proto and X-Real-IP are; a response whose reason phrase is; a
head cut by the end whose URI is; a head whose header value holds an ESC
(malformed, printed as far as it got); a STUN binding request whose SOFTWARE
is. Also OUTDIR/status.json (tailscale status --json with a hostile
DNSName) and OUTDIR/tailscaled.log (lines with hostile bytes around
addresses), for ula2v4 --annotate. Deterministic; standard library only."""

import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile as H  # noqa: E402  (frame builders)

ESC = b"\x1b"
# Escape sequences: clear screen, OSC 52 (set the clipboard), a title
# change, cursor moves; C1 CSI as a raw byte and as UTF-8; bidi overrides
# and isolates; invalid UTF-8 (a lone continuation, an overlong NUL, a
# surrogate, a truncated sequence).
CLEAR = ESC + b"[2J"
OSC52 = ESC + b"]52;c;ZXZpbA==" + b"\x07"
TITLE = ESC + b"]0;pwned" + ESC + b"\\"
C1 = b"\x9b31m" + "\u009b".encode() + "\u0085".encode()
# The rest of Bidi_Control (ALM, LRM, RLM) and invisible format characters
# (default ignorable: zero-width space, BOM, a tag character) after them.
BIDI = ("\u202egnp.exe\u202c\u2066x\u2069" +
        "\u061c\u200e\u200f\u200b\ufeff\U000e0041").encode()
BAD_UTF8 = b"\x80\xc0\x80\xed\xa0\x80\xe2\x82"
CTRL = b"\x00\x01\x07\x08\x7f\r"
# What may sit in an HTTP value (no controls: those make the head
# malformed): C1 and bidi as UTF-8, raw high bytes, invalid UTF-8.
HIGH = C1 + BIDI + BAD_UTF8


def tls_hello(sni, alpn):
    name = struct.pack(">BH", 0, len(sni)) + sni
    sni_ext = struct.pack(">H", len(name)) + name
    protos = b"".join(struct.pack(">B", len(p)) + p for p in alpn)
    alpn_ext = struct.pack(">H", len(protos)) + protos
    exts = b""
    for t, d in ((0, sni_ext), (16, alpn_ext), (43, b"\x02\x03\x04"), (10, b"\x00\x02\x00\x1d")):
        exts += struct.pack(">HH", t, len(d)) + d
    body = (b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" +
            struct.pack(">H", len(exts)) + exts)
    hs = struct.pack(">I", (1 << 24) | len(body)) + body
    return struct.pack(">BHH", 22, 0x0301, len(hs)) + hs


def stun_request(software):
    attr = struct.pack(">HH", 0x8022, len(software)) + software + bytes(-len(software) % 4)
    return struct.pack(">HHI", 0x0001, len(attr), 0x2112A442) + b"\x01" * 12 + attr


def capture():
    frames = []
    # TLS: the SNI, ALPN carry everything (TLS puts no rule on their bytes).
    c = H.Conn(sport=40001, dport=443).open()
    c.seg(0, H.PSH, tls_hello(b"sni" + CLEAR + OSC52 + TITLE + C1 + BIDI + BAD_UTF8 + CTRL +
                               b".example", [b"h2" + CLEAR, b"x" + BAD_UTF8]))
    c.close()
    frames += c.frames

    # HTTP: every printed field, and a response reason.
    c = H.Conn(sport=40002, dport=80).open()
    c.seg(0, H.PSH, b"GET /uri" + HIGH + b"?q=" + HIGH + b" HTTP/1.1\r\n" +
          b"Host: host" + HIGH + b".example\r\n" +
          b"User-Agent: agent" + HIGH + b"\r\n" +
          b"X-Forwarded-For: 203.0.113.7" + HIGH + b", " + HIGH + b", 198.51.100.2\r\n" +
          b"Forwarded: for=\"[2001:db8::1" + HIGH + b"]\";proto=ht" + HIGH +
          b";host=\"h" + HIGH + b"\\\"q\", for=_o" + HIGH + b"\r\n" +
          b"X-Forwarded-Host: fwd" + HIGH + b"\r\n" +
          b"X-Forwarded-Proto: pr" + HIGH + b"\r\n" +
          b"X-Real-IP: ip" + HIGH + b"\r\n\r\n")
    c.seg(1, H.PSH, b"HTTP/1.1 200 reason" + HIGH + b"\r\nContent-Length: 0\r\n\r\n")
    # a head with an ESC in a value: malformed, shown as far as it got
    c.seg(0, H.PSH, b"GET /esc" + HIGH + b" HTTP/1.1\r\nHost: a" + CLEAR + b"\r\n\r\n")
    c.close()
    frames += c.frames

    # The ingress handshake, its target and then a hostile SNI.
    c = H.Conn(sport=40003, dport=2367).open()
    c.seg(0, H.PSH, b"POST /v0/ingress HTTP/1.1\r\nHost: 100.64.0.2:46187\r\n" +
          b"Tailscale-Ingress-Src: 66.249.72.211:51234" + HIGH + b"\r\n" +
          b"Tailscale-Ingress-Target: target" + HIGH + b".ts.net:443\r\n\r\n")
    c.seg(1, H.PSH, b"HTTP/1.1 101 Switching Protocols\r\n\r\n")
    c.seg(0, H.PSH, tls_hello(b"in" + OSC52 + BIDI + b".ts.net", [b"h2"]))
    c.close()
    frames += c.frames

    # A head the capture ends inside.
    c = H.Conn(sport=40004, dport=80).open()
    c.seg(0, H.PSH, b"GET /cut" + HIGH + b" HTTP/1.1\r\nHost: cut" + HIGH + b"\r\nUser-Ag")
    frames += c.frames

    # STUN SOFTWARE: any bytes at all.
    frames.append(H.eth(H.ip4(17, H.udp(41641, 3478, stun_request(
        b"sw" + CLEAR + OSC52 + TITLE + C1 + BIDI + BAD_UTF8 + CTRL)))))
    return H.pcap(frames)


def status_json():
    """tailscale status --json with a peer whose names are hostile."""
    evil = ("peer" + CLEAR.decode() + OSC52.decode() + "\u009b31m\u202eevil\u202c" +
            "\x07.tailnet.ts.net.")
    return json.dumps({
        "Version": "1.66.4", "BackendState": "Running",
        "TailscaleIPs": ["100.101.102.103", "fd7a:115c:a1e0::6a01:6667"],
        "Self": {"ID": "self", "HostName": "self" + CLEAR.decode(),
                 "DNSName": "self" + OSC52.decode() + ".tailnet.ts.net.",
                 "OS": "linux",
                 "TailscaleIPs": ["100.101.102.103", "fd7a:115c:a1e0::6a01:6667"]},
        "Peer": {"nodekey:1": {"ID": "p1", "HostName": "peer" + CLEAR.decode(),
                               "DNSName": evil, "OS": "linux",
                               "TailscaleIPs": ["100.104.208.43",
                                                "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b"]}},
    }, indent=1).encode()


def log():
    """tailscaled-like lines with hostile bytes right around addresses."""
    return (b"Accept: TCP{[fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b]:52117 > 100.101.102.103:22}" +
            CLEAR + b"\n" +
            b"peer " + OSC52 + b"100.104.208.43" + C1 + BIDI + b" and 100.64.0.1" +
            BAD_UTF8 + b" derp 127.3.3.40:7" + TITLE + b"\n" +
            b"fd7a:115c:a1e0::6a01:6667" + CTRL + b"66.249.72.211" + ESC + b"[0m\n")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 1
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in (("untrusted.pcap", capture()), ("status.json", status_json()),
                       ("tailscaled.log", log())):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
