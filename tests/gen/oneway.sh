#!/bin/sh
# One-sided captures (issue 15 item 8): the real WireGuard captures cut to
# what one end sent, as `tcpdump -w ... 'src host A'` on a busy machine
# leaves them. Health must say "one-way-capture", and each session's
# initiator must stay the source of its initiation. Deterministic: rerun
# it after the real captures are remade, then review the golden diffs.
#   sh tests/gen/oneway.sh        (from the source tree; needs tcpdump)
set -eu
cd "$(dirname "$0")/../.."
out=captures/oneway
mkdir -p "$out"
for side in 1 2; do
	tcpdump -r captures/wg-tunnel.pcap -w "$out/wg-tunnel-src$side.pcap" \
		"src host 198.18.0.$side or src host 2001:db8::$side" 2>/dev/null
	tcpdump -r captures/wg-ours-go.pcap -w "$out/wg-ours-go-src$side.pcap" \
		"src host 198.18.0.$side" 2>/dev/null
done
ls -l "$out"
