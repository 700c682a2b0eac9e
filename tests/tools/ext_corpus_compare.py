#!/usr/bin/env python3
"""ext_corpus_compare.py - counts, capture by capture, the HTTP requests and
responses and the TLS ClientHellos and ServerHellos that tshark reports and
that fdecode reports, and which of them the two disagree on (issue 18).

usage: ext_corpus_compare.py [-v] [--fdecode PATH] PCAP...
  -v   list every message one side reports and the other does not

Not a ctest: the captures it was written for (../shared/corpus/ext/) are
other projects' files and stay outside the repository. The regression
captures of the same shapes are tests/gen/http_odd.py's, checked by
tests/integration/http_odd_tshark.sh.

How the two sides are matched: messages on TCP only (tshark's HTTP over UDP,
SSDP, is counted apart: fdecode reads no HTTP over UDP), keyed by connection,
direction and content (request: method and target; response: status;
hello: its type), compared as multisets per connection. tshark runs with
http.desegment_body off, as in stream_compare.py, and a message tshark
dissects twice (a segment captured twice, a retransmission) is counted once:
its TCP sequence number names it.

Columns: tshark and fdecode counts per type; "miss" = reported by tshark and
not by fdecode; "extra" = reported by fdecode and not by tshark, split into
"flagged" (fdecode says why it doubts the message or tshark: decode_status,
flags) and "phantom" (neither). Exit 0 when nothing is missed and there is
no phantom, 1 otherwise.
"""

import collections
import json
import os
import subprocess
import sys

US = "\x1f"
FIELDS = ["frame.number", "tcp.stream", "udp.srcport", "ip.src", "ipv6.src",
          "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport", "tcp.seq",
          "tls.handshake.type", "http.request.method", "http.request.uri",
          "http.response.code"]
KINDS = ("req", "resp", "ch", "sh")
JSON_KIND = {"http_request": "req", "http_response": "resp",
             "tls_client_hello": "ch", "tls_server_hello": "sh"}


def tshark_messages(pcap, opts):
    cmd = ["tshark", "-n", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE"] + opts + [
           "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2 || "
                 "http.request || http.response",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=" + US, "-E", "quote=n"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True,
                         errors="replace", check=True).stdout
    msgs, udp, seen = [], 0, set()
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        if v.get("udp.srcport"):
            udp += len([m for m in v["http.request.method"].split(US) if m]) + \
                len([c for c in v["http.response.code"].split(US) if c])
            continue
        if not v.get("tcp.stream"):
            continue
        src = v["ip.src"] or v["ipv6.src"]
        dst = v["ip.dst"] or v["ipv6.dst"]
        conn = (src, int(v["tcp.srcport"]), dst, int(v["tcp.dstport"]))
        here = []
        for t in v["tls.handshake.type"].split(US):
            for x in t.split(","):
                if x in ("1", "2"):
                    here.append(("ch" if x == "1" else "sh", ""))
        meth = v["http.request.method"].split(US)
        uris = v["http.request.uri"].split(US)
        for i, m in enumerate(meth):
            if m:
                here.append(("req", m + " " + (uris[i] if i < len(uris) else "")))
        for c in v["http.response.code"].split(US):
            if c:
                here.append(("resp", c))
        # A message dissected again from a repeated segment: same stream,
        # sequence number and content.
        key = (v["tcp.stream"], conn, v["tcp.seq"], tuple(here))
        if key in seen:
            continue
        seen.add(key)
        for kind, what in here:
            msgs.append((conn, kind, what, int(v["frame.number"]), ""))
    return msgs, udp


def fdecode_messages(fdecode, pcap):
    out = subprocess.run([fdecode, "--json", "-n", "--no-geoip", pcap],
                         capture_output=True, text=True, errors="replace").stdout
    msgs = []
    for line in out.splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        kind = JSON_KIND.get(j.get("type"))
        if not kind:
            continue
        conn = (j["src"], j["sport"], j["dst"], j["dport"])
        if kind == "req":
            what = "%s %s" % (j.get("method", ""), j.get("uri", ""))
        elif kind == "resp":
            what = str(j.get("status", ""))
        else:
            what = ""
        doubt = []
        if j.get("decode_status"):
            doubt.append("%s: %s" % (j["decode_status"], j.get("decode_reason", "")))
        if j.get("flags"):
            doubt.append(",".join(j["flags"]))
        msgs.append((conn, kind, what, j.get("frame", 0), "; ".join(doubt)))
    return msgs


def tshark_union(pcap, opts=()):
    """tshark's messages with HTTP body reassembly off (a message on the
    frame that ends its head) and on (tshark sometimes waits for a body it
    then loses, after 100 Continue): per connection and content, the larger
    count of the two."""
    a, udp = tshark_messages(pcap, ["-o", "http.desegment_body:FALSE"] + list(opts))
    b, _ = tshark_messages(pcap, list(opts))
    ka = collections.Counter((m[0], m[1], m[2]) for m in a)
    kb = collections.Counter((m[0], m[1], m[2]) for m in b)
    out = list(a)
    for k in kb:
        more = kb[k] - ka.get(k, 0)
        out += [m for m in b if (m[0], m[1], m[2]) == k][:max(more, 0)]
    return out, udp


