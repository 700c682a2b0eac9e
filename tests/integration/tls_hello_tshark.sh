#!/bin/sh
# tls_hello_tshark.sh - real ClientHellos from curl and openssl s_client
# (TLS 1.2 and 1.3, ALPN or none, several SNI names, no SNI, an IP literal, a
# HelloRetryRequest that makes two hellos on one connection), captured on
# loopback against openssl s_server, must parse exactly as tshark does:
# server_name, alpn_str, ja3, ja3_full, cipher suites, extension types. JA4
# (tshark 4.0 has no field) is computed here by hand from tshark's fields.
# The reassembler is fed whole streams, 7-byte and 1-byte chunks: same output.
set -eu

[ "$(id -u)" -eq 0 ] || { echo "skip: tcpdump on lo needs root"; exit 77; }
for t in tcpdump tshark openssl curl python3 timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: no $t"; exit 77; }
done
DUMP="$FSC_BIN/tls_hello_dump"
STREAMS="$FSC_SRC/tests/tools/pcap_streams.py"
[ -x "$DUMP" ] || { echo "no $DUMP"; exit 1; }

. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init W
cd "$W"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
	python3 - "$1" <<'EOF'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("port %s never opened" % sys.argv[1])
EOF
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-keyout key.pem -out cert.pem -subj /CN=a.test 2>/dev/null
P1=$(free_port)
P2=$(free_port)
[ "$P1" != "$P2" ] || P2=$((P1 + 1))
openssl s_server -accept "127.0.0.1:$P1" -cert cert.pem -key key.pem -www -quiet \
	>srv1.log 2>&1 &
PIDS="$PIDS $!"
# Only P-256: a client whose key share is X25519 gets a HelloRetryRequest.
openssl s_server -accept "127.0.0.1:$P2" -cert cert.pem -key key.pem -www -quiet \
	-groups P-256 >srv2.log 2>&1 &
PIDS="$PIDS $!"
wait_port "$P1"
wait_port "$P2"

tcpdump -i lo -U --immediate-mode -s 65535 -B 131072 -Z root -w cap.pcap "tcp port $P1 or tcp port $P2" >tcpdump.log 2>&1 &
TD=$!
PIDS="$PIDS $TD"
for _ in $(seq 50); do
	grep -q listening tcpdump.log && break
	sleep 0.1
done

C="timeout 10 curl -sk --max-time 5 -o /dev/null"
S="timeout 10 openssl s_client -connect 127.0.0.1:$P1"
$C --resolve a.test:$P1:127.0.0.1 "https://a.test:$P1/"
$C --tlsv1.2 --tls-max 1.2 --http1.1 --resolve b.example.ts.net:$P1:127.0.0.1 \
	"https://b.example.ts.net:$P1/"
$C --no-alpn --resolve c.test:$P1:127.0.0.1 "https://c.test:$P1/"
$C "https://127.0.0.1:$P1/"	# IP literal: no SNI
$S -tls1_3 -servername d.test -alpn h2,http/1.1 </dev/null >/dev/null 2>&1
$S -tls1_2 -servername e.test -alpn http/1.1 </dev/null >/dev/null 2>&1
$S -noservername -alpn h2 </dev/null >/dev/null 2>&1
$S -servername a-rather-long-label-to-make-the-name-longer-than-usual.example.ts.net \
	</dev/null >/dev/null 2>&1
timeout 10 openssl s_client -connect "127.0.0.1:$P2" -servername hrr.test \
	-groups X25519:P-256 </dev/null >hrr.log 2>&1 ||
	{ echo "FAIL: the HelloRetryRequest client failed (a loaded machine?)"; cat hrr.log srv2.log; exit 1; }
# The last packets reach the file only after tcpdump's next wake-up.
sleep 2
kill -INT "$TD"
wait "$TD" || true

# tshark's view: port, sni, alpn, ja3, ja3_full, ciphers, exts, sigalgs, versions
tshark -r cap.pcap -d "tcp.port==$P1,tls" -d "tcp.port==$P2,tls" \
	-Y 'tls.handshake.type == 1' -T fields -E separator=/t \
	-e tcp.srcport -e tls.handshake.extensions_server_name \
	-e tls.handshake.extensions_alpn_str -e tls.handshake.ja3 \
	-e tls.handshake.ja3_full -e tls.handshake.ciphersuite \
	-e tls.handshake.extension.type -e tls.handshake.sig_hash_alg \
	-e tls.handshake.extensions.supported_version >tshark.tsv 2>tshark.err

