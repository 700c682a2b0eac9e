#!/bin/sh
# funnel-lab.sh - the reference funnel on loopback, no root: a throw-away CA
# and certificate, a backend, fnode, fedge, and curl through the public path.
#
# usage: scripts/funnel-lab.sh [--once] [--wg] [DIR]
#   DIR     where certificates, serve.json and the logs go (default: a new
#           folder under /tmp); kept afterwards
#   --once  run the demo requests and stop (default: keep running until
#           Ctrl-C so you can try your own curl, fdecode, tcpdump)
#   --wg    edge and node talk through a WireGuard tunnel (the engine with
#           lwIP, over loopback UDP; needs wg for keys). As root, the
#           underlay is captured (DIR/underlay.pcap) and tshark shows the
#           ingress request inside it with the WireGuard key log.
# Needs build/bin/fnode and build/bin/fedge (make build), openssl, curl,
# python3. Ports are free ones picked at start; the commands are printed.
set -eu
once=0
wgmode=0
while [ $# -gt 0 ]; do
	case $1 in
	--once) once=1 ;;
	--wg) wgmode=1 ;;
	*) break ;;
	esac
	shift
done
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
if [ $wgmode -eq 1 ]; then
	UE=$(fl_free_port)
	UN=$(fl_free_port)
	(umask 077; wg genkey >"$FL_DIR/edge.key"; wg genkey >"$FL_DIR/node.key")
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\nAddress = 100.64.0.2/32, fd7a:115c:a1e0::2/128\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.0.1/32, fd7a:115c:a1e0::1/128\nEndpoint = 127.0.0.1:%s\n' \
		"$(cat "$FL_DIR/node.key")" "$UN" "$(wg pubkey <"$FL_DIR/edge.key")" "$UE" >"$FL_DIR/node.conf"
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\nAddress = 100.64.0.1/32, fd7a:115c:a1e0::1/128\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 100.64.0.2/32, fd7a:115c:a1e0::2/128\nEndpoint = 127.0.0.1:%s\n' \
		"$(cat "$FL_DIR/edge.key")" "$UE" "$(wg pubkey <"$FL_DIR/node.key")" "$UN" >"$FL_DIR/edge.conf"
	TPID=""
	if [ "$(id -u)" -eq 0 ] && command -v tcpdump >/dev/null; then
		tcpdump --immediate-mode -s 65535 -B 131072 -i lo -w "$FL_DIR/underlay.pcap" \
			"udp port $UN" >/dev/null 2>&1 &
		TPID=$!
		FL_PIDS="$FL_PIDS $TPID"
		sleep 0.5
	fi
	"$FSC_BIN/fnode" --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" \
		--wg-config "$FL_DIR/node.conf" --wg-keylog "$FL_DIR/node-wg.keys" \
		--tls-keylog "$FL_DIR/tls-keys.log" --peerapi 100.64.0.2:46187 \
		--edge 100.64.0.1 >/dev/null 2>>"$FL_DIR/node.log" &
	FL_PIDS="$FL_PIDS $!"
	"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB" --wg-config "$FL_DIR/edge.conf" \
		--route "$FL_NAME=100.64.0.2:46187" >/dev/null 2>>"$FL_DIR/edge.log" &
	FL_PIDS="$FL_PIDS $!"
	fl_wait_port "$FL_PUB"
	sleep 0.3
	echo "lab in $FL_DIR: edge 127.0.0.1:$FL_PUB, WireGuard on UDP 127.0.0.1:$UE (edge) and :$UN (node), node PeerAPI 100.64.0.2:46187 in the tunnel, backend 127.0.0.1:$FL_BE"
else
	fl_node --tls-keylog "$FL_DIR/tls-keys.log"
	fl_edge
	echo "lab in $FL_DIR: edge 127.0.0.1:$FL_PUB, node PeerAPI 127.0.0.1:$FL_PEER, backend 127.0.0.1:$FL_BE"
fi
echo
echo "\$ curl --cacert $FL_DIR/ca.crt --resolve $FL_NAME:$FL_PUB:127.0.0.1 https://$FL_NAME:$FL_PUB/echo?hello=1"
fl_curl "https://$FL_NAME:$FL_PUB/echo?hello=1"
echo
echo
echo "\$ fnode status --serve-config $FL_DIR/serve.json --certs $FL_DIR/certs"
"$FSC_BIN/fnode" status --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" || true
sleep 0.3
if [ $wgmode -eq 1 ] && [ -n "$TPID" ]; then
	kill "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	echo
	echo "\$ tshark -r $FL_DIR/underlay.pcap -d udp.port==$UN,wg -o wg.keylog_file:$FL_DIR/node-wg.keys -Y http.request -T fields -e ip.src -e ip.dst -e http.request.line"
	tshark -r "$FL_DIR/underlay.pcap" -d "udp.port==$UN,wg" -o "wg.keylog_file:$FL_DIR/node-wg.keys" \
		-Y http.request -T fields -e ip.src -e ip.dst -e http.request.line 2>/dev/null
fi
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
