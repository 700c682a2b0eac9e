#!/bin/bash
# funnel-nslab.sh - the reference funnel in network namespaces, with
# captures at every vantage point (root):
#
#   client ns: curl ──veth 198.18.1.0/30──> edge ns: fedge (WireGuard engine,
#   lwIP) ══WireGuard over veth 198.18.0.0/30══> node ns: fnode --tun fsl0
#   (kernel TCP on 100.64.0.2) ──lo──> backend 127.0.0.1:2367
#
# usage: sudo scripts/funnel-nslab.sh DIR
# Writes into DIR: underlay.pcap (the WireGuard UDP on the node's veth),
# inner.pcap (the TUN: the ingress POST, its 101 and the client's TLS, in
# the clear at the IP layer), node-lo.pcap (fnode -> backend, HTTP with the
# real client in X-Forwarded-For), public.pcap (the client's TLS to the
# edge), edge-wg.keys / node-wg.keys (WireGuard key logs for tshark),
# tls.keys (the node's TLS secrets), node.log, edge.log; then prints what
# fdecode and tshark see in them. No route leaves the namespaces.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
[ $# -eq 1 ] || { echo "usage: sudo $0 DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "funnel-nslab: needs root (namespaces, TUN, captures)" >&2; exit 1; }
FSC_SRC=$(cd "$(dirname "$0")/.." && pwd)
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
. "$FSC_SRC/tests/integration/lib/netns.sh"
nsl_init funnel-nslab
FL_DIR=$OUT
. "$FSC_SRC/tests/integration/lib/funnel.sh"

NC=flc$$ NE=fle$$ NN=fln$$
for n in $NC $NE $NN; do nsl_ns_add "$n"; done
nsl_veth "$NC" uc0 "$NE" ue1
nsl_addr "$NC" uc0 198.18.1.1/30
nsl_addr "$NE" ue1 198.18.1.2/30
nsl_veth "$NE" ue0 "$NN" un0
nsl_addr "$NE" ue0 198.18.0.1/30
nsl_addr "$NN" un0 198.18.0.2/30
FL_PUB=443 FL_BE=2367
fl_certs "$FL_NAME" >/dev/null || nsl_die "openssl failed"
fl_serve_config "$FL_NAME"
fl_wg_pair

cap() {	# NS IF FILE [FILTER]
	nsl_bg "$1" tcpdump --immediate-mode -s 65535 -B 131072 -U -n -i "$2" -w "$3" ${4:+"$4"}
}
cap "$NN" un0 "$OUT/underlay.pcap" udp 2>/dev/null
cap "$NN" lo "$OUT/node-lo.pcap" "tcp port $FL_BE" 2>/dev/null
cap "$NE" ue1 "$OUT/public.pcap" "tcp port $FL_PUB" 2>/dev/null
nsl_bg "$NN" python3 "$FSC_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$OUT/backend.jsonl"
nsl_bg "$NN" sh -c "exec '$FSC_BIN/fnode' --serve-config '$OUT/serve.json' --certs '$OUT/certs' \
	--wg-config '$OUT/node.conf' --tun fsl0 --wg-keylog '$OUT/node-wg.keys' \
	--tls-keylog '$OUT/tls.keys' --peerapi 100.64.0.2:46187 --edge 100.64.0.1 \
	>/dev/null 2>>'$OUT/node.log'"
nsl_bg "$NE" sh -c "exec '$FSC_BIN/fedge' --listen 198.18.1.2:$FL_PUB --wg-config '$OUT/edge.conf' \
	--wg-keylog '$OUT/edge-wg.keys' --route '$FL_NAME=100.64.0.2:46187' >/dev/null 2>>'$OUT/edge.log'"
nsl_listening "$NN" 46187 && nsl_listening "$NE" "$FL_PUB" && nsl_listening "$NN" "$FL_BE" ||
	{ cat "$OUT"/*.log; nsl_die "a listener did not come up"; }
cap "$NN" fsl0 "$OUT/inner.pcap" 2>/dev/null
sleep 1
echo "\$ curl --resolve $FL_NAME:443:198.18.1.2 https://$FL_NAME/echo?from=client-ns   (in the client namespace, 198.18.1.1)"
ip netns exec "$NC" curl -sS --max-time 20 --cacert "$OUT/ca.crt" \
	--resolve "$FL_NAME:443:198.18.1.2" "https://$FL_NAME/echo?from=client-ns"
echo
sleep 1
for pid in $NSL_PIDS; do	# stop the captures (and the rest) so the files are whole
	kill "$pid" 2>/dev/null
done
sleep 0.5
echo
echo "--- edge.log"; cat "$OUT/edge.log"
echo "--- node.log"; cat "$OUT/node.log"
echo
echo "\$ fdecode underlay.pcap   (WireGuard between the edge and the node)"
"$FSC_BIN/fdecode" "$OUT/underlay.pcap" | head -6
echo "\$ fdecode --wg-keylog node-wg.keys underlay.pcap   (decrypted: the ingress inside the tunnel)"
"$FSC_BIN/fdecode" --wg-keylog "$OUT/node-wg.keys" "$OUT/underlay.pcap" | grep -E 'handshake ok|tunnel session' |
	grep -v ' tcp ' | head -6
echo "\$ fdecode inner.pcap   (the node's TUN: the ingress handshake in the clear)"
"$FSC_BIN/fdecode" "$OUT/inner.pcap" | grep -v ' tcp ' | head -6
echo "\$ fdecode node-lo.pcap   (fnode -> backend: the real client in X-Forwarded-For)"
"$FSC_BIN/fdecode" "$OUT/node-lo.pcap" | head -4
echo "\$ fdecode --correlate --wg-keylog node-wg.keys public.pcap underlay.pcap node-lo.pcap   (one story: edge, relay, ingress, TLS, loopback request)"
"$FSC_BIN/fdecode" -n --correlate --wg-keylog "$OUT/node-wg.keys" "$OUT/public.pcap" "$OUT/underlay.pcap" \
	"$OUT/node-lo.pcap"
echo "\$ tshark -r underlay.pcap -o wg.keylog_file:node-wg.keys -Y http.request   (decrypted)"
tshark -r "$OUT/underlay.pcap" -d udp.port==51821,wg -o "wg.keylog_file:$OUT/node-wg.keys" \
	-Y http.request -T fields -e ip.src -e ip.dst -e http.request.method -e http.request.uri \
	-e http.request.line 2>/dev/null | head -3
echo
echo "files in $OUT:"; ls "$OUT"
NSL_TMP=""	# keep the output folder
