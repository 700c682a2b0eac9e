"""stream_compare.py: field-by-field agreement between tshark and
`fdecode --json` on the stream events of one capture (issue 3; contract in
STREAM_JSON / design.md): tls_client_hello, tls_server_hello, http_request,
http_response, ingress.

usage: stream_compare.py [options] PCAP FDECODE_JSONL
  --expect FILE     what the traffic generator sent (stream_traffic.py):
                    checks of the fields tshark has no opinion on (client,
                    claimed, hops, ingress) and of the traffic itself
  --http-port P     decode TCP port P as HTTP in tshark (repeatable;
                    default 2367 and 46187)
  --tls-port P      decode TCP port P as TLS (repeatable; default 443, 4433)
  --keep DIR        keep tshark's raw output in DIR
  --show            print the events tshark implies, as JSON lines, and exit
exit: 0 agreement, 1 disagreement (a readable diff on stdout), 2 unusable
input (tshark failed, a line that is not JSON, a frame tshark cannot
attribute).

How tshark is asked (pass 1, every capture):
  tshark -n -r PCAP -o http.desegment_body:FALSE -d tcp.port==P,http ...
    -d tcp.port==P,tls ... -Y 'tls.handshake.type == 1 ||
    tls.handshake.type == 2 || http.request || http.response'
    -T fields -E header=n -E separator=/t -E quote=n -E occurrence=a
    -E aggregator=<US> -e frame.number -e ... (FIELDS below)
with <US> the ASCII unit separator 0x1f, so that header values with commas
(X-Forwarded-For chains) stay intact and several header lines stay apart.
http.desegment_body is off so that tshark reports a request or response on
the frame that completes its head (what fdecode reports), not on the
frame that completes its body; heads are still reassembled.
Pass 2, only when pass 1 saw a 101: tshark does not follow the switch, so
the frames carrying the HTTP heads of upgraded connections are removed
with editcap and tshark decodes the rest of those connections as TLS
(-d tcp.port==SERVERPORT,tls); frame numbers are mapped back.  That is how
the ClientHello inside an ingress connection is checked against tshark.

Normalisation (both sides the same way):
  X-Forwarded-For  tshark gives one value per header line; they are joined
                   with ", ", split on commas and stripped (empty elements
                   dropped), and compared with fdecode's xff array
  Forwarded        from tshark's http.request.line (tshark has no field):
                   lines joined with ",", split into elements on commas and
                   into pairs on ';' outside quotes, names lowercased, only
                   for/by/proto/host kept, quoted values unquoted; fdecode's
                   values unquoted the same way
  addresses        parsed and compared as addresses (zone ids dropped,
                   ::ffff:a.b.c.d equal to a.b.c.d) where the contract
                   leaves the text open; src/dst compared as addresses
  bodies           request lines inside request bodies that the test put
                   there on purpose (--expect: body_lookalike) are dropped
                   from tshark's side: with body reassembly off, tshark
                   takes a body that travels alone in a segment (after
                   Expect: 100-continue) for a new request
  absent           a key that is absent, null, [] (alpn, xff) or false
                   (funnel, hrr) counts as absent
"""

import hashlib
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

US = "\x1f"
FIELDS = [
    "frame.number", "frame.time_epoch", "tcp.stream",
    "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
    "tcp.segment.count",
    "tls.handshake.type", "tls.handshake.version",
    "tls.handshake.extensions_server_name",
    "tls.handshake.extensions_alpn_str",
    "tls.handshake.extensions.supported_version",
    "tls.handshake.ciphersuite", "tls.handshake.random",
    "tls.handshake.extension.type", "tls.handshake.sig_hash_alg",
    "tls.handshake.ja3", "tls.handshake.ja3_full",
    "http.request.method", "http.request.uri", "http.request.version",
    "http.host", "http.user_agent", "http.x_forwarded_for",
    "http.request.line",
    "http.response.code", "http.response.phrase", "http.response.version",
    "http.request_in",
]
TYPES = ("tls_client_hello", "tls_server_hello", "http_request",
         "http_response")
HRR_RANDOM = ("cf21ad74e59a6111be1d8c021e65b891"
              "c2a211167abb8c5e079e09e2c8a8339c")
VERSIONS = {0x0304: "TLS1.3", 0x0303: "TLS1.2", 0x0302: "TLS1.1",
            0x0301: "TLS1.0", 0x0300: "SSL3.0"}
JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
                0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2",
                0xfefc: "d3"}
TAILSCALE_4TO6 = ipaddress.ip_network(
    "fd7a:115c:a1e0:ab12:4843:cd96:6200::/104")


