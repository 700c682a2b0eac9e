"""correlate_truth.py: fdecode --correlate's stories against the lab's truth,
the logs of fedge and fnode (correlate_lab.sh, scripts/lab-correlate.sh).

usage:
  correlate_truth.py exact LABEL STORIES NODE_LOG EDGE_LOG RELAY EDGE N PORT...
      the N stories of /echo?n= requests, one a client port: the right
      path for each port, the joins named, stages in order
  correlate_truth.py load LABEL STORIES NODE_LOG EDGE_LOG [exact]
      every request of the mixed load (targets with r=): correct,
      ambiguous, wrong, unjoined; wrong must be 0; with `exact` (a TLS key
      log: the decrypted stream) every request joined exact and right
  correlate_truth.py refusals LABEL STORIES EDGE_LOG REFUSALS
      REFUSALS: lines "ADDR:PORT KIND"; KIND edge (refused at the edge: no
      story), node (the ingress refused: a story, status 403, no
      request), tls (101, then the TLS refused: a story, no request)
  correlate_truth.py data LABEL STORIES INNER_PCAP
      every request joined address+data (the data rule, correlate.h):
      the ingress connection it names had sent, by tshark's reading of the
      TUN capture, a TLS record that can carry application data (outer
      type 23; in TLS 1.3 the one after the client's Finished) before the
      request; prints the request joins by kind
  correlate_truth.py timing LABEL STORIES NODE_LOG EDGE_LOG BOUND_MS [inner] HOLD:STAGE...
      each stage of every story joined right against the moment the logs
      give it (t_STAGE keys); prints p50/p99/max of |log - capture| per
      stage; fails when a STAGE named is off by more than BOUND_MS in any
      story (HOLD "each"; "each@MS": by more than MS) or at the median
      (HOLD "median"); a stage may be held several ways. "inner": the
      stories saw the tunnel inside (a TUN or debug capture, no key):
      fnode's t_STAGE_inner where it gives one (the inner packet; t_STAGE
      is then the WireGuard datagram that carried it)

The logs are the text format of fnode/fedge: TIME EVENT key=value ...
Exit 0 when the check holds, 1 otherwise (the reasons on stdout).
"""

import json
import re
import subprocess
import sys

RELAY = ("198.18.0.1", 51820)  # correlate_lab.sh's one edge, its underlay end
STAGES = ["edge", "tunnel", "ingress", "tls_done", "request", "first_byte", "last_byte"]
# the request joins that name one ingress (correlate.h)
MADE = ("exact", "address+time", "address+data")
KV = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def log_lines(path, event):
    for line in open(path):
        parts = line.split(" ", 2)
        if len(parts) < 3 or parts[1] != event:
            continue
        kv = {k: v.strip('"') for k, v in KV.findall(parts[2])}
        yield kv


def ep(s):
    a, _, p = s.rpartition(":")
    return a, int(p)


def node_requests(path):
    """target -> the node's request line (targets are unique in the lab)."""
    return {kv["target"]: kv for kv in log_lines(path, "request")}


def edge_conns(path):
    """(client, port) -> the edge's conn line."""
    return {ep(kv["client"]): kv for kv in log_lines(path, "conn") if "client" in kv}


def stories(path):
    for line in open(path):
        o = json.loads(line)
        if o.get("type") == "story":
            yield o


def client_of(s):
    i = s.get("ingress", {})
    return (i.get("client"), i.get("client_port"))


