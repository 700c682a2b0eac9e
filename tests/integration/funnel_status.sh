#!/bin/sh
# funnel_status.sh - `fnode status` on the serve config a rename leaves
# behind (refpair.md §1.6/§1.7): the old name is flagged STALE with the
# command that removes it, --json says the same for scripts, --fixed-config
# writes the config without it, certificates are checked (present, SAN,
# days left), and a config that cannot be read is an error.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test funnel_status openssl python3 ss
S="$FSC_BIN/fnode status"

fl_ports
fl_certs node.example.ts.net oldname.example.ts.net || exit 2
# the certificate of "node" under another name: its SAN does not cover it
cp "$FL_DIR/certs/oldname.example.ts.net.crt" "$FL_DIR/certs/wrong.example.ts.net.crt"
cp "$FL_DIR/certs/oldname.example.ts.net.key" "$FL_DIR/certs/wrong.example.ts.net.key"
fl_backend || exit 1
# refpair.md §1.6, as `tailscale serve status --json` prints it after a rename
cat >"$FL_DIR/sc.json" <<JSON
{
  "TCP": {
    "10000": { "TCPForward": "127.0.0.1:5432", "ProxyProtocol": 2 },
    "443": { "HTTPS": true }
  },
  "Web": {
    "node.example.ts.net:443":    { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "oldname.example.ts.net:443": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_PEER" } } }
  },
  "AllowFunnel": {
    "node.example.ts.net:10000": true,
    "node.example.ts.net:443": true,
    "oldname.example.ts.net:443": true
  }
}
JSON

out=$($S --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --certs "$FL_DIR/certs")
rc=$?
[ $rc -eq 3 ] && ok "exit 3: problems found" || bad "exit $rc"
printf '%s\n' "$out" | grep -q "^oldname.example.ts.net:443  funnel on  STALE: not the node's name" &&
	ok "the old name is STALE" || bad "stale: $out"
printf '%s\n' "$out" | grep -qF "tailscale serve status --json | jq 'del(.Web[\"oldname.example.ts.net:443\"], .AllowFunnel[\"oldname.example.ts.net:443\"])' > sc.json && tailscale serve set-raw < sc.json" &&
	printf '%s\n' "$out" | grep -q 'tailscale serve reset' && ok "with the exact commands that remove it" ||
	bad "fix commands: $out"
printf '%s\n' "$out" | grep -q "^node.example.ts.net:443  funnel on$" && ok "the current name is not stale" ||
	bad "current: $out"
printf '%s\n' "$out" | grep -q "http://127.0.0.1:$FL_BE  (reachable)" && ok "backend reachable" ||
	bad "reachable: $out"
printf '%s\n' "$out" | grep -q "certificate  ok, [0-9]* days left" && ok "certificate present, SAN covers the name" ||
	bad "cert: $out"

js=$($S --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --json)
printf '%s\n' "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = {x["hostport"]: x for x in d["hosts"]}
assert h["oldname.example.ts.net:443"]["stale"] is True
assert "set-raw" in h["oldname.example.ts.net:443"]["fix"]
assert h["node.example.ts.net:443"]["stale"] is False
assert h["node.example.ts.net:443"]["handlers"][0]["reachable"] is True
assert h["oldname.example.ts.net:443"]["handlers"][0]["reachable"] is False
assert d["problems"] >= 1
' && ok "--json: stale, fix, reachable" || bad "json: $js"

$S --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --fixed-config "$FL_DIR/fixed.json" >/dev/null
if grep -q oldname "$FL_DIR/fixed.json"; then
	bad "--fixed-config kept the old name"
else
	$S --serve-config "$FL_DIR/fixed.json" --name node.example.ts.net >/dev/null
	rc=$?
	[ $rc -eq 0 ] && grep -q '"node.example.ts.net:443"' "$FL_DIR/fixed.json" &&
		ok "--fixed-config: without the old name, nothing left to fix" || bad "fixed config: exit $rc"
fi

# a certificate whose SAN does not cover the name
sed 's/node.example.ts.net/wrong.example.ts.net/g' "$FL_DIR/fixed.json" >"$FL_DIR/wrong.json"
out=$($S --serve-config "$FL_DIR/wrong.json" --certs "$FL_DIR/certs")
printf '%s\n' "$out" | grep -q "certificate  PROBLEM: certificate does not name wrong.example.ts.net" &&
	ok "a certificate for another name is a problem" || bad "SAN: $out"
rm "$FL_DIR/certs/wrong.example.ts.net.key"
out=$($S --serve-config "$FL_DIR/wrong.json" --certs "$FL_DIR/certs")
printf '%s\n' "$out" | grep -q "certificate  PROBLEM: .*wrong.example.ts.net.key: missing" &&
	ok "a missing key is a problem" || bad "key: $out"

# several names and no --name: usage; unreadable config: error with the reason
$S --serve-config "$FL_DIR/sc.json" >/dev/null 2>&1
[ $? -eq 2 ] && ok "several names without --name: exit 2" || bad "no --name"
printf '{"Web": {"x": {}}}' >"$FL_DIR/bad.json"
err=$($S --serve-config "$FL_DIR/bad.json" 2>&1)
[ $? -eq 1 ] && [ "$err" = "fnode status: --serve-config: '$FL_DIR/bad.json': Web: key 'x': not name:port" ] &&
	ok "bad config: one-line error" || bad "bad config: $err"
exit $fail
