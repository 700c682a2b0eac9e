# dns.sh - a real DNS server and a silent one on 127.0.0.1 for the reverse
# DNS tests; source it, after setting TMP to a scratch folder.
#
#   dns_start PTR_NAME,TARGET...   dnsmasq on a free port answering those PTR
#                                  records (NXDOMAIN for the rest of
#                                  in-addr.arpa and ip6.arpa); sets DNS_ADDR
#                                  (127.0.0.1:PORT) and DNS_PID; logs queries
#                                  to $TMP/dnsmasq.log
#   silent_start                   a UDP socket that reads and never answers;
#                                  sets SILENT_ADDR and SILENT_PID
#   silent_queries                 datagrams the silent server has received
#   now_ms                         a millisecond clock without an interpreter
#   dns_stop                       both, by PID
#   dns_queries                    PTR queries dnsmasq has seen so far
#
# Needs /usr/sbin/dnsmasq and python3: dns_usable says whether they are there.

DNSMASQ=/usr/sbin/dnsmasq
DNS_PID=""
SILENT_PID=""

dns_usable() {
	[ -x "$DNSMASQ" ] && command -v python3 >/dev/null
}

# Milliseconds, from date(1) (GNU %N): a timed span holds the program under
# test and a fork of date, never an interpreter's start-up (python3 alone
# took 1.4 s on a loaded machine).
now_ms() {
	date +%s%3N
}

free_port() {
	python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

dns_start() {
	_port=$(free_port)
	_ptr=""
	for _r in "$@"; do
		_ptr="$_ptr --ptr-record=$_r"
	done
	# shellcheck disable=SC2086
	"$DNSMASQ" --no-daemon --port="$_port" --listen-address=127.0.0.1 --bind-interfaces \
		--no-resolv --no-hosts --log-queries --log-facility="$TMP/dnsmasq.log" \
		--local-ttl=300 --local=/in-addr.arpa/ --local=/ip6.arpa/ $_ptr \
		</dev/null >/dev/null 2>"$TMP/dnsmasq.err" &
	DNS_PID=$!
	_i=0
	until grep -q "started" "$TMP/dnsmasq.log" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then
			cat "$TMP/dnsmasq.err" >&2
			echo "dnsmasq did not start" >&2
			return 1
		fi
		sleep 0.05
	done
	DNS_ADDR="127.0.0.1:$_port"
}

silent_start() {
	_port=$(free_port)
	: >"$TMP/silent.count"
	# Counts what it receives (one line a query) and answers nothing.
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
log = open(sys.argv[2], "a", buffering=1)
while True:
    s.recvfrom(4096)
    log.write("q\n")
' "$_port" "$TMP/silent.count" </dev/null >/dev/null 2>&1 &
	SILENT_PID=$!
	SILENT_ADDR="127.0.0.1:$_port"
	# Ready when it answers a probe's arrival: the port is bound.
	_i=0
	until python3 -c 'import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"probe", ("127.0.0.1", int(sys.argv[1])))' "$_port" &&
		[ -s "$TMP/silent.count" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && { echo "silent server did not start" >&2; return 1; }
		sleep 0.05
	done
	: >"$TMP/silent.count"
}

dns_stop() {
	[ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
	[ -n "$SILENT_PID" ] && kill "$SILENT_PID" 2>/dev/null && wait "$SILENT_PID" 2>/dev/null
	DNS_PID=""
	SILENT_PID=""
}

dns_queries() {
	grep -c 'query\[PTR\]' "$TMP/dnsmasq.log"
}

# Datagrams the silent server has received so far.
silent_queries() {
	wc -l <"$TMP/silent.count"
}
