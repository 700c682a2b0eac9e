#!/usr/bin/env python3
"""gen_hostile.py - writes tests/golden/fwatch/inputs/hostile.pcap: one
keep-alive HTTP/1.1 connection on lo (Ethernet framing, fixed times) whose
requests carry what an attacker controls: C1 control characters (CSI,
U+009B, and NEL, U+0085, as UTF-8), invalid UTF-8, a double quote, spaces
where a column would split, and X-Forwarded-For clients inside the crafted
GeoIP ranges of tests/unit/mkmmdb.pl, one of whose AS organisations is
itself hostile ("Evil \\"Org\\"" + ESC). A request left unanswered ends it.
Deterministic: rerunning rewrites the same bytes.

    python3 tests/golden/fwatch/gen_hostile.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "captures", "gen"))
import pcapfile as pf  # noqa: E402

CLI, SRV = "127.0.0.1", "127.0.0.1"
CPORT, SPORT = 50999, 2367
T0 = 1700000000.0

REQUESTS = [
    (b"GET /csi\xc2\x9b31m/\xff\xfe HTTP/1.1\r\nHost: node.example.ts.net\r\n"
     b"User-Agent: evil\xc2\x85agent \"quoted\"\r\n"
     b"X-Forwarded-For: 198.18.1.5\r\n\r\n",
     b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"),
    (b"GET /a%20b?q=1 HTTP/1.1\r\nHost: NODE.Example.ts.net.:443\r\n"
     b"X-Forwarded-Host: other.example.ts.net\r\n"
     b"X-Forwarded-For: 203.0.113.7, 198.18.1.6\r\n\r\n",
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    (b"GET /never-answered HTTP/1.1\r\nHost: node.example.ts.net\r\n"
     b"X-Forwarded-For: 66.249.72.211\r\n\r\n", None),
]


def main():
    out = os.path.join(HERE, "inputs", "hostile.pcap")
    t = T0
    cseq, sseq = 1000, 5000
    with pf.Writer(out, pf.LINKTYPE_ETHERNET) as w:
        def send(src, dst, sp, dp, seq, ack, flags, data=b""):
            nonlocal t
            seg = pf.tcp(src, dst, sp, dp, seq, ack, flags, data)
            w.write(t, pf.ether_ip(pf.ip(src, dst, 6, seg)))
            t += 0.001

        send(CLI, SRV, CPORT, SPORT, cseq, 0, pf.TCP_SYN)
        send(SRV, CLI, SPORT, CPORT, sseq, cseq + 1, pf.TCP_SYN | pf.TCP_ACK)
        cseq += 1
        sseq += 1
        send(CLI, SRV, CPORT, SPORT, cseq, sseq, pf.TCP_ACK)
        for req, resp in REQUESTS:
            send(CLI, SRV, CPORT, SPORT, cseq, sseq, pf.TCP_PSH | pf.TCP_ACK, req)
            cseq += len(req)
            if resp is None:
                continue
            t += 0.010
            send(SRV, CLI, SPORT, CPORT, sseq, cseq, pf.TCP_PSH | pf.TCP_ACK, resp)
            sseq += len(resp)
            t += 0.5


if __name__ == "__main__":
    main()