python3 "$STREAMS" cap.pcap streams "$P1" "$P2"

# Ours, per connection in tshark's order: port then the driver's columns.
: >ours.tsv
for port in $(cut -f1 tshark.tsv | uniq); do
	"$DUMP" "streams/$port.bin" >one.tsv
	for chunk in 7 1; do
		"$DUMP" -s "$chunk" "streams/$port.bin" >rechunked.tsv
		cmp -s one.tsv rechunked.tsv ||
			{ echo "FAIL: port $port: -s $chunk output differs"; exit 1; }
	done
	sed "s/^/$port\t/" one.tsv >>ours.tsv
done

python3 - tshark.tsv ours.tsv <<'EOF'
import hashlib, sys

def grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)

def ints(field):
    return [int(x, 0) for x in field.split(",") if x]

def ja4(sni, alpn, ja3_full, ciphers, exts, sigalgs, versions):
    # FoxIO JA4.md, written out again here from the tshark fields.
    vers = [v for v in ints(versions) if not grease(v)]
    ver = max(vers) if vers else int(ja3_full.split(",")[0])
    vcode = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}.get(ver, "00")
    cs = [c for c in ints(ciphers) if not grease(c)]
    ex = [e for e in ints(exts) if not grease(e)]
    first = alpn.split(",")[0] if alpn else ""
    a = first[0] + first[-1] if first else "00"
    sni_flag = "d" if 0 in ex else "i"
    part_a = "t%s%s%02d%02d%s" % (vcode, sni_flag, min(len(cs), 99), min(len(ex), 99), a)
    h = lambda s: hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"
    b = ",".join("%04x" % c for c in sorted(cs))
    c = ",".join("%04x" % e for e in sorted(e for e in ex if e not in (0, 16)))
    sa = [s for s in ints(sigalgs) if not grease(s)]
    if c and sa:
        c += "_" + ",".join("%04x" % s for s in sa)
    return "%s_%s_%s" % (part_a, h(b), h(c))

theirs = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
ours = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
if len(theirs) != len(ours):
    sys.exit("FAIL: tshark saw %d hellos, we saw %d" % (len(theirs), len(ours)))
names = {"sni": 1, "alpn": 2, "ja3": 3, "ja3_full": 4}
bad = 0
for t, o in zip(theirs, ours):
    port, sni, alpn, ja3, ja3_full, ciphers, exts, sigalgs, versions = (t + [""] * 9)[:9]
    want = [port, sni, alpn, ja3, ja3_full, ja4(sni, alpn, ja3_full, ciphers, exts, sigalgs, versions),
            ciphers, exts]
    if o != want:
        bad += 1
        print("FAIL: port %s" % port)
        for k, (w, g) in enumerate(zip(want, o)):
            if w != g:
                print("  column %d: tshark/hand %r\n             ours      %r" % (k, w, g))
    else:
        print("ok  %-6s sni=%-20.20s alpn=%-12s ja3=%s ja4=%s" % (port, sni or "-", alpn or "-", o[3], o[5]))
if bad:
    sys.exit("%d hellos differ" % bad)
EOF

# The comparison must not be vacuous: every case above is in it.
[ "$(wc -l <tshark.tsv)" -eq 10 ] || { echo "FAIL: expected 10 hellos"; cat tshark.tsv tcpdump.log; exit 1; }
for name in a.test b.example.ts.net c.test d.test e.test hrr.test \
	a-rather-long-label-to-make-the-name-longer-than-usual.example.ts.net; do
	cut -f2 ours.tsv | grep -qx "$name" || { echo "FAIL: no hello with SNI $name"; exit 1; }
done
[ "$(cut -f2 ours.tsv | grep -c '^$')" -eq 2 ] || { echo "FAIL: expected 2 hellos without SNI"; exit 1; }
[ "$(cut -f2 ours.tsv | grep -c '^hrr.test$')" -eq 2 ] || { echo "FAIL: HRR should give 2 hellos"; exit 1; }
cut -f6 ours.tsv | grep -q '^t12' || { echo "FAIL: no TLS 1.2 hello"; exit 1; }
cut -f6 ours.tsv | grep -q '^t13' || { echo "FAIL: no TLS 1.3 hello"; exit 1; }
echo "all 10 ClientHellos agree with tshark"
