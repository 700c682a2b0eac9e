#!/bin/sh
# Golden: one stderr line per bad input, the rest still printed, and the
# documented exit codes (0 all mapped, 1 usage, 2 some input not mapped).
. "$(dirname "$0")/ula2v4/check.sh"

check err_inputs 100.104.208.43 bogus 8.8.8.8 10.0.0.1/8 fd7a:115c:a1e0::1234 \
	100.64.0.0/33 "10.0.0.0/+8" 10.0.0.0/8 fd7a::/16 fd7a:115c:a1e0:b1a::/64 \
	"" "1.2.3.4'x" 127.3.3.40 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b
check err_status_missing --status no-such-file.json 100.104.208.43
check err_status_badjson --status bad-status.json 100.104.208.43
check err_status_array --status array-status.json 100.104.208.43
check usage_none
check usage_option --frobnicate 100.104.208.43
check usage_via --via 65536 10.1.2.3
check usage_via_text --via seven 10.1.2.3
check usage_annotate_args --annotate 100.104.208.43
check usage_annotate_json --annotate --json
check usage_timeout --timeout 0 8.8.8.8
check all_good 100.104.208.43 fd7a:115c:a1e0::53
finish
