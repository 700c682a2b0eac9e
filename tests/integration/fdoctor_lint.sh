#!/bin/sh
# fdoctor_lint.sh - `fdoctor lint` (the lint `fnode status` shares) on
# realistic `tailscale serve status --json` configs: the renamed node's
# stale name with its fix, funnel on a port Funnel does not open, TCP
# forwarding with PROXY protocol and TLS termination (tailscale#18865), a
# tunnel MTU below 1280 from TS_DEBUG_MTU or --mtu, a certificate expiring
# within 14 days; a clean config exits 0; both programs print the same.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test fdoctor_lint openssl python3 ss
L="$FSC_BIN/fdoctor lint"

fl_ports
fl_certs node.example.ts.net || exit 2
# A certificate read in the second it was made has exactly 2 days left, one
# second later 1 day and 86399 s: let that second pass so both programs
# below print the same count.
sleep 1
fl_backend || exit 1
# after `tailscale set --hostname node` on a machine once called oldname, with
# a funnel on 8080 and a TLS-terminated TCP forward with PROXY v2 on 10000
cat >"$FL_DIR/sc.json" <<JSON
{
  "TCP": {
    "443": { "HTTPS": true },
    "8080": { "HTTPS": true },
    "10000": { "TCPForward": "127.0.0.1:5432", "TerminateTLS": "node.example.ts.net", "ProxyProtocol": 2 }
  },
  "Web": {
    "node.example.ts.net:443": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "node.example.ts.net:8080": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
    "oldname.example.ts.net:443": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } }
  },
  "AllowFunnel": {
    "node.example.ts.net:443": true,
    "node.example.ts.net:8080": true,
    "node.example.ts.net:10000": true,
    "oldname.example.ts.net:443": true
  }
}
JSON
out=$(TS_DEBUG_MTU=1200 $L --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --certs "$FL_DIR/certs")
rc=$?
[ $rc -eq 3 ] && ok "problems: exit 3" || bad "exit $rc"
has() { printf '%s\n' "$out" | grep -qF -- "$1"; }
has "oldname.example.ts.net:443  funnel on  STALE: not the node's name" &&
	has "tailscale serve status --json | jq 'del(.Web[\"oldname.example.ts.net:443\"], .AllowFunnel[\"oldname.example.ts.net:443\"])' > sc.json && tailscale serve set-raw < sc.json" &&
	ok "the renamed node's old name is STALE, with the command that removes it" || bad "stale: $out"
has "warning: funnel=on for node.example.ts.net:8080, but Funnel opens only ports 443, 8443 and 10000" &&
	ok "funnel on port 8080 flagged" || bad "port: $out"
has "warning: TCP 10000 forwards to 127.0.0.1:5432 with TLS terminated and PROXY v2" &&
	has "tailscale#18865" && ok "PROXY protocol with TerminateTLS flagged" || bad "proxy: $out"
has "warning: tunnel MTU 1200 (TS_DEBUG_MTU) is below 1280" && ok "TS_DEBUG_MTU=1200 flagged" ||
	bad "mtu: $out"
has "days left (EXPIRING within 14 days; fix: tailscale cert NAME" &&
	ok "a certificate with 1 day left is expiring" || bad "expiring: $out"
if printf '%s\n' "$out" | grep -q "funnel=on for node.example.ts.net:443, but\|funnel=on for node.example.ts.net:10000, but"; then
	bad "443 or 10000 flagged: $out"
else
	ok "443 and 10000 not flagged"
fi

# the same lint through fnode status
out2=$(TS_DEBUG_MTU=1200 "$FSC_BIN/fnode" status --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --certs "$FL_DIR/certs")
if [ "$out" = "$out2" ]; then
	ok "fnode status prints the same"
else
	bad "fnode status differs:"
	printf '%s\n' "$out" >"$FL_DIR/lint.out"
	printf '%s\n' "$out2" | diff "$FL_DIR/lint.out" - || true
fi

js=$($L --serve-config "$FL_DIR/sc.json" --name node.example.ts.net --mtu 1000 --json)
printf '%s\n' "$js" | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = " | ".join(d["warnings"])
assert "8080" in w and "18865" in w and "MTU 1000 (--mtu)" in w, w
h = {x["hostport"]: x for x in d["hosts"]}
assert h["oldname.example.ts.net:443"]["stale"] and "set-raw" in h["oldname.example.ts.net:443"]["fix"]
' && ok "--json: warnings and the stale entry's fix" || bad "json: $js"

# clean: one name, 443, no PROXY with TLS; --allow-port for a lab's port
cat >"$FL_DIR/clean.json" <<JSON
{ "TCP": { "443": { "HTTPS": true }, "$FL_PUB": { "HTTPS": true } },
  "Web": { "node.example.ts.net:443": { "Handlers": { "/": { "Proxy": "http://127.0.0.1:$FL_BE" } } },
           "node.example.ts.net:$FL_PUB": { "Handlers": { "/": { "Text": "hi" } } } },
  "AllowFunnel": { "node.example.ts.net:443": true, "node.example.ts.net:$FL_PUB": true } }
JSON
$L --serve-config "$FL_DIR/clean.json" --allow-port "$FL_PUB" --mtu 1280 >/dev/null
rc=$?
[ $rc -eq 0 ] && ok "clean config: exit 0" || bad "clean: exit $rc"
$L --serve-config "$FL_DIR/clean.json" >/dev/null
[ $? -eq 3 ] && ok "the lab port without --allow-port: a problem" || bad "allow-port"

err=$($L --serve-config "$FL_DIR/clean.json" --mtu 12x 2>&1)
[ $? -eq 2 ] && [ "$err" = "fdoctor lint: --mtu: '12x': not a number (1 to 65535)" ] &&
	ok "bad --mtu: one-line error" || bad "mtu error: $err"
err=$($L 2>&1)
[ $? -eq 2 ] && [ "$err" = "fdoctor lint: --serve-config FILE is required" ] &&
	ok "no config: usage" || bad "usage: $err"
exit $fail