class Unusable(Exception):
    pass


# --------------------------------------------------------------------------
# small helpers


def grease(v):
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def vname(v):
    return VERSIONS.get(v, "0x%04x" % v)


def unesc(s):
    """tshark -T fields escapes control characters in strings."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"r": "\r", "n": "\n", "t": "\t", "\\": "\\",
                        '"': '"'}.get(n, "\\" + n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_ip(text):
    """An address out of an XFF/Forwarded element or a contract value:
    [v6]:port, v4:port, zone ids and ::ffff: accepted; None if none."""
    if not isinstance(text, str):
        return None
    t = text.strip().strip('"')
    if t.startswith("["):
        t = t[1:t.find("]")] if "]" in t else t[1:]
    elif t.count(":") == 1:
        t = t.split(":")[0]
    t = t.split("%")[0]
    try:
        a = ipaddress.ip_address(t)
    except ValueError:
        return None
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return a


def same_addr(a, b):
    x, y = parse_ip(a), parse_ip(b)
    return x is not None and x == y


def split_outside_quotes(s, sep):
    out, cur, q, i = [], [], False, 0
    while i < len(s):
        c = s[i]
        if c == "\\" and q and i + 1 < len(s):
            cur.append(s[i:i + 2])
            i += 2
            continue
        if c == '"':
            q = not q
        if c == sep and not q:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def unquote(v):
    if isinstance(v, str) and len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1]
        r, i = [], 0
        while i < len(v):
            if v[i] == "\\" and i + 1 < len(v):
                i += 1
            r.append(v[i])
            i += 1
        return "".join(r)
    return v


def parse_forwarded(value):
    elems = []
    for el in split_outside_quotes(value, ","):
        if not el.strip():
            continue
        d = {}
        for pair in split_outside_quotes(el, ";"):
            if "=" not in pair:
                continue
            k, v = pair.split("=", 1)
            k = k.strip().lower()
            if k in ("for", "by", "proto", "host"):
                d[k] = unquote(v.strip())
        elems.append(d)
    return elems


def norm_forwarded(lst):
    if not lst:
        return None
    return [{k: unquote(v) for k, v in e.items()
             if k in ("for", "by", "proto", "host")}
            for e in lst if isinstance(e, dict)]


def xff_list(values):
    if not values:
        return None
    joined = ", ".join(values)
    return [x.strip() for x in joined.split(",") if x.strip()]


def ja4(ch):
    """JA4 (FoxIO spec) of a ClientHello from tshark's fields."""
    sv = [v for v in ch["supported_versions"] if not grease(v)]
    ver = max(sv) if sv else ch["legacy"]
    exts = [e for e in ch["ext_types"] if not grease(e)]
    ciphers = [c for c in ch["ciphers"] if not grease(c)]
    alpn = ch["alpn"][0] if ch["alpn"] else ""
    if not alpn:
        a = "00"
    else:
        f, l = alpn[0], alpn[-1]
        if f.isascii() and f.isalnum() and l.isascii() and l.isalnum():
            a = f + l
        else:
            h = alpn.encode().hex()
            a = h[0] + h[-1]
    part_a = "t%s%s%02d%02d%s" % (JA4_VERSIONS.get(ver, "00"),
                                  "d" if 0 in exts else "i",
                                  min(len(ciphers), 99), min(len(exts), 99),
                                  a)

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12]
    part_b = (h12(",".join("%04x" % c for c in sorted(ciphers)))
              if ciphers else "000000000000")
    e2 = sorted(e for e in exts if e not in (0, 16))
    s = ",".join("%04x" % e for e in e2)
    if ch["sig_algs"]:
        s += "_" + ",".join("%04x" % x for x in ch["sig_algs"])
    part_c = h12(s) if e2 else "000000000000"
    return "%s_%s_%s" % (part_a, part_b, part_c)


# --------------------------------------------------------------------------
# tshark


def tshark_rows(pcap, decode, keep, tag):
    argv = ["tshark", "-n", "-r", pcap, "-o", "http.desegment_body:FALSE"]
    argv += decode
    argv += ["-Y", "tls.handshake.type == 1 || tls.handshake.type == 2 || "
             "http.request || http.response",
             "-T", "fields", "-E", "header=n", "-E", "separator=/t",
             "-E", "quote=n", "-E", "occurrence=a", "-E", "aggregator=" + US]
    for f in FIELDS:
        argv += ["-e", f]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Unusable("tshark failed (%d): %s" %
                       (p.returncode, p.stderr.decode()[-500:]))
    text = p.stdout.decode("utf-8", "replace")
    if keep:
        with open(os.path.join(keep, "tshark-%s.tsv" % tag), "w") as f:
            f.write("# " + " ".join(argv) + "\n" + text)
    rows = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        cols = line.split("\t")
        if len(cols) != len(FIELDS):
            raise Unusable("tshark line %d: %d columns, want %d: %r" %
                           (n, len(cols), len(FIELDS), line[:200]))
        rows.append({f: [unesc(v) for v in c.split(US)] if c else []
                     for f, c in zip(FIELDS, cols)})
    return rows


