# funnel.sh - the unprivileged loopback lab of the reference funnel pair,
# shared by scripts/funnel-lab.sh and the funnel_* integration tests.
# Source it, then call fl_test (a test) or set FL_DIR (a scratch folder) and
# FSC_BIN (the lab); functions:
#
#   fl_test NAME TOOL...     a funnel test's start: FSC_BIN set (else exit 2),
#                            each TOOL installed (else exit 77, skipped),
#                            FL_DIR a fresh folder, fl_stop and its removal at
#                            exit, fail=0, and ok/bad to print a check's
#                            verdict (bad sets fail=1)
#   fl_ns_test NAME [tun] TOOL...
#                            the same for a namespace lab (netns.sh): root
#                            (with `tun`, /dev/net/tun too) else exit 77;
#                            FL_DIR the lab's folder (NSL_TMP), cleaned up by
#                            nsl_cleanup at exit
#   fl_ports                 free TCP ports: FL_PUB (edge), FL_PEER (node
#                            PeerAPI), FL_BE (backend)
#   fl_certs NAME...         a throw-away CA (FL_DIR/ca.crt) and, per name,
#                            FL_DIR/certs/NAME.crt and .key as `tailscale cert`
#                            writes them
#   fl_serve_config NAME     FL_DIR/serve.json: NAME:443 -> backend, funnel on;
#                            with FL_TCP_PUB and FL_TCP_BE set, also TCP
#                            forwarding of that port (TerminateTLS, PROXY v2)
#   fl_backend               funnel_backend.py on FL_BE (log FL_DIR/backend.jsonl)
#   fl_node [ARGS]           fnode, log FL_DIR/node.log
#   fl_edge [ARGS]           fedge, log FL_DIR/edge.log
#   fl_curl ARGS             curl through the edge: --resolve NAME:FL_PUB
#   fl_wait_port PORT        until something listens on 127.0.0.1:PORT
#   fl_stop                  every process started here, by PID
#   fl_sanitizers            after fl_stop: 1 (and the report) when a log holds
#                            an AddressSanitizer, LeakSanitizer or UBSan report
#
# The public port stands for 443: Tailscale-Ingress-Target carries the edge
# listener's port, so the serve config names that port.

FL_PIDS=""
FL_NAME=${FL_NAME:-node.example.test}
FL_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

fl_test() {
	fl_test_name=$1
	shift
	[ -n "${FSC_BIN:-}" ] || { echo "$fl_test_name: FSC_BIN not set" >&2; exit 2; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$fl_test_name: SKIP: no $t" >&2; exit 77; }
	done
	FL_DIR=$(mktemp -d "/tmp/$fl_test_name.XXXXXX")
	trap 'fl_stop; rm -rf "$FL_DIR"' EXIT
	fail=0
	ok() { echo "ok: $*"; }
	bad() { echo "FAIL: $*"; fail=1; }
}

fl_ns_test() {
	fl_test_name=$1
	shift
	[ -n "${FSC_BIN:-}" ] || { echo "$fl_test_name: FSC_BIN not set" >&2; exit 2; }
	[ "$(id -u)" -eq 0 ] || { echo "$fl_test_name: SKIP: needs root (namespaces)" >&2; exit 77; }
	if [ "${1:-}" = tun ]; then
		shift
		[ -c /dev/net/tun ] || { echo "$fl_test_name: SKIP: no /dev/net/tun" >&2; exit 77; }
	fi
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$fl_test_name: SKIP: no $t" >&2; exit 77; }
	done
	. "$FL_SRC/tests/integration/lib/netns.sh"
	nsl_init "$fl_test_name"
	FL_DIR=$NSL_TMP
	fail=0
	ok() { echo "ok: $*"; }
	bad() { echo "FAIL: $*"; fail=1; }
}

fl_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

fl_ports() {
	FL_PUB=$(fl_free_port)
	FL_PEER=$(fl_free_port)
	FL_BE=$(fl_free_port)
}

fl_certs() {
	mkdir -p "$FL_DIR/certs"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=funnel lab CA" -keyout "$FL_DIR/ca.key" -out "$FL_DIR/ca.crt" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
		2>/dev/null || return 1
	for n in "$@"; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
			-keyout "$FL_DIR/certs/$n.key" -out "$FL_DIR/$n.csr" 2>/dev/null || return 1
		printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$n" >"$FL_DIR/$n.ext"
		openssl x509 -req -in "$FL_DIR/$n.csr" -CA "$FL_DIR/ca.crt" -CAkey "$FL_DIR/ca.key" \
			-CAcreateserial -days 2 -extfile "$FL_DIR/$n.ext" \
			-out "$FL_DIR/certs/$n.crt" 2>/dev/null || return 1
	done
}

fl_serve_config() {
	tcp=""
	funnel=""
	if [ -n "${FL_TCP_PUB:-}" ]; then	# TCP forwarding, TLS terminated, PROXY v2
		tcp=", \"$FL_TCP_PUB\": { \"TCPForward\": \"127.0.0.1:$FL_TCP_BE\", \"TerminateTLS\": \"$1\", \"ProxyProtocol\": 2 }"
		funnel=", \"$1:$FL_TCP_PUB\": true"
	fi
	cat >"$FL_DIR/serve.json" <<JSON
{
  "TCP": { "$FL_PUB": { "HTTPS": true }$tcp },
  "Web": {
    "$1:$FL_PUB": { "Handlers": {
      "/": { "Proxy": "http://127.0.0.1:$FL_BE" },
      "/hello": { "Text": "hello from fnode\n" }
    } }
  },
  "AllowFunnel": { "$1:$FL_PUB": true$funnel }
}
JSON
}

fl_wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		ss -Hltn "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "funnel lab: nothing listens on 127.0.0.1:$1" >&2
	return 1
}

fl_backend() {
	python3 "$FL_SRC/tests/integration/lib/funnel_backend.py" "$FL_BE" "$FL_DIR/backend.jsonl" >/dev/null 2>&1 &
	FL_PIDS="$FL_PIDS $!"
	FL_BE_PID=$!
	fl_wait_port "$FL_BE"
}

fl_node() {
	"$FSC_BIN/fnode" --serve-config "$FL_DIR/serve.json" --certs "$FL_DIR/certs" \
		--peerapi "127.0.0.1:$FL_PEER" --edge 127.0.0.1 "$@" >/dev/null 2>>"$FL_DIR/node.log" &
	FL_NODE_PID=$!
	FL_PIDS="$FL_PIDS $!"
	fl_wait_port "$FL_PEER"
}

fl_edge() {
	"$FSC_BIN/fedge" --listen "127.0.0.1:$FL_PUB" --route "$FL_NAME=127.0.0.1:$FL_PEER" \
		"$@" >/dev/null 2>>"$FL_DIR/edge.log" &
	FL_EDGE_PID=$!
	FL_PIDS="$FL_PIDS $!"
	fl_wait_port "$FL_PUB"
}

fl_curl() {
	curl -sS --max-time 20 --cacert "$FL_DIR/ca.crt" --resolve "$FL_NAME:$FL_PUB:127.0.0.1" "$@"
}

fl_stop() {
	for p in $FL_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $FL_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	FL_PIDS=""
}

fl_sanitizers() {
	if grep -l 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$FL_DIR"/*.log 2>/dev/null; then
		grep -h -A20 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' "$FL_DIR"/*.log | head -60
		return 1
	fi
	return 0
}
