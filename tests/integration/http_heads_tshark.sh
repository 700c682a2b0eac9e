#!/bin/sh
# http_heads_tshark.sh - real curl requests (keep-alive with several requests
# a connection, HEAD, chunked request and response bodies, Expect:
# 100-continue, X-Forwarded-For on two lines, Forwarded, Tailscale-Funnel-
# Request) against a small HTTP/1.1 server on loopback, captured with tcpdump.
# Walking each connection with the head parser, the body framing and the
# chunked skipper must find the same requests (method, URI, Host,
# X-Forwarded-For) and responses (status) as tshark, in 1-byte, 5-byte and
# whole arrivals alike; the XFF and Forwarded parsers must read the chains.
set -eu

[ "$(id -u)" -eq 0 ] || { echo "skip: tcpdump on lo needs root"; exit 77; }
for t in tcpdump tshark curl python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
DUMP="$FSC_BIN/http_dump"
STREAMS="$FSC_SRC/tests/tools/pcap_streams.py"
[ -x "$DUMP" ] || { echo "no $DUMP"; exit 1; }

. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init W
cd "$W"

cat >server.py <<'EOF'
import http.server, sys

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; answers Expect: 100-continue

    def log_message(self, *a):
        pass

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                self.rfile.read(n + 2)
        self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def reply(self, body=True):
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if body:
                self.wfile.write(b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n")
            return
        data = b"ok " + self.path.encode() + b"\n"
        self.send_response(404 if self.path.startswith("/missing") else 200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self):
        self.reply()

    def do_HEAD(self):
        self.reply(False)

    def do_POST(self):
        self.read_body()
        self.reply()

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 server.py "$P" &
PIDS="$PIDS $!"
python3 - "$P" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("server never listened")
EOF

tcpdump -i lo -U --immediate-mode -Z root -w cap.pcap "tcp port $P" >tcpdump.log 2>&1 &
TD=$!
PIDS="$PIDS $TD"
for _ in $(seq 50); do
	grep -q listening tcpdump.log && break
	sleep 0.1
done

U="http://127.0.0.1:$P"
C="timeout 10 curl -s --max-time 5 -o /dev/null"
# 1: keep-alive, two requests, funnel-style headers, XFF on two lines.
$C -H "Host: app.example.ts.net" -H "X-Forwarded-For: 66.249.72.211" \
	-H "X-Forwarded-For: fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b" \
	-H 'Forwarded: for="[2001:db8::1]:443";proto=https, for=_hidden' \
	-H "X-Real-IP: 66.249.72.211" -H "Tailscale-Funnel-Request: ?1" \
	"$U/a?x=1" "$U/chunked" >/dev/null
# 2: HEAD twice (the Content-Length and chunked answers carry no body).
$C -I "$U/a" "$U/chunked" >/dev/null
# 3: chunked request body, then a 404 on the same connection.
printf 'some body bytes\n' >body.txt
$C -H "Transfer-Encoding: chunked" -H "X-Forwarded-For: 192.0.2.60:8080, unknown, [2001:db8::2]" \
	--data-binary @body.txt "$U/post" --next -s -o /dev/null "$U/missing" >/dev/null
# 4: Expect: 100-continue before the body.
$C -H "Expect: 100-continue" --data-binary @body.txt "$U/expect" >/dev/null
sleep 1
kill -INT "$TD"
wait "$TD" || true

F="-T fields -E separator=/t -d tcp.port==$P,http"
tshark -r cap.pcap $F -Y http.request -e tcp.srcport -e http.request.method \
	-e http.request.uri -e http.host -e http.x_forwarded_for >req.tsv 2>/dev/null
tshark -r cap.pcap $F -Y http.response -e tcp.dstport -e http.response.code \
	>resp.tsv 2>/dev/null
python3 "$STREAMS" cap.pcap streams "$P"

fail=0
for port in $(cut -f1 req.tsv | uniq); do
	{
		grep "^$port	" req.tsv | cut -f2- | sed 's/^/req	/'
		grep "^$port	" resp.tsv | cut -f2- | sed 's/^/resp	/'
	} >want.tsv
	"$DUMP" "streams/$port.bin" "streams/$port.rev.bin" >ours.tsv
	for chunk in 1 5; do
		"$DUMP" -s "$chunk" "streams/$port.bin" "streams/$port.rev.bin" >re.tsv
		cmp -s ours.tsv re.tsv || { echo "FAIL: port $port: -s $chunk differs"; fail=1; }
	done
	# tshark has no parsed-chain columns: compare the first five fields.
	awk -F'\t' -v OFS='\t' '$1 == "req" { print $1, $2, $3, $4, $5; next } { print }' \
		ours.tsv >ours5.tsv
	if cmp -s want.tsv ours5.tsv; then
		echo "ok  $port: $(grep -c '^req' ours.tsv) requests, $(grep -c '^resp' ours.tsv) responses"
	else
		echo "FAIL: port $port"; diff want.tsv ours5.tsv || true; fail=1
	fi
	cat ours.tsv >>all.tsv
done
[ "$fail" -eq 0 ] || exit 1

# Not vacuous: every case above is there, and the chains parsed.
[ "$(grep -c '^req' all.tsv)" -eq 7 ] || { echo "FAIL: expected 7 requests"; cat all.tsv; exit 1; }
for code in 100 200 404; do
	grep -q "^resp	$code\$" all.tsv || { echo "FAIL: no $code response"; exit 1; }
done
grep -q "	v4:66.249.72.211,v6:fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b	v6:\[2001:db8::1\]:443,obfuscated\$" all.tsv ||
	{ echo "FAIL: funnel XFF/Forwarded chain"; grep '^req' all.tsv; exit 1; }
grep -q "	v4:192.0.2.60:8080,unknown,v6:2001:db8::2	" all.tsv ||
	{ echo "FAIL: XFF with port, unknown, bracketed v6"; grep '^req' all.tsv; exit 1; }
echo "all requests and responses agree with tshark"