def one(row, f):
    v = row[f]
    return v[0] if v else None


def ints(row, f):
    return [int(x, 0) for x in row[f]]


def endpoints(row):
    src = one(row, "ip.src") or one(row, "ipv6.src")
    dst = one(row, "ip.dst") or one(row, "ipv6.dst")
    return src, int(one(row, "tcp.srcport")), dst, int(one(row,
                                                           "tcp.dstport"))


def events_from_rows(rows, frame_map=None, only_streams=None):
    """tshark rows -> {(frame, type): event in contract shape} plus
    bookkeeping fields starting with '_'."""
    ev = {}
    for row in rows:
        frame = int(one(row, "frame.number"))
        if frame_map:
            frame = frame_map(frame)
        src, sport, dst, dport = endpoints(row)
        conn = (src, sport, dst, dport)
        if only_streams is not None and \
                not any(c in only_streams for c in (conn, (dst, dport, src,
                                                            sport))):
            continue
        common = {"frame": frame, "ts": float(one(row, "frame.time_epoch")),
                  "src": src, "sport": sport, "dst": dst, "dport": dport,
                  "_stream": one(row, "tcp.stream"),
                  "_segments": int(one(row, "tcp.segment.count") or 1)}
        htypes = ints(row, "tls.handshake.type")
        if htypes.count(1) + htypes.count(2) > 1:
            raise Unusable("frame %d: several hellos in one frame; tshark's "
                           "fields cannot be attributed" % frame)
        if 1 in htypes:
            legacy = ints(row, "tls.handshake.version")
            ch = {"supported_versions": ints(
                      row, "tls.handshake.extensions.supported_version"),
                  "legacy": legacy[0] if legacy else 0,
                  "ext_types": ints(row, "tls.handshake.extension.type"),
                  "ciphers": ints(row, "tls.handshake.ciphersuite"),
                  "sig_algs": ints(row, "tls.handshake.sig_hash_alg"),
                  "alpn": row["tls.handshake.extensions_alpn_str"]}
            sv = [v for v in ch["supported_versions"] if not grease(v)]
            e = dict(common, type="tls_client_hello",
                     sni=one(row, "tls.handshake.extensions_server_name"),
                     alpn=list(ch["alpn"]),
                     versions=[vname(v) for v in sv] or [vname(ch["legacy"])],
                     legacy_version=vname(ch["legacy"]),
                     ja3=one(row, "tls.handshake.ja3"),
                     ja3_string=one(row, "tls.handshake.ja3_full"))
            if 50 not in ch["ext_types"]:	# signature_algorithms_cert
                e["ja4"] = ja4(ch)
            ev[(frame, "tls_client_hello")] = e
        if 2 in htypes:
            sv = ints(row, "tls.handshake.extensions.supported_version")
            legacy = ints(row, "tls.handshake.version")
            cs = ints(row, "tls.handshake.ciphersuite")
            rnd = (one(row, "tls.handshake.random") or "").replace(":", "")
            e = dict(common, type="tls_server_hello",
                     version=vname(sv[0] if sv else legacy[0]),
                     cipher="0x%04x" % cs[0] if cs else None,
                     alpn=one(row, "tls.handshake.extensions_alpn_str"),
                     hrr=rnd.lower() == HRR_RANDOM)
            ev[(frame, "tls_server_hello")] = e
        if len(row["http.request.method"]) > 1 or \
                len(row["http.response.code"]) > 1:
            raise Unusable("frame %d: several HTTP messages in one frame; "
                           "tshark's fields cannot be attributed" % frame)
        if row["http.request.method"]:
            lines = []
            for ln in row["http.request.line"]:
                ln = ln.rstrip("\r\n")
                if ":" in ln:
                    k, v = ln.split(":", 1)
                    lines.append((k.strip().lower(), v.strip()))

            def hdr(name):
                for k, v in lines:
                    if k == name:
                        return v
                return None
            fwd = [v for k, v in lines if k == "forwarded"]
            e = dict(common, type="http_request",
                     method=one(row, "http.request.method"),
                     uri=one(row, "http.request.uri"),
                     version=one(row, "http.request.version"),
                     host=one(row, "http.host"),
                     xff=xff_list(row["http.x_forwarded_for"]),
                     forwarded=parse_forwarded(",".join(fwd)) if fwd else None,
                     x_real_ip=hdr("x-real-ip"),
                     x_forwarded_host=hdr("x-forwarded-host"),
                     x_forwarded_proto=hdr("x-forwarded-proto"),
                     user_agent=one(row, "http.user_agent"),
                     funnel=hdr("tailscale-funnel-request") == "?1",
                     _ingress_src=hdr("tailscale-ingress-src"),
                     _ingress_target=hdr("tailscale-ingress-target"))
            ev[(frame, "http_request")] = e
        if row["http.response.code"]:
            rin = one(row, "http.request_in")
            e = dict(common, type="http_response",
                     status=int(one(row, "http.response.code")),
                     reason=one(row, "http.response.phrase"),
                     version=one(row, "http.response.version"),
                     _tshark_request_in=int(rin) if rin else None)
            ev[(frame, "http_response")] = e
    return ev


