#!/bin/bash
# fwatch's metrics in a real Prometheus: two `fwatch --headless --metrics`
# replaying captures/streams/http-xff.pcap on loopback; `promtool check
# metrics` finds nothing wrong with what they serve (nor with fdecode
# --metrics-file); a Prometheus server scrapes both, and PromQL through
# its HTTP API returns the capture's request count (as fdecode --summary
# counts it) for each instance and twice that in all. The metrics server
# answers only GET /metrics (404, 405, 431 otherwise) and outlives a client
# that connects and says nothing. Skips (77) without prometheus, promtool
# or curl (Debian: apt-get install prometheus curl).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
for p in prometheus promtool curl; do
	command -v "$p" >/dev/null 2>&1 ||
		{ echo "skip: $p is missing (apt-get install prometheus curl)"; exit 77; }
done
export LC_ALL=C
unset FSC_GEOIP_DB
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init T
fail=0
n=0
ok() { n=$((n + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
CAP="$FSC_SRC/captures/streams/http-xff.pcap"

# The expected count, from fdecode's summary.
want=$("$FSC_BIN/fdecode" -n --summary --json "$CAP" |
	sed -n 's/.*"type":"summary".*"http_request":\([0-9]*\).*/\1/p')
[ -n "$want" ] && [ "$want" -gt 0 ] || { echo "FAIL: no request count from fdecode"; exit 1; }

# fdecode --metrics-file: a node-exporter textfile, renamed into place.
"$FSC_BIN/fdecode" -n -q --metrics-file "$T/fdecode.prom" "$CAP" >/dev/null
if promtool check metrics <"$T/fdecode.prom" >"$T/pt" 2>&1 &&
	grep -q "^funnelscope_stream_messages_total{type=\"http_request\"} $want\$" "$T/fdecode.prom" &&
	! ls "$T"/fdecode.prom.tmp.* >/dev/null 2>&1; then ok; else
	bad "fdecode --metrics-file: $(cat "$T/pt")"; fi

# Two instances, each on a port the kernel picks (they say which).
for i in 1 2; do
	"$FSC_BIN/fwatch" -n --headless --metrics 127.0.0.1:0 -r "$CAP" --max \
		2>"$T/fw$i.err" &
	PIDS="$PIDS $!"
done
addr() { sed -n 's|^fwatch: metrics on http://\(.*\)/metrics$|\1|p' "$T/fw$1.err"; }
i=0
while [ $i -lt 50 ] && { [ -z "$(addr 1)" ] || [ -z "$(addr 2)" ]; }; do
	sleep 0.1
	i=$((i + 1))
done
A1=$(addr 1) A2=$(addr 2)
[ -n "$A1" ] && [ -n "$A2" ] || { echo "FAIL: fwatch did not listen: $(cat "$T"/fw*.err)"; exit 1; }

# The replay is fast; wait until an instance has read it all.
i=0
while [ $i -lt 50 ]; do
	curl -s "http://$A1/metrics" >"$T/m1"
	grep -q "^funnelscope_stream_messages_total{type=\"http_request\"} $want\$" "$T/m1" && break
	sleep 0.1
	i=$((i + 1))
done
if promtool check metrics <"$T/m1" >"$T/pt" 2>&1 && [ -s "$T/m1" ]; then ok; else
	bad "promtool check metrics on fwatch: $(cat "$T/pt")"; fi
if grep -q '^funnelscope_http_response_duration_seconds_bucket{host="node.example.ts.net",le="+Inf"} 1$' "$T/m1" &&
	grep -q '^funnelscope_clients 12$' "$T/m1"; then ok; else
	bad "fwatch metrics lack the host histogram or the 12 clients"; fi

# What else the server answers, and a client that says nothing does not
# hold it up.
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
exec 3<>"/dev/tcp/127.0.0.1/${A1##*:}"
[ "$(code "http://$A1/")" = 404 ] && ok || bad "GET / is not 404"
[ "$(code -X POST "http://$A1/metrics")" = 405 ] && ok || bad "POST is not 405"
[ "$(code -H "X-Long: $(head -c 3000 /dev/zero | tr '\0' a)" "http://$A1/metrics")" = 431 ] &&
	ok || bad "a 3000-byte head is not 431"
[ "$(code "http://$A1/metrics?x=1")" = 200 ] && ok || bad "GET /metrics?x=1 is not 200"
exec 3>&-

# A Prometheus server on loopback scraping both.
cat >"$T/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: fwatch
    static_configs:
      - targets: ['$A1', '$A2']
EOC
promtool check config "$T/prometheus.yml" >/dev/null 2>&1 || bad "promtool check config"
started=""
for try in 1 2 3 4 5; do
	PP=$((20000 + ($$ * 7 + try * 977) % 40000))
	prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb$try" \
		--web.listen-address="127.0.0.1:$PP" --log.level=warn >"$T/prom.log" 2>&1 &
	PPID_=$!
	PIDS="$PIDS $PPID_"
	i=0
	while [ $i -lt 100 ] && kill -0 "$PPID_" 2>/dev/null; do
		[ "$(code "http://127.0.0.1:$PP/-/ready")" = 200 ] && { started=1; break; }
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$started" ] && break
	kill "$PPID_" 2>/dev/null
done
[ -n "$started" ] || { echo "FAIL: prometheus did not start: $(cat "$T/prom.log")"; exit 1; }

# PromQL: the capture's requests, per instance and in all, once both are
# scraped (bounded wait).
query() {
	curl -s "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
		sed -n 's/.*"value":\[[0-9.]*,"\([0-9.]*\)"\].*/\1/p'
}
total=$((2 * want))
i=0
got=""
while [ $i -lt 150 ]; do
	got=$(query 'sum(funnelscope_stream_messages_total{type="http_request"})')
	[ "$got" = "$total" ] && break
	sleep 0.2
	i=$((i + 1))
done
[ "$got" = "$total" ] && ok || bad "PromQL sum of http_request: '$got', want $total"
for a in "$A1" "$A2"; do
	got=$(query "sum(funnelscope_http_requests_total{instance=\"$a\"})")
	[ "$got" = "$want" ] && ok || bad "PromQL requests by host of $a: '$got', want $want"
done
got=$(query 'count(up{job="fwatch"} == 1)')
[ "$got" = 2 ] && ok || bad "PromQL: $got fwatch targets up, want 2"

echo "$n passed, $fail failed"
[ "$fail" -eq 0 ]
