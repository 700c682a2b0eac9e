#!/bin/sh
# fdecode --replay (issue 16 item 3): a captured request of http-xff.pcap
# sent again to a real backend on loopback (python3 -m http.server) shows
# the captured answer and the new one side by side; the backend saw the
# request as captured (path, User-Agent); --to takes no names; by default
# the request goes to 127.0.0.1 and the capture's server port (checked in a
# network namespace of its own, where nothing listens: root only).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init TMP
CAP="$FSC_SRC/captures/streams/http-xff.pcap"
FD="$FSC_BIN/fdecode"
fail=0

mkdir -p "$TMP/www/xff"
printf 'hello\n' >"$TMP/www/xff/single"
python3 -u -m http.server --bind 127.0.0.1 --directory "$TMP/www" 0 >"$TMP/server.out" 2>"$TMP/server.log" &
PIDS="$PIDS $!"
port=
i=0
while [ $i -lt 200 ] && [ -z "$port" ]; do
	port=$(sed -n 's/.*port \([0-9][0-9]*\).*/\1/p' "$TMP/server.out" | head -1)
	[ -n "$port" ] || sleep 0.1
	i=$((i + 1))
done
[ -n "$port" ] || { echo "FAIL: the backend did not start"; cat "$TMP/server.log"; exit 1; }

# request 1: GET /xff/single, captured 200 with 23 bytes; the backend has 6
if ! "$FD" -n --replay 1 --to "127.0.0.1:$port" "$CAP" >"$TMP/replay1" 2>"$TMP/replay1.err"; then
	echo "FAIL: --replay 1"; cat "$TMP/replay1.err"; fail=$((fail + 1))
fi
cat "$TMP/replay1"
grep -q "^replay 1: GET /xff/single to 127.0.0.1:$port\$" "$TMP/replay1" || { echo "FAIL: replay 1 heading"; fail=$((fail + 1)); }
grep -Eq '^  captured +200 +OK +0\.330 ms +0\.412 ms +23$' "$TMP/replay1" || { echo "FAIL: captured row"; fail=$((fail + 1)); }
grep -Eq '^  replayed +200 +OK +[0-9.]+ ms +[0-9.]+ ms +6$' "$TMP/replay1" || { echo "FAIL: replayed row"; fail=$((fail + 1)); }
# request 3: /xff/v4port?status=404 captured 404; the backend has no such file
"$FD" -n --replay 3 --to "127.0.0.1:$port" "$CAP" >"$TMP/replay3" 2>/dev/null
grep -Eq '^  captured +404 +Not Found' "$TMP/replay3" && grep -Eq '^  replayed +404 ' "$TMP/replay3" ||
	{ echo "FAIL: replay 3"; cat "$TMP/replay3"; fail=$((fail + 1)); }
# the backend saw the captured request
grep -q '"GET /xff/single HTTP/1.1" 200' "$TMP/server.log" || { echo "FAIL: the backend did not log the replay"; cat "$TMP/server.log"; fail=$((fail + 1)); }

# names are not resolved; --to needs --replay
if "$FD" -n --replay 1 --to localhost:80 "$CAP" >/dev/null 2>"$TMP/err"; then
	echo "FAIL: --to localhost:80 accepted"; fail=$((fail + 1))
fi
grep -q "^fdecode: --to: 'localhost:80': not an IPv4 or \[IPv6\] address and a port" "$TMP/err" || { echo "FAIL: --to message: $(cat "$TMP/err")"; fail=$((fail + 1)); }
# the port read as every number is (fsc/num.h), in cli.h's one wording
for to in 127.0.0.1:0 127.0.0.1:65536 '[::1]:8x' 127.0.0.1:+80; do
	"$FD" -n --replay 1 --to "$to" "$CAP" >/dev/null 2>"$TMP/err" &&
		{ echo "FAIL: --to $to accepted"; fail=$((fail + 1)); }
	grep -Eq "^fdecode: --to: '\\[?[0-9a-f.:]+\\]?:[^']*': port (out of range|not a number) \\(1 to 65535\\)$" "$TMP/err" ||
		{ echo "FAIL: --to $to message: $(cat "$TMP/err")"; fail=$((fail + 1)); }
done
"$FD" -n --to 127.0.0.1:1 "$CAP" >/dev/null 2>&1 && { echo "FAIL: --to without --replay accepted"; fail=$((fail + 1)); }

# the default: 127.0.0.1 and the capture's server port (2367)
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1; then
	unshare -n sh -c "ip link set lo up; '$FD' -n --replay 1 '$CAP'" >/dev/null 2>"$TMP/default.err"
	grep -q "^fdecode: --replay: '127.0.0.1:2367': Connection refused" "$TMP/default.err" ||
		{ echo "FAIL: default target: $(cat "$TMP/default.err")"; fail=$((fail + 1)); }
else
	echo "note: not root: the default target is not checked"
fi
echo "$fail failed"
[ "$fail" -eq 0 ]