def pair_and_index(ev):
    """Per connection, in frame order: ClientHello indices, request
    indices, and each response's request (FIFO; 1xx other than 101 leave
    the request waiting for its final answer)."""
    by_conn = {}
    for (frame, typ), e in sorted(ev.items()):
        key = e["_stream"]
        by_conn.setdefault(key, []).append(e)
    for lst in by_conn.values():
        hellos = 0
        nreq = 0
        queue = []
        for e in lst:
            if e["type"] == "tls_client_hello":
                hellos += 1
                e["hello"] = hellos
            elif e["type"] == "http_request":
                nreq += 1
                e["request"] = nreq
                queue.append(e)
            elif e["type"] == "http_response":
                if not queue:
                    e["_req"] = None
                    continue
                req = queue[0]
                if not (100 <= e["status"] < 200 and e["status"] != 101):
                    queue.pop(0)
                e["_req"] = req
                e["request"] = req["request"]
                e["method"] = req["method"]
                e["uri"] = req["uri"]
                e["_latency_max"] = (e["ts"] - req["ts"]) * 1000.0
                # tshark's own pairing, where it names a request it
                # reported (a body that looks like a request line can make
                # it name a frame it did not report as a request).
                rin = e["_tshark_request_in"]
                if rin is not None and rin != req["frame"] and \
                        (rin, "http_request") in ev:
                    raise Unusable("frame %d: my pairing says request at "
                                   "frame %d, tshark says %d" %
                                   (e["frame"], req["frame"], rin))


