#!/bin/sh
# fdecode --summary --json and fwatch --dump render one aggregation
# (fsc/agg.h): for every sample capture they must agree on every figure
# both show -- the request count, each host's requests, status mix (2xx..5xx)
# and latency percentiles (p50, p90, p99 to the last byte; the first byte's
# p50), and the clients (which addresses, each one's requests and answers
# by class). A
# capture that fdecode decrypts (a pcapng with WireGuard secrets) is compared
# on its outer traffic only: fwatch does not decrypt.
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
export TZ=UTC LC_ALL=C
unset FSC_GEOIP_DB
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
for cap in $(cd "$FSC_SRC" && find captures -name '*.pcap' -o -name '*.pcapng' | sort); do
	n=$((n + 1))
	"$FSC_BIN/fdecode" -n --no-geoip --summary --json "$FSC_SRC/$cap" >"$out/$n.json" 2>/dev/null
	"$FSC_BIN/fwatch" -n --no-geoip --dump -r "$FSC_SRC/$cap" >"$out/$n.dump" 2>/dev/null
	echo "$cap" >"$out/$n.name"
done
[ "$n" -gt 30 ] || { echo "FAIL: only $n captures found"; exit 1; }
exec python3 - "$out" "$n" <<'PY'
import json, sys

out, n = sys.argv[1], int(sys.argv[2])

def fdecode(path):
    hosts, clients, total = {}, {}, None
    for line in open(path):
        o = json.loads(line)
        t = o.get("type")
        if t == "wg_decryption" and o.get("inner_packets"):
            return None, None, None
        if t == "summary":
            total = o["http_request"]
        elif t == "host":
            lat = o.get("latency_ms", {})
            fb = o.get("first_byte_ms", {})
            hosts[o["name"]] = {
                "requests": str(o["requests"]),
                "2xx": str(o["status"]["2xx"]), "3xx": str(o["status"]["3xx"]),
                "4xx": str(o["status"]["4xx"]), "5xx": str(o["status"]["5xx"]),
                "p50": "%.3f" % lat["p50"] if lat else "-",
                "p90": "%.3f" % lat["p90"] if lat else "-",
                "p99": "%.3f" % lat["p99"] if lat else "-",
                "ttfb": "%.3f" % fb["p50"] if fb else "-",
            }
        elif t == "client" and o.get("is_client"):
            s = o["status"]
            clients[o["addr"]] = " ".join(
                [str(o["requests"])] + [str(s[k]) for k in ("2xx", "3xx", "4xx", "5xx")])
    return total, hosts, clients

def section(lines, title):
    for i, l in enumerate(lines):
        if l.startswith("== " + title + " ("):
            count = int(l.split("(")[1].split(")")[0])
            rows = []
            for r in lines[i + 2:]:
                if not r.strip() or r.startswith("=="):
                    break
                rows.append(r)
            return count, lines[i + 1].split(), rows
    return None, [], []

def fwatch(path):
    lines = open(path).read().split("\n")
    total = None
    for l in lines:
        if l.startswith("  requests "):
            total = int(l.split()[1])
    count, head, rows = section(lines, "Hosts")
    hosts = {}
    for r in rows:
        f = dict(zip(head, r.split()))
        hosts[f["HOST"]] = {
            "requests": f["REQS"], "2xx": f["2XX"], "3xx": f["3XX"], "4xx": f["4XX"],
            "5xx": f["5XX"], "p50": f["P50"].removesuffix("ms"),
            "p90": f["P90"].removesuffix("ms"), "p99": f["P99"].removesuffix("ms"),
            "ttfb": f["TTFB"].removesuffix("ms"),
        }
    ccount, head, rows = section(lines, "Clients")
    clients = {}
    for r in rows:
        v = r.split()
        if v and v[0] == "*":  # the N column: new
            v = v[1:]
        at = head.index("REQS") - 1
        clients[v[0]] = " ".join([v[at]] + [v[head.index(k) - 1]
                                            for k in ("2XX", "3XX", "4XX", "5XX")])
    return total, count, hosts, ccount, clients

fail = 0
figures = 0
for i in range(1, n + 1):
    name = open("%s/%d.name" % (out, i)).read().strip()
    ft, fh, fc = fdecode("%s/%d.json" % (out, i))
    if fh is None:
        print("skipped: %s (fdecode decrypts it, fwatch does not)" % name)
        continue
    wt, whn, wh, wcn, wc = fwatch("%s/%d.dump" % (out, i))
    def differ(what, a, b):
        global fail
        fail += 1
        print("FAIL: %s: %s: fdecode %r, fwatch %r" % (name, what, a, b))
    if ft != wt:
        differ("requests", ft, wt)
    if whn != len(fh) or set(fh) != set(wh):
        differ("hosts", sorted(fh), sorted(wh))
    for h in fh:
        for k, v in fh[h].items():
            figures += 1
            if h in wh and wh[h][k] != v:
                differ("host %s %s" % (h, k), v, wh[h][k])
    if wcn != len(fc) or set(fc) != set(wc):
        differ("clients", sorted(fc), sorted(wc))
    for c in fc:
        figures += 5
        if c in wc and wc[c] != fc[c]:
            differ("client %s requests, 2xx..5xx" % c, fc[c], wc[c])
print("%d captures, %d host and client figures compared, %d differences" % (n, figures, fail))
sys.exit(1 if fail else 0)
PY
