#!/bin/sh
# Golden: ula2v4 --diagnose over a crafted tailscaled log: only the Funnel
# ingress lines, each after its kind with its addresses named (100.x and
# --status names), then the diagnosis with each kind's meaning and fix.
. "$(dirname "$0")/ula2v4/check.sh"

check diagnose --stdin "$GOLD/ingress.log" --diagnose --status status.json
# a log without ingress lines: the diagnosis says so
check diagnose_none --stdin "$GOLD/tailscaled.log" --diagnose
finish
