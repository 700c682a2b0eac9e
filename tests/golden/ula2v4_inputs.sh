#!/bin/sh
# Golden (issue 15 item 8): an address with no Tailscale counterpart is
# answered with its class and exit 0; --json gives an object for every
# input, bad ones with "error"; endpoints (ADDR:PORT, [v6]:port) and zones
# are read as their address; --annotate keeps a CIDR suffix with its address.
. "$(dirname "$0")/ula2v4/check.sh"

check public 8.8.8.8
check classified 8.8.8.8 10.0.0.1 127.3.3.40 fe80::1 2001:db8::1
check json_every --json 100.104.208.43 bogus 8.8.8.8 fd7a:115c:a1e0::1234 \
	100.64.0.0/33 "" 10.0.0.0/8
check endpoints 100.104.208.43:41641 \
	"[fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b]:443" \
	"[fd7a:115c:a1e0::53]" "fe80::1%eth0" "fd7a:115c:a1e0::53%tailscale0" \
	"[fe80::1%eth0]:80" 100.100.100.100:53
check endpoints_bad 100.64.0.1:70000 "[fd7a::1]x" "[fd7a::1]:" "1.2.3.4%x" \
	"fe80::1%" 100.64.0.1:80:80
check annotate_cidr --stdin "$GOLD/cidr.log" --annotate

# Every --json line parses and has the stable keys (python3 is an
# independent parser), and exactly the bad inputs carry "error".
if command -v python3 >/dev/null 2>&1; then
	cases=$((cases + 1))
	if ! python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert [o["input"] for o in objs] == ["100.104.208.43", "bogus", "8.8.8.8",
    "fd7a:115c:a1e0::1234", "100.64.0.0/33", "", "10.0.0.0/8"], objs
for o in objs:
    for k in ("input", "kind", "addr", "class", "description", "counterpart"):
        assert k in o, (o, k)
assert [("error" in o) for o in objs] == [False, True, False, True, True, True, True]
assert objs[2]["class"] == "public" and objs[3]["class"] == "tailscale-ula"
' "$GOLD/json_every.out"; then
		echo "FAIL: json_every.out: not one object an input with the stable keys" >&2
		failures=$((failures + 1))
	fi
fi
finish
