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
#   fl_ns_funnel NC NE NN    after fl_ns_test, the labs' three namespaces:
#                            client NC's uc0 198.18.1.1/24 to edge NE's public
#                            ue1 198.18.1.2/24, NE's underlay ue0
#                            198.18.0.1/30 to node NN's un0 198.18.0.2/30;
#                            FL_PUB=443, FL_BE=2367, certificates and the
#                            serve config for FL_NAME (exit 2 if openssl fails)
#   fl_verdicts              fail=0 and ok/bad alone (fl_test and fl_ns_test
#                            call it)
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
#   fl_wg_conf KEY PORT ADDR [PEERKEY ALLOWED ENDPOINT]...
#                            a WireGuard config on stdout: private key
#                            FL_DIR/KEY.key, ListenPort PORT, Address ADDR/24,
#                            one [Peer] per triple (PEERKEY.key's public key,
#                            AllowedIPs ALLOWED/32)
#   fl_wg_pair               the namespace labs' one edge and one node: keys
#                            FL_DIR/{e,n}.key, edge.conf (100.64.0.1, port
#                            51820 on 198.18.0.1) and node.conf (100.64.0.2,
#                            port 51821 on 198.18.0.2)
#   fl_load_runs A J [twice] "ADDR RUN" lines: J runs of each of A client
#                            addresses; with twice the first half of the
#                            addresses run twice at once (RUN J-2 beside J)
#   fl_load_curl NS ADDR PUBIP PATH...
#                            one connection from client address ADDR
#                            (198.18.1.(9+ADDR)) in NS to FL_NAME at
#                            PUBIP:443, a keep-alive GET of each PATH
#   fl_load P FUNC           the "ADDR RUN" lines on stdin, P at a time, each
#                            `FUNC ADDR RUN` in a bash of its own (xargs -P);
#                            export -f FUNC and export the variables it uses
#   fl_stop                  every process started here, by PID
#   fl_sanitizers            after fl_stop: 1 (and the report) when a log holds
#                            an AddressSanitizer, LeakSanitizer or UBSan report
#
# The public port stands for 443: Tailscale-Ingress-Target carries the edge
# listener's port, so the serve config names that port.

FL_PIDS=""
FL_NAME=${FL_NAME:-node.example.test}
FL_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

fl_verdicts() {
	fail=0
	ok() { echo "ok: $*"; }
	bad() { echo "FAIL: $*"; fail=1; }
}

fl_test() {
	fl_test_name=$1
	shift
	[ -n "${FSC_BIN:-}" ] || { echo "$fl_test_name: FSC_BIN not set" >&2; exit 2; }
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "$fl_test_name: SKIP: no $t" >&2; exit 77; }
	done
	FL_DIR=$(mktemp -d "/tmp/$fl_test_name.XXXXXX")
	trap 'fl_stop; rm -rf "$FL_DIR"' EXIT
	fl_verdicts
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
	fl_verdicts
}

fl_ns_funnel() {
	for n in "$1" "$2" "$3"; do nsl_ns_add "$n"; done
	nsl_veth "$1" uc0 "$2" ue1
	nsl_addr "$1" uc0 198.18.1.1/24
	nsl_addr "$2" ue1 198.18.1.2/24
	nsl_veth "$2" ue0 "$3" un0
	nsl_addr "$2" ue0 198.18.0.1/30
	nsl_addr "$3" un0 198.18.0.2/30
	FL_PUB=443 FL_BE=2367
	fl_certs "$FL_NAME" >/dev/null || exit 2
	fl_serve_config "$FL_NAME"
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

fl_wg_conf() {
	printf '[Interface]\nPrivateKey = %s\nListenPort = %s\nAddress = %s/24\n' \
		"$(cat "$FL_DIR/$1.key")" "$2" "$3"
	shift 3
	while [ $# -ge 3 ]; do
		printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = %s/32\nEndpoint = %s\n' \
			"$(wg pubkey <"$FL_DIR/$1.key")" "$2" "$3"
		shift 3
	done
}

fl_wg_pair() {
	(umask 077; wg genkey >"$FL_DIR/e.key"; wg genkey >"$FL_DIR/n.key")
	fl_wg_conf n 51821 100.64.0.2 e 100.64.0.1 198.18.0.1:51820 >"$FL_DIR/node.conf"
	fl_wg_conf e 51820 100.64.0.1 n 100.64.0.2 198.18.0.2:51821 >"$FL_DIR/edge.conf"
}

fl_load_runs() {
	for j in $(seq "$2"); do
		for a in $(seq "$1"); do
			echo "$a $j"
			if [ "${3:-}" = twice ] && [ "$a" -le $(($1 / 2)) ]; then echo "$a $j-2"; fi
		done
	done
}

fl_load_curl() {
	ns=$1 addr=$2 pubip=$3
	shift 3
	for path in "$@"; do set -- "$@" -o /dev/null "https://$FL_NAME/$path"; shift; done
	ip netns exec "$ns" curl -sS --max-time 30 \
		--interface "198.18.1.$((9 + addr))" --cacert "$FL_DIR/ca.crt" \
		--resolve "$FL_NAME:443:$pubip" "$@"
}

fl_load() {
	export -f fl_load_curl
	export FL_DIR FL_NAME
	xargs -P "$1" -L 1 bash -c "$2 \"\$0\" \"\$1\""
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
