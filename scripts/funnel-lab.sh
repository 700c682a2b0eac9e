#!/bin/sh
# funnel-lab.sh - the reference funnel on loopback, no root: a throw-away CA
# and certificate, a backend, fnode, fedge, and curl through the public path.
#
# usage: scripts/funnel-lab.sh [--once] [DIR]
#   DIR     where certificates, serve.json and the logs go (default: a new
#           folder under /tmp); kept afterwards
#   --once  run the demo requests and stop (default: keep running until
#           Ctrl-C so you can try your own curl, fdecode, tcpdump)
# Needs build/bin/fnode and build/bin/fedge (make build), openssl, curl,
# python3. Ports are free ones picked at start; the commands are printed.
set -eu
once=0
[ "${1:-}" = "--once" ] && { once=1; shift; }
FSC_SRC=$(cd "$(dirname "$0")/.." && pwd)
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
FL_DIR=${1:-$(mktemp -d /tmp/funnel-lab.XXXXXX)}
mkdir -p "$FL_DIR"
FL_DIR=$(cd "$FL_DIR" && pwd)
[ -x "$FSC_BIN/fnode" ] && [ -x "$FSC_BIN/fedge" ] || { echo "funnel-lab: run make build first" >&2; exit 1; }
. "$FSC_SRC/tests/integration/lib/funnel.sh"
trap fl_stop EXIT INT TERM

fl_ports
fl_certs "$FL_NAME"
fl_serve_config "$FL_NAME"
fl_backend
fl_node --tls-keylog "$FL_DIR/tls-keys.log"
fl_edge
echo "lab in $FL_DIR: edge 127.0.0.1:$FL_PUB, node PeerAPI 127.0.0.1:$FL_PEER, backend 127.0.0.1:$FL_BE"
echo
echo "\$ curl --cacert $FL_DIR/ca.crt --resolve $FL_NAME:$FL_PUB:127.0.0.1 https://$FL_NAME:$FL_PUB/echo?hello=1"
fl_curl "https://$FL_NAME:$FL_PUB/echo?hello=1"
echo
echo
echo "\$ fnode status --serve-config $FL_DIR/serve.json --certs $FL_DIR/certs"
"$FSC_BIN/fnode" status --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" || true
sleep 0.3
echo
echo "--- $FL_DIR/edge.log"
cat "$FL_DIR/edge.log"
echo "--- $FL_DIR/node.log"
cat "$FL_DIR/node.log"
[ $once -eq 1 ] && exit 0
echo
echo "running; Ctrl-C stops. Try:"
echo "  curl --cacert $FL_DIR/ca.crt --resolve $FL_NAME:$FL_PUB:127.0.0.1 https://$FL_NAME:$FL_PUB/sse?n=5"
echo "  curl -k https://127.0.0.1:$FL_PUB/     (no SNI: refused, see edge.log)"
while :; do sleep 3600; done