def compare(ts, fd):
    """Returns (missing tshark messages, extra fdecode messages)."""
    def group(ms):
        g = collections.defaultdict(list)
        for m in ms:
            g[(m[0], m[1], m[2])].append(m)
        return g
    gt, gf = group(ts), group(fd)
    miss, extra = [], []
    for k in set(gt) | set(gf):
        a, b = gt.get(k, []), gf.get(k, [])
        if len(a) > len(b):
            miss += a[len(b):]
        elif len(b) > len(a):
            extra += b[len(a):]
    return sorted(miss, key=lambda m: m[3]), sorted(extra, key=lambda m: m[3])


def pair_differing(miss, extra):
    """A message both report whose fields they read differently, where
    fdecode says why (a flag or a decode status): tshark's request target
    cut at the first of several spaces ("GET " for "GET    /a", "GET /a;cat"
    for "GET /a;cat /etc/passwd"). Returns (pairs, miss, extra) left."""
    pairs, left = [], list(extra)
    still = []
    for m in miss:
        hit = None
        for e in left:
            if e[0] == m[0] and e[1] == m[1] == "req" and e[4] and \
                    e[2].startswith(m[2].rstrip(" ") if m[2].endswith(" ") else m[2]):
                hit = e
                break
        if hit:
            left.remove(hit)
            pairs.append((m, hit))
        else:
            still.append(m)
    return pairs, still, left


def server_port(m):
    return m[0][3] if m[1] in ("req", "ch") else m[0][1]


def confirm(pcap, extra):
    """The extras tshark reports too once told which protocol a port
    carries (-d tcp.port==P,tls or http): TLS on a BitTorrent port, HTTP on
    a port tshark has no heuristic for."""
    opts = []
    for m in extra:
        proto = "tls" if m[1] in ("ch", "sh") else "http"
        d = "tcp.port==%d,%s" % (server_port(m), proto)
        if d not in opts:
            opts += ["-d", d]
    if not opts:
        return [], extra
    ts, _ = tshark_union(pcap, [o for o in opts])
    _, still = compare(ts, extra)
    left = collections.Counter((m[0], m[1], m[2], m[3]) for m in still)
    confirmed, rest = [], []
    for m in extra:
        k = (m[0], m[1], m[2], m[3])
        if left[k]:
            left[k] -= 1
            rest.append(m)
        else:
            confirmed.append(m)
    return confirmed, rest


def main(argv):
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    fdecode = os.environ.get("FDECODE", "build/bin/fdecode")
    if argv[:1] == ["--fdecode"]:
        fdecode, argv = argv[1], argv[2:]
    if not argv:
        sys.exit(__doc__)
    print("%-46s %-9s %-9s %-9s %-9s %4s %4s %4s %4s %5s %4s" % (
        "capture", "req", "resp", "chello", "shello",
        "miss", "diff", "-d", "flag", "phant", "udp"))
    bad = 0
    details = []
    for pcap in argv:
        ts, udp = tshark_union(pcap)
        fd = fdecode_messages(fdecode, pcap)
        miss, extra = compare(ts, fd)
        pairs, miss, extra = pair_differing(miss, extra)
        confirmed, extra = confirm(pcap, extra)
        flagged = [m for m in extra if m[4]]
        phantom = [m for m in extra if not m[4]]
        cols = []
        for k in KINDS:
            cols.append("%d/%d" % (sum(m[1] == k for m in ts), sum(m[1] == k for m in fd)))
        name = os.path.basename(pcap)
        print("%-46s %-9s %-9s %-9s %-9s %4d %4d %4d %4d %5d %4d" % (
            name[:46], *cols, len(miss), len(pairs), len(confirmed), len(flagged),
            len(phantom), udp))
        bad += len(miss) + len(phantom)
        for m, e in pairs:
            details.append("%s: differs frame %d: tshark %s %r, fdecode %r (%s)" % (
                name, m[3], m[1], m[2][:60], e[2][:60], e[4]))
        for tag, ms in (("missing", miss), ("tshark -d", confirmed), ("flagged", flagged),
                        ("phantom", phantom)):
            for m in ms:
                details.append("%s: %s frame %d %s:%d>%s:%d %s %s %s" % (
                    name, tag, m[3], m[0][0], m[0][1], m[0][2], m[0][3], m[1], m[2][:80],
                    ("(" + m[4] + ")") if m[4] else ""))
    print("(tshark/fdecode counts; miss: tshark only; diff: both, fields read "
          "differently and fdecode says why; -d: fdecode only, and tshark "
          "agrees when told the port's protocol; flag: fdecode only, with a doubt "
          "stated; phant: fdecode only, unflagged; udp: tshark's HTTP over UDP)")
    if verbose and details:
        print()
        print("\n".join(details))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