def exact(label, path, node_log, edge_log, relay_join, edge_join, n, ports):
    # by client address and port: a load client elsewhere may use the port
    truth = {ep(kv["client"]): kv["target"] for kv in log_lines(node_log, "request")}
    errs = []
    mine = [s for s in stories(path) if s.get("request", {}).get("target", "").startswith("/echo?n=")]
    if len(mine) != n:
        errs.append("%d stories, want %d" % (len(mine), n))
    order = (["edge"] if edge_join != "none" else []) + STAGES[1:]
    # A join by time windows (no key) may give up on a story whose datagram
    # the loaded node took long to pass inside (seen once under the ASan
    # suite): then it says `time` or `none`, never another relay; most
    # stories must still be joined as asked.
    heuristic = relay_join != "exact"
    joined = 0
    seen = set()
    for s in mine:
        client = client_of(s)
        port = client[1]
        seen.add(port)
        if client not in truth:
            errs.append("story %s: client %s:%s not in the node's log" % (s["id"], client[0], port))
            continue
        if s["request"]["target"] != truth[client]:
            errs.append("story %s: port %d asked %s, joined %s" % (s["id"], port, truth[client], s["request"]["target"]))
        r = s["relay"]
        if s["edge"]["join"] != edge_join:
            errs.append("story %s: edge %s, want %s" % (s["id"], s["edge"]["join"], edge_join))
        if r["join"] == relay_join:
            joined += 1
        elif not (heuristic and r["join"] in ("time", "none")):
            errs.append("story %s: relay %s, want %s" % (s["id"], r["join"], relay_join))
        if "addr" in r and (r["addr"], r.get("port")) != RELAY:
            errs.append("story %s: relay %s:%s, the edge is %s:%s" % ((s["id"], r["addr"], r.get("port")) + RELAY))
        if s["request"]["join"] != "address+time" or s["tls"]["join"] != "exact":
            errs.append("story %s: joins %s/%s" % (s["id"], s["tls"]["join"], s["request"]["join"]))
        if s["request"].get("status") != 200 or s["ingress"]["status"] != 101 or not s["complete"]:
            errs.append("story %s: status %s/%s" % (s["id"], s["ingress"]["status"], s["request"].get("status")))
        st = s["stages"]
        missing = [k for k in order if k not in st]
        if missing:
            errs.append("story %s: no stage %s" % (s["id"], missing))
            continue
        if any(st[a] > st[b] for a, b in zip(order, order[1:])):
            errs.append("story %s: stages out of order %s" % (s["id"], st))
        if s["request"].get("stages", {}).get("request", {}).get("ts") != st["request"]:
            errs.append("story %s: request.stages does not nest the stages" % s["id"])
    if joined < (n + 1) // 2 if heuristic else joined != len(mine):
        errs.append("relay joined %s in %d of %d stories" % (relay_join, joined, len(mine)))
    if seen != set(ports):
        errs.append("client ports %s, want %s" % (sorted(p for p in seen if p), sorted(ports)))
    return errs


def load(label, path, node_log, edge_log, want=None):
    truth = {t: ep(kv["client"]) for t, kv in node_requests(node_log).items() if "r=" in t}
    right = amb = wrong = none = 0
    seen = set()
    why = {}
    errs = []
    for s in stories(path):
        t = s.get("request", {}).get("target", "")
        if t not in truth:
            continue
        seen.add(t)
        j = s["request"]["join"]
        if j == "ambiguous":
            amb += 1
            # Why: the other connections of this address open at that moment.
            key = "%s candidates" % s["request"]["candidates"]
            why[key] = why.get(key, 0) + 1
        elif "ingress" not in s:
            none += 1
        elif client_of(s) == truth[t]:
            right += 1
        else:
            wrong += 1
            errs.append("wrong: %s joined %s:%s, the node served %s" % (t, client_of(s)[0], client_of(s)[1], truth[t]))
    n = len(truth)
    print("%s: %d requests, %d stories: correct %d (%.1f%%), ambiguous %d (%.1f%%; %s), wrong %d, unjoined %d, missing %d" % (
        label, n, len(seen), right, 100.0 * right / max(n, 1), amb, 100.0 * amb / max(n, 1),
        ", ".join("%s: %d" % kv for kv in sorted(why.items())) or "-", wrong, none, n - len(seen)))
    if wrong or seen != set(truth) or right == 0:
        errs.append("%s: wrong %d, missing %d, correct %d" % (label, wrong, n - len(seen), right))
    if want == "exact":
        kinds = {}
        for s in stories(path):
            if s.get("request", {}).get("target", "") in truth:
                kinds[s["request"]["join"]] = kinds.get(s["request"]["join"], 0) + 1
        if amb or none or right != n or set(kinds) != {"exact"}:
            errs.append("%s: want every request exact and right: joins %s, ambiguous %d, unjoined %d" % (
                label, kinds, amb, none))
    return errs


