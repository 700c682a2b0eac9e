#!/bin/sh
# Golden: ula2v4 --annotate over crafted log lines; lines without a
# recognised address must come out byte for byte.
. "$(dirname "$0")/ula2v4/check.sh"

check annotate --stdin "$GOLD/tailscaled.log" --annotate
check annotate_status --stdin "$GOLD/tailscaled.log" --annotate --status status.json

# Text with no address to name, odd bytes, CRLF and no final newline: same
# bytes out.
printf 'plain line\r\nbytes \001\377\033[0m 1.2.3.4 ::1 cafe:beef\r\nno newline at end' \
	>"$TMP/plain.txt"
cases=$((cases + 1))
if ! "$ULA2V4" --no-geoip --annotate <"$TMP/plain.txt" | cmp -s - "$TMP/plain.txt"; then
	echo "FAIL: --annotate changed a text with nothing to annotate" >&2
	failures=$((failures + 1))
fi
finish
