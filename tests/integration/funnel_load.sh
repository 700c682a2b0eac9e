#!/bin/sh
# funnel_load.sh - the reference funnel under load and restarts, no root:
# six 20 MB downloads at once (checksums), 1000 requests on up to 1000
# concurrent connections with no failure, the node restarted between two
# requests (the edge dials per connection: the next one works), and the
# edge's counters.
set -u
. "$FSC_SRC/tests/integration/lib/funnel.sh"
fl_test funnel_load curl openssl python3 ss
ulimit -n 8192 2>/dev/null || ulimit -n 4096 2>/dev/null

fl_ports
fl_certs "$FL_NAME" || exit 2
fl_serve_config "$FL_NAME"
fl_backend && fl_node && fl_edge || { cat "$FL_DIR"/*.log; exit 1; }
URL="https://$FL_NAME:$FL_PUB"

# parallel large downloads: every byte arrives (a stall here was a bug:
# a busy connection left its round with full buffers and nothing to wake it)
n=20000000
want=$(python3 -c "
import hashlib
b = bytes(range(256)) * 256; h = hashlib.sha256(); n = $n
while n > 0:
    h.update(b[:min(n, 65536)]); n -= 65536
print(h.hexdigest())")
P=""
for i in 1 2 3 4 5 6; do
	(fl_curl --max-time 60 "$URL/big?n=$n" | sha256sum | cut -d' ' -f1 >"$FL_DIR/dl.$i") &
	P="$P $!"
done
wait $P
good=0
for i in 1 2 3 4 5 6; do
	[ "$(cat "$FL_DIR/dl.$i")" = "$want" ] && good=$((good + 1))
done
[ $good -eq 6 ] && ok "6 parallel downloads of $n bytes, checksums match" ||
	bad "parallel downloads: $good of 6 intact"

# 1000 requests, each on its own connection (Connection: close), up to
# 1000 at once
i=0
: >"$FL_DIR/urls"
while [ $i -lt 1000 ]; do
	i=$((i + 1))
	printf 'url = "%s/hello?i=%d"\noutput = "/dev/null"\n' "$URL" $i >>"$FL_DIR/urls"
done
fl_curl --max-time 50 -Z --parallel-max 1000 --parallel-immediate -w '%{http_code}\n' \
	-H 'Connection: close' \
	-K "$FL_DIR/urls" >"$FL_DIR/codes" 2>"$FL_DIR/curl.err"
n200=$(grep -c '^200$' "$FL_DIR/codes")
[ "$n200" -eq 1000 ] && ok "1000 requests on 1000 connections, up to 1000 at once: all 200" ||
	bad "concurrency: $n200 of 1000 answered 200; $(sort "$FL_DIR/codes" | uniq -c | head -5) $(head -3 "$FL_DIR/curl.err")"

# the node restarted: the connection after it goes through
[ "$(fl_curl "$URL/hello")" = "hello from fnode" ] || bad "before restart"
kill "$FL_NODE_PID"
wait "$FL_NODE_PID" 2>/dev/null
err=$(fl_curl "$URL/hello" 2>&1)
grep -q 'outcome=node-unreachable' "$FL_DIR/edge.log" && ok "node down: edge logs node-unreachable" ||
	bad "node down: $err"
fl_node || bad "node restart"
[ "$(fl_curl "$URL/hello")" = "hello from fnode" ] && ok "node restarted: next request served" ||
	bad "after restart"

# counters, on SIGUSR1
kill -USR1 "$FL_EDGE_PID"
sleep 0.5
line=$(grep ' stats ' "$FL_DIR/edge.log" | tail -1)
accepted=$(echo "$line" | sed 's/.*accepted=\([0-9]*\).*/\1/')
case $line in
*"proxied="*" node-unreachable=1 "*)
	[ "$accepted" -ge 1000 ] && ok "edge stats: ${line#* stats }" ||
		bad "only $accepted connections accepted" ;;
*) bad "stats line: $line" ;;
esac
fl_stop
fl_sanitizers || bad "a sanitizer report in the logs"
exit $fail