def upgraded_pass(pcap, ev, decode, keep):
    """Pass 2: the TLS after a 101 (see the module text)."""
    ups = {}
    for (frame, typ), e in ev.items():
        if typ == "http_response" and e["status"] == 101:
            ups[e["_stream"]] = (e, frame)
    if not ups:
        return {}
    # Frames with TCP payload up to each 101, in the upgraded streams.
    streams = " || ".join("tcp.stream == %s" % s for s in ups)
    p = subprocess.run(["tshark", "-n", "-r", pcap, "-Y",
                        "(%s) && tcp.len > 0" % streams, "-T", "fields",
                        "-e", "frame.number", "-e", "tcp.stream"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise Unusable("tshark (upgraded streams) failed: %s" %
                       p.stderr.decode()[-300:])
    drop = []
    for line in p.stdout.decode().split("\n"):
        if line:
            f, s = line.split("\t")
            if int(f) <= ups[s][1]:
                drop.append(int(f))
    drop.sort()
    with tempfile.TemporaryDirectory() as td:
        cut = os.path.join(td, "after-upgrade.pcap")
        p = subprocess.run(["editcap", pcap, cut] + [str(f) for f in drop],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise Unusable("editcap failed: %s" % p.stderr.decode()[-300:])
        ports = sorted({e["sport"] for e, _ in ups.values()})
        dec = list(decode)
        for port in ports:
            dec += ["-d", "tcp.port==%d,tls" % port]
        rows = tshark_rows(cut, dec, keep, "upgraded")

    def orig(n):
        for d in drop:
            if d <= n:
                n += 1
        return n
    conns = {(e["dst"], e["dport"], e["src"], e["sport"])
             for e, _ in ups.values()}
    out = events_from_rows(rows, orig, conns)
    stream_of = {}
    for e, _ in ups.values():
        stream_of[(e["src"], e["sport"], e["dst"], e["dport"])] = e["_stream"]
        stream_of[(e["dst"], e["dport"], e["src"], e["sport"])] = e["_stream"]
    for e in out.values():
        e["_stream"] = stream_of[(e["src"], e["sport"], e["dst"], e["dport"])]
    for k, e in list(out.items()):
        if e["type"] not in ("tls_client_hello", "tls_server_hello") or \
                k[0] <= ups.get(e["_stream"], (None, 1 << 62))[1]:
            del out[k]
    return out


def ingress_from(ev):
    """The ingress events tshark's view implies, by connection."""
    out = {}
    for (frame, typ), e in sorted(ev.items()):
        if typ != "http_request" or e["method"] != "POST" or \
                not (e["uri"] or "").startswith("/v0/ingress") or \
                not e["_ingress_src"]:
            continue
        resp = [r for r in ev.values() if r["type"] == "http_response" and
                r.get("_req") is e]
        final = [r for r in resp if r["status"] >= 200 or r["status"] == 101]
        status = final[0]["status"] if final else None
        hello = None
        if status == 101:
            hs = sorted((h for h in ev.values()
                         if h["type"] == "tls_client_hello" and
                         h["_stream"] == e["_stream"] and
                         h["frame"] > final[0]["frame"]),
                        key=lambda h: h["frame"])
            hello = hs[0] if hs else None
        out[e["_stream"]] = {
            "type": "ingress", "src": e["src"], "sport": e["sport"],
            "dst": e["dst"], "dport": e["dport"],
            "ingress_src": e["_ingress_src"],
            "ingress_target": e["_ingress_target"], "status": status,
            "sni": hello["sni"] if hello else None,
            "client": str(parse_ip(e["_ingress_src"]))
            if parse_ip(e["_ingress_src"]) else None,
            "frame": hello["frame"] if hello else
            (final[0]["frame"] if final else None)}
    return out


# --------------------------------------------------------------------------
# fdecode


def fdecode_events(path):
    ev, ingress, other = {}, [], 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError as e:
                raise Unusable("%s:%d: not JSON (%s): %r" %
                               (path, n, e, line[:200]))
            if not isinstance(o, dict):
                raise Unusable("%s:%d: not a JSON object" % (path, n))
            t = o.get("type")
            if t == "ingress":
                ingress.append(o)
                continue
            if t not in TYPES:
                other += 1
                continue
            fr = o.get("frame")
            if not isinstance(fr, int) or fr < 1:
                raise Unusable("%s:%d: %s without a frame number" %
                               (path, n, t))
            if (fr, t) in ev:
                raise Unusable("%s:%d: two %s events on frame %d" %
                               (path, n, t, fr))
            ev[(fr, t)] = o
    return ev, ingress


# --------------------------------------------------------------------------
# comparison


def absent(v):
    return v is None or v is False or v == [] or v == ""


def same(a, b):
    if absent(a) and absent(b):
        return True
    return a == b


class Report:
    def __init__(self):
        self.lines = []
        self.bad = 0

    def frame(self, head, diffs, ref="tshark"):
        if diffs:
            self.bad += 1
            self.lines.append(head)
            for k, a, b in diffs:
                self.lines.append("    %-16s %s: %-30s fdecode: %s" %
                                  (k, ref, json.dumps(a), json.dumps(b)))

    def note(self, msg):
        self.bad += 1
        self.lines.append(msg)


KEYS = {
    "tls_client_hello": ["sni", "alpn", "versions", "legacy_version", "ja3",
                         "ja3_string", "ja4", "hello"],
    "tls_server_hello": ["version", "cipher", "alpn", "hrr"],
    "http_request": ["method", "uri", "version", "host", "xff", "forwarded",
                     "x_real_ip", "x_forwarded_host", "x_forwarded_proto",
                     "user_agent", "funnel", "request"],
    "http_response": ["status", "reason", "version", "method", "uri",
                      "request"],
}


def compare_common(t, f, diffs):
    if abs(float(f.get("ts", -1)) - t["ts"]) > 2e-6:
        diffs.append(("ts", t["ts"], f.get("ts")))
    for k in ("src", "dst"):
        if not same_addr(t[k], f.get(k)):
            diffs.append((k, t[k], f.get(k)))
    for k in ("sport", "dport"):
        if t[k] != f.get(k):
            diffs.append((k, t[k], f.get(k)))


def compare_event(t, f):
    diffs = []
    compare_common(t, f, diffs)
    for k in KEYS[t["type"]]:
        if k not in t:
            continue
        a, b = t[k], f.get(k)
        if k == "forwarded":
            b = norm_forwarded(b)
        if not same(a, b):
            diffs.append((k, a, b))
    if t["type"] == "http_response" and t.get("_req") is not None:
        lat = f.get("latency_ms")
        if not isinstance(lat, (int, float)) or lat < 0 or \
                lat > t["_latency_max"] + 1.0:
            diffs.append(("latency_ms", "0..%.3f" % t["_latency_max"], lat))
    if t["type"] == "http_response" and t.get("_req") is None and \
            f.get("latency_ms") is not None:
        diffs.append(("latency_ms", None, f.get("latency_ms")))
    return diffs


def leftmost_claim(t):
    for lst in (t["xff"] or [], [e.get("for") for e in t["forwarded"] or []],
                [t["x_real_ip"]]):
        for x in lst:
            if parse_ip(x) is not None:
                return x
    return None


RULES = ("ingress-src", "xff-single", "xff-chain", "forwarded", "x-real-ip",
         "tcp-peer")


def check_client(t, f):
    """The client rule (STREAM_JSON.md) against the headers tshark saw."""
    d = []
    client, rule, claimed = f.get("client"), f.get("client_rule"), \
        f.get("claimed")
    if parse_ip(client) is None:
        return [("client", "an address", client)]
    if rule not in RULES:
        d.append(("client_rule", "|".join(RULES), rule))
    xff_addrs = [x for x in t["xff"] or [] if parse_ip(x) is not None]
    # A chain whose rightmost element is no address names no one: the rule
    # (fsc/client.h) goes on to X-Real-IP and the TCP peer, and the leftmost
    # address is still reported as claimed.
    xff_blind = len(t["xff"] or []) > 1 and parse_ip((t["xff"] or [])[-1]) is None
    fwd_for = [e.get("for") for e in t["forwarded"] or []
               if parse_ip(e.get("for")) is not None]
    want = {"ingress-src": [t["_ingress_src"]],
            "xff-single": (t["xff"] or [])[:1] if len(t["xff"] or []) == 1
            else [],
            "xff-chain": xff_addrs if len(t["xff"] or []) > 1 else [],
            "forwarded": fwd_for[:1] if not xff_addrs else [],
            "x-real-ip": [t["x_real_ip"]]
            if (xff_blind or not xff_addrs) and not fwd_for else [],
            "tcp-peer": [t["src"]] if (xff_blind or not xff_addrs) and
            not fwd_for and parse_ip(t["x_real_ip"]) is None and
            not t["_ingress_src"] else []}.get(rule, [])
    if not any(same_addr(client, w) for w in want):
        d.append(("client", "(rule %s) one of %s" % (rule, want), client))
    left = leftmost_claim(t) if rule not in ("ingress-src", "tcp-peer") \
        or xff_blind else None
    if left is not None and not same_addr(left, client):
        if not same_addr(claimed, left):
            d.append(("claimed", left, claimed))
    elif claimed is not None:
        d.append(("claimed", None, claimed))
    hops = f.get("hops") or []
    if not isinstance(hops, list) or \
            not all(isinstance(h, dict) and "class" in h for h in hops):
        d.append(("hops", "list of {addr, class}", hops))
        return d
    elems = t["xff"] if t["xff"] and not t["forwarded"] else \
        [e.get("for") for e in t["forwarded"]] if t["forwarded"] and \
        not t["xff"] else None
    if elems is not None and len(hops) != len(elems):
        d.append(("hops", "%d hops (%s)" % (len(elems), elems), hops))
    elif elems is not None:
        for x, h in zip(elems, hops):
            if parse_ip(x) is not None and not same_addr(x, h.get("addr")):
                d.append(("hops.addr", x, h.get("addr")))
    for h in hops:
        a = parse_ip(h.get("addr"))
        if h.get("class") == "4to6":
            v4 = None
            if a is not None and a.version == 6 and a in TAILSCALE_4TO6:
                v4 = "100.%d.%d.%d" % tuple(a.packed[13:16])
            if h.get("v4") != v4:
                d.append(("hops.v4", v4, h.get("v4")))
        elif "v4" in h:
            d.append(("hops.v4", None, h))
    return d


def check_expect(exp, tev, fev, tingress, rep):
    """The generator's own record: fdecode-only fields and the traffic."""
    reqs = {}
    for e in tev.values():
        if e["type"] == "http_request":
            reqs.setdefault((e["method"], e["uri"]), []).append(e)
    by_sport = {e["sport"]: e for e in tev.values()
                if e["type"] == "http_request"}
    for x in exp:
        k = x.get("kind")
        if k == "http_request":
            if "sport" in x:
                t = by_sport.get(x["sport"])
            else:
                lst = reqs.get((x["method"], x["uri"]), [])
                if len(lst) > 1:
                    rep.note("expect: %s %s sent %d times; URIs must be "
                             "unique" % (x["method"], x["uri"], len(lst)))
                    continue
                t = lst[0] if lst else None
            if t is None:
                rep.note("traffic: tshark saw no request %s %s (sent on "
                         "connection %s)" % (x["method"], x["uri"],
                                             x["conn"]))
                continue
            if t["request"] != x["request"]:
                rep.note("traffic: %s %s was request %d on its connection, "
                         "meant %d (curl did not reuse the connection?)" %
                         (x["method"], x["uri"], t["request"], x["request"]))
            f = fev.get((t["frame"], "http_request"))
            if f is None:
                continue	# already reported as missing
            d = []
            if x["accept"] is not None:
                got = {"client": f.get("client"),
                       "client_rule": f.get("client_rule"),
                       "claimed": f.get("claimed")}
                if got not in x["accept"]:
                    d.append(("client/rule/claimed", x["accept"], got))
            if x["hops"] is not None:
                hops = f.get("hops") or []
                ok = len(hops) == len(x["hops"])
                for w, h in zip(x["hops"], hops):
                    if h.get("class") not in w["class"] or \
                            ("addr" in w and h.get("addr") != w["addr"]) or \
                            ("v4" in w and h.get("v4") != w["v4"]):
                        ok = False
                if not ok:
                    d.append(("hops", x["hops"], hops))
            if bool(f.get("funnel")) != x["funnel"]:
                d.append(("funnel", x["funnel"], f.get("funnel")))
            rep.frame("frame %d http_request %s %s (what the test sent):" %
                      (t["frame"], x["method"], x["uri"]), d, ref="sent")
        elif k == "ingress":
            t = [i for i in tingress.values() if i["sport"] == x["sport"]]
            want = {kk: x[kk] for kk in ("ingress_src", "ingress_target",
                                         "status", "sni", "client")}
            if not t or {kk: t[0][kk] for kk in want} != want:
                rep.note("traffic: ingress %s: tshark shows %s, the test "
                         "sent %s" % (x["ingress_src"],
                                      {kk: t[0][kk] for kk in want}
                                      if t else None, want))
        elif k == "hidden_client_hello":
            hs = [e for e in tev.values() if e["type"] == "tls_client_hello"
                  and e["sport"] == x["sport"]]
            if not hs or hs[0]["sni"] != x["sni"] or \
                    hs[0]["alpn"] != x["alpn"]:
                rep.note("traffic: the ClientHello after the 101 on port %d "
                         "(sni %s) is not in tshark's second pass: %s" %
                         (x["sport"], x["sni"], hs[0] if hs else None))
        elif k == "body_lookalike":
            pass
        elif k == "require":
            if not requirement(x["what"], tev):
                rep.note("traffic: the capture lacks %s (the generator did "
                         "not do its job)" % x["what"])
        else:
            raise Unusable("expect: unknown kind %r" % k)


def requirement(what, tev):
    ev = list(tev.values())
    ch = [e for e in ev if e["type"] == "tls_client_hello"]
    sh = [e for e in ev if e["type"] == "tls_server_hello"]
    req = [e for e in ev if e["type"] == "http_request"]
    resp = [e for e in ev if e["type"] == "http_response"]
    k, _, v = what.partition(":")
    if k == "hello-no-sni":
        return any(e["sni"] is None for e in ch)
    if k == "hello-no-alpn":
        return any(not e["alpn"] for e in ch)
    if k == "hrr":
        return any(e["hrr"] for e in sh) and any(e["hello"] == 2 for e in ch)
    if k == "server-version":
        return any(e["version"] == v for e in sh)
    if k == "server-alpn":
        return any(e["alpn"] == v for e in sh)
    if k == "server-no-alpn":
        return any(not e["alpn"] and not e["hrr"] for e in sh)
    if k == "long-alpn-hello":
        return any(len(e["alpn"]) > 20 for e in ch)
    if k == "ipv6":
        return any(":" in e["src"] for e in ev)
    if k == "sni":
        return any(e["sni"] == v for e in ch)
    if k == "status":
        return any(e["status"] == int(v) for e in resp)
    if k == "keep-alive":
        return any(e["request"] >= 3 for e in req)
    if k == "split-hello":
        return any(e["_segments"] >= int(v) for e in ch)
    if k == "split-request":
        return any(e["_segments"] >= int(v) for e in req)
    raise Unusable("expect: unknown requirement %r" % what)


def public(e):
    return {k: v for k, v in e.items() if not k.startswith("_")}


def main():
    args = sys.argv[1:]
    expect = keep = None
    show = False
    http_ports, tls_ports = [], []
    while args and args[0].startswith("--"):
        o = args.pop(0)
        if o == "--show":
            show = True
        elif o in ("--expect", "--keep", "--http-port", "--tls-port") and args:
            v = args.pop(0)
            if o == "--expect":
                expect = v
            elif o == "--keep":
                keep = v
            elif o == "--http-port":
                http_ports.append(int(v))
            else:
                tls_ports.append(int(v))
        else:
            sys.exit(__doc__.split("\n\n")[1])
    if len(args) != (1 if show else 2):
        sys.exit(__doc__.split("\n\n")[1])
    decode = []
    for p in http_ports or (2367, 46187):
        decode += ["-d", "tcp.port==%d,http" % p]
    for p in tls_ports or (443, 4433):
        decode += ["-d", "tcp.port==%d,tls" % p]
    try:
        exp = []
        if expect:
            with open(expect) as f:
                exp = [json.loads(ln) for ln in f if ln.strip()]
        lookalike = {x["uri"] for x in exp if x.get("kind") ==
                     "body_lookalike"}
        tev = events_from_rows(tshark_rows(args[0], decode, keep, "main"))
        ignored = [k for k, e in tev.items() if e["type"] == "http_request"
                   and e["uri"] in lookalike]
        for k in ignored:
            del tev[k]
        pair_and_index(tev)
        up = upgraded_pass(args[0], tev, decode, keep)
        tev.update(up)
        pair_and_index(tev)
        tingress = ingress_from(tev)
        if show:
            for k in sorted(tev):
                print(json.dumps(public(tev[k])))
            for i in tingress.values():
                print(json.dumps(i))
            return
        fev, fing = fdecode_events(args[1])
    except (Unusable, OSError) as e:
        print("stream_compare: %s: %s" % (args[0], e))
        sys.exit(2)

    rep = Report()
    for key in sorted(set(tev) | set(fev)):
        frame, typ = key
        t, f = tev.get(key), fev.get(key)
        head = "frame %d %s:" % (frame, typ)
        if f is None:
            rep.frame(head, [("(event)", public(t), None)])
        elif t is None and typ == "http_request" and \
                f.get("uri") in lookalike:
            rep.frame(head + " a request line inside a request body (the "
                      "body's framing was not followed)",
                      [("(event)", None, f)])
        elif t is None:
            rep.frame(head, [("(event)", None, f)])
        else:
            d = compare_event(t, f)
            if typ == "http_request":
                d += check_client(t, f)
            rep.frame(head, d)
    # Ingress: one event a POST /v0/ingress, matched by connection.
    seen = set()
    for f in fing:
        key = None
        for s, i in tingress.items():
            if same_addr(i["src"], f.get("src")) and i["sport"] == \
                    f.get("sport"):
                key = s
        if key is None:
            for s, i in tingress.items():
                if i["ingress_src"] == f.get("ingress_src"):
                    key = s
        if key is None or key in seen:
            rep.frame("ingress event tshark does not imply:",
                      [("(event)", None, f)])
            continue
        seen.add(key)
        t = tingress[key]
        d = []
        for k in ("ingress_src", "ingress_target", "status", "sni", "client",
                  "frame", "sport", "dport"):
            a, b = t[k], f.get(k)
            if k == "client" and same_addr(a, b):
                continue
            if a != b:
                d.append((k, a, b))
        for k in ("src", "dst"):
            if not same_addr(t[k], f.get(k)):
                d.append((k, t[k], f.get(k)))
        rep.frame("ingress on connection %s:%d:" % (t["src"], t["sport"]), d)
    for s, t in tingress.items():
        if s not in seen:
            rep.frame("ingress on connection %s:%d:" % (t["src"], t["sport"]),
                      [("(event)", public(t), None)])
    try:
        check_expect(exp, tev, fev, tingress, rep)
    except Unusable as e:
        print("stream_compare: %s: %s" % (args[0], e))
        sys.exit(2)

    counts = {}
    for e in tev.values():
        counts[e["type"]] = counts.get(e["type"], 0) + 1
    if tingress:
        counts["ingress"] = len(tingress)
    summary = ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))
    if ignored:
        summary += " (and %d request line(s) inside bodies that tshark " \
            "took for requests, ignored)" % len(ignored)
    name = args[0]
    if not tev:
        print("stream_compare: %s: tshark found no stream event: the "
              "capture or the tshark invocation is broken" % name)
        sys.exit(1)
    if rep.bad:
        print("\n".join(rep.lines))
        print("stream_compare: %s: %d disagreements (tshark: %s)" %
              (name, rep.bad, summary))
        sys.exit(1)
    print("stream_compare: %s: agree on %s" % (name, summary))


if __name__ == "__main__":
    main()
