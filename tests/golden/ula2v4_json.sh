#!/bin/sh
# Golden: ula2v4 --json, every line also checked to be valid JSON.
. "$(dirname "$0")/ula2v4/check.sh"

check json_stdin --stdin "$GOLD/inputs.txt" --json -
check json_status --stdin "$GOLD/inputs.txt" --json --status status.json -
# Each output line must parse on its own (python3 is an independent parser).
if command -v python3 >/dev/null 2>&1; then
	cases=$((cases + 1))
	if ! python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    o = json.loads(line)
    for k in ("input", "kind", "addr", "class", "description", "counterpart"):
        assert k in o, (n, k)
' "$GOLD/json_status.out"; then
		echo "FAIL: json_status.out is not JSON lines with the stable keys" >&2
		failures=$((failures + 1))
	fi
fi
finish
