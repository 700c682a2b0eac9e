#!/bin/bash
# make_stream_traffic.sh: real TLS and HTTP traffic on the loopback of
# throw-away network namespaces, captured with tcpdump, for the stream tests
# (streams_tshark.sh) and the sample captures in captures/streams/.
#
# Sourced (after lib/netns.sh and nsl_init), it defines functions:
#   mst_init            certificates and files in $NSL_TMP/mst
#   mst_make NAME OUT   one capture: tls-versions | http-xff | small-mtu |
#                       ingress; writes OUT (pcap) and OUT's .expect.jsonl
#                       (what the test sent; see stream_traffic.py)
# Run directly, it makes the captures into a folder:
#   make_stream_traffic.sh [--save] DIR [NAME...]
#   --save   also copy them into captures/streams/ (the committed samples)
#
# Every capture has its own namespace (so another program's loopback traffic
# never gets in, and ports cannot clash), a fresh self-signed certificate,
# and tcpdump --immediate-mode -s 65535 -B 131072 on its lo.  Loopback
# captures carry offloaded (invalid) TCP checksums; that is expected.
#
#   tls-versions  openssl s_server (:443, -servername with a second cert;
#                 :4433 X25519 only) and curl / openssl s_client: TLS 1.2
#                 and 1.3, ALPN h2 / http/1.1 / none / long lists, several
#                 SNI names, no SNI (IP literal, -noservername), IPv6, a
#                 ClientHello over several records (-max_send_frag 512), a
#                 HelloRetryRequest (client key share P-256, server X25519)
#   http-xff      stream_traffic.py http-server on 127.0.0.1/[::1]:2367;
#                 curl keep-alive connections (--next) with X-Forwarded-For,
#                 Forwarded, X-Real-IP, Tailscale-Funnel-Request variants,
#                 POST (Content-Length, chunked, Expect: 100-continue), HEAD,
#                 statuses 200 201 204 301 304 404 418 500 503, chunked
#                 response with trailer, HTTP/1.0
#   small-mtu     lo MTU 300 (MSS 260): long heads and hellos over many
#                 segments, a subset of both of the above
#   ingress       simulated PeerAPI ingress on :46187: POST /v0/ingress,
#                 101 then a real TLS handshake on the same socket (SNI,
#                 no SNI, IPv6 ingress source), and a 403 refusal
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"

MST_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MST_PY=${MST_PY:-python3}
MST_HTTP_PORT=2367
MST_INGRESS_PORT=46187
MST_NAMES="tls-versions http-xff small-mtu ingress"
# (stream_compare.py decodes these ports as HTTP, and 443/4433 as TLS.)

mst_init() {
	local d=$NSL_TMP/mst
	MST_DIR=$d
	mkdir -p "$d/www" || nsl_die "mkdir $d"
	printf 'hello from s_server\n' >"$d/www/hello.txt"
	mst_cert "$d/node" node.example.ts.net '*.example.ts.net'
	mst_cert "$d/alt" alt.example.ts.net alt.example.ts.net
}

# mst_cert PREFIX CN SAN: a throw-away self-signed P-256 certificate.
mst_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
		-addext "subjectAltName=DNS:$2,DNS:$3" >/dev/null 2>&1 ||
		nsl_die "openssl req failed"
}

# mst_ns TAG [MTU]: a namespace (loopback up, MTU set) in $MST_NS.  With a
# small MTU, GSO is capped at one segment too: lo offloads segmentation, and
# tcpdump on lo would otherwise see the unsegmented 900-byte "super packet"
# (MSS 260 on the wire, one frame in the capture).  iproute2 sets
# gso_max_segs, so ethtool is not needed.
mst_ns() {
	MST_NS="fsc-st-$1-$$"
	nsl_ns_add "$MST_NS"
	if [ -n "${2:-}" ]; then
		ip -n "$MST_NS" link set lo mtu "$2" gso_max_segs 1 ||
			nsl_die "cannot set lo mtu $2 in $MST_NS"
	fi
}

# mst_ns_del NS: stop using a namespace (its processes must be gone).
mst_ns_del() {
	local n rest=""
	ip netns del "$1" 2>/dev/null
	for n in $NSL_NETNS; do
		[ "$n" = "$1" ] || rest="$rest $n"
	done
	NSL_NETNS=$rest
}

mst_listening() {
	ip netns exec "$1" ss -Hltn "sport = :$2" 2>/dev/null | grep -q .
}

