# bash completion for fdecode(1): options, interfaces after -i, capture
# files (also gzipped) elsewhere.
_fdecode() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-i)
		COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"))
		return ;;
	-r | -w | --geoip-db | --wg-keylog | --tls-keylog | --metrics-file | --access-log | --har)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--proxy-model)
		COMPREPLY=($(compgen -W "pooled per-connection" -- "$cur"))
		return ;;
	--access-log-format)
		COMPREPLY=($(compgen -W "combined json" -- "$cur"))
		return ;;
	-c | -s | -B | --dns | --dns-timeout | --trusted-hops | --max-* | --flow-* | --idle-timeout | -f | --filter | \
	--clock-offset | --record-field | --access-log-fields | --redact | --redact-query | --curl | --replay | --to)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-r -i -D -f -c -s -B -p -j -l -U -q -e -x -X -A -w -v -t -n
			-h -V --filter --json --summary --verbose --follow --dns --dns-timeout
			--geoip-db --no-geoip --trusted-hops --max-sessions --max-peers --max-flows
			--max-streams --flow-buffer --flow-memory --idle-timeout --wg-keylog --tls-keylog
			--clock-offset --correlate --proxy-model --metrics-file --records --record-field
			--access-log --access-log-format --access-log-fields --redact --redact-query
			--truncate-clients --har --curl --replay --to --help --version" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap|gz)' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _fdecode fdecode
