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
	-r | -w | --geoip-db)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-c | -s | -B | --dns | --dns-timeout | --trusted-hops | --max-* | --flow-* | --idle-timeout | -f | --filter)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-r -i -D -f -c -s -B -p -j -l -U -q -e -x -X -A -w -v -t -n
			-h -V --filter --json --summary --verbose --follow --dns --dns-timeout
			--geoip-db --no-geoip --trusted-hops --max-sessions --max-peers --max-flows
			--max-streams --flow-buffer --flow-memory --idle-timeout --help --version" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -X '!*.@(pcap|pcapng|cap|gz)' -- "$cur") $(compgen -d -- "$cur"))
}
complete -o filenames -F _fdecode fdecode