# mst_serve NS PORT NAME CMD...: a server in NS, tracked; waits until PORT
# listens.  Its PID is appended to $MST_SERVERS.
mst_serve() {
	local ns=$1 port=$2 name=$3
	shift 3
	(cd "$MST_DIR/www" && exec ip netns exec "$ns" "$@") \
		>"$NSL_TMP/$name.log" 2>&1 </dev/null &
	nsl_track $!
	MST_SERVERS="${MST_SERVERS:-} $!"
	nsl_wait_for 5 mst_listening "$ns" "$port" ||
		{ cat "$NSL_TMP/$name.log" >&2; nsl_die "$name did not start"; }
}

mst_stop_servers() {
	local p
	for p in ${MST_SERVERS:-}; do
		nsl_stop "$p"
	done
	MST_SERVERS=""
}

# mst_run NS NAME CMD...: a client (stdin /dev/null: s_client closes after
# the handshake); output in a log, failure fatal.
mst_run() {
	local ns=$1 name=$2 log
	shift 2
	log=$NSL_TMP/client-$name.log
	timeout 10 ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null ||
		{ cat "$log" >&2; nsl_die "client $name failed: $*"; }
}

mst_capture() {
	nsl_capture_start "$1" lo "$2" tcp
	MST_CAP=$NSL_PID
}

mst_capture_stop() {
	sleep 0.3	# let the last FIN/ACKs reach tcpdump
	nsl_stop "$MST_CAP"
}

# A long ALPN list: the ClientHello grows past 512 bytes, so with
# -max_send_frag 512 it spans two TLS records.
mst_long_alpn() {
	local i l="h2,http/1.1"
	for i in $(seq 1 30); do
		l="$l,fsc-test-protocol-$i"
	done
	printf '%s' "$l"
}

mst_tls_servers() {
	local ns=$1 d=$MST_DIR
	mst_serve "$ns" 443 s_server443 openssl s_server -accept 443 \
		-cert "$d/node.pem" -key "$d/node.key" \
		-servername alt.example.ts.net -cert2 "$d/alt.pem" \
		-key2 "$d/alt.key" -WWW -alpn http/1.1,h2 -quiet
	mst_serve "$ns" 4433 s_server4433 openssl s_server -accept 4433 \
		-cert "$d/node.pem" -key "$d/node.key" -groups X25519 -WWW -quiet
}

mst_tls_clients() {
	local ns=$1 set=$2 url
	local -a r=(--resolve node.example.ts.net:443:127.0.0.1
		--resolve alt.example.ts.net:443:127.0.0.1
		--resolve www.example.com:443:127.0.0.1
		--resolve "node6.example.ts.net:443:[::1]")
	url=https://node.example.ts.net/hello.txt
	if [ "$set" = full ]; then
		mst_run "$ns" curl12 curl -sSk "${r[@]}" --tls-max 1.2 --http1.1 "$url"
		mst_run "$ns" curl13 curl -sSk "${r[@]}" --tlsv1.3 --http1.1 "$url"
		mst_run "$ns" curl13h2 curl -sSk "${r[@]}" --tlsv1.3 --http2 \
			https://alt.example.ts.net/hello.txt
		mst_run "$ns" curl12h2 curl -sSk "${r[@]}" --tls-max 1.2 --http2 \
			https://www.example.com/hello.txt
		mst_run "$ns" curlip curl -sSk https://127.0.0.1/hello.txt
		mst_run "$ns" curlnoalpn curl -sSk "${r[@]}" --no-alpn "$url"
		mst_run "$ns" curl6 curl -sSk "${r[@]}" \
			https://node6.example.ts.net/hello.txt
		mst_run "$ns" sc-h2 openssl s_client -connect 127.0.0.1:443 \
			-servername api.example.ts.net -alpn h2 -tls1_2
		mst_run "$ns" sc-12 openssl s_client -connect 127.0.0.1:443 \
			-servername grafana.example.ts.net -alpn http/1.1,h2 -tls1_2
		mst_run "$ns" sc-nosni openssl s_client -connect 127.0.0.1:443 \
			-noservername -alpn h2,http/1.1 -tls1_3
		mst_run "$ns" sc-nosni12 openssl s_client -connect 127.0.0.1:443 \
			-noservername -tls1_2
		mst_run "$ns" sc-cipher openssl s_client -connect 127.0.0.1:443 \
			-servername cipher.example.ts.net -tls1_2 \
			-cipher ECDHE-ECDSA-AES128-GCM-SHA256
		mst_run "$ns" sc-noalpn openssl s_client -connect "[::1]:443" \
			-servername v6.example.ts.net -tls1_3
	fi
	mst_run "$ns" sc-records openssl s_client -connect 127.0.0.1:443 \
		-servername records.example.ts.net -alpn "$(mst_long_alpn)" \
		-max_send_frag 512 -tls1_3
	mst_run "$ns" sc-hrr openssl s_client -connect 127.0.0.1:4433 \
		-servername hrr.example.ts.net -groups P-256:X25519 -tls1_3
	mst_run "$ns" curlmtu curl -sSk "${r[@]}" --tls-max 1.2 \
		https://node.example.ts.net/hello.txt
}

