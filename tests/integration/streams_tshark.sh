#!/bin/bash
# streams_tshark.sh: fdecode and tshark must agree, field by field and frame
# by frame, on the stream events of real TLS and HTTP traffic made now:
# every ClientHello (SNI, ALPN, versions, JA3, JA4, hello index), ServerHello
# (version, cipher, ALPN, HelloRetryRequest), HTTP request (method, URI,
# version, Host, X-Forwarded-For, Forwarded, X-Real-IP, User-Agent, funnel
# header, request index) and response (status, reason, the request it
# answers, latency bounds), and every ingress handshake; plus what tshark has
# no opinion on (the client rule, claimed, hop classes) against what the
# test sent.  See lib/stream_compare.py for the tshark invocation and the
# normalisation, lib/make_stream_traffic.sh for the traffic.
#
# Captures (lib/make_stream_traffic.sh, each in its own namespace, on lo):
# tls-versions, http-xff, small-mtu (lo MTU 300), ingress; then the same
# comparison on the committed samples in captures/streams/.
#
# usage: streams_tshark.sh [PCAP...]
#   With PCAPs, no traffic is made (and root is not needed): only the
#   comparison runs, with PCAP's .expect.jsonl when it exists.
# env: FSC_BIN (fdecode's folder; default build/bin), FSC_SRC (source root),
#   FSC_STREAMS_REQUIRE=1: fail instead of skipping when fdecode does not
#   emit stream events yet.
# exit: 0 agreement, 1 disagreement or failure, 77 skipped (not root, tools
# missing, or fdecode without stream support yet: see fdecode_has_streams).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u

FSC_SRC=${FSC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
FSC_BIN=${FSC_BIN:-$FSC_SRC/build/bin}
LIB=$FSC_SRC/tests/integration/lib
GOLDEN=$FSC_SRC/captures/streams
. "$LIB/netns.sh"
. "$LIB/make_stream_traffic.sh"
# shellcheck disable=SC2034 # used by nsl_die before nsl_init
NSL_PROG=streams_tshark
PY=python3
export PYTHONDONTWRITEBYTECODE=1

skip() { echo "streams_tshark: SKIP: $*" >&2; exit 77; }
fail() { echo "streams_tshark: FAIL: $*" >&2; exit 1; }

if [ $# -eq 0 ]; then
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, tcpdump)"
	miss=$(nsl_missing ip ss tcpdump tshark editcap openssl curl timeout $PY)
else
	miss=$(nsl_missing tshark editcap $PY)
fi
[ -z "$miss" ] || skip "missing: $miss (scripts/deps.sh installs them)"
[ -x "$FSC_BIN/fdecode" ] ||
	fail "$FSC_BIN/fdecode not built (set FSC_BIN to the build's bin/)"

nsl_init streams_tshark

# fdecode_has_streams FILE...: how many tls_client_hello and http_request
# events fdecode reports on captures that hold them (into probe.sum); an
# fdecode that fails to read them is a failure, not a skip.
fdecode_has_streams() {
	local f
	for f in "$@"; do
		"$FSC_BIN/fdecode" --json -n "$f" >"$NSL_TMP/probe.jsonl" \
			2>"$NSL_TMP/probe.err" ||
			fail "fdecode --json -n $f exited $?: $(head -3 "$NSL_TMP/probe.err")"
		$PY - "$NSL_TMP/probe.jsonl" <<-'EOF' >>"$NSL_TMP/probe.counts"
		import json, sys
		n = {"tls_client_hello": 0, "http_request": 0}
		for line in open(sys.argv[1]):
		    try:
		        t = json.loads(line).get("type")
		    except (ValueError, AttributeError):
		        continue
		    if t in n:
		        n[t] += 1
		print(n["tls_client_hello"], n["http_request"])
		EOF
	done
	awk '{h += $1; r += $2} END {print h, r}' "$NSL_TMP/probe.counts" \
		>"$NSL_TMP/probe.sum"
}

# The probe runs on the committed samples when they are there (no traffic
# needed to find out), else on fresh captures made below.
probe_files=""
for f in "$GOLDEN/tls-versions.pcap" "$GOLDEN/http-xff.pcap"; do
	[ -r "$f" ] && probe_files="$probe_files $f"
done

probe() {
	local h r
	: >"$NSL_TMP/probe.counts"
	fdecode_has_streams "$@"
	read -r h r <"$NSL_TMP/probe.sum"
	if [ "$((h + r))" -gt 0 ]; then
		[ "$h" -gt 0 ] && [ "$r" -gt 0 ] || echo "streams_tshark:" \
			"fdecode reports $h tls_client_hello and $r http_request:" \
			"partial stream support, comparing anyway" >&2
		return 0
	fi
	[ "${FSC_STREAMS_REQUIRE:-0}" = 1 ] &&
		fail "fdecode emits no tls_client_hello or http_request on $*"
	skip "fdecode does not emit stream events yet (no tls_client_hello" \
		"and no http_request on $*, which hold ClientHellos and requests);" \
		"the test turns on by itself once it does"
}

if [ $# -eq 0 ] && [ -n "$probe_files" ]; then
	# shellcheck disable=SC2086
	probe $probe_files
fi

# compare PCAP: fdecode vs tshark (and the PCAP's expectations).
failed=0
compare() {
	local pcap=$1 kind=$2 base out exp
	base=$(basename "$pcap" .pcap)
	out=$NSL_TMP/$base.$RANDOM.fdecode.jsonl
	exp=${pcap%.pcap}.expect.jsonl
	if ! "$FSC_BIN/fdecode" --json -n "$pcap" >"$out" 2>"$out.err"; then
		echo "streams_tshark: fdecode --json -n $pcap exited non-zero:" \
			"$(head -3 "$out.err")" >&2
		failed=1
		return
	fi
	rm -f "$NSL_TMP"/tshark-*.tsv
	set -- --keep "$NSL_TMP"
	[ -r "$exp" ] && set -- "$@" --expect "$exp"
	if ! $PY "$LIB/stream_compare.py" "$@" "$pcap" "$out"; then
		local keep=/tmp/streams_tshark-fail-$$/$kind
		mkdir -p "$keep"
		cp "$pcap" "$out" "$keep/" 2>/dev/null
		[ -r "$exp" ] && cp "$exp" "$keep/"
		cp "$NSL_TMP"/tshark-*.tsv "$keep/" 2>/dev/null
		echo "streams_tshark: $base: capture, fdecode output and tshark" \
			"output kept in $keep" >&2
		failed=1
	fi
}

if [ $# -gt 0 ]; then
	for f in "$@"; do
		[ -r "$f" ] || fail "cannot read $f"
	done
	probe "$@"
	for f in "$@"; do
		compare "$f" given
	done
	[ "$failed" -eq 0 ] || fail "fdecode and tshark disagree (diff above)"
	echo "streams_tshark: PASS"
	exit 0
fi

mst_init
fresh=""
for n in $MST_NAMES; do
	mst_make "$n" "$NSL_TMP/$n.pcap"
	fresh="$fresh $NSL_TMP/$n.pcap"
done
if [ -z "$probe_files" ]; then
	# shellcheck disable=SC2086
	probe $NSL_TMP/tls-versions.pcap $NSL_TMP/http-xff.pcap
fi
for f in $fresh; do
	compare "$f" fresh
done
cd "$FSC_SRC" || fail "cd $FSC_SRC"
for f in captures/streams/*.pcap; do
	[ -r "$f" ] && compare "$f" golden
done
[ "$failed" -eq 0 ] || fail "fdecode and tshark disagree (diff above)"
echo "streams_tshark: PASS"