def refusals(label, path, edge_log, spec):
    edge = edge_conns(edge_log)
    by_client = {}
    for s in stories(path):
        by_client.setdefault(client_of(s), []).append(s)
    errs = []
    counts = {}
    for line in open(spec):
        client, kind = line.split()
        client = ep(client)
        port = client[1]
        found = by_client.get(client, [])
        outcome = edge.get(client, {}).get("outcome")
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "edge":
            if found:
                errs.append("port %d refused at the edge (%s) has %d stories" % (port, outcome, len(found)))
            if outcome in (None, "proxied"):
                errs.append("port %d: the edge logged %s, not a refusal" % (port, outcome))
            continue
        if len(found) != 1:
            errs.append("port %d (%s): %d stories, want 1" % (port, kind, len(found)))
            continue
        s = found[0]
        want = 403 if kind == "node" else 101
        if s["ingress"]["status"] != want or "request" in s:
            errs.append("port %d (%s): ingress %s, request %s" % (port, kind, s["ingress"]["status"], "request" in s))
        if kind == "tls" and "tls" not in s:
            errs.append("port %d: the refused TLS is not in the story" % port)
    print("%s: refusals %s" % (label, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    return errs


def client_records(pcap, node_port):
    """Tailscale-Ingress-Src -> the times the client's TLS records of outer
    type 23 began, read by tshark from each ingress connection's bytes
    after its POST; and whether the ServerHello chose TLS 1.3. A stream
    with a hole is left out (the rule says nothing there)."""
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-o", "tcp.relative_sequence_numbers:TRUE",
                          "-Y", "tcp.port==%d && tcp.len>0" % node_port, "-T", "fields",
                          "-e", "tcp.stream", "-e", "frame.time_epoch", "-e", "tcp.srcport",
                          "-e", "ip.src", "-e", "tcp.seq", "-e", "tcp.payload"],
                         capture_output=True, text=True, check=True).stdout
    dirs = {}
    for line in out.splitlines():
        stream, t, sport, src, seq, payload = line.split("\t")
        d = dirs.setdefault((stream, int(sport) == node_port), {"src": (src, int(sport)), "segs": []})
        d["segs"].append((int(seq), float(t), bytes.fromhex(payload.replace(":", ""))))
    def stream_bytes(d):
        data, times, nxt = b"", [], 1
        for seq, t, b in sorted(d["segs"], key=lambda x: x[0]):
            if seq > nxt:
                return None, None  # a hole
            b = b[nxt - seq:]
            data += b
            times += [t] * len(b)
            nxt += len(b)
        return data, times
    def records(data, times, start):
        o = start
        while o + 5 <= len(data):
            yield data[o], times[o + 4], data[o + 5:o + 5 + (data[o + 3] << 8 | data[o + 4])]
            o += 5 + (data[o + 3] << 8 | data[o + 4])
    res = {}
    for (stream, from_node), d in dirs.items():
        if from_node:
            continue
        data, times = stream_bytes(d)
        if data is None or not data.startswith(b"POST /v0/ingress ") or b"\r\n\r\n" not in data:
            continue
        tls13 = False
        server = dirs.get((stream, True))
        sdata, stimes = stream_bytes(server) if server else (None, None)
        if sdata and b"\r\n\r\n" in sdata:
            for typ, _, body in records(sdata, stimes, sdata.index(b"\r\n\r\n") + 4):
                if typ == 22 and body[:1] == b"\x02":
                    tls13 = b"\x00\x2b\x00\x02\x03\x04" in body
                    break
        head = data[:data.index(b"\r\n\r\n")].decode("latin-1")
        src = re.search(r"\r\nTailscale-Ingress-Src: *([^\r]*)", head, re.I)
        sealed = [t for typ, t, _ in records(data, times, data.index(b"\r\n\r\n") + 4) if typ == 23]
        if src:
            res[src.group(1)] = (sealed, tls13)
    return res


def data(label, path, inner):
    kinds = {}
    decided = [s for s in stories(path) if s.get("request", {}).get("join") == "address+data"]
    for s in stories(path):
        if "request" in s:
            kinds[s["request"]["join"]] = kinds.get(s["request"]["join"], 0) + 1
    print("%s: request joins %s" % (label, ", ".join("%s %d" % kv for kv in sorted(kinds.items()))))
    if not decided:
        return []
    recs = client_records(inner, decided[0]["ingress"]["node_port"])
    errs = []
    for s in decided:
        i = s["ingress"]
        ts = s["request"]["stages"]["request"]["ts"]
        sealed, tls13 = recs.get(i["src"], ([], False))
        first = sealed[1:2] if tls13 else sealed[:1]  # TLS 1.3: after its Finished
        if i["src"] not in recs:
            errs.append("story %s: the ingress of %s:%s not read in %s" % (s["id"], i["client"], i["client_port"], inner))
        elif not first or first[0] > ts + 1e-6:
            errs.append("story %s: address+data, but %s:%s sent no data before the request (%s)" % (
                s["id"], i["client"], i["client_port"], sealed))
    return errs


