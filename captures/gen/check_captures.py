"""check_captures.py: checks every sample capture with tshark (the
independent oracle) and prints a one-line summary per file.  Exits non-zero
on the first failed expectation.  Standard library only.

usage: check_captures.py CAPTURES_DIR
"""

import os
import struct
import subprocess
import sys
import tempfile

import pcapfile as pf

WG_PORTS = ["-d", "udp.port==41641,wg", "-d", "udp.port==51820,wg"]
FAILED = []


def tshark(path, fields, *opts):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=|",
           "-E", "occurrence=a", "-E", "aggregator=,"] + list(opts)
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit("tshark failed on %s: %s" % (path, res.stderr.strip()))
    rows = []
    for line in res.stdout.splitlines():
        rows.append(dict(zip(fields, line.split("|"))))
    return rows


def expect(cond, what):
    if not cond:
        FAILED.append(what)
        print("  FAIL: " + what)


def summary(name, text):
    print("%-34s %s" % (name, text))


def count(rows, **kw):
    return sum(all(r.get(k) == v for k, v in kw.items()) for r in rows)


def check_wg_tunnel(d):
    f = os.path.join(d, "wg-tunnel.pcap")
    rows = tshark(f, ["frame.number", "ip.src", "ipv6.src", "udp.length",
                      "wg.type", "wg.sender", "wg.receiver", "wg.counter",
                      "wg.static"],
                  "-o", "wg.keylog_file:" + os.path.join(d, "wg-tunnel.keylog"),
                  *WG_PORTS)
    wg = [r for r in rows if r["wg.type"]]
    ini = [r for r in wg if r["wg.type"] == "1"]
    rsp = [r for r in wg if r["wg.type"] == "2"]
    ka = [r for r in wg if r["wg.type"] == "4" and r["udp.length"] == "40"]
    tr = [r for r in wg if r["wg.type"] == "4" and r["udp.length"] != "40"]
    v6 = [r for r in wg if r["ipv6.src"]]
    expect(len(ini) >= 3 and len(rsp) >= 3, "wg-tunnel: 3 handshakes")
    expect(len(ka) >= 3, "wg-tunnel: keepalives")
    expect(len(tr) >= 10, "wg-tunnel: transport data")
    expect(any(r["wg.type"] == "1" for r in v6), "wg-tunnel: IPv6 handshake")
    senders = {r["wg.sender"] for r in ini}
    expect(all(r["wg.receiver"] in senders for r in rsp),
           "wg-tunnel: each response answers an initiation")
    expect(all(r["wg.static"] for r in ini),
           "wg-tunnel: keylog opens every initiation's static key")
    expect(count(wg, **{"wg.type": "3"}) == 0, "wg-tunnel: no cookie reply")
    summary("wg-tunnel.pcap", "%d frames, WireGuard %d: %d initiation, %d "
            "response, %d transport, %d keepalive; %d over IPv6" %
            (len(rows), len(wg), len(ini), len(rsp), len(tr), len(ka), len(v6)))


def check_stun(d):
    f = os.path.join(d, "stun.pcap")
    rows = tshark(f, ["frame.number", "udp.dstport", "stun.type", "stun.id",
                      "stun.att.type", "stun.att.ipv4", "stun.att.ipv6"])
    req = [r for r in rows if r["stun.type"] == "0x0001"]
    ok = [r for r in rows if r["stun.type"] == "0x0101"]
    expect(len(req) >= 8 and len(req) == len(ok), "stun: every request answered")
    expect({r["stun.id"] for r in req} == {r["stun.id"] for r in ok},
           "stun: transaction IDs match")
    expect(all("0x0020" in r["stun.att.type"].split(",") for r in ok),
           "stun: XOR-MAPPED-ADDRESS in every response")
    expect(any(r["stun.att.ipv6"] for r in ok), "stun: an IPv6 mapping")
    expect(any(r["udp.dstport"] == "13478" for r in req),
           "stun: a request to the non-standard port")
    expect(any("0x0026" in r["stun.att.type"] for r in req),
           "stun: a PADDING request (fragmented)")
    summary("stun.pcap", "%d frames, %d binding requests, %d success "
            "responses" % (len(rows), len(req), len(ok)))


