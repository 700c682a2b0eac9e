#!/bin/bash
# funnel-bench.sh - requests/s and latency through the reference funnel
# (wrk -> fedge -> fnode -> backend, --direct on loopback) against the
# backend alone and against the peer stack users assemble from parts on the
# same path (nginx stream ssl_preread -> nginx TLS reverse proxy with PROXY
# protocol -> backend). The backend is nginx returning a short body. Prints
# a markdown section (make bench appends it to doc/bench.md).
#
# Needs root (wrk resolves the funnel name through a private /etc/hosts in a
# mount namespace of its own), wrk, nginx with libnginx-mod-stream, openssl.
# BENCH_FUNNEL_SECONDS (5), BENCH_FUNNEL_CONNS (50).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
say() { echo "funnel-bench: $*" >&2; }
skip() { echo "## Reference funnel"; echo; echo "Not run: $*"; echo; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "needs root (a mount namespace for wrk's /etc/hosts)"
for t in wrk nginx openssl unshare python3 ss; do
	command -v $t >/dev/null || skip "no $t"
done
MOD=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$MOD" ] || skip "no nginx stream module ($MOD)"
FSC_SRC=$(cd "$(dirname "$0")/.." && pwd)
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
SECS=${BENCH_FUNNEL_SECONDS:-5}
CONNS=${BENCH_FUNNEL_CONNS:-50}
FL_DIR=$(mktemp -d /tmp/funnel-bench.XXXXXX)
chmod 755 "$FL_DIR"
. "$FSC_SRC/tests/integration/lib/funnel.sh"
NGX_PID=""
cleanup() {
	fl_stop
	[ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null && wait "$NGX_PID" 2>/dev/null
	rm -rf "$FL_DIR"
}
trap cleanup EXIT

fl_ports
PEER_PUB=$(fl_free_port)
PEER_TLS=$(fl_free_port)
fl_certs "$FL_NAME" >/dev/null || skip "openssl failed"
fl_serve_config "$FL_NAME"
chmod -R a+rX "$FL_DIR"
cat >"$FL_DIR/nginx.conf" <<EOF2
load_module $MOD;
worker_processes 1;
pid $FL_DIR/nginx.pid;
error_log $FL_DIR/nginx.err warn;
events { worker_connections 4096; }
stream {
	map \$ssl_preread_server_name \$up { $FL_NAME 127.0.0.1:$PEER_TLS; }
	server { listen 127.0.0.1:$PEER_PUB; ssl_preread on; proxy_pass \$up; proxy_protocol on; }
}
http {
	access_log off;
	upstream be { server 127.0.0.1:$FL_BE; keepalive 64; }
	server { listen 127.0.0.1:$FL_BE; location / { return 200 "ok\n"; } }
	server {
		listen 127.0.0.1:$PEER_TLS ssl proxy_protocol;
		ssl_certificate $FL_DIR/certs/$FL_NAME.crt;
		ssl_certificate_key $FL_DIR/certs/$FL_NAME.key;
		location / {
			proxy_pass http://be;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Forwarded-For \$proxy_protocol_addr;
			proxy_set_header X-Forwarded-Proto https;
		}
	}
}
EOF2
nginx -c "$FL_DIR/nginx.conf" -p "$FL_DIR" -g 'daemon off;' 2>>"$FL_DIR/nginx.err" &
NGX_PID=$!
fl_wait_port "$FL_BE" && fl_wait_port "$PEER_PUB" || skip "nginx did not start: $(cat "$FL_DIR/nginx.err")"
fl_node && fl_edge || skip "fnode/fedge did not start"
echo "127.0.0.1 $FL_NAME" >"$FL_DIR/hosts"

# wrk URL -> "requests/s p50_ms p99_ms"
run() {
	unshare -m sh -c "mount --bind '$FL_DIR/hosts' /etc/hosts && exec wrk -t2 -c$CONNS -d${SECS}s --latency '$1'" \
		2>&1 | awk '
		function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
		$1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
		$1 == "Requests/sec:" { rps = $2 }
		/Non-2xx|Socket errors/ { err = err " " $0 }
		END { printf "%s %.3f %.3f%s\n", rps, p50, p99, err ? " errors:" err : "" }'
}
say "backend alone"
direct=$(run "http://127.0.0.1:$FL_BE/")
say "funnel pair"
pair=$(run "https://$FL_NAME:$FL_PUB/")
say "peer stack"
peer=$(run "https://$FL_NAME:$PEER_PUB/")
echo "## Reference funnel (fedge -> fnode, --direct on loopback)"
echo
echo "wrk -t2 -c$CONNS -d${SECS}s --latency over keep-alive HTTPS; backend: nginx \`return 200\`."
echo "Peer stack: nginx stream \`ssl_preread\` -> nginx TLS reverse proxy (PROXY protocol) -> backend."
echo
echo "| path | requests/s | p50 ms | p99 ms | vs backend alone |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n%s\n%s\n' "backend-alone $direct" "funnel-pair $pair" "peer-stack $peer" | awk -v d="${direct%% *}" '
	{ printf "| %s | %.0f | %s | %s | %.2f |", $1, $2, $3, $4, ($2 + 0) / (d + 0) }
	NF > 4 { printf " %s", substr($0, index($0, "errors:")) } { print "" }'
p=${pair%% *} q=${peer%% *}
echo
awk -v p="$p" -v q="$q" 'BEGIN { printf "Funnel pair / peer stack: %.2f of the requests/s.\n\n", p / q }'