def pct(v, p):
    v = sorted(v)
    return v[max(0, (len(v) * p + 99) // 100 - 1)] if v else float("nan")


def timing(label, path, node_log, edge_log, bound_ms, holds):
    inner = holds[:1] == ["inner"]
    held = [h.split(":") for h in holds[inner:]]  # [each|each@MS|median, stage]
    req = node_requests(node_log)
    edge = edge_conns(edge_log)
    diffs = {k: [] for k in STAGES}
    signed = {k: [] for k in STAGES}
    # A response head the node had not read when the body's segment came
    # is merged into it by the kernel's receive queue, under the later
    # time (tcp_try_coalesce): no socket call tells the head's own time
    # then. Its signature: the log's first_byte is its last_byte (one
    # stamp, the head's first segment peeked already the merged one), later
    # than the capture. Counted apart from "each"; printed.
    merged = []
    for s in stories(path):
        t = s.get("request", {}).get("target")
        if t not in req or s["request"]["join"] not in MADE or client_of(s) != ep(req[t]["client"]):
            continue  # only stories joined, and joined right
        log = dict(req[t])
        for k in STAGES:
            if inner and "t_%s_inner" % k in log:
                log["t_" + k] = log["t_%s_inner" % k]
        if client_of(s) in edge and "t_edge" in edge[client_of(s)]:
            log["t_edge"] = edge[client_of(s)]["t_edge"]
        for k in STAGES:
            if k in s["stages"] and "t_" + k in log:
                d = (float(log["t_" + k]) - s["stages"][k]) * 1000.0
                signed[k].append(d)
                diffs[k].append(abs(d))
                if k == "first_byte" and d > bound_ms and log["t_first_byte"] == log.get("t_last_byte"):
                    merged.append(d)
    errs = []
    for k in STAGES:
        v = diffs[k]
        if not v:
            continue
        over = sum(1 for d in v if d > bound_ms)
        print("%s: %-10s n=%4d |log-capture| ms p50 %.3f p99 %.3f max %.3f (log later: median %+.3f), over %g ms: %d" % (
            label, k, len(v), pct(v, 50), pct(v, 99), max(v), pct(signed[k], 50), bound_ms, over))
        apart = sorted(merged) if k == "first_byte" else []
        if apart:
            print("%s: %-10s %d of those over %g ms the kernel's merge of the head into the body's segment (max %.3f)" % (
                label, k, len(apart), bound_ms, apart[-1]))
        for how, _ in (h for h in held if h[1] == k):
            each = bound_ms if how == "each" else float(how[5:]) if how.startswith("each@") else None
            beyond = sum(1 for d in v if each is not None and d > each) - sum(1 for d in apart if each is not None and d > each)
            if beyond:
                errs.append("%s: %d of %d beyond %g ms (max %.3f)" % (k, beyond, len(v), each, max(v)))
            if how == "median" and pct(v, 50) > bound_ms:
                errs.append("%s: median %.3f ms beyond %g ms" % (k, pct(v, 50), bound_ms))
    for _, k in held:
        if not diffs[k]:
            errs.append("%s: no story had it with a log time" % k)
    return errs


def main(argv):
    mode, label = argv[1], argv[2]
    if mode == "exact":
        errs = exact(label, argv[3], argv[4], argv[5], argv[6], argv[7], int(argv[8]), [int(p) for p in argv[9:]])
    elif mode == "load":
        errs = load(label, *argv[3:7])
    elif mode == "refusals":
        errs = refusals(label, *argv[3:6])
    elif mode == "data":
        errs = data(label, argv[3], argv[4])
    elif mode == "timing":
        errs = timing(label, argv[3], argv[4], argv[5], float(argv[6]), argv[7:])
    else:
        sys.exit("correlate_truth.py: unknown mode '%s'" % mode)
    for e in errs:
        print("  " + e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