mst_http_server() {
	mst_serve "$1" $MST_HTTP_PORT httpd "$MST_PY" "$MST_LIB/stream_traffic.py" \
		http-server :: $MST_HTTP_PORT
}

mst_expect_require() {
	local w
	for w in "$@"; do
		printf '{"kind": "require", "what": "%s"}\n' "$w"
	done >>"$MST_EXPECT"
}

# mst_make NAME OUT
mst_make() {
	local name=$1 out=$2
	MST_EXPECT=${out%.pcap}.expect.jsonl
	: >"$MST_EXPECT"
	case $name in
	tls-versions)
		mst_ns tls
		mst_tls_servers "$MST_NS"
		mst_capture "$MST_NS" "$out"
		mst_tls_clients "$MST_NS" full
		mst_expect_require hello-no-sni hrr server-version:TLS1.2 \
			server-version:TLS1.3 server-alpn:h2 \
			server-alpn:http/1.1 server-no-alpn hello-no-alpn \
			long-alpn-hello ipv6 sni:alt.example.ts.net \
			sni:api.example.ts.net sni:www.example.com
		;;
	http-xff)
		mst_ns http
		mst_http_server "$MST_NS"
		mst_capture "$MST_NS" "$out"
		ip netns exec "$MST_NS" "$MST_PY" "$MST_LIB/stream_traffic.py" \
			http-clients full "http://127.0.0.1:$MST_HTTP_PORT" \
			"http://[::1]:$MST_HTTP_PORT" "$MST_EXPECT" ||
			nsl_die "http-xff: clients failed"
		mst_expect_require status:100 status:204 status:301 status:304 \
			status:404 status:500 ipv6 keep-alive
		;;
	small-mtu)
		mst_ns mtu 300
		mst_tls_servers "$MST_NS"
		mst_http_server "$MST_NS"
		mst_capture "$MST_NS" "$out"
		mst_tls_clients "$MST_NS" small
		ip netns exec "$MST_NS" "$MST_PY" "$MST_LIB/stream_traffic.py" \
			http-clients small "http://127.0.0.1:$MST_HTTP_PORT" - \
			"$MST_EXPECT" || nsl_die "small-mtu: clients failed"
		mst_expect_require hrr split-hello:2 split-request:3 \
			long-alpn-hello keep-alive
		;;
	ingress)
		mst_ns ing
		mst_serve "$MST_NS" $MST_INGRESS_PORT ingress "$MST_PY" \
			"$MST_LIB/stream_traffic.py" ingress-server 127.0.0.1 \
			$MST_INGRESS_PORT "$MST_DIR/node.pem" "$MST_DIR/node.key"
		mst_capture "$MST_NS" "$out"
		ip netns exec "$MST_NS" "$MST_PY" "$MST_LIB/stream_traffic.py" \
			ingress-clients 127.0.0.1 $MST_INGRESS_PORT "$MST_EXPECT" ||
			nsl_die "ingress: clients failed"
		mst_expect_require status:101 status:403
		;;
	*) nsl_die "unknown capture: $name (one of: $MST_NAMES)" ;;
	esac
	mst_capture_stop
	mst_stop_servers
	mst_ns_del "$MST_NS"
}

# Run as a program.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	. "$MST_LIB/netns.sh"
	NSL_PROG=make_stream_traffic
	save=""
	[ "${1:-}" = --save ] && { save=1; shift; }
	[ $# -ge 1 ] || nsl_die "usage: $0 [--save] DIR [$MST_NAMES]"
	[ "$(id -u)" -eq 0 ] || nsl_die "needs root (namespaces, tcpdump)"
	miss=$(nsl_missing ip tcpdump openssl curl ss timeout "$MST_PY")
	[ -z "$miss" ] || nsl_die "missing: $miss (scripts/deps.sh)"
	dir=$1
	shift
	mkdir -p "$dir" || nsl_die "cannot create $dir"
	export PYTHONDONTWRITEBYTECODE=1
	nsl_init make_stream_traffic
	mst_init
	# shellcheck disable=SC2048,SC2086 # names, or all of them
	for n in ${*:-$MST_NAMES}; do
		nsl_log "$n"
		mst_make "$n" "$dir/$n.pcap"
		if [ -n "$save" ]; then
			dst=$MST_LIB/../../../captures/streams
			mkdir -p "$dst"
			cp "$dir/$n.pcap" "$dir/$n.expect.jsonl" "$dst/" ||
				nsl_die "cannot copy into $dst"
		fi
	done
fi