def client_hello_of_tls(d):
    f = os.path.join(d, "tls-openssl-lo.pcap")
    rows = tshark(f, ["frame.number", "tls.handshake.type", "tcp.payload",
                      "tls.handshake.extensions_server_name"])
    ch = [r for r in rows if r["tls.handshake.type"].split(",")[0] == "1"]
    expect(len(ch) == 1 and ch[0]["tls.handshake.extensions_server_name"] ==
           "node.example.ts.net", "tls: one ClientHello, SNI node.example.ts.net")
    summary("tls-openssl-lo.pcap", "%d frames, TLS 1.3 handshake, ClientHello "
            "%d bytes" % (len(rows), len(ch[0]["tcp.payload"]) // 2))
    return ch[0]["tcp.payload"]


def check_disco(d):
    f = os.path.join(d, "disco.pcap")
    rows = tshark(f, ["frame.number", "udp.srcport", "udp.dstport",
                      "udp.payload", "wg.type", "stun.type",
                      "stun.att.software", "stun.att.crc32.status",
                      "stun.att.ipv4", "dns.qry.name"], *WG_PORTS)
    disco = [r for r in rows if r["udp.payload"].startswith("5453f09f92ac")]
    wg = [r for r in rows if r["wg.type"]]
    expect(len(disco) == 7, "disco: 7 disco packets")
    expect([r["wg.type"] for r in wg] == ["1", "2", "4", "4", "4"],
           "disco: WireGuard initiation, response, 3 transport")
    expect(count(rows, **{"stun.type": "0x0001", "stun.att.software":
                          "tailnode"}) == 1, "disco: Tailscale STUN request")
    expect(any(r["stun.att.crc32.status"] == "1" for r in rows),
           "disco: STUN FINGERPRINT correct")
    expect(count(rows, **{"stun.att.ipv4": "203.0.113.7"}) == 1,
           "disco: STUN mapped address")
    dns = [r for r in rows if r["dns.qry.name"]]
    expect(len(dns) == 1 and dns[0]["udp.payload"].startswith("01") and
           not dns[0]["wg.type"], "disco: DNS decoy, first byte 01, not wg")
    summary("disco.pcap", "%d frames: 2 STUN, 1 DNS decoy, %d disco, %d "
            "WireGuard" % (len(rows), len(disco), len(wg)))


def check_tsdebug(d, hello_hex):
    f = os.path.join(d, "tailscale-debug.pcap")
    r = pf.Reader(f)
    expect(r.linktype == 147 and r.bo == "<" and r.snaplen == 65535,
           "tsdebug: LE pcap, linktype 147, snaplen 65535")
    paths = {}
    tmp = tempfile.NamedTemporaryFile(suffix=".pcap", delete=False)
    tmp.close()
    n = 0
    with pf.Writer(tmp.name, pf.LINKTYPE_RAW) as w:
        for sec, usec, body in r:
            n += 1
            path = struct.unpack("<H", body[:2])[0]
            paths[path] = paths.get(path, 0) + 1
            off = 2 + 1 + body[2]
            off += 1 + body[off]
            if path != 254:
                w.write((sec, usec), body[off:])
    rows = tshark(tmp.name, ["frame.number", "tcp.checksum.status",
                             "http.request.method", "http.request.uri",
                             "http.response.code", "tcp.payload",
                             "icmp.type"],
                  "-o", "tcp.check_checksum:TRUE", "-d", "tcp.port==46187,http")
    os.unlink(tmp.name)
    expect(all(x["tcp.checksum.status"] in ("1", "") for x in rows),
           "tsdebug: inner TCP checksums")
    expect(count(rows, **{"http.request.method": "POST",
                          "http.request.uri": "/v0/ingress"}) == 1,
           "tsdebug: POST /v0/ingress")
    expect(count(rows, **{"http.response.code": "101"}) == 1, "tsdebug: 101")
    expect(any(x["tcp.payload"] == hello_hex for x in rows),
           "tsdebug: the ClientHello of tls-openssl-lo.pcap in the stream")
    expect(paths.get(254) == 4, "tsdebug: 4 disco records")
    summary("tailscale-debug.pcap", "%d records: %s" % (n, ", ".join(
        "path %d x%d" % kv for kv in sorted(paths.items()))))


LT_FIELDS = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
             "udp.srcport", "udp.dstport", "udp.length", "icmpv6.type",
             "wg.type", "wg.sender", "wg.receiver", "wg.counter"]


def check_linktypes(d):
    ld = os.path.join(d, "linktypes")
    ref = tshark(os.path.join(ld, "raw.pcap"), LT_FIELDS, *WG_PORTS)
    expect(count(ref, **{"wg.type": "1"}) >= 3, "linktypes: initiations")
    expect(any(r["wg.type"] and r["ipv6.src"] for r in ref),
           "linktypes: WireGuard over IPv6")
    orig = tshark(os.path.join(d, "wg-tunnel.pcap"), LT_FIELDS, *WG_PORTS)
    orig = [r for r in orig if r["ip.src"] or r["ipv6.src"]]
    expect(ref == orig, "linktypes: raw.pcap decodes like wg-tunnel.pcap")
    v4 = [r for r in ref if r["ip.src"]]
    v6 = [r for r in ref if r["ipv6.src"]]
    names = sorted(os.listdir(ld))
    for name in names:
        rows = tshark(os.path.join(ld, name), LT_FIELDS, *WG_PORTS)
        if name == "ipv4.pcap":
            want = v4
        elif name == "ipv6.pcap":
            want = v6
        elif name == "null-le-af10.pcap":
            # TShark does not know AF 10 in DLT_NULL: only IPv4 decodes.
            rows = [r for r in rows if r["ip.src"]]
            want = v4
        else:
            want = ref
        same = rows == want
        expect(same, "linktypes: %s decodes like raw.pcap" % name)
        summary("linktypes/" + name, "%d packets, %s" %
                (len(rows), "same fields as raw.pcap" if same else "DIFFERENT"))


def check_ip(d):
    f = os.path.join(d, "ip", "udp-fragmented.pcap")
    rows = tshark(f, ["frame.number", "ip.flags.mf", "ipv6.fragment",
                      "udp.length", "ip.src", "ipv6.src"])
    big = [r for r in rows if r["udp.length"] == "3008"]
    expect(len(big) == 2 and big[0]["ip.src"] and big[1]["ipv6.src"],
           "ip: 3000-byte datagram reassembled over IPv4 and IPv6")
    summary("ip/udp-fragmented.pcap", "%d frames, 2 datagrams of 3000 bytes "
            "in fragments (IPv4, IPv6), 2 answers" % len(rows))
    f = os.path.join(d, "ip", "ipv6-ext-chain.pcap")
    rows = tshark(f, ["frame.number", "ipv6.nxt", "udp.checksum.status",
                      "wg.type"], "-o", "udp.check_checksum:TRUE", *WG_PORTS)
    expect([r["wg.type"] for r in rows] == ["1", "4", "4"] and
           all(r["udp.checksum.status"] == "1" for r in rows),
           "ip: WireGuard behind the IPv6 extension chain")
    summary("ip/ipv6-ext-chain.pcap", "%d packets, HBH+DSTOPT(+FRAG) then "
            "UDP/WireGuard" % len(rows))
    f = os.path.join(d, "ip", "ipv4-options.pcap")
    rows = tshark(f, ["ip.hdr_len", "ip.checksum.status", "wg.type"],
                  "-o", "ip.check_checksum:TRUE", *WG_PORTS)
    expect(rows == [{"ip.hdr_len": "24", "ip.checksum.status": "1",
                     "wg.type": "4"}], "ip: IPv4 options then WireGuard")
    summary("ip/ipv4-options.pcap", "1 packet, IHL 6, WireGuard keepalive")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check_captures.py CAPTURES_DIR")
    d = sys.argv[1]
    check_wg_tunnel(d)
    check_stun(d)
    hello = client_hello_of_tls(d)
    check_disco(d)
    check_tsdebug(d, hello)
    check_linktypes(d)
    check_ip(d)
    if FAILED:
        sys.exit("%d check(s) failed" % len(FAILED))
    print("all captures check out")


if __name__ == "__main__":
    main()
