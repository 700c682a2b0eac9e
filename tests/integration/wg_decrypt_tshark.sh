#!/bin/sh
# wg_decrypt_tshark.sh: fdecode and tshark, given the same WireGuard key log,
# must agree on every packet: the initiator's static key, handshake_ok, and
# of each decrypted inner packet its IP source, destination and protocol
# and its TCP/UDP ports (lib/wgd_compare.py).
#
# The traffic: tests/tools/wgpair.c, two peers built on libdecode's own
# WireGuard core in one process (no root): two handshakes (each side
# initiates once, the second with a PSK), ICMP, an HTTP exchange through the
# tunnel and the same addresses and ports in the clear on the wire, a
# damaged message and one without a handshake. Each side's key log is
# checked on its own, and embedded as a pcapng Decryption Secrets Block.
# Root runs also do it against wireguard-go: wg_decrypt_live.sh.
# exit: 0 agreement, 1 disagreement, 77 skipped (tshark, editcap or python3
# missing).
set -u
: "${FSC_BIN:?}" "${FSC_SRC:?}"
skip() { echo "wg_decrypt_tshark: SKIP: $*" >&2; exit 77; }
fail() { echo "wg_decrypt_tshark: FAIL: $*" >&2; exit 1; }
for c in tshark editcap python3; do
	command -v "$c" >/dev/null 2>&1 || skip "missing $c (scripts/deps.sh installs it)"
done
. "$FSC_SRC/tests/integration/lib/scratch.sh"
scratch_init TMP
COMPARE="python3 $FSC_SRC/tests/integration/lib/wgd_compare.py"
FIELDS="-e frame.number -e wg.type -e wg.static -e wg.handshake_ok -e ip.src
	-e ip.dst -e ip.proto -e tcp.srcport -e tcp.dstport -e udp.srcport -e udp.dstport"

"$FSC_BIN/wgpair" "$TMP/p.pcap" "$TMP/a.keys" "$TMP/b.keys" || fail "wgpair"

# compare NAME CAPTURE [tshark/fdecode key options...]
compare() {
	name=$1 cap=$2
	shift 2
	# shellcheck disable=SC2086
	tshark -n -r "$cap" ${1:+-o wg.keylog_file:$1} -T fields $FIELDS \
		>"$TMP/$name.tsv" 2>"$TMP/$name.err" || fail "tshark: $(cat "$TMP/$name.err")"
	"$FSC_BIN/fdecode" -n -v --json ${1:+--wg-keylog "$1"} "$cap" \
		>"$TMP/$name.jsonl" || fail "fdecode ($name) exited $?"
	$COMPARE "$TMP/$name.tsv" "$TMP/$name.jsonl" --min-inner 11 --min-ok 2 ||
		fail "fdecode and tshark disagree with $name's keys (above)"
}
compare initiator-a "$TMP/p.pcap" "$TMP/a.keys"
compare responder-b "$TMP/p.pcap" "$TMP/b.keys"
editcap --inject-secrets "wg,$TMP/b.keys" "$TMP/p.pcap" "$TMP/p.pcapng" ||
	fail "editcap --inject-secrets"
compare secrets-block "$TMP/p.pcapng"

# The comparison can fail: tshark with keys against fdecode without.
tshark -n -r "$TMP/p.pcap" -o "wg.keylog_file:$TMP/a.keys" -T fields $FIELDS \
	>"$TMP/keyed.tsv" 2>/dev/null
"$FSC_BIN/fdecode" -n -v --json "$TMP/p.pcap" >"$TMP/plain.jsonl"
$COMPARE "$TMP/keyed.tsv" "$TMP/plain.jsonl" >/dev/null &&
	fail "the comparison did not notice fdecode decrypting nothing"
# Without keys nothing changes: no decryption, no tunnel marks.
grep -q '"decryption"\|"tunnel"' "$TMP/plain.jsonl" &&
	fail "fdecode without keys marks decryption"

# Inner and outer flows of the same addresses and ports stay apart: two
# requests, the inner one marked with its tunnel session.
grep '"type":"http_request"' "$TMP/initiator-a.jsonl" >"$TMP/req"
[ "$(grep -c . "$TMP/req")" -eq 2 ] || fail "want 2 HTTP requests: $(cat "$TMP/req")"
grep -q '"uri":"/inner".*"tunnel":{"session":1,"peer":"' "$TMP/req" ||
	fail "the inner request is not marked with its tunnel"
grep '"uri":"/outer"' "$TMP/req" | grep -q '"tunnel"' &&
	fail "the outer request is marked as tunnelled"

# --summary counts what opened and why the rest did not.
"$FSC_BIN/fdecode" -n --summary --wg-keylog "$TMP/a.keys" "$TMP/p.pcap" >"$TMP/sum"
for want in "transport decrypted  *12\$" "no key  *0\$" \
	"handshake not in capture  *1\$" "auth failure  *1\$" "responses opened  *2\$"; do
	grep -q "$want" "$TMP/sum" || fail "summary lacks '$want': $(sed -n '/Decryption/,/inner/p' "$TMP/sum")"
done
"$FSC_BIN/fdecode" -n --summary --json --wg-keylog "$TMP/a.keys" "$TMP/p.pcap" |
	grep -q '"type":"wg_decryption".*"transport_decrypted":12,' ||
	fail "JSON summary lacks wg_decryption"
# A key log that cannot be read is a usage error that quotes it.
"$FSC_BIN/fdecode" --wg-keylog "$TMP/none.keys" "$TMP/p.pcap" 2>"$TMP/err" >/dev/null
[ $? -eq 1 ] || fail "unreadable --wg-keylog: exit status"
grep -q "^fdecode: --wg-keylog: '$TMP/none.keys': No such file" "$TMP/err" ||
	fail "unreadable --wg-keylog: $(cat "$TMP/err")"
echo "wg_decrypt_tshark: PASS"
