# scratch.sh - a test's scratch folder and the processes it starts, both
# gone when the script exits, however it exits.  POSIX sh, safe under
# set -eu; source it, then:
#
#   scratch_init VAR [NAME]  VAR (W, T, TMP...) names a fresh folder
#                            (/tmp/NAME.XXXXXX with NAME); PIDS empty; at exit
#                            scratch_extra_cleanup runs if the script defines
#                            it (servers, tmux, descriptors...), then every
#                            PID in $PIDS is stopped and waited for, then the
#                            folder is removed
#   PIDS="$PIDS $!"          after starting a background process
#   scratch_stop             stop and wait for $PIDS now; PIDS empty again
#
# Namespace labs use netns.sh's nsl_init instead, which does this and more.

scratch_stop() {
	for scratch_p in $PIDS; do kill "$scratch_p" 2>/dev/null || :; done
	for scratch_p in $PIDS; do wait "$scratch_p" 2>/dev/null || :; done
	PIDS=""
}

scratch_cleanup() {
	if command -v scratch_extra_cleanup >/dev/null 2>&1; then
		scratch_extra_cleanup || :
	fi
	scratch_stop
	rm -rf "$SCRATCH_DIR"
}

scratch_init() {
	if [ -n "${2:-}" ]; then
		SCRATCH_DIR=$(mktemp -d "/tmp/$2.XXXXXX")
	else
		SCRATCH_DIR=$(mktemp -d)
	fi || { echo "scratch_init: mktemp failed" >&2; exit 1; }
	eval "$1=\$SCRATCH_DIR"
	PIDS=""
	trap scratch_cleanup EXIT
	trap 'exit 130' INT TERM HUP
}
