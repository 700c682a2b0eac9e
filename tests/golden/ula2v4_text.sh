#!/bin/sh
# Golden: ula2v4 text output, from arguments and from standard input, with
# and without --status.
. "$(dirname "$0")/ula2v4/check.sh"

check text_args fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b 100.104.208.43
check text_stdin --stdin "$GOLD/inputs.txt" -
check text_status --stdin "$GOLD/inputs.txt" --status status.json -
check text_via --via 7 10.1.2.3 10.1.2.0/24 192.168.0.0/16 100.64.0.0/10
finish
